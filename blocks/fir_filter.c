/* fir_filter - a finite impulse response filter (GNU Radio's fir_filter_fff,
 * fir_filter_ccf, and fir_filter_ccc with complex_taps), with optional decimation.
 *
 * y[n] = sum_k taps[k] * x[n - k], with x before the first item taken as zero, and
 * every `decimation`-th y kept starting with y[0]. The runtime keeps the ntaps - 1
 * items before each buffer (mq_in_set_history), so the loop reads x[n - k] for
 * every n of the buffer from one array. Two ways to compute the outputs, the
 * faster one for the taps and decimation (fft_speedup below): the direct form,
 * fir_kernel.c's loop (several outputs a pass with AVX2, else GNU Radio's VOLK dot
 * product per output), or fast convolution, fft_filter's overlap-save
 * (fast_conv.c), for the whole transforms a buffer fills, the outputs left over
 * by the direct form unless one more transform costs less. GNU Radio's
 * fir_filter is always the direct form: this one gives the same outputs to float
 * rounding, not bit for bit (neither does the AVX2 kernel), and at 73 taps takes
 * 0.55-0.6 of the kernel's time. A live change of the taps chooses again.
 *
 * Timestamps: a sample index counts output items. A time stamps each output item
 * y[n] with the time of x[n] less the group delay of a linear-phase filter,
 * (ntaps - 1) / 2 input items: the moment the output describes, so filtered and
 * unfiltered streams still align by time. Stream tags go from input item x to
 * output item round(x / decimation), as GNU Radio's decimators move them (the
 * group delay is not taken off: GNU Radio's filter does not either). */
#include <math.h>
#include <stdlib.h>

#include "block.h"
#include "fast_conv.h"
#include "fir_kernel.h"
#include "taps.h"
#include "volk_setup.h"

struct fir {
    struct fir_kernel k;   /* always: short filters, and the end of a buffer */
    struct fast_conv conv; /* long ones; empty (conv.fwd NULL) for short ones */
    double speedup;        /* fast convolution's rate over the kernel's, estimated */
    size_t dec, phase;
    int64_t out_sent;
};

enum { P_TAPS, P_DEC, P_TYPE, P_CTAPS };
static const mq_param_decl params[] = {
    [P_TAPS] = {"taps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
                "the filter taps, taps[0] first (re, im pairs with complex_taps)",
                MQ_PARAM_LIVE},
    [P_DEC] = {"decimation", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "keep every n-th output", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
    [P_CTAPS] = {"complex_taps", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "taps are complex, as re, im pairs (fir_filter_ccc; needs c32)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int check(mq_block_ctx *c)
{
    return taps_check_complex(c, P_TAPS, P_CTAPS, P_TYPE);
}

/* Fast convolution's rate over the direct kernel's for these taps, estimated from
 * bench/bench_kernels' sweep (2-core AMD EPYC of 2026, buffers of 64 KiB): the
 * kernel's cost of an output grows as ntaps, fast convolution's hardly, so the
 * ratio is ntaps / E, E the taps at which the two ran alike. Without decimation
 * E was 46 for f32 (at 32 taps fast convolution ran at 0.89 of the kernel's
 * rate, at 48 1.0-1.3, at 73 1.7-1.8, at 256 6.3), 44 for c32 with real taps
 * (0.89, 1.1, 1.95, 5.6) and 16 with complex ones (1.06 at 16 taps, 4.4 at 73).
 * Decimation d multiplies E by d^g: fast convolution computes every output and
 * keeps one in d, the kernel computes the kept ones only (E at d = 2 and 4: f32
 * 90 and 185, c32 with real taps 85 and 225, with complex ones 40 and 100; so
 * g = 1, 1.2 and 1.3). Without AVX2 and FMA the kernel is a VOLK call per output,
 * which fast convolution beat 3-9 times at 8 taps here: E is a sixteenth. */
static double fft_speedup(const struct fir_kernel *k, size_t dec)
{
    static const struct {
        double even, grow;
    } m[] = {[FIR_FFF] = {46, 1.0}, [FIR_CCF] = {44, 1.2}, [FIR_CCC] = {16, 1.3}};
    double even = m[k->kind].even * pow((double)dec, m[k->kind].grow);

    if (k->method != FIR_BLOCKED)
        even /= 16;
    return (double)k->ntaps / even;
}

/* Takes the taps parameter into the kernel and, where it is the faster, into
 * fast convolution; asks for a history of ntaps items: a longer filter sees zeros
 * before the oldest items the shorter one kept. */
static int set_taps(mq_block_ctx *c, struct fir *f)
{
    size_t n;
    const double *taps = mq_param_v(c, P_TAPS, &n);
    enum fir_kind kind = mq_block_in_type(c, 0) == MQ_ITEM_F32 ? FIR_FFF
                         : mq_param_i(c, P_CTAPS)              ? FIR_CCC
                                                               : FIR_CCF;
    size_t ntaps = kind == FIR_CCC ? n / 2 : n;

    if (mq_in_set_history(c, 0, ntaps) < 0 || fir_kernel_init(&f->k, kind, taps, ntaps) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    f->speedup = fft_speedup(&f->k, f->dec);
    if (f->speedup <= 1) {
        fast_conv_free(&f->conv);
        return 0;
    }
    size_t nfft = fast_conv_size(ntaps);
    int e = fast_conv_init(&f->conv, kind, taps, ntaps, nfft, 1);
    if (e == -2)
        mq_block_error(c, "FFTW could not plan transforms of %zu points", nfft);
    else if (e < 0)
        mq_block_error(c, "out of memory");
    return e < 0 ? -1 : 0;
}

/* o[m] = y[m], m < outs, from x (fir_kernel_run's arguments): by fast convolution
 * for as many whole transforms as the outputs fill, then for the rest too if one
 * more transform costs less than the kernel would on them. */
static void filter(struct fir *f, const float *x, size_t outs, float *o)
{
    size_t done = 0, lanes = f->k.kind == FIR_FFF ? 1 : 2;

    if (f->conv.fwd) {
        size_t per = fast_conv_block_outs(&f->conv, f->dec);
        done = outs / per * per;
        if ((double)(outs - done) * f->speedup >= (double)per)
            done = outs;
        fast_conv_run(&f->conv, x, f->phase, f->dec, done, o);
    }
    fir_kernel_run(&f->k, x, f->phase + done * f->dec, f->dec, outs - done, o + lanes * done);
}

static int taps_changed(mq_block_ctx *c, void *state, int param)
{
    return set_taps(c, state);
}

static int init(mq_block_ctx *c, void **state)
{
    struct fir *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    *state = f;
    if (!fftwf_init_threads()) { /* fast_conv plans for one thread: FFTW asks for it */
        mq_block_error(c, "FFTW could not start its threads");
        return -1;
    }
    f->dec = (size_t)mq_param_i(c, P_DEC);
    mq_block_set_relative_rate(c, 1, f->dec); /* tags: input item x -> round(x / d) */
    return set_taps(c, f);
}

static int work(mq_block_ctx *c, void *state)
{
    struct fir *f = state;
    size_t n;
    const float *x = mq_in_items(c, 0, &n); /* ntaps - 1 items of history first */
    size_t outs = f->phase < n ? (n - f->phase + f->dec - 1) / f->dec : 0;
    mq_timestamp in_ts, ts;
    float *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (outs > 0) {
        if (!(o = mq_out_alloc_items(c, 0, outs)))
            return MQ_WORK_ERROR;
        filter(f, x, outs, o);
        mq_in_timestamp(c, 0, &in_ts);
        mq_ts_outputs(&in_ts, n, (double)f->phase - (double)(f->k.ntaps - 1) / 2,
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
    struct fir *f = state;
    if (!f)
        return;
    fir_kernel_free(&f->k);
    fast_conv_free(&f->conv);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fir_filter",
    .doc = "FIR filter: y[n] = sum_k taps[k] x[n-k] (x before the first item is 0),\n"
           "keeping y[0], y[d], y[2d].. for decimation d. f32, or c32 with real taps\n"
           "(filtered per part) or complex_taps (re, im pairs). A sample index counts\n"
           "output items; a time stamps y[n] with the time of x[n] less the group\n"
           "delay, (ntaps - 1) / 2 items.\n"
           "A stream tag on x[n] goes to output item round(n / d).\n"
           "taps are live: new taps filter from the next buffer on; a longer filter\n"
           "sees zeros for the items before the change the old one did not keep.\n"
           "Long filters (without decimation from about 46 taps of f32, 44 of c32, 16\n"
           "complex ones) are computed by fast convolution, as fft_filter: the same\n"
           "outputs to float rounding, faster (73 taps: 1.7-1.8x).",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = taps_changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
