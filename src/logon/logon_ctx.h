/*
 * logon_ctx.h - the request as a logon sees it (neg_logon_ctx), and what a
 * mechanism or SPNEGO may ask of it: the winbind budget left, the one
 * reuse question (policy.c), the stamp on a proved identity, and the
 * failure limit around a password logon. Below logon.c, negotiation.c and
 * every mechanism, so that none of them needs the dispatcher.
 */
#ifndef NEG_LOGON_CTX_H
#define NEG_LOGON_CTX_H

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

#include "cbt.h"
#include "config.h"
#include "conn.h"
#include "failure_limit.h"
#include "identity.h"
#include "policy.h"
#include "winbind.h"

typedef struct {
    apr_pool_t *pool;           /* the request's */
    const neg_dir_conf *conf;   /* the location's, merged */
    neg_conn *conn;             /* this HTTP/1.1 connection's state, or NULL */
    int tls;                    /* the connection is TLS */
    int http2;                  /* an HTTP/2 stream */
    apr_time_t deadline;        /* the request's budget for winbind calls */
    void *server;               /* the glue's server_rec, for the replay cache */
    const char *server_name;    /* ServerName, for log lines */
    /* Extended Protection: the location's mode (NegotiateExtendedProtection),
     * and on TLS with a mode other than Off this connection's channel
     * binding, or why it could not be had (then every token is refused) */
    int epa;
    const neg_cbt *binding;
    const char *binding_error;
    /* the names this server answers to (ServerName, ServerAlias, with
     * wildcards) and the connection's local port, for service binding */
    const apr_array_header_t *names;
    unsigned int port;
    /* a forward-proxy request (Proxy-Authorization, 407), and the URL path
     * (both recorded in the identities proved here) */
    int proxy;
    const char *where;
    /* the client's address (mod_remoteip's, if it runs), for its share of
     * the calls to winbind */
    const char *client;
    /* the digest of this location's SessionCryptoPassphrase, where a
     * session is in play (else NULL) */
    const unsigned char *session_crypto;
} neg_logon_ctx;

/* Milliseconds left of the request's winbind budget (0 when spent). */
int neg_logon_budget_ms(const neg_logon_ctx *ctx);

/* neg_policy_admits for this request: may this identity, come this way,
 * enter here? NULL if so, else why not. */
const char *neg_logon_admits(const neg_logon_ctx *ctx, const neg_identity *id,
                             neg_via via);

/* What a logon here records in the identity it proved: how it was proved
 * (TLS, proxy or server, where, when); binding is what Extended Protection
 * showed of it. */
void neg_logon_stamp(const neg_logon_ctx *ctx, neg_identity *id, neg_binding binding);

/* NegotiateFailureLimit before a password logon of account/domain (as
 * the client named them) reaches the domain: NEG_FAIL_GO, or answer as a
 * wrong password (failure_limit.h). */
neg_fail_decision neg_logon_guard(const neg_logon_ctx *ctx, const char *account,
                                  const char *domain, neg_fail_ticket *t);

/* The end of a guarded attempt: what winbind answered (guest: logged on
 * as Guest, a failure). */
void neg_logon_guard_end(neg_fail_ticket *t, neg_wb_status st, int guest);

#endif
