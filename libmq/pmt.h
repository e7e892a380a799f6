/* pmt.h - message values (GNU Radio's PMTs), their GNU Radio wire form and a JSON
 * text form.
 *
 * Blocks exchange messages on message ports. A message is a small typed value, a
 * tree of malloc'd nodes owned by whoever holds the root, and it travels in one
 * self-describing binary form: GNU Radio 3.10's pmt::serialize layout (tags of
 * pmt_serial_tags.h, every length and number big-endian), so a message can cross
 * GNU Radio's ZeroMQ message blocks unchanged. What GNU Radio writes reads back
 * here as the same value, and what is written here GNU Radio reads as the same
 * value, byte for byte as its own writer would put it (an integer as INT32 when it
 * fits, else INT64; one zero pad byte in a uniform vector), except where the wire
 * form itself loses something:
 *   - an empty dict is written as NULL (GNU Radio's make_dict() *is* PMT_NIL), so
 *     it reads back as NULL;
 *   - GNU Radio writes an empty tuple (0c 00000000) but cannot read it; we can;
 *   - GNU Radio reads at most 1024 bytes of a symbol; we read and write 65535;
 *   - a symbol here holds no NUL byte (symbol_str is a C string): input with one
 *     is refused.
 * Forms GNU Radio's reader takes but its writer never makes (INT64 for a small
 * value, another pad length, dict cells chained by PST_PAIR) are read too, and
 * written back in the canonical form.
 *
 * A dict is GNU Radio's association list: a chain of dict cells (PST_DICT), each
 * holding one (key . value) pair (PST_PAIR), ended by PST_NULL:
 *   09 07 <key> <value> 09 07 <key> <value> 06
 * Entries keep their order both ways; GNU Radio's dict_add prepends, so a dict
 * built there arrives newest first. A value that is itself a pair continues the
 * entry's pair chain (07 <key> 07 <car> <cdr>), exactly as GNU Radio writes it. A
 * chain that ends in anything but PST_NULL (an improper dict) is refused.
 *
 * Input is untrusted (other processes write it). mq_pmt_deserialize reads only
 * within len, nests at most MQ_PMT_MAX_DEPTH levels, allocates only in proportion
 * to the bytes a value has (a count the input cannot back fails first), and frees
 * everything on failure. Depth counts
 * containers: the top value is level 1; the items of a vector or tuple, the keys
 * and values of a dict and the car of a pair are one level down, but the cdr of a
 * pair is at the pair's own level, so a long list (a pair chain, read in a loop as
 * GNU Radio does) is not deep. mq_pmt_serialize applies the same limit, so
 * whatever it writes reads back.
 *
 * JSON text form (for `mqgraph send` and message_debug), one JSON value per
 * message:
 *   null <-> NULL          true/false <-> BOOL         "text" <-> SYMBOL
 *   an integer <-> INT (one above INT64_MAX reads as UINT64)
 *   a real <-> DOUBLE (written with the fewest digits, at most 17, that read back
 *                      exactly, and always with a '.' or an exponent: 1.0, not 1)
 *   [a, b] <-> VECTOR      {"k": v, ...} <-> DICT whose keys are symbols, in order
 * and, for what JSON lacks, an object with one key starting with '$':
 *   {"$uint64": N}  {"$double": "nan"|"inf"|"-inf"} (or a number)
 *   {"$complex": [re, im]}  (re, im: numbers or those three strings)
 *   {"$tuple": [...]}  {"$pair": [car, cdr]}
 *   {"$u8": [...]} ... {"$c64": [...]}  uniform vectors; c32/c64 as re,im,re,im...;
 *                   a non-finite float element is the string "nan", "inf" or "-inf"
 *   {"$dict": [[key, value], ...]}  a dict with a key that is not a symbol, with
 *                   repeated keys, or whose only key starts with '$'.
 * An object with any other number of keys is a dict, whatever its keys look like;
 * an object with a repeated key is refused.
 * What JSON cannot carry is lost: bytes of a symbol that are no UTF-8 are written
 * as U+FFFD, and a NaN loses its sign and payload. Everything else round-trips
 * exactly, except that a list of more than about 1000 pairs nests deeper than
 * jansson reads (2048 levels).
 */
#ifndef MQ_PMT_H
#define MQ_PMT_H

#include <stddef.h>
#include <stdint.h>

#include "mq_limits.h" /* MQ_PMT_MAX_DEPTH, MQ_PMT_SYMBOL_MAX */


typedef struct mq_pmt mq_pmt; /* a tree of malloc'd nodes; opaque */

typedef enum mq_pmt_type {
    MQ_PMT_NULL = 0,
    MQ_PMT_BOOL,
    MQ_PMT_INT, /* int64 */
    MQ_PMT_UINT64,
    MQ_PMT_DOUBLE,
    MQ_PMT_COMPLEX,
    MQ_PMT_SYMBOL, /* GNU Radio's strings are symbols: one type */
    MQ_PMT_PAIR,
    MQ_PMT_VECTOR, /* heterogeneous, fixed length */
    MQ_PMT_TUPLE,
    MQ_PMT_DICT,
    MQ_PMT_UVEC
} mq_pmt_type;

typedef enum mq_uvec_type { /* GNU Radio's UVI_* numbering */
    MQ_UVEC_U8 = 0,
    MQ_UVEC_S8,
    MQ_UVEC_U16,
    MQ_UVEC_S16,
    MQ_UVEC_U32,
    MQ_UVEC_S32,
    MQ_UVEC_U64,
    MQ_UVEC_S64,
    MQ_UVEC_F32,
    MQ_UVEC_F64,
    MQ_UVEC_C32,
    MQ_UVEC_C64
} mq_uvec_type;

/* Constructors return NULL when out of memory (or for an invalid argument). Those
 * that take ownership of arguments free them on failure, and treat a NULL argument
 * as a constructor that failed, so calls nest: mq_pmt_pair(mq_pmt_int(1), ...). */
mq_pmt *mq_pmt_null(void);
mq_pmt *mq_pmt_bool(int v);
mq_pmt *mq_pmt_int(int64_t v);
mq_pmt *mq_pmt_uint64(uint64_t v);
mq_pmt *mq_pmt_double(double v);
mq_pmt *mq_pmt_complex(double re, double im);
mq_pmt *mq_pmt_symbol(const char *s); /* copies s; NULL if longer than MQ_PMT_SYMBOL_MAX */
/* Copies n bytes; NULL if n > MQ_PMT_SYMBOL_MAX or they hold a NUL byte. */
mq_pmt *mq_pmt_symbol_n(const char *s, size_t n);
mq_pmt *mq_pmt_pair(mq_pmt *car, mq_pmt *cdr); /* takes both */
mq_pmt *mq_pmt_vector(size_t n);               /* n null items */
mq_pmt *mq_pmt_tuple(size_t n);                /* n null items */
/* Takes item, replacing (and freeing) what was at i. MQ_EINVAL if the target is no
 * vector or tuple or i is out of range, MQ_ENOMEM if item is NULL; item is freed on
 * failure. */
int mq_pmt_set_item(mq_pmt *vector_or_tuple, size_t i, mq_pmt *item);
mq_pmt *mq_pmt_dict(void);
/* Takes both. Replaces the value of an equal key (mq_pmt_equal), else appends, so
 * entries keep insertion order. MQ_EINVAL if d is no dict, MQ_ENOMEM if key or value
 * is NULL or the dict cannot grow; both are freed on failure. */
int mq_pmt_dict_set(mq_pmt *d, mq_pmt *key, mq_pmt *value);
/* n elements of type t copied from items (host byte order), or zeros if items is
 * NULL. NULL for an unknown t or when out of memory. */
mq_pmt *mq_pmt_uvec(mq_uvec_type t, size_t n, const void *items);
void mq_pmt_free(mq_pmt *p); /* NULL is fine */
mq_pmt *mq_pmt_copy(const mq_pmt *p); /* deep; NULL for NULL or when out of memory */
/* Deep equality: same types and values, dict entries in the same order. Doubles
 * compare with == except that NaN equals NaN; uniform vectors compare their bytes.
 * A NULL pointer counts as a null. */
int mq_pmt_equal(const mq_pmt *a, const mq_pmt *b);

/* Accessors: well-defined for any pointer (also NULL) of any type; a wrong type
 * gives 0 / NULL. */
mq_pmt_type mq_pmt_type_of(const mq_pmt *p); /* MQ_PMT_NULL for a NULL pointer */
int mq_pmt_is_number(const mq_pmt *p);       /* INT, UINT64, DOUBLE */
int mq_pmt_to_bool(const mq_pmt *p);         /* 1 for true, else 0 */
int64_t mq_pmt_to_int(const mq_pmt *p);      /* INT */
uint64_t mq_pmt_to_uint64(const mq_pmt *p);  /* UINT64, or INT >= 0 (as GNU Radio) */
double mq_pmt_to_double(const mq_pmt *p);    /* DOUBLE; INT, UINT64 converted */
/* COMPLEX; a number gives (value, 0); else (0, 0). */
void mq_pmt_to_complex(const mq_pmt *p, double *re, double *im);
const char *mq_pmt_symbol_str(const mq_pmt *p); /* NUL-terminated */
const mq_pmt *mq_pmt_car(const mq_pmt *p);
const mq_pmt *mq_pmt_cdr(const mq_pmt *p);
/* Items of a vector or tuple, entries of a dict, elements of a uvec; else 0. */
size_t mq_pmt_length(const mq_pmt *p);
const mq_pmt *mq_pmt_item(const mq_pmt *p, size_t i); /* vector/tuple */
const mq_pmt *mq_pmt_dict_key(const mq_pmt *d, size_t i);
const mq_pmt *mq_pmt_dict_value(const mq_pmt *d, size_t i);
/* The value of the first entry whose key is the symbol `symbol`, or NULL. */
const mq_pmt *mq_pmt_dict_get(const mq_pmt *d, const char *symbol);
mq_uvec_type mq_pmt_uvec_type(const mq_pmt *p); /* 0 (MQ_UVEC_U8) for a non-uvec */
size_t mq_uvec_item_size(mq_uvec_type t);       /* 1..16; 0 for an unknown t */
const char *mq_uvec_name(mq_uvec_type t);       /* "u8" ... "c64"; NULL for an unknown t */
/* The elements (host byte order, never NULL for a uvec, also an empty one) and
 * their count in *n (n may be NULL); NULL and *n = 0 for a non-uvec. */
const void *mq_pmt_uvec_data(const mq_pmt *p, size_t *n);

/* GNU Radio's serialisation. Returns the bytes the whole form needs (>= 0) and
 * writes it only if it fits in cap (buf may be NULL with cap 0 to measure).
 * MQ_EINVAL for a form GNU Radio cannot express or we could not read back: a NULL
 * p, more than 2^32-1 items, nesting deeper than MQ_PMT_MAX_DEPTH. */
int64_t mq_pmt_serialize(const mq_pmt *p, void *buf, size_t cap);
/* Reads one value from the front of buf: 0 with *out set and *used = bytes read
 * (bytes after it are left alone). MQ_EINVAL for malformed or truncated input,
 * MQ_ENOMEM; *out is NULL on failure. */
int mq_pmt_deserialize(const void *buf, size_t len, mq_pmt **out, size_t *used);

/* The JSON text form above (jansson). from_json reads exactly one value from
 * text[0..len); on failure it returns MQ_EINVAL with "line L, column C: why" in err
 * (err may be NULL), or MQ_ENOMEM; *out is NULL on failure. */
int mq_pmt_from_json(const char *text, size_t len, mq_pmt **out, char *err, size_t errlen);
/* malloc'd, compact, one line, no trailing newline; NULL on ENOMEM or a NULL p. */
char *mq_pmt_to_json(const mq_pmt *p);

#endif
