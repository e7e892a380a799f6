/* tap.c - taps, the supervisor's side (see tap.h).
 *
 * The arena has MQ_MAX_TAPS tap connections, each with a registry block of its own
 * (for the doorbell its consumer sleeps on) and a process slot (for the references
 * its consumer holds). A tap's life:
 *   attach   the connection, empty and unused, is pointed at the output
 *            (mq_registry_tap_point) and announced to the producer, which adds it
 *            to the output's list between two work calls; the client gets the
 *            arena, the slot and the connection, and reads the queue itself;
 *   release  when the client's control connection closes (it detached, exited or
 *            died), the queue is abandoned, so the producer's next push leaves
 *            it, and the producer is told to drop it;
 *   drain    once the producer has confirmed (or is not running) and the
 *            client's slot is free (or its process is gone, then its references
 *            are reclaimed), what is left in the queue goes back to the pools and
 *            the connection is free for the next tap.
 * A tap's queue drops its oldest buffer when full (the producer does that, as for
 * any drop_oldest connection), so a tap that does not read never holds the graph
 * back; what it dropped is counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "sup.h"
#include "tap.h"

static void tap_reset(struct sup *s, struct tap *t)
{
    mq_registry_tap_point(s->a, (uint32_t)t->conn, (uint32_t)t->reg_block, 0, 0);
    t->state = TAP_FREE;
    t->cl = NULL;
}

int tap_add(struct sup *s)
{
    uint32_t cap = mq_arena_layout(s->a)->queue_cap;

    for (int i = 0; i < MQ_MAX_TAPS; i++) {
        struct tap *t = &s->taps[i];
        char name[16];
        snprintf(name, sizeof name, "tap%d", i);
        int b = mq_registry_add_block(s->a, name, "tap");
        if (b < 0)
            return b;
        t->reg_block = b;
        t->slot = s->g->n_blocks + 1 + i;
        int rc = mq_registry_bind(s->a, (uint32_t)b, (uint32_t)t->slot);
        if (rc < 0)
            return rc;
        t->conn = mq_registry_add_conn(s->a, (uint32_t)b, 0, (uint32_t)b, 0,
                                       MQ_TAP_DEPTH < cap ? MQ_TAP_DEPTH : cap,
                                       MQ_POLICY_DROP_OLDEST);
        if (t->conn < 0)
            return t->conn;
        mq_registry_conn_set_kind(s->a, (uint32_t)t->conn, MQ_CONN_TAP);
        t->state = TAP_FREE;
    }
    return 0;
}

/* Block b's output named `port` (stream or message); -1 with the outputs listed. */
static int find_output(const mqg_block *b, const char *port, mq_item_type *type, char *err,
                       size_t errlen)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 1);
    char name[64], names[512] = "";
    size_t at = 0;

    for (int p = 0; p < n; p++) {
        if (mq_block_port(b->decl, b->n_params, b->kv, 1, p, name, sizeof name, type) < 0)
            continue;
        if (!strcmp(name, port))
            return p;
        if (at < sizeof names)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", name);
    }
    snprintf(err, errlen, "block '%s' (%s) has no output '%.64s' (%s%s)", b->name, b->type, port,
             *names ? "its outputs: " : "it has no outputs", names);
    return -1;
}

int tap_attach(struct sup *s, struct ctl_client *cl, const ctl_req *r, pid_t pid)
{
    char err[1024];
    mq_item_type type;
    int b = -1, p = -1, i;
    mq_queue_stats qs;

    if ((b = sup_find_block(s, r->block, err, sizeof err)) < 0) {
        ctl_reply_error(cl, "%s", err);
        return -1;
    }
    if ((p = find_output(&s->g->blocks[b], r->port, &type, err, sizeof err)) < 0) {
        ctl_reply_error(cl, "%s", err);
        return -1;
    }
    for (i = 0; i < MQ_MAX_TAPS && s->taps[i].state != TAP_FREE; i++)
        ;
    if (i == MQ_MAX_TAPS) {
        ctl_reply_error(cl, "all %d taps of graph '%s' are in use", MQ_MAX_TAPS, s->g->name);
        return -1;
    }
    struct tap *t = &s->taps[i];
    uint32_t depth = r->depth > 0 ? (uint32_t)r->depth : 0;
    if (mq_registry_tap_point(s->a, (uint32_t)t->conn, (uint32_t)b, (uint32_t)p, depth) < 0) {
        ctl_reply_error(cl, "depth %lld is more than the arena's queue_depth %u",
                        (long long)r->depth, mq_arena_layout(s->a)->queue_cap);
        return -1;
    }
    mq_queue_stats_get(s->a, (uint32_t)t->conn, &qs);
    *t = (struct tap){.state = TAP_ACTIVE, .block = b, .port = p, .conn = t->conn,
                      .slot = t->slot, .reg_block = t->reg_block, .pid = pid, .cl = cl,
                      .base_pushed = qs.pushed, .base_drops = qs.drops};
    mq_registry_taps_changed(s->a, (uint32_t)b);
    mq_block_wake(s->a, (uint32_t)b);
    ctl_reply(cl, json_pack("{s:b, s:s, s:i, s:i, s:i, s:s, s:I, s:I}", "ok", 1, "arena",
                            mq_arena_shm_name(s->a), "slot", t->slot, "conn", t->conn, "block",
                            t->reg_block, "type", mq_item_name(type), "item_size",
                            (json_int_t)mq_item_size(type), "depth", (json_int_t)qs.depth));
    return i;
}

void tap_release(struct sup *s, int i)
{
    struct tap *t = &s->taps[i];

    if (t->state != TAP_ACTIVE)
        return;
    t->state = TAP_DRAINING;
    t->cl = NULL;
    mq_queue_abandon(s->a, (uint32_t)t->conn);
    t->announced = (uint64_t)mq_registry_taps_changed(s->a, (uint32_t)t->block);
    mq_block_wake(s->a, (uint32_t)t->block);
    tap_tick(s);
}

/* The client's slot is free, or can be made so: its process is gone. */
static int client_gone(struct sup *s, struct tap *t)
{
    mq_slot_info si;

    if (mq_arena_slot_info(s->a, (uint32_t)t->slot, &si) < 0 || si.state == MQ_SLOT_FREE)
        return 1;
    if (si.pid > 0 && kill(si.pid, 0) == 0)
        return 0; /* still leaving */
    mq_arena_reclaim(s->a, (uint32_t)t->slot); /* it died holding buffers */
    return 1;
}

static void drain(struct sup *s, struct tap *t)
{
    mq_id id;

    while (mq_queue_pop(s->a, (uint32_t)t->conn, &id, 0) == 0)
        mq_buf_release(s->a, id);
    tap_reset(s, t);
}

void tap_tick(struct sup *s)
{
    for (int i = 0; s->taps && i < MQ_MAX_TAPS; i++) {
        struct tap *t = &s->taps[i];
        const struct child *c = t->state != TAP_FREE ? &s->kids[t->block] : NULL;
        uint64_t seen, now;
        if (t->state == TAP_ACTIVE && !c->running && !c->waiting && c->ever_started)
            mq_queue_close(s->a, (uint32_t)t->conn); /* the output ended for good */
        if (t->state != TAP_DRAINING ||
            mq_registry_taps_state(s->a, (uint32_t)t->block, &seen, &now) < 0)
            continue;
        if ((seen >= t->announced || !c->running) && client_gone(s, t))
            drain(s, t);
    }
}

void tap_end(struct sup *s)
{
    int64_t deadline = mq_now_ns() + 1000000000;

    for (int i = 0; s->taps && i < MQ_MAX_TAPS; i++) {
        struct tap *t = &s->taps[i];
        mq_slot_info si;
        if (t->state == TAP_FREE)
            continue;
        mq_queue_close(s->a, (uint32_t)t->conn);
        /* Its client sees the end of its queue (and of its control connection)
         * and leaves; one that is still there when the time is up is reclaimed
         * as if dead: its later releases of what it held fail harmlessly. */
        while (mq_arena_slot_info(s->a, (uint32_t)t->slot, &si) == 0 &&
               si.state == MQ_SLOT_ACTIVE && si.pid > 0 && kill(si.pid, 0) == 0 &&
               mq_now_ns() < deadline) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        if (mq_arena_slot_info(s->a, (uint32_t)t->slot, &si) == 0 && si.state != MQ_SLOT_FREE) {
            if (si.pid > 0 && kill(si.pid, 0) == 0)
                fprintf(stderr, "mqgraph: the tap of pid %d did not leave the arena in time: "
                                "its buffers are taken back\n", (int)si.pid);
            mq_arena_reclaim(s->a, (uint32_t)t->slot);
        }
    }
}

json_t *tap_status(struct sup *s)
{
    json_t *v = json_array();

    for (int i = 0; v && s->taps && i < MQ_MAX_TAPS; i++) {
        const struct tap *t = &s->taps[i];
        mq_queue_stats qs;
        char from[160], to[160];
        if (t->state == TAP_FREE || mq_queue_stats_get(s->a, (uint32_t)t->conn, &qs) < 0)
            continue;
        tap_conn_name(s, t->conn, from, to, sizeof from);
        json_array_append_new(v, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "output", from,
                                           "state", t->state == TAP_ACTIVE ? "attached"
                                                                            : "draining",
                                           "pid", (json_int_t)t->pid, "buffers",
                                           (json_int_t)(qs.pushed - t->base_pushed), "drops",
                                           (json_int_t)(qs.drops - t->base_drops), "fill",
                                           (json_int_t)qs.size, "depth", (json_int_t)qs.depth));
    }
    return v;
}

int tap_conn_name(const struct sup *s, int k, char *from, char *to, size_t len)
{
    for (int i = 0; s->taps && i < MQ_MAX_TAPS; i++) {
        const struct tap *t = &s->taps[i];
        if (t->conn != k)
            continue;
        if (t->state == TAP_FREE) {
            snprintf(from, len, "-");
        } else {
            const mqg_block *b = &s->g->blocks[t->block];
            char port[64];
            mq_item_type type;
            mq_block_port(b->decl, b->n_params, b->kv, 1, t->port, port, sizeof port, &type);
            snprintf(from, len, "%s.%s", b->name, port);
        }
        snprintf(to, len, "tap (pid %d)", (int)t->pid);
        return 0;
    }
    return -1;
}
