/* test_graphs.c - mqgraph end to end: example graphs checked against values computed
 * here, validation messages, failures and signals, and nothing left behind.
 *
 * Each test runs mqgraph (the build tree's, MQGRAPH) in a fresh temporary directory
 * with its stdout and stderr captured to files. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mq.h"

static char base[64]; /* made before the tests fork, removed after all of them */
static char dir[128];

/* Arena objects of graph `name` in /dev/shm. */
static int shm_count(const char *name)
{
    char prefix[96];
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int n = 0;

    snprintf(prefix, sizeof prefix, "mq.%s.", name);
    while (d && (e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void make_base(void)
{
    snprintf(base, sizeof base, "/tmp/mq-graphs-XXXXXX");
    if (!mkdtemp(base))
        abort();
}

static void remove_base(void)
{
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void enter_tmpdir(void)
{
    snprintf(dir, sizeof dir, "%s/t-XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chdir(dir), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Starts mqgraph with args (NULL-terminated), output to out.txt / err.txt. */
static pid_t start(const char *const *args)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *argv[16] = {MQGRAPH};
        int n = 1;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (int i = 0; args[i] && n < 15; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        int o = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open("err.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        execv(MQGRAPH, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int finish(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(const char *const *args)
{
    return finish(start(args));
}

/* ---- hello.yaml ---------------------------------------------------------------------- */

START_TEST(test_hello_writes_the_doubled_sine)
{
    size_t len;
    enter_tmpdir();
    const char *args[] = {"run", GRAPHS "/hello.yaml", NULL};
    ck_assert_int_eq(run(args), 0);
    float *x = (float *)read_file("hello.f32", &len);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(len, 480000 * sizeof(float));
    for (int n = 0; n < 480000; n++) {
        double want = 2.0 * 0.5 * sin(2 * M_PI * 440.0 * n / 48000.0);
        ck_assert_msg(fabs(x[n] - want) < 1e-6, "sample %d: %.9f, want %.9f", n, x[n], want);
    }
    free(x);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph hello: 4 blocks, 3 connections"));
    ck_assert_ptr_nonnull(strstr(out, "head.out -> amp.in"));
    free(out);
    ck_assert_int_eq(shm_count("hello"), 0);
    ck_assert_int_ne(access("hello.f32.part", F_OK), 0);
}
END_TEST

/* ---- validation ----------------------------------------------------------------------- */

static const struct {
    const char *yaml, *err;
} bad[] = {
    {"name: x\nblocks:\n  a: {type: sig_sorce}\n",
     "g.yaml:3:13: unknown block type 'sig_sorce' (did you mean 'sig_source'?)\n"},
    {"blocks:\n  a: {type: sig_source, params: {frequency: abc}}\n",
     "g.yaml:2:45: block 'a': parameter 'frequency': 'abc' is not a number\n"},
    {"blocks:\n  a: {type: sig_source}\n  h: {type: head, params: {items: 5}}\n"
     "connections:\n  - [a.out, h.inn]\n",
     "g.yaml:5:13: block 'h' (head) has no input port 'inn'; its inputs: in (f32)\n"},
    {"blocks:\n  a: {type: sig_source, params: {type: c32}}\n  h: {type: head, params: {items: 5}}\n"
     "connections:\n  - [a.out, h.0]\n",
     "g.yaml:5:13: item types differ: a.out is c32 but h.0 is f32\n"},
    {"blocks: [\n",
     "g.yaml:2:1: YAML syntax: did not find expected node content while parsing a flow node\n"},
    {"blocks:\n  h: {type: head}\n",
     "g.yaml:2:3: block 'h': missing parameter 'items' (how many items to pass)\n"},
    {"blocks:\n  h: {type: head, params: {items: 5}}\n",
     "g.yaml:2:3: input 'in' of block 'h' is not connected\n"},
    {"blocks:\n  a: {type: sig_source, colour: red}\n",
     "g.yaml:2:25: unknown key 'colour' in a block (expected one of: type, params, restart)\n"},
    {"blocks:\n  a: {type: sig_source, params: {frequency: '${f}'}}\n",
     "g.yaml:2:45: undefined variable 'f'\n"},
    {"blocks:\n  a: {type: sig_source}\n  a: {type: null_sink}\n",
     "g.yaml:3:3: duplicate block name 'a' (first at line 2)\n"},
    {"blocks:\n  m: {type: multiply_const, params: {k: 2}}\n"
     "connections:\n  - [m.out, m.in]\n",
     "g.yaml:4:6: the connections form a cycle (through m.out -> m.in)\n"},
    {"blocks:\n  a: {type: sig_source}\n  b: {type: sig_source}\n  s: {type: null_sink}\n"
     "connections:\n  - [a.out, s.in]\n  - [b.out, s.in]\n",
     "g.yaml:7:13: input s.in already has an upstream (a.out, line 6)\n"},
    {"blocks:\n  a: {type: sig_source, params: {sample_rate: 0}}\n",
     "g.yaml:2:47: block 'a': parameter 'sample_rate': 0 is outside [1e-06, 1e+12]\n"},
    {"blocks:\n  a: {type: sig_source}\n  s: {type: null_sink}\n"
     "connections:\n  - {from: a.out, to: s.in, policy: sometimes}\n",
     "g.yaml:5:37: policy must be block, drop_oldest or drop_newest, not 'sometimes'\n"},
};

START_TEST(test_bad_graph_is_refused_with_line_and_column)
{
    enter_tmpdir();
    write_file("g.yaml", bad[_i].yaml);
    const char *args[] = {"validate", "g.yaml", NULL};
    ck_assert_int_eq(run(args), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, bad[_i].err);
    free(err);
    const char *rargs[] = {"run", "g.yaml", NULL};
    ck_assert_int_eq(run(rargs), 2);
    ck_assert_int_eq(shm_count("g"), 0);
}
END_TEST

START_TEST(test_variables_and_set)
{
    size_t len;
    enter_tmpdir();
    write_file("v.yaml", "variables: {n: 100}\n"
                         "blocks:\n"
                         "  src: {type: sig_source, params: {waveform: constant, amplitude: 3}}\n"
                         "  head: {type: head, params: {items: '${n}'}}\n"
                         "  out: {type: file_sink, params: {path: v.f32}}\n"
                         "connections:\n  - [src.out, head.in]\n  - [head.out, out.in]\n");
    const char *args[] = {"run", "v.yaml", "--set", "n=2500", "--quiet", NULL};
    ck_assert_int_eq(run(args), 0);
    float *x = (float *)read_file("v.f32", &len);
    ck_assert_uint_eq(len, 2500 * 4);
    for (int i = 0; i < 2500; i++)
        ck_assert_float_eq(x[i], 3.0f);
    free(x);
    const char *bad_set[] = {"run", "v.yaml", "--set", "m=1", NULL};
    ck_assert_int_eq(run(bad_set), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "v.yaml: --set m: the graph has no variable 'm'\n");
    free(err);
}
END_TEST

/* ---- failures and signals ------------------------------------------------------------- */

START_TEST(test_failing_block_fails_the_run_and_is_named)
{
    enter_tmpdir();
    write_file("f.yaml", "blocks:\n"
                         "  src: {type: sig_source}\n"
                         "  out: {type: file_sink, params: {path: /nonexistent/x.f32}}\n"
                         "connections:\n  - [src.out, out.in]\n");
    const char *args[] = {"run", "f.yaml", "--quiet", NULL};
    ck_assert_int_eq(run(args), 1);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "mqgraph: block 'out' (file_sink): cannot create "
                              "'/nonexistent/x.f32.part"),
                  "stderr: %s", err);
    ck_assert_msg(strstr(err, "failed with exit status 2"), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count("f"), 0);
}
END_TEST

/* Waits (bounded) until the graph's arena exists and every block has joined. */
static int wait_running(const char *name, int blocks)
{
    for (int tries = 0; tries < 5000; tries++) {
        DIR *d = opendir("/dev/shm");
        struct dirent *e;
        char prefix[96], found[300] = "";
        snprintf(prefix, sizeof prefix, "mq.%s.", name);
        while (d && (e = readdir(d)))
            if (!strncmp(e->d_name, prefix, strlen(prefix)))
                snprintf(found, sizeof found, "/%s", e->d_name);
        closedir(d);
        mq_arena *a;
        if (found[0] && mq_arena_attach(found, &a) == 0) {
            int active = 0;
            for (int i = 0; i < blocks; i++) {
                mq_slot_info si;
                active += mq_arena_slot_info(a, (uint32_t)i, &si) == 0 &&
                          si.state == MQ_SLOT_ACTIVE;
            }
            mq_arena_detach(a);
            if (active == blocks)
                return 1;
        }
        sched_yield();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL); /* polling a condition, with a deadline */
    }
    return 0;
}

static void stop_with(int sig, int want_status)
{
    enter_tmpdir();
    write_file("s.yaml", "blocks:\n"
                         "  src: {type: null_source}\n"
                         "  mul: {type: multiply_const, params: {k: 2}}\n"
                         "  out: {type: null_sink}\n"
                         "connections:\n  - [src.out, mul.in]\n  - [mul.out, out.in]\n");
    const char *args[] = {"run", "s.yaml", NULL};
    pid_t pid = start(args);
    ck_assert_msg(wait_running("s", 3), "graph did not start");
    kill(pid, sig);
    ck_assert_int_eq(finish(pid), want_status);
    char *out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "graph s: 3 blocks"));
    free(out);
    ck_assert_int_eq(shm_count("s"), 0);
}

START_TEST(test_sigint_drains_and_exits_130)
{
    stop_with(SIGINT, 130);
}
END_TEST

START_TEST(test_sigterm_exits_143)
{
    stop_with(SIGTERM, 143);
}
END_TEST

/* ---- command line ------------------------------------------------------------------- */

START_TEST(test_cli_help_version_and_bad_arguments)
{
    enter_tmpdir();
    const char *version[] = {"--version", NULL};
    ck_assert_int_eq(run(version), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_str_eq(out, "mqgraph " MQ_VERSION_STRING "\n");
    free(out);
    const char *help[] = {"run", "--help", NULL};
    ck_assert_int_eq(run(help), 0);
    out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "usage: mqgraph run FILE"));
    free(out);
    const char *unknown[] = {"fly", NULL};
    ck_assert_int_eq(run(unknown), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_ptr_nonnull(strstr(err, "mqgraph: unknown command 'fly'"));
    free(err);
    const char *missing[] = {"run", "nope.yaml", NULL};
    ck_assert_int_eq(run(missing), 2);
    err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "nope.yaml: No such file or directory\n");
    free(err);
    const char *show[] = {"blocks", "head", NULL};
    ck_assert_int_eq(run(show), 0);
    out = read_file("out.txt", NULL);
    ck_assert_ptr_nonnull(strstr(out, "  items          int    required"));
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graphs");
    TCase *tc = tcase_create("graphs");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, make_base, remove_base);
    tcase_add_test(tc, test_hello_writes_the_doubled_sine);
    tcase_add_loop_test(tc, test_bad_graph_is_refused_with_line_and_column, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_variables_and_set);
    tcase_add_test(tc, test_failing_block_fails_the_run_and_is_named);
    tcase_add_test(tc, test_sigint_drains_and_exits_130);
    tcase_add_test(tc, test_sigterm_exits_143);
    tcase_add_test(tc, test_cli_help_version_and_bad_arguments);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
