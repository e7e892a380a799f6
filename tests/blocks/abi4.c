/* abi4 - a block as a module built for block ABI 4 declares itself: the ABI 4
 * declaration, which ends at tag_policy (no before_fork), written out here.
 * mqgraph must still load and run it, and not read past its end. For the tests
 * only. */
#include <stdint.h>

#include "block.h"

struct decl_v4 {
    uint32_t abi;
    const char *name, *doc;
    const mq_port_decl *in;
    int n_in;
    const char *in_count_param;
    const mq_port_decl *out;
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
    uint32_t tag_policy;
};

static const mq_param_decl params[] = {
    {"k", MQ_PARAM_FLOAT, "3", -100, 100, NULL, "the factor", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, NULL, NULL}};

static int work(mq_block_ctx *c, void *state)
{
    size_t n;
    float *p = mq_in_writable_items(c, 0, &n);
    float k = (float)mq_param_f(c, 0);

    if (!p)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < n; i++)
        p[i] *= k;
    return mq_out_forward_items(c, 0, 0, n, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

/* In an array of two, so that what follows the declaration is another one's
 * fields, not zeros: an mqgraph that read before_fork from an ABI 4 module would
 * find the second's abi and name there and call them. */
static const struct decl_v4 decl[2] = {
    {.abi = 4, .name = "abi4", .doc = "Multiplies by k, declared as block ABI 4 did.",
     .in = in, .n_in = 1, .out = out, .n_out = 1, .params = params, .n_params = 1,
     .work = work},
    {.abi = 4, .name = "abi4-unused"},
};

const void *mq_block_entry(void);
const void *mq_block_entry(void)
{
    return &decl[0];
}
