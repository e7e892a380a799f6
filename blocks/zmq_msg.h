/* zmq_msg.h - what the ZeroMQ message blocks share (GNU Radio 3.10's
 * zeromq.pub_msg_sink, push_msg_sink, sub_msg_source, pull_msg_source): each ZeroMQ
 * message is one PMT in GNU Radio's serialised form (pmt.h), nothing else, so mq and
 * GNU Radio message ports talk both ways. */
#ifndef MQ_BLOCKS_ZMQ_MSG_H
#define MQ_BLOCKS_ZMQ_MSG_H

#include "zmq_link.h"

/* GNU Radio's parameters, and mq's peer-lost choice is not there: a message port
 * has no end of stream to miss. bind defaults as in GNU Radio's GRC blocks. */
#define ZM_PARAMS(bind_default)                                                           \
    {"address", MQ_PARAM_STRING, NULL, 0, 0, NULL,                                        \
     "the ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH, ...", 0},                         \
    {"timeout", MQ_PARAM_INT, "100", 0, 3600000, NULL,                                    \
     "ms (GNU Radio's; mq waits in slices of 20 ms whatever it is)", 0},                  \
    {"bind", MQ_PARAM_BOOL, bind_default, 0, 0, NULL,                                     \
     "bind the address (else connect to it)", 0}
enum { ZM_P_ADDRESS, ZM_P_TIMEOUT, ZM_P_BIND };

struct zmsg {
    struct zl z;
    unsigned char *buf;
    size_t cap;
    int sink; /* its last messages get the stream sinks' linger to leave */
};

static inline int zm_init(mq_block_ctx *c, void **state, int type)
{
    struct zmsg *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    *state = s;
    s->sink = type == ZMQ_PUB || type == ZMQ_PUSH;
    return zl_open(c, &s->z, type, mq_param_s(c, ZM_P_ADDRESS), (int)mq_param_i(c, ZM_P_BIND),
                   -1);
}

/* pub and push: message m as one ZeroMQ message, once the socket can take it. */
static inline int zm_message(mq_block_ctx *c, void *state, int port, const mq_pmt *m)
{
    struct zmsg *s = state;
    int64_t n = mq_pmt_serialize(m, NULL, 0);
    (void)port;

    if (n < 0) {
        mq_block_error(c, "a message GNU Radio's wire form cannot carry: %s",
                       mq_strerror((int)n));
        return -1;
    }
    if ((size_t)n > s->cap) {
        unsigned char *b = realloc(s->buf, (size_t)n);
        if (!b) {
            mq_block_error(c, "out of memory");
            return -1;
        }
        s->buf = b, s->cap = (size_t)n;
    }
    mq_pmt_serialize(m, s->buf, s->cap);
    for (;;) {
        int r = zl_wait(c, &s->z, ZMQ_POLLOUT);
        if (r == 1)
            break;
        if (r == -1)
            return 0; /* stopping: the message goes nowhere, as in GNU Radio */
        if (r < -1)
            return -1;
        s->z.gone = 0; /* a message sink waits for the next peer */
    }
    if (zmq_send(s->z.sock, s->buf, (size_t)n, ZMQ_DONTWAIT) < 0)
        return zl_fail(c, "zmq send");
    return 0;
}

/* sub and pull: each ZeroMQ message read as one PMT and posted on output 0. One
 * that is no PMT is reported and skipped, as GNU Radio does. */
static inline int zm_work(mq_block_ctx *c, void *state)
{
    struct zmsg *s = state;
    int r;

    while ((r = zl_wait(c, &s->z, ZMQ_POLLIN)) == 0)
        s->z.gone = 0; /* a message source waits for the next peer */
    if (r == -1)
        return MQ_WORK_DONE;
    if (r < -1)
        return MQ_WORK_ERROR;
    zmq_msg_t z;
    mq_pmt *m = NULL;
    size_t used;
    zmq_msg_init(&z);
    if (zmq_msg_recv(&z, s->z.sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&z);
        return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? MQ_WORK_OK
                                                              : (zl_fail(c, "zmq recv"), -1);
    }
    int rc = mq_pmt_deserialize(zmq_msg_data(&z), zmq_msg_size(&z), &m, &used);
    if (rc == 0 && used != zmq_msg_size(&z))
        rc = MQ_EINVAL, mq_pmt_free(m), m = NULL;
    if (rc < 0)
        fprintf(stderr, "%s: a message of %zu bytes from %s is no PMT (%s); skipped\n",
                mq_block_name(c), zmq_msg_size(&z), mq_param_s(c, ZM_P_ADDRESS),
                mq_strerror(rc));
    zmq_msg_close(&z);
    rc = m ? mq_msg_post(c, 0, m) : 0;
    mq_pmt_free(m);
    return rc < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static inline void zm_fini(mq_block_ctx *c, void *state)
{
    struct zmsg *s = state;

    if (!s)
        return;
    zl_close(c, &s->z, s->sink ? ZL_LINGER_MS : 0);
    free(s->buf);
    free(s);
}

#endif
