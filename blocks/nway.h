/* nway.h - the work of the blocks that combine N inputs item by item into one output
 * (add, multiply, subtract, divide, multiply_conjugate), and the parameters they
 * share. Inputs may arrive in buffers of different lengths: each call combines as
 * many items as every input has, consumes that many of each and leaves the rest for
 * the next call. Static inline: each block is a module of its own. */
#ifndef MQ_BLOCKS_NWAY_H
#define MQ_BLOCKS_NWAY_H

#include <stdint.h>
#include <string.h>

#include "block.h"
#include "mq_limits.h"

/* The parameters of a block with N inputs, in this order (GNU Radio's num_inputs and
 * vlen; `types` the item types it takes, the first the default). */
enum { NWAY_P_INPUTS, NWAY_P_TYPE, NWAY_P_VLEN };
#define NWAY_PARAMS(types)                                                               \
    [NWAY_P_INPUTS] = {"inputs", MQ_PARAM_INT, "2", 1, MQ_MAX_PORTS, NULL,               \
                       "number of inputs", 0},                                           \
    [NWAY_P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, types, "item type", 0},         \
    [NWAY_P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL,                    \
                     "values per item (a vector)", 0}
/* Input and output ports of that type and vlen (the inputs named in0 .. inN-1). */
#define NWAY_PORT {"in", MQ_ITEM_F32, "type", "vlen"}
#define NWAY_OUT_PORT {"out", MQ_ITEM_F32, "type", "vlen"}

/* o = a op b for n values of type t (c32: n complex values); o may be a. */
typedef void nway_step(mq_item_type t, void *o, const void *a, const void *b, size_t n);

/* One work call: out = ((in0 op in1) op in2) ..., each step in the item type, over
 * the items every input has. One input is copied. The output buffer takes input 0's
 * timestamp, its range (if it has one) cut to the items used. When every item of
 * input 0's buffer is used and the block holds its only reference, the result is
 * written over it and the buffer sent on: its lines are in this core's cache from
 * the reading, where a new buffer's may be dirty in another's (add3 on 2 cores:
 * bench/vs_gnuradio.py). */
static inline int nway_work(mq_block_ctx *c, nway_step *step)
{
    int n_in = mq_block_n_inputs(c);
    mq_item_type t = mq_block_in_type(c, 0);
    const void *x[MQ_MAX_PORTS] = {0};
    size_t n, n0 = 0, least = SIZE_MAX, vals;
    mq_timestamp ts = {0};
    void *o;

    for (int i = 0; i < n_in; i++) {
        if (!(x[i] = mq_in_items(c, i, &n)))
            return MQ_WORK_ERROR;
        if (i == 0)
            n0 = n;
        if (n < least)
            least = n;
    }
    int in_place = n_in > 1 && least == n0 && least > 0 && mq_in_sole(c, 0);
    for (int i = in_place; i < n_in; i++) /* input 0 in place: the forward takes it */
        mq_in_consume_items(c, i, least);
    if (least == 0)
        return MQ_WORK_OK; /* an empty buffer on some input: it goes, nothing comes out */
    if (!(o = in_place ? mq_in_writable_items(c, 0, &n) : mq_out_alloc_items(c, 0, least)))
        return MQ_WORK_ERROR;
    vals = least * mq_block_in_vlen(c, 0);
    if (n_in == 1)
        memcpy(o, x[0], least * mq_block_in_item_size(c, 0));
    else if (!in_place)
        step(t, o, x[0], x[1], vals);
    for (int i = in_place ? 1 : 2; i < n_in; i++)
        step(t, o, o, x[i], vals);
    if (mq_in_timestamp(c, 0, &ts) == 0)
        mq_ts_items(&ts, n0, 0, 1, least, &ts);
    if (in_place)
        return mq_out_forward_items(c, 0, 0, least, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
    return mq_out_push_items(c, 0, least, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

#endif
