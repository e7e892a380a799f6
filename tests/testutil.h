/* testutil.h - helpers shared by the Check suites: small arenas that are unlinked
 * however the test ends, child processes that die with the test, pool checks. */
#ifndef MQ_TESTUTIL_H
#define MQ_TESTUTIL_H

#include <sys/types.h>

#include "mq.h"

/* A small layout: pools 256 B x 64 and 4 KiB x 16, 8 slots, 8 blocks, 8 conns,
 * queues of 16, 64 held references per slot. */
void tu_layout_small(mq_layout *l);

/* Creates an arena whose handle is detached at exit and whose shm name is unlinked
 * once the test process is gone, also after a failed assertion or a signal. */
mq_arena *tu_arena_new(const mq_layout *l);

/* A second handle on the same arena, bound to `slot`, detached at exit. */
mq_arena *tu_attach_slot(mq_arena *a, uint32_t slot);

/* In a forked child: attaches to the arena by name and claims `slot`; NULL on
 * failure (children report through their exit code, not ck_assert). */
mq_arena *tu_child_attach(const mq_arena *a, uint32_t slot);

/* Forks a child that is killed if the test process dies (PR_SET_PDEATHSIG), runs
 * fn(arg) and exits with its return value. */
pid_t tu_fork(int (*fn)(void *), void *arg);

/* Waits for the child; returns its exit code, or 128 + signal number. */
int tu_wait(pid_t pid);

/* Asserts that every pool's free count equals its size. */
void tu_assert_pools_full(mq_arena *a);

/* Sum of free buffers over all pools. */
unsigned tu_pools_free(mq_arena *a);

#endif
