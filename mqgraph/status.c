/* status.c - info and status replies (see status.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "status.h"
#include "sup.h"
#include "tap.h"

static const char *policy_name(uint32_t p)
{
    return p == MQ_POLICY_DROP_OLDEST ? "drop_oldest"
           : p == MQ_POLICY_DROP_NEWEST ? "drop_newest"
                                        : "block";
}

static int alloc_sample(struct sample *x, int nb, int nc)
{
    size_t b = (size_t)nb + 1, c = (size_t)nc + 1;

    x->items_in = calloc(b, sizeof(uint64_t));
    x->items_out = calloc(b, sizeof(uint64_t));
    x->busy_ns = calloc(b, sizeof(uint64_t));
    x->work_calls = calloc(b, sizeof(uint64_t));
    x->buffers = calloc(c, sizeof(uint64_t));
    x->bytes = calloc(c, sizeof(uint64_t));
    return x->items_in && x->items_out && x->busy_ns && x->work_calls && x->buffers && x->bytes
               ? 0
               : -1;
}

static void free_sample(struct sample *x)
{
    free(x->items_in);
    free(x->items_out);
    free(x->busy_ns);
    free(x->work_calls);
    free(x->buffers);
    free(x->bytes);
}

int status_init(struct sup *s)
{
    int np = mq_pool_count(s->a);

    s->pool_low = calloc((size_t)np + 1, sizeof *s->pool_low);
    if (!s->pool_low || alloc_sample(&s->prev, s->g->n_blocks, s->n_reg_conns) < 0 ||
        alloc_sample(&s->cur, s->g->n_blocks, s->n_reg_conns) < 0 ||
        !(s->msg_drops = calloc((size_t)s->n_reg_conns + 1, sizeof *s->msg_drops)))
        return -1;
    s->n_lost = (uint32_t)s->n_reg_conns + MQ_MAX_TAPS;
    if (!(s->lost = calloc(s->n_lost, sizeof *s->lost)))
        return -1;
    for (int p = 0; p < np; p++) {
        mq_pool_stats st;
        s->pool_low[p] = mq_pool_stats_get(s->a, (uint32_t)p, &st) == 0 ? st.count : 0;
    }
    s->prev.t_ns = s->cur.t_ns = s->t0; /* both zero at the start */
    return 0;
}

void status_free(struct sup *s)
{
    free(s->status_cache);
    free_sample(&s->prev);
    free_sample(&s->cur);
    free(s->pool_low);
    free(s->msg_drops);
    free(s->lost);
}

void status_conn_name(const struct sup *s, int k, char *from, char *to, size_t len)
{
    if (k < s->g->n_conns) {
        const mqg_conn *c = &s->g->conns[k];
        snprintf(from, len, "%s.%s", c->src.block, c->src.port);
        snprintf(to, len, "%s.%s", c->dst.block, c->dst.port);
        return;
    }
    for (int i = 0; i < s->n_ctrl; i++)
        if (s->ctrl[i].conn == k) {
            const mqg_block *b = &s->g->blocks[s->ctrl[i].block];
            char port[64];
            mq_item_type t;
            mq_block_port(b->decl, b->n_params, b->kv, 0, s->ctrl[i].port, port, sizeof port, &t);
            snprintf(from, len, "mqgraph");
            snprintf(to, len, "%s.%s", b->name, port);
            return;
        }
    if (tap_conn_name(s, k, from, to, len) == 0)
        return;
    snprintf(from, len, "?");
    snprintf(to, len, "?");
}

static int carries_messages(const struct sup *s, int k);

uint64_t status_lost_items(const struct sup *s, int k, const mq_conn_loss *l)
{
    if (k >= s->g->n_conns || carries_messages(s, k))
        return l->buffers; /* a message is an item */
    const mqg_conn *c = &s->g->conns[k];
    const mqg_block *b = &s->g->blocks[c->dst.b];
    char port[64];
    mq_item_type t;
    size_t isz = mq_block_port(b->decl, b->n_params, b->kv, 0, c->dst.p, port, sizeof port, &t) == 0
                     ? mq_item_size(t) : 1;
    int vlen = mq_block_port_vlen(b->decl, b->n_params, b->kv, 0, c->dst.p);
    isz *= vlen > 0 ? (size_t)vlen : 1; /* a vector is one item, as in GNU Radio */
    return l->bytes / (isz ? isz : 1);
}

/* Whether connection k carries messages (a message port's, or a control one). */
static int carries_messages(const struct sup *s, int k)
{
    if (k >= s->g->n_conns)
        return sup_is_ctrl(s, k);
    const mqg_conn *c = &s->g->conns[k];
    const mqg_block *b = &s->g->blocks[c->dst.b];
    char port[64];
    mq_item_type t;
    return mq_block_port(b->decl, b->n_params, b->kv, 0, c->dst.p, port, sizeof port, &t) == 0 &&
           t == MQ_ITEM_MSG;
}

void status_dropped(struct sup *s)
{
    for (int k = 0; k < s->n_reg_conns; k++) {
        mq_queue_stats qs;
        char from[160], to[160];
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0 || qs.drops <= s->msg_drops[k] ||
            !carries_messages(s, k))
            continue;
        status_conn_name(s, k, from, to, sizeof from);
        ev_emit(s, "dropped",
                json_pack("{s:s, s:s, s:I, s:I}", "from", from, "to", to, "messages",
                          (json_int_t)(qs.drops - s->msg_drops[k]), "total",
                          (json_int_t)qs.drops));
        s->msg_drops[k] = qs.drops;
    }
}

/* The arena's figures now, into x. */
static void take(struct sup *s, struct sample *x)
{
    x->t_ns = mq_now_ns();
    for (int i = 0; i < s->g->n_blocks; i++) {
        mq_block_info bi;
        if (mq_registry_block_info(s->a, (uint32_t)i, &bi) < 0)
            continue;
        x->items_in[i] = bi.items_in;
        x->items_out[i] = bi.items_out;
        x->busy_ns[i] = bi.busy_ns;
        x->work_calls[i] = bi.work_calls;
    }
    for (int k = 0; k < s->n_reg_conns; k++) {
        mq_queue_stats qs;
        if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0)
            continue;
        x->buffers[k] = qs.pushed;
        x->bytes[k] = qs.bytes;
    }
}

void status_sample(struct sup *s)
{
    struct sample t = s->prev;

    s->prev = s->cur;
    s->cur = t;
    take(s, &s->cur);
}

void status_pool_low(struct sup *s)
{
    for (int p = 0; p < mq_pool_count(s->a); p++) {
        mq_pool_stats st;
        if (mq_pool_stats_get(s->a, (uint32_t)p, &st) == 0 && st.free < s->pool_low[p])
            s->pool_low[p] = st.free;
    }
}

/* Per second, between the two samples (counters only grow, but they come from
 * shared memory: a counter that went back reads as rate 0). */
static double rate(const struct sup *s, const uint64_t *prev, const uint64_t *cur, int i)
{
    double dt = (double)(s->cur.t_ns - s->prev.t_ns) / 1e9;
    return dt > 0 && cur[i] >= prev[i] ? (double)(cur[i] - prev[i]) / dt : 0.0;
}

json_t *status_info(struct sup *s)
{
    return json_pack("{s:b, s:s, s:I, s:s, s:f, s:s, s:I, s:I}", "ok", 1, "name", s->g->name,
                     "pid", (json_int_t)getpid(), "file", s->g->file, "uptime_s",
                     (double)(mq_now_ns() - s->t0) / 1e9, "state", sup_state(s), "n_blocks",
                     (json_int_t)s->g->n_blocks, "n_connections", (json_int_t)s->g->n_conns);
}

static json_t *block_json(struct sup *s, int i, int64_t now)
{
    const struct child *c = &s->kids[i];
    mq_block_info bi;
    mq_slot_info si;
    json_t *hb = json_null();
    double dt = (double)(s->cur.t_ns - s->prev.t_ns);

    if (mq_registry_block_info(s->a, (uint32_t)i, &bi) < 0)
        memset(&bi, 0, sizeof bi);
    if (c->running && mq_arena_slot_info(s->a, (uint32_t)s->g->blocks[i].leader, &si) == 0 &&
        si.state == MQ_SLOT_ACTIVE && si.pid == c->pid)
        hb = json_real((double)(now - si.heartbeat_ns) / 1e6);
    double busy = dt > 0 && s->cur.busy_ns[i] >= s->prev.busy_ns[i]
                      ? 100.0 * (double)(s->cur.busy_ns[i] - s->prev.busy_ns[i]) / dt
                      : 0.0;
    return json_pack("{s:s, s:s, s:I, s:s, s:i, s:o, s:I, s:I, s:I, s:f, s:f, s:f}", "name",
                     s->g->blocks[i].name, "type", s->g->blocks[i].type, "pid",
                     (json_int_t)(c->ever_started ? c->pid : 0), "state", sup_block_state(s, i),
                     "restarts", c->restarts, "heartbeat_age_ms", hb, "work_calls",
                     (json_int_t)bi.work_calls, "items_in", (json_int_t)bi.items_in,
                     "items_out", (json_int_t)bi.items_out, "items_in_per_s",
                     rate(s, s->prev.items_in, s->cur.items_in, i), "items_out_per_s",
                     rate(s, s->prev.items_out, s->cur.items_out, i), "busy_pct",
                     busy > 100 ? 100.0 : busy);
}

static json_t *conn_json(struct sup *s, int k)
{
    mq_queue_stats qs;
    char from[160], to[160];

    if (mq_queue_stats_get(s->a, (uint32_t)k, &qs) < 0)
        memset(&qs, 0, sizeof qs);
    status_conn_name(s, k, from, to, sizeof from);
    mq_conn_loss none = {0, 0}, *lost = (uint32_t)k < s->n_lost ? &s->lost[k] : &none;
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:s, "
                     "s:I, s:I}",
                     "from", from, "to", to, "fill", (json_int_t)qs.size, "depth",
                     (json_int_t)qs.depth, "policy", policy_name(qs.policy), "buffers",
                     (json_int_t)qs.pushed, "bytes", (json_int_t)qs.bytes, "buffers_per_s",
                     rate(s, s->prev.buffers, s->cur.buffers, k), "bytes_per_s",
                     rate(s, s->prev.bytes, s->cur.bytes, k), "drops", (json_int_t)qs.drops,
                     "stale", (json_int_t)qs.stale, "missed", (json_int_t)qs.missed, "hwm",
                     (json_int_t)qs.hwm, "state",
                     qs.closed ? "closed" : qs.abandoned ? "abandoned" : "open", "lost_buffers",
                     (json_int_t)lost->buffers, "lost_items",
                     (json_int_t)status_lost_items(s, k, lost));
}

static json_t *pools_json(struct sup *s)
{
    json_t *v = json_array();

    for (int p = 0; v && p < mq_pool_count(s->a); p++) {
        mq_pool_stats st;
        if (mq_pool_stats_get(s->a, (uint32_t)p, &st) < 0)
            continue;
        if (st.free < s->pool_low[p])
            s->pool_low[p] = st.free;
        json_array_append_new(v, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "size",
                                           (json_int_t)st.size, "count", (json_int_t)st.count,
                                           "in_use", (json_int_t)(st.count - st.free), "free",
                                           (json_int_t)st.free, "lowest_free",
                                           (json_int_t)s->pool_low[p], "allocs",
                                           (json_int_t)st.allocs, "failures",
                                           (json_int_t)st.failures));
    }
    return v;
}

json_t *status_json(struct sup *s)
{
    json_t *r = status_info(s), *blocks = json_array(), *conns = json_array();
    int64_t now = mq_now_ns();

    if (s->cur.t_ns == s->t0)
        take(s, &s->cur); /* the first second: rates since the start */
    for (int i = 0; blocks && i < s->g->n_blocks; i++)
        json_array_append_new(blocks, block_json(s, i, now));
    /* The graph's connections, then the supervisor's into message inputs (taps
     * are listed apart). */
    for (int k = 0; conns && k < s->g->n_conns + s->n_ctrl; k++)
        json_array_append_new(conns, conn_json(s, k));
    json_object_set_new(r, "blocks", blocks);
    json_object_set_new(r, "connections", conns);
    json_object_set_new(r, "pools", pools_json(s));
    json_object_set_new(r, "taps", tap_status(s));
    return r;
}

void status_line(struct sup *s, FILE *f)
{
    json_t *st = status_json(s);
    struct timespec rt;
    char *text;

    json_object_del(st, "ok");
    clock_gettime(CLOCK_REALTIME, &rt);
    json_object_set_new(st, "t", json_real((double)rt.tv_sec + rt.tv_nsec / 1e9));
    if ((text = json_dumps(st, JSON_COMPACT | JSON_REAL_PRECISION(15)))) {
        fprintf(f, "%s\n", text);
        fflush(f);
    }
    free(text);
    json_decref(st);
}

const char *status_text(struct sup *s, size_t *len)
{
    int64_t now = mq_now_ns();

    if (!s->status_cache || now - s->status_cache_ns > (int64_t)STATUS_REUSE_MS * 1000000) {
        json_t *st = status_json(s);
        char *text = st ? json_dumps(st, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
        json_decref(st);
        if (!text)
            return NULL;
        free(s->status_cache);
        s->status_cache = text;
        s->status_cache_len = strlen(text);
        s->status_cache_ns = now;
    }
    *len = s->status_cache_len;
    return s->status_cache;
}
