/* msg.h - messages in the arena.
 *
 * A message (a GNU Radio PMT, pmt.h) travels as a buffer of the pools that holds
 * its serialised form, through the same queues, references and overflow policies
 * as a stream's buffers: a message port is a port of item type MQ_ITEM_MSG whose
 * every buffer is one message. So messages are bounded, counted, shared without a
 * copy on fan-out, and reclaimed when a process dies, like everything else.
 */
#ifndef MQ_MSG_H
#define MQ_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pmt.h"

/* A new buffer holding message m (serialised), allocated as mq_buf_alloc does
 * with timeout_ns. MQ_ERANGE if it is larger than every pool. */
int mq_msg_make(mq_arena *a, const mq_pmt *m, int64_t timeout_ns, mq_id *id);

/* The message buffer `id` holds (its whole length must be one serialised PMT).
 * MQ_EINVAL if it is not one, MQ_ENOMEM. */
int mq_msg_read(mq_arena *a, mq_id id, mq_pmt **out);

/* A message as a user types it (mqgraph send, message_strobe's msg): its JSON form
 * (pmt.h), or a bare word, text that does not start like JSON, as a string. Text
 * that starts like JSON ({, [, ", a digit, -, or true/false/null) must be JSON: a
 * typo there is an error, not a string. 0, or MQ_EINVAL with why in err. */
int mq_msg_parse(const char *text, mq_pmt **out, char *err, size_t errlen);
/* Whether mq_msg_parse reads `text` as JSON. */
int mq_msg_text_is_json(const char *text);

/* The parameter changes a `cmd` message asks for, as "name=value" lines (the live
 * area's text, live.h): a dict {name: value, ...}, or a pair (name . value) as
 * GNU Radio's command ports take. A value is a number, a bool, a symbol (the
 * text), or a vector or uniform vector of numbers (a list, for taps). MQ_EINVAL
 * with the reason in err for anything else; MQ_ERANGE if it does not fit in cap. */
int mq_msg_cmd_text(const mq_pmt *m, char *buf, size_t cap, char *err, size_t errlen);

#endif
