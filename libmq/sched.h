/* sched.h - several blocks in one process, run by one thread.
 *
 * Each task (typically one mq_block_run) runs on a stack of its own and is
 * switched to by the calling thread, never pre-empted. A task gives the thread
 * up wherever libmq would sleep on a doorbell (a block's wait for input or
 * room, a wait for a free buffer, mq_block_sleep_until ...): instead of a futex
 * wait, the scheduler goes on with the next task. So a buffer passed between two
 * tasks of one process costs no wake-up at all, only a switch of stacks (tens of
 * nanoseconds); and every queue, journal and reclaim rule stays the one of a
 * block in a process of its own, because the tasks use the same arena handle and
 * the same code paths.
 *
 * When a whole round of tasks did nothing, the thread really sleeps: it arms the
 * doorbells its tasks wait on, lets every task look once more (the handshake of
 * doorbell.c, with the scheduler as the sleeper), and waits on all those
 * doorbells at once (futex_waitv; on kernels before 5.16 on the first of them,
 * with a bounded timeout).
 *
 * A task that blocks outside libmq (a device read, a long computation) holds up
 * every task of its process: group only blocks that do not (doc/architecture.md,
 * "Worker processes").
 */
#ifndef MQ_SCHED_H
#define MQ_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct mq_sched mq_sched;

/* A scheduler for tasks that use handle `a` (bound to the process's slot). While
 * tasks run, waits on `a` give the thread up instead of sleeping. */
int mq_sched_new(mq_arena *a, mq_sched **out);

/* Adds a task: fn(arg), run from mq_sched_run on a stack of stack_bytes (0: 1 MiB,
 * mapped lazily, with a guard page below it). */
int mq_sched_add(mq_sched *s, void (*fn)(void *arg), void *arg, size_t stack_bytes);

/* Runs the tasks until every one has returned. 0, or a negative code if a task's
 * stack could not be made (then none ran). */
int mq_sched_run(mq_sched *s);

/* In a task: gives the thread to the other tasks for one round, so a buffer goes
 * down a chain of tasks while it is in the cache (the block runtime does this
 * after each work call), instead of one task filling its whole queue first.
 * Outside a scheduler's task it does nothing. */
void mq_sched_yield(mq_arena *a);
/* Sleeps until deadline_ns (CLOCK_MONOTONIC); in a scheduler's task, the other
 * tasks run meanwhile (a throttle or a clock source must not pace the whole
 * process). It may return early: the caller looks at the time again. */
void mq_sched_sleep_until(mq_arena *a, int64_t deadline_ns);

/* How many times the thread slept because no task could go on, and how many task
 * switches it made (for the benchmarks). */
void mq_sched_counts(const mq_sched *s, unsigned long long *sleeps,
                     unsigned long long *switches);

void mq_sched_free(mq_sched *s);

#endif
