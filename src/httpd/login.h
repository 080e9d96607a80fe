/*
 * login.h - when single sign-on cannot happen: the login form
 * (SetHandler negotiate-login), signing out (SetHandler negotiate-logout),
 * sending browsers that cannot sign in silently to the form
 * (NegotiateLoginForm), and the authn provider "negotiate" for
 * mod_auth_basic and mod_auth_form. A password is verified by the domain
 * as a Basic logon's is (neg_basic_verify) and the identity kept in the
 * NegotiateSession session as a single sign-on logon's is; the password is
 * never kept.
 */
#ifndef NEG_LOGIN_H
#define NEG_LOGIN_H

#include "httpd.h"

#include "config.h"
#include "logon.h"
#include "verdict.h"

/* The glue's (mod_auth_negotiate.c). */
const neg_dir_conf *neg_glue_conf(request_rec *r);
void neg_glue_logon_ctx(request_rec *r, const neg_dir_conf *conf,
                        apr_time_t deadline, neg_logon_ctx *ctx);
int neg_glue_grant(request_rec *r, const neg_dir_conf *conf,
                   const neg_verdict *v, apr_time_t deadline);
void neg_glue_log_lines(request_rec *r, const neg_verdict *v);
void neg_glue_forget_connection(request_rec *r);

/* Is ret a path on this server (and nothing else: no scheme, no other
 * host, no control character), as given and once percent-decoded? */
int neg_login_return_ok(apr_pool_t *p, const char *ret);

/* A refusal at a location with NegotiateLoginForm (v: the verdict, REFUSE):
 * DECLINED for the usual 401 with challenges (a browser's then gets a
 * body that sends it to the form), or the status of an answer made here
 * (303 to the form). */
int neg_login_divert(request_rec *r, const neg_dir_conf *conf, const neg_verdict *v);

void neg_login_register_hooks(apr_pool_t *p);

#endif
