/* float_to_complex - complex items from a real and an imaginary stream (GNU Radio's
 * float_to_complex), or from a real one alone.
 *
 * GNU Radio's second input is optional; every port of an mq block is connected, so
 * the parameter `inputs` says whether there is one, and the ports are named as a
 * count parameter names them: in0 (re) and in1 (im). The two inputs may arrive in
 * buffers of different lengths: each call converts as many items as both have
 * and consumes that many, leaving the rest for the next call (as add does). */
#include <stdint.h>

#include "convert.h"
#include "volk_setup.h"

enum { P_INPUTS = CONVERT_P_VLEN + 1 };
static const mq_param_decl params[] = {
    CONVERT_VLEN,
    [P_INPUTS] = {"inputs", MQ_PARAM_INT, "2", 1, 2, NULL,
                  "1: in0 is the real part, the imaginary part is 0; 2: in1 is it", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, "vlen"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, "vlen"}};

static int work(mq_block_ctx *c, void *state)
{
    int two = mq_block_n_inputs(c) == 2;
    size_t n_re, n_im = SIZE_MAX, vlen = mq_block_in_vlen(c, 0);
    const float *re = mq_in_items(c, 0, &n_re), *im = two ? mq_in_items(c, 1, &n_im) : NULL;
    size_t n = n_im < n_re ? n_im : n_re;
    mq_timestamp in_ts, ts;
    lv_32fc_t *o;

    if (!re || (two && !im))
        return MQ_WORK_ERROR;
    mq_in_timestamp(c, 0, &in_ts); /* of in0's first item, before the consume moves it */
    mq_ts_items(&in_ts, n_re, 0, 1, n, &ts);
    if (two && (mq_in_consume_items(c, 0, n) < 0 || mq_in_consume_items(c, 1, n) < 0))
        return MQ_WORK_ERROR;
    if (n == 0)
        return MQ_WORK_OK; /* an empty buffer on some input: it goes, nothing comes out */
    if (!(o = mq_out_alloc_items(c, 0, n)))
        return MQ_WORK_ERROR;
    if (two)
        volk_32f_x2_interleave_32fc(o, re, im, (unsigned)(n * vlen));
    else
        for (size_t j = 0; j < n * vlen; j++)
            o[j] = re[j]; /* a real number as a complex one: imaginary part +0 */
    return mq_out_push_items(c, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "float_to_complex",
    .doc = "Makes complex elements of a real part (in0) and an imaginary part (in1).\n"
           "By VOLK's volk_32f_x2_interleave_32fc, as GNU Radio. With inputs: 1 there is\n"
           "no in1 and the imaginary part is 0 (GNU Radio's im input is optional).\n"
           "The inputs may come in buffers of different sizes; an output buffer has\n"
           "the timestamp of in0's first item in it (1:1).\n"
           CONVERT_DOC_VLEN,
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
