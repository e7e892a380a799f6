/* add_const - adds a constant k to every item (GNU Radio's add_const_ff / _cc /
 * _ss / _ii). Works in place when it holds the only reference. k is real: for c32
 * it is added to the real part (k + 0j, as add_const_cc with a real k). Integer
 * items get k rounded to the nearest integer, and sums beyond the type's range
 * saturate at its ends (GNU Radio's short and int versions wrap: mq keeps the
 * sign of an overflow rather than flipping it). */
#include <math.h>
#include <stdint.h>

#include "block.h"

enum { P_K, P_TYPE };
static const mq_param_decl params[] = {
    [P_K] = {"k", MQ_PARAM_FLOAT, NULL, -1e30, 1e30, NULL, "the constant (real)", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static double clamp(double v, double lo, double hi)
{
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
    case MQ_ITEM_F32: {
        float *f = p, kf = (float)k;
        for (size_t i = 0; i < bytes / 4; i++)
            f[i] += kf;
        break;
    }
    case MQ_ITEM_C32: {
        float *f = p, kf = (float)k;
        for (size_t i = 0; i < bytes / 8; i++)
            f[2 * i] += kf;
        break;
    }
    case MQ_ITEM_F64: {
        double *d = p;
        for (size_t i = 0; i < bytes / 8; i++)
            d[i] += k;
        break;
    }
    case MQ_ITEM_I16: {
        int16_t *s = p;
        double kr = nearbyint(k);
        for (size_t i = 0; i < bytes / 2; i++)
            s[i] = (int16_t)clamp(s[i] + kr, INT16_MIN, INT16_MAX);
        break;
    }
    default: {
        int32_t *s = p;
        double kr = nearbyint(k);
        for (size_t i = 0; i < bytes / 4; i++)
            s[i] = (int32_t)clamp(s[i] + kr, INT32_MIN, INT32_MAX);
    }
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "add_const",
    .doc = "Adds k to every item (in place when it holds the only reference). c32: k is\n"
           "added to the real part. Integers: k rounded, sums saturate at the type's\n"
           "range. k is live: mqgraph set, or a cmd message {\"k\": 1.5}.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
