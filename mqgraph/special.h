/* special.h - declarations a module makes from the graph file (block.h,
 * MQ_BLOCK_SPECIALIZE), asked of a helper process forked for one block.
 *
 * special_start forks the helper; special_ask sends it a stage and the block's
 * parameters and returns the declaration it made, copied into one allocation the
 * caller frees with free(); special_stop closes the pipes and reaps the helper. The
 * helper never outlives mqgraph (PR_SET_PDEATHSIG) and writes nothing to mqgraph's
 * stdout (its stdout is mqgraph's stderr).
 */
#ifndef MQG_SPECIAL_H
#define MQG_SPECIAL_H

#include <stddef.h>
#include <sys/types.h>

#include "catalog.h"

typedef struct mqg_special {
    const mqg_module *m;
    pid_t pid;
    int to, from; /* the pipes' ends: requests, answers */
} mqg_special;

/* 0, or -1 with the reason in err. */
int special_start(const mqg_module *m, mqg_special *s, char *err, size_t len);
/* The declaration the module makes at `stage` of these parameters: 0 with *out set,
 * or -1 with the reason in err and *bad the parameter at fault (-1: none), the
 * module's or the helper's (a helper that died says how). */
int special_ask(mqg_special *s, int stage, int n, char *const *kv, mq_block_decl **out,
                int *bad, char *err, size_t len);
void special_stop(mqg_special *s);

#endif
