/* expr.h - arithmetic in a graph file's numbers: "${rate}/4", "2*pi*${f}",
 * "0.5+0.5j", "${n}*1000", worked out when the graph loads.
 *
 * The language is Python's arithmetic, as GNU Radio Companion's parameter fields
 * are: + - * / // % ** (right-associative, tighter than a unary minus on its
 * left: -2**2 is -4), parentheses, numbers (1, 2.5, .5, 1e-3, 0x10, imaginary 2j),
 * the constants pi, e, tau and j, the functions below, and variables, written
 * ${name} or as a bare name (a bare name that is a variable shadows a constant).
 * Values are complex doubles that remember whether they are complex, as Python's
 * float and complex do: a function of the math module (floor, atan2, ...) refuses
 * a complex argument, sqrt(-1) is a domain error but sqrt(-1+0j) is 1j.
 *
 * The evaluator recurses once per level of nesting (a parenthesis, a call, a
 * unary sign, an exponent, a variable's own expression), at most
 * MQG_EXPR_MAX_DEPTH levels in all, and reads the text once: an expression costs
 * time in its length. It knows nothing of YAML or of blocks; the loader gives the
 * variables through a callback and says where an error is.
 */
#ifndef MQG_EXPR_H
#define MQG_EXPR_H

#include <stddef.h>

#include "block.h"

enum { MQG_EXPR_MAX_DEPTH = 64 };

typedef struct mqg_value {
    double re, im;
    int is_complex; /* Python's complex (1j, 2*1j), not float: im may still be 0 */
} mqg_value;

typedef struct mqg_expr_env {
    /* The value of variable name[0..len). Returns 1 with *v set, 0 if there is no
     * such variable, or -1 with the reason in err. `depth` is the nesting so far,
     * to be passed on to mqg_expr_eval of the variable's own text. */
    int (*var)(void *arg, const char *name, size_t len, int depth, mqg_value *v, char *err,
               size_t errlen);
    void *arg;
} mqg_expr_env;

/* The value of expression s, nested `depth` levels inside others already (0 for
 * a parameter's text). Returns 0, or -1 with the reason in err, naming the part of
 * s at fault: "division by zero in '${n}/0'", "unknown function 'sine'". */
int mqg_expr_eval(const char *s, const mqg_expr_env *env, int depth, mqg_value *v, char *err,
                  size_t errlen);

/* Whether s is a plain number: the whole text as strtod reads it, and finite. */
int mqg_expr_plain(const char *s);

/* Whether s, not a plain number, is written as an expression: it has a ${, an
 * operator or a parenthesis, or is a constant's name. (A bare word that is not,
 * "fast", is left to the parameter's own check: "'fast' is not a number".) */
int mqg_expr_wanted(const char *s);

/* The text of value v, the result of expression `src`, for a parameter of type t:
 * INT (an integer, or an error naming the value), FLOAT and FLOATS (a real
 * number) or COMPLEX ("0.5+0.5j", Python's form). Returns 0, or -1 with the
 * reason in err. */
int mqg_expr_text(mqg_value v, mq_param_type t, const char *src, char *buf, size_t len,
                  char *err, size_t errlen);

#endif
