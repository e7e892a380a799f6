/* test_wav.c - wav_file_sink and wav_file_source in small graphs: two sig_source
 * channels written as 16-bit PCM and as float and read back (against the same
 * samples written as text beside them), the header the sink wrote parsed here
 * byte by byte, a WAV made here byte by byte read with exact values and times,
 * repeat, append, a restart of each, and the errors of bad files and parameters
 * word for word. */
#define _GNU_SOURCE
#include <check.h>
#include <glob.h>
#include <signal.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

#define N 1000 /* frames of the round trips */

/* The graphs are named "wav" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("wav", yaml, 1);
}

static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(!strcmp(got, want), "%s:\n%s\nwant:\n%s", path, got, want);
    free(got);
}

static double *numbers(const char *path, size_t want)
{
    size_t n;
    double *v = read_numbers(path, &n);
    ck_assert_uint_eq(n, want);
    return v;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* What a WAV file's header says, read from its bytes: RIFF, WAVE, then chunks. */
struct wav_hdr {
    unsigned format, channels, rate, bits;
    uint32_t data_bytes;
};

static struct wav_hdr parse_wav(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)read_file(path, &len);
    struct wav_hdr h = {0};
    int data = 0;

    ck_assert_msg(b && len >= 12, "%s: no header", path);
    ck_assert(!memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4));
    ck_assert_uint_eq(le32(b + 4), len - 8); /* the RIFF length: the whole file */
    for (size_t at = 12; at + 8 <= len; at += 8 + ((le32(b + at + 4) + 1) & ~1u)) {
        uint32_t n = le32(b + at + 4);
        if (!memcmp(b + at, "fmt ", 4)) {
            h.format = le16(b + at + 8);
            h.channels = le16(b + at + 10);
            h.rate = le32(b + at + 12);
            h.bits = le16(b + at + 22);
        } else if (!memcmp(b + at, "data", 4)) {
            h.data_bytes = n;
            ck_assert_uint_eq(at + 8 + n, len); /* the samples run to the end */
            data = 1;
        }
    }
    ck_assert_msg(data, "%s: no data chunk", path);
    free(b);
    return h;
}

/* x as vector_sink writes it and read_numbers reads it back: 9 digits. */
static double as_text(double x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.9g", x);
    return strtod(buf, NULL);
}

/* What libsndfile (and so GNU Radio) makes of x in 16-bit PCM, read back: x scaled
 * by 32767 in float, rounded half to even, over 32768. */
static double pcm16(double x)
{
    return as_text(lrintf((float)x * 32767.0f) / 32768.0);
}

/* Two sig_source channels (a full-scale sine, a half-scale cosine) through head into
 * the sink, and as text beside it; then the file read back by wav_file_source in
 * buffers of 3: y0.txt, y1.txt beside x0.txt, x1.txt. */
static void round_trip(const char *subformat)
{
    char yaml[4096];
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  s0: {type: sig_source, params: {sample_rate: 8000, frequency: 440, amplitude: 1,"
             " waveform: sine}}\n"
             "  s1: {type: sig_source, params: {sample_rate: 8000, frequency: 1000,"
             " amplitude: 0.5, waveform: cosine}}\n"
             "  h0: {type: head, params: {items: %d}}\n"
             "  h1: {type: head, params: {items: %d}}\n"
             "  w: {type: wav_file_sink, params: {filename: o.wav, n_channels: 2,"
             " sample_rate: 8000, subformat: %s}}\n"
             "  t0: {type: vector_sink, params: {path: x0.txt}}\n"
             "  t1: {type: vector_sink, params: {path: x1.txt}}\n"
             "connections:\n  - [s0.out, h0.in]\n  - [s1.out, h1.in]\n"
             "  - [h0.out, w.in0]\n  - [h1.out, w.in1]\n"
             "  - [h0.out, t0.in]\n  - [h1.out, t1.in]\n",
             N, N, subformat);
    graph_ok(yaml);
    graph_ok("blocks:\n"
             "  r: {type: wav_file_source, params: {filename: o.wav, channels: 2,"
             " items_per_buffer: 3}}\n"
             "  y0: {type: vector_sink, params: {path: y0.txt}}\n"
             "  y1: {type: vector_sink, params: {path: y1.txt}}\n"
             "connections:\n  - [r.out0, y0.in]\n  - [r.out1, y1.in]\n");
}

START_TEST(test_pcm16_round_trip_is_within_one_step)
{
    round_trip("pcm_16");
    for (int ch = 0; ch < 2; ch++) {
        char xp[16], yp[16];
        snprintf(xp, sizeof xp, "x%d.txt", ch);
        snprintf(yp, sizeof yp, "y%d.txt", ch);
        double *x = numbers(xp, N), *y = numbers(yp, N), worst = 0;
        for (int i = 0; i < N; i++) {
            ck_assert_msg(y[i] == pcm16(x[i]), "channel %d item %d: %.9g, wrote %.9g", ch, i,
                          y[i], x[i]);
            worst = fmax(worst, fabs(y[i] - x[i]));
        }
        /* 32767 x over 32768: off by |x| / 32768, and half a step of rounding; the
         * half-scale channel is within one step (5e-10: the text's 9 digits) */
        ck_assert_double_le(worst, (ch ? 1.0 : 1.5) / 32768 + 5e-10);
        if (ch == 0)
            ck_assert_double_gt(worst, 1.0 / 32768); /* the full-scale sine's peaks */
        free(x);
        free(y);
    }
    struct wav_hdr h = parse_wav("o.wav");
    ck_assert_uint_eq(h.format, 1); /* WAVE_FORMAT_PCM */
    ck_assert_uint_eq(h.channels, 2);
    ck_assert_uint_eq(h.rate, 8000);
    ck_assert_uint_eq(h.bits, 16);
    ck_assert_uint_eq(h.data_bytes, N * 2 * 2);
}
END_TEST

START_TEST(test_pcm16_clips_beyond_full_scale)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  v: {type: vector_source, params: {values: [1.5, -1.5, 2, 0.25, 1, -1]}}\n"
             "  w: {type: wav_file_sink, params: {filename: o.wav, sample_rate: 8000}}\n"
             "connections:\n  - [v.out, w.in0]\n");
    graph_ok("blocks:\n"
             "  r: {type: wav_file_source, params: {filename: o.wav}}\n"
             "  y: {type: vector_sink, params: {path: y.txt}}\n"
             "connections:\n  - [r.out0, y.in]\n");
    file_is("y.txt", "0.999969482\n-0.999969482\n0.999969482\n0.25\n0.999969482\n"
                     "-0.999969482\n");
}
END_TEST

START_TEST(test_float_round_trip_is_exact)
{
    round_trip("float");
    file_is("y0.txt", read_file("x0.txt", NULL));
    file_is("y1.txt", read_file("x1.txt", NULL));
    struct wav_hdr h = parse_wav("o.wav");
    ck_assert_uint_eq(h.format, 3); /* WAVE_FORMAT_IEEE_FLOAT */
    ck_assert_uint_eq(h.channels, 2);
    ck_assert_uint_eq(h.rate, 8000);
    ck_assert_uint_eq(h.bits, 32);
    ck_assert_uint_eq(h.data_bytes, N * 2 * 4);
}
END_TEST

/* ---- a WAV made here ----------------------------------------------------------------- */

static void put16(FILE *f, unsigned v)
{
    fputc((int)(v & 0xff), f);
    fputc((int)(v >> 8 & 0xff), f);
}

static void put32(FILE *f, uint32_t v)
{
    put16(f, v & 0xffff);
    put16(f, v >> 16);
}

/* A 16-bit PCM WAV of `frames` frames of `ch` channels at `rate`, sample i of the
 * file (interleaved) s[i]. */
static void make_wav(const char *path, unsigned ch, unsigned rate, const int16_t *s,
                     unsigned frames)
{
    FILE *f = fopen(path, "wb");
    uint32_t data = frames * ch * 2;
    ck_assert(f != NULL);
    fwrite("RIFF", 1, 4, f);
    put32(f, 36 + data);
    fwrite("WAVEfmt ", 1, 8, f);
    put32(f, 16);
    put16(f, 1); /* PCM */
    put16(f, ch);
    put32(f, rate);
    put32(f, rate * ch * 2); /* bytes per second */
    put16(f, ch * 2);        /* block align */
    put16(f, 16);
    fwrite("data", 1, 4, f);
    put32(f, data);
    for (unsigned i = 0; i < frames * ch; i++)
        put16(f, (uint16_t)s[i]);
    ck_assert_int_eq(fclose(f), 0);
}

static const int16_t samples[] = {0,     1,     -1,   32767, -32768, 16384, -16384, 100,
                                  -100,  12345, 7,    -7,    2,      -2,    30000,  -30000,
                                  20000, 3,     -3,   4,     -4};
#define FRAMES 7 /* of 3 channels */

START_TEST(test_source_reads_a_wav_made_here_exactly_with_its_rate)
{
    enter_tmpdir();
    make_wav("t.wav", 3, 8000, samples, FRAMES);
    graph_ok("blocks:\n"
             "  r: {type: wav_file_source, params: {filename: t.wav, channels: 3,"
             " items_per_buffer: 3, timestamps: relative}}\n"
             "  y0: {type: vector_sink, params: {path: y0.txt, timestamps: true}}\n"
             "  y1: {type: vector_sink, params: {path: y1.txt}}\n"
             "  y2: {type: vector_sink, params: {path: y2.txt}}\n"
             "connections:\n  - [r.out0, y0.in]\n  - [r.out1, y1.in]\n  - [r.out2, y2.in]\n");
    /* item k at k / 8000 s: buffers of 3 at 0, 375 us, 750 us, each with its range */
    char want[1024];
    size_t at = 0;
    for (int k = 0; k < FRAMES; k++) {
        if (k % 3 == 0) {
            int last = k + 2 < FRAMES ? k + 2 : FRAMES - 1;
            at += (size_t)snprintf(want + at, sizeof want - at, "@ relative %d %d %d\n",
                                   k * 125000, k * 125000, last * 125000);
        }
        at += (size_t)snprintf(want + at, sizeof want - at, "%.9g\n", samples[k * 3] / 32768.0);
    }
    file_is("y0.txt", want);
    for (int ch = 1; ch < 3; ch++) {
        char p[16];
        snprintf(p, sizeof p, "y%d.txt", ch);
        double *y = numbers(p, FRAMES);
        for (int k = 0; k < FRAMES; k++)
            ck_assert_msg(y[k] == as_text(samples[k * 3 + ch] / 32768.0), "channel %d item %d: %.9g",
                          ch, k, y[k]);
        free(y);
    }
}
END_TEST

START_TEST(test_source_repeats_the_file)
{
    enter_tmpdir();
    make_wav("t.wav", 3, 8000, samples, FRAMES);
    graph_ok("blocks:\n"
             "  r: {type: wav_file_source, params: {filename: t.wav, channels: 3, repeat: true,"
             " items_per_buffer: 4}}\n"
             "  h: {type: head, params: {items: 17}}\n"
             "  y: {type: vector_sink, params: {path: y.txt}}\n"
             "  n1: {type: null_sink}\n  n2: {type: null_sink}\n"
             "connections:\n  - [r.out0, h.in]\n  - [h.out, y.in]\n"
             "  - [r.out1, n1.in]\n  - [r.out2, n2.in]\n");
    double *y = numbers("y.txt", 17);
    for (int k = 0; k < 17; k++)
        ck_assert_msg(y[k] == as_text(samples[(k % FRAMES) * 3] / 32768.0), "item %d: %.9g", k, y[k]);
    free(y);
}
END_TEST

/* ---- append -------------------------------------------------------------------------- */

static void write_ramp(int from, int n, int append)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [%d, %d, %d, %d], items_per_buffer: 3}}\n"
             "  h: {type: head, params: {items: %d}}\n"
             "  w: {type: wav_file_sink, params: {filename: o.wav, sample_rate: 1000,"
             " subformat: float, append: %s}}\n"
             "connections:\n  - [v.out, h.in]\n  - [h.out, w.in0]\n",
             from, from + 1, from + 2, from + 3, n, append ? "true" : "false");
    graph_ok(yaml);
}

START_TEST(test_append_adds_to_the_samples_of_a_file)
{
    enter_tmpdir();
    write_ramp(0, 4, 1); /* no file yet: a new one */
    write_ramp(10, 3, 1);
    ck_assert_uint_eq(parse_wav("o.wav").data_bytes, 7 * 4);
    graph_ok("blocks:\n"
             "  r: {type: wav_file_source, params: {filename: o.wav}}\n"
             "  y: {type: vector_sink, params: {path: y.txt}}\n"
             "connections:\n  - [r.out0, y.in]\n");
    file_is("y.txt", "0\n1\n2\n3\n10\n11\n12\n");
    write_ramp(20, 2, 0); /* without append: replaced */
    ck_assert_uint_eq(parse_wav("o.wav").data_bytes, 2 * 4);
}
END_TEST

/* ---- errors -------------------------------------------------------------------------- */

/* A one-channel source of `file` fails with `why`. */
static void source_fails(const char *file, const char *why)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  r: {type: wav_file_source, params: {filename: %s}}\n"
             "  y: {type: null_sink}\n"
             "connections:\n  - [r.out0, y.in]\n",
             file);
    run_yaml_fails("wav", yaml, 1, why);
}

/* No part file is left in the directory. */
static void no_part_files(void)
{
    glob_t g;
    ck_assert_int_eq(glob("*.part*", 0, NULL, &g), GLOB_NOMATCH);
}

START_TEST(test_bad_files_fail_the_run_naming_the_block)
{
    enter_tmpdir();
    source_fails("none.wav",
                 "mqgraph: block 'r' (wav_file_source): cannot open 'none.wav': No such file or "
                 "directory\n");
    write_file("junk.wav", "this is not a sound file, only some text to look at\n");
    source_fails("junk.wav",
                 "mqgraph: block 'r' (wav_file_source): cannot read 'junk.wav' as a sound file: "
                 "Format not recognised.\n");
    make_wav("t.wav", 3, 8000, samples, FRAMES);
    source_fails("t.wav",
                 "mqgraph: block 'r' (wav_file_source): 't.wav' has 3 channels, but channels is "
                 "1\n");
    run_yaml_fails("wav",
                   "blocks:\n"
                   "  v: {type: vector_source, params: {values: [0.5]}}\n"
                   "  w: {type: wav_file_sink, params: {filename: /dev/null, sample_rate: 8000}}\n"
                   "connections:\n  - [v.out, w.in0]\n",
                   1,
                   "mqgraph: block 'w' (wav_file_sink): cannot write a sound file into "
                   "'/dev/null', a device or FIFO: its header is written last, at its start\n");
    /* append to a file of another format: the file stays as it was */
    write_ramp(0, 4, 0);
    run_yaml_fails("wav",
                   "blocks:\n"
                   "  v: {type: vector_source, params: {values: [0.5]}}\n"
                   "  w: {type: wav_file_sink, params: {filename: o.wav, sample_rate: 8000,"
                   " append: true}}\n"
                   "connections:\n  - [v.out, w.in0]\n",
                   1,
                   "mqgraph: block 'w' (wav_file_sink): cannot append to 'o.wav': it has 1 "
                   "channel at 1000 Hz in another format or subformat than wav pcm_16\n");
    ck_assert_uint_eq(parse_wav("o.wav").data_bytes, 4 * 4);
    no_part_files();
}
END_TEST

START_TEST(test_bad_parameters_are_refused_with_where)
{
    enter_tmpdir();
    write_file("v.yaml", "blocks:\n"
                         "  v: {type: vector_source, params: {values: [0.5]}}\n"
                         "  w: {type: wav_file_sink, params: {filename: o.flac, sample_rate: 8000,"
                         " format: flac, subformat: float}}\n"
                         "connections:\n  - [v.out, w.in0]\n");
    const char *args[] = {"validate", "v.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", "v.yaml:3:3: block 'w': subformat float cannot be written in format "
                       "flac\n");
    write_file("v.yaml", "blocks:\n"
                         "  v: {type: vector_source, params: {values: [0.5]}}\n"
                         "  w: {type: wav_file_sink, params: {filename: o.wav}}\n"
                         "connections:\n  - [v.out, w.in0]\n");
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", "v.yaml:3:3: block 'w': missing parameter 'sample_rate' (the sample "
                       "rate the header gives, in Hz)\n");
}
END_TEST

/* ---- restarts ------------------------------------------------------------------------ */

#define RAMP 65536 /* frames: every 16-bit value once, increasing */

static long long block_field(const char *graph, const char *block, const char *key)
{
    json_t *st = status_of(graph);
    long long v = field(find(json_object_get(st, "blocks"), "name", block), key);
    json_decref(st);
    return v;
}

static void kill_block(const char *graph, const char *block)
{
    kill((pid_t)block_field(graph, block, "pid"), SIGKILL);
    for (int i = 0; i < 2000 && block_field(graph, block, "restarts") < 1; i++)
        nap_ms(5);
    ck_assert_int_ge(block_field(graph, block, "restarts"), 1);
}

/* The throttle makes each run 2.6 s; the kill comes after 0.4 s of it (at 100000
 * items/s the run was over before a loaded machine's status calls found it). */
START_TEST(test_source_goes_on_after_a_restart_and_the_sink_refuses_to)
{
    static int16_t ramp[RAMP];
    own_ctldir();
    for (int i = 0; i < RAMP; i++)
        ramp[i] = (int16_t)(i - 32768);
    make_wav("ramp.wav", 1, 8000, ramp, RAMP);
    pid_t pid = start_graph("wr",
                            "blocks:\n"
                            "  r: {type: wav_file_source, params: {filename: ramp.wav,"
                            " items_per_buffer: 500}, restart: on-failure}\n"
                            "  t: {type: throttle, params: {rate: 25000}}\n"
                            "  o: {type: file_sink, params: {path: o.f32}}\n"
                            "connections:\n  - [r.out0, t.in]\n  - [t.out, o.in]\n",
                            3);
    wait_items_in("wr" SFX, "o", 10000);
    kill_block("wr" SFX, "r");
    int rc = finish(pid);
    ck_assert_msg(rc == 0 || rc == 3, "exit %d", rc); /* 3: the kill lost a buffer */
    size_t len;
    float *x = (float *)read_file("o.f32", &len);
    size_t n = len / sizeof(float);
    ck_assert_uint_ge(n, RAMP - 64 * 500); /* at most the buffers in flight lost */
    ck_assert_float_eq(x[0], -1);
    ck_assert_float_eq(x[n - 1], 32767 / 32768.0f);
    for (size_t i = 1; i < n; i++) /* nothing twice: a restart reads on */
        ck_assert_msg(x[i] > x[i - 1], "item %zu: %g after %g", i, x[i], x[i - 1]);
    free(x);

    pid = start_graph("ws",
                      "blocks:\n"
                      "  r: {type: wav_file_source, params: {filename: ramp.wav,"
                      " items_per_buffer: 500}}\n" /* more than a queue holds: r runs on */
                      "  t: {type: throttle, params: {rate: 25000}}\n"
                      "  w: {type: wav_file_sink, params: {filename: w.wav, sample_rate: 8000},"
                      " restart: on-failure}\n"
                      "connections:\n  - [r.out0, t.in]\n  - [t.out, w.in0]\n",
                      3);
    wait_items_in("ws" SFX, "w", 10000);
    kill_block("ws" SFX, "w");
    ck_assert_int_eq(finish(pid), 1);
    char *err = read_file("run.err", NULL);
    ck_assert_msg(strstr(err, "mqgraph: block 'w' (wav_file_sink): cannot go on writing 'w.wav' "
                              "after a restart: the WAV header's lengths died with the last "
                              "life\n"),
                  "%s", err);
    free(err);
    glob_t g;
    ck_assert_int_eq(glob("w.wav.part*", 0, NULL, &g), 0); /* the last life's, kept */
    ck_assert_uint_eq(g.gl_pathc, 1);
    globfree(&g);
    ck_assert_ptr_null(read_file("w.wav", NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wav");
    TCase *tc = tcase_create("wav");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_pcm16_round_trip_is_within_one_step);
    tcase_add_test(tc, test_pcm16_clips_beyond_full_scale);
    tcase_add_test(tc, test_float_round_trip_is_exact);
    tcase_add_test(tc, test_source_reads_a_wav_made_here_exactly_with_its_rate);
    tcase_add_test(tc, test_source_repeats_the_file);
    tcase_add_test(tc, test_append_adds_to_the_samples_of_a_file);
    tcase_add_test(tc, test_bad_files_fail_the_run_naming_the_block);
    tcase_add_test(tc, test_bad_parameters_are_refused_with_where);
    tcase_add_test(tc, test_source_goes_on_after_a_restart_and_the_sink_refuses_to);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
