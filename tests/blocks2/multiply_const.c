/* multiply_const - a module of a built-in type in another directory, as a user's
 * override of it in MQ_BLOCK_PATH: y = k x + 1000, so a test sees which of the two
 * ran. Its constructor appends "multiply_const" to the file $MQ_TEST_LOADED, if
 * set, so a test also sees whether mqgraph loaded it. For the tests only. */
#include <stdio.h>
#include <stdlib.h>

#include "block.h"

__attribute__((constructor)) static void note_loaded(void)
{
    const char *path = getenv("MQ_TEST_LOADED");
    FILE *f = path ? fopen(path, "a") : NULL;

    if (f) {
        fputs("multiply_const\n", f);
        fclose(f);
    }
}

static const mq_param_decl params[] = {
    {"k", MQ_PARAM_FLOAT, "1", -100, 100, NULL, "the factor", 0},
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
        p[i] = k * p[i] + 1000;
    return mq_out_forward_items(c, 0, 0, n, NULL) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI, .name = "multiply_const",
    .doc = "Test block: k x + 1000, in place of the built-in multiply_const.",
    MQ_INPUTS(in), MQ_OUTPUTS(out), MQ_PARAMS(params), .work = work,
};
MQ_BLOCK_EXPORT(decl)
