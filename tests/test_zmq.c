/* test_zmq.c - the ZeroMQ blocks between mq graphs and against sockets of the test
 * itself (libzmq), over ipc in the test's directory and tcp on 127.0.0.1: items
 * exact for every pattern (push/pull, pub/sub with a key, req/rep), f32 and c32;
 * the receiver ending by itself on the sender's end of stream; tags and absolute
 * timestamps across with pass_tags, exactly as the sender had them; the wire form
 * read byte for byte (GNU Radio's tag header); items lost counted from the header's
 * numbering; a peer gone without end of stream reported, and peer_lost's three
 * answers; a sending graph's failure failing the receiver; messages both ways; bad
 * input refused with its reason. GNU Radio itself is the peer in test_zmq_gr. */
#define _GNU_SOURCE
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "ctlutil.h"
#include "pmt.h"
#include "runutil.h"
#include "suite.h"

static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(!strcmp(got, want), "%s:\n%s\nwant:\n%s", path, got, want);
    free(got);
}

static void file_has(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_msg(strstr(got, want) != NULL, "%s:\n%s\nwants: %s", path, got, want);
    free(got);
}

static void files_same(const char *a, const char *b)
{
    char *x = read_file(a, NULL), *y = read_file(b, NULL);
    ck_assert_msg(x && y, "%s or %s is missing", a, b);
    ck_assert_msg(*x, "%s is empty", a);
    ck_assert_msg(!strcmp(x, y), "%s:\n%s\n%s:\n%s", a, x, b, y);
    free(x);
    free(y);
}

/* An endpoint: ipc in the test's directory, or tcp on a free port. */
static void endpoint(char *buf, size_t len, int tcp)
{
    if (tcp)
        tcp_endpoint(buf, len);
    else
        snprintf(buf, len, "ipc://%s/z.sock", dir_now());
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void validate_says(const char *yaml, const char *want)
{
    write_file("v.yaml", yaml);
    const char *args[] = {"validate", "v.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", want);
}

/* ---- a graph to a graph -------------------------------------------------------------- */

/* 23 values in buffers of 3 (46 as c32) through push/pull and rep/req, f32 and
 * c32, with and without pass_tags, over ipc and tcp: the receiver's file is exactly
 * the sender's, and it ends by itself. */
START_TEST(test_items_arrive_exact_and_the_end_of_stream_ends_the_receiver)
{
    static const struct {
        const char *sink, *source;
    } pats[] = {{"zmq_push_sink", "zmq_pull_source"},
                {"zmq_rep_sink", "zmq_req_source"}};
    static const char *types[] = {"f32", "c32"};

    for (size_t p = 0; p < 2; p++)
        for (int t = 0; t < 2; t++)
            for (int tags = 0; tags < 2; tags++) {
                int tcp = (t + tags) % 2;
                char addr[256], rx[1024], tx[2048], vals[1024];
                size_t at = 0;
                own_ctldir();
                endpoint(addr, sizeof addr, tcp);
                at += (size_t)snprintf(vals, sizeof vals, "[");
                for (int i = 0; i < 46; i++)
                    at += (size_t)snprintf(vals + at, sizeof vals - at, "%s%.9g", i ? ", " : "",
                                           i * 0.37 - 3.1);
                snprintf(vals + at, sizeof vals - at, "]");
                snprintf(rx, sizeof rx,
                         "blocks:\n"
                         "  s: {type: %s, params: {address: \"%s\", type: %s, pass_tags: %s}}\n"
                         "  o: {type: vector_sink, params: {path: rx.txt, type: %s}}\n"
                         "connections:\n  - [s.out, o.in]\n",
                         pats[p].source, addr, types[t], tags ? "true" : "false", types[t]);
                snprintf(tx, sizeof tx,
                         "blocks:\n"
                         "  v: {type: vector_source, params: {values: %s, type: %s,"
                         " items_per_buffer: 3}}\n"
                         "  k: {type: %s, params: {address: \"%s\", type: %s, pass_tags: %s}}\n"
                         "  o: {type: vector_sink, params: {path: tx.txt, type: %s}}\n"
                         "connections:\n  - [v.out, k.in]\n  - [v.out, o.in]\n",
                         vals, types[t], pats[p].sink, addr, types[t], tags ? "true" : "false",
                         types[t]);
                pid_t pid = start_graph("zrx", rx, 2);
                run_yaml_ok("ztx", tx, 1);
                int rc = finish(pid); /* by itself: nobody stops it */
                char *e = read_file("run.err", NULL);
                ck_assert_msg(rc == 0, "p %zu t %d tags %d: exit %d: %s", p, t, tags, rc, e);
                free(e);
                files_same("tx.txt", "rx.txt");
            }
}
END_TEST

/* pub/sub with a key: a publisher that never ends (0..9 over and over) and a
 * subscriber that takes 100 items and ends (head). A subscriber joins a stream
 * already going, so its first item may be any of the ten; from there the 100 are
 * consecutive, none lost (pass_tags would have reported a gap), and the
 * publisher, stopped by the test, ends well. */
START_TEST(test_pub_sub_with_a_key_delivers_a_gapless_stream)
{
    char addr[256], rx[1024], tx[1024];

    own_ctldir();
    endpoint(addr, sizeof addr, 1);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
             " type: f32, repeat: true, items_per_buffer: 7}}\n"
             "  t: {type: throttle, params: {type: f32, rate: 20000}}\n"
             "  k: {type: zmq_pub_sink, params: {address: \"%s\", type: f32, pass_tags: true,"
             " key: chan1}}\n"
             "connections:\n  - [v.out, t.in]\n  - [t.out, k.in]\n",
             addr);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_sub_source, params: {address: \"%s\", type: f32, pass_tags: true,"
             " key: chan1}}\n"
             "  h: {type: head, params: {type: f32, items: 100}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n",
             addr);
    pid_t tx_pid = start_graph("ztx", tx, 3);
    const char *args[] = {"run", "--quiet", "zrx.yaml", NULL};
    write_file("zrx.yaml", rx);
    ck_assert_int_eq(run_to(args, "rx.out", "rx.err"), 0);
    stop_graph("ztx" SFX, tx_pid);
    size_t n;
    double *v = read_numbers("rx.txt", &n);
    ck_assert_uint_eq(n, 100);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(v[i] == (double)(((int)v[0] + (int)i) % 10), "item %zu: %g after %g", i,
                      v[i], v[i - 1]);
    free(v);
    char *e = read_file("rx.err", NULL);
    ck_assert_msg(!strstr(e, "lost"), "%s", e);
    free(e);
}
END_TEST

/* With pass_tags, tags (file_source's begin_tag, on every pass of repeat) and
 * absolute timestamps with their ranges cross as the sender had them: tag_debug
 * and vector_sink print the same on both sides, and no rx_time or rx_rate the
 * link made appears as a tag on the receiver. */
START_TEST(test_tags_and_absolute_timestamps_cross_exactly)
{
    char addr[256], rx[1024], tx[2048];

    own_ctldir();
    endpoint(addr, sizeof addr, 1);
    write_file("in.f32", "0123456789abcdefghijklmn"); /* 6 f32 */
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, pass_tags: true,"
             " bind: true}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32, timestamps: true}}\n"
             "  t: {type: tag_debug, params: {type: f32, path: rxtags.txt}}\n"
             "connections:\n  - [s.out, o.in]\n  - [s.out, t.in0]\n",
             addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  f: {type: file_source, params: {path: in.f32, type: f32, repeat: true,"
             " begin_tag: pass, items_per_buffer: 4, timestamps: absolute, sample_rate: 1000}}\n"
             "  h: {type: head, params: {type: f32, items: 15}}\n"
             "  k: {type: zmq_push_sink, params: {address: \"%s\", type: f32, pass_tags: true,"
             " bind: false}}\n"
             "  o: {type: vector_sink, params: {path: tx.txt, type: f32, timestamps: true}}\n"
             "  t: {type: tag_debug, params: {type: f32, path: txtags.txt}}\n"
             "connections:\n  - [f.out, h.in]\n  - [h.out, k.in]\n  - [h.out, o.in]\n"
             "  - [h.out, t.in0]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 3);
    run_yaml_ok("ztx", tx, 1);
    ck_assert_int_eq(finish(pid), 0);
    files_same("tx.txt", "rx.txt");
    files_same("txtags.txt", "rxtags.txt");
    file_has("rxtags.txt", "pass");
    file_has("rx.txt", "@ absolute ");
    char *t = read_file("rxtags.txt", NULL);
    ck_assert_msg(!strstr(t, "rx_time") && !strstr(t, "rx_rate"), "%s", t);
    free(t);
}
END_TEST

/* ---- the wire form, read by the test ---------------------------------------------------- */

static void *ctx(void)
{
    void *c = zmq_ctx_new();
    ck_assert_ptr_nonnull(c);
    return c;
}

/* The next message on s within 10 s (the test fails otherwise); its size. */
static int recv_within(void *s, void *buf, size_t cap)
{
    zmq_pollitem_t p = {s, 0, ZMQ_POLLIN, 0};
    ck_assert_int_eq(zmq_poll(&p, 1, 10000), 1);
    return zmq_recv(s, buf, cap, 0);
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* 5 f32 in buffers of 2 from zmq_push_sink with pass_tags: three messages, each
 * GNU Radio's header (magic f0 5f, version 1, the offset 0, 2, 4, no tags) and
 * the items, then the end: a header at offset 5 with the one tag mq_end =
 * {"status": "done", "items": 5} on item 5 (srcid #f); without pass_tags, the
 * items alone and an empty message. */
START_TEST(test_the_sink_writes_gnu_radios_tag_header_and_the_end)
{
    for (int tags = 0; tags < 2; tags++) {
        char addr[256], tx[1024];
        unsigned char m[512];
        void *c = ctx(), *s = zmq_socket(c, ZMQ_PULL);
        own_ctldir();
        endpoint(addr, sizeof addr, 0);
        ck_assert_int_eq(zmq_bind(s, addr), 0);
        snprintf(tx, sizeof tx,
                 "blocks:\n"
                 "  v: {type: vector_source, params: {values: [1, 2, 3, 4, 5], type: f32,"
                 " items_per_buffer: 2}}\n"
                 "  k: {type: zmq_push_sink, params: {address: \"%s\", type: f32, bind: false,"
                 " pass_tags: %s}}\n"
                 "connections:\n  - [v.out, k.in]\n",
                 addr, tags ? "true" : "false");
        run_yaml_ok("ztx", tx, 1);
        size_t h = tags ? 19 : 0;
        for (int k = 0; k < 3; k++) {
            int items = k < 2 ? 2 : 1;
            ck_assert_int_eq(recv_within(s, m, sizeof m), (int)h + 4 * items);
            if (tags) {
                ck_assert_int_eq(m[0], 0xf0);
                ck_assert_int_eq(m[1], 0x5f);
                ck_assert_int_eq(m[2], 1);
                ck_assert_uint_eq(le64(m + 3), (uint64_t)(2 * k));
                ck_assert_uint_eq(le64(m + 11), 0);
            }
            for (int i = 0; i < items; i++) {
                float f;
                memcpy(&f, m + h + 4 * i, 4);
                ck_assert_float_eq(f, (float)(2 * k + i + 1));
            }
        }
        int n = recv_within(s, m, sizeof m);
        if (!tags) {
            ck_assert_int_eq(n, 0);
        } else {
            ck_assert_int_gt(n, 27);
            ck_assert_uint_eq(le64(m + 3), 5);
            ck_assert_uint_eq(le64(m + 11), 1);
            ck_assert_uint_eq(le64(m + 19), 5);
            mq_pmt *key, *val, *src;
            size_t used, at = 27;
            ck_assert_int_eq(mq_pmt_deserialize(m + at, (size_t)n - at, &key, &used), 0);
            at += used;
            ck_assert_int_eq(mq_pmt_deserialize(m + at, (size_t)n - at, &val, &used), 0);
            at += used;
            ck_assert_int_eq(mq_pmt_deserialize(m + at, (size_t)n - at, &src, &used), 0);
            ck_assert_uint_eq(at + used, (size_t)n); /* no items after the header */
            char *kj = mq_pmt_to_json(key), *vj = mq_pmt_to_json(val), *sj = mq_pmt_to_json(src);
            ck_assert_str_eq(kj, "\"mq_end\"");
            ck_assert_str_eq(vj, "{\"status\":\"done\",\"items\":{\"$uint64\":5}}");
            ck_assert_str_eq(sj, "false");
            free(kj), free(vj), free(sj);
            mq_pmt_free(key), mq_pmt_free(val), mq_pmt_free(src);
        }
        zmq_close(s);
        zmq_ctx_term(c);
    }
}
END_TEST

/* A message with GNU Radio's header: `n` f32 (values base + i) from sender offset
 * `offset`, with `tag` (key, value, as JSON) on its first item if given. */
static void send_header(void *s, uint64_t offset, int n, float base, const char *key,
                        const char *value)
{
    unsigned char m[4096];
    size_t at = 19;
    m[0] = 0xf0, m[1] = 0x5f, m[2] = 1;
    for (int i = 0; i < 8; i++) {
        m[3 + i] = (unsigned char)(offset >> (8 * i));
        m[11 + i] = (unsigned char)(i == 0 && key);
    }
    if (key) {
        mq_pmt *k = mq_pmt_symbol(key), *v, *f = mq_pmt_bool(0);
        ck_assert_int_eq(mq_pmt_from_json(value, strlen(value), &v, NULL, 0), 0);
        for (int i = 0; i < 8; i++)
            m[at + i] = (unsigned char)(offset >> (8 * i));
        at += 8;
        at += (size_t)mq_pmt_serialize(k, m + at, sizeof m - at);
        at += (size_t)mq_pmt_serialize(v, m + at, sizeof m - at);
        at += (size_t)mq_pmt_serialize(f, m + at, sizeof m - at);
        mq_pmt_free(k), mq_pmt_free(v), mq_pmt_free(f);
    }
    for (int i = 0; i < n; i++) {
        float x = base + (float)i;
        memcpy(m + at + 4 * (size_t)i, &x, 4);
    }
    ck_assert_int_eq(zmq_send(s, m, at + 4 * (size_t)n, 0), (int)(at + 4 * (size_t)n));
}

static const char *const rx_counting =
    "blocks:\n"
    "  s: {type: %s, params: {address: \"%s\", type: f32, pass_tags: true, bind: true}}\n"
    "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
    "connections:\n  - [s.out, o.in]\n";

/* A test PUB (an XPUB, so it knows when the graph has subscribed) whose numbering
 * skips: 3 items at 0, 2 at 10, 1 at 12, then the end saying 20 items: 7 lost on
 * the way and 7 at the end, each reported, and the items that came passed on. */
START_TEST(test_sub_source_counts_the_items_a_publisher_dropped)
{
    char addr[256], rx[1024], sub[8];
    void *c = ctx(), *s = zmq_socket(c, ZMQ_XPUB);

    own_ctldir();
    endpoint(addr, sizeof addr, 1);
    ck_assert_int_eq(zmq_bind(s, addr), 0);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_sub_source, params: {address: \"%s\", type: f32, pass_tags: true}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, o.in]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 2);
    ck_assert_int_eq(recv_within(s, sub, sizeof sub), 1); /* the subscription: \x01 */
    send_header(s, 0, 3, 1, NULL, NULL);
    send_header(s, 10, 2, 11, NULL, NULL);
    send_header(s, 12, 1, 13, NULL, NULL);
    send_header(s, 20, 0, 0, "mq_end", "{\"status\": \"done\", \"items\": 20}");
    ck_assert_int_eq(finish(pid), 0);
    file_is("rx.txt", "1\n2\n3\n11\n12\n13\n");
    file_has("run.err", "s: lost 7 items (the sender's numbering skipped them) (7 in all)\n"
                        "s: lost 7 items at the end of the stream (14 in all)\n"
                        "s: lost 14 items in all\n");
    zmq_close(s);
    zmq_ctx_term(c);
}
END_TEST

/* The number in `text` after `before` (0 if it is not there). */
static long long number_after(const char *text, const char *before)
{
    const char *p = strstr(text, before);
    return p ? atoll(p + strlen(before)) : 0;
}

/* A real publisher too fast for its subscriber (2,560,000 f32 at full speed, high-
 * water marks of 4 messages, a subscriber throttled to 10^6 items/s): the PUB
 * drops, and every item is accounted for at the subscriber: where it joined, what
 * it received and what it reports lost add up to what was sent, exactly; its end
 * of stream, sent again until the subscriber has gone, was not dropped (the graph
 * ended by itself). The subscriber binds, so it is there before the first item
 * (a publisher that connects has its pipe at once). */
START_TEST(test_a_publishers_drops_are_all_counted)
{
    char addr[256], rx[1024], tx[1024];

    own_ctldir();
    endpoint(addr, sizeof addr, 0);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_sub_source, params: {address: \"%s\", type: f32, pass_tags: true,"
             " hwm: 4, bind: true}}\n"
             "  t: {type: throttle, params: {type: f32, rate: 1000000}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, t.in]\n  - [t.out, o.in]\n",
             addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [1, 2, 3, 4], type: f32, repeat: true,"
             " items_per_buffer: 4096}}\n"
             "  h: {type: head, params: {type: f32, items: 2560000}}\n"
             "  k: {type: zmq_pub_sink, params: {address: \"%s\", type: f32, pass_tags: true,"
             " hwm: 4, bind: false}}\n"
             "connections:\n  - [v.out, h.in]\n  - [h.out, k.in]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 3);
    run_yaml_ok("ztx", tx, 1);
    ck_assert_int_eq(finish(pid), 0);
    size_t n;
    double *v = read_numbers("rx.txt", &n);
    char *e = read_file("run.err", NULL);
    long long joined = number_after(e, "s: the stream started at item ");
    const char *all = strstr(e, "items in all\n"), *p = all;
    long long lost = 0;
    ck_assert_msg(all, "no loss reported: %s", e);
    while (p > e && p[-1] != '\n') /* the closing line: "s: lost N items in all" */
        p--;
    ck_assert_int_eq(sscanf(p, "s: lost %lld items in all", &lost), 1);
    ck_assert_msg(lost > 0, "%s", e);
    ck_assert_msg(joined + (long long)n + lost == 2560000, "joined %lld + got %zu + lost %lld: %s",
                  joined, n, lost, e);
    /* What came is whole messages (4096 items, a multiple of the 4 values), so the
     * values run 1 2 3 4 across every gap. */
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(v[i] == (double)(i % 4 + 1), "item %zu is %g", i, v[i]);
    free(v);
    free(e);
}
END_TEST

/* The same with PUSH: a sender far faster than its receiver, high-water marks of
 * 4 messages, waits instead of dropping: all 500,000 items arrive, in order, and
 * nothing is reported lost. */
START_TEST(test_a_push_waits_at_its_high_water_mark_and_loses_nothing)
{
    char addr[256], rx[1024], tx[1024];

    own_ctldir();
    endpoint(addr, sizeof addr, 0);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, pass_tags: true,"
             " hwm: 4, bind: true}}\n"
             "  t: {type: throttle, params: {type: f32, rate: 1000000}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, t.in]\n  - [t.out, o.in]\n",
             addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [1, 2, 3, 4, 5], type: f32, repeat: true,"
             " items_per_buffer: 4096}}\n"
             "  h: {type: head, params: {type: f32, items: 500000}}\n"
             "  k: {type: zmq_push_sink, params: {address: \"%s\", type: f32, pass_tags: true,"
             " hwm: 4, bind: false}}\n"
             "connections:\n  - [v.out, h.in]\n  - [h.out, k.in]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 3);
    run_yaml_ok("ztx", tx, 1);
    ck_assert_int_eq(finish(pid), 0);
    size_t n;
    double *v = read_numbers("rx.txt", &n);
    ck_assert_uint_eq(n, 500000);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(v[i] == (double)(i % 5 + 1), "item %zu is %g", i, v[i]);
    free(v);
    char *e = read_file("run.err", NULL);
    ck_assert_msg(!strstr(e, "lost"), "%s", e);
    free(e);
}
END_TEST

/* A sender gone without end of stream, for each peer_lost: wait reports it and
 * waits on (the graph is stopped by the test), end ends the graph well, fail
 * fails it; in each the items before are all passed on. */
START_TEST(test_a_peer_gone_without_end_is_reported_and_peer_lost_decides)
{
    static const char *policies[] = {"wait", "end", "fail"};

    for (int p = 0; p < 3; p++) {
        char addr[256], rx[1024];
        void *c = ctx(), *s = zmq_socket(c, ZMQ_PUSH);
        int linger = -1;
        own_ctldir();
        endpoint(addr, sizeof addr, 1);
        snprintf(rx, sizeof rx,
                 "blocks:\n"
                 "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, bind: true,"
                 " peer_lost: %s}}\n"
                 "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
                 "connections:\n  - [s.out, o.in]\n",
                 addr, policies[p]);
        pid_t pid = start_graph("zrx", rx, 2);
        ck_assert_int_eq(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
        ck_assert_int_eq(zmq_connect(s, addr), 0);
        float v[3] = {4, 5, 6};
        ck_assert_int_eq(zmq_send(s, v, sizeof v, 0), (int)sizeof v);
        zmq_close(s);
        zmq_ctx_term(c); /* delivered, then the connection closes */
        char want[512];
        snprintf(want, sizeof want,
                 "s: the peer on %s went without end of stream after 3 items received%s\n", addr,
                 p == 0 ? "; waiting for it to come back" : "");
        if (p == 0) {
            wait_items_in("zrx" SFX, "o", 3);
            for (int i = 0; i < 10000; i++) { /* bounded: until it said so */
                char *e = read_file("run.err", NULL);
                int said = e && strstr(e, want);
                free(e);
                if (said)
                    break;
                nap_ms(1);
            }
            stop_graph("zrx" SFX, pid);
        } else {
            ck_assert_int_eq(finish(pid), p == 1 ? 0 : 1);
        }
        if (p < 2) /* a failed graph's vector_sink keeps no file */
            file_is("rx.txt", "4\n5\n6\n");
        file_has("run.err", want);
        if (p == 2)
            file_has("run.err", "(zmq_pull_source): the peer on ");
    }
}
END_TEST

/* A peer that vanishes without closing (SIGSTOP: its kernel keeps the connection
 * up, but nothing answers ZeroMQ's heartbeats, as with a host cut off) is found
 * by the heartbeats, within their 3 s timeout plus an interval; the test allows
 * 15 s so that a loaded machine cannot fail it, and prints what it took. */
START_TEST(test_a_vanished_peer_is_found_by_the_heartbeats)
{
    char addr[256], rx[1024], want[512];
    int ready[2];

    own_ctldir();
    endpoint(addr, sizeof addr, 1);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, bind: true,"
             " peer_lost: end}}\n"
             "  o: {type: vector_sink, params: {path: rx.txt, type: f32}}\n"
             "connections:\n  - [s.out, o.in]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 2);
    ck_assert_int_eq(pipe(ready), 0);
    pid_t peer = fork();
    ck_assert_int_ge(peer, 0);
    if (peer == 0) { /* the peer: sends 2 items and waits, to be stopped */
        void *c = zmq_ctx_new(), *s = zmq_socket(c, ZMQ_PUSH);
        float v[2] = {8, 9};
        char x;
        close(ready[1]);
        if (zmq_connect(s, addr) < 0 || zmq_send(s, v, sizeof v, 0) < 0)
            _exit(1);
        _exit(read(ready[0], &x, 1) == 0 ? 0 : 1); /* the test never writes */
    }
    close(ready[0]);
    wait_items_in("zrx" SFX, "o", 2); /* they came: the peer is connected */
    kill(peer, SIGSTOP);
    int64_t t0 = now_ms();
    ck_assert_int_eq(finish(pid), 0); /* peer_lost: end */
    int64_t took = now_ms() - t0;
    kill(peer, SIGKILL);
    waitpid(peer, NULL, 0);
    close(ready[1]);
    printf("a stopped peer was found gone after %lld ms\n", (long long)took);
    ck_assert_msg(took < 15000, "%lld ms", (long long)took);
    file_is("rx.txt", "8\n9\n");
    snprintf(want, sizeof want,
             "s: the peer on %s went without end of stream after 2 items received\n", addr);
    file_has("run.err", want);
}
END_TEST

/* The end of a sending graph that failed fails the receiving graph, with why (and
 * its vector_sink, as every sink of a failed graph, keeps no partial file). */
START_TEST(test_a_failed_sender_fails_the_receiver)
{
    char addr[256], rx[1024];
    void *c = ctx(), *s = zmq_socket(c, ZMQ_PUSH);
    int linger = -1;

    own_ctldir();
    endpoint(addr, sizeof addr, 0);
    snprintf(rx, sizeof rx, rx_counting, "zmq_pull_source", addr);
    pid_t pid = start_graph("zrx", rx, 2);
    ck_assert_int_eq(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
    ck_assert_int_eq(zmq_connect(s, addr), 0);
    send_header(s, 0, 2, 7, NULL, NULL);
    send_header(s, 2, 0, 0, "mq_end", "{\"status\": \"failed\", \"items\": 2}");
    zmq_close(s);
    zmq_ctx_term(c);
    ck_assert_int_eq(finish(pid), 1);
    file_has("run.err", "block 's' (zmq_pull_source): the sending graph failed (its stream "
                        "ended after 2 items)\n");
}
END_TEST

/* What no sender of the form sends: a message not whole items, a header missing
 * where pass_tags expects one. Each fails the graph with why. */
START_TEST(test_messages_of_the_wrong_form_fail_with_why)
{
    static const struct {
        int tags;
        size_t len;
        const char *err;
    } cases[] = {
        {0, 6, "(zmq_pull_source): from %s: a message of 6 bytes of items is not whole items of 4 bytes "
               "(do both ends agree on type, vlen and pass_tags?)"},
        {1, 20, "(zmq_pull_source): from %s: no tag header (magic 0x0000 version 0; want 0x5ff0 1): does "
               "the sender have pass_tags?"},
        {1, 4, "(zmq_pull_source): from %s: a message of 4 bytes is too short for a tag header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char addr[256], rx[1024], want[512];
        unsigned char zeros[32] = {0};
        void *c = ctx(), *s = zmq_socket(c, ZMQ_PUSH);
        int linger = -1;
        own_ctldir();
        endpoint(addr, sizeof addr, 0);
        snprintf(rx, sizeof rx,
                 "blocks:\n"
                 "  s: {type: zmq_pull_source, params: {address: \"%s\", type: f32, bind: true,"
                 " pass_tags: %s}}\n"
                 "  o: {type: null_sink, params: {type: f32}}\n"
                 "connections:\n  - [s.out, o.in]\n",
                 addr, cases[i].tags ? "true" : "false");
        pid_t pid = start_graph("zrx", rx, 2);
        ck_assert_int_eq(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), 0);
        ck_assert_int_eq(zmq_connect(s, addr), 0);
        ck_assert_int_eq(zmq_send(s, zeros, cases[i].len, 0), (int)cases[i].len);
        zmq_close(s);
        zmq_ctx_term(c);
        ck_assert_int_eq(finish(pid), 1);
        snprintf(want, sizeof want, cases[i].err, addr);
        file_has("run.err", want);
    }
}
END_TEST

/* ---- messages ------------------------------------------------------------------------------ */

/* Messages from a test PUSH to zmq_pull_msg_source reach message_debug as the same
 * values; one that is no PMT is reported and skipped. And message_strobe's message
 * through zmq_push_msg_sink arrives at a test PULL in GNU Radio's serialised form,
 * byte for byte. */
START_TEST(test_messages_cross_both_ways_in_gnu_radios_form)
{
    static const char *msgs[] = {"{\"freq\": 1.5}", "[1, \"two\", 3.0]", "\"hello\""};
    char addr[256], rx[1024];
    void *c = ctx(), *s = zmq_socket(c, ZMQ_PUSH);
    unsigned char m[512];

    own_ctldir();
    endpoint(addr, sizeof addr, 1);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  z: {type: zmq_pull_msg_source, params: {address: \"%s\", bind: true}}\n"
             "  d: {type: message_debug, params: {path: msgs.txt}}\n"
             "connections:\n  - [z.out, d.print]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 2);
    ck_assert_int_eq(zmq_connect(s, addr), 0);
    ck_assert_int_eq(zmq_send(s, "\xff\x01", 2, 0), 2);
    for (int i = 0; i < 3; i++) {
        mq_pmt *v;
        ck_assert_int_eq(mq_pmt_from_json(msgs[i], strlen(msgs[i]), &v, NULL, 0), 0);
        int64_t n = mq_pmt_serialize(v, m, sizeof m);
        ck_assert_int_eq(zmq_send(s, m, (size_t)n, 0), (int)n);
        mq_pmt_free(v);
    }
    const char *want = "{\"freq\":1.5}\n[1,\"two\",3.0]\n\"hello\"\n";
    for (int i = 0; i < 10000; i++) { /* bounded: until the three are there */
        char *got = read_file("msgs.txt", NULL);
        int done = got && strlen(got) >= strlen(want);
        free(got);
        if (done)
            break;
        nap_ms(1);
    }
    stop_graph("zrx" SFX, pid);
    file_is("msgs.txt", want);
    file_has("run.err", "z: a message of 2 bytes from ");
    file_has("run.err", " is no PMT (Invalid argument); skipped\n");
    zmq_close(s);

    /* the other way */
    char tx[1024];
    void *r = zmq_socket(c, ZMQ_PULL);
    own_ctldir();
    endpoint(addr, sizeof addr, 0);
    ck_assert_int_eq(zmq_bind(r, addr), 0);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  t: {type: message_strobe, params: {msg: '{\"gain\": 2}', period_ms: 1}}\n"
             "  z: {type: zmq_push_msg_sink, params: {address: \"%s\", bind: false}}\n"
             "connections:\n  - [t.strobe, z.in]\n",
             addr);
    pid = start_graph("ztx", tx, 2);
    int n = recv_within(r, m, sizeof m);
    stop_graph("ztx" SFX, pid);
    mq_pmt *want_v, *got;
    size_t used;
    ck_assert_int_eq(mq_pmt_from_json("{\"gain\": 2}", 11, &want_v, NULL, 0), 0);
    unsigned char w[64];
    int64_t wn = mq_pmt_serialize(want_v, w, sizeof w);
    ck_assert_int_eq(n, (int)wn);
    ck_assert_int_eq(memcmp(m, w, (size_t)wn), 0);
    ck_assert_int_eq(mq_pmt_deserialize(m, (size_t)n, &got, &used), 0);
    ck_assert(mq_pmt_equal(got, want_v));
    mq_pmt_free(got), mq_pmt_free(want_v);
    zmq_close(r);
    zmq_ctx_term(c);
}
END_TEST

/* ---- the README's example ------------------------------------------------------------ */

/* graphs/zmq_rx.yaml and zmq_tx.yaml on a free port: tone.f32 is exactly the
 * 48000 items sig_source makes (the same graph's sig_source into a file_sink, run
 * here), and the receiver ends by itself, reporting no loss. */
START_TEST(test_the_readme_example_sends_one_second_of_tone)
{
    char set[128], addr[64];

    own_ctldir();
    tcp_endpoint(addr, sizeof addr);
    snprintf(set, sizeof set, "address=%s", addr);
    const char *rx[] = {"run", "--quiet", copy_example("zmq_rx"), "--set", set, NULL};
    pid_t pid = start_to(rx, "rx.out", "rx.err");
    const char *tx[] = {"run", "--quiet", copy_example("zmq_tx"), "--set", set, NULL};
    ck_assert_int_eq(run_to(tx, "tx.out", "tx.err"), 0);
    ck_assert_int_eq(finish(pid), 0);
    size_t len;
    char *got = read_file("tone.f32", &len);
    ck_assert_uint_eq(len, 48000 * 4);
    rename("tone.f32", "sent.f32");
    run_yaml_ok("ztone",
                "blocks:\n"
                "  tone: {type: sig_source, params: {frequency: 1000, sample_rate: 48000,"
                " type: f32}}\n"
                "  head: {type: head, params: {items: 48000}}\n"
                "  file: {type: file_sink, params: {path: tone.f32}}\n"
                "connections:\n  - [tone.out, head.in]\n  - [head.out, file.in]\n",
                1);
    size_t wlen;
    char *want = read_file("tone.f32", &wlen);
    ck_assert_uint_eq(wlen, len);
    ck_assert_int_eq(memcmp(got, want, len), 0);
    free(got);
    free(want);
    char *e = read_file("rx.err", NULL);
    ck_assert_msg(!strstr(e, "lost"), "%s", e);
    free(e);
}
END_TEST

/* f32 sent to a c32 source with pass_tags: the numbering shows items of 4 bytes,
 * and the receiver says so rather than count half of them lost. */
START_TEST(test_items_of_another_size_are_named_not_counted_lost)
{
    char addr[256], rx[1024], tx[1024];

    own_ctldir();
    endpoint(addr, sizeof addr, 0);
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: zmq_pull_source, params: {address: \"%s\", type: c32, pass_tags: true,"
             " bind: true}}\n"
             "  o: {type: null_sink, params: {type: c32}}\n"
             "connections:\n  - [s.out, o.in]\n",
             addr);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7, 8], type: f32,"
             " items_per_buffer: 4}}\n"
             "  k: {type: zmq_push_sink, params: {address: \"%s\", type: f32, pass_tags: true,"
             " bind: false}}\n"
             "connections:\n  - [v.out, k.in]\n",
             addr);
    pid_t pid = start_graph("zrx", rx, 2);
    run_yaml_ok("ztx", tx, 1);
    ck_assert_int_eq(finish(pid), 1);
    file_has("run.err", "(zmq_pull_source): from ");
    file_has("run.err", ": the sender's items are 4 bytes, these are 8 (do both ends agree on "
                        "type and vlen?)\n");
}
END_TEST

/* ---- bad input ---------------------------------------------------------------------------- */

START_TEST(test_bad_parameters_and_addresses_are_refused_with_why)
{
    enter_tmpdir();
    validate_says("blocks:\n"
                  "  v: {type: vector_source, params: {values: [1]}}\n"
                  "  k: {type: zmq_push_sink, params: {type: f32}}\n"
                  "connections:\n  - [v.out, k.in]\n",
                  "v.yaml:3:3: block 'k': missing parameter 'address' (the ZeroMQ endpoint: "
                  "tcp://HOST:PORT, ipc://PATH, ...)\n");
    validate_says("blocks:\n"
                  "  s: {type: zmq_pull_source, params: {address: 'tcp://127.0.0.1:1',"
                  " peer_lost: retry}}\n"
                  "  o: {type: null_sink, params: {type: c32}}\n"
                  "connections:\n  - [s.out, o.in]\n",
                  "v.yaml:2:80: block 's': parameter 'peer_lost': 'retry' is not one of "
                  "wait|end|fail\n");
    /* an address libzmq refuses: the run fails at once, nothing left behind */
    run_yaml_fails("zbad",
                   "blocks:\n"
                   "  s: {type: zmq_pull_source, params: {address: 'tcp://no-such-host-x:1',"
                   " bind: true, type: f32}}\n"
                   "  o: {type: null_sink, params: {type: f32}}\n"
                   "connections:\n  - [s.out, o.in]\n",
                   1, "cannot bind tcp://no-such-host-x:1: ");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zmq");
    TCase *tc = tcase_create("zmq");

    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_items_arrive_exact_and_the_end_of_stream_ends_the_receiver);
    tcase_add_test(tc, test_pub_sub_with_a_key_delivers_a_gapless_stream);
    tcase_add_test(tc, test_tags_and_absolute_timestamps_cross_exactly);
    tcase_add_test(tc, test_the_sink_writes_gnu_radios_tag_header_and_the_end);
    tcase_add_test(tc, test_sub_source_counts_the_items_a_publisher_dropped);
    tcase_add_test(tc, test_a_publishers_drops_are_all_counted);
    tcase_add_test(tc, test_a_push_waits_at_its_high_water_mark_and_loses_nothing);
    tcase_add_test(tc, test_a_peer_gone_without_end_is_reported_and_peer_lost_decides);
    tcase_add_test(tc, test_a_vanished_peer_is_found_by_the_heartbeats);
    tcase_add_test(tc, test_a_failed_sender_fails_the_receiver);
    tcase_add_test(tc, test_messages_of_the_wrong_form_fail_with_why);
    tcase_add_test(tc, test_messages_cross_both_ways_in_gnu_radios_form);
    tcase_add_test(tc, test_the_readme_example_sends_one_second_of_tone);
    tcase_add_test(tc, test_items_of_another_size_are_named_not_counted_lost);
    tcase_add_test(tc, test_bad_parameters_and_addresses_are_refused_with_why);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
