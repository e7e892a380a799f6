/* multiply_const - multiplies every item by a constant k (GNU Radio's
 * multiply_const). Works in place when it holds the only reference to the buffer,
 * so a chain of them copies nothing. Integer items become saturate(round(x k)),
 * rounding half to even: k is real here, so a product can fall between integers or
 * outside the type, and a plain cast of such a double is undefined behaviour. */
#include <math.h>
#include <stdint.h>

#include "block.h"

enum { P_K, P_TYPE };
static const mq_param_decl params[] = {
    [P_K] = {"k", MQ_PARAM_FLOAT, NULL, -1e30, 1e30, NULL, "the factor (real)", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

/* As GNU Radio's float_to_short and float_to_int convert (rintf, clipped to the
 * type's range). Its own multiply_const_ss and _ii take an integer k and wrap on
 * overflow; a wrapped sample is a click, a clipped one is what a converter gives. */
static double clip_round(double v, double lo, double hi)
{
    v = nearbyint(v);
    return v < lo ? lo : v > hi ? hi : v;
}

static int work(mq_block_ctx *c, void *state)
{
    double k = mq_param_f(c, P_K);
    size_t bytes;
    mq_timestamp ts;
    void *p = mq_in_writable(c, 0, &bytes);

    if (!p)
        return MQ_WORK_ERROR;
    switch (mq_block_in_type(c, 0)) {
    case MQ_ITEM_F32:
    case MQ_ITEM_C32: {
        float *f = p, kf = (float)k;
        for (size_t i = 0; i < bytes / 4; i++)
            f[i] *= kf;
        break;
    }
    case MQ_ITEM_F64: {
        double *d = p;
        for (size_t i = 0; i < bytes / 8; i++)
            d[i] *= k;
        break;
    }
    case MQ_ITEM_I16: {
        int16_t *s = p;
        for (size_t i = 0; i < bytes / 2; i++)
            s[i] = (int16_t)clip_round(s[i] * k, INT16_MIN, INT16_MAX);
        break;
    }
    default: {
        int32_t *s = p;
        for (size_t i = 0; i < bytes / 4; i++)
            s[i] = (int32_t)clip_round(s[i] * k, INT32_MIN, INT32_MAX);
    }
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "multiply_const",
    .doc = "Multiplies every item by k (in place when it holds the only reference).\n"
           "c32 items are scaled in both parts. i16 and i32 items become\n"
           "saturate(round(x * k)): rounded half to even, then clipped to the type's\n"
           "range, as GNU Radio's float_to_short converts (its multiply_const_ss takes an\n"
           "integer k and wraps on overflow).\n"
           "k is live: mqgraph set, or a cmd message {\"k\": 0.5}.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
