/* fast_conv.c - overlap-save with FFTW for fft_filter and fir_filter
 * (fast_conv.h says what a run computes).
 *
 * Every transform is a complex one of N points. Complex items go through it with
 * real taps (FIR_CCF) or complex ones (FIR_CCC). Real items (FIR_FFF) go two
 * blocks at a time, one as the real parts and the next as the imaginary ones:
 * with real taps the filter keeps the two apart, so one complex transform does
 * the work of two real-to-complex ones, and it is the faster: FFTW's r2c plans
 * (FFTW_ESTIMATE, Debian's 3.3.10, AVX codelets) took longer than a complex
 * transform of as many points: 395-404 against 206-240 ns at 256 points, 611-738
 * against 423-464 at 512 (a 2-core AMD EPYC of 2026). With a pair in one complex
 * transform real items filtered at about twice the rate r2c gave (1.9-2.8x in
 * bench_kernels' sweep, 48 to 256 taps, the r2c figures on a loaded machine).
 *
 * The product of the spectra is VOLK's, as GNU Radio's fft_filter's. Plans are
 * FFTW_ESTIMATE ones (blocks/fft.c says why: measuring took 0.25-0.4 s a plan). */
#include <string.h>
#include <volk/volk.h>

#include "fast_conv.h"

size_t fast_conv_gr_size(size_t ntaps)
{
    size_t p = 1;

    while (p < ntaps)
        p *= 2;
    return 2 * p;
}

/* An output costs two transforms over the S outputs of a block, about
 * N log N / (N - L + 1): larger N are better while a transform is as fast per
 * point, and here it was not past 2048 (FFTW_ESTIMATE's complex plans took 0.9
 * ns a point at 512 and 1024, 1.0-1.2 at 2048, 1.3-1.8 at 4096 and 2.8-3.7 at
 * 8192, on a 2-core AMD EPYC of 2026). bench_kernels' sweep
 * (buffers of 64 KiB in cache) found 512 to 2048 within 10% of each other from 48
 * to 128 taps and 2048 the best from 192 on (256 taps of f32: 1.5x GNU Radio's
 * 512); in a graph, where each buffer comes from another core, 73 taps of fir_filter
 * took 79, 81, 85 and 106 ms of work for 6e7 f32 items at 512, 1024, 2048 and 4096
 * points and 87, 76, 81 and 112 ms for 3e7 c32 (best of 7). So 8 L rounded up to a
 * power of two, from 512 to 2048 points, and GNU Radio's size if larger. */
size_t fast_conv_size(size_t ntaps)
{
    size_t n = 512, gr = fast_conv_gr_size(ntaps);

    while (n < 2048 && n < 8 * ntaps)
        n *= 2;
    return n > gr ? n : gr;
}

void fast_conv_free(struct fast_conv *fc)
{
    if (fc->fwd)
        fftwf_destroy_plan(fc->fwd);
    if (fc->inv)
        fftwf_destroy_plan(fc->inv);
    fftwf_free(fc->buf);
    fftwf_free(fc->spec);
    fftwf_free(fc->h);
    *fc = (struct fast_conv){0};
}

/* Arrays and plans for fc's kind, n and nthreads. */
static int plan(struct fast_conv *fc)
{
    int n = (int)fc->n;

    fc->buf = fftwf_alloc_real(2 * fc->n);
    fc->spec = fftwf_alloc_complex(fc->n);
    fc->h = fftwf_alloc_complex(fc->n);
    if (!fc->buf || !fc->spec || !fc->h)
        return -1;
    fftwf_plan_with_nthreads(fc->nthreads);
    fftwf_complex *z = (fftwf_complex *)fc->buf;
    fc->fwd = fftwf_plan_dft_1d(n, z, fc->spec, FFTW_FORWARD, FFTW_ESTIMATE);
    fc->inv = fftwf_plan_dft_1d(n, fc->spec, z, FFTW_BACKWARD, FFTW_ESTIMATE);
    return fc->fwd && fc->inv ? 0 : -2;
}

/* The taps' spectrum, scaled by 1 / N (the unnormalised reverse transform
 * multiplies it back). */
static void take_taps(struct fast_conv *fc, const double *taps)
{
    float scale = 1.0f / (float)fc->n;
    size_t l = fc->ntaps;

    memset(fc->buf, 0, 2 * fc->n * sizeof *fc->buf);
    if (fc->kind == FIR_CCC) /* re, im pairs: the numbers in order */
        for (size_t k = 0; k < 2 * l; k++)
            fc->buf[k] = (float)taps[k] * scale;
    else /* real taps as complex ones */
        for (size_t k = 0; k < l; k++)
            fc->buf[2 * k] = (float)taps[k] * scale;
    fftwf_execute(fc->fwd);
    memcpy(fc->h, fc->spec, fc->n * sizeof *fc->h);
}

int fast_conv_init(struct fast_conv *fc, enum fir_kind kind, const double *taps,
                   size_t ntaps, size_t n, int nthreads)
{
    if (!fc->fwd || fc->kind != kind || fc->n != n || fc->nthreads != nthreads) {
        fast_conv_free(fc);
        fc->kind = kind;
        fc->n = n;
        fc->nthreads = nthreads;
        int e = plan(fc);
        if (e < 0) {
            fast_conv_free(fc);
            return e;
        }
    }
    fc->ntaps = ntaps;
    fc->s = n - ntaps + 1;
    take_taps(fc, taps);
    return 0;
}

/* Outputs kept in one block of S windows. */
static size_t per_block(const struct fast_conv *fc, size_t d)
{
    return (fc->s - 1) / d + 1;
}

size_t fast_conv_block_outs(const struct fast_conv *fc, size_t d)
{
    return (fc->kind == FIR_FFF ? 2 : 1) * per_block(fc, d);
}

/* The product of the spectra of the block in buf and of the taps, back in buf. */
static void filter_buf(struct fast_conv *fc)
{
    fftwf_execute(fc->fwd);
    volk_32fc_x2_multiply_32fc((lv_32fc_t *)fc->spec, (const lv_32fc_t *)fc->spec,
                               (const lv_32fc_t *)fc->h, (unsigned)fc->n);
    fftwf_execute(fc->inv);
}

/* Items the outputs of k windows d apart read: (k - 1) d + L. */
static size_t span(const struct fast_conv *fc, size_t k, size_t d)
{
    return k ? (k - 1) * d + fc->ntaps : 0;
}

/* Complex items: the outputs o[0 .. k - 1] of the windows w, w + d, .. of x. */
static void complex_block(struct fast_conv *fc, const float *x, size_t w, size_t d, size_t k,
                          float *o)
{
    size_t sp = span(fc, k, d);

    memcpy(fc->buf, x + 2 * w, 2 * sp * sizeof *x);
    memset(fc->buf + 2 * sp, 0, 2 * (fc->n - sp) * sizeof *x);
    filter_buf(fc);
    const float *y = fc->buf + 2 * (fc->ntaps - 1);
    if (d == 1) {
        memcpy(o, y, 2 * k * sizeof *o);
        return;
    }
    for (size_t i = 0; i < k; i++)
        o[2 * i] = y[2 * i * d], o[2 * i + 1] = y[2 * i * d + 1];
}

/* Real items: the outputs o[0 .. ka + kb - 1] of the windows w, w + d, .. of x,
 * the first ka of them from the real parts of the transform, the rest from the
 * imaginary ones (kb <= ka). */
static void real_pair(struct fast_conv *fc, const float *x, size_t w, size_t d, size_t ka,
                      size_t kb, float *o)
{
    const float *a = x + w, *b = kb ? a + ka * d : a;
    size_t sa = span(fc, ka, d), sb = span(fc, kb, d), j = sb;
    float *z = fc->buf;

    volk_32f_x2_interleave_32fc((lv_32fc_t *)z, a, b, (unsigned)sb);
    for (; j < sa; j++)
        z[2 * j] = a[j], z[2 * j + 1] = 0;
    memset(z + 2 * j, 0, 2 * (fc->n - j) * sizeof *z);
    filter_buf(fc);
    const float *y = fc->buf + 2 * (fc->ntaps - 1);
    if (d == 1) {
        volk_32fc_deinterleave_32f_x2(o, o + ka, (const lv_32fc_t *)y, (unsigned)kb);
        for (size_t i = kb; i < ka; i++)
            o[i] = y[2 * i];
        return;
    }
    for (size_t i = 0; i < ka; i++)
        o[i] = y[2 * i * d];
    for (size_t i = 0; i < kb; i++)
        o[ka + i] = y[2 * i * d + 1];
}

void fast_conv_run(struct fast_conv *fc, const float *x, size_t p, size_t d, size_t outs,
                   float *o)
{
    size_t per = per_block(fc, d);

    if (fc->kind != FIR_FFF) {
        for (size_t m = 0; m < outs; m += per) {
            size_t k = outs - m < per ? outs - m : per;
            complex_block(fc, x, p + m * d, d, k, o + 2 * m);
        }
        return;
    }
    for (size_t m = 0; m < outs; m += 2 * per) {
        size_t ka = outs - m < per ? outs - m : per;
        size_t kb = outs - m - ka < per ? outs - m - ka : per;
        real_pair(fc, x, p + m * d, d, ka, kb, o + m);
    }
}
