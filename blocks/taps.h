/* taps.h - what the filters (fir_filter, fft_filter, freq_xlating_fir_filter,
 * iir_filter) ask of a tap list in their check: one tap at least, as a filter of
 * none is no filter (GNU Radio's output zeros or crash there). */
#ifndef MQ_BLOCKS_TAPS_H
#define MQ_BLOCKS_TAPS_H

#include <stddef.h>

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

#endif
