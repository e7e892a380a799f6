/* iir_filter - an infinite impulse response filter in direct form I (GNU Radio's
 * iir_filter_ffd, and iir_filter_ccd for c32: real double taps, double state).
 *
 * y[n] = sum_{k<nb} b[k] x[n-k] + sum_{1<=k<na} a[k] y[n-k] with oldstyle, and
 * - a[k] without (scipy's and Matlab's sign), b the fftaps, a the fbtaps; a[0] is
 * ignored, as in GNU Radio. The sum runs in that order, in double, and the state
 * keeps y in double: only the output is rounded to float, so the numbers are GNU
 * Radio's to the bit.
 *
 * The state is kept here rather than in the runtime's history: GNU Radio's
 * set_taps starts the filter again from zeros, in its inputs and outputs, where a
 * history would keep the inputs. Each part of a c32 item is filtered on its own
 * (real taps times a complex value scale both parts), so c32 is two f32 lanes. */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "taps.h"

/* A lane's last n values, each stored twice (at pos and pos + n), newest at pos + 1
 * after a step: the loop reads v[n-1..n-k] as one run without wrapping. */
struct iir {
    double *b, *a; /* a with the oldstyle sign: y[n] += a[k] y[n-k] */
    size_t nb, na, lanes, xpos, ypos;
    float *x;      /* lanes x 2 nb inputs */
    double *y;     /* lanes x 2 na outputs */
};

enum { P_FF, P_FB, P_OLD, P_TYPE };
static const mq_param_decl params[] = {
    [P_FF] = {"fftaps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
              "feed-forward taps b[0], b[1], ..", MQ_PARAM_LIVE},
    [P_FB] = {"fbtaps", MQ_PARAM_FLOATS, NULL, -1e30, 1e30, NULL,
              "feedback taps a[0] (ignored), a[1], ..", MQ_PARAM_LIVE},
    [P_OLD] = {"oldstyle", MQ_PARAM_BOOL, "true", 0, 0, NULL,
               "true: y[n] = .. + a[k] y[n-k] (GNU Radio's old sign); false: - a[k] y[n-k]", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32", "item type of input and output",
                0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

/* GNU Radio outputs zeros for empty fftaps and crashes on empty fbtaps. */
static int check(mq_block_ctx *c)
{
    if (taps_given(c, P_FF, params[P_FF].name) < 0)
        return -1;
    return taps_given(c, P_FB, params[P_FB].name);
}

/* Takes both tap lists and starts from a zero state, as GNU Radio's set_taps. */
static int set_taps(mq_block_ctx *c, struct iir *f)
{
    size_t nb, na;
    const double *b = mq_param_v(c, P_FF, &nb), *a = mq_param_v(c, P_FB, &na);
    double *tb = malloc(nb * sizeof *tb), *ta = malloc(na * sizeof *ta);
    float *x = calloc(f->lanes * 2 * nb, sizeof *x);
    double *y = calloc(f->lanes * 2 * na, sizeof *y);

    if (!tb || !ta || !x || !y) {
        free(tb), free(ta), free(x), free(y);
        mq_block_error(c, "out of memory");
        return -1;
    }
    memcpy(tb, b, nb * sizeof *tb);
    double sign = mq_param_i(c, P_OLD) ? 1 : -1;
    for (size_t k = 0; k < na; k++)
        ta[k] = k ? sign * a[k] : a[k];
    free(f->b), free(f->a), free(f->x), free(f->y);
    *f = (struct iir){.b = tb, .a = ta, .nb = nb, .na = na, .lanes = f->lanes, .x = x, .y = y};
    return 0;
}

static int taps_changed(mq_block_ctx *c, void *state, int param)
{
    return set_taps(c, state);
}

static int init(mq_block_ctx *c, void **state)
{
    struct iir *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    *state = f;
    f->lanes = mq_block_in_type(c, 0) == MQ_ITEM_C32 ? 2 : 1;
    return set_taps(c, f);
}

/* One value of one lane; x and y are the lane's rings. */
static float step(const struct iir *f, float *x, double *y, float v)
{
    double acc = f->b[0] * v;

    for (size_t k = 1; k < f->nb; k++)
        acc += f->b[k] * x[f->xpos + k];
    for (size_t k = 1; k < f->na; k++)
        acc += f->a[k] * y[f->ypos + k];
    x[f->xpos] = x[f->xpos + f->nb] = v;
    y[f->ypos] = y[f->ypos + f->na] = acc;
    return (float)acc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct iir *f = state;
    size_t n;
    float *v = mq_in_writable_items(c, 0, &n);
    mq_timestamp ts;

    if (!v)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < f->lanes; l++)
            v[i * f->lanes + l] = step(f, f->x + l * 2 * f->nb, f->y + l * 2 * f->na,
                                       v[i * f->lanes + l]);
        f->xpos = f->xpos ? f->xpos - 1 : f->nb - 1;
        f->ypos = f->ypos ? f->ypos - 1 : f->na - 1;
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward_items(c, 0, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct iir *f = state;
    if (f)
        free(f->b), free(f->a), free(f->x), free(f->y);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "iir_filter",
    .doc = "IIR filter in direct form I with real taps (GNU Radio's iir_filter_ffd).\n"
           "y[n] = sum_k fftaps[k] x[n-k] + sum_{k>=1} fbtaps[k] y[n-k] with oldstyle\n"
           "(the default, GNU Radio's old sign), or - fbtaps[k] y[n-k] without it (the\n"
           "sign of scipy, Matlab and GNU Radio's own filter design); fbtaps[0] is\n"
           "ignored. Summed in that order in double, with the past outputs kept in\n"
           "double, as GNU Radio does: only the output is rounded to float. c32 is\n"
           "filtered per part with the same double taps and state (iir_filter_ccd;\n"
           "GNU Radio's iir_filter_ccf keeps a float state and rounds differently).\n"
           "FM de-emphasis (GNU Radio's analog.fm_deemph(fs, tau)) is this filter with\n"
           "k = -tan(1 / (2 fs tau)), p1 = (1 + k) / (1 - k), b0 = -k / (1 - k):\n"
           "fftaps [b0, b0], fbtaps [1, -p1], oldstyle false; fs 48000 and tau 75e-6\n"
           "(50e-6 in Europe) give fftaps [0.12264454924040032, 0.12264454924040032],\n"
           "fbtaps [1, -0.7547109015191994].\n"
           "Timestamps pass through unchanged. fftaps and fbtaps are live: a new list\n"
           "starts the filter again from a zero state, as GNU Radio's set_taps.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = taps_changed,
};
MQ_BLOCK_EXPORT(decl)
