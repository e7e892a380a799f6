/* status.h - what a running graph reports about itself: `info` (a line of `mqgraph
 * list`) and `status` (every block, connection, pool and tap, with rates), as JSON
 * built from the supervisor's records and the arena's statistics. The schema is in
 * doc/control.md.
 *
 * Rates come from two samples one second apart (status_sample, on the supervisor's
 * tick), so they describe the last whole second; in the first second of a run they
 * are averages since the start.
 */
#ifndef MQG_STATUS_H
#define MQG_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "arena.h"

struct sup;

json_t *status_info(struct sup *s);
json_t *status_json(struct sup *s);
/* The status document as text, built at most once per STATUS_REUSE_MS: clients
 * that poll together share it (a hundred `top`s cost one build, not a hundred;
 * the rates only change once a second anyway). NULL when out of memory. */
#define STATUS_REUSE_MS 20
const char *status_text(struct sup *s, size_t *len);

/* The status as one JSON line on f (run --stats), flushed. */
void status_line(struct sup *s, FILE *f);

/* Takes a sample (the previous one becomes the base of the rates). */
void status_sample(struct sup *s);
/* The fewest free buffers of each pool, sampled at every heartbeat check. */
void status_pool_low(struct sup *s);

/* An event for each connection carrying messages that dropped some since the
 * last look (on the supervisor's tick). */
void status_dropped(struct sup *s);

/* The two ends of registry connection k, as status names them: "block.port", or
 * "mqgraph" for the supervisor's, or the tap's. */
void status_conn_name(const struct sup *s, int k, char *from, char *to, size_t len);

/* Loss l on registry connection k in items: its bytes in the consumer's item
 * size, or its messages. */
uint64_t status_lost_items(const struct sup *s, int k, const mq_conn_loss *l);

int status_init(struct sup *s);
void status_free(struct sup *s);

#endif
