/* bench_util.h - what the graph benchmarks share: a clock, launching mqgraph, and
 * finding a running graph's arena. Header-only; each benchmark is one program. */
#ifndef MQ_BENCH_UTIL_H
#define MQ_BENCH_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mq.h"

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A handle on the arena of graph `name` (its shm object /mq.NAME.*), or NULL while
 * there is none. */
static inline mq_arena *bench_attach(const char *name)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    char prefix[96], shm[300] = "";
    mq_arena *a = NULL;

    snprintf(prefix, sizeof prefix, "mq.%s.", name);
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            snprintf(shm, sizeof shm, "/%s", e->d_name);
    if (d)
        closedir(d);
    if (shm[0] && mq_arena_attach(shm, &a) < 0)
        a = NULL;
    return a;
}

/* The mqgraph to run: in the build tree, MQGRAPH is libtool's wrapper script, which
 * costs a shell start-up (~40 ms) per launch that an installed mqgraph does not have;
 * the binary behind it is run directly, with the library path the wrapper would set. */
static const char *exe = MQGRAPH;

static inline void find_binary(void)
{
    static char bin[512], libs[512];
    char *slash;
    snprintf(bin, sizeof bin, "%s", MQGRAPH);
    if (!(slash = strrchr(bin, '/')))
        return;
    snprintf(slash, sizeof bin - (size_t)(slash - bin), "/.libs/mqgraph");
    if (access(bin, X_OK) != 0)
        return;
    snprintf(libs, sizeof libs, "%s/libmq/.libs", BUILDDIR);
    setenv("LD_LIBRARY_PATH", libs, 1);
    exe = bin;
}

/* mqgraph run YAML --quiet [--workers W] (W NULL: the default placement). */
static inline pid_t launch_workers(const char *yaml, int quiet, const char *workers)
{
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
        }
        if (workers)
            execl(exe, exe, "run", yaml, "--quiet", "--workers", workers, (char *)NULL);
        else
            execl(exe, exe, "run", yaml, "--quiet", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static inline pid_t launch(const char *yaml, int quiet)
{
    return launch_workers(yaml, quiet, NULL);
}

static inline int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A chain: null_source -> head -> `stages` x multiply_const -> null_sink. */
static inline void bench_write_chain(const char *path, const char *name, int stages, long long items,
                        int per_buf)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fprintf(f, "name: %s\nblocks:\n  src: {type: null_source, params: {items_per_buffer: %d}}\n",
            name, per_buf);
    fprintf(f, "  head: {type: head, params: {items: %lld}}\n", items);
    for (int i = 0; i < stages; i++)
        fprintf(f, "  m%d: {type: multiply_const, params: {k: 1.0001}}\n", i);
    fprintf(f, "  sink: {type: null_sink}\nconnections:\n  - [src.out, head.in]\n");
    for (int i = 0; i <= stages; i++) {
        char from[16], to[16];
        snprintf(from, sizeof from, i ? "m%d" : "head", i - 1);
        snprintf(to, sizeof to, i < stages ? "m%d" : "sink", i);
        fprintf(f, "  - [%s.out, %s.in]\n", from, to);
    }
    fclose(f);
}

#endif
