/* python_declare.c - the python block's class (doc/python.md): imported from its
 * file, its parameters read and their values given to it, and the specializer
 * (block.h, MQ_BLOCK_SPECIALIZE) that makes a block's declaration from it in the
 * validator's helper process.
 *
 * The specializer answers twice: the parameters (the block's own two, then
 * __init__'s arguments), and, once the validator has checked the file's values
 * against those, the ports of an instance made with them, a vector port's vlen as
 * a parameter "NAME.vlen" whose only value is the class's. What it answers points
 * into Python strs it keeps (sp.keep), so it stays valid as block.h asks.
 */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "python_block.h"

const mq_param_decl py_own_params[PY_P_OWN] = {
    [PY_P_PATH] = {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the Python file", 0},
    [PY_P_CLASS] = {"class", MQ_PARAM_STRING, NULL, 0, 0, NULL,
                    "the block's class in it (an mq.sync_block or mq.basic_block)", 0},
};

/* ---- the class, its parameters and its ports ------------------------------------- */

static const struct {
    const char *kind;
    mq_param_type type;
} kinds[] = {
    {"bool", MQ_PARAM_BOOL},     {"int", MQ_PARAM_INT},       {"float", MQ_PARAM_FLOAT},
    {"complex", MQ_PARAM_COMPLEX}, {"string", MQ_PARAM_STRING}, {"enum", MQ_PARAM_ENUM},
    {"floats", MQ_PARAM_FLOATS},
};

int py_kind_type(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind, kinds[i].kind))
            return (int)kinds[i].type;
    return -1;
}

/* Calls mq._declare.fn(args...) (a new reference), or NULL with the reason in err
 * and *param what the graph file gives that is at fault ("path", "class", NULL). */
PyObject *py_call_declare(const char *fn, PyObject *args, char *err, size_t len,
                          const char **param)
{
    PyObject *d = py_declare(err, len), *f, *r = NULL;

    *param = NULL;
    if (!d)
        return NULL;
    if ((f = PyObject_GetAttrString(d, fn)))
        r = PyObject_CallObject(f, args);
    Py_XDECREF(f);
    if (!r && py_declaration_error(err, len, param) < 0)
        py_error(err, len, "the python block's own code failed (a bug of mq's):");
    return r;
}

/* The class named by the file's parameters. */
PyObject *py_load_class(const char *path, const char *cls, char *err, size_t len,
                        const char **param)
{
    PyObject *a = Py_BuildValue("(ss)", path, cls);
    PyObject *c = a ? py_call_declare("load_class", a, err, len, param) : NULL;

    Py_XDECREF(a);
    return c;
}

PyObject *py_call1(const char *fn, PyObject *x, char *err, size_t len, const char **param)
{
    PyObject *a = PyTuple_Pack(1, x), *r = a ? py_call_declare(fn, a, err, len, param) : NULL;
    Py_XDECREF(a);
    return r;
}

/* A parameter's value, by its index in the declaration, as Python's. */
PyObject *py_arg_value(mq_block_ctx *c, int k, mq_param_type t)
{
    switch (t) {
    case MQ_PARAM_BOOL: return PyBool_FromLong((long)mq_param_i(c, k));
    case MQ_PARAM_INT: return PyLong_FromLongLong(mq_param_i(c, k));
    case MQ_PARAM_FLOAT: return PyFloat_FromDouble(mq_param_f(c, k));
    case MQ_PARAM_COMPLEX: {
        _Complex double z = mq_param_c(c, k);
        return PyComplex_FromDoubles(creal(z), cimag(z));
    }
    case MQ_PARAM_FLOATS: {
        size_t n;
        const double *v = mq_param_v(c, k, &n);
        PyObject *l = PyList_New((Py_ssize_t)n);
        for (size_t i = 0; l && i < n; i++)
            PyList_SET_ITEM(l, (Py_ssize_t)i, PyFloat_FromDouble(v[i]));
        return l;
    }
    default: return PyUnicode_FromString(mq_param_s(c, k));
    }
}

/* The class's arguments, {name: value}, from the block's parameters: plist's j-th
 * is the declaration's PY_P_OWN + j-th. */
PyObject *py_args_of(mq_block_ctx *c, PyObject *plist)
{
    PyObject *kw = PyDict_New();

    for (Py_ssize_t j = 0; kw && j < PyList_GET_SIZE(plist); j++) {
        PyObject *p = PyList_GET_ITEM(plist, j);
        const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(p, 1));
        int t = kind ? py_kind_type(kind) : -1;
        PyObject *v = t >= 0 ? py_arg_value(c, PY_P_OWN + (int)j, (mq_param_type)t) : NULL;
        if (!v || PyDict_SetItem(kw, PyTuple_GET_ITEM(p, 0), v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(kw);
            return NULL;
        }
        Py_DECREF(v);
    }
    return kw;
}

/* ---- the specializer (in the validator's helper process) ---------------------------- */

static struct {
    PyObject *cls, *plist;
    PyObject *keep;       /* the strs the declaration points into */
    mq_param_decl *params;
    mq_port_decl ports[2][MQ_MAX_PORTS];
    PyObject *kwargs;     /* capture_args' */
} sp;

static const char *kv_value(int n, char *const *kv, const char *name, int *idx)
{
    size_t l = strlen(name);

    for (int i = 0; i < n; i++)
        if (!strncmp(kv[i], name, l) && kv[i][l] == '=') {
            *idx = i;
            return kv[i] + l + 1;
        }
    *idx = -1;
    return NULL;
}

/* The UTF-8 of a str kept alive with the declaration; NULL for None. */
static const char *kept(PyObject *s)
{
    if (s == Py_None || !s || PyList_Append(sp.keep, s) < 0)
        return NULL;
    return PyUnicode_AsUTF8(s);
}

static int bad_of(const char *param, int path_at, int class_at)
{
    return param && !strcmp(param, "path") ? path_at : param && !strcmp(param, "class")
                                                           ? class_at : -1;
}

/* The parameters: the block's own, then the class's, then `extra` more (room). */
static int params_decl(mq_block_decl *d, int extra, char *err, size_t len)
{
    Py_ssize_t n = PyList_GET_SIZE(sp.plist);
    mq_param_decl *p = calloc((size_t)(PY_P_OWN + n + extra), sizeof *p);

    if (!p) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    memcpy(p, py_own_params, sizeof py_own_params);
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *t = PyList_GET_ITEM(sp.plist, j);
        const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 1));
        p[PY_P_OWN + j] = (mq_param_decl){
            .name = kept(PyTuple_GET_ITEM(t, 0)),
            .type = (mq_param_type)py_kind_type(kind ? kind : ""),
            .def = kept(PyTuple_GET_ITEM(t, 2)),
            .choices = kept(PyTuple_GET_ITEM(t, 3)),
            .doc = "an argument of the class",
            .flags = PyObject_IsTrue(PyTuple_GET_ITEM(t, 4)) ? MQ_PARAM_LIVE : 0,
        };
    }
    free(sp.params);
    sp.params = p;
    d->params = p;
    d->n_params = PY_P_OWN + (int)n;
    return 0;
}

static int specialize_params(int n, char *const *kv, mq_block_decl *d, int *bad, char *err,
                             size_t len)
{
    int path_at, class_at;
    const char *path = kv_value(n, kv, "path", &path_at), *cls = kv_value(n, kv, "class",
                                                                            &class_at);
    const char *param;

    if (!path || !cls) {
        const mq_param_decl *p = &py_own_params[path ? PY_P_CLASS : PY_P_PATH];
        snprintf(err, len, "missing parameter '%s' (%s)", p->name, p->doc);
        return -1;
    }
    if (py_start(err, len) < 0)
        return -1;
    if (!(sp.keep = PyList_New(0)) || !(sp.cls = py_load_class(path, cls, err, len, &param)) ||
        !(sp.plist = py_call1("params_of", sp.cls, err, len, &param))) {
        *bad = bad_of(param, path_at, class_at);
        return -1;
    }
    return params_decl(d, 0, err, len);
}

/* mq_params_check's check in the helper: the class's arguments, from the checked
 * parameters, read with the getters as the block's process reads them. */
static int capture_args(mq_block_ctx *c)
{
    Py_XDECREF(sp.kwargs);
    sp.kwargs = py_args_of(c, sp.plist);
    return sp.kwargs ? 0 : -1;
}

/* The ports of the instance: (name, type, vlen) tuples into d's ports of one
 * direction, each vlen over 1 as a parameter "NAME.vlen" appended at *np. */
static int ports_decl(PyObject *list, mq_port_decl *ports, int *n, mq_block_decl *d, int *np,
                      char *err, size_t len)
{
    mq_param_decl *p = (mq_param_decl *)d->params;

    *n = (int)PyList_GET_SIZE(list);
    for (int i = 0; i < *n; i++) {
        PyObject *t = PyList_GET_ITEM(list, i);
        const char *type = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 1));
        long vlen = PyLong_AsLong(PyTuple_GET_ITEM(t, 2));
        int it = type && !strcmp(type, "msg") ? MQ_ITEM_MSG : mq_item_parse(type ? type : "");
        ports[i] = (mq_port_decl){kept(PyTuple_GET_ITEM(t, 0)), (mq_item_type)it, NULL, NULL};
        if (it < 0 || !ports[i].name) {
            snprintf(err, len, "port %d of the class has no name or type", i);
            return -1;
        }
        if (vlen <= 1)
            continue;
        PyObject *name = PyUnicode_FromFormat("%s.vlen", ports[i].name);
        PyObject *def = PyUnicode_FromFormat("%ld", vlen);
        ports[i].vlen_param = kept(name);
        p[*np] = (mq_param_decl){kept(name), MQ_PARAM_INT, kept(def), (double)vlen,
                                 (double)vlen, NULL, "the vector length the class declares", 0};
        Py_XDECREF(name);
        Py_XDECREF(def);
        if (!p[(*np)++].def) {
            snprintf(err, len, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* A block of message inputs only has no work function: it runs until they end. */
static int message_only(const mq_block_decl *d)
{
    int msg = 0;

    for (int i = 0; i < d->n_in; i++)
        if (d->in[i].type != MQ_ITEM_MSG)
            return 0;
        else
            msg = 1;
    for (int o = 0; o < d->n_out; o++)
        if (d->out[o].type != MQ_ITEM_MSG)
            return 0;
    return msg;
}

static int specialize_ports(int n, char *const *kv, mq_block_decl *d, int *bad, char *err,
                            size_t len)
{
    int at, np = d->n_params, rc = -1;
    mq_block_decl probe = *d;
    const char *param;
    PyObject *obj = NULL, *ports = NULL;
    char why[512];

    param = NULL;
    kv_value(n, kv, "class", &at);
    probe.n_in = probe.n_out = 0;
    probe.check = capture_args;
    if (mq_params_check(&probe, n, kv, bad, why, sizeof why) < 0) {
        snprintf(err, len, "%s", PyErr_Occurred() ? "its arguments cannot be made" : why);
        PyErr_Clear();
        return -1;
    }
    PyObject *a = PyTuple_Pack(2, sp.cls, sp.kwargs);
    obj = a ? py_call_declare("make", a, err, len, &param) : NULL;
    Py_XDECREF(a);
    if (!obj || !(ports = py_call1("ports_of", obj, err, len, &param)))
        goto out;
    PyObject *ins = PyTuple_GET_ITEM(ports, 0), *outs = PyTuple_GET_ITEM(ports, 1);
    if (params_decl(d, (int)(PyList_GET_SIZE(ins) + PyList_GET_SIZE(outs)), err, len) < 0 ||
        ports_decl(ins, sp.ports[0], &d->n_in, d, &np, err, len) < 0 ||
        ports_decl(outs, sp.ports[1], &d->n_out, d, &np, err, len) < 0)
        goto out;
    d->n_params = np;
    d->in = sp.ports[0];
    d->out = sp.ports[1];
    d->tag_policy = (uint32_t)PyLong_AsLong(PyTuple_GET_ITEM(ports, 2));
    d->doc = kept(PyTuple_GET_ITEM(ports, 3));
    if (message_only(d))
        d->work = NULL;
    rc = 0;
out:
    if (rc < 0)
        *bad = bad_of(param, -1, at);
    Py_XDECREF(obj);
    Py_XDECREF(ports);
    return rc;
}

int mq_block_specialize(int stage, int n, char *const *kv, mq_block_decl *d, int *bad,
                        char *err, size_t len);
int mq_block_specialize(int stage, int n, char *const *kv, mq_block_decl *d, int *bad,
                        char *err, size_t len)
{
    *bad = -1;
    if (stage == MQ_SPECIALIZE_PARAMS)
        return specialize_params(n, kv, d, bad, err, len);
    if (stage == MQ_SPECIALIZE_PORTS && sp.cls)
        return specialize_ports(n, kv, d, bad, err, len);
    snprintf(err, len, "no specializer stage %d", stage);
    return -1;
}

