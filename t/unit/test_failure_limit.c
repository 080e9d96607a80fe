/*
 * test_failure_limit.c - failure_limit.c: the key of a user and address,
 * the window math of refunds, and the table in this process: a count is
 * never forgotten for a flood of other users (the logon is refused as
 * limited instead), one address opens at most its share of entries, a
 * refund never lowers a newer window's count; the farm's count (stubbed)
 * decides over the table, and its absence falls back to the table.
 */
#include <stdio.h>
#include <string.h>

#include "apr_general.h"

#include "check.h"
#include "failure_limit.h"

#define SEC(n) apr_time_from_sec(n)

static int events[NEG_FAIL_EVENTS];
static long long farm_count;     /* the stub farm's one counter */
static int farm_up = 1, farm_adds, farm_refunds;

static void note(void *baton, neg_fail_event ev, const char *client)
{
    (void)baton;
    (void)client;
    events[ev]++;
}

static int add(void *baton, const unsigned char key[32], int delta, int seconds,
               long long *count, int64_t *window_end)
{
    (void)baton;
    (void)key;
    if (!farm_up)
        return 0;
    farm_count += delta;
    farm_adds += delta > 0;
    farm_refunds += delta < 0;
    *count = farm_count;
    *window_end = (int64_t)apr_time_sec(apr_time_now()) + seconds;
    return 1;
}

static neg_fail_decision begin(const char *user, const char *client, apr_time_t now,
                               neg_fail_ticket *t)
{
    return neg_failure_limit_begin(user, NULL, "EXAMPLE", "example.test", client, now, t);
}

static void test_key(void)
{
    unsigned char s1[32], s2[32], a[32], b[32];

    memset(s1, 1, sizeof(s1));
    memset(s2, 2, sizeof(s2));
    neg_failure_limit_key(s1, "alice", NULL, "EXAMPLE", "example.test", "10.0.0.1", a);
    neg_failure_limit_key(s1, "ALICE", "example.test", "EXAMPLE", "example.test", "10.0.0.1", b);
    CHECK(memcmp(a, b, 32) == 0, "key: alice and ALICE@example.test are one user");
    neg_failure_limit_key(s1, "alice", "EXAMPLE", "EXAMPLE", "example.test", "10.0.0.1", b);
    CHECK(memcmp(a, b, 32) == 0, "key: EXAMPLE\\alice too");
    neg_failure_limit_key(s1, "alice", NULL, "EXAMPLE", "example.test", "10.0.0.2", b);
    CHECK(memcmp(a, b, 32) != 0, "key: another address, another key");
    neg_failure_limit_key(s2, "alice", NULL, "EXAMPLE", "example.test", "10.0.0.1", b);
    CHECK(memcmp(a, b, 32) != 0, "key: another secret (farm), another key");
    CHECK(memmem(a, 32, "alice", 5) == NULL, "key: no name in it");
}

static void test_window_math(void)
{
    CHECK(neg_failure_refund_allowed(1300, 1000), "refund: well within the window");
    CHECK(neg_failure_refund_allowed(1300, 1297), "refund: 3 s before its end");
    CHECK(!neg_failure_refund_allowed(1300, 1298), "no refund 2 s before its end (margin)");
    CHECK(!neg_failure_refund_allowed(1300, 1400), "no refund after its end");
    CHECK(neg_failure_farm_window_end(1000, 299999) == 1299,
          "farm window: now + ttl, rounded down");
    CHECK(neg_failure_farm_window_end(1000, -1) == 0, "farm window: no lifetime, no refund");
}

static void test_limit(apr_time_t now)
{
    neg_fail_ticket t, t2;

    CHECK(begin("lim", "10.1.0.1", now, &t) == NEG_FAIL_GO
          && begin("lim", "10.1.0.1", now, &t) == NEG_FAIL_GO
          && begin("lim", "10.1.0.1", now, &t2) == NEG_FAIL_GO, "3 places in the window");
    CHECK(begin("lim", "10.1.0.1", now, &t) == NEG_FAIL_BLOCKED_FIRST, "the 4th: blocked, first");
    CHECK(begin("lim", "10.1.0.1", now, &t) == NEG_FAIL_BLOCKED, "the 5th: blocked");
    CHECK(begin("lim", "10.1.0.2", now, &t) == NEG_FAIL_GO, "another address: go");
    neg_failure_limit_passed(&t2);
    CHECK(begin("lim", "10.1.0.1", now, &t) == NEG_FAIL_GO, "a place given back: go once more");
}

/* A refund of a window that ended must not lower the next one's count. */
/* One IPv6 host holds a whole /64: its addresses are one client. */
static void test_ipv6_prefix(apr_time_t now)
{
    neg_fail_ticket t;
    char addr[64];
    int i, go = 0;

    for (i = 1; i <= 20; i++) {
        snprintf(addr, sizeof(addr), "2001:db8:1:2::%x", i);
        go += begin("ipv6user", addr, now, &t) == NEG_FAIL_GO;
    }
    CHECK(go == 3, "IPv6: 20 addresses of one /64, 3 tries reach the domain");
    CHECK(begin("ipv6user", "2001:db8:1:3::1", now, &t) == NEG_FAIL_GO,
          "IPv6: another /64 is another client");
}

static void test_refund_across_windows(apr_time_t now)
{
    neg_fail_ticket old, t;
    int i, go = 0;

    CHECK(begin("win", "10.2.0.1", now, &old) == NEG_FAIL_GO, "a place in the first window");
    for (i = 0; i < 3; i++)
        go += begin("win", "10.2.0.1", now + SEC(301), &t) == NEG_FAIL_GO;
    CHECK(go == 3, "the next window: 3 places");
    neg_failure_limit_passed(&old);
    CHECK(begin("win", "10.2.0.1", now + SEC(302), &t) == NEG_FAIL_BLOCKED_FIRST,
          "the first window's refund did not lower the next window's count");
}

/* Many users from one address: its share, then refused as limited. */
static void test_per_address(apr_time_t now)
{
    static neg_fail_ticket tk[NEG_FAILURE_LIMIT_PER_ADDRESS];
    neg_fail_ticket t, first;
    char user[32];
    int i, go = 0;

    for (i = 0; i < NEG_FAILURE_LIMIT_PER_ADDRESS; i++) {
        snprintf(user, sizeof(user), "spray%d", i);
        go += begin(user, "10.3.0.1", now, &tk[i]) == NEG_FAIL_GO;
    }
    first = tk[0];
    CHECK(go == NEG_FAILURE_LIMIT_PER_ADDRESS, "one address: its share of users, each go");
    CHECK(begin("spray-more", "10.3.0.1", now, &t) == NEG_FAIL_BLOCKED
          && events[NEG_FAIL_EVENT_CROWDED] == 1, "one more user: blocked, noted (crowded)");
    CHECK(begin("spray-more2", "10.3.0.1", now, &t) == NEG_FAIL_BLOCKED
          && events[NEG_FAIL_EVENT_CROWDED] == 1, "and again, noted once per window");
    CHECK(begin("spray0", "10.3.0.1", now, &t) == NEG_FAIL_GO,
          "a user it has an entry for: still counted as before");
    CHECK(begin("spray-more", "10.3.0.2", now, &t) == NEG_FAIL_GO,
          "the same user from another address: go");
    neg_failure_limit_passed(&first);
    neg_failure_limit_passed(&t);
    CHECK(begin("spray0", "10.3.0.1", now, &t) == NEG_FAIL_GO, "spray0 once more");
    CHECK(begin("spray-more3", "10.3.0.1", now, &first) == NEG_FAIL_BLOCKED,
          "an entry still counting keeps its address's share");
    neg_failure_limit_passed(&tk[1]);
    CHECK(begin("spray-more4", "10.3.0.1", now, &t) == NEG_FAIL_GO,
          "an entry whose places all came back frees its address's share");
}

/* A flood of distinct users and addresses fills the table: a live count
 * stays, the flood is refused as limited. */
static void test_flood(apr_time_t now)
{
    neg_fail_ticket t;
    char user[32], addr[32];
    int i, blocked = 0;

    for (i = 0; i < 3; i++)
        begin("victim", "10.4.0.1", now, &t);
    CHECK(begin("victim", "10.4.0.1", now, &t) == NEG_FAIL_BLOCKED_FIRST, "victim: limited");
    for (i = 0; i < 3 * NEG_FAILURE_LIMIT_SLOTS; i++) {
        snprintf(user, sizeof(user), "flood%d", i);
        snprintf(addr, sizeof(addr), "10.5.%d.%d", i / 40 / 250, i / 40 % 250);
        blocked += begin(user, addr, now, &t) != NEG_FAIL_GO;
    }
    CHECK(blocked > 0 && events[NEG_FAIL_EVENT_FULL] == 1,
          "a flood of users: the table full, the flood refused as limited, noted once");
    CHECK(begin("victim", "10.4.0.1", now, &t) == NEG_FAIL_BLOCKED,
          "the victim's count was not forgotten");
}

static void test_farm(apr_time_t now)
{
    neg_fail_farm f;
    neg_fail_ticket t;
    int i, go = 0;

    memset(&f, 0, sizeof(f));
    f.add = add;
    f.note = note;
    neg_failure_limit_farm(&f);
    farm_count = 3;             /* the other servers took 3 */
    CHECK(begin("farm", "10.6.0.1", now, &t) == NEG_FAIL_BLOCKED_FIRST,
          "farm: 3 places taken elsewhere, blocked here at once");
    CHECK(begin("farm", "10.6.0.1", now, &t) == NEG_FAIL_BLOCKED, "farm: blocked again");
    farm_count = 0;
    CHECK(begin("farm2", "10.6.0.1", now, &t) == NEG_FAIL_GO && t.farm_armed,
          "farm: a place in the farm's count");
    neg_failure_limit_passed(&t);
    CHECK(farm_refunds == 1 && farm_count == 0, "farm: the right password gives it back");
    farm_up = 0;
    for (i = 0; i < 5; i++)
        go += begin("farm3", "10.6.0.1", now, &t) == NEG_FAIL_GO;
    CHECK(go == 3, "farm down: this server's count alone, 3 of 5 (never unlimited)");
    CHECK(events[NEG_FAIL_EVENT_FARM_DOWN] == 1, "farm down: noted once per window");
    CHECK(begin("farm3", "10.6.0.9", now, &t) == NEG_FAIL_GO,
          "farm down: the same user from another address: go (no lockout of its own)");
    farm_up = 1;
    neg_failure_limit_farm(NULL);
}

int main(void)
{
    apr_time_t now;

    apr_initialize();
    now = apr_time_now();
    neg_failure_limit_configure(3, 300);
    {
        neg_fail_farm f;

        memset(&f, 0, sizeof(f));
        f.note = note;
        neg_failure_limit_farm(&f);
    }
    test_key();
    test_window_math();
    test_limit(now);
    test_ipv6_prefix(now);
    test_refund_across_windows(now);
    test_per_address(now);
    test_farm(now);
    {
        neg_fail_farm f;

        memset(&f, 0, sizeof(f));
        f.note = note;
        neg_failure_limit_farm(&f);
    }
    test_flood(now);
    return check_summary();
}
