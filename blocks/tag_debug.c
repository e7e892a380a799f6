/* tag_debug - prints the stream tags it receives (GNU Radio's tag_debug), one line
 * each, to stdout or appended to `path`:
 *   NAME: input I offset N source SRCID key KEY value VALUE
 * with the srcid, key and value as JSON (doc/control.md's text form of PMTs), and
 * "NAME: " left out for an empty name. GNU Radio prints a banner and a block of
 * lines per work call, its values in PMT's own text form ("#t", "(a . b)"); one
 * line per tag, in the form message_debug prints, is what a script and a grep
 * want. The items themselves go nowhere: it is a sink. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "text_out.h"

struct tdbg {
    FILE *f;
};

enum { P_NAME, P_FILTER, P_DISPLAY, P_PATH, P_TYPE, P_VLEN, P_INPUTS };
static const mq_param_decl params[] = {
    [P_NAME] = {"name", MQ_PARAM_STRING, "", 0, 0, NULL, "printed before each tag", 0},
    [P_FILTER] = {"key_filter", MQ_PARAM_STRING, "", 0, 0, NULL,
                  "print only tags with this key (empty: all)", MQ_PARAM_LIVE},
    [P_DISPLAY] = {"display", MQ_PARAM_BOOL, "true", 0, 0, NULL, "print the tags",
                   MQ_PARAM_LIVE},
    [P_PATH] = {"path", MQ_PARAM_STRING, "", 0, 0, NULL,
                "append the lines to this file (empty: stdout)", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes",
                "item type", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "items per vector", 0},
    [P_INPUTS] = {"inputs", MQ_PARAM_INT, "1", 1, MQ_MAX_PORTS, NULL, "number of inputs", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "vlen"}};

static int init(mq_block_ctx *c, void **state)
{
    struct tdbg *d = calloc(1, sizeof *d);
    const char *path = mq_param_s(c, P_PATH);

    if (!d)
        return -1;
    *state = d;
    return (d->f = text_out_open(c, path)) ? 0 : -1;
}

/* Appends tag t of input i as a line to the text at *buf (*len bytes). */
static int line(mq_block_ctx *c, char **buf, size_t *len, int i, const mq_tag *t)
{
    const char *name = mq_param_s(c, P_NAME);
    char *src = mq_pmt_to_json(t->srcid), *key = mq_pmt_to_json(t->key);
    char *val = mq_pmt_to_json(t->value), *one = NULL, *all;
    int n = -1;

    if (src && key && val)
        n = asprintf(&one, "%s%sinput %d offset %llu source %s key %s value %s\n", name,
                     *name ? ": " : "", i, (unsigned long long)t->offset, src, key, val);
    free(src);
    free(key);
    free(val);
    if (n < 0 || !(all = realloc(*buf, *len + (size_t)n + 1))) {
        free(n < 0 ? NULL : one);
        mq_block_error(c, "out of memory");
        return -1;
    }
    memcpy(all + *len, one, (size_t)n + 1);
    *buf = all;
    *len += (size_t)n;
    free(one);
    return 0;
}

/* Whether t passes key_filter: its key is that symbol (GNU Radio's key filter). */
static int wanted(const mq_tag *t, const char *filter)
{
    const char *key = mq_pmt_symbol_str(t->key);
    return !*filter || (key && !strcmp(key, filter));
}

static int work(mq_block_ctx *c, void *state)
{
    struct tdbg *d = state;
    const char *filter = mq_param_s(c, P_FILTER);
    char *text = NULL;
    size_t len = 0;
    int rc = 0;

    if (!mq_param_i(c, P_DISPLAY))
        return MQ_WORK_OK;
    for (int i = 0; i < mq_block_n_inputs(c) && rc == 0; i++) {
        size_t n;
        const mq_tag *t;
        if (!mq_in_items(c, i, &n))
            continue;
        uint64_t first = mq_in_nitems_read(c, i);
        int k = mq_in_tags(c, i, first, first + n, &t);
        if (k < 0)
            rc = -1;
        for (int j = 0; j < k && rc == 0; j++)
            if (wanted(&t[j], filter))
                rc = line(c, &text, &len, i, &t[j]);
    }
    /* each work call's lines as they come: someone may be reading */
    if (rc == 0 && len > 0)
        rc = text_out_put(c, d->f, text, len);
    free(text);
    return rc < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct tdbg *d = state;

    if (d)
        text_out_close(d->f);
    free(d);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "tag_debug",
    .doc = "Prints the stream tags it receives, one line per tag.\n"
           "To stdout, or appended to path: 'NAME: input I offset N source S key K\n"
           "value V', N the item's absolute offset, S (srcid), K and V as JSON.\n"
           "key_filter (live): only tags whose key is that symbol. display (live):\n"
           "false prints nothing. The items are dropped: a sink of `inputs` inputs.",
    .in = in, .n_in = 1, .in_count_param = "inputs",
    .params = params, .n_params = MQ_COUNTOF(params),
    .flags = MQ_BLOCK_ANY_INPUT,
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
