/* ctldir.h - where the control sockets of a user's running graphs live, and finding
 * them by name.
 *
 * Every running graph's supervisor listens on one Unix socket in a per-user
 * directory: $XDG_RUNTIME_DIR/mq if that variable is set, else /tmp/mq-UID. The
 * directory is made mode 0700 and refused if it is not a directory of this user's
 * that nobody else can enter (a /tmp name another user made first must not
 * receive our sockets). A socket is named GRAPH.PID.sock, GRAPH the graph's name
 * with every character but letters, digits, '-' and '_' made '_', cut to 47.
 *
 * The cleaned name is not the graph's: a lookup by name (ctldir_resolve) takes the
 * exact name from each candidate's arena, so `fk.cc` and `fk cc` are told apart,
 * and the cleaned name (what `list` shows) finds a graph only if none has the name
 * exactly.
 *
 * A supervisor killed with SIGKILL cannot remove its socket; the next scan (list,
 * run, or any command that looks a graph up) removes the sockets whose PID no
 * longer exists. A socket whose PID lives on (reused by another process) but does
 * not answer is skipped, not removed: its owner may just be starting.
 */
#ifndef MQG_CTLDIR_H
#define MQG_CTLDIR_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#define CTL_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

typedef struct ctl_entry {
    char name[48];          /* as in the file name (cleaned) */
    pid_t pid;
    char path[CTL_PATH_MAX];
} ctl_entry;

/* The directory, created if missing. 0, or -1 with the reason in err. */
int ctldir_get(char *dir, size_t len, char *err, size_t errlen);

/* The socket path of graph `graph` run by `pid`. 0, or -1 (too long for a Unix
 * socket address) with the reason in err. */
int ctldir_socket_path(const char *graph, pid_t pid, char *out, size_t len, char *err,
                       size_t errlen);

/* The sockets of live supervisors, sorted by name then pid, in a malloc'd array
 * (*n entries); stale ones are removed, and each removal reported in *removed (may
 * be NULL). Returns 0, or -1 with the reason in err. */
int ctldir_scan(ctl_entry **out, int *n, int *removed, char *err, size_t errlen);

/* The one graph that `spec` names: NAME (cleaned as above) or NAME:PID. 0, or -1
 * with the reason in err: no such graph, or several (all listed). */
int ctldir_resolve(const char *spec, ctl_entry *out, char *err, size_t errlen);

/* `name` cleaned as socket names are, into out (48 bytes). */
void ctldir_clean_name(const char *name, char *out);

#endif
