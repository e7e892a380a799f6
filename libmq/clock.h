/* clock.h - the monotonic clock every libmq timeout and heartbeat is measured on. */
#ifndef MQ_CLOCK_H
#define MQ_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t mq_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
