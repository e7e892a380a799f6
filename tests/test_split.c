/* test_split.c - graphs across hosts: mqgraph split's parts as exact text, the files
 * of split -o and the ones it refuses to replace, validate and dot of such a graph,
 * the --host errors, and both parts run at once over loopback (each host at
 * 127.0.0.1), their output exactly the whole graph's. tests/test_netns.sh runs
 * the parts in two network namespaces. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runutil.h"
#include "suite.h"

/* Two hosts, links both ways, a fan-out across (head.out to amp and also), a
 * vector link, depth and policy on a cut connection, a port named by number,
 * variables, expressions, a list, a restart, the arena and finish. */
static const char *radio =
    "name: radio\n"
    "variables: {rate: 48000, rx_addr: 10.0.0.1, out: \"o ut.f32\"}\n"
    "hosts: {rx: \"${rx_addr}\", dsp: dsp-box}\n"
    "link_port: 7000\n"
    "arena: {queue_depth: 128, heartbeat_ms: 50, pools: [{size: 4096, count: 64}, "
    "{size: 65536, count: 16}]}\n"
    "finish: all\n"
    "blocks:\n"
    "  src: {type: sig_source, params: {frequency: \"${rate}/4\", sample_rate: \"${rate}\", "
    "type: c32}, host: rx}\n"
    "  head: {type: head, params: {items: 1000}, host: rx}\n"
    "  amp:\n"
    "    type: multiply_const\n"
    "    params: {k: \"0.5+0.5j\"}\n"
    "    host: dsp\n"
    "    restart: {policy: on-failure, max_restarts: 5, backoff_ms: 200}\n"
    "  mag: {type: complex_to_mag, host: dsp}\n"
    "  out: {type: file_sink, params: {path: \"${out}\"}, host: dsp}\n"
    "  also: {type: null_sink, host: rx}\n"
    "  fir: {type: fir_filter, params: {taps: [1, 0.5, \"${rate}/96000\"]}, host: rx}\n"
    "  vec: {type: stream_to_vector, params: {num_items: 4}, host: rx}\n"
    "  unvec: {type: vector_to_stream, params: {num_items: 4}, host: dsp}\n"
    "  out2: {type: null_sink, host: dsp}\n"
    "connections:\n"
    "  - [src.out, head.in]\n"
    "  - {from: head.out, to: amp.in, depth: 16, policy: drop_oldest}\n"
    "  - [amp.out, mag.in]\n"
    "  - [mag.out, out.in]\n"
    "  - [head.out, also.in]\n"
    "  - [mag.0, fir.in]\n"
    "  - [fir.out, vec.in]\n"
    "  - {from: vec.out, to: unvec.in, depth: 8}\n"
    "  - [unvec.out, out2.in]\n";

static const char *part_rx =
    "# Made by mqgraph split from radio.yaml: the part of graph radio on host rx (10.0.0.1).\n"
    "# Its variables are substituted: their values at the split, --set included.\n"
    "# Its links to the other hosts' parts (zmq, doc/network.md):\n"
    "#   link 0 to dsp: head.out, c32, on tcp://dsp-box:7000\n"
    "#   link 1 from dsp: mag.0, f32, on tcp://10.0.0.1:7001\n"
    "#   link 2 to dsp: vec.out, f32 x 4, on tcp://dsp-box:7002\n"
    "name: \"radio@rx\"\n"
    "finish: all\n"
    "arena:\n"
    "  queue_depth: 128\n"
    "  heartbeat_ms: 50\n"
    "  pools:\n"
    "    - {size: 4096, count: 64}\n"
    "    - {size: 65536, count: 16}\n"
    "blocks:\n"
    "  src:\n"
    "    type: sig_source\n"
    "    params:\n"
    "      frequency: 12000\n"
    "      sample_rate: 48000\n"
    "      type: c32\n"
    "      items_per_buffer: 8192\n"
    "  head:\n"
    "    type: head\n"
    "    params:\n"
    "      items: 1000\n"
    "  also:\n"
    "    type: null_sink\n"
    "  fir:\n"
    "    type: fir_filter\n"
    "    params:\n"
    "      taps: [1, 0.5, 0.5]\n"
    "  vec:\n"
    "    type: stream_to_vector\n"
    "    params:\n"
    "      num_items: 4\n"
    "  link0_to_dsp:\n"
    "    type: zmq_push_sink\n"
    "    params: {type: c32, vlen: 1, address: \"tcp://dsp-box:7000\", bind: false, "
    "pass_tags: true}\n"
    "  link1_from_dsp:\n"
    "    type: zmq_pull_source\n"
    "    params: {type: f32, vlen: 1, address: \"tcp://10.0.0.1:7001\", bind: true, "
    "pass_tags: true}\n"
    "  link2_to_dsp:\n"
    "    type: zmq_push_sink\n"
    "    params: {type: f32, vlen: 4, address: \"tcp://dsp-box:7002\", bind: false, "
    "pass_tags: true}\n"
    "connections:\n"
    "  - [src.out, head.in]\n"
    "  - {from: head.out, to: link0_to_dsp.in, depth: 16, policy: drop_oldest}\n"
    "  - [head.out, also.in]\n"
    "  - [link1_from_dsp.out, fir.in]\n"
    "  - [fir.out, vec.in]\n"
    "  - {from: vec.out, to: link2_to_dsp.in, depth: 8}\n";

static const char *part_dsp =
    "# Made by mqgraph split from radio.yaml: the part of graph radio on host dsp (dsp-box).\n"
    "# Its variables are substituted: their values at the split, --set included.\n"
    "# Its links to the other hosts' parts (zmq, doc/network.md):\n"
    "#   link 0 from rx: head.out, c32, on tcp://dsp-box:7000\n"
    "#   link 1 to rx: mag.0, f32, on tcp://10.0.0.1:7001\n"
    "#   link 2 from rx: vec.out, f32 x 4, on tcp://dsp-box:7002\n"
    "name: \"radio@dsp\"\n"
    "finish: all\n"
    "arena:\n"
    "  queue_depth: 128\n"
    "  heartbeat_ms: 50\n"
    "  pools:\n"
    "    - {size: 4096, count: 64}\n"
    "    - {size: 65536, count: 16}\n"
    "blocks:\n"
    "  amp:\n"
    "    type: multiply_const\n"
    "    params:\n"
    "      k: 0.5+0.5j\n"
    "    restart: {policy: on-failure, max_restarts: 5, backoff_ms: 200, max_backoff_ms: 60000}\n"
    "  mag:\n"
    "    type: complex_to_mag\n"
    "  out:\n"
    "    type: file_sink\n"
    "    params:\n"
    "      path: \"o ut.f32\"\n"
    "  unvec:\n"
    "    type: vector_to_stream\n"
    "    params:\n"
    "      num_items: 4\n"
    "  out2:\n"
    "    type: null_sink\n"
    "  link0_from_rx:\n"
    "    type: zmq_pull_source\n"
    "    params: {type: c32, vlen: 1, address: \"tcp://dsp-box:7000\", bind: true, "
    "pass_tags: true}\n"
    "  link1_to_rx:\n"
    "    type: zmq_push_sink\n"
    "    params: {type: f32, vlen: 1, address: \"tcp://10.0.0.1:7001\", bind: false, "
    "pass_tags: true}\n"
    "  link2_from_rx:\n"
    "    type: zmq_pull_source\n"
    "    params: {type: f32, vlen: 4, address: \"tcp://dsp-box:7002\", bind: true, "
    "pass_tags: true}\n"
    "connections:\n"
    "  - {from: link0_from_rx.out, to: amp.in, depth: 16, policy: drop_oldest}\n"
    "  - [amp.out, mag.in]\n"
    "  - [mag.out, out.in]\n"
    "  - [mag.0, link1_to_rx.in]\n"
    "  - {from: link2_from_rx.out, to: unvec.in, depth: 8}\n"
    "  - [unvec.out, out2.in]\n";

static void expect_file(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_str_eq(got, want);
    free(got);
}

/* Whether text begins with prefix. */
static int starts(const char *text, const char *prefix)
{
    return !strncmp(text, prefix, strlen(prefix));
}

/* mqgraph ARGS exits `status` with stderr exactly `err`. */
static void expect_refusal(const char *const *args, int status, const char *err)
{
    ck_assert_int_eq(run(args), status);
    expect_file("err.txt", err);
}

START_TEST(test_split_prints_each_part_exactly)
{
    char want[8192];
    enter_tmpdir();
    write_file("radio.yaml", radio);
    const char *all[] = {"split", "radio.yaml", NULL};
    ck_assert_int_eq(run(all), 0);
    snprintf(want, sizeof want, "%s---\n%s", part_rx, part_dsp);
    expect_file("out.txt", want);
    expect_file("err.txt", "");
    const char *one[] = {"split", "radio.yaml", "--host", "dsp", NULL};
    ck_assert_int_eq(run(one), 0);
    expect_file("out.txt", part_dsp);
    /* a part is a graph file that validates as it is */
    write_file("rx.yaml", part_rx);
    const char *check[] = {"validate", "rx.yaml", NULL};
    ck_assert_int_eq(run(check), 0);
    expect_file("out.txt", "rx.yaml: ok (8 blocks, 6 connections)\n");
    /* --set reaches the parts like any value */
    const char *set[] = {"split", "radio.yaml", "--host", "rx", "--set", "rx_addr=10.9.9.9", NULL};
    ck_assert_int_eq(run(set), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "on host rx (10.9.9.9).\n"));
    ck_assert_ptr_nonnull(strstr(out, "address: \"tcp://10.9.9.9:7001\", bind: true"));
    free(out);
}
END_TEST

START_TEST(test_validate_and_dot_of_a_graph_across_hosts)
{
    enter_tmpdir();
    write_file("radio.yaml", radio);
    const char *v[] = {"validate", "radio.yaml", "--verbose", NULL};
    ck_assert_int_eq(run(v), 0);
    expect_file("out.txt",
                "radio.yaml: ok (10 blocks, 9 connections, 2 hosts, 3 links)\n"
                "  src.frequency = 12000 (from '${rate}/4')\n"
                "  head.type = c32 (from src.out)\n"
                "  amp.k = 0.5+0.5j (from '0.5+0.5j')\n"
                "  amp.type = c32 (from head.out)\n"
                "  also.type = c32 (from head.out)\n"
                "  src.items_per_buffer = 8192 (64 KiB of 8-byte items)\n"
                "  arena: 1.7 MiB (64 x 4 KiB, 16 x 64 KiB)\n"
                "  link 0 from rx to dsp: head.out, c32, on tcp://dsp-box:7000\n"
                "  link 1 from dsp to rx: mag.0, f32, on tcp://10.0.0.1:7001\n"
                "  link 2 from rx to dsp: vec.out, f32 x 4, on tcp://dsp-box:7002\n");
    const char *d[] = {"dot", "radio.yaml", NULL};
    ck_assert_int_eq(run(d), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_msg(strstr(out, "  subgraph \"cluster_rx\" {\n    label=\"rx (10.0.0.1)\";\n"
                              "    \"src\";\n    \"head\";\n    \"also\";\n    \"fir\";\n"
                              "    \"vec\";\n  }\n"), "dot: %s", out);
    ck_assert_msg(strstr(out, "  subgraph \"cluster_dsp\" {\n    label=\"dsp (dsp-box)\";\n"
                              "    \"amp\";\n    \"mag\";\n    \"out\";\n    \"unvec\";\n"
                              "    \"out2\";\n  }\n"), "dot: %s", out);
    free(out);
}
END_TEST

START_TEST(test_split_o_writes_files_and_replaces_only_its_own)
{
    enter_tmpdir();
    write_file("radio.yaml", radio);
    ck_assert_int_eq(mkdir("parts", 0755), 0);
    const char *args[] = {"split", "radio.yaml", "-o", "parts", NULL};
    for (int i = 0; i < 2; i++) { /* the second replaces what the first made */
        ck_assert_int_eq(run(args), 0);
        expect_file("out.txt", "parts/radio.rx.yaml: host rx\nparts/radio.dsp.yaml: host dsp\n");
        expect_file("parts/radio.rx.yaml", part_rx);
        expect_file("parts/radio.dsp.yaml", part_dsp);
    }
    /* a file split did not make is not replaced, and nothing is written */
    ck_assert_int_eq(unlink("parts/radio.rx.yaml"), 0);
    write_file("parts/radio.dsp.yaml", "# mine\nblocks: {}\n");
    expect_refusal(args, 1, "mqgraph: parts/radio.dsp.yaml: not a file mqgraph split made; "
                            "not replaced\n");
    expect_file("parts/radio.dsp.yaml", "# mine\nblocks: {}\n");
    ck_assert_int_ne(access("parts/radio.rx.yaml", F_OK), 0);
    /* nor is a symbolic link, even to a part */
    ck_assert_int_eq(unlink("parts/radio.dsp.yaml"), 0);
    write_file("elsewhere.yaml", part_dsp);
    ck_assert_int_eq(symlink("../elsewhere.yaml", "parts/radio.dsp.yaml"), 0);
    expect_refusal(args, 1, "mqgraph: parts/radio.dsp.yaml: not a regular file; not replaced\n");
    expect_file("elsewhere.yaml", part_dsp);
    /* --host writes one; no temporary file is left beside them */
    const char *one[] = {"split", "radio.yaml", "--host", "rx", "-o", "parts", NULL};
    ck_assert_int_eq(run(one), 0);
    expect_file("out.txt", "parts/radio.rx.yaml: host rx\n");
    DIR *d = opendir("parts");
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        ck_assert_msg(!strcmp(e->d_name, "radio.rx.yaml") || !strcmp(e->d_name, "radio.dsp.yaml"),
                      "left in parts: %s", e->d_name);
        n++;
    }
    closedir(d);
    ck_assert_int_eq(n, 2);
    const char *nodir[] = {"split", "radio.yaml", "-o", "nodir", NULL};
    expect_refusal(nodir, 1, "mqgraph: nodir: No such file or directory\n");
}
END_TEST

START_TEST(test_host_names_and_parts_that_cannot_be_made_are_refused)
{
    enter_tmpdir();
    write_file("radio.yaml", radio);
    const char *near[] = {"run", "radio.yaml", "--host", "dps", NULL};
    expect_refusal(near, 2, "radio.yaml: --host dps: the graph has no host 'dps' (did you mean "
                            "'dsp'?)\n");
    const char *far[] = {"split", "radio.yaml", "--host", "tx-box", NULL};
    expect_refusal(far, 2, "radio.yaml: --host tx-box: the graph has no host 'tx-box' (its "
                           "hosts: rx, dsp)\n");
    write_file("one.yaml", "blocks:\n  a: {type: null_source}\n  b: {type: null_sink}\n"
                           "connections:\n  - [a.out, b.in]\n");
    const char *none[] = {"run", "one.yaml", "--host", "rx", NULL};
    expect_refusal(none, 2, "one.yaml: --host rx: the graph names no hosts (it runs whole on "
                            "one machine)\n");
    const char *split[] = {"split", "one.yaml", NULL};
    expect_refusal(split, 2, "one.yaml: the graph names no hosts (hosts: {NAME: ADDRESS} at "
                             "the top, and host: NAME on every block), so it has no parts\n");
    /* a value a part cannot say: a variable's text that holds a '${' */
    write_file("dollar.yaml", "variables: {p: \"a${b}c\"}\n"
                              "hosts: {a: 127.0.0.1, b: 127.0.0.1}\n"
                              "blocks:\n"
                              "  s: {type: null_source, host: a}\n"
                              "  o: {type: file_sink, params: {path: \"${p}\"}, host: b}\n"
                              "connections:\n  - [s.out, o.in]\n");
    const char *dollar[] = {"split", "dollar.yaml", NULL};
    expect_refusal(dollar, 2, "dollar.yaml:5:39: block 'o': parameter 'path': its value "
                              "'a${b}c' has a '${' that its part would read as a variable\n");
    const char *vdollar[] = {"validate", "dollar.yaml", NULL};
    expect_refusal(vdollar, 2, "dollar.yaml:5:39: block 'o': parameter 'path': its value "
                               "'a${b}c' has a '${' that its part would read as a variable\n");
}
END_TEST

/* Both parts at once on this machine, each host at 127.0.0.1 (links on ports
 * from this test's pid, so the plain and sanitized suites do not meet): a's
 * source crosses to b, is doubled there and comes back to a, and b keeps a copy.
 * The files are the whole graph's, exactly, and both parts end by themselves. */
START_TEST(test_both_parts_over_loopback_give_the_whole_graphs_output)
{
    char port[32];
    enter_tmpdir();
    write_file("loop.yaml",
               "name: loop" SFX "\n"
               "variables: {port: 7000}\n"
               "hosts: {a: 127.0.0.1, b: 127.0.0.1}\n"
               "link_port: \"${port}\"\n"
               "blocks:\n"
               "  src: {type: vector_source, params: {values: [0.5, 1.5, -2, 3.25, 7, -0.125], "
               "items_per_buffer: 2}, host: a}\n"
               "  amp: {type: multiply_const, params: {k: 2}, host: b}\n"
               "  mid: {type: vector_sink, params: {path: mid.txt}, host: b}\n"
               "  back: {type: vector_sink, params: {path: back.txt}, host: a}\n"
               "connections:\n"
               "  - [src.out, amp.in]\n"
               "  - [src.out, mid.in]\n"
               "  - [amp.out, back.in]\n");
    snprintf(port, sizeof port, "port=%d", 20000 + (int)(getpid() % 20000) * 2);
    const char *whole[] = {"run", "loop.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(whole), 0);
    expect_file("mid.txt", "0.5\n1.5\n-2\n3.25\n7\n-0.125\n");
    expect_file("back.txt", "1\n3\n-4\n6.5\n14\n-0.25\n");
    ck_assert_int_eq(unlink("mid.txt") | unlink("back.txt"), 0);
    const char *a[] = {"run", "loop.yaml", "--host", "a", "--set", port, NULL};
    const char *b[] = {"run", "loop.yaml", "--host", "b", "--set", port, NULL};
    pid_t pb = start_to(b, "b.out", "b.err"), pa = start_to(a, "a.out", "a.err");
    int sa = finish(pa), sb = finish(pb);
    char *ea = read_file("a.err", NULL), *eb = read_file("b.err", NULL);
    ck_assert_msg(sa == 0 && sb == 0, "a: exit %d: %s\nb: exit %d: %s", sa, ea, sb, eb);
    free(ea);
    free(eb);
    expect_file("mid.txt", "0.5\n1.5\n-2\n3.25\n7\n-0.125\n");
    expect_file("back.txt", "1\n3\n-4\n6.5\n14\n-0.25\n");
    char *out = read_file("a.out", NULL);
    ck_assert_msg(strstr(out, "graph loop" SFX "@a: 4 blocks, 2 connections"), "a: %s", out);
    free(out);
    ck_assert_int_eq(shm_count("loop" SFX), 0);
}
END_TEST

START_TEST(test_help_names_split_and_host)
{
    enter_tmpdir();
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq(run(help), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "  run FILE [--set VAR=VALUE]... [--host NAME] [--quiet] "
                                      "[--stats FILE] [--workers N]\n"));
    ck_assert_ptr_nonnull(strstr(out, "  split FILE [--set VAR=VALUE]... [--host NAME] [-o DIR]\n"
                                      "                                            each host's "
                                      "part of a graph across hosts\n"));
    free(out);
    const char *split[] = {"split", "--help", NULL};
    ck_assert_int_eq(run(split), 0);
    out = read_file("out.txt", NULL);
    ck_assert_msg(starts(out, "usage: mqgraph split FILE [--set VAR=VALUE]... [--host NAME] "
                                "[-o DIR]\n"), "%s", out);
    free(out);
    const char *nohost[] = {"run", "g.yaml", "--host", NULL};
    ck_assert_int_eq(run(nohost), 2);
    out = read_file("err.txt", NULL);
    ck_assert_msg(starts(out, "mqgraph: --host needs a host name\n"), "%s", out);
    free(out);
    const char *nodir[] = {"split", "g.yaml", "-o", NULL};
    ck_assert_int_eq(run(nodir), 2);
    out = read_file("err.txt", NULL);
    ck_assert_msg(starts(out, "mqgraph: -o needs a directory\n"), "%s", out);
    free(out);
    const char *notvalidate[] = {"validate", "g.yaml", "--host", "rx", NULL};
    ck_assert_int_eq(run(notvalidate), 2);
    out = read_file("err.txt", NULL);
    ck_assert_msg(starts(out, "mqgraph: unexpected argument '--host'\n"), "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("split");
    TCase *tc = tcase_create("split");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_split_prints_each_part_exactly);
    tcase_add_test(tc, test_validate_and_dot_of_a_graph_across_hosts);
    tcase_add_test(tc, test_split_o_writes_files_and_replaces_only_its_own);
    tcase_add_test(tc, test_host_names_and_parts_that_cannot_be_made_are_refused);
    tcase_add_test(tc, test_both_parts_over_loopback_give_the_whole_graphs_output);
    tcase_add_test(tc, test_help_names_split_and_host);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
