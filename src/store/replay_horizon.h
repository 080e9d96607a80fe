/*
 * replay_horizon.h - how far back the shmcb replay cache still remembers.
 *
 * shmcb (httpd's mod_socache_shmcb.c) keeps an entry in the sub-cache its
 * key's first byte names (SHMCB_MASK) and, when that sub-cache is full,
 * drops its oldest entries, expired or not (the force-expire loop of
 * shmcb_subcache_store: entries leave a sub-cache in the order they came),
 * and tells nobody: a dropped entry that had not expired is a replay that
 * would pass. So the module finds out itself, with canaries: before it
 * stores an authenticator, each group of keys (those of one first byte, so
 * in one sub-cache) gets a canary if its newest is older than a span (an
 * entry of the group's first byte and a key of its own, living as long as
 * every entry stored in its span). When a key is not found, the group's
 * live canaries are looked up, oldest first: one found missing means that
 * every entry of the group stored before the next canary may be gone; one
 * found present, that every entry stored after it is still there. The
 * group then "remembers from" the latest store in the span of its newest
 * canary found missing: an authenticator accepted then or before may have
 * been forgotten.
 *
 * The caller holds the cache's lock around every call, and the block lives
 * in shared memory beside the cache. Times are apr times (microseconds);
 * they never go back here (neg_horizon_now). Pure: no httpd types.
 */
#ifndef NEG_REPLAY_HORIZON_H
#define NEG_REPLAY_HORIZON_H

#include <stdint.h>

#define NEG_HORIZON_GROUPS 256
#define NEG_HORIZON_RING 32             /* live canaries per group, at most */

typedef struct {
    unsigned char key[32];
    int64_t stored;             /* when (neg_horizon_now) */
    int64_t last;               /* the latest store of its group in its span */
    int64_t until;              /* its expiry: the last entry of its span's, and more */
} neg_canary;

typedef struct {
    int64_t remembers_from;     /* every entry stored after it is there (0: all) */
    uint32_t first, count;      /* the ring of live canaries, oldest first */
    neg_canary ring[NEG_HORIZON_RING];
} neg_horizon_group;

typedef struct {
    int64_t started;            /* when the (empty) cache was made */
    int64_t last_now;           /* the latest time handed out */
    int64_t remembers_from;     /* the latest of the groups' (0: nothing lost) */
    uint64_t canaries;          /* canaries made: their serial numbers */
    uint64_t unlogged;          /* losses found since the last NEG0809 line */
    int64_t logged_at;          /* that line's time (0: none yet) */
    int64_t longest;            /* the longest lifetime an entry was stored with */
    int64_t floor;              /* started without the entries of an httpd
                                 * before: remembers from then (0: none lost;
                                 * replay_state.h) */
    neg_horizon_group group[NEG_HORIZON_GROUPS];
} neg_horizon;

/* Is key in the cache (1), not (0), or could the cache not tell (-1)? */
typedef int (*neg_horizon_lookup)(void *ctx, const unsigned char key[32]);

void neg_horizon_init(neg_horizon *h, int64_t now);

/* now, or the latest time handed out before if the clock went back. */
int64_t neg_horizon_now(neg_horizon *h, int64_t now);

/* For a key of group (its first byte) that the cache does not hold: check
 * the group's live canaries with look, oldest first, forget those found
 * missing, and move the group's "remembers from" past them. Returns the
 * number found missing, or -1 when the cache could not tell. */
int neg_horizon_recall(neg_horizon *h, unsigned group, int64_t now,
                       neg_horizon_lookup look, void *ctx);

/* The group's "remembers from": 0 when it has lost nothing. */
int64_t neg_horizon_remembers_from(const neg_horizon *h, unsigned group);

/* Before storing a key of group that lives `lifetime` (noted as the
 * latest store in its newest canary's span): 1 when a canary must be stored first, to live
 * until *until: a key no one can guess with the group's first byte; store
 * it, then tell neg_horizon_add. 0: none needed. */
int neg_horizon_storing(neg_horizon *h, unsigned group, int64_t now,
                        int64_t lifetime, int64_t *until);
void neg_horizon_add(neg_horizon *h, unsigned group, const unsigned char key[32],
                     int64_t now, int64_t until);

#endif
