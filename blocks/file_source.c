/* file_source - reads raw items from a file (GNU Radio's file_source), once or over
 * and over. The file must hold a whole number of items.
 *
 * With begin_tag, the first item of the file, and of each repeat, gets a stream tag
 * of that key, its value the number of repeats before it (0, 1, ..) and its srcid
 * the block's name, as GNU Radio's does (there, srcid is the block's alias).
 *
 * With sigmf the file is a SigMF dataset, NAME.sigmf-data, and the block reads its
 * metadata, NAME.sigmf-meta (sigmf.h), first: untrusted input, every field it uses
 * checked, an error naming the file, the field and its value. core:datatype must
 * be what `type` and `vlen` read (a big-endian one is converted); the rate, the
 * captures' times and the annotations become stream tags as gr-sigmf's source
 * makes them (rx_rate, rx_freq, rx_time; an annotation by its label), and with
 * `timestamps: absolute` each buffer carries the recording's time: sample k of a
 * capture from sample s at datetime T is at T + (k - s) / rate, a buffer never
 * spanning two captures. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "block.h"
#include "error.h"
#include "sigmf.h"

enum { P_PATH, P_TYPE, P_VLEN, P_REPEAT, P_IPB, P_BEGIN, P_SIGMF, P_RATE, P_TS };

/* A stream tag the metadata gives, on sample `sample` of the dataset. */
struct sigmf_tag {
    int64_t sample;
    size_t seq;                 /* the order made: the tie-break of sorting */
    mq_pmt *key, *value, *srcid;
};

/* A capture's time: from sample `start` on, at secs + ns. */
struct sigmf_base {
    int64_t start, secs, ns;
};

/* What the metadata says, as the block uses it. */
struct sigmf_in {
    const char *meta;       /* the file, for messages */
    json_t *root;
    double rate;            /* the recording's (or sample_rate's); 0: not known */
    int64_t channels, offset, items;
    struct sigmf_datatype dt;
    struct sigmf_tag *tags; /* by sample */
    size_t n_tags, cap_tags, next; /* next: the first not sent in this pass */
    struct sigmf_base *base; /* the captures with a time, by start */
    size_t n_base;
    mq_pmt *name;           /* the block's name: srcid of the tags it makes */
};

struct fsrc {
    FILE *f;
    size_t isz, per_buf;
    int repeat;
    int64_t sent, repeats;
    int at_begin;         /* the next item read is the file's first */
    mq_pmt *key, *srcid;  /* begin_tag's, or NULL */
    struct sigmf_in *m;   /* NULL without sigmf */
};

static const mq_param_decl params[] = {
    [P_PATH] = {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the file to read", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "values per item (a vector)", 0},
    [P_REPEAT] = {"repeat", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                  "start again at the end of the file", 0},
    [P_IPB] = {"items_per_buffer", MQ_PARAM_INT, "4096", 1, 1048576, NULL,
               "items per output buffer", MQ_PARAM_SIZED},
    [P_BEGIN] = {"begin_tag", MQ_PARAM_STRING, "", 0, 0, NULL,
                 "the key of a stream tag on the file's first item, each repeat's too (empty: "
                 "none)",
                 0},
    [P_SIGMF] = {"sigmf", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "a SigMF recording: path ends in .sigmf-data, NAME.sigmf-meta beside it is read",
                 0},
    [P_RATE] = MQ_PARAM_SAMPLE_RATE,
    [P_TS] = MQ_PARAM_TIMESTAMPS,
};
static const mq_port_decl out[] = {{"out", MQ_ITEM_F32, "type", "vlen"}};

/* ---- reading the metadata: every field checked ------------------------------------- */

/* Fails the block with "META: " and the message; -1. */
__attribute__((format(printf, 3, 4))) static int bad(mq_block_ctx *c, const struct sigmf_in *m,
                                                     const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mq_block_error(c, "%s: %s", m->meta, msg);
    return -1;
}

/* A value as a message shows it: a string in quotes, anything else as JSON; cut
 * at 60 characters. */
static const char *shown(const json_t *v, char *buf, size_t len)
{
    char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    const char *s = json_is_string(v) ? json_string_value(v) : text ? text : "?";
    const char *q = json_is_string(v) ? "'" : "";

    snprintf(buf, len, "%s%.60s%s%s", q, s, strlen(s) > 60 ? "..." : "", q);
    free(text);
    return buf;
}

/* Field `name` of obj as an integer in [min, max]: 1 and *res, 0 if it is not
 * there, -1 after bad(). `at` names the object ("captures[2]: ", or "" for the
 * global one). */
static int int_field(mq_block_ctx *c, const struct sigmf_in *m, const char *at, const json_t *obj,
                     const char *name, int64_t min, int64_t max, int64_t *res)
{
    const json_t *v = json_object_get(obj, name);
    char buf[80];

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(c, m, "%s%s must be an integer from %lld to %lld, not %s", at, name,
                   (long long)min, (long long)max, shown(v, buf, sizeof buf));
    *res = json_integer_value(v);
    return 1;
}

/* Field `name` as a string: 1 and *res, 0 if not there, -1 after bad(). */
static int text_field(mq_block_ctx *c, const struct sigmf_in *m, const char *at,
                      const json_t *obj, const char *name, const char **res)
{
    const json_t *v = json_object_get(obj, name);
    char buf[80];

    if (!v)
        return 0;
    if (!json_is_string(v))
        return bad(c, m, "%s%s must be a string, not %s", at, name, shown(v, buf, sizeof buf));
    *res = json_string_value(v);
    return 1;
}

/* Field `name` as a number within +-1e12 (above 0 if `positive`), the bounds of
 * SigMF's rates and frequencies: 1, 0, -1. */
static int number_field(mq_block_ctx *c, const struct sigmf_in *m, const char *at,
                        const json_t *obj, const char *name, int positive, double *res)
{
    const json_t *v = json_object_get(obj, name);
    double x = json_number_value(v);
    char buf[80];

    if (!v)
        return 0;
    if (!json_is_number(v) || (positive ? !(x > 0) : !(x >= -1e12)) || !(x <= 1e12))
        return bad(c, m, "%s%s must be a number %s and at most 1e12, not %s", at, name,
                   positive ? "above 0" : "from -1e12", shown(v, buf, sizeof buf));
    *res = x;
    return 1;
}

/* Adds a tag (key, value taken; srcid NULL: the block's name). */
static int add_tag(mq_block_ctx *c, struct sigmf_in *m, int64_t sample, mq_pmt *key,
                   mq_pmt *value, mq_pmt *srcid)
{
    if (!srcid)
        srcid = mq_pmt_copy(m->name);
    if (m->n_tags == m->cap_tags) {
        size_t n = m->cap_tags ? 2 * m->cap_tags : 16;
        struct sigmf_tag *t = realloc(m->tags, n * sizeof *t);
        if (t) {
            m->tags = t;
            m->cap_tags = n;
        }
    }
    if (!key || !value || !srcid || m->n_tags == m->cap_tags) {
        mq_pmt_free(key);
        mq_pmt_free(value);
        mq_pmt_free(srcid);
        mq_block_error(c, "out of memory");
        return -1;
    }
    m->tags[m->n_tags] = (struct sigmf_tag){sample, m->n_tags, key, value, srcid};
    m->n_tags++;
    return 0;
}

/* A JSON value of the metadata as a PMT, by the JSON form of pmt.h. */
static int pmt_of(mq_block_ctx *c, const struct sigmf_in *m, const char *at, const char *name,
                  const json_t *v, mq_pmt **res)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    char err[160];
    int rc = text ? mq_pmt_from_json(text, strlen(text), res, err, sizeof err) : MQ_ENOMEM;

    free(text);
    if (rc == MQ_ENOMEM)
        mq_block_error(c, "out of memory");
    else if (rc < 0)
        return bad(c, m, "%s%s is no value a stream tag can carry: %s", at, name, err);
    return rc < 0 ? -1 : 0;
}

/* core:datatype: what type and vlen read, given core:num_channels. */
static int read_datatype(mq_block_ctx *c, struct sigmf_in *m, const json_t *g)
{
    const char *dt = NULL;
    mq_item_type type = mq_block_out_type(c, 0), t;
    int64_t vlen = (int64_t)mq_block_out_vlen(c, 0), v;
    char ch[40] = "";

    int rc = text_field(c, m, "", g, "core:datatype", &dt);
    if (rc <= 0)
        return rc < 0 ? -1 : bad(c, m, "core:datatype is missing");
    if (sigmf_datatype_parse(dt, &m->dt) < 0)
        return bad(c, m, "core:datatype '%s' is not a SigMF datatype (r or c; f32, f64, i32, "
                         "i16, u32, u16, i8 or u8; _le or _be after all but i8 and u8)",
                   dt);
    if (int_field(c, m, "", g, "core:num_channels", 1, MQ_MAX_VLEN, &m->channels) < 0)
        return -1;
    if (sigmf_reads_as(&m->dt, m->channels, &t, &v) < 0)
        return bad(c, m, "core:datatype '%s' has no mq item type to read it (mq has no %s)", dt,
                   m->dt.f->name);
    if (sigmf_datatype_fits(&m->dt, m->channels, type, vlen))
        return 0;
    if (m->channels > 1)
        snprintf(ch, sizeof ch, " of %lld channels", (long long)m->channels);
    return bad(c, m, "core:datatype '%s'%s does not match type %s, vlen %lld: it reads as "
                     "type %s, vlen %lld",
               dt, ch, mq_item_name(type), (long long)vlen, mq_item_name(t), (long long)v);
}

/* core:extensions: one that is not optional must be one mq knows (its own). */
static int read_extensions(mq_block_ctx *c, struct sigmf_in *m, const json_t *g)
{
    const json_t *ext = json_object_get(g, "core:extensions"), *e;
    char buf[80];
    size_t i;

    if (ext && !json_is_array(ext))
        return bad(c, m, "core:extensions must be an array, not %s", shown(ext, buf, sizeof buf));
    json_array_foreach(ext, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const json_t *opt = json_object_get(e, "optional");
        if (!name || !json_is_boolean(opt))
            return bad(c, m, "core:extensions[%zu] must have a name and optional true or "
                             "false, not %s",
                       i, shown(e, buf, sizeof buf));
        if (json_is_false(opt) && strcmp(name, SIGMF_EXT))
            return bad(c, m, "core:extensions: '%s' is not optional, and mq does not know it",
                       name);
    }
    return 0;
}

/* The global object: datatype, version, rate, offset; a recording that is not a
 * SigMF dataset of its own (a non-conforming dataset, metadata only) is refused. */
static int read_global(mq_block_ctx *c, struct sigmf_in *m, const json_t *g)
{
    const char *ver = NULL;
    int64_t trailing = 0;
    double given = mq_param_f(c, P_RATE);
    char a[32], b[32];

    if (read_datatype(c, m, g) < 0 || read_extensions(c, m, g) < 0)
        return -1;
    int rc = text_field(c, m, "", g, "core:version", &ver);
    if (rc <= 0)
        return rc < 0 ? -1 : bad(c, m, "core:version is missing");
    if (strncmp(ver, "1.", 2) || sigmf_digits(ver + 2, 1) < 0)
        return bad(c, m, "core:version '%s' is not SigMF 1.x", ver);
    if (number_field(c, m, "", g, "core:sample_rate", 1, &m->rate) < 0 ||
        int_field(c, m, "", g, "core:offset", 0, INT64_MAX, &m->offset) < 0 ||
        int_field(c, m, "", g, "core:trailing_bytes", 0, INT64_MAX, &trailing) < 0)
        return -1;
    if (json_object_get(g, "core:dataset") || trailing > 0)
        return bad(c, m, "%s: the samples are another file's (a non-conforming dataset), "
                         "which is not read",
                   trailing > 0 ? "core:trailing_bytes" : "core:dataset");
    if (json_is_true(json_object_get(g, "core:metadata_only")))
        return bad(c, m, "core:metadata_only: the recording has no samples");
    if (m->rate > 0 && given > 0 && m->rate != given) {
        mq_param_format_double(m->rate, a, sizeof a);
        mq_param_format_double(given, b, sizeof b);
        return bad(c, m, "core:sample_rate %s does not match sample_rate %s", a, b);
    }
    if (m->rate == 0)
        m->rate = given;
    else if (add_tag(c, m, 0, mq_pmt_symbol("rx_rate"), mq_pmt_double(m->rate), NULL) < 0)
        return -1;
    return 0;
}

/* UHD's rx_time value of a time: (full seconds, fraction). */
static mq_pmt *rx_time(const struct sigmf_time *t)
{
    mq_pmt *v = mq_pmt_tuple(2);

    if (v && (mq_pmt_set_item(v, 0, mq_pmt_uint64((uint64_t)t->secs)) < 0 ||
              mq_pmt_set_item(v, 1, mq_pmt_double(t->frac)) < 0)) {
        mq_pmt_free(v);
        return NULL;
    }
    return v;
}

/* A capture's time: a tag, and the base of the timestamps of its samples. */
static int capture_time(mq_block_ctx *c, struct sigmf_in *m, const char *at, int64_t start,
                        const char *when)
{
    struct sigmf_time t;

    if (sigmf_time_parse(when, &t) < 0)
        return bad(c, m, "%score:datetime '%s' is not an RFC 3339 time in UTC "
                         "(YYYY-MM-DDTHH:MM:SS[.digits]Z)",
                   at, when);
    if (t.secs < 0) /* POSIX time begins in 1970, and so do UHD's full seconds */
        return bad(c, m, "%score:datetime '%s' is before 1970", at, when);
    if (add_tag(c, m, start, mq_pmt_symbol("rx_time"), rx_time(&t), NULL) < 0)
        return -1;
    m->base[m->n_base++] = (struct sigmf_base){start, t.secs, t.ns};
    return 0;
}

/* One capture segment: its start, after the one before; time; frequency. */
static int read_capture(mq_block_ctx *c, struct sigmf_in *m, size_t i, const json_t *cap,
                        int64_t *prev)
{
    const char *when = NULL;
    int64_t start = 0, header = 0;
    double freq;
    char at[48];
    int rc;

    snprintf(at, sizeof at, "captures[%zu]: ", i);
    if (!json_is_object(cap))
        return bad(c, m, "captures[%zu] must be an object", i);
    if ((rc = int_field(c, m, at, cap, "core:sample_start", 0, INT64_MAX, &start)) <= 0)
        return rc < 0 ? -1 : bad(c, m, "%score:sample_start is missing", at);
    if (i > 0 && start <= *prev)
        return bad(c, m, "%score:sample_start %lld is not after captures[%zu]'s %lld", at,
                   (long long)start, i - 1, (long long)*prev);
    *prev = start;
    if (int_field(c, m, at, cap, "core:header_bytes", 0, INT64_MAX, &header) < 0)
        return -1;
    if (header > 0)
        return bad(c, m, "%score:header_bytes: the samples are not the file's alone (a "
                         "non-conforming dataset), which is not read",
                   at);
    if ((rc = number_field(c, m, at, cap, "core:frequency", 0, &freq)) < 0)
        return -1;
    if (rc > 0 && add_tag(c, m, start, mq_pmt_symbol("rx_freq"), mq_pmt_double(freq), NULL) < 0)
        return -1;
    if ((rc = text_field(c, m, at, cap, "core:datetime", &when)) <= 0)
        return rc;
    return capture_time(c, m, at, start, when);
}

static int read_captures(mq_block_ctx *c, struct sigmf_in *m, const json_t *caps)
{
    const json_t *cap;
    int64_t prev = 0;
    size_t i;

    if (!(m->base = calloc(json_array_size(caps) + 1, sizeof *m->base))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    json_array_foreach(caps, i, cap) {
        if (read_capture(c, m, i, cap, &prev) < 0)
            return -1;
    }
    return 0;
}

/* An annotation without mq:value (another tool's) gives its fields as a dict:
 * {"core:comment": "..", "core:sample_count": 42000, ..}. */
static int fields_dict(mq_block_ctx *c, const struct sigmf_in *m, const char *at,
                       const json_t *a, mq_pmt **res)
{
    const char *name;
    const json_t *v;
    mq_pmt *d = mq_pmt_dict(), *p;

    json_object_foreach((json_t *)a, name, v) {
        if (!strcmp(name, "core:sample_start") || !strcmp(name, "core:label") ||
            !strcmp(name, "core:generator"))
            continue;
        if (pmt_of(c, m, at, name, v, &p) < 0) {
            mq_pmt_free(d);
            return -1;
        }
        if (mq_pmt_dict_set(d, mq_pmt_symbol(name), p) < 0) { /* frees both */
            mq_pmt_free(d);
            mq_block_error(c, "out of memory");
            return -1;
        }
    }
    *res = d;
    return 0;
}

/* One annotation: a tag on its sample, its key core:label ("annotation" if it has
 * none), its value mq:value (or its fields), its srcid core:generator (or the
 * block's name). */
static int read_annotation(mq_block_ctx *c, struct sigmf_in *m, size_t i, const json_t *a,
                           int64_t *prev)
{
    const char *label = "annotation", *gen = NULL;
    const json_t *v = json_object_get(a, SIGMF_VALUE);
    int64_t start = 0, count;
    mq_pmt *value = NULL;
    char at[48];
    int rc;

    snprintf(at, sizeof at, "annotations[%zu]: ", i);
    if (!json_is_object(a))
        return bad(c, m, "annotations[%zu] must be an object", i);
    if ((rc = int_field(c, m, at, a, "core:sample_start", 0, INT64_MAX, &start)) <= 0)
        return rc < 0 ? -1 : bad(c, m, "%score:sample_start is missing", at);
    if (i > 0 && start < *prev)
        return bad(c, m, "%score:sample_start %lld is before annotations[%zu]'s %lld", at,
                   (long long)start, i - 1, (long long)*prev);
    *prev = start;
    if (start < m->offset)
        return bad(c, m, "%score:sample_start %lld is before core:offset %lld", at,
                   (long long)start, (long long)m->offset);
    if (int_field(c, m, at, a, "core:sample_count", 0, INT64_MAX, &count) < 0 ||
        text_field(c, m, at, a, "core:label", &label) < 0 ||
        text_field(c, m, at, a, "core:generator", &gen) < 0)
        return -1;
    if (strlen(label) > MQ_PMT_SYMBOL_MAX || (gen && strlen(gen) > MQ_PMT_SYMBOL_MAX))
        return bad(c, m, "%s%s is longer than a tag's %d bytes", at,
                   gen && strlen(gen) > MQ_PMT_SYMBOL_MAX ? "core:generator" : "core:label",
                   MQ_PMT_SYMBOL_MAX);
    if ((v ? pmt_of(c, m, at, SIGMF_VALUE, v, &value) : fields_dict(c, m, at, a, &value)) < 0)
        return -1;
    return add_tag(c, m, start - m->offset, mq_pmt_symbol(label), value,
                   gen ? mq_pmt_symbol(gen) : NULL);
}

static int read_annotations(mq_block_ctx *c, struct sigmf_in *m, const json_t *list)
{
    const json_t *a;
    int64_t prev = 0;
    size_t i;

    json_array_foreach(list, i, a) {
        if (read_annotation(c, m, i, a, &prev) < 0)
            return -1;
    }
    return 0;
}

static int by_sample(const void *x, const void *y)
{
    const struct sigmf_tag *a = x, *b = y;
    if (a->sample != b->sample)
        return a->sample < b->sample ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The tags on samples the dataset does not have go: SigMF's readers ignore what
 * refers to samples not there. */
static void drop_tags_after(struct sigmf_in *m, int64_t items)
{
    size_t i = m->n_tags;

    while (i > 0 && m->tags[i - 1].sample >= items) {
        i--;
        mq_pmt_free(m->tags[i].key);
        mq_pmt_free(m->tags[i].value);
        mq_pmt_free(m->tags[i].srcid);
    }
    m->n_tags = i;
}

/* What timestamps: absolute needs: a time, a rate, one pass, ns that fit. */
static int check_absolute(mq_block_ctx *c, const struct sigmf_in *m)
{
    if (m->n_base == 0)
        return bad(c, m, "timestamps absolute: the recording has no core:datetime");
    if (m->rate == 0)
        return bad(c, m, "timestamps absolute: the recording has no core:sample_rate, and "
                         "sample_rate is 0");
    if (mq_param_i(c, P_REPEAT))
        return bad(c, m, "timestamps absolute: with repeat the recording's times would come "
                         "again");
    for (size_t i = 0; i < m->n_base; i++)
        if (m->base[i].secs > INT64_MAX / 1000000000 - 1)
            return bad(c, m, "timestamps absolute: a core:datetime after 2262 does not fit "
                             "the int64 ns of a timestamp");
    return 0;
}

/* Reads and checks NAME.sigmf-meta for a dataset of `items` items. */
static int sigmf_open(mq_block_ctx *c, struct fsrc *s, int64_t items)
{
    struct sigmf_in *m = calloc(1, sizeof *m);
    const char *meta;
    json_error_t e;
    FILE *f;

    if (!(s->m = m) || !(meta = m->meta = sigmf_meta_path(mq_param_s(c, P_PATH))) ||
        !(m->name = mq_pmt_symbol(mq_block_name(c)))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    m->channels = 1;
    m->items = items;
    if (!(f = fopen(meta, "rb"))) {
        mq_block_error(c, "cannot open '%s': %s", meta, strerror(errno));
        return -1;
    }
    m->root = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
    fclose(f);
    if (!m->root)
        return bad(c, m, "line %d, column %d: not JSON: %s", e.line, e.column, e.text);
    const json_t *g = json_object_get(m->root, "global");
    const json_t *caps = json_object_get(m->root, "captures");
    const json_t *notes = json_object_get(m->root, "annotations");
    if (!json_is_object(g) || !json_is_array(caps) || !json_is_array(notes))
        return bad(c, m, "not SigMF metadata: it must be an object of a \"global\" object, "
                         "\"captures\" and \"annotations\" arrays");
    if (read_global(c, m, g) < 0 || read_captures(c, m, caps) < 0 ||
        read_annotations(c, m, notes) < 0)
        return -1;
    if (mq_param_choice(c, P_TS) == 2 && check_absolute(c, m) < 0)
        return -1;
    qsort(m->tags, m->n_tags, sizeof *m->tags, by_sample);
    drop_tags_after(m, items);
    json_decref(m->root);
    m->root = NULL;
    return 0;
}

static void sigmf_close(struct sigmf_in *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_tags; i++) {
        mq_pmt_free(m->tags[i].key);
        mq_pmt_free(m->tags[i].value);
        mq_pmt_free(m->tags[i].srcid);
    }
    free(m->tags);
    free(m->base);
    json_decref(m->root);
    mq_pmt_free(m->name);
    free((char *)m->meta);
    free(m);
}

/* ---- reading the samples ------------------------------------------------------------- */

/* The first tag on sample `at` or after. */
static size_t first_tag(const struct sigmf_in *m, int64_t at)
{
    size_t lo = 0, hi = m->n_tags;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->tags[mid].sample < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The metadata's tags on the file's bytes [from, to), read as stream item `item`
 * on: sent with the buffer that holds them. */
static int send_tags(mq_block_ctx *c, struct fsrc *s, int64_t from, int64_t to, int64_t item)
{
    struct sigmf_in *m = s->m;
    int64_t isz = (int64_t)s->isz;

    for (; m->next < m->n_tags && m->tags[m->next].sample * isz < to; m->next++) {
        const struct sigmf_tag *t = &m->tags[m->next];
        if (t->sample * isz < from)
            continue;
        int rc = mq_out_add_tag(c, 0, (uint64_t)(item + (t->sample * isz - from) / isz), t->key,
                                t->value, t->srcid);
        if (rc < 0) {
            mq_block_error(c, "%s: a tag on sample %lld: %s", m->meta, (long long)t->sample,
                           mq_strerror(rc));
            return -1;
        }
    }
    return 0;
}

/* How many items from sample `at` on a buffer may hold with absolute timestamps:
 * up to the next capture with a time, so that the buffer's range spans one. */
static size_t room_in_capture(const struct sigmf_in *m, int64_t at, size_t want)
{
    for (size_t i = 0; i < m->n_base; i++)
        if (m->base[i].start > at && (uint64_t)(m->base[i].start - at) < want)
            return (size_t)(m->base[i].start - at);
    return want;
}

/* The stamp of n items from sample `at`: the recording's time, from the capture
 * holding them (the first one's, moved back, for samples before it). */
static void stamp_absolute(const struct sigmf_in *m, int64_t at, size_t n, mq_timestamp *ts)
{
    size_t j = 0;

    while (j + 1 < m->n_base && m->base[j + 1].start <= at)
        j++;
    const struct sigmf_base *b = &m->base[j];
    int64_t t0 = b->secs * 1000000000 + b->ns;
    *ts = (mq_timestamp){.type = MQ_TS_ABSOLUTE, .flags = MQ_TS_HAS_RANGE};
    ts->start = ts->value = t0 + llround((double)(at - b->start) * 1e9 / m->rate);
    ts->end = t0 + llround((double)(at + (int64_t)n - 1 - b->start) * 1e9 / m->rate);
}

/* Values of another byte order than this host's, turned round in place. */
static void swap_bytes(unsigned char *p, size_t bytes, size_t width)
{
    for (size_t i = 0; i + width <= bytes; i += width)
        for (size_t a = i, b = i + width - 1; a < b; a++, b--) {
            unsigned char x = p[a];
            p[a] = p[b];
            p[b] = x;
        }
}

/* ---- the block ----------------------------------------------------------------------- */

static int check(mq_block_ctx *c)
{
    if (!mq_param_i(c, P_SIGMF))
        return 0;
    if (!strcmp(mq_param_s(c, P_TYPE), "bytes")) {
        mq_block_error(c, "type bytes reads no SigMF datatype (sigmf takes u8, i16, i32, f32, "
                          "f64 or c32)");
        return -1;
    }
    return sigmf_check_path(c, mq_param_s(c, P_PATH));
}

static int init(mq_block_ctx *c, void **state)
{
    struct fsrc *s = calloc(1, sizeof *s);
    const char *path = mq_param_s(c, P_PATH);
    struct stat st;

    if (!s)
        return -1;
    *state = s;
    s->isz = mq_block_out_item_size(c, 0);
    s->per_buf = (size_t)mq_param_i(c, P_IPB);
    s->repeat = (int)mq_param_i(c, P_REPEAT);
    if (!(s->f = fopen(path, "rb")) || fstat(fileno(s->f), &st) < 0) {
        mq_block_error(c, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        mq_block_error(c, "'%s' is not a regular file", path);
        return -1;
    }
    if ((size_t)st.st_size % s->isz) {
        mq_block_error(c, "'%s' has %lld bytes, not a whole number of %zu-byte items", path,
                       (long long)st.st_size, s->isz);
        return -1;
    }
    if (st.st_size == 0 && s->repeat) {
        mq_block_error(c, "'%s' is empty and cannot repeat", path);
        return -1;
    }
    const char *tag = mq_param_s(c, P_BEGIN);
    if (*tag && (!(s->key = mq_pmt_symbol(tag)) || !(s->srcid = mq_pmt_symbol(mq_block_name(c))))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    if (mq_param_i(c, P_SIGMF) && sigmf_open(c, s, (int64_t)((size_t)st.st_size / s->isz)) < 0)
        return -1;
    /* A restart reads on from where the last life's last buffer ended. */
    int64_t at[3];
    s->at_begin = 1;
    if (mq_checkpoint_load(c, at, sizeof at) == sizeof at && at[0] >= 0 &&
        at[0] <= (int64_t)st.st_size && fseeko(s->f, (off_t)at[0], SEEK_SET) == 0) {
        s->sent = at[1];
        s->repeats = at[2];
        s->at_begin = at[0] == 0;
    }
    if (s->m)
        s->m->next = first_tag(s->m, (int64_t)ftello(s->f) / (int64_t)s->isz);
    return 0;
}

/* The tag on the file's first item, about to be read as item `item` of the stream. */
static int tag_begin(mq_block_ctx *c, struct fsrc *s, int64_t item)
{
    mq_pmt *n = mq_pmt_int(s->repeats);
    int rc = n ? mq_out_add_tag(c, 0, (uint64_t)item, s->key, n, s->srcid) : MQ_ENOMEM;

    mq_pmt_free(n);
    s->at_begin = 0;
    if (rc < 0)
        mq_block_error(c, "begin_tag: %s", mq_strerror(rc));
    return rc;
}

/* Reads up to `want` bytes into o, over the file's end when it repeats, with the
 * tags of what it read. The bytes read, or -1 after mq_block_error. */
static ssize_t read_items(mq_block_ctx *c, struct fsrc *s, char *o, size_t want)
{
    size_t got = 0;

    while (got < want) {
        if (s->at_begin && s->key && tag_begin(c, s, s->sent + (int64_t)(got / s->isz)) < 0)
            return -1;
        int64_t from = (int64_t)ftello(s->f);
        size_t n = fread(o + got, 1, want - got, s->f);
        if (n > 0 && s->m &&
            send_tags(c, s, from, from + (int64_t)n, s->sent + (int64_t)(got / s->isz)) < 0)
            return -1;
        got += n;
        if (n > 0)
            continue;
        if (ferror(s->f)) {
            mq_block_error(c, "reading '%s': %s", mq_param_s(c, P_PATH), strerror(errno));
            return -1;
        }
        if (!s->repeat)
            break;
        rewind(s->f);
        s->repeats++;
        s->at_begin = 1;
        if (s->m)
            s->m->next = 0;
    }
    return (ssize_t)got;
}

static int work(mq_block_ctx *c, void *state)
{
    struct fsrc *s = state;
    int64_t sample = (int64_t)ftello(s->f) / (int64_t)s->isz;
    int absolute = s->m && mq_param_choice(c, P_TS) == 2;
    size_t want = (absolute ? room_in_capture(s->m, sample, s->per_buf) : s->per_buf) * s->isz;
    mq_timestamp ts;
    char *o = mq_out_alloc(c, 0, want);

    if (!o)
        return MQ_WORK_ERROR;
    ssize_t got = read_items(c, s, o, want);
    if (got < 0)
        return MQ_WORK_ERROR;
    if (got == 0)
        return MQ_WORK_DONE;
    size_t n = (size_t)got / s->isz;
    if (s->m && s->m->dt.swap)
        swap_bytes((unsigned char *)o, (size_t)got, s->m->dt.f->width);
    if (absolute)
        stamp_absolute(s->m, sample, n, &ts);
    else
        mq_block_stamp(c, s->m ? s->m->rate : mq_param_f(c, P_RATE), s->sent, n, &ts);
    s->sent += (int64_t)n;
    int64_t at[3] = {(int64_t)ftello(s->f), s->sent, s->repeats};
    mq_checkpoint_save(c, at, sizeof at);
    if (mq_out_push(c, 0, (size_t)got, &ts) < 0)
        return MQ_WORK_ERROR;
    return (size_t)got < want ? MQ_WORK_DONE : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fsrc *s = state;
    if (s && s->f)
        fclose(s->f);
    if (s) {
        mq_pmt_free(s->key);
        mq_pmt_free(s->srcid);
        sigmf_close(s->m);
    }
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_source",
    .doc = "Reads raw items from `path` and finishes at its end; with repeat, starts\n"
           "again at the beginning forever. Buffers carry the sample index. begin_tag:\n"
           "a stream tag of that key on the file's first item and each repeat's, its\n"
           "value the count of repeats before (0, 1, ..), its srcid the block's name.\n"
           "With sigmf: true, a SigMF recording: `path` is NAME.sigmf-data and\n"
           "NAME.sigmf-meta is read first (every field checked, errors naming it):\n"
           "core:datatype must be what type and vlen read (cf32_le: c32, vlen the\n"
           "channels; ci16_le: i16, vlen 2; cu8 and ci8: u8, vlen 2; _be ones are\n"
           "converted), core:sample_rate is the rate of the timestamps, and the metadata\n"
           "becomes stream tags, as gr-sigmf's source makes them: rx_rate (double) on\n"
           "item 0, rx_freq (double) and rx_time ((uint64 s, double fraction), UHD's) on\n"
           "each capture's first item, and each annotation on its item, its key\n"
           "core:label (else \"annotation\"), its value mq:value (else a dict of its\n"
           "fields), its srcid core:generator (else the block's name). With timestamps:\n"
           "absolute, buffers carry the recording's time: core:datetime + k / rate.\n"
           "doc/blocks.md (\"SigMF recordings\") says where this differs from gr-sigmf.",
    MQ_OUTPUTS(out),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
