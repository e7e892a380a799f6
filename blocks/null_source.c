/* null_source - endless buffers of zeros (GNU Radio's
 * null_source): a source for measuring the rest of a graph. */
#include <stdlib.h>
#include <string.h>

#include "block.h"

static const mq_param_decl params[] = {
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    {"items_per_buffer", MQ_PARAM_INT, "1024", 1, 1048576, NULL, "items per output buffer",
     MQ_PARAM_SIZED},
    MQ_PARAM_SAMPLE_RATE,
    MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    *state = calloc(1, sizeof(int64_t)); /* items sent */
    return *state ? 0 : -1;
}

static int work(mq_block_ctx *c, void *state)
{
    int64_t *sent = state;
    size_t n = (size_t)mq_param_int(c, "items_per_buffer");
    size_t bytes = n * mq_item_size(mq_block_out_type(c, 0));
    void *p = mq_out_alloc(c, 0, bytes);
    mq_timestamp ts;

    if (!p)
        return MQ_WORK_ERROR;
    memset(p, 0, bytes);
    mq_block_stamp(c, mq_param_float(c, "sample_rate"), *sent, n, &ts);
    *sent += (int64_t)n;
    return mq_out_push(c, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "null_source",
    .doc = "Endless buffers of zeros, until the graph stops or downstream finishes.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
