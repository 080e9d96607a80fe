/*
 * failure_limit.c - NegotiateFailureLimit (see failure_limit.h).
 */
#include "failure_limit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "apr_strings.h"
#include "apr_general.h"

#include "replay_key.h"
#include "secret.h"

#define SLOTS NEG_FAILURE_LIMIT_SLOTS
#define PROBE 16
#define ADDR_SLOTS 1024
#define USER_MAX 512

typedef struct {
    uint32_t lock;
    uint32_t count;             /* places taken in the window */
    int64_t window_end;         /* seconds; 0: free */
    uint32_t logged;            /* the window's line was written */
    uint32_t addr;              /* its address's slot */
    int64_t addr_window_end;    /* ... in that slot's window */
    unsigned char key[32];
} slot;

/* The entries an address opened in its window (the per-address bound). */
typedef struct {
    uint32_t lock;
    uint32_t entries;
    int64_t window_end;
    unsigned char key[32];
} addr_slot;

typedef struct {
    uint32_t keyed;             /* 0, 1 making the key, 2 made */
    unsigned char secret[NEG_REPLAY_SECRET_LEN];
    int64_t noted_until[NEG_FAIL_EVENTS];
    slot slots[SLOTS];
    addr_slot addrs[ADDR_SLOTS];
} block;

static block own;
static block *blk = &own;
static int limit_count = NEG_FAILURE_LIMIT_DEFAULT_COUNT;
static int limit_seconds = NEG_FAILURE_LIMIT_DEFAULT_SECONDS;
static neg_fail_farm farm;

void neg_failure_limit_configure(int count, int seconds)
{
    limit_count = count;
    limit_seconds = seconds;
}

int neg_failure_limit_count(void) { return limit_count; }
int neg_failure_limit_seconds(void) { return limit_seconds; }

void neg_failure_limit_farm(const neg_fail_farm *f)
{
    if (f != NULL)
        farm = *f;
    else
        memset(&farm, 0, sizeof(farm));
}

int neg_failure_limit_share(void)
{
    static block *shared;
    void *m;

    if (shared != NULL)
        return 1;
    m = mmap(NULL, sizeof(block), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    shared = blk = m;
    return 1;
}

/* A slot's lock. Held for a few instructions; a holder preempted (more
 * threads than CPUs) is waited for by yielding the CPU to it, not by
 * spinning through the rest of our time slice. */
static void take(uint32_t *l)
{
    uint32_t zero;
    int spins;

    for (;;) {
        zero = 0;
        if (__atomic_compare_exchange_n(l, &zero, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        for (spins = 0; __atomic_load_n(l, __ATOMIC_RELAXED) != 0; spins++)
            if (spins >= 100)
                sched_yield();
    }
}

static void give(uint32_t *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static const unsigned char *secret(void)
{
    uint32_t zero = 0;

    if (__atomic_load_n(&blk->keyed, __ATOMIC_ACQUIRE) == 2)
        return blk->secret;
    if (__atomic_compare_exchange_n(&blk->keyed, &zero, 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
        if (apr_generate_random_bytes(blk->secret, sizeof(blk->secret)) != APR_SUCCESS)
            memset(blk->secret, 0x5a, sizeof(blk->secret));   /* still keyed per name */
        __atomic_store_n(&blk->keyed, 2, __ATOMIC_RELEASE);
    }
    while (__atomic_load_n(&blk->keyed, __ATOMIC_ACQUIRE) != 2)
        ;
    return blk->secret;
}

int neg_failure_limit_once(neg_fail_event ev, int64_t now)
{
    int64_t until = __atomic_load_n(&blk->noted_until[ev], __ATOMIC_RELAXED);

    while (now >= until) {
        if (__atomic_compare_exchange_n(&blk->noted_until[ev], &until, now + limit_seconds,
                                        0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return 1;
    }
    return 0;
}

int neg_failure_refund_allowed(int64_t window_end, int64_t now)
{
    return now + NEG_FAILURE_REFUND_MARGIN_S < window_end;
}

int64_t neg_failure_farm_window_end(int64_t now, long long ttl_ms)
{
    return ttl_ms < 0 ? 0 : now + ttl_ms / 1000;
}

static size_t lower_into(char *out, size_t at, size_t cap, const char *s)
{
    for (; s != NULL && *s && at + 1 < cap; s++)
        out[at++] = (char)tolower((unsigned char)*s);
    out[at] = '\0';
    return at;
}

/* The client's address as the limit counts it: an IPv6 address's /64
 * (one host holds a whole /64, and may send from any address of it),
 * else the address ("-": none). */
static void counted_address(const char *client, char *out, size_t cap)
{
    unsigned char a6[16];

    if (client != NULL && inet_pton(AF_INET6, client, a6) == 1
        && !IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a6)) {
        memset(a6 + 8, 0, 8);
        if (inet_ntop(AF_INET6, a6, out, (socklen_t)cap) != NULL)
            return;
    }
    apr_cpystrn(out, client ? client : "-", cap);
}

/* "domain\account\naddress", lower case; the domain winbind's NetBIOS
 * name where the client named winbind's domain (or none); the address as
 * counted_address gives it. */
void neg_failure_limit_key(const unsigned char sec[32], const char *account,
                           const char *domain, const char *own_netbios,
                           const char *own_dns, const char *client,
                           unsigned char key[32])
{
    char buf[USER_MAX * 2], addr[INET6_ADDRSTRLEN + 1];
    size_t n = 0;

    if (domain == NULL || *domain == '\0'
        || (own_dns != NULL && strcasecmp(domain, own_dns) == 0))
        domain = own_netbios ? own_netbios : "";
    n = lower_into(buf, n, sizeof(buf), domain);
    n = lower_into(buf, n, sizeof(buf), "\\");
    n = lower_into(buf, n, sizeof(buf), account);
    n = lower_into(buf, n, sizeof(buf), "\n");
    counted_address(client, addr, sizeof(addr));
    n = lower_into(buf, n, sizeof(buf), addr);
    neg_replay_key_mac(sec, (const unsigned char *)buf, n, key);
    neg_wipe(buf, sizeof(buf));
}

/* The key of the client's address for the per-address bound. */
static void addr_key(const char *client, unsigned char key[32])
{
    char buf[64] = "address\n";
    size_t n = strlen(buf);

    counted_address(client, buf + n, sizeof(buf) - n);
    neg_replay_key_mac(secret(), (const unsigned char *)buf, strlen(buf), key);
}

/* One more entry for the address, unless it has opened its share in its
 * window: 1 (*index, *window_end: where it was counted), or 0. An
 * address's slot is taken over when its window has ended or, when all
 * its places are live, from the one nearest its end (forgetting a bound,
 * never a count). */
static int addr_admits(const char *client, int64_t sec, uint32_t *index,
                       int64_t *window_end)
{
    unsigned char key[32];
    uint32_t h;
    addr_slot *a = NULL, *c;
    int i, ok;

    addr_key(client, key);
    memcpy(&h, key, sizeof(h));
    for (i = 0; i < PROBE; i++) {
        c = &blk->addrs[(h + (uint32_t)i) % ADDR_SLOTS];
        take(&c->lock);
        if (c->window_end > sec && memcmp(c->key, key, 32) == 0) {
            if (a != NULL)
                give(&a->lock);
            a = c;
            break;
        }
        if (a == NULL || c->window_end < a->window_end) {
            if (a != NULL)
                give(&a->lock);
            a = c;
        }
        else
            give(&c->lock);
    }
    if (a->window_end <= sec || memcmp(a->key, key, 32) != 0) {
        memcpy(a->key, key, 32);
        a->entries = 0;
        a->window_end = sec + limit_seconds;
    }
    ok = a->entries < NEG_FAILURE_LIMIT_PER_ADDRESS;
    if (ok)
        a->entries++;
    *index = (uint32_t)(a - blk->addrs);
    *window_end = a->window_end;
    give(&a->lock);
    return ok;
}

/* An entry that counts no more: its address may open another. */
static void addr_release(const slot *s)
{
    addr_slot *a = &blk->addrs[s->addr % ADDR_SLOTS];

    take(&a->lock);
    if (a->window_end == s->addr_window_end && a->entries > 0)
        a->entries--;
    give(&a->lock);
}

/* Can c be given to a new entry? Free, ended, or counting nothing. */
static int reusable(const slot *c, int64_t sec)
{
    return c->window_end <= sec || c->count == 0;
}

/* The live entry of key (locked), or a slot it may take (locked, *fresh),
 * or NULL when all its places count for others. */
static slot *find(const unsigned char key[32], int64_t sec, int *fresh)
{
    uint32_t h;
    slot *s = NULL, *cand = NULL, *c;
    int i;

    *fresh = 0;
    memcpy(&h, key, sizeof(h));
    for (i = 0; i < PROBE && s == NULL; i++) {
        c = &blk->slots[(h + (uint32_t)i) % SLOTS];
        take(&c->lock);
        if (c->window_end > sec && memcmp(c->key, key, 32) == 0)
            s = c;
        else if (cand == NULL && reusable(c, sec))
            cand = c;
        else
            give(&c->lock);
    }
    if (s != NULL) {
        if (cand != NULL)
            give(&cand->lock);
        return s;
    }
    *fresh = cand != NULL;
    return cand;
}

typedef enum { LOCAL_GO, LOCAL_BLOCKED, LOCAL_BLOCKED_FIRST, LOCAL_FULL, LOCAL_CROWDED } local;

/* A new entry in s (locked): counted against its address first. */
static local open_entry(slot *s, const unsigned char key[32], const char *client,
                        int64_t sec)
{
    uint32_t index;
    int64_t addr_end;

    /* a live entry counting nothing gave its address share back when
     * its count went to 0 (table_passed) */
    s->window_end = 0;
    s->addr_window_end = 0;
    if (!addr_admits(client, sec, &index, &addr_end))
        return LOCAL_CROWDED;
    memcpy(s->key, key, 32);
    s->count = 0;
    s->logged = 0;
    s->window_end = sec + limit_seconds;
    s->addr = index;
    s->addr_window_end = addr_end;
    return LOCAL_GO;
}

static local table_begin(neg_fail_ticket *t, const char *client, int64_t sec)
{
    int fresh;
    slot *s = find(t->key, sec, &fresh);
    local d = LOCAL_GO;

    if (s == NULL)
        return LOCAL_FULL;
    if (fresh && (d = open_entry(s, t->key, client, sec)) != LOCAL_GO) {
        give(&s->lock);
        return d;
    }
    if (s->count >= (uint32_t)limit_count) {
        d = s->logged ? LOCAL_BLOCKED : LOCAL_BLOCKED_FIRST;
        s->logged = 1;
    }
    else {
        s->count++;
        t->armed = 1;
        t->window_end = s->window_end;
    }
    give(&s->lock);
    return d;
}

/* The table's place of t given back, if its window is still the one. */
static void table_passed(neg_fail_ticket *t, int64_t sec)
{
    uint32_t h;
    slot *c;
    int i;

    if (!t->armed)
        return;
    t->armed = 0;
    memcpy(&h, t->key, sizeof(h));
    for (i = 0; i < PROBE; i++) {
        c = &blk->slots[(h + (uint32_t)i) % SLOTS];
        take(&c->lock);
        if (c->window_end == t->window_end && c->window_end > sec
            && memcmp(c->key, t->key, 32) == 0) {
            if (c->count > 0 && --c->count == 0)
                addr_release(c);
            if (c->count == 0)
                c->addr_window_end = 0;
            give(&c->lock);
            return;
        }
        give(&c->lock);
    }
}

static void note(neg_fail_event ev, const char *client, int64_t sec)
{
    if (farm.note != NULL && neg_failure_limit_once(ev, sec))
        farm.note(farm.baton, ev, client);
}

/* The farm's count, after the table let the logon go. */
static neg_fail_decision farm_begin(neg_fail_ticket *t, const char *account,
                                    const char *domain, const char *own_netbios,
                                    const char *own_dns, const char *client, int64_t sec)
{
    long long count = 0;
    int64_t end = 0;

    neg_failure_limit_key(farm.secret, account, domain, own_netbios, own_dns, client,
                          t->farm_key);
    if (!farm.add(farm.baton, t->farm_key, 1, limit_seconds, &count, &end)) {
        note(NEG_FAIL_EVENT_FARM_DOWN, client, sec);
        return NEG_FAIL_GO;     /* this server's count alone */
    }
    if (count > limit_count) {
        table_passed(t, sec);   /* the domain is not asked */
        return count == (long long)limit_count + 1 ? NEG_FAIL_BLOCKED_FIRST
                                                   : NEG_FAIL_BLOCKED;
    }
    t->farm_armed = 1;
    t->farm_window_end = end;
    return NEG_FAIL_GO;
}

neg_fail_decision neg_failure_limit_begin(const char *account, const char *domain,
                                          const char *own_netbios, const char *own_dns,
                                          const char *client, apr_time_t now,
                                          neg_fail_ticket *t)
{
    int64_t sec = (int64_t)apr_time_sec(now);
    local d;

    memset(t, 0, sizeof(*t));
    if (limit_count <= 0)
        return NEG_FAIL_GO;
    neg_failure_limit_key(secret(), account, domain, own_netbios, own_dns, client, t->key);
    d = table_begin(t, client, sec);
    if (d == LOCAL_FULL || d == LOCAL_CROWDED) {
        note(d == LOCAL_FULL ? NEG_FAIL_EVENT_FULL : NEG_FAIL_EVENT_CROWDED, client, sec);
        return NEG_FAIL_BLOCKED;
    }
    if (d != LOCAL_GO)
        return d == LOCAL_BLOCKED_FIRST ? NEG_FAIL_BLOCKED_FIRST : NEG_FAIL_BLOCKED;
    if (farm.add == NULL)
        return NEG_FAIL_GO;
    return farm_begin(t, account, domain, own_netbios, own_dns, client, sec);
}

void neg_failure_limit_passed(neg_fail_ticket *t)
{
    int64_t sec = (int64_t)apr_time_sec(apr_time_now());
    long long count;
    int64_t end;

    table_passed(t, sec);
    if (!t->farm_armed)
        return;
    t->farm_armed = 0;
    /* too near the window's end, the count may be the next window's: the
     * place stays taken (counted once more, never less) */
    if (farm.add != NULL && neg_failure_refund_allowed(t->farm_window_end, sec))
        farm.add(farm.baton, t->farm_key, -1, limit_seconds, &count, &end);
}
