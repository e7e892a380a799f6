/* bench_kernels.c - the blocks' inner loops against the plain loop they replace:
 * multiply_const, add (2 and 3 inputs), the converters that have a VOLK kernel,
 * and fir_filter's kernels (the direct-form loop, one VOLK dot product per output
 * as GNU Radio's fir_filter, fir_kernel.c's blocked kernel, and overlap-save with
 * FFTW, fast_conv.c, as fft_filter and fir_filter's long filters compute it).
 *
 * Every measure works on 16384 items (a source's buffer with items_per_buffer
 * 16384: in and out fit in the L2 cache), called until it has run 20 ms; the
 * rounds interleave the methods of a case (7 rounds), and the figures are the
 * medians over the rounds of M items/s and of the ratio to the case's first
 * method, taken within each round (the machine's speed moves between rounds).
 * The loops are compiled as the blocks are (-O2 -ftree-vectorize: gcc vectorises
 * the element-wise ones for SSE2, not the FIR's float sums, which it may not
 * reorder). For the FIR, the largest error of each method against a double-
 * precision sum is printed too, relative to sum |taps| max |x|.
 * `bench/bench_kernels [rounds]`.
 *
 * `bench/bench_kernels ROUNDS sweep` measures only the direct form against
 * overlap-save at several sizes, over 8 to 512 taps and decimation 1, 2 and 4
 * (sweep() says how): where fir_filter's fast path starts and which size
 * fast_conv_size picks come from it. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fftw3.h>
#include <volk/volk.h>

#include "fast_conv.h"
#include "fir_kernel.h"

enum { N = 16384, MAXTAPS = 1023, MAXM = 5, MAXR = 31 };

static float *xa, *xb, *xc, *yo; /* N c32 items (+ history) each */
static int16_t *s16;
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- element-wise ------------------------------------------------------------ */

static void mul_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = xa[i] * 2.0f;
}
static void mul_volk(void)
{
    volk_32f_s32f_multiply_32f(yo, xa, 2.0f, N);
}
static void cmul_loop(void) /* c32 times a complex k, as the block had no kernel for */
{
    float complex *o = (float complex *)yo, *a = (float complex *)xa, k = 0.5f + 0.5f * I;
    for (size_t i = 0; i < N; i++)
        o[i] = a[i] * k;
}
static void cmul_volk(void)
{
    volk_32fc_s32fc_multiply_32fc((lv_32fc_t *)yo, (lv_32fc_t *)xa, 0.5f + 0.5f * I, N);
}
static void cmulr_loop(void) /* c32 times a real k: the block's loop over both parts */
{
    for (size_t i = 0; i < 2 * N; i++)
        yo[i] = xa[i] * 2.0f;
}
static void cmulr_volk(void)
{
    volk_32f_s32f_multiply_32f(yo, xa, 2.0f, 2 * N);
}
static void add_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = xa[i] + xb[i];
}
static void add_volk(void)
{
    volk_32f_x2_add_32f(yo, xa, xb, N);
}
static void add3_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = xa[i] + xb[i] + xc[i];
}
static void add3_volk(void) /* as blocks/nway.h: one kernel call per further input */
{
    volk_32f_x2_add_32f(yo, xa, xb, N);
    volk_32f_x2_add_32f(yo, yo, xc, N);
}
static void addc_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = xa[i] + 0.5f;
}
static void addc_volk(void)
{
    volk_32f_s32f_add_32f(yo, xa, 0.5f, N);
}
static void f2s_loop(void)
{
    for (size_t i = 0; i < N; i++) {
        float v = rintf(xa[i] * 1000.0f);
        s16[i] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
    }
}
static void f2s_volk(void)
{
    volk_32f_s32f_convert_16i(s16, xa, 1000.0f, N);
}
static void s2f_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = s16[i] / 1000.0f;
}
static void s2f_volk(void)
{
    volk_16i_s32f_convert_32f(yo, s16, 1000.0f, N);
}
static void mag_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = sqrtf(xa[2 * i] * xa[2 * i] + xa[2 * i + 1] * xa[2 * i + 1]);
}
static void mag_volk(void)
{
    volk_32fc_magnitude_32f(yo, (lv_32fc_t *)xa, N);
}
static void re_loop(void)
{
    for (size_t i = 0; i < N; i++)
        yo[i] = xa[2 * i];
}
static void re_volk(void)
{
    volk_32fc_deinterleave_real_32f(yo, (lv_32fc_t *)xa, N);
}
static void f2c_loop(void)
{
    for (size_t i = 0; i < N; i++) {
        yo[2 * i] = xa[i];
        yo[2 * i + 1] = xb[i];
    }
}
static void f2c_volk(void)
{
    volk_32f_x2_interleave_32fc((lv_32fc_t *)yo, xa, xb, N);
}

/* ---- FIR --------------------------------------------------------------------- */

/* The case being run: taps, decimation, kernels, and the FFT's arrays. */
static struct {
    enum fir_kind kind;
    size_t ntaps, dec, outs;
    double taps[2 * MAXTAPS];
    struct fir_kernel volk, blocked;
    struct fast_conv conv;
} fc;

static size_t fir_lanes(void)
{
    return fc.kind == FIR_FFF ? 1 : 2;
}

/* The direct form as a loop, each output a float sum in tap order. */
static void fir_loop(void)
{
    const float *rt = fc.volk.rt;
    size_t nt = fc.ntaps;
    for (size_t m = 0; m < fc.outs; m++) {
        const float *x = xa + fir_lanes() * m * fc.dec;
        if (fc.kind == FIR_FFF) {
            float acc = 0;
            for (size_t j = 0; j < nt; j++)
                acc += rt[j] * x[j];
            yo[m] = acc;
        } else if (fc.kind == FIR_CCF) {
            float re = 0, im = 0;
            for (size_t j = 0; j < nt; j++)
                re += rt[j] * x[2 * j], im += rt[j] * x[2 * j + 1];
            yo[2 * m] = re, yo[2 * m + 1] = im;
        } else {
            float complex acc = 0;
            for (size_t j = 0; j < nt; j++)
                acc += (rt[2 * j] + rt[2 * j + 1] * I) * (x[2 * j] + x[2 * j + 1] * I);
            yo[2 * m] = crealf(acc), yo[2 * m + 1] = cimagf(acc);
        }
    }
}
static void fir_volk(void)
{
    fir_kernel_run(&fc.volk, xa, 0, fc.dec, fc.outs, yo);
}
static void fir_blocked(void)
{
    fir_kernel_run(&fc.blocked, xa, 0, fc.dec, fc.outs, yo);
}

/* Overlap-save as fft_filter, with transforms of fc.nfft points. */
static void fir_fft(void)
{
    fast_conv_run(&fc.conv, xa, 0, fc.dec, fc.outs, yo);
}

/* The largest |error| of the last output yo against the sum in double, relative to
 * sum |taps| max |x| (x is within [-1, 1]). */
static double fir_error(void)
{
    size_t nt = fc.ntaps, lanes = fir_lanes();
    double worst = 0, scale = 0;
    for (size_t j = 0; j < (fc.kind == FIR_CCC ? 2 : 1) * nt; j++)
        scale += fabs(fc.taps[j]);
    for (size_t m = 0; m < fc.outs; m++) {
        double complex y = 0;
        for (size_t k = 0; k < nt; k++) {
            const float *x = xa + lanes * (m * fc.dec + nt - 1 - k);
            double complex h = fc.kind == FIR_CCC ? fc.taps[2 * k] + fc.taps[2 * k + 1] * I
                                                  : fc.taps[k];
            y += h * (lanes == 1 ? x[0] : x[0] + x[1] * I);
        }
        double e = lanes == 1 ? fabs(yo[m] - creal(y))
                              : cabs(yo[2 * m] + yo[2 * m + 1] * I - y);
        worst = e > worst ? e : worst;
    }
    return worst / scale;
}

/* ---- measuring --------------------------------------------------------------- */

struct method {
    const char *name;
    void (*run)(void);
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* M items/s of one method: calls until 20 ms have passed. */
static double rate(void (*run)(void), size_t items)
{
    double t0 = now_s(), t;
    long calls = 0;
    do {
        run();
        calls++;
    } while ((t = now_s() - t0) < 0.02);
    return (double)items * (double)calls / t / 1e6;
}

static void measure(const char *name, size_t items, const struct method *m, int nm,
                    int rounds, int fir)
{
    double r[MAXM][MAXR], ratio[MAXM][MAXR];
    for (int k = 0; k < rounds; k++)
        for (int i = 0; i < nm; i++) {
            r[i][k] = rate(m[i].run, items);
            ratio[i][k] = r[i][k] / r[0][k];
        }
    printf("%-26s", name);
    for (int i = 0; i < nm; i++) {
        printf("  %s %.0f", m[i].name, median(r[i], rounds));
        if (i > 0)
            printf(" (%.2fx)", median(ratio[i], rounds));
    }
    printf("\n");
    if (!fir)
        return;
    printf("%-26s  max error / (sum|taps| max|x|):", "");
    for (int i = 0; i < nm; i++) {
        m[i].run();
        printf(" %s %.1e", m[i].name, fir_error());
    }
    printf("\n");
}

/* The case's taps: a Hamming-windowed low pass at 0.1 of the rate, as
 * vs_gnuradio's (73 taps: firdes.low_pass(1, 48000, 5000, 1600)); complex taps:
 * the same shifted by 0.05 of the rate. */
static void fir_design(enum fir_kind kind, size_t ntaps)
{
    for (size_t k = 0; k < ntaps; k++) {
        double t = (double)k - (double)(ntaps - 1) / 2;
        double h = (t == 0 ? 0.2 : sin(0.2 * M_PI * t) / (M_PI * t)) *
                   (0.54 - 0.46 * cos(2 * M_PI * (double)k / (double)(ntaps - 1)));
        if (kind == FIR_CCC) {
            fc.taps[2 * k] = h * cos(0.1 * M_PI * t);
            fc.taps[2 * k + 1] = h * sin(0.1 * M_PI * t);
        } else {
            fc.taps[k] = h;
        }
    }
}

static void fir_kernels(enum fir_kind kind, size_t ntaps)
{
    if (fir_kernel_init(&fc.volk, kind, fc.taps, ntaps) < 0 ||
        fir_kernel_init(&fc.blocked, kind, fc.taps, ntaps) < 0) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(1);
    }
    fc.volk.method = FIR_VOLK;
}

static void fir_conv(struct fast_conv *conv, size_t nfft)
{
    if (fast_conv_init(conv, fc.kind, fc.taps, fc.ntaps, nfft, 1) < 0) {
        fprintf(stderr, "bench_kernels: no FFT of %zu points\n", nfft);
        exit(1);
    }
}

static void fir_case(const char *name, enum fir_kind kind, size_t ntaps, size_t dec,
                     int with_loop, int rounds)
{
    fc.kind = kind;
    fc.ntaps = ntaps;
    fc.dec = dec;
    fc.outs = (N + dec - 1) / dec;
    fir_design(kind, ntaps);
    fir_kernels(kind, ntaps);
    struct method m[4];
    int nm = 0;
    if (with_loop)
        m[nm++] = (struct method){"loop", fir_loop};
    m[nm++] = (struct method){"volk", fir_volk};
    if (fc.blocked.method == FIR_BLOCKED)
        m[nm++] = (struct method){"blocked", fir_blocked};
    fir_conv(&fc.conv, fast_conv_gr_size(ntaps));
    m[nm++] = (struct method){"fft", fir_fft};
    measure(name, N, m, nm, rounds, 1);
    fast_conv_free(&fc.conv);
    fir_kernel_free(&fc.volk);
    fir_kernel_free(&fc.blocked);
}

/* ---- the sweep: direct form against overlap-save ------------------------------ */

/* Transform sizes tried beside GNU Radio's. */
static const size_t sweep_n[] = {512, 1024, 2048, 4096, 8192};
enum { NSIZES = 1 + sizeof sweep_n / sizeof sweep_n[0] };

/* M input items/s of the direct form (fir_kernel_run, the block's method) on
 * `items` items, and of overlap-save at each size over as many whole blocks as
 * fit in them (a buffer's last part block is the block's choice: fir_filter.c);
 * medians of interleaved rounds, as measure(). Returns the direct form's rate,
 * the others in r (0 where no whole block fits or the size is too small). */
static double sweep_point(size_t items, const size_t *sizes, int ns, int rounds,
                          double *r, double *err)
{
    static struct fast_conv conv[NSIZES];
    double v[NSIZES + 1][MAXR];
    size_t outs[NSIZES + 1];

    outs[0] = (items + fc.dec - 1) / fc.dec;
    for (int i = 0; i < ns; i++) {
        outs[i + 1] = 0;
        if (sizes[i] < 2 * fc.ntaps)
            continue;
        fir_conv(&conv[i], sizes[i]);
        size_t per = fast_conv_block_outs(&conv[i], fc.dec);
        outs[i + 1] = outs[0] / per * per;
    }
    for (int k = 0; k < rounds; k++)
        for (int i = 0; i <= ns; i++) {
            v[i][k] = 0;
            if (!(fc.outs = outs[i]))
                continue;
            double t0 = now_s(), t;
            long calls = 0;
            do {
                if (i == 0)
                    fir_kernel_run(&fc.blocked, xa, 0, fc.dec, fc.outs, yo);
                else
                    fast_conv_run(&conv[i - 1], xa, 0, fc.dec, fc.outs, yo);
                calls++;
            } while ((t = now_s() - t0) < 0.02);
            v[i][k] = (double)(outs[i] * fc.dec) * (double)calls / t / 1e6;
        }
    for (int i = 0; i <= ns; i++) {
        r[i] = median(v[i], rounds);
        err[i] = 0;
        if (!(fc.outs = outs[i]))
            continue;
        if (i == 0)
            fir_kernel_run(&fc.blocked, xa, 0, fc.dec, fc.outs, yo);
        else
            fast_conv_run(&conv[i - 1], xa, 0, fc.dec, fc.outs, yo);
        err[i] = fir_error();
    }
    for (int i = 0; i < ns; i++)
        fast_conv_free(&conv[i]);
    return r[0];
}

/* For each kind and decimation, the direct form's rate and overlap-save's as a
 * ratio to it, per ntaps; the best size, and the largest error seen. Items: a
 * 64 KiB buffer's (16384 f32, 8192 c32), as the blocks see by default. */
static void sweep(int rounds)
{
    static const struct {
        const char *name;
        enum fir_kind kind;
    } kinds[] = {{"f32", FIR_FFF}, {"c32 real taps", FIR_CCF}, {"c32 cplx taps", FIR_CCC}};
    static const size_t taps[] = {8, 16, 24, 32, 48, 64, 73, 96, 128, 192, 256, 384, 512};
    static const size_t decs[] = {1, 2, 4};

    printf("\nsweep: M input items/s of the direct form (fir_kernel) and overlap-save's\n"
           "ratio to it at GNU Radio's N and at 512 .. 8192 points (median of %d rounds)\n",
           rounds);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t di = 0; di < sizeof decs / sizeof decs[0]; di++) {
            size_t items = kinds[k].kind == FIR_FFF ? 16384 : 8192;
            printf("%s, decimation %zu, %zu items:\n  taps  direct   N=GR", kinds[k].name,
                   decs[di], items);
            for (size_t i = 0; i < NSIZES - 1; i++)
                printf(" %6zu", sweep_n[i]);
            printf("  best      max err\n");
            for (size_t t = 0; t < sizeof taps / sizeof taps[0]; t++) {
                size_t sizes[NSIZES] = {fast_conv_gr_size(taps[t])};
                double r[NSIZES + 1], err[NSIZES + 1], worst = 0;
                memcpy(sizes + 1, sweep_n, sizeof sweep_n);
                fc.kind = kinds[k].kind;
                fc.ntaps = taps[t];
                fc.dec = decs[di];
                fir_design(fc.kind, fc.ntaps);
                fir_kernels(fc.kind, fc.ntaps);
                double direct = sweep_point(items, sizes, NSIZES, rounds, r, err);
                int best = 0;
                printf("  %4zu %7.0f", taps[t], direct);
                for (int i = 1; i <= NSIZES; i++) {
                    if (r[i] > 0 && (!best || r[i] > r[best]))
                        best = i;
                    worst = err[i] > worst ? err[i] : worst;
                    if (r[i] > 0)
                        printf(" %5.2fx", r[i] / direct);
                    else
                        printf("      -");
                }
                printf("  %5zu %5.2fx  %.0e\n", sizes[best - 1], r[best] / direct, worst);
                fir_kernel_free(&fc.volk);
                fir_kernel_free(&fc.blocked);
            }
        }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7, only_sweep = argc > 2 && !strcmp(argv[2], "sweep");
    if (rounds < 1 || rounds > MAXR || (argc > 2 && !only_sweep)) {
        fprintf(stderr, "usage: bench_kernels [rounds (1..%d) [sweep]]\n", MAXR);
        return 2;
    }
    size_t bytes = 2 * (N + MAXTAPS) * sizeof(float);
    xa = volk_malloc(bytes, 64), xb = volk_malloc(bytes, 64), xc = volk_malloc(bytes, 64);
    yo = volk_malloc(bytes, 64), s16 = volk_malloc(N * sizeof *s16, 64);
    if (!xa || !xb || !xc || !yo || !s16) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    srand(1);
    for (size_t i = 0; i < 2 * (N + MAXTAPS); i++) {
        xa[i] = (float)(rand() / (double)RAND_MAX * 2 - 1);
        xb[i] = (float)(rand() / (double)RAND_MAX * 2 - 1);
        xc[i] = (float)(rand() / (double)RAND_MAX * 2 - 1);
    }
    for (size_t i = 0; i < N; i++)
        s16[i] = (int16_t)(rand() % 65536 - 32768);
    if (only_sweep) {
        sweep(rounds);
        return 0;
    }
    printf("M items/s (median of %d interleaved rounds; ratio to the first method)\n", rounds);
#define M2(a, b) (const struct method[]){{"loop", a}, {"volk", b}}, 2
    measure("multiply_const f32", N, M2(mul_loop, mul_volk), rounds, 0);
    measure("multiply_const c32 real k", N, M2(cmulr_loop, cmulr_volk), rounds, 0);
    measure("multiply_const c32 cplx k", N, M2(cmul_loop, cmul_volk), rounds, 0);
    measure("add_const f32", N, M2(addc_loop, addc_volk), rounds, 0);
    measure("add f32, 2 inputs", N, M2(add_loop, add_volk), rounds, 0);
    measure("add f32, 3 inputs", N, M2(add3_loop, add3_volk), rounds, 0);
    measure("float_to_short", N, M2(f2s_loop, f2s_volk), rounds, 0);
    measure("short_to_float", N, M2(s2f_loop, s2f_volk), rounds, 0);
    measure("complex_to_mag", N, M2(mag_loop, mag_volk), rounds, 0);
    measure("complex_to_real", N, M2(re_loop, re_volk), rounds, 0);
    measure("float_to_complex", N, M2(f2c_loop, f2c_volk), rounds, 0);
    fir_case("fir 73 taps f32", FIR_FFF, 73, 1, 1, rounds);
    fir_case("fir 73 taps c32", FIR_CCF, 73, 1, 1, rounds);
    fir_case("fir 73 taps c32 cplx taps", FIR_CCC, 73, 1, 1, rounds);
    fir_case("fir 73 taps f32 dec 4", FIR_FFF, 73, 4, 1, rounds);
    fir_case("fir 73 taps c32 dec 4", FIR_CCF, 73, 4, 1, rounds);
    fir_case("fir 73 taps ccc dec 4", FIR_CCC, 73, 4, 1, rounds);
    fir_case("fir 255 taps f32", FIR_FFF, 255, 1, 0, rounds);
    fir_case("fir 255 taps c32", FIR_CCF, 255, 1, 0, rounds);
    fir_case("fir 1023 taps f32", FIR_FFF, 1023, 1, 0, rounds);
    volk_free(xa), volk_free(xb), volk_free(xc), volk_free(yo), volk_free(s16);
    return 0;
}
