/*
 * failure_limit.c - NegotiateFailureLimit (see failure_limit.h).
 */
#include "failure_limit.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "apr_strings.h"
#include "apr_general.h"

#include "replay_key.h"
#include "secret.h"

#define SLOTS 4096
#define PROBE 8
#define USER_MAX 512

typedef struct {
    uint32_t lock;
    uint32_t count;             /* places taken in the window */
    int64_t window_end;         /* seconds; 0: free */
    uint32_t logged;            /* the window's line was written */
    unsigned char key[32];
} slot;

typedef struct {
    uint32_t keyed;             /* 0, 1 making the key, 2 made */
    unsigned char secret[NEG_REPLAY_SECRET_LEN];
    slot slots[SLOTS];
} block;

static block own;
static block *blk = &own;
static int limit_count = NEG_FAILURE_LIMIT_DEFAULT_COUNT;
static int limit_seconds = NEG_FAILURE_LIMIT_DEFAULT_SECONDS;

void neg_failure_limit_configure(int count, int seconds)
{
    limit_count = count;
    limit_seconds = seconds;
}

int neg_failure_limit_count(void) { return limit_count; }
int neg_failure_limit_seconds(void) { return limit_seconds; }

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

static void take(uint32_t *l)
{
    uint32_t zero;

    for (;;) {
        zero = 0;
        if (__atomic_compare_exchange_n(l, &zero, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0)
            ;
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

static size_t lower_into(char *out, size_t at, size_t cap, const char *s)
{
    for (; s != NULL && *s && at + 1 < cap; s++)
        out[at++] = (char)tolower((unsigned char)*s);
    out[at] = '\0';
    return at;
}

/* "domain\account\naddress", lower case; the domain winbind's NetBIOS
 * name where the client named winbind's domain (or none). */
static void key_of(const char *account, const char *domain, const char *own_netbios,
                   const char *own_dns, const char *client, unsigned char key[32])
{
    char buf[USER_MAX * 2];
    size_t n = 0;

    if (domain == NULL || *domain == '\0'
        || (own_dns != NULL && strcasecmp(domain, own_dns) == 0))
        domain = own_netbios ? own_netbios : "";
    n = lower_into(buf, n, sizeof(buf), domain);
    n = lower_into(buf, n, sizeof(buf), "\\");
    n = lower_into(buf, n, sizeof(buf), account);
    n = lower_into(buf, n, sizeof(buf), "\n");
    n = lower_into(buf, n, sizeof(buf), client ? client : "-");
    neg_replay_key_mac(secret(), (const unsigned char *)buf, n, key);
    neg_wipe(buf, sizeof(buf));
}

neg_fail_decision neg_failure_limit_begin(const char *account, const char *domain,
                                          const char *own_netbios, const char *own_dns,
                                          const char *client, apr_time_t now,
                                          neg_fail_ticket *t)
{
    int64_t sec = (int64_t)apr_time_sec(now);
    uint32_t h;
    slot *s = NULL, *oldest = NULL;
    neg_fail_decision d = NEG_FAIL_GO;
    int i;

    t->armed = 0;
    if (limit_count <= 0)
        return NEG_FAIL_GO;
    key_of(account, domain, own_netbios, own_dns, client, t->key);
    memcpy(&h, t->key, sizeof(h));
    for (i = 0; i < PROBE; i++) {
        slot *c = &blk->slots[(h + (uint32_t)i) % SLOTS];

        take(&c->lock);
        if (c->window_end > sec && memcmp(c->key, t->key, 32) == 0) {
            s = c;
            break;
        }
        if (oldest == NULL || c->window_end < oldest->window_end) {
            if (oldest != NULL)
                give(&oldest->lock);
            oldest = c;
        }
        else
            give(&c->lock);
    }
    if (s != NULL && oldest != NULL)
        give(&oldest->lock);
    if (s == NULL) {
        s = oldest;             /* expired, free, or the nearest to its end */
        memcpy(s->key, t->key, 32);
        s->count = 0;
        s->logged = 0;
        s->window_end = sec + limit_seconds;
    }
    if (s->count >= (uint32_t)limit_count) {
        d = s->logged ? NEG_FAIL_BLOCKED : NEG_FAIL_BLOCKED_FIRST;
        s->logged = 1;
    }
    else {
        s->count++;
        t->armed = 1;
    }
    give(&s->lock);
    return d;
}

void neg_failure_limit_passed(neg_fail_ticket *t)
{
    int64_t sec = (int64_t)apr_time_sec(apr_time_now());
    uint32_t h;
    int i;

    if (!t->armed)
        return;
    t->armed = 0;
    memcpy(&h, t->key, sizeof(h));
    for (i = 0; i < PROBE; i++) {
        slot *c = &blk->slots[(h + (uint32_t)i) % SLOTS];

        take(&c->lock);
        /* the live entry: an ended one of the same key may sit before it */
        if (c->window_end > sec && memcmp(c->key, t->key, 32) == 0) {
            if (c->count > 0)
                c->count--;
            give(&c->lock);
            return;
        }
        give(&c->lock);
    }
}
