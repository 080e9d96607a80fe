/*
 * startup_sites.c - the start-up checks of the sites (startup_sites.h).
 *
 * Finding "a virtual host with a Negotiate location": a section's AuthType
 * belongs to mod_authn_core and is only known merged, at request time. So
 * each section of each virtual host (its <Location>s, <Directory>s and
 * <Files>, which httpd has already merged with the main server's in
 * ap_fixup_virtual_hosts, and the server level itself) is merged over the
 * virtual host's defaults as a request there would be, and httpd's own
 * ap_auth_type() is asked about it. AuthType in .htaccess files, <If>
 * sections and sections that only combine at request time (an AuthType in
 * a <Directory>, the keytab in a <Location>) are beyond it.
 */
#include "startup_sites.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "http_core.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_optional.h"
#include "apr_strings.h"

#include "config.h"
#include "policy.h"
#include "setup_check.h"
#include "setup_check_krb5.h"
#include "setup_probe.h"
#include "startup.h"            /* NEG_STARTUP_PROBE_MS */
#include "startup_facts.h"
#include "status.h"

APLOG_USE_MODULE(auth_negotiate);

/* ============================================================ sections */

/* mod_authn_core keeps AuthType and tells it through an optional function
 * that reads only the request's per_dir_config. (ap_auth_type() would ask
 * it too, but core finds it only in its post_config, which `apachectl -t`
 * never runs.) */
static const char *auth_type_of(apr_pool_t *p, server_rec *s, ap_conf_vector_t *dir)
{
    APR_OPTIONAL_FN_TYPE(authn_ap_auth_type) *fn
        = APR_RETRIEVE_OPTIONAL_FN(authn_ap_auth_type);
    request_rec fake;

    if (fn == NULL)
        return NULL;                /* no mod_authn_core: no AuthType */
    memset(&fake, 0, sizeof(fake));
    fake.pool = p;
    fake.server = s;
    fake.per_dir_config = dir;
    return fn(&fake);
}

static int offers_winbind(const neg_dir_conf *c)
{
    return neg_offers(c, NEG_PROVIDER_NTLM) || neg_offers(c, NEG_PROVIDER_NEGOTIATE)
           || neg_basic_offered(c, 1);
}

static const char *site_key(apr_pool_t *p, const site *st)
{
    return apr_pstrcat(p, st->keytab ? st->keytab : "", "\n",
                       apr_array_pstrcat(p, st->principals, ' '), NULL);
}

/* Add the section if its AuthType is Negotiate (once per keytab and
 * principals in a virtual host). */
static void consider(checks *ck, server_rec *s, ap_conf_vector_t *sec,
                     const char *kind, apr_hash_t *seen, apr_array_header_t *sites)
{
    ap_conf_vector_t *merged = sec == s->lookup_defaults ? sec
        : ap_merge_per_dir_configs(ck->p, s->lookup_defaults, sec);
    const char *type = auth_type_of(ck->p, s, merged);
    const neg_dir_conf *c = ap_get_module_config(merged, ck->m);
    const core_dir_config *core = ap_get_core_module_config(sec);
    site st;
    const char *key;
    void *known;

    if (type == NULL || strcasecmp(type, "Negotiate") != 0 || c == NULL)
        return;
    st.where = kind == NULL ? "the server configuration"
        : apr_psprintf(ck->p, "<%s %s>", kind, core && core->d ? core->d : "?");
    st.keytab = c->keytab;
    st.principals = c->principals ? c->principals
                                  : apr_array_make(ck->p, 1, sizeof(const char *));
    st.ntlm = offers_winbind(c);
    ck->ntlm |= st.ntlm;
    key = site_key(ck->p, &st);
    known = apr_hash_get(seen, key, APR_HASH_KEY_STRING);
    if (known != NULL) {            /* its index + 1 */
        APR_ARRAY_IDX(sites, (intptr_t)known - 1, site).ntlm |= st.ntlm;
        return;
    }
    *(site *)apr_array_push(sites) = st;
    apr_hash_set(seen, key, APR_HASH_KEY_STRING, (void *)(intptr_t)sites->nelts);
}

static void consider_list(checks *ck, server_rec *s, apr_array_header_t *list,
                          const char *kind, apr_hash_t *seen, apr_array_header_t *sites)
{
    int i;

    for (i = 0; list != NULL && i < list->nelts; i++)
        consider(ck, s, APR_ARRAY_IDX(list, i, ap_conf_vector_t *), kind, seen, sites);
}

/* The sections of one virtual host that use Negotiate. */
static apr_array_header_t *sites_of(checks *ck, server_rec *s)
{
    core_server_config *sconf = ap_get_core_module_config(s->module_config);
    core_dir_config *top = ap_get_core_module_config(s->lookup_defaults);
    apr_array_header_t *sites = apr_array_make(ck->p, 4, sizeof(site));
    apr_hash_t *seen = apr_hash_make(ck->p);
    int i;

    consider(ck, s, s->lookup_defaults, NULL, seen, sites);
    consider_list(ck, s, sconf->sec_url, "Location", seen, sites);
    consider_list(ck, s, sconf->sec_dir, "Directory", seen, sites);
    consider_list(ck, s, top ? top->sec_file : NULL, "Files", seen, sites);
    for (i = 0; sconf->sec_dir != NULL && i < sconf->sec_dir->nelts; i++) {
        core_dir_config *d = ap_get_core_module_config(
            APR_ARRAY_IDX(sconf->sec_dir, i, ap_conf_vector_t *));
        consider_list(ck, s, d ? d->sec_file : NULL, "Files", seen, sites);
    }
    return sites;
}

/* ============================================================ findings */

/* One log line per finding worth telling, each once. */
static void say(checks *ck, int level, const char *tag, const char *context,
                const neg_check_item *it)
{
    const char *line = apr_psprintf(ck->p, "%s%s%s%s%s", context ? context : "",
                                    context ? ": " : "", it->text,
                                    it->fix ? "; fix: " : "", it->fix ? it->fix : "");
    const char *once = apr_pstrcat(ck->p, tag, it->text, NULL);

    /* the same finding in another virtual host or section: said already */
    if (apr_hash_get(ck->said, once, APR_HASH_KEY_STRING) != NULL)
        return;
    apr_hash_set(ck->said, once, APR_HASH_KEY_STRING, line);
    if (level == APLOG_ERR)
        ck->errors++;
    else
        ck->warnings++;
    ap_log_error(APLOG_MARK, level, 0, ck->main, "%s: %s", tag, line);
}

/* The findings of one check: FAIL as fail_tag at fail_level, WARN as
 * warn_tag at warning level; OK and INFO are not logged. */
static void tell(checks *ck, const neg_check_report *r, const char *context,
                 const char *fail_tag, int fail_level, const char *warn_tag)
{
    int i;

    for (i = 0; i < r->items->nelts; i++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, i, neg_check_item);

        if (it->level == NEG_CHECK_FAIL)
            say(ck, fail_level, fail_tag, context, it);
        else if (it->level == NEG_CHECK_WARN)
            say(ck, APLOG_WARNING, warn_tag, context, it);
    }
}

static void check_keytab_access(checks *ck, keytab *k)
{
    neg_check_report *r = neg_check_report_make(ck->p);
    neg_check_item it;

    if (k->have_st) {
        neg_check_keytab_access(r, k->path, &k->st, &ck->user, k->opened,
                                k->open_errno);
        tell(ck, r, NULL, "NEG0012", APLOG_ERR, "NEG0013");
        if (neg_check_worst(r) == NEG_CHECK_FAIL)
            return;
    }
    if (k->error == NULL)
        return;
    it.level = NEG_CHECK_FAIL;
    it.text = apr_psprintf(ck->p, "%s: every Kerberos logon there is refused "
                           "(NEG0202)", k->error);
    it.fix = k->name ? "export the service keys into it (samba-tool domain "
                       "exportkeytab, ktpass) and make it readable by the "
                       "Apache user"
                     : "name the keytab with NegotiateKeytab";
    say(ck, APLOG_ERR, "NEG0012", NULL, &it);
}

static int is_ip(const char *host)
{
    return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
}

/* Does NegotiateServicePrincipal (empty: any) let tickets for spn in?
 * A name restricted away on purpose is not worth a warning. */
static int name_allowed(const site *st, const char *spn)
{
    size_t n = strlen(spn);
    int i;

    if (st->principals->nelts == 0)
        return 1;
    for (i = 0; i < st->principals->nelts; i++) {
        const char *c = APR_ARRAY_IDX(st->principals, i, const char *);

        if (strncasecmp(c, spn, n) == 0 && (c[n] == '\0' || c[n] == '@'))
            return 1;
    }
    return 0;
}

static const char *vhost_text(apr_pool_t *p, const server_rec *s)
{
    unsigned port = s->port ? s->port : s->addrs ? s->addrs->host_port : 0;

    if (!s->is_virtual)
        return apr_psprintf(p, "main server %s", s->server_hostname ? s->server_hostname : "");
    return apr_psprintf(p, "virtual host %s%s (%s:%d)", s->server_hostname,
                        port ? apr_psprintf(p, ":%u", port) : "",
                        s->defn_name ? s->defn_name : "?", s->defn_line_number);
}

/* A key for HTTP/<name> of ServerName and each ServerAlias (wildcards and
 * IP addresses left out: browsers use no Kerberos for an address). */
static void check_names(checks *ck, server_rec *s, const site *st, keytab *k)
{
    const char *context = apr_psprintf(ck->p, "%s, %s", vhost_text(ck->p, s), st->where);
    apr_array_header_t *names = apr_array_make(ck->p, 4, sizeof(const char *));
    int i;

    if (s->server_hostname != NULL)
        APR_ARRAY_PUSH(names, const char *) = s->server_hostname;
    for (i = 0; s->names != NULL && i < s->names->nelts; i++)
        APR_ARRAY_PUSH(names, const char *) = APR_ARRAY_IDX(s->names, i, const char *);
    for (i = 0; i < names->nelts; i++) {
        const char *host = APR_ARRAY_IDX(names, i, const char *);
        const char *spn = apr_pstrcat(ck->p, "HTTP/", host, NULL);
        neg_check_report *r;

        if (is_ip(host) || strchr(host, '*') != NULL || !name_allowed(st, spn))
            continue;
        ap_str_tolower((char *)spn + 5);
        r = neg_check_report_make(ck->p);
        neg_check_keytab_keys(r, k->resolved, k->keys, k->n_keys, spn, NULL);
        tell(ck, r, context, "NEG0014", APLOG_WARNING, "NEG0016");
    }
}

static void check_principals(checks *ck, const site *st, keytab *k)
{
    neg_check_report *r = neg_check_report_make(ck->p);

    neg_check_configured_principals(r, k->resolved, k->keys, k->n_keys,
                                    st->principals);
    tell(ck, r, st->where, "NEG0015", APLOG_ERR, "NEG0015");
}

static void check_winbind(checks *ck)
{
    neg_check_report *r = neg_check_report_make(ck->p);
    neg_winbind_facts wb;
    int i;

    if (!ck->ntlm)
        return;
    memset(&wb, 0, sizeof(wb));
    wb.ping = ck->wb_ping == 1;
    wb.ping_error = ck->wb_ping == -1
        ? apr_psprintf(ck->p, "no answer within %d ms", NEG_STARTUP_PROBE_MS)
        : ck->wb_error;
    wb.dc_ok = -1;                  /* not asked: that is the DC's time */
    wb.priv_dir = ck->priv_dir;
    wb.priv_st = ck->have_priv_st ? &ck->priv_st : NULL;
    wb.priv_skipped = ck->priv_skipped;
    wb.priv_call = ck->priv_call;
    wb.priv_error = ck->priv_error;
    wb.logon = -1;
    neg_check_winbind(r, &wb, &ck->user);
    /* NEG0017: winbindd itself; NEG0018: its privileged pipe */
    for (i = 0; i < r->items->nelts; i++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, i, neg_check_item);

        if (it->level >= NEG_CHECK_WARN)
            say(ck, APLOG_WARNING, wb.ping ? "NEG0018" : "NEG0017",
                "NTLM or Basic is offered", it);
    }
}

/* ============================================================ all */

int neg_startup_checks(apr_pool_t *ptemp, server_rec *main_server, module *m)
{
    uint64_t started = neg_status_now_us();
    checks ck;
    apr_array_header_t *vhosts = apr_array_make(ptemp, 8, sizeof(apr_array_header_t *));
    server_rec *s;
    int i, j, n_vhosts = 0;

    memset(&ck, 0, sizeof(ck));
    ck.p = ptemp;
    ck.main = main_server;
    ck.m = m;
    ck.keytabs = apr_array_make(ptemp, 4, sizeof(keytab));
    ck.said = apr_hash_make(ptemp);
    for (s = main_server; s != NULL; s = s->next) {
        apr_array_header_t *sites = sites_of(&ck, s);

        APR_ARRAY_PUSH(vhosts, apr_array_header_t *) = sites;
        n_vhosts += sites->nelts > 0;
        ck.n_sites += sites->nelts;
        for (j = 0; j < sites->nelts; j++)
            neg_startup_keytab_of(&ck, APR_ARRAY_IDX(sites, j, site).keytab);
    }
    if (ck.n_sites == 0)
        return 0;
    neg_startup_apache_user(&ck);
    if (ck.ntlm) {
        ck.priv_skipped = apr_array_make(ptemp, 1, sizeof(const char *));
        ck.priv_dir = neg_probe_priv_dir(ptemp, ck.priv_skipped);
        ck.have_priv_st = ck.priv_dir != NULL && stat(ck.priv_dir, &ck.priv_st) == 0;
    }
    neg_startup_probe(&ck);
    for (i = 0; i < ck.keytabs->nelts; i++)
        check_keytab_access(&ck, &APR_ARRAY_IDX(ck.keytabs, i, keytab));
    for (s = main_server, i = 0; s != NULL; s = s->next, i++) {
        apr_array_header_t *sites = APR_ARRAY_IDX(vhosts, i, apr_array_header_t *);

        for (j = 0; j < sites->nelts; j++) {
            const site *st = &APR_ARRAY_IDX(sites, j, site);
            keytab *k = neg_startup_keytab_of(&ck, st->keytab);

            if (k->error != NULL)
                continue;           /* said above */
            check_names(&ck, s, st, k);
            check_principals(&ck, st, k);
        }
    }
    check_winbind(&ck);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server, "NEG0019: start-up "
                 "checks of %d server%s with Negotiate sections, %d "
                 "keytab%s%s, as the Apache user %s: %d error%s, %d warning%s "
                 "(%.1f ms)", n_vhosts, n_vhosts == 1 ? "" : "s", ck.keytabs->nelts,
                 ck.keytabs->nelts == 1 ? "" : "s", ck.ntlm ? ", winbind" : "",
                 ck.user.name, ck.errors, ck.errors == 1 ? "" : "s", ck.warnings,
                 ck.warnings == 1 ? "" : "s",
                 (double)(neg_status_now_us() - started) / 1000.0);
    return ck.errors;
}
