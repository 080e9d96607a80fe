/*
 * setup_probe.h - gather the facts that setup_check.c judges: the Apache
 * user, and probes run as that user, and DNS here; the keytab and the KDC
 * in setup_probe_krb5.h, winbind in setup_probe_winbind.h (both included
 * here, for the doctor and the start-up checks).
 *
 * No httpd types: negotiate-doctor uses these, and the module's start-up
 * checks can. Probes that must run as the Apache user fork a child that
 * takes that user's identity (as httpd's workers do: Group, then the
 * User's supplementary groups, then User).
 */
#ifndef NEG_SETUP_PROBE_H
#define NEG_SETUP_PROBE_H

#include <sys/stat.h>

#include "apr_pools.h"
#include "apr_tables.h"

#include "setup_check.h"
#include "setup_probe_krb5.h"
#include "setup_probe_winbind.h"

/* Who httpd's workers are: User and Group (group NULL: the user's primary
 * group) and the user's supplementary groups. NULL or why not. */
const char *neg_probe_apache_user(apr_pool_t *p, const char *user,
                                  const char *group, neg_apache_user *out);

/* Take the Apache user's identity for good, as httpd's workers do (for a
 * child process): 1 when done. */
int neg_probe_become(const neg_apache_user *u);

/* Run fn in a child process as the Apache user; fn writes at most cap-1
 * bytes of text into out. Returns fn's result (0-127), or -1 when it could
 * not be run as that user (not root, and not that user already). */
int neg_probe_as_user(const neg_apache_user *u,
                      int (*fn)(void *arg, char *out, size_t cap), void *arg,
                      char *out, size_t cap);

/* Whether the Apache user can open path for reading: 1 yes, 0 no (errno in
 * *err), -1 not tried. */
int neg_probe_readable_as(const neg_apache_user *u, const char *path, int *err);

/* DNS facts for a host; address (may be NULL) replaces the forward
 * lookup (--resolve). */
void neg_probe_dns(apr_pool_t *p, const char *host, const char *address,
                   neg_dns_facts *out);

#endif
