/*
 * negotiation.h - SPNEGO beyond the client's first choice (RFC 4178 4.2.1,
 * 4.2.2 and section 5): when the first mechanism of a NegTokenInit is not
 * one this location takes, or comes without its token, the best one of the
 * client's list that it does take is counter-proposed (accept-incomplete,
 * supportedMech, no token), the client's next NegTokenResp on the same
 * connection carries that mechanism's token, and when the mechanism was
 * not the client's first, both sides sign the client's mechanism list
 * (mechListMIC) with it.
 *
 *   NegTokenInit [NTLMSSP, krb5] -> 401 NegTokenResp{accept-incomplete, krb5}
 *   NegTokenResp{AP-REQ}         -> 401 {accept-incomplete, AP-REP, our MIC}
 *                                   (200 {accept-completed, AP-REP, our MIC}
 *                                    when the client's MIC came along)
 *   NegTokenResp{client's MIC}   -> 200 {accept-completed}
 */
#ifndef NEG_NEGOTIATION_H
#define NEG_NEGOTIATION_H

#include "logon.h"
#include "spnego.h"

/* The mechanism of the client's list this location takes (the first in
 * the client's order), and its position in the list; NEG_MECH_NONE. */
neg_mech neg_spnego_select(const neg_logon_ctx *ctx, const neg_token *init,
                           size_t *index);

/* A NegTokenInit that cannot be taken as it is: counter-propose, or refuse
 * (no usable mechanism in the client's list; no Kerberos in it where only
 * Kerberos is allowed: the client has no ticket). */
void neg_spnego_negotiate(const neg_logon_ctx *ctx, const neg_token *init,
                          neg_verdict *v);

/* Does this connection wait for a NegTokenResp of a negotiation? */
int neg_spnego_expects(const neg_logon_ctx *ctx);

/* The client's NegTokenResp in a negotiation in progress. */
void neg_spnego_continue(const neg_logon_ctx *ctx, const neg_token *resp,
                         neg_verdict *v);

#endif
