/* latency_sink - bench/latency.py's sink: for each buffer, now - its stamp (a
 * relative timestamp, as stamp_source makes), in ns, one line each into `path` at
 * the end. */
#include <stdio.h>
#include <stdlib.h>

#include "block.h"

struct ls {
    int64_t *ns;
    size_t n, cap;
};

enum { P_PATH };
static const mq_param_decl params[] = {
    [P_PATH] = {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "where the latencies go", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, NULL, NULL}};

static int init(mq_block_ctx *c, void **state)
{
    (void)c;
    return (*state = calloc(1, sizeof(struct ls))) ? 0 : -1;
}

static int work(mq_block_ctx *c, void *state)
{
    struct ls *s = state;
    mq_timestamp ts;
    int64_t now = mq_block_now_ns() - mq_block_graph_start_ns(c);

    if (mq_in_timestamp(c, 0, &ts) < 0 || ts.type != MQ_TS_RELATIVE)
        return MQ_WORK_OK;
    if (s->n == s->cap) {
        int64_t *m = realloc(s->ns, (s->cap = s->cap ? 2 * s->cap : 1024) * sizeof *m);
        if (!m) {
            mq_block_error(c, "out of memory");
            return MQ_WORK_ERROR;
        }
        s->ns = m;
    }
    s->ns[s->n++] = now - ts.value;
    return MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct ls *s = state;
    FILE *f = s ? fopen(mq_param_s(c, P_PATH), "w") : NULL;

    for (size_t i = 0; f && i < s->n; i++)
        fprintf(f, "%lld\n", (long long)s->ns[i]);
    if (f && fclose(f) != 0)
        mq_block_error(c, "cannot write %s", mq_param_s(c, P_PATH));
    if (s)
        free(s->ns);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "latency_sink",
    .doc = "Writes now - stamp of every buffer, in ns (bench/latency.py).",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
