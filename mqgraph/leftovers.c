/* leftovers.c - removing the arenas of runs that died (see leftovers.h).
 *
 * Why it is safe to remove another graph's arena, and from any run: the decision
 * is libmq's (mq_arena_creator_gone), from the object's own header and never from
 * its name alone, and it answers "gone" only with a proof: a process that no longer
 * exists, or a pid now held by a process started later, neither of which can ever
 * use the arena or remove it again. Its name is nobody's but that dead run's (the
 * pid and 64 random bits are in it), so no new arena can appear under it between
 * the look and the unlink. Two sweeps at once are harmless: shm_unlink removes the
 * object once, and only the sweep that removed it reports it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "mq.h"

#include "leftovers.h"

/* The graph's name as the header holds it, for a terminal: it is whatever a
 * graph file said, and control characters are shown as '?'. */
static void printable(const char *in, char *out, size_t len)
{
    size_t j = 0;

    for (; *in && j + 1 < len; in++)
        out[j++] = (unsigned char)*in < 0x20 || *in == 0x7f ? '?' : *in;
    out[j] = 0;
}

static void report(const char *shm, const mq_arena_origin *o, int why)
{
    char graph[MQ_NAME_MAX];
    const char *how = why == MQ_CREATOR_REPLACED ? "its pid now another process's"
                                                 : "no longer running";

    printable(o->graph_name, graph, sizeof graph);
    if (graph[0])
        fprintf(stderr, "mqgraph: removed the arena %s left by graph '%s' (pid %d, %s)\n",
                shm, graph, (int)o->pid, how);
    else
        fprintf(stderr, "mqgraph: removed the arena %s (arena version %u) left by pid %d "
                        "(%s)\n",
                shm, o->version, (int)o->pid, how);
}

int leftovers_remove_arenas(void)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int removed = 0;

    while (d && (e = readdir(d))) {
        char shm[MQ_SHM_NAME_MAX];
        mq_arena_origin o;
        if (strncmp(e->d_name, "mq.", 3) || strlen(e->d_name) + 2 > sizeof shm)
            continue;
        snprintf(shm, sizeof shm, "/%s", e->d_name);
        int why = mq_arena_creator_gone(shm, &o);
        if (why != MQ_CREATOR_EXITED && why != MQ_CREATOR_REPLACED)
            continue;
        if (mq_arena_unlink(shm) == 0) {
            report(shm, &o, why);
            removed++;
        }
    }
    if (d)
        closedir(d);
    return removed;
}
