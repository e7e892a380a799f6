/* sigmf.h - what file_sink and file_source share to write and read a SigMF
 * recording (the Signal Metadata Format 1.x, sigmf-spec.md and sigmf-schema.json of
 * the SigMF project): the samples, raw and without any header, in NAME.sigmf-data,
 * and beside it NAME.sigmf-meta, one JSON object of three parts:
 *
 *   global       core:datatype (how a sample is stored), core:version, and the
 *                recording's sample rate, channels, author, description ...;
 *   captures     segments, each from a sample index (core:sample_start) on: the
 *                time of that sample (core:datetime, RFC 3339 in UTC) and the
 *                centre frequency (core:frequency);
 *   annotations  notes on the samples from an index on: core:label, core:comment,
 *                core:generator, and mq's extension field mq:value.
 *
 * This header holds the names, the datatypes (which SigMF datatype an mq item is
 * written as, and which mq item reads which datatype) and the time of day as SigMF
 * writes it. The functions are static inline: each block uses some of them. */
#ifndef MQ_BLOCKS_SIGMF_H
#define MQ_BLOCKS_SIGMF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"

#define SIGMF_DATA ".sigmf-data"
#define SIGMF_META ".sigmf-meta"
/* The version the metadata says it follows: every field mq writes is in 1.2.0, the
 * version the tools of the SigMF project write. The source reads any 1.x. */
#define SIGMF_VERSION "1.2.0"
/* mq's extension namespace: mq:value, a stream tag's value in the JSON form of
 * pmt.h. Declared optional in core:extensions, so other tools may ignore it. */
#define SIGMF_EXT "mq"
#define SIGMF_EXT_VERSION "1.0.0"
#define SIGMF_VALUE "mq:value"

/* Samples are written in this host's byte order, as file_sink writes them. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SIGMF_HOST_ORDER "_be"
#else
#define SIGMF_HOST_ORDER "_le"
#endif

/* The value formats of the SigMF core, as its ABNF lists them: the bytes of one
 * value, and the mq item type that holds one. MQ_ITEM_COUNT_: none (mq has no u16
 * or u32). i8 travels in u8 ports, as it does into char_to_float, mq having no
 * signed byte type. */
struct sigmf_format {
    const char *name;
    size_t width;
    mq_item_type item;
};

static const struct sigmf_format sigmf_formats[] = {
    {"f32", 4, MQ_ITEM_F32}, {"f64", 8, MQ_ITEM_F64},    {"i32", 4, MQ_ITEM_I32},
    {"i16", 2, MQ_ITEM_I16}, {"u32", 4, MQ_ITEM_COUNT_}, {"u16", 2, MQ_ITEM_COUNT_},
    {"i8", 1, MQ_ITEM_U8},   {"u8", 1, MQ_ITEM_U8},
};

/* A core:datatype: complex or real, the format of its values (of I and of Q for a
 * complex one), and whether their bytes are in the other order than this host's. */
struct sigmf_datatype {
    int complex;
    const struct sigmf_format *f;
    int swap;
};

/* Reads a datatype as the ABNF has it: (r / c) then a format, and "_le" or "_be"
 * after one of more than a byte (none after i8, u8). 0, or -1 for anything else. */
static inline int sigmf_datatype_parse(const char *s, struct sigmf_datatype *d)
{
    if (s[0] != 'r' && s[0] != 'c')
        return -1;
    d->complex = s[0] == 'c';
    for (size_t i = 0; i < sizeof sigmf_formats / sizeof sigmf_formats[0]; i++) {
        const struct sigmf_format *f = &sigmf_formats[i];
        size_t n = strlen(f->name);
        if (strncmp(s + 1, f->name, n))
            continue;
        const char *order = s + 1 + n;
        d->f = f;
        if (f->width == 1)
            return *order ? -1 : (d->swap = 0);
        if (strcmp(order, "_le") && strcmp(order, "_be"))
            return -1;
        d->swap = strcmp(order, SIGMF_HOST_ORDER) != 0;
        return 0;
    }
    return -1;
}

/* The item type and vlen that read a datatype of `channels` channels as it is: a
 * real one as its format, a vlen per channel; cf32 as c32; the other complex ones
 * as their format with I and Q two values of a vector (cu8: u8, vlen 2). 0, or -1
 * if mq has no item type for the format. */
static inline int sigmf_reads_as(const struct sigmf_datatype *d, int64_t channels,
                                 mq_item_type *type, int64_t *vlen)
{
    if (d->f->item == MQ_ITEM_COUNT_)
        return -1;
    *type = d->complex && d->f->item == MQ_ITEM_F32 ? MQ_ITEM_C32 : d->f->item;
    *vlen = d->complex && *type != MQ_ITEM_C32 ? 2 * channels : channels;
    return 0;
}

/* Whether items of `type` and `vlen` read the datatype: as sigmf_reads_as says,
 * or cf32 as f32 with I and Q two values of a vector. */
static inline int sigmf_datatype_fits(const struct sigmf_datatype *d, int64_t channels,
                                      mq_item_type type, int64_t vlen)
{
    mq_item_type t;
    int64_t v;

    if (sigmf_reads_as(d, channels, &t, &v) < 0)
        return 0;
    if (t == MQ_ITEM_C32 && type == MQ_ITEM_F32)
        return vlen == 2 * channels;
    return t == type && v == vlen;
}

/* The datatype file_sink writes items of `type` as, in buf (8 bytes), or -1 for a
 * type SigMF cannot express (bytes). vlen values of an item are channels
 * (core:num_channels), so a type gives a real datatype but c32 (cf32). */
static inline int sigmf_datatype_of(mq_item_type type, char *buf, size_t len)
{
    static const char *const names[] = {
        [MQ_ITEM_U8] = "ru8", [MQ_ITEM_I16] = "ri16", [MQ_ITEM_I32] = "ri32",
        [MQ_ITEM_F32] = "rf32", [MQ_ITEM_F64] = "rf64", [MQ_ITEM_C32] = "cf32",
    };

    if ((unsigned)type > MQ_ITEM_C32)
        return -1;
    snprintf(buf, len, "%s%s", names[type], type == MQ_ITEM_U8 ? "" : SIGMF_HOST_ORDER);
    return 0;
}

/* NAME.sigmf-meta for the dataset NAME.sigmf-data (malloc'd), or NULL if `data`
 * does not end in .sigmf-data (or no memory). */
static inline char *sigmf_meta_path(const char *data)
{
    size_t n = strlen(data), k = strlen(SIGMF_DATA);
    char *m;

    if (n <= k || strcmp(data + n - k, SIGMF_DATA) || !(m = strdup(data)))
        return NULL;
    memcpy(m + n - k, SIGMF_META, k);
    return m;
}

/* For the blocks' check: with sigmf, the path must name a SigMF dataset. The spec
 * wants the .sigmf-data suffix on a dataset (and none on other files), and the
 * metadata's name comes from it. 0, or -1 after mq_block_error. */
static inline int sigmf_check_path(mq_block_ctx *c, const char *path)
{
    char *m = sigmf_meta_path(path);

    free(m);
    if (m)
        return 0;
    mq_block_error(c, "sigmf: path '%s' does not end in " SIGMF_DATA
                      " (a SigMF dataset's name; its metadata is NAME" SIGMF_META ")",
                   path);
    return -1;
}

/* ---- the time of day -------------------------------------------------------------- *
 * core:datetime is RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS, any number of digits of a
 * second after a '.', then Z. The dates are the proleptic Gregorian calendar's,
 * counted here without the C library (no time zone, no 32-bit time_t). */

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
static inline int64_t sigmf_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The date of day `z` since 1970-01-01 (civil_from_days). */
static inline void sigmf_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* A time: whole seconds since 1970 (UTC, POSIX's count without leap seconds), the
 * fraction rounded to ns, and the fraction as a double, as UHD's rx_time tag
 * carries it (read from the digits as written, so it goes back to the same ones). */
struct sigmf_time {
    int64_t secs;
    int64_t ns; /* 0 .. 999999999 */
    double frac;
};

/* `n` digits at s as a number; -1 if one is no digit. */
static inline int64_t sigmf_digits(const char *s, int n)
{
    int64_t v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The fraction of a second after the '.' at s: ns (the 10th digit rounds) and the
 * double, *end after the digits. -1 if there are none. */
static inline int sigmf_fraction(const char *s, struct sigmf_time *t, const char **end)
{
    size_t n = 0;
    char buf[64] = "0.";

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == 0)
        return -1;
    t->ns = 0;
    for (size_t i = 0; i < 9; i++)
        t->ns = t->ns * 10 + (i < n ? s[i] - '0' : 0);
    if (n > 9 && s[9] >= '5' && ++t->ns == 1000000000) {
        t->ns = 0;
        t->secs++;
    }
    /* 60 digits are far past a double's 17: the rest cannot change it */
    memcpy(buf + 2, s, n < sizeof buf - 3 ? n : sizeof buf - 3);
    t->frac = strtod(buf, NULL);
    *end = s + n;
    return 0;
}

/* Reads a core:datetime. 0, or -1 if it is not YYYY-MM-DDTHH:MM:SS[.digits]Z with a
 * real date (30 February is not) and time (a leap second, :60, counts as the next
 * minute's first, as POSIX time has it). 'T' and 'Z' may be lower case (RFC 3339). */
static inline int sigmf_time_parse(const char *s, struct sigmf_time *t)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y = sigmf_digits(s, 4), mo, d, h, mi, sec;
    const char *end = s + 19;

    if (strlen(s) < 20 || y < 0 || s[4] != '-' || (mo = sigmf_digits(s + 5, 2)) < 1 || mo > 12 ||
        s[7] != '-' || (d = sigmf_digits(s + 8, 2)) < 1 || d > mdays[mo - 1] ||
        (s[10] != 'T' && s[10] != 't') || (h = sigmf_digits(s + 11, 2)) < 0 || h > 23 ||
        s[13] != ':' || (mi = sigmf_digits(s + 14, 2)) < 0 || mi > 59 || s[16] != ':' ||
        (sec = sigmf_digits(s + 17, 2)) < 0 || sec > 60)
        return -1;
    if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
        return -1;
    t->secs = sigmf_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    t->ns = 0;
    t->frac = 0;
    if (*end == '.' && sigmf_fraction(end + 1, t, &end) < 0)
        return -1;
    return (end[0] == 'Z' || end[0] == 'z') && !end[1] ? 0 : -1;
}

/* Room for a core:datetime mq writes: 20 characters, a '.' and up to 60 digits (the
 * fraction of an rx_time tag's double), and the NUL. */
#define SIGMF_TIME_MAX 128

/* Writes secs (since 1970, UTC) as a core:datetime, with `frac` (digits, maybe
 * none) after the seconds' '.'; -1 for a year outside 0000-9999, which the format
 * cannot write. */
static inline int sigmf_time_format(int64_t secs, const char *frac, char *buf, size_t len)
{
    int64_t day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400), y;
    int64_t rest = secs - day * 86400;
    unsigned m, d;

    sigmf_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999)
        return -1;
    snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d%s%sZ", (int)y, m, d, (int)(rest / 3600),
             (int)(rest / 60 % 60), (int)(rest % 60), *frac ? "." : "", frac);
    return 0;
}

#endif
