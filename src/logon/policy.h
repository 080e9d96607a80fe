/*
 * policy.h - what a location (its merged neg_dir_conf) offers and accepts:
 * the schemes it offers, the defaults of unset directives, and whether an
 * identity may enter it: the one decision of what an identity proved
 * elsewhere (on this connection, by the request an internal redirect or
 * subrequest came from, in a session, at an earlier SPNEGO leg) is worth
 * here.
 * Pure: no httpd types.
 */
#ifndef NEG_POLICY_H
#define NEG_POLICY_H

#include "apr_pools.h"

#include "config.h"
#include "header.h"
#include "identity.h"

/* NegotiateProviders, or the default (Negotiate NTLM). */
const neg_provider *neg_providers(const neg_dir_conf *c, int *n);
int neg_offers(const neg_dir_conf *c, neg_provider p);

/* Basic is offered on TLS, or on plain HTTP when explicitly allowed. */
int neg_basic_offered(const neg_dir_conf *c, int tls);

/* Would this location accept a token under this scheme? */
int neg_scheme_offered(const neg_dir_conf *c, int tls, neg_scheme s);

/* "NegotiateProviders Negotiate NTLM, NegotiateBasic On", for log lines. */
const char *neg_providers_text(apr_pool_t *p, const neg_dir_conf *c, int tls);

/* Values of directives, their defaults applied. */
size_t neg_max_token(const neg_dir_conf *c);
int neg_winbind_timeout_ms(const neg_dir_conf *c);
neg_user_format neg_user_format_of(const neg_dir_conf *c);
int neg_machine_accounts_allowed(const neg_dir_conf *c);

/* The paths by which an identity reaches a request (policy.c). */
typedef enum {
    NEG_VIA_LOGON = 0,      /* this request's own credentials */
    NEG_VIA_CONNECTION,     /* bound to this connection by an earlier logon */
    NEG_VIA_REQUEST,        /* the request an internal redirect or a
                             * subrequest came from */
    NEG_VIA_SESSION,        /* a NegotiateSession cookie */
    NEG_VIA_HANDSHAKE,      /* a SPNEGO leg before this one */
    NEG_VIA_BASIC_CACHE     /* Basic credentials verified on this connection */
} neg_via;

/* Where a request stands: its location's rules and what it is. */
typedef struct {
    const neg_dir_conf *conf;
    int tls;                    /* the connection is TLS */
    int proxy;                  /* a forward-proxy request (407) */
    int epa;                    /* NegotiateExtendedProtection, resolved */
    apr_time_t now;
    /* the digest of this location's SessionCryptoPassphrase (session_memo.h),
     * or NULL when it has none or it was not needed */
    const unsigned char *session_crypto;
} neg_place;

/* The one question every path asks, with this one function: may this
 * identity, proved the way it was and carried the way it came, enter this
 * place? NULL if so, else why not (for a log line). Every rule a location
 * sets is checked against what the identity records of its proof
 * (identity.h): the scheme and mechanism, NTLMv1, the keytab and the
 * ticket's service, TLS, channel binding, a computer account, proxy or
 * server; a session's rules where it came in a cookie (on any path after
 * that); NegotiatePersistKerberos for the connection. */
const char *neg_policy_admits(apr_pool_t *p, const neg_place *here,
                              const neg_identity *id, neg_via via);

#endif
