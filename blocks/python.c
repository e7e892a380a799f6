/* python - a block written in Python: a class derived from mq.sync_block or
 * mq.basic_block, GNU Radio's gr.sync_block and gr.basic_block (doc/python.md).
 *
 *   gain: {type: python, params: {path: gain.py, class: Gain, args: {k: 2.0}}}
 *
 * The class declares its parameters (its __init__'s arguments) and its ports (in
 * __init__), so this module's declaration is made per block from the file, by its
 * specializer in the validator's helper process (python_declare.c). This file is
 * the block in its own process: init imports the class, makes the instance and
 * checks that its ports are still those the graph was checked with; work calls
 * work or general_work with numpy arrays that are views of the arena's buffers.
 *
 * Each block is its own process and so has its own interpreter: no GIL is shared
 * with any other block (GNU Radio runs all its Python blocks in one interpreter:
 * GNU Radio issues #3435, #5133).
 */
#include <complex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "python_block.h"

static const int npy_of[] = {
    [MQ_ITEM_U8] = NPY_UINT8,     [MQ_ITEM_I16] = NPY_INT16,   [MQ_ITEM_I32] = NPY_INT32,
    [MQ_ITEM_F32] = NPY_FLOAT32,  [MQ_ITEM_F64] = NPY_FLOAT64, [MQ_ITEM_C32] = NPY_COMPLEX64,
};

/* The items of a source's output arrays, unless the class says (max_noutput_items). */
#define DEFAULT_ITEMS 1024

/* ---- the block's process: the instance ---------------------------------------------- */

/* The instance's ports against those the graph was checked with, and their types
 * into b. */
static int take_ports(struct py_block *b, mq_block_ctx *c, PyObject *ports, char *err,
                      size_t len)
{
    for (int dir = 0; dir < 2; dir++) {
        PyObject *list = PyTuple_GET_ITEM(ports, dir);
        int n = 0, nmsg = 0, want = dir ? mq_block_n_outputs(c) : mq_block_n_inputs(c);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
            PyObject *t = PyList_GET_ITEM(list, i);
            const char *type = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 1));
            size_t vlen = (size_t)PyLong_AsLong(PyTuple_GET_ITEM(t, 2));
            int it = type && !strcmp(type, "msg") ? MQ_ITEM_MSG : mq_item_parse(type ? type : "");
            mq_item_type now = dir ? mq_block_out_type(c, (int)i) : mq_block_in_type(c, (int)i);
            size_t vnow = it == MQ_ITEM_MSG ? 1 : dir ? mq_block_out_vlen(c, (int)i)
                                                      : mq_block_in_vlen(c, (int)i);
            if ((int)now != it || vnow != vlen) {
                snprintf(err, len, "%s's %s %d is %s x %zu now, but the graph was checked with "
                         "%s x %zu (the class changed since?)", b->cls_name,
                         dir ? "output" : "input", (int)i, type ? type : "?", vlen,
                         now == MQ_ITEM_MSG ? "msg" : mq_item_name(now), vnow);
                return -1;
            }
            if (it == MQ_ITEM_MSG) {
                nmsg++;
                continue;
            }
            if (dir) {
                b->out_type[n] = (mq_item_type)it;
                b->out_vlen[n] = vlen;
            } else {
                b->in[n] = (struct py_input){.type = (mq_item_type)it, .vlen = vlen,
                                             .isz = mq_block_in_item_size(c, n)};
            }
            n++;
        }
        if (n != want) {
            snprintf(err, len, "%s has %d stream %ss now, but the graph was checked with %d "
                     "(the class changed since?)", b->cls_name, n, dir ? "output" : "input",
                     want);
            return -1;
        }
        *(dir ? &b->n_out : &b->n_in) = n;
        if (!dir)
            b->n_msg_in = nmsg;
    }
    return 0;
}

/* Imports the class, makes the instance with the block's parameters and checks its
 * ports. */
static int make_instance(struct py_block *b, mq_block_ctx *c, char *err, size_t len)
{
    const char *param, *path = mq_param_s(c, PY_P_PATH), *name = mq_param_s(c, PY_P_CLASS);
    PyObject *cls = py_load_class(path, name, err, len, &param);
    PyObject *kw = NULL, *a = NULL, *ports = NULL, *mq = NULL, *sync = NULL;
    int rc = -1;

    if (!cls)
        return -1;
    snprintf(b->cls_name, sizeof b->cls_name, "%s", name);
    if (!(b->plist = py_call1("params_of", cls, err, len, &param)))
        goto out;
    if (!(kw = py_args_of(c, b->plist)) || !(a = PyTuple_Pack(2, cls, kw))) {
        py_error(err, len, "the class's arguments cannot be made:");
        goto out;
    }
    if (!(b->obj = py_call_declare("make", a, err, len, &param)) ||
        !(ports = py_call1("ports_of", b->obj, err, len, &param)) ||
        take_ports(b, c, ports, err, len) < 0)
        goto out;
    if (!(mq = PyImport_ImportModule("mq")) || !(sync = PyObject_GetAttrString(mq, "sync_block"))) {
        py_error(err, len, "the mq package cannot be imported:");
        goto out;
    }
    b->sync = PyObject_IsInstance(b->obj, sync) == 1;
    if (!(b->call = PyObject_GetAttrString(b->obj, b->sync ? "work" : "general_work"))) {
        py_error(err, len, "");
        goto out;
    }
    rc = 0;
out:
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(a);
    Py_XDECREF(ports);
    Py_XDECREF(mq);
    Py_XDECREF(sync);
    return rc;
}

/* Calls the instance's method `name` (start, stop): False or an exception fails. */
static int call_hook(struct py_block *b, const char *name, char *err, size_t len)
{
    PyObject *r = PyObject_CallMethod(b->obj, name, NULL);
    char what[256];

    snprintf(what, sizeof what, "%s.%s raised an exception:", b->cls_name, name);
    if (!r) {
        py_error(err, len, what);
        return -1;
    }
    int no = r == Py_False;
    Py_DECREF(r);
    if (no)
        snprintf(err, len, "%s.%s() returned False", b->cls_name, name);
    return no ? -1 : 0;
}

/* The heartbeat while the interpreter starts and the class's imports run: numpy
 * alone takes 0.15 s and scipy or torch seconds, more than the supervisor's
 * timeout (2 s by default) allows a block without a beat. For MQ_PYTHON_START_MAX_S
 * at most: an __init__ that hangs longer is killed as hung, as any block is. */
struct beat {
    mq_arena *a;
    pthread_t thread;
    atomic_int stop;
};

static void *beating(void *arg)
{
    struct beat *bt = arg;
    struct timespec tick = {0, 50000000};

    for (int i = 0; i < MQ_PYTHON_START_MAX_S * 20 && !atomic_load(&bt->stop); i++) {
        mq_arena_heartbeat(bt->a);
        nanosleep(&tick, NULL);
    }
    return NULL;
}

/* The interpreter, the instance and the class's start(), while a thread beats. */
static int start_block(struct py_block *b, mq_block_ctx *c, char *err, size_t len)
{
    int rc;

    if (py_start(err, len) < 0)
        return -1;
    b->started = 1;
    py_enter(b, c);
    rc = make_instance(b, c, err, len);
    if (rc == 0)
        rc = call_hook(b, "start", err, len);
    py_leave(b);
    return rc;
}

static int init(mq_block_ctx *c, void **state)
{
    struct py_block *b = calloc(1, sizeof *b);
    struct beat bt = {.a = mq_block_arena(c)};
    char err[MQ_BLOCK_ERROR_MAX];
    int rc, beats;

    if (!(*state = b))
        return -1;
    b->interp = b->decim = 1;
    beats = pthread_create(&bt.thread, NULL, beating, &bt) == 0;
    rc = start_block(b, c, err, sizeof err);
    atomic_store(&bt.stop, 1);
    if (beats)
        pthread_join(bt.thread, NULL);
    if (rc < 0)
        mq_block_error(c, "%s", err);
    return rc;
}

/* ---- work ------------------------------------------------------------------------- */

static PyObject *array(const void *data, size_t n, mq_item_type t, size_t vlen, int writable)
{
    npy_intp dims[2] = {(npy_intp)n, (npy_intp)vlen};

    return PyArray_New(&PyArray_Type, vlen > 1 ? 2 : 1, dims, npy_of[t], NULL, (void *)data, 0,
                       writable ? NPY_ARRAY_CARRAY : NPY_ARRAY_CARRAY_RO, NULL);
}

/* The most items output o's buffers can hold: the largest pool's. */
static size_t out_cap(struct py_block *b, int o)
{
    const mq_layout *l = mq_arena_layout(mq_block_arena(b->c));
    return (size_t)(l->pools[l->n_pools - 1].size / mq_block_out_item_size(b->c, o));
}

/* The class's max_noutput_items (0: not set). */
static size_t max_items(struct py_block *b)
{
    PyObject *m = PyObject_GetAttrString(b->obj, "_mq_max_items");
    long v = m ? PyLong_AsLong(m) : 0;

    Py_XDECREF(m);
    PyErr_Clear();
    return v > 0 ? (size_t)v : 0;
}

/* The items of this call's output arrays; of the input arrays too (*n_in) for a
 * sync_block, which gets as many on every port. */
static size_t call_items(struct py_block *b, size_t *n_in)
{
    size_t lo = (size_t)-1, hi = 0, max = max_items(b), n;

    for (int i = 0; i < b->n_in; i++) {
        lo = b->in[i].win_n < lo ? b->in[i].win_n : lo;
        hi = b->in[i].win_n > hi ? b->in[i].win_n : hi;
    }
    if (b->n_in == 0)
        n = max ? max : DEFAULT_ITEMS;
    else if (b->sync)
        n = lo;
    else
        n = (size_t)((hi * b->interp + b->decim - 1) / b->decim);
    if (!b->sync && max && n > max)
        n = max;
    for (int o = 0; o < b->n_out; o++)
        if (out_cap(b, o) < n)
            n = out_cap(b, o);
    *n_in = b->sync && b->n_in ? n : 0;
    return n;
}

/* The lists of arrays for the call: inputs read-only (n_in items each for a
 * sync_block, the whole window for a basic_block), outputs writable. */
static int make_lists(struct py_block *b, size_t n_in, PyObject **ins, PyObject **outs)
{
    *ins = PyList_New(b->n_in);
    *outs = PyList_New(b->n_out);
    for (int i = 0; *ins && i < b->n_in; i++) {
        struct py_input *in = &b->in[i];
        PyObject *a = array(in->win, b->sync ? n_in : in->win_n, in->type, in->vlen, 0);
        if (!a)
            return -1;
        PyList_SET_ITEM(*ins, i, a);
    }
    for (int o = 0; *outs && o < b->n_out; o++) {
        void *p = mq_out_alloc_items(b->c, o, b->nout);
        PyObject *a = p ? array(p, b->nout, b->out_type[o], b->out_vlen[o], 1) : NULL;
        if (!a)
            return -1;
        PyList_SET_ITEM(*outs, o, a);
    }
    return *ins && *outs ? 0 : -1;
}

/* Whether the call kept a list or an array (a slice of one holds it too): they are
 * the arena's buffers, lent for the call. */
static int kept_views(struct py_block *b, PyObject *list, const char *name)
{
    int bad = Py_REFCNT(list) > 1 ? -1 : -2;

    for (Py_ssize_t i = 0; bad == -2 && i < PyList_GET_SIZE(list); i++)
        if (Py_REFCNT(PyList_GET_ITEM(list, i)) > 1)
            bad = (int)i;
    if (bad == -2)
        return 0;
    if (bad == -1)
        mq_block_error(b->c, "%s.%s kept %s after it returned: its arrays are views of the "
                       "arena's buffers, lent for the call only (keep a copy: numpy.array(x))",
                       b->cls_name, b->sync ? "work" : "general_work", name);
    else
        mq_block_error(b->c, "%s.%s kept %s[%d] (or a view of it) after it returned: it is a "
                       "view of the arena's buffer, lent for the call only (keep a copy: "
                       "numpy.array(x))", b->cls_name, b->sync ? "work" : "general_work", name,
                       bad);
    return -1;
}

/* What the call returned (an int, or numpy's), as produced and consumed items; 1
 * for WORK_DONE. */
static int account(struct py_block *b, PyObject *r)
{
    const char *fn = b->sync ? "work" : "general_work";
    PyObject *n = PyNumber_Index(r);
    long long k = n ? PyLong_AsLongLong(n) : -3;

    Py_XDECREF(n);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        mq_block_error(b->c, "%s.%s returned %.40s, not a number of items", b->cls_name, fn,
                       Py_TYPE(r)->tp_name);
        return -1;
    }
    if (k == -1) /* WORK_DONE */
        return 1;
    if (!b->sync && k == -2 && b->produce_called) /* WORK_CALLED_PRODUCE */
        return 0;
    if (k < 0 || (size_t)k > b->nout || (!b->sync && b->produce_called)) {
        mq_block_error(b->c, "%s.%s returned %lld%s; its output arrays hold %zu items", b->cls_name,
                       fn, k, b->produce_called ? " after produce() (return mq.WORK_CALLED_PRODUCE)"
                                                : "", b->nout);
        return -1;
    }
    for (int o = 0; o < b->n_out; o++)
        b->produced[o] = (size_t)k;
    for (int i = 0; b->sync && i < b->n_in; i++)
        b->consumed[i] = (size_t)k;
    return 0;
}

/* The stamp of what output o sends (k items): the class's, or as mq's blocks stamp
 * theirs: a sync_block's are input 0's, cut to the items; a basic_block's count
 * its own items (a sample index) or place the first item's time at the rate; a
 * source's are sample indexes. */
static void out_stamp(struct py_block *b, int o, size_t k, mq_timestamp *ts)
{
    const struct py_input *in = &b->in[0];
    int64_t written = (int64_t)mq_out_nitems_written(b->c, o);

    if (b->ts_set[o])
        *ts = b->out_ts[o];
    else if (b->n_in == 0)
        mq_block_stamp(b->c, 0, written, k, ts);
    else if (b->sync)
        mq_ts_items(&in->win_ts, in->win_n, 0, 1, k, ts);
    else
        mq_ts_outputs(&in->win_ts, in->win_n, 0, (double)b->decim / (double)b->interp, k,
                      written, ts);
}

/* After the call: the outputs sent, the inputs consumed (what no call used kept
 * aside if this one made no progress). */
static int finish_call(struct py_block *b)
{
    int progress = 0;
    mq_timestamp ts;

    for (int i = 0; i < b->n_in; i++)
        progress |= b->consumed[i] > 0;
    for (int o = 0; o < b->n_out; o++)
        progress |= b->produced[o] > 0;
    for (int o = 0; o < b->n_out; o++) {
        if (!b->produced[o])
            continue;
        out_stamp(b, o, b->produced[o], &ts);
        if (mq_out_push_items(b->c, o, b->produced[o], &ts) < 0)
            return -1;
    }
    for (int i = 0; i < b->n_in; i++)
        if (py_window_close(b, i, b->consumed[i], !progress) < 0)
            return -1;
    return 0;
}

static int call_work(struct py_block *b)
{
    PyObject *ins = NULL, *outs = NULL, *r;
    size_t n_in;
    int rc = MQ_WORK_ERROR, done;
    char err[MQ_BLOCK_ERROR_MAX], what[256];

    for (int i = 0; i < b->n_in; i++)
        if (py_window_open(b, i) < 0)
            return MQ_WORK_ERROR;
    memset(b->consumed, 0, sizeof b->consumed);
    memset(b->produced, 0, sizeof b->produced);
    memset(b->ts_set, 0, sizeof b->ts_set);
    b->produce_called = 0;
    b->nout = call_items(b, &n_in);
    if (b->n_in && (b->sync ? n_in : b->nout) == 0)
        return finish_call(b) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK; /* nothing to call with */
    if (make_lists(b, n_in, &ins, &outs) < 0) {
        if (PyErr_Occurred()) { /* else the buffer that could not be had said why */
            py_error(err, sizeof err, "the arrays for work cannot be made:");
            mq_block_error(b->c, "%s", err);
        }
        goto out;
    }
    b->in_call = 1;
    r = PyObject_CallFunctionObjArgs(b->call, ins, outs, NULL);
    b->in_call = 0;
    if (!r) {
        snprintf(what, sizeof what, "%s.%s raised an exception:", b->cls_name,
                 b->sync ? "work" : "general_work");
        py_error(err, sizeof err, what);
        mq_block_error(b->c, "%s", err);
        goto out;
    }
    done = account(b, r);
    Py_DECREF(r);
    if (done < 0 || kept_views(b, ins, "input_items") < 0 ||
        kept_views(b, outs, "output_items") < 0)
        goto out;
    if (done) {
        rc = MQ_WORK_DONE;
        goto out;
    }
    rc = finish_call(b) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
out:
    Py_XDECREF(ins);
    Py_XDECREF(outs);
    return rc;
}

static int work(mq_block_ctx *c, void *state)
{
    struct py_block *b = state;
    int rc;

    py_enter(b, c);
    rc = call_work(b);
    py_leave(b);
    return rc;
}

/* ---- messages, live parameters, the end ------------------------------------------- */

static int message(mq_block_ctx *c, void *state, int port, const mq_pmt *msg)
{
    struct py_block *b = state;
    PyObject *names = NULL, *handlers = NULL, *h = NULL, *v = NULL, *r = NULL;
    char err[MQ_BLOCK_ERROR_MAX], what[256];
    int j = port - b->n_in, rc = -1;

    py_enter(b, c);
    names = PyObject_GetAttrString(b->obj, "_mq_msg_in");
    handlers = names ? PyObject_GetAttrString(b->obj, "_mq_handlers") : NULL;
    PyObject *name = handlers && j >= 0 && j < PyList_Size(names) ? PyList_GET_ITEM(names, j)
                                                                   : NULL;
    if (name && !(h = PyDict_GetItemWithError(handlers, name)) && !PyErr_Occurred()) {
        mq_block_error(c, "%s's message input '%s' has no handler (set_msg_handler)",
                       b->cls_name, PyUnicode_AsUTF8(name));
        goto out;
    }
    snprintf(what, sizeof what, "%s's handler of message input '%s' raised an exception:",
             b->cls_name, name ? PyUnicode_AsUTF8(name) : "?");
    if (h && (v = py_from_pmt(msg)))
        r = PyObject_CallOneArg(h, v);
    if (!r) {
        py_error(err, sizeof err, what);
        mq_block_error(c, "%s", err);
        goto out;
    }
    rc = 0;
out:
    Py_XDECREF(names);
    Py_XDECREF(handlers);
    Py_XDECREF(v);
    Py_XDECREF(r);
    py_leave(b);
    return rc;
}

/* A live parameter changed: the class's setter set_NAME gets the value. */
static int param_changed(mq_block_ctx *c, void *state, int k)
{
    struct py_block *b = state;
    char err[MQ_BLOCK_ERROR_MAX], what[256];
    int rc = -1;

    py_enter(b, c);
    PyObject *p = PyList_GET_ITEM(b->plist, k - PY_P_OWN);
    const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(p, 0));
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(p, 1));
    PyObject *v = py_arg_value(c, k, (mq_param_type)py_kind_type(kind)), *r;
    char set_name[96];

    snprintf(set_name, sizeof set_name, "set_%.80s", name);
    r = v ? PyObject_CallMethod(b->obj, set_name, "O", v) : NULL;
    snprintf(what, sizeof what, "%s.%s raised an exception:", b->cls_name, set_name);
    if (!r) {
        py_error(err, sizeof err, what);
        mq_block_error(c, "%s", err);
    } else {
        rc = 0;
    }
    Py_XDECREF(v);
    Py_XDECREF(r);
    py_leave(b);
    return rc;
}

/* Calls stop, then ends the interpreter, so what the class wrote to its files and to
 * sys.stdout is flushed. */
static void fini(mq_block_ctx *c, void *state)
{
    struct py_block *b = state;
    char err[MQ_BLOCK_ERROR_MAX];

    if (!b)
        return;
    if (b->started) {
        py_enter(b, c);
        if (b->obj && call_hook(b, "stop", err, sizeof err) < 0 && !mq_block_graph_failed(c))
            mq_block_error(c, "%s", err);
        Py_CLEAR(b->call);
        Py_CLEAR(b->obj);
        Py_CLEAR(b->plist);
        Py_FinalizeEx();
    }
    for (int i = 0; i < MQ_MAX_PORTS; i++)
        py_window_free(&b->in[i]);
    free(b);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "python",
    .doc = "A block written in Python: class `class` of the file `path`, an mq.sync_block or\n"
           "mq.basic_block (GNU Radio's gr.sync_block, gr.basic_block), made with the\n"
           "arguments under args: {path: gain.py, class: Gain, args: {k: 2.0}}. The class\n"
           "declares its ports in __init__ (in_sig, out_sig: numpy types, (type, vlen)) and\n"
           "its parameters are __init__'s arguments; work gets numpy views of the arena's\n"
           "buffers, no copies. Each block has its own process and interpreter, so no GIL\n"
           "is shared (GNU Radio shares one: #3435, #5133). doc/python.md has the rest.",
    MQ_PARAMS(py_own_params),
    .init = init, .work = work, .fini = fini, .message = message,
    .param_changed = param_changed,
};
MQ_BLOCK_EXPORT(decl)
