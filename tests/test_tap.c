/* test_tap.c - `mqgraph tap`: a tap reads a contiguous run of exactly the items the
 * graph's own sink wrote; a tap that never reads holds nothing back and counts
 * what its queue dropped; taps are reused after they end; a tap client killed
 * with SIGKILL leaves every buffer back in its pool; errors name what is wrong. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlutil.h"
#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* item n of the stream is n, for n below 10^7: a sawtooth of one cycle per 2 10^7
 * items, amplitude 2 10^7, which starts half way up (GNU Radio's), less 10^7 (exact
 * in f32 below 2^24). */
static const char *counting =
    "blocks:\n"
    "  src: {type: sig_source, params: {waveform: sawtooth, frequency: 0.05, sample_rate: 1e6,"
    " amplitude: 2e7, offset: -1e7}}\n"
    "  head: {type: head, params: {items: %d}}\n"
    "  thr: {type: throttle, params: {rate: %d}}\n"
    "  amp: {type: multiply_const, params: {k: 1}}\n"
    "  out: {type: file_sink, params: {path: out.f32}}\n"
    "connections:\n"
    "  - [src.out, head.in]\n  - [head.out, thr.in]\n  - [thr.out, amp.in]\n"
    "  - [amp.out, out.in]\n";

static pid_t start_counting(const char *name, int items, int rate)
{
    char *yaml;
    ck_assert_int_ge(asprintf(&yaml, counting, items, rate), 0);
    pid_t pid = start_graph(name, yaml, 5);
    free(yaml);
    return pid;
}

static float *read_f32(const char *path, size_t *n)
{
    size_t len;
    float *x = (float *)read_file(path, &len);
    ck_assert_msg(x != NULL, "%s is missing", path);
    *n = len / sizeof *x;
    return x;
}

/* A tap attached over the raw protocol and never read; the socket keeps it. */
static int raw_tap(const char *graph, pid_t pid, char *reply, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path(graph, pid));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char *req = "{\"cmd\": \"tap\", \"block\": \"amp\", \"port\": \"out\"}\n";
    ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    ssize_t n = 0, r;
    while ((size_t)n < len - 1 && (r = read(fd, reply + n, 1)) == 1 && reply[n] != '\n')
        n++;
    reply[n] = 0;
    return fd;
}

START_TEST(test_a_tap_reads_what_the_sink_wrote)
{
    size_t n, m;
    own_ctldir();
    pid_t pid = start_counting("cnt", 200000, 100000);
    const char *tap[] = {"tap", "cnt" SFX, "amp.out", "--count", "3000", "--to", "tap.raw", NULL};
    int rc = cli(tap);
    char *err = cli_err();
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_str_eq(err, ""); /* no gap */
    free(err);
    ck_assert_int_eq(finish(pid), 0);
    float *t = read_f32("tap.raw", &n), *x = read_f32("out.f32", &m);
    ck_assert_uint_eq(n, 3000);
    ck_assert_uint_eq(m, 200000);
    long v0 = (long)t[0];
    ck_assert(t[0] == (float)v0 && v0 >= 0 && v0 + 3000 <= 200000);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(t[i] == (float)(v0 + (long)i), "tap item %zu: %g", i, t[i]);
        ck_assert(x[v0 + (long)i] == t[i]);
    }
    free(t);
    free(x);
    ck_assert_int_ne(access("tap.raw.part", F_OK), 0);
}
END_TEST

START_TEST(test_a_tap_prints_text_by_default)
{
    own_ctldir();
    pid_t pid = start_counting("txt", 200000, 100000);
    const char *tap[] = {"tap", "txt" SFX, "amp.out", "--count", "10", NULL};
    ck_assert_int_eq(cli(tap), 0);
    size_t n;
    double *v = read_numbers("cli.out", &n);
    ck_assert_uint_eq(n, 10);
    for (size_t i = 1; i < n; i++)
        ck_assert_double_eq(v[i], v[0] + (double)i);
    free(v);
    ck_assert_int_eq(finish(pid), 0);
}
END_TEST

START_TEST(test_a_tap_that_never_reads_holds_nothing_back)
{
    char reply[512];
    size_t m;
    own_ctldir();
    /* 4 M items, 1024 a buffer, at 4 M items a second */
    pid_t pid = start_counting("deaf", 4000000, 4000000);
    int fd = raw_tap("deaf" SFX, pid, reply, sizeof reply);
    ck_assert_msg(strstr(reply, "\"ok\":true") && strstr(reply, "\"type\":\"f32\""), "%s", reply);
    /* Its queue fills, then drops its oldest for every buffer amp sends: what it
     * took is what it holds plus what it dropped. */
    json_t *st = NULL, *t = NULL;
    for (int i = 0; i < 500; i++) {
        json_decref(st);
        st = status_of("deaf" SFX);
        t = json_array_get(json_object_get(st, "taps"), 0);
        if (!t || field(t, "drops") > 50)
            break;
        nap_ms(2);
    }
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(sfield(t, "output"), "amp.out");
    ck_assert_str_eq(sfield(t, "state"), "attached");
    ck_assert_int_gt(field(t, "drops"), 50);
    ck_assert_int_eq(field(t, "fill"), 16);
    ck_assert_int_eq(field(t, "buffers"), field(t, "drops") + field(t, "fill"));
    json_decref(st);
    ck_assert_int_eq(finish(pid), 0); /* the graph ran to its end */
    float *x = read_f32("out.f32", &m);
    ck_assert_uint_eq(m, 4000000);
    for (size_t i = 0; i < m; i++)
        ck_assert(x[i] == (float)i);
    free(x);
    /* The summary: the tap's queue took what amp sent after the attach, kept 16
     * and dropped the rest; nothing came back short (no "did not come back"). */
    char *out = read_file("run.out", NULL), *err = read_file("run.err", NULL);
    ck_assert_ptr_null(strstr(err, "did not come back"));
    free(out);
    free(err);
    close(fd);
}
END_TEST

START_TEST(test_taps_are_reused_and_limited)
{
    char reply[512];
    int fds[4];
    own_ctldir();
    pid_t pid = start_counting("four", 20000000, 100000);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 4; i++) {
            fds[i] = raw_tap("four" SFX, pid, reply, sizeof reply);
            ck_assert_msg(strstr(reply, "\"ok\":true"), "round %d tap %d: %s", round, i, reply);
        }
        int fifth = raw_tap("four" SFX, pid, reply, sizeof reply);
        ck_assert_msg(strstr(reply, "all 4 taps of graph 'four" SFX "' are in use"), "%s", reply);
        close(fifth);
        for (int i = 0; i < 4; i++)
            close(fds[i]);
        /* Until the supervisor has drained them, they are still taken. */
        json_t *st = NULL;
        for (int i = 0; i < 500; i++) {
            json_decref(st);
            st = status_of("four" SFX);
            if (json_array_size(json_object_get(st, "taps")) == 0)
                break;
            nap_ms(10);
        }
        ck_assert_uint_eq(json_array_size(json_object_get(st, "taps")), 0);
        json_decref(st);
    }
    const char *bad[] = {"tap", "four" SFX, "amp.in", NULL};
    ck_assert_int_eq(cli(bad), 1);
    char *err = cli_err();
    ck_assert_str_eq(err, "mqgraph tap: block 'amp' (multiply_const) has no output 'in' (its "
                          "outputs: out)\n");
    free(err);
    stop_graph("four" SFX, pid);
}
END_TEST

START_TEST(test_a_killed_tap_client_gives_its_buffers_back)
{
    own_ctldir();
    pid_t pid = start_counting("kill", 20000000, 200000);
    for (int round = 0; round < 3; round++) {
        const char *tap[] = {"tap", "kill" SFX, "amp.out", "--to", "t.raw", NULL};
        pid_t t = start_to(tap, "tap.out", "tap.err");
        /* Until it holds buffers: its tap shows up with some taken. */
        json_t *st = NULL;
        for (int i = 0; i < 500; i++) {
            json_decref(st);
            st = status_of("kill" SFX);
            json_t *taps = json_object_get(st, "taps");
            if (json_array_size(taps) == 1 && field(json_array_get(taps, 0), "buffers") > 3)
                break;
            nap_ms(5);
        }
        ck_assert_uint_eq(json_array_size(json_object_get(st, "taps")), 1);
        json_decref(st);
        kill(t, SIGKILL);
        ck_assert_int_eq(finish(t), 128 + SIGKILL);
        ck_assert_int_ne(access("t.raw", F_OK), 0); /* a killed tap keeps no file */
    }
    /* The graph's end counts every buffer back in its pool, or says so and fails. */
    stop_graph("kill" SFX, pid);
    char *err = read_file("run.err", NULL);
    ck_assert_ptr_null(strstr(err, "did not come back"));
    free(err);
}
END_TEST

/* A tap still reading when the graph ends: it learns the end and leaves, and the
 * graph's count of its pools comes out whole. */
START_TEST(test_a_tap_open_at_the_end_leaves_with_it)
{
    own_ctldir();
    pid_t pid = start_counting("end", 200000, 100000);
    const char *tap[] = {"tap", "end" SFX, "amp.out", "--to", "t.raw", NULL};
    pid_t t = start_to(tap, "tap.out", "tap.err");
    json_t *st = NULL;
    for (int i = 0; i < 500; i++) { /* until it is attached */
        json_decref(st);
        st = status_of("end" SFX);
        if (json_array_size(json_object_get(st, "taps")) == 1)
            break;
        nap_ms(5);
    }
    ck_assert_uint_eq(json_array_size(json_object_get(st, "taps")), 1);
    json_decref(st);
    ck_assert_int_eq(finish(pid), 0);
    ck_assert_int_eq(finish(t), 0);
    char *err = read_file("run.err", NULL);
    ck_assert_msg(!strstr(err, "did not come back") && !strstr(err, "did not leave"), "%s", err);
    free(err);
    size_t n;
    float *x = read_f32("t.raw", &n); /* what it read is a run of the stream */
    ck_assert_uint_gt(n, 0);
    for (size_t i = 1; i < n; i++)
        ck_assert(x[i] == x[0] + (float)i);
    free(x);
}
END_TEST

/* A tap client stopped (SIGSTOP) while it holds buffers, when the graph ends: the
 * supervisor gives it a second, then takes its buffers back and says so, and the
 * run still ends cleanly with its pools whole. */
START_TEST(test_a_stuck_tap_cannot_spoil_the_end)
{
    own_ctldir();
    pid_t pid = start_counting("stuck", 300000, 100000);
    const char *tap[] = {"tap", "stuck" SFX, "amp.out", "--to", "t.raw", NULL};
    pid_t t = start_to(tap, "tap.out", "tap.err");
    json_t *st = NULL;
    for (int i = 0; i < 500; i++) {
        json_decref(st);
        st = status_of("stuck" SFX);
        json_t *taps = json_object_get(st, "taps");
        if (json_array_size(taps) == 1 && field(json_array_get(taps, 0), "buffers") > 3)
            break;
        nap_ms(5);
    }
    json_decref(st);
    kill(t, SIGSTOP); /* it holds the buffer it was reading, or is about to */
    ck_assert_int_eq(finish(pid), 0);
    char *err = read_file("run.err", NULL), want[128];
    snprintf(want, sizeof want, "mqgraph: the tap of pid %d did not leave the arena in time: "
                                "its buffers are taken back\n", (int)t);
    ck_assert_msg(strstr(err, want) && !strstr(err, "did not come back"), "%s", err);
    free(err);
    kill(t, SIGKILL);
    finish(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tap");
    TCase *tc = tcase_create("tap");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_a_tap_reads_what_the_sink_wrote);
    tcase_add_test(tc, test_a_tap_prints_text_by_default);
    tcase_add_test(tc, test_a_tap_that_never_reads_holds_nothing_back);
    tcase_add_test(tc, test_taps_are_reused_and_limited);
    tcase_add_test(tc, test_a_killed_tap_client_gives_its_buffers_back);
    tcase_add_test(tc, test_a_tap_open_at_the_end_leaves_with_it);
    tcase_add_test(tc, test_a_stuck_tap_cannot_spoil_the_end);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
