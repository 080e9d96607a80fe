/*
 * test_s4u_cache.c - the cache of delegated tickets (src/krb5/s4u_cache.c):
 * a value is found under its exact key only (another user, a user whose
 * name differs in case or is a prefix, another SPN or kind of evidence
 * find nothing), lookups copy, entries leave at their usable_until, the
 * bounds on entries and bytes hold with the least recently used going
 * first, a second store replaces the first, threads do not corrupt it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "check.h"
#include "s4u_cache.h"

/* A key as s4u.c makes them: fields each followed by a NUL. */
static size_t key_of(char *buf, size_t cap, const char *user, const char *spn,
                     const char *kind)
{
    int n = snprintf(buf, cap, "%s%c/kt:1:2%c%s%c%s", kind, 0, 0, user, 0, spn);

    return n < 0 ? 0 : (size_t)n + 1;
}

static int has(neg_s4u_cache *c, const char *user, const char *spn,
               const char *kind, int64_t now, apr_pool_t *p, const char **v)
{
    char key[256];
    size_t kl = key_of(key, sizeof(key), user, spn, kind), vl;
    void *value;
    int found = neg_s4u_cache_get(c, key, kl, now, p, &value, &vl);

    if (v != NULL)
        *v = found ? value : NULL;
    return found;
}

static int count(neg_s4u_cache *c)
{
    int n;
    size_t bytes;

    neg_s4u_cache_size(c, &n, &bytes);
    return n;
}

static size_t bytes_of(neg_s4u_cache *c)
{
    int n;
    size_t bytes;

    neg_s4u_cache_size(c, &n, &bytes);
    return bytes;
}

static void put(neg_s4u_cache *c, const char *user, const char *spn,
                const char *kind, const char *value, int64_t until, int64_t now)
{
    char key[256];
    size_t kl = key_of(key, sizeof(key), user, spn, kind);

    neg_s4u_cache_put(c, key, kl, value, strlen(value) + 1, until, now);
}

static void test_exact_key(apr_pool_t *p)
{
    neg_s4u_cache *c = neg_s4u_cache_create(p, 16, 1 << 20);
    char value[32] = "ticket-of-alice";
    const char *v;

    put(c, "alice@EXAMPLE.TEST", "HTTP/api", "proxy", value, 5000, 1000);
    memset(value, 'x', 5);                  /* the cache keeps its own copy */
    CHECK(has(c, "alice@EXAMPLE.TEST", "HTTP/api", "proxy", 1001, p, &v)
          && strcmp(v, "ticket-of-alice") == 0, "alice's ticket, copied at put");
    CHECK(!has(c, "bob@EXAMPLE.TEST", "HTTP/api", "proxy", 1001, p, NULL),
          "another user: none");
    CHECK(!has(c, "Alice@EXAMPLE.TEST", "HTTP/api", "proxy", 1001, p, NULL),
          "the user's name in another case: none");
    CHECK(!has(c, "alice@EXAMPLE.TES", "HTTP/api", "proxy", 1001, p, NULL),
          "a prefix of the user's name: none");
    CHECK(!has(c, "alice@EXAMPLE.TEST", "HTTP/api2", "proxy", 1001, p, NULL),
          "another SPN: none");
    CHECK(!has(c, "alice@EXAMPLE.TEST", "HTTP/api", "self+proxy", 1001, p, NULL),
          "another kind of evidence: none");
    CHECK(count(c) == 1, "one entry");
}

static void test_expiry(apr_pool_t *p)
{
    neg_s4u_cache *c = neg_s4u_cache_create(p, 16, 1 << 20);

    put(c, "alice", "HTTP/api", "proxy", "t", 2000, 1000);
    CHECK(has(c, "alice", "HTTP/api", "proxy", 1999, p, NULL), "served before usable_until");
    CHECK(!has(c, "alice", "HTTP/api", "proxy", 2000, p, NULL), "not at usable_until");
    CHECK(count(c) == 0, "... and dropped");
    put(c, "alice", "HTTP/api", "proxy", "t", 900, 1000);
    CHECK(count(c) == 0, "an entry already over is not kept");
    CHECK(neg_s4u_cache_usable_until(0, 36000) == 32400,
          "a 10 h ticket: served until an hour before it ends");
    CHECK(neg_s4u_cache_usable_until(0, 300) == 240,
          "a 5 min ticket: until 60 s before it ends");
    CHECK(neg_s4u_cache_usable_until(1000, 1050) <= 1000,
          "a ticket shorter than 60 s: never served from the cache");
}

static void test_bounds(apr_pool_t *p)
{
    neg_s4u_cache *c = neg_s4u_cache_create(p, 3, 1 << 20);

    put(c, "u1", "s", "proxy", "t", 9000, 1000);
    put(c, "u2", "s", "proxy", "t", 9000, 1000);
    put(c, "u3", "s", "proxy", "t", 9000, 1000);
    CHECK(has(c, "u1", "s", "proxy", 1001, p, NULL), "u1 used: now the newest");
    put(c, "u4", "s", "proxy", "t", 9000, 1000);
    CHECK(count(c) == 3, "three entries at most");
    CHECK(!has(c, "u2", "s", "proxy", 1001, p, NULL), "the least recently used left");
    CHECK(has(c, "u1", "s", "proxy", 1001, p, NULL)
          && has(c, "u3", "s", "proxy", 1001, p, NULL)
          && has(c, "u4", "s", "proxy", 1001, p, NULL), "the others stay");
    put(c, "u4", "s", "proxy", "t2", 9000, 1000);
    CHECK(count(c) == 3, "a second store of a key replaces the first");
}

static void test_bytes(apr_pool_t *p)
{
    char big[3000];
    neg_s4u_cache *c = neg_s4u_cache_create(p, 100, 8000);
    int i;

    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (i = 0; i < 5; i++) {
        char user[16];

        snprintf(user, sizeof(user), "u%d", i);
        put(c, user, "s", "proxy", big, 9000, 1000);
    }
    CHECK(bytes_of(c) <= 8000, "the bytes stay within the bound");
    CHECK(count(c) == 2, "two 3000-byte values fit in 8000 bytes");
    CHECK(has(c, "u4", "s", "proxy", 1001, p, NULL) && has(c, "u3", "s", "proxy", 1001, p, NULL),
          "the newest stay");
    {
        char huge[9000];

        memset(huge, 'h', sizeof(huge) - 1);
        huge[sizeof(huge) - 1] = '\0';
        put(c, "u9", "s", "proxy", huge, 9000, 1000);
    }
    CHECK(!has(c, "u9", "s", "proxy", 1001, p, NULL) && count(c) == 2,
          "a value larger than the cache is not kept and evicts nothing");
}

typedef struct {
    neg_s4u_cache *c;
    int id, wrong;
} work;

/* Each thread stores and reads its own users' values: a value found is
 * always its own. */
static void *worker(void *data)
{
    work *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 20000; i++) {
        char user[32], value[40];
        const char *v;

        snprintf(user, sizeof(user), "t%d-u%d", w->id, i % 50);
        snprintf(value, sizeof(value), "v-%s", user);
        if (i % 3 == 0)
            put(w->c, user, "s", "proxy", value, 9000, 1000);
        else if (has(w->c, user, "s", "proxy", 1001, p, &v) && strcmp(v, value) != 0)
            w->wrong++;
        if (i % 1000 == 0)
            apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

static void test_threads(apr_pool_t *p)
{
    neg_s4u_cache *c = neg_s4u_cache_create(p, 64, 1 << 20);
    pthread_t t[4];
    work w[4];
    int i, wrong = 0;

    for (i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].id = i;
        w[i].wrong = 0;
        pthread_create(&t[i], NULL, worker, &w[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        wrong += w[i].wrong;
    }
    CHECK(wrong == 0, "four threads: every value found was the key's own");
    CHECK(count(c) <= 64, "... and the bound held");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_exact_key(p);
    test_expiry(p);
    test_bounds(p);
    test_bytes(p);
    test_threads(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
