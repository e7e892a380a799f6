/* agc - automatic gain control with a loop on the output's magnitude (GNU Radio's
 * analog.agc_ff / agc_cc, the kernel of its agc.h).
 *
 * Per item, in float as GNU Radio: out = in * gain; then gain += (reference -
 * |out|) * rate, |out| the absolute value (f32) or sqrtf(re^2 + im^2) (c32); then,
 * if max_gain > 0, gain is clipped to at most max_gain. So an item is scaled by the
 * gain the items before it left. The running gain is the block's state; the `gain`
 * parameter is where it starts, and setting it live sets the running gain, as GNU
 * Radio's set_gain. Works in place. */
#include <math.h>
#include <stdlib.h>

#include "block.h"

struct agc {
    float rate, reference, gain, max_gain;
    int complex_items;
};

enum { P_RATE, P_REF, P_GAIN, P_MAX, P_TYPE };
static const mq_param_decl params[] = {
    [P_RATE] = {"rate", MQ_PARAM_FLOAT, "1e-4", -1e30, 1e30, NULL, "update rate of the loop",
                MQ_PARAM_LIVE},
    [P_REF] = {"reference", MQ_PARAM_FLOAT, "1.0", -1e30, 1e30, NULL,
               "the magnitude the output is brought to", MQ_PARAM_LIVE},
    [P_GAIN] = {"gain", MQ_PARAM_FLOAT, "1.0", -1e30, 1e30, NULL,
                "initial gain (live: sets the running gain)", MQ_PARAM_LIVE},
    [P_MAX] = {"max_gain", MQ_PARAM_FLOAT, "65536", -1e30, 1e30, NULL,
               "largest gain (0 or less: no limit)", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int changed(mq_block_ctx *c, void *state, int param)
{
    struct agc *a = state;
    float v = (float)mq_param_f(c, param);

    switch (param) {
    case P_RATE: a->rate = v; break;
    case P_REF: a->reference = v; break;
    case P_GAIN: a->gain = v; break;
    default: a->max_gain = v;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct agc *a = calloc(1, sizeof *a);

    if (!a)
        return -1;
    *state = a;
    a->complex_items = mq_block_in_type(c, 0) == MQ_ITEM_C32;
    for (int p = P_RATE; p <= P_MAX; p++)
        changed(c, a, p);
    return 0;
}

static void clip(struct agc *a)
{
    if (a->max_gain > 0 && a->gain > a->max_gain)
        a->gain = a->max_gain;
}

static void run_f32(struct agc *a, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i] *= a->gain;
        a->gain += (a->reference - fabsf(v[i])) * a->rate;
        clip(a);
    }
}

static void run_c32(struct agc *a, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float re = v[2 * i] * a->gain, im = v[2 * i + 1] * a->gain;
        v[2 * i] = re, v[2 * i + 1] = im;
        a->gain += a->rate * (a->reference - sqrtf(re * re + im * im));
        clip(a);
    }
}

static int work(mq_block_ctx *c, void *state)
{
    struct agc *a = state;
    size_t n;
    float *v = mq_in_writable_items(c, 0, &n);
    mq_timestamp ts;

    if (!v)
        return MQ_WORK_ERROR;
    if (a->complex_items)
        run_c32(a, v, n);
    else
        run_f32(a, v, n);
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "agc",
    .doc = "Automatic gain control: brings the output's magnitude to `reference`.\n"
           "As GNU Radio's analog.agc_ff and agc_cc, per item, in float: out = in * gain,\n"
           "then gain += (reference - |out|) * rate (|out| = sqrt(re^2 + im^2) for c32),\n"
           "then gain = max_gain if max_gain > 0 and gain > max_gain; so on a constant\n"
           "input of magnitude m the gain goes to reference / m. max_gain 65536 is GNU\n"
           "Radio's (its make() has none; GRC sets it with set_max_gain). Timestamps pass\n"
           "through unchanged. rate, reference, gain and max_gain are live, as GNU\n"
           "Radio's setters: a new gain replaces the running gain.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = changed,
};
MQ_BLOCK_EXPORT(decl)
