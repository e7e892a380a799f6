/* test_blocks.c - each block of the library in a small graph, its output checked
 * against values computed here; the blocks' errors, word for word. */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mntns.h"
#include "runutil.h"
#include "suite.h"

/* The graphs are named "b" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("b", yaml, 1);
}

/* The run failed (exit 1) naming the block and saying `why`; no output file. */
static void graph_fails(const char *yaml, const char *why, const char *output)
{
    run_yaml_fails("b", yaml, 1, why);
    ck_assert_int_ne(access(output, F_OK), 0);
}

static double *numbers(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_uint_eq(n, want);
    return v;
}

/* ---- sources ------------------------------------------------------------------------- */

/* GNU Radio's phase of item n in radians, wrapped into [-pi, pi) as its fixed-point
 * oscillator holds it, for frequency f, sample rate fs and initial phase p. */
static double gr_phase(double f, double fs, double p, int n)
{
    double c = f * n / fs + p / (2 * M_PI);
    return 2 * M_PI * (c - floor(c + 0.5));
}

START_TEST(test_sig_source_waveforms)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  cos: {type: sig_source, params: {waveform: cosine, frequency: 300, sample_rate: 8000,"
             " amplitude: 2, phase: 0.5}}\n"
             "  sq:  {type: sig_source, params: {waveform: square, frequency: 1000, sample_rate: 8000,"
             " amplitude: 3, offset: -1}}\n"
             "  saw: {type: sig_source, params: {waveform: sawtooth, frequency: 1000,"
             " sample_rate: 8000, amplitude: 8}}\n"
             "  k:   {type: sig_source, params: {waveform: constant, amplitude: 0.25, offset: 1}}\n"
             "  cx:  {type: sig_source, params: {type: c32, frequency: -500, sample_rate: 8000}}\n"
             "  tri: {type: sig_source, params: {waveform: triangle, frequency: 1000,"
             " sample_rate: 8000, amplitude: 8, offset: 0.5, items_per_buffer: 3}}\n"
             "  h1: {type: head, params: {items: 1000}}\n"
             "  h2: {type: head, params: {items: 1000}}\n"
             "  h3: {type: head, params: {items: 1000}}\n"
             "  h4: {type: head, params: {items: 1000}}\n"
             "  h5: {type: head, params: {items: 1000, type: c32}}\n"
             "  h6: {type: head, params: {items: 1000}}\n"
             "  o1: {type: vector_sink, params: {path: cos.txt}}\n"
             "  o2: {type: vector_sink, params: {path: sq.txt}}\n"
             "  o3: {type: vector_sink, params: {path: saw.txt}}\n"
             "  o4: {type: vector_sink, params: {path: k.txt}}\n"
             "  o5: {type: vector_sink, params: {path: cx.txt, type: c32}}\n"
             "  o6: {type: vector_sink, params: {path: tri.txt}}\n"
             "connections:\n"
             "  - [cos.out, h1.in]\n  - [h1.out, o1.in]\n"
             "  - [sq.out, h2.in]\n  - [h2.out, o2.in]\n"
             "  - [saw.out, h3.in]\n  - [h3.out, o3.in]\n"
             "  - [k.out, h4.in]\n  - [h4.out, o4.in]\n"
             "  - [cx.out, h5.in]\n  - [h5.out, o5.in]\n"
             "  - [tri.out, h6.in]\n  - [h6.out, o6.in]\n");
    double *cs = numbers("cos.txt", 1000), *sq = numbers("sq.txt", 1000);
    double *saw = numbers("saw.txt", 1000), *k = numbers("k.txt", 1000);
    double *cx = numbers("cx.txt", 2000), *tri = numbers("tri.txt", 1000);
    static const double tri8[] = {8, 6, 4, 2, 0, 2, 4, 6};
    for (int n = 0; n < 1000; n++) {
        ck_assert_double_eq_tol(cs[n], 2 * cos(2 * M_PI * 300.0 * n / 8000 + 0.5), 2e-6);
        /* 1 kHz at 8 kHz, as GNU Radio: low for the phase in [0, pi), high in [pi, 2pi)
         * (its "high from -pi to 0"): 4 samples low, then 4 high; exact */
        ck_assert_double_eq(sq[n], n % 8 < 4 ? -1.0 : 2.0);
        /* GNU Radio's A phi/2pi + A/2, phi the phase in [-pi, pi): 4 5 6 7 0 1 2 3 */
        ck_assert_double_eq(saw[n], (n + 4) % 8);
        ck_assert_double_eq(k[n], 1.25);
        double th = 2 * M_PI * -500.0 * n / 8000;
        ck_assert_double_eq_tol(cx[2 * n], cos(th), 1e-6); /* c32 sine is e^{i th} */
        ck_assert_double_eq_tol(cx[2 * n + 1], sin(th), 1e-6);
        /* GNU Radio's triangle, A phi/pi + A for phi in [-pi, 0), -A phi/pi + A after
         * (phi its phase in [-pi, pi)), plus the offset: 8 6 4 2 0 2 4 6, exact */
        double ph = gr_phase(1000, 8000, 0, n), t = 8 * ph / M_PI;
        ck_assert_double_eq_tol(tri[n], (ph < 0 ? t : -t) + 8 + 0.5, 1e-6);
        ck_assert_double_eq(tri[n], tri8[n % 8] + 0.5);
    }
    free(cs), free(sq), free(saw), free(k), free(cx), free(tri);
}
END_TEST

/* GNU Radio 3.10's c32 waveforms (sig_source_impl.cc, the gr_complex work), written
 * out from its formulas: amplitude a, offset o (added to the real part only, as a
 * GNU Radio offset of o+0j). The imaginary square, triangle and sawtooth are the
 * real ones a quarter period later; constant is a+o, 0. */
static void gr_c32(const char *wave, double a, double o, double ph, double *re, double *im)
{
    if (!strcmp(wave, "sine") || !strcmp(wave, "cosine")) {
        *re = a * cos(ph) + o, *im = a * sin(ph);
    } else if (!strcmp(wave, "square")) {
        *re = (ph < 0 ? a : 0) + o;
        *im = ph >= -M_PI / 2 && ph < M_PI / 2 ? a : 0;
    } else if (!strcmp(wave, "triangle")) {
        double t = a * ph / M_PI;
        *re = (ph < 0 ? t : -t) + a + o;
        *im = ph < -M_PI / 2 ? -t - a / 2 : ph < M_PI / 2 ? t + a / 2 : -t + 3 * a / 2;
    } else if (!strcmp(wave, "sawtooth")) {
        *re = a * ph / (2 * M_PI) + a / 2 + o;
        *im = a * ph / (2 * M_PI) + (ph < -M_PI / 2 ? 5 * a / 4 : a / 4);
    } else {
        *re = a + o, *im = 0;
    }
}

/* 1 kHz at 7 kHz: 7 samples a period, so no item falls on a quarter-period edge,
 * where GNU Radio's float phase against its double pi/2 decides by rounding. */
START_TEST(test_sig_source_c32_waveforms_are_gnu_radios)
{
    static const char *waves[] = {"sine", "cosine", "square", "triangle", "sawtooth", "constant"};
    char yaml[1024], path[32];
    enter_tmpdir();
    for (int w = 0; w < 6; w++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  s: {type: sig_source, params: {type: c32, waveform: %s, frequency: 1000,"
                 " sample_rate: 7000, amplitude: 2, offset: 0.5, phase: 0.3,"
                 " items_per_buffer: 5}}\n"
                 "  h: {type: head, params: {items: 700, type: c32}}\n"
                 "  o: {type: vector_sink, params: {path: %s.txt, type: c32}}\n"
                 "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n",
                 waves[w], waves[w]);
        graph_ok(yaml);
        snprintf(path, sizeof path, "%s.txt", waves[w]);
        double *v = numbers(path, 1400), re, im;
        for (int n = 0; n < 700; n++) {
            gr_c32(waves[w], 2, 0.5, gr_phase(1000, 7000, 0.3, n), &re, &im);
            ck_assert_msg(fabs(v[2 * n] - re) < 2e-6 && fabs(v[2 * n + 1] - im) < 2e-6,
                          "%s item %d: %g%+gj, GNU Radio %g%+gj", waves[w], n, v[2 * n],
                          v[2 * n + 1], re, im);
        }
        free(v);
    }
}
END_TEST

START_TEST(test_vector_source_types_and_repeat)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  i:  {type: vector_source, params: {values: [1.4, -2.6, 40000, -40000, 7], type: i16}}\n"
             "  c:  {type: vector_source, params: {values: [1, -1, 0.5, 2], type: c32, repeat: true,"
             " items_per_buffer: 3}}\n"
             "  h:  {type: head, params: {items: 7, type: c32}}\n"
             "  oi: {type: vector_sink, params: {path: i.txt, type: i16}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "connections:\n  - [i.out, oi.in]\n  - [c.out, h.in]\n  - [h.out, oc.in]\n");
    char *i = read_file("i.txt", NULL), *c = read_file("c.txt", NULL);
    ck_assert_str_eq(i, "1\n-3\n32767\n-32768\n7\n"); /* rounded, saturated */
    ck_assert_str_eq(c, "1 -1\n0.5 2\n1 -1\n0.5 2\n1 -1\n0.5 2\n1 -1\n");
    free(i), free(c);
    graph_fails("blocks:\n  v: {type: vector_source, params: {values: [1, 2, 3], type: c32}}\n"
                "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
                "connections:\n  - [v.out, o.in]\n",
                "mqgraph: block 'v' (vector_source): values: c32 takes re, im pairs, but 3 "
                "numbers were given\n",
                "o.txt");
}
END_TEST

START_TEST(test_file_source_repeat_and_errors)
{
    const float three[3] = {1.5f, -2.0f, 3.25f};
    FILE *f;
    enter_tmpdir();
    ck_assert_ptr_nonnull(f = fopen("three.f32", "wb"));
    fwrite(three, 4, 3, f);
    fclose(f);
    write_file("odd.f32", "12345"); /* 5 bytes: not whole f32 items */
    graph_ok("blocks:\n"
             "  s: {type: file_source, params: {path: three.f32, repeat: true, items_per_buffer: 2}}\n"
             "  h: {type: head, params: {items: 8}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n");
    char *o = read_file("o.txt", NULL);
    ck_assert_str_eq(o, "1.5\n-2\n3.25\n1.5\n-2\n3.25\n1.5\n-2\n");
    free(o);
    unlink("o.txt");
    graph_fails("blocks:\n  s: {type: file_source, params: {path: nope.f32}}\n"
                "  o: {type: vector_sink, params: {path: o.txt}}\n"
                "connections:\n  - [s.out, o.in]\n",
                "mqgraph: block 's' (file_source): cannot open 'nope.f32': No such file or "
                "directory\n",
                "o.txt");
    graph_fails("blocks:\n  s: {type: file_source, params: {path: odd.f32}}\n"
                "  o: {type: vector_sink, params: {path: o.txt}}\n"
                "connections:\n  - [s.out, o.in]\n",
                "mqgraph: block 's' (file_source): 'odd.f32' has 5 bytes, not a whole number of "
                "4-byte items\n",
                "o.txt");
}
END_TEST

static void noise_graph(const char *dist, const char *type, int seed, const char *path)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  n: {type: noise_source, params: {distribution: %s, type: %s, amplitude: 2,"
             " seed: %d}}\n"
             "  h: {type: head, params: {items: 200000, type: %s}}\n"
             "  o: {type: file_sink, params: {path: %s, type: %s}}\n"
             "connections:\n  - [n.out, h.in]\n  - [h.out, o.in]\n",
             dist, type, seed, type, path, type);
    graph_ok(yaml);
}

/* Mean and variance of the n floats in path. */
static void moments(const char *path, size_t n, double *mean, double *var)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    double s = 0, ss = 0;
    ck_assert_uint_eq(len, n * 4);
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *var = ss / (double)n;
    free(x);
}

/* Of the n c32 items in path, part (0 real, 1 imaginary): variance about 0, least
 * and greatest value. */
static void part_stats(const char *path, size_t n, int part, double *var, double *lo,
                       double *hi)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    double ss = 0;
    ck_assert_uint_eq(len, n * 8);
    *lo = *hi = x[part];
    for (size_t i = 0; i < n; i++) {
        double v = x[2 * i + part];
        ss += v * v;
        *lo = v < *lo ? v : *lo;
        *hi = v > *hi ? v : *hi;
    }
    *var = ss / (double)n;
    free(x);
}

/* GNU Radio's c32 noise_source scales both distributions by amplitude/sqrt(2) per
 * part (noise_source_impl.cc): uniform parts in [-A/sqrt2, A/sqrt2), variance
 * A^2/6 each; gaussian parts of variance A^2/2 each. A = 2 here. */
START_TEST(test_noise_source_c32_parts_are_scaled_by_one_over_root_two)
{
    double var, lo, hi, a = 2 / sqrt(2);
    enter_tmpdir();
    noise_graph("uniform", "c32", 7, "u.c32");
    for (int part = 0; part < 2; part++) {
        part_stats("u.c32", 200000, part, &var, &lo, &hi);
        ck_assert_msg(lo >= -a && hi < a, "part %d in [%g, %g], not in [-sqrt2, sqrt2)", part,
                      lo, hi);
        /* 200000 draws: the extremes lie within about 1e-4 of the bounds */
        ck_assert_double_eq_tol(lo, -a, 1e-3);
        ck_assert_double_eq_tol(hi, a, 1e-3);
        ck_assert_double_eq_tol(var, 4.0 / 6, 0.01);
    }
    noise_graph("gaussian", "c32", 7, "g.c32");
    for (int part = 0; part < 2; part++) {
        part_stats("g.c32", 200000, part, &var, &lo, &hi);
        ck_assert_double_eq_tol(var, 2.0, 0.03);
    }
}
END_TEST

START_TEST(test_noise_source_statistics_and_seed)
{
    double mean, var;
    size_t la, lb, lc;
    enter_tmpdir();
    noise_graph("uniform", "f32", 7, "u.f32");
    moments("u.f32", 200000, &mean, &var);
    /* uniform on [-2, 2): mean 0, variance 4/3; the standard error of the mean is
     * 0.0026, so 0.02 is 7 of them */
    ck_assert_double_eq_tol(mean, 0, 0.02);
    ck_assert_double_eq_tol(var, 4.0 / 3, 0.02);
    noise_graph("gaussian", "f32", 7, "g.f32");
    moments("g.f32", 200000, &mean, &var);
    ck_assert_double_eq_tol(mean, 0, 0.03);
    ck_assert_double_eq_tol(var, 4.0, 0.06);
    noise_graph("gaussian", "c32", 7, "c.f32"); /* power amplitude^2 over both parts */
    moments("c.f32", 400000, &mean, &var);
    ck_assert_double_eq_tol(var * 2, 4.0, 0.06);
    noise_graph("gaussian", "f32", 7, "g2.f32");
    noise_graph("gaussian", "f32", 8, "g3.f32");
    char *a = read_file("g.f32", &la), *b = read_file("g2.f32", &lb), *c = read_file("g3.f32", &lc);
    ck_assert_int_eq(memcmp(a, b, la), 0); /* same seed, same stream */
    ck_assert_int_ne(memcmp(a, c, la), 0);
    free(a), free(b), free(c);
}
END_TEST

/* clock_source's timing, computed here from the formula in its doc: a drifting,
 * jittered clock with gaps, through head and multiply_const, which must pass the
 * timestamps on untouched. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

START_TEST(test_clock_source_timing_is_known_in_advance)
{
    enum { N = 10, BUFFERS = 40 };
    const double period = 1e9 / 1000 * (1 + 150 / 1e6);
    size_t len;
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  clk: {type: clock_source, params: {rate: 1000, items_per_buffer: 10, drift_ppm: 150,"
             " jitter_ns: 20000, gap_every: 7, gap_len: 2, start_ns: 5000000, seed: 42}}\n"
             "  h: {type: head, params: {items: 400}}\n"
             "  m: {type: multiply_const, params: {k: -1}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [clk.out, h.in]\n  - [h.out, m.in]\n  - [m.out, o.in]\n");
    char *text = read_file("o.txt", &len), *p = text;
    for (int64_t k = 0; k < BUFFERS; k++) {
        int64_t j = k + 2 * (k / 7);
        int64_t jit = (int64_t)(mix(42 + (uint64_t)(j + 1) * 0x9e3779b97f4a7c15ull) % 40001) - 20000;
        int64_t t = 5000000 + llround((double)j * period) + jit;
        long long v, s0, e0;
        int used;
        ck_assert_msg(sscanf(p, "@ relative %lld %lld %lld\n%n", &v, &s0, &e0, &used) == 3,
                      "buffer %lld: '%.40s'", (long long)k, p);
        ck_assert_int_eq(v, t);
        ck_assert_int_eq(s0, t);
        ck_assert_int_eq(e0, t + llround(9 * period / 10));
        p += used;
        for (int i = 0; i < N; i++) {
            double x = strtod(p, &p);
            ck_assert_double_eq(x, -(double)(j * N + i));
        }
        p += *p == '\n';
    }
    ck_assert_int_eq(*p, 0);
    free(text);
    /* realtime: the 10th buffer (slot 9) leaves at 90 ms; a lower bound only */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    graph_ok("blocks:\n"
             "  clk: {type: clock_source, params: {rate: 100, buffers: 10, realtime: true}}\n"
             "  o: {type: null_sink}\n"
             "connections:\n  - [clk.out, o.in]\n");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(secs >= 0.09, "10 buffers at 100/s in real time took %.3f s", secs);
}
END_TEST

/* ---- processing ---------------------------------------------------------------------- */

/* Integer items: result = saturate(round(x * k)), rounding half to even. That is
 * GNU Radio's float_to_short and float_to_int conversion (rintf, then clipped to the
 * type's range); its multiply_const_ss and _ii take an integer k and wrap on
 * overflow, which mq, with a real k, does not follow. Expected values by hand. */
START_TEST(test_multiply_const_integers_round_half_even_and_saturate)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s1: {type: vector_source, params: {type: i16, values: [20000, -20000, 7, -7,"
             " 3, 32767, -32768, 1, 5]}}\n"
             "  m1: {type: multiply_const, params: {type: i16, k: 1.5}}\n"
             "  o1: {type: vector_sink, params: {type: i16, path: s15.txt}}\n"
             "  s2: {type: vector_source, params: {type: i16, values: [-32768, 32767, 0]}}\n"
             "  m2: {type: multiply_const, params: {type: i16, k: -1}}\n"
             "  o2: {type: vector_sink, params: {type: i16, path: sneg.txt}}\n"
             "  s3: {type: vector_source, params: {type: i32, values: [1073741824, -1073741824,"
             " 7, -7, 2147483647, -2147483648, 1]}}\n"
             "  m3: {type: multiply_const, params: {type: i32, k: 2.5}}\n"
             "  o3: {type: vector_sink, params: {type: i32, path: i25.txt}}\n"
             "  s4: {type: vector_source, params: {type: i32, values: [-2147483648, 5]}}\n"
             "  m4: {type: multiply_const, params: {type: i32, k: -1}}\n"
             "  o4: {type: vector_sink, params: {type: i32, path: ineg.txt}}\n"
             "connections:\n"
             "  - [s1.out, m1.in]\n  - [m1.out, o1.in]\n"
             "  - [s2.out, m2.in]\n  - [m2.out, o2.in]\n"
             "  - [s3.out, m3.in]\n  - [m3.out, o3.in]\n"
             "  - [s4.out, m4.in]\n  - [m4.out, o4.in]\n");
    char *s15 = read_file("s15.txt", NULL), *sneg = read_file("sneg.txt", NULL);
    char *i25 = read_file("i25.txt", NULL), *ineg = read_file("ineg.txt", NULL);
    /* 30000 -30000 10.5 -10.5 4.5 49150.5 -49152 1.5 7.5 */
    ck_assert_str_eq(s15, "30000\n-30000\n10\n-10\n4\n32767\n-32768\n2\n8\n");
    ck_assert_str_eq(sneg, "32767\n-32767\n0\n"); /* 32768 saturates */
    /* 2684354560 -2684354560 17.5 -17.5 5368709117.5 -5368709120 2.5 */
    ck_assert_str_eq(i25, "2147483647\n-2147483648\n18\n-18\n2147483647\n-2147483648\n2\n");
    ck_assert_str_eq(ineg, "2147483647\n-5\n");
    free(s15), free(sneg), free(i25), free(ineg);
}
END_TEST

/* k is complex, as GNU Radio's multiply_const_cc and add_const_cc take a gr_complex:
 * c32 items are multiplied by it as complex numbers and get both its parts added
 * (the values written out again here); a real k scales both parts or adds to the
 * real part, as before k was complex. Buffers of 2 items. */
START_TEST(test_multiply_const_and_add_const_take_a_complex_k)
{
    static const double x[] = {1, 2, 3, -1, -0.5, 0.25, 0, -4, 6, 1.5};
    static const struct {
        const char *block, *k;
        float kr, ki;
    } cases[] = {
        {"multiply_const", "0.5+0.5j", 0.5f, 0.5f}, {"multiply_const", "-2j", 0, -2},
        {"multiply_const", "1.5", 1.5f, 0},         {"add_const", "(1-2.5j)", 1, -2.5f},
        {"add_const", "0.75", 0.75f, 0},
    };
    char yaml[4096], path[32];
    int at = snprintf(yaml, sizeof yaml, "blocks:\n");

    enter_tmpdir();
    for (int i = 0; i < 5; i++)
        at += snprintf(yaml + at, sizeof yaml - (size_t)at,
                       "  s%d: {type: vector_source, params: {type: c32, items_per_buffer: 2,"
                       " values: [1, 2, 3, -1, -0.5, 0.25, 0, -4, 6, 1.5]}}\n"
                       "  k%d: {type: %s, params: {type: c32, k: %s}}\n"
                       "  o%d: {type: vector_sink, params: {type: c32, path: k%d.txt}}\n",
                       i, i, cases[i].block, cases[i].k, i, i);
    at += snprintf(yaml + at, sizeof yaml - (size_t)at, "connections:\n");
    for (int i = 0; i < 5; i++)
        at += snprintf(yaml + at, sizeof yaml - (size_t)at,
                       "  - [s%d.out, k%d.in]\n  - [k%d.out, o%d.in]\n", i, i, i, i);
    graph_ok(yaml);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "k%d.txt", i);
        double *v = numbers(path, 10);
        float kr = cases[i].kr, ki = cases[i].ki;
        for (int n = 0; n < 5; n++) {
            float xr = (float)x[2 * n], xi = (float)x[2 * n + 1], re, im;
            if (!strcmp(cases[i].block, "add_const"))
                re = xr + kr, im = xi + ki;
            else
                re = xr * kr - xi * ki, im = xr * ki + xi * kr;
            ck_assert_msg((float)v[2 * n] == re && (float)v[2 * n + 1] == im,
                          "%s k=%s item %d: %g%+gj, want %g%+gj", cases[i].block, cases[i].k, n,
                          v[2 * n], v[2 * n + 1], re, im);
        }
        free(v);
    }
}
END_TEST

/* A k with an imaginary part needs c32 items: refused before the graph runs, in the
 * graph file and when set live. */
START_TEST(test_complex_k_on_a_real_type_is_refused)
{
    static const struct {
        const char *block, *type, *k, *err;
    } cases[] = {
        {"multiply_const", "f32", "0.5+0.5j", "(0.5+0.5j) is complex, but type f32 is real"},
        {"add_const", "i16", "-2j", "-2j is complex, but type i16 is real"},
        {"multiply_const", "f64", "(1-1e-3j)", "(1-0.001j) is complex, but type f64 is real"},
    };
    char yaml[512], want[256];

    enter_tmpdir();
    for (int i = 0; i < 3; i++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  s: {type: vector_source, params: {type: %s, values: [1]}}\n"
                 "  m: {type: %s, params: {type: %s, k: %s}}\n"
                 "  o: {type: null_sink, params: {type: %s}}\n"
                 "connections:\n  - [s.out, m.in]\n  - [m.out, o.in]\n",
                 cases[i].type, cases[i].block, cases[i].type, cases[i].k, cases[i].type);
        write_file("k.yaml", yaml);
        const char *args[] = {"validate", "k.yaml", NULL};
        ck_assert_int_eq(run(args), 2);
        snprintf(want, sizeof want,
                 "k.yaml:3:3: block 'm': parameter 'k': %s (a complex k needs type c32)\n",
                 cases[i].err);
        char *err = read_file("err.txt", NULL);
        ck_assert_str_eq(err, want);
        free(err);
    }
    write_file("lk" SFX ".yaml", "blocks:\n"
                                 "  s1: {type: null_source, params: {type: c32}}\n"
                                 "  mc: {type: multiply_const, params: {type: c32, k: 2}}\n"
                                 "  o1: {type: null_sink, params: {type: c32}}\n"
                                 "  s2: {type: null_source}\n"
                                 "  af: {type: add_const, params: {k: 1}}\n"
                                 "  o2: {type: null_sink}\n"
                                 "connections:\n  - [s1.out, mc.in]\n  - [mc.out, o1.in]\n"
                                 "  - [s2.out, af.in]\n  - [af.out, o2.in]\n");
    const char *args[] = {"run", "lk" SFX ".yaml", NULL};
    pid_t pid = start(args);
    ck_assert_msg(wait_running("lk" SFX, 6), "graph lk did not start");
    const char *ok[] = {"set", "lk" SFX, "mc.k=0.5+0.5j", NULL};
    ck_assert_int_eq(run_to(ok, "set.out", "set.err"), 0);
    const char *bad[] = {"set", "lk" SFX, "af.k=1j", NULL};
    ck_assert_int_eq(run_to(bad, "set.out", "set.err"), 1);
    char *err = read_file("set.err", NULL);
    ck_assert_str_eq(err, "mqgraph set: block 'af': parameter 'k': 1j is complex, but type f32 "
                          "is real (a complex k needs type c32)\n");
    free(err);
    const char *get[] = {"get", "lk" SFX, "mc.k", NULL};
    ck_assert_int_eq(run_to(get, "get.out", "get.err"), 0);
    char *out = read_file("get.out", NULL);
    ck_assert_str_eq(out, "0.5+0.5j\n");
    free(out);
    kill(pid, SIGINT);
    ck_assert_int_eq(finish(pid), 130);
}
END_TEST

START_TEST(test_add_three_inputs_of_uneven_buffers)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], type: i16,"
             " items_per_buffer: 3}}\n"
             "  b: {type: vector_source, params: {values: [100, 200], type: i16, repeat: true,"
             " items_per_buffer: 4}}\n"
             "  c: {type: vector_source, params: {values: [-1000], type: i16, repeat: true}}\n"
             "  s: {type: add, params: {inputs: 3, type: i16}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: i16}}\n"
             "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [c.out, s.in2]\n"
             "  - [s.out, o.in]\n");
    char *o = read_file("o.txt", NULL);
    /* a ends after 10 items, so the sum does too */
    ck_assert_str_eq(o, "-899\n-798\n-897\n-796\n-895\n-794\n-893\n-792\n-891\n-790\n");
    free(o);
}
END_TEST

START_TEST(test_fir_filter_decimation_and_c32)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],"
             " items_per_buffer: 2}}\n"
             "  f: {type: fir_filter, params: {taps: [1, 10, 100], decimation: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "  z: {type: vector_source, params: {values: [1, -1, 2, -2, 3, -3], type: c32}}\n"
             "  g: {type: fir_filter, params: {taps: [0.5, 0.25], type: c32}}\n"
             "  p: {type: vector_sink, params: {path: p.txt, type: c32}}\n"
             "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n  - [z.out, g.in]\n"
             "  - [g.out, p.in]\n");
    char *o = read_file("o.txt", NULL), *p = read_file("p.txt", NULL);
    /* y[n] = x[n] + 10 x[n-1] + 100 x[n-2]; kept: n = 0, 3, 6, 9 */
    ck_assert_str_eq(o, "1\n234\n567\n900\n");
    ck_assert_str_eq(p, "0.5 -0.5\n1.25 -1.25\n2 -2\n");
    free(o), free(p);
}
END_TEST

/* taps: {low_pass: ...} is designed when the graph loads: an impulse through the
 * filter gives back the taps, here the Hamming-windowed sinc written out again
 * (0.54 - 0.46 cos(2 pi i/18)) * 2fc sinc(2fc k), fc = 1/8, summed to 1. 19 taps:
 * GNU Radio's count, (int)(53 * 48000 / (22 * 6000)) made odd. */
START_TEST(test_fir_filter_taps_from_a_low_pass_design)
{
    enum { N = 19 };
    double want[N], sum = 0;
    for (int i = 0; i < N; i++) {
        int k = i - N / 2;
        double x = 2 * 0.125 * (k ? sin(M_PI * 0.25 * k) / (M_PI * 0.25 * k) : 1);
        sum += want[i] = x * (0.54 - 0.46 * cos(2 * M_PI * i / (N - 1)));
    }
    enter_tmpdir();
    graph_ok("variables: {rate: 48000}\n"
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
             " 0, 0, 0, 0, 0, 0, 0]}}\n"
             "  f:\n"
             "    type: fir_filter\n"
             "    params:\n"
             "      taps: {low_pass: {gain: 1, sample_rate: \"${rate}\", cutoff: 6000,"
             " transition: 6000, window: hamming}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n");
    double *got = numbers("o.txt", N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(fabs(got[i] - want[i] / sum) < 1e-6, "tap %d: %.9g, want %.9g", i, got[i],
                      want[i] / sum);
    free(got);
}
END_TEST

START_TEST(test_delay_and_timestamps)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5], items_per_buffer: 2}}\n"
             "  d: {type: delay, params: {items: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, d.in]\n  - [d.out, o.in]\n");
    char *o = read_file("o.txt", NULL);
    /* the zeros go out in buffers of the input's size; sample indices move by 3 */
    ck_assert_str_eq(o, "@ sample 0\n0\n0\n@ sample 2\n0\n@ sample 3\n1\n2\n@ sample 5\n3\n4\n"
                        "@ sample 7\n5\n");
    free(o);
}
END_TEST

START_TEST(test_throttle_stops_with_the_graph)
{
    enter_tmpdir();
    write_file("b" SFX ".yaml", "blocks:\n"
                         "  s: {type: null_source, params: {items_per_buffer: 10}}\n"
                         "  t: {type: throttle, params: {rate: 1}}\n"
                         "  o: {type: vector_sink, params: {path: o.txt}}\n"
                         "connections:\n  - [s.out, t.in]\n  - [t.out, o.in]\n");
    const char *args[] = {"run", "b" SFX ".yaml", "--quiet", NULL};
    pid_t pid = start(args);
    ck_assert_msg(wait_running("b" SFX, 3), "graph did not start");
    kill(pid, SIGINT);
    /* throttle sleeps 10 s for its first buffer; the stop cuts that short (the
     * grace period is 5 s, after which the status would be a forced kill's) */
    ck_assert_int_eq(finish(pid), 130);
    char *err = read_file("err.txt", NULL);
    ck_assert_ptr_null(strstr(err, "killing them"));
    free(err);
    char *o = read_file("o.txt", NULL); /* stopped, not failed: the sink keeps its file */
    ck_assert_ptr_nonnull(o);
    free(o);
}
END_TEST

/* ---- topology ------------------------------------------------------------------------ */

START_TEST(test_splitter_to_sixteen_outputs)
{
    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml,
                     "blocks:\n"
                     "  x: {type: vector_source, params: {values: [1, 2, 3], repeat: true,"
                     " items_per_buffer: 5}}\n"
                     "  h: {type: head, params: {items: 100}}\n"
                     "  s: {type: splitter, params: {outputs: 16}}\n");
    for (int i = 0; i < 16; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                      "  o%d: {type: vector_sink, params: {path: o%d.txt}}\n", i, i);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                  "connections:\n  - [x.out, h.in]\n  - [h.out, s.in]\n");
    for (int i = 0; i < 16; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - [s.out%d, o%d.in]\n", i, i);
    enter_tmpdir();
    graph_ok(yaml);
    for (int i = 0; i < 16; i++) {
        char path[32];
        snprintf(path, sizeof path, "o%d.txt", i);
        double *v = numbers(path, 100);
        for (int k = 0; k < 100; k++)
            ck_assert_double_eq(v[k], k % 3 + 1);
        free(v);
    }
}
END_TEST

START_TEST(test_router_rules)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6], items_per_buffer: 2}}\n"
             "  b: {type: vector_source, params: {values: [-1, -2]}}\n"
             "  swap: {type: router, params: {rule: map, map: [1, 0]}}\n"
             "  oa: {type: vector_sink, params: {path: oa.txt}}\n"
             "  ob: {type: vector_sink, params: {path: ob.txt}}\n"
             "  c: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7], items_per_buffer: 1}}\n"
             "  rr: {type: router, params: {inputs: 1, outputs: 3, rule: round_robin}}\n"
             "  r0: {type: vector_sink, params: {path: r0.txt}}\n"
             "  r1: {type: vector_sink, params: {path: r1.txt}}\n"
             "  r2: {type: vector_sink, params: {path: r2.txt}}\n"
             "connections:\n  - [a.out, swap.in0]\n  - [b.out, swap.in1]\n"
             "  - [swap.out0, oa.in]\n  - [swap.out1, ob.in]\n"
             "  - [c.out, rr.in0]\n  - [rr.out0, r0.in]\n  - [rr.out1, r1.in]\n"
             "  - [rr.out2, r2.in]\n");
    const char *want[][2] = {{"oa.txt", "-1\n-2\n"}, {"ob.txt", "1\n2\n3\n4\n5\n6\n"},
                             {"r0.txt", "1\n4\n7\n"}, {"r1.txt", "2\n5\n"}, {"r2.txt", "3\n6\n"}};
    for (int i = 0; i < 5; i++) {
        char *o = read_file(want[i][0], NULL);
        ck_assert_msg(o && !strcmp(o, want[i][1]), "%s: %s", want[i][0], o);
        free(o);
    }
    /* rule direct with unequal port counts: tests/bad/check-router-direct.yaml */
}
END_TEST

/* A diamond whose two paths have very different queues: the splitter feeds add
 * directly through a queue of 2 and through multiply_const through one of 64. Add,
 * holding a buffer from one path, sleeps waiting for the other while the splitter
 * may be asleep on the full short queue. Wake-ups are batched (a consumer is woken
 * at half its queue), so this only moves because every process rings what it
 * deferred before it sleeps; otherwise each of the 10000 buffers would wait for a
 * heartbeat timeout (100 ms) and the test would time out. */
START_TEST(test_diamond_with_unequal_queues_keeps_moving)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  src: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7], repeat: true,"
             " items_per_buffer: 7}}\n"
             "  h: {type: head, params: {items: 70000}}\n"
             "  sp: {type: splitter}\n"
             "  m: {type: multiply_const, params: {k: 2}}\n"
             "  s: {type: add, params: {inputs: 2}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [src.out, h.in]\n  - [h.out, sp.in]\n"
             "  - {from: sp.out0, to: s.in0, depth: 2}\n"
             "  - {from: sp.out1, to: m.in, depth: 64}\n"
             "  - {from: m.out, to: s.in1, depth: 64}\n  - [s.out, o.in]\n");
    double *v = numbers("o.txt", 70000);
    for (size_t i = 0; i < 70000; i++)
        ck_assert_double_eq(v[i], 3.0 * (double)(i % 7 + 1));
    free(v);
}
END_TEST

START_TEST(test_merger_outlives_an_input_that_ends)
{
    size_t n;
    int seen[3] = {0};
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {values: [1]}}\n"
             "  b: {type: vector_source, params: {values: [2], repeat: true, items_per_buffer: 10}}\n"
             "  c: {type: vector_source, params: {values: [3], repeat: true, items_per_buffer: 10}}\n"
             "  hb: {type: head, params: {items: 5000}}\n"
             "  hc: {type: head, params: {items: 3000}}\n"
             "  m: {type: merger, params: {inputs: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [a.out, m.in0]\n  - [b.out, hb.in]\n  - [c.out, hc.in]\n"
             "  - [hb.out, m.in1]\n  - [hc.out, m.in2]\n  - [m.out, o.in]\n");
    double *v = read_numbers("o.txt", &n);
    ck_assert_uint_eq(n, 8001);
    for (size_t i = 0; i < n; i++)
        seen[(int)v[i] - 1]++;
    ck_assert_int_eq(seen[0], 1);
    ck_assert_int_eq(seen[1], 5000);
    ck_assert_int_eq(seen[2], 3000);
    free(v);
}
END_TEST

/* ---- sinks and what is at their path ---------------------------------------------------- */

/* `line` is `want`, where each "PID" in want stands for a process id (a part file's
 * suffix). */
static int matches_with_pids(const char *line, const char *want)
{
    while (*want) {
        if (!strncmp(want, "PID", 3)) {
            if (!isdigit((unsigned char)*line))
                return 0;
            while (isdigit((unsigned char)*line))
                line++;
            want += 3;
        } else if (*line++ != *want++) {
            return 0;
        }
    }
    return *line == 0 || *line == '\n';
}

/* The run's stderr (err.txt) has the line `want` (with PID as above). */
static void assert_err_line(const char *want)
{
    char *err = read_file("err.txt", NULL);
    int found = 0;

    ck_assert_ptr_nonnull(err);
    for (char *l = err; *l && !found; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        found = matches_with_pids(l, want);
    ck_assert_msg(found, "no line '%s' in stderr: %s", want, err);
    free(err);
}

/* The entries of directory `dir` whose names start with `prefix`; the last one's
 * name in last (may be NULL). */
static int entries(const char *dir, const char *prefix, char *last, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            n++;
            if (last)
                snprintf(last, len, "%s/%s", dir, e->d_name);
        }
    closedir(d);
    return n;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
    return st.st_mode;
}

/* A graph of `n` f32 items i % 10 into sink `type` at `path`; its exit status. */
static int sink_graph(const char *type, const char *path, int n)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "arena: {heartbeat_timeout_ms: 1000}\n"
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
             " repeat: true}}\n"
             "  h: {type: head, params: {items: %d}}\n"
             "  o: {type: %s, params: {path: '%s'}}\n"
             "connections:\n  - [v.out, h.in]\n  - [h.out, o.in]\n",
             n, type, path);
    return run_yaml("b", yaml, 1);
}

/* The file at path holds the f32 items 0..9 repeated, n of them. */
static void assert_items(const char *path, size_t n)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    ck_assert_uint_eq(len, n * 4);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == (float)(i % 10), "%s: item %zu is %g", path, i, x[i]);
    free(x);
}

/* A directory, a socket or a block device at the path is refused at start, named,
 * and left as it was; before, a directory's rename failed, the data was deleted and
 * the run exited 0. (A block device is made in a tmpfs of the test's own.) */
START_TEST(test_sink_refuses_a_directory_socket_or_block_device)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "sock"};
    int sk = socket(AF_UNIX, SOCK_STREAM, 0);

    enter_tmpdir();
    ck_assert_int_eq(mkdir("d", 0755), 0);
    write_file("d/keep", "kept");
    ck_assert_int_eq(symlink("d", "dl"), 0);
    ck_assert_int_eq(bind(sk, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(sink_graph("file_sink", "d", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): 'd' is a directory, not a file, a "
                    "character device or a FIFO");
    assert_err_line("mqgraph: block 'o' (file_sink, pid PID) failed with exit status 2");
    ck_assert_int_eq(sink_graph("vector_sink", "dl", 3), 1);
    assert_err_line("mqgraph: block 'o' (vector_sink): 'dl' is a symlink to a directory, not a "
                    "file, a character device or a FIFO");
    ck_assert_int_eq(sink_graph("file_sink", "sock", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): 'sock' is a socket, not a file, a "
                    "character device or a FIFO");
    ck_assert(S_ISDIR(mode_of("d")) && S_ISLNK(mode_of("dl")) && S_ISSOCK(mode_of("sock")));
    ck_assert_int_eq(entries("d", "", NULL, 0), 3); /* ., .. and keep */
    ck_assert_int_eq(entries(".", "d.part", NULL, 0) + entries(".", "sock.part", NULL, 0), 0);
    close(sk);
    if (!private_tmpfs("dev", 64 * 1024))
        return;
    ck_assert_int_eq(mknod("dev/blk", S_IFBLK | 0600, makedev(7, 0)), 0);
    ck_assert_int_eq(sink_graph("file_sink", "dev/blk", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): 'dev/blk' is a block device, not a file, a "
                    "character device or a FIFO");
    ck_assert(S_ISBLK(mode_of("dev/blk")));
    ck_assert_int_eq(entries("dev", "blk.", NULL, 0), 0);
}
END_TEST

static void assert_chr(const char *path, unsigned major_, unsigned minor_)
{
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg(S_ISCHR(st.st_mode), "%s is no longer a character device", path);
    ck_assert_uint_eq(major(st.st_rdev), major_);
    ck_assert_uint_eq(minor(st.st_rdev), minor_);
}

/* A character device is written in place: as root, `path: /dev/null` made /dev/null
 * a regular file. Here the devices are made in a tmpfs of the test's own: null
 * (1, 3) and full (1, 7), whose ENOSPC must fail the run, also for less output than
 * a stdio buffer (the error comes at the last flush, in fini). */
START_TEST(test_sink_writes_into_a_character_device)
{
    enter_tmpdir();
    if (!private_tmpfs("dev", 64 * 1024))
        return;
    ck_assert_int_eq(mknod("dev/null", S_IFCHR | 0666, makedev(1, 3)), 0);
    ck_assert_int_eq(mknod("dev/full", S_IFCHR | 0666, makedev(1, 7)), 0);
    ck_assert_int_eq(symlink("dev/null", "nl"), 0);
    ck_assert_int_eq(sink_graph("file_sink", "dev/null", 100000), 0);
    ck_assert_int_eq(sink_graph("vector_sink", "nl", 1000), 0);
    assert_chr("dev/null", 1, 3);
    ck_assert(S_ISLNK(mode_of("nl")));
    ck_assert_int_eq(sink_graph("file_sink", "dev/full", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): writing 'dev/full': No space left on device");
    ck_assert_int_eq(sink_graph("file_sink", "dev/full", 100000), 1); /* in work */
    assert_err_line("mqgraph: block 'o' (file_sink): writing 'dev/full': No space left on device");
    assert_chr("dev/full", 1, 7);
    ck_assert_int_eq(entries("dev", "", NULL, 0), 4); /* ., .., null, full: no part file */
    ck_assert_int_eq(entries(".", "nl.", NULL, 0), 0);
}
END_TEST

/* Reads the FIFO `path` after a pause longer than the graph's heartbeat timeout,
 * pauses as long again after the first byte (the pipe fills, the sink waits), then
 * reads the rest; writes what it got to reader.txt. A child process. */
static void slow_reader(const char *path, size_t want)
{
    struct timespec pause = {1, 500000000};
    size_t got = 0, bad = (size_t)-1;
    unsigned char *buf = malloc(want + 1);
    ssize_t n;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    nanosleep(&pause, NULL);
    if ((fd = open(path, O_RDONLY)) < 0)
        _exit(1);
    if (read(fd, buf, 1) == 1)
        got = 1;
    nanosleep(&pause, NULL);
    while (got <= want && (n = read(fd, buf + got, want + 1 - got)) > 0)
        got += (size_t)n;
    for (size_t i = 0; i < got / 4 && bad == (size_t)-1; i++)
        if (((float *)buf)[i] != (float)(i % 10))
            bad = i;
    FILE *f = fopen("reader.txt", "w");
    if (f) {
        fprintf(f, "%zu bytes, first wrong item %zd\n", got, (ssize_t)bad);
        fclose(f);
    }
    _exit(0);
}

/* Waits up to `ms` for child pid; 1 if it ended (killed otherwise). */
static int reaped_within(pid_t pid, int ms)
{
    struct timespec tick = {0, 10000000};
    for (int t = 0; t < ms / 10; t++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 1;
        nanosleep(&tick, NULL); /* polling a child, with a deadline */
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return 0;
}

/* A FIFO is written in place, through its reader's pauses: one before it opens the
 * FIFO and one with the pipe full, each longer than the heartbeat timeout (1 s), so
 * the sink must wait for it without being taken for hung. Before, the part file
 * was renamed over the FIFO. */
START_TEST(test_sink_writes_into_a_fifo_with_a_slow_reader)
{
    enum { N = 100000 }; /* 400 kB: far more than a pipe holds */
    enter_tmpdir();
    ck_assert_int_eq(mkfifo("p", 0600), 0);
    pid_t reader = fork();
    ck_assert_int_ge(reader, 0);
    if (reader == 0)
        slow_reader("p", N * 4);
    int rc = sink_graph("file_sink", "p", N);
    int reaped = reaped_within(reader, 10000);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    ck_assert_msg(reaped, "the reader never got the end of the stream");
    char *got = read_file("reader.txt", NULL);
    ck_assert_str_eq(got, "400000 bytes, first wrong item -1\n");
    free(got);
    ck_assert(S_ISFIFO(mode_of("p")));
    ck_assert_int_eq(entries(".", "p.", NULL, 0), 0);
}
END_TEST

/* A symlink is followed: the file it leads to is replaced (atomically, through a
 * part file beside it) or created, and the link stays a link. Before, the link
 * itself was replaced by a regular file. */
START_TEST(test_sink_follows_a_symlink_and_replaces_its_target)
{
    enter_tmpdir();
    ck_assert_int_eq(mkdir("data", 0755), 0);
    write_file("data/old.f32", "old contents");
    ck_assert_int_eq(symlink("data/old.f32", "out.f32"), 0);
    ck_assert_int_eq(symlink("../data/new.f32", "data/to-new"), 0); /* relative to data/ */
    ck_assert_int_eq(symlink("data/to-new", "chain"), 0);           /* dangling, twice */
    ck_assert_int_eq(sink_graph("file_sink", "out.f32", 1000), 0);
    ck_assert_int_eq(sink_graph("file_sink", "chain", 30), 0);
    ck_assert(S_ISLNK(mode_of("out.f32")) && S_ISLNK(mode_of("chain")) &&
              S_ISLNK(mode_of("data/to-new")));
    assert_items("data/old.f32", 1000);
    assert_items("data/new.f32", 30);
    ck_assert_int_eq(entries("data", "", NULL, 0), 5); /* ., .., old, new, to-new */
    ck_assert_int_eq(entries(".", "out.f32.", NULL, 0) + entries(".", "chain.", NULL, 0), 0);
    ck_assert_int_eq(symlink("loop", "loop"), 0);
    ck_assert_int_eq(sink_graph("file_sink", "loop", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): cannot follow the symlink 'loop': Too many "
                    "levels of symbolic links");
}
END_TEST

/* Fills the file system at dir to the last byte. */
static void fill(const char *dir)
{
    char path[256], block[4096] = {0};
    snprintf(path, sizeof path, "%s/filler", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    while (write(fd, block, sizeof block) > 0)
        ;
    ck_assert_int_eq(errno, ENOSPC);
    while (write(fd, block, 1) > 0) /* what is left of the last page, if anything */
        ;
    close(fd);
}

/* On a full file system, output smaller than a stdio buffer fails only at the last
 * flush, in fini: the run fails saying so (it exited 0, with no file), and the
 * incomplete part file is removed, as after any failed write. */
START_TEST(test_sink_on_a_full_file_system_fails_the_run)
{
    enter_tmpdir();
    if (!private_tmpfs("fs", 64 * 1024))
        return;
    fill("fs");
    ck_assert_int_eq(sink_graph("file_sink", "fs/out.f32", 3), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): writing 'fs/out.f32.partPID.o': No space left "
                    "on device");
    assert_err_line("mqgraph: block 'o' (file_sink, pid PID) failed with exit status 2");
    ck_assert_int_eq(sink_graph("vector_sink", "fs/out.txt", 3), 1);
    assert_err_line("mqgraph: block 'o' (vector_sink): writing 'fs/out.txt.partPID.o': No space "
                    "left on device");
    ck_assert_int_eq(sink_graph("file_sink", "fs/out.f32", 100000), 1); /* in work */
    assert_err_line("mqgraph: block 'o' (file_sink): writing 'fs/out.f32.partPID.o': No space left "
                    "on device");
    ck_assert_int_eq(entries("fs", "out", NULL, 0), 0);
}
END_TEST

/* A rename that fails after every byte was written keeps the data in the part file
 * and says where; before, the run exited 0 and the part file was deleted. The
 * target is a mount point here (a file bind-mounted over it, in the test's own
 * namespace), which rename refuses with EBUSY. */
START_TEST(test_sink_keeps_its_data_when_the_rename_fails)
{
    char part[512];
    enter_tmpdir();
    if (!private_tmpfs("fs", 1024 * 1024))
        return;
    write_file("fs/out.f32", "");
    write_file("fs/over", "mounted over");
    ck_assert_int_eq(mount("fs/over", "fs/out.f32", NULL, MS_BIND, NULL), 0);
    ck_assert_int_eq(sink_graph("file_sink", "fs/out.f32", 1000), 1);
    assert_err_line("mqgraph: block 'o' (file_sink): cannot rename to 'fs/out.f32': Device or "
                    "resource busy; data kept in 'fs/out.f32.partPID.o'");
    assert_err_line("mqgraph: block 'o' (file_sink, pid PID) failed with exit status 2");
    ck_assert_int_eq(entries("fs", "out.f32.part", part, sizeof part), 1);
    assert_items(part, 1000);
    char *t = read_file("fs/out.f32", NULL);
    ck_assert_str_eq(t, "mounted over");
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("blocks");
    TCase *tc = tcase_create("blocks");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_sig_source_waveforms);
    tcase_add_test(tc, test_sig_source_c32_waveforms_are_gnu_radios);
    tcase_add_test(tc, test_vector_source_types_and_repeat);
    tcase_add_test(tc, test_file_source_repeat_and_errors);
    tcase_add_test(tc, test_noise_source_statistics_and_seed);
    tcase_add_test(tc, test_noise_source_c32_parts_are_scaled_by_one_over_root_two);
    tcase_add_test(tc, test_clock_source_timing_is_known_in_advance);
    tcase_add_test(tc, test_add_three_inputs_of_uneven_buffers);
    tcase_add_test(tc, test_multiply_const_integers_round_half_even_and_saturate);
    tcase_add_test(tc, test_multiply_const_and_add_const_take_a_complex_k);
    tcase_add_test(tc, test_complex_k_on_a_real_type_is_refused);
    tcase_add_test(tc, test_fir_filter_decimation_and_c32);
    tcase_add_test(tc, test_fir_filter_taps_from_a_low_pass_design);
    tcase_add_test(tc, test_delay_and_timestamps);
    tcase_add_test(tc, test_throttle_stops_with_the_graph);
    tcase_add_test(tc, test_splitter_to_sixteen_outputs);
    tcase_add_test(tc, test_router_rules);
    tcase_add_test(tc, test_merger_outlives_an_input_that_ends);
    tcase_add_test(tc, test_diamond_with_unequal_queues_keeps_moving);
    tcase_add_test(tc, test_sink_refuses_a_directory_socket_or_block_device);
    tcase_add_test(tc, test_sink_writes_into_a_character_device);
    tcase_add_test(tc, test_sink_writes_into_a_fifo_with_a_slow_reader);
    tcase_add_test(tc, test_sink_follows_a_symlink_and_replaces_its_target);
    tcase_add_test(tc, test_sink_on_a_full_file_system_fails_the_run);
    tcase_add_test(tc, test_sink_keeps_its_data_when_the_rename_fails);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
