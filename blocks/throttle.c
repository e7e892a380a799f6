/* throttle - lets items through at no more than `rate` per second on average (GNU
 * Radio's throttle), for graphs without a hardware clock. A buffer of n items leaves
 * when the items before it plus n are due: at start + (sent + n) / rate. It waits
 * with mq_block_wait_until, so a new rate (a live change) ends a long wait at once
 * and the buffer's moment is computed again. */
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
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

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
    uint64_t n = bytes / mq_item_size(mq_block_in_type(c, 0));
    if (t->t0 < 0)
        t->t0 = mq_block_now_ns(); /* the clock starts with the first item */
    /* Once the graph is asked to stop, what is queued goes through at once: the
     * sources have stopped and the graph drains, and holding the rest to the rate
     * would only have it killed at the end of the grace period, lost. */
    if (!mq_block_stopping(c) &&
        mq_block_wait_until(c, t->t0 + (int64_t)((double)(t->sent + n) / t->rate * 1e9)) == 2)
        return MQ_WORK_AGAIN; /* a new rate (or a message) first, then wait anew */
    t->sent += n;
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
           "(no copy): n items take n / rate seconds. When the graph is asked to stop,\n"
           "it lets what is queued through at once, so the graph drains. rate is live:\n"
           "a new rate holds from the next item, also while it waits.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = rate_changed,
};
MQ_BLOCK_EXPORT(decl)
