/* validate.h - every check of a loaded graph that can be made before anything runs:
 * block types, parameters, ports and their item types, fan-out and fan-in,
 * unconnected inputs, cycles, queue depths, and every limit of the arena the graph
 * needs (mq_limits.h). On the way it completes the parameters: an expression's
 * value as text of the parameter's type, and an item type a block is not given
 * taken from its upstream (graph.h, mqg_eval). */
#ifndef MQG_VALIDATE_H
#define MQG_VALIDATE_H

#include "arena.h"
#include "catalog.h"
#include "graph.h"

/* Resolves types (loading their modules into cat) and ports (sets decl, and the
 * b/p indices of each connection end) and completes the parameters as above.
 * Returns 0, or -1 with "FILE:LINE:COL: message" in err. */
int graph_validate(mqg_graph *g, mqg_catalog *cat, char *err, size_t errlen);

/* The queue capacity the arena needs: a power of two covering every depth. */
uint32_t graph_queue_cap(const mqg_graph *g);

/* The arena mqgraph creates for a validated graph: its pools, a slot and a registry
 * block per block, the supervisor's and the taps', and a connection per graph
 * connection, per message input (the supervisor's) and per tap. (supervise.c's
 * build_arena lays out the same; graph_validate checks it with mq_layout_size.) */
void graph_layout(const mqg_graph *g, mq_layout *l);

#endif
