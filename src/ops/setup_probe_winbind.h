/*
 * setup_probe_winbind.h - winbind's facts that setup_check.c judges:
 * winbindd, its domain controller, and its privileged pipe as the Apache
 * user (through the module's own winbind.h). No httpd types.
 */
#ifndef NEG_SETUP_PROBE_WINBIND_H
#define NEG_SETUP_PROBE_WINBIND_H

#include "apr_pools.h"
#include "apr_tables.h"

#include "setup_check.h"

/* The directory of winbind's privileged pipe (winbindd listens on
 * DIR/pipe, which /proc/net/unix lists), or NULL. Only a socket of root's
 * in a directory of root's closed to others' writes: sockets of that name
 * that are not are added to skipped (may be NULL) as "DIR/pipe (why)". */
const char *neg_probe_priv_dir(apr_pool_t *p, apr_array_header_t *skipped);

typedef struct {
    const char *priv_dir;       /* NULL: find it */
    const char *ntlm_user;      /* DOMAIN\user for a test logon, or NULL */
    const char *ntlm_password;
} neg_winbind_request;

/* winbindd, its domain controller, the privileged pipe as the Apache user
 * (a logon through it: the test user's, or else one for a user that does
 * not exist, which the domain refuses). */
void neg_probe_winbind(apr_pool_t *p, const neg_winbind_request *req,
                       const neg_apache_user *u, neg_winbind_facts *out);

#endif
