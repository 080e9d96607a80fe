/*
 * wb_calls.c - the calls to winbind a pool thread runs (libwbclient, on
 * the thread's own connection: see wb_conn.c): NTLM and plain-text
 * logons, the server's names, SID -> name, group name -> SIDs, and
 * whether a failed lookup means "no such name" for sure.
 */
#include "wb_job.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "pac.h"        /* NEG_PAC_MAX_SIDS */

static pthread_mutex_t dns_lock = PTHREAD_MUTEX_INITIALIZER;

/* NetBIOS -> DNS domain names (winbind's logon answer leaves the DNS name
 * empty for the DC's own domain). Under dns_lock. */
#define DNS_CACHE_SIZE 16
static struct {
    char netbios[NEG_WB_NAME_MAX];
    char dns[NEG_WB_NAME_MAX];
} dns_cache[DNS_CACHE_SIZE];
static int dns_cache_used;

void neg_wbc_copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

uint64_t neg_wbc_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + 1;
}

void neg_wbc_deadline_after(int timeout_ms, struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
/* ---------------------------------------------------------------- calls */

static neg_wb_status unavailable_kind(struct wbcContext *ctx)
{
    /* The privileged pipe failed: is winbindd there at all? */
    return WBC_ERROR_IS_OK(wbcCtxPing(ctx)) ? NEG_WB_NO_PRIVILEGE
                                            : NEG_WB_UNAVAILABLE;
}

static int cached_dns_name(const char *netbios, char *out)
{
    int i, found = 0;

    pthread_mutex_lock(&dns_lock);
    for (i = 0; i < dns_cache_used && !found; i++) {
        if (strcasecmp(dns_cache[i].netbios, netbios) == 0) {
            neg_wbc_copy_str(out, NEG_WB_NAME_MAX, dns_cache[i].dns);
            found = 1;
        }
    }
    pthread_mutex_unlock(&dns_lock);
    return found;
}

static void remember_dns_name(const char *netbios, const char *dns)
{
    pthread_mutex_lock(&dns_lock);
    if (dns_cache_used < DNS_CACHE_SIZE) {
        neg_wbc_copy_str(dns_cache[dns_cache_used].netbios, NEG_WB_NAME_MAX, netbios);
        neg_wbc_copy_str(dns_cache[dns_cache_used].dns, NEG_WB_NAME_MAX, dns);
        dns_cache_used++;
    }
    pthread_mutex_unlock(&dns_lock);
}

/* The DNS name of a domain given its NetBIOS name, once per process. */
static void fill_dns_domain(struct wbcContext *ctx, neg_wb_result *r)
{
    struct wbcDomainInfo *d = NULL;

    if (*r->dns_domain != '\0' || *r->domain == '\0'
        || cached_dns_name(r->domain, r->dns_domain))
        return;
    if (wbcCtxDomainInfo(ctx, r->domain, &d) == WBC_ERR_SUCCESS && d != NULL
        && d->dns_name != NULL && *d->dns_name != '\0') {
        neg_wbc_copy_str(r->dns_domain, sizeof(r->dns_domain), d->dns_name);
        remember_dns_name(r->domain, d->dns_name);
    }
    wbcFreeMemory(d);
}

static void sid_from_wbc(const struct wbcDomainSid *w, neg_sid *out)
{
    int i;

    memset(out, 0, sizeof(*out));
    out->revision = w->sid_rev_num;
    out->count = w->num_auths > 15 ? 15 : w->num_auths;
    memcpy(out->authority, w->id_auth, 6);
    for (i = 0; i < out->count; i++)
        out->sub[i] = w->sub_auths[i];
}

static void sid_to_wbc(const neg_sid *s, struct wbcDomainSid *out)
{
    int i;

    memset(out, 0, sizeof(*out));
    out->sid_rev_num = s->revision;
    out->num_auths = s->count;
    memcpy(out->id_auth, s->authority, 6);
    for (i = 0; i < s->count; i++)
        out->sub_auths[i] = s->sub[i];
}

/* The logon's SIDs, user first, as winbind lists them (0 = user,
 * 1 = primary group, then groups). All of them or none (0): a list cut
 * short would drop groups that `Require not negotiate-group` refuses. */
static int copy_sids(const struct wbcAuthUserInfo *info, neg_wb_result *r)
{
    uint32_t i, n = info->num_sids;

    if (n > NEG_PAC_MAX_SIDS) {
        snprintf(r->detail, sizeof(r->detail), "the logon has %u SIDs, more than "
                 "the %d the module takes", n, NEG_PAC_MAX_SIDS);
        return 0;
    }
    r->sids = n ? calloc(n, sizeof(neg_sid)) : NULL;
    if (n > 0 && r->sids == NULL)
        return 0;
    for (i = 0; i < n; i++)
        sid_from_wbc(&info->sids[i].sid, &r->sids[i]);
    r->n_sids = n;
    return 1;
}

static int copy_auth_info(const struct wbcAuthUserInfo *info, neg_wb_result *r)
{
    neg_wbc_copy_str(r->account, sizeof(r->account), info->account_name);
    neg_wbc_copy_str(r->domain, sizeof(r->domain), info->domain_name);
    neg_wbc_copy_str(r->dns_domain, sizeof(r->dns_domain), info->dns_domain_name);
    r->guest = (info->user_flags & WBC_AUTH_USER_INFO_GUEST) != 0;
    r->machine = (info->acct_flags & (WBC_ACB_WSTRUST | WBC_ACB_SVRTRUST
                                      | WBC_ACB_DOMTRUST)) != 0;
    memcpy(r->session_key, info->user_session_key, 16);
    if (info->num_sids > 0)
        wbcSidToStringBuf(&info->sids[0].sid, r->user_sid, sizeof(r->user_sid));
    return copy_sids(info, r);
}

static neg_wb_status run_verify(struct wbcContext *ctx, wb_job *job)
{
    struct wbcAuthUserParams p;
    struct wbcAuthUserInfo *info = NULL;
    struct wbcAuthErrorInfo *err = NULL;
    neg_wb_result *r = &job->res;
    wbcErr e;

    memset(&p, 0, sizeof(p));
    p.account_name = job->account;
    p.domain_name = job->domain;
    p.workstation_name = job->workstation;
    /* Computer and trust accounts only when allowed (Samba's own server
     * always allows them): without these flags the domain controller
     * refuses them itself, once their password proved right, with
     * NT_STATUS_NOLOGON_{WORKSTATION,SERVER}_TRUST_ACCOUNT ([MS-APDS]
     * 3.1.5; Samba's authsam_account_ok). */
    p.parameter_control = job->allow_machine
        ? WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT
          | WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT : 0;
    if (job->kind == JOB_PLAIN) {
        p.level = WBC_AUTH_USER_LEVEL_PLAIN;
        p.password.plaintext = job->password;
    }
    else {
        p.level = WBC_AUTH_USER_LEVEL_RESPONSE;
        memcpy(p.password.response.challenge, job->challenge, 8);
        p.password.response.nt_length = (uint32_t)job->nt_len;
        p.password.response.nt_data = job->nt;
        p.password.response.lm_length = (uint32_t)job->lm_len;
        p.password.response.lm_data = job->lm;
    }

    e = wbcCtxAuthenticateUserEx(ctx, &p, &info, &err);
    if (e == WBC_ERR_SUCCESS && info != NULL && !copy_auth_info(info, r)) {
        r->status = NEG_WB_ERROR;
    }
    else if (e == WBC_ERR_SUCCESS && info != NULL) {
        fill_dns_domain(ctx, r);
        r->status = NEG_WB_OK;
    }
    else if (e == WBC_ERR_AUTH_ERROR && err != NULL) {
        r->nt_status = err->nt_status;
        neg_wbc_copy_str(r->nt_string, sizeof(r->nt_string), err->nt_string);
        r->status = NEG_WB_AUTH_FAILED;
    }
    else if (e == WBC_ERR_WINBIND_NOT_AVAILABLE) {
        r->status = unavailable_kind(ctx);
    }
    else {
        neg_wbc_copy_str(r->detail, sizeof(r->detail), wbcErrorString(e));
        r->status = NEG_WB_ERROR;
    }
    wbcFreeMemory(info);
    wbcFreeMemory(err);
    return r->status;
}

static neg_wb_status lookup_failure(wb_job *job, wbcErr e)
{
    neg_wbc_copy_str(job->res.detail, sizeof(job->res.detail), wbcErrorString(e));
    if (e == WBC_ERR_WINBIND_NOT_AVAILABLE)
        return NEG_WB_UNAVAILABLE;
    return e == WBC_ERR_DOMAIN_NOT_FOUND || e == WBC_ERR_INVALID_SID
        || e == WBC_ERR_UNKNOWN_USER || e == WBC_ERR_UNKNOWN_GROUP
        || e == WBC_ERR_INVALID_PARAM ? NEG_WB_AUTH_FAILED : NEG_WB_ERROR;
}

static neg_wb_status run_sid2name(struct wbcContext *ctx, wb_job *job)
{
    struct wbcDomainSid sid;
    char *dom = NULL, *name = NULL;
    enum wbcSidType type;
    wbcErr e;
    size_t n;

    sid_to_wbc(&job->sid, &sid);
    e = wbcCtxLookupSid(ctx, &sid, &dom, &name, &type);
    if (e != WBC_ERR_SUCCESS)
        return lookup_failure(job, e);
    n = strlen(dom) + strlen(name) + 2;
    if ((job->name = malloc(n)) != NULL)
        snprintf(job->name, n, "%s%s%s", dom, *dom ? "\\" : "", name);
    wbcFreeMemory(dom);
    wbcFreeMemory(name);
    return job->name ? NEG_WB_OK : NEG_WB_ERROR;
}

/* Groups only: a domain group, a local (BUILTIN) alias, a well-known
 * group such as Authenticated Users. A user, computer or domain of that
 * name is no group: it never matches (fail closed). */
static int is_group_type(enum wbcSidType type)
{
    return type == WBC_SID_NAME_DOM_GRP || type == WBC_SID_NAME_ALIAS
        || type == WBC_SID_NAME_WKN_GRP;
}

/* ------------------------------------------- "no such name", for sure */

/* libwbclient 4.17 answers every failure winbindd reports for a name
 * lookup with WBC_ERR_DOMAIN_NOT_FOUND: winbindd sends no NT status with
 * its error, whether the directory said NONE_MAPPED or the domain child
 * could not reach it (the DC unreachable, the domain offline without a
 * cached entry, the child gone). A failed lookup is taken for "no such
 * name" only when winbind shows, right after, that it can answer for the
 * domain (domain_answers) and the same lookup fails again: a lookup that
 * failed once while the domain's directory answers now is asked again,
 * and a domain that does not answer leaves the name undecided. */

/* The SID of a domain winbind can name: its NetBIOS or DNS name, or
 * a domain name it maps (NT AUTHORITY). */
int neg_wbc_domain_sid_of(struct wbcContext *ctx, const char *domain,
                          struct wbcDomainSid *sid)
{
    enum wbcSidType type;

    return wbcCtxLookupName(ctx, domain, "", sid, &type) == WBC_ERR_SUCCESS
        && type == WBC_SID_NAME_DOMAIN;
}

/* A RID that every domain of that kind has: Users in BUILTIN, Domain
 * Users (a local SAM's "None") in a domain; 0 for other SIDs. */
static uint32_t rid_that_exists(const struct wbcDomainSid *dom)
{
    static const uint8_t nt_authority[6] = { 0, 0, 0, 0, 0, 5 };

    if (dom->sid_rev_num != 1 || memcmp(dom->id_auth, nt_authority, 6) != 0)
        return 0;
    if (dom->num_auths == 1 && dom->sub_auths[0] == 32)
        return 545;
    return dom->num_auths == 4 && dom->sub_auths[0] == 21 ? 513 : 0;
}

/* A RID no domain has (AD hands out RIDs below 2^30), another each time:
 * winbindd has no answer for it in its cache. */
static uint32_t fresh_rid(void)
{
    static uint32_t seq;
    uint32_t n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);

    return 0x7f000000u | ((n * 2654435761u ^ (uint32_t)neg_wbc_now_ns()) & 0x00ffffffu);
}

/* Does the domain's directory answer now? The names of a RID it has and
 * of a fresh one, which winbindd's domain child must ask the directory
 * for: it answers a RID the directory has not ("unknown") as it answers
 * one it has, but fails the lookup when it cannot ask. */
static int domain_answers(struct wbcContext *ctx, const struct wbcDomainSid *dom)
{
    uint32_t rids[2];
    const char *dom_name = NULL;
    const char **names = NULL;
    enum wbcSidType *types = NULL;
    wbcErr e;

    if ((rids[0] = rid_that_exists(dom)) == 0)
        return 0;
    rids[1] = fresh_rid();
    e = wbcCtxLookupRids(ctx, (struct wbcDomainSid *)dom, 2, rids, &dom_name,
                         &names, &types);
    wbcFreeMemory((void *)dom_name);
    wbcFreeMemory(names);
    wbcFreeMemory(types);
    return e == WBC_ERR_SUCCESS;
}

/* Names of domains winbind does not list are looked up by its own
 * domain's DC (on a member) or by nobody (on a DC): that no domain has
 * the name is sure only when its own domain answers. */
int neg_wbc_own_domain_answers(struct wbcContext *ctx)
{
    struct wbcInterfaceDetails *d = NULL;
    struct wbcDomainSid sid;
    int ok = 0;

    if (wbcCtxInterfaceDetails(ctx, &d) == WBC_ERR_SUCCESS && d != NULL
        && d->netbios_domain != NULL)
        ok = neg_wbc_domain_sid_of(ctx, d->netbios_domain, &sid) && domain_answers(ctx, &sid);
    wbcFreeMemory(d);
    return ok;
}

/* A lookup of domain\name failed: is that "no such name"? AUTH_FAILED
 * when winbind shows it is, OK when asking again found the name (sid and
 * type filled in), UNKNOWN_DOMAIN when no domain has that name, else a
 * failure: winbind cannot say. */
static neg_wb_status confirm_no_such_name(struct wbcContext *ctx, wb_job *job,
                                          const char *domain, const char *name,
                                          struct wbcDomainSid *sid,
                                          enum wbcSidType *type)
{
    struct wbcDomainSid dom;
    wbcErr e;

    if (!neg_wbc_domain_sid_of(ctx, domain, &dom)) {
        if (!neg_wbc_own_domain_answers(ctx))
            goto cannot_say;
        snprintf(job->res.detail, sizeof(job->res.detail),
                 "winbind knows no domain %s", domain);
        return NEG_WB_UNKNOWN_DOMAIN;
    }
    if (!domain_answers(ctx, &dom))
        goto cannot_say;
    e = wbcCtxLookupName(ctx, domain, name, sid, type);
    if (e == WBC_ERR_SUCCESS)
        return NEG_WB_OK;
    if (e == WBC_ERR_DOMAIN_NOT_FOUND)
        return NEG_WB_AUTH_FAILED;
    return lookup_failure(job, e) == NEG_WB_UNAVAILABLE ? NEG_WB_UNAVAILABLE
                                                        : NEG_WB_ERROR;
cannot_say:
    snprintf(job->res.detail, sizeof(job->res.detail), "winbind answered the "
             "lookup with an error and cannot show that the domain %s answers",
             domain);
    return NEG_WB_ERROR;
}

/* The SID and type of domain\name: OK; AUTH_FAILED when the name surely
 * does not exist; else why winbind cannot say. */
static neg_wb_status resolve_name(struct wbcContext *ctx, wb_job *job,
                                  const char *domain, const char *name,
                                  struct wbcDomainSid *sid, enum wbcSidType *type)
{
    wbcErr e = wbcCtxLookupName(ctx, domain, name, sid, type);

    if (e == WBC_ERR_SUCCESS)
        return NEG_WB_OK;
    if (e == WBC_ERR_DOMAIN_NOT_FOUND)
        return confirm_no_such_name(ctx, job, domain, name, sid, type);
    return lookup_failure(job, e) == NEG_WB_UNAVAILABLE ? NEG_WB_UNAVAILABLE
                                                        : NEG_WB_ERROR;
}

/* One name in one domain; a name the domain surely does not have adds
 * nothing (AUTH_FAILED). */
static neg_wb_status lookup_group_in(struct wbcContext *ctx, wb_job *job,
                                     const char *domain, const char *name)
{
    struct wbcDomainSid sid;
    enum wbcSidType type;
    neg_wb_status st = resolve_name(ctx, job, domain, name, &sid, &type);

    if (st != NEG_WB_OK)
        return st;
    if (!is_group_type(type))
        return NEG_WB_AUTH_FAILED;
    if (job->n_group_sids < NEG_WB_GROUP_SIDS_MAX)
        sid_from_wbc(&sid, &job->group_sids[job->n_group_sids++]);
    return NEG_WB_OK;
}

/* A bare name in every domain winbind knows (its own, BUILTIN, trusted
 * ones): today's meaning of a bare name in Require negotiate-group is
 * "a group of that name in any domain". OK when found in one at least,
 * AUTH_FAILED when every domain said it has none, else what failed. */
static neg_wb_status lookup_bare_group(struct wbcContext *ctx, wb_job *job)
{
    struct wbcDomainInfo *d = NULL;
    size_t n = 0, i;
    neg_wb_status st, worst = NEG_WB_AUTH_FAILED;
    wbcErr e = wbcCtxListTrusts(ctx, &d, &n);

    if (e != WBC_ERR_SUCCESS)
        return lookup_failure(job, e) == NEG_WB_UNAVAILABLE ? NEG_WB_UNAVAILABLE
                                                            : NEG_WB_ERROR;
    for (i = 0; i < n; i++) {
        if (d[i].short_name == NULL || *d[i].short_name == '\0')
            continue;
        st = lookup_group_in(ctx, job, d[i].short_name, job->name);
        if (st != NEG_WB_OK && st != NEG_WB_AUTH_FAILED)
            worst = st == NEG_WB_UNKNOWN_DOMAIN ? NEG_WB_ERROR : st;
    }
    wbcFreeMemory(d);
    return job->n_group_sids > 0 && worst == NEG_WB_AUTH_FAILED ? NEG_WB_OK : worst;
}

/* "DOMAIN\group" -> its SID; a bare "group" -> its SID in each domain. */
static neg_wb_status run_group2sids(struct wbcContext *ctx, wb_job *job)
{
    char domain[NEG_WB_NAME_MAX];
    const char *sep = strchr(job->name, '\\');

    job->group_sids = calloc(NEG_WB_GROUP_SIDS_MAX, sizeof(neg_sid));
    if (job->group_sids == NULL)
        return NEG_WB_ERROR;
    if (sep == NULL)
        return lookup_bare_group(ctx, job);
    snprintf(domain, sizeof(domain), "%.*s", (int)(sep - job->name), job->name);
    return lookup_group_in(ctx, job, domain, sep + 1);
}

static neg_wb_status run_names(struct wbcContext *ctx, wb_job *job)
{
    struct wbcInterfaceDetails *d = NULL;
    wbcErr e = wbcCtxInterfaceDetails(ctx, &d);

    if (e == WBC_ERR_SUCCESS && d != NULL) {
        neg_wbc_copy_str(job->names.netbios_name, NEG_WB_NAME_MAX, d->netbios_name);
        neg_wbc_copy_str(job->names.netbios_domain, NEG_WB_NAME_MAX, d->netbios_domain);
        neg_wbc_copy_str(job->names.dns_domain, NEG_WB_NAME_MAX, d->dns_domain);
        wbcFreeMemory(d);
        return NEG_WB_OK;
    }
    neg_wbc_copy_str(job->res.detail, sizeof(job->res.detail), wbcErrorString(e));
    return e == WBC_ERR_WINBIND_NOT_AVAILABLE ? NEG_WB_UNAVAILABLE : NEG_WB_ERROR;
}

neg_wb_status neg_wbc_run(struct wbcContext *ctx, wb_job *job)
{
    switch (job->kind) {
    case JOB_VERIFY:
    case JOB_PLAIN:     return run_verify(ctx, job);
    case JOB_NAMES:     return run_names(ctx, job);
    case JOB_SID2NAME:  return run_sid2name(ctx, job);
    case JOB_GROUP2SIDS: return run_group2sids(ctx, job);
    }
    return NEG_WB_ERROR;
}
