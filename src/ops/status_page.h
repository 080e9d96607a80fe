/*
 * status_page.h - the figures of status.h in httpd: their shared memory,
 * what each answer counts, and the page of `SetHandler negotiate-status`
 * (HTML, `?auto` as mod_status, `?prometheus` in the Prometheus text
 * format).
 *
 * The counters live in an anonymous shared mapping made in the parent
 * before children are forked and kept in httpd's retained data, so that
 * every child of every generation adds into the same block. They are kept
 * across graceful restarts and zeroed when httpd starts and at a full
 * restart, as mod_status's scoreboard is (both follow the MPM's pre_mpm
 * hook, which runs exactly then).
 */
#ifndef NEG_STATUS_PAGE_H
#define NEG_STATUS_PAGE_H

#include "httpd.h"
#include "apr_tables.h"

#include "conn.h"
#include "verdict.h"

/* The handler, the reset at pre_mpm and the filter that reads the replay
 * cache's own status: from the module's register_hooks. */
void neg_status_register_hooks(apr_pool_t *p);

/* In the parent (post_config): attach the shared block, creating it the
 * first time. keytabs (const char *, "FILE:...") are the configured ones,
 * for the page. */
int neg_status_post_config(apr_pool_t *pconf, server_rec *s,
                           const apr_array_header_t *keytabs);

/* What one answer counts: the logon by mechanism and outcome, the refusal
 * by its tag, a challenge, and whether the connection (its state nc, NULL
 * on HTTP/2) is now in the middle of an NTLM handshake. */
void neg_status_answer(request_rec *r, const neg_verdict *v, const neg_conn *nc);

#endif
