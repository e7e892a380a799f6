/* params.c - item types, and block parameters given as "name=value" text: checks of
 * declarations and of values, parsing, live changes, and the port lists that
 * depend on them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "params.h"

static const struct {
    const char *name;
    size_t size;
} mq__items[MQ_ITEM_COUNT_] = {
    {"u8", 1}, {"i16", 2}, {"i32", 4}, {"f32", 4}, {"f64", 8}, {"c32", 8}, {"bytes", 1},
    {"msg", 1},
};

size_t mq_item_size(mq_item_type t)
{
    return (unsigned)t < MQ_ITEM_COUNT_ ? mq__items[t].size : 1;
}

const char *mq_item_name(mq_item_type t)
{
    return (unsigned)t < MQ_ITEM_COUNT_ ? mq__items[t].name : "?";
}

int mq_item_parse(const char *name)
{
    for (int i = 0; i < MQ_ITEM_COUNT_; i++)
        if (strcmp(name, mq__items[i].name) == 0)
            return i;
    return MQ_EINVAL;
}

/* Whether "name=value" text `kv` is for parameter `name`. */
static int mq__is_key(const char *kv, const char *name)
{
    size_t len = strlen(name);
    return strncmp(kv, name, len) == 0 && kv[len] == '=';
}

/* The value text of `name` among the "name=value" strings, or NULL; *idx its index. */
static const char *mq__kv(int n, char *const *kv, const char *name, int *idx)
{
    for (int i = 0; i < n; i++)
        if (mq__is_key(kv[i], name)) {
            *idx = i;
            return kv[i] + strlen(name) + 1;
        }
    *idx = -1;
    return NULL;
}

/* The value text of `name`: given, else its declared default, else NULL. */
static const char *mq__kv_or_default(const mq_block_decl *d, int n, char *const *kv,
                                     const char *name)
{
    int idx;
    const char *text = mq__kv(n, kv, name, &idx);

    for (int k = 0; !text && k < d->n_params; k++)
        if (!strcmp(d->params[k].name, name))
            text = d->params[k].def;
    return text;
}

/* A number: the whole text, finite. One too small for a double (1e-400) reads as
 * the nearest, 0 or a denormal, as a C compiler reads it; one too large is no
 * number. */
static int mq__num(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (errno == ERANGE && fabs(*out) <= 1)
        errno = 0; /* underflow */
    return *s && !*end && errno == 0 && isfinite(*out) ? 0 : -1;
}

/* A complex number, as Python writes one: "re", "imj", "re+imj" or "re-imj", maybe
 * in parentheses ("(1+2j)", Python's repr). The split is at the last sign that is
 * not an exponent's. */
static int mq__complex(const char *s, double *re, double *im)
{
    char buf[128];
    size_t n;

    /* Python's complex() takes spaces around the number and inside the
     * parentheses, and no hexadecimal (which strtod would read) */
    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s++;
        n -= 2;
        while (n && isspace((unsigned char)*s))
            s++, n--;
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
    }
    if (memchr(s, 'x', n) || memchr(s, 'X', n) || memchr(s, ' ', n))
        return -1;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (buf[n - 1] != 'j' && buf[n - 1] != 'J') {
        *im = 0;
        return mq__num(buf, re);
    }
    buf[--n] = 0;
    size_t cut = 0; /* where the imaginary part starts */
    for (size_t i = n; i-- > 1;)
        if ((buf[i] == '+' || buf[i] == '-') && buf[i - 1] != 'e' && buf[i - 1] != 'E') {
            cut = i;
            break;
        }
    const char *ims = buf + cut;
    /* "j", "+j", "2-j": the coefficient 1 is implied */
    if (!strcmp(ims, "") || !strcmp(ims, "+") || !strcmp(ims, "-"))
        *im = *ims == '-' ? -1 : 1;
    else if (mq__num(ims, im) < 0)
        return -1;
    if (cut == 0) {
        *re = 0;
        return 0;
    }
    buf[cut] = 0;
    return mq__num(buf, re);
}

static int mq__choice(const char *choices, const char *v)
{
    size_t len = strlen(v);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, v, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static int mq__in_range(const mq_param_decl *p, double v)
{
    return !(p->min < p->max) || (v >= p->min && v <= p->max);
}

/* Parses one value; on error writes the reason (without the name) to err. */
static int mq__parse_one(const mq_param_decl *p, const char *text, mq_pval *v, char *err,
                         size_t len)
{
    double d;

    memset(v, 0, sizeof *v);
    switch (p->type) {
    case MQ_PARAM_INT:
        if (mq__num(text, &d) < 0 || d != floor(d) || fabs(d) > 9.007199254740992e15) {
            snprintf(err, len, "'%s' is not an integer", text);
            return MQ_EINVAL;
        }
        v->i = (int64_t)d;
        v->f = d;
        break;
    case MQ_PARAM_FLOAT:
        if (mq__num(text, &d) < 0) {
            snprintf(err, len, "'%s' is not a number", text);
            return MQ_EINVAL;
        }
        v->f = d;
        break;
    case MQ_PARAM_COMPLEX:
        if (mq__complex(text, &v->f, &v->im) < 0) {
            snprintf(err, len, "'%s' is not a complex number (as 0.5, 0.5+0.5j, -2j)", text);
            return MQ_EINVAL;
        }
        if (!mq__in_range(p, v->f) || !mq__in_range(p, v->im)) {
            snprintf(err, len, "%s has a part outside [%.15g, %.15g]", text, p->min, p->max);
            return MQ_EINVAL;
        }
        return 0;
    case MQ_PARAM_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes"))
            v->i = 1;
        else if (strcmp(text, "false") && strcmp(text, "0") && strcmp(text, "no")) {
            snprintf(err, len, "'%s' is not true or false", text);
            return MQ_EINVAL;
        }
        return 0;
    case MQ_PARAM_ENUM:
        if (!mq__choice(p->choices, text)) {
            snprintf(err, len, "'%s' is not one of %s", text, p->choices);
            return MQ_EINVAL;
        }
        /* fall through */
    case MQ_PARAM_STRING:
        v->s = text;
        return 0;
    case MQ_PARAM_FLOATS: {
        size_t cap = 1;
        for (const char *q = text; *q; q++)
            cap += *q == ',';
        v->list = calloc(cap, sizeof *v->list);
        if (!v->list) {
            snprintf(err, len, "out of memory");
            return MQ_ENOMEM;
        }
        for (const char *q = text; *text && q;) {
            char item[64];
            const char *comma = strchr(q, ',');
            size_t n = comma ? (size_t)(comma - q) : strlen(q);
            if (n >= sizeof item || (memcpy(item, q, n), item[n] = 0, mq__num(item, &d) < 0)) {
                snprintf(err, len, "element %zu ('%.*s') is not a number", v->n,
                         (int)(n > 32 ? 32 : n), q);
                free(v->list);
                v->list = NULL;
                return MQ_EINVAL;
            }
            if (!mq__in_range(p, d)) {
                snprintf(err, len, "element %zu (%g) is outside [%.15g, %.15g]", v->n, d, p->min,
                         p->max);
                free(v->list);
                v->list = NULL;
                return MQ_EINVAL;
            }
            v->list[v->n++] = d;
            q = comma ? comma + 1 : NULL;
        }
        return 0;
    }
    }
    if (!mq__in_range(p, v->f)) {
        snprintf(err, len, "%s is outside [%.15g, %.15g]", text, p->min, p->max);
        return MQ_EINVAL;
    }
    return 0;
}

int mq__params_parse(const mq_block_decl *d, int n, char *const *kv, mq_pval *vals, int *bad,
                     char *errbuf, size_t errlen)
{
    char why[256];

    *bad = -1;
    for (int i = 0; i < n; i++) {
        int known = 0;
        for (int k = 0; k < d->n_params && !known; k++)
            known = mq__is_key(kv[i], d->params[k].name);
        if (!known) {
            const char *eq = strchr(kv[i], '=');
            *bad = i;
            snprintf(errbuf, errlen, "block type '%s' has no parameter '%.*s'", d->name,
                     (int)(eq ? eq - kv[i] : (long)strlen(kv[i])), kv[i]);
            return MQ_EINVAL;
        }
    }
    memset(vals, 0, sizeof *vals * (size_t)d->n_params);
    for (int k = 0; k < d->n_params; k++) {
        const mq_param_decl *p = &d->params[k];
        int idx;
        const char *text = mq__kv(n, kv, p->name, &idx);
        if (!text && !p->def) {
            snprintf(errbuf, errlen, "missing parameter '%s' (%s)", p->name,
                     p->doc ? p->doc : "required");
            mq__params_free(d, vals);
            return MQ_EINVAL;
        }
        int rc = mq__parse_one(p, text ? text : p->def, &vals[k], why, sizeof why);
        if (rc < 0) {
            *bad = idx;
            snprintf(errbuf, errlen, "parameter '%s': %s", p->name, why);
            mq__params_free(d, vals);
            return rc;
        }
    }
    return 0;
}

void mq__params_free(const mq_block_decl *d, mq_pval *vals)
{
    for (int k = 0; k < d->n_params; k++) {
        free(vals[k].list);
        vals[k].list = NULL;
    }
}

int mq_params_check(const mq_block_decl *d, int n, char *const *kv, int *bad, char *errbuf,
                    size_t errlen)
{
    mq_pval *vals = calloc((size_t)d->n_params + 1, sizeof *vals);
    int rc;

    if (!vals)
        return MQ_ENOMEM;
    rc = mq__params_parse(d, n, kv, vals, bad, errbuf, errlen);
    if (rc == 0) {
        if ((rc = mq__block_check(d, n, kv, vals, errbuf, errlen)) < 0)
            *bad = -1; /* a combination: the block, not one parameter, is at fault */
        mq__params_free(d, vals);
    }
    free(vals);
    return rc;
}

/* The value of an INT count parameter, or -1. */
static int mq__count(const mq_block_decl *d, int n, char *const *kv, const char *name)
{
    const char *text = mq__kv_or_default(d, n, kv, name);
    double v;

    if (!text || mq__num(text, &v) < 0 || v < 0 || v > MQ_MAX_PORTS || v != floor(v))
        return -1;
    return (int)v;
}

int mq__has_cmd(const mq_block_decl *d)
{
    for (int k = 0; k < d->n_params; k++)
        if (d->params[k].flags & MQ_PARAM_LIVE)
            return 1;
    return 0;
}

/* The declared ports of one direction (without `cmd`). */
static int mq__declared_ports(const mq_block_decl *d, int n, char *const *kv, int output)
{
    const char *cp = output ? d->out_count_param : d->in_count_param;
    int count = cp ? mq__count(d, n, kv, cp) : (output ? d->n_out : d->n_in);
    return count < 0 ? MQ_EINVAL : count;
}

int mq_block_port_count(const mq_block_decl *d, int n, char *const *kv, int output)
{
    int count = mq__declared_ports(d, n, kv, output);

    if (count < 0 || output || !mq__has_cmd(d))
        return count;
    return count < MQ_MAX_PORTS ? count + 1 : MQ_EINVAL;
}

int mq_block_port(const mq_block_decl *d, int n, char *const *kv, int output, int i, char *buf,
                  size_t len, mq_item_type *type)
{
    const char *cp = output ? d->out_count_param : d->in_count_param;
    const mq_port_decl *ports = output ? d->out : d->in;
    int count = mq__declared_ports(d, n, kv, output);
    const mq_port_decl *p;

    if (!output && i == count && count >= 0 && mq__has_cmd(d) && count < MQ_MAX_PORTS) {
        snprintf(buf, len, "cmd");
        *type = MQ_ITEM_MSG;
        return 0;
    }
    if (count < 0 || i < 0 || i >= count)
        return MQ_EINVAL;
    p = cp ? &ports[0] : &ports[i];
    if (cp)
        snprintf(buf, len, "%s%d", p->name, i);
    else
        snprintf(buf, len, "%s", p->name);
    *type = p->type;
    if (p->type_param) {
        int t;
        const char *text = mq__kv_or_default(d, n, kv, p->type_param);
        if (!text || (t = mq_item_parse(text)) < 0)
            return MQ_EINVAL;
        *type = (mq_item_type)t;
    }
    return 0;
}

int mq_block_port_vlen(const mq_block_decl *d, int n, char *const *kv, int output, int i)
{
    const char *cp = output ? d->out_count_param : d->in_count_param;
    const mq_port_decl *ports = output ? d->out : d->in;
    int count = mq__declared_ports(d, n, kv, output);
    const mq_port_decl *p;
    const char *text;
    double v;

    if (!output && i == count && count >= 0 && mq__has_cmd(d) && count < MQ_MAX_PORTS)
        return 1; /* cmd */
    if (count < 0 || i < 0 || i >= count)
        return MQ_EINVAL;
    p = cp ? &ports[0] : &ports[i];
    if (!p->vlen_param)
        return 1;
    text = mq__kv_or_default(d, n, kv, p->vlen_param);
    if (!text || mq__num(text, &v) < 0 || v < 1 || v > MQ_MAX_VLEN || v != floor(v))
        return MQ_EINVAL;
    return (int)v;
}

const char *mq_param_type_name(mq_param_type t)
{
    static const char *const n[] = {"int",  "float",  "bool",   "string",
                                    "enum", "floats", "complex"};
    return (unsigned)t <= MQ_PARAM_COMPLEX ? n[t] : "?";
}

/* ---- live changes ---------------------------------------------------------------- */

static int mq__same(const mq_param_decl *p, const mq_pval *a, const mq_pval *b)
{
    switch (p->type) {
    case MQ_PARAM_STRING:
    case MQ_PARAM_ENUM:
        return a->s && b->s && !strcmp(a->s, b->s);
    case MQ_PARAM_FLOATS:
        return a->n == b->n && (a->n == 0 || !memcmp(a->list, b->list, a->n * sizeof *a->list));
    default:
        return a->i == b->i && (a->f == b->f || (isnan(a->f) && isnan(b->f))) &&
               a->im == b->im;
    }
}

int mq__params_apply(const mq_block_decl *d, mq_pval *vals, char *text,
                     unsigned char *changed, char *errbuf, size_t errlen)
{
    mq_pval *next = calloc((size_t)d->n_params + 1, sizeof *next);
    unsigned char *given = calloc((size_t)d->n_params + 1, 1);
    char why[256];
    int rc = 0, n = 0;

    if (!next || !given) {
        free(next);
        free(given);
        return MQ_ENOMEM;
    }
    /* Every line first, into `next`: a text with one bad line changes nothing. */
    for (char *line = text; rc == 0 && *line;) {
        char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
        char *eq = memchr(line, '=', (size_t)(end - line));
        int k = -1;
        for (int j = 0; eq && j < d->n_params && k < 0; j++)
            if (strlen(d->params[j].name) == (size_t)(eq - line) &&
                !strncmp(line, d->params[j].name, (size_t)(eq - line)))
                k = j;
        if (k < 0 || !(d->params[k].flags & MQ_PARAM_LIVE) || given[k]) {
            snprintf(errbuf, errlen, "live values: '%.*s' is no live parameter of %s",
                     (int)(eq ? eq - line : end - line), line, d->name);
            rc = MQ_EINVAL;
            break;
        }
        /* The value in place, its newline made its end: STRING and ENUM values
         * point into `text`, which the caller keeps. */
        *end = 0;
        rc = mq__parse_one(&d->params[k], eq + 1, &next[k], why, sizeof why);
        if (rc < 0)
            snprintf(errbuf, errlen, "live value of '%s': %s", d->params[k].name, why);
        given[k] = 1;
        line = nl ? nl + 1 : end;
    }
    for (int k = 0; rc == 0 && k < d->n_params; k++)
        if ((d->params[k].flags & MQ_PARAM_LIVE) && !given[k]) {
            /* The old text goes when the new one is applied: every live value must
             * come from the new one. */
            snprintf(errbuf, errlen, "live values: no value for '%s'", d->params[k].name);
            rc = MQ_EINVAL;
        }
    for (int k = 0; k < d->n_params; k++) {
        if (!given[k])
            continue;
        if (rc == 0) {
            changed[k] = !mq__same(&d->params[k], &vals[k], &next[k]);
            n += changed[k];
            free(vals[k].list);
            vals[k] = next[k];
        } else {
            free(next[k].list);
        }
    }
    free(next);
    free(given);
    return rc < 0 ? rc : n;
}

/* ---- declarations ------------------------------------------------------------------ */

static int mq__param_index(const mq_block_decl *d, const char *name)
{
    for (int k = 0; name && k < d->n_params; k++)
        if (d->params[k].name && !strcmp(d->params[k].name, name))
            return k;
    return -1;
}

static int mq__ports_check(const mq_block_decl *d, int output, char *errbuf, size_t errlen)
{
    const mq_port_decl *ports = output ? d->out : d->in;
    const char *dir = output ? "output" : "input";
    const char *count = output ? d->out_count_param : d->in_count_param;
    int n = output ? d->n_out : d->n_in, k;

    if (n < 0 || n > MQ_MAX_PORTS || (n > 0 && !ports)) {
        snprintf(errbuf, errlen, "%d %s ports (at most %d)", n, dir, MQ_MAX_PORTS);
        return MQ_EINVAL;
    }
    if (count && ((k = mq__param_index(d, count)) < 0 || d->params[k].type != MQ_PARAM_INT ||
                  (d->params[k].flags & MQ_PARAM_LIVE))) {
        snprintf(errbuf, errlen, "the %s count parameter '%s' is not a fixed int parameter",
                 dir, count);
        return MQ_EINVAL;
    }
    for (int i = 0; i < n; i++) {
        const mq_port_decl *p = &ports[i];
        if (!p->name || !*p->name || strlen(p->name) >= MQ_PORT_NAME_MAX ||
            (unsigned)p->type >= MQ_ITEM_COUNT_) {
            snprintf(errbuf, errlen, "%s port %d has no name (or one over %d bytes) or no "
                                     "item type", dir, i, MQ_PORT_NAME_MAX - 1);
            return MQ_EINVAL;
        }
        if (p->type_param &&
            ((k = mq__param_index(d, p->type_param)) < 0 || d->params[k].type != MQ_PARAM_ENUM ||
             (d->params[k].flags & MQ_PARAM_LIVE))) {
            snprintf(errbuf, errlen, "the type parameter '%s' of %s '%s' is not a fixed enum "
                                     "parameter", p->type_param, dir, p->name);
            return MQ_EINVAL;
        }
        if (p->vlen_param &&
            ((k = mq__param_index(d, p->vlen_param)) < 0 || d->params[k].type != MQ_PARAM_INT ||
             (d->params[k].flags & MQ_PARAM_LIVE) || !(d->params[k].min >= 1) ||
             !(d->params[k].max <= MQ_MAX_VLEN))) {
            snprintf(errbuf, errlen, "the vlen parameter '%s' of %s '%s' is not a fixed int "
                                     "parameter of range 1 .. %d at most", p->vlen_param, dir,
                     p->name, MQ_MAX_VLEN);
            return MQ_EINVAL;
        }
    }
    return 0;
}

static int mq__param_decl_check(const mq_block_decl *d, int k, char *errbuf, size_t errlen)
{
    const mq_param_decl *p = &d->params[k];
    char why[256];
    mq_pval v;

    if (!p->name || !*p->name || strchr(p->name, '=') || strchr(p->name, '\n')) {
        snprintf(errbuf, errlen, "parameter %d has no name (or one with '=')", k);
        return MQ_EINVAL;
    }
    if (mq__param_index(d, p->name) != k) {
        snprintf(errbuf, errlen, "parameter '%s' is declared twice", p->name);
        return MQ_EINVAL;
    }
    if ((unsigned)p->type > MQ_PARAM_COMPLEX ||
        (p->flags & ~(uint32_t)(MQ_PARAM_LIVE | MQ_PARAM_SIZED))) {
        snprintf(errbuf, errlen, "parameter '%s' has an unknown type or flag", p->name);
        return MQ_EINVAL;
    }
    if ((p->flags & MQ_PARAM_SIZED) && (p->type != MQ_PARAM_INT || (p->flags & MQ_PARAM_LIVE) ||
                                        !(p->min >= 1))) {
        snprintf(errbuf, errlen, "parameter '%s' is flagged sized but is not a fixed int "
                 "parameter of at least 1", p->name);
        return MQ_EINVAL;
    }
    if (p->type == MQ_PARAM_ENUM && (!p->choices || !*p->choices)) {
        snprintf(errbuf, errlen, "enum parameter '%s' has no choices", p->name);
        return MQ_EINVAL;
    }
    if (p->def && mq__parse_one(p, p->def, &v, why, sizeof why) < 0) {
        snprintf(errbuf, errlen, "the default of parameter '%s': %s", p->name, why);
        return MQ_EINVAL;
    }
    if (p->def)
        free(v.list);
    return 0;
}

/* Whether the declared input i is a message input (a counted port is never one). */
static int mq__msg_in(const mq_block_decl *d, int i)
{
    return !d->in_count_param && d->in[i].type == MQ_ITEM_MSG && !d->in[i].type_param;
}

/* Message inputs and no stream inputs. */
static int mq__message_only(const mq_block_decl *d)
{
    int msg = mq__has_cmd(d);

    for (int i = 0; i < d->n_in; i++) {
        if (!mq__msg_in(d, i))
            return 0;
        msg = 1;
    }
    return msg;
}

static int mq__messages_check(const mq_block_decl *d, char *errbuf, size_t errlen)
{
    int any = 0;

    for (int dir = 0; dir < 2; dir++) {
        const mq_port_decl *ports = dir ? d->out : d->in;
        int n = dir ? d->n_out : d->n_in;
        const char *count = dir ? d->out_count_param : d->in_count_param;
        for (int i = 1; i < n; i++)
            if (ports[i - 1].type == MQ_ITEM_MSG && ports[i].type != MQ_ITEM_MSG) {
                snprintf(errbuf, errlen, "%s '%s' comes after a message port: declare the "
                                         "stream ports first", dir ? "output" : "input",
                         ports[i].name);
                return MQ_EINVAL;
            }
        if (count && n > 0 && ports[0].type == MQ_ITEM_MSG) {
            snprintf(errbuf, errlen, "counted ports (%s) cannot be message ports", count);
            return MQ_EINVAL;
        }
    }
    for (int i = 0; i < d->n_in; i++) {
        if (mq__has_cmd(d) && !strcmp(d->in[i].name, "cmd")) {
            snprintf(errbuf, errlen, "input 'cmd' is the runtime's for a block with live "
                                     "parameters: name the port otherwise");
            return MQ_EINVAL;
        }
        any |= mq__msg_in(d, i);
    }
    if (any && !d->message) {
        snprintf(errbuf, errlen, "block %s has message inputs but no message handler", d->name);
        return MQ_EINVAL;
    }
    if ((d->flags & MQ_BLOCK_EVENTS) && (d->n_in < 1 || !mq__msg_in(d, 0))) {
        snprintf(errbuf, errlen, "block %s wants events but input 0 is no message input",
                 d->name);
        return MQ_EINVAL;
    }
    if (d->flags & ~(uint32_t)(MQ_BLOCK_ANY_INPUT | MQ_BLOCK_CALL_AT_END | MQ_BLOCK_EVENTS)) {
        snprintf(errbuf, errlen, "block %s has an unknown flag", d->name);
        return MQ_EINVAL;
    }
    return 0;
}

int mq_block_decl_check(const mq_block_decl *d, char *errbuf, size_t errlen)
{
    int rc;

    if (!d->name || !*d->name || strlen(d->name) >= MQ_NAME_MAX) {
        snprintf(errbuf, errlen, "the block has no name, or one of %d bytes or more",
                 MQ_NAME_MAX);
        return MQ_EINVAL;
    }
    if (!d->work && !mq__message_only(d)) {
        snprintf(errbuf, errlen, "block %s has no work function (only a block with message "
                                 "inputs and no stream inputs may have none)", d->name);
        return MQ_EINVAL;
    }
    if (d->n_params < 0 || (d->n_params > 0 && !d->params)) {
        snprintf(errbuf, errlen, "block %s: n_params is %d", d->name, d->n_params);
        return MQ_EINVAL;
    }
    if (d->tag_policy > MQ_TAGS_DONT) {
        snprintf(errbuf, errlen, "block %s: tag_policy %u is none of MQ_TAGS_*", d->name,
                 d->tag_policy);
        return MQ_EINVAL;
    }
    for (int k = 0; k < d->n_params; k++)
        if ((rc = mq__param_decl_check(d, k, errbuf, errlen)) < 0)
            return rc;
    if ((rc = mq__ports_check(d, 0, errbuf, errlen)) < 0 ||
        (rc = mq__ports_check(d, 1, errbuf, errlen)) < 0)
        return rc;
    return mq__messages_check(d, errbuf, errlen);
}

int mq_param_format_double(double d, char *buf, size_t len)
{
    int n = 0;

    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, len, "%.*g", prec, d);
        if (n < 0 || (size_t)n >= len || strtod(buf, NULL) == d || !isfinite(d))
            break;
    }
    return n;
}
