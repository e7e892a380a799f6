/* sig_source - a periodic waveform (GNU Radio's sig_source): sine, cosine, square,
 * sawtooth or constant, as f32 or c32 items. Item n of the stream is computed from n
 * itself (not accumulated), so the output does not drift over long runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

enum { SINE, COSINE, SQUARE, SAW, CONST };

struct sig {
    int wave, complex_out;
    double f, fs, amp, offset, phase;
    size_t per_buf;
    int64_t n;
};

static const mq_param_decl params[] = {
    {"waveform", MQ_PARAM_ENUM, "sine", 0, 0, "sine|cosine|square|sawtooth|constant",
     "shape of the signal"},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of the output"},
    {"frequency", MQ_PARAM_FLOAT, "1000", -1e12, 1e12, NULL, "frequency in Hz"},
    {"sample_rate", MQ_PARAM_FLOAT, "48000", 1e-6, 1e12, NULL, "samples per second"},
    {"amplitude", MQ_PARAM_FLOAT, "1", -1e30, 1e30, NULL, "peak value"},
    {"offset", MQ_PARAM_FLOAT, "0", -1e30, 1e30, NULL, "added to every item (real part)"},
    {"phase", MQ_PARAM_FLOAT, "0", -1e6, 1e6, NULL, "initial phase in radians"},
    {"items_per_buffer", MQ_PARAM_INT, "1024", 1, 1048576, NULL, "items per output buffer"},
    MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type"}};

static int init(mq_block_ctx *c, void **state)
{
    static const char *waves[] = {"sine", "cosine", "square", "sawtooth", "constant"};
    struct sig *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(mq_param_str(c, "waveform"), waves[i]))
            s->wave = i;
    s->complex_out = !strcmp(mq_param_str(c, "type"), "c32");
    s->f = mq_param_float(c, "frequency");
    s->fs = mq_param_float(c, "sample_rate");
    s->amp = mq_param_float(c, "amplitude");
    s->offset = mq_param_float(c, "offset");
    s->phase = mq_param_float(c, "phase");
    s->per_buf = (size_t)mq_param_int(c, "items_per_buffer");
    *state = s;
    return 0;
}

/* The real value at item n (for c32 sine/cosine, the imaginary part is im). */
static double value(const struct sig *s, int64_t n, double *im)
{
    double cycles = s->f * (double)n / s->fs + s->phase / (2 * M_PI);
    double frac = cycles - floor(cycles), th = 2 * M_PI * cycles;

    *im = 0;
    switch (s->wave) {
    case SINE:
        *im = s->amp * -cos(th);
        return s->amp * sin(th) + s->offset;
    case COSINE:
        *im = s->amp * sin(th);
        return s->amp * cos(th) + s->offset;
    case SQUARE:
        return (frac < 0.5 ? s->amp : 0) + s->offset;
    case SAW:
        return s->amp * frac + s->offset;
    default:
        return s->amp + s->offset;
    }
}

static int work(mq_block_ctx *c, void *state)
{
    struct sig *s = state;
    size_t isz = s->complex_out ? 8 : 4;
    float *o = mq_out_alloc(c, 0, s->per_buf * isz);
    mq_timestamp ts;
    double im;

    if (!o)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < s->per_buf; i++) {
        double re = value(s, s->n + (int64_t)i, &im);
        if (s->complex_out) {
            o[2 * i] = (float)re;
            o[2 * i + 1] = (float)(s->wave <= COSINE ? im : re);
        } else {
            o[i] = (float)re;
        }
    }
    mq_block_stamp(c, s->fs, s->n, s->per_buf, &ts);
    s->n += (int64_t)s->per_buf;
    return mq_out_push(c, 0, s->per_buf * isz, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "sig_source",
    .doc = "Periodic waveform: sine, cosine, square, sawtooth or constant (f32 or c32).\n"
           "Item n is offset + amplitude * w(frequency * n / sample_rate + phase / 2pi).\n"
           "c32 sine and cosine are complex exponentials; other c32 shapes repeat the\n"
           "real value in the imaginary part. Timestamps: see `timestamps` (the rate is\n"
           "sample_rate).",
    .out = out, .n_out = 1,
    .params = params, .n_params = sizeof params / sizeof params[0],
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
