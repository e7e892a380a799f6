/* bench_control - what the control plane costs the data path, and how fast it
 * answers:
 *
 *   chain3 alone      null_source -> multiply_const -> null_sink, one endless run,
 *                     items/s into the sink over 1 s windows (the baseline);
 *   with clients      a window while 100 clients poll `status` every second (100
 *                     `mqgraph top`s), one while they poll every 100 ms, one while
 *                     one client asks back to back;
 *   with a tap        a window with a tap attached to multiply_const's output that
 *                     never reads (its queue fills and drops its oldest);
 *   status latency    1000 `status` requests on one connection to a 64-block graph,
 *                     idle and streaming: p50, p99 and the slowest, in ms.
 *
 * Every loaded window sits between two windows without the load, and its ratio is
 * to their mean: the machine's speed moves by tens of percent from run to run,
 * much less from one second to the next. Medians and ranges over the rounds.
 * Figures only; nothing is asserted. Usage: bench_control [rounds] (default 5). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_util.h"

#define CLIENTS 100

static char ctldir[256];

static int connect_to(const char *path);

/* The socket of graph `name` run by `pid`, once it answers (10 s at most: the
 * file exists a moment before the supervisor listens). */
static int graph_socket(const char *name, pid_t pid, char *path, size_t len)
{
    snprintf(path, len, "%s/mq/%s.%d.sock", ctldir, name, (int)pid);
    for (int i = 0; i < 10000; i++) {
        int fd = connect_to(path);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        usleep(1000);
    }
    return -1;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* One request and its reply line; 0, or -1 when the graph went away. */
static int ask(int fd, const char *req)
{
    char buf[65536];
    size_t len = strlen(req);

    if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
        return -1;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return -1;
        if (memchr(buf, '\n', (size_t)n))
            return 0;
    }
}

struct poller {
    pthread_t th;
    const char *path;
    int interval_ms; /* 0: back to back */
    atomic_int *stop;
    long replies;
};

static void *poll_status(void *arg)
{
    struct poller *p = arg;
    int fd = connect_to(p->path);

    while (fd >= 0 && !atomic_load(p->stop)) {
        if (ask(fd, "{\"cmd\":\"status\"}\n") < 0)
            break;
        p->replies++;
        if (p->interval_ms)
            usleep((useconds_t)p->interval_ms * 1000);
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

enum { ALONE, EVERY_1S, EVERY_100MS, FLOOD, TAP, N_MODES };
static const char *const mode_name[N_MODES] = {
    "alone", "100 clients, status every 1 s", "100 clients, status every 100 ms",
    "1 client, status back to back", "a tap that never reads"};

/* What mode `m` puts on the graph at socket `path`, started. */
struct load {
    struct poller p[CLIENTS];
    atomic_int stop;
    int n, tap;
};

static void load_start(struct load *l, int m, const char *path)
{
    l->n = m == EVERY_1S || m == EVERY_100MS ? CLIENTS : m == FLOOD ? 1 : 0;
    l->tap = -1;
    atomic_store(&l->stop, 0);
    for (int i = 0; i < l->n; i++) {
        l->p[i] = (struct poller){.path = path, .stop = &l->stop, .interval_ms =
                                      m == EVERY_1S ? 1000 : m == EVERY_100MS ? 100 : 0};
        pthread_create(&l->p[i].th, NULL, poll_status, &l->p[i]);
    }
    if (m == TAP && (l->tap = connect_to(path)) >= 0)
        ask(l->tap, "{\"cmd\":\"tap\",\"block\":\"m0\",\"port\":\"out\"}\n");
}

/* Stops the load; the status replies it got. */
static long load_stop(struct load *l)
{
    long replies = 0;
    atomic_store(&l->stop, 1);
    for (int i = 0; i < l->n; i++) {
        pthread_join(l->p[i].th, NULL);
        replies += l->p[i].replies;
    }
    if (l->tap >= 0)
        close(l->tap);
    return replies;
}

/* Items the sink of graph `a` has taken so far. */
static uint64_t sink_items(mq_arena *a, int sink)
{
    mq_block_info bi;
    return mq_registry_block_info(a, (uint32_t)sink, &bi) == 0 ? bi.items_in : 0;
}
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 1000 status requests to a 64-block chain, one at a time: one that streams as
 * fast as it can (every CPU busy: the reply waits for the supervisor, and then
 * the asker, to be scheduled) or one held to 1000 items/s by a throttle (what the
 * supervisor's own work costs). */
static void status_latency(const char *dir, int streaming)
{
    char yaml[300], path[512];
    double t[1000];
    int n = 0;

    snprintf(yaml, sizeof yaml, "%s/lat64.yaml", dir);
    bench_write_chain(yaml, "lat64", 61, 1LL << 50, 16384);
    if (!streaming) { /* m0 becomes a throttle */
        char cmd[700];
        snprintf(cmd, sizeof cmd,
                 "sed -i 's/m0: {type: multiply_const, params: {k: 1.0001}}/m0: {type: "
                 "throttle, params: {rate: 1000}}/' %s",
                 yaml);
        if (system(cmd) != 0)
            return;
    }
    pid_t pid = launch(yaml, 1);
    int fd = graph_socket("lat64", pid, path, sizeof path) == 0 ? connect_to(path) : -1;
    usleep(500000); /* every block up and streaming */
    for (; fd >= 0 && n < 1000; n++) {
        double t0 = now_s();
        /* with an id, every reply is a document built for it (status_text shares
         * one between requests 20 ms apart, which would measure nothing) */
        if (ask(fd, "{\"cmd\":\"status\",\"id\":1}\n") < 0)
            break;
        t[n] = (now_s() - t0) * 1e3;
    }
    if (fd >= 0)
        close(fd);
    kill(pid, SIGINT);
    reap(pid);
    if (n < 1000) {
        printf("status latency: FAILED after %d requests\n", n);
        return;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("status of a 64-block graph, %s, 1000 requests on one connection: "
           "p50 %.2f ms, p99 %.2f ms, slowest %.2f ms\n",
           streaming ? "streaming on every CPU" : "idle (throttled to 1000 items/s)",
           t[n / 2], t[n * 99 / 100], t[n - 1]);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    char dir[] = "/tmp/mq-bench-ctl-XXXXXX", yaml[300];
    long replies[N_MODES] = {0};

    if (!mkdtemp(dir))
        return 1;
    snprintf(ctldir, sizeof ctldir, "%s", dir);
    setenv("XDG_RUNTIME_DIR", dir, 1); /* sockets of their own, nobody else's */
    find_binary();
    snprintf(yaml, sizeof yaml, "%s/chain3.yaml", dir);
    /* One endless chain, its rate measured over windows of `win` seconds: each
     * loaded window between two alone ones, so both see the machine as it is then
     * (its speed moves by tens of percent between runs, with where the host
     * places the vCPUs). A ratio is the loaded window's rate to the mean of its
     * neighbours; medians and ranges over the rounds. */
    const double win = 1.0;
    double ratio[N_MODES][16], rate[16];
    if (rounds > 16)
        rounds = 16;
    bench_write_chain(yaml, "chain3", 1, 1LL << 50, 16384);
    pid_t pid = launch(yaml, 1);
    char path[512];
    mq_arena *a = NULL;
    if (graph_socket("chain3", pid, path, sizeof path) < 0)
        return 1;
    for (int i = 0; i < 1000 && !(a = bench_attach("chain3")); i++)
        usleep(1000);
    if (!a)
        return 1;
    int sink = mq_registry_find_block(a, "sink");
    usleep(300000); /* running */
    double prev = -1;
    for (int r = 0; r < rounds; r++)
        for (int m = 0; m < N_MODES; m++) {
            struct load l;
            if (m != ALONE)
                load_start(&l, m, path);
            usleep(100000); /* the load under way */
            uint64_t n0 = sink_items(a, sink);
            double t0 = now_s();
            usleep((useconds_t)(win * 1e6));
            double x = (double)(sink_items(a, sink) - n0) / (now_s() - t0);
            if (m != ALONE)
                replies[m] += load_stop(&l);
            /* an alone window, after each loaded one, as its second neighbour */
            uint64_t n1 = sink_items(a, sink);
            double t1 = now_s();
            usleep((useconds_t)(win * 1e6));
            double after = (double)(sink_items(a, sink) - n1) / (now_s() - t1);
            if (m == ALONE) {
                rate[r] = x;
                ratio[m][r] = x / after;
            } else {
                ratio[m][r] = x / ((prev > 0 ? prev : after) + after) * 2;
            }
            prev = after;
        }
    mq_arena_detach(a);
    kill(pid, SIGINT);
    reap(pid);
    qsort(rate, (size_t)rounds, sizeof *rate, cmp_double);
    printf("mqgraph  %s\n", exe);
    printf("chain3: null_source -> multiply_const -> null_sink, 16384 f32 items a buffer, "
           "one run; each load for %.0f s between two %.0f s windows without it, %d rounds\n",
           win, win, rounds);
    printf("  %-34s %7.0f M items/s (%.0f-%.0f)\n", mode_name[ALONE], rate[rounds / 2] / 1e6,
           rate[0] / 1e6, rate[rounds - 1] / 1e6);
    for (int m = 1; m < N_MODES; m++) {
        qsort(ratio[m], (size_t)rounds, sizeof ratio[m][0], cmp_double);
        printf("  %-34s %.3f x the windows beside it (%.3f-%.3f)", mode_name[m],
               ratio[m][rounds / 2], ratio[m][0], ratio[m][rounds - 1]);
        if (replies[m])
            printf("  %ld status replies", replies[m]);
        printf("\n");
    }
    status_latency(dir, 0);
    status_latency(dir, 1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
