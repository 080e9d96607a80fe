/*
 * wb_names.c - the names of SIDs and the SIDs of group names, asked of
 * winbind on the pool (wb_pool.h) and cached for the process, and the
 * spellings of group names the configuration uses (see winbind.h:
 * neg_wb_sid_to_name, neg_wb_group_sids, neg_wb_remember_spelling).
 */
#include "winbind.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pac.h"        /* NEG_PAC_MAX_SIDS */
#include "sid_cache.h"
#include "status.h"
#include "wb_pool.h"

/* The caches and the spellings below. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static time_t now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* ---------------------------------------------------------------- names */

/* The names of SIDs, per process (sid_cache.h): room for four users of
 * NEG_PAC_MAX_SIDS groups each, 120 bytes and the name per SID seen (at
 * most 2 MB and the names), and a 64 KB index; made at the first lookup.
 * A name is kept NEG_WB_NAME_TTL more seconds after it is due for a
 * refresh, and used meanwhile when the refresh gets no answer. It was a
 * direct-mapped table of 2,048 entries: the SIDs of a user in 1,500 groups
 * collided there (each request of his asked winbind for 382-815 of them
 * again), and failures written over names wiped those of other users.
 * Under lock. */
#define NAME_CACHE_ENTRIES (4 * NEG_PAC_MAX_SIDS)

static neg_sid_cache *name_cache;

static int name_ttl(neg_wb_status st)
{
    return st == NEG_WB_OK ? NEG_WB_NAME_TTL
         : st == NEG_WB_AUTH_FAILED ? NEG_WB_UNKNOWN_TTL : NEG_WB_FAILED_TTL;
}

/* What the cache knows of sid: *st the name's (OK, the name in out) or the
 * failure's status. */
static neg_sc_found cached_name(const neg_sid *sid, neg_wb_status *st,
                                char *out, size_t cap)
{
    neg_sc_found found = NEG_SC_MISS;
    int status = NEG_WB_OK;

    pthread_mutex_lock(&lock);
    if (name_cache == NULL)
        name_cache = neg_sid_cache_new(NAME_CACHE_ENTRIES);
    if (name_cache != NULL)
        found = neg_sid_cache_get(name_cache, sid, now_mono(), &status, out, cap);
    pthread_mutex_unlock(&lock);
    *st = (neg_wb_status)status;
    return found;
}

/* An answer of winbind, or a failure to get one. A failure never takes
 * the place of a name (sid_cache.h). */
static void cache_name(const neg_sid *sid, neg_wb_status st, const char *name)
{
    time_t now = now_mono();

    pthread_mutex_lock(&lock);
    if (name_cache != NULL && st == NEG_WB_OK && name != NULL)
        neg_sid_cache_put_name(name_cache, sid, name, now, NEG_WB_NAME_TTL,
                               NEG_WB_NAME_TTL);
    else if (name_cache != NULL && st != NEG_WB_OK)
        neg_sid_cache_put_failure(name_cache, sid, (int)st, now, name_ttl(st));
    pthread_mutex_unlock(&lock);
}

/* A lookup whose caller gave up still answers the next requests: its
 * result goes into the cache when it comes (from finish_job). */
static void cache_group(const char *name, neg_wb_status st,
                        const neg_sid *sids, size_t n);
static void respell(char *name);

static void keep_late_answer(const wb_job *job)
{
    if (job->kind == JOB_SID2NAME)
        cache_name(&job->sid, job->status, job->name);
    else if (job->kind == JOB_GROUP2SIDS)
        cache_group(job->name, job->status, job->group_sids, job->n_group_sids);
}

static neg_wb_status give_name(const char *name, char *out, size_t cap)
{
    neg_wbc_copy_str(out, cap, name);
    respell(out);
    return NEG_WB_OK;
}

/* No answer from winbind: a name known before if there is one (stale is
 * the cache's verdict), else the failure. */
static neg_wb_status no_answer(neg_sc_found found, const char *known,
                               neg_wb_status st, char *out, size_t cap)
{
    return found == NEG_SC_STALE ? give_name(known, out, cap) : st;
}

neg_wb_status neg_wb_sid_to_name(const neg_sid *sid, int timeout_ms,
                                 char *out, size_t cap)
{
    char known[NEG_WB_NAME_MAX];
    neg_wb_status st;
    neg_sc_found found = cached_name(sid, &st, known, sizeof(known));
    wb_job *job;
    int r;

    if (found == NEG_SC_FRESH) {
        neg_status_add(NEG_STAT_SID_NAME_HITS, 1);
        return st == NEG_WB_OK ? give_name(known, out, cap) : st;
    }
    neg_status_add(NEG_STAT_SID_NAME_MISSES, 1);
    /* the request's budget is spent: not asked, so nothing to remember */
    if (timeout_ms <= 0)
        return no_answer(found, known, NEG_WB_TIMEOUT, out, cap);
    if ((job = neg_wb_job_new(JOB_SID2NAME)) == NULL)
        return no_answer(found, known, NEG_WB_ERROR, out, cap);
    job->keep_late_answer = keep_late_answer;
    job->sid = *sid;
    r = neg_wb_job_run(job, timeout_ms, &st);
    if (r == 0) {
        /* a call that waits is remembered until its late answer, if any;
         * one refused at once (BUSY) made nobody wait */
        if (st == NEG_WB_TIMEOUT)
            cache_name(sid, st, NULL);
        return no_answer(found, known, st, out, cap);
    }
    st = r < 0 ? NEG_WB_ERROR : job->status;
    cache_name(sid, st, job->name);
    if (st == NEG_WB_OK)
        give_name(job->name, out, cap);
    else
        st = no_answer(found, known, st, out, cap);
    neg_wb_job_free(job);
    return st;
}

/* ---------------------------------------------------------- group SIDs */

/* Group names of Require negotiate-group lines and their SIDs. Few names
 * (those of the configuration), so a small table searched in full; the
 * oldest entry makes room. Under lock. */
#define GROUP_CACHE_SLOTS 128

typedef struct {
    char name[NEG_WB_NAME_MAX];     /* as asked for; compared ignoring case */
    neg_wb_status status;
    neg_sid sids[NEG_WB_GROUP_SIDS_MAX];
    size_t n;
    time_t expires;                 /* refresh after this */
    time_t stale_until;             /* OK entries: still usable when a
                                     * refresh cannot get an answer */
} group_entry;

static group_entry group_cache[GROUP_CACHE_SLOTS];

static group_entry *find_group(const char *name)
{
    int i;

    for (i = 0; i < GROUP_CACHE_SLOTS; i++) {
        if (group_cache[i].expires != 0 && strcasecmp(group_cache[i].name, name) == 0)
            return &group_cache[i];
    }
    return NULL;
}

static group_entry *group_slot(const char *name)
{
    group_entry *e = find_group(name), *oldest = &group_cache[0];
    int i;

    if (e != NULL)
        return e;
    for (i = 0; i < GROUP_CACHE_SLOTS; i++) {
        if (group_cache[i].expires < oldest->expires)
            oldest = &group_cache[i];
    }
    return oldest;
}

/* A refresh that got no answer keeps a name's known SIDs (a group's SID
 * does not change while it exists) for another NEG_WB_GROUP_TTL. */
static void cache_group(const char *name, neg_wb_status st,
                        const neg_sid *sids, size_t n)
{
    time_t now = now_mono();
    group_entry *e;

    pthread_mutex_lock(&lock);
    e = group_slot(name);
    /* only this name's own entry: group_slot gives the oldest entry of
     * another name for a name not cached yet */
    if (st != NEG_WB_OK && st != NEG_WB_AUTH_FAILED && e->expires != 0
        && strcasecmp(e->name, name) == 0
        && e->status == NEG_WB_OK && e->stale_until > now) {
        e->expires = now + NEG_WB_FAILED_TTL;
        pthread_mutex_unlock(&lock);
        return;
    }
    neg_wbc_copy_str(e->name, sizeof(e->name), name);
    e->status = st;
    /* a bare name's SIDs found before another domain failed are kept:
     * a match with one of them is a match; no match is undecided */
    e->n = n;
    if (e->n > 0)
        memcpy(e->sids, sids, e->n * sizeof(neg_sid));
    e->expires = now + (st == NEG_WB_OK ? NEG_WB_GROUP_TTL : name_ttl(st));
    e->stale_until = st == NEG_WB_OK ? now + 2 * NEG_WB_GROUP_TTL : 0;
    pthread_mutex_unlock(&lock);
}

/* The cached answer for name, if fresh, or if stale but usable after a
 * failed refresh (status OK, its SIDs kept). */
static int cached_group(const char *name, neg_sid *out, size_t cap, size_t *n,
                        neg_wb_status *st)
{
    group_entry *e;
    time_t now = now_mono();
    int hit = 0;

    pthread_mutex_lock(&lock);
    if ((e = find_group(name)) != NULL && e->expires > now) {
        *st = e->status;
        *n = e->n < cap ? e->n : cap;
        memcpy(out, e->sids, *n * sizeof(neg_sid));
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

neg_wb_status neg_wb_group_sids(const char *name, int timeout_ms,
                                neg_sid *out, size_t cap, size_t *n)
{
    neg_wb_status st;
    wb_job *job;
    int r;

    *n = 0;
    if (cached_group(name, out, cap, n, &st))
        return st;
    if (timeout_ms <= 0)                /* the request's budget is spent */
        return NEG_WB_TIMEOUT;
    if ((job = neg_wb_job_new(JOB_GROUP2SIDS)) == NULL)
        return NEG_WB_ERROR;
    job->keep_late_answer = keep_late_answer;
    if ((job->name = strdup(name)) == NULL) {
        neg_wb_job_free(job);
        return NEG_WB_ERROR;
    }
    r = neg_wb_job_run(job, timeout_ms, &st);
    if (r == 0) {
        cache_group(name, st, NULL, 0);      /* until the late answer, if any */
        return cached_group(name, out, cap, n, &st) ? st : NEG_WB_TIMEOUT;
    }
    st = r < 0 ? NEG_WB_ERROR : job->status;
    cache_group(name, st, job->group_sids, job->n_group_sids);
    neg_wb_job_free(job);
    if (!cached_group(name, out, cap, n, &st))
        st = NEG_WB_ERROR;
    return st;
}

/* ---------------------------------------------------------- spellings */

/* winbindd answers a name lookup from the directory, then caches the
 * reverse mapping (SID -> name) with the name lower-cased, and answers
 * SID lookups from that cache for "winbind cache time" (Samba 4.17,
 * winbindd_cache.c, wb_cache_name_to_sid): after the module looked up
 * "EXAMPLE\WebAdmins", the group is named "EXAMPLE\webadmins" in
 * NEGOTIATE_GROUPS. The names of the configuration (which the module looks
 * up) are remembered here, and an all-lower-case answer that is one of
 * them but for case gets the configuration's spelling back. */
#define SPELLINGS_MAX 64
static char spellings[SPELLINGS_MAX][NEG_WB_NAME_MAX];
static int n_spellings;

static int has_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            return 1;
    }
    return 0;
}

void neg_wb_remember_spelling(const char *name)
{
    const char *part = strchr(name, '\\');
    int i;

    part = part ? part + 1 : name;
    if (!has_upper(part) || strlen(name) >= NEG_WB_NAME_MAX)
        return;
    pthread_mutex_lock(&lock);
    for (i = 0; i < n_spellings && strcmp(spellings[i], name) != 0; i++)
        ;
    if (i == n_spellings && n_spellings < SPELLINGS_MAX)
        neg_wbc_copy_str(spellings[n_spellings++], NEG_WB_NAME_MAX, name);
    pthread_mutex_unlock(&lock);
}

/* "EXAMPLE\webadmins" -> "EXAMPLE\WebAdmins" when the configuration
 * spells it so (as "EXAMPLE\WebAdmins" or a bare "WebAdmins"). */
static void respell(char *name)
{
    char *part = strchr(name, '\\');
    const char *want, *want_part;
    int i;

    part = part ? part + 1 : name;
    if (has_upper(part))
        return;
    pthread_mutex_lock(&lock);
    for (i = 0; i < n_spellings; i++) {
        want = spellings[i];
        want_part = strchr(want, '\\');
        if (want_part != NULL ? strcasecmp(want, name) == 0
                              : strcasecmp(want, part) == 0) {
            want_part = want_part ? want_part + 1 : want;
            memcpy(part, want_part, strlen(part));
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}
