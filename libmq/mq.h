/* mq.h - the public interface of libmq, one include for all of it.
 *
 * libmq is the shared-memory core of mq: an arena (arena.h) with a registry of
 * blocks and connections (registry.h), size-class buffer pools (pool.h), buffers
 * passed by id with cross-process references and timestamps (buf.h), the stream
 * tags they carry (tags.h), and bounded queues with futex doorbells (queue.h).
 * Errors are negative codes (error.h).
 */
#ifndef MQ_MQ_H
#define MQ_MQ_H

#include "error.h"
#include "clock.h"
#include "arena.h"
#include "buf.h"
#include "ckpt.h"
#include "pool.h"
#include "queue.h"
#include "registry.h"
#include "sched.h"
#include "tags.h"
#include "ts.h"

#define MQ_VERSION_STRING "0.1.0"

#endif
