/* multiply_const - multiplies every item by a constant k (GNU Radio's
 * multiply_const_ff, _cc, _ss, _ii). Works in place when it holds the only reference
 * to the buffer, so a chain of them copies nothing. k is complex: c32 items are
 * multiplied by it as complex numbers (GNU Radio's multiply_const_cc, with its VOLK
 * kernel); the real types take a real k only (const_k.h). Integer items become
 * saturate(round(x k)), rounding half to even: k is real, not an integer, so a
 * product can fall between integers or outside the type, and a plain cast of such a
 * double is undefined behaviour. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <volk/volk.h>

#include "const_k.h"
#include "volk_setup.h"

enum { P_K, P_TYPE };
static const mq_param_decl params[] = {
    [P_K] = CONST_K_PARAM("the factor (complex for c32: 0.5+0.5j)"),
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

static int check(mq_block_ctx *c)
{
    return const_k_check(c, P_K, P_TYPE);
}

static int work(mq_block_ctx *c, void *state)
{
    _Complex double kc = mq_param_c(c, P_K);
    double k = creal(kc);
    mq_item_type t = mq_block_in_type(c, 0);
    size_t n;
    mq_timestamp ts;
    void *p = mq_in_writable_items(c, 0, &n);

    if (!p)
        return MQ_WORK_ERROR;
    if (t == MQ_ITEM_C32 && cimag(kc) != 0) {
        volk_32fc_s32fc_multiply_32fc(p, p, (lv_32fc_t)kc, (unsigned)n);
    } else if (t == MQ_ITEM_F32 || t == MQ_ITEM_C32) {
        /* GNU Radio's multiply_const_ff kernel; a real k scales both parts of c32
         * with it (the same products as a complex k with a zero imaginary part
         * gives, at a third of the cost: bench/bench_kernels) */
        size_t m = t == MQ_ITEM_C32 ? 2 * n : n;
        volk_32f_s32f_multiply_32f(p, p, (float)k, (unsigned)m);
    } else if (t == MQ_ITEM_F64) {
        double *d = p;
        for (size_t i = 0; i < n; i++)
            d[i] *= k;
    } else if (t == MQ_ITEM_I16) {
        int16_t *s = p;
        for (size_t i = 0; i < n; i++)
            s[i] = (int16_t)clip_round(s[i] * k, INT16_MIN, INT16_MAX);
    } else {
        int32_t *s = p;
        for (size_t i = 0; i < n; i++)
            s[i] = (int32_t)clip_round(s[i] * k, INT32_MIN, INT32_MAX);
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "multiply_const",
    .doc = "Multiplies every item by k (in place when it holds the only reference).\n"
           "k is complex (0.5, 0.5+0.5j, -2j): c32 items are multiplied by it as complex\n"
           "numbers, as GNU Radio's multiply_const_cc; f32, f64, i16 and i32 take a real\n"
           "k only. i16 and i32 items become saturate(round(x * k)): rounded half to\n"
           "even, then clipped to the type's range, as GNU Radio's float_to_short\n"
           "converts (its multiply_const_ss takes an integer k and wraps on overflow).\n"
           "Output buffers take the input's timestamp. k is live: mqgraph set, or a cmd\n"
           "message {\"k\": 0.5}.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work, .check = check,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
