/* zmq_rep_sink - answers ZeroMQ REQ peers' requests with its items (GNU Radio 3.10's
 * zeromq.rep_sink, wire-compatible: zmq_link.h): each request, a u32 in host order,
 * gets at most that many items, from one input buffer. */
#include "zmq_sink.h"

static const mq_param_decl params[] = {ZL_STREAM_PARAMS("true")};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    return zs_init(c, state, ZMQ_REP, "");
}

/* Waits for a request and reads it: the most items it asks for (a request shorter
 * than a u32 asks for any number, as in GNU Radio). 0, or what zs_wait says: the
 * work call's result. */
static int next_request(mq_block_ctx *c, struct zsink *s, size_t *want)
{
    unsigned char req[8];
    int r = zs_wait(c, s, ZMQ_POLLIN);

    if (r != 0)
        return r;
    int len = zmq_recv(s->z.sock, req, sizeof req, ZMQ_DONTWAIT);
    if (len < 0)
        return zl_fail(c, "zmq recv");
    *want = SIZE_MAX;
    if (len >= 4) {
        uint32_t n;
        memcpy(&n, req, 4);
        *want = n;
    }
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct zsink *s = state;
    size_t n, want;
    const unsigned char *d = mq_in_items(c, 0, &n);
    zmq_msg_t m;

    if (!n)
        return MQ_WORK_OK;
    int r = next_request(c, s, &want);
    if (r != 0)
        return r < 0 ? MQ_WORK_ERROR : r;
    size_t k = want < n ? want : n;
    if (zs_msg_items(c, s, d, k, &m) < 0)
        return MQ_WORK_ERROR;
    int rc = zs_msg_send(c, s, &m); /* a REP that has a request can answer it */
    if (rc < 0)
        zmq_msg_close(&m);
    if (rc == MQ_EAGAIN)
        mq_block_error(c, "zmq send: %s", zmq_strerror(EAGAIN));
    if (rc < 0)
        return MQ_WORK_ERROR;
    return k < n && mq_in_consume_items(c, 0, k) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

/* The end of stream is the answer to the next request. */
static void fini(mq_block_ctx *c, void *state)
{
    struct zsink *s = state;
    size_t want;

    if (!s)
        return;
    if (s->z.sock && !mq_block_stopping(c) && next_request(c, s, &want) == 0)
        zs_end(c, s, 0);
    zs_free(c, s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "zmq_rep_sink",
    .doc = "Answers ZeroMQ REQ peers at address with its items (GNU Radio's\n"
           "zeromq.rep_sink and its wire form): each request (a u32, the most items\n"
           "the requester takes) gets that many at most, from one input buffer. It\n"
           "binds unless bind is false. With pass_tags, tags and rx_time go as with\n"
           "zmq_push_sink; at the end the next request is answered with the end of\n"
           "stream, so an mq zmq_req_source ends by itself. doc/network.md says more.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
