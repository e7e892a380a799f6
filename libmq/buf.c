/* buf.c - buffer ids, allocation, reference tokens, in-place writability, metadata,
 * and the tag lists buffers carry.
 *
 * The state word of a buffer is {generation, tokens issued, live token mask}. Each
 * step below changes it with one CAS, and writes the slot's journal entry before
 * the CAS, so that after a crash the reclaimer can decide from the state alone
 * whether the step happened:
 *  - alloc: the new generation embeds the slot, so "state.gen == journalled gen"
 *    means this slot's CAS won;
 *  - release and share: clear the caller's own token bit, which no one else can
 *    clear, so "bit still set" means the step did not happen.
 *
 * Tag lists. A buffer may carry a tag list (tags.h): another buffer, named in its
 * `tags` field, whose one token belongs to the buffer rather than to a slot. Only
 * the holder of a buffer's only reference attaches or replaces its list, so every
 * holder of a shared buffer sees the same list; whoever frees the buffer frees the
 * list. The steps, and what a death between them leaves:
 *  - attach (mq__buf_tags_swap): the list is the slot's (HELD) until the buffer's
 *    field names it, then its entry is cleared; an old list is journalled as the
 *    slot's (HELD) before the field stops naming it, and released after. The slot
 *    holds the buffer alone, so its reclaimer frees the buffer too: every list is
 *    released through its entry or with the buffer, and a second release of it is
 *    refused by its token.
 *  - release: a buffer with a list is journalled FREEING, with the list, before
 *    its token is dropped. The reclaimer of a FREEING entry drops the token if it
 *    is still live (and the list with the buffer, if that frees it); if it is not,
 *    and the buffer's life is over, it releases the list, which the dead process
 *    may not have done. The last holder of a buffer can race it there, so a list's
 *    token is always dropped with a CAS: one of them wins.
 * The list names its owner (index and generation) and is flagged, and nothing
 * releases a list that does not name the buffer freed: a damaged field cannot
 * free another's buffer.
 */
#include <string.h>

#include "arena_internal.h"
#include "clock.h"
#include "error.h"
#include "pool.h"

/* Clears the token of `id`. Returns 1 if that freed the buffer, 0 if others still
 * hold it, MQ_ESTALE if the token was not live (already released). A freed buffer
 * is not yet marked in its pool's bitmap: mq__pool_mark_free does that. With
 * `exclusive`, the caller is the token's only releaser (every reference but a tag
 * list's). */
static int mq__token_drop(mq_arena *a, uint64_t id, int exclusive)
{
    uint64_t i = MQ__ID_IDX(id);
    uint32_t bit = 1u << MQ__ID_TOK(id);
    _Atomic uint64_t *sp;
    uint64_t st, nst;

    if ((id & MQ__CELL_TAKEN) || i >= a->n_bufs)
        return MQ_ESTALE;
    sp = &mq__buf(a, (uint32_t)i)->state;
    st = atomic_load(sp);
    if (exclusive && MQ__ST_GEN(st) == MQ__ID_GEN(id) && MQ__ST_LIVE(st) == bit) {
        /* The only live token: no one else can change this word now (sharing and
         * releasing need a live token, allocating needs the buffer free), so a
         * plain store frees it without the locked CAS. */
        atomic_store_explicit(sp, MQ__ST_MAKE(MQ__ST_GEN(st), 0, 0), memory_order_release);
        MQ__CRASHPOINT();
        return 1;
    }
    do {
        uint32_t live = MQ__ST_LIVE(st);
        if (MQ__ST_GEN(st) != MQ__ID_GEN(id) || !(live & bit))
            return MQ_ESTALE;
        live &= ~bit;
        nst = live ? MQ__ST_MAKE(MQ__ST_GEN(st), MQ__ST_ISSUED(st), live)
                   : MQ__ST_MAKE(MQ__ST_GEN(st), 0, 0);
    } while (!atomic_compare_exchange_weak(sp, &st, nst));
    MQ__CRASHPOINT();
    return MQ__ST_LIVE(nst) == 0;
}

/* What buffer `id` carries, read while its token holds it (so no one changes it):
 * its tag list (0: none), and *is_list, whether it is a tag list itself. */
static uint64_t mq__carried(const mq_arena *a, uint64_t id, int *is_list)
{
    uint64_t i = MQ__ID_IDX(id);
    const struct mq__buf *b;

    *is_list = 0;
    if (i >= a->n_bufs)
        return 0;
    b = mq__buf(a, (uint32_t)i);
    *is_list = (b->flags & MQ__BUF_TAGLIST) != 0;
    return *is_list ? 0 : b->tags;
}

/* Drops token `id`; if that freed the buffer, marks it free and releases `list`,
 * the tag list it carried. */
static int mq__drop_with(mq_arena *a, uint64_t id, uint64_t list, int is_list)
{
    int rc = mq__token_drop(a, id, !is_list);

    if (rc == 1) {
        mq__pool_mark_free(a, (uint32_t)MQ__ID_IDX(id));
        if (list)
            mq__tags_free(a, list, id);
    }
    return rc;
}

int mq__token_release(mq_arena *a, uint64_t id)
{
    int is_list;
    uint64_t list = mq__carried(a, id, &is_list);

    return mq__drop_with(a, id, list, is_list);
}

int mq__buf_alive(const mq_arena *a, uint64_t id)
{
    uint64_t i = MQ__ID_IDX(id), st;

    if ((id & MQ__CELL_TAKEN) || i >= a->n_bufs)
        return 0;
    st = atomic_load(&mq__buf(a, (uint32_t)i)->state);
    return MQ__ST_GEN(st) == MQ__ID_GEN(id) && MQ__ST_LIVE(st) != 0;
}

void mq__tags_free(mq_arena *a, uint64_t list, uint64_t owner)
{
    uint64_t i = MQ__ID_IDX(list);
    const struct mq__buf *b;

    if ((list & MQ__CELL_TAKEN) || i >= a->n_bufs)
        return;
    b = mq__buf(a, (uint32_t)i);
    if (!(b->flags & MQ__BUF_TAGLIST) || b->tags != MQ__KEY(owner))
        return; /* not that buffer's list (any more) */
    if (mq__token_drop(a, list, 0) == 1)
        mq__pool_mark_free(a, (uint32_t)i);
}

static uint8_t *mq__data(const mq_arena *a, uint32_t idx)
{
    uint32_t p = mq__pool_of(a, idx);
    return a->base + a->off_data + a->pool_data_off[p] +
           (uint64_t)(idx - a->pool_first[p]) * a->layout.pools[p].size;
}

/* Asks for buffer idx's metadata line in exclusive state (a CAS on its state word
 * comes) and for the first line of its data, so that a batch waits for those
 * transfers from the other core together rather than one after another. */
void mq__buf_prefetch(const mq_arena *a, uint64_t idx, int write_data)
{
    if (idx >= a->n_bufs)
        return;
    mq__prefetch_w(mq__buf(a, (uint32_t)idx));
    if (write_data)
        mq__prefetch_w(mq__data(a, (uint32_t)idx));
    else
        __builtin_prefetch(mq__data(a, (uint32_t)idx), 0);
}

static uint32_t mq__next_gen(uint32_t gen, uint32_t slot)
{
    uint32_t seq = (gen >> MQ__SLOT_BITS) + 1;
    if (seq >= (1u << (MQ__GEN_BITS - MQ__SLOT_BITS)))
        seq = 1;
    return (seq << MQ__SLOT_BITS) | slot;
}

static int mq__pool_for(const mq_arena *a, size_t size)
{
    for (uint32_t p = 0; p < a->layout.n_pools; p++)
        if (size <= a->layout.pools[p].size)
            return (int)p;
    return MQ_ERANGE;
}

/* One attempt on a claimed index: journal, CAS, initialise. 0 on success, MQ_EAGAIN
 * if the buffer was not free after all (a stale hint). */
static int mq__alloc_at(mq_arena *a, uint32_t idx, struct mq__held *e, uint32_t flags,
                        uint64_t *out)
{
    struct mq__buf *b = mq__buf(a, idx);
    uint64_t st = atomic_load(&b->state);
    uint32_t gen;

    if (MQ__ST_ISSUED(st) != 0 || MQ__ST_LIVE(st) != 0)
        return MQ_EAGAIN;
    gen = mq__next_gen(MQ__ST_GEN(st), (uint32_t)a->slot);
    atomic_store_explicit(&e->id, MQ__ID(idx, gen, 0), memory_order_relaxed);
    mq__held_set(a, e, MQ__H_ALLOC);
    MQ__CRASHPOINT();
    /* This CAS makes the allocation real; the journal already names it. */
    if (!atomic_compare_exchange_strong(&b->state, &st, MQ__ST_MAKE(gen, 1, 1))) {
        mq__held_set(a, e, MQ__H_EMPTY);
        return MQ_EAGAIN;
    }
    MQ__CRASHPOINT();
    b->length = 0;
    memset(&b->ts, 0, sizeof b->ts);
    b->creator = a->slot;
    b->flags = flags;
    b->tags = 0;
    mq__held_set(a, e, MQ__H_HELD);
    MQ__CRASHPOINT();
    *out = MQ__ID(idx, gen, 0);
    return 0;
}

/* mq_buf_alloc, the buffer's flags set to `flags`. Inlined into both: a call more
 * cost mq_buf_alloc+release about 1 ns of its 24 (bench_core). */
static inline __attribute__((always_inline)) int mq__alloc(mq_arena *a, size_t size,
                                                           int64_t timeout_ns, uint32_t flags,
                                                           mq_id *out)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__held *e;
    struct mq__pool *pool;
    int p = mq__pool_for(a, size), rc;
    uint32_t idx;

    *out = MQ_ID_NONE;
    if (p < 0)
        return p;
    if (a->slot < 0)
        return MQ_EINVAL;
    if (!(e = mq__held_new(a)))
        return MQ_ENOSPC;
    pool = mq__pool(a, (uint32_t)p);
    for (;;) {
        while (mq__pool_claim(a, (uint32_t)p, &idx) == 0) {
            if ((rc = mq__alloc_at(a, idx, e, flags, out)) == 0) {
                atomic_fetch_add_explicit(&pool->allocs, 1, memory_order_relaxed);
                return 0;
            }
        }
        if (timeout_ns == 0 || (deadline >= 0 && mq_now_ns() >= deadline)) {
            atomic_fetch_add_explicit(&pool->failures, 1, memory_order_relaxed);
            return timeout_ns == 0 ? MQ_ENOBUFS : MQ_ETIMEDOUT;
        }
        uint32_t seq = mq__doorbell_arm(a, &pool->bell);
        if (mq__pool_claim(a, (uint32_t)p, &idx) == 0) {
            mq__doorbell_disarm(a, &pool->bell);
            if (mq__alloc_at(a, idx, e, flags, out) == 0) {
                atomic_fetch_add_explicit(&pool->allocs, 1, memory_order_relaxed);
                return 0;
            }
            continue;
        }
        mq__doorbell_wait(a, &pool->bell, seq, deadline);
    }
}

int mq_buf_alloc(mq_arena *a, size_t size, int64_t timeout_ns, mq_id *out)
{
    return mq__alloc(a, size, timeout_ns, 0, out);
}

int mq__buf_alloc_list(mq_arena *a, size_t size, int64_t timeout_ns, uint64_t *out)
{
    return mq__alloc(a, size, timeout_ns, MQ__BUF_TAGLIST, out);
}

int mq_buf_alloc_many(mq_arena *a, size_t size, int n, int64_t timeout_ns, mq_id *out)
{
    uint32_t idx[MQ_BUF_BATCH];
    int p = mq__pool_for(a, size), k = 0, got = 0, rc;

    if (n <= 0 || n > MQ_BUF_BATCH)
        return MQ_EINVAL;
    if (p < 0 || a->slot < 0)
        return mq_buf_alloc(a, size, timeout_ns, out); /* its error */
    /* Claim the batch and ask for all its lines before the first CAS, so that
     * their transfers from the releasing core overlap. */
    while (k < n && mq__pool_claim(a, (uint32_t)p, &idx[k]) == 0)
        mq__buf_prefetch(a, idx[k++], 1);
    for (int i = 0; i < k; i++) {
        struct mq__held *e = mq__held_new(a);
        if (!e) { /* the table is full: what is left goes back */
            while (i < k)
                mq__pool_mark_free(a, idx[i++]);
            break;
        }
        got += mq__alloc_at(a, idx[i], e, 0, &out[got]) == 0; /* else a stale hint */
    }
    if (got == 0) /* nothing free, or no entry: mq_buf_alloc waits or says why */
        return (rc = mq_buf_alloc(a, size, timeout_ns, out)) < 0 ? rc : 1;
    atomic_fetch_add_explicit(&mq__pool(a, (uint32_t)p)->allocs, (uint64_t)got,
                              memory_order_relaxed);
    return got;
}

/* Not mq_buf_release_many(a, &id, 1): its prefetch and batch bookkeeping cost
 * about 10 ns per call (bench_core alloc+release 43 -> 53 ns). The steps are the
 * same, and so is the crash reasoning in the comment there. */
/* Whether buffer `id` carries a tag list or is one (its release then takes the
 * steps of mq__release_tagged): two loads from the line its state word is on. */
static inline int mq__tagged(const mq_arena *a, uint64_t id)
{
    uint64_t i = MQ__ID_IDX(id);
    const struct mq__buf *b;

    if (i >= a->n_bufs)
        return 0;
    b = mq__buf(a, (uint32_t)i);
    return (b->tags | b->flags) != 0;
}

/* mq_buf_release of a buffer with a tag list, or of a list, through entry e. */
static __attribute__((noinline)) int mq__release_tagged(mq_arena *a, struct mq__held *e,
                                                        mq_id id)
{
    int is_list;
    uint64_t list = mq__carried(a, id, &is_list);

    if (list) {
        /* The journal names the list before the drop that may free the buffer: a
         * death between that and the list's release leaves it to the reclaimer. */
        e->pos = list;
        mq__held_set(a, e, MQ__H_FREEING);
        MQ__CRASHPOINT();
    }
    mq__drop_with(a, id, list, is_list);
    mq__held_set(a, e, MQ__H_EMPTY);
    MQ__CRASHPOINT();
    return 0;
}

int mq_buf_release(mq_arena *a, mq_id id)
{
    struct mq__held *e = mq__held_find(a, id);

    if (!e)
        return MQ_ESTALE;
    if (mq__tagged(a, id))
        return mq__release_tagged(a, e, id);
    /* Token first, entry second: a crash between leaves an entry whose token is
     * already clear, which the reclaimer recognises and skips. */
    if (mq__token_drop(a, id, 1) == 1)
        mq__pool_mark_free(a, (uint32_t)MQ__ID_IDX(id));
    mq__held_set(a, e, MQ__H_EMPTY);
    MQ__CRASHPOINT();
    return 0;
}

int mq_buf_release_many(mq_arena *a, const mq_id *ids, int n)
{
    uint32_t freed[MQ_BUF_BATCH], nfreed = 0;
    int rc = 0;

    if (n < 0 || n > MQ_BUF_BATCH)
        return MQ_EINVAL;
    for (int i = 0; i < n; i++)
        mq__buf_prefetch(a, MQ__ID_IDX(ids[i]), 0);
    for (int i = 0; i < n; i++) {
        struct mq__held *e = mq__held_find(a, ids[i]);
        if (!e) {
            rc = MQ_ESTALE;
            continue;
        }
        if (mq__tagged(a, ids[i])) {
            mq__release_tagged(a, e, ids[i]); /* the steps a tag list needs */
            continue;
        }
        /* Token first, entry second: a crash between leaves an entry whose token
         * is already clear, which the reclaimer recognises and skips. A crash
         * before the bitmap marks below leaves free buffers unmarked, which the
         * reclaimer's pool repair marks. */
        if (mq__token_drop(a, ids[i], 1) == 1)
            freed[nfreed++] = (uint32_t)MQ__ID_IDX(ids[i]);
        mq__held_set(a, e, MQ__H_EMPTY);
        MQ__CRASHPOINT();
    }
    mq__pool_mark_free_many(a, freed, nfreed);
    return rc;
}

int mq_buf_share(mq_arena *a, mq_id id, unsigned n, mq_id *out)
{
    struct mq__held *e = mq__held_find(a, id);
    uint64_t i = MQ__ID_IDX(id), st, nst;
    uint32_t bit = 1u << MQ__ID_TOK(id), base = 0, gen = MQ__ID_GEN(id);
    _Atomic uint64_t *sp;

    if (!e)
        return MQ_ESTALE;
    if (n == 0 || n > MQ__TOKENS)
        return MQ_EINVAL;
    if (mq__held_free_count(a, n) < n)
        return MQ_ENOSPC;
    sp = &mq__buf(a, (uint32_t)i)->state;
    st = atomic_load(sp);
    for (;;) {
        uint32_t live = MQ__ST_LIVE(st);
        base = MQ__ST_ISSUED(st);
        if (MQ__ST_GEN(st) != gen || !(live & bit))
            return MQ_ESTALE;
        if (base + n > MQ__TOKENS)
            return MQ_ENOSPC;
        e->pos = base;
        e->aux = n;
        mq__held_set(a, e, MQ__H_SHARE);
        MQ__CRASHPOINT();
        uint32_t mask = (n == 32 ? ~0u : ((1u << n) - 1)) << base;
        nst = MQ__ST_MAKE(gen, base + n, (live & ~bit) | mask);
        if (atomic_compare_exchange_strong(sp, &st, nst)) {
            MQ__CRASHPOINT();
            break;
        }
        mq__held_set(a, e, MQ__H_HELD);
    }
    for (unsigned k = 0; k < n; k++)
        out[k] = MQ__ID(i, gen, base + k);
    for (unsigned k = 0; k < n; k++) {
        struct mq__held *ne = mq__held_new(a);
        atomic_store_explicit(&ne->id, out[k], memory_order_relaxed);
        ne->conn = e->conn; /* the same items */
        mq__held_set(a, ne, MQ__H_HELD);
        MQ__CRASHPOINT();
    }
    /* Last: until the SHARE entry goes, a reclaimer releases the new tokens through
     * it (their own entries may or may not exist yet; release is idempotent). */
    mq__held_set(a, e, MQ__H_EMPTY);
    return 0;
}

int mq_buf_sole(mq_arena *a, mq_id id)
{
    uint32_t idx;

    if (!mq__held_find(a, id) || mq__id_check(a, id, &idx) < 0)
        return MQ_ESTALE;
    return MQ__ST_LIVE(atomic_load(&mq__buf(a, idx)->state)) == (1u << MQ__ID_TOK(id));
}

int mq_buf_writable(mq_arena *a, mq_id *id)
{
    uint64_t st;
    uint32_t idx, nidx;
    mq_id copy;
    int rc;

    if (!mq__held_find(a, *id) || mq__id_check(a, *id, &idx) < 0)
        return MQ_ESTALE;
    st = atomic_load(&mq__buf(a, idx)->state);
    if (MQ__ST_LIVE(st) == (1u << MQ__ID_TOK(*id)))
        return 0;
    rc = mq_buf_alloc(a, a->layout.pools[mq__pool_of(a, idx)].size, 0, &copy);
    if (rc < 0)
        return rc;
    nidx = (uint32_t)MQ__ID_IDX(copy);
    struct mq__buf *src = mq__buf(a, idx), *dst = mq__buf(a, nidx);
    uint64_t len = src->length;
    if (len > a->layout.pools[mq__pool_of(a, idx)].size)
        len = 0; /* a corrupt length copies nothing rather than overrunning */
    memcpy(mq__data(a, nidx), mq__data(a, idx), len);
    dst->length = len;
    dst->ts = src->ts;
    /* The copy carries the same items: whose they are goes with it before the
     * original goes (a death between them counts them once, on the copy). */
    struct mq__held *oe = mq__held_find(a, *id), *ne = mq__held_find(a, copy);
    if (oe && ne) {
        ne->conn = oe->conn;
        ne->to = oe->to;
    }
    mq_buf_release(a, *id);
    *id = copy;
    return 1;
}

void *mq_buf_data(mq_arena *a, mq_id id)
{
    uint32_t idx;
    return mq__id_check(a, id, &idx) < 0 ? NULL : mq__data(a, idx);
}

int64_t mq_buf_capacity(mq_arena *a, mq_id id)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    return rc < 0 ? rc : (int64_t)a->layout.pools[mq__pool_of(a, idx)].size;
}

int64_t mq_buf_length(mq_arena *a, mq_id id)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    return rc < 0 ? rc : mq__length_at(a, idx);
}

int mq_buf_set_length(mq_arena *a, mq_id id, size_t length)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    if (rc < 0)
        return rc;
    if (length > a->layout.pools[mq__pool_of(a, idx)].size)
        return MQ_EINVAL;
    mq__buf(a, idx)->length = length;
    return 0;
}

int mq_buf_timestamp(mq_arena *a, mq_id id, mq_timestamp *out)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    if (rc < 0)
        return rc;
    *out = mq__buf(a, idx)->ts;
    return 0;
}

int mq_buf_set_timestamp(mq_arena *a, mq_id id, const mq_timestamp *ts)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    if (rc < 0)
        return rc;
    if (ts->type > MQ_TS_SAMPLE_INDEX || (ts->flags & ~MQ_TS_HAS_RANGE))
        return MQ_EINVAL;
    mq__buf(a, idx)->ts = *ts;
    return 0;
}

int mq_buf_refcount(mq_arena *a, mq_id id)
{
    uint32_t idx;
    int rc = mq__id_check(a, id, &idx);
    if (rc < 0)
        return rc;
    return __builtin_popcount(MQ__ST_LIVE(atomic_load(&mq__buf(a, idx)->state)));
}

int mq_buf_tag(mq_arena *a, mq_id id, uint32_t from, uint32_t to)
{
    struct mq__held *e = mq__held_find(a, id);

    if (!e)
        return MQ_ESTALE;
    if (from != MQ_TAG_KEEP)
        e->conn = from;
    if (to != MQ_TAG_KEEP)
        e->to = to;
    return 0;
}

/* ---- tag lists -------------------------------------------------------------------- */

int mq__buf_tags_list(const mq_arena *a, uint64_t id, uint64_t *list)
{
    uint32_t idx, li;
    const struct mq__buf *b;
    uint64_t t;

    *list = 0;
    if (mq__id_check(a, id, &idx) < 0)
        return MQ_ESTALE;
    b = mq__buf(a, idx);
    t = b->tags;
    if ((b->flags & MQ__BUF_TAGLIST) || t == 0)
        return 0;
    if (mq__id_check(a, t, &li) < 0 || !(mq__buf(a, li)->flags & MQ__BUF_TAGLIST) ||
        mq__buf(a, li)->tags != MQ__KEY(id))
        return MQ_ECORRUPT;
    *list = t;
    return 0;
}

int mq__buf_tags_swap(mq_arena *a, uint64_t id, uint64_t list)
{
    struct mq__held *e = mq__held_find(a, id), *le = list ? mq__held_find(a, list) : NULL;
    struct mq__held *oe = NULL;
    uint64_t old;
    uint32_t idx;
    int rc;

    if (!e || (list && !le) || mq__id_check(a, id, &idx) < 0)
        return MQ_ESTALE;
    struct mq__buf *b = mq__buf(a, idx);
    if ((b->flags & MQ__BUF_TAGLIST) ||
        (list && !(mq__buf(a, (uint32_t)MQ__ID_IDX(list))->flags & MQ__BUF_TAGLIST)))
        return MQ_EINVAL;
    if (MQ__ST_LIVE(atomic_load(&b->state)) != 1u << MQ__ID_TOK(id))
        return MQ_EBUSY; /* others hold it and see its list */
    if ((rc = mq__buf_tags_list(a, id, &old)) < 0)
        return rc;
    if (old && !(oe = mq__held_new(a)))
        return MQ_ENOSPC;
    if (list)
        mq__buf(a, (uint32_t)MQ__ID_IDX(list))->tags = MQ__KEY(id); /* before it is named */
    if (oe) {
        /* The old list is this slot's too until it is released below. */
        atomic_store_explicit(&oe->id, old, memory_order_relaxed);
        mq__held_set(a, oe, MQ__H_HELD);
        MQ__CRASHPOINT();
    }
    /* The switch: from here on the buffer carries the new list. */
    b->tags = list;
    MQ__CRASHPOINT();
    if (le) { /* the buffer's now */
        mq__held_set(a, le, MQ__H_EMPTY);
        MQ__CRASHPOINT();
    }
    if (oe)
        mq_buf_release(a, old);
    return 0;
}
