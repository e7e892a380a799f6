/* sizing.h - buffer sizes and the arena's pools, chosen from the graph.
 *
 * A source's items per buffer (a parameter flagged MQ_PARAM_SIZED) that the file
 * does not give, or gives as "auto", is chosen here:
 *
 *   items = min(MQ_BUFFER_BYTES / item size, rate * latency_ms / 1000), at least 1
 *
 * where latency_ms is the smallest budget that covers the source: `arena:
 * {latency_ms}`, `latency_ms` on the source or on any block or long-form connection
 * downstream of it; with none, MQ_PACED_LATENCY_MS if a throttle downstream paces
 * it in real time; with none of these, throughput alone decides (the first term).
 * rate is the pacing throttle's rate, else the source's sample_rate. An explicit
 * items_per_buffer is never changed. (doc/architecture.md, "Buffer sizes".)
 *
 * A connection the file gives no depth (on it, or `arena: {queue_depth}`) holds at
 * most MQ_QUEUE_BYTES of its buffers, MQ_MIN_DEPTH to MQ_DEFAULT_DEPTH of them.
 *
 * The arena's pools, unless `arena: {pools}` gives them, hold what the graph's
 * queues and blocks can hold at once, so that no queue waits for a buffer another
 * holds: per connection its depth plus 4 (the consumer's current buffer and its
 * writable copy, the producer's buffer being filled and its forwarded copy), in the
 * size class of the buffers its producer makes (estimated, below), plus one tap's
 * depth per class, small buffers for messages and tag lists, and MQ_SPARE_BUFS of
 * MQ_SPARE_BUF_SIZE for buffers larger than estimated.
 */
#ifndef MQG_SIZING_H
#define MQG_SIZING_H

#include <stdio.h>

#include "arena.h"
#include "graph.h"

/* Before b's parameters are checked: an "items_per_buffer: auto" of a sized
 * parameter is taken out, to be chosen. */
void sizing_take_auto(mqg_block *b);

/* After the item types are known: chooses the items per buffer of every sized
 * source the file leaves it to (b->sized says what decided). 0, or -1 with
 * "FILE:LINE:COL: message" in err: a latency_ms on a block or connection that
 * covers a source with no rate to take it at. */
int sizing_choose(mqg_graph *g, char *err, size_t len);

/* The pools for a validated graph whose file gives none. */
void sizing_pools(const mqg_graph *g, uint32_t queue_cap, int ctrl_conns, mq_layout *l);

/* The chosen sizes, one source a line, then the arena's size and pools. */
void sizing_print(FILE *f, const mqg_graph *g, const mq_layout *l, const char *indent);

/* "12.3 MiB (156 x 64 KiB, 322 x 4 KiB, 2 x 1 MiB)": an arena's size and pools. */
void sizing_arena_text(const mq_layout *l, char *out, size_t len);

/* A size in the unit that suits it: "4.2 GiB", "256 MiB", "12 KiB". */
void sizing_size_text(char *out, size_t len, uint64_t bytes);

#endif
