/* client.c - the subcommands that talk to running graphs (see client.h). Each
 * connects to the graph's control socket, sends one request and prints what comes
 * back; the protocol is in doc/control.md. Exit status: 0 done, 1 the graph was
 * not found or refused the request, 2 bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mq.h"
#include "block.h"
#include "msg.h"

#include "client.h"
#include "ctlclient.h"
#include "leftovers.h"
#include "view.h"

#define EXIT_USAGE 2
#define CALL_MS 5000 /* a supervisor answers at once; this is for one that hangs */

struct sub {
    const char *name;
    const char *usage;
    int (*run)(int argc, char **argv);
};

static int parse_flags(int argc, char **argv, const char *const *flags, int *set,
                       const char **pos, int n_pos, const char *usage);

/* ---- helpers ------------------------------------------------------------------------ */

static int fail(const char *what, const char *err)
{
    fprintf(stderr, "mqgraph %s: %s\n", what, err);
    return 1;
}

static void print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (text)
        puts(text);
    free(text);
}

/* One request to graph `spec`; the reply in *reply. */
static int call(const char *what, const char *spec, json_t *req, json_t **reply)
{
    char err[1024];
    ctlc c;

    if (ctlc_open(&c, spec, err, sizeof err) < 0) {
        json_decref(req);
        return fail(what, err);
    }
    int rc = ctlc_call(&c, req, reply, CALL_MS, err, sizeof err);
    ctlc_close(&c);
    return rc < 0 ? fail(what, err) : 0;
}

/* ---- list ------------------------------------------------------------------------- */

static int run_list(int argc, char **argv)
{
    static const char *const flags[] = {"--json", NULL};
    int json = 0, n;
    ctl_entry *v;
    char err[1024];

    if (parse_flags(argc, argv, flags, &json, NULL, 0, client_usage("list")) < 0)
        return EXIT_USAGE;
    leftovers_remove_arenas(); /* what it removes goes to stderr, not into the list */
    if (ctldir_scan(&v, &n, NULL, err, sizeof err) < 0)
        return fail("list", err);
    json_t *all = json_array();
    if (!json)
        printf("%-24s %8s %10s %7s %-9s %s\n", "graph", "pid", "uptime s", "blocks", "state",
               "file");
    for (int i = 0; i < n; i++) {
        json_t *info = NULL;
        ctlc c;
        if (ctlc_open_path(&c, v[i].path, err, sizeof err) < 0)
            continue; /* its owner is not listening (starting, or not a supervisor) */
        int rc = ctlc_call(&c, json_pack("{s:s}", "cmd", "info"), &info, CALL_MS, err, sizeof err);
        ctlc_close(&c);
        if (rc < 0)
            continue;
        json_object_del(info, "ok");
        if (json)
            json_array_append(all, info);
        else
            printf("%-24s %8lld %10.1f %7lld %-9s %s\n",
                   json_string_value(json_object_get(info, "name")),
                   (long long)json_integer_value(json_object_get(info, "pid")),
                   json_number_value(json_object_get(info, "uptime_s")),
                   (long long)json_integer_value(json_object_get(info, "n_blocks")),
                   json_string_value(json_object_get(info, "state")),
                   json_string_value(json_object_get(info, "file")));
        json_decref(info);
    }
    if (json)
        print_json(all);
    json_decref(all);
    free(v);
    return 0;
}

/* ---- status, stop, events ------------------------------------------------------------ */

static int run_status(int argc, char **argv)
{
    static const char *const flags[] = {"--json", NULL};
    const char *graph;
    json_t *st;
    int json = 0;

    if (parse_flags(argc, argv, flags, &json, &graph, 1, client_usage("status")) < 0)
        return EXIT_USAGE;
    if (call("status", graph, json_pack("{s:s}", "cmd", "status"), &st))
        return 1;
    if (json)
        print_json(st);
    else
        view_status(stdout, st);
    json_decref(st);
    return 0;
}

static int run_stop(int argc, char **argv)
{
    static const char *const flags[] = {"--no-wait", NULL};
    const char *graph;
    char err[1024];
    int nowait = 0;
    json_t *reply, *line;
    ctlc c;

    if (parse_flags(argc, argv, flags, &nowait, &graph, 1, client_usage("stop")) < 0)
        return EXIT_USAGE;
    if (ctlc_open(&c, graph, err, sizeof err) < 0)
        return fail("stop", err);
    if (ctlc_call(&c, json_pack("{s:s}", "cmd", "stop"), &reply, CALL_MS, err, sizeof err) < 0) {
        ctlc_close(&c);
        return fail("stop", err);
    }
    json_decref(reply);
    /* The supervisor closes the socket when the graph has ended. */
    int rc = 1;
    while (!nowait && (rc = ctlc_next(&c, &line, -1, err, sizeof err)) > 0)
        json_decref(line);
    ctlc_close(&c);
    return rc < 0 ? fail("stop", err) : 0;
}

static int run_events(int argc, char **argv)
{
    static const char *const flags[] = {"--json", "--all", "--count", NULL};
    const char *graph, *count = NULL;
    int set[3] = {0, 0, 0};
    json_t *reply, *ev;
    char err[1024];
    long want = -1, got = 0;
    ctlc c;

    const char *pos[2];
    if (parse_flags(argc, argv, flags, set, pos, 1, client_usage("events")) < 0)
        return EXIT_USAGE;
    graph = pos[0];
    if (set[2]) {
        count = argv[set[2]];
        char *end;
        want = strtol(count, &end, 10);
        if (want < 1 || *end) {
            fprintf(stderr, "mqgraph events: --count needs a positive number, not '%s'\n", count);
            return EXIT_USAGE;
        }
    }
    if (ctlc_open(&c, graph, err, sizeof err) < 0)
        return fail("events", err);
    if (ctlc_call(&c, json_pack("{s:s, s:b}", "cmd", "events", "history", set[1] != 0), &reply,
                  CALL_MS, err, sizeof err) < 0) {
        ctlc_close(&c);
        return fail("events", err);
    }
    json_decref(reply);
    int rc;
    while ((want < 0 || got < want) && (rc = ctlc_next(&c, &ev, -1, err, sizeof err)) > 0) {
        if (set[0])
            print_json(ev);
        else
            view_event(stdout, ev);
        fflush(stdout);
        json_decref(ev);
        got++;
    }
    ctlc_close(&c);
    if (want > 0 && got < want)
        return fail("events", "the graph ended");
    return 0;
}

/* ---- get, set ------------------------------------------------------------------------- */

/* "BLOCK.NAME" split at its last dot (block names have none). */
static int split_end(const char *what, const char *arg, char *block, size_t len, const char **name)
{
    const char *dot = strrchr(arg, '.');

    if (!dot || dot == arg || !dot[1] || (size_t)(dot - arg) >= len) {
        fprintf(stderr, "mqgraph %s: '%s' is not BLOCK.NAME\n", what, arg);
        return -1;
    }
    snprintf(block, len, "%.*s", (int)(dot - arg), arg);
    *name = dot + 1;
    return 0;
}

static int run_get(int argc, char **argv)
{
    static const char *const flags[] = {"--json", NULL};
    const char *pos[2], *param = NULL;
    char block[256];
    int json = 0;
    json_t *reply;

    if (parse_flags(argc, argv, flags, &json, pos, 2, client_usage("get")) < 0)
        return EXIT_USAGE;
    if (strchr(pos[1], '.')) {
        if (split_end("get", pos[1], block, sizeof block, &param) < 0)
            return EXIT_USAGE;
    } else {
        snprintf(block, sizeof block, "%s", pos[1]);
    }
    json_t *req = json_pack("{s:s, s:s}", "cmd", "get", "block", block);
    if (param)
        json_object_set_new(req, "param", json_string(param));
    if (call("get", pos[0], req, &reply))
        return 1;
    if (json) {
        print_json(reply);
    } else if (param) {
        puts(json_string_value(json_object_get(json_object_get(reply, "param"), "value")));
    } else {
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(reply, "params"), i, p)
            printf("%s.%s = %s  (%s%s)\n", block, json_string_value(json_object_get(p, "name")),
                   json_string_value(json_object_get(p, "value")),
                   json_string_value(json_object_get(p, "type")),
                   json_is_true(json_object_get(p, "live")) ? ", live" : "");
    }
    json_decref(reply);
    return 0;
}

static int run_set(int argc, char **argv)
{
    static const char *const flags[] = {"--json", "--no-wait", NULL};
    int set[2] = {0, 0}, rc = 0;
    char block[256], err[1024];
    const char *pos[1];
    ctlc c;

    /* GRAPH then one or more BLOCK.PARAM=VALUE, applied in order. */
    if (argc < 2 || argv[0][0] == '-') {
        fprintf(stderr, "mqgraph: which graph and which change?\n%s", client_usage("set"));
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && parse_flags(1, argv + i, flags, set, pos, 0,
                                             client_usage("set")) < 0)
            return EXIT_USAGE;
    if (ctlc_open(&c, argv[0], err, sizeof err) < 0)
        return fail("set", err);
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *param, *eq = strchr(argv[i], '=');
        json_t *reply;
        if (argv[i][0] == '-')
            continue;
        char lhs[512];
        snprintf(lhs, sizeof lhs, "%.*s", eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]),
                 argv[i]);
        const char *dot = strrchr(lhs, '.');
        if (!eq || !dot || dot == lhs || !dot[1]) {
            fprintf(stderr, "mqgraph set: '%s' is not BLOCK.PARAM=VALUE\n", argv[i]);
            rc = EXIT_USAGE;
            break;
        }
        split_end("set", lhs, block, sizeof block, &param);
        /* A list is given as the YAML would: [1, 2, 3]. Anything else is sent as
         * the text it is, so the block reads exactly what was typed. */
        json_t *value = eq[1] == '[' ? json_loads(eq + 1, 0, NULL) : json_string(eq + 1);
        if (!value) {
            fprintf(stderr, "mqgraph set: '%s' is not a list of numbers\n", eq + 1);
            rc = EXIT_USAGE;
            break;
        }
        json_t *req = json_pack("{s:s, s:s, s:s, s:o, s:i}", "cmd", "set", "block", block,
                                "param", param, "value", value, "wait_ms", set[1] ? 0 : 2000);
        if (ctlc_call(&c, req, &reply, CALL_MS, err, sizeof err) < 0) {
            rc = fail("set", err);
            break;
        }
        if (set[0])
            print_json(reply);
        else if (json_is_true(json_object_get(reply, "applied")))
            printf("%s.%s = %s (from item %lld)\n", block, param, eq + 1,
                   (long long)json_integer_value(json_object_get(reply, "item")));
        else
            printf("%s.%s = %s (the block takes it between two work calls)\n", block, param,
                   eq + 1);
        json_decref(reply);
    }
    ctlc_close(&c);
    return rc;
}

/* ---- send ----------------------------------------------------------------------------- */

static int run_send(int argc, char **argv)
{
    static const char *const flags[] = {"--json", NULL};
    const char *pos[3], *port;
    char block[256];
    int json = 0;
    json_t *reply;

    if (parse_flags(argc, argv, flags, &json, pos, 3, client_usage("send")) < 0 ||
        split_end("send", pos[1], block, sizeof block, &port) < 0)
        return EXIT_USAGE;
    /* As typed: the supervisor reads it as message_strobe's msg is read (JSON, or a
     * bare word as a string), with integers up to 2^64 - 1, which JSON parsers
     * (jansson too) stop at INT64_MAX. */
    if (call("send", pos[0],
             json_pack("{s:s, s:s, s:s, s:s}", "cmd", "send", "block", block, "port", port,
                       "text", pos[2]),
             &reply))
        return 1;
    if (json)
        print_json(reply);
    json_decref(reply);
    return 0;
}

/* ---- tap ------------------------------------------------------------------------------ */

static volatile sig_atomic_t tap_quit;

static void on_tap_signal(int sig)
{
    (void)sig;
    tap_quit = 1;
}

struct tap_out {
    FILE *f;
    int text;
    mq_item_type type;
    char *path, *part; /* --to: written as part, renamed to path at the end */
};

/* Item i of a buffer as one text line. */
static void print_item(FILE *f, mq_item_type t, const void *p, size_t i)
{
    switch (t) {
    case MQ_ITEM_F32: fprintf(f, "%.9g\n", ((const float *)p)[i]); break;
    case MQ_ITEM_F64: fprintf(f, "%.17g\n", ((const double *)p)[i]); break;
    case MQ_ITEM_C32:
        fprintf(f, "%.9g %.9g\n", ((const float *)p)[2 * i], ((const float *)p)[2 * i + 1]);
        break;
    case MQ_ITEM_I16: fprintf(f, "%d\n", ((const int16_t *)p)[i]); break;
    case MQ_ITEM_I32: fprintf(f, "%d\n", ((const int32_t *)p)[i]); break;
    default: fprintf(f, "%u\n", ((const uint8_t *)p)[i]);
    }
}

/* Writes up to `want` items of buffer id; returns how many. */
static size_t write_items(mq_arena *a, mq_id id, const struct tap_out *o, size_t want)
{
    const void *p = mq_buf_data(a, id);
    int64_t len = mq_buf_length(a, id);
    size_t isz = mq_item_size(o->type), n = len > 0 ? (size_t)len / isz : 0;

    if (o->type == MQ_ITEM_MSG) { /* a message: its JSON, one line */
        mq_pmt *m;
        if (mq_msg_read(a, id, &m) < 0)
            return 0;
        char *text = mq_pmt_to_json(m);
        fprintf(o->f, "%s\n", text ? text : "?");
        free(text);
        mq_pmt_free(m);
        return 1;
    }
    n = n < want ? n : want;
    if (!o->text)
        fwrite(p, isz, n, o->f);
    else
        for (size_t i = 0; i < n; i++)
            print_item(o->f, o->type, p, i);
    return n;
}

/* Whether the control connection is still open (the graph runs). */
static int graph_alive(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char ch;
    return poll(&p, 1, 0) == 0 || recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* Reads the tap's queue until `count` items (< 0: until stopped or the end). */
static int tap_read(ctlc *c, mq_arena *a, uint32_t conn, const struct tap_out *o, long count,
                    long *got, uint64_t *gaps)
{
    mq_queue_stats qs;
    uint64_t drops0 = mq_queue_stats_get(a, conn, &qs) == 0 ? qs.drops : 0;

    *got = 0;
    while (!tap_quit && (count < 0 || *got < count)) {
        mq_id id;
        int rc = mq_queue_pop(a, conn, &id, 100000000);
        if (rc == MQ_ETIMEDOUT || rc == MQ_EAGAIN) {
            if (!graph_alive(c->fd))
                return 1; /* the graph ended */
            continue;
        }
        if (rc == MQ_EOS)
            return 2;
        if (rc < 0) {
            fprintf(stderr, "mqgraph tap: %s\n", mq_strerror(rc));
            return -1;
        }
        /* The queue dropped buffers before this one: the items are not contiguous
         * with the last ones. Said on stderr, and counted. */
        if (mq_queue_stats_get(a, conn, &qs) == 0 && qs.drops > drops0 && *got > 0) {
            fprintf(stderr, "mqgraph tap: %llu buffer%s dropped after item %ld (the tap read "
                            "too slowly)\n",
                    (unsigned long long)(qs.drops - drops0), qs.drops - drops0 == 1 ? "" : "s",
                    *got);
            *gaps += qs.drops - drops0;
        }
        drops0 = qs.drops;
        *got += (long)write_items(a, id, o, count < 0 ? SIZE_MAX : (size_t)(count - *got));
        mq_buf_release(a, id);
    }
    return 0;
}

static int open_out(struct tap_out *o, const char *path)
{
    if (!path) {
        o->f = stdout;
        return 0;
    }
    if (asprintf(&o->part, "%s.part%d", path, (int)getpid()) < 0 || !(o->path = strdup(path)))
        return -1;
    if (!(o->f = fopen(o->part, "wb"))) {
        fprintf(stderr, "mqgraph tap: cannot create '%s': %s\n", o->part, strerror(errno));
        return -1;
    }
    return 0;
}

/* Keeps what was written (under its name) unless it failed. */
static int close_out(struct tap_out *o, int ok)
{
    int rc = 0;
    if (o->f && o->f != stdout) {
        if (fclose(o->f) != 0)
            ok = 0, rc = -1;
        if (!ok || rename(o->part, o->path) != 0) {
            if (ok)
                fprintf(stderr, "mqgraph tap: '%s': %s\n", o->path, strerror(errno));
            unlink(o->part);
            rc = -1;
        }
    } else if (o->f) {
        fflush(o->f);
    }
    free(o->part);
    free(o->path);
    return rc;
}

static int run_tap(int argc, char **argv)
{
    static const char *const flags[] = {"--count", "--to", "--text", "--depth", NULL};
    int set[4] = {0, 0, 0, 0};
    const char *pos[2], *port;
    char block[256], err[1024];
    long count = -1, got = 0;
    uint64_t gaps = 0;
    json_t *reply;
    mq_arena *a;
    ctlc c;

    if (parse_flags(argc, argv, flags, set, pos, 2, client_usage("tap")) < 0 ||
        split_end("tap", pos[1], block, sizeof block, &port) < 0)
        return EXIT_USAGE;
    char *end;
    if (set[0] && ((count = strtol(argv[set[0]], &end, 10)) < 1 || *end)) {
        fprintf(stderr, "mqgraph tap: --count needs a positive number, not '%s'\n",
                argv[set[0]]);
        return EXIT_USAGE;
    }
    long depth = set[3] ? strtol(argv[set[3]], &end, 10) : 0;
    if (set[3] && (depth < 1 || depth > 65536 || *end)) {
        fprintf(stderr, "mqgraph tap: --depth needs a number of buffers, 1 to 65536, not "
                        "'%s'\n",
                argv[set[3]]);
        return EXIT_USAGE;
    }
    json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", "tap", "block", block, "port", port);
    if (depth)
        json_object_set_new(req, "depth", json_integer(depth));
    if (ctlc_open(&c, pos[0], err, sizeof err) < 0) {
        json_decref(req);
        return fail("tap", err);
    }
    if (ctlc_call(&c, req, &reply, CALL_MS, err, sizeof err) < 0) {
        ctlc_close(&c);
        return fail("tap", err);
    }
    struct tap_out o = {.text = !set[1] || set[2],
                        .type = (mq_item_type)mq_item_parse(
                            json_string_value(json_object_get(reply, "type")))};
    uint32_t conn = (uint32_t)json_integer_value(json_object_get(reply, "conn"));
    int rc = mq_arena_attach(json_string_value(json_object_get(reply, "arena")), &a);
    if (rc == 0 && (rc = mq_arena_slot_claim(
                        a, (uint32_t)json_integer_value(json_object_get(reply, "slot")))) < 0)
        mq_arena_detach(a);
    json_decref(reply);
    if (rc < 0 || open_out(&o, set[1] ? argv[set[1]] : NULL) < 0) {
        if (rc < 0)
            fprintf(stderr, "mqgraph tap: cannot join the graph's arena: %s\n", mq_strerror(rc));
        else
            mq_arena_detach(a);
        close_out(&o, 0);
        ctlc_close(&c);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_tap_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, NULL);
    rc = tap_read(&c, a, conn, &o, count, &got, &gaps);
    mq_arena_slot_leave(a); /* what it still held goes back */
    mq_arena_detach(a);
    ctlc_close(&c); /* the supervisor frees the tap */
    int ok = rc >= 0 && close_out(&o, rc >= 0) == 0;
    if (ok && count > 0 && got < count)
        fprintf(stderr, "mqgraph tap: %s after %ld of %ld items\n",
                rc == 1 ? "the graph ended" : "the output ended", got, count);
    return ok && (count < 0 || got == count) ? 0 : 1;
}

/* ---- top ------------------------------------------------------------------------------ */

static volatile sig_atomic_t top_quit;

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_top_signal(int sig)
{
    (void)sig;
    top_quit = 1;
}

/* Waits ms for 'q' on the terminal; 1 if it came (or a signal asked to quit). An
 * input that is no terminal, or has ended (top < /dev/null, under cron), is not
 * read: it would be readable, at its end, all the time. */
static int top_wait(int ms, int tty)
{
    struct pollfd p = {tty ? STDIN_FILENO : -1, POLLIN, 0};
    int64_t until = now_ms() + ms;
    char ch;

    for (int left = ms; left > 0 && !top_quit; left = (int)(until - now_ms())) {
        if (poll(&p, 1, left) <= 0 || !(p.revents & POLLIN))
            continue;
        if (read(STDIN_FILENO, &ch, 1) != 1)
            p.fd = -1; /* its end: wait out the interval without it */
        else if (ch == 'q' || ch == 'Q')
            return 1;
    }
    return top_quit;
}

static int run_top(int argc, char **argv)
{
    static const char *const flags[] = {"--interval", NULL};
    const char *graph;
    int set[1] = {0}, ms = 1000, rc = 0, tty = isatty(STDIN_FILENO);
    char err[1024];
    struct termios saved, raw;
    ctlc c;

    if (parse_flags(argc, argv, flags, set, &graph, 1, client_usage("top")) < 0)
        return EXIT_USAGE;
    char *end;
    if (set[0] && ((ms = (int)strtol(argv[set[0]], &end, 10)) < 50 || ms > 60000 || *end)) {
        fprintf(stderr, "mqgraph top: --interval is 50 to 60000 ms, not '%s'\n", argv[set[0]]);
        return EXIT_USAGE;
    }
    if (ctlc_open(&c, graph, err, sizeof err) < 0)
        return fail("top", err);
    /* Keys without Enter and without echo; the terminal is put back however top
     * ends (q, Ctrl-C, the graph ending). */
    if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
        raw = saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    struct sigaction sa = {.sa_handler = on_top_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!top_quit) {
        json_t *st;
        int r = ctlc_call(&c, json_pack("{s:s}", "cmd", "status"), &st, CALL_MS, err,
                          sizeof err);
        if (r < 0) {
            if (r == CTLC_CLOSED)
                printf("\nmqgraph top: the graph has ended\n");
            else if (!top_quit)
                rc = fail("top", err);
            break;
        }
        fputs("\033[H\033[2J", stdout); /* home, clear: any terminal that is VT100-like */
        view_status(stdout, st);
        printf("\n(q to quit; every %d ms)\n", ms);
        fflush(stdout);
        json_decref(st);
        if (top_wait(ms, tty))
            break;
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    ctlc_close(&c);
    return rc;
}

/* ---- the table ------------------------------------------------------------------------ */

static const struct sub subs[] = {
    {"list",
     "usage: mqgraph list [--json]\n"
     "Lists this user's running graphs: name, supervisor pid, uptime, blocks, state.\n",
     run_list},
    {"status",
     "usage: mqgraph status GRAPH [--json]\n"
     "Shows a running graph: every block (pid, state, restarts, heartbeat age, work\n"
     "calls, items in and out per second, busy %), connection (fill/depth, buffers\n"
     "and bytes per second, drops, stale, missed) and pool (in use, lowest free).\n"
     "GRAPH is the graph's name, or NAME:PID when several share it. --json prints\n"
     "the reply as one JSON document (doc/control.md).\n",
     run_status},
    {"tap",
     "usage: mqgraph tap GRAPH BLOCK.PORT [--count N] [--to FILE] [--text] [--depth D]\n"
     "Attaches to a running output, zero-copy like one more consumer, and prints the\n"
     "items that flow out of it from now on, one per line (c32: 're im'; a message\n"
     "output: each message as JSON), until N items, Ctrl-C or the end. --to FILE\n"
     "writes them raw (with --text, as text); FILE appears when the tap ends well.\n"
     "A tap never holds the graph back: its queue (depth D buffers, default 16, at\n"
     "most the graph's queue_depth) drops its oldest when full, and a gap is said\n"
     "on stderr.\n",
     run_tap},
    {"top",
     "usage: mqgraph top GRAPH [--interval MS]\n"
     "The status of a running graph, refreshed every second (or MS) in the terminal,\n"
     "until q or Ctrl-C, or until the graph ends.\n",
     run_top},
    {"stop",
     "usage: mqgraph stop GRAPH [--no-wait]\n"
     "Stops a running graph the way one Ctrl-C does (sources finish, the graph\n"
     "drains), except that its mqgraph run then exits 0, not 130. Waits until the\n"
     "graph has ended (its summary printed, its arena gone) unless --no-wait.\n",
     run_stop},
    {"get",
     "usage: mqgraph get GRAPH BLOCK[.PARAM] [--json]\n"
     "Prints a parameter's current value, or all of a block's parameters with their\n"
     "types and which are live (may change while the graph runs).\n",
     run_get},
    {"set",
     "usage: mqgraph set GRAPH BLOCK.PARAM=VALUE... [--json] [--no-wait]\n"
     "Changes live parameters of a running graph, checked as the graph file's values\n"
     "are (type, range, choices). The block takes the new value between two work\n"
     "calls; set waits for that (up to 2 s, unless --no-wait) and says from which\n"
     "item of the block's stream it holds. A restarted block keeps it. Several\n"
     "changes are made in order, each on its own; set stops at the first refused.\n",
     run_set},
    {"send",
     "usage: mqgraph send GRAPH BLOCK.PORT [--] MESSAGE [--json]\n"
     "Sends a message into a block's message input (message_debug's print, a block's\n"
     "cmd: '{\"k\": 0.5}'). MESSAGE is JSON, with {\"$pair\": [car, cdr]}, {\"$f32\":\n"
     "[...]} and the like for what JSON lacks (doc/control.md); a bare word (text\n"
     "that does not start like JSON) is a string.\n",
     run_send},
    {"events",
     "usage: mqgraph events GRAPH [--json] [--all] [--count N]\n"
     "Prints the graph's events as they happen, one per line: blocks started,\n"
     "finished, died, hung, restarting, restarted; parameters changed (param) or\n"
     "refused (param_refused); messages dropped; the graph's own state (graph).\n"
     "--all first prints the last 1024 events,\n"
     "--count N exits after N events, --json prints each as a JSON object.\n",
     run_events},
};

const char *client_usage(const char *cmd)
{
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(subs[i].name, cmd))
            return subs[i].usage;
    return NULL;
}

int client_main(const char *cmd, int argc, char **argv)
{
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(subs[i].name, cmd))
            return subs[i].run(argc, argv);
    return EXIT_USAGE;
}

/* Flags (NULL-terminated `flags`; a flag ending in a value, like --count, takes the
 * next argument, and set[i] is then its index in argv) and exactly n_pos
 * positional arguments. Single-valued flags set set[i] = 1. */
static int parse_flags(int argc, char **argv, const char *const *flags, int *set,
                       const char **pos, int n_pos, const char *usage)
{
    static const char *const valued[] = {"--count", "--to", "--interval", "--depth", NULL};
    int got = 0, options = 1;

    for (int i = 0; i < argc; i++) {
        int f = -1;
        if (options && !strcmp(argv[i], "--")) {
            options = 0; /* what follows is positional, also "-5" */
            continue;
        }
        for (int k = 0; options && flags[k] && f < 0; k++)
            if (!strcmp(argv[i], flags[k]))
                f = k;
        if (f >= 0) {
            int takes = 0;
            for (int k = 0; valued[k]; k++)
                takes |= !strcmp(flags[f], valued[k]);
            if (takes && i + 1 >= argc) {
                fprintf(stderr, "mqgraph: %s needs a value\n%s", argv[i], usage);
                return -1;
            }
            set[f] = takes ? ++i : 1;
        } else if (options && argv[i][0] == '-' && argv[i][1] &&
                   !strchr("0123456789.", argv[i][1])) { /* -5 is a value */
            fprintf(stderr, "mqgraph: unknown option '%s'\n%s", argv[i], usage);
            return -1;
        } else if (got < n_pos) {
            pos[got++] = argv[i];
        } else {
            fprintf(stderr, "mqgraph: unexpected argument '%s'\n%s", argv[i], usage);
            return -1;
        }
    }
    if (got < n_pos) {
        fprintf(stderr, "mqgraph: %s\n%s", n_pos == 1 ? "which graph? (mqgraph list shows them)"
                                                      : "missing arguments",
                usage);
        return -1;
    }
    return 0;
}
