/* python_embed.c - the python block's interpreter, and _mq: the calls of the mq
 * package (python/mq/block.py) that reach the running block.
 *
 * The interpreter is Debian's python3 (configure's MQ_PYTHON), started once in the
 * block's process (or in the validator's helper) without signal handlers of its
 * own: the supervisor stops blocks through the graph, not by signals. The mq package
 * is found in the source tree when this module runs from the build tree, else where
 * make install put it.
 *
 * _mq's calls act on py_now, the one block of the process, and only while Python
 * runs for it; the calls of a work call (consume, produce, tags, timestamps) only
 * during work. A misuse raises in the caller's code, so it shows in the block's
 * traceback.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define MQ_PYTHON_IMPORTS_NUMPY
#include "python_block.h"

struct py_block *py_now;

/* ---- errors ------------------------------------------------------------------------ */

/* what, a newline and text into err; too long a text keeps its end (the
 * exception's own line, after the frames) behind a note. */
static void fit(char *err, size_t len, const char *what, const char *text)
{
    size_t tl = strlen(text), wl = strlen(what);
    const char *cut = "  (earlier lines of the traceback left out)\n";

    while (tl > 0 && text[tl - 1] == '\n')
        tl--;
    if (wl + 1 + tl < len || len < wl + strlen(cut) + 64) {
        snprintf(err, len, "%s%s%.*s", what, wl ? "\n" : "", (int)tl, text);
        return;
    }
    size_t keep = len - wl - strlen(cut) - 2;
    const char *tail = text + tl - keep, *nl = memchr(tail, '\n', keep);
    if (nl)
        tail = nl + 1; /* from a whole line on */
    snprintf(err, len, "%s\n%s%.*s", what, cut, (int)(text + tl - tail), tail);
}

void py_error(char *err, size_t len, const char *what)
{
    PyObject *t, *v, *tb, *mod = NULL, *lines = NULL, *sep = NULL, *text = NULL;
    const char *s = NULL;

    PyErr_Fetch(&t, &v, &tb);
    if (!t) {
        snprintf(err, len, "%s", what);
        return;
    }
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb && v)
        PyException_SetTraceback(v, tb);
    if ((mod = PyImport_ImportModule("traceback")))
        lines = PyObject_CallMethod(mod, "format_exception", "OOO", t, v ? v : Py_None,
                                    tb ? tb : Py_None);
    if (lines && (sep = PyUnicode_FromString("")))
        text = PyUnicode_Join(sep, lines);
    if (text)
        s = PyUnicode_AsUTF8(text);
    if (!s) {
        PyErr_Clear();
        s = "(the exception cannot be shown)";
    }
    fit(err, len, what, s);
    Py_XDECREF(text);
    Py_XDECREF(sep);
    Py_XDECREF(lines);
    Py_XDECREF(mod);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
}

PyObject *py_declare(char *err, size_t len)
{
    static PyObject *declare;

    if (!declare && !(declare = PyImport_ImportModule("mq._declare")))
        py_error(err, len, "the mq package cannot be imported:");
    return declare;
}

int py_declaration_error(char *err, size_t len, const char **param)
{
    PyObject *t, *v, *tb, *mq, *cls, *p = NULL, *s = NULL;
    int is;

    PyErr_Fetch(&t, &v, &tb); /* an import with an exception pending fails */
    mq = PyImport_ImportModule("mq");
    cls = mq ? PyObject_GetAttrString(mq, "DeclarationError") : NULL;
    PyErr_Clear();
    is = t && cls && PyErr_GivenExceptionMatches(t, cls);
    Py_XDECREF(cls);
    Py_XDECREF(mq);
    if (!is) {
        PyErr_Restore(t, v, tb);
        return -1;
    }
    PyErr_NormalizeException(&t, &v, &tb);
    if (v && (s = PyObject_Str(v)) && PyUnicode_AsUTF8(s))
        snprintf(err, len, "%s", PyUnicode_AsUTF8(s));
    else
        snprintf(err, len, "the class's declaration is refused");
    *param = NULL;
    if (v && (p = PyObject_GetAttrString(v, "param")) && PyUnicode_Check(p)) {
        const char *ps = PyUnicode_AsUTF8(p);
        *param = ps && !strcmp(ps, "path") ? "path" : ps && !strcmp(ps, "class") ? "class" : NULL;
    }
    PyErr_Clear();
    Py_XDECREF(p);
    Py_XDECREF(s);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return 0;
}

void py_enter(struct py_block *b, mq_block_ctx *c)
{
    if (b->saved)
        PyEval_RestoreThread(b->saved);
    b->saved = NULL;
    b->c = c;
    py_now = b;
}

void py_leave(struct py_block *b)
{
    b->c = NULL;
    b->saved = PyEval_SaveThread();
}

/* ---- _mq ------------------------------------------------------------------------- */

static struct py_block *running(void)
{
    if (!py_now || !py_now->c) {
        PyErr_SetString(PyExc_RuntimeError,
                        "only a running block can do this (mqgraph's python block)");
        return NULL;
    }
    return py_now;
}

/* The block during its work call. */
static struct py_block *working(const char *what)
{
    struct py_block *b = running();

    if (b && !b->in_call) {
        PyErr_Format(PyExc_RuntimeError, "%s: only during work or general_work", what);
        return NULL;
    }
    return b;
}

static int port_ok(int port, int n, const char *dir)
{
    if (port >= 0 && port < n)
        return 1;
    PyErr_Format(PyExc_IndexError, "no stream %s %d (the block has %d)", dir, port, n);
    return 0;
}

static PyObject *mq_running(PyObject *self, PyObject *args)
{
    return PyBool_FromLong(py_now && py_now->c);
}

static PyObject *mq_consume(PyObject *self, PyObject *args)
{
    int i;
    Py_ssize_t n;
    struct py_block *b = working("consume");

    if (!b || !PyArg_ParseTuple(args, "in", &i, &n) || !port_ok(i, b->n_in, "input"))
        return NULL;
    if (b->sync) {
        PyErr_SetString(PyExc_RuntimeError, "a sync_block uses the items work returns: "
                                            "consume is an mq.basic_block's");
        return NULL;
    }
    struct py_input *in = &b->in[i];
    if (n < 0 || (size_t)n > in->win_n - b->consumed[i]) {
        PyErr_Format(PyExc_ValueError, "consume(%d, %zd): input %d has %zu items, %zu of them "
                     "consumed already", i, n, i, in->win_n, b->consumed[i]);
        return NULL;
    }
    b->consumed[i] += (size_t)n;
    Py_RETURN_NONE;
}

static PyObject *mq_produce(PyObject *self, PyObject *args)
{
    int o;
    Py_ssize_t n;
    struct py_block *b = working("produce");

    if (!b || !PyArg_ParseTuple(args, "in", &o, &n) || !port_ok(o, b->n_out, "output"))
        return NULL;
    if (b->sync) {
        PyErr_SetString(PyExc_RuntimeError, "a sync_block makes the items work returns: "
                                            "produce is an mq.basic_block's");
        return NULL;
    }
    if (n < 0 || (size_t)n > b->nout - b->produced[o]) {
        PyErr_Format(PyExc_ValueError, "produce(%d, %zd): output %d holds %zu items, %zu of "
                     "them produced already", o, n, o, b->nout, b->produced[o]);
        return NULL;
    }
    b->produced[o] += (size_t)n;
    b->produce_called = 1;
    Py_RETURN_NONE;
}

static PyObject *mq_nitems_read(PyObject *self, PyObject *args)
{
    int i;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "i", &i) || !port_ok(i, b->n_in, "input"))
        return NULL;
    return PyLong_FromUnsignedLongLong(b->in_call ? b->in[i].win_off
                                                  : mq_in_nitems_read(b->c, i));
}

static PyObject *mq_nitems_written(PyObject *self, PyObject *args)
{
    int o;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "i", &o) || !port_ok(o, b->n_out, "output"))
        return NULL;
    return PyLong_FromUnsignedLongLong(mq_out_nitems_written(b->c, o));
}

static PyObject *mq_tags(PyObject *self, PyObject *args)
{
    int i;
    unsigned long long start, end;
    struct py_block *b = working("get_tags_in_range");

    if (!b || !PyArg_ParseTuple(args, "iKK", &i, &start, &end) || !port_ok(i, b->n_in, "input"))
        return NULL;
    return py_window_tags(b, i, start, end);
}

static PyObject *mq_add_tag(PyObject *self, PyObject *args)
{
    int o, rc = 0;
    unsigned long long off;
    PyObject *k, *v, *s;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "iKOOO", &o, &off, &k, &v, &s) ||
        !port_ok(o, b->n_out, "output"))
        return NULL;
    mq_pmt *key = py_to_pmt(k), *value = key ? py_to_pmt(v) : NULL;
    mq_pmt *srcid = value && s != Py_None ? py_to_pmt(s) : NULL;
    if (value && (s == Py_None || srcid))
        rc = mq_out_add_tag(b->c, o, off, key, value, srcid);
    mq_pmt_free(key);
    mq_pmt_free(value);
    mq_pmt_free(srcid);
    if (PyErr_Occurred())
        return NULL;
    if (rc == MQ_ERANGE) {
        PyErr_Format(PyExc_ValueError, "add_item_tag: item %llu of output %d was sent already "
                     "(it sends from item %llu on)", off, o,
                     (unsigned long long)mq_out_nitems_written(b->c, o));
        return NULL;
    }
    if (rc < 0) {
        PyErr_Format(PyExc_ValueError, "add_item_tag: %s", mq_strerror(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *ts_to_py(const mq_timestamp *ts)
{
    if (ts->type == MQ_TS_NONE)
        Py_RETURN_NONE;
    if (ts->flags & MQ_TS_HAS_RANGE)
        return Py_BuildValue("sLLL", mq_ts_type_name(ts->type), (long long)ts->value,
                             (long long)ts->start, (long long)ts->end);
    return Py_BuildValue("sLOO", mq_ts_type_name(ts->type), (long long)ts->value, Py_None,
                         Py_None);
}

/* An mq.timestamp (kind, value, start, end), or None, as mq's. */
static int ts_from_py(PyObject *o, mq_timestamp *ts)
{
    const char *kind;
    long long value;
    PyObject *start, *end;

    *ts = (mq_timestamp){.type = MQ_TS_NONE};
    if (o == Py_None)
        return 0;
    if (!PyArg_ParseTuple(o, "sLOO", &kind, &value, &start, &end))
        return -1;
    for (uint32_t t = MQ_TS_ABSOLUTE; t <= MQ_TS_SAMPLE_INDEX; t++)
        if (!strcmp(kind, mq_ts_type_name(t)))
            ts->type = t;
    if (ts->type == MQ_TS_NONE) {
        PyErr_Format(PyExc_ValueError, "a timestamp's kind is sample_index, relative or "
                     "absolute, not '%s'", kind);
        return -1;
    }
    ts->value = value;
    if ((start == Py_None) != (end == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "a timestamp's range has a start and an end, or "
                                          "neither");
        return -1;
    }
    if (start != Py_None) {
        ts->start = PyLong_AsLongLong(start);
        ts->end = PyLong_AsLongLong(end);
        ts->flags = MQ_TS_HAS_RANGE;
    }
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *mq_timestamp_of(PyObject *self, PyObject *args)
{
    int i;
    struct py_block *b = working("timestamp");

    if (!b || !PyArg_ParseTuple(args, "i", &i) || !port_ok(i, b->n_in, "input"))
        return NULL;
    return ts_to_py(&b->in[i].win_ts);
}

static PyObject *mq_set_timestamp(PyObject *self, PyObject *args)
{
    int o;
    PyObject *t;
    struct py_block *b = working("set_output_timestamp");

    if (!b || !PyArg_ParseTuple(args, "iO", &o, &t) || !port_ok(o, b->n_out, "output") ||
        ts_from_py(t, &b->out_ts[o]) < 0)
        return NULL;
    b->ts_set[o] = 1;
    Py_RETURN_NONE;
}

static PyObject *mq_post(PyObject *self, PyObject *args)
{
    int port, rc;
    PyObject *v;
    mq_pmt *m;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "iO", &port, &v) || !(m = py_to_pmt(v)))
        return NULL;
    rc = mq_msg_post(b->c, port, m);
    mq_pmt_free(m);
    if (rc < 0) {
        PyErr_Format(PyExc_RuntimeError, "message_port_pub: %s", mq_strerror(rc));
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *mq_set_relative_rate(PyObject *self, PyObject *args)
{
    unsigned long long interp, decim;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "KK", &interp, &decim))
        return NULL;
    if (mq_block_set_relative_rate(b->c, interp, decim) < 0) {
        PyErr_SetString(PyExc_ValueError, "set_relative_rate: the rate must not be 0");
        return NULL;
    }
    b->interp = interp;
    b->decim = decim;
    Py_RETURN_NONE;
}

static PyObject *mq_declare_sample_delay(PyObject *self, PyObject *args)
{
    unsigned long long n;
    struct py_block *b = running();

    if (!b || !PyArg_ParseTuple(args, "K", &n))
        return NULL;
    mq_block_declare_sample_delay(b->c, n);
    Py_RETURN_NONE;
}

static PyObject *mq_restarts(PyObject *self, PyObject *args)
{
    struct py_block *b = running();
    return b ? PyLong_FromLong(mq_block_restarts(b->c)) : NULL;
}

static PyMethodDef mq_methods[] = {
    {"running", mq_running, METH_NOARGS, "whether a block runs (its calls below work)"},
    {"consume", mq_consume, METH_VARARGS, "consume(input, n)"},
    {"produce", mq_produce, METH_VARARGS, "produce(output, n)"},
    {"nitems_read", mq_nitems_read, METH_VARARGS, "nitems_read(input)"},
    {"nitems_written", mq_nitems_written, METH_VARARGS, "nitems_written(output)"},
    {"tags", mq_tags, METH_VARARGS, "tags(input, start, end): [(offset, key, value, srcid)]"},
    {"add_tag", mq_add_tag, METH_VARARGS, "add_tag(output, offset, key, value, srcid)"},
    {"timestamp", mq_timestamp_of, METH_VARARGS, "timestamp(input)"},
    {"set_timestamp", mq_set_timestamp, METH_VARARGS, "set_timestamp(output, ts)"},
    {"post", mq_post, METH_VARARGS, "post(port, value)"},
    {"set_relative_rate", mq_set_relative_rate, METH_VARARGS, "set_relative_rate(i, d)"},
    {"declare_sample_delay", mq_declare_sample_delay, METH_VARARGS, "declare_sample_delay(n)"},
    {"restarts", mq_restarts, METH_NOARGS, "restarts()"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mq_module = {
    PyModuleDef_HEAD_INIT, "_mq", "the running python block (mqgraph's): what mq calls",
    -1, mq_methods, NULL, NULL, NULL, NULL,
};

static PyObject *init_mq(void)
{
    return PyModule_Create(&mq_module);
}

/* ---- the interpreter ------------------------------------------------------------- */

/* The mq package's directory: the source tree's when this module is the build
 * tree's, else the installed one. */
static const char *package_dir(void)
{
    size_t n = strlen(MQ_BUILDDIR);
    Dl_info dl;

    if (dladdr((void *)package_dir, &dl) && dl.dli_fname &&
        !strncmp(dl.dli_fname, MQ_BUILDDIR, n) && dl.dli_fname[n] == '/')
        return MQ_SRCDIR "/python";
    return MQ_PYTHONDIR;
}

int py_start(char *err, size_t len)
{
    static int started;
    PyConfig cfg;
    PyStatus st;
    Dl_info dl;

    if (started)
        return 0;
    /* This module is opened RTLD_LOCAL, and libpython with it; numpy's extension
     * modules take Python's symbols from the global scope. */
    if (dladdr((void *)Py_InitializeFromConfig, &dl) && dl.dli_fname)
        dlopen(dl.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    if (PyImport_AppendInittab("_mq", init_mq) < 0) {
        snprintf(err, len, "cannot add the _mq module to Python");
        return -1;
    }
    PyConfig_InitPythonConfig(&cfg);
    cfg.install_signal_handlers = 0;
    cfg.parse_argv = 0;
    cfg.write_bytecode = 0; /* no __pycache__ in the source tree, or beside the user's file */
    /* the interpreter configure found, whatever python3 comes first on PATH: its
     * path is what Python finds its standard library from */
    st = PyConfig_SetBytesString(&cfg, &cfg.program_name, MQ_PYTHON);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st)) {
        snprintf(err, len, "cannot start Python (%s): %s", MQ_PYTHON,
                 st.err_msg ? st.err_msg : "no reason given");
        return -1;
    }
    started = 1;
    /* First on sys.path, unless it is there already: installed, it is a
     * dist-packages directory (configure's mqpythondir), which must stay behind
     * the standard library. */
    PyObject *path = PySys_GetObject("path"), *dir = PyUnicode_FromString(package_dir());
    if (!path || !dir || (PySequence_Contains(path, dir) != 1 && PyList_Insert(path, 0, dir) < 0)) {
        Py_XDECREF(dir);
        py_error(err, len, "cannot put the mq package on sys.path:");
        return -1;
    }
    Py_DECREF(dir);
    if (_import_array() < 0) {
        py_error(err, len, "numpy's C API cannot be had:");
        return -1;
    }
    return 0;
}
