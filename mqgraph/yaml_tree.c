/* yaml_tree.c - building the compact tree from libyaml's events (yaml_tree.h).
 *
 * A stack holds the collections still open; each new node is linked after its
 * parent's last child. Anchors are recorded when their node is complete, so an
 * alias can only name a finished value: a collection holding an alias of itself
 * is an undefined alias here, which keeps every walk of the tree finite.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "mq_limits.h"
#include "names.h"
#include "yaml_tree.h"

struct frame {
    uint32_t node, last; /* the collection, its last child so far */
    uint32_t children;   /* mapping: keys and values */
    uint32_t max;        /* entries allowed (a cap), else UINT32_MAX */
    int cap;             /* which cap, or -1 */
    char *anchor;        /* its anchor, recorded at its end; NULL for none */
};

struct builder {
    mqy_tree *t;
    mqy_error *e;
    const mqy_opts *o;
    struct frame *stack;
    int depth;
    mqg_names anchors; /* anchor -> node; the names are in `names` */
    char **names;
    size_t n_names, cap_names;
};

static int fail(struct builder *b, int kind, const yaml_mark_t *m)
{
    b->e->kind = kind;
    b->e->line = (int)m->line + 1;
    b->e->col = (int)m->column + 1;
    return -1;
}

static int new_node(struct builder *b, uint32_t type, const yaml_mark_t *m, uint32_t *out)
{
    mqy_tree *t = b->t;

    if (t->n_nodes == t->cap_nodes) {
        uint32_t cap = t->cap_nodes ? t->cap_nodes * 2 : 1024;
        mqy_node *bigger;
        if (cap <= t->cap_nodes)
            return fail(b, MQY_EBIG, m);
        if (!(bigger = realloc(t->node, (size_t)cap * sizeof *bigger)))
            return fail(b, MQY_ENOMEM, m);
        t->node = bigger;
        t->cap_nodes = cap;
    }
    *out = t->n_nodes++;
    t->node[*out] = (mqy_node){(uint32_t)m->line + 1, (uint32_t)m->column + 1, type, 0, 0, 0};
    return 0;
}

static int add_text(struct builder *b, const char *s, size_t len, const yaml_mark_t *m,
                    uint32_t *off)
{
    mqy_tree *t = b->t;

    if (t->text_len + len + 1 > UINT32_MAX)
        return fail(b, MQY_EBIG, m);
    if (t->text_len + len + 1 > t->text_cap) {
        size_t cap = (t->text_len + len + 1) * 2;
        char *bigger = realloc(t->text, cap);
        if (!bigger)
            return fail(b, MQY_ENOMEM, m);
        t->text = bigger;
        t->text_cap = cap;
    }
    memcpy(t->text + t->text_len, s, len);
    t->text[t->text_len + len] = 0;
    *off = (uint32_t)t->text_len;
    t->text_len += len + 1;
    return 0;
}

/* Links node i after the open collection's last child, or makes it the root. */
static int attach(struct builder *b, uint32_t i, const yaml_mark_t *m)
{
    mqy_tree *t = b->t;

    if (b->depth == 0) {
        t->root = t->root ? t->root : i;
        return 0;
    }
    struct frame *f = &b->stack[b->depth - 1];
    mqy_node *p = &t->node[f->node];
    if (f->last)
        t->node[f->last].next = i;
    else
        p->first = i;
    f->last = i;
    if (p->type == MQY_SEQ || f->children % 2 == 0)
        p->n++;
    f->children++;
    if (p->n > f->max) {
        b->e->cap = f->cap;
        b->e->node = i;
        return fail(b, MQY_ECAP, m);
    }
    return 0;
}

static int record_anchor(struct builder *b, const char *anchor, uint32_t i)
{
    char *name;

    if (b->n_names == b->cap_names) {
        size_t cap = b->cap_names ? b->cap_names * 2 : 16;
        char **more = realloc(b->names, cap * sizeof *more);
        if (!more)
            return -1;
        b->names = more;
        b->cap_names = cap;
    }
    if (!(name = strdup(anchor)))
        return -1;
    b->names[b->n_names++] = name;
    /* A later anchor of the same name hides the earlier one, as YAML says. */
    return mqg_names_set(&b->anchors, name, strlen(name), (int)i) < 0 ? -1 : 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    uint32_t i, off;
    size_t len = ev->data.scalar.length;

    if (new_node(b, MQY_SCALAR, &ev->start_mark, &i) < 0 ||
        add_text(b, (const char *)ev->data.scalar.value, len, &ev->start_mark, &off) < 0)
        return -1;
    b->t->node[i].first = off;
    b->t->node[i].n = (uint32_t)len;
    if (ev->data.scalar.anchor &&
        record_anchor(b, (const char *)ev->data.scalar.anchor, i) < 0)
        return fail(b, MQY_ENOMEM, &ev->start_mark);
    return attach(b, i, &ev->start_mark);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int target = mqg_names_find(&b->anchors, name, strlen(name));
    uint32_t i;

    if (target < 0) {
        snprintf(b->e->text, sizeof b->e->text, "found undefined alias '*%.200s'", name);
        return fail(b, MQY_ESYNTAX, &ev->start_mark);
    }
    if (new_node(b, MQY_ALIAS, &ev->start_mark, &i) < 0)
        return -1;
    b->t->node[i].first = (uint32_t)target;
    return attach(b, i, &ev->start_mark);
}

/* The cap on the collection about to open, if it is the value of a capped key of
 * the root mapping. */
static int cap_of(const struct builder *b)
{
    const struct frame *f = b->depth == 1 ? &b->stack[0] : NULL;
    const char *key;

    if (!f || b->t->node[f->node].type != MQY_MAP || f->children % 2 == 0 || !b->o->caps)
        return -1;
    key = mqy_text(b->t, mqy_at(b->t, f->last));
    for (int k = 0; key && b->o->caps[k].key; k++)
        if (!strcmp(b->o->caps[k].key, key))
            return k;
    return -1;
}

static int on_start(struct builder *b, const yaml_event_t *ev, uint32_t type)
{
    const yaml_char_t *anchor = type == MQY_SEQ ? ev->data.sequence_start.anchor
                                                : ev->data.mapping_start.anchor;
    int cap = cap_of(b);
    uint32_t i;

    if (b->depth >= b->o->max_depth)
        return fail(b, MQY_EDEPTH, &ev->start_mark);
    if (new_node(b, type, &ev->start_mark, &i) < 0 || attach(b, i, &ev->start_mark) < 0)
        return -1;
    struct frame *f = &b->stack[b->depth];
    *f = (struct frame){i, 0, 0, cap >= 0 ? b->o->caps[cap].max : UINT32_MAX, cap, NULL};
    if (anchor && !(f->anchor = strdup((const char *)anchor)))
        return fail(b, MQY_ENOMEM, &ev->start_mark);
    b->depth++;
    return 0;
}

static int on_end(struct builder *b, const yaml_event_t *ev)
{
    struct frame *f = &b->stack[--b->depth];
    int rc = f->anchor ? record_anchor(b, f->anchor, f->node) : 0;

    free(f->anchor);
    f->anchor = NULL;
    return rc < 0 ? fail(b, MQY_ENOMEM, &ev->start_mark) : 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, MQY_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, MQY_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b, ev);
    default:
        return 0;
    }
}

/* Line `line` (0-based) of f, from its start; NULL if f cannot be read again. */
static char *read_line(FILE *f, size_t line)
{
    char *buf = NULL;
    size_t cap = 0;

    if (fseek(f, 0, SEEK_SET) < 0)
        return NULL;
    for (size_t i = 0; i <= line; i++)
        if (getline(&buf, &cap, f) < 0) {
            free(buf);
            return NULL;
        }
    return buf;
}

/* The byte offset of character `col` of s (UTF-8), or -1 past its end. */
static long byte_at(const char *s, size_t col)
{
    long i = 0;

    for (size_t c = 0; s[i]; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == col)
            return i;
    return -1;
}

static size_t chars(const char *s, size_t bytes)
{
    size_t n = 0;

    for (size_t i = 0; i < bytes; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/* libyaml refuses an implicit key of more than 1024 characters (YAML's own limit)
 * with a message about a missing ':' or a mapping value "not allowed", at the
 * key's end. When that is what happened, says so: a key of `len` characters from
 * where it starts. The key ends at the ':' where libyaml stopped and starts after
 * the indentation, the flow indicator or the ": " before it. */
static int long_key(struct builder *b, FILE *f, const yaml_parser_t *p)
{
    const yaml_mark_t *m = &p->problem_mark;
    char *line;
    long end, start;

    if ((p->error != YAML_SCANNER_ERROR && p->error != YAML_PARSER_ERROR) ||
        m->column < MQ_YAML_KEY_MAX || !(line = read_line(f, m->line)))
        return 0;
    if ((end = byte_at(line, m->column)) < 0 || line[end] != ':') {
        free(line);
        return 0;
    }
    for (start = end; start > 0 && !strchr("{[,", line[start - 1]) &&
                      !(line[start - 1] == ' ' && start > 1 && line[start - 2] == ':');
         start--)
        ;
    while (line[start] == ' ' || ((line[start] == '-' || line[start] == '?') &&
                                  line[start + 1] == ' '))
        start++;
    while (end > start && line[end - 1] == ' ')
        end--;
    size_t col = chars(line, (size_t)start);
    if (end - start >= 2 && strchr("'\"", line[start]) && line[end - 1] == line[start])
        start++, end--; /* the text of a quoted key */
    size_t len = chars(line + start, (size_t)(end - start));
    free(line);
    if (len <= MQ_YAML_KEY_MAX)
        return 0;
    b->e->kind = MQY_EKEY;
    b->e->line = (int)m->line + 1;
    b->e->col = (int)col + 1;
    b->e->len = len;
    return 1;
}

static int syntax_error(struct builder *b, FILE *f, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail(b, MQY_ENOMEM, &p->problem_mark);
    if (long_key(b, f, p))
        return -1;
    snprintf(b->e->text, sizeof b->e->text, "%s%s%s", p->problem ? p->problem : "error",
             p->context ? " " : "", p->context ? p->context : "");
    return fail(b, MQY_ESYNTAX, &p->problem_mark);
}

static int build(struct builder *b, yaml_parser_t *p, FILE *f)
{
    yaml_mark_t start = {0, 0, 0};
    uint32_t none;

    if (new_node(b, MQY_NONE, &start, &none) < 0) /* node 0: "none" */
        return -1;
    for (int done = 0; !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev))
            return syntax_error(b, f, p);
        done = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT;
        int rc = on_event(b, &ev);
        yaml_event_delete(&ev);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int mqy_load(FILE *f, const mqy_opts *o, mqy_tree *t, mqy_error *e)
{
    struct builder b = {.t = t, .e = e, .o = o};
    yaml_parser_t p;
    int rc;

    memset(t, 0, sizeof *t);
    memset(e, 0, sizeof *e);
    b.stack = calloc((size_t)(o->max_depth > 0 ? o->max_depth : 1), sizeof *b.stack);
    if (!b.stack || !yaml_parser_initialize(&p)) {
        free(b.stack);
        e->kind = MQY_ENOMEM;
        e->line = e->col = 1;
        return -1;
    }
    yaml_parser_set_input_file(&p, f);
    rc = build(&b, &p, f);
    yaml_parser_delete(&p);
    while (b.depth > 0)
        free(b.stack[--b.depth].anchor);
    free(b.stack);
    for (size_t i = 0; i < b.n_names; i++)
        free(b.names[i]);
    free(b.names);
    mqg_names_free(&b.anchors);
    return rc;
}

void mqy_free(mqy_tree *t)
{
    free(t->node);
    free(t->text);
    memset(t, 0, sizeof *t);
}
