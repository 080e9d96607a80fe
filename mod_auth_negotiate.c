/*
 * mod_auth_negotiate.c - Integrated Windows Authentication for httpd 2.4.
 *
 * httpd glue only: directives, configuration create/merge, hooks, and
 * turning a logon's verdict (src/logon/verdict.h) into a status, headers, notes
 * and the environment. It runs no protocol and decides nothing about what
 * a token or a connection's identity is worth: src/logon/logon.c does, through
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

#include "authz.h"
#include "config.h"
#include "conn.h"
#include "directives.h"
#include "header.h"
#include "identity.h"
#include "kerberos.h"
#include "failure_farm.h"
#include "failure_limit.h"
#include "log_limit.h"
#include "login.h"
#include "logon.h"
#include "policy.h"
#include "replay.h"
#include "request_state.h"
#include "startup.h"
#include "status.h"
#include "status_page.h"
#include "s4u.h"
#include "session.h"
#include "session_memo.h"
#include "winbind.h"

/* Log tags: NEG + four digits, unique per message. */
#define NEGLOGNO(n) "NEG" #n ": "

#define AUTH_TYPE_NEGOTIATE "Negotiate"

module AP_MODULE_DECLARE_DATA auth_negotiate_module;
APLOG_USE_MODULE(auth_negotiate);

/* ====================================================== requests */

static int is_tls(request_rec *r)
{
    return ap_ssl_conn_is_ssl(r->connection->master ? r->connection->master
                                                    : r->connection);
}

/* What a request that authenticated keeps (request_state.h). */
typedef neg_request_state request_state;

const neg_request_state *neg_request_state_of(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &auth_negotiate_module);
}

#define state_of neg_request_state_of

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

/* The module's state of an HTTP/1.1 connection, made on first use; NULL
 * for an HTTP/2 stream's (secondary) connection, which carries other
 * clients' streams too. */
static neg_conn *conn_state(conn_rec *c)
{
    neg_conn *nc;

    if (c->master != NULL)
        return NULL;
    nc = ap_get_module_config(c->conn_config, &auth_negotiate_module);
    if (nc == NULL) {
        nc = neg_conn_create(c->pool);
        ap_set_module_config(c->conn_config, &auth_negotiate_module, nc);
    }
    return nc;
}

static void logon_ctx(request_rec *r, const neg_dir_conf *conf,
                      apr_time_t deadline, neg_logon_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->pool = r->pool;
    ctx->conf = conf;
    /* NULL on an HTTP/2 stream: nothing is bound to, or reused from, a
     * connection that carries other requests at the same time */
    ctx->conn = conn_state(r->connection);
    ctx->tls = is_tls(r);
    ctx->http2 = r->connection->master != NULL;
    ctx->deadline = deadline;
    ctx->server = r->server;
    ctx->server_name = r->server->server_hostname;
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
    st->user = v->user;
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
    neg_status_answer(r, v, conn_state(r->connection));
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
        if (!is_proxy_auth(r)) {
            int rc = neg_login_divert(r, conf, v);

            if (rc != DECLINED)
                return rc;
        }
        add_challenges(r, conf);
        return unauthorized(r);
    }
}

/* ====================================================== for login.c */

const neg_dir_conf *neg_glue_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &auth_negotiate_module);
}

void neg_glue_logon_ctx(request_rec *r, const neg_dir_conf *conf,
                        apr_time_t deadline, neg_logon_ctx *ctx)
{
    logon_ctx(r, conf, deadline, ctx);
}

int neg_glue_grant(request_rec *r, const neg_dir_conf *conf,
                   const neg_verdict *v, apr_time_t deadline)
{
    return grant(r, conf, v, deadline);
}

void neg_glue_log_lines(request_rec *r, const neg_verdict *v)
{
    log_lines(r, v);
}

void neg_glue_forget_connection(request_rec *r)
{
    neg_conn *nc = conn_state(r->connection);

    if (nc != NULL)
        neg_conn_reset(nc);
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
/* httpd does not authenticate an internal redirect (an ErrorDocument, a
 * rewrite) into the same per-directory configuration: it copies r->user
 * from the request it came from (AP_AUTH_INTERNAL_PER_CONF; the same
 * pointer test as httpd's), and this module never runs for it. Where that
 * request was authorized (its fixups ran: the note below), the identity
 * is its own, proved and admitted under these very rules, and is
 * published again from the module's record of it, not from variables
 * something may have rewritten since. An error page of a request that was
 * refused (403, 500) gets REMOTE_USER from httpd and nothing more: no
 * delegated credentials for someone the location kept out. */
#define AUTHORIZED_NOTE "negotiate-authorized"

static const request_state *same_conf_origin(request_rec *r)
{
    const neg_dir_conf *conf;
    const request_state *st;

    if (r->prev == NULL || r->prev->per_dir_config != r->per_dir_config
        || r->user == NULL || apr_table_get(r->prev->notes, AUTHORIZED_NOTE) == NULL
        || (st = state_of(r->prev)) == NULL || st->user == NULL
        || strcmp(r->user, st->user) != 0)
        return NULL;
    conf = ap_get_module_config(r->per_dir_config, &auth_negotiate_module);
    neg_identity_publish(st->id, r->subprocess_env, r->pool,
                         conf->publish_groups == 1, st->deadline);
    return st;
}

static int publish_cgi_identity(request_rec *r)
{
    const request_state *st = state_of(r);

    if (st == NULL)
        st = same_conf_origin(r);

    /* every request, ours or not: a subrequest or internal redirect into
     * a location that takes no delegated credentials gets none */
    neg_identity_drop_inherited_ccache(r->subprocess_env, r->pool,
                                       st != NULL && r->user != NULL ? st->id : NULL);
    if (st == NULL || r->user == NULL)
        return DECLINED;
    apr_table_setn(r->notes, AUTHORIZED_NOTE, "1");     /* fixups: authorized */
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

/* ====================================================== process hooks */

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    neg_startup_pre_config(pconf, &auth_negotiate_module);
    neg_authz_pre_config(pconf);
    neg_replay_pre_config(pconf);
    neg_session_memo_pre_config();
    neg_log_limit_configure(NEG_LOG_LIMIT_DEFAULT_COUNT, NEG_LOG_LIMIT_DEFAULT_SECONDS);
    neg_failure_limit_configure(NEG_FAILURE_LIMIT_DEFAULT_COUNT,
                                NEG_FAILURE_LIMIT_DEFAULT_SECONDS);
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
    neg_authz_warn_unchecked(pconf, s);
    neg_startup_test_config(pconf, s);
    neg_replay_test_config(pconf, s);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    int rc = neg_startup_post_config(ptemp, s);

    if (rc != OK)
        return rc;
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        neg_authz_warn_unchecked(ptemp, s);
    neg_status_post_config(pconf, s, neg_startup_keytabs());
    if (!neg_failure_limit_share())
        ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, NEGLOGNO(1009)
                     "cannot share the table of NegotiateFailureLimit among "
                     "httpd children; each child counts failed logons on its "
                     "own (a client may reach the domain that many times per "
                     "child)");
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
    rc = neg_replay_post_config(pconf, ptemp, s);
    if (rc == OK)
        neg_failure_farm_post_config(s);   /* after the replay cache's store */
    return rc;
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!neg_krb5_init(pchild))
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0001)
                     "cannot create the Kerberos credential registry lock");
    neg_replay_child_init(pchild, s);
    neg_s4u_child_init(pchild);
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
    neg_login_register_hooks(p);
    neg_authz_register(p);
}

module AP_MODULE_DECLARE_DATA auth_negotiate_module = {
    STANDARD20_MODULE_STUFF,
    neg_create_dir_conf,
    neg_merge_dir_conf,
    NULL,
    NULL,
    neg_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
