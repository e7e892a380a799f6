/* mq_limits.h - every fixed limit of mq in one place (as iceoryx keeps its IOX_MAX_*):
 * the sizes of the arena's tables, of names, ports and fan-out, and of what the
 * control plane stores per block. The arena's layout, the block runtime, the graph
 * loader and the validator all use these names; none restates a number. */
/* (Not limits.h: with libmq/ on the include path, gcc's own limits.h reaches
 * through #include_next to a limits.h there instead of glibc's.) */
#ifndef MQ_LIMITS_H
#define MQ_LIMITS_H

/* The arena (arena.h). */
#define MQ_MAX_POOLS 8
#define MQ_MAX_SLOTS 1023         /* slot ids are 10 bits in a buffer generation */
#define MQ_MAX_BLOCKS 4096
#define MQ_MAX_CONNS 16384
#define MQ_MAX_QUEUE_CAP 65536
#define MQ_MAX_HELD 65536
#define MQ_MAX_BUFS (1u << 24)    /* buffer index is 24 bits wide in practice */
#define MQ_SHM_NAME_MAX 96
/* A pool class's buffers: at most 1 GiB each, a multiple of 64 bytes (each starts
 * on a cache line of its own). */
#define MQ_MAX_BUF_SIZE (1ULL << 30)
#define MQ_BUF_ALIGN 64
/* The largest arena, all sections together: 1 TiB. Far past any /dev/shm and
 * well inside x86-64's 128 TiB of user address space; a layout that needs more
 * is a mistake in its numbers, refused before anything is created. */
#define MQ_MAX_ARENA_BYTES (1ULL << 40)

/* Names of blocks, block types and graphs, with the NUL. */
#define MQ_NAME_MAX 48

/* A block's ports: stream and message ports together, per direction. */
#define MQ_MAX_PORTS 16
/* A port's declared name, with the NUL; a counted port adds its number (in0 ..
 * in15), so every port's full name fits MQ_PORT_NAME_MAX + 2. */
#define MQ_PORT_NAME_MAX 24
/* The longest vector item (a port's vlen): an FFT of 2^20 points. */
#define MQ_MAX_VLEN (1 << 20)
/* The longest history an input may keep (mq_in_set_history), in items. */
#define MQ_MAX_HISTORY (1 << 24)
/* Connections from one output, not counting taps. */
#define MQ_MAX_FANOUT 16
/* Connections into one message input from the graph's outputs. The runtime's table
 * of a message input (MQ_MAX_FANOUT + MQ_MAX_TAPS entries, runtime.c) also holds
 * the supervisor's control connection. */
#define MQ_MAX_MSG_FANIN MQ_MAX_FANOUT
/* Taps (`mqgraph tap`) attached to one graph at once; each is one more
 * connection of the output it taps. */
#define MQ_MAX_TAPS 4

/* Blocks in one graph: each has a process slot, and so do the supervisor and
 * every tap. */
#define MQ_MAX_BLOCKS_IN_GRAPH (MQ_MAX_SLOTS - 1 - MQ_MAX_TAPS)

/* The default depth of a connection's queue (`arena: {queue_depth}`). */
#define MQ_DEFAULT_DEPTH 64

/* Buffer sizing (mqgraph/sizing.c, doc/architecture.md "Buffer sizes"): a source
 * whose items_per_buffer mqgraph chooses fills buffers of MQ_BUFFER_BYTES (GNU
 * Radio's 64 KiB) unless a latency budget asks for fewer items; a graph paced in
 * real time (a throttle downstream) that states no budget gets MQ_PACED_LATENCY_MS.
 * latency_ms is at most MQ_MAX_LATENCY_MS. */
#define MQ_BUFFER_BYTES 65536
#define MQ_PACED_LATENCY_MS 10
#define MQ_MAX_LATENCY_MS 60000
/* The depth of a connection the file gives none (on it, or `arena: {queue_depth}`):
 * as many of its producer's buffers as fit in MQ_QUEUE_BYTES, from MQ_MIN_DEPTH to
 * MQ_DEFAULT_DEPTH (64 KiB buffers: 16). */
#define MQ_QUEUE_BYTES (1 << 20)
#define MQ_MIN_DEPTH 8
/* The arena's pools when mqgraph sizes them: MQ_SPARE_BUFS buffers of
 * MQ_SPARE_BUF_SIZE besides what the graph's queues and blocks can hold, for
 * buffers larger than the graph predicts (a delay's zeros, a Python block's). */
#define MQ_SPARE_BUF_SIZE (1 << 20)
#define MQ_SPARE_BUFS 2
/* The depth of a tap's connection unless `mqgraph tap --depth` says. */
#define MQ_TAP_DEPTH 16

/* A block's reason for failing (mq_block_error), with the NUL: enough for a Python
 * block's traceback of a dozen frames. */
#define MQ_BLOCK_ERROR_MAX 8192

/* What a Python block's work calls may leave unused on one input, copied aside
 * until later calls use it (blocks/python_window.c). */
#define MQ_PYTHON_MAX_STAGE (64 << 20)

/* How long a Python block's process may take to start its interpreter and make
 * the instance (imports included) before it counts as hung. */
#define MQ_PYTHON_START_MAX_S 60

/* A specialized declaration (block.h, MQ_BLOCK_SPECIALIZE) as its helper process
 * sends it: doc, parameters and ports together. */
#define MQ_SPECIALIZED_MAX (1 << 20)

/* Live parameters: the current values of one block's live parameters, as
 * "name=value" lines, and the changes one `cmd` message may ask for. */
#define MQ_LIVE_TEXT 16384
#define MQ_LIVE_REQ 4096

/* A block's own part of its checkpoint (mq_checkpoint_save, ckpt.h): a count, a
 * position, a file's name and length. */
#define MQ_CHECKPOINT_MAX 256

/* A graph file (mqgraph/graph.c). Collections open at once: a graph needs five
 * (the file, blocks, a block, its params, a list value); deeper is a mistake, and
 * is refused where it passes the limit instead of parsed (libyaml's time grows
 * with the depth of open collections: 100,000 levels took a minute). */
#define MQ_GRAPH_MAX_DEPTH 64
/* YAML's own limit on an implicit key, in characters: libyaml refuses a longer one. */
#define MQ_YAML_KEY_MAX 1024
/* A graph's host names (`hosts:`), with the NUL: the link blocks of a graph across
 * hosts are named after them ("link16383_from_NAME", mqgraph/split.c), and those
 * are block names (MQ_NAME_MAX). */
#define MQ_HOST_NAME_MAX 33

/* Message values (pmt.h): the deepest nesting read, written or parsed, and the
 * longest symbol in bytes (the wire form's u16 length). */
#define MQ_PMT_MAX_DEPTH 64
#define MQ_PMT_SYMBOL_MAX 65535

#endif
