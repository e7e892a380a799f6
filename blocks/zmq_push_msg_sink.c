/* zmq_push_msg_sink - sends each message of its input to ZeroMQ PULL peers (GNU
 * Radio 3.10's zeromq.push_msg_sink, wire-compatible: zmq_msg.h). */
#include "zmq_msg.h"

static const mq_param_decl params[] = {ZM_PARAMS("true")};
static const mq_port_decl in[] = {{"in", MQ_ITEM_MSG, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    return zm_init(c, state, ZMQ_PUSH);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_push_msg_sink",
    .doc = "Sends each message of its input to ZeroMQ PULL peers at address, one\n"
           "ZeroMQ message a PMT in GNU Radio's serialised form (GNU Radio's\n"
           "zeromq.push_msg_sink). It binds unless bind is false. It waits for a\n"
           "peer with room, so no message is dropped.\n"
           "doc/network.md says more.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .message = zm_message, .fini = zm_fini,
};
MQ_BLOCK_EXPORT(decl)
