/* throttle - lets items through at no more than `rate` per second on average (GNU
 * Radio's throttle), for graphs without a hardware clock. A buffer of n items leaves
 * when the items before it plus n are due: at start + (sent + n) / rate. */
#include <stdlib.h>

#include "block.h"

struct thr {
    double rate;
    int64_t t0;
    uint64_t sent;
};

enum { P_RATE, P_TYPE };
static const mq_param_decl params[] = {
    [P_RATE] = {"rate", MQ_PARAM_FLOAT, NULL, 1e-3, 1e12, NULL, "items per second",
                MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type",
                0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type"}};

static int init(mq_block_ctx *c, void **state)
{
    struct thr *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->rate = mq_param_f(c, P_RATE);
    t->t0 = -1;
    *state = t;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct thr *t = state;
    size_t bytes;
    mq_timestamp ts;

    mq_in_data(c, 0, &bytes);
    if (t->t0 < 0)
        t->t0 = mq_block_now_ns(); /* the clock starts with the first item */
    t->sent += bytes / mq_item_size(mq_block_in_type(c, 0));
    if (mq_block_sleep_until(c, t->t0 + (int64_t)((double)t->sent / t->rate * 1e9)))
        return MQ_WORK_DONE;
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

/* A new rate holds from the items not sent yet: the clock starts again at the
 * moment the items sent so far were due, so what went out at the old rate keeps
 * its timing. */
static int rate_changed(mq_block_ctx *c, void *state, int param)
{
    struct thr *t = state;

    if (t->t0 >= 0) {
        t->t0 += (int64_t)((double)t->sent / t->rate * 1e9);
        t->sent = 0;
    }
    t->rate = mq_param_f(c, P_RATE);
    return 0;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "throttle",
    .doc = "Passes items on at `rate` items per second on average, a buffer at a time\n"
           "(no copy): n items take n / rate seconds. Stops early if the graph stops.\n"
           "rate is live: a new rate holds from the next item.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .param_changed = rate_changed,
};
MQ_BLOCK_EXPORT(decl)
