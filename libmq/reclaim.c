/* reclaim.c - releasing everything a dead process's slot held.
 *
 * The reclaimer replays the slot's journal. Each entry names one reference and, for
 * an operation the process was in the middle of, enough to tell from shared state
 * alone whether that operation took effect (arena_internal.h, queue.c and buf.c say
 * why each check is exact). Releasing a token is idempotent: a token already
 * released is refused by its own bit, so an entry whose release happened just
 * before the crash is skipped, not released twice.
 *
 * Reclaim runs while the other processes keep going; it only uses the same CAS steps
 * they use. It ends by re-deriving the pools' free bitmaps from the state words.
 */
#include "arena_internal.h"
#include "error.h"

void mq__reclaim_token(mq_arena *a, uint64_t id, struct mq__loss *loss)
{
    int64_t len = mq_buf_length(a, id); /* while the token still holds the buffer */

    if (mq__token_release(a, id) >= 0) {
        loss->refs++;
        loss->bytes += len > 0 ? (uint64_t)len : 0;
    }
}

static void mq__reclaim_share(mq_arena *a, const struct mq__held *e, struct mq__loss *loss)
{
    uint64_t id = atomic_load(&e->id);
    uint32_t before = loss->refs;

    mq__reclaim_token(a, id, loss);
    if (loss->refs != before)
        return; /* the split never happened: the old token was still live */
    if (e->pos >= MQ__TOKENS || e->aux > MQ__TOKENS - e->pos)
        return;
    for (uint32_t k = (uint32_t)e->pos; k < e->pos + e->aux; k++)
        mq__reclaim_token(a, MQ__ID(MQ__ID_IDX(id), MQ__ID_GEN(id), k), loss);
}

int mq_arena_reclaim(mq_arena *a, uint32_t slot)
{
    return mq_arena_reclaim_lost(a, slot, NULL);
}

int mq_arena_reclaim_lost(mq_arena *a, uint32_t slot, uint64_t *bytes)
{
    struct mq__slot *s;
    struct mq__loss loss = {0, 0};
    int corrupt = 0;

    if (slot >= a->layout.n_slots)
        return MQ_EINVAL;
    s = mq__slot(a, slot);
    for (uint32_t i = 0; i < a->layout.held_cap; i++) {
        struct mq__held *e = mq__held(a, slot, i);
        switch (atomic_load(&e->state)) {
        case MQ__H_EMPTY:
            continue;
        case MQ__H_HELD:
        case MQ__H_ALLOC: /* the generation names the slot: a foreign win is refused */
            mq__reclaim_token(a, atomic_load(&e->id), &loss);
            break;
        case MQ__H_TAKE:
        case MQ__H_PUSH:
            mq__queue_reclaim(a, slot, e, &loss);
            break;
        case MQ__H_SHARE:
            mq__reclaim_share(a, e, &loss);
            break;
        default:
            corrupt = 1;
        }
        atomic_store(&e->state, MQ__H_EMPTY);
    }
    mq__queue_repair_heads(a, slot);
    mq__pool_repair(a);
    int32_t block = atomic_load(&s->block);
    if (block >= 0 && (uint32_t)block < a->layout.n_blocks)
        atomic_store(&mq__block(a, (uint32_t)block)->bell.sleepers, 0);
    atomic_store(&s->pid, 0);
    atomic_store(&s->state, MQ_SLOT_FREE);
    if (bytes)
        *bytes = loss.bytes;
    return corrupt ? MQ_ECORRUPT : (int)loss.refs;
}
