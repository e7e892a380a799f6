/* suite.h - running a Check suite: what every test program's main ends with. */
#ifndef MQ_TESTS_SUITE_H
#define MQ_TESTS_SUITE_H

#include <check.h>
#include <stdlib.h>

/* Runs the suite (each test in its own process), prints the results, and returns
 * the exit status for main. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
