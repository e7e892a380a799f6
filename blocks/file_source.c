/* file_source - reads raw items from a file (GNU Radio's file_source), once or over
 * and over. The file must hold a whole number of items.
 *
 * With begin_tag, the first item of the file, and of each repeat, gets a stream tag
 * of that key, its value the number of repeats before it (0, 1, ..) and its srcid
 * the block's name, as GNU Radio's does (there, srcid is the block's alias). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "block.h"
#include "error.h"

struct fsrc {
    FILE *f;
    size_t isz, per_buf;
    int repeat;
    int64_t sent, repeats;
    int at_begin;         /* the next item read is the file's first */
    mq_pmt *key, *srcid;  /* begin_tag's, or NULL */
};

static const mq_param_decl params[] = {
    {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the file to read", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    {"repeat", MQ_PARAM_BOOL, "false", 0, 0, NULL, "start again at the end of the file", 0},
    {"items_per_buffer", MQ_PARAM_INT, "4096", 1, 1048576, NULL, "items per output buffer", 0},
    {"begin_tag", MQ_PARAM_STRING, "", 0, 0, NULL,
     "the key of a stream tag on the file's first item, each repeat's too (empty: none)", 0},
    MQ_PARAM_SAMPLE_RATE,
    MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct fsrc *s = calloc(1, sizeof *s);
    const char *path = mq_param_str(c, "path");
    struct stat st;

    if (!s)
        return -1;
    *state = s;
    s->isz = mq_item_size(mq_block_out_type(c, 0));
    s->per_buf = (size_t)mq_param_int(c, "items_per_buffer");
    s->repeat = (int)mq_param_int(c, "repeat");
    if (!(s->f = fopen(path, "rb")) || fstat(fileno(s->f), &st) < 0) {
        mq_block_error(c, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        mq_block_error(c, "'%s' is not a regular file", path);
        return -1;
    }
    if ((size_t)st.st_size % s->isz) {
        mq_block_error(c, "'%s' has %lld bytes, not a whole number of %zu-byte items", path,
                       (long long)st.st_size, s->isz);
        return -1;
    }
    if (st.st_size == 0 && s->repeat) {
        mq_block_error(c, "'%s' is empty and cannot repeat", path);
        return -1;
    }
    const char *tag = mq_param_str(c, "begin_tag");
    if (*tag && (!(s->key = mq_pmt_symbol(tag)) || !(s->srcid = mq_pmt_symbol(mq_block_name(c))))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    /* A restart reads on from where the last life's last buffer ended. */
    int64_t at[3];
    s->at_begin = 1;
    if (mq_checkpoint_load(c, at, sizeof at) == sizeof at && at[0] >= 0 &&
        at[0] <= (int64_t)st.st_size && fseeko(s->f, (off_t)at[0], SEEK_SET) == 0) {
        s->sent = at[1];
        s->repeats = at[2];
        s->at_begin = at[0] == 0;
    }
    return 0;
}

/* The tag on the file's first item, about to be read as item `item` of the stream. */
static int tag_begin(mq_block_ctx *c, struct fsrc *s, int64_t item)
{
    mq_pmt *n = mq_pmt_int(s->repeats);
    int rc = n ? mq_out_add_tag(c, 0, (uint64_t)item, s->key, n, s->srcid) : MQ_ENOMEM;

    mq_pmt_free(n);
    s->at_begin = 0;
    if (rc < 0)
        mq_block_error(c, "begin_tag: %s", mq_strerror(rc));
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct fsrc *s = state;
    size_t want = s->per_buf * s->isz, got = 0;
    mq_timestamp ts;
    char *o = mq_out_alloc(c, 0, want);

    if (!o)
        return MQ_WORK_ERROR;
    while (got < want) {
        if (s->at_begin && s->key && tag_begin(c, s, s->sent + (int64_t)(got / s->isz)) < 0)
            return MQ_WORK_ERROR;
        size_t n = fread(o + got, 1, want - got, s->f);
        got += n;
        if (n > 0)
            continue;
        if (ferror(s->f)) {
            mq_block_error(c, "reading '%s': %s", mq_param_str(c, "path"), strerror(errno));
            return MQ_WORK_ERROR;
        }
        if (!s->repeat)
            break;
        rewind(s->f);
        s->repeats++;
        s->at_begin = 1;
    }
    if (got == 0)
        return MQ_WORK_DONE;
    mq_block_stamp(c, mq_param_float(c, "sample_rate"), s->sent, got / s->isz, &ts);
    s->sent += (int64_t)(got / s->isz);
    int64_t at[3] = {(int64_t)ftello(s->f), s->sent, s->repeats};
    mq_checkpoint_save(c, at, sizeof at);
    if (mq_out_push(c, 0, got, &ts) < 0)
        return MQ_WORK_ERROR;
    return got < want ? MQ_WORK_DONE : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fsrc *s = state;
    if (s && s->f)
        fclose(s->f);
    if (s) {
        mq_pmt_free(s->key);
        mq_pmt_free(s->srcid);
    }
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_source",
    .doc = "Reads raw items from `path` and finishes at its end; with repeat, starts\n"
           "again at the beginning forever. Buffers carry the sample index. begin_tag:\n"
           "a stream tag of that key on the file's first item and each repeat's, its\n"
           "value the count of repeats before (0, 1, ..), its srcid the block's name.",
    .out = out, .n_out = 1,
    .params = params, .n_params = sizeof params / sizeof params[0],
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
