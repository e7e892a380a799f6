/* wav_file_source - reads a WAV file (or any file libsndfile reads) into one f32
 * stream per channel (GNU Radio's wavfile_source), once or over and over.
 *
 * The graph needs the number of outputs before it runs, so the user gives it
 * (`channels`), and the block checks it against the file's header when it starts:
 * reading the header at validate time would judge a file that may not exist yet
 * (an earlier graph writes it) or that changes before the run. */
#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

enum { P_FILENAME, P_REPEAT, P_CHANNELS, P_ITEMS_PER_BUFFER, P_TIMESTAMPS };

static const mq_param_decl params[] = {
    [P_FILENAME] = {"filename", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the file to read", 0},
    [P_REPEAT] = {"repeat", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                  "start again at the beginning of the file at its end", 0},
    [P_CHANNELS] = {"channels", MQ_PARAM_INT, "1", 1, MQ_MAX_PORTS, NULL,
                    "the file's channels: one output each (checked at the start)", 0},
    [P_ITEMS_PER_BUFFER] = {"items_per_buffer", MQ_PARAM_INT, "4096", 1, 1048576, NULL,
                            "items per output buffer", MQ_PARAM_SIZED},
    [P_TIMESTAMPS] = MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

struct wsrc {
    SNDFILE *f;
    SF_INFO info;
    float *frames; /* per_buf interleaved frames, as libsndfile reads them */
    size_t per_buf;
    int repeat;
    int64_t pos, sent; /* the next frame of the file; items sent on each output */
};

/* Opens the file and checks what its header says. 0, or -1 after mq_block_error. */
static int open_file(mq_block_ctx *c, struct wsrc *s, const char *path)
{
    errno = 0;
    if (!(s->f = sf_open(path, SFM_READ, &s->info))) {
        if (sf_error(NULL) == SF_ERR_SYSTEM)
            mq_block_error(c, "cannot open '%s': %s", path, strerror(errno));
        else
            mq_block_error(c, "cannot read '%s' as a sound file: %s", path, sf_strerror(NULL));
        return -1;
    }
    if (s->info.channels != mq_block_n_outputs(c)) {
        mq_block_error(c, "'%s' has %d channel%s, but channels is %d", path, s->info.channels,
                       s->info.channels == 1 ? "" : "s", mq_block_n_outputs(c));
        return -1;
    }
    if (s->info.frames == 0 && s->repeat) {
        mq_block_error(c, "'%s' has no samples and cannot repeat", path);
        return -1;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct wsrc *s = calloc(1, sizeof *s);
    const char *path = mq_param_s(c, P_FILENAME);

    if (!s)
        return -1;
    *state = s;
    s->per_buf = (size_t)mq_param_i(c, P_ITEMS_PER_BUFFER);
    s->repeat = (int)mq_param_i(c, P_REPEAT);
    if (open_file(c, s, path) < 0)
        return -1;
    if (!(s->frames = malloc(s->per_buf * (size_t)s->info.channels * sizeof(float)))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    /* A restart reads on from the frame after the last life's last buffer. */
    int64_t at[2];
    if (mq_checkpoint_load(c, at, sizeof at) == sizeof at && at[0] >= 0 &&
        at[0] <= s->info.frames && sf_seek(s->f, at[0], SEEK_SET) == at[0]) {
        s->pos = at[0];
        s->sent = at[1];
    }
    return 0;
}

/* Up to per_buf frames into s->frames, from the start again at the end with
 * repeat. How many, or -1 after mq_block_error. */
static int64_t read_frames(mq_block_ctx *c, struct wsrc *s)
{
    int64_t got = 0, want = (int64_t)s->per_buf;
    int ch = s->info.channels;

    while (got < want) {
        sf_count_t n = sf_readf_float(s->f, s->frames + got * ch, want - got);
        got += n;
        s->pos += n;
        if (n > 0)
            continue;
        if (sf_error(s->f)) {
            mq_block_error(c, "reading '%s': %s", mq_param_s(c, P_FILENAME), sf_strerror(s->f));
            return -1;
        }
        if (!s->repeat)
            break;
        if (sf_seek(s->f, 0, SEEK_SET) != 0) {
            mq_block_error(c, "cannot go back to the start of '%s': %s",
                           mq_param_s(c, P_FILENAME), sf_strerror(s->f));
            return -1;
        }
        s->pos = 0;
    }
    return got;
}

static int work(mq_block_ctx *c, void *state)
{
    struct wsrc *s = state;
    int ch = s->info.channels;
    int64_t n = read_frames(c, s);
    mq_timestamp ts;

    if (n < 0)
        return MQ_WORK_ERROR;
    if (n == 0)
        return MQ_WORK_DONE;
    mq_block_stamp(c, s->info.samplerate, s->sent, (size_t)n, &ts);
    s->sent += n;
    int64_t at[2] = {s->pos, s->sent};
    mq_checkpoint_save(c, at, sizeof at);
    for (int k = 0; k < ch; k++) {
        float *o = mq_out_alloc_items(c, k, (size_t)n);
        if (!o)
            return MQ_WORK_ERROR;
        for (int64_t i = 0; i < n; i++)
            o[i] = s->frames[i * ch + k];
        if (mq_out_push_items(c, k, (size_t)n, &ts) < 0)
            return MQ_WORK_ERROR;
    }
    return n < (int64_t)s->per_buf ? MQ_WORK_DONE : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct wsrc *s = state;

    (void)c;
    if (s && s->f)
        sf_close(s->f);
    if (s)
        free(s->frames);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "wav_file_source",
    .doc = "Reads a WAV file into one f32 output per channel and finishes at its end (with\n"
           "repeat, starts again at the beginning forever).\n"
           "The outputs are out0 to outN-1, N = channels. Any file libsndfile reads will\n"
           "do (WAV, RF64, FLAC, Ogg, AIFF and more), as in GNU Radio. Samples are\n"
           "libsndfile's floats, as GNU Radio gives them: an integer sample s of b bits is\n"
           "s / 2^(b-1), in [-1, 1); float files give their values as they are. `channels`\n"
           "must be the file's channel count, which the block checks when it starts: the\n"
           "graph needs its outputs before the file is read (GNU Radio reads the header\n"
           "when the block is made). The sample rate is the header's: with timestamps\n"
           "relative or absolute, item k of the stream sits at k / rate seconds; a\n"
           "sample index counts the items of each output. A file with no samples ends\n"
           "the stream at once (GNU Radio refuses it); with repeat it is an error.",
    MQ_OUTPUTS(out), .out_count_param = "channels",
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
