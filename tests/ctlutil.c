/* ctlutil.c - driving a running graph from tests (see ctlutil.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctlutil.h"
#include "runutil.h"

void nap_ms(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL); /* between polls of a condition, each with a deadline */
}

void tcp_endpoint(char *buf, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    snprintf(buf, len, "tcp://127.0.0.1:%d", ntohs(a.sin_port));
}

void own_ctldir(void)
{
    enter_tmpdir();
    setenv("XDG_RUNTIME_DIR", dir_now(), 1);
}

/* The socket of graph `graph` run by `pid`. */
const char *sock_path(const char *graph, pid_t pid)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/mq/%s.%d.sock", dir_now(), graph, (int)pid);
    return path;
}

/* Writes NAME SFX.yaml (`body` after its name line) and runs it in the background,
 * its output in run.out / run.err; returns once its socket exists and blocks
 * 0 .. `blocks` - 1 have joined. */
pid_t start_graph(const char *name, const char *body, int blocks)
{
    char file[160], graph[128], *yaml;

    snprintf(graph, sizeof graph, "%s%s", name, SFX);
    snprintf(file, sizeof file, "%s.yaml", graph);
    if (asprintf(&yaml, "name: %s\n%s", graph, body) < 0)
        ck_abort();
    write_file(file, yaml);
    free(yaml);
    const char *args[] = {"run", file, NULL};
    pid_t pid = start_to(args, "run.out", "run.err");
    for (int i = 0; i < 5000 && access(sock_path(graph, pid), F_OK) != 0; i++)
        nap_ms(1);
    if (access(sock_path(graph, pid), F_OK) != 0) {
        char *err = read_file("run.err", NULL);
        ck_abort_msg("no control socket %s; the run said: %s", sock_path(graph, pid),
                     err ? err : "(nothing)");
    }
    ck_assert_msg(!blocks || wait_running(graph, blocks), "graph %s did not start", graph);
    return pid;
}

/* mqgraph ARGS..., output in cli.out / cli.err; the exit status. */
int cli(const char *const *args)
{
    return run_to(args, "cli.out", "cli.err");
}

char *cli_err(void)
{
    return read_file("cli.err", NULL);
}

/* mqgraph ARGS... must exit 0 and print one JSON document. */
json_t *cli_json(const char *const *args)
{
    json_error_t je;
    int rc = cli(args);
    char *err = cli_err();
    ck_assert_msg(rc == 0, "mqgraph %s: exit %d: %s", args[0], rc, err);
    free(err);
    json_t *v = json_load_file("cli.out", 0, &je);
    ck_assert_msg(v != NULL, "cli.out is not JSON: %s", je.text);
    return v;
}

json_t *status_of(const char *graph)
{
    const char *args[] = {"status", graph, "--json", NULL};
    return cli_json(args);
}

json_t *find(json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && !strcmp(v, value))
            return e;
    }
    ck_abort_msg("no entry with %s = %s", key, value);
    return NULL;
}

long long field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "field %s is not an integer", key);
    return (long long)json_integer_value(v);
}

const char *sfield(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    ck_assert_msg(v != NULL, "field %s is not a string", key);
    return v;
}

void stop_graph(const char *graph, pid_t pid)
{
    stop_graph_rc(graph, pid, 0);
}

void stop_graph_rc(const char *graph, pid_t pid, int rc)
{
    const char *args[] = {"stop", graph, NULL};
    ck_assert_int_eq(cli(args), 0);
    /* stop returns once the graph has ended: its arena and socket are gone already */
    char mine[160]; /* this run's arena: mq.GRAPH.PID.* */
    snprintf(mine, sizeof mine, "%s.%d", graph, (int)pid);
    ck_assert_int_eq(shm_count(mine), 0);
    ck_assert_int_ne(access(sock_path(graph, pid), F_OK), 0);
    ck_assert_int_eq(finish(pid), rc);
}


static void wait_count(const char *graph, const char *block, const char *key, long long items,
                       const char *verb)
{
    for (int i = 0; i < 2000; i++) {
        json_t *st = status_of(graph);
        long long n = field(find(json_object_get(st, "blocks"), "name", block), key);
        json_decref(st);
        if (n >= items)
            return;
        nap_ms(5);
    }
    ck_abort_msg("%s.%s %s fewer than %lld items", graph, block, verb, items);
}

void wait_items(const char *graph, const char *block, long long items)
{
    wait_count(graph, block, "items_out", items, "made");
}

void wait_items_in(const char *graph, const char *block, long long items)
{
    wait_count(graph, block, "items_in", items, "took");
}

json_t *set_applied(const char *graph, const char *change)
{
    const char *args[] = {"set", graph, change, "--json", NULL};
    json_t *r = cli_json(args);
    ck_assert_msg(json_is_true(json_object_get(r, "applied")), "%s was not applied", change);
    return r;
}

long long set_at(const char *graph, const char *change)
{
    json_t *r = set_applied(graph, change);
    long long at = field(r, "item");
    json_decref(r);
    return at;
}
