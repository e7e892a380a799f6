/* text_out.h - where message_debug and tag_debug write their lines: a path they
 * append to, or stdout, written whole without ever blocking in write(2) for long. */
#ifndef MQ_BLOCKS_TEXT_OUT_H
#define MQ_BLOCKS_TEXT_OUT_H

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

/* `path` opened to append to (several debug blocks, and runs, may share a file), or
 * stdout for "". NULL with the error recorded. */
static inline FILE *text_out_open(mq_block_ctx *c, const char *path)
{
    FILE *f = *path ? fopen(path, "a") : stdout;
    if (!f)
        mq_block_error(c, "cannot open '%s': %s", path, strerror(errno));
    return f;
}

static inline void text_out_close(FILE *f)
{
    if (f && f != stdout)
        fclose(f);
}

/* Writes text[0..len) whole, waiting for a slow reader (a pager, a pipe nobody reads
 * yet, a terminal on hold) in short polls that beat the heartbeat in between: a
 * block stuck in write(2) would be killed as hung. 0, or -1 with the error. */
static inline int text_out_put(mq_block_ctx *c, FILE *f, const char *text, size_t len)
{
    int fd = fileno(f);

    for (size_t done = 0; done < len;) {
        struct pollfd p = {fd, POLLOUT, 0};
        mq_arena_heartbeat(mq_block_arena(c));
        if (poll(&p, 1, 50) <= 0)
            continue;
        /* At most _POSIX_PIPE_BUF (512) at once: a pipe that polls writable takes
         * that much without blocking. */
        size_t chunk = len - done < _POSIX_PIPE_BUF ? len - done : _POSIX_PIPE_BUF;
        ssize_t n = write(fd, text + done, chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            mq_block_error(c, "writing: %s", strerror(errno));
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

#endif
