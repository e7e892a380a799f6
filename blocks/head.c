/* head - passes the first N items, then finishes (GNU Radio's head). Buffers pass
 * through without a copy; the last one is shortened, and so is its time range. The
 * count is checkpointed: a restarted head passes only what its last life had not. */
#include <stdlib.h>

#include "block.h"

struct head {
    uint64_t left;
    size_t isz;
};

static const mq_param_decl params[] = {
    {"items", MQ_PARAM_INT, NULL, 0, 9.007199254740992e15, NULL, "how many items to pass", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct head *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->left = (uint64_t)mq_param_int(c, "items");
    h->isz = mq_item_size(mq_block_in_type(c, 0));
    uint64_t left;
    if (mq_checkpoint_load(c, &left, sizeof left) == sizeof left && left <= h->left)
        h->left = left;
    *state = h;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct head *h = state;
    size_t bytes;
    mq_timestamp ts;

    if (h->left == 0)
        return MQ_WORK_DONE;
    mq_in_data(c, 0, &bytes);
    uint64_t items = bytes / h->isz;
    if (items > h->left)
        items = h->left;
    mq_in_timestamp(c, 0, &ts);
    if (items < bytes / h->isz)
        mq_ts_items(&ts, bytes / h->isz, 0, 1, (size_t)items, &ts);
    h->left -= items;
    mq_checkpoint_save(c, &h->left, sizeof h->left);
    if (mq_out_forward(c, 0, 0, (size_t)items * h->isz, &ts) < 0)
        return MQ_WORK_ERROR;
    return h->left == 0 ? MQ_WORK_DONE : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "head",
    .doc = "Passes the first `items` items, then finishes, and so do the blocks upstream.\n"
           "On one branch of a fan-out it ends its producer, as in GNU Radio, and the\n"
           "other branches see the end of the stream (so the graph ends if it has one\n"
           "source); with the graph's `finish: all` they run on to their own end.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = 2,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
