/* forkprep - a source of one f32 item: how many times its module's before_fork
 * ran in mqgraph before this block's process was forked (block.h: once for the
 * graph, inherited by every block of the type). For the tests only. */
#include "block.h"

static int prepared; /* set in mqgraph's process; a block process inherits it */

static void before_fork(void)
{
    prepared++;
}

static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    float *o = mq_out_alloc_items(c, 0, 1);

    if (!o)
        return MQ_WORK_ERROR;
    o[0] = (float)prepared;
    return mq_out_push_items(c, 0, 1, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_DONE;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "forkprep",
    .doc = "Puts out how many times before_fork ran before its fork (tests).",
    MQ_OUTPUTS(out), .work = work, .before_fork = before_fork,
};
MQ_BLOCK_EXPORT(decl)
