/*
 * identity.c - one identity from either mechanism (see identity.h).
 */
#include "identity.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_lib.h"
#include "apr_tables.h"
#include "apr_strings.h"

#include "ntlm.h"           /* UTF-16LE to UTF-8 */
#include "principal.h"

/* Per-thread scratch for PAC decoding: the decoded form is large, and a
 * request pool allocation of it on every Kerberos request is churn. The
 * key's destructor frees it when the thread ends. */
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static pthread_key_t scratch_key;

static void make_scratch_key(void)
{
    pthread_key_create(&scratch_key, free);
}

static neg_pac *pac_scratch(void)
{
    neg_pac *pac;

    pthread_once(&scratch_once, make_scratch_key);
    pac = pthread_getspecific(scratch_key);
    if (pac == NULL && (pac = malloc(sizeof(neg_pac))) != NULL)
        pthread_setspecific(scratch_key, pac);
    return pac;
}

static const char *upper(apr_pool_t *p, const char *s)
{
    char *u = apr_pstrdup(p, s), *c;

    for (c = u; *c; c++)
        *c = (char)apr_toupper(*c);
    return u;
}

const char *neg_identity_name(const neg_identity *id, neg_user_format f,
                              apr_pool_t *p)
{
    switch (f) {
    case NEG_USER_SHORT:
        return id->account;
    case NEG_USER_DOWN_LEVEL:
        return id->domain ? apr_pstrcat(p, id->domain, "\\", id->account, NULL)
                          : NULL;
    default:
        return apr_pstrcat(p, id->account, "@", id->realm, NULL);
    }
}

static const char *utf16_to_pool(apr_pool_t *p, const neg_utf16 *s)
{
    ntlm_field f;
    size_t cap = s->len * 2 + 1;
    char *out = apr_palloc(p, cap);

    f.data = s->data;
    f.len = s->len;
    return ntlm_name_to_utf8(&f, 1, out, cap) == (size_t)-1 ? NULL : out;
}

/* The user's SID as a string, once per logon rather than per request. */
static const char *sid_string(apr_pool_t *p, const neg_identity *id)
{
    char buf[NEG_SID_STRING_MAX];

    if (id->n_sids == 0 || neg_sid_to_string(&id->sids[0], buf, sizeof(buf)) == 0)
        return NULL;
    return apr_pstrdup(p, buf);
}

/* Without a PAC (a KDC outside AD) a computer shows only in its name:
 * Windows' HOST$, or a host/ service principal used as a client. */
static int is_machine_principal(const char *name)
{
    size_t n = strlen(name);

    return (n > 0 && name[n - 1] == '$') || strncasecmp(name, "host/", 5) == 0;
}

const char *neg_identity_map_realm(const apr_array_header_t *map, const char *realm)
{
    int i;

    for (i = 0; map != NULL && i + 1 < map->nelts; i += 2) {
        if (strcasecmp(APR_ARRAY_IDX(map, i, const char *), realm) == 0)
            return APR_ARRAY_IDX(map, i + 1, const char *);
    }
    return NULL;
}

const char *neg_identity_from_kerberos(neg_identity *id, apr_pool_t *p,
                                       const char *principal,
                                       const unsigned char *pac, size_t pac_len,
                                       const apr_array_header_t *realm_map)
{
    const char *at = neg_principal_at(principal);
    neg_pac_result r;
    neg_pac *scratch;
    neg_sid *sids;

    memset(id, 0, sizeof(*id));
    id->mech = "kerberos";
    id->auth_type = "Negotiate";
    id->account = at ? apr_pstrndup(p, principal, (apr_size_t)(at - principal))
                     : principal;
    id->realm = upper(p, at ? at + 1 : "");
    id->domain = neg_identity_map_realm(realm_map, id->realm);
    if (pac_len == 0) {
        /* the only name of a domain is NegotiateRealmMap's (policy.c) */
        id->domain_mapped = id->domain != NULL;
        id->principal = principal;
        id->machine = is_machine_principal(id->account);
        return NULL;
    }
    if ((scratch = pac_scratch()) == NULL)
        return "out of memory";
    r = neg_pac_decode(pac, pac_len, scratch);
    if (r != NEG_PAC_OK)
        return apr_psprintf(p, "the ticket's PAC cannot be read: %s",
                            neg_pac_result_str(r));
    /* The directory's spelling of the account and its NetBIOS domain
     * (MS-PAC 2.5 EffectiveName, LogonDomainName). */
    id->account = utf16_to_pool(p, &scratch->effective_name);
    id->domain = utf16_to_pool(p, &scratch->logon_domain_name);
    if (id->account == NULL || *id->account == '\0' || id->domain == NULL)
        return "the ticket's PAC has no usable account or domain name";
    id->principal = apr_pstrcat(p, id->account, "@", id->realm, NULL);
    id->machine = (scratch->user_account_control & NEG_UAC_MACHINE) != 0;
    sids = apr_pmemdup(p, scratch->sids, sizeof(neg_sid) * scratch->n_sids);
    id->sids = sids;
    id->n_sids = scratch->n_sids;
    id->user_sid = sid_string(p, id);
    return NULL;
}

/* winbind lists the primary group twice (as primary group and among the
 * groups): keep each SID once, in order. An open-addressing index (twice
 * as many slots as SIDs, so that probes stay short) finds the duplicates:
 * a user in 1,500 groups costs 1,500 lookups, not a million comparisons. */
static void copy_unique_sids(neg_identity *id, apr_pool_t *p,
                             const neg_sid *sids, size_t n)
{
    neg_sid *out = apr_palloc(p, sizeof(neg_sid) * n);
    size_t size = 16, mask, i, j, k = 0;
    size_t *index;

    while (size < 2 * n)
        size *= 2;
    mask = size - 1;
    index = apr_pcalloc(p, size * sizeof(*index));   /* 1 + position in out */
    for (i = 0; i < n; i++) {
        for (j = neg_sid_hash(&sids[i]) & mask;
             index[j] != 0 && !neg_sid_equal(&out[index[j] - 1], &sids[i]);
             j = (j + 1) & mask)
            ;
        if (index[j] == 0) {
            out[k++] = sids[i];
            index[j] = k;
        }
    }
    id->sids = out;
    id->n_sids = k;
}

void neg_identity_from_winbind(neg_identity *id, apr_pool_t *p,
                               const neg_wb_result *res, const char *mech,
                               const char *auth_type)
{
    memset(id, 0, sizeof(*id));
    id->mech = mech;
    id->auth_type = auth_type;
    id->account = apr_pstrdup(p, res->account);
    id->domain = apr_pstrdup(p, res->domain);
    id->realm = upper(p, res->dns_domain);
    id->principal = apr_pstrcat(p, id->account, "@", id->realm, NULL);
    id->machine = res->machine || is_machine_principal(id->account);
    if (res->n_sids > 0)
        copy_unique_sids(id, p, res->sids, res->n_sids);
    id->user_sid = sid_string(p, id);
}

/* ------------------------------------------------ fit to be published */

/* The first control character of s (C0 and DEL), or NULL. */
static const char *control_char(const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return s;
    }
    return NULL;
}

/* s for a log line: control characters as \xHH. */
static const char *printable(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 4 * strlen(s) + 1), *o = out;

    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            o += sprintf(o, "\\x%02x", (unsigned char)*s);
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

static int is_kerberos(const neg_identity *id)
{
    return strcmp(id->mech, "kerberos") == 0;
}

/* "the Kerberos ticket of alice@", "the NTLM logon of EXAMPLE\alice" */
static const char *whose(apr_pool_t *p, const neg_identity *id)
{
    const char *who = !is_kerberos(id) && id->domain && *id->domain
                    ? apr_pstrcat(p, id->domain, "\\", id->account, NULL)
                    : id->principal;

    return apr_psprintf(p, "the %s of %s", is_kerberos(id) ? "Kerberos ticket"
                        : strcmp(id->mech, "ntlm") == 0 ? "NTLM logon"
                        : "Basic logon", printable(p, who ? who : "?"));
}

static const char *with_control_char(const neg_identity *id, apr_pool_t *p)
{
    static const char *const what[] = { "account name", "domain name", "realm",
                                        "principal" };
    const char *field[4];
    const char *c;
    int i;

    field[0] = id->account;
    field[1] = id->domain;
    field[2] = id->realm;
    field[3] = id->principal;
    for (i = 0; i < 4; i++) {
        if ((c = control_char(field[i])) != NULL)
            return apr_psprintf(p, "refused %s: its %s holds the control "
                "character 0x%02x, which would reach REMOTE_USER, the "
                "NEGOTIATE_* variables and the request headers a reverse "
                "proxy sets from them; Active Directory allows none in names, "
                "so it comes from a KDC outside AD or a ticket without a PAC "
                "(NegotiateRealmMap): rename the account there", whose(p, id),
                what[i], (unsigned char)*c);
    }
    return NULL;
}

static int is_empty(const char *s)
{
    return s == NULL || *s == '\0';
}

/* An identity without a realm, an account or a domain would give one name
 * to every such account (REMOTE_USER "alice@" under NegotiateUserFormat
 * upn, NEGOTIATE_PRINCIPAL always), and the same person "alice@" at one
 * time and "alice@EXAMPLE.TEST" at another. */
static const char *incomplete(const neg_identity *id, apr_pool_t *p)
{
    const char *who = whose(p, id);

    if (is_empty(id->account))
        return apr_psprintf(p, "refused %s: it has no account name, so "
                            "REMOTE_USER would name nobody; its KDC or domain "
                            "must name the account", who);
    if (id->domain != NULL && *id->domain == '\0')
        return apr_psprintf(p, "refused %s: it has no domain name, so "
                            "NegotiateUserFormat down-level would give it no "
                            "domain; winbind must name the domain (wbinfo "
                            "--own-domain)", who);
    if (!is_empty(id->realm))
        return NULL;
    if (is_kerberos(id))
        return apr_psprintf(p, "refused %s: the ticket's client has no realm, "
                            "so REMOTE_USER and NEGOTIATE_PRINCIPAL would be "
                            "%s@, shared by every such client; its KDC must "
                            "name the client's realm", who,
                            printable(p, id->account));
    return apr_psprintf(p, "refused %s: winbind gave no DNS name (realm) for "
        "its domain %s, so REMOTE_USER and NEGOTIATE_PRINCIPAL would be %s@, "
        "shared by every account of that name in a domain without one, and "
        "%s@<realm> when winbind names it; a local account of a computer and "
        "a domain trusted by its NetBIOS name only have none: sign in with an "
        "account of an Active Directory domain; if winbind could not name "
        "the domain just now (wbinfo --domain-info=%s), sign in again", who,
        printable(p, id->domain ? id->domain : "?"), printable(p, id->account),
        printable(p, id->account), printable(p, id->domain ? id->domain : "?"));
}

/* A client may ask its KDC for a ticket without a PAC (PA-PAC-REQUEST,
 * RFC 4120 5.2.7 and MS-KILE 2.2.3), and AD's KDC obliges: the ticket then
 * proves the name and nothing else. Its groups would be none, which a
 * "Require not" rule or an application's deny list takes for "in no
 * group". Only a realm the location declares one without PACs (a KDC
 * outside AD, NegotiateRealmMap) may sign in so. */
static const char *without_pac(const neg_identity *id, apr_pool_t *p)
{
    if (!is_kerberos(id) || id->n_sids > 0 || id->domain_mapped)
        return NULL;
    return apr_psprintf(p, "refused %s: it carries no PAC, so its groups and "
                        "SIDs are unknown (the client asked its KDC for a "
                        "ticket without one: kinit --no-request-pac); an "
                        "Active Directory KDC always gives one when asked. "
                        "If the realm %s is a KDC outside AD, declare it "
                        "with NegotiateRealmMap %s <NETBIOS> here", whose(p, id),
                        printable(p, id->realm ? id->realm : "?"),
                        printable(p, id->realm ? id->realm : "?"));
}

const char *neg_identity_refusal(const neg_identity *id, apr_pool_t *p,
                                 const char **tag)
{
    const char *why = with_control_char(id, p);

    *tag = "NEG0403";
    if (why == NULL) {
        *tag = "NEG0402";
        why = incomplete(id, p);
    }
    if (why == NULL) {
        *tag = "NEG0404";
        why = without_pac(id, p);
    }
    return why;
}

static const char *dup_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

neg_identity *neg_identity_copy(apr_pool_t *p, const neg_identity *id)
{
    neg_identity *c = apr_pmemdup(p, id, sizeof(*id));

    c->account = dup_or_null(p, id->account);
    c->domain = dup_or_null(p, id->domain);
    c->realm = dup_or_null(p, id->realm);
    c->principal = dup_or_null(p, id->principal);
    c->ccache = dup_or_null(p, id->ccache);
    c->evidence = NULL;     /* this request's only */
    c->evidence_len = 0;
    c->user_sid = dup_or_null(p, id->user_sid);
    c->keytab = dup_or_null(p, id->keytab);
    c->service = dup_or_null(p, id->service);
    c->where = dup_or_null(p, id->where);
    c->sids = id->n_sids ? apr_pmemdup(p, id->sids, sizeof(neg_sid) * id->n_sids)
                         : NULL;
    return c;
}

int neg_identity_has_sid(const neg_identity *id, const neg_sid *sid)
{
    size_t i;

    for (i = 0; i < id->n_sids; i++) {
        if (neg_sid_equal(&id->sids[i], sid))
            return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* S-1-18-*: how the logon was authenticated, not a group (MS-DTYP 2.4.2.4). */
static int is_authority_assertion(const neg_sid *sid)
{
    static const unsigned char auth18[6] = { 0, 0, 0, 0, 0, 18 };

    return memcmp(sid->authority, auth18, 6) == 0;
}

/* The list sorted and joined with ';' (an empty string for none). */
static const char *sorted_list(apr_pool_t *p, apr_array_header_t *a)
{
    qsort(a->elts, (size_t)a->nelts, sizeof(char *), cmp_str);
    return apr_array_pstrcat(p, a, ';');
}

/* Milliseconds until the deadline, 0 when it has passed. */
static int ms_until(apr_time_t deadline)
{
    apr_time_t left = deadline - apr_time_now();

    return left <= 0 ? 0 : (int)apr_time_as_msec(left);
}

/* Every name lookup spends what is left of the one budget: once it is
 * spent, the names not known yet are left out (winbind.c caches them). */
static void publish_groups(const neg_identity *id, apr_table_t *env,
                           apr_pool_t *p, apr_time_t deadline)
{
    apr_array_header_t *sids = apr_array_make(p, (int)id->n_sids, sizeof(char *));
    apr_array_header_t *names = apr_array_make(p, (int)id->n_sids, sizeof(char *));
    char buf[NEG_SID_STRING_MAX], name[NEG_WB_NAME_MAX];
    size_t i;

    for (i = 1; i < id->n_sids; i++) {         /* 0 is the user */
        if (is_authority_assertion(&id->sids[i])
            || neg_sid_to_string(&id->sids[i], buf, sizeof(buf)) == 0)
            continue;
        APR_ARRAY_PUSH(sids, const char *) = apr_pstrdup(p, buf);
        if (neg_wb_sid_to_name(&id->sids[i], ms_until(deadline), name, sizeof(name)) == NEG_WB_OK
            && control_char(name) == NULL)
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, name);
    }
    apr_table_setn(env, "NEGOTIATE_GROUP_SIDS", sorted_list(p, sids));
    apr_table_setn(env, "NEGOTIATE_GROUPS", sorted_list(p, names));
}

/* A ccache this module made for delegated credentials (krb5_accept.c:
 * NegotiateDelegationDir/krb5cc_negotiate_XXXXXX), as KRB5CCNAME gives it. */
static int is_delegated_ccache(const char *value)
{
    const char *slash = value ? strrchr(value, '/') : NULL;

    return slash != NULL && strncmp(value, "FILE:", 5) == 0
           && strncmp(slash + 1, NEG_DELEGATED_CCACHE_PREFIX,
                      sizeof(NEG_DELEGATED_CCACHE_PREFIX) - 1) == 0;
}

void neg_identity_drop_inherited_ccache(apr_table_t *env, apr_pool_t *p,
                                        const neg_identity *id)
{
    const char *cc = apr_table_get(env, "KRB5CCNAME");

    if (is_delegated_ccache(cc)
        && (id == NULL || id->ccache == NULL
            || strcmp(cc, apr_pstrcat(p, "FILE:", id->ccache, NULL)) != 0))
        apr_table_unset(env, "KRB5CCNAME");
    if (is_delegated_ccache(apr_table_get(env, "REDIRECT_KRB5CCNAME")))
        apr_table_unset(env, "REDIRECT_KRB5CCNAME");
}

void neg_identity_publish(const neg_identity *id, apr_table_t *env,
                          apr_pool_t *p, int groups, apr_time_t deadline)
{
    /* a subrequest starts with a copy of its parent's variables: only
     * this request's identity speaks here */
    apr_table_unset(env, "NEGOTIATE_DOMAIN");
    apr_table_unset(env, "NEGOTIATE_USER_SID");
    apr_table_unset(env, "NEGOTIATE_GROUP_SIDS");
    apr_table_unset(env, "NEGOTIATE_GROUPS");
    neg_identity_drop_inherited_ccache(env, p, id);
    apr_table_setn(env, "NEGOTIATE_MECH", id->mech);
    apr_table_setn(env, "NEGOTIATE_PRINCIPAL", id->principal);
    if (id->domain != NULL)
        apr_table_setn(env, "NEGOTIATE_DOMAIN", id->domain);
    if (id->user_sid != NULL)
        apr_table_setn(env, "NEGOTIATE_USER_SID", id->user_sid);
    if (id->ccache != NULL)
        apr_table_setn(env, "KRB5CCNAME", apr_pstrcat(p, "FILE:", id->ccache, NULL));
    if (groups && id->n_sids > 0)
        publish_groups(id, env, p, deadline);
}
