/* bench_sync - the cost of alignment: three clock_sources of B buffers each into
 * sync_merger (each policy) or into a plain merger, then a null_sink, all run by
 * mqgraph. Both consume the same 3B input buffers; the merger forwards them
 * (zero-copy), sync_merger aligns them and copies each set into one output buffer.
 * Printed: input buffers per second for each, aligned sets per second, and the
 * ratio sync_merger / merger (time of the merger run over the sync run). Best of
 * 3 runs each, interleaved, so both see the same machine.
 *
 * Usage: bench_sync [buffers_per_input] [items_per_buffer]  (defaults 200000, 64)
 * Figures only; nothing is asserted. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static void write_graph(const char *path, const char *merger, long long buffers, int items)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fprintf(f, "name: bench_sync\nblocks:\n");
    for (int i = 0; i < 3; i++)
        fprintf(f, "  c%d: {type: clock_source, params: {rate: 1000, items_per_buffer: %d,"
                   " jitter_ns: 200000, seed: %d, buffers: %lld}}\n",
                i, items, i + 1, buffers);
    fprintf(f, "  m: {type: %s}\n  o: {type: null_sink}\nconnections:\n", merger);
    for (int i = 0; i < 3; i++)
        fprintf(f, "  - [c%d.out, m.in%d]\n", i, i);
    fprintf(f, "  - [m.out, o.in]\n");
    fclose(f);
}

static double run_once(const char *path)
{
    double t0 = now_s();
    int rc = reap(launch(path, 1));
    if (rc != 0) {
        fprintf(stderr, "bench_sync: mqgraph run %s: exit %d\n", path, rc);
        exit(1);
    }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    long long buffers = argc > 1 ? atoll(argv[1]) : 200000;
    int items = argc > 2 ? atoi(argv[2]) : 64;
    static const char *const kinds[] = {
        "merger, params: {inputs: 3}",
        "sync_merger, params: {inputs: 3, policy: exact, tolerance: 500000}",
        "sync_merger, params: {inputs: 3, policy: nearest, max_distance: 1000000}",
        "sync_merger, params: {inputs: 3, policy: linear, max_distance: 1000000}",
        "sync_merger, params: {inputs: 3, policy: window, window: 1000000}",
    };
    static const char *const label[] = {"merger", "exact", "nearest", "linear", "window"};
    enum { K = sizeof kinds / sizeof kinds[0] };
    char dir[] = "/tmp/bench_sync.XXXXXX", path[K][300];
    double best[K];

    if (!mkdtemp(dir))
        abort();
    find_binary();
    for (int k = 0; k < K; k++) {
        snprintf(path[k], sizeof path[k], "%s/g%d.yaml", dir, k);
        write_graph(path[k], kinds[k], buffers, items);
        best[k] = 1e30;
    }
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < K; k++) {
            double s = run_once(path[k]);
            best[k] = s < best[k] ? s : best[k];
        }
    printf("3 inputs x %lld buffers of %d f32 items (best of 3 runs, launch to exit)\n", buffers,
           items);
    for (int k = 0; k < K; k++)
        printf("%-8s %.3f s: %6.2f M input buffers/s, %6.2f M sets/s, %.2f x merger\n", label[k],
               best[k], 3.0 * (double)buffers / best[k] / 1e6, (double)buffers / best[k] / 1e6,
               best[0] / best[k]);
    for (int k = 0; k < K; k++)
        unlink(path[k]);
    rmdir(dir);
    return 0;
}
