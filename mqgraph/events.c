/* events.c - recording and publishing graph events (see events.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "events.h"
#include "steer.h"
#include "sup.h"

/* The event, as a dict, to every block that asked for events (MQ_BLOCK_EVENTS),
 * on its message input 0. What a full queue cannot take is counted there. */
static void to_blocks(struct sup *s, const char *line)
{
    mq_pmt *m = NULL;
    char err[256];

    for (int b = 0; b < s->g->n_blocks; b++) {
        int conn = s->g->blocks[b].decl->flags & MQ_BLOCK_EVENTS ? sup_ctrl_conn(s, b, 0) : -1;
        if (conn < 0 || s->finished || !s->a)
            continue;
        if (!m && mq_pmt_from_json(line, strlen(line), &m, NULL, 0) < 0)
            return;
        steer_deliver(s, conn, m, err, sizeof err);
    }
    mq_pmt_free(m);
}

void ev_emit(struct sup *s, const char *kind, json_t *ev)
{
    struct events *e = s->ev;
    struct timespec rt;
    char *line;

    if (!ev || !e) {
        json_decref(ev);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &rt);
    /* The kind and the time first, then the kind's own fields. */
    json_t *full = json_pack("{s:s, s:f, s:f}", "event", kind, "t",
                             (double)rt.tv_sec + rt.tv_nsec / 1e9, "uptime_s",
                             (double)(mq_now_ns() - s->t0) / 1e9);
    if (!full || json_object_update(full, ev) < 0) {
        json_decref(full);
        json_decref(ev);
        return;
    }
    json_decref(ev);
    ev = full;
    json_decref(e->ring[e->n % EV_KEEP]);
    e->ring[e->n++ % EV_KEEP] = ev;
    if ((line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)))) {
        ctl_publish_event(s, ev, line);
        to_blocks(s, line);
        free(line);
    }
}

void ev_block(struct sup *s, const char *kind, int b, json_t *more)
{
    json_t *ev = json_object();

    if (!ev) {
        json_decref(more);
        return;
    }
    json_object_set_new(ev, "block", json_string(s->g->blocks[b].name));
    json_object_set_new(ev, "pid", json_integer(s->kids[b].pid));
    if (more)
        json_object_update(ev, more);
    json_decref(more);
    ev_emit(s, kind, ev);
}

void ev_replay(const struct sup *s, void (*send)(void *arg, const char *line), void *arg)
{
    const struct events *e = s->ev;
    unsigned long long first = e->n > EV_KEEP ? e->n - EV_KEEP : 0;

    for (unsigned long long i = first; i < e->n; i++) {
        char *line = json_dumps(e->ring[i % EV_KEEP],
                                JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        if (line) {
            send(arg, line);
            free(line);
        }
    }
}

void ev_free(struct events *e)
{
    if (!e)
        return;
    for (int i = 0; i < EV_KEEP; i++)
        json_decref(e->ring[i]);
    free(e);
}
