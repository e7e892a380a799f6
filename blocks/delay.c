/* delay - delays the stream by `items` items (GNU Radio's delay): that many zero
 * items come out first, then the input unchanged and without a copy.
 *
 * Timestamps stay with the places in the stream, not with the data: output item p
 * has the time input item p had, so every input buffer's stamp moves later by the
 * delay (ts.h), and the zeros in front are stamped as the first input items were.
 * Stream tags stay with the data, as GNU Radio's delay moves them: a tag on input
 * item x comes out on item x + items (the block declares its sample delay). */
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct delay {
    uint64_t left; /* zero items still to emit */
    int64_t shift;
    size_t isz;
    mq_timestamp first; /* the first input buffer's stamp */
    double period;      /* the item period, from the last buffer that told it */
};

static const mq_param_decl params[] = {
    {"items", MQ_PARAM_INT, NULL, 0, 1e12, NULL, "the delay in items", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct delay *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    d->left = (uint64_t)mq_param_int(c, "items");
    d->shift = (int64_t)d->left;
    mq_block_declare_sample_delay(c, d->left);
    d->isz = mq_item_size(mq_block_in_type(c, 0));
    *state = d;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct delay *d = state;
    size_t bytes;
    mq_timestamp in_ts, ts;

    mq_in_data(c, 0, &bytes);
    mq_in_timestamp(c, 0, &in_ts);
    double period = mq_ts_period(&in_ts, bytes / d->isz);
    if (period > 0)
        d->period = period;
    if (d->left > 0 && d->left == (uint64_t)d->shift)
        d->first = in_ts;
    while (d->left > 0) {
        /* The zeros go out in buffers the size of the input's (at least one item). */
        uint64_t n = bytes / d->isz ? bytes / d->isz : 1;
        if (n > d->left)
            n = d->left;
        void *z = mq_out_alloc(c, 0, (size_t)n * d->isz);
        if (!z)
            return MQ_WORK_ERROR;
        memset(z, 0, (size_t)n * d->isz);
        mq_ts_at(&d->first, d->period, (double)(d->shift - (int64_t)d->left), 1, (size_t)n,
                 &ts);
        if (mq_out_push(c, 0, (size_t)n * d->isz, &ts) < 0)
            return MQ_WORK_ERROR;
        d->left -= n;
    }
    mq_ts_at(&in_ts, d->period, (double)d->shift, 1, bytes / d->isz, &ts);
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "delay",
    .doc = "Delays the stream by `items` items: that many zeros come first, then the\n"
           "input unchanged (no copy). Timestamps stay with the places: each buffer's\n"
           "moves later by the delay, and the zeros carry the first input stamps.\n"
           "Stream tags stay with the data: a tag on item x comes out on x + items.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = 2,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
