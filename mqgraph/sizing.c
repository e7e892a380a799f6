/* sizing.c - buffer sizes and the arena's pools, chosen from the graph (sizing.h
 * has the rules; doc/architecture.md, "Buffer sizes", why). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "sizing.h"

#define SMALL_BUF 4096 /* the smallest class: messages, tag lists */
#define MIN_CLASS_LOG 12
#define MAX_CLASS_LOG 30 /* MQ_MAX_BUF_SIZE */
/* Per connection, besides its depth: the consumer's current buffer and its
 * writable copy, the producer's buffer being filled and its forwarded copy. */
#define HELD_PER_CONN 4

_Static_assert(MQ_MAX_BUF_SIZE == 1ULL << MAX_CLASS_LOG, "classes up to MQ_MAX_BUF_SIZE");

/* The index of b's sized parameter, or -1. */
static int sized_param(const mqg_block *b)
{
    for (int k = 0; b->decl && k < b->decl->n_params; k++)
        if (b->decl->params[k].flags & MQ_PARAM_SIZED)
            return k;
    return -1;
}

/* The index in b->kv of parameter `name`, or -1. */
static int given(const mqg_block *b, const char *name)
{
    size_t n = strlen(name);

    for (int k = 0; k < b->n_params; k++)
        if (!strncmp(b->kv[k], name, n) && b->kv[k][n] == '=')
            return k;
    return -1;
}

/* Parameter `name` of b as a number: given, else its default; 0 without either. */
static double param_num(const mqg_block *b, const char *name)
{
    int k = given(b, name);

    if (k >= 0)
        return strtod(strchr(b->kv[k], '=') + 1, NULL);
    for (int j = 0; b->decl && j < b->decl->n_params; j++)
        if (!strcmp(b->decl->params[j].name, name) && b->decl->params[j].def &&
            (b->decl->params[j].type == MQ_PARAM_INT || b->decl->params[j].type == MQ_PARAM_FLOAT))
            return strtod(b->decl->params[j].def, NULL);
    return 0;
}

void sizing_take_auto(mqg_block *b)
{
    int p = sized_param(b), k;

    if (p < 0 || (k = given(b, b->decl->params[p].name)) < 0 ||
        strcmp(strchr(b->kv[k], '=') + 1, "auto") || b->eval[k].kind != MQG_EVAL_NONE)
        return;
    free(b->kv[k]);
    b->n_params--;
    memmove(&b->kv[k], &b->kv[k + 1], sizeof *b->kv * (size_t)(b->n_params - k));
    memmove(&b->kv_mark[k], &b->kv_mark[k + 1], sizeof *b->kv_mark * (size_t)(b->n_params - k));
    memmove(&b->eval[k], &b->eval[k + 1], sizeof *b->eval * (size_t)(b->n_params - k));
}

/* Port p's item size in bytes, its vlen included. */
static size_t port_size(const mqg_block *b, int output, int p, mq_item_type *type)
{
    char name[MQ_PORT_NAME_MAX];
    mq_item_type t = MQ_ITEM_BYTES;
    int vlen;

    mq_block_port(b->decl, b->n_params, b->kv, output, p, name, sizeof name, &t);
    vlen = mq_block_port_vlen(b->decl, b->n_params, b->kv, output, p);
    if (type)
        *type = t;
    return mq_item_size(t) * (size_t)(vlen > 0 ? vlen : 1);
}

/* What covers one source: the smallest latency budget downstream of it (and
 * where it was said), and a throttle that paces it. */
struct cover {
    int64_t ms;
    mqg_mark at;
    int explicit_at; /* said on a block or connection, not arena-wide */
    char why[128];
    int throttle;    /* the block index, or -1 */
};

/* The graph's connections by producer (first_out per block, then next_out), and
 * the blocks one search has seen. */
struct walk {
    const mqg_graph *g;
    int *first_out, *next_out;
    char *seen;
};

static void cover_budget(struct cover *cv, int64_t ms, mqg_mark at, int explicit_at,
                         const char *why)
{
    if (!ms || (cv->ms && cv->ms <= ms))
        return;
    cv->ms = ms;
    cv->at = at;
    cv->explicit_at = explicit_at;
    snprintf(cv->why, sizeof cv->why, "%s", why);
}

/* Everything downstream of block `from`, itself included. */
static void cover_walk(struct walk *w, int from, struct cover *cv)
{
    const mqg_graph *g = w->g;
    const mqg_block *b = &g->blocks[from];
    char why[128];

    if (w->seen[from])
        return;
    w->seen[from] = 1;
    snprintf(why, sizeof why, "latency_ms of block '%.40s'", b->name);
    cover_budget(cv, b->latency_ms, b->latency_mark, 1, why);
    if (cv->throttle < 0 && !strcmp(b->type, "throttle"))
        cv->throttle = from;
    for (int k = w->first_out[from]; k >= 0; k = w->next_out[k]) {
        const mqg_conn *c = &g->conns[k];
        snprintf(why, sizeof why, "latency_ms of %.20s.%.12s -> %.20s.%.12s", c->src.block,
                 c->src.port, c->dst.block, c->dst.port);
        cover_budget(cv, c->latency_ms, c->latency_mark, 1, why);
        cover_walk(w, c->dst.b, cv);
    }
}

/* Chooses source i's items per buffer (its sized parameter is p). */
static int choose(mqg_graph *g, int i, int p, struct walk *w, char *err, size_t len)
{
    mqg_block *b = &g->blocks[i];
    mqg_sized *z = &b->sized;
    struct cover cv = {.throttle = -1};
    uint64_t cap = MQ_BUFFER_BYTES;
    char *text;

    memset(w->seen, 0, (size_t)g->n_blocks);
    cover_walk(w, i, &cv);
    cover_budget(&cv, g->latency_ms, g->latency_mark, 0, "arena latency_ms");
    if (!cv.ms && cv.throttle >= 0) {
        cv.ms = MQ_PACED_LATENCY_MS;
        snprintf(cv.why, sizeof cv.why, "paced by throttle '%.40s'", g->blocks[cv.throttle].name);
    }
    z->item_size = port_size(b, 1, 0, NULL);
    /* a throttle's rate is the one the items pass in real time at; a sample_rate
     * may be nominal (a recording's, played faster or slower) */
    z->rate = cv.throttle >= 0 ? param_num(&g->blocks[cv.throttle], "rate")
                               : param_num(b, "sample_rate");
    if (cv.ms && z->rate <= 0 && cv.explicit_at) {
        graph_error(g, cv.at, err, len, "latency_ms: source '%s' (%s) has no sample_rate to "
                    "size its buffers by (give it sample_rate, or items_per_buffer)", b->name,
                    b->type);
        return -1;
    }
    /* explicit pools: the buffers fit the largest */
    if (g->n_pools && g->pool_size[g->n_pools - 1] < cap)
        cap = g->pool_size[g->n_pools - 1];
    double items = (double)cap / (double)z->item_size;
    z->latency_ms = 0;
    if (cv.ms && z->rate > 0 && z->rate * (double)cv.ms / 1000 < items) {
        items = floor(z->rate * (double)cv.ms / 1000 + 1e-9);
        z->latency_ms = cv.ms;
        snprintf(z->why, sizeof z->why, "%s", cv.why);
    }
    const mq_param_decl *d = &b->decl->params[p];
    items = items < d->min ? d->min : items > d->max ? d->max : floor(items);
    z->items = (int64_t)items;
    if (graph_block_grow(b, b->n_params + 1) < 0 ||
        !(text = malloc(strlen(d->name) + 24)))
        return -1;
    sprintf(text, "%s=%lld", d->name, (long long)z->items);
    b->kv[b->n_params] = text;
    b->eval[b->n_params++] = (mqg_eval){.kind = MQG_EVAL_SIZED};
    return 0;
}

/* ---- the pools ---------------------------------------------------------------- */

struct estimate {
    const mqg_graph *g;
    uint64_t *bytes; /* per output port (block * MQ_MAX_PORTS + port), 0: not yet */
    char *busy;      /* per block: being estimated (a loop through messages) */
};

static int is_msg(const mqg_block *b, int output, int p)
{
    mq_item_type t;

    port_size(b, output, p, &t);
    return t == MQ_ITEM_MSG;
}

static uint64_t out_bytes(struct estimate *e, int bi, int p);

/* The bytes of the buffers output p of block bi makes: a source's from its items
 * per buffer; another block's from what comes in, the items of all its stream
 * inputs together (an interleave's output, a float_to_complex's) in the output's
 * type if that is wider (u8 to f32: 4x), times an `interpolation`, and at least one
 * item. A stream source without items_per_buffer, or one in a loop: 64 KiB. */
static uint64_t estimate_out(struct estimate *e, int bi, int p)
{
    const mqg_graph *g = e->g;
    const mqg_block *b = &g->blocks[bi];
    mq_item_type t;
    size_t isz = port_size(b, 1, p, &t);
    uint64_t in = 0;
    size_t narrowest = 0;

    if (t == MQ_ITEM_MSG)
        return SMALL_BUF;
    if (given(b, "items_per_buffer") >= 0)
        return (uint64_t)param_num(b, "items_per_buffer") * isz;
    for (int k = 0; k < g->n_conns; k++) {
        const mqg_conn *c = &g->conns[k];
        if (c->dst.b != bi || is_msg(b, 0, c->dst.p))
            continue;
        mq_item_type it;
        size_t base = mq_item_size((port_size(b, 0, c->dst.p, &it), it));
        in += out_bytes(e, c->src.b, c->src.p);
        narrowest = !narrowest || base < narrowest ? base : narrowest;
    }
    if (!narrowest)
        return MQ_BUFFER_BYTES;
    if (mq_item_size(t) > narrowest)
        in = in / narrowest * mq_item_size(t);
    double interp = param_num(b, "interpolation");
    if (interp > 1)
        in *= (uint64_t)interp;
    return in < isz ? isz : in > MQ_MAX_BUF_SIZE ? MQ_MAX_BUF_SIZE : in;
}

static uint64_t out_bytes(struct estimate *e, int bi, int p)
{
    uint64_t *v = &e->bytes[(size_t)bi * MQ_MAX_PORTS + (size_t)p];

    if (*v)
        return *v;
    if (e->busy[bi])
        return MQ_BUFFER_BYTES;
    e->busy[bi] = 1;
    *v = estimate_out(e, bi, p);
    e->busy[bi] = 0;
    return *v;
}

/* The class (log2 of its size) that holds buffers of `bytes`. */
static int class_of(uint64_t bytes)
{
    int c = MIN_CLASS_LOG;

    while (c < MAX_CLASS_LOG && (1ULL << c) < bytes)
        c++;
    return c;
}

/* counts[] per class into l's pools, at most MQ_MAX_POOLS of them: while there are
 * more, the smallest class goes into the next one up. */
static void fill_pools(uint64_t *counts, mq_layout *l)
{
    int used = 0;

    for (int c = MIN_CLASS_LOG; c <= MAX_CLASS_LOG; c++)
        used += counts[c] > 0;
    for (int c = MIN_CLASS_LOG; c < MAX_CLASS_LOG && used > MQ_MAX_POOLS; c++) {
        if (!counts[c])
            continue;
        int up = c + 1;
        while (!counts[up])
            up++;
        counts[up] += counts[c];
        counts[c] = 0;
        used--;
    }
    l->n_pools = 0;
    for (int c = MIN_CLASS_LOG; c <= MAX_CLASS_LOG; c++)
        if (counts[c])
            l->pools[l->n_pools++] = (mq_pool_class){
                1ULL << c, counts[c] > MQ_MAX_BUFS ? MQ_MAX_BUFS : (uint32_t)counts[c]};
}

/* Every connection's buffer bytes (the estimate above), and the depth of those
 * the file gives none. */
static int size_conns(mqg_graph *g)
{
    struct estimate e = {g, calloc((size_t)g->n_blocks * MQ_MAX_PORTS + 1, sizeof *e.bytes),
                         calloc((size_t)g->n_blocks + 1, 1)};
    int ok = e.bytes && e.busy;

    for (int k = 0; ok && k < g->n_conns; k++) {
        mqg_conn *c = &g->conns[k];
        c->buf_bytes = out_bytes(&e, c->src.b, c->src.p);
        if (c->depth || g->queue_depth)
            continue;
        uint64_t d = MQ_QUEUE_BYTES / (1ULL << class_of(c->buf_bytes));
        c->depth = d < MQ_MIN_DEPTH ? MQ_MIN_DEPTH : d > MQ_DEFAULT_DEPTH ? MQ_DEFAULT_DEPTH
                                                                          : (uint32_t)d;
        c->depth_sized = 1;
    }
    free(e.bytes);
    free(e.busy);
    return ok ? 0 : -1;
}

int sizing_choose(mqg_graph *g, char *err, size_t len)
{
    struct walk w = {g, malloc(sizeof *w.first_out * ((size_t)g->n_blocks + 1)),
                     malloc(sizeof *w.next_out * ((size_t)g->n_conns + 1)),
                     calloc((size_t)g->n_blocks + 1, 1)};
    int rc = 0;

    err[0] = 0;
    if (!w.first_out || !w.next_out || !w.seen)
        rc = -1;
    for (int i = 0; rc == 0 && i < g->n_blocks; i++)
        w.first_out[i] = -1;
    for (int k = g->n_conns - 1; rc == 0 && k >= 0; k--) { /* in the file's order */
        w.next_out[k] = w.first_out[g->conns[k].src.b];
        w.first_out[g->conns[k].src.b] = k;
    }
    for (int i = 0; i < g->n_blocks && rc == 0; i++) {
        mqg_block *b = &g->blocks[i];
        int p = sized_param(b);
        b->sized = (mqg_sized){0};
        if (p >= 0 && given(b, b->decl->params[p].name) < 0)
            rc = choose(g, i, p, &w, err, len);
    }
    free(w.first_out);
    free(w.next_out);
    free(w.seen);
    if (rc < 0 && !err[0])
        graph_error(g, (mqg_mark){1, 1, 0}, err, len, "out of memory");
    if (rc == 0 && (rc = size_conns(g)) < 0)
        graph_error(g, (mqg_mark){1, 1, 0}, err, len, "out of memory");
    return rc;
}

void sizing_pools(const mqg_graph *g, uint32_t queue_cap, int ctrl_conns, mq_layout *l)
{
    uint64_t counts[MAX_CLASS_LOG + 1] = {0}, stream = 0;

    for (int k = 0; k < g->n_conns; k++) {
        const mqg_conn *c = &g->conns[k];
        uint64_t depth = (c->depth ? c->depth : queue_cap) + HELD_PER_CONN;
        int cl = class_of(c->buf_bytes);
        if (!counts[cl])
            counts[cl] += MQ_TAP_DEPTH; /* a tap holds buffers of what it taps */
        counts[cl] += depth;
        stream += is_msg(&g->blocks[c->src.b], 1, c->src.p) ? 0 : depth;
    }
    /* a tag list per stream buffer at most; the supervisor's messages, which are
     * dropped rather than waited for, a queue's worth in all */
    counts[MIN_CLASS_LOG] += stream + (uint64_t)ctrl_conns * HELD_PER_CONN + queue_cap;
    counts[class_of(MQ_SPARE_BUF_SIZE)] += MQ_SPARE_BUFS;
    fill_pools(counts, l);
}

/* ---- saying it ---------------------------------------------------------------- */

void sizing_size_text(char *out, size_t len, uint64_t bytes)
{
    static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;

    while (v >= 1024 && u < 4)
        v /= 1024, u++;
    snprintf(out, len, u && v < 10 && v != (double)(int)v ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void sizing_arena_text(const mq_layout *l, char *out, size_t len)
{
    uint64_t total = 0;
    char sz[32];
    size_t n;

    mq_layout_size(l, &total);
    sizing_size_text(sz, sizeof sz, total);
    n = (size_t)snprintf(out, len, "%s (", sz);
    for (uint32_t i = 0; i < l->n_pools && n < len; i++) {
        sizing_size_text(sz, sizeof sz, l->pools[i].size);
        n += (size_t)snprintf(out + n, len - n, "%s%u x %s", i ? ", " : "", l->pools[i].count, sz);
    }
    if (n < len)
        snprintf(out + n, len - n, ")");
}

void sizing_print(FILE *f, const mqg_graph *g, const mq_layout *l, const char *indent)
{
    char text[512];

    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        const mqg_sized *z = &b->sized;
        if (!z->items)
            continue;
        sizing_size_text(text, sizeof text, (uint64_t)z->items * z->item_size);
        fprintf(f, "%s%s.items_per_buffer = %lld (%s", indent, b->name, (long long)z->items,
                text);
        if (z->latency_ms)
            fprintf(f, ": %g Hz x %lld ms, %s)\n", z->rate, (long long)z->latency_ms, z->why);
        else
            fprintf(f, " of %zu-byte items)\n", z->item_size);
    }
    sizing_arena_text(l, text, sizeof text);
    fprintf(f, "%sarena: %s\n", indent, text);
}
