/* tap.h - taps: consumers attached to a running graph's outputs. */
#ifndef MQG_TAP_H
#define MQG_TAP_H

#include <stddef.h>
#include <sys/types.h>

#include "request.h"

struct sup;
struct ctl_client;

/* Returns the tap's index, or -1 after an error reply. */
int tap_attach(struct sup *s, struct ctl_client *cl, const ctl_req *r, pid_t pid);
void tap_release(struct sup *s, int tap);
json_t *tap_status(struct sup *s);
/* The ends of registry connection k if it is a tap's: 0, else -1. */
int tap_conn_name(const struct sup *s, int k, char *from, char *to, size_t len);

#endif
