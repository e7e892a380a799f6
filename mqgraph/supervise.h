/* supervise.h - running a validated graph: the arena, one child per block, and the
 * libuv loop that watches them. */
#ifndef MQG_SUPERVISE_H
#define MQG_SUPERVISE_H

#include "catalog.h"
#include "graph.h"

struct run_opts {
    int quiet;         /* no summary at the end */
    const char *stats; /* write the status as a JSON line each second here, or NULL */
};

/* Returns the process exit status: 0 when every block finished cleanly (also after
 * `mqgraph stop`), 1 when a block failed, 128 + signal when stopped by SIGINT or
 * SIGTERM. */
int supervise_run(mqg_graph *g, const mqg_catalog *cat, const struct run_opts *opts);

#endif
