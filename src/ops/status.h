/*
 * status.h - what the module has done since it started, summed over every
 * httpd child: counters, gauges and latency histograms in one small block
 * of shared memory, updated with atomic adds (no lock on the request
 * path). The page that shows them is status_page.c.
 *
 * Knows nothing of httpd: winbind.c, kerberos.c and replay.c count here,
 * and so does negotiate-doctor, which links them (its counts stay in the
 * process-local block and are never shown). Until neg_status_attach() is
 * given a shared block, counts go into a block of this process's own.
 */
#ifndef NEG_STATUS_H
#define NEG_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* Plain counters and gauges (gauges go up and down). */
typedef enum {
    NEG_STAT_CHALLENGES = 0,        /* 401 offers to requests without credentials */
    NEG_STAT_NTLM_IN_PROGRESS,      /* gauge: connections between CHALLENGE and AUTHENTICATE */
    NEG_STAT_WB_TIMEOUTS,           /* a caller gave up waiting for winbind */
    NEG_STAT_WB_QUEUE_FULL,         /* refused at once: too many calls waiting */
    NEG_STAT_WB_CLIENT_FULL,        /* refused at once: the client address had its share */
    NEG_STAT_WB_BUSY_THREADS,       /* gauge: pool threads inside a winbind call */
    NEG_STAT_WB_WAITING,            /* gauge: request threads waiting for winbind */
    NEG_STAT_REPLAY_STORES,         /* authenticators remembered */
    NEG_STAT_REPLAY_SEEN,           /* replays found (and refused) */
    NEG_STAT_REPLAY_ERRORS,         /* the cache did not answer */
    NEG_STAT_SESSION_MEMO_HITS,     /* session cookies decoded from the memo */
    NEG_STAT_SESSION_MEMO_MISSES,   /* ... by mod_session_crypto */
    NEG_STAT_TICKET_CACHE_HITS,     /* Kerberos tickets known: authenticator only */
    NEG_STAT_TICKET_CACHE_MISSES,   /* ... not known: Heimdal's acceptor */
    NEG_STAT_TICKET_CACHE_DECLINED, /* ... known, but left to Heimdal's acceptor */
    NEG_STAT_REPLAY_EVICTED,        /* shmcb lost entries before their time (canaries) */
    NEG_STAT_REPLAY_TOO_OLD,        /* refused: older than the cache remembers */
    NEG_STAT_SID_NAME_HITS,         /* group names (NegotiatePublishGroups) from the cache */
    NEG_STAT_SID_NAME_MISSES,       /* ... not there (or due for a refresh): winbind asked */
    NEG_STAT_DELEG_FROM_KDC,        /* NegotiateDelegateTo: back-end tickets from the KDC */
    NEG_STAT_DELEG_FROM_CACHE,      /* ... from the process's cache (no KDC exchange) */
    NEG_STAT_DELEG_SELF_FROM_CACHE, /* S4U2Self evidence from the cache */
    NEG_STAT_DELEG_REFUSED_SPN,     /* NEG1101: the KDC refused a back-end ticket */
    NEG_STAT_DELEG_REFUSED_TGT,     /* NEG1103: no service TGT (keytab, account) */
    NEG_STAT_DELEG_REFUSED_KDC,     /* NEG1104: no KDC answered in time */
    NEG_STAT_DELEG_REFUSED_SELF,    /* NEG1105: protocol transition refused */
    NEG_STAT_DELEG_REFUSED_DIR,     /* NEG1106: no NegotiateDelegationDir or ccache */
    NEG_STAT_COUNT
} neg_stat;

/* Logons: by mechanism and outcome. REUSE is an identity proved before
 * (an NTLM or persisted Kerberos connection, an internal redirect); NONE
 * a refusal that no mechanism can be blamed for (a malformed header). */
typedef enum {
    NEG_SMECH_KERBEROS = 0,
    NEG_SMECH_NTLM,
    NEG_SMECH_BASIC,
    NEG_SMECH_REUSE,
    NEG_SMECH_NONE,
    NEG_SMECH_COUNT
} neg_stat_mech;

typedef enum {
    NEG_SOUT_GRANTED = 0,
    NEG_SOUT_REFUSED,
    NEG_SOUT_CONTINUED,
    NEG_SOUT_COUNT
} neg_stat_outcome;

/* winbind calls by their result. */
typedef enum {
    NEG_SWB_OK = 0,
    NEG_SWB_REFUSED,            /* the domain said no */
    NEG_SWB_UNAVAILABLE,        /* winbindd not reachable */
    NEG_SWB_NO_PRIVILEGE,       /* the privileged pipe is closed to us */
    NEG_SWB_ERROR,
    NEG_SWB_COUNT
} neg_stat_wb;

typedef enum {
    NEG_HIST_WINBIND = 0,       /* one winbind call, in a pool thread */
    NEG_HIST_KRB5_ACCEPT,       /* one gss_accept_sec_context, with the keytab */
    NEG_HIST_COUNT
} neg_stat_hist;

/* Upper bounds of the latency buckets, in microseconds (the last bucket,
 * +Inf, is implied). */
#define NEG_STAT_BUCKETS 15
extern const uint64_t neg_stat_bucket_us[NEG_STAT_BUCKETS];

/* The refusal tags a request can carry (its negotiate-error note): the
 * catalogue (doc/errors.md) marks them "refusal", and t/catalogue.sh
 * checks that both lists agree. */
typedef struct {
    const char *tag;            /* "NEG0203" */
    neg_stat_mech mech;         /* the mechanism it refuses */
    const char *what;           /* a few words for the status page */
} neg_stat_tag;

extern const neg_stat_tag neg_stat_tags[];
extern const size_t neg_stat_n_tags;        /* without the "other" slot */

/* Keytabs, as children load them (by name; a few slots). */
#define NEG_STAT_KEYTABS 8
#define NEG_STAT_KEYTAB_NAME 240

typedef struct {
    uint32_t state;             /* 0 free, 1 being claimed, 2 in use */
    char name[NEG_STAT_KEYTAB_NAME];
    uint64_t loads;             /* successful loads, every child */
    uint64_t failures;
    int64_t last_load_us;       /* apr time of the latest successful load */
    int64_t last_failure_us;
} neg_stat_keytab;

/* The shared block. `magic` tells a block laid out by this version. */
typedef struct {
    uint64_t magic;
    int64_t since_us;                           /* counting since (apr time) */
    uint64_t generation;                        /* configuration generation */
    uint64_t stat[NEG_STAT_COUNT];
    uint64_t logons[NEG_SMECH_COUNT][NEG_SOUT_COUNT];
    uint64_t refusals[64];                      /* by neg_stat_tags index; last: other */
    uint64_t wb_calls[NEG_SWB_COUNT];
    uint64_t wb_last;                           /* the latest call: result + 1 (0: none) */
    int64_t wb_last_us;                         /* and when it ended (apr time) */
    uint64_t hist[NEG_HIST_COUNT][NEG_STAT_BUCKETS + 1];
    uint64_t hist_sum_us[NEG_HIST_COUNT];
    neg_stat_keytab keytabs[NEG_STAT_KEYTABS];
} neg_status_block;

#define NEG_STATUS_MAGIC 0x4e45475354415434ULL      /* "NEGSTAT4" */

/* Count into this block from now on (NULL: the process's own again). */
void neg_status_attach(neg_status_block *shared);

/* Zero every figure and start counting at `now_us` (apr time). */
void neg_status_reset(neg_status_block *b, int64_t now_us);

/* A consistent-enough copy for a page: each value is read atomically. */
void neg_status_snapshot(neg_status_block *out);

void neg_status_add(neg_stat k, int64_t n);
void neg_status_logon(neg_stat_mech m, neg_stat_outcome o);
/* A refused request's tag; an unknown one counts as "other". */
void neg_status_refusal(const char *tag);
/* A refused logon: its tag, and the logon refused under its mechanism. */
void neg_status_refused(const char *tag);
/* The mechanism a refusal tag refuses (NONE if unknown). */
neg_stat_mech neg_status_tag_mech(const char *tag);
void neg_status_wb_call(neg_stat_wb result, uint64_t micros);
void neg_status_latency(neg_stat_hist h, uint64_t micros);
void neg_status_keytab_load(const char *name, int ok, int64_t now_us);

/* Microseconds on a monotonic clock, for latencies. */
uint64_t neg_status_now_us(void);

const char *neg_status_mech_name(neg_stat_mech m);
const char *neg_status_outcome_name(neg_stat_outcome o);
const char *neg_status_wb_name(neg_stat_wb r);

#endif
