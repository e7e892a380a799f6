/* file_sink - writes the raw bytes of every input buffer to a file (GNU Radio's
 * file_sink). A file is written under a temporary name and renamed when the stream
 * ends, so a failed run leaves no partial file behind; a device or FIFO is written in
 * place (part_file.h).
 *
 * Each buffer goes to the kernel (write(2)) before the block checkpoints the part
 * file's name and length: a restarted file_sink opens the same part file, cuts it
 * back to that length (what a kill cut short goes, and is counted as lost with its
 * buffer) and appends. A kill cannot undo what reached a device or FIFO. */
#define _GNU_SOURCE /* fopencookie, in part_file.h */
#include "part_file.h"

static const mq_param_decl params[] = {
    {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type"}};

/* The checkpoint: the length written, and whether it goes to a part file (0: in
 * place, to a device or FIFO). */
struct sink_at {
    int64_t len;
    int32_t part, pad;
};

/* The state: the output, where it is, and whether it is finished. */
struct sink {
    struct part_file p;
    struct sink_at at;
    int done; /* an earlier life renamed the output already: nothing is left to do */
};

/* Whether the last life finished: its part file is gone, and `path` holds what it
 * wrote (it was killed after the rename, before it could exit). */
static int already_renamed(struct sink *k, const char *path)
{
    char tmp[PATH_MAX + 32];
    struct stat st;
    char *target = realpath(path, NULL);

    if (!target)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.part%d", target, (int)getppid());
    int done = access(tmp, F_OK) != 0 && errno == ENOENT && stat(target, &st) == 0 &&
               S_ISREG(st.st_mode) && st.st_size == k->at.len;
    free(target);
    return done;
}

static int init(mq_block_ctx *c, void **state)
{
    struct sink *k = calloc(1, sizeof *k);
    const char *path = mq_param_str(c, "path");

    if (!k)
        return -1;
    *state = k;
    if (mq_checkpoint_load(c, &k->at, sizeof k->at) == sizeof k->at && k->at.len >= 0 &&
        k->at.part) {
        if (already_renamed(k, path)) {
            k->done = 1;
            return 0;
        }
        return part_file_open(c, &k->p, path, k->at.len);
    }
    if (part_file_open(c, &k->p, path, -1) < 0)
        return -1;
    k->at = (struct sink_at){0, k->p.tmp != NULL, 0};
    return mq_checkpoint_save(c, &k->at, sizeof k->at);
}

static int work(mq_block_ctx *c, void *state)
{
    struct sink *k = state;
    size_t bytes;
    const void *d = mq_in_data(c, 0, &bytes);

    if (k->done) {
        mq_block_error(c, "input after the end: '%s' was complete already", k->p.path);
        return MQ_WORK_ERROR;
    }
    if (fwrite(d, 1, bytes, k->p.f) != bytes || fflush(k->p.f) != 0)
        return part_file_error(c, &k->p);
    /* In the kernel now: a kill from here on keeps it. */
    k->at.len += (int64_t)bytes;
    mq_checkpoint_save(c, &k->at, sizeof k->at);
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct sink *k = state;

    if (k && !k->done)
        part_file_close(c, &k->p);
    free(k);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_sink",
    .doc = "Writes the raw items it receives to `path` (written as path.partPID and\n"
           "renamed at the end of the stream, or into a device or FIFO directly; a\n"
           "symlink is followed; doc/blocks.md has the rules).",
    .in = in, .n_in = 1,
    .params = params, .n_params = 2,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
