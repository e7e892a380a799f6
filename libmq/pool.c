/* pool.c - the "probably free" bitmaps of the size-class pools, their repair, and
 * pool statistics.
 *
 * Claiming clears a bit with fetch_and and so hands the bit to exactly one process;
 * the claimer then confirms with a CAS on the buffer's state word (buf.c). Freeing sets
 * the state word first and the bit second. A process killed between the two steps
 * leaves a free buffer whose bit is clear: invisible, not lost. mq__pool_repair(),
 * run by every reclaim, sets the bit of every free buffer; a bit set on a buffer that
 * is not free is harmless, because the claimer's CAS refuses it.
 *
 * In large pools a claim takes up to MQ__CLAIM_BATCH bits at once and keeps the
 * rest in the handle; those buffers are free in their state words, so they are
 * counted free, a crash loses none of them (repair), and the process gives them
 * back before it sleeps (mq__doorbell_arm) or detaches.
 */
#include "arena_internal.h"
#include "error.h"
#include "pool.h"

/* How many buffers one bitmap access may claim. Claiming a batch means the
 * allocator and the releaser (usually the next block) touch a bitmap word once per
 * batch instead of once per buffer, which stops that cache line from bouncing
 * between their cores. Small pools claim one at a time, so a batch can never hide
 * a noticeable share of a pool. */
static uint32_t mq__batch(const mq_arena *a, uint32_t pool)
{
    return a->layout.pools[pool].count >= 256 ? MQ__CLAIM_BATCH : 1;
}

/* Where a claim starts looking. Pools of page-sized buffers or larger take the
 * lowest free buffer, so the buffers in use stay few and their data warm in cache:
 * a 3-block chain of 64 KiB buffers ran 30% faster than when claims went round the
 * whole pool (32 MiB). Smaller buffers' whole pool fits in cache anyway, and there
 * the cost is the lines the releaser is still writing: those claims start at the
 * word after the last claim's, so they take the buffers freed longest ago
 * (doc/ownership.md has the figures). */
static int mq__lowest_first(const mq_arena *a, uint32_t pool)
{
    return a->layout.pools[pool].size >= 4096;
}

/* Stacks the buffers of bitmap word w whose bits are set in `got`, to be handed out
 * in ascending order when `ascending`, else descending.
 *
 * Page-sized buffers go in ascending order: a consumer reading a batch of them then
 * reads up through memory, and the CPU's prefetchers carry on from one page into
 * the next. Handed out highest first, a 4 KiB buffer written by the other core
 * took its reader 1300-1400 cycles instead of 700, and bench_core's 4 KiB set ran
 * 10-15% slower. Small buffers go the other way: in ascending order bench_core's
 * 64 B set ran 15-20% slower, for a reason not found (doc/ownership.md). */
static void mq__claim_push(mq_arena *a, uint32_t pool, uint32_t w, uint64_t got,
                           int ascending)
{
    uint32_t count = a->layout.pools[pool].count;

    while (got) {
        uint32_t b = ascending ? 63 - (uint32_t)__builtin_clzll(got)
                               : (uint32_t)__builtin_ctzll(got);
        uint32_t i = w * 64 + b;
        got &= ~(1ULL << b);
        if (i < count) /* a stray bit past the end is dropped */
            a->claim[pool][a->claim_n[pool]++] = a->pool_first[pool] + i;
    }
}

int mq__pool_claim(mq_arena *a, uint32_t pool, uint32_t *idx)
{
    if (a->claim_n[pool] > 0) { /* first, as most claims of a batch end here */
        *idx = a->claim[pool][--a->claim_n[pool]];
        return 0;
    }
    _Atomic uint64_t *bm = mq__bitmap(a) + a->pool_bitmap_word[pool];
    uint32_t count = a->layout.pools[pool].count;
    uint32_t words = (count + 63) / 64;
    int low = mq__lowest_first(a, pool);
    uint32_t start = low ? 0 : a->alloc_cursor[pool] % words;
    uint32_t batch = mq__batch(a, pool);

    for (uint32_t k = 0; k < words; k++) {
        uint32_t w = (start + k) % words;
        uint64_t v = atomic_load_explicit(&bm[w], memory_order_relaxed);
        while (v) {
            uint64_t want = 0, rest = v;
            for (uint32_t n = 0; n < batch && rest; n++) {
                want |= rest & -rest;
                rest &= rest - 1;
            }
            uint64_t got = atomic_fetch_and(&bm[w], ~want) & want;
            a->alloc_cursor[pool] = w + 1;
            mq__claim_push(a, pool, w, got, low);
            if (a->claim_n[pool] > 0) {
                *idx = a->claim[pool][--a->claim_n[pool]];
                return 0;
            }
            v = atomic_load_explicit(&bm[w], memory_order_relaxed);
        }
    }
    return MQ_ENOBUFS;
}

/* The one-buffer case of mq__pool_mark_free_many below, written out because every
 * mq_buf_release goes through it: calling the batch version cost ~10 ns per
 * release in bench_core's alloc+release. */
void mq__pool_mark_free(mq_arena *a, uint32_t idx)
{
    uint32_t p = mq__pool_of(a, idx);
    uint32_t i = idx - a->pool_first[p];

    atomic_fetch_or(&mq__bitmap(a)[a->pool_bitmap_word[p] + i / 64], 1ULL << (i % 64));
    mq__doorbell_ring(&mq__pool(a, p)->bell);
}

/* Marks idx[0..n) free with one fetch_or per bitmap word and one ring per pool:
 * a releaser of a batch touches the lines its allocator also uses once, not once
 * per buffer. */
void mq__pool_mark_free_many(mq_arena *a, const uint32_t *idx, uint32_t n)
{
    uint32_t word[MQ_BUF_BATCH], nw = 0, rung = 0; /* rung: pools, as bits */
    uint64_t bits[MQ_BUF_BATCH];

    /* The buffers of a batch mostly share a word or two, so the search for an
     * index's word among those seen is short. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = mq__pool_of(a, idx[i]), k = idx[i] - a->pool_first[p];
        uint32_t w = a->pool_bitmap_word[p] + k / 64, j = nw;
        while (j > 0 && word[j - 1] != w)
            j--;
        if (j == 0) {
            word[nw] = w;
            bits[nw++] = 1ULL << (k % 64);
        } else {
            bits[j - 1] |= 1ULL << (k % 64);
        }
        rung |= 1u << p;
    }
    for (uint32_t j = 0; j < nw; j++)
        atomic_fetch_or(&mq__bitmap(a)[word[j]], bits[j]);
    for (uint32_t p = 0; p < a->layout.n_pools; p++)
        if (rung & (1u << p))
            mq__doorbell_ring(&mq__pool(a, p)->bell);
}

void mq__pool_unclaim(mq_arena *a)
{
    for (uint32_t p = 0; p < a->layout.n_pools; p++) {
        while (a->claim_n[p] > 0)
            mq__pool_mark_free(a, a->claim[p][--a->claim_n[p]]);
    }
}

void mq__pool_repair(mq_arena *a)
{
    for (uint32_t idx = 0; idx < a->n_bufs; idx++) {
        uint64_t st = atomic_load(&mq__buf(a, idx)->state);
        if (MQ__ST_ISSUED(st) == 0 && MQ__ST_LIVE(st) == 0)
            mq__pool_mark_free(a, idx);
    }
}

void mq_pool_give_back(mq_arena *a)
{
    mq__pool_unclaim(a);
}

int mq_pool_count(const mq_arena *a)
{
    return (int)a->layout.n_pools;
}

int mq_pool_stats_get(mq_arena *a, uint32_t pool, mq_pool_stats *out)
{
    const struct mq__pool *p;
    uint32_t first, count, nfree = 0;

    if (pool >= a->layout.n_pools)
        return MQ_EINVAL;
    p = mq__pool(a, pool);
    first = a->pool_first[pool];
    count = a->layout.pools[pool].count;
    for (uint32_t i = first; i < first + count; i++) {
        uint64_t st = atomic_load(&mq__buf(a, i)->state);
        nfree += MQ__ST_ISSUED(st) == 0 && MQ__ST_LIVE(st) == 0;
    }
    out->size = a->layout.pools[pool].size;
    out->count = count;
    out->free = nfree;
    out->allocs = atomic_load(&p->allocs);
    out->failures = atomic_load(&p->failures);
    return 0;
}
