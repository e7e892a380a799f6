/* bench_graph - whole graphs run by mqgraph, measured against the machine itself:
 *
 *   memcpy      single-core memory copy bandwidth (the baseline), 256 MiB at a time,
 *               the best seen in 3 rounds interleaved with the chains;
 *   chain3      null_source -> head(N) -> multiply_const -> null_sink, f32 items:
 *               items/s and GB/s of the stream (launch to exit, best of 3), and the
 *               ratio to memcpy;
 *   chain8x     the same with 8 multiply_const in a row;
 *   startup     a 64-block chain: from launching mqgraph until every block has
 *               joined the arena, and from SIGINT until mqgraph has exited
 *               (stop, drain, reap, unlink); as mqgraph places its blocks, and
 *               with --workers 0 (a process each).
 *
 * Usage: bench_graph [items] [items_per_buffer]   (defaults 2^30, 16384)
 * Figures only; nothing is asserted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static double memcpy_gbps(void)
{
    size_t n = (size_t)256 << 20;
    char *a = malloc(n), *b = malloc(n);
    double best = 0;

    if (!a || !b)
        abort();
    memset(a, 1, n);
    memset(b, 2, n); /* both touched: no page faults inside the timing */
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        memcpy(r % 2 ? a : b, r % 2 ? b : a, n);
        double gbps = (double)n / (now_s() - t0) / 1e9;
        if (gbps > best)
            best = gbps;
    }
    free(a);
    free(b);
    return best;
}

/* One run of a chain graph: its wall time (launch to exit), or -1 if it failed. */
static double chain_once(const char *path)
{
    double t0 = now_s();
    int rc = reap(launch(path, 1));
    return rc ? -1 : now_s() - t0;
}

/* The chains, run in turn `rounds` times so that a slow spell of the machine hits
 * each; each figure is its best round. */
static void chains(const char *dir, long long items, int per_buf, int rounds)
{
    static const struct { const char *label; int stages; } c[] = {{"chain3", 1}, {"chain8x", 8}};
    char path[2][256];
    double best[2] = {-1, -1};

    for (int k = 0; k < 2; k++) {
        snprintf(path[k], sizeof path[k], "%s/%s.yaml", dir, c[k].label);
        bench_write_chain(path[k], c[k].label, c[k].stages, items, per_buf);
    }
    double base = 0; /* memcpy GB/s: the best seen in any round, so the ratio is the
                      * chain's best against the machine's best */
    for (int r = 0; r < rounds; r++) {
        double m = memcpy_gbps();
        base = m > base ? m : base;
        for (int k = 0; k < 2; k++) {
            double secs = chain_once(path[k]);
            if (secs > 0 && (best[k] < 0 || secs < best[k]))
                best[k] = secs;
        }
    }
    printf("memcpy   single core, 256 MiB: %.2f GB/s (best of %d rounds of 5)\n", base, rounds);
    for (int k = 0; k < 2; k++) {
        double secs = best[k], gbps = (double)items * 4 / secs / 1e9;
        if (secs < 0) {
            printf("%-8s FAILED\n", c[k].label);
            continue;
        }
        printf("%-8s %2d blocks  %lld f32 items in %.3f s (best of %d): %6.1f M items/s,"
               " %5.2f GB/s, %.2f x memcpy\n",
               c[k].label, c[k].stages + 3, items, secs, rounds, (double)items / secs / 1e6,
               gbps, gbps / base);
    }
}

/* Polls (every 1 ms, so the polling itself takes little from the blocks) until the
 * arena of graph `name` exists, `blocks` slots are active and the supervisor has
 * released them (mq_arena_start); returns the time that took, or -1 after 10 s. */
static double wait_all_joined(const char *name, int blocks, double t0)
{
    while (now_s() - t0 < 10) {
        mq_arena *a = bench_attach(name);
        if (a) {
            int active = 0;
            for (int i = 0; i < blocks; i++) { /* in the slot of its process */
                mq_slot_info si;
                mq_block_info bi;
                active += mq_registry_block_info(a, (uint32_t)i, &bi) == 0 && bi.slot >= 0 &&
                          mq_arena_slot_info(a, (uint32_t)bi.slot, &si) == 0 &&
                          si.state == MQ_SLOT_ACTIVE;
            }
            int started = mq_arena_started(a);
            mq_arena_detach(a);
            if (active == blocks && started)
                return now_s() - t0;
        }
        usleep(1000);
    }
    return -1;
}

static void startup(const char *dir, const char *workers)
{
    char path[256];
    double up_best = 1e9, down_best = 1e9, up_sum = 0, down_sum = 0;
    const int runs = 5;

    snprintf(path, sizeof path, "%s/start64.yaml", dir);
    bench_write_chain(path, "start64", 61, 1LL << 50, 1024); /* 64 blocks, runs until stopped */
    for (int r = 0; r < runs; r++) {
        double t0 = now_s();
        pid_t pid = launch_workers(path, 1, workers);
        double up = wait_all_joined("start64", 64, t0);
        double t1 = now_s();
        kill(pid, SIGINT);
        int rc = reap(pid);
        double down = now_s() - t1;
        if (up < 0 || rc != 130) {
            printf("startup  run %d failed (up %.3f, exit %d)\n", r, up, rc);
            continue;
        }
        up_sum += up, down_sum += down;
        up_best = up < up_best ? up : up_best;
        down_best = down < down_best ? down : down_best;
    }
    printf("startup  64 blocks%s: launch to all joined %.1f ms (best of %d; mean %.1f),"
           " SIGINT to exit %.1f ms (mean %.1f)\n", workers ? ", a process each" : "",
           up_best * 1e3, runs, up_sum / runs * 1e3, down_best * 1e3, down_sum / runs * 1e3);
}

int main(int argc, char **argv)
{
    long long items = argc > 1 ? atoll(argv[1]) : 1LL << 30;
    int per_buf = argc > 2 ? atoi(argv[2]) : 16384;
    char dir[] = "/tmp/mq-bench-XXXXXX";

    if (!mkdtemp(dir))
        return 1;
    find_binary();
    printf("mqgraph  %s\n", exe);
    printf("(buffers of %d f32 items)\n", per_buf);
    chains(dir, items, per_buf, 3);
    startup(dir, NULL); /* as mqgraph places them */
    startup(dir, "0");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
