/*
 * krb5_auth.h - one Kerberos logon: the AP-REQ in (raw, or the mechToken
 * of a SPNEGO NegTokenInit), a verdict out: the acceptor (kerberos.c), the
 * replay cache (replay.c), the identity from the PAC (identity.c), the
 * mutual-authentication token in the client's framing, and, with
 * NegotiatePersistKerberos On, the identity bound to the connection.
 */
#ifndef NEG_KRB5_AUTH_H
#define NEG_KRB5_AUTH_H

#include "kerberos.h"
#include "logon.h"
#include "spnego.h"

/* spnego_mech: the mechanism OID the client's NegTokenInit named (the
 * reply is a NegTokenResp naming it, RFC 4178 4.2.2), or NEG_MECH_NONE for
 * a raw krb5 token (the reply is the raw AP-REP token). */
void neg_krb5_logon(const neg_logon_ctx *ctx, const neg_bytes *token,
                    neg_mech spnego_mech, neg_verdict *v);

/* The steps of a Kerberos logon before its answer, for SPNEGO after a
 * counter-proposal (negotiation.c): accept the ticket (with keep, the
 * security context is kept in that pool, k->context), check binding,
 * replay and account, and make the identity; NULL when refused (v says
 * why, and carries Heimdal's KRB-ERROR for the client, if any, in the
 * client's framing: spnego_mech as for neg_krb5_logon). */
neg_identity *neg_krb5_accept_ticket(const neg_logon_ctx *ctx, const neg_bytes *token,
                                     neg_mech spnego_mech, apr_pool_t *keep,
                                     neg_krb5_result *k, neg_verdict *v);

/* NegotiatePersistKerberos On: bind the identity to the connection. */
void neg_krb5_bind_to_connection(const neg_logon_ctx *ctx, const neg_identity *id);

#endif
