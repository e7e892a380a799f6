/* mute - passes its input, or while `mute` is true as many zeros (GNU Radio's
 * mute_ss, _ii, _ff, _cc as one block with `type`, and f64 and u8 besides). The
 * zeros are written over the input buffer when this block holds its only
 * reference, so neither way copies; item count and timestamps pass unchanged. */
#include <string.h>

#include "block.h"

enum { P_MUTE, P_TYPE };
static const mq_param_decl params[] = {
    [P_MUTE] = {"mute", MQ_PARAM_BOOL, "false", 0, 0, NULL, "true: zeros instead of the input",
                MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int work(mq_block_ctx *c, void *state)
{
    size_t n;
    mq_timestamp ts;

    if (mq_param_i(c, P_MUTE)) {
        void *p = mq_in_writable_items(c, 0, &n);
        if (!p)
            return MQ_WORK_ERROR;
        memset(p, 0, n * mq_block_in_item_size(c, 0)); /* 0 of every type is all zero bits */
    } else {
        mq_in_items(c, 0, &n);
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "mute",
    .doc = "Passes its input, or while `mute` is true as many zeros of its type.\n"
           "GNU Radio's mute_ss/_ii/_ff/_cc (default not muted); mute is live, its\n"
           "set_mute message as a cmd message {\"mute\": true}. No copy either way\n"
           "(zeros in place when it can); the timestamps pass unchanged.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
