/* test_udp.c - udp_source and udp_sink over loopback (127.0.0.1, ports the kernel
 * picked free): one mq graph sending to another, items compared exactly and the
 * receiver ending by itself on the sender's empty packet; the packets udp_sink
 * writes read back byte for byte by a socket of the test; packets with sequence
 * numbers that skip sent by the test, so udp_source must count exactly the loss;
 * the source stopping at once with no sender; parameter errors word for word. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlutil.h"
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

/* A UDP socket of the test bound to 127.0.0.1 on a port the kernel picks; *port
 * says which. */
static int bound_socket(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port free now: bound by the kernel's choice and let go again. */
static int free_port(void)
{
    int port, fd = bound_socket(&port);
    close(fd);
    return port;
}

/* Whether some UDP socket is bound to `port` (/proc/net/udp's local_address). */
static int port_bound(int port)
{
    char want[16], line[512];
    int found = 0;
    FILE *f = fopen("/proc/net/udp", "r");

    ck_assert_ptr_nonnull(f);
    snprintf(want, sizeof want, ":%04X ", port);
    while (!found && fgets(line, sizeof line, f)) {
        char *local = strchr(line, ':'); /* after "sl:" */
        found = local && (local = strchr(local + 1, ':')) && !strncmp(local, want, 6);
    }
    fclose(f);
    return found;
}

static void wait_bound(int port)
{
    for (int i = 0; i < 5000 && !port_bound(port); i++)
        nap_ms(1);
    ck_assert_msg(port_bound(port), "nothing listens on udp port %d", port);
}

/* Starts graph `name` whose udp_source listens on `port`, and waits until it does. */
static pid_t start_receiver(const char *name, const char *body, int blocks, int port)
{
    pid_t pid = start_graph(name, body, blocks);
    wait_bound(port);
    return pid;
}

static void send_to(int fd, int port, const void *p, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

/* ---- a graph to a graph ------------------------------------------------------------- */

/* 23 items in buffers of 3 through packets of 5 items (the last one short), as f32
 * and as c32, with no header and with sequence numbers: the receiving graph gets
 * them all, exactly, and ends by itself on the empty packet. */
START_TEST(test_items_arrive_exact_and_the_empty_packet_ends_the_source)
{
    static const char *types[] = {"f32", "c32"};
    static const struct {
        const char *name;
        int size;
    } headers[] = {{"none", 0}, {"seqnum", 8}, {"seqplussize", 16}};

    for (int t = 0; t < 2; t++)
        for (int h = 0; h < 3; h++) {
            int c32 = t == 1, isz = c32 ? 8 : 4, n = c32 ? 46 : 23, port = free_port();
            int payload = headers[h].size + 5 * isz;
            char vals[2048], want[2048], rx[1024], tx[4096];
            size_t at = 0, wat = 0;
            own_ctldir();
            at += (size_t)snprintf(vals, sizeof vals, "[");
            for (int i = 0; i < n; i++)
                at += (size_t)snprintf(vals + at, sizeof vals - at, "%s%.9g", i ? ", " : "",
                                       i * 0.37 - 3.1);
            snprintf(vals + at, sizeof vals - at, "]");
            for (int i = 0; i < n; i++)
                wat += (size_t)snprintf(want + wat, sizeof want - wat, "%.9g%s",
                                        (double)(float)(i * 0.37 - 3.1),
                                        c32 && i % 2 == 0 ? " " : "\n");
            snprintf(rx, sizeof rx,
                     "blocks:\n"
                     "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: %s,"
                     " header: %s, payloadsize: %d}}\n"
                     "  o: {type: vector_sink, params: {path: o.txt, type: %s}}\n"
                     "connections:\n  - [s.out, o.in]\n",
                     port, types[t], headers[h].name, payload, types[t]);
            pid_t pid = start_receiver("udprx", rx, 2, port);
            snprintf(tx, sizeof tx,
                     "blocks:\n"
                     "  v: {type: vector_source, params: {values: %s, type: %s,"
                     " items_per_buffer: 3}}\n"
                     "  k: {type: udp_sink, params: {host: 127.0.0.1, port: %d, type: %s,"
                     " header: %s, payloadsize: %d}}\n"
                     "connections:\n  - [v.out, k.in]\n",
                     vals, types[t], port, types[t], headers[h].name, payload);
            run_yaml_ok("udptx", tx, 1);
            ck_assert_int_eq(finish(pid), 0); /* by itself: nobody stops it */
            file_is("o.txt", want);
        }
}
END_TEST

/* The same with vectors: c32 x 3 through stream_to_vector and back. */
START_TEST(test_vectors_of_vlen_items_arrive_exact)
{
    int port = free_port();
    char rx[1024], tx[1024];

    own_ctldir();
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: i16, vlen: 3,"
             " header: seqnum, payloadsize: 20}}\n"
             "  w: {type: vector_to_stream, params: {type: i16, num_items: 3}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: i16}}\n"
             "connections:\n  - [s.out, w.in]\n  - [w.out, o.in]\n",
             port);
    pid_t pid = start_receiver("udprx", rx, 3, port);
    snprintf(tx, sizeof tx,
             "blocks:\n"
             "  v: {type: vector_source, params: {values: [1, -2, 3, -4, 5, -6, 7, -8, 9, -10,"
             " 11, -12, 13, -14, 15], type: i16, items_per_buffer: 2}}\n"
             "  t: {type: stream_to_vector, params: {type: i16, num_items: 3}}\n"
             "  k: {type: udp_sink, params: {host: 127.0.0.1, port: %d, type: i16, vlen: 3,"
             " header: seqnum, payloadsize: 20}}\n"
             "connections:\n  - [v.out, t.in]\n  - [t.out, k.in]\n",
             port);
    run_yaml_ok("udptx", tx, 1);
    ck_assert_int_eq(finish(pid), 0);
    file_is("o.txt", "1\n-2\n3\n-4\n5\n-6\n7\n-8\n9\n-10\n11\n-12\n13\n-14\n15\n");
}
END_TEST

/* ---- what udp_sink writes ------------------------------------------------------------ */

/* Reads the next datagram waiting on fd (it must be there: the sender has ended). */
static ssize_t next_packet(int fd, unsigned char *buf, size_t cap)
{
    return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* 7 f32 in packets of 2 after the header: GNU Radio's layout, numbered from 1, the
 * last packet short, then three empty packets (send_eof); none without send_eof. */
START_TEST(test_sink_writes_gnu_radios_headers_and_three_empty_packets)
{
    static const struct {
        const char *name;
        size_t size;
    } headers[] = {{"none", 0}, {"seqnum", 8}, {"seqplussize", 16}};

    for (int h = 0; h < 3; h++)
        for (int eof = 0; eof < 2; eof++) {
            int port, fd = bound_socket(&port);
            size_t hsz = headers[h].size;
            int payload = (int)hsz + 8;
            char tx[1024];
            unsigned char pkt[256];
            enter_tmpdir();
            snprintf(tx, sizeof tx,
                     "blocks:\n"
                     "  v: {type: vector_source, params: {values: [1, 2, 3, 4, 5, 6, 7],"
                     " type: f32, items_per_buffer: 3}}\n"
                     "  k: {type: udp_sink, params: {host: 127.0.0.1, port: %d, type: f32,"
                     " header: %s, payloadsize: %d, send_eof: %s}}\n"
                     "connections:\n  - [v.out, k.in]\n",
                     port, headers[h].name, payload, eof ? "true" : "false");
            run_yaml_ok("udptx", tx, 1);
            for (int p = 0; p < 4; p++) {
                size_t items = p < 3 ? 2 : 1;
                ck_assert_int_eq(next_packet(fd, pkt, sizeof pkt), (ssize_t)(hsz + 4 * items));
                if (hsz) {
                    uint64_t seq;
                    memcpy(&seq, pkt, 8);
                    ck_assert_uint_eq(le64toh(seq), (uint64_t)p + 1);
                }
                if (hsz == 16) {
                    uint16_t len;
                    memcpy(&len, pkt + 8, 2);
                    ck_assert_int_eq(le16toh(len), payload);
                    for (int i = 10; i < 16; i++)
                        ck_assert_int_eq(pkt[i], 0);
                }
                for (size_t i = 0; i < items; i++) {
                    float f;
                    memcpy(&f, pkt + hsz + 4 * i, 4);
                    ck_assert_float_eq(f, (float)(2 * p + (int)i + 1));
                }
            }
            for (int e = 0; e < 3 * eof; e++)
                ck_assert_int_eq(next_packet(fd, pkt, sizeof pkt), 0);
            ck_assert_int_eq(next_packet(fd, pkt, sizeof pkt), -1); /* nothing more */
            close(fd);
        }
}
END_TEST

/* ---- lost packets ------------------------------------------------------------------- */

/* Sends packets numbered seqs[0..n) in header `h` (8: seqnum, 64: oldata), each
 * with the two f32 10 k + 1, 10 k + 2 for packet k, then an empty one. */
static void send_numbered(int port, size_t hsz, const uint64_t *seqs, int n)
{
    int me, fd = bound_socket(&me);
    unsigned char pkt[64 + 8];

    for (int k = 0; k < n; k++) {
        float v[2] = {10.0f * k + 1, 10.0f * k + 2};
        memset(pkt, 0xa5, hsz); /* the ATA fields other than seq are not looked at */
        if (hsz == 64) {
            uint32_t s = htole32((uint32_t)seqs[k]);
            memcpy(pkt + 20, &s, 4);
        } else {
            uint64_t s = htole64(seqs[k]);
            memcpy(pkt, &s, 8);
        }
        memcpy(pkt + hsz, v, sizeof v);
        send_to(fd, port, pkt, hsz + sizeof v);
    }
    send_to(fd, port, pkt, 0);
    close(fd);
}

/* Packets 0, 1, 3 (seqnum): 1 lost; 5, 6, 9, 10 (oldata): 2 lost; every item of the
 * packets that came is passed on. The count is posted on `stats` and printed. */
START_TEST(test_source_counts_and_reports_the_packets_lost)
{
    static const uint64_t seq_a[] = {0, 1, 3}, seq_b[] = {5, 6, 9, 10};
    static const struct {
        const char *header;
        size_t hsz;
        const uint64_t *seqs;
        int n;
        const char *want, *stats, *err;
    } cases[] = {
        {"seqnum", 8, seq_a, 3, "1\n2\n11\n12\n21\n22\n", "{\"lost_packets\":1}",
         "s: missed 1 packets (1 in all)\ns: lost 1 packets in all\n"},
        {"oldata", 64, seq_b, 4, "1\n2\n11\n12\n21\n22\n31\n32\n", "{\"lost_packets\":2}",
         "s: missed 2 packets (2 in all)\ns: lost 2 packets in all\n"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int port = free_port();
        char rx[1024];
        own_ctldir();
        snprintf(rx, sizeof rx,
                 "blocks:\n"
                 "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32,"
                 " header: %s, payloadsize: %zu, notify_missed: true}}\n"
                 "  o: {type: vector_sink, params: {path: o.txt, type: f32}}\n"
                 "  d: {type: message_debug, params: {path: stats.txt}}\n"
                 "connections:\n  - [s.out, o.in]\n  - [s.stats, d.print]\n",
                 port, cases[i].header, cases[i].hsz + 8);
        pid_t pid = start_receiver("udprx", rx, 3, port);
        send_numbered(port, cases[i].hsz, cases[i].seqs, cases[i].n);
        ck_assert_int_eq(finish(pid), 0);
        file_is("o.txt", cases[i].want);
        file_has("stats.txt", cases[i].stats);
        file_has("run.err", cases[i].err);
    }
}
END_TEST

/* No loss, no report: packets 7, 8, 9 from a sender that does not start at 1. */
START_TEST(test_source_reports_nothing_without_a_loss)
{
    static const uint64_t seqs[] = {7, 8, 9};
    int port = free_port();
    char rx[1024];

    own_ctldir();
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32,"
             " header: seqnum, payloadsize: 16, notify_missed: true}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: f32}}\n"
             "  d: {type: message_debug, params: {path: stats.txt}}\n"
             "connections:\n  - [s.out, o.in]\n  - [s.stats, d.print]\n",
             port);
    pid_t pid = start_receiver("udprx", rx, 3, port);
    send_numbered(port, 8, seqs, 3);
    ck_assert_int_eq(finish(pid), 0);
    file_is("o.txt", "1\n2\n11\n12\n21\n22\n");
    char *err = read_file("run.err", NULL), *stats = read_file("stats.txt", NULL);
    ck_assert_msg(!strstr(err, "lost") && !strstr(err, "missed"), "%s", err);
    ck_assert_msg(!stats || !*stats, "stats: %s", stats);
    free(err);
    free(stats);
}
END_TEST

/* ---- eof and source_zeros ------------------------------------------------------------ */

/* With eof false an empty packet is no end: the items after it come too, and the
 * graph runs until stopped; with source_zeros a source that hears nothing sends
 * zeros, a packet's worth at a time (head ends that graph). */
START_TEST(test_eof_false_passes_empty_packets_and_source_zeros_fills_silence)
{
    int port = free_port();
    char rx[1024];
    float a[2] = {1, 2}, b[2] = {3, 4};

    own_ctldir();
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32, eof: false}}\n"
             "  o: {type: vector_sink, params: {path: o.txt, type: f32}}\n"
             "connections:\n  - [s.out, o.in]\n",
             port);
    pid_t pid = start_receiver("udprx", rx, 2, port);
    int me, fd = bound_socket(&me);
    send_to(fd, port, a, sizeof a);
    send_to(fd, port, a, 0);
    send_to(fd, port, b, sizeof b);
    close(fd);
    wait_items_in("udprx" SFX, "o", 4);
    stop_graph("udprx" SFX, pid);
    file_is("o.txt", "1\n2\n3\n4\n");

    enter_tmpdir();
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32,"
             " payloadsize: 16, source_zeros: true}}\n"
             "  h: {type: head, params: {type: f32, items: 6}}\n"
             "  o: {type: vector_sink, params: {path: z.txt, type: f32, timestamps: true}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n",
             free_port());
    run_yaml_ok("udpzero", rx, 1);
    file_is("z.txt", "@ sample 0\n0\n0\n0\n0\n@ sample 4\n0\n0\n");
}
END_TEST

/* ---- stopping ------------------------------------------------------------------------- */

/* A source that hears nothing does not hold up `mqgraph stop` (stop_graph checks
 * the graph is gone when stop returns, and that the run exits 0). */
START_TEST(test_a_waiting_source_stops_with_the_graph)
{
    int port = free_port();
    char rx[1024];

    own_ctldir();
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32}}\n"
             "  o: {type: null_sink, params: {type: f32}}\n"
             "connections:\n  - [s.out, o.in]\n",
             port);
    pid_t pid = start_receiver("udprx", rx, 2, port);
    stop_graph("udprx" SFX, pid);
}
END_TEST

/* A head after a silent source: once the head has its items and finishes, the
 * source, which hears nothing more and so sends nothing, ends too (it asks the
 * queues while it waits) and the graph finishes by itself. */
START_TEST(test_a_silent_source_ends_when_its_head_has_finished)
{
    int port = free_port();
    char rx[1024];
    float x[20];

    own_ctldir();
    for (int i = 0; i < 20; i++)
        x[i] = (float)i;
    snprintf(rx, sizeof rx,
             "blocks:\n"
             "  s: {type: udp_source, params: {host: 127.0.0.1, port: %d, type: f32}}\n"
             "  h: {type: head, params: {items: 10}}\n"
             "  o: {type: vector_sink, params: {path: h.txt}}\n"
             "connections:\n  - [s.out, h.in]\n  - [h.out, o.in]\n",
             port);
    pid_t pid = start_receiver("udph", rx, 3, port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    send_to(fd, port, x, sizeof x);
    close(fd);
    ck_assert_int_eq(finish(pid), 0); /* no stop: it ends by itself */
    file_is("h.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
}
END_TEST

/* ---- parameters ----------------------------------------------------------------------- */

static void validate_says(const char *yaml, const char *want)
{
    write_file("v.yaml", yaml);
    const char *args[] = {"validate", "v.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    file_is("err.txt", want);
}

START_TEST(test_bad_parameters_are_refused_with_where)
{
    static const char *src = "blocks:\n  v: {type: vector_source, params: {values: [1]}}\n";
    static const struct {
        const char *block, *err;
    } cases[] = {
        {"  k: {type: udp_sink, params: {type: f32, header: oldata}}\n",
         "v.yaml:3:3: block 'k': header oldata is received only (GNU Radio's udp_sink "
         "cannot send it either)\n"},
        {"  k: {type: udp_sink, params: {type: f32, payloadsize: 7}}\n",
         "v.yaml:3:56: block 'k': parameter 'payloadsize': 7 is outside [8, 65507]\n"},
        {"  k: {type: udp_sink, params: {type: f32, port: 0}}\n",
         "v.yaml:3:49: block 'k': parameter 'port': 0 is outside [1, 65535]\n"},
        {"  k: {type: udp_sink, params: {type: f32, header: seqnum, payloadsize: 1470}}\n",
         "v.yaml:3:3: block 'k': payloadsize 1470 less the 8-byte seqnum header is not a "
         "whole number of 4-byte items (type f32, vlen 1)\n"},
        {"  k: {type: udp_sink, params: {type: f32, header: seqplussize, payloadsize: 16}}\n",
         "v.yaml:3:3: block 'k': payloadsize 16 less the 16-byte seqplussize header is not "
         "a whole number of 4-byte items (type f32, vlen 1)\n"},
        {"  k: {type: udp_sink, params: {type: f32, header: chdr}}\n",
         "v.yaml:3:51: block 'k': parameter 'header': 'chdr' is not one of "
         "none|seqnum|seqplussize|oldata\n"},
    };
    char yaml[1024];

    enter_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(yaml, sizeof yaml, "%s%sconnections:\n  - [v.out, k.in]\n", src, cases[i].block);
        validate_says(yaml, cases[i].err);
    }
    /* the source: its item size with vlen */
    validate_says("blocks:\n"
                  "  s: {type: udp_source, params: {type: c32, vlen: 3, payloadsize: 1472}}\n"
                  "  o: {type: null_sink, params: {type: c32, vlen: 3}}\n"
                  "connections:\n  - [s.out, o.in]\n",
                  "v.yaml:2:3: block 's': payloadsize 1472 less the 0-byte none header is not "
                  "a whole number of 24-byte items (type c32, vlen 3)\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("udp");
    TCase *tc = tcase_create("udp");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_items_arrive_exact_and_the_empty_packet_ends_the_source);
    tcase_add_test(tc, test_vectors_of_vlen_items_arrive_exact);
    tcase_add_test(tc, test_sink_writes_gnu_radios_headers_and_three_empty_packets);
    tcase_add_test(tc, test_source_counts_and_reports_the_packets_lost);
    tcase_add_test(tc, test_source_reports_nothing_without_a_loss);
    tcase_add_test(tc, test_eof_false_passes_empty_packets_and_source_zeros_fills_silence);
    tcase_add_test(tc, test_a_waiting_source_stops_with_the_graph);
    tcase_add_test(tc, test_a_silent_source_ends_when_its_head_has_finished);
    tcase_add_test(tc, test_bad_parameters_are_refused_with_where);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
