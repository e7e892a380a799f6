/* volk_setup.h - the before_fork (block.h) of the blocks that call VOLK. VOLK
 * chooses its kernels for this CPU on its first call, which takes 6 to 20 ms
 * here; called in mqgraph before it forks, it is done once for the graph instead
 * of once in each block process, on the first buffer's way down a chain. */
#ifndef MQ_VOLK_SETUP_H
#define MQ_VOLK_SETUP_H

#include <volk/volk.h>

static void volk_before_fork(void)
{
    (void)volk_get_alignment();
}

#endif
