/* udp_sink - sends its input as UDP packets to host:port (GNU Radio 3.10's
 * network.udp_sink). Each packet is a header (udp_header.h) and payloadsize less
 * the header of item bytes; the items are gathered across buffers until a packet
 * is full. At the end of the stream the items left over go as one shorter packet
 * (GNU Radio keeps them unsent), then, with send_eof, three empty packets, as GNU
 * Radio's stop() sends, which end a udp_source's stream (its `eof`). */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_header.h"

struct usink {
    int fd;
    struct sockaddr_storage to;
    socklen_t to_len;
    int header;
    size_t hsz, dsz, have; /* header and data bytes a packet holds; data gathered */
    uint64_t seq;
    unsigned char *pkt;
};

enum { P_TYPE, P_VLEN, P_HOST, P_PORT, P_HEADER, P_PAYLOAD, P_EOF };
static const mq_param_decl params[] = {
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "c32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes",
                "item type", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, 1 << 20, NULL, "items per vector", 0},
    [P_HOST] = {"host", MQ_PARAM_STRING, "127.0.0.1", 0, 0, NULL,
                "where to send: a name or an IPv4 or IPv6 address (empty: localhost)", 0},
    [P_PORT] = {"port", MQ_PARAM_INT, "2000", 1, 65535, NULL, "the UDP port to send to", 0},
    [P_HEADER] = {"header", MQ_PARAM_ENUM, "none", 0, 0, UDP_HEADER_CHOICES,
                  "the header before each payload (udp_source's)", 0},
    [P_PAYLOAD] = {"payloadsize", MQ_PARAM_INT, "1472", 8, 65507, NULL,
                   "bytes of a packet's UDP payload, header included", 0},
    [P_EOF] = {"send_eof", MQ_PARAM_BOOL, "true", 0, 0, NULL,
               "send empty packets at the end of the stream", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", "vlen"}};

static int check(mq_block_ctx *c)
{
    if (mq_param_choice(c, P_HEADER) == UDP_HDR_OLDATA) {
        mq_block_error(c, "header oldata is received only (GNU Radio's udp_sink cannot "
                          "send it either)");
        return -1;
    }
    return udp_check_payload(c, P_TYPE, P_VLEN, P_HEADER, P_PAYLOAD);
}

static int resolve(mq_block_ctx *c, struct usink *s)
{
    const char *host = mq_param_s(c, P_HOST);
    char port[8];
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;

    snprintf(port, sizeof port, "%d", (int)mq_param_i(c, P_PORT));
    int rc = getaddrinfo(*host ? host : "localhost", port, &hints, &ai);
    if (rc) {
        mq_block_error(c, "cannot resolve host '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(&s->to, ai->ai_addr, ai->ai_addrlen);
    s->to_len = ai->ai_addrlen;
    s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    freeaddrinfo(ai);
    if (s->fd < 0) {
        mq_block_error(c, "socket: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct usink *s = calloc(1, sizeof *s);

    if (!s)
        return -1;
    s->fd = -1;
    *state = s;
    s->header = mq_param_choice(c, P_HEADER);
    s->hsz = udp_header_size(s->header);
    s->dsz = (size_t)mq_param_i(c, P_PAYLOAD) - s->hsz;
    if (!(s->pkt = malloc(s->hsz + s->dsz))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return resolve(c, s);
}

/* Sends the header and the data gathered as one packet (none: an empty one). */
static int send_packet(mq_block_ctx *c, struct usink *s, size_t len)
{
    ssize_t n;

    do
        n = sendto(s->fd, s->pkt, len, 0, (const struct sockaddr *)&s->to, s->to_len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        mq_block_error(c, "send to %s:%d: %s", mq_param_s(c, P_HOST),
                       (int)mq_param_i(c, P_PORT), strerror(errno));
        return -1;
    }
    return 0;
}

static int flush_data(mq_block_ctx *c, struct usink *s)
{
    if (s->header != UDP_HDR_NONE)
        udp_header_put(s->header, s->pkt, ++s->seq, (int)mq_param_i(c, P_PAYLOAD));
    int rc = send_packet(c, s, s->hsz + s->have);
    s->have = 0;
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct usink *s = state;
    size_t n;
    const unsigned char *d = mq_in_items(c, 0, &n);
    size_t left = n * mq_block_in_item_size(c, 0);

    while (left) {
        size_t take = s->dsz - s->have < left ? s->dsz - s->have : left;
        memcpy(s->pkt + s->hsz + s->have, d, take);
        s->have += take;
        d += take;
        left -= take;
        if (s->have == s->dsz && flush_data(c, s) < 0)
            return MQ_WORK_ERROR;
    }
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct usink *s = state;

    if (!s)
        return;
    if (s->fd >= 0 && (!s->have || flush_data(c, s) == 0) && mq_param_i(c, P_EOF))
        for (int i = 0; i < 3 && send_packet(c, s, 0) == 0; i++)
            ;
    if (s->fd >= 0)
        close(s->fd);
    free(s->pkt);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "udp_sink",
    .doc = "Sends its items as UDP packets to host:port, payloadsize bytes each with\n"
           "the header (GNU Radio's network.udp_sink). header: none, seqnum (a u64\n"
           "sequence number, little-endian, from 1), seqplussize (the number, an i16\n"
           "payloadsize and 6 bytes of padding: 16 bytes). payloadsize less the header\n"
           "must be whole items (type x vlen). Items are gathered across buffers into\n"
           "full packets; at the end the rest goes as one shorter packet (GNU Radio\n"
           "drops it), then, with send_eof, three empty packets, which end a\n"
           "udp_source's stream (send_eof is true by default, so the receiving graph\n"
           "ends with this one; GNU Radio Companion's default is No). Timestamps are\n"
           "not sent.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
