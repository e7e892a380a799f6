/* file_sink - writes the raw bytes of every input buffer to a file (GNU Radio's
 * file_sink). The file is written under a temporary name and renamed when the stream
 * ends, so a failed run leaves no partial file behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

struct sink {
    FILE *f;
    char *path, *tmp;
    int ok;
};

static const mq_param_decl params[] = {
    {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file"},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type"},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type"}};

static int init(mq_block_ctx *c, void **state)
{
    struct sink *s = calloc(1, sizeof *s);
    const char *path = mq_param_str(c, "path");
    size_t n = strlen(path) + 32;

    if (!s || !(s->tmp = malloc(n)) || !(s->path = strdup(path))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    *state = s;
    snprintf(s->tmp, n, "%s.part%d", path, (int)getpid());
    if (!(s->f = fopen(s->tmp, "wb"))) {
        mq_block_error(c, "cannot create '%s': %s", s->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct sink *s = state;
    size_t bytes;
    const void *p = mq_in_data(c, 0, &bytes);

    if (fwrite(p, 1, bytes, s->f) != bytes) {
        mq_block_error(c, "writing '%s': %s", s->tmp, strerror(errno));
        return MQ_WORK_ERROR;
    }
    s->ok = 1;
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct sink *s = state;

    if (!s)
        return;
    if (s->f) {
        int bad = fclose(s->f) != 0;
        if (bad || rename(s->tmp, s->path) != 0) {
            mq_block_error(c, "finishing '%s': %s", s->path, strerror(errno));
            unlink(s->tmp);
        }
    }
    free(s->tmp);
    free(s->path);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_sink",
    .doc = "Writes the raw items it receives to `path` (written as path.partPID and\n"
           "renamed at the end of the stream).",
    .in = in, .n_in = 1,
    .params = params, .n_params = 2,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
