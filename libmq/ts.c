/* ts.c - timestamp arithmetic (ts.h). */
#include <math.h>

#include "ts.h"

double mq_ts_period(const mq_timestamp *ts, size_t items)
{
    if (ts->type == MQ_TS_SAMPLE_INDEX)
        return 1.0;
    if (!mq_ts_is_time(ts) || !(ts->flags & MQ_TS_HAS_RANGE) || items < 2)
        return 0.0;
    return (double)(ts->end - ts->start) / (double)(items - 1);
}

void mq_ts_items(const mq_timestamp *in, size_t items, double first, double step, size_t n,
                 mq_timestamp *out)
{
    mq_ts_at(in, mq_ts_period(in, items), first, step, n, out);
}

void mq_ts_outputs(const mq_timestamp *in, size_t items, double first, double step, size_t n,
                   int64_t index, mq_timestamp *out)
{
    if (in->type == MQ_TS_SAMPLE_INDEX)
        *out = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = index};
    else
        mq_ts_items(in, items, first, step, n, out);
}

void mq_ts_at(const mq_timestamp *stamp, double period, double first, double step, size_t n,
              mq_timestamp *out)
{
    const mq_timestamp copy = *stamp, *in = &copy; /* out may be stamp */
    double p = in->type == MQ_TS_SAMPLE_INDEX ? 1.0 : period;
    double last = first + (n > 0 ? (double)(n - 1) * step : 0.0);

    *out = *in;
    if (p == 0.0 || in->type == MQ_TS_NONE)
        return;
    /* The range starts at the item `first` and ends at the last item taken; the
     * value keeps its distance from the start (they are equal for every stamp
     * libmq's sources make). */
    int64_t s = in->start + llround(first * p);
    if (in->type == MQ_TS_SAMPLE_INDEX) {
        out->value = in->value + llround(first);
        if (in->flags & MQ_TS_HAS_RANGE) {
            out->start = s;
            out->end = in->start + llround(last);
        }
        return;
    }
    if (!(in->flags & MQ_TS_HAS_RANGE)) {
        out->value = in->value + llround(first * p);
        return;
    }
    out->value = in->value + (s - in->start);
    out->start = s;
    out->end = in->start + llround(last * p);
}

const char *mq_ts_type_name(uint32_t type)
{
    switch (type) {
    case MQ_TS_ABSOLUTE:
        return "absolute";
    case MQ_TS_RELATIVE:
        return "relative";
    case MQ_TS_SAMPLE_INDEX:
        return "sample_index";
    default:
        return "none";
    }
}
