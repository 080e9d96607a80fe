/*
 * directives.c - mod_auth_negotiate's configuration: the per-directory
 * structure (config.h) made and merged, and every directive read, checked
 * and recorded (see directives.h). Part of the httpd glue: values are
 * checked here, when the configuration is read, with an error that says
 * what is allowed.
 */
#include "directives.h"

#include <string.h>
#include <strings.h>

#include "http_config.h"
#include "http_core.h"
#include "http_log.h"

#include "apr_strings.h"

#include "config.h"
#include "kerberos.h"
#include "failure_limit.h"
#include "log_limit.h"
#include "replay.h"
#include "startup.h"
#include "winbind.h"

/* ====================================================== configuration */

void *neg_create_dir_conf(apr_pool_t *p, char *dir)
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
    c->logout_quiet_s = -1;
    return c;
}

#define MERGE_INT(f) c->f = add->f != -1 ? add->f : base->f

void *neg_merge_dir_conf(apr_pool_t *p, void *base_v, void *add_v)
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
    MERGE_INT(logout_quiet_s);
    c->login_form = add->login_form_set ? add->login_form : base->login_form;
    c->login_form_set = add->login_form_set || base->login_form_set;
    c->realm_map = add->realm_map ? add->realm_map : base->realm_map;
    c->delegation_dir = add->delegation_set ? add->delegation_dir : base->delegation_dir;
    c->delegation_set = add->delegation_set || base->delegation_set;
    c->delegate_to = add->delegate_to ? add->delegate_to : base->delegate_to;
    return c;
}

/* ====================================================== directives */

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
    neg_startup_seen_keytab(c->keytab);
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
        neg_startup_seen_short_format();
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
    neg_startup_seen_mapped_realm(apr_pstrdup(cmd->pool, realm));
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
    neg_startup_seen_delegation_dir(path);
    return NULL;
}

/* NegotiateDelegateTo SPN... | None: each SPN a service principal
 * (service/host, optionally @REALM; no spaces). */
static const char *add_delegate_to(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;

    if (c->delegate_to == NULL)
        c->delegate_to = apr_array_make(cmd->pool, 2, sizeof(const char *));
    if (strcasecmp(arg, "None") == 0)
        return NULL;
    if (strchr(arg, '/') == NULL || arg[0] == '/' || arg[0] == '@')
        return apr_psprintf(cmd->pool, "NegotiateDelegateTo: %s is not a "
                            "service principal name: give service/host "
                            "(e.g. HTTP/api.example.test or "
                            "postgres/db.example.test@EXAMPLE.TEST), or None",
                            arg);
    APR_ARRAY_PUSH(c->delegate_to, const char *) = apr_pstrdup(cmd->pool, arg);
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

static const char *set_replay_cache_state(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    return err ? err : neg_replay_set_state(cmd->pool, arg);
}

static const char *set_replay_cache_key(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    return err ? err : neg_replay_set_key(cmd->pool, arg);
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

static const char *set_failure_limit(cmd_parms *cmd, void *dummy, const char *count,
                                     const char *seconds)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long n;
    int sec = NEG_FAILURE_LIMIT_DEFAULT_SECONDS;

    if (err != NULL)
        return err;
    n = strtol(count, &end, 10);
    if (*count == '\0' || *end != '\0' || n < 0 || n > 1000)
        return apr_psprintf(cmd->pool, "NegotiateFailureLimit: '%s' is not "
                            "allowed; give a number of failed password logons "
                            "from 0 (no limit) to 1000, then seconds", count);
    err = seconds ? parse_seconds(cmd, seconds, 1, 86400, &sec) : NULL;
    if (err == NULL)
        neg_failure_limit_configure((int)n, sec);
    return err;
}

/* NegotiateLoginForm: a local path ("/login"), or None. */
static const char *set_login_form(cmd_parms *cmd, void *conf_v, const char *arg)
{
    neg_dir_conf *c = conf_v;
    const char *q;

    c->login_form_set = 1;
    if (strcasecmp(arg, "None") == 0) {
        c->login_form = NULL;
        return NULL;
    }
    if (arg[0] != '/' || arg[1] == '/' || arg[1] == '\\')
        return apr_psprintf(cmd->pool, "NegotiateLoginForm: '%s' is not a "
                            "path on this server (/login), nor None", arg);
    for (q = arg; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f || *q == '"' || *q == '<'
            || *q == '>' || *q == '\\' || *q == '?' || *q == '#' || *q == '&')
            return apr_psprintf(cmd->pool, "NegotiateLoginForm: '%s' holds a "
                                "character a path here may not (space, quote, "
                                "<, >, \\, ?, #, &)", arg);
    c->login_form = arg;
    return NULL;
}

static const char *set_logout_quiet(cmd_parms *cmd, void *conf_v, const char *arg)
{
    if (strcmp(arg, "0") == 0) {
        ((neg_dir_conf *)conf_v)->logout_quiet_s = 0;
        return NULL;
    }
    return parse_seconds(cmd, arg, 1, 86400, &((neg_dir_conf *)conf_v)->logout_quiet_s);
}

static const char *set_session_lifetime(cmd_parms *cmd, void *conf_v, const char *arg)
{
    return parse_seconds(cmd, arg, 1, 86400,
                         &((neg_dir_conf *)conf_v)->session_lifetime_s);
}

const command_rec neg_cmds[] = {
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
    AP_INIT_ITERATE("NegotiateDelegateTo", add_delegate_to, NULL,
                    ACCESS_CONF | RSRC_CONF,
                    "SPN... | None: after a logon, get tickets as the user to "
                    "these back-end services (constrained delegation) into a "
                    "ccache in NegotiateDelegationDir and publish KRB5CCNAME"),
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
    AP_INIT_TAKE1("NegotiateReplayCacheState", set_replay_cache_state, NULL, RSRC_CONF,
                  "A file, written by root when httpd stops, that keeps the "
                  "shmcb replay cache's authenticators for the next start "
                  "(default: auth_negotiate_replay.state in DefaultRuntimeDir)"),
    AP_INIT_TAKE1("NegotiateReplayCacheKey", set_replay_cache_key, NULL, RSRC_CONF,
                  "A file of at least 32 random bytes, read at start-up, "
                  "that keys the replay cache's entries; required, and the "
                  "same on every server, for redis and memcache (default: "
                  "a random key at each start)"),
    AP_INIT_TAKE12("NegotiateFailureLimit", set_failure_limit, NULL, RSRC_CONF,
                   "COUNT [SECONDS]: at most COUNT failed password logons of "
                   "one user from one address reach the domain in SECONDS "
                   "(default 3 300; 0: no limit)"),
    AP_INIT_TAKE1("NegotiateLoginForm", set_login_form, NULL, OR_AUTHCFG,
                  "PATH of the login form (SetHandler negotiate-login) where "
                  "browsers that cannot sign in silently are sent, or None"),
    AP_INIT_TAKE1("NegotiateLogoutQuiet", set_logout_quiet, NULL, OR_AUTHCFG,
                  "seconds after signing out during which a browser is sent "
                  "to the login form without a challenge (default 60; 0: off)"),
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

