/* bench_core.c - figures for libmq's core, each beside a baseline measured in the
 * same run on the same machine:
 *   1. one-hop wake-up latency through a queue (ping-pong between two processes)
 *      vs a bare futex ping-pong;
 *   2. buffers per second through one queue between two processes (alloc, fill,
 *      push / pop, check, release) vs a bare shared-memory SPSC ring of u64 and
 *      of 64 B records, publishing per item and per batch;
 *   3. alloc + release, ns per buffer, in one process.
 * Usage: bench_core [scale [section]]   scale multiplies the iteration counts (default
 *        1); section is latency, throughput or alloc (default: all three)
 *
 * The two processes of every measure are pinned to two different CPUs (the first
 * two this process may use), the baseline's as the libmq one's. Unpinned, the
 * child starts on its parent's CPU and the scheduler moves it some time later, so
 * a figure depended on when that happened: the same code measured 8, 12 or 20 M
 * buffers/s from one run to the next.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mq.h"

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_core: %s: %s\n", what, mq_strerror(rc));
    exit(1);
}

static void *shared_page(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap", -errno);
    return p;
}

/* The CPUs the parent and the child run on, -1 if fewer than two are allowed. */
static int cpu_parent = -1, cpu_child = -1;

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0)
        die("sched_setaffinity", -errno);
}

static void pin_setup(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        if (cpu_parent < 0) {
            cpu_parent = c;
        } else {
            cpu_child = c;
            break;
        }
    }
    if (cpu_child < 0) {
        cpu_parent = -1;
        printf("(one CPU allowed: the two processes of each measure share it)\n");
        return;
    }
    pin(cpu_parent);
    printf("processes pinned: parent (producer, pinger) on CPU %d, child on CPU %d\n",
           cpu_parent, cpu_child);
}

static pid_t child(void (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        pin(cpu_child);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        fn(arg);
        _exit(0);
    }
    return pid;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n odd), and its extremes; sorts v. */
static double median(double *v, int n, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *lo = v[0];
    *hi = v[n - 1];
    return v[n / 2];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- 1. latency ---------------------------------------------------------------- */

struct futex_pp {
    _Atomic uint32_t word[2];
    int rounds;
};

/* Busy-waits `ns` between rounds so that the other side has stopped spinning and
 * sleeps: the round trip then measures kernel wake-ups, not a spin hand-off. */
static void gap(int64_t ns)
{
    int64_t until = mq_now_ns() + ns;
    while (ns > 0 && mq_now_ns() < until)
        ;
}

static void futex_wait_for(_Atomic uint32_t *w, uint32_t want)
{
    uint32_t v;
    while ((v = atomic_load(w)) != want)
        syscall(SYS_futex, w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void futex_set(_Atomic uint32_t *w, uint32_t v)
{
    atomic_store(w, v);
    syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void futex_ponger(void *arg)
{
    struct futex_pp *pp = arg;
    for (int i = 1; i <= pp->rounds; i++) {
        futex_wait_for(&pp->word[0], (uint32_t)i);
        futex_set(&pp->word[1], (uint32_t)i);
    }
}

static void latency_futex(int rounds, int64_t gap_ns, int64_t *p50, int64_t *p99)
{
    struct futex_pp *pp = shared_page(4096);
    int64_t *rtt = malloc(sizeof *rtt * (size_t)rounds);
    pp->rounds = rounds;
    pid_t pid = child(futex_ponger, pp);
    for (int i = 1; i <= rounds; i++) {
        gap(gap_ns);
        int64_t t0 = mq_now_ns();
        futex_set(&pp->word[0], (uint32_t)i);
        futex_wait_for(&pp->word[1], (uint32_t)i);
        rtt[i - 1] = (mq_now_ns() - t0) / 2;
    }
    waitpid(pid, NULL, 0);
    qsort(rtt, (size_t)rounds, sizeof *rtt, cmp_i64);
    *p50 = rtt[rounds / 2];
    *p99 = rtt[rounds * 99 / 100];
    free(rtt);
    munmap(pp, 4096);
}

struct mq_pp {
    mq_arena *a;
    int rounds;
};

static mq_arena *attach(mq_arena *a, uint32_t slot)
{
    mq_arena *b;
    int rc = mq_arena_attach(mq_arena_shm_name(a), &b);
    if (rc < 0 || (rc = mq_arena_slot_claim(b, slot)) < 0)
        die("attach", rc);
    return b;
}

static void mq_ponger(void *arg)
{
    struct mq_pp *pp = arg;
    mq_arena *a = attach(pp->a, 1);
    for (int i = 0; i < pp->rounds; i++) {
        mq_id id;
        if (mq_queue_pop(a, 0, &id, -1) < 0 || mq_queue_push(a, 1, id, -1) < 0)
            die("ponger", -EIO);
    }
    mq_arena_slot_leave(a);
}

static mq_arena *two_block_arena(uint32_t conns_back)
{
    mq_layout l;
    mq_arena *a;
    int rc;

    mq_layout_default(&l);
    /* The buffers here are 64 B: a 64 B class, as a user moving small messages
     * would set up, rather than 4 KiB buffers a page apart. */
    l.pools[0] = (mq_pool_class){64, 4096};
    if ((rc = mq_arena_create(&l, "bench", &a)) < 0)
        die("create", rc);
    mq_registry_add_block(a, "a", "bench");
    mq_registry_add_block(a, "b", "bench");
    mq_registry_add_conn(a, 0, 0, 1, 0, 0, MQ_POLICY_BLOCK);
    if (conns_back)
        mq_registry_add_conn(a, 1, 0, 0, 0, 0, MQ_POLICY_BLOCK);
    return a;
}

static void latency_mq(int rounds, int64_t gap_ns, int64_t *p50, int64_t *p99)
{
    mq_arena *a = two_block_arena(1);
    struct mq_pp pp = {a, rounds};
    int64_t *rtt = malloc(sizeof *rtt * (size_t)rounds);
    mq_id id;
    int rc;

    pid_t pid = child(mq_ponger, &pp);
    if ((rc = mq_arena_slot_claim(a, 0)) < 0 || (rc = mq_buf_alloc(a, 64, -1, &id)) < 0)
        die("latency setup", rc);
    for (int i = 0; i < rounds; i++) {
        gap(gap_ns);
        int64_t t0 = mq_now_ns();
        if (mq_queue_push(a, 0, id, -1) < 0 || mq_queue_pop(a, 1, &id, -1) < 0)
            die("pinger", -EIO);
        rtt[i] = (mq_now_ns() - t0) / 2;
    }
    mq_buf_release(a, id);
    waitpid(pid, NULL, 0);
    qsort(rtt, (size_t)rounds, sizeof *rtt, cmp_i64);
    *p50 = rtt[rounds / 2];
    *p99 = rtt[rounds * 99 / 100];
    free(rtt);
    mq_arena_destroy(a);
}

/* ---- 2. throughput --------------------------------------------------------------- */

/* The bare ring carries `stride` u64 words per item: 1 is a ring of u64, 8 is a
 * ring of 64-byte records (the payload travels inside the ring, as in a hand-made
 * shared-memory queue without buffers). */
#define RING 256
struct bare_ring {
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) uint64_t cells[RING * 8];
    uint64_t n, stride, batch;
};

/* Each side re-reads the other's index only when its own copy says the ring is
 * empty (consumer) or full (producer), as a well-made SPSC ring does. `batch` is
 * how many items a side moves before it publishes its index: 1 publishes every
 * item; 32 is the ring's counterpart of mq's batch calls. */
static void bare_consumer(void *arg)
{
    struct bare_ring *r = arg;
    uint64_t h = 0, t = 0;
    while (h < r->n) {
        if (h == t) {
            t = atomic_load_explicit(&r->tail, memory_order_acquire);
            continue;
        }
        uint64_t end = t - h < r->batch ? t : h + r->batch;
        for (; h < end; h++)
            if (r->cells[(h % RING) * r->stride] != h)
                die("bare ring order", -EIO);
        atomic_store_explicit(&r->head, h, memory_order_release);
    }
}

static double throughput_bare(uint64_t n, uint64_t stride, uint64_t batch)
{
    struct bare_ring *r = shared_page(sizeof *r);
    uint64_t h = 0;
    r->n = n;
    r->stride = stride;
    r->batch = batch;
    pid_t pid = child(bare_consumer, r);
    int64_t t0 = mq_now_ns();
    for (uint64_t t = 0; t < n;) {
        uint64_t end = n - t < batch ? n : t + batch;
        while (end - h > RING)
            h = atomic_load_explicit(&r->head, memory_order_acquire);
        for (; t < end; t++)
            r->cells[(t % RING) * stride] = t;
        atomic_store_explicit(&r->tail, t, memory_order_release);
    }
    waitpid(pid, NULL, 0);
    double s = (double)(mq_now_ns() - t0) / 1e9;
    munmap(r, sizeof *r);
    return (double)n / s;
}

/* batch 1: alloc, push, pop and release per buffer; batch > 1: the producer
 * allocates up to `batch` buffers (mq_buf_alloc_many), fills them and hands them to
 * mq_queue_push_many; the consumer takes up to `batch` at a time
 * (mq_queue_pop_many) and gives them back with mq_buf_release_many. */
struct mq_tp {
    mq_arena *a;
    uint64_t n;
    int batch;
};

static void mq_consumer(void *arg)
{
    struct mq_tp *tp = arg;
    mq_arena *a = attach(tp->a, 1);
    mq_id ids[MQ_QUEUE_BATCH];
    for (uint64_t i = 0; i < tp->n;) {
        int got = tp->batch > 1 ? mq_queue_pop_many(a, 0, ids, tp->batch, -1)
                                : mq_queue_pop(a, 0, ids, -1) == 0;
        if (got <= 0)
            die("mq consumer pop", got);
        for (int k = 0; k < got; k++, i++) {
            if (*(uint64_t *)mq_buf_data(a, ids[k]) != i)
                die("mq consumer order", -EIO);
            if (tp->batch == 1)
                mq_buf_release(a, ids[k]);
        }
        if (tp->batch > 1)
            mq_buf_release_many(a, ids, got);
    }
    mq_arena_slot_leave(a);
}

static double throughput_mq(uint64_t n, int batch)
{
    mq_arena *a = two_block_arena(0);
    struct mq_tp tp = {a, n, batch};
    mq_id ids[MQ_QUEUE_BATCH];
    int rc;

    pid_t pid = child(mq_consumer, &tp);
    if ((rc = mq_arena_slot_claim(a, 0)) < 0)
        die("claim", rc);
    int64_t t0 = mq_now_ns();
    for (uint64_t i = 0; i < n;) {
        int want = n - i < (uint64_t)batch ? (int)(n - i) : batch, k;
        if (batch > 1)
            k = mq_buf_alloc_many(a, 64, want, -1, ids);
        else
            k = mq_buf_alloc(a, 64, -1, ids) == 0;
        if (k <= 0)
            die("alloc", k);
        for (int j = 0; j < k; j++) {
            *(uint64_t *)mq_buf_data(a, ids[j]) = i + (uint64_t)j;
            mq_buf_set_length(a, ids[j], 8);
        }
        for (int done = 0; done < k;) {
            rc = batch > 1 ? mq_queue_push_many(a, 0, ids + done, k - done, -1)
                           : mq_queue_push(a, 0, ids[done], -1) == 0;
            if (rc <= 0)
                die("push", rc);
            done += rc;
        }
        i += (uint64_t)k;
    }
    waitpid(pid, NULL, 0);
    double s = (double)(mq_now_ns() - t0) / 1e9;
    mq_arena_destroy(a);
    return (double)n / s;
}

/* ---- 3. alloc + release ---------------------------------------------------------- */

static double alloc_release_ns(uint64_t n, double *malloc_ns)
{
    mq_arena *a = two_block_arena(0);
    mq_id id;
    int rc;

    if ((rc = mq_arena_slot_claim(a, 0)) < 0)
        die("claim", rc);
    int64_t t0 = mq_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = mq_buf_alloc(a, 64, 0, &id)) < 0)
            die("alloc", rc);
        mq_buf_release(a, id);
    }
    double ns = (double)(mq_now_ns() - t0) / (double)n;
    mq_arena_destroy(a);
    void *volatile p;
    t0 = mq_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        p = malloc(4096);
        free(p);
    }
    *malloc_ns = (double)(mq_now_ns() - t0) / (double)n;
    return ns;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int rounds = (int)(20000 * scale);
    uint64_t n = (uint64_t)(2000000 * scale);
    int64_t f50, f99, q50, q99;
    double malloc_ns;
    const char *only = argc > 2 ? argv[2] : NULL;

    pin_setup();

    static const struct { const char *what; int64_t gap; } modes[] = {
        {"both sides awake (no gap: spin hand-off)", 0},
        {"both sides asleep (200 us gap: kernel wake-ups)", 200000},
    };
    for (int m = 0; m < 2 && (!only || !strcmp(only, "latency")); m++) {
        int r = modes[m].gap ? rounds / 4 : rounds;
        latency_futex(r, modes[m].gap, &f50, &f99);
        latency_mq(r, modes[m].gap, &q50, &q99);
        printf("one-hop latency, %d round trips, %s\n", r, modes[m].what);
        printf("  bare futex ping-pong     p50 %6.2f us   p99 %6.2f us\n", f50 / 1e3, f99 / 1e3);
        printf("  mq queue ping-pong       p50 %6.2f us   p99 %6.2f us\n", q50 / 1e3, q99 / 1e3);
        printf("  ratio mq/futex           p50 %6.2f      p99 %6.2f   (target p50 <= 1.5)\n",
               (double)q50 / (double)f50, (double)q99 / (double)f99);
    }

    if (only && strcmp(only, "throughput"))
        goto alloc;
    /* Rounds interleave the six so that a slow spell of the machine hits all of
     * them, and each ratio is taken within a round: the median over the rounds,
     * with the lowest and the highest. The rates also swing with where the host
     * puts the two vCPUs: when it gives them one core's caches, the bare rings
     * run 5-10x faster, far more than the libmq path gains. */
    enum { ROUNDS = 7, NR = 6, NQ = 5 };
    static const char *what[NR] = {
        "bare ring of u64, item at a time     ", "bare ring of 64 B, item at a time    ",
        "bare ring of u64, batches of 32      ", "bare ring of 64 B, batches of 32     ",
        "mq, one buffer at a time             ", "mq, batches of 32                    "};
    static const char *unit[NR] = {
        "M items/s", "M items/s", "M items/s", "M items/s",
        "M buffers/s (alloc, push, pop, release)",
        "M buffers/s (alloc_many, push_many, pop_many, release_many)"};
    /* Ratios: rate q[0] over rate q[1]. The first four compare like with like:
     * each side publishes per item, or per batch of 32. The last is the figure
     * of earlier notes (batched mq against the item-at-a-time ring). */
    static const struct { int q[2]; const char *what; } ratios[NQ] = {
        {{4, 0}, "one at a time / bare u64 item at a time "},
        {{4, 1}, "one at a time / bare 64 B item at a time"},
        {{5, 2}, "batched / bare u64 batched              "},
        {{5, 3}, "batched / bare 64 B batched             "},
        {{5, 0}, "batched / bare u64 item at a time       "},
    };
    double rate[NR][ROUNDS], ratio[NQ][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        rate[0][r] = throughput_bare(n, 1, 1);
        rate[1][r] = throughput_bare(n, 8, 1);
        rate[2][r] = throughput_bare(n, 1, 32);
        rate[3][r] = throughput_bare(n, 8, 32);
        rate[4][r] = throughput_mq(n, 1);
        rate[5][r] = throughput_mq(n, 32);
        for (int k = 0; k < NQ; k++)
            ratio[k][r] = rate[ratios[k].q[0]][r] / rate[ratios[k].q[1]][r];
    }
    printf("throughput, %llu items between two processes, 64 B buffers from a 64 B class,"
           " %d interleaved rounds: median (lowest-highest)\n", (unsigned long long)n, ROUNDS);
    for (int k = 0; k < NR; k++) {
        double lo, hi, med = median(rate[k], ROUNDS, &lo, &hi);
        printf("  %s %7.2f (%.2f-%.2f) %s\n", what[k], med / 1e6, lo / 1e6, hi / 1e6, unit[k]);
    }
    for (int k = 0; k < NQ; k++) {
        double lo, hi, med = median(ratio[k], ROUNDS, &lo, &hi);
        printf("  ratio %s %5.2f (%.2f-%.2f)\n", ratios[k].what, med, lo, hi);
    }

alloc:
    if (only && strcmp(only, "alloc"))
        return 0;
    double ar = alloc_release_ns(n, &malloc_ns);
    printf("alloc+release, one process, %llu iterations\n", (unsigned long long)n);
    printf("  mq_buf_alloc+release     %8.1f ns\n", ar);
    printf("  malloc+free (4 KiB)      %8.1f ns\n", malloc_ns);
    return 0;
}
