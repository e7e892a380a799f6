/* stamp_source - bench/latency.py's source: one f32 item every period_us, its
 * buffer stamped (relative: ns since the graph's start, CLOCK_MONOTONIC) at the
 * moment it is sent, `count` of them. With latency_sink at the other end of a
 * chain, now - stamp is the time a buffer takes through the graph. */
#include <stdlib.h>

#include "block.h"

struct ss {
    int64_t next, sent;
};

enum { P_PERIOD, P_COUNT };
static const mq_param_decl params[] = {
    [P_PERIOD] = {"period_us", MQ_PARAM_INT, "2000", 1, 10000000, NULL, "between items", 0},
    [P_COUNT] = {"count", MQ_PARAM_INT, "1000", 1, 100000000, NULL, "items to send", 0},
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct ss *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    s->next = mq_block_now_ns() + mq_param_i(c, P_PERIOD) * 1000;
    *state = s;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct ss *s = state;
    float *p;

    if (s->sent == mq_param_i(c, P_COUNT))
        return MQ_WORK_DONE;
    if (mq_block_sleep_until(c, s->next))
        return MQ_WORK_DONE;
    s->next += mq_param_i(c, P_PERIOD) * 1000;
    if (!(p = mq_out_alloc_items(c, 0, 1)))
        return MQ_WORK_ERROR;
    *p = (float)s->sent++;
    mq_timestamp ts = {.type = MQ_TS_RELATIVE,
                       .value = mq_block_now_ns() - mq_block_graph_start_ns(c)};
    return mq_out_push_items(c, 0, 1, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    (void)c;
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "stamp_source",
    .doc = "One f32 item every period_us, stamped when it is sent (bench/latency.py).",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
