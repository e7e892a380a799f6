/* live.c - get, set and send (see live.h). */
#include "control.h"
#include "live.h"
#include "sup.h"

void live_get(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    (void)s, (void)r;
    ctl_reply_error(cl, "'get' is not available yet");
}

int live_set(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    (void)s, (void)r;
    ctl_reply_error(cl, "'set' is not available yet");
    return 0;
}

void live_send(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    (void)s, (void)r;
    ctl_reply_error(cl, "'send' is not available yet");
}

void live_forget_waiter(struct sup *s, struct ctl_client *cl)
{
    (void)s, (void)cl;
}
