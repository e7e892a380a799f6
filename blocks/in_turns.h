/* in_turns.h - passing every waiting input buffer on to output 0 whole and without a
 * copy, the inputs taking turns at going first so a busy one cannot starve another.
 * What merger does, and sync_merger in async mode. A static function, so each module
 * keeps its own copy. */
#ifndef MQ_BLOCKS_IN_TURNS_H
#define MQ_BLOCKS_IN_TURNS_H

#include "block.h"

/* *first: the input to look at first this time; it moves on by one. */
static int forward_in_turns(mq_block_ctx *c, int *first)
{
    int n = mq_block_n_inputs(c);

    for (int k = 0; k < n; k++) {
        int i = (*first + k) % n;
        size_t bytes;
        mq_timestamp ts;
        if (!mq_in_data(c, i, &bytes))
            continue;
        mq_in_timestamp(c, i, &ts);
        if (mq_out_forward(c, i, 0, bytes, &ts) < 0)
            return MQ_WORK_ERROR;
    }
    *first = (*first + 1) % n;
    return MQ_WORK_OK;
}

#endif
