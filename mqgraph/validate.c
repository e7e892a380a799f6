/* validate.c - semantic checks of a graph against the block declarations. */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "error.h"
#include "sizing.h"
#include "special.h"
#include "split.h"
#include "validate.h"

/* runtime.c keeps a message input's upstreams, and the supervisor's connection,
 * in a table of MQ_MAX_FANOUT + MQ_MAX_TAPS. */
static_assert(MQ_MAX_MSG_FANIN + 1 <= MQ_MAX_FANOUT + MQ_MAX_TAPS, "message input table");

/* Lists the block's ports of one direction into buf: "in0 (f32), in1 (f32)". */
static void port_list(const mqg_block *b, int output, char *buf, size_t len)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, output);
    char name[64];
    mq_item_type t;

    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        mq_block_port(b->decl, b->n_params, b->kv, output, i, name, sizeof name, &t);
        int v = mq_block_port_vlen(b->decl, b->n_params, b->kv, output, i);
        if (v > 1)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s (%s x %d)", i ? ", " : "",
                     name, mq_item_name(t), v);
        else
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s (%s)", i ? ", " : "", name,
                     mq_item_name(t));
    }
    if (n <= 0)
        snprintf(buf, len, "none");
}

/* Port by name or number; -1 if there is none. */
static int find_port(const mqg_block *b, const char *port, int output, mq_item_type *type)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, output);
    char name[64];
    int all_digits = *port != 0;

    for (const char *p = port; *p; p++)
        all_digits &= isdigit((unsigned char)*p) != 0;
    for (int i = 0; i < n; i++) {
        mq_block_port(b->decl, b->n_params, b->kv, output, i, name, sizeof name, type);
        if (!strcmp(name, port) || (all_digits && atoi(port) == i))
            return i;
    }
    return -1;
}

static int resolve_end(mqg_graph *g, mqg_end *e, int output, mq_item_type *t, char *err,
                       size_t len)
{
    char ports[512];

    if ((e->b = graph_find_block(g, e->block)) < 0) {
        graph_error(g, e->mark, err, len, "unknown block '%s'", e->block);
        return -1;
    }
    mqg_block *b = &g->blocks[e->b];
    if ((e->p = find_port(b, e->port, output, t)) < 0) {
        port_list(b, output, ports, sizeof ports);
        graph_error(g, e->mark, err, len, "block '%s' (%s) has no %s port '%s'; its %ss: %s",
                    b->name, b->type, output ? "output" : "input", e->port,
                    output ? "output" : "input", ports);
        return -1;
    }
    return 0;
}

/* The connections out of each block, as one table: those of block b are
 * edge[start[b] .. start[b + 1]), in the file's order. */
struct edges {
    int *start, *edge;
};

static int edges_make(const mqg_graph *g, struct edges *e)
{
    e->start = calloc((size_t)g->n_blocks + 1, sizeof *e->start);
    e->edge = calloc((size_t)g->n_conns + 1, sizeof *e->edge);
    int *fill = calloc((size_t)g->n_blocks + 1, sizeof *fill);

    if (!e->start || !e->edge || !fill) {
        free(fill);
        return -1;
    }
    for (int k = 0; k < g->n_conns; k++)
        e->start[g->conns[k].src.b + 1]++;
    for (int b = 0; b < g->n_blocks; b++)
        fill[b + 1] = e->start[b + 1] += e->start[b];
    for (int k = 0; k < g->n_conns; k++)
        e->edge[fill[g->conns[k].src.b]++] = k;
    free(fill);
    return 0;
}

/* A connection that closes a cycle, or -1: a depth-first search with a stack of
 * its own (a chain of 100,000 blocks would be as deep in recursion), each block
 * and connection visited once. */
static int find_cycle(const mqg_graph *g, const struct edges *e)
{
    size_t n = (size_t)g->n_blocks + 1;
    int *state = calloc(n, sizeof *state), *next = calloc(n, sizeof *next);
    int *stack = calloc(n, sizeof *stack), via = -1;

    for (int root = 0; state && next && stack && root < g->n_blocks && via < 0; root++) {
        int sp = 0;
        if (state[root])
            continue;
        stack[sp++] = root;
        state[root] = 1; /* on the stack */
        next[root] = e->start[root];
        while (sp > 0 && via < 0) {
            int b = stack[sp - 1];
            if (next[b] == e->start[b + 1]) {
                state[b] = 2; /* done */
                sp--;
                continue;
            }
            int k = e->edge[next[b]++], d = g->conns[k].dst.b;
            if (state[d] == 1)
                via = k;
            else if (state[d] == 0) {
                state[d] = 1;
                next[d] = e->start[d];
                stack[sp++] = d;
            }
        }
    }
    free(state);
    free(next);
    free(stack);
    return via;
}

/* A YAML list given for a parameter that takes one value: its text would be the
 * items joined by commas, never what was meant (message_strobe's msg: [1, 2]). */
static int list_for_one_value(const mqg_graph *g, const mqg_block *b, char *err, size_t len)
{
    for (int i = 0; i < b->n_params; i++) {
        const char *eq = strchr(b->kv[i], '=');
        for (int k = 0; b->kv_mark[i].list && eq && k < b->decl->n_params; k++) {
            const mq_param_decl *p = &b->decl->params[k];
            if (strlen(p->name) != (size_t)(eq - b->kv[i]) ||
                strncmp(p->name, b->kv[i], strlen(p->name)) || p->type == MQ_PARAM_FLOATS)
                continue;
            graph_error(g, b->kv_mark[i], err, len,
                        "block '%s': parameter '%s' takes one value, not a %s%s", b->name,
                        p->name, b->kv_mark[i].list == MQG_LIST_DESIGN ? "filter design" : "list",
                        p->type == MQ_PARAM_STRING && b->kv_mark[i].list != MQG_LIST_DESIGN
                            ? " (quote it to mean the text: '[1, 2]')" : "");
            return -1;
        }
    }
    return 0;
}

/* The declaration of the parameter "name=value" text kv is for, or NULL. */
static const mq_param_decl *param_of(const mq_block_decl *d, const char *kv)
{
    const char *eq = strchr(kv, '=');

    for (int k = 0; eq && k < d->n_params; k++)
        if (strlen(d->params[k].name) == (size_t)(eq - kv) &&
            !strncmp(d->params[k].name, kv, (size_t)(eq - kv)))
            return &d->params[k];
    return NULL;
}

static int is_number(mq_param_type t)
{
    return t == MQ_PARAM_INT || t == MQ_PARAM_FLOAT || t == MQ_PARAM_COMPLEX ||
           t == MQ_PARAM_FLOATS;
}

/* Parameter i's text becomes the value of its expression (graph.h, mqg_eval), as
 * its type wants it. */
static int give_value(const mqg_graph *g, mqg_block *b, int i, const mq_param_decl *p,
                      char *err, size_t len)
{
    mqg_eval *e = &b->eval[i];
    char text[96], why[512];
    size_t nl = strlen(p->name);

    if (e->kind == MQG_EVAL_FAILED) {
        graph_error(g, e->at, err, len, "block '%s': parameter '%s': %s", b->name, p->name,
                    e->why);
        return -1;
    }
    if (mqg_expr_text(e->v, p->type, e->src, text, sizeof text, why, sizeof why) < 0) {
        graph_error(g, b->kv_mark[i], err, len, "block '%s': parameter '%s': %s", b->name,
                    p->name, why);
        return -1;
    }
    char *kv = realloc(b->kv[i], nl + strlen(text) + 2);
    if (!kv) {
        graph_error(g, b->kv_mark[i], err, len, "out of memory");
        return -1;
    }
    sprintf(kv + nl, "=%s", text);
    b->kv[i] = kv;
    return 0;
}

/* The values of the parameters written as expressions. One that is not a number
 * (a STRING's "a-b", a parameter the block does not have, which
 * mq_params_check reports) keeps its text. */
static int give_values(const mqg_graph *g, mqg_block *b, char *err, size_t len)
{
    for (int i = 0; b->eval && i < b->n_params; i++) {
        mqg_eval *e = &b->eval[i];
        const mq_param_decl *p = param_of(b->decl, b->kv[i]);
        if (e->kind != MQG_EVAL_VALUE && e->kind != MQG_EVAL_FAILED)
            continue;
        if (p && is_number(p->type) && give_value(g, b, i, p, err, len) < 0)
            return -1;
        if (!p || !is_number(p->type))
            e->kind = MQG_EVAL_NONE;
    }
    return 0;
}

/* The index in b->kv of parameter `name`, or -1 if the block is not given it. */
static int kv_index(const mqg_block *b, const char *name)
{
    size_t n = strlen(name);

    for (int i = 0; i < b->n_params; i++)
        if (!strncmp(b->kv[i], name, n) && b->kv[i][n] == '=')
            return i;
    return -1;
}

/* The ENUM parameter whose value input port i of b has as its item type, or NULL
 * (a fixed type, a message port). */
static const char *in_type_param(const mqg_block *b, int i)
{
    const mq_block_decl *d = b->decl;
    char name[64];
    mq_item_type t;

    if (mq_block_port(d, b->n_params, b->kv, 0, i, name, sizeof name, &t) < 0 ||
        t == MQ_ITEM_MSG)
        return NULL;
    return (d->in_count_param ? &d->in[0] : &d->in[i])->type_param;
}

/* The INT parameter that gives input port i of b its vlen, or NULL. */
static const char *in_vlen_param(const mqg_block *b, int i)
{
    const mq_block_decl *d = b->decl;
    char name[64];
    mq_item_type t;

    if (mq_block_port(d, b->n_params, b->kv, 0, i, name, sizeof name, &t) < 0 ||
        t == MQ_ITEM_MSG)
        return NULL;
    return (d->in_count_param ? &d->in[0] : &d->in[i])->vlen_param;
}

/* Whether input port i of b takes its type or vlen from a parameter the file
 * does not give (so they may follow its upstream). */
static int in_open(const mqg_block *b, int i)
{
    const char *tp = in_type_param(b, i), *vp = in_vlen_param(b, i);
    return (tp && kv_index(b, tp) < 0) || (vp && kv_index(b, vp) < 0);
}

/* Whether an input of b takes its type from a parameter the file does not give. */
static int type_open(const mqg_block *b)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0);

    for (int i = 0; i < n; i++) {
        const char *tp = in_type_param(b, i);
        if (tp && kv_index(b, tp) < 0)
            return 1;
    }
    return 0;
}

/* mq_params_check's refusal `why` of b's parameter `bad` (-1: none), at the
 * parameter, with a hint for a name the block does not have. */
static int params_refused(const mqg_graph *g, const mqg_block *b, int bad, const char *why,
                          char *err, size_t len)
{
    char hint[600] = "";

    if (bad >= 0 && strstr(why, "has no parameter")) {
        char name[MQ_NAME_MAX * 2], names[512];
        const char *eq = strchr(b->kv[bad], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - b->kv[bad] : 60), b->kv[bad]);
        const char *near = catalog_param_suggest(b->decl, name);
        catalog_param_names(b->decl, 0, names, sizeof names);
        if (near)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
        else
            snprintf(hint, sizeof hint, " (its parameters: %s)", names);
    }
    graph_error(g, bad >= 0 ? b->kv_mark[bad] : b->mark, err, len, "block '%s': %s%s",
                b->name, why, hint);
    return -1;
}

/* b's parameters against its declaration, their expressions given values. */
static int check_params(mqg_graph *g, mqg_block *b, char *err, size_t len)
{
    char why[512];
    int bad;

    if (list_for_one_value(g, b, err, len) < 0 || give_values(g, b, err, len) < 0)
        return -1;
    sizing_take_auto(b);
    if (mq_params_check(b->decl, b->n_params, b->kv, &bad, why, sizeof why) == 0)
        return 0;
    if (bad < 0 && strncmp(why, "missing parameter", 17) && type_open(b)) {
        /* a combination refused (a complex k for the default f32) by a block whose
         * type may yet follow its upstream (c32): decided after the inference */
        b->check_after_types = 1;
        return 0;
    }
    return params_refused(g, b, bad, why, err, len);
}

/* What a specializer said against b, at the parameter it blames or at the block. */
static int special_refused(const mqg_graph *g, const mqg_block *b, int bad, const char *why,
                           char *err, size_t len)
{
    graph_error(g, bad >= 0 ? b->kv_mark[bad] : b->mark, err, len, "block '%s': %s", b->name,
                why);
    return -1;
}

/* A block whose module makes its declaration from the file (special.h): the
 * parameters it names, checked as any block's, then the ports it makes of their
 * values, each asked of the block's helper process. */
static int check_special(mqg_graph *g, mqg_block *b, const mqg_module *m, char *err,
                         size_t len)
{
    char why[MQ_BLOCK_ERROR_MAX];
    mqg_special s;
    mq_block_decl *d;
    int bad, rc = -1;

    if (special_start(m, &s, why, sizeof why) < 0)
        return special_refused(g, b, -1, why, err, len);
    if (special_ask(&s, MQ_SPECIALIZE_PARAMS, b->n_params, b->kv, &d, &bad, why,
                    sizeof why) < 0) {
        special_refused(g, b, bad, why, err, len);
    } else {
        b->decl = b->own_decl = d;
        if (check_params(g, b, err, len) < 0) {
            /* said */
        } else if (special_ask(&s, MQ_SPECIALIZE_PORTS, b->n_params, b->kv, &d, &bad, why,
                               sizeof why) < 0) {
            special_refused(g, b, bad, why, err, len);
        } else {
            free(b->own_decl);
            b->decl = b->own_decl = d;
            rc = 0;
        }
    }
    special_stop(&s);
    return rc;
}

/* The block's module, declaration, parameters and port counts. */
static int check_block(mqg_graph *g, mqg_block *b, mqg_catalog *cat, char *err,
                       size_t len)
{
    const mqg_module *m = catalog_find(cat, b->type);

    if (!m) {
        const char *near = catalog_suggest(cat, b->type), *broken;
        if ((broken = catalog_broken(cat, b->type)))
            graph_error(g, b->type_mark, err, len, "block type '%s' could not be loaded: %s",
                        b->type, broken);
        else if (near)
            graph_error(g, b->type_mark, err, len,
                        "unknown block type '%s' (did you mean '%s'?)", b->type, near);
        else
            graph_error(g, b->type_mark, err, len,
                        "unknown block type '%s' (mqgraph blocks lists them)", b->type);
        return -1;
    }
    if (m->specialize) {
        if (check_special(g, b, m, err, len) < 0)
            return -1;
    } else {
        b->decl = m->decl;
        if (check_params(g, b, err, len) < 0)
            return -1;
    }
    if (mq_block_port_count(b->decl, b->n_params, b->kv, 0) < 0 ||
        mq_block_port_count(b->decl, b->n_params, b->kv, 1) < 0) {
        graph_error(g, b->mark, err, len, "block '%s': port count out of range (0..%d)",
                    b->name, MQ_MAX_PORTS);
        return -1;
    }
    return 0;
}

/* Per port of every block (block * MQ_MAX_PORTS + port): the connections from each
 * output, and the first connection into each input. */
struct ports {
    int *fan_out;
    int *fan_in;   /* message inputs */
    int *upstream; /* -1: none yet */
};

static int ports_make(const mqg_graph *g, struct ports *p)
{
    size_t n = ((size_t)g->n_blocks + 1) * MQ_MAX_PORTS;

    p->fan_out = calloc(n, sizeof *p->fan_out);
    p->fan_in = calloc(n, sizeof *p->fan_in);
    p->upstream = malloc(n * sizeof *p->upstream);
    if (!p->fan_out || !p->fan_in || !p->upstream)
        return -1;
    for (size_t i = 0; i < n; i++)
        p->upstream[i] = -1;
    return 0;
}

static size_t port_at(const mqg_end *e)
{
    return (size_t)e->b * MQ_MAX_PORTS + (size_t)e->p;
}

/* ---- item types along connections ------------------------------------------------ */



static const mq_param_decl *param_named(const mq_block_decl *d, const char *name)
{
    for (int k = 0; k < d->n_params; k++)
        if (!strcmp(d->params[k].name, name))
            return &d->params[k];
    return NULL;
}

/* Whether `v` is one of ENUM choices "a|b|c". */
static int among(const char *choices, const char *v)
{
    size_t n = strlen(v);

    for (const char *p = choices; p;) {
        const char *bar = strchr(p, '|');
        if ((size_t)(bar ? bar - p : (long)strlen(p)) == n && !strncmp(p, v, n))
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static mq_item_type port_type(const mqg_graph *g, const mqg_end *e, int output)
{
    const mqg_block *b = &g->blocks[e->b];
    char name[64];
    mq_item_type t = MQ_ITEM_BYTES;

    mq_block_port(b->decl, b->n_params, b->kv, output, e->p, name, sizeof name, &t);
    return t;
}

/* Gives b parameter `name` = `value`, as inferred through connection k. */
static int add_inferred(mqg_block *b, const char *name, const char *value, int k)
{
    int n = b->n_params;
    char *text = graph_block_grow(b, n + 1) == 0
                     ? malloc(strlen(name) + strlen(value) + 2) : NULL;

    if (!text)
        return -1;
    sprintf(text, "%s=%s", name, value);
    b->kv[n] = text;
    b->eval[n] = (mqg_eval){.kind = MQG_EVAL_INFERRED, .from = k};
    b->n_params = n + 1;
    return 0;
}

/* Block bi's type parameters that the file leaves out take the item type of the
 * upstream of the first input that follows them, if it is among their choices
 * (else the default stands, and check_types says why the types differ). Its
 * upstreams have had theirs already. A `bytes` output connects to any type and
 * decides none: a file_source of bytes into a head reads f32 items, as before
 * types were inferred. */
static int follow_upstream(mqg_graph *g, int bi, const int *first_in, char *err, size_t len)
{
    mqg_block *b = &g->blocks[bi];
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0), inferred = 0, bad;
    char why[512];

    for (int i = 0; i < n; i++) {
        int k = first_in[(size_t)bi * MQ_MAX_PORTS + (size_t)i];
        if (k < 0)
            continue;
        const char *tp = in_type_param(b, i), *vp = in_vlen_param(b, i);
        const mqg_end *src = &g->conns[k].src;
        const mq_param_decl *p = tp && kv_index(b, tp) < 0 ? param_named(b->decl, tp) : NULL;
        mq_item_type t = port_type(g, src, 1);
        if (p && p->type == MQ_PARAM_ENUM && t != MQ_ITEM_MSG && t != MQ_ITEM_BYTES &&
            among(p->choices, mq_item_name(t))) {
            if (add_inferred(b, tp, mq_item_name(t), k) < 0)
                goto oom;
            inferred = k + 1;
        }
        /* a vector's length follows the stream as its type does (an fft's 1024) */
        const mq_block_decl *sd = g->blocks[src->b].decl;
        const mqg_block *sb = &g->blocks[src->b];
        int v = mq_block_port_vlen(sd, sb->n_params, sb->kv, 1, src->p);
        p = vp && kv_index(b, vp) < 0 ? param_named(b->decl, vp) : NULL;
        int fits = p && (!(p->min < p->max) || (v >= p->min && v <= p->max));
        if (fits && v > 1 && t != MQ_ITEM_BYTES) {
            char text[24];
            snprintf(text, sizeof text, "%d", v);
            if (add_inferred(b, vp, text, k) < 0)
                goto oom;
            inferred = k + 1;
        }
    }
    /* The block's own check sees the type it will run with. */
    if (inferred && mq_params_check(b->decl, b->n_params, b->kv, &bad, why, sizeof why) < 0) {
        const mqg_end *from = &g->conns[inferred - 1].src;
        if (b->check_after_types) /* refused with the default type already */
            graph_error(g, b->mark, err, len, "block '%s': %s", b->name, why);
        else
            graph_error(g, b->mark, err, len, "block '%s': %s (with the item type of %s.%s)",
                        b->name, why, from->block, from->port);
        return -1;
    }
    return 0;
oom:
    graph_error(g, b->mark, err, len, "out of memory");
    return -1;
}

/* An upstream of block bi not yet visited whose output type bi may follow, or -1. */
static int upstream_to_visit(const mqg_graph *g, int bi, const int *first_in,
                             const unsigned char *state)
{
    const mqg_block *b = &g->blocks[bi];
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0);

    for (int i = 0; i < n; i++) {
        int k = first_in[(size_t)bi * MQ_MAX_PORTS + (size_t)i];
        if (k >= 0 && in_open(b, i) && !state[g->conns[k].src.b])
            return g->conns[k].src.b;
    }
    return -1;
}

/* Item types inferred along the connections, upstream first whatever the order of
 * the file: a depth-first walk with a stack of its own, each block visited once
 * and finished after its upstreams (in a cycle, which check_cycles refuses later,
 * one of them goes first with the types it has). */
static int infer_types(mqg_graph *g, char *err, size_t len)
{
    size_t n = (size_t)g->n_blocks + 1;
    int *first_in = malloc(n * MQ_MAX_PORTS * sizeof *first_in), *stack = malloc(n * sizeof *stack);
    unsigned char *state = calloc(n, 1); /* 0 new, 1 on the stack, 2 done */
    int rc = first_in && stack && state ? 0 : -1;

    if (rc < 0)
        graph_error(g, (mqg_mark){1, 1, 0}, err, len, "out of memory");
    for (size_t i = 0; rc == 0 && i < n * MQ_MAX_PORTS; i++)
        first_in[i] = -1;
    for (int k = g->n_conns - 1; rc == 0 && k >= 0; k--)
        first_in[port_at(&g->conns[k].dst)] = k;
    for (int root = 0; rc == 0 && root < g->n_blocks; root++) {
        int sp = 0;
        if (state[root])
            continue;
        state[root] = 1;
        stack[sp++] = root;
        while (sp > 0 && rc == 0) {
            int b = stack[sp - 1], up = upstream_to_visit(g, b, first_in, state);
            if (up >= 0) {
                state[up] = 1;
                stack[sp++] = up;
                continue;
            }
            rc = follow_upstream(g, b, first_in, err, len);
            state[b] = 2;
            sp--;
        }
    }
    free(first_in);
    free(stack);
    free(state);
    return rc;
}

/* What would make the item types of connection c agree, for the message: "" or
 * " (...)". */
static void type_hint(const mqg_graph *g, const mqg_conn *c, mq_item_type ts, char *buf,
                      size_t len)
{
    const mqg_block *db = &g->blocks[c->dst.b];
    const char *tp = in_type_param(db, c->dst.p);
    const mq_param_decl *p = tp ? param_named(db->decl, tp) : NULL;
    int i = tp ? kv_index(db, tp) : -1;

    buf[0] = 0;
    if (!p || p->type != MQ_PARAM_ENUM)
        return;
    if (!among(p->choices, mq_item_name(ts))) {
        snprintf(buf, len, " (%s's %s can be %s, not %s)", db->name, tp, p->choices,
                 mq_item_name(ts));
    } else if (i >= 0 && db->eval[i].kind == MQG_EVAL_INFERRED) {
        const mqg_end *from = &g->conns[db->eval[i].from].src;
        snprintf(buf, len, " (%s's %s follows %s.%s)", db->name, tp, from->block, from->port);
    } else if (i >= 0) {
        snprintf(buf, len, " (%s's %s is given as %s: leave it out to follow %s.%s)",
                 db->name, tp, strchr(db->kv[i], '=') + 1, c->src.block, c->src.port);
    }
}

/* The ends' kinds and item types agree, and neither is the events block's own. */
static int check_types(const mqg_graph *g, const mqg_conn *c, mq_item_type ts,
                       mq_item_type td, char *err, size_t len)
{
    const mqg_block *sb = &g->blocks[c->src.b], *db = &g->blocks[c->dst.b];
    int msg = td == MQ_ITEM_MSG;

    if ((db->decl->flags & MQ_BLOCK_EVENTS) && c->dst.p == 0) {
        graph_error(g, c->dst.mark, err, len,
                    "input %s.%s is the supervisor's (the graph's events): connect "
                    "nothing to it", db->name, c->dst.port);
        return -1;
    }
    if ((ts == MQ_ITEM_MSG) != msg) {
        graph_error(g, c->dst.mark, err, len, "%s.%s is a %s port but %s.%s is a %s port",
                    sb->name, c->src.port, ts == MQ_ITEM_MSG ? "message" : "stream",
                    db->name, c->dst.port, msg ? "message" : "stream");
        return -1;
    }
    if (ts != td && ts != MQ_ITEM_BYTES && td != MQ_ITEM_BYTES) {
        char hint[256];
        type_hint(g, c, ts, hint, sizeof hint);
        graph_error(g, c->dst.mark, err, len,
                    "item types differ: %s.%s is %s but %s.%s is %s%s", sb->name, c->src.port,
                    mq_item_name(ts), db->name, c->dst.port, mq_item_name(td), hint);
        return -1;
    }
    int vs = mq_block_port_vlen(sb->decl, sb->n_params, sb->kv, 1, c->src.p);
    int vd = mq_block_port_vlen(db->decl, db->n_params, db->kv, 0, c->dst.p);
    if (ts == MQ_ITEM_BYTES && td != MQ_ITEM_BYTES && vd > 1) {
        /* bytes come in buffers of any length; a vector port reads whole vectors
         * (into a bytes port, vectors are bytes like any other items) */
        graph_error(g, c->dst.mark, err, len,
                    "%s.%s carries bytes but %s.%s takes vectors of %d: bytes do not keep to "
                    "whole vectors (a stream_to_vector makes them)",
                    sb->name, c->src.port, db->name, c->dst.port, vd);
        return -1;
    }
    if (vs != vd && ts != MQ_ITEM_BYTES && td != MQ_ITEM_BYTES) {
        graph_error(g, c->dst.mark, err, len,
                    "vector lengths differ: %s.%s has vlen %d but %s.%s has vlen %d",
                    sb->name, c->src.port, vs, db->name, c->dst.port, vd);
        return -1;
    }
    return 0;
}

/* Connection k's fan-out, its input's upstreams, and its depth. */
static int check_counts(const mqg_graph *g, int k, int msg, struct ports *p, char *err,
                        size_t len)
{
    const mqg_conn *c = &g->conns[k];
    int *up = &p->upstream[port_at(&c->dst)];
    uint32_t cap = graph_queue_cap(g);

    if (++p->fan_out[port_at(&c->src)] > MQ_MAX_FANOUT) {
        graph_error(g, c->src.mark, err, len, "output %s.%s has more than %d connections",
                    g->blocks[c->src.b].name, c->src.port, MQ_MAX_FANOUT);
        return -1;
    }
    /* A message input takes messages from several outputs, each its own queue. */
    if (*up >= 0 && !msg) {
        const mqg_conn *first = &g->conns[*up];
        graph_error(g, c->dst.mark, err, len,
                    "input %s.%s already has an upstream (%s.%s, line %d)",
                    g->blocks[c->dst.b].name, c->dst.port, first->src.block, first->src.port,
                    first->src.mark.line);
        return -1;
    }
    if (msg && ++p->fan_in[port_at(&c->dst)] > MQ_MAX_MSG_FANIN) {
        graph_error(g, c->dst.mark, err, len, "message input %s.%s has more than %d upstreams",
                    g->blocks[c->dst.b].name, c->dst.port, MQ_MAX_MSG_FANIN);
        return -1;
    }
    if (*up < 0)
        *up = k;
    if (c->depth > cap) {
        graph_error(g, c->src.mark, err, len, "depth %u exceeds the arena's queue_depth %u",
                    c->depth, cap);
        return -1;
    }
    return 0;
}

static int resolve_conn(mqg_graph *g, int k, char *err, size_t len)
{
    mqg_conn *c = &g->conns[k];
    mq_item_type t;

    return resolve_end(g, &c->src, 1, &t, err, len) < 0 ||
                   resolve_end(g, &c->dst, 0, &t, err, len) < 0
               ? -1
               : 0;
}

/* A resolved connection, its item types as inferred. */
static int check_conn(mqg_graph *g, int k, struct ports *p, char *err, size_t len)
{
    const mqg_conn *c = &g->conns[k];
    mq_item_type ts = port_type(g, &c->src, 1), td = port_type(g, &c->dst, 0);

    if (check_types(g, c, ts, td, err, len) < 0)
        return -1;
    return check_counts(g, k, td == MQ_ITEM_MSG, p, err, len);
}

/* Every stream input has its upstream (a message input may wait for `mqgraph send`). */
static int check_inputs(const mqg_graph *g, const struct ports *p, char *err, size_t len)
{
    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0);
        for (int k = 0; k < n; k++) {
            char name[64];
            mq_item_type t;
            mq_block_port(b->decl, b->n_params, b->kv, 0, k, name, sizeof name, &t);
            if (t == MQ_ITEM_MSG || p->upstream[(size_t)i * MQ_MAX_PORTS + (size_t)k] >= 0)
                continue;
            graph_error(g, b->mark, err, len, "input '%s' of block '%s' is not connected",
                        name, b->name);
            return -1;
        }
    }
    return 0;
}

/* Every stream output goes somewhere, as GNU Radio requires: an output nothing
 * reads is a mistake more often than a wish (null_sink says "discard"). Message
 * outputs may stay unconnected, as in GNU Radio. */
static int check_outputs(const mqg_graph *g, const struct ports *p, char *err, size_t len)
{
    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        int n = mq_block_port_count(b->decl, b->n_params, b->kv, 1);
        for (int k = 0; k < n; k++) {
            char name[64];
            mq_item_type t;
            mq_block_port(b->decl, b->n_params, b->kv, 1, k, name, sizeof name, &t);
            if (t == MQ_ITEM_MSG || p->fan_out[(size_t)i * MQ_MAX_PORTS + (size_t)k] > 0)
                continue;
            graph_error(g, b->mark, err, len,
                        "output '%s' of block '%s' is not connected (a null_sink discards "
                        "what nobody reads)", name, b->name);
            return -1;
        }
    }
    return 0;
}

static int check_cycles(const mqg_graph *g, char *err, size_t len)
{
    struct edges e;
    int via = edges_make(g, &e) < 0 ? -2 : find_cycle(g, &e);

    free(e.start);
    free(e.edge);
    if (via == -2) {
        graph_error(g, (mqg_mark){1, 1, 0}, err, len, "out of memory");
        return -1;
    }
    if (via >= 0) {
        graph_error(g, g->conns[via].src.mark, err, len,
                    "the connections form a cycle (through %s.%s -> %s.%s)",
                    g->conns[via].src.block, g->conns[via].src.port, g->conns[via].dst.block,
                    g->conns[via].dst.port);
        return -1;
    }
    return 0;
}

/* A block's message inputs: each gets a control connection from the supervisor. */
static int msg_inputs(const mqg_block *b)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0), k = 0;
    char name[64];
    mq_item_type t;

    for (int p = 0; p < n; p++)
        k += mq_block_port(b->decl, b->n_params, b->kv, 0, p, name, sizeof name, &t) == 0 &&
             t == MQ_ITEM_MSG;
    return k;
}

static int control_conns(const mqg_graph *g)
{
    int n = 0;

    for (int i = 0; i < g->n_blocks; i++)
        n += msg_inputs(&g->blocks[i]);
    return n;
}

void graph_layout(const mqg_graph *g, mq_layout *l)
{
    mq_layout_default(l);
    if (g->n_pools) {
        l->n_pools = g->n_pools;
        for (uint32_t i = 0; i < g->n_pools; i++)
            l->pools[i] = (mq_pool_class){g->pool_size[i], g->pool_count[i]};
    } else {
        sizing_pools(g, graph_queue_cap(g), control_conns(g), l);
    }
    l->n_slots = (uint32_t)g->n_blocks + 1 + MQ_MAX_TAPS;
    l->n_blocks = l->n_slots;
    l->n_conns = (uint32_t)(g->n_conns + control_conns(g)) + MQ_MAX_TAPS;
    l->queue_cap = graph_queue_cap(g);
}

/* The graph's connections and mqgraph's own within the arena's table. */
static int check_conn_count(const mqg_graph *g, char *err, size_t len)
{
    int ctrl = control_conns(g), room = MQ_MAX_CONNS - MQ_MAX_TAPS - ctrl;

    if (g->n_conns <= room)
        return 0;
    graph_error(g, room >= 0 ? g->conns[room].src.mark : g->blocks[0].mark, err, len,
                "connection %d is one too many: an arena holds %d connections, and mqgraph "
                "needs %d of them (%d into the message inputs, %d for taps)", room + 1,
                MQ_MAX_CONNS, ctrl + MQ_MAX_TAPS, ctrl, MQ_MAX_TAPS);
    return -1;
}

/* The pool that takes the most memory; where a layout too large is reported. */
static uint32_t largest_pool(const mqg_graph *g)
{
    uint32_t big = 0;

    for (uint32_t i = 1; i < g->n_pools; i++)
        if (g->pool_size[i] * g->pool_count[i] > g->pool_size[big] * g->pool_count[big])
            big = i;
    return big;
}

/* The whole layout through mq_layout_size, so nothing mq_arena_create refuses
 * passes here. */
static int check_arena_size(const mqg_graph *g, char *err, size_t len)
{
    uint64_t bytes = 0;
    mq_layout l;
    int rc;

    graph_layout(g, &l);
    if ((rc = mq_layout_size(&l, &bytes)) == 0)
        return 0;
    uint32_t p = largest_pool(g);
    mqg_mark at = g->n_pools ? g->pool_mark[p] : (mqg_mark){1, 1, 0};
    if (rc == MQ_EINVAL && bytes > MQ_MAX_ARENA_BYTES)
        graph_error(g, at, err, len,
                    "the arena would take %llu bytes, this pool %llu of them; an arena is at "
                    "most %llu (%llu TiB)", (unsigned long long)bytes,
                    g->n_pools ? (unsigned long long)(g->pool_size[p] * g->pool_count[p]) : 0ULL,
                    (unsigned long long)MQ_MAX_ARENA_BYTES,
                    (unsigned long long)(MQ_MAX_ARENA_BYTES >> 40));
    else
        graph_error(g, at, err, len, "the arena's layout is refused: %s", mq_strerror(rc));
    return -1;
}

/* Each check visits every block and connection a bounded number of times: names
 * through the graph's index, ports through per-port tables, cycles by one search. */
/* Blocks that share a process (`process:`) live and die together: one host, one
 * restart policy (the process restarts as a whole), and no Python block among
 * them (each has an interpreter of its own, whose GIL it would share). */
static int check_processes(const mqg_graph *g, char *err, size_t len)
{
    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i], *l = &g->blocks[b->leader];
        int alone = 1;
        for (int j = 0; j < g->n_blocks && alone; j++)
            alone = j == i || g->blocks[j].leader != b->leader;
        if (!b->process || alone)
            continue;
        if (!strcmp(b->type, "python")) {
            graph_error(g, b->process_mark, err, len,
                        "block '%s': a Python block runs in a process of its own (its "
                        "interpreter's GIL would hold up process '%s'); leave out its "
                        "process:", b->name, b->process);
            return -1;
        }
        if (b->restart == MQG_RESTART_ALWAYS) {
            graph_error(g, b->process_mark, err, len,
                        "block '%s': restart: always starts a block again when it finishes, "
                        "but a process of several blocks runs on when one of them finishes; "
                        "leave out its process: or give it restart: on-failure", b->name);
            return -1;
        }
        if (b == l)
            continue;
        if (b->host != l->host) {
            graph_error(g, b->process_mark, err, len,
                        "block '%s' is on another host than '%s', the first block of process "
                        "'%s': a process runs on one machine", b->name, l->name, b->process);
            return -1;
        }
        if (!graph_same_restart(b, l)) {
            graph_error(g, b->process_mark, err, len,
                        "block '%s' has another restart policy than '%s', the first block of "
                        "process '%s': a process restarts as a whole, so give its blocks the "
                        "same restart:", b->name, l->name, b->process);
            return -1;
        }
    }
    return 0;
}

int graph_validate(mqg_graph *g, mqg_catalog *cat, char *err, size_t len)
{
    struct ports p;
    int rc = 0;

    if (check_processes(g, err, len) < 0) /* before a Python block starts its interpreter */
        return -1;
    for (int i = 0; i < g->n_blocks; i++)
        if (check_block(g, &g->blocks[i], cat, err, len) < 0)
            return -1;
    if (check_conn_count(g, err, len) < 0)
        return -1;
    if (ports_make(g, &p) < 0) {
        graph_error(g, (mqg_mark){1, 1, 0}, err, len, "out of memory");
        rc = -1;
    }
    for (int k = 0; rc == 0 && k < g->n_conns; k++)
        rc = resolve_conn(g, k, err, len);
    if (rc == 0)
        rc = infer_types(g, err, len);
    for (int i = 0; rc == 0 && i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        char why[512];
        int bad;
        if (b->check_after_types &&
            mq_params_check(b->decl, b->n_params, b->kv, &bad, why, sizeof why) < 0) {
            graph_error(g, b->mark, err, len, "block '%s': %s", b->name, why);
            rc = -1;
        }
    }
    for (int k = 0; rc == 0 && k < g->n_conns; k++)
        rc = check_conn(g, k, &p, err, len);
    if (rc == 0)
        rc = check_inputs(g, &p, err, len);
    if (rc == 0)
        rc = check_outputs(g, &p, err, len);
    free(p.fan_out);
    free(p.fan_in);
    free(p.upstream);
    if (rc < 0 || check_cycles(g, err, len) < 0)
        return -1;
    /* the arena's size follows from the buffer sizes, chosen once the types are known */
    if (sizing_choose(g, err, len) < 0 || check_arena_size(g, err, len) < 0)
        return -1;
    return split_check(g, err, len);
}

uint32_t graph_queue_cap(const mqg_graph *g)
{
    return g->queue_depth ? g->queue_depth : MQ_DEFAULT_DEPTH;
}
