/* conjugate - the complex conjugate of every c32 item (GNU Radio's conjugate_cc, with
 * its VOLK kernel), in place when the block holds the only reference to the
 * buffer. */
#include <volk/volk.h>

#include "block.h"
#include "volk_setup.h"

static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    size_t n;
    mq_timestamp ts;
    lv_32fc_t *x = mq_in_writable_items(c, 0, &n);

    if (!x)
        return MQ_WORK_ERROR;
    volk_32fc_conjugate_32fc(x, x, (unsigned)n);
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "conjugate",
    .doc = "Conjugates every c32 item: re + j im becomes re - j im.\n"
           "In place when it holds the only reference to the buffer. Output buffers\n"
           "take the input's timestamp.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    .work = work,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
