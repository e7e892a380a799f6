/* deinterleave - one input into N outputs, blocksize items to each in turn (GNU
 * Radio's deinterleave): the first blocksize items to out0, the next to out1, ..,
 * then out0 again. Only whole rounds go out (blocksize items to every output), as
 * in GNU Radio, which asks for blocksize * N input items a call: a partial round
 * left when the input ends is dropped.
 *
 * A round may span buffers: the items of an unfinished round (fewer than
 * blocksize * N) are kept here and complete with the next buffer's.
 *
 * Timestamps: a sample index counts each output's items. A time is the input's:
 * output j's first item is the input item it came from, and its items are N input
 * periods apart, the output's nominal rate (exact for blocksize 1). */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "strided.h"

struct deint {
    int n_out;
    size_t bs, isz, n_held;
    char *held; /* the items of an unfinished round */
    int64_t out_sent[MQ_MAX_PORTS];
};

enum { P_OUTPUTS, P_BLOCKSIZE, P_TYPE };
static const mq_param_decl params[] = {
    [P_OUTPUTS] = {"outputs", MQ_PARAM_INT, "2", 1, MQ_MAX_PORTS, NULL, "number of outputs", 0},
    [P_BLOCKSIZE] = {"blocksize", MQ_PARAM_INT, "1", 1, 1 << 20, NULL,
                     "items given to each output in turn", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static void fini(mq_block_ctx *c, void *state)
{
    struct deint *d = state;
    if (d)
        free(d->held);
    free(d);
}

static int init(mq_block_ctx *c, void **state)
{
    struct deint *d = calloc(1, sizeof *d);

    if (!d)
        return -1;
    *state = d;
    d->n_out = mq_block_n_outputs(c);
    d->bs = (size_t)mq_param_i(c, P_BLOCKSIZE);
    mq_block_set_relative_rate(c, 1, (uint64_t)d->n_out); /* tags: x -> x / N */
    d->isz = mq_block_in_item_size(c, 0);
    if (!(d->held = malloc(d->bs * (size_t)d->n_out * d->isz))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Copies `count` items from item k on of the held items followed by the buffer x. */
static void copy_from(const struct deint *d, char *dst, const char *x, size_t k, size_t count)
{
    if (k < d->n_held) {
        size_t h = d->n_held - k < count ? d->n_held - k : count;
        memcpy(dst, d->held + k * d->isz, h * d->isz);
        dst += h * d->isz;
        k += h;
        count -= h;
    }
    memcpy(dst, x + (k - d->n_held) * d->isz, count * d->isz);
}

/* Sends output j's blocks of `rounds` rounds, stamped from the input's `ts`. */
static int send_output(mq_block_ctx *c, struct deint *d, int j, const char *x, size_t n,
                       size_t rounds, const mq_timestamp *in_ts)
{
    size_t outs = rounds * d->bs, stride = d->bs * (size_t)d->n_out, bb = d->bs * d->isz;
    char *o = mq_out_alloc_items(c, j, outs);
    mq_timestamp ts;

    if (!o)
        return -1;
    /* Round 0 may start in the held items (fewer than a round), the others not. */
    copy_from(d, o, x, (size_t)j * d->bs, d->bs);
    if (rounds > 1)
        copy_strided(o + bb, bb, x + (stride + (size_t)j * d->bs - d->n_held) * d->isz,
                     stride * d->isz, rounds - 1, bb);
    if (in_ts->type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = d->out_sent[j]};
    else
        mq_ts_items(in_ts, n, (double)((size_t)j * d->bs) - (double)d->n_held,
                    (double)d->n_out, outs, &ts);
    d->out_sent[j] += (int64_t)outs;
    return mq_out_push_items(c, j, outs, &ts);
}

static int work(mq_block_ctx *c, void *state)
{
    struct deint *d = state;
    size_t n, stride = d->bs * (size_t)d->n_out;
    const char *x = mq_in_items(c, 0, &n);
    size_t rounds = (d->n_held + n) / stride, used = rounds * stride;
    mq_timestamp ts;

    if (!x)
        return MQ_WORK_ERROR;
    if (rounds == 0) { /* the round goes on in the next buffer */
        memcpy(d->held + d->n_held * d->isz, x, n * d->isz);
        d->n_held += n;
        return MQ_WORK_OK;
    }
    mq_in_timestamp(c, 0, &ts);
    for (int j = 0; j < d->n_out; j++)
        if (send_output(c, d, j, x, n, rounds, &ts) < 0)
            return MQ_WORK_ERROR;
    /* What is left of the buffer starts the next round (used > n_held: all of it
     * comes from the buffer). */
    memcpy(d->held, x + (used - d->n_held) * d->isz, (d->n_held + n - used) * d->isz);
    d->n_held = d->n_held + n - used;
    return MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "deinterleave",
    .doc = "Deals its input to its outputs, blocksize items to each in turn.\n"
           "As GNU Radio's deinterleave: a block to out0, the next to out1, .., then out0\n"
           "again. Only whole rounds go out, as in GNU Radio; a partial one is dropped at\n"
           "the end. A sample index counts each output's items; a time is the input's,\n"
           "each output at 1/`outputs` of its rate.",
    MQ_INPUTS(in),
    MQ_OUTPUTS(out), .out_count_param = "outputs",
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
