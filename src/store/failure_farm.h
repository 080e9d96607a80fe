/*
 * failure_farm.h - NegotiateFailureLimit across a farm: the count of
 * failed password logons kept in the NegotiateReplayCache's redis or
 * memcached (replay_remote.h: neg_remote_count) for failure_limit.c, and
 * the guard's log lines (NEG1010 to NEG1012).
 *
 * The count's key is failure_limit.c's HMAC of the user and the address
 * under a key derived from NegotiateReplayCacheKey (the same on every
 * server of the farm): the store holds no names and no addresses. When
 * the store does not answer, each server goes on with its own count
 * (NEG1010, once per window and server): at most COUNT per server then,
 * never unlimited, and never a lockout of its own.
 */
#ifndef NEG_FAILURE_FARM_H
#define NEG_FAILURE_FARM_H

#include "httpd.h"

/* post_config, after the replay cache's (neg_replay_post_config): the
 * farm's count when the cache is redis or memcache, and the log lines
 * (to s's error log) in any case. */
void neg_failure_farm_post_config(server_rec *s);

#endif
