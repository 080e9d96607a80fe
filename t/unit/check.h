/*
 * check.h - the unit tests' only "framework": CHECK prints a TAP-like line
 * per assertion, check_summary() the closing "N passed, N failed" line and
 * the exit status.
 */
#ifndef NEG_TEST_CHECK_H
#define NEG_TEST_CHECK_H

#include <stdio.h>

static int n_pass, n_fail;

#define CHECK(cond, desc) check_result((cond) ? 1 : 0, (desc), __LINE__)

static void check_result(int ok, const char *desc, int line)
{
    int n = n_pass + n_fail + 1;

    if (ok) {
        n_pass++;
        printf("ok %d - %s\n", n, desc);
    }
    else {
        n_fail++;
        printf("not ok %d - %s (line %d)\n", n, desc, line);
    }
}

static int check_summary(void)
{
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}

#endif
