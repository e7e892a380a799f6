/* python_block.h - the parts of the python block (doc/python.md): the block in its
 * process (python.c), its class and specializer (python_declare.c), the windows its
 * work calls see (python_window.c), the interpreter and the _mq module the mq
 * package calls (python_embed.c), and message values as Python values
 * (python_pmt.c).
 *
 * One block runs in one process, so one interpreter serves it and nothing else:
 * py_now is that block, and its ctx is set while Python runs for it (init, work, a
 * message, a parameter change), so the _mq calls reach it. The GIL is held only
 * then; between calls the interpreter's thread state is put away, so a thread the
 * class started runs while the runtime waits.
 */
#ifndef MQ_PYTHON_BLOCK_H
#define MQ_PYTHON_BLOCK_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* numpy's C API, one table for the module's files (python_embed.c imports it) */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL mq_python_numpy_api
#ifndef MQ_PYTHON_IMPORTS_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "block.h"
#include "error.h"

/* A tag of an item copied aside with it (python_window.c). */
struct py_tag {
    uint64_t offset;
    mq_pmt *key, *value, *srcid;
};

/* A stream input as a work call sees it: a window of items. Without a stage the
 * window is the current buffer itself, in the arena. A call that used nothing and
 * made nothing wants more than one buffer holds: what it was given is copied
 * aside (the stage) with its tags and stamp, and the next buffer joins it there,
 * until calls use it up. */
struct py_input {
    mq_item_type type;
    size_t vlen, isz;
    char *stage;
    size_t st_n, st_cap; /* items */
    uint64_t st_off;     /* the absolute offset of the stage's first item */
    mq_timestamp st_ts;  /* and its stamp */
    struct py_tag *tags;
    size_t n_tags, cap_tags;
    /* this call's window */
    const char *win;
    size_t win_n;
    uint64_t win_off;
    mq_timestamp win_ts;
    int staged; /* the window is the stage */
};

struct py_block {
    mq_block_ctx *c;       /* while Python runs for the block, else NULL */
    PyObject *obj;         /* the instance of the class */
    PyObject *call;        /* its work or general_work */
    PyObject *plist;       /* its parameters, as mq._declare.params_of gives them */
    char cls_name[64];     /* the class's name, for messages */
    int started;           /* the interpreter runs in this process */
    int sync;              /* an mq.sync_block */
    int n_in, n_out;       /* stream ports */
    int n_msg_in;          /* message inputs, after the stream inputs */
    struct py_input in[MQ_MAX_PORTS];
    int in_call;           /* during work: what is consumed, produced and stamped */
    mq_item_type out_type[MQ_MAX_PORTS];
    size_t out_vlen[MQ_MAX_PORTS];
    size_t consumed[MQ_MAX_PORTS], produced[MQ_MAX_PORTS];
    size_t nout;           /* the items of each output array */
    int produce_called;
    int ts_set[MQ_MAX_PORTS];
    mq_timestamp out_ts[MQ_MAX_PORTS];
    uint64_t interp, decim; /* the relative rate */
    PyThreadState *saved;   /* the interpreter's, while no Python runs */
};

extern struct py_block *py_now;

/* ---- python_embed.c ---- */
/* Starts the interpreter, once in the process, with the mq package on sys.path and
 * numpy's C API. 0, or -1 with the reason in err. */
int py_start(char *err, size_t len);
/* The pending exception as Python prints it, after `what` and a newline (or alone
 * for an empty `what`), into err; the exception is cleared. Too long a text loses
 * its oldest frames, not the exception's line. */
void py_error(char *err, size_t len, const char *what);
/* mq._declare, imported once; NULL with the error in err. */
PyObject *py_declare(char *err, size_t len);
/* The message of a pending mq.DeclarationError (cleared) and its `param` ("path",
 * "class" or None) into *param (a static string or NULL); -1 if the exception is
 * another, which stays pending. */
int py_declaration_error(char *err, size_t len, const char **param);
/* Takes the GIL for b and its ctx c / gives it back. */
void py_enter(struct py_block *b, mq_block_ctx *c);
void py_leave(struct py_block *b);

/* ---- python_declare.c ---- */
/* The block's own parameters, before the class's. */
enum { PY_P_PATH, PY_P_CLASS, PY_P_OWN };
extern const mq_param_decl py_own_params[PY_P_OWN];
/* mq's parameter type of a kind as mq._declare.params_of names it, or -1. */
int py_kind_type(const char *kind);
/* mq._declare.fn(*args), a new reference; NULL with the reason in err and *param
 * what the graph file gives that is at fault ("path", "class" or NULL). */
PyObject *py_call_declare(const char *fn, PyObject *args, char *err, size_t len,
                          const char **param);
PyObject *py_call1(const char *fn, PyObject *x, char *err, size_t len, const char **param);
/* The class named by the file's parameters. */
PyObject *py_load_class(const char *path, const char *cls, char *err, size_t len,
                        const char **param);
/* Parameter k's value, of type t, as Python's; NULL with an exception set. */
PyObject *py_arg_value(mq_block_ctx *c, int k, mq_param_type t);
/* The class's arguments {name: value} from the block's parameters: plist's j-th
 * (mq._declare.params_of) is the declaration's PY_P_OWN + j-th. */
PyObject *py_args_of(mq_block_ctx *c, PyObject *plist);

/* ---- python_pmt.c ---- */
/* A message value as a Python value (doc/python.md has the table); NULL with a
 * Python exception set. */
PyObject *py_from_pmt(const mq_pmt *p);
/* The other way; NULL with a Python exception set (TypeError for a value that has
 * no message form). */
mq_pmt *py_to_pmt(PyObject *o);

/* ---- python_window.c ---- */
/* Input i's window for this work call (the current buffer, or the stage with the
 * current buffer joined to it). 0, or -1 with the error recorded. */
int py_window_open(struct py_block *b, int i);
/* After the call: input i's window less the `used` first items. `keep`: the call
 * made no progress, so what is left goes to the stage. 0, or -1 with the error
 * recorded. */
int py_window_close(struct py_block *b, int i, size_t used, int keep);
/* Input i's window's tags on [start, end) as a list of (offset, key, value, srcid);
 * NULL with a Python exception set. */
PyObject *py_window_tags(struct py_block *b, int i, uint64_t start, uint64_t end);
void py_window_free(struct py_input *in);

#endif
