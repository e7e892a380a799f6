/* queue.c - connection queues: a ring of buffer ids with a producer-owned tail and a
 * head owned by whoever holds the head cell.
 *
 * Push (producer only): journal PUSH{conn, pos = tail + i} for each of the k ids,
 * write the cells, publish them all with one release store of tail, forget. tail is
 * written by the producer alone, so after a crash "tail > pos" says exactly whether
 * each push happened.
 *
 * Take (the consumer popping k ids, or the producer dropping the oldest): journal
 * TAKE{conn, pos = head, aux = i, id} for the ids in cells head .. head + k - 1,
 * CAS the head cell from its id to TAKEN|k|slot, mark the entries HELD, then
 * advance head by k. While the head cell is TAKEN, no one else advances head, and
 * the cells after it are published and unchanged until head passes them, so one
 * CAS claims all k. "head == pos and the head cell is TAKEN|k|slot with aux < k"
 * says exactly whether an entry's take happened, even with two takers. A taker that
 * finds the head cell TAKEN by another reports the queue as momentarily empty; if
 * that other died, the reclaimer releases the k ids and moves head past them.
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
    uint32_t wake; /* the level batching waiters ask for: half the depth (queue.h) */
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

/* The doorbell of whoever waits for `side`: the consumer for data, the producer
 * for room. */
static struct mq__doorbell *mq__bell(const struct mq__qview *v, int side)
{
    return side == MQ__WANT_DATA ? v->dst_bell : v->src_bell;
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
    struct mq__doorbell *bell = mq__bell(v, side);

    a->progress++; /* something moved: a scheduler's round was not idle */
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
        struct mq__doorbell *bell = mq__bell(&v, (int)(o & 1));
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

/* Takes up to `max` ids from the head (see the file comment); returns how many, or
 * MQ_EAGAIN / MQ_EOS / an error. */
static int mq__take(mq_arena *a, uint32_t conn, const struct mq__qview *v, uint64_t *out,
                    uint32_t max)
{
    struct mq__conn *c = v->c;
    struct mq__held *es[MQ_QUEUE_BATCH];

    if (a->slot < 0)
        return MQ_EINVAL;
    if (max > MQ_QUEUE_BATCH)
        max = MQ_QUEUE_BATCH;
    for (;;) {
        uint64_t h = atomic_load_explicit(&c->head, memory_order_acquire);
        uint64_t t = a->seen_tail[conn];
        if (t - h - 1 > v->mask || t - h < max) /* not known to hold enough ids */
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
        uint32_t k = t - h < max ? (uint32_t)(t - h) : max;
        uint64_t first = atomic_load_explicit(&v->cells[h & v->mask], memory_order_acquire);
        if (atomic_load_explicit(&c->head, memory_order_acquire) != h)
            continue;
        if (first & MQ__CELL_TAKEN)
            return MQ_EAGAIN; /* another taker is between its CAS and its head store */
        /* Cells past the head are published and stay as they are until head passes
         * them, so they can be read before the CAS that claims them all. */
        for (uint32_t i = 0; i < k; i++) {
            uint64_t id = i ? atomic_load_explicit(&v->cells[(h + i) & v->mask],
                                                   memory_order_relaxed)
                            : first;
            if (id == 0 || (id & MQ__CELL_TAKEN) || MQ__ID_IDX(id) >= a->n_bufs) {
                if (i == 0)
                    return MQ_ECORRUPT;
                k = i; /* take the good prefix; the next take reports the bad cell */
                break;
            }
            struct mq__held *e = mq__held_new(a);
            if (!e) {
                if (i == 0)
                    return MQ_ENOSPC;
                k = i;
                break;
            }
            atomic_store_explicit(&e->id, id, memory_order_relaxed);
            e->conn = conn;
            e->pos = h;
            e->aux = i;
            mq__held_set(a, e, MQ__H_TAKE);
            es[i] = e;
        }
        MQ__CRASHPOINT();
        /* The CAS hands the queue's references to cells [h, h + k) to this slot. */
        if (!atomic_compare_exchange_strong(&v->cells[h & v->mask], &first,
                                            MQ__TAKEN_MARK((uint32_t)a->slot, k))) {
            for (uint32_t i = 0; i < k; i++)
                mq__held_set(a, es[i], MQ__H_EMPTY);
            continue;
        }
        MQ__CRASHPOINT();
        for (uint32_t i = 0; i < k; i++) {
            mq__held_set(a, es[i], MQ__H_HELD);
            out[i] = atomic_load_explicit(&es[i]->id, memory_order_relaxed);
            if (k > 1) /* a batch: the caller reads them all, then releases them */
                mq__buf_prefetch(a, MQ__ID_IDX(out[i]), 0);
        }
        MQ__CRASHPOINT();
        atomic_store_explicit(&c->head, h + k, memory_order_release);
        MQ__CRASHPOINT();
        mq__notify(a, conn, v, MQ__WANT_ROOM);
        return (int)k;
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
    struct mq__doorbell *bell = mq__bell(v, side);
    _Atomic uint32_t *want = mq__want(v, side);
    int rc = 0;

    mq__queue_flush_owed(a); /* the peer may be asleep, waiting for what this one owes */
    /* A task of a scheduler does not spin: its peer is likely a task of the same
     * thread, which cannot move while it does. */
    for (int i = 0; i < (a->coop ? 1 : MQ__SPINS); i++) {
        if (mq__ready(v, side))
            return 0;
        mq__relax();
    }
    if (!bell)
        return deadline >= 0 && mq_now_ns() >= deadline ? MQ_ETIMEDOUT : 0;
    atomic_store_explicit(want, mq__level(a, v), memory_order_relaxed);
    uint32_t seq = mq__doorbell_arm(a, bell);
    if (mq__ready(v, side))
        mq__doorbell_disarm(a, bell);
    else
        rc = mq__doorbell_wait(a, bell, seq, deadline);
    atomic_store_explicit(want, 0, memory_order_relaxed);
    return rc;
}

int mq_queue_pop_many(mq_arena *a, uint32_t conn, mq_id *ids, int max, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__qview v;
    int rc = mq__view(a, conn, &v);

    if (rc < 0)
        return rc;
    if (max <= 0)
        return MQ_EINVAL;
    for (;;) {
        rc = mq__take(a, conn, &v, ids, (uint32_t)max);
        if (rc > 0) {
            mq__bump(&v.c->popped, (uint64_t)rc);
            return rc;
        }
        if (rc != MQ_EAGAIN || timeout_ns == 0)
            return rc;
        if (mq__wait(a, &v, MQ__WANT_DATA, deadline) == MQ_ETIMEDOUT)
            return MQ_ETIMEDOUT;
    }
}

int mq_queue_pop(mq_arena *a, uint32_t conn, mq_id *id, int64_t timeout_ns)
{
    int rc = mq_queue_pop_many(a, conn, id, 1, timeout_ns);

    if (rc > 0)
        return 0;
    *id = MQ_ID_NONE;
    return rc;
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
            rc = mq__take(a, conn, v, &old, 1);
            if (rc == 1) {
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

/* Publishes ids[0..k) (held by entries es[]) at the tail: journal each as PUSH at
 * its position, write the cells, then one release store of tail hands them all to
 * the queue. The caller made room for k. */
static void mq__publish(mq_arena *a, uint32_t conn, const struct mq__qview *v,
                        struct mq__held **es, const mq_id *ids, uint32_t k)
{
    struct mq__conn *c = v->c;
    uint64_t t = atomic_load_explicit(&c->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&c->head, memory_order_relaxed);
    uint64_t bytes = 0;

    if (t + k - h <= v->mask + 1 && t + k - h > atomic_load_explicit(&c->hwm, memory_order_relaxed))
        atomic_store_explicit(&c->hwm, t + k - h, memory_order_relaxed);
    for (uint32_t i = 0; i < k; i++) {
        /* ids[i] is held (the caller found its entry), so its index is in range;
         * a corrupt length counts as 0 bytes, as mq_buf_length's error did. */
        uint32_t idx = (uint32_t)MQ__ID_IDX(ids[i]);
        int64_t len = idx < a->n_bufs ? mq__length_at(a, idx) : 0;
        bytes += len > 0 ? (uint64_t)len : 0;
        es[i]->conn = conn;
        es[i]->pos = t + i;
        mq__held_set(a, es[i], MQ__H_PUSH);
    }
    MQ__CRASHPOINT();
    for (uint32_t i = 0; i < k; i++)
        atomic_store_explicit(&v->cells[(t + i) & v->mask], ids[i], memory_order_relaxed);
    MQ__CRASHPOINT();
    mq__bump(&c->pushed, k);
    mq__bump(&c->bytes, bytes);
    /* This store makes the pushes visible and hands the references to the queue. */
    atomic_store_explicit(&c->tail, t + k, memory_order_release);
    MQ__CRASHPOINT();
    for (uint32_t i = 0; i < k; i++)
        mq__held_set(a, es[i], MQ__H_EMPTY);
    MQ__CRASHPOINT();
    mq__notify(a, conn, v, MQ__WANT_DATA);
}

/* Checks the queue before a push; 0 if it takes pushes. */
static int mq__pushable(const struct mq__qview *v)
{
    return atomic_load_explicit(&v->c->closed, memory_order_relaxed) ||
                   atomic_load_explicit(&v->c->abandoned, memory_order_relaxed)
               ? MQ_EPIPE
               : 0;
}

int mq_queue_push(mq_arena *a, uint32_t conn, mq_id id, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__held *e = mq__held_find(a, id);
    struct mq__qview v;
    int rc, dropped = 0;

    if (!e)
        return MQ_ESTALE;
    if ((rc = mq__view(a, conn, &v)) < 0 || (rc = mq__pushable(&v)) < 0)
        return rc;
    rc = mq__make_room(a, conn, &v, id, timeout_ns, deadline, &dropped);
    if (rc != 0)
        return rc;
    mq__publish(a, conn, &v, &e, &id, 1);
    return dropped;
}

int mq_queue_push_many(mq_arena *a, uint32_t conn, const mq_id *ids, int n,
                       int64_t timeout_ns)
{
    int64_t deadline = timeout_ns > 0 ? mq_now_ns() + timeout_ns : -1;
    struct mq__held *es[MQ_QUEUE_BATCH];
    struct mq__qview v;
    int rc, dropped = 0;

    if (n <= 0)
        return MQ_EINVAL;
    if (n > MQ_QUEUE_BATCH)
        n = MQ_QUEUE_BATCH;
    uint64_t seen = 0; /* entries found so far, by their index mod 64 */
    for (int i = 0; i < n; i++) {
        if (!(es[i] = mq__held_find(a, ids[i])))
            return MQ_ESTALE;
        /* One reference cannot be queued twice. The entries of a batch are mostly
         * neighbours in the table, so only a repeat of the index mod 64 needs the
         * comparison with every earlier entry. */
        uint64_t bit = 1ULL << ((uint64_t)(es[i] - es[0]) & 63);
        if (seen & bit)
            for (int j = 0; j < i; j++)
                if (es[j] == es[i])
                    return MQ_EINVAL;
        seen |= bit;
    }
    if ((rc = mq__view(a, conn, &v)) < 0 || (rc = mq__pushable(&v)) < 0)
        return rc;
    rc = mq__make_room(a, conn, &v, ids[0], timeout_ns, deadline, &dropped);
    if (rc != 0)
        return rc; /* an error, or 1: ids[0] was dropped (drop_newest) */
    /* Only the consumer moves head, and only forward: the room only grows. */
    uint64_t level = atomic_load_explicit(&v.c->tail, memory_order_relaxed) -
                     atomic_load_explicit(&v.c->head, memory_order_acquire);
    uint32_t k = level < v.depth ? v.depth - (uint32_t)level : 1;
    if (k > (uint32_t)n)
        k = (uint32_t)n;
    mq__publish(a, conn, &v, es, ids, k);
    return (int)k;
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

int mq_queue_ready(const mq_arena *a, uint32_t conn)
{
    struct mq__qview v;
    return mq__view(a, conn, &v) == 0 && mq__nonempty(v.c);
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
        mq__reclaim_token(a, id, MQ__NO_CONN, e->conn, loss);
        return;
    }
    uint64_t h = e->pos, cell = atomic_load(&v.cells[h & v.mask]);
    if (atomic_load(&v.c->head) != h ||
        (cell & ~MQ__TAKEN_COUNT_BITS) != MQ__TAKEN_MARK(slot, 0) ||
        e->aux >= MQ__TAKEN_COUNT(cell))
        return; /* the CAS did not happen: the id is still the queue's */
    mq__reclaim_token(a, id, e->conn, MQ__NO_CONN, loss);
    /* mq__queue_repair_heads moves head past the whole take, after every entry of
     * it was seen here with head still at h. */
}

/* A slot that died after its CAS on a head cell but before storing head + k leaves
 * its TAKEN mark, with k, at the head: advance past the cells it took. */
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
        uint64_t cell = atomic_load(&v.cells[h & v.mask]);
        if ((cell & ~MQ__TAKEN_COUNT_BITS) != MQ__TAKEN_MARK(slot, 0))
            continue;
        uint64_t k = MQ__TAKEN_COUNT(cell);
        if (k == 0 || k > t - h) /* cannot be: it counted published cells */
            k = 1;
        if (atomic_compare_exchange_strong(&v.c->head, &h, h + k)) {
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
    return mq__doorbell_wait(a, &mq__block(a, block)->bell, seq,
                             timeout_ns >= 0 ? mq_now_ns() + timeout_ns : -1);
}

void mq_block_cancel(mq_arena *a, uint32_t block)
{
    if (block < a->layout.n_blocks)
        mq__doorbell_disarm(a, &mq__block(a, block)->bell);
}

int mq_block_wake(mq_arena *a, uint32_t block)
{
    if (block >= a->layout.n_blocks)
        return MQ_EINVAL;
    mq__doorbell_ring(&mq__block(a, block)->bell);
    return 0;
}
