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
#include <stdlib.h>

#include "arena_internal.h"
#include "error.h"

/* Whether the items of reference `id` (len bytes, from and to as its entry says)
 * are lost with it, how many bytes of them, and on which connection (loss->k and
 * the rules in arena.h). */
static int mq__lost(mq_arena *a, const struct mq__loss *loss, uint64_t id, uint32_t from,
                    uint32_t to, uint64_t len, uint64_t *bytes, uint32_t *conn)
{
    const mq_ckpt *k = NULL;
    uint64_t end = 0;
    uint32_t holder = UINT32_MAX; /* the block the reference was in: */

    *bytes = len;
    *conn = from != MQ__NO_CONN ? from : to;
    if (from != MQ__NO_CONN && from < a->layout.n_conns)
        holder = mq__conn(a, from)->dst_block; /* taken from its input, */
    else if (from == MQ__NO_CONN && to != MQ__NO_CONN && to < a->layout.n_conns)
        holder = mq__conn(a, to)->src_block; /* or made to send */
    for (uint32_t i = 0; i < loss->n_k && !k; i++)
        if (loss->block[i] == holder)
            k = &loss->k[i];
    if (!loss->n_k)
        return 1;
    if (!k && loss->n_k == 1 && from == MQ__NO_CONN)
        k = &loss->k[0]; /* made by the slot's one block */
    if (!k) /* a block of the slot without a record loses what it held; what came
               from an input of no block of the slot is not the slot's loss */
        return holder < a->layout.n_blocks &&
               atomic_load(&mq__block(a, holder)->slot) == (int32_t)loss->slot;
    if (to != MQ__NO_CONN && k->fly != MQ_ID_NONE && MQ__ID_IDX(k->fly) == MQ__ID_IDX(id) &&
        MQ__ID_GEN(k->fly) == MQ__ID_GEN(id)) {
        *conn = to;
        return 1; /* being sent: its items had left the block's state */
    }
    if (from == MQ__NO_CONN) {
        /* Made here. Once the work call sent something, what it made counts as sent
         * (its state moved on with the first send); before, the next life makes it
         * again. */
        *conn = to;
        return (k->flags & MQ_CKPT_SENDING) && to != MQ__NO_CONN;
    }
    for (uint32_t i = 0; i < k->n_cur; i++)
        if (MQ__ID_IDX(k->cur[i].id) == MQ__ID_IDX(id) && MQ__ID_GEN(k->cur[i].id) == MQ__ID_GEN(id))
            end = k->cur[i].end;
    if (end >= len)
        return 0; /* all of it used */
    *bytes = len - end;
    return 1;
}

/* Whether buffer `id`'s items were counted on `conn` already: the references of a
 * shared buffer carry the same items, and lose them once per connection. */
static int mq__seen(struct mq__loss *loss, uint64_t id, uint32_t conn)
{
    uint64_t key = MQ__ID(MQ__ID_IDX(id), MQ__ID_GEN(id), 0);

    for (uint32_t i = 0; i < loss->n_seen; i++)
        if (loss->seen[i].id == key && loss->seen[i].conn == conn)
            return 1;
    if (loss->seen && loss->n_seen < loss->cap_seen)
        loss->seen[loss->n_seen++] = (struct mq__seen_ref){key, conn};
    return 0;
}

/* Whether id names a tag list (a part of another buffer: no items of its own). */
static int mq__is_list(const mq_arena *a, uint64_t id)
{
    return MQ__ID_IDX(id) < a->n_bufs &&
           (mq__buf(a, (uint32_t)MQ__ID_IDX(id))->flags & MQ__BUF_TAGLIST);
}

void mq__reclaim_token(mq_arena *a, uint64_t id, uint32_t from, uint32_t to,
                       struct mq__loss *loss)
{
    int64_t len = mq_buf_length(a, id); /* while the token still holds the buffer */
    int list = mq__is_list(a, id);
    uint64_t bytes;
    uint32_t conn;

    if (mq__token_release(a, id) < 0)
        return;
    loss->refs++;
    if (list ||
        !mq__lost(a, loss, id, from, to, len > 0 ? (uint64_t)len : 0, &bytes, &conn) ||
        mq__seen(loss, id, conn))
        return;
    loss->lost.buffers++;
    loss->lost.bytes += bytes;
    if (loss->per_conn && conn < loss->n_conn) {
        loss->per_conn[conn].buffers++;
        loss->per_conn[conn].bytes += bytes;
    }
}

static void mq__reclaim_share(mq_arena *a, const struct mq__held *e, struct mq__loss *loss)
{
    uint64_t id = atomic_load(&e->id);
    uint32_t before = loss->refs;

    mq__reclaim_token(a, id, e->conn, e->to, loss);
    if (loss->refs != before)
        return; /* the split never happened: the old token was still live */
    if (e->pos >= MQ__TOKENS || e->aux > MQ__TOKENS - e->pos)
        return;
    for (uint32_t k = (uint32_t)e->pos; k < e->pos + e->aux; k++)
        mq__reclaim_token(a, MQ__ID(MQ__ID_IDX(id), MQ__ID_GEN(id), k), e->conn, MQ__NO_CONN,
                          loss);
}

/* A release with a tag list (buf.c): if the token is still live the drop did not
 * happen, and happens now; if it did and the buffer's life is over, the dead process
 * may have freed the buffer without its list, which goes now (refused if it went). */
static void mq__reclaim_freeing(mq_arena *a, const struct mq__held *e, struct mq__loss *loss)
{
    uint64_t id = atomic_load(&e->id);
    uint32_t before = loss->refs;

    mq__reclaim_token(a, id, e->conn, e->to, loss);
    if (loss->refs == before && !mq__buf_alive(a, id))
        mq__tags_free(a, e->pos, id);
}

int mq_arena_reclaim(mq_arena *a, uint32_t slot)
{
    return mq_arena_reclaim_report(a, slot, NULL, 0, NULL);
}

int mq_arena_reclaim_report(mq_arena *a, uint32_t slot, mq_conn_loss *per_conn,
                            uint32_t n_conn, mq_conn_loss *lost)
{
    struct mq__slot *s;
    struct mq__loss loss = {.per_conn = per_conn, .n_conn = n_conn, .slot = slot};
    /* every reference the slot can hold, and the tokens of a share in flight */
    loss.cap_seen = a->layout.held_cap + MQ__TOKENS;
    loss.seen = calloc(loss.cap_seen, sizeof *loss.seen);
    int corrupt = 0;

    if (slot >= a->layout.n_slots)
        return MQ_EINVAL;
    s = mq__slot(a, slot);
    loss.block = calloc(a->layout.n_blocks ? a->layout.n_blocks : 1, sizeof *loss.block);
    loss.k = calloc(a->layout.n_blocks ? a->layout.n_blocks : 1, sizeof *loss.k);
    /* The blocks bound to the slot (registry.h); a block's binding is written by
     * the supervisor before it starts, but re-checked like all arena data. */
    for (uint32_t b = 0; loss.block && loss.k && b < a->layout.n_blocks; b++)
        if (atomic_load(&mq__block(a, b)->slot) == (int32_t)slot &&
            mq_ckpt_load(a, b, &loss.k[loss.n_k]) == 0)
            loss.block[loss.n_k++] = b;
    for (uint32_t i = 0; i < a->layout.held_cap; i++) {
        struct mq__held *e = mq__held(a, slot, i);
        switch (atomic_load(&e->state)) {
        case MQ__H_EMPTY:
            continue;
        case MQ__H_HELD:
        case MQ__H_ALLOC: /* the generation names the slot: a foreign win is refused */
            mq__reclaim_token(a, atomic_load(&e->id), e->conn, e->to, &loss);
            break;
        case MQ__H_TAKE:
        case MQ__H_PUSH:
            mq__queue_reclaim(a, slot, e, &loss);
            break;
        case MQ__H_SHARE:
            mq__reclaim_share(a, e, &loss);
            break;
        case MQ__H_FREEING:
            mq__reclaim_freeing(a, e, &loss);
            break;
        default:
            corrupt = 1;
        }
        atomic_store(&e->state, MQ__H_EMPTY);
    }
    /* What the records said was in hand is settled now: the next life starts with
     * the block's part of it only (and the dead process writes no more). */
    for (uint32_t i = 0; i < loss.n_k; i++) {
        loss.k[i].fly = MQ_ID_NONE;
        loss.k[i].n_cur = 0;
        loss.k[i].flags = 0;
        mq_ckpt_commit(a, loss.block[i], &loss.k[i]);
    }
    mq__queue_repair_heads(a, slot);
    mq__pool_repair(a);
    for (uint32_t b = 0; b < a->layout.n_blocks; b++)
        if (atomic_load(&mq__block(a, b)->slot) == (int32_t)slot)
            atomic_store(&mq__block(a, b)->bell.sleepers, 0);
    atomic_store(&s->pid, 0);
    atomic_store(&s->state, MQ_SLOT_FREE);
    if (lost)
        *lost = loss.lost;
    free(loss.seen);
    free(loss.block);
    free(loss.k);
    return corrupt ? MQ_ECORRUPT : (int)loss.refs;
}
