/* fft - the discrete Fourier transform of each vector item (GNU Radio's fft_vcc
 * and fft_vfc: one block, the input's type from `type`).
 *
 * forward:  X[k] = sum_n w[n] x[n] e^{-2 pi i k n / N}
 * reverse:  x[n] = sum_k w[k] X[k] e^{+2 pi i k n / N}, not divided by N
 *
 * with w the window (1 when it is empty) and N = fft_size. shift moves the zero
 * frequency to the middle: a forward transform's output is fftshifted (bin k goes
 * to (k + N/2) mod N, N/2 rounded down), a reverse transform's windowed input is
 * ifftshifted (item k is read from (k + N/2) mod N) first, as in GNU Radio.
 *
 * FFTW plans are made once, in init (and again when nthreads changes), with
 * FFTW_ESTIMATE rather than GNU Radio's FFTW_MEASURE: measuring takes 0.3 s for
 * 1024 points and seconds for 2^16 in every block's start, picks its algorithm by
 * timing so that two runs of a graph can differ in the last bits, and would stall
 * the stream on a live change. Measured here, an estimated plan of 512 or 1024
 * points runs 1.0-1.7x as long as a measured one.
 *
 * Timestamps pass through: one vector out for each vector in. */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>
#include <volk/volk.h>

#include "block.h"
#include "volk_setup.h"

struct fft {
    size_t n;
    int forward, shift, real_in;
    float *win;               /* n window values; NULL: rectangular */
    fftwf_complex *buf, *res; /* the plan's input and output */
    fftwf_plan plan;
};

enum { P_SIZE, P_FORWARD, P_WINDOW, P_SHIFT, P_NTHREADS, P_TYPE };
static const mq_param_decl params[] = {
    [P_SIZE] = {"fft_size", MQ_PARAM_INT, NULL, 1, MQ_MAX_VLEN, NULL,
                "points per transform (the ports' vlen)", 0},
    [P_FORWARD] = {"forward", MQ_PARAM_BOOL, "true", 0, 0, NULL,
                   "forward (e^-i) or reverse (e^+i, not scaled) transform", 0},
    [P_WINDOW] = {"window", MQ_PARAM_FLOATS, "", -1e30, 1e30, NULL,
                  "fft_size window values, or none: rectangular", MQ_PARAM_LIVE},
    [P_SHIFT] = {"shift", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "zero frequency in the middle (fftshift / ifftshift)", 0},
    [P_NTHREADS] = {"nthreads", MQ_PARAM_INT, "1", 1, 64, NULL, "FFTW threads", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "c32", 0, 0, "c32|f32",
                "input items: c32 (fft_vcc) or f32 (fft_vfc); the output is c32", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_C32, "type", "fft_size"}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_C32, NULL, "fft_size"}};

static int check(mq_block_ctx *c)
{
    size_t w;
    mq_param_v(c, P_WINDOW, &w);
    if (w != 0 && w != (size_t)mq_param_i(c, P_SIZE)) {
        mq_block_error(c, "parameter 'window': %zu values, but fft_size is %lld (give "
                          "fft_size values, or none for a rectangular window)",
                       w, (long long)mq_param_i(c, P_SIZE));
        return -1;
    }
    return 0;
}

static int set_window(mq_block_ctx *c, struct fft *f)
{
    size_t w;
    const double *v = mq_param_v(c, P_WINDOW, &w);

    if (w == 0) {
        free(f->win);
        f->win = NULL;
        return 0;
    }
    if (!f->win && !(f->win = malloc(f->n * sizeof *f->win))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < f->n; k++)
        f->win[k] = (float)v[k];
    return 0;
}

static int plan(mq_block_ctx *c, struct fft *f)
{
    fftwf_plan_with_nthreads((int)mq_param_i(c, P_NTHREADS));
    fftwf_plan p = fftwf_plan_dft_1d((int)f->n, f->buf, f->res,
                                     f->forward ? FFTW_FORWARD : FFTW_BACKWARD, FFTW_ESTIMATE);
    if (!p) {
        mq_block_error(c, "FFTW could not plan a transform of %zu points", f->n);
        return -1;
    }
    if (f->plan)
        fftwf_destroy_plan(f->plan);
    f->plan = p;
    return 0;
}

static int changed(mq_block_ctx *c, void *state, int param)
{
    return param == P_WINDOW ? set_window(c, state) : plan(c, state);
}

static int init(mq_block_ctx *c, void **state)
{
    struct fft *f = calloc(1, sizeof *f);

    if (!f)
        return -1;
    *state = f;
    f->n = mq_block_out_vlen(c, 0);
    f->forward = (int)mq_param_i(c, P_FORWARD);
    f->shift = (int)mq_param_i(c, P_SHIFT);
    f->real_in = mq_block_in_type(c, 0) == MQ_ITEM_F32;
    if (!fftwf_init_threads()) {
        mq_block_error(c, "FFTW could not start its threads");
        return -1;
    }
    if (!(f->buf = fftwf_alloc_complex(f->n)) || !(f->res = fftwf_alloc_complex(f->n))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return set_window(c, f) < 0 ? -1 : plan(c, f);
}

/* The plan's input from one vector: windowed, then ifftshifted for a shifted
 * reverse transform (item k goes to (k - n/2) mod n: the first n/2 go last). */
static void load(const struct fft *f, const void *x)
{
    size_t n = f->n, h = f->shift && !f->forward ? n / 2 : 0;
    lv_32fc_t *d = (lv_32fc_t *)f->buf;
    const lv_32fc_t *z = x;

    if (f->real_in) { /* as GNU Radio's fft_vfc, a loop: VOLK has no float to complex */
        const float *r = x;
        for (size_t k = 0; k < n; k++)
            d[k >= h ? k - h : k + n - h] = f->win ? r[k] * f->win[k] : r[k];
    } else if (f->win) {
        volk_32fc_32f_multiply_32fc(d + (n - h), z, f->win, (unsigned)h);
        volk_32fc_32f_multiply_32fc(d, z + h, f->win + h, (unsigned)(n - h));
    } else {
        memcpy(d + (n - h), z, h * sizeof *d);
        memcpy(d, z + h, (n - h) * sizeof *d);
    }
}

/* One vector's result, fftshifted for a shifted forward transform (bin k goes to
 * (k + n/2) mod n: the upper half, (n + 1)/2 on, comes first). */
static void store(const struct fft *f, lv_32fc_t *o)
{
    size_t n = f->n, h = f->shift && f->forward ? (n + 1) / 2 : 0;
    const lv_32fc_t *r = (const lv_32fc_t *)f->res;

    memcpy(o, r + h, (n - h) * sizeof *o);
    memcpy(o + (n - h), r, h * sizeof *o);
}

static int work(mq_block_ctx *c, void *state)
{
    struct fft *f = state;
    size_t m, isz = mq_block_in_item_size(c, 0), osz = mq_block_out_item_size(c, 0);
    const unsigned char *x = mq_in_items(c, 0, &m);
    mq_timestamp ts;
    lv_32fc_t *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (m == 0)
        return MQ_WORK_OK;
    /* f32 vectors make c32 ones twice their size: no output buffer longer than the
     * input's (or one vector), so it fits the pools the input came from */
    size_t take = m * isz / osz > 1 ? m * isz / osz : 1;
    mq_in_timestamp(c, 0, &ts);
    if (take < m) {
        mq_in_consume_items(c, 0, take);
        mq_ts_items(&ts, m, 0, 1, take, &ts);
    }
    if (!(o = mq_out_alloc_items(c, 0, take)))
        return MQ_WORK_ERROR;
    for (size_t v = 0; v < take; v++) {
        load(f, x + v * isz);
        fftwf_execute(f->plan);
        store(f, o + v * f->n);
    }
    return mq_out_push_items(c, 0, take, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fft *f = state;

    if (!f)
        return;
    if (f->plan)
        fftwf_destroy_plan(f->plan);
    fftwf_free(f->buf);
    fftwf_free(f->res);
    free(f->win);
    free(f);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fft",
    .doc = "Computes the FFT of each vector of fft_size items (c32 or f32 in, c32 out).\n"
           "type c32 is GNU Radio's fft_vcc, f32 its fft_vfc. forward: X[k] = sum_n\n"
           "w[n] x[n] e^(-2 pi i k n/N); reverse: e^(+2 pi i k n/N), and, as GNU Radio,\n"
           "not divided by N. window: N values w[n] applied to the input (none:\n"
           "rectangular). shift: a forward output is fftshifted (bin 0 at N/2), a\n"
           "reverse input is ifftshifted after the window. FFTW_ESTIMATE plans, made in\n"
           "init. Timestamps pass through. window and nthreads are live.",
    .in = in, .n_in = 1, .out = out, .n_out = 1,
    .params = params, .n_params = MQ_COUNTOF(params),
    .init = init, .work = work, .fini = fini, .check = check, .param_changed = changed,
    .before_fork = volk_before_fork,
};
MQ_BLOCK_EXPORT(decl)
