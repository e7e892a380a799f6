/* test_sigmf.c - SigMF recordings through file_sink and file_source (sigmf: true):
 * the .sigmf-meta a graph writes, parsed back with jansson and compared field by
 * field with what the graph's parameters, timestamps and tags say; a recording
 * written here read with exact items, timestamps and tags, and written again the
 * same; datatypes of other byte orders and of several channels; bad metadata and
 * bad parameters refused with their messages word for word; a meta that cannot be
 * written leaving the data; a sink killed and restarted whose metadata still
 * describes exactly the samples it kept. */
#define _GNU_SOURCE
#include <check.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "ctlutil.h"
#include "mntns.h"
#include "runutil.h"
#include "suite.h"

/* The graphs are named "sigmf" (apart from the other suites' that may run at once). */
static void graph_ok(const char *yaml)
{
    run_yaml_ok("sigmf", yaml, 1);
}

static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(!strcmp(got, want), "%s:\n%s\nwant:\n%s", path, got, want);
    free(got);
}

static json_t *load_json(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    ck_assert_msg(j != NULL, "%s: %s", path, e.text);
    return j;
}

/* got equals the JSON text `want`, value for value (1000 and 1000.0 differ). */
static void json_is(const json_t *got, const char *want)
{
    json_error_t e;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &e);
    ck_assert_msg(w != NULL, "want: %s", e.text);
    char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
    ck_assert_msg(json_equal(got, w), "got:  %s\nwant: %s", g, want);
    free(g);
    json_decref(w);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* n f32 items 0, 1, .. n-1. */
static void write_ramp(const char *path, int n)
{
    float *v = malloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = (float)i;
    write_bytes(path, v, (size_t)n * sizeof *v);
    free(v);
}

/* Files whose names match `pattern` in this directory. */
static size_t matches(const char *pattern)
{
    glob_t g;
    size_t n = glob(pattern, 0, NULL, &g) == 0 ? g.gl_pathc : 0;
    if (n)
        globfree(&g);
    return n;
}

/* A core:datetime for ns since 1970 by the C library: what the sink must write for
 * an absolute timestamp (the fraction's 9 digits less their trailing zeros). */
static void datetime_of(long long ns, char *buf, size_t len)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    char frac[16];
    int n = 9;
    gmtime_r(&secs, &tm);
    snprintf(frac, sizeof frac, "%09lld", ns % 1000000000);
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = 0;
    size_t k = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, len - k, "%s%sZ", n ? "." : "", frac);
}

/* A text file less its '@ ...' stamp lines (vector_sink's timestamps). */
static char *without_stamps(const char *path)
{
    char *t = read_file(path, NULL), *o = t, *p = t;
    ck_assert_ptr_nonnull(t);
    while (*p) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (*p != '@') {
            memmove(o, p, n);
            o += n;
        }
        p += n;
    }
    *o = 0;
    return t;
}

/* The f32 values of a file as vector_sink prints them (9 digits a line; c32: two
 * values a line). */
static char *floats_as_text(const char *path, int per_line)
{
    size_t len, at = 0;
    float *v = (float *)read_file(path, &len);
    size_t n = len / sizeof *v, cap = n * 32 + 1;
    char *t = malloc(cap);
    t[0] = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(t + at, cap - at, "%.9g%s", v[i],
                               (i + 1) % (size_t)per_line ? " " : "\n");
    free(v);
    return t;
}

/* ---- what the sink writes ------------------------------------------------------------ */

/* c32 vectors of 2 (two channels), stamped absolute: the datatype, the channels,
 * every parameter, and the first buffer's time as the capture's. */
START_TEST(test_sink_meta_has_the_graphs_datatype_parameters_and_first_time)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  s: {type: sig_source, params: {type: c32, sample_rate: 1000, frequency: 50,"
             " timestamps: absolute}}\n"
             "  h: {type: head, params: {type: c32, items: 64}}\n"
             "  t: {type: vector_sink, params: {type: c32, path: t.txt, timestamps: true}}\n"
             "  v: {type: stream_to_vector, params: {type: c32, num_items: 2}}\n"
             "  w: {type: file_sink, params: {path: o.sigmf-data, type: c32, vlen: 2,"
             " sigmf: true, sample_rate: 500, center_freq: 2.4e9, author: 'A. Tester',"
             " description: two channels, license: 'https://example.org/l',"
             " hardware: none at all}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, t.in]\n  - [h.out, v.in]\n"
             "  - [v.out, w.in]\n");
    long long first;
    char *txt = read_file("t.txt", NULL), when[64], want[1024];
    ck_assert_int_eq(sscanf(txt, "@ absolute %lld", &first), 1);
    free(txt);
    datetime_of(first, when, sizeof when);
    json_t *meta = load_json("o.sigmf-meta");
    json_is(json_object_get(meta, "global"),
            "{\"core:datatype\": \"cf32_le\", \"core:version\": \"1.2.0\","
            " \"core:sample_rate\": 500, \"core:num_channels\": 2,"
            " \"core:description\": \"two channels\", \"core:author\": \"A. Tester\","
            " \"core:license\": \"https://example.org/l\", \"core:hw\": \"none at all\","
            " \"core:recorder\": \"mq\"}");
    snprintf(want, sizeof want,
             "[{\"core:sample_start\": 0, \"core:datetime\": \"%s\","
             " \"core:frequency\": 2400000000}]",
             when);
    json_is(json_object_get(meta, "captures"), want);
    json_is(json_object_get(meta, "annotations"), "[]");
    json_decref(meta);
    /* the samples as they came: 64 complex values, I then Q */
    char *got = floats_as_text("o.sigmf-data", 2), *sent = without_stamps("t.txt");
    ck_assert_uint_eq(strlen(got) > 0, 1);
    ck_assert_str_eq(got, sent);
    free(got);
    free(sent);
    struct stat st;
    ck_assert_int_eq(stat("o.sigmf-data", &st), 0);
    ck_assert_int_eq(st.st_size, 64 * 8);
    ck_assert_uint_eq(matches("o.sigmf-*.*"), 0); /* no part or records file left */
}
END_TEST

/* Without sigmf, file_sink writes no metadata (the graphs of before stay as they
 * were), also at a .sigmf-data path. */
START_TEST(test_sink_without_sigmf_writes_the_data_only)
{
    enter_tmpdir();
    graph_ok("blocks:\n"
             "  v: {type: vector_source, params: {values: [1, 2, 3]}}\n"
             "  w: {type: file_sink, params: {path: o.sigmf-data}}\n"
             "connections:\n  - [v.out, w.in]\n");
    ck_assert_ptr_null(read_file("o.sigmf-meta", NULL));
    char *t = floats_as_text("o.sigmf-data", 1);
    ck_assert_str_eq(t, "1\n2\n3\n");
    free(t);
}
END_TEST

/* Tags become annotations of their samples: file_source's begin_tag, here named
 * packet_len (its value, the repeat count, is then the annotation's sample count,
 * as gr-sigmf takes GNU Radio's packet_len), with srcid "src"; tagpass's "every"
 * (srcid #f: no core:generator), a uint64 in mq:value's JSON form. Two on one
 * sample are in the order the sink was given them (mq_in_tags). */
START_TEST(test_sink_tags_become_annotations)
{
    enter_tmpdir();
    write_ramp("ramp.f32", 250);
    graph_ok("blocks:\n"
             "  src: {type: file_source, params: {path: ramp.f32, repeat: true,"
             " begin_tag: packet_len, items_per_buffer: 64}}\n"
             "  h: {type: head, params: {items: 1000}}\n"
             "  t: {type: tagpass_all, params: {add_every: 300}}\n"
             "  w: {type: file_sink, params: {path: o.sigmf-data, sigmf: true,"
             " sample_rate: 48000}}\n"
             "connections:\n  - [src.out, h.in]\n  - [h.out, t.in0]\n  - [t.out0, w.in]\n");
    json_t *meta = load_json("o.sigmf-meta");
    json_is(json_object_get(meta, "global"),
            "{\"core:datatype\": \"rf32_le\", \"core:version\": \"1.2.0\","
            " \"core:sample_rate\": 48000,"
            " \"core:extensions\": [{\"name\": \"mq\", \"version\": \"1.0.0\","
            " \"optional\": true}], \"core:recorder\": \"mq\"}");
    json_is(json_object_get(meta, "captures"), "[{\"core:sample_start\": 0}]");
#define PL(at, n)                                                                          \
    "{\"core:sample_start\": " #at ", \"core:sample_count\": " #n ", \"core:label\":"     \
    " \"packet_len\", \"core:generator\": \"src\", \"mq:value\": " #n "}"
#define EV(at)                                                                             \
    "{\"core:sample_start\": " #at ", \"core:sample_count\": 0, \"core:label\": \"every\"," \
    " \"mq:value\": {\"$uint64\": " #at "}}"
    json_is(json_object_get(meta, "annotations"),
            "[" EV(0) ", " PL(0, 0) ", " PL(250, 1) ", " EV(300) ", " PL(500, 2) ", " EV(600)
            ", " PL(750, 3) ", " EV(900) "]");
    json_decref(meta);
    size_t len;
    float *d = (float *)read_file("o.sigmf-data", &len);
    ck_assert_uint_eq(len, 1000 * 4);
    for (int i = 0; i < 1000; i++)
        ck_assert_float_eq(d[i], (float)(i % 250));
    free(d);
}
END_TEST

/* ---- a recording made here, read and written again -------------------------------- */

/* 1000 f32 samples 0..999 at 1000 Hz, two captures (a jump in time at 500), an
 * annotation of mq's, one of another tool's, and one past the data (ignored). */
static const char recording[] =
    "{\"global\": {\"core:datatype\": \"rf32_le\", \"core:version\": \"1.2.0\",\n"
    "  \"core:sample_rate\": 1000,\n"
    "  \"core:extensions\": [{\"name\": \"mq\", \"version\": \"1.0.0\", \"optional\": true}]},\n"
    " \"captures\": [\n"
    "  {\"core:sample_start\": 0, \"core:datetime\": \"2026-03-04T05:06:07.25Z\",\n"
    "   \"core:frequency\": 915000000},\n"
    "  {\"core:sample_start\": 500, \"core:datetime\": \"2026-03-04T05:07:00.123456789Z\",\n"
    "   \"core:frequency\": 915000000}],\n"
    " \"annotations\": [\n"
    "  {\"core:sample_start\": 10, \"core:sample_count\": 0, \"core:label\": \"burst\",\n"
    "   \"core:generator\": \"det\", \"mq:value\": {\"snr\": 12.5}},\n"
    "  {\"core:sample_start\": 20, \"core:sample_count\": 5, \"core:comment\": \"by hand\"},\n"
    "  {\"core:sample_start\": 2000, \"core:label\": \"past\"}]}\n";

/* The source's tags of `recording`, by tag_debug. */
static const char recording_tags[] =
    "input 0 offset 0 source \"src\" key \"rx_rate\" value 1000.0\n"
    "input 0 offset 0 source \"src\" key \"rx_freq\" value 915000000.0\n"
    "input 0 offset 0 source \"src\" key \"rx_time\" value "
    "{\"$tuple\":[{\"$uint64\":1772600767},0.25]}\n"
    "input 0 offset 10 source \"det\" key \"burst\" value {\"snr\":12.5}\n"
    "input 0 offset 20 source \"src\" key \"annotation\" value "
    "{\"core:sample_count\":5,\"core:comment\":\"by hand\"}\n"
    "input 0 offset 500 source \"src\" key \"rx_freq\" value 915000000.0\n"
    "input 0 offset 500 source \"src\" key \"rx_time\" value "
    "{\"$tuple\":[{\"$uint64\":1772600820},0.123456789]}\n";

/* Reads NAME.sigmf-data (absolute timestamps, buffers of 300) into v.txt (with
 * stamps) and d.txt (tags), and with `write`, into o.sigmf-data too. */
static void read_recording(const char *name, int write)
{
    char yaml[2048];
    remove("v.txt");
    remove("d.txt");
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  src: {type: file_source, params: {path: %s.sigmf-data, sigmf: true,"
             " timestamps: absolute, items_per_buffer: 300}}\n"
             "  v: {type: vector_sink, params: {path: v.txt, timestamps: true}}\n"
             "  d: {type: tag_debug, params: {path: d.txt}}\n"
             "%s"
             "connections:\n  - [src.out, v.in]\n  - [src.out, d.in0]\n%s",
             name, write ? "  w: {type: file_sink, params: {path: o.sigmf-data, sigmf: true}}\n" : "",
             write ? "  - [src.out, w.in]\n" : "");
    graph_ok(yaml);
}

/* The stamps vector_sink wrote for `recording` read in buffers of 300: T0 + k ms
 * from sample 0, T1 + (k - 500) ms from 500, a buffer cut at the capture's start. */
static void stamps_are_the_recordings(void)
{
    /* 2026-03-04T05:06:07Z is 1772600767 s (computed by timegm here) */
    struct tm tm = {.tm_year = 126, .tm_mon = 2, .tm_mday = 4, .tm_hour = 5, .tm_min = 6,
                    .tm_sec = 7};
    long long t0 = (long long)timegm(&tm) * 1000000000 + 250000000;
    tm.tm_min = 7;
    tm.tm_sec = 0;
    long long t1 = (long long)timegm(&tm) * 1000000000 + 123456789;
    static const int first[] = {0, 300, 500, 800}, last[] = {299, 499, 799, 999};
    char want[512];
    size_t at = 0;
    for (int b = 0; b < 4; b++) {
        long long base = first[b] < 500 ? t0 : t1, from = first[b] < 500 ? 0 : 500;
        at += (size_t)snprintf(want + at, sizeof want - at, "@ absolute %lld %lld %lld\n",
                               base + (first[b] - from) * 1000000LL,
                               base + (first[b] - from) * 1000000LL,
                               base + (last[b] - from) * 1000000LL);
    }
    char *text = read_file("v.txt", NULL), got[512];
    size_t g = 0;
    for (char *p = text; p && *p; p = strchr(p, '\n') + 1) {
        if (*p == '@')
            g += (size_t)snprintf(got + g, sizeof got - g, "%.*s", (int)(strchr(p, '\n') - p + 1), p);
    }
    free(text);
    ck_assert_str_eq(got, want);
}

START_TEST(test_source_gives_the_recordings_items_times_and_tags)
{
    enter_tmpdir();
    write_ramp("a.sigmf-data", 1000);
    write_file("a.sigmf-meta", recording);
    read_recording("a", 0);
    char *items = without_stamps("v.txt"), *want = floats_as_text("a.sigmf-data", 1);
    ck_assert_str_eq(items, want);
    free(items);
    free(want);
    stamps_are_the_recordings();
    file_is("d.txt", recording_tags);
}
END_TEST

/* Read and written again by file_sink, and that read once more: the same items,
 * stamps and tags, and the same capture segments, byte for byte in their times. */
START_TEST(test_round_trip_keeps_items_timestamps_and_tags)
{
    enter_tmpdir();
    write_ramp("a.sigmf-data", 1000);
    write_file("a.sigmf-meta", recording);
    read_recording("a", 1);
    char *v1 = read_file("v.txt", NULL), *d1 = read_file("d.txt", NULL);
    read_recording("o", 0);
    file_is("v.txt", v1);
    file_is("d.txt", d1);
    file_is("d.txt", recording_tags);
    stamps_are_the_recordings();
    free(v1);
    free(d1);
    char *a = read_file("a.sigmf-data", NULL), *o = read_file("o.sigmf-data", NULL);
    ck_assert_int_eq(memcmp(a, o, 4000), 0);
    free(a);
    free(o);
    json_t *in = load_json("a.sigmf-meta"), *out = load_json("o.sigmf-meta");
    char *caps = json_dumps(json_object_get(in, "captures"), JSON_COMPACT);
    json_is(json_object_get(out, "captures"), caps);
    free(caps);
    json_is(json_object_get(json_object_get(out, "global"), "core:sample_rate"), "1000");
    /* the annotations as mq writes them: the other tool's one with its fields as
     * they were, the tag's key as its label and the block's name as its generator */
    json_is(json_object_get(out, "annotations"),
            "[{\"core:sample_start\": 10, \"core:sample_count\": 0, \"core:label\": \"burst\","
            " \"core:generator\": \"det\", \"mq:value\": {\"snr\": 12.5}},"
            " {\"core:sample_start\": 20, \"core:sample_count\": 5, \"core:label\":"
            " \"annotation\", \"core:generator\": \"src\", \"core:comment\": \"by hand\"}]");
    json_decref(in);
    json_decref(out);
}
END_TEST

/* A capture segment the sink starts for an rx_freq tag alone has the last one's
 * time moved on at the rate, and one for an rx_time alone the last frequency:
 * SigMF wants every field that holds for a segment written in it. */
START_TEST(test_sink_segments_carry_time_and_frequency_on)
{
    enter_tmpdir();
    write_ramp("a.sigmf-data", 1000);
    write_file("a.sigmf-meta",
               "{\"global\": {\"core:datatype\": \"rf32_le\", \"core:version\": \"1.2.0\","
               " \"core:sample_rate\": 1000},\n"
               " \"captures\": [{\"core:sample_start\": 0, \"core:datetime\":"
               " \"2026-01-01T00:00:00Z\", \"core:frequency\": 1e6},\n"
               "  {\"core:sample_start\": 500, \"core:frequency\": 2e6},\n"
               "  {\"core:sample_start\": 800, \"core:datetime\": \"2026-01-01T00:01:00Z\"}],\n"
               " \"annotations\": []}\n");
    read_recording("a", 1);
    json_t *out = load_json("o.sigmf-meta");
    json_is(json_object_get(out, "captures"),
            "[{\"core:sample_start\": 0, \"core:datetime\": \"2026-01-01T00:00:00Z\","
            " \"core:frequency\": 1000000},"
            " {\"core:sample_start\": 500, \"core:datetime\": \"2026-01-01T00:00:00.5Z\","
            " \"core:frequency\": 2000000},"
            " {\"core:sample_start\": 800, \"core:datetime\": \"2026-01-01T00:01:00Z\","
            " \"core:frequency\": 2000000}]");
    json_is(json_object_get(out, "annotations"), "[]");
    json_decref(out);
}
END_TEST

/* ---- datatypes ------------------------------------------------------------------------ */

/* The bytes of `n` values of `width` bytes, turned round (host order to the other). */
static void write_swapped(const char *path, const void *data, size_t n, size_t width)
{
    unsigned char *b = malloc(n * width);
    for (size_t i = 0; i < n * width; i++)
        b[i] = ((const unsigned char *)data)[i / width * width + (width - 1 - i % width)];
    write_bytes(path, b, n * width);
    free(b);
}

static void write_meta(const char *path, const char *datatype, int channels)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"global\": {\"core:datatype\": \"%s\", \"core:version\": \"1.0.0\","
             " \"core:num_channels\": %d}, \"captures\": [], \"annotations\": []}\n",
             datatype, channels);
    write_file(path, text);
}

/* NAME.sigmf-data read as type and vlen, written raw by file_sink to out.raw. */
static void read_raw(const char *name, const char *type, int vlen)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  r: {type: file_source, params: {path: %s.sigmf-data, sigmf: true, type: %s,"
             " vlen: %d}}\n"
             "  w: {type: file_sink, params: {path: out.raw, type: %s, vlen: %d}}\n"
             "connections:\n  - [r.out, w.in]\n",
             name, type, vlen, type, vlen);
    graph_ok(yaml);
}

static void raw_is(const void *want, size_t n)
{
    size_t len;
    char *got = read_file("out.raw", &len);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(got, want, n), 0);
    free(got);
}

START_TEST(test_source_turns_big_endian_round_and_reads_channels)
{
    static const float f[] = {1.5f, -2, 3.25f, 1e-3f};
    static const int16_t s16[] = {1, -2, 300, -32768};
    static const double f64[] = {0.1, -1e300, 2.5, 3};
    static const uint8_t u8[] = {1, 200, 3, 4};
    static const float f8[] = {1, 2, 3, 4, 5, 6, 7, 8};
    enter_tmpdir();
    /* _be: each value's bytes turned round, as it is read */
    write_swapped("fb.sigmf-data", f, 4, 4);
    write_meta("fb.sigmf-meta", "rf32" "_be", 1);
    read_raw("fb", "f32", 1);
    raw_is(f, sizeof f);
    write_swapped("sb.sigmf-data", s16, 4, 2);
    write_meta("sb.sigmf-meta", "ri16_be", 2);
    read_raw("sb", "i16", 2);
    raw_is(s16, sizeof s16);
    write_swapped("db.sigmf-data", f64, 4, 8);
    write_meta("db.sigmf-meta", "cf64_be", 1);
    read_raw("db", "f64", 2);
    raw_is(f64, sizeof f64);
    /* complex integers as I, Q vectors of 2 (RTL-SDR's cu8, USRP's ci16_le) */
    write_bytes("u.sigmf-data", u8, sizeof u8);
    write_meta("u.sigmf-meta", "cu8", 1);
    read_raw("u", "u8", 2);
    raw_is(u8, sizeof u8);
    write_bytes("s.sigmf-data", s16, sizeof s16);
    write_meta("s.sigmf-meta", "ci16_le", 1);
    read_raw("s", "i16", 2);
    raw_is(s16, sizeof s16);
    /* two channels of cf32: c32 vectors of 2, or f32 ones of 4 */
    write_bytes("c.sigmf-data", f8, sizeof f8);
    write_meta("c.sigmf-meta", "cf32_le", 2);
    read_raw("c", "c32", 2);
    raw_is(f8, sizeof f8);
    read_raw("c", "f32", 4);
    raw_is(f8, sizeof f8);
}
END_TEST

/* ---- bad metadata -------------------------------------------------------------------- */

/* x.sigmf-data (two f32 items) read with `meta` beside it and the source's `more`
 * parameters: the run fails with "x.sigmf-meta: WHY" from block r. */
static void meta_fails(const char *meta, const char *more, const char *why)
{
    static const float two[] = {1, 2};
    char yaml[1024], want[1024];
    write_bytes("x.sigmf-data", two, sizeof two);
    if (meta)
        write_file("x.sigmf-meta", meta);
    else
        remove("x.sigmf-meta");
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  r: {type: file_source, params: {path: x.sigmf-data, sigmf: true%s%s}}\n"
             "  n: {type: null_sink}\n"
             "connections:\n  - [r.out, n.in]\n",
             *more ? ", " : "", more);
    snprintf(want, sizeof want, "mqgraph: block 'r' (file_source): %s\n", why);
    run_yaml_fails("sigmf", yaml, 1, want);
}

/* A meta with `global` fields (after the datatype rf32_le and the version) and
 * captures and annotations as given. */
static const char *meta_with(const char *global, const char *captures, const char *notes)
{
    static char text[2048];
    snprintf(text, sizeof text,
             "{\"global\": {\"core:datatype\": \"rf32_le\", \"core:version\": \"1.2.0\"%s%s},\n"
             " \"captures\": [%s],\n \"annotations\": [%s]}\n",
             *global ? ", " : "", global, captures, notes);
    return text;
}

START_TEST(test_bad_meta_fails_naming_the_file_field_and_value)
{
    enter_tmpdir();
    meta_fails(NULL, "", "cannot open 'x.sigmf-meta': No such file or directory");
    meta_fails("{\"global\": {}, \"captures\": [}", "",
               "x.sigmf-meta: line 1, column 29: not JSON: unexpected token near '}'");
    meta_fails("{\"global\": {}, \"captures\": []}", "",
               "x.sigmf-meta: not SigMF metadata: it must be an object of a \"global\" object, "
               "\"captures\" and \"annotations\" arrays");
    /* a field missing, of the wrong type, of a value not allowed */
    meta_fails("{\"global\": {\"core:version\": \"1.2.0\"}, \"captures\": [], \"annotations\": []}",
               "", "x.sigmf-meta: core:datatype is missing");
    meta_fails(meta_with("\"core:sample_rate\": \"fast\"", "", ""), "",
               "x.sigmf-meta: core:sample_rate must be a number above 0 and at most 1e12, not "
               "'fast'");
    meta_fails(meta_with("\"core:sample_rate\": -1", "", ""), "",
               "x.sigmf-meta: core:sample_rate must be a number above 0 and at most 1e12, not "
               "-1");
    meta_fails("{\"global\": {\"core:datatype\": \"rf32_le\", \"core:version\": \"2.0.0\"},"
               " \"captures\": [], \"annotations\": []}",
               "", "x.sigmf-meta: core:version '2.0.0' is not SigMF 1.x");
    meta_fails(meta_with("\"core:num_channels\": 0", "", ""), "",
               "x.sigmf-meta: core:num_channels must be an integer from 1 to 1048576, not 0");
    /* datatypes */
    write_meta("y", "ci8", 1);
    meta_fails(read_file("y", NULL), "",
               "x.sigmf-meta: core:datatype 'ci8' does not match type f32, vlen 1: it reads as "
               "type u8, vlen 2");
    write_meta("y", "cf32_le", 2);
    meta_fails(read_file("y", NULL), "type: c32",
               "x.sigmf-meta: core:datatype 'cf32_le' of 2 channels does not match type c32, "
               "vlen 1: it reads as type c32, vlen 2");
    write_meta("y", "ru16_le", 1);
    meta_fails(read_file("y", NULL), "",
               "x.sigmf-meta: core:datatype 'ru16_le' has no mq item type to read it (mq has no "
               "u16)");
    write_meta("y", "rf32", 1);
    meta_fails(read_file("y", NULL), "",
               "x.sigmf-meta: core:datatype 'rf32' is not a SigMF datatype (r or c; f32, f64, "
               "i32, i16, u32, u16, i8 or u8; _le or _be after all but i8 and u8)");
    /* captures */
    meta_fails(meta_with("", "{\"core:sample_start\": 0, \"core:datetime\": "
                             "\"2021-02-29T00:00:00Z\"}", ""),
               "", "x.sigmf-meta: captures[0]: core:datetime '2021-02-29T00:00:00Z' is not an "
                   "RFC 3339 time in UTC (YYYY-MM-DDTHH:MM:SS[.digits]Z)");
    meta_fails(meta_with("", "{\"core:sample_start\": 0, \"core:datetime\": "
                             "\"2021-03-01T10:00:00+01:00\"}", ""),
               "", "x.sigmf-meta: captures[0]: core:datetime '2021-03-01T10:00:00+01:00' is not "
                   "an RFC 3339 time in UTC (YYYY-MM-DDTHH:MM:SS[.digits]Z)");
    meta_fails(meta_with("", "{\"core:sample_start\": 0, \"core:datetime\": 5}", ""), "",
               "x.sigmf-meta: captures[0]: core:datetime must be a string, not 5");
    meta_fails(meta_with("", "{\"core:sample_start\": 1}, {\"core:sample_start\": 1}", ""), "",
               "x.sigmf-meta: captures[1]: core:sample_start 1 is not after captures[0]'s 1");
    meta_fails(meta_with("", "{\"core:datetime\": \"2021-03-01T10:00:00Z\"}", ""), "",
               "x.sigmf-meta: captures[0]: core:sample_start is missing");
    meta_fails(meta_with("", "{\"core:sample_start\": 0, \"core:frequency\": 2e12}", ""), "",
               "x.sigmf-meta: captures[0]: core:frequency must be a number from -1e12 and at "
               "most 1e12, not 2000000000000.0");
    /* annotations */
    meta_fails(meta_with("", "", "{\"core:sample_start\": -1}"), "",
               "x.sigmf-meta: annotations[0]: core:sample_start must be an integer from 0 to "
               "9223372036854775807, not -1");
    meta_fails(meta_with("", "", "{\"core:sample_start\": 1}, {\"core:sample_start\": 0}"), "",
               "x.sigmf-meta: annotations[1]: core:sample_start 0 is before annotations[0]'s 1");
    meta_fails(meta_with("", "", "{\"core:sample_start\": 0, \"core:label\": [1]}"), "",
               "x.sigmf-meta: annotations[0]: core:label must be a string, not [1]");
    meta_fails(meta_with("", "", "{\"core:sample_start\": 0, \"mq:value\": {\"$uint64\": -1}}"),
               "", "x.sigmf-meta: annotations[0]: mq:value is no value a stream tag can carry: "
                   "line 1, column 12: $uint64 wants an integer from 0 to 18446744073709551615");
    /* what mq does not read, and what it does not know */
    meta_fails(meta_with("\"core:dataset\": \"x.dat\"", "", ""), "",
               "x.sigmf-meta: core:dataset: the samples are another file's (a non-conforming "
               "dataset), which is not read");
    meta_fails(meta_with("\"core:extensions\": [{\"name\": \"antenna\", \"version\": \"1.0.0\","
                         " \"optional\": false}]",
                         "", ""),
               "", "x.sigmf-meta: core:extensions: 'antenna' is not optional, and mq does not "
                   "know it");
    /* parameters against the metadata */
    meta_fails(meta_with("\"core:sample_rate\": 1000", "", ""), "sample_rate: 2000",
               "x.sigmf-meta: core:sample_rate 1000 does not match sample_rate 2000");
    meta_fails(meta_with("\"core:sample_rate\": 1000", "", ""), "timestamps: absolute",
               "x.sigmf-meta: timestamps absolute: the recording has no core:datetime");
    meta_fails(meta_with("", "{\"core:sample_start\": 0, \"core:datetime\": "
                             "\"2021-03-01T10:00:00Z\"}", ""),
               "timestamps: absolute",
               "x.sigmf-meta: timestamps absolute: the recording has no core:sample_rate, and "
               "sample_rate is 0");
}
END_TEST

/* Before anything runs (validate, exit 2, FILE:LINE:COL): what SigMF cannot say. */
START_TEST(test_validate_refuses_what_sigmf_cannot_express)
{
    static const struct {
        const char *block, *err;
    } cases[] = {
        {"  w: {type: file_sink, params: {path: o.sigmf-data, type: bytes, sigmf: true}}\n",
         "v.yaml:3:3: block 'w': type bytes has no SigMF datatype (sigmf takes u8, i16, i32, "
         "f32, f64 or c32)\n"},
        {"  w: {type: file_sink, params: {path: o.f32, sigmf: true}}\n",
         "v.yaml:3:3: block 'w': sigmf: path 'o.f32' does not end in .sigmf-data (a SigMF "
         "dataset's name; its metadata is NAME.sigmf-meta)\n"},
        {"  w: {type: file_sink, params: {path: o.f32, author: me}}\n",
         "v.yaml:3:3: block 'w': author is SigMF metadata: it needs sigmf: true\n"},
        {"  w: {type: file_sink, params: {path: o.f32, center_freq: 1e6}}\n",
         "v.yaml:3:3: block 'w': center_freq is SigMF metadata: it needs sigmf: true\n"},
    };
    enter_tmpdir();
    const char *args[] = {"validate", "v.yaml", NULL};
    char yaml[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n  v: {type: vector_source, params: {values: [1]}}\n%s"
                 "connections:\n  - [v.out, w.in]\n",
                 cases[i].block);
        write_file("v.yaml", yaml);
        ck_assert_int_eq(run(args), 2);
        file_is("err.txt", cases[i].err);
    }
    write_file("v.yaml", "blocks:\n"
                         "  r: {type: file_source, params: {path: x.sigmf-data, type: bytes,"
                         " sigmf: true}}\n"
                         "  n: {type: null_sink, params: {type: bytes}}\n"
                         "connections:\n  - [r.out, n.in]\n");
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", "v.yaml:2:3: block 'r': type bytes reads no SigMF datatype (sigmf takes "
                       "u8, i16, i32, f32, f64 or c32)\n");
    write_file("v.yaml", "blocks:\n"
                         "  r: {type: file_source, params: {path: x.cf32, sigmf: true}}\n"
                         "  n: {type: null_sink}\n"
                         "connections:\n  - [r.out, n.in]\n");
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", "v.yaml:2:3: block 'r': sigmf: path 'x.cf32' does not end in "
                       ".sigmf-data (a SigMF dataset's name; its metadata is "
                       "NAME.sigmf-meta)\n");
}
END_TEST

/* ---- when the metadata cannot be written ------------------------------------------- */

static const char one_value[] = "blocks:\n"
                                "  v: {type: vector_source, params: {values: [1, 2, 3]}}\n"
                                "  w: {type: file_sink, params: {path: o.sigmf-data,"
                                " sigmf: true}}\n";

START_TEST(test_sink_keeps_the_data_when_the_meta_cannot_be_written)
{
    char yaml[1024];
    enter_tmpdir();
    /* a directory where the metadata goes: the data is kept under its name */
    ck_assert_int_eq(mkdir("o.sigmf-meta", 0777), 0);
    snprintf(yaml, sizeof yaml, "%sconnections:\n  - [v.out, w.in]\n", one_value);
    run_yaml_fails("sigmf", yaml, 1,
                   "mqgraph: block 'w' (file_sink): 'o.sigmf-meta' is a directory, not a file, "
                   "a character device or a FIFO\n");
    char *t = floats_as_text("o.sigmf-data", 1);
    ck_assert_str_eq(t, "1\n2\n3\n");
    free(t);
    ck_assert_uint_eq(matches("o.sigmf-*.*"), 0);
    /* a FIFO is no dataset: refused before anything is written */
    ck_assert_int_eq(mkfifo("f.sigmf-data", 0666), 0);
    run_yaml_fails("sigmf",
                   "blocks:\n"
                   "  v: {type: vector_source, params: {values: [1]}}\n"
                   "  w: {type: file_sink, params: {path: f.sigmf-data, sigmf: true}}\n"
                   "connections:\n  - [v.out, w.in]\n",
                   1,
                   "mqgraph: block 'w' (file_sink): sigmf: 'f.sigmf-data' is a device or FIFO, "
                   "but a SigMF dataset is a file with its metadata beside it\n");
    ck_assert_uint_eq(matches("f.sigmf-meta*"), 0);
    /* the graph failed (another block) before the stream ended: neither data nor
     * metadata is left */
    rmdir("o.sigmf-meta");
    remove("o.sigmf-data");
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  z: {type: null_source}\n"
             "  w: {type: file_sink, params: {path: o.sigmf-data, sigmf: true}}\n"
             "  r: {type: file_source, params: {path: none.f32}}\n  n: {type: null_sink}\n"
             "connections:\n  - [z.out, w.in]\n  - [r.out, n.in]\n");
    run_yaml_fails("sigmf", yaml, 1,
                   "mqgraph: block 'r' (file_source): cannot open 'none.f32': No such file or "
                   "directory\n");
    ck_assert_uint_eq(matches("o.sigmf-*"), 0);
}
END_TEST

/* The one line of err.txt that starts with `head` and ends with `tail` (a pid
 * between them). */
static void err_line(const char *head, const char *tail)
{
    char *err = read_file("err.txt", NULL), *l;
    int found = 0;
    ck_assert_ptr_nonnull(err);
    for (l = strtok(err, "\n"); l && !found; l = strtok(NULL, "\n"))
        found = !strncmp(l, head, strlen(head)) && strlen(l) >= strlen(tail) &&
                !strcmp(l + strlen(l) - strlen(tail), tail);
    free(err);
    ck_assert_msg(found, "no line '%s...%s' in err.txt", head, tail);
}

/* 16384 zeros (64 KiB) into fs/o.sigmf-data. */
static int zeros_into_fs(void)
{
    return run_yaml("sigmf",
                    "blocks:\n"
                    "  z: {type: null_source}\n"
                    "  h: {type: head, params: {items: 16384}}\n"
                    "  w: {type: file_sink, params: {path: fs/o.sigmf-data, sigmf: true}}\n"
                    "connections:\n  - [z.out, h.in]\n  - [h.out, w.in]\n",
                    1);
}

/* A file system the data fills to the last page: the metadata's write fails, and
 * the data, whole under its name, stays; the metadata's part file goes. */
START_TEST(test_sink_keeps_the_data_when_the_disk_is_full_for_the_meta)
{
    enter_tmpdir();
    if (!private_tmpfs("fs", 64 * 1024))
        return;
    ck_assert_int_eq(zeros_into_fs(), 1);
    err_line("mqgraph: block 'w' (file_sink): writing 'fs/o.sigmf-meta.part",
             ".w': No space left on device");
    struct stat st;
    ck_assert_int_eq(stat("fs/o.sigmf-data", &st), 0);
    ck_assert_int_eq(st.st_size, 16384 * 4);
    ck_assert_int_ne(stat("fs/o.sigmf-meta", &st), 0);
    ck_assert_uint_eq(matches("fs/o.sigmf-*.*"), 0);
}
END_TEST

/* A rename of the data that fails keeps the data in its part file (file_sink's
 * rule), and no metadata is written: it would describe a file that is not there. */
START_TEST(test_sink_writes_no_meta_for_data_left_in_its_part_file)
{
    enter_tmpdir();
    if (!private_tmpfs("fs", 1024 * 1024))
        return;
    write_file("fs/o.sigmf-data", "");
    write_file("fs/over", "mounted over");
    ck_assert_int_eq(mount("fs/over", "fs/o.sigmf-data", NULL, MS_BIND, NULL), 0);
    ck_assert_int_eq(zeros_into_fs(), 1);
    err_line("mqgraph: block 'w' (file_sink): cannot rename to 'fs/o.sigmf-data': Device or "
             "resource busy; data kept in 'fs/o.sigmf-data.part",
             ".w'");
    ck_assert_uint_eq(matches("fs/o.sigmf-data.part*.w"), 1);
    ck_assert_uint_eq(matches("fs/o.sigmf-meta*"), 0);
}
END_TEST

/* ---- restarts -------------------------------------------------------------------------- */

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

#define RAMP 100000 /* items, each its own index, exact in f32 */

/* A ramp tagged every 1000 items (the tag's value the item's index) into a sink
 * killed mid-stream: the next life cuts the data and the records back to its last
 * commit, so every annotation is on the sample that carried its tag, every tagged
 * sample kept has its annotation, and the first capture's time, which only the
 * first life saw, is there. */
START_TEST(test_restarted_sink_meta_matches_the_samples_it_kept)
{
    own_ctldir();
    write_ramp("ramp.f32", RAMP);
    pid_t pid = start_graph("sr",
                            "blocks:\n"
                            "  src: {type: file_source, params: {path: ramp.f32,"
                            " items_per_buffer: 500, sample_rate: 100000,"
                            " timestamps: absolute}}\n"
                            "  t: {type: tagpass_all, params: {add_every: 1000}}\n"
                            "  th: {type: throttle, params: {rate: 100000}}\n"
                            "  w: {type: file_sink, params: {path: o.sigmf-data, sigmf: true,"
                            " sample_rate: 100000}, restart: on-failure}\n"
                            "connections:\n  - [src.out, t.in0]\n  - [t.out0, th.in]\n"
                            "  - [th.out, w.in]\n",
                            4);
    wait_items_in("sr" SFX, "w", 20000);
    kill_block("sr" SFX, "w");
    int rc = finish(pid);
    ck_assert_msg(rc == 0 || rc == 3, "exit %d", rc); /* 3: the kill lost a buffer */
    size_t len;
    float *d = (float *)read_file("o.sigmf-data", &len);
    size_t n = len / sizeof *d, tagged = 0;
    ck_assert_uint_ge(n, RAMP - 64 * 500); /* at most the buffers in flight lost */
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(i == 0 || d[i] > d[i - 1], "item %zu: %g after %g", i, d[i], d[i - 1]);
        tagged += (long long)d[i] % 1000 == 0;
    }
    json_t *meta = load_json("o.sigmf-meta"), *a;
    json_t *notes = json_object_get(meta, "annotations");
    size_t i;
    ck_assert_uint_eq(json_array_size(notes), tagged);
    json_array_foreach(notes, i, a) {
        json_int_t at = json_integer_value(json_object_get(a, "core:sample_start"));
        json_int_t v = json_integer_value(json_object_get(json_object_get(a, "mq:value"), "$uint64"));
        ck_assert_int_lt(at, (json_int_t)n);
        ck_assert_msg((json_int_t)d[at] == v, "annotation %zu on sample %lld (%g) says %lld", i,
                      (long long)at, d[at], (long long)v);
        ck_assert_int_eq(v % 1000, 0);
    }
    json_t *caps = json_object_get(meta, "captures");
    ck_assert_uint_eq(json_array_size(caps), 1);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(json_array_get(caps, 0), "core:datetime")));
    json_decref(meta);
    free(d);
    ck_assert_uint_eq(matches("o.sigmf-*.*"), 0); /* no part file, no records file */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sigmf");
    TCase *tc = tcase_create("sigmf");

    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_sink_meta_has_the_graphs_datatype_parameters_and_first_time);
    tcase_add_test(tc, test_sink_without_sigmf_writes_the_data_only);
    tcase_add_test(tc, test_sink_tags_become_annotations);
    tcase_add_test(tc, test_source_gives_the_recordings_items_times_and_tags);
    tcase_add_test(tc, test_round_trip_keeps_items_timestamps_and_tags);
    tcase_add_test(tc, test_sink_segments_carry_time_and_frequency_on);
    tcase_add_test(tc, test_source_turns_big_endian_round_and_reads_channels);
    tcase_add_test(tc, test_bad_meta_fails_naming_the_file_field_and_value);
    tcase_add_test(tc, test_validate_refuses_what_sigmf_cannot_express);
    tcase_add_test(tc, test_sink_keeps_the_data_when_the_meta_cannot_be_written);
    tcase_add_test(tc, test_sink_keeps_the_data_when_the_disk_is_full_for_the_meta);
    tcase_add_test(tc, test_sink_writes_no_meta_for_data_left_in_its_part_file);
    tcase_add_test(tc, test_restarted_sink_meta_matches_the_samples_it_kept);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
