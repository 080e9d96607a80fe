/*
 * sid_cache.h - the names of SIDs that winbind gave, and the SIDs it could
 * not name, for NEGOTIATE_GROUPS: a hash table (chaining) over a fixed
 * array of entries, the least recently used going first when it is full.
 *
 * A name is never pushed out by a failure: a failure takes a free entry or
 * the place of the least recently used failure, or is not kept at all; and
 * a failure reported for a SID whose name is known keeps the name (used
 * until a later answer, within its keep time). Bounds: the capacity in
 * entries, each with a name of at most NEG_SID_CACHE_NAME_MAX bytes.
 *
 * Not thread-safe: the caller holds a lock around every call. Knows
 * nothing of winbind or httpd.
 */
#ifndef NEG_SID_CACHE_H
#define NEG_SID_CACHE_H

#include <stddef.h>
#include <time.h>

#include "sid.h"        /* neg_sid */

#define NEG_SID_CACHE_NAME_MAX 256     /* with its NUL; longer names are cut */

typedef struct neg_sid_cache neg_sid_cache;

typedef enum {
    NEG_SC_MISS = 0,    /* nothing known: ask winbind */
    NEG_SC_FRESH,       /* a name, or a failure, to use as it is */
    NEG_SC_STALE        /* a name past its refresh time: ask again, and use
                         * this one if the answer is a failure */
} neg_sc_found;

/* A table of `capacity` entries (at least 1); NULL without memory. */
neg_sid_cache *neg_sid_cache_new(size_t capacity);
void neg_sid_cache_free(neg_sid_cache *c);

/* What is known of sid at `now`: for a name *status is 0 and the name is
 * copied into name (cap bytes); for a failure *status is what was stored.
 * Entries whose time is over are dropped here. */
neg_sc_found neg_sid_cache_get(neg_sid_cache *c, const neg_sid *sid, time_t now,
                               int *status, char *name, size_t cap);

/* A name winbind gave: FRESH for ttl seconds, then STALE for keep more.
 * Takes a free entry, else the least recently used failure, else the
 * least recently used name. 0 when out of memory (nothing stored). */
int neg_sid_cache_put_name(neg_sid_cache *c, const neg_sid *sid, const char *name,
                           time_t now, int ttl, int keep);

/* A failure (status other than 0), FRESH for ttl seconds. A SID whose
 * name is known keeps it: a stale name is then used for ttl seconds more
 * (not beyond its keep time), a fresh one stays as it is. */
void neg_sid_cache_put_failure(neg_sid_cache *c, const neg_sid *sid, int status,
                               time_t now, int ttl);

/* Entries held now: names and failures. */
void neg_sid_cache_count(const neg_sid_cache *c, size_t *names, size_t *failures);

#endif
