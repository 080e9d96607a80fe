/*
 * test_ticket_cache.c - the store of verified tickets (src/krb5/ticket_cache.c):
 * lookups copy, entries leave when their ticket is over, the bounds on
 * entries and bytes hold with the least recently used going first, a
 * second store of a key replaces the first.
 */
#include <pthread.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "check.h"
#include "ticket_cache.h"

static void key_of(unsigned char key[NEG_TICKET_KEY_LEN], int n)
{
    memset(key, 0, NEG_TICKET_KEY_LEN);
    key[0] = (unsigned char)n;
    key[31] = (unsigned char)(n >> 8);
}

static neg_ticket_entry entry(const char *principal, int64_t end,
                              const unsigned char *pac, size_t pac_len)
{
    static const unsigned char client[] = "alice\0EXAMPLE.TEST";
    neg_ticket_entry e;

    memset(&e, 0, sizeof(e));
    e.enctype = 18;
    e.session_key_len = 32;
    memset(e.session_key, 0x5a, 32);
    e.authtime = e.starttime = 1000;
    e.endtime = end;
    e.client = client;
    e.client_len = sizeof(client);
    e.principal = principal;
    e.pac = pac;
    e.pac_len = pac_len;
    return e;
}

static int has(neg_ticket_cache *c, int n, int64_t now, apr_pool_t *p)
{
    unsigned char key[NEG_TICKET_KEY_LEN];
    neg_ticket_entry out;

    key_of(key, n);
    return neg_ticket_cache_get(c, key, now, 300, p, &out);
}

static void test_get_copies(apr_pool_t *p)
{
    neg_ticket_cache *c = neg_ticket_cache_create(p, 4, 1 << 20);
    unsigned char key[NEG_TICKET_KEY_LEN], pac[100];
    char name[32] = "alice@EXAMPLE.TEST";
    neg_ticket_entry e, out;

    memset(pac, 7, sizeof(pac));
    key_of(key, 1);
    e = entry(name, 5000, pac, sizeof(pac));
    neg_ticket_cache_put(c, key, &e);
    memset(name, 'x', 5);                   /* the cache keeps its own copy */
    memset(pac, 0, sizeof(pac));
    CHECK(neg_ticket_cache_get(c, key, 2000, 300, p, &out), "stored entry found");
    CHECK(strcmp(out.principal, "alice@EXAMPLE.TEST") == 0, "principal copied at put");
    CHECK(out.pac_len == 100 && out.pac[0] == 7 && out.pac[99] == 7, "PAC copied at put");
    CHECK(out.session_key_len == 32 && out.session_key[31] == 0x5a && out.enctype == 18,
          "session key and enctype");
    CHECK(out.client_len == e.client_len && memcmp(out.client, e.client, e.client_len) == 0,
          "client name bytes");
    CHECK(out.endtime == 5000 && out.starttime == 1000, "times");
    key[5] ^= 1;
    CHECK(!neg_ticket_cache_get(c, key, 2000, 300, p, &out), "a key differing in one bit: none");
    CHECK(neg_ticket_cache_count(c) == 1, "one entry");
}

static void test_expiry(apr_pool_t *p)
{
    neg_ticket_cache *c = neg_ticket_cache_create(p, 4, 1 << 20);
    unsigned char key[NEG_TICKET_KEY_LEN];
    neg_ticket_entry e = entry("alice@EXAMPLE.TEST", 5000, NULL, 0);

    key_of(key, 2);
    neg_ticket_cache_put(c, key, &e);
    CHECK(has(c, 2, 5300, p), "found up to the end time plus the grace");
    CHECK(!has(c, 2, 5301, p), "not one second after");
    CHECK(neg_ticket_cache_count(c) == 0, "and dropped then");
    CHECK(!has(c, 2, 2000, p), "gone for good (not found again at an earlier time)");
}

static void test_bounds(apr_pool_t *p)
{
    neg_ticket_cache *c = neg_ticket_cache_create(p, 3, 1 << 20);
    unsigned char key[NEG_TICKET_KEY_LEN];
    neg_ticket_entry e = entry("alice@EXAMPLE.TEST", 5000, NULL, 0);
    int i;

    for (i = 1; i <= 3; i++) {
        key_of(key, i);
        neg_ticket_cache_put(c, key, &e);
    }
    CHECK(has(c, 1, 2000, p), "entry 1 used: now the most recent");
    key_of(key, 4);
    neg_ticket_cache_put(c, key, &e);
    CHECK(neg_ticket_cache_count(c) == 3, "at most 3 entries");
    CHECK(!has(c, 2, 2000, p), "the least recently used (2) went");
    CHECK(has(c, 1, 2000, p) && has(c, 3, 2000, p) && has(c, 4, 2000, p), "1, 3, 4 stay");
    key_of(key, 3);
    neg_ticket_cache_put(c, key, &e);
    CHECK(neg_ticket_cache_count(c) == 3, "storing a key again replaces it");
}

static void test_bytes(apr_pool_t *p)
{
    static unsigned char pac[3000];
    neg_ticket_cache *c = neg_ticket_cache_create(p, 100, 8000);
    unsigned char key[NEG_TICKET_KEY_LEN];
    neg_ticket_entry e = entry("alice@EXAMPLE.TEST", 5000, pac, sizeof(pac));
    neg_ticket_entry big = entry("bob@EXAMPLE.TEST", 5000, pac, sizeof(pac));
    int i;

    for (i = 1; i <= 5; i++) {
        key_of(key, i);
        neg_ticket_cache_put(c, key, &e);
    }
    CHECK(neg_ticket_cache_count(c) == 2, "8000 bytes hold two entries of a 3000-byte PAC");
    CHECK(has(c, 4, 2000, p) && has(c, 5, 2000, p), "the last two");
    big.pac_len = sizeof(pac);
    c = neg_ticket_cache_create(p, 100, 2000);
    key_of(key, 9);
    neg_ticket_cache_put(c, key, &big);
    CHECK(neg_ticket_cache_count(c) == 0, "an entry larger than the cache is not kept");
}

/* Threads storing, finding and evicting at once (run under ASan/UBSan by
 * the suite's sanitizer pass): every entry found is whole. */
typedef struct {
    neg_ticket_cache *c;
    int seed, bad;
} worker_arg;

static void *worker(void *data)
{
    worker_arg *w = data;
    apr_pool_t *p;
    unsigned char key[NEG_TICKET_KEY_LEN], pac[64];
    neg_ticket_entry e, out;
    unsigned r = (unsigned)w->seed;
    int i;

    apr_pool_create(&p, NULL);
    memset(pac, 3, sizeof(pac));
    e = entry("alice@EXAMPLE.TEST", 5000, pac, sizeof(pac));
    for (i = 0; i < 20000; i++) {
        r = r * 1103515245u + 12345u;
        key_of(key, (int)(r >> 16) % 64);
        if (r & 0x100)
            neg_ticket_cache_put(w->c, key, &e);
        else if (neg_ticket_cache_get(w->c, key, 2000, 300, p, &out)
                 && (out.pac_len != 64 || out.pac[63] != 3
                     || strcmp(out.principal, "alice@EXAMPLE.TEST") != 0))
            w->bad++;
        if (i % 1000 == 0)
            apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return NULL;
}

static void test_threads(apr_pool_t *p)
{
    neg_ticket_cache *c = neg_ticket_cache_create(p, 16, 1 << 20);
    pthread_t t[4];
    worker_arg w[4];
    int i, bad = 0;

    for (i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].seed = i + 1;
        w[i].bad = 0;
        pthread_create(&t[i], NULL, worker, &w[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        bad += w[i].bad;
    }
    CHECK(bad == 0, "4 threads x 20,000 stores and lookups over 64 keys: every entry whole");
    CHECK(neg_ticket_cache_count(c) <= 16, "and the bound held");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_get_copies(p);
    test_expiry(p);
    test_bounds(p);
    test_bytes(p);
    test_threads(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
