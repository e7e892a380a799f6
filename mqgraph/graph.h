/* graph.h - a graph file in memory: what the YAML said, with where it said it.
 *
 * graph_load() parses the file with libyaml and fills this model; every later check
 * (validate.c) reports against the marks kept here, as FILE:LINE:COL. Parameter
 * values are kept as text ("name=value", lists joined with commas), the form the
 * block runtime parses, after ${variable} substitution.
 *
 * A value written as an expression ("${rate}/4", expr.h) is worked out as the file
 * loads, while its variables are at hand, but given its text only by the
 * validator, which knows the parameter's type: an INT wants an integer, a COMPLEX
 * "0.5+0.5j", and a STRING keeps "a-b" as it is. So the loader keeps the value, or
 * why there is none, beside the text (mqg_eval). List elements and filter design
 * fields are numbers whatever the block, and are replaced by their values at once.
 */
#ifndef MQG_GRAPH_H
#define MQG_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "block.h"
#include "expr.h"
#include "names.h"

typedef struct mqg_mark {
    int line, col; /* 1-based */
    int list;      /* a parameter's value was a YAML list (its text: items joined by commas),
                      or MQG_LIST_DESIGN: a filter design, its text the taps so joined */
} mqg_mark;

enum { MQG_LIST_DESIGN = 2 };

enum { MQG_RESTART_NEVER = 0, MQG_RESTART_ON_FAILURE, MQG_RESTART_ALWAYS };

/* The back-off's cap unless `restart: {max_backoff_ms}` says (or backoff_ms is more). */
#define MQG_MAX_BACKOFF_MS 60000

/* The first port of the links between hosts unless `link_port:` says (split.h). */
#define MQG_LINK_PORT 5600

/* What became of a parameter's text beyond substitution. */
enum {
    MQG_EVAL_NONE = 0, /* the text is the value */
    MQG_EVAL_VALUE,    /* an expression's value, for the validator to give as text */
    MQG_EVAL_FAILED,   /* an expression that has no value: an error if the parameter is
                          a number (a list's elements are) */
    MQG_EVAL_INFERRED, /* not in the file: an item type the validator took from upstream */
    MQG_EVAL_SIZED,    /* not in the file: items per buffer chosen by sizing.h */
};

typedef struct mqg_eval {
    int kind;       /* MQG_EVAL_* */
    mqg_value v;    /* VALUE */
    char *src;      /* VALUE: the expression as written */
    char *why;      /* FAILED: the reason */
    mqg_mark at;    /* FAILED: where (the value, or the variable at fault) */
    int from;       /* INFERRED: the connection the type came through */
} mqg_eval;

/* What buffer sizing (sizing.h) chose for a source whose items_per_buffer the file
 * left to it: the items, and what decided them. */
typedef struct mqg_sized {
    int64_t items;      /* 0: nothing chosen (given, or not a sized source) */
    size_t item_size;   /* bytes per item */
    int64_t latency_ms; /* the budget that decided, 0: throughput alone */
    double rate;        /* the rate the budget was taken at */
    char why[128];      /* where the budget or the rate came from */
} mqg_sized;

typedef struct mqg_block {
    char *name;
    char *type;
    mqg_mark mark, type_mark;
    int n_params;
    char **kv;          /* "name=value" */
    mqg_mark *kv_mark;  /* where each value is */
    mqg_eval *eval;     /* per parameter, as kv */
    int restart;        /* MQG_RESTART_* */
    int max_restarts;   /* default 3 */
    int64_t backoff_ms; /* before the first restart, doubled for each next one */
    int64_t max_backoff_ms; /* ... up to this (default MQG_MAX_BACKOFF_MS) */
    int host;           /* its index in the graph's hosts, -1 in a graph of none */
    mqg_mark host_mark;
    /* `process: NAME`: the worker process it shares with the graph's other blocks
     * of that name (NULL: one of its own). leader: the first block of its process,
     * whose slot and restart policy the process has (itself when alone); members,
     * of a leader: how many blocks its process runs (graph_set_leaders). */
    char *process;
    mqg_mark process_mark;
    int leader, members;
    const mq_block_decl *decl; /* set by validation */
    mq_block_decl *own_decl;   /* decl, when its module made it for this block (special.h) */
    /* validation: the block's own check refused a combination while its item type
     * was still to follow its upstream; checked again once the types are known */
    int check_after_types;
    int64_t latency_ms; /* `latency_ms:` on the block, 0 if none (sizing.h) */
    mqg_mark latency_mark;
    mqg_sized sized;    /* the items per buffer chosen for it, if any (sizing.h) */
} mqg_block;

typedef struct mqg_end {
    char *block, *port;
    mqg_mark mark;
    int b, p; /* resolved block and port index */
} mqg_end;

typedef struct mqg_conn {
    mqg_end src, dst;
    uint32_t depth;
    int policy;
    int64_t latency_ms; /* `latency_ms:` on the long form, 0 if none (sizing.h) */
    mqg_mark latency_mark;
    uint64_t buf_bytes; /* the bytes of its producer's buffers, as sizing.h estimates */
    int depth_sized;    /* its depth was chosen by sizing.h, not given */
} mqg_conn;

/* A machine a graph runs across (`hosts: {NAME: ADDRESS}`, split.h). */
typedef struct mqg_host {
    char *name;
    char *address; /* a host name or an IPv4 address, ${variables} expanded */
    mqg_mark mark, address_mark;
} mqg_host;

typedef struct mqg_graph {
    char *file;
    char *name;
    uint32_t queue_depth;
    int finish_all; /* `finish: all`: a producer runs on while any consumer reads */
    int64_t heartbeat_ms, heartbeat_timeout_ms;
    int64_t latency_ms; /* `arena: {latency_ms}`, 0 if none (sizing.h) */
    mqg_mark latency_mark;
    uint32_t n_pools;
    uint64_t pool_size[MQ_MAX_POOLS];
    uint32_t pool_count[MQ_MAX_POOLS];
    mqg_mark pool_mark[MQ_MAX_POOLS];
    int n_blocks, n_conns;
    mqg_block *blocks;
    mqg_conn *conns;
    mqg_names names; /* block name -> index */
    int n_hosts;     /* 0: the graph runs on one machine */
    mqg_host *hosts;
    mqg_names host_names; /* host name -> index */
    mqg_mark hosts_mark;
    int64_t link_port;    /* the first link's port (MQG_LINK_PORT unless given) */
    mqg_mark link_port_mark;
    int link_port_given;
} mqg_graph;

/* "name=value" overrides for variables (mqgraph run --set). */
typedef struct mqg_vars {
    int n;
    char **kv;
} mqg_vars;

/* Loads and checks the file's structure. On error returns NULL and writes
 * "FILE:LINE:COL: message" to err. */
mqg_graph *graph_load(const char *path, const mqg_vars *set, char *err, size_t errlen);
/* The same from an open stream; `path` names it in messages. */
mqg_graph *graph_load_stream(FILE *f, const char *path, const mqg_vars *set, char *err,
                             size_t errlen);
void graph_free(mqg_graph *g);

/* Whether two blocks restart alike (policy, max_restarts, back-off): the blocks of
 * one process must. */
int graph_same_restart(const mqg_block *a, const mqg_block *b);

/* Sets every block's leader: the first block, in file order, of its process. */
void graph_set_leaders(mqg_graph *g);

/* Makes room in b's parameter tables (kv, kv_mark, eval) for n + 1 entries: the
 * new ones are placed at the block (a value from no place in the file) and have
 * nothing to evaluate. b->n_params is the caller's to raise. 0, or -1. */
int graph_block_grow(mqg_block *b, int n);

/* The index of the block named `name`, or -1. */
int graph_find_block(const mqg_graph *g, const char *name);

/* The index of the host named `name`, or -1. */
int graph_find_host(const mqg_graph *g, const char *name);

/* "rx, dsp": the host names, as far as they fit in buf. */
void graph_host_names(const mqg_graph *g, char *buf, size_t len);

/* Formats "FILE:LINE:COL: " + message into err. */
void graph_error(const mqg_graph *g, mqg_mark m, char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
