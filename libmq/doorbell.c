/* doorbell.c - futex doorbells: wait for "something changed" on any of a block's
 * queues, or for a free buffer in a pool, without a syscall when nobody sleeps.
 *
 * The futex word is a sequence number, not a flag. A waiter increments `sleepers`,
 * reads `seq`, re-checks its condition, and sleeps only while `seq` still has the
 * value it read; a ringer publishes its change, then bumps `seq` and wakes if it
 * sees a sleeper. Between "publish" and "look for sleepers" on one side and
 * "announce sleeping" and "re-check" on the other sits a seq_cst fence, so at
 * least one side sees the other (Dekker): either the ringer sees the sleeper and the
 * futex word has moved, or the waiter's re-check sees the change. A boolean "someone
 * waits" flag would lose wake-ups when the ringer clears it for the next wait.
 *
 * A waiter killed while asleep leaves `sleepers` too high. That costs later ringers a
 * useless futex_wake, never a lost wake-up; the reclaimer resets a dead block's bell.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arena_internal.h"
#include "clock.h"
#include "error.h"

/* Whether anyone sleeps on `d`, after this process's changes are published: the
 * fence is the ringer's half of the handshake in the file comment. */
int mq__doorbell_sleeping(struct mq__doorbell *d)
{
    mq__fence();
    return atomic_load_explicit(&d->sleepers, memory_order_relaxed) != 0;
}

void mq__doorbell_wake(struct mq__doorbell *d)
{
    atomic_fetch_add(&d->seq, 1);
    /* Not FUTEX_PRIVATE_FLAG: the word is in a mapping shared between processes. */
    syscall(SYS_futex, &d->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void mq__doorbell_ring(struct mq__doorbell *d)
{
    if (mq__doorbell_sleeping(d))
        mq__doorbell_wake(d);
}

uint32_t mq__doorbell_arm(mq_arena *a, struct mq__doorbell *d)
{
    /* A task of a scheduler (sched.c) does not count itself as a sleeper: its
     * process's scheduler does, for all its tasks, only when it really sleeps.
     * What the process holds back is handed on then too. */
    if (a->coop) {
        mq__fence();
        return atomic_load_explicit(&d->seq, memory_order_relaxed);
    }
    /* What this process holds back from others goes before it can sleep: buffers it
     * claimed but did not use, and the rings it deferred. Someone may be waiting
     * for exactly those, perhaps for this process in turn. */
    mq__pool_unclaim(a);
    mq__queue_flush_owed(a);
    atomic_fetch_add_explicit(&d->sleepers, 1, memory_order_relaxed);
    mq__fence();
    return atomic_load_explicit(&d->seq, memory_order_relaxed);
}

void mq__doorbell_disarm(mq_arena *a, struct mq__doorbell *d)
{
    if (!a->coop)
        atomic_fetch_sub_explicit(&d->sleepers, 1, memory_order_relaxed);
}

/* Sleeps while seq == `seq`, at most until deadline_ns (< 0: no deadline), then
 * disarms. Returns 0 when woken or the word moved, MQ_ETIMEDOUT at the deadline. */
int mq__doorbell_wait(mq_arena *a, struct mq__doorbell *d, uint32_t seq, int64_t deadline_ns)
{
    struct timespec ts, *tp = NULL;
    int rc = 0;

    if (a->coop)
        return a->coop->wait(a->coop, d, seq, deadline_ns);
    if (deadline_ns >= 0) {
        int64_t left = deadline_ns - mq_now_ns();
        if (left <= 0) {
            mq__doorbell_disarm(a, d);
            return MQ_ETIMEDOUT;
        }
        ts.tv_sec = left / 1000000000;
        ts.tv_nsec = left % 1000000000;
        tp = &ts;
    }
    if (syscall(SYS_futex, &d->seq, FUTEX_WAIT, seq, tp, NULL, 0) < 0 && errno == ETIMEDOUT)
        rc = MQ_ETIMEDOUT;
    mq__doorbell_disarm(a, d);
    return rc;
}
