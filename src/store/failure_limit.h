/*
 * failure_limit.h - NegotiateFailureLimit: a lockout guard. At most COUNT
 * password logons (NTLM, Basic, the login form, the authn provider) that
 * may fail reach the domain per user and client address in a window of
 * SECONDS, across all httpd children (a table in shared memory, made in
 * the parent before children are forked). A logon past that is answered
 * as a wrong password without asking the domain, so that one stale
 * password in a retrying client cannot lock its user out of the domain.
 * The same user from another address is not affected. Kerberos never
 * passes a password through us and is never counted.
 *
 * Each logon takes a place before it asks the domain (so that concurrent
 * attempts cannot all slip through) and gives it back when the domain
 * says the password is right. Entries are keyed by an HMAC, under a key
 * made at start, of the normalised user ("domain\account", lower case)
 * and the address: the table holds no names. Pure: no httpd types.
 */
#ifndef NEG_FAILURE_LIMIT_H
#define NEG_FAILURE_LIMIT_H

#include "apr_time.h"

#define NEG_FAILURE_LIMIT_DEFAULT_COUNT 3
#define NEG_FAILURE_LIMIT_DEFAULT_SECONDS 300

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

/* user: the account as the client named it ("alice", "EXAMPLE\alice",
 * "alice@example.test": account and domain apart); own_netbios/own_dns:
 * winbind's domain (NULL when unknown), which an empty domain, or either
 * name, mean. */
typedef struct {
    unsigned char key[32];
    int armed;
} neg_fail_ticket;

neg_fail_decision neg_failure_limit_begin(const char *account, const char *domain,
                                          const char *own_netbios, const char *own_dns,
                                          const char *client, apr_time_t now,
                                          neg_fail_ticket *t);

/* The password was right: its place is given back. */
void neg_failure_limit_passed(neg_fail_ticket *t);

/* The count and window (for the status page and log lines). */
int neg_failure_limit_count(void);
int neg_failure_limit_seconds(void);

#endif
