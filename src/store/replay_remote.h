/*
 * replay_remote.h - the replay cache shared by a web farm: redis (hiredis)
 * or memcached (its text protocol, memcache_proto.h), one atomic call per
 * logon, on a connection of the thread's own.
 *
 * mod_socache cannot say "store unless present": a check and a store are
 * two round trips, and two servers given the same token at once both
 * accept it (bench/farm.sh saw 96 of 2,000 replays pass through redis).
 * Here each logon is one command that stores the key only when it is
 * absent and says which happened:
 *   redis      SET neg-rc:<32 bytes> 1 NX PX <ms>   "OK" fresh, nil seen
 *   memcached  add neg-rc:<64 hex digits> ... <s>    STORED fresh,
 *                                                     NOT_STORED seen
 * Anything else (no connection, a timeout, another reply) is an error, and
 * the caller refuses the logon (fail closed). In the same round trip, after
 * the store, the cache's epoch key is read (GET / get neg-rc:epoch): a
 * cache restarted or flushed comes back empty and without it, and would
 * otherwise accept again every token accepted before.
 *
 * The same store keeps the farm's count of failed password logons
 * (NegotiateFailureLimit, failure_farm.c) under "neg-fl:" keys: one
 * atomic command per attempt (redis: a MULTI of SET NX PX, INCR and PTTL;
 * memcached: "ma" with autovivify, replay_memcached.c).
 *
 * The code: replay_remote.c (what both kinds share: connections, the
 * breaker, the epoch), replay_redis.c and replay_memcached.c (one protocol
 * each, behind the ops of remote_conn.h).
 */
#ifndef NEG_REPLAY_REMOTE_H
#define NEG_REPLAY_REMOTE_H

#include "httpd.h"
#include "apr_time.h"

#include "remote_conn.h"

/* HOST:PORT or [IPv6]:PORT for kind: *out, or NULL and an error
 * message saying what is wrong (allocated from p). */
const char *neg_remote_parse(apr_pool_t *p, neg_remote_kind kind,
                             const char *hostport, neg_remote **out);

/* At start-up (parent): one round trip; NULL when the cache answered,
 * else what failed. The start goes on either way. */
const char *neg_remote_probe(neg_remote *r, apr_pool_t *p);

/* In each child, before the first check. */
void neg_remote_child_init(neg_remote *r, apr_pool_t *pchild, server_rec *s);

/* Store key until expiry unless it is there: FRESH when stored now, SEEN
 * when it was there, ERROR with *why (from p) when the cache did not
 * answer as expected, or was not asked because it did not answer in time
 * before (the breaker: replay_remote.c; NEG0811 in s's log when it opens).
 * TOO_OLD (with *why) when the cache was emptied (restarted or flushed:
 * its epoch key "neg-rc:epoch", read after each store in the same round
 * trip, was missing or another; NEG0817 logged) at or after earliest, the
 * authenticator's time less the clock skew: it may have been accepted
 * before, and its entry lost. */
neg_replay_result neg_remote_check(neg_remote *r, server_rec *s,
                                   const unsigned char key[32], apr_time_t expiry,
                                   apr_time_t earliest, apr_pool_t *p,
                                   const char **why);

/* NegotiateFailureLimit across the farm: delta (1: a place taken, -1:
 * one given back) added to the counter "neg-fl:" key, made with a
 * lifetime of seconds when absent (delta 1 only; -1 never makes one).
 * NEG_REPLAY_FRESH with *count (after the change) and *ttl_ms (the
 * counter's remaining lifetime; -2: there was none), or NEG_REPLAY_ERROR
 * with *why (through the same breaker as neg_remote_check). */
neg_replay_result neg_remote_count(neg_remote *r, server_rec *s,
                                   const unsigned char key[32], int delta, long seconds,
                                   long long *count, long long *ttl_ms, apr_pool_t *p,
                                   const char **why);

/* "Key: value" lines (mod_status's short form) for the status page: the
 * server, and this process's last error. */
const char *neg_remote_status(neg_remote *r, apr_pool_t *p);

#endif
