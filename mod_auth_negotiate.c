/*
 * mod_auth_negotiate.c - Integrated Windows Authentication for httpd 2.4.
 *
 * httpd glue only: directives, configuration create/merge, hooks, and
 * turning a layer's result into a status, headers and the environment.
 * The layers live in src/: header.c (Authorization header), spnego.c
 * (GSS/SPNEGO framing), kerberos.c (Heimdal acceptor), ntlm.c and
 * ntlm_auth.c (NTLMSSP), winbind.c (the domain), conn.c (per-connection
 * state).
 *
 * RFC 4559: an anonymous request gets 401 with one WWW-Authenticate per
 * offered scheme; the client answers with "Negotiate <token>"; a success
 * carries the acceptor's mutual-authentication token back on the 2xx.
 */
#include <errno.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "mod_auth.h"

#include "apr_base64.h"
#include "apr_general.h"
#include "apr_strings.h"

#include "config.h"
#include "conn.h"
#include "header.h"
#include "identity.h"
#include "kerberos.h"
#include "ntlm.h"
#include "ntlm_auth.h"
#include "replay.h"
#include "spnego.h"
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
    c->realm_map = add->realm_map ? add->realm_map : base->realm_map;
    c->delegation_dir = add->delegation_set ? add->delegation_dir : base->delegation_dir;
    c->delegation_set = add->delegation_set || base->delegation_set;
    return c;
}

static const neg_provider default_providers[] = {
    NEG_PROVIDER_NEGOTIATE, NEG_PROVIDER_NTLM
};

/* The effective provider list: the configured one or the default. */
static const neg_provider *providers_of(const neg_dir_conf *c, int *n)
{
    if (c->n_providers > 0) {
        *n = c->n_providers;
        return c->providers;
    }
    *n = (int)(sizeof(default_providers) / sizeof(default_providers[0]));
    return default_providers;
}

static int has_provider(const neg_dir_conf *c, neg_provider want)
{
    int i, n;
    const neg_provider *list = providers_of(c, &n);

    for (i = 0; i < n; i++) {
        if (list[i] == want)
            return 1;
    }
    return 0;
}

static apr_size_t max_token_of(const neg_dir_conf *c)
{
    return c->max_token == NEG_UNSET_SIZE ? NEG_DEFAULT_MAX_TOKEN : c->max_token;
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
    else if (strcasecmp(arg, "short") == 0)
        c->user_format = NEG_USER_SHORT;
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
    if (path == NULL || apr_stat(&finfo, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS
        || finfo.filetype != APR_DIR)
        return apr_psprintf(cmd->pool, "NegotiateDelegationDir: %s is not a "
                            "directory; give a directory writable only by the "
                            "Apache user (e.g. mode 0700), or Off", arg);
    c->delegation_dir = path;
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

static const char *set_replay_cache(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    return err ? err : neg_replay_set(cmd->pool, arg);
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
    AP_INIT_FLAG("NegotiateRequireTLS", ap_set_flag_slot,
                 (void *)APR_OFFSETOF(neg_dir_conf, require_tls), ACCESS_CONF | RSRC_CONF,
                 "On to refuse every mechanism on plain HTTP (default Off)"),
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
    AP_INIT_TAKE1("NegotiateWinbindThreads", set_winbind_threads, NULL, RSRC_CONF,
                  "Threads per process that talk to winbind, each with its "
                  "own connection (default 8)"),
    { NULL }
};

/* ====================================================== policy */

static int scheme_offered(request_rec *r, const neg_dir_conf *conf, neg_scheme s);

static int is_tls(request_rec *r)
{
    return ap_ssl_conn_is_ssl(r->connection->master ? r->connection->master
                                                    : r->connection);
}

/* Basic sends the password: offered and accepted on TLS only, unless the
 * admin explicitly allows plain HTTP. */
static int basic_offered(request_rec *r, const neg_dir_conf *conf)
{
    return conf->basic == 1 && (is_tls(r) || conf->basic_plain_http == 1);
}

static int timeout_ms_of(const neg_dir_conf *c)
{
    return c->winbind_timeout_ms != -1 ? c->winbind_timeout_ms
                                       : NEG_DEFAULT_WINBIND_TIMEOUT_MS;
}

static neg_user_format format_of(const neg_dir_conf *c)
{
    return c->user_format == NEG_USER_UNSET ? NEG_USER_UPN : c->user_format;
}

/* ====================================================== responses */

static void add_challenges(request_rec *r, const neg_dir_conf *conf)
{
    int i, n;
    const neg_provider *list = providers_of(conf, &n);

    for (i = 0; i < n; i++) {
        apr_table_add(r->err_headers_out, "WWW-Authenticate",
                      list[i] == NEG_PROVIDER_NTLM ? "NTLM" : "Negotiate");
    }
    if (basic_offered(r, conf)) {
        const char *realm = ap_auth_name(r) ? ap_auth_name(r) : "";

        apr_table_add(r->err_headers_out, "WWW-Authenticate",
                      apr_pstrcat(r->pool, "Basic realm=\"",
                                  ap_escape_quotes(r->pool, realm), "\"", NULL));
    }
}

/* Every path that does not prove an identity ends here: 401 and a fresh
 * challenge. */
static int challenge(request_rec *r, const neg_dir_conf *conf)
{
    add_challenges(r, conf);
    return HTTP_UNAUTHORIZED;
}

static void add_reply_header(request_rec *r, const char *scheme,
                             const unsigned char *tok, size_t len)
{
    char *b64 = apr_palloc(r->pool, apr_base64_encode_len((int)len));

    apr_base64_encode_binary(b64, tok, (int)len);
    apr_table_add(r->err_headers_out, "WWW-Authenticate",
                  apr_pstrcat(r->pool, scheme, " ", b64, NULL));
}

static const char *providers_text(request_rec *r, const neg_dir_conf *conf)
{
    static const char *names[] = { "", "Negotiate", "Negotiate:Kerberos", "NTLM" };
    const char *s = "NegotiateProviders";
    int i, n;
    const neg_provider *list = providers_of(conf, &n);

    for (i = 0; i < n; i++)
        s = apr_pstrcat(r->pool, s, " ", names[list[i]], NULL);
    if (conf->basic == 1)
        s = apr_pstrcat(r->pool, s, basic_offered(r, conf) ? ", NegotiateBasic On"
                        : ", NegotiateBasic On (but not on plain HTTP)", NULL);
    return s;
}

/* ====================================================== identity */

static const neg_identity *request_identity(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &auth_negotiate_module);
}

/* The person is known: REMOTE_USER in this location's format, AUTH_TYPE,
 * the environment, and the identity for the authorization providers. */
static int grant(request_rec *r, const neg_dir_conf *conf, const neg_identity *id)
{
    const char *name = neg_identity_name(id, format_of(conf), r->pool);

    if (name == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0401)
                      "refused %s: NegotiateUserFormat down-level needs the "
                      "NetBIOS domain of the realm %s, and the ticket carries "
                      "no PAC: add NegotiateRealmMap %s <NETBIOS>",
                      id->principal, id->realm, id->realm);
        return challenge(r, conf);
    }
    r->user = (char *)name;
    r->ap_auth_type = (char *)id->auth_type;
    ap_set_module_config(r->request_config, &auth_negotiate_module, (void *)id);
    neg_identity_publish(id, r->subprocess_env, r->pool, conf->publish_groups == 1,
                         timeout_ms_of(conf));
    return OK;
}

/* ====================================================== Kerberos */

/* Authenticators live as long as the acceptor would take them: the
 * clock-skew window on either side of now. */
#define REPLAY_WINDOW apr_time_from_sec(2 * 300)

static int refuse_replay(request_rec *r, const neg_krb5_result *k)
{
    if (!k->has_replay_key)
        return 0;
    switch (neg_replay_check(r->server, k->replay_key, apr_time_now() + REPLAY_WINDOW,
                             r->pool)) {
    case NEG_REPLAY_FRESH:
        return 0;
    case NEG_REPLAY_SEEN:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0206)
                      "refused a replayed Kerberos authenticator of %s for %s: "
                      "the same AP-REQ was accepted before (NegotiateReplayCache %s)",
                      k->principal, k->service, neg_replay_name());
        return 1;
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0207)
                      "refused the Kerberos ticket of %s: the replay cache "
                      "(NegotiateReplayCache %s) did not answer; is it "
                      "reachable?", k->principal, neg_replay_name());
        return 1;
    }
}

/* NegotiatePersistKerberos: like NTLM, the connection is that user from
 * now on. Delegated credentials belong to the request, not to it. */
static void bind_kerberos_identity(request_rec *r, const neg_identity *id)
{
    neg_conn *nc;

    if (r->connection->master != NULL)
        return;                 /* HTTP/2 streams are not one client */
    nc = neg_conn_get(r->connection, &auth_negotiate_module);
    neg_conn_reset(nc);
    nc->id = *neg_identity_copy(nc->pool, id);
    nc->id.ccache = NULL;
    nc->state = NEG_CONN_AUTHENTICATED;
}

/* Accept a krb5 token; framing is SPNEGO when spnego_mech is not NONE, in
 * which case the reply is a NegTokenResp naming the mechanism the client
 * chose, in the OID it used (RFC 4178 section 4.2.2). */
static int accept_kerberos(request_rec *r, const neg_dir_conf *conf,
                           const neg_bytes *tok, neg_mech spnego_mech)
{
    const char *err, *warn;
    neg_krb5_acceptor *acc;
    neg_krb5_result k;
    neg_identity *id;
    int ok;

    acc = neg_krb5_acquire(conf->keytab, conf->principals, r->pool, &err, &warn);
    if (warn != NULL)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, NEGLOGNO(0201) "%s", warn);
    if (acc == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0202)
                      "Kerberos is unavailable: %s", err);
        return challenge(r, conf);
    }
    ok = neg_krb5_accept(acc, tok->data, tok->len, r->pool, conf->delegation_dir, &k);
    neg_krb5_release(acc);
    if (!ok) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0203)
                      "Kerberos authentication failed: %s", k.error);
        return challenge(r, conf);
    }
    if (refuse_replay(r, &k))
        return challenge(r, conf);
    id = apr_pcalloc(r->pool, sizeof(*id));
    err = neg_identity_from_kerberos(id, r->pool, k.principal, k.pac, k.pac_len,
                                     conf->realm_map);
    if (err != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0204)
                      "refused the Kerberos ticket of %s: %s", k.principal, err);
        return challenge(r, conf);
    }
    if (k.ccache_error != NULL)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, NEGLOGNO(0205)
                      "%s: the application gets no KRB5CCNAME", k.ccache_error);
    id->ccache = k.ccache;

    if (spnego_mech == NEG_MECH_NONE && k.reply_len > 0) {
        add_reply_header(r, "Negotiate", k.reply, k.reply_len);
    }
    else if (spnego_mech != NEG_MECH_NONE) {
        size_t n = neg_encode_resp(NEG_STATE_ACCEPT_COMPLETED, spnego_mech,
                                   k.reply, k.reply_len, NULL, 0, NULL, 0);
        unsigned char *buf = apr_palloc(r->pool, n);

        neg_encode_resp(NEG_STATE_ACCEPT_COMPLETED, spnego_mech, k.reply,
                        k.reply_len, NULL, 0, buf, n);
        add_reply_header(r, "Negotiate", buf, n);
    }
    if (conf->persist_kerberos == 1)
        bind_kerberos_identity(r, id);
    return grant(r, conf, id);
}

/* ====================================================== NTLM */

static neg_ntlm_opts ntlm_opts(const neg_dir_conf *c)
{
    neg_ntlm_opts o;

    o.allow_v1 = c->ntlm_v1 == 1;
    o.timeout_ms = timeout_ms_of(c);
    o.lifetime = apr_time_from_sec(c->ntlm_lifetime_s != -1
                                   ? c->ntlm_lifetime_s : NEG_DEFAULT_NTLM_LIFETIME_S);
    return o;
}

/* NTLM is allowed under the bare scheme when NTLM is offered (checked
 * before), and inside Negotiate unless it is Negotiate:Kerberos. */
static int ntlm_refused_here(request_rec *r, const neg_dir_conf *conf,
                             neg_scheme scheme, const char *framing)
{
    if (scheme == NEG_SCHEME_NEGOTIATE
        && !has_provider(conf, NEG_PROVIDER_NEGOTIATE)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0301)
                      "refused an NTLM token (%s) under Negotiate: %s allows "
                      "only Kerberos inside Negotiate; the client could not "
                      "get a Kerberos ticket for this server (check the SPN "
                      "for the host name in the URL)",
                      framing, providers_text(r, conf));
        return 1;
    }
    if (r->connection->master != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0302)
                      "refused an NTLM token over HTTP/2: NTLM authenticates "
                      "a connection, and HTTP/2 multiplexes requests on one; "
                      "use Kerberos, or offer only http/1.1 to these clients "
                      "(Protocols http/1.1)");
        return 1;
    }
    return 0;
}

/* A 401 to a request that expects "100 Continue" makes httpd close the
 * connection, which kills a connection-bound handshake. Take the body now,
 * while the status is still 200 so httpd sends the 100, and drop it: the
 * client sends it again with the final leg. */
static void drain_handshake_body(request_rec *r)
{
    if (r->expecting_100)
        ap_discard_request_body(r);
}

static int send_ntlm_challenge(request_rec *r, neg_conn *nc,
                               const unsigned char *t2, size_t t2_len)
{
    if (nc->spnego) {
        /* RFC 4178 4.2.2: accept-incomplete, NTLMSSP, the CHALLENGE. */
        size_t n = neg_encode_resp(NEG_STATE_ACCEPT_INCOMPLETE, NEG_MECH_NTLMSSP,
                                   t2, t2_len, NULL, 0, NULL, 0);
        unsigned char *buf = apr_palloc(r->pool, n);

        neg_encode_resp(NEG_STATE_ACCEPT_INCOMPLETE, NEG_MECH_NTLMSSP, t2, t2_len,
                        NULL, 0, buf, n);
        add_reply_header(r, neg_scheme_name(nc->scheme), buf, n);
    }
    else {
        add_reply_header(r, neg_scheme_name(nc->scheme), t2, t2_len);
    }
    return HTTP_UNAUTHORIZED;
}

static int handle_ntlm_negotiate(request_rec *r, const neg_dir_conf *conf,
                                 neg_scheme scheme, const neg_bytes *msg,
                                 const neg_token *init)
{
    neg_conn *nc = neg_conn_get(r->connection, &auth_negotiate_module);
    neg_ntlm_opts o = ntlm_opts(conf);
    const unsigned char *t2;
    size_t t2_len;
    const char *err;

    /* A NEGOTIATE always starts over, even on an authenticated connection. */
    neg_conn_reset(nc);
    nc->scheme = scheme;
    nc->spnego = init != NULL;
    if (init != NULL) {
        nc->mech_list = apr_pmemdup(nc->pool, init->mech_list.data, init->mech_list.len);
        nc->mech_list_len = init->mech_list.len;
    }
    if (neg_ntlm_challenge(nc, msg->data, msg->len, &o, &t2, &t2_len, &err)
        != NEG_NTLM_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0303) "%s", err);
        neg_conn_reset(nc);
        return challenge(r, conf);
    }
    drain_handshake_body(r);
    return send_ntlm_challenge(r, nc, t2, t2_len);
}

/* SPNEGO after NTLM (MS-SPNG 3.2.5.1): when the NTLM messages carried a
 * MIC, the client's mechListMIC over its mechTypes is required; we verify
 * it and answer with ours, both signed with the NTLM session key. */
static const char *check_mech_list_mic(neg_conn *nc, const neg_token *resp,
                                       const unsigned char key[16], uint32_t flags,
                                       int had_mic)
{
    unsigned char want[16];

    if (resp->mech_list_mic.len == 0)
        return had_mic ? "the client protected NTLM with a MIC but sent no "
                         "SPNEGO mechListMIC" : NULL;
    if (!(flags & NTLM_F_ESS))
        return "a SPNEGO mechListMIC needs NTLM extended session security";
    ntlm_sign(key, flags, NTLM_CLIENT_TO_SERVER, 0, nc->mech_list,
              nc->mech_list_len, want);
    if (resp->mech_list_mic.len != 16 || !ntlm_equal(want, resp->mech_list_mic.data, 16))
        return "the SPNEGO mechListMIC does not match (mechanism list altered?)";
    return NULL;
}

static void send_spnego_completion(request_rec *r, neg_conn *nc,
                                   const unsigned char key[16], uint32_t flags)
{
    unsigned char mic[16];
    unsigned char buf[64];
    size_t n;

    ntlm_sign(key, flags, NTLM_SERVER_TO_CLIENT, 0, nc->mech_list,
              nc->mech_list_len, mic);
    n = neg_encode_resp(NEG_STATE_ACCEPT_COMPLETED, NEG_MECH_NONE, NULL, 0,
                        mic, sizeof(mic), buf, sizeof(buf));
    add_reply_header(r, "Negotiate", buf, n);
}

static int handle_ntlm_authenticate(request_rec *r, const neg_dir_conf *conf,
                                    neg_scheme scheme, const neg_bytes *msg,
                                    const neg_token *spnego)
{
    neg_conn *nc = neg_conn_get(r->connection, &auth_negotiate_module);
    neg_ntlm_opts o = ntlm_opts(conf);
    unsigned char key[16];
    const char *err = NULL;
    int had_mic = 0;
    uint32_t flags = 0;
    const neg_token *resp = spnego && spnego->kind == NEG_TOKEN_SPNEGO_RESP
                            ? spnego : NULL;

    /* A NegTokenInit is an initial token: an AUTHENTICATE inside one is
     * out of sequence, whatever framing the NEGOTIATE had. */
    if (spnego != NULL && resp == NULL)
        err = "refused an NTLM AUTHENTICATE message inside a SPNEGO "
              "NegTokenInit: it belongs in a NegTokenResp that answers our "
              "challenge";
    else if (nc->state == NEG_CONN_CHALLENGED
        && (nc->scheme != scheme || nc->spnego != (resp != NULL)))
        err = "refused an NTLM AUTHENTICATE message framed differently from "
              "the NEGOTIATE that started the handshake";
    else if (neg_ntlm_authenticate(nc, msg->data, msg->len, &o, r->pool, key,
                                   &flags, &had_mic, &err) == NEG_NTLM_OK
             && resp != NULL)
        err = check_mech_list_mic(nc, resp, key, flags, had_mic);
    if (err != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0304) "%s", err);
        neg_conn_reset(nc);
        memset(key, 0, sizeof(key));
        return challenge(r, conf);
    }
    if (resp != NULL)
        send_spnego_completion(r, nc, key, flags);
    memset(key, 0, sizeof(key));
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, NEGLOGNO(0305)
                  "NTLM: authenticated %s\\%s", nc->id.domain, nc->id.account);
    return grant(r, conf, &nc->id);
}

/* One NTLM message, raw or from inside SPNEGO. */
static int ntlm_step(request_rec *r, const neg_dir_conf *conf, neg_scheme scheme,
                     const neg_bytes *msg, const neg_token *spnego)
{
    const char *framing = spnego ? "inside SPNEGO" : "raw NTLMSSP";

    if (ntlm_refused_here(r, conf, scheme, framing))
        return challenge(r, conf);
    switch (ntlm_message_type(msg->data, msg->len)) {
    case 1:
        return handle_ntlm_negotiate(r, conf, scheme, msg,
                                     spnego && spnego->kind == NEG_TOKEN_SPNEGO_INIT
                                     ? spnego : NULL);
    case 3:
        return handle_ntlm_authenticate(r, conf, scheme, msg, spnego);
    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0306)
                      "refused an NTLM message (%s) that is neither NEGOTIATE "
                      "nor AUTHENTICATE", framing);
        return challenge(r, conf);
    }
}

/* ====================================================== connection */

static neg_conn *peek_connection(request_rec *r)
{
    conn_rec *c = r->connection->master ? r->connection->master : r->connection;

    return ap_get_module_config(c->conn_config, &auth_negotiate_module);
}

/* Would this location accept the mechanism that bound the identity? */
static int mech_allowed_here(request_rec *r, const neg_dir_conf *conf,
                             const neg_identity *id)
{
    if (strcmp(id->mech, "basic") == 0)
        return basic_offered(r, conf);
    if (strcmp(id->mech, "kerberos") == 0)
        return conf->persist_kerberos == 1
            && (has_provider(conf, NEG_PROVIDER_NEGOTIATE)
                || has_provider(conf, NEG_PROVIDER_NEGOTIATE_KRB5));
    if (strcmp(id->auth_type, "NTLM") == 0)
        return has_provider(conf, NEG_PROVIDER_NTLM);
    return has_provider(conf, NEG_PROVIDER_NEGOTIATE);
}

/* The identity an earlier request bound to this connection (NTLM, Basic),
 * as IIS does, where this location would accept its mechanism. */
static int reuse_connection_identity(request_rec *r, const neg_dir_conf *conf)
{
    neg_conn *nc = peek_connection(r);

    if (nc == NULL || nc->state != NEG_CONN_AUTHENTICATED
        || !mech_allowed_here(r, conf, &nc->id))
        return 0;
    return grant(r, conf, &nc->id) == OK;
}

/* Any new credentials replace what the connection held. */
static void forget_connection(request_rec *r)
{
    neg_conn *nc = peek_connection(r);

    if (nc != NULL && nc->state != NEG_CONN_IDLE)
        neg_conn_reset(nc);
}

/* ====================================================== Basic */

static void split_basic_user(apr_pool_t *p, const char *user,
                             const char **account, const char **domain)
{
    const char *sep = strchr(user, '\\');
    const char *at = strrchr(user, '@');

    *account = user;
    *domain = "";
    if (sep != NULL) {
        *domain = apr_pstrndup(p, user, (apr_size_t)(sep - user));
        *account = sep + 1;
    }
    else if (at != NULL) {
        *account = apr_pstrndup(p, user, (apr_size_t)(at - user));
        *domain = at + 1;
    }
}

static int accept_basic(request_rec *r, const neg_dir_conf *conf,
                        const unsigned char *cred, size_t len)
{
    neg_conn *nc = neg_conn_get(r->connection, &auth_negotiate_module);
    const char *colon = memchr(cred, ':', len), *account, *domain, *user, *pw;
    unsigned char mac[32];
    neg_wb_result res;
    neg_wb_status st;

    neg_conn_credential_mac(nc, cred, len, mac);
    if (nc->state == NEG_CONN_AUTHENTICATED && nc->has_basic
        && ntlm_equal(mac, nc->basic_mac, sizeof(mac)))
        return grant(r, conf, &nc->id);     /* verified earlier on this connection */
    if (colon == NULL || colon == (const char *)cred || memchr(cred, '\0', len)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0501)
                      "refused Basic credentials that are not user:password");
        return challenge(r, conf);
    }
    user = apr_pstrndup(r->pool, (const char *)cred, (apr_size_t)(colon - (const char *)cred));
    pw = apr_pstrndup(r->pool, colon + 1, len - (size_t)(colon + 1 - (const char *)cred));
    split_basic_user(r->pool, user, &account, &domain);
    st = neg_wb_verify_plain(account, domain, pw, timeout_ms_of(conf), &res);
    memset((char *)pw, 0, strlen(pw));
    if (st != NEG_WB_OK || res.guest) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0502)
                      "Basic logon of %s refused: %s%s%s", user,
                      res.guest ? "the domain logged it on as Guest"
                                : neg_wb_status_str(st),
                      *res.nt_string ? " " : "", res.nt_string);
        neg_wb_result_clear(&res);
        forget_connection(r);
        return challenge(r, conf);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, NEGLOGNO(0503)
                  "Basic: the domain verified the password of %s", user);
    neg_conn_reset(nc);
    neg_identity_from_winbind(&nc->id, nc->pool, &res, "basic", "Basic");
    neg_wb_result_clear(&res);
    neg_conn_credential_mac(nc, cred, len, nc->basic_mac);
    nc->has_basic = 1;
    nc->state = NEG_CONN_AUTHENTICATED;
    return grant(r, conf, &nc->id);
}

/* ====================================================== dispatch */

static int scheme_offered(request_rec *r, const neg_dir_conf *conf, neg_scheme s)
{
    if (s == NEG_SCHEME_BASIC)
        return basic_offered(r, conf);
    if (s == NEG_SCHEME_NTLM)
        return has_provider(conf, NEG_PROVIDER_NTLM);
    return has_provider(conf, NEG_PROVIDER_NEGOTIATE)
        || has_provider(conf, NEG_PROVIDER_NEGOTIATE_KRB5);
}

static int is_kerberos(neg_mech m)
{
    return m == NEG_MECH_KRB5 || m == NEG_MECH_MS_KRB5;
}

static int dispatch_spnego_init(request_rec *r, const neg_dir_conf *conf,
                                const neg_token *tok)
{
    neg_mech first = tok->mechs[0];

    if (is_kerberos(first) && tok->mech_token.len > 0) {
        forget_connection(r);
        return accept_kerberos(r, conf, &tok->mech_token, first);
    }
    if (first == NEG_MECH_NTLMSSP && tok->mech_token.len > 0)
        return ntlm_step(r, conf, NEG_SCHEME_NEGOTIATE, &tok->mech_token, tok);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0103)
                  "refused a SPNEGO token whose first mechanism is %s%s: this "
                  "server accepts Kerberos (with its token in the first "
                  "message) and NTLM",
                  neg_mech_name(first),
                  tok->mech_token.len == 0 ? " without a token" : "");
    return challenge(r, conf);
}

static int dispatch_token(request_rec *r, const neg_dir_conf *conf,
                          neg_scheme scheme, const neg_token *tok)
{
    switch (tok->kind) {
    case NEG_TOKEN_RAW_NTLMSSP:
        return ntlm_step(r, conf, scheme, &tok->mech_token, NULL);
    case NEG_TOKEN_RAW_KRB5:
        if (scheme == NEG_SCHEME_NEGOTIATE) {
            forget_connection(r);
            return accept_kerberos(r, conf, &tok->mech_token, NEG_MECH_NONE);
        }
        break;
    case NEG_TOKEN_SPNEGO_INIT:
        if (scheme == NEG_SCHEME_NEGOTIATE)
            return dispatch_spnego_init(r, conf, tok);
        break;
    case NEG_TOKEN_SPNEGO_RESP:
        if (scheme == NEG_SCHEME_NEGOTIATE && tok->mech_token.len > 0
            && ntlm_message_type(tok->mech_token.data, tok->mech_token.len) == 3)
            return ntlm_step(r, conf, scheme, &tok->mech_token, tok);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0104)
                      "refused a SPNEGO continuation token: no handshake is "
                      "in progress on this connection; the client must start "
                      "again with an initial token");
        return challenge(r, conf);
    default:
        break;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0105)
                  "refused a token that the %s scheme cannot carry",
                  neg_scheme_name(scheme));
    return challenge(r, conf);
}

static int authenticate(request_rec *r, const neg_dir_conf *conf)
{
    const char *value = apr_table_get(r->headers_in, "Authorization");
    neg_auth_header h;
    neg_hdr_result hr;
    neg_parse_result pr;
    neg_token tok;
    unsigned char *buf;
    size_t n;

    if (value == NULL) {
        if (reuse_connection_identity(r, conf))
            return OK;
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "no Authorization header: sending the challenge");
        return challenge(r, conf);
    }
    hr = neg_header_parse(value, max_token_of(conf), &h);
    if (h.scheme == NEG_SCHEME_OTHER || (hr == NEG_HDR_OK && !scheme_offered(r, conf, h.scheme))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0101)
                      "client used the authentication scheme '%.*s', which "
                      "this location does not offer (%s)",
                      (int)(h.scheme_len > 32 ? 32 : h.scheme_len),
                      h.scheme_name ? h.scheme_name : "", providers_text(r, conf));
        return challenge(r, conf);
    }
    if (hr != NEG_HDR_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0102)
                      "refused the %s Authorization header: %s%s",
                      neg_scheme_name(h.scheme), neg_hdr_result_str(hr),
                      hr == NEG_HDR_TOO_LARGE
                      ? apr_psprintf(r->pool, " (limit %" APR_SIZE_T_FMT " bytes)",
                                     max_token_of(conf)) : "");
        return challenge(r, conf);
    }
    buf = apr_palloc(r->pool, h.decoded_len + 3);
    n = neg_header_decode(&h, buf);
    if (h.scheme == NEG_SCHEME_BASIC)
        return accept_basic(r, conf, buf, n);
    pr = neg_token_parse(buf, n, &tok);
    if (pr != NEG_PARSE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0106)
                      "refused the %s token (%" APR_SIZE_T_FMT " bytes): %s",
                      neg_scheme_name(h.scheme), n, neg_parse_result_str(pr));
        return challenge(r, conf);
    }
    return dispatch_token(r, conf, h.scheme, &tok);
}

/* ====================================================== hooks */

static int is_our_auth_type(const char *type)
{
    return type != NULL && strcasecmp(type, AUTH_TYPE_NEGOTIATE) == 0;
}

/* Internal redirects and subrequests reuse the main request's result
 * instead of authenticating again (the token was single-use). */
static int reuse_initial_result(request_rec *r)
{
    const request_rec *src = r->main ? r->main : r->prev;
    const neg_identity *id = src ? request_identity(src) : NULL;

    if (src == NULL || src->user == NULL || id == NULL)
        return 0;
    r->user = src->user;
    r->ap_auth_type = src->ap_auth_type;
    ap_set_module_config(r->request_config, &auth_negotiate_module, (void *)id);
    return 1;
}

static int check_authn(request_rec *r)
{
    const neg_dir_conf *conf;

    if (!is_our_auth_type(ap_auth_type(r)))
        return DECLINED;
    if (!ap_is_initial_req(r) && reuse_initial_result(r))
        return OK;
    conf = ap_get_module_config(r->per_dir_config, &auth_negotiate_module);
    if (conf->require_tls == 1 && !is_tls(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0601)
                      "refused a plain-HTTP request: this location requires "
                      "TLS (NegotiateRequireTLS On); use https://");
        return HTTP_FORBIDDEN;
    }
    return authenticate(r, conf);
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

static authz_status identity_for_authz(request_rec *r, const char *provider,
                                       const neg_identity **id)
{
    if (r->user == NULL)
        return AUTHZ_DENIED_NO_USER;
    *id = request_identity(r);
    if (*id == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0701)
                      "Require %s: the user %s was not authenticated by "
                      "mod_auth_negotiate (use AuthType Negotiate)", provider, r->user);
        return AUTHZ_DENIED;
    }
    return AUTHZ_GRANTED;
}

/* "EXAMPLE\WebAdmins" matches that name; a bare "WebAdmins" matches the
 * group of that name in any domain. AD names are case-insensitive. */
static int group_name_matches(const char *wanted, const char *have)
{
    const char *sep = strchr(have, '\\');

    return strcasecmp(wanted, have) == 0
        || (strchr(wanted, '\\') == NULL && sep != NULL && strcasecmp(wanted, sep + 1) == 0);
}

static int member_of(request_rec *r, const neg_identity *id, const char *wanted,
                     int timeout_ms)
{
    char name[NEG_WB_NAME_MAX];
    size_t i;

    for (i = 1; i < id->n_sids; i++) {         /* 0 is the user */
        if (neg_wb_sid_to_name(&id->sids[i], timeout_ms, name, sizeof(name)) == NEG_WB_OK
            && group_name_matches(wanted, name))
            return 1;
    }
    return 0;
}

/* Require negotiate-group "EXAMPLE\WebAdmins" ...: the logon's group SIDs
 * (nested groups included: the DC expands them into the PAC and into
 * winbind's answer) are named through winbind (cached) and compared. Names,
 * not a name-to-SID lookup: Samba's winbindd lower-cases the names it
 * caches for such lookups, and that would leak into NEGOTIATE_GROUPS. */
static authz_status check_group(request_rec *r, const char *args, const void *parsed)
{
    const neg_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                    &auth_negotiate_module);
    const neg_identity *id = NULL;
    authz_status st = identity_for_authz(r, "negotiate-group", &id);
    const char *w, *names = "";

    if (st != AUTHZ_GRANTED)
        return st;
    while (*(w = ap_getword_conf(r->pool, &args)) != '\0') {
        if (member_of(r, id, w, timeout_ms_of(conf)))
            return AUTHZ_GRANTED;
        names = apr_pstrcat(r->pool, names, *names ? ", " : "", w, NULL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, NEGLOGNO(0703)
                  "%s is not a member of %s", r->user, names);
    return AUTHZ_DENIED;
}

static authz_status check_sid(request_rec *r, const char *args, const void *parsed)
{
    const neg_identity *id = NULL;
    authz_status st = identity_for_authz(r, "negotiate-sid", &id);
    const char *w;
    neg_sid sid;

    if (st != AUTHZ_GRANTED)
        return st;
    while (*(w = ap_getword_conf(r->pool, &args)) != '\0') {
        if (neg_sid_from_string(w, &sid) && neg_identity_has_sid(id, &sid))
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

static const char *parse_group_line(cmd_parms *cmd, const char *line,
                                    const void **parsed)
{
    const char *args = line;

    if (*ap_getword_conf(cmd->temp_pool, &args) == '\0')
        return "Require negotiate-group needs at least one group name "
               "(\"DOMAIN\\group\")";
    return NULL;
}

static const authz_provider group_provider = { check_group, parse_group_line };
static const authz_provider sid_provider = { check_sid, parse_sid_line };

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    neg_replay_pre_config(pconf);
    return OK;
}

static apr_status_t unshare_winbind_slots(void *unused)
{
    (void)unused;
    neg_wb_unshare_connect_slots();
    return APR_SUCCESS;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    if (neg_wb_share_connect_slots())
        apr_pool_cleanup_register(pconf, NULL, unshare_winbind_slots,
                                  apr_pool_cleanup_null);
    else
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, NEGLOGNO(0002)
                     "cannot share the slots for opening winbind connections "
                     "among httpd children; each child limits only its own "
                     "(bursts after idle periods may stall)");
    return neg_replay_post_config(pconf, ptemp, s);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!neg_krb5_init(pchild))
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0001)
                     "cannot create the Kerberos credential registry lock");
    neg_replay_child_init(pchild, s);
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
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
