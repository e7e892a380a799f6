/* valve - stops a stream while `open` is true, passes it unchanged otherwise (GNU
 * Radio's valve, from 3.7's grc_blks2: an open valve is an open circuit, its input
 * terminated in a null sink). GNU Radio 3.10 has no valve left, only copy with
 * `enabled`, the same with the opposite sense. Buffers pass without a copy; open,
 * they are consumed and dropped, so upstream keeps running.
 *
 * Timestamps: a sample index counts output items (the items dropped while open do
 * not count); a time is the items' own. */
#include <stdlib.h>

#include "block.h"

enum { P_OPEN, P_TYPE };
static const mq_param_decl params[] = {
    [P_OPEN] = {"open", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                "true: the stream stops here (dropped)", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    return (*state = calloc(1, sizeof(int64_t))) ? 0 : -1;
}

static int work(mq_block_ctx *c, void *state)
{
    int64_t *out_sent = state;
    size_t n;
    mq_timestamp ts;

    if (mq_param_i(c, P_OPEN))
        return MQ_WORK_OK;
    mq_in_items(c, 0, &n);
    mq_in_timestamp(c, 0, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = *out_sent};
    *out_sent += (int64_t)n;
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "valve",
    .doc = "Drops the stream while `open` is true and passes it unchanged otherwise.\n"
           "As GNU Radio's valve (3.7's grc_blks2.valve: open is an open circuit, no\n"
           "flow); 3.10 has only copy's `enabled`, the opposite sense. open is live.\n"
           "Buffers pass without a copy. A sample index counts output items; a time is\n"
           "the items' own.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
