/* divide - input 0 divided by the others, item by item (GNU Radio's divide_ff, _cc,
 * _ss, _ii): in0 / in1 / ..., with GNU Radio's VOLK kernels for f32 and c32, whose
 * division by zero gives IEEE infinities and NaNs.
 *
 * Integers divide as C does, truncating toward zero, each step in the item type.
 * Deliberately different from GNU Radio, where an integer division by zero (and
 * -2^31 / -1 for int) raises SIGFPE and kills the flowgraph: here x / 0 saturates
 * by the sign of x (the type's max for x > 0, its min for x < 0) and 0 / 0 is 0, the
 * limits the quotient runs to, and min / -1 wraps to min, as GNU Radio's short
 * does and as multiply's min * -1 does. */
#include <stdint.h>
#include <volk/volk.h>

#include "nway.h"
#include "volk_setup.h"

static const mq_param_decl params[] = {NWAY_PARAMS("f32|c32|i16|i32")};
static const mq_port_decl in[] = {NWAY_PORT};
static const mq_port_decl out[] = {NWAY_OUT_PORT};

/* a / b in 64 bits, where the type's min / -1 cannot overflow; the caller's
 * conversion back to the type wraps it. */
static int64_t quotient(int64_t a, int64_t b, int64_t lo, int64_t hi)
{
    if (b == 0)
        return a > 0 ? hi : a < 0 ? lo : 0;
    return a / b;
}

/* o = a / b for n values of type t. */
static void ratio(mq_item_type t, void *o, const void *a, const void *b, size_t n)
{
    switch (t) {
    case MQ_ITEM_C32:
        volk_32fc_x2_divide_32fc(o, a, b, (unsigned)n);
        break;
    case MQ_ITEM_I16:
        for (size_t k = 0; k < n; k++)
            ((int16_t *)o)[k] = (int16_t)quotient(((const int16_t *)a)[k],
                                                  ((const int16_t *)b)[k], INT16_MIN, INT16_MAX);
        break;
    case MQ_ITEM_I32:
        for (size_t k = 0; k < n; k++)
            ((int32_t *)o)[k] = (int32_t)quotient(((const int32_t *)a)[k],
                                                  ((const int32_t *)b)[k], INT32_MIN, INT32_MAX);
        break;
    default:
        volk_32f_x2_divide_32f(o, a, b, (unsigned)n);
    }
}

static int work(mq_block_ctx *c, void *state)
{
    return nway_work(c, ratio);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "divide",
    .doc = "Divides input 0 by inputs 1 .. N-1 item by item: in0 / in1 / ... .\n"
           "Types f32 and c32 (IEEE: x / 0 is an infinity or NaN, as GNU Radio's), i16\n"
           "and i32 (truncated toward zero; unlike GNU Radio, which dies of SIGFPE, x / 0\n"
           "is the type's max for x > 0, its min for x < 0, 0 for x = 0, and min / -1\n"
           "wraps to min); an item may be a vector of `vlen` values. Inputs may come in\n"
           "buffers of different sizes. Output buffers take the timestamp of input 0.\n"
           "Finishes when any input ends.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
