/*
 * logon.h - one request's logon, whatever the mechanism: the Authorization
 * header in, a verdict out (verdict.h).
 *
 *   header.c -> (scheme, bytes) -> logon.c -> negotiation.c (framing:
 *     raw or SPNEGO) -> a mechanism behind mech.h's ops table (krb5_auth.c,
 *     ntlm_auth.c, basic_auth.c) -> verdict
 *
 * The glue fills a neg_logon_ctx from the request and turns the verdict
 * into httpd's answer; it never decides what a token or a connection's
 * identity is worth. Connection state is only ever touched through
 * ctx->conn, which the glue leaves NULL on HTTP/2 streams: concurrent
 * streams of one connection are not one client, so nothing is bound to
 * (or reused from) an HTTP/2 connection. Pure of httpd types, so that the
 * dispatcher and SPNEGO can be tested with mechanisms stubbed.
 */
#ifndef NEG_LOGON_H
#define NEG_LOGON_H

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

#include "cbt.h"
#include "failure_limit.h"
#include "config.h"
#include "conn.h"
#include "policy.h"
#include "verdict.h"
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

/* The logon of a request with this Authorization header (NULL: none). On
 * GRANT, v->user is REMOTE_USER in the location's format. */
void neg_logon(const neg_logon_ctx *ctx, const char *authorization,
               neg_verdict *v);

/* neg_policy_admits for this request: may this identity, come this way,
 * enter here? NULL if so, else why not. */
const char *neg_logon_admits(const neg_logon_ctx *ctx, const neg_identity *id,
                             neg_via via);

/* What a logon here records in the identity it proved: how it was proved
 * (TLS, proxy or server, where, when); binding is what Extended Protection
 * showed of it. */
void neg_logon_stamp(const neg_logon_ctx *ctx, neg_identity *id, neg_binding binding);

/* An identity proved before: an internal redirect's or subrequest's
 * first request's (NEG_VIA_REQUEST), a session's (NEG_VIA_SESSION). GRANT
 * it here and return NULL if this location admits it; else return why not
 * (the verdict is then a REFUSE: NEG0107 for NEG_VIA_REQUEST, a plain
 * challenge otherwise). */
const char *neg_logon_reuse(const neg_logon_ctx *ctx, const neg_identity *id,
                            neg_via via, neg_verdict *v);

/* NegotiateFailureLimit before a password logon of account/domain (as
 * the client named them) reaches the domain: NEG_FAIL_GO, or answer as a
 * wrong password (failure_limit.h). */
neg_fail_decision neg_logon_guard(const neg_logon_ctx *ctx, const char *account,
                                  const char *domain, neg_fail_ticket *t);

/* The end of a guarded attempt: what winbind answered (guest: logged on
 * as Guest, a failure). */
void neg_logon_guard_end(neg_fail_ticket *t, neg_wb_status st, int guest);

#endif
