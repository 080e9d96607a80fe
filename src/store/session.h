/*
 * session.h - NegotiateSession: the identity a logon proved, kept in
 * mod_session's session (encrypted by mod_session_crypto, usually in a
 * cookie), so that later requests that carry it are that person without a
 * 401 round trip and without a call to Heimdal or winbind.
 *
 * Fail closed: a session is used and made only where Session is On and
 * mod_session_crypto has a passphrase for the location; one that cannot be
 * decrypted, has expired, was made under a longer lifetime, or whose
 * identity this location would not admit from a fresh logon
 * (neg_policy_admits) leads to the normal challenge.
 */
#ifndef NEG_SESSION_H
#define NEG_SESSION_H

#include "httpd.h"

#include "logon.h"
#include "verdict.h"

/* The logon of r: with NegotiateSession On, a request without an
 * Authorization header is the session's identity if it has a valid one;
 * else neg_logon, and a fresh logon's identity is kept in the session
 * (a Basic one only with NegotiateSessionBasic On). */
void neg_session_logon(request_rec *r, const neg_logon_ctx *ctx,
                       const char *authorization, neg_verdict *v);

/* The login form's logon (login.c): its identity into this location's
 * session, in place of any there; 1 if it was kept. */
int neg_session_keep(request_rec *r, const neg_logon_ctx *ctx,
                     const neg_identity *id);

/* Sign out: the identity out of this location's session (1 if a session
 * could be opened). */
int neg_session_forget(request_rec *r);

/* The output filter that keeps applications from writing the session's
 * identity through mod_session's SessionHeader (NEG0906). */
void neg_session_register_hooks(apr_pool_t *p);

#endif
