/*
 * mod_auth_negotiate.c - Integrated Windows Authentication for httpd 2.4.
 *
 * httpd glue only: directives, configuration create/merge, hooks, and
 * turning a logon's verdict (src/verdict.h) into a status, headers, notes
 * and the environment. It runs no protocol and decides nothing about what
 * a token or a connection's identity is worth: src/logon.c does, through
 * one logon unit per mechanism (krb5_auth.c, ntlm_auth.c, basic_auth.c)
 * over the layers header.c, spnego.c, kerberos.c, ntlm.c, winbind.c,
 * replay.c, identity.c, and the location's policy (policy.c).
 *
 * RFC 4559: an anonymous request gets 401 with one WWW-Authenticate per
 * offered scheme; the client answers with "Negotiate <token>"; a success
 * carries the acceptor's mutual-authentication token back on the 2xx.
 */
#include <errno.h>
#include <sys/stat.h>

#include "httpd.h"
#include "ap_mpm.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "mod_auth.h"
#include "unixd.h"

#include "apr_base64.h"
#include "apr_general.h"
#include "apr_strings.h"

#include "config.h"
#include "conn.h"
#include "header.h"
#include "identity.h"
#include "kerberos.h"
#include "log_limit.h"
#include "logon.h"
#include "policy.h"
#include "replay.h"
#include "startup.h"
#include "status.h"
#include "status_page.h"
#include "session.h"
#include "session_memo.h"
#include "winbind.h"

/* Log tags: NEG + four digits, unique per message. */
#define NEGLOGNO(n) "NEG" #n ": "

#define AUTH_TYPE_NEGOTIATE "Negotiate"

module AP_MODULE_DECLARE_DATA auth_negotiate_module;
APLOG_USE_MODULE(auth_negotiate);

/* ====================================================== configuration */

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    neg_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->principals = apr_array_make(p, 2, sizeof(const char *));
    c->max_token = NEG_UNSET_SIZE;
    c->ntlm_v1 = -1;
    c->winbind_timeout_ms = -1;
    c->ntlm_lifetime_s = -1;
    c->publish_groups = -1;
    c->basic = -1;
    c->basic_plain_http = -1;
    c->require_tls = -1;
    c->persist_kerberos = -1;
    c->ticket_cache = -1;
    c->machine_accounts = -1;
    c->extended_protection = -1;
    c->session = -1;
    c->session_basic = -1;
    c->session_lifetime_s = -1;
    return c;
}

#define MERGE_INT(f) c->f = add->f != -1 ? add->f : base->f

static void *merge_dir_conf(apr_pool_t *p, void *base_v, void *add_v)
{
    const neg_dir_conf *base = base_v, *add = add_v;
    neg_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->keytab = add->keytab_set ? add->keytab : base->keytab;
    c->keytab_set = add->keytab_set || base->keytab_set;
    c->principals = add->principals_set ? add->principals : base->principals;
    c->principals_set = add->principals_set || base->principals_set;
    if (add->n_providers > 0) {
        memcpy(c->providers, add->providers, sizeof(c->providers));
        c->n_providers = add->n_providers;
    }
    else {
        memcpy(c->providers, base->providers, sizeof(c->providers));
        c->n_providers = base->n_providers;
    }
    c->user_format = add->user_format != NEG_USER_UNSET ? add->user_format
                                                         : base->user_format;
    c->max_token = add->max_token != NEG_UNSET_SIZE ? add->max_token
                                                     : base->max_token;
    MERGE_INT(ntlm_v1);
    MERGE_INT(winbind_timeout_ms);
    MERGE_INT(ntlm_lifetime_s);
    MERGE_INT(publish_groups);
    MERGE_INT(basic);
    MERGE_INT(basic_plain_http);
    MERGE_INT(require_tls);
    MERGE_INT(persist_kerberos);
    MERGE_INT(ticket_cache);
    MERGE_INT(machine_accounts);
    MERGE_INT(extended_protection);
    MERGE_INT(session);
    MERGE_INT(session_basic);
    MERGE_INT(session_lifetime_s);
    c->realm_map = add->realm_map ? add->realm_map : base->realm_map;
    c->delegation_dir = add->delegation_set ? add->delegation_dir : base->delegation_dir;
    c->delegation_set = add->delegation_set || base->delegation_set;
    return c;
}

/* ====================================================== directives */

/* What the configuration names, recorded as it is read, for the checks
 * made once it is complete (start_up_checks): httpd offers no walk over
 * the per-directory configurations. Reset in pre_config. */
static struct {
    apr_array_header_t *delegation_dirs;    /* const char * */
    apr_array_header_t *keytabs;            /* const char *, "FILE:..." */
    apr_array_header_t *mapped_realms;      /* const char * */
    apr_array_header_t *unchecked_groups;   /* const char *: Require
                                             * negotiate-group names whose
                                             * domain winbind did not check */
    int short_format;                       /* NegotiateUserFormat short */
} seen;

static void remember(apr_array_header_t *a, const char *value)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), value) == 0)
            return;
    }
    APR_ARRAY_PUSH(a, const char *) = value;
}

static const char *set_keytab(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;
    const char *path = arg;
    apr_finfo_t finfo;

    if (strncmp(arg, "FILE:", 5) == 0)
        path = arg + 5;
    else if (strchr(arg, ':') != NULL)
        return apr_psprintf(cmd->pool, "NegotiateKeytab: '%s' is not allowed: "
                            "give a file path (optionally as FILE:path)", arg);
    path = ap_server_root_relative(cmd->pool, path);
    if (path == NULL)
        return apr_psprintf(cmd->pool, "NegotiateKeytab: invalid path '%s'", arg);
    if (apr_stat(&finfo, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS
        || finfo.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "NegotiateKeytab: %s does not exist or "
                            "is not a regular file; give the keytab that holds "
                            "the HTTP/ service keys", path);
    c->keytab = apr_pstrcat(cmd->pool, "FILE:", path, NULL);
    c->keytab_set = 1;
    remember(seen.keytabs, c->keytab);
    return NULL;
}

static const char *set_principals(cmd_parms *cmd, void *conf_v, const char *args)
{
    neg_dir_conf *c = conf_v;
    const char *word, *why;
    int any = 0;

    c->principals = apr_array_make(cmd->pool, 2, sizeof(const char *));
    c->principals_set = 1;
    while (*(word = ap_getword_conf(cmd->temp_pool, &args)) != '\0') {
        if (strcasecmp(word, "any") == 0) {
            any = 1;
            continue;
        }
        why = neg_krb5_check_principal_syntax(word);
        if (why != NULL)
            return apr_psprintf(cmd->pool, "NegotiateServicePrincipal: '%s' is "
                                "not a service principal (%s); allowed: any, "
                                "or principals such as HTTP/www.example.com "
                                "or HTTP/www.example.com@EXAMPLE.COM",
                                word, why);
        APR_ARRAY_PUSH(c->principals, const char *) = apr_pstrdup(cmd->pool, word);
    }
    if (any && c->principals->nelts > 0)
        return "NegotiateServicePrincipal: 'any' cannot be combined with "
               "principal names; allowed: any | PRINCIPAL ...";
    if (!any && c->principals->nelts == 0)
        return "NegotiateServicePrincipal needs a value: any | PRINCIPAL ...";
    return NULL;
}

static const char *provider_from_word(const char *w, neg_provider *out)
{
    if (strcasecmp(w, "Negotiate") == 0)
        *out = NEG_PROVIDER_NEGOTIATE;
    else if (strcasecmp(w, "Negotiate:Kerberos") == 0)
        *out = NEG_PROVIDER_NEGOTIATE_KRB5;
    else if (strcasecmp(w, "NTLM") == 0)
        *out = NEG_PROVIDER_NTLM;
    else
        return "unknown";
    return NULL;
}

static const char *set_providers(cmd_parms *cmd, void *conf_v, const char *args)
{
    neg_dir_conf *c = conf_v;
    const char *word;
    neg_provider pv;
    int i, n = 0, negotiate = 0;

    while (*(word = ap_getword_conf(cmd->temp_pool, &args)) != '\0') {
        if (provider_from_word(word, &pv) != NULL)
            return apr_psprintf(cmd->pool, "NegotiateProviders: unknown provider "
                                "'%s'; allowed: Negotiate, NTLM, "
                                "Negotiate:Kerberos", word);
        for (i = 0; i < n; i++) {
            if (c->providers[i] == pv)
                return apr_psprintf(cmd->pool, "NegotiateProviders: '%s' is "
                                    "listed twice", word);
        }
        if (pv != NEG_PROVIDER_NTLM && negotiate++)
            return "NegotiateProviders: Negotiate and Negotiate:Kerberos "
                   "exclude each other; list one of them";
        if (n == NEG_MAX_PROVIDERS)
            return "NegotiateProviders: too many providers";
        c->providers[n++] = pv;
    }
    if (n == 0)
        return "NegotiateProviders needs at least one of: Negotiate, NTLM, "
               "Negotiate:Kerberos";
    c->n_providers = n;
    return NULL;
}

static const char *set_user_format(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;

    if (strcasecmp(arg, "upn") == 0)
        c->user_format = NEG_USER_UPN;
    else if (strcasecmp(arg, "short") == 0) {
        c->user_format = NEG_USER_SHORT;
        seen.short_format = 1;
    }
    else if (strcasecmp(arg, "down-level") == 0)
        c->user_format = NEG_USER_DOWN_LEVEL;
    else
        return apr_psprintf(cmd->pool, "NegotiateUserFormat: unknown format "
                            "'%s'; allowed: upn, down-level, short", arg);
    return NULL;
}

static const char *set_max_token(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < 256 || v > 1048576)
        return apr_psprintf(cmd->pool, "NegotiateMaxTokenSize: '%s' is not "
                            "allowed; give a number of bytes from 256 to "
                            "1048576 (default %d)", arg, NEG_DEFAULT_MAX_TOKEN);
    c->max_token = (apr_size_t)v;
    return NULL;
}

static const char *add_realm_map(cmd_parms *cmd, void *conf_v,
                                 const char *realm, const char *netbios)
{
    neg_dir_conf *c = conf_v;

    if (strchr(realm, '@') || strchr(netbios, '\\') || strchr(netbios, '@')
        || strlen(netbios) > 15)
        return apr_psprintf(cmd->pool, "NegotiateRealmMap: '%s %s' is not "
                            "allowed; give a Kerberos realm and a NetBIOS "
                            "domain name (at most 15 characters), e.g. "
                            "NegotiateRealmMap EXAMPLE.ORG EXAMPLE",
                            realm, netbios);
    if (c->realm_map == NULL)
        c->realm_map = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(c->realm_map, const char *) = apr_pstrdup(cmd->pool, realm);
    APR_ARRAY_PUSH(c->realm_map, const char *) = apr_pstrdup(cmd->pool, netbios);
    remember(seen.mapped_realms, apr_pstrdup(cmd->pool, realm));
    return NULL;
}

static const char *set_delegation_dir(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;
    apr_finfo_t finfo;
    const char *path;

    c->delegation_set = 1;
    if (strcasecmp(arg, "Off") == 0) {
        c->delegation_dir = NULL;
        return NULL;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL || apr_stat(&finfo, path, APR_FINFO_TYPE | APR_FINFO_PROT,
                                 cmd->pool) != APR_SUCCESS
        || finfo.filetype != APR_DIR)
        return apr_psprintf(cmd->pool, "NegotiateDelegationDir: %s is not a "
                            "directory; give a directory writable only by the "
                            "Apache user (e.g. mode 0700), or Off", arg);
    /* Others who may write there could plant a ccache or remove one (the
     * owner, the Apache user, is checked once User is known, at start). */
    if (finfo.protection & (APR_GWRITE | APR_WWRITE))
        return apr_psprintf(cmd->pool, "NegotiateDelegationDir: %s is "
                            "writable by its group or by everyone: delegated "
                            "credentials must be private to the Apache user "
                            "(chown the Apache user %s; chmod 0700 %s)",
                            path, path, path);
    c->delegation_dir = path;
    remember(seen.delegation_dirs, path);
    return NULL;
}

static const char *set_extended_protection(cmd_parms *cmd, void *conf_v,
                                           const char *arg)
{
    neg_dir_conf *c = conf_v;

    if (strcasecmp(arg, "Off") == 0)
        c->extended_protection = NEG_EPA_OFF;
    else if (strcasecmp(arg, "Allow") == 0)
        c->extended_protection = NEG_EPA_ALLOW;
    else if (strcasecmp(arg, "Require") == 0)
        c->extended_protection = NEG_EPA_REQUIRE;
    else
        return apr_psprintf(cmd->pool, "NegotiateExtendedProtection: '%s' is "
                            "not allowed; use Off, Allow or Require", arg);
    return NULL;
}

static const char *parse_seconds(cmd_parms *cmd, const char *arg, int min,
                                 int max, int *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not allowed; give a "
                            "number of seconds from %d to %d",
                            cmd->directive->directive, arg, min, max);
    *out = (int)v;
    return NULL;
}

static const char *set_winbind_timeout(cmd_parms *cmd, void *conf_v, const char *arg)
{
    int sec = 0;
    const char *err = parse_seconds(cmd, arg, 1, 60, &sec);

    if (err == NULL)
        ((neg_dir_conf *)conf_v)->winbind_timeout_ms = sec * 1000;
    return err;
}

static const char *set_ntlm_lifetime(cmd_parms *cmd, void *conf_v, const char *arg)
{
    return parse_seconds(cmd, arg, 1, 3600,
                         &((neg_dir_conf *)conf_v)->ntlm_lifetime_s);
}

static const char *set_winbind_threads(cmd_parms *cmd, void *dummy, const char *arg)
{
    int n = 0;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;

    if (err != NULL)
        return err;
    n = (int)strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < 1 || n > 64)
        return apr_psprintf(cmd->pool, "NegotiateWinbindThreads: '%s' is not "
                            "allowed; give a number from 1 to 64", arg);
    neg_wb_configure(n);
    return NULL;
}

/* A number from lo to hi for a server-wide directive. */
static const char *parse_count(cmd_parms *cmd, const char *arg, int lo, int hi, int *out)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long n;

    if (err != NULL)
        return err;
    n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < lo || n > hi)
        return apr_psprintf(cmd->pool, "%s: '%s' is not allowed; give a number "
                            "from %d to %d", cmd->cmd->name, arg, lo, hi);
    *out = (int)n;
    return NULL;
}

static const char *set_winbind_per_client(cmd_parms *cmd, void *dummy, const char *arg)
{
    int n = 0;
    const char *err = parse_count(cmd, arg, 0, 1024, &n);

    if (err == NULL)
        neg_wb_configure_per_client(n);
    return err;
}

static const char *set_winbind_connections(cmd_parms *cmd, void *dummy, const char *arg)
{
    int n = 0;
    const char *err = parse_count(cmd, arg, 1, 1024, &n);

    if (err == NULL)
        neg_wb_configure_connections(n);
    return err;
}

static const char *set_replay_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    return err ? err : neg_replay_set(cmd->pool, arg);
}

static const char *set_log_limit(cmd_parms *cmd, void *dummy, const char *count,
                                 const char *seconds)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long n;
    int sec = 0;

    if (err != NULL)
        return err;
    n = strtol(count, &end, 10);
    if (*count == '\0' || *end != '\0' || n < 0 || n > 1000000)
        return apr_psprintf(cmd->pool, "NegotiateLogLimit: '%s' is not "
                            "allowed; give a number of lines from 0 (no limit) "
                            "to 1000000, then seconds", count);
    sec = NEG_LOG_LIMIT_DEFAULT_SECONDS;
    err = seconds ? parse_seconds(cmd, seconds, 1, 86400, &sec) : NULL;
    if (err == NULL)
        neg_log_limit_configure((int)n, sec);
    return err;
}

static const char *set_session_lifetime(cmd_parms *cmd, void *conf_v, const char *arg)
{
    return parse_seconds(cmd, arg, 1, 86400,
                         &((neg_dir_conf *)conf_v)->session_lifetime_s);
}

static const command_rec neg_cmds[] = {
    AP_INIT_TAKE1("NegotiateKeytab", set_keytab, NULL, ACCESS_CONF | RSRC_CONF,
                  "The keytab with the service keys (default: the system "
                  "default keytab)"),
    AP_INIT_RAW_ARGS("NegotiateServicePrincipal", set_principals, NULL,
                     ACCESS_CONF | RSRC_CONF,
                     "any | PRINCIPAL ...: the service principals a ticket may "
                     "be for (default: any key in the keytab)"),
    AP_INIT_RAW_ARGS("NegotiateProviders", set_providers, NULL, OR_AUTHCFG,
                     "Negotiate | NTLM | Negotiate:Kerberos, in the order of "
                     "the WWW-Authenticate headers (default: Negotiate NTLM)"),
    AP_INIT_TAKE1("NegotiateUserFormat", set_user_format, NULL, OR_AUTHCFG,
                  "upn | down-level | short: the form of REMOTE_USER "
                  "(default: upn)"),
    AP_INIT_TAKE1("NegotiateMaxTokenSize", set_max_token, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "The largest decoded token accepted, in bytes "
                  "(default 65536)"),
    AP_INIT_FLAG("NegotiateNTLMv1", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, ntlm_v1), ACCESS_CONF | RSRC_CONF,
                 "On to accept NTLMv1 and LM responses (default Off: NTLMv2 only)"),
    AP_INIT_TAKE2("NegotiateRealmMap", add_realm_map, NULL, ACCESS_CONF | RSRC_CONF,
                  "REALM NETBIOS: the NetBIOS domain of a Kerberos realm whose "
                  "tickets carry no PAC (non-AD KDCs), for down-level names"),
    AP_INIT_FLAG("NegotiatePublishGroups", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, publish_groups), OR_AUTHCFG,
                 "On to publish NEGOTIATE_GROUP_SIDS and NEGOTIATE_GROUPS "
                 "(default Off)"),
    AP_INIT_TAKE1("NegotiateDelegationDir", set_delegation_dir, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "DIR | Off: store credentials a client delegates in a "
                  "ccache there and publish KRB5CCNAME (default Off)"),
    AP_INIT_FLAG("NegotiateBasic", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, basic), OR_AUTHCFG,
                 "On to offer and accept Basic, verified by the domain, on "
                 "TLS connections (default Off)"),
    AP_INIT_FLAG("NegotiateBasicAllowPlainHTTP", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, basic_plain_http),
                 ACCESS_CONF | RSRC_CONF,
                 "On to offer Basic on plain HTTP too: passwords in clear "
                 "text (default Off)"),
    AP_INIT_FLAG("NegotiatePersistKerberos", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, persist_kerberos), OR_AUTHCFG,
                 "On to let later requests on a connection that authenticated "
                 "by Kerberos through without a token, as IIS's "
                 "authPersistNonNTLM (default Off)"),
    AP_INIT_FLAG("NegotiateTicketCache", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, ticket_cache),
                 ACCESS_CONF | RSRC_CONF,
                 "Off to send every Kerberos ticket through Heimdal's full "
                 "acceptor; On (default) lets a ticket verified before cost "
                 "only its authenticator's checks"),
    AP_INIT_FLAG("NegotiateMachineAccounts", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, machine_accounts),
                 ACCESS_CONF | RSRC_CONF,
                 "On to let computer and trust accounts (HOST$) sign in "
                 "(default Off)"),
    AP_INIT_TAKE1("NegotiateExtendedProtection", set_extended_protection, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Off | Allow | Require: tokens bound to this server's TLS "
                  "channel and name (IIS's Extended Protection; default Off)"),
    AP_INIT_FLAG("NegotiateRequireTLS", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, require_tls), ACCESS_CONF | RSRC_CONF,
                 "On to refuse every mechanism on plain HTTP (default Off)"),
    AP_INIT_FLAG("NegotiateSession", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, session), OR_AUTHCFG,
                 "On to keep a logon's identity in mod_session's encrypted "
                 "session, so that later requests need no logon (default Off)"),
    AP_INIT_FLAG("NegotiateSessionBasic", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, session_basic),
                 ACCESS_CONF | RSRC_CONF,
                 "On to let a Basic logon make a session too (default Off)"),
    AP_INIT_TAKE1("NegotiateSessionLifetime", set_session_lifetime, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Seconds a session's identity stays valid (default 300)"),
    AP_INIT_TAKE1("NegotiateWinbindTimeout", set_winbind_timeout, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Seconds a request may wait for winbind (default 3)"),
    AP_INIT_TAKE1("NegotiateNTLMChallengeTimeout", set_ntlm_lifetime, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Seconds an NTLM challenge stays valid (default 60)"),
    AP_INIT_TAKE1("NegotiateReplayCache", set_replay_cache, NULL, RSRC_CONF,
                  "shmcb[:path(size)] | memcache:HOST:PORT | redis:HOST:PORT | "
                  "none: where Kerberos authenticators are remembered to "
                  "refuse replays (default shmcb)"),
    AP_INIT_TAKE12("NegotiateLogLimit", set_log_limit, NULL, RSRC_CONF,
                   "COUNT [SECONDS]: at most COUNT lines of one tag per "
                   "client in SECONDS (default 10 60; 0: no limit)"),
    AP_INIT_TAKE1("NegotiateWinbindThreads", set_winbind_threads, NULL, RSRC_CONF,
                  "Threads per process that talk to winbind, each with its "
                  "own connection (default 8; 1 under prefork)"),
    AP_INIT_TAKE1("NegotiateWinbindPerClient", set_winbind_per_client, NULL, RSRC_CONF,
                  "Calls to winbind one client address may have at once in "
                  "an httpd process; more are refused at once (default 6; "
                  "0: no limit)"),
    AP_INIT_TAKE1("NegotiateWinbindConnections", set_winbind_connections, NULL, RSRC_CONF,
                  "Connections to winbindd all httpd children together may "
                  "hold (default 64)"),
    { NULL }
};

/* ====================================================== requests */

static int is_tls(request_rec *r)
{
    return ap_ssl_conn_is_ssl(r->connection->master ? r->connection->master
                                                    : r->connection);
}

/* What a request that authenticated keeps: its identity (in its own pool,
 * never the connection's) and its budget for winbind calls, which the
 * authorization providers spend too. */
typedef struct {
    const neg_identity *id;
    apr_time_t deadline;
} request_state;

static const request_state *state_of(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &auth_negotiate_module);
}

static int budget_ms(const request_state *st)
{
    apr_time_t left = st->deadline - apr_time_now();

    return left <= 0 ? 0 : (int)apr_time_as_msec(left);
}

static conn_rec *main_conn(request_rec *r)
{
    return r->connection->master ? r->connection->master : r->connection;
}

/* The names this virtual host answers to, for the service binding of
 * Extended Protection: ServerName and every ServerAlias (with wildcards). */
static const apr_array_header_t *server_names(request_rec *r)
{
    server_rec *s = r->server;
    apr_array_header_t *names = apr_array_make(r->pool, 4, sizeof(const char *));

    if (s->server_hostname != NULL)
        APR_ARRAY_PUSH(names, const char *) = s->server_hostname;
    if (s->names != NULL)
        apr_array_cat(names, s->names);
    if (s->wild_names != NULL)
        apr_array_cat(names, s->wild_names);
    return names;
}

/* Extended Protection on TLS: the tls-server-end-point binding of the
 * certificate this connection presented (mod_ssl's SSL_SERVER_CERT: the
 * certificate of the virtual host SNI chose). */
static void channel_binding(request_rec *r, neg_logon_ctx *ctx)
{
    const char *pem = ap_ssl_var_lookup(r->pool, r->server, main_conn(r), r,
                                        "SSL_SERVER_CERT");
    neg_cbt *cb = apr_palloc(r->pool, sizeof(*cb));
    neg_cbt_result cr = neg_cbt_from_pem(pem, cb);

    if (cr == NEG_CBT_OK)
        ctx->binding = cb;
    else
        ctx->binding_error = apr_psprintf(r->pool, "the server certificate "
                                          "(SSL_SERVER_CERT): %s",
                                          neg_cbt_result_str(cr));
}

static int is_proxy_auth(const request_rec *r);

static void logon_ctx(request_rec *r, const neg_dir_conf *conf,
                      apr_time_t deadline, neg_logon_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->pool = r->pool;
    ctx->conf = conf;
    /* NULL on an HTTP/2 stream: nothing is bound to, or reused from, a
     * connection that carries other requests at the same time */
    ctx->conn = neg_conn_get(r->connection, &auth_negotiate_module);
    ctx->tls = is_tls(r);
    ctx->http2 = r->connection->master != NULL;
    ctx->deadline = deadline;
    ctx->server = r->server;
    ctx->proxy = is_proxy_auth(r);
    ctx->where = r->uri;
    ctx->client = r->useragent_ip;
    ctx->epa = conf->extended_protection == -1 ? NEG_EPA_OFF : conf->extended_protection;
    if (ctx->epa != NEG_EPA_OFF) {
        ctx->names = server_names(r);
        ctx->port = main_conn(r)->local_addr->port;
        if (ctx->tls)
            channel_binding(r, ctx);
    }
}

/* ====================================================== answers */

/* A forward proxy authenticates with Proxy-Authorization, Proxy-Authenticate
 * and 407 (RFC 7235 4.3, 4.4), as mod_auth_basic does; the NTLM handshake
 * is then bound to the client's connection to the proxy. */
static int is_proxy_auth(const request_rec *r)
{
    return r->proxyreq == PROXYREQ_PROXY;
}

static const char *challenge_header(const request_rec *r)
{
    return is_proxy_auth(r) ? "Proxy-Authenticate" : "WWW-Authenticate";
}

static int unauthorized(const request_rec *r)
{
    return is_proxy_auth(r) ? HTTP_PROXY_AUTHENTICATION_REQUIRED : HTTP_UNAUTHORIZED;
}

static void add_challenges(request_rec *r, const neg_dir_conf *conf)
{
    int i, n;
    const neg_provider *list = neg_providers(conf, &n);

    for (i = 0; i < n; i++) {
        apr_table_add(r->err_headers_out, challenge_header(r),
                      list[i] == NEG_PROVIDER_NTLM ? "NTLM" : "Negotiate");
    }
    if (neg_basic_offered(conf, is_tls(r))) {
        const char *realm = ap_auth_name(r) ? ap_auth_name(r) : "";

        apr_table_add(r->err_headers_out, challenge_header(r),
                      apr_pstrcat(r->pool, "Basic realm=\"",
                                  ap_escape_quotes(r->pool, realm), "\"", NULL));
    }
}

static void add_reply_header(request_rec *r, neg_scheme scheme,
                             const unsigned char *tok, size_t len)
{
    char *b64 = apr_palloc(r->pool, apr_base64_encode_len((int)len));

    apr_base64_encode_binary(b64, tok, (int)len);
    apr_table_add(r->err_headers_out, challenge_header(r),
                  apr_pstrcat(r->pool, neg_scheme_name(scheme), " ", b64, NULL));
}

/* The verdict's lines, at most NegotiateLogLimit of them per client and
 * tag in a window (log_limit.h); the status page counts every refusal. */
static void log_lines(request_rec *r, const neg_verdict *v)
{
    static const int level[] = { APLOG_DEBUG, APLOG_INFO, APLOG_WARNING, APLOG_ERR };
    unsigned long left_out;
    int i, lvl;

    for (i = 0; i < v->n_lines; i++) {
        lvl = level[v->lines[i].level];
        if (!APLOG_R_IS_LEVEL(r, lvl)
            || !neg_log_limit_allows(r->useragent_ip, v->lines[i].tag,
                                     apr_time_now(), &left_out))
            continue;
        ap_log_rerror(APLOG_MARK, lvl, 0, r, "%s: %s%s", v->lines[i].tag,
                      v->lines[i].text, left_out == 0 ? "" : apr_psprintf(r->pool,
                      " [%lu more %s lines from this client were not written "
                      "(NegotiateLogLimit)]", left_out, v->lines[i].tag));
    }
}

/* A Kerberos token grows with the user's groups: about 11 bytes of header
 * per group (8 bytes each in the PAC's GroupIds, [MS-PAC] 2.5, in base64;
 * measured: 1,909 bytes for 1 group, 8,325 for 600, 17,949 for 1,500).
 * httpd refuses a header longer than LimitRequestFieldSize with 400 before
 * any module runs, so the warning can only come while tokens still fit:
 * once per process, for the first one over three quarters of the limit. */
static void warn_header_headroom(request_rec *r, const neg_verdict *v)
{
    static volatile int warned;
    const char *name = is_proxy_auth(r) ? "Proxy-Authorization" : "Authorization";
    const char *h = apr_table_get(r->headers_in, name);
    size_t len, limit = (size_t)r->server->limit_req_fieldsize;

    if (warned || h == NULL || strcmp(v->id->mech, "kerberos") != 0)
        return;
    len = strlen(name) + 2 + strlen(h);
    if (4 * len <= 3 * limit)
        return;
    warned = 1;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, NEGLOGNO(0602)
                  "the Kerberos token of %s (%lu SIDs) took %lu of the %lu "
                  "bytes LimitRequestFieldSize allows a header line: users in "
                  "more groups (about 11 bytes each) will get 400 from httpd "
                  "before this module sees them; raise LimitRequestFieldSize "
                  "(e.g. to 65536) in this server", r->user,
                  (unsigned long)v->id->n_sids, (unsigned long)len,
                  (unsigned long)limit);
}

/* The person is known: REMOTE_USER in this location's format, AUTH_TYPE,
 * the environment, and the identity for the authorization providers. */
static int grant(request_rec *r, const neg_dir_conf *conf, const neg_verdict *v,
                 apr_time_t deadline)
{
    request_state *st = apr_pcalloc(r->pool, sizeof(*st));

    st->id = v->id;
    st->deadline = deadline;
    r->user = (char *)v->user;
    r->ap_auth_type = (char *)v->id->auth_type;
    ap_set_module_config(r->request_config, &auth_negotiate_module, st);
    neg_identity_publish(v->id, r->subprocess_env, r->pool,
                         conf->publish_groups == 1, deadline);
    warn_header_headroom(r, v);
    return OK;
}

static int has_no_body(const request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return apr_table_get(r->headers_in, "Transfer-Encoding") == NULL
        && (cl == NULL || strcmp(cl, "0") == 0);
}

/* A 401 to a request that expects "100 Continue" makes httpd close the
 * connection (ap_set_keepalive checks r->expecting_100), which kills a
 * connection-bound handshake. A request without a body (curl sends the
 * NEGOTIATE leg of a POST with Content-Length: 0 and Expect) cannot be
 * waiting for one: it expects nothing. Else take the body now, while the
 * status is still 200 so httpd sends the 100, and drop it: the client sends
 * it again with the final leg. */
static void drain_handshake_body(request_rec *r)
{
    if (!r->expecting_100)
        return;
    if (has_no_body(r))
        r->expecting_100 = 0;
    else
        ap_discard_request_body(r);
}

/* The verdict as httpd's answer. Every refusal's tag goes into the request
 * note negotiate-error, for LogFormat's %{negotiate-error}n. */
static int answer(request_rec *r, const neg_dir_conf *conf, const neg_verdict *v,
                  apr_time_t deadline)
{
    log_lines(r, v);
    neg_status_answer(r, v, neg_conn_get(r->connection, &auth_negotiate_module));
    if (v->tag != NULL)
        apr_table_setn(r->notes, "negotiate-error", v->tag);
    if (v->http11_required) {
        /* mod_http2 resets the stream with HTTP_1_1_REQUIRED for a 403 whose
         * request carries this note (mod_ssl's own way to ask for it) */
        apr_table_setn(r->notes, "ssl-renegotiate-forbidden", "1");
        return HTTP_FORBIDDEN;
    }
    if (v->token_len > 0)
        add_reply_header(r, v->scheme, v->token, v->token_len);
    switch (v->outcome) {
    case NEG_GRANT:
        return grant(r, conf, v, deadline);
    case NEG_CONTINUE:
        drain_handshake_body(r);
        return unauthorized(r);
    default:
        add_challenges(r, conf);
        return unauthorized(r);
    }
}

/* MS-N2HT 3.3.5: Persistent-Auth on the response of a request a token
 * authenticated (not Basic, whose every request carries its credentials):
 * true when the connection stays authenticated (NTLM; Kerberos with
 * NegotiatePersistKerberos On), so that the client sends no token with the
 * next requests on it; false when every request must bring its own. In
 * headers_out: httpd sends them with a 2xx or 3xx answer, not an error. */
static void persistent_auth(request_rec *r, const neg_logon_ctx *ctx,
                            const neg_verdict *v)
{
    if (v->outcome != NEG_GRANT || strcmp(v->id->mech, "basic") == 0
        || r->main != NULL)
        return;
    apr_table_setn(r->headers_out, "Persistent-Auth",
                   ctx->conn != NULL && ctx->conn->state == NEG_CONN_AUTHENTICATED
                   ? "true" : "false");
}

/* A handshake's next leg must come on this connection (NTLM's CHALLENGE,
 * a SPNEGO counter-proposal). httpd closes a connection with the response
 * to the request that finds c->keepalives at MaxKeepAliveRequests
 * (ap_set_keepalive), and a challenge in that response could never be
 * answered: the AUTHENTICATE would come on a new connection, which has no
 * handshake, and be refused. Rather than send a challenge that cannot be
 * completed (or a bare 401 that makes the client start over, only to meet
 * the same limit on its next connection at the same point), this
 * connection is allowed one more request, once, so that the handshake can
 * end; the response to that request then closes it. */
static void keep_handshake_alive(request_rec *r, const neg_logon_ctx *ctx,
                                 const neg_verdict *v)
{
    conn_rec *c = r->connection;
    int max = r->server->keep_alive_max;

    if (v->outcome != NEG_CONTINUE || ctx->conn == NULL || max <= 0
        || c->keepalives < max || c->keepalive == AP_CONN_CLOSE)
        return;
    if (apr_table_get(c->notes, "negotiate-keepalive-extended") != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, NEGLOGNO(0118)
                      "this connection ends with this response "
                      "(MaxKeepAliveRequests %d, already extended once for a "
                      "handshake): the client must start its handshake again "
                      "on a new connection; raise MaxKeepAliveRequests (0: no "
                      "limit)", max);
        return;
    }
    apr_table_setn(c->notes, "negotiate-keepalive-extended", "1");
    c->keepalives--;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, NEGLOGNO(0117)
                  "the handshake's challenge would have been the last "
                  "response on this connection (MaxKeepAliveRequests %d): "
                  "one more request is allowed on it so that the client can "
                  "answer; raise MaxKeepAliveRequests (0: no limit)", max);
}

/* ====================================================== hooks */

static int is_our_auth_type(const char *type)
{
    return type != NULL && strcasecmp(type, AUTH_TYPE_NEGOTIATE) == 0;
}

/* The request an internal redirect or subrequest came from, if it was
 * authenticated by this module: its identity is carried over (the token
 * was single-use), where this location admits how it was proved. */
static const request_state *origin_state(request_rec *r)
{
    const request_rec *src = r->main ? r->main : r->prev;

    if (ap_is_initial_req(r) || src == NULL || src->user == NULL)
        return NULL;
    return state_of(src);
}

/* The identity of the request an internal redirect or subrequest came
 * from, where this location admits it (NEG_VIA_REQUEST). One that came in
 * a session cookie is still a session's: this location's passphrase must
 * be the one that decrypted it. */
static void carry(request_rec *r, neg_logon_ctx *ctx, const neg_identity *id,
                  neg_verdict *v)
{
    unsigned char *mine = apr_palloc(r->pool, NEG_SESSION_CRYPTO_LEN);

    if (id->bearer && neg_session_crypto_digest(r, mine))
        ctx->session_crypto = mine;
    neg_logon_reuse(ctx, id, NEG_VIA_REQUEST, v);
}

static int check_authn(request_rec *r)
{
    const neg_dir_conf *conf;
    const request_state *origin;
    neg_logon_ctx ctx;
    neg_verdict v;
    apr_time_t deadline;

    if (!is_our_auth_type(ap_auth_type(r)))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &auth_negotiate_module);
    if (conf->require_tls == 1 && !is_tls(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0601)
                      "refused a plain-HTTP request: this location requires "
                      "TLS (NegotiateRequireTLS On); use https://");
        apr_table_setn(r->notes, "negotiate-error", "NEG0601");
        neg_status_refused("NEG0601");
        return HTTP_FORBIDDEN;
    }
    origin = origin_state(r);
    deadline = origin ? origin->deadline
                      : apr_time_now() + apr_time_from_msec(neg_winbind_timeout_ms(conf));
    logon_ctx(r, conf, deadline, &ctx);
    if (origin != NULL)
        carry(r, &ctx, origin->id, &v);
    else
        neg_session_logon(r, &ctx, apr_table_get(r->headers_in, is_proxy_auth(r)
                          ? "Proxy-Authorization" : "Authorization"), &v);
    persistent_auth(r, &ctx, &v);
    keep_handshake_alive(r, &ctx, &v);
    return answer(r, conf, &v, deadline);
}

/* REMOTE_USER and AUTH_TYPE in the request's environment, with the values
 * httpd gives CGI (RFC 3875 4.1.1, 4.1.11), for what reads the environment
 * instead of r->user: mod_headers' "%{REMOTE_USER}e" on a proxied request
 * (nothing else puts it there; ap_add_common_vars only does for CGI-style
 * handlers, with the same values), LogFormat's %{...}e. Only for requests
 * this module authenticated (internal redirects and subrequests included:
 * each has its own state), read at fixup time so that they agree with
 * r->user whatever ran since; before mod_headers' fixup. */
static int publish_cgi_identity(request_rec *r)
{
    if (state_of(r) == NULL || r->user == NULL)
        return DECLINED;
    apr_table_setn(r->subprocess_env, "REMOTE_USER", r->user);
    if (r->ap_auth_type != NULL)
        apr_table_setn(r->subprocess_env, "AUTH_TYPE", r->ap_auth_type);
    return DECLINED;
}

/* httpd asks the module of the configured AuthType for its challenge when
 * authorization fails for a request that has not authenticated. */
static int note_auth_failure(request_rec *r, const char *auth_type)
{
    if (!is_our_auth_type(auth_type))
        return DECLINED;
    add_challenges(r, ap_get_module_config(r->per_dir_config,
                                           &auth_negotiate_module));
    return OK;
}

/* ====================================================== authorization */

/* The logon this module made for the request. A user another module
 * authenticated is an error, not a denial: under Require not, httpd turns
 * a denial into "neutral", which would let that user in. */
static authz_status state_for_authz(request_rec *r, const char *provider,
                                    const request_state **st)
{
    if (r->user == NULL)
        return AUTHZ_DENIED_NO_USER;
    *st = state_of(r);
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
    return AUTHZ_GRANTED;
}

typedef enum { NOT_MEMBER = 0, MEMBER, UNDECIDED } membership;

/* Is one of the logon's group SIDs (0 is the user) a SID of the group
 * named `wanted`? The name is resolved to its SID(s) through winbind, once
 * per process and name (winbind.c caches it); a bare name to the group of
 * that name in each domain winbind knows. NOT_MEMBER only when the SIDs
 * are known, or winbind showed there is no such group; else UNDECIDED,
 * and *why says what winbind answered. */
static membership member_of(const request_state *st, const char *wanted,
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
    const request_state *st = NULL;
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
    const request_state *st = NULL;
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
        remember(seen.unchecked_groups, apr_pstrdup(cmd->pool, name));
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

/* ====================================================== start-up checks */

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
    const neg_dir_conf *c = ap_get_module_config(sec, &auth_negotiate_module);

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

/* Group names whose domain winbind could not check while the
 * configuration was read (see check_group_domain). */
static void warn_unchecked_groups(apr_pool_t *p, server_rec *s)
{
    const char *names = "";
    int i;

    if (seen.unchecked_groups->nelts == 0)
        return;
    for (i = 0; i < seen.unchecked_groups->nelts; i++)
        names = add_to_list(p, names, APR_ARRAY_IDX(seen.unchecked_groups, i, const char *));
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0022)
                 "the domains of the group names of Require negotiate-group "
                 "could not be checked (%s): winbind did not answer within "
                 "%d ms; a name of a domain winbind does not know leaves "
                 "every decision that needs it an error (500, NEG0707) at "
                 "run time; check winbindd (wbinfo -p), then apachectl -t",
                 names, DOMAIN_CHECK_MS);
}

/* ====================================================== process hooks */

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    seen.delegation_dirs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.keytabs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.mapped_realms = apr_array_make(pconf, 2, sizeof(const char *));
    seen.unchecked_groups = apr_array_make(pconf, 2, sizeof(const char *));
    seen.short_format = 0;
    neg_replay_pre_config(pconf);
    neg_session_memo_pre_config();
    neg_log_limit_configure(NEG_LOG_LIMIT_DEFAULT_COUNT, NEG_LOG_LIMIT_DEFAULT_SECONDS);
    neg_wb_configure_defaults();        /* a directive removed goes back to its default */
    return OK;
}

static apr_status_t unshare_winbind_slots(void *unused)
{
    (void)unused;
    neg_wb_unshare_slots();
    return APR_SUCCESS;
}

/* The winbind pool follows the MPM: a child of a threaded MPM serves
 * ThreadsPerChild requests at once, one of prefork one
 * (AP_MPMQ_MAX_THREADS is 1 there). Its slots of the connection budget
 * are taken back once it is gone (wb_slots.h). */
static void winbind_child_init(void)
{
    int threads = 1;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1)
        threads = 1;
    neg_wb_configure_process(threads);
}

static void test_config(apr_pool_t *pconf, server_rec *s)
{
    check_delegation_dirs(s);
    warn_unchecked_groups(pconf, s);
    check_short_format(pconf, s);
    neg_startup_checks(pconf, s, &auth_negotiate_module);
    check_keepalive(pconf, s);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    if (!check_delegation_dirs(s))
        return HTTP_INTERNAL_SERVER_ERROR;
    /* once, not in the first of httpd's two configuration passes */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        warn_unchecked_groups(ptemp, s);
        check_short_format(ptemp, s);
        neg_startup_checks(ptemp, s, &auth_negotiate_module);
        /* at start-up, not at every graceful restart */
        if (ap_state_query(AP_SQ_CONFIG_GEN) <= 1)
            check_keepalive(ptemp, s);
    }
    neg_status_post_config(pconf, s, seen.keytabs);
    if (neg_wb_share_slots())
        apr_pool_cleanup_register(pconf, NULL, unshare_winbind_slots,
                                  apr_pool_cleanup_null);
    else
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, NEGLOGNO(0002)
                     "cannot share the slots for opening winbind connections "
                     "and the budget of open ones (NegotiateWinbindConnections) "
                     "among httpd children; each child limits only its own "
                     "(bursts after idle periods may stall, and the children "
                     "together may hold more connections)");
    return neg_replay_post_config(pconf, ptemp, s);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!neg_krb5_init(pchild))
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0001)
                     "cannot create the Kerberos credential registry lock");
    neg_replay_child_init(pchild, s);
    winbind_child_init();
}

static void register_hooks(apr_pool_t *p)
{
    static const char *const before_headers[] = { "mod_headers.c", NULL };

    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(publish_cgi_identity, NULL, before_headers, APR_HOOK_MIDDLE);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(test_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    neg_status_register_hooks(p);
    neg_session_register_hooks(p);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "negotiate-group",
                              AUTHZ_PROVIDER_VERSION, &group_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "negotiate-sid",
                              AUTHZ_PROVIDER_VERSION, &sid_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

module AP_MODULE_DECLARE_DATA auth_negotiate_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    NULL,
    NULL,
    neg_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
