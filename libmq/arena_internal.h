/* arena_internal.h - the structures that live in shared memory, and the handle.
 *
 * Everything below `struct mq_arena` is laid out in the shm object. Rules:
 *  - no pointers: offsets from the base and indices only;
 *  - every index read from shared memory is bounds-checked against the handle's
 *    private copy of the geometry before use;
 *  - every shared field is _Atomic or written once before any other process attaches;
 *  - each struct's size is fixed by a static_assert, so two builds agree on the layout.
 *
 * Ownership protocol (the reason for the token design; doc/ownership.md tells it
 * in full). A buffer's state word packs {generation, tokens issued, live tokens}.
 * Every reference is one live token bit; only the holder of a token clears it. The
 * generation of an allocation embeds the allocating slot. Because each ownership
 * change is a single CAS whose effect only its author can produce, the reclaimer can
 * read the state after a crash and tell whether the dead process's last step
 * happened, so nothing leaks and nothing is freed twice.
 */
#ifndef MQ_ARENA_INTERNAL_H
#define MQ_ARENA_INTERNAL_H

#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "ckpt.h"
#include "error.h"

#define MQ__MAGIC 0x414e455241514d31ULL /* "1MQARENA" little-endian */
#define MQ__VERSION 10u /* 10: a slot's in_block, a block's ended */
#define MQ__CLAIM_BATCH 8 /* buffers claimed per bitmap access in large pools */
#define MQ__HELD_HINT_BITS 8 /* held.c: size of the buffer -> entry hint table */
#define MQ__OWED_MAX 16   /* deferred doorbells per handle; past that, ring at once */

/* ---- buffer state word ------------------------------------------------------ */
/* bits 0..31 live token mask, 32..37 tokens issued, 38..63 generation (26 bits:
 * 16-bit sequence << MQ__SLOT_BITS | allocating slot). Free <=> issued == 0 &&
 * live == 0. The slot in the generation is what makes a dead slot's interrupted
 * allocation decidable (no other slot can make the same generation, and the dead
 * one makes none until it is reclaimed), so the sequence only has to tell apart the
 * uses of a buffer by one live slot: 65535 of them before it wraps. */
#define MQ__TOKENS 32u
#define MQ__ST_LIVE(s) ((uint32_t)(s))
#define MQ__ST_ISSUED(s) ((uint32_t)(((s) >> 32) & 0x3f))
#define MQ__ST_GEN(s) ((uint32_t)((s) >> 38))
#define MQ__ST_MAKE(gen, issued, live) \
    (((uint64_t)(gen) << 38) | ((uint64_t)(issued) << 32) | (uint64_t)(live))
#define MQ__GEN_BITS 26u
#define MQ__SLOT_BITS 10u
static_assert(MQ_MAX_SLOTS < (1u << MQ__SLOT_BITS), "a slot id fits in a generation");
#define MQ__GEN_MASK ((1u << MQ__GEN_BITS) - 1)

/* ---- buffer id --------------------------------------------------------------- */
/* bits 0..4 token, 5..30 generation, 32..62 index; bit 63 is never set in an id, so
 * a queue cell can use it to mark "taken by slot s". Generation 0 is never issued,
 * which keeps id 0 invalid. */
#define MQ__ID(idx, gen, tok) \
    (((uint64_t)(idx) << 32) | ((uint64_t)(gen) << 5) | (uint64_t)(tok))
#define MQ__ID_TOK(id) ((uint32_t)((id) & 0x1f))
#define MQ__ID_GEN(id) ((uint32_t)(((id) >> 5) & MQ__GEN_MASK))
#define MQ__ID_IDX(id) ((uint64_t)((id) >> 32))
#define MQ__CELL_TAKEN (1ULL << 63)
/* A head cell taken by `slot` together with the k - 1 cells after it. */
#define MQ__TAKEN_COUNT_BITS (0xffffULL << 32)
#define MQ__TAKEN_MARK(slot, k) (MQ__CELL_TAKEN | (uint64_t)(k) << 32 | (uint32_t)(slot))
#define MQ__TAKEN_COUNT(cell) ((uint32_t)(((cell) & MQ__TAKEN_COUNT_BITS) >> 32))

struct mq__doorbell {
    _Atomic uint32_t seq;
    _Atomic uint32_t sleepers;
};

enum { MQ__STOP = 1, MQ__FAILED = 2 };

struct mq__hdr {
    uint64_t magic;
    uint32_t version;
    uint32_t hdr_size;
    uint64_t total_size;
    int32_t creator_pid;
    _Atomic uint32_t state;
    _Atomic uint32_t stop; /* MQ__STOP | MQ__FAILED */
    uint32_t n_pools;
    uint64_t pool_size[MQ_MAX_POOLS];
    uint32_t pool_count[MQ_MAX_POOLS];
    uint32_t n_slots, n_blocks, n_conns, queue_cap, held_cap;
    uint32_t n_bufs;
    /* Section offsets: written by the creator, compared with the recomputed layout
     * on attach, never used directly. */
    uint64_t off_slots, off_held, off_blocks, off_conns, off_cells, off_pools,
        off_bufs, off_bitmap, off_data;
    char graph_name[MQ_NAME_MAX];
    _Atomic uint32_t blocks_used, conns_used; /* registry fill, creator only */
    _Atomic uint32_t started; /* mq_arena_start was called */
    struct mq__doorbell start_bell;
    /* The graph's start (mq_arena_start) on CLOCK_MONOTONIC: written before
     * `started`, read after it. */
    int64_t start_mono_ns;
    uint64_t off_live; /* after the others: v7 added it */
    uint64_t off_ckpt; /* v8: the checkpoint section */
    /* v8: the creator as /proc knows it, so that a later run can tell it is gone
     * (mq_arena_creator_gone): its start time (field 22 of /proc/PID/stat, clock
     * ticks since boot), and its pid namespace (the inode of /proc/self/ns/pid), in
     * which alone creator_pid means that process. 0 when /proc could not tell. */
    uint64_t creator_start;
    uint64_t creator_pidns;
    uint8_t reserved[40];
};
static_assert(sizeof(struct mq__hdr) == 384, "header layout");
/* Every version so far begins with magic, version, hdr_size, total_size and
 * creator_pid, in these places: mq_arena_creator_gone reads an older arena's
 * creator from them. A new version keeps them. */
static_assert(offsetof(struct mq__hdr, total_size) == 16 &&
                  offsetof(struct mq__hdr, creator_pid) == 24,
              "the header prefix every version shares");

/* Held-reference journal entry states. */
enum {
    MQ__H_EMPTY = 0,
    MQ__H_HELD,       /* id: a token this slot owns */
    MQ__H_ALLOC,      /* id: the allocation being attempted (index, new gen, token 0) */
    MQ__H_TAKE,       /* id taken (being taken) from conn at pos */
    MQ__H_PUSH,       /* id being published into conn at pos */
    MQ__H_SHARE,      /* id being split into tokens [pos, pos + aux) */
    /* id being released; pos: the tag list it carries, which goes with it if this
     * release frees it (buf.c, "Tag lists") */
    MQ__H_FREEING,
};

/* For the count of what a death loses (reclaim.c), a HELD reference says whose items
 * it carries: `conn`, the connection it was taken from (MQ__NO_CONN: made here),
 * and `to`, the one it is being sent to (MQ__NO_CONN: none yet). A TAKE or PUSH
 * entry has its operation's connection in `conn`. */
struct mq__held {
    _Atomic uint32_t state;
    uint32_t aux;
    _Atomic uint64_t id;
    uint64_t pos;
    uint32_t conn;
    uint32_t to;
};
#define MQ__NO_CONN MQ_TAG_NONE
static_assert(sizeof(struct mq__held) == 32, "held entry layout");

struct mq__slot {
    _Atomic int32_t pid;
    _Atomic uint32_t state;
    _Atomic int64_t heartbeat_ns;
    _Atomic int64_t start_ns;
    _Atomic uint32_t restarts;
    _Atomic int32_t block;
    /* The block whose code (init, work, a handler, fini) the process runs or ran
     * last: of a worker process's blocks, the one to name when it dies or hangs.
     * -1 before any. */
    _Atomic int32_t in_block;
    uint8_t pad[28];
};
static_assert(sizeof(struct mq__slot) == 64, "slot layout");

/* A futex doorbell: producers ring the consumer's doorbell after pushing, consumers
 * ring the producer's after freeing space. The futex word is `seq`; `sleepers`
 * counts processes inside a wait, so a ring costs no syscall when nobody sleeps. */
struct mq__port {
    char name[24];
    uint32_t item_type;
    int32_t conn;
};

/* The doorbell has a cache line of its own: every neighbour reads it on every push
 * or pop, while the block writes its statistics on every work call. */
struct mq__block {
    struct mq__doorbell bell;
    uint8_t pad_bell[56];
    char name[MQ_NAME_MAX];
    char type[MQ_NAME_MAX];
    _Atomic int32_t slot;
    uint32_t n_in, n_out;
    _Atomic uint32_t ended; /* its run of this life returned (mq_registry_block_ended) */
    _Atomic uint64_t work_calls, items_in, items_out, busy_ns;
    struct mq__port in[MQ_MAX_PORTS];
    struct mq__port out[MQ_MAX_PORTS];
    uint8_t pad1[48];
};
static_assert(sizeof(struct mq__block) == 1280, "block layout");

/* A connection and its queue. The producer writes `tail` and its statistics, the
 * taker of the head cell writes `head`; they sit on separate cache lines. */
struct mq__conn {
    /* configuration, written by the creator before children start */
    uint32_t src_block, src_port, dst_block, dst_port;
    uint32_t depth, policy;
    _Atomic uint32_t closed;    /* the producer is done: EOS once drained */
    _Atomic uint32_t abandoned; /* the consumer is done: pushes fail with EPIPE */
    uint32_t kind;              /* enum mq_conn_kind (registry.h) */
    uint8_t pad1[28];
    /* Producer line: what a waiting consumer polls. Only tail and the level it
     * stores to sleep: a counter here would make every push take the line back
     * from the polling consumer once more (see the stats lines below). */
    _Atomic uint64_t tail;
    /* The level a sleeping consumer waits for (0: it does not wait), here because
     * the producer reads it on every push and the consumer writes it only to sleep. */
    _Atomic uint32_t want_data;
    uint8_t pad2[52];
    /* Consumer line, what a waiting producer polls: head, and its level. */
    _Atomic uint64_t head;
    _Atomic uint32_t want_room; /* free cells a sleeping producer waits for, or 0 */
    uint8_t pad3[52];
    /* Statistics, on lines of their own that no one polls: the producer's, */
    _Atomic uint64_t pushed, bytes, drops, hwm;
    uint8_t pad4[32];
    /* and the consumer's (mq_queue_note counts stale and missed). */
    _Atomic uint64_t popped, stale, missed;
    uint8_t pad5[40];
};
static_assert(sizeof(struct mq__conn) == 320, "conn layout");

/* A block's live parameters (live.c). The supervisor alone writes seq, len and
 * text, as a seqlock: seq is odd while it writes, and a reader that saw the same
 * even seq before and after its copy has a whole value. The block alone writes
 * applied, applied_item, req_id, req_len and req; the supervisor alone writes
 * req_done. Each field has one writer, so a process killed at any instruction
 * leaves the old or the new value, never a lock held. */
struct mq__live {
    _Atomic uint64_t seq;
    _Atomic uint32_t len;
    uint32_t pad0;
    _Atomic uint64_t applied;      /* the seq the block's work calls now see */
    _Atomic uint64_t applied_item; /* the block's item count when it applied it */
    _Atomic uint64_t req_id;       /* requests the block posted; req holds the last */
    _Atomic uint64_t req_done;     /* requests the supervisor has taken */
    _Atomic uint32_t req_len;
    uint8_t pad1[12];
    /* Taps (registry.h): the supervisor bumps `taps` when it points a tap at one
     * of this block's outputs or takes one away; the block stores the value in
     * taps_seen once its outputs' connection lists agree. */
    _Atomic uint64_t taps;
    _Atomic uint64_t taps_seen;
    uint8_t pad2[48];
    char text[MQ_LIVE_TEXT];       /* "name=value\n" for each live parameter */
    char req[MQ_LIVE_REQ];         /* "name=value\n" for each change asked for */
};
static_assert(sizeof(struct mq__live) == 128 + MQ_LIVE_TEXT + MQ_LIVE_REQ, "live layout");

/* A block's checkpoint (ckpt.c): copy[seq & 1] is the record once seq > 0. */
struct mq__ckpt {
    _Atomic uint64_t seq;
    uint8_t pad[56];
    mq_ckpt copy[2];
    uint8_t pad1[16]; /* the connections after it start on a cache line */
};
static_assert(sizeof(struct mq__ckpt) % 64 == 0, "ckpt record layout");
static_assert(sizeof(mq_ckpt) == 24 + 32 * MQ_MAX_PORTS + MQ_CHECKPOINT_MAX, "ckpt layout");

/* Allocators write the counters; releasers read the doorbell: two cache lines. */
struct mq__pool {
    uint64_t size;
    uint32_t count, first;       /* buffers [first, first + count) */
    _Atomic uint64_t allocs, failures;
    uint8_t pad0[32];
    struct mq__doorbell bell;     /* rung on release when someone waits for a buffer */
    uint8_t pad1[56];
};
static_assert(sizeof(struct mq__pool) == 128, "pool layout");

/* `tags`: for a buffer of items, the id of its tag list (tags.h), a buffer whose
 * one token the buffer holds, or 0; for a tag list (flags MQ__BUF_TAGLIST), the
 * buffer it belongs to, as index and generation with token 0 (MQ__KEY). Written by
 * the only holder of a buffer's reference, before it shares or sends it. */
struct mq__buf {
    _Atomic uint64_t state;
    uint64_t length;
    mq_timestamp ts;
    int32_t creator;
    uint32_t flags; /* MQ__BUF_TAGLIST */
    uint64_t tags;
};
static_assert(sizeof(struct mq__buf) == 64, "buffer metadata layout");
#define MQ__BUF_TAGLIST 1u
/* A buffer's life: its index and generation, any token. */
#define MQ__KEY(id) ((id) & ~(uint64_t)0x1f)

/* The process-local handle: the mapping, a private copy of the validated geometry,
 * and the slot this handle acts as. */
struct mq_arena {
    uint8_t *base;
    size_t size;
    char shm_name[MQ_SHM_NAME_MAX];
    mq_layout layout;
    uint32_t n_bufs;
    uint64_t off_slots, off_held, off_blocks, off_conns, off_cells, off_pools,
        off_bufs, off_bitmap, off_data, off_live, off_ckpt;
    uint64_t pool_data_off[MQ_MAX_POOLS]; /* from off_data */
    uint32_t pool_first[MQ_MAX_POOLS];
    uint32_t pool_bitmap_word[MQ_MAX_POOLS]; /* first 64-bit bitmap word of the pool */
    int slot;                                /* bound slot or -1 */
    uint32_t held_hw;                        /* entries [0, held_hw) may be in use */
    uint32_t held_free;                      /* entries below it are probably in use */
    uint16_t held_at[1u << MQ__HELD_HINT_BITS]; /* per buffer index: entry last made HELD */
    uint32_t alloc_cursor[MQ_MAX_POOLS];     /* where this handle's next scan starts */
    int owner;                               /* this handle created the shm object */
    /* Buffers claimed from a pool's bitmap in one batch and not yet allocated: free
     * in their state words, so a crash loses nothing (pool repair re-marks them),
     * and given back before this process sleeps (pool.c). */
    uint32_t claim_n[MQ_MAX_POOLS];
    uint32_t claim[MQ_MAX_POOLS][MQ__CLAIM_BATCH];
    /* Per connection, a lower bound of its tail as last read: the consumer re-reads
     * tail only when the bound says "empty". Tail only grows, so a stale bound is
     * safe. n_conns entries. */
    uint64_t *seen_tail;
    /* Wake-ups this handle deferred because the waiting peer's level was not reached
     * yet (queue.c): conn << 1 | MQ__WANT_ROOM or MQ__WANT_DATA; owed_since is when
     * the first was deferred. All are rung before this handle waits or detaches,
     * and by mq_queue_flush. */
    uint32_t owed[MQ__OWED_MAX];
    uint32_t n_owed;
    int64_t owed_since;
    int batch_wakeups; /* mq_queue_batch_wakeups */
    /* While tasks of a scheduler (sched.h) run on this handle: where a doorbell
     * wait goes instead of the futex, or NULL. */
    struct mq__coop *coop;
    /* Work calls and message deliveries through this handle: a scheduler's
     * measure of whether a round of its tasks got anywhere. */
    uint64_t progress;
};

/* A scheduler's hook: the wait of a task, which gives the thread up. */
struct mq__coop {
    int (*wait)(struct mq__coop *co, struct mq__doorbell *d, uint32_t seq, int64_t deadline_ns);
};

/* Section accessors: indices must have been checked by the caller. */
static inline struct mq__hdr *mq__hdr(const mq_arena *a)
{
    return (struct mq__hdr *)a->base;
}
static inline struct mq__slot *mq__slot(const mq_arena *a, uint32_t i)
{
    return (struct mq__slot *)(a->base + a->off_slots) + i;
}
static inline struct mq__held *mq__held(const mq_arena *a, uint32_t slot, uint32_t i)
{
    return (struct mq__held *)(a->base + a->off_held) + (uint64_t)slot * a->layout.held_cap + i;
}
static inline struct mq__block *mq__block(const mq_arena *a, uint32_t i)
{
    return (struct mq__block *)(a->base + a->off_blocks) + i;
}
static inline struct mq__live *mq__live(const mq_arena *a, uint32_t block)
{
    return (struct mq__live *)(a->base + a->off_live) + block;
}
static inline struct mq__ckpt *mq__ckpt(const mq_arena *a, uint32_t block)
{
    return (struct mq__ckpt *)(a->base + a->off_ckpt) + block;
}
static inline struct mq__conn *mq__conn(const mq_arena *a, uint32_t i)
{
    return (struct mq__conn *)(a->base + a->off_conns) + i;
}
static inline _Atomic uint64_t *mq__cells(const mq_arena *a, uint32_t conn)
{
    return (_Atomic uint64_t *)(a->base + a->off_cells) + (uint64_t)conn * a->layout.queue_cap;
}
static inline struct mq__pool *mq__pool(const mq_arena *a, uint32_t i)
{
    return (struct mq__pool *)(a->base + a->off_pools) + i;
}
static inline struct mq__buf *mq__buf(const mq_arena *a, uint32_t i)
{
    return (struct mq__buf *)(a->base + a->off_bufs) + i;
}
static inline _Atomic uint64_t *mq__bitmap(const mq_arena *a)
{
    return (_Atomic uint64_t *)(a->base + a->off_bitmap);
}

/* The pool that buffer index `idx` belongs to (idx < n_bufs). */
static inline uint32_t mq__pool_of(const mq_arena *a, uint32_t idx)
{
    uint32_t p = 0;
    while (p + 1 < a->layout.n_pools && idx >= a->pool_first[p + 1])
        p++;
    return p;
}

/* Crash points: in the fault-injection build of the tests (fault.c), the Nth crash
 * point reached kills the process with SIGKILL, so a test can stop an operation
 * after every one of its shared-memory steps. Elsewhere they compile to nothing. */
#ifdef MQ_FAULT_INJECTION
void mq__crashpoint(void);
#define MQ__CRASHPOINT() mq__crashpoint()
#else
#define MQ__CRASHPOINT() ((void)0)
#endif

/* Adds to a counter that only the calling process writes: a plain read-modify-write,
 * no lock prefix. */
static inline void mq__bump(_Atomic uint64_t *counter, uint64_t by)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + by,
                          memory_order_relaxed);
}

/* A full (StoreLoad) fence. On x86-64 a locked add to the stack is one, as Linux's
 * smp_mb() uses, and costs a fraction of an mfence, which is what gcc emits for
 * atomic_thread_fence(seq_cst); every ring pays one. */
static inline void mq__fence(void)
{
#if defined(__x86_64__)
    __asm__ __volatile__("lock; addl $0,(%%rsp)" ::: "memory", "cc");
#else
    atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Asks for the line at p in exclusive state, ahead of a store or CAS to it. For
 * __builtin_prefetch(p, 1) gcc and clang emit prefetchw only when the target has
 * PRFCHW, which baseline x86-64 does not, and otherwise a read prefetch: the line
 * then arrives shared, and the CAS that follows has to ask the other core for it a
 * second time. Every x86-64 CPU decodes prefetchw (older Intel ones as a no-op). */
static inline void mq__prefetch_w(const void *p)
{
#if defined(__x86_64__)
    __asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1);
#endif
}

/* Internal operations shared between modules. Hidden: they are not part of the
 * ABI, and a call to a hidden function is a direct call, not a jump through the
 * PLT (with default visibility every one of these calls went through the PLT,
 * since the symbol could have been interposed). */
#pragma GCC visibility push(hidden)

/* The held table of the bound slot (held.c). An entry is found empty, filled, and
 * made visible by storing its state last; mq__held_new() only finds one. */
struct mq__held *mq__held_new(mq_arena *a);
struct mq__held *mq__held_find(mq_arena *a, uint64_t id);
uint32_t mq__held_free_count(mq_arena *a, uint32_t need);

/* buf.c */
int mq__token_release(mq_arena *a, uint64_t id);
void mq__buf_prefetch(const mq_arena *a, uint64_t idx, int write_data);
/* Tag lists (buf.c, "Tag lists"; their contents are tags.c's). A buffer allocated
 * as mq_buf_alloc does, flagged as a tag list. */
int mq__buf_alloc_list(mq_arena *a, size_t size, int64_t timeout_ns, uint64_t *out);
/* Makes `list` (a tag list the caller holds, or 0) the tag list of `id`, whose only
 * reference the caller holds (else MQ_EBUSY), and releases the one it had. */
int mq__buf_tags_swap(mq_arena *a, uint64_t id, uint64_t list);
/* The tag list of `id` (checked: a live tag list that names `id` as its owner), 0
 * if it has none; MQ_ESTALE, or MQ_ECORRUPT if its field names no such list. */
int mq__buf_tags_list(const mq_arena *a, uint64_t id, uint64_t *list);
/* Releases tag list `list` of the buffer `owner` names, if it still is that
 * buffer's live list; safe against another release of it at the same time. */
void mq__tags_free(mq_arena *a, uint64_t list, uint64_t owner);
/* Whether buffer `id`'s life (index and generation) still holds a live token. */
int mq__buf_alive(const mq_arena *a, uint64_t id);

/* pool.c */
int mq__pool_claim(mq_arena *a, uint32_t pool, uint32_t *idx);
void mq__pool_mark_free(mq_arena *a, uint32_t idx);
void mq__pool_mark_free_many(mq_arena *a, const uint32_t *idx, uint32_t n);
void mq__pool_repair(mq_arena *a);
void mq__pool_unclaim(mq_arena *a);

/* queue.c: resolving a dead slot's queue operations. */
/* What a reclaim released: references, and the bytes (buffer lengths) they held. */
/* What reclaiming a dead slot released and, of that, what was lost (reclaim.c):
 * `k` is the record of the slot's block, NULL if it has none (then everything
 * released counts as lost); per_conn has n_conn entries, or is NULL. */
struct mq__seen_ref {
    uint64_t id; /* index and generation, token 0 */
    uint32_t conn;
};
struct mq__loss {
    uint32_t refs;
    /* The records of the blocks the slot ran (one, or a worker process's several):
     * block[i]'s is k[i]. */
    uint32_t slot, n_k;
    uint32_t *block;
    mq_ckpt *k;
    mq_conn_loss lost;
    mq_conn_loss *per_conn;
    uint32_t n_conn;
    struct mq__seen_ref *seen; /* buffers counted, per connection (NULL: no memory) */
    uint32_t n_seen, cap_seen;
};

/* Releases token `id` of a dead slot, counting it in `loss` if it was still live. */
void mq__reclaim_token(mq_arena *a, uint64_t id, uint32_t from, uint32_t to,
                       struct mq__loss *loss);

void mq__queue_reclaim(mq_arena *a, uint32_t slot, const struct mq__held *e,
                       struct mq__loss *loss);
void mq__queue_repair_heads(mq_arena *a, uint32_t slot);
/* Rings the wake-ups this handle deferred (queue.h, "Wake-ups"). */
void mq__queue_flush_owed(mq_arena *a);

/* doorbell.c */
void mq__doorbell_ring(struct mq__doorbell *d);
int mq__doorbell_sleeping(struct mq__doorbell *d);
void mq__doorbell_wake(struct mq__doorbell *d);
uint32_t mq__doorbell_arm(mq_arena *a, struct mq__doorbell *d);
int mq__doorbell_wait(mq_arena *a, struct mq__doorbell *d, uint32_t seq, int64_t deadline_ns);
void mq__doorbell_disarm(mq_arena *a, struct mq__doorbell *d);

#pragma GCC visibility pop

/* The hot ones, inline: every buffer of a batch passes through them several times.
 *
 * mq__held_set stores an entry's state, which makes the entry count for the
 * reclaimer (release), and keeps the handle's private hints: the first empty entry,
 * and per buffer index (low bits: the buffers of a batch are mostly neighbours, so
 * they do not collide) the entry last made HELD. */
static inline uint16_t *mq__held_hint(mq_arena *a, uint64_t id)
{
    return &a->held_at[MQ__ID_IDX(id) & ((1u << MQ__HELD_HINT_BITS) - 1)];
}

static inline void mq__held_set(mq_arena *a, struct mq__held *e, uint32_t state)
{
    uint32_t i = (uint32_t)(e - mq__held(a, (uint32_t)a->slot, 0));

    atomic_store_explicit(&e->state, state, memory_order_release);
    if (state == MQ__H_EMPTY && i < a->held_free)
        a->held_free = i;
    else if (state == MQ__H_HELD)
        *mq__held_hint(a, atomic_load_explicit(&e->id, memory_order_relaxed)) = (uint16_t)i;
}

/* 0 and the buffer index if `id` names a live reference, else MQ_ESTALE. */
static inline int mq__id_check(const mq_arena *a, uint64_t id, uint32_t *idx)
{
    uint64_t i = MQ__ID_IDX(id), st;
    uint32_t tok = MQ__ID_TOK(id);

    if ((id & MQ__CELL_TAKEN) || i >= a->n_bufs || MQ__ID_GEN(id) == 0)
        return MQ_ESTALE;
    st = atomic_load_explicit(&mq__buf(a, (uint32_t)i)->state, memory_order_acquire);
    if (MQ__ST_GEN(st) != MQ__ID_GEN(id) || !(MQ__ST_LIVE(st) & (1u << tok)))
        return MQ_ESTALE;
    *idx = (uint32_t)i;
    return 0;
}

/* The length stored for buffer idx (in range), or MQ_ECORRUPT if it exceeds the
 * buffer's capacity, which only a corrupt arena can make it. */
static inline int64_t mq__length_at(const mq_arena *a, uint32_t idx)
{
    uint64_t len = mq__buf(a, idx)->length;
    return len > a->layout.pools[mq__pool_of(a, idx)].size ? MQ_ECORRUPT : (int64_t)len;
}

#endif
