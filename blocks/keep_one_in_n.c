/* keep_one_in_n - decimates a stream by keeping the last item of every n (GNU
 * Radio's keep_one_in_n): items n-1, 2n-1, 3n-1, ... of the input.
 *
 * `at.left` counts the items still to pass before the next one is kept (GNU Radio's
 * d_count), so the choice goes on across buffers of any length. A live n starts
 * the count again, as GNU Radio's set_n does: the n-th item after the change is the
 * next one kept.
 *
 * Timestamps: a sample index counts output items; a time is the kept items' own
 * (the first kept one's, with a range to the last kept one's).
 *
 * The count and the items sent are checkpointed: a restarted block keeps the same
 * items of the stream as its last life would have. */
#include <stdlib.h>

#include "block.h"
#include "strided.h"

struct keep {
    size_t n, isz;
    struct place {
        uint64_t left;
        int64_t out_sent;
    } at; /* what is checkpointed */
};

enum { P_N, P_TYPE };
static const mq_param_decl params[] = {
    [P_N] = {"n", MQ_PARAM_INT, NULL, 1, 2147483647, NULL, "keep the last item of every n",
             MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int n_changed(mq_block_ctx *c, void *state, int param)
{
    struct keep *k = state;
    k->n = (size_t)mq_param_i(c, P_N);
    k->at.left = k->n;
    return mq_block_set_relative_rate(c, 1, k->n); /* tags: item x -> x / n */
}

static int init(mq_block_ctx *c, void **state)
{
    struct keep *k = calloc(1, sizeof *k);

    if (!k)
        return -1;
    *state = k;
    k->isz = mq_block_in_item_size(c, 0);
    n_changed(c, k, P_N);
    struct place saved;
    if (mq_checkpoint_load(c, &saved, sizeof saved) == sizeof saved && saved.left >= 1 &&
        saved.left <= k->n)
        k->at = saved;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct keep *k = state;
    size_t n;
    const char *x = mq_in_items(c, 0, &n);
    size_t first = (size_t)k->at.left - 1; /* the index of the first item kept here */
    size_t outs = first < n ? (n - 1 - first) / k->n + 1 : 0;
    mq_timestamp ts;
    char *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (outs == 0) {
        k->at.left -= n;
        mq_checkpoint_save(c, &k->at, sizeof k->at);
        return MQ_WORK_OK;
    }
    if (!(o = mq_out_alloc_items(c, 0, outs)))
        return MQ_WORK_ERROR;
    copy_strided(o, k->isz, x + first * k->isz, k->n * k->isz, outs, k->isz);
    k->at.left = k->n - (n - 1 - (first + (outs - 1) * k->n));
    mq_in_timestamp(c, 0, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = k->at.out_sent};
    else
        mq_ts_items(&ts, n, (double)first, (double)k->n, outs, &ts);
    k->at.out_sent += (int64_t)outs;
    mq_checkpoint_save(c, &k->at, sizeof k->at);
    return mq_out_push_items(c, 0, outs, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "keep_one_in_n",
    .doc = "Keeps the last item of every n: items n-1, 2n-1, 3n-1.. of the input.\n"
           "As GNU Radio's keep_one_in_n, for any item type. A sample index counts\n"
           "output items; a time is the kept items' own. n is live: the count starts\n"
           "again from the change (GNU Radio's set_n), so the n-th item after it is the\n"
           "next one kept. A restarted block goes on counting where its last life was.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = n_changed,
};
MQ_BLOCK_EXPORT(decl)
