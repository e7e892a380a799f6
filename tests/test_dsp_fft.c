/* test_dsp_fft.c - the vector and FFT blocks (stream_to_vector, vector_to_stream,
 * fft, fft_filter) in small graphs: the FFT against a DFT written out here, the
 * vector blocks' round trip and stamps across buffers that split vectors,
 * fft_filter against fir_filter and against the convolution, live taps, and the
 * errors word for word. */
#define _GNU_SOURCE
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

static void graph_ok(const char *yaml)
{
    run_yaml_ok("fftv", yaml, 1);
}

/* A graph file built up piece by piece. */
static char yaml[1 << 16];
static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
    size_t n = strlen(yaml);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(yaml + n, sizeof yaml - n, fmt, ap);
    va_end(ap);
    ck_assert_uint_lt(strlen(yaml), sizeof yaml - 1);
}

static double *numbers(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_msg(n == want, "%s: %zu numbers, want %zu", path, n, want);
    return v;
}

/* ---- fft ------------------------------------------------------------------------------- */

/* The DFT of one vector, written out: u[n] = w[n] x[n] (w NULL: 1); a shifted
 * reverse transform reads u ifftshifted, v[m] = u[(m + N/2) mod N]; then
 * X[k] = sum_m v[m] e^(-+2 pi i k m / N), unscaled; a shifted forward transform's
 * output is fftshifted, out[j] = X[(j + N - N/2) mod N]. */
static void dft(const double complex *x, int n, const double *w, int fwd, int shift,
                double complex *out)
{
    double complex u[64], v[64], big[64];
    for (int k = 0; k < n; k++)
        u[k] = x[k] * (w ? w[k] : 1.0);
    for (int m = 0; m < n; m++)
        v[m] = shift && !fwd ? u[(m + n / 2) % n] : u[m];
    for (int k = 0; k < n; k++) {
        big[k] = 0;
        for (int m = 0; m < n; m++)
            big[k] += v[m] * cexp((fwd ? -2 : 2) * M_PI * I * k * m / n);
    }
    for (int j = 0; j < n; j++)
        out[j] = shift && fwd ? big[(j + n - n / 2) % n] : big[j];
}

struct fft_case {
    int n, fwd, shift, window, real, nthreads;
};

/* A case's input, `vecs` vectors (exact in float), and its window: a Hann
 * window raised by 1/8, so that no point is 0, in float as the block holds it. */
static void case_input(const struct fft_case *fc, int vecs, double complex *x, double *w)
{
    for (int k = 0; k < fc->n * vecs; k++)
        x[k] = ((k * 7) % 13 - 6) * 0.25 + (fc->real ? 0 : ((k * 5) % 11 - 5) * 0.5 * I);
    for (int k = 0; k < fc->n; k++)
        w[k] = (float)(0.625 - 0.5 * cos(2 * M_PI * k / fc->n));
}

/* Chain i: vector_source (3 items a buffer, so vectors span buffers) ->
 * stream_to_vector -> fft -> vector_to_stream -> vector_sink fI.txt, over `vecs`
 * vectors of x; w is the case's window. */
static void fft_chain(int i, const struct fft_case *fc, const double complex *x, int vecs,
                      const double *w)
{
    const char *t = fc->real ? "f32" : "c32";
    put("  s%d: {type: vector_source, params: {type: %s, items_per_buffer: 3, values: [", i, t);
    for (int k = 0; k < fc->n * vecs; k++)
        if (fc->real)
            put("%s%.17g", k ? ", " : "", creal(x[k]));
        else
            put("%s%.17g, %.17g", k ? ", " : "", creal(x[k]), cimag(x[k]));
    put("]}}\n  v%d: {type: stream_to_vector, params: {num_items: %d, type: %s}}\n", i, fc->n, t);
    put("  f%d: {type: fft, params: {fft_size: %d, type: %s, forward: %s, shift: %s,"
        " nthreads: %d, window: [", i, fc->n, t, fc->fwd ? "true" : "false",
        fc->shift ? "true" : "false", fc->nthreads);
    for (int k = 0; fc->window && k < fc->n; k++)
        put("%s%.9g", k ? ", " : "", w[k]);
    put("]}}\n  u%d: {type: vector_to_stream, params: {num_items: %d, type: c32}}\n", i, fc->n);
    put("  o%d: {type: vector_sink, params: {path: f%d.txt, type: c32}}\n", i, i);
}

/* Forward and reverse, with and without shift and a window, 16 points of c32
 * (fft_vcc) and 5 of f32 (fft_vfc: an odd size, where shifting rounds), two
 * vectors each; within 1e-4 of the DFT (values up to about 50, float rounding). */
START_TEST(test_fft_forward_reverse_shift_window_against_the_dft)
{
    static const struct fft_case cases[] = {
        {16, 1, 0, 0, 0, 1}, {16, 1, 1, 1, 0, 2}, {16, 0, 0, 0, 0, 1}, {16, 0, 1, 1, 0, 1},
        {5, 1, 1, 1, 1, 1},  {5, 0, 1, 1, 1, 1},  {5, 0, 0, 0, 1, 1},
    };
    enum { NC = sizeof cases / sizeof cases[0], VECS = 2 };
    double complex x[32], want[16];
    double w[16];
    char path[32];

    enter_tmpdir();
    yaml[0] = 0;
    put("blocks:\n");
    for (int c = 0; c < NC; c++) {
        case_input(&cases[c], VECS, x, w);
        fft_chain(c, &cases[c], x, VECS, w);
    }
    put("connections:\n");
    for (int c = 0; c < NC; c++)
        put("  - [s%d.out, v%d.in]\n  - [v%d.out, f%d.in]\n  - [f%d.out, u%d.in]\n"
            "  - [u%d.out, o%d.in]\n", c, c, c, c, c, c, c, c);
    graph_ok(yaml);
    for (int c = 0; c < NC; c++) {
        const struct fft_case *fc = &cases[c];
        case_input(fc, VECS, x, w);
        snprintf(path, sizeof path, "f%d.txt", c);
        double *y = numbers(path, 2 * (size_t)(fc->n * VECS));
        for (int v = 0; v < VECS; v++) {
            dft(x + v * fc->n, fc->n, fc->window ? w : NULL, fc->fwd, fc->shift, want);
            for (int k = 0; k < fc->n; k++) {
                double complex got = y[2 * (v * fc->n + k)] + y[2 * (v * fc->n + k) + 1] * I;
                ck_assert_msg(cabs(got - want[k]) < 1e-4,
                              "case %d vector %d bin %d: %g%+gj, want %g%+gj", c, v, k,
                              creal(got), cimag(got), creal(want[k]), cimag(want[k]));
            }
        }
        free(y);
    }
}
END_TEST

/* Exactly: the forward transform of 8 ones is 8 at bin 0, which shift puts at
 * bin 4; the reverse transform of that (shifted back to bin 0) is 8 everywhere,
 * not 1: GNU Radio's reverse FFT is not divided by N. */
START_TEST(test_fft_reverse_is_not_scaled_and_shift_centres_bin_zero)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  a: {type: vector_source, params: {type: c32, values: [1, 0, 1, 0, 1, 0, 1, 0,"
             " 1, 0, 1, 0, 1, 0, 1, 0]}}\n"
             "  v: {type: stream_to_vector, params: {num_items: 8, type: c32}}\n"
             "  f: {type: fft, params: {fft_size: 8, shift: true}}\n"
             "  r: {type: fft, params: {fft_size: 8, forward: false, shift: true}}\n"
             "  u: {type: vector_to_stream, params: {num_items: 8, type: c32}}\n"
             "  w: {type: vector_to_stream, params: {num_items: 8, type: c32}}\n"
             "  of: {type: vector_sink, params: {path: f.txt, type: c32}}\n"
             "  or: {type: vector_sink, params: {path: r.txt, type: c32}}\n"
             "connections:\n  - [a.out, v.in]\n  - [v.out, f.in]\n  - [f.out, u.in]\n"
             "  - [u.out, of.in]\n  - [f.out, r.in]\n  - [r.out, w.in]\n  - [w.out, or.in]\n");
    char *f = read_file("f.txt", NULL), *r = read_file("r.txt", NULL);
    ck_assert_str_eq(f, "0 0\n0 0\n0 0\n0 0\n8 0\n0 0\n0 0\n0 0\n");
    ck_assert_str_eq(r, "8 0\n8 0\n8 0\n8 0\n8 0\n8 0\n8 0\n8 0\n");
    free(f), free(r);
}
END_TEST

/* ---- stream_to_vector, vector_to_stream ---------------------------------------------------- */

/* 0, 1, 2, .. in buffers of `ipb` items, through stream_to_vector(num) and back:
 * the same items, but for the last count % num, which complete no vector. Five
 * items a buffer with four a vector leave a vector split across every pair of
 * buffers; eight a buffer forward whole ones; two a buffer with sixteen a vector
 * spread one vector over eight buffers. */
START_TEST(test_vector_round_trip_across_odd_buffers)
{
    static const struct {
        const char *type;
        int ipb, num, count;
    } cases[] = {
        {"f32", 5, 4, 103}, {"f32", 8, 4, 103}, {"c32", 5, 4, 103},
        {"i16", 3, 7, 103}, {"f32", 5, 1, 12},  {"f32", 2, 16, 103},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    char path[32], *want = malloc(1 << 16);

    enter_tmpdir();
    yaml[0] = 0;
    put("blocks:\n");
    for (int c = 0; c < NC; c++) {
        int cx = !strcmp(cases[c].type, "c32");
        put("  s%d: {type: vector_source, params: {type: %s, items_per_buffer: %d, values: [",
            c, cases[c].type, cases[c].ipb);
        for (int k = 0; k < cases[c].count; k++)
            cx ? put("%s%d, %d", k ? ", " : "", k, -k) : put("%s%d", k ? ", " : "", k);
        put("]}}\n  v%d: {type: stream_to_vector, params: {num_items: %d, type: %s}}\n", c,
            cases[c].num, cases[c].type);
        put("  u%d: {type: vector_to_stream, params: {num_items: %d, type: %s}}\n", c,
            cases[c].num, cases[c].type);
        put("  o%d: {type: vector_sink, params: {path: r%d.txt, type: %s}}\n", c, c,
            cases[c].type);
    }
    put("connections:\n");
    for (int c = 0; c < NC; c++)
        put("  - [s%d.out, v%d.in]\n  - [v%d.out, u%d.in]\n  - [u%d.out, o%d.in]\n", c, c, c, c,
            c, c);
    graph_ok(yaml);
    for (int c = 0; c < NC; c++) {
        int cx = !strcmp(cases[c].type, "c32"), whole = cases[c].count / cases[c].num;
        want[0] = 0;
        for (int k = 0; k < whole * cases[c].num; k++)
            sprintf(want + strlen(want), cx ? "%d %d\n" : "%d\n", k, -k);
        snprintf(path, sizeof path, "r%d.txt", c);
        char *got = read_file(path, NULL);
        ck_assert_msg(!strcmp(got, want), "case %d (%s, %d a buffer, %d a vector): %s", c,
                      cases[c].type, cases[c].ipb, cases[c].num, got);
        free(got);
    }
    free(want);
}
END_TEST

struct stamp {
    char type[16];
    long long value, start, end;
    int range;
    size_t lines; /* item lines before it */
};

/* The '@' lines of a vector_sink file with timestamps, each with the number of
 * item lines before it; *total the item lines in all. */
static size_t stamps(const char *path, struct stamp *s, size_t cap, size_t *total)
{
    char *text = read_file(path, NULL), *save, *line;
    size_t n = 0, items = 0;
    ck_assert_ptr_nonnull(text);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] != '@') {
            items++;
            continue;
        }
        ck_assert_uint_lt(n, cap);
        int k = sscanf(line, "@ %15s %lld %lld %lld", s[n].type, &s[n].value, &s[n].start,
                       &s[n].end);
        ck_assert_int_ge(k, 2);
        s[n].range = k == 4;
        s[n++].lines = items;
    }
    free(text);
    *total = items;
    return n;
}

/* The stamps in vector_sink file `path` of a stream of `items` items, `lines`
 * lines each, item j at j * `ns` ns (relative), or at index j (sample): each
 * buffer stamped with its first item, its range (relative) ending at its last. */
static void check_stamps(const char *path, size_t items, size_t lines, long long ns,
                         int relative)
{
    struct stamp s[64];
    size_t total, n = stamps(path, s, 64, &total);

    ck_assert_uint_eq(total, items * lines);
    for (size_t i = 0; i < n; i++) {
        long long j = (long long)(s[i].lines / lines);
        long long m = (long long)(((i + 1 < n ? s[i + 1].lines : total) - s[i].lines) / lines);
        ck_assert_str_eq(s[i].type, relative ? "relative" : "sample");
        ck_assert_int_eq(s[i].value, relative ? j * ns : j);
        if (!relative)
            continue;
        ck_assert_msg(s[i].range, "%s: buffer %zu has no range", path, i);
        ck_assert_int_eq(s[i].start, j * ns);
        ck_assert_int_eq(s[i].end, (j + m - 1) * ns);
    }
}

/* The stamps of what stream_to_vector makes of 23 items at 1000 items/s in
 * buffers of 9 (item k at k ms; vectors 2 and 4 span two buffers): each output
 * buffer is stamped with the time of its first vector's first item, (4 j) ms for
 * vector j, and its range ends at its last vector's first item; vector_to_stream
 * stamps each buffer with its first item's time again, the range at its last item.
 * A sample index counts vectors, then items. Vectors are 16 bytes: the bytes sink
 * prints a line for each byte. The source's buffers also go, shared, straight to
 * a sink, which must see them as they were: stream_to_vector forwards them with a
 * new length and stamp. */
START_TEST(test_vector_stamps_count_vectors_and_keep_times)
{
    static const char *kinds[] = {"relative", "sample_index"};

    for (int t = 0; t < 2; t++) {
        enter_tmpdir();
        yaml[0] = 0;
        put("blocks:\n  s: {type: vector_source, params: {items_per_buffer: 9, timestamps: %s,"
            " sample_rate: 1000, values: [", kinds[t]);
        for (int k = 0; k < 23; k++)
            put("%s%d", k ? ", " : "", k);
        put("]}}\n  v: {type: stream_to_vector, params: {num_items: 4}}\n"
            "  u: {type: vector_to_stream, params: {num_items: 4}}\n"
            "  ov: {type: vector_sink, params: {path: v.txt, type: bytes, timestamps: true}}\n"
            "  ou: {type: vector_sink, params: {path: u.txt, timestamps: true}}\n"
            "  os: {type: vector_sink, params: {path: s.txt, timestamps: true}}\n"
            "connections:\n  - [s.out, v.in]\n  - [s.out, os.in]\n  - [v.out, ov.in]\n"
            "  - [v.out, u.in]\n  - [u.out, ou.in]\n");
        graph_ok(yaml);
        check_stamps("s.txt", 23, 1, 1000000, t == 0);
        check_stamps("v.txt", 5, 16, 4000000, t == 0);
        check_stamps("u.txt", 20, 1, 1000000, t == 0);
        char *raw = read_file("s.txt", NULL);
        ck_assert_ptr_nonnull(strstr(raw, "\n8\n@"));
        free(raw);
    }
}
END_TEST

/* ---- errors -------------------------------------------------------------------------------- */

/* `mqgraph validate` on x.yaml: exit status 2 and exactly `want` on stderr. */
static void refused(const char *text, const char *want)
{
    write_file("x.yaml", text);
    const char *args[] = {"validate", "x.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, want);
    free(err);
}

START_TEST(test_vector_lengths_and_bad_parameters_are_refused)
{
    enter_tmpdir();
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1, 2, 3, 4]}}\n"
            "  v: {type: stream_to_vector, params: {num_items: 4}}\n"
            "  f: {type: fft, params: {fft_size: 8, type: f32}}\n"
            "  o: {type: null_sink, params: {type: bytes}}\n"
            "connections:\n  - [s.out, v.in]\n  - [v.out, f.in]\n  - [f.out, o.in]\n",
            "x.yaml:8:13: vector lengths differ: v.out has vlen 4 but f.in has vlen 8\n");
    refused("blocks:\n"
            "  s: {type: vector_source, params: {values: [1, 2, 3, 4]}}\n"
            "  v: {type: stream_to_vector, params: {num_items: 4}}\n"
            "  o: {type: vector_sink, params: {path: o.txt}}\n"
            "connections:\n  - [s.out, v.in]\n  -   [v.out,   o.in]\n",
            "x.yaml:7:17: vector lengths differ: v.out has vlen 4 but o.in has vlen 1\n");
    refused("blocks:\n"
            "  s: {type: null_source, params: {type: c32}}\n"
            "  v: {type: stream_to_vector, params: {num_items: 4, type: c32}}\n"
            "  f: {type: fft, params: {fft_size: 4, window: [1, 2, 3]}}\n"
            "  o: {type: null_sink, params: {type: bytes}}\n"
            "connections:\n  - [s.out, v.in]\n  - [v.out, f.in]\n  - [f.out, o.in]\n",
            "x.yaml:4:3: block 'f': parameter 'window': 3 values, but fft_size is 4 (give "
            "fft_size values, or none for a rectangular window)\n");
    refused("blocks:\n"
            "  s: {type: null_source, params: {type: c32}}\n"
            "  v: {type: stream_to_vector, params: {num_items: 0, type: c32}}\n"
            "  o: {type: null_sink, params: {type: bytes}}\n"
            "connections:\n  - [s.out, v.in]\n  - [v.out, o.in]\n",
            "x.yaml:3:51: block 'v': parameter 'num_items': 0 is outside [1, 1048576]\n");
    static const struct {
        const char *params, *why;
    } filt[] = {
        {"taps: []", "parameter 'taps': at least one tap is needed"},
        {"taps: [1, 0.5, 2], complex_taps: true, type: c32",
         "parameter 'taps': complex taps are re, im pairs, but 3 numbers were given"},
        {"taps: [1, 0.5], complex_taps: true",
         "parameter 'complex_taps': complex taps need c32 items (type: c32)"},
    };
    char text[512], want[256];
    for (size_t i = 0; i < sizeof filt / sizeof filt[0]; i++) {
        const char *t = strstr(filt[i].params, "c32") ? "c32" : "f32";
        snprintf(text, sizeof text,
                 "blocks:\n  s: {type: null_source, params: {type: %s}}\n"
                 "  f: {type: fft_filter, params: {%s}}\n"
                 "  o: {type: null_sink, params: {type: %s}}\n"
                 "connections:\n  - [s.out, f.in]\n  - [f.out, o.in]\n", t, filt[i].params, t);
        snprintf(want, sizeof want, "x.yaml:3:3: block 'f': %s\n", filt[i].why);
        refused(text, want);
    }
}
END_TEST

/* ---- fft_filter ------------------------------------------------------------------------------- */

/* Two text files of numbers, line by line: '@' lines (timestamps) the same, the
 * numbers within tol; returns how many lines of numbers. */
static size_t same_within(const char *a, const char *b, double tol)
{
    char *ta = read_file(a, NULL), *tb = read_file(b, NULL), *sa, *sb;
    size_t n = 0;
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    char *la = strtok_r(ta, "\n", &sa), *lb = strtok_r(tb, "\n", &sb);
    for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
        if (la[0] == '@' || lb[0] == '@') {
            ck_assert_str_eq(la, lb);
            continue;
        }
        n++;
        char *ea, *eb;
        for (double x = strtod(la, &ea), y = strtod(lb, &eb); ea != la;
             la = ea, lb = eb, x = strtod(la, &ea), y = strtod(lb, &eb))
            ck_assert_msg(fabs(x - y) <= tol, "line %zu: %.9g vs %.9g", n, x, y);
    }
    ck_assert_msg(!la && !lb, "%s and %s differ in length", a, b);
    free(ta), free(tb);
    return n;
}

/* fft_filter and fir_filter on the same noise and the same 231 taps (GNU Radio's
 * firdes.low_pass(1, 48000, 3000, 500): FFTs of 512 points, blocks of 282 items),
 * f32 and c32, decimation 1 and 3, buffers of 1000 items and of 3 (far fewer than
 * the taps: the history carries the filter across buffers), with relative stamps:
 * the stamps are the same, and the values within 2e-6 (noise of amplitude 1 and
 * a filter of gain 1; the two differ by float rounding, 4e-7 seen). */
START_TEST(test_fft_filter_matches_fir_filter)
{
    static const struct {
        const char *type;
        int dec, ipb, items, nthreads;
    } cases[] = {
        {"f32", 1, 1000, 20000, 1}, {"f32", 3, 1000, 20000, 2}, {"c32", 1, 1000, 20000, 1},
        {"c32", 3, 1000, 20000, 1}, {"f32", 3, 3, 2000, 1},     {"c32", 1, 3, 1000, 1},
    };
    static const char *taps = "{low_pass: {gain: 1, sample_rate: 48000, cutoff: 3000,"
                              " transition: 500}}";
    char a[32], b[32];

    enter_tmpdir();
    yaml[0] = 0;
    put("blocks:\n");
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        const char *t = cases[c].type;
        put("  n%d: {type: noise_source, params: {distribution: uniform, amplitude: 1,"
            " seed: %d, type: %s, items_per_buffer: %d, timestamps: relative,"
            " sample_rate: 48000}}\n", c, c + 1, t, cases[c].ipb);
        put("  h%d: {type: head, params: {items: %d, type: %s}}\n", c, cases[c].items, t);
        put("  sp%d: {type: splitter, params: {type: %s}}\n", c, t);
        put("  a%d: {type: fir_filter, params: {type: %s, decimation: %d, taps: %s}}\n", c, t,
            cases[c].dec, taps);
        put("  b%d: {type: fft_filter, params: {type: %s, decimation: %d, nthreads: %d,"
            " taps: %s}}\n", c, t, cases[c].dec, cases[c].nthreads, taps);
        put("  oa%d: {type: vector_sink, params: {path: a%d.txt, type: %s, timestamps: true}}\n",
            c, c, t);
        put("  ob%d: {type: vector_sink, params: {path: b%d.txt, type: %s, timestamps: true}}\n",
            c, c, t);
    }
    put("connections:\n");
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++)
        put("  - [n%d.out, h%d.in]\n  - [h%d.out, sp%d.in]\n  - [sp%d.out0, a%d.in]\n"
            "  - [sp%d.out1, b%d.in]\n  - [a%d.out, oa%d.in]\n  - [b%d.out, ob%d.in]\n", c, c, c,
            c, c, c, c, c, c, c, c, c);
    graph_ok(yaml);
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        snprintf(a, sizeof a, "a%d.txt", c);
        snprintf(b, sizeof b, "b%d.txt", c);
        size_t outs = (size_t)(cases[c].items + cases[c].dec - 1) / (size_t)cases[c].dec;
        ck_assert_uint_eq(same_within(a, b, 2e-6), outs);
    }
}
END_TEST

/* Complex taps (fft_filter_ccc) against the convolution written out:
 * y[n] = sum_k h[k] x[n - k], every second y kept, in buffers of 3 items. */
START_TEST(test_fft_filter_complex_taps_against_the_convolution)
{
    static const double complex h[5] = {1, 0.5 - 0.25 * I, -0.75 * I, 0.25 + 1 * I, -0.5};
    double complex x[40];

    enter_tmpdir();
    yaml[0] = 0;
    put("blocks:\n  s: {type: vector_source, params: {type: c32, items_per_buffer: 3, values: [");
    for (int k = 0; k < 40; k++) {
        x[k] = ((k * 7) % 13 - 6) * 0.25 + ((k * 5) % 11 - 5) * 0.5 * I;
        put("%s%g, %g", k ? ", " : "", creal(x[k]), cimag(x[k]));
    }
    put("]}}\n  f: {type: fft_filter, params: {type: c32, complex_taps: true, decimation: 2,"
        " taps: [");
    for (int k = 0; k < 5; k++)
        put("%s%g, %g", k ? ", " : "", creal(h[k]), cimag(h[k]));
    put("]}}\n  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
        "connections:\n  - [s.out, f.in]\n  - [f.out, o.in]\n");
    graph_ok(yaml);
    double *y = numbers("o.txt", 40);
    for (int n = 0; n < 40; n += 2) {
        double complex want = 0;
        for (int k = 0; k < 5 && k <= n; k++)
            want += h[k] * x[n - k];
        double complex got = y[n] + y[n + 1] * I;
        ck_assert_msg(cabs(got - want) < 1e-5, "y[%d]: %g%+gj, want %g%+gj", n, creal(got),
                      cimag(got), creal(want), cimag(want));
    }
    free(y);
}
END_TEST

static float *read_f32(const char *path, size_t want)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    ck_assert_uint_eq(len, want * sizeof *x);
    return x;
}

/* y[i] of taps `t` (n of them) over x, where the items before `from` are 0. */
static double conv(const float *x, long long i, const double *t, int n, long long from)
{
    double y = 0;
    for (int k = 0; k < n; k++)
        if (i - k >= from && i - k >= 0)
            y += t[k] * x[i - k];
    return y;
}

/* fft_filter's taps changed while it runs, from 3 to 7 (its FFTs from 8 points to
 * 16), then its nthreads: the output is the old filter's before the item the
 * change holds from and the new one's after it, which sees the 2 items the old
 * one kept and zeros before them, as fir_filter beside it. fft's window changed
 * too: the vectors from the one the change holds from are windowed. */
START_TEST(test_fft_filter_taps_and_fft_window_are_live)
{
    static const double t1[3] = {0.5, -0.25, 0.125};
    static const double t2[7] = {0.25, 0.5, 1, -1, 0.75, -0.5, 0.125};
    static const double w[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    enum { N = 100000 };

    own_ctldir();
    pid_t pid = start_graph("fftlive",
                            "blocks:\n"
                            "  n: {type: noise_source, params: {amplitude: 1, seed: 5,"
                            " items_per_buffer: 500}}\n"
                            "  h: {type: head, params: {items: 100000}}\n"
                            "  t: {type: throttle, params: {rate: 100000}}\n"
                            "  sp: {type: splitter, params: {outputs: 4}}\n"
                            "  ff: {type: fft_filter, params: {taps: [0.5, -0.25, 0.125]}}\n"
                            "  fir: {type: fir_filter, params: {taps: [0.5, -0.25, 0.125]}}\n"
                            "  v: {type: stream_to_vector, params: {num_items: 8}}\n"
                            "  dft: {type: fft, params: {fft_size: 8, type: f32}}\n"
                            "  u: {type: vector_to_stream, params: {num_items: 8, type: c32}}\n"
                            "  ox: {type: file_sink, params: {path: x.f32}}\n"
                            "  oy: {type: file_sink, params: {path: y.f32}}\n"
                            "  oz: {type: file_sink, params: {path: z.f32}}\n"
                            "  ow: {type: file_sink, params: {path: w.c32, type: c32}}\n"
                            "connections:\n"
                            "  - [n.out, h.in]\n  - [h.out, t.in]\n  - [t.out, sp.in]\n"
                            "  - [sp.out0, ff.in]\n  - [sp.out1, fir.in]\n  - [sp.out2, ox.in]\n"
                            "  - [sp.out3, v.in]\n  - [v.out, dft.in]\n  - [dft.out, u.in]\n"
                            "  - [u.out, ow.in]\n  - [ff.out, oy.in]\n  - [fir.out, oz.in]\n",
                            0);
    wait_items("fftlive" SFX, "ff", 10000);
    static const char *change = "taps=[0.25, 0.5, 1, -1, 0.75, -0.5, 0.125]";
    char text[128];
    snprintf(text, sizeof text, "ff.%s", change);
    long long fft_at = set_at("fftlive" SFX, text);
    snprintf(text, sizeof text, "fir.%s", change);
    long long fir_at = set_at("fftlive" SFX, text);
    long long win_at = set_at("fftlive" SFX, "dft.window=[0, 1, 2, 3, 4, 5, 6, 7]");
    wait_items("fftlive" SFX, "ff", fft_at + 10000);
    long long thr_at = set_at("fftlive" SFX, "ff.nthreads=2");
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_int_ge(fft_at, 10000);
    ck_assert_int_lt(fft_at, N);
    ck_assert_int_lt(thr_at, N);
    ck_assert_int_gt(win_at, 0);
    ck_assert_int_lt(win_at, N / 8);
    float *x = read_f32("x.f32", N), *y = read_f32("y.f32", N), *z = read_f32("z.f32", N);
    for (long long i = 0; i < N; i++) {
        double wy = i < fft_at ? conv(x, i, t1, 3, 0) : conv(x, i, t2, 7, fft_at - 2);
        double wz = i < fir_at ? conv(x, i, t1, 3, 0) : conv(x, i, t2, 7, fir_at - 2);
        ck_assert_msg(fabs(y[i] - wy) < 1e-5, "fft_filter item %lld: %g, want %g (changed at "
                      "%lld)", i, y[i], wy, fft_at);
        ck_assert_msg(fabs(z[i] - wz) < 1e-5, "fir_filter item %lld: %g, want %g", i, z[i], wz);
    }
    float *f = read_f32("w.c32", 2 * N);
    for (long long j = 0; j < N / 8; j++) {
        double complex v[8], want[8];
        for (int k = 0; k < 8; k++)
            v[k] = x[8 * j + k];
        dft(v, 8, j < win_at ? NULL : w, 1, 0, want);
        for (int k = 0; k < 8; k++)
            ck_assert_msg(cabs(f[16 * j + 2 * k] + f[16 * j + 2 * k + 1] * I - want[k]) < 1e-4,
                          "fft vector %lld bin %d (window from %lld)", j, k, win_at);
    }
    free(x), free(y), free(z), free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_fft");
    TCase *tc = tcase_create("dsp_fft");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_fft_forward_reverse_shift_window_against_the_dft);
    tcase_add_test(tc, test_fft_reverse_is_not_scaled_and_shift_centres_bin_zero);
    tcase_add_test(tc, test_vector_round_trip_across_odd_buffers);
    tcase_add_test(tc, test_vector_stamps_count_vectors_and_keep_times);
    tcase_add_test(tc, test_vector_lengths_and_bad_parameters_are_refused);
    tcase_add_test(tc, test_fft_filter_matches_fir_filter);
    tcase_add_test(tc, test_fft_filter_complex_taps_against_the_convolution);
    tcase_add_test(tc, test_fft_filter_taps_and_fft_window_are_live);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
