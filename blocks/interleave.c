/* interleave - N inputs into one output, blocksize items from each in turn (GNU
 * Radio's interleave): in0's first blocksize items, in1's, .., in(N-1)'s, then
 * in0's next ones. Only whole rounds go out (blocksize items from every input), as
 * in GNU Radio, whose output multiple is blocksize * N: what is left of a round when
 * an input ends is dropped.
 *
 * Inputs may come in buffers of different lengths. Each call sends as many whole
 * blocks as every input has and consumes that many items of each, leaving the rest
 * for the next call. An input that has less than a block keeps its items here (at
 * most blocksize - 1 of them) until its next buffer completes one, so a blocksize
 * larger than the buffers still makes progress.
 *
 * Timestamps: a sample index counts output items. A time is input 0's: the output
 * runs at N times its rate, so item k of a call sits k/N input periods after the
 * round's first item (exact for blocksize 1; for larger blocks it is the nominal
 * item period of the output). */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "strided.h"

struct inter {
    int n_in;
    size_t bs, isz;
    char *held[MQ_MAX_PORTS]; /* each input's items short of a block */
    size_t n_held[MQ_MAX_PORTS];
    int64_t out_sent;
};

enum { P_INPUTS, P_BLOCKSIZE, P_TYPE };
static const mq_param_decl params[] = {
    [P_INPUTS] = {"inputs", MQ_PARAM_INT, "2", 1, MQ_MAX_PORTS, NULL, "number of inputs", 0},
    [P_BLOCKSIZE] = {"blocksize", MQ_PARAM_INT, "1", 1, 1 << 20, NULL,
                     "items taken from each input in turn", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static void fini(mq_block_ctx *c, void *state)
{
    struct inter *t = state;
    for (int i = 0; t && i < t->n_in; i++)
        free(t->held[i]);
    free(t);
}

static int init(mq_block_ctx *c, void **state)
{
    struct inter *t = calloc(1, sizeof *t);

    if (!t)
        return -1;
    *state = t;
    t->n_in = mq_block_n_inputs(c);
    t->bs = (size_t)mq_param_i(c, P_BLOCKSIZE);
    mq_block_set_relative_rate(c, (uint64_t)t->n_in, 1); /* tags: x -> N x, as GNU Radio's */
    t->isz = mq_block_in_item_size(c, 0);
    for (int i = 0; i < t->n_in; i++)
        if (!(t->held[i] = malloc(t->bs * t->isz))) {
            mq_block_error(c, "out of memory");
            return -1;
        }
    return 0;
}

/* No input has a whole block: those short of one keep what they have, the others
 * keep their buffer for the next call. */
static int hold(mq_block_ctx *c, struct inter *t, const char **x, const size_t *n)
{
    for (int i = 0; i < t->n_in; i++) {
        if (t->n_held[i] + n[i] >= t->bs) {
            mq_in_consume_items(c, i, 0);
            continue;
        }
        memcpy(t->held[i] + t->n_held[i] * t->isz, x[i], n[i] * t->isz);
        t->n_held[i] += n[i];
    }
    return MQ_WORK_OK;
}

static int work(mq_block_ctx *c, void *state)
{
    struct inter *t = state;
    const char *x[MQ_MAX_PORTS];
    size_t n[MQ_MAX_PORTS], least = SIZE_MAX, bb = t->bs * t->isz;
    mq_timestamp ts;
    char *o;

    for (int i = 0; i < t->n_in; i++) {
        if (!(x[i] = mq_in_items(c, i, &n[i])))
            return MQ_WORK_ERROR;
        if (t->n_held[i] + n[i] < least)
            least = t->n_held[i] + n[i];
    }
    size_t rounds = least / t->bs, outs = rounds * t->bs * (size_t)t->n_in;
    if (rounds == 0)
        return hold(c, t, x, n);
    if (!(o = mq_out_alloc_items(c, 0, outs)))
        return MQ_WORK_ERROR;
    for (int i = 0; i < t->n_in; i++) {
        /* Block 0 starts with the items held; block r > 0 is all from the buffer. */
        size_t h = t->n_held[i], first = t->bs - h;
        char *p = o + (size_t)i * bb;
        memcpy(p, t->held[i], h * t->isz);
        memcpy(p + h * t->isz, x[i], first * t->isz);
        copy_strided(p + bb * (size_t)t->n_in, bb * (size_t)t->n_in, x[i] + first * t->isz, bb,
                     rounds - 1, bb);
        mq_in_consume_items(c, i, rounds * t->bs - h);
    }
    mq_in_timestamp(c, 0, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = t->out_sent};
    else
        mq_ts_items(&ts, n[0], -(double)t->n_held[0], 1.0 / t->n_in, outs, &ts);
    for (int i = 0; i < t->n_in; i++)
        t->n_held[i] = 0;
    t->out_sent += (int64_t)outs;
    return mq_out_push_items(c, 0, outs, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "interleave",
    .doc = "Interleaves its inputs into one output, blocksize items from each in turn.\n"
           "As GNU Radio's interleave: in0's block, in1's, .., then in0's next. Only\n"
           "whole rounds go out, as in GNU Radio; a partial one is dropped when an input\n"
           "ends. A sample index counts output items; a time is input 0's, the output at\n"
           "`inputs` times its rate.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
