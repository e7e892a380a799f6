/* sig_source - a periodic waveform (GNU Radio's sig_source): sine, cosine, square,
 * triangle, sawtooth or constant, as f32 or c32 items, with GNU Radio 3.10's shapes. Item n of
 * the stream is computed from n itself (not accumulated), so the output does not
 * drift over long runs: GNU Radio's 32-bit fixed-point oscillator does, and at an
 * item exactly on a half- or quarter-period edge its float phase decides by rounding
 * where this decides exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

enum { SINE, COSINE, SQUARE, TRIANGLE, SAW, CONST };

/* The phase in cycles at item n is c0 + f (n - n0) / fs: computed from the item
 * index, not accumulated. A live change of frequency or phase moves the anchor
 * (n0, c0) to the item where it takes effect, so the wave goes on without a jump
 * (frequency) or from the phase set (phase, as GNU Radio's set_phase). */
struct sig {
    int wave, complex_out;
    double f, fs, amp, offset;
    size_t per_buf;
    int64_t n;  /* the next item */
    int64_t n0; /* the anchor */
    double c0;
};

enum { P_WAVE, P_TYPE, P_FREQ, P_RATE, P_AMP, P_OFFSET, P_PHASE, P_PER_BUF, P_TS };
static const mq_param_decl params[] = {
    [P_WAVE] = {"waveform", MQ_PARAM_ENUM, "sine", 0, 0, "sine|cosine|square|triangle|sawtooth|constant",
                "shape of the signal", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of the output", 0},
    [P_FREQ] = {"frequency", MQ_PARAM_FLOAT, "1000", -1e12, 1e12, NULL, "frequency in Hz",
                MQ_PARAM_LIVE},
    [P_RATE] = {"sample_rate", MQ_PARAM_FLOAT, "48000", 1e-6, 1e12, NULL, "samples per second",
                0},
    [P_AMP] = {"amplitude", MQ_PARAM_FLOAT, "1", -1e30, 1e30, NULL, "peak value",
               MQ_PARAM_LIVE},
    [P_OFFSET] = {"offset", MQ_PARAM_FLOAT, "0", -1e30, 1e30, NULL,
                  "added to every item (real part)", MQ_PARAM_LIVE},
    [P_PHASE] = {"phase", MQ_PARAM_FLOAT, "0", -1e6, 1e6, NULL,
                 "phase in radians of item 0 (when set live: of the next item)", MQ_PARAM_LIVE},
    [P_PER_BUF] = {"items_per_buffer", MQ_PARAM_INT, "1024", 1, 1048576, NULL,
                   "items per output buffer", MQ_PARAM_SIZED},
    [P_TS] = MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct sig *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->wave = mq_param_choice(c, P_WAVE); /* the order of the choices is the enum's */
    s->complex_out = !strcmp(mq_param_s(c, P_TYPE), "c32");
    s->f = mq_param_f(c, P_FREQ);
    s->fs = mq_param_f(c, P_RATE);
    s->amp = mq_param_f(c, P_AMP);
    s->offset = mq_param_f(c, P_OFFSET);
    s->c0 = mq_param_f(c, P_PHASE) / (2 * M_PI);
    s->per_buf = (size_t)mq_param_i(c, P_PER_BUF);
    /* A restart goes on at the item and phase the last life had reached (its
     * frequency and the rest are the live values, which restarts keep). */
    struct { int64_t n, n0; double c0; } at;
    if (mq_checkpoint_load(c, &at, sizeof at) == sizeof at && at.n >= 0 && at.n0 <= at.n) {
        s->n = at.n;
        s->n0 = at.n0;
        s->c0 = at.c0;
    }
    *state = s;
    return 0;
}

static double cycles_at(const struct sig *s, int64_t n)
{
    return s->c0 + s->f * (double)(n - s->n0) / s->fs;
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    struct sig *s = state;

    switch (param) {
    case P_FREQ:
        s->c0 = cycles_at(s, s->n);
        s->n0 = s->n;
        s->f = mq_param_f(c, P_FREQ);
        break;
    case P_PHASE:
        s->c0 = mq_param_f(c, P_PHASE) / (2 * M_PI);
        s->n0 = s->n;
        break;
    case P_AMP:
        s->amp = mq_param_f(c, P_AMP);
        break;
    default:
        s->offset = mq_param_f(c, P_OFFSET);
    }
    return 0;
}

/* The wave at `cycles`, without amplitude and offset, as GNU Radio's: its phase
 * wraps into [-pi, pi), the square is high in the second half of a period (its
 * "high from -pi to 0"), the triangle falls from 1 to 0 and rises back (its
 * 1 - |phi|/pi) and the sawtooth starts at 0.5 (its phi/2pi + 1/2). */
static double shape(int wave, double cycles)
{
    double frac = cycles - floor(cycles);

    switch (wave) {
    case SQUARE:
        return frac < 0.5 ? 0 : 1;
    case TRIANGLE:
        return fabs(1 - 2 * frac);
    case SAW:
        frac += 0.5;
        return frac < 1 ? frac : frac - 1;
    default:
        return 1;
    }
}

/* Item n (the imaginary part in *im, 0 for f32). c32 as GNU Radio: sine and cosine
 * are both the exponential e^{j theta}; the imaginary square, triangle and sawtooth
 * are the real wave a quarter period later; constant is amplitude + 0j. The offset
 * is real. */
static double value(const struct sig *s, int64_t n, double *im)
{
    double cycles = cycles_at(s, n), th = 2 * M_PI * cycles;

    *im = 0;
    switch (s->wave) {
    case SINE:
        if (s->complex_out) {
            *im = s->amp * sin(th);
            return s->amp * cos(th) + s->offset;
        }
        return s->amp * sin(th) + s->offset;
    case COSINE:
        *im = s->amp * sin(th);
        return s->amp * cos(th) + s->offset;
    case CONST:
        return s->amp + s->offset;
    default:
        *im = s->amp * shape(s->wave, cycles - 0.25);
        return s->amp * shape(s->wave, cycles) + s->offset;
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
            o[2 * i + 1] = (float)im;
        } else {
            o[i] = (float)re;
        }
    }
    mq_block_stamp(c, s->fs, s->n, s->per_buf, &ts);
    s->n += (int64_t)s->per_buf;
    struct { int64_t n, n0; double c0; } at = {s->n, s->n0, s->c0};
    mq_checkpoint_save(c, &at, sizeof at);
    return mq_out_push(c, 0, s->per_buf * isz, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "sig_source",
    .doc = "Periodic waveform: sine, cosine, square, triangle, sawtooth or constant.\n"
           "Items are f32 or c32. Item n is offset + amplitude * w(p), p = frequency * n /\n"
           "sample_rate + phase / 2pi in cycles, w as GNU Radio's: square 0 for the first\n"
           "half of a period, then 1; triangle |1 - 2 (p mod 1)|, falling from 1 to 0 and\n"
           "rising back; sawtooth rises from 0.5 to 1, then from 0 to 0.5. c32 as GNU\n"
           "Radio: sine and cosine are both e^{j theta}; the imaginary square, triangle\n"
           "and sawtooth are the real wave a quarter period later; constant is\n"
           "amplitude + offset + 0j (the offset is real). The phase comes from n itself,\n"
           "not from an accumulator, so it does not drift. Timestamps: see `timestamps`\n"
           "(the rate is sample_rate). frequency, amplitude, offset and phase are live.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = changed,
};
MQ_BLOCK_EXPORT(decl)
