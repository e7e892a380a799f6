/* live.h - live parameter values in the arena, between the supervisor and a block.
 *
 * Each block has a live area. The supervisor publishes there the current values of
 * the block's live parameters (MQ_PARAM_LIVE), as the text a graph file would give
 * ("name=value" lines); the block's runtime checks the area's sequence number
 * between two work calls, takes a new publication whole, and records which one its
 * work calls now see and at which item of its stream that began. In the other
 * direction a block posts one request at a time (the changes a `cmd` message asked
 * for) for the supervisor to check and publish like any other change.
 *
 * Every field has one writer, and the text is a seqlock: see struct mq__live.
 */
#ifndef MQ_LIVE_H
#define MQ_LIVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct mq_arena mq_arena;

/* Supervisor: publishes `text` (len < MQ_LIVE_TEXT) as block `block`'s live
 * values; returns the new sequence number (> 0), or MQ_EINVAL / MQ_ERANGE. */
int64_t mq_live_publish(mq_arena *a, uint32_t block, const char *text, size_t len);

typedef struct mq_live_info {
    uint64_t seq;          /* the last publication, 0 for none */
    uint64_t applied;      /* the publication the block's work calls see */
    uint64_t applied_item; /* items the block had made (or, with no outputs, taken)
                              before it applied that one */
} mq_live_info;

int mq_live_info_get(const mq_arena *a, uint32_t block, mq_live_info *out);

/* Supervisor: a request block `block` posted and the supervisor has not taken:
 * copied NUL-terminated into buf (cap bytes), its id in *id; 1 if there was one,
 * 0 if none. Then mq_live_request_done(id) lets the block post the next. */
int mq_live_request(const mq_arena *a, uint32_t block, char *buf, size_t cap, uint64_t *id);
int mq_live_request_done(mq_arena *a, uint32_t block, uint64_t id);

/* Block side (the runtime; exported for tests of the protocol). */
/* The publication newer than `seen`, whole: its text malloc'd in *text (NUL-
 * terminated, *len bytes) and its seq in *seq; 1 if there is one, 0 if not (or
 * the supervisor is writing it: try again later), MQ_ENOMEM. */
int mq_live_take(const mq_arena *a, uint32_t block, uint64_t seen, char **text, size_t *len,
                 uint64_t *seq);
/* Whether there is a publication other than `seen` (cheap: one load). */
int mq_live_changed(const mq_arena *a, uint32_t block, uint64_t seen);
/* Records that the block's work calls see publication `seq` from item `item` on. */
void mq_live_applied(mq_arena *a, uint32_t block, uint64_t seq, uint64_t item);
/* Posts a request; MQ_EAGAIN while the previous one is not taken, MQ_ERANGE if it
 * does not fit in MQ_LIVE_REQ. */
int mq_live_post(mq_arena *a, uint32_t block, const char *text, size_t len);

#endif
