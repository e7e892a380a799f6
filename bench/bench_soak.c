/* bench_soak - a 64-block graph under random SIGKILLs, every block restart on-failure.
 *
 *   null_source -> head(N buffers) -> splitter(16) -> 16 x (multiply_const ->
 *   multiply_const -> multiply_const) -> merger(16) -> null_sink        (53 blocks)
 *   + 11 more: a second source -> head -> 8 x multiply_const -> null_sink (= 64)
 *
 * While it runs, a random block process (read from the arena's slot table) other
 * than the two heads is killed with SIGKILL every `interval_ms`. At the end: mqgraph's exit status (it checks that
 * every pool is full and fails the run otherwise), how many kills and restarts, the
 * buffers moved, and the supervisor's resident memory early and late (steady memory:
 * the two should match).
 *
 * `buffers` are the first source's; every one of them crosses ~80 connections (the
 * 16 branches), so 125000 of them move ~10 million buffers in all.
 * Usage: bench_soak [buffers] [interval_ms] [seed]   (defaults 125000, 200, 1)
 * Figures only; nothing is asserted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static void write_graph(const char *path, long long buffers)
{
    const char *r = "restart: {policy: on-failure, max_restarts: 1000000, backoff_ms: 10}";
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fprintf(f, "name: soak\nblocks:\n");
    fprintf(f, "  src: {type: null_source, params: {items_per_buffer: 64}, %s}\n", r);
    fprintf(f, "  head: {type: head, params: {items: %lld}, %s}\n", buffers * 64, r);
    fprintf(f, "  split: {type: splitter, params: {outputs: 16}, %s}\n", r);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 3; j++)
            fprintf(f, "  m%d_%d: {type: multiply_const, params: {k: 1}, %s}\n", i, j, r);
    fprintf(f, "  merge: {type: merger, params: {inputs: 16}, %s}\n", r);
    fprintf(f, "  sink: {type: null_sink, %s}\n", r);
    fprintf(f, "  src2: {type: null_source, params: {items_per_buffer: 64}, %s}\n", r);
    fprintf(f, "  head2: {type: head, params: {items: %lld}, %s}\n", buffers * 64 / 4, r);
    for (int j = 0; j < 8; j++)
        fprintf(f, "  c%d: {type: multiply_const, params: {k: 1}, %s}\n", j, r);
    fprintf(f, "  sink2: {type: null_sink, %s}\n", r);
    fprintf(f, "connections:\n  - [src.out, head.in]\n  - [head.out, split.in]\n");
    for (int i = 0; i < 16; i++) {
        fprintf(f, "  - [split.out%d, m%d_0.in]\n", i, i);
        fprintf(f, "  - [m%d_0.out, m%d_1.in]\n  - [m%d_1.out, m%d_2.in]\n", i, i, i, i);
        fprintf(f, "  - [m%d_2.out, merge.in%d]\n", i, i);
    }
    fprintf(f, "  - [merge.out, sink.in]\n  - [src2.out, head2.in]\n  - [head2.out, c0.in]\n");
    for (int j = 0; j < 7; j++)
        fprintf(f, "  - [c%d.out, c%d.in]\n", j, j + 1);
    fprintf(f, "  - [c7.out, sink2.in]\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    long long buffers = argc > 1 ? atoll(argv[1]) : 125000;
    int interval_ms = argc > 2 ? atoi(argv[2]) : 200;
    unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
    char dir[] = "/tmp/mq-soak-XXXXXX", path[300], out[300];
    int kills = 0, st;
    long rss_early = -1, rss_late = -1;

    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/soak.yaml", dir);
    snprintf(out, sizeof out, "%s/summary.txt", dir);
    write_graph(path, buffers);
    srand(seed);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        execl(MQGRAPH, MQGRAPH, "run", path, (char *)NULL);
        _exit(127);
    }
    mq_arena *a = NULL;
    double next_kill = t0 + interval_ms / 1000.0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        usleep(10000);
        long rss = rss_kb(pid);
        if (rss_early < 0 && now_s() - t0 > 2)
            rss_early = rss;
        rss_late = rss > 0 ? rss : rss_late;
        if (now_s() < next_kill)
            continue;
        next_kill += interval_ms / 1000.0;
        if (!a)
            a = bench_attach("soak");
        if (!a)
            continue;
        mq_slot_info si;
        /* Not the heads (blocks 1 and 54): a restarted head counts its N items from
         * zero again, so the run would never end. Everything else is fair game. */
        int victim = rand() % 64;
        if (victim == 1 || victim == 54)
            continue;
        if (mq_arena_slot_info(a, (uint32_t)victim, &si) == 0 && si.state == MQ_SLOT_ACTIVE &&
            si.pid > 0 && kill(si.pid, SIGKILL) == 0)
            kills++;
    }
    double secs = now_s() - t0;
    if (a)
        mq_arena_detach(a);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("soak     64 blocks, %lld + %lld buffers of 64 f32, a SIGKILL every %d ms: "
           "%d kills in %.1f s, exit %d%s\n",
           buffers, buffers / 4, interval_ms, kills, secs, rc,
           rc == 0 ? " (every pool full at the end)" : "");
    printf("soak     supervisor RSS: %ld kB after 2 s, %ld kB at the end\n", rss_early, rss_late);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "grep -E '^(head|head2|sink|sink2|merge) ' %s; "
                              "awk '/ -> / {n += $4} END {print \"soak     buffers moved "
                              "(pushed over all connections): \" n}' %s; "
                              "awk '/restart/ {n += $NF == \"restarts\" ? $(NF-1) : 1} "
                              "END {print \"soak     restarts in the summary: \" n+0}' %s; "
                              "rm -rf %s",
             out, out, out, dir);
    return system(cmd) == 0 ? rc : 1;
}
