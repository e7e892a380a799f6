/* queue.c - connection queues: a ring of buffer ids with a producer-owned tail and a
 * head owned by whoever holds the head cell.
 *
 * Push (producer only): journal PUSH{conn, pos = tail}, write the cell, publish with
 * a release store of tail, forget. tail is written by the producer alone, so after a
 * crash "tail > pos" says exactly whether the push happened.
 *
 * Take (the consumer popping, or the producer dropping the oldest): journal
 * TAKE{conn, pos = head, id}, CAS the head cell from id to TAKEN|slot, mark the entry
 * HELD, then advance head. While a cell is TAKEN by one slot, no one else advances
 * head past it, so "head == pos and cell == TAKEN|slot" says exactly whether this
 * slot's take happened, even with two takers. A taker that finds the head cell
 * TAKEN by another reports the queue as momentarily empty; if that other died, the
 * reclaimer advances the head for it.
 *
 * Ids are unique over time (the generation changes on every allocation), so a taker
 * that read a cell and was overtaken cannot CAS a newer id by mistake.
 */
#include "arena_internal.h"
#include "clock.h"
#include "error.h"
#include "queue.h"
#include "registry.h"

#define MQ__SPINS 200

static inline void mq__relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Checked view of a connection: its index and the configuration fields, each
 * bounded, since they come from shared memory. */
struct mq__qview {
    struct mq__conn *c;
    _Atomic uint64_t *cells;
    uint64_t mask;
    uint32_t depth, policy;
    uint32_t wake; /* the level of the wake-up rule in the file comment */
    struct mq__doorbell *src_bell, *dst_bell;
};

static int mq__view(const mq_arena *a, uint32_t conn, struct mq__qview *v)
{
    const struct mq__hdr *h = mq__hdr(a);
    uint32_t used = atomic_load(&h->conns_used);

    if (conn >= a->layout.n_conns || conn >= used)
        return MQ_EINVAL;
    v->c = mq__conn(a, conn);
    v->cells = mq__cells(a, conn);
    v->mask = a->layout.queue_cap - 1;
    v->depth = v->c->depth;
    if (v->depth == 0 || v->depth > a->layout.queue_cap)
        v->depth = a->layout.queue_cap;
    v->policy = v->c->policy <= MQ_POLICY_DROP_NEWEST ? v->c->policy : MQ_POLICY_BLOCK;
    v->wake = v->depth >= 8 ? v->depth / 2 : 1;
    v->src_bell = v->c->src_block < a->layout.n_blocks ? &mq__block(a, v->c->src_block)->bell : NULL;
    v->dst_bell = v->c->dst_block < a->layout.n_blocks ? &mq__block(a, v->c->dst_block)->bell : NULL;
    return 0;
}

static void mq__ring(struct mq__doorbell *d)
{
    if (d)
        mq__doorbell_ring(d);
}

/* ---- wake-ups ------------------------------------------------------------------ */

enum { MQ__WANT_DATA = 0, MQ__WANT_ROOM = 1 };

static _Atomic uint32_t *mq__want(const struct mq__qview *v, int side)
{
    return side == MQ__WANT_DATA ? &v->c->want_data : &v->c->want_room;
}

/* The level this handle's waits ask for. */
static uint32_t mq__level(const mq_arena *a, const struct mq__qview *v)
{
    return a->batch_wakeups ? v->wake : 1;
}

/* Defers the wake-up of `side` of `conn`; 0 if there is no room to remember it. */
static int mq__owe(mq_arena *a, uint32_t conn, int side)
{
    uint32_t o = conn << 1 | (uint32_t)side;

    for (uint32_t i = 0; i < a->n_owed; i++)
        if (a->owed[i] == o)
            return 1;
    if (a->n_owed == MQ__OWED_MAX)
        return 0;
    if (a->n_owed == 0)
        a->owed_since = mq_now_ns();
    a->owed[a->n_owed++] = o;
    return 1;
}

/* After this handle changed `conn` (a push: side DATA; a take: side ROOM): wakes
 * the peer if it sleeps waiting for that side and the queue has reached the level
 * it asked for, else remembers that it is owed a ring. The fence in
 * mq__doorbell_sleeping pairs with the one in mq__doorbell_arm: a waiter stores its
 * level and arms before it looks at the queue a last time. */
static void mq__notify(mq_arena *a, uint32_t conn, const struct mq__qview *v, int side)
{
    struct mq__doorbell *bell = side == MQ__WANT_DATA ? v->dst_bell : v->src_bell;

    if (!bell || !mq__doorbell_sleeping(bell))
        return;
    uint32_t want = atomic_load_explicit(mq__want(v, side), memory_order_relaxed);
    if (want == 0)
        return;
    uint64_t n = atomic_load_explicit(&v->c->tail, memory_order_acquire) -
                 atomic_load_explicit(&v->c->head, memory_order_acquire);
    if (side == MQ__WANT_ROOM)
        n = n <= v->depth ? v->depth - n : v->depth;
    if (n >= want || !mq__owe(a, conn, side))
        mq__doorbell_wake(bell);
}

void mq__queue_flush_owed(mq_arena *a)
{
    while (a->n_owed > 0) {
        uint32_t o = a->owed[--a->n_owed];
        struct mq__qview v;
        if (mq__view(a, o >> 1, &v) < 0)
            continue;
        struct mq__doorbell *bell = (o & 1) == MQ__WANT_DATA ? v.dst_bell : v.src_bell;
        /* A waiter that cleared its level has stopped waiting for this queue. */
        if (bell && mq__doorbell_sleeping(bell) &&
            atomic_load_explicit(mq__want(&v, (int)(o & 1)), memory_order_relaxed))
            mq__doorbell_wake(bell);
    }
}

void mq_queue_flush(mq_arena *a, int64_t max_age_ns)
{
    if (a->n_owed > 0 && (max_age_ns <= 0 || mq_now_ns() - a->owed_since >= max_age_ns))
        mq__queue_flush_owed(a);
}

void mq_queue_batch_wakeups(mq_arena *a, int on)
{
    a->batch_wakeups = on != 0;
}

int mq_queue_want(mq_arena *a, uint32_t conn, int on)
{
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    atomic_store_explicit(&v.c->want_data, on ? mq__level(a, &v) : 0, memory_order_relaxed);
    return 0;
}

static int mq__take(mq_arena *a, uint32_t conn, const struct mq__qview *v, uint64_t *out)
{
    struct mq__conn *c = v->c;
    uint64_t taken = MQ__CELL_TAKEN | (uint64_t)a->slot;

    if (a->slot < 0)
        return MQ_EINVAL;
    for (;;) {
        uint64_t h = atomic_load_explicit(&c->head, memory_order_acquire);
        uint64_t t = a->seen_tail[conn];
        if (t - h - 1 > v->mask) /* not known to hold an id: read the real tail */
            a->seen_tail[conn] = t = atomic_load_explicit(&c->tail, memory_order_acquire);
        if (h == t) {
            if (!atomic_load_explicit(&c->closed, memory_order_acquire))
                return MQ_EAGAIN;
            if (atomic_load_explicit(&c->tail, memory_order_acquire) != h)
                continue;
            return MQ_EOS;
        }
        if (t - h > v->mask + 1)
            return MQ_ECORRUPT;
        _Atomic uint64_t *cell = &v->cells[h & v->mask];
        uint64_t id = atomic_load_explicit(cell, memory_order_acquire);
        if (atomic_load_explicit(&c->head, memory_order_acquire) != h)
            continue;
        if (id & MQ__CELL_TAKEN)
            return MQ_EAGAIN; /* another taker is between its CAS and its head store */
        if (id == 0 || MQ__ID_IDX(id) >= a->n_bufs)
            return MQ_ECORRUPT;
        struct mq__held *e = mq__held_new(a);
        if (!e)
            return MQ_ENOSPC;
        atomic_store_explicit(&e->id, id, memory_order_relaxed);
        e->conn = conn;
        e->pos = h;
        mq__held_set(e, MQ__H_TAKE);
        MQ__CRASHPOINT();
        /* The CAS hands the queue's reference to this slot. */
        if (!atomic_compare_exchange_strong(cell, &id, taken)) {
            mq__held_set(e, MQ__H_EMPTY);
            continue;
        }
        MQ__CRASHPOINT();
        mq__held_set(e, MQ__H_HELD);
        MQ__CRASHPOINT();
        atomic_store_explicit(&c->head, h + 1, memory_order_release);
        MQ__CRASHPOINT();
        mq__notify(a, conn, v, MQ__WANT_ROOM);
        *out = atomic_load_explicit(&e->id, memory_order_relaxed);
        return 0;
    }
}

static int mq__nonempty(const struct mq__conn *c)
{
    return atomic_load_explicit(&c->tail, memory_order_acquire) !=
               atomic_load_explicit(&c->head, memory_order_acquire) ||
           atomic_load_explicit(&c->closed, memory_order_acquire);
}

static int mq__hasroom(const struct mq__conn *c, uint32_t depth)
{
    return atomic_load_explicit(&c->tail, memory_order_relaxed) -
               atomic_load_explicit(&c->head, memory_order_acquire) < depth;
}

static int mq__ready(const struct mq__qview *v, int side)
{
    if (side == MQ__WANT_DATA)
        return mq__nonempty(v->c);
    return mq__hasroom(v->c, v->depth) ||
           atomic_load_explicit(&v->c->abandoned, memory_order_acquire);
}

/* Waits until `side` of the queue is ready (data for the consumer; room, or no
 * reader any more, for the producer) or the deadline passes. Spins a little first,
 * then sleeps on the waiting block's doorbell with its level stored for the peer. */
static int mq__wait(mq_arena *a, const struct mq__qview *v, int side, int64_t deadline)
{
    struct mq__doorbell *bell = side == MQ__WANT_DATA ? v->dst_bell : v->src_bell;
    _Atomic uint32_t *want = mq__want(v, side);
    int rc = 0;

    mq__queue_flush_owed(a); /* the peer may be asleep, waiting for what this one owes */
    for (int i = 0; i < MQ__SPINS; i++) {
        if (mq__ready(v, side))
            return 0;
        mq__relax();
    }
    if (!bell)
        return deadline >= 0 && mq_now_ns() >= deadline ? MQ_ETIMEDOUT : 0;
    atomic_store_explicit(want, mq__level(a, v), memory_order_relaxed);
    uint32_t seq = mq__doorbell_arm(a, bell);
    if (mq__ready(v, side))
        mq__doorbell_disarm(bell);
    else
        rc = mq__doorbell_wait(bell, seq, deadline);
    atomic_store_explicit(want, 0, memory_order_relaxed);
    return rc;
}

int mq_queue_pop(mq_arena *a, uint32_t conn, mq_id *id, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    *id = MQ_ID_NONE;
    if (rc < 0)
        return rc;
    for (;;) {
        rc = mq__take(a, conn, &v, id);
        if (rc == 0) {
            atomic_store_explicit(&v.c->popped,
                                  atomic_load_explicit(&v.c->popped, memory_order_relaxed) + 1,
                                  memory_order_relaxed);
            return 0;
        }
        if (rc != MQ_EAGAIN || timeout_ns == 0)
            return rc;
        if (mq__wait(a, &v, MQ__WANT_DATA, deadline) == MQ_ETIMEDOUT)
            return MQ_ETIMEDOUT;
    }
}

/* Makes room according to the policy. 0: room now; 1: the pushed id was dropped;
 * negative: error. *dropped is set when an older id was dropped. */
static int mq__make_room(mq_arena *a, uint32_t conn, const struct mq__qview *v, mq_id id,
                         int64_t timeout_ns, int64_t deadline, int *dropped)
{
    struct mq__conn *c = v->c;

    while (!mq__hasroom(c, v->depth)) {
        uint64_t old;
        int rc;
        if (atomic_load(&c->abandoned))
            return MQ_EPIPE;
        if (atomic_load_explicit(&c->tail, memory_order_relaxed) -
                atomic_load_explicit(&c->head, memory_order_acquire) > v->mask + 1)
            return MQ_ECORRUPT;
        switch (v->policy) {
        case MQ_POLICY_DROP_NEWEST:
            mq__bump(&c->drops, 1);
            mq_buf_release(a, id);
            return 1;
        case MQ_POLICY_DROP_OLDEST:
            rc = mq__take(a, conn, v, &old);
            if (rc == 0) {
                mq_buf_release(a, old);
                mq__bump(&c->drops, 1);
                *dropped = 1;
            } else if (rc != MQ_EAGAIN) {
                return rc;
            } else {
                mq__relax(); /* the consumer is mid-take; it will advance head */
            }
            break;
        default:
            if (timeout_ns == 0)
                return MQ_EAGAIN;
            if (mq__wait(a, v, MQ__WANT_ROOM, deadline) == MQ_ETIMEDOUT)
                return MQ_ETIMEDOUT;
        }
    }
    return 0;
}

int mq_queue_push(mq_arena *a, uint32_t conn, mq_id id, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__held *e = mq__held_find(a, id);
    struct mq__qview v;
    int rc, dropped = 0;

    if (!e)
        return MQ_ESTALE;
    if ((rc = mq__view(a, conn, &v)) < 0)
        return rc;
    if (atomic_load_explicit(&v.c->closed, memory_order_relaxed) ||
        atomic_load_explicit(&v.c->abandoned, memory_order_relaxed))
        return MQ_EPIPE;
    rc = mq__make_room(a, conn, &v, id, timeout_ns, deadline, &dropped);
    if (rc != 0)
        return rc;
    struct mq__conn *c = v.c;
    uint64_t t = atomic_load_explicit(&c->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&c->head, memory_order_relaxed);
    if (t + 1 - h <= v.mask + 1 && t + 1 - h > atomic_load_explicit(&c->hwm, memory_order_relaxed))
        atomic_store_explicit(&c->hwm, t + 1 - h, memory_order_relaxed);
    int64_t len = mq_buf_length(a, id);

    e->conn = conn;
    e->pos = t;
    mq__held_set(e, MQ__H_PUSH);
    MQ__CRASHPOINT();
    atomic_store_explicit(&v.cells[t & v.mask], id, memory_order_relaxed);
    MQ__CRASHPOINT();
    mq__bump(&c->pushed, 1);
    mq__bump(&c->bytes, len > 0 ? (uint64_t)len : 0);
    /* This store makes the push visible and hands the reference to the queue. */
    atomic_store_explicit(&c->tail, t + 1, memory_order_release);
    MQ__CRASHPOINT();
    mq__held_set(e, MQ__H_EMPTY);
    MQ__CRASHPOINT();
    mq__notify(a, conn, &v, MQ__WANT_DATA);
    return dropped;
}

int mq_queue_close(mq_arena *a, uint32_t conn)
{
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    atomic_store_explicit(&v.c->closed, 1, memory_order_release);
    mq__ring(v.dst_bell);
    return 0;
}

int mq_queue_abandon(mq_arena *a, uint32_t conn)
{
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    atomic_store_explicit(&v.c->abandoned, 1, memory_order_release);
    mq__ring(v.src_bell);
    return 0;
}

int mq_queue_stats_get(const mq_arena *a, uint32_t conn, mq_queue_stats *out)
{
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    uint64_t t = atomic_load(&v.c->tail), h = atomic_load(&v.c->head);
    out->pushed = atomic_load(&v.c->pushed);
    out->popped = atomic_load(&v.c->popped);
    out->bytes = atomic_load(&v.c->bytes);
    out->drops = atomic_load(&v.c->drops);
    out->hwm = atomic_load(&v.c->hwm);
    out->size = t - h <= v.mask + 1 ? (uint32_t)(t - h) : 0;
    out->depth = v.depth;
    out->policy = v.policy;
    out->closed = atomic_load(&v.c->closed);
    out->abandoned = atomic_load(&v.c->abandoned);
    out->stale = atomic_load(&v.c->stale);
    out->missed = atomic_load(&v.c->missed);
    return 0;
}

int mq_queue_note(mq_arena *a, uint32_t conn, int what, uint64_t n)
{
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    if (what != MQ_NOTE_STALE && what != MQ_NOTE_MISSED)
        return MQ_EINVAL;
    atomic_fetch_add_explicit(what == MQ_NOTE_STALE ? &v.c->stale : &v.c->missed, n,
                              memory_order_relaxed);
    return 0;
}

/* ---- reclaim support --------------------------------------------------------- */

/* Resolves a dead slot's TAKE or PUSH entry (see the file comment for why the
 * checks are exact). */
void mq__queue_reclaim(mq_arena *a, uint32_t slot, const struct mq__held *e,
                       struct mq__loss *loss)
{
    struct mq__qview v;
    uint32_t state = atomic_load(&e->state);
    uint64_t id = atomic_load(&e->id);

    if (mq__view(a, e->conn, &v) < 0)
        return;
    if (state == MQ__H_PUSH) {
        if (atomic_load(&v.c->tail) > e->pos)
            return; /* published: the queue owns it */
        mq__reclaim_token(a, id, loss);
        return;
    }
    uint64_t h = e->pos;
    if (atomic_load(&v.c->head) != h ||
        atomic_load(&v.cells[h & v.mask]) != (MQ__CELL_TAKEN | slot))
        return; /* the CAS did not happen: the id is still the queue's */
    mq__reclaim_token(a, id, loss);
    atomic_compare_exchange_strong(&v.c->head, &h, h + 1);
    mq__ring(v.src_bell);
}

/* A slot that died after taking a head cell and recording the id as HELD, but
 * before storing head + 1, leaves its TAKEN mark at the head: advance past it. */
void mq__queue_repair_heads(mq_arena *a, uint32_t slot)
{
    int n = mq_registry_conn_count(a);

    for (int i = 0; i < n; i++) {
        struct mq__qview v;
        if (mq__view(a, (uint32_t)i, &v) < 0)
            continue;
        uint64_t h = atomic_load(&v.c->head), t = atomic_load(&v.c->tail);
        if (h == t || t - h > v.mask + 1)
            continue;
        if (atomic_load(&v.cells[h & v.mask]) != (MQ__CELL_TAKEN | slot))
            continue;
        if (atomic_compare_exchange_strong(&v.c->head, &h, h + 1)) {
            mq__ring(v.src_bell);
            mq__ring(v.dst_bell);
        }
    }
}

uint32_t mq_block_prepare(mq_arena *a, uint32_t block)
{
    return block < a->layout.n_blocks ? mq__doorbell_arm(a, &mq__block(a, block)->bell) : 0;
}

int mq_block_wait(mq_arena *a, uint32_t block, uint32_t seq, int64_t timeout_ns)
{
    if (block >= a->layout.n_blocks)
        return MQ_EINVAL;
    return mq__doorbell_wait(&mq__block(a, block)->bell, seq,
                             timeout_ns >= 0 ? mq_now_ns() + timeout_ns : -1);
}

void mq_block_cancel(mq_arena *a, uint32_t block)
{
    if (block < a->layout.n_blocks)
        mq__doorbell_disarm(&mq__block(a, block)->bell);
}
