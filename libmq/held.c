/* held.c - the bound slot's table of held references: the journal that
 * mq_arena_reclaim() replays when the process dies.
 *
 * Only the process bound to a slot writes its table, so finding an empty entry needs
 * no atomics. An entry becomes visible to the reclaimer when its state is stored
 * (release), after its other fields; it stops counting when its state is EMPTY.
 * Entries fill from the low end and `held_hw` bounds the scan, so a process that
 * holds a handful of references scans a handful of entries.
 *
 * Batches hold dozens at once, and scanning for each made the table the largest
 * cost of a batch of small buffers. So the handle keeps two private hints, which
 * are only ever checked, never trusted: where the first empty entry may be, and
 * per buffer index (its low bits), the entry last made HELD for it
 * (mq__held_set, in arena_internal.h).
 */
#include "arena_internal.h"

struct mq__held *mq__held_new(mq_arena *a)
{
    uint32_t cap = a->layout.held_cap, i = a->held_free < cap ? a->held_free : 0;
    struct mq__held *t = mq__held(a, (uint32_t)a->slot, 0);

    /* From the hint to the end, then what is below it. */
    for (uint32_t n = 0; n < cap; n++, i = i + 1 < cap ? i + 1 : 0) {
        struct mq__held *e = &t[i];
        if (atomic_load_explicit(&e->state, memory_order_relaxed) != MQ__H_EMPTY)
            continue;
        if (i >= a->held_hw)
            a->held_hw = i + 1;
        a->held_free = i + 1;
        e->conn = MQ__NO_CONN; /* made here, going nowhere yet, until said otherwise */
        e->to = MQ__NO_CONN;
        return e;
    }
    return NULL;
}

struct mq__held *mq__held_find(mq_arena *a, uint64_t id)
{
    if (a->slot < 0)
        return NULL;
    uint32_t hint = *mq__held_hint(a, id);
    if (hint < a->held_hw) {
        struct mq__held *e = mq__held(a, (uint32_t)a->slot, hint);
        if (atomic_load_explicit(&e->state, memory_order_relaxed) == MQ__H_HELD &&
            atomic_load_explicit(&e->id, memory_order_relaxed) == id)
            return e;
    }
    for (uint32_t i = 0; i < a->held_hw; i++) {
        struct mq__held *e = mq__held(a, (uint32_t)a->slot, i);
        if (atomic_load_explicit(&e->state, memory_order_relaxed) == MQ__H_HELD &&
            atomic_load_explicit(&e->id, memory_order_relaxed) == id)
            return e;
    }
    return NULL;
}

/* How many of `need` entries are free (stops counting at need). */
uint32_t mq__held_free_count(mq_arena *a, uint32_t need)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < a->layout.held_cap && n < need; i++)
        n += atomic_load_explicit(&mq__held(a, (uint32_t)a->slot, i)->state,
                                  memory_order_relaxed) == MQ__H_EMPTY;
    return n;
}
