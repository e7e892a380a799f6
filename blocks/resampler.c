/* resampler - rational resampling by L/M (GNU Radio's rational_resampler): the input
 * is upsampled by `interpolation` L (L-1 zeros after each item), filtered, and every
 * `decimation`-th M item kept:
 *
 *   y[j] = sum_k taps[k] u[jM - k],   u[n] = x[n / L] if L divides n, else 0
 *
 * with x before the first item taken as zero. Without taps, a Hamming-windowed sinc
 * low-pass with its cut-off at 0.4 / max(L, M) of the upsampled rate, 24 max(L, M) + 1
 * taps and a gain of L (so a constant keeps its level).
 *
 * Timestamps: output item j sits at input position (jM - (ntaps - 1) / 2) / L (the
 * group delay of the linear-phase filter taken off, as fir_filter does). A sample
 * index is j itself; a time is placed from the input buffer's range at that position.
 * A stream tag on input item x goes to output item round(x L / M), as GNU Radio's
 * rational_resampler moves it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct rs {
    int64_t L, M;
    float *h;
    size_t K, lanes;
    float *hist;     /* input items from index hstart on, lanes floats each */
    size_t hn, hcap; /* items held, room */
    int64_t hstart, seen, next_out;
};

static const mq_param_decl params[] = {
    {"interpolation", MQ_PARAM_INT, "1", 1, 1024, NULL, "L: upsampling factor", 0},
    {"decimation", MQ_PARAM_INT, "1", 1, 1024, NULL, "M: downsampling factor", 0},
    {"taps", MQ_PARAM_FLOATS, "", -1e30, 1e30, NULL,
     "filter taps at the upsampled rate (empty: a low-pass is designed)", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int design(struct rs *r)
{
    int64_t q = r->L > r->M ? r->L : r->M;
    double fc = 0.4 / (double)q, c;

    r->K = (size_t)(24 * q + 1);
    if (!(r->h = malloc(r->K * sizeof *r->h)))
        return -1;
    c = (double)(r->K - 1) / 2;
    for (size_t k = 0; k < r->K; k++) {
        double x = (double)k - c;
        double sinc = x == 0 ? 1.0 : sin(2 * M_PI * fc * x) / (2 * M_PI * fc * x);
        double w = 0.54 - 0.46 * cos(2 * M_PI * (double)k / (double)(r->K - 1));
        r->h[k] = (float)((double)r->L * 2 * fc * sinc * w);
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct rs *r = calloc(1, sizeof *r);
    size_t n;
    const double *taps = mq_param_floats(c, "taps", &n);

    if (!(*state = r))
        return -1;
    r->L = mq_param_int(c, "interpolation");
    r->M = mq_param_int(c, "decimation");
    mq_block_set_relative_rate(c, (uint64_t)r->L, (uint64_t)r->M); /* tags: x -> round(xL/M) */
    r->lanes = mq_block_in_type(c, 0) == MQ_ITEM_C32 ? 2 : 1;
    if (n == 0)
        return design(r);
    r->K = n;
    if (!(r->h = malloc(n * sizeof *r->h)))
        return -1;
    for (size_t k = 0; k < n; k++)
        r->h[k] = (float)taps[k];
    return 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Appends n input items to the history. */
static int keep(mq_block_ctx *c, struct rs *r, const float *x, size_t n)
{
    if (r->hn + n > r->hcap) {
        size_t cap = (r->hn + n) * 2;
        float *h = realloc(r->hist, cap * r->lanes * sizeof *h);
        if (!h) {
            mq_block_error(c, "out of memory");
            return -1;
        }
        r->hist = h;
        r->hcap = cap;
    }
    memcpy(r->hist + r->hn * r->lanes, x, n * r->lanes * sizeof *x);
    r->hn += n;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct rs *r = state;
    size_t bytes, isz = 4 * r->lanes;
    const float *x = mq_in_data(c, 0, &bytes);
    size_t n = bytes / isz;
    int64_t first_in = r->seen;
    mq_timestamp in_ts, ts;

    if (n == 0 || keep(c, r, x, n) < 0)
        return n == 0 ? MQ_WORK_OK : MQ_WORK_ERROR;
    r->seen += (int64_t)n;
    /* Output j needs input floor(jM / L) at the newest. */
    int64_t last = floordiv((r->seen - 1) * r->L + r->L - 1, r->M);
    if (last >= r->next_out) {
        size_t outs = (size_t)(last - r->next_out + 1);
        float *o = mq_out_alloc(c, 0, outs * isz);
        if (!o)
            return MQ_WORK_ERROR;
        for (size_t m = 0; m < outs; m++) {
            int64_t j = r->next_out + (int64_t)m, pos = j * r->M;
            for (size_t l = 0; l < r->lanes; l++) {
                double acc = 0;
                for (int64_t i = floordiv(pos, r->L); i >= 0 && i >= r->hstart; i--) {
                    int64_t k = pos - i * r->L;
                    if (k >= (int64_t)r->K)
                        break;
                    acc += r->h[k] * r->hist[(size_t)(i - r->hstart) * r->lanes + l];
                }
                o[m * r->lanes + l] = (float)acc;
            }
        }
        mq_in_timestamp(c, 0, &in_ts);
        double at = ((double)(r->next_out * r->M) - (double)(r->K - 1) / 2) / (double)r->L;
        mq_ts_outputs(&in_ts, n, at - (double)first_in, (double)r->M / (double)r->L, outs,
                      r->next_out, &ts);
        if (mq_out_push(c, 0, outs * isz, &ts) < 0)
            return MQ_WORK_ERROR;
        r->next_out = last + 1;
    }
    /* Drop the history the next output no longer reaches. */
    int64_t need = floordiv(r->next_out * r->M - (int64_t)r->K + 1, r->L);
    if (need > r->hstart) {
        size_t drop = (size_t)(need - r->hstart) < r->hn ? (size_t)(need - r->hstart) : r->hn;
        memmove(r->hist, r->hist + drop * r->lanes, (r->hn - drop) * r->lanes * sizeof *r->hist);
        r->hn -= drop;
        r->hstart += (int64_t)drop;
    }
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct rs *r = state;

    if (r) {
        free(r->h);
        free(r->hist);
    }
    free(r);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "resampler",
    .doc = "Rational resampler by interpolation/decimation (L/M): upsample by L, filter\n"
           "with taps (default: a windowed-sinc low-pass at 0.4/max(L,M), gain L), keep\n"
           "every M-th. f32 or c32. A sample index becomes the output index; a time is\n"
           "placed at input position (jM - (ntaps-1)/2) / L, the group delay taken off.\n"
           "A stream tag on input item x goes to output item round(x L / M).",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = sizeof params / sizeof params[0],
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
