/* steer.h - the control requests that reach into blocks: get and set a parameter
 * (live parameters, published through the arena's live areas, libmq/live.h), and
 * send a message.
 *
 * A set is checked exactly as the graph file's value would be (type, range,
 * choices, the block's own check of the whole parameter set), then kept in the
 * supervisor's copy of the block's parameters, so a restarted block starts with
 * it, and published. When the block reports that its work calls see it, a
 * "param" event says from which item of the block's stream. A block's `cmd`
 * message asks for changes through its live area; they take the same path.
 */
#ifndef MQG_STEER_H
#define MQG_STEER_H

#include "pmt.h"
#include "request.h"

struct sup;
struct ctl_client;

/* Publishes every block's live values as the graph file gives them. 0, or -1
 * (out of memory, a value too long for the live area) with err. */
int steer_start(struct sup *s, char *err, size_t errlen);
void steer_free(struct sup *s);

void steer_get(struct sup *s, struct ctl_client *cl, const ctl_req *r);
/* Returns 1 when the reply waits for the block to apply the value. */
int steer_set(struct sup *s, struct ctl_client *cl, const ctl_req *r);
void steer_send(struct sup *s, struct ctl_client *cl, const ctl_req *r);
/* The client went away while its set reply waited. */
void steer_forget_waiter(struct sup *s, struct ctl_client *cl);

/* Pushes message m into control connection conn (never waits). 0, or -1 with why
 * in err (the queue is full, the block finished, the message is too large). */
int steer_deliver(struct sup *s, int conn, const mq_pmt *m, char *err, size_t errlen);

/* Events for changes the blocks applied, replies that waited for them, and the
 * blocks' requests: run often while something waits (steer_busy), and on every
 * heartbeat check. */
void steer_tick(struct sup *s);
int steer_busy(const struct sup *s);

#endif
