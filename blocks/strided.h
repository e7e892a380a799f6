/* strided.h - copying items to and from every k-th place (interleave,
 * deinterleave, keep_one_in_n). One memcpy per item of a size known only at run
 * time is a library call each; with the size a constant the compiler makes it a
 * load and a store, so the common item sizes get their own loop. */
#ifndef MQ_BLOCKS_STRIDED_H
#define MQ_BLOCKS_STRIDED_H

#include <stddef.h>
#include <string.h>

#define MQ__STRIDED(size)                                                      \
    for (size_t k = 0; k < count; k++)                                         \
        memcpy(dst + k * dst_step, src + k * src_step, size)

/* Copies `count` pieces of `size` bytes: piece k from src + k src_step to
 * dst + k dst_step (steps in bytes). */
static inline void copy_strided(char *dst, size_t dst_step, const char *src, size_t src_step,
                                size_t count, size_t size)
{
    switch (size) {
    case 1: MQ__STRIDED(1); break;
    case 2: MQ__STRIDED(2); break;
    case 4: MQ__STRIDED(4); break;
    case 8: MQ__STRIDED(8); break;
    case 16: MQ__STRIDED(16); break;
    default: MQ__STRIDED(size);
    }
}

#endif
