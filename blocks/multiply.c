/* multiply - the item-wise product of N inputs (GNU Radio's multiply_ff, _cc, _ss,
 * _ii): in0 * in1 * ..., complex products for c32, with GNU Radio's VOLK kernels
 * for f32 and c32. Integers wrap, as GNU Radio's do in practice (its short product
 * wraps when it is stored, its int product overflows, which C leaves undefined;
 * here that product is unsigned, where wrapping is defined). */
#include <stdint.h>
#include <volk/volk.h>

#include "nway.h"
#include "volk_setup.h"

static const mq_param_decl params[] = {NWAY_PARAMS("f32|c32|i16|i32")};
static const mq_port_decl in[] = {NWAY_PORT};
static const mq_port_decl out[] = {NWAY_OUT_PORT};

/* o = a * b for n values of type t. */
static void product(mq_item_type t, void *o, const void *a, const void *b, size_t n)
{
    switch (t) {
    case MQ_ITEM_C32:
        volk_32fc_x2_multiply_32fc(o, a, b, (unsigned)n);
        break;
    case MQ_ITEM_I16:
        for (size_t k = 0; k < n; k++)
            ((int16_t *)o)[k] = (int16_t)(((const int16_t *)a)[k] * ((const int16_t *)b)[k]);
        break;
    case MQ_ITEM_I32:
        for (size_t k = 0; k < n; k++)
            ((int32_t *)o)[k] = (int32_t)((uint32_t)((const int32_t *)a)[k] *
                                          (uint32_t)((const int32_t *)b)[k]);
        break;
    default:
        volk_32f_x2_multiply_32f(o, a, b, (unsigned)n);
    }
}

static int work(mq_block_ctx *c, void *state)
{
    return nway_work(c, product);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "multiply",
    .doc = "Multiplies its `inputs` inputs item by item: in0 * in1 * ... .\n"
           "Types f32, c32 (complex products), i16, i32 (products wrap, as GNU Radio's\n"
           "multiply_ss and _ii); an item may be a vector of `vlen` values. Inputs may\n"
           "come in buffers of different sizes. Output buffers take the timestamp of\n"
           "input 0. Finishes when any input ends.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
