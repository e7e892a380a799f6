/* vector_source - emits the values of a list (GNU Radio's vector_source), once or
 * over and over. c32 takes the list as re, im pairs; integer types round to the
 * nearest integer and saturate. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

struct vsrc {
    void *items; /* the list converted to the output type, once */
    size_t n, isz, next, per_buf;
    int repeat;
    int64_t sent;
};

static const mq_param_decl params[] = {
    {"values", MQ_PARAM_FLOATS, NULL, 0, 0, NULL, "the items (c32: re, im pairs)", 0},
    {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32", "item type", 0},
    {"repeat", MQ_PARAM_BOOL, "false", 0, 0, NULL, "start again after the last value", 0},
    {"items_per_buffer", MQ_PARAM_INT, "1024", 1, 1048576, NULL, "items per output buffer",
     MQ_PARAM_SIZED},
    MQ_PARAM_SAMPLE_RATE,
    MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", NULL}};

static double clampr(double v, double lo, double hi)
{
    v = nearbyint(v);
    return v < lo ? lo : v > hi ? hi : v;
}

/* Writes value v as element k of `items` of type t (c32: k counts floats). */
static void store(mq_item_type t, void *items, size_t k, double v)
{
    switch (t) {
    case MQ_ITEM_U8: ((uint8_t *)items)[k] = (uint8_t)clampr(v, 0, 255); break;
    case MQ_ITEM_I16: ((int16_t *)items)[k] = (int16_t)clampr(v, INT16_MIN, INT16_MAX); break;
    case MQ_ITEM_I32: ((int32_t *)items)[k] = (int32_t)clampr(v, INT32_MIN, INT32_MAX); break;
    case MQ_ITEM_F64: ((double *)items)[k] = v; break;
    default: ((float *)items)[k] = (float)v; break;
    }
}

static int init(mq_block_ctx *c, void **state)
{
    struct vsrc *s = calloc(1, sizeof *s);
    size_t nv;
    const double *v = mq_param_floats(c, "values", &nv);
    mq_item_type t = mq_block_out_type(c, 0);

    if (!s)
        return -1;
    *state = s;
    s->isz = mq_item_size(t);
    s->n = t == MQ_ITEM_C32 ? nv / 2 : nv;
    s->repeat = (int)mq_param_int(c, "repeat");
    s->per_buf = (size_t)mq_param_int(c, "items_per_buffer");
    if (t == MQ_ITEM_C32 && nv % 2) {
        mq_block_error(c, "values: c32 takes re, im pairs, but %zu numbers were given", nv);
        return -1;
    }
    if (nv == 0 && s->repeat) {
        mq_block_error(c, "values: an empty list cannot repeat");
        return -1;
    }
    if (!(s->items = malloc(nv * sizeof(double) + 1)))
        return -1;
    for (size_t k = 0; k < nv; k++)
        store(t, s->items, k, v[k]);
    /* A restart goes on from where the last life's last buffer ended. */
    uint64_t at[2];
    if (mq_checkpoint_load(c, at, sizeof at) == sizeof at && at[0] <= s->n) {
        s->next = (size_t)at[0];
        s->sent = (int64_t)at[1];
    }
    return 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct vsrc *s = state;
    size_t room = s->repeat ? s->per_buf : s->n - s->next, k = 0;
    mq_timestamp ts;
    char *o;

    if (room == 0)
        return MQ_WORK_DONE;
    if (room > s->per_buf)
        room = s->per_buf;
    if (!(o = mq_out_alloc(c, 0, room * s->isz)))
        return MQ_WORK_ERROR;
    while (k < room) {
        size_t run = s->n - s->next < room - k ? s->n - s->next : room - k;
        memcpy(o + k * s->isz, (char *)s->items + s->next * s->isz, run * s->isz);
        k += run;
        s->next += run;
        if (s->repeat && s->next == s->n)
            s->next = 0;
    }
    mq_block_stamp(c, mq_param_float(c, "sample_rate"), s->sent, room, &ts);
    s->sent += (int64_t)room;
    uint64_t at[2] = {s->next, (uint64_t)s->sent};
    mq_checkpoint_save(c, at, sizeof at);
    if (mq_out_push(c, 0, room * s->isz, &ts) < 0)
        return MQ_WORK_ERROR;
    return !s->repeat && s->next == s->n ? MQ_WORK_DONE : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct vsrc *s = state;
    if (s)
        free(s->items);
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "vector_source",
    .doc = "Emits `values` in order, then finishes; with repeat, cycles through them\n"
           "forever. c32 reads the list as re, im pairs; integer types round and\n"
           "saturate. Buffers carry the sample index.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
