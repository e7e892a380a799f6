/* complex_to_float - complex items split into their real and imaginary parts
 * (GNU Radio's complex_to_float), on two outputs.
 *
 * GNU Radio's second output is optional; mq refuses an unconnected output (the
 * data would go nowhere), so both are required here, and a graph that wants one
 * part uses complex_to_real or complex_to_imag. */
#include "convert.h"
#include "volk_setup.h"

static const mq_param_decl params[] = {CONVERT_VLEN};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, NULL, "vlen"}};
static const mq_port_decl out[] = {{"re", MQ_ITEM_F32, NULL, "vlen"},
                                   {"im", MQ_ITEM_F32, NULL, "vlen"}};

static int work(mq_block_ctx *c, void *state)
{
    size_t n;
    const lv_32fc_t *x = mq_in_items(c, 0, &n);
    mq_timestamp ts;
    float *re, *im;

    if (!x)
        return MQ_WORK_ERROR;
    if (n == 0)
        return MQ_WORK_OK;
    if (!(re = mq_out_alloc_items(c, 0, n)) || !(im = mq_out_alloc_items(c, 1, n)))
        return MQ_WORK_ERROR;
    volk_32fc_deinterleave_32f_x2(re, im, x, (unsigned)(n * mq_block_in_vlen(c, 0)));
    mq_in_timestamp(c, 0, &ts);
    if (mq_out_push_items(c, 0, n, &ts) < 0 || mq_out_push_items(c, 1, n, &ts) < 0)
        return MQ_WORK_ERROR;
    return MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "complex_to_float",
    .doc = "Splits each complex element into its real part (re) and imaginary part (im).\n"
           "By VOLK's volk_32fc_deinterleave_32f_x2, as GNU Radio.\n"
           "Both outputs must be connected (GNU Radio's im is optional; mq refuses an\n"
           "unconnected output): for one part, use complex_to_real or complex_to_imag.\n"
           CONVERT_DOC_VLEN CONVERT_DOC_1TO1,
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
