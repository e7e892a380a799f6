/* zmq_link.h - what the ZeroMQ blocks share: the socket and its options, waiting on
 * it without starving the heartbeat, the peers seen coming and going, and GNU Radio
 * 3.10's wire form (gr-zeromq), which they speak exactly:
 *
 *   - a stream message is whole items (type x vlen bytes each), nothing else;
 *   - with pass_tags, the items follow a tag header (gr-zeromq's tag_headers.cc),
 *     every field in the sender's byte order, little-endian here as on GNU Radio's
 *     x86 and ARM machines:
 *       u16 magic 0x5FF0, u8 version 1, u64 offset (the stream index of the
 *       message's first item), u64 ntags, then per tag u64 offset (absolute, on the
 *       sender's stream) and its key, value and srcid, each a serialised PMT (pmt.h);
 *   - pub/sub with a key: the key as a frame of its own before each message;
 *   - req/rep: the request is a u32 (host order), the most items the requester
 *     takes; the reply is a stream message of at most that many.
 *
 * What mq adds between two mq graphs stays inside that form, so a GNU Radio peer
 * sees only items:
 *   - end of stream is a message with no items (with pass_tags, a header and no
 *     items). GNU Radio's sinks never send one (their work always has items), its
 *     sources make nothing of one;
 *   - with pass_tags, that last header carries one tag, key "mq_end", whose value
 *     is {"status": "done"|"failed", "items": N}: a receiving mq block checks it
 *     got N items (what is missing is reported lost) and fails when the sending
 *     graph failed, so errors cross the link. GNU Radio's source copies only the
 *     tags of the items it has, so it never sees this one;
 *   - with pass_tags, the header's offset numbers the items: a receiver counts a
 *     jump as items lost (a PUB that dropped at its high-water mark, a sender that
 *     died with messages in its queue), where gr-zeromq's loss is silent;
 *   - ZeroMQ's own heartbeats (ZMTP 3.1 PING/PONG, answered by any libzmq >= 4.2,
 *     GNU Radio's included) find a peer whose host vanished within
 *     ZL_HEARTBEAT_TIMEOUT_MS; one that closed is seen at once. A peer gone
 *     without end of stream is reported, and the block waits for it to come back
 *     (peer_lost: wait, GNU Radio's behaviour), ends (end) or fails (fail).
 *
 * Absolute timestamps cross as GNU Radio's rx_time tag, (uint64 seconds, double
 * fraction) on the item it times: the sink puts one on the first item of every
 * message whose buffer has an absolute timestamp (with srcid "mq-timestamp", so
 * that an mq receiver, which turns it back into the buffer's timestamp, knows not
 * to pass it on as a tag of its own). A receiver stamps a buffer that starts at an
 * rx_time with it, and the ones after it at sample_rate, when it has one.
 *
 * Each block has its own ZeroMQ context with one I/O thread; the socket is used
 * from the block's thread only. */
#ifndef MQ_BLOCKS_ZMQ_LINK_H
#define MQ_BLOCKS_ZMQ_LINK_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "arena.h"
#include "block.h"
#include "error.h"
#include "msg.h"
#include "pmt.h"
#include "pool.h"
#include "queue.h"
#include "tags.h"

#define ZL_MAGIC 0x5FF0
#define ZL_VERSION 1
#define ZL_HEADER 19 /* magic, version, offset, ntags */
/* zmq_poll's wait between heartbeats: well under the runtime's default of 100 ms. */
#define ZL_WAIT_MS 20
/* How often a block that never has to wait reads its monitor's events anyway. */
#define ZL_EVENTS_EVERY 64
#define ZL_HEARTBEAT_IVL_MS 1000
#define ZL_HEARTBEAT_TIMEOUT_MS 3000
/* How long a sink's last messages may take to leave when it closes. */
#define ZL_LINGER_MS 3000
#define ZL_END_KEY "mq_end"
#define ZL_TS_SRCID "mq-timestamp"

#define ZL_TYPES "u8|i16|i32|f32|f64|c32|bytes"
#define ZL_PEER_LOST "wait|end|fail"
enum { ZL_LOST_WAIT, ZL_LOST_END, ZL_LOST_FAIL };

/* The parameters every stream block has, in this order from index 0. */
#define ZL_STREAM_PARAMS(bind_default)                                                    \
    {"type", MQ_PARAM_ENUM, "c32", 0, 0, ZL_TYPES, "item type", 0},                       \
    {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "items per vector", 0},             \
    {"address", MQ_PARAM_STRING, NULL, 0, 0, NULL,                                        \
     "the ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH, ...", 0},                         \
    {"timeout", MQ_PARAM_INT, "100", 0, 3600000, NULL,                                    \
     "ms (GNU Radio's; mq waits in slices of 20 ms whatever it is)", 0},                  \
    {"pass_tags", MQ_PARAM_BOOL, "false", 0, 0, NULL,                                     \
     "a tag header before the items: tags, timestamps, end of stream, losses", 0},        \
    {"hwm", MQ_PARAM_INT, "-1", -1, 1 << 30, NULL,                                        \
     "high-water mark in messages (-1: libzmq's, 1000)", 0},                              \
    {"bind", MQ_PARAM_BOOL, bind_default, 0, 0, NULL,                                     \
     "bind the address (else connect to it)", 0},                                         \
    {"peer_lost", MQ_PARAM_ENUM, "wait", 0, 0, ZL_PEER_LOST,                              \
     "a peer gone without end of stream: wait for it, end, or fail", 0}
enum { ZL_P_TYPE, ZL_P_VLEN, ZL_P_ADDRESS, ZL_P_TIMEOUT, ZL_P_PASS_TAGS, ZL_P_HWM,
       ZL_P_BIND, ZL_P_PEER_LOST, ZL_N_PARAMS };

struct zl {
    void *ctx, *sock, *mon;
    int peers;      /* connections up now */
    int had_peer;   /* one was up at some time */
    int gone;       /* the last one went without end of stream: not acted on yet */
    uint64_t peers_lost;
    int linger;     /* what the close sets */
};

static inline int zl_fail(mq_block_ctx *c, const char *what)
{
    mq_block_error(c, "%s: %s", what, zmq_strerror(zmq_errno()));
    return -1;
}

/* The socket of `type`, bound to or connected to `address`, with the high-water
 * mark (-1: libzmq's), heartbeats, and a monitor for its peers. Its linger is
 * ZL_LINGER_MS while it runs, for every end: libzmq copies the socket's options
 * into each connection as it is made, and a connection that ends with a linger of
 * 0 throws away what it received and the block has not read yet (seen here: a
 * slow PULL that bound lost the last 4384 items and the end of stream of a PUSH
 * that had closed). zl_close sets the linger the close itself wants. */
static inline int zl_open(mq_block_ctx *c, struct zl *z, int type, const char *address,
                          int bind, int hwm)
{
    static const int ivl = ZL_HEARTBEAT_IVL_MS, hb = ZL_HEARTBEAT_TIMEOUT_MS;
    static const int linger_ms = ZL_LINGER_MS;
    char mon[64];

    if (!(z->ctx = zmq_ctx_new()) || !(z->sock = zmq_socket(z->ctx, type)))
        return zl_fail(c, "zmq socket");
    if (hwm >= 0 && (zmq_setsockopt(z->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) < 0 ||
                     zmq_setsockopt(z->sock, ZMQ_RCVHWM, &hwm, sizeof hwm) < 0))
        return zl_fail(c, "zmq hwm");
    if (zmq_setsockopt(z->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms) < 0 ||
        zmq_setsockopt(z->sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) < 0 ||
        zmq_setsockopt(z->sock, ZMQ_HEARTBEAT_TIMEOUT, &hb, sizeof hb) < 0 ||
        zmq_setsockopt(z->sock, ZMQ_HEARTBEAT_TTL, &hb, sizeof hb) < 0)
        return zl_fail(c, "zmq socket options");
    snprintf(mon, sizeof mon, "inproc://mq-monitor-%p", (void *)z);
    if (zmq_socket_monitor(z->sock, mon, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_ACCEPTED |
                                             ZMQ_EVENT_DISCONNECTED) < 0 ||
        !(z->mon = zmq_socket(z->ctx, ZMQ_PAIR)) || zmq_connect(z->mon, mon) < 0)
        return zl_fail(c, "zmq monitor");
    if ((bind ? zmq_bind(z->sock, address) : zmq_connect(z->sock, address)) < 0) {
        mq_block_error(c, "cannot %s %s: %s", bind ? "bind" : "connect to", address,
                       zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Closing, in this order: the monitor stopped while its reader is still open (it
 * sends a last event, and a send to a closed PAIR would wait for ever), the reader,
 * the socket, then the context, which waits for the socket's linger. */
static inline void *zl_term(void *arg)
{
    struct zl *z = arg;
    static const int zero = 0;

    if (z->sock) {
        zmq_setsockopt(z->sock, ZMQ_LINGER, &z->linger, sizeof z->linger);
        zmq_socket_monitor(z->sock, NULL, 0);
    }
    if (z->mon) {
        zmq_setsockopt(z->mon, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(z->mon);
    }
    if (z->sock)
        zmq_close(z->sock);
    if (z->ctx)
        zmq_ctx_term(z->ctx);
    return NULL;
}

/* Closes the socket, with a linger of linger_ms, and ends the context: in a thread of its own (a socket may be
 * handed to another thread with a barrier, pthread_create's), while this one beats
 * the heartbeat, for a linger of seconds would else pass for a hang. 1 if that
 * took the whole linger (the last messages may not all have left), else 0. */
static inline int zl_close(mq_block_ctx *c, struct zl *z, int linger_ms)
{
    int64_t t0 = mq_block_now_ns();
    pthread_t th;

    z->linger = linger_ms;
    if (pthread_create(&th, NULL, zl_term, z) == 0) {
        struct timespec slice = {0, ZL_WAIT_MS * 1000000L};
        mq_queue_flush(mq_block_arena(c), 0);
        /* pthread_tryjoin_np: a join that does not wait, so the loop can beat. */
        while (pthread_tryjoin_np(th, NULL) == EBUSY) {
            mq_arena_heartbeat(mq_block_arena(c)); /* also while the graph stops */
            nanosleep(&slice, NULL);
        }
    } else {
        zl_term(z);
    }
    z->ctx = z->sock = z->mon = NULL;
    return linger_ms > 0 && mq_block_now_ns() - t0 >= (int64_t)linger_ms * 1000000;
}

/* Reads the monitor's events: peers up and down. */
static inline void zl_events(struct zl *z)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, z->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        uint16_t ev = 0;
        if (zmq_msg_size(&m) >= 2)
            memcpy(&ev, zmq_msg_data(&m), 2);
        while (zmq_msg_more(&m)) /* the endpoint's address */
            zmq_msg_recv(&m, z->mon, 0);
        zmq_msg_close(&m);
        if (ev == ZMQ_EVENT_CONNECTED || ev == ZMQ_EVENT_ACCEPTED) {
            z->peers++;
            z->had_peer = 1;
            z->gone = 0;
        } else if (ev == ZMQ_EVENT_DISCONNECTED && z->peers > 0 && --z->peers == 0) {
            z->gone = 1;
        }
    }
}

/* Waits until the socket has `events` (ZMQ_POLLIN, ZMQ_POLLOUT), in slices of
 * ZL_WAIT_MS that beat the heartbeat and flush the wake-ups libmq deferred. 1: the
 * socket is ready; 0: the last peer went (z->gone) while it was not; -1: the graph
 * is stopping or downstream has gone (a source returns DONE); -2: zmq_poll failed
 * (the error recorded). */
static inline int zl_wait(mq_block_ctx *c, struct zl *z, short events)
{
    for (;;) {
        zmq_pollitem_t p[2] = {{z->sock, 0, events, 0}, {z->mon, 0, ZMQ_POLLIN, 0}};
        mq_queue_flush(mq_block_arena(c), 0); /* zmq_poll blocks outside libmq */
        if (zmq_poll(p, 2, ZL_WAIT_MS) < 0 && zmq_errno() != EINTR)
            return zl_fail(c, "zmq_poll"), -2;
        if (p[1].revents)
            zl_events(z);
        if (p[0].revents & events)
            return 1;
        if (z->gone)
            return 0;
        if (mq_block_sleep_until(c, mq_block_now_ns())) /* beats the heartbeat */
            return -1;
    }
}

/* The last peer went without end of stream: says so once, and returns what the
 * block's peer_lost asks (ZL_LOST_*). */
static inline int zl_peer_gone(mq_block_ctx *c, struct zl *z, int policy, uint64_t items,
                               const char *what)
{
    z->gone = 0;
    z->peers_lost++;
    fprintf(stderr, "%s: the peer on %s went without end of stream after %" PRIu64
            " items %s%s\n", mq_block_name(c), mq_param_s(c, ZL_P_ADDRESS), items, what,
            policy == ZL_LOST_WAIT ? "; waiting for it to come back" : "");
    if (policy == ZL_LOST_FAIL)
        mq_block_error(c, "the peer on %s went without end of stream",
                       mq_param_s(c, ZL_P_ADDRESS));
    return policy;
}

/* zl_wait for a stream block, a peer that went handled as `policy` (peer_lost)
 * says, `items` moved so far (`what`: "sent", "received") named in the report. 0:
 * the socket is ready; else the work call's result: MQ_WORK_DONE (stopping, or
 * peer_lost end) or MQ_WORK_ERROR. (0 for ready, not 1, which is MQ_WORK_DONE.) */
static inline int zl_wait_peer(mq_block_ctx *c, struct zl *z, short events, int policy,
                               uint64_t items, const char *what)
{
    for (;;) {
        int r = zl_wait(c, z, events);
        if (r == 1)
            return 0;
        if (r < 0)
            return r == -1 ? MQ_WORK_DONE : MQ_WORK_ERROR;
        int p = zl_peer_gone(c, z, policy, items, what);
        if (p != ZL_LOST_WAIT)
            return p == ZL_LOST_END ? MQ_WORK_DONE : MQ_WORK_ERROR;
    }
}

/* The most bytes of items one output buffer takes: the largest pool's size. */
static inline size_t zl_max_buffer(mq_block_ctx *c)
{
    mq_arena *a = mq_block_arena(c);
    uint64_t best = 0;

    for (int p = 0; p < mq_pool_count(a); p++) {
        mq_pool_stats s;
        if (mq_pool_stats_get(a, (uint32_t)p, &s) == 0 && s.size > best)
            best = s.size;
    }
    return (size_t)best;
}

/* ---- the tag header ------------------------------------------------------------------- */

static inline void zl_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t zl_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A growing byte string. */
struct zl_bytes {
    unsigned char *p;
    size_t len, cap;
};

static inline int zl_room(struct zl_bytes *b, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    unsigned char *q = realloc(b->p, cap);
    if (!q)
        return MQ_ENOMEM;
    b->p = q;
    b->cap = cap;
    return 0;
}

static inline int zl_put_pmt(struct zl_bytes *b, const mq_pmt *v)
{
    int64_t n = mq_pmt_serialize(v, NULL, 0);
    if (n < 0)
        return (int)n;
    if (zl_room(b, (size_t)n) < 0)
        return MQ_ENOMEM;
    mq_pmt_serialize(v, b->p + b->len, (size_t)n);
    b->len += (size_t)n;
    return 0;
}

/* Starts a header for items from `offset`, with `ntags` tags to follow. */
static inline int zl_header_begin(struct zl_bytes *b, uint64_t offset, uint64_t ntags)
{
    b->len = 0;
    if (zl_room(b, ZL_HEADER) < 0)
        return MQ_ENOMEM;
    b->p[0] = ZL_MAGIC & 0xff;
    b->p[1] = ZL_MAGIC >> 8;
    b->p[2] = ZL_VERSION;
    zl_put64(b->p + 3, offset);
    zl_put64(b->p + 11, ntags);
    b->len = ZL_HEADER;
    return 0;
}

/* One tag of the header (srcid NULL: #f). */
static inline int zl_header_tag(struct zl_bytes *b, uint64_t offset, const mq_pmt *key,
                                const mq_pmt *value, const mq_pmt *srcid)
{
    mq_pmt *f = srcid ? NULL : mq_pmt_bool(0);
    int rc = zl_room(b, 8);

    if (rc == 0) {
        zl_put64(b->p + b->len, offset);
        b->len += 8;
        if ((rc = zl_put_pmt(b, key)) == 0 && (rc = zl_put_pmt(b, value)) == 0)
            rc = zl_put_pmt(b, srcid ? srcid : f);
    }
    mq_pmt_free(f);
    return rc;
}

/* A tag read from a header. */
struct zl_tag {
    uint64_t offset;
    mq_pmt *key, *value, *srcid;
};

static inline void zl_tags_free(struct zl_tag *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mq_pmt_free(t[i].key);
        mq_pmt_free(t[i].value);
        mq_pmt_free(t[i].srcid);
    }
    free(t);
}

/* Reads the header at the front of msg[0..len) (untrusted: another program wrote
 * it): the offset, the tags (malloc'd, *tags; none: NULL) and the header's length.
 * MQ_EINVAL with why in err for anything malformed. */
static inline int zl_header_parse(const unsigned char *msg, size_t len, uint64_t *offset,
                                  struct zl_tag **tags, size_t *ntags, size_t *hlen,
                                  char *err, size_t errlen)
{
    *tags = NULL;
    *ntags = 0;
    if (len < ZL_HEADER) {
        snprintf(err, errlen, "a message of %zu bytes is too short for a tag header", len);
        return MQ_EINVAL;
    }
    unsigned magic = (unsigned)msg[0] | (unsigned)msg[1] << 8;
    if (magic != ZL_MAGIC || msg[2] != ZL_VERSION) {
        snprintf(err, errlen, "no tag header (magic 0x%04x version %u; want 0x5ff0 1): "
                 "does the sender have pass_tags?", magic, msg[2]);
        return MQ_EINVAL;
    }
    *offset = zl_get64(msg + 3);
    uint64_t n = zl_get64(msg + 11);
    size_t at = ZL_HEADER;
    /* A tag is at least 8 + 3 bytes: a count the message cannot hold fails first. */
    if (n > (len - at) / 11) {
        snprintf(err, errlen, "a tag header says %" PRIu64 " tags in %zu bytes", n, len - at);
        return MQ_EINVAL;
    }
    struct zl_tag *t = n ? calloc((size_t)n, sizeof *t) : NULL;
    if (n && !t)
        return MQ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t used;
        int rc = len - at < 8 ? MQ_EINVAL : 0;
        if (rc == 0) {
            t[i].offset = zl_get64(msg + at);
            at += 8;
        }
        mq_pmt **f[3] = {&t[i].key, &t[i].value, &t[i].srcid};
        for (int k = 0; rc == 0 && k < 3; k++)
            if ((rc = mq_pmt_deserialize(msg + at, len - at, f[k], &used)) == 0)
                at += used;
        if (rc < 0) {
            zl_tags_free(t, n);
            if (rc == MQ_ENOMEM)
                return rc;
            snprintf(err, errlen, "tag %zu of a tag header is not three PMTs", i);
            return MQ_EINVAL;
        }
    }
    *tags = t;
    *ntags = (size_t)n;
    *hlen = at;
    return 0;
}

/* ---- rx_time ---------------------------------------------------------------------------- */

/* GNU Radio's rx_time for CLOCK_REALTIME ns: (uint64 seconds, double fraction). */
static inline mq_pmt *zl_rx_time(int64_t ns)
{
    int64_t s = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
    mq_pmt *t = mq_pmt_tuple(2);

    if (t && (mq_pmt_set_item(t, 0, mq_pmt_uint64((uint64_t)s)) < 0 ||
              mq_pmt_set_item(t, 1, mq_pmt_double((double)(ns - s * 1000000000) / 1e9)) < 0)) {
        mq_pmt_free(t);
        return NULL;
    }
    return t;
}

/* An rx_time value as ns, or 0 (with *ok 0) if it is not (seconds, fraction). */
static inline int64_t zl_rx_time_ns(const mq_pmt *v, int *ok)
{
    const mq_pmt *s = mq_pmt_item(v, 0), *f = mq_pmt_item(v, 1);

    *ok = mq_pmt_type_of(v) == MQ_PMT_TUPLE && mq_pmt_length(v) == 2 &&
          (mq_pmt_type_of(s) == MQ_PMT_UINT64 || mq_pmt_type_of(s) == MQ_PMT_INT) &&
          mq_pmt_is_number(f);
    if (!*ok)
        return 0;
    double frac = mq_pmt_to_double(f);
    uint64_t secs = mq_pmt_type_of(s) == MQ_PMT_INT ? (uint64_t)mq_pmt_to_int(s)
                                                     : mq_pmt_to_uint64(s);
    if (secs > INT64_MAX / 1000000000 - 1 || !isfinite(frac)) {
        *ok = 0;
        return 0;
    }
    return (int64_t)secs * 1000000000 + (int64_t)llround(frac * 1e9);
}

static inline int zl_is_symbol(const mq_pmt *p, const char *s)
{
    return mq_pmt_type_of(p) == MQ_PMT_SYMBOL && !strcmp(mq_pmt_symbol_str(p), s);
}

#endif
