/* registry.c - filling and reading the arena's block and connection tables. */
#include <stdio.h>
#include <string.h>

#include "arena_internal.h"
#include "error.h"
#include "queue.h"
#include "registry.h"

static int mq__used(_Atomic uint32_t *used, uint32_t limit)
{
    uint32_t n = atomic_load(used);
    return n > limit ? (int)limit : (int)n;
}

int mq_registry_block_count(const mq_arena *a)
{
    return mq__used(&mq__hdr(a)->blocks_used, a->layout.n_blocks);
}

int mq_registry_conn_count(const mq_arena *a)
{
    return mq__used(&mq__hdr(a)->conns_used, a->layout.n_conns);
}

int mq_registry_add_block(mq_arena *a, const char *name, const char *type)
{
    struct mq__hdr *h = mq__hdr(a);
    struct mq__block *b;
    int n = mq_registry_block_count(a);

    if (!name || !*name || strlen(name) >= MQ_NAME_MAX || !type || strlen(type) >= MQ_NAME_MAX)
        return MQ_EINVAL;
    if ((uint32_t)n >= a->layout.n_blocks)
        return MQ_ENOSPC;
    b = mq__block(a, (uint32_t)n);
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->type, sizeof b->type, "%s", type);
    atomic_store(&b->slot, -1);
    atomic_store(&h->blocks_used, (uint32_t)n + 1);
    return n;
}

int mq_registry_add_conn(mq_arena *a, uint32_t src_block, uint32_t src_port,
                         uint32_t dst_block, uint32_t dst_port, uint32_t depth, int policy)
{
    struct mq__hdr *h = mq__hdr(a);
    struct mq__conn *c;
    int n = mq_registry_conn_count(a);
    int nb = mq_registry_block_count(a);

    if (src_block >= (uint32_t)nb || dst_block >= (uint32_t)nb ||
        src_port >= MQ_MAX_PORTS || dst_port >= MQ_MAX_PORTS)
        return MQ_EINVAL;
    if (depth == 0)
        depth = a->layout.queue_cap;
    if (depth > a->layout.queue_cap || policy < MQ_POLICY_BLOCK || policy > MQ_POLICY_DROP_NEWEST)
        return MQ_EINVAL;
    if ((uint32_t)n >= a->layout.n_conns)
        return MQ_ENOSPC;
    c = mq__conn(a, (uint32_t)n);
    c->src_block = src_block;
    c->src_port = src_port;
    c->dst_block = dst_block;
    c->dst_port = dst_port;
    c->depth = depth;
    c->policy = (uint32_t)policy;
    mq__block(a, src_block)->out[src_port].conn = n;
    mq__block(a, dst_block)->in[dst_port].conn = n;
    if (src_port + 1 > mq__block(a, src_block)->n_out)
        mq__block(a, src_block)->n_out = src_port + 1;
    if (dst_port + 1 > mq__block(a, dst_block)->n_in)
        mq__block(a, dst_block)->n_in = dst_port + 1;
    atomic_store(&h->conns_used, (uint32_t)n + 1);
    return n;
}

int mq_registry_bind(mq_arena *a, uint32_t block, uint32_t slot)
{
    if (block >= (uint32_t)mq_registry_block_count(a) || slot >= a->layout.n_slots)
        return MQ_EINVAL;
    atomic_store(&mq__block(a, block)->slot, (int32_t)slot);
    atomic_store(&mq__slot(a, slot)->block, (int32_t)block);
    return 0;
}

int mq_registry_find_block(const mq_arena *a, const char *name)
{
    int n = mq_registry_block_count(a);

    for (int i = 0; i < n; i++)
        if (strncmp(mq__block(a, (uint32_t)i)->name, name, MQ_NAME_MAX) == 0)
            return i;
    return MQ_ENOENT;
}

int mq_registry_conn_info(const mq_arena *a, uint32_t conn, mq_conn_info *out)
{
    const struct mq__conn *c;
    uint32_t nb = (uint32_t)mq_registry_block_count(a);

    if (conn >= (uint32_t)mq_registry_conn_count(a))
        return MQ_EINVAL;
    c = mq__conn(a, conn);
    *out = (mq_conn_info){c->src_block, c->src_port, c->dst_block, c->dst_port, c->kind};
    if (out->src_block >= nb || out->dst_block >= nb || out->src_port >= MQ_MAX_PORTS ||
        out->dst_port >= MQ_MAX_PORTS)
        return MQ_ECORRUPT;
    return 0;
}

int mq_registry_block_info(const mq_arena *a, uint32_t block, mq_block_info *out)
{
    const struct mq__block *b;

    if (block >= (uint32_t)mq_registry_block_count(a))
        return MQ_EINVAL;
    b = mq__block(a, block);
    static_assert(sizeof out->name == MQ_NAME_MAX, "name size");
    memcpy(out->name, b->name, MQ_NAME_MAX);
    memcpy(out->type, b->type, MQ_NAME_MAX);
    out->name[MQ_NAME_MAX - 1] = out->type[MQ_NAME_MAX - 1] = 0; /* shared: terminate */
    out->slot = atomic_load(&b->slot);
    out->work_calls = atomic_load(&b->work_calls);
    out->items_in = atomic_load(&b->items_in);
    out->items_out = atomic_load(&b->items_out);
    out->busy_ns = atomic_load(&b->busy_ns);
    out->ended = atomic_load(&b->ended);
    return 0;
}

void mq_registry_block_ended(mq_arena *a, uint32_t block, uint32_t ended)
{
    if (block < (uint32_t)mq_registry_block_count(a))
        atomic_store(&mq__block(a, block)->ended, ended);
}

void mq_registry_block_account(mq_arena *a, uint32_t block, uint64_t items_in,
                               uint64_t items_out, uint64_t busy_ns)
{
    struct mq__block *b;

    if (block >= (uint32_t)mq_registry_block_count(a))
        return;
    b = mq__block(a, block);
    mq__bump(&b->work_calls, 1);
    mq__bump(&b->items_in, items_in);
    mq__bump(&b->items_out, items_out);
    mq__bump(&b->busy_ns, busy_ns);
}

int mq_registry_conn_set_kind(mq_arena *a, uint32_t conn, int kind)
{
    if (conn >= (uint32_t)mq_registry_conn_count(a) || kind < MQ_CONN_GRAPH || kind > MQ_CONN_TAP)
        return MQ_EINVAL;
    mq__conn(a, conn)->kind = (uint32_t)kind;
    return 0;
}

int mq_registry_tap_point(mq_arena *a, uint32_t conn, uint32_t src_block, uint32_t src_port,
                          uint32_t depth)
{
    struct mq__conn *c;

    if (conn >= (uint32_t)mq_registry_conn_count(a) ||
        src_block >= (uint32_t)mq_registry_block_count(a) || src_port >= MQ_MAX_PORTS ||
        depth > a->layout.queue_cap)
        return MQ_EINVAL;
    c = mq__conn(a, conn);
    if (c->kind != MQ_CONN_TAP)
        return MQ_EINVAL;
    atomic_store(&c->want_data, 0);
    atomic_store(&c->want_room, 0);
    atomic_store(&c->closed, 0);
    atomic_store(&c->abandoned, 0);
    /* Plain stores: the producer reads them after mq_registry_taps_changed's
     * release (its acquire of `taps`), so it sees the connection whole. */
    if (depth)
        c->depth = depth;
    c->src_port = src_port;
    c->src_block = src_block;
    return 0;
}

int64_t mq_registry_taps_changed(mq_arena *a, uint32_t block)
{
    if (block >= (uint32_t)mq_registry_block_count(a))
        return MQ_EINVAL;
    return (int64_t)(atomic_fetch_add_explicit(&mq__live(a, block)->taps, 1,
                                               memory_order_release) +
                     1);
}

int mq_registry_taps_state(const mq_arena *a, uint32_t block, uint64_t *seen, uint64_t *now)
{
    if (block >= (uint32_t)mq_registry_block_count(a))
        return MQ_EINVAL;
    *seen = atomic_load_explicit(&mq__live(a, block)->taps_seen, memory_order_acquire);
    *now = atomic_load_explicit(&mq__live(a, block)->taps, memory_order_acquire);
    return 0;
}

void mq_registry_taps_seen(mq_arena *a, uint32_t block, uint64_t seq)
{
    if (block < (uint32_t)mq_registry_block_count(a))
        atomic_store_explicit(&mq__live(a, block)->taps_seen, seq, memory_order_release);
}
