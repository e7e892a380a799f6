/* design.c - the graph file's filter designs: their fields, checks and defaults,
 * and the taps as the loader's list text.
 *
 * Each design lists its fields in GNU Radio's argument order with GNU Radio's
 * defaults (window hamming for the windowed sincs, rectangular for hilbert, beta
 * 6.76); the rest are required, because a design silently built from a default
 * cutoff is worse than an error. beta is refused unless the window is kaiser: GNU
 * Radio ignores it there, and a beta that does nothing is a misunderstanding. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design.h"
#include "firdes.h"

enum field { F_GAIN, F_RATE, F_CUTOFF, F_LOW, F_HIGH, F_TW, F_WINDOW, F_BETA, F_SYMRATE,
             F_ALPHA, F_SPB, F_BT, F_NTAPS, F_COUNT };

static const char *const field_names[F_COUNT] = {
    "gain", "sample_rate", "cutoff", "low_cutoff", "high_cutoff", "transition", "window",
    "beta", "symbol_rate", "alpha", "spb", "bt", "ntaps"};

enum kind { LOW_PASS, HIGH_PASS, BAND_PASS, BAND_REJECT, RRC, GAUSSIAN, HILBERT, N_KINDS };

static const struct kind_decl {
    const char *name;
    int fields[8];   /* F_*, ended by -1 */
    int optional;    /* bit per F_*: may be left out */
    int win_default; /* MQG_WIN_* */
} kinds[N_KINDS] = {
#define OPT_WIN ((1 << F_WINDOW) | (1 << F_BETA))
    {"low_pass", {F_GAIN, F_RATE, F_CUTOFF, F_TW, F_WINDOW, F_BETA, -1}, OPT_WIN,
     MQG_WIN_HAMMING},
    {"high_pass", {F_GAIN, F_RATE, F_CUTOFF, F_TW, F_WINDOW, F_BETA, -1}, OPT_WIN,
     MQG_WIN_HAMMING},
    {"band_pass", {F_GAIN, F_RATE, F_LOW, F_HIGH, F_TW, F_WINDOW, F_BETA, -1}, OPT_WIN,
     MQG_WIN_HAMMING},
    {"band_reject", {F_GAIN, F_RATE, F_LOW, F_HIGH, F_TW, F_WINDOW, F_BETA, -1}, OPT_WIN,
     MQG_WIN_HAMMING},
    {"root_raised_cosine", {F_GAIN, F_RATE, F_SYMRATE, F_ALPHA, F_NTAPS, -1}, 0, 0},
    {"gaussian", {F_GAIN, F_SPB, F_BT, F_NTAPS, -1}, 0, 0},
    {"hilbert", {F_NTAPS, F_WINDOW, F_BETA, -1}, OPT_WIN, MQG_WIN_RECTANGULAR},
#undef OPT_WIN
};

/* The fields as read: numbers, the window, and which field each came from. */
struct args {
    double v[F_COUNT];
    int win, ntaps;
    int from[F_COUNT]; /* index in the caller's fields, or -1 */
};

static void *refuse(mqg_design_err *e, int field, int at_key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void *refuse(mqg_design_err *e, int field, int at_key, const char *fmt, ...)
{
    va_list ap;

    e->field = field;
    e->at_key = at_key;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

const char *mqg_design_names(void)
{
    return "low_pass, high_pass, band_pass, band_reject, root_raised_cosine, gaussian, "
           "hilbert";
}

static const struct kind_decl *find_kind(const char *name)
{
    for (int i = 0; i < N_KINDS; i++)
        if (!strcmp(kinds[i].name, name))
            return &kinds[i];
    return NULL;
}

static int field_of(const struct kind_decl *k, const char *key)
{
    for (int i = 0; k->fields[i] >= 0; i++)
        if (!strcmp(field_names[k->fields[i]], key))
            return k->fields[i];
    return -1;
}

int mqg_design_numeric(const char *name, const char *key)
{
    const struct kind_decl *k = find_kind(name);
    int fi = k ? field_of(k, key) : -1;

    return fi >= 0 && fi != F_WINDOW;
}

static void field_list(const struct kind_decl *k, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; k->fields[i] >= 0; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
                 field_names[k->fields[i]]);
}

/* One field's value into a. */
static int read_value(const struct kind_decl *k, int fi, const mqg_design_field *f, int i,
                      struct args *a, mqg_design_err *e)
{
    char *end;

    if (fi == F_WINDOW) {
        if ((a->win = mqg_window_parse(f->text)) < 0)
            return refuse(e, i, 0, "%s: unknown window '%s' (expected one of: %s)", k->name,
                          f->text, mqg_window_names()), -1;
        return 0;
    }
    errno = 0;
    double d = strtod(f->text, &end);
    if (!*f->text || *end || errno || !isfinite(d))
        return refuse(e, i, 0, "%s: %s '%s' is not a number", k->name, f->key, f->text), -1;
    if (fi == F_NTAPS && (d != floor(d) || d < 0 || d > MQG_FIRDES_MAX_TAPS))
        return refuse(e, i, 0, "%s: ntaps '%s' must be a whole number in [1, %d]", k->name,
                      f->text, MQG_FIRDES_MAX_TAPS), -1;
    a->v[fi] = d;
    a->ntaps = fi == F_NTAPS ? (int)d : a->ntaps;
    return 0;
}

static int read_args(const struct kind_decl *k, const mqg_design_field *f, int n,
                     struct args *a, mqg_design_err *e)
{
    char list[160];

    for (int i = 0; i < F_COUNT; i++)
        a->from[i] = -1;
    a->win = k->win_default;
    a->v[F_BETA] = MQG_FIRDES_BETA;
    for (int i = 0; i < n; i++) {
        int fi = field_of(k, f[i].key);
        if (fi < 0) {
            field_list(k, list, sizeof list);
            return refuse(e, i, 1, "unknown key '%s' in %s (expected one of: %s)", f[i].key,
                          k->name, list), -1;
        }
        if (a->from[fi] >= 0)
            return refuse(e, i, 1, "%s: '%s' given twice", k->name, f[i].key), -1;
        a->from[fi] = i;
        if (read_value(k, fi, &f[i], i, a, e) < 0)
            return -1;
    }
    for (int i = 0; k->fields[i] >= 0; i++)
        if (a->from[k->fields[i]] < 0 && !(k->optional & (1 << k->fields[i])))
            return refuse(e, MQG_DESIGN_AT_NAME, 1, "%s needs '%s'", k->name,
                          field_names[k->fields[i]]), -1;
    if (a->from[F_BETA] >= 0 && a->win != MQG_WIN_KAISER)
        return refuse(e, a->from[F_BETA], 1, "%s: beta applies only to window: kaiser",
                      k->name), -1;
    return 0;
}

static int run(enum kind kind, const struct args *a, double **t, size_t *n, mqg_firdes_err *fe)
{
    const double *v = a->v;
    switch (kind) {
    case LOW_PASS:
        return mqg_firdes_low_pass(v[F_GAIN], v[F_RATE], v[F_CUTOFF], v[F_TW], a->win,
                                   v[F_BETA], t, n, fe);
    case HIGH_PASS:
        return mqg_firdes_high_pass(v[F_GAIN], v[F_RATE], v[F_CUTOFF], v[F_TW], a->win,
                                    v[F_BETA], t, n, fe);
    case BAND_PASS:
        return mqg_firdes_band_pass(v[F_GAIN], v[F_RATE], v[F_LOW], v[F_HIGH], v[F_TW], a->win,
                                    v[F_BETA], t, n, fe);
    case BAND_REJECT:
        return mqg_firdes_band_reject(v[F_GAIN], v[F_RATE], v[F_LOW], v[F_HIGH], v[F_TW],
                                      a->win, v[F_BETA], t, n, fe);
    case RRC:
        return mqg_firdes_root_raised_cosine(v[F_GAIN], v[F_RATE], v[F_SYMRATE], v[F_ALPHA],
                                             a->ntaps, t, n, fe);
    case GAUSSIAN:
        return mqg_firdes_gaussian(v[F_GAIN], v[F_SPB], v[F_BT], a->ntaps, t, n, fe);
    default:
        return mqg_firdes_hilbert(a->ntaps, a->win, v[F_BETA], t, n, fe);
    }
}

/* "t0,t1,...": %.17g, so the text gives back each double exactly. */
static char *taps_text(const double *t, size_t n)
{
    char *s = malloc(n * 26 + 1), *p = s;

    for (size_t i = 0; s && i < n; i++)
        p += sprintf(p, "%s%.17g", i ? "," : "", t[i]);
    if (s)
        *p = 0;
    return s;
}

static int field_index(const struct args *a, const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (!strcmp(field_names[i], name))
            return a->from[i];
    return MQG_DESIGN_AT_NAME;
}

char *mqg_design_taps(const char *name, const mqg_design_field *f, int n, mqg_design_err *e)
{
    const struct kind_decl *k = find_kind(name);
    mqg_firdes_err fe = {0};
    struct args a = {0};
    double *t;
    size_t nt;

    if (!k)
        return refuse(e, MQG_DESIGN_AT_NAME, 1, "unknown filter design '%s' (expected one of: "
                      "%s)", name, mqg_design_names());
    if (read_args(k, f, n, &a, e) < 0)
        return NULL;
    int rc = run((enum kind)(k - kinds), &a, &t, &nt, &fe);
    if (rc < 0) {
        /* A field firdes blames is one the user gave or a default (window, beta):
         * point at it if given, else at the design. */
        int at = fe.field ? field_index(&a, fe.field) : MQG_DESIGN_AT_NAME;
        return refuse(e, at, at == MQG_DESIGN_AT_NAME, "%s: %s", k->name,
                      fe.field ? fe.msg : "out of memory");
    }
    char *s = taps_text(t, nt);
    free(t);
    if (!s)
        return refuse(e, MQG_DESIGN_AT_NAME, 1, "%s: out of memory", k->name);
    return s;
}
