/* null_sink - consumes and discards everything (GNU Radio's null_sink). */
#include "block.h"

static const mq_param_decl params[] = {
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "values per item (a vector)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "vlen"}};

static int work(mq_block_ctx *c, void *state)
{
    return MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "null_sink",
    .doc = "Discards what it receives (the summary still counts it).",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
