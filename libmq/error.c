/* error.c - the string table behind mq_strerror(). */
#include <string.h>

#include "error.h"

const char *mq_strerror(int code)
{
    switch (code) {
    case MQ_OK: return "success";
    case MQ_EBADARENA: return "not an mq arena (bad magic)";
    case MQ_EVERSION: return "arena layout version not supported";
    case MQ_ETRUNC: return "arena truncated or geometry inconsistent";
    case MQ_EOS: return "end of stream";
    case MQ_ECORRUPT: return "shared metadata corrupt";
    case MQ_ENOSHM: return "not enough room in /dev/shm for the arena";
    case MQ_ENOBUFS: return "buffer pool exhausted";
    case MQ_ESTALE: return "stale or invalid buffer id";
    case MQ_ENOSPC: return "table full";
    case MQ_ERANGE: return "size larger than every pool";
    default: break;
    }
    if (code < 0 && code > -4000)
        return strerror(-code);
    return "unknown error";
}
