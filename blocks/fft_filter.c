/* fft_filter - an FIR filter computed by fast convolution (GNU Radio's
 * fft_filter_fff, fft_filter_ccf and fft_filter_ccc), with optional decimation.
 *
 * The output is fir_filter's: y[n] = sum_k taps[k] x[n - k], x before the first
 * item taken as zero, keeping y[0], y[d], y[2d].. for decimation d. It is computed
 * in blocks of S = N - L + 1 outputs, L taps and N = 2 * (L rounded up to a power
 * of two), GNU Radio's sizes: the FFT of N items x[b - L + 1 .. b + S - 1] times
 * the FFT of the taps, transformed back, holds y[b .. b + S - 1] from its item
 * L - 1 on (overlap-save). The L - 1 items before each buffer are the runtime's
 * history (mq_in_set_history), so nothing is carried between blocks but the
 * input; GNU Radio instead adds each block's tail into the next (overlap-add).
 * The same outputs, to float rounding (the tests compare with fir_filter).
 *
 * A buffer is filtered whole: its last block may be shorter than S (it is
 * zero-padded), so every input item has its output at once. GNU Radio waits for
 * whole blocks (its output multiple) and never filters the last part block.
 * Blocks in which decimation keeps no output are skipped.
 *
 * Real items (f32) use real-to-complex transforms of N points; c32 items complex
 * ones, with real taps (ccf) or complex ones (complex_taps, the list read as re, im
 * pairs: ccc). The product of the spectra is VOLK's, as GNU Radio's. Plans are
 * FFTW_ESTIMATE ones (blocks/fft.c says why), made in init and again when a live
 * change of the taps changes N or nthreads changes.
 *
 * Timestamps as fir_filter's: a sample index counts output items; a time stamps
 * y[n] with the time of x[n] less the group delay, (L - 1) / 2 items.
 *
 * Live taps: the new taps filter from the next buffer on and see the items the
 * history kept, as fir_filter's do (a longer filter sees zeros for the items before
 * the change the old one did not keep). GNU Radio's set_taps zeroes its tail, so
 * for L - 1 outputs after a change its output misses the input before it. */
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include <volk/volk.h>

#include "block.h"
#include "taps.h"
#include "volk_setup.h"

struct fftf {
    size_t ntaps, n, s, dec, phase;
    int cplx;            /* c32 items: complex transforms */
    float *buf;          /* N items (c32: 2N floats) in, then out */
    lv_32fc_t *spec;     /* the spectrum of a block: N / 2 + 1 bins (c32: N) */
    lv_32fc_t *h;        /* the taps' spectrum, scaled by 1 / N */
    fftwf_plan fwd, inv;
    int64_t out_sent;
};

enum { P_DEC, P_TAPS, P_NTHREADS, P_TYPE, P_CTAPS };
static const mq_param_decl params[] = {
    [P_DEC] = {"decimation", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "keep every n-th output", 0},
    [P_TAPS] = {"taps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
                "the filter taps, taps[0] first (re, im pairs with complex_taps)",
                MQ_PARAM_LIVE},
    [P_NTHREADS] = {"nthreads", MQ_PARAM_INT, "1", 1, 64, NULL, "FFTW threads", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
    [P_CTAPS] = {"complex_taps", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "taps are complex, as re, im pairs (fft_filter_ccc; needs c32)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int check(mq_block_ctx *c)
{
    return taps_check_complex(c, P_TAPS, P_CTAPS, P_TYPE);
}

static void free_plans(struct fftf *f)
{
    if (f->fwd)
        fftwf_destroy_plan(f->fwd);
    if (f->inv)
        fftwf_destroy_plan(f->inv);
    f->fwd = f->inv = NULL;
    fftwf_free(f->buf);
    fftwf_free(f->spec);
    fftwf_free(f->h);
    f->buf = NULL;
    f->spec = f->h = NULL;
}

/* Arrays and plans for N points. */
static int plan(mq_block_ctx *c, struct fftf *f)
{
    int n = (int)f->n;
    size_t bins = f->cplx ? f->n : f->n / 2 + 1;

    free_plans(f);
    f->buf = fftwf_alloc_real(f->cplx ? 2 * f->n : f->n);
    f->spec = (lv_32fc_t *)fftwf_alloc_complex(bins);
    f->h = (lv_32fc_t *)fftwf_alloc_complex(bins);
    if (!f->buf || !f->spec || !f->h) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    fftwf_plan_with_nthreads((int)mq_param_i(c, P_NTHREADS));
    fftwf_complex *z = (fftwf_complex *)f->buf, *sp = (fftwf_complex *)f->spec;
    if (f->cplx) {
        f->fwd = fftwf_plan_dft_1d(n, z, sp, FFTW_FORWARD, FFTW_ESTIMATE);
        f->inv = fftwf_plan_dft_1d(n, sp, z, FFTW_BACKWARD, FFTW_ESTIMATE);
    } else {
        f->fwd = fftwf_plan_dft_r2c_1d(n, f->buf, sp, FFTW_ESTIMATE);
        f->inv = fftwf_plan_dft_c2r_1d(n, sp, f->buf, FFTW_ESTIMATE);
    }
    if (!f->fwd || !f->inv) {
        mq_block_error(c, "FFTW could not plan transforms of %zu points", f->n);
        return -1;
    }
    return 0;
}

/* Takes the taps parameter: the sizes, the plans if N changed, the taps' spectrum
 * (scaled by 1 / N, which the unnormalised reverse transform multiplies back),
 * and a history of L items. */
static int set_taps(mq_block_ctx *c, struct fftf *f)
{
    size_t len, l, p = 1;
    const double *t = mq_param_v(c, P_TAPS, &len);
    int ctaps = (int)mq_param_i(c, P_CTAPS);

    l = ctaps ? len / 2 : len;
    while (p < l)
        p *= 2;
    if (2 * p != f->n || !f->fwd) {
        f->n = 2 * p;
        if (plan(c, f) < 0)
            return -1;
    }
    f->ntaps = l;
    f->s = f->n - l + 1;
    if (mq_in_set_history(c, 0, l) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    float scale = 1.0f / (float)f->n;
    memset(f->buf, 0, (f->cplx ? 2 : 1) * f->n * sizeof *f->buf);
    if (!f->cplx || ctaps) /* f32 taps, or re, im pairs: the numbers in order */
        for (size_t k = 0; k < len; k++)
            f->buf[k] = (float)t[k] * scale;
    else /* real taps as complex ones */
        for (size_t k = 0; k < l; k++)
            f->buf[2 * k] = (float)t[k] * scale;
    fftwf_execute(f->fwd);
    memcpy(f->h, f->spec, (f->cplx ? f->n : f->n / 2 + 1) * sizeof *f->h);
    return 0;
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    struct fftf *f = state;
    if (param == P_TAPS)
        return set_taps(c, f);
    return plan(c, f) < 0 ? -1 : set_taps(c, f);
}

static int init(mq_block_ctx *c, void **state)
{
    struct fftf *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    *state = f;
    if (!fftwf_init_threads()) {
        mq_block_error(c, "FFTW could not start its threads");
        return -1;
    }
    f->cplx = mq_block_in_type(c, 0) == MQ_ITEM_C32;
    f->dec = (size_t)mq_param_i(c, P_DEC);
    mq_block_set_relative_rate(c, 1, f->dec); /* tags: x -> x / d, as fir_filter's */
    return set_taps(c, f);
}

/* Outputs y[b .. b + m - 1] of the window x (x[0] is the item L - 1 before the
 * buffer's first), of which those at the kept positions p = phase, phase + d, ..
 * go to o; returns how many. */
static size_t block(struct fftf *f, const float *x, size_t b, size_t m, size_t p, float *o)
{
    size_t w = f->ntaps - 1 + m, lanes = f->cplx ? 2 : 1, bins = f->cplx ? f->n : f->n / 2 + 1;
    size_t k = 0;

    memcpy(f->buf, x + b * lanes, w * lanes * sizeof *x);
    memset(f->buf + w * lanes, 0, (f->n - w) * lanes * sizeof *x);
    fftwf_execute(f->fwd);
    volk_32fc_x2_multiply_32fc(f->spec, f->spec, f->h, (unsigned)bins);
    fftwf_execute(f->inv);
    for (; p < b + m; p += f->dec, k++)
        for (size_t l = 0; l < lanes; l++)
            o[k * lanes + l] = f->buf[(f->ntaps - 1 + p - b) * lanes + l];
    return k;
}

static int work(mq_block_ctx *c, void *state)
{
    struct fftf *f = state;
    size_t n, lanes = f->cplx ? 2 : 1;
    const float *x = mq_in_items(c, 0, &n); /* L - 1 items of history first */
    size_t outs = f->phase < n ? (n - f->phase + f->dec - 1) / f->dec : 0, k = 0;
    mq_timestamp in_ts, ts;
    float *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (outs > 0) {
        if (!(o = mq_out_alloc_items(c, 0, outs)))
            return MQ_WORK_ERROR;
        for (size_t b = 0, p = f->phase; b < n; b += f->s) {
            size_t m = n - b < f->s ? n - b : f->s;
            if (p < b + m) /* else decimation keeps nothing of it */
                k += block(f, x, b, m, p, o + k * lanes);
            p = f->phase + k * f->dec;
        }
        mq_in_timestamp(c, 0, &in_ts);
        mq_ts_outputs(&in_ts, n, (double)f->phase - (double)(f->ntaps - 1) / 2,
                      (double)f->dec, outs, f->out_sent, &ts);
        if (mq_out_push_items(c, 0, outs, &ts) < 0)
            return MQ_WORK_ERROR;
        f->out_sent += (int64_t)outs;
    }
    f->phase = f->phase + outs * f->dec - n;
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fftf *f = state;

    if (!f)
        return;
    free_plans(f);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fft_filter",
    .doc = "FIR filter by fast convolution: fir_filter's output, faster for long taps.\n"
           "y[n] = sum_k taps[k] x[n-k] (x before the first item is 0), keeping y[0],\n"
           "y[d], y[2d].. for decimation d, from FFTs of 2 * (ntaps rounded up to a power\n"
           "of two) points, as GNU Radio's fft_filter_fff / ccf / ccc. f32 or c32 items;\n"
           "real taps, or complex_taps (re, im pairs; c32 only). Each buffer is filtered\n"
           "whole (GNU Radio waits for whole FFT blocks). A sample index counts output\n"
           "items; a time stamps y[n] with x[n]'s time less the group delay, (ntaps - 1)\n"
           "/ 2 items. taps and nthreads are live: new taps filter from the next buffer\n"
           "on and see the items kept before it, as fir_filter's do.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
