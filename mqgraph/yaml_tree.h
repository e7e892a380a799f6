/* yaml_tree.h - a graph file's YAML as a compact tree, what graph.c walks.
 *
 * libyaml's document API (yaml_parser_load) gives every value a node of its own
 * allocation and its text another, and follows the file's nesting as deep as it
 * goes: a 50 MB graph file took 900 MB to load, and 100,000 nested lists a
 * minute (libyaml's scanner costs time in the depth of open flow collections).
 * mqy_load builds the tree from libyaml's events instead: one array of 24-byte
 * nodes, one buffer of scalar text, and a stop at the first event that breaks a
 * limit: the nesting depth, or the number of entries of a chosen collection
 * under the root mapping (a graph of a million blocks is refused at its 251st,
 * before the rest of the file is read).
 *
 * The tree is read-only once loaded. Indices, not pointers, link the nodes, and
 * index 0 means "none". An alias is a node of its own whose `first` is the
 * anchored node; mqy_at() follows it, so a walk sees the anchored value in its
 * place (as libyaml's document did) while `next` still goes on from the alias.
 */
#ifndef MQG_YAML_TREE_H
#define MQG_YAML_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { MQY_NONE = 0, MQY_SCALAR, MQY_SEQ, MQY_MAP, MQY_ALIAS };

typedef struct mqy_node {
    uint32_t line, col; /* where the node starts, 1-based */
    uint32_t type;      /* MQY_* */
    uint32_t n;         /* a list's items, a mapping's pairs, a scalar's bytes */
    uint32_t first;     /* a collection's first child, a scalar's offset in text, an
                           alias's anchored node */
    uint32_t next;      /* the parent's next child; a mapping's children are key,
                           value, key, value, ... */
} mqy_node;

typedef struct mqy_tree {
    mqy_node *node; /* node[0] is unused */
    uint32_t n_nodes, cap_nodes;
    char *text;     /* the scalars, each NUL-terminated */
    size_t text_len, text_cap;
    uint32_t root;  /* 0: the file holds no document */
} mqy_tree;

/* At most `max` entries (pairs or items) in the collection that is the value of
 * `key` in the root mapping. */
typedef struct mqy_cap {
    const char *key;
    uint32_t max;
} mqy_cap;

typedef struct mqy_opts {
    int max_depth;       /* collections open at once */
    const mqy_cap *caps; /* ended by a NULL key; NULL for none */
} mqy_opts;

enum {
    MQY_ESYNTAX = 1, /* libyaml's error (its problem and context), or an alias
                        of no anchor before it: what is in text */
    MQY_EDEPTH,      /* a collection max_depth + 1 deep starts at line:col */
    MQY_ECAP,        /* entry caps[cap].max + 1 is node `node`, at line:col */
    MQY_EKEY,        /* a key of `len` characters, past YAML's limit, at line:col */
    MQY_ENOMEM,
    MQY_EBIG,        /* more than 2^32 nodes or bytes of text */
};

typedef struct mqy_error {
    int kind;
    int line, col; /* 1-based */
    int cap;
    uint32_t node;
    size_t len;
    char text[256];
} mqy_error;

/* Loads the first document of f into t. Returns 0, or -1 with e filled in; t
 * holds what was built before the error (an MQY_ECAP's node in it) and must be
 * freed either way. */
int mqy_load(FILE *f, const mqy_opts *o, mqy_tree *t, mqy_error *e);
void mqy_free(mqy_tree *t);

/* Node i (0: NULL), an alias replaced by its anchored node. */
static inline const mqy_node *mqy_at(const mqy_tree *t, uint32_t i)
{
    const mqy_node *n = i ? &t->node[i] : NULL;
    return n && n->type == MQY_ALIAS ? &t->node[n->first] : n;
}

/* The child after child i of the same parent (0: none). */
static inline uint32_t mqy_next(const mqy_tree *t, uint32_t i)
{
    return t->node[i].next;
}

/* A scalar's text, or NULL for anything else. */
static inline const char *mqy_text(const mqy_tree *t, const mqy_node *n)
{
    return n && n->type == MQY_SCALAR ? t->text + n->first : NULL;
}

#endif
