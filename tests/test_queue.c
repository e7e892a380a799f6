/* test_queue.c - queue order, overflow policies, end of stream, statistics, in one
 * process with a producer handle and a consumer handle (two slots). */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "suite.h"

struct pair {
    mq_arena *a, *prod, *cons;
    int conn;
};

static struct pair make_pair(uint32_t depth, int policy)
{
    mq_layout l;
    struct pair p;

    tu_layout_small(&l);
    p.a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(p.a, "src", "test"), 0);
    ck_assert_int_eq(mq_registry_add_block(p.a, "dst", "test"), 1);
    p.conn = mq_registry_add_conn(p.a, 0, 0, 1, 0, depth, policy);
    ck_assert_int_eq(p.conn, 0);
    p.prod = tu_attach_slot(p.a, 1);
    p.cons = tu_attach_slot(p.a, 2);
    ck_assert_int_eq(mq_registry_bind(p.a, 0, 1), 0);
    ck_assert_int_eq(mq_registry_bind(p.a, 1, 2), 0);
    return p;
}

/* Allocates n buffers holding first, first + 1, ... */
static void alloc_values(struct pair *p, mq_id *ids, int n, uint32_t first)
{
    for (int i = 0; i < n; i++) {
        uint32_t v = first + (uint32_t)i;
        ck_assert_int_eq(mq_buf_alloc(p->prod, 4, 0, &ids[i]), 0);
        memcpy(mq_buf_data(p->prod, ids[i]), &v, 4);
        ck_assert_int_eq(mq_buf_set_length(p->prod, ids[i], 4), 0);
    }
}

/* Allocates a buffer holding the 32-bit value v and pushes it. */
static int push_value(struct pair *p, uint32_t v)
{
    mq_id id;
    alloc_values(p, &id, 1, v);
    return mq_queue_push(p->prod, (uint32_t)p->conn, id, 0);
}

/* The value in the consumer's buffer id, which it then releases. */
static uint32_t release_value(struct pair *p, mq_id id)
{
    uint32_t v;
    memcpy(&v, mq_buf_data(p->cons, id), 4);
    ck_assert_int_eq(mq_buf_release(p->cons, id), 0);
    return v;
}

static uint32_t pop_value(struct pair *p)
{
    mq_id id;
    ck_assert_int_eq(mq_queue_pop(p->cons, (uint32_t)p->conn, &id, 0), 0);
    return release_value(p, id);
}

/* The queue's flow statistics are exactly these. */
static void assert_flow(const struct pair *p, uint64_t pushed, uint64_t popped, uint64_t bytes,
                        uint64_t hwm)
{
    mq_queue_stats st;
    ck_assert_int_eq(mq_queue_stats_get(p->a, (uint32_t)p->conn, &st), 0);
    ck_assert_uint_eq(st.pushed, pushed);
    ck_assert_uint_eq(st.popped, popped);
    ck_assert_uint_eq(st.bytes, bytes);
    ck_assert_uint_eq(st.hwm, hwm);
}

START_TEST(test_queue_is_fifo_and_counts)
{
    struct pair p = make_pair(8, MQ_POLICY_BLOCK);
    mq_queue_stats st;
    mq_id id;

    ck_assert_int_eq(mq_queue_pop(p.cons, 0, &id, 0), MQ_EAGAIN);
    ck_assert_int_eq(mq_queue_pop(p.cons, 0, &id, 1000000), MQ_ETIMEDOUT);
    for (uint32_t round = 0; round < 5; round++) {
        for (uint32_t i = 0; i < 8; i++)
            ck_assert_int_eq(push_value(&p, round * 100 + i), 0);
        ck_assert_int_eq(push_value(&p, 999), MQ_EAGAIN); /* full, block policy */
        for (uint32_t i = 0; i < 8; i++)
            ck_assert_uint_eq(pop_value(&p), round * 100 + i);
    }
    /* The refused push left its buffer with the producer: 5 of them. */
    ck_assert_int_eq(mq_arena_slot_leave(p.prod), 5);
    assert_flow(&p, 40, 40, 160, 8);
    ck_assert_int_eq(mq_queue_stats_get(p.a, 0, &st), 0);
    ck_assert_uint_eq(st.drops, 0);
    ck_assert_uint_eq(st.size, 0);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_drop_newest_keeps_the_first_depth_items)
{
    struct pair p = make_pair(4, MQ_POLICY_DROP_NEWEST);
    mq_queue_stats st;

    for (uint32_t i = 0; i < 10; i++)
        ck_assert_int_eq(push_value(&p, i), i < 4 ? 0 : 1);
    ck_assert_int_eq(mq_queue_stats_get(p.a, 0, &st), 0);
    ck_assert_uint_eq(st.drops, 6);
    ck_assert_uint_eq(st.pushed, 4);
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_uint_eq(pop_value(&p), i);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_drop_oldest_keeps_the_last_depth_items)
{
    struct pair p = make_pair(4, MQ_POLICY_DROP_OLDEST);
    mq_queue_stats st;

    for (uint32_t i = 0; i < 10; i++)
        ck_assert_int_eq(push_value(&p, i), i < 4 ? 0 : 1);
    ck_assert_int_eq(mq_queue_stats_get(p.a, 0, &st), 0);
    ck_assert_uint_eq(st.drops, 6);
    ck_assert_uint_eq(st.pushed, 10);
    ck_assert_uint_eq(st.size, 4);
    ck_assert_uint_eq(st.popped, 0); /* drops are not pops */
    for (uint32_t i = 6; i < 10; i++)
        ck_assert_uint_eq(pop_value(&p), i);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_close_ends_stream_after_drain)
{
    struct pair p = make_pair(8, MQ_POLICY_BLOCK);
    mq_id id;

    ck_assert_int_eq(push_value(&p, 1), 0);
    ck_assert_int_eq(push_value(&p, 2), 0);
    ck_assert_int_eq(mq_queue_close(p.prod, 0), 0);
    ck_assert_int_eq(mq_buf_alloc(p.prod, 4, 0, &id), 0);
    ck_assert_int_eq(mq_queue_push(p.prod, 0, id, 0), MQ_EPIPE);
    ck_assert_int_eq(mq_buf_release(p.prod, id), 0);
    ck_assert_uint_eq(pop_value(&p), 1);
    ck_assert_uint_eq(pop_value(&p), 2);
    ck_assert_int_eq(mq_queue_pop(p.cons, 0, &id, 0), MQ_EOS);
    ck_assert_int_eq(mq_queue_pop(p.cons, 0, &id, -1), MQ_EOS); /* no wait when closed */
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_push_requires_holding_the_id)
{
    struct pair p = make_pair(8, MQ_POLICY_BLOCK);
    mq_id id;

    ck_assert_int_eq(mq_buf_alloc(p.prod, 4, 0, &id), 0);
    ck_assert_int_eq(mq_queue_push(p.cons, 0, id, 0), MQ_ESTALE); /* another slot's id */
    ck_assert_int_eq(mq_queue_push(p.prod, 7, id, 0), MQ_EINVAL);  /* no such queue */
    ck_assert_int_eq(mq_queue_push(p.prod, 0, id, 0), 0);
    ck_assert_int_eq(mq_queue_push(p.prod, 0, id, 0), MQ_ESTALE); /* handed over */
    mq_id got;
    ck_assert_int_eq(mq_queue_pop(p.cons, 0, &got, 0), 0);
    ck_assert_uint_eq(got, id); /* the same reference, moved */
    ck_assert_int_eq(mq_buf_release(p.prod, got), MQ_ESTALE);
    ck_assert_int_eq(mq_buf_release(p.cons, got), 0);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_fan_out_by_share_reaches_every_queue)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    for (int b = 0; b < 4; b++)
        ck_assert_int_ge(mq_registry_add_block(a, b ? "sink" : "src", "t") , 0);
    for (uint32_t b = 1; b < 4; b++)
        ck_assert_int_eq(mq_registry_add_conn(a, 0, b - 1, b, 0, 4, MQ_POLICY_BLOCK), (int)b - 1);
    mq_arena *prod = tu_attach_slot(a, 0), *cons = tu_attach_slot(a, 1);
    mq_id id, three[3], got[3];

    ck_assert_int_eq(mq_buf_alloc(prod, 8, 0, &id), 0);
    memcpy(mq_buf_data(prod, id), "fanout!", 8);
    ck_assert_int_eq(mq_buf_share(prod, id, 3, three), 0);
    for (uint32_t q = 0; q < 3; q++)
        ck_assert_int_eq(mq_queue_push(prod, q, three[q], 0), 0);
    for (uint32_t q = 0; q < 3; q++) {
        ck_assert_int_eq(mq_queue_pop(cons, q, &got[q], 0), 0);
        ck_assert_uint_eq(mq_id_index(got[q]), mq_id_index(id));
        ck_assert_str_eq(mq_buf_data(cons, got[q]), "fanout!");
    }
    ck_assert_int_eq(mq_buf_refcount(cons, got[0]), 3);
    for (uint32_t q = 0; q < 3; q++)
        ck_assert_int_eq(mq_buf_release(cons, got[q]), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_batches_push_what_fits_and_pop_in_order)
{
    struct pair p = make_pair(8, MQ_POLICY_BLOCK);
    mq_id ids[10], got[MQ_QUEUE_BATCH], forged;
    mq_queue_stats st;

    alloc_values(&p, ids, 10, 100);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, ids, 10, 0), 8); /* what fits */
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, ids + 8, 2, 0), MQ_EAGAIN);
    ck_assert_int_eq(mq_queue_pop_many(p.cons, 0, got, 5, 0), 5);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, ids + 8, 2, 0), 2);
    ck_assert_int_eq(mq_queue_pop_many(p.cons, 0, got + 5, MQ_QUEUE_BATCH, 0), 5);
    ck_assert_int_eq(mq_queue_pop_many(p.cons, 0, got, 1, 0), MQ_EAGAIN);
    for (uint32_t i = 0; i < 10; i++)
        ck_assert_uint_eq(release_value(&p, got[i]), 100 + i);

    /* All or nothing when one id is not the caller's, or is there twice. */
    alloc_values(&p, ids, 2, 0);
    forged = ids[1] ^ (1ULL << 40);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, (mq_id[]){ids[0], forged}, 2, 0), MQ_ESTALE);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, (mq_id[]){ids[0], ids[0]}, 2, 0), MQ_EINVAL);
    ck_assert_int_eq(mq_queue_stats_get(p.a, 0, &st), 0);
    ck_assert_uint_eq(st.size, 0);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, ids, 2, 0), 2);
    ck_assert_int_eq(mq_queue_close(p.prod, 0), 0);
    ck_assert_int_eq(mq_queue_pop_many(p.cons, 0, got, 4, 0), 2);
    ck_assert_int_eq(mq_queue_pop_many(p.cons, 0, got + 2, 4, 0), MQ_EOS);
    alloc_values(&p, ids, 1, 0);
    ck_assert_int_eq(mq_queue_push_many(p.prod, 0, ids, 1, 0), MQ_EPIPE); /* kept */
    ck_assert_int_eq(mq_buf_release(p.prod, ids[0]), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(mq_buf_release(p.cons, got[i]), 0);
    assert_flow(&p, 12, 12, 48, 8);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_batches_follow_the_drop_policies)
{
    struct pair n = make_pair(4, MQ_POLICY_DROP_NEWEST), o = make_pair(4, MQ_POLICY_DROP_OLDEST);
    mq_id ids[6], got[4];
    mq_queue_stats st;

    for (int k = 0; k < 2; k++) {
        struct pair *p = k ? &o : &n;
        alloc_values(p, ids, 6, 0);
        int done = 0;
        while (done < 6) {
            int rc = mq_queue_push_many(p->prod, 0, ids + done, 6 - done, 0);
            ck_assert_int_gt(rc, 0);
            done += rc;
        }
        ck_assert_int_eq(mq_queue_pop_many(p->cons, 0, got, 4, 0), 4);
        for (uint32_t i = 0; i < 4; i++) /* oldest dropped: 2..5; newest: 0..3 */
            ck_assert_uint_eq(release_value(p, got[i]), k ? i + 2 : i);
        ck_assert_int_eq(mq_queue_stats_get(p->a, 0, &st), 0);
        ck_assert_uint_eq(st.drops, 2);
        tu_assert_pools_full(p->a);
    }
}
END_TEST

/* True if `block` was rung since `seq`: a rung doorbell returns at once; one that
 * was not returns MQ_ETIMEDOUT after 1 ms, whatever the machine's load. */
static int rung(mq_arena *h, uint32_t block, uint32_t seq)
{
    int rc = mq_block_wait(h, block, seq, 1000000);
    ck_assert(rc == 0 || rc == MQ_ETIMEDOUT);
    return rc == 0;
}

START_TEST(test_batching_consumer_is_woken_at_its_level_or_by_a_flush)
{
    struct pair p = make_pair(16, MQ_POLICY_BLOCK); /* wake level: 16 / 2 = 8 */
    uint32_t seq;

    mq_queue_batch_wakeups(p.cons, 1);
    ck_assert_int_eq(mq_queue_want(p.cons, 0, 1), 0);
    seq = mq_block_prepare(p.cons, 1);
    for (uint32_t i = 0; i < 7; i++)
        ck_assert_int_eq(push_value(&p, i), 0);
    ck_assert(!rung(p.cons, 1, seq)); /* 7 queued: below the level */
    seq = mq_block_prepare(p.cons, 1);
    ck_assert_int_eq(push_value(&p, 7), 0);
    ck_assert(rung(p.cons, 1, seq)); /* the 8th reaches it */
    for (uint32_t i = 0; i < 8; i++)
        ck_assert_uint_eq(pop_value(&p), i);

    /* Below the level, the producer owes the ring until it flushes. */
    seq = mq_block_prepare(p.cons, 1);
    ck_assert_int_eq(push_value(&p, 8), 0);
    mq_queue_flush(p.prod, 10000000000); /* owed for less than 10 s: kept */
    ck_assert(!rung(p.cons, 1, seq));
    seq = mq_block_prepare(p.cons, 1);
    mq_queue_flush(p.prod, 0);
    ck_assert(rung(p.cons, 1, seq));

    /* ... or until it is about to wait itself. */
    seq = mq_block_prepare(p.cons, 1);
    ck_assert_int_eq(push_value(&p, 9), 0);
    ck_assert(!rung(p.cons, 1, seq));
    seq = mq_block_prepare(p.cons, 1);
    mq_block_prepare(p.prod, 0);
    mq_block_cancel(p.prod, 0);
    ck_assert(rung(p.cons, 1, seq));

    /* A queue the consumer does not wait on does not ring it, but a close does. */
    ck_assert_int_eq(mq_queue_want(p.cons, 0, 0), 0);
    seq = mq_block_prepare(p.cons, 1);
    for (uint32_t i = 10; i < 16; i++)
        ck_assert_int_eq(push_value(&p, i), 0);
    mq_queue_flush(p.prod, 0);
    ck_assert(!rung(p.cons, 1, seq));
    seq = mq_block_prepare(p.cons, 1);
    ck_assert_int_eq(mq_queue_close(p.prod, 0), 0);
    ck_assert(rung(p.cons, 1, seq));
    for (uint32_t i = 8; i < 16; i++)
        ck_assert_uint_eq(pop_value(&p), i);
    tu_assert_pools_full(p.a);
}
END_TEST

START_TEST(test_default_consumer_is_woken_by_every_push)
{
    struct pair p = make_pair(16, MQ_POLICY_BLOCK);

    ck_assert_int_eq(mq_queue_want(p.cons, 0, 1), 0);
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t seq = mq_block_prepare(p.cons, 1);
        ck_assert_int_eq(push_value(&p, i), 0);
        ck_assert(rung(p.cons, 1, seq));
    }
    for (uint32_t i = 0; i < 3; i++)
        ck_assert_uint_eq(pop_value(&p), i);
    tu_assert_pools_full(p.a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("queue");
    tcase_add_test(tc, test_queue_is_fifo_and_counts);
    tcase_add_test(tc, test_drop_newest_keeps_the_first_depth_items);
    tcase_add_test(tc, test_drop_oldest_keeps_the_last_depth_items);
    tcase_add_test(tc, test_close_ends_stream_after_drain);
    tcase_add_test(tc, test_push_requires_holding_the_id);
    tcase_add_test(tc, test_fan_out_by_share_reaches_every_queue);
    tcase_add_test(tc, test_batches_push_what_fits_and_pop_in_order);
    tcase_add_test(tc, test_batches_follow_the_drop_policies);
    tcase_add_test(tc, test_batching_consumer_is_woken_at_its_level_or_by_a_flush);
    tcase_add_test(tc, test_default_consumer_is_woken_by_every_push);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
