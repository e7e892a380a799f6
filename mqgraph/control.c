/* control.c - the control socket's server side (see control.h).
 *
 * Each client is a uv_pipe_t with a line buffer. Bytes are read into the buffer;
 * every complete line is one request, parsed (request.c) and answered at once,
 * except `set`, whose reply may wait for the block to apply the value (then the
 * client's later lines wait too, so replies keep the order of requests). Replies
 * are queued with uv_write; a client whose queue grows past CTL_QUEUE_MAX is not
 * reading them and is dropped, so an unread client costs bounded memory.
 *
 * The peer's uid is checked on accept (SO_PEERCRED): the socket is 0600 in a 0700
 * directory already, so this only matters if those were changed, and then it is
 * the check that holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "ctldir.h"
#include "events.h"
#include "steer.h"
#include "request.h"
#include "status.h"
#include "sup.h"
#include "tap.h"

struct ctl_client {
    uv_pipe_t pipe; /* first: the handle's address is the client's */
    struct ctl *ctl;
    struct ctl_client *prev, *next;
    char *line;     /* the request being received, CTL_LINE_MAX at most */
    size_t len;
    int closing;    /* uv_close was called */
    int ending;     /* reading stopped, closing once the replies are out */
    int events;     /* subscribed to events */
    int held;       /* a reply is waiting (set): later lines wait with it */
    int eof;        /* the client closed its writing side */
    int tap;        /* the tap this client holds, or -1 */
    pid_t pid;
    uid_t uid;
    int64_t last_ns; /* connected, or last complete request */
    json_t *id;      /* the request's "id", echoed in its reply */
    char rbuf[16384];
};

struct ctl {
    struct sup *s;
    uv_pipe_t server;
    uv_timer_t bye; /* at the end: drops the clients that do not take their last lines */
    int handles;    /* of server and bye, not closed yet */
    int stopping;   /* ctl_stop was called */
    char path[CTL_PATH_MAX];
    int n_clients;
    struct ctl_client *clients;
};

struct ctl_write {
    uv_write_t req;
    char *data;
};

/* ---- clients --------------------------------------------------------------------- */

/* The server and the bye timer: ctl goes with the second. */
static void on_ctl_handle_closed(uv_handle_t *h)
{
    struct ctl *ctl = h->data;
    if (--ctl->handles == 0)
        free(ctl);
}

static void on_client_closed(uv_handle_t *h)
{
    struct ctl_client *cl = (struct ctl_client *)h;

    free(cl->line);
    json_decref(cl->id);
    free(cl);
}

/* Forgets the client at once; what it was sent and has not read is lost. */
static void drop_client(struct ctl_client *cl)
{
    struct ctl *ctl = cl->ctl;

    if (cl->closing)
        return;
    cl->closing = 1;
    if (cl->tap >= 0)
        tap_release(ctl->s, cl->tap);
    if (cl->held)
        steer_forget_waiter(ctl->s, cl);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        ctl->clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
    ctl->n_clients--;
    uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
    if (ctl->stopping && !ctl->clients && !uv_is_closing((uv_handle_t *)&ctl->bye)) {
        uv_timer_stop(&ctl->bye);
        uv_close((uv_handle_t *)&ctl->bye, on_ctl_handle_closed); /* the last one went */
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct ctl_client *cl = req->data;

    free(req);
    if (status != UV_ECANCELED) /* cancelled: uv_close is under way already */
        drop_client(cl);
}

/* Closes the client once its last reply (an error saying why) has gone out. A
 * client that does not read it is dropped by ctl_tick after CTL_IDLE_MS. */
static void end_client(struct ctl_client *cl)
{
    uv_shutdown_t *req;

    if (cl->closing || cl->ending)
        return;
    cl->ending = 1;
    cl->last_ns = mq_now_ns();
    uv_read_stop((uv_stream_t *)&cl->pipe);
    if (!(req = malloc(sizeof *req))) {
        drop_client(cl);
        return;
    }
    req->data = cl;
    if (uv_shutdown(req, (uv_stream_t *)&cl->pipe, on_shutdown) < 0) {
        free(req);
        drop_client(cl);
    }
}

static void on_written(uv_write_t *req, int status)
{
    struct ctl_write *w = (struct ctl_write *)req;
    struct ctl_client *cl = (struct ctl_client *)req->handle;

    free(w->data);
    free(w);
    /* The client is gone (EPIPE: a subscriber whose reader exited). A cancelled
     * write means it is being closed already; the handle outlives this call. */
    if (status < 0 && status != UV_ECANCELED)
        drop_client(cl);
}

/* Queues text[0..len) plus a newline; drops a client that does not read. */
static void send_line(struct ctl_client *cl, const char *text, size_t len)
{
    struct ctl_write *w;
    uv_buf_t b;

    if (cl->closing)
        return;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe) + len > CTL_QUEUE_MAX) {
        drop_client(cl);
        return;
    }
    if (!(w = malloc(sizeof *w)) || !(w->data = malloc(len + 1))) {
        free(w);
        drop_client(cl);
        return;
    }
    memcpy(w->data, text, len);
    w->data[len] = '\n';
    b = uv_buf_init(w->data, (unsigned)len + 1);
    if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &b, 1, on_written) < 0) {
        free(w->data);
        free(w);
        drop_client(cl);
    }
}

static void send_text(void *arg, const char *line)
{
    send_line(arg, line, strlen(line));
}

void ctl_reply(struct ctl_client *cl, json_t *reply)
{
    char *text;

    if (!reply)
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", "out of memory");
    if (cl->id)
        json_object_set(reply, "id", cl->id);
    text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(reply);
    json_decref(cl->id);
    cl->id = NULL;
    if (text)
        send_line(cl, text, strlen(text));
    free(text);
}

void ctl_reply_error(struct ctl_client *cl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctl_reply(cl, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
}

/* ---- requests --------------------------------------------------------------------- */

static void do_events(struct ctl_client *cl, const ctl_req *r)
{
    cl->events = 1;
    ctl_reply(cl, json_pack("{s:b}", "ok", 1));
    if (r->history)
        ev_replay(cl->ctl->s, send_text, cl);
}

static void do_stop(struct ctl_client *cl)
{
    struct sup *s = cl->ctl->s;

    if (!s->stop_signal && !s->stop_control) {
        s->stop_control = 1;
        fprintf(stderr, "mqgraph: stop requested on the control socket: stopping the graph\n");
    }
    sup_begin_stop(s);
    ctl_reply(cl, json_pack("{s:b, s:s}", "ok", 1, "state", sup_state(s)));
}

static void handle(struct ctl_client *cl, const char *line, size_t len)
{
    struct sup *s = cl->ctl->s;
    char err[512];
    ctl_req r;

    cl->last_ns = mq_now_ns();
    if (ctl_req_parse(line, len, &r, err, sizeof err) < 0) {
        ctl_reply_error(cl, "%s", err);
        ctl_req_free(&r);
        return;
    }
    cl->id = json_incref(json_object_get(r.root, "id"));
    switch (r.cmd) {
    case CTL_INFO:
        ctl_reply(cl, status_info(s));
        break;
    case CTL_STATUS:
        if (cl->id) {
            ctl_reply(cl, status_json(s)); /* its own document, with the id */
        } else {
            size_t n;
            const char *text = status_text(s, &n);
            if (text)
                send_line(cl, text, n);
            else
                ctl_reply_error(cl, "out of memory");
        }
        break;
    case CTL_GET:
        steer_get(s, cl, &r);
        break;
    case CTL_SET:
        cl->held = steer_set(s, cl, &r);
        break;
    case CTL_EVENTS:
        do_events(cl, &r);
        break;
    case CTL_SEND:
        steer_send(s, cl, &r);
        break;
    case CTL_TAP:
        cl->tap = tap_attach(s, cl, &r, cl->pid);
        break;
    case CTL_STOP:
        do_stop(cl);
        break;
    default:
        ctl_reply_error(cl, "unknown command");
    }
    ctl_req_free(&r);
}

/* Answers the complete lines in the buffer, unless a reply is being waited for. */
static void drain_lines(struct ctl_client *cl)
{
    char *nl;

    while (!cl->closing && !cl->ending && !cl->held && cl->len &&
           (nl = memchr(cl->line, '\n', cl->len))) {
        size_t n = (size_t)(nl - cl->line);
        handle(cl, cl->line, n > 0 && cl->line[n - 1] == '\r' ? n - 1 : n);
        memmove(cl->line, nl + 1, cl->len - n - 1);
        cl->len -= n + 1;
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct ctl_client *cl = (struct ctl_client *)h;

    (void)suggested;
    *buf = uv_buf_init(cl->rbuf, sizeof cl->rbuf);
}

/* Room for one whole request line and one read beyond it. */
#define LINE_CAP (CTL_LINE_MAX + 1 + sizeof(((struct ctl_client *)0)->rbuf))

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct ctl_client *cl = (struct ctl_client *)st;

    if (n == UV_EOF && cl->tap < 0) {
        /* It sent all it will (a script's `echo ... | socat`): it still gets its
         * replies, a waiting set's too, and a subscriber its events (until a
         * write fails: then it is gone). A tap's client closes only when it is
         * done, so its tap is released below. */
        cl->eof = 1;
        if (!cl->held && !cl->events)
            end_client(cl);
        return;
    }
    if (n < 0) {
        drop_client(cl); /* an error, or a tap's client done: it is gone */
        return;
    }
    if (n == 0 || cl->closing || cl->ending)
        return;
    if (!cl->line && !(cl->line = malloc(LINE_CAP))) {
        drop_client(cl);
        return;
    }
    if (cl->len + (size_t)n > LINE_CAP) {
        /* Only while a reply is awaited can complete lines pile up this far: the
         * client sends far more than it waits for. */
        ctl_reply_error(cl, "too many requests waiting: closing the connection");
        end_client(cl);
        return;
    }
    memcpy(cl->line + cl->len, buf->base, (size_t)n);
    cl->len += (size_t)n;
    drain_lines(cl);
    /* What is left has no newline; past the limit it can only be refused. */
    if (!cl->closing && !cl->ending && !cl->held && cl->len > CTL_LINE_MAX) {
        ctl_reply_error(cl, "request longer than %d bytes: closing the connection",
                        CTL_LINE_MAX);
        end_client(cl);
    }
}

void ctl_resume(struct ctl_client *cl)
{
    cl->held = 0;
    drain_lines(cl);
    if (cl->eof && !cl->held && !cl->events)
        end_client(cl);
}

static int peer_of(struct ctl_client *cl)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    uv_os_fd_t fd;

    if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -1;
    cl->pid = cred.pid;
    cl->uid = cred.uid;
    return 0;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct ctl *ctl = server->data;
    struct ctl_client *cl;

    if (status < 0 || !(cl = calloc(1, sizeof *cl)))
        return;
    cl->ctl = ctl;
    cl->tap = -1;
    cl->last_ns = mq_now_ns();
    uv_pipe_init(ctl->s->loop, &cl->pipe, 0);
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
        uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
        return;
    }
    cl->next = ctl->clients;
    if (ctl->clients)
        ctl->clients->prev = cl;
    ctl->clients = cl;
    ctl->n_clients++;
    if (peer_of(cl) < 0 || cl->uid != getuid()) {
        ctl_reply_error(cl, "permission denied: this graph belongs to uid %d, not uid %d",
                        (int)getuid(), (int)cl->uid);
        end_client(cl);
        return;
    }
    if (ctl->n_clients > CTL_CLIENTS) {
        ctl_reply_error(cl, "too many clients (%d): try again later", CTL_CLIENTS);
        end_client(cl);
        return;
    }
    uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read);
}

/* ---- the socket ------------------------------------------------------------------- */


int ctl_start(struct sup *s, char *err, size_t errlen)
{
    struct ctl *ctl = calloc(1, sizeof *ctl);
    mode_t old;
    int rc;

    if (!ctl) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ctl->s = s;
    if (ctldir_socket_path(s->g->name, getpid(), ctl->path, sizeof ctl->path, err, errlen) < 0) {
        free(ctl);
        return -1;
    }
    /* A file of this name can only be a leftover: its pid is ours. */
    unlink(ctl->path);
    uv_pipe_init(s->loop, &ctl->server, 0);
    uv_timer_init(s->loop, &ctl->bye);
    ctl->server.data = ctl->bye.data = ctl;
    old = umask(0177); /* the socket is made 0600, with no window at a wider mode */
    rc = uv_pipe_bind(&ctl->server, ctl->path);
    umask(old);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&ctl->server, 128, on_connection);
    ctl->handles = 2;
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", ctl->path, uv_strerror(rc));
        unlink(ctl->path);
        uv_close((uv_handle_t *)&ctl->server, on_ctl_handle_closed);
        uv_close((uv_handle_t *)&ctl->bye, on_ctl_handle_closed);
        return -1;
    }
    s->ctl = ctl;
    return 0;
}

/* The end of ctl_stop: every client still there is dropped, and ctl goes. */
static void on_bye(uv_timer_t *t)
{
    struct ctl *ctl = t->data;

    while (ctl->clients)
        drop_client(ctl->clients);
    if (!uv_is_closing((uv_handle_t *)&ctl->bye))
        uv_close((uv_handle_t *)&ctl->bye, on_ctl_handle_closed);
}

void ctl_stop(struct sup *s)
{
    struct ctl *ctl = s->ctl;

    if (!ctl)
        return;
    /* No new clients (the socket goes now); the connected ones get what was sent
     * to them (the last events, a stop's wait), then their end of file, or are
     * dropped after a second if they do not read. */
    unlink(ctl->path);
    uv_close((uv_handle_t *)&ctl->server, on_ctl_handle_closed);
    s->ctl = NULL;
    ctl->stopping = 1;
    for (struct ctl_client *cl = ctl->clients, *next; cl; cl = next) {
        next = cl->next;
        end_client(cl);
    }
    if (ctl->clients)
        uv_timer_start(&ctl->bye, on_bye, 1000, 0);
    else
        on_bye(&ctl->bye);
}

void ctl_tick(struct sup *s)
{
    struct ctl *ctl = s->ctl;
    int64_t now = mq_now_ns();

    if (!ctl)
        return;
    for (struct ctl_client *cl = ctl->clients, *next; cl; cl = next) {
        next = cl->next;
        if (now - cl->last_ns <= (int64_t)CTL_IDLE_MS * 1000000 || cl->events ||
            cl->tap >= 0 || cl->held)
            continue;
        if (cl->ending) {
            drop_client(cl); /* it never read its last reply */
        } else {
            ctl_reply_error(cl, "no complete request for %d ms: closing the connection",
                            CTL_IDLE_MS);
            end_client(cl);
        }
    }
}

void ctl_publish_event(struct sup *s, json_t *ev, const char *line)
{
    (void)ev;
    if (!s->ctl)
        return;
    for (struct ctl_client *cl = s->ctl->clients, *next; cl; cl = next) {
        next = cl->next;
        if (cl->events)
            send_line(cl, line, strlen(line));
    }
}
