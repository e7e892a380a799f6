/* ctlclient.h - the client side of the control socket: connecting to a running
 * graph by name and exchanging JSON lines with its supervisor. Used by every
 * subcommand that talks to a running graph (client.c). */
#ifndef MQG_CTLCLIENT_H
#define MQG_CTLCLIENT_H

#include <stddef.h>
#include <jansson.h>

#include "ctldir.h"
#include "request.h"

typedef struct ctlc {
    int fd;
    ctl_entry e;       /* the graph connected to */
    char buf[CTL_LINE_MAX + 1];
    size_t len;
} ctlc;

/* Connects to the graph `spec` names (NAME or NAME:PID). 0, or -1 with err. */
int ctlc_open(ctlc *c, const char *spec, char *err, size_t errlen);
/* The same for a socket path. */
int ctlc_open_path(ctlc *c, const char *path, char *err, size_t errlen);
void ctlc_close(ctlc *c);

/* The graph closed the connection (it has ended): what ctlc_send and ctlc_call
 * return then, apart from other failures (-1). */
#define CTLC_CLOSED (-2)

/* Sends one request (not taken). 0, or -1 with err (CTLC_CLOSED). */
int ctlc_send(ctlc *c, const json_t *req, char *err, size_t errlen);
/* The next line as JSON, waiting at most timeout_ms (< 0: no limit). 1 with *out,
 * 0 when the graph closed the connection, -1 with err (also on timeout). */
int ctlc_next(ctlc *c, json_t **out, int timeout_ms, char *err, size_t errlen);
/* Sends `req` (taken) and reads its reply; a reply with "ok": false becomes -1
 * with its error text in err; CTLC_CLOSED if the graph closed the connection.
 * 0 with *reply (the caller's). */
int ctlc_call(ctlc *c, json_t *req, json_t **reply, int timeout_ms, char *err, size_t errlen);

#endif
