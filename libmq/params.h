/* params.h - parsed block parameters, shared by the validator's checks and the
 * runtime's getters (internal to libmq). */
#ifndef MQ_PARAMS_H
#define MQ_PARAMS_H

#include "block.h"

typedef struct mq_pval {
    int64_t i;       /* INT, BOOL */
    double f;        /* FLOAT (and INT as a double), COMPLEX's real part */
    double im;       /* COMPLEX's imaginary part */
    const char *s;   /* STRING, ENUM: points into the "name=value" text or the default */
    double *list;    /* FLOATS, malloc'd */
    size_t n;
} mq_pval;

#pragma GCC visibility push(hidden) /* internal, as in arena_internal.h */

/* Parses every declared parameter (given or default) into vals[d->n_params]. */
int mq__params_parse(const mq_block_decl *d, int n_params, char *const *params, mq_pval *vals,
                     int *bad, char *errbuf, size_t errlen);
void mq__params_free(const mq_block_decl *d, mq_pval *vals);

/* Runs d->check (if any) on parsed parameters (runtime.c, which owns the context).
 * 0, or MQ_EINVAL with the block's message in errbuf. */
int mq__block_check(const mq_block_decl *d, int n_params, char *const *params,
                    mq_pval *vals, char *errbuf, size_t errlen);

/* Whether the block has live parameters, and so a last input `cmd`. */
int mq__has_cmd(const mq_block_decl *d);


/* Applies live values, "name=value" lines of live parameters (as the supervisor
 * publishes them), to vals: every line is parsed first, so one that is not a live
 * parameter of d or does not parse changes nothing (MQ_EINVAL, why in errbuf).
 * changed[k] says which values differ from before; returns how many. STRING and
 * ENUM values point into `text`, whose newlines become NULs; the caller keeps it. */
int mq__params_apply(const mq_block_decl *d, mq_pval *vals, char *text,
                     unsigned char *changed, char *errbuf, size_t errlen);

#pragma GCC visibility pop

#endif
