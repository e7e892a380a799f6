/* request.c - parsing and checking control requests (see request.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "request.h"

static const char *const names[CTL_N_CMDS] = {"info", "status", "get",  "set",
                                              "events", "send", "tap", "stop"};

const char *ctl_cmd_name(enum ctl_cmd c)
{
    return (unsigned)c < CTL_N_CMDS ? names[c] : "?";
}

/* Appends s to the malloc'd text *buf of length *len. */
static int append(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    char *bigger = realloc(*buf, *len + n + 1);

    if (!bigger)
        return -1;
    memcpy(bigger + *len, s, n + 1);
    *buf = bigger;
    *len += n;
    return 0;
}

/* A number as parameter text: an integer as is, a real with the fewest digits
 * that read back as the same double. */
static int number_text(const json_t *v, char *out, size_t len)
{
    if (json_is_integer(v))
        return snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return mq_param_format_double(json_real_value(v), out, len);
}

char *ctl_value_text(const json_t *v, char *err, size_t errlen)
{
    char num[64];
    char *text = NULL;
    size_t len = 0;

    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_boolean(v))
        return strdup(json_is_true(v) ? "true" : "false");
    if (json_is_number(v)) {
        number_text(v, num, sizeof num);
        return strdup(num);
    }
    if (!json_is_array(v)) {
        snprintf(err, errlen, "a value is a number, a string, true/false or a list of numbers");
        return NULL;
    }
    if (!(text = calloc(1, 1)))
        return NULL;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_number(e)) {
            snprintf(err, errlen, "element %zu of the list is not a number", i);
            free(text);
            return NULL;
        }
        number_text(e, num, sizeof num);
        if ((i && append(&text, &len, ",") < 0) || append(&text, &len, num) < 0) {
            free(text);
            return NULL;
        }
    }
    return text;
}

/* Argument `key`, a string (required or not). 0, or -1 with err set. */
static int str_arg(ctl_req *r, const char *key, int required, const char **out, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(r->root, key);

    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        snprintf(err, errlen, "'%s' needs \"%s\"", ctl_cmd_name(r->cmd), key);
        return -1;
    }
    if (!json_is_string(v) || !*json_string_value(v) || strlen(json_string_value(v)) > 255) {
        snprintf(err, errlen, "\"%s\" must be a name (a string of 1 to 255 bytes)", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int int_arg(ctl_req *r, const char *key, int64_t min, int64_t max, int64_t *out,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(r->root, key);

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(err, errlen, "\"%s\" must be an integer in [%lld, %lld]", key, (long long)min,
                 (long long)max);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* Every key of the request must be one the command knows: a misspelt argument is
 * an error, not silently ignored. */
static int known_keys(ctl_req *r, const char *const *keys, char *err, size_t errlen)
{
    const char *key;
    json_t *v;

    json_object_foreach(r->root, key, v)
    {
        int ok = !strcmp(key, "cmd") || !strcmp(key, "id");
        for (int i = 0; keys[i] && !ok; i++)
            ok = !strcmp(key, keys[i]);
        if (!ok) {
            snprintf(err, errlen, "'%s' takes no argument \"%.64s\"", ctl_cmd_name(r->cmd), key);
            return -1;
        }
    }
    return 0;
}

static int parse_args(ctl_req *r, char *err, size_t errlen)
{
    static const char *const none[] = {NULL};
    static const char *const get[] = {"block", "param", NULL};
    static const char *const set[] = {"block", "param", "value", "wait_ms", NULL};
    static const char *const events[] = {"history", NULL};
    static const char *const send[] = {"block", "port", "msg", "text", NULL};
    static const char *const tap[] = {"block", "port", "depth", NULL};
    static const char *const *const keys[CTL_N_CMDS] = {none, none, get,  set,
                                                         events, send, tap, none};
    json_t *v;

    if (known_keys(r, keys[r->cmd], err, errlen) < 0)
        return -1;
    switch (r->cmd) {
    case CTL_GET:
        return str_arg(r, "block", 1, &r->block, err, errlen) < 0 ||
                       str_arg(r, "param", 0, &r->param, err, errlen) < 0
                   ? -1
                   : 0;
    case CTL_SET:
        if (str_arg(r, "block", 1, &r->block, err, errlen) < 0 ||
            str_arg(r, "param", 1, &r->param, err, errlen) < 0 ||
            int_arg(r, "wait_ms", 0, 60000, &r->wait_ms, err, errlen) < 0)
            return -1;
        if (!(v = json_object_get(r->root, "value"))) {
            snprintf(err, errlen, "'set' needs \"value\"");
            return -1;
        }
        return (r->value = ctl_value_text(v, err, errlen)) ? 0 : -1;
    case CTL_EVENTS:
        if ((v = json_object_get(r->root, "history")) && !json_is_boolean(v)) {
            snprintf(err, errlen, "\"history\" must be true or false");
            return -1;
        }
        r->history = v && json_is_true(v);
        return 0;
    case CTL_SEND:
        if (str_arg(r, "block", 1, &r->block, err, errlen) < 0 ||
            str_arg(r, "port", 1, &r->port, err, errlen) < 0)
            return -1;
        r->msg = json_object_get(r->root, "msg");
        v = json_object_get(r->root, "text");
        if (!r->msg == !v || (v && !json_is_string(v))) {
            snprintf(err, errlen, "'send' needs \"msg\" (the message as JSON) or \"text\" "
                                  "(a string: JSON, or a bare word), one of them");
            return -1;
        }
        r->text = v ? json_string_value(v) : NULL;
        return 0;
    case CTL_TAP:
        return str_arg(r, "block", 1, &r->block, err, errlen) < 0 ||
                       str_arg(r, "port", 1, &r->port, err, errlen) < 0 ||
                       int_arg(r, "depth", 0, 65536, &r->depth, err, errlen) < 0
                   ? -1
                   : 0;
    default:
        return 0;
    }
}

int ctl_req_parse(const char *line, size_t len, ctl_req *r, char *err, size_t errlen)
{
    json_error_t je;
    json_t *cmd;

    memset(r, 0, sizeof *r);
    if (len > CTL_LINE_MAX) {
        snprintf(err, errlen, "request longer than %d bytes", CTL_LINE_MAX);
        return -1;
    }
    /* JSON_REJECT_DUPLICATES: {"block": "a", "block": "b"} is refused, not read
     * as one of them. (jansson refuses nesting deeper than 2048 by itself.) */
    r->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!r->root) {
        snprintf(err, errlen, "not JSON: column %d: %s", je.column, je.text);
        return -1;
    }
    if (!json_is_object(r->root)) {
        snprintf(err, errlen, "a request is a JSON object: {\"cmd\": \"status\"}");
        return -1;
    }
    if (!(cmd = json_object_get(r->root, "cmd")) || !json_is_string(cmd)) {
        snprintf(err, errlen, "a request needs \"cmd\": one of info, status, get, set, "
                              "events, send, tap, stop");
        return -1;
    }
    for (r->cmd = 0; r->cmd < CTL_N_CMDS; r->cmd++)
        if (!strcmp(json_string_value(cmd), names[r->cmd]))
            return parse_args(r, err, errlen);
    snprintf(err, errlen, "unknown command '%.64s' (one of info, status, get, set, events, "
                          "send, tap, stop)",
             json_string_value(cmd));
    return -1;
}

void ctl_req_free(ctl_req *r)
{
    free(r->value);
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}
