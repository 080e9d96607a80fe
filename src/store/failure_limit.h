/*
 * failure_limit.h - NegotiateFailureLimit: a lockout guard. At most COUNT
 * password logons (NTLM, Basic, the login form, the authn provider) that
 * may fail reach the domain per user and client address in a window of
 * SECONDS, across all httpd children (a table in shared memory, made in
 * the parent before children are forked) and, when NegotiateReplayCache
 * names redis or memcache, across all servers of the farm (the farm's
 * count, failure_farm.c, injected here as neg_fail_farm). A logon past
 * that is answered as a wrong password without asking the domain, so
 * that one stale password in a retrying client cannot lock its user out
 * of the domain. The same user from another address is not affected.
 * Kerberos never passes a password through us and is never counted.
 *
 * Each logon takes a place before it asks the domain (so that concurrent
 * attempts cannot all slip through) and gives it back when the domain
 * says the password is right; only a place of the window it was taken in
 * (a refund never lowers a newer window's count). Entries are keyed by an
 * HMAC, under a key made at start, of the normalised user
 * ("domain\account", lower case) and the address: the table holds no
 * names. The farm's count is keyed the same way under a key the farm's
 * servers share.
 *
 * The table never forgets a live count: a new entry takes a free, ended
 * or zero-count slot; when none is left among its places the logon is
 * refused as if limited (NEG_FAIL_EVENT_FULL). One client address (an
 * IPv6 address: its /64) may open at most NEG_FAILURE_LIMIT_PER_ADDRESS
 * counted entries per window (NEG_FAIL_EVENT_CROWDED), so that one
 * address cannot fill the table for everybody. Pure: no httpd types.
 */
#ifndef NEG_FAILURE_LIMIT_H
#define NEG_FAILURE_LIMIT_H

#include <stdint.h>

#include "apr_time.h"

#define NEG_FAILURE_LIMIT_DEFAULT_COUNT 3
#define NEG_FAILURE_LIMIT_DEFAULT_SECONDS 300
#define NEG_FAILURE_LIMIT_SLOTS 16384
#define NEG_FAILURE_LIMIT_PER_ADDRESS 64
/* A farm's place is given back only this long before its window ends (a
 * later refund could lower the next window's count). */
#define NEG_FAILURE_REFUND_MARGIN_S 2

/* NegotiateFailureLimit: count 0 turns the guard off. */
void neg_failure_limit_configure(int count, int seconds);

/* In the parent, before children are forked: share the table among them
 * (0 if it could not be made: each child then has its own). */
int neg_failure_limit_share(void);

typedef enum {
    NEG_FAIL_GO = 0,        /* ask the domain; then neg_failure_limit_passed
                             * if the password was right */
    NEG_FAIL_BLOCKED,       /* past the limit: answer as a wrong password */
    NEG_FAIL_BLOCKED_FIRST  /* the same, and the first time in this window
                             * (write the log line) */
} neg_fail_decision;

/* What happened, for a log line at most once per window and server. */
typedef enum {
    NEG_FAIL_EVENT_FULL,        /* the table's places for a user were all counting */
    NEG_FAIL_EVENT_CROWDED,     /* an address opened too many entries */
    NEG_FAIL_EVENT_FARM_DOWN,   /* the farm's count did not answer */
    NEG_FAIL_EVENTS
} neg_fail_event;

/* The farm's count and the log lines (failure_farm.c). add: delta (1, -1)
 * added to key's count in a window of seconds: 1 with *count (after the
 * change) and *window_end (seconds), or 0 when the count did not answer
 * (the logon is then judged by this server's table alone). note: a line
 * for ev (client: the address), called at most once per window. */
typedef struct {
    int (*add)(void *baton, const unsigned char key[32], int delta, int seconds,
               long long *count, int64_t *window_end);
    void (*note)(void *baton, neg_fail_event ev, const char *client);
    void *baton;
    unsigned char secret[32];   /* the farm's key (add != NULL) */
} neg_fail_farm;

/* The farm's count and log lines: copied; NULL: none. */
void neg_failure_limit_farm(const neg_fail_farm *farm);

/* user: the account as the client named it ("alice", "EXAMPLE\alice",
 * "alice@example.test": account and domain apart); own_netbios/own_dns:
 * winbind's domain (NULL when unknown), which an empty domain, or either
 * name, mean. */
typedef struct {
    unsigned char key[32];
    int64_t window_end;         /* of the table's place (seconds) */
    int armed;
    unsigned char farm_key[32];
    int64_t farm_window_end;    /* of the farm's place (seconds) */
    int farm_armed;
} neg_fail_ticket;

neg_fail_decision neg_failure_limit_begin(const char *account, const char *domain,
                                          const char *own_netbios, const char *own_dns,
                                          const char *client, apr_time_t now,
                                          neg_fail_ticket *t);

/* The password was right: its places are given back, each only within
 * the window it was taken in. */
void neg_failure_limit_passed(neg_fail_ticket *t);

/* The key of a user and address under secret (pure; the same spelling
 * rules as neg_failure_limit_begin). */
void neg_failure_limit_key(const unsigned char secret[32], const char *account,
                           const char *domain, const char *own_netbios,
                           const char *own_dns, const char *client,
                           unsigned char key[32]);

/* May a place taken in a window ending at window_end be given back at
 * now? Only until NEG_FAILURE_REFUND_MARGIN_S before its end. */
int neg_failure_refund_allowed(int64_t window_end, int64_t now);

/* The end of a farm's window seen at now with ttl_ms left: rounded down
 * (a refund too early is refused, never one too late); 0 when the count
 * has no lifetime. */
int64_t neg_failure_farm_window_end(int64_t now, long long ttl_ms);

/* Once per window and server for ev: 1 the first time, then 0 until
 * SECONDS have passed. */
int neg_failure_limit_once(neg_fail_event ev, int64_t now);

/* The count and window (for the status page and log lines). */
int neg_failure_limit_count(void);
int neg_failure_limit_seconds(void);

#endif
