/*
 * replay_key.h - the secret that keys the replay cache.
 *
 * A replay key (the SHA-256 of an authenticator's ciphertext, replay.h)
 * can be computed by anyone who captured the token, and shmcb picks the
 * sub-cache of an entry by the key's first byte (mod_socache_shmcb.c,
 * SHMCB_MASK): with the bare key, logons whose keys share a victim's first
 * byte push the victim's entry out of its sub-cache, and the captured
 * token passes again. The cache is therefore given HMAC-SHA256(secret,
 * replay key) instead: without the secret nobody can tell which sub-cache
 * (or redis/memcached key) an authenticator lands in.
 *
 * The secret: random at each start by default (shmcb starts empty anyway);
 * for a farm's shared cache (redis, memcache) it must be the same on every
 * server and across restarts, so it comes from NegotiateReplayCacheKey
 * FILE, read by the httpd parent (root) at start-up: the SHA-256 of the
 * file's bytes. Pure: no httpd types.
 */
#ifndef NEG_REPLAY_KEY_H
#define NEG_REPLAY_KEY_H

#include <stddef.h>

#include "apr_pools.h"

#define NEG_REPLAY_SECRET_LEN 32
#define NEG_REPLAY_KEY_FILE_MIN 32       /* bytes */
#define NEG_REPLAY_KEY_FILE_MAX 4096

/* Read the key file at path into secret: NULL, or why not (from p):
 * missing or unreadable, not a regular file, readable or writable by
 * others or writable by its group, shorter than NEG_REPLAY_KEY_FILE_MIN or
 * longer than NEG_REPLAY_KEY_FILE_MAX bytes. */
const char *neg_replay_key_load(apr_pool_t *p, const char *path,
                                unsigned char secret[NEG_REPLAY_SECRET_LEN]);

/* out = HMAC-SHA256(secret, in[0..len)). */
void neg_replay_key_mac(const unsigned char secret[NEG_REPLAY_SECRET_LEN],
                        const unsigned char *in, size_t len, unsigned char out[32]);

#endif
