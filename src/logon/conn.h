/*
 * conn.h - per-connection state: a handshake in progress (NTLM's, or a
 * SPNEGO negotiation's) and the identity bound to the connection after
 * one succeeded (MS-NLMP is connection-oriented over HTTP, as with IIS).
 *
 * The state lives in a subpool of the connection's pool (the glue makes
 * it, neg_conn_init), so it goes away with the connection and is never
 * shared with another one. It is never used on HTTP/2: the glue does not
 * hand it to the logon of an HTTP/2 stream, whose connection carries other
 * clients' streams. Every change of state is one of the functions below.
 * Pure: no httpd types.
 */
#ifndef NEG_CONN_H
#define NEG_CONN_H

#include <stdint.h>

#include "apr_pools.h"
#include "apr_time.h"

#include "header.h"
#include "identity.h"
#include "spnego.h"

typedef enum {
    NEG_CONN_IDLE = 0,
    NEG_CONN_CHALLENGED,        /* our NTLM CHALLENGE was sent on it */
    NEG_CONN_AUTHENTICATED,     /* an identity is bound */
    /* SPNEGO (negotiation.c): we counter-proposed a mechanism of the
     * client's list (RFC 4178 4.2.2) and wait for its token */
    NEG_CONN_PROPOSED,
    /* SPNEGO: a mechanism was done after a counter-proposal; the client's
     * mechListMIC is to come (RFC 4178 section 5), nothing is bound yet */
    NEG_CONN_MIC_PENDING
} neg_conn_state;

typedef struct {
    apr_pool_t *pool;           /* cleared when a handshake starts */
    neg_conn_state state;
    /* the handshake's framing: the next leg must come the same way */
    neg_scheme scheme;          /* the HTTP scheme it started under */
    int proxy;                  /* in Proxy-Authorization (to a forward proxy) */
    int spnego;                 /* wrapped in SPNEGO */
    unsigned char *mech_list;   /* SPNEGO: the client's MechTypeList (DER) */
    size_t mech_list_len;
    int mic_required;           /* SPNEGO: mechListMICs both ways (RFC 4178 5) */
    int proposed;               /* PROPOSED: the neg_mech we proposed */
    /* NTLM (CHALLENGED): our CHALLENGE and what the AUTHENTICATE is
     * checked against */
    unsigned char challenge[8];
    unsigned char *type1, *type2;
    size_t type1_len, type2_len;
    size_t ti_off, ti_len;      /* our TargetInfo inside type2 */
    uint32_t flags;             /* the flags of our CHALLENGE */
    apr_time_t challenged_at;
    /* MIC_PENDING: the mechanism (a neg_mech_ops) and the key that checks
     * the client's mechListMIC; id is not yet the connection's */
    const void *pending_ops;
    void *mic_key;
    /* the identity bound to the connection (AUTHENTICATED), or the one
     * waiting for its mechListMIC (MIC_PENDING), in pool */
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

/* A new state in a subpool of parent (the connection's pool). */
neg_conn *neg_conn_create(apr_pool_t *parent);

/* Forget the handshake and any bound identity. */
void neg_conn_reset(neg_conn *nc);

/* NTLM: our CHALLENGE was sent (after a reset: a NEGOTIATE always starts
 * over); the messages are copied into the connection's pool. */
void neg_conn_challenged(neg_conn *nc, const unsigned char challenge[8],
                         const unsigned char *type1, size_t type1_len,
                         const unsigned char *type2, size_t type2_len,
                         size_t ti_off, size_t ti_len, uint32_t flags);

/* How the handshake in progress is framed (its next leg must match):
 * scheme, proxy or server, raw or SPNEGO with the client's mechanism list
 * (copied) and whether mechListMICs are required. */
void neg_conn_frame(neg_conn *nc, neg_scheme scheme, int proxy, int spnego,
                    const neg_bytes *mech_list, int mic_required);

/* SPNEGO: we counter-proposed a mechanism (after a reset). */
void neg_conn_propose(neg_conn *nc, int proxy, neg_mech proposed,
                      const neg_bytes *mech_list, int mic_required);

/* SPNEGO: a mechanism is done, its identity waits for the client's
 * mechListMIC, which ops (a neg_mech_ops) checks with mic_key (both
 * living in the connection's pool already). */
void neg_conn_mic_pending(neg_conn *nc, const neg_identity *id,
                          const void *ops, void *mic_key);

/* The identity is the connection's from now on (after a reset; the
 * delegated credentials of its request are not). */
void neg_conn_bind(neg_conn *nc, const neg_identity *id);

/* Basic: these credentials (their MAC) proved id just now (after a reset:
 * any new credentials replace what the connection held). */
void neg_conn_remember_basic(neg_conn *nc, const neg_identity *id,
                             const unsigned char *cred, size_t len);

/* HMAC-SHA256 of some credentials under this connection's random key. */
void neg_conn_credential_mac(neg_conn *nc, const unsigned char *cred,
                             size_t len, unsigned char out[32]);

#endif
