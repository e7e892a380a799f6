/* proctitle.h - naming a block's process after its block, so ps, top and
 * /proc/PID/comm show "mq:GRAPH:BLOCK" instead of "mqgraph".
 *
 * The kernel's name (PR_SET_NAME) holds 15 bytes; ps's command line is the memory
 * of argv itself, which a process may overwrite in place up to the end of its
 * original arguments and environment (the environment is moved to the heap first,
 * so getenv still works). That is what setproctitle does on the BSDs. */
#ifndef MQG_PROCTITLE_H
#define MQG_PROCTITLE_H

/* Called first thing in main: remembers where argv lives. */
void proctitle_init(int argc, char **argv);

/* In a block's process: both names become "mq:GRAPH:BLOCK" (the kernel's cut to
 * 15 bytes). */
void proctitle_block(const char *graph, const char *block);

#endif
