/* slowmsg - takes a message every `ms` milliseconds at most (it sleeps in its
 * handler): a consumer slower than its producer, to fill message queues. For the
 * tests only. */
#include "block.h"

enum { P_MS };
static const mq_param_decl params[] = {
    [P_MS] = {"ms", MQ_PARAM_FLOAT, "50", 0, 10000, NULL, "time per message", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_MSG, NULL, NULL}};

static int message(mq_block_ctx *c, void *state, int port, const mq_pmt *m)
{
    mq_block_sleep_until(c, mq_block_now_ns() + (int64_t)(mq_param_f(c, P_MS) * 1e6));
    return 0;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "slowmsg", .doc = "A slow message consumer.",
    .in = in, .n_in = 1, .params = params, .n_params = MQ_COUNTOF(params),
    .message = message,
};
MQ_BLOCK_EXPORT(decl)
