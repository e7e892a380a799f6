/* ckpt.h - a block's checkpoint: a small record in the arena that outlives the
 * block's process, so that a restarted block goes on where its last life was.
 *
 * A record holds what the block saved (mq_checkpoint_save, block.h: up to
 * MQ_CHECKPOINT_MAX bytes of its own, such as head's count or a source's position)
 * together with what the runtime knows at that moment: how far the block had read
 * each input buffer, which buffer it was sending, and how many items it had read
 * on each input and written on each output over its lives (the absolute offsets
 * of stream tags, tags.h). The runtime commits a record
 * just before every send and after every work call, so a record always describes
 * a point where the block's state, what it read and what it sent agree. The
 * reclaimer of a dead block reads it to count exactly what the death lost
 * (reclaim.c); the next life loads the block's part.
 *
 * A commit writes the copy not in use and then flips the sequence number, so a
 * process killed at any instruction leaves the old record or the new one whole.
 * One writer at a time: the block's process, or, once it is dead, its reclaimer.
 * The arena starts zeroed: no record until the first commit of the run.
 */
#ifndef MQ_CKPT_H
#define MQ_CKPT_H

#include <stdint.h>

#include "buf.h"
#include "mq_limits.h"

typedef struct mq_arena mq_arena;

/* How far the block had read one input buffer: bytes [0, end) of `id` were used. */
typedef struct mq_ckpt_cursor {
    mq_id id;
    uint64_t end;
} mq_ckpt_cursor;

/* flags: the work call has begun to send. Until its end, what it made counts as
 * sent, and what it had taken as not yet used (reclaim.c). */
#define MQ_CKPT_SENDING 1u

typedef struct mq_ckpt {
    mq_id fly;     /* the buffer being sent (any of its references), or MQ_ID_NONE */
    uint16_t n_cur;
    uint16_t flags; /* MQ_CKPT_SENDING */
    uint32_t len;  /* bytes of data */
    uint16_t n_read, n_written; /* entries of items_read and items_written */
    uint32_t pad;
    mq_ckpt_cursor cur[MQ_MAX_PORTS];
    /* Items read from each stream input up to the cursors, and written to each
     * stream output, the buffer being sent included. */
    uint64_t items_read[MQ_MAX_PORTS], items_written[MQ_MAX_PORTS];
    unsigned char data[MQ_CHECKPOINT_MAX];
} mq_ckpt;

/* Commits k as block `block`'s record (n_cur, n_read and n_written <=
 * MQ_MAX_PORTS, len <= MQ_CHECKPOINT_MAX, else MQ_EINVAL; only those entries and
 * bytes are copied). */
int mq_ckpt_commit(mq_arena *a, uint32_t block, const mq_ckpt *k);

/* The last record committed, checked: 0; MQ_ENOENT if none was this run; MQ_EINVAL
 * for no such block; MQ_ECORRUPT if the arena's copy fails a check. */
int mq_ckpt_load(const mq_arena *a, uint32_t block, mq_ckpt *k);

#endif
