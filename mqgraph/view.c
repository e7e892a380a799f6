/* view.c - status and events as text (see view.h). The JSON comes from another
 * process, so every field is read with a fallback: a missing one prints as "-". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

void view_si(char *out, size_t len, double v)
{
    static const char *const unit[] = {"", "k", "M", "G", "T"};
    int u = 0;

    while (fabs(v) >= 999.5 && u < 4) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(out, len, "%.0f", v);
    else
        snprintf(out, len, "%.*f%s", fabs(v) < 9.995 ? 2 : fabs(v) < 99.95 ? 1 : 0, v, unit[u]);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static long long integer(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void blocks(FILE *f, const json_t *st)
{
    const json_t *b;
    size_t i;

    fprintf(f, "%-16s %-14s %7s %-10s %3s %6s %10s %9s %9s %5s\n", "block", "type", "pid",
            "state", "rst", "hb ms", "work", "in/s", "out/s", "busy%");
    json_array_foreach(json_object_get(st, "blocks"), i, b)
    {
        char in[16], out[16], calls[16], hb[16];
        view_si(in, sizeof in, num(b, "items_in_per_s"));
        view_si(out, sizeof out, num(b, "items_out_per_s"));
        view_si(calls, sizeof calls, (double)integer(b, "work_calls"));
        if (json_is_number(json_object_get(b, "heartbeat_age_ms")))
            snprintf(hb, sizeof hb, "%.0f", num(b, "heartbeat_age_ms"));
        else
            snprintf(hb, sizeof hb, "-");
        fprintf(f, "%-16.16s %-14.14s %7lld %-10s %3lld %6s %10s %9s %9s %5.1f\n",
                str(b, "name"), str(b, "type"), integer(b, "pid"), str(b, "state"),
                integer(b, "restarts"), hb, calls, in, out, num(b, "busy_pct"));
    }
}

static void connections(FILE *f, const json_t *st)
{
    const json_t *c;
    size_t i;

    fprintf(f, "%-34s %11s %9s %9s %8s %7s %7s\n", "connection", "fill/depth", "bufs/s",
            "bytes/s", "drops", "stale", "missed");
    json_array_foreach(json_object_get(st, "connections"), i, c)
    {
        char name[160], fill[32], bufs[16], bytes[16];
        snprintf(name, sizeof name, "%s -> %s", str(c, "from"), str(c, "to"));
        snprintf(fill, sizeof fill, "%lld/%lld", integer(c, "fill"), integer(c, "depth"));
        view_si(bufs, sizeof bufs, num(c, "buffers_per_s"));
        view_si(bytes, sizeof bytes, num(c, "bytes_per_s"));
        fprintf(f, "%-34.34s %11s %9s %9s %8lld %7lld %7lld\n", name, fill, bufs, bytes,
                integer(c, "drops"), integer(c, "stale"), integer(c, "missed"));
    }
}

static void pools(FILE *f, const json_t *st)
{
    const json_t *p;
    size_t i;

    fprintf(f, "%-10s %15s %12s\n", "pool", "in use/total", "lowest free");
    json_array_foreach(json_object_get(st, "pools"), i, p)
    {
        char size[16], use[40];
        view_si(size, sizeof size, (double)integer(p, "size"));
        snprintf(use, sizeof use, "%lld/%lld", integer(p, "in_use"), integer(p, "count"));
        fprintf(f, "%-10s %15s %12lld\n", size, use, integer(p, "lowest_free"));
    }
}

static void taps(FILE *f, const json_t *st)
{
    const json_t *t;
    size_t i;

    if (json_array_size(json_object_get(st, "taps")) == 0)
        return;
    fprintf(f, "%-24s %7s %10s %8s\n", "tap", "pid", "buffers", "drops");
    json_array_foreach(json_object_get(st, "taps"), i, t)
        fprintf(f, "%-24.24s %7lld %10lld %8lld\n", str(t, "output"), integer(t, "pid"),
                integer(t, "buffers"), integer(t, "drops"));
}

void view_status(FILE *f, const json_t *st)
{
    fprintf(f, "graph %s (pid %lld): %s, up %.1f s, %lld blocks, %lld connections\n",
            str(st, "name"), integer(st, "pid"), str(st, "state"), num(st, "uptime_s"),
            integer(st, "n_blocks"), integer(st, "n_connections"));
    blocks(f, st);
    connections(f, st);
    pools(f, st);
    taps(f, st);
}

/* The fields of an event after the common ones, as key=value. */
static void event_fields(FILE *f, const json_t *ev)
{
    static const char *const skip[] = {"event", "t", "uptime_s", "block", NULL};
    const char *key;
    const json_t *v;

    json_object_foreach((json_t *)ev, key, v)
    {
        int common = 0;
        for (int i = 0; skip[i] && !common; i++)
            common = !strcmp(key, skip[i]);
        if (common || json_is_null(v))
            continue;
        if (json_is_string(v)) {
            fprintf(f, " %s=%s", key, json_string_value(v));
        } else {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
            fprintf(f, " %s=%s", key, text ? text : "?");
            free(text);
        }
    }
}

void view_event(FILE *f, const json_t *ev)
{
    fprintf(f, "%10.3f %-10s", num(ev, "uptime_s"), str(ev, "event"));
    if (json_object_get(ev, "block"))
        fprintf(f, " %s", str(ev, "block"));
    event_fields(f, ev);
    fputc('\n', f);
}
