/*
 * winbind.h - the domain's verdict through libwbclient, with a bound on
 * how long a request can wait for it.
 *
 * Calls run on a small pool of threads per process, each with its own
 * wbcContext and so its own open connection to winbindd (a wbcContext has
 * one socket and no lock; opening a connection per request stalls for a
 * second when winbindd's listen backlog of 5 overflows). A caller waits
 * for its call at most the given timeout: the time left of its request's
 * budget (a timeout of 0 or less fails at once), so a hung winbindd costs
 * one quick refusal per request, never a worker held for minutes. Calls
 * waiting are bounded too, so that workers stay free for other requests:
 * past the bound, a call fails at once (NEG_WB_BUSY); and so is each
 * client address's share of them, so that a flood of failed logons from
 * one address does not starve the others (NEG_WB_CLIENT_BUSY). A thread
 * holds its connection while it is in use and closes it after a second
 * idle, and the connections of all httpd children together stay within a
 * budget (wb_slots.h). Knows nothing of httpd.
 */
#ifndef NEG_WINBIND_H
#define NEG_WINBIND_H

#include <stddef.h>
#include <stdint.h>

#include "sid.h"        /* neg_sid */

typedef enum {
    NEG_WB_OK = 0,
    NEG_WB_AUTH_FAILED,     /* the domain said no: nt_status/nt_string say why */
    NEG_WB_UNAVAILABLE,     /* winbindd not running, or its pipe not reachable */
    NEG_WB_NO_PRIVILEGE,    /* winbindd runs, but its privileged pipe is closed to us */
    NEG_WB_TIMEOUT,         /* no answer within the bound */
    NEG_WB_BUSY,            /* too many calls already wait for winbind */
    NEG_WB_CLIENT_BUSY,     /* the logon's client address has its share of
                             * the process's calls already */
    NEG_WB_NO_CONNECTION,   /* every connection httpd may hold is in use */
    NEG_WB_ERROR,           /* anything else (memory, protocol), or winbind
                             * answered with an error it could not show to
                             * mean "no such name" */
    NEG_WB_UNKNOWN_DOMAIN   /* a group name's domain is none winbind knows */
} neg_wb_status;

#define NEG_WB_NAME_MAX 256

typedef struct {
    neg_wb_status status;
    uint32_t nt_status;
    char nt_string[96];             /* NT_STATUS_WRONG_PASSWORD, ... */
    char detail[160];               /* wbcErrorString for other failures */
    /* success */
    char account[NEG_WB_NAME_MAX];  /* alice, as the directory holds it */
    char domain[NEG_WB_NAME_MAX];   /* EXAMPLE */
    char dns_domain[NEG_WB_NAME_MAX];  /* example.test */
    int guest;                      /* logged on as Guest */
    int machine;                    /* a computer or trust account */
    unsigned char session_key[16];  /* user session key (NTLMv2: SessionBaseKey) */
    char user_sid[80];
    /* every SID of the logon, the user's first (malloc()ed: release with
     * neg_wb_result_clear) */
    neg_sid *sids;
    size_t n_sids;
} neg_wb_result;

/* What a challenge/response check sends to the domain. */
typedef struct {
    const char *account;            /* as the client sent them (UTF-8) */
    const char *domain;
    const char *workstation;
    unsigned char challenge[8];
    const unsigned char *nt;
    size_t nt_len;
    const unsigned char *lm;
    size_t lm_len;
    int allow_machine;              /* may computer and trust accounts log on? */
    const char *client;             /* the client's address, for its share
                                     * of the calls (NULL: none counted) */
} neg_wb_response;

typedef struct {
    char netbios_name[NEG_WB_NAME_MAX];     /* DC1 */
    char netbios_domain[NEG_WB_NAME_MAX];   /* EXAMPLE */
    char dns_domain[NEG_WB_NAME_MAX];       /* example.test */
} neg_wb_names;

/* The configuration: pool threads per process (NegotiateWinbindThreads,
 * 1-64), calls one client address may have queued or running in a process
 * (NegotiateWinbindPerClient, 0-1024, 0 for no bound) and connections to
 * winbindd across all httpd children (NegotiateWinbindConnections,
 * 1-1024); a value out of range changes nothing. Call before first use;
 * defaults puts back 8, 6 and 64. */
void neg_wb_configure(int threads);
void neg_wb_configure_per_client(int calls);
void neg_wb_configure_connections(int n);
void neg_wb_configure_defaults(void);

/* In each process before its first call, with its request threads (the
 * MPM's threads per child; 1 under prefork): it gets no more pool threads
 * than that, all but an eighth of them (at least one) may wait for winbind
 * at once (NEG_WB_BUSY past that), and a client address at most half of
 * those (NEG_WB_CLIENT_BUSY), whatever NegotiateWinbindPerClient says. */
void neg_wb_configure_process(int workers);
/* The bound on one client address's calls in this process (0: none). */
int neg_wb_client_share(void);

/* In the parent, before children are forked: connections to winbindd are
 * then opened at most four at a time across all of them, and held within
 * the budget of connections across all of them (wb_slots.h), not only
 * within each (returns 0 if the shared block could not be made; each
 * process then has its own). Unshare when the configuration that made it
 * goes away. */
int neg_wb_share_slots(void);
void neg_wb_unshare_slots(void);
/* Connections held now by the children sharing the block (those still
 * there), and the budget. */
int neg_wb_connections(int *budget);

/* Verify an NTLM response (WBC_AUTH_USER_LEVEL_RESPONSE). */
neg_wb_status neg_wb_verify(const neg_wb_response *req, int timeout_ms,
                            neg_wb_result *res);

/* Verify a plain-text password (WBC_AUTH_USER_LEVEL_PLAIN), for Basic. */
neg_wb_status neg_wb_verify_plain(const char *account, const char *domain,
                                  const char *password, int allow_machine,
                                  const char *client, int timeout_ms,
                                  neg_wb_result *res);

void neg_wb_result_clear(neg_wb_result *res);

/* "DOMAIN\\name" of a SID, cached for the process (sid_cache.h) for
 * NEG_WB_NAME_TTL seconds, then used for as long again while a refresh
 * gets no answer; a SID winbind cannot name for NEG_WB_UNKNOWN_TTL, and
 * one it gave no answer for (none in time, unreachable) for
 * NEG_WB_FAILED_TTL, so that the groups of the next requests do not wait
 * for it again. A failure never takes the place of a name, and a call not
 * made (the budget spent, the pool busy) is not remembered. */
#define NEG_WB_NAME_TTL 600
#define NEG_WB_UNKNOWN_TTL 60
#define NEG_WB_FAILED_TTL 5
neg_wb_status neg_wb_sid_to_name(const neg_sid *sid, int timeout_ms,
                                 char *out, size_t cap);

/* The SIDs of a group name of Require negotiate-group: "DOMAIN\\group"
 * has one; a bare "group" one in each domain winbind knows that has a
 * group of that name (BUILTIN and trusted domains included). Cached for
 * the process: NEG_WB_GROUP_TTL seconds, then looked up again (while that
 * gets no answer, the SIDs known are used for up to another TTL). A name
 * is NEG_WB_AUTH_FAILED (no such group, cached for NEG_WB_UNKNOWN_TTL)
 * only when winbind shows it: the name of a user or computer, or a lookup
 * that failed while the domain's directory answered, and failed again
 * (winbindd reports every failure of a lookup alike). Any other failure
 * (NEG_WB_ERROR, NEG_WB_UNKNOWN_DOMAIN, no answer) is cached for
 * NEG_WB_FAILED_TTL and keeps the SIDs known before. Up to cap SIDs go
 * into out, their number into *n. */
#define NEG_WB_GROUP_TTL 600
#define NEG_WB_GROUP_SIDS_MAX 16
neg_wb_status neg_wb_group_sids(const char *name, int timeout_ms,
                                neg_sid *out, size_t cap, size_t *n);

/* A group name as the configuration spells it. winbindd lower-cases the
 * names it caches from name lookups (and then names SIDs so): a name from
 * neg_wb_sid_to_name that is one of these but for case, and has no capital
 * letter, is given this spelling. */
void neg_wb_remember_spelling(const char *name);

/* winbind's own names (cached for the process once known). */
neg_wb_status neg_wb_names_get(int timeout_ms, neg_wb_names *out,
                               char *detail, size_t detail_len);

/* The domains winbind knows, but BUILTIN and this machine's own SAM: their
 * number, and their NetBIOS names (space-separated) in names; -1 when
 * winbind did not answer within timeout_ms. For start-up checks: asks in
 * a child process (killed at the timeout), not on the pool, so that it can
 * be called in httpd's parent before children are forked, and leaves no
 * thread behind in code httpd may unload. */
int neg_wb_count_domains(int timeout_ms, char *names, size_t cap);

/* Is domain (a NetBIOS or DNS name) one winbind knows? 1 yes, 0 no (winbind
 * answers for its own domain and cannot name that one; the domains it
 * lists go into known: "BUILTIN, EXAMPLE (example.test)"), -1 when winbind
 * could not say within timeout_ms. In a child process, as
 * neg_wb_count_domains. */
int neg_wb_domain_known(const char *domain, int timeout_ms, char *known, size_t cap);

const char *neg_wb_status_str(neg_wb_status s);

#endif
