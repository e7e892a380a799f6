/* expr.c - the graph file's arithmetic (expr.h): a recursive-descent parser that
 * computes as it reads, with Python's operators, numbers and errors.
 *
 * Real values are doubles throughout. Complex arithmetic is written out as
 * CPython's complexobject.c does it (its product, its scaled quotient, integral
 * powers up to 100 by repeated squaring), so "(1+2j)*(1-2j)" is exactly 5 and
 * "1j**2" exactly -1, as in Python; the complex functions are C's (cexp, csqrt),
 * which may differ from Python's cmath in the last digit. */
#include <complex.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

typedef mqg_value val;

struct parser {
    const char *s; /* the whole text, for messages */
    const char *p; /* what is read next */
    const mqg_expr_env *env;
    int depth;
    char *err;
    size_t errlen;
};

static val real(double x)
{
    return (val){x, 0, 0};
}

static val cplx(double re, double im)
{
    return (val){re, im, 1};
}

static int fail(struct parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *P, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(P->err, P->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* s[a, b) in quotes, without trailing blanks, cut to 60 characters. */
struct quoted {
    char s[72];
};

static struct quoted quote(const char *a, const char *b)
{
    struct quoted q;

    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    if (b - a > 60)
        snprintf(q.s, sizeof q.s, "'%.57s...'", a);
    else
        snprintf(q.s, sizeof q.s, "'%.*s'", (int)(b - a), a);
    return q;
}

static struct quoted whole(const struct parser *P)
{
    return quote(P->s, P->s + strlen(P->s));
}

static void skip(struct parser *P)
{
    while (isspace((unsigned char)*P->p))
        P->p++;
}

static int name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int finite_or_fail(struct parser *P, val v, const char *a, const char *b)
{
    if (isfinite(v.re) && isfinite(v.im))
        return 0;
    return fail(P, "overflow in %s", quote(a, b).s);
}

/* ---- complex arithmetic, as CPython's ---------------------------------------------- */

static val c_prod(val a, val b)
{
    return cplx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}

/* a / b for b != 0, scaled by the larger part of b. */
static val c_quot(val a, val b)
{
    if (fabs(b.re) >= fabs(b.im)) {
        double ratio = b.im / b.re, denom = b.re + b.im * ratio;
        return cplx((a.re + a.im * ratio) / denom, (a.im - a.re * ratio) / denom);
    }
    double ratio = b.re / b.im, denom = b.re * ratio + b.im;
    return cplx((a.re * ratio + a.im) / denom, (a.im * ratio - a.re) / denom);
}

static val c_powu(val x, long n)
{
    val r = cplx(1, 0), p = x;

    for (long mask = 1; mask > 0 && n >= mask; mask <<= 1) {
        if (n & mask)
            r = c_prod(r, p);
        p = c_prod(p, p);
    }
    return r;
}

static val c_pow(val a, val b)
{
    if (b.im == 0 && b.re == floor(b.re) && fabs(b.re) <= 100) {
        long n = (long)b.re;
        return n >= 0 ? c_powu(a, n) : c_quot(cplx(1, 0), c_powu(a, -n));
    }
    double vabs = hypot(a.re, a.im), len = pow(vabs, b.re), at = atan2(a.im, a.re);
    double phase = at * b.re;
    if (b.im != 0) {
        len /= exp(at * b.im);
        phase += b.im * log(vabs);
    }
    return cplx(len * cos(phase), len * sin(phase));
}

static int is_zero(val v)
{
    return v.re == 0 && v.im == 0;
}

/* a ** b over s[from, to). */
static int power_of(struct parser *P, val a, val b, const char *from, const char *to, val *out)
{
    if (is_zero(a) && (b.re < 0 || b.im != 0))
        return fail(P, "division by zero in %s", quote(from, to).s);
    if (!a.is_complex && !b.is_complex && (a.re >= 0 || b.re == floor(b.re)))
        *out = real(b.re == 0 ? 1 : pow(a.re, b.re));
    else if (is_zero(b))
        *out = cplx(1, 0);
    else
        *out = c_pow(a, b); /* a negative base and a fractional power: complex, as in Python 3 */
    return finite_or_fail(P, *out, from, to);
}

/* Python's float // and %: the remainder takes the divisor's sign. */
static void div_mod(double x, double y, double *floordiv, double *mod)
{
    double m = fmod(x, y), d = (x - m) / y;

    if (m != 0) {
        if ((y < 0) != (m < 0)) {
            m += y;
            d -= 1;
        }
    } else {
        m = copysign(0, y);
    }
    if (d != 0) {
        *floordiv = floor(d);
        if (d - *floordiv > 0.5)
            *floordiv += 1;
    } else {
        *floordiv = copysign(0, x / y);
    }
    *mod = m;
}

/* acc = acc OP r, the operation written s[from, to). */
static int binary(struct parser *P, int op, val *acc, val r, const char *from, const char *to)
{
    val a = *acc;
    int c = a.is_complex || r.is_complex;

    switch (op) {
    case '+':
        *acc = c ? cplx(a.re + r.re, a.im + r.im) : real(a.re + r.re);
        break;
    case '-':
        *acc = c ? cplx(a.re - r.re, a.im - r.im) : real(a.re - r.re);
        break;
    case '*':
        *acc = c ? c_prod(a, r) : real(a.re * r.re);
        break;
    case '/':
        if (is_zero(r))
            return fail(P, "division by zero in %s", quote(from, to).s);
        *acc = c ? c_quot(a, r) : real(a.re / r.re);
        break;
    default: { /* '%' and 'f', floor division */
        double fd, m;
        if (c)
            return fail(P, "'%s' needs real numbers, not complex, in %s", op == '%' ? "%" : "//",
                        quote(from, to).s);
        if (r.re == 0)
            return fail(P, "division by zero in %s", quote(from, to).s);
        div_mod(a.re, r.re, &fd, &m);
        *acc = real(op == '%' ? m : fd);
    }
    }
    return finite_or_fail(P, *acc, from, to);
}

/* ---- functions ----------------------------------------------------------------------- */

enum { FK_MATH, FK_LOG, FK_ATAN2, FK_ABS, FK_ROUND, FK_MIN, FK_MAX, FK_POW };

/* A complex double is laid out as two doubles, re and im (C11 6.2.5); CMPLX is
 * not in every compiler's complex.h. */
static double complex to_c(val v)
{
    double complex z;
    double *part = (double *)&z;

    part[0] = v.re;
    part[1] = v.im;
    return z;
}

static double complex clog10_(double complex z)
{
    return clog(z) / M_LN10;
}

static const struct func {
    const char *name;
    int kind;
    int lo, hi; /* how many arguments; hi 0: no upper limit */
    double (*re)(double);
    double complex (*cx)(double complex); /* NULL: real arguments only */
} funcs[] = {
    {"sin", FK_MATH, 1, 1, sin, csin},       {"cos", FK_MATH, 1, 1, cos, ccos},
    {"tan", FK_MATH, 1, 1, tan, ctan},       {"asin", FK_MATH, 1, 1, asin, casin},
    {"acos", FK_MATH, 1, 1, acos, cacos},    {"atan", FK_MATH, 1, 1, atan, catan},
    {"sinh", FK_MATH, 1, 1, sinh, csinh},    {"cosh", FK_MATH, 1, 1, cosh, ccosh},
    {"tanh", FK_MATH, 1, 1, tanh, ctanh},    {"exp", FK_MATH, 1, 1, exp, cexp},
    {"log10", FK_MATH, 1, 1, log10, clog10_}, {"log2", FK_MATH, 1, 1, log2, NULL},
    {"sqrt", FK_MATH, 1, 1, sqrt, csqrt},    {"floor", FK_MATH, 1, 1, floor, NULL},
    {"ceil", FK_MATH, 1, 1, ceil, NULL},     {"log", FK_LOG, 1, 2, log, clog},
    {"atan2", FK_ATAN2, 2, 2, NULL, NULL},   {"abs", FK_ABS, 1, 1, NULL, NULL},
    {"round", FK_ROUND, 1, 1, NULL, NULL},   {"min", FK_MIN, 1, 0, NULL, NULL},
    {"max", FK_MAX, 1, 0, NULL, NULL},       {"pow", FK_POW, 2, 2, NULL, NULL},
};

static const struct func *find_func(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (strlen(funcs[i].name) == len && !memcmp(funcs[i].name, name, len))
            return &funcs[i];
    return NULL;
}

/* One argument's function: the real one for a real argument (sqrt(-1) is a domain
 * error, as Python's math module says), the complex one for a complex argument. */
static int math1(struct parser *P, const struct func *f, val x, const char *from,
                 const char *to, val *out)
{
    if (x.is_complex && !f->cx)
        return fail(P, "%s() needs a real number, not complex, in %s", f->name,
                    quote(from, to).s);
    if (x.is_complex) {
        double complex z = f->cx(to_c(x));
        *out = cplx(creal(z), cimag(z));
    } else {
        *out = real(f->re(x.re));
    }
    if (isnan(out->re) || isnan(out->im) || (!isfinite(out->re + out->im) && is_zero(x)))
        return fail(P, "math domain error in %s", quote(from, to).s);
    return finite_or_fail(P, *out, from, to);
}

/* Python's round(): to the nearest integer, a half to the even one. */
static double round_even(double x)
{
    double r = round(x);

    return fabs(x - r) == 0.5 ? 2.0 * round(x / 2.0) : r;
}

static int apply(struct parser *P, const struct func *f, const val *a, int n, const char *from,
                 const char *to, val *out)
{
    struct quoted q = quote(from, to);
    int c = a[0].is_complex || (n > 1 && a[1].is_complex);

    switch (f->kind) {
    case FK_MATH:
        return math1(P, f, a[0], from, to, out);
    case FK_LOG: {
        val den;
        int rc = math1(P, f, a[0], from, to, out);
        if (rc < 0 || n == 1)
            return rc;
        if (math1(P, f, a[1], from, to, &den) < 0)
            return -1;
        return binary(P, '/', out, den, from, to);
    }
    case FK_POW:
        return power_of(P, a[0], a[1], from, to, out);
    case FK_ABS:
        *out = real(a[0].is_complex ? hypot(a[0].re, a[0].im) : fabs(a[0].re));
        return finite_or_fail(P, *out, from, to);
    default:
        break;
    }
    if (c)
        return fail(P, "%s() needs real numbers, not complex, in %s", f->name, q.s);
    if (f->kind == FK_ATAN2)
        *out = real(atan2(a[0].re, a[1].re));
    else
        *out = real(round_even(a[0].re)); /* min and max are folded as they are read */
    return 0;
}

/* ---- the grammar -------------------------------------------------------------------- */

static int expr(struct parser *P, val *v);
static int unary(struct parser *P, val *v);

/* What is at P->p, where it makes no sense: a name or number whole, else one
 * character. */
static int unexpected(struct parser *P)
{
    const char *a = P->p, *b = a + 1;

    if (*a == '^')
        return fail(P, "use ** for a power, not ^, in %s", whole(P).s);
    while (name_char(*a) && name_char(*b))
        b++;
    return fail(P, "unexpected %s in %s", quote(a, b).s, whole(P).s);
}

static int number(struct parser *P, val *v)
{
    const char *a = P->p, *q = a;
    char buf[128];

    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && isxdigit((unsigned char)q[2])) {
        for (q += 2; isxdigit((unsigned char)*q); q++)
            ;
    } else {
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '.')
            for (q++; isdigit((unsigned char)*q); q++)
                ;
        if ((*q == 'e' || *q == 'E') &&
            (isdigit((unsigned char)q[1]) ||
             ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2]))))
            for (q += 2; isdigit((unsigned char)*q); q++)
                ;
    }
    int imag = *q == 'j' || *q == 'J';
    const char *end = q + imag;
    if (name_char(*end) || *end == '.' || q - a >= (long)sizeof buf) {
        while (name_char(*end) || *end == '.')
            end++;
        return fail(P, "invalid number %s in %s", quote(a, end).s, whole(P).s);
    }
    memcpy(buf, a, (size_t)(q - a));
    buf[q - a] = 0;
    double x = strtod(buf, NULL);
    P->p = end;
    *v = imag ? cplx(0, x) : real(x);
    return finite_or_fail(P, *v, a, end);
}

/* ${name} */
static int braced(struct parser *P, val *v)
{
    const char *name = P->p + 2, *close = strchr(name, '}');
    int rc = 0;

    if (!close)
        return fail(P, "unterminated ${ in %s", whole(P).s);
    if (P->env && P->env->var)
        rc = P->env->var(P->env->arg, name, (size_t)(close - name), P->depth, v, P->err,
                         P->errlen);
    if (rc == 0)
        return fail(P, "undefined variable '%.*s'", (int)(close - name), name);
    P->p = close + 1;
    return rc < 0 ? -1 : 0;
}

/* f(args...), P->p at the '('; a function of any number of arguments (min, max)
 * folds them as it reads them. */
static int call(struct parser *P, const char *name, size_t len, val *v)
{
    const struct func *f = find_func(name, len);
    val a[2] = {real(0), real(0)}, t;
    int n = 0;

    if (!f)
        return fail(P, "unknown function '%.*s'", (int)len, name);
    P->p++;
    skip(P);
    while (*P->p != ')') {
        const char *from = P->p;
        if (expr(P, &t) < 0)
            return -1;
        if ((f->kind == FK_MIN || f->kind == FK_MAX) && t.is_complex)
            return fail(P, "%s() needs real numbers, not complex: %s", f->name,
                        quote(from, P->p).s);
        if (f->kind == FK_MIN || f->kind == FK_MAX)
            a[0] = n == 0 ? t : real(f->kind == FK_MIN ? fmin(a[0].re, t.re) : fmax(a[0].re, t.re));
        else if (n < 2)
            a[n] = t;
        n++;
        skip(P);
        if (*P->p == ',')
            P->p++, skip(P);
        else if (*P->p != ')')
            return unexpected(P);
    }
    P->p++;
    if (n < f->lo || (f->hi && n > f->hi)) {
        if (f->lo == f->hi)
            return fail(P, "%s() takes %d argument%s, not %d, in %s", f->name, f->lo,
                        f->lo == 1 ? "" : "s", n, quote(name, P->p).s);
        if (f->hi)
            return fail(P, "%s() takes %d or %d arguments, not %d, in %s", f->name, f->lo,
                        f->hi, n, quote(name, P->p).s);
        return fail(P, "%s() takes at least %d argument, in %s", f->name, f->lo,
                    quote(name, P->p).s);
    }
    if (f->kind == FK_MIN || f->kind == FK_MAX) {
        *v = a[0];
        return 0;
    }
    return apply(P, f, a, n, name, P->p, v);
}

static int constant(const char *s, size_t len, val *v)
{
    static const struct {
        const char *name;
        val v;
    } k[] = {{"pi", {M_PI, 0, 0}}, {"e", {M_E, 0, 0}}, {"tau", {2 * M_PI, 0, 0}},
             {"j", {0, 1, 1}}};

    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strlen(k[i].name) == len && !memcmp(k[i].name, s, len)) {
            *v = k[i].v;
            return 1;
        }
    return 0;
}

/* A call, a variable, or a constant: a variable of the name shadows a constant, as
 * in Python. */
static int name(struct parser *P, val *v)
{
    const char *a = P->p, *b = a;
    int rc = 0;

    while (name_char(*b))
        b++;
    P->p = b;
    skip(P);
    if (*P->p == '(')
        return call(P, a, (size_t)(b - a), v);
    if (P->env && P->env->var)
        rc = P->env->var(P->env->arg, a, (size_t)(b - a), P->depth, v, P->err, P->errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (constant(a, (size_t)(b - a), v))
        return 0;
    if (find_func(a, (size_t)(b - a)))
        return fail(P, "'%.*s' is a function: write %.*s(...)", (int)(b - a), a, (int)(b - a), a);
    return fail(P, "'%.*s' is not a variable", (int)(b - a), a);
}

static int primary(struct parser *P, val *v)
{
    const char *a = (skip(P), P->p);

    if (isdigit((unsigned char)*a) || (*a == '.' && isdigit((unsigned char)a[1])))
        return number(P, v);
    if (a[0] == '$' && a[1] == '{')
        return braced(P, v);
    if (name_start(*a))
        return name(P, v);
    if (*a == '(') {
        P->p++;
        if (expr(P, v) < 0)
            return -1;
        skip(P);
        if (*P->p != ')')
            return unexpected(P);
        P->p++;
        return 0;
    }
    if (!*a)
        return fail(P, "a value is missing at the end of %s", whole(P).s);
    return unexpected(P);
}

/* primary [** unary]: right-associative, and the exponent may have a sign. */
static int power(struct parser *P, val *v)
{
    const char *a = (skip(P), P->p);
    val e;

    if (primary(P, v) < 0)
        return -1;
    skip(P);
    if (P->p[0] != '*' || P->p[1] != '*')
        return 0;
    P->p += 2;
    if (unary(P, &e) < 0)
        return -1;
    return power_of(P, *v, e, a, P->p, v);
}

/* Every level of nesting passes here: a sign, a parenthesis, a call's argument,
 * an exponent, a variable's expression. */
static int unary(struct parser *P, val *v)
{
    int rc;

    if (++P->depth > MQG_EXPR_MAX_DEPTH)
        return fail(P, "%s is nested more than %d levels deep (parentheses, calls, signs, "
                    "powers and variables)", whole(P).s, MQG_EXPR_MAX_DEPTH);
    skip(P);
    if (*P->p == '-' || *P->p == '+') {
        char op = *P->p++;
        rc = unary(P, v);
        if (rc == 0 && op == '-')
            *v = v->is_complex ? cplx(-v->re, -v->im) : real(-v->re);
    } else {
        rc = power(P, v);
    }
    P->depth--;
    return rc;
}

static int term(struct parser *P, val *v)
{
    const char *a = (skip(P), P->p);
    val r;

    if (unary(P, v) < 0)
        return -1;
    for (;;) {
        int op;
        skip(P);
        if (P->p[0] == '/' && P->p[1] == '/')
            op = 'f', P->p += 2;
        else if (P->p[0] == '*' || P->p[0] == '/' || P->p[0] == '%')
            op = *P->p++;
        else
            return 0;
        if (unary(P, &r) < 0 || binary(P, op, v, r, a, P->p) < 0)
            return -1;
    }
}

static int expr(struct parser *P, val *v)
{
    const char *a = (skip(P), P->p);
    val r;

    if (term(P, v) < 0)
        return -1;
    for (;;) {
        skip(P);
        if (*P->p != '+' && *P->p != '-')
            return 0;
        int op = *P->p++;
        if (term(P, &r) < 0 || binary(P, op, v, r, a, P->p) < 0)
            return -1;
    }
}

/* Parentheses pair up (those in a ${name} do not count). */
static int balanced(const char *s)
{
    long open = 0;

    for (const char *p = s; *p && open >= 0; p++) {
        if (p[0] == '$' && p[1] == '{' && strchr(p, '}'))
            p = strchr(p, '}');
        else
            open += (*p == '(') - (*p == ')');
    }
    return open == 0;
}

int mqg_expr_eval(const char *s, const mqg_expr_env *env, int depth, mqg_value *v, char *err,
                  size_t errlen)
{
    struct parser P = {s, s, env, depth, err, errlen};

    if (!balanced(s))
        return fail(&P, "unbalanced parenthesis in %s", whole(&P).s);
    if (expr(&P, v) < 0)
        return -1;
    skip(&P);
    return *P.p ? unexpected(&P) : 0;
}

int mqg_expr_plain(const char *s)
{
    char *end;
    double d = strtod(s, &end);

    return *s && !*end && isfinite(d);
}

int mqg_expr_wanted(const char *s)
{
    long open = 0;
    int any = 0;
    val v;

    for (const char *p = s; *p; p++) {
        any |= (p[0] == '$' && p[1] == '{') || strchr("+-*/%^()", *p) != NULL;
        open += (*p == '(') - (*p == ')');
        if (*p == ',' && open <= 0)
            return 0; /* "1,-2,3": a list as text, not one expression */
    }
    return any || constant(s, strlen(s), &v);
}

/* "0.5+0.5j", "2j", "-1-0.5j", "5": Python's form (without its parentheses), which
 * the parameter parser reads. */
static void complex_text(val v, char *buf, size_t len)
{
    char re[40], im[40];

    if (v.im == 0) {
        mq_param_format_double(v.re, buf, len);
        return;
    }
    mq_param_format_double(v.im, im, sizeof im);
    if (v.re == 0) {
        snprintf(buf, len, "%sj", im);
        return;
    }
    mq_param_format_double(v.re, re, sizeof re);
    snprintf(buf, len, "%s%s%sj", re, signbit(v.im) ? "" : "+", im);
}

int mqg_expr_text(mqg_value v, mq_param_type t, const char *src, char *buf, size_t len,
                  char *err, size_t errlen)
{
    struct parser P = {src, src, NULL, 0, err, errlen};
    char num[96];

    if (t == MQ_PARAM_COMPLEX) {
        complex_text(v, buf, len);
        return 0;
    }
    if (v.im != 0) {
        complex_text(v, num, sizeof num);
        return fail(&P, "%s is complex (%s), not a real number", whole(&P).s, num);
    }
    if (t != MQ_PARAM_INT) {
        mq_param_format_double(v.re, buf, len);
        return 0;
    }
    mq_param_format_double(v.re, num, sizeof num);
    if (v.re != floor(v.re))
        return fail(&P, "%s is %s, not an integer", whole(&P).s, num);
    if (fabs(v.re) > 9007199254740992.0)
        return fail(&P, "%s is %s, too large for an integer (at most 2^53)", whole(&P).s, num);
    snprintf(buf, len, "%.0f", v.re + 0.0);
    return 0;
}
