/* fast_conv.h - FIR outputs by fast convolution (overlap-save with FFTW), the
 * core of fft_filter and fir_filter's path for long filters, apart so that both
 * blocks and bench/bench_kernels run one implementation.
 *
 * The contract is fir_kernel_run's (fir_kernel.h): output m of a run is
 * y[m] = sum_k taps[k] x[p + m d + L - 1 - k] over an input x that starts with the
 * L - 1 items of history, L taps. A block of N items x[w .. w + N - 1], from the
 * window of an output w on, transformed, times the taps' spectrum and transformed
 * back, holds the outputs of the S = N - L + 1 windows from w (overlap-save); the
 * last block of a run is zero-padded when it has fewer. A transform takes one
 * block of complex items, or two of real ones (fast_conv.c says how). With
 * decimation d a block holds the outputs kept in S windows, ceil(S / d) of them;
 * the rest are computed and dropped, so the cost of a kept output grows with d,
 * which the direct form's does not.
 *
 * The taps' spectrum is scaled by 1 / N, so the outputs are the sum's to float
 * rounding (FFTW's error grows as log N; bench/bench_kernels prints it). */
#ifndef MQ_BLOCKS_FAST_CONV_H
#define MQ_BLOCKS_FAST_CONV_H

#include <stddef.h>
#include <fftw3.h>

#include "fir_kernel.h" /* enum fir_kind: the same three filters */

struct fast_conv {
    enum fir_kind kind;
    size_t ntaps, n, s; /* L, N, S = N - L + 1 */
    int nthreads;
    float *buf;          /* N complex items in, then out */
    fftwf_complex *spec; /* their spectrum, N bins */
    fftwf_complex *h;    /* the taps' spectrum, scaled by 1 / N */
    fftwf_plan fwd, inv;
};

/* GNU Radio's transform size for L taps (its fft_filter's): 2 * (L rounded up to
 * a power of two). */
size_t fast_conv_gr_size(size_t ntaps);

/* The transform size for L taps that filtered fastest here (fast_conv.c has the
 * figures): GNU Radio's or larger. */
size_t fast_conv_size(size_t ntaps);

/* Takes `ntaps` taps, taps[0] first (FIR_CCC: 2 ntaps numbers, re, im pairs), for
 * transforms of n points (n >= ntaps) made with `nthreads` FFTW threads (the
 * caller has called fftwf_init_threads once). The plans of a kernel that had the
 * same kind, n and nthreads are kept: a change of the taps alone plans nothing.
 * fc starts zeroed ({0}). 0; -1 out of memory, -2 FFTW could not plan (fc is then
 * emptied, as by fast_conv_free). */
int fast_conv_init(struct fast_conv *fc, enum fir_kind kind, const double *taps,
                   size_t ntaps, size_t n, int nthreads);
void fast_conv_free(struct fast_conv *fc);

/* Outputs kept in one transform with decimation d: ceil(S / d), twice that for
 * real items. A run costs a transform for each of these or fewer. */
size_t fast_conv_block_outs(const struct fast_conv *fc, size_t d);

/* o[m] = y[m] for m < outs, as fir_kernel_run: x holds p + (outs - 1) d + L items
 * (FIR_FFF: floats, else re, im pairs) and nothing past them is read. */
void fast_conv_run(struct fast_conv *fc, const float *x, size_t p, size_t d, size_t outs,
                   float *o);

#endif
