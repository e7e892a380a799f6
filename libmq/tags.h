/* tags.h - stream tags: a key and a value, GNU Radio's PMTs (pmt.h), on one item of
 * a stream, and the tag lists that carry them with the buffers.
 *
 * A block sees a tag at an absolute item offset on its port: its index among the
 * items the block has read on that input, or written to that output, over all its
 * lives (block.h), as GNU Radio's tag_t does. In the arena, a buffer carries the
 * tags of its own items in a tag list: another buffer of the pools, named in the
 * first one's metadata and freed with it (buf.c), which holds for each tag its item
 * as an index from the buffer's first item, and its key, value and srcid in the PMT
 * wire form (pmt.h), in host byte order:
 *
 *   u32 magic "MQTG", u32 count, then count records, each
 *   u64 item, u32 len, u32 zero, len bytes (key, value, srcid), zeros to 8 bytes.
 *
 * A buffer shared on fan-out shares its list, as it shares its data; a buffer
 * passed on unchanged keeps it, so tags cost a block that only forwards nothing,
 * and a buffer without tags costs no one anything. A list is read as untrusted
 * input: every record is bounds-checked, and a tag on an item past the buffer's
 * end is not one of its items (head cut it off) and is not read.
 */
#ifndef MQ_TAGS_H
#define MQ_TAGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pmt.h"

typedef struct mq_tag {
    uint64_t offset;     /* the item: its absolute index on the port */
    const mq_pmt *key;   /* GNU Radio's keys are symbols; any PMT is carried */
    const mq_pmt *value;
    const mq_pmt *srcid; /* who made it (GNU Radio's srcid): a symbol, or #f */
} mq_tag;

/* How a block's tags travel from its inputs to its outputs (mq_block_decl's
 * tag_policy, GNU Radio's tag_propagation_policy_t; block.h says how). */
enum { MQ_TAGS_ALL_TO_ALL = 0, MQ_TAGS_ONE_TO_ONE = 1, MQ_TAGS_DONT = 2 };

/* One tag as it travels: its item, and its key, value and srcid in wire form. */
typedef struct mq_tag_rec {
    uint64_t offset;
    uint32_t len;
    unsigned char *wire; /* malloc'd, len bytes */
} mq_tag_rec;

/* A record of the tag (offset, key, value, srcid); a NULL srcid is #f, GNU Radio's
 * default. 0, MQ_EINVAL for a PMT the wire form cannot carry (pmt.h), MQ_ENOMEM. */
int mq_tag_rec_make(mq_tag_rec *r, uint64_t offset, const mq_pmt *key, const mq_pmt *value,
                    const mq_pmt *srcid);
int mq_tag_rec_copy(mq_tag_rec *dst, const mq_tag_rec *src); /* 0 or MQ_ENOMEM */
void mq_tag_rec_free(mq_tag_rec *r);
/* The key, value and srcid of r, each malloc'd (mq_pmt_free). MQ_EINVAL if its
 * bytes are not three PMTs, MQ_ENOMEM. */
int mq_tag_rec_parse(const mq_tag_rec *r, mq_pmt **key, mq_pmt **value, mq_pmt **srcid);
/* Whether two records are the same tag at the same offset. */
int mq_tag_rec_equal(const mq_tag_rec *x, const mq_tag_rec *y);

/* Makes recs[0..n) (offsets counted from the buffer's first item) the tags of
 * buffer `id`, whose only reference the caller holds, in place of those it had;
 * n == 0 takes them away. The list's buffer is allocated as mq_buf_alloc does with
 * timeout_ns (MQ_ENOBUFS, MQ_ETIMEDOUT; MQ_ERANGE if no pool's buffers are large
 * enough); MQ_EBUSY if others hold `id` too (they see its list), MQ_ESTALE if the
 * caller holds no `id`, MQ_ECORRUPT if the list it had is damaged. On failure the
 * buffer keeps the tags it had. */
int mq_tags_set(mq_arena *a, mq_id id, const mq_tag_rec *recs, size_t n, int64_t timeout_ns);

/* The tags of buffer `id` on its items (its length in items of `item_size` bytes),
 * in the order of its list: 0 with *recs malloc'd and *n set (NULL and 0 for a
 * buffer without tags, at the cost of one load: the id is checked when it names a
 * buffer with a list); MQ_ESTALE, MQ_ECORRUPT for a list that fails a check (a
 * record that does not fit, a wrong magic, a field that names no list of this
 * buffer), MQ_ENOMEM. */
int mq_tags_get(mq_arena *a, mq_id id, size_t item_size, mq_tag_rec **recs, size_t *n);
/* Whether buffer `id` carries a tag list: the one load every buffer a block
 * receives costs for tags (unchecked: mq_tags_get checks the list). */
int mq_tags_carried(const mq_arena *a, mq_id id);
/* Frees the n records of recs and recs itself. */
void mq_tags_free(mq_tag_rec *recs, size_t n);

#endif
