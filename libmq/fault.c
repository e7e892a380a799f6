/* fault.c - crash points for the fault-injection build of the tests only.
 *
 * This file is compiled into the test library variant built with
 * -DMQ_FAULT_INJECTION and never into libmq itself, which is why it may keep a
 * process-wide countdown: a forked test child sets it, runs a script of operations,
 * and dies by SIGKILL at the Nth shared-memory step.
 */
#include <signal.h>

#include "fault.h"

static long mq__countdown;

void mq_fault_countdown(long n)
{
    mq__countdown = n;
}

void mq__crashpoint(void);
void mq__crashpoint(void)
{
    if (mq__countdown > 0 && --mq__countdown == 0)
        raise(SIGKILL);
}
