/*
 * authz.h - the authorization providers: Require negotiate-group "DOMAIN\\group"
 * ... and Require negotiate-sid S-1-... over the logon this module made for
 * the request (its SIDs, nested groups included), group names resolved to
 * SIDs through winbind (cached per process). Never a guess: a decision
 * winbind cannot make is 500, which Require not cannot turn into a grant.
 */
#ifndef NEG_AUTHZ_H
#define NEG_AUTHZ_H

#include "httpd.h"

/* In register_hooks. */
void neg_authz_register(apr_pool_t *p);

/* In pre_config: forget the previous reading's names. */
void neg_authz_pre_config(apr_pool_t *pconf);

/* In post_config and test_config: one warning for the group names whose
 * domain winbind could not check while the configuration was read. */
void neg_authz_warn_unchecked(apr_pool_t *p, server_rec *s);

#endif
