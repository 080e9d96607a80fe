/*
 * session.c - NegotiateSession (see session.h), through mod_session's
 * optional functions ap_session_load, ap_session_get and ap_session_set:
 * mod_session keeps the session (Session On, SessionCookieName ...),
 * mod_session_crypto encrypts and authenticates it (SessionCryptoPassphrase).
 * The identity is one entry, NEG_SESSION_KEY, in session_codec.c's text.
 */
#include "session.h"

#include <string.h>

#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "http_log.h"
#include "mod_session.h"

#include "apr_optional.h"
#include "apr_strings.h"

#include "logon.h"
#include "policy.h"
#include "secret.h"
#include "session_codec.h"
#include "session_memo.h"

APLOG_USE_MODULE(auth_negotiate);

#define NEG_SESSION_KEY "negotiate-identity"

typedef struct {
    APR_OPTIONAL_FN_TYPE(ap_session_load) *load;
    APR_OPTIONAL_FN_TYPE(ap_session_get) *get;
    APR_OPTIONAL_FN_TYPE(ap_session_set) *set;
} session_fns;

/* Whether SessionCryptoPassphrase applies here (session_memo.c reads
 * mod_session_crypto's configuration); without it a session would travel
 * unencrypted, and it is refused (fail closed). */
static int session_encrypted(request_rec *r)
{
    return neg_session_crypto_conf(r) != NULL;
}

/* mod_session's functions and this request's session; NULL (and a log
 * line saying what to configure) when sessions cannot be used here. */
static session_rec *open_session(request_rec *r, session_fns *fn)
{
    session_rec *z = NULL;

    fn->load = APR_RETRIEVE_OPTIONAL_FN(ap_session_load);
    fn->get = APR_RETRIEVE_OPTIONAL_FN(ap_session_get);
    fn->set = APR_RETRIEVE_OPTIONAL_FN(ap_session_set);
    if (fn->load == NULL || fn->get == NULL || fn->set == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "NEG0901: NegotiateSession "
                      "On needs mod_session, mod_session_cookie and "
                      "mod_session_crypto: load them (a2enmod session_crypto "
                      "session_cookie); no session is used or made");
        return NULL;
    }
    if (!session_encrypted(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "NEG0902: NegotiateSession "
                      "On where the session is not encrypted: load "
                      "mod_session_crypto and set SessionCryptoPassphrase for "
                      "this location; no session is used or made");
        return NULL;
    }
    if (fn->load(r, &z) != APR_SUCCESS || z == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "NEG0903: NegotiateSession "
                      "On where mod_session has no session: add Session On and "
                      "SessionCookieName negotiate_session path=/;httponly "
                      "(;secure on https) for this location");
        return NULL;
    }
    return z;
}

static apr_time_t lifetime(const neg_dir_conf *c)
{
    return apr_time_from_sec(c->session_lifetime_s > 0 ? c->session_lifetime_s
                             : NEG_DEFAULT_SESSION_LIFETIME_S);
}

/* The keys that seal identities under this location's passphrases (the
 * first seals; any opens, as mod_session_crypto decrypts with any): n of
 * them in *keys, 0 when no passphrase applies. */
static int seal_keys(request_rec *r, unsigned char (**keys)[NEG_SESSION_SEAL_KEY_LEN])
{
    const neg_crypto_conf_view *crypto = neg_session_crypto_conf(r);
    const char *const *pass;
    int i;

    if (crypto == NULL)
        return 0;
    pass = (const char *const *)crypto->passphrases->elts;
    *keys = apr_palloc(r->pool, sizeof(**keys) * crypto->passphrases->nelts);
    for (i = 0; i < crypto->passphrases->nelts; i++)
        neg_session_seal_key(pass[i], (*keys)[i]);
    return crypto->passphrases->nelts;
}

static const char *unsealed(request_rec *r, const char *sealed)
{
    unsigned char (*keys)[NEG_SESSION_SEAL_KEY_LEN] = NULL;
    int n = seal_keys(r, &keys);
    const char *text = n > 0 ? neg_session_unseal(r->pool, sealed, keys, n) : NULL;

    if (keys != NULL)
        neg_wipe(keys, sizeof(*keys) * (size_t)n);
    return text;
}

/* The session's identity, where mod_session_crypto decrypted it under
 * this location's own passphrase and this location admits it (the session's
 * rules are the policy's for any identity that came in a cookie); else
 * the verdict stays untouched. */
static int from_session(request_rec *r, const neg_logon_ctx *ctx,
                        session_fns *fn, session_rec *z, neg_verdict *v)
{
    const char *text = NULL, *why;
    neg_identity *id = apr_pcalloc(r->pool, sizeof(*id));
    neg_logon_ctx here = *ctx;
    unsigned char mine[NEG_SESSION_CRYPTO_LEN], decrypted_under[NEG_SESSION_CRYPTO_LEN];
    apr_time_t expiry = 0;
    neg_verdict tried;

    if (fn->get(r, z, NEG_SESSION_KEY, &text) != APR_SUCCESS || text == NULL)
        return 0;
    /* mod_session_cookie shares one session among a request's redirects
     * and subrequests, decoded by whichever location loaded it first */
    if (!neg_session_decrypted_under(z, decrypted_under))
        why = "the session was not decrypted by mod_session_crypto (a "
              "location without a passphrase read the cookie first, as "
              "plain text the client may have written)";
    else if ((text = unsealed(r, text)) == NULL)
        why = "its identity is not sealed under this location's "
              "SessionCryptoPassphrase (this module did not write it: a "
              "session the client wrote, encrypted by mod_session for another "
              "location?)";
    else
        why = neg_session_decode(r->pool, text, apr_time_now(),
                                 lifetime(ctx->conf), id, &expiry);
    if (why == NULL) {
        id->bearer = 1;
        id->expires = expiry;
        memcpy(id->session_crypto, decrypted_under, sizeof(decrypted_under));
        here.session_crypto = neg_session_crypto_digest(r, mine) ? mine : NULL;
        why = neg_logon_reuse(&here, id, NEG_VIA_SESSION, &tried);
    }
    if (why != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "NEG0904: the session's "
                      "identity%s%s%s%s is not accepted: %s; sending the "
                      "challenge", id->principal ? " " : "",
                      id->principal ? id->principal : "",
                      id->where ? ", proved at " : "", id->where ? id->where : "",
                      why);
        return 0;
    }
    *v = tried;
    return 1;
}

static void keep_any(request_rec *r, const neg_logon_ctx *ctx, session_fns *fn,
                     session_rec *z, const neg_identity *id);

/* A fresh logon's identity into the session (mod_session writes it with
 * the response). A Basic identity only where the admin asks for it: the
 * session then outlives the password check by up to its lifetime. */
static void keep(request_rec *r, const neg_logon_ctx *ctx, session_fns *fn,
                 session_rec *z, const neg_identity *id)
{
    /* the login form's identities are kept by neg_session_keep */
    if (strcmp(id->mech, "basic") == 0 && (ctx->conf->session_basic != 1
                                           || strcmp(id->auth_type, "Basic") != 0))
        return;
    keep_any(r, ctx, fn, z, id);
}

/* The identity, sealed, into the session. */
static void keep_any(request_rec *r, const neg_logon_ctx *ctx, session_fns *fn,
                     session_rec *z, const neg_identity *id)
{
    const char *text;
    unsigned char (*keys)[NEG_SESSION_SEAL_KEY_LEN] = NULL;
    int n;

    /* from the logon, not from now: what it was made for is exactly the
     * lifetime (policy.c), however long the logon took after its proof */
    text = neg_session_encode(r->pool, id, (id->proved_at > 0 ? id->proved_at
                                            : apr_time_now()) + lifetime(ctx->conf));
    if (text != NULL && (n = seal_keys(r, &keys)) > 0) {
        text = neg_session_seal(r->pool, text, keys[0]);
        neg_wipe(keys, sizeof(*keys) * (size_t)n);
    }
    else
        text = NULL;
    if (text == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "NEG0905: the identity "
                      "of %s cannot be kept in the session (a name holds a "
                      "line break); the next request authenticates again",
                      id->principal);
        return;
    }
    fn->set(r, z, NEG_SESSION_KEY, text);
}

void neg_session_logon(request_rec *r, const neg_logon_ctx *ctx,
                       const char *authorization, neg_verdict *v)
{
    session_fns fn;
    session_rec *z;

    /* A forward proxy's request is for another site: a cookie set on its
     * response goes to that site, which could then use the proxy as the
     * user. Sessions are never used or made for proxy requests. */
    if (ctx->conf->session != 1 || ctx->proxy) {
        neg_logon(ctx, authorization, v);
        return;
    }
    z = open_session(r, &fn);
    if (z != NULL && authorization == NULL && from_session(r, ctx, &fn, z, v))
        return;
    neg_logon(ctx, authorization, v);
    if (z != NULL && authorization != NULL && v->outcome == NEG_GRANT)
        keep(r, ctx, &fn, z, v->id);
}

int neg_session_keep(request_rec *r, const neg_logon_ctx *ctx,
                     const neg_identity *id)
{
    session_fns fn;
    session_rec *z = open_session(r, &fn);
    const char *text = NULL;

    if (z == NULL)
        return 0;
    fn.set(r, z, NEG_SESSION_KEY, NULL);
    keep_any(r, ctx, &fn, z, id);
    return fn.get(r, z, NEG_SESSION_KEY, &text) == APR_SUCCESS && text != NULL;
}

int neg_session_forget(request_rec *r)
{
    session_fns fn;
    session_rec *z = open_session(r, &fn);

    if (z == NULL)
        return 0;
    fn.set(r, z, NEG_SESSION_KEY, NULL);
    return 1;
}

/* ------------------------------------------------------- SessionHeader */

/* mod_session's SessionHeader lets the application replace session entries
 * with a response header, which mod_session_crypto then encrypts like the
 * module's own: an application could write NEG_SESSION_KEY and be whoever
 * it names on the next request, at every location sharing the passphrase.
 * mod_session's output filter, in every request and subrequest, saves the
 * session of each request of its main request's redirect chain, reading
 * each one's SessionHeader from that request's headers: so the guard runs
 * in every request, before that filter, over the same chain, and drops a
 * header that would change the identity entry. The header is read exactly
 * as mod_session reads it (session_identity_decode in httpd 2.4's
 * mod_session.c): pairs split on '&' by apr_strtok; a pair's name is what
 * apr_strtok gives up to '=' and its value the rest of the pair (an '='
 * included); a pair with an empty value removes the entry by its name as
 * sent (which only signs the user out); otherwise name and value are
 * unescaped by ap_unescape_urlencoded (a pair that does not unescape is
 * ignored) and set, names case-insensitive (an apr table's). */
#define GUARD_FILTER "NEGOTIATE_SESSION_GUARD"

/* Would mod_session, reading this header value, set the identity entry to
 * something other than what the session holds now? */
static int rewrites_identity(request_rec *r, const char *value)
{
    APR_OPTIONAL_FN_TYPE(ap_session_get) *get = APR_RETRIEVE_OPTIONAL_FN(ap_session_get);
    char *copy = apr_pstrdup(r->pool, value), *last = NULL, *pair;
    const char *now = NULL;

    for (pair = apr_strtok(copy, "&", &last); pair != NULL && *pair;
         pair = apr_strtok(NULL, "&", &last)) {
        char *plast = NULL, *key = apr_strtok(pair, "=", &plast), *val;

        if (key == NULL || *key == '\0')
            continue;
        val = apr_strtok(NULL, "&", &plast);
        if (val == NULL || *val == '\0'
            || ap_unescape_urlencoded(key) != OK || ap_unescape_urlencoded(val) != OK
            || strcasecmp(key, NEG_SESSION_KEY) != 0)
            continue;
        if (get == NULL || get(r, NULL, NEG_SESSION_KEY, &now) != APR_SUCCESS
            || now == NULL || strcmp(now, val) != 0)
            return 1;
    }
    return 0;
}

typedef struct {
    request_rec *r;
    int found;
} guard_scan;

static int scan_header(void *data, const char *key, const char *value)
{
    guard_scan *g = data;

    (void)key;
    if (rewrites_identity(g->r, value))
        g->found = 1;
    return 1;
}

static void drop_identity_header(request_rec *r, const char *header)
{
    guard_scan g = { r, 0 };

    apr_table_do(scan_header, &g, r->headers_out, header, NULL);
    apr_table_do(scan_header, &g, r->err_headers_out, header, NULL);
    if (!g.found)
        return;
    apr_table_unset(r->headers_out, header);
    apr_table_unset(r->err_headers_out, header);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "NEG0906: the application "
                  "sent %s (SessionHeader) changing the session entry %s, "
                  "which says who the user is and only this module may "
                  "write: the header was dropped and the session keeps the "
                  "identity the logon proved; let the application write "
                  "other entries only", header, NEG_SESSION_KEY);
}

/* On every brigade, not only the first: mod_session reads the header when
 * its own filter sees its first brigade, which a buffering filter between
 * the two may delay; each brigade reaching it has passed here first. The
 * walk is mod_session's: from the main request (or this one), along its
 * redirects. */
static apr_status_t session_guard_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r;

    for (r = f->r->main ? f->r->main : f->r; r != NULL; r = r->next) {
        const session_dir_conf *sc = neg_session_conf(r);

        if (sc != NULL && sc->header_set && sc->header != NULL)
            drop_identity_header(r, sc->header);
    }
    return ap_pass_brigade(f->next, bb);
}

/* In every request and subrequest where mod_session is loaded: the
 * SessionHeader that matters may be another request's of the chain. */
static void insert_session_guard(request_rec *r)
{
    if (neg_session_conf(r) != NULL)
        ap_add_output_filter(GUARD_FILTER, NULL, r, r->connection);
}

void neg_session_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* before mod_session's MOD_SESSION_OUT (AP_FTYPE_CONTENT_SET), which
     * reads the header when the response starts */
    ap_register_output_filter(GUARD_FILTER, session_guard_filter, NULL,
                              AP_FTYPE_CONTENT_SET - 1);
    ap_hook_insert_filter(insert_session_guard, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(insert_session_guard, NULL, NULL, APR_HOOK_MIDDLE);
}
