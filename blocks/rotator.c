/* rotator - multiplies a complex stream by e^{j phase_inc n}, a tone of phase_inc
 * radians an item that starts at phase 0 (GNU Radio's rotator_cc): a frequency shift
 * by phase_inc fs / 2pi Hz.
 *
 * VOLK's rotator kernel, as GNU Radio's, but restarted every 256 items from the phase
 * computed from the item index (phase_ramp.h), so the phase does not drift. In place
 * when the block holds the only reference to the buffer. */
#include <stdlib.h>

#include "block.h"
#include "phase_ramp.h"
#include "volk_setup.h"

struct rot {
    struct phase_ramp q;
    int64_t n; /* the next item's index */
};

enum { P_INC };
static const mq_param_decl params[] = {
    [P_INC] = {"phase_inc", MQ_PARAM_FLOAT, "0", -1e30, 1e30, NULL,
               "radians added to the phase every item (2pi f / fs)", MQ_PARAM_LIVE},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct rot *r = calloc(1, sizeof *r);

    if (!r)
        return -1;
    ramp_set(&r->q, mq_param_f(c, P_INC) / (2 * M_PI), 0, 0);
    *state = r;
    return 0;
}

/* The new increment holds from the next item on, which keeps the phase it had
 * reached, as GNU Radio's set_phase_inc. */
static int inc_changed(mq_block_ctx *c, void *state, int param)
{
    struct rot *r = state;

    ramp_set(&r->q, mq_param_f(c, P_INC) / (2 * M_PI), r->n, ramp_cycles(&r->q, r->n));
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct rot *r = state;
    size_t n;
    mq_timestamp ts;
    lv_32fc_t *x = mq_in_writable_items(c, 0, &n);

    if (!x)
        return MQ_WORK_ERROR;
    ramp_apply(&r->q, r->n, x, x, n);
    r->n += (int64_t)n;
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "rotator",
    .doc = "Shifts a complex stream in frequency: out[n] = in[n] e^{j phase_inc n}.\n"
           "A shift by phase_inc fs / 2pi Hz (GNU Radio's rotator_cc). VOLK's rotator\n"
           "kernel, as GNU Radio's, but restarted every 256 items from the phase computed\n"
           "from the item index, so the phase does not drift: out[n] is within 1.4e-5\n"
           "|in[n]| of in[n] e^{j phase_inc n} at any n, where GNU Radio's accumulated\n"
           "phasor is 0.59 rad off after 1e8 items at 0.3 rad an item. Timestamps pass\n"
           "through. phase_inc is live: the new increment holds from the next item, which\n"
           "keeps the phase reached. GNU Radio's cmd message {inc, offset} (a change at a\n"
           "given item) and its rot_phase_inc tags are not there: mq has no stream tags.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .param_changed = inc_changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
