/* test_graphs.c - mqgraph end to end: example graphs checked against values computed
 * here, validation messages, failures and signals, and nothing left behind.
 *
 * Each test runs mqgraph (the build tree's, MQGRAPH) in a fresh temporary directory
 * with its stdout and stderr captured to files. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* ---- hello.yaml ---------------------------------------------------------------------- */

START_TEST(test_hello_writes_the_doubled_sine)
{
    size_t len;
    enter_tmpdir();
    const char *args[] = {"run", copy_example("hello"), NULL};
    ck_assert_int_eq(run(args), 0);
    float *x = (float *)read_file("hello.f32", &len);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(len, 480000 * sizeof(float));
    for (int n = 0; n < 480000; n++) {
        double want = 2.0 * 0.5 * sin(2 * M_PI * 440.0 * n / 48000.0);
        ck_assert_msg(fabs(x[n] - want) < 1e-6, "sample %d: %.9f, want %.9f", n, x[n], want);
    }
    free(x);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph hello" SFX ": 4 blocks, 3 connections"));
    ck_assert_ptr_nonnull(strstr(out, "head.out -> amp.in"));
    free(out);
    ck_assert_int_eq(shm_count("hello" SFX), 0);
    ck_assert_int_ne(access("hello.f32.part", F_OK), 0);
}
END_TEST

/* ---- the other example graphs ------------------------------------------------------- */

static float *read_f32(const char *path, size_t want)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    ck_assert_uint_eq(len, want * sizeof(float));
    return x;
}

static void run_example(const char *file, const char *const *extra)
{
    const char *args[12] = {"run", file, "--quiet"};
    int n = 3;
    for (int i = 0; extra && extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    int rc = run(args);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(rc == 0, "%s: exit %d: %s", file, rc, err);
    free(err);
}

START_TEST(test_fanout_gives_every_sink_the_whole_stream)
{
    size_t na, nb;
    enter_tmpdir();
    run_example(copy_example("fanout"), NULL);
    double *a = read_numbers("fanout-a.txt", &na), *b = read_numbers("fanout-b.txt", &nb);
    float *c = read_f32("fanout-c.f32", 4096), *d = read_f32("fanout-d.f32", 4096);
    ck_assert_uint_eq(na, 4096);
    ck_assert_uint_eq(nb, 4096);
    for (int i = 0; i < 4096; i++) {
        double want = i % 8 + 1;
        ck_assert_double_eq(a[i], want);
        ck_assert_double_eq(b[i], 2 * want); /* doubled on a copy ... */
        ck_assert_float_eq(c[i], (float)want); /* ... the others saw the original */
        ck_assert_float_eq(d[i], (float)want);
    }
    free(a), free(b), free(c), free(d);
    ck_assert_int_eq(shm_count("fanout" SFX), 0);
}
END_TEST

START_TEST(test_merge_keeps_each_inputs_order_and_add_sums)
{
    size_t n, ns;
    int pos = 0, neg = 0;
    enter_tmpdir();
    run_example(GRAPHS "/merge.yaml", NULL);
    double *m = read_numbers("merge.txt", &n), *s = read_numbers("sum.txt", &ns);
    ck_assert_uint_eq(n, 1500);
    for (size_t i = 0; i < n; i++) {
        if (m[i] > 0)
            ck_assert_double_eq(m[i], pos++ % 4 + 1);
        else
            ck_assert_double_eq(m[i], -(neg++ % 2 + 1));
    }
    ck_assert_int_eq(pos, 1000);
    ck_assert_int_eq(neg, 500);
    /* add: buffers of 7 and 11 items, so every call adds misaligned pieces */
    ck_assert_uint_eq(ns, 999);
    for (int i = 0; i < 999; i++)
        ck_assert_double_eq(s[i], 10 * (i % 3 + 1) + i % 5 + 1);
    free(m), free(s);
}
END_TEST

/* The taps graphs/fir_lowpass.yaml designs (GNU Radio's firdes.low_pass(1, 48000, 3000,
 * 3700, hamming), printed by GNU Radio 3.10). */
static const double lp_taps[31] = {
    -0.000647960382, -0.00144397905, -0.00270225797, -0.00444074475, -0.00619148454,
    -0.00695915901, -0.00537067609, 2.39068677e-18, 0.0102068182, 0.025522447,
    0.0451695882, 0.067288915, 0.0891803923, 0.107780639, 0.120271316, 0.124672294,
    0.120271316, 0.107780639, 0.0891803923, 0.067288915, 0.0451695882, 0.025522447,
    0.0102068182, 2.39068677e-18, -0.00537067609, -0.00695915901, -0.00619148454,
    -0.00444074475, -0.00270225797, -0.00144397905, -0.000647960382};

START_TEST(test_fir_lowpass_keeps_the_low_tone)
{
    enum { N = 48000 };
    static double x[N];
    double gain_re = 0, gain_im = 0;
    enter_tmpdir();
    run_example(GRAPHS "/fir_lowpass.yaml", NULL);
    float *y = read_f32("lowpass.f32", N);
    for (int n = 0; n < N; n++)
        x[n] = sin(2 * M_PI * 1000.0 * n / 48000) + sin(2 * M_PI * 10000.0 * n / 48000);
    for (int k = 0; k < 31; k++) {
        gain_re += lp_taps[k] * cos(2 * M_PI * 1000.0 * k / 48000);
        gain_im -= lp_taps[k] * sin(2 * M_PI * 1000.0 * k / 48000);
    }
    double gain = hypot(gain_re, gain_im), worst = 0;
    for (int n = 0; n < N; n++) {
        double want = 0;
        for (int k = 0; k < 31 && k <= n; k++)
            want += lp_taps[k] * x[n - k];
        /* f32 samples and f32 sums: within 1e-5 of the exact convolution */
        ck_assert_msg(fabs(y[n] - want) < 1e-5, "y[%d] = %.9f, want %.9f", n, y[n], want);
        if (n >= 30) { /* past the start-up: the 1 kHz tone, scaled and 15 samples late */
            double tone = gain * sin(2 * M_PI * 1000.0 * (n - 15) / 48000);
            worst = fmax(worst, fabs(y[n] - tone));
        }
    }
    ck_assert_msg(worst < 1e-3, "the 10 kHz tone leaks through: %.6f", worst);
    free(y);
}
END_TEST

START_TEST(test_chain8_is_exact)
{
    size_t n;
    static double d[10005];
    enter_tmpdir();
    run_example(GRAPHS "/chain8.yaml", NULL);
    double *y = read_numbers("chain8.txt", &n);
    ck_assert_uint_eq(n, 10005);
    for (int i = 0; i < 10005; i++)
        d[i] = i < 5 ? 0 : 4.0 * ((i - 5) % 10 + 1);
    for (int i = 0; i < 10005; i++)
        ck_assert_double_eq(y[i], -(0.5 * d[i] + (i ? 0.5 * d[i - 1] : 0)));
    free(y);
}
END_TEST

START_TEST(test_file_round_trip_is_byte_exact)
{
    enum { N = 100003 }; /* not a multiple of the 1000-item buffers */
    static int16_t data[N];
    size_t len;
    FILE *f;
    enter_tmpdir();
    for (int i = 0; i < N; i++)
        data[i] = (int16_t)(i * 7919 + (i >> 3));
    ck_assert_ptr_nonnull(f = fopen("in.i16", "wb"));
    ck_assert_uint_eq(fwrite(data, 2, N, f), N);
    fclose(f);
    const char *set[] = {"--set", "in=in.i16", "--set", "out=out.i16", NULL};
    run_example(GRAPHS "/file_roundtrip.yaml", set);
    char *out = read_file("out.i16", &len);
    ck_assert_uint_eq(len, sizeof data);
    ck_assert_int_eq(memcmp(out, data, len), 0);
    free(out);
}
END_TEST

START_TEST(test_throttled_source_takes_its_time)
{
    size_t n;
    struct timespec t0, t1;
    enter_tmpdir();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *set[] = {"--set", "rate=20000", NULL};
    run_example(GRAPHS "/throttled.yaml", set);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* 4000 items in buffers of 250 at 20000/s: the 16th buffer is due 0.2 s after
     * the first item, so the run cannot be shorter. (A lower bound only: a slow
     * machine makes it longer, never shorter.) */
    ck_assert_msg(secs >= 0.2, "4000 items at 20000/s took only %.3f s", secs);
    double *y = read_numbers("throttled.txt", &n);
    ck_assert_uint_eq(n, 4000);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(y[i] - sin(2 * M_PI * 250.0 * (double)i / 8000)) < 1e-6,
                      "item %zu: %.9f", i, y[i]);
    free(y);
}
END_TEST

/* ---- validation ----------------------------------------------------------------------- */

/* tests/bad: each NAME.yaml must be refused by validate and run alike, with exit
 * status 2, exactly the message in NAME.err, and no arena left behind. */
static char *bad_names[256];
static int n_bad;

static int is_yaml(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && !strcmp(e->d_name + n - 5, ".yaml");
}

static void list_bad(void)
{
    struct dirent **names;
    int n = scandir(BAD, &names, is_yaml, alphasort);
    for (int i = 0; i < n; i++) {
        if (n_bad < 256)
            bad_names[n_bad++] = strndup(names[i]->d_name, strlen(names[i]->d_name) - 5);
        free(names[i]);
    }
    free(names);
}

START_TEST(test_bad_graph_is_refused_with_line_and_column)
{
    char path[512], file[300], *yaml, *want;
    const char *name = bad_names[_i];
    enter_tmpdir();
    snprintf(path, sizeof path, "%s/%s.yaml", BAD, name);
    ck_assert_ptr_nonnull(yaml = read_file(path, NULL));
    snprintf(path, sizeof path, "%s/%s.err", BAD, name);
    ck_assert_msg((want = read_file(path, NULL)) != NULL, "%s.err is missing", name);
    snprintf(file, sizeof file, "%s.yaml", name);
    write_file(file, yaml);
    const char *args[] = {"validate", file, NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, want);
    free(err);
    const char *rargs[] = {"run", file, NULL};
    ck_assert_int_eq(run(rargs), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, want);
    free(err);
    ck_assert_int_eq(shm_count(name), 0);
    free(yaml);
    free(want);
}
END_TEST

/* Nesting 100,000 levels deep is refused where it passes the limit, after reading
 * 64 levels rather than all of them (libyaml's document load took a minute). */
START_TEST(test_deep_nesting_is_refused_where_it_passes_the_limit)
{
    enum { DEPTH = 100000 };
    static char yaml[2 * DEPTH + 100];
    int n = snprintf(yaml, sizeof yaml, "variables: {deep: ");
    memset(yaml + n, '[', DEPTH);
    memset(yaml + n + DEPTH, ']', DEPTH);
    snprintf(yaml + n + 2 * DEPTH, sizeof yaml - (size_t)n - 2 * DEPTH,
             "}\nblocks:\n  s: {type: null_source}\n");
    enter_tmpdir();
    write_file("deep.yaml", yaml);
    const char *args[] = {"validate", "deep.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "deep.yaml:1:81: YAML nested more than 64 levels deep "
                          "(a graph file's limit)\n");
    free(err);
}
END_TEST

/* A chain of n blocks, written to `path`: vector_source, n - 2 multiply_const,
 * null_sink. */
static void write_chain(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "blocks:\n  b0: {type: vector_source, params: {values: [1, 2, 3]}}\n");
    for (int i = 1; i < n - 1; i++)
        fprintf(f, "  b%d: {type: multiply_const, params: {k: 2}}\n", i);
    fprintf(f, "  b%d: {type: null_sink}\nconnections:\n", n - 1);
    for (int i = 0; i < n - 1; i++)
        fprintf(f, "  - [b%d.out, b%d.in]\n", i, i + 1);
    /* one buffer of 3 items flows: 2048 small buffers are plenty (the pools sized
     * for 1017 queues of 64 KiB buffers would take 1.3 GiB) */
    fprintf(f, "arena: {pools: [{size: 4096, count: 2048}]}\n");
    ck_assert_int_eq(fclose(f), 0);
}

/* The largest graph an arena holds runs: 1018 blocks, a process each (the slot id
 * in a buffer's generation has 10 bits; it had 8, and 251 blocks were refused). */
START_TEST(test_a_graph_of_the_most_blocks_runs)
{
    enter_tmpdir();
    write_chain("big.yaml", MQ_MAX_BLOCKS_IN_GRAPH);
    const char *args[] = {"run", "big.yaml", NULL};
    int rc = run(args);
    char *err = read_file("err.txt", NULL), *out = read_file("out.txt", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char want[64];
    snprintf(want, sizeof want, "\nb%d ", MQ_MAX_BLOCKS_IN_GRAPH - 1);
    const char *line = strstr(out, want);
    unsigned long long calls = 0, in = 0;
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(sscanf(line + strlen(want), " null_sink %llu %llu", &calls, &in), 2);
    ck_assert_uint_eq(in, 3);
    free(err);
    free(out);
}
END_TEST

/* The load stops at the first block or connection an arena has no room for,
 * with its line, instead of reading a 100,000-block file whole first. */
START_TEST(test_the_block_and_connection_past_the_limit_are_named)
{
    enter_tmpdir();
    write_chain("chain.yaml", 100000);
    const char *args[] = {"validate", "chain.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "chain.yaml:1020:3: block 'b1018' is one too many: at most 1018 blocks "
                          "fit in an arena\n");
    free(err);
    FILE *f = fopen("conns.yaml", "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "blocks:\n  s: {type: null_source}\n  o: {type: null_sink}\nconnections:\n");
    for (int i = 0; i < 20000; i++)
        fprintf(f, "  - [s.out, o.in]\n");
    ck_assert_int_eq(fclose(f), 0);
    const char *conns[] = {"run", "conns.yaml", NULL};
    ck_assert_int_eq(run(conns), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "conns.yaml:16385:5: connection 16381 is one too many: an arena holds "
                          "16384 connections, 4 of them for taps\n");
    free(err);
    /* mqgraph's own connections into message inputs count too */
    ck_assert_ptr_nonnull(f = fopen("ctrl.yaml", "w"));
    fprintf(f, "blocks:\n  s: {type: null_source}\n  o: {type: null_sink}\n"
               "  d: {type: message_debug}\nconnections:\n");
    for (int i = 0; i < 16380; i++)
        fprintf(f, "  - [s.out, o.in]\n");
    ck_assert_int_eq(fclose(f), 0);
    const char *ctrl[] = {"run", "ctrl.yaml", NULL};
    ck_assert_int_eq(run(ctrl), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "ctrl.yaml:16383:6: connection 16378 is one too many: an arena holds "
                          "16384 connections, and mqgraph needs 7 of them (3 into the message "
                          "inputs, 4 for taps)\n");
    free(err);
}
END_TEST

START_TEST(test_variables_and_set)
{
    size_t len;
    enter_tmpdir();
    write_file("v.yaml", "variables: {n: 100}\n"
                         "blocks:\n"
                         "  src: {type: sig_source, params: {waveform: constant, amplitude: 3}}\n"
                         "  head: {type: head, params: {items: '${n}'}}\n"
                         "  out: {type: file_sink, params: {path: v.f32}}\n"
                         "connections:\n  - [src.out, head.in]\n  - [head.out, out.in]\n");
    const char *args[] = {"run", "v.yaml", "--set", "n=2500", "--quiet", NULL};
    ck_assert_int_eq(run(args), 0);
    float *x = (float *)read_file("v.f32", &len);
    ck_assert_uint_eq(len, 2500 * 4);
    for (int i = 0; i < 2500; i++)
        ck_assert_float_eq(x[i], 3.0f);
    free(x);
    const char *bad_set[] = {"run", "v.yaml", "--set", "m=1", NULL};
    ck_assert_int_eq(run(bad_set), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "v.yaml: --set m: the graph has no variable 'm'\n");
    free(err);
}
END_TEST

/* Numbers may be expressions, worked out as the graph loads: a sig_source at a
 * quarter of the rate gives 0, 1, 0, -1 (times its amplitude), scaled by 2 pi. */
START_TEST(test_expressions_give_exact_values)
{
    size_t len;
    enter_tmpdir();
    write_file("e.yaml", "variables: {rate: 48000, n: 100, quarter: '${rate}/4'}\n"
                         "blocks:\n"
                         "  src: {type: sig_source, params: {frequency: '${quarter}',\n"
                         "                                   sample_rate: rate, amplitude: 2**-1}}\n"
                         "  head: {type: head, params: {items: '${n}*10'}}\n"
                         "  amp: {type: multiply_const, params: {k: 2*pi}}\n"
                         "  out: {type: file_sink, params: {path: e.f32}}\n"
                         "connections:\n  - [src.out, head.in]\n  - [head.out, amp.in]\n"
                         "  - [amp.out, out.in]\n");
    const char *args[] = {"run", "e.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 0);
    float *x = (float *)read_file("e.f32", &len);
    ck_assert_uint_eq(len, 1000 * sizeof(float));
    for (int n = 0; n < 1000; n++) {
        double want = 2 * M_PI * 0.5 * sin(2 * M_PI * 12000.0 * n / 48000.0);
        ck_assert_msg(fabs(x[n] - want) < 1e-6, "sample %d: %.9f, want %.9f", n, x[n], want);
    }
    free(x);
    /* a complex expression for a complex parameter: k = e^{j pi/2} = j turns
     * 1+2j into -2+1j (to float rounding: cos(pi/2) is 6e-17) */
    write_file("c.yaml", "blocks:\n"
                         "  s: {type: vector_source, params: {values: [1, 2, 3, -1], type: c32}}\n"
                         "  m: {type: multiply_const, params: {k: exp(1j*pi/2)}}\n"
                         "  o: {type: vector_sink, params: {path: c.txt}}\n"
                         "connections:\n  - [s.out, m.in]\n  - [m.out, o.in]\n");
    const char *cx[] = {"run", "c.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(cx), 0);
    char *c = read_file("c.txt", NULL);
    ck_assert_str_eq(c, "-2 1\n1 3\n");
    free(c);
    /* --set takes an expression too, and says which variable is at fault */
    const char *set[] = {"run", "e.yaml", "--quiet", "--set", "rate=2*24000", "--set", "n=5",
                         NULL};
    ck_assert_int_eq(run(set), 0);
    free(read_file("e.f32", &len));
    ck_assert_uint_eq(len, 50 * sizeof(float));
    const char *bad[] = {"validate", "e.yaml", "--set", "n=${rate}/x", NULL};
    ck_assert_int_eq(run(bad), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "e.yaml:5:38: block 'head': parameter 'items': variable 'n' (--set): "
                          "'x' is not a variable\n");
    free(err);
    /* list elements are worked out as Python would (f64, printed with 17 digits) */
    write_file("l.yaml", "variables: {n: 100, third: 1/3}\n"
                         "blocks:\n"
                         "  src:\n"
                         "    type: vector_source\n"
                         "    params:\n"
                         "      type: f64\n"
                         "      values: [1/4, '${n}/8', 2**-3, 'max(1, 2, 3)', round(2.5), -7//2,\n"
                         "               -7%3, sqrt(16), log2(8), floor(-0.5), (1+2j)*(1-2j),\n"
                         "               1e3/8, 0.1+0.2, 2*pi, '${third}*3', -2**2, 2**3**2]\n"
                         "  out: {type: vector_sink, params: {path: l.txt, type: f64}}\n"
                         "connections:\n  - [src.out, out.in]\n");
    const char *list[] = {"run", "l.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(list), 0);
    char *out = read_file("l.txt", NULL);
    ck_assert_str_eq(out, "0.25\n12.5\n0.125\n3\n2\n-4\n2\n4\n3\n-1\n5\n125\n"
                          "0.30000000000000004\n6.2831853071795862\n1\n-4\n512\n");
    free(out);
}
END_TEST

/* A c32 stream through five blocks that are not given a type, listed in the
 * opposite order to the stream: each takes its upstream's type, and the values
 * are those of the c32 arithmetic. validate --verbose shows what it inferred. */
START_TEST(test_item_types_follow_the_stream)
{
    static const char yaml[] =
        "variables: {one: 1}\n"
        "blocks:\n"
        "  out: {type: vector_sink, params: {path: c.txt}}\n"
        "  late: {type: delay, params: {items: 1}}\n"
        "  plus: {type: add_const, params: {k: '${one}'}}\n"
        "  fir: {type: fir_filter, params: {taps: [0.5, 0.5]}}\n"
        "  amp: {type: multiply_const, params: {k: '2*${one}'}}\n"
        "  src: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8], type: c32,\n"
        "                                      items_per_buffer: 3}}\n"
        "connections:\n"
        "  - [late.out, out.in]\n  - [plus.out, late.in]\n  - [fir.out, plus.in]\n"
        "  - [amp.out, fir.in]\n  - [src.out, amp.in]\n";
    enter_tmpdir();
    write_file("c.yaml", yaml);
    const char *args[] = {"run", "c.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 0);
    /* x = 1+2j, 3+4j, 5+6j, 7+8j; times 2; 0.5 (x[n] + x[n-1]); plus 1; one later */
    char *out = read_file("c.txt", NULL);
    ck_assert_str_eq(out, "0 0\n2 2\n5 6\n9 10\n13 14\n");
    free(out);
    const char *verbose[] = {"validate", "c.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(verbose), 0);
    out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, "c.yaml: ok (6 blocks, 5 connections)\n"
                          "  out.type = c32 (from late.out)\n"
                          "  late.type = c32 (from plus.out)\n"
                          "  plus.type = c32 (from fir.out)\n"
                          "  fir.type = c32 (from amp.out)\n"
                          "  amp.k = 2 (from '2*${one}')\n"
                          "  amp.type = c32 (from src.out)\n"
                          "  arena: 5.4 MiB (772 x 4 KiB, 2 x 1 MiB)\n");
    free(out);
    /* bytes connect to any type, and so decide none: head stays f32 */
    write_file("b.yaml", "blocks:\n  s: {type: null_source, params: {type: bytes}}\n"
                         "  h: {type: head, params: {items: 4}}\n  o: {type: null_sink, "
                         "params: {type: i16}}\n"
                         "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n");
    const char *bytes[] = {"validate", "b.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(bytes), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "b.yaml:7:13: item types differ: h.out is f32 but o.in is i16 (o's "
                          "type is given as i16: leave it out to follow h.out)\n");
    free(err);
    /* a vector's length follows the stream too: fft's 8-point vectors reach the
     * converter and the sink, which are given no vlen; 16 items, 2 spectra of |X|^2
     * of a constant 1: 64 at bin 0, 0 elsewhere */
    write_file("v.yaml", "blocks:\n"
                         "  s: {type: vector_source, params: {values: [1, 0], type: c32,"
                         " repeat: true}}\n"
                         "  h: {type: head, params: {items: 16}}\n"
                         "  v: {type: stream_to_vector, params: {num_items: 8}}\n"
                         "  f: {type: fft, params: {fft_size: 8}}\n"
                         "  m: {type: complex_to_mag_squared}\n"
                         "  o: {type: file_sink, params: {path: v.f32}}\n"
                         "connections:\n  - [s.out, h.in]\n  - [h.out, v.in]\n  - [v.out, f.in]\n"
                         "  - [f.out, m.in]\n  - [m.out, o.in]\n");
    const char *vl[] = {"validate", "v.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(vl), 0);
    out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, "v.yaml: ok (6 blocks, 5 connections)\n"
                          "  h.type = c32 (from s.out)\n"
                          "  v.type = c32 (from h.out)\n"
                          "  m.vlen = 8 (from f.out)\n"
                          "  o.vlen = 8 (from m.out)\n"
                          "  s.items_per_buffer = 8192 (64 KiB of 8-byte items)\n"
                          "  arena: 10 MiB (168 x 4 KiB, 116 x 64 KiB, 2 x 1 MiB)\n");
    free(out);
    const char *vr[] = {"run", "v.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(vr), 0);
    size_t vn;
    float *x = (float *)read_file("v.f32", &vn);
    ck_assert_uint_eq(vn, 16 * sizeof(float));
    for (int i = 0; i < 16; i++)
        ck_assert_msg(x[i] == (i % 8 == 0 ? 64.0f : 0.0f), "bin %d: %g", i % 8, x[i]);
    free(x);
}
END_TEST

/* mqgraph blocks: each block's whole first sentence, its doc lines joined and
 * wrapped at a word within 80 columns. */
START_TEST(test_blocks_list_shows_whole_first_sentences)
{
    enter_tmpdir();
    const char *args[] = {"blocks", NULL};
    ck_assert_int_eq(run(args), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_msg(strstr(out, "\ndelay            Delays the stream by `items` items: that many "
                              "zeros come first,\n                 then the input unchanged (no "
                              "copy).\n"),
                  "stdout: %.2000s", out);
    ck_assert_msg(strstr(out, "\nvector_source    Emits `values` in order, then finishes; with "
                              "repeat, cycles\n                 through them forever.\n"),
                  "stdout: %.2000s", out);
    ck_assert_msg(strstr(out, "\nnull_sink        Discards what it receives (the summary still "
                              "counts it).\n"),
                  "stdout: %.2000s", out);
    /* a name as wide as the column has a line of its own */
    ck_assert_msg(strstr(out, "\nfreq_xlating_fir_filter\n                 Selects a channel"),
                  "stdout: %.2000s", out);
    for (char *line = out, *nl; (nl = strchr(line, '\n')); line = nl + 1)
        ck_assert_msg(nl - line <= 80, "a line of %d: %.*s", (int)(nl - line), (int)(nl - line),
                      line);
    free(out);
}
END_TEST

/* ---- failures and signals ------------------------------------------------------------- */

START_TEST(test_failing_block_fails_the_run_and_is_named)
{
    enter_tmpdir();
    write_file("f" SFX ".yaml", "blocks:\n"
                         "  src: {type: sig_source}\n"
                         "  out: {type: file_sink, params: {path: /nonexistent/x.f32}}\n"
                         "connections:\n  - [src.out, out.in]\n");
    const char *args[] = {"run", "f" SFX ".yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 1);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "mqgraph: block 'out' (file_sink): cannot create "
                              "'/nonexistent/x.f32.part"),
                  "stderr: %s", err);
    ck_assert_msg(strstr(err, "failed with exit status 2"), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count("f" SFX), 0);
}
END_TEST

static void stop_with(int sig, int want_status)
{
    enter_tmpdir();
    pid_t pid = start_endless("s" SFX);
    kill(pid, sig);
    ck_assert_int_eq(finish(pid), want_status);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph s" SFX ": 3 blocks"));
    free(out);
    ck_assert_int_eq(shm_count("s" SFX), 0);
}

START_TEST(test_sigint_drains_and_exits_130)
{
    stop_with(SIGINT, 130);
}
END_TEST

START_TEST(test_sigterm_exits_143)
{
    stop_with(SIGTERM, 143);
}
END_TEST

/* A head on one branch of a fan-out ends the graph, as in GNU Radio: the endless
 * source finishes when its consumer does and the other branch sees the end. */
START_TEST(test_head_on_one_branch_ends_the_graph_as_gnu_radio)
{
    enter_tmpdir();
    run_yaml_ok("fa", "blocks:\n  src: {type: null_source}\n"
                      "  h: {type: head, params: {items: 1000}}\n"
                      "  a: {type: vector_sink, params: {path: a.txt}}\n"
                      "  b: {type: null_sink}\n"
                      "connections:\n  - [src.out, h.in]\n  - [h.out, a.in]\n"
                      "  - [src.out, b.in]\n", 1);
    double *a = NULL;
    size_t n = 0;
    a = read_numbers("a.txt", &n);
    ck_assert_uint_eq(n, 1000);
    free(a);
    /* A source that may be restarted (always) replays when it finishes while its
     * streams go on; once the head has ended it, its stream has ended: no more
     * lives (it had all 4, each replaying 1 2 into b, when only every consumer's
     * end counted). The back-off gives h, which needs the first buffer only, 200 ms
     * to end before a second life could start (on a loaded machine, with 1 ms, h
     * and a in a worker process sometimes ran only after it). */
    run_yaml_ok("fr", "blocks:\n"
                      "  src: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8],"
                      " items_per_buffer: 2},\n"
                      "        restart: {policy: always, max_restarts: 4, backoff_ms: 200}}\n"
                      "  h: {type: head, params: {items: 2}}\n"
                      "  a: {type: null_sink}\n"
                      "  b: {type: vector_sink, params: {path: b.txt}}\n"
                      "connections:\n  - [src.out, h.in]\n  - [h.out, a.in]\n"
                      "  - [src.out, b.in]\n", 1);
    char *b = read_file("b.txt", NULL);
    /* the first life may end before h does (then one replay of its first buffer
     * finds h gone) or after */
    ck_assert_msg(!strcmp(b, "1\n2\n3\n4\n5\n6\n7\n8\n") ||
                      !strcmp(b, "1\n2\n3\n4\n5\n6\n7\n8\n1\n2\n"),
                  "b.txt: %s", b);
    free(b);
}
END_TEST

/* finish: all keeps the other branch going: it gets the whole stream; and when it
 * is endless, the run says why the graph goes on after the head finished. */
START_TEST(test_finish_all_runs_the_other_branch_to_its_end)
{
    enter_tmpdir();
    run_yaml_ok("fl", "finish: all\n"
                      "blocks:\n  src: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6,"
                      " 7], items_per_buffer: 2}}\n"
                      "  h: {type: head, params: {items: 3}}\n"
                      "  a: {type: vector_sink, params: {path: a.txt}}\n"
                      "  b: {type: vector_sink, params: {path: b.txt}}\n"
                      "connections:\n  - [src.out, h.in]\n  - [h.out, a.in]\n"
                      "  - [src.out, b.in]\n", 1);
    char *a = read_file("a.txt", NULL), *b = read_file("b.txt", NULL);
    ck_assert_str_eq(a, "1\n2\n3\n");
    ck_assert_str_eq(b, "1\n2\n3\n4\n5\n6\n7\n");
    free(a), free(b);

    write_file("fe" SFX ".yaml", "finish: all\n"
               "blocks:\n  src: {type: null_source}\n"
               "  h: {type: head, params: {items: 3}}\n"
               "  a: {type: null_sink}\n  b: {type: null_sink}\n"
               "connections:\n  - [src.out, h.in]\n  - [h.out, a.in]\n  - [src.out, b.in]\n");
    const char *args[] = {"run", "fe" SFX ".yaml", NULL};
    pid_t pid = start(args);
    const char *want = "mqgraph: 'h' finished; 'src' runs on for its other consumers "
                       "(finish: all: the graph ends when every branch has; finish: any ends "
                       "it now, as GNU Radio does)\n";
    char *err = NULL;
    /* the note comes when h has finished; bounded, polled (the run never ends) */
    for (int i = 0; i < 2000 && !(err && strstr(err, want)); i++) {
        free(err);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
        err = read_file("err.txt", NULL);
    }
    ck_assert_msg(err && strstr(err, want), "stderr: %s", err ? err : "");
    free(err);
    kill(pid, SIGINT);
    ck_assert_int_eq(finish(pid), 130);
    ck_assert_int_eq(shm_count("fe" SFX), 0);

    write_file("fb.yaml", "finish: some\nblocks:\n  s: {type: null_source}\n"
                          "  o: {type: null_sink}\nconnections:\n  - [s.out, o.in]\n");
    const char *bad[] = {"validate", "fb.yaml", NULL};
    ck_assert_int_eq(run(bad), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "fb.yaml:1:9: finish must be 'any' (a consumer that finishes ends "
                          "its producer, as in GNU Radio) or 'all' (a producer runs on while "
                          "any consumer reads)\n");
    free(err);
}
END_TEST

/* ---- buffer sizes and the arena, chosen from the graph (mqgraph/sizing.h) ----------- */

/* A source's items per buffer when the file leaves them: 64 KiB of its items, or
 * rate x latency_ms / 1000 when a budget covers it (the arena's, the source's own, a
 * block's or a connection's downstream; the smallest), or a throttle's 10 ms; an
 * explicit value stays, "auto" is the same as none. */
START_TEST(test_buffer_sizes_follow_the_rule)
{
    enter_tmpdir();
    write_file("sz.yaml",
               "arena: {latency_ms: 20}\n"
               "blocks:\n"
               "  f: {type: null_source}\n"
               "  c: {type: null_source, params: {type: c32}}\n"
               "  u: {type: null_source, params: {type: u8}}\n"
               "  a: {type: sig_source, params: {sample_rate: 48000}}\n"
               "  b: {type: sig_source, params: {type: c32, sample_rate: 48000}, latency_ms: 5}\n"
               "  d: {type: noise_source, params: {sample_rate: 1e6}}\n"
               "  e: {type: sig_source, params: {sample_rate: 1e9}}\n"
               "  x: {type: sig_source, params: {items_per_buffer: 100, sample_rate: 48000}}\n"
               "  y: {type: null_source, params: {items_per_buffer: auto, type: u8}}\n"
               "  h: {type: head, params: {items: 10}}\n"
               "  of: {type: null_sink}\n  oc: {type: null_sink}\n  ou: {type: null_sink}\n"
               "  oa: {type: null_sink}\n  ob: {type: null_sink}\n  od: {type: null_sink}\n"
               "  oe: {type: null_sink}\n  ox: {type: null_sink}\n  oy: {type: null_sink}\n"
               "connections:\n"
               "  - [f.out, of.in]\n  - [c.out, oc.in]\n  - [u.out, ou.in]\n  - [a.out, oa.in]\n"
               "  - [b.out, ob.in]\n  - [d.out, h.in]\n"
               "  - {from: h.out, to: od.in, latency_ms: 2}\n"
               "  - [e.out, oe.in]\n  - [x.out, ox.in]\n  - [y.out, oy.in]\n");
    const char *v[] = {"validate", "sz.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(v), 0);
    char *out = read_file("out.txt", NULL);
    /* The pools: 5 connections of 64 KiB buffers, each 16 deep (1 MiB) + 4, and a
     * tap's 16; d's 8000-byte buffers (8 KiB class) on 2 connections 64 + 4 deep and
     * a tap's 16; the 4 KiB class: a's, b's and x's 3 connections (64 + 4, a tap's
     * 16), a tag list for each of the 10 connections' buffers (5 x 20 + 5 x 68), 5
     * control queues x 4 and 64 for the supervisor's messages; 2 spare MiB. */
    ck_assert_str_eq(out, "sz.yaml: ok (19 blocks, 10 connections)\n"
                          "  oc.type = c32 (from c.out)\n"
                          "  ou.type = u8 (from u.out)\n"
                          "  ob.type = c32 (from b.out)\n"
                          "  oy.type = u8 (from y.out)\n"
                          "  f.items_per_buffer = 16384 (64 KiB of 4-byte items)\n"
                          "  c.items_per_buffer = 8192 (64 KiB of 8-byte items)\n"
                          "  u.items_per_buffer = 65536 (64 KiB of 1-byte items)\n"
                          "  a.items_per_buffer = 960 (3.8 KiB: 48000 Hz x 20 ms, arena "
                          "latency_ms)\n"
                          "  b.items_per_buffer = 240 (1.9 KiB: 48000 Hz x 5 ms, latency_ms of "
                          "block 'b')\n"
                          "  d.items_per_buffer = 2000 (7.8 KiB: 1e+06 Hz x 2 ms, latency_ms of "
                          "h.out -> od.in)\n"
                          "  e.items_per_buffer = 16384 (64 KiB of 4-byte items)\n"
                          "  y.items_per_buffer = 65536 (64 KiB of 1-byte items)\n"
                          "  arena: 14 MiB (744 x 4 KiB, 152 x 8 KiB, 116 x 64 KiB, 2 x 1 MiB)\n");
    free(out);
    /* A throttle paces its sources at its rate: 10 ms of it. Without a budget or a
     * throttle, a 48 kHz source fills 64 KiB buffers. */
    write_file("thr.yaml", "blocks:\n"
                           "  t: {type: null_source}\n"
                           "  thr: {type: throttle, params: {rate: 8000}}\n"
                           "  s: {type: sig_source, params: {sample_rate: 48000}}\n"
                           "  ot: {type: null_sink}\n  os: {type: null_sink}\n"
                           "connections:\n  - [t.out, thr.in]\n  - [thr.out, ot.in]\n"
                           "  - [s.out, os.in]\n");
    const char *t[] = {"validate", "thr.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(t), 0);
    out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, "thr.yaml: ok (5 blocks, 3 connections)\n"
                          "  t.items_per_buffer = 80 (320 bytes: 8000 Hz x 10 ms, paced by "
                          "throttle 'thr')\n"
                          "  s.items_per_buffer = 16384 (64 KiB of 4-byte items)\n"
                          "  arena: 6.1 MiB (380 x 4 KiB, 36 x 64 KiB, 2 x 1 MiB)\n");
    free(out);
}
END_TEST

/* The run uses what was chosen: 4800 items of a 48 kHz source under a 20 ms budget
 * come in 5 buffers of 960, and the summary says the size and the arena. */
START_TEST(test_a_latency_budget_makes_the_buffers)
{
    enter_tmpdir();
    write_file("lat" SFX ".yaml",
               "arena: {latency_ms: 20}\n"
               "blocks:\n  s: {type: sig_source, params: {sample_rate: 48000}}\n"
               "  h: {type: head, params: {items: 4800}}\n  o: {type: null_sink}\n"
               "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n");
    const char *args[] = {"run", "lat" SFX ".yaml", NULL};
    ck_assert_int_eq(run(args), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_msg(strstr(out, " 2 connections, ") &&
                      strstr(strchr(out, '\n'), "\n  s.items_per_buffer = 960 (3.8 KiB: 48000 Hz "
                                                "x 20 ms, arena latency_ms)\n  arena: "),
                  "%s", out);
    const char *row = strstr(out, "\nh.out -> o.in ");
    ck_assert_msg(row != NULL, "%s", out);
    unsigned long long bufs = 0, bytes = 0;
    ck_assert_int_eq(sscanf(row + 15, " %llu %llu", &bufs, &bytes), 2);
    ck_assert_uint_eq(bufs, 5);
    ck_assert_uint_eq(bytes, 4800 * 4);
    free(out);
    ck_assert_int_eq(shm_count("lat" SFX), 0);
}
END_TEST

/* hello.yaml's arena, exactly: 3 connections of 64 KiB buffers, 16 deep (1 MiB of
 * them) + 4 each, and a tap's 16 = 76 x 64 KiB; 60 tag lists, 2 control queues x 4
 * and 64 supervisor messages = 132 x 4 KiB; 2 spare 1 MiB buffers (it was 164 MiB of
 * fixed pools). validate --verbose and the run's summary say the same. */
START_TEST(test_the_arena_is_sized_from_the_graph)
{
    static const char *sized = "  src.items_per_buffer = 16384 (64 KiB of 4-byte items)\n"
                               "  arena: 7.6 MiB (132 x 4 KiB, 76 x 64 KiB, 2 x 1 MiB)\n";
    char want[512];
    enter_tmpdir();
    const char *file = copy_example("hello");
    const char *v[] = {"validate", file, "--verbose", NULL};
    ck_assert_int_eq(run(v), 0);
    snprintf(want, sizeof want, "%s: ok (4 blocks, 3 connections)\n%s", file, sized);
    char *out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, want);
    free(out);
    const char *r[] = {"run", file, NULL};
    ck_assert_int_eq(run(r), 0);
    out = read_file("out.txt", NULL);
    /* after the first line, and the worker processes' if the run placed any */
    const char *second = strchr(out, '\n');
    if (second && strstr(second, " processes: ") == strchr(second + 1, ' '))
        second = strchr(second + 1, '\n');
    ck_assert_msg(second && !strncmp(second + 1, sized, strlen(sized)), "%s", out);
    /* the first row after them: each connection 16 deep */
    ck_assert_msg(strstr(out, "\nsrc.out -> head.in "), "%s", out);
    ck_assert_msg(strstr(strstr(out, "\nsrc.out -> head.in "), "    16  block "), "%s", out);
    free(out);
}
END_TEST

/* A fan-out of 16 (the most), each branch a copy (multiply_const writes into a
 * shared buffer's copy) and a sink: it runs to its end in the pools sized for it
 * (33 connections x 20 + 16 = 676 x 64 KiB), every sink gets every item, nothing
 * stands still, and every buffer is back in its pool at the end (else the run
 * says "did not come back" and fails). */
START_TEST(test_a_wide_fan_out_runs_in_its_sized_arena)
{
    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml, "name: fan" SFX "\nblocks:\n"
                     "  src: {type: null_source}\n  h: {type: head, params: {items: 1000000}}\n");
    for (int i = 0; i < 16; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  m%d: {type: multiply_const, params: "
                      "{k: 2}}\n  o%d: {type: null_sink}\n", i, i);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "connections:\n  - [src.out, h.in]\n");
    for (int i = 0; i < 16; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - [h.out, m%d.in]\n"
                      "  - [m%d.out, o%d.in]\n", i, i, i);
    enter_tmpdir();
    write_file("fan.yaml", yaml);
    const char *args[] = {"run", "fan.yaml", NULL};
    ck_assert_int_eq(run(args), 0);
    char *out = read_file("out.txt", NULL), *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "");
    ck_assert_msg(strstr(out, "\n  arena: 49 MiB (788 x 4 KiB, 676 x 64 KiB, 2 x 1 MiB)\n"), "%s",
                  out);
    for (int i = 0; i < 16; i++) {
        char row[32];
        unsigned long long calls, in;
        snprintf(row, sizeof row, "\no%d ", i);
        const char *at = strstr(out, row);
        ck_assert_ptr_nonnull(at);
        ck_assert_int_eq(sscanf(at + strlen(row), " null_sink %llu %llu", &calls, &in), 2);
        ck_assert_uint_eq(in, 1000000);
    }
    free(out);
    free(err);
    ck_assert_int_eq(shm_count("fan" SFX), 0);
}
END_TEST

/* A graph whose queues hold every buffer of a pool stands still: the supervisor
 * says so (once, after 3 s of no movement), with the queues that hold them and
 * what to change. Pools sized from the graph hold every queue full, so this needs
 * pools and depths of the file's own: c32 buffers of 16384 items (128 KiB) come from 128 1-MiB
 * buffers; the sink waits for a reader of its FIFO that never comes, so its queue
 * fills (64) and the source's fills with the rest, whatever the blocks' speeds. */
START_TEST(test_a_pool_taken_whole_by_the_queues_is_named)
{
    enter_tmpdir();
    write_file("dl" SFX ".yaml",
               "arena: {queue_depth: 64, pools: [{size: 4096, count: 1024}, "
               "{size: 1048576, count: 128}]}\n"
               "blocks:\n  s: {type: null_source, params: {type: c32, items_per_buffer: 16384}}\n"
               "  f: {type: fir_filter, params: {taps: [1, 2, 3]}}\n"
               "  o: {type: file_sink, params: {path: fifo}}\n"
               "connections:\n  - [s.out, f.in]\n  - [f.out, o.in]\n");
    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    const char *args[] = {"run", "dl" SFX ".yaml", "--quiet", NULL};
    pid_t pid = start(args);
    const char *want = "mqgraph: nothing has moved for 3 s and all 128 buffers of 1048576 bytes "
                       "are taken (queued: s.out -> f.in ";
    char *err = NULL;
    for (int i = 0; i < 2000 && !(err && strstr(err, want)); i++) { /* bounded poll */
        free(err);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
        err = read_file("err.txt", NULL);
    }
    ck_assert_msg(err && strstr(err, want), "stderr: %s", err ? err : "");
    ck_assert_msg(strstr(err, ", f.out -> o.in "), "stderr: %s", err); /* how many: timing */
    ck_assert_msg(strstr(err, "): a block waiting for one waits until a queue "
                              "drains, for ever if none can; give that pool more buffers "
                              "(arena: {pools: [...]}) or the connections less depth (arena: "
                              "{queue_depth: N}, or depth on a connection)\n"),
                  "stderr: %s", err);
    free(err);
    kill(pid, SIGINT);
    kill(pid, SIGINT); /* the second forces: the blocks cannot drain */
    ck_assert_int_ne(finish(pid), 0);
    ck_assert_int_eq(shm_count("dl" SFX), 0);
}
END_TEST

/* Bad command lines: exit status 2 and the first line of stderr. */
static const struct {
    const char *args[4], *first;
} bad_cli[] = {
    {{"run"}, "mqgraph: no graph file given\n"},
    {{"run", "a.yaml", "b.yaml"}, "mqgraph: unexpected argument 'b.yaml'\n"},
    {{"run", "--set", "n", "g.yaml"}, "mqgraph: --set needs VAR=VALUE\n"},
    {{"run", "--set"}, "mqgraph: --set needs VAR=VALUE\n"},
    {{"validate", "--frobnicate", "x.yaml"}, "mqgraph: unexpected argument '--frobnicate'\n"},
    {{"validate", "x.yaml", "--quiet"}, "mqgraph: unexpected argument '--quiet'\n"},
    {{"dot"}, "mqgraph: no graph file given\n"},
    {{"blocks", "nosuch"}, "mqgraph: no block type 'nosuch'\n"},
    {{"fly"}, "mqgraph: unknown command 'fly'\n"},
    {{NULL}, "usage: mqgraph [--help] [--version] COMMAND [ARGS]\n"},
};

START_TEST(test_bad_command_line)
{
    enter_tmpdir();
    ck_assert_int_eq(run(bad_cli[_i].args), 2);
    char *err = read_file("err.txt", NULL);
    size_t n = strlen(bad_cli[_i].first);
    ck_assert_msg(!strncmp(err, bad_cli[_i].first, n), "stderr: %s", err);
    free(err);
}
END_TEST

START_TEST(test_unusable_files_and_modules)
{
    char path[600];
    enter_tmpdir();
    ck_assert_int_eq(mkdir("dir.yaml", 0700), 0);
    const char *dir[] = {"validate", "dir.yaml", NULL};
    ck_assert_int_eq(run(dir), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "dir.yaml: Is a directory\n");
    free(err);
    /* a module file that is not a shared object, and one without a declaration */
    ck_assert_int_eq(mkdir("mods", 0700), 0);
    write_file("mods/junk.so", "not an ELF file\n");
    snprintf(path, sizeof path, "%s/mods:%s", dir_now(), TEST_BLOCKS);
    setenv("MQ_BLOCK_PATH", path, 1);
    write_file("j.yaml", "blocks:\n  a: {type: junk}\n");
    write_file("n.yaml", "blocks:\n  a: {type: nodecl}\n");
    const char *junk[] = {"validate", "j.yaml", NULL}, *nodecl[] = {"run", "n.yaml", NULL};
    ck_assert_int_eq(run(junk), 2);
    err = read_file("err.txt", NULL);
    snprintf(path, sizeof path, "j.yaml:2:13: block type 'junk' could not be loaded: %s/mods/junk.so: ",
             dir_now());
    ck_assert_msg(!strncmp(err, path, strlen(path)), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(run(nodecl), 2);
    err = read_file("err.txt", NULL);
    snprintf(path, sizeof path, "n.yaml:2:13: block type 'nodecl' could not be loaded: %s/nodecl.so: "
             "no mq_block_entry() declaration (see MQ_BLOCK_EXPORT in block.h)\n", TEST_BLOCKS);
    ck_assert_str_eq(err, path);
    free(err);
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* A graph of three blocks through a multiply_const of k 2, its output to m.txt. */
static const char mult_yaml[] =
    "blocks:\n  s: {type: vector_source, params: {values: [1, 2, 3]}}\n"
    "  x: {type: multiply_const, params: {k: 2}}\n"
    "  o: {type: vector_sink, params: {path: m.txt}}\n"
    "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n";

/* run and validate load only the modules of the types the graph names, each the
 * first TYPE.so of MQ_BLOCK_PATH's directories and then the built-in one: an
 * override in the first directory wins, a type only in the second is found, and
 * a module of no type the graph names (loaded.so, which is no block and notes
 * that it was loaded) is not loaded, so it can neither slow nor break the graph.
 * Before, every module of every directory was loaded. mqgraph blocks still loads
 * them all, and warns of the broken one. */
START_TEST(test_a_graph_loads_only_the_modules_of_its_types)
{
    char path[600], text[600];
    enter_tmpdir();
    snprintf(path, sizeof path, "%s:%s", TEST_BLOCKS2, TEST_BLOCKS);
    setenv("MQ_BLOCK_PATH", path, 1);
    snprintf(path, sizeof path, "%s/loaded.txt", dir_now());
    setenv("MQ_TEST_LOADED", path, 1);
    /* abi2 is in the second directory only */
    write_file("v.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2, 3]}}\n"
                         "  x: {type: abi2, params: {k: 4}}\n"
                         "  o: {type: vector_sink, params: {path: v.txt}}\n"
                         "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *validate[] = {"validate", "v.yaml", NULL};
    ck_assert_int_eq(run(validate), 0);
    char *out = read_file("out.txt", NULL), *err = read_file("err.txt", NULL);
    ck_assert_str_eq(out, "v.yaml: ok (3 blocks, 2 connections)\n");
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
    ck_assert_ptr_null(read_file("loaded.txt", NULL));
    const char *quiet[] = {"run", "v.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(quiet), 0);
    out = read_file("v.txt", NULL);
    ck_assert_str_eq(out, "4\n8\n12\n");
    free(out);
    ck_assert_ptr_null(read_file("loaded.txt", NULL));
    /* the first directory's multiply_const (k x + 1000), loaded once, in mqgraph */
    write_file("m.yaml", mult_yaml);
    const char *runm[] = {"run", "m.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(runm), 0);
    out = read_file("m.txt", NULL);
    ck_assert_str_eq(out, "1002\n1004\n1006\n");
    free(out);
    out = read_file("loaded.txt", NULL);
    ck_assert_str_eq(out, "multiply_const\n");
    free(out);
    /* the built-in one, without that directory */
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    ck_assert_int_eq(run(runm), 0);
    out = read_file("m.txt", NULL);
    ck_assert_str_eq(out, "2\n4\n6\n");
    free(out);
    /* the listing: every module, the broken one warned of, the override shown */
    snprintf(path, sizeof path, "%s:%s", TEST_BLOCKS2, TEST_BLOCKS);
    setenv("MQ_BLOCK_PATH", path, 1);
    ck_assert_int_eq(unlink("loaded.txt"), 0);
    const char *list[] = {"blocks", NULL}, *show[] = {"blocks", "multiply_const", NULL};
    ck_assert_int_eq(run(list), 0);
    out = read_file("loaded.txt", NULL);
    ck_assert_str_eq(out, "loaded\nmultiply_const\n");
    free(out);
    err = read_file("err.txt", NULL);
    snprintf(text, sizeof text, "mqgraph: warning: %s/loaded.so: no mq_block_entry() "
             "declaration (see MQ_BLOCK_EXPORT in block.h)\n", TEST_BLOCKS2);
    ck_assert_msg(strstr(err, text), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(run(show), 0);
    out = read_file("out.txt", NULL);
    snprintf(text, sizeof text, "multiply_const  (%s/multiply_const.so)\n", TEST_BLOCKS2);
    ck_assert_msg(!strncmp(out, text, strlen(text)), "stdout: %s", out);
    free(out);
    unsetenv("MQ_TEST_LOADED");
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* A type no module file is named after: every module is loaded, so that the
 * error names the nearest known type of all of them (history, which the graph
 * does not name). A type with a '/' is no file name: nothing outside the block
 * directories is loaded for it (from TEST_BLOCKS, the path leads to blocks2's
 * multiply_const.so, which would note its loading). */
START_TEST(test_an_unknown_type_is_answered_from_every_module)
{
    char path[600], text[600];
    enter_tmpdir();
    snprintf(path, sizeof path, "%s:%s", TEST_BLOCKS2, TEST_BLOCKS);
    setenv("MQ_BLOCK_PATH", path, 1);
    snprintf(path, sizeof path, "%s/loaded.txt", dir_now());
    setenv("MQ_TEST_LOADED", path, 1);
    write_file("h.yaml", "blocks:\n  a: {type: histroy}\n");
    write_file("z.yaml", "blocks:\n  a: {type: zzzzzzzz}\n");
    const char *h[] = {"validate", "h.yaml", NULL}, *z[] = {"run", "z.yaml", NULL};
    ck_assert_int_eq(run(h), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "h.yaml:2:13: unknown block type 'histroy' (did you mean "
                          "'history'?)\n");
    free(err);
    char *out = read_file("loaded.txt", NULL);
    ck_assert_str_eq(out, "loaded\nmultiply_const\n");
    free(out);
    ck_assert_int_eq(run(z), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "z.yaml:2:13: unknown block type 'zzzzzzzz' (mqgraph blocks lists "
                          "them)\n");
    free(err);
    ck_assert_int_eq(unlink("loaded.txt"), 0);
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    write_file("p.yaml", "blocks:\n  a: {type: ../../blocks2/.libs/multiply_const}\n");
    const char *p[] = {"validate", "p.yaml", NULL};
    ck_assert_int_eq(run(p), 2);
    err = read_file("err.txt", NULL);
    snprintf(text, sizeof text, "p.yaml:2:13: unknown block type "
             "'../../blocks2/.libs/multiply_const' (mqgraph blocks lists them)\n");
    ck_assert_str_eq(err, text);
    free(err);
    ck_assert_ptr_null(read_file("loaded.txt", NULL));
    unsetenv("MQ_TEST_LOADED");
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* A module whose file is not named after its type (clip_x.so declares abi4) is
 * found by the scan of every module that a type no TYPE.so declares makes; its
 * file name is no type. Named otherwise, an override (gain.so declares
 * multiply_const) gives way to the built-in multiply_const.so, in a run and in
 * the listing alike: a type is looked up by file name first. */
START_TEST(test_a_module_named_otherwise_is_found_by_a_scan)
{
    char path[600];
    enter_tmpdir();
    ck_assert_int_eq(mkdir("mods", 0700), 0);
    snprintf(path, sizeof path, "%s/abi4.so", TEST_BLOCKS);
    ck_assert_int_eq(symlink(path, "mods/clip_x.so"), 0);
    snprintf(path, sizeof path, "%s/multiply_const.so", TEST_BLOCKS2);
    ck_assert_int_eq(symlink(path, "mods/gain.so"), 0);
    snprintf(path, sizeof path, "%s/mods", dir_now());
    setenv("MQ_BLOCK_PATH", path, 1);
    write_file("a.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2]}}\n"
                         "  x: {type: abi4, params: {k: 6}}\n"
                         "  o: {type: vector_sink, params: {path: a.txt}}\n"
                         "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *a[] = {"run", "a.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(a), 0);
    char *out = read_file("a.txt", NULL);
    ck_assert_str_eq(out, "6\n12\n");
    free(out);
    write_file("c.yaml", "blocks:\n  a: {type: clip_x}\n");
    const char *c[] = {"validate", "c.yaml", NULL};
    ck_assert_int_eq(run(c), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "c.yaml:2:13: unknown block type 'clip_x' (mqgraph blocks lists "
                          "them)\n");
    free(err);
    write_file("m.yaml", mult_yaml);
    const char *m[] = {"run", "m.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(m), 0);
    out = read_file("m.txt", NULL);
    ck_assert_str_eq(out, "2\n4\n6\n");
    free(out);
    /* the build tree's blocks: TEST_BLOCKS is BUILDDIR/tests/blocks/.libs */
    const char *show[] = {"blocks", "multiply_const", NULL};
    ck_assert_int_eq(run(show), 0);
    out = read_file("out.txt", NULL);
    snprintf(path, sizeof path, "multiply_const  (%.*sblocks/.libs/multiply_const.so)\n",
             (int)(strlen(TEST_BLOCKS) - strlen("tests/blocks/.libs")), TEST_BLOCKS);
    ck_assert_msg(!strncmp(out, path, strlen(path)), "stdout: %s", out);
    free(out);
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* Block ABI 3 keeps ABI 2 modules running, refuses a bad declaration when the
 * module loads, and fails a block that reads its parameters wrongly. */
START_TEST(test_block_abi_2_loads_and_bad_blocks_are_named)
{
    static const struct {
        const char *mode, *error;
    } misuse[] = {
        {"type", "mqgraph: block 'm' (misuse): mq_param_s: parameter 'k' is of type float\n"},
        {"index", "mqgraph: block 'm' (misuse): mq_param_f: the block reads parameter 7 of 2\n"},
        {"name", "mqgraph: block 'm' (misuse): mq_param_float: block misuse declares no "
                 "parameter 'kk'\n"},
    };
    char text[600];
    enter_tmpdir();
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    write_file("v2.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2, 3]}}\n"
                          "  x: {type: abi2, params: {k: 4}}\n"
                          "  o: {type: vector_sink, params: {path: v2.txt}}\n"
                          "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *v2[] = {"run", "v2.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(v2), 0);
    char *out = read_file("v2.txt", NULL);
    ck_assert_str_eq(out, "4\n8\n12\n");
    free(out);
    /* a history of 3 over buffers of 4 used 3 items at a time: x[i - 2] for every
     * i, zeros first; forwarding a buffer of such a port fails the block */
    write_file("hi.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2, 3, 4,"
                          " 5, 6, 7, 8, 9, 10], items_per_buffer: 4}}\n"
                          "  x: {type: history}\n"
                          "  o: {type: vector_sink, params: {path: hi.txt}}\n"
                          "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *hi[] = {"run", "hi.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(hi), 0);
    out = read_file("hi.txt", NULL);
    ck_assert_str_eq(out, "0\n0\n1\n2\n3\n4\n5\n6\n7\n8\n");
    free(out);
    write_file("hf.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2, 3, 4,"
                          " 5, 6, 7, 8], items_per_buffer: 4}}\n"
                          "  x: {type: history, params: {fwd: true, step: 4}}\n"
                          "  o: {type: null_sink}\n"
                          "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *hf[] = {"run", "hf.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(hf), 1);
    out = read_file("err.txt", NULL);
    ck_assert_msg(strstr(out, "mqgraph: block 'x' (history): mq_out_forward: input 0 keeps a "
                              "history (mq_in_set_history): its buffers are read, not taken or "
                              "sent on\n"), "stderr: %s", out);
    free(out);
    /* ABI 3 (ports without a vlen): a live parameter read by index, the type from one */
    write_file("v3.yaml", "blocks:\n  s: {type: vector_source, params: {values: [1, 2], type: f64}}\n"
                          "  x: {type: abi3, params: {k: 5, type: f64}}\n"
                          "  o: {type: vector_sink, params: {path: v3.txt, type: f64}}\n"
                          "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n");
    const char *v3[] = {"run", "v3.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(v3), 0);
    out = read_file("v3.txt", NULL);
    ck_assert_str_eq(out, "5\n10\n");
    free(out);
    /* ABI 4 (no before_fork): loads, runs, and nothing past its end is called */
    run_yaml_ok("v4", "blocks:\n  s: {type: vector_source, params: {values: [1, 2]}}\n"
                      "  x: {type: abi4, params: {k: 6}}\n"
                      "  o: {type: vector_sink, params: {path: v4.txt}}\n"
                      "connections:\n  - [s.out, x.in]\n  - [x.out, o.in]\n", 1);
    out = read_file("v4.txt", NULL);
    ck_assert_str_eq(out, "6\n12\n");
    free(out);
    /* before_fork ran once in mqgraph for the two blocks of its type, before
     * either process was forked: both inherited one call */
    run_yaml_ok("bf", "blocks:\n  p: {type: forkprep}\n  q: {type: forkprep}\n"
                      "  o: {type: vector_sink, params: {path: bf1.txt}}\n"
                      "  r: {type: vector_sink, params: {path: bf2.txt}}\n"
                      "connections:\n  - [p.out, o.in]\n  - [q.out, r.in]\n", 1);
    out = read_file("bf1.txt", NULL);
    ck_assert_str_eq(out, "1\n");
    free(out);
    out = read_file("bf2.txt", NULL);
    ck_assert_str_eq(out, "1\n");
    free(out);
    write_file("bd.yaml", "blocks:\n  b: {type: baddecl}\n  o: {type: null_sink}\n"
                          "connections:\n  - [b.out, o.in]\n");
    const char *bd[] = {"validate", "bd.yaml", NULL};
    ck_assert_int_eq(run(bd), 2);
    char *err = read_file("err.txt", NULL);
    snprintf(text, sizeof text, "bd.yaml:2:13: block type 'baddecl' could not be loaded: "
             "%s/baddecl.so: bad declaration: parameter 'k' is declared twice\n", TEST_BLOCKS);
    ck_assert_str_eq(err, text);
    free(err);
    for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++) {
        snprintf(text, sizeof text,
                 "blocks:\n  s: {type: vector_source, params: {values: [1]}}\n"
                 "  m: {type: misuse, params: {mode: %s}}\n  o: {type: null_sink}\n"
                 "connections:\n  - [s.out, m.in]\n  - [m.out, o.in]\n", misuse[i].mode);
        write_file("mis.yaml", text);
        const char *mis[] = {"run", "mis.yaml", "--quiet", NULL};
        ck_assert_int_eq(run(mis), 1);
        err = read_file("err.txt", NULL);
        ck_assert_msg(strstr(err, misuse[i].error), "stderr: %s", err);
        free(err);
    }
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* restart: {max_backoff_ms} caps the doubling back-off, and every restart field
 * takes ${variables} like a parameter. */
START_TEST(test_restart_backoff_stops_at_max_backoff_ms)
{
    enter_tmpdir();
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    write_file("r.yaml", "variables: {policy: on-failure, n: 4, first: 2, cap: 5}\n"
                         "blocks:\n"
                         "  src: {type: sig_source}\n"
                         "  f:\n"
                         "    type: fault\n"
                         "    params: {kind: exit, at: 100, times: 10}\n"
                         "    restart:\n"
                         "      policy: ${policy}\n"
                         "      max_restarts: ${n}\n"
                         "      backoff_ms: ${first}\n"
                         "      max_backoff_ms: ${cap}\n"
                         "  out: {type: null_sink}\n"
                         "connections:\n  - [src.out, f.in0]\n  - [f.out0, out.in]\n");
    const char *args[] = {"run", "r.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 1);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "restarting it in 2 ms (restart 1 of 4)") &&
                      strstr(err, "restarting it in 4 ms (restart 2 of 4)") &&
                      strstr(err, "restarting it in 5 ms (restart 3 of 4)") &&
                      strstr(err, "restarting it in 5 ms (restart 4 of 4)") &&
                      strstr(err, "failed with exit status 3 (after 4 restarts)\n"),
                  "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count("r"), 0);
    unsetenv("MQ_BLOCK_PATH");
}
END_TEST

/* ---- command line ------------------------------------------------------------------- */

START_TEST(test_cli_help_version_and_bad_arguments)
{
    enter_tmpdir();
    const char *version[] = {"--version", NULL};
    ck_assert_int_eq(run(version), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, "mqgraph " MQ_VERSION_STRING "\n");
    free(out);
    const char *help[] = {"run", "--help", NULL};
    ck_assert_int_eq(run(help), 0);
    out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "usage: mqgraph run FILE"));
    free(out);
    const char *unknown[] = {"fly", NULL};
    ck_assert_int_eq(run(unknown), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_ptr_nonnull(strstr(err, "mqgraph: unknown command 'fly'"));
    free(err);
    const char *missing[] = {"run", "nope.yaml", NULL};
    ck_assert_int_eq(run(missing), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "nope.yaml: No such file or directory\n");
    free(err);
    const char *show[] = {"blocks", "head", NULL};
    ck_assert_int_eq(run(show), 0);
    out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "  items          int    required"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graphs");
    TCase *tc = tcase_create("graphs");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_hello_writes_the_doubled_sine);
    tcase_add_test(tc, test_fanout_gives_every_sink_the_whole_stream);
    tcase_add_test(tc, test_merge_keeps_each_inputs_order_and_add_sums);
    tcase_add_test(tc, test_fir_lowpass_keeps_the_low_tone);
    tcase_add_test(tc, test_chain8_is_exact);
    tcase_add_test(tc, test_file_round_trip_is_byte_exact);
    tcase_add_test(tc, test_throttled_source_takes_its_time);
    list_bad();
    tcase_add_loop_test(tc, test_bad_graph_is_refused_with_line_and_column, 0, n_bad);
    tcase_add_test(tc, test_deep_nesting_is_refused_where_it_passes_the_limit);
    tcase_add_test(tc, test_the_block_and_connection_past_the_limit_are_named);
    tcase_add_test(tc, test_a_graph_of_the_most_blocks_runs);
    tcase_add_test(tc, test_variables_and_set);
    tcase_add_test(tc, test_expressions_give_exact_values);
    tcase_add_test(tc, test_item_types_follow_the_stream);
    tcase_add_test(tc, test_blocks_list_shows_whole_first_sentences);
    tcase_add_test(tc, test_failing_block_fails_the_run_and_is_named);
    tcase_add_test(tc, test_sigint_drains_and_exits_130);
    tcase_add_test(tc, test_sigterm_exits_143);
    tcase_add_test(tc, test_cli_help_version_and_bad_arguments);
    tcase_add_test(tc, test_unusable_files_and_modules);
    tcase_add_test(tc, test_a_graph_loads_only_the_modules_of_its_types);
    tcase_add_test(tc, test_an_unknown_type_is_answered_from_every_module);
    tcase_add_test(tc, test_a_module_named_otherwise_is_found_by_a_scan);
    tcase_add_test(tc, test_block_abi_2_loads_and_bad_blocks_are_named);
    tcase_add_test(tc, test_restart_backoff_stops_at_max_backoff_ms);
    tcase_add_test(tc, test_head_on_one_branch_ends_the_graph_as_gnu_radio);
    tcase_add_test(tc, test_finish_all_runs_the_other_branch_to_its_end);
    tcase_add_test(tc, test_buffer_sizes_follow_the_rule);
    tcase_add_test(tc, test_a_latency_budget_makes_the_buffers);
    tcase_add_test(tc, test_the_arena_is_sized_from_the_graph);
    tcase_add_test(tc, test_a_wide_fan_out_runs_in_its_sized_arena);
    tcase_add_test(tc, test_a_pool_taken_whole_by_the_queues_is_named);
    tcase_add_loop_test(tc, test_bad_command_line, 0, (int)(sizeof bad_cli / sizeof bad_cli[0]));
    suite_add_tcase(s, tc);
    return tu_run(s);
}
