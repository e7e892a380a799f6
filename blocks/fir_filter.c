/* fir_filter - a finite impulse response filter with real taps (GNU Radio's
 * fir_filter_fff / fir_filter_ccf), with optional decimation.
 *
 * y[n] = sum_k taps[k] * x[n - k], with x before the first item taken as zero, and
 * every `decimation`-th y kept starting with y[0]. The last ntaps-1 items of each
 * buffer are kept as the history of the next.
 *
 * Timestamps: a sample index counts output items. A time stamps each output item
 * y[n] with the time of x[n] less the group delay of a linear-phase filter,
 * (ntaps - 1) / 2 input items: the moment the output describes, so filtered and
 * unfiltered streams still align by time. */
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct fir {
    float *rtaps;  /* taps reversed: y[n] = sum_j rtaps[j] * ext[n + j] */
    size_t ntaps, lanes, dec, phase;
    float *ext;    /* history then the current input, in floats */
    size_t ext_cap;
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
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type"}};

static int check(mq_block_ctx *c)
{
    size_t n;
    mq_param_v(c, P_TAPS, &n);
    if (n == 0) {
        mq_block_error(c, "parameter 'taps': at least one tap is needed");
        return -1;
    }
    return 0;
}

/* Takes the taps parameter (reversed, as the loop wants them), and resizes the
 * history to the new length - 1 items: the newest items stay, and a longer filter
 * sees zeros before the oldest it kept. */
static int set_taps(mq_block_ctx *c, struct fir *f)
{
    size_t n, old = f->ntaps ? (f->ntaps - 1) * f->lanes : 0;
    const double *taps = mq_param_v(c, P_TAPS, &n);
    size_t hist = (n - 1) * f->lanes;
    float *r = malloc(n * sizeof *r), *e = f->ext;

    if (r && hist > f->ext_cap && (e = realloc(f->ext, (hist + 1) * sizeof *e))) {
        f->ext = e;
        f->ext_cap = hist;
    }
    if (!r || !e) {
        free(r);
        mq_block_error(c, "out of memory");
        return -1;
    }
    if (hist > old) {
        memmove(f->ext + (hist - old), f->ext, old * sizeof *f->ext);
        memset(f->ext, 0, (hist - old) * sizeof *f->ext);
    } else {
        memmove(f->ext, f->ext + (old - hist), hist * sizeof *f->ext);
    }
    for (size_t j = 0; j < n; j++)
        r[j] = (float)taps[n - 1 - j];
    free(f->rtaps);
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
    if (!(f->ext = calloc(1, sizeof *f->ext))) /* zero history */
        return -1;
    return set_taps(c, f);
}

static int work(mq_block_ctx *c, void *state)
{
    struct fir *f = state;
    size_t bytes, hist = (f->ntaps - 1) * f->lanes;
    const float *x = mq_in_data(c, 0, &bytes);
    size_t n = bytes / (4 * f->lanes), need = hist + n * f->lanes, outs;
    mq_timestamp in_ts, ts;
    float *o;

    if (need > f->ext_cap) {
        float *e = realloc(f->ext, need * sizeof *e);
        if (!e) {
            mq_block_error(c, "out of memory");
            return MQ_WORK_ERROR;
        }
        f->ext = e;
        f->ext_cap = need;
    }
    memcpy(f->ext + hist, x, n * f->lanes * sizeof *x);
    outs = f->phase < n ? (n - f->phase + f->dec - 1) / f->dec : 0;
    if (outs > 0) {
        if (!(o = mq_out_alloc(c, 0, outs * f->lanes * 4)))
            return MQ_WORK_ERROR;
        for (size_t m = 0; m < outs; m++) {
            size_t p = f->phase + m * f->dec;
            for (size_t l = 0; l < f->lanes; l++) {
                const float *e = f->ext + p * f->lanes + l;
                float acc = 0;
                for (size_t j = 0; j < f->ntaps; j++)
                    acc += f->rtaps[j] * e[j * f->lanes];
                o[m * f->lanes + l] = acc;
            }
        }
        mq_in_timestamp(c, 0, &in_ts);
        if (in_ts.type == MQ_TS_SAMPLE_INDEX)
            ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = f->out_sent};
        else
            mq_ts_items(&in_ts, n, (double)f->phase - (double)(f->ntaps - 1) / 2,
                        (double)f->dec, outs, &ts);
        if (mq_out_push(c, 0, outs * f->lanes * 4, &ts) < 0)
            return MQ_WORK_ERROR;
        f->out_sent += (int64_t)outs;
    }
    f->phase = f->phase + outs * f->dec - n;
    memmove(f->ext, f->ext + n * f->lanes, hist * sizeof *f->ext);
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fir *f = state;
    if (f) {
        free(f->rtaps);
        free(f->ext);
    }
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fir_filter",
    .doc = "FIR filter with real taps: y[n] = sum_k taps[k] x[n-k] (x before the\n"
           "first item is 0), keeping y[0], y[d], y[2d].. for decimation d. f32, or c32\n"
           "filtered per part. A sample index counts output items; a time stamps y[n]\n"
           "with the time of x[n] less the group delay, (len(taps) - 1) / 2 items.\n"
           "taps are live: new taps filter from the next buffer on; a longer filter\n"
           "sees zeros for the items before the change the old one did not keep.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = taps_changed,
};
MQ_BLOCK_EXPORT(decl)
