/* test_faults.c - blocks that crash, hang or fail (the `fault` test block): what the
 * supervisor says, restart policies, the output that survives, and nothing left
 * behind; mqgraph itself killed with SIGKILL. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mq.h"
#include "arena_internal.h" /* the header's creator_start, to forge it */
#include "mntns.h"
#include "runutil.h"
#include "suite.h"

/* Appends "0, 1, ..., n - 1" at buf + at (cap bytes in all); the new length. */
static int append_count(char *buf, size_t cap, int at, int n)
{
    for (int i = 0; i < n; i++)
        at += snprintf(buf + at, cap - (size_t)at, "%s%d", i ? ", " : "", i);
    return at;
}

/* vector_source 0..999 in buffers of 100 -> fault -> vector_sink, the fault block
 * configured by `fault` (its params) and `restart`. */
static int chain(const char *fault, const char *restart, const char *arena)
{
    static char yaml[16384];
    /* named apart from the c.yaml graphs of test_graphs, which may run beside it */
    int n = snprintf(yaml, sizeof yaml, "name: fchain\n%s\nblocks:\n  src: {type: vector_source, "
                     "params: {values: [", arena);
    n = append_count(yaml, sizeof yaml, n, 1000);
    snprintf(yaml + n, sizeof yaml - (size_t)n,
             "], items_per_buffer: 100}}\n"
             "  f: {type: fault, params: {%s}, restart: %s}\n"
             "  out: {type: vector_sink, params: {path: data.txt}}\n"
             "connections:\n  - [src.out, f.in0]\n  - [f.out0, out.in]\n",
             fault, restart);
    write_file("c.yaml", yaml);
    const char *args[] = {"run", "c.yaml", NULL};
    return run(args);
}

static char *err_text(void)
{
    return read_file("err.txt", NULL);
}

/* data.txt holds 0..999 without the 100 items (400 bytes) of the buffer at 500..599, which the
 * faulting process held when it died. */
static void assert_lost_one_buffer(void)
{
    size_t n;
    double *v = read_numbers("data.txt", &n);
    ck_assert_uint_eq(n, 900);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_eq(v[i], i < 500 ? (double)i : (double)i + 100);
    free(v);
}

#define LOST_ONE "; lost 1 buffer, 100 items on src.out -> f.in0\n"
#define LOST_SUM "mqgraph: blocks that died lost data:\nmqgraph:   src.out -> f.in0: 1 buffer, " \
                 "100 items\nmqgraph: the graph completed with losses (1 buffer, 100 items): " \
                 "exit status 3\n"

/* What each crash says, and the run's exit status: 3, completed with losses, when it
 * died holding the buffer. */
static const struct {
    const char *kind, *says;
    int rc;
} crashes[] = {
    {"segv", "was killed by signal 11 (Segmentation fault); restarting it in 10 ms "
             "(restart 1 of 3)" LOST_ONE LOST_SUM, 3},
    {"abort", "was killed by signal 6 (Aborted); restarting it in 10 ms (restart 1 of 3)" LOST_ONE
              LOST_SUM, 3},
    {"exit", "failed with exit status 3; restarting it in 10 ms (restart 1 of 3)" LOST_ONE LOST_SUM,
     3},
    /* an error keeps what the block held for the reclaimer, as a crash does */
    {"error", "failed with exit status 2; restarting it in 10 ms (restart 1 of 3)" LOST_ONE
              LOST_SUM, 3},
};

START_TEST(test_crash_is_restarted_on_failure)
{
    char params[64];
    enter_tmpdir();
    snprintf(params, sizeof params, "kind: %s, at: 500", crashes[_i].kind);
    ck_assert_int_eq(chain(params, "{policy: on-failure, backoff_ms: 10}", ""), crashes[_i].rc);
    char *err = err_text();
    ck_assert_msg(strstr(err, "mqgraph: block 'f' (fault, pid ") && strstr(err, crashes[_i].says),
                  "stderr: %s", err);
    free(err);
    if (strcmp(crashes[_i].kind, "error") == 0) {
        /* ERROR: the buffer it failed on is the one lost */
        size_t n;
        double *v = read_numbers("data.txt", &n);
        ck_assert_uint_eq(n, 900);
        free(v);
    } else {
        assert_lost_one_buffer();
    }
    char *summary = read_file("out.txt", NULL); /* mqgraph's stdout */
    ck_assert_msg(strstr(summary, "done, 1 restart\n"), "summary: %s", summary);
    free(summary);
    ck_assert_int_eq(shm_count("fchain"), 0);
}
END_TEST

START_TEST(test_hung_block_is_killed_and_restarted)
{
    static const char *hangs[] = {"hang", "spin", "stop"};
    char params[64];
    enter_tmpdir();
    snprintf(params, sizeof params, "kind: %s, at: 500", hangs[_i]);
    ck_assert_int_eq(chain(params, "{policy: on-failure, backoff_ms: 10}",
                           "arena: {heartbeat_ms: 20, heartbeat_timeout_ms: 200}"),
                     3);
    char *err = err_text();
    ck_assert_msg(strstr(err, "mqgraph: block 'f' (fault, pid ") &&
                      strstr(err, "killing it as hung\n") &&
                      strstr(err, "was killed by signal 9 (Killed); restarting it in 10 ms "
                                  "(restart 1 of 3)" LOST_ONE LOST_SUM),
                  "stderr: %s", err);
    free(err);
    assert_lost_one_buffer();
    ck_assert_int_eq(shm_count("fchain"), 0);
}
END_TEST

/* Once block `b` of running graph `name` has taken `items` items, SIGKILLs it; its pid. */
static pid_t kill_block_after(const char *name, uint32_t b, uint64_t items)
{
    char found[300];
    mq_arena *a = NULL;
    for (int tries = 0; tries < 10000 && !a; tries++) {
        if (arena_name(name, found, sizeof found) && mq_arena_attach(found, &a) == 0)
            break;
        a = NULL;
        nanosleep(&(struct timespec){0, 1000000}, NULL); /* polling, with a deadline */
    }
    ck_assert_msg(a != NULL, "graph %s did not start", name);
    mq_block_info bi;
    mq_slot_info si;
    for (int tries = 0; tries < 20000; tries++) {
        if (mq_registry_block_info(a, b, &bi) == 0 && bi.items_in + bi.items_out >= items &&
            mq_arena_slot_info(a, b, &si) == 0 && si.state == MQ_SLOT_ACTIVE && si.pid > 0)
            break;
        nanosleep(&(struct timespec){0, 500000}, NULL);
    }
    ck_assert_uint_ge(bi.items_in + bi.items_out, items);
    pid_t pid = si.pid;
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    mq_arena_detach(a);
    return pid;
}

/* The items lost on connection `conn` ("a.out -> b.in"), from mqgraph's report on
 * stderr, and whether it made one. */
static uint64_t lost_on(const char *err, const char *conn)
{
    char key[128];
    snprintf(key, sizeof key, "mqgraph:   %s: ", conn);
    const char *p = strstr(err, key);
    unsigned long long bufs = 0, items = 0;
    if (p) {
        const char *q = strstr(p, ", ");
        ck_assert(sscanf(p + strlen(key), "%llu", &bufs) == 1 && bufs > 0 && q &&
                  sscanf(q + 2, "%llu items", &items) == 1);
    }
    return items;
}

/* A restarted block keeps its place (issue 15): with each block killed mid-stream in
 * turn, vector_source (repeating 0..1023) -> head (N) -> throttle -> file_sink gives
 * exactly N items less what mqgraph reports lost after head's count, in whole runs
 * of 0..1023 (nothing twice, nothing cut), exit 3 when it lost any, 0 when not, and
 * no part file. Before checkpoints: head passed N again, the sink started a new part
 * file, the source started over. */
START_TEST(test_a_restart_keeps_its_place)
{
    static const char *victims[] = {"src", "head", "thr", "out"};
    const uint64_t n = 1024 * 200;
    char yaml[8192];
    int k = snprintf(yaml, sizeof yaml, "name: rk\nblocks:\n  src: {type: vector_source, params: "
                                        "{repeat: true, items_per_buffer: 1024, values: [");
    k = append_count(yaml, sizeof yaml, k, 1024);
    snprintf(yaml + k, sizeof yaml - (size_t)k,
             "]}, restart: {policy: on-failure, backoff_ms: 1}}\n"
             "  head: {type: head, params: {items: %llu}, restart: {policy: on-failure, backoff_ms: 1}}\n"
             "  thr: {type: throttle, params: {rate: 1000000}, restart: {policy: on-failure, backoff_ms: 1}}\n"
             "  out: {type: file_sink, params: {path: out.f32}, restart: {policy: on-failure, backoff_ms: 1}}\n"
             "connections:\n  - [src.out, head.in]\n  - [head.out, thr.in]\n  - [thr.out, out.in]\n",
             (unsigned long long)n);
    enter_tmpdir();
    write_file("rk.yaml", yaml);
    const char *args[] = {"run", "rk.yaml", NULL};
    pid_t pid = start(args);
    kill_block_after("rk", (uint32_t)_i, n / 4);
    int rc = finish(pid);
    char *err = err_text();
    uint64_t lost = lost_on(err, "head.out -> thr.in") + lost_on(err, "thr.out -> out.in");
    int any = strstr(err, "blocks that died lost data") != NULL;
    ck_assert_msg(rc == (any ? 3 : 0), "%s killed: exit %d: %s", victims[_i], rc, err);
    ck_assert_msg(strstr(err, "restarting it in 1 ms (restart 1 of 3)"), "%s", err);
    /* the summary's connection table says it too, in its last column */
    char *summary = read_file("out.txt", NULL), col[64];
    uint64_t at_thr = lost_on(err, "head.out -> thr.in");
    snprintf(col, sizeof col, "  block        %llu%s\n", (unsigned long long)at_thr,
             at_thr ? " (1 buffer)" : "");
    const char *row = strstr(summary, "\nhead.out -> thr.in ");
    ck_assert_msg(row && strstr(row, col) == strchr(row + 1, '\n') - strlen(col) + 1, "%s", summary);
    free(summary);
    size_t len;
    char *data = read_file("out.f32", &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_msg(len / 4 == n - lost, "%s killed: %zu items, N %llu, lost %llu: %s", victims[_i],
                  len / 4, (unsigned long long)n, (unsigned long long)lost, err);
    for (size_t i = 0; i < len / 4; i++) {
        float v;
        memcpy(&v, data + 4 * i, 4);
        ck_assert_msg(v == (float)(i % 1024), "item %zu is %g", i, v);
    }
    free(data);
    free(err);
    ck_assert_int_eq(system("test -z \"$(ls | grep part)\""), 0); /* no part file left */
    ck_assert_int_eq(shm_count("rk"), 0);
}
END_TEST

/* A file_source killed mid-file goes on from its last buffer: out = M - every loss,
 * in order, nothing twice. */
START_TEST(test_a_restarted_file_source_reads_on)
{
    const uint32_t m = 200000;
    enter_tmpdir();
    FILE *f = fopen("in.f32", "wb");
    for (uint32_t i = 0; i < m; i++) {
        float v = (float)i;
        fwrite(&v, 4, 1, f);
    }
    fclose(f);
    write_file("fs.yaml", "name: fsr\nblocks:\n"
                          "  src: {type: file_source, params: {path: in.f32, items_per_buffer: 1000},"
                          " restart: {policy: on-failure, backoff_ms: 1}}\n"
                          "  thr: {type: throttle, params: {rate: 1000000}}\n"
                          "  out: {type: file_sink, params: {path: out.f32}}\n"
                          "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n");
    const char *args[] = {"run", "fs.yaml", NULL};
    pid_t pid = start(args);
    kill_block_after("fsr", 0, m / 3);
    int rc = finish(pid);
    char *err = err_text();
    uint64_t lost = lost_on(err, "src.out -> thr.in");
    ck_assert_msg(rc == (lost ? 3 : 0), "exit %d: %s", rc, err);
    size_t len;
    char *data = read_file("out.f32", &len);
    ck_assert_msg(len / 4 == m - lost, "%zu items, M %u, lost %llu: %s", len / 4, m,
                  (unsigned long long)lost, err);
    float prev = -1;
    for (size_t i = 0; i < len / 4; i++) {
        float v;
        memcpy(&v, data + 4 * i, 4);
        ck_assert_msg(v > prev, "item %zu is %g after %g", i, v, prev);
        prev = v;
    }
    free(data);
    free(err);
}
END_TEST

/* vector_sink killed mid-stream goes on in the same part file: its lines are the
 * 200,000 items less what mqgraph reports lost, in order. Before, the next life
 * started the file over and the run exited 0. */
START_TEST(test_a_restarted_vector_sink_writes_on)
{
    enter_tmpdir();
    write_file("vs.yaml", "name: vsr\nblocks:\n"
                          "  src: {type: clock_source, params: {rate: 1000000, items_per_buffer: 100,"
                          " buffers: 2000}}\n"
                          "  thr: {type: throttle, params: {rate: 400000}}\n"
                          "  out: {type: vector_sink, params: {path: out.txt},"
                          " restart: {policy: on-failure, backoff_ms: 1}}\n"
                          "connections:\n  - [src.out, thr.in]\n  - [thr.out, out.in]\n");
    const char *args[] = {"run", "vs.yaml", NULL};
    pid_t pid = start(args);
    kill_block_after("vsr", 2, 50000);
    int rc = finish(pid);
    char *err = err_text();
    uint64_t lost = lost_on(err, "thr.out -> out.in");
    ck_assert_msg(rc == (lost ? 3 : 0), "exit %d: %s", rc, err);
    size_t n;
    double *v = read_numbers("out.txt", &n);
    ck_assert_msg(n == 200000 - lost, "%zu lines, lost %llu: %s", n, (unsigned long long)lost, err);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(v[i] > v[i - 1], "line %zu: %g after %g", i, v[i], v[i - 1]);
    free(v);
    free(err);
    ck_assert_int_eq(system("ls | grep -q part"), 256);
}
END_TEST

START_TEST(test_never_restart_fails_the_graph)
{
    enter_tmpdir();
    ck_assert_int_eq(chain("kind: segv, at: 500", "never", ""), 1);
    char *err = err_text();
    ck_assert_msg(strstr(err, "' (fault, pid ") &&
                      strstr(err, ") was killed by signal 11 (Segmentation fault)\n"),
                  "stderr: %s", err);
    free(err);
    ck_assert_int_ne(access("data.txt", F_OK), 0); /* the sink discarded its part */
    ck_assert_int_eq(shm_count("fchain"), 0);
}
END_TEST

START_TEST(test_restarts_run_out)
{
    enter_tmpdir();
    ck_assert_int_eq(chain("kind: exit, at: 100, times: 10",
                           "{policy: on-failure, max_restarts: 2, backoff_ms: 5}", ""),
                     1);
    char *err = err_text();
    ck_assert_msg(strstr(err, "restarting it in 5 ms (restart 1 of 2)") &&
                      strstr(err, "restarting it in 10 ms (restart 2 of 2)") &&
                      strstr(err, "failed with exit status 3 (after 2 restarts)\n"),
                  "stderr: %s", err);
    free(err);
    ck_assert_int_ne(access("data.txt", F_OK), 0);
    ck_assert_int_eq(shm_count("fchain"), 0);
}
END_TEST

START_TEST(test_leaked_reference_comes_back)
{
    enter_tmpdir();
    /* the block keeps a buffer reference forever; leaving its slot returns it, and
     * mqgraph's end-of-run check (every pool full) passes */
    ck_assert_int_eq(chain("kind: leak, at: 500", "never", ""), 0);
    size_t n;
    double *v = read_numbers("data.txt", &n);
    ck_assert_uint_eq(n, 1000);
    free(v);
}
END_TEST

START_TEST(test_always_restarts_a_finished_source)
{
    enter_tmpdir();
    write_file("c.yaml", "blocks:\n"
                         "  src: {type: vector_source, params: {values: [1, 2, 3]},"
                         " restart: {policy: always, max_restarts: 2, backoff_ms: 1}}\n"
                         "  out: {type: vector_sink, params: {path: data.txt}}\n"
                         "connections:\n  - [src.out, out.in]\n");
    const char *args[] = {"run", "c.yaml", NULL};
    ck_assert_int_eq(run(args), 0);
    char *out = read_file("data.txt", NULL);
    ck_assert_str_eq(out, "1\n2\n3\n1\n2\n3\n1\n2\n3\n"); /* played 1 + 2 times */
    free(out);
    char *summary = read_file("out.txt", NULL);
    ck_assert_msg(strstr(summary, "done, 2 restarts\n"), "summary: %s", summary);
    free(summary);
}
END_TEST

/* Whether pid is gone (or a zombie nobody reaps, in a container without init). */
static int gone(pid_t pid)
{
    char path[64], st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    int rc = fscanf(f, "%*d (%*[^)]) %c", &st);
    fclose(f);
    return rc == 1 && (st == 'Z' || st == 'X');
}

/* A /dev/shm of this test's own, so that it sees only the arenas it makes and no sweep
 * elsewhere on the machine takes them, and a directory of control sockets of its own.
 * 0 if the test is skipped (no mount namespace). */
static int own_shm(void)
{
    if (!private_tmpfs("/dev/shm", 256u << 20))
        return 0;
    setenv("XDG_RUNTIME_DIR", dir_now(), 1);
    return 1;
}

START_TEST(test_sigkill_of_mqgraph_leaves_nothing)
{
    pid_t kids[3];
    char shm[300] = "";
    enter_tmpdir();
    if (!own_shm())
        return;
    pid_t pid = start_endless("k");
    ck_assert_int_eq(arena_name("k", shm, sizeof shm), 1);
    mq_arena *a;
    ck_assert_int_eq(mq_arena_attach(shm, &a), 0);
    for (int i = 0; i < 3; i++) {
        mq_slot_info si;
        ck_assert_int_eq(mq_arena_slot_info(a, (uint32_t)i, &si), 0);
        kids[i] = si.pid;
    }
    mq_arena_detach(a);
    kill(pid, SIGKILL);
    ck_assert_int_eq(finish(pid), 128 + SIGKILL);
    /* PR_SET_PDEATHSIG: every block goes at once; allow a second */
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 3; i++) {
        while (!gone(kids[i])) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            ck_assert_msg((now.tv_sec - t0.tv_sec) * 1000000000L + now.tv_nsec - t0.tv_nsec <
                              1000000000L,
                          "block process %d outlived mqgraph by a second", (int)kids[i]);
            sched_yield();
        }
    }
    ck_assert_int_eq(shm_count("k"), 1); /* SIGKILL: no chance to clean up */
    /* the next run of the graph removes it */
    write_file("n.yaml", "name: k\nblocks:\n  s: {type: vector_source, params: {values: [1]}}\n"
                         "  o: {type: null_sink}\nconnections:\n  - [s.out, o.in]\n");
    const char *next[] = {"run", "n.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(next), 0);
    char *err = err_text(), want[400];
    snprintf(want, sizeof want,
             "mqgraph: removed the arena %s left by graph 'k' (pid %d, no longer running)\n", shm,
             (int)pid);
    ck_assert_msg(strstr(err, want), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count("k"), 0);
}
END_TEST

/* ---- what runs that died leave in /dev/shm ----------------------------------------------
 * Each test here has a /dev/shm of its own (own_shm). */

/* `name`, null_source -> null_sink until stopped, in a small arena, written to `file`. */
static void write_endless(const char *file, const char *name)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "name: %s\narena: {pools: [{size: 4096, count: 64}]}\n"
             "blocks:\n  src: {type: null_source}\n  out: {type: null_sink}\n"
             "connections:\n  - [src.out, out.in]\n",
             name);
    write_file(file, yaml);
}

/* `name`, one item through and done, written to `file`. */
static void write_short(const char *file, const char *name)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "name: %s\narena: {pools: [{size: 4096, count: 64}]}\n"
             "blocks:\n  src: {type: vector_source, params: {values: [1]}}\n"
             "  out: {type: null_sink}\nconnections:\n  - [src.out, out.in]\n",
             name);
    write_file(file, yaml);
}

/* Waits (bounded) until mqgraph `pid` has made its arena (/dev/shm/mq.*.PID.*) and its
 * first `blocks` blocks run in it; 1 and its shm name in shm if they did. */
static int wait_up(pid_t pid, int blocks, char *shm, size_t len)
{
    char mid[32];
    struct timespec t0, now;
    snprintf(mid, sizeof mid, ".%d.", (int)pid);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        DIR *d = opendir("/dev/shm");
        struct dirent *e;
        int up = 0;
        while (d && !up && (e = readdir(d))) {
            mq_arena *a;
            if (strncmp(e->d_name, "mq.", 3) || !strstr(e->d_name, mid))
                continue;
            snprintf(shm, len, "/%s", e->d_name);
            if (mq_arena_attach(shm, &a) < 0)
                continue; /* still being made */
            for (int i = 0; i < blocks; i++) {
                mq_slot_info si;
                /* the pid is stored last when a slot is claimed */
                up += mq_arena_slot_info(a, (uint32_t)i, &si) == 0 &&
                      si.state == MQ_SLOT_ACTIVE && si.pid > 0;
            }
            mq_arena_detach(a);
            up = up == blocks;
        }
        if (d)
            closedir(d);
        if (up)
            return 1;
        sched_yield(); /* polling a condition, with a deadline */
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - t0.tv_sec < 20);
    return 0;
}

static int shm_exists(const char *shm)
{
    char path[320];
    snprintf(path, sizeof path, "/dev/shm%s", shm);
    return access(path, F_OK) == 0;
}

/* Runs graph file `file` (`blocks` blocks) until it is up and kills its mqgraph with
 * SIGKILL: its arena is left (shm name into shm), and nothing of the run is left
 * running: its blocks, which die with it (PR_SET_PDEATHSIG), are this process's once
 * mqgraph is gone (PR_SET_CHILD_SUBREAPER) and are reaped. Returns mqgraph's pid. */
static pid_t leave_arena(const char *file, int blocks, char *shm, size_t len)
{
    const char *args[] = {"run", file, NULL};
    pid_t kids[8];
    mq_arena *a;
    ck_assert_int_le(blocks, 8);
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    pid_t pid = start_to(args, "left.out", "left.err");
    ck_assert_msg(wait_up(pid, blocks, shm, len), "%s did not start", file);
    ck_assert_int_eq(mq_arena_attach(shm, &a), 0);
    for (int i = 0; i < blocks; i++) {
        mq_slot_info si;
        ck_assert_int_eq(mq_arena_slot_info(a, (uint32_t)i, &si), 0);
        kids[i] = si.pid;
        ck_assert_int_gt(kids[i], 0);
    }
    mq_arena_detach(a);
    kill(pid, SIGKILL);
    ck_assert_int_eq(finish(pid), 128 + SIGKILL);
    for (int i = 0; i < blocks; i++)
        ck_assert_int_eq(waitpid(kids[i], NULL, 0), kids[i]);
    ck_assert(shm_exists(shm));
    return pid;
}

static int count_removed(const char *err)
{
    int n = 0;
    for (const char *p = err; (p = strstr(p, "removed the arena")); p++)
        n++;
    return n;
}

/* `fk.cc` and `fk cc` both make /dev/shm/mq.fk_cc.PID.RANDOM. A run of either took the
 * other's leftover for one of its own by that name alone ("left by a run that died").
 * Now a leftover is judged by its own header and named by the graph recorded there,
 * exactly, whichever graph's run removes it; and the other graph's arena, in use, is not
 * touched. */
START_TEST(test_leftover_is_named_by_its_exact_graph)
{
    static const char *const names[] = {"fk.cc", "fk cc"};
    char left[300], live[300], want[512];
    enter_tmpdir();
    if (!own_shm())
        return;
    write_endless("dot.yaml", names[0]);
    write_endless("space.yaml", names[1]);
    write_short("dot-short.yaml", names[0]);
    write_short("space-short.yaml", names[1]);
    for (int i = 0; i < 2; i++) {
        /* names[i]'s run is killed while names[!i]'s runs on; then names[!i] runs again */
        const char *mine = i ? "space.yaml" : "dot.yaml", *other = i ? "dot.yaml" : "space.yaml";
        const char *shorter = i ? "dot-short.yaml" : "space-short.yaml";
        const char *args[] = {"run", other, NULL};
        pid_t running = start_to(args, "live.out", "live.err");
        ck_assert(wait_up(running, 2, live, sizeof live));
        pid_t dead = leave_arena(mine, 2, left, sizeof left);
        ck_assert_int_eq(strncmp(left, live, strlen("/mq.fk_cc.")), 0);
        const char *run_other[] = {"run", shorter, "--quiet", NULL};
        ck_assert_int_eq(run(run_other), 0);
        char *err = err_text();
        snprintf(want, sizeof want,
                 "mqgraph: removed the arena %s left by graph '%s' (pid %d, no longer running)\n",
                 left, names[i], (int)dead);
        ck_assert_msg(strstr(err, want) && count_removed(err) == 1, "stderr: %s", err);
        free(err);
        ck_assert(!shm_exists(left));
        ck_assert(shm_exists(live));
        kill(running, SIGTERM);
        ck_assert_int_eq(finish(running), 128 + SIGTERM);
        ck_assert(!shm_exists(live));
    }
}
END_TEST

/* An arena left by a SIGKILLed mqgraph of graph `alpha` stayed until alpha ran again:
 * forever, for a graph never run again. `mqgraph list` (0) and a run of another graph
 * (1) remove it, and say so on stderr; list's table on stdout stays as it was. */
START_TEST(test_dead_supervisors_arena_is_removed_by_list_or_any_run)
{
    char left[300], want[512];
    enter_tmpdir();
    if (!own_shm())
        return;
    write_endless("a.yaml", "alpha");
    pid_t dead = leave_arena("a.yaml", 2, left, sizeof left);
    if (_i == 0) {
        const char *ls[] = {"list", NULL};
        ck_assert_int_eq(run(ls), 0);
        char *out = read_file("out.txt", NULL);
        ck_assert_msg(!strchr(out, '\n') || !strchr(strchr(out, '\n') + 1, '\n'),
                      "stdout: %s", out); /* the table's heading, and no graph */
        ck_assert_msg(!strstr(out, "alpha") && !strstr(out, "removed"), "stdout: %s", out);
        free(out);
    } else {
        write_short("b.yaml", "beta");
        const char *args[] = {"run", "b.yaml", "--quiet", NULL};
        ck_assert_int_eq(run(args), 0);
    }
    char *err = err_text();
    snprintf(want, sizeof want,
             "mqgraph: removed the arena %s left by graph 'alpha' (pid %d, no longer running)\n",
             left, (int)dead);
    ck_assert_msg(strstr(err, want) && count_removed(err) == 1, "stderr: %s", err);
    free(err);
    ck_assert(!shm_exists(left));
}
END_TEST

static void small_layout(mq_layout *l)
{
    memset(l, 0, sizeof *l);
    l->n_pools = 1;
    l->pools[0] = (mq_pool_class){4096, 16};
    l->n_slots = 4;
    l->n_blocks = 4;
    l->n_conns = 4;
    l->queue_cap = 16;
    l->held_cap = 16;
}

/* The header's creator start time, read or written in the object itself. */
static uint64_t creator_start(const char *shm, const uint64_t *set)
{
    char path[320];
    uint64_t v = 0;
    snprintf(path, sizeof path, "/dev/shm%s", shm);
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    off_t at = (off_t)offsetof(struct mq__hdr, creator_start);
    if (set)
        ck_assert_int_eq(pwrite(fd, set, sizeof *set, at), (ssize_t)sizeof *set);
    ck_assert_int_eq(pread(fd, &v, sizeof v, at), (ssize_t)sizeof v);
    close(fd);
    return v;
}

/* Two arenas made by this (live) test process; in one, the start time of its creator is
 * made another's, as if the creator had died and its pid been given to a process that
 * started later. list removes that one, saying why, and keeps the other; so does a run. */
START_TEST(test_arena_whose_pid_is_another_process_is_removed)
{
    mq_layout l;
    mq_arena *mine, *forged;
    char want[512];
    enter_tmpdir();
    if (!own_shm())
        return;
    small_layout(&l);
    ck_assert_int_eq(mq_arena_create(&l, "mine", &mine), 0);
    ck_assert_int_eq(mq_arena_create(&l, "forged", &forged), 0);
    uint64_t start = creator_start(mq_arena_shm_name(mine), NULL);
    ck_assert_uint_ne(start, 0);
    ck_assert_uint_eq(creator_start(mq_arena_shm_name(forged), NULL), start);
    uint64_t later = start + 1;
    creator_start(mq_arena_shm_name(forged), &later);
    const char *ls[] = {"list", NULL};
    ck_assert_int_eq(run(ls), 0);
    char *err = err_text();
    snprintf(want, sizeof want,
             "mqgraph: removed the arena %s left by graph 'forged' (pid %d, its pid now "
             "another process's)\n",
             mq_arena_shm_name(forged), (int)getpid());
    ck_assert_msg(strstr(err, want) && count_removed(err) == 1, "stderr: %s", err);
    free(err);
    ck_assert(!shm_exists(mq_arena_shm_name(forged)));
    ck_assert(shm_exists(mq_arena_shm_name(mine)));
    write_short("s.yaml", "s");
    const char *args[] = {"run", "s.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 0);
    err = err_text();
    ck_assert_msg(count_removed(err) == 0, "stderr: %s", err);
    free(err);
    ck_assert(shm_exists(mq_arena_shm_name(mine)));
    mq_arena_detach(forged);
    ck_assert_int_eq(mq_arena_destroy(mine), 0);
}
END_TEST

/* A pid that no longer exists: a child's, reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(finish(pid), 0);
    return pid;
}

static void write_bytes(const char *path, const void *head, size_t head_len, size_t len)
{
    unsigned char buf[4096];
    uint32_t x = 2463534242u;
    ck_assert_uint_le(len, sizeof buf);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32: noise, the same every run */
        buf[i] = (unsigned char)x;
    }
    memcpy(buf, head, head_len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* Files named like arenas that are not whole arenas, all of them named as graph `junk`'s
 * with a dead pid but the first: noise (which a run of junk removed, trusting the name),
 * empty (an arena just opened), a magic and noise, a FIFO (which must not block the
 * sweep), a directory, and an arena a dead process made, cut to half its size. list and a
 * run of junk leave every one alone, and neither crashes nor hangs. */
START_TEST(test_what_is_not_a_whole_arena_is_left_alone)
{
    char path[320], cut[300] = "";
    uint64_t magic = 0x414e455241514d31ULL;
    mq_layout l;
    enter_tmpdir();
    if (!own_shm())
        return;
    int dead = (int)dead_pid();
    write_bytes("/dev/shm/mq.junk.1.0", NULL, 0, 4096);
    snprintf(path, sizeof path, "/dev/shm/mq.junk.%d.0123456789abcdef", dead);
    write_bytes(path, NULL, 0, 4096);
    snprintf(path, sizeof path, "/dev/shm/mq.junk.%d.00000000000000e0", dead);
    write_bytes(path, NULL, 0, 0);
    snprintf(path, sizeof path, "/dev/shm/mq.junk.%d.000000000000ea61", dead);
    write_bytes(path, &magic, sizeof magic, 4096);
    snprintf(path, sizeof path, "/dev/shm/mq.junk.%d.000000000000f1f0", dead);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "/dev/shm/mq.junk.%d.000000000000d1d0", dead);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    small_layout(&l);
    pid_t maker = fork();
    if (maker < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (maker == 0) {
        mq_arena *a;
        _exit(mq_arena_create(&l, "junk", &a) == 0 ? 0 : 1); /* and leave it */
    }
    ck_assert_int_eq(finish(maker), 0);
    snprintf(path, sizeof path, "mq.junk.%d.", (int)maker);
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, path, strlen(path)))
            snprintf(cut, sizeof cut, "/dev/shm/%s", e->d_name);
    closedir(d);
    uint64_t size;
    ck_assert_int_eq(mq_layout_size(&l, &size), 0);
    ck_assert_int_eq(truncate(cut, (off_t)(size / 2)), 0);
    ck_assert_int_eq(system("ls -A /dev/shm > before.txt"), 0);
    write_short("junk.yaml", "junk");
    const char *ls[] = {"list", NULL}, *args[] = {"run", "junk.yaml", "--quiet", NULL};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(run(i ? args : ls), 0);
        char *err = err_text();
        ck_assert_msg(count_removed(err) == 0, "stderr: %s", err);
        free(err);
        ck_assert_int_eq(system("ls -A /dev/shm | cmp -s - before.txt"), 0);
    }
}
END_TEST

/* ---- the fault matrix -----------------------------------------------------------------
 * Every fault kind at every position of a 4-block chain (source, two filters, sink)
 * and of a fan-out graph (source, one branch's filter, one branch's sink), under
 * restart never and on-failure, at a point drawn from the trial's seed. Trials per
 * combination: MQ_FAULT_TRIALS (default 2; the closing figures used 20). */

static const char *matrix_kinds[] = {"segv", "abort", "exit", "error", "hang", "stop", "leak"};
enum { N_KINDS = 7, N_POS = 7, N_POLICIES = 2 };

static void fault_params(char *out, size_t len, const char *role, int faulty, const char *kind,
                         int seed)
{
    if (faulty)
        snprintf(out, len, "{%skind: %s, at: -1, seed: %d}", role, kind, seed);
    else
        snprintf(out, len, "{%skind: none}", role);
}

/* Writes m.yaml with the fault at position pos (0-3 chain, 4-6 fan-out). Returns the
 * faulty block's name. */
static const char *matrix_graph(int pos, const char *kind, int on_failure, int seed)
{
    static const char *chain_names[] = {"p0", "p1", "p2", "p3"};
    static const char *fan_names[] = {"s", "a", "x"};
    const char *restart = on_failure ? "{policy: on-failure, backoff_ms: 5}" : "never";
    char yaml[4096], p[4][128];
    int n = snprintf(yaml, sizeof yaml, "name: m\narena: {heartbeat_ms: 20, heartbeat_timeout_ms: 400}\n"
                                        "blocks:\n");
    if (pos < 4) {
        const char *roles[] = {"inputs: 0, ", "", "", "outputs: 0, "};
        for (int i = 0; i < 4; i++) {
            fault_params(p[i], sizeof p[i], roles[i], i == pos, kind, seed);
            n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  p%d: {type: fault, params: %s%s%s}\n",
                          i, p[i], i == pos ? ", restart: " : "", i == pos ? restart : "");
        }
        snprintf(yaml + n, sizeof yaml - (size_t)n,
                 "connections:\n  - [p0.0, p1.0]\n  - [p1.0, p2.0]\n  - [p2.0, p3.0]\n");
    } else {
        const char *roles[] = {"inputs: 0, ", "", "outputs: 0, "};
        int f = pos - 4;
        for (int i = 0; i < 3; i++)
            fault_params(p[i], sizeof p[i], roles[i], i == f, kind, seed);
        snprintf(yaml + n, sizeof yaml - (size_t)n,
                 "  s: {type: fault, params: %s%s%s}\n"
                 "  split: {type: splitter, params: {outputs: 2}}\n"
                 "  a: {type: fault, params: %s%s%s}\n"
                 "  b: {type: fault, params: {kind: none}}\n"
                 "  x: {type: fault, params: %s%s%s}\n"
                 "  y: {type: fault, params: {outputs: 0, kind: none}}\n"
                 "connections:\n  - [s.0, split.in]\n  - [split.out0, a.0]\n"
                 "  - [split.out1, b.0]\n  - [a.0, x.0]\n  - [b.0, y.0]\n",
                 p[0], f == 0 ? ", restart: " : "", f == 0 ? restart : "",
                 p[1], f == 1 ? ", restart: " : "", f == 1 ? restart : "",
                 p[2], f == 2 ? ", restart: " : "", f == 2 ? restart : "");
        write_file("m.yaml", yaml);
        return fan_names[f];
    }
    write_file("m.yaml", yaml);
    return chain_names[pos];
}

/* Processes still running in this test's directory (block processes inherit it). */
static int orphans(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    char link[300], cwd[512];
    int n = 0;

    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(link, sizeof link, "/proc/%s/cwd", e->d_name);
        ssize_t len = readlink(link, cwd, sizeof cwd - 1);
        if (len > 0 && (size_t)len == strlen(dir_now()) && !strncmp(cwd, dir_now(), (size_t)len) &&
            atoi(e->d_name) != getpid() && !gone(atoi(e->d_name)))
            n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_fault_matrix)
{
    int kind = _i % N_KINDS, pos = _i / N_KINDS % N_POS, on_failure = _i / N_KINDS / N_POS;
    const char *k = matrix_kinds[kind];
    int trials = getenv("MQ_FAULT_TRIALS") ? atoi(getenv("MQ_FAULT_TRIALS")) : 2;
    int hang = !strcmp(k, "hang") || !strcmp(k, "stop");

    enter_tmpdir();
    for (int t = 0; t < trials; t++) {
        const char *victim = matrix_graph(pos, k, on_failure, t + 1);
        const char *args[] = {"run", "m.yaml", NULL};
        int rc = run(args);
        char *err = read_file("err.txt", NULL), says[300];
        if (!strcmp(k, "leak")) {
            ck_assert_msg(rc == 0, "%s at %s, trial %d: exit %d: %s", k, victim, t, rc, err);
        } else if (on_failure) {
            snprintf(says, sizeof says, "mqgraph: block '%s' (fault, pid ", victim);
            /* 3 when the dead block held data, and then it says what it lost */
            ck_assert_msg((rc == 0 || rc == 3) && (rc == 3) == !!strstr(err, "; lost ") &&
                              (rc == 3) == !!strstr(err, "completed with losses") &&
                              strstr(err, says) && strstr(err, "; restarting it in 5 ms"),
                          "%s at %s, trial %d: exit %d: %s", k, victim, t, rc, err);
        } else {
            /* alone, or in a worker process (mqgraph run's default) that names the
             * block that died ("(fault, pid N; in process ..."), or that the block
             * named itself in when it failed ("(fault): ...") */
            snprintf(says, sizeof says, "mqgraph: block '%s' (fault", victim);
            ck_assert_msg(rc == 1 && strstr(err, says), "%s at %s, trial %d: exit %d: %s", k,
                          victim, t, rc, err);
        }
        if (hang)
            ck_assert_msg(strstr(err, "killing it as hung"), "%s: %s", k, err);
        /* mqgraph checked the pools itself: a leak would have failed the run */
        ck_assert_ptr_null(strstr(err, "did not come back"));
        free(err);
        ck_assert_int_eq(shm_count("m"), 0);
        ck_assert_int_eq(orphans(), 0);
    }
}
END_TEST

/* A block writes random bytes over the arena (after its first KiB, or all of it,
 * header included): mqgraph must neither crash nor hang, must report the
 * corruption, fail the run, and leave nothing behind. */
START_TEST(test_scribbled_arena_is_reported)
{
    char yaml[1024];
    enter_tmpdir();
    snprintf(yaml, sizeof yaml,
             "name: m\narena: {heartbeat_ms: 20, heartbeat_timeout_ms: 400}\n"
             "blocks:\n"
             "  src: {type: fault, params: {inputs: 0, kind: none, items: 100000}}\n"
             "  f: {type: fault, params: {kind: scribble, at: %d, scribble_from: %d}}\n"
             "  m: {type: multiply_const, params: {k: 2}}\n"
             "  out: {type: null_sink}\n"
             "connections:\n  - [src.0, f.0]\n  - [f.0, m.in]\n  - [m.out, out.in]\n",
             100 + 700 * _i, _i % 2 ? 0 : 1024);
    write_file("m.yaml", yaml);
    const char *args[] = {"run", "m.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 1);
    char *err = err_text();
    ck_assert_msg(strstr(err, "corrupt"), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count("m"), 0);
    ck_assert_int_eq(orphans(), 0);
}
END_TEST

/* ---- signals at start-up, few descriptors ---------------------------------------------- */

static void own_group(void)
{
    setpgid(0, 0);
}

/* Waits (bounded) until process pid has made graph `name`'s arena (/mq.NAME.PID.*:
 * not a leftover of an earlier run); 1 if it did. */
static int wait_arena(const char *name, pid_t pid)
{
    char prefix[128];
    struct timespec t0, now;
    int found = 0;
    snprintf(prefix, sizeof prefix, "mq.%s.%d.", name, (int)pid);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        DIR *d = opendir("/dev/shm");
        struct dirent *e;
        while (d && !found && (e = readdir(d)))
            found = !strncmp(e->d_name, prefix, strlen(prefix));
        if (d)
            closedir(d);
        sched_yield(); /* polling a condition, with a deadline */
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (!found && now.tv_sec - t0.tv_sec < 20);
    return found;
}

static int count_of(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* One Ctrl-C to the process group of a 63-block graph while it is still forking
 * (the signal goes the moment the arena exists): one graceful stop, exit 130, no
 * block killed, the sink's output kept under its name. */
START_TEST(test_one_sigint_during_startup_is_one_graceful_stop)
{
    char yaml[8192];
    int n = snprintf(yaml, sizeof yaml, "name: su\nblocks:\n  src: {type: null_source}\n");
    for (int i = 0; i < 61; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  m%d: {type: multiply_const, params: {k: 2}}\n", i);
    n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                  "  out: {type: file_sink, params: {path: out.f32}}\nconnections:\n"
                  "  - [src.out, m0.in]\n");
    for (int i = 1; i < 61; i++)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - [m%d.out, m%d.in]\n", i - 1, i);
    snprintf(yaml + n, sizeof yaml - (size_t)n, "  - [m60.out, out.in]\n");
    enter_tmpdir();
    write_file("su.yaml", yaml);
    const char *args[] = {"run", "su.yaml", NULL};
    pid_t pid = start_with(args, "out.txt", "err.txt", own_group);
    ck_assert(wait_arena("su", pid));
    kill(-pid, SIGINT);
    ck_assert_int_eq(finish(pid), 130);
    char *err = err_text();
    ck_assert_msg(count_of(err, "stopping the graph") == 1, "stderr: %s", err);
    ck_assert_msg(!strstr(err, "killed by signal"), "stderr: %s", err);
    free(err);
    size_t len;
    free(read_file("out.f32", &len));
    ck_assert_uint_eq(len % 4, 0);
    ck_assert_int_eq(system("ls | grep -q part"), 256); /* no out.f32.partPID.out */
    ck_assert_int_eq(shm_count("su"), 0);
}
END_TEST

/* SIGTERM or SIGHUP while mqgraph is still writing a large arena: a graceful stop,
 * never the arena left behind. */
static void ignore_sigint(void)
{
    signal(SIGINT, SIG_IGN); /* as a script's `mqgraph run ... &` has it */
}

START_TEST(test_stop_signal_before_the_handlers_leaves_no_arena)
{
    static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGINT};
    int sig = sigs[_i];
    enter_tmpdir();
    write_file("sa.yaml", "name: sa\n"
                          "arena: {pools: [{size: 4096, count: 400000}, {size: 65536, count: 40000}]}\n"
                          "blocks:\n  src: {type: null_source}\n  out: {type: null_sink}\n"
                          "connections:\n  - [src.out, out.in]\n");
    const char *args[] = {"run", "sa.yaml", NULL};
    pid_t pid = _i == 3 ? start_with(args, "out.txt", "err.txt", ignore_sigint) : start(args);
    ck_assert(wait_arena("sa", pid));
    kill(pid, sig);
    ck_assert_int_eq(finish(pid), 128 + sig);
    ck_assert_int_eq(shm_count("sa"), 0);
}
END_TEST

/* mqgraph itself (not libtool's wrapper script, which needs descriptors of its own)
 * under RLIMIT_NOFILE `nofile`, stdout and stderr to out.txt and err.txt. */
static pid_t start_nofile(const char *graph, int nofile)
{
    pid_t pid = fork();
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)nofile, (rlim_t)nofile};
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int o = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        close_range(3, ~0U, 0); /* what Check holds open is not mqgraph's to count */
        setenv("LD_LIBRARY_PATH", MQ_LIBDIR, 1);
        setrlimit(RLIMIT_NOFILE, &rl);
        execl(MQGRAPH_BIN, MQGRAPH_BIN, "run", graph, "--quiet", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* RLIMIT_NOFILE from 4 to 23: mqgraph either runs the graph or says why not, exit 1;
 * never a crash, never an arena left. */
START_TEST(test_few_descriptors_give_a_clear_error)
{
    int nofile = 4 + _i;
    enter_tmpdir();
    write_file("fd.yaml", "name: fd\nblocks:\n  src: {type: vector_source, params: {values: [1, 2]}}\n"
                          "  out: {type: vector_sink, params: {path: v.txt}}\n"
                          "connections:\n  - [src.out, out.in]\n");
    int rc = finish(start_nofile("fd.yaml", nofile));
    char *err = err_text();
    if (nofile < 8) {
        ck_assert_msg(rc == 1, "RLIMIT_NOFILE %d: exit %d, stderr: %s", nofile, rc, err);
    }
    if (rc == 1) {
        ck_assert_msg(strstr(err, "mqgraph: ") && (strstr(err, "file descriptors") ||
                                                   strstr(err, "Too many open files")),
                      "RLIMIT_NOFILE %d: stderr: %s", nofile, err);
    } else {
        ck_assert_msg(rc == 0, "RLIMIT_NOFILE %d: exit %d, stderr: %s", nofile, rc, err);
        char *v = read_file("v.txt", NULL);
        ck_assert_str_eq(v, "1\n2\n");
        free(v);
    }
    free(err);
    ck_assert_int_eq(shm_count("fd"), 0);
}
END_TEST


/* The graph run inside a mount namespace of its own with a /dev/shm tmpfs of `mib`
 * MiB, `fill_mib` of it taken first; stderr to err.txt. Returns the exit status. */
/* `mqgraph run graph --quiet` with /dev/shm/fill taking `fill_mib` of the private
 * /dev/shm; its exit status. */
static int run_with_fill(const char *graph, int fill_mib)
{
    int fd = open("/dev/shm/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fill_mib ? posix_fallocate(fd, 0, (off_t)fill_mib << 20) : 0, 0);
    close(fd);
    const char *args[] = {"run", graph, "--quiet", NULL};
    return finish(start(args));
}

/* A 4 GiB pool on a 256 MiB /dev/shm, and the 4.8 MiB arena sized for a 2-block graph
 * on one with 4 MiB free: refused before anything starts, the pools and both sizes
 * named; no SIGBUS, no arena, no block run. */
START_TEST(test_arena_larger_than_dev_shm_is_refused)
{
    enter_tmpdir();
    if (!private_tmpfs("/dev/shm", 256u << 20))
        return;
    write_file("huge.yaml", "name: huge\n"
                            "arena: {pools: [{size: 4096, count: 100}, {size: 1048576, count: 4096}]}\n"
                            "blocks:\n  src: {type: vector_source, params: {values: [1, 2]}}\n"
                            "  out: {type: vector_sink, params: {path: v.txt}}\n"
                            "connections:\n  - [src.out, out.in]\n");
    ck_assert_int_eq(run_with_fill("huge.yaml", 0), 1);
    char *err = err_text();
    ck_assert_str_eq(err, "mqgraph: huge.yaml: the arena needs 4.0 GiB (pools: 100 x 4 KiB, "
                          "4096 x 1 MiB; queues and tables 488 KiB) but /dev/shm has 256 MiB "
                          "free (fewer or smaller buffers with `arena: {pools: [...]}`, or a "
                          "larger /dev/shm)\n");
    free(err);
    ck_assert_int_eq(system("test \"$(ls -A /dev/shm)\" = fill"), 0);
    ck_assert_ptr_null(read_file("v.txt", NULL));
    write_file("dflt.yaml", "name: dflt\n"
                            "blocks:\n  src: {type: vector_source, params: {values: [1, 2]}}\n"
                            "  out: {type: vector_sink, params: {path: v.txt}}\n"
                            "connections:\n  - [src.out, out.in]\n");
    ck_assert_int_eq(run_with_fill("dflt.yaml", 252), 1);
    err = err_text();
    ck_assert_str_eq(err, "mqgraph: dflt.yaml: the arena needs 4.8 MiB (pools: 84 x 4 KiB, "
                          "36 x 64 KiB, 2 x 1 MiB; queues and tables 232 KiB) but /dev/shm "
                          "has 4 MiB free (fewer or smaller buffers with `arena: {pools: [...]}`, "
                          "or a larger /dev/shm)\n");
    free(err);
    ck_assert_int_eq(system("test \"$(ls -A /dev/shm)\" = fill"), 0);
    ck_assert_int_eq(run_with_fill("dflt.yaml", 240), 0); /* 16 MiB free: it runs */
    char *v = read_file("v.txt", NULL);
    ck_assert_str_eq(v, "1\n2\n");
    free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");

    setenv("MQ_BLOCK_PATH", FAULT_BLOCKS, 1);
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_loop_test(tc, test_crash_is_restarted_on_failure, 0,
                        (int)(sizeof crashes / sizeof crashes[0]));
    tcase_add_loop_test(tc, test_hung_block_is_killed_and_restarted, 0, 3);
    tcase_add_loop_test(tc, test_a_restart_keeps_its_place, 0, 4);
    tcase_add_test(tc, test_a_restarted_file_source_reads_on);
    tcase_add_test(tc, test_a_restarted_vector_sink_writes_on);
    tcase_add_test(tc, test_never_restart_fails_the_graph);
    tcase_add_test(tc, test_restarts_run_out);
    tcase_add_test(tc, test_leaked_reference_comes_back);
    tcase_add_test(tc, test_always_restarts_a_finished_source);
    tcase_add_test(tc, test_sigkill_of_mqgraph_leaves_nothing);
    tcase_add_loop_test(tc, test_fault_matrix, 0, N_KINDS * N_POS * N_POLICIES);
    tcase_add_loop_test(tc, test_scribbled_arena_is_reported, 0, 6);
    suite_add_tcase(s, tc);
    /* CK_RUN_CASE=startup runs these alone */
    tc = tcase_create("startup");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_one_sigint_during_startup_is_one_graceful_stop);
    tcase_add_loop_test(tc, test_stop_signal_before_the_handlers_leaves_no_arena, 0, 4);
    tcase_add_loop_test(tc, test_few_descriptors_give_a_clear_error, 0, 20);
    tcase_add_test(tc, test_arena_larger_than_dev_shm_is_refused);
    suite_add_tcase(s, tc);
    /* CK_RUN_CASE=leftovers runs these alone */
    tc = tcase_create("leftovers");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_leftover_is_named_by_its_exact_graph);
    tcase_add_loop_test(tc, test_dead_supervisors_arena_is_removed_by_list_or_any_run, 0, 2);
    tcase_add_test(tc, test_arena_whose_pid_is_another_process_is_removed);
    tcase_add_test(tc, test_what_is_not_a_whole_arena_is_left_alone);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
