/* steer.c - get, set and send (see steer.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "events.h"
#include "live.h"
#include "msg.h"
#include "steer.h"
#include "sup.h"

/* A published change not yet reported as applied. */
struct change {
    uint64_t seq;
    int param;
    char *value;
    const char *source; /* "set" or "cmd" */
};

struct sblock {
    uint64_t published; /* the last publication */
    uint64_t reported;  /* the last one reported applied */
    struct change *ch;
    int n_ch;
};

/* A set reply that waits for the block to apply the value. */
struct waiter {
    struct ctl_client *cl;
    int block, param;
    uint64_t seq;
    int64_t deadline_ns;
    char *value;
    struct waiter *next;
};

struct steer {
    struct sblock *b;
    struct waiter *waiters;
};

/* ---- parameters as text ---------------------------------------------------------- */

static int find_kv(const mqg_block *b, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < b->n_params; i++)
        if (!strncmp(b->kv[i], name, n) && b->kv[i][n] == '=')
            return i;
    return -1;
}

/* The current value of parameter k as text: given, else its default. */
static const char *value_of(const mqg_block *b, int k)
{
    const mq_param_decl *p = &b->decl->params[k];
    int i = find_kv(b, p->name);
    return i >= 0 ? b->kv[i] + strlen(p->name) + 1 : p->def ? p->def : "";
}

static int has_live(const mq_block_decl *d)
{
    for (int k = 0; k < d->n_params; k++)
        if (d->params[k].flags & MQ_PARAM_LIVE)
            return 1;
    return 0;
}

/* "name=value\n" for every live parameter of block b. */
static char *live_text(const mqg_block *b, size_t *len)
{
    size_t cap = 1;
    char *text;

    for (int k = 0; k < b->decl->n_params; k++)
        if (b->decl->params[k].flags & MQ_PARAM_LIVE)
            cap += strlen(b->decl->params[k].name) + strlen(value_of(b, k)) + 2;
    if (!(text = malloc(cap)))
        return NULL;
    *len = 0;
    text[0] = 0;
    for (int k = 0; k < b->decl->n_params; k++)
        if (b->decl->params[k].flags & MQ_PARAM_LIVE)
            *len += (size_t)sprintf(text + *len, "%s=%s\n", b->decl->params[k].name,
                                    value_of(b, k));
    return text;
}

static int publish(struct sup *s, int b, char *err, size_t errlen)
{
    size_t len;
    char *text = live_text(&s->g->blocks[b], &len);
    int64_t seq = text ? mq_live_publish(s->a, (uint32_t)b, text, len) : MQ_ENOMEM;

    free(text);
    if (seq == MQ_ERANGE)
        snprintf(err, errlen, "the live values of block '%s' take %zu bytes, more than the "
                              "%d a block's live area holds",
                 s->g->blocks[b].name, len, MQ_LIVE_TEXT - 1);
    else if (seq < 0)
        snprintf(err, errlen, "%s", mq_strerror((int)seq));
    if (seq < 0)
        return -1;
    s->steer->b[b].published = (uint64_t)seq;
    mq_block_wake(s->a, (uint32_t)b);
    return 0;
}

int steer_start(struct sup *s, char *err, size_t errlen)
{
    if (!(s->steer = calloc(1, sizeof *s->steer)) ||
        !(s->steer->b = calloc((size_t)s->g->n_blocks, sizeof *s->steer->b))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int b = 0; b < s->g->n_blocks; b++)
        if (has_live(s->g->blocks[b].decl) && publish(s, b, err, errlen) < 0)
            return -1;
    return 0;
}

void steer_free(struct sup *s)
{
    struct steer *st = s->steer;

    if (!st)
        return;
    while (st->waiters) {
        struct waiter *w = st->waiters;
        st->waiters = w->next;
        free(w->value);
        free(w);
    }
    for (int b = 0; st->b && b < s->g->n_blocks; b++) {
        for (int i = 0; i < st->b[b].n_ch; i++)
            free(st->b[b].ch[i].value);
        free(st->b[b].ch);
    }
    free(st->b);
    free(st);
    s->steer = NULL;
}

/* ---- lookups with the messages a user needs ---------------------------------------- */

int sup_find_block(const struct sup *s, const char *name, char *err, size_t errlen)
{
    size_t at;

    for (int i = 0; i < s->g->n_blocks; i++)
        if (!strcmp(s->g->blocks[i].name, name))
            return i;
    at = (size_t)snprintf(err, errlen, "graph '%s' has no block '%.64s' (its blocks:", s->g->name,
                          name);
    for (int i = 0; i < s->g->n_blocks && at < errlen; i++)
        at += (size_t)snprintf(err + at, errlen - at, "%s %s", i ? "," : "",
                               s->g->blocks[i].name);
    if (at < errlen)
        snprintf(err + at, errlen - at, ")");
    return -1;
}

static int find_param(const mqg_block *b, const char *name, char *err, size_t errlen)
{
    char names[512];

    for (int k = 0; k < b->decl->n_params; k++)
        if (!strcmp(b->decl->params[k].name, name))
            return k;
    catalog_param_names(b->decl, 0, names, sizeof names);
    snprintf(err, errlen, "block '%s' (%s) has no parameter '%.64s' (its parameters: %s)",
             b->name, b->type, name, names);
    return -1;
}

/* ---- get ---------------------------------------------------------------------------- */

static json_t *param_json(const mqg_block *b, int k)
{
    const mq_param_decl *p = &b->decl->params[k];
    json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", p->name, "type",
                          mq_param_type_name(p->type), "value",
                          value_of(b, k), "live", (p->flags & MQ_PARAM_LIVE) != 0);

    if (o && p->min < p->max)
        json_object_set_new(o, "range", json_pack("[f, f]", p->min, p->max));
    if (o && p->choices)
        json_object_set_new(o, "choices", json_string(p->choices));
    if (o && p->doc)
        json_object_set_new(o, "doc", json_string(p->doc));
    return o;
}

void steer_get(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    char err[1024];
    int b = sup_find_block(s, r->block, err, sizeof err), k;

    if (b < 0) {
        ctl_reply_error(cl, "%s", err);
        return;
    }
    const mqg_block *blk = &s->g->blocks[b];
    json_t *reply = json_pack("{s:b, s:s, s:s}", "ok", 1, "block", blk->name, "type", blk->type);
    if (!r->param) {
        json_t *all = json_array();
        for (k = 0; all && k < blk->decl->n_params; k++)
            json_array_append_new(all, param_json(blk, k));
        json_object_set_new(reply, "params", all);
    } else if ((k = find_param(blk, r->param, err, sizeof err)) < 0) {
        json_decref(reply);
        ctl_reply_error(cl, "%s", err);
        return;
    } else {
        json_object_set_new(reply, "param", param_json(blk, k));
    }
    ctl_reply(cl, reply);
}

/* ---- set ---------------------------------------------------------------------------- */

/* Block b's parameters with `name` set to `value`, as a new kv array (the strings
 * shared with b's but for the new one, which is malloc'd at index *at). */
static char **with_value(const mqg_block *b, const char *name, const char *value, int *n,
                         int *at)
{
    char **kv = calloc((size_t)b->n_params + 2, sizeof *kv);

    if (!kv)
        return NULL;
    memcpy(kv, b->kv, sizeof *kv * (size_t)b->n_params);
    *n = b->n_params;
    *at = find_kv(b, name);
    if (*at < 0)
        *at = (*n)++;
    if (asprintf(&kv[*at], "%s=%s", name, value) < 0) {
        free(kv);
        return NULL;
    }
    return kv;
}

/* Makes the new kv block b's own (its new string at index at). */
static int adopt(mqg_block *b, char **kv, int n, int at)
{
    if (n > b->n_params) {
        /* a value set at run time has no place in the file, nothing to evaluate */
        if (graph_block_grow(b, n) < 0)
            return -1;
    } else {
        free(b->kv[at]);
    }
    free(b->kv);
    b->kv = kv;
    b->n_params = n;
    return 0;
}

static int add_change(struct sblock *sb, uint64_t seq, int param, const char *value,
                      const char *source)
{
    struct change *more = realloc(sb->ch, sizeof *more * (size_t)(sb->n_ch + 1));

    if (!more)
        return -1;
    sb->ch = more;
    more[sb->n_ch] = (struct change){seq, param, strdup(value), source};
    if (!more[sb->n_ch].value)
        return -1;
    sb->n_ch++;
    return 0;
}

/* Sets block b's parameter `name` to `value` (text), checked as the graph file's
 * would be. Returns the publication's seq and the parameter's index in *k, or -1
 * with the reason in err. */
static int64_t change(struct sup *s, int b, const char *name, const char *value,
                      const char *source, int *k, char *err, size_t errlen)
{
    mqg_block *blk = &s->g->blocks[b];
    char why[768], names[512];
    int n, at, bad;

    if ((*k = find_param(blk, name, err, errlen)) < 0)
        return -1;
    if (!(blk->decl->params[*k].flags & MQ_PARAM_LIVE)) {
        catalog_param_names(blk->decl, 1, names, sizeof names);
        snprintf(err, errlen,
                 "parameter '%s' of block '%s' (%s) cannot change while the graph runs (%s%s)",
                 name, blk->name, blk->type, *names ? "its live parameters: " : "it has no "
                 "live parameters", names);
        return -1;
    }
    if (strchr(value, '\n')) {
        snprintf(err, errlen, "block '%s': parameter '%s': a value is one line", blk->name, name);
        return -1;
    }
    char **kv = with_value(blk, name, value, &n, &at);
    if (!kv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mqg_block after = *blk;
    size_t len = 0;
    after.kv = kv;
    after.n_params = n;
    char *text = live_text(&after, &len);
    free(text);
    if (mq_params_check(blk->decl, n, kv, &bad, why, sizeof why) < 0 || !text ||
        len >= MQ_LIVE_TEXT) {
        if (!text)
            snprintf(err, errlen, "out of memory");
        else if (len >= MQ_LIVE_TEXT)
            snprintf(err, errlen, "block '%s': parameter '%s': the live values would take %zu "
                     "bytes, more than a block's live area holds (%d)",
                     blk->name, name, len, MQ_LIVE_TEXT - 1);
        else
            snprintf(err, errlen, "block '%s': %s", blk->name, why);
        free(kv[at]);
        free(kv);
        return -1;
    }
    if (adopt(blk, kv, n, at) < 0 || publish(s, b, err, errlen) < 0 ||
        add_change(&s->steer->b[b], s->steer->b[b].published, *k, value, source) < 0) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    return (int64_t)s->steer->b[b].published;
}

static json_t *set_reply(const struct sup *s, int b, int k, const char *value, int applied,
                         uint64_t item)
{
    json_t *r = json_pack("{s:b, s:s, s:s, s:s, s:b}", "ok", 1, "block", s->g->blocks[b].name,
                          "param", s->g->blocks[b].decl->params[k].name, "value", value,
                          "applied", applied);
    if (r && applied)
        json_object_set_new(r, "item", json_integer((json_int_t)item));
    return r;
}

int steer_set(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    char err[1024] = "";
    int b = sup_find_block(s, r->block, err, sizeof err), k;
    int64_t seq;

    if (b < 0 || (seq = change(s, b, r->param, r->value, "set", &k, err, sizeof err)) < 0) {
        ctl_reply_error(cl, "%s", err);
        return 0;
    }
    struct waiter *w = r->wait_ms > 0 && s->kids[b].running ? calloc(1, sizeof *w) : NULL;
    if (!w || !(w->value = strdup(r->value))) {
        free(w);
        ctl_reply(cl, set_reply(s, b, k, r->value, 0, 0));
        return 0;
    }
    *w = (struct waiter){cl, b, k, (uint64_t)seq, mq_now_ns() + r->wait_ms * 1000000, w->value,
                         s->steer->waiters};
    s->steer->waiters = w;
    sup_poll_often(s);
    return 1;
}

void steer_forget_waiter(struct sup *s, struct ctl_client *cl)
{
    for (struct waiter **w = &s->steer->waiters; *w;) {
        struct waiter *x = *w;
        if (x->cl == cl) {
            *w = x->next;
            free(x->value);
            free(x);
        } else {
            w = &x->next;
        }
    }
}

/* ---- what the blocks did ------------------------------------------------------------- */

/* Reports the changes block b applied since the last look, and answers the set
 * replies that waited for them or waited too long. */
static void report(struct sup *s, int b, int64_t now)
{
    struct sblock *sb = &s->steer->b[b];
    mq_live_info li;

    if (mq_live_info_get(s->a, (uint32_t)b, &li) < 0)
        return;
    if (li.applied > sb->reported && li.applied <= sb->published) {
        int keep = 0;
        for (int i = 0; i < sb->n_ch; i++) {
            struct change *c = &sb->ch[i];
            if (c->seq > li.applied) {
                sb->ch[keep++] = *c;
                continue;
            }
            ev_block(s, "param", b,
                     json_pack("{s:s, s:s, s:I, s:s}", "param",
                               s->g->blocks[b].decl->params[c->param].name, "value", c->value,
                               "item", (json_int_t)li.applied_item, "source", c->source));
            free(c->value);
        }
        sb->n_ch = keep;
        sb->reported = li.applied;
    }
    for (struct waiter **w = &s->steer->waiters; *w;) {
        struct waiter *x = *w;
        int applied = x->block == b && li.applied >= x->seq && li.applied <= sb->published;
        if (x->block != b || (!applied && now < x->deadline_ns && s->kids[b].running)) {
            w = &x->next;
            continue;
        }
        *w = x->next;
        ctl_reply(x->cl, set_reply(s, b, x->param, x->value, applied, li.applied_item));
        ctl_resume(x->cl);
        free(x->value);
        free(x);
    }
}

/* Takes block b's request (a cmd message's changes) and makes each change as a set
 * would; what it refuses is an event, since no client waits for an answer. */
static void requests(struct sup *s, int b)
{
    char text[MQ_LIVE_REQ], err[1024];
    uint64_t id;
    int k;

    if (mq_live_request(s->a, (uint32_t)b, text, sizeof text, &id) <= 0)
        return;
    for (char *line = text, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        char *eq;
        if ((nl = strchr(line, '\n')))
            *nl = 0;
        err[0] = 0;
        if (*line == '!') /* the block says why its cmd message asked for nothing */
            snprintf(err, sizeof err, "%.900s", line + 1);
        else if (!(eq = strchr(line, '=')) || eq == line)
            snprintf(err, sizeof err, "a cmd change is name=value, not '%.64s'", line);
        else if ((*eq = 0, change(s, b, line, eq + 1, "cmd", &k, err, sizeof err)) >= 0)
            continue;
        ev_block(s, "param_refused", b, json_pack("{s:s, s:s}", "error", err, "source", "cmd"));
    }
    mq_live_request_done(s->a, (uint32_t)b, id);
    mq_block_wake(s->a, (uint32_t)b); /* it may hold the next request */
}

void steer_tick(struct sup *s)
{
    int64_t now = mq_now_ns();

    if (!s->steer)
        return;
    for (int b = 0; b < s->g->n_blocks; b++) {
        requests(s, b);
        if (s->steer->b[b].published > s->steer->b[b].reported || s->steer->waiters)
            report(s, b, now);
    }
}

int steer_busy(const struct sup *s)
{
    if (!s->steer)
        return 0;
    for (int b = 0; b < s->g->n_blocks; b++)
        if (s->steer->b[b].published > s->steer->b[b].reported && s->kids[b].running)
            return 1;
    return s->steer->waiters != NULL;
}

/* ---- send ---------------------------------------------------------------------------- */

int steer_deliver(struct sup *s, int conn, const mq_pmt *m, char *err, size_t errlen)
{
    mq_id id;
    int rc = mq_msg_make(s->a, m, 0, &id);

    if (rc == 0) {
        rc = mq_queue_push(s->a, (uint32_t)conn, id, 0);
        if (rc == MQ_EPIPE)
            mq_buf_release(s->a, id); /* refused: still the supervisor's */
    }
    mq_pool_give_back(s->a); /* the supervisor sends rarely: keep nothing ahead */
    if (rc == 0)
        return 0;
    if (rc == 1)
        snprintf(err, errlen, "its queue is full (the block is not taking messages): the "
                              "message was dropped and counted");
    else if (rc == MQ_EPIPE)
        snprintf(err, errlen, "the block has finished: nothing takes messages there");
    else if (rc == MQ_ERANGE)
        snprintf(err, errlen, "the message takes %lld bytes, more than the largest buffer",
                 (long long)mq_pmt_serialize(m, NULL, 0));
    else
        snprintf(err, errlen, "%s", mq_strerror(rc));
    return -1;
}

/* Block b's message input named `port`; -1 with the message inputs listed in err. */
static int find_msg_input(const mqg_block *b, const char *port, char *err, size_t errlen)
{
    int n = mq_block_port_count(b->decl, b->n_params, b->kv, 0);
    char name[64], names[512] = "";
    mq_item_type t;
    size_t at = 0;

    for (int p = 0; p < n; p++) {
        if (mq_block_port(b->decl, b->n_params, b->kv, 0, p, name, sizeof name, &t) < 0 ||
            t != MQ_ITEM_MSG)
            continue;
        if (!strcmp(name, port))
            return p;
        if (at < sizeof names)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", name);
    }
    snprintf(err, errlen, "block '%s' (%s) has no message input '%.64s' (%s%s)", b->name,
             b->type, port, *names ? "its message inputs: " : "it has no message inputs",
             names);
    return -1;
}

void steer_send(struct sup *s, struct ctl_client *cl, const ctl_req *r)
{
    char err[1024], why[512];
    int b = sup_find_block(s, r->block, err, sizeof err), p, conn;
    mq_pmt *m = NULL;

    if (b < 0 || (p = find_msg_input(&s->g->blocks[b], r->port, err, sizeof err)) < 0 ||
        (conn = sup_ctrl_conn(s, b, p)) < 0) {
        ctl_reply_error(cl, "%s", err);
        return;
    }
    int rc;
    if (r->text) {
        rc = mq_msg_parse(r->text, &m, why, sizeof why);
    } else {
        char *text = json_dumps(r->msg, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        rc = text ? mq_pmt_from_json(text, strlen(text), &m, why, sizeof why) : MQ_ENOMEM;
        free(text);
    }
    if (rc < 0) {
        ctl_reply_error(cl, "the message: %s", rc == MQ_ENOMEM ? "out of memory" : why);
        return;
    }
    int64_t bytes = mq_pmt_serialize(m, NULL, 0);
    if (steer_deliver(s, conn, m, why, sizeof why) < 0)
        ctl_reply_error(cl, "%s.%s: %s", r->block, r->port, why);
    else
        ctl_reply(cl, json_pack("{s:b, s:s, s:s, s:I}", "ok", 1, "block", r->block, "port",
                                r->port, "bytes", (json_int_t)bytes));
    mq_pmt_free(m);
}
