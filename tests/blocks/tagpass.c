/* tagpass - a test block for stream tags, built once per tag policy (TAGPASS_POLICY,
 * TAGPASS_NAME: tagpass_all, tagpass_one, tagpass_dont). It has `ports` f32 inputs
 * and as many outputs, and passes input i on to output i as `mode` says: forward
 * (the buffer itself), copy (a new buffer, so the runtime maps the tags), or cross
 * (the buffer itself, to output i + 1, round). With add_every K it tags every K-th
 * item of output 0 (absolute offsets: key "every", value the offset), and with
 * exit_at it exits (status 3) in its first life holding the buffer with that input
 * item, so a restart's losses are exact. Built for the tests only, never
 * installed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

enum { P_PORTS, P_MODE, P_EVERY, P_EXIT };
static const mq_param_decl params[] = {
    [P_PORTS] = {"ports", MQ_PARAM_INT, "1", 1, 8, NULL, "inputs, and as many outputs", 0},
    [P_MODE] = {"mode", MQ_PARAM_ENUM, "forward", 0, 0, "forward|copy|cross", "how", 0},
    [P_EVERY] = {"add_every", MQ_PARAM_INT, "0", 0, 1e9, NULL, "tag every K-th out0 item", 0},
    [P_EXIT] = {"exit_at", MQ_PARAM_INT, "-1", -1, 1e15, NULL, "exit at this input item", 0},
};
static const mq_port_decl in[] = {{.name = "in", .type = MQ_ITEM_F32}};
static const mq_port_decl out[] = {{.name = "out", .type = MQ_ITEM_F32}};

/* Tags every add_every-th item of the n output-0 items about to go. */
static int add_tags(mq_block_ctx *c, uint64_t n)
{
    uint64_t k = (uint64_t)mq_param_i(c, P_EVERY), w = mq_out_nitems_written(c, 0);
    mq_pmt *key = mq_pmt_symbol("every");
    int rc = key ? 0 : -1;

    for (uint64_t x = (w + k - 1) / k * k; rc == 0 && x < w + n; x += k) {
        mq_pmt *v = mq_pmt_uint64(x);
        rc = v ? mq_out_add_tag(c, 0, x, key, v, NULL) : -1;
        mq_pmt_free(v);
    }
    mq_pmt_free(key);
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    int n = mq_block_n_inputs(c), mode = mq_param_choice(c, P_MODE);
    int64_t exit_at = mq_param_i(c, P_EXIT);

    for (int i = 0; i < n; i++) {
        size_t items;
        mq_timestamp ts;
        const float *x = mq_in_items(c, i, &items);
        uint64_t first = mq_in_nitems_read(c, i);
        if (!x)
            return MQ_WORK_ERROR;
        if (exit_at >= 0 && mq_block_restarts(c) == 0 && (uint64_t)exit_at >= first &&
            (uint64_t)exit_at < first + items)
            _exit(3);
        if (i == 0 && mq_param_i(c, P_EVERY) && add_tags(c, items) < 0)
            return MQ_WORK_ERROR;
        mq_in_timestamp(c, i, &ts);
        if (mode == 1) {
            float *o = mq_out_alloc_items(c, i, items);
            if (!o)
                return MQ_WORK_ERROR;
            memcpy(o, x, items * sizeof *x);
            if (mq_out_push_items(c, i, items, &ts) < 0)
                return MQ_WORK_ERROR;
        } else if (mq_out_forward_items(c, i, mode == 2 ? (i + 1) % n : i, items, &ts) < 0) {
            return MQ_WORK_ERROR;
        }
    }
    return MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = TAGPASS_NAME,
    .doc = "Test block: passes inputs to outputs for the stream tag tests.",
    .in = in, .n_in = 1, .in_count_param = "ports",
    .out = out, .n_out = 1, .out_count_param = "ports",
    .params = params, .n_params = MQ_COUNTOF(params),
    .work = work,
    .tag_policy = TAGPASS_POLICY,
};
MQ_BLOCK_EXPORT(decl)
