/* queue.h - the bounded queue of buffer ids behind each connection.
 *
 * One producer pushes, one consumer pops (the connection's source and destination
 * blocks). A pushed id's reference belongs to the queue until it is popped. When the
 * queue holds `depth` ids, the connection's overflow policy decides: MQ_POLICY_BLOCK
 * makes the producer wait (backpressure), MQ_POLICY_DROP_NEWEST releases the id being
 * pushed, MQ_POLICY_DROP_OLDEST releases the oldest queued id; drops are counted.
 *
 * Waiting uses the doorbell of the waiting block, so a block can wait on all its
 * queues at once (mq_block_wait). A wait spins briefly before it sleeps, and no
 * syscall is made while data flows. End of stream is a queue state: the producer
 * closes the queue; the consumer gets MQ_EOS once it is closed and drained.
 */
#ifndef MQ_QUEUE_H
#define MQ_QUEUE_H

#include <stdint.h>

#include "buf.h"

enum mq_policy { MQ_POLICY_BLOCK = 0, MQ_POLICY_DROP_OLDEST = 1, MQ_POLICY_DROP_NEWEST = 2 };

/* Pushes the caller's reference `id`. timeout_ns as in mq_buf_alloc (only the block
 * policy waits). Returns 0 when queued, 1 when the id or an older one was dropped by
 * policy (the reference is consumed either way), MQ_EAGAIN / MQ_ETIMEDOUT when full,
 * MQ_EPIPE after close or abandon (the caller keeps the reference), MQ_ESTALE if the caller does not hold `id`. */
int mq_queue_push(mq_arena *a, uint32_t conn, mq_id id, int64_t timeout_ns);

/* Pops the oldest id; the caller now holds it. MQ_EAGAIN / MQ_ETIMEDOUT when empty,
 * MQ_EOS when closed and empty. */
int mq_queue_pop(mq_arena *a, uint32_t conn, mq_id *id, int64_t timeout_ns);

/* Producer side: no more pushes. Wakes the consumer. */
int mq_queue_close(mq_arena *a, uint32_t conn);

/* Consumer side: no more pops (the block finished early, like `head`). Pushes then
 * fail with MQ_EPIPE, also one waiting for room, so the producer learns that nobody
 * reads. Ids still queued stay there until someone drains them. */
int mq_queue_abandon(mq_arena *a, uint32_t conn);

typedef struct mq_queue_stats {
    uint64_t pushed;   /* ids queued */
    uint64_t popped;   /* ids popped by the consumer */
    uint64_t bytes;    /* sum of the lengths pushed */
    uint64_t drops;    /* ids released by the overflow policy */
    uint64_t hwm;      /* highest occupancy seen */
    uint32_t size;     /* ids queued now */
    uint32_t depth;
    uint32_t policy;
    uint32_t closed;
    uint32_t abandoned;
    uint64_t stale;    /* buffers the consumer dropped as too old (mq_queue_note) */
    uint64_t missed;   /* outputs the consumer made without this input (mq_queue_note) */
} mq_queue_stats;

int mq_queue_stats_get(const mq_arena *a, uint32_t conn, mq_queue_stats *out);

/* Consumer side: counts what became of popped buffers, for the statistics. A
 * synchronising block drops buffers that can no longer be aligned (MQ_NOTE_STALE)
 * and emits some outputs with this input missing (MQ_NOTE_MISSED). */
enum { MQ_NOTE_STALE = 1, MQ_NOTE_MISSED = 2 };
int mq_queue_note(mq_arena *a, uint32_t conn, int what, uint64_t n);

/* Waits on the doorbell of `block` until any of its queues changes (a push into one
 * of its inputs, space freed in one of its outputs), or the timeout passes. The
 * caller checks its queues before calling; `seq` comes from mq_block_prepare(). */
uint32_t mq_block_prepare(mq_arena *a, uint32_t block);
int mq_block_wait(mq_arena *a, uint32_t block, uint32_t seq, int64_t timeout_ns);
void mq_block_cancel(mq_arena *a, uint32_t block);

#endif
