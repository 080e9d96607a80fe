/*
 * basic_auth.h - one Basic logon (RFC 7617): the credentials in, the
 * domain's verdict through winbind out. Every Basic request carries its
 * credentials and is checked on its own: unlike NTLM, nothing is bound to
 * the connection (a proxy may reuse one back-end connection for several
 * users). The verification is cached for a minute per connection, under a
 * MAC of the credentials, so a page's many requests cost the domain one.
 */
#ifndef NEG_BASIC_AUTH_H
#define NEG_BASIC_AUTH_H

#include "mech.h"

/* How long a connection remembers that Basic credentials were verified. */
#define NEG_BASIC_CACHE_SECONDS 60

/* The password of user ("alice", "EXAMPLE\\alice", "alice@example.test")
 * verified by the domain through winbind, as a Basic logon's is, within
 * NegotiateFailureLimit: the identity (mech "basic", this auth_type:
 * "Basic", or "Form" for the login form), stamped for ctx; or NULL and v
 * refused. pw is wiped. */
neg_identity *neg_basic_verify(const neg_logon_ctx *ctx, const char *user,
                               char *pw, const char *auth_type, neg_verdict *v);

#endif
