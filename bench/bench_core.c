/* bench_core.c - figures for libmq's core, each beside a baseline measured in the
 * same run on the same machine:
 *   1. one-hop wake-up latency through a queue (ping-pong between two processes)
 *      vs a bare futex ping-pong;
 *   2. buffers per second through one queue between two processes (alloc, fill,
 *      push / pop, check, release) vs a bare shared-memory SPSC ring of records,
 *      publishing per item and per batch: 64 B buffers against rings of u64 and
 *      of 64 B records, and 4 KiB buffers, every byte written and read, against
 *      a ring of 4 KiB records;
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

/* Two blocks and one connection (two with conns_back, the second going back), and
 * the buffers from a pool class of their size: 4096 of 64 B, as a user moving
 * small messages would set up rather than 4 KiB buffers a page apart, or 1024 of
 * 4 KiB. */
static mq_arena *two_block_arena(size_t size, uint32_t conns_back)
{
    mq_layout l;
    mq_arena *a;
    int rc;

    mq_layout_default(&l);
    l.pools[0] = (mq_pool_class){size, size < 4096 ? 4096 : 1024};
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
    mq_arena *a = two_block_arena(64, 1);
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

/* What one measure moves: records or buffers of `words` u64 words, of which the
 * producer writes the first `touch` (the item's sequence number in each) and the
 * consumer reads and checks them all. 64 B items touch one word: the figure is the
 * cost of moving an item. 4 KiB items touch every word, as a stream block does: the
 * figure includes writing and reading the payload, which the two sides then share. */
struct item {
    uint64_t words, touch;
};

static inline void fill(uint64_t *p, uint64_t touch, uint64_t v)
{
    for (uint64_t i = 0; i < touch; i++)
        p[i] = v;
}

static inline int check(const uint64_t *p, uint64_t touch, uint64_t v)
{
    uint64_t s = 0;
    for (uint64_t i = 0; i < touch; i++)
        s += p[i];
    return s == v * touch;
}

/* The bare ring carries the records themselves (the payload travels inside the
 * ring, as in a hand-made shared-memory queue without buffers). */
#define RING 256
struct bare_ring {
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) uint64_t n, batch;
    struct item it;
    _Alignas(4096) uint64_t cells[];
};

static size_t bare_size(const struct item *it)
{
    return sizeof(struct bare_ring) + RING * it->words * sizeof(uint64_t);
}

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
            if (!check(&r->cells[(h % RING) * r->it.words], r->it.touch, h))
                die("bare ring order", -EIO);
        atomic_store_explicit(&r->head, h, memory_order_release);
    }
}

static double throughput_bare(uint64_t n, const struct item *it, uint64_t batch)
{
    struct bare_ring *r = shared_page(bare_size(it));
    uint64_t h = 0;
    r->n = n;
    r->batch = batch;
    r->it = *it;
    pid_t pid = child(bare_consumer, r);
    int64_t t0 = mq_now_ns();
    for (uint64_t t = 0; t < n;) {
        uint64_t end = n - t < batch ? n : t + batch;
        while (end - h > RING)
            h = atomic_load_explicit(&r->head, memory_order_acquire);
        for (; t < end; t++)
            fill(&r->cells[(t % RING) * it->words], it->touch, t);
        atomic_store_explicit(&r->tail, t, memory_order_release);
    }
    waitpid(pid, NULL, 0);
    double s = (double)(mq_now_ns() - t0) / 1e9;
    munmap(r, bare_size(it));
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
    struct item it;
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
            if (!check(mq_buf_data(a, ids[k]), tp->it.touch, i))
                die("mq consumer order", -EIO);
            if (tp->batch == 1)
                mq_buf_release(a, ids[k]);
        }
        if (tp->batch > 1)
            mq_buf_release_many(a, ids, got);
    }
    mq_arena_slot_leave(a);
}

static double throughput_mq(uint64_t n, const struct item *it, int batch)
{
    size_t size = it->words * sizeof(uint64_t);
    mq_arena *a = two_block_arena(size, 0);
    struct mq_tp tp = {a, n, batch, *it};
    mq_id ids[MQ_QUEUE_BATCH];
    int rc;

    pid_t pid = child(mq_consumer, &tp);
    if ((rc = mq_arena_slot_claim(a, 0)) < 0)
        die("claim", rc);
    int64_t t0 = mq_now_ns();
    for (uint64_t i = 0; i < n;) {
        int want = n - i < (uint64_t)batch ? (int)(n - i) : batch, k;
        if (batch > 1)
            k = mq_buf_alloc_many(a, size, want, -1, ids);
        else
            k = mq_buf_alloc(a, size, -1, ids) == 0;
        if (k <= 0)
            die("alloc", k);
        for (int j = 0; j < k; j++) {
            fill(mq_buf_data(a, ids[j]), it->touch, i + (uint64_t)j);
            mq_buf_set_length(a, ids[j], it->touch * sizeof(uint64_t));
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

/* One set of throughput measures on one item size, run in interleaved rounds so
 * that a slow spell of the machine hits all of them; each ratio is taken within a
 * round, and the median over the rounds is printed with the lowest and highest.
 * The rates also swing with where the host puts the two vCPUs: when it gives them
 * one core's caches, the bare rings run 5-10x faster, far more than mq gains. */
enum { ROUNDS = 7, MAX_MEASURES = 6, MAX_RATIOS = 5 };
struct measure {
    const char *what;
    int mq;            /* 0: the bare ring */
    int item;          /* index into the set's items */
    uint64_t batch;
};
struct ratio {
    int q[2]; /* rate of measure q[0] over that of q[1] */
    const char *what;
};
struct tp_set {
    const char *title;
    uint64_t n_div; /* the set moves n / n_div items */
    struct item items[2];
    int n_measures, n_ratios;
    struct measure m[MAX_MEASURES];
    struct ratio r[MAX_RATIOS];
};

static void throughput_set(const struct tp_set *set, uint64_t n)
{
    double rate[MAX_MEASURES][ROUNDS], ratio[MAX_RATIOS][ROUNDS];

    n /= set->n_div;
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < set->n_measures; k++) {
            const struct measure *m = &set->m[k];
            const struct item *it = &set->items[m->item];
            rate[k][r] = m->mq ? throughput_mq(n, it, (int)m->batch)
                               : throughput_bare(n, it, m->batch);
        }
        for (int k = 0; k < set->n_ratios; k++)
            ratio[k][r] = rate[set->r[k].q[0]][r] / rate[set->r[k].q[1]][r];
    }
    printf("throughput, %llu %s, %d interleaved rounds: median (lowest-highest)\n",
           (unsigned long long)n, set->title, ROUNDS);
    for (int k = 0; k < set->n_measures; k++) {
        double lo, hi, med = median(rate[k], ROUNDS, &lo, &hi);
        printf("  %-38s %8.2f (%.2f-%.2f) %s\n", set->m[k].what, med / 1e6, lo / 1e6,
               hi / 1e6, set->m[k].mq ? "M buffers/s" : "M items/s");
    }
    for (int k = 0; k < set->n_ratios; k++) {
        double lo, hi, med = median(ratio[k], ROUNDS, &lo, &hi);
        printf("  ratio %-42s %5.2f (%.2f-%.2f)\n", set->r[k].what, med, lo, hi);
    }
}

/* mq one at a time: alloc, push, pop, release; batched: alloc_many, push_many,
 * pop_many, release_many. The first ratios of each set compare like with like:
 * each side publishes per item, or per batch of 32. The last of the 64 B set is
 * the figure of earlier notes (batched mq against the item-at-a-time ring). */
static const struct tp_set tp_sets[] = {
    {"items between two processes, 64 B buffers from a 64 B class (8 B written and read)",
     1, {{1, 1}, {8, 1}}, 6, 5,
     {{"bare ring of u64, item at a time", 0, 0, 1},
      {"bare ring of 64 B, item at a time", 0, 1, 1},
      {"bare ring of u64, batches of 32", 0, 0, 32},
      {"bare ring of 64 B, batches of 32", 0, 1, 32},
      {"mq, one buffer at a time", 1, 1, 1},
      {"mq, batches of 32", 1, 1, 32}},
     {{{4, 0}, "one at a time / bare u64 item at a time"},
      {{4, 1}, "one at a time / bare 64 B item at a time"},
      {{5, 2}, "batched / bare u64 batched"},
      {{5, 3}, "batched / bare 64 B batched"},
      {{5, 0}, "batched / bare u64 item at a time"}}},
    {"items between two processes, 4 KiB buffers (every byte written and read)",
     10, {{512, 512}}, 4, 2,
     {{"bare ring of 4 KiB, item at a time", 0, 0, 1},
      {"bare ring of 4 KiB, batches of 32", 0, 0, 32},
      {"mq, one buffer at a time", 1, 0, 1},
      {"mq, batches of 32", 1, 0, 32}},
     {{{2, 0}, "one at a time / bare 4 KiB item at a time"},
      {{3, 1}, "batched / bare 4 KiB batched"}}},
};

/* ---- 3. alloc + release ---------------------------------------------------------- */

static double alloc_release_ns(uint64_t n, double *malloc_ns)
{
    mq_arena *a = two_block_arena(64, 0);
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

    if (!only || !strcmp(only, "throughput"))
        for (size_t k = 0; k < sizeof tp_sets / sizeof tp_sets[0]; k++)
            throughput_set(&tp_sets[k], n);

    if (only && strcmp(only, "alloc"))
        return 0;
    double ar = alloc_release_ns(n, &malloc_ns);
    printf("alloc+release, one process, %llu iterations\n", (unsigned long long)n);
    printf("  mq_buf_alloc+release     %8.1f ns\n", ar);
    printf("  malloc+free (4 KiB)      %8.1f ns\n", malloc_ns);
    return 0;
}
