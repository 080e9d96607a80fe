/*
 * conn.h - per-connection state: the NTLM handshake in progress and the
 * identity bound to the connection after it succeeded (MS-NLMP is
 * connection-oriented over HTTP, as with IIS).
 *
 * The state lives in a subpool of the connection's pool (of the master
 * connection's, for the day NTLM is allowed over HTTP/2), so it goes away
 * with the connection and is never shared with another one.
 */
#ifndef NEG_CONN_H
#define NEG_CONN_H

#include "httpd.h"
#include "http_config.h"
#include "apr_time.h"

#include "header.h"

typedef enum {
    NEG_CONN_IDLE = 0,
    NEG_CONN_CHALLENGED,        /* our Type 2 was sent on this connection */
    NEG_CONN_AUTHENTICATED      /* an identity is bound */
} neg_conn_state;

typedef struct {
    const char *account;        /* alice, as the directory holds it */
    const char *domain;         /* EXAMPLE */
    const char *realm;          /* EXAMPLE.TEST */
    const char *user_sid;
    const char *auth_type;      /* the scheme used: NTLM or Negotiate */
} neg_identity;

typedef struct {
    apr_pool_t *pool;           /* cleared when a handshake starts */
    neg_conn_state state;
    /* the handshake */
    neg_scheme scheme;          /* the scheme of the Type 1 */
    int spnego;                 /* wrapped in SPNEGO */
    unsigned char challenge[8];
    unsigned char *type1, *type2, *mech_list;
    size_t type1_len, type2_len, mech_list_len;
    size_t ti_off, ti_len;      /* our TargetInfo inside type2 */
    uint32_t flags;             /* the flags of our Type 2 */
    apr_time_t challenged_at;
    /* the result */
    neg_identity id;
} neg_conn;

/* The state of r's connection, created on first use. */
neg_conn *neg_conn_get(conn_rec *c, module *m);

/* Forget the handshake and any bound identity. */
void neg_conn_reset(neg_conn *nc);

#endif
