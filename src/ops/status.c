/*
 * status.c - the module's counters (see status.h).
 *
 * Every update is one relaxed atomic add on a 64-bit word of the block: the
 * figures are sums over processes and threads that never wait for each
 * other, and a reader may see one counter a little ahead of another.
 */
#include "status.h"

#include <string.h>
#include <time.h>

const uint64_t neg_stat_bucket_us[NEG_STAT_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
    250000, 500000, 1000000, 2500000, 5000000
};

/* Every tag a refusal (the request note negotiate-error) can carry; see
 * doc/errors.md for what each means. */
const neg_stat_tag neg_stat_tags[] = {
    { "NEG0101", NEG_SMECH_NONE,     "scheme not offered here" },
    { "NEG0102", NEG_SMECH_NONE,     "malformed Authorization header" },
    { "NEG0104", NEG_SMECH_NONE,     "SPNEGO continuation without a handshake" },
    { "NEG0105", NEG_SMECH_NONE,     "token the scheme cannot carry" },
    { "NEG0106", NEG_SMECH_NONE,     "undecodable token" },
    { "NEG0107", NEG_SMECH_REUSE,    "identity not carried into a redirect" },
    { "NEG0109", NEG_SMECH_NONE,     "SPNEGO without a usable mechanism" },
    { "NEG0111", NEG_SMECH_NONE,     "SPNEGO counter-proposal over HTTP/2" },
    { "NEG0112", NEG_SMECH_NONE,     "SPNEGO answer to a counter-proposal unusable" },
    { "NEG0113", NEG_SMECH_REUSE,    "fresh logon against the location's policy" },
    { "NEG0202", NEG_SMECH_KERBEROS, "Kerberos unavailable (keytab)" },
    { "NEG0203", NEG_SMECH_KERBEROS, "Kerberos ticket refused" },
    { "NEG0204", NEG_SMECH_KERBEROS, "ticket's identity unusable (PAC)" },
    { "NEG0206", NEG_SMECH_KERBEROS, "replayed authenticator" },
    { "NEG0207", NEG_SMECH_KERBEROS, "replay cache did not answer" },
    { "NEG0208", NEG_SMECH_KERBEROS, "computer account (Kerberos)" },
    { "NEG0209", NEG_SMECH_KERBEROS, "anonymous ticket" },
    { "NEG0210", NEG_SMECH_KERBEROS, "channel binding mismatch (Kerberos)" },
    { "NEG0211", NEG_SMECH_KERBEROS, "SPNEGO mechListMIC missing or wrong" },
    { "NEG0301", NEG_SMECH_NTLM,     "NTLM under Negotiate:Kerberos" },
    { "NEG0302", NEG_SMECH_NTLM,     "NTLM over HTTP/2" },
    { "NEG0303", NEG_SMECH_NTLM,     "NTLM challenge not made" },
    { "NEG0304", NEG_SMECH_NTLM,     "NTLM logon refused" },
    { "NEG0306", NEG_SMECH_NTLM,     "NTLM message out of place" },
    { "NEG0307", NEG_SMECH_NTLM,     "computer account (NTLM)" },
    { "NEG0308", NEG_SMECH_NTLM,     "channel binding mismatch (NTLM)" },
    { "NEG0309", NEG_SMECH_NTLM,     "client address over its share of winbind (NTLM)" },
    { "NEG0401", NEG_SMECH_KERBEROS, "no NetBIOS domain for down-level" },
    { "NEG0402", NEG_SMECH_NONE,     "identity without a realm or name" },
    { "NEG0403", NEG_SMECH_NONE,     "control character in a name" },
    { "NEG0404", NEG_SMECH_KERBEROS, "ticket without a PAC" },
    { "NEG0501", NEG_SMECH_BASIC,    "Basic credentials malformed" },
    { "NEG0502", NEG_SMECH_BASIC,    "Basic logon refused" },
    { "NEG0504", NEG_SMECH_BASIC,    "computer account (Basic)" },
    { "NEG0505", NEG_SMECH_BASIC,    "client address over its share of winbind (Basic)" },
    { "NEG0601", NEG_SMECH_NONE,     "plain HTTP where TLS is required" },
    { "NEG0701", NEG_SMECH_NONE,     "Require for a user of another module" },
    { "NEG0705", NEG_SMECH_NONE,     "group membership undecided" },
    { "NEG0706", NEG_SMECH_NONE,     "group name not resolved (winbind error)" },
    { "NEG0707", NEG_SMECH_NONE,     "group name of an unknown domain" },
    { "NEG0708", NEG_SMECH_NONE,     "group rule for a logon without SIDs" },
    { "NEG0810", NEG_SMECH_KERBEROS, "older than the replay cache remembers" },
    { "NEG1001", NEG_SMECH_BASIC,    "login form POST without its token (CSRF)" },
    { "NEG1002", NEG_SMECH_BASIC,    "login form POST of a wrong type or size" },
    { "NEG1004", NEG_SMECH_BASIC,    "login form password over plain HTTP" },
    { "NEG1005", NEG_SMECH_NONE,     "failed password logons over NegotiateFailureLimit" },
    { "other",   NEG_SMECH_NONE,     "a tag this table does not list" },
};
const size_t neg_stat_n_tags = sizeof(neg_stat_tags) / sizeof(neg_stat_tags[0]) - 1;

typedef char tags_fit[sizeof(neg_stat_tags) / sizeof(neg_stat_tags[0])
                      <= sizeof(((neg_status_block *)0)->refusals)
                         / sizeof(uint64_t) ? 1 : -1];

static neg_status_block own;
static neg_status_block *blk = &own;

static void add(uint64_t *w, int64_t n)
{
    __atomic_fetch_add(w, (uint64_t)n, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *w)
{
    return __atomic_load_n(w, __ATOMIC_RELAXED);
}

void neg_status_attach(neg_status_block *shared)
{
    __atomic_store_n(&blk, shared ? shared : &own, __ATOMIC_RELEASE);
}

void neg_status_reset(neg_status_block *b, int64_t now_us)
{
    memset(b, 0, sizeof(*b));
    b->magic = NEG_STATUS_MAGIC;
    b->since_us = now_us;
}

static neg_status_block *cur(void)
{
    return __atomic_load_n(&blk, __ATOMIC_ACQUIRE);
}

static void copy_words(uint64_t *dst, const uint64_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        dst[i] = load(&src[i]);
}

#define COPY(f) copy_words((uint64_t *)out->f, (const uint64_t *)b->f, \
                           sizeof(b->f) / sizeof(uint64_t))

void neg_status_snapshot(neg_status_block *out)
{
    const neg_status_block *b = cur();
    int i;

    memset(out, 0, sizeof(*out));
    out->magic = b->magic;
    out->since_us = b->since_us;
    out->generation = b->generation;
    COPY(stat);
    COPY(logons);
    COPY(refusals);
    COPY(wb_calls);
    out->wb_last = load(&b->wb_last);
    out->wb_last_us = __atomic_load_n(&b->wb_last_us, __ATOMIC_RELAXED);
    COPY(hist);
    COPY(hist_sum_us);
    for (i = 0; i < NEG_STAT_KEYTABS; i++) {
        const neg_stat_keytab *k = &b->keytabs[i];

        if (__atomic_load_n(&k->state, __ATOMIC_ACQUIRE) != 2)
            continue;
        out->keytabs[i].state = 2;
        memcpy(out->keytabs[i].name, k->name, sizeof(k->name));
        out->keytabs[i].loads = load(&k->loads);
        out->keytabs[i].failures = load(&k->failures);
        out->keytabs[i].last_load_us = __atomic_load_n(&k->last_load_us, __ATOMIC_RELAXED);
        out->keytabs[i].last_failure_us = __atomic_load_n(&k->last_failure_us,
                                                          __ATOMIC_RELAXED);
    }
}

void neg_status_add(neg_stat k, int64_t n)
{
    if ((unsigned)k < (unsigned)NEG_STAT_COUNT)
        add(&cur()->stat[k], n);
}

void neg_status_logon(neg_stat_mech m, neg_stat_outcome o)
{
    if ((unsigned)m < (unsigned)NEG_SMECH_COUNT && (unsigned)o < (unsigned)NEG_SOUT_COUNT)
        add(&cur()->logons[m][o], 1);
}

static size_t tag_index(const char *tag)
{
    size_t i;

    for (i = 0; tag != NULL && i < neg_stat_n_tags; i++) {
        if (strcmp(neg_stat_tags[i].tag, tag) == 0)
            return i;
    }
    return neg_stat_n_tags;         /* "other" */
}

void neg_status_refusal(const char *tag)
{
    add(&cur()->refusals[tag_index(tag)], 1);
}

void neg_status_refused(const char *tag)
{
    size_t i = tag_index(tag);

    add(&cur()->refusals[i], 1);
    neg_status_logon(neg_stat_tags[i].mech, NEG_SOUT_REFUSED);
}

neg_stat_mech neg_status_tag_mech(const char *tag)
{
    return neg_stat_tags[tag_index(tag)].mech;
}

void neg_status_latency(neg_stat_hist h, uint64_t micros)
{
    neg_status_block *b = cur();
    int i;

    if ((unsigned)h >= (unsigned)NEG_HIST_COUNT)
        return;
    for (i = 0; i < NEG_STAT_BUCKETS && micros > neg_stat_bucket_us[i]; i++)
        ;
    add(&b->hist[h][i], 1);
    add(&b->hist_sum_us[h], (int64_t)micros);
}

void neg_status_wb_call(neg_stat_wb result, uint64_t micros)
{
    neg_status_block *b = cur();
    struct timespec now;

    if ((unsigned)result < (unsigned)NEG_SWB_COUNT) {
        add(&b->wb_calls[result], 1);
        /* winbind's state as the latest call found it: two plain stores,
         * which a reader may see from two different calls */
        clock_gettime(CLOCK_REALTIME, &now);
        __atomic_store_n(&b->wb_last, (uint64_t)result + 1, __ATOMIC_RELAXED);
        __atomic_store_n(&b->wb_last_us, (int64_t)now.tv_sec * 1000000
                         + now.tv_nsec / 1000, __ATOMIC_RELAXED);
    }
    neg_status_latency(NEG_HIST_WINBIND, micros);
}

/* The slot of a keytab: found by name, or claimed (0 -> 1 -> 2). Two
 * processes may claim a slot each for one name at the same moment; the page
 * adds such twins up. NULL when every slot is taken. */
static neg_stat_keytab *keytab_slot(neg_status_block *b, const char *name)
{
    int i;

    for (i = 0; i < NEG_STAT_KEYTABS; i++) {
        neg_stat_keytab *k = &b->keytabs[i];

        if (__atomic_load_n(&k->state, __ATOMIC_ACQUIRE) == 2
            && strncmp(k->name, name, sizeof(k->name) - 1) == 0)
            return k;
    }
    for (i = 0; i < NEG_STAT_KEYTABS; i++) {
        neg_stat_keytab *k = &b->keytabs[i];
        uint32_t free_state = 0;

        if (__atomic_compare_exchange_n(&k->state, &free_state, 1, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            strncpy(k->name, name, sizeof(k->name) - 1);
            k->name[sizeof(k->name) - 1] = '\0';
            __atomic_store_n(&k->state, 2, __ATOMIC_RELEASE);
            return k;
        }
    }
    return NULL;
}

void neg_status_keytab_load(const char *name, int ok, int64_t now_us)
{
    neg_stat_keytab *k = keytab_slot(cur(), name ? name : "(default)");

    if (k == NULL)
        return;
    if (ok) {
        add(&k->loads, 1);
        __atomic_store_n(&k->last_load_us, now_us, __ATOMIC_RELAXED);
    }
    else {
        add(&k->failures, 1);
        __atomic_store_n(&k->last_failure_us, now_us, __ATOMIC_RELAXED);
    }
}

uint64_t neg_status_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *neg_status_mech_name(neg_stat_mech m)
{
    static const char *const names[NEG_SMECH_COUNT] = {
        "kerberos", "ntlm", "basic", "reuse", "none"
    };

    return (unsigned)m < (unsigned)NEG_SMECH_COUNT ? names[m] : "none";
}

const char *neg_status_outcome_name(neg_stat_outcome o)
{
    static const char *const names[NEG_SOUT_COUNT] = {
        "granted", "refused", "continued"
    };

    return (unsigned)o < (unsigned)NEG_SOUT_COUNT ? names[o] : "refused";
}

const char *neg_status_wb_name(neg_stat_wb r)
{
    static const char *const names[NEG_SWB_COUNT] = {
        "ok", "refused", "unavailable", "no_privilege", "error"
    };

    return (unsigned)r < (unsigned)NEG_SWB_COUNT ? names[r] : "error";
}
