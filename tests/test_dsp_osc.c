/* test_dsp_osc.c - the oscillators, mixers and demodulators (rotator,
 * freq_xlating_fir_filter, quadrature_demod, frequency_modulator), each in a small
 * graph, its output checked against GNU Radio 3.10's formula written out again here;
 * their live parameters changed while a graph runs; their parameter errors, word
 * for word. */
#define _GNU_SOURCE
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

/* The graphs are named "osc" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("osc", yaml, 1);
}

/* The c32 items of a vector_sink file ("re im" lines); *n how many. */
static double complex *c32_lines(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_uint_eq(n, 2 * want);
    double complex *z = malloc(want * sizeof *z);
    for (size_t i = 0; i < want; i++)
        z[i] = v[2 * i] + I * v[2 * i + 1];
    free(v);
    return z;
}

/* The c32 items of a raw file; *n how many. */
static float complex *c32_raw(const char *path, size_t *n)
{
    size_t len;
    char *d = read_file(path, &len);
    ck_assert_ptr_nonnull(d);
    *n = len / sizeof(float complex);
    return (float complex *)d;
}

/* x[n] for the graphs below: an arbitrary stream with no pattern a filter could
 * mistake for another (its magnitude varies, its phase jumps). */
static double complex test_x(int n)
{
    return (0.5 + 0.4 * sin(1.7 * n)) * cexp(I * (0.37 * n * n)) + 0.1 * (n % 3);
}

/* "values: [re, im, ...]" of test_x(0) .. test_x(n - 1). */
static void x_values(char *buf, size_t cap, int n)
{
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        double complex x = test_x(i);
        at += (size_t)snprintf(buf + at, cap - at, "%s%.9g, %.9g", i ? ", " : "", creal(x),
                               cimag(x));
        ck_assert_uint_lt(at, cap);
    }
}

/* mqgraph validate refuses `yaml` (exit 2) with exactly `want` on stderr. */
static void refused(const char *yaml, const char *want)
{
    enter_tmpdir();
    write_file("bad.yaml", yaml);
    const char *args[] = {"validate", "bad.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, want);
    free(err);
}

/* ---- rotator ------------------------------------------------------------------------ */

/* out[n] = x[n] e^{j phase_inc n}, in buffers of 3, so the phase goes on across them;
 * the sample indices pass through. Tolerance 2e-5: the float rotator restarted every
 * 256 items (its error stays below 1.1e-5 |x|, |x| < 1.1 here). phase_inc 0 is the
 * identity, exactly. */
START_TEST(test_rotator_multiplies_by_the_phase_of_the_item_index)
{
    static char vals[4096], yaml[8192];
    enum { N = 40 };
    x_values(vals, sizeof vals, N);
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], type: c32, items_per_buffer: 3}}\n"
             "  a: {type: rotator, params: {phase_inc: 0.7}}\n"
             "  b: {type: rotator, params: {phase_inc: -2.5}}\n"
             "  z: {type: rotator}\n"
             "  oa: {type: vector_sink, params: {path: a.txt, type: c32, timestamps: true}}\n"
             "  ob: {type: vector_sink, params: {path: b.txt, type: c32}}\n"
             "  oz: {type: vector_sink, params: {path: z.txt, type: c32}}\n"
             "  ox: {type: vector_sink, params: {path: x.txt, type: c32}}\n"
             "connections:\n  - [x.out, a.in]\n  - [x.out, b.in]\n  - [x.out, z.in]\n"
             "  - [x.out, ox.in]\n  - [a.out, oa.in]\n  - [b.out, ob.in]\n  - [z.out, oz.in]\n",
             vals);
    graph_ok(yaml);
    double complex *b = c32_lines("b.txt", N), *x = c32_lines("x.txt", N);
    for (int n = 0; n < N; n++) {
        ck_assert_msg(cabs(b[n] - x[n] * cexp(I * -2.5 * n)) < 2e-5, "item %d", n);
        ck_assert_msg(cabs(x[n] - test_x(n)) < 2e-7, "item %d", n);
    }
    char *z = read_file("z.txt", NULL), *xs = read_file("x.txt", NULL);
    ck_assert_str_eq(z, xs);
    free(z), free(xs), free(b);
    /* a.txt: "@ sample 0", 3 items, "@ sample 3", ... */
    char *a = read_file("a.txt", NULL), *p = a;
    for (int n = 0; n < N; n++) {
        if (n % 3 == 0) {
            long long at;
            int used;
            ck_assert_int_eq(sscanf(p, "@ sample %lld\n%n", &at, &used), 1);
            ck_assert_int_eq(at, n);
            p += used;
        }
        double re, im;
        int used;
        ck_assert_int_eq(sscanf(p, "%lf %lf\n%n", &re, &im, &used), 2);
        p += used;
        ck_assert_msg(cabs(re + I * im - x[n] * cexp(I * 0.7 * n)) < 2e-5, "item %d", n);
    }
    ck_assert_str_eq(p, "");
    free(a), free(x);
}
END_TEST

/* A million items of 1 + 0j, in buffers of 50000: item n is e^{j 0.3 n} within
 * 1.5e-5 at every n (9.2e-6 measured). An oscillator that accumulates a float
 * phasor, as GNU Radio's rotator does, is 5.9e-3 off after 2e5 items and 0.59 after
 * 1e8. */
START_TEST(test_rotator_does_not_drift)
{
    enum { N = 1000000 };
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  one: {type: sig_source, params: {type: c32, waveform: constant, amplitude: 1,"
             " items_per_buffer: 50000}}\n"
             "  h: {type: head, params: {items: 1000000, type: c32}}\n"
             "  r: {type: rotator, params: {phase_inc: 0.3}}\n"
             "  o: {type: file_sink, params: {path: r.c32, type: c32}}\n"
             "connections:\n  - [one.out, h.in]\n  - [h.out, r.in]\n  - [r.out, o.in]\n");
    size_t n;
    float complex *y = c32_raw("r.c32", &n);
    ck_assert_uint_eq(n, N);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double d = cabs(y[i] - cexp(I * fmod(0.3 * i, 2 * M_PI)));
        worst = d > worst ? d : worst;
    }
    ck_assert_msg(worst < 1.5e-5, "off by %g", worst);
    free(y);
}
END_TEST

/* ---- frequency_modulator and quadrature_demod ---------------------------------------- */

/* GNU Radio's phase, in float as it keeps it: phase += s x[n], folded by
 * fmodf(phase + pi, 2pi) - pi (a negative phase stays in (-3pi, -pi]). The outputs
 * are e^{j phase} within 1e-6; the inputs, in buffers of 3, make the phase run both
 * ways and past the fold. */
START_TEST(test_frequency_modulator_accumulates_and_folds_as_gnu_radio)
{
    static const float in[] = {0.5f, 3.0f, 2.5f, 4.0f, -1.0f, -6.0f, -7.5f, -3.25f, 0.0f,
                               8.0f, 0.125f, -0.75f, 5.5f, -9.0f, 1.0f, 2.0f};
    enum { N = sizeof in / sizeof in[0] };
    const float s = 0.9f, pi = (float)M_PI;
    char yaml[1024], vals[512];
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)snprintf(vals + at, sizeof vals - at, "%s%.9g", i ? ", " : "", in[i]);
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], items_per_buffer: 3}}\n"
             "  f: {type: frequency_modulator, params: {sensitivity: 0.9}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
             "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n",
             vals);
    graph_ok(yaml);
    double complex *y = c32_lines("o.txt", N);
    float phase = 0;
    int below = 0;
    for (int n = 0; n < N; n++) {
        phase = phase + s * in[n];
        phase = fmodf(phase + pi, 2 * pi) - pi;
        below += phase < -pi;
        ck_assert_msg(cabs(y[n] - cexp(I * (double)phase)) < 1e-6, "item %d: %g%+gj, phase %g",
                      n, creal(y[n]), cimag(y[n]), phase);
    }
    ck_assert_int_gt(below, 0); /* the stream did reach GNU Radio's (-3pi, -pi] */
    free(y);
}
END_TEST

/* out[n] = gain * arg(x[n] conj(x[n-1])), x[-1] = 0, in buffers of 3: the history
 * item crosses buffers. Phase steps of every size and sign, magnitudes from 1e-3 to
 * 1e3; within 1e-6 (the polynomial is within 3.1e-7 rad, times 1.5). A step of exactly pi
 * between real items is +pi (GNU Radio's signed-zero rule), a zero item gives 0. */
START_TEST(test_quadrature_demod_is_the_scaled_phase_step)
{
    enum { N = 60 };
    static char vals[4096], yaml[8192];
    double th[N], r[N];
    size_t at = 0;
    for (int n = 0; n < N; n++) {
        th[n] = n ? th[n - 1] + 3.1 * sin(0.9 * n * n) : 0.2;
        r[n] = pow(10, 3 * sin(1.3 * n));
    }
    r[20] = 0;
    for (int n = 0; n < N; n++) {
        double re = r[n] * cos(th[n]), im = r[n] * sin(th[n]);
        if (n >= 40 && n < 44)
            re = n % 2 ? -1 : 1, im = 0; /* 1, -1, 1, -1 */
        at += (size_t)snprintf(vals + at, sizeof vals - at, "%s%.9g, %.9g", n ? ", " : "", re, im);
    }
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], type: c32, items_per_buffer: 3}}\n"
             "  q: {type: quadrature_demod, params: {gain: -1.5}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "  ox: {type: vector_sink, params: {path: x.txt, type: c32}}\n"
             "connections:\n  - [x.out, q.in]\n  - [q.out, o.in]\n  - [x.out, ox.in]\n",
             vals);
    graph_ok(yaml);
    size_t n;
    double *y = read_numbers("o.txt", &n);
    double complex *x = c32_lines("x.txt", N);
    ck_assert_uint_eq(n, N);
    ck_assert_double_eq(y[0], 0);
    for (int k = 1; k < N; k++) {
        double want = -1.5 * carg(x[k] * conj(x[k - 1]));
        if (k == 20 || k == 21)
            want = 0;
        else if (k >= 41 && k < 44)
            want = -1.5 * M_PI;
        ck_assert_msg(fabs(y[k] - want) < 1e-6, "item %d: %.9g, want %.9g", k, y[k], want);
    }
    free(y), free(x);
}
END_TEST

/* A 1 kHz sine, frequency modulated with a 5 kHz deviation at 48 kHz
 * (sensitivity 2pi 5000 / 48000) and demodulated with gain 48000 / (2pi 5000),
 * comes back: each phase step is sensitivity * in[n]. From item 1 on (item 0 has
 * no item before it), within 1e-5; the source makes buffers of 3. */
START_TEST(test_fm_round_trip_gives_back_the_sine)
{
    enum { N = 4800 };
    enter_tmpdir();
    graph_ok("variables: {fs: 48000, dev: 5000}\n"
             "blocks:\n"
             "  s: {type: sig_source, params: {frequency: 1000, sample_rate: \"${fs}\","
             " items_per_buffer: 3}}\n"
             "  f: {type: frequency_modulator, params: {sensitivity: 0.6544984694978736}}\n"
             "  q: {type: quadrature_demod, params: {gain: 1.5278874536821951}}\n"
             "  h: {type: head, params: {items: 4800}}\n"
             "  o: {type: vector_sink, params: {path: o.txt}}\n"
             "connections:\n  - [s.out, f.in]\n  - [f.out, q.in]\n  - [q.out, h.in]\n"
             "  - [h.out, o.in]\n");
    size_t n;
    double *y = read_numbers("o.txt", &n);
    ck_assert_uint_eq(n, N);
    ck_assert_double_eq_tol(0.6544984694978736, 2 * M_PI * 5000 / 48000, 1e-15);
    ck_assert_double_eq_tol(1.5278874536821951, 48000 / (2 * M_PI * 5000), 1e-15);
    for (int k = 1; k < N; k++)
        ck_assert_msg(fabs(y[k] - sin(2 * M_PI * 1000.0 * k / 48000)) < 1e-5, "item %d: %g", k,
                      y[k]);
    free(y);
}
END_TEST

/* An FM broadcast receiver on a synthetic station: a 1 kHz tone at full deviation
 * (75 kHz), modulated at 2.4 MHz and moved up 300 kHz; freq_xlating_fir_filter takes
 * the station back to 0 Hz with a 100 kHz low-pass and decimation 10 (240 kHz),
 * quadrature_demod with gain 240000 / (2pi 75000) gives the tone at amplitude 1, and
 * fir_filter's 15 kHz low-pass with decimation 5 leaves 48 kHz audio. After the
 * filters' delay (200 items) the audio is a 1 kHz sine of amplitude 1 within 1%,
 * nothing else above 2e-3 (the parameters reported for graphs/fm_rx.yaml). */
START_TEST(test_fm_broadcast_chain_gives_back_the_audio)
{
    enum { N = 9600 }; /* 0.2 s of audio */
    enter_tmpdir();
    graph_ok("variables: {rf_rate: 2400000, offset: 300000, if_rate: 240000}\n"
             "blocks:\n"
             "  audio: {type: sig_source, params: {frequency: 1000, sample_rate: \"${rf_rate}\","
             " items_per_buffer: 24000}}\n"
             "  mod: {type: frequency_modulator, params: {sensitivity: 0.19634954084936207}}\n"
             "  up: {type: rotator, params: {phase_inc: 0.7853981633974483}}\n"
             "  h: {type: head, params: {items: 480000, type: c32}}\n"
             "  chan:\n"
             "    type: freq_xlating_fir_filter\n"
             "    params:\n"
             "      decimation: 10\n"
             "      center_freq: \"${offset}\"\n"
             "      sampling_freq: \"${rf_rate}\"\n"
             "      taps: {low_pass: {gain: 1, sample_rate: \"${rf_rate}\", cutoff: 100000,"
             " transition: 20000}}\n"
             "  demod: {type: quadrature_demod, params: {gain: 0.5092958178940651}}\n"
             "  lpf:\n"
             "    type: fir_filter\n"
             "    params:\n"
             "      decimation: 5\n"
             "      taps: {low_pass: {gain: 1, sample_rate: \"${if_rate}\", cutoff: 15000,"
             " transition: 5000}}\n"
             "  o: {type: file_sink, params: {path: audio.f32}}\n"
             "connections:\n  - [audio.out, mod.in]\n  - [mod.out, up.in]\n  - [up.out, h.in]\n"
             "  - [h.out, chan.in]\n  - [chan.out, demod.in]\n  - [demod.out, lpf.in]\n"
             "  - [lpf.out, o.in]\n");
    ck_assert_double_eq_tol(0.19634954084936207, 2 * M_PI * 75000 / 2400000, 1e-16);
    ck_assert_double_eq_tol(0.7853981633974483, 2 * M_PI * 300000 / 2400000, 1e-16);
    ck_assert_double_eq_tol(0.5092958178940651, 240000 / (2 * M_PI * 75000), 1e-15);
    size_t len;
    float *a = (float *)read_file("audio.f32", &len);
    ck_assert_uint_eq(len, N * sizeof(float));
    /* the tone's amplitude and phase by projection, then what is left */
    double complex z = 0;
    for (int k = 200; k < N; k++)
        z += a[k] * cexp(-I * 2 * M_PI * 1000 * k / 48000);
    z *= 2.0 / (N - 200);
    ck_assert_msg(fabs(cabs(z) - 1) < 0.01, "amplitude %g", cabs(z));
    for (int k = 200; k < N; k++) {
        double tone = creal(z * cexp(I * 2 * M_PI * 1000 * k / 48000));
        ck_assert_msg(fabs(a[k] - tone) < 2e-3, "audio item %d: %g, the tone %g", k, a[k], tone);
    }
    free(a);
}
END_TEST

/* ---- freq_xlating_fir_filter ------------------------------------------------------- */

/* GNU Radio's output m: e^{j (phi0 - w0 D m)} sum_k taps[k] e^{j w0 k} x[mD - k],
 * w0 = 2pi fc / fs, phi0 = -w0 (ntaps - 1) / 2, x before item 0 zero. */
static double complex xlate_want(const double *taps, int ntaps, int dec, double fc,
                                 double fs, const double complex *x, int m)
{
    double w0 = 2 * M_PI * fc / fs;
    double complex y = 0;
    for (int k = 0; k < ntaps && k <= m * dec; k++)
        y += taps[k] * cexp(I * w0 * k) * x[m * dec - k];
    return y * cexp(I * (-w0 * (ntaps - 1) / 2 - w0 * dec * m));
}

/* 50 items in buffers of 3 (so the history and the decimation phase cross buffers):
 * floor(50 / D) outputs, as GNU Radio's sync decimator gives, each within 2e-6 of
 * the formula. c32 and f32 input; D 3 and 1; fc negative too. */
START_TEST(test_freq_xlating_matches_gnu_radios_formula)
{
    enum { N = 50 };
    static const double taps[] = {0.5, -0.25, 0.125, 1, 0.3};
    static char vals[4096], rvals[2048], yaml[16384];
    double complex x[N], xr[N];
    size_t at = 0;
    x_values(vals, sizeof vals, N);
    for (int n = 0; n < N; n++) {
        x[n] = test_x(n);
        xr[n] = creal(x[n]);
        at += (size_t)snprintf(rvals + at, sizeof rvals - at, "%s%.9g", n ? ", " : "",
                               creal(x[n]));
    }
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  x: {type: vector_source, params: {values: [%s], type: c32, items_per_buffer: 3}}\n"
             "  r: {type: vector_source, params: {values: [%s], items_per_buffer: 3}}\n"
             "  a: {type: freq_xlating_fir_filter, params: {decimation: 3,"
             " taps: [0.5, -0.25, 0.125, 1, 0.3], center_freq: 1000, sampling_freq: 8000}}\n"
             "  b: {type: freq_xlating_fir_filter, params: {taps: [0.5, -0.25, 0.125, 1, 0.3],"
             " center_freq: -2100, sampling_freq: 8000}}\n"
             "  c: {type: freq_xlating_fir_filter, params: {decimation: 4, type: f32,"
             " taps: [0.5, -0.25, 0.125, 1, 0.3], center_freq: 1500, sampling_freq: 8000}}\n"
             "  oa: {type: vector_sink, params: {path: a.txt, type: c32}}\n"
             "  ob: {type: vector_sink, params: {path: b.txt, type: c32}}\n"
             "  oc: {type: vector_sink, params: {path: c.txt, type: c32}}\n"
             "  ox: {type: vector_sink, params: {path: x.txt, type: c32}}\n"
             "  or: {type: vector_sink, params: {path: r.txt}}\n"
             "connections:\n  - [x.out, a.in]\n  - [x.out, b.in]\n  - [r.out, c.in]\n"
             "  - [a.out, oa.in]\n  - [b.out, ob.in]\n  - [c.out, oc.in]\n  - [x.out, ox.in]\n"
             "  - [r.out, or.in]\n",
             vals, rvals);
    graph_ok(yaml);
    /* the sources' items as floats, so the test's x is the filters' */
    double complex *xs = c32_lines("x.txt", N);
    size_t n;
    double *rs = read_numbers("r.txt", &n);
    ck_assert_uint_eq(n, N);
    for (int k = 0; k < N; k++)
        x[k] = xs[k], xr[k] = rs[k];
    free(xs), free(rs);
    struct { const char *path; int dec; double fc; const double complex *in; } f[] = {
        {"a.txt", 3, 1000, x}, {"b.txt", 1, -2100, x}, {"c.txt", 4, 1500, xr}};
    for (int i = 0; i < 3; i++) {
        int outs = N / f[i].dec;
        double complex *y = c32_lines(f[i].path, (size_t)outs);
        for (int m = 0; m < outs; m++) {
            double complex w = xlate_want(taps, 5, f[i].dec, f[i].fc, 8000, f[i].in, m);
            ck_assert_msg(cabs(y[m] - w) < 2e-6, "%s output %d: %g%+gj, want %g%+gj", f[i].path,
                          m, creal(y[m]), cimag(y[m]), creal(w), cimag(w));
        }
        free(y);
    }
}
END_TEST

/* A tone at +12 kHz (96 kHz) through a 4 kHz low-pass designed in the graph file,
 * center_freq 12000, decimation 4: once the filter is full (115 taps: 29 outputs),
 * every output is the same complex number, e^{-j w0 (115 - 1) / 2} times the filter's
 * gain at 0 Hz (1: firdes normalises it), within 2e-5. */
START_TEST(test_freq_xlating_moves_a_tone_to_zero_hz)
{
    enum { N = 2000, NTAPS = 115 }; /* (int)(53 * 96000 / (22 * 2000)), made odd */
    enter_tmpdir();
    graph_ok("variables: {fs: 96000}\n"
             "blocks:\n"
             "  s: {type: sig_source, params: {type: c32, frequency: 12000,"
             " sample_rate: \"${fs}\", items_per_buffer: 1000}}\n"
             "  h: {type: head, params: {items: 8000, type: c32}}\n"
             "  x:\n"
             "    type: freq_xlating_fir_filter\n"
             "    params:\n"
             "      decimation: 4\n"
             "      center_freq: 12000\n"
             "      sampling_freq: \"${fs}\"\n"
             "      taps: {low_pass: {gain: 1, sample_rate: \"${fs}\", cutoff: 4000,"
             " transition: 2000}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, x.in]\n  - [x.out, o.in]\n");
    double complex *y = c32_lines("o.txt", N);
    double complex want = cexp(-I * 2 * M_PI * 12000 / 96000 * (NTAPS - 1) / 2);
    for (int m = (NTAPS + 3) / 4; m < N; m++)
        ck_assert_msg(cabs(y[m] - want) < 2e-5, "output %d: %g%+gj, want %g%+gj", m,
                      creal(y[m]), cimag(y[m]), creal(want), cimag(want));
    /* before that, the filter is still filling: not yet the constant */
    ck_assert_double_gt(cabs(y[10] - want), 0.1);
    free(y);
}
END_TEST

/* Sample indices count output items; a relative time stamps out[m] with the time of
 * x[4m] less the group delay (2 items for 5 taps). 1000 items/s in buffers of 10,
 * decimation 3, 30 items: outputs at items 0, 3, 6 | 9, 12, 15 | 18, 21, 24, 27 (an
 * output is sent once the D items from x[3m] on have arrived, so item 9 goes out
 * with the second buffer, 1 item before its start). */
START_TEST(test_freq_xlating_timestamps)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  x: {type: vector_source, params: {values: [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0,"
             " 7, 0], type: c32, items_per_buffer: 3}}\n"
             "  f: {type: freq_xlating_fir_filter, params: {decimation: 2, taps: [1],"
             " sampling_freq: 1}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: c32, timestamps: true}}\n"
             "  t: {type: null_source, params: {items_per_buffer: 10, sample_rate: 1000,"
             " timestamps: relative, type: c32}}\n"
             "  h: {type: head, params: {items: 30, type: c32}}\n"
             "  g: {type: freq_xlating_fir_filter, params: {decimation: 3,"
             " taps: [1, 1, 1, 1, 1], sampling_freq: 1000}}\n"
             "  p: {type: vector_sink, params: {path: p.txt, type: c32, timestamps: true}}\n"
             "connections:\n  - [x.out, f.in]\n  - [f.out, o.in]\n  - [t.out, h.in]\n"
             "  - [h.out, g.in]\n  - [g.out, p.in]\n");
    char *o = read_file("o.txt", NULL);
    /* 7 items 1..7, D 2: x[0], x[2], x[4], floor(7 / 2) = 3 outputs (x[6] has no
     * x[7]); the buffers of 3, 3 and 1 items send 1, 2 and no output */
    ck_assert_str_eq(o, "@ sample 0\n1 0\n@ sample 1\n3 0\n5 0\n");
    free(o);
    char *p = read_file("p.txt", NULL), *q = p;
    static const int first[3] = {0, 9, 18}, last[3] = {6, 15, 27}, count[3] = {3, 3, 4};
    for (int b = 0; b < 3; b++) {
        long long v, s, e;
        int used;
        ck_assert_int_eq(sscanf(q, "@ relative %lld %lld %lld\n%n", &v, &s, &e, &used), 3);
        ck_assert_int_eq(v, (first[b] - 2) * 1000000LL);
        ck_assert_int_eq(s, (first[b] - 2) * 1000000LL);
        ck_assert_int_eq(e, (last[b] - 2) * 1000000LL);
        q += used;
        for (int i = 0; i < count[b]; i++) {
            ck_assert_ptr_nonnull(q = strchr(q, '\n'));
            q++;
        }
    }
    ck_assert_str_eq(q, "");
    free(p);
}
END_TEST

/* ---- live parameters ------------------------------------------------------------------ */

/* Three streams at 100k items/s, each changed once while they run:
 * - rotator phase_inc 0.3 -> -1.1 at item a: the phase goes on from 0.3 a;
 * - freq_xlating_fir_filter on a 1 kHz tone (8 kHz), center_freq 1000 -> -500 at
 *   output b: the output phase turns by -2pi (-1500) (3 - 1) / 2 / 8000 there and
 *   then falls by 2pi (-500) 2 / 8000 an output, as GNU Radio's retune does;
 * - frequency_modulator on a constant 1, sensitivity 0.5 -> -2 at item c, then
 *   quadrature_demod's gain 1 -> 3 at item d: the phase steps are 0.5, then -2,
 *   scaled by 1, then 3.
 * Each within 2e-5 of its formula, item by item. */
START_TEST(test_live_changes_keep_the_phase)
{
    enum { N = 200000 };
    own_ctldir();
    pid_t pid = start_graph(
        "live",
        "blocks:\n"
        "  one: {type: sig_source, params: {type: c32, waveform: constant, amplitude: 1,"
        " items_per_buffer: 1000}}\n"
        "  h1: {type: head, params: {items: 200000, type: c32}}\n"
        "  t1: {type: throttle, params: {rate: 100000, type: c32}}\n"
        "  rot: {type: rotator, params: {phase_inc: 0.3}}\n"
        "  o1: {type: file_sink, params: {path: rot.c32, type: c32}}\n"
        "  tone: {type: sig_source, params: {type: c32, frequency: 1000, sample_rate: 8000,"
        " items_per_buffer: 1000}}\n"
        "  h2: {type: head, params: {items: 400000, type: c32}}\n"
        "  t2: {type: throttle, params: {rate: 200000, type: c32}}\n"
        "  xl: {type: freq_xlating_fir_filter, params: {decimation: 2, taps: [0.5, 0.25, 0.25],"
        " center_freq: 1000, sampling_freq: 8000}}\n"
        "  o2: {type: file_sink, params: {path: xl.c32, type: c32}}\n"
        "  onef: {type: sig_source, params: {waveform: constant, amplitude: 1,"
        " items_per_buffer: 1000}}\n"
        "  h3: {type: head, params: {items: 200000}}\n"
        "  t3: {type: throttle, params: {rate: 100000}}\n"
        "  fm: {type: frequency_modulator, params: {sensitivity: 0.5}}\n"
        "  qd: {type: quadrature_demod, params: {gain: 1}}\n"
        "  o3: {type: file_sink, params: {path: fm.f32}}\n"
        "connections:\n"
        "  - [one.out, h1.in]\n  - [h1.out, t1.in]\n  - [t1.out, rot.in]\n  - [rot.out, o1.in]\n"
        "  - [tone.out, h2.in]\n  - [h2.out, t2.in]\n  - [t2.out, xl.in]\n  - [xl.out, o2.in]\n"
        "  - [onef.out, h3.in]\n  - [h3.out, t3.in]\n  - [t3.out, fm.in]\n  - [fm.out, qd.in]\n"
        "  - [qd.out, o3.in]\n",
        16);
    wait_items("live" SFX, "rot", 20000);
    long long a = set_at("live" SFX, "rot.phase_inc=-1.1");
    long long b = set_at("live" SFX, "xl.center_freq=-500");
    long long c = set_at("live" SFX, "fm.sensitivity=-2");
    wait_items("live" SFX, "qd", c + 10000);
    long long d = set_at("live" SFX, "qd.gain=3");
    ck_assert_int_eq(finish(pid), 0);

    size_t n;
    float complex *r = c32_raw("rot.c32", &n);
    ck_assert_uint_eq(n, N);
    ck_assert_int_gt(a, 0);
    ck_assert_int_lt(a, N);
    for (long long i = 0; i < N; i++) {
        double ph = i < a ? 0.3 * i : 0.3 * a - 1.1 * (i - a);
        ck_assert_msg(cabs(r[i] - cexp(I * fmod(ph, 2 * M_PI))) < 2e-5, "rot item %lld (a %lld)",
                      i, a);
    }
    free(r);

    float complex *y = c32_raw("xl.c32", &n);
    ck_assert_uint_eq(n, N);
    ck_assert_int_gt(b, 0);
    ck_assert_int_lt(b, N);
    static const double taps[3] = {0.5, 0.25, 0.25};
    double w = 2 * M_PI * 1000 / 8000, w2 = 2 * M_PI * -500 / 8000;
    for (long long m = 1; m < N; m++) {
        double complex acc = 0;
        double wf = m < b ? w : w2;
        for (int k = 0; k < 3; k++) /* x[n] = e^{j w n}, the 1 kHz tone */
            acc += taps[k] * cexp(I * wf * k) * cexp(I * fmod(w * (2 * m - k), 2 * M_PI));
        double ph = m < b ? -w - 2 * w * m : -w - 2 * w * b - (w2 - w) - 2 * w2 * (m - b);
        double complex want = acc * cexp(I * fmod(ph, 2 * M_PI));
        ck_assert_msg(cabs(y[m] - want) < 2e-5, "xl output %lld (b %lld): %g%+gj, want %g%+gj",
                      m, b, creal(y[m]), cimag(y[m]), creal(want), cimag(want));
    }
    free(y);

    size_t len;
    float *q = (float *)read_file("fm.f32", &len);
    ck_assert_uint_eq(len, N * sizeof(float));
    ck_assert_int_gt(c, 0);
    ck_assert_int_gt(d, c);
    ck_assert_int_lt(d, N);
    for (long long i = 1; i < N; i++) {
        double want = (i < c ? 0.5 : -2) * (i < d ? 1 : 3);
        ck_assert_msg(fabs(q[i] - want) < 2e-5, "qd item %lld (c %lld, d %lld): %g", i, c, d,
                      q[i]);
    }
    free(q);
}
END_TEST

/* ---- parameter errors ------------------------------------------------------------------- */

START_TEST(test_bad_parameters_are_refused_where_they_are)
{
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0], type: c32}}\n"
            "  x: {type: freq_xlating_fir_filter, params: {taps: [], sampling_freq: 8000}}\n"
            "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
            "connections:\n  - [v.out, x.in]\n  - [x.out, o.in]\n",
            "bad.yaml:3:3: block 'x': parameter 'taps': at least one tap is needed\n");
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0], type: c32}}\n"
            "  x: {type: freq_xlating_fir_filter, params: {taps: [1], sampling_freq: 0}}\n"
            "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
            "connections:\n  - [v.out, x.in]\n  - [x.out, o.in]\n",
            "bad.yaml:3:73: block 'x': parameter 'sampling_freq': 0 is outside [1e-06, "
            "1000000000000]\n");
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0], type: c32}}\n"
            "  x: {type: freq_xlating_fir_filter, params: {taps: [1]}}\n"
            "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
            "connections:\n  - [v.out, x.in]\n  - [x.out, o.in]\n",
            "bad.yaml:3:3: block 'x': missing parameter 'sampling_freq' (the input's sample "
            "rate in Hz)\n");
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0], type: c32}}\n"
            "  q: {type: quadrature_demod}\n"
            "  o: {type: vector_sink, params: {path: o.txt}}\n"
            "connections:\n  - [v.out, q.in]\n  - [q.out, o.in]\n",
            "bad.yaml:3:3: block 'q': missing parameter 'gain' (output per radian of phase "
            "step; fs/2pi/deviation gives frequency/deviation)\n");
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0]}}\n"
            "  f: {type: frequency_modulator, params: {sensitivity: fast}}\n"
            "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
            "connections:\n  - [v.out, f.in]\n  - [f.out, o.in]\n",
            "bad.yaml:3:56: block 'f': parameter 'sensitivity': 'fast' is not a number\n");
    /* rotator takes c32 only (GNU Radio's rotator_cc) */
    refused("blocks:\n"
            "  v: {type: vector_source, params: {values: [1, 0]}}\n"
            "  r: {type: rotator, params: {phase_inc: 0.1}}\n"
            "  o: {type: vector_sink, params: {path: o.txt, type: c32}}\n"
            "connections:\n  - [v.out, r.in]\n  - [r.out, o.in]\n",
            "bad.yaml:6:13: item types differ: v.out is f32 but r.in is c32\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dsp_osc");
    TCase *tc = tcase_create("osc");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_rotator_multiplies_by_the_phase_of_the_item_index);
    tcase_add_test(tc, test_rotator_does_not_drift);
    tcase_add_test(tc, test_frequency_modulator_accumulates_and_folds_as_gnu_radio);
    tcase_add_test(tc, test_quadrature_demod_is_the_scaled_phase_step);
    tcase_add_test(tc, test_fm_round_trip_gives_back_the_sine);
    tcase_add_test(tc, test_fm_broadcast_chain_gives_back_the_audio);
    tcase_add_test(tc, test_freq_xlating_matches_gnu_radios_formula);
    tcase_add_test(tc, test_freq_xlating_moves_a_tone_to_zero_hz);
    tcase_add_test(tc, test_freq_xlating_timestamps);
    tcase_add_test(tc, test_live_changes_keep_the_phase);
    tcase_add_test(tc, test_bad_parameters_are_refused_where_they_are);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
