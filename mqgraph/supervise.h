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

/* Blocks the stop signals (SIGINT, SIGTERM, SIGHUP) from here until supervise_run's
 * handlers take them: call it first thing in a run, so a stop while the graph file
 * is read waits and is then one graceful stop, not the end of mqgraph. Blocked, a
 * signal waits even if its action is "ignore" (a script's `mqgraph run ... &`):
 * Linux keeps a blocked signal pending whatever its action. */
void supervise_hold_stops(void);

/* Returns the process exit status (doc/mqgraph.1, EXIT STATUS): 0 when every block
 * finished cleanly (also after `mqgraph stop`), 3 when it completed but deaths lost
 * data, 1 when a block failed, 128 + signal when stopped. Call supervise_hold_stops
 * before. */
int supervise_run(mqg_graph *g, const mqg_catalog *cat, const struct run_opts *opts);

#endif
