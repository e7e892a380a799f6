/* error.h - error codes of libmq.
 *
 * Every libmq function that can fail returns an int: 0 (or a non-negative value) on
 * success, a negative MQ_E* code on failure. Codes that have an errno equivalent are
 * the negated errno, so they mix with system calls' errors; the rest live in a range
 * that errno never reaches. mq_strerror() names any of them. Nothing in libmq prints.
 */
#ifndef MQ_ERROR_H
#define MQ_ERROR_H

#include <errno.h>

#define MQ_OK 0
#define MQ_EINVAL (-EINVAL)         /* an argument is out of range */
#define MQ_ENOMEM (-ENOMEM)         /* process memory exhausted */
#define MQ_ENOENT (-ENOENT)         /* no such arena */
#define MQ_EEXIST (-EEXIST)         /* name already taken */
#define MQ_EACCES (-EACCES)         /* permission denied */
#define MQ_ENOBUFS (-ENOBUFS)       /* the pool for this size is exhausted */
#define MQ_EAGAIN (-EAGAIN)         /* would block (queue full or empty) */
#define MQ_ETIMEDOUT (-ETIMEDOUT)   /* a wait ran out */
#define MQ_ENOSPC (-ENOSPC)         /* a fixed table is full (slots, held refs, tokens) */
#define MQ_EBUSY (-EBUSY)           /* the slot is in use */
#define MQ_ESTALE (-ESTALE)         /* a buffer id that is stale, forged or not held */
#define MQ_ERANGE (-ERANGE)         /* a size too large for every pool */
#define MQ_EPIPE (-EPIPE)           /* push into a queue that was closed */

#define MQ_EBADARENA (-4001)        /* the object is not an mq arena */
#define MQ_EVERSION (-4002)         /* an arena of another layout version */
#define MQ_ETRUNC (-4003)           /* the arena is truncated or its geometry inconsistent */
#define MQ_EOS (-4004)              /* end of stream: queue closed and drained */
#define MQ_ECORRUPT (-4005)         /* shared metadata failed a consistency check */
#define MQ_ENOSHM (-4006)           /* /dev/shm has no room for the arena */

/* A static string naming the code; never NULL, also for unknown codes. */
const char *mq_strerror(int code);

#endif
