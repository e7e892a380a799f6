/* stream_to_vector - groups every num_items items of a stream into one vector item
 * (GNU Radio's stream_to_vector).
 *
 * The bytes do not change, only what counts as an item, so a buffer that holds
 * whole vectors goes on as it is (mq_out_forward, no copy). A buffer whose length
 * is not a multiple of num_items leaves its last items over: they wait here, and
 * the next buffer completes their vector; output that begins with waiting items is
 * copied into a new buffer. An output buffer is never longer than the input buffer
 * it came from (or one vector), so it fits the pools that one came from.
 *
 * Timestamps: a sample index counts output items, vectors. A time stamps each
 * vector with the time of its first item, unchanged; a range spans the first items
 * of the buffer's first and last vector. */
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct s2v {
    unsigned char *part; /* the first `have` items of the next vector */
    size_t have, vlen, isz;
    mq_timestamp pts;    /* the stamp of part's first item */
    double period;       /* an input item's period, learnt from buffers of 2 or more */
    int64_t out_sent;    /* vectors sent */
};

enum { P_N, P_TYPE };
static const mq_param_decl params[] = {
    [P_N] = {"num_items", MQ_PARAM_INT, NULL, 1, MQ_MAX_VLEN, NULL,
             "items per vector (the output's vlen)", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32|u8", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", "num_items"}};

static int init(mq_block_ctx *c, void **state)
{
    struct s2v *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    *state = s;
    s->vlen = mq_block_out_vlen(c, 0);
    s->isz = mq_block_in_item_size(c, 0);
    mq_block_set_relative_rate(c, 1, s->vlen); /* tags: item x -> vector x / n */
    if (!(s->part = malloc(s->vlen * s->isz))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

/* The stamp of m vectors, the first of which begins at item `first` of the input
 * buffer stamped `ts` (negative: it began with the waiting items). */
static void stamp(const struct s2v *s, const mq_timestamp *ts, double first, size_t m,
                  mq_timestamp *o)
{
    if (ts->type == MQ_TS_SAMPLE_INDEX) {
        *o = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = s->out_sent};
        return;
    }
    mq_ts_at(ts, s->period, first, (double)s->vlen, m, o);
    if (first < 0 && mq_ts_is_time(ts)) { /* the waiting item's own time */
        int64_t d = s->pts.value - o->value;
        o->value += d;
        if (o->flags & MQ_TS_HAS_RANGE)
            o->start += d;
    }
}

/* Items [from, n) of the buffer (fewer than a vector) wait for the next one. */
static void keep(struct s2v *s, const unsigned char *x, const mq_timestamp *ts, size_t from,
                 size_t n)
{
    memcpy(s->part, x + from * s->isz, (n - from) * s->isz);
    mq_ts_at(ts, s->period, (double)from, 1, n - from, &s->pts);
    s->have = n - from;
}

static int sent(struct s2v *s, int rc, size_t m)
{
    if (rc < 0)
        return MQ_WORK_ERROR;
    s->out_sent += (int64_t)m;
    return MQ_WORK_OK;
}

/* Nothing waits and the buffer is whole vectors: it goes on as it is. (A buffer
 * with items over is copied: passed on, it would take the tags of the items over
 * to where the buffer ends, not with those items to the vector they begin.) */
static int forward(mq_block_ctx *c, struct s2v *s, size_t n, const mq_timestamp *ts)
{
    size_t m = n / s->vlen;
    mq_timestamp o;

    stamp(s, ts, 0, m, &o);
    return sent(s, mq_out_forward_items(c, 0, 0, n, &o), m);
}

/* Items wait: the vectors they begin, and as many more as the buffer's length
 * allows, are copied out; what follows waits, or stays for the next call. */
static int copy(mq_block_ctx *c, struct s2v *s, const unsigned char *x, size_t n,
                const mq_timestamp *ts)
{
    size_t m = (s->have + n) / s->vlen, cap = n / s->vlen > 1 ? n / s->vlen : 1;
    mq_timestamp o;
    unsigned char *p;

    if (m == 0) {
        memcpy(s->part + s->have * s->isz, x, n * s->isz);
        s->have += n;
        return MQ_WORK_OK;
    }
    m = m < cap ? m : cap;
    size_t take = m * s->vlen - s->have;
    if (!(p = mq_out_alloc_items(c, 0, m)))
        return MQ_WORK_ERROR;
    memcpy(p, s->part, s->have * s->isz);
    memcpy(p + s->have * s->isz, x, take * s->isz);
    stamp(s, ts, -(double)s->have, m, &o);
    s->have = 0;
    if (n - take >= s->vlen)
        mq_in_consume_items(c, 0, take); /* the rest holds whole vectors: next call */
    else if (take < n)
        keep(s, x, ts, take, n);
    return sent(s, mq_out_push_items(c, 0, m, &o), m);
}

static int work(mq_block_ctx *c, void *state)
{
    struct s2v *s = state;
    size_t n;
    const unsigned char *x = mq_in_items(c, 0, &n);
    mq_timestamp ts;

    if (!x)
        return MQ_WORK_ERROR;
    mq_in_timestamp(c, 0, &ts);
    if (n >= 2 && mq_ts_period(&ts, n) > 0)
        s->period = mq_ts_period(&ts, n);
    return s->have == 0 && n % s->vlen == 0 && n > 0 ? forward(c, s, n, &ts)
                                                     : copy(c, s, x, n, &ts);
}

static void fini(mq_block_ctx *c, void *state)
{
    struct s2v *s = state;
    if (s)
        free(s->part);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "stream_to_vector",
    .doc = "Groups every num_items items into one vector item (output vlen num_items).\n"
           "A buffer of whole vectors goes on without a copy; items left over wait for\n"
           "the next buffer to complete their vector (a vector may span buffers), and\n"
           "items that never complete one are dropped at the end, as in GNU Radio.\n"
           "A sample index counts vectors; a time stamps each vector with its first\n"
           "item's time. A restarted block starts a fresh vector with the first item it\n"
           "sees.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
