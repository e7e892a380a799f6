/* held.c - the bound slot's table of held references: the journal that
 * mq_arena_reclaim() replays when the process dies.
 *
 * Only the process bound to a slot writes its table, so finding an empty entry needs
 * no atomics. An entry becomes visible to the reclaimer when its state is stored
 * (release), after its other fields; it stops counting when its state is EMPTY.
 * Entries fill from the low end and `held_hw` bounds the scan, so a process that
 * holds a handful of references scans a handful of entries.
 */
#include "arena_internal.h"

struct mq__held *mq__held_new(mq_arena *a)
{
    uint32_t cap = a->layout.held_cap;

    for (uint32_t i = 0; i < cap; i++) {
        struct mq__held *e = mq__held(a, (uint32_t)a->slot, i);
        if (atomic_load_explicit(&e->state, memory_order_relaxed) != MQ__H_EMPTY)
            continue;
        if (i >= a->held_hw)
            a->held_hw = i + 1;
        return e;
    }
    return NULL;
}

struct mq__held *mq__held_find(mq_arena *a, uint64_t id)
{
    if (a->slot < 0)
        return NULL;
    for (uint32_t i = 0; i < a->held_hw; i++) {
        struct mq__held *e = mq__held(a, (uint32_t)a->slot, i);
        if (atomic_load_explicit(&e->state, memory_order_relaxed) == MQ__H_HELD &&
            atomic_load_explicit(&e->id, memory_order_relaxed) == id)
            return e;
    }
    return NULL;
}

void mq__held_set(struct mq__held *e, uint32_t state)
{
    atomic_store_explicit(&e->state, state, memory_order_release);
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
