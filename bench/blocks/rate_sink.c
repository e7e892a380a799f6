/* rate_sink - bench/python_gil.py's sink: drops its input as null_sink does and
 * notes when its first and its last buffer arrived, so the benchmark times the
 * stream alone, not the graph's start-up (processes, interpreters, imports) or its
 * tear-down, which vary by a second on a loaded machine. At the end it writes one
 * line into `path`: buffers, items, the first buffer's items, and the first and
 * last arrival times (mq_block_now_ns, CLOCK_MONOTONIC, ns). */
#include <stdio.h>
#include <stdlib.h>

#include "block.h"

struct rs {
    uint64_t buffers, items, first_items;
    int64_t first_ns, last_ns;
};

enum { P_PATH };
static const mq_param_decl params[] = {
    [P_PATH] = {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "where the line goes", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    (void)c;
    return (*state = calloc(1, sizeof(struct rs))) ? 0 : -1;
}

static int work(mq_block_ctx *c, void *state)
{
    struct rs *s = state;
    size_t bytes;

    mq_in_data(c, 0, &bytes);
    s->last_ns = mq_block_now_ns();
    if (s->buffers++ == 0) {
        s->first_ns = s->last_ns;
        s->first_items = bytes / sizeof(float);
    }
    s->items += bytes / sizeof(float);
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct rs *s = state;
    FILE *f = s ? fopen(mq_param_s(c, P_PATH), "w") : NULL;

    if (f)
        fprintf(f, "%llu %llu %llu %lld %lld\n", (unsigned long long)s->buffers,
                (unsigned long long)s->items, (unsigned long long)s->first_items,
                (long long)s->first_ns, (long long)s->last_ns);
    if (s && (!f || fclose(f) != 0))
        mq_block_error(c, "cannot write %s", mq_param_s(c, P_PATH));
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "rate_sink",
    .doc = "Drops its input; writes when the first and last buffers came (bench/python_gil.py).",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
