/*
 * setup_probe.h - gather the facts that setup_check.c judges: the keytab's
 * keys, the Apache user, DNS, the KDC's time and its answer to a ticket
 * request (decrypted with the module's own acceptor, kerberos.c), and
 * winbind (through the module's own winbind.c).
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

/* The keytab's keys. keytab NULL: the system default; a bare path means
 * FILE:path. *resolved is the name used, *path the file (NULL for other
 * keytab types). Returns NULL or why the keytab cannot be read. */
const char *neg_probe_keytab(apr_pool_t *p, const char *keytab,
                             const char **resolved, const char **path,
                             neg_key **keys, size_t *n_keys);

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

/* The KDC's clock: offset = local clock - KDC's clock, in seconds, from
 * the time stamp of the KDC's answer to an AS-REQ (RFC 4120 5.9.1: every
 * KRB-ERROR carries stime/susec). realm NULL: the default realm. *max_skew
 * is the allowed skew (krb5.conf clockskew). NULL or why not. */
const char *neg_probe_kdc_time(apr_pool_t *p, const char *realm, double *offset,
                               const char **kdc, int *max_skew);

typedef struct {
    const char *spn;            /* HTTP/host, without realm */
    const char *realm;          /* NULL: the client's realm */
    const char *user;           /* NULL: credentials from the ccache */
    const char *password;
    const char *keytab;         /* for the acceptor; NULL: the default */
    const apr_array_header_t *principals;   /* NegotiateServicePrincipal */
} neg_kdc_request;

/* Ask the KDC for a ticket for spn as a browser would, and hand it, as a
 * GSS token, to the module's acceptor with the keytab. The user's ccache
 * is not changed (the TGT is copied into a MEMORY ccache). */
void neg_probe_kdc(apr_pool_t *p, const neg_kdc_request *req,
                   neg_kdc_facts *out);

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
