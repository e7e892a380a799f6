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
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "clock.h"
#include "error.h"
#include "params.h"
#include "queue.h"
#include "registry.h"

#define MQ__FANOUT 16
#define MQ__PORTS 16

struct mq__input {
    int conn;    /* -1: not connected (treated as ended) */
    mq_id cur;   /* MQ_ID_NONE or the current buffer */
    int eos;
};

struct mq__output {
    int n;
    int conn[MQ__FANOUT];
    int dead[MQ__FANOUT]; /* abandoned by its consumer */
    mq_id pending;        /* allocated by mq_out_alloc, not yet pushed */
};

struct mq_block_ctx {
    const mq_block_decl *d;
    mq_arena *a;
    uint32_t block;
    mq_pval *vals;
    int n_in, n_out;
    mq_item_type in_type[MQ__PORTS], out_type[MQ__PORTS];
    struct mq__input in[MQ__PORTS];
    struct mq__output out[MQ__PORTS];
    int64_t hb_ns;
    uint64_t items_in, items_out; /* during one work call */
    char name[48];
    char *err;
    size_t errlen;
    int failed;
};

/* ---- parameters and block facts ---------------------------------------------------- */

static const mq_pval *mq__param(const mq_block_ctx *c, const char *name)
{
    for (int k = 0; k < c->d->n_params; k++)
        if (!strcmp(c->d->params[k].name, name))
            return &c->vals[k];
    return NULL;
}

int64_t mq_param_int(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param(c, name);
    return v ? v->i : 0;
}

double mq_param_float(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param(c, name);
    return v ? v->f : 0.0;
}

const char *mq_param_str(const mq_block_ctx *c, const char *name)
{
    const mq_pval *v = mq__param(c, name);
    return v && v->s ? v->s : "";
}

const double *mq_param_floats(const mq_block_ctx *c, const char *name, size_t *n)
{
    const mq_pval *v = mq__param(c, name);
    *n = v ? v->n : 0;
    return v ? v->list : NULL;
}

const char *mq_block_name(const mq_block_ctx *c) { return c->name; }
int mq_block_n_inputs(const mq_block_ctx *c) { return c->n_in; }
int mq_block_n_outputs(const mq_block_ctx *c) { return c->n_out; }
mq_arena *mq_block_arena(mq_block_ctx *c) { return c->a; }

mq_item_type mq_block_in_type(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in ? c->in_type[port] : MQ_ITEM_BYTES;
}

mq_item_type mq_block_out_type(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_out ? c->out_type[port] : MQ_ITEM_BYTES;
}

int mq_block_stopping(const mq_block_ctx *c)
{
    return mq_arena_stop_requested(c->a);
}

void mq_block_error(mq_block_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    c->failed = 1;
}

/* ---- inputs ---------------------------------------------------------------------------- */

static int mq__in_ok(const mq_block_ctx *c, int port)
{
    return port >= 0 && port < c->n_in && c->in[port].cur != MQ_ID_NONE;
}

const void *mq_in_data(mq_block_ctx *c, int port, size_t *bytes)
{
    *bytes = 0;
    if (!mq__in_ok(c, port))
        return NULL;
    int64_t len = mq_buf_length(c->a, c->in[port].cur);
    *bytes = len > 0 ? (size_t)len : 0;
    return mq_buf_data(c->a, c->in[port].cur);
}

int mq_in_timestamp(mq_block_ctx *c, int port, mq_timestamp *ts)
{
    if (!mq__in_ok(c, port))
        return MQ_EINVAL;
    return mq_buf_timestamp(c->a, c->in[port].cur, ts);
}

void *mq_in_writable(mq_block_ctx *c, int port, size_t *bytes)
{
    int rc;

    *bytes = 0;
    if (!mq__in_ok(c, port))
        return NULL;
    if ((rc = mq_buf_writable(c->a, &c->in[port].cur)) < 0) {
        mq_block_error(c, "input %d: no writable buffer: %s", port, mq_strerror(rc));
        return NULL;
    }
    return (void *)mq_in_data(c, port, bytes);
}

/* ---- outputs ---------------------------------------------------------------------------- */

/* Sends `id` (a reference the block holds) to every live connection of output o. */
static int mq__send(mq_block_ctx *c, int o, mq_id id)
{
    struct mq__output *out = &c->out[o];
    mq_id ids[MQ__FANOUT];
    int live[MQ__FANOUT], k = 0, rc;

    for (int j = 0; j < out->n; j++)
        if (!out->dead[j])
            live[k++] = j;
    if (k == 0)
        return mq_buf_release(c->a, id);
    if (k == 1)
        ids[0] = id;
    else if ((rc = mq_buf_share(c->a, id, (unsigned)k, ids)) < 0)
        return rc;
    for (int j = 0; j < k; j++) {
        int conn = out->conn[live[j]];
        while ((rc = mq_queue_push(c->a, (uint32_t)conn, ids[j], c->hb_ns)) == MQ_ETIMEDOUT)
            mq_arena_heartbeat(c->a);
        if (rc == MQ_EPIPE) {
            out->dead[live[j]] = 1;
            mq_buf_release(c->a, ids[j]);
        } else if (rc < 0) {
            for (int r = j; r < k; r++)
                mq_buf_release(c->a, ids[r]);
            return rc;
        }
    }
    return 0;
}

void *mq_out_alloc(mq_block_ctx *c, int port, size_t bytes)
{
    struct mq__output *out;
    int rc;

    if (port < 0 || port >= c->n_out) {
        mq_block_error(c, "no output %d", port);
        return NULL;
    }
    out = &c->out[port];
    if (out->pending != MQ_ID_NONE) {
        mq_buf_release(c->a, out->pending);
        out->pending = MQ_ID_NONE;
    }
    while ((rc = mq_buf_alloc(c->a, bytes, c->hb_ns, &out->pending)) == MQ_ETIMEDOUT)
        mq_arena_heartbeat(c->a);
    if (rc < 0) {
        mq_block_error(c, "output %d: no buffer of %zu bytes: %s", port, bytes,
                       mq_strerror(rc));
        return NULL;
    }
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
    c->items_out += bytes / mq_item_size(c->out_type[port]);
    return mq__send(c, port, id);
}

int mq_out_push(mq_block_ctx *c, int port, size_t bytes, const mq_timestamp *ts)
{
    mq_id id;

    if (port < 0 || port >= c->n_out || c->out[port].pending == MQ_ID_NONE)
        return MQ_EINVAL;
    id = c->out[port].pending;
    c->out[port].pending = MQ_ID_NONE;
    return mq__finish_send(c, port, id, bytes, ts);
}

int mq_out_forward(mq_block_ctx *c, int in, int port, size_t bytes, const mq_timestamp *ts)
{
    mq_id id;

    if (!mq__in_ok(c, in) || port < 0 || port >= c->n_out)
        return MQ_EINVAL;
    id = c->in[in].cur;
    c->in[in].cur = MQ_ID_NONE;
    c->items_in += bytes / mq_item_size(c->in_type[in]);
    return mq__finish_send(c, port, id, bytes, ts);
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
            return MQ__FINISHED;
        return have > 0 && *arrived > need_more ? MQ__READY : MQ__WAIT;
    }
    if (ended > 0)
        return MQ__FINISHED; /* a sync block ends with its first finished input */
    return have == c->n_in && *arrived > need_more ? MQ__READY : MQ__WAIT;
}

static int mq__outputs_dead(const mq_block_ctx *c)
{
    if (c->n_out == 0)
        return 0;
    for (int o = 0; o < c->n_out; o++)
        for (int j = 0; j < c->out[o].n; j++)
            if (!c->out[o].dead[j])
                return 0;
    return 1;
}

static void mq__consume_inputs(mq_block_ctx *c)
{
    for (int i = 0; i < c->n_in; i++) {
        if (c->in[i].cur == MQ_ID_NONE)
            continue;
        int64_t len = mq_buf_length(c->a, c->in[i].cur);
        c->items_in += len > 0 ? (uint64_t)len / mq_item_size(c->in_type[i]) : 0;
        mq_buf_release(c->a, c->in[i].cur);
        c->in[i].cur = MQ_ID_NONE;
    }
}

/* End of the block: nothing more goes out, nothing more is read. */
static void mq__shutdown(mq_block_ctx *c)
{
    mq__consume_inputs(c);
    for (int o = 0; o < c->n_out; o++) {
        if (c->out[o].pending != MQ_ID_NONE)
            mq_buf_release(c->a, c->out[o].pending);
        c->out[o].pending = MQ_ID_NONE;
        for (int j = 0; j < c->out[o].n; j++)
            mq_queue_close(c->a, (uint32_t)c->out[o].conn[j]);
    }
    for (int i = 0; i < c->n_in; i++) {
        mq_id id;
        if (c->in[i].conn < 0)
            continue;
        mq_queue_abandon(c->a, (uint32_t)c->in[i].conn);
        while (mq_queue_pop(c->a, (uint32_t)c->in[i].conn, &id, 0) == 0)
            mq_buf_release(c->a, id);
    }
}

static int mq__wire(mq_block_ctx *c, int n_params, char *const *params)
{
    int nc = mq_registry_conn_count(c->a);
    char pname[64];

    c->n_in = mq_block_port_count(c->d, n_params, params, 0);
    c->n_out = mq_block_port_count(c->d, n_params, params, 1);
    if (c->n_in < 0 || c->n_out < 0 || c->n_in > MQ__PORTS || c->n_out > MQ__PORTS) {
        snprintf(c->err, c->errlen, "bad port count");
        return MQ_EINVAL;
    }
    for (int i = 0; i < c->n_in; i++) {
        mq_block_port(c->d, n_params, params, 0, i, pname, sizeof pname, &c->in_type[i]);
        c->in[i] = (struct mq__input){-1, MQ_ID_NONE, 1};
    }
    for (int o = 0; o < c->n_out; o++) {
        mq_block_port(c->d, n_params, params, 1, o, pname, sizeof pname, &c->out_type[o]);
        c->out[o].pending = MQ_ID_NONE;
    }
    for (int k = 0; k < nc; k++) {
        mq_conn_info ci;
        if (mq_registry_conn_info(c->a, (uint32_t)k, &ci) < 0)
            continue;
        if (ci.dst_block == c->block && (int)ci.dst_port < c->n_in)
            c->in[ci.dst_port] = (struct mq__input){k, MQ_ID_NONE, 0};
        if (ci.src_block == c->block && (int)ci.src_port < c->n_out) {
            struct mq__output *out = &c->out[ci.src_port];
            if (out->n == MQ__FANOUT) {
                snprintf(c->err, c->errlen, "output %u has more than %d connections",
                         ci.src_port, MQ__FANOUT);
                return MQ_EINVAL;
            }
            out->conn[out->n++] = k;
        }
    }
    return 0;
}

static int mq__loop(mq_block_ctx *c, void *state)
{
    int need_more = 0, arrived, rc;

    for (;;) {
        mq_arena_heartbeat(c->a);
        if ((c->n_in == 0 && mq_arena_stop_requested(c->a)) || mq__outputs_dead(c))
            return 0;
        if ((rc = mq__fill(c)) < 0)
            return rc;
        int st = mq__readiness(c, need_more, &arrived);
        if (st == MQ__FINISHED)
            return 0;
        if (st == MQ__WAIT) {
            uint32_t seq = mq_block_prepare(c->a, c->block);
            if ((rc = mq__fill(c)) < 0) {
                mq_block_cancel(c->a, c->block);
                return rc;
            }
            if (mq__readiness(c, need_more, &arrived) != MQ__WAIT)
                mq_block_cancel(c->a, c->block);
            else
                mq_block_wait(c->a, c->block, seq, c->hb_ns);
            continue;
        }
        int64_t t0 = mq_now_ns();
        c->items_in = c->items_out = 0;
        rc = c->d->work(c, state);
        if (rc == MQ_WORK_OK || rc == MQ_WORK_DONE)
            mq__consume_inputs(c);
        mq_registry_block_account(c->a, c->block, c->items_in, c->items_out,
                                  (uint64_t)(mq_now_ns() - t0));
        need_more = 0;
        switch (rc) {
        case MQ_WORK_OK:
            break;
        case MQ_WORK_DONE:
            return 0;
        case MQ_WORK_NEED_INPUT:
            if (arrived == c->n_in) {
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
    errbuf[0] = 0;
    if ((rc = mq_registry_block_info(a, block, &bi)) < 0) {
        snprintf(errbuf, errlen, "no block %u in the registry", block);
        free(c);
        return rc;
    }
    snprintf(c->name, sizeof c->name, "%s", bi.name);
    c->vals = calloc((size_t)d->n_params + 1, sizeof *c->vals);
    if (!c->vals) {
        free(c);
        return MQ_ENOMEM;
    }
    if ((rc = mq__params_parse(d, n_params, params, c->vals, &bad, errbuf, errlen)) < 0 ||
        (rc = mq__wire(c, n_params, params)) < 0)
        goto out;
    if (d->init && (rc = d->init(c, &state)) != 0) {
        if (!c->failed)
            snprintf(errbuf, errlen, "init failed (%d)", rc);
        rc = MQ_EINVAL;
        mq__shutdown(c);
        goto out;
    }
    rc = mq__loop(c, state);
    mq__shutdown(c);
    if (d->fini)
        d->fini(c, state);
out:
    mq__params_free(d, c->vals);
    free(c->vals);
    free(c);
    return rc;
}
