/* abi2 - a block as a module built for block ABI 2 declares itself: the ABI 2
 * layouts written out here (no parameter flags, no param_changed), parameters read
 * by name. mqgraph must still load and run it. For the tests only. */
#include <stdint.h>
#include <string.h>

#include "block.h"

struct param_v2 {
    const char *name;
    mq_param_type type;
    const char *def;
    double min, max;
    const char *choices;
    const char *doc;
};

struct port_v2 {
    const char *name;
    mq_item_type type;
    const char *type_param;
};

struct decl_v2 {
    uint32_t abi;
    const char *name, *doc;
    const struct port_v2 *in;
    int n_in;
    const char *in_count_param;
    const struct port_v2 *out;
    int n_out;
    const char *out_count_param;
    const struct param_v2 *params;
    int n_params;
    uint32_t flags;
    int (*init)(mq_block_ctx *c, void **state);
    int (*work)(mq_block_ctx *c, void *state);
    void (*fini)(mq_block_ctx *c, void *state);
    int (*check)(mq_block_ctx *c);
};

static const struct param_v2 params[] = {
    {"k", MQ_PARAM_FLOAT, "3", -100, 100, NULL, "the factor"},
    {"note", MQ_PARAM_STRING, "v2", 0, 0, NULL, "unused"},
};
static const struct port_v2 in[] = {{"in", MQ_ITEM_F32, NULL}};
static const struct port_v2 out[] = {{"out", MQ_ITEM_F32, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    size_t bytes;
    float *x = mq_in_writable(c, 0, &bytes);
    float k = (float)mq_param_float(c, "k");

    if (!x)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < bytes / 4; i++)
        x[i] *= k;
    return mq_out_forward(c, 0, 0, bytes, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const struct decl_v2 decl = {
    .abi = 2, .name = "abi2", .doc = "Multiplies by k, declared as block ABI 2 did.",
    .in = in, .n_in = 1, .out = out, .n_out = 1, .params = params, .n_params = 2,
    .work = work,
};

const void *mq_block_entry(void);
const void *mq_block_entry(void)
{
    return &decl;
}
