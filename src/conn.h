/*
 * conn.h - per-connection state: the NTLM handshake in progress and the
 * identity bound to the connection after it succeeded (MS-NLMP is
 * connection-oriented over HTTP, as with IIS).
 *
 * The state lives in a subpool of the connection's pool, so it goes away
 * with the connection and is never shared with another one. It is never
 * used on HTTP/2 (see logon.h): the glue does not hand it to the logon of
 * an HTTP/2 stream, whose connection carries other clients' streams.
 */
#ifndef NEG_CONN_H
#define NEG_CONN_H

#include "httpd.h"
#include "http_config.h"
#include "apr_time.h"

#include "header.h"
#include "identity.h"

typedef enum {
    NEG_CONN_IDLE = 0,
    NEG_CONN_CHALLENGED,        /* our Type 2 was sent on this connection */
    NEG_CONN_AUTHENTICATED,     /* an identity is bound */
    /* SPNEGO (negotiation.c): we counter-proposed a mechanism of the
     * client's list (RFC 4178 4.2.2) and wait for its token */
    NEG_CONN_PROPOSED,
    /* SPNEGO: Kerberos accepted after a counter-proposal; the client's
     * mechListMIC is to come (RFC 4178 section 5), nothing is bound yet */
    NEG_CONN_MIC_PENDING
} neg_conn_state;

typedef struct {
    apr_pool_t *pool;           /* cleared when a handshake starts */
    neg_conn_state state;
    /* the handshake */
    neg_scheme scheme;          /* the scheme of the Type 1 */
    int proxy;                  /* in Proxy-Authorization (to a forward proxy) */
    int spnego;                 /* wrapped in SPNEGO */
    unsigned char challenge[8];
    unsigned char *type1, *type2, *mech_list;
    size_t type1_len, type2_len, mech_list_len;
    size_t ti_off, ti_len;      /* our TargetInfo inside type2 */
    uint32_t flags;             /* the flags of our Type 2 */
    apr_time_t challenged_at;
    /* SPNEGO negotiation (PROPOSED, MIC_PENDING): the mechanism proposed
     * (a neg_mech), whether it was not the client's first choice (then
     * mechListMIC both ways), and the Kerberos context that signs it */
    int proposed;
    int mic_required;
    void *krb5_context;
    /* the identity bound to the connection (NTLM; Kerberos with
     * NegotiatePersistKerberos On), in pool */
    neg_identity id;
    /* Basic: not an identity of the connection (every Basic request carries
     * its credentials), but a cache of their verification: a MAC of the
     * credentials the domain verified last, under a random key of the
     * connection (no password is kept), when, and whom they proved */
    neg_identity *basic_id;
    unsigned char basic_mac[32];
    apr_time_t basic_at;
    unsigned char mac_key[32];
    int has_mac_key;
} neg_conn;

/* The state of an HTTP/1.1 connection, created on first use; NULL for an
 * HTTP/2 stream's (secondary) connection. */
neg_conn *neg_conn_get(conn_rec *c, module *m);

/* HMAC-SHA256 of some credentials under this connection's random key. */
void neg_conn_credential_mac(neg_conn *nc, const unsigned char *cred,
                             size_t len, unsigned char out[32]);

/* Forget the handshake and any bound identity. */
void neg_conn_reset(neg_conn *nc);

#endif
