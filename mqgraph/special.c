/* special.c - declarations made from the graph file, asked of a helper process.
 *
 * A specializer (block.h) loads what the block is written in: the python block
 * starts an interpreter, imports the user's file and makes an instance of its
 * class. None of that may happen in mqgraph's own process, which goes on to be the
 * supervisor and forks every block: an interpreter's threads, signal handlers and
 * imported state would be in each of them, and the user's code could hang or crash
 * the supervisor. So each block that needs one gets a helper, forked here while
 * mqgraph validates (no thread of mqgraph's exists yet); it answers its requests on
 * a pipe and ends when mqgraph closes it, taking everything it loaded with it.
 *
 * Both ends are the same executable, so the records are in host byte order: a
 * request is u32 stage, u32 n, then n strings; an answer is u32 length, then i32 rc,
 * i32 bad and either the error or the declaration's parts (doc, tag_policy,
 * whether it has work, the parameters, the inputs, the outputs). A string is u32 n
 * and n bytes with the NUL, or n = 0 for NULL, so the answer's strings can be used
 * where they lie once it is copied into the declaration's allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "special.h"

/* ---- the records ------------------------------------------------------------------ */

struct wbuf {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct wbuf *w, const void *data, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = (w->len + n) * 2 + 256;
        char *p = realloc(w->p, cap);
        if (!p) {
            w->failed = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
    put(w, &v, sizeof v);
}

static void put_str(struct wbuf *w, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0;
    put_u32(w, n);
    put(w, s, n);
}

static void put_ports(struct wbuf *w, const mq_port_decl *p, int n)
{
    put_u32(w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        put_str(w, p[i].name);
        put_u32(w, (uint32_t)p[i].type);
        put_str(w, p[i].type_param);
        put_str(w, p[i].vlen_param);
    }
}

static void put_decl(struct wbuf *w, const mq_block_decl *d)
{
    put_str(w, d->doc);
    put_u32(w, d->tag_policy);
    put_u32(w, d->work != NULL);
    put_u32(w, (uint32_t)d->n_params);
    for (int k = 0; k < d->n_params; k++) {
        const mq_param_decl *p = &d->params[k];
        put_str(w, p->name);
        put_u32(w, (uint32_t)p->type);
        put_str(w, p->def);
        put(w, &p->min, sizeof p->min);
        put(w, &p->max, sizeof p->max);
        put_str(w, p->choices);
        put_str(w, p->doc);
        put_u32(w, p->flags);
    }
    put_ports(w, d->in, d->n_in);
    put_ports(w, d->out, d->n_out);
}

struct rbuf {
    char *p;
    size_t len, at;
    int failed;
};

static void get(struct rbuf *r, void *out, size_t n)
{
    if (r->failed || n > r->len - r->at) {
        r->failed = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p + r->at, n);
    r->at += n;
}

static uint32_t get_u32(struct rbuf *r)
{
    uint32_t v;
    get(r, &v, sizeof v);
    return v;
}

/* A string where it lies in the record, or NULL. */
static const char *get_str(struct rbuf *r)
{
    uint32_t n = get_u32(r);
    const char *s = r->p + r->at;

    if (r->failed || n == 0)
        return NULL;
    if (n > r->len - r->at || s[n - 1] != 0) {
        r->failed = 1;
        return NULL;
    }
    r->at += n;
    return s;
}

/* A count of records of at least `least` bytes each that the rest can hold. */
static int get_count(struct rbuf *r, size_t least)
{
    uint32_t n = get_u32(r);

    if (r->failed || n > (r->len - r->at) / least || n > INT32_MAX) {
        r->failed = 1;
        return 0;
    }
    return (int)n;
}

static void get_ports(struct rbuf *r, mq_port_decl *p, int n)
{
    for (int i = 0; i < n && !r->failed; i++) {
        p[i].name = get_str(r);
        p[i].type = (mq_item_type)get_u32(r);
        p[i].type_param = get_str(r);
        p[i].vlen_param = get_str(r);
    }
}

/* ---- the helper -------------------------------------------------------------------- */

static int read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    size_t put_ = 0;

    while (put_ < n) {
        ssize_t k = write(fd, (const char *)buf + put_, n - put_);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        put_ += (size_t)k;
    }
    return 0;
}

/* One request's parameters, or NULL at the end (mqgraph closed the pipe). */
static char **read_request(int fd, uint32_t *stage, int *n)
{
    uint32_t hdr[2];
    char **kv;

    if (read_full(fd, hdr, sizeof hdr) < 0 || hdr[1] > MQ_SPECIALIZED_MAX ||
        !(kv = calloc(hdr[1] + 1, sizeof *kv)))
        return NULL;
    *stage = hdr[0];
    *n = (int)hdr[1];
    for (int i = 0; i < *n; i++) {
        uint32_t len;
        if (read_full(fd, &len, sizeof len) < 0 || len > MQ_SPECIALIZED_MAX ||
            !(kv[i] = calloc(len + 1, 1)) || read_full(fd, kv[i], len) < 0)
            return NULL; /* the process ends now: nothing to free */
    }
    return kv;
}

static void answer(int fd, int rc, int bad, const char *err, const mq_block_decl *d)
{
    struct wbuf w = {0};
    uint32_t len = 0;

    put_u32(&w, len); /* the length, written below */
    put_u32(&w, (uint32_t)rc);
    put_u32(&w, (uint32_t)bad);
    if (rc < 0)
        put_str(&w, err);
    else
        put_decl(&w, d);
    if (w.failed || w.len - 4 > MQ_SPECIALIZED_MAX)
        _exit(4); /* mqgraph says the helper died */
    len = (uint32_t)(w.len - 4);
    memcpy(w.p, &len, sizeof len);
    if (write_full(fd, w.p, w.len) < 0)
        _exit(0);
    free(w.p);
}

/* The helper's life: requests until mqgraph closes the pipe. It leaves by _exit, so
 * nothing of mqgraph's (stdio buffers, atexit handlers) runs twice. */
static void helper_main(const mqg_module *m, int rfd, int wfd, pid_t parent)
{
    mq_block_decl d = *m->decl;
    char err[MQ_BLOCK_ERROR_MAX];
    uint32_t stage;
    char **kv;
    int n;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    dup2(2, 1); /* what the user's code prints is no part of mqgraph's output */
    while ((kv = read_request(rfd, &stage, &n))) {
        int bad = -1;
        err[0] = 0;
        int rc = m->specialize((int)stage, n, kv, &d, &bad, err, sizeof err) < 0 ? -1 : 0;
        if (rc < 0 && !err[0])
            snprintf(err, sizeof err, "its declaration could not be made");
        answer(wfd, rc, bad, err, &d);
        for (int i = 0; i < n; i++)
            free(kv[i]);
        free(kv);
    }
    _exit(0);
}

int special_start(const mqg_module *m, mqg_special *s, char *err, size_t len)
{
    int req[2], ans[2];
    pid_t parent = getpid();

    *s = (mqg_special){.m = m, .pid = -1, .to = -1, .from = -1};
    if (pipe2(req, O_CLOEXEC) < 0)
        goto fail;
    if (pipe2(ans, O_CLOEXEC) < 0) {
        close(req[0]);
        close(req[1]);
        goto fail;
    }
    fflush(NULL);
    s->pid = fork();
    if (s->pid == 0) {
        close(req[1]);
        close(ans[0]);
        helper_main(m, req[0], ans[1], parent);
    }
    close(req[0]);
    close(ans[1]);
    s->to = req[1];
    s->from = ans[0];
    if (s->pid > 0)
        return 0;
    special_stop(s);
fail:
    snprintf(err, len, "cannot start a helper for its declaration: %s", strerror(errno));
    return -1;
}

/* ---- asking ------------------------------------------------------------------------ */

static int send_request(mqg_special *s, int stage, int n, char *const *kv)
{
    struct wbuf w = {0};
    int rc;

    put_u32(&w, (uint32_t)stage);
    put_u32(&w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        put_u32(&w, (uint32_t)strlen(kv[i]));
        put(&w, kv[i], strlen(kv[i]));
    }
    rc = w.failed ? -1 : write_full(s->to, w.p, w.len);
    free(w.p);
    return rc;
}

/* Why the helper gave no answer: it died (reaped here), or wrote nonsense. */
static void helper_died(mqg_special *s, char *err, size_t len)
{
    int st = 0;

    close(s->to);
    s->to = -1;
    if (s->pid > 0 && waitpid(s->pid, &st, 0) == s->pid) {
        s->pid = -1;
        if (WIFSIGNALED(st)) {
            snprintf(err, len, "the helper making its declaration was killed by signal %d (%s)",
                     WTERMSIG(st), strsignal(WTERMSIG(st)));
            return;
        }
        snprintf(err, len, "the helper making its declaration exited with status %d",
                 WEXITSTATUS(st));
        return;
    }
    snprintf(err, len, "the helper making its declaration gave no answer");
}

/* The declaration of the answer in r (its rc was 0), in one allocation. */
static mq_block_decl *decl_of(const mqg_special *s, struct rbuf *r)
{
    size_t least_param = 4 * 5 + 2 * sizeof(double) + 4, least_port = 4 * 4;
    struct rbuf probe = *r;

    /* the counts first, to size the allocation: a walk over a copy */
    get_str(&probe), get_u32(&probe), get_u32(&probe);
    int np = get_count(&probe, least_param);
    for (int k = 0; k < np && !probe.failed; k++) {
        get_str(&probe), get_u32(&probe), get_str(&probe);
        probe.at += 2 * sizeof(double);
        get_str(&probe), get_str(&probe), get_u32(&probe);
    }
    int ni = get_count(&probe, least_port);
    for (int i = 0; i < ni && !probe.failed; i++)
        get_str(&probe), get_u32(&probe), get_str(&probe), get_str(&probe);
    int no = get_count(&probe, least_port);
    if (probe.failed)
        return NULL;

    size_t head = sizeof(mq_block_decl) + sizeof(mq_param_decl) * (size_t)np +
                  sizeof(mq_port_decl) * (size_t)(ni + no);
    mq_block_decl *d = calloc(1, head + r->len);
    if (!d)
        return NULL;
    mq_param_decl *p = (mq_param_decl *)(d + 1);
    mq_port_decl *in = (mq_port_decl *)(p + np), *out = in + ni;
    struct rbuf c = {(char *)d + head, r->len, r->at, 0};
    memcpy(c.p, r->p, r->len); /* the strings are used where they lie in this copy */

    *d = *s->m->decl;
    d->doc = get_str(&c);
    d->tag_policy = get_u32(&c);
    if (!get_u32(&c))
        d->work = NULL;
    d->n_params = get_count(&c, least_param);
    d->params = np ? p : NULL;
    for (int k = 0; k < np; k++) {
        p[k].name = get_str(&c);
        p[k].type = (mq_param_type)get_u32(&c);
        p[k].def = get_str(&c);
        get(&c, &p[k].min, sizeof p[k].min);
        get(&c, &p[k].max, sizeof p[k].max);
        p[k].choices = get_str(&c);
        p[k].doc = get_str(&c);
        p[k].flags = get_u32(&c);
    }
    d->n_in = get_count(&c, least_port);
    d->in = ni ? in : NULL;
    get_ports(&c, in, ni);
    d->n_out = get_count(&c, least_port);
    d->out = no ? out : NULL;
    get_ports(&c, out, no);
    if (c.failed) {
        free(d);
        return NULL;
    }
    return d;
}

int special_ask(mqg_special *s, int stage, int n, char *const *kv, mq_block_decl **out,
                int *bad, char *err, size_t len)
{
    struct rbuf r = {0};
    uint32_t alen;
    char why[512];
    int rc = -1;

    *out = NULL;
    *bad = -1;
    if (s->to < 0 || send_request(s, stage, n, kv) < 0 ||
        read_full(s->from, &alen, sizeof alen) < 0 || alen > MQ_SPECIALIZED_MAX ||
        !(r.p = malloc(alen + 1)) || read_full(s->from, r.p, alen) < 0) {
        helper_died(s, err, len);
        free(r.p);
        return -1;
    }
    r.len = alen;
    int answered = (int)get_u32(&r);
    *bad = (int)get_u32(&r);
    if (*bad < -1 || *bad >= n)
        *bad = -1;
    if (answered < 0) {
        const char *e = get_str(&r);
        snprintf(err, len, "%s", e ? e : "its declaration could not be made");
    } else if (r.failed || !(*out = decl_of(s, &r))) {
        snprintf(err, len, "the helper making its declaration answered nonsense");
    } else if (mq_block_decl_check(*out, why, sizeof why) < 0) {
        snprintf(err, len, "bad declaration: %s", why);
        free(*out);
        *out = NULL;
    } else {
        rc = 0;
    }
    free(r.p);
    return rc;
}

void special_stop(mqg_special *s)
{
    if (s->to >= 0)
        close(s->to);
    if (s->from >= 0)
        close(s->from);
    if (s->pid > 0)
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    s->to = s->from = s->pid = -1;
}
