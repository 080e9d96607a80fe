/*
 * status_metrics.c - the page of metric families (status_metrics.h): the
 * logons, refusals, winbind, the replay cache, the session memo and the
 * keytabs. Names follow the Prometheus text exposition format (version
 * 0.0.4): counters end in _total, histograms are cumulative
 * _bucket{le=...}, _sum and _count.
 */
#include "status_metrics.h"

#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"

#include "replay.h"
#include "setup_check.h"
#include "setup_check_krb5.h"
#include "setup_probe.h"
#include "winbind.h"

static const apr_array_header_t *configured_keytabs;

void neg_status_metrics_keytabs(const apr_array_header_t *keytabs)
{
    configured_keytabs = keytabs;
}

static family *fam(page *pg, const char *name, const char *type, const char *help)
{
    family *f = apr_array_push(pg->families);

    f->name = name;
    f->type = type;
    f->help = help;
    f->samples = apr_array_make(pg->p, 8, sizeof(sample));
    return f;
}

static void put(family *f, const char *suffix, const char *labels,
                const char *key, const char *label, const char *value)
{
    sample *s = apr_array_push(f->samples);

    s->suffix = suffix;
    s->labels = labels ? labels : "";
    s->key = key;
    s->label = label;
    s->value = value;
    s->text = NULL;
}

/* An "info" sample: value (1, or 0 for a fact that is missing) for
 * Prometheus, whose labels carry the facts; the text in HTML and ?auto. */
static void put_text(family *f, const char *labels, const char *key,
                     const char *label, const char *value, const char *text)
{
    put(f, "", labels, key, label, value);
    APR_ARRAY_IDX(f->samples, f->samples->nelts - 1, sample).text = text;
}

static void put_info(family *f, const char *labels, const char *key,
                     const char *label, const char *text)
{
    put_text(f, labels, key, label, "1", text);
}

static void put_u64(page *pg, family *f, const char *labels, const char *key,
                    const char *label, uint64_t v)
{
    put(f, "", labels, key, label, apr_psprintf(pg->p, "%" APR_UINT64_T_FMT, v));
}

/* A Prometheus label value: backslash, double quote and newline escaped. */
static const char *lv(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            *o++ = '\\';
        if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
            continue;
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* "no_privilege" -> "NoPrivilege", for ?auto keys. */
static const char *camel(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *o = out;
    int up = 1;

    for (; *s; s++) {
        if (*s == '_' || *s == '-' || *s == ' ') {
            up = 1;
            continue;
        }
        *o++ = up ? (char)apr_toupper(*s) : *s;
        up = 0;
    }
    *o = '\0';
    return out;
}

static const char *seconds_text(apr_pool_t *p, uint64_t us)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT,
                        us / 1000000u, us % 1000000u);
}

static const char *le_text(apr_pool_t *p, int i)
{
    char *s;
    size_t n;

    if (i >= NEG_STAT_BUCKETS)
        return "+Inf";
    s = (char *)seconds_text(p, neg_stat_bucket_us[i]);
    n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    return s;
}

static void histogram(page *pg, const neg_status_block *b, neg_stat_hist h,
                      const char *name, const char *key, const char *help)
{
    family *f = fam(pg, name, "histogram", help);
    uint64_t cumulative = 0;
    int i;

    for (i = 0; i <= NEG_STAT_BUCKETS; i++) {
        const char *le = le_text(pg->p, i);

        cumulative += b->hist[h][i];
        put(f, "_bucket", apr_psprintf(pg->p, "le=\"%s\"", le),
            apr_pstrcat(pg->p, key, "Le", le, NULL),
            i < NEG_STAT_BUCKETS
                ? apr_psprintf(pg->p, "at most %s s", le) : "any time",
            apr_psprintf(pg->p, "%" APR_UINT64_T_FMT, cumulative));
    }
    put(f, "_sum", NULL, apr_pstrcat(pg->p, key, "SumSeconds", NULL),
        "total seconds", seconds_text(pg->p, b->hist_sum_us[h]));
    put(f, "_count", NULL, apr_pstrcat(pg->p, key, "Count", NULL), "count",
        apr_psprintf(pg->p, "%" APR_UINT64_T_FMT, cumulative));
}

static void logons(page *pg, const neg_status_block *b)
{
    family *f = fam(pg, "negotiate_logons_total", "counter",
                    "Logons by mechanism (reuse: an identity proved before on "
                    "the connection or by the first request of an internal "
                    "redirect) and outcome (continued: an NTLM CHALLENGE sent)");
    int m, o;

    for (m = 0; m < NEG_SMECH_COUNT; m++) {
        for (o = 0; o < NEG_SOUT_COUNT; o++) {
            const char *mn = neg_status_mech_name((neg_stat_mech)m);
            const char *on = neg_status_outcome_name((neg_stat_outcome)o);

            if ((o == NEG_SOUT_CONTINUED && m != NEG_SMECH_NTLM)
                || (o == NEG_SOUT_GRANTED && m == NEG_SMECH_NONE))
                continue;           /* cannot happen */
            put_u64(pg, f, apr_psprintf(pg->p, "mechanism=\"%s\",outcome=\"%s\"", mn, on),
                    apr_pstrcat(pg->p, "Logons", camel(pg->p, mn), camel(pg->p, on), NULL),
                    apr_pstrcat(pg->p, mn, " ", on, NULL), b->logons[m][o]);
        }
    }
    f = fam(pg, "negotiate_challenges_total", "counter",
            "401 answers offering the schemes to requests without credentials");
    put_u64(pg, f, NULL, "Challenges", "challenges", b->stat[NEG_STAT_CHALLENGES]);
}

static void refusals(page *pg, const neg_status_block *b)
{
    family *f = fam(pg, "negotiate_refusals_total", "counter",
                    "Refused requests by the tag of their log line and "
                    "negotiate-error note (doc/errors.md)");
    size_t i;

    for (i = 0; i <= neg_stat_n_tags; i++) {
        const neg_stat_tag *t = &neg_stat_tags[i];

        put_u64(pg, f, apr_psprintf(pg->p, "tag=\"%s\"", t->tag),
                apr_pstrcat(pg->p, "Refusals", camel(pg->p, t->tag), NULL),
                apr_pstrcat(pg->p, t->tag, " ", t->what, NULL), b->refusals[i]);
    }
}

static void gauge(page *pg, const char *name, const char *key,
                  const char *help, uint64_t v)
{
    /* a gauge that went below zero for a moment (a decrement seen before
     * its increment) reads 0 */
    put_u64(pg, fam(pg, name, "gauge", help), NULL, key, "now",
            (int64_t)v < 0 ? 0 : v);
}

static void counter(page *pg, const char *name, const char *key,
                    const char *help, uint64_t v)
{
    put_u64(pg, fam(pg, name, "counter", help), NULL, key, "total", v);
}

/* The per-process memos: session cookies (session_memo.c), verified
 * Kerberos tickets (ticket_cache.h), the names of SIDs (sid_cache.h) and
 * NegotiateDelegateTo's tickets (s4u_cache.h), each a plain counter. */
static const struct {
    neg_stat stat;
    const char *name, *key, *help;
} memo_counter_defs[] = {
    { NEG_STAT_SESSION_MEMO_HITS, "negotiate_session_memo_hits_total",
      "SessionMemoHits", "NegotiateSession cookies decoded again from this "
      "module's memo (no key derivation by mod_session_crypto)" },
    { NEG_STAT_SESSION_MEMO_MISSES, "negotiate_session_memo_misses_total",
      "SessionMemoMisses", "NegotiateSession cookies decoded by mod_session_crypto" },
    { NEG_STAT_TICKET_CACHE_HITS, "negotiate_ticket_cache_hits_total",
      "TicketCacheHits", "Kerberos tokens whose ticket was verified before: "
      "only the authenticator was decrypted and checked" },
    { NEG_STAT_TICKET_CACHE_MISSES, "negotiate_ticket_cache_misses_total",
      "TicketCacheMisses", "Kerberos tokens with a ticket not verified "
      "before: Heimdal's acceptor decrypted it" },
    { NEG_STAT_TICKET_CACHE_DECLINED, "negotiate_ticket_cache_declined_total",
      "TicketCacheDeclined", "Kerberos tokens with a known ticket left to "
      "Heimdal's acceptor (delegation, DCE style, another checksum, or a "
      "check that failed)" },
    { NEG_STAT_SID_NAME_HITS, "negotiate_sid_name_cache_hits_total",
      "SidNameCacheHits", "Group names (NegotiatePublishGroups) taken from "
      "this module's cache of SID names" },
    { NEG_STAT_SID_NAME_MISSES, "negotiate_sid_name_cache_misses_total",
      "SidNameCacheMisses", "Group names not in the cache, or due for a "
      "refresh: asked of winbind (when the request's budget allowed)" },
    { NEG_STAT_DELEG_FROM_KDC, "negotiate_delegation_tickets_from_kdc_total",
      "DelegationTicketsFromKdc", "NegotiateDelegateTo: back-end tickets got "
      "from the KDC (S4U2Proxy)" },
    { NEG_STAT_DELEG_FROM_CACHE, "negotiate_delegation_tickets_from_cache_total",
      "DelegationTicketsFromCache", "NegotiateDelegateTo: back-end tickets "
      "served from the process's cache, without a KDC exchange" },
    { NEG_STAT_DELEG_SELF_FROM_CACHE, "negotiate_delegation_s4u2self_from_cache_total",
      "DelegationS4u2selfFromCache", "NegotiateDelegateTo: protocol "
      "transition (S4U2Self) tickets taken from the process's cache" },
    { NEG_STAT_DELEG_REFUSED_SPN, "negotiate_delegation_refused_by_kdc_total",
      "DelegationRefusedByKdc", "NegotiateDelegateTo: back-end tickets the "
      "KDC refused (NEG1101: not allowed, unknown SPN, sensitive user)" },
    { NEG_STAT_DELEG_REFUSED_TGT, "negotiate_delegation_refused_no_tgt_total",
      "DelegationRefusedNoTgt", "NegotiateDelegateTo: requests without the "
      "service's TGT (NEG1103: the keytab lacks the account's principal)" },
    { NEG_STAT_DELEG_REFUSED_KDC, "negotiate_delegation_refused_kdc_timeout_total",
      "DelegationRefusedKdcTimeout", "NegotiateDelegateTo: no KDC answered "
      "in time (NEG1104)" },
    { NEG_STAT_DELEG_REFUSED_SELF, "negotiate_delegation_refused_s4u2self_total",
      "DelegationRefusedS4u2self", "NegotiateDelegateTo: protocol "
      "transition refused or not forwardable (NEG1105)" },
    { NEG_STAT_DELEG_REFUSED_DIR, "negotiate_delegation_refused_no_ccache_total",
      "DelegationRefusedNoCcache", "NegotiateDelegateTo: no ccache could be "
      "written (NEG1106)" },
};

static void memo_counters(page *pg, const neg_status_block *b)
{
    size_t i;

    for (i = 0; i < sizeof(memo_counter_defs) / sizeof(memo_counter_defs[0]); i++)
        counter(pg, memo_counter_defs[i].name, memo_counter_defs[i].key,
                memo_counter_defs[i].help, b->stat[memo_counter_defs[i].stat]);
}

/* winbind's state: the result of the latest call by any child, and its
 * age ("none" before the first call). */
static void winbind_state(page *pg, const neg_status_block *b)
{
    const char *last = b->wb_last == 0 ? "none"
                       : neg_status_wb_name((neg_stat_wb)(b->wb_last - 1));
    family *f = fam(pg, "negotiate_winbind_last_call_info", "gauge",
                    "winbind's state: the result of the latest call");

    put_info(f, apr_psprintf(pg->p, "result=\"%s\"", last), "WinbindState",
             "latest call", last);
    if (b->wb_last != 0)
        put(fam(pg, "negotiate_winbind_last_call_timestamp_seconds", "gauge",
                "When the latest winbind call ended"), "", NULL,
            "WinbindLastCall", "time",
            apr_psprintf(pg->p, "%" APR_TIME_T_FMT, apr_time_sec(b->wb_last_us)));
}

/* Connections to winbindd held by this server's children now, and the
 * budget (NegotiateWinbindConnections). */
static void connections(page *pg)
{
    int budget, n = neg_wb_connections(&budget);

    gauge(pg, "negotiate_winbind_connections", "WinbindConnections",
          "Connections to winbindd held by the children now", (uint64_t)n);
    gauge(pg, "negotiate_winbind_connections_max", "WinbindConnectionsMax",
          "The most connections to winbindd the children may hold "
          "(NegotiateWinbindConnections)", (uint64_t)budget);
}

static void winbind(page *pg, const neg_status_block *b)
{
    family *f = fam(pg, "negotiate_winbind_calls_total", "counter",
                    "winbind calls made by the pool threads, by result");
    int i;

    for (i = 0; i < NEG_SWB_COUNT; i++) {
        const char *n = neg_status_wb_name((neg_stat_wb)i);

        put_u64(pg, f, apr_psprintf(pg->p, "result=\"%s\"", n),
                apr_pstrcat(pg->p, "WinbindCalls", camel(pg->p, n), NULL), n,
                b->wb_calls[i]);
    }
    winbind_state(pg, b);
    counter(pg, "negotiate_winbind_timeouts_total", "WinbindTimeouts",
            "Calls whose request stopped waiting (NegotiateWinbindTimeout)",
            b->stat[NEG_STAT_WB_TIMEOUTS]);
    counter(pg, "negotiate_winbind_queue_full_total", "WinbindQueueFull",
            "Calls refused at once: too many waited for winbind in the process",
            b->stat[NEG_STAT_WB_QUEUE_FULL]);
    counter(pg, "negotiate_winbind_client_full_total", "WinbindClientFull",
            "Logons refused at once: their client address had its share of "
            "the process's calls (NegotiateWinbindPerClient)",
            b->stat[NEG_STAT_WB_CLIENT_FULL]);
    connections(pg);
    gauge(pg, "negotiate_winbind_busy_threads", "WinbindBusyThreads",
          "Pool threads in a winbind call now, every child",
          b->stat[NEG_STAT_WB_BUSY_THREADS]);
    gauge(pg, "negotiate_winbind_waiting", "WinbindWaiting",
          "Request threads waiting for winbind now, every child",
          b->stat[NEG_STAT_WB_WAITING]);
    histogram(pg, b, NEG_HIST_WINBIND, "negotiate_winbind_call_seconds",
              "WinbindCallSeconds", "Time of one winbind call");
}

/* "CacheDiscardCount: 0" lines of the socache provider (shmcb: every
 * line, and CacheRemembersFrom from replay.c; memcache and redis: the
 * server and this process's last error and breaker, from replay_remote.c).
 * Those Prometheus can use are named; all go to HTML and ?auto. */
static const struct {
    const char *key, *name, *type, *help, *label;
} replay_known[] = {
    { "CacheDiscardCount", "negotiate_replay_cache_dropped_before_expiry_total",
      "counter", "Entries shmcb dropped before they expired, to make room "
      "(the module finds out, ReplayCacheEvictedUnexpired, and refuses what "
      "it may have forgotten: size the cache up)", NULL },
    { "CacheExpireCount", "negotiate_replay_cache_expired_total", "counter",
      "Entries shmcb removed when they expired", NULL },
    { "CacheCurrentEntries", "negotiate_replay_cache_entries", "gauge",
      "Entries in the shmcb cache now", NULL },
    { "CacheRemembersFrom", "negotiate_replay_cache_remembers_from_timestamp_seconds",
      "gauge", "The replay cache remembers every authenticator stored since "
      "then (its start, unless it dropped entries before they expired)",
      "remembers authenticators stored since (Unix time)" },
};

static void replay_counters(page *pg, const neg_status_block *b)
{
    counter(pg, "negotiate_replay_stores_total", "ReplayStores",
            "Kerberos authenticators remembered by the replay cache",
            b->stat[NEG_STAT_REPLAY_STORES]);
    counter(pg, "negotiate_replay_replays_total", "ReplayReplays",
            "Replayed authenticators found (and refused, NEG0206)",
            b->stat[NEG_STAT_REPLAY_SEEN]);
    counter(pg, "negotiate_replay_errors_total", "ReplayErrors",
            "Replay cache lookups that failed (refused, NEG0207)",
            b->stat[NEG_STAT_REPLAY_ERRORS]);
    counter(pg, "negotiate_replay_cache_evicted_unexpired_total",
            "ReplayCacheEvictedUnexpired", "Times the module found that the "
            "shmcb replay cache had dropped entries before they expired "
            "(a canary of a group of keys gone: NEG0809)",
            b->stat[NEG_STAT_REPLAY_EVICTED]);
    counter(pg, "negotiate_replay_refused_too_old_total", "ReplayRefusedTooOld",
            "Authenticators refused because the replay cache may have "
            "forgotten them (NEG0810)", b->stat[NEG_STAT_REPLAY_TOO_OLD]);
}

static void replay(page *pg, const neg_status_block *b, const char *lines)
{
    family *f = NULL;
    char *copy = apr_pstrdup(pg->p, lines), *line, *state = NULL;
    size_t i;

    replay_counters(pg, b);
    put_info(fam(pg, "negotiate_replay_cache_info", "gauge",
                 "The replay cache (NegotiateReplayCache)"),
             apr_psprintf(pg->p, "cache=\"%s\"", lv(pg->p, neg_replay_name())),
             "ReplayCache", "cache", neg_replay_name());
    for (line = apr_strtok(copy, "\r\n", &state); line != NULL;
         line = apr_strtok(NULL, "\r\n", &state)) {
        char *colon = strchr(line, ':');
        const char *key, *value, *label;

        if (colon == NULL)
            continue;
        *colon = '\0';
        apr_collapse_spaces(line, line);    /* returns the end, not line */
        key = line;
        value = apr_pstrdup(pg->p, colon + 1 + strspn(colon + 1, " "));
        label = key;
        for (i = 0; i < sizeof(replay_known) / sizeof(replay_known[0]); i++) {
            if (strcmp(replay_known[i].key, key) != 0)
                continue;
            put(fam(pg, replay_known[i].name, replay_known[i].type,
                    replay_known[i].help), "", NULL, NULL, "now", value);
            if (replay_known[i].label != NULL)
                label = replay_known[i].label;
        }
        if (f == NULL)
            f = fam(pg, NULL, NULL, "The replay cache's own figures "
                    "(its socache provider)");
        put(f, "", NULL, apr_pstrcat(pg->p, "Replay",
                                     strncmp(key, "Cache", 5) == 0 ? "Cache" : "",
                                     key + (strncmp(key, "Cache", 5) == 0 ? 5 : 0),
                                     NULL), label, value);
    }
}

/* ------------------------------------------------------------ keytabs */

typedef struct {
    const char *name;
    uint64_t loads, failures;
    int64_t last_load_us;
} keytab_row;

static keytab_row *keytab_row_of(apr_array_header_t *rows, const char *name)
{
    int i;
    keytab_row *k;

    for (i = 0; i < rows->nelts; i++) {
        k = &APR_ARRAY_IDX(rows, i, keytab_row);
        if (strcmp(k->name, name) == 0)
            return k;
    }
    k = apr_array_push(rows);
    memset(k, 0, sizeof(*k));
    k->name = name;
    return k;
}

/* The configured keytabs and those children loaded (the default one,
 * when a location names none), with what the children did. */
static apr_array_header_t *keytab_rows(apr_pool_t *p, const neg_status_block *b)
{
    apr_array_header_t *rows = apr_array_make(p, 4, sizeof(keytab_row));
    int i;

    for (i = 0; configured_keytabs != NULL && i < configured_keytabs->nelts; i++)
        keytab_row_of(rows, APR_ARRAY_IDX(configured_keytabs, i, const char *));
    for (i = 0; i < NEG_STAT_KEYTABS; i++) {
        const neg_stat_keytab *s = &b->keytabs[i];
        keytab_row *k;

        if (s->state != 2)
            continue;
        k = keytab_row_of(rows, apr_pstrdup(p, s->name));
        k->loads += s->loads;
        k->failures += s->failures;
        if (s->last_load_us > k->last_load_us)
            k->last_load_us = s->last_load_us;
    }
    return rows;
}

static void keytab_keys(page *pg, family *keys, int n, const keytab_row *k)
{
    const char *resolved, *path, *err;
    neg_key *list;
    size_t nk, j;
    apr_finfo_t fi;

    err = neg_probe_keytab(pg->p, k->name, &resolved, &path, &list, &nk);
    if (err != NULL) {
        put_text(keys, apr_psprintf(pg->p, "keytab=\"%s\",principal=\"\",kvno=\"\","
                                    "enctype=\"\",error=\"%s\"",
                                    lv(pg->p, k->name), lv(pg->p, err)),
                 apr_psprintf(pg->p, "Keytab%dError", n), "error", "0", err);
        return;
    }
    for (j = 0; j < nk; j++) {
        put_info(keys, apr_psprintf(pg->p, "keytab=\"%s\",principal=\"%s\","
                                    "kvno=\"%d\",enctype=\"%s\"",
                                    lv(pg->p, k->name), lv(pg->p, list[j].principal),
                                    list[j].kvno, lv(pg->p, list[j].enctype_name)),
                 apr_psprintf(pg->p, "Keytab%dKey", n), "key",
                 apr_psprintf(pg->p, "%s: %s kvno %d %s", k->name, list[j].principal,
                              list[j].kvno, list[j].enctype_name));
    }
    if (path != NULL && apr_stat(&fi, path, APR_FINFO_MTIME, pg->p) == APR_SUCCESS)
        put(fam(pg, "negotiate_keytab_modified_timestamp_seconds", "gauge",
                "When the keytab file last changed"), "",
            apr_psprintf(pg->p, "keytab=\"%s\"", lv(pg->p, k->name)),
            apr_psprintf(pg->p, "Keytab%dModified", n), k->name,
            apr_psprintf(pg->p, "%" APR_TIME_T_FMT, apr_time_sec(fi.mtime)));
}

static void keytabs(page *pg, const neg_status_block *b)
{
    apr_array_header_t *rows = keytab_rows(pg->p, b);
    family *keys = fam(pg, "negotiate_keytab_key_info", "gauge",
                       "The keys of each keytab in use, read from the file now");
    family *loads = fam(pg, "negotiate_keytab_loads_total", "counter",
                        "Loads of the keytab into a child's memory (at first "
                        "use, and again after the file changed)");
    family *fails = fam(pg, "negotiate_keytab_load_failures_total", "counter",
                        "Loads of the keytab that failed (NEG0202)");
    family *last = fam(pg, "negotiate_keytab_last_load_timestamp_seconds", "gauge",
                       "When a child last loaded the keytab (0: not yet)");
    int i;

    for (i = 0; i < rows->nelts; i++) {
        const keytab_row *k = &APR_ARRAY_IDX(rows, i, keytab_row);
        const char *l = apr_psprintf(pg->p, "keytab=\"%s\"", lv(pg->p, k->name));
        int n = i + 1;

        put(fam(pg, NULL, NULL, NULL), "", NULL, apr_psprintf(pg->p, "Keytab%d", n),
            "keytab", k->name);
        put_u64(pg, loads, l, apr_psprintf(pg->p, "Keytab%dLoads", n), k->name, k->loads);
        put_u64(pg, fails, l, apr_psprintf(pg->p, "Keytab%dLoadFailures", n), k->name,
                k->failures);
        put(last, "", l, apr_psprintf(pg->p, "Keytab%dLastLoad", n), k->name,
            apr_psprintf(pg->p, "%" APR_TIME_T_FMT, apr_time_sec(k->last_load_us)));
        keytab_keys(pg, keys, n, k);
    }
}

page *neg_status_metrics_build(request_rec *r, const neg_status_block *b,
                               const char *replay_lines)
{
    page *pg = apr_pcalloc(r->pool, sizeof(*pg));
    apr_time_t now = apr_time_now();

    pg->p = r->pool;
    pg->families = apr_array_make(r->pool, 32, sizeof(family));
    gauge(pg, "negotiate_status_start_time_seconds", "CountingSince",
          "When counting started (httpd's start or last full restart; a "
          "graceful restart keeps the figures)", (uint64_t)apr_time_sec(b->since_us));
    gauge(pg, "negotiate_status_seconds", "CountingFor",
          "Seconds counted", (uint64_t)apr_time_sec(now - b->since_us));
    gauge(pg, "negotiate_config_generation", "ConfigGeneration",
          "httpd's configuration generation (graceful restarts since start)",
          b->generation);
    logons(pg, b);
    refusals(pg, b);
    gauge(pg, "negotiate_ntlm_handshakes_in_progress", "NtlmHandshakesInProgress",
          "Connections between our NTLM CHALLENGE and their AUTHENTICATE",
          b->stat[NEG_STAT_NTLM_IN_PROGRESS]);
    winbind(pg, b);
    histogram(pg, b, NEG_HIST_KRB5_ACCEPT, "negotiate_kerberos_accept_seconds",
              "KerberosAcceptSeconds",
              "Time of one Kerberos accept (the token against the keytab)");
    replay(pg, b, replay_lines);
    memo_counters(pg, b);
    keytabs(pg, b);
    return pg;
}
