/* placement.h - which blocks share a worker process when the graph file does not
 * say (`mqgraph run --workers N`). */
#ifndef MQG_PLACEMENT_H
#define MQG_PLACEMENT_H

#include "graph.h"

/* Puts the blocks of validated graph g that the file gives no `process:` into n
 * worker processes ("w1" .. "wN"), cutting them in graph order (sources first,
 * each block after its upstreams) into n runs of about the same length, so a chain
 * crosses between processes n - 1 times; nothing when there are no more such
 * blocks than n (a process each is as good then). Left in processes of their own:
 * blocks that may wait outside libmq (python, zmq_*, udp_*, file_source,
 * file_sink), blocks with a restart
 * policy (on-failure, always), and a block whose restart settings differ from its
 * run's first block. Returns how many blocks it placed, or -1 (out of memory). */
int placement_workers(mqg_graph *g, int n);

#endif
