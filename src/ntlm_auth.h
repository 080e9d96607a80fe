/*
 * ntlm_auth.h - the NTLM handshake on one connection, raw or inside SPNEGO,
 * under the NTLM or the Negotiate scheme: NEGOTIATE in, CHALLENGE out;
 * AUTHENTICATE in, checks (ntlm.c), the domain's verdict (winbind.c), the
 * MIC, SPNEGO's mechListMIC both ways, and an identity bound to the
 * connection out (MS-NLMP is connection-oriented over HTTP, as with IIS).
 */
#ifndef NEG_NTLM_AUTH_H
#define NEG_NTLM_AUTH_H

#include "header.h"
#include "logon.h"
#include "spnego.h"

/* One NTLM message under `scheme`: raw (spnego NULL), or the mechToken of
 * a NegTokenInit / responseToken of a NegTokenResp (spnego that token).
 * NEGOTIATE: CONTINUE with our CHALLENGE, in the client's framing.
 * AUTHENTICATE: GRANT (the identity is bound to ctx->conn) or REFUSE.
 * Refused without a look at the message on HTTP/2 (ctx->conn NULL), and
 * under Negotiate where the location allows only Kerberos. */
void neg_ntlm_logon(const neg_logon_ctx *ctx, neg_scheme scheme,
                    const neg_bytes *msg, const neg_token *spnego,
                    neg_verdict *v);

#endif
