/* leftovers.h - removing the arenas that runs which died left in /dev/shm.
 *
 * A supervisor killed with SIGKILL cannot remove its arena, and its blocks die with
 * it (PR_SET_PDEATHSIG), so nothing of that run ever will. Every `mqgraph run` (at
 * start, before it makes its own arena, so that what the leftovers held counts as
 * free) and every `mqgraph list` removes each arena in /dev/shm whose creator is
 * provably gone (mq_arena_creator_gone: its pid no longer exists, is a zombie, or
 * is another process's that started later), whichever graph it was, and says so on
 * stderr. An arena whose creator may be running, one being made right now, and
 * anything that cannot be read as an arena are left alone. */
#ifndef MQG_LEFTOVERS_H
#define MQG_LEFTOVERS_H

/* Removes them, one line on stderr for each; returns how many. */
int leftovers_remove_arenas(void);

#endif
