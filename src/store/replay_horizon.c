/*
 * replay_horizon.c - how far back the shmcb replay cache still remembers
 * (see replay_horizon.h).
 */
#include "replay_horizon.h"

#include <string.h>

#define SECOND 1000000

/* A span: a new canary at most this often, so that a group never has more
 * than NEG_HORIZON_RING live ones: a canary lives lifetime + span + 2 s. */
static int64_t span_of(int64_t lifetime)
{
    int64_t span = lifetime / (NEG_HORIZON_RING - 4);

    return span < SECOND ? SECOND : span;
}

void neg_horizon_init(neg_horizon *h, int64_t now)
{
    memset(h, 0, sizeof(*h));
    h->started = now;
    h->last_now = now;
}

int64_t neg_horizon_now(neg_horizon *h, int64_t now)
{
    if (now < h->last_now)
        return h->last_now;
    h->last_now = now;
    return now;
}

static neg_canary *oldest(neg_horizon_group *g)
{
    return &g->ring[g->first];
}

static neg_canary *newest(const neg_horizon_group *g)
{
    return (neg_canary *)&g->ring[(g->first + g->count - 1) % NEG_HORIZON_RING];
}

static void drop_oldest(neg_horizon_group *g)
{
    memset(oldest(g), 0, sizeof(neg_canary));
    g->first = (g->first + 1) % NEG_HORIZON_RING;
    g->count--;
}

/* Entries of g stored before `from` may be gone. */
static void forget_before(neg_horizon *h, neg_horizon_group *g, int64_t from)
{
    if (from > g->remembers_from)
        g->remembers_from = from;
    if (from > h->remembers_from)
        h->remembers_from = from;
}

int neg_horizon_recall(neg_horizon *h, unsigned group, int64_t now,
                       neg_horizon_lookup look, void *ctx)
{
    neg_horizon_group *g = &h->group[group % NEG_HORIZON_GROUPS];
    int lost = 0, found;

    while (g->count > 0) {
        /* its span has expired with it: whatever is gone is due to go
         * (a second of margin: shmcb reads the clock after us) */
        if (oldest(g)->until - SECOND <= now) {
            drop_oldest(g);
            continue;
        }
        found = look(ctx, oldest(g)->key);
        if (found < 0)
            return -1;
        if (found > 0)
            break;
        /* dropped before its time, and with it (a sub-cache drops in
         * order) every entry stored before it; those of its span, stored
         * after it and before the next canary, may be gone too */
        forget_before(h, g, oldest(g)->last);
        drop_oldest(g);
        lost++;
    }
    h->unlogged += (uint64_t)lost;
    return lost;
}

int64_t neg_horizon_remembers_from(const neg_horizon *h, unsigned group)
{
    return h->group[group % NEG_HORIZON_GROUPS].remembers_from;
}

int neg_horizon_storing(neg_horizon *h, unsigned group, int64_t now,
                        int64_t lifetime, int64_t *until)
{
    neg_horizon_group *g = &h->group[group % NEG_HORIZON_GROUPS];
    int64_t span = span_of(lifetime);

    if (g->count > 0 && now - newest(g)->stored < span) {
        newest(g)->last = now;
        return 0;
    }
    *until = now + lifetime + span + 2 * SECOND;
    return 1;
}

void neg_horizon_add(neg_horizon *h, unsigned group, const unsigned char key[32],
                     int64_t now, int64_t until)
{
    neg_horizon_group *g = &h->group[group % NEG_HORIZON_GROUPS];
    neg_canary *c;

    if (g->count == NEG_HORIZON_RING) {
        /* cannot happen with one lifetime (span_of); if it does, the
         * oldest span goes unwatched: count it as gone */
        drop_oldest(g);
        forget_before(h, g, oldest(g)->stored);
    }
    g->count++;
    c = newest(g);
    memcpy(c->key, key, 32);
    c->stored = now;
    c->last = now;
    c->until = until;
    h->canaries++;
}
