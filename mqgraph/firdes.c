/* firdes.c - FIR filter design: windows, GNU Radio's tap count, and the designs.
 *
 * The four windowed-sinc designs share one shape: the ideal impulse response of
 * the band, times the window, scaled so the response at one frequency (0 for low
 * pass and band reject, Nyquist for high pass, the band's centre for band pass)
 * equals the gain. That is GNU Radio's normalisation, and the reason its taps for
 * a low pass sum to exactly `gain`. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "firdes.h"

static const char *const win_names[MQG_WIN_COUNT] = {"hamming", "hann", "blackman",
                                                     "rectangular", "kaiser"};

static int refuse(mqg_firdes_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(mqg_firdes_err *e, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return MQ_EINVAL;
    e->field = field;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return MQ_EINVAL;
}

int mqg_window_parse(const char *name)
{
    for (int i = 0; name && i < MQG_WIN_COUNT; i++)
        if (!strcmp(name, win_names[i]))
            return i;
    return -1;
}

const char *mqg_window_names(void)
{
    return "hamming, hann, blackman, rectangular, kaiser";
}

/* GNU Radio's figures (gr-fft window.cc); Kaiser's is the inverse of Kaiser's own
 * beta = 0.1102 (A - 8.7). */
double mqg_window_max_attenuation(mqg_window win, double beta)
{
    switch (win) {
    case MQG_WIN_HAMMING: return 53;
    case MQG_WIN_HANN: return 44;
    case MQG_WIN_BLACKMAN: return 74;
    case MQG_WIN_RECTANGULAR: return 21;
    case MQG_WIN_KAISER: return beta / 0.1102 + 8.7;
    default: return 0;
    }
}

/* The modified Bessel function I0 by its power series, summed until a term no
 * longer changes the sum: exact to double precision for any beta a window uses. */
static double bessel_i0(double x)
{
    double sum = 1, term = 1, q = x * x / 4;

    for (int k = 1; k < 500 && term > sum * 1e-17; k++) {
        term *= q / ((double)k * k);
        sum += term;
    }
    return sum;
}

/* c0 - c1 cos(2 pi i/(n-1)) + c2 cos(4 pi i/(n-1)): Hamming, Hann and Blackman. */
static void cosine_window(size_t n, double c0, double c1, double c2, double *w)
{
    double m = (double)(n - 1);

    for (size_t i = 0; i < n; i++)
        w[i] = c0 - c1 * cos(2 * M_PI * (double)i / m) + c2 * cos(4 * M_PI * (double)i / m);
}

int mqg_window_fill(mqg_window win, size_t n, double beta, double *w)
{
    if (n < 2 || (win == MQG_WIN_KAISER && !(beta >= 0)))
        return MQ_EINVAL;
    switch (win) {
    case MQG_WIN_HAMMING: cosine_window(n, 0.54, 0.46, 0, w); return 0;
    case MQG_WIN_HANN: cosine_window(n, 0.5, 0.5, 0, w); return 0;
    case MQG_WIN_BLACKMAN: cosine_window(n, 0.42, 0.5, 0.08, w); return 0;
    case MQG_WIN_RECTANGULAR:
        for (size_t i = 0; i < n; i++)
            w[i] = 1;
        return 0;
    case MQG_WIN_KAISER:
        for (size_t i = 0; i < n; i++) {
            double r = 2.0 * (double)i / (double)(n - 1) - 1;
            w[i] = bessel_i0(beta * sqrt(1 - r * r)) / bessel_i0(beta);
        }
        return 0;
    default: return MQ_EINVAL;
    }
}

static int check_window(mqg_window win, double beta, mqg_firdes_err *e)
{
    if ((unsigned)win >= MQG_WIN_COUNT)
        return refuse(e, "window", "unknown window %d", (int)win);
    if (win == MQG_WIN_KAISER && !(beta >= 0 && isfinite(beta)))
        return refuse(e, "beta", "beta %g must be >= 0", beta);
    return 0;
}

int mqg_firdes_ntaps(double sample_rate, double transition, mqg_window win, double beta,
                     mqg_firdes_err *e)
{
    int rc = check_window(win, beta, e);
    if (rc < 0)
        return rc;
    /* The count is computed in double and checked before the cast: (int) of a
     * number past INT_MAX is undefined, and a million taps is already absurd. */
    double a = mqg_window_max_attenuation(win, beta);
    double x = a * sample_rate / (22.0 * transition);
    if (!(x < MQG_FIRDES_MAX_TAPS))
        return refuse(e, "transition", "transition %g is too narrow: over %d taps", transition,
                      MQG_FIRDES_MAX_TAPS);
    int ntaps = (int)x | 1;
    if (ntaps < 3)
        return refuse(e, "transition", "transition %g is too wide: the filter would have 1 tap",
                      transition);
    return ntaps;
}

/* The checks every windowed design makes on its rate and one cutoff. */
static int check_rate(double fs, double tw, mqg_firdes_err *e)
{
    if (!(fs > 0 && isfinite(fs)))
        return refuse(e, "sample_rate", "sample_rate %g must be > 0", fs);
    if (!(tw > 0 && isfinite(tw)))
        return refuse(e, "transition", "transition %g must be > 0", tw);
    return 0;
}

static int check_cutoff(const char *field, double f, double fs, mqg_firdes_err *e)
{
    if (!(f > 0 && f < fs / 2))
        return refuse(e, field, "%s %g must be above 0 and below sample_rate/2 (%g)", field, f,
                      fs / 2);
    return 0;
}

/* The window for a design of the length compute_ntaps gives; *w malloc'd. */
static int windowed(double fs, double tw, mqg_window win, double beta, double **w, size_t *n,
                    mqg_firdes_err *e)
{
    int ntaps = mqg_firdes_ntaps(fs, tw, win, beta, e);
    if (ntaps < 0)
        return ntaps;
    if (!(*w = malloc((size_t)ntaps * sizeof **w)))
        return MQ_ENOMEM;
    *n = (size_t)ntaps;
    return mqg_window_fill(win, *n, beta, *w);
}

/* Scales taps so that the response at omega (radians per sample) is `gain`. The
 * taps are symmetric about m, so the response there is real: sum h[k] cos((k-m) w). */
static int normalize(double *t, size_t n, double omega, double gain, mqg_firdes_err *e)
{
    size_t m = (n - 1) / 2;
    double at = t[m];

    for (size_t k = 1; k <= m; k++)
        at += 2 * t[m + k] * cos((double)k * omega);
    if (at == 0 || !isfinite(at))
        return refuse(e, "transition", "the design has no response to normalise");
    for (size_t i = 0; i < n; i++)
        t[i] *= gain / at;
    return 0;
}

/* The ideal responses, at offset k from the centre (k != 0), in radians per sample. */
static double sinc_band(double k, double w0, double w1)
{
    return (sin(k * w1) - sin(k * w0)) / (k * M_PI);
}

enum shape { LOW, HIGH, PASS, REJECT };

/* One of the four windowed-sinc designs: w0 and w1 are the band edges in radians
 * per sample (w1 unused for LOW and HIGH). */
static int design(enum shape s, double gain, double w0, double w1, double fs, double tw,
                  mqg_window win, double beta, double **taps, size_t *n, mqg_firdes_err *e)
{
    double *t = NULL;
    int rc = windowed(fs, tw, win, beta, &t, n, e);

    if (rc < 0) {
        free(t);
        return rc;
    }
    size_t m = (*n - 1) / 2;
    for (size_t i = 0; i < *n; i++) {
        double k = (double)i - (double)m, h;
        switch (s) {
        case LOW: h = i == m ? w0 / M_PI : sinc_band(k, 0, w0); break;
        case HIGH: h = i == m ? 1 - w0 / M_PI : -sinc_band(k, 0, w0); break;
        case PASS: h = i == m ? (w1 - w0) / M_PI : sinc_band(k, w0, w1); break;
        /* GNU Radio leaves the 1 of the all-pass unwindowed; the centre of every
         * window here is 1, so it only matters for being faithful. */
        default:
            t[i] = i == m ? 1 + (w0 - w1) / M_PI * t[i] : -sinc_band(k, w0, w1) * t[i];
            continue;
        }
        t[i] *= h;
    }
    double at = s == HIGH ? M_PI : s == PASS ? (w0 + w1) / 2 : 0;
    if ((rc = normalize(t, *n, at, gain, e)) < 0) {
        free(t);
        return rc;
    }
    *taps = t;
    return 0;
}

int mqg_firdes_low_pass(double gain, double sample_rate, double cutoff, double transition,
                        mqg_window win, double beta, double **taps, size_t *n,
                        mqg_firdes_err *e)
{
    int rc = check_rate(sample_rate, transition, e);
    if (rc < 0 || (rc = check_cutoff("cutoff", cutoff, sample_rate, e)) < 0)
        return rc;
    return design(LOW, gain, 2 * M_PI * cutoff / sample_rate, 0, sample_rate, transition, win,
                  beta, taps, n, e);
}

int mqg_firdes_high_pass(double gain, double sample_rate, double cutoff, double transition,
                         mqg_window win, double beta, double **taps, size_t *n,
                         mqg_firdes_err *e)
{
    int rc = check_rate(sample_rate, transition, e);
    if (rc < 0 || (rc = check_cutoff("cutoff", cutoff, sample_rate, e)) < 0)
        return rc;
    return design(HIGH, gain, 2 * M_PI * cutoff / sample_rate, 0, sample_rate, transition, win,
                  beta, taps, n, e);
}

static int check_band(double fs, double lo, double hi, double tw, mqg_firdes_err *e)
{
    int rc = check_rate(fs, tw, e);
    if (rc < 0 || (rc = check_cutoff("low_cutoff", lo, fs, e)) < 0 ||
        (rc = check_cutoff("high_cutoff", hi, fs, e)) < 0)
        return rc;
    /* GNU Radio allows low == high, an empty band that normalises by zero. */
    if (!(hi > lo))
        return refuse(e, "high_cutoff", "high_cutoff %g must be above low_cutoff %g", hi, lo);
    return 0;
}

/* band_pass and band_reject: the same checks and window, `kind` tells them apart. */
static int band(enum shape kind, double gain, double sample_rate, double low_cutoff,
                double high_cutoff, double transition, mqg_window win, double beta,
                double **taps, size_t *n, mqg_firdes_err *e)
{
    int rc = check_band(sample_rate, low_cutoff, high_cutoff, transition, e);
    if (rc < 0)
        return rc;
    return design(kind, gain, 2 * M_PI * low_cutoff / sample_rate,
                  2 * M_PI * high_cutoff / sample_rate, sample_rate, transition, win, beta,
                  taps, n, e);
}

int mqg_firdes_band_pass(double gain, double sample_rate, double low_cutoff,
                         double high_cutoff, double transition, mqg_window win, double beta,
                         double **taps, size_t *n, mqg_firdes_err *e)
{
    return band(PASS, gain, sample_rate, low_cutoff, high_cutoff, transition, win, beta, taps,
                n, e);
}

int mqg_firdes_band_reject(double gain, double sample_rate, double low_cutoff,
                           double high_cutoff, double transition, mqg_window win, double beta,
                           double **taps, size_t *n, mqg_firdes_err *e)
{
    return band(REJECT, gain, sample_rate, low_cutoff, high_cutoff, transition, win, beta, taps,
                n, e);
}

static int alloc_taps(int ntaps, double **taps, size_t *n)
{
    if (!(*taps = calloc((size_t)ntaps, sizeof **taps)))
        return MQ_ENOMEM;
    *n = (size_t)ntaps;
    return 0;
}

/* The root raised cosine at offset x symbols... in samples: x = k / spb symbols.
 * Where 4 alpha x = +-1 the textbook formula is 0/0; GNU Radio then uses its limit
 * (by l'Hopital), and so does this, with GNU Radio's tolerance for "is 1". */
static double rrc_tap(double k, double spb, double a)
{
    double x1 = M_PI * k / spb, x2 = 4 * a * k / spb, x3 = x2 * x2 - 1;

    if (fabs(x3) >= 1e-6) {
        double num = k != 0 ? cos((1 + a) * x1) + sin((1 - a) * x1) / x2
                            : cos((1 + a) * x1) + (1 - a) * M_PI / (4 * a);
        return 4 * a * num / (x3 * M_PI);
    }
    if (a == 1)
        return -1;
    double s = (1 - a) * x1, c = (1 + a) * x1;
    double num = sin(c) * (1 + a) * M_PI - cos(s) * ((1 - a) * M_PI * spb) / (4 * a * k) +
                 sin(s) * spb * spb / (4 * a * k * k);
    return 4 * a * num / (-32 * M_PI * a * a * k / spb);
}

int mqg_firdes_root_raised_cosine(double gain, double sample_rate, double symbol_rate,
                                  double alpha, int ntaps, double **taps, size_t *n,
                                  mqg_firdes_err *e)
{
    if (!(sample_rate > 0 && isfinite(sample_rate)))
        return refuse(e, "sample_rate", "sample_rate %g must be > 0", sample_rate);
    if (!(symbol_rate > 0 && symbol_rate <= sample_rate))
        return refuse(e, "symbol_rate", "symbol_rate %g must be above 0 and at most "
                      "sample_rate", symbol_rate);
    if (!(alpha > 0 && alpha <= 1))
        return refuse(e, "alpha", "alpha %g must be above 0 and at most 1", alpha);
    if (ntaps < 1 || ntaps > MQG_FIRDES_MAX_TAPS)
        return refuse(e, "ntaps", "ntaps %d must be in [1, %d]", ntaps, MQG_FIRDES_MAX_TAPS);
    ntaps |= 1; /* as GNU Radio: symmetric about a middle tap */
    int rc = alloc_taps(ntaps, taps, n);
    if (rc < 0)
        return rc;
    double spb = sample_rate / symbol_rate, sum = 0;
    for (int i = 0; i < ntaps; i++)
        sum += (*taps)[i] = rrc_tap((double)(i - ntaps / 2), spb, alpha);
    for (int i = 0; i < ntaps; i++)
        (*taps)[i] *= gain / sum;
    return 0;
}

/* A Gaussian pulse for GMSK: its standard deviation in symbols is
 * sqrt(ln 2) / (2 pi bt); GNU Radio samples it at (i + 1 - ntaps/2) / spb, half a
 * sample off centre for an even count, and normalises the sum to `gain`. */
int mqg_firdes_gaussian(double gain, double spb, double bt, int ntaps, double **taps,
                        size_t *n, mqg_firdes_err *e)
{
    if (!(spb > 0 && isfinite(spb)))
        return refuse(e, "spb", "spb %g must be > 0", spb);
    if (!(bt > 0 && isfinite(bt)))
        return refuse(e, "bt", "bt %g must be > 0", bt);
    if (ntaps < 1 || ntaps > MQG_FIRDES_MAX_TAPS)
        return refuse(e, "ntaps", "ntaps %d must be in [1, %d]", ntaps, MQG_FIRDES_MAX_TAPS);
    int rc = alloc_taps(ntaps, taps, n);
    if (rc < 0)
        return rc;
    double s = 2 * M_PI * bt / sqrt(log(2.0)), sum = 0;
    for (int i = 0; i < ntaps; i++) {
        double t = s * ((double)i + 1 - 0.5 * ntaps) / spb;
        sum += (*taps)[i] = exp(-0.5 * t * t);
    }
    for (int i = 0; i < ntaps; i++)
        (*taps)[i] *= gain / sum;
    return 0;
}

/* The ideal Hilbert transformer 2/(pi k) for odd k, 0 for even, windowed. GNU
 * Radio drops the 2/pi and instead scales so that twice the alternating sum of the
 * right half is 1, the response at a quarter of the sample rate. */
int mqg_firdes_hilbert(int ntaps, mqg_window win, double beta, double **taps, size_t *n,
                       mqg_firdes_err *e)
{
    int rc = check_window(win, beta, e);
    if (rc < 0)
        return rc;
    if (ntaps < 3 || ntaps > MQG_FIRDES_MAX_TAPS || !(ntaps & 1))
        return refuse(e, "ntaps", "ntaps %d must be odd and in [3, %d]", ntaps,
                      MQG_FIRDES_MAX_TAPS);
    double *w = malloc((size_t)ntaps * sizeof *w);
    if (!w || (rc = alloc_taps(ntaps, taps, n)) < 0) {
        free(w);
        return MQ_ENOMEM;
    }
    mqg_window_fill(win, (size_t)ntaps, beta, w);
    size_t h = (size_t)(ntaps - 1) / 2;
    double g = 0;
    for (size_t i = 1; i <= h; i += 2) {
        (*taps)[h + i] = w[h + i] / (double)i;
        (*taps)[h - i] = -w[h - i] / (double)i;
        g = (*taps)[h + i] - g;
    }
    free(w);
    g = 2 * fabs(g);
    for (size_t i = 0; i < *n; i++)
        (*taps)[i] /= g;
    return 0;
}
