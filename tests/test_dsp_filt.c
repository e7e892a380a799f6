/* test_dsp_filt.c - the filters and level control (iir_filter, dc_blocker,
 * moving_average, agc) in small graphs, their outputs checked against GNU Radio's
 * recursions written out again here, with input in buffers of 3 items so the state
 * carried from one buffer to the next is part of every check. Floats are compared
 * exactly where the recursion is done here in the block's precision and order:
 * vector_sink prints 9 significant digits, which read back as the same float.
 * Last, the setters, through `mqgraph set` on a running graph. */
#define _GNU_SOURCE
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

enum { BIG = 8192 };

/* The graphs are named "filt" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("filt", yaml, 1);
}

static double *numbers(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_uint_eq(n, want);
    return v;
}

/* "v0, v1, .." with each float's shortest exact text (9 digits). */
static const char *list(const float *v, size_t n)
{
    static char buf[2][4 * BIG]; /* 510 numbers of 255 complex taps */
    static int which;
    char *b = buf[which ^= 1];
    size_t len = 0;

    b[0] = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(b + len, sizeof buf[0] - len, "%s%.9g", i ? ", " : "", v[i]);
    return b;
}

/* `mqgraph validate` on yaml, written to v.yaml: exit 2 and exactly `err`. */
static void validate_fails(const char *yaml, const char *err)
{
    const char *args[] = {"validate", "v.yaml", NULL};
    write_file("v.yaml", yaml);
    ck_assert_int_eq(run(args), 2);
    char *got = read_file("err.txt", NULL);
    ck_assert_str_eq(got, err);
    free(got);
}

/* ---- fir_filter ------------------------------------------------------------------- */

/* One fir_filter case: items of `type` (f32, c32; `ctaps`: complex taps, re, im
 * pairs), `ntaps` taps, decimation `dec`, the source's buffers of `ipb` items. */
struct fir_case {
    const char *type;
    int ctaps, ntaps, dec, ipb;
};

/* The case's taps as the block holds them (floats): a Hamming-windowed low pass,
 * for complex taps moved up by 0.05 of the rate. Returns the taps' text. */
static const char *fir_taps(const struct fir_case *fc, double complex *h)
{
    float v[512];
    int n = 0;
    for (int k = 0; k < fc->ntaps; k++) {
        double t = k - (fc->ntaps - 1) / 2.0;
        double lp = (t == 0 ? 0.2 : sin(0.2 * M_PI * t) / (M_PI * t)) *
                    (0.54 - 0.46 * cos(2 * M_PI * k / (fc->ntaps - 1)));
        float re = (float)(lp * (fc->ctaps ? cos(0.1 * M_PI * t) : 1));
        float im = (float)(fc->ctaps ? lp * sin(0.1 * M_PI * t) : 0);
        h[k] = re + im * I;
        v[n++] = re;
        if (fc->ctaps)
            v[n++] = im;
    }
    return list(v, (size_t)n);
}

/* fir_filter against y[n] = sum_k h[k] x[n - k] computed here in double, x before
 * the first item 0, every dec-th y from y[0]: f32 (fir_filter_fff), c32 with real
 * taps (_ccf) and with complex ones (_ccc), 73 taps (vs_gnuradio's count), 8 and
 * 255, decimation 1, 3 and 4, in buffers of 5, 7 and 13 items (fewer than the taps:
 * the history carries the filter from buffer to buffer) and of 4099 (where the
 * AVX2 kernel takes 96 floats a pass, then smaller blocks, then a dot product per
 * output: every path of blocks/fir_kernel.c; and where 73 and 255 taps take fast
 * convolution, blocks/fast_conv.c, for the most of a buffer). Each output within
 * 1e-6 of sum |h| max |x| (the kernels' float sums and FFTW's transforms: 2e-7
 * of it seen), and ceil(N / dec) of them. */
START_TEST(test_fir_filter_against_the_convolution_in_double)
{
    static const struct fir_case cases[] = {
        {"f32", 0, 73, 1, 7},  {"f32", 0, 73, 1, 4099}, {"f32", 0, 73, 3, 13},
        {"f32", 0, 8, 4, 4099}, {"c32", 0, 73, 1, 5},   {"c32", 0, 73, 1, 4099},
        {"c32", 0, 73, 4, 4099}, {"c32", 1, 73, 1, 7},  {"c32", 1, 73, 1, 4099},
        {"c32", 1, 8, 3, 13},   {"c32", 1, 73, 3, 4099}, {"f32", 0, 255, 1, 4099},
        {"f32", 0, 255, 3, 4099}, {"c32", 0, 255, 1, 4099}, {"c32", 1, 255, 3, 4099},
    };
    enum { NC = sizeof cases / sizeof cases[0], ITEMS = 9000 };
    static char yaml[1 << 17];
    static double complex h[NC][256];
    size_t len = 0;
    char path[32];

    enter_tmpdir();
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "blocks:\n");
    for (int c = 0; c < NC; c++) {
        const struct fir_case *fc = &cases[c];
        const char *taps = fir_taps(fc, h[c]);
        len += (size_t)snprintf(
            yaml + len, sizeof yaml - len,
            "  n%d: {type: noise_source, params: {distribution: uniform, amplitude: 1,"
            " seed: %d, type: %s, items_per_buffer: %d}}\n"
            "  h%d: {type: head, params: {items: %d, type: %s}}\n"
            "  s%d: {type: splitter, params: {type: %s}}\n"
            "  f%d: {type: fir_filter, params: {type: %s, complex_taps: %s, decimation: %d,"
            " taps: [%s]}}\n"
            "  x%d: {type: file_sink, params: {path: x%d.raw, type: %s}}\n"
            "  y%d: {type: file_sink, params: {path: y%d.raw, type: %s}}\n",
            c, c + 1, fc->type, fc->ipb, c, ITEMS, fc->type, c, fc->type, c, fc->type,
            fc->ctaps ? "true" : "false", fc->dec, taps, c, c, fc->type, c, c, fc->type);
    }
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "connections:\n");
    for (int c = 0; c < NC; c++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len,
                                "  - [n%d.out, h%d.in]\n  - [h%d.out, s%d.in]\n"
                                "  - [s%d.out0, f%d.in]\n  - [s%d.out1, x%d.in]\n"
                                "  - [f%d.out, y%d.in]\n", c, c, c, c, c, c, c, c, c, c);
    ck_assert_uint_lt(len, sizeof yaml - 1);
    graph_ok(yaml);
    for (int c = 0; c < NC; c++) {
        const struct fir_case *fc = &cases[c];
        int cplx = !strcmp(fc->type, "c32"), outs = (ITEMS + fc->dec - 1) / fc->dec;
        size_t nx, ny;
        snprintf(path, sizeof path, "x%d.raw", c);
        float *x = (float *)read_file(path, &nx);
        snprintf(path, sizeof path, "y%d.raw", c);
        float *y = (float *)read_file(path, &ny);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert_uint_eq(nx, (size_t)ITEMS * (cplx ? 8 : 4));
        ck_assert_uint_eq(ny, (size_t)outs * (cplx ? 8 : 4));
        double scale = 0, xmax = 0, worst = 0;
        for (int k = 0; k < fc->ntaps; k++)
            scale += cabs(h[c][k]);
        for (int i = 0; i < ITEMS; i++)
            xmax = fmax(xmax, cplx ? cabs(x[2 * i] + x[2 * i + 1] * I) : fabs(x[i]));
        for (int m = 0; m < outs; m++) {
            int n = m * fc->dec;
            double complex want = 0;
            for (int k = 0; k < fc->ntaps && k <= n; k++)
                want += h[c][k] * (cplx ? x[2 * (n - k)] + x[2 * (n - k) + 1] * I : x[n - k]);
            double complex got = cplx ? y[2 * m] + y[2 * m + 1] * I : y[m];
            worst = fmax(worst, cabs(got - want));
            ck_assert_msg(cabs(got - want) <= 1e-6 * scale * xmax,
                          "case %d (%s%s, %d taps, decimation %d, %d items a buffer): "
                          "y[%d] = %.9g%+.9gj, want %.9g%+.9gj", c, fc->type,
                          fc->ctaps ? " complex taps" : "", fc->ntaps, fc->dec, fc->ipb, n,
                          creal(got), cimag(got), creal(want), cimag(want));
        }
        ck_assert_double_gt(xmax, 0.5); /* the noise is there: the check is not of zeros */
        free(x), free(y);
    }
}
END_TEST

/* fir_filter refuses complex taps on f32 items and an odd count of numbers for
 * them, as fft_filter does, word for word. */
START_TEST(test_fir_filter_complex_taps_errors)
{
    enter_tmpdir();
    validate_fails("blocks:\n  s: {type: null_source}\n"
                   "  f: {type: fir_filter, params: {taps: [1, 0.5], complex_taps: true}}\n"
                   "  o: {type: null_sink}\n"
                   "connections:\n  - [s.out, f.in]\n  - [f.out, o.in]\n",
                   "v.yaml:3:3: block 'f': parameter 'complex_taps': complex taps need c32 "
                   "items (type: c32)\n");
    validate_fails("blocks:\n  s: {type: null_source, params: {type: c32}}\n"
                   "  f: {type: fir_filter, params: {taps: [1, 0.5, 2], complex_taps: true,"
                   " type: c32}}\n"
                   "  o: {type: null_sink, params: {type: c32}}\n"
                   "connections:\n  - [s.out, f.in]\n  - [f.out, o.in]\n",
                   "v.yaml:3:3: block 'f': parameter 'taps': complex taps are re, im pairs, "
                   "but 3 numbers were given\n");
}
END_TEST

/* ---- fir_filter's two paths ------------------------------------------------------- */

/* Taps and items with which every direct-form sum is exact in float: taps are
 * multiples of 1/64 in [-0.5, 0.5], items integers in [-8, 8] (c32: both parts),
 * so a product is a multiple of 1/64 below 8 and a sum of 255 complex ones stays
 * below 2^24 / 64. The direct kernel's outputs are then the exact sum whatever
 * its order; fast convolution's carry the transforms' rounding. That tells the
 * two paths apart from outside the block. */
static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/* n taps (complex: re, im pairs) into h; returns their text. */
static const char *dyadic_taps(int n, int ctaps, unsigned seed, double complex *h)
{
    float v[2 * 256];
    int k = 0;
    ck_assert_int_le(n, 256);
    for (int i = 0; i < n; i++) {
        float re = (float)((int)(next_rand(&seed) % 65) - 32) / 64;
        float im = ctaps ? (float)((int)(next_rand(&seed) % 65) - 32) / 64 : 0;
        h[i] = re + im * I;
        v[k++] = re;
        if (ctaps)
            v[k++] = im;
    }
    return list(v, (size_t)k);
}

/* `n` floats, integers in [-8, 8], to `path`, and to x. */
static void write_ints(const char *path, size_t n, unsigned seed, float *x)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((int)(next_rand(&seed) % 17) - 8);
    ck_assert_uint_eq(fwrite(x, sizeof *x, n, f), n);
    fclose(f);
}

/* A vector_sink's file with timestamps: records "@ relative V S E" (v, s, e per
 * record, up to `max` of them), each followed by its items; the items' values
 * (lanes of them per item) into y. Returns how many records; *ny the values. */
static int read_stamped(const char *path, long long (*st)[3], int max, float *y, size_t *ny)
{
    char *text = read_file(path, NULL), *p = text;
    int n = 0;
    *ny = 0;
    ck_assert_msg(text != NULL, "%s is missing", path);
    while (*p) {
        if (*p == '@') {
            int used = 0;
            ck_assert_int_lt(n, max);
            ck_assert_int_eq(sscanf(p, "@ relative %lld %lld %lld%n", &st[n][0], &st[n][1],
                                    &st[n][2], &used), 3);
            n++;
            p += used;
        } else {
            char *end;
            y[(*ny)++] = strtof(p, &end); /* 9 digits: the float written, exactly */
            ck_assert_msg(end != p, "%s: not a number: '%.20s'", path, p);
            p = end;
        }
        while (*p == '\n' || *p == ' ')
            p++;
    }
    free(text);
    return n;
}

/* One case of fir_filter's paths: items (f32, c32; ctaps: complex taps), taps,
 * decimation, items a buffer, and whether fast convolution is the faster there
 * (fir_filter.c's fft_speedup: above 1). */
struct path_case {
    const char *type;
    int ctaps, ntaps, dec, ipb, fast;
};

/* fir_filter on exact sums, at 1000 items/s with relative timestamps: 8 taps go
 * through the direct kernel (every output exact), 255 through fast convolution
 * (f32; c32 with real taps, and with complex ones; decimation 1 and 3): each
 * output within 1e-6 of sum |h| max |x| of the sum (the kernels' float sums and
 * FFTW's transforms: 1e-7 of it seen) and a quarter at least not exact; 255 taps
 * in buffers of 100 (fewer outputs than one transform gives) go direct again.
 * The timestamps are the direct form's on both paths: record k is the source's
 * buffer k, from its first kept output m0 to its last m1, stamped with the times
 * of x[m0 d] and x[m1 d] less (ntaps - 1) / 2 items. */
START_TEST(test_fir_filter_takes_the_faster_path_with_the_same_outputs)
{
    static const struct path_case cases[] = {
        {"f32", 0, 8, 1, 16384, 0},   {"f32", 0, 255, 1, 16384, 1}, {"f32", 0, 255, 3, 16384, 1},
        {"f32", 0, 255, 1, 100, 0},   {"c32", 0, 8, 3, 8192, 0},    {"c32", 0, 255, 1, 8192, 1},
        {"c32", 0, 255, 3, 8192, 1},  {"c32", 1, 8, 1, 8192, 0},    {"c32", 1, 255, 1, 8192, 1},
        {"c32", 1, 255, 3, 8192, 1},
    };
    enum { NC = sizeof cases / sizeof cases[0], ITEMS = 40000, MAXREC = 512 };
    static char yaml[1 << 17];
    static double complex h[NC][256];
    static float x[2 * ITEMS], y[2 * ITEMS];
    static long long st[MAXREC][3];
    size_t len = 0;
    char path[32];

    enter_tmpdir();
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "blocks:\n");
    for (int c = 0; c < NC; c++) {
        const struct path_case *pc = &cases[c];
        snprintf(path, sizeof path, "x%d.raw", c);
        write_ints(path, (size_t)ITEMS * (strcmp(pc->type, "c32") ? 1 : 2), 7u * (unsigned)c + 1,
                   x);
        const char *taps = dyadic_taps(pc->ntaps, pc->ctaps, 3u * (unsigned)c + 2, h[c]);
        len += (size_t)snprintf(
            yaml + len, sizeof yaml - len,
            "  s%d: {type: file_source, params: {path: x%d.raw, type: %s, items_per_buffer: %d,"
            " sample_rate: 1000, timestamps: relative}}\n"
            "  f%d: {type: fir_filter, params: {type: %s, complex_taps: %s, decimation: %d,"
            " taps: [%s]}}\n"
            "  y%d: {type: vector_sink, params: {path: y%d.txt, type: %s, timestamps: true}}\n",
            c, c, pc->type, pc->ipb, c, pc->type, pc->ctaps ? "true" : "false", pc->dec, taps, c,
            c, pc->type);
    }
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "connections:\n");
    for (int c = 0; c < NC; c++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len,
                                "  - [s%d.out, f%d.in]\n  - [f%d.out, y%d.in]\n", c, c, c, c);
    ck_assert_uint_lt(len, sizeof yaml - 1);
    graph_ok(yaml);
    for (int c = 0; c < NC; c++) {
        const struct path_case *pc = &cases[c];
        int cplx = !strcmp(pc->type, "c32"), d = pc->dec, l = pc->ntaps;
        int outs = (ITEMS + d - 1) / d, inexact = 0;
        size_t nx, ny;
        snprintf(path, sizeof path, "x%d.raw", c);
        float *xs = (float *)read_file(path, &nx);
        snprintf(path, sizeof path, "y%d.txt", c);
        int nrec = read_stamped(path, st, MAXREC, y, &ny);
        ck_assert_uint_eq(ny, (size_t)outs * (cplx ? 2 : 1));
        /* the stamps, buffer by buffer */
        ck_assert_int_eq(nrec, (ITEMS + pc->ipb - 1) / pc->ipb);
        for (int k = 0; k < nrec; k++) {
            long long b = (long long)k * pc->ipb, e = b + pc->ipb < ITEMS ? b + pc->ipb : ITEMS;
            long long m0 = (b + d - 1) / d, m1 = (e + d - 1) / d - 1, gd = (l - 1) * 500000LL;
            ck_assert_msg(st[k][0] == m0 * d * 1000000 - gd && st[k][1] == st[k][0] &&
                              st[k][2] == m1 * d * 1000000 - gd,
                          "case %d record %d: @ %lld %lld %lld, want %lld .. %lld", c, k,
                          st[k][0], st[k][1], st[k][2], m0 * d * 1000000 - gd,
                          m1 * d * 1000000 - gd);
        }
        double scale = 0;
        for (int k = 0; k < l; k++)
            scale += cabs(h[c][k]);
        scale *= cplx ? 8 * sqrt(2) : 8;
        for (int m = 0; m < outs; m++) {
            int n = m * d;
            double complex want = 0;
            for (int k = 0; k < l && k <= n; k++)
                want += h[c][k] * (cplx ? xs[2 * (n - k)] + xs[2 * (n - k) + 1] * I : xs[n - k]);
            double complex got = cplx ? y[2 * m] + y[2 * m + 1] * I : y[m];
            inexact += got != want;
            ck_assert_msg(cabs(got - want) <= 1e-6 * scale,
                          "case %d (%s%s, %d taps, decimation %d): y[%d] = %.9g%+.9gj, want "
                          "%.9g%+.9gj", c, pc->type, pc->ctaps ? " complex taps" : "", l, d, n,
                          creal(got), cimag(got), creal(want), cimag(want));
        }
        if (pc->fast)
            ck_assert_msg(inexact >= outs / 4, "case %d: %d of %d outputs not exact: not the "
                          "fast path?", c, inexact, outs);
        else
            ck_assert_msg(inexact == 0, "case %d: %d of %d outputs not exact: not the direct "
                          "kernel?", c, inexact, outs);
        free(xs);
    }
}
END_TEST

/* ---- iir_filter ------------------------------------------------------------------- */

/* GNU Radio's direct form I (iir_filter_ffd): the feed-forward sum, then the
 * feedback one, in double, with the past outputs kept in double; oldstyle adds
 * a[k] y[n-k], the new style subtracts it; a[0] is not used. */
static void iir_ref(const double *b, int nb, const double *a, int na, int old, const float *x,
                    int n, float *out)
{
    double y[BIG];
    for (int i = 0; i < n; i++) {
        double acc = b[0] * x[i];
        for (int k = 1; k < nb; k++)
            acc += b[k] * (i >= k ? x[i - k] : 0.0f);
        for (int k = 1; k < na; k++)
            acc += (old ? a[k] : -a[k]) * (i >= k ? y[i - k] : 0.0);
        y[i] = acc;
        out[i] = (float)acc;
    }
}

/* The same taps with both signs of fbtaps; a[0] = 4 gives what a[0] = 1 does; c32
 * is each part through the same filter. The taps are not dyadic, so a state kept
 * in float would round differently in most of the items. */
START_TEST(test_iir_filter_oldstyle_true_and_false_with_the_same_taps)
{
    enum { N = 24 };
    static const float x[N] = {1, 0, 0, 2, -1, 0.5f, 3, 0, 0, 0, -2, 1, 0.7f, -0.3f, 0, 0,
                               0, 0, 0, 0, 1.5f, 0, 0, 0};
    static const double b[] = {0.3, 0.2, -0.1}, a[] = {1, 0.6, -0.25};
    float xc[2 * N], im[N], old[N], neu[N], cim[N];
    char yaml[4 * BIG];

    for (int i = 0; i < N; i++)
        im[i] = 0.25f * (float)(i % 5) - x[i], xc[2 * i] = x[i], xc[2 * i + 1] = im[i];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], items_per_buffer: 3}}\n"
             "  z: {type: vector_source, params: {values: [%s], type: c32, items_per_buffer: 3}}\n"
             "  t: {type: iir_filter, params: {fftaps: [0.3, 0.2, -0.1], fbtaps: [1, 0.6, -0.25]}}\n"
             "  f: {type: iir_filter, params: {fftaps: [0.3, 0.2, -0.1], fbtaps: [1, 0.6, -0.25],"
             " oldstyle: false}}\n"
             "  a: {type: iir_filter, params: {fftaps: [0.3, 0.2, -0.1], fbtaps: [4, 0.6, -0.25]}}\n"
             "  c: {type: iir_filter, params: {fftaps: [0.3, 0.2, -0.1], fbtaps: [1, 0.6, -0.25],"
             " oldstyle: false, type: c32}}\n"
             "  ot: {type: vector_sink, params: {path: t.txt}}\n"
             "  of: {type: vector_sink, params: {path: f.txt}}\n"
             "  oa: {type: vector_sink, params: {path: a.txt}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "connections:\n  - [x.out, t.in]\n  - [x.out, f.in]\n  - [x.out, a.in]\n"
             "  - [z.out, c.in]\n  - [t.out, ot.in]\n  - [f.out, of.in]\n  - [a.out, oa.in]\n"
             "  - [c.out, oc.in]\n",
             list(x, N), list(xc, 2 * N));
    enter_tmpdir();
    graph_ok(yaml);
    iir_ref(b, 3, a, 3, 1, x, N, old);
    iir_ref(b, 3, a, 3, 0, x, N, neu);
    iir_ref(b, 3, a, 3, 0, im, N, cim);
    double *t = numbers("t.txt", N), *f = numbers("f.txt", N), *o4 = numbers("a.txt", N);
    double *cx = numbers("c.txt", 2 * N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg((float)t[i] == old[i], "oldstyle %d: %.9g, want %.9g", i, t[i], old[i]);
        ck_assert_msg((float)f[i] == neu[i], "new style %d: %.9g, want %.9g", i, f[i], neu[i]);
        ck_assert_msg((float)o4[i] == old[i], "a[0] = 4, %d: %.9g, want %.9g", i, o4[i], old[i]);
        ck_assert_msg((float)cx[2 * i] == neu[i] && (float)cx[2 * i + 1] == cim[i],
                      "c32 %d: %.9g%+.9gj, want %.9g%+.9gj", i, cx[2 * i], cx[2 * i + 1], neu[i],
                      cim[i]);
    }
    ck_assert_float_ne(old[2], neu[2]); /* the signs do differ: y[2] has a[1] y[1] */
    free(t), free(f), free(o4), free(cx);
}
END_TEST

/* GNU Radio's analog.fm_deemph(48000, 75e-6), from the block's doc: the bilinear
 * transform of 1 / (1 + s tau), k = -tan(1 / (2 fs tau)). Its step response rises
 * to 1 (0 dB at DC). */
START_TEST(test_iir_filter_as_fm_deemphasis)
{
    enum { N = 300 };
    double k = -tan(1 / (2 * 48000 * 75e-6)), p1 = (1 + k) / (1 - k), b0 = -k / (1 - k);
    double b[2] = {b0, b0}, a[2] = {1, -p1};
    float x[N], want[N];
    char yaml[1024];

    for (int i = 0; i < N; i++)
        x[i] = 1;
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [1], repeat: true, items_per_buffer: 3}}\n"
             "  h: {type: head, params: {items: %d}}\n"
             "  d: {type: iir_filter, params: {fftaps: [%.17g, %.17g], fbtaps: [1, %.17g],"
             " oldstyle: false}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [x.out, h.in]\n  - [h.out, d.in]\n  - [d.out, o.in]\n",
             N, b0, b0, -p1);
    enter_tmpdir();
    graph_ok(yaml);
    iir_ref(b, 2, a, 2, 0, x, N, want);
    double *y = numbers("o.txt", N);
    ck_assert_double_eq_tol(b0, 0.12264454924040032, 1e-15); /* the doc's figure */
    ck_assert_float_eq((float)y[0], (float)b0);
    for (int i = 0; i < N; i++)
        ck_assert_msg((float)y[i] == want[i], "%d: %.9g, want %.9g", i, y[i], want[i]);
    ck_assert_double_eq_tol(y[N - 1], 1.0, 1e-6);
    free(y);
}
END_TEST

START_TEST(test_iir_filter_refuses_empty_taps)
{
    enter_tmpdir();
    validate_fails("blocks:\n"
                   "  x: {type: vector_source, params: {values: [1, 2]}}\n"
                   "  f: {type: iir_filter, params: {fftaps: [], fbtaps: [1]}}\n"
                   "  o: {type: null_sink}\n"
                   "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n",
                   "v.yaml:3:3: block 'f': parameter 'fftaps': at least one tap is needed\n");
    validate_fails("blocks:\n"
                   "  x: {type: vector_source, params: {values: [1, 2]}}\n"
                   "  f: {type: iir_filter, params: {fftaps: [1], fbtaps: []}}\n"
                   "  o: {type: null_sink}\n"
                   "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n",
                   "v.yaml:3:3: block 'f': parameter 'fbtaps': at least one tap is needed\n");
}
END_TEST

/* ---- dc_blocker ------------------------------------------------------------------- */

/* GNU Radio's moving_averager: s[n] = (x[n] - x[n-D]) + s[n-1] in float, out s / D. */
static void ma_ref(const float *x, int n, int d, float *out)
{
    float s = 0;
    for (int i = 0; i < n; i++) {
        s = (x[i] - (i >= d ? x[i - d] : 0.0f)) + s;
        out[i] = s / (float)d;
    }
}

/* Long form: x[n-2D+2] - MA^4(x)[n]; short: x[n-D+1] - MA^2(x)[n]. */
static void dc_ref(const float *x, int n, int d, int long_form, float *out)
{
    float y1[BIG], y2[BIG], y3[BIG], y4[BIG];
    int lag = long_form ? 2 * d - 2 : d - 1;

    ma_ref(x, n, d, y1);
    ma_ref(y1, n, d, y2);
    ma_ref(y2, n, d, y3);
    ma_ref(y3, n, d, y4);
    for (int i = 0; i < n; i++)
        out[i] = (i >= lag ? x[i - lag] : 0.0f) - (long_form ? y4[i] : y2[i]);
}

/* DC 2 plus a dyadic wobble for the first 20 items, then DC alone: the output is
 * the recursion's to the bit, and from 4 (D - 1) + 1 items after the wobble on
 * it is exactly 0 (the DC removed; dyadic values round nowhere). c32: the
 * imaginary part is its own stream. */
START_TEST(test_dc_blocker_long_and_short_form)
{
    enum { N = 48, D = 4 };
    float x[N], xc[2 * N], im[N], lf[N], sf[N], cre[N], cim[N];
    char yaml[4 * BIG];

    for (int i = 0; i < N; i++) {
        x[i] = 2 + (i < 20 ? 0.25f * (float)((i * 7) % 5 - 2) : 0);
        im[i] = i == 5 ? 1.0f : -0.5f;
        xc[2 * i] = x[i], xc[2 * i + 1] = im[i];
    }
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], items_per_buffer: 3}}\n"
             "  z: {type: vector_source, params: {values: [%s], type: c32, items_per_buffer: 3}}\n"
             "  l: {type: dc_blocker, params: {D: %d}}\n"
             "  s: {type: dc_blocker, params: {D: %d, long_form: false}}\n"
             "  c: {type: dc_blocker, params: {D: 3, type: c32}}\n"
             "  ol: {type: vector_sink, params: {path: l.txt}}\n"
             "  os: {type: vector_sink, params: {path: s.txt}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "connections:\n  - [x.out, l.in]\n  - [x.out, s.in]\n  - [z.out, c.in]\n"
             "  - [l.out, ol.in]\n  - [s.out, os.in]\n  - [c.out, oc.in]\n",
             list(x, N), list(xc, 2 * N), D, D);
    enter_tmpdir();
    graph_ok(yaml);
    dc_ref(x, N, D, 1, lf);
    dc_ref(x, N, D, 0, sf);
    dc_ref(x, N, 3, 1, cre);
    dc_ref(im, N, 3, 1, cim);
    double *l = numbers("l.txt", N), *s = numbers("s.txt", N), *c = numbers("c.txt", 2 * N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg((float)l[i] == lf[i], "long %d: %.9g, want %.9g", i, l[i], lf[i]);
        ck_assert_msg((float)s[i] == sf[i], "short %d: %.9g, want %.9g", i, s[i], sf[i]);
        ck_assert_msg((float)c[2 * i] == cre[i] && (float)c[2 * i + 1] == cim[i],
                      "c32 %d: %.9g%+.9gj, want %.9g%+.9gj", i, c[2 * i], c[2 * i + 1], cre[i],
                      cim[i]);
        if (i >= 20 + 4 * (D - 1) + 1)
            ck_assert_msg(l[i] == 0 && s[i] == 0, "%d: DC left: %g, %g", i, l[i], s[i]);
    }
    free(l), free(s), free(c);
}
END_TEST

/* GNU Radio's output delay: an impulse comes out 2D - 2 items later from the long
 * form, D - 1 from the short one, less the averages' share. */
START_TEST(test_dc_blocker_delays_an_impulse_by_its_group_delay)
{
    enum { N = 20 };
    char yaml[1024];
    enter_tmpdir();
    for (int form = 0; form < 2; form++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  x: {type: vector_source, params: {values: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
                 " 0, 0, 0, 0, 0, 0, 0, 0], items_per_buffer: 3}}\n"
                 "  d: {type: dc_blocker, params: {D: 4, long_form: %s}}\n"
                 "  o: {type: vector_sink, params: {path: o.txt}}\n"
                 "connections:\n  - [x.out, d.in]\n  - [d.out, o.in]\n",
                 form ? "true" : "false");
        graph_ok(yaml);
        double *y = numbers("o.txt", N);
        int peak = 0;
        for (int i = 1; i < N; i++)
            peak = fabs(y[i]) > fabs(y[peak]) ? i : peak;
        ck_assert_int_eq(peak, form ? 2 * 4 - 2 : 4 - 1);
        ck_assert_double_eq(y[peak], form ? 0.828125 : 0.75); /* GNU Radio 3.10.5's */
        free(y);
    }
}
END_TEST

/* ---- moving_average ----------------------------------------------------------------- */

/* GNU Radio's loop over one buffer of n items, x with its len - 1 items of history
 * (zeros before the stream) at x[-(len-1)]: the sum started again from the history
 * every max_iter items, then per item add the newest, scale, take the oldest away. */
static void ma_buffer(const float *x, int n, int len, int max_iter, float scale, float *y)
{
    for (int c = 0; c < n; c += max_iter) {
        float s = 0;
        for (int k = c - (len - 1); k < c; k++)
            s += x[k];
        for (int i = c; i < n && i < c + max_iter; i++) {
            s += x[i];
            y[i] = s * scale;
            s -= x[i - (len - 1)];
        }
    }
}

/* The stream x of n items in buffers of `per` through ma_buffer. */
static void ma_stream(const float *x, int n, int per, int len, int max_iter, float scale,
                      float *y)
{
    float h[BIG] = {0};
    memcpy(h + len - 1, x, (size_t)n * sizeof *x);
    for (int b = 0; b < n; b += per)
        ma_buffer(h + len - 1 + b, n - b < per ? n - b : per, len, max_iter, scale, y + b);
}

/* The first length - 1 outputs sum the history's zeros; the float sum starts again
 * with each buffer (3 items) and each max_iter (2) within one, and these numbers
 * (1000.1 among thousandths) round differently when it does not: the outputs are
 * those of that order exactly. */
START_TEST(test_moving_average_f32_history_and_max_iter)
{
    enum { N = 20 };
    float x[N], y3[N], y2[N];
    char yaml[2 * BIG];

    for (int i = 0; i < N; i++)
        x[i] = i % 3 ? 0.0013f * (float)(i + 1) : 1000.1f;
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], items_per_buffer: 3}}\n"
             "  a: {type: moving_average, params: {length: 4, scale: 0.3}}\n"
             "  b: {type: moving_average, params: {length: 4, scale: 0.3, max_iter: 2}}\n"
             "  oa: {type: vector_sink, params: {path: a.txt}}\n"
             "  ob: {type: vector_sink, params: {path: b.txt}}\n"
             "connections:\n  - [x.out, a.in]\n  - [x.out, b.in]\n  - [a.out, oa.in]\n"
             "  - [b.out, ob.in]\n",
             list(x, N));
    enter_tmpdir();
    graph_ok(yaml);
    ma_stream(x, N, 3, 4, 4096, 0.3f, y3);
    ma_stream(x, N, 3, 4, 2, 0.3f, y2);
    double *a = numbers("a.txt", N), *b = numbers("b.txt", N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg((float)a[i] == y3[i], "%d: %.9g, want %.9g", i, a[i], y3[i]);
        ck_assert_msg((float)b[i] == y2[i], "max_iter 2, %d: %.9g, want %.9g", i, b[i], y2[i]);
        /* and both are the average to float precision */
        double sum = 0;
        for (int k = i - 3; k <= i; k++)
            sum += k >= 0 ? x[k] : 0;
        ck_assert_double_eq_tol(a[i], 0.3 * sum, 1e-4);
    }
    free(a), free(b);
}
END_TEST

/* c32 with a complex scale (dyadic, so exact); i16 and i32 wrap as GNU Radio's
 * int16_t and int arithmetic does: moving_average_ss(3, 2) on 30000, 30000, 1, 2, 3
 * gives -5536, -11072, -11070, -5530, 12 in GNU Radio 3.10.5. */
START_TEST(test_moving_average_c32_and_integers)
{
    static const float z[] = {1, 2, -0.5f, 0.25f, 3, -1, 0, 4, 2, 2};
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  z: {type: vector_source, params: {values: [1, 2, -0.5, 0.25, 3, -1, 0, 4, 2, 2],"
             " type: c32, items_per_buffer: 3}}\n"
             "  c: {type: moving_average, params: {length: 2, scale: 0.5-0.25j, type: c32}}\n"
             "  s: {type: vector_source, params: {values: [30000, 30000, 1, 2, 3], type: i16,"
             " items_per_buffer: 3}}\n"
             "  m: {type: moving_average, params: {length: 3, scale: 2, type: i16}}\n"
             "  i: {type: vector_source, params: {values: [2000000000, 2000000000, 5, -7],"
             " type: i32, items_per_buffer: 3}}\n"
             "  n: {type: moving_average, params: {length: 2, scale: -3, type: i32}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "  om: {type: vector_sink, params: {path: m.txt, type: i16}}\n"
             "  on: {type: vector_sink, params: {path: n.txt, type: i32}}\n"
             "connections:\n  - [z.out, c.in]\n  - [c.out, oc.in]\n  - [s.out, m.in]\n"
             "  - [m.out, om.in]\n  - [i.out, n.in]\n  - [n.out, on.in]\n");
    double *c = numbers("c.txt", 10);
    for (int i = 0; i < 5; i++) {
        float complex s = z[2 * i] + z[2 * i + 1] * I;
        if (i)
            s += z[2 * i - 2] + z[2 * i - 1] * I;
        float complex want = s * (0.5f - 0.25f * I);
        ck_assert_float_eq((float)c[2 * i], crealf(want));
        ck_assert_float_eq((float)c[2 * i + 1], cimagf(want));
    }
    char *m = read_file("m.txt", NULL), *n = read_file("n.txt", NULL);
    ck_assert_str_eq(m, "-5536\n-11072\n-11070\n-5530\n12\n");
    /* -3 (2e9 + 2e9) and on, modulo 2^32 */
    char want[256];
    int64_t in32[] = {2000000000, 2000000000, 5, -7};
    size_t len = 0;
    for (int i = 0; i < 4; i++) {
        int64_t s = in32[i] + (i ? in32[i - 1] : 0);
        uint32_t w = (uint32_t)(uint64_t)(s * -3);
        len += (size_t)snprintf(want + len, sizeof want - len, "%d\n",
                                w > INT32_MAX ? (int)((int64_t)w - 4294967296) : (int)w);
    }
    ck_assert_str_eq(n, want);
    ck_assert_str_eq(n, "-1705032704\n884901888\n-1705032719\n6\n"); /* GNU Radio 3.10.5 */
    free(c), free(m), free(n);
}
END_TEST

/* Vectors (GNU Radio's vlen): raw floats through file_source and file_sink as
 * bytes, 3 vectors a buffer. Element e of y[n] is the sum over the length last
 * vectors' element e. Length 1 gives x scale, where GNU Radio 3.10 adds the work
 * call's first vector to every output (the difference mq makes on purpose). */
START_TEST(test_moving_average_on_vectors)
{
    enum { N = 8, V = 3 };
    float x[N * V], y[N * V], y1[N * V];
    FILE *f;
    for (int i = 0; i < N * V; i++)
        x[i] = (float)(i % 7) - 2.5f * (float)(i % 3);
    enter_tmpdir();
    ck_assert_ptr_nonnull(f = fopen("x.f32", "wb"));
    ck_assert_uint_eq(fwrite(x, sizeof x, 1, f), 1);
    fclose(f);
    graph_ok("blocks:\n"
             "  f: {type: file_source, params: {path: x.f32, items_per_buffer: 9}}\n"
             "  x: {type: stream_to_vector, params: {num_items: 3}}\n"
             "  a: {type: moving_average, params: {length: 3, scale: 0.5, vlen: 3}}\n"
             "  b: {type: moving_average, params: {length: 1, scale: 2, vlen: 3}}\n"
             "  oa: {type: file_sink, params: {path: a.f32, type: bytes}}\n"
             "  ob: {type: file_sink, params: {path: b.f32, type: bytes}}\n"
             "connections:\n  - [f.out, x.in]\n  - [x.out, a.in]\n  - [x.out, b.in]\n"
             "  - [a.out, oa.in]\n"
             "  - [b.out, ob.in]\n");
    size_t la, lb;
    char *a = read_file("a.f32", &la), *b = read_file("b.f32", &lb);
    ck_assert_uint_eq(la, sizeof y);
    ck_assert_uint_eq(lb, sizeof y);
    memcpy(y, a, sizeof y);
    memcpy(y1, b, sizeof y1);
    for (int n = 0; n < N; n++)
        for (int e = 0; e < V; e++) {
            float s = 0;
            for (int k = n - 2; k <= n; k++)
                s += k >= 0 ? x[k * V + e] : 0;
            ck_assert_float_eq(y[n * V + e], s * 0.5f); /* halves and integers: exact */
            ck_assert_float_eq(y1[n * V + e], x[n * V + e] * 2);
        }
    free(a), free(b);
}
END_TEST

START_TEST(test_moving_average_scale_has_gnu_radios_type)
{
    enter_tmpdir();
    validate_fails("blocks:\n"
                   "  x: {type: vector_source, params: {values: [1, 2], type: i16}}\n"
                   "  m: {type: moving_average, params: {length: 3, scale: 0.5, type: i16}}\n"
                   "  o: {type: null_sink, params: {type: i16}}\n"
                   "connections:\n  - [x.out, m.in]\n  - [m.out, o.in]\n",
                   "v.yaml:3:3: block 'm': parameter 'scale': i16 takes an integer scale in "
                   "[-32768, 32767]\n");
    validate_fails("blocks:\n"
                   "  x: {type: vector_source, params: {values: [1, 2]}}\n"
                   "  m: {type: moving_average, params: {length: 3, scale: 1+2j}}\n"
                   "  o: {type: null_sink}\n"
                   "connections:\n  - [x.out, m.in]\n  - [m.out, o.in]\n",
                   "v.yaml:3:3: block 'm': parameter 'scale': f32 takes a real scale\n");
}
END_TEST

/* ---- agc ----------------------------------------------------------------------------- */

/* GNU Radio's agc.h scale(), in float: out = in gain, then gain += (reference -
 * |out|) rate, clipped to max_gain if max_gain > 0. Returns the gain after n items. */
static float agc_ref(const float *re, const float *im, int n, float rate, float ref, float gain,
                     float max_gain, float *out)
{
    for (int i = 0; i < n; i++) {
        float r = re[i] * gain, q = im ? im[i] * gain : 0;
        out[2 * i] = r, out[2 * i + 1] = q;
        gain += rate * (ref - (im ? sqrtf(r * r + q * q) : fabsf(r)));
        if (max_gain > 0 && gain > max_gain)
            gain = max_gain;
    }
    return gain;
}

/* A constant of amplitude 0.1: the gain goes to reference / 0.1 = 10 and the
 * output to the reference, 1. Without rounding the gain after n items is
 * 10 - 9 (1 - 0.1 rate)^n; with rate 0.1 that is within 4e-4 of 10 after 1000
 * items. c32: 0.06+0.08j has the same magnitude. max_gain 5 holds the gain there
 * and the output at 0.5. */
START_TEST(test_agc_converges_to_the_reference)
{
    enum { N = 1000 };
    float re[N], rc[N], ic[N], f[2 * N], c[2 * N], m[2 * N];
    char yaml[2048];

    for (int i = 0; i < N; i++)
        re[i] = 0.1f, rc[i] = 0.06f, ic[i] = 0.08f;
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [0.1], repeat: true, items_per_buffer: 3}}\n"
             "  z: {type: vector_source, params: {values: [0.06, 0.08], type: c32, repeat: true,"
             " items_per_buffer: 3}}\n"
             "  a: {type: agc, params: {rate: 0.1}}\n"
             "  m: {type: agc, params: {rate: 0.1, max_gain: 5}}\n"
             "  c: {type: agc, params: {rate: 0.1, type: c32}}\n"
             "  ha: {type: head, params: {items: %d}}\n"
             "  hm: {type: head, params: {items: %d}}\n"
             "  hc: {type: head, params: {items: %d, type: c32}}\n"
             "  oa: {type: vector_sink, params: {path: a.txt}}\n"
             "  om: {type: vector_sink, params: {path: m.txt}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "connections:\n  - [x.out, a.in]\n  - [x.out, m.in]\n  - [z.out, c.in]\n"
             "  - [a.out, ha.in]\n  - [m.out, hm.in]\n  - [c.out, hc.in]\n"
             "  - [ha.out, oa.in]\n  - [hm.out, om.in]\n  - [hc.out, oc.in]\n",
             N, N, N);
    enter_tmpdir();
    graph_ok(yaml);
    float g = agc_ref(re, NULL, N, 0.1f, 1, 1, 65536, f);
    float gc = agc_ref(rc, ic, N, 0.1f, 1, 1, 65536, c);
    float gm = agc_ref(re, NULL, N, 0.1f, 1, 1, 5, m);
    double *a = numbers("a.txt", N), *mm = numbers("m.txt", N), *cc = numbers("c.txt", 2 * N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg((float)a[i] == f[2 * i], "%d: %.9g, want %.9g", i, a[i], f[2 * i]);
        ck_assert_msg((float)mm[i] == m[2 * i], "max_gain %d: %.9g, want %.9g", i, mm[i],
                      m[2 * i]);
        ck_assert_msg((float)cc[2 * i] == c[2 * i] && (float)cc[2 * i + 1] == c[2 * i + 1],
                      "c32 %d: %.9g%+.9gj, want %.9g%+.9gj", i, cc[2 * i], cc[2 * i + 1],
                      c[2 * i], c[2 * i + 1]);
    }
    ck_assert_float_eq((float)a[0], 0.1f); /* the first item sees the initial gain */
    ck_assert_double_eq_tol(g, 10 - 9 * pow(1 - 0.1 * 0.1, N), 1e-4);
    ck_assert_double_eq_tol(g, 10, 4e-4);
    ck_assert_double_eq_tol(gc, 10, 4e-4);
    ck_assert_double_eq_tol(a[N - 1], 1, 1e-4);
    ck_assert_double_eq_tol(hypot(cc[2 * N - 2], cc[2 * N - 1]), 1, 1e-4);
    ck_assert_float_eq(gm, 5);
    ck_assert_float_eq((float)mm[N - 1], 0.5f);
    free(a), free(mm), free(cc);
}
END_TEST

/* ---- all four ------------------------------------------------------------------------- */

/* 1:1 blocks: each buffer goes out with its input's timestamp (sample index 0, 3,
 * 6 for buffers of 3). */
START_TEST(test_filters_pass_timestamps)
{
    static const char *blocks[] = {"iir_filter, params: {fftaps: [1], fbtaps: [1, 0.5]}",
                                   "dc_blocker, params: {D: 2}",
                                   "moving_average, params: {length: 2, scale: 1}",
                                   "agc, params: {}"};
    char yaml[1024];
    enter_tmpdir();
    for (int b = 0; b < 4; b++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7],"
                 " items_per_buffer: 3}}\n"
                 "  f: {type: %s}\n"
                 "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
                 "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n",
                 blocks[b]);
        graph_ok(yaml);
        char *o = read_file("o.txt", NULL), stamps[64] = "";
        for (char *l = o; (l = strstr(l, "@ sample ")); l++)
            snprintf(stamps + strlen(stamps), sizeof stamps - strlen(stamps), "%ld ",
                     strtol(l + 9, NULL, 10));
        ck_assert_msg(!strcmp(stamps, "0 3 6 "), "%s: %s", blocks[b], o);
        free(o);
    }
}
END_TEST

/* dc_blocker's output lags by its group delay, 2D - 2 items: a time stamps each
 * output with its input's time less that (D = 2 at 1 kHz: 2 ms), also for a last
 * buffer of one item, which cannot tell the item period itself. */
START_TEST(test_dc_blocker_times_are_less_its_delay)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7],"
             " items_per_buffer: 3, timestamps: relative, sample_rate: 1000}}\n"
             "  f: {type: dc_blocker, params: {D: 2}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, timestamps: true}}\n"
             "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n");
    char *o = read_file("o.txt", NULL), stamps[160] = "";
    for (char *l = o; (l = strstr(l, "@ relative ")); l++) {
        char *e = strchr(l, '\n');
        snprintf(stamps + strlen(stamps), sizeof stamps - strlen(stamps), "%.*s;",
                 (int)(e - l - 11), l + 11);
    }
    ck_assert_str_eq(stamps, "-2000000 -2000000 0;1000000 1000000 3000000;"
                             "4000000 4000000 4000000;");
    free(o);
}
END_TEST

/* ---- live parameters ----------------------------------------------------------------- */

/* `mqgraph set GRAPH CHANGE` once BLOCK has made `after` more items than `since`:
 * the item from which the block holds the new value. */
static long long set_after(const char *graph, const char *block, long long since,
                           long long after, const char *change)
{
    const char *args[] = {"set", graph, change, "--json", NULL};
    wait_items(graph, block, since + after);
    json_t *r = cli_json(args);
    ck_assert_msg(json_is_true(json_object_get(r, "applied")), "%s was not applied", change);
    long long at = field(r, "item");
    json_decref(r);
    ck_assert_int_ge(at, since);
    return at;
}

static float *read_f32(const char *path, size_t want)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    ck_assert_uint_eq(len, want * sizeof *x);
    return x;
}

/* A constant 0.5 at 100k items/s into the three blocks with setters. agc (rate 0,
 * gain 2) puts out 1 until gain = 4 (then 2); max_gain = 3 clips the gain after
 * the item that sees the change, as GNU Radio's scale() does; rate and reference
 * then move it by the recursion. iir_filter's new fftaps start from a zero state
 * (GNU Radio's set_taps): y goes 1, 1.5, 1.75 .. to 2 again. moving_average's
 * longer length sees zeros before the 3 items the shorter one kept: 2, 2.5 .. 4;
 * then scale 0.5 halves it. */
START_TEST(test_agc_iir_and_moving_average_setters)
{
    enum { N = 200000 };
    const char *g = "filtlive" SFX;
    own_ctldir();
    pid_t pid = start_graph("filtlive",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {waveform: constant, amplitude: 0.5,"
                            " items_per_buffer: 500}}\n"
                            "  head: {type: head, params: {items: 200000}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  agc: {type: agc, params: {rate: 0, gain: 2}}\n"
                            "  iir: {type: iir_filter, params: {fftaps: [1], fbtaps: [1, 0.5]}}\n"
                            "  ma: {type: moving_average, params: {length: 4, scale: 1}}\n"
                            "  oa: {type: file_sink, params: {path: a.f32}}\n"
                            "  oi: {type: file_sink, params: {path: i.f32}}\n"
                            "  om: {type: file_sink, params: {path: m.f32}}\n"
                            "connections:\n"
                            "  - [src.out, head.in]\n  - [head.out, thr.in]\n  - [thr.out, agc.in]\n"
                            "  - [thr.out, iir.in]\n  - [thr.out, ma.in]\n  - [agc.out, oa.in]\n"
                            "  - [iir.out, oi.in]\n  - [ma.out, om.in]\n",
                            0);
    long long ga = set_after(g, "agc", 0, 5000, "agc.gain=4");
    long long gb = set_after(g, "agc", ga, 5000, "agc.max_gain=3");
    long long gc = set_after(g, "agc", gb, 5000, "agc.rate=0.01");
    long long gd = set_after(g, "agc", gc, 5000, "agc.reference=0.75");
    long long ia = set_after(g, "iir", 0, 5000, "iir.fftaps=[2]");
    long long ma = set_after(g, "ma", 0, 5000, "ma.length=8");
    long long mb = set_after(g, "ma", ma, 5000, "ma.scale=0.5");
    ck_assert_int_eq(finish(pid), 0);
    float *a = read_f32("a.f32", N), *y = read_f32("i.f32", N), *m = read_f32("m.f32", N);
    float gain = 2, max_gain = 65536, rate = 0, ref = 1;
    double prev = 0;
    for (long long i = 0; i < N; i++) {
        gain = i == ga ? 4 : gain;
        max_gain = i == gb ? 3 : max_gain;
        rate = i == gc ? 0.01f : rate;
        ref = i == gd ? 0.75f : ref;
        float out = 0.5f * gain;
        gain += (ref - fabsf(out)) * rate;
        if (max_gain > 0 && gain > max_gain)
            gain = max_gain;
        ck_assert_msg(a[i] == out, "agc %lld: %.9g, want %.9g", i, a[i], out);
        double acc = (i < ia ? 1 : 2) * 0.5f + 0.5 * (i == ia ? 0 : prev);
        prev = acc;
        ck_assert_msg(y[i] == (float)acc, "iir %lld: %.9g, want %.9g", i, y[i], acc);
        long long count = i < ma ? (i < 3 ? i + 1 : 4) : (i - ma + 4 < 8 ? i - ma + 4 : 8);
        float want = (float)count * 0.5f * (i < mb ? 1 : 0.5f);
        ck_assert_msg(m[i] == want, "moving_average %lld: %.9g, want %.9g", i, m[i], want);
    }
    ck_assert_float_eq(a[gb], 2);      /* the item of the change still had gain 4 */
    ck_assert_float_eq(a[gb + 1], 1.5f);
    ck_assert_double_eq_tol(a[N - 1], 0.75, 1e-3); /* the new reference, reached */
    free(a), free(y), free(m);
}
END_TEST

/* y[i] of the taps h (n of them) over x, where the items before `from` are 0. */
static double conv_from(const float *x, long long i, const double complex *h, int n,
                        long long from)
{
    double y = 0;
    for (int k = 0; k < n && i - k >= 0; k++)
        if (i - k >= from)
            y += creal(h[k]) * x[i - k];
    return y;
}

/* fir_filter's taps changed while it runs across the threshold of fast
 * convolution, 8 taps to 255 and back to 8 (exact sums, as above, in buffers of
 * 16384): the direct kernel's exact outputs up to the first change; from it the
 * long filter's, which sees the 7 items the short one kept and zeros before them,
 * within 1e-6 of sum |h| max |x| and a quarter at least not exact (fast
 * convolution); from the second change the new short filter's, exact again. */
START_TEST(test_fir_filter_live_taps_cross_to_fast_convolution_and_back)
{
    enum { N = 300000, L1 = 8, L2 = 255 };
    static double complex t1[L1], t2[L2], t3[L1];
    static float x[N];
    static char graph[1 << 14], change[1 << 13];
    const char *g = "filtfast" SFX;

    own_ctldir();
    write_ints("x.f32", N, 11, x);
    const char *taps1 = dyadic_taps(L1, 0, 5, t1);
    snprintf(graph, sizeof graph,
             "blocks:\n"
             "  src: {type: file_source, params: {path: x.f32, items_per_buffer: 16384}}\n"
             "  thr: {type: throttle, params: {rate: 300000}}\n"
             "  fir: {type: fir_filter, params: {taps: [%s]}}\n"
             "  o: {type: file_sink, params: {path: y.f32}}\n"
             "connections:\n  - [src.out, thr.in]\n  - [thr.out, fir.in]\n  - [fir.out, o.in]\n",
             taps1);
    pid_t pid = start_graph("filtfast", graph, 0);
    snprintf(change, sizeof change, "fir.taps=[%s]", dyadic_taps(L2, 0, 6, t2));
    long long at1 = set_after(g, "fir", 0, 40000, change);
    snprintf(change, sizeof change, "fir.taps=[%s]", dyadic_taps(L1, 0, 7, t3));
    long long at2 = set_after(g, "fir", at1, 70000, change);
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_int_lt(at2, N - 16384); /* a whole buffer of the last filter at least */
    float *y = read_f32("y.f32", N);
    double scale = 0;
    for (int k = 0; k < L2; k++)
        scale += cabs(t2[k]) * 8;
    long long inexact = 0;
    for (long long i = 0; i < N; i++) {
        if (i < at1 || i >= at2) {
            double want = i < at1 ? conv_from(x, i, t1, L1, 0) : conv_from(x, i, t3, L1, 0);
            ck_assert_msg(y[i] == want, "item %lld: %.9g, want %.9g exactly (changes at %lld, "
                          "%lld)", i, y[i], want, at1, at2);
            continue;
        }
        double want = conv_from(x, i, t2, L2, at1 - (L1 - 1));
        inexact += y[i] != want;
        ck_assert_msg(fabs(y[i] - want) <= 1e-6 * scale, "item %lld: %.9g, want %.9g (255 "
                      "taps from %lld)", i, y[i], want, at1);
    }
    ck_assert_msg(inexact >= (at2 - at1) / 4, "%lld of %lld outputs of 255 taps not exact: not "
                  "fast convolution?", inexact, at2 - at1);
    free(y);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_filt");
    TCase *tc = tcase_create("filt");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_fir_filter_against_the_convolution_in_double);
    tcase_add_test(tc, test_fir_filter_complex_taps_errors);
    tcase_add_test(tc, test_fir_filter_takes_the_faster_path_with_the_same_outputs);
    tcase_add_test(tc, test_iir_filter_oldstyle_true_and_false_with_the_same_taps);
    tcase_add_test(tc, test_iir_filter_as_fm_deemphasis);
    tcase_add_test(tc, test_iir_filter_refuses_empty_taps);
    tcase_add_test(tc, test_dc_blocker_long_and_short_form);
    tcase_add_test(tc, test_dc_blocker_delays_an_impulse_by_its_group_delay);
    tcase_add_test(tc, test_moving_average_f32_history_and_max_iter);
    tcase_add_test(tc, test_moving_average_c32_and_integers);
    tcase_add_test(tc, test_moving_average_on_vectors);
    tcase_add_test(tc, test_moving_average_scale_has_gnu_radios_type);
    tcase_add_test(tc, test_agc_converges_to_the_reference);
    tcase_add_test(tc, test_filters_pass_timestamps);
    tcase_add_test(tc, test_dc_blocker_times_are_less_its_delay);
    tcase_add_test(tc, test_agc_iir_and_moving_average_setters);
    tcase_add_test(tc, test_fir_filter_live_taps_cross_to_fast_convolution_and_back);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
