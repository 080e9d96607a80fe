/*
 * policy.h - what a location (its merged neg_dir_conf) offers and accepts:
 * the schemes it offers, the defaults of unset directives, and whether an
 * identity proved elsewhere (on this connection, or by the request an
 * internal redirect or subrequest came from) may be reused here.
 * Pure: no httpd types.
 */
#ifndef NEG_POLICY_H
#define NEG_POLICY_H

#include "apr_pools.h"

#include "config.h"
#include "header.h"
#include "identity.h"

/* NegotiateProviders, or the default (Negotiate NTLM). */
const neg_provider *neg_providers(const neg_dir_conf *c, int *n);
int neg_offers(const neg_dir_conf *c, neg_provider p);

/* Basic is offered on TLS, or on plain HTTP when explicitly allowed. */
int neg_basic_offered(const neg_dir_conf *c, int tls);

/* Would this location accept a token under this scheme? */
int neg_scheme_offered(const neg_dir_conf *c, int tls, neg_scheme s);

/* "NegotiateProviders Negotiate NTLM, NegotiateBasic On", for log lines. */
const char *neg_providers_text(apr_pool_t *p, const neg_dir_conf *c, int tls);

/* Values of directives, their defaults applied. */
size_t neg_max_token(const neg_dir_conf *c);
int neg_winbind_timeout_ms(const neg_dir_conf *c);
neg_user_format neg_user_format_of(const neg_dir_conf *c);
int neg_machine_accounts_allowed(const neg_dir_conf *c);

/* May this location reuse an identity proved the way id was (its
 * mechanism and scheme, NTLMv1, the keytab and service principal of its
 * ticket, TLS, a computer account)? NULL if so, else why not. */
const char *neg_policy_admits(apr_pool_t *p, const neg_dir_conf *c, int tls,
                              const neg_identity *id);

#endif
