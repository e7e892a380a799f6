/* pmt.c - message values: construction and access, GNU Radio's wire form, the JSON
 * text form (pmt.h).
 *
 * A pair's cdr chain is walked in a loop everywhere (free, copy, equal, both
 * serialisations), never by recursion, because a list is a chain of pairs and may
 * be long; every other child is a recursion one level down, bounded by
 * MQ_PMT_MAX_DEPTH wherever the input is untrusted.
 */
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "pmt.h"

/* GNU Radio's tags (gnuradio-runtime/include/pmt/pmt_serial_tags.h). */
enum {
    PST_TRUE = 0x00,
    PST_FALSE = 0x01,
    PST_SYMBOL = 0x02,
    PST_INT32 = 0x03,
    PST_DOUBLE = 0x04,
    PST_COMPLEX = 0x05,
    PST_NULL = 0x06,
    PST_PAIR = 0x07,
    PST_VECTOR = 0x08,
    PST_DICT = 0x09,
    PST_UNIFORM_VECTOR = 0x0a,
    PST_UINT64 = 0x0b,
    PST_TUPLE = 0x0c,
    PST_INT64 = 0x0d
};

struct mq_pmt {
    mq_pmt_type type;
    union {
        int b;
        int64_t i;
        uint64_t u;
        double d;
        struct { double re, im; } c;
        struct { char *s; size_t n; } sym;
        struct { mq_pmt *car, *cdr; } pair;
        /* A NULL item stands for a null, so mq_pmt_vector(n) needs one allocation. */
        struct { mq_pmt **items; size_t n; } vec;
        /* Key i at kv[2i], its value at kv[2i+1]; never NULL. */
        struct { mq_pmt **kv; size_t n, cap; } dict;
        struct { void *data; size_t n; mq_uvec_type t; } uvec;
    } u;
};

static const mq_pmt null_node = { .type = MQ_PMT_NULL };

static const mq_pmt *or_null(const mq_pmt *p)
{
    return p ? p : &null_node;
}

static int is_uvec_type(mq_uvec_type t)
{
    return (unsigned)t <= (unsigned)MQ_UVEC_C64;
}

/* ---------------------------------------------------------------- construction */

static mq_pmt *node_new(mq_pmt_type t)
{
    mq_pmt *p = calloc(1, sizeof *p);
    if (p)
        p->type = t;
    return p;
}

mq_pmt *mq_pmt_null(void)
{
    return node_new(MQ_PMT_NULL);
}

mq_pmt *mq_pmt_bool(int v)
{
    mq_pmt *p = node_new(MQ_PMT_BOOL);
    if (p)
        p->u.b = v != 0;
    return p;
}

mq_pmt *mq_pmt_int(int64_t v)
{
    mq_pmt *p = node_new(MQ_PMT_INT);
    if (p)
        p->u.i = v;
    return p;
}

mq_pmt *mq_pmt_uint64(uint64_t v)
{
    mq_pmt *p = node_new(MQ_PMT_UINT64);
    if (p)
        p->u.u = v;
    return p;
}

mq_pmt *mq_pmt_double(double v)
{
    mq_pmt *p = node_new(MQ_PMT_DOUBLE);
    if (p)
        p->u.d = v;
    return p;
}

mq_pmt *mq_pmt_complex(double re, double im)
{
    mq_pmt *p = node_new(MQ_PMT_COMPLEX);
    if (p) {
        p->u.c.re = re;
        p->u.c.im = im;
    }
    return p;
}

mq_pmt *mq_pmt_symbol(const char *s)
{
    if (!s)
        return NULL;
    return mq_pmt_symbol_n(s, strnlen(s, MQ_PMT_SYMBOL_MAX + 1));
}

mq_pmt *mq_pmt_symbol_n(const char *s, size_t n)
{
    if (n > MQ_PMT_SYMBOL_MAX || (n > 0 && (!s || memchr(s, 0, n))))
        return NULL;
    mq_pmt *p = node_new(MQ_PMT_SYMBOL);
    char *copy = malloc(n + 1);
    if (!p || !copy) {
        free(p);
        free(copy);
        return NULL;
    }
    if (n > 0)
        memcpy(copy, s, n);
    copy[n] = '\0';
    p->u.sym.s = copy;
    p->u.sym.n = n;
    return p;
}

mq_pmt *mq_pmt_pair(mq_pmt *car, mq_pmt *cdr)
{
    mq_pmt *p = car && cdr ? node_new(MQ_PMT_PAIR) : NULL;
    if (!p) {
        mq_pmt_free(car);
        mq_pmt_free(cdr);
        return NULL;
    }
    p->u.pair.car = car;
    p->u.pair.cdr = cdr;
    return p;
}

static mq_pmt *seq_new(mq_pmt_type t, size_t n)
{
    mq_pmt *p = node_new(t);
    mq_pmt **items = calloc(n ? n : 1, sizeof *items);
    if (!p || !items) {
        free(p);
        free(items);
        return NULL;
    }
    p->u.vec.items = items;
    p->u.vec.n = n;
    return p;
}

mq_pmt *mq_pmt_vector(size_t n)
{
    return seq_new(MQ_PMT_VECTOR, n);
}

mq_pmt *mq_pmt_tuple(size_t n)
{
    return seq_new(MQ_PMT_TUPLE, n);
}

static int is_seq(const mq_pmt *p)
{
    return p && (p->type == MQ_PMT_VECTOR || p->type == MQ_PMT_TUPLE);
}

int mq_pmt_set_item(mq_pmt *v, size_t i, mq_pmt *item)
{
    if (!is_seq(v) || i >= v->u.vec.n) {
        mq_pmt_free(item);
        return MQ_EINVAL;
    }
    if (!item)
        return MQ_ENOMEM;
    mq_pmt_free(v->u.vec.items[i]);
    v->u.vec.items[i] = item;
    return 0;
}

mq_pmt *mq_pmt_dict(void)
{
    return node_new(MQ_PMT_DICT);
}

/* Appends without looking for the key: what the wire form says, in its order. */
static int dict_append(mq_pmt *d, mq_pmt *key, mq_pmt *value)
{
    size_t n = d->u.dict.n, cap = d->u.dict.cap;
    if (key && value && n == cap) {
        size_t ncap = cap ? 2 * cap : 4;
        mq_pmt **kv = NULL;
        if (ncap <= SIZE_MAX / (2 * sizeof *kv))
            kv = realloc(d->u.dict.kv, ncap * 2 * sizeof *kv);
        if (kv) {
            d->u.dict.kv = kv;
            d->u.dict.cap = ncap;
        }
    }
    if (!key || !value || n == d->u.dict.cap) {
        mq_pmt_free(key);
        mq_pmt_free(value);
        return MQ_ENOMEM;
    }
    d->u.dict.kv[2 * n] = key;
    d->u.dict.kv[2 * n + 1] = value;
    d->u.dict.n = n + 1;
    return 0;
}

int mq_pmt_dict_set(mq_pmt *d, mq_pmt *key, mq_pmt *value)
{
    if (!d || d->type != MQ_PMT_DICT) {
        mq_pmt_free(key);
        mq_pmt_free(value);
        return MQ_EINVAL;
    }
    if (!key || !value)
        return dict_append(d, key, value); /* frees the one that is there */
    for (size_t i = 0; i < d->u.dict.n; i++) {
        if (mq_pmt_equal(d->u.dict.kv[2 * i], key)) {
            mq_pmt_free(d->u.dict.kv[2 * i + 1]);
            d->u.dict.kv[2 * i + 1] = value;
            mq_pmt_free(key);
            return 0;
        }
    }
    return dict_append(d, key, value);
}

mq_pmt *mq_pmt_uvec(mq_uvec_type t, size_t n, const void *items)
{
    size_t size = mq_uvec_item_size(t);
    if (size == 0 || n > SIZE_MAX / size)
        return NULL;
    mq_pmt *p = node_new(MQ_PMT_UVEC);
    /* One byte at least, so the data of an empty uvec is not NULL either. */
    void *data = calloc(n ? n : 1, size);
    if (!p || !data) {
        free(p);
        free(data);
        return NULL;
    }
    if (items && n > 0)
        memcpy(data, items, n * size);
    p->u.uvec.data = data;
    p->u.uvec.n = n;
    p->u.uvec.t = t;
    return p;
}

/* ---------------------------------------------------------------- free, copy, equal */

void mq_pmt_free(mq_pmt *p)
{
    while (p) {
        mq_pmt *next = NULL;
        switch (p->type) {
        case MQ_PMT_SYMBOL:
            free(p->u.sym.s);
            break;
        case MQ_PMT_PAIR:
            mq_pmt_free(p->u.pair.car);
            next = p->u.pair.cdr;
            break;
        case MQ_PMT_VECTOR:
        case MQ_PMT_TUPLE:
            for (size_t i = 0; i < p->u.vec.n; i++)
                mq_pmt_free(p->u.vec.items[i]);
            free(p->u.vec.items);
            break;
        case MQ_PMT_DICT:
            for (size_t i = 0; i < 2 * p->u.dict.n; i++)
                mq_pmt_free(p->u.dict.kv[i]);
            free(p->u.dict.kv);
            break;
        case MQ_PMT_UVEC:
            free(p->u.uvec.data);
            break;
        default:
            break;
        }
        free(p);
        p = next;
    }
}

static mq_pmt *copy_seq(const mq_pmt *p)
{
    mq_pmt *q = seq_new(p->type, p->u.vec.n);
    for (size_t i = 0; q && i < p->u.vec.n; i++) {
        if (!p->u.vec.items[i])
            continue;
        q->u.vec.items[i] = mq_pmt_copy(p->u.vec.items[i]);
        if (!q->u.vec.items[i]) {
            mq_pmt_free(q);
            q = NULL;
        }
    }
    return q;
}

static mq_pmt *copy_dict(const mq_pmt *p)
{
    mq_pmt *q = mq_pmt_dict();
    for (size_t i = 0; q && i < p->u.dict.n; i++) {
        if (dict_append(q, mq_pmt_copy(p->u.dict.kv[2 * i]),
                        mq_pmt_copy(p->u.dict.kv[2 * i + 1])) != 0) {
            mq_pmt_free(q);
            q = NULL;
        }
    }
    return q;
}

/* Copies a node that is not a pair. */
static mq_pmt *copy_one(const mq_pmt *p)
{
    switch (p->type) {
    case MQ_PMT_SYMBOL:
        return mq_pmt_symbol_n(p->u.sym.s, p->u.sym.n);
    case MQ_PMT_VECTOR:
    case MQ_PMT_TUPLE:
        return copy_seq(p);
    case MQ_PMT_DICT:
        return copy_dict(p);
    case MQ_PMT_UVEC:
        return mq_pmt_uvec(p->u.uvec.t, p->u.uvec.n, p->u.uvec.data);
    default: {
        mq_pmt *q = node_new(p->type);
        if (q)
            q->u = p->u;
        return q;
    }
    }
}

mq_pmt *mq_pmt_copy(const mq_pmt *p)
{
    mq_pmt *head = NULL, **slot = &head;
    for (; p && p->type == MQ_PMT_PAIR; p = p->u.pair.cdr) {
        mq_pmt *n = node_new(MQ_PMT_PAIR);
        *slot = n;
        if (!n || !(n->u.pair.car = mq_pmt_copy(p->u.pair.car)))
            goto fail;
        slot = &n->u.pair.cdr;
    }
    if (p && !(*slot = copy_one(p)))
        goto fail;
    return head;
fail:
    mq_pmt_free(head);
    return NULL;
}

static int double_eq(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Compares two nodes of the same type that are not pairs. */
static int equal_one(const mq_pmt *a, const mq_pmt *b)
{
    switch (a->type) {
    case MQ_PMT_BOOL:
        return a->u.b == b->u.b;
    case MQ_PMT_INT:
        return a->u.i == b->u.i;
    case MQ_PMT_UINT64:
        return a->u.u == b->u.u;
    case MQ_PMT_DOUBLE:
        return double_eq(a->u.d, b->u.d);
    case MQ_PMT_COMPLEX:
        return double_eq(a->u.c.re, b->u.c.re) && double_eq(a->u.c.im, b->u.c.im);
    case MQ_PMT_SYMBOL:
        return a->u.sym.n == b->u.sym.n && memcmp(a->u.sym.s, b->u.sym.s, a->u.sym.n) == 0;
    case MQ_PMT_VECTOR:
    case MQ_PMT_TUPLE:
        if (a->u.vec.n != b->u.vec.n)
            return 0;
        for (size_t i = 0; i < a->u.vec.n; i++)
            if (!mq_pmt_equal(a->u.vec.items[i], b->u.vec.items[i]))
                return 0;
        return 1;
    case MQ_PMT_DICT:
        if (a->u.dict.n != b->u.dict.n)
            return 0;
        for (size_t i = 0; i < 2 * a->u.dict.n; i++)
            if (!mq_pmt_equal(a->u.dict.kv[i], b->u.dict.kv[i]))
                return 0;
        return 1;
    case MQ_PMT_UVEC:
        return a->u.uvec.t == b->u.uvec.t && a->u.uvec.n == b->u.uvec.n &&
               memcmp(a->u.uvec.data, b->u.uvec.data,
                      a->u.uvec.n * mq_uvec_item_size(a->u.uvec.t)) == 0;
    default:
        return 1; /* NULL */
    }
}

int mq_pmt_equal(const mq_pmt *a, const mq_pmt *b)
{
    for (;;) {
        a = or_null(a);
        b = or_null(b);
        if (a->type != b->type)
            return 0;
        if (a->type != MQ_PMT_PAIR)
            return equal_one(a, b);
        if (!mq_pmt_equal(a->u.pair.car, b->u.pair.car))
            return 0;
        a = a->u.pair.cdr;
        b = b->u.pair.cdr;
    }
}

/* ---------------------------------------------------------------- accessors */

mq_pmt_type mq_pmt_type_of(const mq_pmt *p)
{
    return or_null(p)->type;
}

static int is(const mq_pmt *p, mq_pmt_type t)
{
    return p && p->type == t;
}

int mq_pmt_is_number(const mq_pmt *p)
{
    return is(p, MQ_PMT_INT) || is(p, MQ_PMT_UINT64) || is(p, MQ_PMT_DOUBLE);
}

int mq_pmt_to_bool(const mq_pmt *p)
{
    return is(p, MQ_PMT_BOOL) ? p->u.b : 0;
}

int64_t mq_pmt_to_int(const mq_pmt *p)
{
    return is(p, MQ_PMT_INT) ? p->u.i : 0;
}

uint64_t mq_pmt_to_uint64(const mq_pmt *p)
{
    if (is(p, MQ_PMT_UINT64))
        return p->u.u;
    if (is(p, MQ_PMT_INT) && p->u.i >= 0)
        return (uint64_t)p->u.i;
    return 0;
}

double mq_pmt_to_double(const mq_pmt *p)
{
    if (is(p, MQ_PMT_DOUBLE))
        return p->u.d;
    if (is(p, MQ_PMT_INT))
        return (double)p->u.i;
    if (is(p, MQ_PMT_UINT64))
        return (double)p->u.u;
    return 0.0;
}

void mq_pmt_to_complex(const mq_pmt *p, double *re, double *im)
{
    double r = 0.0, i = 0.0;
    if (is(p, MQ_PMT_COMPLEX)) {
        r = p->u.c.re;
        i = p->u.c.im;
    } else {
        r = mq_pmt_to_double(p);
    }
    if (re)
        *re = r;
    if (im)
        *im = i;
}

const char *mq_pmt_symbol_str(const mq_pmt *p)
{
    return is(p, MQ_PMT_SYMBOL) ? p->u.sym.s : NULL;
}

const mq_pmt *mq_pmt_car(const mq_pmt *p)
{
    return is(p, MQ_PMT_PAIR) ? p->u.pair.car : NULL;
}

const mq_pmt *mq_pmt_cdr(const mq_pmt *p)
{
    return is(p, MQ_PMT_PAIR) ? p->u.pair.cdr : NULL;
}

size_t mq_pmt_length(const mq_pmt *p)
{
    if (is_seq(p))
        return p->u.vec.n;
    if (is(p, MQ_PMT_DICT))
        return p->u.dict.n;
    if (is(p, MQ_PMT_UVEC))
        return p->u.uvec.n;
    return 0;
}

const mq_pmt *mq_pmt_item(const mq_pmt *p, size_t i)
{
    if (!is_seq(p) || i >= p->u.vec.n)
        return NULL;
    return or_null(p->u.vec.items[i]);
}

const mq_pmt *mq_pmt_dict_key(const mq_pmt *d, size_t i)
{
    return is(d, MQ_PMT_DICT) && i < d->u.dict.n ? d->u.dict.kv[2 * i] : NULL;
}

const mq_pmt *mq_pmt_dict_value(const mq_pmt *d, size_t i)
{
    return is(d, MQ_PMT_DICT) && i < d->u.dict.n ? d->u.dict.kv[2 * i + 1] : NULL;
}

const mq_pmt *mq_pmt_dict_get(const mq_pmt *d, const char *symbol)
{
    if (!is(d, MQ_PMT_DICT) || !symbol)
        return NULL;
    for (size_t i = 0; i < d->u.dict.n; i++) {
        const char *k = mq_pmt_symbol_str(d->u.dict.kv[2 * i]);
        if (k && strcmp(k, symbol) == 0)
            return d->u.dict.kv[2 * i + 1];
    }
    return NULL;
}

mq_uvec_type mq_pmt_uvec_type(const mq_pmt *p)
{
    return is(p, MQ_PMT_UVEC) ? p->u.uvec.t : MQ_UVEC_U8;
}

size_t mq_uvec_item_size(mq_uvec_type t)
{
    static const unsigned char size[] = { 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 8, 16 };
    return is_uvec_type(t) ? size[t] : 0;
}

const char *mq_uvec_name(mq_uvec_type t)
{
    static const char *const name[] = { "u8",  "s8",  "u16", "s16", "u32", "s32",
                                         "u64", "s64", "f32", "f64", "c32", "c64" };
    return is_uvec_type(t) ? name[t] : NULL;
}

const void *mq_pmt_uvec_data(const mq_pmt *p, size_t *n)
{
    int ok = is(p, MQ_PMT_UVEC);
    if (n)
        *n = ok ? p->u.uvec.n : 0;
    return ok ? p->u.uvec.data : NULL;
}

/* A complex element travels as two scalars (re, im), each in big-endian order. */
static size_t uvec_scalar_size(mq_uvec_type t)
{
    size_t size = mq_uvec_item_size(t);
    return t == MQ_UVEC_C32 || t == MQ_UVEC_C64 ? size / 2 : size;
}

/* ---------------------------------------------------------------- serialisation */

/* The writer walks the tree twice: once with buf NULL to measure, once to write,
 * so a form that does not fit leaves the caller's buffer untouched. */
struct wr {
    uint8_t *buf;
    size_t pos;
};

static void put(struct wr *w, const void *src, size_t n)
{
    if (w->buf && n > 0)
        memcpy(w->buf + w->pos, src, n);
    w->pos += n;
}

static void put_be(struct wr *w, uint64_t v, size_t bytes)
{
    uint8_t b[8];
    for (size_t i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(w, b, bytes);
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static int ser_value(struct wr *w, const mq_pmt *p, int depth);

static int ser_seq(struct wr *w, const mq_pmt *p, uint8_t tag, int depth)
{
    if (p->u.vec.n > UINT32_MAX)
        return MQ_EINVAL;
    put_be(w, tag, 1);
    put_be(w, p->u.vec.n, 4);
    for (size_t i = 0; i < p->u.vec.n; i++) {
        int rc = ser_value(w, p->u.vec.items[i], depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

/* GNU Radio's association list: a dict cell per entry, each holding a plain pair,
 * and the empty list to end it (so the empty dict is just that: PST_NULL). */
static int ser_dict(struct wr *w, const mq_pmt *d, int depth)
{
    for (size_t i = 0; i < d->u.dict.n; i++) {
        put_be(w, PST_DICT, 1);
        put_be(w, PST_PAIR, 1);
        int rc = ser_value(w, d->u.dict.kv[2 * i], depth + 1);
        if (rc == 0)
            rc = ser_value(w, d->u.dict.kv[2 * i + 1], depth + 1);
        if (rc)
            return rc;
    }
    put_be(w, PST_NULL, 1);
    return 0;
}

static int ser_uvec(struct wr *w, const mq_pmt *p)
{
    mq_uvec_type t = p->u.uvec.t;
    size_t scalar = uvec_scalar_size(t);
    size_t count = p->u.uvec.n * (mq_uvec_item_size(t) / scalar);
    if (p->u.uvec.n > UINT32_MAX)
        return MQ_EINVAL;
    put_be(w, PST_UNIFORM_VECTOR, 1);
    put_be(w, (uint64_t)t, 1);
    put_be(w, p->u.uvec.n, 4);
    put_be(w, 1, 1); /* npad: GNU Radio 3.10 always writes one zero pad byte */
    put_be(w, 0, 1);
    if (!w->buf) {
        w->pos += count * scalar;
        return 0;
    }
    const uint8_t *src = p->u.uvec.data;
    for (size_t i = 0; i < count; i++, src += scalar) {
        uint64_t v;
        uint8_t v8;
        uint16_t v16;
        uint32_t v32;
        switch (scalar) {
        case 1: memcpy(&v8, src, 1); v = v8; break;
        case 2: memcpy(&v16, src, 2); v = v16; break;
        case 4: memcpy(&v32, src, 4); v = v32; break;
        default: memcpy(&v, src, 8); break;
        }
        put_be(w, v, scalar);
    }
    return 0;
}

/* Writes a node that is not a pair. */
static int ser_one(struct wr *w, const mq_pmt *p, int depth)
{
    switch (p->type) {
    case MQ_PMT_NULL:
        put_be(w, PST_NULL, 1);
        return 0;
    case MQ_PMT_BOOL:
        put_be(w, p->u.b ? PST_TRUE : PST_FALSE, 1);
        return 0;
    case MQ_PMT_INT:
        /* GNU Radio writes a long as INT32 when it fits, else as INT64. */
        if (p->u.i >= INT32_MIN && p->u.i <= INT32_MAX) {
            put_be(w, PST_INT32, 1);
            put_be(w, (uint32_t)(int32_t)p->u.i, 4);
        } else {
            put_be(w, PST_INT64, 1);
            put_be(w, (uint64_t)p->u.i, 8);
        }
        return 0;
    case MQ_PMT_UINT64:
        put_be(w, PST_UINT64, 1);
        put_be(w, p->u.u, 8);
        return 0;
    case MQ_PMT_DOUBLE:
        put_be(w, PST_DOUBLE, 1);
        put_be(w, double_bits(p->u.d), 8);
        return 0;
    case MQ_PMT_COMPLEX:
        put_be(w, PST_COMPLEX, 1);
        put_be(w, double_bits(p->u.c.re), 8);
        put_be(w, double_bits(p->u.c.im), 8);
        return 0;
    case MQ_PMT_SYMBOL:
        if (p->u.sym.n > MQ_PMT_SYMBOL_MAX)
            return MQ_EINVAL;
        put_be(w, PST_SYMBOL, 1);
        put_be(w, p->u.sym.n, 2);
        put(w, p->u.sym.s, p->u.sym.n);
        return 0;
    case MQ_PMT_VECTOR:
        return ser_seq(w, p, PST_VECTOR, depth);
    case MQ_PMT_TUPLE:
        return ser_seq(w, p, PST_TUPLE, depth);
    case MQ_PMT_DICT:
        return ser_dict(w, p, depth);
    case MQ_PMT_UVEC:
        return ser_uvec(w, p);
    default:
        return MQ_EINVAL;
    }
}

static int ser_value(struct wr *w, const mq_pmt *p, int depth)
{
    if (depth > MQ_PMT_MAX_DEPTH)
        return MQ_EINVAL;
    for (p = or_null(p); p->type == MQ_PMT_PAIR; p = or_null(p->u.pair.cdr)) {
        put_be(w, PST_PAIR, 1);
        int rc = ser_value(w, p->u.pair.car, depth + 1);
        if (rc)
            return rc;
    }
    return ser_one(w, p, depth);
}

int64_t mq_pmt_serialize(const mq_pmt *p, void *buf, size_t cap)
{
    struct wr measure = { NULL, 0 };
    if (!p)
        return MQ_EINVAL;
    int rc = ser_value(&measure, p, 1);
    if (rc)
        return rc;
    if (measure.pos > INT64_MAX)
        return MQ_EINVAL;
    if (buf && measure.pos <= cap) {
        struct wr out = { buf, 0 };
        (void)ser_value(&out, p, 1); /* cannot fail: the measuring walk did not */
    }
    return (int64_t)measure.pos;
}

/* ---------------------------------------------------------------- deserialisation */

struct rd {
    const uint8_t *p, *end;
};

static size_t left(const struct rd *r)
{
    return (size_t)(r->end - r->p);
}

static int get_be(struct rd *r, size_t bytes, uint64_t *v)
{
    uint64_t x = 0;
    if (left(r) < bytes)
        return MQ_EINVAL;
    for (size_t i = 0; i < bytes; i++)
        x = x << 8 | *r->p++;
    *v = x;
    return 0;
}

static int made(mq_pmt **out, mq_pmt *p)
{
    *out = p;
    return p ? 0 : MQ_ENOMEM;
}

static int parse_value(struct rd *r, int depth, mq_pmt **out);

static int parse_symbol(struct rd *r, mq_pmt **out)
{
    uint64_t n;
    if (get_be(r, 2, &n) || n > left(r) || memchr(r->p, 0, n))
        return MQ_EINVAL;
    const char *s = (const char *)r->p;
    r->p += n;
    return made(out, mq_pmt_symbol_n(s, n));
}

static int parse_number(struct rd *r, uint64_t tag, mq_pmt **out)
{
    uint64_t a = 0, b = 0;
    size_t bytes = tag == PST_INT32 ? 4 : 8;
    if (get_be(r, bytes, &a) || (tag == PST_COMPLEX && get_be(r, 8, &b)))
        return MQ_EINVAL;
    switch (tag) {
    case PST_INT32:
        return made(out, mq_pmt_int((int32_t)(uint32_t)a));
    case PST_INT64: {
        int64_t i;
        memcpy(&i, &a, sizeof i);
        return made(out, mq_pmt_int(i));
    }
    case PST_UINT64:
        return made(out, mq_pmt_uint64(a));
    case PST_DOUBLE: {
        double d;
        memcpy(&d, &a, sizeof d);
        return made(out, mq_pmt_double(d));
    }
    default: {
        double re, im;
        memcpy(&re, &a, sizeof re);
        memcpy(&im, &b, sizeof im);
        return made(out, mq_pmt_complex(re, im));
    }
    }
}

/* The car and the cdr of a pair whose PST_PAIR tag was read. A cdr that is a pair
 * again (the next cell of a list) is read in this loop, as GNU Radio's parse_pair
 * does, so that a long list does not recurse: each further cell sits at
 * cdr_depth, its car one level down. */
static int parse_pair_body(struct rd *r, int car_depth, int cdr_depth, mq_pmt **car,
                           mq_pmt **cdr)
{
    mq_pmt **slot = cdr;
    *cdr = NULL;
    int rc = parse_value(r, car_depth, car);
    while (rc == 0 && left(r) > 0 && *r->p == PST_PAIR) {
        r->p++;
        mq_pmt *n = cdr_depth <= MQ_PMT_MAX_DEPTH ? node_new(MQ_PMT_PAIR) : NULL;
        if (!n) {
            rc = cdr_depth <= MQ_PMT_MAX_DEPTH ? MQ_ENOMEM : MQ_EINVAL;
            break;
        }
        *slot = n;
        rc = parse_value(r, cdr_depth + 1, &n->u.pair.car);
        slot = &n->u.pair.cdr;
    }
    if (rc == 0)
        rc = parse_value(r, cdr_depth, slot);
    if (rc) {
        mq_pmt_free(*car); /* a half-read cell has NULL car or cdr: free copes */
        mq_pmt_free(*cdr);
        *car = *cdr = NULL;
    }
    return rc;
}

static int parse_pair(struct rd *r, int depth, mq_pmt **out)
{
    mq_pmt *car, *cdr;
    int rc = parse_pair_body(r, depth + 1, depth, &car, &cdr);
    return rc ? rc : made(out, mq_pmt_pair(car, cdr));
}

/* A chain of dict cells whose first PST_DICT tag was read. Each cell's car must be
 * a plain (key . value) pair (GNU Radio's dcons insists), and the chain goes on
 * with PST_DICT, or with PST_PAIR which GNU Radio's reader also takes as a further
 * dict cell, until PST_NULL. A chain ending in anything else is an improper dict,
 * which GNU Radio builds but no dict operation of its handles: refused. */
static int parse_dict(struct rd *r, int depth, mq_pmt **out)
{
    mq_pmt *d = mq_pmt_dict();
    int rc = d ? 0 : MQ_ENOMEM;
    while (rc == 0) {
        mq_pmt *key, *value;
        uint64_t tag;
        if (get_be(r, 1, &tag) || tag != PST_PAIR) {
            rc = MQ_EINVAL;
            break;
        }
        rc = parse_pair_body(r, depth + 1, depth + 1, &key, &value);
        if (rc == 0)
            rc = dict_append(d, key, value);
        if (rc == 0 && get_be(r, 1, &tag))
            rc = MQ_EINVAL;
        if (rc == 0 && tag == PST_NULL) {
            *out = d;
            return 0;
        }
        if (rc == 0 && tag != PST_DICT && tag != PST_PAIR)
            rc = MQ_EINVAL;
    }
    mq_pmt_free(d);
    return rc;
}

/* Makes room for item i of a sequence being read: the array grows with the items
 * actually read, so a count that the input cannot back costs no memory. */
static int seq_room(mq_pmt *s, size_t i, size_t n)
{
    size_t cap = s->u.vec.n;
    if (i < cap)
        return 0;
    cap = cap < 8 ? 8 : 2 * cap;
    if (cap > n)
        cap = n;
    mq_pmt **items = realloc(s->u.vec.items, cap * sizeof *items);
    if (!items)
        return MQ_ENOMEM;
    memset(items + s->u.vec.n, 0, (cap - s->u.vec.n) * sizeof *items);
    s->u.vec.items = items;
    s->u.vec.n = cap;
    return 0;
}

static int parse_seq(struct rd *r, uint64_t tag, int depth, mq_pmt **out)
{
    uint64_t n;
    /* Every item takes a byte at least: a count the rest cannot hold is a lie. */
    if (get_be(r, 4, &n) || n > left(r))
        return MQ_EINVAL;
    mq_pmt *s = seq_new(tag == PST_VECTOR ? MQ_PMT_VECTOR : MQ_PMT_TUPLE, 0);
    int rc = s ? 0 : MQ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = seq_room(s, i, (size_t)n);
        if (rc == 0 && left(r) > 0 && *r->p == PST_NULL && depth < MQ_PMT_MAX_DEPTH)
            r->p++; /* a NULL item is a null: no node for it */
        else if (rc == 0)
            rc = parse_value(r, depth + 1, &s->u.vec.items[i]);
    }
    if (rc) {
        mq_pmt_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int parse_uvec(struct rd *r, mq_pmt **out)
{
    uint64_t t, n, npad, v = 0;
    if (get_be(r, 1, &t) || t > MQ_UVEC_C64 || get_be(r, 4, &n) || get_be(r, 1, &npad) ||
        npad > left(r))
        return MQ_EINVAL;
    r->p += npad; /* GNU Radio skips the pad bytes whatever they hold */
    size_t size = mq_uvec_item_size((mq_uvec_type)t), scalar = uvec_scalar_size((mq_uvec_type)t);
    if (n > left(r) / size)
        return MQ_EINVAL;
    mq_pmt *p = mq_pmt_uvec((mq_uvec_type)t, (size_t)n, NULL);
    if (!p)
        return MQ_ENOMEM;
    uint8_t *dst = p->u.uvec.data;
    for (size_t i = 0; i < n * (size / scalar); i++, dst += scalar) {
        get_be(r, scalar, &v); /* cannot fail: the length was checked */
        uint8_t v8 = (uint8_t)v;
        uint16_t v16 = (uint16_t)v;
        uint32_t v32 = (uint32_t)v;
        switch (scalar) {
        case 1: memcpy(dst, &v8, 1); break;
        case 2: memcpy(dst, &v16, 2); break;
        case 4: memcpy(dst, &v32, 4); break;
        default: memcpy(dst, &v, 8); break;
        }
    }
    *out = p;
    return 0;
}

static int parse_value(struct rd *r, int depth, mq_pmt **out)
{
    uint64_t tag;
    *out = NULL;
    if (depth > MQ_PMT_MAX_DEPTH || get_be(r, 1, &tag))
        return MQ_EINVAL;
    switch (tag) {
    case PST_TRUE:
    case PST_FALSE:
        return made(out, mq_pmt_bool(tag == PST_TRUE));
    case PST_NULL:
        return made(out, mq_pmt_null());
    case PST_SYMBOL:
        return parse_symbol(r, out);
    case PST_INT32:
    case PST_INT64:
    case PST_UINT64:
    case PST_DOUBLE:
    case PST_COMPLEX:
        return parse_number(r, tag, out);
    case PST_PAIR:
        return parse_pair(r, depth, out);
    case PST_DICT:
        return parse_dict(r, depth, out);
    case PST_VECTOR:
    case PST_TUPLE:
        return parse_seq(r, tag, depth, out);
    case PST_UNIFORM_VECTOR:
        return parse_uvec(r, out);
    default:
        return MQ_EINVAL; /* PST_COMMENT among them: GNU Radio does not read it either */
    }
}

int mq_pmt_deserialize(const void *buf, size_t len, mq_pmt **out, size_t *used)
{
    if (!out)
        return MQ_EINVAL;
    *out = NULL;
    if (!buf || len == 0)
        return MQ_EINVAL;
    struct rd r = { buf, (const uint8_t *)buf + len };
    int rc = parse_value(&r, 1, out);
    if (rc == 0 && used)
        *used = (size_t)(r.p - (const uint8_t *)buf);
    return rc;
}

/* ---------------------------------------------------------------- JSON out */

struct sb {
    char *s;
    size_t n, cap;
    int oom;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (n >= b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->n <= n && cap <= SIZE_MAX / 2)
            cap *= 2;
        char *ns = cap - b->n > n ? realloc(b->s, cap) : NULL;
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* snprintf's %g follows LC_NUMERIC; JSON wants '.'. */
static void c_decimal_point(char *s)
{
    const char *dp = localeconv()->decimal_point;
    size_t n = dp ? strlen(dp) : 0;
    char *at = n > 0 && strcmp(dp, ".") != 0 ? strstr(s, dp) : NULL;
    if (at) {
        *at = '.';
        memmove(at + 1, at + n, strlen(at + n) + 1);
    }
}

/* The fewest significant digits that read back as the same value (17 always do
 * for a double, 9 for a float), with ".0" added where %g leaves an integer, so the
 * text reads back as a real. Non-finite values are the strings "nan", "inf", "-inf". */
static void put_real(struct sb *b, double d, int as_float)
{
    char tmp[48];
    if (isnan(d)) {
        sb_puts(b, "\"nan\"");
        return;
    }
    if (isinf(d)) {
        sb_puts(b, d < 0 ? "\"-inf\"" : "\"inf\"");
        return;
    }
    for (int prec = as_float ? 6 : 15;; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        double back = strtod(tmp, NULL);
        if (prec >= (as_float ? 9 : 17) || (as_float ? (float)back == (float)d : back == d))
            break;
    }
    c_decimal_point(tmp);
    if (!strpbrk(tmp, ".eE"))
        strcat(tmp, ".0");
    sb_puts(b, tmp);
}

static void put_int(struct sb *b, int64_t i)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%" PRId64, i);
    sb_puts(b, tmp);
}

static void put_uint(struct sb *b, uint64_t u)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%" PRIu64, u);
    sb_puts(b, tmp);
}

/* Bytes of the well-formed UTF-8 sequence at s (the rules jansson checks: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void put_string(struct sb *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = utf8_len((const unsigned char *)s + i, n - i);
        char esc[8] = "";
        switch (c) {
        case '"': strcpy(esc, "\\\""); break;
        case '\\': strcpy(esc, "\\\\"); break;
        case '\b': strcpy(esc, "\\b"); break;
        case '\f': strcpy(esc, "\\f"); break;
        case '\n': strcpy(esc, "\\n"); break;
        case '\r': strcpy(esc, "\\r"); break;
        case '\t': strcpy(esc, "\\t"); break;
        default:
            if (c < 0x20)
                snprintf(esc, sizeof esc, "\\u%04x", c);
            else if (k == 0)
                strcpy(esc, "\xef\xbf\xbd"); /* U+FFFD: JSON cannot carry a byte that is no UTF-8 */
            break;
        }
        if (esc[0]) {
            sb_puts(b, esc);
            i += 1;
        } else {
            sb_put(b, s + i, k);
            i += k;
        }
    }
    sb_put(b, "\"", 1);
}

static void put_value(struct sb *b, const mq_pmt *p);

static void put_items(struct sb *b, mq_pmt *const *items, size_t n)
{
    sb_put(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sb_put(b, ",", 1);
        put_value(b, items[i]);
    }
    sb_put(b, "]", 1);
}

/* Whether two symbols print as the same JSON string: each byte that is no UTF-8
 * becomes U+FFFD there. */
static int same_in_json(const mq_pmt *a, const mq_pmt *b)
{
    const unsigned char *x = (const unsigned char *)a->u.sym.s;
    const unsigned char *y = (const unsigned char *)b->u.sym.s;
    size_t i = 0, j = 0, na = a->u.sym.n, nb = b->u.sym.n;
    static const unsigned char fffd[] = { 0xef, 0xbf, 0xbd };
    while (i < na && j < nb) {
        size_t ka = utf8_len(x + i, na - i), kb = utf8_len(y + j, nb - j);
        const unsigned char *ca = ka ? x + i : fffd, *cb = kb ? y + j : fffd;
        size_t la = ka ? ka : 3, lb = kb ? kb : 3;
        if (la != lb || memcmp(ca, cb, la) != 0)
            return 0;
        i += ka ? ka : 1;
        j += kb ? kb : 1;
    }
    return i == na && j == nb;
}

/* A plain object only if it reads back as this same dict and prints so again:
 * symbol keys, no two alike as JSON strings, and not a lone "$..." key (that would
 * read as a tagged form). */
static int dict_is_object(const mq_pmt *d)
{
    size_t n = d->u.dict.n;
    for (size_t i = 0; i < n; i++) {
        const mq_pmt *k = d->u.dict.kv[2 * i];
        if (k->type != MQ_PMT_SYMBOL || (n == 1 && k->u.sym.s[0] == '$'))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (same_in_json(d->u.dict.kv[2 * j], k))
                return 0;
    }
    return 1;
}

static void put_dict(struct sb *b, const mq_pmt *d)
{
    int object = dict_is_object(d);
    sb_puts(b, object ? "{" : "{\"$dict\":[");
    for (size_t i = 0; i < d->u.dict.n; i++) {
        const mq_pmt *k = d->u.dict.kv[2 * i];
        if (i > 0)
            sb_put(b, ",", 1);
        if (object) {
            put_string(b, k->u.sym.s, k->u.sym.n);
            sb_put(b, ":", 1);
        } else {
            sb_put(b, "[", 1);
            put_value(b, k);
            sb_put(b, ",", 1);
        }
        put_value(b, d->u.dict.kv[2 * i + 1]);
        if (!object)
            sb_put(b, "]", 1);
    }
    sb_puts(b, object ? "}" : "]}");
}

static void put_uvec_scalar(struct sb *b, mq_uvec_type t, const uint8_t *src)
{
    union { uint8_t u8; int8_t s8; uint16_t u16; int16_t s16; uint32_t u32; int32_t s32;
            uint64_t u64; int64_t s64; float f; double d; } v;
    memcpy(&v, src, uvec_scalar_size(t));
    switch (t) {
    case MQ_UVEC_U8: put_uint(b, v.u8); break;
    case MQ_UVEC_S8: put_int(b, v.s8); break;
    case MQ_UVEC_U16: put_uint(b, v.u16); break;
    case MQ_UVEC_S16: put_int(b, v.s16); break;
    case MQ_UVEC_U32: put_uint(b, v.u32); break;
    case MQ_UVEC_S32: put_int(b, v.s32); break;
    case MQ_UVEC_U64: put_uint(b, v.u64); break;
    case MQ_UVEC_S64: put_int(b, v.s64); break;
    case MQ_UVEC_F32:
    case MQ_UVEC_C32: put_real(b, v.f, 1); break;
    default: put_real(b, v.d, 0); break;
    }
}

static void put_uvec(struct sb *b, const mq_pmt *p)
{
    mq_uvec_type t = p->u.uvec.t;
    size_t scalar = uvec_scalar_size(t);
    size_t count = p->u.uvec.n * (mq_uvec_item_size(t) / scalar);
    sb_puts(b, "{\"$");
    sb_puts(b, mq_uvec_name(t));
    sb_puts(b, "\":[");
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            sb_put(b, ",", 1);
        put_uvec_scalar(b, t, (const uint8_t *)p->u.uvec.data + i * scalar);
    }
    sb_puts(b, "]}");
}

/* Writes a node that is not a pair. */
static void put_one(struct sb *b, const mq_pmt *p)
{
    switch (p->type) {
    case MQ_PMT_NULL: sb_puts(b, "null"); break;
    case MQ_PMT_BOOL: sb_puts(b, p->u.b ? "true" : "false"); break;
    case MQ_PMT_INT: put_int(b, p->u.i); break;
    case MQ_PMT_UINT64:
        sb_puts(b, "{\"$uint64\":");
        put_uint(b, p->u.u);
        sb_puts(b, "}");
        break;
    case MQ_PMT_DOUBLE:
        if (isfinite(p->u.d)) {
            put_real(b, p->u.d, 0);
        } else {
            sb_puts(b, "{\"$double\":");
            put_real(b, p->u.d, 0);
            sb_puts(b, "}");
        }
        break;
    case MQ_PMT_COMPLEX:
        sb_puts(b, "{\"$complex\":[");
        put_real(b, p->u.c.re, 0);
        sb_put(b, ",", 1);
        put_real(b, p->u.c.im, 0);
        sb_puts(b, "]}");
        break;
    case MQ_PMT_SYMBOL: put_string(b, p->u.sym.s, p->u.sym.n); break;
    case MQ_PMT_VECTOR: put_items(b, p->u.vec.items, p->u.vec.n); break;
    case MQ_PMT_TUPLE:
        sb_puts(b, "{\"$tuple\":");
        put_items(b, p->u.vec.items, p->u.vec.n);
        sb_puts(b, "}");
        break;
    case MQ_PMT_DICT: put_dict(b, p); break;
    case MQ_PMT_UVEC: put_uvec(b, p); break;
    default: sb_puts(b, "null"); break;
    }
}

static void put_value(struct sb *b, const mq_pmt *p)
{
    size_t open = 0;
    for (p = or_null(p); p->type == MQ_PMT_PAIR; p = or_null(p->u.pair.cdr), open++) {
        sb_puts(b, "{\"$pair\":[");
        put_value(b, p->u.pair.car);
        sb_put(b, ",", 1);
    }
    put_one(b, p);
    while (open-- > 0)
        sb_puts(b, "]}");
}

char *mq_pmt_to_json(const mq_pmt *p)
{
    struct sb b = { NULL, 0, 0, 0 };
    if (!p)
        return NULL;
    put_value(&b, p);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---------------------------------------------------------------- JSON in */

/* jansson keeps no positions and stops at integers above INT64_MAX, so a scan of
 * the text first lists where every value starts, in document order, which is the
 * order in which the conversion visits jansson's tree (objects keep their key
 * order, duplicate keys are refused). A valid integer literal above INT64_MAX is
 * noted there and blanked in a copy of the text to "0" and spaces (same length,
 * so jansson's own error positions stay right). */
struct jpos {
    size_t line, col;
    uint64_t u;  /* the value of a big integer */
    char kind;   /* '{', '[', '"', '0' (number), 'l' (true, false, null) */
    char big;
};

struct jin {
    struct jpos *pos;
    size_t npos, cap, next;
    char *err;
    size_t errlen;
};

struct jscan {
    const char *t;
    size_t len, i, line, col; /* line and col of the character before t[i] */
};

static void scan_step(struct jscan *s)
{
    unsigned char c = (unsigned char)s->t[s->i++];
    if (c == '\n') {
        s->line++;
        s->col = 0;
    } else if ((c & 0xc0) != 0x80) {
        s->col++; /* columns count characters, as jansson's do */
    }
}

static int scan_note(struct jin *c, const struct jscan *s, char kind)
{
    if (c->npos == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        struct jpos *p = cap <= SIZE_MAX / sizeof *p ? realloc(c->pos, cap * sizeof *p) : NULL;
        if (!p)
            return MQ_ENOMEM;
        c->pos = p;
        c->cap = cap;
    }
    c->pos[c->npos++] = (struct jpos){ s->line, s->col + 1, 0, kind, 0 };
    return 0;
}

static int is_json_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int is_letter(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_number_char(char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
           ch == 'E';
}

/* The value of t[0..n) if it is a JSON integer literal above INT64_MAX that fits
 * in 64 bits. */
static int big_integer(const char *t, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20 || t[0] < '1' || t[0] > '9')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(t[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return v > INT64_MAX;
}

static void scan_string(struct jscan *s)
{
    scan_step(s); /* the opening quote */
    while (s->i < s->len && s->t[s->i] != '"') {
        if (s->t[s->i] == '\\' && s->i + 1 < s->len)
            scan_step(s);
        scan_step(s);
    }
    if (s->i < s->len)
        scan_step(s);
}

static int scan_number(struct jin *c, struct jscan *s, char **copy)
{
    size_t start = s->i, n = 0;
    uint64_t v;
    int rc = scan_note(c, s, '0');
    while (s->i < s->len && is_number_char(s->t[s->i]))
        scan_step(s);
    n = s->i - start;
    if (rc || !big_integer(s->t + start, n, &v))
        return rc;
    if (!*copy) {
        *copy = malloc(s->len);
        if (!*copy)
            return MQ_ENOMEM;
        memcpy(*copy, s->t, s->len);
    }
    (*copy)[start] = '0';
    memset(*copy + start + 1, ' ', n - 1);
    c->pos[c->npos - 1].big = 1;
    c->pos[c->npos - 1].u = v;
    return 0;
}

static int scan_values(struct jin *c, const char *t, size_t len, char **copy)
{
    struct jscan s = { t, len, 0, 1, 0 };
    int rc = 0;
    while (rc == 0 && s.i < len) {
        char ch = t[s.i];
        if (ch == '"') {
            struct jscan at = s;
            scan_string(&s);
            size_t j = s.i;
            while (j < len && is_json_space(t[j]))
                j++;
            if (j == len || t[j] != ':') /* else it is a key, not a value */
                rc = scan_note(c, &at, '"');
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
            rc = scan_number(c, &s, copy);
        } else if (is_letter(ch)) {
            rc = scan_note(c, &s, 'l');
            while (s.i < len && is_letter(t[s.i]))
                scan_step(&s);
        } else {
            if (ch == '[' || ch == '{')
                rc = scan_note(c, &s, ch);
            scan_step(&s);
        }
    }
    return rc;
}

static int jfail(struct jin *c, size_t idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int jfail(struct jin *c, size_t idx, const char *fmt, ...)
{
    if (c->err && c->errlen > 0) {
        size_t line = idx < c->npos ? c->pos[idx].line : 0;
        size_t col = idx < c->npos ? c->pos[idx].col : 0;
        int k = snprintf(c->err, c->errlen, "line %zu, column %zu: ", line, col);
        if (k >= 0 && (size_t)k < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return MQ_EINVAL;
}

static int jnomem(struct jin *c)
{
    if (c->err && c->errlen > 0)
        snprintf(c->err, c->errlen, "out of memory");
    return MQ_ENOMEM;
}

static int jmade(struct jin *c, mq_pmt **out, mq_pmt *p)
{
    *out = p;
    return p ? 0 : jnomem(c);
}

/* Takes the next position for j, which must be of the kind the scan saw there. */
static int visit(struct jin *c, const json_t *j, size_t *idx)
{
    static const char kind[] = { [JSON_OBJECT] = '{', [JSON_ARRAY] = '[', [JSON_STRING] = '"',
                                 [JSON_INTEGER] = '0', [JSON_REAL] = '0', [JSON_TRUE] = 'l',
                                 [JSON_FALSE] = 'l', [JSON_NULL] = 'l' };
    size_t i = c->next++;
    *idx = i;
    if (i >= c->npos || c->pos[i].kind != kind[json_typeof(j)])
        return jfail(c, i, "internal error: the scan lost its place");
    return 0;
}

static int conv(struct jin *c, json_t *j, int depth, mq_pmt **out);

/* A number, or "nan", "inf", "-inf", for a double or a float element. */
static int conv_real(struct jin *c, json_t *j, const char *what, double *d)
{
    size_t me;
    int rc = visit(c, j, &me);
    const char *s = json_string_value(j);
    if (rc)
        return rc;
    if (json_is_integer(j))
        *d = c->pos[me].big ? (double)c->pos[me].u : (double)json_integer_value(j);
    else if (json_is_real(j))
        *d = json_real_value(j);
    else if (s && strcmp(s, "nan") == 0)
        *d = NAN;
    else if (s && strcmp(s, "inf") == 0)
        *d = INFINITY;
    else if (s && strcmp(s, "-inf") == 0)
        *d = -INFINITY;
    else
        return jfail(c, me, "%s wants a number (or \"nan\", \"inf\", \"-inf\")", what);
    return 0;
}

/* The array that is the value of a tag, visited; n its length, or any if n < 0. */
static int tag_array(struct jin *c, json_t *j, const char *tag, long n, const char *shape)
{
    size_t me;
    int rc = visit(c, j, &me);
    if (rc)
        return rc;
    if (!json_is_array(j) || (n >= 0 && json_array_size(j) != (size_t)n))
        return jfail(c, me, "%s wants %s", tag, shape);
    return 0;
}

static int conv_items(struct jin *c, json_t *arr, mq_pmt_type t, int depth, mq_pmt **out)
{
    size_t n = json_array_size(arr);
    mq_pmt *s = seq_new(t, n);
    if (!s)
        return jnomem(c);
    for (size_t i = 0; i < n; i++) {
        int rc = conv(c, json_array_get(arr, i), depth + 1, &s->u.vec.items[i]);
        if (rc) {
            mq_pmt_free(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

static int conv_integer_elem(struct jin *c, json_t *j, mq_uvec_type t, const char *tag,
                             void *dst)
{
    static const int64_t lo[] = { 0, INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0, INT64_MIN };
    static const uint64_t hi[] = { UINT8_MAX, INT8_MAX, UINT16_MAX, INT16_MAX,
                                   UINT32_MAX, INT32_MAX, UINT64_MAX, INT64_MAX };
    size_t me;
    int rc = visit(c, j, &me);
    if (rc)
        return rc;
    if (!json_is_integer(j))
        return jfail(c, me, "%s wants integers", tag);
    uint64_t u = c->pos[me].u;
    int64_t i = json_integer_value(j);
    if (c->pos[me].big ? u > hi[t] : (i < lo[t] || (i > 0 && (uint64_t)i > hi[t]))) {
        if (c->pos[me].big)
            return jfail(c, me, "%s element %" PRIu64 " is out of range", tag, u);
        return jfail(c, me, "%s element %" PRId64 " is out of range", tag, i);
    }
    if (!c->pos[me].big)
        u = (uint64_t)i; /* two's complement: the low bytes are the narrow value */
    uint8_t v8 = (uint8_t)u;
    uint16_t v16 = (uint16_t)u;
    uint32_t v32 = (uint32_t)u;
    switch (mq_uvec_item_size(t)) {
    case 1: memcpy(dst, &v8, 1); break;
    case 2: memcpy(dst, &v16, 2); break;
    case 4: memcpy(dst, &v32, 4); break;
    default: memcpy(dst, &u, 8); break;
    }
    return 0;
}

static int conv_real_elem(struct jin *c, json_t *j, mq_uvec_type t, const char *tag, void *dst)
{
    double d;
    size_t me = c->next;
    int rc = conv_real(c, j, tag, &d);
    if (rc)
        return rc;
    if (t == MQ_UVEC_F32 || t == MQ_UVEC_C32) {
        /* Below this a double rounds to a finite float; at or above, to infinity. */
        if (isfinite(d) && fabs(d) >= 0x1.ffffffp127)
            return jfail(c, me, "%s element %g is out of range", tag, d);
        float f = (float)d;
        memcpy(dst, &f, sizeof f);
    } else {
        memcpy(dst, &d, sizeof d);
    }
    return 0;
}

static int conv_uvec(struct jin *c, mq_uvec_type t, const char *tag, json_t *arr,
                     mq_pmt **out)
{
    int cplx = t == MQ_UVEC_C32 || t == MQ_UVEC_C64;
    int rc = tag_array(c, arr, tag, -1, cplx ? "a list of numbers: re, im, re, im..."
                                              : "a list of numbers");
    size_t n = json_array_size(arr), scalar = uvec_scalar_size(t);
    if (rc)
        return rc;
    if (cplx && n % 2)
        return jfail(c, c->next - 1, "%s wants an even count of numbers: re, im, re, im...", tag);
    mq_pmt *v = mq_pmt_uvec(t, cplx ? n / 2 : n, NULL);
    if (!v)
        return jnomem(c);
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t *dst = (uint8_t *)v->u.uvec.data + i * scalar;
        json_t *e = json_array_get(arr, i);
        rc = t >= MQ_UVEC_F32 ? conv_real_elem(c, e, t, tag, dst)
                              : conv_integer_elem(c, e, t, tag, dst);
    }
    if (rc) {
        mq_pmt_free(v);
        return rc;
    }
    *out = v;
    return 0;
}

static int conv_uint64(struct jin *c, json_t *j, mq_pmt **out)
{
    size_t me;
    int rc = visit(c, j, &me);
    if (rc)
        return rc;
    if (json_is_integer(j) && c->pos[me].big)
        return jmade(c, out, mq_pmt_uint64(c->pos[me].u));
    if (json_is_integer(j) && json_integer_value(j) >= 0)
        return jmade(c, out, mq_pmt_uint64((uint64_t)json_integer_value(j)));
    return jfail(c, me, "$uint64 wants an integer from 0 to %" PRIu64, UINT64_MAX);
}

static int conv_complex(struct jin *c, json_t *arr, mq_pmt **out)
{
    double re, im;
    int rc = tag_array(c, arr, "$complex", 2, "[re, im]");
    if (rc == 0)
        rc = conv_real(c, json_array_get(arr, 0), "$complex", &re);
    if (rc == 0)
        rc = conv_real(c, json_array_get(arr, 1), "$complex", &im);
    return rc ? rc : jmade(c, out, mq_pmt_complex(re, im));
}

static int conv_pair(struct jin *c, json_t *arr, int depth, mq_pmt **out)
{
    mq_pmt *car = NULL, *cdr = NULL;
    int rc = tag_array(c, arr, "$pair", 2, "[car, cdr]");
    if (rc == 0)
        rc = conv(c, json_array_get(arr, 0), depth + 1, &car);
    if (rc == 0)
        rc = conv(c, json_array_get(arr, 1), depth, &cdr); /* a cdr is no deeper */
    if (rc) {
        mq_pmt_free(car);
        return rc;
    }
    return jmade(c, out, mq_pmt_pair(car, cdr));
}

static int conv_dict_list(struct jin *c, json_t *arr, int depth, mq_pmt **out)
{
    int rc = tag_array(c, arr, "$dict", -1, "a list of [key, value]");
    mq_pmt *d = rc ? NULL : mq_pmt_dict();
    if (rc)
        return rc;
    if (!d)
        return jnomem(c);
    for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
        json_t *e = json_array_get(arr, i);
        mq_pmt *k = NULL, *v = NULL;
        rc = tag_array(c, e, "$dict", 2, "a list of [key, value]");
        if (rc == 0)
            rc = conv(c, json_array_get(e, 0), depth + 1, &k);
        if (rc == 0)
            rc = conv(c, json_array_get(e, 1), depth + 1, &v);
        if (rc == 0 && dict_append(d, k, v) != 0)
            rc = jnomem(c);
        else if (rc)
            mq_pmt_free(k);
    }
    if (rc) {
        mq_pmt_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* An object whose one key starts with '$'. */
static int conv_tagged(struct jin *c, json_t *obj, size_t me, int depth, mq_pmt **out)
{
    void *it = json_object_iter(obj);
    const char *tag = json_object_iter_key(it);
    json_t *v = json_object_iter_value(it);
    if (strcmp(tag, "$uint64") == 0)
        return conv_uint64(c, v, out);
    if (strcmp(tag, "$double") == 0) {
        double d;
        int rc = conv_real(c, v, "$double", &d);
        return rc ? rc : jmade(c, out, mq_pmt_double(d));
    }
    if (strcmp(tag, "$complex") == 0)
        return conv_complex(c, v, out);
    if (strcmp(tag, "$pair") == 0)
        return conv_pair(c, v, depth, out);
    if (strcmp(tag, "$dict") == 0)
        return conv_dict_list(c, v, depth, out);
    if (strcmp(tag, "$tuple") == 0) {
        int rc = tag_array(c, v, "$tuple", -1, "a list");
        return rc ? rc : conv_items(c, v, MQ_PMT_TUPLE, depth, out);
    }
    for (int t = MQ_UVEC_U8; t <= MQ_UVEC_C64; t++)
        if (strcmp(tag + 1, mq_uvec_name((mq_uvec_type)t)) == 0)
            return conv_uvec(c, (mq_uvec_type)t, tag, v, out);
    return jfail(c, me, "unknown tag \"%s\" (a dict with this one key is written "
                        "{\"$dict\": [[key, value]]})", tag);
}

static int conv_symbol(struct jin *c, const char *s, size_t n, size_t me, mq_pmt **out)
{
    if (n > MQ_PMT_SYMBOL_MAX)
        return jfail(c, me, "string longer than %d bytes", MQ_PMT_SYMBOL_MAX);
    return jmade(c, out, mq_pmt_symbol_n(s, n)); /* jansson let no NUL through */
}

static int conv_object(struct jin *c, json_t *obj, int depth, mq_pmt **out)
{
    mq_pmt *d = mq_pmt_dict();
    const char *key;
    json_t *v;
    int rc = d ? 0 : jnomem(c);
    json_object_foreach(obj, key, v) {
        mq_pmt *k = NULL, *val = NULL;
        if (rc == 0)
            rc = conv_symbol(c, key, strlen(key), c->next, &k);
        if (rc == 0)
            rc = conv(c, v, depth + 1, &val);
        if (rc == 0 && dict_append(d, k, val) != 0)
            rc = jnomem(c);
        else if (rc)
            mq_pmt_free(k);
        if (rc)
            break;
    }
    if (rc) {
        mq_pmt_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static int conv(struct jin *c, json_t *j, int depth, mq_pmt **out)
{
    size_t me;
    int rc = visit(c, j, &me);
    *out = NULL;
    if (rc)
        return rc;
    if (depth > MQ_PMT_MAX_DEPTH)
        return jfail(c, me, "nested deeper than %d levels", MQ_PMT_MAX_DEPTH);
    switch (json_typeof(j)) {
    case JSON_NULL:
        return jmade(c, out, mq_pmt_null());
    case JSON_TRUE:
    case JSON_FALSE:
        return jmade(c, out, mq_pmt_bool(json_is_true(j)));
    case JSON_INTEGER:
        if (c->pos[me].big)
            return jmade(c, out, mq_pmt_uint64(c->pos[me].u));
        return jmade(c, out, mq_pmt_int(json_integer_value(j)));
    case JSON_REAL:
        return jmade(c, out, mq_pmt_double(json_real_value(j)));
    case JSON_STRING:
        return conv_symbol(c, json_string_value(j), json_string_length(j), me, out);
    case JSON_ARRAY:
        return conv_items(c, j, MQ_PMT_VECTOR, depth, out);
    default: {
        void *it = json_object_iter(j);
        if (json_object_size(j) == 1 && json_object_iter_key(it)[0] == '$')
            return conv_tagged(c, j, me, depth, out);
        return conv_object(c, j, depth, out);
    }
    }
}

int mq_pmt_from_json(const char *text, size_t len, mq_pmt **out, char *err, size_t errlen)
{
    struct jin c = { NULL, 0, 0, 0, err, errlen };
    char *copy = NULL;
    json_error_t je;
    json_t *j = NULL;
    int rc;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!out)
        return MQ_EINVAL;
    *out = NULL;
    if (!text)
        text = "", len = 0;
    rc = scan_values(&c, text, len, &copy);
    if (rc == 0) {
        /* No JSON_ALLOW_NUL: a symbol is a C string. Nesting is bounded by jansson
         * (2048) while parsing and by MQ_PMT_MAX_DEPTH while converting. */
        j = json_loadb(copy ? copy : text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        /* Some of jansson's allocation failures leave no message at all. */
        if (!j && (json_error_code(&je) == json_error_out_of_memory || je.text[0] == '\0'))
            rc = MQ_ENOMEM;
        else if (!j && err && errlen > 0)
            snprintf(err, errlen, "line %d, column %d: %s", je.line, je.column, je.text);
        if (!j && rc == 0)
            rc = MQ_EINVAL;
    }
    if (rc == MQ_ENOMEM)
        jnomem(&c);
    if (j) {
        rc = conv(&c, j, 1, out);
        if (rc == 0 && c.next != c.npos) {
            mq_pmt_free(*out);
            *out = NULL;
            rc = jfail(&c, c.next, "internal error: the scan saw more values");
        }
        json_decref(j);
    }
    free(copy);
    free(c.pos);
    return rc;
}
