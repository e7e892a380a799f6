/* validate.h - every check of a loaded graph that can be made before anything runs:
 * block types, parameters, ports and their item types, fan-in, unconnected inputs,
 * cycles, queue depths. */
#ifndef MQG_VALIDATE_H
#define MQG_VALIDATE_H

#include "catalog.h"
#include "graph.h"

/* Resolves types and ports (sets decl, and the b/p indices of each connection end).
 * Returns 0, or -1 with "FILE:LINE:COL: message" in err. */
int graph_validate(mqg_graph *g, const mqg_catalog *cat, char *err, size_t errlen);

/* The queue capacity the arena needs: a power of two covering every depth. */
uint32_t graph_queue_cap(const mqg_graph *g);

#endif
