/* part_file.h - the output file of a sink block, written under a temporary name
 * (path.partPID) and renamed to its real name only when the stream ended, every
 * write succeeded and the graph did not fail, so a failed run leaves no partial
 * file behind. (A graph stopped by SIGINT keeps what its sinks wrote.) Shared by the sinks
 * that write files; static functions, so each module keeps its own copy. */
#ifndef MQ_BLOCKS_PART_FILE_H
#define MQ_BLOCKS_PART_FILE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

struct part_file {
    FILE *f;
    char *path, *tmp;
    int failed;
};

static int part_file_open(mq_block_ctx *c, struct part_file *p, const char *path)
{
    size_t n = strlen(path) + 32;

    if (!(p->tmp = malloc(n)) || !(p->path = strdup(path))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    snprintf(p->tmp, n, "%s.part%d", path, (int)getpid());
    if (!(p->f = fopen(p->tmp, "wb"))) {
        mq_block_error(c, "cannot create '%s': %s", p->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* Call when a write failed: records the error; the file will not be kept. */
static int part_file_error(mq_block_ctx *c, struct part_file *p)
{
    mq_block_error(c, "writing '%s': %s", p->tmp, strerror(errno));
    p->failed = 1;
    return MQ_WORK_ERROR;
}

static void part_file_close(mq_block_ctx *c, struct part_file *p)
{
    if (p->f) {
        int bad = fclose(p->f) != 0;
        if (p->failed || mq_block_graph_failed(c)) {
            unlink(p->tmp);
        } else if (bad || rename(p->tmp, p->path) != 0) {
            mq_block_error(c, "finishing '%s': %s", p->path, strerror(errno));
            unlink(p->tmp);
        }
    }
    free(p->tmp);
    free(p->path);
}

/* init and fini of a sink whose state is just its part_file, opened on the `path`
 * parameter. */
static int part_file_init(mq_block_ctx *c, void **state)
{
    struct part_file *p = calloc(1, sizeof *p);

    if (!p)
        return -1;
    *state = p;
    return part_file_open(c, p, mq_param_str(c, "path"));
}

static void part_file_fini(mq_block_ctx *c, void *state)
{
    if (state)
        part_file_close(c, state);
    free(state);
}

#endif
