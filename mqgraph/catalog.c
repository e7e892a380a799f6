/* catalog.c - finding and loading block modules with dlopen: one by its file name
 * when a graph names its type, or all of them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "error.h"
#include "names.h"

/* The declarations of older ABIs, as modules built then lay them out: ABI 3
 * appended `flags` to a parameter and param_changed and message to a block; ABI 4
 * appended vlen_param to a port; ABI 5 before_fork to a block. */
struct port_decl_v3 {
    const char *name;
    mq_item_type type;
    const char *type_param;
};

struct param_decl_v2 {
    const char *name;
    mq_param_type type;
    const char *def;
    double min, max;
    const char *choices;
    const char *doc;
};

/* ABI 2 and 3 share the layout up to check; ABI 3 goes on as ABI 4 does. */
struct block_decl_v3 {
    uint32_t abi;
    const char *name, *doc;
    const struct port_decl_v3 *in;
    int n_in;
    const char *in_count_param;
    const struct port_decl_v3 *out;
    int n_out;
    const char *out_count_param;
    const void *params; /* struct param_decl_v2 (ABI 2) or mq_param_decl (ABI 3) */
    int n_params;
    uint32_t flags;
    int (*init)(mq_block_ctx *c, void **state);
    int (*work)(mq_block_ctx *c, void *state);
    void (*fini)(mq_block_ctx *c, void *state);
    int (*check)(mq_block_ctx *c);
    /* ABI 3 only */
    int (*param_changed)(mq_block_ctx *c, void *state, int param);
    int (*message)(mq_block_ctx *c, void *state, int port, const mq_pmt *msg);
};

/* An ABI 4 copy of an ABI 2 or 3 declaration, in one allocation (freed with the
 * module): no port has a vlen; an ABI 2 block has no live parameter, no
 * param_changed and no message handler. */
static mq_block_decl *upgrade(const struct block_decl_v3 *o)
{
    int n = o->n_params > 0 && o->params ? o->n_params : 0;
    int ni = o->n_in > 0 && o->in ? o->n_in : 0, no = o->n_out > 0 && o->out ? o->n_out : 0;
    mq_block_decl *d = calloc(1, sizeof *d + sizeof(mq_param_decl) * (size_t)n +
                                     sizeof(mq_port_decl) * (size_t)(ni + no));
    mq_param_decl *p = (mq_param_decl *)(d + 1);
    mq_port_decl *in = (mq_port_decl *)(p + n), *out = in + ni;

    if (!d)
        return NULL;
    *d = (mq_block_decl){.abi = MQ_BLOCK_ABI, .name = o->name, .doc = o->doc,
                         .in = ni ? in : NULL, .n_in = o->n_in,
                         .in_count_param = o->in_count_param, .out = no ? out : NULL,
                         .n_out = o->n_out, .out_count_param = o->out_count_param,
                         .params = n ? p : NULL, .n_params = o->n_params, .flags = o->flags,
                         .init = o->init, .work = o->work, .fini = o->fini,
                         .check = o->check};
    for (int k = 0; k < ni; k++)
        in[k] = (mq_port_decl){o->in[k].name, o->in[k].type, o->in[k].type_param, NULL};
    for (int k = 0; k < no; k++)
        out[k] = (mq_port_decl){o->out[k].name, o->out[k].type, o->out[k].type_param, NULL};
    if (o->abi == 3) {
        d->param_changed = o->param_changed;
        /* message came late in ABI 3: a module built before it ends at
         * param_changed, and has no message ports to handle */
        for (int k = 0; k < ni; k++)
            if (o->in[k].type == MQ_ITEM_MSG)
                d->message = o->message;
        memcpy(p, o->params, sizeof *p * (size_t)n);
        return d;
    }
    for (int k = 0; k < n; k++) {
        const struct param_decl_v2 *q = (const struct param_decl_v2 *)o->params + k;
        p[k] = (mq_param_decl){q->name, q->type, q->def, q->min, q->max, q->choices, q->doc, 0};
    }
    return d;
}

/* Loads one module file and returns its declaration (*owned: a converted copy to
 * free with it, or NULL), or NULL with the reason. */
static const mq_block_decl *catalog_open(const char *path, void **dl, mq_block_decl **owned,
                                         char *err, size_t len)
{
    const mq_block_decl *(*entry)(void);
    const mq_block_decl *d = NULL;
    char why[512];

    *owned = NULL;
    *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!*dl) {
        snprintf(err, len, "%s", dlerror());
        return NULL;
    }
    *(void **)&entry = dlsym(*dl, MQ_BLOCK_ENTRY);
    if (!entry) {
        snprintf(err, len, "%s: no %s() declaration (see MQ_BLOCK_EXPORT in block.h)", path,
                 MQ_BLOCK_ENTRY);
    } else if (!(d = entry())) {
        snprintf(err, len, "%s: %s() returned no declaration", path, MQ_BLOCK_ENTRY);
    } else if (d->abi == 2 || d->abi == 3) {
        if (!(d = *owned = upgrade((const struct block_decl_v3 *)d)))
            snprintf(err, len, "%s: out of memory", path);
    } else if (d->abi == 4) {
        /* ABI 4 ends at tag_policy: the copy has no before_fork */
        const mq_block_decl *v4 = d;
        if ((d = *owned = calloc(1, sizeof **owned)))
            memcpy(*owned, v4, offsetof(mq_block_decl, before_fork));
        else
            snprintf(err, len, "%s: out of memory", path);
    } else if (d->abi != MQ_BLOCK_ABI) {
        snprintf(err, len, "%s: built for block ABI %u; this mqgraph loads ABI 2 to %d "
                           "(rebuild the module against this libmq's block.h)",
                 path, d->abi, MQ_BLOCK_ABI);
        d = NULL;
    }
    if (d && mq_block_decl_check(d, why, sizeof why) < 0) {
        snprintf(err, len, "%s: bad declaration: %s", path, why);
        d = NULL;
    }
    if (d)
        return d;
    free(*owned);
    *owned = NULL;
    dlclose(*dl);
    *dl = NULL;
    return NULL;
}

/* A module that failed to load: mqgraph blocks warns of it, and a graph that names
 * its type is told why. */
static int add_broken(mqg_catalog *c, const char *path, const char *why)
{
    char **nb = realloc(c->broken, sizeof *nb * (size_t)(c->n_broken + 1)), **np;

    if (!nb)
        return MQ_ENOMEM;
    c->broken = nb;
    if (!(np = realloc(c->broken_path, sizeof *np * (size_t)(c->n_broken + 1))))
        return MQ_ENOMEM;
    c->broken_path = np;
    char *w = strdup(why), *p = strdup(path);
    if (!w || !p) {
        free(w);
        free(p);
        return MQ_ENOMEM;
    }
    c->broken[c->n_broken] = w;
    c->broken_path[c->n_broken++] = p;
    return 0;
}

/* Adds an opened module (closed if it cannot be added). */
static const mqg_module *add_module(mqg_catalog *c, const char *path, int dir, void *dl,
                                    const mq_block_decl *d, mq_block_decl *owned)
{
    mqg_module *nm = realloc(c->m, sizeof *nm * (size_t)(c->n + 1));
    char *p = strdup(path);
    mq_block_specialize_fn *sp;

    if (nm)
        c->m = nm;
    if (!nm || !p) {
        free(p);
        free(owned);
        dlclose(dl);
        return NULL;
    }
    *(void **)&sp = dlsym(dl, MQ_BLOCK_SPECIALIZE);
    c->m[c->n] = (mqg_module){p, dl, d, owned, sp, dir};
    return &c->m[c->n++];
}

/* Whether the file at path was loaded or found broken already. */
static int tried(const mqg_catalog *c, const char *path)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->m[i].path, path))
            return 1;
    for (int i = 0; i < c->n_broken; i++)
        if (!strcmp(c->broken_path[i], path))
            return 1;
    return 0;
}

static const mqg_module *lookup(const mqg_catalog *c, const char *type)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->m[i].decl->name, type))
            return &c->m[i];
    return NULL;
}

/* Whether the module file at path is named after the type: DIR/TYPE.so. */
static int named_after(const char *path, const char *type)
{
    const char *f = strrchr(path, '/');
    size_t n = strlen(type);

    f = f ? f + 1 : path;
    return !strncmp(f, type, n) && !strcmp(f + n, ".so");
}

static void drop_module(mqg_catalog *c, int i)
{
    free(c->m[i].path);
    free(c->m[i].owned);
    dlclose(c->m[i].dl);
    memmove(&c->m[i], &c->m[i + 1], sizeof *c->m * (size_t)(c->n - i - 1));
    c->n--;
}

/* Loads the module file at path (in directory `dir`), unless it was tried: the
 * module, or NULL when it is broken (noted), its type has a module already, or it
 * declares another type than `type` (when not NULL: a lookup by file name, which
 * leaves the module to the scan that finds it under its own type).
 * Of two modules of one type the earlier wins, unless only the later one is named
 * after it: a lookup by file name would have found that one first, and a listing
 * must show the module a graph gets. */
static const mqg_module *load_file(mqg_catalog *c, const char *path, int dir,
                                   const char *type)
{
    char err[PATH_MAX + 768];
    void *dl;
    mq_block_decl *owned;
    const mq_block_decl *d;
    const mqg_module *e = NULL;

    if (tried(c, path))
        return NULL;
    if (!(d = catalog_open(path, &dl, &owned, err, sizeof err))) {
        add_broken(c, path, err);
        return NULL;
    }
    if ((type && strcmp(d->name, type)) ||
        ((e = lookup(c, d->name)) &&
         (named_after(e->path, d->name) || !named_after(path, d->name)))) {
        free(owned);
        dlclose(dl);
        return NULL;
    }
    if (e)
        drop_module(c, (int)(e - c->m));
    return add_module(c, path, dir, dl, d, owned);
}

static void scan_dir(mqg_catalog *c, int dir)
{
    struct dirent **names;
    int n = scandir(c->dirs[dir], &names, NULL, alphasort);

    for (int i = 0; i < n; i++) {
        const char *f = names[i]->d_name;
        size_t fl = strlen(f);
        char path[PATH_MAX];
        if (fl > 3 && !strcmp(f + fl - 3, ".so")) {
            snprintf(path, sizeof path, "%s/%s", c->dirs[dir], f);
            load_file(c, path, dir, NULL);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

/* Every module of every directory, after those loaded already. */
static void complete(mqg_catalog *c)
{
    for (int i = 0; !c->complete && i < c->n_dirs; i++)
        scan_dir(c, i);
    c->complete = 1;
}

/* The first TYPE.so of the directories that loads and declares TYPE. A type that
 * cannot be a file's name in a directory (empty, a '/', longer than any declared
 * name) has none: the scan answers for it, as it did before. */
static const mqg_module *find_file(mqg_catalog *c, const char *type)
{
    char path[PATH_MAX];
    struct stat st;
    const mqg_module *m;

    if (!*type || strchr(type, '/') || strlen(type) >= MQ_NAME_MAX)
        return NULL;
    for (int i = 0; i < c->n_dirs; i++) {
        int n = snprintf(path, sizeof path, "%s/%s.so", c->dirs[i], type);
        /* lstat, not stat: a dangling link is a directory entry the scan would try */
        if (n < 0 || (size_t)n >= sizeof path || lstat(path, &st) < 0)
            continue;
        if ((m = load_file(c, path, i, type)))
            return m;
    }
    return NULL;
}

/* Whether this executable lives in the build tree (then the blocks are built there
 * too, not installed). */
static int in_build_tree(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    size_t bl = strlen(MQ_BUILDDIR);

    if (n <= 0)
        return 0;
    exe[n] = 0;
    return !strncmp(exe, MQ_BUILDDIR, bl) && exe[bl] == '/';
}

static int add_dir(mqg_catalog *c, const char *dir)
{
    char **nd = realloc(c->dirs, sizeof *nd * (size_t)(c->n_dirs + 1));

    if (!nd)
        return MQ_ENOMEM;
    c->dirs = nd;
    if (!(c->dirs[c->n_dirs] = strdup(dir)))
        return MQ_ENOMEM;
    c->n_dirs++;
    return 0;
}

int catalog_init(mqg_catalog *c)
{
    const char *env = getenv("MQ_BLOCK_PATH");
    int rc = 0;

    memset(c, 0, sizeof *c);
    if (env) {
        char *copy = strdup(env), *save = NULL;
        if (!copy)
            return MQ_ENOMEM;
        for (char *d = strtok_r(copy, ":", &save); d && rc == 0; d = strtok_r(NULL, ":", &save))
            rc = add_dir(c, d);
        free(copy);
    }
    if (rc == 0)
        rc = add_dir(c, in_build_tree() ? MQ_BUILDDIR "/blocks/.libs" : MQ_BLOCKDIR);
    return rc;
}

int catalog_load(mqg_catalog *c)
{
    catalog_init(c);
    complete(c);
    return c->n;
}

void catalog_free(mqg_catalog *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->m[i].path);
        free(c->m[i].owned);
        dlclose(c->m[i].dl);
    }
    for (int i = 0; i < c->n_broken; i++) {
        free(c->broken[i]);
        free(c->broken_path[i]);
    }
    for (int i = 0; i < c->n_dirs; i++)
        free(c->dirs[i]);
    free(c->m);
    free(c->broken);
    free(c->broken_path);
    free(c->dirs);
    memset(c, 0, sizeof *c);
}

const char *catalog_broken(mqg_catalog *c, const char *type)
{
    char file[PATH_MAX];

    complete(c);
    snprintf(file, sizeof file, "/%s.so: ", type);
    for (int i = 0; i < c->n_broken; i++)
        if (strstr(c->broken[i], file))
            return c->broken[i];
    return NULL;
}

const mqg_module *catalog_find(mqg_catalog *c, const char *type)
{
    const mqg_module *m = lookup(c, type);

    if (m || c->complete || (m = find_file(c, type)))
        return m;
    complete(c);
    return lookup(c, type);
}

/* Whether a scan of every directory meets module a before b: of two as near, the
 * suggestion is the one a catalog loaded all at once would have listed first,
 * whichever a graph's types had loaded before. */
static int scanned_before(const mqg_module *a, const mqg_module *b)
{
    return b && (a->dir < b->dir || (a->dir == b->dir && strcmp(a->path, b->path) < 0));
}

const char *catalog_suggest(mqg_catalog *c, const char *type)
{
    const mqg_module *best = NULL;
    int bd = 4;

    complete(c);
    for (int i = 0; i < c->n; i++) {
        int d = mqg_name_distance(type, c->m[i].decl->name);
        if (d < bd || (d == bd && scanned_before(&c->m[i], best))) {
            bd = d;
            best = &c->m[i];
        }
    }
    return best ? best->decl->name : NULL;
}

const char *catalog_param_suggest(const mq_block_decl *d, const char *name)
{
    const char *best = NULL;
    int bd = 3;

    for (int k = 0; k < d->n_params; k++) {
        int dist = mqg_name_distance(name, d->params[k].name);
        if (dist < bd) {
            bd = dist;
            best = d->params[k].name;
        }
    }
    return best;
}

void catalog_param_names(const mq_block_decl *d, int live, char *out, size_t len)
{
    size_t at = 0;

    out[0] = 0;
    for (int k = 0; k < d->n_params && at < len; k++)
        if (!live || (d->params[k].flags & MQ_PARAM_LIVE))
            at += (size_t)snprintf(out + at, len - at, "%s%s", at ? ", " : "",
                                   d->params[k].name);
}
