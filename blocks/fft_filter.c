/* fft_filter - an FIR filter computed by fast convolution (GNU Radio's
 * fft_filter_fff, fft_filter_ccf and fft_filter_ccc), with optional decimation.
 *
 * The output is fir_filter's: y[n] = sum_k taps[k] x[n - k], x before the first
 * item taken as zero, keeping y[0], y[d], y[2d].. for decimation d. It is computed
 * by blocks/fast_conv.c (which fir_filter uses for long filters too) in blocks of
 * S = N - L + 1 outputs, L taps: the FFT of N items from L - 1 before a block's
 * first output on, times the FFT of the taps, transformed back, holds the block's
 * outputs from its item L - 1 on (overlap-save). The L - 1 items before each
 * buffer are the runtime's history (mq_in_set_history), so nothing is carried
 * between blocks but the input; GNU Radio instead adds each block's tail into the
 * next (overlap-add). The same outputs, to float rounding (the tests compare with
 * fir_filter and with the sum in double).
 *
 * N is fast_conv_size's: 8 L rounded up to a power of two, from 512 to 2048
 * points, or GNU Radio's 2 * (L rounded up to a power of two) when that is larger.
 * GNU Radio's own N was the slower up to 512 taps: 10^7 c32 items through 231 taps
 * took 47-66 ms of work at its 512 points, 34-46 at 2048 (fast_conv.c has more
 * figures; f32 items, two blocks a transform now, 50-62 ms with r2c transforms
 * of 512 points before, 16-21 now). Nothing else depends on N
 * here: there is no output multiple and no latency of a block (below), only the
 * rounding changes.
 *
 * A buffer is filtered whole: its last block may be shorter than S (it is
 * zero-padded), so every input item has its output at once. GNU Radio waits for
 * whole blocks (its output multiple) and never filters the last part block. With
 * decimation a block starts at a kept output, and holds the outputs kept in S.
 *
 * f32 items go two blocks to a complex transform, c32 items one, with real taps
 * (ccf) or complex ones (complex_taps, the list read as re, im pairs: ccc). The
 * product of the spectra is VOLK's, as GNU Radio's. Plans are FFTW_ESTIMATE ones
 * (blocks/fft.c says why), made in init and again when a live change of the taps
 * changes N or nthreads changes.
 *
 * Timestamps as fir_filter's: a sample index counts output items; a time stamps
 * y[n] with the time of x[n] less the group delay, (L - 1) / 2 items.
 *
 * Live taps: the new taps filter from the next buffer on and see the items the
 * history kept, as fir_filter's do (a longer filter sees zeros for the items before
 * the change the old one did not keep). GNU Radio's set_taps zeroes its tail, so
 * for L - 1 outputs after a change its output misses the input before it. */
#include <stdlib.h>

#include "block.h"
#include "fast_conv.h"
#include "taps.h"
#include "volk_setup.h"

struct fftf {
    struct fast_conv conv;
    size_t dec, phase;
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

/* Takes the taps parameter: the transforms (planned again only if their size or
 * nthreads changed) and a history of L items. */
static int set_taps(mq_block_ctx *c, struct fftf *f)
{
    size_t len;
    const double *t = mq_param_v(c, P_TAPS, &len);
    enum fir_kind kind = mq_block_in_type(c, 0) == MQ_ITEM_F32 ? FIR_FFF
                         : mq_param_i(c, P_CTAPS)              ? FIR_CCC
                                                               : FIR_CCF;
    size_t l = kind == FIR_CCC ? len / 2 : len, n = fast_conv_size(l);
    int e = fast_conv_init(&f->conv, kind, t, l, n, (int)mq_param_i(c, P_NTHREADS));

    if (e == -2) {
        mq_block_error(c, "FFTW could not plan transforms of %zu points", n);
        return -1;
    }
    if (e < 0 || mq_in_set_history(c, 0, l) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    return set_taps(c, state); /* taps or nthreads */
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
    f->dec = (size_t)mq_param_i(c, P_DEC);
    mq_block_set_relative_rate(c, 1, f->dec); /* tags: x -> x / d, as fir_filter's */
    return set_taps(c, f);
}

static int work(mq_block_ctx *c, void *state)
{
    struct fftf *f = state;
    size_t n;
    const float *x = mq_in_items(c, 0, &n); /* L - 1 items of history first */
    size_t outs = f->phase < n ? (n - f->phase + f->dec - 1) / f->dec : 0;
    mq_timestamp in_ts, ts;
    float *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (outs > 0) {
        if (!(o = mq_out_alloc_items(c, 0, outs)))
            return MQ_WORK_ERROR;
        fast_conv_run(&f->conv, x, f->phase, f->dec, outs, o);
        mq_in_timestamp(c, 0, &in_ts);
        mq_ts_outputs(&in_ts, n, (double)f->phase - (double)(f->conv.ntaps - 1) / 2,
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
    fast_conv_free(&f->conv);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fft_filter",
    .doc = "FIR filter by fast convolution: fir_filter's output, faster for long taps.\n"
           "y[n] = sum_k taps[k] x[n-k] (x before the first item is 0), keeping y[0],\n"
           "y[d], y[2d].. for decimation d, as GNU Radio's fft_filter_fff / ccf / ccc,\n"
           "from FFTs of 8 ntaps rounded up to a power of two, 512 to 2048 points (GNU\n"
           "Radio's 2 * ntaps rounded up, if larger: faster here). f32 or c32 items;\n"
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
