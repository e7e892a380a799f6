/* test_tags.c - stream tags end to end: file_source's begin_tag seen by tag_debug
 * through chains, rate changes, fan-out, the three tag policies (the tagpass test
 * blocks) and a restart, each against the offsets written out here (GNU Radio
 * 3.10's where it has the case: noted at each). Every run also proves that the
 * tag lists came back: mqgraph fails a run whose pools are not full at its end. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* in.f32: the ten items 0..9, and in2.f32: 100..109. */
static void write_inputs(void)
{
    FILE *f = fopen("in.f32", "wb"), *g = fopen("in2.f32", "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(g);
    for (int i = 0; i < 10; i++) {
        float v = (float)i, w = (float)(100 + i);
        fwrite(&v, 4, 1, f);
        fwrite(&w, 4, 1, g);
    }
    fclose(f);
    fclose(g);
}

/* The graph runs clean and tag_debug's file `path` holds exactly `want`. */
static void tags_are(const char *yaml, const char *path, const char *want)
{
    run_yaml_ok("t", yaml, 1);
    char *got = read_file(path, NULL);
    ck_assert_msg(got && !strcmp(got, want), "%s:\n%s\nwanted:\n%s", path, got, want);
    free(got);
}

/* "input 0 offset N source "src" key "begin" value V" lines for the tags at
 * offsets[0..n) of repeats 0..n-1, into buf. */
static const char *begin_lines(char *buf, size_t cap, const char *prefix, const int *offsets,
                               int n)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(buf + at, cap - at,
                               "%sinput 0 offset %d source \"src\" key \"begin\" value %d\n",
                               prefix, offsets[i], i);
    return buf;
}

/* A source of in.f32, over and over, in buffers of `ipb`, with begin_tag, cut to
 * `items` by head h, and a tag_debug named d writing d.txt. */
#define SRC(ipb, items)                                                                    \
    "blocks:\n"                                                                            \
    "  src: {type: file_source, params: {path: in.f32, repeat: true, begin_tag: begin,"    \
    " items_per_buffer: " #ipb "}}\n"                                                      \
    "  h: {type: head, params: {items: " #items "}}\n"                                     \
    "  d: {type: tag_debug, params: {path: d.txt}}\n"

START_TEST(test_begin_tag_reaches_tag_debug_through_a_chain)
{
    char want[512];
    static const int at[] = {0, 10, 20};
    enter_tmpdir();
    write_inputs();
    /* once: one tag, on item 0, value 0 (GNU Radio: the repeat count) */
    tags_are("blocks:\n"
             "  src: {type: file_source, params: {path: in.f32, begin_tag: begin}}\n"
             "  m1: {type: multiply_const, params: {k: 2}}\n"
             "  m2: {type: multiply_const, params: {k: 3}}\n"
             "  m3: {type: multiply_const, params: {k: 4}}\n"
             "  d: {type: tag_debug, params: {name: chain, path: d.txt}}\n"
             "connections:\n  - [src.out, m1.in]\n  - [m1.out, m2.in]\n  - [m2.out, m3.in]\n"
             "  - [m3.out, d.in0]\n",
             "d.txt", "chain: input 0 offset 0 source \"src\" key \"begin\" value 0\n");
    remove("d.txt"); /* tag_debug appends */
    /* repeated, in buffers of 3 (the file's start falls inside a buffer): one tag
     * at the start of each repeat */
    tags_are(SRC(3, 30) "  m1: {type: multiply_const, params: {k: 2}}\n"
                        "  m2: {type: multiply_const, params: {k: 3}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, m1.in]\n"
                        "  - [m1.out, m2.in]\n  - [m2.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", at, 3));
}
END_TEST

/* No begin_tag, no tag: and tag_debug prints nothing. */
START_TEST(test_no_begin_tag_no_tags)
{
    enter_tmpdir();
    write_inputs();
    tags_are("blocks:\n"
             "  src: {type: file_source, params: {path: in.f32}}\n"
             "  d: {type: tag_debug, params: {path: d.txt}}\n"
             "connections:\n  - [src.out, d.in0]\n",
             "d.txt", "");
}
END_TEST

/* fir_filter with decimation 3: input item x's tag goes to output round(x / 3),
 * GNU Radio's values for this graph (file_source repeat, head 71, fir_filter_fff(3,
 * [1, 0.5]), tag_debug): 0 3 7 10 13 17 20; the tag on item 70 goes nowhere there
 * either (no output item after 69 is made). */
START_TEST(test_fir_decimation_scales_tag_offsets)
{
    char want[1024];
    static const int at[] = {0, 3, 7, 10, 13, 17, 20};
    enter_tmpdir();
    write_inputs();
    tags_are(SRC(7, 71) "  f: {type: fir_filter, params: {taps: [1, 0.5], decimation: 3}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, f.in]\n"
                        "  - [f.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", at, 7));
}
END_TEST

/* The same through a long filter, which fir_filter computes by fast convolution
 * in buffers of 16384 (231 taps of firdes.low_pass(1, 48000, 3000, 500)): the tags
 * go where the direct form's go, x -> round(x / 3) at decimation 3 and x -> x
 * without decimation, the 4000 of them. */
/* A tag every 10 items makes each buffer's tag list some 100 KiB, more than the
 * arena sized from the graph counts on (4 KiB lists; 2 spare 1 MiB buffers): with
 * two queued and f's own output needing a third, f would wait for ever (the
 * supervisor says so after 3 s). So this graph says its pools. */
START_TEST(test_fir_fast_convolution_moves_tags_as_the_direct_form)
{
    enum { ITEMS = 40000, TAGS = ITEMS / 10 };
    static int at[TAGS];
    static char want[TAGS * 64];
    enter_tmpdir();
    write_inputs();
    for (int dec = 1; dec <= 3; dec += 2) {
        char yaml[1024];
        for (int i = 0; i < TAGS; i++)
            at[i] = (10 * i + dec / 2) / dec; /* round(10 i / dec): never a half */
        snprintf(yaml, sizeof yaml,
                 "arena: {pools: [{size: 4096, count: 256}, {size: 65536, count: 128},"
                 " {size: 1048576, count: 64}]}\n"
                 SRC(16384, 40000) "  f: {type: fir_filter, params: {decimation: %d, taps:"
                                   " {low_pass: {gain: 1, sample_rate: 48000, cutoff: 3000,"
                                   " transition: 500}}}}\n"
                                   "connections:\n  - [src.out, h.in]\n  - [h.out, f.in]\n"
                                   "  - [f.out, d.in0]\n", dec);
        tags_are(yaml, "d.txt", begin_lines(want, sizeof want, "", at, TAGS));
        ck_assert_int_eq(unlink("d.txt"), 0);
    }
}
END_TEST

/* The DSP library's rate changers scale offsets by their rates: keep_one_in_n 5
 * and stream_to_vector 5 put the tags of items 0, 10, 20, 30 on outputs 0, 2, 4,
 * 6; vector_to_stream after stream_to_vector gives them back their own. */
START_TEST(test_rate_changers_of_the_library_scale_tag_offsets)
{
    char want[1024];
    static const int scaled[] = {0, 2, 4, 6}, own[] = {0, 10, 20, 30};
    enter_tmpdir();
    write_inputs();
    tags_are(SRC(7, 40) "  k: {type: keep_one_in_n, params: {n: 5}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, k.in]\n"
                        "  - [k.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", scaled, 4));
    /* tag_debug appends to its path: each graph gets an empty one */
    ck_assert_int_eq(unlink("d.txt"), 0);
    tags_are(SRC(7, 40) "  v: {type: stream_to_vector, params: {num_items: 5}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, v.in]\n"
                        "  - [v.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", scaled, 4));
    ck_assert_int_eq(unlink("d.txt"), 0);
    tags_are(SRC(7, 40) "  v: {type: stream_to_vector, params: {num_items: 5}}\n"
                        "  s: {type: vector_to_stream, params: {num_items: 5}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, v.in]\n"
                        "  - [v.out, s.in]\n  - [s.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", own, 4));
}
END_TEST

/* In buffers of 10 every tag is on a buffer's first item: the one on item 10 maps to
 * output 3, which came from the buffer before (x = 9) and has gone, so it goes on
 * output 4, the next one sent (GNU Radio, which adds tags to items already written,
 * says 3). 20 -> 7 and 30 -> 10 as there; 40 -> 14 (13.33, gone too). */
START_TEST(test_a_tag_whose_output_item_has_gone_goes_on_the_next)
{
    char want[1024];
    static const int at[] = {0, 4, 7, 10, 14};
    enter_tmpdir();
    write_inputs();
    tags_are(SRC(10, 45) "  f: {type: fir_filter, params: {taps: [1, 0.5], decimation: 3}}\n"
                         "connections:\n  - [src.out, h.in]\n  - [h.out, f.in]\n"
                         "  - [f.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", at, 5));
}
END_TEST

/* resampler 3/2: x -> round(1.5 x) (GNU Radio's rational_resampler_fff(3, 2) moves
 * tags at 1, 3, 5 to 2, 5, 8: the halves up); delay 5: x -> x + 5, the tag stays
 * with its item as GNU Radio's delay keeps it. */
START_TEST(test_resampler_and_delay_move_tags)
{
    char want[1024];
    static const int rs[] = {0, 15, 30, 45}, dl[] = {5, 15, 25, 35};
    enter_tmpdir();
    write_inputs();
    tags_are(SRC(4, 40) "  r: {type: resampler, params: {interpolation: 3, decimation: 2}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, r.in]\n"
                        "  - [r.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", rs, 4));
    remove("d.txt");
    tags_are(SRC(4, 40) "  dl: {type: delay, params: {items: 5}}\n"
                        "connections:\n  - [src.out, h.in]\n  - [h.out, dl.in]\n"
                        "  - [dl.out, d.in0]\n",
             "d.txt", begin_lines(want, sizeof want, "", dl, 4));
}
END_TEST

/* head passes the first N items and the tags on them: with N = 20 in buffers of 7,
 * the third buffer (14..20) is cut after item 19, and the tag on 20 is not passed
 * (GNU Radio's head(20) gives 0 and 10). */
START_TEST(test_head_passes_the_tags_of_the_items_it_passes)
{
    char want[512];
    static const int at[] = {0, 10};
    enter_tmpdir();
    write_inputs();
    tags_are(SRC(7, 20) "connections:\n  - [src.out, h.in]\n  - [h.out, d.in0]\n", "d.txt",
             begin_lines(want, sizeof want, "", at, 2));
}
END_TEST

/* One output to two tag_debugs and a multiply_const: the buffer is shared and so is
 * its tag list; multiply_const takes a copy to write in place (it is shared), and
 * the copy leaves with the tags again. */
START_TEST(test_fan_out_shares_the_tags)
{
    char want[256];
    static const int at[] = {0, 10, 20};
    enter_tmpdir();
    write_inputs();
    run_yaml_ok("t",
                "blocks:\n"
                "  src: {type: file_source, params: {path: in.f32, repeat: true, begin_tag: begin,"
                " items_per_buffer: 5}}\n"
                "  h: {type: head, params: {items: 30}}\n"
                "  a: {type: tag_debug, params: {name: a, path: d.txt}}\n"
                "  b: {type: tag_debug, params: {name: b, path: e.txt}}\n"
                "  m: {type: multiply_const, params: {k: -1}}\n"
                "  c: {type: tag_debug, params: {name: c, path: f.txt}}\n"
                "connections:\n  - [src.out, h.in]\n  - [h.out, a.in0]\n  - [h.out, b.in0]\n"
                "  - [h.out, m.in]\n  - [m.out, c.in0]\n",
                1);
    const char *file[] = {"d.txt", "e.txt", "f.txt"}, *name[] = {"a: ", "b: ", "c: "};
    for (int k = 0; k < 3; k++) {
        char *got = read_file(file[k], NULL);
        begin_lines(want, sizeof want, name[k], at, 3);
        ck_assert_msg(got && !strcmp(got, want), "%s: %s", file[k], got);
        free(got);
    }
}
END_TEST

/* key_filter keeps the tags with that key. */
START_TEST(test_tag_debug_key_filter)
{
    enter_tmpdir();
    write_inputs();
    tags_are("blocks:\n"
             "  s0: {type: file_source, params: {path: in.f32, begin_tag: a}}\n"
             "  s1: {type: file_source, params: {path: in2.f32, begin_tag: b}}\n"
             "  t: {type: tagpass_all, params: {ports: 2, mode: copy}}\n"
             "  d: {type: tag_debug, params: {inputs: 2, key_filter: b, path: d.txt}}\n"
             "connections:\n  - [s0.out, t.in0]\n  - [s1.out, t.in1]\n  - [t.out0, d.in0]\n"
             "  - [t.out1, d.in1]\n",
             "d.txt",
             "input 0 offset 0 source \"s1\" key \"b\" value 0\n"
             "input 1 offset 0 source \"s1\" key \"b\" value 0\n");
}
END_TEST

/* The policies, through tagpass_{all,one,dont} with two inputs (tags a on input 0,
 * b on input 1, at 0 and 10) and two outputs, each way of passing buffers on:
 * a buffer passed on whole takes its tags with it (all), or only to its own output
 * (one), or leaves them (dont); a buffer made from the inputs gets every input's
 * (all), its own input's (one) or none (dont). Lines sorted: the inputs take turns. */
START_TEST(test_tag_policies)
{
#define A0 "input 0 offset 0 source \"s0\" key \"a\" value 0\n" \
           "input 0 offset 10 source \"s0\" key \"a\" value 1\n"
#define B1 "input 1 offset 0 source \"s1\" key \"b\" value 0\n" \
           "input 1 offset 10 source \"s1\" key \"b\" value 1\n"
#define B0 "input 0 offset 0 source \"s1\" key \"b\" value 0\n" \
           "input 0 offset 10 source \"s1\" key \"b\" value 1\n"
#define A1 "input 1 offset 0 source \"s0\" key \"a\" value 0\n" \
           "input 1 offset 10 source \"s0\" key \"a\" value 1\n"
#define BOTH(i) "input " #i " offset 0 source \"s0\" key \"a\" value 0\n"  \
                "input " #i " offset 0 source \"s1\" key \"b\" value 0\n"  \
                "input " #i " offset 10 source \"s0\" key \"a\" value 1\n" \
                "input " #i " offset 10 source \"s1\" key \"b\" value 1\n"
    static const struct {
        const char *policy, *mode, *want;
    } cases[] = {
        {"all", "forward", A0 B1}, {"all", "copy", BOTH(0) BOTH(1)}, {"all", "cross", B0 A1},
        {"one", "forward", A0 B1}, {"one", "copy", A0 B1},           {"one", "cross", ""},
        {"dont", "forward", ""},   {"dont", "copy", ""},             {"dont", "cross", ""},
    };
    char yaml[2048];
    enter_tmpdir();
    write_inputs();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  s0: {type: file_source, params: {path: in.f32, repeat: true, begin_tag: a,"
                 " items_per_buffer: 5}}\n"
                 "  s1: {type: file_source, params: {path: in2.f32, repeat: true, begin_tag: b,"
                 " items_per_buffer: 5}}\n"
                 "  h0: {type: head, params: {items: 20}}\n"
                 "  h1: {type: head, params: {items: 20}}\n"
                 "  t: {type: tagpass_%s, params: {ports: 2, mode: %s}}\n"
                 "  d: {type: tag_debug, params: {inputs: 2, path: d.txt}}\n"
                 "connections:\n  - [s0.out, h0.in]\n  - [s1.out, h1.in]\n  - [h0.out, t.in0]\n"
                 "  - [h1.out, t.in1]\n  - [t.out0, d.in0]\n  - [t.out1, d.in1]\n",
                 cases[k].policy, cases[k].mode);
        write_file("d.txt", "");
        run_yaml_ok("t", yaml, 1);
        ck_assert_int_eq(system("sort d.txt > s.txt"), 0);
        char *got = read_file("s.txt", NULL);
        ck_assert_msg(got && !strcmp(got, cases[k].want), "%s %s:\n%s\nwanted:\n%s",
                      cases[k].policy, cases[k].mode, got, cases[k].want);
        free(got);
    }
}
END_TEST

/* tagpass (copy: the runtime maps the tags; add_every 7: its own tags on out0 at
 * 0, 7, 14, ..) exits holding the buffer of items 16..19 and is restarted: that
 * buffer is lost (4 items, as mqgraph says), the next one is its items 16.. (its
 * count went on from its last commit), and so are tag_debug's: the begin tags of
 * items 20 and 30 come out on 16 and 26, and its own tags go on at 21, 28, 35 in
 * step with the items (a count started over would put them at 16, 23, 30). */
START_TEST(test_tags_keep_their_offsets_across_a_restart)
{
    enter_tmpdir();
    write_inputs();
    int rc = run_yaml("t",
                      "blocks:\n"
                      "  src: {type: file_source, params: {path: in.f32, repeat: true,"
                      " begin_tag: begin, items_per_buffer: 4}}\n"
                      "  h: {type: head, params: {items: 40}}\n"
                      "  t: {type: tagpass_all, params: {mode: copy, add_every: 7, exit_at: 17},"
                      " restart: {policy: on-failure, backoff_ms: 1}}\n"
                      "  d: {type: tag_debug, params: {path: d.txt}}\n"
                      "connections:\n  - [src.out, h.in]\n  - [h.out, t.in0]\n"
                      "  - [t.out0, d.in0]\n",
                      1);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(rc == 3 && strstr(err, "failed with exit status 3; restarting it in 1 ms "
                                         "(restart 1 of 3); lost 1 buffer, 4 items on "
                                         "h.out -> t.in0\n"),
                  "exit %d: %s", rc, err);
    free(err);
    char *got = read_file("d.txt", NULL);
    const char *want = "input 0 offset 0 source false key \"every\" value {\"$uint64\":0}\n"
                       "input 0 offset 0 source \"src\" key \"begin\" value 0\n"
                       "input 0 offset 7 source false key \"every\" value {\"$uint64\":7}\n"
                       "input 0 offset 10 source \"src\" key \"begin\" value 1\n"
                       "input 0 offset 14 source false key \"every\" value {\"$uint64\":14}\n"
                       "input 0 offset 16 source \"src\" key \"begin\" value 2\n"
                       "input 0 offset 21 source false key \"every\" value {\"$uint64\":21}\n"
                       "input 0 offset 26 source \"src\" key \"begin\" value 3\n"
                       "input 0 offset 28 source false key \"every\" value {\"$uint64\":28}\n"
                       "input 0 offset 35 source false key \"every\" value {\"$uint64\":35}\n";
    ck_assert_msg(got && !strcmp(got, want), "%s", got);
    free(got);
    ck_assert_int_eq(shm_count("t" SFX), 0);
}
END_TEST

/* Waits until block b of graph `name` has moved `items` items, then kills it. The
 * polls have a deadline; what the kill loses, mqgraph reports. */
static void kill_block_after(const char *name, uint32_t b, uint64_t items)
{
    char found[300];
    mq_arena *a = NULL;
    mq_block_info bi = {0};
    mq_slot_info si = {0};

    for (int tries = 0; tries < 10000 && !a; tries++) {
        if (arena_name(name, found, sizeof found) && mq_arena_attach(found, &a) == 0)
            break;
        a = NULL;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    ck_assert_msg(a != NULL, "graph %s did not start", name);
    for (int tries = 0; tries < 20000; tries++) {
        if (mq_registry_block_info(a, b, &bi) == 0 && bi.items_out >= items &&
            mq_arena_slot_info(a, b, &si) == 0 && si.state == MQ_SLOT_ACTIVE && si.pid > 0)
            break;
        nanosleep(&(struct timespec){0, 500000}, NULL);
    }
    ck_assert_uint_ge(bi.items_out, items);
    ck_assert_int_eq(kill(si.pid, SIGKILL), 0);
    mq_arena_detach(a);
}

/* A file_source killed mid-stream goes on counting its repeats: in buffers of one
 * whole file, tag_debug's k-th tag is on its item 10 k, and the values go up by one,
 * but past a buffer the death lost (its tag with it: mqgraph counts it lost). A
 * count started over would start at 0 again. */
START_TEST(test_a_restarted_file_source_counts_its_repeats_on)
{
    enter_tmpdir();
    write_inputs();
    write_file("fr.yaml", "name: fr" SFX "\nblocks:\n"
                          "  src: {type: file_source, params: {path: in.f32, repeat: true,"
                          " begin_tag: begin, items_per_buffer: 10},"
                          " restart: {policy: on-failure, backoff_ms: 1}}\n"
                          "  h: {type: head, params: {items: 100000}}\n"
                          "  thr: {type: throttle, params: {rate: 1000000}}\n"
                          "  d: {type: tag_debug, params: {path: d.txt}}\n"
                          "connections:\n  - [src.out, h.in]\n  - [h.out, thr.in]\n"
                          "  - [thr.out, d.in0]\n");
    const char *args[] = {"run", "--quiet", "fr.yaml", NULL};
    pid_t pid = start(args);
    kill_block_after("fr" SFX, 0, 30000);
    int rc = finish(pid);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "restarting it in 1 ms (restart 1 of 3)"), "%s", err);
    int lost = strstr(err, "lost 1 buffer, 10 items on src.out -> h.in") != NULL;
    ck_assert_msg(rc == (lost ? 3 : 0), "exit %d: %s", rc, err);
    free(err);
    size_t n;
    char *got = read_file("d.txt", &n), *line = got;
    long k = 0, skipped = 0;
    while (line && *line) {
        long off, v;
        ck_assert_msg(sscanf(line, "input 0 offset %ld source \"src\" key \"begin\" value %ld",
                             &off, &v) == 2, "%s", line);
        ck_assert_int_eq(off, 10 * k);
        if (v == k + skipped + 1 && lost && !skipped)
            skipped = 1; /* the lost buffer's */
        ck_assert_msg(v == k + skipped, "tag %ld: value %ld (%ld lost)", k, v, skipped);
        k++;
        line = strchr(line, '\n') + 1;
    }
    ck_assert_int_eq(k, 10000); /* head passes 100000 items all the same */
    ck_assert_int_eq(skipped, lost);
    free(got);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tags");
    TCase *tc = tcase_create("tags");

    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_begin_tag_reaches_tag_debug_through_a_chain);
    tcase_add_test(tc, test_no_begin_tag_no_tags);
    tcase_add_test(tc, test_fir_decimation_scales_tag_offsets);
    tcase_add_test(tc, test_fir_fast_convolution_moves_tags_as_the_direct_form);
    tcase_add_test(tc, test_rate_changers_of_the_library_scale_tag_offsets);
    tcase_add_test(tc, test_a_tag_whose_output_item_has_gone_goes_on_the_next);
    tcase_add_test(tc, test_resampler_and_delay_move_tags);
    tcase_add_test(tc, test_head_passes_the_tags_of_the_items_it_passes);
    tcase_add_test(tc, test_fan_out_shares_the_tags);
    tcase_add_test(tc, test_tag_debug_key_filter);
    tcase_add_test(tc, test_tag_policies);
    tcase_add_test(tc, test_tags_keep_their_offsets_across_a_restart);
    tcase_add_test(tc, test_a_restarted_file_source_counts_its_repeats_on);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
