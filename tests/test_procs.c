/* test_procs.c - buffers and queues between real processes (fork): ordering and
 * payloads over a million buffers, fan-out to three consumer processes, and each
 * overflow policy under a slow consumer with exact drop counts. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"
#include "suite.h"

#define MILLION 1000000u

static uint64_t pattern(uint64_t i)
{
    return i * 0x9e3779b97f4a7c15ULL ^ 0x5bd1e995;
}

struct job {
    mq_arena *a;
    uint32_t slot, conn[3], nconn;
    uint64_t count;
    int go[2];      /* a consumer waits for one byte here before popping, if open */
    int ready[2];   /* a producer writes one byte here after `signal_after` pushes */
    uint64_t signal_after;
    uint64_t *report;   /* a MAP_SHARED page: [0] = n, [1..] = values received */
    int batch;          /* > 1: mq_queue_push_many / pop_many of up to this many */
};

/* Producer with batch > 1 and one connection: allocates up to `batch`, then hands
 * them to mq_queue_push_many until all are queued. */
static int produce_batches(mq_arena *a, struct job *j)
{
    mq_id ids[MQ_QUEUE_BATCH];

    for (uint64_t i = 0; i < j->count;) {
        int n = 0;
        for (; n < j->batch && i + (uint64_t)n < j->count; n++) {
            if (mq_buf_alloc(a, 16, -1, &ids[n]) < 0)
                return 11;
            uint64_t *p = mq_buf_data(a, ids[n]);
            p[0] = i + (uint64_t)n;
            p[1] = pattern(p[0]);
            mq_buf_set_length(a, ids[n], 16);
        }
        for (int done = 0; done < n;) {
            int rc = mq_queue_push_many(a, j->conn[0], ids + done, n - done, -1);
            if (rc <= 0)
                return 13;
            done += rc;
        }
        i += (uint64_t)n;
    }
    return 0;
}

/* Pushes j->count buffers numbered 0.. to every connection in j->conn (sharing the
 * buffer when there are several), then closes them. */
static int producer(void *arg)
{
    struct job *j = arg;
    mq_arena *a = tu_child_attach(j->a, j->slot);
    if (!a)
        return 10;
    int rc = j->batch > 1 ? produce_batches(a, j) : 0;
    if (rc)
        return rc;
    for (uint64_t i = 0; j->batch <= 1 && i < j->count; i++) {
        mq_id id, ids[3];
        if (mq_buf_alloc(a, 16, -1, &id) < 0)
            return 11;
        uint64_t *p = mq_buf_data(a, id);
        p[0] = i;
        p[1] = pattern(i);
        mq_buf_set_length(a, id, 16);
        if (j->nconn == 1)
            ids[0] = id;
        else if (mq_buf_share(a, id, j->nconn, ids) < 0)
            return 12;
        for (uint32_t c = 0; c < j->nconn; c++)
            if (mq_queue_push(a, j->conn[c], ids[c], -1) < 0)
                return 13;
        if (j->signal_after && i + 1 == j->signal_after && write(j->ready[1], "r", 1) != 1)
            return 14;
    }
    for (uint32_t c = 0; c < j->nconn; c++)
        mq_queue_close(a, j->conn[c]);
    if (mq_arena_slot_leave(a) != 0)
        return 15; /* it should hold nothing */
    mq_arena_detach(a);
    return 0;
}

/* Checks (or records) the n-th buffer received, and releases it. */
static int consume_one(mq_arena *a, struct job *j, mq_id id, uint64_t n)
{
    const uint64_t *p = mq_buf_data(a, id);

    if (!p || mq_buf_length(a, id) != 16)
        return 22;
    if (j->count) {
        if (p[0] != n || p[1] != pattern(n))
            return 23;
    } else if (j->report && n < 500) {
        j->report[1 + n] = p[0];
    }
    return mq_buf_release(a, id) < 0 ? 24 : 0;
}

/* Pops from j->conn[0] (up to j->batch at a time) until end of stream. With count
 * set, checks that it received exactly 0..count-1 in order; otherwise records
 * what it received. */
static int consumer(void *arg)
{
    struct job *j = arg;
    mq_arena *a = tu_child_attach(j->a, j->slot);
    uint64_t n = 0;
    char c;
    int got, bad;
    mq_id ids[MQ_QUEUE_BATCH];

    if (!a)
        return 20;
    if (j->go[0] >= 0 && read(j->go[0], &c, 1) != 1)
        return 21;
    while ((got = mq_queue_pop_many(a, j->conn[0], ids, j->batch > 1 ? j->batch : 1, -1)) > 0)
        for (int k = 0; k < got; k++)
            if ((bad = consume_one(a, j, ids[k], n++)) != 0)
                return bad;
    if (got != MQ_EOS)
        return 25;
    if (j->count && n != j->count)
        return 26;
    if (j->report)
        j->report[0] = n;
    mq_arena_slot_leave(a);
    mq_arena_detach(a);
    return 0;
}

static mq_arena *graph(uint32_t nsinks, uint32_t depth, int policy, uint32_t queue_cap)
{
    mq_layout l;
    tu_layout_small(&l);
    l.pools[0] = (mq_pool_class){64, 256};
    l.queue_cap = queue_cap;
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "src", "t"), 0);
    for (uint32_t s = 0; s < nsinks; s++) {
        ck_assert_int_eq(mq_registry_add_block(a, "sink", "t"), (int)s + 1);
        ck_assert_int_eq(mq_registry_add_conn(a, 0, s, s + 1, 0, depth, policy), (int)s);
    }
    return a;
}

static struct job job(mq_arena *a, uint32_t slot, uint32_t conn, uint64_t count)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.slot = slot;
    j.conn[0] = conn;
    j.nconn = 1;
    j.count = count;
    j.go[0] = j.go[1] = j.ready[0] = j.ready[1] = -1;
    return j;
}

/* A million buffers from a producer process to a consumer process through one
 * queue, moved `pbatch` and `cbatch` at a time (1: one call per buffer). */
static void million_through_one_queue(int pbatch, int cbatch)
{
    mq_arena *a = graph(1, 0, MQ_POLICY_BLOCK, 256);
    struct job p = job(a, 1, 0, MILLION), c = job(a, 2, 0, MILLION);
    mq_queue_stats st;

    p.batch = pbatch;
    c.batch = cbatch;
    pid_t pc = tu_fork(consumer, &c);
    pid_t pp = tu_fork(producer, &p);
    ck_assert_int_eq(tu_wait(pp), 0);
    ck_assert_int_eq(tu_wait(pc), 0);
    ck_assert_int_eq(mq_queue_stats_get(a, 0, &st), 0);
    ck_assert_uint_eq(st.pushed, MILLION);
    ck_assert_uint_eq(st.popped, MILLION);
    ck_assert_uint_eq(st.bytes, 16ull * MILLION);
    ck_assert_uint_eq(st.drops, 0);
    ck_assert_uint_le(st.hwm, 256);
    tu_assert_pools_full(a);
}

START_TEST(test_million_buffers_arrive_in_order_with_payloads)
{
    million_through_one_queue(1, 1);
}
END_TEST

/* The same through the batch calls, with unequal batches on the two sides so that
 * pops see every partial batch. */
START_TEST(test_million_buffers_in_batches_arrive_in_order)
{
    million_through_one_queue(16, 7);
}
END_TEST

START_TEST(test_fan_out_to_three_consumer_processes_frees_every_buffer)
{
    mq_arena *a = graph(3, 32, MQ_POLICY_BLOCK, 64);
    struct job p = job(a, 0, 0, 100000), c[3];
    pid_t pc[3];

    p.nconn = 3;
    p.conn[1] = 1;
    p.conn[2] = 2;
    for (uint32_t i = 0; i < 3; i++) {
        c[i] = job(a, i + 1, i, 100000);
        pc[i] = tu_fork(consumer, &c[i]);
    }
    pid_t pp = tu_fork(producer, &p);
    ck_assert_int_eq(tu_wait(pp), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(tu_wait(pc[i]), 0);
    for (uint32_t q = 0; q < 3; q++) {
        mq_queue_stats st;
        ck_assert_int_eq(mq_queue_stats_get(a, q, &st), 0);
        ck_assert_uint_eq(st.popped, 100000);
    }
    tu_assert_pools_full(a); /* every buffer's three references came back */
}
END_TEST

/* Runs 100 values through a depth-8 queue whose consumer starts only after the
 * producer has pushed `head_start` of them; returns how many values the consumer
 * received, written to got[]. */
static uint64_t slow_consumer_run(int policy, uint64_t head_start, uint64_t *got,
                                  mq_queue_stats *st)
{
    mq_arena *a = graph(1, 8, policy, 16);
    struct job p = job(a, 1, 0, 100), c = job(a, 2, 0, 0);
    char r;

    ck_assert_int_eq(pipe(p.ready), 0);
    ck_assert_int_eq(pipe(c.go), 0);
    p.signal_after = head_start;
    c.report = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(c.report, MAP_FAILED);
    pid_t pp = tu_fork(producer, &p);
    pid_t pc = tu_fork(consumer, &c);
    ck_assert_int_eq(read(p.ready[0], &r, 1), 1); /* the producer is past head_start */
    ck_assert_int_eq(write(c.go[1], "g", 1), 1);
    ck_assert_int_eq(tu_wait(pp), 0);
    ck_assert_int_eq(tu_wait(pc), 0);
    uint64_t n = c.report[0];
    ck_assert_uint_le(n, 100);
    memcpy(got, c.report + 1, n * sizeof *got);
    munmap(c.report, 4096);
    ck_assert_int_eq(mq_queue_stats_get(a, 0, st), 0);
    tu_assert_pools_full(a);
    return n;
}

START_TEST(test_slow_consumer_drop_newest_drops_exactly_92)
{
    uint64_t got[100];
    mq_queue_stats st;

    /* All 100 pushes happen before the consumer starts. */
    ck_assert_uint_eq(slow_consumer_run(MQ_POLICY_DROP_NEWEST, 100, got, &st), 8);
    for (uint64_t i = 0; i < 8; i++)
        ck_assert_uint_eq(got[i], i);
    ck_assert_uint_eq(st.drops, 92);
    ck_assert_uint_eq(st.pushed, 8);
    ck_assert_uint_eq(st.hwm, 8);
}
END_TEST

START_TEST(test_slow_consumer_drop_oldest_keeps_the_last_8)
{
    uint64_t got[100];
    mq_queue_stats st;

    ck_assert_uint_eq(slow_consumer_run(MQ_POLICY_DROP_OLDEST, 100, got, &st), 8);
    for (uint64_t i = 0; i < 8; i++)
        ck_assert_uint_eq(got[i], 92 + i);
    ck_assert_uint_eq(st.drops, 92);
    ck_assert_uint_eq(st.pushed, 100);
    ck_assert_uint_eq(st.popped, 8);
}
END_TEST

START_TEST(test_slow_consumer_block_policy_loses_nothing)
{
    uint64_t got[100];
    mq_queue_stats st;

    /* The consumer starts once the queue is full; the producer then blocks. */
    ck_assert_uint_eq(slow_consumer_run(MQ_POLICY_BLOCK, 8, got, &st), 100);
    for (uint64_t i = 0; i < 100; i++)
        ck_assert_uint_eq(got[i], i);
    ck_assert_uint_eq(st.drops, 0);
    ck_assert_uint_eq(st.pushed, 100);
    ck_assert_uint_eq(st.hwm, 8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("procs");
    TCase *tc = tcase_create("procs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_million_buffers_arrive_in_order_with_payloads);
    tcase_add_test(tc, test_million_buffers_in_batches_arrive_in_order);
    tcase_add_test(tc, test_fan_out_to_three_consumer_processes_frees_every_buffer);
    tcase_add_test(tc, test_slow_consumer_drop_newest_drops_exactly_92);
    tcase_add_test(tc, test_slow_consumer_drop_oldest_keeps_the_last_8);
    tcase_add_test(tc, test_slow_consumer_block_policy_loses_nothing);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
