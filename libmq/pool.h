/* pool.h - size-class buffer pools.
 *
 * The arena holds a fixed number of pool classes, each a fixed count of equal-size
 * buffers. The authoritative free state of a buffer is its state word (buf.h); each
 * pool also keeps a bitmap of "probably free" buffers so allocation finds one without
 * scanning metadata. The bitmap is only a hint: allocation confirms with a CAS on
 * the state word, and mq_arena_reclaim() re-derives the bitmap from the state words,
 * so a process killed between the two leaves nothing lost.
 */
#ifndef MQ_POOL_H
#define MQ_POOL_H

#include <stdint.h>

typedef struct mq_arena mq_arena;

typedef struct mq_pool_stats {
    uint64_t size;
    uint32_t count;
    uint32_t free;     /* buffers whose state is free, counted exactly */
    uint64_t allocs;
    uint64_t failures;
} mq_pool_stats;

int mq_pool_count(const mq_arena *a);

/* Large pools hand a process several buffers per claim, kept for its next
 * allocations (pool.c). A process that allocates rarely (the supervisor, sending a
 * message now and then) gives them back with this, so others can have them. */
void mq_pool_give_back(mq_arena *a);
int mq_pool_stats_get(mq_arena *a, uint32_t pool, mq_pool_stats *out);

#endif
