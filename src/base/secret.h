/*
 * secret.h - comparing and forgetting secrets (keys, MACs, passwords,
 * responses): compared in constant time, by roken's ct_memcmp (how long
 * the comparison takes does not tell where two values differ), and wiped
 * with a function the compiler keeps, glibc's explicit_bzero (a memset of
 * memory about to be freed may be dropped as a dead store).
 */
#ifndef NEG_SECRET_H
#define NEG_SECRET_H

#include <stddef.h>
#include <string.h>

/* roken's (libroken, linked with Heimdal's libraries); declared here as
 * roken-common.h declares it, which needs all of roken.h around it */
int ct_memcmp(const volatile void *volatile a, const volatile void *volatile b,
              size_t n);

/* 1 when the n bytes of a and b are equal, in time that depends on n only. */
static inline int neg_ct_equal(const void *a, const void *b, size_t n)
{
    return ct_memcmp(a, b, n) == 0;
}

static inline void neg_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        explicit_bzero(p, n);
}

#endif
