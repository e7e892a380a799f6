/* tap.c - taps (see tap.h). */
#include "control.h"
#include "sup.h"
#include "tap.h"

int tap_attach(struct sup *s, struct ctl_client *cl, const ctl_req *r, pid_t pid)
{
    (void)s, (void)r, (void)pid;
    ctl_reply_error(cl, "'tap' is not available yet");
    return -1;
}

void tap_release(struct sup *s, int tap)
{
    (void)s, (void)tap;
}

json_t *tap_status(struct sup *s)
{
    (void)s;
    return json_array();
}

int tap_conn_name(const struct sup *s, int k, char *from, char *to, size_t len)
{
    (void)s, (void)k, (void)from, (void)to, (void)len;
    return -1;
}
