/* tags.c - tag records and the tag lists buffers carry (tags.h): their encoding,
 * their checked decoding, and setting a buffer's list (the ownership steps are
 * buf.c's). */
#include <stdlib.h>
#include <string.h>

#include "arena_internal.h"
#include "error.h"
#include "tags.h"

#define MQ__TAGS_MAGIC 0x4754514du /* "MQTG" little-endian */
#define MQ__TAGS_HEAD 8u
#define MQ__REC_HEAD 16u

static size_t mq__pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

int mq_tag_rec_make(mq_tag_rec *r, uint64_t offset, const mq_pmt *key, const mq_pmt *value,
                    const mq_pmt *srcid)
{
    mq_pmt *f = srcid ? NULL : mq_pmt_bool(0);
    const mq_pmt *parts[3] = {key, value, srcid ? srcid : f};
    int64_t len[3], all = 0;
    int rc = 0;

    r->wire = NULL;
    if (!parts[2])
        return MQ_ENOMEM;
    for (int k = 0; k < 3 && rc == 0; k++) {
        len[k] = mq_pmt_serialize(parts[k], NULL, 0);
        if (len[k] < 0)
            rc = (int)len[k];
        all += len[k];
    }
    if (rc == 0 && all > UINT32_MAX - 8)
        rc = MQ_ERANGE;
    if (rc == 0 && !(r->wire = malloc((size_t)all)))
        rc = MQ_ENOMEM;
    for (size_t k = 0, at = 0; k < 3 && rc == 0; at += (size_t)len[k++])
        mq_pmt_serialize(parts[k], r->wire + at, (size_t)len[k]);
    mq_pmt_free(f);
    r->offset = offset;
    r->len = rc == 0 ? (uint32_t)all : 0;
    return rc;
}

int mq_tag_rec_copy(mq_tag_rec *dst, const mq_tag_rec *src)
{
    dst->offset = src->offset;
    dst->len = src->len;
    if (!(dst->wire = malloc(src->len ? src->len : 1)))
        return MQ_ENOMEM;
    memcpy(dst->wire, src->wire, src->len);
    return 0;
}

void mq_tag_rec_free(mq_tag_rec *r)
{
    free(r->wire);
    r->wire = NULL;
    r->len = 0;
}

int mq_tag_rec_parse(const mq_tag_rec *r, mq_pmt **key, mq_pmt **value, mq_pmt **srcid)
{
    mq_pmt **out[3] = {key, value, srcid};
    size_t at = 0, used;
    int rc = 0;

    for (int k = 0; k < 3; k++)
        *out[k] = NULL;
    for (int k = 0; k < 3 && rc == 0; k++, at += used)
        rc = mq_pmt_deserialize(r->wire + at, r->len - at, out[k], &used);
    if (rc == 0 && at != r->len)
        rc = MQ_EINVAL; /* bytes after the three: damage */
    if (rc < 0)
        for (int k = 0; k < 3; k++) {
            mq_pmt_free(*out[k]);
            *out[k] = NULL;
        }
    return rc;
}

int mq_tag_rec_equal(const mq_tag_rec *x, const mq_tag_rec *y)
{
    return x->offset == y->offset && x->len == y->len && !memcmp(x->wire, y->wire, x->len);
}

void mq_tags_free(mq_tag_rec *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(recs[i].wire);
    free(recs);
}

/* The bytes of a list of recs[0..n): MQ_ERANGE past what a size_t holds. */
static int mq__list_size(const mq_tag_rec *recs, size_t n, size_t *size)
{
    size_t all = MQ__TAGS_HEAD;

    if (n > UINT32_MAX)
        return MQ_ERANGE;
    for (size_t i = 0; i < n; i++) {
        size_t one = MQ__REC_HEAD + mq__pad8(recs[i].len);
        if (all > SIZE_MAX - one)
            return MQ_ERANGE;
        all += one;
    }
    *size = all;
    return 0;
}

static void mq__list_write(unsigned char *p, const mq_tag_rec *recs, size_t n)
{
    uint32_t head[2] = {MQ__TAGS_MAGIC, (uint32_t)n};

    memcpy(p, head, sizeof head);
    p += MQ__TAGS_HEAD;
    for (size_t i = 0; i < n; i++) {
        uint32_t len[2] = {recs[i].len, 0};
        size_t pad = mq__pad8(recs[i].len) - recs[i].len;
        memcpy(p, &recs[i].offset, 8);
        memcpy(p + 8, len, sizeof len);
        memcpy(p + MQ__REC_HEAD, recs[i].wire, recs[i].len);
        memset(p + MQ__REC_HEAD + recs[i].len, 0, pad);
        p += MQ__REC_HEAD + recs[i].len + pad;
    }
}

int mq_tags_set(mq_arena *a, mq_id id, const mq_tag_rec *recs, size_t n, int64_t timeout_ns)
{
    mq_id list = MQ_ID_NONE;
    size_t size;
    int rc;

    if (n > 0) {
        if ((rc = mq__list_size(recs, n, &size)) < 0 ||
            (rc = mq__buf_alloc_list(a, size, timeout_ns, &list)) < 0)
            return rc;
        mq__list_write(mq_buf_data(a, list), recs, n);
        mq_buf_set_length(a, list, size);
    }
    if ((rc = mq__buf_tags_swap(a, id, list)) < 0 && list != MQ_ID_NONE)
        mq_buf_release(a, list);
    return rc;
}

/* Reads the list p[0..len) into recs: the number of its records on items below
 * `items`, or MQ_ECORRUPT (MQ_ENOMEM). With recs NULL, only checks and counts. */
static int64_t mq__list_read(const unsigned char *p, size_t len, uint64_t items,
                             mq_tag_rec *recs)
{
    uint32_t head[2];
    size_t at = MQ__TAGS_HEAD;
    int64_t got = 0;

    if (len < MQ__TAGS_HEAD)
        return MQ_ECORRUPT;
    memcpy(head, p, sizeof head);
    if (head[0] != MQ__TAGS_MAGIC || head[1] > (len - MQ__TAGS_HEAD) / MQ__REC_HEAD)
        return MQ_ECORRUPT;
    for (uint32_t i = 0; i < head[1]; i++) {
        uint64_t item;
        uint32_t rl;
        if (len - at < MQ__REC_HEAD)
            return MQ_ECORRUPT;
        memcpy(&item, p + at, 8);
        memcpy(&rl, p + at + 8, 4);
        if (len - at - MQ__REC_HEAD < mq__pad8(rl))
            return MQ_ECORRUPT;
        if (item < items && recs) {
            mq_tag_rec *r = &recs[got];
            r->offset = item;
            r->len = rl;
            if (!(r->wire = malloc(rl ? rl : 1)))
                return MQ_ENOMEM;
            memcpy(r->wire, p + at + MQ__REC_HEAD, rl);
        }
        got += item < items;
        at += MQ__REC_HEAD + mq__pad8(rl);
    }
    return got;
}

/* mq_tags_get of a buffer whose tags field is set: apart, so that the test for
 * one, which every buffer a block receives takes, is one load. */
static __attribute__((noinline)) int mq__tags_read(mq_arena *a, mq_id id, size_t item_size,
                                                   mq_tag_rec **recs, size_t *n)
{
    uint64_t list, items;
    int64_t len, count;
    const unsigned char *src;
    unsigned char *p;
    int rc;

    if ((rc = mq__buf_tags_list(a, id, &list)) < 0 || list == 0)
        return rc;
    len = mq_buf_length(a, id);
    items = len > 0 && item_size ? (uint64_t)len / item_size : 0;
    len = mq_buf_length(a, list);
    src = mq_buf_data(a, list);
    if (len < 0 || !src)
        return MQ_ECORRUPT;
    /* Read from a copy, which no other process can change between the checks and
     * the reads; counted first, so the array is only as long as records were
     * found. */
    if (!(p = malloc(len ? (size_t)len : 1)))
        return MQ_ENOMEM;
    memcpy(p, src, (size_t)len);
    if ((count = mq__list_read(p, (size_t)len, items, NULL)) > 0 &&
        !(*recs = calloc((size_t)count, sizeof **recs)))
        count = MQ_ENOMEM;
    if (count > 0 && (rc = (int)mq__list_read(p, (size_t)len, items, *recs)) < 0) {
        mq_tags_free(*recs, (size_t)count);
        *recs = NULL;
        count = rc;
    }
    free(p);
    if (count < 0)
        return (int)count;
    *n = (size_t)count;
    return 0;
}

int mq_tags_carried(const mq_arena *a, mq_id id)
{
    uint64_t i = MQ__ID_IDX(id);

    return i < a->n_bufs && mq__buf(a, (uint32_t)i)->tags != 0;
}

int mq_tags_get(mq_arena *a, mq_id id, size_t item_size, mq_tag_rec **recs, size_t *n)
{
    *recs = NULL;
    *n = 0;
    if (!mq_tags_carried(a, id))
        return 0;
    return mq__tags_read(a, id, item_size, recs, n);
}
