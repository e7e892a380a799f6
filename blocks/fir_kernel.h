/* fir_kernel.h - the inner loop of fir_filter, apart so that bench/bench_kernels
 * measures the same code the block runs.
 *
 * A kernel holds the taps reversed, rt[j] = taps[ntaps - 1 - j], so that output m
 * of a run is y[m] = sum_j rt[j] x[p + m d + j] over an input x that starts with
 * the ntaps - 1 items of history (mq_in_set_history). Three kinds, GNU Radio's
 * fir_filter_fff, _ccf and _ccc: real items and taps; complex items, real taps;
 * complex items and taps (rt as re, im pairs). */
#ifndef MQ_BLOCKS_FIR_KERNEL_H
#define MQ_BLOCKS_FIR_KERNEL_H

#include <stddef.h>

enum fir_kind { FIR_FFF, FIR_CCF, FIR_CCC };

/* How the outputs are computed: one VOLK dot product per output (GNU Radio's
 * way, and the fallback on CPUs without AVX2 and FMA), or the blocked AVX2 kernel
 * where it applies (fir_kernel.c says where). */
enum fir_method { FIR_VOLK, FIR_BLOCKED };

struct fir_kernel {
    enum fir_kind kind;
    enum fir_method method;
    size_t ntaps;
    float *rt; /* volk_malloc'd: ntaps floats, or ntaps re, im pairs for FIR_CCC */
};

/* Takes `ntaps` taps, taps[0] first (FIR_CCC: 2 ntaps numbers, re, im pairs) and
 * picks the fastest method this CPU has. 0, or -1 out of memory (k unchanged). */
int fir_kernel_init(struct fir_kernel *k, enum fir_kind kind, const double *taps,
                    size_t ntaps);
void fir_kernel_free(struct fir_kernel *k);

/* o[m] = y[m] for m < outs, with item p of x the first input of y[0] and d the
 * decimation: x holds p + (outs - 1) d + ntaps items (FIR_FFF: floats, else
 * complex ones as re, im pairs), o outs of the same type. */
void fir_kernel_run(const struct fir_kernel *k, const float *x, size_t p, size_t d,
                    size_t outs, float *o);

#endif
