/* fuzz_pmt.c - message values (libmq/pmt.h) on arbitrary bytes, as the GNU Radio
 * wire form and as JSON text: the libFuzzer target, also replayable over
 * tests/fuzz/corpus_pmt/ by replay.c. It aborts when an invariant breaks:
 *   - deserialize fails only with MQ_EINVAL (or MQ_ENOMEM), leaving *out NULL;
 *   - what it accepts serialises back to exactly the bytes it consumed when those
 *     were canonical (as GNU Radio writes them), and otherwise to a form that reads
 *     back equal and serialises to itself;
 *   - to_json of any value reads back with from_json and prints the same again;
 *   - from_json never loses its place in the text (its "internal error").
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilibmq
 *        tests/fuzz/fuzz_pmt.c libmq/pmt.c libmq/error.c -ljansson -lm */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

/* Whether the well-formed value at *p is in the form GNU Radio 3.10 writes: INT64
 * only beyond int32, one zero pad byte in uniform vectors, dict cells chained with
 * PST_DICT. Advances *p past it; 0 also for anything it cannot follow. */
static int canonical(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *q = *p;
    uint32_t n;
    int ok = 1;
    if (q >= end)
        return 0;
    switch (*q++) {
    case 0x00: case 0x01: case 0x06:
        break;
    case 0x02:
        if (end - q < 2)
            return 0;
        q += 2 + ((size_t)q[0] << 8 | q[1]);
        break;
    case 0x03:
        q += 4;
        break;
    case 0x0d: {
        if (end - q < 8)
            return 0;
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | q[i];
        ok = (int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX;
        q += 8;
        break;
    }
    case 0x04: case 0x0b:
        q += 8;
        break;
    case 0x05:
        q += 16;
        break;
    case 0x07: /* car, then more cells of the list, then the last cdr */
        do
            ok &= canonical(&q, end);
        while (ok && q < end && *q == 0x07 && q++);
        ok &= canonical(&q, end);
        break;
    case 0x09:
        for (;;) {
            if (q >= end || *q++ != 0x07 || !canonical(&q, end))
                return 0;
            while (ok && q < end && *q == 0x07 && q++)
                ok &= canonical(&q, end); /* a value that is a list */
            ok &= canonical(&q, end);
            if (!ok || q >= end || *q == 0x07)
                return 0;
            if (*q++ == 0x06)
                break;
        }
        break;
    case 0x08: case 0x0c:
        if (end - q < 4)
            return 0;
        n = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        q += 4;
        for (uint32_t i = 0; ok && i < n; i++)
            ok &= canonical(&q, end);
        break;
    case 0x0a: {
        static const unsigned size[] = { 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 8, 16 };
        if (end - q < 7 || q[0] > 11 || q[5] != 1 || q[6] != 0)
            return 0;
        n = (uint32_t)q[1] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 8 | q[4];
        q += 7 + (size_t)n * size[*(q)];
        break;
    }
    default:
        return 0;
    }
    *p = q;
    return ok && q <= end;
}

static void json_round_trip(const mq_pmt *p)
{
    char err[256];
    char *text = mq_pmt_to_json(p), *again;
    mq_pmt *q;
    if (!text)
        return; /* out of memory */
    int rc = mq_pmt_from_json(text, strlen(text), &q, err, sizeof err);
    /* A very long list nests deeper than jansson parses (2048). */
    check(rc == 0 || strstr(err, "maximum parsing depth") != NULL);
    if (rc == 0) {
        again = mq_pmt_to_json(q);
        check(again && strcmp(text, again) == 0);
        free(again);
        mq_pmt_free(q);
    }
    free(text);
}

static void wire(const uint8_t *data, size_t size)
{
    mq_pmt *p = (mq_pmt *)data, *q;
    size_t used = 0, used2 = 0;
    int rc = mq_pmt_deserialize(data, size, &p, &used);
    if (rc != 0) {
        check((rc == MQ_EINVAL || rc == MQ_ENOMEM) && p == NULL);
        return;
    }
    check(used >= 1 && used <= size);
    int64_t n = mq_pmt_serialize(p, NULL, 0);
    check(n > 0);
    uint8_t *out = malloc((size_t)n), *out2 = malloc((size_t)n);
    check(out && out2 && mq_pmt_serialize(p, out, (size_t)n) == n);
    const uint8_t *at = data;
    if (canonical(&at, data + used) && at == data + used)
        check((size_t)n == used && memcmp(out, data, used) == 0);
    check(mq_pmt_deserialize(out, (size_t)n, &q, &used2) == 0 && used2 == (size_t)n);
    check(mq_pmt_equal(p, q));
    check(mq_pmt_serialize(q, out2, (size_t)n) == n && memcmp(out, out2, (size_t)n) == 0);
    json_round_trip(p);
    mq_pmt *c = mq_pmt_copy(p);
    check(c && mq_pmt_equal(c, p));
    mq_pmt_free(c);
    free(out);
    free(out2);
    mq_pmt_free(q);
    mq_pmt_free(p);
}

static void text(const uint8_t *data, size_t size)
{
    char err[256] = "";
    mq_pmt *p = (mq_pmt *)data;
    int rc = mq_pmt_from_json((const char *)data, size, &p, err, sizeof err);
    if (rc != 0) {
        check((rc == MQ_EINVAL || rc == MQ_ENOMEM) && p == NULL);
        /* jansson quotes the text in its messages: look only right after the place. */
        const char *why = strstr(err, ": ");
        check(strncmp(err, "line ", 5) == 0 && why && strncmp(why, ": internal error", 16) != 0);
        return;
    }
    /* Whatever JSON makes nests within the limit, so the wire form takes it. */
    check(mq_pmt_serialize(p, NULL, 0) > 0);
    json_round_trip(p);
    mq_pmt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wire(data, size);
    text(data, size);
    return 0;
}
