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

/* The most ids one mq_queue_push_many or mq_queue_pop_many moves. */
#define MQ_QUEUE_BATCH 64

/* Batches: one publication (one tail store, one wake-up check) for many ids, which
 * is most of the cost of a push or pop when buffers are small.
 * Pushes ids[0..n) in order, as many as there is room for, waiting (as
 * mq_queue_push) only while there is no room for the first. Returns how many ids
 * it consumed, queued or dropped by the policy (at least 1), or mq_queue_push's
 * errors if none; MQ_ESTALE if the caller does not hold one of them (then none is
 * pushed). */
int mq_queue_push_many(mq_arena *a, uint32_t conn, const mq_id *ids, int n,
                       int64_t timeout_ns);

/* Pops up to `max` ids, oldest first, into ids[]; returns how many (at least 1), or
 * mq_queue_pop's errors if none (ids[] is then left as it was). */
int mq_queue_pop_many(mq_arena *a, uint32_t conn, mq_id *ids, int max, int64_t timeout_ns);

/* Wake-ups. A waiter asks to be woken at a level: a consumer once its queue holds
 * that many ids, a producer once that many cells are free. By default the level is
 * 1, so every push into an empty queue wakes its sleeping consumer. After
 * mq_queue_batch_wakeups(a, 1), this handle's waits ask for half the queue's
 * depth (1 below a depth of 8), so a streaming peer wakes it once per half queue
 * instead of once per buffer: on these machines a context switch costs more than
 * moving a buffer (doc/architecture.md).
 *
 * A push or pop below the waiter's level defers the ring. The handle rings all it
 * deferred before it waits itself (so a waiter that needs this one never sleeps
 * on it), when it detaches, and on mq_queue_flush. A peer that blocks outside
 * libmq (a device read) or computes for long without waiting rings only then, so a
 * batching waiter bounds its sleep: the block runtime sleeps at most one
 * heartbeat, and flushes what is older than 200 us after each work call. */
void mq_queue_batch_wakeups(mq_arena *a, int on);

/* Consumer side: the caller is about to sleep in mq_block_wait until `conn` has
 * data (on != 0, before mq_block_prepare), or no longer waits for it (on == 0,
 * after). A push wakes the block only for a queue marked so. */
int mq_queue_want(mq_arena *a, uint32_t conn, int on);

/* Rings now the wake-ups this handle deferred, if the first was deferred at least
 * max_age_ns ago (0: all of them). */
void mq_queue_flush(mq_arena *a, int64_t max_age_ns);

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

/* Whether a pop would find something: an id, or the end of the stream. */
int mq_queue_ready(const mq_arena *a, uint32_t conn);

/* Consumer side: counts what became of popped buffers, for the statistics. A
 * synchronising block drops buffers that can no longer be aligned (MQ_NOTE_STALE)
 * and emits some outputs with this input missing (MQ_NOTE_MISSED). */
enum { MQ_NOTE_STALE = 1, MQ_NOTE_MISSED = 2 };
int mq_queue_note(mq_arena *a, uint32_t conn, int what, uint64_t n);

/* Waits on the doorbell of `block` until a queue it waits on changes (a push into
 * an input marked with mq_queue_want, a close) or the timeout passes. The caller
 * checks its queues after mq_block_prepare() and before waiting, and `seq` comes
 * from mq_block_prepare(). */
uint32_t mq_block_prepare(mq_arena *a, uint32_t block);
int mq_block_wait(mq_arena *a, uint32_t block, uint32_t seq, int64_t timeout_ns);
void mq_block_cancel(mq_arena *a, uint32_t block);
/* Wakes block `block` if it waits, so it looks at everything again (the supervisor
 * after publishing a live parameter). */
int mq_block_wake(mq_arena *a, uint32_t block);

#endif
