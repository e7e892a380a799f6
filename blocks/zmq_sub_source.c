/* zmq_sub_source - receives items from a ZeroMQ PUB peer (GNU Radio 3.10's
 * zeromq.sub_source, wire-compatible: zmq_link.h), subscribed to `key`. */
#include "zmq_source.h"

enum { P_KEY = ZR_N_PARAMS };
static const mq_param_decl params[] = {
    ZL_STREAM_PARAMS("false"), ZR_PARAMS,
    [P_KEY] = {"key", MQ_PARAM_STRING, "", 0, 0, NULL,
               "the topic: messages come after a key frame that starts with it (empty: "
               "every message, no key frame)", 0},
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    const char *key = mq_param_s(c, P_KEY);
    int rc = zr_init(c, state, ZMQ_SUB, key);
    struct zsrc *s = *state;

    if (rc == 0 && zmq_setsockopt(s->z.sock, ZMQ_SUBSCRIBE, key, strlen(key)) < 0)
        rc = zl_fail(c, "zmq subscribe");
    return rc;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_sub_source",
    .doc = "Receives items from a ZeroMQ PUB peer at address (GNU Radio's\n"
           "zeromq.sub_source and its wire form), subscribed to key (with a key, each\n"
           "message comes after a key frame). It connects unless bind is true. As\n"
           "zmq_pull_source otherwise; with pass_tags the items a publisher dropped at\n"
           "its high-water mark are counted from the header's numbering and reported\n"
           "on stderr (lost N items ... in all). doc/network.md says more.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = zr_work, .fini = zr_fini,
};
MQ_BLOCK_EXPORT(decl)
