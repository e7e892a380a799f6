/* test_sync.c - time through the graph: sources' stamps, blocks that cut, shift,
 * filter and resample a stream, and sync_merger's policies and modes.
 *
 * The inputs come from clock_source, whose every timestamp is known from its
 * formula (blocks/clock_source.c), computed here again. The expected output of each
 * sync_merger policy is computed here by a plain offline version of the policy's
 * rule over the whole streams (doc/timestamps.md), not by the block's code. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* ---- clock_source, computed ------------------------------------------------------ */

struct clk {
    double rate, drift_ppm;
    int64_t n, jitter, gap_every, gap_len, start, seed, buffers;
};

/* One buffer of a stream: its time range and the value of its first item (item i
 * has first + i). */
struct sbuf {
    int64_t t, end;
    double first;
    int n;
};

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static struct sbuf *clock_stream(const struct clk *k)
{
    struct sbuf *b = calloc((size_t)k->buffers, sizeof *b);
    double period = 1e9 / k->rate * (1 + k->drift_ppm / 1e6);

    for (int64_t i = 0; i < k->buffers; i++) {
        int64_t j = i + (k->gap_every ? k->gap_len * (i / k->gap_every) : 0), jit = 0;
        if (k->jitter)
            jit = (int64_t)(mix((uint64_t)k->seed + (uint64_t)(j + 1) * 0x9e3779b97f4a7c15ull) %
                            (uint64_t)(2 * k->jitter + 1)) - k->jitter;
        b[i].t = k->start + llround((double)j * period) + jit;
        b[i].end = b[i].t + llround((double)(k->n - 1) * period / (double)k->n);
        b[i].first = (double)(j * k->n);
        b[i].n = (int)k->n;
    }
    return b;
}

/* The YAML of a clock_source named `name`. */
static void clock_yaml(char *out, size_t len, const char *name, const struct clk *k)
{
    snprintf(out, len,
             "  %s: {type: clock_source, params: {rate: %g, items_per_buffer: %lld, drift_ppm: %g,"
             " jitter_ns: %lld, gap_every: %lld, gap_len: %lld, start_ns: %lld, seed: %lld,"
             " buffers: %lld}}\n",
             name, k->rate, (long long)k->n, k->drift_ppm, (long long)k->jitter,
             (long long)k->gap_every, (long long)(k->gap_len ? k->gap_len : 1),
             (long long)k->start, (long long)k->seed, (long long)k->buffers);
}

/* ---- vector_sink output with timestamps ------------------------------------------ */

struct rec {
    char type[16];
    long long v, s, e;
    int range;
    double x[512];
    int n;
};

/* Reads "@ TYPE V [S E]" records, each followed by its items (one number per line,
 * or two for c32). Returns how many. */
static int read_records(const char *path, struct rec **out)
{
    char *text = read_file(path, NULL), *p = text;
    int n = 0, cap = 64;
    struct rec *r = calloc((size_t)cap, sizeof *r);

    ck_assert_msg(text != NULL, "%s is missing", path);
    while (*p == '@') {
        if (n == cap)
            r = realloc(r, (size_t)(cap *= 2) * sizeof *r);
        struct rec *c = &r[n++];
        int used = 0;
        memset(c, 0, sizeof *c);
        int got = sscanf(p, "@ %15s %lld %lld %lld%n", c->type, &c->v, &c->s, &c->e, &used);
        if (got == 4) {
            c->range = 1;
        } else {
            ck_assert_int_ge(sscanf(p, "@ %15s %lld%n", c->type, &c->v, &used), 2);
        }
        p = strchr(p + used, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
        while (*p && *p != '@') {
            char *end;
            double d = strtod(p, &end);
            ck_assert_msg(end != p, "%s: not a number: '%.20s'", path, p);
            ck_assert_int_lt(c->n, 512);
            c->x[c->n++] = d;
            p = end;
            while (*p == '\n' || *p == ' ')
                p++;
        }
    }
    ck_assert_msg(*p == 0, "%s: '%.20s'", path, p);
    free(text);
    *out = r;
    return n;
}

/* ---- running graphs ----------------------------------------------------------------- */

/* Graphs named "sy", run with the summary kept (out.txt). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("sy", yaml, 0);
}

static void graph_fails(const char *yaml, const char *why)
{
    run_yaml_fails("sy", yaml, 0, why);
}

/* Column `col` (0 buffers, 2 drops, 3 stale, 4 missed) of connection `conn`'s row
 * in the summary of the last run. */
static long long summary(const char *conn, int col)
{
    char *out = read_file("out.txt", NULL), *row = strstr(out, conn);
    long long v[5];
    ck_assert_msg(row != NULL, "no row '%s' in: %s", conn, out);
    ck_assert_int_eq(sscanf(row + strlen(conn), "%lld %lld %lld %lld %lld", &v[0], &v[1], &v[2],
                            &v[3], &v[4]), 5);
    free(out);
    return v[col];
}

/* The stale counts in the summary of the inputs a.out -> s.in0, b.out -> s.in1, ...
 * are stale[0..n). */
static void assert_stale(const long long *stale, int n)
{
    for (int i = 0; i < n; i++) {
        char conn[32];
        snprintf(conn, sizeof conn, "%c.out -> s.in%d", 'a' + i, i);
        long long got = summary(conn, 3);
        ck_assert_msg(got == stale[i], "%s: stale %lld, expected %lld", conn, got, stale[i]);
    }
}

static void assert_close(double got, double want, const char *what, int k)
{
    ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want) + 1e-9 || (isnan(got) && isnan(want)),
                  "%s %d: %.9g, expected %.9g", what, k, got, want);
}

/* ---- stamps through the graph --------------------------------------------------------- */

START_TEST(test_sources_stamp_and_blocks_move_stamps)
{
    struct rec *r;
    enter_tmpdir();
    /* relative at 1000 items/s: item k at k ms; head cuts the last range */
    graph_ok("blocks:\n"
             "  s: {type: sig_source, params: {waveform: constant, amplitude: 1, sample_rate: 1000,"
             " items_per_buffer: 10, timestamps: relative}}\n"
             "  h: {type: head, params: {items: 25}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n");
    ck_assert_int_eq(read_records("o.txt", &r), 3);
    long long want[3][3] = {{0, 0, 9000000}, {10000000, 10000000, 19000000},
                            {20000000, 20000000, 24000000}};
    for (int k = 0; k < 3; k++) {
        ck_assert_str_eq(r[k].type, "relative");
        ck_assert_int_eq(r[k].range, 1);
        ck_assert_int_eq(r[k].v, want[k][0]);
        ck_assert_int_eq(r[k].s, want[k][1]);
        ck_assert_int_eq(r[k].e, want[k][2]);
        ck_assert_int_eq(r[k].n, k < 2 ? 10 : 5);
    }
    free(r);

    /* delay 3 at 100 items/s (10 ms an item): the stamps stay with the places */
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5], items_per_buffer: 2,"
             " sample_rate: 100, timestamps: relative}}\n"
             "  d: {type: delay, params: {items: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, d.in]\n  - [d.out, o.in]\n");
    ck_assert_int_eq(read_records("o.txt", &r), 5);
    long long dv[5][2] = {{0, 10}, {20, 20}, {30, 40}, {50, 60}, {70, 70}};
    double dx[8] = {0, 0, 0, 1, 2, 3, 4, 5};
    int at = 0;
    for (int k = 0; k < 5; k++) {
        ck_assert_int_eq(r[k].s, dv[k][0] * 1000000);
        ck_assert_int_eq(r[k].e, dv[k][1] * 1000000);
        for (int i = 0; i < r[k].n; i++)
            ck_assert_double_eq(r[k].x[i], dx[at++]);
    }
    ck_assert_int_eq(at, 8);
    free(r);

    /* fir_filter, 5 taps: the group delay is 2 items (2 ms at 1000/s), decimation 3
     * keeps x[0], x[3], ..: output m of a buffer starting at item b sits at item
     * b + phase + 3m, stamped 2 ms earlier */
    graph_ok("blocks:\n"
             "  x: {type: null_source, params: {items_per_buffer: 10, sample_rate: 1000,"
             " timestamps: relative}}\n"
             "  h: {type: head, params: {items: 30}}\n"
             "  f: {type: fir_filter, params: {taps: [1, 1, 1, 1, 1], decimation: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, h.in]\n  - [h.out, f.in]\n  - [f.out, o.in]\n");
    ck_assert_int_eq(read_records("o.txt", &r), 3);
    /* outputs at items 0,3,6,9 | 12,15,18 | 21,24,27 */
    long long fs[3][3] = {{0, 9, 4}, {12, 18, 3}, {21, 27, 3}};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(r[k].s, (fs[k][0] - 2) * 1000000);
        ck_assert_int_eq(r[k].v, (fs[k][0] - 2) * 1000000);
        ck_assert_int_eq(r[k].e, (fs[k][1] - 2) * 1000000);
        ck_assert_int_eq(r[k].n, fs[k][2]);
    }
    free(r);

    /* absolute: the wall clock when made, the range at the sample rate */
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    graph_ok("blocks:\n"
             "  x: {type: noise_source, params: {items_per_buffer: 8, sample_rate: 4000,"
             " timestamps: absolute}}\n"
             "  h: {type: head, params: {items: 24}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, h.in]\n  - [h.out, o.in]\n");
    clock_gettime(CLOCK_REALTIME, &t1);
    ck_assert_int_eq(read_records("o.txt", &r), 3);
    long long lo = (long long)t0.tv_sec * 1000000000 + t0.tv_nsec;
    long long hi = (long long)t1.tv_sec * 1000000000 + t1.tv_nsec;
    for (int k = 0; k < 3; k++) {
        ck_assert_str_eq(r[k].type, "absolute");
        ck_assert_int_ge(r[k].v, lo);
        ck_assert_int_le(r[k].v, hi);
        ck_assert_int_eq(r[k].e - r[k].s, 7 * 250000);
        if (k)
            ck_assert_int_ge(r[k].v, r[k - 1].v);
    }
    free(r);

    /* none: no stamp line at all */
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [7], timestamps: none}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, o.in]\n");
    char *o = read_file("o.txt", NULL);
    ck_assert_str_eq(o, "@ none 0\n7\n");
    free(o);
}
END_TEST

/* ---- sync_merger: the policies computed offline ---------------------------------------- */

struct out {
    int64_t t, s, e; /* the stamp */
    int n;
    double x[512];
};

static void add_part(struct out *o, const struct sbuf *b)
{
    for (int i = 0; i < b->n; i++)
        o->x[o->n++] = b->first + i;
}

static void stamp_of(struct out *o, const struct sbuf *b)
{
    o->t = o->s = b->t;
    o->e = b->end;
}

/* exact, sync: the heads of all inputs; older than the latest by more than tol ->
 * dropped; all within -> one set. Ends when an input has no buffer left. */
static int ref_exact(struct sbuf **in, const int *len, int n, int64_t tol, struct out *o,
                     long long *stale)
{
    int p[16] = {0}, outs = 0;
    for (;;) {
        int64_t latest = INT64_MIN;
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] == len[i])
                return outs;
            if (in[i][p[i]].t > latest)
                latest = in[i][p[i]].t;
        }
        for (int i = 0; i < n; i++)
            if (in[i][p[i]].t < latest - tol)
                p[i]++, stale[i]++, dropped = 1;
        if (dropped)
            continue;
        memset(&o[outs], 0, sizeof o[outs]);
        stamp_of(&o[outs], &in[0][p[0]]);
        for (int i = 0; i < n; i++)
            add_part(&o[outs], &in[i][p[i]++]);
        outs++;
    }
}

/* nearest or linear, sync: for each buffer of input 0 (time T), input i's last
 * buffer at or before T (a) and first after it (b). */
static int ref_reference(struct sbuf **in, const int *len, int n, int64_t maxd, int linear,
                         struct out *o, long long *stale)
{
    static int used[16][4096];
    int outs = 0;
    int64_t T = INT64_MIN;
    memset(used, 0, sizeof used);
    for (int k = 0; k < len[0]; k++) {
        T = in[0][k].t;
        struct out w;
        int ok = 1;
        memset(&w, 0, sizeof w);
        stamp_of(&w, &in[0][k]);
        add_part(&w, &in[0][k]);
        int pick[16][2];
        for (int i = 1; i < n && ok; i++) {
            int a = -1, b = -1;
            for (int j = 0; j < len[i]; j++)
                if (in[i][j].t <= T)
                    a = j;
                else if (b < 0)
                    b = j;
            int64_t da = a >= 0 ? T - in[i][a].t : INT64_MAX, db = b >= 0 ? in[i][b].t - T : INT64_MAX;
            pick[i][0] = pick[i][1] = -1;
            if (!linear) {
                if (da <= db && da <= maxd)
                    pick[i][0] = a;
                else if (db < da && db <= maxd)
                    pick[i][0] = b;
            } else if (da == 0) {
                pick[i][0] = a;
            } else if (da <= maxd && db <= maxd) {
                pick[i][0] = a, pick[i][1] = b;
            }
            if (pick[i][0] < 0) {
                ok = 0;
                /* nothing after T and nothing close before: it ended for good */
                if (b < 0 && (a < 0 || linear || T - in[i][a].t > maxd))
                    goto end;
            }
        }
        if (!ok) {
            stale[0]++; /* a target nothing matched */
            continue;
        }
        for (int i = 1; i < n; i++) {
            const struct sbuf *A = &in[i][pick[i][0]];
            if (pick[i][1] < 0) {
                add_part(&w, A);
                used[i][pick[i][0]] = 1;
                continue;
            }
            const struct sbuf *B = &in[i][pick[i][1]];
            double f = (double)(T - A->t) / (double)(B->t - A->t);
            int items = A->n < B->n ? A->n : B->n;
            for (int j = 0; j < items; j++) {
                double va = (float)(A->first + j), vb = (float)(B->first + j);
                w.x[w.n++] = (float)(va + (vb - va) * f);
            }
            used[i][pick[i][0]] = used[i][pick[i][1]] = 1;
        }
        o[outs++] = w;
    }
end:
    /* a buffer that went into no output was dropped while aligning once the next
     * one was at or before a target (the last target looked at included) */
    for (int i = 1; i < n; i++)
        for (int j = 0; j + 1 < len[i]; j++)
            if (!used[i][j] && in[i][j + 1].t <= T)
                stale[i]++;
    return outs;
}

static void check_outputs(const char *path, const struct out *want, int n_want)
{
    struct rec *r;
    int n = read_records(path, &r);
    ck_assert_int_eq(n, n_want);
    for (int k = 0; k < n; k++) {
        ck_assert_str_eq(r[k].type, "relative");
        ck_assert_msg(r[k].v == want[k].t && r[k].s == want[k].s && r[k].e == want[k].e,
                      "output %d: @ %lld %lld %lld, expected %lld %lld %lld", k, r[k].v, r[k].s,
                      r[k].e, (long long)want[k].t, (long long)want[k].s, (long long)want[k].e);
        ck_assert_int_eq(r[k].n, want[k].n);
        for (int i = 0; i < r[k].n; i++)
            assert_close(r[k].x[i], want[k].x[i], "item", i);
    }
    free(r);
}

/* n clocks (named a, b, c..) into sync_merger inputs 0..n-1 with `merger_params`,
 * its output into o.txt. */
static void run_clocks(const struct clk *k, int n, const char *merger_params)
{
    char yaml[4096], line[400];
    size_t at = 0;
    at += (size_t)snprintf(yaml + at, sizeof yaml - at, "blocks:\n");
    for (int i = 0; i < n; i++) {
        char name[2] = {(char)('a' + i), 0};
        clock_yaml(line, sizeof line, name, &k[i]);
        at += (size_t)snprintf(yaml + at, sizeof yaml - at, "%s", line);
    }
    at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                           "  s: {type: sync_merger, params: {inputs: %d, %s}}\n"
                           "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
                           "connections:\n  - [s.out, o.in]\n", n, merger_params);
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(yaml + at, sizeof yaml - at, "  - [%c.out, s.in%d]\n", 'a' + i, i);
    graph_ok(yaml);
}

static void run_three(const struct clk *k, const char *merger_params)
{
    run_clocks(k, 3, merger_params);
}

static const struct clk three[3] = {
    {.rate = 1000, .n = 4, .jitter = 400000, .seed = 1, .buffers = 300},
    {.rate = 1000, .n = 4, .jitter = 400000, .seed = 2, .buffers = 300, .drift_ppm = 300},
    {.rate = 1000, .n = 4, .jitter = 400000, .seed = 3, .buffers = 280, .gap_every = 25,
     .gap_len = 2},
};

START_TEST(test_sync_exact_matches_offline_rule)
{
    struct sbuf *in[3];
    int len[3];
    long long stale[3] = {0};
    struct out *want = calloc(400, sizeof *want);
    for (int i = 0; i < 3; i++)
        in[i] = clock_stream(&three[i]), len[i] = (int)three[i].buffers;
    int n = ref_exact(in, len, 3, 500000, want, stale);
    enter_tmpdir();
    run_three(three, "policy: exact, tolerance: 500000");
    check_outputs("o.txt", want, n);
    /* the rule drops some: jitter spreads up to 800 us, and c has gaps */
    ck_assert_int_gt(stale[0] + stale[1] + stale[2], 20);
    assert_stale(stale, 3);
    ck_assert_int_eq(summary("s.out -> o.in", 0), n);
    for (int i = 0; i < 3; i++)
        free(in[i]);
    free(want);
}
END_TEST

START_TEST(test_sync_nearest_and_linear_at_different_rates)
{
    /* input 0 at 1000/s; input 1 at 300/s with jitter; input 2 at 2000/s drifting */
    const struct clk k[3] = {
        {.rate = 1000, .n = 4, .jitter = 100000, .seed = 7, .buffers = 200, .start = 2000000},
        {.rate = 300, .n = 4, .jitter = 300000, .seed = 8, .buffers = 70},
        {.rate = 2000, .n = 4, .drift_ppm = 500, .seed = 9, .buffers = 400, .gap_every = 50,
         .gap_len = 10},
    };
    struct sbuf *in[3];
    int len[3];
    struct out *want = calloc(400, sizeof *want);
    for (int i = 0; i < 3; i++)
        in[i] = clock_stream(&k[i]), len[i] = (int)k[i].buffers;
    enter_tmpdir();
    for (int linear = 0; linear < 2; linear++) {
        long long stale[3] = {0};
        /* linear needs both neighbours of a target within max_distance: input 1's
         * are 3.3 ms apart */
        int64_t maxd = linear ? 4000000 : 2000000;
        char params[128];
        snprintf(params, sizeof params, "policy: %s, max_distance: %lld",
                 linear ? "linear" : "nearest", (long long)maxd);
        int n = ref_reference(in, len, 3, maxd, linear, want, stale);
        run_three(k, params);
        check_outputs("o.txt", want, n);
        ck_assert_int_gt(n, 150);
        ck_assert_int_lt(n, 200); /* the gaps of input 2 lose some targets */
        /* input 0: its unmatched targets; inputs 1, 2: buffers that served none */
        assert_stale(stale, 3);
    }
    for (int i = 0; i < 3; i++)
        free(in[i]);
    free(want);
}
END_TEST

/* window, sync: windows [kW, (k+1)W) from the earliest first buffer; each input's
 * buffers in a window combine item by item; a window some input left empty is
 * dropped; after the first input ends, no window is complete again. */
enum { MEAN, SUM, LAST };
static int ref_window(struct sbuf **in, const int *len, int n, int64_t W, int agg,
                      int interleave, struct out *o, long long *stale)
{
    int p[16] = {0}, outs = 0;
    int64_t wk = INT64_MAX;
    for (int i = 0; i < n; i++) {
        int64_t k = in[i][0].t >= 0 ? in[i][0].t / W : -((-in[i][0].t + W - 1) / W);
        wk = k < wk ? k : wk;
    }
    for (;;) {
        int64_t ws = wk * W, we = ws + W;
        double acc[16][512];
        int cnt[16] = {0}, items[16] = {0}, all = 1, any = 0, gone = 0;
        for (int i = 0; i < n; i++) {
            for (; p[i] < len[i] && in[i][p[i]].t < we; p[i]++) {
                const struct sbuf *b = &in[i][p[i]];
                if (b->t < ws) {
                    stale[i]++;
                    continue;
                }
                if (cnt[i] == 0 || b->n < items[i])
                    items[i] = b->n;
                for (int j = 0; j < items[i]; j++) {
                    double v = (float)(b->first + j);
                    acc[i][j] = agg == LAST || cnt[i] == 0 ? (agg == LAST ? v : v)
                                                         : acc[i][j] + v;
                }
                cnt[i]++;
            }
            all &= cnt[i] > 0;
        }
        if (all) {
            struct out *w = &o[outs++];
            memset(w, 0, sizeof *w);
            w->t = w->s = ws;
            w->e = we - 1;
            for (int j = 0; j < items[0]; j++)
                for (int i = 0; i < n; i++)
                    if (interleave)
                        w->x[w->n++] = (float)(agg == MEAN ? acc[i][j] / cnt[i] : acc[i][j]);
            for (int i = 0; i < n && !interleave; i++)
                for (int j = 0; j < items[i]; j++)
                    w->x[w->n++] = (float)(agg == MEAN ? acc[i][j] / cnt[i] : acc[i][j]);
        } else {
            for (int i = 0; i < n; i++)
                stale[i] += cnt[i];
        }
        wk = INT64_MAX;
        for (int i = 0; i < n; i++) {
            if (p[i] == len[i]) {
                gone = 1;
                continue;
            }
            any = 1;
            int64_t t = in[i][p[i]].t, k = t >= 0 ? t / W : -((-t + W - 1) / W);
            wk = k < wk ? k : wk;
        }
        if (!any || gone)
            return outs;
    }
}

START_TEST(test_sync_window_aggregates)
{
    const struct clk k[2] = {
        {.rate = 1000, .n = 4, .jitter = 200000, .seed = 11, .buffers = 120, .start = 300000},
        {.rate = 700, .n = 4, .jitter = 200000, .seed = 12, .buffers = 80, .gap_every = 20,
         .gap_len = 6},
    };
    static const char *const aggs[3] = {"mean", "sum", "last"};
    struct sbuf *in[2];
    int len[2];
    struct out *want = calloc(100, sizeof *want);
    for (int i = 0; i < 2; i++)
        in[i] = clock_stream(&k[i]), len[i] = (int)k[i].buffers;
    enter_tmpdir();
    for (int agg = MEAN; agg <= LAST; agg++) {
        long long stale[2] = {0};
        int inter = agg == SUM;
        char params[128];
        snprintf(params, sizeof params, "policy: window, window: 5000000, aggregate: %s%s",
                 aggs[agg], inter ? ", layout: interleave" : "");
        int n = ref_window(in, len, 2, 5000000, agg, inter, want, stale);
        run_clocks(k, 2, params);
        check_outputs("o.txt", want, n);
        ck_assert_int_gt(n, 15); /* 5 ms windows over ~115 ms, less those b's gaps empty */
        ck_assert_int_lt(n, 24);
        assert_stale(stale, 2);
        ck_assert_int_gt(stale[0], 0);
    }
    for (int i = 0; i < 2; i++)
        free(in[i]);
    free(want);
}
END_TEST

/* hybrid: an input that ended is missing from the sets after its end, without a
 * wait: its part is NaN and its "missed" count says how often. */
START_TEST(test_hybrid_goes_on_without_an_ended_input)
{
    const struct clk k[3] = {
        {.rate = 1000, .n = 4, .buffers = 50},
        {.rate = 1000, .n = 4, .buffers = 20},
        {.rate = 1000, .n = 4, .buffers = 30},
    };
    struct rec *r;
    enter_tmpdir();
    run_clocks(k, 3, "policy: exact, tolerance: 100000, mode: hybrid, timeout_ms: 20000");
    ck_assert_int_eq(read_records("o.txt", &r), 50);
    for (int j = 0; j < 50; j++) {
        ck_assert_int_eq(r[j].v, j * 1000000);
        ck_assert_int_eq(r[j].n, 12);
        for (int part = 0; part < 3; part++)
            for (int i = 0; i < 4; i++) {
                double x = r[j].x[part * 4 + i];
                int gone = (part == 1 && j >= 20) || (part == 2 && j >= 30);
                if (gone)
                    ck_assert_msg(isnan(x), "set %d part %d: %g", j, part, x);
                else
                    ck_assert_double_eq(x, j * 4 + i);
            }
    }
    free(r);
    ck_assert_int_eq(summary("b.out -> s.in1", 4), 30);
    ck_assert_int_eq(summary("c.out -> s.in2", 4), 20);
    ck_assert_int_eq(summary("a.out -> s.in0", 4), 0);
}
END_TEST

/* A late input: input 1's only buffer comes 1.2 s into the run; input 0's three
 * come at once. With timeout_ms 100, hybrid emits each of input 0's sets without
 * input 1 (after 100, 200, 300 ms), then input 1's buffer alone; sync drops input
 * 0's three as stale and ends when input 0 does. (The 0.9 s between the last
 * deadline and the late buffer is the margin this timing needs.) */
START_TEST(test_late_input_waits_up_to_the_timeout)
{
    static const char *const modes[2] = {"hybrid", "sync"};
    enter_tmpdir();
    for (int m = 0; m < 2; m++) {
        char yaml[1024];
        struct rec *r;
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  a: {type: clock_source, params: {rate: 1000, items_per_buffer: 2, buffers: 3}}\n"
                 "  b: {type: clock_source, params: {rate: 1000, items_per_buffer: 2, buffers: 1,"
                 " start_ns: 1200000000, realtime: true}}\n"
                 "  s: {type: sync_merger, params: {mode: %s, timeout_ms: 100}}\n"
                 "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
                 "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out, o.in]\n",
                 modes[m]);
        graph_ok(yaml);
        int n = read_records("o.txt", &r);
        if (m == 0) {
            ck_assert_int_eq(n, 4);
            for (int j = 0; j < 3; j++) {
                ck_assert_int_eq(r[j].v, j * 1000000);
                ck_assert_double_eq(r[j].x[0], 2 * j);
                ck_assert_double_eq(r[j].x[1], 2 * j + 1);
                ck_assert(isnan(r[j].x[2]) && isnan(r[j].x[3]));
            }
            ck_assert_int_eq(r[3].v, 1200000000);
            ck_assert(isnan(r[3].x[0]) && isnan(r[3].x[1]));
            ck_assert_double_eq(r[3].x[2], 0);
            ck_assert_double_eq(r[3].x[3], 1);
            ck_assert_int_eq(summary("b.out -> s.in1", 4), 3);
            ck_assert_int_eq(summary("a.out -> s.in0", 4), 1);
        } else {
            ck_assert_int_eq(n, 0);
            ck_assert_int_eq(summary("a.out -> s.in0", 3), 3);
        }
        free(r);
    }
}
END_TEST

/* async: no alignment; every buffer passes whole, each input's order kept. */
START_TEST(test_async_passes_everything_through)
{
    const struct clk k[2] = {{.rate = 1000, .n = 4, .buffers = 40, .jitter = 500000, .seed = 3},
                             {.rate = 300, .n = 4, .buffers = 25}};
    struct rec *r;
    enter_tmpdir();
    run_clocks(k, 2, "mode: async");
    int n = read_records("o.txt", &r), next[2] = {0, 0};
    ck_assert_int_eq(n, 65);
    for (int j = 0; j < n; j++) {
        ck_assert_int_eq(r[j].n, 4);
        /* which input: a's ranges span 750 us, b's 2.5 ms */
        int which = r[j].e - r[j].s == 2500000;
        ck_assert_int_eq(r[j].e - r[j].s, which ? 2500000 : 750000);
        ck_assert_double_eq(r[j].x[0], next[which] * 4);
        next[which]++;
    }
    ck_assert_int_eq(next[0], 40);
    ck_assert_int_eq(next[1], 25);
    free(r);
}
END_TEST

START_TEST(test_sync_merger_errors)
{
    enter_tmpdir();
    graph_fails("blocks:\n"
                "  a: {type: vector_source, params: {values: [1, 2], timestamps: none}}\n"
                "  b: {type: clock_source, params: {buffers: 2}}\n"
                "  s: {type: sync_merger}\n  o: {type: null_sink}\n"
                "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out, o.in]\n",
                "input 0: a buffer without a timestamp cannot be aligned");
    graph_fails("blocks:\n"
                "  a: {type: vector_source, params: {values: [1, 2]}}\n"
                "  b: {type: clock_source, params: {buffers: 2}}\n"
                "  s: {type: sync_merger}\n  o: {type: null_sink}\n"
                "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out, o.in]\n",
                "input 0 has sample_index timestamps and input 1 relative: all inputs need the same "
                "kind");
    /* hybrid without timeout_ms is refused by validation: tests/bad/check-sync-hybrid.yaml */
    graph_fails("blocks:\n"
                "  a: {type: clock_source, params: {buffers: 2, items_per_buffer: 4}}\n"
                "  b: {type: clock_source, params: {buffers: 2, items_per_buffer: 3}}\n"
                "  s: {type: sync_merger, params: {layout: interleave}}\n  o: {type: null_sink}\n"
                "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out, o.in]\n",
                "layout interleave needs parts of equal length: input 0 gives 4 items, input 1 3");
}
END_TEST

/* resampler: L=2 with the taps of linear interpolation gives y[2i+1] = x[i] and
 * y[2i] = (x[i-1] + x[i]) / 2, output j stamped at input position (j - 1) / 2 (the
 * group delay of 3 taps is one upsampled item); L/M = 2/3 with the designed low-pass
 * keeps a constant's level, and output j sits at input position (3j - 36) / 2. */
START_TEST(test_resampler_rescales_stamps_exactly)
{
    struct rec *r;
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],"
             " items_per_buffer: 4, sample_rate: 1000, timestamps: relative}}\n"
             "  r: {type: resampler, params: {interpolation: 2, taps: [0.5, 1, 0.5]}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, r.in]\n  - [r.out, o.in]\n");
    int n = read_records("o.txt", &r), j = 0;
    ck_assert_int_eq(n, 3); /* one output buffer per input buffer */
    for (int k = 0; k < n; k++) {
        ck_assert_int_eq(r[k].s, (j - 1) * 500000);
        ck_assert_int_eq(r[k].e, (j + r[k].n - 2) * 500000);
        for (int i = 0; i < r[k].n; i++, j++) {
            double xi = j / 2 + 1, prev = j / 2 > 0 ? j / 2 : 0;
            ck_assert_double_eq(r[k].x[i], j % 2 ? xi : (prev + xi) / 2);
        }
    }
    ck_assert_int_eq(j, 20);
    free(r);

    static const char *const kinds[2] = {"relative", "sample_index"};
    for (int kind = 0; kind < 2; kind++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  x: {type: sig_source, params: {waveform: constant, amplitude: 1,"
                 " sample_rate: 1000, items_per_buffer: 10, timestamps: %s}}\n"
                 "  h: {type: head, params: {items: 100}}\n"
                 "  r: {type: resampler, params: {interpolation: 2, decimation: 3}}\n"
                 "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
                 "connections:\n  - [x.out, h.in]\n  - [h.out, r.in]\n  - [r.out, o.in]\n",
                 kinds[kind]);
        graph_ok(yaml);
        n = read_records("o.txt", &r);
        ck_assert_int_eq(n, 10);
        j = 0;
        for (int k = 0; k < n; k++) {
            /* input buffer k ends with item 10k + 9: outputs up to (2 (10k+9) + 1) / 3 */
            ck_assert_int_eq(j + r[k].n, (20 * k + 19) / 3 + 1);
            if (kind == 0) {
                ck_assert_int_eq(r[k].s, (3 * j - 36) * 500000);
                ck_assert_int_eq(r[k].e, (3 * (j + r[k].n - 1) - 36) * 500000);
            } else {
                ck_assert_str_eq(r[k].type, "sample");
                ck_assert_int_eq(r[k].v, j);
            }
            for (int i = 0; i < r[k].n; i++, j++)
                if (j >= 24) /* the filter's whole length is past the start */
                    ck_assert_msg(fabs(r[k].x[i] - 1) < 0.005, "y[%d] = %g", j, r[k].x[i]);
        }
        ck_assert_int_eq(j, 67);
        free(r);
    }
}
END_TEST

/* graphs/sync_merge3.yaml: every output record against the exact rule over the
 * three clocks the graph describes, doubled. */
START_TEST(test_sync_merge3_graph)
{
    const struct clk k[3] = {
        {.rate = 1000, .n = 8, .jitter = 300000, .seed = 1, .buffers = 1000},
        {.rate = 1000, .n = 8, .jitter = 300000, .seed = 2, .buffers = 1000, .drift_ppm = 200},
        {.rate = 1000, .n = 8, .jitter = 300000, .seed = 3, .buffers = 1000, .gap_every = 100,
         .gap_len = 3},
    };
    struct sbuf *in[3];
    int len[3];
    long long stale[3] = {0};
    struct out *want = calloc(1000, sizeof *want);
    for (int i = 0; i < 3; i++)
        in[i] = clock_stream(&k[i]), len[i] = 1000;
    int n = ref_exact(in, len, 3, 1000000, want, stale);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < want[j].n; i++)
            want[j].x[i] *= 2;
    enter_tmpdir();
    const char *args[] = {"run", copy_example("sync_merge3"), NULL};
    ck_assert_int_eq(run(args), 0);
    check_outputs("sync_merge3.txt", want, n);
    /* c's gaps (3 slots every 100 buffers) leave 9 sets of 3 incomplete */
    ck_assert_int_eq(n, 973);
    ck_assert_int_eq(stale[0], 27);
    assert_stale(stale, 3);
    ck_assert_int_eq(shm_count("sync_merge3" SFX), 0);
    for (int i = 0; i < 3; i++)
        free(in[i]);
    free(want);
}
END_TEST

/* graphs/overflow.yaml: a source 10x faster than its sink through each overflow
 * policy. Exact: block loses nothing; what arrives plus what was dropped is what
 * was sent; order holds; drop_newest never drops the first 4 (the queue's depth),
 * drop_oldest never the last 4. A bound: the source is done in about 100 ms, in
 * which the sink takes about 10, so at least half are dropped. */
START_TEST(test_overflow_policies_with_a_fast_source)
{
    static const char *const pol[3] = {"block", "drop_newest", "drop_oldest"};
    static const char *const conn[3] = {"src_block.out -> slow_block.in",
                                        "src_newest.out -> slow_newest.in",
                                        "src_oldest.out -> slow_oldest.in"};
    enter_tmpdir();
    const char *args[] = {"run", copy_example("overflow"), NULL};
    ck_assert_int_eq(run(args), 0);
    for (int k = 0; k < 3; k++) {
        char path[64];
        size_t n;
        snprintf(path, sizeof path, "overflow-%s.txt", pol[k]);
        double *v = read_numbers(path, &n);
        long long drops = summary(conn[k], 2);
        ck_assert_int_eq((long long)n + drops, 100);
        for (size_t i = 1; i < n; i++)
            ck_assert_double_gt(v[i], v[i - 1]);
        if (k == 0) {
            ck_assert_int_eq(drops, 0);
            for (size_t i = 0; i < n; i++)
                ck_assert_double_eq(v[i], (double)i);
        } else {
            ck_assert_int_ge(drops, 50);
            for (int i = 0; i < 4; i++)
                ck_assert_double_eq(k == 1 ? v[i] : v[n - 4 + (size_t)i],
                                    k == 1 ? i : 96 + i);
        }
        free(v);
    }
    ck_assert_int_eq(shm_count("overflow" SFX), 0);
}
END_TEST

/* The work calls of block `block` of graph `name` so far, and the pid running it. */
static uint64_t block_progress(const char *name, uint32_t block, pid_t *pid)
{
    char shm[300];
    mq_arena *a;
    mq_block_info bi;
    mq_slot_info si;
    uint64_t calls = 0;

    *pid = 0;
    if (!arena_name(name, shm, sizeof shm) || mq_arena_attach(shm, &a) < 0)
        return 0;
    if (mq_registry_block_info(a, block, &bi) == 0 && bi.slot >= 0 &&
        mq_arena_slot_info(a, (uint32_t)bi.slot, &si) == 0 && si.state == MQ_SLOT_ACTIVE) {
        calls = bi.work_calls;
        *pid = si.pid;
    }
    mq_arena_detach(a);
    return calls;
}

/* sync_merger (nearest) holds taken buffers across work calls; SIGKILLed five times
 * while it runs, it is restarted each time, what it held is reclaimed, and when the
 * graph is stopped every buffer is back in its pool (mqgraph fails the run if not). */
START_TEST(test_sync_merger_killed_while_holding_buffers)
{
    enter_tmpdir();
    write_file("sk" SFX ".yaml",
               "blocks:\n"
               "  a: {type: clock_source, params: {rate: 1000, items_per_buffer: 16}}\n"
               "  b: {type: clock_source, params: {rate: 300, items_per_buffer: 16, jitter_ns: 300000}}\n"
               "  c: {type: clock_source, params: {rate: 2000, items_per_buffer: 16}}\n"
               "  s: {type: sync_merger, params: {inputs: 3, policy: nearest,"
               " max_distance: 2000000},\n"
               "      restart: {policy: on-failure, max_restarts: 10, backoff_ms: 1}}\n"
               "  o: {type: null_sink}\n"
               "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [c.out, s.in2]\n"
               "  - [s.out, o.in]\n");
    const char *args[] = {"run", "sk" SFX ".yaml", NULL};
    pid_t pid = start(args);
    ck_assert(wait_running("sk" SFX, 5));
    for (int kill_no = 0; kill_no < 5; kill_no++) {
        pid_t victim = 0, last = 0;
        uint64_t calls = 0;
        /* until a process that has done 200 work calls runs it (polling with a
         * bound: 20 s) */
        for (int tries = 0; tries < 20000 && calls < 200; tries++) {
            struct timespec ts = {0, 1000000};
            calls = block_progress("sk" SFX, 3, &victim);
            if (victim != last)
                calls = 0, last = victim; /* a new process: its counts start over */
            nanosleep(&ts, NULL);
        }
        ck_assert_msg(victim > 0 && calls >= 200, "kill %d: merger not running", kill_no);
        ck_assert_int_eq(kill(victim, SIGKILL), 0);
        /* wait for the restart: another pid in the slot */
        pid_t now = victim;
        for (int tries = 0; tries < 20000 && (now == victim || now == 0); tries++) {
            struct timespec ts = {0, 1000000};
            block_progress("sk" SFX, 3, &now);
            nanosleep(&ts, NULL);
        }
        ck_assert_msg(now != victim && now > 0, "kill %d: no restart", kill_no);
    }
    kill(pid, SIGINT);
    int rc = finish(pid);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(rc == 130, "exit %d: %s", rc, err);
    ck_assert_ptr_null(strstr(err, "did not come back"));
    ck_assert_ptr_nonnull(strstr(err, "block 's' (sync_merger, pid"));
    free(err);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "done, 5 restarts"));
    free(out);
    ck_assert_int_eq(shm_count("sk" SFX), 0);
}
END_TEST

Suite *sync_suite(void);
Suite *sync_suite(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("sync");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_sources_stamp_and_blocks_move_stamps);
    tcase_add_test(tc, test_sync_exact_matches_offline_rule);
    tcase_add_test(tc, test_sync_nearest_and_linear_at_different_rates);
    tcase_add_test(tc, test_sync_window_aggregates);
    tcase_add_test(tc, test_hybrid_goes_on_without_an_ended_input);
    tcase_add_test(tc, test_late_input_waits_up_to_the_timeout);
    tcase_add_test(tc, test_async_passes_everything_through);
    tcase_add_test(tc, test_sync_merger_errors);
    tcase_add_test(tc, test_resampler_rescales_stamps_exactly);
    tcase_add_test(tc, test_sync_merge3_graph);
    tcase_add_test(tc, test_overflow_policies_with_a_fast_source);
    tcase_add_test(tc, test_sync_merger_killed_while_holding_buffers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(sync_suite());
}
