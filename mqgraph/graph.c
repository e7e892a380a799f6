/* graph.c - loading a graph file with libyaml's document API.
 *
 * The whole file becomes a yaml_document_t whose nodes carry start marks; the walk
 * below checks the shape (known keys, the right kind of node) and copies what it
 * needs. The first problem ends the load with FILE:LINE:COL. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "graph.h"
#include "queue.h"

struct loader {
    mqg_graph *g;
    yaml_document_t doc;
    const mqg_vars *set;
    yaml_node_t *vars; /* the `variables` mapping, or NULL */
    char *err;
    size_t errlen;
};

void graph_error(const mqg_graph *g, mqg_mark m, char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, len, "%s:%d:%d: ", g->file, m.line, m.col);

    if (n < 0 || (size_t)n >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, len - (size_t)n, fmt, ap);
    va_end(ap);
}

static mqg_mark mark_of(const yaml_node_t *n)
{
    return (mqg_mark){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1,
                      n->type == YAML_SEQUENCE_NODE};
}

static int fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    graph_error(L->g, mark_of(n), L->err, L->errlen, "%s", msg);
    return -1;
}

static yaml_node_t *node(struct loader *L, int id)
{
    return yaml_document_get_node(&L->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int want(struct loader *L, const yaml_node_t *n, yaml_node_type_t t, const char *what)
{
    static const char *names[] = {"nothing", "a scalar", "a list", "a mapping"};
    if (n->type == t)
        return 0;
    return fail(L, n, "%s must be %s, not %s", what, names[t], names[n->type]);
}

/* Checks that every key of mapping n is in `keys` (NULL-terminated). */
static int known_keys(struct loader *L, const yaml_node_t *n, const char *const *keys,
                      const char *where)
{
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key);
        const char *ks = scalar(k);
        int ok = 0;
        for (int i = 0; ks && keys[i] && !ok; i++)
            ok = !strcmp(ks, keys[i]);
        if (!ok) {
            char list[256] = "";
            for (int i = 0; keys[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         keys[i]);
            return fail(L, k, "unknown key '%s' in %s (expected one of: %s)", ks ? ks : "?",
                        where, list);
        }
    }
    return 0;
}

static yaml_node_t *get(struct loader *L, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *ks = scalar(node(L, p->key));
        if (ks && !strcmp(ks, key))
            return node(L, p->value);
    }
    return NULL;
}

static int to_int(struct loader *L, const yaml_node_t *n, const char *what, int64_t min,
                  int64_t max, int64_t *out)
{
    const char *s = scalar(n);
    char *end;

    if (!s)
        return fail(L, n, "%s must be an integer", what);
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (!*s || *end || errno)
        return fail(L, n, "%s must be an integer, not '%s'", what, s);
    if (v < min || v > max)
        return fail(L, n, "%s %lld is out of range [%lld, %lld]", what, v, (long long)min,
                    (long long)max);
    *out = v;
    return 0;
}

/* The value of the file's variable name[0..len), or NULL if it has none. */
static const char *file_var(struct loader *L, const char *name, size_t len)
{
    for (yaml_node_pair_t *p = L->vars ? L->vars->data.mapping.pairs.start : NULL;
         p && p < L->vars->data.mapping.pairs.top; p++) {
        const char *ks = scalar(node(L, p->key));
        if (ks && strlen(ks) == len && !strncmp(ks, name, len))
            return scalar(node(L, p->value));
    }
    return NULL;
}

/* ${name} substitution: --set first, then the file's variables. */
static const char *lookup(struct loader *L, const char *name, size_t len)
{
    for (int i = 0; L->set && i < L->set->n; i++)
        if (!strncmp(L->set->kv[i], name, len) && L->set->kv[i][len] == '=')
            return L->set->kv[i] + len + 1;
    return file_var(L, name, len);
}

static char *expand(struct loader *L, const yaml_node_t *n, const char *s)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out = malloc(cap);

    while (out && *s) {
        const char *add = s;
        size_t alen = 1;
        if (s[0] == '$' && s[1] == '{') {
            const char *close = strchr(s, '}');
            if (!close) {
                fail(L, n, "unterminated ${ in '%s'", scalar(n));
                free(out);
                return NULL;
            }
            add = lookup(L, s + 2, (size_t)(close - s - 2));
            if (!add) {
                fail(L, n, "undefined variable '%.*s'", (int)(close - s - 2), s + 2);
                free(out);
                return NULL;
            }
            alen = strlen(add);
            s = close + 1;
        } else {
            s++;
        }
        if (len + alen + 1 > cap) {
            char *bigger = realloc(out, cap = (len + alen + 1) * 2);
            if (!bigger) {
                free(out);
                return NULL;
            }
            out = bigger;
        }
        memcpy(out + len, add, alen);
        len += alen;
    }
    if (out)
        out[len] = 0;
    return out;
}

/* A parameter value as text: a scalar, or a list of scalars joined by commas. */
static char *param_text(struct loader *L, const yaml_node_t *v, const char *name)
{
    if (v->type == YAML_SCALAR_NODE)
        return expand(L, v, scalar(v));
    if (v->type != YAML_SEQUENCE_NODE) {
        fail(L, v, "parameter '%s' must be a value or a list of values", name);
        return NULL;
    }
    size_t cap = 16, len = 0;
    char *out = calloc(1, cap);
    for (yaml_node_item_t *it = v->data.sequence.items.start; out && it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node(L, *it);
        if (e->type != YAML_SCALAR_NODE) {
            fail(L, e, "elements of parameter '%s' must be values", name);
            free(out);
            return NULL;
        }
        char *x = expand(L, e, scalar(e));
        if (!x) {
            free(out);
            return NULL;
        }
        size_t xl = strlen(x);
        if (len + xl + 2 > cap) {
            char *bigger = realloc(out, cap = (len + xl + 2) * 2);
            if (!bigger) {
                free(x);
                free(out);
                return NULL;
            }
            out = bigger;
        }
        if (len)
            out[len++] = ',';
        memcpy(out + len, x, xl + 1);
        len += xl;
        free(x);
    }
    return out;
}

/* Block names: what a connection end "block.port" and the summary can show as is. */
static int plain_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n >= MQ_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* restart: POLICY, or {policy: POLICY, max_restarts: N, backoff_ms: MS}. */
static int load_restart(struct loader *L, yaml_node_t *n, mqg_block *b)
{
    static const char *const keys[] = {"policy", "max_restarts", "backoff_ms", NULL};
    static const char *const names[] = {"never", "on-failure", "always"};
    yaml_node_t *p = n, *x;
    int64_t v;

    if (n->type == YAML_MAPPING_NODE) {
        if (known_keys(L, n, keys, "restart") < 0)
            return -1;
        if ((x = get(L, n, "max_restarts"))) {
            if (to_int(L, x, "max_restarts", 0, 1000000, &v) < 0)
                return -1;
            b->max_restarts = (int)v;
        }
        if ((x = get(L, n, "backoff_ms"))) {
            if (to_int(L, x, "backoff_ms", 0, 3600000, &v) < 0)
                return -1;
            b->backoff_ms = v;
        }
        if (!(p = get(L, n, "policy")))
            return fail(L, n, "restart needs a policy: never, on-failure or always");
    }
    for (int i = 0; i < 3; i++)
        if (scalar(p) && !strcmp(scalar(p), names[i])) {
            b->restart = i;
            return 0;
        }
    return fail(L, p, "restart must be never, on-failure or always");
}

static int load_block(struct loader *L, yaml_node_t *k, yaml_node_t *v, mqg_block *b)
{
    static const char *const keys[] = {"type", "params", "restart", NULL};
    yaml_node_t *t, *params, *restart;

    b->name = strdup(scalar(k));
    b->mark = mark_of(k);
    if (want(L, v, YAML_MAPPING_NODE, "a block") < 0 ||
        known_keys(L, v, keys, "a block") < 0)
        return -1;
    if (!(t = get(L, v, "type")))
        return fail(L, v, "block '%s' has no type", b->name);
    if (!scalar(t))
        return fail(L, t, "the type of block '%s' must be a name", b->name);
    b->type = strdup(scalar(t));
    b->type_mark = mark_of(t);
    b->max_restarts = 3;
    b->backoff_ms = 100;
    if ((restart = get(L, v, "restart")) && load_restart(L, restart, b) < 0)
        return -1;
    if (!(params = get(L, v, "params")))
        return 0;
    if (want(L, params, YAML_MAPPING_NODE, "params") < 0)
        return -1;
    int n = (int)(params->data.mapping.pairs.top - params->data.mapping.pairs.start);
    b->kv = calloc((size_t)n + 1, sizeof *b->kv);
    b->kv_mark = calloc((size_t)n + 1, sizeof *b->kv_mark);
    if (!b->kv || !b->kv_mark)
        return fail(L, params, "out of memory");
    for (int i = 0; i < n; i++) {
        yaml_node_pair_t *p = &params->data.mapping.pairs.start[i];
        yaml_node_t *pk = node(L, p->key), *pv = node(L, p->value);
        const char *name = scalar(pk);
        if (!name || !*name || strchr(name, '='))
            return fail(L, pk, "a parameter name must be a plain name");
        for (int j = 0; j < i; j++)
            if (!strncmp(b->kv[j], name, strlen(name)) && b->kv[j][strlen(name)] == '=')
                return fail(L, pk, "parameter '%s' given twice", name);
        char *text = param_text(L, pv, name);
        if (!text)
            return -1;
        size_t len = strlen(name) + strlen(text) + 2;
        b->kv[i] = malloc(len);
        if (b->kv[i])
            snprintf(b->kv[i], len, "%s=%s", name, text);
        free(text);
        b->kv_mark[i] = mark_of(pv);
        b->n_params = i + 1;
    }
    return 0;
}

/* "block.port" */
static int load_end(struct loader *L, yaml_node_t *n, mqg_end *e)
{
    const char *s = scalar(n);
    const char *dot = s ? strrchr(s, '.') : NULL;

    e->mark = mark_of(n);
    if (!s || !dot || dot == s || !dot[1])
        return fail(L, n, "a connection end must be 'block.port', not '%s'", s ? s : "?");
    e->block = strndup(s, (size_t)(dot - s));
    e->port = strdup(dot + 1);
    return 0;
}

static int load_conn(struct loader *L, yaml_node_t *n, mqg_conn *c)
{
    static const char *const keys[] = {"from", "to", "depth", "policy", NULL};

    c->policy = MQ_POLICY_BLOCK;
    if (n->type == YAML_SEQUENCE_NODE) {
        if (n->data.sequence.items.top - n->data.sequence.items.start != 2)
            return fail(L, n, "a connection is a list of two ends: [a.out, b.in]");
        return load_end(L, node(L, n->data.sequence.items.start[0]), &c->src) < 0 ||
                       load_end(L, node(L, n->data.sequence.items.start[1]), &c->dst) < 0
                   ? -1
                   : 0;
    }
    if (n->type != YAML_MAPPING_NODE)
        return fail(L, n, "a connection is [a.out, b.in] or a mapping with from and to");
    if (known_keys(L, n, keys, "a connection") < 0)
        return -1;
    yaml_node_t *from = get(L, n, "from"), *to = get(L, n, "to"), *d, *p;
    if (!from || !to)
        return fail(L, n, "a connection mapping needs both 'from' and 'to'");
    if (load_end(L, from, &c->src) < 0 || load_end(L, to, &c->dst) < 0)
        return -1;
    if ((d = get(L, n, "depth"))) {
        int64_t v;
        if (to_int(L, d, "depth", 1, 65536, &v) < 0)
            return -1;
        c->depth = (uint32_t)v;
    }
    if ((p = get(L, n, "policy"))) {
        const char *s = scalar(p);
        if (s && !strcmp(s, "block"))
            c->policy = MQ_POLICY_BLOCK;
        else if (s && !strcmp(s, "drop_oldest"))
            c->policy = MQ_POLICY_DROP_OLDEST;
        else if (s && !strcmp(s, "drop_newest"))
            c->policy = MQ_POLICY_DROP_NEWEST;
        else
            return fail(L, p, "policy must be block, drop_oldest or drop_newest, not '%s'",
                        s ? s : "?");
    }
    return 0;
}

static int load_arena(struct loader *L, yaml_node_t *n)
{
    static const char *const keys[] = {"pools", "queue_depth", "heartbeat_ms",
                                       "heartbeat_timeout_ms", NULL};
    mqg_graph *g = L->g;
    yaml_node_t *v;
    int64_t x;

    if (want(L, n, YAML_MAPPING_NODE, "arena") < 0 || known_keys(L, n, keys, "arena") < 0)
        return -1;
    if ((v = get(L, n, "queue_depth"))) {
        if (to_int(L, v, "queue_depth", 2, 65536, &x) < 0)
            return -1;
        if (x & (x - 1))
            return fail(L, v, "queue_depth must be a power of two, not %lld", (long long)x);
        g->queue_depth = (uint32_t)x;
    }
    if ((v = get(L, n, "heartbeat_ms"))) {
        if (to_int(L, v, "heartbeat_ms", 1, 60000, &x) < 0)
            return -1;
        g->heartbeat_ms = x;
    }
    if ((v = get(L, n, "heartbeat_timeout_ms"))) {
        if (to_int(L, v, "heartbeat_timeout_ms", 1, 3600000, &x) < 0)
            return -1;
        g->heartbeat_timeout_ms = x;
    }
    if ((v = get(L, n, "pools"))) {
        if (want(L, v, YAML_SEQUENCE_NODE, "pools") < 0)
            return -1;
        g->n_pools = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            static const char *const pkeys[] = {"size", "count", NULL};
            yaml_node_t *p = node(L, *it), *sz, *ct;
            int64_t size, count;
            if (g->n_pools == 8)
                return fail(L, p, "at most 8 pools");
            if (want(L, p, YAML_MAPPING_NODE, "a pool") < 0 ||
                known_keys(L, p, pkeys, "a pool") < 0)
                return -1;
            if (!(sz = get(L, p, "size")) || !(ct = get(L, p, "count")))
                return fail(L, p, "a pool needs size and count");
            if (to_int(L, sz, "pool size", 64, 1 << 30, &size) < 0 ||
                to_int(L, ct, "pool count", 1, 1 << 20, &count) < 0)
                return -1;
            if (g->n_pools && (uint64_t)size <= g->pool_size[g->n_pools - 1])
                return fail(L, sz, "pool sizes must ascend");
            g->pool_size[g->n_pools] = (uint64_t)size;
            g->pool_count[g->n_pools++] = (uint32_t)count;
        }
    }
    return 0;
}

static int load_root(struct loader *L, yaml_node_t *root)
{
    static const char *const keys[] = {"name", "variables", "arena", "blocks", "connections", NULL};
    mqg_graph *g = L->g;
    yaml_node_t *v;

    if (want(L, root, YAML_MAPPING_NODE, "a graph file") < 0 ||
        known_keys(L, root, keys, "the graph") < 0)
        return -1;
    if ((v = get(L, root, "name"))) {
        if (!scalar(v) || !*scalar(v))
            return fail(L, v, "name must be a text");
        free(g->name);
        g->name = strdup(scalar(v));
    }
    if ((v = get(L, root, "variables"))) {
        if (want(L, v, YAML_MAPPING_NODE, "variables") < 0)
            return -1;
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
            if (!scalar(node(L, p->value)))
                return fail(L, node(L, p->value), "a variable's value must be a scalar");
        L->vars = v;
    }
    for (int i = 0; L->set && i < L->set->n; i++) {
        const char *kv = L->set->kv[i];
        size_t len = (size_t)(strchr(kv, '=') - kv);
        if (!file_var(L, kv, len)) {
            snprintf(L->err, L->errlen, "%s: --set %.*s: the graph has no variable '%.*s'",
                     g->file, (int)len, kv, (int)len, kv);
            return -1;
        }
    }
    if ((v = get(L, root, "arena")) && load_arena(L, v) < 0)
        return -1;
    if (!(v = get(L, root, "blocks")))
        return fail(L, root, "the graph has no blocks");
    if (want(L, v, YAML_MAPPING_NODE, "blocks") < 0)
        return -1;
    g->n_blocks = (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (g->n_blocks == 0)
        return fail(L, v, "the graph has no blocks");
    /* A process slot each, one for the supervisor, one for each tap. */
    if (g->n_blocks > MQ_MAX_BLOCKS_IN_GRAPH)
        return fail(L, v, "the graph has %d blocks; at most %d fit in an arena", g->n_blocks,
                    MQ_MAX_BLOCKS_IN_GRAPH);
    g->blocks = calloc((size_t)g->n_blocks, sizeof *g->blocks);
    if (!g->blocks)
        return fail(L, v, "out of memory");
    for (int i = 0; i < g->n_blocks; i++) {
        yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
        yaml_node_t *k = node(L, p->key);
        if (!plain_name(scalar(k)))
            return fail(L, k, "a block name is 1 to 47 letters, digits, '_' or '-'%s%s%s",
                        scalar(k) ? ", not '" : "", scalar(k) ? scalar(k) : "",
                        scalar(k) ? "'" : "");
        for (int j = 0; j < i; j++)
            if (!strcmp(g->blocks[j].name, scalar(k)))
                return fail(L, k, "duplicate block name '%s' (first at line %d)", scalar(k),
                            g->blocks[j].mark.line);
        if (load_block(L, k, node(L, p->value), &g->blocks[i]) < 0)
            return -1;
    }
    if ((v = get(L, root, "connections"))) {
        if (want(L, v, YAML_SEQUENCE_NODE, "connections") < 0)
            return -1;
        g->n_conns = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        g->conns = calloc((size_t)g->n_conns + 1, sizeof *g->conns);
        if (!g->conns)
            return fail(L, v, "out of memory");
        for (int i = 0; i < g->n_conns; i++)
            if (load_conn(L, node(L, v->data.sequence.items.start[i]), &g->conns[i]) < 0)
                return -1;
    }
    return 0;
}

mqg_graph *graph_load(const char *path, const mqg_vars *set, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    mqg_graph *g;

    int e = !f ? errno : fstat(fileno(f), &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;

    if (e) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        if (f)
            fclose(f);
        return NULL;
    }
    g = graph_load_stream(f, path, set, err, errlen);
    fclose(f);
    return g;
}

mqg_graph *graph_load_stream(FILE *f, const char *path, const mqg_vars *set, char *err,
                             size_t errlen)
{
    struct loader L = {.set = set, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    mqg_graph *g;
    int rc = -1;

    g = calloc(1, sizeof *g);
    if (!g || !yaml_parser_initialize(&parser)) {
        free(g);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    L.g = g;
    g->file = strdup(path);
    g->heartbeat_ms = 100;
    g->heartbeat_timeout_ms = 2000;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &L.doc)) {
        mqg_mark m = {(int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1, 0};
        graph_error(g, m, err, errlen, "YAML syntax: %s%s%s",
                    parser.problem ? parser.problem : "error",
                    parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&L.doc);
        if (!root)
            graph_error(g, (mqg_mark){1, 1, 0}, err, errlen, "the file is empty");
        else
            rc = load_root(&L, root);
        yaml_document_delete(&L.doc);
    }
    yaml_parser_delete(&parser);
    if (rc < 0) {
        graph_free(g);
        return NULL;
    }
    if (!g->name) {
        const char *base = strrchr(path, '/');
        g->name = strdup(base ? base + 1 : path);
        char *dot = strrchr(g->name, '.');
        if (dot && dot != g->name)
            *dot = 0;
    }
    return g;
}

void graph_free(mqg_graph *g)
{
    if (!g)
        return;
    for (int i = 0; g->blocks && i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        for (int k = 0; k < b->n_params; k++)
            free(b->kv[k]);
        free(b->kv);
        free(b->kv_mark);
        free(b->name);
        free(b->type);
    }
    for (int i = 0; g->conns && i < g->n_conns; i++) {
        free(g->conns[i].src.block);
        free(g->conns[i].src.port);
        free(g->conns[i].dst.block);
        free(g->conns[i].dst.port);
    }
    free(g->blocks);
    free(g->conns);
    free(g->file);
    free(g->name);
    free(g);
}
