/* ctlclient.c - talking to a running graph's supervisor (see ctlclient.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"

int ctlc_open_path(ctlc *c, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    c->len = 0;
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "%s: path too long for a Unix socket", path);
        return -1;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

int ctlc_open(ctlc *c, const char *spec, char *err, size_t errlen)
{
    c->fd = -1;
    if (ctldir_resolve(spec, &c->e, err, errlen) < 0)
        return -1;
    return ctlc_open_path(c, c->e.path, err, errlen);
}

void ctlc_close(ctlc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

int ctlc_send(ctlc *c, const json_t *req, char *err, size_t errlen)
{
    char *text = json_dumps(req, JSON_COMPACT | JSON_REAL_PRECISION(17));
    size_t len, done = 0;

    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    len = strlen(text);
    text[len++] = '\n'; /* json_dumps's NUL becomes the line's end */
    while (done < len) {
        ssize_t n = send(c->fd, text + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int closed = errno == EPIPE || errno == ECONNRESET;
            snprintf(err, errlen, closed ? "the graph closed the connection"
                                         : "sending to the graph: %s",
                     strerror(errno));
            free(text);
            return closed ? CTLC_CLOSED : -1;
        }
        done += (size_t)n;
    }
    free(text);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int ctlc_next(ctlc *c, json_t **out, int timeout_ms, char *err, size_t errlen)
{
    int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
    char *nl;

    *out = NULL;
    while (!(nl = memchr(c->buf, '\n', c->len))) {
        struct pollfd p = {c->fd, POLLIN, 0};
        int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && wait <= 0) {
            snprintf(err, errlen, "no answer from the graph within %d ms", timeout_ms);
            return -1;
        }
        if (poll(&p, 1, wait) < 0 && errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return -1;
        }
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (c->len == sizeof c->buf) {
            snprintf(err, errlen, "a reply line longer than %zu bytes", sizeof c->buf);
            return -1;
        }
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "reading from the graph: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        c->len += (size_t)n;
    }
    json_error_t je;
    size_t n = (size_t)(nl - c->buf);
    *out = json_loadb(c->buf, n, 0, &je);
    memmove(c->buf, nl + 1, c->len - n - 1);
    c->len -= n + 1;
    if (!*out) {
        snprintf(err, errlen, "the graph sent a line that is not JSON: %s", je.text);
        return -1;
    }
    return 1;
}

int ctlc_call(ctlc *c, json_t *req, json_t **reply, int timeout_ms, char *err, size_t errlen)
{
    int rc = req ? ctlc_send(c, req, err, errlen) : -1;

    if (!req)
        snprintf(err, errlen, "out of memory");
    json_decref(req);
    *reply = NULL;
    if (rc < 0)
        return rc;
    rc = ctlc_next(c, reply, timeout_ms, err, errlen);
    if (rc == 0) {
        snprintf(err, errlen, "the graph closed the connection");
        return CTLC_CLOSED;
    }
    if (rc < 0)
        return -1;
    if (!json_is_true(json_object_get(*reply, "ok"))) {
        const char *why = json_string_value(json_object_get(*reply, "error"));
        snprintf(err, errlen, "%s", why ? why : "the graph refused the request");
        json_decref(*reply);
        *reply = NULL;
        return -1;
    }
    return 0;
}
