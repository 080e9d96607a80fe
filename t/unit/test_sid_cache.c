/*
 * test_sid_cache.c - the cache of SID names (src/domain/sid_cache.c): a user's
 * 1,501 groups held without collisions; the least recently used name goes
 * first; a failure never pushes out a name, nor replaces one; stale names
 * serve when a refresh fails, within their keep time; and 200,000 random
 * operations on a small table against a plain model of the same rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sid_cache.h"

/* S-1-5-21-1-2-<domain>-<rid> */
static neg_sid sid_of(uint32_t domain, uint32_t rid)
{
    static const uint8_t nt[6] = { 0, 0, 0, 0, 0, 5 };
    neg_sid s;

    memset(&s, 0, sizeof(s));
    s.revision = 1;
    s.count = 5;
    memcpy(s.authority, nt, 6);
    s.sub[0] = 21;
    s.sub[1] = 1;
    s.sub[2] = 2;
    s.sub[3] = domain;
    s.sub[4] = rid;
    return s;
}

static void name_of(uint32_t domain, uint32_t rid, char *out, size_t cap)
{
    snprintf(out, cap, "DOM%u\\group%05u", domain, rid);
}

/* Is the SID's name there, and right? */
static int has_name(neg_sid_cache *c, uint32_t domain, uint32_t rid, time_t now)
{
    neg_sid s = sid_of(domain, rid);
    char want[64], got[NEG_SID_CACHE_NAME_MAX];
    int st = -1;

    name_of(domain, rid, want, sizeof(want));
    return neg_sid_cache_get(c, &s, now, &st, got, sizeof(got)) == NEG_SC_FRESH
        && st == 0 && strcmp(got, want) == 0;
}

static void put(neg_sid_cache *c, uint32_t domain, uint32_t rid, time_t now)
{
    neg_sid s = sid_of(domain, rid);
    char name[64];

    name_of(domain, rid, name, sizeof(name));
    neg_sid_cache_put_name(c, &s, name, now, 600, 600);
}

static void fail(neg_sid_cache *c, uint32_t domain, uint32_t rid, time_t now)
{
    neg_sid s = sid_of(domain, rid);

    neg_sid_cache_put_failure(c, &s, 4, now, 5);
}

static void test_many_groups(void)
{
    neg_sid_cache *c = neg_sid_cache_new(16384);
    size_t names, failures;
    uint32_t r;
    int all = 1;

    for (r = 1000; r < 2501; r++)
        put(c, 7, r, 100);
    for (r = 1000; r < 2501; r++)
        all &= has_name(c, 7, r, 101);
    CHECK(all, "1,501 groups of one domain (sequential RIDs): every name held");
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 1501 && failures == 0, "1,501 names, no failure");

    /* a user in 4,096 groups, none named: every failure in a free entry */
    for (r = 0; r < 4096; r++)
        fail(c, 8, r, 102);
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 1501 && failures == 4096, "4,096 failures beside them");
    all = 1;
    for (r = 1000; r < 2501; r++)
        all &= has_name(c, 7, r, 103);
    CHECK(all, "every name still held");
    neg_sid_cache_free(c);
}

static void test_lru(void)
{
    neg_sid_cache *c = neg_sid_cache_new(4);
    uint32_t r;

    for (r = 0; r < 4; r++)
        put(c, 1, r, 10);
    CHECK(has_name(c, 1, 0, 11), "the first name is there (and now the most recent)");
    put(c, 1, 4, 12);
    CHECK(!has_name(c, 1, 1, 13), "full: a new name pushed out the least recently used");
    CHECK(has_name(c, 1, 0, 13) && has_name(c, 1, 2, 13) && has_name(c, 1, 3, 13)
          && has_name(c, 1, 4, 13), "and only that one");
    neg_sid_cache_free(c);
}

static void test_failures_never_evict_names(void)
{
    neg_sid_cache *c = neg_sid_cache_new(4);
    neg_sid s = sid_of(2, 99);
    size_t names, failures;
    char got[64];
    int st = 0;
    uint32_t r;

    for (r = 0; r < 4; r++)
        put(c, 1, r, 10);
    for (r = 0; r < 100; r++)
        fail(c, 2, r, 11);
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 4 && failures == 0, "full of names: 100 failures are not kept");
    CHECK(has_name(c, 1, 0, 12) && has_name(c, 1, 1, 12) && has_name(c, 1, 2, 12)
          && has_name(c, 1, 3, 12), "every name still held");

    fail(c, 1, 2, 13);
    CHECK(has_name(c, 1, 2, 14), "a failure for a SID whose name is fresh: the name stays");

    /* two names, two failures: a new failure replaces the older failure */
    neg_sid_cache_free(c);
    c = neg_sid_cache_new(4);
    put(c, 1, 0, 10);
    put(c, 1, 1, 10);
    fail(c, 2, 0, 11);
    fail(c, 2, 1, 12);
    fail(c, 2, 2, 13);
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 2 && failures == 2, "a failure takes a failure's entry");
    s = sid_of(2, 0);
    CHECK(neg_sid_cache_get(c, &s, 14, &st, got, sizeof(got)) == NEG_SC_MISS,
          "the least recently used failure went");
    s = sid_of(2, 2);
    CHECK(neg_sid_cache_get(c, &s, 14, &st, got, sizeof(got)) == NEG_SC_FRESH && st == 4,
          "the new failure is there, with its status");
    put(c, 3, 0, 15);
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 3 && failures == 1, "full: a new name takes a failure's entry first");
    CHECK(has_name(c, 1, 0, 16) && has_name(c, 1, 1, 16) && has_name(c, 3, 0, 16),
          "and every name stays");
    put(c, 2, 2, 17);
    neg_sid_cache_count(c, &names, &failures);
    CHECK(names == 4 && failures == 0 && has_name(c, 2, 2, 18),
          "a name winbind gives later replaces the SID's failure");
    neg_sid_cache_free(c);
}

static void test_times(void)
{
    neg_sid_cache *c = neg_sid_cache_new(8);
    neg_sid s = sid_of(1, 1), f = sid_of(1, 2);
    char got[64];
    int st = -1;

    neg_sid_cache_put_name(c, &s, "EXAMPLE\\WebAdmins", 0, 10, 10);
    CHECK(neg_sid_cache_get(c, &s, 9, &st, got, sizeof(got)) == NEG_SC_FRESH,
          "fresh within its ttl");
    memset(got, 0, sizeof(got));
    CHECK(neg_sid_cache_get(c, &s, 15, &st, got, sizeof(got)) == NEG_SC_STALE
          && st == 0 && strcmp(got, "EXAMPLE\\WebAdmins") == 0,
          "then stale, with its name");
    neg_sid_cache_put_failure(c, &s, 4, 15, 3);
    CHECK(neg_sid_cache_get(c, &s, 17, &st, got, sizeof(got)) == NEG_SC_FRESH && st == 0,
          "a failed refresh: the stale name is used for the failure's ttl");
    CHECK(neg_sid_cache_get(c, &s, 18, &st, got, sizeof(got)) == NEG_SC_STALE,
          "then asked again");
    neg_sid_cache_put_failure(c, &s, 4, 19, 5);
    CHECK(neg_sid_cache_get(c, &s, 19, &st, got, sizeof(got)) == NEG_SC_FRESH,
          "another failure: used again");
    CHECK(neg_sid_cache_get(c, &s, 20, &st, got, sizeof(got)) == NEG_SC_MISS,
          "never beyond its keep time");

    neg_sid_cache_put_failure(c, &f, 7, 100, 5);
    CHECK(neg_sid_cache_get(c, &f, 104, &st, got, sizeof(got)) == NEG_SC_FRESH && st == 7,
          "a failure within its ttl");
    CHECK(neg_sid_cache_get(c, &f, 105, &st, got, sizeof(got)) == NEG_SC_MISS,
          "then gone");
    neg_sid_cache_free(c);
}

static void test_long_name(void)
{
    neg_sid_cache *c = neg_sid_cache_new(2);
    neg_sid s = sid_of(1, 1);
    char name[1000], got[1000];
    int st = -1;

    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    neg_sid_cache_put_name(c, &s, name, 0, 10, 10);
    neg_sid_cache_get(c, &s, 1, &st, got, sizeof(got));
    CHECK(strlen(got) == NEG_SID_CACHE_NAME_MAX - 1, "a name is kept to its bound");
    neg_sid_cache_get(c, &s, 1, &st, got, 8);
    CHECK(strlen(got) == 7, "and copied to the caller's");
    neg_sid_cache_free(c);
}

/* ----------------------------------------------------- model check */

#define M_CAP 16
#define M_SIDS 48

typedef struct {
    int used, is_name, status;
    time_t fresh, keep;
    unsigned long last;         /* use order */
} model_entry;

static model_entry model[M_SIDS];
static unsigned long tick;

static int model_count(int names)
{
    int i, n = 0;

    for (i = 0; i < M_SIDS; i++)
        n += model[i].used && (names ? model[i].is_name : !model[i].is_name);
    return n;
}

/* the least recently used entry of a kind, -1 if none */
static int model_lru(int names)
{
    int i, best = -1;

    for (i = 0; i < M_SIDS; i++) {
        if (model[i].used && model[i].is_name == names
            && (best < 0 || model[i].last < model[best].last))
            best = i;
    }
    return best;
}

/* room for a new entry: 1 if there is (evicting as the cache does) */
static int model_room(int for_name)
{
    int v;

    if (model_count(1) + model_count(0) < M_CAP)
        return 1;
    if ((v = model_lru(0)) < 0 && for_name)
        v = model_lru(1);
    if (v < 0)
        return 0;
    model[v].used = 0;
    return 1;
}

static neg_sc_found model_get(int k, time_t now, int *status)
{
    model_entry *m = &model[k];

    if (!m->used)
        return NEG_SC_MISS;
    if (now >= (m->is_name ? m->keep : m->fresh)) {
        m->used = 0;
        return NEG_SC_MISS;
    }
    m->last = ++tick;
    *status = m->is_name ? 0 : m->status;
    return now < m->fresh ? NEG_SC_FRESH : NEG_SC_STALE;
}

static void model_put_name(int k, time_t now, int ttl, int keep)
{
    if (!model[k].used && !model_room(1))
        return;
    model[k] = (model_entry){ 1, 1, 0, now + ttl, now + ttl + keep, ++tick };
}

static void model_put_failure(int k, int status, time_t now, int ttl)
{
    model_entry *m = &model[k];

    if (m->used && m->is_name) {
        if (m->fresh <= now)
            m->fresh = now + ttl < m->keep ? now + ttl : m->keep;
        return;
    }
    if (!m->used && !model_room(0))
        return;
    *m = (model_entry){ 1, 0, status, now + ttl, 0, ++tick };
}

static void test_against_model(void)
{
    neg_sid_cache *c = neg_sid_cache_new(M_CAP);
    time_t now = 1000;
    int i, agree = 1, first_bad = -1;
    size_t names, failures;

    srand(20261207);
    for (i = 0; i < 200000 && agree; i++) {
        int k = rand() % M_SIDS, op = rand() % 4, st_c = -1, st_m = -1;
        neg_sid s = sid_of(9, (uint32_t)k);
        char got[64], want[64];

        now += rand() % 3;
        name_of(9, (uint32_t)k, want, sizeof(want));
        if (op == 0) {
            neg_sc_found fc = neg_sid_cache_get(c, &s, now, &st_c, got, sizeof(got));
            neg_sc_found fm = model_get(k, now, &st_m);

            agree = fc == fm && (fc == NEG_SC_MISS
                                 || (st_c == st_m && (st_c != 0 || strcmp(got, want) == 0)));
        }
        else if (op == 1) {
            int ttl = 1 + rand() % 20, keep = rand() % 20;

            neg_sid_cache_put_name(c, &s, want, now, ttl, keep);
            model_put_name(k, now, ttl, keep);
        }
        else {
            int status = 1 + rand() % 5, ttl = 1 + rand() % 10;

            neg_sid_cache_put_failure(c, &s, status, now, ttl);
            model_put_failure(k, status, now, ttl);
        }
        neg_sid_cache_count(c, &names, &failures);
        agree = agree && (int)names == model_count(1) && (int)failures == model_count(0);
        if (!agree)
            first_bad = i;
    }
    if (!agree)
        printf("# first disagreement at operation %d\n", first_bad);
    CHECK(agree, "200,000 random operations: the cache does what the model does");
    neg_sid_cache_free(c);
}

int main(void)
{
    test_many_groups();
    test_lru();
    test_failures_never_evict_names();
    test_times();
    test_long_name();
    test_against_model();
    return check_summary();
}
