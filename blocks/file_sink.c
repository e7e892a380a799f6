/* file_sink - writes the raw bytes of every input buffer to a file (GNU Radio's
 * file_sink). A file is written under a temporary name and renamed when the stream
 * ends, so a failed run leaves no partial file behind; a device or FIFO is written in
 * place (part_file.h).
 *
 * A restarted file_sink goes on in the same part file (part_file.h, "restarts"). */
#define _GNU_SOURCE /* fopencookie, in part_file.h */
#include "part_file.h"

static const mq_param_decl params[] = {
    {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "values per item (a vector)", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "vlen"}};

static int work(mq_block_ctx *c, void *state)
{
    struct part_sink *k = state;
    size_t bytes;
    const void *d = mq_in_data(c, 0, &bytes);

    if (k->done)
        return part_sink_after_end(c);
    if (fwrite(d, 1, bytes, k->p.f) != bytes)
        return part_file_error(c, &k->p);
    return part_sink_wrote(c, k);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_sink",
    .doc = "Writes the raw items it receives to `path` (written as path.partPID.BLOCK and\n"
           "renamed at the end of the stream, or into a device or FIFO directly; a\n"
           "symlink is followed; doc/blocks.md has the rules).",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = part_sink_init, .work = work, .fini = part_sink_fini,
};
MQ_BLOCK_EXPORT(decl)
