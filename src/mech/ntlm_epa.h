/*
 * ntlm_epa.h - Extended Protection for NTLM (NegotiateExtendedProtection):
 * service binding (MsvAvTargetName) and channel binding
 * (MsvAvChannelBindings) of one AUTHENTICATE message.
 */
#ifndef NEG_NTLM_EPA_H
#define NEG_NTLM_EPA_H

#include "apr_pools.h"

#include "logon_ctx.h"
#include "ntlm.h"

/* May this response (v2: its NTLMv2 fields, NULL for an NTLMv1 response)
 * go on to the domain under the location's Extended Protection? NULL if
 * so, else why not. */
const char *neg_ntlm_unbound(apr_pool_t *p, const neg_logon_ctx *ctx,
                             const ntlm_v2_response *v2);

/* What Extended Protection saw of a response that passed neg_ntlm_unbound:
 * bound to this TLS channel, or to none. */
neg_binding neg_ntlm_binding(const neg_logon_ctx *ctx, const ntlm_v2_response *v2);

#endif
