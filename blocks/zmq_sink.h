/* zmq_sink.h - what zmq_push_sink, zmq_pub_sink and zmq_rep_sink share: turning the
 * current input items into a message of gr-zeromq's form (zmq_link.h), with the tag
 * header when pass_tags asks, and the end of stream at the end.
 *
 * Each message is one input buffer's items (or, for rep, as many as a request
 * asks), copied once into a ZeroMQ message: libzmq owns what it queues, and an
 * arena buffer must not outlive the process that holds its reference. */
#ifndef MQ_BLOCKS_ZMQ_SINK_H
#define MQ_BLOCKS_ZMQ_SINK_H

#include "zmq_link.h"

struct zsink {
    struct zl z;
    int pass_tags, policy;
    size_t isz;
    const char *key; /* pub: the key frame before each message, "" for none */
    struct zl_bytes hdr;
    mq_pmt *rx_key, *ts_srcid;
    double rate_sent; /* the last rx_rate sent */
    int type;         /* ZMQ_PUSH, ZMQ_PUB, ZMQ_REP */
    uint64_t sends;
    int linger;       /* the close's: ZL_LINGER_MS, 0 once nothing of worth waits */
};

static inline int zs_init(mq_block_ctx *c, void **state, int type, const char *key)
{
    struct zsink *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    *state = s;
    s->pass_tags = (int)mq_param_i(c, ZL_P_PASS_TAGS);
    s->policy = mq_param_choice(c, ZL_P_PEER_LOST);
    s->isz = mq_block_in_item_size(c, 0);
    s->key = key;
    s->type = type;
    s->linger = ZL_LINGER_MS;
    if (!(s->rx_key = mq_pmt_symbol("rx_time")) || !(s->ts_srcid = mq_pmt_symbol(ZL_TS_SRCID))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return zl_open(c, &s->z, type, mq_param_s(c, ZL_P_ADDRESS), (int)mq_param_i(c, ZL_P_BIND),
                   (int)mq_param_i(c, ZL_P_HWM));
}

/* A buffer's item rate from its time range, 0 if it has none. */
static inline double zs_rate(const mq_timestamp *ts, size_t n)
{
    if (!(ts->flags & MQ_TS_HAS_RANGE) || n < 2 || ts->end <= ts->start)
        return 0;
    return (double)(n - 1) * 1e9 / (double)(ts->end - ts->start);
}

/* The tag header for items [start, start + n) of the input: the tags on them, and
 * for a buffer with an absolute timestamp an rx_time on the first (unless it has
 * one there already) and an rx_rate when its range gives a rate not sent before. */
static inline int zs_header(mq_block_ctx *c, struct zsink *s, uint64_t start, size_t n)
{
    const mq_tag *t = NULL;
    mq_timestamp ts;
    int k = n ? mq_in_tags(c, 0, start, start + n, &t) : 0, stamp = 0;
    double rate = 0;

    if (k < 0)
        return k;
    if (n && mq_in_timestamp(c, 0, &ts) == 0 && ts.type == MQ_TS_ABSOLUTE) {
        stamp = 1;
        for (int i = 0; i < k && stamp; i++)
            stamp = !(t[i].offset == start && zl_is_symbol(t[i].key, "rx_time"));
        if ((rate = zs_rate(&ts, n)) == s->rate_sent)
            rate = 0;
    }
    int rc = zl_header_begin(&s->hdr, start, (uint64_t)k + (uint64_t)stamp + (rate > 0));
    if (rc == 0 && stamp) {
        mq_pmt *v = zl_rx_time(ts.value);
        rc = v ? zl_header_tag(&s->hdr, start, s->rx_key, v, s->ts_srcid) : MQ_ENOMEM;
        mq_pmt_free(v);
    }
    if (rc == 0 && rate > 0) {
        mq_pmt *key = mq_pmt_symbol("rx_rate"), *v = mq_pmt_double(rate);
        rc = key && v ? zl_header_tag(&s->hdr, start, key, v, s->ts_srcid) : MQ_ENOMEM;
        mq_pmt_free(key);
        mq_pmt_free(v);
        s->rate_sent = rate;
    }
    for (int i = 0; i < k && rc == 0; i++)
        rc = zl_header_tag(&s->hdr, t[i].offset, t[i].key, t[i].value, t[i].srcid);
    return rc;
}

/* One message: the header in s->hdr when pass_tags, then `n` items from d. */
static inline int zs_msg_make(mq_block_ctx *c, struct zsink *s, const void *d, size_t n,
                              zmq_msg_t *m)
{
    size_t h = s->pass_tags ? s->hdr.len : 0, bytes = n * s->isz;

    if (zmq_msg_init_size(m, h + bytes) < 0)
        return zl_fail(c, "zmq message");
    if (h)
        memcpy(zmq_msg_data(m), s->hdr.p, h);
    if (bytes)
        memcpy((unsigned char *)zmq_msg_data(m) + h, d, bytes);
    return 0;
}

/* Sends the key frame (pub) and message m, which it takes, without waiting:
 * MQ_EAGAIN (no error recorded) if the socket cannot take it now, and m is left
 * as it was, to be sent again. (Only the first frame can be refused so, which a
 * key makes the key's: the message never goes without its key.) */
static inline int zs_msg_send(mq_block_ctx *c, struct zsink *s, zmq_msg_t *m)
{
    if (*s->key && zmq_send(s->z.sock, s->key, strlen(s->key), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno() == EAGAIN ? MQ_EAGAIN : zl_fail(c, "zmq send");
    if (zmq_msg_send(m, s->z.sock, ZMQ_DONTWAIT) < 0)
        return zmq_errno() == EAGAIN ? MQ_EAGAIN : zl_fail(c, "zmq send");
    return 0;
}

/* zs_msg_make and zs_msg_send at once: a stopping graph's end of stream is queued
 * or given up at once (MQ_EAGAIN). */
static inline int zs_send(mq_block_ctx *c, struct zsink *s, const void *d, size_t n)
{
    zmq_msg_t m;
    int rc = zs_msg_make(c, s, d, n, &m);

    if (rc == 0 && (rc = zs_msg_send(c, s, &m)) < 0)
        zmq_msg_close(&m);
    return rc;
}

/* Items [0, n) of the current input buffer as message m: the tag header, then the
 * items. */
static inline int zs_msg_items(mq_block_ctx *c, struct zsink *s, const unsigned char *d,
                               size_t n, zmq_msg_t *m)
{
    if (s->pass_tags && zs_header(c, s, mq_in_nitems_read(c, 0), n) < 0) {
        mq_block_error(c, "cannot make the tag header: %s", mq_strerror(MQ_ENOMEM));
        return -1;
    }
    return zs_msg_make(c, s, d, n, m);
}

/* zl_wait_peer for a sink: 0 ready, else the work call's result. */
static inline int zs_wait(mq_block_ctx *c, struct zsink *s, short events)
{
    return zl_wait_peer(c, &s->z, events, s->policy, mq_in_nitems_read(c, 0), "sent");
}

/* push and pub: each input buffer goes as one message, once the socket can take it
 * (a PUSH waits at its high-water mark; a PUB with drop_on_hwm never waits). It
 * is tried first and waited for only when it cannot go: a zmq_poll per message
 * cost a third of the link's rate. The message is made once, however often it
 * must wait. The peers' comings and goings are read every ZL_EVENTS_EVERY
 * messages meanwhile, so the monitor's queue never fills. */
static inline int zs_work(mq_block_ctx *c, void *state)
{
    struct zsink *s = state;
    size_t n;
    const unsigned char *d = mq_in_items(c, 0, &n);
    zmq_msg_t m;
    int rc;

    if (!n)
        return MQ_WORK_OK;
    if (++s->sends % ZL_EVENTS_EVERY == 0)
        zl_events(&s->z);
    if (zs_msg_items(c, s, d, n, &m) < 0)
        return MQ_WORK_ERROR;
    while ((rc = zs_msg_send(c, s, &m)) == MQ_EAGAIN && (rc = zs_wait(c, s, ZMQ_POLLOUT)) == 0)
        ;
    if (rc != 0) /* failed, or the block ends while it waited: m was not sent */
        zmq_msg_close(&m);
    return rc < 0 ? MQ_WORK_ERROR : rc;
}

/* The end of stream (zmq_link.h): a message with no items; with pass_tags, its
 * header's tag says how the stream ended and how many items it had. */
static inline int zs_send_end(mq_block_ctx *c, struct zsink *s)
{
    uint64_t items = mq_in_nitems_read(c, 0);
    int failed = mq_block_graph_failed(c), rc = 0;

    if (s->pass_tags) {
        mq_pmt *k = mq_pmt_symbol(ZL_END_KEY), *v = mq_pmt_dict();
        rc = k && v ? 0 : MQ_ENOMEM;
        if (rc == 0)
            rc = mq_pmt_dict_set(v, mq_pmt_symbol("status"),
                                 mq_pmt_symbol(failed ? "failed" : "done"));
        if (rc == 0)
            rc = mq_pmt_dict_set(v, mq_pmt_symbol("items"), mq_pmt_uint64(items));
        if (rc == 0 && (rc = zl_header_begin(&s->hdr, items, 1)) == 0)
            rc = zl_header_tag(&s->hdr, items, k, v, NULL);
        mq_pmt_free(k);
        mq_pmt_free(v);
    } else if (failed) {
        return 0; /* no way to say so: the receiver sees its peer go */
    }
    if (rc < 0)
        return rc;
    return zs_send(c, s, NULL, 0);
}

static inline void zs_free(mq_block_ctx *c, struct zsink *s)
{
    if (zl_close(c, &s->z, s->linger))
        fprintf(stderr, "%s: the peer on %s had not taken every message after %d s; the "
                "rest is lost\n", mq_block_name(c), mq_param_s(c, ZL_P_ADDRESS),
                ZL_LINGER_MS / 1000);
    mq_pmt_free(s->rx_key);
    mq_pmt_free(s->ts_srcid);
    free(s->hdr.p);
    free(s);
}

/* The end of stream, and then the socket held open until every peer has taken it
 * and gone (an mq receiver leaves at it), for up to ZL_LINGER_MS: libzmq's linger
 * does not keep what its connection had taken from the queue but not yet written
 * (seen here, with a slow PULL: the last message and the end were lost by a PUSH
 * that lingered 3 s, and arrived from one that waited before closing). A GNU
 * Radio receiver stays, so a graph that sends to one ends up to ZL_LINGER_MS
 * later. A PUB's end may be dropped like any of its messages, by its own queue at
 * the high-water mark and by a subscriber's (libzmq's SUB drops at its hwm too),
 * so it is sent without dropping at this end (XPUB_NODROP: the send fails while a
 * queue is full) and again every ZL_WAIT_MS (`again`); the copies are messages of
 * no items, which GNU Radio's sub_source passes over. Once the peers have gone the
 * close lingers no more: what is left is copies. */
static inline int zs_end(mq_block_ctx *c, struct zsink *s, int again)
{
    static const int on = 1;
    int64_t until = mq_block_now_ns() + (int64_t)ZL_LINGER_MS * 1000000;
    int sent = 0;

    if (s->type == ZMQ_PUB)
        zmq_setsockopt(s->z.sock, ZMQ_XPUB_NODROP, &on, sizeof on);
    for (;;) {
        if (!sent || again) {
            int rc = zs_send_end(c, s);
            if (rc < 0 && rc != MQ_EAGAIN)
                return rc;
            sent |= rc == 0;
        }
        zl_events(&s->z);
        /* (With no peer ever, what is queued waits for one: the linger's.) */
        if (sent && s->z.had_peer && s->z.peers == 0) {
            s->linger = 0;
            return 0;
        }
        if (mq_block_now_ns() >= until ||
            mq_block_sleep_until(c, mq_block_now_ns() + ZL_WAIT_MS * 1000000LL))
            return sent ? 0 : MQ_EAGAIN;
    }
}

/* push and pub: the end of stream once the socket takes it, then close. Stopping,
 * it is queued if it can be; with no peer to take it there is no one to tell. */
static inline void zs_fini(mq_block_ctx *c, void *state)
{
    struct zsink *s = state;
    int rc = 0;

    if (!s)
        return;
    if (s->z.sock && mq_block_stopping(c))
        zs_send_end(c, s);
    else if (s->z.sock && zs_wait(c, s, ZMQ_POLLOUT) == 0)
        rc = zs_end(c, s, s->type == ZMQ_PUB);
    if (rc == MQ_EAGAIN && s->z.peers > 0)
        fprintf(stderr, "%s: a peer on %s had no room for the end of stream; it was not "
                "sent\n", mq_block_name(c), mq_param_s(c, ZL_P_ADDRESS));
    zs_free(c, s);
}

#endif
