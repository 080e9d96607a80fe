/*
 * test_replay_horizon.c - the canaries that tell how far back the shmcb
 * replay cache remembers (src/store/replay_horizon.c), against a model of shmcb
 * (httpd's mod_socache_shmcb.c): sub-caches picked by the key's first
 * byte, each a ring that reclaims expired entries from its head and, when
 * full, drops its oldest entry whether expired or not. The check runs the
 * module's steps (src/store/replay.c, locked_check): look the key up; if absent,
 * recall the group's canaries, refuse an authenticator that may have been
 * accepted before the group's "remembers from", store a canary when one is
 * due, then the key.
 *
 * The property: a replay that Kerberos would accept (its time within the
 * skew of the clock) is never taken for a new logon, however the cache
 * overflows; and a cache big enough for the load refuses nothing genuine.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "replay_horizon.h"

#define SECOND 1000000LL
#define SKEW (300 * SECOND)
#define LIFETIME (2 * SKEW)
#define SUBS 4
#define MAX_CAP 4096

typedef struct {
    unsigned char key[32];
    int64_t expires;
    int removed;
} entry;

typedef struct {
    entry e[MAX_CAP];
    int head, used;
} subcache;

static subcache subs[SUBS];
static int cap;
static int64_t clock_now;
static unsigned long discards;
static neg_horizon h;

enum { FRESH, SEEN, TOO_OLD };

static subcache *sub_of(const unsigned char *key)
{
    return &subs[key[0] & (SUBS - 1)];
}

static entry *at(subcache *s, int i)
{
    return &s->e[(s->head + i) % cap];
}

static void pop(subcache *s)
{
    s->head = (s->head + 1) % cap;
    s->used--;
}

/* shmcb_subcache_retrieve: an expired match is marked removed, not found */
static int model_lookup(void *ctx, const unsigned char key[32])
{
    subcache *s = sub_of(key);
    int i;

    (void)ctx;
    for (i = 0; i < s->used; i++) {
        entry *e = at(s, i);

        if (e->removed || memcmp(e->key, key, 32) != 0)
            continue;
        if (e->expires > clock_now)
            return 1;
        e->removed = 1;
        return 0;
    }
    return 0;
}

/* shmcb_subcache_store: expired or removed entries leave from the head;
 * a full ring drops its oldest */
static void model_store(const unsigned char key[32], int64_t expires)
{
    subcache *s = sub_of(key);
    entry *e;

    while (s->used > 0 && (at(s, 0)->removed || at(s, 0)->expires <= clock_now))
        pop(s);
    if (s->used == cap) {
        pop(s);
        discards++;
    }
    e = at(s, s->used++);
    memcpy(e->key, key, 32);
    e->expires = expires;
    e->removed = 0;
}

static void reset(int capacity)
{
    memset(subs, 0, sizeof(subs));
    cap = capacity;
    discards = 0;
    clock_now = 1000 * SECOND;
    neg_horizon_init(&h, clock_now);
}

static void random_key(unsigned char key[32])
{
    int i;

    for (i = 0; i < 32; i++)
        key[i] = (unsigned char)(rand() >> 7);
}

/* The module's check (replay.c, locked_check) of an authenticator made
 * at ctime (its earliest acceptance: ctime - skew). */
static int check(const unsigned char key[32], int64_t ctime)
{
    int64_t now = neg_horizon_now(&h, clock_now), until, from;
    unsigned char canary[32];

    if (model_lookup(NULL, key))
        return SEEN;
    if (neg_horizon_recall(&h, key[0], now, model_lookup, NULL) < 0)
        return -1;
    from = neg_horizon_remembers_from(&h, key[0]);
    if (from != 0 && ctime - SKEW <= from)
        return TOO_OLD;
    if (neg_horizon_storing(&h, key[0], now, LIFETIME, &until)) {
        random_key(canary);
        canary[0] = key[0];
        model_store(canary, until);
        neg_horizon_add(&h, key[0], canary, now, until);
    }
    model_store(key, now + LIFETIME);
    return FRESH;
}

typedef struct {
    unsigned char key[32];
    int64_t ctime, accepted;
} logon;

static logon *logons;

/* n logons, dt apart, each client's clock off by up to the skew; after
 * each, one earlier logon (that Kerberos would still accept) replayed.
 * Counts what happened; replays_tried: of entries the cache had dropped. */
static void run(int n, int64_t dt, int *fresh_refused, int *replays_passed,
                int *replays_tried)
{
    int i, j, r;

    *fresh_refused = *replays_passed = *replays_tried = 0;
    (void)r;
    for (i = 0; i < n; i++) {
        clock_now += dt;
        random_key(logons[i].key);
        logons[i].ctime = clock_now + (rand() % 600 - 300) * SECOND;
        logons[i].accepted = 0;
        if (logons[i].ctime - clock_now > SKEW || clock_now - logons[i].ctime > SKEW)
            continue;                       /* Kerberos refuses it */
        r = check(logons[i].key, logons[i].ctime);
        if (r == FRESH)
            logons[i].accepted = clock_now;
        else
            (*fresh_refused)++;
        j = rand() % (i + 1);
        if (logons[j].accepted == 0 || clock_now - logons[j].ctime > SKEW
            || logons[j].ctime - clock_now > SKEW)
            continue;
        if (!model_lookup(NULL, logons[j].key))
            (*replays_tried)++;
        if (check(logons[j].key, logons[j].ctime) == FRESH)
            (*replays_passed)++;
    }
}

static void test_big_enough(void)
{
    int refused, passed, tried;

    reset(MAX_CAP);
    run(20000, SECOND / 10, &refused, &passed, &tried);
    CHECK(discards == 0, "a cache big enough for the window drops nothing");
    CHECK(tried == 0 && passed == 0, "every replay found");
    CHECK(refused == 0, "no genuine logon refused");
    CHECK(h.remembers_from == 0, "and it remembers everything");
}

static void test_overflow(void)
{
    int refused, passed, tried;

    /* 4 x 200 entries for 2,000 logons a window: a third of it */
    reset(200);
    run(20000, LIFETIME / 2000, &refused, &passed, &tried);
    printf("# overflow: %lu dropped, %d refused, %d replays tried, %d passed\n",
           discards, refused, tried, passed);
    CHECK(discards > 10000, "an overflowing cache drops unexpired entries");
    CHECK(tried > 500, "replays of entries it dropped were tried");
    CHECK(passed == 0, "none passes as new");
    CHECK(refused > 0, "genuine logons it may have forgotten are refused");
    CHECK(h.remembers_from > 1000 * SECOND, "it knows since when it remembers");
}

static void test_mild_overflow(void)
{
    int refused, passed, tried;

    /* a cache that holds 3/4 of the window: only authenticators made
     * early (slow client clocks) may be refused, most pass */
    reset(375);
    run(20000, LIFETIME / 2000, &refused, &passed, &tried);
    printf("# 3/4: %lu dropped, %d refused, %d replays tried, %d passed\n",
           discards, refused, tried, passed);
    CHECK(discards > 0 && passed == 0, "3/4 of the window: drops, no replay passes");
    CHECK(refused < 20000 / 2, "and most genuine logons pass");
}

/* Logons whose keys land in the victim's sub-cache push it out (what an
 * unkeyed cache let a domain user do): its replay is refused. Those of
 * its own group are refused as soon as the group's canary is gone, and
 * push nothing out. */
static void test_one_subcache_flooded(void)
{
    unsigned char victim[32], key[32];
    int i, r, own = 0;

    reset(64);
    random_key(victim);
    clock_now += SECOND;
    CHECK(check(victim, clock_now) == FRESH, "the victim's logon");
    for (i = 0; i < 1000; i++) {
        clock_now += SECOND / 100;
        random_key(key);
        key[0] = (unsigned char)(victim[0] + SUBS * (1 + i % 3));
        check(key, clock_now);
    }
    CHECK(model_lookup(NULL, victim) == 0, "its entry was pushed out");
    r = check(victim, clock_now - 10 * SECOND);
    CHECK(r == TOO_OLD, "its replay is refused as too old");
    random_key(key);
    key[0] = (unsigned char)(victim[0] + 1);
    CHECK(check(key, clock_now) == FRESH, "a logon of another sub-cache passes");
    for (i = 0; i < 100; i++) {
        clock_now += SECOND / 100;
        random_key(key);
        key[0] = victim[0];
        own += check(key, clock_now) == TOO_OLD;
    }
    CHECK(own == 100, "its group refuses fresh logons until the skew has passed");
}

/* After the overload, once the skew has passed, fresh logons pass again. */
static void test_recovers(void)
{
    unsigned char key[32];
    int refused, passed, tried, i, ok = 0;

    reset(100);
    run(5000, SECOND / 100, &refused, &passed, &tried);
    CHECK(refused > 0, "overloaded: refusals");
    clock_now += SKEW + 2 * SECOND;
    for (i = 0; i < 100; i++) {
        clock_now += SECOND;
        random_key(key);
        ok += check(key, clock_now) == FRESH;
    }
    CHECK(ok == 100, "once the clock skew has passed, fresh logons pass");
}

static void test_clock_back(void)
{
    reset(64);
    CHECK(neg_horizon_now(&h, 2000 * SECOND) == 2000 * SECOND, "time moves on");
    CHECK(neg_horizon_now(&h, 1500 * SECOND) == 2000 * SECOND, "never back");
}

int main(void)
{
    srand(7);
    logons = calloc(20000, sizeof(*logons));
    if (logons == NULL)
        return 1;
    test_big_enough();
    test_overflow();
    test_mild_overflow();
    test_one_subcache_flooded();
    test_recovers();
    test_clock_back();
    free(logons);
    return check_summary();
}
