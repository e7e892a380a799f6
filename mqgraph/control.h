/* control.h - the supervisor's control socket: a Unix socket in the user's control
 * directory (ctldir.h), served from the supervisor's libuv loop, speaking one JSON
 * request per line and one JSON reply per line (doc/control.md).
 *
 * Every client is untrusted, also one of the same user: a request is parsed and
 * checked before anything acts on it (request.h), a line longer than CTL_LINE_MAX
 * or a client whose replies pile up unread (CTL_QUEUE_MAX) is dropped, a client
 * that sends nothing complete for CTL_IDLE_MS is dropped, and at most CTL_CLIENTS
 * are served at once. Nothing a client does makes the loop wait, so heartbeat
 * checks and child exits are handled on time whatever the clients do.
 */
#ifndef MQG_CONTROL_H
#define MQG_CONTROL_H

#include <jansson.h>

#define CTL_CLIENTS 256
#define CTL_QUEUE_MAX (4u << 20) /* bytes of replies a client may leave unread */
#define CTL_IDLE_MS 10000

struct sup;
struct ctl_client;

/* Creates the socket and starts listening. 0, or -1 with the reason in err (the
 * graph then runs without a control socket). */
int ctl_start(struct sup *s, char *err, size_t errlen);

/* Closes every client and the socket, and removes its file. */
void ctl_stop(struct sup *s);

/* The periodic chores: drops idle clients, answers replies that waited. */
void ctl_tick(struct sup *s);

/* Sends an event line to every subscriber. */
void ctl_publish_event(struct sup *s, json_t *ev, const char *line);

/* A reply to client `cl`: `reply` (taken) as one line; NULL means out of memory. */
void ctl_reply(struct ctl_client *cl, json_t *reply);
/* A client whose reply waited (ctl_req set) goes on with its next requests. */
void ctl_resume(struct ctl_client *cl);

/* An error reply: {"ok": false, "error": text}. */
void ctl_reply_error(struct ctl_client *cl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
