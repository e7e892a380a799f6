/* wav_file_sink - writes n_channels f32 streams as the channels of a WAV file (or
 * RF64, FLAC, Ogg) with libsndfile (GNU Radio's wavfile_sink).
 *
 * The file is written as file_sink's is (part_file.h): under path.partPID.BLOCK,
 * renamed when the stream ends. libsndfile writes through the part file's
 * descriptor and completes the header (its lengths) when it closes the file, which
 * comes before the flush, sync and rename. So the block cannot go on after a
 * restart: the last life's header lengths died with it. A device or FIFO is
 * refused: the header is written last, at the start of the file. */
#define _GNU_SOURCE /* fopencookie, in part_file.h */
/* The sink uses part_file.h's file functions, not its part_sink ones. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "part_file.h"

#include <sndfile.h>

enum { P_FILENAME, P_N_CHANNELS, P_SAMPLE_RATE, P_FORMAT, P_SUBFORMAT, P_APPEND };

/* GNU Radio's wavfile_format_t and wavfile_subformat_t, in their order, as
 * libsndfile's codes. */
static const int formats[] = {SF_FORMAT_WAV, SF_FORMAT_FLAC, SF_FORMAT_OGG, SF_FORMAT_RF64};
static const int subformats[] = {SF_FORMAT_PCM_S8,  SF_FORMAT_PCM_16, SF_FORMAT_PCM_24,
                                 SF_FORMAT_PCM_32,  SF_FORMAT_PCM_U8, SF_FORMAT_FLOAT,
                                 SF_FORMAT_DOUBLE,  SF_FORMAT_VORBIS, SF_FORMAT_OPUS};
#define FORMAT_CHOICES "wav|flac|ogg|rf64"
#define SUBFORMAT_CHOICES "pcm_s8|pcm_16|pcm_24|pcm_32|pcm_u8|float|double|vorbis|opus"
/* The subformats each format takes, as GNU Radio's open_file_for_rewrite: a bit
 * per subformat index. */
static const unsigned allowed[] = {0x7e, 0x07, 0x180, 0x7e};

static const mq_param_decl params[] = {
    [P_FILENAME] = {"filename", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file", 0},
    [P_N_CHANNELS] = {"n_channels", MQ_PARAM_INT, "1", 1, MQ_MAX_PORTS, NULL,
                      "channels: one input each", 0},
    [P_SAMPLE_RATE] = {"sample_rate", MQ_PARAM_INT, NULL, 1, 2147483647, NULL,
                       "the sample rate the header gives, in Hz", 0},
    [P_FORMAT] = {"format", MQ_PARAM_ENUM, "wav", 0, 0, FORMAT_CHOICES, "the container", 0},
    [P_SUBFORMAT] = {"subformat", MQ_PARAM_ENUM, "pcm_16", 0, 0, SUBFORMAT_CHOICES,
                     "the sample encoding", 0},
    [P_APPEND] = {"append", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                  "add to the samples of an existing file of the same format", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};

struct wsink {
    struct part_file p;
    SNDFILE *sf;
    float *frames; /* interleaved, cap frames */
    size_t cap;
    int clip; /* an integer subformat: samples clip to [-1, 1] */
};

static int check(mq_block_ctx *c)
{
    int f = mq_param_choice(c, P_FORMAT), s = mq_param_choice(c, P_SUBFORMAT);

    if (allowed[f] & (1u << s))
        return 0;
    mq_block_error(c, "subformat %s cannot be written in format %s", mq_param_s(c, P_SUBFORMAT),
                   mq_param_s(c, P_FORMAT));
    return -1;
}

/* The existing file at p->target, copied into the part file, which libsndfile then
 * opens to write on at its end: the original stays whole until the rename. 0, or
 * -1 after mq_block_error. */
static int copy_existing(mq_block_ctx *c, struct part_file *p)
{
    char buf[65536];
    int src = open(p->target, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (src < 0) {
        mq_block_error(c, "cannot open '%s' to append to it: %s", p->path, strerror(errno));
        return -1;
    }
    while ((n = read(src, buf, sizeof buf)) > 0)
        if (write(p->fd, buf, (size_t)n) != n)
            break;
    close(src);
    if (n != 0) {
        part_file_error(c, p);
        return -1;
    }
    return 0;
}

/* Opens an existing file to append to, refusing one of another format. libsndfile
 * reads the header, so it writes through a descriptor of its own that reads too
 * (the part file's is write-only); the sync before the rename covers both. */
static int open_append(mq_block_ctx *c, struct wsink *w, const SF_INFO *want)
{
    SF_INFO got = {0};
    int fd;

    if (copy_existing(c, &w->p) < 0)
        return -1;
    if ((fd = open(w->p.tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        mq_block_error(c, "cannot open '%s': %s", w->p.tmp, strerror(errno));
        return -1;
    }
    if (!(w->sf = sf_open_fd(fd, SFM_RDWR, &got, 1))) {
        mq_block_error(c, "cannot append to '%s': %s", w->p.path, sf_strerror(NULL));
        return -1;
    }
    if (got.format != want->format || got.channels != want->channels ||
        got.samplerate != want->samplerate) {
        mq_block_error(c, "cannot append to '%s': it has %d channel%s at %d Hz in another "
                          "format or subformat than %s %s",
                       w->p.path, got.channels, got.channels == 1 ? "" : "s", got.samplerate,
                       mq_param_s(c, P_FORMAT), mq_param_s(c, P_SUBFORMAT));
        return -1;
    }
    if (sf_seek(w->sf, 0, SEEK_END) < 0) {
        mq_block_error(c, "cannot append to '%s': %s", w->p.path, sf_strerror(w->sf));
        return -1;
    }
    return 0;
}

static int open_sound(mq_block_ctx *c, struct wsink *w)
{
    SF_INFO info = {
        .samplerate = (int)mq_param_i(c, P_SAMPLE_RATE),
        .channels = mq_block_n_inputs(c),
        .format = formats[mq_param_choice(c, P_FORMAT)] | subformats[mq_param_choice(c, P_SUBFORMAT)],
    };
    struct stat st;

    if (mq_param_i(c, P_APPEND) && stat(w->p.target, &st) == 0 && st.st_size > 0)
        return open_append(c, w, &info);
    if (!(w->sf = sf_open_fd(w->p.fd, SFM_WRITE, &info, 0))) {
        mq_block_error(c, "cannot write '%s': %s", w->p.tmp, sf_strerror(NULL));
        return -1;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct wsink *w = calloc(1, sizeof *w);
    const char *path = mq_param_s(c, P_FILENAME);

    if (!w)
        return -1;
    *state = w;
    if (mq_block_restarts(c) > 0) {
        mq_block_error(c, "cannot go on writing '%s' after a restart: the WAV header's "
                          "lengths died with the last life",
                       path);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        mq_block_error(c, "cannot write a sound file into '%s', a device or FIFO: its header "
                          "is written last, at its start",
                       path);
        return -1;
    }
    if (part_file_open(c, &w->p, path, -1) < 0 || open_sound(c, w) < 0) {
        w->p.failed = 1; /* nothing of it is kept */
        return -1;
    }
    /* libsndfile scales by 2^(b-1) - 1 as GNU Radio's file has it, and wraps
     * beyond +-1; its own clipping would scale by 2^(b-1), so the block clips. */
    w->clip = mq_param_choice(c, P_SUBFORMAT) <= 4; /* pcm_s8 .. pcm_u8 */
    return 0;
}

/* Room for n frames in w->frames. */
static int reserve(mq_block_ctx *c, struct wsink *w, size_t n)
{
    if (n <= w->cap)
        return 0;
    float *f = realloc(w->frames, n * (size_t)mq_block_n_inputs(c) * sizeof(float));
    if (!f) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    w->frames = f;
    w->cap = n;
    return 0;
}

/* The inputs' buffers may differ in length: the frames that every input has go to
 * the file, and the rest waits for the next call. */
static int work(mq_block_ctx *c, void *state)
{
    struct wsink *w = state;
    int ch = mq_block_n_inputs(c);
    size_t n = SIZE_MAX, k;

    for (int i = 0; i < ch; i++) {
        mq_in_items(c, i, &k);
        n = k < n ? k : n;
    }
    if (reserve(c, w, n) < 0)
        return MQ_WORK_ERROR;
    for (int i = 0; i < ch; i++) {
        const float *x = mq_in_items(c, i, &k);
        float *f = w->frames + i;
        for (size_t j = 0; j < n; j++)
            f[j * (size_t)ch] = !w->clip ? x[j] : x[j] > 1 ? 1 : x[j] < -1 ? -1 : x[j];
        mq_in_consume_items(c, i, n);
    }
    if (sf_writef_float(w->sf, w->frames, (sf_count_t)n) != (sf_count_t)n) {
        mq_block_error(c, "writing '%s': %s", w->p.tmp, sf_strerror(w->sf));
        w->p.failed = 1;
        return MQ_WORK_ERROR;
    }
    return MQ_WORK_OK;
}

/* libsndfile completes the header as it closes, before part_file_close's flush,
 * sync and rename; a failure there leaves an incomplete file, removed. */
static void fini(mq_block_ctx *c, void *state)
{
    struct wsink *w = state;

    if (!w)
        return;
    if (w->sf) {
        int e = sf_close(w->sf);
        if (e && !w->p.failed && !mq_block_graph_failed(c)) {
            mq_block_error(c, "writing '%s': %s", w->p.tmp, sf_error_number(e));
            w->p.failed = 1;
        }
    }
    if (w->p.path)
        part_file_close(c, &w->p);
    free(w->frames);
    free(w);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "wav_file_sink",
    .doc = "Writes its n_channels f32 inputs (in0 to inN-1) as the channels of a WAV file.\n"
           "As GNU Radio's wavfile_sink: `format` wav, flac, ogg or rf64, `subformat` the\n"
           "encoding (GNU Radio's FORMAT_PCM_16 is pcm_16; wav and rf64 take pcm_u8 ..\n"
           "double, flac pcm_s8, _16, _24, ogg vorbis, opus), `sample_rate` what the\n"
           "header says (timestamps are not read), `append` adds to an existing file of\n"
           "the same format, channels and rate (none there: a new one; GNU Radio fails).\n"
           "Samples are libsndfile's, as GNU Radio's: x in [-1, 1] becomes\n"
           "round(x (2^(b-1) - 1)) for b bits (16: 32767 x), and values beyond +-1 clip\n"
           "to +-1 in the integer subformats (GNU Radio's wrap around: 1.5 becomes\n"
           "-16386 / 32768). The file is written as file_sink's (path.partPID.BLOCK,\n"
           "renamed at the end; doc/blocks.md); a device or FIFO is refused (the header\n"
           "is written last, at the start), and a restarted block fails: libsndfile\n"
           "keeps the header's lengths until it closes the file.",
    MQ_INPUTS(in), .in_count_param = "n_channels",
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
