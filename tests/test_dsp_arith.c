/* test_dsp_arith.c - the stream arithmetic blocks (multiply, subtract, divide,
 * multiply_conjugate, conjugate) in small graphs: their values for each type against
 * the arithmetic written out again here, three inputs whose buffers never line up,
 * the integer edge cases by hand, timestamps, and the declarations' errors. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runutil.h"
#include "suite.h"

#define N 10 /* items per input */

/* The graphs are named "a" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("a", yaml, 1);
}

static double *numbers(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_uint_eq(n, want);
    return v;
}

/* ---- three inputs of each type ------------------------------------------------------- */

enum op { MUL, SUB, DIV };
static const char *const types[] = {"f32", "c32", "i16", "i32"};

/* Inputs a, b, c for each type (c32: re, im pairs). The c32 values are dyadic, and
 * every |b|^2 and |c|^2 a power of two, so products and quotients are exact whichever
 * way a kernel computes them. */
static const double in_f32[3][N] = {
    {1.5, -2, 3, 0.25, 7, -1, 100, 0.5, -8, 6},
    {2, 4, -0.5, 8, 1, 3, -2, 0.1, 0.125, -3},
    {3, -1, 0.5, 2, 10, 0.3, 4, -2, 1, 0.7},
};
static const double in_c32[3][2 * N] = {
    {1, 2, 3, -1, -2, 0.5, 0, 1, 4, 4, -1, -1, 0.5, 0, 2, -3, 1, 0, -4, 2},
    {0, 1, 1, 1, 2, 0, -2, 0, 1, -1, 0, -2, 1, 1, 0.5, 0.5, -1, 0, 2, 2},
    {1, 0, 0, 1, 1, 1, 0, -1, 2, 0, 1, -1, 0, 0.5, 1, 0, -1, 1, 0.5, 0},
};
static const double in_i16[3][N] = {
    {300, -300, 32767, 2, -32768, 7, -7, 0, 5, -100},
    {300, 300, 2, -2, -1, 2, 2, 0, 0, 0},
    {1, 2, 1, -1, 1, 3, -1, 1, 1, 2},
};
static const double in_i32[3][N] = {
    {65536, -2147483648.0, 2147483647, 46341, 7, -7, 0, 5, -5, 1000000},
    {65536, -1, 2, 46341, 2, 2, 0, 0, 0, -3},
    {1, 1, 3, 1, -1, 1, 1, 7, 2, 1},
};

/* x wrapped into `bits` bits, two's complement, as the blocks' integers wrap. */
static int64_t wrap(int64_t x, int bits)
{
    int64_t m = (int64_t)1 << bits, h = m / 2;
    return ((x + h) % m + m) % m - h;
}

/* a op b on integers of `bits` bits: products and differences wrap; a quotient is
 * truncated toward zero, x / 0 is the type's max for x > 0, its min for x < 0 and 0
 * for 0, and min / -1 wraps to min. */
static int64_t int_op(enum op op, int64_t a, int64_t b, int bits)
{
    int64_t max = ((int64_t)1 << (bits - 1)) - 1;
    switch (op) {
    case MUL:
        return wrap(a * b, bits);
    case SUB:
        return wrap(a - b, bits);
    default:
        if (b == 0)
            return a > 0 ? max : a < 0 ? -max - 1 : 0;
        return wrap(a / b, bits);
    }
}

static float float_op(enum op op, float a, float b)
{
    return op == MUL ? a * b : op == SUB ? a - b : a / b;
}

/* (ar + j ai) op (br + j bi), in float. */
static void complex_op(enum op op, float ar, float ai, float br, float bi, float *r, float *i)
{
    float d = br * br + bi * bi;
    switch (op) {
    case MUL:
        *r = ar * br - ai * bi, *i = ar * bi + ai * br;
        break;
    case SUB:
        *r = ar - br, *i = ai - bi;
        break;
    default: /* a conj(b) / |b|^2 */
        *r = (ar * br + ai * bi) / d, *i = (ai * br - ar * bi) / d;
    }
}

/* A list of numbers as YAML: "[1, 2.5, ...]". */
static void yaml_list(char *buf, size_t len, const double *v, size_t n)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%.17g", i ? ", " : "", v[i]);
    snprintf(buf + at, len - at, "]");
}

static const double *inputs(int t, int i)
{
    return t == 0 ? in_f32[i] : t == 1 ? in_c32[i] : t == 2 ? in_i16[i] : in_i32[i];
}

/* One graph: for each type, three vector_sources with 3, 2 and 4 items a buffer into
 * block `name` (inputs: 3) and a vector_sink NAME_TYPE.txt. */
static void three_inputs_graph(const char *name)
{
    static const int per_buf[3] = {3, 2, 4};
    char yaml[16384], list[512];
    size_t at = (size_t)snprintf(yaml, sizeof yaml, "blocks:\n");

    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < 3; i++) {
            yaml_list(list, sizeof list, inputs(t, i), t == 1 ? 2 * N : N);
            at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                                   "  s%d%d: {type: vector_source, params: {type: %s, values: %s,"
                                   " items_per_buffer: %d}}\n",
                                   t, i, types[t], list, per_buf[i]);
        }
        at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                               "  x%d: {type: %s, params: {inputs: 3, type: %s}}\n"
                               "  o%d: {type: vector_sink, params: {type: %s, path: %s_%s.txt}}\n",
                               t, name, types[t], t, types[t], name, types[t]);
    }
    at += (size_t)snprintf(yaml + at, sizeof yaml - at, "connections:\n");
    for (int t = 0; t < 4; t++)
        at += (size_t)snprintf(yaml + at, sizeof yaml - at,
                               "  - [s%d0.out, x%d.in0]\n  - [s%d1.out, x%d.in1]\n"
                               "  - [s%d2.out, x%d.in2]\n  - [x%d.out, o%d.in]\n",
                               t, t, t, t, t, t, t, t);
    graph_ok(yaml);
}

/* The outputs of three_inputs_graph against (a op b) op c, each step in the type. */
static void check_three_inputs(const char *name, enum op op)
{
    char path[64];
    three_inputs_graph(name);
    for (int t = 0; t < 4; t++) {
        snprintf(path, sizeof path, "%s_%s.txt", name, types[t]);
        double *v = numbers(path, t == 1 ? 2 * N : N);
        const double *a = inputs(t, 0), *b = inputs(t, 1), *c = inputs(t, 2);
        for (int k = 0; k < N; k++) {
            if (t == 0) {
                float want = float_op(op, float_op(op, (float)a[k], (float)b[k]), (float)c[k]);
                ck_assert_msg((float)v[k] == want, "%s f32 item %d: %.9g, want %.9g", name, k,
                              v[k], want);
            } else if (t == 1) {
                float r, i;
                complex_op(op, (float)a[2 * k], (float)a[2 * k + 1], (float)b[2 * k],
                           (float)b[2 * k + 1], &r, &i);
                complex_op(op, r, i, (float)c[2 * k], (float)c[2 * k + 1], &r, &i);
                ck_assert_msg((float)v[2 * k] == r && (float)v[2 * k + 1] == i,
                              "%s c32 item %d: %g%+gj, want %g%+gj", name, k, v[2 * k],
                              v[2 * k + 1], r, i);
            } else {
                int bits = t == 2 ? 16 : 32;
                int64_t want = int_op(op, int_op(op, (int64_t)a[k], (int64_t)b[k], bits),
                                      (int64_t)c[k], bits);
                ck_assert_msg(v[k] == (double)want, "%s %s item %d: %.0f, want %lld", name,
                              types[t], k, v[k], (long long)want);
            }
        }
        free(v);
    }
}

START_TEST(test_multiply_three_inputs_of_uneven_buffers_each_type)
{
    enter_tmpdir();
    check_three_inputs("multiply", MUL);
}
END_TEST

START_TEST(test_subtract_three_inputs_of_uneven_buffers_each_type)
{
    enter_tmpdir();
    check_three_inputs("subtract", SUB);
}
END_TEST

START_TEST(test_divide_three_inputs_of_uneven_buffers_each_type)
{
    enter_tmpdir();
    check_three_inputs("divide", DIV);
}
END_TEST

/* ---- integer edges, by hand ---------------------------------------------------------- */

/* in0 op in1 for each case, two inputs of one buffer each, the output's text. */
static char *two_inputs(const char *block, const char *type, const char *a, const char *b)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  a: {type: vector_source, params: {type: %s, values: %s}}\n"
             "  b: {type: vector_source, params: {type: %s, values: %s}}\n"
             "  x: {type: %s, params: {type: %s}}\n"
             "  o: {type: vector_sink, params: {type: %s, path: o.txt}}\n"
             "connections:\n  - [a.out, x.in0]\n  - [b.out, x.in1]\n  - [x.out, o.in]\n",
             type, a, type, b, block, type, type);
    graph_ok(yaml);
    return read_file("o.txt", NULL);
}

static void assert_two_inputs(const char *block, const char *type, const char *a,
                              const char *b, const char *want)
{
    char *o = two_inputs(block, type, a, b);
    ck_assert_msg(!strcmp(o, want), "%s %s: %s, want %s", block, type, o, want);
    free(o);
}

START_TEST(test_integer_products_and_differences_wrap)
{
    enter_tmpdir();
    /* 90000, -90000, 65534, 32768 and 32761 in 16 bits */
    assert_two_inputs("multiply", "i16", "[300, -300, 32767, -32768, 181]",
                      "[300, 300, 2, -1, 181]", "24464\n-24464\n-2\n-32768\n32761\n");
    /* 2^32, 2^31, 2^32 - 2 and 46341^2 = 2147488281 in 32 bits */
    assert_two_inputs("multiply", "i32", "[65536, -2147483648, 2147483647, 46341]",
                      "[65536, -1, 2, 46341]", "0\n-2147483648\n-2\n-2147479015\n");
    assert_two_inputs("subtract", "i16", "[-32768, 32767, 0]", "[1, -1, -32768]",
                      "32767\n-32768\n-32768\n");
    assert_two_inputs("subtract", "i32", "[-2147483648, 2147483647, 0]",
                      "[1, -1, -2147483648]", "2147483647\n-2147483648\n-2147483648\n");
}
END_TEST

/* GNU Radio's divide_ss and _ii die of SIGFPE here; mq's are defined. */
START_TEST(test_integer_division_truncates_and_saturates_by_zero)
{
    enter_tmpdir();
    assert_two_inputs("divide", "i16", "[7, -7, 5, -5, 0, -32768, 32767, -32768]",
                      "[2, 2, 0, 0, 0, -1, -1, 1]",
                      "3\n-3\n32767\n-32768\n0\n-32768\n-32767\n-32768\n");
    assert_two_inputs("divide", "i32", "[7, -7, 5, -5, 0, -2147483648, 2147483647]",
                      "[-2, -2, 0, 0, 0, -1, -1]",
                      "-3\n3\n2147483647\n-2147483648\n0\n-2147483648\n-2147483647\n");
}
END_TEST

START_TEST(test_float_division_by_zero_is_ieee)
{
    enter_tmpdir();
    char *o = two_inputs("divide", "f32", "[1, -1, 0, 6]", "[0, 0, 0, 4]");
    free(o);
    double *v = numbers("o.txt", 4);
    ck_assert(isinf(v[0]) && v[0] > 0);
    ck_assert(isinf(v[1]) && v[1] < 0);
    ck_assert(isnan(v[2]));
    ck_assert_double_eq(v[3], 1.5);
    free(v);
}
END_TEST

/* ---- timestamps ------------------------------------------------------------------------ */

/* Input 0's stamps, moved to the first item used and its range cut to the items
 * combined: at 1000 items/s item k sits at k ms. Input 0 comes in buffers of 3 and
 * input 1 in buffers of 2, so the outputs hold 2, 1, 1 and 1 items. */
START_TEST(test_outputs_take_input_zeros_timestamps)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5], items_per_buffer: 3,"
             " timestamps: relative, sample_rate: 1000}}\n"
             "  b: {type: vector_source, params: {values: [10, 20, 30, 40, 50],"
             " items_per_buffer: 2}}\n"
             "  m: {type: multiply}\n"
             "  o: {type: vector_sink, params: {path: m.txt, timestamps: true}}\n"
             "  c: {type: vector_source, params: {values: [1, 2, 3, 4, 5], items_per_buffer: 3}}\n"
             "  d: {type: vector_source, params: {values: [10, 20, 30, 40, 50],"
             " items_per_buffer: 2}}\n"
             "  s: {type: subtract}\n"
             "  p: {type: vector_sink, params: {path: s.txt, timestamps: true}}\n"
             "connections:\n  - [a.out, m.in0]\n  - [b.out, m.in1]\n  - [m.out, o.in]\n"
             "  - [c.out, s.in0]\n  - [d.out, s.in1]\n  - [s.out, p.in]\n");
    char *m = read_file("m.txt", NULL), *s = read_file("s.txt", NULL);
    ck_assert_str_eq(m, "@ relative 0 0 1000000\n10\n40\n"
                        "@ relative 2000000 2000000 2000000\n90\n"
                        "@ relative 3000000 3000000 3000000\n160\n"
                        "@ relative 4000000 4000000 4000000\n250\n");
    ck_assert_str_eq(s, "@ sample 0\n-9\n-18\n@ sample 2\n-27\n@ sample 3\n-36\n"
                        "@ sample 4\n-45\n");
    free(m), free(s);
}
END_TEST

/* The sum goes over input 0's buffer when add holds its only reference, and into
 * a new one when input 0 also feeds another block: what that block gets stays
 * the input's. Buffers of 4 against 3 items take both ways in turn. */
START_TEST(test_in_place_over_a_sole_input_only)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8],"
             " items_per_buffer: 4}}\n"
             "  b: {type: vector_source, params: {values: [10, 20, 30, 40, 50, 60, 70, 80],"
             " items_per_buffer: 4}}\n"
             "  c: {type: vector_source, params: {values: [100, 200, 300, 400, 500, 600, 700,"
             " 800], items_per_buffer: 3}}\n"
             "  s: {type: add, params: {inputs: 3}}\n"
             "  o: {type: vector_sink, params: {path: s.txt}}\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4], items_per_buffer: 2}}\n"
             "  y: {type: vector_source, params: {values: [5, 6, 7, 8], items_per_buffer: 2}}\n"
             "  t: {type: add}\n"
             "  p: {type: vector_sink, params: {path: t.txt}}\n"
             "  raw: {type: vector_sink, params: {path: raw.txt}}\n"
             "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [c.out, s.in2]\n"
             "  - [s.out, o.in]\n  - [x.out, t.in0]\n  - [x.out, raw.in]\n"
             "  - [y.out, t.in1]\n  - [t.out, p.in]\n");
    char *sum = read_file("s.txt", NULL), *t = read_file("t.txt", NULL);
    char *raw = read_file("raw.txt", NULL);
    ck_assert_str_eq(sum, "111\n222\n333\n444\n555\n666\n777\n888\n");
    ck_assert_str_eq(t, "6\n8\n10\n12\n");
    ck_assert_str_eq(raw, "1\n2\n3\n4\n");
    free(sum), free(t), free(raw);
}
END_TEST

/* ---- complex ---------------------------------------------------------------------------- */

START_TEST(test_multiply_conjugate_and_conjugate)
{
    static const double a[] = {1, 2, 3, -1, -2, 0.5, 0, 1, 4, 4, -1.5, -1, 7, 0.25};
    static const double b[] = {0, 1, 1, 1, 2, 0, -2, 3, 1, -1, 0, -2, -0.5, 8};
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {type: c32, items_per_buffer: 3, values: [1, 2,"
             " 3, -1, -2, 0.5, 0, 1, 4, 4, -1.5, -1, 7, 0.25]}}\n"
             "  b: {type: vector_source, params: {type: c32, items_per_buffer: 2, values: [0, 1,"
             " 1, 1, 2, 0, -2, 3, 1, -1, 0, -2, -0.5, 8]}}\n"
             "  m: {type: multiply_conjugate}\n"
             "  o: {type: vector_sink, params: {type: c32, path: m.txt}}\n"
             "  c: {type: vector_source, params: {type: c32, items_per_buffer: 3, values: [1, 2,"
             " 3, -1, -2, 0.5, 0, 1, 4, 4, -1.5, -1, 7, 0.25]}}\n"
             "  j: {type: conjugate}\n"
             "  p: {type: vector_sink, params: {type: c32, path: j.txt, timestamps: true}}\n"
             "connections:\n  - [a.out, m.in0]\n  - [b.out, m.in1]\n  - [m.out, o.in]\n"
             "  - [c.out, j.in]\n  - [j.out, p.in]\n");
    double *m = numbers("m.txt", 14);
    for (int k = 0; k < 7; k++) {
        /* (ar + j ai)(br - j bi) */
        float ar = (float)a[2 * k], ai = (float)a[2 * k + 1];
        float br = (float)b[2 * k], bi = (float)b[2 * k + 1];
        float r = ar * br + ai * bi, i = ai * br - ar * bi;
        ck_assert_msg((float)m[2 * k] == r && (float)m[2 * k + 1] == i,
                      "item %d: %g%+gj, want %g%+gj", k, m[2 * k], m[2 * k + 1], r, i);
    }
    free(m);
    char *j = read_file("j.txt", NULL);
    ck_assert_str_eq(j, "@ sample 0\n1 -2\n3 1\n-2 -0.5\n@ sample 3\n0 -1\n4 -4\n-1.5 1\n"
                        "@ sample 6\n7 -0.25\n");
    free(j);
}
END_TEST

/* ---- declarations ------------------------------------------------------------------------ */

static void assert_invalid(const char *yaml, const char *want)
{
    write_file("bad.yaml", yaml);
    const char *args[] = {"validate", "bad.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, want);
    free(err);
}

/* vlen is GNU Radio's: connected ports must agree on it, as on the type. */
START_TEST(test_vlen_and_type_must_match_the_connection)
{
    enter_tmpdir();
    assert_invalid("blocks:\n"
                   "  a: {type: vector_source, params: {type: c32, values: [1, 2]}}\n"
                   "  b: {type: vector_source, params: {type: c32, values: [1, 2]}}\n"
                   "  m: {type: multiply_conjugate, params: {vlen: 4}}\n"
                   "  o: {type: null_sink, params: {type: c32}}\n"
                   "connections:\n  - [a.out, m.in0]\n  - [b.out, m.in1]\n  - [m.out, o.in]\n",
                   "bad.yaml:7:13: vector lengths differ: a.out has vlen 1 but m.in0 has vlen 4\n");
    assert_invalid("blocks:\n"
                   "  a: {type: vector_source, params: {values: [1, 2]}}\n"
                   "  d: {type: divide, params: {inputs: 1, type: i16}}\n"
                   "  o: {type: null_sink, params: {type: i16}}\n"
                   "connections:\n  - [a.out, d.in0]\n  - [d.out, o.in]\n",
                   "bad.yaml:6:13: item types differ: a.out is f32 but d.in0 is i16 (d's type is "
                   "given as i16: leave it out to follow a.out)\n");
    assert_invalid("blocks:\n"
                   "  m: {type: multiply, params: {type: f64}}\n",
                   "bad.yaml:2:38: block 'm': parameter 'type': 'f64' is not one of "
                   "f32|c32|i16|i32\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_arith");
    TCase *tc = tcase_create("dsp_arith");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_multiply_three_inputs_of_uneven_buffers_each_type);
    tcase_add_test(tc, test_subtract_three_inputs_of_uneven_buffers_each_type);
    tcase_add_test(tc, test_divide_three_inputs_of_uneven_buffers_each_type);
    tcase_add_test(tc, test_integer_products_and_differences_wrap);
    tcase_add_test(tc, test_integer_division_truncates_and_saturates_by_zero);
    tcase_add_test(tc, test_float_division_by_zero_is_ieee);
    tcase_add_test(tc, test_outputs_take_input_zeros_timestamps);
    tcase_add_test(tc, test_in_place_over_a_sole_input_only);
    tcase_add_test(tc, test_multiply_conjugate_and_conjugate);
    tcase_add_test(tc, test_vlen_and_type_must_match_the_connection);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
