/* test_control.c - a running graph seen and steered through its control socket:
 * list, status, stop and events from the command line, and the socket itself
 * against clients that misbehave (garbage, huge lines, half-sent requests, clients
 * that never read, another user, a hundred at once).
 *
 * Every test gives mqgraph a control directory of its own (XDG_RUNTIME_DIR in the
 * test's temporary directory), so graphs of other tests never show up in its list.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctlutil.h"
#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* ---- helpers ----------------------------------------------------------------------- */

/* A file of /proc (whose size reads as 0), NUL-terminated. */
static char *proc_file(const char *path)
{
    char *buf = calloc(1, 4096);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, 4095);
    close(fd);
    ck_assert_int_gt(n, 0);
    return buf;
}

static int raw_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    ck_assert_int_ge(fd, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void raw_send(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = send(fd, text + done, len - done, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        done += (size_t)n;
    }
}

/* One line from fd within 10 s (NULL at EOF), malloc'd, without its newline. */
static char *raw_line(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ck_assert_msg(poll(&p, 1, 10000) == 1, "no reply within 10 s");
        ssize_t n = recv(fd, buf + len, 1, 0);
        if (n <= 0) {
            free(buf);
            return NULL;
        }
        if (buf[len] == '\n') {
            buf[len] = 0;
            return buf;
        }
        if (++len == cap)
            buf = realloc(buf, cap *= 2);
    }
}

/* What is left until the supervisor closes the connection: 1 if it does within
 * 10 s. */
static int raw_eof(int fd)
{
    char c;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) != 1)
            return 0;
        ssize_t n = recv(fd, &c, 1, 0);
        if (n <= 0)
            return 1;
    }
}

/* A graph that runs until stopped: a source held back by a throttle. */
static const char *endless =
    "blocks:\n"
    "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
    "  thr: {type: throttle, params: {rate: 2000}}\n"
    "  out: {type: null_sink}\n"
    "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n";

/* ---- list, status, stop -------------------------------------------------------------- */

START_TEST(test_status_counts_exactly_after_a_head_drained)
{
    own_ctldir();
    /* A head-bounded branch drains while an endless one keeps the graph up. */
    pid_t pid = start_graph("st",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {items_per_buffer: 1000}}\n"
                            "  head: {type: head, params: {items: 10000}}\n"
                            "  amp: {type: multiply_const, params: {k: 3}}\n"
                            "  sink: {type: null_sink}\n"
                            "  idle: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 1000}}\n"
                            "  isink: {type: null_sink}\n"
                            "connections:\n"
                            "  - [src.out, head.in]\n  - [head.out, amp.in]\n"
                            "  - [amp.out, sink.in]\n"
                            "  - [idle.out, thr.in]\n  - [thr.out, isink.in]\n",
                            0);
    json_t *st = NULL;
    for (int i = 0; i < 1000; i++) {
        json_decref(st);
        st = status_of("st" SFX);
        json_t *b = json_object_get(st, "blocks");
        if (!strcmp(sfield(find(b, "name", "sink"), "state"), "finished") &&
            !strcmp(sfield(find(b, "name", "head"), "state"), "finished") &&
            !strcmp(sfield(find(b, "name", "amp"), "state"), "finished"))
            break;
        nap_ms(10);
    }
    ck_assert_str_eq(sfield(st, "name"), "st" SFX);
    ck_assert_int_eq(field(st, "pid"), pid);
    ck_assert_str_eq(sfield(st, "state"), "running");
    ck_assert_int_eq(field(st, "n_blocks"), 7);
    json_t *blocks = json_object_get(st, "blocks"), *conns = json_object_get(st, "connections");
    ck_assert_uint_eq(json_array_size(blocks), 7);
    /* The graph's 5, then the supervisor's into the cmd inputs of the three blocks
     * with live parameters (src, amp, thr). */
    ck_assert_uint_eq(json_array_size(conns), 8);
    ck_assert_str_eq(sfield(find(conns, "to", "amp.cmd"), "from"), "mqgraph");
    ck_assert_str_eq(sfield(find(conns, "to", "src.cmd"), "policy"), "drop_newest");
    json_t *head = find(blocks, "name", "head"), *amp = find(blocks, "name", "amp");
    json_t *sink = find(blocks, "name", "sink");
    ck_assert_str_eq(sfield(head, "state"), "finished");
    ck_assert_str_eq(sfield(sink, "state"), "finished");
    ck_assert_str_eq(sfield(head, "type"), "head");
    ck_assert_int_eq(field(head, "items_out"), 10000);
    ck_assert_int_eq(field(amp, "items_in"), 10000);
    ck_assert_int_eq(field(amp, "items_out"), 10000);
    ck_assert_int_eq(field(amp, "work_calls"), 10);
    ck_assert_int_eq(field(sink, "items_in"), 10000);
    ck_assert_int_eq(field(amp, "restarts"), 0);
    json_t *c = find(conns, "from", "head.out");
    ck_assert_str_eq(sfield(c, "to"), "amp.in");
    ck_assert_int_eq(field(c, "buffers"), 10);
    ck_assert_int_eq(field(c, "bytes"), 40000);
    ck_assert_int_eq(field(c, "drops"), 0);
    ck_assert_int_eq(field(c, "fill"), 0);
    ck_assert_int_eq(field(c, "depth"), 64);
    ck_assert_str_eq(sfield(c, "policy"), "block");
    ck_assert_str_eq(sfield(c, "state"), "closed");
    c = find(conns, "from", "amp.out");
    ck_assert_int_eq(field(c, "buffers"), 10);
    ck_assert_int_eq(field(c, "bytes"), 40000);
    /* The endless branch is alive: its blocks have a pid and a fresh heartbeat. */
    json_t *thr = find(blocks, "name", "thr");
    ck_assert_str_eq(sfield(thr, "state"), "running");
    ck_assert_int_gt(field(thr, "pid"), 0);
    ck_assert(json_is_number(json_object_get(thr, "heartbeat_age_ms")));
    json_t *pools = json_object_get(st, "pools");
    /* sized from the graph (sizing.h): 5 queues of 64 + 4 and a tap's 16, a tag list
     * each, 3 control queues' 4 and a queue of messages; the 1 MiB spares */
    ck_assert_uint_eq(json_array_size(pools), 2);
    ck_assert_int_eq(field(json_array_get(pools, 0), "count"), 5 * 68 + 16 + 5 * 68 + 3 * 4 + 64);
    ck_assert_int_eq(field(json_array_get(pools, 1), "count"), 2);
    ck_assert_int_eq(field(json_array_get(pools, 1), "size"), 1048576);
    ck_assert_int_eq(field(json_array_get(pools, 0), "size"), 4096);
    ck_assert_int_le(field(json_array_get(pools, 0), "lowest_free"),
                     field(json_array_get(pools, 0), "count") -
                         field(json_array_get(pools, 0), "in_use"));
    json_decref(st);
    stop_graph("st" SFX, pid);
    char *out = read_file("run.out", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph st" SFX ": 7 blocks, 5 connections"));
    free(out);
}
END_TEST

START_TEST(test_status_text_and_list)
{
    own_ctldir();
    pid_t pid = start_graph("tx", endless, 3);
    const char *st[] = {"status", "tx" SFX, NULL};
    ck_assert_int_eq(cli(st), 0);
    char *out = read_file("cli.out", NULL), line[256];
    snprintf(line, sizeof line, "graph tx%s (pid %d): running", SFX, (int)pid);
    ck_assert_msg(strstr(out, line), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "src.out -> thr.in"));
    ck_assert_ptr_nonnull(strstr(out, "null_source"));
    ck_assert_ptr_nonnull(strstr(out, "lowest free"));
    free(out);
    const char *ls[] = {"list", NULL};
    ck_assert_int_eq(cli(ls), 0);
    out = read_file("cli.out", NULL);
    snprintf(line, sizeof line, "tx%s", SFX);
    ck_assert_msg(strstr(out, line) && strstr(out, "running") && strstr(out, "tx" SFX ".yaml"),
                  "%s", out);
    free(out);
    const char *lj[] = {"list", "--json", NULL};
    json_t *l = cli_json(lj);
    ck_assert_uint_eq(json_array_size(l), 1);
    ck_assert_int_eq(field(json_array_get(l, 0), "pid"), pid);
    ck_assert_int_eq(field(json_array_get(l, 0), "n_blocks"), 3);
    json_decref(l);
    stop_graph("tx" SFX, pid);
    ck_assert_int_eq(cli(ls), 0);
    out = read_file("cli.out", NULL);
    ck_assert_ptr_null(strstr(out, "tx" SFX));
    free(out);
}
END_TEST

START_TEST(test_two_graphs_of_one_name_need_name_and_pid)
{
    own_ctldir();
    pid_t a = start_graph("twin", endless, 3);
    pid_t b = start_graph("twin", endless, 3);
    const char *st[] = {"status", "twin" SFX, NULL};
    ck_assert_int_eq(cli(st), 1);
    char *err = cli_err(), want[256];
    snprintf(want, sizeof want,
             "2 running graphs go by 'twin%s'; name one exactly, or as NAME:PID: twin%s:%d "
             "twin%s:%d",
             SFX, SFX, (int)(a < b ? a : b), SFX, (int)(a < b ? b : a));
    ck_assert_msg(strstr(err, want), "%s", err);
    free(err);
    char spec[128];
    snprintf(spec, sizeof spec, "twin%s:%d", SFX, (int)b);
    json_t *s = status_of(spec);
    ck_assert_int_eq(field(s, "pid"), b);
    json_decref(s);
    const char *none[] = {"status", "nosuch", NULL};
    ck_assert_int_eq(cli(none), 1);
    err = cli_err();
    ck_assert_msg(strstr(err, "no running graph 'nosuch'"), "%s", err);
    free(err);
    const char *stop_b[] = {"stop", spec, NULL};
    ck_assert_int_eq(cli(stop_b), 0);
    ck_assert_int_eq(finish(b), 0);
    stop_graph("twin" SFX, a);
}
END_TEST

START_TEST(test_socket_of_a_killed_supervisor_is_removed)
{
    own_ctldir();
    pid_t pid = start_graph("ghost", endless, 3);
    char path[256], shm[300], mine[64];
    snprintf(path, sizeof path, "%s", sock_path("ghost" SFX, pid));
    snprintf(mine, sizeof mine, "ghost" SFX ".%d", (int)pid); /* mq.ghost.PID.*: this run's */
    ck_assert_int_eq(arena_name(mine, shm, sizeof shm), 1);
    kill(pid, SIGKILL);
    ck_assert_int_eq(finish(pid), 128 + SIGKILL);
    ck_assert_int_eq(access(path, F_OK), 0); /* nobody could remove it */
    const char *ls[] = {"list", NULL};
    ck_assert_int_eq(cli(ls), 0);
    ck_assert_int_ne(access(path, F_OK), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_ptr_null(strstr(out, "ghost"));
    free(out);
    /* Its blocks died with it (PR_SET_PDEATHSIG), and list removed its arena too
     * (test_faults has the tests of that). */
    ck_assert_int_eq(arena_name(mine, NULL, 0), 0);
}
END_TEST

START_TEST(test_block_processes_are_named_after_their_blocks)
{
    own_ctldir();
    /* thr alone, named after itself; src and out in process w, named after it */
    pid_t pid = start_graph("nm",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}, "
                            "process: w}\n"
                            "  thr: {type: throttle, params: {rate: 2000}}\n"
                            "  out: {type: null_sink, process: w}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n", 3);
    json_t *st = status_of("nm" SFX);
    long long thr = field(find(json_object_get(st, "blocks"), "name", "thr"), "pid");
    long long w = field(find(json_object_get(st, "blocks"), "name", "src"), "pid");
    ck_assert_int_eq(field(find(json_object_get(st, "blocks"), "name", "out"), "pid"), w);
    char path[64], *comm, *cmdline;
    snprintf(path, sizeof path, "/proc/%lld/comm", thr);
    comm = proc_file(path);
    ck_assert_str_eq(comm, "mq:nm" SFX ":thr\n");
    snprintf(path, sizeof path, "/proc/%lld/cmdline", thr);
    cmdline = proc_file(path);
    ck_assert_str_eq(cmdline, "mq:nm" SFX ":thr");
    free(comm);
    free(cmdline);
    snprintf(path, sizeof path, "/proc/%lld/comm", w);
    comm = proc_file(path);
    ck_assert_str_eq(comm, "mq:nm" SFX ":w\n");
    free(comm);
    /* The blocks run at the priority mqgraph was started with; the supervisor, as
     * root, five nice levels ahead of them. */
    errno = 0;
    int base = getpriority(PRIO_PROCESS, 0);
    ck_assert_int_eq(errno, 0);
    ck_assert_int_eq(getpriority(PRIO_PROCESS, (id_t)thr), base);
    if (geteuid() == 0)
        ck_assert_int_eq(getpriority(PRIO_PROCESS, (id_t)pid), base - 5);
    json_decref(st);
    stop_graph("nm" SFX, pid);
}
END_TEST

START_TEST(test_busy_counts_work_not_waiting)
{
    own_ctldir();
    /* null_source spends its life waiting for room behind a 2000 items/s throttle,
     * and the throttle sleeping: neither is busy. */
    pid_t pid = start_graph("busy", endless, 3);
    json_t *st = NULL;
    for (int i = 0; i < 500; i++) {
        json_decref(st);
        st = status_of("busy" SFX);
        if (json_number_value(json_object_get(st, "uptime_s")) > 2.2)
            break;
        nap_ms(10);
    }
    json_t *blocks = json_object_get(st, "blocks");
    ck_assert_double_lt(json_number_value(json_object_get(find(blocks, "name", "src"),
                                                          "busy_pct")),
                        10.0);
    ck_assert_double_lt(json_number_value(json_object_get(find(blocks, "name", "thr"),
                                                          "busy_pct")),
                        10.0);
    json_decref(st);
    stop_graph("busy" SFX, pid);
}
END_TEST

/* ---- top ------------------------------------------------------------------------ */

/* tmux on a server of this test's own (-L), so a user's tmux is never touched. */
static int tmux(const char *fmt, const char *arg)
{
    char cmd[1024], sub[768];
    snprintf(sub, sizeof sub, fmt, arg);
    snprintf(cmd, sizeof cmd, "tmux -L mqtest%d -f /dev/null %s", (int)getpid(), sub);
    return system(cmd);
}

START_TEST(test_top_refreshes_in_a_terminal_until_q)
{
    char cmd[512];
    own_ctldir();
    pid_t pid = start_graph("top", endless, 3);
    snprintf(cmd, sizeof cmd, "%s top top%s --interval 200", MQGRAPH, SFX);
    ck_assert_int_eq(tmux("new-session -d -s t -x 160 -y 40 '%s'", cmd), 0);
    /* Until the pane shows the throttle at its rate, 2000 items/s (1.95k to 2.05k:
     * a window of about one second). */
    double rate = 0;
    char *pane = NULL;
    for (int i = 0; i < 300 && !(rate > 1950 && rate < 2050); i++) {
        nap_ms(20);
        free(pane);
        ck_assert_int_eq(tmux("capture-pane -p -t t > %s", "pane.txt"), 0);
        pane = read_file("pane.txt", NULL);
        char *thr = strstr(pane, "\nthr "), unit = 0;
        double in;
        if (thr && sscanf(thr, "\nthr throttle %*d running %*d %*d %*s %lf%c", &in, &unit) == 2)
            rate = unit == 'k' ? in * 1000 : in;
    }
    ck_assert_msg(rate > 1950 && rate < 2050, "pane:\n%s", pane);
    ck_assert_ptr_nonnull(strstr(pane, "graph top" SFX " (pid"));
    ck_assert_ptr_nonnull(strstr(pane, "\nsrc              null_source"));
    ck_assert_ptr_nonnull(strstr(pane, "\nout              null_sink"));
    ck_assert_ptr_nonnull(strstr(pane, "(q to quit; every 200 ms)"));
    free(pane);
    ck_assert_int_eq(tmux("send-keys -t t %s", "q"), 0);
    int gone = 0;
    for (int i = 0; i < 500 && !gone; i++) {
        gone = tmux("has-session -t t 2>%s", "/dev/null") != 0;
        nap_ms(10);
    }
    ck_assert_msg(gone, "top did not end on q");
    tmux("kill-server 2>%s", "/dev/null");
    stop_graph("top" SFX, pid);
}
END_TEST

/* top with its input at its end (cron, nohup, < /dev/null) redraws at its interval,
 * not as fast as it can, and says so when the graph ends. */
START_TEST(test_top_without_a_terminal_keeps_its_interval)
{
    own_ctldir();
    pid_t pid = start_graph("ttop", endless, 3);
    const char *top[] = {"top", "ttop" SFX, "--interval", "200", NULL};
    ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin)); /* this test's own process */
    pid_t t = start_to(top, "top.out", "top.err"); /* its stdin at its end at once */
    nap_ms(1100);
    stop_graph("ttop" SFX, pid);
    ck_assert_int_eq(finish(t), 0);
    char *out = read_file("top.out", NULL);
    int draws = 0;
    for (char *p = out; (p = strstr(p, "graph ttop" SFX " (pid")); p++)
        draws++;
    ck_assert_msg(draws >= 3 && draws <= 9, "%d draws in about 1.1 s at 200 ms: %s", draws, out);
    ck_assert_ptr_nonnull(strstr(out, "mqgraph top: the graph has ended\n"));
    free(out);
}
END_TEST

/* The last event of a graph that failed says so, with the exit status. */
START_TEST(test_a_failed_graph_ends_with_a_failed_event)
{
    own_ctldir();
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    pid_t pid = start_graph("fails",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 10000}}\n"
                            "  bad: {type: fault, params: {kind: exit, at: 10000}}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, bad.in0]\n"
                            "  - [bad.out0, out.in]\n",
                            0);
    const char *ev[] = {"events", "fails" SFX, "--all", "--json", NULL};
    ck_assert_int_eq(cli(ev), 0); /* until the graph ends */
    ck_assert_int_eq(finish(pid), 1);
    char *out = read_file("cli.out", NULL);
    size_t n = strlen(out);
    ck_assert(n > 1);
    out[n - 1] = 0;
    char *last = strrchr(out, '\n');
    json_t *e = json_loads(last ? last + 1 : out, 0, NULL);
    ck_assert_str_eq(sfield(e, "event"), "graph");
    ck_assert_str_eq(sfield(e, "state"), "failed");
    ck_assert_int_eq(field(e, "exit_status"), 1);
    json_decref(e);
    free(out);
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* ---- the README's live session ----------------------------------------------------- */

START_TEST(test_the_live_example_session)
{
    own_ctldir();
    const char *file = copy_example("live");
    const char *runargs[] = {"run", file, "--stats", "stats.jsonl", NULL};
    pid_t pid = start_to(runargs, "run.out", "run.err");
    /* its own socket first: a graph named live elsewhere on the machine has an
     * arena by that name too */
    for (int i = 0; i < 5000 && access(sock_path("live" SFX, pid), F_OK) != 0; i++)
        nap_ms(1);
    ck_assert_msg(wait_running("live" SFX, 5), "live did not start");
    json_t *st = status_of("live" SFX);
    ck_assert_int_eq(field(st, "n_blocks"), 5);
    json_decref(st);
    const char *get[] = {"get", "live" SFX, "amp.k", NULL};
    ck_assert_int_eq(cli(get), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "1.0\n");
    free(out);
    const char *set[] = {"set", "live" SFX, "amp.k=0.25", NULL};
    ck_assert_int_eq(cli(set), 0);
    out = read_file("cli.out", NULL);
    ck_assert_msg(!strncmp(out, "amp.k = 0.25 (from item ", 24), "%s", out);
    free(out);
    const char *send[] = {"send", "live" SFX, "dbg.print", "\"hello\"", NULL};
    ck_assert_int_eq(cli(send), 0);
    /* amp's output is the 440 Hz tone at amplitude 0.5 * 0.25 now */
    const char *tap[] = {"tap", "live" SFX, "amp.out", "--count", "10", NULL};
    ck_assert_int_eq(cli(tap), 0);
    size_t n;
    double *v = read_numbers("cli.out", &n);
    ck_assert_uint_eq(n, 10);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_le(fabs(v[i]), 0.125 + 1e-7);
    free(v);
    /* stop waits until the graph has ended */
    const char *stop[] = {"stop", "live" SFX, NULL};
    ck_assert_int_eq(cli(stop), 0);
    ck_assert_int_eq(finish(pid), 0);
    char mine[64];
    snprintf(mine, sizeof mine, "live%s.%d", SFX, (int)pid);
    ck_assert_int_eq(shm_count(mine), 0);
    out = read_file("run.out", NULL);
    ck_assert_msg(!strncmp(out, "\"hello\"\n", 8), "%s", out);
    free(out);
    /* --stats: a line a second and one at the end, each a status document */
    char *stats = read_file("stats.jsonl", NULL), *line = stats;
    int lines = 0;
    for (char *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
        json_error_t je;
        json_t *s = json_loadb(line, (size_t)(nl - line), 0, &je);
        ck_assert_msg(s != NULL, "line %d: %s", lines, je.text);
        ck_assert_str_eq(sfield(s, "name"), "live" SFX);
        ck_assert_uint_eq(json_array_size(json_object_get(s, "blocks")), 5);
        ck_assert(json_is_real(json_object_get(s, "t")));
        json_decref(s);
    }
    ck_assert_int_ge(lines, 1);
    free(stats);
}
END_TEST

/* ---- events ----------------------------------------------------------------------- */

START_TEST(test_events_show_a_kill_and_the_restart)
{
    own_ctldir();
    pid_t pid = start_graph("ev",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 2000}, restart: on-failure}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n",
                            3);
    json_t *st = status_of("ev" SFX);
    long long victim = field(find(json_object_get(st, "blocks"), "name", "thr"), "pid");
    json_decref(st);
    kill((pid_t)victim, SIGKILL);
    /* starting, 3 started, running, died, restarting, restarted: 8 events. */
    const char *ev[] = {"events", "ev" SFX, "--all", "--json", "--count", "8", NULL};
    ck_assert_int_eq(cli(ev), 0);
    char *out = read_file("cli.out", NULL), *line = out, *nl;
    long long lost = -1;
    const char *kinds[8] = {"graph", "started", "started", "started",
                            "graph", "died",    "restarting", "restarted"};
    for (int i = 0; i < 8; i++, line = nl + 1) {
        json_error_t je;
        ck_assert_ptr_nonnull(nl = strchr(line, '\n'));
        json_t *e = json_loadb(line, (size_t)(nl - line), 0, &je);
        ck_assert_msg(e != NULL, "event %d is not JSON: %s", i, je.text);
        ck_assert_str_eq(sfield(e, "event"), kinds[i]);
        if (i >= 5) {
            ck_assert_str_eq(sfield(e, "block"), "thr");
        }
        if (i == 5) {
            ck_assert_int_eq(field(e, "pid"), victim);
            ck_assert_int_eq(field(e, "signal"), SIGKILL);
            ck_assert(json_is_true(json_object_get(e, "restart")));
            lost = field(e, "lost_buffers"); /* 1 if it died holding a buffer, else 0 */
            ck_assert(lost == 0 || lost == 1);
            json_t *where = json_object_get(e, "lost");
            ck_assert_uint_eq(json_array_size(where), (size_t)lost);
            if (lost)
                ck_assert_str_eq(sfield(json_array_get(where, 0), "from"), "src.out");
        }
        if (i == 7) {
            ck_assert_int_ne(field(e, "pid"), victim);
            ck_assert_int_eq(field(e, "restarts"), 1);
        }
        json_decref(e);
    }
    free(out);
    /* The same in text, one line each. */
    const char *evt[] = {"events", "ev" SFX, "--all", "--count", "8", NULL};
    ck_assert_int_eq(cli(evt), 0);
    out = read_file("cli.out", NULL);
    char want[128];
    snprintf(want, sizeof want, "died       thr pid=%lld signal=9", victim);
    ck_assert_msg(strstr(out, want), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "restarted  thr pid="));
    free(out);
    /* status counts the loss on the connection the buffer came in on */
    st = status_of("ev" SFX);
    json_t *conn = find(json_object_get(st, "connections"), "from", "src.out");
    ck_assert_int_eq(field(conn, "lost_buffers"), lost);
    long long items = field(conn, "lost_items"); /* of the 100 it held, what it had not used */
    ck_assert(lost ? items > 0 && items <= 100 : items == 0);
    ck_assert_int_eq(field(find(json_object_get(st, "connections"), "from", "thr.out"),
                           "lost_buffers"), 0);
    json_decref(st);
    stop_graph_rc("ev" SFX, pid, lost ? 3 : 0); /* 3: the run lost data */
}
END_TEST

/* Runs graph `name` (endless) in the background; returns once its socket, named
 * `clean`, exists. */
static pid_t start_named(const char *name, const char *clean, const char *file)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "name: '%s'\nblocks:\n  src: {type: null_source}\n"
                                "  out: {type: null_sink}\nconnections:\n  - [src.out, out.in]\n",
             name);
    write_file(file, yaml);
    const char *args[] = {"run", file, NULL};
    pid_t pid = start_to(args, "run.out", "run.err");
    for (int i = 0; i < 5000 && access(sock_path(clean, pid), F_OK) != 0; i++)
        nap_ms(1);
    ck_assert_msg(access(sock_path(clean, pid), F_OK) == 0, "no socket for %s", name);
    return pid;
}

/* Two graphs whose names clean to the same socket name: each is found by its own
 * name exactly, never the other's; the cleaned name finds both, and says so. */
START_TEST(test_graphs_are_found_by_their_exact_name)
{
    own_ctldir();
    pid_t dot = start_named("fk.cc" SFX, "fk_cc" SFX, "dot.yaml");
    pid_t sp = start_named("fk cc" SFX, "fk_cc" SFX, "sp.yaml");
    const char *st_dot[] = {"status", "fk.cc" SFX, "--json", NULL};
    json_t *st = cli_json(st_dot);
    ck_assert_str_eq(sfield(st, "name"), "fk.cc" SFX);
    ck_assert_int_eq(field(st, "pid"), dot);
    json_decref(st);
    const char *st_sp[] = {"status", "fk cc" SFX, "--json", NULL};
    st = cli_json(st_sp);
    ck_assert_str_eq(sfield(st, "name"), "fk cc" SFX);
    ck_assert_int_eq(field(st, "pid"), sp);
    json_decref(st);
    const char *both[] = {"status", "fk_cc" SFX, NULL};
    ck_assert_int_eq(cli(both), 1);
    char *err = read_file("cli.err", NULL), want[320];
    snprintf(want, sizeof want, "2 running graphs go by 'fk_cc%s'; name one exactly, or as "
             "NAME:PID: fk_cc%s:%d ('fk.cc%s') fk_cc%s:%d ('fk cc%s')", SFX, SFX, (int)dot, SFX,
             SFX, (int)sp, SFX);
    ck_assert_msg(strstr(err, want), "%s", err);
    free(err);
    const char *stop_sp[] = {"stop", "fk cc" SFX, NULL};
    ck_assert_int_eq(cli(stop_sp), 0);
    ck_assert_int_eq(finish(sp), 0);
    ck_assert_int_eq(kill(dot, 0), 0); /* the other one runs on */
    const char *stop_dot[] = {"stop", "fk.cc" SFX, NULL};
    ck_assert_int_eq(cli(stop_dot), 0);
    ck_assert_int_eq(finish(dot), 0);
}
END_TEST

/* ---- the socket against its clients ------------------------------------------------- */

START_TEST(test_bad_requests_get_error_replies)
{
    static const struct {
        const char *req, *error;
    } cases[] = {
        {"garbage", "not JSON: column"},
        {"[1, 2]", "a request is a JSON object"},
        {"{}", "a request needs \\\"cmd\\\""},
        {"{\"cmd\": 7}", "a request needs \\\"cmd\\\""},
        {"{\"cmd\": \"explode\"}", "unknown command 'explode'"},
        {"{\"cmd\": \"status\", \"verbose\": true}", "'status' takes no argument \\\"verbose\\\""},
        {"{\"cmd\": \"get\"}", "'get' needs \\\"block\\\""},
        {"{\"cmd\": \"set\", \"block\": \"x\", \"param\": \"k\"}", "'set' needs \\\"value\\\""},
        {"{\"cmd\": \"set\", \"block\": \"x\", \"param\": \"k\", \"value\": {}}",
         "a value is a number"},
        {"{\"cmd\": \"status\", \"cmd\": \"stop\"}", "not JSON"},
        {"{\"cmd\": \"events\", \"history\": 1}", "\\\"history\\\" must be true or false"},
    };
    own_ctldir();
    pid_t pid = start_graph("bad", endless, 3);
    int fd = raw_connect(sock_path("bad" SFX, pid));
    ck_assert_int_ge(fd, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw_send(fd, cases[i].req);
        raw_send(fd, "\n");
        char *r = raw_line(fd);
        ck_assert_msg(r && strstr(r, "\"ok\":false") && strstr(r, cases[i].error),
                      "%s -> %s", cases[i].req, r);
        free(r);
    }
    /* After all of them the connection still serves, and "id" comes back. */
    raw_send(fd, "{\"cmd\": \"info\", \"id\": 42}\n");
    char *r = raw_line(fd);
    ck_assert_msg(r && strstr(r, "\"ok\":true") && strstr(r, "\"id\":42"), "%s", r);
    free(r);
    close(fd);
    stop_graph("bad" SFX, pid);
}
END_TEST

START_TEST(test_a_megabyte_line_is_refused_and_closed)
{
    own_ctldir();
    pid_t pid = start_graph("big", endless, 3);
    int fd = raw_connect(sock_path("big" SFX, pid));
    char *junk = malloc(1 << 20);
    memset(junk, 'x', 1 << 20);
    junk[(1 << 20) - 1] = 0;
    /* The supervisor stops reading at 64 KiB, so the send may fail part way. */
    size_t done = 0;
    while (done < (1 << 20) - 1) {
        ssize_t n = send(fd, junk + done, (1 << 20) - 1 - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    free(junk);
    char *r = raw_line(fd);
    ck_assert_msg(r && strstr(r, "request longer than 65536 bytes"), "%s", r);
    free(r);
    ck_assert(raw_eof(fd));
    close(fd);
    json_t *st = status_of("big" SFX); /* and everyone else is still served */
    json_decref(st);
    stop_graph("big" SFX, pid);
}
END_TEST

START_TEST(test_half_sent_and_unread_clients_block_nobody)
{
    own_ctldir();
    pid_t pid = start_graph("slow", endless, 3);
    const char *path = sock_path("slow" SFX, pid);
    int half = raw_connect(path);
    raw_send(half, "{\"cmd\": \"sta");
    /* A client that asks and asks and never reads: its replies pile up until the
     * supervisor drops it. */
    int deaf = raw_connect(path);
    int sent = 0, dropped = 0;
    for (; sent < 200000 && !dropped; sent++) {
        ssize_t n = send(deaf, "{\"cmd\":\"status\"}\n", 18, MSG_NOSIGNAL);
        dropped = n < 0;
    }
    ck_assert_msg(dropped, "a client that never read was still served after %d requests", sent);
    close(deaf);
    json_t *st = status_of("slow" SFX);
    ck_assert_str_eq(sfield(st, "state"), "running");
    json_decref(st);
    raw_send(half, "tus\"}\n"); /* the rest of the half-sent request */
    char *r = raw_line(half);
    ck_assert_msg(r && strstr(r, "\"ok\":true"), "%s", r);
    free(r);
    close(half);
    stop_graph("slow" SFX, pid);
}
END_TEST

/* An events subscriber that exits without a word: the next event's write fails
 * with EPIPE, which must cost the supervisor (and the graph) nothing. Before
 * SIGPIPE was ignored, it killed the supervisor, leaving arena and socket. */
START_TEST(test_a_subscriber_that_vanishes_harms_nothing)
{
    own_ctldir();
    pid_t pid = start_graph("gone",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 2000}}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n",
                            3);
    for (int i = 0; i < 3; i++) {
        int fd = raw_connect(sock_path("gone" SFX, pid));
        raw_send(fd, "{\"cmd\": \"events\"}\n");
        char *r = raw_line(fd);
        ck_assert_msg(r && strstr(r, "\"ok\":true"), "%s", r);
        free(r);
        close(fd);
        const char *set[] = {"set", "gone" SFX, "thr.rate=3000", NULL}; /* an event */
        ck_assert_int_eq(cli(set), 0);
    }
    stop_graph("gone" SFX, pid);
}
END_TEST

START_TEST(test_a_hundred_clients_at_once)
{
    int fds[100];
    own_ctldir();
    pid_t pid = start_graph("many", endless, 3);
    for (int i = 0; i < 100; i++) {
        fds[i] = raw_connect(sock_path("many" SFX, pid));
        ck_assert_int_ge(fds[i], 0);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            raw_send(fds[i], "{\"cmd\":\"status\"}\n");
        for (int i = 0; i < 100; i++) {
            char *r = raw_line(fds[i]);
            ck_assert_msg(r && strstr(r, "\"ok\":true") && strstr(r, "\"blocks\":["), "%s", r);
            free(r);
        }
    }
    for (int i = 0; i < 100; i++)
        close(fds[i]);
    stop_graph("many" SFX, pid);
}
END_TEST

/* Connects as uid/gid 65534 (nobody) in a child; the child's exit status says what
 * happened: 0 refused as `expect` says, else 1. */
static int connect_as_nobody(const char *path, int expect_eacces)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(2);
        int fd = raw_connect(path);
        if (expect_eacces)
            _exit(fd == -EACCES ? 0 : 1);
        if (fd < 0)
            _exit(3);
        char buf[512] = "";
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        _exit(n > 0 && strstr(buf, "permission denied: this graph belongs to uid 0, "
                                   "not uid 65534")
                  ? 0
                  : 4);
    }
    int st;
    ck_assert_int_eq(waitpid(child, &st, 0), child);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(test_another_user_is_refused)
{
    ck_assert_msg(geteuid() == 0, "this test switches to uid 65534: run the suite as root");
    own_ctldir();
    pid_t pid = start_graph("priv", endless, 3);
    char dir[256], path[256];
    snprintf(dir, sizeof dir, "%s/mq", dir_now());
    snprintf(path, sizeof path, "%s", sock_path("priv" SFX, pid));
    struct stat sd, ss;
    ck_assert_int_eq(stat(dir, &sd), 0);
    ck_assert_int_eq(stat(path, &ss), 0);
    ck_assert_int_eq(sd.st_mode & 0777, 0700);
    ck_assert_int_eq(ss.st_mode & 0777, 0600);
    /* The test's directories must let nobody through to reach mq/. */
    char base[256];
    snprintf(base, sizeof base, "%s", dir_now());
    *strrchr(base, '/') = 0;
    chmod(base, 0711);
    chmod(dir_now(), 0711);
    ck_assert_int_eq(connect_as_nobody(path, 1), 0);
    /* With the directory and socket opened up, the peer check still refuses. */
    chmod(dir, 0711);
    chmod(path, 0666);
    ck_assert_int_eq(connect_as_nobody(path, 0), 0);
    chmod(dir, 0700);
    stop_graph("priv" SFX, pid);
}
END_TEST

START_TEST(test_a_shared_control_directory_is_refused)
{
    own_ctldir();
    char dir[256];
    snprintf(dir, sizeof dir, "%s/mq", dir_now());
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    chmod(dir, 0777);
    const char *ls[] = {"list", NULL};
    ck_assert_int_eq(cli(ls), 1);
    char *err = cli_err(), want[512];
    snprintf(want, sizeof want,
             "mqgraph list: %s: not a private directory of this user's (mode 0777, owner uid %d)",
             dir, (int)getuid());
    ck_assert_msg(strstr(err, want), "%s", err);
    free(err);
    /* A graph still runs, without a control socket, and says so. */
    write_file("open.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2]}}\n"
                            "  o: {type: null_sink}\nconnections:\n  - [s.out, o.in]\n");
    const char *r[] = {"run", "open.yaml", "--quiet", NULL};
    ck_assert_int_eq(cli(r), 0);
    err = cli_err();
    ck_assert_msg(strstr(err, "mqgraph: warning: no control socket: "), "%s", err);
    free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("control");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_status_counts_exactly_after_a_head_drained);
    tcase_add_test(tc, test_status_text_and_list);
    tcase_add_test(tc, test_two_graphs_of_one_name_need_name_and_pid);
    tcase_add_test(tc, test_socket_of_a_killed_supervisor_is_removed);
    tcase_add_test(tc, test_block_processes_are_named_after_their_blocks);
    tcase_add_test(tc, test_busy_counts_work_not_waiting);
    tcase_add_test(tc, test_top_refreshes_in_a_terminal_until_q);
    tcase_add_test(tc, test_the_live_example_session);
    tcase_add_test(tc, test_top_without_a_terminal_keeps_its_interval);
    tcase_add_test(tc, test_a_failed_graph_ends_with_a_failed_event);
    tcase_add_test(tc, test_events_show_a_kill_and_the_restart);
    tcase_add_test(tc, test_graphs_are_found_by_their_exact_name);
    tcase_add_test(tc, test_bad_requests_get_error_replies);
    tcase_add_test(tc, test_a_megabyte_line_is_refused_and_closed);
    tcase_add_test(tc, test_half_sent_and_unread_clients_block_nobody);
    tcase_add_test(tc, test_a_subscriber_that_vanishes_harms_nothing);
    tcase_add_test(tc, test_a_hundred_clients_at_once);
    tcase_add_test(tc, test_another_user_is_refused);
    tcase_add_test(tc, test_a_shared_control_directory_is_refused);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
