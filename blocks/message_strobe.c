/* message_strobe - posts a message every period_ms milliseconds (GNU Radio's
 * message_strobe). The first goes out one period after the graph starts, as in GNU
 * Radio. msg is the message in its JSON form (doc/control.md); a bare word (text
 * that does not start like JSON) is a string (a symbol): `msg: hello` and
 * `msg: '"hello"'` are the same, and `msg: '{"k": 2'` is an error at its line.
 * A message on set_msg replaces the message sent (the parameter keeps its value:
 * `mqgraph get` shows the graph's or the last set's); msg and period_ms are live. */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "msg.h"

struct strobe {
    mq_pmt *msg;
    int64_t next;
};

enum { P_MSG, P_PERIOD };
static const mq_param_decl params[] = {
    [P_MSG] = {"msg", MQ_PARAM_STRING, "\"TEST\"", 0, 0, NULL,
               "the message, as JSON (else a string)", MQ_PARAM_LIVE},
    [P_PERIOD] = {"period_ms", MQ_PARAM_FLOAT, "1000", 0.01, 1e9, NULL,
                  "milliseconds between messages", MQ_PARAM_LIVE},
};
static const mq_port_decl in[] = {{"set_msg", MQ_ITEM_MSG, NULL, NULL}};
static const mq_port_decl out[] = {{"strobe", MQ_ITEM_MSG, NULL, NULL}};

/* The msg parameter as a message (mq_msg_parse: JSON, or a bare word as a string). */
static mq_pmt *parse_msg(const char *text)
{
    mq_pmt *m = NULL;
    char why[256];
    return mq_msg_parse(text, &m, why, sizeof why) == 0 ? m : NULL;
}

static int check(mq_block_ctx *c)
{
    mq_pmt *m = NULL;
    char why[256];
    if (mq_msg_parse(mq_param_s(c, P_MSG), &m, why, sizeof why) < 0)
        mq_block_error(c, "parameter 'msg': %s", why);
    mq_pmt_free(m);
    return m ? 0 : -1;
}

static int init(mq_block_ctx *c, void **state)
{
    struct strobe *s = calloc(1, sizeof *s);
    if (!s || !(s->msg = parse_msg(mq_param_s(c, P_MSG)))) {
        free(s);
        return -1;
    }
    s->next = mq_block_graph_start_ns(c) + (int64_t)(mq_param_f(c, P_PERIOD) * 1e6);
    *state = s;
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct strobe *s = state;

    int r = mq_block_wait_until(c, s->next);
    if (r == 1)
        return MQ_WORK_DONE;
    if (r == 2)
        return MQ_WORK_OK; /* a message or a change first; then wait on */
    s->next += (int64_t)(mq_param_f(c, P_PERIOD) * 1e6);
    return mq_msg_post(c, 0, s->msg) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static int set_msg(struct strobe *s, mq_pmt *m)
{
    if (!m)
        return -1;
    mq_pmt_free(s->msg);
    s->msg = m;
    return 0;
}

static int message(mq_block_ctx *c, void *state, int port, const mq_pmt *m)
{
    return set_msg(state, mq_pmt_copy(m));
}

/* A new period holds from the next message: it is due one new period after the
 * last one went. */
static int changed(mq_block_ctx *c, void *state, int param)
{
    struct strobe *s = state;
    if (param == P_MSG)
        return set_msg(s, parse_msg(mq_param_s(c, P_MSG)));
    s->next = mq_block_now_ns() + (int64_t)(mq_param_f(c, P_PERIOD) * 1e6);
    return 0;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct strobe *s = state;
    if (s)
        mq_pmt_free(s->msg);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "message_strobe",
    .doc = "Posts msg on `strobe` every period_ms milliseconds, the first one period\n"
           "after the start. msg is JSON (a bare word is a string); a message on\n"
           "set_msg replaces it; msg and period_ms are live.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
    .param_changed = changed, .message = message,
};
MQ_BLOCK_EXPORT(decl)
