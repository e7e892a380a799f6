/* add - the item-wise sum of N inputs (GNU Radio's add_ff, _cc, _ss, _ii). Inputs may
 * arrive in buffers of different lengths: nway.h aligns them. Integers wrap, as
 * GNU Radio's do in practice (its int sum overflows, which C leaves undefined; here
 * the sum is unsigned, where wrapping is defined). */
#include <stdint.h>
#include <volk/volk.h>

#include "nway.h"
#include "volk_setup.h"

static const mq_param_decl params[] = {NWAY_PARAMS("f32|c32|f64|i16|i32")};
static const mq_port_decl in[] = {NWAY_PORT};
static const mq_port_decl out[] = {NWAY_OUT_PORT};

/* o = a + b for n values of type t. */
static void sum(mq_item_type t, void *o, const void *a, const void *b, size_t n)
{
    switch (t) {
    case MQ_ITEM_F64:
        for (size_t k = 0; k < n; k++)
            ((double *)o)[k] = ((const double *)a)[k] + ((const double *)b)[k];
        break;
    case MQ_ITEM_I16:
        for (size_t k = 0; k < n; k++)
            ((int16_t *)o)[k] = (int16_t)(((const int16_t *)a)[k] + ((const int16_t *)b)[k]);
        break;
    case MQ_ITEM_I32:
        for (size_t k = 0; k < n; k++)
            ((int32_t *)o)[k] = (int32_t)((uint32_t)((const int32_t *)a)[k] +
                                          (uint32_t)((const int32_t *)b)[k]);
        break;
    default: /* f32, and c32 part by part: GNU Radio's kernel */
        n *= t == MQ_ITEM_C32 ? 2 : 1;
        volk_32f_x2_add_32f(o, a, b, (unsigned)n);
    }
}

static int work(mq_block_ctx *c, void *state)
{
    return nway_work(c, sum);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "add",
    .doc = "Sums its `inputs` inputs item by item (integers wrap).\n"
           "Types f32, c32, f64, i16, i32; an item may be a vector of `vlen` values.\n"
           "Inputs may come in buffers of different sizes. Output buffers take the\n"
           "timestamp of input 0. Finishes when any input ends.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
