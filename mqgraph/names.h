/* names.h - a map from names to small integers, for the loader and the validator.
 *
 * A graph file names its blocks, variables, parameters and YAML anchors, and refers
 * to them by name; each reference is one lookup here instead of a scan of the list,
 * so loading and checking a graph stay linear in its size (a 100,000-block chain
 * took 92 s with scans). The map does not copy names: each must stay valid, and
 * unchanged, while the map holds it.
 */
#ifndef MQG_NAMES_H
#define MQG_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct mqg_name_slot {
    const char *name; /* NULL: empty */
    size_t len;
    uint32_t hash;
    int value;
} mqg_name_slot;

typedef struct mqg_names {
    uint32_t cap, n; /* cap: a power of two, or 0 before the first add */
    mqg_name_slot *slot;
} mqg_names;

/* A zeroed mqg_names is an empty map; free releases its table (not the names). */
void mqg_names_free(mqg_names *m);

/* The value of name[0..len), or -1 if it is not in the map. */
int mqg_names_find(const mqg_names *m, const char *name, size_t len);

/* Adds name[0..len) with value and returns 0; if the name is there already,
 * returns 1 with its value in *old and changes nothing. MQ_ENOMEM if the table
 * cannot grow. */
int mqg_names_add(mqg_names *m, const char *name, size_t len, int value, int *old);

/* The same, but a name already there takes the new value (and returns 0). */
int mqg_names_set(mqg_names *m, const char *name, size_t len, int value);

/* Levenshtein's edit distance between two names (99 for names of 63 bytes or more). */
int mqg_name_distance(const char *a, const char *b);

/* The value of the name in m nearest to name[0..len), closer than `below` edits,
 * or -1 (a "did you mean"). */
int mqg_names_nearest(const mqg_names *m, const char *name, size_t len, int below);

#endif
