/* sync_merger - aligns N inputs by their timestamps and emits one output buffer per
 * aligned set, made of one part per input (concatenated or interleaved).
 *
 * Times are the buffers' timestamp values (ns, or items for sample indexes); all
 * inputs must carry the same timestamp type. Each input's times must rise.
 *
 * Policies (doc/timestamps.md has the worked rules):
 *   exact    the heads of all inputs within `tolerance` of the latest head form a set;
 *            a head older than the latest head by more than that can never be matched
 *            and is dropped as stale. The output carries the stamp of the lowest
 *            numbered input in the set.
 *   nearest  input 0 is the reference: for each of its buffers (target time T), every
 *            other input gives its buffer nearest to T (the earlier one on a tie),
 *            if within `max_distance`. A buffer may serve several targets; one that
 *            served none is stale. The output carries input 0's stamp.
 *   linear   as nearest, but input i's part is interpolated item by item between its
 *            last buffer at or before T and its first after T (both within
 *            max_distance): a + (b - a) (T - ta) / (tb - ta).
 *   window   windows [kW, (k+1)W) of length W = `window`; each input's buffers in a
 *            window are combined item by item (mean, sum or last: `aggregate`); the
 *            output is stamped with the window's start and range.
 * Modes:
 *   sync     every output has every input; a set that cannot be completed is dropped
 *            (its buffers counted stale); a late input is waited for, up to
 *            `timeout_ms` if that is set, and the first input to end ends alignment.
 *   hybrid   as sync, but when an input is late past timeout_ms, or has ended, the
 *            set goes out without it: its part is NaN-filled (as long as the first
 *            part present) and the input's "missed" count goes up.
 *   async    no alignment: buffers pass through as they come, like merger.
 * Stale and missed counts appear per input connection in the run summary; when
 * alignment ends, what is still waiting is not counted (stale counts only what
 * alignment itself dropped). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "in_turns.h"

#define MAXIN MQ_MAX_PORTS

enum { EXACT, NEAREST, LINEAR, WINDOW };
enum { SYNC, ASYNC, HYBRID };
enum { MEAN, SUM, LAST };

struct side {
    mq_id prev;       /* nearest/linear: its last buffer at or before the target, held */
    int64_t prev_t;
    int prev_used;    /* prev went into an output */
    int head_used;    /* the current buffer went into an output (nearest) */
    double *acc;      /* window: the aggregate so far, acc_n scalars */
    size_t acc_n, acc_cap;
    uint64_t acc_count;
    void *scratch;    /* this input's computed part (linear, window) */
    size_t scratch_cap;
};

struct sm {
    int n, policy, mode, interleave, agg, dbl, lanes;
    size_t isz;
    int64_t tol, maxd, win, timeout_ns;
    uint32_t ts_type;    /* the inputs' timestamp type, as first seen on input ts_from */
    int ts_from;
    int64_t wait_since; /* when the wait for a late input began; 0: not waiting */
    int win_set;
    int64_t wk;          /* the current window: [wk * win, (wk + 1) * win) */
    int first;           /* async: the input to look at first */
    struct side s[MAXIN];
};

/* One part of an output: `items` items at p (the port's type), or missing (p NULL). */
struct part {
    const void *p;
    size_t items;
    const double *acc; /* window: the part is acc[k] * scale (p is set too, unused) */
    double scale;
};

static const mq_param_decl params[] = {
    {"inputs", MQ_PARAM_INT, "2", 2, MAXIN, NULL, "number of inputs", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "f32|c32|f64", "item type", 0},
    {"policy", MQ_PARAM_ENUM, "exact", 0, 0, "exact|nearest|linear|window", "how inputs align", 0},
    {"mode", MQ_PARAM_ENUM, "sync", 0, 0, "sync|async|hybrid", "what happens to incomplete sets", 0},
    {"tolerance", MQ_PARAM_INT, "1000000", 0, 1e15, NULL, "exact: largest spread of a set", 0},
    {"max_distance", MQ_PARAM_INT, "1000000", 1, 1e15, NULL,
     "nearest, linear: farthest a buffer may be from the target", 0},
    {"window", MQ_PARAM_INT, "1000000", 1, 1e15, NULL, "window: its length", 0},
    {"aggregate", MQ_PARAM_ENUM, "mean", 0, 0, "mean|sum|last", "window: how items combine", 0},
    {"layout", MQ_PARAM_ENUM, "concat", 0, 0, "concat|interleave",
     "the parts one after another, or item by item", 0},
    {"timeout_ms", MQ_PARAM_FLOAT, "0", 0, 1e9, NULL,
     "how long to wait for a late input (0: as long as it takes)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static int pick(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    return 0;
}

static int init(mq_block_ctx *c, void **state)
{
    static const char *const pol[] = {"exact", "nearest", "linear", "window"};
    static const char *const mode[] = {"sync", "async", "hybrid"};
    static const char *const agg[] = {"mean", "sum", "last"};
    struct sm *m = calloc(1, sizeof *m);

    if (!(*state = m))
        return -1;
    m->n = mq_block_n_inputs(c);
    m->policy = pick(mq_param_str(c, "policy"), pol, 4);
    m->mode = pick(mq_param_str(c, "mode"), mode, 3);
    m->agg = pick(mq_param_str(c, "aggregate"), agg, 3);
    m->interleave = !strcmp(mq_param_str(c, "layout"), "interleave");
    m->tol = mq_param_int(c, "tolerance");
    m->maxd = mq_param_int(c, "max_distance");
    m->win = mq_param_int(c, "window");
    m->timeout_ns = llround(mq_param_float(c, "timeout_ms") * 1e6);
    m->isz = mq_item_size(mq_block_in_type(c, 0));
    m->dbl = mq_block_in_type(c, 0) == MQ_ITEM_F64;
    m->lanes = mq_block_in_type(c, 0) == MQ_ITEM_C32 ? 2 : 1;
    return 0;
}

static int check(mq_block_ctx *c)
{
    if (!strcmp(mq_param_str(c, "mode"), "hybrid") &&
        llround(mq_param_float(c, "timeout_ms") * 1e6) <= 0) {
        mq_block_error(c, "mode hybrid needs timeout_ms > 0 (how long to wait before "
                          "emitting without a late input)");
        return -1;
    }
    return 0;
}

/* ---- inputs ---------------------------------------------------------------------- */

static int has(mq_block_ctx *c, int i)
{
    size_t b;
    return mq_in_data(c, i, &b) != NULL;
}

/* The time of input i's current buffer into *t: 1, or 0 if it has none, or -1 (the
 * error recorded) if its timestamp is missing or of another type than the others'. */
static int head_time(mq_block_ctx *c, struct sm *m, int i, int64_t *t)
{
    mq_timestamp ts;

    if (!has(c, i))
        return 0;
    mq_in_timestamp(c, i, &ts);
    if (ts.type == MQ_TS_NONE) {
        mq_block_error(c, "input %d: a buffer without a timestamp cannot be aligned", i);
        return -1;
    }
    if (m->ts_type && ts.type != m->ts_type) {
        int lo = i < m->ts_from ? i : m->ts_from, hi = i ^ m->ts_from ^ lo;
        uint32_t tlo = lo == i ? ts.type : m->ts_type, thi = lo == i ? m->ts_type : ts.type;
        mq_block_error(c, "input %d has %s timestamps and input %d %s: all inputs need the "
                          "same kind", lo, mq_ts_type_name(tlo), hi, mq_ts_type_name(thi));
        return -1;
    }
    if (!m->ts_type) {
        m->ts_type = ts.type;
        m->ts_from = i;
    }
    *t = ts.value;
    return 1;
}

/* The heads' times; present[i] says which inputs have one. -1 on a stamp error. */
static int heads(mq_block_ctx *c, struct sm *m, int64_t *t, int *present)
{
    for (int i = 0; i < m->n; i++)
        if ((present[i] = head_time(c, m, i, &t[i])) < 0)
            return -1;
    return 0;
}

/* Ends a step that consumed something: inputs with keep[i] keep their current
 * buffer, the others are consumed whole. */
static int step_done(mq_block_ctx *c, struct sm *m, const int *keep)
{
    for (int i = 0; i < m->n; i++)
        if (keep[i] && has(c, i))
            mq_in_consume(c, i, 0);
    m->wait_since = 0;
    return MQ_WORK_OK;
}

/* A late input: 1 if it has been waited for up to the timeout, else 0 (and work
 * returns MQ_WORK_NEED_INPUT; it runs again when input arrives or by the deadline). */
static int waited_enough(mq_block_ctx *c, struct sm *m)
{
    int64_t now = mq_block_now_ns();

    if (m->timeout_ns == 0)
        return 0;
    if (m->wait_since == 0)
        m->wait_since = now;
    if (now - m->wait_since >= m->timeout_ns)
        return 1;
    mq_block_call_by(c, m->wait_since + m->timeout_ns);
    return 0;
}

/* ---- output ---------------------------------------------------------------------- */

static double get(const struct sm *m, const void *p, size_t k)
{
    return m->dbl ? ((const double *)p)[k] : (double)((const float *)p)[k];
}

static void put(const struct sm *m, void *p, size_t k, double v)
{
    if (m->dbl)
        ((double *)p)[k] = v;
    else
        ((float *)p)[k] = (float)v;
}

/* Room for `scalars` scalars in input i's scratch part. */
static void *scratch(mq_block_ctx *c, struct sm *m, int i, size_t scalars)
{
    struct side *s = &m->s[i];
    size_t bytes = scalars * (m->dbl ? 8 : 4);

    if (bytes > s->scratch_cap) {
        void *p = realloc(s->scratch, bytes);
        if (!p) {
            mq_block_error(c, "out of memory");
            return NULL;
        }
        s->scratch = p;
        s->scratch_cap = bytes;
    }
    return s->scratch;
}

/* Sends one output made of parts[0..n-1], stamped ts. Missing parts are NaN-filled
 * to the length of the first part present and noted as missed. */
static int emit(mq_block_ctx *c, struct sm *m, struct part *parts, const mq_timestamp *ts)
{
    size_t fill = 0, total = 0, sl = (size_t)m->lanes;

    for (int i = 0; i < m->n && !fill; i++)
        if (parts[i].p)
            fill = parts[i].items;
    for (int i = 0; i < m->n; i++) {
        if (!parts[i].p) {
            parts[i].items = fill;
            mq_in_note(c, i, MQ_NOTE_MISSED, 1);
        }
        if (m->interleave && parts[i].items != parts[0].items) {
            mq_block_error(c, "layout interleave needs parts of equal length: input 0 "
                              "gives %zu items, input %d %zu", parts[0].items, i,
                           parts[i].items);
            return MQ_WORK_ERROR;
        }
        total += parts[i].items;
    }
    char *o = mq_out_alloc(c, 0, total * m->isz);
    if (!o)
        return MQ_WORK_ERROR;
    if (!m->interleave) {
        char *w = o;
        for (int i = 0; i < m->n; i++) {
            size_t b = parts[i].items * m->isz, nk = parts[i].items * sl;
            const double *acc = parts[i].acc;
            if (acc && m->dbl)
                for (size_t k = 0; k < nk; k++)
                    ((double *)w)[k] = acc[k] * parts[i].scale;
            else if (acc)
                for (size_t k = 0; k < nk; k++)
                    ((float *)w)[k] = (float)(acc[k] * parts[i].scale);
            else if (parts[i].p)
                memcpy(w, parts[i].p, b);
            else
                for (size_t k = 0; k < parts[i].items * sl; k++)
                    put(m, w, k, NAN);
            w += b;
        }
    } else {
        size_t items = parts[0].items, k = 0;
        for (size_t j = 0; j < items; j++)
            for (int i = 0; i < m->n; i++)
                for (size_t l = 0; l < sl; l++, k++)
                    put(m, o, k, parts[i].acc ? parts[i].acc[j * sl + l] * parts[i].scale
                                 : parts[i].p ? get(m, parts[i].p, j * sl + l)
                                              : NAN);
    }
    return mq_out_push(c, 0, total * m->isz, ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

/* ---- exact ----------------------------------------------------------------------- */

static int work_exact(mq_block_ctx *c, struct sm *m)
{
    int64_t t[MAXIN], latest = INT64_MIN;
    int present[MAXIN], keep[MAXIN], any = 0, late = 0, gone = 0, stale = 0;
    struct part parts[MAXIN] = {{0}};
    mq_timestamp ts;

    if (heads(c, m, t, present) < 0)
        return MQ_WORK_ERROR;
    for (int i = 0; i < m->n; i++) {
        keep[i] = 1;
        if (present[i])
            latest = t[i] > latest ? t[i] : latest, any = 1;
        else if (mq_in_ended(c, i))
            gone = 1;
        else
            late = 1;
    }
    if (!any)
        return late ? MQ_WORK_NEED_INPUT : MQ_WORK_DONE;
    for (int i = 0; i < m->n; i++)
        if (present[i] && t[i] < latest - m->tol) {
            mq_in_note(c, i, MQ_NOTE_STALE, 1);
            keep[i] = 0;
            stale = 1;
        }
    if (stale)
        return step_done(c, m, keep);
    if (gone && m->mode == SYNC)
        return MQ_WORK_DONE; /* an input ended: no set can be complete again */
    if (late && !waited_enough(c, m))
        return MQ_WORK_NEED_INPUT;
    if (late && m->mode == SYNC) {
        for (int i = 0; i < m->n; i++)
            if (present[i]) {
                mq_in_note(c, i, MQ_NOTE_STALE, 1);
                keep[i] = 0;
            }
        return step_done(c, m, keep);
    }
    int ref = -1;
    for (int i = 0; i < m->n; i++) {
        parts[i].p = present[i] ? mq_in_data(c, i, &parts[i].items) : NULL;
        parts[i].items /= m->isz;
        if (present[i] && ref < 0)
            ref = i;
    }
    mq_in_timestamp(c, ref, &ts);
    int rc = emit(c, m, parts, &ts);
    m->wait_since = 0;
    return rc; /* every head is consumed */
}

/* ---- nearest and linear ---------------------------------------------------------- */

/* Takes input i's current buffer as its new `prev`; the old one, if it served no
 * target, was stale. */
static void advance(mq_block_ctx *c, struct sm *m, int i, int64_t t)
{
    struct side *s = &m->s[i];
    mq_id id;

    if (mq_in_take(c, i, &id) < 0)
        return;
    if (s->prev != MQ_ID_NONE) {
        if (!s->prev_used)
            mq_in_note(c, i, MQ_NOTE_STALE, 1);
        mq_buf_release(mq_block_arena(c), s->prev);
    }
    s->prev = id;
    s->prev_t = t;
    s->prev_used = s->head_used;
    s->head_used = 0;
}

static const void *prev_data(mq_block_ctx *c, struct sm *m, int i, size_t *items)
{
    mq_arena *a = mq_block_arena(c);
    int64_t len = mq_buf_length(a, m->s[i].prev);
    *items = len > 0 ? (size_t)len / m->isz : 0;
    return mq_buf_data(a, m->s[i].prev);
}

enum { USE_PREV = 1, USE_HEAD = 2 };

/* Input i's part for target T into *p: which buffers it uses (USE_*), 0 if it has
 * none, -1 on an error. */
static int reference_part(mq_block_ctx *c, struct sm *m, int i, int64_t T, int64_t th,
                          int have_head, struct part *p)
{
    struct side *s = &m->s[i];
    int have_prev = s->prev != MQ_ID_NONE;
    int64_t dp = have_prev ? T - s->prev_t : INT64_MAX, dh = have_head ? th - T : INT64_MAX;

    if (m->policy == NEAREST) {
        if (dp <= dh && dp <= m->maxd) {
            p->p = prev_data(c, m, i, &p->items);
            return USE_PREV;
        }
        if (dh < dp && dh <= m->maxd) {
            p->p = mq_in_data(c, i, &p->items);
            p->items /= m->isz;
            return USE_HEAD;
        }
        return 0;
    }
    if (dp == 0) {
        p->p = prev_data(c, m, i, &p->items);
        return USE_PREV;
    }
    if (dp > m->maxd || dh > m->maxd)
        return 0;
    size_t na, nb, sl = (size_t)m->lanes;
    const void *a = prev_data(c, m, i, &na), *b = mq_in_data(c, i, &nb);
    double w = (double)dp / (double)(dp + dh);
    nb /= m->isz;
    p->items = na < nb ? na : nb;
    void *o = scratch(c, m, i, p->items * sl);
    if (!o)
        return -1;
    for (size_t k = 0; k < p->items * sl; k++) {
        double va = get(m, a, k);
        put(m, o, k, va + (get(m, b, k) - va) * w);
    }
    p->p = o;
    return USE_PREV | USE_HEAD;
}

static int work_reference(mq_block_ctx *c, struct sm *m)
{
    int64_t t[MAXIN];
    int present[MAXIN], keep[MAXIN], use[MAXIN], moved = 0;
    struct part parts[MAXIN] = {{0}};
    mq_timestamp ts;

    if (heads(c, m, t, present) < 0)
        return MQ_WORK_ERROR;
    if (!present[0])
        return mq_in_ended(c, 0) ? MQ_WORK_DONE : MQ_WORK_NEED_INPUT;
    int64_t T = t[0];
    for (int i = 0; i < m->n; i++)
        keep[i] = 1;
    for (int i = 1; i < m->n; i++) {
        struct side *s = &m->s[i];
        if (!present[i])
            continue;
        if (s->prev != MQ_ID_NONE && t[i] < s->prev_t) {
            mq_in_note(c, i, MQ_NOTE_STALE, 1); /* out of order */
            keep[i] = 0;
            moved = 1;
        } else if (t[i] <= T) {
            advance(c, m, i, t[i]);
            moved = 1;
        }
    }
    if (moved)
        return step_done(c, m, keep);
    /* Every other input now has at most a prev at or before T and a head after it.
     * Its part is final when the head is there, the input ended, or prev is exact. */
    int late = 0;
    for (int i = 1; i < m->n; i++)
        if (!present[i] && !mq_in_ended(c, i) &&
            !(m->s[i].prev != MQ_ID_NONE && m->s[i].prev_t == T))
            late = 1;
    if (late && !waited_enough(c, m))
        return MQ_WORK_NEED_INPUT;
    parts[0].p = mq_in_data(c, 0, &parts[0].items);
    parts[0].items /= m->isz;
    for (int i = 1; i < m->n; i++) {
        int rc = use[i] = reference_part(c, m, i, T, t[i], present[i], &parts[i]);
        if (rc < 0)
            return MQ_WORK_ERROR;
        if (rc > 0 || m->mode == HYBRID) {
            if (rc == 0)
                parts[i].p = NULL;
            continue;
        }
        /* sync, and input i has nothing for T. If it ended and its last buffer is
         * behind T by more than can ever match, alignment is over; otherwise only
         * this target is lost. */
        if (!present[i] && mq_in_ended(c, i) &&
            (m->s[i].prev == MQ_ID_NONE || m->policy == LINEAR || T - m->s[i].prev_t > m->maxd))
            return MQ_WORK_DONE;
        mq_in_note(c, 0, MQ_NOTE_STALE, 1);
        keep[0] = 0;
        return step_done(c, m, keep);
    }
    for (int i = 1; i < m->n; i++) {
        m->s[i].prev_used |= (use[i] & USE_PREV) != 0;
        m->s[i].head_used |= (use[i] & USE_HEAD) != 0;
    }
    mq_in_timestamp(c, 0, &ts);
    int rc = emit(c, m, parts, &ts);
    keep[0] = 0;
    step_done(c, m, keep);
    return rc;
}

/* ---- window ---------------------------------------------------------------------- */

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Adds input i's current buffer to its window aggregate. */
static int accumulate(mq_block_ctx *c, struct sm *m, int i)
{
    struct side *s = &m->s[i];
    size_t b;
    const void *p = mq_in_data(c, i, &b);
    size_t n = b / m->isz * (size_t)m->lanes;

    if (s->acc_count == 0 || n < s->acc_n) {
        if (n > s->acc_cap) {
            double *a = realloc(s->acc, n * sizeof *a);
            if (!a) {
                mq_block_error(c, "out of memory");
                return -1;
            }
            s->acc = a;
            s->acc_cap = n;
        }
        if (s->acc_count == 0)
            memset(s->acc, 0, n * sizeof *s->acc);
        s->acc_n = n;
    }
    /* Separate loops per type and kind, so each one vectorises. */
    double *acc = s->acc;
    const float *f = p;
    const double *d = p;
    if (m->agg == LAST && m->dbl)
        memcpy(acc, d, s->acc_n * sizeof *acc);
    else if (m->agg == LAST)
        for (size_t k = 0; k < s->acc_n; k++)
            acc[k] = f[k];
    else if (m->dbl)
        for (size_t k = 0; k < s->acc_n; k++)
            acc[k] += d[k];
    else
        for (size_t k = 0; k < s->acc_n; k++)
            acc[k] += f[k];
    s->acc_count++;
    return 0;
}

/* The window is complete: emit it (or drop it, in sync mode, if an input gave
 * nothing), then start the next one at the earliest head. */
static int close_window(mq_block_ctx *c, struct sm *m, const int64_t *t, const int *present)
{
    struct part parts[MAXIN] = {{0}};
    int all = 1, some = 0, rc = MQ_WORK_OK;

    for (int i = 0; i < m->n; i++) {
        struct side *s = &m->s[i];
        parts[i].p = NULL;
        if (s->acc_count == 0) {
            all = 0;
            continue;
        }
        some = 1;
        parts[i].p = parts[i].acc = s->acc;
        parts[i].scale = m->agg == MEAN ? 1.0 / (double)s->acc_count : 1.0;
        parts[i].items = s->acc_n / (size_t)m->lanes;
    }
    if (all || (some && m->mode == HYBRID)) {
        mq_timestamp ts = {.type = m->ts_type, .flags = MQ_TS_HAS_RANGE,
                           .value = m->wk * m->win, .start = m->wk * m->win,
                           .end = (m->wk + 1) * m->win - 1};
        rc = emit(c, m, parts, &ts);
    } else {
        for (int i = 0; i < m->n; i++)
            if (m->s[i].acc_count)
                mq_in_note(c, i, MQ_NOTE_STALE, m->s[i].acc_count);
    }
    for (int i = 0; i < m->n; i++)
        m->s[i].acc_count = 0;
    m->win_set = 0;
    for (int i = 0; i < m->n; i++)
        if (present[i] && (!m->win_set || floordiv(t[i], m->win) < m->wk)) {
            m->wk = floordiv(t[i], m->win);
            m->win_set = 1;
        }
    return rc;
}

static int work_window(mq_block_ctx *c, struct sm *m)
{
    int64_t t[MAXIN];
    int present[MAXIN], keep[MAXIN], late = 0, gone = 0, any = 0, moved = 0;

    if (heads(c, m, t, present) < 0)
        return MQ_WORK_ERROR;
    for (int i = 0; i < m->n; i++) {
        any |= present[i];
        late |= !present[i] && !mq_in_ended(c, i);
        gone |= mq_in_ended(c, i);
        keep[i] = 1;
    }
    if (!m->win_set) {
        if (!any)
            return late ? MQ_WORK_NEED_INPUT : MQ_WORK_DONE;
        if (late && !waited_enough(c, m))
            return MQ_WORK_NEED_INPUT;
        for (int i = 0; i < m->n; i++)
            if (present[i] && (!m->win_set || floordiv(t[i], m->win) < m->wk)) {
                m->wk = floordiv(t[i], m->win);
                m->win_set = 1;
            }
    }
    int64_t ws = m->wk * m->win, we = ws + m->win;
    for (int i = 0; i < m->n; i++) {
        if (!present[i] || t[i] >= we)
            continue;
        if (t[i] < ws)
            mq_in_note(c, i, MQ_NOTE_STALE, 1);
        else if (accumulate(c, m, i) < 0)
            return MQ_WORK_ERROR;
        keep[i] = 0;
        moved = 1;
    }
    if (moved)
        return step_done(c, m, keep);
    if (late && !waited_enough(c, m))
        return MQ_WORK_NEED_INPUT;
    int rc = close_window(c, m, t, present);
    step_done(c, m, keep);
    if (rc != MQ_WORK_OK)
        return rc;
    if (!any && !late)
        return MQ_WORK_DONE; /* every input ended: that was the last window */
    if (gone && m->mode == SYNC)
        return MQ_WORK_DONE; /* no later window can be complete */
    return MQ_WORK_OK;
}

static int work(mq_block_ctx *c, void *state)
{
    struct sm *m = state;

    if (m->mode == ASYNC)
        return forward_in_turns(c, &m->first);
    switch (m->policy) {
    case EXACT:
        return work_exact(c, m);
    case WINDOW:
        return work_window(c, m);
    default:
        return work_reference(c, m);
    }
}

static void fini(mq_block_ctx *c, void *state)
{
    struct sm *m = state;

    if (!m)
        return;
    for (int i = 0; i < m->n; i++) {
        struct side *s = &m->s[i];
        if (s->prev != MQ_ID_NONE)
            mq_buf_release(mq_block_arena(c), s->prev);
        free(s->acc);
        free(s->scratch);
    }
    free(m);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "sync_merger",
    .doc = "Aligns `inputs` inputs by timestamp and emits one buffer per aligned set:\n"
           "one part per input, concatenated or interleaved (`layout`). Policies exact\n"
           "(within tolerance), nearest and linear (input 0 is the reference; within\n"
           "max_distance) and window (mean, sum or last per window). Modes sync, hybrid\n"
           "(after timeout_ms or an input's end, emit without the missing inputs:\n"
           "NaN parts) and async (pass-through). Stale and missed buffers are counted\n"
           "per input in the run summary. The rules are in doc/timestamps.md.",
    MQ_INPUTS(in), .in_count_param = "inputs",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .flags = MQ_BLOCK_ANY_INPUT | MQ_BLOCK_CALL_AT_END,
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
