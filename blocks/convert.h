/* convert.h - what the type converters share (complex_to_mag .. float_to_uchar).
 *
 * Each converter is a GNU Radio sync block with one input and one output: item k
 * out is made from item k in, and an item is a vector of `vlen` elements where
 * GNU Radio has a vlen. The work is the same for all of them - take the input's
 * items, convert their n * vlen elements into a new output buffer, send it with
 * the input's timestamp - and only the kernel differs: the VOLK kernel GNU Radio
 * calls, or its plain loop where it has none. So a converter's file holds its
 * parameters and a CONVERT_BLOCK naming its types and kernel.
 *
 * Static functions, so each module keeps its own copy. */
#ifndef MQ_BLOCKS_CONVERT_H
#define MQ_BLOCKS_CONVERT_H

#include <volk/volk.h>

#include "block.h"
#include "volk_setup.h"

/* The parameters every converter with a vlen has, at these indices. */
enum { CONVERT_P_VLEN, CONVERT_P_SCALE };
#define CONVERT_VLEN                                                                     \
    [CONVERT_P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL,                 \
                        "elements per item (GNU Radio's vlen)", 0}
/* GNU Radio's set_scale is a setter, so scale is live: the next buffer uses it. */
#define CONVERT_SCALE(doc)                                                               \
    [CONVERT_P_SCALE] = {"scale", MQ_PARAM_FLOAT, "1", -1e30, 1e30, NULL, doc, MQ_PARAM_LIVE}

/* What every converter's doc ends with. */
#define CONVERT_DOC_1TO1 "Each output buffer has its input buffer's timestamp (1:1).\n"
#define CONVERT_DOC_VLEN "vlen: items are vectors of that many elements, each converted.\n"
#define CONVERT_DOC_SCALE "scale is live: mqgraph set, or a cmd message {\"scale\": 2}.\n"

/* The scale as GNU Radio holds it: a float. */
static inline float convert_scale(mq_block_ctx *c)
{
    return (float)mq_param_f(c, CONVERT_P_SCALE);
}

/* A `check` for the converters that divide by scale: GNU Radio's give inf and NaN
 * for 0 (or for a scale too small to be a float, which becomes 0); mq refuses it
 * when the graph loads, and `mqgraph set` refuses it as a live value. */
static inline int convert_check_divisor(mq_block_ctx *c)
{
    if (convert_scale(c) != 0)
        return 0;
    mq_block_error(c, "parameter 'scale': the items are divided by it, so it must not be 0 "
                      "(or round to 0 as a float)");
    return -1;
}

/* Converts the n elements at `in` to `out`. */
typedef void convert_kernel(mq_block_ctx *c, void *out, const void *in, unsigned n);

static inline int convert_work(mq_block_ctx *c, convert_kernel *kernel)
{
    size_t n;
    const void *x = mq_in_items(c, 0, &n);
    mq_timestamp ts;
    void *o;

    if (!x)
        return MQ_WORK_ERROR;
    if (n == 0)
        return MQ_WORK_OK; /* an empty buffer goes, and nothing comes of it */
    if (!(o = mq_out_alloc_items(c, 0, n)))
        return MQ_WORK_ERROR;
    kernel(c, o, x, (unsigned)(n * mq_block_in_vlen(c, 0)));
    mq_in_timestamp(c, 0, &ts);
    return mq_out_push_items(c, 0, n, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

/* The block `block_name`: one input of in_type and one output of out_type items,
 * each a vector of as many elements as the INT parameter `vlen_param` says (NULL:
 * one), converted by `call`, a statement that converts the n elements at `in` to
 * `out` (with c, the block, for its parameters). The arguments after it are the
 * declaration's other fields (.doc, and .check where there is one), as designated
 * initializers. Expects the table `params`. */
#define CONVERT_BLOCK(block_name, in_type, out_type, vlen_param, call, ...)               \
    static const mq_port_decl in_port[] = {{"in", in_type, NULL, vlen_param}};           \
    static const mq_port_decl out_port[] = {{"out", out_type, NULL, vlen_param}};        \
    static void kernel(mq_block_ctx *c, void *out, const void *in, unsigned n) { call; } \
    static int work(mq_block_ctx *c, void *state) { return convert_work(c, kernel); }    \
    static const mq_block_decl decl = {                                                  \
        .abi = MQ_BLOCK_ABI, .name = block_name, __VA_ARGS__,                            \
        MQ_INPUTS(in_port), MQ_OUTPUTS(out_port),                                        \
        MQ_PARAMS(params), .work = work, .before_fork = volk_before_fork,                \
    };                                                                                   \
    MQ_BLOCK_EXPORT(decl)

#endif
