/* freq_xlating_fir_filter - moves the band around center_freq down to 0 Hz, filters
 * it with real taps and decimates: a channel selector (GNU Radio's
 * freq_xlating_fir_filter_ccf and _fcf).
 *
 * GNU Radio's algorithm: the taps are turned into a band-pass at center_freq,
 * h[k] = taps[k] e^{j w0 k} with w0 = 2pi center_freq / sampling_freq; every
 * decimation-th output of that filter is kept, y[m] = sum_k h[k] x[mD - k] (x before
 * the first item is 0), and multiplied by a phase that falls by w0 D an output:
 * out[m] = y[m] e^{j (phi0 - w0 D m)}. phi0 = -w0 (ntaps - 1) / 2 at the start, as
 * GNU Radio sets it (its retune phase correction, applied from 0 Hz); a live
 * center_freq change from f to f' turns the phase reached by -2pi (f' - f)
 * (ntaps - 1) / 2 / sampling_freq, as GNU Radio's does. The dot products are VOLK's
 * kernels: x2_dot_prod_32fc for c32 input, as GNU Radio's; for f32 two real
 * 32f_x2_dot_prod_32f, one for each part of h, because VOLK 2.5's u_avx2_fma
 * 32fc_32f_dot_prod_32fc loads its real operand with an aligned load and crashes on
 * an input item that is not 32-byte aligned (GNU Radio passes it aligned copies of
 * the taps and rounds the input pointer down; a history buffer here may start
 * anywhere). The output phase is phase_ramp.h's: VOLK's rotator restarted from the
 * exact phase every 256 outputs, where GNU Radio's accumulates.
 *
 * As GNU Radio's sync decimator, y[m] is sent once x[mD + D - 1] has arrived, so a
 * stream of L items gives floor(L / D) outputs. An output whose x[mD] came at the end
 * of one buffer may so be sent with the next: the history (mq_in_set_history) is
 * ntaps + D - 1 items, D - 1 more than the filter reads.
 *
 * Timestamps as fir_filter's: a sample index counts output items; a time stamps
 * out[m] with the time of x[mD] less the group delay, (ntaps - 1) / 2 input items. */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "taps.h"
#include "phase_ramp.h"
#include "volk_setup.h"

struct xlate {
    /* h reversed, r[j] = h[ntaps - 1 - j], so y[m] = sum_j r[j] x[mD - (ntaps - 1) + j]:
     * c32 input, interleaved re, im; f32, the real parts, then the imaginary ones. */
    float *rtaps;
    size_t ntaps, dec;
    int real_in;
    double fc, fs;
    int64_t t; /* input items consumed */
    int64_t m; /* the next output; m = floor(t / dec) */
    struct phase_ramp q; /* the output phase, by output index */
};

enum { P_DEC, P_TAPS, P_FC, P_FS, P_TYPE };
static const mq_param_decl params[] = {
    [P_DEC] = {"decimation", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "keep every n-th output", 0},
    [P_TAPS] = {"taps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
                "the low-pass taps, taps[0] first (real)", MQ_PARAM_LIVE},
    [P_FC] = {"center_freq", MQ_PARAM_FLOAT, "0", -1e12, 1e12, NULL,
              "the frequency moved to 0 Hz, in Hz", MQ_PARAM_LIVE},
    [P_FS] = {"sampling_freq", MQ_PARAM_FLOAT, NULL, 1e-6, 1e12, NULL,
              "the input's sample rate in Hz", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "c32", 0, 0, "c32|f32", "item type of the input", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, NULL}};

static int check(mq_block_ctx *c)
{
    return taps_given(c, P_TAPS, "taps");
}

/* The band-pass from the taps parameter and center_freq, reversed as the dot
 * product wants it, and the history it needs. */
static int set_taps(mq_block_ctx *c, struct xlate *x)
{
    size_t n;
    const double *taps = mq_param_v(c, P_TAPS, &n);
    float *r = malloc(2 * n * sizeof *r);
    double w0 = 2 * M_PI * x->fc / x->fs;
    size_t re = x->real_in ? 1 : 2, im = x->real_in ? n : 1; /* where r[j]'s parts go */

    if (!r || mq_in_set_history(c, 0, n + x->dec - 1) < 0) {
        free(r);
        mq_block_error(c, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        size_t j = n - 1 - k;
        r[j * re] = (float)(taps[k] * cos(w0 * (double)k));
        r[j * re + im] = (float)(taps[k] * sin(w0 * (double)k));
    }
    free(x->rtaps);
    x->rtaps = r;
    x->ntaps = n;
    return 0;
}

/* Output m's phase falls by fc D / fs cycles an output. */
static void set_ramp(struct xlate *x, double c0)
{
    ramp_set(&x->q, -x->fc * (double)x->dec / x->fs, x->m, c0);
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    struct xlate *x = state;

    if (param == P_FC) {
        double fc = mq_param_f(c, P_FC);
        double turn = (fc - x->fc) / x->fs * (double)(x->ntaps - 1) / 2;
        double c0 = ramp_cycles(&x->q, x->m) - turn;
        x->fc = fc;
        set_ramp(x, c0);
    }
    return set_taps(c, x);
}

static int init(mq_block_ctx *c, void **state)
{
    struct xlate *x = calloc(1, sizeof *x);

    if (!x)
        return -1;
    *state = x;
    x->dec = (size_t)mq_param_i(c, P_DEC);
    mq_block_set_relative_rate(c, 1, x->dec); /* tags: x -> x / d */
    x->real_in = !strcmp(mq_param_s(c, P_TYPE), "f32");
    x->fc = mq_param_f(c, P_FC);
    x->fs = mq_param_f(c, P_FS);
    if (set_taps(c, x) < 0)
        return -1;
    set_ramp(x, -x->fc / x->fs * (double)(x->ntaps - 1) / 2);
    return 0;
}

/* y[m + j] for j < outs into o; xs holds the items from t - (ntaps + D - 2) on. */
static void filter(const struct xlate *x, const void *xs, lv_32fc_t *o, size_t outs)
{
    for (size_t j = 0; j < outs; j++) {
        /* x[(m + j) D - (ntaps - 1)] is at (m + j) D - t + D - 1: >= 0, as m D > t - D */
        int64_t first = (x->m + (int64_t)j) * (int64_t)x->dec - x->t + (int64_t)x->dec - 1;
        size_t off = (size_t)first;
        unsigned nt = (unsigned)x->ntaps;
        if (x->real_in) {
            const float *e = (const float *)xs + off;
            float re, im;
            volk_32f_x2_dot_prod_32f(&re, e, x->rtaps, nt);
            volk_32f_x2_dot_prod_32f(&im, e, x->rtaps + nt, nt);
            o[j] = re + I * im;
        } else {
            volk_32fc_x2_dot_prod_32fc(&o[j], (const lv_32fc_t *)xs + off,
                                       (const lv_32fc_t *)x->rtaps, nt);
        }
    }
}

static int work(mq_block_ctx *c, void *state)
{
    struct xlate *x = state;
    size_t n;
    const void *xs = mq_in_items(c, 0, &n);
    mq_timestamp in_ts, ts;
    lv_32fc_t *o;

    if (!xs)
        return MQ_WORK_ERROR;
    size_t outs = (size_t)((x->t + (int64_t)n) / (int64_t)x->dec - x->m);
    if (outs > 0) {
        if (!(o = mq_out_alloc_items(c, 0, outs)))
            return MQ_WORK_ERROR;
        filter(x, xs, o, outs);
        ramp_apply(&x->q, x->m, o, o, outs);
        mq_in_timestamp(c, 0, &in_ts);
        mq_ts_outputs(&in_ts, n,
                      (double)(x->m * (int64_t)x->dec - x->t) - (double)(x->ntaps - 1) / 2,
                      (double)x->dec, outs, x->m, &ts);
        if (mq_out_push_items(c, 0, outs, &ts) < 0)
            return MQ_WORK_ERROR;
        x->m += (int64_t)outs;
    }
    x->t += (int64_t)n;
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct xlate *x = state;
    if (x)
        free(x->rtaps);
    free(x);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "freq_xlating_fir_filter",
    .doc = "Selects a channel: moves center_freq to 0 Hz, low-pass filters, decimates.\n"
           "GNU Radio's freq_xlating_fir_filter_ccf (c32 input) and _fcf (type f32), with\n"
           "real taps; the output is c32. As GNU Radio: the taps become a band-pass h[k] =\n"
           "taps[k] e^{j w0 k}, w0 = 2pi center_freq / sampling_freq, and out[m] = e^{j\n"
           "(phi0 - w0 D m)} sum_k h[k] x[mD - k] for decimation D (x before the first\n"
           "item is 0), phi0 = -w0 (len(taps) - 1) / 2; L items give floor(L / D) outputs.\n"
           "The phases are computed in double and the output phase from the output index,\n"
           "where GNU Radio's float phase increment drifts (8e-3 rad after 2e4 outputs at\n"
           "350 kHz of 2.4 MHz, D 10). A sample index counts output items; a time stamps\n"
           "out[m] with the time of x[mD] less (len(taps) - 1) / 2 items. center_freq and\n"
           "taps are live, from the next output on: a retune from f to f' turns the phase\n"
           "by -2pi (f' - f) (len(taps) - 1) / 2 / sampling_freq, as GNU Radio's (its freq\n"
           "message port and tag are a cmd message {\"center_freq\": f} here); longer taps\n"
           "see zeros for the items before the change the old ones did not keep.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
