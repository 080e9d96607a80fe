/*
 * s4u_cache.h - a per-process cache of the tickets NegotiateDelegateTo got
 * (s4u.c): the back-end tickets per user and SPN, and the S4U2Self
 * evidence per user, so that a busy page does not cost a KDC exchange per
 * request.
 *
 * An entry is opaque bytes (s4u.c stores a serialised credential) under
 * a key of bytes compared whole (no hash stands for it: an entry is never
 * found under another key). s4u.c puts into the key everything that makes
 * the ticket right for a use: the keytab (and the version of its file),
 * the service, the user exactly, the SPN and the kind of evidence. An
 * entry is served until its usable_until; bounded in entries and bytes,
 * the least recently used out first; one mutex. No httpd or Heimdal types.
 */
#ifndef NEG_S4U_CACHE_H
#define NEG_S4U_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "apr_pools.h"

typedef struct neg_s4u_cache neg_s4u_cache;

/* A cache of at most max_entries entries and max_bytes (keys, values and
 * the bookkeeping), living as long as pool p. NULL if the mutex cannot be
 * made. */
neg_s4u_cache *neg_s4u_cache_create(apr_pool_t *p, int max_entries,
                                    size_t max_bytes);

/* The value under key, copied into pool p, and 1; 0 when there is none,
 * or when now is at or past its usable_until (it is dropped then). */
int neg_s4u_cache_get(neg_s4u_cache *c, const void *key, size_t key_len,
                      int64_t now, apr_pool_t *p, void **value,
                      size_t *value_len);

/* Remember a copy of value under key until usable_until (seconds, like
 * now), replacing what the key held. An entry larger than the cache, or
 * already over, is not kept. */
void neg_s4u_cache_put(neg_s4u_cache *c, const void *key, size_t key_len,
                       const void *value, size_t value_len,
                       int64_t usable_until, int64_t now);

/* Entries and bytes held now (for the tests). */
void neg_s4u_cache_size(neg_s4u_cache *c, int *count, size_t *bytes);

/* Until when a ticket from start to end (seconds) may be served from the
 * cache: a tenth of its life, and at least 60 s, before it ends. A
 * ticket too short for that is not cached (the result is <= start). */
int64_t neg_s4u_cache_usable_until(int64_t start, int64_t end);

#endif
