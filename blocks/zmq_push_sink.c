/* zmq_push_sink - sends its items to a ZeroMQ PULL peer, one message a buffer
 * (GNU Radio 3.10's zeromq.push_sink, wire-compatible: zmq_link.h). A PUSH waits at
 * its high-water mark, so a slow receiver holds the graph back and nothing is lost. */
#include "zmq_sink.h"

static const mq_param_decl params[] = {ZL_STREAM_PARAMS("true")};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    return zs_init(c, state, ZMQ_PUSH, "");
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_push_sink",
    .doc = "Sends its items to ZeroMQ PULL peers at address, one message per buffer (GNU\n"
           "Radio's zeromq.push_sink; its wire form, so a GNU Radio pull_source reads\n"
           "it). It binds the address unless bind is false. At the high-water mark hwm\n"
           "it waits: a slow receiver holds the graph back, nothing is dropped. With\n"
           "pass_tags each message starts with GNU Radio's tag header: the stream tags,\n"
           "an rx_time tag for absolute timestamps, and at the end an empty message\n"
           "saying how the stream ended, so a receiving mq graph ends by itself (a GNU\n"
           "Radio peer sees only items). Without it, the end is an empty message.\n"
           "peer_lost: what to do when the last peer goes (wait for one, end, fail).\n"
           "doc/network.md says more.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = zs_work, .fini = zs_fini,
};
MQ_BLOCK_EXPORT(decl)
