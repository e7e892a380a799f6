/* test_sched.c - tasks of one thread (sched.h): buffers between two tasks of one
 * process in order and without the thread ever sleeping; a task waiting on another
 * process's pushes sleeps and is woken; deadlines; a wait for a free buffer given
 * back by a task of the same thread. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "suite.h"

#define N 100000

struct flow {
    mq_arena *h;
    uint32_t conn;
    uint32_t n;      /* values to move */
    uint32_t got;    /* values the consumer saw, in order */
    int bad;         /* the first value out of order + 1, or a failed call's code */
    int end;         /* the consumer's last pop's code */
};

static void producer(void *arg)
{
    struct flow *f = arg;
    for (uint32_t i = 0; i < f->n; i++) {
        mq_id id;
        int rc;
        if ((rc = mq_buf_alloc(f->h, 4, -1, &id)) < 0) {
            f->bad = rc;
            return;
        }
        memcpy(mq_buf_data(f->h, id), &i, 4);
        mq_buf_set_length(f->h, id, 4);
        if ((rc = mq_queue_push(f->h, f->conn, id, -1)) < 0) { /* waits while full */
            f->bad = rc;
            return;
        }
    }
    mq_queue_close(f->h, f->conn);
}

static void consumer(void *arg)
{
    struct flow *f = arg;
    mq_id id;
    int rc;
    while ((rc = mq_queue_pop(f->h, f->conn, &id, -1)) == 0) { /* waits while empty */
        uint32_t v;
        memcpy(&v, mq_buf_data(f->h, id), 4);
        if (v != f->got && !f->bad)
            f->bad = (int)v + 1;
        f->got++;
        mq_buf_release(f->h, id);
    }
    f->end = rc;
}

/* Two blocks, one connection of `depth`, both bound to slot 1; its handle. */
static mq_arena *one_process(mq_arena **a, uint32_t depth)
{
    mq_layout l;
    tu_layout_small(&l);
    *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(*a, "src", "test"), 0);
    ck_assert_int_eq(mq_registry_add_block(*a, "dst", "test"), 1);
    ck_assert_int_eq(mq_registry_add_conn(*a, 0, 0, 1, 0, depth, MQ_POLICY_BLOCK), 0);
    ck_assert_int_eq(mq_registry_bind(*a, 0, 1), 0);
    ck_assert_int_eq(mq_registry_bind(*a, 1, 1), 0);
    return tu_attach_slot(*a, 1);
}

START_TEST(test_two_tasks_move_every_buffer_in_order_without_sleeping)
{
    mq_arena *a, *h = one_process(&a, 4);
    struct flow f = {.h = h, .conn = 0, .n = N};
    mq_sched *s;
    unsigned long long sleeps, switches;

    ck_assert_int_eq(mq_sched_new(h, &s), 0);
    ck_assert_int_eq(mq_sched_add(s, producer, &f, 0), 0);
    ck_assert_int_eq(mq_sched_add(s, consumer, &f, 64 * 1024), 0);
    ck_assert_int_eq(mq_sched_run(s), 0);
    mq_sched_counts(s, &sleeps, &switches);
    mq_sched_free(s);
    ck_assert_int_eq(f.bad, 0);
    ck_assert_uint_eq(f.got, N);
    ck_assert_int_eq(f.end, MQ_EOS);
    /* the producer fills the queue of 4, then the consumer empties it: no futex */
    ck_assert_uint_eq(sleeps, 0);
    ck_assert_uint_ge(switches, 2 * N / 4);
    mq_queue_stats st;
    ck_assert_int_eq(mq_queue_stats_get(a, 0, &st), 0);
    ck_assert_uint_eq(st.pushed, N);
    ck_assert_uint_eq(st.popped, N);
    ck_assert_uint_eq(st.hwm, 4);
    tu_assert_pools_full(a);
}
END_TEST

/* The other process: pushes n values into conn 0 from slot 2, then closes. */
static int remote_producer(void *arg)
{
    mq_arena *a = arg, *h = tu_child_attach(a, 2);
    if (!h)
        return 10;
    struct flow f = {.h = h, .conn = 0, .n = N};
    producer(&f);
    if (f.bad)
        return 11;
    return mq_arena_slot_leave(h) == 0 ? 0 : 12;
}

/* A task that waits for another process: the thread sleeps (a futex wait on the
 * task's doorbell, armed by the scheduler) and every push that finds it asleep
 * wakes it, so nothing stalls past its heartbeat-free infinite wait. */
START_TEST(test_a_task_sleeps_until_another_process_pushes)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "src", "test"), 0);
    ck_assert_int_eq(mq_registry_add_block(a, "dst", "test"), 1);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 1, 0, 4, MQ_POLICY_BLOCK), 0);
    ck_assert_int_eq(mq_registry_bind(a, 0, 2), 0);
    ck_assert_int_eq(mq_registry_bind(a, 1, 1), 0);
    mq_arena *h = tu_attach_slot(a, 1);
    struct flow f = {.h = h, .conn = 0};
    mq_sched *s;
    unsigned long long sleeps, switches;

    ck_assert_int_eq(mq_sched_new(h, &s), 0);
    ck_assert_int_eq(mq_sched_add(s, consumer, &f, 0), 0);
    pid_t pid = tu_fork(remote_producer, a);
    ck_assert_int_eq(mq_sched_run(s), 0);
    mq_sched_counts(s, &sleeps, &switches);
    mq_sched_free(s);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(f.bad, 0);
    ck_assert_uint_eq(f.got, N);
    ck_assert_int_eq(f.end, MQ_EOS);
    ck_assert_uint_ge(sleeps, 1);
    tu_assert_pools_full(a);
}
END_TEST

static void waits_5ms(void *arg)
{
    struct flow *f = arg;
    mq_id id;
    int64_t t0 = mq_now_ns();
    f->end = mq_queue_pop(f->h, f->conn, &id, 5000000);
    f->got = (uint32_t)((mq_now_ns() - t0) / 1000000);
}

/* A task's timeout is kept while the thread sleeps for it. */
START_TEST(test_a_wait_times_out_at_its_deadline)
{
    mq_arena *a, *h = one_process(&a, 4);
    struct flow f = {.h = h, .conn = 0};
    mq_sched *s;
    unsigned long long sleeps, switches;

    ck_assert_int_eq(mq_sched_new(h, &s), 0);
    ck_assert_int_eq(mq_sched_add(s, waits_5ms, &f, 0), 0);
    ck_assert_int_eq(mq_sched_run(s), 0);
    mq_sched_counts(s, &sleeps, &switches);
    mq_sched_free(s);
    (void)a;
    ck_assert_int_eq(f.end, MQ_ETIMEDOUT);
    ck_assert_uint_ge(f.got, 5);
    ck_assert_uint_lt(f.got, 1000);
    ck_assert_uint_ge(sleeps, 1);
}
END_TEST

struct hog {
    mq_arena *h;
    mq_id ids[64];
    int n, rc;
};

/* Takes every 4 KiB buffer (16 in the small layout), gives the thread up, then
 * gives them back. */
static void hogger(void *arg)
{
    struct hog *g = arg;
    while (g->n < 64 && mq_buf_alloc(g->h, 4096, 0, &g->ids[g->n]) == 0)
        g->n++;
    mq_sched_yield(g->h);
    for (int i = 0; i < g->n; i++)
        mq_buf_release(g->h, g->ids[i]);
}

static void wants_one(void *arg)
{
    struct hog *g = arg;
    mq_id id;
    if ((g->rc = mq_buf_alloc(g->h, 4096, -1, &id)) == 0) /* waits: the pool is empty */
        g->rc = mq_buf_release(g->h, id);
}

START_TEST(test_a_wait_for_a_buffer_is_met_by_a_task_of_the_same_thread)
{
    mq_arena *a, *h = one_process(&a, 4);
    struct hog g = {.h = h}, w = {.h = h, .rc = 1};
    mq_sched *s;

    ck_assert_int_eq(mq_sched_new(h, &s), 0);
    ck_assert_int_eq(mq_sched_add(s, hogger, &g, 0), 0);
    ck_assert_int_eq(mq_sched_add(s, wants_one, &w, 0), 0);
    ck_assert_int_eq(mq_sched_run(s), 0);
    mq_sched_free(s);
    ck_assert_int_eq(g.n, 16);
    ck_assert_int_eq(w.rc, 0);
    tu_assert_pools_full(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_two_tasks_move_every_buffer_in_order_without_sleeping);
    tcase_add_test(tc, test_a_task_sleeps_until_another_process_pushes);
    tcase_add_test(tc, test_a_wait_times_out_at_its_deadline);
    tcase_add_test(tc, test_a_wait_for_a_buffer_is_met_by_a_task_of_the_same_thread);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
