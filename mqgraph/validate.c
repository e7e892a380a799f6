/* validate.c - semantic checks of a graph against the block declarations. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"


static int find_block(const mqg_graph *g, const char *name)
{
    for (int i = 0; i < g->n_blocks; i++)
        if (!strcmp(g->blocks[i].name, name))
            return i;
    return -1;
}

/* Lists the block's ports of one direction into buf: "in0 (f32), in1 (f32)". */
static void port_list(const mqg_block *b, int output, char *buf, size_t len)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, output);
    char name[64];
    mq_item_type t;

    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        mq_block_port(b->decl, b->n_params, b->kv, output, i, name, sizeof name, &t);
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

    if ((e->b = find_block(g, e->block)) < 0) {
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

/* Depth-first search for a cycle; state 0 new, 1 on the stack, 2 done. */
static int cycle_from(const mqg_graph *g, int b, int *state, int *via)
{
    state[b] = 1;
    for (int k = 0; k < g->n_conns; k++) {
        if (g->conns[k].src.b != b)
            continue;
        int d = g->conns[k].dst.b;
        if (state[d] == 1) {
            *via = k;
            return 1;
        }
        if (state[d] == 0 && cycle_from(g, d, state, via))
            return 1;
    }
    state[b] = 2;
    return 0;
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
                        "block '%s': parameter '%s' takes one value, not a list%s", b->name,
                        p->name, p->type == MQ_PARAM_STRING ? " (quote it to mean the text: "
                                                              "'[1, 2]')" : "");
            return -1;
        }
    }
    return 0;
}

int graph_validate(mqg_graph *g, const mqg_catalog *cat, char *err, size_t len)
{
    char why[512];

    for (int i = 0; i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        const mqg_module *m = catalog_find(cat, b->type);
        int bad;
        if (!m) {
            const char *near = catalog_suggest(cat, b->type), *broken;
            if ((broken = catalog_broken(cat, b->type)))
                graph_error(g, b->type_mark, err, len,
                            "block type '%s' could not be loaded: %s", b->type, broken);
            else if (near)
                graph_error(g, b->type_mark, err, len,
                            "unknown block type '%s' (did you mean '%s'?)", b->type, near);
            else
                graph_error(g, b->type_mark, err, len,
                            "unknown block type '%s' (mqgraph blocks lists them)", b->type);
            return -1;
        }
        b->decl = m->decl;
        if (list_for_one_value(g, b, err, len) < 0)
            return -1;
        if (mq_params_check(b->decl, b->n_params, b->kv, &bad, why, sizeof why) < 0) {
            graph_error(g, bad >= 0 ? b->kv_mark[bad] : b->mark, err, len, "block '%s': %s",
                        b->name, why);
            return -1;
        }
        if (mq_block_port_count(b->decl, b->n_params, b->kv, 0) < 0 ||
            mq_block_port_count(b->decl, b->n_params, b->kv, 1) < 0) {
            graph_error(g, b->mark, err, len, "block '%s': port count out of range (0..%d)",
                        b->name, MQ_MAX_PORTS);
            return -1;
        }
    }
    uint32_t cap = graph_queue_cap(g);
    for (int k = 0; k < g->n_conns; k++) {
        mqg_conn *c = &g->conns[k];
        mq_item_type ts, td;
        if (resolve_end(g, &c->src, 1, &ts, err, len) < 0 ||
            resolve_end(g, &c->dst, 0, &td, err, len) < 0)
            return -1;
        mqg_block *sb = &g->blocks[c->src.b], *db = &g->blocks[c->dst.b];
        int msg = td == MQ_ITEM_MSG;
        if ((db->decl->flags & MQ_BLOCK_EVENTS) && c->dst.p == 0) {
            graph_error(g, c->dst.mark, err, len,
                        "input %s.%s is the supervisor's (the graph's events): connect "
                        "nothing to it", db->name, c->dst.port);
            return -1;
        }
        if ((ts == MQ_ITEM_MSG) != msg) {
            graph_error(g, c->dst.mark, err, len,
                        "%s.%s is a %s port but %s.%s is a %s port", sb->name, c->src.port,
                        ts == MQ_ITEM_MSG ? "message" : "stream", db->name, c->dst.port,
                        msg ? "message" : "stream");
            return -1;
        }
        if (ts != td && ts != MQ_ITEM_BYTES && td != MQ_ITEM_BYTES) {
            graph_error(g, c->dst.mark, err, len,
                        "item types differ: %s.%s is %s but %s.%s is %s", sb->name, c->src.port,
                        mq_item_name(ts), db->name, c->dst.port, mq_item_name(td));
            return -1;
        }
        int fan = 1;
        for (int j = 0; j < k; j++)
            fan += g->conns[j].src.b == c->src.b && g->conns[j].src.p == c->src.p;
        if (fan > MQ_MAX_FANOUT) {
            graph_error(g, c->src.mark, err, len, "output %s.%s has more than %d connections",
                        sb->name, c->src.port, MQ_MAX_FANOUT);
            return -1;
        }
        /* A message input takes messages from several outputs, each its own queue. */
        for (int j = 0; j < k && !msg; j++)
            if (g->conns[j].dst.b == c->dst.b && g->conns[j].dst.p == c->dst.p) {
                graph_error(g, c->dst.mark, err, len,
                            "input %s.%s already has an upstream (%s.%s, line %d)", db->name,
                            c->dst.port, g->conns[j].src.block, g->conns[j].src.port,
                            g->conns[j].src.mark.line);
                return -1;
            }
        if (c->depth > cap) {
            graph_error(g, c->src.mark, err, len, "depth %u exceeds the arena's queue_depth %u",
                        c->depth, cap);
            return -1;
        }
    }
    for (int i = 0; i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0);
        for (int p = 0; p < n; p++) {
            char name[64];
            mq_item_type t;
            int connected = 0;
            mq_block_port(b->decl, b->n_params, b->kv, 0, p, name, sizeof name, &t);
            if (t == MQ_ITEM_MSG)
                continue; /* a message input may wait for `mqgraph send` */
            for (int k = 0; k < g->n_conns && !connected; k++)
                connected = g->conns[k].dst.b == i && g->conns[k].dst.p == p;
            if (!connected) {
                graph_error(g, b->mark, err, len, "input '%s' of block '%s' is not connected",
                            name, b->name);
                return -1;
            }
        }
    }
    int *state = calloc((size_t)(unsigned)g->n_blocks + 1, sizeof *state), via = -1;
    for (int i = 0; state && i < g->n_blocks && via < 0; i++)
        if (state[i] == 0)
            cycle_from(g, i, state, &via);
    free(state);
    if (via >= 0) {
        graph_error(g, g->conns[via].src.mark, err, len,
                    "the connections form a cycle (through %s.%s -> %s.%s)",
                    g->conns[via].src.block, g->conns[via].src.port, g->conns[via].dst.block,
                    g->conns[via].dst.port);
        return -1;
    }
    return 0;
}

uint32_t graph_queue_cap(const mqg_graph *g)
{
    return g->queue_depth ? g->queue_depth : MQ_DEFAULT_DEPTH;
}
