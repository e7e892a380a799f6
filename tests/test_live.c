/* test_live.c - live parameters: `mqgraph get` and `set` against running graphs,
 * checked item by item in what the graphs wrote; refusals with their messages; a
 * restarted block keeping the value it was set to; the blocks' own live
 * parameters (multiply_const, add_const, sig_source, noise_source, throttle,
 * fir_filter). */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "mq.h"
#include "runutil.h"
#include "suite.h"

static float *read_f32(const char *path, size_t *n)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    *n = len / sizeof *x;
    return x;
}

/* A constant 1, 1000 items a buffer, at 100k items/s, through amp (k = 2), to a
 * file: two seconds to change things in. */
static const char *scaled =
    "blocks:\n"
    "  src: {type: sig_source, params: {waveform: constant, amplitude: 1,"
    " items_per_buffer: 1000}}\n"
    "  head: {type: head, params: {items: 200000}}\n"
    "  thr: {type: throttle, params: {rate: 100000}}\n"
    "  amp: {type: multiply_const, params: {k: 2}%s}\n"
    "  out: {type: file_sink, params: {path: out.f32}}\n"
    "connections:\n"
    "  - [src.out, head.in]\n  - [head.out, thr.in]\n  - [thr.out, amp.in]\n"
    "  - [amp.out, out.in]\n";

/* The scaled graph NAME SFX, with `extra` added to amp's declaration, started. */
static pid_t start_scaled(const char *name, const char *extra)
{
    char *yaml;
    own_ctldir();
    ck_assert_int_ge(asprintf(&yaml, scaled, extra), 0);
    pid_t pid = start_graph(name, yaml, 5);
    free(yaml);
    return pid;
}

START_TEST(test_set_changes_the_output_at_a_buffer_boundary)
{
    size_t n;
    pid_t pid = start_scaled("k", "");
    const char *get[] = {"get", "k" SFX, "amp.k", NULL};
    ck_assert_int_eq(cli(get), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "2\n");
    free(out);
    wait_items("k" SFX, "amp", 20000);
    json_t *r = set_applied("k" SFX, "amp.k=0.5");
    long long at = field(r, "item");
    ck_assert_str_eq(sfield(r, "value"), "0.5");
    json_decref(r);
    ck_assert_int_eq(finish(pid), 0); /* the head ends the graph */
    float *x = read_f32("out.f32", &n);
    ck_assert_uint_eq(n, 200000);
    ck_assert_int_eq(at % 1000, 0);
    ck_assert_int_ge(at, 20000);
    ck_assert_int_lt(at, 200000);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == ((long long)i < at ? 2.0f : 0.5f), "item %zu: %g (changed at %lld)",
                      i, x[i], at);
    free(x);
}
END_TEST

START_TEST(test_the_change_is_an_event_with_its_item)
{
    pid_t pid = start_scaled("kev", "");
    wait_items("kev" SFX, "amp", 5000);
    json_t *r = set_applied("kev" SFX, "amp.k=-3");
    long long at = field(r, "item");
    json_decref(r);
    /* graph starting, 5 started, running, param */
    const char *ev[] = {"events", "kev" SFX, "--all", "--json", "--count", "8", NULL};
    ck_assert_int_eq(cli(ev), 0);
    char *out = read_file("cli.out", NULL), *last = strrchr(out, '{');
    json_error_t je;
    json_t *e = json_loads(last, 0, &je);
    ck_assert_msg(e != NULL, "%s", je.text);
    ck_assert_str_eq(sfield(e, "event"), "param");
    ck_assert_str_eq(sfield(e, "block"), "amp");
    ck_assert_str_eq(sfield(e, "param"), "k");
    ck_assert_str_eq(sfield(e, "value"), "-3");
    ck_assert_str_eq(sfield(e, "source"), "set");
    ck_assert_int_eq(field(e, "item"), at);
    json_decref(e);
    free(out);
    ck_assert_int_eq(finish(pid), 0);
}
END_TEST

START_TEST(test_bad_sets_are_refused_with_what_is_allowed)
{
    static const struct {
        const char *change, *error;
    } cases[] = {
        {"amp.k=abc", "mqgraph set: block 'amp': parameter 'k': 'abc' is not a complex number "
                      "(as 0.5, 0.5+0.5j, -2j)\n"},
        {"amp.k=1e31", "mqgraph set: block 'amp': parameter 'k': 1e31 has a part outside "
                       "[-1e+30, 1e+30]\n"},
        {"amp.k=2j", "mqgraph set: block 'amp': parameter 'k': 2j is complex, but type f32 is "
                     "real (a complex k needs type c32)\n"},
        {"amp.type=f64", "mqgraph set: parameter 'type' of block 'amp' (multiply_const) cannot "
                         "change while the graph runs (its live parameters: k)\n"},
        {"amp.kk=1", "mqgraph set: block 'amp' (multiply_const) has no parameter 'kk' (its "
                     "parameters: k, type)\n"},
        {"nope.k=1", "mqgraph set: graph 'bad" SFX "' has no block 'nope' (its blocks: src, head, "
                     "thr, amp, out)\n"},
        {"src.waveform=square", "mqgraph set: parameter 'waveform' of block 'src' (sig_source) "
                                "cannot change while the graph runs (its live parameters: "
                                "frequency, amplitude, offset, phase)\n"},
        {"head.items=5", "mqgraph set: parameter 'items' of block 'head' (head) cannot change "
                         "while the graph runs (it has no live parameters)\n"},
        {"thr.rate=0", "mqgraph set: block 'thr': parameter 'rate': 0 is outside "
                       "[0.001, 1000000000000]\n"},
        {"amp.k", "mqgraph set: 'amp.k' is not BLOCK.PARAM=VALUE\n"},
    };
    pid_t pid = start_scaled("bad", "");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {"set", "bad" SFX, cases[i].change, NULL};
        int rc = cli(args);
        char *err = cli_err();
        ck_assert_msg(rc == (i == sizeof cases / sizeof cases[0] - 1 ? 2 : 1), "%s: exit %d",
                      cases[i].change, rc);
        ck_assert_str_eq(err, cases[i].error);
        free(err);
    }
    const char *get[] = {"get", "bad" SFX, "amp.k", NULL}; /* nothing changed */
    ck_assert_int_eq(cli(get), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "2\n");
    free(out);
    const char *getall[] = {"get", "bad" SFX, "amp", NULL};
    ck_assert_int_eq(cli(getall), 0);
    out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "amp.k = 2  (complex, live)\namp.type = f32  (enum)\n");
    free(out);
    ck_assert_int_eq(finish(pid), 0);
}
END_TEST

START_TEST(test_a_restarted_block_keeps_the_value_set)
{
    size_t n;
    pid_t pid = start_scaled("rs", ", restart: on-failure");
    wait_items("rs" SFX, "amp", 10000);
    json_t *r = set_applied("rs" SFX, "amp.k=0.25");
    long long at = field(r, "item");
    json_decref(r);
    json_t *st = status_of("rs" SFX);
    long long victim = field(find(json_object_get(st, "blocks"), "name", "amp"), "pid");
    json_decref(st);
    kill((pid_t)victim, SIGKILL);
    /* starting, 5 started, running, param, died, restarting, restarted */
    const char *ev[] = {"events", "rs" SFX, "--all", "--count", "11", NULL};
    ck_assert_int_eq(cli(ev), 0);
    const char *get[] = {"get", "rs" SFX, "amp.k", NULL};
    ck_assert_int_eq(cli(get), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "0.25\n");
    free(out);
    ck_assert_int_eq(finish(pid), 0);
    /* What the killed process held is lost (and counted); no item after the change
     * is scaled by the graph file's k. */
    float *x = read_f32("out.f32", &n);
    ck_assert_uint_gt(n, (size_t)at);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(x[i] == ((long long)i < at ? 2.0f : 0.25f), "item %zu: %g", i, x[i]);
    free(x);
    char *err = read_file("run.err", NULL);
    ck_assert_msg(strstr(err, "block 'amp' (multiply_const, pid") && strstr(err, "restarting"),
                  "%s", err);
    free(err);
}
END_TEST

/* A source's live change: sig_source's frequency moves on from the phase reached
 * (no jump), its phase set live is the next item's phase. */
START_TEST(test_sig_source_frequency_and_phase_change_in_phase)
{
    own_ctldir();
    pid_t pid = start_graph("sig",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {frequency: 100,"
                            " sample_rate: 48000, items_per_buffer: 480}}\n"
                            "  thr: {type: throttle, params: {rate: 48000}}\n"
                            "  head: {type: head, params: {items: 96000}}\n"
                            "  out: {type: file_sink, params: {path: sig.f32}}\n"
                            "connections:\n"
                            "  - [src.out, thr.in]\n  - [thr.out, head.in]\n"
                            "  - [head.out, out.in]\n",
                            4);
    wait_items("sig" SFX, "thr", 4800);
    json_t *r = set_applied("sig" SFX, "src.frequency=250");
    long long f_at = field(r, "item");
    json_decref(r);
    wait_items("sig" SFX, "thr", (f_at + 9600 < 96000 ? f_at + 9600 : 96000));
    r = set_applied("sig" SFX, "src.phase=1.5");
    long long p_at = field(r, "item");
    json_decref(r);
    ck_assert_int_eq(finish(pid), 0);
    size_t n;
    float *x = read_f32("sig.f32", &n);
    ck_assert_uint_eq(n, 96000);
    ck_assert_int_eq(f_at % 480, 0);
    ck_assert_int_gt(p_at, f_at);
    for (long long i = 0; i < (long long)n; i++) {
        double cycles = i < f_at   ? 100.0 * i / 48000
                        : i < p_at ? 100.0 * f_at / 48000 + 250.0 * (i - f_at) / 48000
                                   : 1.5 / (2 * M_PI) + 250.0 * (i - p_at) / 48000;
        ck_assert_msg(fabs(x[i] - sin(2 * M_PI * cycles)) < 1e-5, "item %lld: %g, want %g", i,
                      x[i], sin(2 * M_PI * cycles));
    }
    free(x);
}
END_TEST

/* add_const's k, fir_filter's taps and noise_source's amplitude, each changed once
 * in one graph; each stream checked against its two values. */
START_TEST(test_add_const_fir_taps_and_noise_amplitude_are_live)
{
    own_ctldir();
    pid_t pid = start_graph("mix",
                            "blocks:\n"
                            "  one: {type: sig_source, params: {waveform: constant, amplitude: 1,"
                            " items_per_buffer: 500}}\n"
                            "  h1: {type: head, params: {items: 100000}}\n"
                            "  t1: {type: throttle, params: {rate: 100000}}\n"
                            "  add: {type: add_const, params: {k: 1}}\n"
                            "  fir: {type: fir_filter, params: {taps: [1]}}\n"
                            "  o1: {type: file_sink, params: {path: fir.f32}}\n"
                            "  nz: {type: noise_source, params: {distribution: uniform,"
                            " amplitude: 1, items_per_buffer: 500}}\n"
                            "  h2: {type: head, params: {items: 100000}}\n"
                            "  t2: {type: throttle, params: {rate: 100000}}\n"
                            "  o2: {type: file_sink, params: {path: noise.f32}}\n"
                            "connections:\n"
                            "  - [one.out, h1.in]\n  - [h1.out, t1.in]\n  - [t1.out, add.in]\n"
                            "  - [add.out, fir.in]\n  - [fir.out, o1.in]\n"
                            "  - [nz.out, h2.in]\n  - [h2.out, t2.in]\n  - [t2.out, o2.in]\n",
                            0);
    wait_items("mix" SFX, "fir", 10000);
    json_t *r = set_applied("mix" SFX, "add.k=2");
    long long add_at = field(r, "item");
    json_decref(r);
    wait_items("mix" SFX, "fir", add_at + 10000);
    r = set_applied("mix" SFX, "fir.taps=[0.5, 0.25]");
    long long fir_at = field(r, "item");
    json_decref(r);
    r = set_applied("mix" SFX, "nz.amplitude=0.001");
    long long nz_at = field(r, "item");
    json_decref(r);
    ck_assert_int_eq(finish(pid), 0);
    size_t n;
    float *y = read_f32("fir.f32", &n);
    ck_assert_uint_eq(n, 100000);
    for (long long i = 0; i < (long long)n; i++) {
        /* x is 2 before add's change, 3 after; y is x (taps [1]), then
         * 0.5 x[i] + 0.25 x[i-1], where the one-tap filter kept no x[fir_at - 1]:
         * the longer filter sees 0 there (fir_filter's doc). */
        double x = i < add_at ? 2 : 3, want = x;
        if (i >= fir_at)
            want = 0.5 * x + 0.25 * (i == fir_at ? 0 : i - 1 < add_at ? 2 : 3);
        ck_assert_msg(y[i] == (float)want, "fir item %lld: %g, want %g", i, y[i], want);
    }
    free(y);
    float *z = read_f32("noise.f32", &n);
    ck_assert_uint_eq(n, 100000);
    ck_assert_int_eq(nz_at % 500, 0);
    double big = 0;
    for (long long i = 0; i < (long long)n; i++) {
        ck_assert_msg(fabsf(z[i]) <= (i < nz_at ? 1.0f : 0.001f), "noise item %lld: %g", i,
                      z[i]);
        if (i < nz_at && fabsf(z[i]) > big)
            big = fabsf(z[i]);
    }
    ck_assert_double_gt(big, 0.9);
    free(z);
}
END_TEST

/* A change to a block that waits for input (its source throttled to 10 items/s)
 * still lands promptly: the supervisor wakes it. */
START_TEST(test_a_waiting_block_takes_the_change_when_woken)
{
    own_ctldir();
    pid_t pid = start_graph("slow",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 10}}\n"
                            "  thr: {type: throttle, params: {rate: 10}}\n"
                            "  amp: {type: multiply_const, params: {k: 2}}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, amp.in]\n"
                            "  - [amp.out, out.in]\n",
                            4);
    json_t *r = set_applied("slow" SFX, "amp.k=7");
    json_decref(r);
    stop_graph("slow" SFX, pid);
}
END_TEST

/* Parameters the file does not give (noise_source's amplitude, valve's open) set
 * live, then the graph stopped: the supervisor's tables of the block grew by one,
 * also for the valve whose type was inferred, which grew them once already (a
 * double free at the end, caught under mqgraph_san too). */
START_TEST(test_a_parameter_left_at_its_default_can_be_set)
{
    json_t *r;
    own_ctldir();
    pid_t pid = start_graph("dflt",
                            "blocks:\n"
                            "  src: {type: noise_source, params: {items_per_buffer: 10}}\n"
                            "  thr: {type: throttle, params: {rate: 1000}}\n"
                            "  va: {type: valve}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, va.in]\n"
                            "  - [va.out, out.in]\n",
                            4);
    json_decref(set_applied("dflt" SFX, "va.open=true"));
    r = set_applied("dflt" SFX, "src.amplitude=0.25");
    json_decref(r);
    r = set_applied("dflt" SFX, "src.amplitude=0.5");
    json_decref(r);
    const char *get[] = {"get", "dflt" SFX, "src.amplitude", NULL};
    ck_assert_int_eq(cli(get), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "0.5\n");
    free(out);
    stop_graph("dflt" SFX, pid);
}
END_TEST

/* A throttle waiting out a buffer at 1 item/s (1000 s for 1000 items) takes a new
 * rate at once, not after the wait. */
START_TEST(test_a_throttle_waiting_long_takes_a_new_rate_at_once)
{
    own_ctldir();
    pid_t pid = start_graph("thr",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 1000}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n",
                            3);
    json_decref(set_applied("thr" SFX, "thr.rate=1"));
    json_t *r = set_applied("thr" SFX, "thr.rate=100000"); /* applied within set's 2 s */
    long long at = field(r, "item");
    json_decref(r);
    wait_items("thr" SFX, "thr", at + 50000); /* and items flow at the rate again */
    stop_graph("thr" SFX, pid);
}
END_TEST

/* A stop drains the graph through a throttle: every item the source made reaches
 * the file, none is left in a queue. */
START_TEST(test_a_stop_drains_through_a_throttle)
{
    own_ctldir();
    pid_t pid = start_graph("drn",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {items_per_buffer: 1000}}\n"
                            "  thr: {type: throttle, params: {rate: 20000}}\n"
                            "  amp: {type: multiply_const, params: {k: 2}}\n"
                            "  out: {type: file_sink, params: {path: out.f32}}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, amp.in]\n"
                            "  - [amp.out, out.in]\n",
                            4);
    wait_items("drn" SFX, "thr", 10000);
    stop_graph("drn" SFX, pid);
    char *out = read_file("run.out", NULL), *src = strstr(out, "\nsrc ");
    long long made = -1;
    ck_assert_ptr_nonnull(src);
    sscanf(src, "\nsrc sig_source %*d %*d %lld", &made);
    size_t len;
    char *data = read_file("out.f32", &len);
    ck_assert_int_gt(made, 64 * 1000); /* more than a queue's worth was waiting */
    ck_assert_int_eq((long long)(len / 4), made);
    free(data);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("live");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_set_changes_the_output_at_a_buffer_boundary);
    tcase_add_test(tc, test_the_change_is_an_event_with_its_item);
    tcase_add_test(tc, test_bad_sets_are_refused_with_what_is_allowed);
    tcase_add_test(tc, test_a_restarted_block_keeps_the_value_set);
    tcase_add_test(tc, test_sig_source_frequency_and_phase_change_in_phase);
    tcase_add_test(tc, test_add_const_fir_taps_and_noise_amplitude_are_live);
    tcase_add_test(tc, test_a_waiting_block_takes_the_change_when_woken);
    tcase_add_test(tc, test_a_parameter_left_at_its_default_can_be_set);
    tcase_add_test(tc, test_a_throttle_waiting_long_takes_a_new_rate_at_once);
    tcase_add_test(tc, test_a_stop_drains_through_a_throttle);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
