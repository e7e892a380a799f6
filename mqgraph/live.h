/* live.h - the control requests that reach into blocks: get and set a parameter,
 * send a message. */
#ifndef MQG_LIVE_H
#define MQG_LIVE_H

#include "request.h"

struct sup;
struct ctl_client;

void live_get(struct sup *s, struct ctl_client *cl, const ctl_req *r);
/* Returns 1 when the reply waits for the block to apply the value. */
int live_set(struct sup *s, struct ctl_client *cl, const ctl_req *r);
void live_send(struct sup *s, struct ctl_client *cl, const ctl_req *r);
/* The client went away while its set reply waited. */
void live_forget_waiter(struct sup *s, struct ctl_client *cl);

#endif
