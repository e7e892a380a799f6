/* split.h - a graph across hosts: the links that replace its connections between
 * hosts, and each host's part as a graph file of its own.
 *
 * A graph with `hosts: {NAME: ADDRESS}` says on every block which host runs it
 * (graph.c checks that). A connection whose ends are on two hosts is cut: on the
 * producing host the output feeds a zmq_push_sink, on the consuming host a
 * zmq_pull_source feeds the input, and the pair passes tags, timestamps and end
 * of stream (pass_tags). One link carries one output to one other host, however
 * many of that host's inputs it feeds: a fan-out is cut once per consuming host,
 * so its items cross the network once.
 *
 * Links are numbered in the order of their first connection in the file, and
 * link i uses port link_port + i on the consuming host's address: its pull
 * source binds there, the push sink connects. Both hosts work that out from the
 * same file, with nothing to configure, and a producer that restarts connects
 * again to a consumer that stayed.
 *
 * `mqgraph run FILE --host NAME` runs the part that `mqgraph split FILE --host
 * NAME` prints: split_part loads the very text split_write writes.
 */
#ifndef MQG_SPLIT_H
#define MQG_SPLIT_H

#include <stdio.h>

#include "catalog.h"
#include "graph.h"

typedef struct mqg_link {
    int src_b, src_p;  /* the output it carries */
    int from, to;      /* the producing and the consuming host */
    int first;         /* its first connection in the file */
    int port;
    mq_item_type type; /* the output's, as inferred */
    int vlen;
    uint32_t depth;    /* of the producer's connection into the link (0: default) */
    int policy;
} mqg_link;

typedef struct mqg_split {
    int n_links;
    mqg_link *links;
    int *conn_link; /* per connection of the graph: its link, or -1 */
} mqg_split;

/* The links of a validated graph with hosts. 0, or -1 with "FILE:LINE:COL:
 * message" in err: a message connection between hosts, a link's port past 65535,
 * a block of the file named as a link block is. s is split_free's either way. */
int split_make(const mqg_graph *g, mqg_split *s, char *err, size_t len);
void split_free(mqg_split *s);

/* The checks of split_make, for graph_validate. */
int split_check(const mqg_graph *g, char *err, size_t len);

/* Writes host h's part of g as a graph file: a header comment, its blocks as
 * loaded (values substituted, expressions worked out), a link block for each
 * link to or from h, and its connections with the links in place of the cut
 * ones. 0, or -1 with the reason in err (a value a graph file cannot say, or f
 * failed). */
int split_write(FILE *f, const mqg_graph *g, const mqg_split *s, int h, char *err,
                size_t len);

/* Host h's part as a graph, loaded from split_write's text (named FILE@HOST in
 * messages) and validated; NULL with the reason in err. */
mqg_graph *split_part(const mqg_graph *g, const mqg_split *s, int h, mqg_catalog *cat,
                      char *err, size_t len);

/* One line per link: "PREFIXlink 0 from rx to dsp: src.out, c32, on
 * tcp://10.0.0.2:5600"; with h >= 0 only h's, as "link 0 to dsp: ...". */
void split_print_links(FILE *f, const mqg_graph *g, const mqg_split *s, int h,
                       const char *prefix);

/* The host named by `--host name`: its index, or -1 with "FILE: --host NAME: ..."
 * in err. */
int split_find_host(const mqg_graph *g, const char *name, char *err, size_t len);

/* Writes host `only`'s part, or every host's (only -1), to DIR/BASE.HOST.yaml
 * (BASE: the graph file's name without its extension), and prints each path.
 * A file there already is replaced only if split made it (SPLIT_MARK), and all
 * are checked before any is written. 0, or -1 with the reason in err. */
int split_save(const mqg_graph *g, const mqg_split *s, int only, const char *dir, char *err,
               size_t len);

/* The first line of every file split_write writes, by which `split -o DIR` knows
 * the files it may replace. */
#define SPLIT_MARK "# Made by mqgraph split"

#endif
