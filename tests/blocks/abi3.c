/* abi3 - a block as a module built for block ABI 3 declares itself: ports without
 * a vlen (the ABI 3 port layout written out here), a live parameter read by index,
 * its type from a parameter. mqgraph must still load and run it. For the tests
 * only. */
#include <stdint.h>

#include "block.h"

struct port_v3 {
    const char *name;
    mq_item_type type;
    const char *type_param;
};

struct decl_v3 {
    uint32_t abi;
    const char *name, *doc;
    const struct port_v3 *in;
    int n_in;
    const char *in_count_param;
    const struct port_v3 *out;
    int n_out;
    const char *out_count_param;
    const mq_param_decl *params;
    int n_params;
    uint32_t flags;
    int (*init)(mq_block_ctx *c, void **state);
    int (*work)(mq_block_ctx *c, void *state);
    void (*fini)(mq_block_ctx *c, void *state);
    int (*check)(mq_block_ctx *c);
    int (*param_changed)(mq_block_ctx *c, void *state, int param);
    int (*message)(mq_block_ctx *c, void *state, int port, const mq_pmt *msg);
};

enum { P_K, P_TYPE };
static const mq_param_decl params[] = {
    [P_K] = {"k", MQ_PARAM_FLOAT, "3", -100, 100, NULL, "the factor", MQ_PARAM_LIVE},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|f64", "item type", 0},
};
static const struct port_v3 in[] = {{"in", MQ_ITEM_F32, "type"}};
static const struct port_v3 out[] = {{"out", MQ_ITEM_F32, "type"}};

static int work(mq_block_ctx *c, void *state)
{
    size_t bytes;
    void *p = mq_in_writable(c, 0, &bytes);
    double k = mq_param_f(c, P_K);

    if (!p)
        return MQ_WORK_ERROR;
    if (mq_block_in_type(c, 0) == MQ_ITEM_F64)
        for (size_t i = 0; i < bytes / 8; i++)
            ((double *)p)[i] *= k;
    else
        for (size_t i = 0; i < bytes / 4; i++)
            ((float *)p)[i] *= (float)k;
    return mq_out_forward(c, 0, 0, bytes, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const struct decl_v3 decl = {
    .abi = 3, .name = "abi3", .doc = "Multiplies by k, declared as block ABI 3 did.",
    .in = in, .n_in = 1, .out = out, .n_out = 1, .params = params, .n_params = 2,
    .work = work,
};

const void *mq_block_entry(void);
const void *mq_block_entry(void)
{
    return &decl;
}
