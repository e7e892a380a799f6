/* vector_to_stream - the items of each vector item, one after the other (GNU
 * Radio's vector_to_stream). The bytes do not change, only what counts as an
 * item, so every buffer goes on as it is (mq_out_forward, no copy).
 *
 * Timestamps: a sample index counts output items (num_items a vector). A time
 * stays the time of the buffer's first item; a range is spread over the vectors'
 * items, item k of a vector lying k / num_items of a vector period after it. A
 * buffer of one vector tells no period: the period of the last longer one is
 * used, and before there was one the output has no range. */
#include <stdlib.h>

#include "block.h"

struct v2s {
    size_t vlen;
    double period; /* a vector's period, learnt from buffers of 2 or more */
    int64_t out_sent;
};

enum { P_N, P_TYPE };
static const mq_param_decl params[] = {
    [P_N] = {"num_items", MQ_PARAM_INT, NULL, 1, MQ_MAX_VLEN, NULL,
             "items per vector (the input's vlen)", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32|u8", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "num_items"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct v2s *v = calloc(1, sizeof *v);

    if (!v)
        return -1;
    v->vlen = mq_block_in_vlen(c, 0);
    *state = v;
    mq_block_set_relative_rate(c, v->vlen, 1); /* tags: vector x -> item n x */
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct v2s *v = state;
    size_t m;
    mq_timestamp ts;

    if (!mq_in_items(c, 0, &m))
        return MQ_WORK_ERROR;
    mq_in_timestamp(c, 0, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX) {
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = v->out_sent};
    } else {
        if (m >= 2 && mq_ts_period(&ts, m) > 0)
            v->period = mq_ts_period(&ts, m);
        mq_ts_at(&ts, v->period, 0, 1.0 / (double)v->vlen, m * v->vlen, &ts);
        if (v->period == 0 && v->vlen > 1)
            ts.flags &= ~MQ_TS_HAS_RANGE; /* the items' times are not known */
    }
    if (mq_out_forward_items(c, 0, 0, m, &ts) < 0)
        return MQ_WORK_ERROR;
    v->out_sent += (int64_t)(m * v->vlen);
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "vector_to_stream",
    .doc = "Splits each vector item (input vlen num_items) into its num_items items.\n"
           "Every buffer goes on without a copy. A sample index counts output items; a\n"
           "time stays the first item's, and a range spreads over the vectors' items.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
