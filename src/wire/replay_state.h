/*
 * replay_state.h - the shmcb replay cache's state file.
 *
 * shmcb lives in memory: an httpd stopped and started again would start
 * it empty, and every authenticator accepted within the clock skew before
 * the stop would be accepted again (RFC 4120 3.2.3: a server that loses
 * track of the authenticators it accepted must refuse every one until the
 * skew has passed). So the parent, stopping, saves the cache's keys to a
 * file (NegotiateReplayCacheState), and the next start loads them. The
 * file says too whether the httpd that wrote it stopped cleanly: a start
 * marks it "running", a stop "saved"; a start that finds "running" knows
 * the last httpd died with a cache it could not save.
 *
 * The format, integers big-endian:
 *   "NEGRPST1"                    8 bytes
 *   state                         1 byte: 1 running, 2 saved
 *   started, saved_at, longest,   4 x 8 bytes, apr times (microseconds):
 *   remembers_from                  when the cache was made, when it was
 *                                   saved, the longest lifetime an entry was
 *                                   stored with, and since when it is
 *                                   complete (0: since it was made)
 *   secret                        32 bytes (the keys' HMAC key, replay_key.h)
 *   count                         4 bytes
 *   keys                          count x 32 bytes
 * Nothing follows. Pure: no httpd or APR types.
 */
#ifndef NEG_REPLAY_STATE_H
#define NEG_REPLAY_STATE_H

#include <stddef.h>
#include <stdint.h>

#define NEG_REPLAY_STATE_MAGIC "NEGRPST1"
#define NEG_REPLAY_STATE_HEAD (8 + 1 + 4 * 8 + 32 + 4)
#define NEG_REPLAY_STATE_MAX_KEYS (16u * 1024 * 1024)   /* 512 MB of keys */

enum { NEG_REPLAY_STATE_RUNNING = 1, NEG_REPLAY_STATE_SAVED = 2 };

typedef struct {
    int state;
    int64_t started, saved_at, longest, remembers_from;
    unsigned char secret[32];
    uint32_t count;
    const unsigned char *keys;      /* count x 32 bytes, in the buffer read */
} neg_replay_state;

/* The bytes of st with count keys from keys; len: NEG_REPLAY_STATE_HEAD +
 * 32 x count. Returns the length written, or 0 when buf is too small. */
size_t neg_replay_state_encode(const neg_replay_state *st, unsigned char *buf,
                               size_t len);

/* Reads a state file's bytes: NULL, or what is wrong with them. st->keys
 * points into buf. */
const char *neg_replay_state_decode(const unsigned char *buf, size_t len,
                                    neg_replay_state *st);

#endif
