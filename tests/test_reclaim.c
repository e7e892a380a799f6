/* test_reclaim.c - a process killed anywhere loses nothing: after mq_arena_reclaim()
 * every pool is full again and every queue still moves.
 *
 * Linked against the fault-injection build of libmq, where each shared-memory step
 * of alloc, share, push, take and release is a crash point. The sweep kills a
 * scripted process at its 1st, 2nd, ... crash point until the script runs through;
 * the random trials kill a streaming producer or consumer at a random moment. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "testutil.h"
#include "suite.h"

/* Blocks: 0 src, 1 sink A, 2 sink B. Connections: 0 src->A (block policy),
 * 1 src->B (drop_oldest, depth 2, so the producer also takes from a queue). */
static mq_arena *crash_graph(void)
{
    mq_layout l;
    tu_layout_small(&l);
    mq_arena *a = tu_arena_new(&l);
    ck_assert_int_eq(mq_registry_add_block(a, "src", "t"), 0);
    ck_assert_int_eq(mq_registry_add_block(a, "a", "t"), 1);
    ck_assert_int_eq(mq_registry_add_block(a, "b", "t"), 2);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 0, 1, 0, 8, MQ_POLICY_BLOCK), 0);
    ck_assert_int_eq(mq_registry_add_conn(a, 0, 1, 2, 0, 2, MQ_POLICY_DROP_OLDEST), 1);
    ck_assert_int_eq(mq_registry_bind(a, 0, 1), 0);
    ck_assert_int_eq(mq_registry_bind(a, 1, 2), 0);
    return a;
}

struct script {
    mq_arena *a;
    uint32_t slot;
    long countdown;
};

/* Producer script: every operation a block performs on its outputs. */
static int producer_script(void *arg)
{
    struct script *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    mq_id id, two[2], w;

    if (!a)
        return 10;
    mq_fault_countdown(s->countdown);
    for (int i = 0; i < 3; i++) {
        if (mq_buf_alloc(a, 100, 0, &id) < 0)
            return 11;
        if (mq_buf_share(a, id, 2, two) < 0)
            return 12;
        if (mq_queue_push(a, 0, two[0], 0) < 0)
            return 13;
        if (mq_queue_push(a, 1, two[1], 0) < 0) /* drops the oldest from i = 2 */
            return 14;
    }
    if (mq_buf_alloc(a, 100, 0, &w) < 0 || mq_buf_alloc(a, 3000, 0, &id) < 0)
        return 15;
    if (mq_buf_writable(a, &w) != 0 || mq_buf_release(a, w) < 0)
        return 16;
    if (mq_buf_share(a, id, 3, (mq_id[3]){0}) < 0)
        return 17;
    mq_id batch[3];
    if (mq_buf_alloc_many(a, 100, 3, 0, batch) != 3)
        return 18;
    if (mq_queue_push_many(a, 0, batch, 3, 0) != 3) /* queue 0 now holds 6 */
        return 19;
    mq_fault_countdown(0);
    return 0; /* exits holding three references: the reclaimer's job */
}

/* Consumer script: pops two from queue 0 and releases one, holds the other; then
 * takes three at once and releases two of them at once. */
static int consumer_script(void *arg)
{
    struct script *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    mq_id x, y, w;

    if (!a)
        return 20;
    mq_fault_countdown(s->countdown);
    if (mq_queue_pop(a, 0, &x, 0) < 0 || mq_queue_pop(a, 0, &y, 0) < 0)
        return 21;
    w = y;
    if (mq_buf_writable(a, &w) != 1) /* queue 1 still shares it: a copy */
        return 22;
    if (mq_buf_release(a, x) < 0)
        return 23;
    mq_id three[3];
    if (mq_queue_pop_many(a, 0, three, 3, 0) != 3)
        return 24;
    if (mq_buf_release_many(a, (mq_id[]){three[0], three[2]}, 2) != 0)
        return 25;
    mq_fault_countdown(0);
    return 0;
}

/* Pops and releases everything left in the queues, as the (clean) slot 5. */
static void drain(mq_arena *a)
{
    mq_arena *d = tu_attach_slot(a, 5);
    mq_id id;

    for (uint32_t q = 0; q < 2; q++)
        while (mq_queue_pop(d, q, &id, 0) == 0)
            ck_assert_int_eq(mq_buf_release(d, id), 0);
    ck_assert_int_eq(mq_arena_slot_leave(d), 0);
}

/* The queues still move: one buffer through each. */
static void assert_queues_move(mq_arena *a)
{
    mq_arena *d = tu_attach_slot(a, 6);
    mq_id id, got;

    for (uint32_t q = 0; q < 2; q++) {
        ck_assert_int_eq(mq_buf_alloc(d, 10, 0, &id), 0);
        ck_assert_int_eq(mq_queue_push(d, q, id, 0), 0);
        ck_assert_int_eq(mq_queue_pop(d, q, &got, 0), 0);
        ck_assert_uint_eq(got, id);
        ck_assert_int_eq(mq_buf_release(d, got), 0);
        mq_queue_stats st;
        ck_assert_int_eq(mq_queue_stats_get(a, q, &st), 0);
        ck_assert_uint_eq(st.size, 0);
    }
    ck_assert_int_eq(mq_arena_slot_leave(d), 0);
}

/* ---- stream tags' lists (tags.h) ---------------------------------------------- */

/* Two tags, at items 0 and 3 of a buffer. */
static int make_recs(mq_tag_rec r[2])
{
    mq_pmt *k = mq_pmt_symbol("k"), *v = mq_pmt_int(7);
    int rc = mq_tag_rec_make(&r[0], 0, k, v, NULL) < 0 || mq_tag_rec_make(&r[1], 3, v, k, k) < 0;
    mq_pmt_free(k);
    mq_pmt_free(v);
    return rc;
}

/* Producer script with tag lists: every step a block takes with them. Three
 * buffers get a list, have it replaced, and go to both queues (the third push into
 * queue 1 drops a tagged buffer); one with a list is released, its last reference;
 * one has its list taken away; it exits holding that one and one with a list. */
static int tags_producer_script(void *arg)
{
    struct script *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    mq_id id, two[2], w, x, y;
    mq_tag_rec r[2];

    if (!a || make_recs(r))
        return 50;
    mq_fault_countdown(s->countdown);
    for (int i = 0; i < 3; i++) {
        if (mq_buf_alloc(a, 100, 0, &id) < 0 || mq_buf_set_length(a, id, 100) < 0)
            return 51;
        if (mq_tags_set(a, id, r, 1, 0) < 0 || mq_tags_set(a, id, r, 2, 0) < 0)
            return 52;
        if (mq_buf_share(a, id, 2, two) < 0 || mq_tags_set(a, two[0], r, 1, 0) != MQ_EBUSY)
            return 53;
        if (mq_queue_push(a, 0, two[0], 0) < 0 || mq_queue_push(a, 1, two[1], 0) < 0)
            return 54;
    }
    if (mq_buf_alloc(a, 100, 0, &w) < 0 || mq_tags_set(a, w, r, 2, 0) < 0 ||
        mq_buf_release(a, w) < 0)
        return 55;
    if (mq_buf_alloc(a, 100, 0, &x) < 0 || mq_tags_set(a, x, r, 1, 0) < 0 ||
        mq_tags_set(a, x, NULL, 0, 0) < 0)
        return 56;
    if (mq_buf_alloc(a, 100, 0, &y) < 0 || mq_tags_set(a, y, r, 2, 0) < 0)
        return 57;
    mq_fault_countdown(0);
    return 0; /* holding x and y */
}

/* Consumer script with tag lists, after tags_producer_script: reads a buffer's
 * tags, replaces them on the one it holds alone and releases it (the list goes with
 * it); finds the next shared, takes a copy and tags that; releases a shared one
 * (its list stays for the other holder); exits holding queue 1's last. */
static int tags_consumer_script(void *arg)
{
    struct script *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    mq_id x, y, z, h;
    mq_tag_rec r[2], *got;
    size_t n;

    if (!a || make_recs(r))
        return 60;
    mq_fault_countdown(s->countdown);
    if (mq_queue_pop(a, 0, &x, 0) < 0 || mq_tags_get(a, x, 4, &got, &n) < 0 || n != 2)
        return 61;
    mq_tags_free(got, n);
    if (mq_tags_set(a, x, r, 1, 0) < 0 || mq_buf_release(a, x) < 0)
        return 62;
    if (mq_queue_pop(a, 0, &y, 0) < 0 || mq_tags_set(a, y, r, 1, 0) != MQ_EBUSY ||
        mq_buf_writable(a, &y) != 1 || mq_tags_set(a, y, r, 2, 0) < 0 || mq_buf_release(a, y) < 0)
        return 63;
    if (mq_queue_pop(a, 0, &z, 0) < 0 || mq_buf_release(a, z) < 0)
        return 64;
    if (mq_queue_pop(a, 1, &h, 0) < 0)
        return 65;
    mq_fault_countdown(0);
    return 0;
}

/* Runs script(countdown) in a child and reclaims its slot, after `filler` (if not
 * NULL) filled the queues as slot 1. Returns 1 if the child died at a crash point,
 * 0 if the script completed. */
static int sweep_step(int (*script)(void *), uint32_t slot, long countdown,
                      int (*filler)(void *))
{
    mq_arena *a = crash_graph();
    struct script s = {a, slot, countdown};

    if (filler) { /* fill the queues for the consumer script */
        struct script p = {a, 1, 0};
        ck_assert_int_eq(tu_wait(tu_fork(filler, &p)), 0);
        ck_assert_int_ge(mq_arena_reclaim(a, 1), 0);
    }
    int status = tu_wait(tu_fork(script, &s));
    ck_assert_msg(status == 0 || status == 128 + SIGKILL, "countdown %ld: status %d", countdown,
                  status);
    ck_assert_int_ge(mq_arena_reclaim(a, slot), 0);
    drain(a);
    tu_assert_pools_full(a);
    assert_queues_move(a);
    tu_assert_pools_full(a);
    return status != 0;
}

START_TEST(test_producer_killed_at_every_crash_point_loses_nothing)
{
    long n = 1;
    while (sweep_step(producer_script, 1, n, NULL))
        n++;
    /* Sanity: the script has many steps; the sweep visited each. */
    ck_assert_int_gt(n, 70); /* 77 */
}
END_TEST

START_TEST(test_consumer_killed_at_every_crash_point_loses_nothing)
{
    long n = 1;
    while (sweep_step(consumer_script, 2, n, producer_script))
        n++;
    ck_assert_int_gt(n, 20); /* 23 */
}
END_TEST

/* Every step of a tag list's life, killed at each: no list is left behind (pools
 * full), none freed twice or while its buffer lives (the queues' buffers drain with
 * theirs, and the counts come back exact). */
START_TEST(test_tag_lists_killed_at_every_crash_point_lose_nothing)
{
    long n = 1;
    while (sweep_step(tags_producer_script, 1, n, NULL))
        n++;
    ck_assert_int_gt(n, 130); /* 139 */
    long m = 1;
    while (sweep_step(tags_consumer_script, 2, m, tags_producer_script))
        m++;
    ck_assert_int_gt(m, 50); /* 52 */
}
END_TEST

/* ---- checkpoints: what a death loses, exactly ------------------------------------ */

struct ckpt_script {
    mq_arena *a;
    long countdown;
    int commit; /* commit a record (else the block never did) */
};

static mq_id q_ids[3];

/* As block "a" (slot 2), the consumer of connection 0: takes the three buffers
 * queued there, records that it used 40 bytes of the second and is sending z (to
 * connection 1), makes y, and dies holding all five. */
static int ckpt_script(void *arg)
{
    struct ckpt_script *s = arg;
    mq_arena *a = tu_child_attach(s->a, 2);
    mq_id t[3], y, z;

    if (!a)
        return 30;
    if (mq_queue_pop_many(a, 0, t, 3, 0) != 3 || mq_buf_alloc(a, 64, 0, &y) < 0 ||
        mq_buf_alloc(a, 64, 0, &z) < 0 || mq_buf_set_length(a, y, 64) < 0 ||
        mq_buf_set_length(a, z, 64) < 0 || mq_buf_tag(a, z, MQ_TAG_KEEP, 1) < 0)
        return 31;
    if (s->commit) {
        mq_ckpt k = {.fly = z, .n_cur = 1, .len = 5};
        k.cur[0] = (mq_ckpt_cursor){t[1], 40};
        memcpy(k.data, "hello", 5);
        mq_fault_countdown(s->countdown);
        mq_ckpt_commit(a, 1, &k);
        mq_fault_countdown(0);
    }
    _exit(0); /* holding them all */
}

/* Three 100-byte buffers queued on connection 0, by slot 1 (block "src"). */
static void queue_three(mq_arena *a)
{
    mq_arena *p = tu_attach_slot(a, 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(mq_buf_alloc(p, 100, 0, &q_ids[i]), 0);
        ck_assert_int_eq(mq_buf_set_length(p, q_ids[i], 100), 0);
        ck_assert_int_eq(mq_queue_push(p, 0, q_ids[i], 0), 0);
    }
    ck_assert_int_eq(mq_arena_slot_leave(p), 0);
}

/* With a record: of the three buffers taken from connection 0 the second counts 60
 * bytes (40 were used), the others 100; z, being sent, counts whole on connection
 * 1; y, made and not sent, nothing. Without one: all five, whole. Either way the
 * pools come back full; the record keeps the block's part and forgets the rest. */
START_TEST(test_reclaim_counts_what_the_record_says_was_lost)
{
    int with = _i;
    mq_arena *a = crash_graph();
    struct ckpt_script s = {a, 0, with};
    mq_conn_loss per[2] = {{0, 0}, {0, 0}}, lost;
    mq_ckpt k;

    ck_assert_int_eq(mq_ckpt_load(a, 1, &k), MQ_ENOENT);
    queue_three(a);
    ck_assert_int_eq(tu_wait(tu_fork(ckpt_script, &s)), 0);
    ck_assert_int_eq(mq_arena_reclaim_report(a, 2, per, 2, &lost), 5);
    if (with) {
        ck_assert_uint_eq(per[0].buffers, 3);
        ck_assert_uint_eq(per[0].bytes, 260);
        ck_assert_uint_eq(per[1].buffers, 1);
        ck_assert_uint_eq(per[1].bytes, 64);
        ck_assert_uint_eq(lost.buffers, 4);
        ck_assert_uint_eq(lost.bytes, 324);
        ck_assert_int_eq(mq_ckpt_load(a, 1, &k), 0);
        ck_assert_uint_eq(k.fly, MQ_ID_NONE);
        ck_assert_uint_eq(k.n_cur, 0);
        ck_assert_uint_eq(k.len, 5);
        ck_assert_int_eq(memcmp(k.data, "hello", 5), 0);
    } else {
        ck_assert_uint_eq(per[0].buffers, 3);
        ck_assert_uint_eq(per[0].bytes, 300);
        ck_assert_uint_eq(per[1].buffers, 1); /* z says where it was going */
        ck_assert_uint_eq(lost.buffers, 5);
        ck_assert_uint_eq(lost.bytes, 428);
        ck_assert_int_eq(mq_ckpt_load(a, 1, &k), MQ_ENOENT);
    }
    tu_assert_pools_full(a);
    assert_queues_move(a);
}
END_TEST

/* A kill inside a commit leaves the record before it whole, and the count follows
 * that one: here, none (everything counts). */
START_TEST(test_a_kill_inside_a_commit_leaves_the_old_record)
{
    mq_arena *a = crash_graph();
    struct ckpt_script s = {a, 1, 1};
    mq_conn_loss lost;
    mq_ckpt k;

    queue_three(a);
    ck_assert_int_eq(tu_wait(tu_fork(ckpt_script, &s)), 128 + SIGKILL);
    ck_assert_int_eq(mq_ckpt_load(a, 1, &k), MQ_ENOENT);
    ck_assert_int_eq(mq_arena_reclaim_report(a, 2, NULL, 0, &lost), 5);
    ck_assert_uint_eq(lost.buffers, 5);
    tu_assert_pools_full(a);
    /* and a record committed whole survives the next kill inside one */
    mq_ckpt one = {.len = 3};
    memcpy(one.data, "old", 3);
    ck_assert_int_eq(mq_ckpt_commit(a, 1, &one), 0);
    queue_three(a);
    ck_assert_int_eq(tu_wait(tu_fork(ckpt_script, &s)), 128 + SIGKILL);
    ck_assert_int_eq(mq_ckpt_load(a, 1, &k), 0);
    ck_assert_uint_eq(k.len, 3);
    ck_assert_int_eq(memcmp(k.data, "old", 3), 0);
    ck_assert_int_eq(mq_arena_reclaim_report(a, 2, NULL, 0, &lost), 5);
    ck_assert_uint_eq(lost.buffers, 3); /* the old record: y and z not being sent */
    ck_assert_uint_eq(lost.bytes, 300);
    ck_assert_int_eq(mq_ckpt_commit(a, 99, &one), MQ_EINVAL);
    one.len = MQ_CHECKPOINT_MAX + 1;
    ck_assert_int_eq(mq_ckpt_commit(a, 1, &one), MQ_EINVAL);
    tu_assert_pools_full(a);
}
END_TEST

/* As block "a" (slot 2): takes one buffer from connection 0 and shares it three
 * ways; makes y, bound for connection 1; commits a record (SENDING or not, as the
 * script says) that names neither; dies holding all four. */
static int share_script(void *arg)
{
    struct ckpt_script *s = arg;
    mq_arena *a = tu_child_attach(s->a, 2);
    mq_id x, three[3], y;

    if (!a)
        return 40;
    if (mq_queue_pop(a, 0, &x, 0) < 0 || mq_buf_share(a, x, 3, three) < 0 ||
        mq_buf_alloc(a, 64, 0, &y) < 0 || mq_buf_set_length(a, y, 64) < 0 ||
        mq_buf_tag(a, y, MQ_TAG_KEEP, 1) < 0)
        return 41;
    mq_ckpt k = {.flags = s->commit ? MQ_CKPT_SENDING : 0};
    mq_ckpt_commit(a, 1, &k);
    _exit(0);
}

/* The three references of one shared buffer lose its items once; what the block
 * made counts once its work call began to send (SENDING), and not before. */
START_TEST(test_a_shared_buffer_is_lost_once)
{
    mq_arena *a = crash_graph();
    struct ckpt_script s = {a, 0, _i};
    mq_conn_loss per[2] = {{0, 0}, {0, 0}}, lost;

    queue_three(a);
    ck_assert_int_eq(tu_wait(tu_fork(share_script, &s)), 0);
    ck_assert_int_eq(mq_arena_reclaim_report(a, 2, per, 2, &lost), 4);
    ck_assert_uint_eq(per[0].buffers, 1);
    ck_assert_uint_eq(per[0].bytes, 100);
    ck_assert_uint_eq(per[1].buffers, _i ? 1 : 0);
    ck_assert_uint_eq(per[1].bytes, _i ? 64 : 0);
    drain(a);
    tu_assert_pools_full(a);
}
END_TEST

/* ---- random kills of streaming processes -------------------------------------- */

struct stream {
    mq_arena *a;
    uint32_t slot, conn;
    volatile int *stop; /* in a MAP_SHARED page */
};

/* Pushes ids[0..n) with mq_queue_push_many until all are consumed, releasing what
 * a timeout leaves. */
static void push_all(mq_arena *a, uint32_t conn, const mq_id *ids, int n)
{
    for (int done = 0; done < n;) {
        int rc = mq_queue_push_many(a, conn, ids + done, n - done, 10000000);
        if (rc > 0) {
            done += rc;
            continue;
        }
        while (done < n)
            mq_buf_release(a, ids[done++]);
    }
}

/* Every other round moves four buffers with the batch calls. */
static int stream_producer(void *arg)
{
    struct stream *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    if (!a)
        return 30;
    for (uint64_t i = 0; !*s->stop; i++) {
        if (i % 2) {
            mq_id firsts[4], seconds[4], two[2];
            int n = 0;
            for (; n < 4 && mq_buf_alloc(a, 64, 0, &firsts[n]) == 0; n++) {
                if (mq_buf_share(a, firsts[n], 2, two) < 0)
                    return 32;
                firsts[n] = two[0];
                seconds[n] = two[1];
            }
            if (n > 0) {
                push_all(a, 0, firsts, n);
                push_all(a, 1, seconds, n);
            }
            continue;
        }
        mq_id id, two[2];
        if (mq_buf_alloc(a, 64, 10000000, &id) < 0)
            continue;
        memcpy(mq_buf_data(a, id), &i, sizeof i);
        if (mq_buf_share(a, id, 2, two) < 0)
            return 31;
        if (mq_queue_push(a, 0, two[0], 10000000) < 0)
            mq_buf_release(a, two[0]);
        if (mq_queue_push(a, 1, two[1], 10000000) < 0)
            mq_buf_release(a, two[1]);
    }
    mq_arena_slot_leave(a);
    return 0;
}

static int stream_consumer(void *arg)
{
    struct stream *s = arg;
    mq_arena *a = tu_child_attach(s->a, s->slot);
    if (!a)
        return 40;
    while (!*s->stop) {
        mq_id id, ids[4];
        int n = mq_queue_pop_many(a, 0, ids, 4, 0);
        for (int k = 0; k < n; k++)
            mq_buf_release(a, ids[k]);
        for (uint32_t q = 0; q < 2; q++) {
            if (mq_queue_pop(a, q, &id, q == 0 ? 10000000 : 0) == 0) {
                mq_id w = id;
                if (mq_buf_writable(a, &w) >= 0)
                    id = w;
                mq_buf_release(a, id);
            }
        }
    }
    mq_arena_slot_leave(a);
    return 0;
}

START_TEST(test_200_random_kills_leave_full_pools_and_moving_queues)
{
    volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned seed = (unsigned)time(NULL);
    ck_assert_ptr_ne((void *)stop, MAP_FAILED);

    for (int trial = 0; trial < 200; trial++) {
        mq_arena *a = crash_graph();
        struct stream p = {a, 1, 0, stop}, c = {a, 2, 0, stop};
        *stop = 0;
        pid_t pp = tu_fork(stream_producer, &p);
        pid_t pc = tu_fork(stream_consumer, &c);
        /* A random moment: 0 to 3 ms into the stream (randomness, not ordering). */
        struct timespec d = {0, (long)(rand_r(&seed) % 3000000)};
        nanosleep(&d, NULL);
        int kill_producer = trial % 2 == 0;
        pid_t victim = kill_producer ? pp : pc, survivor = kill_producer ? pc : pp;
        ck_assert_int_eq(kill(victim, SIGKILL), 0);
        ck_assert_int_eq(tu_wait(victim), 128 + SIGKILL);
        ck_assert_int_ge(mq_arena_reclaim(a, kill_producer ? 1 : 2), 0);
        *stop = 1;
        ck_assert_int_eq(tu_wait(survivor), 0);
        drain(a);
        tu_assert_pools_full(a);
        assert_queues_move(a);
    }
    munmap((void *)stop, 4096);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reclaim");
    TCase *tc = tcase_create("reclaim");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_producer_killed_at_every_crash_point_loses_nothing);
    tcase_add_test(tc, test_consumer_killed_at_every_crash_point_loses_nothing);
    tcase_add_test(tc, test_tag_lists_killed_at_every_crash_point_lose_nothing);
    tcase_add_test(tc, test_200_random_kills_leave_full_pools_and_moving_queues);
    tcase_add_loop_test(tc, test_reclaim_counts_what_the_record_says_was_lost, 0, 2);
    tcase_add_test(tc, test_a_kill_inside_a_commit_leaves_the_old_record);
    tcase_add_loop_test(tc, test_a_shared_buffer_is_lost_once, 0, 2);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
