/* zmq_pull_source - receives items from ZeroMQ PUSH peers (GNU Radio 3.10's
 * zeromq.pull_source, wire-compatible: zmq_link.h), and ends by itself on an mq
 * sender's end of stream. */
#include "zmq_source.h"

static const mq_param_decl params[] = {ZL_STREAM_PARAMS("false"), ZR_PARAMS};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    return zr_init(c, state, ZMQ_PULL, "");
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_pull_source",
    .doc = "Receives items from ZeroMQ PUSH peers at address (GNU Radio's\n"
           "zeromq.pull_source and its wire form: a GNU Radio push_sink or an mq\n"
           "zmq_push_sink). It connects unless bind is true. Each message goes on as\n"
           "one buffer (several if it is larger than a buffer). An empty message, an\n"
           "mq sender's end of stream, ends it. With pass_tags it reads GNU Radio's tag\n"
           "header: tags go on as stream tags, an rx_time stamps the buffer it starts\n"
           "(absolute, and the next ones at sample_rate if it is set), a jump in the\n"
           "sender's item numbering is reported as items lost, and a sending mq graph\n"
           "that failed fails this one. peer_lost: what to do when the last peer goes\n"
           "without end of stream (wait for one, end, fail); it is reported on stderr.\n"
           "Buffers without an rx_time are stamped as the timestamps parameter says.\n"
           "doc/network.md says more.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = zr_work, .fini = zr_fini,
};
MQ_BLOCK_EXPORT(decl)
