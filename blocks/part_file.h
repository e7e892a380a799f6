/* part_file.h - the output of a sink block that writes a file (file_sink,
 * vector_sink), written under a temporary name beside it (path.partPID) that takes
 * its name, atomically, when the stream ended, every write succeeded and the graph
 * did not fail; a failed run leaves no partial file (a graph stopped by SIGINT keeps
 * what its sinks wrote).
 *
 * At the end, the data is flushed, synced (fsync) and closed before the rename, and
 * the directory synced after it, so a file that has its name holds all its data
 * even after a power cut. Each of these steps can fail, and then the block and the
 * run fail. Data already written is never deleted because a last step failed: a
 * failed sync, close or rename keeps the part file and says where it is. Only an
 * incomplete output (a write or the last flush failed, or the graph failed) is
 * removed.
 *
 * Shared by the sinks that write files; static functions, so each module keeps its
 * own copy. */
#ifndef MQ_BLOCKS_PART_FILE_H
#define MQ_BLOCKS_PART_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block.h"

struct part_file {
    FILE *f;
    int fd;       /* f's descriptor */
    char *path;   /* as the graph gives it: what messages name */
    char *target; /* the file created or replaced */
    char *tmp;    /* target.partPID */
    int failed;   /* a write failed: the output is incomplete */
};

/* ---- opening ------------------------------------------------------------------------- */

/* A new, empty part file beside p->target, as p->f. */
static int part_file_create(mq_block_ctx *c, struct part_file *p)
{
    size_t n = strlen(p->target) + 32;

    if (!(p->tmp = malloc(n))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    snprintf(p->tmp, n, "%s.part%d", p->target, (int)getpid());
    /* O_NOFOLLOW: a symlink planted at the part file's name is not written through */
    p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (p->fd < 0) {
        mq_block_error(c, "cannot create '%s': %s", p->tmp, strerror(errno));
        return -1;
    }
    if (!(p->f = fdopen(p->fd, "wb"))) {
        mq_block_error(c, "out of memory");
        close(p->fd);
        unlink(p->tmp);
        return -1;
    }
    return 0;
}

static int part_file_open(mq_block_ctx *c, struct part_file *p, const char *path)
{
    if (!(p->path = strdup(path)) || !(p->target = strdup(path))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return part_file_create(c, p);
}

/* Call when a write failed: records the error; the file will not be kept. */
static int part_file_error(mq_block_ctx *c, struct part_file *p)
{
    mq_block_error(c, "writing '%s': %s", p->tmp, strerror(errno));
    p->failed = 1;
    return MQ_WORK_ERROR;
}

/* ---- finishing ----------------------------------------------------------------------- */

/* After the rename: the directory's entry goes to disk too, or a crash could bring
 * back the old file. EINVAL: this file system cannot sync a directory. */
static void part_file_sync_dir(mq_block_ctx *c, const char *target)
{
    const char *slash = strrchr(target, '/');
    char *dir = !slash          ? strdup(".")
                : slash == target ? strdup("/")
                                  : strndup(target, (size_t)(slash - target));
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        mq_block_error(c, "'%s' is written, but its directory cannot be synced: %s", target,
                       strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
}

/* A last step failed after every byte was written: the data stays where it is. */
static void part_file_kept(mq_block_ctx *c, const struct part_file *p, const char *step,
                           const char *name, int e)
{
    mq_block_error(c, "cannot %s '%s': %s; data kept in '%s'", step, name, strerror(e), p->tmp);
}

/* The stream ended and the graph did not fail: the data goes to disk, then takes the
 * target's name. Once it is all written, nothing deletes it: a later step that
 * fails leaves it in the part file, and the error says where. */
static void part_file_replace(mq_block_ctx *c, struct part_file *p)
{
    if (fflush(p->f) != 0) { /* incomplete, as after a failed write */
        part_file_error(c, p);
        fclose(p->f);
        unlink(p->tmp);
        return;
    }
    /* EINVAL: this file system cannot sync; there is nothing more to do */
    if (fsync(p->fd) != 0 && errno != EINVAL) {
        part_file_kept(c, p, "sync", p->tmp, errno);
        fclose(p->f);
    } else if (fclose(p->f) != 0) {
        part_file_kept(c, p, "close", p->tmp, errno);
    } else if (rename(p->tmp, p->target) != 0) {
        part_file_kept(c, p, "rename to", p->target, errno);
    } else {
        part_file_sync_dir(c, p->target);
    }
}

static void part_file_close(mq_block_ctx *c, struct part_file *p)
{
    if (p->f && (p->failed || mq_block_graph_failed(c))) {
        fclose(p->f);
        unlink(p->tmp);
    } else if (p->f) {
        part_file_replace(c, p);
    }
    p->f = NULL;
    free(p->tmp);
    free(p->target);
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
