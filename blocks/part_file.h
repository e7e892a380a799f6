/* part_file.h - the output of a sink block that writes a file (file_sink,
 * vector_sink). What it does depends on what is at `path` when the block starts:
 *
 *   nothing, or a regular file: the output is written under a temporary name beside
 *     it (path.partPID.BLOCK, PID mqgraph's) and takes its name, atomically, when the stream ended, every
 *     write succeeded and the graph did not fail; a failed run leaves no partial file
 *     (a graph stopped by SIGINT keeps what its sinks wrote);
 *   a symlink: followed, as open would. The file it leads to (existing or not) is the
 *     one written and replaced, with its part file beside it, so the rename is atomic
 *     and the link stays a link;
 *   a character device or a FIFO (/dev/null, a named pipe another program reads):
 *     written in place, no part file, no rename;
 *   anything else (a directory, a socket, a block device): an error at start.
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
 * own copy. The module defines _GNU_SOURCE before any include (fopencookie). */
#ifndef MQ_BLOCKS_PART_FILE_H
#define MQ_BLOCKS_PART_FILE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block.h"

struct part_file {
    FILE *f;
    int fd;       /* f's descriptor */
    mq_arena *a;  /* for the heartbeat while a FIFO's reader lags */
    char *path;   /* as the graph gives it: what messages name */
    char *target; /* the file created or replaced: path with its symlinks followed */
    char *tmp;    /* target.partPID; NULL for a device or FIFO, written in place */
    int failed;   /* a write failed: the output is incomplete */
};

/* ---- what is at the path ------------------------------------------------------------ */

static const char *part_file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISBLK(m))
        return "a block device";
    return "of an unknown kind";
}

/* What symlink `link` points to, as a path from here (a relative target is relative
 * to the link's directory). NULL with errno set. */
static char *part_file_readlink(const char *link)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    const char *slash = strrchr(link, '/');

    if (n < 0)
        return NULL;
    buf[n] = 0;
    if (buf[0] == '/' || !slash)
        return strdup(buf);
    size_t dl = (size_t)(slash - link) + 1;
    char *r = malloc(dl + (size_t)n + 1);
    if (r) {
        memcpy(r, link, dl);
        memcpy(r + dl, buf, (size_t)n + 1);
    }
    return r;
}

/* The name a dangling symlink leads to, each link followed as open would: where the
 * file will be created (realpath cannot say: the file is not there yet). */
static char *part_file_dangling(const char *path)
{
    char *p = strdup(path);
    struct stat st;

    for (int hops = 0; p && hops < 40 && lstat(p, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        char *next = part_file_readlink(p);
        free(p);
        p = next;
    }
    return p;
}

/* The file that a symlink at p->path leads to: p->target. 0, or -1 after
 * mq_block_error. */
static int part_file_follow(mq_block_ctx *c, struct part_file *p, int exists)
{
    if (!(p->target = exists ? realpath(p->path, NULL) : part_file_dangling(p->path))) {
        mq_block_error(c, "cannot follow the symlink '%s': %s", p->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* How the sink writes p->path, from what is there now: 0 through a part file renamed
 * onto p->target at the end, 1 in place (a device or FIFO; *fifo says which), -1
 * neither, after mq_block_error. */
static int part_file_resolve(mq_block_ctx *c, struct part_file *p, int *fifo)
{
    struct stat st, lst;
    int is_link = lstat(p->path, &lst) == 0 && S_ISLNK(lst.st_mode);
    int exists = stat(p->path, &st) == 0;

    if (!exists && is_link && errno != ENOENT) { /* a loop, or a link it cannot read */
        mq_block_error(c, "cannot follow the symlink '%s': %s", p->path, strerror(errno));
        return -1;
    }
    if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        *fifo = S_ISFIFO(st.st_mode);
        return 1;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        mq_block_error(c, "'%s' is %s%s, not a file, a character device or a FIFO", p->path,
                       is_link ? "a symlink to " : "", part_file_kind(st.st_mode));
        return -1;
    }
    if (is_link)
        return part_file_follow(c, p, exists);
    /* a regular file, or nothing (or nothing reachable: creating the part file says why) */
    if (!(p->target = strdup(p->path))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- opening ------------------------------------------------------------------------- */

/* Writes into a FIFO or device opened non-blocking. When it is full (its reader
 * lags), waits for room while beating the block's heartbeat, so a slow reader is
 * not taken for a hung block. All of it, or -1 (as stdio expects). */
static ssize_t part_file_write_waiting(void *cookie, const char *buf, size_t n)
{
    struct part_file *p = cookie;
    size_t done = 0;

    while (done < n) {
        ssize_t k = write(p->fd, buf + done, n - done);
        if (k >= 0) {
            done += (size_t)k;
        } else if (errno == EAGAIN) {
            struct pollfd pf = {.fd = p->fd, .events = POLLOUT};
            poll(&pf, 1, 20); /* 20 ms: far within any heartbeat timeout */
            mq_arena_heartbeat(p->a);
        } else if (errno != EINTR) {
            return -1;
        }
    }
    return (ssize_t)done;
}

static int part_file_close_fd(void *cookie)
{
    return close(((struct part_file *)cookie)->fd);
}

/* Opens a device or FIFO for writing in place. Non-blocking, so that a FIFO nobody
 * reads yet does not hold the block where it cannot beat its heartbeat or see a
 * stop: it waits for a reader in steps of 20 ms. */
static int part_file_open_in_place(mq_block_ctx *c, struct part_file *p, int fifo)
{
    static const cookie_io_functions_t io = {.write = part_file_write_waiting,
                                             .close = part_file_close_fd};
    struct stat st;

    while ((p->fd = open(p->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
        if (!fifo || errno != ENXIO) { /* ENXIO: the FIFO has no reader yet */
            mq_block_error(c, "cannot open '%s': %s", p->path, strerror(errno));
            return -1;
        }
        if (mq_block_sleep_until(c, mq_block_now_ns() + 20000000)) {
            mq_block_error(c, "no reader opened the FIFO '%s' before the graph stopped",
                           p->path);
            return -1;
        }
    }
    /* what was checked by name is what was opened */
    if (fstat(p->fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        mq_block_error(c, "'%s' changed while it was opened", p->path);
        close(p->fd);
        return -1;
    }
    if (!(p->f = fopencookie(p, "w", io))) {
        mq_block_error(c, "out of memory");
        close(p->fd);
        return -1;
    }
    return 0;
}

/* The part file beside p->target, as p->f, named for the graph's run (mqgraph's
 * pid, the block's parent) and the block, so that every life of the block has the
 * same one and two sinks never share one: a
 * new, empty one, or (keep >= 0) the one an earlier life made, cut to its first
 * `keep` bytes and written on from there. A life killed before it recorded its
 * part file leaves it to the next, which empties it, not beside it. */
static int part_file_create(mq_block_ctx *c, struct part_file *p, int64_t keep)
{
    size_t n = strlen(p->target) + 32 + MQ_NAME_MAX;

    if (!(p->tmp = malloc(n))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    snprintf(p->tmp, n, "%s.part%d.%s", p->target, (int)getppid(), mq_block_name(c));
    /* O_NOFOLLOW: a symlink planted at the part file's name is not written through */
    p->fd = keep >= 0 ? open(p->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
                      : open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (p->fd < 0) {
        mq_block_error(c, keep >= 0 ? "cannot open '%s', which the block's last life wrote: %s"
                                    : "cannot create '%s': %s",
                       p->tmp, strerror(errno));
        return -1;
    }
    if (keep >= 0 && (ftruncate(p->fd, (off_t)keep) != 0 || lseek(p->fd, 0, SEEK_END) != keep)) {
        mq_block_error(c, "cannot cut '%s' back to the %lld bytes its last life completed: %s",
                       p->tmp, (long long)keep, strerror(errno));
        close(p->fd);
        return -1;
    }
    if (!(p->f = fdopen(p->fd, "wb"))) {
        mq_block_error(c, "out of memory");
        close(p->fd);
        if (keep < 0)
            unlink(p->tmp);
        return -1;
    }
    return 0;
}

/* Opens the output at `path`; with keep >= 0, the part file an earlier life made,
 * cut to `keep` bytes (a device or FIFO is opened again). */
static int part_file_open(mq_block_ctx *c, struct part_file *p, const char *path, int64_t keep)
{
    int fifo = 0, how;

    p->a = mq_block_arena(c);
    if (!(p->path = strdup(path))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    if ((how = part_file_resolve(c, p, &fifo)) < 0)
        return -1;
    return how ? part_file_open_in_place(c, p, fifo) : part_file_create(c, p, keep);
}

/* Call when a write failed: records the error; the file will not be kept. */
static int part_file_error(mq_block_ctx *c, struct part_file *p)
{
    mq_block_error(c, "writing '%s': %s", p->tmp ? p->tmp : p->path, strerror(errno));
    p->failed = 1;
    return MQ_WORK_ERROR;
}

/* ---- finishing ----------------------------------------------------------------------- */

/* A device or FIFO: what is written is gone there, so nothing is discarded; the last
 * flush and the close are checked (/dev/full fails here). No fsync: pipes and most
 * devices cannot be synced. 0 when all of it went out, else -1. */
static int part_file_finish_in_place(mq_block_ctx *c, struct part_file *p)
{
    int rc = -1;

    if (p->failed || mq_block_graph_failed(c)) {
        fclose(p->f);
    } else if (fflush(p->f) != 0) {
        part_file_error(c, p);
        fclose(p->f);
    } else if (fclose(p->f) != 0) {
        mq_block_error(c, "cannot close '%s': %s", p->path, strerror(errno));
    } else {
        rc = 0;
    }
    p->f = NULL;
    return rc;
}

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

/* What became of an output when it was closed (part_file_close). */
enum {
    PART_FILE_DONE = 0,  /* it has its name (or went into its device or FIFO) */
    PART_FILE_KEPT = 1,  /* complete, but a last step failed: it stays in the part file */
    PART_FILE_GONE = -1, /* incomplete, or the graph failed: removed */
};

/* The stream ended and the graph did not fail: the data goes to disk, then takes the
 * target's name. Once it is all written, nothing deletes it: a later step that
 * fails leaves it in the part file, and the error says where. A failed sync of the
 * directory after the rename is an error too, but the data has its name: DONE. */
static int part_file_replace(mq_block_ctx *c, struct part_file *p)
{
    if (fflush(p->f) != 0) { /* incomplete, as after a failed write */
        part_file_error(c, p);
        fclose(p->f);
        unlink(p->tmp);
        return PART_FILE_GONE;
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
        return PART_FILE_DONE;
    }
    return PART_FILE_KEPT;
}

/* Finishes the output (above) and frees what p holds. PART_FILE_DONE, _KEPT or
 * _GONE (also for an output never opened). */
static int part_file_close(mq_block_ctx *c, struct part_file *p)
{
    int rc = PART_FILE_GONE;

    if (p->f && !p->tmp) {
        rc = part_file_finish_in_place(c, p) == 0 ? PART_FILE_DONE : PART_FILE_GONE;
    } else if (p->f && (p->failed || mq_block_graph_failed(c))) {
        fclose(p->f);
        unlink(p->tmp);
    } else if (p->f) {
        rc = part_file_replace(c, p);
    }
    p->f = NULL;
    free(p->tmp);
    free(p->target);
    free(p->path);
    return rc;
}

/* ---- restarts (block.h, "checkpoint") -------------------------------------------------
 * A sink that may be restarted checkpoints the length of its output that reached
 * the kernel, and its part file's identity; its next life opens the same part file
 * and cuts it back to that length: what a kill cut short goes (its buffer is counted
 * as lost), nothing is written twice. A device or FIFO cannot be cut back. */
struct part_file_at {
    int64_t len;
    int32_t part, pad; /* part: written through a part file */
    uint64_t dev, ino; /* the part file's: it keeps them when it takes its name */
    /* A second length the sink keeps in step with len: file_sink's SigMF records
     * (its records file is cut back to it as the output is to len); 0 for others. */
    int64_t aux;
};

struct part_sink {
    struct part_file p;
    struct part_file_at at;
    int done;    /* an earlier life renamed the output already: nothing is left to do */
    int resumed; /* this life goes on from an earlier one's checkpoint */
};

/* Whether the last life finished: `path` is now the file its part file was (it was
 * killed after the rename, before it could exit). */
static int part_file_was_renamed(const struct part_file_at *at, const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == at->dev &&
           (uint64_t)st.st_ino == at->ino && st.st_size == at->len;
}

static int part_sink_init(mq_block_ctx *c, void **state)
{
    struct part_sink *k = calloc(1, sizeof *k);
    const char *path = mq_param_str(c, "path");
    struct stat st;

    if (!k)
        return -1;
    *state = k;
    if (mq_checkpoint_load(c, &k->at, sizeof k->at) == sizeof k->at && k->at.len >= 0 &&
        k->at.part) {
        k->resumed = 1;
        if (part_file_was_renamed(&k->at, path)) {
            k->done = 1;
            return 0;
        }
        return part_file_open(c, &k->p, path, k->at.len);
    }
    if (part_file_open(c, &k->p, path, -1) < 0)
        return -1;
    k->at = (struct part_file_at){0, k->p.tmp != NULL, 0, 0, 0, 0};
    if (k->p.tmp && fstat(k->p.fd, &st) == 0) {
        k->at.dev = (uint64_t)st.st_dev;
        k->at.ino = (uint64_t)st.st_ino;
    }
    return mq_checkpoint_save(c, &k->at, sizeof k->at);
}

/* After a work call's writes: a sink that may be restarted puts them in the kernel
 * (one write(2)) and checkpoints the new length. MQ_WORK_OK, or the error. */
static int part_sink_wrote(mq_block_ctx *c, struct part_sink *k)
{
    if (!mq_block_restartable(c))
        return MQ_WORK_OK; /* stdio's buffering as it is: nothing to keep */
    if (fflush(k->p.f) != 0)
        return part_file_error(c, &k->p);
    k->at.len = (int64_t)ftello(k->p.f);
    mq_checkpoint_save(c, &k->at, sizeof k->at);
    return MQ_WORK_OK;
}

/* The stream went on after an earlier life had finished it: an error. */
static int part_sink_after_end(mq_block_ctx *c)
{
    mq_block_error(c, "input after the end: '%s' was complete already",
                   mq_param_str(c, "path"));
    return MQ_WORK_ERROR;
}

static void part_sink_fini(mq_block_ctx *c, void *state)
{
    struct part_sink *k = state;

    if (k && !k->done)
        part_file_close(c, &k->p);
    free(k);
}

#endif
