/* zmq_sub_msg_source - posts each message from ZeroMQ PUB peers on its output
 * (GNU Radio 3.10's zeromq.sub_msg_source, wire-compatible: zmq_msg.h). */
#include "zmq_msg.h"

static const mq_param_decl params[] = {ZM_PARAMS("false")};
static const mq_port_decl out[] = {{"out", MQ_ITEM_MSG, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    int rc = zm_init(c, state, ZMQ_SUB);
    struct zmsg *s = *state;

    if (rc == 0 && zmq_setsockopt(s->z.sock, ZMQ_SUBSCRIBE, "", 0) < 0)
        rc = zl_fail(c, "zmq subscribe"); /* everything, as GNU Radio's */
    return rc;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_sub_msg_source",
    .doc = "Posts each message from ZeroMQ PUB peers at address on its output, one\n"
           "ZeroMQ message a PMT in GNU Radio's serialised form (GNU Radio's\n"
           "zeromq.sub_msg_source). It connects unless bind is true. A message\n"
           "that is no PMT is reported on stderr and skipped. It runs until the graph\n"
           "stops. doc/network.md says more.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = zm_work, .fini = zm_fini,
};
MQ_BLOCK_EXPORT(decl)
