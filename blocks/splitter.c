/* splitter - one input to N outputs (GNU Radio users know it as a tee). Every output
 * gets every buffer as a reference to the same memory: nothing is copied. A block
 * downstream that modifies a buffer in place gets its own copy then
 * (mq_in_writable), so the outputs never see each other's changes. */
#include "block.h"

static const mq_param_decl params[] = {
    {"outputs", MQ_PARAM_INT, "2", 1, 16, NULL, "number of outputs", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int work(mq_block_ctx *c, void *state)
{
    int n = mq_block_n_outputs(c);
    size_t bytes;
    mq_timestamp ts;

    for (int o = 0; o < n - 1; o++)
        if (mq_out_share(c, 0, o) < 0)
            return MQ_WORK_ERROR;
    mq_in_data(c, 0, &bytes);
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward(c, 0, n - 1, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "splitter",
    .doc = "Sends every input buffer to each of its `outputs` outputs without copying.\n"
           "Finishes when its input ends or every output is abandoned downstream.",
    MQ_INPUTS(in),
    MQ_OUTPUTS(out), .out_count_param = "outputs",
    MQ_PARAMS(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
