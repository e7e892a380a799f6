/* history - a block that keeps a history of 3 items (mq_in_set_history) and puts
 * out x[i - 2] for each item i it consumes, `step` at most per work call, so a
 * buffer is used in parts; with `fwd`, every second call forwards its buffer
 * instead, which a port with a history may not do. For the tests only. */
#include "block.h"

enum { P_STEP, P_FWD };
static const mq_param_decl params[] = {
    [P_STEP] = {"step", MQ_PARAM_INT, "3", 1, 1000, NULL, "items per work call at most", 0},
    [P_FWD] = {"fwd", MQ_PARAM_BOOL, "false", 0, 0, NULL, "forward every second buffer", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

struct h {
    int calls;
};

static int init(mq_block_ctx *c, void **state)
{
    static struct h h;
    *state = &h;
    return mq_in_set_history(c, 0, 3);
}

static int work(mq_block_ctx *c, void *state)
{
    struct h *h = state;
    size_t n, step = (size_t)mq_param_i(c, P_STEP);
    const float *p = mq_in_items(c, 0, &n);

    if (!p)
        return MQ_WORK_ERROR;
    if (mq_param_i(c, P_FWD) && ++h->calls % 2 == 0)
        return mq_out_forward_items(c, 0, 0, n, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
    size_t m = n < step ? n : step;
    float *o = mq_out_alloc_items(c, 0, m);
    if (!o)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < m; i++)
        o[i] = p[i]; /* p[i] is x[i - 2] */
    mq_in_consume_items(c, 0, m);
    return mq_out_push_items(c, 0, m, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "history", .doc = "Puts out x[i-2] (tests).",
    MQ_INPUTS(in), MQ_OUTPUTS(out), MQ_PARAMS(params), .init = init, .work = work,
};
MQ_BLOCK_EXPORT(decl)
