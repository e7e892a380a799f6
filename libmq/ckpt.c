/* ckpt.c - a block's checkpoint record (ckpt.h). */
#include <string.h>

#include "arena_internal.h"
#include "error.h"

/* Only the entries and bytes in use: a commit runs before every send. */
static void mq__ckpt_copy(mq_ckpt *dst, const mq_ckpt *src)
{
    dst->fly = src->fly;
    dst->n_cur = src->n_cur;
    dst->flags = src->flags;
    dst->len = src->len;
    dst->n_read = src->n_read;
    dst->n_written = src->n_written;
    memcpy(dst->cur, src->cur, src->n_cur * sizeof src->cur[0]);
    memcpy(dst->items_read, src->items_read, src->n_read * sizeof src->items_read[0]);
    memcpy(dst->items_written, src->items_written, src->n_written * sizeof src->items_written[0]);
    memcpy(dst->data, src->data, src->len);
}

int mq_ckpt_commit(mq_arena *a, uint32_t block, const mq_ckpt *k)
{
    if (block >= a->layout.n_blocks || k->n_cur > MQ_MAX_PORTS || k->n_read > MQ_MAX_PORTS ||
        k->n_written > MQ_MAX_PORTS || k->len > MQ_CHECKPOINT_MAX)
        return MQ_EINVAL;
    struct mq__ckpt *r = mq__ckpt(a, block);
    uint64_t seq = atomic_load_explicit(&r->seq, memory_order_relaxed) + 1;

    mq__ckpt_copy(&r->copy[seq & 1], k);
    MQ__CRASHPOINT();
    /* The flip makes the copy the record: before it, a kill leaves the old one. */
    atomic_store_explicit(&r->seq, seq, memory_order_release);
    return 0;
}

int mq_ckpt_load(const mq_arena *a, uint32_t block, mq_ckpt *k)
{
    if (block >= a->layout.n_blocks)
        return MQ_EINVAL;
    const struct mq__ckpt *r = mq__ckpt(a, block);
    uint64_t seq = atomic_load_explicit(&r->seq, memory_order_acquire);
    const mq_ckpt *c = &r->copy[seq & 1];
    /* Read once: the arena is not trusted, and a check must hold for what is used. */
    uint32_t n_cur = c->n_cur, len = c->len, flags = c->flags;
    uint32_t n_read = c->n_read, n_written = c->n_written;

    if (seq == 0)
        return MQ_ENOENT;
    if (n_cur > MQ_MAX_PORTS || len > MQ_CHECKPOINT_MAX || n_read > MQ_MAX_PORTS ||
        n_written > MQ_MAX_PORTS)
        return MQ_ECORRUPT;
    k->fly = c->fly;
    k->n_cur = (uint16_t)n_cur;
    k->flags = (uint16_t)flags;
    k->len = len;
    k->n_read = (uint16_t)n_read;
    k->n_written = (uint16_t)n_written;
    memcpy(k->cur, c->cur, n_cur * sizeof c->cur[0]);
    memcpy(k->items_read, c->items_read, n_read * sizeof c->items_read[0]);
    memcpy(k->items_written, c->items_written, n_written * sizeof c->items_written[0]);
    memcpy(k->data, c->data, len);
    return 0;
}
