/* placement.c - worker processes for the blocks a graph file leaves alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

/* A block that keeps a process of its own: one that may wait outside libmq, where
 * it would hold up a whole process (a socket, an interpreter, a FIFO or device
 * that file_source or file_sink may be given), and one that restarts, so that its
 * restart does not take its neighbours' work with it (a block that does not
 * restart stops the graph when it dies, alone or not). */
static int stays_alone(const mqg_block *b)
{
    return !strcmp(b->type, "python") || !strncmp(b->type, "zmq_", 4) ||
           !strncmp(b->type, "udp_", 4) || !strcmp(b->type, "file_source") ||
           !strcmp(b->type, "file_sink") || b->restart != MQG_RESTART_NEVER;
}

/* The blocks in an order where each comes after its upstreams (Kahn's; the graph
 * was validated, so it has no cycle); order[] gets n_blocks entries. */
static int graph_order(const mqg_graph *g, int *order)
{
    int *ins = calloc((size_t)g->n_blocks + 1, sizeof *ins), n = 0;

    if (!ins)
        return -1;
    for (int k = 0; k < g->n_conns; k++)
        ins[g->conns[k].dst.b]++;
    for (int i = 0; i < g->n_blocks; i++)
        if (!ins[i])
            order[n++] = i;
    for (int at = 0; at < n; at++)
        for (int k = 0; k < g->n_conns; k++)
            if (g->conns[k].src.b == order[at] && --ins[g->conns[k].dst.b] == 0)
                order[n++] = g->conns[k].dst.b;
    free(ins);
    return n == g->n_blocks ? 0 : -1;
}

/* "w3", or "w3-2", ... if the file names a process "w3" already. */
static void process_name(const mqg_graph *g, int w, char *name, size_t len)
{
    for (int k = 1;; k++) {
        int taken = 0;
        if (k == 1)
            snprintf(name, len, "w%d", w);
        else
            snprintf(name, len, "w%d-%d", w, k);
        for (int i = 0; i < g->n_blocks && !taken; i++)
            taken = g->blocks[i].process && !strcmp(g->blocks[i].process, name);
        if (!taken)
            return;
    }
}

int placement_workers(mqg_graph *g, int n)
{
    int *order = calloc((size_t)g->n_blocks + 1, sizeof *order), m = 0, placed = 0;

    if (!order || graph_order(g, order) < 0) {
        free(order);
        return -1;
    }
    for (int k = 0; k < g->n_blocks; k++) {
        const mqg_block *b = &g->blocks[order[k]];
        m += !b->process && !stays_alone(b);
    }
    if (n < 1 || m <= n) { /* a process a block already */
        free(order);
        return 0;
    }
    int *first = calloc((size_t)n, sizeof *first);
    char (*names)[32] = calloc((size_t)n, sizeof *names);
    if (!first || !names) {
        free(first);
        free(names);
        free(order);
        return -1;
    }
    for (int w = 0; w < n; w++) { /* named before any is given, apart from the file's */
        first[w] = -1;
        process_name(g, w + 1, names[w], sizeof names[w]);
    }
    for (int k = 0, rank = 0; k < g->n_blocks; k++) {
        mqg_block *b = &g->blocks[order[k]];
        if (b->process || stays_alone(b))
            continue;
        int w = (int)((long long)rank++ * n / m);
        if (first[w] >= 0 && !graph_same_restart(b, &g->blocks[first[w]]))
            continue;
        if (first[w] < 0)
            first[w] = order[k];
        if (!(b->process = strdup(names[w]))) {
            placed = -1;
            break;
        }
        b->process_mark = b->mark;
        placed++;
    }
    graph_set_leaders(g);
    free(names);
    free(first);
    free(order);
    return placed;
}
