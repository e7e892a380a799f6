/* supervise.c - the supervisor (libuv) and the block child.
 *
 * The supervisor creates the arena, writes the registry, and forks one child per
 * block. The child does not exec: the block modules are loaded already (validation
 * opened them), so it attaches to the arena, claims the block's slot and runs it.
 * (fork+exec of mqgraph costs ~5 ms per block on these VMs, a bare fork ~1 ms: a
 * 64-block graph starts in a third of the time.) The supervisor then waits in
 * uv_run for: child exits (SIGCHLD through a uv_signal watcher; record,
 * reclaim what a failed child held, stop the graph), SIGINT/SIGTERM (ask sources to
 * stop, so end of stream drains the graph; force after a grace period; a second
 * signal forces at once), and a heartbeat timer (a child whose heartbeat is older
 * than the timeout is killed as hung). When no child is left it prints the summary,
 * drains the queues, and removes the arena.
 *
 * Children ask for SIGKILL when the supervisor dies (PR_SET_PDEATHSIG) and check
 * that the parent they were started by is still their parent, since the signal is
 * not sent if it died before the prctl.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "mq.h"
#include "block.h"
#include "control.h"
#include "ctldir.h"
#include "events.h"
#include "leftovers.h"
#include "proctitle.h"
#include "status.h"
#include "steer.h"
#include "sup.h"
#include "pool.h"
#include "sizing.h"
#include "supervise.h"
#include "tap.h"
#include "validate.h"

#define GRACE_MS 5000
#define SUP_NICE_AHEAD 5 /* nice levels the supervisor runs ahead of its blocks */
#define BACKOFF_RESET_NS 10000000000LL /* 10 s */
/* A block process's exit status when one of its blocks failed, or it could not
 * start: it said why on stderr. */
#define CHILD_FAILED 2

static void kill_all(struct sup *s)
{
    for (int i = 0; i < s->g->n_blocks; i++)
        if (s->kids[i].running)
            kill(s->kids[i].pid, SIGKILL);
}

static void on_grace(uv_timer_t *t)
{
    struct sup *s = t->data;
    fprintf(stderr, "mqgraph: blocks still running %d ms after the stop; killing them\n",
            GRACE_MS);
    s->forced = 1;
    kill_all(s);
}

static void cut_block(struct sup *s, int b);

/* Graceful stop: sources finish, end of stream drains the rest. A block waiting to
 * be restarted is not: its neighbours see its streams end instead. */
void sup_begin_stop(struct sup *s)
{
    if (uv_is_active((uv_handle_t *)&s->grace) || s->finished)
        return;
    mq_arena_request_stop(s->a);
    ev_emit(s, "graph", json_pack("{s:s}", "state", "stopping"));
    uv_timer_start(&s->grace, on_grace, GRACE_MS, 0);
    for (int i = 0; i < s->g->n_blocks; i++)
        if (s->kids[i].waiting) {
            uv_timer_stop(&s->kids[i].timer);
            s->kids[i].waiting = 0;
            s->pending--;
            cut_block(s, i);
        }
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct sup *s = h->data;
    if (s->stop_signal) {
        s->forced = 1;
        kill_all(s);
        return;
    }
    s->stop_signal = signum;
    fprintf(stderr, "mqgraph: %s: stopping the graph (again to force)\n", strsignal(signum));
    sup_begin_stop(s);
}

/* A failed block's queues: its outputs end, its inputs stop accepting, so its
 * neighbours finish instead of waiting for it. */
static void cut_block(struct sup *s, int b)
{
    for (int k = 0; k < s->g->n_conns; k++) {
        if (s->g->conns[k].src.b == b)
            mq_queue_close(s->a, (uint32_t)k);
        if (s->g->conns[k].dst.b == b)
            mq_queue_abandon(s->a, (uint32_t)k);
    }
}

/* Block b failed for good: the graph is marked failed before b's queues are cut
 * (sinks that see them end discard their output), and the rest stops. */
static void fail_block(struct sup *s, int b)
{
    mq_arena_fail(s->a);
    cut_block(s, b);
    sup_begin_stop(s);
}

static void on_close(uv_handle_t *h) { (void)h; }

/* "block 'f' (fault, pid 7)", or for a worker process of several blocks (led by
 * block l) "process 'w' (blocks src, f; pid 7)". */
static const char *who(const struct sup *s, int l, char *buf, size_t len)
{
    const mqg_block *b = &s->g->blocks[l];
    mq_slot_info si;
    size_t at;
    int in = -1;

    if (b->members == 1) {
        snprintf(buf, len, "block '%s' (%s, pid %d)", b->name, b->type, (int)s->kids[l].pid);
        return buf;
    }
    /* The block whose code the process ran last, as the process wrote it (used
     * only if it is one of this process's), is the one to blame when the process
     * hangs (it still runs), dies of a signal, or exits otherwise than
     * child_main does (a block called exit), or where a failing block ends it at
     * once (a restartable one: member_run). A process whose block failed for good
     * runs its others to their end and exits with CHILD_FAILED. */
    const struct child *c = &s->kids[l];
    int blame = c->running || c->term_signal ||
                (c->status && (c->status != CHILD_FAILED || b->restart != MQG_RESTART_NEVER));
    if (blame && mq_arena_slot_info(s->a, (uint32_t)l, &si) == 0 && si.in_block >= 0 &&
        si.in_block < s->g->n_blocks && s->g->blocks[si.in_block].leader == l)
        in = si.in_block;
    if (in >= 0)
        at = (size_t)snprintf(buf, len, "block '%s' (%s, pid %d; in process '%s' with",
                              s->g->blocks[in].name, s->g->blocks[in].type,
                              (int)s->kids[l].pid, b->process);
    else
        at = (size_t)snprintf(buf, len, "process '%s' (blocks", b->process);
    for (int i = l, k = 0; i < s->g->n_blocks && at < len; i++)
        if (s->g->blocks[i].leader == l && i != in)
            at += (size_t)snprintf(buf + at, len - at, "%s %s", k++ ? "," : "",
                                   s->g->blocks[i].name);
    if (at < len)
        snprintf(buf + at, len - at, in >= 0 ? ")" : "; pid %d)", (int)s->kids[l].pid);
    return buf;
}

static void summary(struct sup *s);
static unsigned drain(struct sup *s);

/* What blocks that died lost, per connection, on stderr (with --quiet too: a run
 * that lost data says so, and exits 3 if it completed otherwise). */
static void report_losses(struct sup *s)
{
    uint64_t bufs = 0, items = 0;

    for (uint32_t k = 0; k < s->n_lost; k++) {
        if (!s->lost[k].buffers)
            continue;
        char from[160], to[160];
        uint64_t n = status_lost_items(s, (int)k, &s->lost[k]);
        status_conn_name(s, (int)k, from, to, sizeof from);
        if (!bufs)
            fprintf(stderr, "mqgraph: blocks that died lost data:\n");
        fprintf(stderr, "mqgraph:   %s -> %s: %llu buffer%s, %llu items\n", from, to,
                (unsigned long long)s->lost[k].buffers, s->lost[k].buffers == 1 ? "" : "s",
                (unsigned long long)n);
        bufs += s->lost[k].buffers;
        items += n;
    }
    if (bufs && sup_exit_status(s) == 3)
        fprintf(stderr, "mqgraph: the graph completed with losses (%llu buffer%s, %llu items): "
                        "exit status 3\n",
                (unsigned long long)bufs, bufs == 1 ? "" : "s", (unsigned long long)items);
}

/* Every block is gone: the last figures, the pools counted, the arena unlinked
 * (still mapped here) and only then the control socket closed, so a client that
 * waits for its end (mqgraph stop) finds nothing left when it returns. */
static void finish_run(struct sup *s)
{
    if (s->stats)
        status_line(s, s->stats); /* the end, as the summary has it */
    if (!s->quiet)
        summary(s);
    unsigned missing = drain(s);
    if (missing) {
        fprintf(stderr, "mqgraph: the arena's shared state is corrupt: %u buffer%s did not "
                        "come back to the pools\n",
                missing, missing == 1 ? "" : "s");
        s->failed = 1;
    }
    report_losses(s);
    fflush(NULL);
    mq_arena_unlink(mq_arena_shm_name(s->a));
}

static void maybe_finish(struct sup *s)
{
    if (s->running > 0 || s->pending > 0 || s->finished)
        return;
    s->finished = 1;
    steer_tick(s); /* the last changes the blocks applied, and the waiting replies */
    finish_run(s);
    /* A watcher tells a clean end from a failed one by this last event. */
    ev_emit(s, "graph", json_pack("{s:s, s:i}", "state",
                                  s->failed || mq_arena_failed(s->a) ? "failed" : "finished",
                                  "exit_status", sup_exit_status(s)));
    ctl_stop(s);
    for (int i = 0; i < s->g->n_blocks; i++)
        uv_close((uv_handle_t *)&s->kids[i].timer, on_close);
    uv_timer_stop(&s->grace);
    uv_timer_stop(&s->beat);
    uv_timer_stop(&s->tick);
    uv_timer_stop(&s->often);
    uv_close((uv_handle_t *)&s->grace, on_close);
    uv_close((uv_handle_t *)&s->beat, on_close);
    uv_close((uv_handle_t *)&s->tick, on_close);
    uv_close((uv_handle_t *)&s->often, on_close);
    if (s->kick_fd[0] >= 0)
        uv_close((uv_handle_t *)&s->kick, on_close);
    uv_close((uv_handle_t *)&s->sigint, on_close);
    uv_close((uv_handle_t *)&s->sigterm, on_close);
    uv_close((uv_handle_t *)&s->sighup, on_close);
    uv_close((uv_handle_t *)&s->sigchld, on_close);
}

static int spawn(struct sup *s, int i);

static int stopping(const struct sup *s)
{
    return s->forced || s->stop_signal || mq_arena_stop_requested(s->a);
}

/* Whether graph connection k carries a stream (not messages). */
static int stream_conn(const struct sup *s, int k)
{
    const mqg_conn *c = &s->g->conns[k];
    const mqg_block *b = &s->g->blocks[c->dst.b];
    char port[64];
    mq_item_type t;

    return mq_block_port(b->decl, b->n_params, b->kv, 0, c->dst.p, port, sizeof port, &t) == 0 &&
           t != MQ_ITEM_MSG;
}

/* A block that ended cleanly has nothing more to do if its stream ended: all its
 * inputs are closed, or its outputs abandoned downstream as the runtime's rule
 * has it (mq__outputs_dead): any stream consumer gone, as in GNU Radio, or with
 * `finish: all` every consumer. */
static int stream_ended(struct sup *s, int b)
{
    int ins = 0, closed = 0, outs = 0, abandoned = 0, stream_gone = 0;

    for (int k = 0; k < s->g->n_conns; k++) {
        mq_queue_stats qs;
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0)
            continue;
        if (s->g->conns[k].dst.b == b)
            ins++, closed += qs.closed != 0;
        if (s->g->conns[k].src.b == b) {
            outs++, abandoned += qs.abandoned != 0;
            stream_gone |= qs.abandoned && stream_conn(s, k);
        }
    }
    return (ins && closed == ins) || (outs && abandoned == outs) ||
           (!s->g->finish_all && stream_gone);
}

static void on_restart(uv_timer_t *t)
{
    struct child *c = t->data;
    struct sup *s = c->s;
    int rc;

    c->waiting = 0;
    s->pending--;
    if ((rc = spawn(s, c->idx)) < 0) {
        fprintf(stderr, "mqgraph: cannot restart block '%s': %s\n", s->g->blocks[c->idx].name,
                strerror(-rc));
        s->failed = 1;
        fail_block(s, c->idx);
    }
    maybe_finish(s);
}

/* Starts block c again after its back-off: backoff_ms, doubled for each restart
 * before (since a life of BACKOFF_RESET_NS or more), at most max_backoff_ms. */
static void schedule_restart(struct sup *s, struct child *c, const char *why, const char *lost)
{
    mqg_block *b = &s->g->blocks[c->idx];
    int64_t ms = b->backoff_ms;

    /* A block that ran a while before failing starts the back-off over: one crash
     * an hour should not wait as long as ten in a row. */
    if (mq_now_ns() - c->started_ns >= BACKOFF_RESET_NS)
        c->backoff_step = 0;
    for (int k = 0; k < c->backoff_step && ms < b->max_backoff_ms; k++)
        ms *= 2;
    ms = ms < b->max_backoff_ms ? ms : b->max_backoff_ms;
    c->backoff_step++;
    c->restarts++;
    char name[512];
    fprintf(stderr, "mqgraph: %s %s; restarting it in %lld ms (restart %d of %d)",
            who(s, c->idx, name, sizeof name), why, (long long)ms, c->restarts, b->max_restarts);
    fprintf(stderr, "%s\n", lost);
    c->waiting = 1;
    s->pending++;
    uv_timer_start(&c->timer, on_restart, (uint64_t)ms, 0);
    ev_block(s, "restarting", c->idx,
             json_pack("{s:I, s:i, s:i}", "in_ms", (json_int_t)ms, "restart", c->restarts,
                       "max_restarts", b->max_restarts));
}

/* Releases what the dead child held, adds what that lost to s->lost, and says it in
 * `text` ("; lost 1 buffer, 1024 items on a.out -> b.in", or "" for nothing), *total
 * and `where` (a JSON array, per connection; may be NULL). Its table is in shared
 * memory, so it may have been written over: say so. */
static void reclaim(struct sup *s, struct child *c, char *text, size_t len, mq_conn_loss *total,
                    json_t *where)
{
    mq_conn_loss *mine = calloc(s->n_lost, sizeof *mine);
    int n = mq_arena_reclaim_report(s->a, (uint32_t)c->idx, mine, mine ? s->n_lost : 0, total);
    size_t used = 0;

    text[0] = 0;
    if (n == MQ_ECORRUPT) {
        fprintf(stderr, "mqgraph: block '%s': its reference table in the arena is corrupt; "
                        "what could be checked was released\n",
                s->g->blocks[c->idx].name);
        s->failed = 1;
    }
    for (uint32_t k = 0; mine && k < s->n_lost; k++) {
        if (!mine[k].buffers)
            continue;
        char from[160], to[160];
        s->lost[k].buffers += mine[k].buffers;
        s->lost[k].bytes += mine[k].bytes;
        uint64_t items = status_lost_items(s, (int)k, &mine[k]);
        status_conn_name(s, (int)k, from, to, sizeof from);
        if (where)
            json_array_append_new(where, json_pack("{s:s, s:s, s:I, s:I}", "from", from, "to", to,
                                                   "buffers", (json_int_t)mine[k].buffers,
                                                   "items", (json_int_t)items));
        if (used < len)
            used += (size_t)snprintf(text + used, len - used, "%s %llu buffer%s, %llu items on "
                                     "%s -> %s", used ? "," : "; lost",
                                     (unsigned long long)mine[k].buffers,
                                     mine[k].buffers == 1 ? "" : "s",
                                     (unsigned long long)items, from, to);
    }
    if (total->buffers && !used) /* lost on no connection it could name */
        snprintf(text, len, "; lost %llu buffer%s (%llu bytes)",
                 (unsigned long long)total->buffers, total->buffers == 1 ? "" : "s",
                 (unsigned long long)total->bytes);
    free(mine);
}

/* With `finish: all`, a block that finished while an upstream of it runs on for
 * its other consumers: the graph does not end with it, which a GNU Radio user
 * would expect, so say why (once per upstream). */
static void note_runs_on(struct sup *s, int idx)
{
    const mqg_graph *g = s->g;

    for (int k = 0; k < g->n_conns && !s->quiet && g->finish_all; k++) {
        int up = g->conns[k].src.b, others = 0;
        mq_queue_stats qs;
        if (g->conns[k].dst.b != idx || !s->kids[up].running || s->kids[up].noted_runs_on ||
            !stream_conn(s, k))
            continue;
        /* the consumer left before the end of its stream (not after it) */
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0 || qs.closed)
            continue;
        for (int m = 0; m < g->n_conns; m++)
            others += g->conns[m].src.b == up && g->conns[m].dst.b != idx &&
                      s->kids[g->conns[m].dst.b].running && stream_conn(s, m);
        if (!others)
            continue;
        s->kids[up].noted_runs_on = 1;
        fprintf(stderr, "mqgraph: '%s' finished; '%s' runs on for its other consumers "
                        "(finish: all: the graph ends when every branch has; finish: any "
                        "ends it now, as GNU Radio does)\n",
                g->blocks[idx].name, g->blocks[up].name);
    }
}

/* A block of a worker process that another block leads: the process is gone, and
 * its first block (reaped before it) said why and restarts it, or not. */
static void member_exited(struct sup *s, struct child *c, int64_t status, int term_signal)
{
    mqg_block *b = &s->g->blocks[c->idx];

    c->running = 0;
    c->status = status;
    c->term_signal = term_signal;
    s->running--;
    if (s->kids[b->leader].waiting)
        return; /* it restarts with its process */
    if (status == 0 && term_signal == 0) {
        if (!c->ended_seen) {
            ev_block(s, "finished", c->idx, NULL);
            note_runs_on(s, c->idx);
        }
        if (b->restart != MQG_RESTART_NEVER)
            cut_block(s, c->idx);
    } else {
        if (!c->ended_seen)
            ev_block(s, "died", c->idx,
                     json_pack("{s:s}", "with", s->g->blocks[b->leader].name));
        cut_block(s, c->idx);
    }
    maybe_finish(s);
}

static void child_exited(struct sup *s, struct child *c, int64_t status, int term_signal)
{
    mqg_block *b = &s->g->blocks[c->idx];

    if (b->leader != c->idx) {
        member_exited(s, c, status, term_signal);
        return;
    }
    char why[160];
    int failed = status != 0 || term_signal != 0;
    int may_restart = !stopping(s) && c->restarts < b->max_restarts &&
                      (b->restart == MQG_RESTART_ALWAYS ||
                       (b->restart == MQG_RESTART_ON_FAILURE && failed));

    c->running = 0;
    c->status = status;
    c->term_signal = term_signal;
    s->running--;
    if (term_signal)
        snprintf(why, sizeof why, "was killed by signal %d (%s)", term_signal,
                 strsignal(term_signal));
    else
        snprintf(why, sizeof why, "failed with exit status %d", (int)status);
    if (!failed && !c->ended_seen) {
        ev_block(s, "finished", c->idx, NULL);
        if (!may_restart)
            note_runs_on(s, c->idx);
    }
    if (failed) {
        char lost[1024];
        mq_conn_loss total = {0, 0};
        json_t *where = json_array();
        reclaim(s, c, lost, sizeof lost, &total, where);
        if (!c->ended_seen) /* else members_ended said it died */
            ev_block(s, "died", c->idx,
                     json_pack("{s:o, s:o, s:I, s:I, s:o*, s:b}", "signal",
                               term_signal ? json_integer(term_signal) : json_null(),
                               "exit_status", term_signal ? json_null() : json_integer(status),
                               "lost_buffers", (json_int_t)total.buffers, "lost_bytes",
                               (json_int_t)total.bytes, "lost", where, "restart", may_restart));
        else
            json_decref(where);
        if (may_restart) {
            schedule_restart(s, c, why, lost);
            return;
        }
        if (!s->forced) {
            s->failed = 1;
            char name[512];
            fprintf(stderr, "mqgraph: %s %s", who(s, c->idx, name, sizeof name), why);
            if (c->restarts)
                fprintf(stderr, " (after %d restart%s)", c->restarts, c->restarts == 1 ? "" : "s");
            fputc('\n', stderr);
        }
        fail_block(s, c->idx);
    } else if (b->restart != MQG_RESTART_NEVER) {
        /* It left its streams open for a restart (mq_run_opts.restartable). */
        if (may_restart && !stream_ended(s, c->idx)) {
            /* A life that ended by itself finished its work: the next one starts
             * over (restart: always), not where this one stopped. */
            static const mq_ckpt fresh;
            mq_ckpt_commit(s->a, (uint32_t)c->idx, &fresh);
            schedule_restart(s, c, "finished", "");
            return;
        }
        cut_block(s, c->idx);
    }
    maybe_finish(s);
}

static void on_sigchld(uv_signal_t *h, int signum)
{
    struct sup *s = h->data;
    pid_t pid;
    int st;

    (void)signum;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        for (int i = 0; i < s->g->n_blocks; i++)
            if (s->kids[i].running && s->kids[i].pid == pid)
                child_exited(s, &s->kids[i], WIFEXITED(st) ? WEXITSTATUS(st) : 0,
                             WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* A block of a worker process whose run returned while the process goes on with
 * the others: it finished now, not when its process exits (the event, and
 * finish: all's note); or it failed (it said why), which fails the graph now, as
 * its own process's exit would: the others of its process could wait for ever
 * on what it no longer does (a scribbled arena's pools, in the fault tests). A
 * block that restarts ends its process itself when it fails (member_run). */
static void members_ended(struct sup *s)
{
    for (int i = 0; i < s->g->n_blocks; i++) {
        struct child *c = &s->kids[i];
        mq_block_info bi;
        /* what else a process wrote there means nothing */
        if (!c->running || c->ended_seen || s->g->blocks[s->g->blocks[i].leader].members == 1 ||
            mq_registry_block_info(s->a, (uint32_t)i, &bi) < 0 ||
            (bi.ended != MQ_BLOCK_FINISHED && bi.ended != MQ_BLOCK_FAILED) ||
            (bi.ended == MQ_BLOCK_FAILED && s->g->blocks[i].restart != MQG_RESTART_NEVER))
            continue;
        c->ended_seen = 1;
        if (bi.ended == MQ_BLOCK_FINISHED) {
            ev_block(s, "finished", i, NULL);
            note_runs_on(s, i);
            continue;
        }
        ev_block(s, "died", i,
                 json_pack("{s:n, s:n, s:I, s:I, s:[], s:b}", "signal", "exit_status",
                           "lost_buffers", (json_int_t)0, "lost_bytes", (json_int_t)0, "lost",
                           "restart", 0));
        if (!s->forced)
            s->failed = 1;
        fail_block(s, i);
    }
}

static void on_beat(uv_timer_t *t)
{
    struct sup *s = t->data;
    int64_t now = mq_now_ns(), limit = s->g->heartbeat_timeout_ms * 1000000;

    members_ended(s);

    for (int i = 0; i < s->g->n_blocks; i++) {
        mq_slot_info si;
        /* Only once the child has claimed its slot: until then the slot's heartbeat
         * is its previous owner's (or none). */
        if (!s->kids[i].running || mq_arena_slot_info(s->a, (uint32_t)i, &si) < 0 ||
            si.state != MQ_SLOT_ACTIVE || si.pid != s->kids[i].pid)
            continue;
        if (now - si.heartbeat_ns > limit) {
            char name[512];
            fprintf(stderr, "mqgraph: %s missed its heartbeat for %lld ms: killing it as hung\n",
                    who(s, s->g->blocks[i].leader, name, sizeof name),
                    (long long)((now - si.heartbeat_ns) / 1000000));
            ev_block(s, "hung", i,
                     json_pack("{s:I}", "heartbeat_age_ms",
                               (json_int_t)((now - si.heartbeat_ns) / 1000000)));
            kill(s->kids[i].pid, SIGKILL);
        }
    }
    status_pool_low(s);
    tap_tick(s);
    steer_tick(s);
    if (steer_busy(s))
        sup_poll_often(s);
    ctl_tick(s);
}

/* A pool with no free buffer while nothing moves for POOL_STILL_S seconds: the
 * queues hold every buffer, and a block waiting for one (to send, or to copy) waits
 * for ever, unless a sink is only waiting for its reader. Say so once, with the
 * connections that hold them, and what to change; the graph is left to run. */
#define POOL_STILL_S 3

static void pools_watch(struct sup *s)
{
    uint64_t moved = 0;
    char held[512];
    size_t at = 0;

    for (int k = 0; k < s->g->n_conns; k++) {
        mq_queue_stats qs;
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0)
            continue;
        moved += qs.pushed + qs.popped;
        if (qs.size > 0 && at + 96 < sizeof held)
            at += (size_t)snprintf(held + at, sizeof held - at, "%s%s.%s -> %s.%s %u",
                                   at ? ", " : "", s->g->conns[k].src.block,
                                   s->g->conns[k].src.port, s->g->conns[k].dst.block,
                                   s->g->conns[k].dst.port, qs.size);
    }
    held[at] = 0;
    for (int p = 0; p < mq_pool_count(s->a) && p < MQ_MAX_POOLS; p++) {
        mq_pool_stats ps;
        if (mq_pool_stats_get(s->a, (uint32_t)p, &ps) < 0 || ps.free > 0 || moved != s->moved) {
            s->pool_still[p] = 0;
            continue;
        }
        if (++s->pool_still[p] < POOL_STILL_S || s->pool_said[p])
            continue;
        s->pool_said[p] = 1;
        fprintf(stderr, "mqgraph: nothing has moved for %d s and all %u buffers of %llu "
                        "bytes are taken (queued: %s): a block waiting for one waits until a "
                        "queue drains, for ever if none can; give that pool more buffers "
                        "(arena: {pools: [...]}) or the connections less depth (arena: "
                        "{queue_depth: N}, or depth on a connection)\n",
                POOL_STILL_S, ps.count, (unsigned long long)ps.size, *held ? held : "none");
    }
    s->moved = moved;
}

static void on_tick(uv_timer_t *t)
{
    struct sup *s = t->data;

    pools_watch(s);
    status_sample(s);
    status_dropped(s);
    if (s->stats)
        status_line(s, s->stats);
}

#define OFTEN_MS 2

static void on_often(uv_timer_t *t)
{
    steer_tick(t->data);
    if (!steer_busy(t->data))
        uv_timer_stop(t);
}

void sup_poll_often(struct sup *s)
{
    if (!s->finished && !uv_is_active((uv_handle_t *)&s->often))
        uv_timer_start(&s->often, on_often, OFTEN_MS, OFTEN_MS);
}

/* In a block's process: tells the supervisor it posted a request. */
static void kick(void *arg)
{
    ssize_t n = write((int)(intptr_t)arg, "k", 1);
    (void)n; /* a full pipe already says it */
}

/* One block of a child: runs it, and says why it failed. A failure that may be
 * restarted ends the process at once, leaving the slot as a crash would, for the
 * supervisor to reclaim: it counts what the blocks held and had not used (and a
 * process of several blocks restarts as a whole). */
struct member {
    struct sup *s;
    int i;
    mq_arena *a;
    mq_run_opts opts;
    int rc;
};

static void member_run(void *arg)
{
    struct member *m = arg;
    mqg_block *b = &m->s->g->blocks[m->i];
    char err[MQ_BLOCK_ERROR_MAX];

    m->rc = mq_block_run(b->decl, m->a, (uint32_t)m->i, b->n_params, b->kv, &m->opts, err,
                         sizeof err);
    if (m->rc < 0)
        fprintf(stderr, "mqgraph: block '%s' (%s): %s\n", b->name, b->type,
                err[0] ? err : mq_strerror(m->rc));
    if (m->rc < 0 && m->opts.restartable)
        _exit(CHILD_FAILED);
}

/* The child: runs the blocks of process l (block l and those that name l's
 * process; sched.h) and never returns. It inherited the supervisor's memory, so
 * it leaves by _exit (no atexit handlers, no second flush of the supervisor's
 * stdio buffers) and drops what belongs to the supervisor: libuv's signal
 * handlers and descriptors. */
static void child_main(struct sup *s, int l, pid_t parent)
{
    mqg_block *b = &s->g->blocks[l];
    struct member *m;
    sigset_t none;
    mq_arena *a;
    int rc, n = 0, failed = 0;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(3); /* the supervisor died before the prctl */
    proctitle_block(s->g->name, b->process ? b->process : b->name);
    setpriority(PRIO_PROCESS, 0, s->nice_base); /* a higher nice value is always allowed */
    /* The supervisor handles SIGINT, SIGTERM and SIGHUP (a terminal sends them to the
     * whole process group); the block stops through the graph's stop flag and end
     * of stream. Every signal was blocked since before the fork, so none has run
     * libuv's handler here; what is pending meets these dispositions. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Every descriptor goes but the kick pipe's writing end. */
    int kfd = s->kick_fd[1];
    if (kfd >= 3) {
        if (kfd > 3)
            close_range(3, (unsigned)kfd - 1, 0);
        close_range((unsigned)kfd + 1, ~0u, 0);
    } else {
        close_range(3, ~0u, 0);
    }
    if ((rc = mq_arena_attach(mq_arena_shm_name(s->a), &a)) < 0 ||
        (rc = mq_arena_slot_claim(a, (uint32_t)l)) < 0) {
        fprintf(stderr, "mqgraph: block '%s': cannot join the arena: %s\n", b->name,
                mq_strerror(rc));
        _exit(CHILD_FAILED);
    }
    if (!(m = calloc((size_t)s->g->n_blocks, sizeof *m)))
        _exit(CHILD_FAILED);
    for (int i = l; i < s->g->n_blocks; i++) {
        mqg_block *bi = &s->g->blocks[i];
        if (bi->leader != l)
            continue;
        m[n] = (struct member){.s = s, .i = i, .a = a,
                               .opts = {.heartbeat_ns = s->g->heartbeat_ms * 1000000LL,
                                        .restarts = s->kids[i].restarts,
                                        .restartable = bi->restart != MQG_RESTART_NEVER,
                                        .kick = kfd >= 3 ? kick : NULL,
                                        .kick_arg = (void *)(intptr_t)kfd,
                                        .finish_all = s->g->finish_all}};
        n++;
    }
    for (int k = 0; k < n && n > 1; k++)
        m[k].opts.end_when_done = 1;
    while (mq_arena_wait_start(a, m[0].opts.heartbeat_ns) == MQ_ETIMEDOUT)
        mq_arena_heartbeat(a);
    if (n == 1) {
        member_run(&m[0]);
    } else {
        mq_sched *sc;
        if ((rc = mq_sched_new(a, &sc)) < 0)
            _exit(CHILD_FAILED);
        for (int k = 0; k < n; k++)
            if ((rc = mq_sched_add(sc, member_run, &m[k], 0)) < 0) {
                fprintf(stderr, "mqgraph: process '%s': %s\n", b->process, mq_strerror(rc));
                _exit(CHILD_FAILED);
            }
        mq_sched_run(sc);
        mq_sched_free(sc);
    }
    for (int k = 0; k < n; k++)
        failed |= m[k].rc < 0;
    mq_arena_slot_leave(a);
    mq_arena_detach(a);
    _exit(failed ? CHILD_FAILED : 0);
}

static int spawn(struct sup *s, int i)
{
    struct child *c = &s->kids[i];
    pid_t parent = getpid(), pid;
    sigset_t all, old;

    if (s->g->blocks[i].leader != i)
        return 0; /* started with the first block of its process */
    fflush(NULL);
    /* Every signal is held across the fork: a child must not run the handlers it
     * inherits from libuv before it has set its own, or a Ctrl-C to the process
     * group reaches the supervisor's signal pipe once through each such child, as
     * if it had been pressed again (and a second press forces the stop). The child
     * sets its dispositions and then takes what is pending (child_main). */
    /* A block's ended flag is its last life's until its new run starts, which in
     * a worker process may come after other blocks' long inits: cleared here. */
    for (int m = i; m < s->g->n_blocks; m++)
        if (s->g->blocks[m].leader == i)
            mq_registry_block_ended(s->a, (uint32_t)m, MQ_BLOCK_RUNNING);
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid = fork();
    if (pid == 0)
        child_main(s, i, parent);
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        return -e;
    for (int m = i; m < s->g->n_blocks; m++) {
        mq_block_info bi;
        if (s->g->blocks[m].leader != i)
            continue;
        c = &s->kids[m];
        c->calls_at_start =
            mq_registry_block_info(s->a, (uint32_t)m, &bi) == 0 ? bi.work_calls : 0;
        c->pid = pid;
        c->started_ns = mq_now_ns();
        c->idx = m;
        c->running = 1;
        c->restarts = s->kids[i].restarts;
        s->running++;
        if (c->ever_started)
            ev_block(s, "restarted", m, json_pack("{s:i}", "restarts", c->restarts));
        else
            ev_block(s, "started", m, NULL);
        c->ever_started = 1;
        c->ended_seen = 0;
    }
    return 0;
}

int sup_exit_status(const struct sup *s)
{
    if (s->stop_signal)
        return 128 + s->stop_signal;
    if (s->failed)
        return 1;
    /* the graph's connections and mqgraph's into it: a tap only watches */
    for (uint32_t k = 0; k < s->n_lost && (int)k < s->g->n_conns + s->n_ctrl; k++)
        if (s->lost[k].buffers)
            return 3;
    return 0;
}

const char *sup_state(const struct sup *s)
{
    if (s->finished)
        return "finished";
    if (s->failed || mq_arena_failed(s->a))
        return "failed";
    return mq_arena_stop_requested(s->a) ? "stopping" : "running";
}

const char *sup_block_state(const struct sup *s, int b)
{
    const struct child *c = &s->kids[b];
    mq_slot_info si;
    uint32_t slot = (uint32_t)s->g->blocks[b].leader;

    if (c->waiting)
        return "restarting";
    if (c->running) {
        mq_block_info bi;
        int got = mq_registry_block_info(s->a, (uint32_t)b, &bi) == 0;
        /* of a worker process that goes on: the block's own run has returned */
        if (got && s->g->blocks[slot].members > 1 && bi.ended == MQ_BLOCK_FINISHED)
            return "finished";
        if (got && s->g->blocks[slot].members > 1 && bi.ended == MQ_BLOCK_FAILED)
            return "failed";
        if (mq_arena_slot_info(s->a, slot, &si) == 0 && si.state == MQ_SLOT_ACTIVE &&
            si.pid == c->pid && mq_arena_started(s->a))
            return "running";
        /* Out of its slot but not reaped yet: it worked in this life and left, or
         * it has yet to join. */
        return got && bi.work_calls > c->calls_at_start ? "finishing" : "starting";
    }
    if (!c->ever_started)
        return "starting";
    return c->status || c->term_signal ? "failed" : "finished";
}

/* How many message inputs block b has; their ports into ports[] (may be NULL). */
static int msg_inputs(const mqg_block *b, int *ports)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0), k = 0;
    char name[64];
    mq_item_type t;

    for (int p = 0; p < n; p++)
        if (mq_block_port(b->decl, b->n_params, b->kv, 0, p, name, sizeof name, &t) == 0 &&
            t == MQ_ITEM_MSG) {
            if (ports)
                ports[k] = p;
            k++;
        }
    return k;
}

int sup_is_ctrl(const struct sup *s, int k)
{
    for (int i = 0; i < s->n_ctrl; i++)
        if (s->ctrl[i].conn == k)
            return 1;
    return 0;
}

int sup_ctrl_conn(const struct sup *s, int b, int p)
{
    for (int i = 0; i < s->n_ctrl; i++)
        if (s->ctrl[i].block == b && s->ctrl[i].port == p)
            return s->ctrl[i].conn;
    return -1;
}

/* The supervisor's block and a control connection into every message input:
 * `mqgraph send` and graph events arrive there (drop_newest: the supervisor never
 * waits, and what it cannot deliver is counted). */
static int add_control(struct sup *s)
{
    int rc, ports[MQ_MAX_PORTS];

    if ((s->sv_block = mq_registry_add_block(s->a, "mqgraph", "supervisor")) < 0)
        return s->sv_block;
    if ((rc = mq_registry_bind(s->a, (uint32_t)s->sv_block, (uint32_t)s->g->n_blocks)) < 0)
        return rc;
    for (int b = 0; b < s->g->n_blocks; b++) {
        int n = msg_inputs(&s->g->blocks[b], ports);
        for (int i = 0; i < n; i++) {
            int conn = mq_registry_add_conn(s->a, (uint32_t)s->sv_block, 0, (uint32_t)b,
                                            (uint32_t)ports[i], 0, MQ_POLICY_DROP_NEWEST);
            if (conn < 0)
                return conn;
            mq_registry_conn_set_kind(s->a, (uint32_t)conn, MQ_CONN_CONTROL);
            s->ctrl[s->n_ctrl++] = (struct ctrl_conn){b, ports[i], conn};
        }
    }
    return 0;
}

/* What an arena of layout l needs, said with its pools, and what /dev/shm has free. */
static void no_room(const mq_layout *l, char *err, size_t len)
{
    struct statvfs vfs;
    char need[32], pool[32], room[32];
    uint64_t pools = 0, total = 0;
    size_t n;

    mq_layout_size(l, &total);
    sizing_size_text(need, sizeof need, total);
    n = (size_t)snprintf(err, len, "the arena needs %s (pools:", need);
    for (uint32_t i = 0; i < l->n_pools && n < len; i++) {
        sizing_size_text(pool, sizeof pool, l->pools[i].size);
        n += (size_t)snprintf(err + n, len - n, "%s %u x %s", i ? "," : "", l->pools[i].count,
                              pool);
        pools += l->pools[i].size * l->pools[i].count;
    }
    sizing_size_text(need, sizeof need, total - pools);
    if (statvfs("/dev/shm", &vfs) == 0)
        sizing_size_text(room, sizeof room, (uint64_t)vfs.f_bavail * vfs.f_frsize);
    else
        snprintf(room, sizeof room, "? (%s)", strerror(errno));
    if (n < len)
        snprintf(err + n, len - n, "; queues and tables %s) but /dev/shm has %s free "
                 "(fewer or smaller buffers with `arena: {pools: [...]}`, or a larger /dev/shm)", need, room);
}

/* Whether /dev/shm has room for the arena now (it is reserved when made, so this
 * only makes the usual refusal happen before anything is created). */
static int arena_fits(const mq_layout *l)
{
    struct statvfs vfs;
    uint64_t total = 0;

    return statvfs("/dev/shm", &vfs) < 0 || mq_layout_size(l, &total) < 0 ||
           total <= (uint64_t)vfs.f_bavail * vfs.f_frsize;
}

static int build_arena(struct sup *s, char *err, size_t errlen)
{
    mqg_graph *g = s->g;
    mq_layout l;
    int rc, n_ctrl = 0;

    for (int b = 0; b < g->n_blocks; b++)
        n_ctrl += msg_inputs(&g->blocks[b], NULL);
    if (!(s->ctrl = calloc((size_t)n_ctrl + 1, sizeof *s->ctrl)) ||
        !(s->taps = calloc(MQ_MAX_TAPS, sizeof *s->taps)))
        return MQ_ENOMEM;

    graph_layout(g, &l); /* what validate checked */
    if (!arena_fits(&l) || (rc = mq_arena_create(&l, g->name, &s->a)) == MQ_ENOSHM) {
        no_room(&l, err, errlen);
        return MQ_ENOSHM;
    }
    if (rc < 0)
        return rc;
    for (int i = 0; i < g->n_blocks; i++) {
        if ((rc = mq_registry_add_block(s->a, g->blocks[i].name, g->blocks[i].type)) < 0 ||
            (rc = mq_registry_bind(s->a, (uint32_t)i, (uint32_t)g->blocks[i].leader)) < 0)
            return rc;
    }
    /* A worker process's slot names its first block (the blocks name their slot). */
    for (int i = 0; i < g->n_blocks; i++)
        if (g->blocks[i].leader == i && (rc = mq_registry_bind(s->a, (uint32_t)i, (uint32_t)i)) < 0)
            return rc;
    for (int k = 0; k < g->n_conns; k++) {
        mqg_conn *c = &g->conns[k];
        rc = mq_registry_add_conn(s->a, (uint32_t)c->src.b, (uint32_t)c->src.p,
                                  (uint32_t)c->dst.b, (uint32_t)c->dst.p, c->depth, c->policy);
        if (rc < 0)
            return rc;
    }
    if ((rc = add_control(s)) < 0 || (rc = tap_add(s)) < 0)
        return rc;
    s->n_reg_conns = mq_registry_conn_count(s->a);
    /* The supervisor's own slot, for the buffers of the messages it sends. */
    return mq_arena_slot_claim(s->a, (uint32_t)g->n_blocks);
}

static const char *policy_name(uint32_t p)
{
    return p == MQ_POLICY_DROP_OLDEST ? "drop_oldest"
           : p == MQ_POLICY_DROP_NEWEST ? "drop_newest"
                                        : "block";
}

/* "2 processes: p0 (9 blocks), p1 (9 blocks)": the worker processes of several
 * blocks (nothing when every block has its own). */
static void summary_processes(const mqg_graph *g)
{
    int n = 0;

    for (int i = 0; i < g->n_blocks; i++)
        n += g->blocks[i].process && g->blocks[i].leader == i;
    if (!n)
        return;
    printf("%d process%s:", n, n == 1 ? "" : "es");
    for (int i = 0, k = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        if (b->process && b->leader == i)
            printf("%s %s (%d block%s)", k++ ? "," : "", b->process, b->members,
                   b->members == 1 ? "" : "s");
    }
    putchar('\n');
}

/* The buffer sizes mqgraph chose and the arena they made (sizing.h). */
static void summary_sizes(struct sup *s)
{
    sizing_print(stdout, s->g, mq_arena_layout(s->a), "  ");
}

static void summary(struct sup *s)
{
    mqg_graph *g = s->g;
    double secs = (double)(mq_now_ns() - s->t0) / 1e9;

    int wn = 16, wt = 16; /* columns as wide as the longest name and type */

    for (int i = 0; i < g->n_blocks; i++) {
        wn = (int)strlen(g->blocks[i].name) > wn ? (int)strlen(g->blocks[i].name) : wn;
        wt = (int)strlen(g->blocks[i].type) > wt ? (int)strlen(g->blocks[i].type) : wt;
    }
    printf("graph %s: %d block%s, %d connection%s, %.3f s\n", g->name, g->n_blocks,
           g->n_blocks == 1 ? "" : "s", g->n_conns, g->n_conns == 1 ? "" : "s", secs);
    summary_processes(g);
    summary_sizes(s);
    printf("%-*s %-*s %8s %12s %12s %10s  %s\n", wn, "block", wt, "type", "work", "items in",
           "items out", "busy ms", "status");
    for (int i = 0; i < g->n_blocks; i++) {
        mq_block_info bi;
        char st[48];
        struct child *c = &s->kids[i];
        if (mq_registry_block_info(s->a, (uint32_t)i, &bi) < 0)
            continue;
        if (c->term_signal)
            snprintf(st, sizeof st, "signal %d", c->term_signal);
        else if (c->status)
            snprintf(st, sizeof st, "exit %d", (int)c->status);
        else
            snprintf(st, sizeof st, "done");
        if (c->restarts)
            snprintf(st + strlen(st), sizeof st - strlen(st), ", %d restart%s", c->restarts,
                     c->restarts == 1 ? "" : "s");
        printf("%-*s %-*s %8llu %12llu %12llu %10.1f  %s\n", wn, g->blocks[i].name, wt,
               g->blocks[i].type, (unsigned long long)bi.work_calls,
               (unsigned long long)bi.items_in, (unsigned long long)bi.items_out,
               (double)bi.busy_ns / 1e6, st);
    }
    printf("%-34s %10s %12s %8s %8s %8s %6s %5s  %-12s %s\n", "connection", "buffers", "bytes",
           "drops", "stale", "missed", "hwm", "depth", "policy", "lost");
    /* The graph's connections, then the supervisor's into message inputs that
     * carried something (mqgraph send, events). */
    for (int k = 0; k < g->n_conns + s->n_ctrl; k++) {
        mq_queue_stats qs;
        char name[340], from[160], to[160];
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0 || (k >= g->n_conns && !qs.pushed &&
                                                                !qs.drops))
            continue;
        status_conn_name(s, k, from, to, sizeof from);
        snprintf(name, sizeof name, "%s -> %s", from, to);
        /* lost: items that blocks which died lost here (and in how many buffers) */
        char lost[48] = "0";
        if ((uint32_t)k < s->n_lost && s->lost[k].buffers)
            snprintf(lost, sizeof lost, "%llu (%llu buffer%s)",
                     (unsigned long long)status_lost_items(s, k, &s->lost[k]),
                     (unsigned long long)s->lost[k].buffers, s->lost[k].buffers == 1 ? "" : "s");
        printf("%-34s %10llu %12llu %8llu %8llu %8llu %6llu %5u  %-12s %s\n", name,
               (unsigned long long)qs.pushed, (unsigned long long)qs.bytes,
               (unsigned long long)qs.drops, (unsigned long long)qs.stale,
               (unsigned long long)qs.missed, (unsigned long long)qs.hwm, qs.depth,
               policy_name(qs.policy), lost);
    }
    fflush(stdout);
}

/* After every child is gone: whatever is still queued goes back to the pools, and
 * then every buffer must be free. Returns how many are not (a leak: a bug in libmq
 * or a block that wrote over shared state). */
static unsigned drain(struct sup *s)
{
    unsigned missing = 0;
    mq_id id;

    tap_end(s);
    if (mq_arena_slot(s->a) == s->g->n_blocks ||
        mq_arena_slot_claim(s->a, (uint32_t)s->g->n_blocks) == 0) {
        for (int k = 0; k < mq_registry_conn_count(s->a); k++)
            while (mq_queue_pop(s->a, (uint32_t)k, &id, 0) == 0)
                mq_buf_release(s->a, id);
        mq_arena_slot_leave(s->a);
    }
    for (int p = 0; p < mq_pool_count(s->a); p++) {
        mq_pool_stats st;
        if (mq_pool_stats_get(s->a, (uint32_t)p, &st) == 0 && st.free < st.count)
            missing += st.count - st.free;
    }
    return missing;
}

/* Sockets left by supervisors that died: removed, and said so. */
static void remove_stale_sockets(void)
{
    ctl_entry *v;
    int n, removed;
    char err[512];

    if (ctldir_scan(&v, &n, &removed, err, sizeof err) == 0) {
        if (removed)
            fprintf(stderr, "mqgraph: removed %d control socket%s left by runs that died\n",
                    removed, removed == 1 ? "" : "s");
        free(v);
    }
}

/* libuv aborts (in its signal set-up) when it cannot make a pipe: with too few
 * descriptors left, say so first. It takes about a dozen (the loop, its signal
 * pipe, the control socket, the kick pipe, the arena while mapping). */
#define FDS_NEEDED 16

static int enough_descriptors(char *err, size_t errlen)
{
    int fds[FDS_NEEDED], n = 0;
    struct rlimit rl;

    while (n < FDS_NEEDED && (fds[n] = dup(2)) >= 0)
        n++;
    for (int i = 0; i < n; i++)
        close(fds[i]);
    if (n == FDS_NEEDED)
        return 0;
    getrlimit(RLIMIT_NOFILE, &rl);
    snprintf(err, errlen, "only %d file descriptors are free (RLIMIT_NOFILE is %llu): "
                          "mqgraph needs %d (ulimit -n)",
             n, (unsigned long long)rl.rlim_cur, FDS_NEEDED);
    return -1;
}

/* What supervise_run allocated, when it returns. */
static void sup_free(struct sup *s)
{
    steer_free(s);
    status_free(s);
    if (s->a && s->finished)
        mq_arena_detach(s->a); /* finish_run unlinked it */
    else if (s->a)
        mq_arena_destroy(s->a);
    for (int i = 0; i < 2; i++)
        if (s->kick_fd[i] >= 0)
            close(s->kick_fd[i]);
    ev_free(s->ev);
    if (s->stats)
        fclose(s->stats);
    free(s->ctrl);
    free(s->taps);
    free(s->kids);
}

static void on_kick(uv_poll_t *h, int status, int events)
{
    struct sup *s = h->data;
    char buf[256];

    (void)status, (void)events;
    while (read(s->kick_fd[0], buf, sizeof buf) > 0)
        ;
    steer_tick(s);
}

/* SIGINT, SIGTERM and SIGHUP: each one graceful stop (on_signal). */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

void supervise_hold_stops(void)
{
    sigset_t stops;

    stop_signals(&stops);
    sigprocmask(SIG_BLOCK, &stops, NULL);
}

/* Each block type's process-wide set-up (block.h), once, here: every block
 * process forked from now on, restarts too, inherits it. */
static void before_fork(const mqg_graph *g)
{
    for (int i = 0; i < g->n_blocks; i++) {
        const mq_block_decl *d = g->blocks[i].decl;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = g->blocks[j].decl == d;
        if (d->before_fork && !seen)
            d->before_fork();
    }
}

int supervise_run(mqg_graph *g, const mqg_catalog *cat, const struct run_opts *opts)
{
    struct sup s = {.g = g, .cat = cat, .kick_fd = {-1, -1}, .quiet = opts->quiet};
    struct timespec rt;
    char err[512];
    int rc;

    /* A control client that went away makes a write fail with EPIPE, not kill the
     * supervisor (and with it the graph). Blocks inherit it: a write to a closed
     * pipe fails the block with EPIPE, which it reports. */
    signal(SIGPIPE, SIG_IGN);
    /* A stop signal from here until its handler is in place would kill mqgraph with
     * the arena made and nobody to remove it: they wait, blocked since
     * supervise_hold_stops, and are then taken as a graceful stop (the blocks,
     * started or not, stop at once). `before` is the mask the handlers get. */
    sigset_t stops, before;
    stop_signals(&stops);
    sigprocmask(SIG_BLOCK, &stops, &before);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&stops, sig) == 1)
            sigdelset(&before, sig);
    if ((rc = enough_descriptors(err, sizeof err)) < 0) {
        fprintf(stderr, "mqgraph: %s\n", err);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    /* The supervisor runs a little ahead of its blocks where it may (root,
     * CAP_SYS_NICE, RLIMIT_NICE; else it stays as it is): it takes little CPU, but
     * heartbeat checks, reaping and the control socket must not wait behind 64
     * runnable blocks on two CPUs (status of such a graph: p99 18 ms at the
     * blocks' priority, 5.8 ms five nice levels ahead). Blocks go back to the
     * priority mqgraph was started with. */
    errno = 0;
    s.nice_base = getpriority(PRIO_PROCESS, 0);
    if (errno == 0)
        setpriority(PRIO_PROCESS, 0, s.nice_base - SUP_NICE_AHEAD);
    s.kids = calloc((size_t)g->n_blocks, sizeof *s.kids);
    s.ev = calloc(1, sizeof *s.ev);
    s.loop = uv_default_loop();
    if (!s.kids || !s.ev || !s.loop) {
        fprintf(stderr, "mqgraph: %s: %s\n", g->file,
                s.loop ? "out of memory" : "cannot make an event loop (file descriptors?)");
        sup_free(&s);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    leftovers_remove_arenas(); /* first: the room they take is the new arena's */
    err[0] = 0;
    if ((rc = build_arena(&s, err, sizeof err)) < 0) {
        if (!err[0])
            snprintf(err, sizeof err, "cannot create the arena: %s", mq_strerror(rc));
        fprintf(stderr, "mqgraph: %s: %s\n", g->file, err);
        sup_free(&s);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    remove_stale_sockets();
    s.t0 = mq_now_ns();
    clock_gettime(CLOCK_REALTIME, &rt);
    s.t0_real = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
    if (opts->stats && !(s.stats = fopen(opts->stats, "w"))) {
        fprintf(stderr, "mqgraph: --stats %s: %s\n", opts->stats, strerror(errno));
        sup_free(&s);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    if (status_init(&s) < 0 || steer_start(&s, err, sizeof err) < 0) {
        fprintf(stderr, "mqgraph: %s: %s\n", g->file, s.steer ? err : "out of memory");
        sup_free(&s);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    if ((rc = uv_signal_init(s.loop, &s.sigint)) < 0 ||
        (rc = uv_signal_init(s.loop, &s.sigterm)) < 0 ||
        (rc = uv_signal_init(s.loop, &s.sighup)) < 0 ||
        (rc = uv_signal_init(s.loop, &s.sigchld)) < 0) {
        fprintf(stderr, "mqgraph: %s: cannot watch signals: %s\n", g->file, uv_strerror(rc));
        sup_free(&s);
        sigprocmask(SIG_SETMASK, &before, NULL);
        return 1;
    }
    uv_timer_init(s.loop, &s.grace);
    uv_timer_init(s.loop, &s.beat);
    uv_timer_init(s.loop, &s.tick);
    uv_timer_init(s.loop, &s.often);
    s.sigint.data = s.sigterm.data = s.sighup.data = s.sigchld.data = s.grace.data = &s;
    s.beat.data = &s;
    s.tick.data = s.often.data = s.kick.data = &s;
    /* Without the pipe, requests are taken at the heartbeat check instead. */
    if (pipe2(s.kick_fd, O_NONBLOCK | O_CLOEXEC) < 0)
        s.kick_fd[0] = s.kick_fd[1] = -1;
    if (s.kick_fd[0] >= 0 && uv_poll_init(s.loop, &s.kick, s.kick_fd[0]) == 0)
        uv_poll_start(&s.kick, UV_READABLE, on_kick);
    uv_signal_start(&s.sigchld, on_sigchld, SIGCHLD); /* before the first fork */
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    uv_signal_start(&s.sighup, on_signal, SIGHUP);
    sigprocmask(SIG_SETMASK, &before, NULL); /* a stop that waited is taken now */
    for (int i = 0; i < g->n_blocks; i++) {
        s.kids[i].s = &s;
        s.kids[i].idx = i;
        uv_timer_init(s.loop, &s.kids[i].timer);
        s.kids[i].timer.data = &s.kids[i];
    }
    /* Without a socket the graph still runs; only the live view is missing. */
    if (ctl_start(&s, err, sizeof err) < 0)
        fprintf(stderr, "mqgraph: warning: no control socket: %s\n", err);
    uv_timer_start(&s.beat, on_beat, (uint64_t)g->heartbeat_ms, (uint64_t)g->heartbeat_ms);
    uv_timer_start(&s.tick, on_tick, 1000, 1000);
    ev_emit(&s, "graph", json_pack("{s:s}", "state", "starting"));
    before_fork(g);
    for (int i = 0; i < g->n_blocks; i++) {
        if ((rc = spawn(&s, i)) < 0) {
            fprintf(stderr, "mqgraph: cannot start block '%s': %s\n", g->blocks[i].name,
                    strerror(-rc));
            s.failed = 1;
            s.forced = 1;
            kill_all(&s);
            break;
        }
    }
    mq_arena_start(s.a); /* every block has its process: let them run */
    ev_emit(&s, "graph", json_pack("{s:s}", "state", "running"));
    maybe_finish(&s);
    uv_run(s.loop, UV_RUN_DEFAULT);
    uv_loop_close(s.loop);
    rc = sup_exit_status(&s);
    sup_free(&s);
    return rc;
}
