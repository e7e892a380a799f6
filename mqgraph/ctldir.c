/* ctldir.c - the per-user directory of control sockets (see ctldir.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctldir.h"
#include "mq.h"

void ctldir_clean_name(const char *name, char *out)
{
    size_t j = 0;

    for (size_t i = 0; name && name[i] && j < 47; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        out[j++] = ok ? c : '_';
    }
    out[j] = 0;
    if (j == 0)
        snprintf(out, 48, "graph");
}

/* A directory nobody but this user can enter or change. */
static int private_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(dir, &st) < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
        snprintf(err, errlen,
                 "%s: not a private directory of this user's (mode %04o, owner uid %d): "
                 "refusing to use it for control sockets",
                 dir, (unsigned)(st.st_mode & 07777), (int)st.st_uid);
        return -1;
    }
    return 0;
}

int ctldir_get(char *dir, size_t len, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (xdg && *xdg)
        snprintf(dir, len, "%s/mq", xdg);
    else
        snprintf(dir, len, "/tmp/mq-%d", (int)getuid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    return private_dir(dir, err, errlen);
}

int ctldir_socket_path(const char *graph, pid_t pid, char *out, size_t len, char *err,
                       size_t errlen)
{
    char dir[512], clean[48];

    if (ctldir_get(dir, sizeof dir, err, errlen) < 0)
        return -1;
    ctldir_clean_name(graph, clean);
    int n = snprintf(out, len, "%s/%s.%d.sock", dir, clean, (int)pid);
    if (n < 0 || (size_t)n >= len || (size_t)n >= CTL_PATH_MAX) {
        snprintf(err, errlen, "the control socket path %s/%s.%d.sock is longer than a Unix "
                 "socket address allows (%zu bytes); set XDG_RUNTIME_DIR to a shorter directory",
                 dir, clean, (int)pid, CTL_PATH_MAX - 1);
        return -1;
    }
    return 0;
}

/* Splits "NAME.PID.sock"; 0 if f is such a name. */
static int parse_name(const char *f, ctl_entry *e)
{
    size_t n = strlen(f);
    const char *dot;
    char *end;

    if (n < 7 || strcmp(f + n - 5, ".sock"))
        return -1;
    for (dot = f + n - 6; dot > f && *dot != '.'; dot--)
        ;
    if (dot == f || (size_t)(dot - f) >= sizeof e->name)
        return -1;
    long pid = strtol(dot + 1, &end, 10);
    if (pid <= 0 || end != f + n - 5)
        return -1;
    memcpy(e->name, f, (size_t)(dot - f));
    e->name[dot - f] = 0;
    e->pid = (pid_t)pid;
    return 0;
}

static int by_name_pid(const void *x, const void *y)
{
    const ctl_entry *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

int ctldir_scan(ctl_entry **out, int *n, int *removed, char *err, size_t errlen)
{
    char dir[512];
    DIR *d;
    struct dirent *de;
    ctl_entry *v = NULL;
    int cap = 0;

    *out = NULL;
    *n = 0;
    if (removed)
        *removed = 0;
    if (ctldir_get(dir, sizeof dir, err, errlen) < 0)
        return -1;
    if (!(d = opendir(dir))) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        ctl_entry e;
        if (parse_name(de->d_name, &e) < 0)
            continue;
        int len = snprintf(e.path, sizeof e.path, "%s/%s", dir, de->d_name);
        if (len < 0 || (size_t)len >= sizeof e.path)
            continue;
        if (kill(e.pid, 0) < 0 && errno == ESRCH) {
            /* Its supervisor is gone (killed with SIGKILL): nobody else removes it. */
            if (unlink(e.path) == 0 && removed)
                (*removed)++;
            continue;
        }
        if (*n == cap) {
            ctl_entry *bigger = realloc(v, sizeof *v * (size_t)(cap = cap ? 2 * cap : 16));
            if (!bigger)
                break;
            v = bigger;
        }
        v[(*n)++] = e;
    }
    closedir(d);
    if (*n > 1)
        qsort(v, (size_t)*n, sizeof *v, by_name_pid);
    *out = v;
    return 0;
}

/* The exact name of the graph entry e runs, from its arena's header (socket names
 * are cleaned: "fk.cc" and "fk cc" are both fk_cc there). 0, or -1 when no arena
 * of its says. */
static int exact_name(const ctl_entry *e, char *out, size_t len)
{
    char prefix[96];
    DIR *d = opendir("/dev/shm");
    struct dirent *de;
    int rc = -1;

    snprintf(prefix, sizeof prefix, "mq.%s.%d.", e->name, (int)e->pid);
    while (d && rc < 0 && (de = readdir(d))) {
        char shm[300];
        mq_arena_origin o;
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        snprintf(shm, sizeof shm, "/%s", de->d_name);
        if (mq_arena_creator_gone(shm, &o) == MQ_CREATOR_ALIVE && o.pid == e->pid) {
            snprintf(out, len, "%.*s", (int)sizeof o.graph_name, o.graph_name);
            rc = 0;
        }
    }
    if (d)
        closedir(d);
    return rc;
}

int ctldir_resolve(const char *spec, ctl_entry *out, char *err, size_t errlen)
{
    char name[48], want[256];
    const char *colon = strrchr(spec, ':');
    long pid = 0;
    ctl_entry *v;
    int n, found = 0;

    snprintf(want, sizeof want, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
    if (colon) {
        char *end;
        pid = strtol(colon + 1, &end, 10);
        if (pid <= 0 || *end) {
            snprintf(err, errlen, "'%s': after the ':' comes a supervisor pid", spec);
            return -1;
        }
    }
    ctldir_clean_name(want, name);
    if (ctldir_scan(&v, &n, NULL, err, errlen) < 0)
        return -1;
    /* A graph is named exactly; its socket's cleaned name also names it when that is
     * what was given (what `list` shows) and no graph has the name exactly. So
     * `stop 'fk cc'` never stops a graph named fk.cc. */
    int exact = 0;
    for (int i = 0; i < n; i++) {
        char real[MQ_NAME_MAX];
        if (strcmp(v[i].name, name) || (pid && v[i].pid != pid))
            continue;
        int known = exact_name(&v[i], real, sizeof real) == 0;
        int is = known && !strcmp(real, want);
        if (is && !exact)
            found = 0; /* exact matches only, from here on */
        /* (an arena that cannot be read leaves the cleaned name to decide) */
        if (is || (!exact && (!known || !strcmp(want, name))))
            v[found++] = v[i]; /* the matches, first in the array */
        exact |= is;
    }
    if (found == 1) {
        *out = v[0];
        free(v);
        return 0;
    }
    if (found == 0) {
        snprintf(err, errlen, "no running graph '%s' of this user's%s", spec,
                 n ? " (mqgraph list shows them)" : "");
    } else {
        size_t at = (size_t)snprintf(err, errlen,
                                     "%d running graphs go by '%s'; name one exactly, or as NAME:PID:",
                                     found, want);
        for (int i = 0; i < found && at < errlen; i++) {
            char real[MQ_NAME_MAX];
            at += (size_t)snprintf(err + at, errlen - at, " %s:%d", v[i].name, (int)v[i].pid);
            if (at < errlen && exact_name(&v[i], real, sizeof real) == 0 && strcmp(real, want))
                at += (size_t)snprintf(err + at, errlen - at, " ('%s')", real);
        }
    }
    free(v);
    return -1;
}
