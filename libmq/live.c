/* live.c - the live areas of the arena (see live.h and struct mq__live).
 *
 * Publication (the supervisor, the only writer of seq, len and text): seq becomes
 * odd, the text and its length are written, seq becomes even again. A reader
 * copies the text between two reads of seq and keeps the copy only if both saw the
 * same even value. If the supervisor dies half way, seq stays odd and the block
 * keeps what it has; the graph is going down with its supervisor anyway.
 *
 * Requests (the block, the only writer of req_id, req_len and req): the block
 * writes req and req_len only while req_done == req_id (the supervisor has copied
 * the previous one), then publishes with a release store of req_id + 1. The
 * supervisor copies what req_len says, bounded by MQ_LIVE_REQ, and only then stores
 * req_done, so the block never writes a request that is being read. What a block
 * writes there is data to check: the supervisor parses it like a `set`.
 */
#include <stdlib.h>
#include <string.h>

#include "arena_internal.h"
#include "error.h"
#include "live.h"
#include "registry.h"

static struct mq__live *mq__live_of(const mq_arena *a, uint32_t block)
{
    return block < (uint32_t)mq_registry_block_count(a) ? mq__live(a, block) : NULL;
}

int64_t mq_live_publish(mq_arena *a, uint32_t block, const char *text, size_t len)
{
    struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return MQ_EINVAL;
    if (len >= MQ_LIVE_TEXT)
        return MQ_ERANGE;
    uint64_t seq = atomic_load_explicit(&l->seq, memory_order_relaxed) | 1;
    atomic_store_explicit(&l->seq, seq, memory_order_relaxed);
    atomic_thread_fence(memory_order_release); /* the odd seq before the text */
    memcpy(l->text, text, len);
    l->text[len] = 0;
    atomic_store_explicit(&l->len, (uint32_t)len, memory_order_relaxed);
    /* This store makes the publication visible. */
    atomic_store_explicit(&l->seq, seq + 1, memory_order_release);
    return (int64_t)(seq + 1);
}

int mq_live_info_get(const mq_arena *a, uint32_t block, mq_live_info *out)
{
    const struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return MQ_EINVAL;
    out->seq = atomic_load(&l->seq) & ~1ULL;
    out->applied = atomic_load(&l->applied);
    out->applied_item = atomic_load(&l->applied_item);
    return 0;
}

int mq_live_take(const mq_arena *a, uint32_t block, uint64_t seen, char **text, size_t *len,
                 uint64_t *seq)
{
    const struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return MQ_EINVAL;
    uint64_t s1 = atomic_load_explicit(&l->seq, memory_order_acquire);
    if (s1 == seen || (s1 & 1) || s1 == 0)
        return 0;
    uint32_t n = atomic_load_explicit(&l->len, memory_order_relaxed);
    if (n >= MQ_LIVE_TEXT)
        return 0; /* not a length the supervisor writes: a torn read */
    char *copy = malloc((size_t)n + 1);
    if (!copy)
        return MQ_ENOMEM;
    memcpy(copy, l->text, n);
    copy[n] = 0;
    atomic_thread_fence(memory_order_acquire); /* the copy before the second read */
    if (atomic_load_explicit(&l->seq, memory_order_relaxed) != s1) {
        free(copy);
        return 0; /* overwritten meanwhile: the next check takes the newer one */
    }
    *text = copy;
    *len = strlen(copy); /* a NUL inside ends it: the parser sees what it can check */
    *seq = s1;
    return 1;
}

int mq_live_changed(const mq_arena *a, uint32_t block, uint64_t seen)
{
    const struct mq__live *l = mq__live_of(a, block);
    return l && (atomic_load_explicit(&l->seq, memory_order_acquire) & ~1ULL) != (seen & ~1ULL);
}

void mq_live_applied(mq_arena *a, uint32_t block, uint64_t seq, uint64_t item)
{
    struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return;
    atomic_store_explicit(&l->applied_item, item, memory_order_relaxed);
    atomic_store_explicit(&l->applied, seq, memory_order_release);
}

int mq_live_post(mq_arena *a, uint32_t block, const char *text, size_t len)
{
    struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return MQ_EINVAL;
    if (len >= MQ_LIVE_REQ)
        return MQ_ERANGE;
    uint64_t id = atomic_load_explicit(&l->req_id, memory_order_relaxed);
    if (atomic_load_explicit(&l->req_done, memory_order_acquire) != id)
        return MQ_EAGAIN;
    memcpy(l->req, text, len);
    l->req[len] = 0;
    atomic_store_explicit(&l->req_len, (uint32_t)len, memory_order_relaxed);
    /* This store makes the request visible. */
    atomic_store_explicit(&l->req_id, id + 1, memory_order_release);
    return 0;
}

int mq_live_request(const mq_arena *a, uint32_t block, char *buf, size_t cap, uint64_t *id)
{
    const struct mq__live *l = mq__live_of(a, block);

    if (!l || cap == 0)
        return MQ_EINVAL;
    uint64_t posted = atomic_load_explicit(&l->req_id, memory_order_acquire);
    if (posted == atomic_load_explicit(&l->req_done, memory_order_relaxed))
        return 0;
    uint32_t n = atomic_load_explicit(&l->req_len, memory_order_relaxed);
    if (n >= MQ_LIVE_REQ)
        n = 0; /* a block wrote what it may not: an empty request, refused later */
    if (n >= cap)
        n = (uint32_t)cap - 1;
    memcpy(buf, l->req, n);
    buf[n] = 0;
    *id = posted;
    return 1;
}

int mq_live_request_done(mq_arena *a, uint32_t block, uint64_t id)
{
    struct mq__live *l = mq__live_of(a, block);

    if (!l)
        return MQ_EINVAL;
    atomic_store_explicit(&l->req_done, id, memory_order_release);
    return 0;
}
