/* testutil.c - see testutil.h. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define TU_MAX 4096
static mq_arena *tu_handles[TU_MAX];
static int tu_nhandles;
static pid_t tu_owner;

static void tu_cleanup(void)
{
    if (getpid() != tu_owner)
        return; /* a forked child exiting must not unlink the parent's arenas */
    for (int i = 0; i < tu_nhandles; i++)
        mq_arena_detach(tu_handles[i]);
    tu_nhandles = 0;
}

static int tu_janitor_fd = -1;

/* Arena names go to a janitor process that unlinks them when the pipe reaches EOF,
 * i.e. when the test process is gone, however it went: Check ends a failing test
 * without running atexit handlers, and a test can die by a signal. */
static void tu_start_janitor(void)
{
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    /* Not ck_assert: the child would run it too, and two processes writing
     * Check's location messages at once garble them ("Bad message type"). */
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        char buf[TU_MAX * 8], *line, *save = NULL;
        size_t len = 0;
        ssize_t n;
        setpgid(0, 0); /* Check kills the test's process group when the test ends */
        close(p[1]);
        while (len < sizeof buf - 1 && (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
            len += (size_t)n;
        buf[len] = 0;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            mq_arena_unlink(line);
        _exit(0);
    }
    /* Also from this side: the child's own setpgid may not have run before the
     * test ends and Check kills the group. */
    setpgid(pid, pid);
    close(p[0]);
    if (tu_janitor_fd >= 0)
        close(tu_janitor_fd); /* inherited from a parent test process */
    tu_janitor_fd = p[1];
}

static void tu_track(mq_arena *a, int with_name)
{
    if (tu_owner != getpid()) {
        tu_owner = getpid();
        tu_nhandles = 0;
        atexit(tu_cleanup);
        tu_start_janitor();
    }
    ck_assert_int_lt(tu_nhandles, TU_MAX);
    tu_handles[tu_nhandles++] = a;
    if (with_name) {
        char line[MQ_SHM_NAME_MAX + 1];
        int n = snprintf(line, sizeof line, "%s\n", mq_arena_shm_name(a));
        ck_assert_int_eq(write(tu_janitor_fd, line, (size_t)n), n);
    }
}

void tu_layout_small(mq_layout *l)
{
    memset(l, 0, sizeof *l);
    l->n_pools = 2;
    l->pools[0] = (mq_pool_class){256, 64};
    l->pools[1] = (mq_pool_class){4096, 16};
    l->n_slots = 8;
    l->n_blocks = 8;
    l->n_conns = 8;
    l->queue_cap = 16;
    l->held_cap = 64;
}

mq_arena *tu_arena_new(const mq_layout *l)
{
    mq_arena *a = NULL;
    int rc = mq_arena_create(l, "test", &a);

    ck_assert_msg(rc == 0, "mq_arena_create: %s", mq_strerror(rc));
    tu_track(a, 1);
    return a;
}

mq_arena *tu_attach_slot(mq_arena *a, uint32_t slot)
{
    mq_arena *b = NULL;
    int rc = mq_arena_attach(mq_arena_shm_name(a), &b);

    ck_assert_msg(rc == 0, "attach: %s", mq_strerror(rc));
    rc = mq_arena_slot_claim(b, slot);
    ck_assert_msg(rc == 0, "claim slot %u: %s", slot, mq_strerror(rc));
    tu_track(b, 0);
    return b;
}

mq_arena *tu_child_attach(const mq_arena *a, uint32_t slot)
{
    mq_arena *b = NULL;

    if (mq_arena_attach(mq_arena_shm_name(a), &b) < 0)
        return NULL;
    if (mq_arena_slot_claim(b, slot) < 0) {
        mq_arena_detach(b);
        return NULL;
    }
    return b;
}

pid_t tu_fork(int (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    /* Not ck_assert: the child would run it too, and two processes writing
     * Check's location messages at once garble them ("Bad message type"). */
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (tu_janitor_fd >= 0)
            close(tu_janitor_fd); /* EOF must follow the test process, not its children */
        if (getppid() != parent)
            _exit(99);
        _exit(fn(arg));
    }
    return pid;
}

int tu_wait(pid_t pid)
{
    int st;

    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

unsigned tu_pools_free(mq_arena *a)
{
    unsigned n = 0;

    for (int p = 0; p < mq_pool_count(a); p++) {
        mq_pool_stats st;
        ck_assert_int_eq(mq_pool_stats_get(a, (uint32_t)p, &st), 0);
        n += st.free;
    }
    return n;
}

void tu_assert_pools_full(mq_arena *a)
{
    for (int p = 0; p < mq_pool_count(a); p++) {
        mq_pool_stats st;
        ck_assert_int_eq(mq_pool_stats_get(a, (uint32_t)p, &st), 0);
        ck_assert_msg(st.free == st.count, "pool %d: %u of %u free", p, st.free, st.count);
    }
}
