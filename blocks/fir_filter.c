/* fir_filter - a finite impulse response filter with real taps (GNU Radio's
 * fir_filter_fff / fir_filter_ccf), with optional decimation.
 *
 * y[n] = sum_k taps[k] * x[n - k], with x before the first item taken as zero, and
 * every `decimation`-th y kept starting with y[0]. The runtime keeps the ntaps - 1
 * items before each buffer (mq_in_set_history), so the loop reads x[n - k] for
 * every n of the buffer from one array.
 *
 * Timestamps: a sample index counts output items. A time stamps each output item
 * y[n] with the time of x[n] less the group delay of a linear-phase filter,
 * (ntaps - 1) / 2 input items: the moment the output describes, so filtered and
 * unfiltered streams still align by time. Stream tags go from input item x to
 * output item round(x / decimation), as GNU Radio's decimators move them (the
 * group delay is not taken off: GNU Radio's filter does not either). */
#include <stdlib.h>
#include <volk/volk.h>

#include "block.h"
#include "taps.h"

struct fir {
    float *rtaps;  /* taps reversed: y[n] = sum_j rtaps[j] * x[n + j], x with history */
    size_t ntaps, lanes, dec, phase;
    int64_t out_sent;
};

enum { P_TAPS, P_DEC, P_TYPE };
static const mq_param_decl params[] = {
    [P_TAPS] = {"taps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
                "the filter taps, taps[0] first", MQ_PARAM_LIVE},
    [P_DEC] = {"decimation", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "keep every n-th output", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int check(mq_block_ctx *c)
{
    return taps_given(c, P_TAPS, "taps");
}

/* Takes the taps parameter (reversed, as the loop wants them) and asks for a
 * history of as many items: a longer filter sees zeros before the oldest items
 * the shorter one kept. */
static int set_taps(mq_block_ctx *c, struct fir *f)
{
    size_t n;
    const double *taps = mq_param_v(c, P_TAPS, &n);
    /* aligned as VOLK's kernels want their real operand */
    float *r = volk_malloc(n * sizeof *r, volk_get_alignment());

    if (!r || mq_in_set_history(c, 0, n) < 0) {
        volk_free(r);
        mq_block_error(c, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < n; j++)
        r[j] = (float)taps[n - 1 - j];
    volk_free(f->rtaps);
    f->rtaps = r;
    f->ntaps = n;
    return 0;
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
    f->lanes = mq_block_in_type(c, 0) == MQ_ITEM_C32 ? 2 : 1;
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
        /* GNU Radio's dot products: y[m] = sum_j rtaps[j] x[p + j] */
        unsigned nt = (unsigned)f->ntaps;
        for (size_t m = 0; m < outs; m++) {
            size_t p = f->phase + m * f->dec;
            if (f->lanes == 1)
                volk_32f_x2_dot_prod_32f(o + m, x + p, f->rtaps, nt);
            else
                volk_32fc_32f_dot_prod_32fc((lv_32fc_t *)o + m, (const lv_32fc_t *)x + p,
                                            f->rtaps, nt);
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
    struct fir *f = state;
    if (f)
        volk_free(f->rtaps);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fir_filter",
    .doc = "FIR filter with real taps: y[n] = sum_k taps[k] x[n-k] (x before the\n"
           "first item is 0), keeping y[0], y[d], y[2d].. for decimation d. f32, or c32\n"
           "filtered per part. A sample index counts output items; a time stamps y[n]\n"
           "with the time of x[n] less the group delay, (len(taps) - 1) / 2 items.\n"
           "A stream tag on x[n] goes to output item round(n / d).\n"
           "taps are live: new taps filter from the next buffer on; a longer filter\n"
           "sees zeros for the items before the change the old one did not keep.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = taps_changed,
};
MQ_BLOCK_EXPORT(decl)
