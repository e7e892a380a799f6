/* python_window.c - the items a Python block's work call sees on each input.
 *
 * mq hands a block one buffer per input at a time; GNU Radio's general_work sees
 * all the items its input holds, and a decimator that consumes only whole groups
 * leaves a few behind for the next call, which sees them again with what came
 * since. The window gives a Python block the same: normally the current buffer
 * itself (a view of the arena, no copy), consumed in part with mq_in_consume; but a
 * call that used nothing and made nothing wants more than the buffer holds, so what
 * it was given is copied aside (the stage), with its tags and stamp, and the next
 * buffer is appended to it there until calls have used it up. Only items a block
 * leaves behind are ever copied.
 *
 * The stage is the block's state, as a C decimator's count or a filter's history
 * is: the runtime has consumed those buffers, and a block that dies loses what it
 * held, as a C block without a checkpoint does (doc/python.md).
 */
#include <stdlib.h>
#include <string.h>

#include "python_block.h"

static void tag_free(struct py_tag *t)
{
    mq_pmt_free(t->key);
    mq_pmt_free(t->value);
    mq_pmt_free(t->srcid);
}

void py_window_free(struct py_input *in)
{
    for (size_t k = 0; k < in->n_tags; k++)
        tag_free(&in->tags[k]);
    free(in->tags);
    free(in->stage);
    memset(in, 0, sizeof *in);
}

/* Copies the tags of input i's current buffer on [start, end) to the stage's. */
static int stage_tags(struct py_block *b, int i, uint64_t start, uint64_t end)
{
    struct py_input *in = &b->in[i];
    const mq_tag *tags;
    int n = mq_in_tags(b->c, i, start, end, &tags);

    if (n < 0)
        return -1;
    if (in->n_tags + (size_t)n > in->cap_tags) {
        size_t cap = (in->n_tags + (size_t)n) * 2;
        struct py_tag *t = realloc(in->tags, cap * sizeof *t);
        if (!t) {
            mq_block_error(b->c, "input %d: out of memory for the tags kept aside", i);
            return -1;
        }
        in->tags = t;
        in->cap_tags = cap;
    }
    for (int k = 0; k < n; k++) {
        struct py_tag t = {tags[k].offset, mq_pmt_copy(tags[k].key), mq_pmt_copy(tags[k].value),
                           tags[k].srcid ? mq_pmt_copy(tags[k].srcid) : NULL};
        if (!t.key || !t.value || (tags[k].srcid && !t.srcid)) {
            tag_free(&t);
            mq_block_error(b->c, "input %d: out of memory for the tags kept aside", i);
            return -1;
        }
        in->tags[in->n_tags++] = t;
    }
    return 0;
}

/* Appends n items at p (offset `off`, stamped ts) to input i's stage. */
static int stage_append(struct py_block *b, int i, const void *p, size_t n, uint64_t off,
                        const mq_timestamp *ts)
{
    struct py_input *in = &b->in[i];

    if ((in->st_n + n) * in->isz > MQ_PYTHON_MAX_STAGE) {
        mq_block_error(b->c, "input %d: work was given %zu items and used none; a block may "
                       "leave at most %d bytes unused", i, in->st_n + n, MQ_PYTHON_MAX_STAGE);
        return -1;
    }
    if (in->st_n + n > in->st_cap) {
        size_t cap = (in->st_n + n) * 2;
        char *s = realloc(in->stage, cap * in->isz);
        if (!s) {
            mq_block_error(b->c, "input %d: out of memory for the items kept aside", i);
            return -1;
        }
        in->stage = s;
        in->st_cap = cap;
    }
    if (in->st_n == 0) {
        in->st_off = off;
        in->st_ts = *ts;
    }
    memcpy(in->stage + in->st_n * in->isz, p, n * in->isz);
    in->st_n += n;
    return stage_tags(b, i, off, off + n);
}

int py_window_open(struct py_block *b, int i)
{
    struct py_input *in = &b->in[i];
    size_t n = 0;
    const void *p = mq_in_items(b->c, i, &n);
    uint64_t off = mq_in_nitems_read(b->c, i);
    mq_timestamp ts = {.type = MQ_TS_NONE};

    if (!p)
        n = 0;
    mq_in_timestamp(b->c, i, &ts);
    in->staged = in->st_n > 0;
    if (!in->staged) {
        in->win = p;
        in->win_n = n;
        in->win_off = off;
        in->win_ts = ts;
        return 0;
    }
    /* the buffer joins the stage, and the runtime consumes it whole */
    if (n && stage_append(b, i, p, n, off, &ts) < 0)
        return -1;
    in->win = in->stage;
    in->win_n = in->st_n;
    in->win_off = in->st_off;
    in->win_ts = in->st_ts;
    return 0;
}

/* The stage less its first `used` items. */
static void stage_drop(struct py_input *in, size_t used)
{
    size_t keep = 0;

    if (used == 0)
        return;
    mq_ts_items(&in->st_ts, in->st_n, (double)used, 1, in->st_n - used, &in->st_ts);
    memmove(in->stage, in->stage + used * in->isz, (in->st_n - used) * in->isz);
    in->st_n -= used;
    in->st_off += used;
    for (size_t k = 0; k < in->n_tags; k++) {
        if (in->tags[k].offset < in->st_off)
            tag_free(&in->tags[k]);
        else
            in->tags[keep++] = in->tags[k];
    }
    in->n_tags = keep;
}

int py_window_close(struct py_block *b, int i, size_t used, int keep)
{
    struct py_input *in = &b->in[i];

    if (in->staged) {
        stage_drop(in, used);
        return 0;
    }
    if (keep)
        return in->win_n ? stage_append(b, i, in->win, in->win_n, in->win_off, &in->win_ts)
                         : 0;
    if (used < in->win_n)
        return mq_in_consume_items(b->c, i, used) < 0 ? -1 : 0;
    return 0;
}

static PyObject *tag_tuple(uint64_t offset, const mq_pmt *key, const mq_pmt *value,
                           const mq_pmt *srcid)
{
    PyObject *k = py_from_pmt(key), *v = k ? py_from_pmt(value) : NULL;
    PyObject *s = !v ? NULL : srcid && mq_pmt_type_of(srcid) != MQ_PMT_BOOL
                                  ? py_from_pmt(srcid)
                                  : (Py_INCREF(Py_None), Py_None);
    PyObject *t = s ? Py_BuildValue("KOOO", (unsigned long long)offset, k, v, s) : NULL;

    Py_XDECREF(k);
    Py_XDECREF(v);
    Py_XDECREF(s);
    return t;
}

static int add(PyObject *list, PyObject *t)
{
    int rc = t ? PyList_Append(list, t) : -1;
    Py_XDECREF(t);
    return rc;
}

PyObject *py_window_tags(struct py_block *b, int i, uint64_t start, uint64_t end)
{
    struct py_input *in = &b->in[i];
    PyObject *list = PyList_New(0);
    const mq_tag *tags;
    int n;

    if (!list)
        return NULL;
    if (in->staged) {
        for (size_t k = 0; k < in->n_tags; k++) {
            const struct py_tag *t = &in->tags[k];
            if (t->offset >= start && t->offset < end &&
                add(list, tag_tuple(t->offset, t->key, t->value, t->srcid)) < 0)
                goto fail;
        }
        return list;
    }
    if ((n = mq_in_tags(b->c, i, start, end, &tags)) < 0) {
        PyErr_Format(PyExc_RuntimeError, "the tags of input %d cannot be read", i);
        goto fail;
    }
    for (int k = 0; k < n; k++)
        if (add(list, tag_tuple(tags[k].offset, tags[k].key, tags[k].value, tags[k].srcid)) < 0)
            goto fail;
    return list;
fail:
    Py_DECREF(list);
    return NULL;
}
