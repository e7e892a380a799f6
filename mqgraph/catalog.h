/* catalog.h - the block modules mqgraph can find: MQ_BLOCK_PATH first (so a user's
 * block overrides a built-in one of the same name), then the build tree's blocks when
 * mqgraph runs from its build tree, else the installed block directory. */
#ifndef MQG_CATALOG_H
#define MQG_CATALOG_H

#include "block.h"

typedef struct mqg_module {
    char *path;
    void *dl;
    const mq_block_decl *decl;
    mq_block_decl *owned; /* decl, converted from an ABI 2 module's, or NULL */
    /* The module's specializer (block.h), or NULL: its blocks' declarations come
     * from the graph file (special.h). */
    mq_block_specialize_fn *specialize;
} mqg_module;

typedef struct mqg_catalog {
    int n;
    mqg_module *m;
    int n_broken;
    char **broken; /* "PATH: why" for modules that failed to load */
} mqg_catalog;

int catalog_load(mqg_catalog *c);
void catalog_free(mqg_catalog *c);
const mqg_module *catalog_find(const mqg_catalog *c, const char *type);
/* Why the module file TYPE.so failed to load ("PATH: why"), or NULL. */
const char *catalog_broken(const mqg_catalog *c, const char *type);

/* The known type nearest to `type` by edit distance, or NULL if none is close. */
const char *catalog_suggest(const mqg_catalog *c, const char *type);
/* The parameter of d nearest to `name` (a misspelling), or NULL if none is close. */
const char *catalog_param_suggest(const mq_block_decl *d, const char *name);
/* The names of d's parameters (live ones only, if `live`), comma-separated. */
void catalog_param_names(const mq_block_decl *d, int live, char *out, size_t len);


#endif
