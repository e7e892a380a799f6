/* ctlutil.h - driving a running graph from tests: a graph started in the
 * background with its own control directory, mqgraph's control commands run
 * against it, and their JSON replies picked apart. */
#ifndef MQ_TESTS_CTLUTIL_H
#define MQ_TESTS_CTLUTIL_H

#include <jansson.h>
#include <sys/types.h>

void nap_ms(int ms); /* between polls of a condition, each with a deadline */
/* "tcp://127.0.0.1:PORT" with a port free now: bound by the kernel's choice and
 * let go, for a ZeroMQ endpoint. */
void tcp_endpoint(char *buf, size_t len);

/* A fresh temporary directory that is also this test's control directory
 * (XDG_RUNTIME_DIR), so no other test's graph is seen. */
void own_ctldir(void);

/* The control socket of graph `graph` run by `pid` (static). */
const char *sock_path(const char *graph, pid_t pid);

/* Writes NAME SFX.yaml (`body` after its name line) and runs it in the
 * background, its output in run.out / run.err; returns once its socket exists
 * and blocks 0 .. `blocks` - 1 have joined. */
pid_t start_graph(const char *name, const char *body, int blocks);

/* mqgraph ARGS..., output in cli.out / cli.err; the exit status. */
int cli(const char *const *args);
char *cli_err(void);
/* mqgraph ARGS... must exit 0 and print one JSON document. */
json_t *cli_json(const char *const *args);
json_t *status_of(const char *graph);

/* The entry of `list` whose `key` is `value` (the test fails if there is none). */
json_t *find(json_t *list, const char *key, const char *value);
long long field(json_t *o, const char *key);
const char *sfield(json_t *o, const char *key);

/* Stops graph `graph` with `mqgraph stop`: when stop returns, the graph's arena
 * and socket must be gone already, and its run must exit 0. */
void stop_graph(const char *graph, pid_t pid);
/* Waits (bounded, polling status) until block `block` of graph `graph` has made
 * (items_out) at least `items` items; wait_items_in: taken (items_in). */
void wait_items(const char *graph, const char *block, long long items);
void wait_items_in(const char *graph, const char *block, long long items);
/* `mqgraph set GRAPH CHANGE --json`, which must be applied: the reply, and the
 * item the change holds from. */
json_t *set_applied(const char *graph, const char *change);
long long set_at(const char *graph, const char *change);
/* The same, and its run must exit `rc` (3: it lost data in a restart). */
void stop_graph_rc(const char *graph, pid_t pid, int rc);

#endif
