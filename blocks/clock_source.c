/* clock_source - buffers whose timing is known in advance: a nominal rate, a clock
 * drift, per-buffer jitter drawn from a seed, periodic gaps and a start offset. For
 * testing what consumes timestamps (alignment, rate mismatch), and for simulating a
 * capture device without one.
 *
 * Buffer k (counting from 0, as emitted) sits in slot j = k + gap_len * (k / gap_every)
 * (gap_every 0: j = k), since every gap_every buffers, gap_len slots stay empty.
 * With P = 1e9 / rate * (1 + drift_ppm / 1e6) ns, its timestamp is relative (ns since
 * the graph's start) with a range:
 *
 *   t     = start_ns + llround(j * P) + J(j)
 *   start = t,  end = t + llround((n - 1) * P / n)     (n = items_per_buffer)
 *
 * where J(j) = splitmix64(seed + (j + 1) * 0x9e3779b97f4a7c15) mod (2 jitter_ns + 1)
 * - jitter_ns (0 without jitter; splitmix64 is the finaliser: z ^= z >> 30,
 * z *= 0xbf58476d1ce4e5b9, z ^= z >> 27, z *= 0x94d049bb133111eb, z ^= z >> 31).
 * Item i of the buffer has the value j * n + i (f32). With realtime, each buffer
 * leaves at its timestamp (measured from the block's start); otherwise as fast as
 * the graph takes them. */
#include <math.h>
#include <stdlib.h>

#include "block.h"

struct clk {
    double period;
    int64_t start, jitter, gap_every, gap_len, buffers, k, t0;
    uint64_t seed;
    size_t n;
    int realtime;
};

static const mq_param_decl params[] = {
    {"rate", MQ_PARAM_FLOAT, "1000", 1e-6, 1e9, NULL, "nominal buffers per second", 0},
    {"items_per_buffer", MQ_PARAM_INT, "100", 1, 1048576, NULL, "items per buffer", 0},
    {"drift_ppm", MQ_PARAM_FLOAT, "0", -1e5, 1e5, NULL, "clock error: the period is longer by ppm", 0},
    {"jitter_ns", MQ_PARAM_INT, "0", 0, 1e12, NULL, "each timestamp moves by up to this, from seed", 0},
    {"gap_every", MQ_PARAM_INT, "0", 0, 1e12, NULL, "after this many buffers, a gap (0: none)", 0},
    {"gap_len", MQ_PARAM_INT, "1", 1, 1e12, NULL, "buffer slots left empty by each gap", 0},
    {"start_ns", MQ_PARAM_INT, "0", -1e15, 1e15, NULL, "timestamp of slot 0", 0},
    {"seed", MQ_PARAM_INT, "1", 0, 9.007199254740992e15, NULL, "seed of the jitter", 0},
    {"buffers", MQ_PARAM_INT, "0", 0, 1e15, NULL, "how many buffers, then done (0: forever)", 0},
    {"realtime", MQ_PARAM_BOOL, "false", 0, 0, NULL, "emit each buffer at its timestamp", 0},
};
static const mq_port_decl out[] = {{.name = "out", .type = MQ_ITEM_F32}};

static uint64_t splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int init(mq_block_ctx *c, void **state)
{
    struct clk *k = calloc(1, sizeof *k);

    if (!k)
        return -1;
    k->period = 1e9 / mq_param_float(c, "rate") * (1 + mq_param_float(c, "drift_ppm") / 1e6);
    k->n = (size_t)mq_param_int(c, "items_per_buffer");
    k->jitter = mq_param_int(c, "jitter_ns");
    k->gap_every = mq_param_int(c, "gap_every");
    k->gap_len = mq_param_int(c, "gap_len");
    k->start = mq_param_int(c, "start_ns");
    k->seed = (uint64_t)mq_param_int(c, "seed");
    k->buffers = mq_param_int(c, "buffers");
    k->realtime = (int)mq_param_int(c, "realtime");
    k->t0 = mq_block_now_ns();
    /* A restart goes on with the next buffer, on the first life's clock. */
    int64_t at[2];
    if (mq_checkpoint_load(c, at, sizeof at) == sizeof at && at[0] >= 0) {
        k->k = at[0];
        k->t0 = at[1];
    }
    *state = k;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct clk *k = state;
    int64_t j = k->k + (k->gap_every ? k->gap_len * (k->k / k->gap_every) : 0);
    int64_t jit = 0;
    mq_timestamp ts = {.type = MQ_TS_RELATIVE, .flags = MQ_TS_HAS_RANGE};
    float *o;

    if (k->buffers && k->k >= k->buffers)
        return MQ_WORK_DONE;
    if (k->jitter)
        jit = (int64_t)(splitmix64(k->seed + (uint64_t)(j + 1) * 0x9e3779b97f4a7c15ull) %
                        (uint64_t)(2 * k->jitter + 1)) - k->jitter;
    ts.value = ts.start = k->start + llround((double)j * k->period) + jit;
    ts.end = ts.start + llround((double)(k->n - 1) * k->period / (double)k->n);
    if (k->realtime && mq_block_sleep_until(c, k->t0 + ts.value))
        return MQ_WORK_DONE;
    if (!(o = mq_out_alloc(c, 0, k->n * 4)))
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < k->n; i++)
        o[i] = (float)((double)j * (double)k->n + (double)i);
    k->k++;
    int64_t at[2] = {k->k, k->t0};
    mq_checkpoint_save(c, at, sizeof at);
    return mq_out_push(c, 0, k->n * 4, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "clock_source",
    .doc = "Buffers with known timing: rate, drift_ppm, seeded jitter_ns, gaps and start_ns\n"
           "(relative timestamps with a range; the formula is in blocks/clock_source.c).\n"
           "Item i of the buffer in slot j is j * items_per_buffer + i.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
