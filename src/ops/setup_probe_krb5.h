/*
 * setup_probe_krb5.h - the Kerberos facts that setup_check.c judges: the
 * keytab's keys, the KDC's time and its answer to a ticket request
 * (decrypted with the module's own acceptor, kerberos.h). No httpd types.
 */
#ifndef NEG_SETUP_PROBE_KRB5_H
#define NEG_SETUP_PROBE_KRB5_H

#include "apr_pools.h"
#include "apr_tables.h"

#include "setup_check.h"
#include "setup_check_krb5.h"

/* The keytab's keys. keytab NULL: the system default; a bare path means
 * FILE:path. *resolved is the name used, *path the file (NULL for other
 * keytab types). Returns NULL or why the keytab cannot be read. */
const char *neg_probe_keytab(apr_pool_t *p, const char *keytab,
                             const char **resolved, const char **path,
                             neg_key **keys, size_t *n_keys);

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

#endif
