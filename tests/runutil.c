/* runutil.c - running mqgraph from tests (see runutil.h). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "runutil.h"

static char base[64];
static char dir[128];

const char *copy_example(const char *name)
{
    static char file[128];
    char src[512], *text, *at;
    FILE *f;

    snprintf(src, sizeof src, "%s/%s.yaml", GRAPHS, name);
    snprintf(file, sizeof file, "%s%s.yaml", name, SFX);
    text = read_file(src, NULL);
    ck_assert_msg(text != NULL, "%s is missing", src);
    at = strstr(text, "\nname: ");
    ck_assert_msg(at != NULL, "%s has no name line", src);
    f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s\nname: %s%s%s", (int)(at - text), text, name, SFX, strchr(at + 1, '\n'));
    fclose(f);
    free(text);
    return file;
}

int run_yaml(const char *name, const char *yaml, int quiet)
{
    char file[128];
    snprintf(file, sizeof file, "%s%s.yaml", name, SFX);
    write_file(file, yaml);
    const char *args[] = {"run", file, quiet ? "--quiet" : NULL, NULL};
    return run(args);
}

/* shm_count of graph NAME SFX. */
static int shm_count_sfx(const char *name)
{
    char graph[128];
    snprintf(graph, sizeof graph, "%s%s", name, SFX);
    return shm_count(graph);
}

void run_yaml_ok(const char *name, const char *yaml, int quiet)
{
    int rc = run_yaml(name, yaml, quiet);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    ck_assert_int_eq(shm_count_sfx(name), 0);
}

void run_yaml_fails(const char *name, const char *yaml, int quiet, const char *why)
{
    ck_assert_int_eq(run_yaml(name, yaml, quiet), 1);
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, why), "stderr: %s", err);
    free(err);
    ck_assert_int_eq(shm_count_sfx(name), 0);
}

int arena_name(const char *graph, char *out, size_t len)
{
    char prefix[96];
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int n = 0;

    snprintf(prefix, sizeof prefix, "mq.%s.", graph);
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            n++;
            if (out)
                snprintf(out, len, "/%s", e->d_name);
        }
    if (d)
        closedir(d);
    return n;
}

int shm_count(const char *name)
{
    return arena_name(name, NULL, 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

void run_make_base(void)
{
    snprintf(base, sizeof base, "/tmp/mq-graphs-XXXXXX");
    if (!mkdtemp(base))
        abort();
}

void run_remove_base(void)
{
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void enter_tmpdir(void)
{
    snprintf(dir, sizeof dir, "%s/t-XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(chdir(dir), 0);
}

const char *dir_now(void)
{
    return dir;
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

char *read_file(const char *path, size_t *len)
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

pid_t start(const char *const *args)
{
    return start_to(args, "out.txt", "err.txt");
}

pid_t start_to(const char *const *args, const char *out, const char *err)
{
    return start_with(args, out, err, NULL);
}

pid_t start_with(const char *const *args, const char *out, const char *err, void (*pre)(void))
{
    pid_t pid = fork();
    /* Not ck_assert: the child would run it too, and two processes writing
     * Check's location messages at once garble them ("Bad message type"). */
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        const char *argv[16] = {MQGRAPH};
        int n = 1;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (int i = 0; args[i] && n < 15; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        if (o > 2)
            close(o); /* not left open in mqgraph: the descriptor tests count them */
        if (e > 2)
            close(e);
        if (pre)
            pre();
#ifdef MQGRAPH_LIBS
        /* mqgraph_san is no libtool wrapper: the modules find libmq through this */
        setenv("LD_LIBRARY_PATH", MQGRAPH_LIBS, 1);
#endif
        execv(MQGRAPH, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int finish(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int run(const char *const *args)
{
    return finish(start(args));
}

int run_to(const char *const *args, const char *out, const char *err)
{
    return finish(start_to(args, out, err));
}

double *read_numbers(const char *path, size_t *n)
{
    char *text = read_file(path, NULL), *p, *end;
    size_t cap = 1024;
    double *v = malloc(cap * sizeof *v);

    *n = 0;
    ck_assert_msg(text != NULL, "%s is missing", path);
    for (p = text;; p = end) {
        double d = strtod(p, &end);
        if (end == p)
            break;
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = d;
    }
    while (*p == ' ' || *p == '\n')
        p++;
    ck_assert_msg(*p == 0, "%s: not a number at byte %td", path, p - text);
    free(text);
    return v;
}

int wait_running(const char *name, int blocks)
{
    for (int tries = 0; tries < 5000; tries++) {
        char found[300];
        mq_arena *a;
        if (arena_name(name, found, sizeof found) && mq_arena_attach(found, &a) == 0) {
            int active = 0;
            for (int i = 0; i < blocks; i++) { /* in the slot of its process */
                mq_slot_info si;
                mq_block_info bi;
                active += mq_registry_block_info(a, (uint32_t)i, &bi) == 0 && bi.slot >= 0 &&
                          mq_arena_slot_info(a, (uint32_t)bi.slot, &si) == 0 &&
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


pid_t start_endless(const char *name)
{
    char file[128];
    snprintf(file, sizeof file, "%s.yaml", name);
    write_file(file, "blocks:\n"
                     "  src: {type: null_source}\n"
                     "  mul: {type: multiply_const, params: {k: 2}}\n"
                     "  out: {type: null_sink}\n"
                     "connections:\n  - [src.out, mul.in]\n  - [mul.out, out.in]\n");
    const char *args[] = {"run", file, NULL};
    pid_t pid = start(args);
    ck_assert_msg(wait_running(name, 3), "graph %s did not start", name);
    return pid;
}
