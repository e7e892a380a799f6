/* misuse - a block whose code reads its parameters wrongly, as `mode` says: with
 * the getter of another type, by an index it does not declare, or by a name it
 * does not declare. Each must fail the block with the parameter named, not read
 * as 0. For the tests only. */
#include <string.h>

#include "block.h"

enum { P_MODE, P_K };
static const mq_param_decl params[] = {
    [P_MODE] = {"mode", MQ_PARAM_ENUM, "ok", 0, 0, "ok|type|index|name", "what to get wrong", 0},
    [P_K] = {"k", MQ_PARAM_FLOAT, "2", 0, 0, NULL, "a factor", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    size_t bytes;
    const char *mode = mq_param_s(c, P_MODE);

    if (!strcmp(mode, "type"))
        mq_param_s(c, P_K);
    else if (!strcmp(mode, "index"))
        mq_param_f(c, 7);
    else if (!strcmp(mode, "name"))
        mq_param_float(c, "kk");
    mq_in_data(c, 0, &bytes);
    return mq_out_forward(c, 0, 0, bytes, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "misuse", .doc = "Reads its parameters wrongly.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params), .work = work,
};
MQ_BLOCK_EXPORT(decl)
