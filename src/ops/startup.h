/*
 * startup.h - checks of the deployment when httpd starts (post_config) and
 * under `apachectl -t` (test_config), for every virtual host with a section
 * whose AuthType is Negotiate: its keytab readable by httpd's User/Group,
 * a key for HTTP/<ServerName> and each ServerAlias, a key for every
 * NegotiateServicePrincipal, not only weak enctypes, and where NTLM or
 * Basic is offered, winbind answering and its privileged pipe open to the
 * Apache user.
 *
 * Also: NegotiateDelegationDir private to the Apache user (NEG0010, stops
 * httpd), NegotiateUserFormat short with more than one realm or domain
 * (NEG0011), NTLM offered with keep-alive settings that break it (NEG0020).
 *
 * One log line per finding, tagged NEG0010-NEG0020, saying what is wrong
 * and how to fix it. Nothing here stops httpd: a location's keytab can be
 * put right while httpd runs (the module reloads it within a second), and
 * refusing to start would take every other site down with it. The verdicts
 * are setup_check.c's (the doctor's), the facts setup_probe.c's; the
 * probes that must run as the Apache user, or may hang (a hung winbindd),
 * run in one child process that is given NEG_STARTUP_PROBE_MS in all.
 *
 * Here: the hooks, what the directives name and the checks of it
 * (startup.c); the checks of each site's keytab and winbind are
 * startup_sites.h's, over the facts of startup_facts.h.
 */
#ifndef NEG_STARTUP_H
#define NEG_STARTUP_H

#include "httpd.h"
#include "http_config.h"

#define NEG_STARTUP_PROBE_MS 400

/* What the configuration names, recorded by the directives as they are
 * read (pre_config forgets the previous reading; m is this module). */
void neg_startup_pre_config(apr_pool_t *pconf, module *m);
void neg_startup_seen_keytab(const char *keytab);
void neg_startup_seen_delegation_dir(const char *dir);
void neg_startup_seen_mapped_realm(const char *realm);
void neg_startup_seen_short_format(void);
const apr_array_header_t *neg_startup_keytabs(void);

/* Every start-up check, under apachectl -t (test_config hook). */
void neg_startup_test_config(apr_pool_t *pconf, server_rec *s);

/* Every start-up check, once when httpd starts (post_config hook): an
 * error status stops httpd (a NegotiateDelegationDir that is not private
 * to the Apache user, NEG0010). */
int neg_startup_post_config(apr_pool_t *ptemp, server_rec *s);

#endif
