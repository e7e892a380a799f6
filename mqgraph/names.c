/* names.c - the name map: open addressing with linear probing, FNV-1a hashes,
 * the table at most half full so a probe ends after a slot or two. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "names.h"

static uint32_t hash_of(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The slot holding the name, or the empty slot where it would go. */
static mqg_name_slot *probe(const mqg_names *m, const char *name, size_t len, uint32_t h)
{
    for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        mqg_name_slot *s = &m->slot[i];
        if (!s->name || (s->hash == h && s->len == len && !memcmp(s->name, name, len)))
            return s;
    }
}

static int grow(mqg_names *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 16;
    mqg_names bigger = {cap, m->n, calloc(cap, sizeof *m->slot)};

    if (!bigger.slot || cap < m->cap)
        return free(bigger.slot), MQ_ENOMEM;
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->slot[i].name)
            *probe(&bigger, m->slot[i].name, m->slot[i].len, m->slot[i].hash) = m->slot[i];
    free(m->slot);
    *m = bigger;
    return 0;
}

void mqg_names_free(mqg_names *m)
{
    free(m->slot);
    *m = (mqg_names){0};
}

int mqg_names_find(const mqg_names *m, const char *name, size_t len)
{
    if (!m->cap)
        return -1;
    mqg_name_slot *s = probe(m, name, len, hash_of(name, len));
    return s->name ? s->value : -1;
}

static int put(mqg_names *m, const char *name, size_t len, int value, int replace, int *old)
{
    uint32_t h = hash_of(name, len);
    int rc;

    if ((uint64_t)(m->n + 1) * 2 > m->cap && (rc = grow(m)) < 0)
        return rc;
    mqg_name_slot *s = probe(m, name, len, h);
    if (s->name && !replace) {
        *old = s->value;
        return 1;
    }
    m->n += !s->name;
    *s = (mqg_name_slot){name, len, h, value};
    return 0;
}

int mqg_names_add(mqg_names *m, const char *name, size_t len, int value, int *old)
{
    return put(m, name, len, value, 0, old);
}

int mqg_names_set(mqg_names *m, const char *name, size_t len, int value)
{
    return put(m, name, len, value, 1, NULL);
}

int mqg_name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

int mqg_names_nearest(const mqg_names *m, const char *name, size_t len, int below)
{
    int best = -1;
    char want[64], have[64];

    if (len >= sizeof want)
        return -1;
    memcpy(want, name, len);
    want[len] = 0;
    for (uint32_t i = 0; i < m->cap; i++) {
        const mqg_name_slot *s = &m->slot[i];
        if (!s->name || s->len >= sizeof have)
            continue;
        memcpy(have, s->name, s->len);
        have[s->len] = 0;
        int d = mqg_name_distance(want, have);
        if (d < below) {
            below = d;
            best = s->value;
        }
    }
    return best;
}
