/*
 * authz.c - the authorization providers (see authz.h): Require
 * negotiate-group and Require negotiate-sid over the identity this module
 * proved for the request, and the check of the groups' domains when the
 * configuration is read.
 */
#include "authz.h"

#include <string.h>
#include <strings.h>

#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

#include "apr_strings.h"

#include "identity.h"
#include "request_state.h"
#include "status.h"
#include "winbind.h"

/* Log tags: NEG + four digits, unique per message. */
#define NEGLOGNO(n) "NEG" #n ": "

APLOG_USE_MODULE(auth_negotiate);

/* Require negotiate-group names whose domain winbind could not check
 * while the configuration was read (reset with each reading). */
static apr_array_header_t *unchecked_groups;

void neg_authz_pre_config(apr_pool_t *pconf)
{
    unchecked_groups = apr_array_make(pconf, 2, sizeof(const char *));
}

static void remember_unchecked(const char *name)
{
    int i;

    for (i = 0; i < unchecked_groups->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(unchecked_groups, i, const char *), name) == 0)
            return;
    APR_ARRAY_PUSH(unchecked_groups, const char *) = name;
}

/* Milliseconds left of the request's winbind budget (0 when spent). */
static int budget_ms(const neg_request_state *st)
{
    apr_time_t left = st->deadline - apr_time_now();

    return left <= 0 ? 0 : (int)apr_time_as_msec(left);
}

/* An identity without SIDs (a ticket without a PAC, accepted where
 * NegotiateRealmMap declares its realm one without PACs) is in groups
 * nobody knows: an error, never a denial, which "Require not" would turn
 * into a grant. */
static authz_status without_sids(request_rec *r, const char *provider,
                                 const neg_identity *id)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0708)
                  "Require %s: cannot decide for %s, whose logon carries no group "
                  "SIDs (a Kerberos ticket with no PAC, accepted because "
                  "NegotiateRealmMap declares its realm %s one without PACs), "
                  "so its groups are unknown (500); do not use group or SID "
                  "rules where such tickets are accepted, or have the users "
                  "sign in from an Active Directory realm", provider, r->user,
                  id->realm ? id->realm : "?");
    apr_table_setn(r->notes, "negotiate-error", "NEG0708");
    neg_status_refusal("NEG0708");
    return AUTHZ_GENERAL_ERROR;
}

/* The logon this module made for the request. A user another module
 * authenticated is an error, not a denial: under Require not, httpd turns
 * a denial into "neutral", which would let that user in. */
static authz_status state_for_authz(request_rec *r, const char *provider,
                                    const neg_request_state **st)
{
    if (r->user == NULL)
        return AUTHZ_DENIED_NO_USER;
    *st = neg_request_state_of(r);
    if (*st == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0701)
                      "Require %s: the user %s was not authenticated by "
                      "mod_auth_negotiate, so the module cannot say what "
                      "groups or SIDs the user has (500); use AuthType "
                      "Negotiate at this location", provider, r->user);
        apr_table_setn(r->notes, "negotiate-error", "NEG0701");
        neg_status_refusal("NEG0701");
        return AUTHZ_GENERAL_ERROR;
    }
    /* the user's SID is first; groups follow (AD and winbind always give
     * at least the primary group) */
    if ((*st)->id->n_sids < 2)
        return without_sids(r, provider, (*st)->id);
    return AUTHZ_GRANTED;
}

typedef enum { NOT_MEMBER = 0, MEMBER, UNDECIDED } membership;

/* Is one of the logon's group SIDs (0 is the user) a SID of the group
 * named `wanted`? The name is resolved to its SID(s) through winbind, once
 * per process and name (wb_names.c caches it); a bare name to the group of
 * that name in each domain winbind knows. NOT_MEMBER only when the SIDs
 * are known, or winbind showed there is no such group; else UNDECIDED,
 * and *why says what winbind answered. */
static membership member_of(const neg_request_state *st, const char *wanted,
                            neg_wb_status *why)
{
    const neg_identity *id = st->id;
    neg_sid sids[NEG_WB_GROUP_SIDS_MAX];
    size_t n = 0, i, k;
    neg_wb_status ws = neg_wb_group_sids(wanted, budget_ms(st), sids,
                                         NEG_WB_GROUP_SIDS_MAX, &n);

    for (k = 0; k < n; k++) {
        for (i = 1; i < id->n_sids; i++) {
            if (neg_sid_equal(&id->sids[i], &sids[k]))
                return MEMBER;
        }
    }
    *why = ws;
    return ws == NEG_WB_OK || ws == NEG_WB_AUTH_FAILED ? NOT_MEMBER : UNDECIDED;
}

/* Why names were left undecided, most telling first: a domain winbind
 * does not know (the configuration), winbind answering with an error,
 * winbind not answering in time. */
static int undecided_rank(neg_wb_status ws)
{
    return ws == NEG_WB_UNKNOWN_DOMAIN ? 3
         : ws == NEG_WB_TIMEOUT || ws == NEG_WB_BUSY ? 1 : 2;
}

/* Append name to a list, with ", " between names. */
static const char *add_to_list(apr_pool_t *p, const char *list, const char *name)
{
    return apr_pstrcat(p, list, *list ? ", " : "", name, NULL);
}

/* "EXAMPE" of "EXAMPE\Blocked"; a bare name is its own. */
static const char *domain_part(apr_pool_t *p, const char *name)
{
    const char *sep = strchr(name, '\\');

    return sep ? apr_pstrndup(p, name, (apr_size_t)(sep - name)) : name;
}

/* One line for the names of the most telling reason (the domains of
 * the names, for NEG0707); 500. */
static authz_status undecided(request_rec *r, neg_wb_status why, const char *names,
                              const char *domains)
{
    const char *tag = why == NEG_WB_UNKNOWN_DOMAIN ? "NEG0707"
                    : undecided_rank(why) == 1 ? "NEG0705" : "NEG0706";

    if (why == NEG_WB_UNKNOWN_DOMAIN)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0707)
                      "cannot decide whether %s is a member of %s: winbind "
                      "knows no domain %s (a typo in the configuration? a "
                      "trusted domain winbind does not list?); name a domain "
                      "winbind knows (wbinfo --all-domains) and restart httpd, "
                      "which checks the names when it starts", r->user, names,
                      domains);
    else if (undecided_rank(why) == 1)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0705)
                      "cannot decide whether %s is a member of %s: winbind did "
                      "not resolve the group names to SIDs within the "
                      "request's budget (NegotiateWinbindTimeout); is winbindd "
                      "hung or overloaded?", r->user, names);
    else
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0706)
                      "cannot decide whether %s is a member of %s: winbind "
                      "could not resolve the name and could not show that it "
                      "does not exist (%s); is its domain controller "
                      "reachable, the domain online? Check wbinfo -n with the "
                      "name, and wbinfo --ping-dc", r->user, names,
                      why == NEG_WB_ERROR ? "winbind answered the lookup with "
                      "an error" : neg_wb_status_str(why));
    apr_table_setn(r->notes, "negotiate-error", tag);
    neg_status_refusal(tag);
    return AUTHZ_GENERAL_ERROR;
}

/* Require negotiate-group "EXAMPLE\WebAdmins" ...: the logon's group SIDs
 * (nested groups included: the DC expands them into the PAC and into
 * winbind's answer) are compared with the SIDs of the groups named, which
 * winbind resolves once per process (and again every NEG_WB_GROUP_TTL
 * seconds): the cost is the groups asked for, not the groups the user is
 * in. AD names are case-insensitive, and so is the lookup. A name winbind
 * could not resolve (no answer within the request's budget, an error it
 * could not show to mean "no such group") leaves the answer an error
 * (500) unless another name matched: never a guess, which `Require not`
 * would turn into a grant. */
static authz_status check_group(request_rec *r, const char *args, const void *parsed)
{
    const neg_request_state *st = NULL;
    authz_status as = state_for_authz(r, "negotiate-group", &st);
    const char *w, *names = "", *undecided_names = "", *domains = "";
    neg_wb_status why = NEG_WB_OK, worst = NEG_WB_OK;

    if (as != AUTHZ_GRANTED)
        return as;
    while (*(w = ap_getword_conf(r->pool, &args)) != '\0') {
        switch (member_of(st, w, &why)) {
        case MEMBER:
            return AUTHZ_GRANTED;
        case UNDECIDED:
            if (worst == NEG_WB_OK || undecided_rank(why) > undecided_rank(worst)) {
                worst = why;
                undecided_names = domains = "";
            }
            if (undecided_rank(why) == undecided_rank(worst)) {
                undecided_names = add_to_list(r->pool, undecided_names, w);
                domains = add_to_list(r->pool, domains, domain_part(r->pool, w));
            }
            break;
        default:
            break;
        }
        names = add_to_list(r->pool, names, w);
    }
    if (worst != NEG_WB_OK)
        return undecided(r, worst, undecided_names, domains);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, NEGLOGNO(0703)
                  "%s is not a member of %s", r->user, names);
    return AUTHZ_DENIED;
}

static authz_status check_sid(request_rec *r, const char *args, const void *parsed)
{
    const neg_request_state *st = NULL;
    authz_status as = state_for_authz(r, "negotiate-sid", &st);
    const char *w;
    neg_sid sid;

    if (as != AUTHZ_GRANTED)
        return as;
    while (*(w = ap_getword_conf(r->pool, &args)) != '\0') {
        if (neg_sid_from_string(w, &sid) && neg_identity_has_sid(st->id, &sid))
            return AUTHZ_GRANTED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, NEGLOGNO(0704)
                  "%s has none of the SIDs %s", r->user, args);
    return AUTHZ_DENIED;
}

static const char *parse_sid_line(cmd_parms *cmd, const char *line,
                                  const void **parsed)
{
    const char *w, *args = line;
    neg_sid sid;

    while (*(w = ap_getword_conf(cmd->temp_pool, &args)) != '\0') {
        if (!neg_sid_from_string(w, &sid))
            return apr_psprintf(cmd->pool, "Require negotiate-sid: '%s' is not "
                                "a SID; give SIDs such as S-1-5-21-1-2-3-513", w);
    }
    return NULL;
}

/* What winbind said of the domains of group names, while httpd reads its
 * configuration (in the parent, one thread): asked once a minute at most,
 * since httpd reads it twice when it starts, and not for a minute once
 * winbind did not answer. */
#define DOMAIN_CHECK_MS 1000
#define DOMAIN_CHECK_TTL apr_time_from_sec(60)
#define DOMAIN_CHECK_SLOTS 16

static struct {
    char name[NEG_WB_NAME_MAX];
    char others[512];           /* the domains winbind knows */
    int known;
    apr_time_t at;
} domain_answers[DOMAIN_CHECK_SLOTS];
static apr_time_t winbind_silent_until;

/* 1 known, 0 not (the domains winbind knows in *others), -1 not known. */
static int domain_known(apr_pool_t *p, const char *domain, const char **others)
{
    apr_time_t now = apr_time_now();
    int i, free_slot = -1, known;
    char list[512];

    for (i = 0; i < DOMAIN_CHECK_SLOTS; i++) {
        if (now - domain_answers[i].at >= DOMAIN_CHECK_TTL) {
            free_slot = free_slot < 0 ? i : free_slot;
            continue;
        }
        if (strcasecmp(domain_answers[i].name, domain) == 0) {
            *others = apr_pstrdup(p, domain_answers[i].others);
            return domain_answers[i].known;
        }
    }
    if (now < winbind_silent_until)
        return -1;
    known = neg_wb_domain_known(domain, DOMAIN_CHECK_MS, list, sizeof(list));
    if (known < 0) {
        winbind_silent_until = now + DOMAIN_CHECK_TTL;
        return -1;
    }
    *others = apr_pstrdup(p, list);
    if (free_slot >= 0 && strlen(domain) < NEG_WB_NAME_MAX) {
        apr_cpystrn(domain_answers[free_slot].name, domain, NEG_WB_NAME_MAX);
        apr_cpystrn(domain_answers[free_slot].others, list, sizeof(list));
        domain_answers[free_slot].known = known;
        domain_answers[free_slot].at = now;
    }
    return known;
}

/* A group name of a domain winbind does not know matches nobody, and
 * under Require not refuses nobody: a typo in the domain ("EXAMPE\Admins")
 * would pass silently. It stops httpd while the configuration is read
 * (apachectl -t included). Not in .htaccess files, read for each request:
 * there, and where winbind could not say, the name is left undecided at
 * run time (NEG0707, 500). */
static const char *check_group_domain(cmd_parms *cmd, const char *name)
{
    const char *sep = strchr(name, '\\'), *others = "";
    const char *domain;
    int known;

    if (sep == NULL || sep == name
        || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_RUN_MPM)
        return NULL;
    domain = apr_pstrndup(cmd->temp_pool, name, (apr_size_t)(sep - name));
    known = domain_known(cmd->temp_pool, domain, &others);
    if (known < 0)
        remember_unchecked(apr_pstrdup(cmd->pool, name));
    if (known != 0)
        return NULL;
    return apr_psprintf(cmd->pool, NEGLOGNO(0021) "Require negotiate-group "
                        "\"%s\": winbind knows no domain %s (it knows %s): a "
                        "typo? Such a name matches nobody, and with Require not "
                        "it refuses nobody; name a domain winbind knows "
                        "(wbinfo --all-domains)", name, domain,
                        *others ? others : "none");
}

static const char *parse_group_line(cmd_parms *cmd, const char *line,
                                    const void **parsed)
{
    const char *w, *args = line, *err;

    if (*(w = ap_getword_conf(cmd->temp_pool, &args)) == '\0')
        return "Require negotiate-group needs at least one group name "
               "(\"DOMAIN\\group\")";
    for (; *w != '\0'; w = ap_getword_conf(cmd->temp_pool, &args)) {
        neg_wb_remember_spelling(w);
        if ((err = check_group_domain(cmd, w)) != NULL)
            return err;
    }
    return NULL;
}

static const authz_provider group_provider = { check_group, parse_group_line };
static const authz_provider sid_provider = { check_sid, parse_sid_line };

void neg_authz_register(apr_pool_t *p)
{
    (void)p;
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "negotiate-group",
                              AUTHZ_PROVIDER_VERSION, &group_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "negotiate-sid",
                              AUTHZ_PROVIDER_VERSION, &sid_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

/* Group names whose domain winbind could not check while the
 * configuration was read (see check_group_domain). */
void neg_authz_warn_unchecked(apr_pool_t *p, server_rec *s)
{
    const char *names = "";
    int i;

    if (unchecked_groups->nelts == 0)
        return;
    for (i = 0; i < unchecked_groups->nelts; i++)
        names = add_to_list(p, names, APR_ARRAY_IDX(unchecked_groups, i, const char *));
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0022)
                 "the domains of the group names of Require negotiate-group "
                 "could not be checked (%s): winbind did not answer within "
                 "%d ms; a name of a domain winbind does not know leaves "
                 "every decision that needs it an error (500, NEG0707) at "
                 "run time; check winbindd (wbinfo -p), then apachectl -t",
                 names, DOMAIN_CHECK_MS);
}

