/* buf.h - buffers: allocation from size-class pools, references, timestamps.
 *
 * A buffer is named by an mq_id, a 64-bit value that carries the buffer's index, its
 * generation and one reference token. Every reference anyone holds is a distinct id:
 * mq_buf_alloc() returns the first; mq_buf_share() turns one into n (fan-out);
 * pushing an id into a queue hands that reference to the queue, popping hands it to
 * the popper; mq_buf_release() gives it up, and the last release frees the buffer.
 * An id that is stale (buffer freed since), forged, or not held by the caller's
 * slot is refused with MQ_ESTALE and never touches another owner's buffer.
 *
 * All functions act as the handle's bound process slot (mq_arena_slot_claim) and
 * record what that slot holds, so a crash of the process loses nothing.
 */
#ifndef MQ_BUF_H
#define MQ_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct mq_arena mq_arena;
typedef uint64_t mq_id;

#define MQ_ID_NONE ((mq_id)0)

/* The buffer index an id names (for diagnostics: two ids of one buffer share it). */
static inline uint32_t mq_id_index(mq_id id)
{
    return (uint32_t)(id >> 32);
}

enum mq_ts_type {
    MQ_TS_NONE = 0,
    MQ_TS_ABSOLUTE = 1,     /* CLOCK_REALTIME ns */
    MQ_TS_RELATIVE = 2,     /* ns since graph start */
    MQ_TS_SAMPLE_INDEX = 3, /* index of the first item */
};

#define MQ_TS_HAS_RANGE 1u

typedef struct mq_timestamp {
    uint32_t type;   /* enum mq_ts_type */
    uint32_t flags;  /* MQ_TS_HAS_RANGE */
    int64_t value;
    int64_t start;   /* time range, valid with MQ_TS_HAS_RANGE */
    int64_t end;
} mq_timestamp;

/* Allocates a buffer of at least `size` bytes from the smallest pool class that
 * fits. timeout_ns == 0: fail at once with MQ_ENOBUFS when that class is exhausted;
 * > 0: wait up to that long (MQ_ETIMEDOUT); < 0: wait forever. The buffer's length
 * starts at 0 and its timestamp at MQ_TS_NONE. */
int mq_buf_alloc(mq_arena *a, size_t size, int64_t timeout_ns, mq_id *out);

/* Gives up the reference `id`. */
int mq_buf_release(mq_arena *a, mq_id id);

/* The most ids one mq_buf_release_many or mq_buf_alloc_many handles. */
#define MQ_BUF_BATCH 64

/* Allocates up to n buffers of at least `size` bytes into out[]: waits (as
 * mq_buf_alloc) only for the first, takes as many more as the pool has at once,
 * and fetches their metadata together. Returns how many (at least 1), or
 * mq_buf_alloc's errors; MQ_EINVAL if n > MQ_BUF_BATCH. */
int mq_buf_alloc_many(mq_arena *a, size_t size, int n, int64_t timeout_ns, mq_id *out);

/* Gives up the references ids[0..n): the same as n mq_buf_release calls, but the
 * buffers' metadata is fetched together and the pools' free maps are updated once
 * per batch. Returns 0, or MQ_ESTALE if one was not held (the others are
 * released), MQ_EINVAL if n > MQ_BUF_BATCH. */
int mq_buf_release_many(mq_arena *a, const mq_id *ids, int n);

/* Replaces the caller's reference `id` by n references (1 <= n), written to out[].
 * A buffer can issue 32 tokens in its life; past that MQ_ENOSPC (copy instead). */
int mq_buf_share(mq_arena *a, mq_id id, unsigned n, mq_id *out);

/* Says whose items the reference `id` carries, for the count of what is lost if
 * this process dies holding it (mq_arena_reclaim_report): `from`, the connection
 * its items came in on, and `to`, the one it is about to be sent to; MQ_TAG_NONE
 * for no connection, MQ_TAG_KEEP to leave one as it is. A reference taken from a
 * queue comes with its `from`, one of a shared buffer with its original's; one
 * allocated has neither. */
#define MQ_TAG_NONE UINT32_MAX
#define MQ_TAG_KEEP (UINT32_MAX - 1)
int mq_buf_tag(mq_arena *a, mq_id id, uint32_t from, uint32_t to);

/* Makes `*id` safe to modify: if the caller holds the only reference, *id is left
 * as it is (in place, returns 0); otherwise the data, length and timestamp are
 * copied into a new buffer, the old reference is released, *id becomes the copy's
 * and 1 is returned. The copy does not wait for a buffer: MQ_ENOBUFS if the pool is
 * exhausted. */
int mq_buf_writable(mq_arena *a, mq_id *id);
/* Whether mq_buf_writable would leave *id in place: 1 if the caller holds the only
 * reference, 0 if others hold it too, MQ_ESTALE if the caller holds none. */
int mq_buf_sole(mq_arena *a, mq_id id);

/* Accessors. They check the id (MQ_ESTALE / NULL) but not that the caller holds it. */
void *mq_buf_data(mq_arena *a, mq_id id);
int64_t mq_buf_capacity(mq_arena *a, mq_id id);
int64_t mq_buf_length(mq_arena *a, mq_id id);
int mq_buf_set_length(mq_arena *a, mq_id id, size_t length);
int mq_buf_timestamp(mq_arena *a, mq_id id, mq_timestamp *out);
int mq_buf_set_timestamp(mq_arena *a, mq_id id, const mq_timestamp *ts);

/* Number of live references to the buffer (for tests and statistics). */
int mq_buf_refcount(mq_arena *a, mq_id id);

#endif
