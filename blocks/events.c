/* events - the graph's events as messages: every event the supervisor publishes
 * (block started, finished, died, hung, restarting, restarted; parameter changed;
 * the graph's state; doc/control.md lists them) comes out on `out` as a dict with
 * the same fields as `mqgraph events --json` prints. A graph can react to its own
 * failures this way (a message_debug logging them, a block of your own that acts).
 * It runs until the graph stops; the events of the stop itself may not get out.
 * GNU Radio has no such block. */
#include "block.h"

static const mq_port_decl in[] = {{"events", MQ_ITEM_MSG, NULL, NULL}}; /* the supervisor's */
static const mq_port_decl out[] = {{"out", MQ_ITEM_MSG, NULL, NULL}};

static int message(mq_block_ctx *c, void *state, int port, const mq_pmt *m)
{
    return mq_msg_post(c, 0, m) < 0 ? -1 : 0;
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "events",
    .doc = "The graph's events (mqgraph events) as dict messages on `out`, until the\n"
           "graph stops. Its input is the supervisor's: connect nothing to it.",
    MQ_INPUTS(in), MQ_OUTPUTS(out),
    .flags = MQ_BLOCK_EVENTS,
    .message = message,
};
MQ_BLOCK_EXPORT(decl)
