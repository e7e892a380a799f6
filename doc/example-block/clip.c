/* clip - an example of a block built outside the mq tree: it limits f32 items to
 * [-limit, limit]. Build it against the installed libmq with the Makefile next to
 * it (only `pkg-config --cflags --libs libmq` is needed), then point mqgraph at it:
 *
 *     make
 *     MQ_BLOCK_PATH=$PWD mqgraph run clip.yaml
 */
#include <mq/block.h>

/* Parameters are read by index: the enum and the designated initializer keep the
 * two in step. limit is live: `mqgraph set GRAPH c.limit=0.5` changes it while the
 * graph runs, between two work calls. */
enum { P_LIMIT };
static const mq_param_decl params[] = {
    [P_LIMIT] = {"limit", MQ_PARAM_FLOAT, "1", 0, 1e30, NULL, "largest magnitude let through",
                 MQ_PARAM_LIVE},
};
static const mq_port_decl in[] = {{.name = "in", .type = MQ_ITEM_F32}};
static const mq_port_decl out[] = {{.name = "out", .type = MQ_ITEM_F32}};

static int work(mq_block_ctx *c, void *state)
{
    float limit = (float)mq_param_f(c, P_LIMIT);
    size_t bytes;
    mq_timestamp ts;
    float *x = mq_in_writable(c, 0, &bytes); /* in place if we hold the only reference */

    (void)state; /* this block keeps no state */
    if (!x)
        return MQ_WORK_ERROR;
    for (size_t i = 0; i < bytes / sizeof *x; i++)
        x[i] = x[i] > limit ? limit : x[i] < -limit ? -limit : x[i];
    mq_in_timestamp(c, 0, &ts);
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "clip",
    .doc = "Limits f32 items to [-limit, limit] (an out-of-tree example).",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .work = work,
};
MQ_BLOCK_EXPORT(decl)
