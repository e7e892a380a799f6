/* sup.h - the supervisor's state, shared by its modules: supervise.c (children,
 * signals, heartbeats), control.c (the control socket), status.c (what status
 * reports) and events.c (what happened, for subscribers).
 *
 * Everything here is the supervisor's own memory. What it reads from the arena is
 * written by block processes, so it is data to check, never to trust: indices are
 * bounds-checked by libmq's accessors and counters are only reported.
 */
#ifndef MQG_SUP_H
#define MQG_SUP_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <uv.h>

#include "mq.h"
#include "catalog.h"
#include "graph.h"

struct ctl;
struct events;

struct child {
    struct sup *s;
    pid_t pid;
    int running;
    int ever_started; /* a process was started for it at least once */
    int64_t status;   /* exit status */
    int term_signal;
    int idx;
    int restarts;     /* processes started after the first */
    int backoff_step; /* restarts since the last life that lasted a while */
    int noted_runs_on; /* note_runs_on said this block runs on for others */
    int ended_seen;    /* of a worker process: its finish was taken before the exit */
    int64_t started_ns;
    uint64_t calls_at_start; /* the block's work calls when this life began */
    int waiting;      /* a restart is scheduled on `timer` */
    uv_timer_t timer;
};

/* The figures of one moment, for rates: two samples a second apart. */
struct sample {
    int64_t t_ns;
    uint64_t *items_in, *items_out, *busy_ns, *work_calls; /* per block */
    uint64_t *buffers, *bytes;                             /* per connection */
};

/* A control connection: the supervisor's messages into a block's message input. */
struct ctrl_conn {
    int block, port, conn;
};

struct sup {
    mqg_graph *g;
    /* pools_watch: seconds each pool has had no free buffer while nothing moved,
     * the moves then, and whether it was said */
    int pool_still[MQ_MAX_POOLS];
    unsigned char pool_said[MQ_MAX_POOLS];
    uint64_t moved;
    mq_arena *a;
    uv_loop_t *loop;
    const mqg_catalog *cat;
    struct child *kids;
    int running;
    int pending;      /* restarts scheduled */
    int failed;
    int stop_signal;  /* the signal that stopped the graph, or 0 */
    int stop_control; /* stopped by `mqgraph stop`: a clean end, exit 0 */
    int forced;
    int finished;     /* no child left: the loop is closing */
    uv_signal_t sigint, sigterm, sighup, sigchld;
    uv_timer_t grace, beat, tick;
    uv_timer_t often; /* while something waits on blocks: steer_tick every few ms */
    int64_t t0;       /* CLOCK_MONOTONIC at the start */
    int64_t t0_real;  /* CLOCK_REALTIME at the start, ns */
    struct sample prev, cur;
    uint32_t *pool_low; /* the fewest free buffers each pool had at a heartbeat */
    uint64_t *msg_drops; /* per registry connection: drops already reported */
    /* Per registry connection (n_lost of them): what blocks that died lost on it
     * (mq_arena_reclaim_report), over the whole run. */
    mq_conn_loss *lost;
    uint32_t n_lost;
    char *status_cache;  /* status_text's last document */
    size_t status_cache_len;
    int64_t status_cache_ns;
    struct ctl *ctl;
    struct events *ev;
    struct steer *steer;
    /* The registry beyond the graph file's: the supervisor as a block (the
     * producer of its messages, slot sv_block too), its control connections, and
     * the taps' blocks and connections after them. */
    int sv_block;
    int n_ctrl;
    struct ctrl_conn *ctrl;
    int n_reg_conns;
    struct tap *taps; /* MQ_MAX_TAPS */
    FILE *stats;      /* run --stats: a status line each second */
    int nice_base;    /* the priority mqgraph started with: its blocks' */
    int quiet;        /* run --quiet: no summary */
    /* Blocks write a byte here after posting a request (a cmd message), so the
     * supervisor takes it at once; -1 when there is no such pipe. */
    int kick_fd[2];
    uv_poll_t kick;
};

/* The control connection into block b's input port p, or -1. */
int sup_ctrl_conn(const struct sup *s, int b, int p);
/* Block `name`'s index, or -1 with "graph G has no block N (its blocks: ...)" in
 * err (steer.c). */
int sup_find_block(const struct sup *s, const char *name, char *err, size_t errlen);
/* Whether registry connection k is a control connection. */
int sup_is_ctrl(const struct sup *s, int k);

/* Graceful stop, as one Ctrl-C: sources finish, end of stream drains the rest. */
void sup_begin_stop(struct sup *s);

/* Runs steer_tick every few ms until nothing waits (steer_busy). */
void sup_poll_often(struct sup *s);

/* What mqgraph run exits with: 0; 3, the graph completed but blocks that died and
 * were restarted lost data on the way (the summary and `status` say where); 1, a
 * block failed; 128 + the signal that stopped it. */
int sup_exit_status(const struct sup *s);

/* "running", "stopping", "failed" or "finished". */
const char *sup_state(const struct sup *s);

/* One block's life: "starting", "running", "finishing" (left its slot, not reaped
 * yet), "restarting", "finished", "failed". */
const char *sup_block_state(const struct sup *s, int b);

#endif
