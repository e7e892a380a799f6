/* moving_average - the sum of the last `length` items times `scale` (GNU Radio's
 * moving_average_ff / _cc / _ss / _ii), optionally on vectors, element by element.
 *
 * The runtime keeps length - 1 items of history (GNU Radio's set_history(length)),
 * zeros at the start, so y[0] = x[0] scale, y[1] = (x[0] + x[1]) scale, .. As in
 * GNU Radio, the running sum is started again from the history at each call of the
 * loop, over at most max_iter items, which keeps float rounding from drifting: here
 * that is every buffer and every max_iter items within one, so float results depend
 * on the buffer boundaries at the rounding level, as GNU Radio's do on its
 * scheduler's. Integer sums and products wrap, as GNU Radio's int16_t and int32_t
 * arithmetic does; they are computed modulo 2^32 (unsigned, so without undefined
 * behaviour) and cut to the type, which gives the same numbers. On vectors the
 * float kernels are GNU Radio's VOLK ones. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <volk/volk.h>

#include "block.h"
#include "volk_setup.h"

struct mavg {
    mq_item_type type;
    size_t len, vlen, max_iter, lanes; /* lanes: floats per element (c32: 2) */
    float scale[2];                    /* f32, c32: re, im */
    uint32_t iscale;                   /* i16, i32: two's complement */
    int integer;                       /* i16, i32 */
    float *sum, *scales;               /* vlen > 1, f32 and c32: VOLK's operands */
};

enum { P_LEN, P_SCALE, P_MAXITER, P_VLEN, P_TYPE };
static const mq_param_decl params[] = {
    [P_LEN] = {"length", MQ_PARAM_INT, NULL, 1, 1 << 20, NULL, "items averaged", MQ_PARAM_LIVE},
    [P_SCALE] = {"scale", MQ_PARAM_COMPLEX, NULL, -1e30, 1e30, NULL,
                 "factor of the sum (complex for c32, an integer for i16 and i32)",
                 MQ_PARAM_LIVE},
    [P_MAXITER] = {"max_iter", MQ_PARAM_INT, "4096", 1, 1 << 30, NULL,
                   "items at most before the running sum starts again", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, 1 << 16, NULL, "elements per item", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|i16|i32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "vlen"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", "vlen"}};

/* scale has GNU Radio's type: float for _ff, complex for _cc, int16_t and int for
 * _ss and _ii. */
static int check(mq_block_ctx *c)
{
    _Complex double k = mq_param_c(c, P_SCALE);
    const char *t = mq_param_s(c, P_TYPE);
    double lim = !strcmp(t, "i16") ? 32767 : 2147483647;

    if (strcmp(t, "c32") && cimag(k) != 0) {
        mq_block_error(c, "parameter 'scale': %s takes a real scale", t);
        return -1;
    }
    if (t[0] == 'i' && (creal(k) != floor(creal(k)) || creal(k) > lim || creal(k) < -lim - 1)) {
        mq_block_error(c, "parameter 'scale': %s takes an integer scale in [%.0f, %.0f]", t,
                       -lim - 1, lim);
        return -1;
    }
    return 0;
}

static void set_scale(mq_block_ctx *c, struct mavg *m)
{
    _Complex double k = mq_param_c(c, P_SCALE);

    m->scale[0] = (float)creal(k);
    m->scale[1] = (float)cimag(k);
    m->iscale = (uint32_t)(int64_t)creal(k);
    if (m->scales)
        for (size_t e = 0; e < m->vlen; e++)
            memcpy(m->scales + e * m->lanes, m->scale, m->lanes * sizeof(float));
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    struct mavg *m = state;

    if (param == P_SCALE) {
        set_scale(c, m);
        return 0;
    }
    m->len = (size_t)mq_param_i(c, P_LEN);
    if (mq_in_set_history(c, 0, m->len) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct mavg *m = calloc(1, sizeof *m);

    if (!m)
        return -1;
    *state = m;
    m->type = mq_block_in_type(c, 0);
    m->vlen = mq_block_in_vlen(c, 0);
    m->max_iter = (size_t)mq_param_i(c, P_MAXITER);
    m->lanes = m->type == MQ_ITEM_C32 ? 2 : 1;
    m->integer = m->type == MQ_ITEM_I16 || m->type == MQ_ITEM_I32;
    if (!m->integer && m->vlen > 1) {
        size_t bytes = m->vlen * m->lanes * sizeof(float);
        m->sum = volk_malloc(bytes, volk_get_alignment());
        m->scales = volk_malloc(bytes, volk_get_alignment());
        if (!m->sum || !m->scales) {
            mq_block_error(c, "out of memory");
            return -1;
        }
    }
    set_scale(c, m);
    return changed(c, m, P_LEN);
}

/* f32 and c32 items one float (or re, im pair) each, GNU Radio's scalar loop: the
 * sum of x[0..len-2] (the history), then per output add the newest, scale, take
 * away the oldest. */
static void run_scalar(const struct mavg *m, const float *x, float *y, size_t n)
{
    size_t w = m->lanes, h = m->len - 1;
    float s[2] = {0, 0}, kr = m->scale[0], ki = m->scale[1];

    for (size_t k = 0; k < h; k++)
        for (size_t l = 0; l < w; l++)
            s[l] += x[k * w + l];
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < w; l++)
            s[l] += x[(i + h) * w + l];
        if (w == 1) {
            y[i] = s[0] * kr;
        } else { /* complex multiplication, as C and C++ compute it */
            y[2 * i] = s[0] * kr - s[1] * ki;
            y[2 * i + 1] = s[0] * ki + s[1] * kr;
        }
        for (size_t l = 0; l < w; l++)
            s[l] -= x[i * w + l];
    }
}

/* The same on vectors, with the VOLK kernels GNU Radio uses. */
static void run_vector(const struct mavg *m, const float *x, float *y, size_t n)
{
    size_t e = m->vlen * m->lanes, h = m->len - 1;
    unsigned ue = (unsigned)e;

    memset(m->sum, 0, e * sizeof(float));
    for (size_t k = 0; k < h; k++)
        volk_32f_x2_add_32f(m->sum, m->sum, x + k * e, ue);
    for (size_t i = 0; i < n; i++) {
        volk_32f_x2_add_32f(m->sum, m->sum, x + (i + h) * e, ue);
        if (m->lanes == 1)
            volk_32f_x2_multiply_32f(y + i * e, m->sum, m->scales, ue);
        else
            volk_32fc_x2_multiply_32fc((lv_32fc_t *)(y + i * e), (const lv_32fc_t *)m->sum,
                                       (const lv_32fc_t *)m->scales, (unsigned)m->vlen);
        volk_32f_x2_subtract_32f(m->sum, m->sum, x + i * e, ue);
    }
}

static uint32_t int_at(const struct mavg *m, const void *p, size_t i)
{
    return m->type == MQ_ITEM_I16 ? (uint32_t)((const int16_t *)p)[i]
                                  : (uint32_t)((const int32_t *)p)[i];
}

/* i16 and i32, modulo 2^32: the low 16 bits are those of int16_t arithmetic. */
static void run_int(const struct mavg *m, const void *x, void *y, size_t n)
{
    size_t v = m->vlen, h = m->len - 1;

    for (size_t e = 0; e < v; e++) {
        uint32_t s = 0;
        for (size_t k = 0; k < h; k++)
            s += int_at(m, x, k * v + e);
        for (size_t i = 0; i < n; i++) {
            s += int_at(m, x, (i + h) * v + e);
            uint32_t o = s * m->iscale;
            if (m->type == MQ_ITEM_I16)
                ((int16_t *)y)[i * v + e] = (int16_t)(uint16_t)o;
            else
                ((int32_t *)y)[i * v + e] = (int32_t)o;
            s -= int_at(m, x, i * v + e);
        }
    }
}

static int work(mq_block_ctx *c, void *state)
{
    struct mavg *m = state;
    size_t n, isz = mq_block_in_item_size(c, 0);
    const char *x = mq_in_items(c, 0, &n); /* length - 1 items of history first */
    char *y;
    mq_timestamp ts;

    if (!x || !(y = mq_out_alloc_items(c, 0, n)))
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < n; i += m->max_iter) {
        size_t k = n - i < m->max_iter ? n - i : m->max_iter;
        if (m->integer)
            run_int(m, x + i * isz, y + i * isz, k);
        else if (m->vlen > 1)
            run_vector(m, (const float *)(x + i * isz), (float *)(y + i * isz), k);
        else
            run_scalar(m, (const float *)(x + i * isz), (float *)(y + i * isz), k);
    }
    mq_in_timestamp(c, 0, &ts);
    return mq_out_push_items(c, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct mavg *m = state;
    if (m) {
        volk_free(m->sum);
        volk_free(m->scales);
    }
    free(m);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "moving_average",
    .doc = "Sum of the last `length` items times `scale` (GNU Radio's moving_average).\n"
           "As moving_average_ff, _cc, _ss and _ii; on vectors of vlen element-wise.\n"
           "Before the first item the history is zeros, so y[0] = x[0] scale, y[1] =\n"
           "(x[0] + x[1]) scale, .. (length 10, scale 0.1 averages ten items). scale is\n"
           "GNU Radio's type: real for f32, complex for c32, an integer for i16 and i32,\n"
           "whose sums and products wrap as GNU Radio's do. The float sum starts again\n"
           "from the history with each buffer and every max_iter items within one, as\n"
           "GNU Radio's with each work call, so rounding does not drift. Unlike GNU\n"
           "Radio, length 1 on vectors gives x scale (GNU Radio adds the work call's first\n"
           "vector to every output then). Timestamps pass through unchanged. length and\n"
           "scale are live; a longer length sees zeros for the items before the change\n"
           "that the shorter one did not keep.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
