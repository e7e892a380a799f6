/* test_firdes.c - firdes.c against the textbook: every window and design computed
 * again here from its formula (windowed sinc, the RRC and Gaussian pulses, the
 * ideal Hilbert transformer), never by calling firdes.c, and compared within 1e-6,
 * tap counts included. GNU Radio 3.10's conventions are the reference where the
 * textbook leaves a choice: its tap-count rule and attenuation table, where each
 * design is normalised, the Gaussian's half-sample offset. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "firdes.h"
#include "suite.h"

#define TOL 1e-6
#define NWIN 5
static const double beta = 5.0; /* Kaiser's, not the default, so beta is seen to matter */

/* I0 by its integral (1/pi) int_0^pi exp(x cos t) dt, Simpson's rule on 2000
 * panels: a different road from firdes.c's power series. */
static double i0_integral(double x)
{
    const int n = 2000;
    double h = M_PI / n, s = exp(x) + exp(-x);
    for (int k = 1; k < n; k++)
        s += (k & 1 ? 4 : 2) * exp(x * cos(k * h));
    return s * h / 3 / M_PI;
}

static double textbook_window(int win, int i, int n)
{
    double x = (double)i / (n - 1);
    switch (win) {
    case MQG_WIN_HAMMING: return 0.54 - 0.46 * cos(2 * M_PI * x);
    case MQG_WIN_HANN: return 0.5 * (1 - cos(2 * M_PI * x));
    case MQG_WIN_BLACKMAN: return 0.42 - 0.5 * cos(2 * M_PI * x) + 0.08 * cos(4 * M_PI * x);
    case MQG_WIN_RECTANGULAR: return 1;
    default: {
        double r = 2 * x - 1;
        return i0_integral(beta * sqrt(1 - r * r)) / i0_integral(beta);
    }
    }
}

/* harris' rule N = A fs / (22 df) with GNU Radio's A per window, made odd. */
static int textbook_ntaps(int win, double fs, double df)
{
    static const double atten[NWIN] = {53, 44, 74, 21, 0};
    double a = win == MQG_WIN_KAISER ? beta / 0.1102 + 8.7 : atten[win];
    int n = (int)floor(a * fs / (22 * df));
    return n % 2 ? n : n + 1;
}

static double sinc(double x)
{
    return x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
}

/* The ideal low pass with cutoff f (cycles per sample) at offset k: 2f sinc(2fk). */
static double ideal_lp(double f, int k)
{
    return 2 * f * sinc(2 * f * k);
}

/* Scales h so its response at w (radians per sample) is gain. */
static void scale_at(double *h, int n, double w, double gain)
{
    double r = 0;
    for (int i = 0; i < n; i++)
        r += h[i] * cos((i - (n - 1) / 2) * w);
    for (int i = 0; i < n; i++)
        h[i] *= gain / r;
}

static void assert_taps(const char *what, const double *got, size_t n, const double *want,
                        int nwant)
{
    ck_assert_msg(n == (size_t)nwant, "%s: %zu taps, want %d", what, n, nwant);
    for (int i = 0; i < nwant; i++)
        ck_assert_msg(fabs(got[i] - want[i]) < TOL, "%s: tap %d is %.9g, want %.9g", what, i,
                      got[i], want[i]);
}

START_TEST(test_windows_are_the_textbook_windows)
{
    double w[101];
    for (int win = 0; win < NWIN; win++) {
        ck_assert_int_eq(mqg_window_fill(win, 101, beta, w), 0);
        for (int i = 0; i < 101; i++)
            ck_assert_msg(fabs(w[i] - textbook_window(win, i, 101)) < TOL, "win %d, %d: %.9g",
                          win, i, w[i]);
    }
    ck_assert_int_eq(mqg_window_parse("kaiser"), MQG_WIN_KAISER);
    ck_assert_int_eq(mqg_window_parse("hamm"), -1);
}
END_TEST

/* The four windowed sincs, built from ideal low passes: high = delta - low,
 * pass = low(f2) - low(f1), reject = delta - pass; normalised at 0, Nyquist, the
 * band's centre and 0. */
enum { LP, HP, BP, BR };

static void textbook_sinc_design(int kind, int win, double gain, double fs, double f1,
                                 double f2, int n, double *h)
{
    int m = (n - 1) / 2;
    double a = f1 / fs, b = f2 / fs;
    for (int i = 0; i < n; i++) {
        int k = i - m;
        double d = k == 0, x;
        switch (kind) {
        case LP: x = ideal_lp(a, k); break;
        case HP: x = d - ideal_lp(a, k); break;
        case BP: x = ideal_lp(b, k) - ideal_lp(a, k); break;
        default: x = d - (ideal_lp(b, k) - ideal_lp(a, k)); break;
        }
        h[i] = x * textbook_window(win, i, n);
    }
    scale_at(h, n, kind == HP ? M_PI : kind == BP ? M_PI * (a + b) : 0, gain);
}

static void check_sinc_design(int kind, int win, double gain, double fs, double f1, double f2,
                              double tw)
{
    static const char *names[] = {"low_pass", "high_pass", "band_pass", "band_reject"};
    double *got = NULL;
    size_t n = 0;
    int rc, want_n = textbook_ntaps(win, fs, tw);
    double *want = malloc((size_t)want_n * sizeof *want);
    char what[64];

    switch (kind) {
    case LP: rc = mqg_firdes_low_pass(gain, fs, f1, tw, win, beta, &got, &n, NULL); break;
    case HP: rc = mqg_firdes_high_pass(gain, fs, f1, tw, win, beta, &got, &n, NULL); break;
    case BP: rc = mqg_firdes_band_pass(gain, fs, f1, f2, tw, win, beta, &got, &n, NULL); break;
    default: rc = mqg_firdes_band_reject(gain, fs, f1, f2, tw, win, beta, &got, &n, NULL);
    }
    ck_assert_int_eq(rc, 0);
    textbook_sinc_design(kind, win, gain, fs, f1, f2, want_n, want);
    snprintf(what, sizeof what, "%s window %d", names[kind], win);
    assert_taps(what, got, n, want, want_n);
    free(got);
    free(want);
}

START_TEST(test_low_pass_is_the_windowed_sinc_for_every_window)
{
    for (int win = 0; win < NWIN; win++) {
        check_sinc_design(LP, win, 1, 48000, 3000, 0, 500);
        check_sinc_design(LP, win, 2.5, 1e6, 100e3, 0, 20e3);
    }
}
END_TEST

START_TEST(test_high_pass_is_delta_less_low_pass_for_every_window)
{
    for (int win = 0; win < NWIN; win++)
        check_sinc_design(HP, win, 2, 48000, 5000, 0, 1000);
}
END_TEST

START_TEST(test_band_pass_and_reject_for_every_window)
{
    for (int win = 0; win < NWIN; win++) {
        check_sinc_design(BP, win, 1.5, 48000, 2000, 6000, 800);
        check_sinc_design(BR, win, 1, 48000, 2000, 6000, 800);
    }
}
END_TEST

/* The textbook RRC, t in symbols:
 *   [sin(pi t (1-a)) + 4 a t cos(pi t (1+a))] / [pi t (1 - (4 a t)^2)],
 * 1 - a + 4a/pi at 0, and at t = +-1/(4a) the limit
 *   a/sqrt2 [(1 + 2/pi) sin(pi/4a) + (1 - 2/pi) cos(pi/4a)];
 * normalised to sum to gain. An even count is made odd, as GNU Radio does. */
static double textbook_rrc(double t, double a)
{
    if (t == 0)
        return 1 - a + 4 * a / M_PI;
    if (fabs(fabs(4 * a * t) - 1) < 1e-9)
        return a / sqrt(2) * ((1 + 2 / M_PI) * sin(M_PI / (4 * a)) +
                              (1 - 2 / M_PI) * cos(M_PI / (4 * a)));
    return (sin(M_PI * t * (1 - a)) + 4 * a * t * cos(M_PI * t * (1 + a))) /
           (M_PI * t * (1 - 16 * a * a * t * t));
}

static void check_rrc(double gain, double fs, double rs, double a, int ntaps)
{
    int n = ntaps | 1;
    double want[401], sum = 0, *got;
    size_t ng;

    for (int i = 0; i < n; i++)
        sum += want[i] = textbook_rrc((i - n / 2) * rs / fs, a);
    for (int i = 0; i < n; i++)
        want[i] *= gain / sum;
    ck_assert_int_eq(mqg_firdes_root_raised_cosine(gain, fs, rs, a, ntaps, &got, &ng, NULL), 0);
    assert_taps("root_raised_cosine", got, ng, want, n);
    free(got);
}

START_TEST(test_root_raised_cosine_is_the_textbook_pulse_with_its_limits)
{
    check_rrc(1, 32000, 4000, 0.35, 88); /* even count: 89 */
    check_rrc(2, 8, 1, 0.25, 65);        /* t = +-1/(4a) falls on taps +-8 */
    check_rrc(1, 8, 1, 1.0, 33);         /* alpha 1: on taps +-2 */
}
END_TEST

/* exp(-t^2 / (2 s^2)), s = sqrt(ln 2) / (2 pi bt) symbols, at t = (i + 1 - N/2)/spb
 * (GNU Radio's sampling, half a sample after the centre), summing to gain. */
static void check_gaussian(double gain, double spb, double bt, int n)
{
    double want[64], sum = 0, s = sqrt(log(2)) / (2 * M_PI * bt), *got;
    size_t ng;

    for (int i = 0; i < n; i++) {
        double t = (i + 1 - n / 2.0) / spb;
        sum += want[i] = exp(-t * t / (2 * s * s));
    }
    for (int i = 0; i < n; i++)
        want[i] *= gain / sum;
    ck_assert_int_eq(mqg_firdes_gaussian(gain, spb, bt, n, &got, &ng, NULL), 0);
    assert_taps("gaussian", got, ng, want, n);
    free(got);
}

START_TEST(test_gaussian_is_the_textbook_pulse)
{
    check_gaussian(1, 4, 0.35, 21);
    check_gaussian(3, 2, 0.5, 16);
}
END_TEST

/* 2/(pi k) for odd k, 0 for even, windowed, scaled to unit response magnitude at
 * fs/4: |sum_k h[k] sin(k pi/2)| = 1. */
START_TEST(test_hilbert_is_the_windowed_ideal_transformer_for_every_window)
{
    const int n = 65, m = 32;
    for (int win = 0; win < NWIN; win++) {
        double want[65], r = 0, *got;
        size_t ng;
        for (int i = 0; i < n; i++) {
            int k = i - m;
            want[i] = k % 2 ? 2 / (M_PI * k) * textbook_window(win, i, n) : 0;
            r += want[i] * sin(k * M_PI / 2);
        }
        for (int i = 0; i < n; i++)
            want[i] /= fabs(r);
        ck_assert_int_eq(mqg_firdes_hilbert(n, win, beta, &got, &ng, NULL), 0);
        assert_taps("hilbert", got, ng, want, n);
        free(got);
    }
}
END_TEST

START_TEST(test_bad_designs_name_the_field)
{
    double *t;
    size_t n;
    mqg_firdes_err e;
    ck_assert_int_eq(mqg_firdes_low_pass(1, 48000, 24000, 500, MQG_WIN_HAMMING, 0, &t, &n, &e),
                     MQ_EINVAL);
    ck_assert_str_eq(e.field, "cutoff");
    ck_assert_int_eq(mqg_firdes_low_pass(1, 48000, 3000, 0, MQG_WIN_HAMMING, 0, &t, &n, &e),
                     MQ_EINVAL);
    ck_assert_str_eq(e.field, "transition");
    ck_assert_int_eq(mqg_firdes_low_pass(1, 48000, 3000, 1e5, MQG_WIN_HAMMING, 0, &t, &n, &e),
                     MQ_EINVAL); /* one tap */
    ck_assert_str_eq(e.field, "transition");
    ck_assert_int_eq(mqg_firdes_band_pass(1, 48000, 6000, 2000, 500, MQG_WIN_HANN, 0, &t, &n,
                                          &e), MQ_EINVAL);
    ck_assert_str_eq(e.field, "high_cutoff");
    ck_assert_int_eq(mqg_firdes_low_pass(1, 48000, 3000, 500, MQG_WIN_KAISER, -1, &t, &n, &e),
                     MQ_EINVAL);
    ck_assert_str_eq(e.field, "beta");
    ck_assert_int_eq(mqg_firdes_hilbert(64, MQG_WIN_HAMMING, 0, &t, &n, &e), MQ_EINVAL);
    ck_assert_str_eq(e.field, "ntaps");
    ck_assert_int_eq(mqg_firdes_root_raised_cosine(1, 8, 1, 0, 33, &t, &n, &e), MQ_EINVAL);
    ck_assert_str_eq(e.field, "alpha");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("firdes");
    TCase *tc = tcase_create("firdes");
    tcase_add_test(tc, test_windows_are_the_textbook_windows);
    tcase_add_test(tc, test_low_pass_is_the_windowed_sinc_for_every_window);
    tcase_add_test(tc, test_high_pass_is_delta_less_low_pass_for_every_window);
    tcase_add_test(tc, test_band_pass_and_reject_for_every_window);
    tcase_add_test(tc, test_root_raised_cosine_is_the_textbook_pulse_with_its_limits);
    tcase_add_test(tc, test_gaussian_is_the_textbook_pulse);
    tcase_add_test(tc, test_hilbert_is_the_windowed_ideal_transformer_for_every_window);
    tcase_add_test(tc, test_bad_designs_name_the_field);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
