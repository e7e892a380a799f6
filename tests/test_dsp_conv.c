/* test_dsp_conv.c - the type converters (complex_to_mag .. float_to_uchar) in small
 * graphs: their values, exact where the result is a float or an integer (the
 * expected numbers are worked out by hand in the comments, and are what GNU
 * Radio 3.10.5's blocks give on the same input), complex_to_arg within a stated
 * tolerance of atan2; inputs in buffers of 3 items, so every block is seen across
 * buffer boundaries; timestamps passed through; the parameter errors, word for
 * word; scale changed while a graph runs. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

/* The graphs are named "conv" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("conv", yaml, 1);
}

static void assert_file(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_str_eq(got, want);
    free(got);
}

/* `mqgraph validate` on `yaml` exits 2 with exactly `err` on stderr. */
static void refused(const char *yaml, const char *err)
{
    write_file("bad.yaml", yaml);
    const char *args[] = {"validate", "bad.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    assert_file("err.txt", err);
}

/* Twelve complex items in buffers of three, with magnitudes that are floats:
 * 3+4j (5), -3-4j (5), 0, -5+12j (13), 8-15j (17), -0.75+1j (1.25),
 * 0.375-0.5j (0.625), -1+0j, -1-0j, 1j, -1j (1), and 0.5-0.25j, whose magnitude
 * sqrt(0.3125) rounds to the float 0.559017003. */
static const double cx[][2] = {{3, 4},     {-3, -4},      {0, 0},  {-5, 12}, {8, -15},
                               {-0.75, 1}, {0.375, -0.5}, {-1, 0}, {-1, -0.0}, {0, 1},
                               {0, -1},    {0.5, -0.25}};
#define NCX (sizeof cx / sizeof cx[0])

START_TEST(test_complex_to_parts_magnitudes_and_argument)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: vector_source, params: {type: c32, items_per_buffer: 3, values: [3, 4,"
             " -3, -4, 0, 0, -5, 12, 8, -15, -0.75, 1, 0.375, -0.5, -1, 0, -1, -0.0, 0, 1,"
             " 0, -1, 0.5, -0.25]}}\n"
             "  sp: {type: splitter, params: {outputs: 6, type: c32}}\n"
             "  mag: {type: complex_to_mag}\n"
             "  sq: {type: complex_to_mag_squared}\n"
             "  re: {type: complex_to_real}\n"
             "  im: {type: complex_to_imag}\n"
             "  arg: {type: complex_to_arg}\n"
             "  cf: {type: complex_to_float}\n"
             "  o1: {type: vector_sink, params: {path: mag.txt, timestamps: true}}\n"
             "  o2: {type: vector_sink, params: {path: sq.txt}}\n"
             "  o3: {type: vector_sink, params: {path: re.txt}}\n"
             "  o4: {type: vector_sink, params: {path: im.txt}}\n"
             "  o5: {type: vector_sink, params: {path: arg.txt}}\n"
             "  o6: {type: vector_sink, params: {path: cfre.txt}}\n"
             "  o7: {type: vector_sink, params: {path: cfim.txt, timestamps: true}}\n"
             "connections:\n  - [s.out, sp.in]\n"
             "  - [sp.out0, mag.in]\n  - [sp.out1, sq.in]\n  - [sp.out2, re.in]\n"
             "  - [sp.out3, im.in]\n  - [sp.out4, arg.in]\n  - [sp.out5, cf.in]\n"
             "  - [mag.out, o1.in]\n  - [sq.out, o2.in]\n  - [re.out, o3.in]\n"
             "  - [im.out, o4.in]\n  - [arg.out, o5.in]\n"
             "  - [cf.re, o6.in]\n  - [cf.im, o7.in]\n");
    /* each buffer keeps its input's sample index */
    assert_file("mag.txt", "@ sample 0\n5\n5\n0\n@ sample 3\n13\n17\n1.25\n"
                           "@ sample 6\n0.625\n1\n1\n@ sample 9\n1\n1\n0.559017003\n");
    assert_file("sq.txt", "25\n25\n0\n169\n289\n1.5625\n0.390625\n1\n1\n1\n1\n0.3125\n");
    const char *re = "3\n-3\n0\n-5\n8\n-0.75\n0.375\n-1\n-1\n0\n0\n0.5\n";
    const char *im = "4\n-4\n0\n12\n-15\n1\n-0.5\n0\n-0\n1\n-1\n-0.25\n";
    assert_file("re.txt", re);
    assert_file("im.txt", im);
    assert_file("cfre.txt", re);
    assert_file("cfim.txt", "@ sample 0\n4\n-4\n0\n@ sample 3\n12\n-15\n1\n"
                            "@ sample 6\n-0.5\n0\n-0\n@ sample 9\n1\n-1\n-0.25\n");
    /* atan2 within 2e-6 rad: GNU Radio's fast_atan2f is off by up to 1.5e-6, a
     * float's rounding at pi is 1.2e-7. 0+0j is 0 and -1-0j is -pi exactly
     * (GNU Radio's gives +pi for it). */
    size_t n;
    double *arg = read_numbers("arg.txt", &n);
    ck_assert_uint_eq(n, NCX);
    for (size_t k = 0; k < NCX; k++)
        ck_assert_msg(fabs(arg[k] - atan2(cx[k][1], cx[k][0])) < 2e-6, "item %zu: %.9g, not %.9g",
                      k, arg[k], atan2(cx[k][1], cx[k][0]));
    ck_assert_double_eq(arg[2], 0);
    ck_assert_float_eq((float)arg[8], -(float)M_PI); /* 9 digits read back as the float */
    free(arg);
}
END_TEST

/* The same values through each saturating converter, in buffers of three. By hand,
 * rounding half to even: float_to_short with scale 2 makes 0.5 1.5 2.5 -0.5 -1.5
 * -2.5 of the first six, 80001.4 saturates to 32767; float_to_char with scale 1
 * rounds 0.75 to 1, -0.75 to -1 (the byte 255), 127.5 and 254.5 clip to 127,
 * -128.5 to -128 (128); float_to_uchar clips below 0 to 0 and 255.5 to 255. */
START_TEST(test_float_to_integers_round_half_to_even_and_saturate)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: vector_source, params: {items_per_buffer: 3, values: [0.25, 0.75, 1.25,"
             " -0.25, -0.75, -1.25, 2.5, 3.5, -2.5, 40000.7, -40000.7, 127.5, -128.5, 254.5,"
             " 255.5, -3]}}\n"
             "  sp: {type: splitter, params: {outputs: 3}}\n"
             "  sh: {type: float_to_short, params: {scale: 2}}\n"
             "  ch: {type: float_to_char}\n"
             "  uc: {type: float_to_uchar}\n"
             "  o1: {type: vector_sink, params: {path: sh.txt, type: i16, timestamps: true}}\n"
             "  o2: {type: vector_sink, params: {path: ch.txt, type: u8}}\n"
             "  o3: {type: vector_sink, params: {path: uc.txt, type: u8}}\n"
             "connections:\n  - [s.out, sp.in]\n"
             "  - [sp.out0, sh.in]\n  - [sp.out1, ch.in]\n  - [sp.out2, uc.in]\n"
             "  - [sh.out, o1.in]\n  - [ch.out, o2.in]\n  - [uc.out, o3.in]\n");
    assert_file("sh.txt", "@ sample 0\n0\n2\n2\n@ sample 3\n0\n-2\n-2\n@ sample 6\n5\n7\n-5\n"
                          "@ sample 9\n32767\n-32768\n255\n@ sample 12\n-257\n509\n511\n"
                          "@ sample 15\n-6\n");
    assert_file("ch.txt", "0\n1\n1\n0\n255\n255\n2\n4\n254\n127\n128\n127\n128\n127\n127\n253\n");
    assert_file("uc.txt", "0\n1\n1\n0\n0\n0\n2\n4\n0\n255\n0\n128\n0\n254\n255\n0\n");
}
END_TEST

/* short_to_float divides by scale 4 (32767 is 8191.75); char_to_float reads the
 * bytes as int8 (128 is -128, 255 is -1, 200 is -56) and divides by 2;
 * uchar_to_float takes them as they are. */
START_TEST(test_integers_to_float_divide_by_scale)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: vector_source, params: {type: i16, items_per_buffer: 3,"
             " values: [1, -3, 32767, -32768, 5, -2]}}\n"
             "  b: {type: vector_source, params: {type: u8, items_per_buffer: 3,"
             " values: [1, 127, 128, 255, 0, 200]}}\n"
             "  sp: {type: splitter, params: {outputs: 2, type: u8}}\n"
             "  sf: {type: short_to_float, params: {scale: 4}}\n"
             "  cf: {type: char_to_float, params: {scale: 2}}\n"
             "  uf: {type: uchar_to_float}\n"
             "  o1: {type: vector_sink, params: {path: sf.txt, timestamps: true}}\n"
             "  o2: {type: vector_sink, params: {path: cf.txt}}\n"
             "  o3: {type: vector_sink, params: {path: uf.txt, timestamps: true}}\n"
             "connections:\n  - [s.out, sf.in]\n  - [b.out, sp.in]\n"
             "  - [sp.out0, cf.in]\n  - [sp.out1, uf.in]\n"
             "  - [sf.out, o1.in]\n  - [cf.out, o2.in]\n  - [uf.out, o3.in]\n");
    assert_file("sf.txt", "@ sample 0\n0.25\n-0.75\n8191.75\n@ sample 3\n-8192\n1.25\n-0.5\n");
    assert_file("cf.txt", "0.5\n63.5\n-64\n-0.5\n0\n-28\n");
    assert_file("uf.txt", "@ sample 0\n1\n127\n128\n@ sample 3\n255\n0\n200\n");
}
END_TEST

/* The real parts come in buffers of 3, the imaginary ones in buffers of 2: each
 * output buffer holds as many items as both inputs have, stamped with the sample
 * index of its first real part: 2 items at 0, 1 at 2, 1 at 3, 2 at 4, 1 at 6.
 * With one input the imaginary part is 0. */
START_TEST(test_float_to_complex_from_uneven_buffers_and_alone)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  r: {type: vector_source, params: {items_per_buffer: 3,"
             " values: [1, 2, 3, 4, 5, 6, -7]}}\n"
             "  i: {type: vector_source, params: {items_per_buffer: 2,"
             " values: [-1, -2, -3, -4, -5, -6, 0.5]}}\n"
             "  r1: {type: vector_source, params: {items_per_buffer: 3, values: [1.5, -2, 3, 4]}}\n"
             "  fc: {type: float_to_complex}\n"
             "  f1: {type: float_to_complex, params: {inputs: 1}}\n"
             "  o: {type: vector_sink, params: {path: fc.txt, type: c32, timestamps: true}}\n"
             "  o1: {type: vector_sink, params: {path: f1.txt, type: c32}}\n"
             "connections:\n  - [r.out, fc.in0]\n  - [i.out, fc.in1]\n  - [r1.out, f1.in0]\n"
             "  - [fc.out, o.in]\n  - [f1.out, o1.in]\n");
    assert_file("fc.txt", "@ sample 0\n1 -1\n2 -2\n@ sample 2\n3 -3\n@ sample 3\n4 -4\n"
                          "@ sample 4\n5 -5\n6 -6\n@ sample 6\n-7 0.5\n");
    assert_file("f1.txt", "1.5 0\n-2 0\n3 0\n4 0\n");
}
END_TEST

/* vlen 3: an item is 3 floats, so the 9 floats are 3 items, in buffers of 2 items
 * and 1 (24 and 12 bytes from a bytes source, which connects to any vlen). Scale
 * 0.5: 0.5 -0.5 1.5 | 2.5 -2.5 35000 | 0.25 0.75 -0.75 become 0 0 2 | 2 -2 32767 |
 * 0 1 -1. */
START_TEST(test_float_to_short_converts_whole_vectors)
{
    const float x[9] = {1, -1, 3, 5, -5, 70000, 0.5f, 1.5f, -1.5f};
    const int16_t want[9] = {0, 0, 2, 2, -2, 32767, 0, 1, -1};
    size_t len;
    FILE *f;
    enter_tmpdir();
    ck_assert_ptr_nonnull(f = fopen("x.f32", "wb"));
    ck_assert_uint_eq(fwrite(x, sizeof x, 1, f), 1);
    fclose(f);
    graph_ok("blocks:\n"
             "  s: {type: file_source, params: {path: x.f32, items_per_buffer: 6}}\n"
             "  v: {type: stream_to_vector, params: {num_items: 3}}\n"
             "  c: {type: float_to_short, params: {vlen: 3, scale: 0.5}}\n"
             "  o: {type: file_sink, params: {path: y.i16, type: bytes}}\n"
             "connections:\n  - [s.out, v.in]\n  - [v.out, c.in]\n  - [c.out, o.in]\n");
    int16_t *y = (int16_t *)read_file("y.i16", &len);
    ck_assert_uint_eq(len, sizeof want);
    for (int k = 0; k < 9; k++)
        ck_assert_msg(y[k] == want[k], "element %d: %d, not %d", k, y[k], want[k]);
    free(y);
}
END_TEST

START_TEST(test_bad_parameters_are_refused_where_they_are)
{
    enter_tmpdir();
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1]}}\n"
            "  c: {type: float_to_complex, params: {inputs: 3}}\n"
            "  o: {type: null_sink, params: {type: c32}}\n"
            "connections:\n  - [s.out, c.in0]\n  - [c.out, o.in]\n",
            "bad.yaml:3:48: block 'c': parameter 'inputs': 3 is outside [1, 2]\n");
    /* the dividing converters refuse a scale of 0, and one that is 0 as a float */
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1], type: i16}}\n"
            "  c: {type: short_to_float, params: {scale: 0}}\n"
            "  o: {type: null_sink}\n"
            "connections:\n  - [s.out, c.in]\n  - [c.out, o.in]\n",
            "bad.yaml:3:3: block 'c': parameter 'scale': the items are divided by it, so it "
            "must not be 0 (or round to 0 as a float)\n");
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1], type: u8}}\n"
            "  c: {type: char_to_float, params: {scale: 1e-50}}\n"
            "  o: {type: null_sink}\n"
            "connections:\n  - [s.out, c.in]\n  - [c.out, o.in]\n",
            "bad.yaml:3:3: block 'c': parameter 'scale': the items are divided by it, so it "
            "must not be 0 (or round to 0 as a float)\n");
    /* both parts of complex_to_float must go somewhere */
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1, 2], type: c32}}\n"
            "  c: {type: complex_to_float}\n"
            "  o: {type: null_sink}\n"
            "connections:\n  - [s.out, c.in]\n  - [c.re, o.in]\n",
            "bad.yaml:3:3: output 'im' of block 'c' is not connected (a null_sink discards "
            "what nobody reads)\n");
    /* vlen is the ports' */
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1, 2], type: c32}}\n"
            "  c: {type: complex_to_mag, params: {vlen: 2}}\n"
            "  o: {type: null_sink}\n"
            "connections:\n  - [s.out, c.in]\n  - [c.out, o.in]\n",
            "bad.yaml:6:13: vector lengths differ: s.out has vlen 1 but c.in has vlen 2\n");
}
END_TEST

/* A constant 1 at 100k items/s, 1000 a buffer, through float_to_short (scale 3)
 * and short_to_float (scale 2): two seconds to change both scales in. Each new
 * scale holds from the item its set names, a buffer boundary; a scale of 0 for
 * short_to_float is refused as in the graph file. */
START_TEST(test_scale_is_live)
{
    size_t len;
    own_ctldir();
    pid_t pid = start_graph("convlive",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {waveform: constant, amplitude: 1,"
                            " items_per_buffer: 1000}}\n"
                            "  head: {type: head, params: {items: 200000}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  sh: {type: float_to_short, params: {scale: 3}}\n"
                            "  sf: {type: short_to_float, params: {scale: 2}}\n"
                            "  out: {type: file_sink, params: {path: out.f32}}\n"
                            "connections:\n  - [src.out, head.in]\n  - [head.out, thr.in]\n"
                            "  - [thr.out, sh.in]\n  - [sh.out, sf.in]\n  - [sf.out, out.in]\n",
                            6);
    long long a = set_at("convlive" SFX, "sh.scale=-2");
    const char *zero[] = {"set", "convlive" SFX, "sf.scale=0", NULL};
    ck_assert_int_eq(cli(zero), 1);
    char *err = cli_err();
    ck_assert_str_eq(err, "mqgraph set: block 'sf': parameter 'scale': the items are divided by "
                          "it, so it must not be 0 (or round to 0 as a float)\n");
    free(err);
    long long b = set_at("convlive" SFX, "sf.scale=4");
    ck_assert_int_eq(finish(pid), 0); /* the head ends the graph */
    ck_assert_int_eq(a % 1000, 0);
    ck_assert_int_eq(b % 1000, 0);
    ck_assert_int_lt(b, 200000);
    float *x = (float *)read_file("out.f32", &len);
    ck_assert_uint_eq(len, 200000 * sizeof *x);
    for (long long i = 0; i < 200000; i++) {
        float want = (i < a ? 3.0f : -2.0f) / (i < b ? 2.0f : 4.0f);
        ck_assert_msg(x[i] == want, "item %lld: %g, not %g (set at %lld, %lld)", i, x[i], want,
                      a, b);
    }
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_conv");
    TCase *tc = tcase_create("conv");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_complex_to_parts_magnitudes_and_argument);
    tcase_add_test(tc, test_float_to_integers_round_half_to_even_and_saturate);
    tcase_add_test(tc, test_integers_to_float_divide_by_scale);
    tcase_add_test(tc, test_float_to_complex_from_uneven_buffers_and_alone);
    tcase_add_test(tc, test_float_to_short_converts_whole_vectors);
    tcase_add_test(tc, test_bad_parameters_are_refused_where_they_are);
    tcase_add_test(tc, test_scale_is_live);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
