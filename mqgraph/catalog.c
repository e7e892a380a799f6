/* catalog.c - finding and loading block modules with dlopen. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"

/* The declarations of block ABI 2, as modules built then lay them out: ABI 3
 * appended `flags` to a parameter and param_changed to a block. */
struct param_decl_v2 {
    const char *name;
    mq_param_type type;
    const char *def;
    double min, max;
    const char *choices;
    const char *doc;
};

struct block_decl_v2 {
    uint32_t abi;
    const char *name, *doc;
    const mq_port_decl *in;
    int n_in;
    const char *in_count_param;
    const mq_port_decl *out;
    int n_out;
    const char *out_count_param;
    const struct param_decl_v2 *params;
    int n_params;
    uint32_t flags;
    int (*init)(mq_block_ctx *c, void **state);
    int (*work)(mq_block_ctx *c, void *state);
    void (*fini)(mq_block_ctx *c, void *state);
    int (*check)(mq_block_ctx *c);
};

/* An ABI 3 copy of an ABI 2 declaration, in one allocation (freed with the
 * module): no parameter is live, there is no param_changed. */
static mq_block_decl *upgrade_v2(const struct block_decl_v2 *v2)
{
    int n = v2->n_params > 0 && v2->params ? v2->n_params : 0;
    mq_block_decl *d = calloc(1, sizeof *d + sizeof(mq_param_decl) * (size_t)n);
    mq_param_decl *p = (mq_param_decl *)(d + 1);

    if (!d)
        return NULL;
    *d = (mq_block_decl){.abi = MQ_BLOCK_ABI, .name = v2->name, .doc = v2->doc, .in = v2->in,
                         .n_in = v2->n_in, .in_count_param = v2->in_count_param,
                         .out = v2->out, .n_out = v2->n_out,
                         .out_count_param = v2->out_count_param, .params = p, .n_params = n,
                         .flags = v2->flags, .init = v2->init, .work = v2->work,
                         .fini = v2->fini, .check = v2->check};
    for (int k = 0; k < n; k++)
        p[k] = (mq_param_decl){v2->params[k].name, v2->params[k].type, v2->params[k].def,
                               v2->params[k].min, v2->params[k].max, v2->params[k].choices,
                               v2->params[k].doc, 0};
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
    } else if (d->abi == 2) {
        if (!(d = *owned = upgrade_v2((const struct block_decl_v2 *)d)))
            snprintf(err, len, "%s: out of memory", path);
    } else if (d->abi != MQ_BLOCK_ABI) {
        snprintf(err, len, "%s: built for block ABI %u; this mqgraph loads ABI 2 and %d "
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

static void scan_dir(mqg_catalog *c, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);

    for (int i = 0; i < n; i++) {
        const char *f = names[i]->d_name;
        size_t fl = strlen(f);
        char path[PATH_MAX], err[PATH_MAX + 768];
        void *dl;
        mq_block_decl *owned;
        if (fl > 3 && !strcmp(f + fl - 3, ".so")) {
            snprintf(path, sizeof path, "%s/%s", dir, f);
            const mq_block_decl *d = catalog_open(path, &dl, &owned, err, sizeof err);
            if (!d) {
                char **nb = realloc(c->broken, sizeof *nb * (size_t)(c->n_broken + 1));
                if (nb) {
                    c->broken = nb;
                    c->broken[c->n_broken++] = strdup(err);
                }
            } else if (catalog_find(c, d->name)) {
                free(owned);
                dlclose(dl); /* an earlier directory wins */
            } else {
                mqg_module *nm = realloc(c->m, sizeof *nm * (size_t)(c->n + 1));
                if (nm) {
                    c->m = nm;
                    c->m[c->n++] = (mqg_module){strdup(path), dl, d, owned};
                } else {
                    free(owned);
                    dlclose(dl);
                }
            }
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
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

int catalog_load(mqg_catalog *c)
{
    const char *env = getenv("MQ_BLOCK_PATH");

    memset(c, 0, sizeof *c);
    if (env) {
        char *copy = strdup(env), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            scan_dir(c, d);
        free(copy);
    }
    scan_dir(c, in_build_tree() ? MQ_BUILDDIR "/blocks/.libs" : MQ_BLOCKDIR);
    return c->n;
}

void catalog_free(mqg_catalog *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->m[i].path);
        free(c->m[i].owned);
        dlclose(c->m[i].dl);
    }
    for (int i = 0; i < c->n_broken; i++)
        free(c->broken[i]);
    free(c->m);
    free(c->broken);
    memset(c, 0, sizeof *c);
}

const char *catalog_broken(const mqg_catalog *c, const char *type)
{
    char file[PATH_MAX];

    snprintf(file, sizeof file, "/%s.so: ", type);
    for (int i = 0; i < c->n_broken; i++)
        if (strstr(c->broken[i], file))
            return c->broken[i];
    return NULL;
}

const mqg_module *catalog_find(const mqg_catalog *c, const char *type)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->m[i].decl->name, type))
            return &c->m[i];
    return NULL;
}

static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *catalog_suggest(const mqg_catalog *c, const char *type)
{
    const char *best = NULL;
    int bd = 4;

    for (int i = 0; i < c->n; i++) {
        int d = distance(type, c->m[i].decl->name);
        if (d < bd) {
            bd = d;
            best = c->m[i].decl->name;
        }
    }
    return best;
}

const char *catalog_param_suggest(const mq_block_decl *d, const char *name)
{
    const char *best = NULL;
    int bd = 3;

    for (int k = 0; k < d->n_params; k++) {
        int dist = distance(name, d->params[k].name);
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
