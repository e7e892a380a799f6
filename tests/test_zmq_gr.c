/* test_zmq_gr.c - mq's ZeroMQ blocks against GNU Radio 3.10's gr-zeromq itself
 * (Debian's gnuradio, run with /usr/bin/python3 through tests/zmq_gr.py), over tcp
 * on 127.0.0.1: GNU Radio push -> mq pull and mq push -> GNU Radio pull, f32 and
 * c32, item for item; pub/sub both ways; pass_tags with an rx_time both ways (the
 * time to the nanosecond, GNU Radio's other tags as mq tags); a GNU Radio message
 * into message_debug, and an mq message into GNU Radio's message_debug. The whole
 * suite is skipped, saying why, when GNU Radio's Python package cannot be imported
 * (bootstrap.sh check installs it). */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

#define PYTHON "/usr/bin/python3"

static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(!strcmp(got, want), "%s:\n%s\nwant:\n%s", path, got, want);
    free(got);
}

/* tests/zmq_gr.py with args (NULL-terminated), its output in gr.out and gr.err.
 * With `keep_stdin`, its stdin is a pipe the test holds (*in): closing it ends the
 * modes that run until then. */
static pid_t gr_start(const char *const *args, int *in)
{
    int p[2] = {-1, -1};
    if (in)
        ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *argv[16] = {PYTHON, MQ_SRCDIR "/tests/zmq_gr.py"};
        int n = 2;
        for (; args[n - 2] && n < 15; n++)
            argv[n] = args[n - 2];
        argv[n] = NULL;
        if (in) {
            dup2(p[0], 0);
            close(p[1]);
        }
        if (!freopen("gr.out", "w", stdout) || !freopen("gr.err", "w", stderr))
            _exit(127);
        execv(PYTHON, (char *const *)argv);
        _exit(127);
    }
    if (in) {
        close(p[0]);
        *in = p[1];
    }
    return pid;
}

static int gr_finish(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void gr_ok(pid_t pid)
{
    int rc = gr_finish(pid);
    char *e = read_file("gr.err", NULL);
    ck_assert_msg(rc == 0, "GNU Radio's side exited %d: %s", rc, e ? e : "");
    free(e);
}

/* The ramp zmq_gr.py sends: i * 0.25 - 3 (c32: and i + 1), as vector_sink writes. */
static char *ramp_text(int c32, int n)
{
    size_t cap = (size_t)n * 40 + 1, at = 0;
    char *t = malloc(cap);
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(t + at, cap - at, c32 ? "%.9g %.9g\n" : "%.9g\n",
                               (double)(float)(i * 0.25 - 3), (double)(float)(i + 1));
    return t;
}

/* GNU Radio's push_sink (binding) to mq's zmq_pull_source, 10000 items of f32 and
 * of c32: mq's file holds exactly GNU Radio's values, and mq's graph ends when
 * GNU Radio's flowgraph has gone (GNU Radio sends no end of stream; peer_lost:
 * end takes its leaving as one). */
START_TEST(test_gnu_radio_push_to_mq_pull_item_for_item)
{
    static const char *types[] = {"f32", "c32"};

    for (int t = 0; t < 2; t++) {
        char addr[64], rx[1024];
        own_ctldir();
        tcp_endpoint(addr, sizeof addr);
        snprintf(rx, sizeof rx,
                 "blocks:\n"
                 "  s: {type: zmq_pull_source, params: {address: \"%s\", type: %s,"
                 " peer_lost: end}}\n"
                 "  o: {type: vector_sink, params: {path: rx.txt, type: %s}}\n"
                 "connections:\n  - [s.out, o.in]\n",
                 addr, types[t], types[t]);
        pid_t pid = start_graph("grx", rx, 2);
        const char *args[] = {"push", types[t], addr, "10000", NULL};
        gr_ok(gr_start(args, NULL));
        ck_assert_int_eq(finish(pid), 0);
        char *want = ramp_text(t, 10000);
        file_is("rx.txt", want);
        free(want);
    }
}
END_TEST

/* mq's zmq_push_sink (binding) to GNU Radio's pull_source: 5000 items of a list
 * repeated, f32 and c32, as GNU Radio's vector_sink has them. */
START_TEST(test_mq_push_to_gnu_radio_pull_item_for_item)
{
    static const char *types[] = {"f32", "c32"};

    for (int t = 0; t < 2; t++) {
        char addr[64], tx[1024];
        own_ctldir();
        tcp_endpoint(addr, sizeof addr);
        snprintf(tx, sizeof tx,
                 "blocks:\n"
                 "  v: {type: vector_source, params: {values: [1.5, -2.25, 3.0, 0.125], type: %s,"
                 " repeat: true}}\n"
                 "  h: {type: head, params: {type: %s, items: 5000}}\n"
                 "  k: {type: zmq_push_sink, params: {address: \"%s\", type: %s}}\n"
                 "connections:\n  - [v.out, h.in]\n  - [h.out, k.in]\n",
                 types[t], types[t], addr, types[t]);
        pid_t pid = start_graph("gtx", tx, 0); /* its source may be done already */
        const char *args[] = {"pull", types[t], addr, "5000", "gr.txt", NULL};
        gr_ok(gr_start(args, NULL));
        ck_assert_int_eq(finish(pid), 0); /* its stream went: it ended by itself */
        size_t cap = 5000 * 40, at = 0;
        char *want = malloc(cap);
        static const double v[] = {1.5, -2.25, 3.0, 0.125};
        for (int i = 0; i < 5000; i++)
            at += (size_t)snprintf(want + at, cap - at, t ? "%.9g %.9g\n" : "%.9g\n",
                                   v[(2 * i) % 4], v[(2 * i + 1) % 4]);
        if (!t) {
            at = 0;
            for (int i = 0; i < 5000; i++)
                at += (size_t)snprintf(want + at, cap - at, "%.9g\n", v[i % 4]);
        }
        file_is("gr.txt", want);
        free(want);
    }
}
END_TEST

/* pub/sub both ways. GNU Radio's pub_sink repeats 0..999 until the test ends it;
 * mq's sub takes 2000 and ends (head): from its first item on they run without a
 * gap. Then mq's pub_sink repeats a ramp and GNU Radio's sub_source takes 2000:
 * the same. (A subscriber joins a stream already going, so where it starts is
 * ZeroMQ's slow joiner; item for item from there.) */
START_TEST(test_pub_sub_both_ways_without_a_gap)
{
    char addr[64], rx[1024], tx[1024];
    int in;

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    const char *pub[] = {"pub", "f32", addr, NULL};
    pid_t gpid = gr_start(pub, &in);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_sub_source, params: {address: \"%s\", type: f32}}\n"
             "  h: {type: head, params: {type: f32, items: 2000}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n",
             addr);
    run_yaml_ok("grx", rx, 1);
    close(in);
    gr_ok(gpid);
    size_t n;
    double *v = read_numbers("rx.txt", &n);
    ck_assert_uint_eq(n, 2000);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(v[i] == fmod(v[0] + (double)i, 1000.0), "item %zu: %g after %g", i, v[i],
                      v[i - 1]);
    free(v);

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6], type: f32,"
             " repeat: true, items_per_buffer: 64}}\n"
             "  t: {type: throttle, params: {type: f32, rate: 200000}}\n"
             "  k: {type: zmq_pub_sink, params: {address: \"%s\", type: f32}}\n"
             "connections:\n  - [v.out, t.in]\n  - [t.out, k.in]\n",
             addr);
    pid_t pid = start_graph("gtx", tx, 3);
    const char *sub[] = {"sub", "f32", addr, "2000", "gr.txt", NULL};
    gr_ok(gr_start(sub, NULL));
    stop_graph("gtx" SFX, pid);
    v = read_numbers("gr.txt", &n);
    ck_assert_uint_eq(n, 2000);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(v[i] == fmod(v[0] + (double)i, 7.0), "item %zu: %g after %g", i, v[i],
                      v[i - 1]);
    free(v);
}
END_TEST

/* pass_tags, GNU Radio to mq: GNU Radio's rx_time (1700000000, 0.25) on item 0
 * stamps mq's buffer at 1700000000.25 s exactly, and both of its tags (rx_time,
 * freq on item 5) reach mq's tag_debug with their srcids. */
START_TEST(test_gnu_radio_tags_and_rx_time_reach_mq)
{
    char addr[64], rx[1024];

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, pass_tags: true,"
             " peer_lost: end}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32, timestamps: true}}\n"
             "  t: {type: tag_debug, params: {type: f32, path: tags.txt}}\n"
             "connections:\n  - [s.out, o.in]\n  - [s.out, t.in0]\n",
             addr);
    pid_t pid = start_graph("grx", rx, 3);
    const char *args[] = {"tagpush", addr, NULL};
    gr_ok(gr_start(args, NULL));
    ck_assert_int_eq(finish(pid), 0);
    file_is("rx.txt", "@ absolute 1700000000250000000\n-3\n-2.75\n-2.5\n-2.25\n-2\n-1.75\n"
                      "-1.5\n-1.25\n");
    char *t = read_file("tags.txt", NULL);
    ck_assert_msg(t && strstr(t, "rx_time") && strstr(t, "\"usrp\"") && strstr(t, "freq") &&
                      strstr(t, "1500000.0") && strstr(t, "\"gr\""),
                  "%s", t);
    free(t);
}
END_TEST

/* pass_tags, mq to GNU Radio: an mq source stamped absolute at 1000 items/s; GNU
 * Radio's pull_source sees an rx_time on the first item of each message, each the
 * time mq's own vector_sink printed for that buffer, to the nanosecond (GNU Radio
 * prints seconds and the fraction to 1e-9). */
START_TEST(test_mq_timestamps_reach_gnu_radio_as_rx_time)
{
    char addr[64], tx[1024];

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: sig_source, params: {type: f32, frequency: 10, sample_rate: 1000,"
             " timestamps: absolute, items_per_buffer: 4}}\n"
             "  h: {type: head, params: {type: f32, items: 10}}\n"
             "  k: {type: zmq_push_sink, params: {address: \"%s\", type: f32, pass_tags: true}}\n"
             "  o: {type: vector_sink, params: {path: tx.txt, type: f32, timestamps: true}}\n"
             "connections:\n  - [v.out, h.in]\n  - [h.out, k.in]\n  - [h.out, o.in]\n",
             addr);
    pid_t pid = start_graph("gtx", tx, 0); /* its source may be done already */
    const char *args[] = {"tagpull", addr, "10", "gr.txt", NULL};
    gr_ok(gr_start(args, NULL));
    ck_assert_int_eq(finish(pid), 0);
    /* mq's stamps, buffer by buffer, and the items */
    char *tx_text = read_file("tx.txt", NULL), *gr_text = read_file("gr.txt", NULL), *line;
    ck_assert_ptr_nonnull(tx_text);
    ck_assert_ptr_nonnull(gr_text);
    char want[4096] = "", values[1024] = "";
    size_t wat = 0, vat = 0;
    int item = 0;
    for (line = strtok(tx_text, "\n"); line; line = strtok(NULL, "\n")) {
        long long ns;
        if (sscanf(line, "@ absolute %lld", &ns) == 1)
            wat += (size_t)snprintf(want + wat, sizeof want - wat, "tag %d rx_time %lld %.9f\n",
                                    item, ns / 1000000000, (double)(ns % 1000000000) / 1e9);
        else
            vat += (size_t)snprintf(values + vat, sizeof values - vat, "%s\n", line), item++;
    }
    ck_assert_int_eq(item, 10);
    ck_assert_msg(strstr(gr_text, values) == gr_text, "GNU Radio got:\n%s\nwant first:\n%s",
                  gr_text, values);
    /* rx_rate (1000 on the first) comes too; the rx_time lines must be exactly mq's */
    char got[4096] = "";
    size_t gat = 0;
    for (line = strtok(gr_text + strlen(values), "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, " rx_time "))
            gat += (size_t)snprintf(got + gat, sizeof got - gat, "%s\n", line);
    ck_assert_str_eq(got, want);
    free(tx_text);
    free(gr_text);
}
END_TEST

/* Messages: GNU Radio's message_strobe through its pub_msg_sink reaches mq's
 * message_debug as the same dict; mq's message_strobe through zmq_push_msg_sink
 * reaches GNU Radio's message_debug as the same dict (pmt's text form). */
START_TEST(test_messages_cross_between_gnu_radio_and_mq)
{
    char addr[64], rx[1024], tx[1024];
    int in;

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    const char *pub[] = {"msgpub", addr, NULL};
    pid_t gpid = gr_start(pub, &in);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  z: {type: zmq_sub_msg_source, params: {address: \"%s\"}}\n"
             "  d: {type: message_debug, params: {path: msgs.txt}}\n"
             "connections:\n  - [z.out, d.print]\n",
             addr);
    pid_t pid = start_graph("grx", rx, 2);
    char *got = NULL;
    for (int i = 0; i < 20000; i++) { /* bounded: until one has come */
        free(got);
        got = read_file("msgs.txt", NULL);
        if (got && strchr(got, '\n'))
            break;
        nap_ms(1);
    }
    stop_graph("grx" SFX, pid);
    close(in);
    gr_ok(gpid);
    ck_assert_msg(got && !strncmp(got, "{\"gain\":2.5}\n", 13), "%s", got);
    free(got);

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  t: {type: message_strobe, params: {msg: '{\"gain\": 2, \"mode\": \"fm\"}',"
             " period_ms: 20}}\n"
             "  z: {type: zmq_push_msg_sink, params: {address: \"%s\"}}\n"
             "connections:\n  - [t.strobe, z.in]\n",
             addr);
    pid = start_graph("gtx", tx, 2);
    const char *pull[] = {"msgpull", addr, "gr.txt", NULL};
    gr_ok(gr_start(pull, NULL));
    stop_graph("gtx" SFX, pid);
    file_is("gr.txt", "((gain . 2) (mode . fm))\n");
}
END_TEST

int main(void)
{
    if (system(PYTHON " -c 'from gnuradio import zeromq' 2>/dev/null") != 0) {
        printf("SKIP: GNU Radio's Python package (Debian: gnuradio) cannot be imported by "
               PYTHON ", so there is no GNU Radio to test against\n");
        return 77;
    }
    Suite *s = suite_create("zmq_gr");
    TCase *tc = tcase_create("zmq_gr");

    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_gnu_radio_push_to_mq_pull_item_for_item);
    tcase_add_test(tc, test_mq_push_to_gnu_radio_pull_item_for_item);
    tcase_add_test(tc, test_pub_sub_both_ways_without_a_gap);
    tcase_add_test(tc, test_gnu_radio_tags_and_rx_time_reach_mq);
    tcase_add_test(tc, test_mq_timestamps_reach_gnu_radio_as_rx_time);
    tcase_add_test(tc, test_messages_cross_between_gnu_radio_and_mq);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
