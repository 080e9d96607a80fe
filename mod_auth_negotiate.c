/*
 * mod_auth_negotiate.c - Integrated Windows Authentication for httpd 2.4.
 *
 * httpd glue only: directives, configuration create/merge, hooks, and
 * turning a layer's result into a status, headers and the environment.
 * The layers live in src/: header.c (Authorization header), spnego.c
 * (GSS/SPNEGO framing), kerberos.c (Heimdal acceptor).
 *
 * RFC 4559: an anonymous request gets 401 with one WWW-Authenticate per
 * offered scheme; the client answers with "Negotiate <token>"; a success
 * carries the acceptor's mutual-authentication token back on the 2xx.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include "apr_base64.h"
#include "apr_strings.h"

#include "config.h"
#include "header.h"
#include "kerberos.h"
#include "spnego.h"

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
    return c;
}

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
        return "NegotiateUserFormat down-level (DOMAIN\\user) needs the "
               "NetBIOS domain from the domain controller, which this version "
               "does not read yet; use upn or short";
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
    { NULL }
};

/* ====================================================== responses */

static void add_challenges(request_rec *r, const neg_dir_conf *conf)
{
    int i, n;
    const neg_provider *list = providers_of(conf, &n);

    for (i = 0; i < n; i++) {
        apr_table_add(r->err_headers_out, "WWW-Authenticate",
                      list[i] == NEG_PROVIDER_NTLM ? "NTLM" : "Negotiate");
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
    return s;
}

/* ====================================================== Kerberos */

static const char *user_name(const neg_dir_conf *conf, const neg_krb5_result *k)
{
    return conf->user_format == NEG_USER_SHORT ? k->user : k->principal;
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
    int ok;

    acc = neg_krb5_acquire(conf->keytab, conf->principals, r->pool, &err, &warn);
    if (warn != NULL)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, NEGLOGNO(0201) "%s", warn);
    if (acc == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0202)
                      "Kerberos is unavailable: %s", err);
        return challenge(r, conf);
    }
    ok = neg_krb5_accept(acc, tok->data, tok->len, r->pool, &k);
    neg_krb5_release(acc);
    if (!ok) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0203)
                      "Kerberos authentication failed: %s", k.error);
        return challenge(r, conf);
    }

    r->user = (char *)user_name(conf, &k);
    r->ap_auth_type = AUTH_TYPE_NEGOTIATE;
    apr_table_setn(r->subprocess_env, "NEGOTIATE_MECH", "kerberos");
    apr_table_setn(r->subprocess_env, "NEGOTIATE_PRINCIPAL", k.principal);
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
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, NEGLOGNO(0204)
                  "Kerberos: authenticated %s", k.principal);
    return OK;
}

/* ====================================================== NTLM (not yet) */

static int refuse_ntlm(request_rec *r, const neg_dir_conf *conf,
                       neg_scheme scheme, const char *framing)
{
    if (scheme == NEG_SCHEME_NEGOTIATE
        && has_provider(conf, NEG_PROVIDER_NEGOTIATE_KRB5)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0301)
                      "refused an NTLM token (%s) under Negotiate: %s allows "
                      "only Kerberos inside Negotiate; the client could not "
                      "get a Kerberos ticket for this server (check the SPN "
                      "for the host name in the URL)",
                      framing, providers_text(r, conf));
        return challenge(r, conf);
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0302)
                  "refused an NTLM token (%s, %s scheme): NTLM is not "
                  "supported by this version of mod_auth_negotiate; the "
                  "client fell back to NTLM because it could not get a "
                  "Kerberos ticket for this server (check the SPN for the "
                  "host name in the URL and that the client is in the domain)",
                  framing, neg_scheme_name(scheme));
    return challenge(r, conf);
}

/* ====================================================== dispatch */

static int scheme_offered(const neg_dir_conf *conf, neg_scheme s)
{
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

    if (is_kerberos(first) && tok->mech_token.len > 0)
        return accept_kerberos(r, conf, &tok->mech_token, first);
    if (first == NEG_MECH_NTLMSSP)
        return refuse_ntlm(r, conf, NEG_SCHEME_NEGOTIATE, "inside SPNEGO");
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
        return refuse_ntlm(r, conf, scheme, "raw NTLMSSP");
    case NEG_TOKEN_RAW_KRB5:
        if (scheme == NEG_SCHEME_NEGOTIATE)
            return accept_kerberos(r, conf, &tok->mech_token, NEG_MECH_NONE);
        break;
    case NEG_TOKEN_SPNEGO_INIT:
        if (scheme == NEG_SCHEME_NEGOTIATE)
            return dispatch_spnego_init(r, conf, tok);
        break;
    case NEG_TOKEN_SPNEGO_RESP:
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
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "no Authorization header: sending the challenge");
        return challenge(r, conf);
    }
    hr = neg_header_parse(value, max_token_of(conf), &h);
    if (h.scheme == NEG_SCHEME_OTHER || (hr == NEG_HDR_OK && !scheme_offered(conf, h.scheme))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0101)
                      "client used the authentication scheme '%.*s', which "
                      "this location does not offer (%s)",
                      (int)(h.scheme_len > 32 ? 32 : h.scheme_len),
                      h.scheme_name ? h.scheme_name : "", providers_text(r, conf));
        return challenge(r, conf);
    }
    if (hr != NEG_HDR_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, NEGLOGNO(0102)
                      "refused the %s Authorization header: %s (limit %"
                      APR_SIZE_T_FMT " bytes)", neg_scheme_name(h.scheme),
                      neg_hdr_result_str(hr), max_token_of(conf));
        return challenge(r, conf);
    }
    buf = apr_palloc(r->pool, h.decoded_len + 3);
    n = neg_header_decode(&h, buf);
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

    if (src == NULL || src->user == NULL || !is_our_auth_type(src->ap_auth_type))
        return 0;
    r->user = src->user;
    r->ap_auth_type = src->ap_auth_type;
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

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!neg_krb5_init(pchild))
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0001)
                     "cannot create the Kerberos credential registry lock");
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
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
