/* supervise.h - running a validated graph: the arena, one child per block, and the
 * libuv loop that watches them. */
#ifndef MQG_SUPERVISE_H
#define MQG_SUPERVISE_H

#include "catalog.h"
#include "graph.h"

/* Returns the process exit status: 0 when every block finished cleanly, 1 when a
 * block failed, 128 + signal when stopped by SIGINT/SIGTERM. */
int supervise_run(mqg_graph *g, const mqg_catalog *cat, int quiet);

#endif
