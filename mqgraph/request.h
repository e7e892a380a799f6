/* request.h - one line of the control protocol, parsed and checked (doc/control.md).
 *
 * A request is one JSON object on one line: {"cmd": NAME, ...arguments}. Parsing
 * is kept apart from acting on it, so the parser can be fuzzed on its own
 * (tests/fuzz/fuzz_request.c): whatever the bytes, ctl_req_parse returns a request
 * whose fields have the types the command needs, or an error text for the reply.
 */
#ifndef MQG_REQUEST_H
#define MQG_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The longest request line a supervisor reads; a longer one is answered with an
 * error and the connection closed. */
#define CTL_LINE_MAX 65536

enum ctl_cmd {
    CTL_INFO = 0, /* name, pid, uptime, blocks, state: what `list` shows */
    CTL_STATUS,   /* blocks, connections, pools, taps, with rates */
    CTL_GET,      /* a parameter's current value (all of a block's without "param") */
    CTL_SET,      /* change a live parameter */
    CTL_EVENTS,   /* subscribe: event lines follow the reply */
    CTL_SEND,     /* a message into a block's message input */
    CTL_TAP,      /* attach a consumer to an output */
    CTL_STOP,     /* graceful stop */
    CTL_N_CMDS
};

typedef struct ctl_req {
    enum ctl_cmd cmd;
    json_t *root;        /* owns every string below */
    const char *block;   /* get, set, send, tap */
    const char *param;   /* get (optional), set */
    const char *port;    /* send, tap */
    char *value;         /* set: the value as parameter text, malloc'd */
    json_t *msg;         /* send: the message in its JSON form (borrowed from root), */
    const char *text;    /* or as text (mq_msg_parse) */
    int history;         /* events: replay the retained events first */
    int64_t wait_ms;     /* set: how long to wait for the block to apply it */
    int64_t depth;       /* tap: queue depth (0: default) */
} ctl_req;

/* Parses line[0..len) (no newline). 0, or -1 with the reply's error text in err;
 * the request needs ctl_req_free either way. */
int ctl_req_parse(const char *line, size_t len, ctl_req *r, char *err, size_t errlen);
void ctl_req_free(ctl_req *r);

const char *ctl_cmd_name(enum ctl_cmd c);

/* A JSON value as parameter text, as the YAML would give it: a number as written
 * by JSON (17 significant digits), a string as is, true/false, and a list of
 * numbers joined by commas. NULL (err set) for anything else. malloc'd. */
char *ctl_value_text(const json_t *v, char *err, size_t errlen);

#endif
