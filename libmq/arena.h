/* arena.h - the shared-memory arena: one POSIX shm object per graph run.
 *
 * The supervisor creates the arena from a layout (pool classes, number of process
 * slots, blocks, connections, queue capacity); every block process attaches to it by
 * name and binds its handle to one process slot. The arena holds no pointers, only
 * offsets and indices, and attaching validates the whole geometry: a handle never
 * trusts an offset read from shared memory, it recomputes the layout from the header's
 * counts and keeps that copy locally.
 *
 * Ownership of buffers is tracked per process slot (see buf.h). When a process dies,
 * mq_arena_reclaim() releases everything its slot held, whatever instruction it died
 * on; after it every buffer is either owned by a live slot or queue, or free.
 *
 * A handle (mq_arena) is process-local and used by one thread at a time.
 */
#ifndef MQ_ARENA_H
#define MQ_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mq_limits.h"


typedef struct mq_arena mq_arena;

typedef struct mq_pool_class {
    uint64_t size;   /* bytes per buffer, rounded up to 64 */
    uint32_t count;  /* buffers in this class */
} mq_pool_class;

typedef struct mq_layout {
    uint32_t n_pools;
    mq_pool_class pools[MQ_MAX_POOLS]; /* ascending sizes */
    uint32_t n_slots;    /* process slots */
    uint32_t n_blocks;
    uint32_t n_conns;    /* one queue per connection */
    uint32_t queue_cap;  /* ring capacity of every queue, a power of two */
    uint32_t held_cap;   /* references one slot may hold at once */
} mq_layout;

/* The design notes' defaults: 4 KiB x 1024, 64 KiB x 512, 1 MiB x 128; 64 slots,
 * 64 blocks, 128 connections, queues of 256, 256 held references per slot. */
void mq_layout_default(mq_layout *l);

/* Checks a layout's ranges; returns 0 or MQ_EINVAL. */
int mq_layout_check(const mq_layout *l);

/* The size of the arena a layout makes, in *bytes, without making it (what a
 * validator checks before anything is created). Returns 0; MQ_EINVAL if the layout
 * fails mq_layout_check (*bytes untouched) or the size exceeds MQ_MAX_ARENA_BYTES
 * (*bytes set, so a caller can say by how much); MQ_ENOMEM. */
int mq_layout_size(const mq_layout *l, uint64_t *bytes);

/* Creates a new arena (mode 0600, O_EXCL, a name unique to this call) and binds the
 * returned handle to no slot. graph_name is copied into the header (truncated).
 * All of its memory is reserved at once (fallocate): a full /dev/shm fails here,
 * with MQ_ENOSHM, not later as a SIGBUS in whichever process touches a page. */
int mq_arena_create(const mq_layout *l, const char *graph_name, mq_arena **out);

/* Attaches to an existing arena by its shm name; validates magic, version, size and
 * geometry. Fails with MQ_ENOENT, MQ_EACCES, MQ_EBADARENA, MQ_EVERSION or MQ_ETRUNC. */
int mq_arena_attach(const char *shm_name, mq_arena **out);

/* Unmaps and frees the handle; the arena itself stays. Releases the slot binding
 * (not the references: a slot's references belong to the slot, see reclaim). */
void mq_arena_detach(mq_arena *a);

/* Unlinks the shm object and detaches. */
int mq_arena_destroy(mq_arena *a);

/* Removes the shm object by name (the supervisor's cleanup of a dead run). */
int mq_arena_unlink(const char *shm_name);

/* Whether the process that created the shm object `shm_name` ("/mq.GRAPH.PID.RANDOM")
 * is provably gone, so that nobody will remove the object but a sweep of leftovers.
 * The object is not trusted: it is read, never mapped, and only as an arena of this
 * version (or, for the creator's pid alone, of an older one) whose size and name
 * agree with its header. Returns
 *  - MQ_CREATOR_EXITED: the creator's pid does not exist, or is a zombie;
 *  - MQ_CREATOR_REPLACED: a process has the pid but started at another time than
 *    the creator (recorded in the header: this version's arenas only);
 *  - MQ_CREATOR_ALIVE: the creator may be running (or nothing can be proved: a pid
 *    of another pid namespace, no /proc);
 *  - MQ_ENOENT or MQ_EACCES: it cannot be opened; MQ_EBADARENA: it is not an mq
 *    arena (not a regular file, no magic, its header's pid not the one in its name);
 *    MQ_ETRUNC: shorter or longer than its header says, or a header still being
 *    written; MQ_EVERSION: a newer version's, whose header this one cannot judge.
 * With a creator's state, *out (may be NULL) says who made it: graph_name is "" for
 * an arena of an older version. */
enum { MQ_CREATOR_ALIVE = 0, MQ_CREATOR_EXITED = 1, MQ_CREATOR_REPLACED = 2 };

typedef struct mq_arena_origin {
    pid_t pid;                    /* the creator's */
    uint32_t version;             /* the arena's layout version */
    char graph_name[MQ_NAME_MAX];
} mq_arena_origin;

int mq_arena_creator_gone(const char *shm_name, mq_arena_origin *out);

const char *mq_arena_shm_name(const mq_arena *a);
const char *mq_arena_graph_name(const mq_arena *a);
pid_t mq_arena_creator_pid(const mq_arena *a);
size_t mq_arena_size(const mq_arena *a);
const mq_layout *mq_arena_layout(const mq_arena *a);

/* Process slots. A slot is claimed by one process (pid) at a time; the handle then
 * acts as that slot for every buffer and queue operation. */
enum mq_slot_state { MQ_SLOT_FREE = 0, MQ_SLOT_ACTIVE = 1, MQ_SLOT_DEAD = 2 };

int mq_arena_slot_claim(mq_arena *a, uint32_t slot);
int mq_arena_slot(const mq_arena *a); /* the bound slot, or -1 */
/* Records in the bound slot that the process now runs block `block`'s code, so
 * the supervisor can name that block of a worker process when the process dies or
 * hangs (the block runtime calls it before each call into a block). */
void mq_arena_slot_in_block(mq_arena *a, uint32_t block);

/* Clean exit of the bound slot: releases every reference the slot still holds and
 * frees the slot. */
int mq_arena_slot_leave(mq_arena *a);

/* The graph-wide stop request: the supervisor sets it, sources poll it and finish,
 * and end of stream then drains the rest of the graph. */
void mq_arena_request_stop(mq_arena *a);
int mq_arena_stop_requested(const mq_arena *a);
/* The graph failed (a block failed or died): also a stop request. Set before the
 * failed block's outputs end, so a sink that sees that end of stream knows its
 * output is incomplete and can discard it. */
void mq_arena_fail(mq_arena *a);
int mq_arena_failed(const mq_arena *a);

/* The start barrier: blocks wait in mq_arena_wait_start until the supervisor has
 * started all of them and calls mq_arena_start, so early blocks do not take the
 * CPU from the start-up of later ones. wait_start returns 0 once started, or
 * MQ_ETIMEDOUT after timeout_ns (< 0: no limit). */
void mq_arena_start(mq_arena *a);
int mq_arena_started(const mq_arena *a);
/* When mq_arena_start was called, on CLOCK_MONOTONIC (ns): the origin of relative
 * timestamps. MQ_EAGAIN before the start. */
int mq_arena_start_time(const mq_arena *a, int64_t *mono_ns);
int mq_arena_wait_start(mq_arena *a, int64_t timeout_ns);

/* Stores now into the bound slot's heartbeat. Cheap: one relaxed store. */
void mq_arena_heartbeat(mq_arena *a);

typedef struct mq_slot_info {
    int32_t pid;
    uint32_t state;
    int64_t heartbeat_ns;
    uint32_t restarts;
    uint32_t held;       /* references recorded in the slot's table */
    int32_t in_block;    /* mq_arena_slot_in_block's last block, or -1 (untrusted) */
} mq_slot_info;

int mq_arena_slot_info(const mq_arena *a, uint32_t slot, mq_slot_info *out);

/* Releases every reference the (dead) process of `slot` held, completes or undoes its
 * interrupted operation, repairs queue heads it was taking from, and frees the slot.
 * Safe while other processes run. Returns the number of references released, or
 * MQ_ECORRUPT if the slot's table failed a check (what could be repaired is). */
int mq_arena_reclaim(mq_arena *a, uint32_t slot);
/* What a death lost: buffers, and the bytes of them that no process had used. */
typedef struct mq_conn_loss {
    uint64_t buffers, bytes;
} mq_conn_loss;

/* The same, and counts what was lost in *lost and, per connection, in per_conn[c]
 * (n_conn entries, added to; either may be NULL). A block whose runtime commits
 * checkpoints (ckpt.h) loses only what its record says it had not used, or was
 * sending: a buffer taken from connection c counts on c for the bytes past the
 * record's cursor, the buffer being sent counts whole on the connection it was
 * going to, and a buffer it made and had not begun to send counts nothing (its
 * items were not yet in its state: the next life makes them again). Without a
 * record, every reference released counts whole, on the connection it came from if
 * it says. Returns the number of references released, or MQ_ECORRUPT. */
int mq_arena_reclaim_report(mq_arena *a, uint32_t slot, mq_conn_loss *per_conn,
                            uint32_t n_conn, mq_conn_loss *lost);

#endif
