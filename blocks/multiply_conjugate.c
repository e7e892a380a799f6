/* multiply_conjugate - in0 times the complex conjugate of in1, item by item (GNU
 * Radio's multiply_conjugate_cc, with its VOLK kernel): the product that mixes two
 * signals down by their difference, or measures their phase difference. */
#include <volk/volk.h>

#include "nway.h"
#include "volk_setup.h"

enum { P_VLEN };
static const mq_param_decl params[] = {
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "values per item (a vector)",
                0},
};
static const mq_port_decl in[] = {{"in0", MQ_ITEM_C32, NULL, "vlen"},
                                  {"in1", MQ_ITEM_C32, NULL, "vlen"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, "vlen"}};

/* o = a conj(b) for n complex values. */
static void conj_product(mq_item_type t, void *o, const void *a, const void *b, size_t n)
{
    volk_32fc_x2_multiply_conjugate_32fc(o, a, b, (unsigned)n);
}

static int work(mq_block_ctx *c, void *state)
{
    return nway_work(c, conj_product);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "multiply_conjugate",
    .doc = "Multiplies c32 input in0 by the complex conjugate of in1, item by item.\n"
           "out = in0 * conj(in1); an item may be a vector of `vlen` values. The inputs\n"
           "may come in buffers of different sizes. Output buffers take the timestamp\n"
           "of in0. Finishes when either input ends.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
