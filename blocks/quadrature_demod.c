/* quadrature_demod - the phase step between successive complex items, scaled (GNU
 * Radio's quadrature_demod_cf): out[n] = gain * arg(in[n] conj(in[n-1])), an FM
 * discriminator. in[-1] is 0 (a history of 2, GNU Radio's set_history(2)), so
 * out[0] is 0.
 *
 * The products are VOLK's multiply_conjugate kernel, as GNU Radio's. The angle is
 * not atan2f (24 ns an item on the 2-core test machine) nor GNU Radio's
 * fast_atan2f table: an odd polynomial of degree 15 in min/max(|re|, |im|), fitted
 * minimax to atan on [0, 1] (3.7e-8 rad), unfolded to the octant. Its selects
 * vectorise once gcc may assume that float operations do not trap
 * (-fno-trapping-math, Makefile.am; no result changes): 2.1 ns an item, within
 * 3.1e-7 rad of atan2 in double over 2e7 random products, where fast_atan2f is
 * within 1.6e-6. Signed zeros count as +0, as in fast_atan2f: in[n] = -1, in[n-1] =
 * 1 gives +pi, and 0 gives 0. */
#include <math.h>
#include <stdlib.h>
#include <volk/volk.h>

#include "block.h"
#include "volk_setup.h"

struct qd {
    lv_32fc_t *prod; /* in[n] conj(in[n-1]) of the current buffer */
    size_t cap;
};

enum { P_GAIN };
static const mq_param_decl params[] = {
    [P_GAIN] = {"gain", MQ_PARAM_FLOAT, NULL, -1e30, 1e30, NULL,
                "output per radian of phase step; fs/2pi/deviation gives frequency/deviation",
                MQ_PARAM_LIVE},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

/* atan(z) on [0, 1]: z (A0 + A1 z^2 + .. + A7 z^14), minimax (Lawson's iteration on
 * 20001 Chebyshev points). */
static const float A[8] = {0.999999336f, -0.333298608f, 0.199465656f, -0.139086294f,
                           0.0964219690f, -0.0559123193f, 0.0218629518f, -0.00405456535f};

/* o[i] = g arg(p[i]) for i < n. Every branch is a select of values computed
 * unconditionally, so the loop vectorises. */
static void scaled_arg(float *restrict o, const float *restrict p, size_t n, float g)
{
    for (size_t i = 0; i < n; i++) {
        float x = p[2 * i] + 0.0f, y = p[2 * i + 1] + 0.0f; /* -0 becomes +0 */
        float ax = fabsf(x), ay = fabsf(y);
        int steep = ay > ax;
        float mx = steep ? ay : ax, mn = steep ? ax : ay;
        float z = mn / (mx > 0 ? mx : 1.0f), z2 = z * z; /* 0 / 0 gives angle 0 */
        float q = ((((((A[7] * z2 + A[6]) * z2 + A[5]) * z2 + A[4]) * z2 + A[3]) * z2 + A[2]) *
                       z2 + A[1]) * z2 + A[0];
        float a = q * z;
        a = steep ? (float)M_PI_2 - a : a;
        a = x < 0 ? (float)M_PI - a : a;
        o[i] = g * copysignf(a, y);
    }
}

static int init(mq_block_ctx *c, void **state)
{
    struct qd *q = calloc(1, sizeof *q);

    if (!q)
        return -1;
    *state = q;
    if (mq_in_set_history(c, 0, 2) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct qd *q = state;
    size_t n;
    mq_timestamp ts;
    const lv_32fc_t *x = mq_in_items(c, 0, &n); /* x[0] is the item before */
    float *o;

    if (!x || !(o = mq_out_alloc_items(c, 0, n)))
        return MQ_WORK_ERROR;
    if (n > q->cap) {
        volk_free(q->prod);
        if (!(q->prod = volk_malloc(n * sizeof *q->prod, volk_get_alignment()))) {
            q->cap = 0;
            mq_block_error(c, "out of memory");
            return MQ_WORK_ERROR;
        }
        q->cap = n;
    }
    volk_32fc_x2_multiply_conjugate_32fc(q->prod, x + 1, x, (unsigned)n);
    scaled_arg(o, (const float *)q->prod, n, (float)mq_param_f(c, P_GAIN));
    mq_in_timestamp(c, 0, &ts);
    return mq_out_push_items(c, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct qd *q = state;
    if (q)
        volk_free(q->prod);
    free(q);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "quadrature_demod",
    .doc = "FM discriminator: gain times the phase step from one complex item to the next.\n"
           "out[n] = gain * arg(in[n] conj(in[n-1])), in[-1] = 0 (GNU Radio's\n"
           "quadrature_demod_cf); gain = fs / (2pi deviation) gives the frequency in units\n"
           "of the deviation. The angle is a degree-15 polynomial, within 3.1e-7 rad of\n"
           "atan2 where GNU Radio's fast_atan2f is within 1.6e-6; signed zeros count as\n"
           "+0, as there (a step of exactly pi gives +pi). Timestamps pass through. gain\n"
           "is live: it holds from the next item.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
