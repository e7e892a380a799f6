/* test_buf.c - pools, buffer ids, references, writability, timestamps, and the
 * tag lists buffers carry. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena_internal.h" /* a buffer's tags field, to forge it */
#include "testutil.h"
#include "suite.h"

static mq_arena *arena_slot0(mq_layout *l)
{
    mq_arena *a = tu_arena_new(l);
    ck_assert_int_eq(mq_arena_slot_claim(a, 0), 0);
    return a;
}

START_TEST(test_alloc_picks_smallest_class_that_fits)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id;

    ck_assert_int_eq(mq_buf_alloc(a, 0, 0, &id), 0);
    ck_assert_int_eq(mq_buf_capacity(a, id), 256);
    ck_assert_int_eq(mq_buf_length(a, id), 0);
    ck_assert_int_eq(mq_buf_release(a, id), 0);
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &id), 0);
    ck_assert_int_eq(mq_buf_capacity(a, id), 256);
    ck_assert_int_eq(mq_buf_release(a, id), 0);
    ck_assert_int_eq(mq_buf_alloc(a, 257, 0, &id), 0);
    ck_assert_int_eq(mq_buf_capacity(a, id), 4096);
    ck_assert_int_eq(mq_buf_release(a, id), 0);
    ck_assert_int_eq(mq_buf_alloc(a, 4097, 0, &id), MQ_ERANGE);
    ck_assert_uint_eq(id, MQ_ID_NONE);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_exhausted_pool_fails_then_refills)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id ids[16], extra;
    mq_pool_stats ps;

    for (int i = 0; i < 16; i++) {
        ck_assert_int_eq(mq_buf_alloc(a, 1000, 0, &ids[i]), 0);
        memset(mq_buf_data(a, ids[i]), i, 4096); /* whole capacity is ours */
    }
    ck_assert_int_eq(mq_pool_stats_get(a, 1, &ps), 0);
    ck_assert_uint_eq(ps.free, 0);
    ck_assert_int_eq(mq_buf_alloc(a, 1000, 0, &extra), MQ_ENOBUFS);
    ck_assert_int_eq(mq_buf_alloc(a, 1000, 1000000, &extra), MQ_ETIMEDOUT);
    ck_assert_int_eq(mq_pool_stats_get(a, 1, &ps), 0);
    ck_assert_uint_eq(ps.failures, 2);
    ck_assert_uint_eq(ps.allocs, 16);
    /* Distinct buffers: each still holds its own fill. */
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(((unsigned char *)mq_buf_data(a, ids[i]))[4095], i);
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(mq_buf_release(a, ids[i]), 0);
    tu_assert_pools_full(a);
    ck_assert_int_eq(mq_buf_alloc(a, 1000, 0, &extra), 0);
    ck_assert_int_eq(mq_buf_release(a, extra), 0);
}
END_TEST

struct waiter {
    mq_arena *a;
    int go[2];
    mq_id id;
};

static int release_on_signal(void *arg)
{
    struct waiter *w = arg;
    char c;
    if (read(w->go[0], &c, 1) != 1)
        return 2;
    return mq_buf_release(w->a, w->id) == 0 ? 0 : 3;
}

START_TEST(test_alloc_waits_until_another_process_releases)
{
    mq_layout l;
    tu_layout_small(&l);
    l.pools[1].count = 1;
    mq_arena *a = tu_arena_new(&l);
    mq_arena *holder = tu_attach_slot(a, 1), *taker = tu_attach_slot(a, 2);
    struct waiter w = {.a = holder};
    mq_id got;

    ck_assert_int_eq(pipe(w.go), 0);
    ck_assert_int_eq(mq_buf_alloc(holder, 4096, 0, &w.id), 0);
    pid_t pid = tu_fork(release_on_signal, &w);
    ck_assert_int_eq(mq_buf_alloc(taker, 4096, 0, &got), MQ_ENOBUFS);
    ck_assert_int_eq(write(w.go[1], "x", 1), 1);
    /* Blocks until the child's release rings the pool's doorbell. */
    ck_assert_int_eq(mq_buf_alloc(taker, 4096, 10 * 1000000000LL, &got), 0);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_uint_eq(mq_id_index(got), mq_id_index(w.id));
    ck_assert_int_eq(mq_buf_release(taker, got), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_stale_and_forged_ids_are_refused)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id, again;

    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &id), 0);
    ck_assert_int_eq(mq_buf_release(a, id), 0);
    ck_assert_int_eq(mq_buf_release(a, id), MQ_ESTALE);
    ck_assert_ptr_null(mq_buf_data(a, id));
    ck_assert_int_eq(mq_buf_length(a, id), MQ_ESTALE);
    /* The same buffer reallocated gets a new generation: the old id stays stale. */
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &again), 0);
        ck_assert_uint_ne(again, id);
        ck_assert_int_eq(mq_buf_refcount(a, id), MQ_ESTALE);
        ck_assert_int_eq(mq_buf_release(a, again), 0);
    }
    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &again), 0);
    ck_assert_int_eq(mq_buf_set_length(a, again ^ 1, 5), MQ_ESTALE);       /* other token */
    ck_assert_int_eq(mq_buf_set_length(a, again + (1ULL << 32) * 5000, 5), MQ_ESTALE); /* index */
    ck_assert_int_eq(mq_buf_set_length(a, again | (1ULL << 63), 5), MQ_ESTALE);
    ck_assert_int_eq(mq_buf_set_length(a, 0, 5), MQ_ESTALE);
    ck_assert_int_eq(mq_buf_release(a, again ^ 2), MQ_ESTALE);
    ck_assert_int_eq(mq_buf_refcount(a, again), 1);
    ck_assert_int_eq(mq_buf_release(a, again), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_share_counts_references_and_last_release_frees)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id, three[3];
    unsigned before = tu_pools_free(a);

    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &id), 0);
    ck_assert_int_eq(mq_buf_share(a, id, 3, three), 0);
    ck_assert_int_eq(mq_buf_refcount(a, three[0]), 3);
    ck_assert_int_eq(mq_buf_release(a, id), MQ_ESTALE); /* consumed by the share */
    ck_assert_int_eq(mq_buf_release(a, three[1]), 0);
    ck_assert_int_eq(mq_buf_refcount(a, three[0]), 2);
    ck_assert_int_eq(mq_buf_release(a, three[0]), 0);
    ck_assert_int_eq(mq_buf_refcount(a, three[2]), 1);
    ck_assert_uint_eq(tu_pools_free(a), before - 1);
    ck_assert_int_eq(mq_buf_release(a, three[2]), 0);
    ck_assert_uint_eq(tu_pools_free(a), before);
}
END_TEST

START_TEST(test_share_runs_out_of_tokens_after_32)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id, two[2], many[40];

    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &id), 0);      /* token 0 */
    ck_assert_int_eq(mq_buf_share(a, id, 0, two), MQ_EINVAL);
    ck_assert_int_eq(mq_buf_share(a, id, 31, many), 0);    /* tokens 1..31 */
    ck_assert_int_eq(mq_buf_share(a, many[0], 2, two), MQ_ENOSPC);
    ck_assert_int_eq(mq_buf_refcount(a, many[0]), 31);
    for (int i = 0; i < 31; i++)
        ck_assert_int_eq(mq_buf_release(a, many[i]), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_writable_is_in_place_only_for_sole_holder)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id, two[2], w;
    mq_timestamp ts = {MQ_TS_SAMPLE_INDEX, MQ_TS_HAS_RANGE, 4800, 4800, 4863}, got;

    ck_assert_int_eq(mq_buf_alloc(a, 100, 0, &id), 0);
    memcpy(mq_buf_data(a, id), "hello, world", 12);
    ck_assert_int_eq(mq_buf_set_length(a, id, 12), 0);
    ck_assert_int_eq(mq_buf_set_timestamp(a, id, &ts), 0);
    w = id;
    ck_assert_int_eq(mq_buf_writable(a, &w), 0);
    ck_assert_uint_eq(w, id);

    ck_assert_int_eq(mq_buf_share(a, id, 2, two), 0);
    w = two[0];
    ck_assert_int_eq(mq_buf_writable(a, &w), 1);
    ck_assert_uint_ne(w, two[0]);
    ck_assert_int_eq(mq_buf_length(a, w), 12);
    ck_assert_int_eq(memcmp(mq_buf_data(a, w), "hello, world", 12), 0);
    ck_assert_int_eq(mq_buf_timestamp(a, w, &got), 0);
    ck_assert_int_eq(memcmp(&got, &ts, sizeof ts), 0);
    ck_assert_int_eq(mq_buf_refcount(a, w), 1);
    ck_assert_int_eq(mq_buf_refcount(a, two[1]), 1); /* the original lost one holder */
    ((char *)mq_buf_data(a, w))[0] = 'J';
    ck_assert_int_eq(((char *)mq_buf_data(a, two[1]))[0], 'h');
    ck_assert_int_eq(mq_buf_release(a, w), 0);
    ck_assert_int_eq(mq_buf_release(a, two[1]), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_timestamps_and_lengths_round_trip)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_id id;
    mq_timestamp got;

    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &id), 0);
    ck_assert_int_eq(mq_buf_timestamp(a, id, &got), 0);
    ck_assert_uint_eq(got.type, MQ_TS_NONE);
    for (uint32_t type = MQ_TS_NONE; type <= MQ_TS_SAMPLE_INDEX; type++) {
        mq_timestamp ts = {type, 0, 1700000000123456789LL + type, 0, 0};
        ck_assert_int_eq(mq_buf_set_timestamp(a, id, &ts), 0);
        ck_assert_int_eq(mq_buf_timestamp(a, id, &got), 0);
        ck_assert_uint_eq(got.type, type);
        ck_assert_int_eq(got.value, 1700000000123456789LL + type);
        ck_assert_uint_eq(got.flags, 0);
    }
    mq_timestamp bad = {7, 0, 0, 0, 0};
    ck_assert_int_eq(mq_buf_set_timestamp(a, id, &bad), MQ_EINVAL);
    bad.type = MQ_TS_RELATIVE;
    bad.flags = 8;
    ck_assert_int_eq(mq_buf_set_timestamp(a, id, &bad), MQ_EINVAL);
    ck_assert_int_eq(mq_buf_set_length(a, id, 256), 0);
    ck_assert_int_eq(mq_buf_length(a, id), 256);
    ck_assert_int_eq(mq_buf_set_length(a, id, 257), MQ_EINVAL);
    ck_assert_int_eq(mq_buf_release(a, id), 0);
}
END_TEST

START_TEST(test_held_table_is_bounded)
{
    mq_layout l;
    tu_layout_small(&l);
    l.held_cap = 4;
    mq_arena *a = arena_slot0(&l);
    mq_id ids[4], extra;

    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &ids[i]), 0);
    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &extra), MQ_ENOSPC);
    ck_assert_int_eq(mq_buf_share(a, ids[0], 2, ids), MQ_ENOSPC);
    ck_assert_int_eq(mq_arena_slot_leave(a), 4);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_alloc_many_and_release_many)
{
    mq_layout l;
    tu_layout_small(&l); /* pool 0: 64 buffers of 256 B */
    l.held_cap = 70;
    mq_arena *a = arena_slot0(&l);
    mq_id ids[64], more[8], w;
    mq_pool_stats st;

    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 65, 0, ids), MQ_EINVAL);
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 40, 0, ids), 40);
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 40, 0, ids + 40), 24); /* what is left */
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 1, 0, more), MQ_ENOBUFS);
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(mq_buf_refcount(a, ids[i]), 1);
        ck_assert_int_eq(mq_buf_length(a, ids[i]), 0);
        ck_assert_int_eq(mq_buf_capacity(a, ids[i]), 256);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(mq_id_index(ids[i]), mq_id_index(ids[j]));
    }
    ck_assert_int_eq(mq_pool_stats_get(a, 0, &st), 0);
    ck_assert_uint_eq(st.free, 0);
    ck_assert_uint_eq(st.allocs, 64);

    /* One id that is not held: the rest are released all the same. */
    w = ids[5];
    ck_assert_int_eq(mq_buf_release(a, w), 0);
    ck_assert_int_eq(mq_buf_release_many(a, ids, 64), MQ_ESTALE);
    tu_assert_pools_full(a);
    ck_assert_int_eq(mq_buf_release_many(a, ids, 65), MQ_EINVAL);

    ck_assert_int_eq(mq_arena_slot_leave(a), 0);

    /* A held table with room for 2 more gives 2 and hands back what it claimed. */
    l.held_cap = 10;
    a = arena_slot0(&l);
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 8, 0, ids), 8);
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 8, 0, more), 2);
    ck_assert_int_eq(mq_pool_stats_get(a, 0, &st), 0);
    ck_assert_uint_eq(st.free, 54);
    /* A full table: nothing, what it claimed handed back, and mq_buf_alloc's error. */
    ck_assert_int_eq(mq_buf_alloc_many(a, 100, 8, 0, ids + 8), MQ_ENOSPC);
    ck_assert_int_eq(mq_pool_stats_get(a, 0, &st), 0);
    ck_assert_uint_eq(st.free, 54);
    ck_assert_uint_eq(st.allocs, 10);
    ck_assert_int_eq(mq_buf_alloc_many(a, 1 << 30, 2, 0, ids + 8), MQ_ERANGE);
    ck_assert_int_eq(mq_buf_release_many(a, more, 2), 0);
    ck_assert_int_eq(mq_buf_release_many(a, ids, 8), 0);
    tu_assert_pools_full(a);
    ck_assert_int_eq(mq_arena_slot_leave(a), 0);
}
END_TEST

/* Large pools claim MQ__CLAIM_BATCH (8) buffers per bitmap access and keep the
 * unused ones in the handle. Those stay counted free, are given back before the
 * process can sleep or when it detaches, and survive a crash through pool repair. */
static void big_pool_layout(mq_layout *l)
{
    tu_layout_small(l);
    l->n_pools = 1;
    l->pools[0] = (mq_pool_class){64, 256};
}

static int alloc_one_and_die(void *arg)
{
    mq_arena *c = tu_child_attach(arg, 2);
    mq_id id;
    if (!c || mq_buf_alloc(c, 64, 0, &id) < 0)
        return 1;
    _exit(0); /* no detach: the 7 claimed-but-unused buffers are left hidden */
}

static unsigned alloc_all(mq_arena *b, mq_id *ids, unsigned max)
{
    unsigned n = 0;
    while (n < max && mq_buf_alloc(b, 64, 0, &ids[n]) == 0)
        n++;
    return n;
}

START_TEST(test_batched_claims_are_given_back)
{
    mq_layout l;
    big_pool_layout(&l);
    l.held_cap = 512;
    mq_arena *a = arena_slot0(&l);
    mq_arena *b = tu_attach_slot(a, 1);
    mq_pool_stats ps;
    mq_id one, ids[256];

    ck_assert_int_eq(mq_buf_alloc(a, 64, 0, &one), 0);
    ck_assert_int_eq(mq_pool_stats_get(a, 0, &ps), 0);
    ck_assert_uint_eq(ps.free, 255); /* the 7 claimed ones are still free */
    ck_assert_uint_eq(alloc_all(b, ids, 256), 248);
    /* Preparing to sleep gives the claimed buffers back. */
    mq_block_prepare(a, 0);
    mq_block_cancel(a, 0);
    ck_assert_uint_eq(alloc_all(b, ids + 248, 8), 7);
    for (int i = 0; i < 255; i++)
        ck_assert_int_eq(mq_buf_release(b, ids[i]), 0);
    ck_assert_int_eq(mq_buf_release(a, one), 0);
    tu_assert_pools_full(a);

    /* A crash with claims outstanding: reclaim's repair makes them visible. */
    pid_t pid = tu_fork(alloc_one_and_die, a);
    ck_assert_int_eq(tu_wait(pid), 0);
    ck_assert_int_eq(mq_arena_reclaim(a, 2), 1);
    ck_assert_uint_eq(alloc_all(a, ids, 256), 256);
    for (int i = 0; i < 256; i++)
        ck_assert_int_eq(mq_buf_release(a, ids[i]), 0);
    tu_assert_pools_full(a);
}
END_TEST

START_TEST(test_alloc_without_a_slot_is_refused)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    mq_id id;
    ck_assert_int_eq(mq_buf_alloc(a, 10, 0, &id), MQ_EINVAL);
}
END_TEST

/* ---- tag lists ------------------------------------------------------------------- */

static void free_of(mq_arena *a, uint32_t pool, uint32_t want)
{
    mq_pool_stats st;
    ck_assert_int_eq(mq_pool_stats_get(a, pool, &st), 0);
    ck_assert_uint_eq(st.free, want);
}

/* Two tags: item 0, key "k", a dict value; item 60, an integer key, srcid "me". */
static void two_tags(mq_tag_rec r[2], mq_pmt **key, mq_pmt **value)
{
    mq_pmt *me = mq_pmt_symbol("me"), *n = mq_pmt_int(-3);
    *key = mq_pmt_symbol("k");
    *value = mq_pmt_dict();
    ck_assert_int_eq(mq_pmt_dict_set(*value, mq_pmt_symbol("x"), mq_pmt_double(1.5)), 0);
    ck_assert_int_eq(mq_tag_rec_make(&r[0], 0, *key, *value, NULL), 0);
    ck_assert_int_eq(mq_tag_rec_make(&r[1], 60, n, *key, me), 0);
    mq_pmt_free(me);
    mq_pmt_free(n);
}

/* A buffer's tags read back as set (on its items only), are replaced whole, are
 * the same for every holder of a shared buffer and cannot change then, are not
 * copied into a writable copy, and go back to the pool with the buffer. */
START_TEST(test_tag_list_round_trip_and_goes_with_the_buffer)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_tag_rec r[2], *got;
    mq_pmt *key, *value, *k, *v, *src;
    mq_id d, two[2], w;
    size_t n;

    two_tags(r, &key, &value);
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &d), 0);
    ck_assert_int_eq(mq_buf_set_length(a, d, 256), 0); /* 64 f32 items */
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0);
    ck_assert(got == NULL && n == 0);
    ck_assert_int_eq(mq_tags_set(a, d, r, 2, 0), 0);
    free_of(a, 0, 62); /* the buffer and its list */
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert(mq_tag_rec_equal(&got[0], &r[0]) && mq_tag_rec_equal(&got[1], &r[1]));
    ck_assert_int_eq(mq_tag_rec_parse(&got[0], &k, &v, &src), 0);
    ck_assert(mq_pmt_equal(k, key) && mq_pmt_equal(v, value));
    ck_assert(mq_pmt_type_of(src) == MQ_PMT_BOOL && !mq_pmt_to_bool(src)); /* #f */
    mq_pmt_free(k);
    mq_pmt_free(v);
    mq_pmt_free(src);
    mq_tags_free(got, n);
    /* 10 items now: the tag on item 60 is not one of them */
    ck_assert_int_eq(mq_buf_set_length(a, d, 40), 0);
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0);
    ck_assert_uint_eq(n, 1);
    mq_tags_free(got, n);
    ck_assert_int_eq(mq_buf_set_length(a, d, 256), 0);
    /* replaced: the old list goes */
    ck_assert_int_eq(mq_tags_set(a, d, &r[1], 1, 0), 0);
    free_of(a, 0, 62);
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0);
    ck_assert(n == 1 && mq_tag_rec_equal(&got[0], &r[1]));
    mq_tags_free(got, n);
    /* shared: both see it, neither may change it; a copy has none */
    ck_assert_int_eq(mq_buf_share(a, d, 2, two), 0);
    ck_assert_int_eq(mq_tags_set(a, two[0], r, 2, 0), MQ_EBUSY);
    ck_assert_int_eq(mq_tags_get(a, two[1], 4, &got, &n), 0);
    ck_assert_uint_eq(n, 1);
    mq_tags_free(got, n);
    w = two[0];
    ck_assert_int_eq(mq_buf_writable(a, &w), 1);
    ck_assert_int_eq(mq_tags_get(a, w, 4, &got, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(mq_buf_release(a, w), 0);
    free_of(a, 0, 62);
    /* the last reference takes the list with it */
    ck_assert_int_eq(mq_buf_release(a, two[1]), 0);
    tu_assert_pools_full(a);
    /* taken away, and too large for any pool (the tags stay as they were) */
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &d), 0);
    ck_assert_int_eq(mq_buf_set_length(a, d, 256), 0);
    ck_assert_int_eq(mq_tags_set(a, d, r, 2, 0), 0);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    mq_tag_rec huge;
    mq_pmt *bs = mq_pmt_symbol(big);
    ck_assert_int_eq(mq_tag_rec_make(&huge, 1, key, bs, NULL), 0);
    ck_assert_int_eq(mq_tags_set(a, d, &huge, 1, 0), MQ_ERANGE);
    ck_assert_int_eq(mq_tags_get(a, d, 1, &got, &n), 0);
    ck_assert_uint_eq(n, 2);
    mq_tags_free(got, n);
    ck_assert_int_eq(mq_tags_set(a, d, NULL, 0, 0), 0);
    free_of(a, 0, 63);
    ck_assert_int_eq(mq_buf_release(a, d), 0);
    tu_assert_pools_full(a);
    mq_tag_rec_free(&huge);
    mq_pmt_free(bs);
    mq_tag_rec_free(&r[0]);
    mq_tag_rec_free(&r[1]);
    mq_pmt_free(key);
    mq_pmt_free(value);
}
END_TEST

/* A list is read as untrusted: a wrong magic, a count or a record past its end,
 * bytes that are no PMTs are refused; a tags field that names a buffer that is not
 * this buffer's list is refused when read, and freeing the buffer frees nothing
 * else. */
START_TEST(test_damaged_tag_lists_are_refused)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = arena_slot0(&l);
    mq_tag_rec r[2], *got, bad = {0, 3, (unsigned char *)"abc"};
    mq_pmt *key, *value, *k, *v, *src;
    mq_id d, e, x;
    size_t n;

    two_tags(r, &key, &value);
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &d), 0);
    ck_assert_int_eq(mq_buf_set_length(a, d, 256), 0);
    ck_assert_int_eq(mq_tags_set(a, d, r, 2, 0), 0);
    mq_id list = mq__buf(a, mq_id_index(d))->tags;
    uint32_t *head = mq_buf_data(a, list), keep;
    uint32_t *len0 = (uint32_t *)((char *)head + 8 + 8);
    keep = head[0];
    head[0] ^= 1;
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), MQ_ECORRUPT);
    head[0] = keep;
    keep = head[1];
    head[1] = 1000;
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), MQ_ECORRUPT);
    head[1] = keep;
    keep = *len0;
    *len0 = 100000;
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), MQ_ECORRUPT);
    *len0 = keep;
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0);
    ck_assert_uint_eq(n, 2);
    mq_tags_free(got, n);
    ck_assert_int_eq(mq_tag_rec_parse(&bad, &k, &v, &src), MQ_EINVAL);
    ck_assert(!k && !v && !src);
    /* e's field forged to name x, a buffer of items, then d's list */
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &e), 0);
    ck_assert_int_eq(mq_buf_alloc(a, 256, 0, &x), 0);
    mq__buf(a, mq_id_index(e))->tags = x;
    ck_assert_int_eq(mq_tags_get(a, e, 4, &got, &n), MQ_ECORRUPT);
    ck_assert_int_eq(mq_tags_set(a, e, r, 1, 0), MQ_ECORRUPT);
    mq__buf(a, mq_id_index(e))->tags = list;
    ck_assert_int_eq(mq_tags_get(a, e, 4, &got, &n), MQ_ECORRUPT);
    ck_assert_int_eq(mq_buf_release(a, e), 0);
    ck_assert_int_eq(mq_buf_refcount(a, x), 1);
    ck_assert_int_eq(mq_tags_get(a, d, 4, &got, &n), 0); /* d's list is still d's */
    ck_assert_uint_eq(n, 2);
    mq_tags_free(got, n);
    ck_assert_int_eq(mq_buf_release(a, x), 0);
    ck_assert_int_eq(mq_buf_release(a, d), 0);
    tu_assert_pools_full(a);
    mq_tag_rec_free(&r[0]);
    mq_tag_rec_free(&r[1]);
    mq_pmt_free(key);
    mq_pmt_free(value);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, test_alloc_picks_smallest_class_that_fits);
    tcase_add_test(tc, test_exhausted_pool_fails_then_refills);
    tcase_add_test(tc, test_alloc_waits_until_another_process_releases);
    tcase_add_test(tc, test_stale_and_forged_ids_are_refused);
    tcase_add_test(tc, test_share_counts_references_and_last_release_frees);
    tcase_add_test(tc, test_share_runs_out_of_tokens_after_32);
    tcase_add_test(tc, test_writable_is_in_place_only_for_sole_holder);
    tcase_add_test(tc, test_timestamps_and_lengths_round_trip);
    tcase_add_test(tc, test_held_table_is_bounded);
    tcase_add_test(tc, test_alloc_many_and_release_many);
    tcase_add_test(tc, test_batched_claims_are_given_back);
    tcase_add_test(tc, test_alloc_without_a_slot_is_refused);
    tcase_add_test(tc, test_tag_list_round_trip_and_goes_with_the_buffer);
    tcase_add_test(tc, test_damaged_tag_lists_are_refused);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
