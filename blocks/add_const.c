/* add_const - adds a constant k to every item (GNU Radio's add_const_ff / _cc /
 * _ss / _ii). Works in place when it holds the only reference. k is complex: c32
 * items get both its parts, as GNU Radio's add_const_cc adds its gr_complex k; the
 * real types take a real k only (const_k.h). Integer items get k rounded to the
 * nearest integer, and sums beyond the type's range saturate at its ends (GNU
 * Radio's short and int versions wrap: mq keeps the sign of an overflow rather
 * than flipping it). */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <volk/volk.h>

#include "const_k.h"
#include "volk_setup.h"

enum { P_K, P_TYPE };
static const mq_param_decl params[] = {
    [P_K] = CONST_K_PARAM("the constant (complex for c32: 0.5+0.5j)"),
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64|i16|i32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static double clamp(double v, double lo, double hi)
{
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
    size_t n;
    mq_timestamp ts;
    void *p = mq_in_writable_items(c, 0, &n);

    if (!p)
        return MQ_WORK_ERROR;
    switch (mq_block_in_type(c, 0)) {
    case MQ_ITEM_F32: {
        /* VOLK's kernel; GNU Radio's add_const_ff adds a vector of copies of k
         * with volk_32f_x2_add_32f, the same sums */
        volk_32f_s32f_add_32f(p, p, (float)k, (unsigned)n);
        break;
    }
    case MQ_ITEM_C32: {
        /* A real k leaves the imaginary parts as they are (-0 stays -0). */
        float *f = p, kr = (float)k, ki = (float)cimag(kc);
        for (size_t i = 0; i < n; i++)
            f[2 * i] += kr;
        for (size_t i = 0; ki != 0 && i < n; i++)
            f[2 * i + 1] += ki;
        break;
    }
    case MQ_ITEM_F64: {
        double *d = p;
        for (size_t i = 0; i < n; i++)
            d[i] += k;
        break;
    }
    case MQ_ITEM_I16: {
        int16_t *s = p;
        double kr = nearbyint(k);
        for (size_t i = 0; i < n; i++)
            s[i] = (int16_t)clamp(s[i] + kr, INT16_MIN, INT16_MAX);
        break;
    }
    default: {
        int32_t *s = p;
        double kr = nearbyint(k);
        for (size_t i = 0; i < n; i++)
            s[i] = (int32_t)clamp(s[i] + kr, INT32_MIN, INT32_MAX);
    }
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "add_const",
    .doc = "Adds k to every item (in place when it holds the only reference).\n"
           "k is complex (0.5, 0.5+0.5j, -2j): c32 items get both its parts, as GNU\n"
           "Radio's add_const_cc; f32, f64, i16 and i32 take a real k only. Integers: k\n"
           "rounded, sums saturate at the type's range. Output buffers take the input's\n"
           "timestamp. k is live: mqgraph set, or a cmd message {\"k\": 1.5}.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work, .check = check,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
