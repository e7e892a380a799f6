/* vector_sink - writes what it received as text, one item per line (GNU Radio's
 * vector_sink keeps it in memory for a test to read; across processes a file is the
 * way). f32 and c32 print with 9 significant digits and f64 with 17, enough to read
 * back the exact value. */
#define _GNU_SOURCE /* fopencookie, in part_file.h */
#include <inttypes.h>

#include "part_file.h"

static const mq_param_decl params[] = {
    {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    {"timestamps", MQ_PARAM_BOOL, "false", 0, 0, NULL,
     "before each buffer, a line '@ TYPE VALUE [START END]' with its timestamp", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", NULL}};

static int print_item(FILE *f, mq_item_type t, const void *d, size_t i)
{
    switch (t) {
    case MQ_ITEM_I16: return fprintf(f, "%d\n", ((const int16_t *)d)[i]);
    case MQ_ITEM_I32: return fprintf(f, "%" PRId32 "\n", ((const int32_t *)d)[i]);
    case MQ_ITEM_F32: return fprintf(f, "%.9g\n", ((const float *)d)[i]);
    case MQ_ITEM_F64: return fprintf(f, "%.17g\n", ((const double *)d)[i]);
    case MQ_ITEM_C32:
        return fprintf(f, "%.9g %.9g\n", ((const float *)d)[2 * i], ((const float *)d)[2 * i + 1]);
    default: return fprintf(f, "%u\n", ((const uint8_t *)d)[i]);
    }
}

static int work(mq_block_ctx *c, void *state)
{
    static const char *ts_names[] = {"none", "absolute", "relative", "sample"};
    struct part_sink *k = state;
    struct part_file *p = &k->p;
    mq_item_type t = mq_block_in_type(c, 0);
    size_t bytes, isz = mq_item_size(t);
    const void *d = mq_in_data(c, 0, &bytes);
    mq_timestamp ts;

    if (k->done)
        return part_sink_after_end(c);
    if (mq_param_int(c, "timestamps") && mq_in_timestamp(c, 0, &ts) == 0) {
        int rc = fprintf(p->f, "@ %s %" PRId64, ts_names[ts.type & 3], ts.value);
        if (rc >= 0 && (ts.flags & MQ_TS_HAS_RANGE))
            rc = fprintf(p->f, " %" PRId64 " %" PRId64, ts.start, ts.end);
        if (rc < 0 || fputc('\n', p->f) == EOF)
            return part_file_error(c, p);
    }
    for (size_t i = 0; i < bytes / isz; i++)
        if (print_item(p->f, t, d, i) < 0)
            return part_file_error(c, p);
    return part_sink_wrote(c, k);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "vector_sink",
    .doc = "Writes the items it receives to `path` as text, one per line (c32: 're im').\n"
           "f32 and c32 have 9 significant digits, f64 17: each reads back exactly.\n"
           "The file appears (renamed from path.partPID.BLOCK) when the stream ends; a\n"
           "device or FIFO is written directly, a symlink followed (doc/blocks.md).",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = part_sink_init, .work = work, .fini = part_sink_fini,
};
MQ_BLOCK_EXPORT(decl)
