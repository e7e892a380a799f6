/* bench_util.h - what the graph benchmarks share: a clock, and finding a running
 * graph's arena. Header-only; each benchmark is one program. */
#ifndef MQ_BENCH_UTIL_H
#define MQ_BENCH_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

#endif
