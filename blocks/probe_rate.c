/* probe_rate - measures the item rate of its input and posts it as a message (GNU
 * Radio's probe_rate). A sink: GNU Radio's has no stream output either.
 *
 * Each work call adds its items to a count; once update_rate_ms have passed since
 * the last message (since the graph's start, for the first), the count over the
 * time passed is rate_now, in items per second, and rate_avg follows it as GNU
 * Radio's running average: rate_now itself while it is 0, then
 * alpha rate_now + (1 - alpha) rate_avg. The message is GNU Radio 3.10's, a pair of
 * a dict and nil, the dict's keys in its order:
 *   {"$pair": [{"rate_now": 99923.2, "rate_avg": 99910.6}, null]}
 * (GNU Radio after 3.10 sends the dict alone). As there, nothing is posted while no
 * items arrive. Time is mq_block_now_ns, CLOCK_MONOTONIC in ns. */
#include <stdlib.h>

#include "block.h"

struct probe {
    int64_t last_ns;
    uint64_t items;
    double avg;
};

enum { P_UPDATE, P_ALPHA, P_TYPE };
static const mq_param_decl params[] = {
    [P_UPDATE] = {"update_rate_ms", MQ_PARAM_FLOAT, "500", 0, 1e9, NULL,
                  "least time between two messages, ms", 0},
    [P_ALPHA] = {"alpha", MQ_PARAM_FLOAT, "0.0001", 0, 1, NULL,
                 "gain of the running average rate_avg", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"rate", MQ_ITEM_MSG, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    struct probe *p = calloc(1, sizeof *p);

    if (!p)
        return -1;
    /* A restarted block measures from its own start, not the graph's. */
    p->last_ns = mq_block_restarts(c) ? mq_block_now_ns() : mq_block_graph_start_ns(c);
    *state = p;
    return 0;
}

static int post(mq_block_ctx *c, double now, double avg)
{
    mq_pmt *d = mq_pmt_dict(), *m;
    int rc;

    if (!d || mq_pmt_dict_set(d, mq_pmt_symbol("rate_now"), mq_pmt_double(now)) < 0 ||
        mq_pmt_dict_set(d, mq_pmt_symbol("rate_avg"), mq_pmt_double(avg)) < 0) {
        mq_pmt_free(d);
        return -1;
    }
    m = mq_pmt_pair(d, mq_pmt_null());
    rc = m ? mq_msg_post(c, 0, m) : -1;
    mq_pmt_free(m);
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct probe *p = state;
    size_t n;
    int64_t now = mq_block_now_ns();

    mq_in_items(c, 0, &n);
    p->items += n;
    double ms = (double)(now - p->last_ns) / 1e6, alpha = mq_param_f(c, P_ALPHA);
    if (ms < mq_param_f(c, P_UPDATE) || ms <= 0) /* ms > 0: no rate from no time */
        return MQ_WORK_OK;
    double rate = (double)p->items * 1e3 / ms;
    p->items = 0;
    p->last_ns = now;
    p->avg = p->avg == 0 ? rate : rate * alpha + p->avg * (1 - alpha);
    if (post(c, rate, p->avg) < 0) {
        mq_block_error(c, "cannot post its rate message");
        return MQ_WORK_ERROR;
    }
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "probe_rate",
    .doc = "Measures its input's item rate and posts it on `rate` every update_rate_ms.\n"
           "As GNU Radio 3.10's probe_rate, a sink: the message is a pair of the dict\n"
           "{rate_now, rate_avg} (items/s) and nil; rate_avg = alpha rate_now +\n"
           "(1 - alpha) rate_avg, starting at rate_now. alpha is live (set_alpha; GNU\n"
           "Radio keeps 1 - the first alpha for the second factor, a slip not copied).",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
