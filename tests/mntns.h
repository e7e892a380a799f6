/* mntns.h - a test's own tmpfs, in a mount namespace of its own, for tests that
 * need a full file system, a small /dev/shm or device files. */
#ifndef MQ_MNTNS_H
#define MQ_MNTNS_H

#include <stddef.h>

/* Gives this test a mount namespace of its own (on the first call) and mounts a
 * fresh tmpfs of `size` bytes at `at` (made if missing, relative to the current
 * directory or absolute: /dev/shm too). The test and the processes it starts see
 * that tmpfs, and what the test makes there (device files with mknod, a full file
 * system, a bind mount); nothing outside does, and it all goes when the test's
 * process ends. Check runs each test in a process of its own (CK_FORK, its default),
 * so a test must not run under CK_FORK=no: this fails it then.
 * Needs CAP_SYS_ADMIN. Without it the test fails, saying so, unless the environment
 * has MQ_TEST_NO_NAMESPACES=1: then it prints that it skips and returns 0, and the
 * test returns. 1 when mounted. */
int private_tmpfs(const char *at, size_t size);

#endif
