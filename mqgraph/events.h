/* events.h - what happened in a running graph, for `mqgraph events` subscribers
 * and the graph's `events` blocks.
 *
 * An event is a JSON object, {"event": KIND, "t": unix seconds, "uptime_s": ...,
 * then the kind's fields} (doc/control.md lists them). The supervisor keeps the
 * last EV_KEEP for subscribers that ask for the history, and hands each new one to
 * the control socket's subscribers and to the graph's event blocks as it happens.
 */
#ifndef MQG_EVENTS_H
#define MQG_EVENTS_H

#include <jansson.h>

#define EV_KEEP 1024

struct sup;

struct events {
    json_t *ring[EV_KEEP];
    unsigned long long n; /* events so far; ring[i % EV_KEEP] */
};

/* Records event `ev` (a new reference, taken) of kind `kind` with the time fields
 * added, and publishes it. Drops it silently only when memory runs out. */
void ev_emit(struct sup *s, const char *kind, json_t *ev);

/* A block event: {"event": kind, "block": name, "pid": pid} plus `more` (taken,
 * may be NULL). */
void ev_block(struct sup *s, const char *kind, int b, json_t *more);

/* The retained events, oldest first, written to `send` one line each. */
void ev_replay(const struct sup *s, void (*send)(void *arg, const char *line), void *arg);

void ev_free(struct events *e);

#endif
