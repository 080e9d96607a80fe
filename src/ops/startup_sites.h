/*
 * startup_sites.h - the start-up checks of every section whose AuthType is
 * Negotiate ("a site"): its keytab readable by the Apache user, a key for
 * HTTP/<ServerName> and each ServerAlias, a key for every
 * NegotiateServicePrincipal, not only weak enctypes, and where NTLM or
 * Basic is offered, winbind answering and its privileged pipe open to the
 * Apache user (NEG0012-NEG0019). The verdicts are setup_check.c's, the
 * facts startup_facts.c's.
 */
#ifndef NEG_STARTUP_SITES_H
#define NEG_STARTUP_SITES_H

#include "httpd.h"
#include "http_config.h"

/* Check every virtual host of the configuration starting at s; m is this
 * module (for its per-directory configuration). Returns the number of
 * errors logged (warnings are not counted). */
int neg_startup_checks(apr_pool_t *ptemp, server_rec *s, module *m);

#endif
