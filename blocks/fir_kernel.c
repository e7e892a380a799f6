/* fir_kernel.c - fir_filter's outputs, several at a time where the CPU has AVX2
 * and FMA, else one VOLK dot product per output as GNU Radio's fir_filter does.
 *
 * A dot product per output spends as long on its call, its unaligned head and tail
 * and its horizontal sum as on the ntaps / 8 multiply-adds (73 taps of f32: about
 * 40 M outputs/s against 310 M with the first kernel below, on a 2-core AMD EPYC
 * of 2026; bench/bench_kernels). Two blocked kernels avoid that:
 *
 * - Without decimation, consecutive outputs read the same inputs shifted by one
 *   item, so a pass holds 96 floats of consecutive outputs in twelve registers and
 *   adds rt[j] x[.. + j] to all of them, one broadcast tap per step: no horizontal
 *   sum, each tap loaded once per 96 floats, and twelve independent chains of
 *   multiply-adds to cover their latency. Complex taps take two broadcasts (re, im)
 *   and two sums, joined at the end.
 * - With decimation d > 1 outputs d items apart share no load, so a pass takes 8
 *   outputs (4 with complex taps), each a dot product 8 floats wide, and loads each
 *   block of taps once for all of them; the last partial block of 8 is read with
 *   a masked load, so nothing past the input is touched.
 *
 * Rounding: each output is a sum of float products with one rounding per fused
 * multiply-add, in a different order from VOLK's (tap order in the first kernel,
 * 8 lanes then a horizontal sum in the second). Both are within float rounding of
 * the exact sum (tests/test_dsp_filt.c bounds it against a double-precision
 * sum), but not bit for bit GNU Radio's. */
#include <stdint.h>
#include <string.h>
#include <volk/volk.h>

#include "fir_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#define FIR_HAVE_AVX2 1
#include <immintrin.h>
#endif

/* Floats per item. */
static size_t lanes(const struct fir_kernel *k)
{
    return k->kind == FIR_FFF ? 1 : 2;
}

/* The kernel's tap arrays, one allocation: rt (VOLK's, as fir_kernel.h), then for
 * the decimated kernel ta and tb (the real and imaginary parts, each twice for
 * complex items), each of L = ntaps floats per item rounded up to 8, zero beyond. */
static size_t padded(const struct fir_kernel *k)
{
    return (lanes(k) * k->ntaps + 7) & ~(size_t)7;
}

/* y[m] for m in [from, outs), one VOLK call each. */
static void run_volk(const struct fir_kernel *k, const float *x, size_t p, size_t d,
                     size_t from, size_t outs, float *o)
{
    unsigned nt = (unsigned)k->ntaps;

    for (size_t m = from; m < outs; m++) {
        size_t i = p + m * d;
        if (k->kind == FIR_FFF)
            volk_32f_x2_dot_prod_32f(o + m, x + i, k->rt, nt);
        else if (k->kind == FIR_CCF)
            volk_32fc_32f_dot_prod_32fc((lv_32fc_t *)o + m, (const lv_32fc_t *)x + i, k->rt,
                                        nt);
        else
            volk_32fc_x2_dot_prod_32fc((lv_32fc_t *)o + m, (const lv_32fc_t *)x + i,
                                       (const lv_32fc_t *)k->rt, nt);
    }
}

#ifdef FIR_HAVE_AVX2
#define AVX2 __attribute__((target("avx2,fma")))

/* Real taps, no decimation: o[f] = sum_j rt[j] x[f + s j] for the floats f in
 * [from, nf) of whole blocks of 8 g floats (s floats per item), g registers a pass;
 * returns where it stopped. Inlined with g a constant. */
AVX2 static inline __attribute__((always_inline)) size_t
consecutive_g(size_t g, const float *rt, size_t nt, size_t s, const float *x, size_t from,
              size_t nf, float *o)
{
    size_t f = from;

    for (; f + 8 * g <= nf; f += 8 * g) {
        __m256 a[12];
        const float *xp = x + f;
#pragma GCC unroll 12
        for (size_t r = 0; r < g; r++)
            a[r] = _mm256_setzero_ps();
        for (size_t j = 0; j < nt; j++, xp += s) {
            __m256 t = _mm256_broadcast_ss(rt + j);
#pragma GCC unroll 12
            for (size_t r = 0; r < g; r++)
                a[r] = _mm256_fmadd_ps(t, _mm256_loadu_ps(xp + 8 * r), a[r]);
        }
#pragma GCC unroll 12
        for (size_t r = 0; r < g; r++)
            _mm256_storeu_ps(o + f + 8 * r, a[r]);
    }
    return f;
}

/* 96 floats a pass (12 chains of multiply-adds to cover their latency), then 32
 * for most of the rest of a buffer, then 8; returns how many floats were done. */
AVX2 static size_t consecutive_real(const float *rt, size_t nt, size_t s, const float *x,
                                    size_t nf, float *o)
{
    size_t f = consecutive_g(12, rt, nt, s, x, 0, nf, o);
    f = consecutive_g(4, rt, nt, s, x, f, nf, o);
    return consecutive_g(1, rt, nt, s, x, f, nf, o);
}

/* re, im pairs a + i b, from a = sum hr x and b = sum hi x taken part by part:
 * (a.re - b.im, a.im + b.re). */
AVX2 static __m256 join_complex(__m256 a, __m256 b)
{
    return _mm256_addsub_ps(a, _mm256_permute_ps(b, 0xb1));
}

/* Complex taps (re, im pairs in rt), no decimation: as consecutive_real for
 * complex items, whole blocks of 4 outputs; returns how many outputs were done. */
AVX2 static size_t consecutive_complex(const float *rt, size_t nt, const float *x,
                                       size_t outs, float *o)
{
    size_t m = 0;

    for (; m + 16 <= outs; m += 16) {
        __m256 a[4], b[4];
        const float *xp = x + 2 * m;
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)
            a[r] = b[r] = _mm256_setzero_ps();
        for (size_t j = 0; j < nt; j++, xp += 2) {
            __m256 tr = _mm256_broadcast_ss(rt + 2 * j), ti = _mm256_broadcast_ss(rt + 2 * j + 1);
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) {
                __m256 v = _mm256_loadu_ps(xp + 8 * r);
                a[r] = _mm256_fmadd_ps(tr, v, a[r]);
                b[r] = _mm256_fmadd_ps(ti, v, b[r]);
            }
        }
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)
            _mm256_storeu_ps(o + 2 * m + 8 * r, join_complex(a[r], b[r]));
    }
    for (; m + 4 <= outs; m += 4) {
        __m256 a = _mm256_setzero_ps(), b = a;
        const float *xp = x + 2 * m;
        for (size_t j = 0; j < nt; j++, xp += 2) {
            __m256 v = _mm256_loadu_ps(xp);
            a = _mm256_fmadd_ps(_mm256_broadcast_ss(rt + 2 * j), v, a);
            b = _mm256_fmadd_ps(_mm256_broadcast_ss(rt + 2 * j + 1), v, b);
        }
        _mm256_storeu_ps(o + 2 * m, join_complex(a, b));
    }
    return m;
}

/* The sum of the 8 floats of v. */
AVX2 static float sum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* The sum of the 4 re, im pairs of v, stored at o. */
AVX2 static void sum4c(__m256 v, float *o)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    _mm_storel_pi((__m64 *)o, _mm_add_ps(s, _mm_movehl_ps(s, s)));
}

/* A mask of the first r of 8 lanes (r < 8). */
AVX2 static __m256i first_lanes(size_t r)
{
    static const int32_t ones[16] = {-1, -1, -1, -1, -1, -1, -1, -1};
    return _mm256_loadu_si256((const __m256i *)(ones + 8 - r));
}

/* Decimated: g outputs a pass (8 of real taps, 4 of complex ones), each the dot
 * product of the L floats from x + s (p + m d) with ta (L floats, zero-padded to a
 * multiple of 8: the real taps, each twice for complex items), then summed across
 * lanes (complex items: pair by pair). With complex taps tb holds their imaginary
 * parts as ta the real ones, and the two sums are joined. Inlined into one
 * function per case, so that g and cplx are constants there. Returns how many
 * outputs were done. */
AVX2 static inline __attribute__((always_inline)) size_t
decimated(const struct fir_kernel *k, size_t g, int cplx, const float *x, size_t p, size_t d,
          size_t outs, float *o)
{
    size_t s = lanes(k), len = s * k->ntaps, whole = len & ~(size_t)7, m = 0;
    const float *ta = k->rt + padded(k), *tb = ta + padded(k);
    __m256i tail = first_lanes(len - whole);

    for (; m + g <= outs; m += g) {
        __m256 a[8], b[8];
        const float *xs[8];
#pragma GCC unroll 8
        for (size_t i = 0; i < g; i++) {
            a[i] = b[i] = _mm256_setzero_ps();
            xs[i] = x + s * (p + (m + i) * d);
        }
        for (size_t j = 0; j < len; j += 8) {
            __m256 t = _mm256_load_ps(ta + j), u = cplx ? _mm256_load_ps(tb + j) : t;
#pragma GCC unroll 8
            for (size_t i = 0; i < g; i++) {
                __m256 v = j < whole ? _mm256_loadu_ps(xs[i] + j)
                                     : _mm256_maskload_ps(xs[i] + j, tail);
                a[i] = _mm256_fmadd_ps(t, v, a[i]);
                if (cplx)
                    b[i] = _mm256_fmadd_ps(u, v, b[i]);
            }
        }
#pragma GCC unroll 8
        for (size_t i = 0; i < g; i++) {
            if (s == 1)
                o[m + i] = sum8(a[i]);
            else
                sum4c(cplx ? join_complex(a[i], b[i]) : a[i], o + 2 * (m + i));
        }
    }
    return m;
}

AVX2 static size_t decimated_real(const struct fir_kernel *k, const float *x, size_t p,
                                  size_t d, size_t outs, float *o)
{
    return decimated(k, 8, 0, x, p, d, outs, o);
}

AVX2 static size_t decimated_complex(const struct fir_kernel *k, const float *x, size_t p,
                                     size_t d, size_t outs, float *o)
{
    return decimated(k, 4, 1, x, p, d, outs, o);
}

static int have_avx2_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

int fir_kernel_init(struct fir_kernel *k, enum fir_kind kind, const double *taps,
                    size_t ntaps)
{
    struct fir_kernel n = {.kind = kind, .method = FIR_VOLK, .ntaps = ntaps};
    size_t pad = padded(&n);
    /* aligned as VOLK's kernels want their taps, and for the loads of ta and tb */
    float *r = volk_malloc(3 * pad * sizeof *r, 32);

    if (!r)
        return -1;
    memset(r, 0, 3 * pad * sizeof *r);
    n.rt = r;
    for (size_t j = 0; j < ntaps; j++) {
        size_t from = ntaps - 1 - j; /* reversed */
        float *ta = r + pad, *tb = ta + pad;
        if (kind == FIR_CCC) {
            r[2 * j] = ta[2 * j] = ta[2 * j + 1] = (float)taps[2 * from];
            r[2 * j + 1] = tb[2 * j] = tb[2 * j + 1] = (float)taps[2 * from + 1];
        } else {
            r[j] = (float)taps[from];
            if (kind == FIR_CCF)
                ta[2 * j] = ta[2 * j + 1] = r[j];
            else
                ta[j] = r[j];
        }
    }
#ifdef FIR_HAVE_AVX2
    if (have_avx2_fma())
        n.method = FIR_BLOCKED;
#endif
    fir_kernel_free(k);
    *k = n;
    return 0;
}

void fir_kernel_free(struct fir_kernel *k)
{
    volk_free(k->rt);
    k->rt = NULL;
}

void fir_kernel_run(const struct fir_kernel *k, const float *x, size_t p, size_t d,
                    size_t outs, float *o)
{
    size_t done = 0;

#ifdef FIR_HAVE_AVX2
    if (k->method == FIR_BLOCKED) {
        size_t s = lanes(k);
        if (d > 1 && k->kind == FIR_CCC)
            done = decimated_complex(k, x, p, d, outs, o);
        else if (d > 1)
            done = decimated_real(k, x, p, d, outs, o);
        else if (k->kind == FIR_CCC)
            done = consecutive_complex(k->rt, k->ntaps, x + 2 * p, outs, o);
        else
            done = consecutive_real(k->rt, k->ntaps, s, x + s * p, s * outs, o) / s;
    }
#endif
    run_volk(k, x, p, d, done, outs, o);
}
