/* noise_source - pseudo-random noise (GNU Radio's noise_source): uniform in
 * [-amplitude, amplitude) or gaussian with standard deviation `amplitude`. For c32
 * both scale each part by amplitude/sqrt(2), as GNU Radio does: uniform parts in
 * [-amplitude/sqrt2, amplitude/sqrt2), gaussian parts of variance amplitude^2/2.
 * The generator is xoshiro256** seeded by splitmix64(seed), so a seed gives the same
 * stream on every machine and every run. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "block.h"

struct noise {
    uint64_t s[4];
    int gaussian, complex_out;
    double amp;
    size_t per_buf;
    int64_t sent;
    int have_spare;
    double spare;
};

enum { P_DIST, P_TYPE, P_AMP, P_SEED, P_PER_BUF, P_RATE, P_TS };
static const mq_param_decl params[] = {
    [P_DIST] = {"distribution", MQ_PARAM_ENUM, "gaussian", 0, 0, "uniform|gaussian",
                "the distribution", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of the output", 0},
    [P_AMP] = {"amplitude", MQ_PARAM_FLOAT, "1", 0, 1e30, NULL,
               "uniform: half the range; gaussian: standard deviation (c32: each part"
               " 1/sqrt2 of it)", MQ_PARAM_LIVE},
    [P_SEED] = {"seed", MQ_PARAM_INT, "0", 0, 9.007199254740992e15, NULL,
                "seed of the generator", 0},
    [P_PER_BUF] = {"items_per_buffer", MQ_PARAM_INT, "1024", 1, 1048576, NULL,
                   "items per output buffer", MQ_PARAM_SIZED},
    [P_RATE] = MQ_PARAM_SAMPLE_RATE,
    [P_TS] = MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct noise *n)
{
    uint64_t *s = n->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* Uniform in [0, 1) with 53 random bits. */
static double unit(struct noise *n)
{
    return (double)(next(n) >> 11) * 0x1.0p-53;
}

/* Standard normal by the Marsaglia polar method (pairs; the second is kept). */
static double normal(struct noise *n)
{
    double u, v, q;

    if (n->have_spare) {
        n->have_spare = 0;
        return n->spare;
    }
    do {
        u = 2 * unit(n) - 1;
        v = 2 * unit(n) - 1;
        q = u * u + v * v;
    } while (q >= 1 || q == 0);
    q = sqrt(-2 * log(q) / q);
    n->spare = v * q;
    n->have_spare = 1;
    return u * q;
}

/* The scale of each drawn value: for c32, amplitude / sqrt(2) per part, either
 * distribution (GNU Radio divides its c32 amplitude so, whatever the type). */
static void set_amp(mq_block_ctx *c, struct noise *n)
{
    n->amp = mq_param_f(c, P_AMP);
    if (n->complex_out)
        n->amp /= sqrt(2);
}

static int amp_changed(mq_block_ctx *c, void *state, int param)
{
    set_amp(c, state);
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct noise *n = calloc(1, sizeof *n);
    uint64_t x = (uint64_t)mq_param_i(c, P_SEED);

    if (!n)
        return -1;
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        n->s[i] = z ^ (z >> 31);
    }
    n->gaussian = mq_param_s(c, P_DIST)[0] == 'g';
    n->complex_out = mq_block_out_type(c, 0) == MQ_ITEM_C32;
    set_amp(c, n);
    n->per_buf = (size_t)mq_param_i(c, P_PER_BUF);
    *state = n;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct noise *n = state;
    size_t floats = n->per_buf * (n->complex_out ? 2 : 1);
    float *o = mq_out_alloc(c, 0, floats * 4);
    mq_timestamp ts;

    if (!o)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < floats; i++)
        o[i] = (float)(n->amp * (n->gaussian ? normal(n) : 2 * unit(n) - 1));
    mq_block_stamp(c, mq_param_f(c, P_RATE), n->sent, n->per_buf, &ts);
    n->sent += (int64_t)n->per_buf;
    return mq_out_push(c, 0, floats * 4, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "noise_source",
    .doc = "Endless pseudo-random noise: uniform in [-amplitude, amplitude) or gaussian\n"
           "with standard deviation amplitude. c32, as GNU Radio: each part scaled by\n"
           "amplitude/sqrt(2), so uniform in [-amplitude/sqrt2, amplitude/sqrt2) or\n"
           "gaussian of variance amplitude^2/2. The same seed gives the same stream\n"
           "(xoshiro256** seeded by splitmix64). amplitude is live.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = amp_changed,
};
MQ_BLOCK_EXPORT(decl)
