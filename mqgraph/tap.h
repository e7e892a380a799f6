/* tap.h - taps: consumers attached to a running graph's outputs (`mqgraph tap`),
 * the supervisor's side. tap.c says how one is attached, released and drained. */
#ifndef MQG_TAP_H
#define MQG_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "request.h"

struct sup;
struct ctl_client;

enum { TAP_FREE = 0, TAP_ACTIVE, TAP_DRAINING };

struct tap {
    int state;
    int block, port;     /* the output tapped */
    int conn, slot;      /* its connection and the client's process slot */
    int reg_block;       /* the tap's registry block (its doorbell) */
    pid_t pid;           /* the client */
    struct ctl_client *cl;
    uint64_t base_pushed, base_drops; /* the queue's counters when it was attached */
    uint64_t announced;  /* draining: the producer confirms this announcement */
};

/* The taps' blocks and connections in the registry (the creator, at start). */
int tap_add(struct sup *s);

/* Returns the tap's index, or -1 after an error reply. */
int tap_attach(struct sup *s, struct ctl_client *cl, const ctl_req *r, pid_t pid);
/* The client's control connection closed. */
void tap_release(struct sup *s, int tap);
/* Ends taps of outputs that ended; drains released taps (on every heartbeat). */
void tap_tick(struct sup *s);
json_t *tap_status(struct sup *s);
/* The graph has ended: every tap's queue ends, its client gets a second to leave
 * its slot, and what one that does not still holds is reclaimed, so the pools can
 * be counted. */
void tap_end(struct sup *s);
/* The ends of registry connection k if it is a tap's: 0, else -1. */
int tap_conn_name(const struct sup *s, int k, char *from, char *to, size_t len);

#endif
