/* catalog.h - the block modules mqgraph can find: MQ_BLOCK_PATH first (so a user's
 * block overrides a built-in one of the same name), then the build tree's blocks when
 * mqgraph runs from its build tree, else the installed block directory.
 *
 * A module file is named after the type it declares, TYPE.so. A type's module is
 * the first TYPE.so, in the order of the directories, that loads and declares TYPE;
 * only when none does, the first module under another name that declares it
 * (directories in order, each one's files in name order). A catalog made by
 * catalog_init loads modules as catalog_find asks for them, by file name: loading
 * all 78 built-in ones (and libpython, libzmq, FFTW... with them) made a validate
 * of a 4-block graph take 15 ms instead of 3. A type no TYPE.so declares makes it
 * load every module, as catalog_load does, so that a module under another name is
 * found and an unknown type's error can say which known one is near.
 */
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
    int dir; /* the index of its directory in the catalog's */
} mqg_module;

typedef struct mqg_catalog {
    int n;
    mqg_module *m; /* in the order loaded; moves when a module is added */
    int n_broken;
    char **broken;      /* "PATH: why" for modules that failed to load */
    char **broken_path; /* and their paths, so that no file is tried twice */
    int n_dirs;
    char **dirs;  /* where modules are looked for, first first */
    int complete; /* every module of every directory is loaded (or broken) */
} mqg_catalog;

/* The directories only: modules load as they are asked for. 0, or MQ_ENOMEM. */
int catalog_init(mqg_catalog *c);
/* The directories and every module in them (mqgraph blocks): the number loaded. */
int catalog_load(mqg_catalog *c);
void catalog_free(mqg_catalog *c);
/* The module of block type `type`, loaded if it is not yet; NULL if none declares
 * it (then the catalog is complete). The pointer is good until the next call that
 * loads a module. */
const mqg_module *catalog_find(mqg_catalog *c, const char *type);
/* Why the module file TYPE.so failed to load ("PATH: why"), or NULL. Completes
 * the catalog first. */
const char *catalog_broken(mqg_catalog *c, const char *type);

/* The known type nearest to `type` by edit distance, or NULL if none is close.
 * Completes the catalog first. */
const char *catalog_suggest(mqg_catalog *c, const char *type);
/* The parameter of d nearest to `name` (a misspelling), or NULL if none is close. */
const char *catalog_param_suggest(const mq_block_decl *d, const char *name);
/* The names of d's parameters (live ones only, if `live`), comma-separated. */
void catalog_param_names(const mq_block_decl *d, int live, char *out, size_t len);


#endif
