/* add - the item-wise sum of N inputs (GNU Radio's add). Inputs may arrive in
 * buffers of different lengths: each call adds as many items as every input has and
 * consumes that many, leaving the rest for the next call. */
#include <stdint.h>
#include <string.h>

#include "block.h"

static const mq_param_decl params[] = {
    {"inputs", MQ_PARAM_INT, "2", 1, 16, NULL, "number of inputs", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

/* o[k] += x[k] for n elements of type t (c32: n counts floats). */
static void acc(mq_item_type t, void *o, const void *x, size_t n)
{
    switch (t) {
    case MQ_ITEM_F64:
        for (size_t k = 0; k < n; k++)
            ((double *)o)[k] += ((const double *)x)[k];
        break;
    case MQ_ITEM_I16:
        for (size_t k = 0; k < n; k++)
            ((int16_t *)o)[k] = (int16_t)(((int16_t *)o)[k] + ((const int16_t *)x)[k]);
        break;
    case MQ_ITEM_I32:
        for (size_t k = 0; k < n; k++)
            ((int32_t *)o)[k] = (int32_t)((uint32_t)((int32_t *)o)[k] +
                                          (uint32_t)((const int32_t *)x)[k]);
        break;
    default:
        for (size_t k = 0; k < n; k++)
            ((float *)o)[k] += ((const float *)x)[k];
    }
}

static int work(mq_block_ctx *c, void *state)
{
    int n_in = mq_block_n_inputs(c);
    mq_item_type t = mq_block_in_type(c, 0);
    size_t isz = mq_item_size(t), esz = t == MQ_ITEM_C32 ? 4 : isz, bytes, least = SIZE_MAX;
    const void *x[16] = {0};
    mq_timestamp ts;
    char *o;

    for (int i = 0; i < n_in; i++) {
        x[i] = mq_in_data(c, i, &bytes);
        if (bytes < least)
            least = bytes;
    }
    least -= least % isz;
    for (int i = 0; i < n_in; i++)
        mq_in_consume(c, i, least);
    if (least == 0)
        return MQ_WORK_OK; /* an empty buffer on some input: it goes, nothing comes out */
    if (!(o = mq_out_alloc(c, 0, least)))
        return MQ_WORK_ERROR;
    memcpy(o, x[0], least);
    for (int i = 1; i < n_in; i++)
        acc(t, o, x[i], least / esz);
    mq_in_timestamp(c, 0, &ts);
    return mq_out_push(c, 0, least, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "add",
    .doc = "Sums its `inputs` inputs item by item (integers wrap). Output buffers take\n"
           "the timestamp of input 0. Finishes when any input ends.",
    .in = in, .n_in = 1, .in_count_param = "inputs",
    .out = out, .n_out = 1,
    .params = params, .n_params = 2,
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
