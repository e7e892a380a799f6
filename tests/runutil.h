/* runutil.h - running mqgraph from tests: a temporary directory per test, mqgraph
 * started with its output captured to out.txt and err.txt, and files read back. */
#ifndef MQ_TESTS_RUNUTIL_H
#define MQ_TESTS_RUNUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* The plain and the sanitized build of a suite may run at once (make -j), so each
 * names its graphs apart with this suffix: shm_count, wait_running and tests that
 * kill blocks look arenas up by graph name. */
#ifdef MQGRAPH_LIBS
#define SFX "_san"
#else
#define SFX ""
#endif

/* Example graph graphs/NAME.yaml copied here as NAME SFX.yaml, its graph renamed to
 * NAME SFX; returns the copy's file name (static). */
const char *copy_example(const char *name);

/* The directory all tests of a run work under: made before the tests fork (an
 * unchecked fixture), removed with everything in it after them. */
void run_make_base(void);
void run_remove_base(void);
/* A fresh directory under the base, made the current directory. */
void enter_tmpdir(void);
/* That directory's path. */
const char *dir_now(void);

void write_file(const char *path, const char *text);
/* The whole file, NUL-terminated (NULL if it cannot be opened); *len its size. */
char *read_file(const char *path, size_t *len);
/* A text file of one or more numbers per line, as doubles; *n how many. */
double *read_numbers(const char *path, size_t *n);

/* mqgraph (MQGRAPH) with args (NULL-terminated), stdout to out.txt, stderr to
 * err.txt; finish() waits and returns the exit status, or 128 + the signal. */
pid_t start(const char *const *args);
int finish(pid_t pid);
int run(const char *const *args);
/* The same with stdout and stderr to the files named (a graph running in the
 * background and the commands talking to it each have their own). */
pid_t start_to(const char *const *args, const char *out, const char *err);
int run_to(const char *const *args, const char *out, const char *err);
/* start_to, with pre() run in the child just before the exec (a process group of
 * its own, a resource limit). */
pid_t start_with(const char *const *args, const char *out, const char *err, void (*pre)(void));

/* `yaml` written to NAME SFX.yaml and run (with --quiet if `quiet`; the graph is
 * named NAME SFX); returns the exit status. */
int run_yaml(const char *name, const char *yaml, int quiet);
/* The same; the run must exit 0 (its stderr in the failure message) and leave no
 * arena behind. */
void run_yaml_ok(const char *name, const char *yaml, int quiet);
/* The same; the run must fail (exit 1) with `why` on stderr and leave no arena. */
void run_yaml_fails(const char *name, const char *yaml, int quiet, const char *why);


/* Arena objects of graph `name` in /dev/shm. */
int shm_count(const char *name);
/* The same count, and the shm name ("/mq.GRAPH...") of one of them in out. */
int arena_name(const char *graph, char *out, size_t len);
/* Waits (bounded) until graph `name`'s arena exists and `blocks` blocks joined it. */
int wait_running(const char *name, int blocks);
/* Starts NAME.yaml, written here: null_source -> multiply_const -> null_sink, which
 * runs until stopped, and waits until its 3 blocks are running. */
pid_t start_endless(const char *name);

#endif
