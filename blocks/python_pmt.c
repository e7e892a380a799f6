/* python_pmt.c - message values (pmt.h) as Python values, and back, as GNU Radio's
 * pmt.to_python and pmt.to_pmt convert them:
 *
 *   NULL <-> None          BOOL <-> bool            INT, UINT64 <-> int
 *   DOUBLE <-> float       COMPLEX <-> complex      SYMBOL <-> str
 *   PAIR <-> mq.pair       TUPLE <-> tuple          VECTOR <-> list
 *   DICT <-> dict          UVEC <-> a 1-d numpy array of the element type
 *
 * and from Python also numpy's scalars (as the Python number of their kind) and
 * bytes (a u8 uvec). An int beyond int64 becomes UINT64 up to 2^64 - 1; a pair
 * stays a pair only as mq.pair, since a plain tuple is a PMT tuple. Nesting is
 * bounded by MQ_PMT_MAX_DEPTH both ways (the PMT side enforces it too).
 */
#include <string.h>

#include "python_block.h"

static const int uvec_npy[] = {
    [MQ_UVEC_U8] = NPY_UINT8,   [MQ_UVEC_S8] = NPY_INT8,     [MQ_UVEC_U16] = NPY_UINT16,
    [MQ_UVEC_S16] = NPY_INT16,  [MQ_UVEC_U32] = NPY_UINT32,  [MQ_UVEC_S32] = NPY_INT32,
    [MQ_UVEC_U64] = NPY_UINT64, [MQ_UVEC_S64] = NPY_INT64,   [MQ_UVEC_F32] = NPY_FLOAT32,
    [MQ_UVEC_F64] = NPY_FLOAT64, [MQ_UVEC_C32] = NPY_COMPLEX64, [MQ_UVEC_C64] = NPY_COMPLEX128,
};

static PyObject *pair_class(void)
{
    static PyObject *cls;
    PyObject *mq;

    if (!cls && (mq = PyImport_ImportModule("mq"))) {
        cls = PyObject_GetAttrString(mq, "pair");
        Py_DECREF(mq);
    }
    return cls;
}

static PyObject *from_pmt(const mq_pmt *p, int depth);

/* The items of a vector or tuple into a new list or tuple. */
static PyObject *from_items(const mq_pmt *p, int tuple, int depth)
{
    size_t n = mq_pmt_length(p);
    PyObject *o = tuple ? PyTuple_New((Py_ssize_t)n) : PyList_New((Py_ssize_t)n);

    for (size_t i = 0; o && i < n; i++) {
        PyObject *x = from_pmt(mq_pmt_item(p, i), depth + 1);
        if (!x) {
            Py_DECREF(o);
            return NULL;
        }
        if (tuple)
            PyTuple_SET_ITEM(o, (Py_ssize_t)i, x);
        else
            PyList_SET_ITEM(o, (Py_ssize_t)i, x);
    }
    return o;
}

static PyObject *from_dict(const mq_pmt *p, int depth)
{
    PyObject *d = PyDict_New();

    for (size_t i = 0; d && i < mq_pmt_length(p); i++) {
        PyObject *k = from_pmt(mq_pmt_dict_key(p, i), depth + 1);
        PyObject *v = k ? from_pmt(mq_pmt_dict_value(p, i), depth + 1) : NULL;
        int rc = v ? PyDict_SetItem(d, k, v) : -1;
        Py_XDECREF(k);
        Py_XDECREF(v);
        if (rc < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyObject *from_uvec(const mq_pmt *p)
{
    size_t n;
    const void *data = mq_pmt_uvec_data(p, &n);
    mq_uvec_type t = mq_pmt_uvec_type(p);
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *a = PyArray_SimpleNew(1, dims, uvec_npy[t]);

    if (a && n)
        memcpy(PyArray_DATA((PyArrayObject *)a), data, n * mq_uvec_item_size(t));
    return a;
}

static PyObject *from_pmt(const mq_pmt *p, int depth)
{
    double re, im;

    if (depth > MQ_PMT_MAX_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "a message nested too deep");
        return NULL;
    }
    switch (mq_pmt_type_of(p)) {
    case MQ_PMT_NULL: Py_RETURN_NONE;
    case MQ_PMT_BOOL: return PyBool_FromLong(mq_pmt_to_bool(p));
    case MQ_PMT_INT: return PyLong_FromLongLong(mq_pmt_to_int(p));
    case MQ_PMT_UINT64: return PyLong_FromUnsignedLongLong(mq_pmt_to_uint64(p));
    case MQ_PMT_DOUBLE: return PyFloat_FromDouble(mq_pmt_to_double(p));
    case MQ_PMT_COMPLEX:
        mq_pmt_to_complex(p, &re, &im);
        return PyComplex_FromDoubles(re, im);
    case MQ_PMT_SYMBOL:
        return PyUnicode_DecodeUTF8(mq_pmt_symbol_str(p), (Py_ssize_t)strlen(mq_pmt_symbol_str(p)),
                                    "replace");
    case MQ_PMT_PAIR: {
        PyObject *cls = pair_class(), *car = cls ? from_pmt(mq_pmt_car(p), depth + 1) : NULL;
        PyObject *cdr = car ? from_pmt(mq_pmt_cdr(p), depth) : NULL;
        PyObject *o = cdr ? PyObject_CallFunctionObjArgs(cls, car, cdr, NULL) : NULL;
        Py_XDECREF(car);
        Py_XDECREF(cdr);
        return o;
    }
    case MQ_PMT_VECTOR: return from_items(p, 0, depth);
    case MQ_PMT_TUPLE: return from_items(p, 1, depth);
    case MQ_PMT_DICT: return from_dict(p, depth);
    case MQ_PMT_UVEC: return from_uvec(p);
    }
    PyErr_SetString(PyExc_ValueError, "a message value of an unknown type");
    return NULL;
}

PyObject *py_from_pmt(const mq_pmt *p)
{
    return from_pmt(p, 1);
}

/* ---- Python to PMT ---------------------------------------------------------------- */

static mq_pmt *to_pmt(PyObject *o, int depth);

static mq_pmt *nomem(void)
{
    if (!PyErr_Occurred())
        PyErr_NoMemory();
    return NULL;
}

static mq_pmt *to_int(PyObject *o)
{
    int over = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &over);

    if (!over)
        return v == -1 && PyErr_Occurred() ? NULL : mq_pmt_int(v);
    unsigned long long u = over > 0 ? PyLong_AsUnsignedLongLong(o) : 0;
    if (over < 0 || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_OverflowError, "an int of a message is at most 2**64 - 1 and at "
                                             "least -2**63");
        return NULL;
    }
    return mq_pmt_uint64(u);
}

static mq_pmt *to_symbol(PyObject *o)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(o, &n);
    mq_pmt *p;

    if (!s)
        return NULL;
    if (!(p = mq_pmt_symbol_n(s, (size_t)n)))
        PyErr_Format(PyExc_ValueError, "a str of a message holds no NUL and at most %d bytes",
                     MQ_PMT_SYMBOL_MAX);
    return p;
}

static mq_pmt *to_items(PyObject *o, int tuple, int depth)
{
    PyObject *seq = PySequence_Fast(o, "a sequence");
    Py_ssize_t n = seq ? PySequence_Fast_GET_SIZE(seq) : 0;
    mq_pmt *p = seq ? (tuple ? mq_pmt_tuple((size_t)n) : mq_pmt_vector((size_t)n)) : NULL;

    for (Py_ssize_t i = 0; p && i < n; i++) {
        mq_pmt *x = to_pmt(PySequence_Fast_GET_ITEM(seq, i), depth + 1);
        if (!x || mq_pmt_set_item(p, (size_t)i, x) < 0) {
            mq_pmt_free(p);
            p = NULL;
        }
    }
    Py_XDECREF(seq);
    return p || PyErr_Occurred() ? p : nomem();
}

static mq_pmt *to_dict(PyObject *o, int depth)
{
    mq_pmt *d = mq_pmt_dict();
    PyObject *k, *v;
    Py_ssize_t pos = 0;

    while (d && PyDict_Next(o, &pos, &k, &v)) {
        mq_pmt *pk = to_pmt(k, depth + 1), *pv = pk ? to_pmt(v, depth + 1) : NULL;
        if (!pv || mq_pmt_dict_set(d, pk, pv) < 0) {
            if (!pv)
                mq_pmt_free(pk);
            mq_pmt_free(d);
            return PyErr_Occurred() ? NULL : nomem();
        }
    }
    return d ? d : nomem();
}

static mq_pmt *to_uvec(PyArrayObject *a)
{
    static const int types[] = {NPY_UINT8, NPY_INT8, NPY_UINT16, NPY_INT16, NPY_UINT32,
                                NPY_INT32, NPY_UINT64, NPY_INT64, NPY_FLOAT32, NPY_FLOAT64,
                                NPY_COMPLEX64, NPY_COMPLEX128};
    int t = PyArray_TYPE(a);

    if (PyArray_NDIM(a) != 1) {
        PyErr_SetString(PyExc_ValueError, "a numpy array of a message has one dimension");
        return NULL;
    }
    for (int u = 0; u < (int)(sizeof types / sizeof types[0]); u++) {
        if (!PyArray_EquivTypenums(t, types[u]))
            continue;
        PyArrayObject *c = (PyArrayObject *)PyArray_GETCONTIGUOUS(a);
        mq_pmt *p = c ? mq_pmt_uvec((mq_uvec_type)u, (size_t)PyArray_DIM(c, 0), PyArray_DATA(c))
                      : NULL;
        Py_XDECREF(c);
        return p ? p : nomem();
    }
    PyErr_Format(PyExc_TypeError, "a numpy array of %s has no message form (uint8 .. "
                 "complex128)", PyArray_DESCR(a)->typeobj->tp_name);
    return NULL;
}

static mq_pmt *to_pmt(PyObject *o, int depth)
{
    PyObject *cls = pair_class();

    if (depth > MQ_PMT_MAX_DEPTH) {
        PyErr_Format(PyExc_ValueError, "a message nests at most %d deep", MQ_PMT_MAX_DEPTH);
        return NULL;
    }
    if (o == Py_None)
        return mq_pmt_null();
    if (PyBool_Check(o) || PyArray_IsScalar(o, Bool))
        return mq_pmt_bool(PyObject_IsTrue(o));
    if (PyLong_Check(o))
        return to_int(o);
    if (PyArray_IsScalar(o, Integer)) {
        PyObject *i = PyNumber_Long(o);
        mq_pmt *p = i ? to_int(i) : NULL;
        Py_XDECREF(i);
        return p;
    }
    if (PyFloat_Check(o) || PyArray_IsScalar(o, Floating))
        return mq_pmt_double(PyFloat_AsDouble(o));
    if (PyComplex_Check(o) || PyArray_IsScalar(o, ComplexFloating)) {
        Py_complex z = PyComplex_AsCComplex(o);
        return PyErr_Occurred() ? NULL : mq_pmt_complex(z.real, z.imag);
    }
    if (PyUnicode_Check(o))
        return to_symbol(o);
    if (cls && PyObject_IsInstance(o, cls) == 1) {
        mq_pmt *car = to_pmt(PyTuple_GET_ITEM(o, 0), depth + 1);
        mq_pmt *cdr = car ? to_pmt(PyTuple_GET_ITEM(o, 1), depth) : NULL;
        if (!cdr) {
            mq_pmt_free(car);
            return NULL;
        }
        return mq_pmt_pair(car, cdr);
    }
    if (PyTuple_Check(o))
        return to_items(o, 1, depth);
    if (PyList_Check(o))
        return to_items(o, 0, depth);
    if (PyDict_Check(o))
        return to_dict(o, depth);
    if (PyArray_Check(o))
        return to_uvec((PyArrayObject *)o);
    if (PyBytes_Check(o))
        return mq_pmt_uvec(MQ_UVEC_U8, (size_t)PyBytes_GET_SIZE(o), PyBytes_AS_STRING(o));
    PyErr_Format(PyExc_TypeError, "a %s has no message form (None, bool, int, float, complex, "
                 "str, mq.pair, tuple, list, dict, numpy array, bytes)", Py_TYPE(o)->tp_name);
    return NULL;
}

mq_pmt *py_to_pmt(PyObject *o)
{
    mq_pmt *p = to_pmt(o, 1);

    return p || PyErr_Occurred() ? p : nomem();
}
