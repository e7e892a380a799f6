/* taps.h - what the filters (fir_filter, fft_filter, freq_xlating_fir_filter,
 * iir_filter) ask of a tap list in their check: one tap at least, as a filter of
 * none is no filter (GNU Radio's output zeros or crash there), and complex taps
 * where a filter takes them. */
#ifndef MQ_BLOCKS_TAPS_H
#define MQ_BLOCKS_TAPS_H

#include <stddef.h>
#include <string.h>

#include "block.h"

/* 0 if the FLOATS parameter p, named `name`, has a tap; else -1 with the error. */
static inline int taps_given(mq_block_ctx *c, int p, const char *name)
{
    size_t n;

    mq_param_v(c, p, &n);
    if (n > 0)
        return 0;
    mq_block_error(c, "parameter '%s': at least one tap is needed", name);
    return -1;
}

/* The check of a filter with a BOOL `complex_taps` parameter (GNU Radio's _ccc):
 * taps given, complex ones only on c32 items (the ENUM parameter `type`) and as
 * re, im pairs. 0, or -1 with the error. */
static inline int taps_check_complex(mq_block_ctx *c, int p_taps, int p_ctaps, int p_type)
{
    size_t n;

    if (taps_given(c, p_taps, "taps") < 0)
        return -1;
    mq_param_v(c, p_taps, &n);
    if (!mq_param_i(c, p_ctaps))
        return 0;
    if (strcmp(mq_param_s(c, p_type), "c32")) {
        mq_block_error(c, "parameter 'complex_taps': complex taps need c32 items (type: c32)");
        return -1;
    }
    if (n % 2) {
        mq_block_error(c, "parameter 'taps': complex taps are re, im pairs, but %zu numbers "
                          "were given", n);
        return -1;
    }
    return 0;
}

#endif
