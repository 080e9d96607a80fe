/*
 * replay.h - the Kerberos replay cache: shmcb through httpd's mod_socache on
 * one server; redis or memcached shared by a web farm, spoken to directly
 * (replay_remote.h) with one atomic store-if-absent per logon.
 *
 * Heimdal 7.8's acceptor has no replay cache: the same AP-REQ is accepted
 * twice (t/08_replay.t shows it with NegotiateReplayCache none). We key on
 * the AP-REQ's encrypted authenticator and the ticket's service, not on the
 * token's bytes: re-wrapping the token (SPNEGO or raw, either Kerberos OID)
 * leaves the authenticator's ciphertext unchanged, and changing that
 * ciphertext breaks its integrity check, so a re-encoded replay is caught.
 */
#ifndef NEG_REPLAY_H
#define NEG_REPLAY_H

#include "httpd.h"
#include "apr_time.h"

typedef enum {
    NEG_REPLAY_FRESH = 0,       /* first time seen: now remembered */
    NEG_REPLAY_SEEN,            /* a replay */
    NEG_REPLAY_ERROR            /* the cache could not answer */
} neg_replay_result;

/* NegotiateReplayCache shmcb[:args] | memcache:HOST:PORT | redis:HOST:PORT
 * | none. NULL or an error message listing what is allowed. */
const char *neg_replay_set(apr_pool_t *p, const char *arg);

void neg_replay_pre_config(apr_pool_t *pconf);
int neg_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void neg_replay_child_init(apr_pool_t *pchild, server_rec *s);

/* Is this key new? Remembered until expiry when it is. On
 * NEG_REPLAY_ERROR *why says what failed (allocated from p). */
neg_replay_result neg_replay_check(server_rec *s, const unsigned char key[32],
                                   apr_time_t expiry, apr_pool_t *p,
                                   const char **why);

/* The socache provider's own status (mod_status's AP_STATUS_SHORT flag
 * for "Key: value" lines, else HTML) written to r; nothing for "none".
 * Only the provider can tell entries it dropped before their time (shmcb:
 * CacheDiscardCount): the socache API has no such notice. For redis and
 * memcache: "CacheServer: ..." and this process's last error, if any. */
void neg_replay_provider_status(request_rec *r, int flags);

/* "shmcb", "redis:127.0.0.1:6379", "none": for log lines. */
const char *neg_replay_name(void);

#endif
