/* test_arena.c - creating, attaching, validating the arena; slots; registry; errors;
 * a block's parameter check. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena_internal.h" /* header fields, to forge them */
#include "block.h"
#include "mntns.h"
#include "testutil.h"
#include "suite.h"

START_TEST(test_arena_create_then_attach_sees_same_geometry)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = NULL, *b = NULL;

    ck_assert_int_eq(mq_arena_create(&l, "test", &a), 0);
    ck_assert_int_eq(mq_arena_attach(mq_arena_shm_name(a), &b), 0);
    ck_assert_uint_eq(mq_arena_size(a), mq_arena_size(b));
    ck_assert_int_eq(memcmp(mq_arena_layout(a), mq_arena_layout(b), sizeof l), 0);
    ck_assert_str_eq(mq_arena_graph_name(b), "test");
    ck_assert_int_eq(mq_arena_creator_pid(b), getpid());
    ck_assert_int_eq(mq_pool_count(b), 2);
    mq_arena_detach(b);
    char name[MQ_SHM_NAME_MAX];
    snprintf(name, sizeof name, "%s", mq_arena_shm_name(a));
    ck_assert_int_eq(mq_arena_destroy(a), 0);
    ck_assert_int_eq(mq_arena_attach(name, &b), MQ_ENOENT);
    ck_assert_ptr_null(b);
}
END_TEST

/* An arena that does not fit is refused when it is made, and leaves nothing; one that
 * fits has all its pages: touching every one of them, with /dev/shm then full, is no
 * SIGBUS. */
START_TEST(test_arena_reserves_its_memory_or_is_refused)
{
    mq_layout l;
    mq_arena *a = NULL;
    struct stat st;

    if (!private_tmpfs("/dev/shm", 8u << 20)) /* the machine's is never filled */
        return;
    mq_layout_default(&l); /* 164 MiB */
    uint64_t need = 0;
    ck_assert_int_eq(mq_layout_size(&l, &need), 0);
    ck_assert_uint_gt(need, 8u << 20);
    ck_assert_int_eq(mq_arena_create(&l, "big", &a), MQ_ENOSHM);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(rmdir("/dev/shm"), -1); /* still a mount point ... */
    ck_assert_int_eq(system("test -z \"$(ls -A /dev/shm)\""), 0); /* ... and empty */
    tu_layout_small(&l);
    ck_assert_int_eq(mq_layout_size(&l, &need), 0);
    ck_assert_uint_lt(need, 4u << 20);
    ck_assert_int_eq(mq_arena_create(&l, "small", &a), 0);
    ck_assert_int_eq(mq_arena_size(a), need);
    char path[300];
    snprintf(path, sizeof path, "/dev/shm%s", mq_arena_shm_name(a));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_ge((int64_t)st.st_blocks * 512, (int64_t)need); /* reserved, not sparse */
    int fill = open("/dev/shm/fill", O_WRONLY | O_CREAT, 0600);
    static char mib[1 << 20];
    while (write(fill, mib, sizeof mib) > 0)
        ;
    ck_assert_int_eq(errno, ENOSPC);
    close(fill);
    int fd = open(path, O_RDWR);
    volatile char *base = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    ck_assert_ptr_ne((void *)base, MAP_FAILED);
    for (uint64_t off = 0; off < need; off += 4096)
        base[off] = base[off]; /* a write fault on every page: none may SIGBUS */
    munmap((void *)base, need);
    ck_assert_int_eq(mq_arena_destroy(a), 0);
}
END_TEST

START_TEST(test_arena_is_owner_only_and_uniquely_named)
{
    mq_layout l;
    struct stat st;
    char path[160];
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l), *b = tu_arena_new(&l);

    ck_assert_str_ne(mq_arena_shm_name(a), mq_arena_shm_name(b));
    snprintf(path, sizeof path, "/dev/shm%s", mq_arena_shm_name(a));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_uint_eq((uint64_t)st.st_size, mq_arena_size(a));
}
END_TEST

/* Another user cannot attach. Needs root to become that user (here: nobody); as an
 * ordinary user the mode check above is what there is. */
static int attach_as_nobody(void *arg)
{
    mq_arena *x;
    if (setgid(65534) < 0 || setuid(65534) < 0)
        return 10;
    return mq_arena_attach(mq_arena_shm_name(arg), &x) == MQ_EACCES ? 0 : 11;
}

START_TEST(test_other_user_cannot_attach)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    if (getuid() != 0) {
        ck_assert_int_ne(getuid(), 65534); /* the mode test covers this case */
        return;
    }
    ck_assert_int_eq(tu_wait(tu_fork(attach_as_nobody, a)), 0);
}
END_TEST

START_TEST(test_arena_default_layout_matches_design_notes)
{
    mq_layout l;
    mq_layout_default(&l);
    ck_assert_int_eq(mq_layout_check(&l), 0);
    ck_assert_uint_eq(l.n_pools, 3);
    ck_assert_uint_eq(l.pools[0].size, 4096);
    ck_assert_uint_eq(l.pools[0].count, 1024);
    ck_assert_uint_eq(l.pools[1].size, 65536);
    ck_assert_uint_eq(l.pools[1].count, 512);
    ck_assert_uint_eq(l.pools[2].size, 1048576);
    ck_assert_uint_eq(l.pools[2].count, 128);
    mq_arena *a = tu_arena_new(&l);
    mq_pool_stats ps;
    ck_assert_int_eq(mq_pool_stats_get(a, 2, &ps), 0);
    ck_assert_uint_eq(ps.free, 128);
    ck_assert_uint_ge(mq_arena_size(a), 4096ull * 1024 + 65536ull * 512 + 1048576ull * 128);
}
END_TEST

START_TEST(test_layout_check_rejects_bad_geometry)
{
    mq_layout l;
    mq_arena *a = NULL;

    tu_layout_small(&l);
    l.pools[1].size = 128; /* not ascending */
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    ck_assert_int_eq(mq_arena_create(&l, "x", &a), MQ_EINVAL);
    ck_assert_ptr_null(a);
    tu_layout_small(&l);
    l.queue_cap = 24; /* not a power of two */
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    tu_layout_small(&l);
    l.pools[0].count = 0;
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    tu_layout_small(&l);
    l.pools[0].size = 100; /* not a multiple of 64 */
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    tu_layout_small(&l);
    l.n_slots = MQ_MAX_SLOTS + 1; /* a slot id must fit in a generation */
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    l.n_slots = MQ_MAX_SLOTS;
    ck_assert_int_eq(mq_layout_check(&l), 0);
    l.n_slots = 4096;
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
    tu_layout_small(&l);
    l.n_pools = 0;
    ck_assert_int_eq(mq_layout_check(&l), MQ_EINVAL);
}
END_TEST

/* mq_layout_size gives what mq_arena_create makes, and refuses what it refuses. */
START_TEST(test_layout_size_is_the_arena_size)
{
    mq_layout l;
    mq_arena *a;
    uint64_t bytes = 0;

    tu_layout_small(&l);
    ck_assert_int_eq(mq_layout_size(&l, &bytes), 0);
    ck_assert_int_eq(mq_arena_create(&l, "size", &a), 0);
    ck_assert_uint_eq(bytes, mq_arena_size(a));
    mq_arena_destroy(a);
    l.pools[0] = (mq_pool_class){MQ_MAX_BUF_SIZE, 1024}; /* a 1 TiB pool, and the rest */
    l.n_pools = 1;
    ck_assert_int_eq(mq_layout_size(&l, &bytes), MQ_EINVAL);
    ck_assert_uint_gt(bytes, MQ_MAX_ARENA_BYTES);
    ck_assert_int_eq(mq_arena_create(&l, "size", &a), MQ_EINVAL);
    l.pools[0] = (mq_pool_class){MQ_MAX_BUF_SIZE, 1000};
    ck_assert_int_eq(mq_layout_size(&l, &bytes), 0);
    ck_assert_uint_lt(bytes, MQ_MAX_ARENA_BYTES);
    l.pools[0].size = MQ_BUF_ALIGN + 1;
    bytes = 7;
    ck_assert_int_eq(mq_layout_size(&l, &bytes), MQ_EINVAL);
    ck_assert_uint_eq(bytes, 7);
}
END_TEST

/* Writes an shm object with the given bytes and returns its name (unlinked by the
 * caller). */
static void make_object(const char *name, const void *bytes, size_t n)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
    if (n)
        ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
    close(fd);
}

START_TEST(test_attach_garbage_is_not_an_arena)
{
    char name[64], garbage[8192];
    mq_arena *a = NULL;

    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (char)(i * 131 + 7);
    snprintf(name, sizeof name, "/mq-test-garbage.%d", getpid());
    make_object(name, garbage, sizeof garbage);
    ck_assert_int_eq(mq_arena_attach(name, &a), MQ_EBADARENA);
    ck_assert_ptr_null(a);
    make_object(name, garbage, 0); /* empty object */
    ck_assert_int_eq(mq_arena_attach(name, &a), MQ_ETRUNC);
    make_object(name, garbage, 100); /* shorter than a header */
    ck_assert_int_eq(mq_arena_attach(name, &a), MQ_ETRUNC);
    mq_arena_unlink(name);
}
END_TEST

/* Opens the arena's object directly, to damage it. */
static int open_raw(mq_arena *a)
{
    int fd = shm_open(mq_arena_shm_name(a), O_RDWR, 0);
    ck_assert_int_ge(fd, 0);
    return fd;
}

START_TEST(test_attach_truncated_arena_fails)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l), *b = NULL;
    int fd = open_raw(a);

    ck_assert_int_eq(ftruncate(fd, (off_t)(mq_arena_size(a) / 2)), 0);
    close(fd);
    ck_assert_int_eq(mq_arena_attach(mq_arena_shm_name(a), &b), MQ_ETRUNC);
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(test_attach_wrong_version_fails)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l), *b = NULL;
    int fd = open_raw(a);
    uint32_t v = 99;

    /* The version is the 32-bit field right after the 64-bit magic. */
    ck_assert_int_eq(pwrite(fd, &v, sizeof v, 8), (ssize_t)sizeof v);
    close(fd);
    ck_assert_int_eq(mq_arena_attach(mq_arena_shm_name(a), &b), MQ_EVERSION);
    ck_assert_str_eq(mq_strerror(MQ_EVERSION), "arena layout version not supported");
}
END_TEST

START_TEST(test_attach_inconsistent_geometry_fails)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l), *b = NULL;
    int fd = open_raw(a);
    uint8_t hdr[384];

    ck_assert_int_eq(pread(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
    /* Scribble over every byte of the geometry and offsets in turn: each change
     * must be refused (or, for a byte that does not matter, accepted whole). */
    for (size_t off = 16; off < 280; off++) {
        uint8_t save = hdr[off];
        if (off >= 24 && off < 36)
            continue; /* creator pid, state, stop: not geometry */
        hdr[off] ^= 0x5a;
        ck_assert_int_eq(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
        int rc = mq_arena_attach(mq_arena_shm_name(a), &b);
        if (rc == 0) {
            /* Accepted only if the geometry is unchanged (padding bytes). */
            ck_assert_int_eq(memcmp(mq_arena_layout(a), mq_arena_layout(b), sizeof l), 0);
            mq_arena_detach(b);
        } else {
            ck_assert_msg(rc == MQ_ETRUNC || rc == MQ_EVERSION, "offset %zu: %s", off,
                          mq_strerror(rc));
        }
        hdr[off] = save;
    }
    ck_assert_int_eq(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
    close(fd);
    ck_assert_int_eq(mq_arena_attach(mq_arena_shm_name(a), &b), 0);
    mq_arena_detach(b);
}
END_TEST

/* ---- mq_arena_creator_gone ---------------------------------------------------------- */

/* A header field of shm object `shm`, `len` bytes at `off`, written from `set` if not NULL
 * and read back into `get`. */
static void hdr_field(const char *shm, size_t off, const void *set, void *get, size_t len)
{
    int fd = shm_open(shm, O_RDWR, 0);
    ck_assert_int_ge(fd, 0);
    if (set)
        ck_assert_int_eq(pwrite(fd, set, len, (off_t)off), (ssize_t)len);
    if (get)
        ck_assert_int_eq(pread(fd, get, len, (off_t)off), (ssize_t)len);
    close(fd);
}

#define HDR_GET(shm, field, v) hdr_field(shm, offsetof(struct mq__hdr, field), NULL, &(v), sizeof(v))
#define HDR_SET(shm, field, v) hdr_field(shm, offsetof(struct mq__hdr, field), &(v), NULL, sizeof(v))

/* A child that makes an arena of graph "gone" and exits, leaving it; its name into shm.
 * Returns the child's pid, not yet reaped: a zombie once waitid says it exited. */
static pid_t leave_arena(char *shm)
{
    char *name = mmap(NULL, MQ_SHM_NAME_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    siginfo_t si;
    ck_assert_ptr_ne(name, MAP_FAILED);
    pid_t pid = fork();
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        mq_layout l;
        mq_arena *a;
        tu_layout_small(&l);
        if (mq_arena_create(&l, "gone", &a) < 0)
            _exit(1);
        memcpy(name, mq_arena_shm_name(a), MQ_SHM_NAME_MAX);
        _exit(0);
    }
    ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    ck_assert_int_eq(si.si_status, 0);
    memcpy(shm, name, MQ_SHM_NAME_MAX);
    munmap(name, MQ_SHM_NAME_MAX);
    return pid;
}

/* Alive while this process runs; another process's once its start time is not the
 * creator's; gone once the creator exited, a zombie or reaped; for an arena of an older
 * version, by its pid alone. A pid of another pid namespace proves nothing. */
START_TEST(test_creator_gone_only_when_proved)
{
    mq_layout l;
    mq_arena_origin o;
    char dead[MQ_SHM_NAME_MAX];
    uint64_t start, other;
    uint32_t v;

    if (!private_tmpfs("/dev/shm", 16u << 20))
        return;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    const char *live = mq_arena_shm_name(a);
    ck_assert_int_eq(mq_arena_creator_gone(live, &o), MQ_CREATOR_ALIVE);
    ck_assert_int_eq(o.pid, getpid());
    ck_assert_uint_eq(o.version, MQ__VERSION);
    ck_assert_str_eq(o.graph_name, "test");
    HDR_GET(live, creator_start, start);
    ck_assert_uint_ne(start, 0);
    other = start + 1;
    HDR_SET(live, creator_start, other);
    ck_assert_int_eq(mq_arena_creator_gone(live, &o), MQ_CREATOR_REPLACED);
    ck_assert_int_eq(o.pid, getpid());
    v = 7; /* an older arena has no start time: the pid lives, so it may be in use */
    HDR_SET(live, version, v);
    ck_assert_int_eq(mq_arena_creator_gone(live, &o), MQ_CREATOR_ALIVE);
    ck_assert_uint_eq(o.version, 7);
    ck_assert_str_eq(o.graph_name, "");

    pid_t pid = leave_arena(dead);
    ck_assert_int_eq(mq_arena_creator_gone(dead, &o), MQ_CREATOR_EXITED); /* a zombie */
    ck_assert_int_eq(o.pid, pid);
    ck_assert_str_eq(o.graph_name, "gone");
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_CREATOR_EXITED);
    HDR_SET(dead, version, v);
    ck_assert_int_eq(mq_arena_creator_gone(dead, &o), MQ_CREATOR_EXITED);
    ck_assert_uint_eq(o.version, 7);
    v = MQ__VERSION;
    HDR_SET(dead, version, v);
    HDR_GET(dead, creator_pidns, other);
    other ^= 1; /* made in another pid namespace: this pid is not its creator's */
    HDR_SET(dead, creator_pidns, other);
    ck_assert_int_eq(mq_arena_creator_gone(dead, &o), MQ_CREATOR_ALIVE);
    ck_assert_int_eq(mq_arena_unlink(dead), 0);
}
END_TEST

static int pipe_fd[2];

static void *wait_for_pipe(void *arg)
{
    char c;
    (void)arg;
    if (read(pipe_fd[0], &c, 1) != 1)
        _exit(3);
    _exit(0); /* the process ends with this thread: its first one is long gone */
}

/* A process whose first thread ended (pthread_exit) shows a zombie in /proc/PID/stat
 * while its other threads run: its arena's creator is alive until the last one ends. */
START_TEST(test_creator_whose_first_thread_ended_is_alive)
{
    char *name = mmap(NULL, MQ_SHM_NAME_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char path[64], state = 0;
    siginfo_t si;

    if (!private_tmpfs("/dev/shm", 16u << 20))
        return;
    ck_assert_int_eq(pipe(pipe_fd), 0);
    pid_t pid = fork();
    if (pid < 0)
        ck_abort_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        mq_layout l;
        mq_arena *a;
        pthread_t t;
        tu_layout_small(&l);
        if (mq_arena_create(&l, "threads", &a) < 0 ||
            pthread_create(&t, NULL, wait_for_pipe, NULL) != 0)
            _exit(1);
        memcpy(name, mq_arena_shm_name(a), MQ_SHM_NAME_MAX);
        pthread_exit(NULL);
    }
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int tries = 0; state != 'Z' && tries < 1000000; tries++) {
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%*d (%*[^)]) %c", &state), 1);
        fclose(f);
        sched_yield(); /* polling a condition, with a bound */
    }
    ck_assert_int_eq(state, 'Z');
    ck_assert_int_eq(mq_arena_creator_gone(name, NULL), MQ_CREATOR_ALIVE);
    ck_assert_int_eq(write(pipe_fd[1], "x", 1), 1);
    ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    ck_assert_int_eq(mq_arena_creator_gone(name, NULL), MQ_CREATOR_EXITED);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(mq_arena_unlink(name), 0);
    munmap(name, MQ_SHM_NAME_MAX);
}
END_TEST

static void write_noise(const char *path, uint64_t magic, size_t len)
{
    unsigned char buf[4096];
    uint32_t x = 88172645u;
    ck_assert_uint_le(len, sizeof buf);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    if (magic && len >= 8)
        memcpy(buf, &magic, 8);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* Whatever is not a whole arena of this or an older version, with its creator's pid in
 * its name, is an error, never a creator's state; nothing blocks or faults. */
START_TEST(test_creator_gone_refuses_what_is_not_an_arena)
{
    char dead[MQ_SHM_NAME_MAX], moved[MQ_SHM_NAME_MAX + 16], path[160], to[160];
    mq_layout l;
    uint32_t v;

    if (!private_tmpfs("/dev/shm", 16u << 20))
        return;
    pid_t pid = leave_arena(dead);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_CREATOR_EXITED);
    ck_assert_int_eq(mq_arena_creator_gone("/mq.gone.1.0", NULL), MQ_EBADARENA); /* a name */
    ck_assert_int_eq(mq_arena_creator_gone("/other", NULL), MQ_EBADARENA);
    ck_assert_int_eq(mq_arena_creator_gone("/mq..123.0123456789abcdef", NULL), MQ_EBADARENA);
    ck_assert_int_eq(mq_arena_creator_gone("/mq.x.123.0123456789abcdeg", NULL), MQ_EBADARENA);
    ck_assert_int_eq(mq_arena_creator_gone("/mq.x.1x3.0123456789abcdef", NULL), MQ_EBADARENA);
    ck_assert_int_eq(mq_arena_creator_gone("/mq.x.123.0123456789abcdef", NULL), MQ_ENOENT);
    ck_assert_int_eq(mq_arena_creator_gone(NULL, NULL), MQ_EINVAL);

#define AT(name) (snprintf(path, sizeof path, "/dev/shm/mq.x.%d.%s", (int)pid, name), path)
#define SHM(name) (snprintf(path, sizeof path, "/mq.x.%d.%s", (int)pid, name), path)
    write_noise(AT("0000000000000000"), 0, 4096);
    ck_assert_int_eq(mq_arena_creator_gone(SHM("0000000000000000"), NULL), MQ_EBADARENA);
    write_noise(AT("0000000000000001"), 0, 0); /* just opened */
    ck_assert_int_eq(mq_arena_creator_gone(SHM("0000000000000001"), NULL), MQ_EBADARENA);
    write_noise(AT("0000000000000002"), 0x414e455241514d31ULL, 4096); /* the magic, and noise */
    int rc = mq_arena_creator_gone(SHM("0000000000000002"), NULL);
    ck_assert_msg(rc == MQ_EVERSION || rc == MQ_ETRUNC, "%s", mq_strerror(rc));
    write_noise(AT("0000000000000003"), 0x414e455241514d31ULL, 20); /* a part of a header */
    rc = mq_arena_creator_gone(SHM("0000000000000003"), NULL);
    ck_assert_msg(rc < 0, "%d", rc);
    ck_assert_int_eq(mkfifo(AT("0000000000000004"), 0600), 0); /* must not block */
    ck_assert_int_eq(mq_arena_creator_gone(SHM("0000000000000004"), NULL), MQ_EBADARENA);
    ck_assert_int_eq(mkdir(AT("0000000000000005"), 0700), 0);
    ck_assert_int_eq(mq_arena_creator_gone(SHM("0000000000000005"), NULL), MQ_EBADARENA);
    snprintf(to, sizeof to, "/dev/shm%s", dead);
    ck_assert_int_eq(symlink(to, AT("0000000000000006")), 0); /* to a real one */
    ck_assert_int_eq(mq_arena_creator_gone(SHM("0000000000000006"), NULL), MQ_EBADARENA);

    /* the dead run's arena itself, changed */
    v = MQ__VERSION + 1;
    HDR_SET(dead, version, v);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_EVERSION);
    v = MQ__VERSION;
    HDR_SET(dead, version, v);
    HDR_SET(dead, hdr_size, v); /* a header of another size */
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_ETRUNC);
    v = sizeof(struct mq__hdr);
    HDR_SET(dead, hdr_size, v);
    tu_layout_small(&l);
    uint64_t size;
    ck_assert_int_eq(mq_layout_size(&l, &size), 0);
    ck_assert_int_eq(truncate(to, (off_t)size / 2), 0);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_ETRUNC);
    ck_assert_int_eq(truncate(to, (off_t)size + 4096), 0);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_ETRUNC);
    ck_assert_int_eq(truncate(to, (off_t)size), 0);
    ck_assert_int_eq(mq_arena_creator_gone(dead, NULL), MQ_CREATOR_EXITED);
    /* under a name that is not its creator's */
    snprintf(moved, sizeof moved, "/dev/shm/mq.gone.%d.0123456789abcdef", (int)pid + 1);
    ck_assert_int_eq(rename(to, moved), 0);
    ck_assert_int_eq(mq_arena_creator_gone(moved + 8, NULL), MQ_EBADARENA);
    ck_assert_int_eq(mq_arena_unlink(moved + 8), 0);
#undef AT
#undef SHM
}
END_TEST

START_TEST(test_slot_claim_is_exclusive_and_leave_frees_it)
{
    mq_layout l;
    mq_slot_info si;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    mq_arena *b = tu_attach_slot(a, 3);

    ck_assert_int_eq(mq_arena_slot(b), 3);
    ck_assert_int_eq(mq_arena_slot_claim(a, 3), MQ_EBUSY);
    ck_assert_int_eq(mq_arena_slot_claim(a, 8), MQ_EINVAL);
    ck_assert_int_eq(mq_arena_slot_info(a, 3, &si), 0);
    ck_assert_int_eq(si.pid, getpid());
    ck_assert_uint_eq(si.state, MQ_SLOT_ACTIVE);
    int64_t hb = si.heartbeat_ns;
    mq_arena_heartbeat(b);
    ck_assert_int_eq(mq_arena_slot_info(a, 3, &si), 0);
    ck_assert_int_ge(si.heartbeat_ns, hb);
    mq_id id;
    ck_assert_int_eq(mq_buf_alloc(b, 10, 0, &id), 0);
    ck_assert_int_eq(mq_arena_slot_info(a, 3, &si), 0);
    ck_assert_uint_eq(si.held, 1);
    ck_assert_int_eq(mq_arena_slot_leave(b), 1); /* released the one buffer */
    ck_assert_int_eq(mq_arena_slot_info(a, 3, &si), 0);
    ck_assert_uint_eq(si.state, MQ_SLOT_FREE);
    ck_assert_uint_eq(si.held, 0);
    tu_assert_pools_full(a);
    ck_assert_int_eq(mq_arena_slot_claim(a, 3), 0);
}
END_TEST

START_TEST(test_registry_blocks_and_connections)
{
    mq_layout l;
    tu_layout_small(&l);
    l.n_blocks = 3;
    l.n_conns = 2;
    mq_arena *a = tu_arena_new(&l);

    ck_assert_int_eq(mq_registry_add_block(a, "src", "sig_source"), 0);
    ck_assert_int_eq(mq_registry_add_block(a, "sink", "null_sink"), 1);
    ck_assert_int_eq(mq_registry_add_block(a, "", "x"), MQ_EINVAL);
    ck_assert_int_eq(mq_registry_add_block(a, "amp", "multiply_const"), 2);
    ck_assert_int_eq(mq_registry_add_block(a, "more", "x"), MQ_ENOSPC);
    ck_assert_int_eq(mq_registry_block_count(a), 3);
    ck_assert_int_eq(mq_registry_find_block(a, "sink"), 1);
    ck_assert_int_eq(mq_registry_find_block(a, "nope"), MQ_ENOENT);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 2, 0, 17, MQ_POLICY_BLOCK), MQ_EINVAL);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 3, 0, 4, MQ_POLICY_BLOCK), MQ_EINVAL);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 2, 0, 4, 7), MQ_EINVAL);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 2, 0, 4, MQ_POLICY_DROP_OLDEST), 0);
    ck_assert_int_eq(mq_registry_add_conn(a, 2, 0, 1, 0, 0, MQ_POLICY_BLOCK), 1);
    ck_assert_int_eq(mq_registry_add_conn(a, 2, 1, 1, 1, 0, MQ_POLICY_BLOCK), MQ_ENOSPC);
    mq_queue_stats qs;
    ck_assert_int_eq(mq_queue_stats_get(a, 0, &qs), 0);
    ck_assert_uint_eq(qs.depth, 4);
    ck_assert_uint_eq(qs.policy, MQ_POLICY_DROP_OLDEST);
    ck_assert_int_eq(mq_queue_stats_get(a, 1, &qs), 0);
    ck_assert_uint_eq(qs.depth, 16); /* 0 means the layout's capacity */
    ck_assert_int_eq(mq_queue_stats_get(a, 2, &qs), MQ_EINVAL);
    ck_assert_int_eq(mq_registry_bind(a, 1, 5), 0);
    ck_assert_int_eq(mq_registry_bind(a, 3, 5), MQ_EINVAL);
}
END_TEST

/* A waiter is released by mq_arena_start, however long it has been waiting. */
static int start_waiter(void *arg)
{
    mq_arena *c = tu_child_attach(arg, 1);
    if (!c)
        return 10;
    int rc = mq_arena_wait_start(c, 10 * 1000000000LL);
    return rc == 0 && mq_arena_started(c) ? 0 : 11;
}

START_TEST(test_start_barrier_releases_waiters)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_arena_started(a), 0);
    ck_assert_int_eq(mq_arena_wait_start(a, 1000000), MQ_ETIMEDOUT);
    pid_t pid = tu_fork(start_waiter, a);
    mq_arena_start(a);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(mq_arena_started(a), 1);
    ck_assert_int_eq(mq_arena_wait_start(a, 0), 0);
}
END_TEST

START_TEST(test_strerror_names_every_code)
{
    ck_assert_str_eq(mq_strerror(0), "success");
    ck_assert_str_eq(mq_strerror(MQ_EBADARENA), "not an mq arena (bad magic)");
    ck_assert_str_eq(mq_strerror(MQ_ETRUNC), "arena truncated or geometry inconsistent");
    ck_assert_str_eq(mq_strerror(MQ_ENOBUFS), "buffer pool exhausted");
    ck_assert_str_eq(mq_strerror(MQ_ESTALE), "stale or invalid buffer id");
    ck_assert_str_eq(mq_strerror(MQ_EOS), "end of stream");
    ck_assert_str_eq(mq_strerror(MQ_ENOENT), "No such file or directory");
    ck_assert_str_eq(mq_strerror(MQ_ENOSHM), "not enough room in /dev/shm for the arena");
    ck_assert_str_eq(mq_strerror(-9999), "unknown error");
}
END_TEST

/* ---- a block's check function ---------------------------------------------------- */

static int inits; /* how often check_init ran */

static int refuse_k(mq_block_ctx *c)
{
    if (mq_param_int(c, "k") > mq_block_n_inputs(c)) {
        mq_block_error(c, "k %lld exceeds the %d inputs", (long long)mq_param_int(c, "k"),
                       mq_block_n_inputs(c));
        return -1;
    }
    return 0;
}

static int check_init(mq_block_ctx *c, void **state)
{
    inits++;
    return 0;
}

static int check_work(mq_block_ctx *c, void *state)
{
    return MQ_WORK_DONE;
}

static const mq_param_decl k_params[] = {
    {"k", MQ_PARAM_INT, "1", 0, 16, NULL, "at most the number of inputs", 0},
    {"inputs", MQ_PARAM_INT, "1", 1, 16, NULL, "inputs", 0},
};
static const mq_port_decl k_in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};
static const mq_block_decl k_decl = {
    .abi = MQ_BLOCK_ABI, .name = "k", .in = k_in, .n_in = 1, .in_count_param = "inputs",
    .params = k_params, .n_params = 2, .init = check_init, .work = check_work,
    .check = refuse_k,
};

START_TEST(test_block_check_refuses_a_combination_before_init)
{
    char *ok[] = {"k=2", "inputs=2"}, *no[] = {"k=3", "inputs=2"}, err[128];
    int bad = 0;
    mq_layout l;

    ck_assert_int_eq(mq_params_check(&k_decl, 2, ok, &bad, err, sizeof err), 0);
    ck_assert_int_eq(mq_params_check(&k_decl, 2, no, &bad, err, sizeof err), MQ_EINVAL);
    ck_assert_int_eq(bad, -1); /* the combination, not one parameter */
    ck_assert_str_eq(err, "k 3 exceeds the 2 inputs");

    /* mq_block_run checks again, for a caller that skipped mq_params_check. */
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "b", "k"), 0);
    mq_arena *h = tu_attach_slot(a, 1);
    ck_assert_int_eq(mq_registry_bind(a, 0, 1), 0);
    err[0] = 0;
    ck_assert_int_eq(mq_block_run(&k_decl, h, 0, 2, no, NULL, err, sizeof err), MQ_EINVAL);
    ck_assert_str_eq(err, "k 3 exceeds the 2 inputs");
    ck_assert_int_eq(inits, 0);
    ck_assert_int_eq(mq_block_run(&k_decl, h, 0, 2, ok, NULL, err, sizeof err), 0);
    ck_assert_int_eq(inits, 1);
}
END_TEST

/* ---- complex parameters ----------------------------------------------------------------- */

static double z_seen[2];

static int z_init(mq_block_ctx *c, void **state)
{
    _Complex double z = mq_param_c(c, 0);
    z_seen[0] = ((double *)&z)[0];
    z_seen[1] = ((double *)&z)[1];
    return 0;
}

static const mq_param_decl z_params[] = {
    {"k", MQ_PARAM_COMPLEX, "1", -100, 100, NULL, "a factor", 0},
};
static const mq_block_decl z_decl = {
    .abi = MQ_BLOCK_ABI, .name = "z", .params = z_params, .n_params = 1, .init = z_init,
    .work = check_work,
};

/* Python's complex literals, as a graph file writes them: the value read back, and
 * the error for text that is none. */
START_TEST(test_complex_parameters_read_as_python_writes_them)
{
    static const struct {
        const char *text;
        double re, im;
    } ok[] = {
        {"k=0.5+0.5j", 0.5, 0.5}, {"k=-2j", 0, -2},     {"k=(1-2j)", 1, -2},
        {"k=j", 0, 1},            {"k=3-j", 3, -1},     {"k=1e-3-1e+2j", 1e-3, -100},
        {"k=-4", -4, 0},          {"k=2.5E1+1E-1J", 25, 0.1},
        {"k= 1 ", 1, 0},          {"k=( 1+2j )", 1, 2}, /* spaces as Python's complex() */
        {"k=+j", 0, 1},           {"k=1e1j", 0, 10},
    };
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"k=2+", "parameter 'k': '2+' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
        {"k=1+2i", "parameter 'k': '1+2i' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
        {"k=()", "parameter 'k': '()' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
        {"k=1+200j", "parameter 'k': 1+200j has a part outside [-100, 100]"},
        {"k=0x10", "parameter 'k': '0x10' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
        {"k=1 + 2j", "parameter 'k': '1 + 2j' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
        {"k=1+-2j", "parameter 'k': '1+-2j' is not a complex number (as 0.5, 0.5+0.5j, -2j)"},
    };
    char err[160];
    int bad_i;
    mq_layout l;

    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "b", "z"), 0);
    mq_arena *h = tu_attach_slot(a, 1);
    ck_assert_int_eq(mq_registry_bind(a, 0, 1), 0);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *kv[] = {(char *)ok[i].text};
        ck_assert_int_eq(mq_params_check(&z_decl, 1, kv, &bad_i, err, sizeof err), 0);
        ck_assert_int_eq(mq_block_run(&z_decl, h, 0, 1, kv, NULL, err, sizeof err), 0);
        ck_assert_msg(z_seen[0] == ok[i].re && z_seen[1] == ok[i].im, "%s: %g%+gj", ok[i].text,
                      z_seen[0], z_seen[1]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *kv[] = {(char *)bad[i].text};
        ck_assert_int_eq(mq_params_check(&z_decl, 1, kv, &bad_i, err, sizeof err), MQ_EINVAL);
        ck_assert_str_eq(err, bad[i].error);
    }
}
END_TEST

/* ---- a block's fini ------------------------------------------------------------------ */

static int fini_work_rc; /* what fini_work returns */

static int fini_work(mq_block_ctx *c, void *state)
{
    if (fini_work_rc == MQ_WORK_ERROR)
        mq_block_error(c, "work failed");
    return fini_work_rc;
}

static void failing_fini(mq_block_ctx *c, void *state)
{
    mq_block_error(c, "cannot finish '%s'", "out");
}

static const mq_block_decl fini_decl = {
    .abi = MQ_BLOCK_ABI, .name = "f", /* a source: work runs at once */
    .work = fini_work, .fini = failing_fini,
};

/* An error fini records is the block's: mq_block_run fails with it and the graph is
 * marked failed, as after a work error; after a work error, both are told. */
START_TEST(test_block_fini_error_fails_the_block)
{
    char err[128];
    mq_layout l;

    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "b", "f"), 0);
    mq_arena *h = tu_attach_slot(a, 1);
    ck_assert_int_eq(mq_registry_bind(a, 0, 1), 0);
    fini_work_rc = MQ_WORK_DONE;
    ck_assert_int_eq(mq_block_run(&fini_decl, h, 0, 0, NULL, NULL, err, sizeof err), MQ_EINVAL);
    ck_assert_str_eq(err, "cannot finish 'out'");
    ck_assert_int_eq(mq_arena_failed(a), 1);

    /* the same when the supervisor may restart it, but the graph has not failed */
    mq_arena *b = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(b, "b", "f"), 0);
    mq_arena *hb = tu_attach_slot(b, 1);
    ck_assert_int_eq(mq_registry_bind(b, 0, 1), 0);
    mq_run_opts opts = {.restartable = 1};
    ck_assert_int_eq(mq_block_run(&fini_decl, hb, 0, 0, NULL, &opts, err, sizeof err),
                     MQ_EINVAL);
    ck_assert_str_eq(err, "cannot finish 'out'");
    ck_assert_int_eq(mq_arena_failed(b), 0);
    fini_work_rc = MQ_WORK_ERROR;
    ck_assert_int_eq(mq_block_run(&fini_decl, hb, 0, 0, NULL, &opts, err, sizeof err),
                     MQ_EINVAL);
    ck_assert_str_eq(err, "work failed; cannot finish 'out'");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    tcase_add_test(tc, test_arena_create_then_attach_sees_same_geometry);
    tcase_add_test(tc, test_arena_reserves_its_memory_or_is_refused);
    tcase_add_test(tc, test_arena_is_owner_only_and_uniquely_named);
    tcase_add_test(tc, test_other_user_cannot_attach);
    tcase_add_test(tc, test_arena_default_layout_matches_design_notes);
    tcase_add_test(tc, test_layout_check_rejects_bad_geometry);
    tcase_add_test(tc, test_layout_size_is_the_arena_size);
    tcase_add_test(tc, test_attach_garbage_is_not_an_arena);
    tcase_add_test(tc, test_attach_truncated_arena_fails);
    tcase_add_test(tc, test_attach_wrong_version_fails);
    tcase_add_test(tc, test_attach_inconsistent_geometry_fails);
    tcase_add_test(tc, test_creator_gone_only_when_proved);
    tcase_add_test(tc, test_creator_whose_first_thread_ended_is_alive);
    tcase_add_test(tc, test_creator_gone_refuses_what_is_not_an_arena);
    tcase_add_test(tc, test_slot_claim_is_exclusive_and_leave_frees_it);
    tcase_add_test(tc, test_registry_blocks_and_connections);
    tcase_add_test(tc, test_start_barrier_releases_waiters);
    tcase_add_test(tc, test_strerror_names_every_code);
    tcase_add_test(tc, test_block_check_refuses_a_combination_before_init);
    tcase_add_test(tc, test_block_fini_error_fails_the_block);
    tcase_add_test(tc, test_complex_parameters_read_as_python_writes_them);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
