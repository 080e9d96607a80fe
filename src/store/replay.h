/*
 * replay.h - the Kerberos replay cache: shmcb through httpd's mod_socache on
 * one server; redis or memcached shared by a web farm, spoken to directly
 * (replay_remote.h) with one atomic store-if-absent per logon.
 *
 * Heimdal 7.8's acceptor has no replay cache: the same AP-REQ is accepted
 * twice (t/60_replay.t shows it with NegotiateReplayCache none). We key on
 * the AP-REQ's encrypted authenticator and the ticket's service, not on the
 * token's bytes: re-wrapping the token (SPNEGO or raw, either Kerberos OID)
 * leaves the authenticator's ciphertext unchanged, and changing that
 * ciphertext breaks its integrity check, so a re-encoded replay is caught.
 */
#ifndef NEG_REPLAY_H
#define NEG_REPLAY_H

#include "httpd.h"
#include "apr_time.h"

#include "replay_result.h"

/* shmcb's size by default, and the hints that size its index (replay.c;
 * bench/shmcb_capacity measures what they give: bench/README). */
#define NEG_REPLAY_SHMCB_BYTES (32 * 1024 * 1024)
#define NEG_REPLAY_SHMCB_ID_LEN 32
#define NEG_REPLAY_SHMCB_OBJ_SIZE (1 + 24)

/* NegotiateReplayCache shmcb[:args] | memcache:HOST:PORT | redis:HOST:PORT
 * | none. NULL or an error message listing what is allowed. */
const char *neg_replay_set(apr_pool_t *p, const char *arg);

/* NegotiateReplayCacheKey FILE (replay_key.h), read at start-up. */
const char *neg_replay_set_key(apr_pool_t *p, const char *path);

/* NegotiateReplayCacheState FILE (replay_state.h): where shmcb's
 * authenticators are saved when httpd stops, for the next start. */
#define NEG_REPLAY_STATE_FILE "auth_negotiate_replay.state"
const char *neg_replay_set_state(apr_pool_t *p, const char *path);

void neg_replay_pre_config(apr_pool_t *pconf);
/* httpd -t: a key file that would stop the start, or none where one is
 * needed, logged (NEG0807, NEG0808). */
void neg_replay_test_config(apr_pool_t *p, server_rec *s);
int neg_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void neg_replay_child_init(apr_pool_t *pchild, server_rec *s);

/* Is this key new? Remembered until expiry when it is. earliest: the
 * earliest time at which the authenticator could have been accepted (its
 * own time less the skew). shmcb: TOO_OLD when the key is not found but
 * its group may have lost entries stored at or after earliest
 * (replay_horizon.h). On ERROR *why says what failed, on TOO_OLD since
 * when the cache remembers (allocated from p). */
neg_replay_result neg_replay_check(server_rec *s, const unsigned char key[32],
                                   apr_time_t expiry, apr_time_t earliest,
                                   apr_pool_t *p, const char **why);

/* The socache provider's own status (mod_status's AP_STATUS_SHORT flag
 * for "Key: value" lines, else HTML) written to r, and since when the
 * cache remembers everything (CacheRemembersFrom: Unix seconds); nothing
 * for "none". Under the cache's lock: r must only buffer (status_page.c).
 * For redis and memcache: "CacheServer: ...", this process's last error and
 * its breaker, if open. */
void neg_replay_provider_status(request_rec *r, int flags);

/* "shmcb", "redis:127.0.0.1:6379", "none": for log lines. */
const char *neg_replay_name(void);

/* The farm's store (redis, memcache) after post_config, else NULL; and a
 * key for another use of it, HMAC-SHA256(the cache's secret, purpose):
 * the same on every server of a farm (NegotiateReplayCacheKey). */
struct neg_remote *neg_replay_remote(void);
void neg_replay_derive(const char *purpose, unsigned char out[32]);

#endif
