/*
 * negotiation.h - the framing of every mechanism's tokens and all of
 * SPNEGO (RFC 4178, MS-SPNG): a raw token goes to its mechanism and its
 * answer back raw; a NegTokenInit's list selects a mechanism or gets a
 * counter-proposal; NegTokenResp continuations go on with the handshake
 * the connection remembers; mechListMICs are made and checked here with
 * the mechanism's keys (mech.h). Nothing is granted before every MIC that
 * RFC 4178 section 5 requires has been checked.
 */
#ifndef NEG_NEGOTIATION_H
#define NEG_NEGOTIATION_H

#include "logon_ctx.h"
#include "mech.h"
#include "spnego.h"

/* The first mechanism of the client's list this location takes (Kerberos;
 * NTLM unless Negotiate:Kerberos), and its position in *index. */
neg_mech neg_spnego_select(const neg_logon_ctx *ctx, const neg_token *init,
                           size_t *index);

/* A token outside SPNEGO (raw krb5, raw NTLMSSP, Basic credentials) under
 * scheme, through ops; its answer raw. */
void neg_negotiate_raw(const neg_logon_ctx *ctx, neg_scheme scheme,
                       const neg_mech_ops *ops, neg_token_kind framing,
                       const neg_bytes *token, neg_verdict *v);

/* A NegTokenInit (RFC 4178 4.2.1). */
void neg_spnego_init(const neg_logon_ctx *ctx, const neg_token *init,
                     neg_verdict *v);

/* A NegTokenResp (RFC 4178 4.2.2): the next leg of a negotiation or of a
 * mechanism's handshake on this connection. */
void neg_spnego_continue(const neg_logon_ctx *ctx, const neg_token *resp,
                         neg_verdict *v);

#endif
