/* dc_blocker - removes the DC component with moving averages (GNU Radio's
 * dc_blocker_ff / dc_blocker_cc, after R. Yates' "DC Blocker Algorithms").
 *
 * A moving average of length D here is GNU Radio's moving_averager: a running sum
 * s[n] = (x[n] - x[n-D]) + s[n-1] kept in float (so its rounding carries on as
 * GNU Radio's does), put out as s[n] / D, and it offers x[n-D+1], its input
 * delayed by D - 1. long_form cascades four of them, y4 = MA(MA(MA(MA(x)))), and
 * puts out x[n-2D+2] - y4[n] (ma_0's delayed input through a further delay line of
 * D - 1); the short form two, x[n-D+1] - MA(MA(x))[n]. All start from zeros. So
 * the output lags the input by GNU Radio's group delay, 2D - 2 items (D - 1 short).
 *
 * The delay lines of the later averages hold signals made here, so the runtime's
 * history (which keeps inputs only) would save only the first ring: all of them
 * are kept by hand, and the block works in place. c32 parts go through separate
 * lanes, as complex arithmetic with a real divisor treats them. */
#include <stdlib.h>

#include "block.h"

/* x delayed by n items, zeros first: the ring holds the last n inputs. */
struct delay {
    float *v;
    size_t n, pos;
};

struct avg {
    struct delay line; /* n = D: gives x[n-D] */
    float sum;
};

/* Per lane: the four averages (two in the short form) and the long form's tail. */
struct lane {
    struct avg ma[4];
    struct delay tail;
};

struct dcb {
    struct lane *lane;
    size_t lanes, d;
    int long_form;
    float *mem;
    double period; /* ns per item, from the last buffer whose stamp told it */
};

enum { P_D, P_LONG, P_TYPE };
static const mq_param_decl params[] = {
    [P_D] = {"D", MQ_PARAM_INT, "32", 1, 1 << 20, NULL, "length of each moving average", 0},
    [P_LONG] = {"long_form", MQ_PARAM_BOOL, "true", 0, 0, NULL,
                "four moving averages (true) or two", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static float delay_step(struct delay *d, float x)
{
    if (d->n == 0)
        return x;
    float old = d->v[d->pos];
    d->v[d->pos] = x;
    if (++d->pos == d->n)
        d->pos = 0;
    return old;
}

/* The average's output for x; afterwards its oldest kept input, x[n-D+1], is
 * line.v[line.pos] (x itself for D = 1). */
static float avg_step(struct avg *m, float x, float d)
{
    float y = x - delay_step(&m->line, x) + m->sum;
    m->sum = y;
    return y / d;
}

static float lane_step(struct dcb *b, struct lane *l, float x)
{
    float fd = (float)b->d;
    float y = avg_step(&l->ma[0], x, fd);
    float x_d = l->ma[0].line.v[l->ma[0].line.pos]; /* x[n-D+1] */

    y = avg_step(&l->ma[1], y, fd);
    if (!b->long_form)
        return x_d - y;
    y = avg_step(&l->ma[2], y, fd);
    y = avg_step(&l->ma[3], y, fd);
    return delay_step(&l->tail, x_d) - y;
}

static int init(mq_block_ctx *c, void **state)
{
    struct dcb *b = calloc(1, sizeof *b);

    if (!b)
        return -1;
    *state = b;
    b->lanes = mq_block_in_type(c, 0) == MQ_ITEM_C32 ? 2 : 1;
    b->d = (size_t)mq_param_i(c, P_D);
    b->long_form = (int)mq_param_i(c, P_LONG);
    size_t navg = b->long_form ? 4 : 2, tail = b->long_form ? b->d - 1 : 0;
    b->lane = calloc(b->lanes, sizeof *b->lane);
    b->mem = calloc(b->lanes * (navg * b->d + tail), sizeof *b->mem);
    if (!b->lane || !b->mem) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    float *p = b->mem;
    for (size_t l = 0; l < b->lanes; l++) {
        for (size_t k = 0; k < navg; k++, p += b->d)
            b->lane[l].ma[k].line = (struct delay){.v = p, .n = b->d};
        b->lane[l].tail = (struct delay){.v = p, .n = tail};
        p += tail;
    }
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct dcb *b = state;
    size_t n;
    float *v = mq_in_writable_items(c, 0, &n);
    mq_timestamp ts;

    if (!v)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < b->lanes; l++)
            v[i * b->lanes + l] = lane_step(b, &b->lane[l], v[i * b->lanes + l]);
    /* A time stamps the moment the output describes, as fir_filter's: the input's
     * less the group delay, so blocked and unblocked streams align by time. */
    mq_in_timestamp(c, 0, &ts);
    if (mq_ts_is_time(&ts)) {
        double delay = (double)(b->long_form ? 2 * b->d - 2 : b->d - 1);
        if (n > 1 && (ts.flags & MQ_TS_HAS_RANGE)) /* a one-item buffer cannot say */
            b->period = (double)(ts.end - ts.start) / (double)(n - 1);
        mq_ts_at(&ts, b->period, -delay, 1, n, &ts);
    }
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct dcb *b = state;
    if (b)
        free(b->lane), free(b->mem);
    free(b);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "dc_blocker",
    .doc = "Removes the DC offset with moving averages (GNU Radio's dc_blocker_ff, _cc).\n"
           "Each moving average of length D keeps a running float sum\n"
           "s[n] = (x[n] - x[n-D]) + s[n-1] and puts out s[n] / D; long_form (the\n"
           "default) gives x[n-2D+2] - MA(MA(MA(MA(x))))[n], the short form\n"
           "x[n-D+1] - MA(MA(x))[n], all from zeros, exactly as GNU Radio computes them.\n"
           "The output lags the input by the group delay, 2D - 2 items (D - 1 short):\n"
           "a time stamps each output with its input's time less that delay, as\n"
           "fir_filter does; a sample index passes unchanged. c32 is filtered per part.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
