/* zmq_req_source - asks a ZeroMQ REP peer for items and sends them on (GNU Radio
 * 3.10's zeromq.req_source, wire-compatible: zmq_link.h): a request, a u32 in host
 * order, asks for as many items as the largest buffer holds. */
#include "zmq_source.h"

static const mq_param_decl params[] = {ZL_STREAM_PARAMS("false"), ZR_PARAMS};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    static const int on = 1;
    int rc = zr_init(c, state, ZMQ_REQ, "");
    struct zsrc *s = *state;

    /* A peer that died with a request unanswered: ask again once it is back. */
    if (rc == 0 && (zmq_setsockopt(s->z.sock, ZMQ_REQ_RELAXED, &on, sizeof on) < 0 ||
                    zmq_setsockopt(s->z.sock, ZMQ_REQ_CORRELATE, &on, sizeof on) < 0))
        rc = zl_fail(c, "zmq req options");
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct zsrc *s = state;

    for (;;) {
        if (!s->req_pending) {
            uint32_t n = s->max_items > UINT32_MAX ? UINT32_MAX : (uint32_t)s->max_items;
            if (zmq_send(s->z.sock, &n, sizeof n, 0) < 0)
                return zl_fail(c, "zmq send"), MQ_WORK_ERROR;
            s->req_pending = 1;
        }
        int r = zl_wait(c, &s->z, ZMQ_POLLIN);
        if (r == 1) {
            int rc = zr_receive(c, s);
            s->req_pending = rc == ZR_NOTHING;
            return rc == ZR_NOTHING ? MQ_WORK_OK : rc;
        }
        if (r == -1)
            return MQ_WORK_DONE;
        if (r < -1)
            return MQ_WORK_ERROR;
        int p = zl_peer_gone(c, &s->z, s->policy, s->got, "received");
        if (p != ZL_LOST_WAIT)
            return p == ZL_LOST_END ? MQ_WORK_DONE : MQ_WORK_ERROR;
        s->req_pending = 0; /* the request died with the peer: ask the next one */
    }
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_req_source",
    .doc = "Asks a ZeroMQ REP peer at address for items and sends them on (GNU Radio's\n"
           "zeromq.req_source and its wire form: a GNU Radio rep_sink or an mq\n"
           "zmq_rep_sink). Each request asks for what the largest buffer holds. It\n"
           "connects unless bind is true. The answers are read as zmq_pull_source\n"
           "reads messages (pass_tags, rx_time, end of stream, peer_lost).\n"
           "doc/network.md says more.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = zr_fini,
};
MQ_BLOCK_EXPORT(decl)
