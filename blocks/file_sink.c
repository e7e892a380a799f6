/* file_sink - writes the raw bytes of every input buffer to a file (GNU Radio's
 * file_sink). A file is written under a temporary name and renamed when the stream
 * ends, so a failed run leaves no partial file behind; a device or FIFO is written in
 * place (part_file.h).
 *
 * A restarted file_sink goes on in the same part file (part_file.h, "restarts").
 *
 * With sigmf the file is a SigMF dataset, NAME.sigmf-data, and the block writes its
 * metadata beside it, NAME.sigmf-meta (sigmf.h): the datatype of `type` and `vlen`
 * (the vlen values of an item are channels), the parameters' sample rate, centre
 * frequency, author and the rest, and what the stream says. The first buffer's
 * absolute timestamp is the time of sample 0; tags rx_time and rx_freq (UHD's, as
 * gr-sigmf's sink takes them) start capture segments with that time and frequency,
 * rx_rate gives the sample rate; every other tag is an annotation of its item.
 *
 * The metadata is written once the data has its name, through its own part file
 * renamed in turn (a failure there fails the block and leaves the data as it is).
 * Until then it is held in memory: the capture segments and annotations, and the
 * records that made them. A sink that may be restarted also appends each record,
 * a JSON value a line, to a records file beside the metadata, META.logPID.BLOCK,
 * and checkpoints its length with the data's (part_file_at.aux): a restarted life
 * cuts both back to what the last commit had and reads the records again, so the
 * metadata describes exactly the samples kept. The records file goes when the
 * metadata has its name. */
#define _GNU_SOURCE /* fopencookie, in part_file.h; asprintf */
#include "part_file.h"

#include <jansson.h>
#include <math.h>

#include "sigmf.h"

enum { P_PATH, P_TYPE, P_VLEN, P_SIGMF, P_RATE, P_FREQ, P_AUTHOR, P_DESC, P_LICENSE, P_HW };

static const mq_param_decl params[] = {
    [P_PATH] = {"path", MQ_PARAM_STRING, NULL, 0, 0, NULL, "the output file", 0},
    [P_TYPE] = {"type", MQ_PARAM_ENUM, "f32", 0, 0, "u8|i16|i32|f32|f64|c32|bytes", "item type", 0},
    [P_VLEN] = {"vlen", MQ_PARAM_INT, "1", 1, MQ_MAX_VLEN, NULL, "values per item (a vector)", 0},
    [P_SIGMF] = {"sigmf", MQ_PARAM_BOOL, "false", 0, 0, NULL,
                 "a SigMF recording: path ends in .sigmf-data, the metadata goes to "
                 "NAME.sigmf-meta beside it",
                 0},
    [P_RATE] = {"sample_rate", MQ_PARAM_FLOAT, "0", 0, 1e12, NULL,
                "SigMF: core:sample_rate, items per second (0: an rx_rate tag's, or none)", 0},
    [P_FREQ] = {"center_freq", MQ_PARAM_FLOAT, "0", -1e12, 1e12, NULL,
                "SigMF: the first capture's core:frequency in Hz (0: an rx_freq tag's, or none)",
                0},
    [P_AUTHOR] = {"author", MQ_PARAM_STRING, "", 0, 0, NULL, "SigMF: core:author", 0},
    [P_DESC] = {"description", MQ_PARAM_STRING, "", 0, 0, NULL, "SigMF: core:description", 0},
    [P_LICENSE] = {"license", MQ_PARAM_STRING, "", 0, 0, NULL, "SigMF: core:license (a URL)",
                   0},
    [P_HW] = {"hardware", MQ_PARAM_STRING, "", 0, 0, NULL,
              "SigMF: core:hw, the hardware that made the recording", 0},
};
static const mq_port_decl in[] = {{"in", MQ_ITEM_F32, "type", "vlen"}};

/* What the metadata will say, as the stream has told it so far. */
struct sigmf_out {
    char *meta;        /* NAME.sigmf-meta */
    char *log;         /* the records file (a sink that may be restarted), or NULL */
    FILE *lf;          /* log, open for appending */
    json_t *captures;  /* capture segments, by sample_start; NULL: nothing to write */
    json_t *annotations;
    double rate;       /* core:sample_rate; 0: not known */
    int64_t samples;   /* in the dataset so far */
    int broken;        /* a restarted life could not take over: leave the files be */
};

struct fsink {
    struct part_sink *k; /* the data (part_file.h) */
    struct sigmf_out *m; /* NULL without sigmf */
};

/* ---- the metadata in memory ------------------------------------------------------- */

/* A JSON number for x: an integer where x is one (48000, not 48000.0), as people
 * write rates and frequencies; either reads back as x. */
static json_t *number(double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0) /* 2^53 */
        return json_integer((json_int_t)x);
    return json_real(x);
}

/* A record changes what the metadata will say: ["c", segment] puts a capture
 * segment in place of the last one if it starts on the same sample, else after it;
 * ["a", annotation] adds an annotation; ["r", rate] sets the sample rate. 0, or -1
 * for a record of another shape. */
static int apply(struct sigmf_out *m, json_t *rec)
{
    const char *kind = json_string_value(json_array_get(rec, 0));
    json_t *v = json_array_get(rec, 1);
    size_t n = json_array_size(m->captures);
    json_t *last = json_array_get(m->captures, n - 1);

    if (!kind || json_array_size(rec) != 2)
        return -1;
    if (!strcmp(kind, "r") && json_is_number(v)) {
        m->rate = json_number_value(v);
        return 0;
    }
    if (!strcmp(kind, "a") && json_is_object(v))
        return json_array_append(m->annotations, v);
    if (strcmp(kind, "c") || !json_is_integer(json_object_get(v, "core:sample_start")))
        return -1;
    if (json_equal(json_object_get(v, "core:sample_start"),
                   json_object_get(last, "core:sample_start")))
        return json_array_set(m->captures, n - 1, v);
    return json_array_append(m->captures, v);
}

/* Applies rec (taken) and, in a sink that may be restarted, appends it to the
 * records file; the work call flushes it. 0, or -1 after mq_block_error. */
static int record(mq_block_ctx *c, struct sigmf_out *m, json_t *rec)
{
    int rc = rec ? apply(m, rec) : -1;

    if (rc < 0) {
        mq_block_error(c, "out of memory");
    } else if (m->lf &&
               (json_dumpf(rec, m->lf, JSON_COMPACT) != 0 || fputc('\n', m->lf) == EOF)) {
        mq_block_error(c, "writing '%s': %s", m->log, strerror(errno));
        rc = -1;
    }
    json_decref(rec);
    return rc;
}

/* The digits after the '.' of the time ns into a second: 9, less the zeros at the
 * end ("" for 0). */
static void ns_digits(int64_t ns, char *buf)
{
    int n = 9;

    snprintf(buf, 10, "%09lld", (long long)ns);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = 0;
}

/* A core:datetime for `ns` past second `secs`; -1 past year 9999. */
static int time_text(int64_t secs, int64_t ns, char *buf, size_t len)
{
    int64_t whole = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000); /* floor */
    char frac[16];

    ns_digits(ns - whole * 1000000000, frac);
    secs += whole;
    return sigmf_time_format(secs, frac, buf, len);
}

/* The capture segment that starts at `sample`, as a copy to change and record: the
 * last one if it starts there, else a new one with the last one's frequency and its
 * time moved on by the samples between, at the sample rate: SigMF wants every
 * field that holds for a segment written in it. NULL when out of memory. */
static json_t *capture_at(struct sigmf_out *m, int64_t sample)
{
    json_t *last = json_array_get(m->captures, json_array_size(m->captures) - 1), *cap;
    int64_t from = json_integer_value(json_object_get(last, "core:sample_start"));
    const char *when = json_string_value(json_object_get(last, "core:datetime"));
    json_t *freq = json_object_get(last, "core:frequency");
    struct sigmf_time t;
    char buf[SIGMF_TIME_MAX];

    if (from == sample)
        return json_deep_copy(last);
    int moved = when && m->rate > 0 && sigmf_time_parse(when, &t) == 0 &&
                time_text(t.secs, t.ns + llround((double)(sample - from) * 1e9 / m->rate), buf,
                          sizeof buf) == 0;
    int bad = !(cap = json_object()) ||
              json_object_set_new(cap, "core:sample_start", json_integer(sample)) < 0 ||
              (moved && json_object_set_new(cap, "core:datetime", json_string(buf)) < 0) ||
              (freq && json_object_set(cap, "core:frequency", freq) < 0);
    if (bad) {
        json_decref(cap);
        return NULL;
    }
    return cap;
}

/* Sets `field` (value taken) of the capture segment starting at `sample`. */
static int set_capture(mq_block_ctx *c, struct sigmf_out *m, int64_t sample, const char *field,
                       json_t *value)
{
    json_t *cap = capture_at(m, sample);

    if (!cap || !value || json_object_set_new(cap, field, value) < 0) {
        json_decref(cap);
        mq_block_error(c, "out of memory");
        return -1;
    }
    return record(c, m, json_pack("[so]", "c", cap));
}

/* A JSON value for a PMT, as pmt.h writes it (what JSON lacks as {"$uint64": ..}
 * and the like). NULL when out of memory. */
static json_t *pmt_json(const mq_pmt *p)
{
    char *text = mq_pmt_to_json(p);
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

    free(text);
    return j;
}

/* A key or srcid as a label: a symbol's text, anything else its JSON text. */
static json_t *pmt_text(const mq_pmt *p)
{
    json_t *j = pmt_json(p), *s;
    char *text;

    if (!j || json_is_string(j))
        return j;
    text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    s = text ? json_string(text) : NULL;
    free(text);
    json_decref(j);
    return s;
}

/* Whether a srcid names a source: #f is GNU Radio's "none". */
static int has_source(const mq_pmt *srcid)
{
    mq_pmt_type t = mq_pmt_type_of(srcid);
    return t != MQ_PMT_BOOL && t != MQ_PMT_NULL;
}

/* A count: a non-negative integer. */
static int is_count(const mq_pmt *v)
{
    mq_pmt_type t = mq_pmt_type_of(v);
    return (t == MQ_PMT_INT && mq_pmt_to_int(v) >= 0) ||
           (t == MQ_PMT_UINT64 && mq_pmt_to_uint64(v) <= INT64_MAX);
}

/* Whether a tag's value is a dict of SigMF core fields only, as file_source makes
 * of an annotation another tool wrote ({"core:comment": "..", "core:sample_count":
 * 5}): written back as those fields, such an annotation passes through mq as it
 * was. Not the fields the tag itself gives (start, label, generator). */
static int core_fields(const mq_pmt *v)
{
    size_t n = mq_pmt_length(v);

    if (mq_pmt_type_of(v) != MQ_PMT_DICT || n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = mq_pmt_symbol_str(mq_pmt_dict_key(v, i));
        if (!k || strncmp(k, "core:", 5) || !k[5] ||
            strspn(k + 5, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(k + 5) ||
            !strcmp(k, "core:sample_start") || !strcmp(k, "core:label") ||
            !strcmp(k, "core:generator") ||
            (!strcmp(k, "core:sample_count") && !is_count(mq_pmt_dict_value(v, i))))
            return 0;
    }
    return 1;
}

/* The value's fields into annotation a (core_fields). */
static int put_fields(json_t *a, const mq_pmt *v)
{
    for (size_t i = 0; i < mq_pmt_length(v); i++)
        if (json_object_set_new(a, mq_pmt_symbol_str(mq_pmt_dict_key(v, i)),
                                pmt_json(mq_pmt_dict_value(v, i))) < 0)
            return -1;
    return 0;
}

/* The tag as an annotation of its item: core:label its key, core:generator its
 * srcid (none for #f, GNU Radio's "no source"), mq:value its value (or its
 * fields: core_fields); core:sample_count is 0, a tag marking one item, but for
 * packet_len, which gives the length of the packet it starts (GNU Radio's tagged
 * streams, as gr-sigmf). */
static int annotate(mq_block_ctx *c, struct sigmf_out *m, int64_t sample, const mq_tag *t)
{
    const char *key = mq_pmt_symbol_str(t->key);
    int64_t count = 0;
    json_t *a = json_object();

    if (key && !strcmp(key, "packet_len") && is_count(t->value))
        count = (int64_t)mq_pmt_to_uint64(t->value);
    int bad = !a || json_object_set_new(a, "core:sample_start", json_integer(sample)) < 0 ||
              json_object_set_new(a, "core:sample_count", json_integer(count)) < 0 ||
              json_object_set_new(a, "core:label", pmt_text(t->key)) < 0 ||
              (has_source(t->srcid) &&
               json_object_set_new(a, "core:generator", pmt_text(t->srcid)) < 0) ||
              (core_fields(t->value) ? put_fields(a, t->value)
                                     : json_object_set_new(a, SIGMF_VALUE, pmt_json(t->value))) < 0;
    if (bad) {
        json_decref(a);
        mq_block_error(c, "out of memory");
        return -1;
    }
    return record(c, m, json_pack("[so]", "a", a));
}

/* UHD's rx_time value, (full seconds, fraction), as a core:datetime: the fraction
 * with the fewest digits that read back as the same double. -1 for another shape,
 * a fraction outside [0, 1) or a year past 9999. */
static int rx_time_text(const mq_pmt *v, char *buf, size_t len)
{
    const mq_pmt *s = mq_pmt_item(v, 0), *f = mq_pmt_item(v, 1);
    mq_pmt_type st = mq_pmt_type_of(s);
    double frac = mq_pmt_to_double(f);
    char t[80];
    int n;

    if (mq_pmt_type_of(v) != MQ_PMT_TUPLE || mq_pmt_length(v) != 2 ||
        (st != MQ_PMT_INT && st != MQ_PMT_UINT64) || mq_pmt_to_uint64(s) > INT64_MAX ||
        (st == MQ_PMT_INT && mq_pmt_to_int(s) < 0) || !mq_pmt_is_number(f) ||
        !(frac >= 0 && frac < 1))
        return -1;
    for (n = 1;; n++) { /* 60 digits: closer than any clock */
        snprintf(t, sizeof t, "%.*f", n, frac);
        if (n == 60 || strtod(t, NULL) == frac)
            break;
    }
    while (n > 0 && t[n + 1] == '0') /* t is "0.ddd" */
        t[1 + n--] = 0;
    return sigmf_time_format((int64_t)mq_pmt_to_uint64(s), t + 2, buf, len);
}

/* Whether an rx_rate value is the recording's rate: the first one known sets it; a
 * tag with another value stays an annotation, since SigMF has one rate. */
static int rate_tag(struct sigmf_out *m, const mq_pmt *v)
{
    double r = mq_pmt_to_double(v);
    return mq_pmt_is_number(v) && r > 0 && r <= 1e12 && (m->rate == 0 || m->rate == r);
}

/* One tag of the stream, on sample `sample` of the dataset. */
static int on_tag(mq_block_ctx *c, struct sigmf_out *m, int64_t sample, const mq_tag *t)
{
    const char *key = mq_pmt_symbol_str(t->key);
    double v = mq_pmt_to_double(t->value);
    char when[SIGMF_TIME_MAX];

    if (key && !strcmp(key, "rx_time") && rx_time_text(t->value, when, sizeof when) == 0)
        return set_capture(c, m, sample, "core:datetime", json_string(when));
    if (key && !strcmp(key, "rx_freq") && mq_pmt_is_number(t->value) && fabs(v) <= 1e12)
        return set_capture(c, m, sample, "core:frequency", number(v));
    if (key && !strcmp(key, "rx_rate") && rate_tag(m, t->value))
        return m->rate == v ? 0 : record(c, m, json_pack("[sf]", "r", v));
    return annotate(c, m, sample, t);
}

/* What a buffer of n items, the next of the dataset, says about the recording: the
 * time of sample 0 if it is the first and its timestamp is absolute, and its tags. */
static int note_buffer(mq_block_ctx *c, struct sigmf_out *m, size_t n)
{
    uint64_t first = mq_in_nitems_read(c, 0);
    const mq_tag *tags;
    mq_timestamp ts;
    char when[SIGMF_TIME_MAX];

    /* int64 ns since 1970 stay within the years 1677-2262: always written */
    if (m->samples == 0 && n > 0 && mq_in_timestamp(c, 0, &ts) == 0 &&
        ts.type == MQ_TS_ABSOLUTE && time_text(0, ts.value, when, sizeof when) == 0 &&
        set_capture(c, m, 0, "core:datetime", json_string(when)) < 0)
        return -1;
    int k = mq_in_tags(c, 0, first, first + n, &tags);
    for (int i = 0; i < k; i++) /* offsets from the item the file holds, whatever was lost */
        if (on_tag(c, m, m->samples + (int64_t)(tags[i].offset - first), &tags[i]) < 0)
            return -1;
    return k < 0 ? -1 : 0;
}

/* ---- opening: the records, new or the last life's --------------------------------- */

/* The metadata as the parameters give it, before the stream says anything: one
 * capture segment from sample 0, with center_freq if there is one. */
static int start_records(mq_block_ctx *c, struct sigmf_out *m)
{
    json_t *cap = json_pack("{sI}", "core:sample_start", (json_int_t)0);
    double f = mq_param_f(c, P_FREQ);

    m->captures = json_array();
    m->annotations = json_array();
    if (!cap || !m->captures || !m->annotations ||
        (f != 0 && json_object_set_new(cap, "core:frequency", number(f)) < 0) ||
        json_array_append_new(m->captures, cap) < 0) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads the last life's records, the first `len` bytes of fd (the rest its death
 * cut short), and cuts the file back to them. */
static int load_records(mq_block_ctx *c, struct sigmf_out *m, int fd, int64_t len)
{
    char *buf = malloc((size_t)len + 1);
    ssize_t got = 0;
    int line = 1;

    while (buf && got < len) {
        ssize_t n = pread(fd, buf + got, (size_t)(len - got), got);
        if (n <= 0)
            break;
        got += n;
    }
    if (!buf || got != len || ftruncate(fd, (off_t)len) != 0) {
        mq_block_error(c, "cannot read back the %lld bytes of '%s' the block's last life "
                          "recorded: %s",
                       (long long)len, m->log, got == len ? strerror(errno) : "it is shorter");
        free(buf);
        return -1;
    }
    for (char *at = buf, *nl; at < buf + len; at = nl + 1, line++) {
        nl = memchr(at, '\n', (size_t)(buf + len - at));
        json_t *rec = nl ? json_loadb(at, (size_t)(nl - at), 0, NULL) : NULL;
        int rc = rec ? apply(m, rec) : -1;
        json_decref(rec);
        if (rc < 0 || !nl) {
            mq_block_error(c, "'%s', line %d: not a record this block writes", m->log, line);
            free(buf);
            return -1;
        }
    }
    free(buf);
    return 0;
}

/* Opens the records file: new, or (the block resumed) the last life's, cut back to
 * the checkpoint's length. One the last life never made (it died first) is new; in
 * a life that finds the data renamed, none means the metadata was written too. */
static int open_records(mq_block_ctx *c, struct sigmf_out *m, const struct part_sink *k)
{
    int64_t keep = k->resumed ? k->at.aux : 0;
    int fd = k->resumed ? open(m->log, O_RDWR | O_NOFOLLOW | O_CLOEXEC) : -1;

    if (fd < 0 && k->resumed && errno == ENOENT && k->done) {
        json_decref(m->captures); /* nothing is left to write */
        m->captures = NULL;
        return 0;
    }
    if (fd < 0 && k->resumed && (errno != ENOENT || keep > 0)) {
        mq_block_error(c, "cannot open '%s', which the block's last life wrote: %s", m->log,
                       strerror(errno));
        return -1;
    }
    if (fd < 0 && (fd = open(m->log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                             0666)) < 0) {
        mq_block_error(c, "cannot create '%s': %s", m->log, strerror(errno));
        return -1;
    }
    if (keep > 0 && load_records(c, m, fd, keep) < 0) {
        close(fd);
        return -1;
    }
    if (lseek(fd, (off_t)keep, SEEK_SET) != keep || !(m->lf = fdopen(fd, "w"))) {
        mq_block_error(c, "cannot open '%s': %s", m->log, strerror(errno));
        close(fd);
        return -1;
    }
    return 0;
}

static int sigmf_open(mq_block_ctx *c, struct fsink *s)
{
    struct sigmf_out *m = calloc(1, sizeof *m);

    if (!(s->m = m) || !(m->meta = sigmf_meta_path(mq_param_s(c, P_PATH)))) {
        mq_block_error(c, "out of memory");
        return -1;
    }
    m->rate = mq_param_f(c, P_RATE);
    m->samples = s->k->at.len / (int64_t)mq_block_in_item_size(c, 0);
    if (start_records(c, m) < 0)
        return -1;
    if (!mq_block_restartable(c))
        return 0;
    if (asprintf(&m->log, "%s.log%d.%s", m->meta, (int)getppid(), mq_block_name(c)) < 0) {
        m->log = NULL;
        mq_block_error(c, "out of memory");
        return -1;
    }
    return open_records(c, m, s->k);
}

/* ---- finishing ------------------------------------------------------------------------ */

/* Whether an annotation has mq:value: then mq's extension is declared. */
static int uses_value(const json_t *annotations)
{
    const json_t *a;
    size_t i;

    json_array_foreach(annotations, i, a) {
        if (json_object_get(a, SIGMF_VALUE))
            return 1;
    }
    return 0;
}

static json_t *global_object(mq_block_ctx *c, const struct sigmf_out *m)
{
    static const struct {
        int p;
        const char *field;
    } texts[] = {{P_DESC, "core:description"}, {P_AUTHOR, "core:author"},
                 {P_LICENSE, "core:license"}, {P_HW, "core:hw"}};
    char dt[16];
    json_t *g = json_object();

    sigmf_datatype_of(mq_block_in_type(c, 0), dt, sizeof dt);
    int bad = !g || json_object_set_new(g, "core:datatype", json_string(dt)) < 0 ||
              json_object_set_new(g, "core:version", json_string(SIGMF_VERSION)) < 0 ||
              (m->rate > 0 && json_object_set_new(g, "core:sample_rate", number(m->rate)) < 0) ||
              (mq_block_in_vlen(c, 0) > 1 &&
               json_object_set_new(g, "core:num_channels",
                                   json_integer((json_int_t)mq_block_in_vlen(c, 0))) < 0);
    for (size_t i = 0; !bad && i < sizeof texts / sizeof texts[0]; i++) {
        const char *v = mq_param_s(c, texts[i].p);
        bad = *v && json_object_set_new(g, texts[i].field, json_string(v)) < 0;
    }
    if (!bad && uses_value(m->annotations))
        bad = json_object_set_new(g, "core:extensions",
                                  json_pack("[{sssssb}]", "name", SIGMF_EXT, "version",
                                            SIGMF_EXT_VERSION, "optional", 1)) < 0;
    bad = bad || json_object_set_new(g, "core:recorder", json_string("mq")) < 0;
    if (bad)
        json_decref(g);
    return bad ? NULL : g;
}

/* The metadata, written as file_sink writes a file: NAME.sigmf-meta.partPID.BLOCK,
 * synced, renamed. Also when the graph failed after the data took its name: the
 * data stays, so its description must too. 0, or -1 after mq_block_error (the
 * part file is kept if it was all written). */
static int write_meta(mq_block_ctx *c, struct sigmf_out *m)
{
    json_t *g = global_object(c, m);
    json_t *root = g ? json_pack("{sosOsO}", "global", g, "captures", m->captures,
                                 "annotations", m->annotations)
                     : NULL;
    struct part_file p = {0};
    int rc = -1;

    if (!root) {
        mq_block_error(c, "out of memory (the SigMF metadata, a text parameter not UTF-8?)");
        return -1;
    }
    if (part_file_open(c, &p, m->meta, -1) == 0 &&
        (json_dumpf(root, p.f, JSON_INDENT(4)) != 0 || fputc('\n', p.f) == EOF))
        part_file_error(c, &p);
    int placed = p.tmp != NULL; /* a part file, not a device or FIFO */
    if (p.f && placed && !p.failed) { /* part_file_close would drop it if the graph failed */
        rc = part_file_replace(c, &p) == PART_FILE_DONE ? 0 : -1;
        p.f = NULL;
    }
    int closed = part_file_close(c, &p); /* a failed or in-place one; and frees */
    if (!placed)
        rc = closed == PART_FILE_DONE ? 0 : -1;
    json_decref(root);
    return rc;
}

/* The data first (part_file.h): only when it has its name does the metadata get
 * its own. Data kept in its part file (a last step failed) keeps the records too,
 * for a restart to finish both. */
static void sigmf_finish(mq_block_ctx *c, struct fsink *s)
{
    struct sigmf_out *m = s->m;
    int data = PART_FILE_DONE, keep = 1;

    if (m->broken) { /* leave the data, whatever it is, to the next life */
        if (s->k->p.f)
            fclose(s->k->p.f);
        s->k->p.f = NULL;
    } else if (!s->k->done) {
        data = part_file_close(c, &s->k->p);
    }
    if (m->lf)
        fclose(m->lf);
    if (!m->broken) {
        keep = data == PART_FILE_KEPT;
        if (data == PART_FILE_DONE && m->captures && write_meta(c, m) < 0)
            keep = 1;
    }
    if (m->log && !keep)
        unlink(m->log);
    if (m->broken || s->k->done)
        part_file_close(c, &s->k->p); /* frees, as there is nothing open */
}

/* ---- the block ----------------------------------------------------------------------- */

static int check(mq_block_ctx *c)
{
    if (!mq_param_i(c, P_SIGMF)) {
        for (int p = P_RATE; p <= P_HW; p++) {
            int given = params[p].type == MQ_PARAM_FLOAT ? mq_param_f(c, p) != 0
                                                         : *mq_param_s(c, p) != 0;
            if (given) {
                mq_block_error(c, "%s is SigMF metadata: it needs sigmf: true", params[p].name);
                return -1;
            }
        }
        return 0;
    }
    char dt[16];
    if (sigmf_datatype_of((mq_item_type)mq_item_parse(mq_param_s(c, P_TYPE)), dt, sizeof dt)) {
        mq_block_error(c, "type %s has no SigMF datatype (sigmf takes u8, i16, i32, f32, f64 "
                          "or c32)",
                       mq_param_s(c, P_TYPE));
        return -1;
    }
    return sigmf_check_path(c, mq_param_s(c, P_PATH));
}

static int init(mq_block_ctx *c, void **state)
{
    struct fsink *s = calloc(1, sizeof *s);
    const char *path = mq_param_s(c, P_PATH);
    void *k = NULL;
    struct stat st;

    if (!(*state = s))
        return -1;
    if (mq_param_i(c, P_SIGMF) && stat(path, &st) == 0 &&
        (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        mq_block_error(c, "sigmf: '%s' is a device or FIFO, but a SigMF dataset is a file "
                          "with its metadata beside it",
                       path);
        return -1;
    }
    int rc = part_sink_init(c, &k);
    s->k = k;
    if (rc < 0 || !mq_param_i(c, P_SIGMF))
        return rc;
    if (sigmf_open(c, s) == 0)
        return 0;
    /* A new output goes as a failed one does; a resumed one stays for a later life */
    if (s->m && s->k->resumed)
        s->m->broken = 1;
    else
        s->k->p.failed = 1;
    return -1;
}

static int work(mq_block_ctx *c, void *state)
{
    struct fsink *s = state;
    struct part_sink *k = s->k;
    size_t bytes;
    const void *d = mq_in_data(c, 0, &bytes);

    if (k->done)
        return part_sink_after_end(c);
    if (s->m && note_buffer(c, s->m, bytes / mq_block_in_item_size(c, 0)) < 0) {
        k->p.failed = 1; /* the metadata would miss what this buffer said */
        return MQ_WORK_ERROR;
    }
    if (fwrite(d, 1, bytes, k->p.f) != bytes)
        return part_file_error(c, &k->p);
    if (s->m) {
        s->m->samples += (int64_t)(bytes / mq_block_in_item_size(c, 0));
        if (s->m->lf && fflush(s->m->lf) != 0) {
            mq_block_error(c, "writing '%s': %s", s->m->log, strerror(errno));
            k->p.failed = 1;
            return MQ_WORK_ERROR;
        }
        if (s->m->lf) /* the checkpoint part_sink_wrote saves keeps both lengths */
            k->at.aux = (int64_t)ftello(s->m->lf);
    }
    return part_sink_wrote(c, k);
}

static void fini(mq_block_ctx *c, void *state)
{
    struct fsink *s = state;

    if (!s)
        return;
    if (s->m) {
        sigmf_finish(c, s);
        json_decref(s->m->captures);
        json_decref(s->m->annotations);
        free(s->m->meta);
        free(s->m->log);
        free(s->m);
        free(s->k);
    } else if (s->k) {
        part_sink_fini(c, s->k);
    }
    free(s);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "file_sink",
    .doc = "Writes the raw items it receives to `path` (written as path.partPID.BLOCK and\n"
           "renamed at the end of the stream, or into a device or FIFO directly; a\n"
           "symlink is followed; doc/blocks.md has the rules).\n"
           "With sigmf: true, a SigMF recording: `path` (NAME.sigmf-data) holds the samples\n"
           "and NAME.sigmf-meta beside it, written when the data has its name, the\n"
           "metadata: core:datatype from type (c32: cf32_le, f32: rf32_le, i16: ri16_le,\n"
           "u8: ru8 ..; bytes is refused) with vlen as core:num_channels, sample_rate,\n"
           "center_freq, author, description, license and hardware (core:hw) as given;\n"
           "the first buffer's absolute timestamp as the first capture's core:datetime;\n"
           "rx_time and rx_freq tags (UHD's, as gr-sigmf) start capture segments with\n"
           "their time and frequency, an rx_rate tag gives a rate not given; every other\n"
           "tag becomes an annotation of its sample: its key core:label, its srcid\n"
           "core:generator, its value mq:value (JSON, as message_debug prints it).\n"
           "doc/blocks.md (\"SigMF recordings\") says where this differs from gr-sigmf.",
    MQ_INPUTS(in),
    MQ_PARAMS(params),
    .init = init, .work = work, .fini = fini, .check = check,
};
MQ_BLOCK_EXPORT(decl)
