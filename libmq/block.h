/* block.h - writing a block: its declaration and the calls its work function makes.
 *
 * A block is one C file built as a module (a shared object). It declares itself once
 * with an mq_block_decl: name, doc, typed ports, typed parameters, and its init, work
 * and fini functions, and exports it with MQ_BLOCK_EXPORT. `mqgraph` loads the module
 * in the block's own process, and the runtime (mq_block_run) calls:
 *
 *   init(ctx, &state)           once; parameters are parsed and checked already;
 *   work(ctx, state)            repeatedly, with one buffer ready on each input (or,
 *                               with MQ_BLOCK_ANY_INPUT, on at least one input);
 *   fini(ctx, state)            once, also after an error (after a failed init,
 *                               with whatever init stored in state, maybe NULL).
 *                               An error it records with mq_block_error fails the
 *                               block as a work error does (a sink that could not
 *                               flush or rename its output), though its outputs
 *                               have ended by then.
 *
 * work returns MQ_WORK_OK (the current input buffers are consumed), MQ_WORK_DONE (the
 * block is finished: its outputs close and end of stream travels downstream),
 * MQ_WORK_NEED_INPUT (nothing consumed; call again when more input arrived) or
 * MQ_WORK_ERROR (the graph fails; say why with mq_block_error first).
 *
 * A block with no inputs is a source: work is called until it returns DONE or the
 * graph is asked to stop. A block finishes by itself when an input it needs ends
 * (all inputs with MQ_BLOCK_ANY_INPUT), and when a consumer of one of its stream
 * outputs finished, as in GNU Radio (or, with mq_run_opts.finish_all, when everything
 * downstream has finished); it learns so at its next send to that output.
 *
 * Parameters are read by their index in the declaration, with a getter of their
 * type (mq_param_f, _i, _s, _v); an enum of indices and designated initializers
 * ([P_K] = {"k", ...}) keep the two in step, so a misspelt parameter is a compile
 * error. Parameters flagged MQ_PARAM_LIVE may change while the graph runs (`mqgraph
 * set`, a `cmd` message): the runtime applies a change between two work calls and
 * then calls param_changed, if the block has one, for a block that derives state
 * from the value.
 *
 * Work counts items: mq_in_items, mq_in_consume_items, mq_out_alloc_items,
 * mq_out_push_items and mq_out_forward_items take and give item counts, where an
 * item is one value of the port's type or, on a port with a vlen, one vector of vlen
 * of them (an FFT's 1024 points). The byte calls stay for `bytes` ports and for
 * blocks that move data without looking at it. A filter that needs the items before
 * the current ones asks for a history (mq_in_set_history, GNU Radio's set_history)
 * and the runtime keeps them in front of each buffer it hands over.
 *
 * Stream tags (tags.h, GNU Radio's stream tags) travel with the buffers: the
 * runtime passes them from the inputs to the outputs as the block's tag_policy
 * says, with their offsets scaled by its rate (mq_block_set_relative_rate), and
 * a block reads them with mq_in_tags and adds its own with mq_out_add_tag.
 *
 * ABI 3 added the parameter flags, param_changed and message; ABI 4 a port's vlen,
 * the COMPLEX parameter type and stream tags; ABI 5 before_fork. Modules built for
 * ABI 2 to 4 still load: mqgraph converts their declarations (doc/blocks.md says
 * what changed).
 */
#ifndef MQ_BLOCK_H
#define MQ_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "pmt.h"
#include "queue.h" /* MQ_NOTE_* */
#include "tags.h"
#include "ts.h"

#define MQ_BLOCK_ABI 5

/* The number of entries of a declaration table, and a declaration's tables with
 * their counts, so a table and its count cannot disagree:
 *   static const mq_block_decl decl = {..., MQ_INPUTS(in), MQ_OUTPUTS(out),
 *                                      MQ_PARAMS(params), ...}; */
#define MQ_COUNTOF(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MQ_INPUTS(t) .in = (t), .n_in = MQ_COUNTOF(t)
#define MQ_OUTPUTS(t) .out = (t), .n_out = MQ_COUNTOF(t)
#define MQ_PARAMS(t) .params = (t), .n_params = MQ_COUNTOF(t)

typedef enum mq_item_type {
    MQ_ITEM_U8 = 0,
    MQ_ITEM_I16,
    MQ_ITEM_I32,
    MQ_ITEM_F32,
    MQ_ITEM_F64,
    MQ_ITEM_C32, /* two f32: re, im */
    MQ_ITEM_BYTES,
    MQ_ITEM_MSG, /* a message port: each buffer is one message (msg.h) */
    MQ_ITEM_COUNT_
} mq_item_type;

size_t mq_item_size(mq_item_type t);
const char *mq_item_name(mq_item_type t);
int mq_item_parse(const char *name); /* the type, or MQ_EINVAL */

typedef enum mq_param_type {
    MQ_PARAM_INT = 0,
    MQ_PARAM_FLOAT,
    MQ_PARAM_BOOL,
    MQ_PARAM_STRING,
    MQ_PARAM_ENUM,   /* one of `choices`, "a|b|c" */
    MQ_PARAM_FLOATS, /* a list of numbers */
    MQ_PARAM_COMPLEX, /* a complex number: 0.5, 0.5+0.5j, -2j, (1-1e-3j) */
} mq_param_type;

/* "int", "float", "bool", "string", "enum", "floats", "complex"; "?" for others. */
const char *mq_param_type_name(mq_param_type t);

enum {
    /* May change while the graph runs (GNU Radio's setter callbacks). Not for a
     * parameter that decides the ports or their item types. */
    MQ_PARAM_LIVE = 1,
    /* An INT items-per-buffer parameter the graph may choose (a source's): when the
     * graph file does not give it, or gives "auto", mqgraph sets it from the item
     * size, the rate and the graph's latency budget (doc/architecture.md, "Buffer
     * sizes"). The default applies where nothing chooses (a block run directly). */
    MQ_PARAM_SIZED = 2,
};

typedef struct mq_param_decl {
    const char *name;
    mq_param_type type;
    const char *def;     /* the default as text; NULL: the parameter is required */
    double min, max;     /* allowed range of INT, FLOAT and list elements, if min < max */
    const char *choices; /* ENUM only */
    const char *doc;
    uint32_t flags;      /* MQ_PARAM_LIVE, MQ_PARAM_SIZED */
} mq_param_decl;

typedef struct mq_port_decl {
    const char *name;
    mq_item_type type;
    const char *type_param; /* if set, the type is this ENUM parameter's value */
    /* ABI 4. If set, each item is a vector of this INT parameter's value of `type`
     * (GNU Radio's vlen); connected ports must agree on it as on the type. */
    const char *vlen_param;
} mq_port_decl;

enum {
    MQ_BLOCK_ANY_INPUT = 1, /* work runs when any input has a buffer, not all */
    /* With MQ_BLOCK_ANY_INPUT: once every input has ended, work runs one last time
     * with no input buffer, so a block that aggregates can emit what it holds. */
    MQ_BLOCK_CALL_AT_END = 2,
    /* The supervisor sends this block every graph event (events.h), as a dict, to
     * its message input 0 (the `events` block). */
    MQ_BLOCK_EVENTS = 4,
};

typedef struct mq_block_ctx mq_block_ctx;

typedef struct mq_block_decl {
    uint32_t abi; /* MQ_BLOCK_ABI */
    const char *name;
    const char *doc;
    /* Ports. With a count parameter, the block has N copies of ports[0], named
     * <name>0 .. <name>N-1, where N is that INT parameter's value. */
    const mq_port_decl *in;
    int n_in;
    const char *in_count_param;
    const mq_port_decl *out;
    int n_out;
    const char *out_count_param;
    const mq_param_decl *params;
    int n_params;
    uint32_t flags;
    int (*init)(mq_block_ctx *c, void **state);
    int (*work)(mq_block_ctx *c, void *state);
    void (*fini)(mq_block_ctx *c, void *state);
    /* Optional: refuses a combination of parameters the declarations cannot
     * express (router's `direct` with unequal port counts). It runs before
     * anything starts, in `mqgraph validate` and `run`, so the error names the
     * graph file's line; only mq_param_*, mq_block_n_inputs/outputs and
     * mq_block_error may be used. Returns 0, or -1 after mq_block_error. */
    int (*check)(mq_block_ctx *c);
    /* ABI 3. Optional: live parameter `param` (its index) has a new value, read
     * with the getters; called between two work calls, before the first work call
     * that sees the value. 0, or -1 after mq_block_error to fail the block. */
    int (*param_changed)(mq_block_ctx *c, void *state, int param);
    /* ABI 3. The handler of the block's message inputs (ports of type MQ_ITEM_MSG;
     * required when it has any): one message that arrived on input `port`, valid
     * for the call. Called between work calls. 0, or -1 after mq_block_error to
     * fail the block. */
    int (*message)(mq_block_ctx *c, void *state, int port, const mq_pmt *msg);
    /* ABI 4. How the runtime passes stream tags on (MQ_TAGS_*, tags.h; the
     * default, 0, is MQ_TAGS_ALL_TO_ALL). See "stream tags" below. */
    uint32_t tag_policy;
    /* ABI 5. Optional: process-wide set-up that every block process of this type
     * would otherwise do for itself. mqgraph calls it once in its own process, for
     * each module its graph uses, before it forks the first block process; the
     * block processes (restarted ones too) inherit what it did. VOLK chooses its
     * kernels on its first call, 6 to 20 ms, which each process of a chain would
     * pay in turn on the first buffer's way down (bench/vs_gnuradio's 16-stage
     * chain: 0.1 s of its start). It must not start threads, hold locks or open
     * descriptors. */
    void (*before_fork)(void);
} mq_block_decl;

/* MQ_WORK_AGAIN: nothing consumed, and work wants to be called again with the same
 * inputs once the runtime has handed over the messages and live parameter changes
 * that wait (after mq_block_wait_until returned 2). */
enum {
    MQ_WORK_OK = 0,
    MQ_WORK_DONE = 1,
    MQ_WORK_NEED_INPUT = 2,
    MQ_WORK_AGAIN = 3,
    MQ_WORK_ERROR = -1
};

/* The symbol `mqgraph` looks up in a module. */
#define MQ_BLOCK_ENTRY "mq_block_entry"
#define MQ_BLOCK_EXPORT(decl)                      \
    const mq_block_decl *mq_block_entry(void);     \
    const mq_block_decl *mq_block_entry(void) { return &(decl); }

/* ---- blocks declared by the graph file ----------------------------------------------
 * A module whose parameters and ports are not known before the graph file names them
 * (the python block's are those of the class it names: doc/python.md) exports, beside
 * its declaration, a specializer named MQ_BLOCK_SPECIALIZE. mqgraph calls it while it
 * validates, for each block of that type, in a helper process forked for that block
 * (never in mqgraph's own, so what it loads, an interpreter and the user's code, stays
 * out of the supervisor), twice:
 *   MQ_SPECIALIZE_PARAMS with `params` as the file gives them, unchecked: it sets
 *       d->params and n_params (the module's own first) and d->doc;
 *   MQ_SPECIALIZE_PORTS with `params` checked against those and given as values: it
 *       sets d->in, n_in, out and n_out, may add parameters the ports name (a vlen),
 *       sets d->tag_policy, and d->work to NULL for a block of message inputs only.
 * `d` comes as the module's declaration, then as the first call left it; what the
 * specializer points it to stays valid until its next call. mqgraph copies the
 * result (doc, parameters, ports, tag_policy and whether there is a work function;
 * the rest stays the module's), checks it with mq_block_decl_check and uses it for
 * that block, in the block's process too: its init must make sure it still holds.
 * Returns 0, or -1 with the reason in err and *bad the index in params of the
 * parameter at fault (-1: none, the block as a whole). */
enum { MQ_SPECIALIZE_PARAMS = 1, MQ_SPECIALIZE_PORTS = 2 };
typedef int mq_block_specialize_fn(int stage, int n_params, char *const *params,
                                   mq_block_decl *d, int *bad, char *err, size_t errlen);
#define MQ_BLOCK_SPECIALIZE "mq_block_specialize"

/* ---- parameters (valid from init on) -------------------------------------------- */
/* By index `p` into the declaration's params. A getter of the wrong type, or an
 * index out of range, fails the block (its work call's result becomes an error
 * naming the parameter) and returns 0 / "" / NULL. */
double mq_param_f(mq_block_ctx *c, int p);          /* FLOAT, INT */
int64_t mq_param_i(mq_block_ctx *c, int p);         /* INT, BOOL */
const char *mq_param_s(mq_block_ctx *c, int p);     /* STRING, ENUM */
int mq_param_choice(mq_block_ctx *c, int p);        /* ENUM: the index in its choices */
const double *mq_param_v(mq_block_ctx *c, int p, size_t *n); /* FLOATS */
_Complex double mq_param_c(mq_block_ctx *c, int p);  /* COMPLEX, FLOAT, INT */
/* By name, as ABI 2 blocks read them: a name the block does not declare fails the
 * block as above. */
int64_t mq_param_int(const mq_block_ctx *c, const char *name);
double mq_param_float(const mq_block_ctx *c, const char *name);
const char *mq_param_str(const mq_block_ctx *c, const char *name); /* STRING, ENUM */
const double *mq_param_floats(const mq_block_ctx *c, const char *name, size_t *n);

/* ---- the block ---------------------------------------------------------------------- */
const char *mq_block_name(const mq_block_ctx *c);
int mq_block_n_inputs(const mq_block_ctx *c);
int mq_block_n_outputs(const mq_block_ctx *c);
mq_item_type mq_block_in_type(const mq_block_ctx *c, int port);
mq_item_type mq_block_out_type(const mq_block_ctx *c, int port);
/* A port's vector length (1 without a vlen) and its item's size in bytes: the
 * type's size times the vlen. */
size_t mq_block_in_vlen(const mq_block_ctx *c, int port);
size_t mq_block_out_vlen(const mq_block_ctx *c, int port);
size_t mq_block_in_item_size(const mq_block_ctx *c, int port);
size_t mq_block_out_item_size(const mq_block_ctx *c, int port);
/* The graph was asked to stop (SIGINT): a long-running work should return DONE. */
int mq_block_stopping(const mq_block_ctx *c);
/* How often this block's process was restarted before this one (restart policies
 * on-failure and always): 0 the first time. A restarted block starts from init. */
int mq_block_restarts(const mq_block_ctx *c);
/* The graph failed: some block failed or died, so the stream this block saw end may
 * be cut short. A sink's fini discards its output then. */
int mq_block_graph_failed(const mq_block_ctx *c);
/* ---- checkpoint: what a restarted block goes on from ---------------------------------
 * A block with state that must survive its process (a count, a position, the file it
 * writes) saves it with mq_checkpoint_save whenever it changes, before it sends what
 * the change accounts for, and reads it back in init with mq_checkpoint_load. What
 * was saved last is committed by the runtime, with how far the block has read each
 * input, just before each send (mq_out_push, mq_out_forward, mq_msg_post) and at the
 * end of each work call; a kill at any instruction leaves the last commit whole
 * (ckpt.h). So after a restart the saved state, the inputs used and the output sent
 * agree: what the death lost is counted exactly (mqgraph reports it per connection)
 * and nothing is sent twice. Commits are made only for a block that may be
 * restarted (restart: on-failure or always); the first life loads nothing.
 * Save at most MQ_CHECKPOINT_MAX bytes (else MQ_ERANGE); load copies at most `cap`
 * and returns the length saved (0: nothing). A block that consumes part of an input
 * (mq_in_consume) says so before it sends what it made of that part. */
int mq_checkpoint_save(mq_block_ctx *c, const void *data, size_t len);
/* Whether the supervisor may restart this block (its checkpoints are committed). */
int mq_block_restartable(const mq_block_ctx *c);
size_t mq_checkpoint_load(const mq_block_ctx *c, void *data, size_t cap);

/* Records why the block fails; printed with the block's name. printf format. */
void mq_block_error(mq_block_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For what the calls below do not cover: the arena, as this block's slot. */
mq_arena *mq_block_arena(mq_block_ctx *c);

/* ---- inputs (during work) ------------------------------------------------------------ */
/* The current buffer of input `port`: its data and length in bytes, or NULL if that
 * input has none (only with MQ_BLOCK_ANY_INPUT, or an unconnected input). */
const void *mq_in_data(mq_block_ctx *c, int port, size_t *bytes);
int mq_in_timestamp(mq_block_ctx *c, int port, mq_timestamp *ts);
/* The current buffer made writable: in place when this block holds the only
 * reference, else a private copy. NULL if there is none or no buffer is free. */
void *mq_in_writable(mq_block_ctx *c, int port, size_t *bytes);
/* 1 when this block holds the only reference to input `port`'s current buffer, so
 * mq_in_writable works in place (a block that can write its output either over its
 * input or into a new buffer chooses by it), else 0. */
int mq_in_sole(mq_block_ctx *c, int port);
/* Consumes only the first `bytes` of input `port` in this work call (GNU Radio's
 * consume). The rest stays the current buffer: the next work call sees it from where
 * this one stopped, with its timestamp moved on. Without this call, MQ_WORK_OK
 * consumes every current input buffer whole. */
int mq_in_consume(mq_block_ctx *c, int port, size_t bytes);
/* Items: the current buffer of input `port` and the number of whole items in it
 * (NULL, 0 if none). With a history of h items (mq_in_set_history) the pointer is
 * to h - 1 items before the current ones, the last h - 1 items consumed before
 * (zeros at the start of the stream), followed by the *n current ones: a filter
 * reads x[-(h-1)] .. x[n-1] as p[0] .. p[h-2+n]. The runtime copies the buffer
 * behind the kept items for that, so the pointer is not into the arena then. */
const void *mq_in_items(mq_block_ctx *c, int port, size_t *n);
/* Consumes the first `n` items of input `port` (mq_in_consume in items). */
int mq_in_consume_items(mq_block_ctx *c, int port, size_t n);
/* mq_in_writable in items: the current items only, without any history. */
void *mq_in_writable_items(mq_block_ctx *c, int port, size_t *n);
/* Keeps the last items - 1 items of input `port` before each buffer (GNU Radio's
 * set_history: 1, the default, keeps none). In init, or later (a live taps
 * change): a longer history shows zeros before the oldest items kept, a shorter
 * one keeps the newest. Not on a port whose buffers the block takes or forwards. */
int mq_in_set_history(mq_block_ctx *c, int port, size_t items);
/* Input `port` has no current buffer and never will again (end of stream). */
int mq_in_ended(const mq_block_ctx *c, int port);
/* Takes the current buffer of input `port` out of the input (it counts as consumed)
 * and gives its reference to the block, which keeps it across work calls and gives
 * it up with mq_buf_release(mq_block_arena(c), id), at the latest in fini. Read it
 * with mq_buf_data, mq_buf_length and mq_buf_timestamp. The reference is recorded
 * for the block's process like every other, so a crash loses nothing. Not after
 * mq_in_consume left part of the buffer behind. */
int mq_in_take(mq_block_ctx *c, int port, mq_id *id);
/* Counts, in input `port`'s connection statistics (the run summary), `n` buffers
 * dropped as stale (MQ_NOTE_STALE) or outputs made without this input
 * (MQ_NOTE_MISSED). See queue.h. */
int mq_in_note(mq_block_ctx *c, int port, int what, uint64_t n);

/* ---- outputs (during work) ----------------------------------------------------------- */
/* A new buffer of at least `bytes` for output `port`; NULL (with the error recorded)
 * if none can be had. One pending buffer per output; mq_out_push sends it. */
void *mq_out_alloc(mq_block_ctx *c, int port, size_t bytes);
/* Sends the pending buffer of `port` with `bytes` of data and the timestamp (may be
 * NULL) to every connection of that output (fan-out shares it, no copy). */
int mq_out_push(mq_block_ctx *c, int port, size_t bytes, const mq_timestamp *ts);
/* Sends the current buffer of input `in` on output `out` without copying (after
 * mq_in_writable if the block changed it). The input is consumed. */
int mq_out_forward(mq_block_ctx *c, int in, int out, size_t bytes, const mq_timestamp *ts);
/* Sends the current buffer of input `in` as it is (data, length, timestamp) on output
 * `out` as one more reference, without copying; the input stays current, so it can
 * go to several outputs. Not after mq_in_consume left part of it behind. */
int mq_out_share(mq_block_ctx *c, int in, int out);
/* The same in items of the port. */
void *mq_out_alloc_items(mq_block_ctx *c, int port, size_t n);
int mq_out_push_items(mq_block_ctx *c, int port, size_t n, const mq_timestamp *ts);
int mq_out_forward_items(mq_block_ctx *c, int in, int out, size_t n, const mq_timestamp *ts);
/* Ends output `port` early: its connections see end of stream. The block finishes
 * when all its outputs are closed or abandoned downstream. */
int mq_out_close(mq_block_ctx *c, int port);

/* ---- stream tags ---------------------------------------------------------------------- *
 * A tag (tags.h) sits on one item of a stream: at an absolute offset, the item's
 * index among all the items of that port, counted over the block's lives (a
 * restarted block goes on counting where its last commit was). Only stream ports
 * carry tags.
 *
 * Passing them on (tag_policy in the declaration):
 *  - a buffer passed on whole (mq_out_forward, mq_out_share) keeps its tags on its
 *    items, and they go with it only: where it goes (head's last buffer keeps
 *    those of the items it keeps; delay's, moved later by the delay);
 *  - from a buffer consumed, the tags go to the outputs, each to output item
 *    round((x + d) * interp / decim) for input item x (GNU Radio's propagate_tags,
 *    d the declared sample delay): on the buffer sent on that output that holds
 *    the item, whether it is sent during the work call that read the tag or later.
 *    One whose output item was sent before the tag's buffer arrived (a decimator's
 *    rounding can point one item back) goes on the first item of the next buffer
 *    sent, so it is never lost;
 *  - MQ_TAGS_ALL_TO_ALL (the default): every input's tags to every output;
 *    MQ_TAGS_ONE_TO_ONE: input i's to output i only (the block needs as many
 *    stream inputs as outputs), a buffer passed from input i to another output
 *    leaves its tags; MQ_TAGS_DONT: none, a buffer passed on leaves its tags, and
 *    the block adds what it wants with mq_out_add_tag.
 * Tags that wait in a block for an output item not made yet die with its process
 * (the buffers it held are counted lost; their tags are not counted apart), and go
 * when the output ends. */
/* The absolute offset of input `port`'s first current (unconsumed) item, and of
 * the next item output `port` sends (GNU Radio's nitems_read, nitems_written). */
uint64_t mq_in_nitems_read(const mq_block_ctx *c, int port);
uint64_t mq_out_nitems_written(const mq_block_ctx *c, int port);
/* The tags of input `port`'s current buffer on the items [start, end) (absolute
 * offsets), in the order of their offsets (GNU Radio's get_tags_in_range; the
 * window of the current items is [mq_in_nitems_read, + mq_in_items' n)). Returns
 * how many, with *tags an array valid until the next call for the port or until
 * the buffer is consumed; 0 and NULL if there are none. MQ_EINVAL (with the error
 * recorded) for a tag that is not three PMTs. */
int mq_in_tags(mq_block_ctx *c, int port, uint64_t start, uint64_t end, const mq_tag **tags);
/* Puts a tag (key, value: copied; srcid NULL is #f) on the item at absolute offset
 * `offset` of output `port` (GNU Radio's add_item_tag): it goes out with the buffer
 * that holds that item, now or later. MQ_ERANGE for an item already sent, MQ_EINVAL
 * for a PMT the wire form cannot carry. */
int mq_out_add_tag(mq_block_ctx *c, int port, uint64_t offset, const mq_pmt *key,
                   const mq_pmt *value, const mq_pmt *srcid);
/* How many output items the block makes per input item, interp / decim (GNU Radio's
 * set_relative_rate): the scale of the tags' offsets. 1:1 by default; in init or
 * later. MQ_EINVAL for a zero. */
int mq_block_set_relative_rate(mq_block_ctx *c, uint64_t interp, uint64_t decim);
/* The block's output lags its input by `items` (GNU Radio's declare_sample_delay):
 * tags of consumed buffers move later by that many input items. */
void mq_block_declare_sample_delay(mq_block_ctx *c, uint64_t items);

/* ---- messages ---------------------------------------------------------------------------- */
/* Message ports are ports of type MQ_ITEM_MSG, declared beside the stream ports and
 * connected the same way; a message input may have several upstreams and need not
 * be connected at all. A block with live parameters also has an input `cmd`, after
 * its declared inputs, which the runtime handles itself: a dict {"k": 0.5} there
 * changes parameters as `mqgraph set` does.
 *
 * A block with message inputs but no stream inputs and no work function (set work
 * to NULL) only handles messages: it runs until its connected message inputs have
 * all ended, or, with none connected, until the graph stops. */
/* Sends message m (not taken) on message output `port` to every connection of it,
 * waiting for room as the connections' policies say. 0, or a negative code. */
int mq_msg_post(mq_block_ctx *c, int port, const mq_pmt *m);

/* ---- time ------------------------------------------------------------------------------ */
/* Now on CLOCK_MONOTONIC in ns: the clock of mq_block_sleep_until. */
int64_t mq_block_now_ns(void);
/* When the graph started (all blocks released together), on CLOCK_MONOTONIC: the
 * origin of relative timestamps. */
int64_t mq_block_graph_start_ns(const mq_block_ctx *c);
/* Sleeps until `deadline_ns` on CLOCK_MONOTONIC, beating the heartbeat meanwhile.
 * Returns 1 early if the graph is asked to stop, or if the consumers whose end ends
 * the block have gone (a head downstream finished: the block would learn it at its
 * next send), else 0. On 1 a source returns MQ_WORK_DONE. */
int mq_block_sleep_until(mq_block_ctx *c, int64_t deadline_ns);
/* The same, but it also returns, with 2, as soon as a message or a live parameter
 * change waits for the block: a source that waits long between outputs
 * (message_strobe) returns MQ_WORK_OK then, and the runtime hands it over before
 * the next work call. 0 at the deadline, 1 if the graph is asked to stop. */
int mq_block_wait_until(mq_block_ctx *c, int64_t deadline_ns);
/* For a block with MQ_BLOCK_ANY_INPUT that returns MQ_WORK_NEED_INPUT to wait for a
 * late input: work runs again by `deadline_ns` (CLOCK_MONOTONIC) even if nothing
 * arrives. Holds for the next wait only. */
void mq_block_call_by(mq_block_ctx *c, int64_t deadline_ns);

/* How a source stamps its buffers: the parameter below, declared by every source of
 * the library, and mq_block_stamp, which reads it.
 *   sample_index  the index of the buffer's first item in the stream (the default);
 *   relative      ns since the graph's start: with a sample rate, item k sits at
 *                 k * 1e9 / rate (the nominal sample clock) and the buffer carries
 *                 the range of its first and last item; without one, the time the
 *                 buffer was made;
 *   absolute      CLOCK_REALTIME ns when the buffer was made, with the range its
 *                 items span at the sample rate, if there is one;
 *   none          no timestamp. */
#define MQ_PARAM_TIMESTAMPS                                                              \
    {"timestamps", MQ_PARAM_ENUM, "sample_index", 0, 0, "sample_index|relative|absolute|none", \
     "what the buffers' timestamps give (doc/timestamps.md)", 0}
/* The item rate the stamps are at, for sources that have no other use for one. */
#define MQ_PARAM_SAMPLE_RATE                                                             \
    {"sample_rate", MQ_PARAM_FLOAT, "0", 0, 1e12, NULL,                                  \
     "items per second, for time stamps (0: not known)", 0}
/* The timestamp of a buffer of `n` items whose first is item `first` of the stream,
 * at `rate` items per second (0: not known), as the block's "timestamps" parameter
 * asks (sample_index if it has none). */
void mq_block_stamp(const mq_block_ctx *c, double rate, int64_t first, size_t n,
                    mq_timestamp *ts);

/* ---- running a block (mqgraph's child process) --------------------------------------- */
typedef struct mq_run_opts {
    int64_t heartbeat_ns; /* longest wait between heartbeats */
    int restarts;         /* how often this block was restarted before (mq_block_restarts) */
    /* The supervisor may start the block again when it ends (restart on-failure or
     * always): its outputs stay open, its inputs are not abandoned and a failure
     * does not fail the graph; the supervisor does all that itself when it decides
     * not to restart the block. */
    int restartable;
    /* Called after the block posted a request for the supervisor (a cmd message's
     * changes, live.h), so the supervisor takes it now rather than at its next
     * heartbeat check. May be NULL. */
    void (*kick)(void *arg);
    void *kick_arg;
    /* When a consumer of one of the block's stream outputs finishes (a head on one
     * branch of a fan-out): 0, the block finishes too, as in GNU Radio, and its
     * other consumers see end of stream; 1 (a graph's `finish: all`), it goes on
     * while any consumer reads. */
    int finish_all;
    /* A restartable block that finishes (returns 0) ends its streams itself: one of
     * several blocks of a worker process, whose process, and so the supervisor's
     * view of it, does not end with the block. */
    int end_when_done;
} mq_run_opts;

/* Runs block `block` of the registry in this process, which must hold its slot:
 * init, work until done, close outputs, fini. `params` are "name=value" strings that
 * mq_params_check accepted. Returns 0 when the block finished, or a negative code
 * with the reason in errbuf. */
int mq_block_run(const mq_block_decl *d, mq_arena *a, uint32_t block, int n_params,
                 char *const *params, const mq_run_opts *opts, char *errbuf, size_t errlen);

/* A parameter value's text for a number: the fewest significant digits (15 to 17)
 * that read back as the same double, so 0.1 stays "0.1", not 0.10000000000000001.
 * Returns what snprintf does. */
int mq_param_format_double(double d, char *buf, size_t len);

/* Checks a declaration itself, as mqgraph does when it loads a module: every
 * parameter named, once, with a known type, a default that parses and fits, ENUM
 * choices; live flags only where allowed; port tables within MQ_MAX_PORTS. 0, or
 * MQ_EINVAL with the problem in errbuf. */
int mq_block_decl_check(const mq_block_decl *d, char *errbuf, size_t errlen);

/* Checks "name=value" strings against a declaration: unknown names, missing required
 * parameters, wrong types, values out of range or not among the choices. Returns 0,
 * or MQ_EINVAL with the offending parameter named in errbuf; *bad is its index in
 * params, or -1 when the problem is a missing parameter. */
int mq_params_check(const mq_block_decl *d, int n_params, char *const *params, int *bad,
                    char *errbuf, size_t errlen);

/* The number of inputs and outputs the block has with these parameters, and the name
 * and type of port i (name written to buf). Used by the validator and the runtime. */
int mq_block_port_count(const mq_block_decl *d, int n_params, char *const *params, int output);
int mq_block_port(const mq_block_decl *d, int n_params, char *const *params, int output,
                  int i, char *buf, size_t len, mq_item_type *type);
/* Port i's vlen with these parameters: 1 without one, or MQ_EINVAL. */
int mq_block_port_vlen(const mq_block_decl *d, int n_params, char *const *params, int output,
                       int i);

#endif
