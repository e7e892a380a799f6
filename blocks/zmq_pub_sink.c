/* zmq_pub_sink - publishes its items to ZeroMQ SUB peers, one message a buffer (GNU
 * Radio 3.10's zeromq.pub_sink, wire-compatible: zmq_link.h). A PUB drops what a
 * slow subscriber cannot take (drop_on_hwm); with pass_tags the subscriber counts
 * what it lost, where GNU Radio's loss is silent. */
#include "zmq_sink.h"

enum { P_KEY = ZL_N_PARAMS, P_DROP };
static const mq_param_decl params[] = {
    ZL_STREAM_PARAMS("true"),
    [P_KEY] = {"key", MQ_PARAM_STRING, "", 0, 0, NULL,
               "a topic sent as a frame before each message (empty: none)", 0},
    [P_DROP] = {"drop_on_hwm", MQ_PARAM_BOOL, "true", 0, 0, NULL,
                "drop at the high-water mark (false: wait, as a PUSH does)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    int rc = zs_init(c, state, ZMQ_PUB, mq_param_s(c, P_KEY));
    struct zsink *s = *state;
    int nodrop = !mq_param_i(c, P_DROP);

    if (rc == 0 && zmq_setsockopt(s->z.sock, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop) < 0)
        rc = zl_fail(c, "zmq xpub_nodrop");
    return rc;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_pub_sink",
    .doc = "Publishes its items to ZeroMQ SUB peers at address, one message per buffer\n"
           "(GNU Radio's zeromq.pub_sink and its wire form). key, if set, goes as a\n"
           "frame before each message (a topic). At the high-water mark a subscriber's\n"
           "messages are dropped (drop_on_hwm, the default) or the sink waits. With\n"
           "pass_tags, the tag header numbers the items, so an mq zmq_sub_source counts\n"
           "and reports what it lost; tags, rx_time and the end of stream go as with\n"
           "zmq_push_sink. A subscriber that connects late misses what went before, as\n"
           "with any PUB. doc/network.md says more.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = zs_work, .fini = zs_fini,
};
MQ_BLOCK_EXPORT(decl)
