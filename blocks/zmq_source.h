/* zmq_source.h - what zmq_pull_source, zmq_sub_source and zmq_req_source share:
 * a message of gr-zeromq's form (zmq_link.h) turned into output buffers, its tags
 * into stream tags and an rx_time into the buffers' timestamps, the end of stream
 * and the items lost counted.
 *
 * A message larger than the largest buffer of the pools goes out as several
 * buffers; a buffer starts at each rx_time, so that a buffer's timestamp is the
 * time of its first item. */
#ifndef MQ_BLOCKS_ZMQ_SOURCE_H
#define MQ_BLOCKS_ZMQ_SOURCE_H

#include "zmq_link.h"

/* The parameters after ZL_STREAM_PARAMS. */
#define ZR_PARAMS MQ_PARAM_TIMESTAMPS, MQ_PARAM_SAMPLE_RATE
enum { ZR_P_TIMESTAMPS = ZL_N_PARAMS, ZR_P_RATE, ZR_N_PARAMS };

struct zsrc {
    struct zl z;
    int pass_tags, policy;
    size_t isz, max_items;
    const char *key;  /* sub: the key frame before each message, "" for none */
    uint64_t got;     /* items received in this life */
    int have_next;    /* next: the sender's offset the next message should have */
    uint64_t next, lost;
    int have_rx;      /* rx_ns: the time of output item rx_at */
    int64_t rx_ns;
    uint64_t rx_at;
    int req_pending;  /* req: a request is out */
    double tag_rate;  /* the last rx_rate tag's, 0 before one */
    uint64_t receives;
    int seen;         /* messages numbered so far, up to 2; the first's offset, items */
    uint64_t first;
    size_t first_n;
    char err[256];
};

static inline int zr_init(mq_block_ctx *c, void **state, int type, const char *key)
{
    struct zsrc *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    *state = s;
    s->pass_tags = (int)mq_param_i(c, ZL_P_PASS_TAGS);
    s->policy = mq_param_choice(c, ZL_P_PEER_LOST);
    s->isz = mq_block_out_item_size(c, 0);
    s->key = key;
    s->max_items = zl_max_buffer(c) / s->isz;
    if (!s->max_items) {
        mq_block_error(c, "an item of %zu bytes is larger than every buffer of the pools",
                       s->isz);
        return -1;
    }
    return zl_open(c, &s->z, type, mq_param_s(c, ZL_P_ADDRESS), (int)mq_param_i(c, ZL_P_BIND),
                   (int)mq_param_i(c, ZL_P_HWM));
}

static inline void zr_report_lost(mq_block_ctx *c, struct zsrc *s, uint64_t n, const char *why)
{
    s->lost += n;
    fprintf(stderr, "%s: lost %" PRIu64 " items %s (%" PRIu64 " in all)\n", mq_block_name(c), n,
            why, s->lost);
}

/* The stamp of the buffer of n items that starts at output item `at`: from the
 * last rx_time, at sample_rate or else at the last rx_rate tag's rate. Integer ns
 * from the rx_time on: a double holds an epoch's ns only to 256 ns. */
static inline void zr_stamp(mq_block_ctx *c, struct zsrc *s, uint64_t at, size_t n,
                            mq_timestamp *ts)
{
    double rate = mq_param_f(c, ZR_P_RATE) > 0 ? mq_param_f(c, ZR_P_RATE) : s->tag_rate;

    if (s->have_rx && (at == s->rx_at || rate > 0)) {
        int64_t t0 = s->rx_ns + (at == s->rx_at ? 0 : llround((double)(at - s->rx_at) * 1e9 / rate));
        *ts = (mq_timestamp){.type = MQ_TS_ABSOLUTE, .value = t0};
        if (rate > 0 && n > 1) {
            ts->flags = MQ_TS_HAS_RANGE;
            ts->start = t0;
            ts->end = t0 + llround((double)(n - 1) * 1e9 / rate);
        }
        return;
    }
    s->have_rx = 0; /* without a rate, a time holds for its own buffer only */
    mq_block_stamp(c, rate, (int64_t)at, n, ts);
}

/* An rx_rate tag (GNU Radio's, as UHD's source sends it; an mq sink's with a
 * timestamp's range) gives the rate of the times that follow. */
static inline void zr_rates(struct zsrc *s, const struct zl_tag *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++)
        if (zl_is_symbol(t[i].key, "rx_rate") && mq_pmt_is_number(t[i].value) &&
            mq_pmt_to_double(t[i].value) > 0 && isfinite(mq_pmt_to_double(t[i].value)))
            s->tag_rate = mq_pmt_to_double(t[i].value);
}

/* Items [from, to) of the message's n at d, with its tags (message-relative item
 * `offset - base`), as one buffer: the rx_time at `from` (if any) has been taken. */
static inline int zr_push(mq_block_ctx *c, struct zsrc *s, const unsigned char *d, size_t from,
                          size_t to, const struct zl_tag *t, size_t nt, uint64_t base)
{
    uint64_t out0 = mq_out_nitems_written(c, 0);
    mq_timestamp ts;

    for (size_t i = 0; i < nt; i++) {
        uint64_t k = t[i].offset - base;
        if (t[i].offset < base || k < from || k >= to || zl_is_symbol(t[i].srcid, ZL_TS_SRCID))
            continue;
        if (mq_out_add_tag(c, 0, out0 + (k - from), t[i].key, t[i].value, t[i].srcid) < 0)
            return -1;
    }
    void *p = mq_out_alloc_items(c, 0, to - from);
    if (!p)
        return -1;
    memcpy(p, d + from * s->isz, (to - from) * s->isz);
    zr_stamp(c, s, out0, to - from, &ts);
    return mq_out_push_items(c, 0, to - from, &ts);
}

/* The next rx_time among the tags at message item >= from, as (item, ns); n if none. */
static inline size_t zr_next_rx(const struct zl_tag *t, size_t nt, uint64_t base, size_t from,
                                size_t n, int64_t *ns)
{
    size_t best = n;

    for (size_t i = 0; i < nt; i++) {
        uint64_t k = t[i].offset - base;
        int ok;
        if (t[i].offset < base || k < from || k >= best || !zl_is_symbol(t[i].key, "rx_time"))
            continue;
        int64_t v = zl_rx_time_ns(t[i].value, &ok);
        if (ok)
            best = (size_t)k, *ns = v;
    }
    return best;
}

/* The sender's offset of a message: a jump counts the items skipped as lost. The
 * first two messages also check that the sender's items are this block's size:
 * its numbering then advances by the first's items, and one that advances by
 * another count that divides the first's bytes exactly is items of another size
 * (a sender of f32 to a c32 source), not a loss. MQ_EINVAL then. */
static inline int zr_count(mq_block_ctx *c, struct zsrc *s, uint64_t offset, size_t n)
{
    if (s->have_next && offset != s->next && s->seen == 1 && offset > s->first) {
        uint64_t d = offset - s->first, bytes = s->first_n * s->isz;
        if (bytes % d == 0) {
            mq_block_error(c, "from %s: the sender's items are %" PRIu64 " bytes, these are "
                           "%zu (do both ends agree on type and vlen?)",
                           mq_param_s(c, ZL_P_ADDRESS), bytes / d, s->isz);
            return MQ_EINVAL;
        }
    }
    if (s->have_next && offset > s->next)
        zr_report_lost(c, s, offset - s->next, "(the sender's numbering skipped them)");
    if (!s->seen && offset > 0)
        fprintf(stderr, "%s: the stream started at item %" PRIu64 " here (a subscriber "
                "misses what went before it came; a restarted block counts anew)\n",
                mq_block_name(c), offset);
    if (!s->seen)
        s->first = offset, s->first_n = n;
    s->seen += s->seen < 2;
    s->have_next = 1;
    s->next = offset + n;
    return 0;
}

/* The end of stream: with a header, what it says of the stream. */
static inline int zr_end(mq_block_ctx *c, struct zsrc *s, uint64_t offset,
                         const struct zl_tag *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++) {
        if (!zl_is_symbol(t[i].key, ZL_END_KEY))
            continue;
        if (s->have_next && offset > s->next)
            zr_report_lost(c, s, offset - s->next, "at the end of the stream");
        if (zl_is_symbol(mq_pmt_dict_get(t[i].value, "status"), "failed")) {
            mq_block_error(c, "the sending graph failed (its stream ended after %" PRIu64
                           " items)", offset);
            return MQ_WORK_ERROR;
        }
    }
    return MQ_WORK_DONE;
}

/* One message's bytes: its items out, or the end of stream. */
static inline int zr_message(mq_block_ctx *c, struct zsrc *s, const unsigned char *m,
                             size_t len)
{
    struct zl_tag *t = NULL;
    size_t nt = 0, h = 0;
    uint64_t base = 0;

    if (s->pass_tags &&
        zl_header_parse(m, len, &base, &t, &nt, &h, s->err, sizeof s->err) < 0) {
        mq_block_error(c, "from %s: %s", mq_param_s(c, ZL_P_ADDRESS), s->err);
        return MQ_WORK_ERROR;
    }
    if ((len - h) % s->isz) {
        zl_tags_free(t, nt);
        mq_block_error(c, "from %s: a message of %zu bytes of items is not whole items of %zu "
                       "bytes (do both ends agree on type, vlen and pass_tags?)",
                       mq_param_s(c, ZL_P_ADDRESS), len - h, s->isz);
        return MQ_WORK_ERROR;
    }
    size_t n = (len - h) / s->isz;
    int rc = MQ_WORK_OK;
    if (n == 0) {
        rc = s->pass_tags ? zr_end(c, s, base, t, nt) : MQ_WORK_DONE;
        zl_tags_free(t, nt);
        return rc;
    }
    if (s->pass_tags && zr_count(c, s, base, n) < 0) {
        zl_tags_free(t, nt);
        return MQ_WORK_ERROR;
    }
    zr_rates(s, t, nt);
    for (size_t from = 0; from < n && rc == MQ_WORK_OK;) {
        int64_t ns;
        size_t rx = zr_next_rx(t, nt, base, from, n, &ns);
        if (rx == from) {
            s->have_rx = 1, s->rx_ns = ns, s->rx_at = mq_out_nitems_written(c, 0);
            rx = zr_next_rx(t, nt, base, from + 1, n, &ns);
        }
        size_t to = rx - from > s->max_items ? from + s->max_items : rx;
        if (zr_push(c, s, m + h, from, to, t, nt, base) < 0)
            rc = MQ_WORK_ERROR;
        from = to;
    }
    s->got += n;
    zl_tags_free(t, nt);
    return rc;
}

/* What zr_receive returns when no message waits. */
#define ZR_NOTHING 10

/* Receives one message (after the key frame, for sub), if one waits, and hands it
 * to zr_message: its work result, or ZR_NOTHING. */
static inline int zr_receive(mq_block_ctx *c, struct zsrc *s)
{
    zmq_msg_t m;
    int rc;

    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s->z.sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? ZR_NOTHING
                                                              : (zl_fail(c, "zmq recv"), -1);
    }
    if (*s->key) { /* the key frame: the data follow it, as GNU Radio's sub_source */
        if (!zmq_msg_more(&m)) {
            zmq_msg_close(&m);
            return MQ_WORK_OK;
        }
        zmq_msg_recv(&m, s->z.sock, 0);
    }
    rc = zr_message(c, s, zmq_msg_data(&m), zmq_msg_size(&m));
    while (zmq_msg_more(&m)) /* frames GNU Radio would take for more data: none here */
        zmq_msg_recv(&m, s->z.sock, 0);
    zmq_msg_close(&m);
    return rc;
}

/* pull and sub: one message per work call, waited for only when none is there
 * (as zs_work, for the rate). */
static inline int zr_work(mq_block_ctx *c, void *state)
{
    struct zsrc *s = state;
    int res, rc;

    if (++s->receives % ZL_EVENTS_EVERY == 0)
        zl_events(&s->z);
    if ((rc = zr_receive(c, s)) != ZR_NOTHING)
        return rc;
    if ((res = zl_wait_peer(c, &s->z, ZMQ_POLLIN, s->policy, s->got, "received")) != 0)
        return res;
    return (rc = zr_receive(c, s)) == ZR_NOTHING ? MQ_WORK_OK : rc;
}

static inline void zr_fini(mq_block_ctx *c, void *state)
{
    struct zsrc *s = state;

    if (!s)
        return;
    if (s->lost)
        fprintf(stderr, "%s: lost %" PRIu64 " items in all\n", mq_block_name(c), s->lost);
    zl_close(c, &s->z, 0);
    free(s);
}

#endif
