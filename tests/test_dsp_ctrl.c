/* test_dsp_ctrl.c - the stream control blocks (keep_one_in_n, skiphead, interleave,
 * deinterleave, selector, valve, mute, probe_rate) in small graphs fed in buffers
 * of 2 or 3 items, their outputs and timestamps checked item by item against GNU
 * Radio 3.10's rules written out again here; their parameter errors word for word;
 * their live parameters changed with `mqgraph set` while a graph runs. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

/* The graphs are named "ctrl" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("ctrl", yaml, 1);
}

static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(!strcmp(got, want), "%s:\n%s\nwant:\n%s", path, got, want);
    free(got);
}

/* "[0, 1, .. n-1]" plus `add` to each, for a vector_source's values (static). */
static const char *ramp(int n, int add)
{
    static char buf[4096];
    size_t at = 0;
    at += (size_t)snprintf(buf, sizeof buf, "[");
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%d", i ? ", " : "", i + add);
    snprintf(buf + at, sizeof buf - at, "]");
    return buf;
}

/* `mqgraph validate` on `yaml` (as v.yaml) exits 2 saying `want`. */
static void validate_says(const char *yaml, const char *want)
{
    write_file("v.yaml", yaml);
    const char *args[] = {"validate", "v.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", want);
}

/* ---- keep_one_in_n ------------------------------------------------------------------- */

/* What keep_one_in_n(n) makes of 0 .. len-1 in buffers of `ibp`, as vector_sink
 * writes it with timestamps: GNU Radio keeps the items with i % n == n - 1; each
 * buffer that keeps any is stamped with the count of items kept before it. */
static char *keep_expected(int len, int ibp, int n)
{
    char *s = calloc(1, 8192);
    size_t at = 0;
    int kept = 0;
    for (int b = 0; b < len; b += ibp) {
        int first = 1;
        for (int i = b; i < b + ibp && i < len; i++) {
            if (i % n != n - 1)
                continue;
            if (first)
                at += (size_t)sprintf(s + at, "@ sample %d\n", kept);
            first = 0;
            at += (size_t)sprintf(s + at, "%d\n", i);
            kept++;
        }
    }
    return s;
}

START_TEST(test_keep_one_in_n_keeps_the_last_of_every_n_across_buffers)
{
    static const int ns[] = {1, 2, 3, 5, 13, 14};
    char yaml[8192], path[32];
    enter_tmpdir();
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  v: {type: vector_source, params: {values: %s, items_per_buffer: 3}}\n"
                 "  k: {type: keep_one_in_n, params: {n: %d}}\n"
                 "  o: {type: vector_sink, params: {path: k%d.txt, timestamps: true}}\n"
                 "connections:\n  - [v.out, k.in]\n  - [k.out, o.in]\n",
                 ramp(13, 0), ns[k], ns[k]);
        graph_ok(yaml);
        snprintf(path, sizeof path, "k%d.txt", ns[k]);
        char *want = keep_expected(13, 3, ns[k]);
        file_is(path, want);
        free(want);
    }
    /* n = 3 is GNU Radio's keep_one_in_n(3) on 0..12: 2 5 8 11 */
    file_is("k3.txt", "@ sample 0\n2\n@ sample 1\n5\n@ sample 2\n8\n@ sample 3\n11\n");
}
END_TEST

/* Other types keep whole items; a time stamps the kept items themselves. */
START_TEST(test_keep_one_in_n_c32_and_relative_times)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  c: {type: vector_source, params: {values: [0, 0, 1, -1, 2, -2, 3, -3, 4, -4,"
             " 5, -5, 6, -6], type: c32, items_per_buffer: 2}}\n"
             "  k: {type: keep_one_in_n, params: {n: 2, type: c32}}\n"
             "  o: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "  x: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
             " items_per_buffer: 4, timestamps: relative, sample_rate: 1000}}\n"
             "  k2: {type: keep_one_in_n, params: {n: 3}}\n"
             "  o2: {type: vector_sink, params: {path: t.txt, timestamps: true}}\n"
             "  u: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7], type: u8,"
             " items_per_buffer: 3}}\n"
             "  k3: {type: keep_one_in_n, params: {n: 2, type: u8}}\n"
             "  o3: {type: vector_sink, params: {path: u.txt, type: u8}}\n"
             "  y: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
             " items_per_buffer: 10, timestamps: relative, sample_rate: 1000}}\n"
             "  k4: {type: keep_one_in_n, params: {n: 3}}\n"
             "  o4: {type: vector_sink, params: {path: r.txt, timestamps: true}}\n"
             "connections:\n  - [c.out, k.in]\n  - [k.out, o.in]\n"
             "  - [x.out, k2.in]\n  - [k2.out, o2.in]\n  - [u.out, k3.in]\n  - [k3.out, o3.in]\n"
             "  - [y.out, k4.in]\n  - [k4.out, o4.in]\n");
    file_is("c.txt", "1 -1\n3 -3\n5 -5\n");
    /* items 2, 5, 8 at 1 ms each; one item kept per buffer: its own time */
    file_is("t.txt", "@ relative 2000000 2000000 2000000\n2\n"
                     "@ relative 5000000 5000000 5000000\n5\n"
                     "@ relative 8000000 8000000 8000000\n8\n");
    file_is("u.txt", "2\n4\n6\n");
    /* three kept from one buffer: the range runs from the first kept to the last */
    file_is("r.txt", "@ relative 2000000 2000000 8000000\n2\n5\n8\n");
}
END_TEST

/* ---- skiphead ------------------------------------------------------------------------ */

START_TEST(test_skiphead_skips_into_the_middle_of_a_buffer)
{
    static const int skips[] = {0, 1, 3, 4, 12, 13, 20};
    char yaml[8192], path[32], want[1024];
    enter_tmpdir();
    for (size_t k = 0; k < sizeof skips / sizeof skips[0]; k++) {
        int s = skips[k];
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  v: {type: vector_source, params: {values: %s, items_per_buffer: 3}}\n"
                 "  k: {type: skiphead, params: {nitems_to_skip: %d}}\n"
                 "  o: {type: vector_sink, params: {path: s%d.txt, timestamps: true}}\n"
                 "connections:\n  - [v.out, k.in]\n  - [k.out, o.in]\n",
                 ramp(13, 0), s, s);
        graph_ok(yaml);
        /* items s .. 12; the rest of the buffer the skip ends in, then whole buffers,
         * each stamped with the items sent before it */
        size_t at = 0;
        want[0] = 0;
        for (int i = s; i < 13; i++) {
            if (i == s || i % 3 == 0)
                at += (size_t)sprintf(want + at, "@ sample %d\n", i - s);
            at += (size_t)sprintf(want + at, "%d\n", i);
        }
        snprintf(path, sizeof path, "s%d.txt", s);
        file_is(path, want);
    }
}
END_TEST

START_TEST(test_skiphead_i32_keeps_the_times_of_what_it_passes)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  v: {type: vector_source, params: {values: [10, 11, 12, 13, 14, 15, 16],"
             " type: i32, items_per_buffer: 3, timestamps: relative, sample_rate: 1000}}\n"
             "  k: {type: skiphead, params: {nitems_to_skip: 4, type: i32}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: i32, timestamps: true}}\n"
             "connections:\n  - [v.out, k.in]\n  - [k.out, o.in]\n");
    file_is("o.txt", "@ relative 4000000 4000000 5000000\n14\n15\n"
                     "@ relative 6000000 6000000 6000000\n16\n");
}
END_TEST

/* ---- interleave ---------------------------------------------------------------------- */

/* GNU Radio's interleave of `n_in` inputs, input i being 100 i + 0 .. len[i]-1: as
 * many whole rounds as every input has, blocksize items from each in turn. */
static void interleave_check(const char *path, int n_in, const int *len, int bs)
{
    int least = len[0];
    for (int i = 1; i < n_in; i++)
        least = len[i] < least ? len[i] : least;
    int rounds = least / bs;
    double *v = NULL;
    size_t n;
    v = read_numbers(path, &n);
    ck_assert_uint_eq(n, (size_t)(rounds * bs * n_in));
    size_t k = 0;
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < n_in; i++)
            for (int b = 0; b < bs; b++, k++)
                ck_assert_msg(v[k] == 100 * i + r * bs + b, "%s item %zu: %g", path, k, v[k]);
    free(v);
}

START_TEST(test_interleave_takes_whole_rounds_from_uneven_buffers)
{
    static const struct {
        int n_in, bs, len[3], ibp[3];
        const char *type;
    } cases[] = {
        {3, 1, {7, 4, 6}, {3, 2, 6}, "f32"},  /* GNU Radio: 12 items */
        {2, 2, {5, 5}, {3, 3}, "i16"},        /* 8 */
        {2, 4, {10, 12}, {3, 3}, "f64"},      /* blocks longer than the buffers: 16 */
        {2, 3, {9, 7}, {2, 1}, "i32"},        /* 12 */
        {1, 2, {5}, {3}, "f32"},              /* one input: whole blocks only, 4 */
    };
    char yaml[4096], path[32];
    enter_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t at = (size_t)snprintf(yaml, sizeof yaml, "blocks:\n");
        for (int i = 0; i < cases[c].n_in; i++)
            at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                                   "  s%d: {type: vector_source, params: {values: %s, type: %s,"
                                   " items_per_buffer: %d}}\n",
                                   i, ramp(cases[c].len[i], 100 * i), cases[c].type,
                                   cases[c].ibp[i]);
        at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                               "  il: {type: interleave, params: {inputs: %d, blocksize: %d,"
                               " type: %s}}\n"
                               "  o: {type: vector_sink, params: {path: i%zu.txt, type: %s}}\n"
                               "connections:\n  - [il.out, o.in]\n",
                               cases[c].n_in, cases[c].bs, cases[c].type, c, cases[c].type);
        for (int i = 0; i < cases[c].n_in; i++)
            at += (size_t)snprintf(yaml + at, sizeof yaml - at, "  - [s%d.out, il.in%d]\n", i, i);
        graph_ok(yaml);
        snprintf(path, sizeof path, "i%zu.txt", c);
        interleave_check(path, cases[c].n_in, cases[c].len, cases[c].bs);
    }
}
END_TEST

/* Each call sends the rounds all inputs have, stamped with the items sent before;
 * a time is input 0's, the output at 2x its rate (0.5 ms an item). */
START_TEST(test_interleave_timestamps)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6],"
             " items_per_buffer: 3}}\n"
             "  b: {type: vector_source, params: {values: [100, 101, 102, 103],"
             " items_per_buffer: 2}}\n"
             "  c: {type: vector_source, params: {values: [200, 201, 202, 203, 204, 205]}}\n"
             "  il: {type: interleave, params: {inputs: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "  x: {type: vector_source, params: {values: [0, 1, 2, 3], items_per_buffer: 4,"
             " timestamps: relative, sample_rate: 1000}}\n"
             "  y: {type: vector_source, params: {values: [10, 11, 12, 13], items_per_buffer: 4,"
             " timestamps: relative, sample_rate: 1000}}\n"
             "  il2: {type: interleave}\n"
             "  o2: {type: vector_sink, params: {path: t.txt, timestamps: true}}\n"
             "connections:\n  - [a.out, il.in0]\n  - [b.out, il.in1]\n  - [c.out, il.in2]\n"
             "  - [il.out, o.in]\n  - [x.out, il2.in0]\n  - [y.out, il2.in1]\n"
             "  - [il2.out, o2.in]\n");
    /* calls take 2 (b's first buffer), 1 (a's rest), 1 (b's rest) items of each */
    file_is("o.txt", "@ sample 0\n0\n100\n200\n1\n101\n201\n@ sample 6\n2\n102\n202\n"
                     "@ sample 9\n3\n103\n203\n");
    file_is("t.txt", "@ relative 0 0 3500000\n0\n10\n1\n11\n2\n12\n3\n13\n");
}
END_TEST

/* ---- deinterleave -------------------------------------------------------------------- */

/* GNU Radio's deinterleave of 0 .. len-1 to `n_out` outputs: whole rounds of
 * n_out * bs items; output j gets block j of each round. */
static void deinterleave_check(int j, int n_out, int len, int bs, int lanes)
{
    char path[32];
    size_t n;
    snprintf(path, sizeof path, "d%d.txt", j);
    double *v = read_numbers(path, &n);
    int rounds = len / (n_out * bs);
    ck_assert_uint_eq(n, (size_t)(rounds * bs * lanes));
    for (int r = 0, k = 0; r < rounds; r++)
        for (int b = 0; b < bs; b++, k++)
            for (int l = 0; l < lanes; l++) {
                double want = (r * n_out + j) * bs + b;
                ck_assert_msg(v[k * lanes + l] == (l ? -want : want), "%s item %d: %g", path,
                              k, v[k * lanes + l]);
            }
    free(v);
}

START_TEST(test_deinterleave_deals_whole_rounds_across_buffers)
{
    static const struct {
        int n_out, bs, len, ibp;
        const char *type;
    } cases[] = {
        {3, 2, 13, 3, "f32"}, /* GNU Radio: [0 1 6 7] [2 3 8 9] [4 5 10 11] */
        {3, 1, 11, 3, "i16"}, /* [0 3 6] [1 4 7] [2 5 8] */
        {2, 4, 20, 3, "u8"},  /* rounds longer than the buffers: [0-3 8-11] [4-7 12-15] */
        {2, 1, 9, 2, "c32"},
        {1, 3, 8, 2, "f64"}, /* one output: whole blocks only, 0 .. 5 */
    };
    char yaml[4096];
    enter_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int lanes = !strcmp(cases[c].type, "c32") ? 2 : 1;
        char vals[4096];
        size_t at = (size_t)snprintf(vals, sizeof vals, "[");
        for (int i = 0; i < cases[c].len; i++)
            at += (size_t)snprintf(vals + at, sizeof vals - at, lanes == 2 ? "%s%d, %d" : "%s%d",
                                   i ? ", " : "", i, -i);
        snprintf(vals + at, sizeof vals - at, "]");
        at = (size_t)snprintf(yaml, sizeof yaml,
                              "blocks:\n"
                              "  s: {type: vector_source, params: {values: %s, type: %s,"
                              " items_per_buffer: %d}}\n"
                              "  d: {type: deinterleave, params: {outputs: %d, blocksize: %d,"
                              " type: %s}}\n",
                              vals, cases[c].type, cases[c].ibp, cases[c].n_out, cases[c].bs,
                              cases[c].type);
        for (int j = 0; j < cases[c].n_out; j++)
            at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                                   "  o%d: {type: vector_sink, params: {path: d%d.txt, type: %s}}\n",
                                   j, j, cases[c].type);
        at += (size_t)snprintf(yaml + at, sizeof yaml - at, "connections:\n  - [s.out, d.in]\n");
        for (int j = 0; j < cases[c].n_out; j++)
            at += (size_t)snprintf(yaml + at, sizeof yaml - at, "  - [d.out%d, o%d.in]\n", j, j);
        graph_ok(yaml);
        for (int j = 0; j < cases[c].n_out; j++)
            deinterleave_check(j, cases[c].n_out, cases[c].len, cases[c].bs, lanes);
    }
}
END_TEST

START_TEST(test_deinterleave_timestamps)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,"
             " 12], items_per_buffer: 3}}\n"
             "  d: {type: deinterleave, params: {outputs: 3, blocksize: 2}}\n"
             "  o0: {type: vector_sink, params: {path: a.txt, timestamps: true}}\n"
             "  o1: {type: vector_sink, params: {path: b.txt}}\n"
             "  o2: {type: vector_sink, params: {path: c.txt, timestamps: true}}\n"
             "  x: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7],"
             " items_per_buffer: 4, timestamps: relative, sample_rate: 1000}}\n"
             "  d2: {type: deinterleave}\n"
             "  p0: {type: vector_sink, params: {path: t0.txt, timestamps: true}}\n"
             "  p1: {type: vector_sink, params: {path: t1.txt, timestamps: true}}\n"
             "connections:\n  - [s.out, d.in]\n  - [d.out0, o0.in]\n  - [d.out1, o1.in]\n"
             "  - [d.out2, o2.in]\n  - [x.out, d2.in]\n  - [d2.out0, p0.in]\n"
             "  - [d2.out1, p1.in]\n");
    /* a round is 6 items, two buffers: each output gets a block every second one */
    file_is("a.txt", "@ sample 0\n0\n1\n@ sample 2\n6\n7\n");
    file_is("b.txt", "2\n3\n8\n9\n");
    file_is("c.txt", "@ sample 0\n4\n5\n@ sample 2\n10\n11\n");
    /* each output's items are the input's own times, 2 ms apart */
    file_is("t0.txt", "@ relative 0 0 2000000\n0\n2\n@ relative 4000000 4000000 6000000\n4\n6\n");
    file_is("t1.txt", "@ relative 1000000 1000000 3000000\n1\n3\n"
                      "@ relative 5000000 5000000 7000000\n5\n7\n");
}
END_TEST

/* ---- selector ------------------------------------------------------------------------ */

/* Input 1 to output 1, inputs in buffers of 3 and 2: both consumed at the same
 * pace, input 0 dropped, output 0 empty. Input 0 ends first (8 items): as in GNU
 * Radio 3.10, the selected input goes on to its end (9 items). */
START_TEST(test_selector_passes_one_input_and_drops_the_rest)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7],"
             " items_per_buffer: 3}}\n"
             "  b: {type: vector_source, params: {values: [10, 11, 12, 13, 14, 15, 16, 17, 18],"
             " items_per_buffer: 2}}\n"
             "  s: {type: selector, params: {input_index: 1, output_index: 1}}\n"
             "  o0: {type: vector_sink, params: {path: o0.txt}}\n"
             "  o1: {type: vector_sink, params: {path: o1.txt, timestamps: true}}\n"
             "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out0, o0.in]\n"
             "  - [s.out1, o1.in]\n");
    file_is("o0.txt", "");
    /* calls take 2, 1, 1, 2, 2 (input 0 has ended), 1 items */
    file_is("o1.txt", "@ sample 0\n10\n11\n@ sample 2\n12\n@ sample 3\n13\n@ sample 4\n14\n15\n"
                      "@ sample 6\n16\n17\n@ sample 8\n18\n");
}
END_TEST

/* The selected input ends first: the selector finishes, though its other input is
 * endless (GNU Radio's flowgraph ends the same way). Disabled, it drops all. */
START_TEST(test_selector_ends_with_its_input_and_drops_all_when_disabled)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7], type: i16,"
             " items_per_buffer: 3}}\n"
             "  z: {type: null_source, params: {type: i16, items_per_buffer: 5}}\n"
             "  s: {type: selector, params: {inputs: 2, outputs: 1, type: i16}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: i16}}\n"
             "  c: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5], items_per_buffer: 2}}\n"
             "  d: {type: vector_source, params: {values: [9, 9, 9, 9, 9, 9], items_per_buffer: 2}}\n"
             "  t: {type: selector, params: {enabled: false}}\n"
             "  p0: {type: vector_sink, params: {path: p0.txt}}\n"
             "  p1: {type: vector_sink, params: {path: p1.txt}}\n"
             "connections:\n  - [a.out, s.in0]\n  - [z.out, s.in1]\n  - [s.out0, o.in]\n"
             "  - [c.out, t.in0]\n  - [d.out, t.in1]\n  - [t.out0, p0.in]\n  - [t.out1, p1.in]\n");
    file_is("o.txt", "0\n1\n2\n3\n4\n5\n6\n7\n");
    file_is("p0.txt", "");
    file_is("p1.txt", "");
}
END_TEST

/* A time is the selected input's, cut to the items passed when that input's
 * buffer is longer than another input's. */
START_TEST(test_selector_times_are_the_selected_inputs)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [0, 1, 2, 3], items_per_buffer: 3,"
             " timestamps: relative, sample_rate: 1000}}\n"
             "  b: {type: vector_source, params: {values: [5, 6, 7, 8], items_per_buffer: 2}}\n"
             "  s: {type: selector, params: {outputs: 1}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out0, o.in]\n");
    file_is("o.txt", "@ relative 0 0 1000000\n0\n1\n@ relative 2000000 2000000 2000000\n2\n"
                     "@ relative 3000000 3000000 3000000\n3\n");
}
END_TEST

/* ---- valve and mute ------------------------------------------------------------------ */

/* Closed (open false, the default) the stream passes as it is; open it is dropped,
 * and its source still runs to its end. */
START_TEST(test_valve_passes_when_closed_and_drops_when_open)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6], type: c32,"
             " items_per_buffer: 2}}\n"
             "  v: {type: valve, params: {type: c32}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: c32, timestamps: true}}\n"
             "  b: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7],"
             " items_per_buffer: 3}}\n"
             "  w: {type: valve, params: {open: true}}\n"
             "  p: {type: vector_sink, params: {path: p.txt}}\n"
             "connections:\n  - [a.out, v.in]\n  - [v.out, o.in]\n  - [b.out, w.in]\n"
             "  - [w.out, p.in]\n");
    file_is("o.txt", "@ sample 0\n1 2\n3 4\n@ sample 2\n5 6\n");
    file_is("p.txt", "");
}
END_TEST

START_TEST(test_mute_writes_zeros_of_the_type_and_keeps_the_count)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6], type: c32,"
             " items_per_buffer: 2, timestamps: relative, sample_rate: 1000}}\n"
             "  m: {type: mute, params: {mute: true, type: c32}}\n"
             "  o: {type: vector_sink, params: {path: c.txt, type: c32, timestamps: true}}\n"
             "  b: {type: vector_source, params: {values: [-7, 300, 40000], type: i16,"
             " items_per_buffer: 2}}\n"
             "  n: {type: mute, params: {mute: true, type: i16}}\n"
             "  p: {type: vector_sink, params: {path: s.txt, type: i16, timestamps: true}}\n"
             "  d: {type: vector_source, params: {values: [0.1, -2.5e-300, 3], type: f64,"
             " items_per_buffer: 2}}\n"
             "  q: {type: mute, params: {type: f64}}\n"
             "  r: {type: vector_sink, params: {path: d.txt, type: f64}}\n"
             "  u: {type: vector_source, params: {values: [7, 8, 9], type: u8}}\n"
             "  x: {type: mute, params: {mute: true, type: u8}}\n"
             "  y: {type: vector_sink, params: {path: u.txt, type: u8}}\n"
             "connections:\n  - [a.out, m.in]\n  - [m.out, o.in]\n  - [b.out, n.in]\n"
             "  - [n.out, p.in]\n  - [d.out, q.in]\n  - [q.out, r.in]\n  - [u.out, x.in]\n"
             "  - [x.out, y.in]\n");
    file_is("c.txt", "@ relative 0 0 1000000\n0 0\n0 0\n@ relative 2000000 2000000 2000000\n0 0\n");
    file_is("s.txt", "@ sample 0\n0\n0\n@ sample 2\n0\n");
    file_is("d.txt", "0.10000000000000001\n-2.5e-300\n3\n");
    file_is("u.txt", "0\n0\n0\n");
}
END_TEST

/* ---- probe_rate ---------------------------------------------------------------------- */

/* 6000 items at 10000 items/s (0.6 s) into probe_rate with update_rate_ms 50 and
 * alpha 0.5: every message is GNU Radio 3.10's pair of {rate_now, rate_avg} and
 * nil, the rates near the throttle's, rate_avg starting at rate_now and then
 * following alpha rate_now + (1 - alpha) rate_avg. */
START_TEST(test_probe_rate_posts_gnu_radios_rate_message)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: null_source, params: {items_per_buffer: 100}}\n"
             "  h: {type: head, params: {items: 6000}}\n"
             "  t: {type: throttle, params: {rate: 10000}}\n"
             "  p: {type: probe_rate, params: {update_rate_ms: 50, alpha: 0.5}}\n"
             "  d: {type: message_debug, params: {path: m.txt}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, t.in]\n  - [t.out, p.in]\n"
             "  - [p.rate, d.print]\n");
    char *text = read_file("m.txt", NULL), *line = text, *nl;
    double avg = 0;
    int n = 0;
    ck_assert_ptr_nonnull(text);
    for (; (nl = strchr(line, '\n')); line = nl + 1, n++) {
        double now, a;
        int end = 0;
        *nl = 0;
        ck_assert_msg(sscanf(line, "{\"$pair\":[{\"rate_now\":%lf,\"rate_avg\":%lf},null]}%n",
                             &now, &a, &end) == 2 && end == (int)strlen(line),
                      "message %d: %s", n, line);
        ck_assert_msg(now > 100 && now < 100000, "message %d: rate_now %g", n, now);
        double want = n == 0 ? now : now * 0.5 + avg * 0.5;
        ck_assert_msg(fabs(a - want) <= 1e-12 * want, "message %d: rate_avg %.17g, want %.17g",
                      n, a, want);
        avg = a;
    }
    ck_assert_int_ge(n, 2);
    free(text);
}
END_TEST

/* ---- parameters ---------------------------------------------------------------------- */

START_TEST(test_bad_parameters_are_refused_with_where)
{
    static const char *src = "blocks:\n  a: {type: vector_source, params: {values: [1]}}\n";
    static const struct {
        const char *block, *conn, *err;
    } cases[] = {
        {"  s: {type: selector, params: {inputs: 1, outputs: 2, input_index: 1}}\n",
         "  - [a.out, s.in0]\n  - [s.out0, o.in]\n  - [s.out1, n.in]\n",
         "v.yaml:3:3: block 's': input_index 1 is out of range: the inputs are 0 .. 0\n"},
        {"  s: {type: selector, params: {inputs: 1, outputs: 2, output_index: 2}}\n",
         "  - [a.out, s.in0]\n  - [s.out0, o.in]\n  - [s.out1, n.in]\n",
         "v.yaml:3:3: block 's': output_index 2 is out of range: the outputs are 0 .. 1\n"},
        {"  s: {type: selector, params: {inputs: 16, outputs: 1}}\n",
         "  - [a.out, s.in0]\n  - [s.out0, o.in]\n",
         "v.yaml:3:40: block 's': parameter 'inputs': 16 is outside [1, 15]\n"},
        {"  s: {type: keep_one_in_n, params: {n: 0}}\n", "  - [a.out, s.in]\n  - [s.out, o.in]\n",
         "v.yaml:3:40: block 's': parameter 'n': 0 is outside [1, 2147483647]\n"},
        {"  s: {type: keep_one_in_n}\n", "  - [a.out, s.in]\n  - [s.out, o.in]\n",
         "v.yaml:3:3: block 's': missing parameter 'n' (keep the last item of every n)\n"},
        {"  s: {type: skiphead, params: {nitems_to_skip: -1}}\n",
         "  - [a.out, s.in]\n  - [s.out, o.in]\n",
         "v.yaml:3:48: block 's': parameter 'nitems_to_skip': -1 is outside [0, "
         "9.00719925474099e+15]\n"},
        {"  s: {type: interleave, params: {inputs: 1, blocksize: 0}}\n",
         "  - [a.out, s.in0]\n  - [s.out, o.in]\n",
         "v.yaml:3:56: block 's': parameter 'blocksize': 0 is outside [1, 1048576]\n"},
        {"  s: {type: deinterleave, params: {outputs: 0}}\n", "  - [a.out, s.in]\n",
         "v.yaml:3:45: block 's': parameter 'outputs': 0 is outside [1, 16]\n"},
        {"  s: {type: probe_rate, params: {alpha: 2}}\n", "  - [a.out, s.in]\n",
         "v.yaml:3:41: block 's': parameter 'alpha': 2 is outside [0, 1]\n"},
        {"  s: {type: mute, params: {mute: maybe}}\n", "  - [a.out, s.in]\n  - [s.out, o.in]\n",
         "v.yaml:3:34: block 's': parameter 'mute': 'maybe' is not true or false\n"},
    };
    char yaml[1024];
    enter_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(yaml, sizeof yaml,
                 "%s%s  o: {type: vector_sink, params: {path: o.txt}}\n  n: {type: null_sink}\n"
                 "connections:\n%s",
                 src, cases[i].block, cases[i].conn);
        validate_says(yaml, cases[i].err);
    }
}
END_TEST

/* ---- live parameters ----------------------------------------------------------------- */

static float *read_f32(const char *path, size_t *n)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    *n = len / sizeof *x;
    return x;
}

enum { LIVE_N = 200000 };

/* A ramp 0 .. LIVE_N-1 at 100k items/s, 500 a buffer, to a valve, a mute, a
 * keep_one_in_n (n 1) and a selector (input 1 the ramp negated), each set once
 * or twice while it runs; each output checked against the item the change took
 * effect from. */
/* ramp.f32: 0 .. LIVE_N-1 as f32 (exact). */
static void write_ramp(void)
{
    float *r = malloc(LIVE_N * sizeof *r);
    FILE *f = fopen("ramp.f32", "wb");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < LIVE_N; i++)
        r[i] = (float)i;
    ck_assert_uint_eq(fwrite(r, sizeof *r, LIVE_N, f), LIVE_N);
    fclose(f);
    free(r);
}

START_TEST(test_valve_mute_keep_and_selector_are_live)
{
    own_ctldir();
    write_ramp();
    pid_t pid = start_graph("lv",
                            "blocks:\n"
                            "  src: {type: file_source, params: {path: ramp.f32,"
                            " items_per_buffer: 500}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  spl: {type: splitter, params: {outputs: 5}}\n"
                            "  va: {type: valve}\n"
                            "  mu: {type: mute}\n"
                            "  kp: {type: keep_one_in_n, params: {n: 1}}\n"
                            "  neg: {type: multiply_const, params: {k: -1}}\n"
                            "  se: {type: selector, params: {outputs: 1}}\n"
                            "  o1: {type: file_sink, params: {path: va.f32}}\n"
                            "  o2: {type: file_sink, params: {path: mu.f32}}\n"
                            "  o3: {type: file_sink, params: {path: kp.f32}}\n"
                            "  o4: {type: file_sink, params: {path: se.f32}}\n"
                            "connections:\n"
                            "  - [src.out, thr.in]\n  - [thr.out, spl.in]\n"
                            "  - [spl.out0, va.in]\n  - [spl.out1, mu.in]\n"
                            "  - [spl.out2, kp.in]\n  - [spl.out3, se.in0]\n"
                            "  - [spl.out4, neg.in]\n  - [neg.out, se.in1]\n"
                            "  - [va.out, o1.in]\n  - [mu.out, o2.in]\n  - [kp.out, o3.in]\n"
                            "  - [se.out0, o4.in]\n",
                            13);
    wait_items_in("lv" SFX, "va", 20000);
    long long va_at = set_at("lv" SFX, "va.open=true");
    json_t *st = status_of("lv" SFX);
    long long va_in = field(find(json_object_get(st, "blocks"), "name", "va"), "items_in");
    json_decref(st);
    wait_items_in("lv" SFX, "va", va_in + 10000); /* 10000 items at least are dropped */
    long long va_back = set_at("lv" SFX, "va.open=false");
    long long mu_at = set_at("lv" SFX, "mu.mute=true");
    long long kp_at = set_at("lv" SFX, "kp.n=4");
    /* a refused change leaves the selector as it was */
    const char *bad[] = {"set", "lv" SFX, "se.input_index=2", NULL};
    ck_assert_int_eq(cli(bad), 1);
    file_is("cli.err", "mqgraph set: block 'se': input_index 2 is out of range: the inputs are "
                       "0 .. 1\n");
    long long se_at = set_at("lv" SFX, "se.input_index=1");
    ck_assert_int_eq(finish(pid), 0);

    size_t n;
    /* valve: the ramp up to the change, nothing while open, then the ramp again from
     * where the input had got to, to its end */
    float *x = read_f32("va.f32", &n);
    ck_assert_int_eq(va_back, va_at); /* no output while open */
    ck_assert_int_gt(va_at, 0);
    ck_assert_uint_le(n, (size_t)LIVE_N - 10000);
    size_t resume = (size_t)LIVE_N - (n - (size_t)va_at);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == (float)(i < (size_t)va_at ? i : resume + i - (size_t)va_at),
                      "valve item %zu: %g (open at %lld, resumed at input %zu)", i, x[i], va_at,
                      resume);
    free(x);
    /* mute: the ramp, then zeros; every item still there */
    x = read_f32("mu.f32", &n);
    ck_assert_uint_eq(n, LIVE_N);
    ck_assert_int_gt(mu_at, 0);
    ck_assert_int_lt(mu_at, LIVE_N);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == ((long long)i < mu_at ? (float)i : 0.0f), "mute item %zu: %g", i,
                      x[i]);
    free(x);
    /* keep_one_in_n: every item (n 1), then, counting from the change, the 4th, 8th..
     * (GNU Radio's set_n starts the count again) */
    x = read_f32("kp.f32", &n);
    ck_assert_int_gt(kp_at, 0);
    ck_assert_uint_eq(n, (size_t)kp_at + (size_t)(LIVE_N - kp_at) / 4);
    for (size_t i = 0; i < n; i++) {
        double want = (long long)i < kp_at ? (double)i : kp_at + 3 + 4.0 * (i - (size_t)kp_at);
        ck_assert_msg(x[i] == (float)want, "keep item %zu: %g, want %g", i, x[i], want);
    }
    free(x);
    /* selector: input 0 (the ramp), then input 1 (its negation) at the same place */
    x = read_f32("se.f32", &n);
    ck_assert_uint_eq(n, LIVE_N);
    ck_assert_int_gt(se_at, 0);
    ck_assert_int_lt(se_at, LIVE_N);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == ((long long)i < se_at ? (float)i : -(float)i),
                      "selector item %zu: %g (switched at %lld)", i, x[i], se_at);
    free(x);
}
END_TEST

/* The pid of block `block` of graph `graph` and how often it was restarted. */
static long long block_field(const char *graph, const char *block, const char *key)
{
    json_t *st = status_of(graph);
    long long v = field(find(json_object_get(st, "blocks"), "name", block), key);
    json_decref(st);
    return v;
}

/* skiphead (50000) and keep_one_in_n (7) killed while they pass the ramp, in
 * buffers of 500: restarted, they go on from their checkpoints. Skipping again
 * would lose 50000 more items; counting again from the buffer after the kill
 * would keep items 500 k + 6, of another residue mod 7 unless 7 divides k. */
START_TEST(test_skiphead_and_keep_one_in_n_go_on_after_a_restart)
{
    own_ctldir();
    write_ramp();
    pid_t pid = start_graph("rs",
                            "blocks:\n"
                            "  src: {type: file_source, params: {path: ramp.f32,"
                            " items_per_buffer: 500}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  spl: {type: splitter}\n"
                            "  sk: {type: skiphead, params: {nitems_to_skip: 50000},"
                            " restart: on-failure}\n"
                            "  kp: {type: keep_one_in_n, params: {n: 7}, restart: on-failure}\n"
                            "  o1: {type: file_sink, params: {path: sk.f32}}\n"
                            "  o2: {type: file_sink, params: {path: kp.f32}}\n"
                            "connections:\n"
                            "  - [src.out, thr.in]\n  - [thr.out, spl.in]\n"
                            "  - [spl.out0, sk.in]\n  - [spl.out1, kp.in]\n"
                            "  - [sk.out, o1.in]\n  - [kp.out, o2.in]\n",
                            7);
    wait_items_in("rs" SFX, "sk", 80000);
    kill((pid_t)block_field("rs" SFX, "sk", "pid"), SIGKILL);
    kill((pid_t)block_field("rs" SFX, "kp", "pid"), SIGKILL);
    for (int i = 0; i < 2000 && (block_field("rs" SFX, "sk", "restarts") < 1 ||
                                 block_field("rs" SFX, "kp", "restarts") < 1); i++)
        nap_ms(5);
    int rc = finish(pid);
    ck_assert_msg(rc == 0 || rc == 3, "exit %d", rc); /* 3: the kills lost a buffer */
    size_t n;
    float *x = read_f32("sk.f32", &n);
    ck_assert_uint_ge(n, (size_t)LIVE_N - 50000 - 2000); /* at most a few buffers lost */
    ck_assert_float_eq(x[0], 50000);
    ck_assert_float_eq(x[n - 1], LIVE_N - 1);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(x[i] > x[i - 1], "skiphead item %zu: %g after %g", i, x[i], x[i - 1]);
    free(x);
    x = read_f32("kp.f32", &n);
    ck_assert_uint_ge(n, (size_t)LIVE_N / 7 - 300);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg((long)x[i] % 7 == 6 && (i == 0 || x[i] > x[i - 1]),
                      "keep_one_in_n item %zu: %g", i, x[i]);
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_ctrl");
    TCase *tc = tcase_create("dsp_ctrl");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_keep_one_in_n_keeps_the_last_of_every_n_across_buffers);
    tcase_add_test(tc, test_keep_one_in_n_c32_and_relative_times);
    tcase_add_test(tc, test_skiphead_skips_into_the_middle_of_a_buffer);
    tcase_add_test(tc, test_skiphead_i32_keeps_the_times_of_what_it_passes);
    tcase_add_test(tc, test_interleave_takes_whole_rounds_from_uneven_buffers);
    tcase_add_test(tc, test_interleave_timestamps);
    tcase_add_test(tc, test_deinterleave_deals_whole_rounds_across_buffers);
    tcase_add_test(tc, test_deinterleave_timestamps);
    tcase_add_test(tc, test_selector_passes_one_input_and_drops_the_rest);
    tcase_add_test(tc, test_selector_ends_with_its_input_and_drops_all_when_disabled);
    tcase_add_test(tc, test_selector_times_are_the_selected_inputs);
    tcase_add_test(tc, test_valve_passes_when_closed_and_drops_when_open);
    tcase_add_test(tc, test_mute_writes_zeros_of_the_type_and_keeps_the_count);
    tcase_add_test(tc, test_probe_rate_posts_gnu_radios_rate_message);
    tcase_add_test(tc, test_bad_parameters_are_refused_with_where);
    tcase_add_test(tc, test_valve_mute_keep_and_selector_are_live);
    tcase_add_test(tc, test_skiphead_and_keep_one_in_n_go_on_after_a_restart);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
