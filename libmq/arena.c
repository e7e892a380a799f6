/* arena.c - creating, attaching to and validating the shared-memory arena, and the
 * process slots that bind a handle to an owner of references.
 *
 * The layout is a pure function of the geometry (mq_layout). The creator computes it
 * and writes the geometry and offsets into the header; an attacher reads only the
 * geometry, recomputes the layout, and refuses the object unless every offset and
 * the total size agree. From then on the handle uses its own copy, so a process that
 * scribbles over the header cannot redirect another process's accesses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena_internal.h"
#include "clock.h"
#include "error.h"

#define MQ__PAGE 4096u

static uint64_t mq__align(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

void mq_layout_default(mq_layout *l)
{
    memset(l, 0, sizeof *l);
    l->n_pools = 3;
    l->pools[0] = (mq_pool_class){4096, 1024};
    l->pools[1] = (mq_pool_class){65536, 512};
    l->pools[2] = (mq_pool_class){1048576, 128};
    l->n_slots = 64;
    l->n_blocks = 64;
    l->n_conns = 128;
    l->queue_cap = 256;
    l->held_cap = 256;
}

int mq_layout_check(const mq_layout *l)
{
    uint64_t bufs = 0;

    if (l->n_pools == 0 || l->n_pools > MQ_MAX_POOLS)
        return MQ_EINVAL;
    for (uint32_t i = 0; i < l->n_pools; i++) {
        const mq_pool_class *p = &l->pools[i];
        if (p->size == 0 || p->size > MQ_MAX_BUF_SIZE || p->size % MQ_BUF_ALIGN != 0)
            return MQ_EINVAL;
        if (p->count == 0 || p->count > MQ_MAX_BUFS)
            return MQ_EINVAL;
        if (i > 0 && p->size <= l->pools[i - 1].size)
            return MQ_EINVAL;
        bufs += p->count;
    }
    if (bufs > MQ_MAX_BUFS)
        return MQ_EINVAL;
    if (l->n_slots == 0 || l->n_slots > MQ_MAX_SLOTS)
        return MQ_EINVAL;
    if (l->n_blocks > MQ_MAX_BLOCKS || l->n_conns > MQ_MAX_CONNS)
        return MQ_EINVAL;
    if (l->queue_cap < 2 || l->queue_cap > MQ_MAX_QUEUE_CAP ||
        (l->queue_cap & (l->queue_cap - 1)) != 0)
        return MQ_EINVAL;
    if (l->held_cap == 0 || l->held_cap > MQ_MAX_HELD)
        return MQ_EINVAL;
    return 0;
}

/* Fills the handle's geometry from a checked layout; returns the total size (which
 * may exceed MQ_MAX_ARENA_BYTES: the callers refuse that). */
static uint64_t mq__compute(mq_arena *a, const mq_layout *l)
{
    uint64_t off, words = 0;
    uint32_t first = 0;

    a->layout = *l;
    a->off_slots = sizeof(struct mq__hdr);
    a->off_held = a->off_slots + (uint64_t)l->n_slots * sizeof(struct mq__slot);
    a->off_blocks = mq__align(a->off_held + (uint64_t)l->n_slots * l->held_cap *
                                                sizeof(struct mq__held), 64);
    a->off_live = a->off_blocks + (uint64_t)l->n_blocks * sizeof(struct mq__block);
    a->off_ckpt = a->off_live + (uint64_t)l->n_blocks * sizeof(struct mq__live);
    a->off_conns = a->off_ckpt + (uint64_t)l->n_blocks * sizeof(struct mq__ckpt);
    a->off_cells = a->off_conns + (uint64_t)l->n_conns * sizeof(struct mq__conn);
    a->off_pools = mq__align(a->off_cells + (uint64_t)l->n_conns * l->queue_cap * 8, 64);
    a->off_bufs = a->off_pools + (uint64_t)l->n_pools * sizeof(struct mq__pool);
    for (uint32_t i = 0; i < l->n_pools; i++) {
        a->pool_first[i] = first;
        a->pool_bitmap_word[i] = (uint32_t)words;
        first += l->pools[i].count;
        words += (l->pools[i].count + 63) / 64;
    }
    a->n_bufs = first;
    a->off_bitmap = a->off_bufs + (uint64_t)first * sizeof(struct mq__buf);
    a->off_data = mq__align(a->off_bitmap + words * 8, MQ__PAGE);
    off = 0;
    for (uint32_t i = 0; i < l->n_pools; i++) {
        a->pool_data_off[i] = off;
        off = mq__align(off + l->pools[i].size * l->pools[i].count, MQ__PAGE);
    }
    return off + a->off_data;
}

static void mq__make_name(char *out, size_t n, const char *graph)
{
    char clean[33];
    size_t j = 0;
    uint64_t rnd = 0;

    for (size_t i = 0; graph && graph[i] && j < sizeof clean - 1; i++) {
        char c = graph[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '-' || c == '_';
        clean[j++] = ok ? c : '_';
    }
    clean[j] = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
        rnd = (uint64_t)mq_now_ns() * 6364136223846793005ULL ^ (uint64_t)getpid();
    snprintf(out, n, "/mq.%s.%d.%016llx", j ? clean : "graph", (int)getpid(),
             (unsigned long long)rnd);
}

static void mq__init_sections(mq_arena *a)
{
    _Atomic uint64_t *bm = mq__bitmap(a);

    for (uint32_t s = 0; s < a->layout.n_slots; s++) {
        atomic_store(&mq__slot(a, s)->block, -1);
        atomic_store(&mq__slot(a, s)->in_block, -1);
    }
    for (uint32_t b = 0; b < a->layout.n_blocks; b++) {
        struct mq__block *blk = mq__block(a, b);
        atomic_store(&blk->slot, -1);
        for (uint32_t p = 0; p < MQ_MAX_PORTS; p++)
            blk->in[p].conn = blk->out[p].conn = -1;
    }
    for (uint32_t p = 0; p < a->layout.n_pools; p++) {
        struct mq__pool *pool = mq__pool(a, p);
        uint32_t count = a->layout.pools[p].count;
        pool->size = a->layout.pools[p].size;
        pool->count = count;
        pool->first = a->pool_first[p];
        for (uint32_t w = 0; w < (count + 63) / 64; w++) {
            uint32_t bits = count - w * 64 >= 64 ? 64 : count - w * 64;
            atomic_store(&bm[a->pool_bitmap_word[p] + w],
                         bits == 64 ? ~0ULL : (1ULL << bits) - 1);
        }
    }
    for (uint32_t i = 0; i < a->n_bufs; i++)
        atomic_store(&mq__buf(a, i)->state, MQ__ST_MAKE(0, 0, 0));
}

/* Field 3 (state) and field 22 (starttime: clock ticks since boot) of
 * /proc/PID/stat. Field 2 is the command in parentheses, which may itself hold
 * spaces and ')': fields are counted from the last ')'. 0, or a negative errno
 * (MQ_EINVAL: the line did not parse). */
static int mq__proc_stat(pid_t pid, char *state, uint64_t *start)
{
    char path[32], line[1024], *p, *end;
    ssize_t n;
    int fd, e;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -errno;
    n = read(fd, line, sizeof line - 1);
    e = errno;
    close(fd);
    if (n < 0)
        return -e;
    line[n] = 0;
    if (!(p = strrchr(line, ')')) || p[1] != ' ' || !p[2])
        return MQ_EINVAL;
    *state = p[2];
    for (int field = 3; p && field <= 22; field++)
        p = strchr(p + 1, ' ');
    if (!p || p[1] < '0' || p[1] > '9')
        return MQ_EINVAL;
    errno = 0;
    *start = strtoull(p + 1, &end, 10);
    return errno || (*end != ' ' && *end != '\n' && *end) ? MQ_EINVAL : 0;
}

/* This process's start time and pid namespace, as the header records its
 * creator's. Both 0 unless /proc is this pid namespace's (/proc/self is getpid()):
 * through the /proc of another namespace, a pid would name another process. */
static void mq__self_origin(uint64_t *start, uint64_t *pidns)
{
    char self[24], want[24], state;
    struct stat st;
    ssize_t n = readlink("/proc/self", self, sizeof self - 1);

    *start = *pidns = 0;
    snprintf(want, sizeof want, "%d", (int)getpid());
    if (n <= 0 || (self[n] = 0, strcmp(self, want)) || stat("/proc/self/ns/pid", &st) < 0)
        return;
    if (mq__proc_stat(getpid(), &state, start) < 0)
        *start = 0;
    else
        *pidns = (uint64_t)st.st_ino;
}

static void mq__write_header(mq_arena *a, const char *graph_name, uint64_t total)
{
    struct mq__hdr *h = mq__hdr(a);

    h->version = MQ__VERSION;
    h->hdr_size = sizeof *h;
    h->total_size = total;
    h->creator_pid = getpid();
    h->n_pools = a->layout.n_pools;
    for (uint32_t i = 0; i < a->layout.n_pools; i++) {
        h->pool_size[i] = a->layout.pools[i].size;
        h->pool_count[i] = a->layout.pools[i].count;
    }
    h->n_slots = a->layout.n_slots;
    h->n_blocks = a->layout.n_blocks;
    h->n_conns = a->layout.n_conns;
    h->queue_cap = a->layout.queue_cap;
    h->held_cap = a->layout.held_cap;
    h->n_bufs = a->n_bufs;
    h->off_slots = a->off_slots;
    h->off_held = a->off_held;
    h->off_blocks = a->off_blocks;
    h->off_conns = a->off_conns;
    h->off_cells = a->off_cells;
    h->off_pools = a->off_pools;
    h->off_bufs = a->off_bufs;
    h->off_bitmap = a->off_bitmap;
    h->off_data = a->off_data;
    h->off_live = a->off_live;
    h->off_ckpt = a->off_ckpt;
    mq__self_origin(&h->creator_start, &h->creator_pidns);
    snprintf(h->graph_name, sizeof h->graph_name, "%s", graph_name ? graph_name : "");
    /* The magic goes last: an attacher that sees it sees a complete header. */
    atomic_thread_fence(memory_order_release);
    h->magic = MQ__MAGIC;
}

static mq_arena *mq__handle_new(void)
{
    mq_arena *a = calloc(1, sizeof *a);
    if (a)
        a->slot = -1;
    return a;
}

static void mq__handle_free(mq_arena *a)
{
    free(a->seen_tail);
    free(a);
}

/* The process-local parts that depend on the geometry. */
static int mq__handle_init(mq_arena *a)
{
    size_t n = a->layout.n_conns ? a->layout.n_conns : 1;

    a->seen_tail = calloc(n, sizeof *a->seen_tail);
    return a->seen_tail ? 0 : MQ_ENOMEM;
}

int mq_layout_size(const mq_layout *l, uint64_t *bytes)
{
    mq_arena *a;
    int rc;

    if ((rc = mq_layout_check(l)) < 0)
        return rc;
    if (!(a = mq__handle_new()))
        return MQ_ENOMEM;
    *bytes = mq__compute(a, l);
    mq__handle_free(a);
    return *bytes > MQ_MAX_ARENA_BYTES ? MQ_EINVAL : 0;
}

/* Reserves the object's pages: tmpfs allocates them now or fails with ENOSPC, so
 * no page fault can meet a full /dev/shm later. A signal may interrupt a large
 * reservation; it resumes. A file system that cannot reserve is used as it is. */
static int mq__reserve(int fd, uint64_t total)
{
    int e;

    while ((e = posix_fallocate(fd, 0, (off_t)total)) == EINTR)
        ;
    if (e == ENOSPC || e == EFBIG)
        return MQ_ENOSHM;
    return e == 0 || e == EOPNOTSUPP || e == EINVAL ? 0 : -e;
}

int mq_arena_create(const mq_layout *l, const char *graph_name, mq_arena **out)
{
    mq_arena *a;
    uint64_t total;
    int fd = -1, rc;

    *out = NULL;
    if ((rc = mq_layout_check(l)) < 0)
        return rc;
    if (!(a = mq__handle_new()))
        return MQ_ENOMEM;
    if ((total = mq__compute(a, l)) > MQ_MAX_ARENA_BYTES) {
        free(a);
        return MQ_EINVAL;
    }
    if ((rc = mq__handle_init(a)) < 0) {
        mq__handle_free(a);
        return rc;
    }
    for (int tries = 0; tries < 16 && fd < 0; tries++) {
        mq__make_name(a->shm_name, sizeof a->shm_name, graph_name);
        fd = shm_open(a->shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = -errno;
        mq__handle_free(a);
        return rc;
    }
    /* umask can only narrow 0600, but make the mode explicit anyway. */
    if (fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)total) < 0)
        goto fail_errno;
    if ((rc = mq__reserve(fd, total)) < 0)
        goto fail;
    a->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (a->base == MAP_FAILED)
        goto fail_errno;
    close(fd);
    a->size = total;
    a->owner = 1;
    mq__init_sections(a);
    mq__write_header(a, graph_name, total);
    *out = a;
    return 0;

fail_errno:
    rc = -errno;
fail:
    close(fd);
    shm_unlink(a->shm_name);
    mq__handle_free(a);
    return rc;
}

/* Reads the geometry from an untrusted header into a layout, then checks it. */
static int mq__validate(mq_arena *a, const struct mq__hdr *h, uint64_t st_size)
{
    mq_layout l;
    uint64_t total;

    if (h->magic != MQ__MAGIC)
        return MQ_EBADARENA;
    if (h->version != MQ__VERSION || h->hdr_size != sizeof *h)
        return MQ_EVERSION;
    if (h->total_size != st_size)
        return MQ_ETRUNC;
    memset(&l, 0, sizeof l);
    l.n_pools = h->n_pools;
    if (l.n_pools == 0 || l.n_pools > MQ_MAX_POOLS)
        return MQ_ETRUNC;
    for (uint32_t i = 0; i < l.n_pools; i++)
        l.pools[i] = (mq_pool_class){h->pool_size[i], h->pool_count[i]};
    l.n_slots = h->n_slots;
    l.n_blocks = h->n_blocks;
    l.n_conns = h->n_conns;
    l.queue_cap = h->queue_cap;
    l.held_cap = h->held_cap;
    if (mq_layout_check(&l) < 0 || (total = mq__compute(a, &l)) > MQ_MAX_ARENA_BYTES)
        return MQ_ETRUNC;
    if (total != st_size || h->n_bufs != a->n_bufs || h->off_slots != a->off_slots ||
        h->off_held != a->off_held || h->off_blocks != a->off_blocks ||
        h->off_conns != a->off_conns || h->off_cells != a->off_cells ||
        h->off_pools != a->off_pools || h->off_bufs != a->off_bufs ||
        h->off_bitmap != a->off_bitmap || h->off_data != a->off_data ||
        h->off_live != a->off_live || h->off_ckpt != a->off_ckpt)
        return MQ_ETRUNC;
    return 0;
}

int mq_arena_attach(const char *shm_name, mq_arena **out)
{
    struct stat st;
    mq_arena *a;
    void *base;
    int fd, rc;

    *out = NULL;
    if (!shm_name || strlen(shm_name) >= MQ_SHM_NAME_MAX)
        return MQ_EINVAL;
    fd = shm_open(shm_name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    if ((uint64_t)st.st_size < sizeof(struct mq__hdr)) {
        close(fd);
        return MQ_ETRUNC;
    }
    base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    rc = base == MAP_FAILED ? -errno : 0;
    close(fd);
    if (rc < 0)
        return rc;
    if (!(a = mq__handle_new())) {
        munmap(base, (size_t)st.st_size);
        return MQ_ENOMEM;
    }
    a->base = base;
    a->size = (size_t)st.st_size;
    if ((rc = mq__validate(a, base, (uint64_t)st.st_size)) < 0 ||
        (rc = mq__handle_init(a)) < 0) {
        munmap(base, (size_t)st.st_size);
        mq__handle_free(a);
        return rc;
    }
    snprintf(a->shm_name, sizeof a->shm_name, "%s", shm_name);
    *out = a;
    return 0;
}

void mq_arena_detach(mq_arena *a)
{
    if (!a)
        return;
    mq__pool_unclaim(a);
    mq__queue_flush_owed(a);
    munmap(a->base, a->size);
    mq__handle_free(a);
}

int mq_arena_unlink(const char *shm_name)
{
    return shm_unlink(shm_name) < 0 ? -errno : 0;
}

/* The PID in an arena's name, "/mq.GRAPH.PID.RANDOM" as mq__make_name makes it
 * (RANDOM 16 hex digits), or -1 if the name is not one. */
static long mq__name_pid(const char *name)
{
    const char *rnd = strrchr(name, '.'), *p;

    if (strncmp(name, "/mq.", 4) || !rnd || strlen(rnd + 1) != 16 ||
        strspn(rnd + 1, "0123456789abcdef") != 16)
        return -1;
    for (p = rnd; p > name + 4 && p[-1] != '.'; p--)
        ;
    if (p - 1 <= name + 4 || p == rnd || rnd - p > 9 || /* GRAPH and PID not empty */
        strspn(p, "0123456789") != (size_t)(rnd - p))
        return -1;
    return strtol(p, NULL, 10);
}

/* The "Threads:" line of /proc/PID/status, or -1. */
static long mq__proc_threads(pid_t pid)
{
    char path[32], line[128];
    long n = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "re")))
        return -1;
    while (n < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %ld", &n) != 1)
            n = -1;
    fclose(f);
    return n;
}

/* Whether the creator h names is gone (mq_arena_creator_gone). Only a proof counts:
 * every doubt answers MQ_CREATOR_ALIVE. */
static int mq__creator_state(const struct mq__hdr *h)
{
    uint64_t self_start, self_ns, start;
    pid_t pid = h->creator_pid;
    char state;
    int rc, v8 = h->version >= 8;

    mq__self_origin(&self_start, &self_ns);
    /* A pid means a process only in its own namespace (a container may share
     * /dev/shm with the host); an older arena does not say which, and is judged
     * in ours, as before it did. */
    if (v8 && (!h->creator_pidns || h->creator_pidns != self_ns))
        return MQ_CREATOR_ALIVE;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return MQ_CREATOR_EXITED;
    if (!self_ns) /* no /proc of ours to look further with */
        return MQ_CREATOR_ALIVE;
    rc = mq__proc_stat(pid, &state, &start);
    if (rc == -ENOENT || rc == -ESRCH) /* it exited between the two looks */
        return kill(pid, 0) < 0 && errno == ESRCH ? MQ_CREATOR_EXITED : MQ_CREATOR_ALIVE;
    if (rc < 0)
        return MQ_CREATOR_ALIVE;
    /* A zombie runs no code, unless only its first thread ended (pthread_exit in
     * main): then the others still count in Threads. */
    if ((state == 'Z' || state == 'X') && mq__proc_threads(pid) <= 1)
        return MQ_CREATOR_EXITED;
    /* The same pid started at another time is another process: the creator's
     * ended and its pid was given again. (Equal start times prove nothing either
     * way, at 100 ticks a second; they keep the arena.) */
    if (v8 && h->creator_start && start != h->creator_start)
        return MQ_CREATOR_REPLACED;
    return MQ_CREATOR_ALIVE;
}

/* The header is read with pread, never mapped: a truncated object cannot raise
 * SIGBUS here, and a FIFO of that name (O_NONBLOCK) cannot block. The creator
 * writes the magic last (mq__write_header) into an object O_EXCL made, so until
 * then this sees no magic, and in a header being written every field it may see
 * still 0 (a fresh object's) makes its answer "alive", never "gone". */
int mq_arena_creator_gone(const char *shm_name, mq_arena_origin *out)
{
    struct mq__hdr h;
    struct stat st;
    ssize_t n = 0;
    long name_pid;
    int fd, rc;

    if (out)
        memset(out, 0, sizeof *out);
    if (!shm_name || strlen(shm_name) >= MQ_SHM_NAME_MAX)
        return MQ_EINVAL;
    if ((name_pid = mq__name_pid(shm_name)) <= 0)
        return MQ_EBADARENA;
    if ((fd = shm_open(shm_name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW, 0)) < 0)
        return errno == ELOOP ? MQ_EBADARENA : -errno;
    memset(&h, 0, sizeof h);
    rc = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : MQ_EBADARENA;
    if (rc == 0 && (n = pread(fd, &h, sizeof h, 0)) < 0)
        rc = -errno;
    close(fd);
    if (rc < 0)
        return rc;
    if ((size_t)n < offsetof(struct mq__hdr, creator_pid) + sizeof h.creator_pid ||
        h.magic != MQ__MAGIC)
        return MQ_EBADARENA;
    if (h.version > MQ__VERSION)
        return MQ_EVERSION;
    if (h.total_size != (uint64_t)st.st_size ||
        (h.version == MQ__VERSION && ((size_t)n != sizeof h || h.hdr_size != sizeof h)))
        return MQ_ETRUNC;
    if (h.creator_pid != name_pid)
        return MQ_EBADARENA;
    if (out) {
        out->pid = h.creator_pid;
        out->version = h.version;
        if (h.version == MQ__VERSION)
            snprintf(out->graph_name, sizeof out->graph_name, "%.*s",
                     (int)sizeof h.graph_name - 1, h.graph_name);
    }
    return mq__creator_state(&h);
}

int mq_arena_destroy(mq_arena *a)
{
    int rc = mq_arena_unlink(a->shm_name);
    mq_arena_detach(a);
    return rc;
}

const char *mq_arena_shm_name(const mq_arena *a) { return a->shm_name; }
size_t mq_arena_size(const mq_arena *a) { return a->size; }
const mq_layout *mq_arena_layout(const mq_arena *a) { return &a->layout; }
pid_t mq_arena_creator_pid(const mq_arena *a) { return mq__hdr(a)->creator_pid; }

const char *mq_arena_graph_name(const mq_arena *a)
{
    /* The header is shared: force termination in place is not ours to do, so the
     * creator's snprintf is relied on and the last byte is checked. */
    const struct mq__hdr *h = mq__hdr(a);
    return h->graph_name[MQ_NAME_MAX - 1] == 0 ? h->graph_name : "";
}

int mq_arena_slot_claim(mq_arena *a, uint32_t slot)
{
    struct mq__slot *s;
    uint32_t expect = MQ_SLOT_FREE;

    if (slot >= a->layout.n_slots || a->slot >= 0)
        return MQ_EINVAL;
    s = mq__slot(a, slot);
    if (!atomic_compare_exchange_strong(&s->state, &expect, MQ_SLOT_ACTIVE))
        return MQ_EBUSY;
    /* pid last: a watcher that sees this process's pid (mq_arena_slot_info reads it
     * first) also sees its fresh heartbeat, not the slot's previous owner's. */
    atomic_store(&s->heartbeat_ns, mq_now_ns());
    atomic_store(&s->start_ns, mq_now_ns());
    atomic_store(&s->in_block, -1);
    atomic_store(&s->pid, getpid());
    a->slot = (int)slot;
    a->held_hw = 0;
    a->held_free = 0;
    return 0;
}

int mq_arena_slot(const mq_arena *a) { return a->slot; }

void mq_arena_slot_in_block(mq_arena *a, uint32_t block)
{
    if (a->slot >= 0)
        atomic_store_explicit(&mq__slot(a, (uint32_t)a->slot)->in_block, (int32_t)block,
                              memory_order_relaxed);
}

void mq_arena_request_stop(mq_arena *a)
{
    atomic_fetch_or(&mq__hdr(a)->stop, MQ__STOP);
}

int mq_arena_stop_requested(const mq_arena *a)
{
    return atomic_load_explicit(&mq__hdr(a)->stop, memory_order_relaxed) != 0;
}

void mq_arena_start(mq_arena *a)
{
    mq__hdr(a)->start_mono_ns = mq_now_ns();
    atomic_store(&mq__hdr(a)->started, 1);
    mq__doorbell_ring(&mq__hdr(a)->start_bell);
}

int mq_arena_started(const mq_arena *a)
{
    return atomic_load_explicit(&mq__hdr(a)->started, memory_order_acquire) != 0;
}

int mq_arena_start_time(const mq_arena *a, int64_t *mono_ns)
{
    if (!mq_arena_started(a))
        return MQ_EAGAIN;
    *mono_ns = mq__hdr(a)->start_mono_ns;
    return 0;
}

int mq_arena_wait_start(mq_arena *a, int64_t timeout_ns)
{
    struct mq__doorbell *bell = &mq__hdr(a)->start_bell;
    int64_t deadline = timeout_ns < 0 ? -1 : mq_now_ns() + timeout_ns;

    while (!mq_arena_started(a)) {
        uint32_t seq = mq__doorbell_arm(a, bell);
        if (mq_arena_started(a)) {
            mq__doorbell_disarm(a, bell);
            break;
        }
        if (mq__doorbell_wait(a, bell, seq, deadline) == MQ_ETIMEDOUT)
            return mq_arena_started(a) ? 0 : MQ_ETIMEDOUT;
    }
    return 0;
}

void mq_arena_fail(mq_arena *a)
{
    atomic_fetch_or(&mq__hdr(a)->stop, MQ__STOP | MQ__FAILED);
}

int mq_arena_failed(const mq_arena *a)
{
    return (atomic_load(&mq__hdr(a)->stop) & MQ__FAILED) != 0;
}

void mq_arena_heartbeat(mq_arena *a)
{
    if (a->slot >= 0)
        atomic_store_explicit(&mq__slot(a, (uint32_t)a->slot)->heartbeat_ns, mq_now_ns(),
                              memory_order_relaxed);
}

int mq_arena_slot_leave(mq_arena *a)
{
    int rc;

    if (a->slot < 0)
        return MQ_EINVAL;
    mq__pool_unclaim(a);
    mq__queue_flush_owed(a);
    rc = mq_arena_reclaim(a, (uint32_t)a->slot);
    a->slot = -1;
    a->held_hw = 0;
    a->held_free = 0;
    return rc;
}

int mq_arena_slot_info(const mq_arena *a, uint32_t slot, mq_slot_info *out)
{
    const struct mq__slot *s;
    uint32_t held = 0;

    if (slot >= a->layout.n_slots)
        return MQ_EINVAL;
    s = mq__slot(a, slot);
    out->pid = atomic_load(&s->pid); /* before the heartbeat: see mq_arena_slot_claim */
    out->state = atomic_load(&s->state);
    out->heartbeat_ns = atomic_load(&s->heartbeat_ns);
    out->restarts = atomic_load(&s->restarts);
    out->in_block = atomic_load(&s->in_block);
    for (uint32_t i = 0; i < a->layout.held_cap; i++)
        held += atomic_load(&mq__held(a, slot, i)->state) != MQ__H_EMPTY;
    out->held = held;
    return 0;
}
