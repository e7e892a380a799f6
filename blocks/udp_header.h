/* udp_header.h - what udp_source and udp_sink share: the packet headers of GNU Radio
 * 3.10's network.udp_source / udp_sink, and the check of the parameters both have.
 *
 * GNU Radio copies its header structs into the packet in host order; the fields are
 * written little-endian here, which is what a GNU Radio on x86 or ARM sends:
 *   none         no header, the payload is items only;
 *   seqnum       a u64 sequence number (HEADERTYPE_SEQNUM), 8 bytes;
 *   seqplussize  a u64 sequence number, an i16 length (the packet's payloadsize)
 *                and 6 bytes of padding (HEADERTYPE_SEQPLUSSIZE: sizeof is 16);
 *   oldata       the 64-byte ATA header (HEADERTYPE_OLDATA), whose u32 `seq` sits
 *                at byte 20; udp_source only, as in GNU Radio.
 * GNU Radio's sink numbers its packets from 1; a source counts a jump in the numbers
 * as packets lost. */
#ifndef MQ_BLOCKS_UDP_HEADER_H
#define MQ_BLOCKS_UDP_HEADER_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include "block.h"

enum { UDP_HDR_NONE, UDP_HDR_SEQNUM, UDP_HDR_SEQPLUSSIZE, UDP_HDR_OLDATA };
#define UDP_HEADER_CHOICES "none|seqnum|seqplussize|oldata"
#define UDP_OLDATA_SEQ_AT 20

static inline size_t udp_header_size(int h)
{
    static const size_t size[] = {0, 8, 16, 64};
    return size[h];
}

/* The sequence number of a packet that holds at least the header's bytes. */
static inline uint64_t udp_header_seq(int h, const unsigned char *p)
{
    uint64_t s64;
    uint32_t s32;

    if (h == UDP_HDR_OLDATA) {
        memcpy(&s32, p + UDP_OLDATA_SEQ_AT, sizeof s32);
        return le32toh(s32);
    }
    memcpy(&s64, p, sizeof s64);
    return le64toh(s64);
}

/* Writes header h (not oldata) for packet `seq` of a payloadsize of `size`. */
static inline void udp_header_put(int h, unsigned char *p, uint64_t seq, int size)
{
    uint64_t s = htole64(seq);
    uint16_t len = htole16((uint16_t)size);

    memset(p, 0, udp_header_size(h));
    memcpy(p, &s, sizeof s);
    if (h == UDP_HDR_SEQPLUSSIZE)
        memcpy(p + sizeof s, &len, sizeof len);
}

/* The bytes of one item: the type parameter's size times vlen. */
static inline size_t udp_item_bytes(mq_block_ctx *c, int p_type, int p_vlen)
{
    int t = mq_item_parse(mq_param_s(c, p_type));
    return t < 0 ? 0 : mq_item_size((mq_item_type)t) * (size_t)mq_param_i(c, p_vlen);
}

/* The part of payloadsize after the header must hold whole items, at least one:
 * a packet then never splits an item. */
static inline int udp_check_payload(mq_block_ctx *c, int p_type, int p_vlen, int p_header,
                                    int p_size)
{
    size_t isz = udp_item_bytes(c, p_type, p_vlen);
    int64_t size = mq_param_i(c, p_size);
    size_t hsz = udp_header_size(mq_param_choice(c, p_header));

    if ((size_t)size < hsz + isz || (size - (int64_t)hsz) % (int64_t)isz) {
        mq_block_error(c, "payloadsize %lld less the %zu-byte %s header is not a whole "
                          "number of %zu-byte items (type %s, vlen %lld)",
                       (long long)size, hsz, mq_param_s(c, p_header), isz,
                       mq_param_s(c, p_type), (long long)mq_param_i(c, p_vlen));
        return -1;
    }
    return 0;
}

#endif
