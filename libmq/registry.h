/* registry.h - the tables of blocks and connections inside the arena.
 *
 * The supervisor fills the registry once, after creating the arena and before any
 * block process starts: blocks (name, type, ports, the slot that runs them) and
 * connections (source block/port to destination block/port, each with its own queue
 * of a given depth and overflow policy). Processes then only read it, and every index
 * they read from it is bounds-checked.
 */
#ifndef MQ_REGISTRY_H
#define MQ_REGISTRY_H

#include <stdint.h>

#include "mq_limits.h"

typedef struct mq_arena mq_arena;

/* Returns the new block's index, MQ_ENOSPC when the layout's blocks are used up, or
 * MQ_EINVAL for an empty or too long name. */
int mq_registry_add_block(mq_arena *a, const char *name, const char *type);

/* Returns the new connection's index (also its queue's). depth 0 means the layout's
 * queue capacity; depth may not exceed it. policy is an enum mq_policy (queue.h). */
int mq_registry_add_conn(mq_arena *a, uint32_t src_block, uint32_t src_port,
                         uint32_t dst_block, uint32_t dst_port, uint32_t depth, int policy);

/* Records that `slot` runs `block` (and the reverse), so the reclaimer of a dead slot
 * knows whose doorbell to reset. */
int mq_registry_bind(mq_arena *a, uint32_t block, uint32_t slot);

int mq_registry_block_count(const mq_arena *a);
int mq_registry_conn_count(const mq_arena *a);

/* Finds a block by name; its index or MQ_ENOENT. */
int mq_registry_find_block(const mq_arena *a, const char *name);

/* What a connection is for. */
enum mq_conn_kind {
    MQ_CONN_GRAPH = 0,   /* a connection of the graph file */
    MQ_CONN_CONTROL = 1, /* the supervisor's messages into a block's message input
                            (mqgraph send, graph events) */
    MQ_CONN_TAP = 2,     /* a tap: a consumer attached to a running output */
};

/* Marks connection `conn` as one of enum mq_conn_kind (the creator, before the
 * blocks start). */
int mq_registry_conn_set_kind(mq_arena *a, uint32_t conn, int kind);

/* Taps. A tap connection (MQ_CONN_TAP) is made by the creator pointing at its own
 * tap block (unused); the supervisor points it at an output with
 * mq_registry_tap_point, which also resets its end-of-stream state, when the queue
 * is empty and no process uses it, then announces it to the producer with
 * mq_registry_taps_changed; the producer's runtime adds or drops the connection
 * between two work calls and confirms (mq_registry_taps_seen). The queue's
 * counters go on across taps: a tap's figures are differences. */
int mq_registry_tap_point(mq_arena *a, uint32_t conn, uint32_t src_block, uint32_t src_port,
                          uint32_t depth); /* depth 0: as it was */
/* Returns the new announcement number (> 0) for block `block`. */
int64_t mq_registry_taps_changed(mq_arena *a, uint32_t block);
/* The last announcement block `block` confirmed (0 for none), and the last one. */
int mq_registry_taps_state(const mq_arena *a, uint32_t block, uint64_t *seen, uint64_t *now);
/* The block's side: confirms announcement `seq`. */
void mq_registry_taps_seen(mq_arena *a, uint32_t block, uint64_t seq);

typedef struct mq_conn_info {
    uint32_t src_block, src_port, dst_block, dst_port;
    uint32_t kind; /* enum mq_conn_kind */
} mq_conn_info;

/* The endpoints of a connection, checked against the registry's bounds. */
int mq_registry_conn_info(const mq_arena *a, uint32_t conn, mq_conn_info *out);

typedef struct mq_block_info {
    char name[MQ_NAME_MAX];
    char type[MQ_NAME_MAX];
    int32_t slot;
    uint64_t work_calls, items_in, items_out, busy_ns;
    uint32_t ended; /* MQ_BLOCK_RUNNING, _FINISHED, _FAILED (untrusted) */
} mq_block_info;

int mq_registry_block_info(const mq_arena *a, uint32_t block, mq_block_info *out);

/* Adds to a block's statistics. Only the process running the block calls it. */
void mq_registry_block_account(mq_arena *a, uint32_t block, uint64_t items_in,
                               uint64_t items_out, uint64_t busy_ns);

/* Whether the block's run is under way or has returned, and how: in a worker
 * process a block finishes or fails while the process goes on with the others,
 * and the supervisor learns it from here. The process running the block sets it
 * (the supervisor clears it before a restart). */
enum { MQ_BLOCK_RUNNING = 0, MQ_BLOCK_FINISHED = 1, MQ_BLOCK_FAILED = 2 };
void mq_registry_block_ended(mq_arena *a, uint32_t block, uint32_t ended);

#endif
