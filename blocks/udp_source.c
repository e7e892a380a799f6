/* udp_source - receives UDP packets on host:port and sends their items on (GNU Radio
 * 3.10's network.udp_source). Each datagram is taken whole: the header
 * (udp_header.h), then as many whole items as follow it, sent as one buffer; GNU
 * Radio instead cuts the bytes it received into payloadsize pieces, so a sender
 * with another packet size leaves it out of step, which here cannot happen.
 *
 * It waits for packets with poll() and a timeout shorter than a heartbeat, beating
 * the heartbeat between waits (mq_block_sleep_until with a deadline of now) and
 * flushing the wake-ups it deferred before each wait, so a graph asked to stop is
 * not held up by a silent network.
 *
 * With a header that numbers the packets, a jump in the numbers counts the packets
 * skipped as lost: the total is posted on the message output `stats` as
 * {"lost_packets": N} at each loss, printed on stderr at each loss with
 * notify_missed (GNU Radio's warning) and at the end in any case. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_header.h"

/* The largest UDP payload, so every datagram is read whole. */
#define UDP_MAX 65536
/* poll's wait between heartbeats: well under the runtime's default of 100 ms. */
#define WAIT_MS 20

struct usrc {
    int fd;
    int header;
    size_t hsz, isz;
    int have_seq;
    uint64_t seq, lost, sent;
    unsigned char *pkt;
};

enum { P_TYPE, P_VLEN, P_HOST, P_PORT, P_HEADER, P_PAYLOAD, P_NOTIFY, P_ZEROS, P_IPV6,
       P_EOF, P_TIMESTAMPS, P_RATE };
static const mq_param_decl params[] = {
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "c32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes",
                "item type", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "items per vector", 0},
    [P_HOST] = {"host", MQ_PARAM_STRING, "", 0, 0, NULL,
                "the address to listen on (empty: all, IPv4 or with ipv6 both)", 0},
    [P_PORT] = {"port", MQ_PARAM_INT, "1234", 1, 65535, NULL, "the UDP port to listen on", 0},
    [P_HEADER] = {"header", MQ_PARAM_ENUM, "none", 0, 0, UDP_HEADER_CHOICES,
                  "the header before each payload (udp_sink's)", 0},
    [P_PAYLOAD] = {"payloadsize", MQ_PARAM_INT, "1472", 8, 65507, NULL,
                   "bytes of a packet's UDP payload, header included", 0},
    [P_NOTIFY] = {"notify_missed", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                  "print each loss of packets on stderr", 0},
    [P_ZEROS] = {"source_zeros", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "send zeros while no packet waits", 0},
    [P_IPV6] = {"ipv6", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                "listen on IPv6 and IPv4 (with no host)", 0},
    [P_EOF] = {"eof", MQ_PARAM_BOOL, "true", 0, 0, NULL,
               "an empty packet ends the stream", 0},
    [P_TIMESTAMPS] = MQ_PARAM_TIMESTAMPS,
    [P_RATE] = MQ_PARAM_SAMPLE_RATE,
};
enum { OUT_DATA, OUT_STATS };
static const mq_port_decl out[] = {
    [OUT_DATA] = {"out", MQ_ITEM_C32, "type", "vlen"},
    [OUT_STATS] = {"stats", MQ_ITEM_MSG, NULL, NULL},
};

static int check(mq_block_ctx *c)
{
    return udp_check_payload(c, P_TYPE, P_VLEN, P_HEADER, P_PAYLOAD);
}

static int bind_socket(mq_block_ctx *c, struct usrc *s)
{
    const char *host = mq_param_s(c, P_HOST);
    int v6 = (int)mq_param_i(c, P_IPV6);
    char port[8];
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE,
                             .ai_family = *host ? AF_UNSPEC : v6 ? AF_INET6 : AF_INET};
    struct addrinfo *ai;
    int rc, off = 0, rcvbuf = 4 << 20;

    snprintf(port, sizeof port, "%d", (int)mq_param_i(c, P_PORT));
    if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai))) {
        mq_block_error(c, "cannot resolve host '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd >= 0 && ai->ai_family == AF_INET6)
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    /* A bigger receive buffer rides out a graph busy elsewhere (best effort: the
     * kernel caps it at net.core.rmem_max, as GNU Radio's doc says). */
    if (s->fd >= 0)
        setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (s->fd < 0 || bind(s->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        mq_block_error(c, "cannot listen on %s:%s: %s", *host ? host : "*", port,
                       strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct usrc *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    s->fd = -1;
    *state = s;
    s->header = mq_param_choice(c, P_HEADER);
    s->hsz = udp_header_size(s->header);
    s->isz = mq_block_out_item_size(c, OUT_DATA);
    if (!(s->pkt = malloc(UDP_MAX))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return bind_socket(c, s);
}

static int post_lost(mq_block_ctx *c, struct usrc *s, uint64_t now)
{
    mq_pmt *d = mq_pmt_dict();
    int rc;

    if (mq_param_i(c, P_NOTIFY))
        fprintf(stderr, "%s: missed %" PRIu64 " packets (%" PRIu64 " in all)\n",
                mq_block_name(c), now, s->lost);
    if (!d || mq_pmt_dict_set(d, mq_pmt_symbol("lost_packets"), mq_pmt_int((int64_t)s->lost)) < 0) {
        mq_pmt_free(d);
        mq_block_error(c, "out of memory");
        return -1;
    }
    rc = mq_msg_post(c, OUT_STATS, d);
    mq_pmt_free(d);
    return rc;
}

/* The packet numbers: a jump forward counts the numbers skipped as lost; a number
 * back (a packet reordered or repeated) is taken as the new last, as GNU Radio. */
static int count_seq(mq_block_ctx *c, struct usrc *s)
{
    uint64_t seq = udp_header_seq(s->header, s->pkt), skipped = 0;

    if (s->have_seq && seq > s->seq + 1)
        skipped = seq - s->seq - 1;
    s->have_seq = 1;
    s->seq = seq;
    if (!skipped)
        return 0;
    s->lost += skipped;
    return post_lost(c, s, skipped);
}

static int send_items(mq_block_ctx *c, struct usrc *s, const void *data, size_t n)
{
    mq_timestamp ts;
    void *p = mq_out_alloc_items(c, OUT_DATA, n);

    if (!p)
        return -1;
    if (data)
        memcpy(p, data, n * s->isz);
    else
        memset(p, 0, n * s->isz);
    mq_block_stamp(c, mq_param_f(c, P_RATE), (int64_t)s->sent, n, &ts);
    s->sent += n;
    return mq_out_push_items(c, OUT_DATA, n, &ts);
}

/* One datagram of `len` bytes in s->pkt. */
static int work_packet(mq_block_ctx *c, struct usrc *s, size_t len)
{
    if (len == 0 && mq_param_i(c, P_EOF))
        return MQ_WORK_DONE;
    if (len < s->hsz || len - s->hsz < s->isz)
        return MQ_WORK_OK; /* an empty one without eof, or a stray one: no items */
    if (s->header != UDP_HDR_NONE && count_seq(c, s) < 0)
        return MQ_WORK_ERROR;
    size_t n = (len - s->hsz) / s->isz;
    return send_items(c, s, s->pkt + s->hsz, n) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static int work(mq_block_ctx *c, void *state)
{
    struct usrc *s = state;
    int zeros = (int)mq_param_i(c, P_ZEROS);

    for (;;) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        mq_queue_flush(mq_block_arena(c), 0); /* poll blocks outside libmq */
        int r = poll(&p, 1, zeros ? 0 : WAIT_MS);
        if (r < 0 && errno != EINTR) {
            mq_block_error(c, "poll: %s", strerror(errno));
            return MQ_WORK_ERROR;
        }
        if (r > 0) {
            ssize_t len = recv(s->fd, s->pkt, UDP_MAX, 0);
            if (len >= 0)
                return work_packet(c, s, (size_t)len);
            if (errno != EINTR && errno != EAGAIN) {
                mq_block_error(c, "recv: %s", strerror(errno));
                return MQ_WORK_ERROR;
            }
        }
        if (zeros) {
            size_t n = ((size_t)mq_param_i(c, P_PAYLOAD) - s->hsz) / s->isz;
            return send_items(c, s, NULL, n) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
        }
        if (mq_block_sleep_until(c, mq_block_now_ns())) /* beats the heartbeat */
            return MQ_WORK_DONE;
    }
}

static void fini(mq_block_ctx *c, void *state)
{
    struct usrc *s = state;

    if (!s)
        return;
    if (s->lost)
        fprintf(stderr, "%s: lost %" PRIu64 " packets in all\n", mq_block_name(c), s->lost);
    if (s->fd >= 0)
        close(s->fd);
    free(s->pkt);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "udp_source",
    .doc = "Receives UDP packets on host:port and sends their items on, one buffer a\n"
           "packet (GNU Radio's network.udp_source). header: none, seqnum, seqplussize\n"
           "or oldata, as udp_sink writes them (oldata: the 64-byte ATA header); each\n"
           "packet is taken whole, header then whole items of type x vlen. With a\n"
           "numbered header, packets skipped in the numbering count as lost: the total\n"
           "goes out on `stats` as {\"lost_packets\": N} at each loss, on stderr at\n"
           "each loss with notify_missed, and on stderr at the end. With eof (GNU\n"
           "Radio 3.7's udp_source had it; 3.10's has not), an empty packet ends the\n"
           "stream. source_zeros sends payloadsize of zeros whenever no packet waits.\n"
           "It waits with poll() in slices of 20 ms, so stopping the graph ends it at\n"
           "once. Buffers are stamped as the timestamps parameter says.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
