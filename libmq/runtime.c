/* runtime.c - running one block in its process: the work loop, its inputs and
 * outputs, end of stream in both directions, heartbeats and statistics.
 *
 * The loop keeps one current buffer per input. It pops without waiting; when the
 * block is not ready, it arms the block's doorbell, looks again (a push between the
 * first look and the arming would otherwise be missed), and sleeps at most one
 * heartbeat interval, so a blocked block still beats.
 *
 * End of stream runs downstream as a closed queue (an input that is closed and
 * drained is at its end) and upstream as an abandoned one: a block that finishes
 * early (head) abandons its inputs, its producers' pushes fail with MQ_EPIPE, and a
 * producer whose outputs are all abandoned finishes too.
 *
 * Stream tags (block.h) cost nothing until the block meets one: the state below
 * is made when the first buffer with a tag list arrives or the block adds a tag,
 * and until then every step is one test of a pointer (and of a buffer's list
 * field at each pop).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "block.h"
#include "ckpt.h"
#include "clock.h"
#include "error.h"
#include "sched.h"
#include "live.h"
#include "msg.h"
#include "params.h"
#include "queue.h"
#include "registry.h"
#include "ts.h"

/* An output's connections: its fan-out and the taps attached to it. */
#define MQ__FANOUT (MQ_MAX_FANOUT + MQ_MAX_TAPS)
/* A consumer asleep on a queue below its wake level waits at most about this long
 * for what this block pushed, when the block keeps computing without waiting. */
#define MQ__FLUSH_AGE_NS 200000

struct mq__input {
    int conn;    /* -1: not connected (treated as ended) */
    mq_id cur;   /* MQ_ID_NONE or the current buffer */
    int eos;
    size_t off;  /* bytes of cur consumed by earlier work calls */
    int64_t take; /* -1, or where this work call's mq_in_consume ends (from the start) */
    /* mq_in_set_history: hist bytes kept (history - 1 items), the window that holds
     * them and then a copy of the current buffer, and what of it is filled. */
    size_t hist;
    unsigned char *win;
    size_t win_cap, win_len;
    mq_id win_id;   /* the buffer, and the offset in it, the window was made of */
    size_t win_off;
    /* Tags: the bytes of this input consumed before cur, over the block's lives
     * (kept in bytes: an item count would cost a division per buffer), so cur's
     * first item has the absolute offset seen / item size; and whether cur carries
     * the tag list its tags came in (not a copy made since). */
    uint64_t seen;
    int tagged;
};

struct mq__output {
    int n;
    int conn[MQ__FANOUT];
    int dead[MQ__FANOUT]; /* 1: abandoned by its consumer; 2: closed by this block */
    int tap[MQ__FANOUT];  /* a tap: it never keeps the block going (mq__outputs_dead) */
    mq_id pending;        /* allocated by mq_out_alloc, not yet pushed */
    uint64_t written;     /* items sent, over the block's lives: the next item's offset */
    int closed;           /* mq_out_close */
};

/* Stream tags of the block (block.h). An input's are its current buffer's, at
 * absolute offsets on the input, each with the outputs it went to already; an
 * output's wait for the buffer that holds their item, at absolute offsets on the
 * output, sorted. */
struct mq__itag {
    mq_tag_rec r;
    uint32_t placed;             /* outputs, as bits */
    mq_pmt *key, *value, *srcid; /* parsed for mq_in_tags, or NULL */
};
struct mq__tags {
    struct {
        struct mq__itag *v;
        size_t n;
        mq_tag *view; /* the last mq_in_tags answer */
    } in[MQ_MAX_PORTS];
    struct {
        mq_tag_rec *v;
        size_t n, cap;
    } out[MQ_MAX_PORTS];
};

/* A message input: its upstreams (graph connections, and the supervisor's). */
struct mq__msgin {
    int n;
    int conn[MQ__FANOUT];
    unsigned char eos[MQ__FANOUT];
    unsigned char control[MQ__FANOUT]; /* the supervisor's (MQ_CONN_CONTROL) */
};

/* Messages handled in one round between work calls, at most. */
#define MQ__MSG_BATCH 64

/* Ports: the stream inputs are 0 .. n_in - 1 and the message inputs follow them
 * (cmd last, if the block has one); the stream outputs are 0 .. n_sout - 1 and the
 * message outputs n_sout .. n_out - 1 (block declarations list stream ports
 * first). */
struct mq_block_ctx {
    const mq_block_decl *d;
    mq_arena *a;
    uint32_t block;
    mq_pval *vals;
    int n_in, n_out;
    int n_min, n_sout; /* message inputs; stream outputs */
    int cmd;           /* the message input that is cmd, or -1 */
    mq_id cmd_held;    /* a cmd message the supervisor has not taken yet */
    mq_item_type in_type[MQ_MAX_PORTS], out_type[MQ_MAX_PORTS];
    size_t in_vlen[MQ_MAX_PORTS], out_vlen[MQ_MAX_PORTS];
    size_t in_isz[MQ_MAX_PORTS], out_isz[MQ_MAX_PORTS]; /* bytes per item (x vlen) */
    struct mq__input in[MQ_MAX_PORTS];
    struct mq__msgin min[MQ_MAX_PORTS];
    struct mq__output out[MQ_MAX_PORTS];
    void (*kick)(void *arg);
    void *kick_arg;
    int64_t hb_ns;
    int restarts;
    uint64_t items_in, items_out; /* during one work call */
    int64_t waited_ns;   /* of this work call, spent waiting in libmq (not busy) */
    int64_t start_mono;  /* the graph's start: origin of relative timestamps */
    int64_t call_by;     /* mq_block_call_by: 0, or when work must run next */
    int end_called;      /* MQ_BLOCK_CALL_AT_END: the last call was made */
    char name[MQ_NAME_MAX];
    char *err;
    size_t errlen;
    int failed;
    uint64_t total_in, total_out; /* the block's items, over all its lives */
    uint64_t live_seen;  /* the live publication vals hold */
    uint64_t taps_seen;  /* the tap announcement the outputs' lists agree with */
    char *live_text;     /* its text: STRING and ENUM values point into it */
    int ckpt;            /* restartable (mq_run_opts): commits checkpoints (ckpt.h) */
    int finish_all;      /* mq_run_opts: finishes only when every consumer has */
    mq_ckpt rec;         /* the next record: the block's part is what it saved last */
    uint64_t interp, decim, delay; /* tags' scale: mq_block_set_relative_rate, and shift */
    struct mq__tags *tg; /* NULL until the block meets a tag */
};

/* ---- parameters and block facts ---------------------------------------------------- */

static const mq_pval *mq__param(const mq_block_ctx *c, const char *name)
{
    for (int k = 0; k < c->d->n_params; k++)
        if (!strcmp(c->d->params[k].name, name))
            return &c->vals[k];
    return NULL;
}

/* Parameter p for a getter that reads the types in the mask `types`; else the
 * block fails, with the parameter named. */
static const mq_pval *mq__param_at(mq_block_ctx *c, int p, unsigned types, const char *getter)
{
    if (p < 0 || p >= c->d->n_params) {
        mq_block_error(c, "%s: the block reads parameter %d of %d", getter, p, c->d->n_params);
        return NULL;
    }
    if (!(types & (1u << c->d->params[p].type))) {
        mq_block_error(c, "%s: parameter '%s' is of type %s", getter, c->d->params[p].name,
                       mq_param_type_name(c->d->params[p].type));
        return NULL;
    }
    return &c->vals[p];
}

#define MQ__T(t) (1u << (t))

double mq_param_f(mq_block_ctx *c, int p)
{
    const mq_pval *v = mq__param_at(c, p, MQ__T(MQ_PARAM_FLOAT) | MQ__T(MQ_PARAM_INT), __func__);
    return v ? v->f : 0.0;
}

int64_t mq_param_i(mq_block_ctx *c, int p)
{
    const mq_pval *v = mq__param_at(c, p, MQ__T(MQ_PARAM_INT) | MQ__T(MQ_PARAM_BOOL), __func__);
    return v ? v->i : 0;
}

const char *mq_param_s(mq_block_ctx *c, int p)
{
    const mq_pval *v =
        mq__param_at(c, p, MQ__T(MQ_PARAM_STRING) | MQ__T(MQ_PARAM_ENUM), __func__);
    return v && v->s ? v->s : "";
}

int mq_param_choice(mq_block_ctx *c, int p)
{
    const mq_pval *v = mq__param_at(c, p, MQ__T(MQ_PARAM_ENUM), __func__);
    const char *choices = v ? c->d->params[p].choices : NULL;
    size_t len = v && v->s ? strlen(v->s) : 0;
    int i = 0;

    for (const char *q = choices; q && *q; i++) {
        const char *bar = strchr(q, '|');
        size_t n = bar ? (size_t)(bar - q) : strlen(q);
        if (n == len && !strncmp(q, v->s, n))
            return i;
        q = bar ? bar + 1 : NULL;
    }
    return 0;
}

_Complex double mq_param_c(mq_block_ctx *c, int p)
{
    const mq_pval *v = mq__param_at(
        c, p, MQ__T(MQ_PARAM_COMPLEX) | MQ__T(MQ_PARAM_FLOAT) | MQ__T(MQ_PARAM_INT), __func__);
    _Complex double z = 0;

    if (v) { /* without complex.h's I: the parts, one by one */
        ((double *)&z)[0] = v->f;
        ((double *)&z)[1] = v->im;
    }
    return z;
}

const double *mq_param_v(mq_block_ctx *c, int p, size_t *n)
{
    const mq_pval *v = mq__param_at(c, p, MQ__T(MQ_PARAM_FLOATS), __func__);
    *n = v ? v->n : 0;
    return v ? v->list : NULL;
}

/* The by-name getters: a name the block does not declare is its bug, and fails
 * it rather than reading as 0. (The context is the runtime's own, not const.) */
static const mq_pval *mq__param_named(const mq_block_ctx *c, const char *name, const char *getter)
{
    const mq_pval *v = mq__param(c, name);
    if (!v)
        mq_block_error((mq_block_ctx *)c, "%s: block %s declares no parameter '%s'", getter,
                       c->d->name, name);
    return v;
}

int64_t mq_param_int(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param_named(c, name, __func__);
    return v ? v->i : 0;
}

double mq_param_float(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param_named(c, name, __func__);
    return v ? v->f : 0.0;
}

const char *mq_param_str(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param_named(c, name, __func__);
    return v && v->s ? v->s : "";
}

const double *mq_param_floats(const mq_block_ctx *c, const char *name, size_t *n)
{
    const mq_pval *v = mq__param_named(c, name, __func__);
    *n = v ? v->n : 0;
    return v ? v->list : NULL;
}

const char *mq_block_name(const mq_block_ctx *c) { return c->name; }
int mq_block_n_inputs(const mq_block_ctx *c) { return c->n_in; }
int mq_block_n_outputs(const mq_block_ctx *c) { return c->n_sout; }
mq_arena *mq_block_arena(mq_block_ctx *c) { return c->a; }

mq_item_type mq_block_in_type(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in + c->n_min ? c->in_type[port] : MQ_ITEM_BYTES;
}

mq_item_type mq_block_out_type(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_out ? c->out_type[port] : MQ_ITEM_BYTES;
}

size_t mq_block_in_vlen(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in + c->n_min ? c->in_vlen[port] : 1;
}

size_t mq_block_out_vlen(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_out ? c->out_vlen[port] : 1;
}

size_t mq_block_in_item_size(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in + c->n_min ? c->in_isz[port] : 1;
}

size_t mq_block_out_item_size(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_out ? c->out_isz[port] : 1;
}

int mq_block_stopping(const mq_block_ctx *c)
{
    return mq_arena_stop_requested(c->a);
}

int mq_block_restarts(const mq_block_ctx *c)
{
    return c->restarts;
}

int mq_block_graph_failed(const mq_block_ctx *c)
{
    return mq_arena_failed(c->a);
}

void mq_block_error(mq_block_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    c->failed = 1;
}

/* The block's ports: how many of each kind, and their item types. 0, or MQ_EINVAL
 * with the reason in err (a message port among the stream ones). */
static int mq__port_counts(mq_block_ctx *c, const mq_block_decl *d, int n_params,
                           char *const *params)
{
    int all_in = mq_block_port_count(d, n_params, params, 0);
    int all_out = mq_block_port_count(d, n_params, params, 1);
    char pname[64];

    if (all_in < 0 || all_out < 0 || all_in > MQ_MAX_PORTS || all_out > MQ_MAX_PORTS) {
        snprintf(c->err, c->errlen, "bad port count");
        return MQ_EINVAL;
    }
    c->n_in = c->n_sout = -1;
    for (int i = 0; i < all_in; i++) {
        mq_block_port(d, n_params, params, 0, i, pname, sizeof pname, &c->in_type[i]);
        int v = mq_block_port_vlen(d, n_params, params, 0, i);
        c->in_vlen[i] = v > 0 ? (size_t)v : 1;
        c->in_isz[i] = mq_item_size(c->in_type[i]) * c->in_vlen[i];
        if (c->in_type[i] == MQ_ITEM_MSG && c->n_in < 0)
            c->n_in = i;
        else if (c->in_type[i] != MQ_ITEM_MSG && c->n_in >= 0)
            break;
    }
    for (int o = 0; o < all_out; o++) {
        mq_block_port(d, n_params, params, 1, o, pname, sizeof pname, &c->out_type[o]);
        int v = mq_block_port_vlen(d, n_params, params, 1, o);
        c->out_vlen[o] = v > 0 ? (size_t)v : 1;
        c->out_isz[o] = mq_item_size(c->out_type[o]) * c->out_vlen[o];
        if (c->out_type[o] == MQ_ITEM_MSG && c->n_sout < 0)
            c->n_sout = o;
        else if (c->out_type[o] != MQ_ITEM_MSG && c->n_sout >= 0)
            break;
    }
    if ((c->n_in >= 0 && c->in_type[all_in - 1] != MQ_ITEM_MSG) ||
        (c->n_sout >= 0 && c->out_type[all_out - 1] != MQ_ITEM_MSG)) {
        snprintf(c->err, c->errlen, "a stream port follows a message port: declare the "
                                    "stream ports first");
        return MQ_EINVAL;
    }
    c->n_in = c->n_in < 0 ? all_in : c->n_in;
    c->n_min = all_in - c->n_in;
    c->n_sout = c->n_sout < 0 ? all_out : c->n_sout;
    c->n_out = all_out;
    return 0;
}

int mq__block_check(const mq_block_decl *d, int n_params, char *const *params,
                    mq_pval *vals, char *errbuf, size_t errlen)
{
    mq_block_ctx *c;
    int rc = 0;

    if (!d->check)
        return 0;
    if (!(c = calloc(1, sizeof *c)))
        return MQ_ENOMEM;
    c->d = d;
    c->vals = vals;
    c->err = errbuf;
    c->errlen = errlen;
    if (mq__port_counts(c, d, n_params, params) == 0 && (d->check(c) != 0 || c->failed)) {
        if (!c->failed)
            snprintf(errbuf, errlen, "parameters refused");
        rc = MQ_EINVAL;
    }
    free(c);
    return rc;
}

/* ---- inputs ---------------------------------------------------------------------------- */

static int mq__in_ok(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in && c->in[port].cur != MQ_ID_NONE;
}

static size_t mq__in_len(const mq_block_ctx *c, int port)
{
    int64_t len = mq_buf_length(c->a, c->in[port].cur);
    return len > 0 ? (size_t)len : 0;
}

/* ---- stream tags --------------------------------------------------------------------- */

/* A record's placed bits when it is done with: it went with its buffer, or nowhere. */
#define MQ__PLACED_ALL UINT32_MAX

/* A list of records being made: the tags of one buffer about to go out. */
struct mq__taglist {
    mq_tag_rec *v;
    size_t n, cap;
};

static struct mq__tags *mq__tags_state(mq_block_ctx *c)
{
    if (!c->tg && !(c->tg = calloc(1, sizeof *c->tg)))
        mq_block_error(c, "out of memory for stream tags");
    return c->tg;
}

/* Whether the policy lets input i's tags reach output o. */
static int mq__tags_allowed(const mq_block_ctx *c, int i, int o)
{
    switch (c->d->tag_policy) {
    case MQ_TAGS_ALL_TO_ALL:
        return 1;
    case MQ_TAGS_ONE_TO_ONE:
        return i == o;
    default:
        return 0;
    }
}

/* Input item x's output item: round((x + delay) * interp / decim), halves up, as
 * GNU Radio's propagate_tags rounds (offset * rate + 1/2, in exact rationals). */
static uint64_t mq__tags_map(const mq_block_ctx *c, uint64_t x)
{
    unsigned __int128 v = (unsigned __int128)(x + c->delay);

    if (c->interp == c->decim)
        return (uint64_t)v;
    v = (v * c->interp * 2 + c->decim) / ((unsigned __int128)c->decim * 2);
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* Room in w for `more` records. 0, or -1 with the error recorded. */
static int mq__taglist_room(mq_block_ctx *c, struct mq__taglist *w, size_t more)
{
    if (w->n + more <= w->cap)
        return 0;
    size_t cap = w->cap ? 2 * w->cap : 8;
    if (cap < w->n + more)
        cap = w->n + more;
    mq_tag_rec *v = realloc(w->v, cap * sizeof *v);
    if (!v) {
        mq_block_error(c, "out of memory for stream tags");
        return -1;
    }
    w->v = v;
    w->cap = cap;
    return 0;
}

/* Appends a copy of r at offset `at` to w. 0, or -1 with the error recorded. */
static int mq__taglist_add(mq_block_ctx *c, struct mq__taglist *w, const mq_tag_rec *r,
                           uint64_t at)
{
    if (mq__taglist_room(c, w, 1) < 0)
        return -1;
    if (mq_tag_rec_copy(&w->v[w->n], r) < 0) {
        mq_block_error(c, "out of memory for stream tags");
        return -1;
    }
    w->v[w->n++].offset = at;
    return 0;
}

static void mq__taglist_free(struct mq__taglist *w)
{
    mq_tags_free(w->v, w->n);
    *w = (struct mq__taglist){0};
}

/* Sorts by offset, keeping the order of equal ones (the lists are short). */
static void mq__taglist_sort(struct mq__taglist *w)
{
    for (size_t i = 1; i < w->n; i++)
        for (size_t j = i; j > 0 && w->v[j - 1].offset > w->v[j].offset; j--) {
            mq_tag_rec t = w->v[j];
            w->v[j] = w->v[j - 1];
            w->v[j - 1] = t;
        }
}

/* r, moved to output item `at`, waits on output o for the buffer that holds it. */
static int mq__tags_wait(mq_block_ctx *c, int o, const mq_tag_rec *r, uint64_t at)
{
    struct mq__taglist w;
    size_t k;

    if (c->out[o].closed)
        return 0; /* no item of it will ever go */
    w.v = c->tg->out[o].v;
    w.n = c->tg->out[o].n;
    w.cap = c->tg->out[o].cap;
    int rc = mq__taglist_add(c, &w, r, at);
    /* into its place: after every offset not above its own */
    for (k = w.n - 1; rc == 0 && k > 0 && w.v[k - 1].offset > at; k--) {
        mq_tag_rec t = w.v[k];
        w.v[k] = w.v[k - 1];
        w.v[k - 1] = t;
    }
    c->tg->out[o].v = w.v;
    c->tg->out[o].n = w.n;
    c->tg->out[o].cap = w.cap;
    return rc;
}

static void mq__tags_unparse(struct mq__itag *t)
{
    mq_pmt_free(t->key);
    mq_pmt_free(t->value);
    mq_pmt_free(t->srcid);
    t->key = t->value = t->srcid = NULL;
}

static int mq__itag_cmp(const void *x, const void *y)
{
    const struct mq__itag *a = x, *b = y;

    if (a->r.offset != b->r.offset)
        return a->r.offset < b->r.offset ? -1 : 1;
    return a->placed < b->placed ? -1 : a->placed > b->placed;
}

/* The n tags recs (offsets from the buffer's first item) of input i's buffer that
 * has just come in become the input's. 0, or MQ_ENOMEM with the error recorded. */
static __attribute__((noinline)) int mq__tags_came(mq_block_ctx *c, int i, mq_tag_rec *recs,
                                                   size_t n)
{
    struct mq__input *in = &c->in[i];
    struct mq__itag *v = calloc(n, sizeof *v);
    if (!v || !mq__tags_state(c)) {
        free(v);
        mq_tags_free(recs, n);
        mq_block_error(c, "out of memory for stream tags");
        return MQ_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        v[k].r = recs[k];
        v[k].r.offset += in->seen / c->in_isz[i];
    }
    free(recs);
    c->tg->in[i].v = v;
    c->tg->in[i].n = n;
    in->tagged = 1;
    /* In the order of offsets, for mq_in_tags; a list is written sorted, so this
     * is a check, but one from the arena may not be: qsort, equal offsets kept in
     * their order (placed holds the position meanwhile). */
    size_t k = 1;
    while (k < n && v[k - 1].r.offset <= v[k].r.offset)
        k++;
    if (k < n) {
        for (k = 0; k < n; k++)
            v[k].placed = (uint32_t)k;
        qsort(v, n, sizeof *v, mq__itag_cmp);
        for (k = 0; k < n; k++)
            v[k].placed = 0;
    }
    return 0;
}

/* Input i's buffer has just come in with a tag list: its tags. 0, or a negative
 * code with the error recorded. */
static __attribute__((noinline)) int mq__tags_arrive(mq_block_ctx *c, int i)
{
    mq_tag_rec *recs;
    size_t n;
    int rc = mq_tags_get(c->a, c->in[i].cur, c->in_isz[i], &recs, &n);

    if (rc < 0)
        mq_block_error(c, "input %d: the buffer's stream tags cannot be read: %s", i,
                       mq_strerror(rc));
    return rc < 0 ? rc : n > 0 ? mq__tags_came(c, i, recs, n) : 0;
}

/* Input i's buffer goes (consumed, taken, or passed on): the tags of it that have
 * not gone anywhere yet wait on every output the policy sends them to, at the
 * output items they map to. Only once the block has met a tag (c->tg). */
static __attribute__((noinline)) void mq__tags_leave(mq_block_ctx *c, int i)
{
    struct mq__itag *v;
    size_t n;

    c->in[i].tagged = 0;
    if (!(v = c->tg->in[i].v))
        return;
    n = c->tg->in[i].n;
    for (size_t k = 0; k < n; k++) {
        for (int o = 0; o < c->n_sout; o++)
            if (mq__tags_allowed(c, i, o) && !(v[k].placed & (1u << o)))
                mq__tags_wait(c, o, &v[k].r, mq__tags_map(c, v[k].r.offset));
        free(v[k].r.wire);
        mq__tags_unparse(&v[k]);
    }
    free(v);
    free(c->tg->in[i].view);
    c->tg->in[i].v = NULL;
    c->tg->in[i].view = NULL;
    c->tg->in[i].n = 0;
}

/* The tags the buffer of `items` items about to go out on output o must carry, in
 * *w (offsets from its first item): those waiting on o for its items (one whose
 * item was sent already goes on the first), and
 *  - for a buffer passed on whole from input `from` (its items from the `skip`-th
 *    on), that input's tags on them, if the policy lets them reach o; they are done
 *    with then, and so are those on items after them, which go nowhere;
 *  - for a buffer the block made (from < 0), the current inputs' tags that map
 *    into it and have not gone to o before.
 * *as_is: the buffer, as it is, carries exactly these (its own list or none). 0, or
 * -1 with the error recorded. */
static int mq__tags_for(mq_block_ctx *c, int o, int from, uint64_t skip, uint64_t items,
                        struct mq__taglist *w, int *as_is)
{
    uint64_t w0 = c->out[o].written, w1 = w0 + items;
    mq_tag_rec *wait = c->tg->out[o].v;
    size_t k = 0, riding = 0;

    *w = (struct mq__taglist){0};
    while (k < c->tg->out[o].n && wait[k].offset < w1)
        k++;
    if (mq__taglist_room(c, w, k) < 0)
        return -1;
    for (size_t j = 0; j < k; j++) { /* moved over, wire and all */
        w->v[w->n] = wait[j];
        w->v[w->n++].offset = wait[j].offset > w0 ? wait[j].offset - w0 : 0;
    }
    if (k > 0) {
        c->tg->out[o].n -= k;
        memmove(wait, wait + k, c->tg->out[o].n * sizeof *wait);
    }
    if (from >= 0) {
        struct mq__input *in = &c->in[from];
        struct mq__itag *v = c->tg->in[from].v;
        uint64_t first = in->seen / c->in_isz[from] + skip;
        int ride = mq__tags_allowed(c, from, o);
        for (size_t j = 0; j < c->tg->in[from].n; j++) {
            if (v[j].r.offset < first)
                continue;
            if (ride && v[j].r.offset < first + items) {
                if (mq__taglist_add(c, w, &v[j].r, v[j].r.offset - first) < 0)
                    return -1;
                riding++;
            }
            v[j].placed = MQ__PLACED_ALL;
        }
        *as_is = k == 0 && (!ride ? !in->tagged : in->tagged ? skip == 0 : riding == 0);
    } else {
        for (int i = 0; i < c->n_in; i++) {
            struct mq__itag *v = c->tg->in[i].v;
            for (size_t j = 0; mq__tags_allowed(c, i, o) && j < c->tg->in[i].n; j++) {
                uint64_t m = mq__tags_map(c, v[j].r.offset);
                if ((v[j].placed & (1u << o)) || m >= w1)
                    continue;
                if (mq__taglist_add(c, w, &v[j].r, m > w0 ? m - w0 : 0) < 0)
                    return -1;
                v[j].placed |= 1u << o;
            }
        }
        *as_is = w->n == 0;
    }
    mq__taglist_sort(w);
    return 0;
}

/* Makes w the tags of buffer id (the block holds its only reference), waiting
 * (and beating) for a buffer for the list. 0, or a negative code with the error
 * recorded. */
static int mq__tags_put(mq_block_ctx *c, int o, mq_id id, const struct mq__taglist *w)
{
    int rc = mq_tags_set(c->a, id, w->v, w->n, 0);

    if (rc == MQ_ENOBUFS) {
        int64_t t0 = mq_now_ns();
        while ((rc = mq_tags_set(c->a, id, w->v, w->n, c->hb_ns)) == MQ_ETIMEDOUT)
            mq_arena_heartbeat(c->a);
        c->waited_ns += mq_now_ns() - t0;
    }
    if (rc < 0)
        mq_block_error(c, "output %d: cannot attach its stream tags: %s", o, mq_strerror(rc));
    return rc;
}

uint64_t mq_in_nitems_read(const mq_block_ctx *c, int port)
{
    if (port < 0 || port >= c->n_in)
        return 0;
    return (c->in[port].seen + c->in[port].off) / c->in_isz[port];
}

uint64_t mq_out_nitems_written(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_sout ? c->out[port].written : 0;
}

int mq_in_tags(mq_block_ctx *c, int port, uint64_t start, uint64_t end, const mq_tag **tags)
{
    size_t n = 0;

    *tags = NULL;
    if (port < 0 || port >= c->n_in)
        return MQ_EINVAL;
    if (!c->tg || !c->tg->in[port].n)
        return 0;
    struct mq__itag *v = c->tg->in[port].v;
    free(c->tg->in[port].view);
    c->tg->in[port].view = NULL;
    for (size_t k = 0; k < c->tg->in[port].n; k++) {
        if (v[k].r.offset < start || v[k].r.offset >= end)
            continue;
        if (!v[k].key && mq_tag_rec_parse(&v[k].r, &v[k].key, &v[k].value, &v[k].srcid) < 0) {
            mq_block_error(c, "input %d: a stream tag at item %llu is not three PMTs", port,
                           (unsigned long long)v[k].r.offset);
            return MQ_EINVAL;
        }
        n++;
    }
    if (n == 0)
        return 0;
    mq_tag *view = c->tg->in[port].view = calloc(n, sizeof *view);
    if (!view) {
        mq_block_error(c, "out of memory for stream tags");
        return MQ_ENOMEM;
    }
    n = 0;
    for (size_t k = 0; k < c->tg->in[port].n; k++)
        if (v[k].r.offset >= start && v[k].r.offset < end)
            view[n++] = (mq_tag){v[k].r.offset, v[k].key, v[k].value, v[k].srcid};
    *tags = view;
    return (int)n;
}

int mq_out_add_tag(mq_block_ctx *c, int port, uint64_t offset, const mq_pmt *key,
                   const mq_pmt *value, const mq_pmt *srcid)
{
    mq_tag_rec r;
    int rc;

    if (port < 0 || port >= c->n_sout)
        return MQ_EINVAL;
    if (offset < c->out[port].written)
        return MQ_ERANGE;
    if ((rc = mq_tag_rec_make(&r, offset, key, value, srcid)) < 0)
        return rc;
    rc = mq__tags_state(c) ? mq__tags_wait(c, port, &r, offset) : MQ_ENOMEM;
    mq_tag_rec_free(&r);
    return rc < 0 ? MQ_ENOMEM : 0;
}

int mq_block_set_relative_rate(mq_block_ctx *c, uint64_t interp, uint64_t decim)
{
    if (interp == 0 || decim == 0)
        return MQ_EINVAL;
    c->interp = interp;
    c->decim = decim;
    return 0;
}

void mq_block_declare_sample_delay(mq_block_ctx *c, uint64_t items)
{
    c->delay = items;
}

/* Frees the block's tags. */
static void mq__tags_end(mq_block_ctx *c)
{
    if (!c->tg)
        return;
    for (int i = 0; i < MQ_MAX_PORTS; i++) {
        for (size_t k = 0; k < c->tg->in[i].n; k++) {
            free(c->tg->in[i].v[k].r.wire);
            mq__tags_unparse(&c->tg->in[i].v[k]);
        }
        free(c->tg->in[i].v);
        free(c->tg->in[i].view);
        mq_tags_free(c->tg->out[i].v, c->tg->out[i].n);
    }
    free(c->tg);
    c->tg = NULL;
}

const void *mq_in_data(mq_block_ctx *c, int port, size_t *bytes)
{
    *bytes = 0;
    if (!mq__in_ok(c, port))
        return NULL;
    size_t len = mq__in_len(c, port), off = c->in[port].off;
    *bytes = len > off ? len - off : 0;
    return (const char *)mq_buf_data(c->a, c->in[port].cur) + off;
}

const void *mq_in_items(mq_block_ctx *c, int port, size_t *n)
{
    size_t bytes, isz;
    const void *p = mq_in_data(c, port, &bytes);
    struct mq__input *in;

    *n = 0;
    if (!p)
        return NULL;
    isz = c->in_isz[port];
    *n = bytes / isz;
    in = &c->in[port];
    if (in->hist == 0)
        return p;
    /* made already for this buffer at this point (the block asked twice), or not */
    if (in->win_len != in->hist + *n * isz || in->win_id != in->cur || in->win_off != in->off) {
        size_t need = in->hist + *n * isz;
        if (need > in->win_cap) {
            unsigned char *w = realloc(in->win, need);
            if (!w) {
                mq_block_error(c, "input %d: out of memory for its history", port);
                *n = 0;
                return NULL;
            }
            in->win = w;
            in->win_cap = need;
        }
        memcpy(in->win + in->hist, p, *n * isz);
        in->win_len = need;
        in->win_id = in->cur;
        in->win_off = in->off;
    }
    return in->win;
}

int mq_in_consume_items(mq_block_ctx *c, int port, size_t n)
{
    if (port < 0 || port >= c->n_in)
        return MQ_EINVAL;
    return mq_in_consume(c, port, n * c->in_isz[port]);
}

void *mq_in_writable_items(mq_block_ctx *c, int port, size_t *n)
{
    size_t bytes;
    void *p = mq_in_writable(c, port, &bytes);

    *n = p ? bytes / c->in_isz[port] : 0;
    return p;
}

int mq_in_set_history(mq_block_ctx *c, int port, size_t items)
{
    struct mq__input *in;
    size_t hist, cap;
    unsigned char *w;

    if (port < 0 || port >= c->n_in || items < 1 || items > MQ_MAX_HISTORY)
        return MQ_EINVAL;
    in = &c->in[port];
    hist = (items - 1) * c->in_isz[port];
    if (hist == in->hist)
        return 0;
    cap = hist > in->win_cap ? hist : in->win_cap;
    if (!(w = cap ? realloc(in->win, cap) : in->win))
        return MQ_ENOMEM;
    if (hist > in->hist) { /* zeros before the oldest kept */
        memmove(w + (hist - in->hist), w, in->hist);
        memset(w, 0, hist - in->hist);
    } else { /* the newest stay */
        memmove(w, w + (in->hist - hist), hist);
    }
    in->win = w;
    in->win_cap = cap;
    in->hist = hist;
    in->win_len = 0;
    return 0;
}

/* After a work call consumed bytes [off, end) of input i's current buffer: the last
 * hist bytes of what it has seen become the kept ones (from the buffer itself,
 * whether or not the block asked for the window). */
static void mq__keep_history(mq_block_ctx *c, int i, size_t off, size_t end)
{
    struct mq__input *in = &c->in[i];
    const unsigned char *b = (const unsigned char *)mq_buf_data(c->a, in->cur);
    size_t k = end - off;

    in->win_len = 0;
    if (in->hist == 0 || k == 0)
        return;
    if (k >= in->hist) {
        memcpy(in->win, b + end - in->hist, in->hist);
    } else {
        memmove(in->win, in->win + k, in->hist - k);
        memcpy(in->win + in->hist - k, b + off, k);
    }
}

int mq_in_ended(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in && c->in[port].cur == MQ_ID_NONE && c->in[port].eos;
}

/* The timestamp of the first unconsumed item: it moves on by the items consumed
 * before (ts.h). */
int mq_in_timestamp(mq_block_ctx *c, int port, mq_timestamp *ts)
{
    if (!mq__in_ok(c, port))
        return MQ_EINVAL;
    int rc = mq_buf_timestamp(c->a, c->in[port].cur, ts);
    size_t isz = c->in_isz[port];
    int64_t done = (int64_t)(c->in[port].off / isz);

    if (rc < 0 || done == 0)
        return rc;
    size_t all = mq__in_len(c, port) / isz;
    mq_ts_items(ts, all, (double)done, 1.0, all - (size_t)done, ts);
    return 0;
}

/* A buffer of `bytes`, waiting (and beating) until one is free. Only a wait that
 * happens is timed: the time goes to waited_ns, not to the block's busy time. */
static int mq__alloc_waiting(mq_block_ctx *c, size_t bytes, mq_id *id)
{
    int rc = mq_buf_alloc(c->a, bytes, 0, id);

    if (rc != MQ_ENOBUFS)
        return rc;
    int64_t t0 = mq_now_ns();
    while ((rc = mq_buf_alloc(c->a, bytes, c->hb_ns, id)) == MQ_ETIMEDOUT)
        mq_arena_heartbeat(c->a);
    c->waited_ns += mq_now_ns() - t0;
    return rc;
}

/* A push that waits for room the same way. */
static int mq__push_waiting(mq_block_ctx *c, int conn, mq_id id)
{
    int rc = mq_queue_push(c->a, (uint32_t)conn, id, 0);

    if (rc != MQ_EAGAIN)
        return rc;
    int64_t t0 = mq_now_ns();
    while ((rc = mq_queue_push(c->a, (uint32_t)conn, id, c->hb_ns)) == MQ_ETIMEDOUT)
        mq_arena_heartbeat(c->a);
    c->waited_ns += mq_now_ns() - t0;
    return rc;
}

/* A new buffer with the current buffer of input `port`'s data, length and
 * timestamp, waiting (and beating) until one is free. */
static int mq__copy_input(mq_block_ctx *c, int port, mq_id *copy)
{
    size_t len = mq__in_len(c, port);
    mq_timestamp ts;
    int rc;

    if ((rc = mq__alloc_waiting(c, len, copy)) < 0)
        return rc;
    if (c->ckpt) /* the same items: lost, they count where the original came from */
        mq_buf_tag(c->a, *copy, (uint32_t)c->in[port].conn, MQ_TAG_KEEP);
    memcpy(mq_buf_data(c->a, *copy), mq_buf_data(c->a, c->in[port].cur), len);
    mq_buf_set_length(c->a, *copy, len);
    if (mq_buf_timestamp(c->a, c->in[port].cur, &ts) == 0)
        mq_buf_set_timestamp(c->a, *copy, &ts);
    return 0;
}

void *mq_in_writable(mq_block_ctx *c, int port, size_t *bytes)
{
    int rc;

    *bytes = 0;
    if (!mq__in_ok(c, port))
        return NULL;
    rc = mq_buf_writable(c->a, &c->in[port].cur);
    if (rc == 1)
        c->in[port].tagged = 0; /* a copy: without the original's tag list */
    if (rc == 1 && c->ckpt) /* a copy: it carries the input's items */
        mq_buf_tag(c->a, c->in[port].cur, (uint32_t)c->in[port].conn, MQ_TAG_KEEP);
    if (rc == MQ_ENOBUFS) {
        /* Shared and no buffer free for the copy right now: wait for one, as
         * mq_out_alloc does (buffers come back as the graph downstream drains). */
        mq_id copy;
        if ((rc = mq__copy_input(c, port, &copy)) == 0) {
            mq_buf_release(c->a, c->in[port].cur);
            c->in[port].cur = copy;
            c->in[port].tagged = 0;
        }
    }
    if (rc < 0) {
        mq_block_error(c, "input %d: no writable buffer: %s", port, mq_strerror(rc));
        return NULL;
    }
    return (void *)mq_in_data(c, port, bytes);
}

int mq_in_sole(mq_block_ctx *c, int port)
{
    return mq__in_ok(c, port) && c->in[port].hist == 0 &&
           mq_buf_sole(c->a, c->in[port].cur) == 1;
}

/* A port with a history keeps what it has seen: its buffers are read, never
 * taken or sent on (their items would be missing from the history). */
static int mq__no_history(mq_block_ctx *c, int port, const char *call)
{
    if (c->in[port].hist == 0)
        return 0;
    mq_block_error(c, "%s: input %d keeps a history (mq_in_set_history): its buffers are "
                      "read, not taken or sent on", call, port);
    return MQ_EINVAL;
}

int mq_in_take(mq_block_ctx *c, int port, mq_id *id)
{
    struct mq__input *in = &c->in[port];

    if (!mq__in_ok(c, port) || in->off > 0 || mq__no_history(c, port, __func__) < 0)
        return MQ_EINVAL;
    c->items_in += mq__in_len(c, port) / c->in_isz[port];
    if (c->tg)
        mq__tags_leave(c, port);
    in->seen += mq__in_len(c, port);
    *id = in->cur;
    in->cur = MQ_ID_NONE;
    in->take = -1;
    return 0;
}

int mq_in_note(mq_block_ctx *c, int port, int what, uint64_t n)
{
    if (port < 0 || port >= c->n_in || c->in[port].conn < 0)
        return MQ_EINVAL;
    return mq_queue_note(c->a, (uint32_t)c->in[port].conn, what, n);
}

int mq_in_consume(mq_block_ctx *c, int port, size_t bytes)
{
    if (!mq__in_ok(c, port))
        return MQ_EINVAL;
    size_t len = mq__in_len(c, port), end = c->in[port].off + bytes;
    c->in[port].take = (int64_t)(end < len ? end : len);
    return 0;
}

/* ---- outputs ---------------------------------------------------------------------------- */

/* When the runtime commits the block's record (ckpt.h), and so what the record says
 * of the inputs in hand: at a send, the work call has begun to send and has used
 * no more of them than it said with mq_in_consume (a death now counts them as not
 * used, and what the call made as sent); at the end of a work call, it used what
 * it said, or all; otherwise (start, a work call that kept its inputs, a failure)
 * only what earlier calls used. */
enum { MQ__AT_SEND, MQ__AT_END, MQ__AT_REST };

static void mq__commit(mq_block_ctx *c, mq_id fly, int at)
{
    uint16_t n = 0;

    for (int i = 0; i < c->n_in; i++) {
        struct mq__input *in = &c->in[i];
        c->rec.items_read[i] = in->seen / c->in_isz[i];
        if (in->cur == MQ_ID_NONE)
            continue;
        c->rec.cur[n].id = in->cur;
        c->rec.cur[n].end = in->take >= 0 && at != MQ__AT_REST ? (uint64_t)in->take
                            : at == MQ__AT_END                 ? (uint64_t)mq__in_len(c, i)
                                                               : (uint64_t)in->off;
        c->rec.items_read[i] = (in->seen + c->rec.cur[n++].end) / c->in_isz[i];
    }
    c->rec.n_cur = n;
    c->rec.n_read = (uint16_t)c->n_in;
    c->rec.n_written = (uint16_t)c->n_sout;
    for (int o = 0; o < c->n_sout; o++)
        c->rec.items_written[o] = c->out[o].written;
    c->rec.fly = fly;
    c->rec.flags = at == MQ__AT_SEND ? MQ_CKPT_SENDING : 0;
    mq_ckpt_commit(c->a, c->block, &c->rec);
}

int mq_block_restartable(const mq_block_ctx *c)
{
    return c->ckpt;
}

int mq_checkpoint_save(mq_block_ctx *c, const void *data, size_t len)
{
    if (len > MQ_CHECKPOINT_MAX)
        return MQ_ERANGE;
    memcpy(c->rec.data, data, len);
    c->rec.len = (uint32_t)len;
    return 0;
}

size_t mq_checkpoint_load(const mq_block_ctx *c, void *data, size_t cap)
{
    size_t n = c->rec.len < cap ? c->rec.len : cap;

    memcpy(data, c->rec.data, n);
    return c->rec.len;
}

/* Sends `id` (a reference the block holds, `items` items) to every live connection
 * of output o. The items count as output if at least one consumer took them. */
static int mq__send(mq_block_ctx *c, int o, mq_id id, uint64_t items)
{
    struct mq__output *out = &c->out[o];
    mq_id ids[MQ__FANOUT];
    int live[MQ__FANOUT], k = 0, taken = 0, rc;

    out->written += items; /* made, whether or not anyone takes it */
    for (int j = 0; j < out->n; j++)
        if (!out->dead[j])
            live[k++] = j;
    if (k == 0)
        return mq_buf_release(c->a, id);
    if (k == 1)
        ids[0] = id;
    else if ((rc = mq_buf_share(c->a, id, (unsigned)k, ids)) < 0)
        return rc;
    if (c->ckpt) {
        /* Where each reference goes, then the record that it is going: a death
         * before the record counts it where it came from, after it where it went. */
        for (int j = 0; j < k; j++)
            mq_buf_tag(c->a, ids[j], MQ_TAG_KEEP, (uint32_t)out->conn[live[j]]);
        mq__commit(c, id, MQ__AT_SEND);
    }
    for (int j = 0; j < k; j++) {
        rc = mq__push_waiting(c, out->conn[live[j]], ids[j]);
        if (rc == MQ_EPIPE) {
            out->dead[live[j]] = 1;
            mq_buf_release(c->a, ids[j]);
        } else if (rc < 0) {
            for (int r = j; r < k; r++)
                mq_buf_release(c->a, ids[r]);
            return rc;
        } else {
            taken = 1;
        }
    }
    c->items_out += taken ? items : 0;
    return 0;
}

/* Gives up output o's allocated but unsent buffer, if any. */
static void mq__drop_pending(mq_block_ctx *c, int o)
{
    if (c->out[o].pending != MQ_ID_NONE)
        mq_buf_release(c->a, c->out[o].pending);
    c->out[o].pending = MQ_ID_NONE;
}

void *mq_out_alloc(mq_block_ctx *c, int port, size_t bytes)
{
    struct mq__output *out;
    int rc;

    if (port < 0 || port >= c->n_sout) {
        mq_block_error(c, "no stream output %d", port);
        return NULL;
    }
    out = &c->out[port];
    mq__drop_pending(c, port);
    if ((rc = mq__alloc_waiting(c, bytes, &out->pending)) < 0) {
        mq_block_error(c, "output %d: no buffer of %zu bytes: %s", port, bytes,
                       mq_strerror(rc));
        return NULL;
    }
    if (c->ckpt && out->n > 0) /* where it goes, if the call dies after its first send */
        mq_buf_tag(c->a, out->pending, MQ_TAG_KEEP, (uint32_t)out->conn[0]);
    return mq_buf_data(c->a, out->pending);
}

static int mq__finish_send(mq_block_ctx *c, int port, mq_id id, size_t bytes,
                           const mq_timestamp *ts)
{
    int rc = mq_buf_set_length(c->a, id, bytes);

    if (rc == 0 && ts)
        rc = mq_buf_set_timestamp(c->a, id, ts);
    if (rc < 0) {
        mq_buf_release(c->a, id);
        return rc;
    }
    return mq__send(c, port, id, bytes / c->out_isz[port]);
}

/* mq_out_push's send for a block that has met tags: the buffer the block made
 * (its only reference) gets the tags that fall on its items first. */
static __attribute__((noinline)) int mq__push_tagged(mq_block_ctx *c, int o, mq_id id,
                                                     size_t bytes, const mq_timestamp *ts)
{
    struct mq__taglist w;
    int as_is, rc = mq__tags_for(c, o, -1, 0, bytes / c->out_isz[o], &w, &as_is);

    if (rc == 0 && !as_is)
        rc = mq__tags_put(c, o, id, &w);
    mq__taglist_free(&w);
    if (rc < 0) {
        mq_buf_release(c->a, id);
        return MQ_EINVAL;
    }
    return mq__finish_send(c, o, id, bytes, ts);
}

int mq_out_push(mq_block_ctx *c, int port, size_t bytes, const mq_timestamp *ts)
{
    mq_id id;

    if (port < 0 || port >= c->n_sout || c->out[port].pending == MQ_ID_NONE)
        return MQ_EINVAL;
    id = c->out[port].pending;
    c->out[port].pending = MQ_ID_NONE;
    if (c->tg)
        return mq__push_tagged(c, port, id, bytes, ts);
    return mq__finish_send(c, port, id, bytes, ts);
}

/* Whether forwarding input `in` with `bytes` and `ts` changes its buffer's length
 * or timestamp. */
static int mq__forward_changes(mq_block_ctx *c, int in, size_t bytes, const mq_timestamp *ts)
{
    mq_timestamp cur;

    if (bytes != mq__in_len(c, in))
        return 1;
    if (!ts)
        return 0;
    if (mq_buf_timestamp(c->a, c->in[in].cur, &cur) < 0)
        return 1;
    return cur.type != ts->type || cur.value != ts->value ||
           (cur.flags & MQ_TS_HAS_RANGE) != (ts->flags & MQ_TS_HAS_RANGE) ||
           ((ts->flags & MQ_TS_HAS_RANGE) && (cur.start != ts->start || cur.end != ts->end));
}

/* mq_out_forward for a block that has met tags: the buffer's tags are settled
 * first (made the block's alone if they change). */
static __attribute__((noinline)) int mq__forward_tagged(mq_block_ctx *c, int in, int port,
                                                        size_t bytes, const mq_timestamp *ts)
{
    struct mq__input *ip = &c->in[in];
    size_t isz = c->in_isz[in], done = ip->off, left;
    struct mq__taglist w;
    int as_is, rc = 0;

    if (mq__tags_for(c, port, in, done / isz, bytes / isz, &w, &as_is) < 0)
        rc = MQ_EINVAL;
    else if ((ip->off > 0 || !as_is || mq__forward_changes(c, in, bytes, ts)) &&
             !mq_in_writable(c, in, &left)) /* the block's own copy: see below */
        rc = MQ_ENOBUFS;
    if (rc == 0 && ip->off > 0) { /* as below */
        char *p = (char *)mq_buf_data(c->a, ip->cur);
        memmove(p, p + ip->off, left);
        ip->off = 0;
    }
    if (rc == 0 && !as_is)
        rc = mq__tags_put(c, port, ip->cur, &w);
    mq__taglist_free(&w);
    if (rc < 0)
        return rc;
    mq__tags_leave(c, in);
    mq_id id = ip->cur;
    ip->cur = MQ_ID_NONE;
    ip->take = -1;
    ip->seen += done + bytes;
    c->items_in += bytes / isz;
    return mq__finish_send(c, port, id, bytes, ts);
}


int mq_out_forward(mq_block_ctx *c, int in, int port, size_t bytes, const mq_timestamp *ts)
{
    struct mq__input *ip;
    mq_id id;

    if (!mq__in_ok(c, in) || port < 0 || port >= c->n_sout ||
        mq__no_history(c, in, __func__) < 0)
        return MQ_EINVAL;
    if (c->tg)
        return mq__forward_tagged(c, in, port, bytes, ts);
    ip = &c->in[in];
    size_t done = ip->off;
    if (ip->off > 0 || mq__forward_changes(c, in, bytes, ts)) {
        /* A new length or stamp must not reach the other holders of a shared
         * buffer: the block's own copy then (in place if it holds the only
         * reference). Part of the buffer went to earlier work calls: what is
         * left moves to its start, so the buffer downstream begins at the first
         * unconsumed item. */
        size_t left;
        char *p = mq_in_writable(c, in, &left);
        if (!p)
            return MQ_ENOBUFS;
        memmove(p - ip->off, p, left);
        ip->off = 0;
    }
    id = ip->cur;
    ip->cur = MQ_ID_NONE;
    ip->take = -1;
    ip->seen += done + bytes; /* what goes on, after what went before: read */
    c->items_in += bytes / c->in_isz[in];
    return mq__finish_send(c, port, id, bytes, ts);
}

void *mq_out_alloc_items(mq_block_ctx *c, int port, size_t n)
{
    if (port < 0 || port >= c->n_sout) {
        mq_block_error(c, "mq_out_alloc_items: no stream output %d", port);
        return NULL;
    }
    return mq_out_alloc(c, port, n * c->out_isz[port]);
}

int mq_out_push_items(mq_block_ctx *c, int port, size_t n, const mq_timestamp *ts)
{
    if (port < 0 || port >= c->n_sout)
        return MQ_EINVAL;
    return mq_out_push(c, port, n * c->out_isz[port], ts);
}

int mq_out_forward_items(mq_block_ctx *c, int in, int out, size_t n, const mq_timestamp *ts)
{
    if (in < 0 || in >= c->n_in)
        return MQ_EINVAL;
    return mq_out_forward(c, in, out, n * c->in_isz[in], ts);
}

int mq_out_share(mq_block_ctx *c, int in, int port)
{
    struct mq__taglist w = {0};
    mq_id two[2];
    int as_is = 1, rc;

    if (!mq__in_ok(c, in) || port < 0 || port >= c->n_sout || c->in[in].off > 0)
        return MQ_EINVAL;
    if (c->tg &&
        mq__tags_for(c, port, in, 0, mq__in_len(c, in) / c->in_isz[in], &w, &as_is) < 0) {
        mq__taglist_free(&w);
        return MQ_EINVAL;
    }
    /* Other tags than the buffer's own: this output gets a copy to carry them. */
    rc = as_is ? mq_buf_share(c->a, c->in[in].cur, 2, two) : MQ_ENOSPC;
    if (rc == MQ_ENOSPC) {
        /* Or the buffer has handed out all its reference tokens: send a copy. */
        if ((rc = mq__copy_input(c, in, &two[1])) == 0 && w.n > 0)
            rc = mq__tags_put(c, port, two[1], &w);
        if (rc < 0 && two[1] != MQ_ID_NONE)
            mq_buf_release(c->a, two[1]);
        two[0] = c->in[in].cur;
    }
    mq__taglist_free(&w);
    if (rc < 0)
        return rc;
    c->in[in].cur = two[0];
    return mq__send(c, port, two[1], mq__in_len(c, in) / c->out_isz[port]);
}

int mq_out_close(mq_block_ctx *c, int port)
{
    struct mq__output *out;

    if (port < 0 || port >= c->n_out)
        return MQ_EINVAL;
    out = &c->out[port];
    mq__drop_pending(c, port);
    for (int j = 0; j < out->n; j++) {
        mq_queue_close(c->a, (uint32_t)out->conn[j]);
        out->dead[j] = 2;
    }
    out->closed = 1;
    if (c->tg) { /* tags waiting for items that will never be */
        mq_tags_free(c->tg->out[port].v, c->tg->out[port].n);
        c->tg->out[port].v = NULL;
        c->tg->out[port].n = c->tg->out[port].cap = 0;
    }
    return 0;
}

int mq_msg_post(mq_block_ctx *c, int port, const mq_pmt *m)
{
    mq_id id;
    int rc;

    if (port < c->n_sout || port >= c->n_out)
        return MQ_EINVAL;
    if ((rc = mq_msg_make(c->a, m, 0, &id)) == MQ_ENOBUFS) {
        int64_t t0 = mq_now_ns(); /* waiting for a buffer is not busy */
        while ((rc = mq_msg_make(c->a, m, c->hb_ns, &id)) == MQ_ETIMEDOUT)
            mq_arena_heartbeat(c->a);
        c->waited_ns += mq_now_ns() - t0;
    }
    return rc < 0 ? rc : mq__send(c, port, id, 1);
}

int64_t mq_block_now_ns(void)
{
    return mq_now_ns();
}

int64_t mq_block_graph_start_ns(const mq_block_ctx *c)
{
    return c->start_mono;
}

void mq_block_call_by(mq_block_ctx *c, int64_t deadline_ns)
{
    c->call_by = deadline_ns;
}

void mq_block_stamp(const mq_block_ctx *c, double rate, int64_t first, size_t n,
                    mq_timestamp *ts)
{
    const mq_pval *v = mq__param(c, "timestamps");
    const char *kind = v && v->s ? v->s : "";
    struct timespec rt;

    *ts = (mq_timestamp){.type = MQ_TS_SAMPLE_INDEX, .value = first};
    if (!strcmp(kind, "none")) {
        ts->type = MQ_TS_NONE;
        ts->value = 0;
    } else if (!strcmp(kind, "relative")) {
        ts->type = MQ_TS_RELATIVE;
        ts->value = rate > 0 ? llround((double)first * 1e9 / rate) : mq_now_ns() - c->start_mono;
    } else if (!strcmp(kind, "absolute")) {
        clock_gettime(CLOCK_REALTIME, &rt);
        ts->type = MQ_TS_ABSOLUTE;
        ts->value = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
    }
    if (mq_ts_is_time(ts) && rate > 0) {
        ts->flags = MQ_TS_HAS_RANGE;
        ts->start = ts->value;
        /* Both ends from the stream's item count, so consecutive ranges tile. */
        ts->end = ts->type == MQ_TS_RELATIVE
                      ? llround((double)(first + (int64_t)n - 1) * 1e9 / rate)
                      : ts->value + llround((double)(n > 0 ? n - 1 : 0) * 1e9 / rate);
    }
}

/* The block is to finish for what happened downstream. As GNU Radio's: a consumer
 * of a stream output abandoned it (finished before end of stream; not one this
 * block closed itself), so the block ends and its other consumers see the end. With finish_all (`finish: all`):
 * nobody downstream reads any more, every connection from the block's outputs is
 * abandoned. Taps never count: they never keep a block up nor end it. */
static int mq__outputs_dead(const mq_block_ctx *c)
{
    int live = 0;

    for (int o = 0; o < c->n_out; o++)
        for (int j = 0; j < c->out[o].n; j++) {
            if (c->out[o].tap[j])
                continue;
            if (c->out[o].dead[j] == 1 && !c->finish_all && o < c->n_sout)
                return 1;
            live |= !c->out[o].dead[j];
        }
    return c->n_out > 0 && !live;
}

/* Whether, by the finish rule (mq__outputs_dead), everything downstream that keeps
 * the block going has gone: what a send would learn, asked of the queues while the
 * block waits and sends nothing (a silent udp_source, a clock in real time). */
static int mq__downstream_gone(mq_block_ctx *c)
{
    for (int o = 0; o < c->n_sout; o++)
        for (int j = 0; j < c->out[o].n; j++) {
            mq_queue_stats qs;
            if (!c->out[o].dead[j] && !c->out[o].tap[j] &&
                mq_queue_stats_get(c->a, (uint32_t)c->out[o].conn[j], &qs) == 0 &&
                qs.abandoned)
                c->out[o].dead[j] = 1;
        }
    return mq__outputs_dead(c);
}

int mq_block_sleep_until(mq_block_ctx *c, int64_t deadline_ns)
{
    int64_t t0 = mq_now_ns();

    mq_queue_flush(c->a, 0);
    for (;;) {
        mq_arena_heartbeat(c->a);
        int64_t now = mq_now_ns(), left = deadline_ns - now;
        int stop = mq_arena_stop_requested(c->a) || mq__downstream_gone(c);
        if (stop || left <= 0) {
            c->waited_ns += now - t0; /* asleep is not busy */
            return stop;
        }
        if (left > c->hb_ns)
            left = c->hb_ns;
        mq_sched_sleep_until(c->a, now + left);
    }
}

/* ---- live parameters -------------------------------------------------------------------- */

/* Takes the supervisor's newest live publication, if it is new: its values replace
 * the block's and param_changed (with `state`; not before init) hears of each one
 * that changed. Runs between work calls only, so no work call mixes old and new
 * values. 0, or a negative code with the reason in err. */
static int mq__live_poll(mq_block_ctx *c, void *state, int notify)
{
    char *text;
    size_t len;
    uint64_t seq;
    int rc = mq_live_take(c->a, c->block, c->live_seen, &text, &len, &seq);

    if (rc <= 0)
        return rc;
    unsigned char *changed = calloc((size_t)c->d->n_params + 1, 1);
    if (!changed) {
        free(text);
        return MQ_ENOMEM;
    }
    if ((rc = mq__params_apply(c->d, c->vals, text, changed, c->err, c->errlen)) < 0) {
        free(text);
        free(changed);
        return rc;
    }
    free(c->live_text);
    c->live_text = text;
    c->live_seen = seq;
    for (int k = 0; notify && c->d->param_changed && k < c->d->n_params; k++) {
        if (!changed[k])
            continue;
        mq_arena_slot_in_block(c->a, c->block);
        if (c->d->param_changed(c, state, k) != 0 || c->failed) {
            if (!c->failed)
                snprintf(c->err, c->errlen, "refused the new value of '%s'",
                         c->d->params[k].name);
            free(changed);
            return MQ_EINVAL;
        }
    }
    free(changed);
    mq_live_applied(c->a, c->block, seq, c->n_out > 0 ? c->total_out : c->total_in);
    return 0;
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* Pops a current buffer for every input that lacks one. */
static int mq__fill(mq_block_ctx *c)
{
    for (int i = 0; i < c->n_in; i++) {
        struct mq__input *in = &c->in[i];
        if (in->cur != MQ_ID_NONE || in->eos)
            continue;
        int rc = mq_queue_pop(c->a, (uint32_t)in->conn, &in->cur, 0);
        if (rc == MQ_EOS)
            in->eos = 1;
        else if (rc < 0 && rc != MQ_EAGAIN)
            return rc;
        else if (rc == 0 && mq_tags_carried(c->a, in->cur) && (rc = mq__tags_arrive(c, i)) < 0)
            return rc;
    }
    return 0;
}

enum { MQ__WAIT, MQ__READY, MQ__FINISHED };

/* `arrived`: how many inputs have a buffer or have ended. */
static int mq__readiness(const mq_block_ctx *c, int need_more, int *arrived)
{
    int have = 0, ended = 0;

    *arrived = 0;
    if (c->n_in == 0)
        return MQ__READY;
    for (int i = 0; i < c->n_in; i++) {
        have += c->in[i].cur != MQ_ID_NONE;
        ended += c->in[i].cur == MQ_ID_NONE && c->in[i].eos;
    }
    *arrived = have + ended;
    if (c->d->flags & MQ_BLOCK_ANY_INPUT) {
        if (have == 0 && ended == c->n_in)
            return (c->d->flags & MQ_BLOCK_CALL_AT_END) && !c->end_called ? MQ__READY
                                                                           : MQ__FINISHED;
        if (c->call_by && mq_now_ns() >= c->call_by)
            return MQ__READY;
        return have > 0 && *arrived > need_more ? MQ__READY : MQ__WAIT;
    }
    if (ended > 0)
        return MQ__FINISHED; /* a sync block ends with its first finished input */
    return have == c->n_in && *arrived > need_more ? MQ__READY : MQ__WAIT;
}


/* Takes the taps the supervisor announced (registry.h): every output's list
 * loses its taps and gains those now pointing at it, and the announcement is
 * confirmed. Between work calls only, so no buffer is sent to half a list. */
static void mq__taps_poll(mq_block_ctx *c)
{
    uint64_t seen, now;
    int nc = mq_registry_conn_count(c->a);

    if (mq_registry_taps_state(c->a, c->block, &seen, &now) < 0 || now == c->taps_seen)
        return;
    for (int o = 0; o < c->n_out; o++) {
        struct mq__output *out = &c->out[o];
        int keep = 0;
        for (int j = 0; j < out->n; j++)
            if (!out->tap[j]) {
                out->conn[keep] = out->conn[j];
                out->dead[keep] = out->dead[j];
                out->tap[keep++] = 0;
            }
        out->n = keep;
    }
    for (int k = 0; k < nc; k++) {
        mq_conn_info ci;
        mq_queue_stats qs;
        if (mq_registry_conn_info(c->a, (uint32_t)k, &ci) < 0 || ci.kind != MQ_CONN_TAP ||
            ci.src_block != c->block || (int)ci.src_port >= c->n_out ||
            mq_queue_stats_get(c->a, (uint32_t)k, &qs) < 0 || qs.abandoned || qs.closed)
            continue;
        struct mq__output *out = &c->out[ci.src_port];
        if (out->n < MQ__FANOUT) {
            out->conn[out->n] = k;
            out->dead[out->n] = 0;
            out->tap[out->n++] = 1;
        }
    }
    c->taps_seen = now;
    mq_registry_taps_seen(c->a, c->block, now);
}

/* Forgets what this work call's mq_in_consume calls asked for. */
static void mq__forget_takes(mq_block_ctx *c)
{
    for (int i = 0; i < c->n_in; i++)
        c->in[i].take = -1;
}

/* After a work call that consumed: every current input buffer goes, except the part
 * after what mq_in_consume asked for. */
static void mq__consume_inputs(mq_block_ctx *c)
{
    if (c->ckpt) /* before the releases: a death between them loses nothing */
        mq__commit(c, MQ_ID_NONE, MQ__AT_END);
    for (int i = 0; i < c->n_in; i++) {
        struct mq__input *in = &c->in[i];
        if (in->cur == MQ_ID_NONE)
            continue;
        size_t len = mq__in_len(c, i);
        size_t end = in->take >= 0 ? (size_t)in->take : len;
        c->items_in += (end - in->off) / c->in_isz[i];
        mq__keep_history(c, i, in->off, end);
        in->take = -1;
        if (end < len) {
            in->off = end;
            continue;
        }
        if (c->tg)
            mq__tags_leave(c, i);
        in->seen += len;
        mq_buf_release(c->a, in->cur);
        in->cur = MQ_ID_NONE;
        in->off = 0;
    }
}

/* No more reading from conn: its producer learns it (EPIPE) and what is queued
 * goes back to the pools. */
static void mq__abandon(mq_block_ctx *c, int conn)
{
    mq_id id;

    mq_queue_abandon(c->a, (uint32_t)conn);
    while (mq_queue_pop(c->a, (uint32_t)conn, &id, 0) == 0)
        mq_buf_release(c->a, id);
}

/* End of the block: nothing more goes out, nothing more is read. With
 * `end_streams` 0 (a block the supervisor may restart), only what the block holds
 * goes; its connections stay as they are. */
static void mq__shutdown(mq_block_ctx *c, int end_streams, int failed)
{
    mq__forget_takes(c);
    if (failed && !end_streams && c->ckpt)
        /* A failure the supervisor may restart: the inputs in hand stay held, as a
         * crash would leave them, so the reclaimer counts what was not used. */
        mq__commit(c, MQ_ID_NONE, MQ__AT_REST);
    else
        mq__consume_inputs(c);
    for (int o = 0; o < c->n_out; o++) {
        if (end_streams)
            mq_out_close(c, o);
        else
            mq__drop_pending(c, o);
    }
    if (c->cmd_held != MQ_ID_NONE)
        mq_buf_release(c->a, c->cmd_held);
    c->cmd_held = MQ_ID_NONE;
    if (!end_streams)
        return;
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i].conn >= 0)
            mq__abandon(c, c->in[i].conn);
    for (int j = 0; j < c->n_min; j++)
        for (int k = 0; k < c->min[j].n; k++)
            mq__abandon(c, c->min[j].conn[k]);
}

/* fini, which may fail the block too: a sink that could not flush, sync or rename
 * its output says so with mq_block_error, and its error is then the block's, as a
 * work error would be (the exit status and the run's). After an error that ended
 * the block already, fini's goes after it rather than over it, so neither is lost. */
static int mq__fini(mq_block_ctx *c, void *state, int rc, int restartable)
{
    char err[512], *keep = c->err;
    size_t keep_len = c->errlen, had;

    if (!c->d->fini)
        return rc;
    err[0] = 0;
    c->err = err;
    c->errlen = sizeof err;
    c->failed = 0;
    mq_arena_slot_in_block(c->a, c->block);
    c->d->fini(c, state);
    c->err = keep;
    c->errlen = keep_len;
    if (!c->failed)
        return rc;
    if (rc < 0) {
        had = strnlen(keep, keep_len);
        snprintf(keep + had, keep_len - had, "%s%s", had ? "; " : "", err);
        return rc;
    }
    snprintf(keep, keep_len, "%s", err);
    if (!restartable)
        mq_arena_fail(c->a); /* as after a work error: the graph failed */
    return MQ_EINVAL;
}

/* Connection k (info ci) as one more upstream of message input port. */
static int mq__wire_msg(mq_block_ctx *c, int port, int k, const mq_conn_info *ci)
{
    struct mq__msgin *m = &c->min[port - c->n_in];

    if (m->n == MQ__FANOUT) {
        snprintf(c->err, c->errlen, "message input %d has more than %d connections", port,
                 MQ__FANOUT);
        return MQ_EINVAL;
    }
    m->control[m->n] = ci->kind == MQ_CONN_CONTROL;
    m->eos[m->n] = 0;
    m->conn[m->n++] = k;
    return 0;
}

static int mq__wire(mq_block_ctx *c, int n_params, char *const *params)
{
    int nc = mq_registry_conn_count(c->a), rc;

    if ((rc = mq__port_counts(c, c->d, n_params, params)) < 0)
        return rc;
    if (c->d->tag_policy == MQ_TAGS_ONE_TO_ONE && c->n_in != c->n_sout) {
        snprintf(c->err, c->errlen, "tag_policy ONE_TO_ONE needs as many stream inputs as "
                                    "outputs (%d, %d)", c->n_in, c->n_sout);
        return MQ_EINVAL;
    }
    for (int i = 0; i < c->n_in; i++)
        c->in[i] = (struct mq__input){.conn = -1, .cur = MQ_ID_NONE, .eos = 1, .take = -1};
    for (int o = 0; o < c->n_out; o++)
        c->out[o].pending = MQ_ID_NONE;
    c->cmd = mq__has_cmd(c->d) ? c->n_in + c->n_min - 1 : -1;
    c->cmd_held = MQ_ID_NONE;
    for (int k = 0; k < nc; k++) {
        mq_conn_info ci;
        if (mq_registry_conn_info(c->a, (uint32_t)k, &ci) < 0 || ci.kind == MQ_CONN_TAP)
            continue;
        if (ci.dst_block == c->block && (int)ci.dst_port < c->n_in)
            c->in[ci.dst_port] = (struct mq__input){.conn = k, .cur = MQ_ID_NONE, .take = -1};
        else if (ci.dst_block == c->block && (int)ci.dst_port < c->n_in + c->n_min &&
                 (rc = mq__wire_msg(c, (int)ci.dst_port, k, &ci)) < 0)
            return rc;
        if (ci.src_block == c->block && (int)ci.src_port < c->n_out) {
            struct mq__output *out = &c->out[ci.src_port];
            if (out->n == MQ__FANOUT) {
                snprintf(c->err, c->errlen, "output %u has more than %d connections",
                         ci.src_port, MQ__FANOUT);
                return MQ_EINVAL;
            }
            out->tap[out->n] = 0;
            out->conn[out->n++] = k;
        }
    }
    return 0;
}

static int mq__all_ended(const mq_block_ctx *c)
{
    for (int i = 0; i < c->n_in; i++)
        if (c->in[i].cur != MQ_ID_NONE || !c->in[i].eos)
            return 0;
    return 1;
}

/* Marks every input that has no buffer and has not ended as waited for (so that
 * a push into it rings this block), and returns that set of inputs. */
static uint32_t mq__want_inputs(mq_block_ctx *c)
{
    uint32_t set = 0;

    for (int i = 0; i < c->n_in; i++) {
        const struct mq__input *in = &c->in[i];
        if (in->conn >= 0 && in->cur == MQ_ID_NONE && !in->eos) {
            mq_queue_want(c->a, (uint32_t)in->conn, 1);
            set |= 1u << i;
        }
    }
    return set;
}

static void mq__unwant_inputs(mq_block_ctx *c, uint32_t set)
{
    for (int i = 0; i < c->n_in; i++)
        if (set & (1u << i))
            mq_queue_want(c->a, (uint32_t)c->in[i].conn, 0);
}

/* ---- messages ------------------------------------------------------------------------ */

/* A cmd message: its changes go to the supervisor through the live area, which
 * holds one request at a time; while the last is not taken, the message waits here
 * (held, so a crash loses nothing). A message that asks for nothing valid goes as
 * "!why", which the supervisor reports. */
static int mq__cmd(mq_block_ctx *c, mq_id id)
{
    char text[MQ_LIVE_REQ], why[256];
    mq_pmt *m;
    int rc = mq_msg_read(c->a, id, &m);

    if (rc == MQ_ENOMEM)
        return rc;
    if (rc < 0)
        snprintf(text, sizeof text, "!a cmd message that is no PMT");
    else if (mq_msg_cmd_text(m, text, sizeof text, why, sizeof why) < 0)
        snprintf(text, sizeof text, "!%s", why);
    mq_pmt_free(m);
    if ((rc = mq_live_post(c->a, c->block, text, strlen(text))) == MQ_EAGAIN) {
        c->cmd_held = id;
        return 0;
    }
    c->cmd_held = MQ_ID_NONE;
    mq_buf_release(c->a, id);
    if (rc == 0 && c->kick)
        c->kick(c->kick_arg);
    return rc;
}

/* A message for the block's handler; it counts as one item in and one work call. */
static int mq__deliver(mq_block_ctx *c, void *state, int port, mq_id id)
{
    int64_t t0 = mq_now_ns();
    mq_pmt *m;
    int rc = mq_msg_read(c->a, id, &m);

    if (rc < 0) {
        mq_buf_release(c->a, id);
        snprintf(c->err, c->errlen, "message input %d: a message that is no PMT (%s)", port,
                 mq_strerror(rc));
        return rc;
    }
    c->waited_ns = 0;
    /* Held until handled: a death inside the handler counts the message as lost
     * (reclaim.c) rather than losing it unsaid. */
    mq_arena_slot_in_block(c->a, c->block);
    rc = c->d->message(c, state, port, m);
    mq_buf_release(c->a, id);
    mq_pmt_free(m);
    if (rc != 0 || c->failed) {
        if (!c->failed)
            snprintf(c->err, c->errlen, "message handler returned %d", rc);
        return MQ_EINVAL;
    }
    int64_t busy = mq_now_ns() - t0 - c->waited_ns;
    mq_registry_block_account(c->a, c->block, 1, 0, busy > 0 ? (uint64_t)busy : 0);
    c->total_in++;
    return 0;
}

/* Handles what arrived on the message inputs, MQ__MSG_BATCH at most; *got is how
 * many. Between work calls only. */
static int mq__messages(mq_block_ctx *c, void *state, int *got)
{
    int rc;

    *got = 0;
    if (c->cmd_held != MQ_ID_NONE && (rc = mq__cmd(c, c->cmd_held)) < 0)
        return rc;
    for (int j = 0; j < c->n_min; j++) {
        int port = c->n_in + j;
        struct mq__msgin *m = &c->min[j];
        for (int k = 0; k < m->n && *got < MQ__MSG_BATCH; k++) {
            while (!m->eos[k] && *got < MQ__MSG_BATCH &&
                   !(port == c->cmd && c->cmd_held != MQ_ID_NONE)) {
                mq_id id;
                rc = mq_queue_pop(c->a, (uint32_t)m->conn[k], &id, 0);
                if (rc == MQ_EOS)
                    m->eos[k] = 1;
                if (rc == MQ_EOS || rc == MQ_EAGAIN)
                    break;
                if (rc < 0)
                    return rc;
                (*got)++;
                rc = port == c->cmd ? mq__cmd(c, id) : mq__deliver(c, state, port, id);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return 0;
}

/* Whether a message input has something to pop (after mq_block_prepare). */
static int mq__messages_ready(const mq_block_ctx *c)
{
    for (int j = 0; j < c->n_min; j++)
        for (int k = 0; k < c->min[j].n; k++)
            if (!c->min[j].eos[k] && mq_queue_ready(c->a, (uint32_t)c->min[j].conn[k]) &&
                !(c->n_in + j == c->cmd && c->cmd_held != MQ_ID_NONE))
                return 1;
    return 0;
}

/* A push into a message input rings the block while it waits (on), or not. */
static void mq__want_messages(mq_block_ctx *c, int on)
{
    for (int j = 0; j < c->n_min; j++)
        for (int k = 0; k < c->min[j].n; k++)
            if (!c->min[j].eos[k])
                mq_queue_want(c->a, (uint32_t)c->min[j].conn[k], on);
}

/* A block with only message inputs is done when the graph's connections into them
 * have all ended, or, with none, when the graph stops. */
static int mq__messages_done(const mq_block_ctx *c)
{
    int graph = 0, open = 0;

    for (int j = 0; j < c->n_min; j++)
        for (int k = 0; k < c->min[j].n; k++)
            if (!c->min[j].control[k]) {
                graph++;
                open += !c->min[j].eos[k];
            }
    return graph ? open == 0 : mq_arena_stop_requested(c->a);
}

int mq_block_wait_until(mq_block_ctx *c, int64_t deadline_ns)
{
    int64_t t0 = mq_now_ns(), now;
    int rc = 0;

    mq_queue_flush(c->a, 0);
    for (;;) {
        mq_arena_heartbeat(c->a);
        now = mq_now_ns();
        if (mq_arena_stop_requested(c->a) || now >= deadline_ns)
            break;
        mq__want_messages(c, 1);
        uint32_t seq = mq_block_prepare(c->a, c->block);
        if (mq__messages_ready(c) || mq_live_changed(c->a, c->block, c->live_seen)) {
            mq_block_cancel(c->a, c->block);
            rc = 2;
        } else {
            int64_t left = deadline_ns - now;
            mq_block_wait(c->a, c->block, seq, left < c->hb_ns ? left : c->hb_ns);
        }
        mq__want_messages(c, 0);
        if (rc)
            break;
    }
    c->waited_ns += mq_now_ns() - t0; /* asleep is not busy */
    return rc ? rc : mq_arena_stop_requested(c->a) ? 1 : 0;
}

/* How long to sleep: one heartbeat, or less to keep a mq_block_call_by deadline. */
static int64_t mq__wait_ns(const mq_block_ctx *c)
{
    int64_t left = c->call_by ? c->call_by - mq_now_ns() : c->hb_ns;
    return left < 1 ? 1 : left < c->hb_ns ? left : c->hb_ns;
}

static int mq__loop(mq_block_ctx *c, void *state)
{
    int need_more = 0, arrived = 0, rc, st_wait;

    for (;;) {
        int got;
        mq_arena_heartbeat(c->a);
        mq__taps_poll(c);
        if ((rc = mq__live_poll(c, state, 1)) < 0 || (rc = mq__messages(c, state, &got)) < 0)
            return rc;
        if (!c->d->work) { /* only message inputs */
            if (!got && mq__messages_done(c))
                return 0;
            st_wait = MQ__WAIT;
        } else {
            if ((c->n_in == 0 && mq_arena_stop_requested(c->a)) || mq__outputs_dead(c))
                return 0;
            if ((rc = mq__fill(c)) < 0)
                return rc;
            st_wait = mq__readiness(c, need_more, &arrived);
            if (st_wait == MQ__FINISHED)
                return 0;
        }
        if (st_wait == MQ__WAIT) {
            if (got)
                continue; /* messages came: look at everything again first */
            uint32_t wanted = mq__want_inputs(c);
            mq__want_messages(c, 1);
            uint32_t seq = mq_block_prepare(c->a, c->block);
            if ((rc = mq__fill(c)) < 0) {
                mq_block_cancel(c->a, c->block);
                mq__unwant_inputs(c, wanted);
                mq__want_messages(c, 0);
                return rc;
            }
            /* What arrived, or a live change published, before the prepare rang
             * no one: look. */
            if ((c->d->work && mq__readiness(c, need_more, &arrived) != MQ__WAIT) ||
                mq__messages_ready(c) || mq_live_changed(c->a, c->block, c->live_seen) ||
                (!c->d->work && mq__messages_done(c)))
                mq_block_cancel(c->a, c->block);
            else
                mq_block_wait(c->a, c->block, seq, mq__wait_ns(c));
            mq__unwant_inputs(c, wanted);
            mq__want_messages(c, 0);
            continue;
        }
        int64_t t0 = mq_now_ns();
        c->call_by = 0;
        if (c->n_in > 0 && mq__all_ended(c))
            c->end_called = 1;
        c->items_in = c->items_out = 0;
        c->waited_ns = 0;
        mq_arena_slot_in_block(c->a, c->block);
        rc = c->d->work(c, state);
        if (rc == MQ_WORK_OK || rc == MQ_WORK_DONE) {
            mq__consume_inputs(c);
        } else {
            mq__forget_takes(c);
            if (c->ckpt) /* what it saved, with the inputs as they are */
                mq__commit(c, MQ_ID_NONE, MQ__AT_REST);
        }
        int64_t busy = mq_now_ns() - t0 - c->waited_ns;
        mq_registry_block_account(c->a, c->block, c->items_in, c->items_out,
                                  busy > 0 ? (uint64_t)busy : 0);
        c->total_in += c->items_in;
        c->total_out += c->items_out;
        mq_queue_flush(c->a, MQ__FLUSH_AGE_NS);
        mq_sched_yield(c->a); /* in a worker process: the next block's turn */
        need_more = 0;
        switch (rc) {
        case MQ_WORK_OK:
        case MQ_WORK_AGAIN: /* inputs kept (forgotten takes): the loop comes back */
            break;
        case MQ_WORK_DONE:
            return 0;
        case MQ_WORK_NEED_INPUT:
            if (arrived == c->n_in && !c->call_by) {
                snprintf(c->err, c->errlen, "work wants more input than can arrive");
                return MQ_EINVAL;
            }
            need_more = arrived;
            break;
        default:
            if (!c->failed)
                snprintf(c->err, c->errlen, "work returned %d", rc);
            return MQ_EINVAL;
        }
        if (c->failed)
            return MQ_EINVAL; /* an error recorded by a call the block ignored */
    }
}

int mq_block_run(const mq_block_decl *d, mq_arena *a, uint32_t block, int n_params,
                 char *const *params, const mq_run_opts *opts, char *errbuf, size_t errlen)
{
    mq_block_ctx *c = calloc(1, sizeof *c);
    mq_block_info bi;
    void *state = NULL;
    int bad, rc;

    if (!c)
        return MQ_ENOMEM;
    c->d = d;
    c->a = a;
    c->block = block;
    c->err = errbuf;
    c->errlen = errlen;
    c->hb_ns = opts && opts->heartbeat_ns > 0 ? opts->heartbeat_ns : 100000000;
    c->restarts = opts ? opts->restarts : 0;
    c->ckpt = opts && opts->restartable;
    c->finish_all = opts && opts->finish_all;
    c->kick = opts ? opts->kick : NULL;
    c->kick_arg = opts ? opts->kick_arg : NULL;
    c->interp = c->decim = 1;
    errbuf[0] = 0;
    /* The loop keeps the promises batching asks for (queue.h): its waits are
     * bounded by the heartbeat, and it flushes what it deferred. */
    mq_queue_batch_wakeups(a, 1);
    mq_registry_block_ended(a, block, MQ_BLOCK_RUNNING);
    if ((rc = mq_registry_block_info(a, block, &bi)) < 0) {
        snprintf(errbuf, errlen, "no block %u in the registry", block);
        free(c);
        return rc;
    }
    snprintf(c->name, sizeof c->name, "%s", bi.name);
    c->total_in = bi.items_in; /* the counts go on across restarts */
    c->total_out = bi.items_out;
    if (mq_arena_start_time(a, &c->start_mono) < 0)
        c->start_mono = mq_now_ns(); /* run outside a started graph (tests) */
    c->vals = calloc((size_t)d->n_params + 1, sizeof *c->vals);
    if (!c->vals) {
        free(c);
        return MQ_ENOMEM;
    }
    if ((rc = mq__params_parse(d, n_params, params, c->vals, &bad, errbuf, errlen)) < 0 ||
        (rc = mq__wire(c, n_params, params)) < 0)
        goto out;
    /* The live values the supervisor holds now (a restarted block starts with them,
     * not the graph file's). */
    if ((rc = mq__live_poll(c, NULL, 0)) < 0)
        goto out;
    /* What the last life saved (none in the first), and this life's first record:
     * from here on a death counts what it loses against it. */
    if (c->ckpt) {
        if (mq_ckpt_load(a, block, &c->rec) < 0)
            memset(&c->rec, 0, sizeof c->rec);
        for (int i = 0; i < c->n_in && i < c->rec.n_read; i++)
            c->in[i].seen = c->rec.items_read[i] * c->in_isz[i]; /* tags' offsets go on */
        for (int o = 0; o < c->n_sout && o < c->rec.n_written; o++)
            c->out[o].written = c->rec.items_written[o];
        mq__commit(c, MQ_ID_NONE, MQ__AT_REST);
    }
    /* mqgraph ran the check already (mq_params_check); a caller of its own may not */
    rc = mq__block_check(d, n_params, params, c->vals, errbuf, errlen);
    mq_arena_slot_in_block(a, block);
    if (rc == 0 && d->init && (rc = d->init(c, &state)) != 0) {
        if (!c->failed)
            snprintf(errbuf, errlen, "init failed (%d)", rc);
        rc = MQ_EINVAL;
    }
    if (rc == 0)
        rc = mq__loop(c, state);
    if (rc < 0 && !c->ckpt)
        mq_arena_fail(a); /* before the outputs end: see mq_arena_fail */
    mq__shutdown(c, !c->ckpt || (rc >= 0 && opts && opts->end_when_done), rc < 0);
    rc = mq__fini(c, state, rc, c->ckpt);
out:
    /* also after a failure before the loop (its parameters, its wiring): in a
     * worker process the supervisor fails the graph on it (members_ended) */
    mq_registry_block_ended(a, block, rc < 0 ? MQ_BLOCK_FAILED : MQ_BLOCK_FINISHED);
    for (int i = 0; i < MQ_MAX_PORTS; i++)
        free(c->in[i].win);
    mq__tags_end(c);
    mq__params_free(d, c->vals);
    free(c->vals);
    free(c->live_text);
    free(c);
    return rc;
}
