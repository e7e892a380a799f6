/* catalog.c - finding and loading block modules with dlopen. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
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
                    mq_block_specialize_fn *sp;
                    *(void **)&sp = dlsym(dl, MQ_BLOCK_SPECIALIZE);
                    c->m[c->n++] = (mqg_module){strdup(path), dl, d, owned, sp};
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

const char *catalog_suggest(const mqg_catalog *c, const char *type)
{
    const char *best = NULL;
    int bd = 4;

    for (int i = 0; i < c->n; i++) {
        int d = mqg_name_distance(type, c->m[i].decl->name);
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
