/* message_debug - prints the messages it receives (GNU Radio's message_debug),
 * one line each, to stdout or appended to `path`:
 *   print      the message as JSON (doc/control.md's text form);
 *   print_pdu  a PDU (a pair of a dict of metadata and a uniform vector) as
 *              "pdu: meta META len N data [..]", anything else as "not a PDU: ...";
 *   store      kept, and written at the end as "stored N: MSG" lines (GNU Radio keeps
 *              them for get_message(); here the run's output is the place to look).
 * It has no stream ports: it runs until the messages connected to it end, or, with
 * none connected (messages come from `mqgraph send`), until the graph stops.
 * GNU Radio prints a multi-line banner per message; one line is what a script
 * and a grep want. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "text_out.h"

struct dbg {
    FILE *f;
    mq_pmt **stored;
    size_t n_stored;
};

enum { P_PATH };
static const mq_param_decl params[] = {
    [P_PATH] = {"path", MQ_PARAM_STRING, "", 0, 0, NULL,
                "append the lines to this file (empty: stdout)", 0},
};
enum { IN_PRINT, IN_STORE, IN_PDU };
static const mq_port_decl in[] = {
    [IN_PRINT] = {"print", MQ_ITEM_MSG, NULL, NULL},
    [IN_STORE] = {"store", MQ_ITEM_MSG, NULL, NULL},
    [IN_PDU] = {"print_pdu", MQ_ITEM_MSG, NULL, NULL},
};

static int init(mq_block_ctx *c, void **state)
{
    struct dbg *d = calloc(1, sizeof *d);
    const char *path = mq_param_s(c, P_PATH);

    if (!d)
        return -1;
    *state = d;
    return (d->f = text_out_open(c, path)) ? 0 : -1;
}

/* Writes `line` and a newline whole (text_out.h). Takes line. */
static int put_line(mq_block_ctx *c, struct dbg *d, char *line)
{
    if (!line) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    size_t len = strlen(line);
    line[len++] = '\n'; /* over the NUL: asprintf's text is the caller's no more */
    int rc = text_out_put(c, d->f, line, len);
    free(line);
    return rc;
}

/* prefix and the message's JSON, as a line. */
static int print_json(mq_block_ctx *c, struct dbg *d, const char *prefix, const mq_pmt *m)
{
    char *text = mq_pmt_to_json(m), *line = NULL;

    if (text && asprintf(&line, "%s%s", prefix, text) < 0)
        line = NULL;
    free(text);
    return put_line(c, d, line);
}

static int print_pdu(mq_block_ctx *c, struct dbg *d, const mq_pmt *m)
{
    const mq_pmt *meta = mq_pmt_car(m), *data = mq_pmt_cdr(m);
    mq_pmt_type mt = mq_pmt_type_of(meta);

    if (mq_pmt_type_of(m) != MQ_PMT_PAIR || (mt != MQ_PMT_DICT && mt != MQ_PMT_NULL) ||
        mq_pmt_type_of(data) != MQ_PMT_UVEC)
        return print_json(c, d, "not a PDU: ", m);
    char *mtext = mq_pmt_to_json(meta), *dtext = mq_pmt_to_json(data), *line = NULL;
    if (mtext && dtext &&
        asprintf(&line, "pdu: meta %s len %zu data %s", mtext, mq_pmt_length(data), dtext) < 0)
        line = NULL;
    free(mtext);
    free(dtext);
    return put_line(c, d, line);
}

static int message(mq_block_ctx *c, void *state, int port, const mq_pmt *m)
{
    struct dbg *d = state;
    int rc = 0;

    if (port == IN_PRINT) {
        rc = print_json(c, d, "", m);
    } else if (port == IN_PDU) {
        rc = print_pdu(c, d, m);
    } else {
        mq_pmt **more = realloc(d->stored, sizeof *more * (d->n_stored + 1));
        if (!more || !(more[d->n_stored] = mq_pmt_copy(m))) {
            if (more)
                d->stored = more;
            mq_block_error(c, "out of memory");
            return -1;
        }
        d->stored = more;
        d->n_stored++;
    }
    return rc; /* each line is written as it happens: someone may be reading */
}

static void fini(mq_block_ctx *c, void *state)
{
    struct dbg *d = state;
    char prefix[64];

    if (!d)
        return;
    for (size_t i = 0; i < d->n_stored; i++) {
        snprintf(prefix, sizeof prefix, "stored %zu: ", i);
        if (d->f)
            print_json(c, d, prefix, d->stored[i]);
        mq_pmt_free(d->stored[i]);
    }
    text_out_close(d->f);
    free(d->stored);
    free(d);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "message_debug",
    .doc = "Prints messages, one line each (stdout, or appended to path): print as\n"
           "JSON, print_pdu as 'pdu: meta ... len N data ...', store kept and written\n"
           "at the end as 'stored I: ...'. Runs until its connected messages end, or\n"
           "with none connected until the graph stops.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .fini = fini, .message = message,
};
MQ_BLOCK_EXPORT(decl)
