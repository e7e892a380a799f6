/* frequency_modulator - a complex tone whose frequency follows the input (GNU Radio's
 * frequency_modulator_fc): phase += sensitivity * in[n], out[n] = e^{j phase}.
 *
 * The phase is a float accumulator folded after every item exactly as GNU Radio
 * 3.10 folds it, phase = fmodf(phase + pi, 2pi) - pi with pi as a float, so the
 * phases are GNU Radio's bit for bit. That fold keeps a positive phase in [-pi, pi);
 * fmodf keeps the sign of its argument, so a negative one lands in (-3pi, pi), as
 * in GNU Radio: the same e^{j phase}. The phase is accumulated, not computed from
 * an index as rotator's is, because it is the running sum of the input. GNU Radio
 * reads sine and cosine from a 1024-entry table (fxpt), within 4.8e-6 of e^{j phase};
 * cosf and sinf here are within 4.4e-8 (both measured over 2e5 items). */
#include <math.h>
#include <stdlib.h>

#include "block.h"

struct fm {
    float sens, phase;
};

enum { P_SENS };
static const mq_param_decl params[] = {
    [P_SENS] = {"sensitivity", MQ_PARAM_FLOAT, NULL, -1e30, 1e30, NULL,
                "radians of phase an item per unit of input (2pi deviation / fs)",
                MQ_PARAM_LIVE},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct fm *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    f->sens = (float)mq_param_f(c, P_SENS);
    *state = f;
    return 0;
}

static int sens_changed(mq_block_ctx *c, void *state, int param)
{
    ((struct fm *)state)->sens = (float)mq_param_f(c, P_SENS);
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    const float pi = (float)M_PI;
    struct fm *f = state;
    size_t n;
    mq_timestamp ts;
    const float *x = mq_in_items(c, 0, &n);
    float *o;

    if (!x || !(o = mq_out_alloc_items(c, 0, n)))
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < n; i++) {
        f->phase = fmodf(f->phase + f->sens * x[i] + pi, 2 * pi) - pi;
        o[2 * i] = cosf(f->phase);
        o[2 * i + 1] = sinf(f->phase);
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_push_items(c, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "frequency_modulator",
    .doc = "FM modulator: a complex tone whose frequency follows the input.\n"
           "out[n] = e^{j phase}, phase += sensitivity * in[n] (GNU Radio's\n"
           "frequency_modulator_fc); sensitivity = 2pi deviation / fs for a deviation in\n"
           "Hz per unit of input. The phase is a float accumulator folded after each item\n"
           "as GNU Radio folds it, fmodf(phase + pi, 2pi) - pi, so the phases are GNU\n"
           "Radio's bit for bit; sine and cosine are cosf, sinf where GNU Radio reads a\n"
           "table (within 4.8e-6 of GNU Radio's items). The first item is e^{j sensitivity\n"
           "in[0]}. Timestamps pass through. sensitivity is live: it holds from the next\n"
           "item, the phase goes on from where it was.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = sens_changed,
};
MQ_BLOCK_EXPORT(decl)
