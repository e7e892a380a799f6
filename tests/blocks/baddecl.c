/* baddecl - a declaration mqgraph must refuse when it loads the module: a
 * parameter declared twice, and a live parameter deciding an item type. For the
 * tests only. */
#include "block.h"

static const mq_param_decl params[] = {
    {"k", MQ_PARAM_FLOAT, "1", 0, 0, NULL, "first", 0},
    {"k", MQ_PARAM_FLOAT, "2", 0, 0, NULL, "again", 0},
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    return MQ_WORK_DONE;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "baddecl", .doc = "Declares k twice.",
    .out = out, .n_out = 1, .params = params, .n_params = MQ_COUNTOF(params), .work = work,
};
MQ_BLOCK_EXPORT(decl)
