/* selector - passes input input_index to output output_index (GNU Radio's
 * selector). As there, every input is consumed at the same pace and what the other
 * inputs bring is dropped; the other outputs get nothing. Disabled (`enabled`
 * false), it drops everything. The three are live, GNU Radio's set_input_index,
 * set_output_index and set_enabled (its en, iindex and oindex message ports are
 * the cmd message here: {"input_index": 1}).
 *
 * Each call takes as many items from every input as the shortest buffer has (as
 * `add` does), so a switch of input lands on the same item of the stream that GNU
 * Radio's lockstep consumption would pick. The selected buffer goes out without a
 * copy when it is the shortest (always, for inputs with equal buffers); otherwise
 * its first items are copied.
 *
 * It finishes when the selected input ends. Another input that ends does not stop
 * it: GNU Radio 3.10 goes on with the selected input then too (consuming items
 * the ended input never had, which here are simply not there).
 *
 * Timestamps: a sample index counts each output's items, as GNU Radio moves the
 * tags it passes to the output's item count; a time is the selected input's. */
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct sel {
    int64_t out_sent[MQ_MAX_PORTS];
};

enum { P_INPUTS, P_OUTPUTS, P_IN, P_OUT, P_ENABLED, P_TYPE };
static const mq_param_decl params[] = {
    /* 15: the cmd input takes the 16th port */
    [P_INPUTS] = {"inputs", MQ_PARAM_INT, "2", 1, MQ_MAX_PORTS - 1, NULL, "number of inputs", 0},
    [P_OUTPUTS] = {"outputs", MQ_PARAM_INT, "2", 1, MQ_MAX_PORTS, NULL, "number of outputs", 0},
    [P_IN] = {"input_index", MQ_PARAM_INT, "0", 0, MQ_MAX_PORTS - 1, NULL,
              "the input that is passed on", MQ_PARAM_LIVE},
    [P_OUT] = {"output_index", MQ_PARAM_INT, "0", 0, MQ_MAX_PORTS - 1, NULL,
               "the output it goes to", MQ_PARAM_LIVE},
    [P_ENABLED] = {"enabled", MQ_PARAM_BOOL, "true", 0, 0, NULL,
                   "false: drop every input", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

/* GNU Radio refuses the same in check_topology and its setters. */
static int check(mq_block_ctx *c)
{
    int64_t i = mq_param_i(c, P_IN), o = mq_param_i(c, P_OUT);

    if (i >= mq_block_n_inputs(c)) {
        mq_block_error(c, "input_index %lld is out of range: the inputs are 0 .. %d",
                       (long long)i, mq_block_n_inputs(c) - 1);
        return -1;
    }
    if (o >= mq_block_n_outputs(c)) {
        mq_block_error(c, "output_index %lld is out of range: the outputs are 0 .. %d",
                       (long long)o, mq_block_n_outputs(c) - 1);
        return -1;
    }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    return (*state = calloc(1, sizeof(struct sel))) ? 0 : -1;
}

/* Sends the first `n` items of input `i` (consumed by the caller) on output `o`. */
static int pass(mq_block_ctx *c, struct sel *s, int i, int o, size_t n)
{
    size_t have;
    const void *x = mq_in_items(c, i, &have);
    mq_timestamp ts;

    mq_in_timestamp(c, i, &ts);
    if (ts.type == MQ_TS_SAMPLE_INDEX)
        ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = s->out_sent[o]};
    s->out_sent[o] += (int64_t)n;
    if (have == n)
        return mq_out_forward_items(c, i, o, n, &ts);
    mq_ts_items(&ts, have, 0, 1, n, &ts);
    void *p = mq_out_alloc_items(c, o, n);
    if (!p)
        return -1;
    memcpy(p, x, n * mq_block_in_item_size(c, i));
    return mq_out_push_items(c, o, n, &ts);
}

static int work(mq_block_ctx *c, void *state)
{
    int n_in = mq_block_n_inputs(c), sel = (int)mq_param_i(c, P_IN);
    size_t n, least = SIZE_MAX;

    if (mq_in_ended(c, sel))
        return MQ_WORK_DONE;
    for (int i = 0; i < n_in; i++) {
        if (mq_in_ended(c, i))
            continue; /* an other input that ended does not hold the rest up */
        if (!mq_in_items(c, i, &n))
            return MQ_WORK_NEED_INPUT; /* every input goes at the same pace */
        if (n < least)
            least = n;
    }
    for (int i = 0; i < n_in; i++)
        if (!mq_in_ended(c, i))
            mq_in_consume_items(c, i, least);
    if (least == 0 || !mq_param_i(c, P_ENABLED))
        return MQ_WORK_OK;
    return pass(c, state, sel, (int)mq_param_i(c, P_OUT), least) < 0 ? MQ_WORK_ERROR
                                                                       : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "selector",
    .doc = "Passes input input_index to output output_index; the other inputs are dropped.\n"
           "As GNU Radio's selector: all inputs are consumed at the same pace, the other\n"
           "outputs get nothing, and disabled (enabled false) it drops everything.\n"
           "input_index, output_index and enabled are live (GNU Radio's setters, and its\n"
           "en, iindex and oindex messages as a cmd message). It finishes when the\n"
           "selected input ends, not when another one does. A sample index counts each\n"
           "output's items; a time is the selected input's.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out), .out_count_param = "outputs",
    MQ_PARAMS(params),
    .flags = MQ_BLOCK_ANY_INPUT,
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
