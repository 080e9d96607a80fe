/*
 * s4u.h - constrained delegation to back ends (NegotiateDelegateTo): the
 * service account's own TGT from the keytab (per process, renewed before
 * it ends), S4U2Proxy (MS-SFU 3.2.5.2) with the client's service ticket as
 * evidence, or S4U2Self first (MS-SFU 3.2.5.1, protocol transition) when
 * the person did not sign in by Kerberos; the tickets go to a per-request
 * ccache in NegotiateDelegationDir. Heimdal's krb5_get_creds does the
 * exchanges. Knows nothing of httpd.
 */
#ifndef NEG_S4U_H
#define NEG_S4U_H

#include <stddef.h>

#include "apr_pools.h"
#include "apr_tables.h"

/* One SPN the KDC would not give a ticket for, or a failure before any
 * SPN was asked: tag (NEG11xx) and a one-line message with the fix. */
typedef struct {
    const char *tag;
    const char *message;
} neg_s4u_refusal;

typedef struct {
    const char *ccache;                 /* the new ccache file, or NULL */
    int n_tickets;                      /* how many SPNs it holds tickets for */
    int n_from_kdc;                     /* ... got from the KDC now */
    int n_from_cache;                   /* ... from this process's cache */
    int self_from_cache;                /* the S4U2Self evidence was cached */
    apr_array_header_t *refusals;       /* neg_s4u_refusal */
} neg_s4u_result;

typedef struct {
    const char *keytab;                 /* NULL: the default keytab */
    const char *service;                /* the ticket's service principal,
                                         * or NULL (S4U2Self) */
    const char *user;                   /* alice@EXAMPLE.TEST */
    const char *user_sid;               /* the account's SID (NULL: not
                                         * known): a reused name is
                                         * another account */
    const unsigned char *evidence;      /* DER Ticket for the service, or
                                         * NULL: S4U2Self first */
    size_t evidence_len;
    int evidence_forwardable;           /* -1: not known */
    const apr_array_header_t *spns;     /* const char * */
    const char *dir;                    /* NegotiateDelegationDir */
    int kdc_timeout_s;                  /* each KDC exchange */
} neg_s4u_request;

/* Get tickets as req->user for each SPN; the ccache (user as its default
 * principal, 0600) is removed when p is cleared. Never fails the logon:
 * what went wrong is in res->refusals. The back-end tickets, and the
 * S4U2Self tickets used as evidence, are kept per process (s4u_cache.h)
 * until a tenth of their life (at least 60 s) before they end, under the
 * keytab (and its file's version), the service, the user and its SID,
 * the SPN and the kind of evidence; refusals are not kept. */
void neg_s4u_delegate(apr_pool_t *p, const neg_s4u_request *req,
                      neg_s4u_result *res);

/* negotiate-doctor's check of a NegotiateDelegateTo setting, without the
 * cache and without writing a ccache: the service account's TGT from
 * req->keytab, S4U2Self as req->user (NULL: the account itself), then
 * S4U2Proxy with that ticket to each of req->spns. A refusal says what to
 * change, as the module's NEG11xx lines do. */
typedef struct {
    const char *spn;
    const neg_s4u_refusal *refusal;     /* NULL: the KDC gave a ticket */
} neg_s4u_spn_check;

typedef struct {
    const neg_s4u_refusal *tgt;         /* NULL: the account's TGT came */
    const char *account;                /* httpsvc@EXAMPLE.TEST */
    const char *as_user;                /* whom S4U2Self was asked for */
    const neg_s4u_refusal *self;        /* NULL: a forwardable ticket came */
    apr_array_header_t *spns;           /* neg_s4u_spn_check, after S4U2Self */
} neg_s4u_check_result;

void neg_s4u_check(apr_pool_t *p, const neg_s4u_request *req,
                   neg_s4u_check_result *out);

/* An httpd child's start: its cache of delegated tickets is wiped and
 * freed when pchild is (the child's end). */
void neg_s4u_child_init(apr_pool_t *pchild);

#endif
