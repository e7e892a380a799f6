/* const_k.h - the complex constant k of multiply_const and add_const, and their
 * check: a k with an imaginary part only for c32 items, as GNU Radio has a complex
 * k only in its _cc blocks. Static inline: each block is a module of its own. */
#ifndef MQ_BLOCKS_CONST_K_H
#define MQ_BLOCKS_CONST_K_H

#include <complex.h>
#include <stdio.h>
#include <string.h>

#include "block.h"

/* k's declaration: live, each part within +-1e30. */
#define CONST_K_PARAM(doc)                                                              \
    {"k", MQ_PARAM_COMPLEX, NULL, -1e30, 1e30, NULL, doc, MQ_PARAM_LIVE}

/* Refuses a complex k (parameter p_k) for a real item type (parameter p_type), the
 * value written as Python writes it (0.5j, (1-2j)), as the graph file may. */
static inline int const_k_check(mq_block_ctx *c, int p_k, int p_type)
{
    _Complex double k = mq_param_c(c, p_k);
    const char *type = mq_param_s(c, p_type);
    char re[32], im[32], v[80];

    if (cimag(k) == 0 || !strcmp(type, "c32"))
        return 0;
    mq_param_format_double(creal(k), re, sizeof re);
    mq_param_format_double(cimag(k), im, sizeof im);
    if (creal(k) == 0)
        snprintf(v, sizeof v, "%sj", im);
    else
        snprintf(v, sizeof v, "(%s%s%sj)", re, cimag(k) < 0 ? "" : "+", im);
    mq_block_error(c, "parameter 'k': %s is complex, but type %s is real (a complex k needs "
                   "type c32)", v, type);
    return -1;
}

#endif
