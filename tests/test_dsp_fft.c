/* test_dsp_fft.c - the vector and FFT blocks (stream_to_vector, vector_to_stream,
 * fft) in small graphs: the FFT against a DFT written out here, the vector
 * blocks' round trip and stamps across buffers that split vectors, and the
 * errors word for word. */
#define _GNU_SOURCE
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    suite_add_tcase(s, tc);
    return tu_run(s);
}
