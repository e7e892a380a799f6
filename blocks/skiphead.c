/* skiphead - drops the first nitems_to_skip items, then passes the rest (GNU
 * Radio's skiphead). Buffers pass on without a copy: the one the skipped part ends
 * in is consumed up to there, and its rest goes out whole in the next work call.
 *
 * Timestamps: a sample index counts output items (GNU Radio moves its tags back by
 * nitems_to_skip: the same numbers for a stream counted from 0); a time is the
 * items' own.
 *
 * What is still to skip and what was sent are checkpointed, so a restarted
 * skiphead goes on where its last life stopped instead of skipping again. */
#include <stdlib.h>

#include "block.h"

struct skip {
    uint64_t left;
    int64_t out_sent;
};
_Static_assert(sizeof(struct skip) <= MQ_CHECKPOINT_MAX, "a skip fits a checkpoint");

enum { P_SKIP, P_TYPE };
static const mq_param_decl params[] = {
    [P_SKIP] = {"nitems_to_skip", MQ_PARAM_INT, NULL, 0, 9.007199254740992e15, NULL,
                "how many items to drop first", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct skip *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    s->left = (uint64_t)mq_param_i(c, P_SKIP);
    struct skip saved;
    if (mq_checkpoint_load(c, &saved, sizeof saved) == sizeof saved && saved.left <= s->left)
        *s = saved;
    *state = s;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct skip *s = state;
    size_t n;
    mq_timestamp ts;

    if (!mq_in_items(c, 0, &n))
        return MQ_WORK_ERROR;
    if (s->left >= n) { /* all of it is skipped */
        s->left -= n;
        mq_checkpoint_save(c, s, sizeof *s);
        return MQ_WORK_OK;
    }
    if (s->left > 0) { /* the rest of this buffer goes out in the next call */
        mq_in_consume_items(c, 0, (size_t)s->left);
        s->left = 0;
        mq_checkpoint_save(c, s, sizeof *s);
        return MQ_WORK_OK;
    }
    mq_in_timestamp(c, 0, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = s->out_sent};
    s->out_sent += (int64_t)n;
    mq_checkpoint_save(c, s, sizeof *s);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "skiphead",
    .doc = "Drops the first nitems_to_skip items, then passes the rest unchanged.\n"
           "As GNU Radio's skiphead, for any item type; buffers pass without a copy. A\n"
           "sample index counts output items; a time is the items' own. A restarted\n"
           "skiphead goes on from its last life's place (checkpointed), not skipping again.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
