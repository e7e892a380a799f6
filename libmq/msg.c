/* msg.c - messages as buffers, and cmd messages as parameter text (see msg.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h" /* mq_param_format_double */
#include "error.h"
#include "msg.h"

int mq_msg_make(mq_arena *a, const mq_pmt *m, int64_t timeout_ns, mq_id *id)
{
    int64_t n = mq_pmt_serialize(m, NULL, 0);
    int rc;

    if (n < 0)
        return (int)n;
    if ((rc = mq_buf_alloc(a, (size_t)n, timeout_ns, id)) < 0)
        return rc;
    mq_pmt_serialize(m, mq_buf_data(a, *id), (size_t)n);
    mq_buf_set_length(a, *id, (size_t)n);
    return 0;
}

int mq_msg_read(mq_arena *a, mq_id id, mq_pmt **out)
{
    int64_t len = mq_buf_length(a, id);
    const void *data = mq_buf_data(a, id);
    size_t used;
    int rc;

    *out = NULL;
    if (len < 0 || !data)
        return len < 0 ? (int)len : MQ_ESTALE;
    if ((rc = mq_pmt_deserialize(data, (size_t)len, out, &used)) < 0)
        return rc;
    if (used != (size_t)len) { /* one message a buffer: trailing bytes are damage */
        mq_pmt_free(*out);
        *out = NULL;
        return MQ_EINVAL;
    }
    return 0;
}

int mq_msg_text_is_json(const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    if (strchr("{[\"-0123456789", *text) && *text)
        return 1;
    for (const char *w = "true\0false\0null\0"; *w; w += strlen(w) + 1) {
        size_t n = strlen(w);
        if (!strncmp(text, w, n) && (!text[n] || strchr(" \t", text[n])))
            return 1;
    }
    return 0;
}

int mq_msg_parse(const char *text, mq_pmt **out, char *err, size_t errlen)
{
    if (mq_msg_text_is_json(text))
        return mq_pmt_from_json(text, strlen(text), out, err, errlen);
    if (!(*out = mq_pmt_symbol(text))) {
        snprintf(err, errlen, "a string of %zu bytes is longer than a symbol holds (%d)",
                 strlen(text), MQ_PMT_SYMBOL_MAX);
        return MQ_EINVAL;
    }
    return 0;
}

/* One value as parameter text, appended to buf at *at. */
static int value_text(const mq_pmt *v, char *buf, size_t cap, size_t *at)
{
    size_t left = cap - *at, n;
    int w;

    switch (mq_pmt_type_of(v)) {
    case MQ_PMT_INT:
        w = snprintf(buf + *at, left, "%" PRId64, mq_pmt_to_int(v));
        break;
    case MQ_PMT_UINT64:
        w = snprintf(buf + *at, left, "%" PRIu64, mq_pmt_to_uint64(v));
        break;
    case MQ_PMT_DOUBLE:
        w = mq_param_format_double(mq_pmt_to_double(v), buf + *at, left);
        break;
    case MQ_PMT_BOOL:
        w = snprintf(buf + *at, left, "%s", mq_pmt_to_bool(v) ? "true" : "false");
        break;
    case MQ_PMT_COMPLEX: { /* Python's form, as MQ_PARAM_COMPLEX reads it: 1+2j */
        double re, im;
        char a[32], b[32];
        mq_pmt_to_complex(v, &re, &im);
        mq_param_format_double(re, a, sizeof a);
        mq_param_format_double(im, b, sizeof b);
        w = snprintf(buf + *at, left, "%s%s%sj", a, im < 0 || (im == 0 && signbit(im)) ? "" : "+",
                     b);
        break;
    }
    case MQ_PMT_SYMBOL:
        if (strchr(mq_pmt_symbol_str(v), '\n'))
            return MQ_EINVAL;
        w = snprintf(buf + *at, left, "%s", mq_pmt_symbol_str(v));
        break;
    case MQ_PMT_VECTOR:
        n = mq_pmt_length(v);
        for (size_t i = 0; i < n; i++) {
            const mq_pmt *e = mq_pmt_item(v, i);
            if (!mq_pmt_is_number(e))
                return MQ_EINVAL;
            if (i && *at + 1 >= cap)
                return MQ_ERANGE;
            if (i)
                buf[(*at)++] = ',';
            int rc = value_text(e, buf, cap, at);
            if (rc < 0)
                return rc;
        }
        return 0;
    case MQ_PMT_UVEC: {
        const void *d = mq_pmt_uvec_data(v, &n);
        mq_uvec_type t = mq_pmt_uvec_type(v);
        for (size_t i = 0; i < n; i++) {
            double x;
            switch (t) {
            case MQ_UVEC_F32: x = ((const float *)d)[i]; break;
            case MQ_UVEC_F64: x = ((const double *)d)[i]; break;
            case MQ_UVEC_S32: x = ((const int32_t *)d)[i]; break;
            case MQ_UVEC_S16: x = ((const int16_t *)d)[i]; break;
            case MQ_UVEC_U8: x = ((const uint8_t *)d)[i]; break;
            default: return MQ_EINVAL; /* complex and 64-bit lists are no parameter */
            }
            if (i && *at + 1 >= cap)
                return MQ_ERANGE;
            if (i)
                buf[(*at)++] = ',';
            w = mq_param_format_double(x, buf + *at, left = cap - *at);
            if (w < 0 || (size_t)w >= left)
                return MQ_ERANGE;
            *at += (size_t)w;
        }
        return 0;
    }
    default:
        return MQ_EINVAL;
    }
    if (w < 0 || (size_t)w >= left)
        return MQ_ERANGE;
    *at += (size_t)w;
    return 0;
}

/* "name=value\n" for one change. */
static int change_text(const mq_pmt *key, const mq_pmt *v, char *buf, size_t cap, size_t *at,
                       char *err, size_t errlen)
{
    const char *name = mq_pmt_symbol_str(key);
    int w, rc;

    if (mq_pmt_type_of(key) != MQ_PMT_SYMBOL || !*name || strchr(name, '=') ||
        strchr(name, '\n')) {
        snprintf(err, errlen, "a cmd message names each parameter with a symbol (a string)");
        return MQ_EINVAL;
    }
    w = snprintf(buf + *at, cap - *at, "%s=", name);
    if (w < 0 || (size_t)w >= cap - *at)
        return MQ_ERANGE;
    *at += (size_t)w;
    if ((rc = value_text(v, buf, cap, at)) == MQ_EINVAL)
        snprintf(err, errlen, "the value for '%s' is no number, bool, string or list of numbers",
                 name);
    if (rc < 0)
        return rc;
    if (*at + 1 >= cap)
        return MQ_ERANGE;
    buf[(*at)++] = '\n';
    buf[*at] = 0;
    return 0;
}

int mq_msg_cmd_text(const mq_pmt *m, char *buf, size_t cap, char *err, size_t errlen)
{
    size_t at = 0;
    int rc = 0;

    if (cap == 0)
        return MQ_ERANGE;
    buf[0] = 0;
    if (mq_pmt_type_of(m) == MQ_PMT_PAIR)
        rc = change_text(mq_pmt_car(m), mq_pmt_cdr(m), buf, cap, &at, err, errlen);
    else if (mq_pmt_type_of(m) == MQ_PMT_DICT && mq_pmt_length(m) > 0)
        for (size_t i = 0; rc == 0 && i < mq_pmt_length(m); i++)
            rc = change_text(mq_pmt_dict_key(m, i), mq_pmt_dict_value(m, i), buf, cap, &at, err,
                             errlen);
    else {
        snprintf(err, errlen, "a cmd message is a dict {\"param\": value, ...} or a pair");
        rc = MQ_EINVAL;
    }
    if (rc == MQ_ERANGE)
        snprintf(err, errlen, "a cmd message's changes take more than %zu bytes", cap - 1);
    return rc;
}
