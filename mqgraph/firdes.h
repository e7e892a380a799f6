/* firdes.h - FIR filter design, numerically GNU Radio 3.10's gr::filter::firdes.
 *
 * The windowed-sinc designs (low_pass, high_pass, band_pass, band_reject) choose
 * their length as GNU Radio's compute_ntaps does: the window's maximum stopband
 * attenuation A in dB gives ntaps = (int)(A * sample_rate / (22 * transition)),
 * made odd, so a graph ported from GNU Radio gets the same taps, count and all.
 * root_raised_cosine, gaussian and hilbert take the count as given (RRC forces it
 * odd, as GNU Radio does). Taps are computed in double; GNU Radio rounds through
 * float on the way, so the two agree to about 1e-7.
 *
 * Where GNU Radio would divide by zero or return NaN (one tap, alpha 0, an empty
 * band) these functions refuse instead. Every failure returns MQ_EINVAL (or
 * MQ_ENOMEM) and, if `e` is given, names the argument at fault in e->field with
 * the reason in e->msg; the field names are the graph file's keys.
 */
#ifndef MQG_FIRDES_H
#define MQG_FIRDES_H

#include <stddef.h>

typedef enum mqg_window {
    MQG_WIN_HAMMING,
    MQG_WIN_HANN,
    MQG_WIN_BLACKMAN,
    MQG_WIN_RECTANGULAR,
    MQG_WIN_KAISER,
    MQG_WIN_COUNT
} mqg_window;

/* GNU Radio's default Kaiser beta (firdes' `param = 6.76`). */
#define MQG_FIRDES_BETA 6.76
/* The longest design accepted: a transition this narrow is a typo, not a filter. */
#define MQG_FIRDES_MAX_TAPS 1000000

typedef struct mqg_firdes_err {
    const char *field; /* the argument at fault: "cutoff", "transition", ... */
    char msg[200];
} mqg_firdes_err;

/* The window named `name` ("hamming", "hann", "blackman", "rectangular", "kaiser"),
 * or -1; and the names joined for a message ("hamming, hann, ..."). */
int mqg_window_parse(const char *name);
const char *mqg_window_names(void);

/* The window's maximum stopband attenuation in dB (GNU Radio's max_attenuation);
 * beta is used by Kaiser only. */
double mqg_window_max_attenuation(mqg_window win, double beta);

/* Fills w[0..n) with the window; n >= 2 (beta >= 0 for Kaiser). */
int mqg_window_fill(mqg_window win, size_t n, double beta, double *w);

/* GNU Radio's compute_ntaps: the odd length for this transition and window, or
 * MQ_EINVAL if it is under 3 or over MQG_FIRDES_MAX_TAPS. */
int mqg_firdes_ntaps(double sample_rate, double transition, mqg_window win, double beta,
                     mqg_firdes_err *e);

/* The designs. On success *taps is malloc'd (the caller frees it) with *n taps. */
int mqg_firdes_low_pass(double gain, double sample_rate, double cutoff, double transition,
                        mqg_window win, double beta, double **taps, size_t *n,
                        mqg_firdes_err *e);
int mqg_firdes_high_pass(double gain, double sample_rate, double cutoff, double transition,
                         mqg_window win, double beta, double **taps, size_t *n,
                         mqg_firdes_err *e);
int mqg_firdes_band_pass(double gain, double sample_rate, double low_cutoff,
                         double high_cutoff, double transition, mqg_window win, double beta,
                         double **taps, size_t *n, mqg_firdes_err *e);
int mqg_firdes_band_reject(double gain, double sample_rate, double low_cutoff,
                           double high_cutoff, double transition, mqg_window win, double beta,
                           double **taps, size_t *n, mqg_firdes_err *e);
int mqg_firdes_root_raised_cosine(double gain, double sample_rate, double symbol_rate,
                                  double alpha, int ntaps, double **taps, size_t *n,
                                  mqg_firdes_err *e);
int mqg_firdes_gaussian(double gain, double spb, double bt, int ntaps, double **taps,
                        size_t *n, mqg_firdes_err *e);
int mqg_firdes_hilbert(int ntaps, mqg_window win, double beta, double **taps, size_t *n,
                       mqg_firdes_err *e);

#endif
