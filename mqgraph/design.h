/* design.h - a filter design named in a graph file, turned into its taps.
 *
 * A FLOATS parameter may be given as `{DESIGN: {field: value, ...}}` instead of a
 * list (taps: {low_pass: {gain: 1, sample_rate: 48000, cutoff: 3000, transition:
 * 500, window: hamming}}); the loader hands the design's name and its fields, as
 * text after ${variable} substitution, to mqg_design_taps(), which checks them,
 * designs the filter with firdes.c and returns the taps as the loader's list text.
 * This module knows no YAML: the loader keeps the marks and points the error at
 * the field mqg_design_err names.
 */
#ifndef MQG_DESIGN_H
#define MQG_DESIGN_H

typedef struct mqg_design_field {
    const char *key, *text;
} mqg_design_field;

enum { MQG_DESIGN_AT_NAME = -1 }; /* the error is the design's name or a missing field */

typedef struct mqg_design_err {
    int field;  /* index of the field at fault, or MQG_DESIGN_AT_NAME */
    int at_key; /* the field's key (unknown, given twice), not its value */
    char msg[320];
} mqg_design_err;

/* The taps of design `name` with fields f[0..n), as "t0,t1,..." (malloc'd, each
 * to double precision), or NULL with the reason in *e. */
char *mqg_design_taps(const char *name, const mqg_design_field *f, int n, mqg_design_err *e);

/* Whether field `key` of design `name` is a number (not the window), so its text
 * may be an expression; 0 for a field or design that does not exist, which
 * mqg_design_taps refuses. */
int mqg_design_numeric(const char *name, const char *key);

/* The design names joined for a message: "low_pass, high_pass, ...". */
const char *mqg_design_names(void);

#endif
