/* router - N inputs to M outputs by a rule: `direct` sends input i to output i,
 * `map` sends input i to output map[i], `round_robin` deals the buffers of all inputs
 * to the outputs in turn. Buffers pass whole, without a copy. With direct and map,
 * an output closes as soon as every input routed to it has ended. */
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct router {
    int n_in, n_out, rr;
    int route[16]; /* output of input i; -1: round robin */
    int closed[16];
};

static const mq_param_decl params[] = {
    {"inputs", MQ_PARAM_INT, "2", 1, 16, NULL, "number of inputs", 0},
    {"outputs", MQ_PARAM_INT, "2", 1, 16, NULL, "number of outputs", 0},
    {"rule", MQ_PARAM_ENUM, "direct", 0, 0, "direct|map|round_robin", "how buffers are routed", 0},
    {"map", MQ_PARAM_FLOATS, "", 0, 15, NULL, "rule map: the output of each input", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

/* direct and map must name an existing output for every input. */
static int check(mq_block_ctx *c)
{
    const char *rule = mq_param_str(c, "rule");
    int n_in = mq_block_n_inputs(c), n_out = mq_block_n_outputs(c);
    size_t nm;
    const double *map = mq_param_floats(c, "map", &nm);

    if (!strcmp(rule, "direct") && n_in != n_out) {
        mq_block_error(c, "rule direct needs as many outputs as inputs (%d inputs, %d outputs)",
                       n_in, n_out);
        return -1;
    }
    if (!strcmp(rule, "map") && nm != (size_t)n_in) {
        mq_block_error(c, "rule map needs one output per input: %d inputs, map has %zu", n_in,
                       nm);
        return -1;
    }
    for (size_t i = 0; !strcmp(rule, "map") && i < nm; i++)
        if (map[i] >= n_out) {
            mq_block_error(c, "map: input %zu goes to output %d, but there are %d outputs", i,
                           (int)map[i], n_out);
            return -1;
        }
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    struct router *r = calloc(1, sizeof *r);
    const char *rule = mq_param_str(c, "rule");
    size_t nm;
    const double *map = mq_param_floats(c, "map", &nm);

    if (!r)
        return -1;
    *state = r;
    r->n_in = mq_block_n_inputs(c);
    r->n_out = mq_block_n_outputs(c);
    for (int i = 0; i < r->n_in; i++)
        r->route[i] = !strcmp(rule, "direct") ? i : !strcmp(rule, "map") && (size_t)i < nm ? (int)map[i] : -1;
    return 0;
}

/* Closes every output whose inputs have all ended (direct and map). */
static void close_ended(mq_block_ctx *c, struct router *r)
{
    for (int o = 0; o < r->n_out; o++) {
        int open = 0, fed = 0;
        for (int i = 0; i < r->n_in; i++)
            if (r->route[i] == o) {
                fed = 1;
                open |= !mq_in_ended(c, i);
            }
        if (fed && !open && !r->closed[o]) {
            mq_out_close(c, o);
            r->closed[o] = 1;
        }
    }
}

static int work(mq_block_ctx *c, void *state)
{
    struct router *r = state;

    for (int i = 0; i < r->n_in; i++) {
        size_t bytes;
        mq_timestamp ts;
        if (!mq_in_data(c, i, &bytes))
            continue;
        int o = r->route[i] >= 0 ? r->route[i] : r->rr++ % r->n_out;
        mq_in_timestamp(c, i, &ts);
        if (mq_out_forward(c, i, o, bytes, &ts) < 0)
            return MQ_WORK_ERROR;
    }
    close_ended(c, r);
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "router",
    .doc = "Routes whole buffers (no copy) from `inputs` inputs to `outputs` outputs:\n"
           "rule direct (input i to output i), map (input i to output map[i]) or\n"
           "round_robin (every buffer to the next output in turn). With direct and map,\n"
           "an output ends when all inputs routed to it have ended.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out), .out_count_param = "outputs",
    MQ_PARAMS(params),
    .flags = MQ_BLOCK_ANY_INPUT,
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
