/* graph.c - loading a graph file: its YAML as a compact tree (yaml_tree.c), then
 * the graph from the tree.
 *
 * The tree's nodes carry start marks; the walk below checks the shape (known keys,
 * the right kind of node) and copies what it needs. The first problem ends the
 * load with FILE:LINE:COL. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "design.h"
#include "expr.h"
#include "graph.h"
#include "queue.h"
#include "yaml_tree.h"

/* A variable: its text, the file's or --set's, and its value once a number asked
 * for it. Each is worked out once, so the load stays linear in the file however
 * often a variable is used. */
enum { VAR_NEW, VAR_BUSY, VAR_DONE, VAR_FAILED };

struct var {
    const char *name, *text;
    const mqy_node *node; /* the file's value */
    int set;              /* text is --set's: the error is the value's where it is used */
    int state;            /* VAR_* */
    mqg_value v;
    char *why;            /* VAR_FAILED: the message */
    int blame;            /* VAR_FAILED: as loader.blame */
};

struct loader {
    mqg_graph *g;
    mqy_tree t;
    const mqg_vars *set;
    mqg_names var_index;  /* variable name -> its index in vars */
    struct var *vars;
    int n_vars;
    mqg_expr_env env;
    int blame;            /* while an expression is worked out: 1 + the variable whose
                             own expression failed, 0 if none did */
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

static mqg_mark mark_of(const mqy_node *n)
{
    return (mqg_mark){(int)n->line, (int)n->col, n->type == MQY_SEQ};
}

static int fail_at(struct loader *L, mqg_mark m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct loader *L, mqg_mark m, const char *fmt, ...)
{
    char msg[640];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    graph_error(L->g, m, L->err, L->errlen, "%s", msg);
    return -1;
}

static int fail(struct loader *L, const mqy_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct loader *L, const mqy_node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    graph_error(L->g, mark_of(n), L->err, L->errlen, "%s", msg);
    return -1;
}

static const mqy_node *node(const struct loader *L, uint32_t id)
{
    return mqy_at(&L->t, id);
}

/* The child after i, and the key after key i of a mapping (past its value). */
static uint32_t next(const struct loader *L, uint32_t i)
{
    return mqy_next(&L->t, i);
}

static uint32_t next_key(const struct loader *L, uint32_t k)
{
    return mqy_next(&L->t, mqy_next(&L->t, k));
}

static const char *scalar(const struct loader *L, const mqy_node *n)
{
    return mqy_text(&L->t, n);
}

static int want(struct loader *L, const mqy_node *n, uint32_t t, const char *what)
{
    static const char *names[] = {"nothing", "a scalar", "a list", "a mapping"};
    if (n->type == t)
        return 0;
    return fail(L, n, "%s must be %s, not %s", what, names[t], names[n->type]);
}

/* Checks that every key of mapping n is in `keys` (NULL-terminated). */
static int known_keys(struct loader *L, const mqy_node *n, const char *const *keys,
                      const char *where)
{
    for (uint32_t p = n->first; p; p = next_key(L, p)) {
        const mqy_node *k = node(L, p);
        const char *ks = scalar(L, k);
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

static const mqy_node *get(struct loader *L, const mqy_node *map, const char *key)
{
    for (uint32_t p = map->first; p; p = next_key(L, p)) {
        const char *ks = scalar(L, node(L, p));
        if (ks && !strcmp(ks, key))
            return node(L, next(L, p));
    }
    return NULL;
}

/* The integer in s, the text of node n. */
static int parse_int(struct loader *L, const mqy_node *n, const char *s, const char *what,
                     int64_t min, int64_t max, int64_t *out)
{
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

static int to_int(struct loader *L, const mqy_node *n, const char *what, int64_t min,
                  int64_t max, int64_t *out)
{
    return parse_int(L, n, scalar(L, n), what, min, max, out);
}

/* The value of the file's variable name[0..len), or NULL if it has none. */
static const char *file_var(struct loader *L, const char *name, size_t len)
{
    int v = mqg_names_find(&L->var_index, name, len);
    return v >= 0 ? scalar(L, L->vars[v].node) : NULL;
}

/* Indexes the variables (the first of a name counts, as it did when they were
 * searched in order); each value must be a scalar. */
static int load_variables(struct loader *L, const mqy_node *v)
{
    int first, rc;

    if (want(L, v, MQY_MAP, "variables") < 0)
        return -1;
    if (!(L->vars = calloc((size_t)v->n + 1, sizeof *L->vars)))
        return fail(L, v, "out of memory");
    for (uint32_t p = v->first; p; p = next_key(L, p)) {
        const char *name = scalar(L, node(L, p));
        const mqy_node *val = node(L, next(L, p));
        if (!scalar(L, val))
            return fail(L, val, "a variable's value must be a scalar");
        if (!name)
            continue;
        if ((rc = mqg_names_add(&L->var_index, name, strlen(name), L->n_vars, &first)) < 0)
            return fail(L, v, "out of memory");
        if (rc == 0)
            L->vars[L->n_vars++] = (struct var){.name = name, .text = scalar(L, val), .node = val};
    }
    return 0;
}

/* Whether text s, after substitution, is to be worked out as a number: it is no
 * plain number and is written as an expression or names a variable. */
static int wants_value(const struct loader *L, const char *s)
{
    return !mqg_expr_plain(s) &&
           (mqg_expr_wanted(s) || mqg_names_find(&L->var_index, s, strlen(s)) >= 0);
}

/* Variable x's own value into x->v; -1 with the message in why. */
static int var_eval(struct loader *L, struct var *x, int depth, char *why, size_t len)
{
    if (mqg_expr_plain(x->text)) {
        x->v = (mqg_value){strtod(x->text, NULL), 0, 0};
        return 0;
    }
    if (!wants_value(L, x->text)) {
        snprintf(why, len, "'%s' is not a number", x->text);
        return -1;
    }
    return mqg_expr_eval(x->text, &L->env, depth, &x->v, why, len);
}

/* The expressions' variables (mqg_expr_env.var): each worked out the first time it
 * is asked for. A failure is said by the innermost variable at fault, with its
 * name, and remembered for every later use. */
static int var_value(void *arg, const char *name, size_t len, int depth, mqg_value *v, char *err,
                     size_t errlen)
{
    struct loader *L = arg;
    int i = mqg_names_find(&L->var_index, name, len);
    struct var *x = i >= 0 ? &L->vars[i] : NULL;
    char why[512];

    if (!x)
        return 0;
    if (x->state == VAR_BUSY) {
        L->blame = i + 1;
        snprintf(err, errlen, "variable '%s' is defined in terms of itself", x->name);
        return -1;
    }
    if (x->state == VAR_NEW) {
        x->state = VAR_BUSY;
        if (var_eval(L, x, depth, why, sizeof why) == 0) {
            x->state = VAR_DONE;
        } else {
            int own = L->blame == 0;
            if (own)
                L->blame = i + 1;
            if (own && x->set)
                snprintf(err, errlen, "variable '%s' (--set): %s", x->name, why);
            else if (own)
                snprintf(err, errlen, "variable '%s': %s", x->name, why);
            else
                snprintf(err, errlen, "%s", why);
            x->state = VAR_FAILED;
            x->blame = L->blame;
            x->why = strdup(err);
            return -1;
        }
    }
    if (x->state == VAR_FAILED) {
        L->blame = x->blame;
        snprintf(err, errlen, "%s", x->why ? x->why : "out of memory");
        return -1;
    }
    *v = x->v;
    return 1;
}

/* Scalar n's expression: its value, or -1 with why; *at is where the fault is, n
 * or the variable whose expression failed. */
static int evaluate(struct loader *L, const mqy_node *n, mqg_value *v, char *why, size_t len,
                    mqg_mark *at)
{
    L->blame = 0;
    int rc = mqg_expr_eval(scalar(L, n), &L->env, 0, v, why, len);
    const struct var *x = L->blame ? &L->vars[L->blame - 1] : NULL;

    *at = mark_of(x && !x->set ? x->node : n);
    return rc;
}

/* A parameter's expression, kept for the validator, which knows its type. */
static int keep_value(struct loader *L, const mqy_node *n, mqg_eval *e)
{
    char why[512];

    e->kind = evaluate(L, n, &e->v, why, sizeof why, &e->at) == 0 ? MQG_EVAL_VALUE
                                                                  : MQG_EVAL_FAILED;
    e->src = strdup(scalar(L, n));
    if (e->kind == MQG_EVAL_FAILED)
        e->why = strdup(why);
    return e->src && (e->kind == MQG_EVAL_VALUE || e->why) ? 0 : -1;
}

/* A list element's or filter design field's expression: a real number, its text
 * into *text (replacing it), or -1 with why and where. */
static int real_value(struct loader *L, const mqy_node *n, char **text, char *why, size_t len,
                      mqg_mark *at)
{
    mqg_value v;
    char buf[64], *s;

    if (evaluate(L, n, &v, why, len, at) < 0)
        return -1;
    *at = mark_of(n);
    if (mqg_expr_text(v, MQ_PARAM_FLOAT, scalar(L, n), buf, sizeof buf, why, len) < 0)
        return -1;
    if (!(s = strdup(buf))) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    free(*text);
    *text = s;
    return 0;
}

/* ${name} substitution: --set first, then the file's variables. */
static const char *lookup(struct loader *L, const char *name, size_t len)
{
    for (int i = 0; L->set && i < L->set->n; i++)
        if (!strncmp(L->set->kv[i], name, len) && L->set->kv[i][len] == '=')
            return L->set->kv[i] + len + 1;
    return file_var(L, name, len);
}

static char *expand(struct loader *L, const mqy_node *n, const char *s)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out = malloc(cap);

    while (out && *s) {
        const char *add = s;
        size_t alen = 1;
        if (s[0] == '$' && s[1] == '{') {
            const char *close = strchr(s, '}');
            if (!close) {
                fail(L, n, "unterminated ${ in '%s'", scalar(L, n));
                free(out);
                return NULL;
            }
            add = lookup(L, s + 2, (size_t)(close - s - 2));
            if (!add) {
                int near = mqg_names_nearest(&L->var_index, s + 2, (size_t)(close - s - 2), 3);
                if (near >= 0)
                    fail(L, n, "undefined variable '%.*s' (did you mean '%s'?)",
                         (int)(close - s - 2), s + 2, L->vars[near].name);
                else
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

/* The fields of a filter design, {key: value, ...}, each value expanded and a
 * number's expression worked out; NULL with the reason in L->err. keys[i] and
 * vals[i] are the nodes, for errors. */
static mqg_design_field *design_fields(struct loader *L, const mqy_node *m, const char *name,
                                       const char *design, const mqy_node **keys,
                                       const mqy_node **vals, int *n)
{
    mqg_design_field *f = calloc((size_t)m->n + 1, sizeof *f);

    *n = 0;
    for (uint32_t p = m->first; f && p; p = next_key(L, p)) {
        const mqy_node *k = node(L, p), *v = node(L, next(L, p));
        if (!scalar(L, k) || !scalar(L, v)) {
            fail(L, scalar(L, k) ? v : k, "%s: fields are 'name: value'", design);
            break;
        }
        keys[*n] = k, vals[*n] = v;
        f[*n].key = scalar(L, k);
        char *text = expand(L, v, scalar(L, v)), why[512];
        mqg_mark at;
        if (text && mqg_design_numeric(design, f[*n].key) && wants_value(L, text) &&
            real_value(L, v, &text, why, sizeof why, &at) < 0) {
            fail_at(L, at, "parameter '%s': %s: %s: %s", name, design, f[*n].key, why);
            free(text);
            break;
        }
        if (!(f[*n].text = text))
            break;
        ++*n;
    }
    if (f && *n == (int)m->n)
        return f;
    for (int i = 0; f && i < *n; i++)
        free((char *)f[i].text);
    free(f);
    return NULL;
}

/* A parameter given as a filter design, {low_pass: {gain: 1, ...}}: its taps as
 * list text (design.c), an error pointing at the field at fault. */
static char *design_text(struct loader *L, const mqy_node *v, const char *name)
{
    const mqy_node *dk = node(L, v->first), *dm = v->n == 1 ? node(L, next(L, v->first)) : NULL;
    const char *design = v->n == 1 ? scalar(L, dk) : NULL;
    mqg_design_err e = {0};
    int n;

    if (!design || dm->type != MQY_MAP) {
        fail(L, v->n == 1 && design ? dm : v, "parameter '%s' as a mapping names one filter "
             "design: {low_pass: {gain: 1, sample_rate: ..., ...}} (designs: %s)", name,
             mqg_design_names());
        return NULL;
    }
    const mqy_node **keys = calloc((size_t)dm->n + 1, sizeof *keys);
    const mqy_node **vals = calloc((size_t)dm->n + 1, sizeof *vals);
    mqg_design_field *f = keys && vals ? design_fields(L, dm, name, design, keys, vals, &n)
                                       : NULL;
    char *text = f ? mqg_design_taps(design, f, n, &e) : NULL;
    if (f && !text)
        fail(L, e.field < 0 ? dk : e.at_key ? keys[e.field] : vals[e.field], "parameter '%s': %s",
             name, e.msg);
    else if (!keys || !vals)
        fail(L, v, "out of memory");
    for (int i = 0; f && i < n; i++)
        free((char *)f[i].text);
    free(f), free(keys), free(vals);
    return text;
}

/* A list element's text, its expression worked out (the first that fails is kept
 * in e, for the validator to report if the list is a parameter's). */
static char *element_text(struct loader *L, const mqy_node *n, int i, mqg_eval *e)
{
    char *x = expand(L, n, scalar(L, n)), why[512];
    mqg_mark at;

    if (!x || !wants_value(L, x) || real_value(L, n, &x, why, sizeof why, &at) == 0 ||
        e->kind != MQG_EVAL_NONE)
        return x;
    char *msg = malloc(strlen(why) + 32);
    if (!msg) {
        free(x);
        return NULL;
    }
    sprintf(msg, "element %d: %s", i, why);
    *e = (mqg_eval){.kind = MQG_EVAL_FAILED, .why = msg, .at = at};
    return x;
}

/* A parameter value as text: a scalar, a list of scalars joined by commas, or a
 * filter design's taps, joined alike. */
static char *param_text(struct loader *L, const mqy_node *v, const char *name, mqg_eval *ev)
{
    if (v->type == MQY_SCALAR)
        return expand(L, v, scalar(L, v));
    if (v->type == MQY_MAP)
        return design_text(L, v, name);
    if (v->type != MQY_SEQ) {
        fail(L, v, "parameter '%s' must be a value or a list of values", name);
        return NULL;
    }
    size_t cap = 16, len = 0;
    char *out = calloc(1, cap);
    int i = 0;
    for (uint32_t it = v->first; out && it; it = next(L, it), i++) {
        const mqy_node *e = node(L, it);
        if (e->type != MQY_SCALAR) {
            fail(L, e, "elements of parameter '%s' must be values", name);
            free(out);
            return NULL;
        }
        char *x = element_text(L, e, i, ev);
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

/* A field's text (restart's, a host's) with its ${variables} expanded; NULL if
 * the node is no scalar, or with the reason in L->err if the expansion failed
 * (*failed set). */
static char *field_text(struct loader *L, const mqy_node *n, int *failed)
{
    char *s = scalar(L, n) ? expand(L, n, scalar(L, n)) : NULL;

    *failed = scalar(L, n) && !s;
    return s;
}

/* An integer field in [min, max]: a number, a ${variable} or an expression. */
static int field_int(struct loader *L, const mqy_node *n, const char *what, int64_t min,
                     int64_t max, int64_t *out)
{
    int failed;
    char *s = field_text(L, n, &failed), why[512], num[64];
    int rc = failed ? -1 : 0;
    mqg_value v;
    mqg_mark at;

    if (rc == 0 && s && wants_value(L, s)) {
        if (evaluate(L, n, &v, why, sizeof why, &at) < 0)
            rc = fail_at(L, at, "%s: %s", what, why);
        else if (mqg_expr_text(v, MQ_PARAM_INT, scalar(L, n), num, sizeof num, why,
                               sizeof why) < 0)
            rc = fail(L, n, "%s: %s", what, why);
        else
            rc = parse_int(L, n, num, what, min, max, out);
    } else if (rc == 0) {
        rc = parse_int(L, n, s, what, min, max, out);
    }
    free(s);
    return rc;
}

static int restart_policy(struct loader *L, const mqy_node *p, mqg_block *b)
{
    static const char *const names[] = {"never", "on-failure", "always"};
    int failed;
    char *s = field_text(L, p, &failed);

    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, names[i])) {
            b->restart = i;
            free(s);
            return 0;
        }
    free(s);
    return failed ? -1 : fail(L, p, "restart must be never, on-failure or always");
}

/* restart: POLICY, or {policy: POLICY, max_restarts: N, backoff_ms: MS,
 * max_backoff_ms: MS}; any of them may be a ${variable}. The back-off's cap is at
 * least backoff_ms unless given. */
static int load_restart(struct loader *L, const mqy_node *n, mqg_block *b)
{
    static const char *const keys[] = {"policy", "max_restarts", "backoff_ms",
                                       "max_backoff_ms", NULL};
    const mqy_node *p = n, *x, *cap;
    int64_t v;

    if (n->type != MQY_MAP)
        return restart_policy(L, p, b);
    if (known_keys(L, n, keys, "restart") < 0)
        return -1;
    if ((x = get(L, n, "max_restarts"))) {
        if (field_int(L, x, "max_restarts", 0, 1000000, &v) < 0)
            return -1;
        b->max_restarts = (int)v;
    }
    if ((x = get(L, n, "backoff_ms")) &&
        field_int(L, x, "backoff_ms", 0, 3600000, &b->backoff_ms) < 0)
        return -1;
    if ((cap = get(L, n, "max_backoff_ms")) &&
        field_int(L, cap, "max_backoff_ms", 0, 3600000, &b->max_backoff_ms) < 0)
        return -1;
    if (cap && b->max_backoff_ms < b->backoff_ms)
        return fail(L, cap, "max_backoff_ms %lld is less than backoff_ms %lld",
                    (long long)b->max_backoff_ms, (long long)b->backoff_ms);
    if (!cap && b->max_backoff_ms < b->backoff_ms)
        b->max_backoff_ms = b->backoff_ms;
    if (!(p = get(L, n, "policy")))
        return fail(L, n, "restart needs a policy: never, on-failure or always");
    return restart_policy(L, p, b);
}

/* "name=value" from a parameter's name and its text (taken over: the text grows
 * into it, so a long list is not copied again). */
static char *param_kv(const char *name, char *text)
{
    size_t nl = strlen(name), tl = strlen(text);
    char *kv = realloc(text, nl + tl + 2);

    if (!kv) {
        free(text);
        return NULL;
    }
    memmove(kv + nl + 1, kv, tl + 1);
    memcpy(kv, name, nl);
    kv[nl] = '=';
    return kv;
}

static int drop_eval(mqg_eval *e, int rc)
{
    free(e->src);
    free(e->why);
    *e = (mqg_eval){0};
    return rc;
}

static int load_param(struct loader *L, const mqy_node *pk, const mqy_node *pv, mqg_block *b,
                      mqg_names *seen)
{
    const char *name = scalar(L, pk);
    int i = b->n_params, first, rc;
    char *text;

    if (!name || !*name || strchr(name, '='))
        return fail(L, pk, "a parameter name must be a plain name");
    if ((rc = mqg_names_add(seen, name, strlen(name), i, &first)) != 0)
        return rc < 0 ? fail(L, pk, "out of memory")
                      : fail(L, pk, "parameter '%s' given twice", name);
    /* Until n_params counts it, eval[i] is this function's to free on failure: an
     * element of a list may have failed to evaluate before a later one is refused. */
    if (!(text = param_text(L, pv, name, &b->eval[i])))
        return drop_eval(&b->eval[i], -1);
    if (pv->type == MQY_SCALAR && wants_value(L, text) && keep_value(L, pv, &b->eval[i]) < 0) {
        free(text);
        return drop_eval(&b->eval[i], fail(L, pv, "out of memory"));
    }
    if (!(b->kv[i] = param_kv(name, text)))
        return drop_eval(&b->eval[i], fail(L, pv, "out of memory"));
    b->kv_mark[i] = mark_of(pv);
    if (pv->type == MQY_MAP) /* a design's taps: a list, for the checks that follow */
        b->kv_mark[i].list = MQG_LIST_DESIGN;
    b->n_params = i + 1;
    return 0;
}

/* The `args:` mapping of params, if it is one: its entries are parameters of the
 * block like the others (a python block's, its class's arguments: doc/python.md). */
static const mqy_node *args_of(struct loader *L, uint32_t key)
{
    const char *k = scalar(L, node(L, key));
    const mqy_node *v = node(L, next(L, key));

    return k && !strcmp(k, "args") && v->type == MQY_MAP ? v : NULL;
}

static int load_params(struct loader *L, const mqy_node *params, mqg_block *b)
{
    mqg_names seen = {0};
    size_t n = params->n;
    int rc = 0;

    if (want(L, params, MQY_MAP, "params") < 0)
        return -1;
    for (uint32_t p = params->first; p; p = next_key(L, p))
        if (args_of(L, p))
            n += args_of(L, p)->n;
    b->kv = calloc(n + 1, sizeof *b->kv);
    b->kv_mark = calloc(n + 1, sizeof *b->kv_mark);
    b->eval = calloc(n + 1, sizeof *b->eval);
    if (!b->kv || !b->kv_mark || !b->eval)
        return fail(L, params, "out of memory");
    for (uint32_t p = params->first; p && rc == 0; p = next_key(L, p)) {
        const mqy_node *args = args_of(L, p);
        for (uint32_t a = args ? args->first : 0; a && rc == 0; a = next_key(L, a))
            rc = load_param(L, node(L, a), node(L, next(L, a)), b, &seen);
        if (!args)
            rc = load_param(L, node(L, p), node(L, next(L, p)), b, &seen);
    }
    mqg_names_free(&seen);
    return rc;
}

/* "rx, dsp": the graph's host names, for messages. */
void graph_host_names(const mqg_graph *g, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < g->n_hosts && strlen(buf) + 1 < len; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", g->hosts[i].name);
}

/* `host: NAME` of a block: one of the graph's hosts, which are loaded first. */
static int load_block_host(struct loader *L, const mqy_node *n, mqg_block *b)
{
    const mqg_graph *g = L->g;
    int failed, near;
    char *s = field_text(L, n, &failed), names[512];

    b->host_mark = mark_of(n);
    if (failed)
        return -1;
    if (!s)
        return fail(L, n, "the host of block '%s' must be a name", b->name);
    if (!g->n_hosts) {
        fail(L, n, "block '%s' names host '%s', but the graph names no hosts (hosts: {%s: "
             "ADDRESS} at the top)", b->name, s, s);
    } else if ((b->host = graph_find_host(g, s)) < 0) {
        near = mqg_names_nearest(&g->host_names, s, strlen(s), 3);
        graph_host_names(g, names, sizeof names);
        if (near >= 0)
            fail(L, n, "block '%s': no host '%s' (did you mean '%s'?)", b->name, s,
                 g->hosts[near].name);
        else
            fail(L, n, "block '%s': no host '%s' (the graph's hosts: %s)", b->name, s, names);
    }
    free(s);
    return b->host < 0 ? -1 : 0;
}

/* latency_ms (on the arena, a block or a connection; sizing.h): whole ms. */
static int load_latency(struct loader *L, const mqy_node *n, int64_t *ms, mqg_mark *at)
{
    if (!n)
        return 0;
    *at = mark_of(n);
    return to_int(L, n, "latency_ms", 1, MQ_MAX_LATENCY_MS, ms);
}

/* The block under key k (its name already in b->name). */
static int load_block(struct loader *L, const mqy_node *k, const mqy_node *v, mqg_block *b)
{
    static const char *const keys[] = {"type", "params", "restart", "host", "latency_ms",
                                       "process", NULL};
    const mqy_node *t, *params, *restart, *host, *proc;

    b->mark = mark_of(k);
    if (want(L, v, MQY_MAP, "a block") < 0 ||
        known_keys(L, v, keys, "a block") < 0)
        return -1;
    if (!(t = get(L, v, "type")))
        return fail(L, v, "block '%s' has no type", b->name);
    if (!scalar(L, t))
        return fail(L, t, "the type of block '%s' must be a name", b->name);
    b->type = strdup(scalar(L, t));
    b->type_mark = mark_of(t);
    b->max_restarts = 3;
    b->backoff_ms = 100;
    b->max_backoff_ms = MQG_MAX_BACKOFF_MS;
    if ((restart = get(L, v, "restart")) && load_restart(L, restart, b) < 0)
        return -1;
    b->host = -1;
    if ((host = get(L, v, "host")) && load_block_host(L, host, b) < 0)
        return -1;
    if (load_latency(L, get(L, v, "latency_ms"), &b->latency_ms, &b->latency_mark) < 0)
        return -1;
    if ((proc = get(L, v, "process"))) {
        int failed;
        b->process_mark = mark_of(proc);
        if (!(b->process = field_text(L, proc, &failed)) && !failed)
            return fail(L, proc, "the process of block '%s' must be a name", b->name);
        if (failed)
            return -1;
    }
    if (!(params = get(L, v, "params")))
        return 0;
    return load_params(L, params, b);
}

/* "block.port" */
static int load_end(struct loader *L, const mqy_node *n, mqg_end *e)
{
    const char *s = scalar(L, n);
    const char *dot = s ? strrchr(s, '.') : NULL;

    e->mark = mark_of(n);
    if (!s || !dot || dot == s || !dot[1])
        return fail(L, n, "a connection end must be 'block.port', not '%s'", s ? s : "?");
    e->block = strndup(s, (size_t)(dot - s));
    e->port = strdup(dot + 1);
    return 0;
}

static int load_conn(struct loader *L, const mqy_node *n, mqg_conn *c)
{
    static const char *const keys[] = {"from", "to", "depth", "policy", "latency_ms", NULL};

    c->policy = MQ_POLICY_BLOCK;
    if (n->type == MQY_SEQ) {
        if (n->n != 2)
            return fail(L, n, "a connection is a list of two ends: [a.out, b.in]");
        return load_end(L, node(L, n->first), &c->src) < 0 ||
                       load_end(L, node(L, next(L, n->first)), &c->dst) < 0
                   ? -1
                   : 0;
    }
    if (n->type != MQY_MAP)
        return fail(L, n, "a connection is [a.out, b.in] or a mapping with from and to");
    if (known_keys(L, n, keys, "a connection") < 0)
        return -1;
    const mqy_node *from = get(L, n, "from"), *to = get(L, n, "to"), *d, *p;
    if (!from || !to)
        return fail(L, n, "a connection mapping needs both 'from' and 'to'");
    if (load_end(L, from, &c->src) < 0 || load_end(L, to, &c->dst) < 0)
        return -1;
    if ((d = get(L, n, "depth"))) {
        int64_t v;
        if (to_int(L, d, "depth", 1, MQ_MAX_QUEUE_CAP, &v) < 0)
            return -1;
        c->depth = (uint32_t)v;
    }
    if ((p = get(L, n, "policy"))) {
        const char *s = scalar(L, p);
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
    return load_latency(L, get(L, n, "latency_ms"), &c->latency_ms, &c->latency_mark);
}

/* {size, count}: the arena's limits on one pool and on all of them (arena.c's
 * mq_layout_check), checked here to say where. */
static int load_pool(struct loader *L, const mqy_node *p)
{
    static const char *const keys[] = {"size", "count", NULL};
    mqg_graph *g = L->g;
    const mqy_node *sz, *ct;
    int64_t size, count;
    uint64_t bufs = 0;

    if (g->n_pools == MQ_MAX_POOLS)
        return fail(L, p, "at most %d pools", MQ_MAX_POOLS);
    if (want(L, p, MQY_MAP, "a pool") < 0 || known_keys(L, p, keys, "a pool") < 0)
        return -1;
    if (!(sz = get(L, p, "size")) || !(ct = get(L, p, "count")))
        return fail(L, p, "a pool needs size and count");
    if (to_int(L, sz, "pool size", MQ_BUF_ALIGN, MQ_MAX_BUF_SIZE, &size) < 0 ||
        to_int(L, ct, "pool count", 1, MQ_MAX_BUFS, &count) < 0)
        return -1;
    if (size % MQ_BUF_ALIGN)
        return fail(L, sz, "pool size %lld is not a multiple of %d", (long long)size,
                    MQ_BUF_ALIGN);
    if (g->n_pools && (uint64_t)size <= g->pool_size[g->n_pools - 1])
        return fail(L, sz, "pool sizes must ascend");
    for (uint32_t i = 0; i < g->n_pools; i++)
        bufs += g->pool_count[i];
    if (bufs + (uint64_t)count > MQ_MAX_BUFS)
        return fail(L, ct, "pool count %lld makes %llu buffers in all; at most %u fit in an "
                    "arena", (long long)count, (unsigned long long)(bufs + (uint64_t)count),
                    MQ_MAX_BUFS);
    g->pool_mark[g->n_pools] = mark_of(p);
    g->pool_size[g->n_pools] = (uint64_t)size;
    g->pool_count[g->n_pools++] = (uint32_t)count;
    return 0;
}

static int load_arena(struct loader *L, const mqy_node *n)
{
    static const char *const keys[] = {"pools", "queue_depth", "heartbeat_ms",
                                       "heartbeat_timeout_ms", "latency_ms", NULL};
    mqg_graph *g = L->g;
    const mqy_node *v;
    int64_t x;

    if (want(L, n, MQY_MAP, "arena") < 0 || known_keys(L, n, keys, "arena") < 0)
        return -1;
    if ((v = get(L, n, "queue_depth"))) {
        if (to_int(L, v, "queue_depth", 2, MQ_MAX_QUEUE_CAP, &x) < 0)
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
    if (load_latency(L, get(L, n, "latency_ms"), &g->latency_ms, &g->latency_mark) < 0)
        return -1;
    if ((v = get(L, n, "pools"))) {
        if (want(L, v, MQY_SEQ, "pools") < 0)
            return -1;
        g->n_pools = 0;
        for (uint32_t it = v->first; it; it = next(L, it))
            if (load_pool(L, node(L, it)) < 0)
                return -1;
    }
    return 0;
}

/* An address a ZeroMQ tcp:// endpoint takes as it is: a host name or an IPv4
 * address (an IPv6 one would need brackets, and the sockets ZMQ_IPV6). */
static int address_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-._", s[i]))
            return 0;
    return 1;
}

/* NAME: ADDRESS, host i of `hosts:`. */
static int load_host(struct loader *L, const mqy_node *k, const mqy_node *v, int i)
{
    mqg_graph *g = L->g;
    mqg_host *h = &g->hosts[i];
    const char *name = scalar(L, k);
    int first, rc, failed;

    if (!plain_name(name) || strlen(name) >= MQ_HOST_NAME_MAX)
        return fail(L, k, "a host name is 1 to %d letters, digits, '_' or '-'%s%.40s%s",
                    MQ_HOST_NAME_MAX - 1, name ? ", not '" : "", name ? name : "",
                    name && strlen(name) > 40 ? "...'" : name ? "'" : "");
    h->mark = mark_of(k);
    h->address_mark = mark_of(v);
    h->name = strdup(name);
    g->n_hosts = i + 1; /* graph_free frees it from here on */
    if (!h->name || (rc = mqg_names_add(&g->host_names, h->name, strlen(name), i, &first)) < 0)
        return fail(L, k, "out of memory");
    if (rc)
        return fail(L, k, "duplicate host name '%s' (first at line %d)", name,
                    g->hosts[first].mark.line);
    if (!scalar(L, v))
        return fail(L, v, "host '%s': the address must be a host name or an IPv4 address, "
                    "not a %s", name, v->type == MQY_SEQ ? "list" : "mapping");
    if (!(h->address = field_text(L, v, &failed)))
        return failed ? -1 : fail(L, v, "out of memory");
    if (!address_ok(h->address))
        return fail(L, v, "host '%s': address '%.64s' is not a host name or an IPv4 address "
                    "(a ZeroMQ tcp:// endpoint takes it as it is)", name, h->address);
    return 0;
}

/* hosts: {NAME: ADDRESS, ...}, the machines a graph runs across. */
static int load_hosts(struct loader *L, const mqy_node *v)
{
    mqg_graph *g = L->g;
    int i = 0;

    if (want(L, v, MQY_MAP, "hosts") < 0)
        return -1;
    if (v->n == 0)
        return fail(L, v, "hosts names no host (hosts: {NAME: ADDRESS, ...}, or leave it out)");
    g->hosts_mark = mark_of(v);
    if (!(g->hosts = calloc((size_t)v->n, sizeof *g->hosts)))
        return fail(L, v, "out of memory");
    for (uint32_t p = v->first; p; p = next_key(L, p), i++)
        if (load_host(L, node(L, p), node(L, next(L, p)), i) < 0)
            return -1;
    return 0;
}

/* In a graph with hosts, every block says which runs it (a block on the wrong
 * machine would open the wrong device or file, so none is guessed), and every
 * host runs one. */
static int check_hosts(struct loader *L)
{
    mqg_graph *g = L->g;
    char names[512];
    int *runs;

    if (!g->n_hosts)
        return 0;
    graph_host_names(g, names, sizeof names);
    for (int i = 0; i < g->n_blocks; i++)
        if (g->blocks[i].host < 0)
            return fail_at(L, g->blocks[i].mark, "block '%s' has no host (the graph runs "
                           "across hosts %s: say which runs it, host: NAME)",
                           g->blocks[i].name, names);
    if (!(runs = calloc((size_t)g->n_hosts, sizeof *runs)))
        return fail_at(L, g->hosts_mark, "out of memory");
    for (int i = 0; i < g->n_blocks; i++)
        runs[g->blocks[i].host] = 1;
    for (int h = 0; h < g->n_hosts; h++)
        if (!runs[h]) {
            free(runs);
            return fail_at(L, g->hosts[h].mark, "host '%s' runs no block (give a block "
                           "host: %s, or remove it from hosts)", g->hosts[h].name,
                           g->hosts[h].name);
        }
    free(runs);
    return 0;
}

/* link_port: N, the port of the first link between hosts. */
static int load_link_port(struct loader *L, const mqy_node *v)
{
    mqg_graph *g = L->g;

    if (!g->n_hosts)
        return fail(L, v, "link_port is the first port of the links between hosts, but the "
                    "graph names no hosts");
    g->link_port_mark = mark_of(v);
    g->link_port_given = 1;
    return field_int(L, v, "link_port", 1, 65535, &g->link_port);
}

static int load_root(struct loader *L, const mqy_node *root)
{
    static const char *const keys[] = {"name",   "variables", "arena",       "finish",
                                       "hosts",  "link_port", "blocks", "connections", NULL};
    mqg_graph *g = L->g;
    const mqy_node *v;

    if (want(L, root, MQY_MAP, "a graph file") < 0 ||
        known_keys(L, root, keys, "the graph") < 0)
        return -1;
    if ((v = get(L, root, "name"))) {
        if (!scalar(L, v) || !*scalar(L, v))
            return fail(L, v, "name must be a text");
        free(g->name);
        g->name = strdup(scalar(L, v));
    }
    if ((v = get(L, root, "variables")) && load_variables(L, v) < 0)
        return -1;
    for (int i = 0; L->set && i < L->set->n; i++) {
        const char *kv = L->set->kv[i];
        size_t len = (size_t)(strchr(kv, '=') - kv);
        if (!file_var(L, kv, len)) {
            snprintf(L->err, L->errlen, "%s: --set %.*s: the graph has no variable '%.*s'",
                     g->file, (int)len, kv, (int)len, kv);
            return -1;
        }
        struct var *x = &L->vars[mqg_names_find(&L->var_index, kv, len)];
        if (!x->set) /* the first --set of a name counts, as in lookup() */
            x->text = kv + len + 1, x->set = 1;
    }
    if ((v = get(L, root, "arena")) && load_arena(L, v) < 0)
        return -1;
    if ((v = get(L, root, "finish"))) {
        const char *f = scalar(L, v);
        if (!f || (strcmp(f, "any") && strcmp(f, "all")))
            return fail(L, v, "finish must be 'any' (a consumer that finishes ends its "
                              "producer, as in GNU Radio) or 'all' (a producer runs on "
                              "while any consumer reads)");
        g->finish_all = !strcmp(f, "all");
    }
    if ((v = get(L, root, "hosts")) && load_hosts(L, v) < 0)
        return -1;
    if ((v = get(L, root, "link_port")) && load_link_port(L, v) < 0)
        return -1;
    if (!(v = get(L, root, "blocks")))
        return fail(L, root, "the graph has no blocks");
    if (want(L, v, MQY_MAP, "blocks") < 0)
        return -1;
    g->n_blocks = (int)v->n;
    if (g->n_blocks == 0)
        return fail(L, v, "the graph has no blocks");
    /* A process slot each, one for the supervisor, one for each tap. (The tree
     * stops at the first block too many; this is for `blocks: *alias`.) */
    if (g->n_blocks > MQ_MAX_BLOCKS_IN_GRAPH)
        return fail(L, v, "the graph has %d blocks; at most %d fit in an arena", g->n_blocks,
                    MQ_MAX_BLOCKS_IN_GRAPH);
    g->blocks = calloc((size_t)g->n_blocks, sizeof *g->blocks);
    if (!g->blocks)
        return fail(L, v, "out of memory");
    int i = 0;
    for (uint32_t p = v->first; p; p = next_key(L, p), i++) {
        const mqy_node *k = node(L, p);
        const char *name = scalar(L, k);
        if (name && strlen(name) >= MQ_NAME_MAX)
            return fail(L, k, "a block name is 1 to %d letters, digits, '_' or '-', not %zu "
                        "characters ('%.20s...')", MQ_NAME_MAX - 1, strlen(name), name);
        if (!plain_name(name))
            return fail(L, k, "a block name is 1 to %d letters, digits, '_' or '-'%s%s%s",
                        MQ_NAME_MAX - 1, name ? ", not '" : "", name ? name : "",
                        name ? "'" : "");
        int first, rc;
        if (!(g->blocks[i].name = strdup(name)) ||
            (rc = mqg_names_add(&g->names, g->blocks[i].name, strlen(name), i, &first)) < 0)
            return fail(L, k, "out of memory");
        if (rc)
            return fail(L, k, "duplicate block name '%s' (first at line %d)", name,
                        g->blocks[first].mark.line);
        if (load_block(L, k, node(L, next(L, p)), &g->blocks[i]) < 0)
            return -1;
    }
    graph_set_leaders(g);
    if ((v = get(L, root, "connections"))) {
        if (want(L, v, MQY_SEQ, "connections") < 0)
            return -1;
        g->n_conns = (int)v->n;
        g->conns = calloc((size_t)g->n_conns + 1, sizeof *g->conns);
        if (!g->conns)
            return fail(L, v, "out of memory");
        i = 0;
        for (uint32_t it = v->first; it; it = next(L, it), i++)
            if (load_conn(L, node(L, it), &g->conns[i]) < 0)
                return -1;
    }
    return check_hosts(L);
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

/* What the tree stops at, before reading further: the first block or connection
 * past what an arena holds (a graph file of a million blocks took 1.2 GB and
 * 7 s to load, to be refused for its size at the end). */
enum { CAP_BLOCKS, CAP_CONNS, CAP_HOSTS };
static const mqy_cap caps[] = {
    [CAP_BLOCKS] = {"blocks", MQ_MAX_BLOCKS_IN_GRAPH},
    [CAP_CONNS] = {"connections", MQ_MAX_CONNS - MQ_MAX_TAPS},
    [CAP_HOSTS] = {"hosts", MQ_MAX_BLOCKS_IN_GRAPH}, /* each runs a block */
    {NULL, 0},
};

static void cap_error(struct loader *L, const mqy_error *e)
{
    mqg_mark m = {e->line, e->col, 0};
    const char *name = scalar(L, node(L, e->node));

    if (e->cap == CAP_BLOCKS)
        graph_error(L->g, m, L->err, L->errlen,
                    "block '%.47s' is one too many: at most %d blocks fit in an arena",
                    name ? name : "?", MQ_MAX_BLOCKS_IN_GRAPH);
    else if (e->cap == CAP_HOSTS)
        graph_error(L->g, m, L->err, L->errlen,
                    "host '%.47s' is one too many: each host runs a block, and at most %d "
                    "blocks fit in an arena", name ? name : "?", MQ_MAX_BLOCKS_IN_GRAPH);
    else
        graph_error(L->g, m, L->err, L->errlen,
                    "connection %d is one too many: an arena holds %d connections, %d of "
                    "them for taps", MQ_MAX_CONNS - MQ_MAX_TAPS + 1, MQ_MAX_CONNS,
                    MQ_MAX_TAPS);
}

/* What stopped the tree's load, as FILE:LINE:COL: message. */
static void tree_error(struct loader *L, const mqy_error *e)
{
    mqg_mark m = {e->line, e->col, 0};

    switch (e->kind) {
    case MQY_ESYNTAX:
        graph_error(L->g, m, L->err, L->errlen, "YAML syntax: %s", e->text);
        break;
    case MQY_EDEPTH:
        graph_error(L->g, m, L->err, L->errlen,
                    "YAML nested more than %d levels deep (a graph file's limit)",
                    MQ_GRAPH_MAX_DEPTH);
        break;
    case MQY_ECAP:
        cap_error(L, e);
        break;
    case MQY_EKEY:
        graph_error(L->g, m, L->err, L->errlen,
                    "a key of %zu characters: YAML allows at most %d (and a block name is "
                    "at most %d)", e->len, MQ_YAML_KEY_MAX, MQ_NAME_MAX - 1);
        break;
    case MQY_EBIG:
        graph_error(L->g, m, L->err, L->errlen,
                    "the file is too large (more than 2^32 YAML values or bytes of text)");
        break;
    default:
        graph_error(L->g, m, L->err, L->errlen, "out of memory");
        break;
    }
}

mqg_graph *graph_load_stream(FILE *f, const char *path, const mqg_vars *set, char *err,
                             size_t errlen)
{
    struct loader L = {.set = set, .err = err, .errlen = errlen};
    L.env = (mqg_expr_env){var_value, &L};
    mqy_opts opts = {MQ_GRAPH_MAX_DEPTH, caps};
    mqy_error e;
    mqg_graph *g;
    int rc = -1;

    if (!(g = calloc(1, sizeof *g))) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    L.g = g;
    g->file = strdup(path);
    g->heartbeat_ms = 100;
    g->heartbeat_timeout_ms = 2000;
    g->link_port = MQG_LINK_PORT;
    if (mqy_load(f, &opts, &L.t, &e) < 0)
        tree_error(&L, &e);
    else if (!L.t.root)
        graph_error(g, (mqg_mark){1, 1, 0}, err, errlen, "the file is empty");
    else
        rc = load_root(&L, node(&L, L.t.root));
    mqg_names_free(&L.var_index);
    for (int i = 0; i < L.n_vars; i++)
        free(L.vars[i].why);
    free(L.vars);
    mqy_free(&L.t);
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

int graph_block_grow(mqg_block *b, int n)
{
    char **kv = realloc(b->kv, sizeof *kv * (size_t)(n + 1));
    if (kv)
        b->kv = kv;
    mqg_mark *marks = kv ? realloc(b->kv_mark, sizeof *marks * (size_t)(n + 1)) : NULL;
    if (marks)
        b->kv_mark = marks;
    mqg_eval *eval = marks ? realloc(b->eval, sizeof *eval * (size_t)(n + 1)) : NULL;
    if (!eval)
        return -1;
    b->eval = eval;
    for (int i = b->n_params; i <= n; i++) {
        b->kv_mark[i] = b->mark;
        b->eval[i] = (mqg_eval){.kind = MQG_EVAL_NONE};
    }
    return 0;
}

int graph_find_block(const mqg_graph *g, const char *name)
{
    return mqg_names_find(&g->names, name, strlen(name));
}

int graph_find_host(const mqg_graph *g, const char *name)
{
    return mqg_names_find(&g->host_names, name, strlen(name));
}

int graph_same_restart(const mqg_block *a, const mqg_block *b)
{
    return a->restart == b->restart && a->max_restarts == b->max_restarts &&
           a->backoff_ms == b->backoff_ms && a->max_backoff_ms == b->max_backoff_ms;
}

void graph_set_leaders(mqg_graph *g)
{
    for (int i = 0; i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        b->leader = i;
        b->members = 0;
        for (int j = 0; j < i && b->process && b->leader == i; j++)
            if (g->blocks[j].process && !strcmp(g->blocks[j].process, b->process))
                b->leader = j;
        g->blocks[b->leader].members++;
    }
}

void graph_free(mqg_graph *g)
{
    if (!g)
        return;
    for (int i = 0; g->blocks && i < g->n_blocks; i++) {
        mqg_block *b = &g->blocks[i];
        for (int k = 0; k < b->n_params; k++) {
            free(b->kv[k]);
            if (b->eval) {
                free(b->eval[k].src);
                free(b->eval[k].why);
            }
        }
        free(b->kv);
        free(b->kv_mark);
        free(b->eval);
        free(b->own_decl);
        free(b->name);
        free(b->type);
        free(b->process);
    }
    for (int i = 0; g->conns && i < g->n_conns; i++) {
        free(g->conns[i].src.block);
        free(g->conns[i].src.port);
        free(g->conns[i].dst.block);
        free(g->conns[i].dst.port);
    }
    for (int i = 0; i < g->n_hosts; i++) {
        free(g->hosts[i].name);
        free(g->hosts[i].address);
    }
    mqg_names_free(&g->host_names);
    free(g->hosts);
    mqg_names_free(&g->names);
    free(g->blocks);
    free(g->conns);
    free(g->file);
    free(g->name);
    free(g);
}
