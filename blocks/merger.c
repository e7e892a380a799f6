/* merger - N inputs into one output, buffers passed on whole and without a copy in
 * the order they arrive. When several inputs are waiting, they take turns, so a busy
 * input cannot starve another. Order is kept within each input, not across them. */
#include <stdlib.h>

#include "in_turns.h"

static const mq_param_decl params[] = {
    {"inputs", MQ_PARAM_INT, "2", 1, 16, NULL, "number of inputs", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    *state = calloc(1, sizeof(int)); /* the input to look at first */
    return *state ? 0 : -1;
}

static int work(mq_block_ctx *c, void *state)
{
    return forward_in_turns(c, state);
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "merger",
    .doc = "Passes buffers from any of its `inputs` inputs to the output as they come\n"
           "(no copy; waiting inputs take turns). Finishes when all inputs have ended.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .flags = MQ_BLOCK_ANY_INPUT,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
