/* ts.h - timestamp arithmetic: where the items of a stamped buffer sit in time.
 *
 * A buffer's timestamp (buf.h) stamps its first item. A time range (MQ_TS_HAS_RANGE)
 * also gives the time of its last item, so a buffer of n >= 2 items has an item
 * period of (end - start) / (n - 1), and the time of every item is known. Blocks that
 * cut, shift or resample a stream use these functions to stamp what they emit.
 *
 * A sample index counts items: moving by k items adds k. A time without a range (or
 * with a one-item range) has no known period: it cannot move by items, and stays.
 */
#ifndef MQ_TS_H
#define MQ_TS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The item period of a buffer of `items` items stamped `ts`, in the timestamp's
 * unit: 1 for a sample index, (end - start) / (items - 1) for a time range, 0 when
 * it is not known. */
double mq_ts_period(const mq_timestamp *ts, size_t items);

/* The timestamp of `n` items taken from a buffer of `items` items stamped `in`, the
 * first at position `first` (an item index of that buffer, maybe fractional,
 * negative or past its end), the next ones `step` items apart. A sample index moves
 * by llround(first); a time moves by first periods and its range covers the n items
 * (rounded to the unit). The first k items are (0, 1, k); the rest after them
 * (k, 1, items - k); every d-th item from the first is (0, d, (items + d - 1) / d).
 * `out` may be `in`. */
void mq_ts_items(const mq_timestamp *in, size_t items, double first, double step, size_t n,
                 mq_timestamp *out);

/* The stamp of n items a block made from an input buffer of `items` items stamped
 * `in` (a filter's outputs): a sample index counts the block's own output items, so
 * it is `index`, the first one's; a time is placed as mq_ts_items places it. */
void mq_ts_outputs(const mq_timestamp *in, size_t items, double first, double step, size_t n,
                   int64_t index, mq_timestamp *out);

/* The same with the item period given: for a block that knows it from earlier
 * buffers when this one cannot tell (one item). A period of 0 leaves a time as is. */
void mq_ts_at(const mq_timestamp *in, double period, double first, double step, size_t n,
              mq_timestamp *out);

/* Whether the timestamp is a time (absolute or relative ns), not a sample index. */
static inline int mq_ts_is_time(const mq_timestamp *ts)
{
    return ts->type == MQ_TS_ABSOLUTE || ts->type == MQ_TS_RELATIVE;
}

/* "none", "absolute", "relative", "sample_index" */
const char *mq_ts_type_name(uint32_t type);

#endif
