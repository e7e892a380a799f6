/* mntns.c - see mntns.h. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mntns.h"

/* The namespace, once per test process. Mounts made private first: / is usually
 * shared (systemd), and a mount under a shared one would propagate to the machine. */
static int enter_mount_namespace(void)
{
    static int entered;
    const char *ck = getenv("CK_FORK");

    if (entered)
        return 1;
    ck_assert_msg(!ck || strcmp(ck, "no") != 0,
                  "CK_FORK=no: a private mount namespace must end with its test's process");
    if (unshare(CLONE_NEWNS) != 0) {
        const char *skip = getenv("MQ_TEST_NO_NAMESPACES");
        ck_assert_msg(skip && !strcmp(skip, "1"),
                      "cannot make a private mount namespace: %s (needs CAP_SYS_ADMIN; "
                      "MQ_TEST_NO_NAMESPACES=1 skips the tests that need one)",
                      strerror(errno));
        fprintf(stderr, "skipped: no private mount namespace (%s)\n", strerror(errno));
        return 0;
    }
    ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
                  "making the mounts private: %s", strerror(errno));
    entered = 1;
    return 1;
}

int private_tmpfs(const char *at, size_t size)
{
    char opts[64];

    if (!enter_mount_namespace())
        return 0;
    ck_assert_msg(mkdir(at, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", at, strerror(errno));
    snprintf(opts, sizeof opts, "size=%zu,mode=0755", size);
    ck_assert_msg(mount("mq-test", at, "tmpfs", MS_NOSUID, opts) == 0, "mounting a tmpfs at %s: %s",
                  at, strerror(errno));
    return 1;
}
