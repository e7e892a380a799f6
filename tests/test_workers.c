/* test_workers.c - blocks that share a process (`process:` on blocks, sched.h):
 * exact outputs through one and two worker processes, a crash of one block that
 * restarts its whole process with the losses counted exactly, a failing block that
 * stops the graph, a throttle's sleep that does not hold up its process's other
 * blocks, and what the summary and status say about processes. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq.h"
#include "runutil.h"
#include "suite.h"

static int append_count(char *buf, size_t cap, int at, int n)
{
    for (int i = 0; i < n; i++)
        at += snprintf(buf + at, cap - (size_t)at, "%s%d", i ? ", " : "", i);
    return at;
}

/* vector_source (0..999, `per` items a buffer) -> K multiply_const(2) -> file_sink,
 * the blocks spread over `procs` worker processes (0: a process each). */
static void chain_yaml(char *yaml, size_t cap, const char *name, int k, int procs, int per)
{
    int n = snprintf(yaml, cap, "name: %s\nblocks:\n  src: {type: vector_source, params: {values: [",
                     name);
    n = append_count(yaml, cap, n, 1000);
    int blocks = k + 2, each = procs ? (blocks + procs - 1) / procs : 1;
    char proc[32] = "";
    if (procs)
        snprintf(proc, sizeof proc, ", process: p0");
    n += snprintf(yaml + n, cap - (size_t)n, "], items_per_buffer: %d}%s}\n", per, proc);
    for (int i = 0; i < k; i++) {
        if (procs)
            snprintf(proc, sizeof proc, ", process: p%d", (i + 1) / each);
        n += snprintf(yaml + n, cap - (size_t)n,
                      "  m%d: {type: multiply_const, params: {k: 2}%s}\n", i, proc);
    }
    if (procs)
        snprintf(proc, sizeof proc, ", process: p%d", (k + 1) / each);
    n += snprintf(yaml + n, cap - (size_t)n,
                  "  out: {type: file_sink, params: {path: out.f32}%s}\nconnections:\n"
                  "  - [src.out, m0.in]\n", proc);
    for (int i = 1; i < k; i++)
        n += snprintf(yaml + n, cap - (size_t)n, "  - [m%d.out, m%d.in]\n", i - 1, i);
    snprintf(yaml + n, cap - (size_t)n, "  - [m%d.out, out.in]\n", k - 1);
}

static void assert_doubled(int k)
{
    size_t len;
    float *x = (float *)read_file("out.f32", &len);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(len, 1000 * sizeof(float));
    for (int i = 0; i < 1000; i++)
        ck_assert_msg(x[i] == (float)i * (float)(1 << k), "item %d: %g", i, x[i]);
    free(x);
}

/* The same 16-stage chain in one process, in two and in a process a block gives
 * exactly the same items; in buffers of 7, so every work call of every block meets
 * a buffer boundary. */
START_TEST(test_a_chain_in_worker_processes_is_exact)
{
    static const int procs[] = {1, 2, 0, -1}; /* -1: as run places them by default */
    char yaml[16384], want[128];
    enter_tmpdir();
    chain_yaml(yaml, sizeof yaml, "wk" SFX, 16, procs[_i] > 0 ? procs[_i] : 0, 7);
    write_file("wk.yaml", yaml);
    const char *args[] = {"run", "wk.yaml", procs[_i] == 0 ? "--workers" : NULL, "0", NULL};
    ck_assert_int_eq(run(args), 0);
    assert_doubled(16);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph wk" SFX ": 18 blocks, 17 connections"));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (procs[_i] == 1) {
        ck_assert_msg(strstr(out, "\n1 process: p0 (18 blocks)\n"), "%s", out);
    } else if (procs[_i] == 2) {
        ck_assert_msg(strstr(out, "\n2 processes: p0 (9 blocks), p1 (9 blocks)\n"), "%s", out);
    } else if (procs[_i] == 0 || cpus >= 17) {
        ck_assert_msg(!strstr(out, "process"), "%s", out);
    } else { /* src and the 16 stages in one worker a CPU; out (file_sink) alone */
        int at = snprintf(want, sizeof want, "\n%ld processes: ", cpus);
        for (long w = 0; w < cpus; w++) {
            long n = (17 * (w + 1) + cpus - 1) / cpus - (17 * w + cpus - 1) / cpus;
            at += snprintf(want + at, sizeof want - (size_t)at, "%sw%ld (%ld block%s)",
                           w ? ", " : "", w + 1, n, n == 1 ? "" : "s");
        }
        snprintf(want + at, sizeof want - (size_t)at, "\n");
        ck_assert_msg(strstr(out, want), "want %s in %s", want, out);
    }
    free(out);
    ck_assert_int_eq(shm_count("wk" SFX), 0);
}
END_TEST

/* --workers cuts the blocks the file leaves alone into runs of the graph's order;
 * a zmq or python block would stay alone (placement.c), as the file_sink does:
 * the other 17 are placed. */
START_TEST(test_workers_places_a_chain_in_n_processes)
{
    char yaml[16384];
    enter_tmpdir();
    chain_yaml(yaml, sizeof yaml, "wn" SFX, 16, 0, 7);
    write_file("wn.yaml", yaml);
    const char *args[] = {"run", "wn.yaml", "--workers", "2", NULL};
    ck_assert_int_eq(run(args), 0);
    assert_doubled(16);
    char *out = read_file("out.txt", NULL);
    ck_assert_msg(strstr(out, "\n2 processes: w1 (9 blocks), w2 (8 blocks)\n"), "%s", out);
    free(out);
    const char *bad[] = {"run", "wn.yaml", "--workers", "-1", NULL};
    ck_assert_int_eq(run(bad), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "mqgraph: --workers wants a number of processes from 1 to 1018, "
                          "'auto', or 0 for a process per block; not '-1'\n");
    free(err);
    ck_assert_int_eq(shm_count("wn" SFX), 0);
}
END_TEST

/* One process for src, f and out; f crashes at item 500 holding the buffer of
 * 500..599. The process restarts as a whole: src and out from their checkpoints,
 * so out gets 0..999 but for that one buffer, which is the loss reported. */
START_TEST(test_a_crash_restarts_the_whole_process_and_counts_the_loss)
{
    static const char *kinds[] = {"abort", "error"}; /* not segv: ASan takes SIGSEGV */
    char yaml[16384];
    enter_tmpdir();
    int n = snprintf(yaml, sizeof yaml, "name: wc" SFX "\nblocks:\n  src: {type: vector_source, "
                                        "params: {values: [");
    n = append_count(yaml, sizeof yaml, n, 1000);
    snprintf(yaml + n, sizeof yaml - (size_t)n,
             "], items_per_buffer: 100}, process: w, restart: {policy: on-failure, backoff_ms: 10}}\n"
             "  f: {type: fault, params: {kind: %s, at: 500}, process: w, restart: {policy: "
             "on-failure, backoff_ms: 10}}\n"
             "  out: {type: vector_sink, params: {path: data.txt}, process: w, restart: {policy: "
             "on-failure, backoff_ms: 10}}\n"
             "connections:\n  - [src.out, f.in0]\n  - [f.out0, out.in]\n",
             kinds[_i]);
    write_file("wc.yaml", yaml);
    const char *args[] = {"run", "wc.yaml", NULL};
    ck_assert_int_eq(run(args), 3);
    char *err = read_file("err.txt", NULL);
    const char *says = _i == 0 ? "was killed by signal 6 (Aborted)"
                               : "failed with exit status 2";
    /* the block that ran when it died is named, with the process it shared */
    const char *p = strstr(err, "mqgraph: block 'f' (fault, pid ");
    ck_assert_msg(p && strstr(p, "; in process 'w' with src, out) ") && strstr(p, says) &&
                      strstr(p, "; restarting it in 10 ms (restart 1 of 3); "
                                                  "lost 1 buffer, 100 items on src.out -> f.in0\n"),
                  "stderr: %s", err);
    ck_assert_msg(strstr(err, "mqgraph: the graph completed with losses (1 buffer, 100 items): "
                              "exit status 3\n"), "stderr: %s", err);
    free(err);
    size_t got;
    double *v = read_numbers("data.txt", &got);
    ck_assert_uint_eq(got, 900);
    for (size_t i = 0; i < got; i++)
        ck_assert_double_eq(v[i], i < 500 ? (double)i : (double)i + 100);
    free(v);
    char *summary = read_file("out.txt", NULL);
    ck_assert_msg(strstr(summary, "done, 1 restart\n"), "summary: %s", summary);
    free(summary);
    ck_assert_int_eq(shm_count("wc" SFX), 0);
}
END_TEST

/* A block of a process that fails for good fails the graph, names itself, and its
 * process's other blocks end with it. */
START_TEST(test_a_failing_block_fails_the_graph_and_its_process_ends)
{
    enter_tmpdir();
    run_yaml_fails("wf" SFX,
                   "blocks:\n"
                   "  src: {type: null_source, process: w}\n"
                   "  f: {type: fault, params: {kind: error, at: 5000}, process: w}\n"
                   "  out: {type: null_sink, process: w}\n"
                   "connections:\n  - [src.out, f.in0]\n  - [f.out0, out.in]\n",
                   1, "mqgraph: block 'f' (fault): ");
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "mqgraph: process 'w' (blocks src, f, out; pid ") &&
                      strstr(err, ") failed with exit status 2\n"), "stderr: %s", err);
    free(err);
}
END_TEST

/* A throttle sleeping between its buffers gives its process to the others: the
 * source beside it keeps its queue full meanwhile, and the graph takes the
 * throttle's time, not more. */
START_TEST(test_a_throttle_in_a_process_paces_only_itself)
{
    enter_tmpdir();
    write_file("wt.yaml", "name: wt" SFX "\nblocks:\n"
                          "  src: {type: vector_source, params: {values: [1, 2, 3, 4], repeat: "
                          "true, items_per_buffer: 100}, process: w}\n"
                          "  head: {type: head, params: {items: 20000}, process: w}\n"
                          "  thr: {type: throttle, params: {rate: 100000}, process: w}\n"
                          "  out: {type: vector_sink, params: {path: data.txt}, process: w}\n"
                          "connections:\n  - [src.out, head.in]\n  - [head.out, thr.in]\n"
                          "  - [thr.out, out.in]\n");
    const char *args[] = {"run", "wt.yaml", NULL};
    int64_t t0 = mq_now_ns();
    ck_assert_int_eq(run(args), 0);
    double s = (double)(mq_now_ns() - t0) / 1e9;
    size_t got;
    double *v = read_numbers("data.txt", &got);
    ck_assert_uint_eq(got, 20000);
    for (size_t i = 0; i < got; i++)
        ck_assert_double_eq(v[i], (double)(i % 4 + 1));
    free(v);
    ck_assert_msg(s >= 0.19, "20000 items at 100000/s took %.3f s", s);
    ck_assert_int_eq(shm_count("wt" SFX), 0);
}
END_TEST

/* A clock source sleeping until its buffer's time (mq_block_sleep_until) gives
 * its process to the other: late's one buffer comes 0.6 s into the run, early's
 * three at once, and a hybrid sync_merger with a 100 ms timeout emits each of
 * early's without late's first (after 100, 200 and 300 ms), then late's alone. A
 * sleep of the whole process would hold early's second and third buffers back
 * behind late's, and the merger would never see them in time. */
START_TEST(test_a_sleeping_block_holds_up_no_other)
{
    enter_tmpdir();
    run_yaml_ok("wz", "blocks:\n"
                      "  early: {type: clock_source, params: {rate: 1000, items_per_buffer: 2,"
                      " buffers: 3}, process: w}\n"
                      "  late: {type: clock_source, params: {rate: 1000, items_per_buffer: 2,"
                      " buffers: 1, start_ns: 600000000, realtime: true}, process: w}\n"
                      "  s: {type: sync_merger, params: {mode: hybrid, timeout_ms: 100}}\n"
                      "  o: {type: vector_sink, params: {path: o.txt}}\n"
                      "connections:\n  - [early.out, s.in0]\n  - [late.out, s.in1]\n"
                      "  - [s.out, o.in]\n", 1);
    char *out = read_file("o.txt", NULL);
    ck_assert_str_eq(out, "0\n1\nnan\nnan\n2\n3\nnan\nnan\n4\n5\nnan\nnan\n"
                          "nan\nnan\n0\n1\n");
    free(out);
}
END_TEST

/* `mqgraph status` gives the blocks of one process one pid, and the others theirs. */
START_TEST(test_status_shows_one_pid_per_process)
{
    enter_tmpdir();
    setenv("XDG_RUNTIME_DIR", dir_now(), 1);
    write_file("ws.yaml", "name: ws" SFX "\nblocks:\n"
                          "  src: {type: null_source, process: w}\n"
                          "  mul: {type: multiply_const, params: {k: 2}, process: w}\n"
                          "  out: {type: null_sink}\n"
                          "connections:\n  - [src.out, mul.in]\n  - [mul.out, out.in]\n");
    const char *args[] = {"run", "ws.yaml", NULL};
    pid_t pid = start_to(args, "run.out", "run.err");
    ck_assert(wait_running("ws" SFX, 1));
    const char *st[] = {"status", "ws" SFX, "--json", NULL};
    char *doc = NULL;
    long p_src = 0, p_mul = 0, p_out = 0;
    for (int tries = 0; tries < 2000 && !(p_src && p_mul && p_out); tries++) {
        ck_assert_int_eq(run_to(st, "st.out", "st.err"), 0);
        free(doc);
        doc = read_file("st.out", NULL);
        const char *a = strstr(doc, "\"name\":\"src\""), *b = strstr(doc, "\"name\":\"mul\""),
                   *c = strstr(doc, "\"name\":\"out\"");
        if (!a || !b || !c)
            continue;
        p_src = strtol(strstr(a, "\"pid\":") + 6, NULL, 10);
        p_mul = strtol(strstr(b, "\"pid\":") + 6, NULL, 10);
        p_out = strtol(strstr(c, "\"pid\":") + 6, NULL, 10);
        /* the heartbeat of a block is its process's */
        ck_assert_ptr_null(strstr(b, "\"heartbeat_age_ms\":null"));
        if (!(p_src && p_mul && p_out))
            nanosleep(&(struct timespec){0, 1000000}, NULL); /* polling, with a deadline */
    }
    ck_assert_msg(p_src > 0 && p_src == p_mul && p_out > 0 && p_out != p_src, "%s", doc);
    free(doc);
    kill(pid, SIGINT);
    ck_assert_int_eq(finish(pid), 128 + SIGINT);
    ck_assert_int_eq(shm_count("ws" SFX), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workers");
    TCase *tc = tcase_create("workers");

    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_loop_test(tc, test_a_chain_in_worker_processes_is_exact, 0, 4);
    tcase_add_test(tc, test_workers_places_a_chain_in_n_processes);
    tcase_add_loop_test(tc, test_a_crash_restarts_the_whole_process_and_counts_the_loss, 0, 2);
    tcase_add_test(tc, test_a_failing_block_fails_the_graph_and_its_process_ends);
    tcase_add_test(tc, test_a_throttle_in_a_process_paces_only_itself);
    tcase_add_test(tc, test_status_shows_one_pid_per_process);
    tcase_add_test(tc, test_a_sleeping_block_holds_up_no_other);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
