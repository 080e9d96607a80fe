/*
 * startup.c - the start-up hooks (see startup.h): what the directives
 * name, recorded as they are read, and the checks made of it once the
 * configuration is complete (NEG0010, NEG0011, NEG0020); the checks of
 * each site's keytab and winbind are startup_sites.c's.
 */
#include "startup.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "unixd.h"
#include "apr_strings.h"

#include "config.h"
#include "kerberos.h"
#include "winbind.h"
#include "policy.h"
#include "startup_sites.h"

APLOG_USE_MODULE(auth_negotiate);

/* Log tags: NEG + four digits, unique per message. */
#define NEGLOGNO(n) "NEG" #n ": "

/* ------------------------------------------- what the configuration names */

/* What the configuration names, recorded as the directives are read, for
 * the checks made once it is complete: httpd offers no walk over the
 * per-directory configurations. Reset in pre_config. */
static struct {
    apr_array_header_t *delegation_dirs;    /* const char * */
    apr_array_header_t *keytabs;            /* const char *, "FILE:..." */
    apr_array_header_t *mapped_realms;      /* const char * */
    int short_format;                       /* NegotiateUserFormat short */
} seen;

static module *checked_module;

static void remember(apr_array_header_t *a, const char *value)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), value) == 0)
            return;
    }
    APR_ARRAY_PUSH(a, const char *) = value;
}

void neg_startup_pre_config(apr_pool_t *pconf, module *m)
{
    seen.delegation_dirs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.keytabs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.mapped_realms = apr_array_make(pconf, 2, sizeof(const char *));
    seen.short_format = 0;
    checked_module = m;
}

void neg_startup_seen_keytab(const char *name)
{
    remember(seen.keytabs, name);
}

void neg_startup_seen_delegation_dir(const char *dir)
{
    remember(seen.delegation_dirs, dir);
}

void neg_startup_seen_mapped_realm(const char *realm)
{
    remember(seen.mapped_realms, realm);
}

void neg_startup_seen_short_format(void)
{
    seen.short_format = 1;
}

const apr_array_header_t *neg_startup_keytabs(void)
{
    return seen.keytabs;
}

/* NegotiateDelegationDir must belong to the Apache user: whoever else owns
 * it could plant or read delegated credentials (the mode was checked when
 * the directive was read). */
static int check_delegation_dirs(server_rec *s)
{
    /* httpd started by root runs its children as User; started by anyone
     * else, as that user */
    uid_t apache = geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
    int i, ok = 1;
    struct stat st;

    for (i = 0; i < seen.delegation_dirs->nelts; i++) {
        const char *dir = APR_ARRAY_IDX(seen.delegation_dirs, i, const char *);

        memset(&st, 0, sizeof(st));
        if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == apache
            && !(st.st_mode & 022))
            continue;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0010)
                     "NegotiateDelegationDir %s must be a directory owned by "
                     "the Apache user (uid %ld) and writable by nobody else "
                     "(owner uid %ld, mode %04o%s): delegated credentials "
                     "would not be private; chown that user %s; chmod 0700 %s",
                     dir, (long)apache, (long)st.st_uid, (unsigned)(st.st_mode & 07777),
                     S_ISLNK(st.st_mode) ? ", a symbolic link" : "", dir, dir);
        ok = 0;
    }
    return ok;
}

/* NegotiateUserFormat short drops the realm and the domain: with more
 * than one in play, two people can get one REMOTE_USER. */
static void check_short_format(apr_pool_t *p, server_rec *s)
{
    apr_array_header_t *realms = apr_array_make(p, 4, sizeof(const char *));
    char domains[512] = "";
    int i, n_domains;

    if (!seen.short_format)
        return;
    for (i = 0; i < seen.keytabs->nelts; i++)
        neg_krb5_keytab_realms(APR_ARRAY_IDX(seen.keytabs, i, const char *), p, realms);
    for (i = 0; i < seen.mapped_realms->nelts; i++)
        neg_krb5_add_realm(p, realms, APR_ARRAY_IDX(seen.mapped_realms, i, const char *));
    n_domains = neg_wb_count_domains(1000, domains, sizeof(domains));
    if (realms->nelts <= 1 && n_domains <= 1)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0011)
                 "NegotiateUserFormat short is used while more than one realm "
                 "or domain is in play (realms: %s; winbind's domains: %s): "
                 "users of the same name in different ones get the same "
                 "REMOTE_USER; use upn or down-level unless that is meant",
                 realms->nelts ? apr_array_pstrcat(p, realms, ' ') : "none",
                 n_domains >= 0 ? domains : "unknown");
}

/* Does a section (or a server's defaults) configure this module and offer
 * NTLM, bare or inside Negotiate? */
static int section_offers_ntlm(ap_conf_vector_t *sec)
{
    const neg_dir_conf *c = ap_get_module_config(sec, checked_module);

    return c != NULL && (c->keytab_set || c->n_providers > 0)
        && (neg_offers(c, NEG_PROVIDER_NTLM) || neg_offers(c, NEG_PROVIDER_NEGOTIATE));
}

static int server_offers_ntlm(server_rec *s)
{
    core_server_config *sc = ap_get_core_module_config(s->module_config);
    apr_array_header_t *lists[2];
    int i, k;

    if (section_offers_ntlm(s->lookup_defaults))
        return 1;
    lists[0] = sc->sec_url;
    lists[1] = sc->sec_dir;
    for (k = 0; k < 2; k++)
        for (i = 0; lists[k] != NULL && i < lists[k]->nelts; i++)
            if (section_offers_ntlm(APR_ARRAY_IDX(lists[k], i, ap_conf_vector_t *)))
                return 1;
    return 0;
}

/* NTLM authenticates a connection: each new one costs a handshake, and one
 * that httpd ends between the CHALLENGE and the AUTHENTICATE strands it.
 * Debian's KeepAliveTimeout 5 and MaxKeepAliveRequests 100 end sessions
 * early (IIS: 120 s, no cap); KeepAlive Off makes NTLM impossible. */
#define NEG_KEEPALIVE_MIN_MAX 1000
#define NEG_KEEPALIVE_MIN_TIMEOUT_S 60

static void check_keepalive(apr_pool_t *p, server_rec *s)
{
    for (; s != NULL; s = s->next) {
        int timeout = (int)apr_time_sec(s->keep_alive_timeout);

        if (!server_offers_ntlm(s)
            || (s->keep_alive && timeout >= NEG_KEEPALIVE_MIN_TIMEOUT_S
                && (s->keep_alive_max == 0 || s->keep_alive_max >= NEG_KEEPALIVE_MIN_MAX)))
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0020)
                     "NTLM is offered on %s%s with %s: NTLM authenticates a "
                     "connection, and each one httpd closes costs a new "
                     "handshake (or breaks one under way); set KeepAlive On, "
                     "MaxKeepAliveRequests 0 (no limit, as IIS) or at least "
                     "%d, and KeepAliveTimeout %d or more",
                     s->server_hostname ? s->server_hostname : "*",
                     s->port ? apr_psprintf(p, ":%u", (unsigned)s->port) : "",
                     !s->keep_alive ? "KeepAlive Off"
                     : apr_psprintf(p, "MaxKeepAliveRequests %d "
                                    "and KeepAliveTimeout %d", s->keep_alive_max,
                                    timeout),
                     NEG_KEEPALIVE_MIN_MAX, NEG_KEEPALIVE_MIN_TIMEOUT_S);
    }
}

void neg_startup_test_config(apr_pool_t *pconf, server_rec *s)
{
    check_delegation_dirs(s);
    check_short_format(pconf, s);
    neg_startup_checks(pconf, s, checked_module);
    check_keepalive(pconf, s);
}

int neg_startup_post_config(apr_pool_t *ptemp, server_rec *s)
{
    if (!check_delegation_dirs(s))
        return HTTP_INTERNAL_SERVER_ERROR;
    /* once, not in the first of httpd's two configuration passes */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    check_short_format(ptemp, s);
    neg_startup_checks(ptemp, s, checked_module);
    /* at start-up, not at every graceful restart */
    if (ap_state_query(AP_SQ_CONFIG_GEN) <= 1)
        check_keepalive(ptemp, s);
    return OK;
}
