/*
 * login.c - the login form, signing out, NegotiateLoginForm and the authn
 * provider "negotiate" (see login.h).
 */
#include "login.h"

#include <string.h>
#include <strings.h>

#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "util_cookies.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include "basic_auth.h"
#include "identity.h"
#include "policy.h"
#include "secret.h"
#include "session.h"
#include "status.h"

APLOG_USE_MODULE(auth_negotiate);

#define LOGIN_HANDLER "negotiate-login"
#define LOGOUT_HANDLER "negotiate-logout"
#define CSRF_COOKIE "negotiate_login"
/* On TLS: a cookie only this origin can set (RFC 6265bis 4.1.3.2), not a
 * sibling host of the same site nor a plain-HTTP answer. */
#define CSRF_COOKIE_TLS "__Host-negotiate_login"
#define CSRF_COOKIE_FOR(tls) ((tls) ? CSRF_COOKIE_TLS : CSRF_COOKIE)
#define QUIET_COOKIE "negotiate_quiet"
#define CSRF_LEN 64                     /* hex of 32 random bytes */
#define BODY_MAX 8192
#define USER_MAX 256
#define PASSWORD_MAX 1024
#define RETURN_MAX 2048

/* ====================================================== the return path */

static int path_chars_ok(const char *s)
{
    if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
        return 0;
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
            return 0;
    }
    return 1;
}

/* Every %XX decoded once (%2F and %00 too); NULL if one is malformed or
 * decodes to NUL. */
static char *percent_decoded(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if (*s != '%') {
            *o++ = *s;
            continue;
        }
        if (!apr_isxdigit(s[1]) || !apr_isxdigit(s[2]))
            return NULL;
        *o = (char)((apr_isdigit(s[1]) ? s[1] - '0' : (apr_tolower(s[1]) - 'a' + 10)) * 16
                    + (apr_isdigit(s[2]) ? s[2] - '0' : (apr_tolower(s[2]) - 'a' + 10)));
        if (*o == '\0')
            return NULL;
        o++;
        s += 2;
    }
    *o = '\0';
    return out;
}

int neg_login_return_ok(apr_pool_t *p, const char *ret)
{
    char *once;

    if (ret == NULL || strlen(ret) > RETURN_MAX || !path_chars_ok(ret))
        return 0;
    /* the same once percent-decoded: "/%2F/evil" and "/%5Cevil" are what
     * a browser or a proxy may make of them */
    once = percent_decoded(p, ret);
    return once != NULL && path_chars_ok(once);
}

/* ====================================================== small parts */

static int accepts_html(request_rec *r)
{
    const char *a = apr_table_get(r->headers_in, "Accept");

    return a != NULL && ap_strcasestr(a, "text/html") != NULL;
}

static const char *cookie_attrs(request_rec *r, int tls, const char *samesite,
                                int max_age)
{
    (void)r;
    return apr_psprintf(r->pool, "Path=/; HttpOnly; SameSite=%s%s%s", samesite,
                        tls ? "; Secure" : "",
                        max_age >= 0 ? apr_psprintf(r->pool, "; Max-Age=%d", max_age) : "");
}

static void set_cookie(request_rec *r, const char *name, const char *value,
                       const char *attrs)
{
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_pstrcat(r->pool, name, "=", value, "; ", attrs, NULL));
}

static const char *cookie_of(request_rec *r, const char *name)
{
    const char *val = NULL;

    if (ap_cookie_read(r, name, &val, 0) != APR_SUCCESS)
        return NULL;
    return val;
}

static int quiet_cookie(request_rec *r)
{
    const char *q = cookie_of(r, QUIET_COOKIE);

    return q != NULL && strcmp(q, "1") == 0;
}

/* This URL (path and query) as the form's return value. */
static const char *this_url(request_rec *r)
{
    const char *u = r->unparsed_uri;

    if (u == NULL || u[0] != '/' || !neg_login_return_ok(r->pool, u))
        return "/";
    return u;
}

static const char *form_url(request_rec *r, const char *form, const char *ret,
                            const char *extra)
{
    return apr_pstrcat(r->pool, form, "?", extra ? extra : "", extra ? "&" : "",
                       "return=", ap_escape_urlencoded(r->pool, ret), NULL);
}

static void no_store(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

static int see_other(request_rec *r, const char *to)
{
    no_store(r);
    apr_table_setn(r->headers_out, "Location", to);
    return HTTP_SEE_OTHER;
}

/* ====================================================== the form */

static const char *new_token(request_rec *r)
{
    unsigned char raw[CSRF_LEN / 2];
    char *hex = apr_palloc(r->pool, CSRF_LEN + 1);
    int i;

    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < (int)sizeof(raw); i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    neg_wipe(raw, sizeof(raw));
    return hex;
}

static int token_shape_ok(const char *t)
{
    size_t i;

    if (t == NULL || strlen(t) != CSRF_LEN)
        return 0;
    for (i = 0; i < CSRF_LEN; i++)
        if (!apr_isxdigit(t[i]))
            return 0;
    return 1;
}

/* The form, with a message (NULL: none); the token is the browser's
 * cookie's, or a new one. */
static int send_form(request_rec *r, const neg_dir_conf *conf, int tls,
                     const char *ret, const char *message, int status)
{
    const char *token = cookie_of(r, CSRF_COOKIE_FOR(tls));

    (void)conf;
    if (!token_shape_ok(token)) {
        if ((token = new_token(r)) == NULL)
            return HTTP_INTERNAL_SERVER_ERROR;
        set_cookie(r, CSRF_COOKIE_FOR(tls), token, cookie_attrs(r, tls, "Strict", -1));
    }
    no_store(r);
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; "
                   "form-action 'self'; frame-ancestors 'none'");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    ap_set_content_type(r, "text/html; charset=utf-8");
    r->status = status;
    if (r->header_only)
        return OK;
    ap_rvputs(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
              "<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<title>Sign in</title>\n</head>\n<body>\n<main>\n<h1>Sign in</h1>\n",
              NULL);
    if (message != NULL)
        ap_rvputs(r, "<p role=\"alert\" id=\"message\">",
                  ap_escape_html(r->pool, message), "</p>\n", NULL);
    /* no action: the form posts to this very URL, whatever the path that
     * reached the handler looks like (never a URL of another origin) */
    ap_rvputs(r, "<form method=\"post\">\n"
              "<input type=\"hidden\" name=\"csrf\" value=\"", token, "\">\n"
              "<input type=\"hidden\" name=\"return\" value=\"",
              ap_escape_html(r->pool, ret), "\">\n"
              "<p><label for=\"username\">User name</label><br>\n"
              "<input id=\"username\" name=\"username\" autocomplete=\"username\" "
              "autocapitalize=\"none\" spellcheck=\"false\" required autofocus></p>\n"
              "<p><label for=\"password\">Password</label><br>\n"
              "<input id=\"password\" name=\"password\" type=\"password\" "
              "autocomplete=\"current-password\" required></p>\n"
              "<p><button type=\"submit\">Sign in</button></p>\n</form>\n", NULL);
    if (quiet_cookie(r))
        ap_rvputs(r, "<p><a id=\"auto\" href=\"",
                  ap_escape_html(r->pool, form_url(r, "", ret, "auto=1")),
                  "\">Sign in automatically</a></p>\n", NULL);
    ap_rputs("</main>\n</body>\n</html>\n", r);
    return OK;
}

/* The value of name in a query string or form body (decoded), or NULL;
 * *dup is set when the name comes more than once. */
static char *field(apr_pool_t *p, char *pairs_in, const char *name, int *dup)
{
    char *pairs = pairs_in ? apr_pstrdup(p, pairs_in) : NULL, *last = NULL, *pair;
    char *found = NULL;

    for (pair = pairs ? apr_strtok(pairs, "&", &last) : NULL; pair != NULL;
         pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        char *k = pair, *v = eq ? eq + 1 : (char *)"";

        if (eq != NULL)
            *eq = '\0';
        if (ap_unescape_urlencoded(k) != OK || strcmp(k, name) != 0)
            continue;
        if (found != NULL) {
            *dup = 1;
            continue;
        }
        if (ap_unescape_urlencoded(v) != OK)
            v = NULL;
        found = v ? apr_pstrdup(p, v) : NULL;
        if (found == NULL)
            *dup = 1;           /* undecodable: as bad as a duplicate */
    }
    if (pairs != NULL)
        neg_wipe(pairs, strlen(pairs_in));
    return found;
}

/* The body, at most BODY_MAX bytes: NULL and *status when it is not to
 * be read (413). */
static char *read_body(request_rec *r, int *status, apr_size_t *out_len)
{
    char *buf = apr_palloc(r->pool, BODY_MAX + 1);
    apr_size_t len = 0;
    long n;

    *status = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
    if (*status != OK)
        return NULL;
    if (r->remaining > BODY_MAX) {
        *status = HTTP_REQUEST_ENTITY_TOO_LARGE;
        return NULL;
    }
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, buf + len, BODY_MAX + 1 - len)) > 0) {
            len += (apr_size_t)n;
            if (len > BODY_MAX) {
                neg_wipe(buf, len);
                *status = HTTP_REQUEST_ENTITY_TOO_LARGE;
                return NULL;
            }
        }
        if (n < 0) {
            neg_wipe(buf, len);
            *status = HTTP_BAD_REQUEST;
            return NULL;
        }
    }
    buf[len] = '\0';
    *status = OK;
    *out_len = len;
    return buf;
}

/* This server's origin as httpd builds its own URLs (ap_construct_url):
 * the scheme and name of ServerName under UseCanonicalName On (how a
 * server behind a proxy or a TLS terminator learns its public origin),
 * else the request's Host. */
static const char *own_origin(request_rec *r)
{
    const char *url = ap_construct_url(r->pool, "/", r);
    size_t n = strlen(url);

    return n > 0 && url[n - 1] == '/' ? apr_pstrndup(r->pool, url, n - 1) : url;
}

/* Posted from another origin? A browser says so in Sec-Fetch-Site, and in
 * Origin on every POST (RFC 6454 7.3): a page of a sibling host of the same
 * site (which SameSite does not stop, and which may plant the token's
 * cookie) is refused whatever token it sends. Clients that send neither
 * (scripts) have the token to show. NULL if not, else why. */
static const char *cross_origin(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *own;

    if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return apr_psprintf(r->pool, "Sec-Fetch-Site: %s", ap_escape_logitem(r->pool, site));
    if (origin == NULL)
        return NULL;
    own = own_origin(r);
    if (strcasecmp(origin, own) == 0)
        return NULL;
    return apr_psprintf(r->pool, "Origin %s, this server's %s: behind a proxy, "
                        "ServerName https://<public name> with UseCanonicalName "
                        "On (or ProxyPreserveHost On at the proxy) makes them one",
                        ap_escape_logitem(r->pool, origin), own);
}

static int refuse_post(request_rec *r, const char *tag, int status, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "%s: %s", tag, why);
    apr_table_setn(r->notes, "negotiate-error", tag);
    neg_status_refusal(tag);
    return status;
}

static const char *form_return(request_rec *r, const char *ret)
{
    if (ret == NULL || *ret == '\0')
        return "/";
    if (neg_login_return_ok(r->pool, ret))
        return ret;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "NEG1003: the login form's "
                  "return value is not a path on this server (it would send "
                  "the browser elsewhere: an open redirect); going to / instead");
    return "/";
}

#define WRONG "The user name or password is not right, or this account may not sign in here."

static int login_post(request_rec *r, const neg_dir_conf *conf)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *cookie, *ret, *name;
    char *body, *user, *pw, *csrf, *ret_raw;
    apr_size_t body_len = 0;
    int status, dup = 0;
    apr_time_t deadline;
    neg_logon_ctx ctx;
    neg_verdict v;
    neg_identity *id;
    const char *tag, *why;

    if (ctype == NULL
        || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0
        || (ctype[33] != '\0' && ctype[33] != ';' && ctype[33] != ' '))
        return refuse_post(r, "NEG1002", HTTP_UNSUPPORTED_MEDIA_TYPE,
                           "refused a login form POST that is not "
                           "application/x-www-form-urlencoded");
    body = read_body(r, &status, &body_len);
    if (body == NULL)
        return refuse_post(r, "NEG1002", status, status == HTTP_REQUEST_ENTITY_TOO_LARGE
                           ? "refused a login form POST larger than 8192 bytes"
                           : "refused a login form POST whose body could not be read");
    /* winbind's budget from now: a client that trickles its body does not
     * spend it, and cannot make the logon time out while the domain
     * controller checks the password */
    deadline = apr_time_now() + apr_time_from_msec(neg_winbind_timeout_ms(conf));
    neg_glue_logon_ctx(r, conf, deadline, &ctx);
    cookie = cookie_of(r, CSRF_COOKIE_FOR(ctx.tls));
    user = field(r->pool, body, "username", &dup);
    pw = field(r->pool, body, "password", &dup);
    csrf = field(r->pool, body, "csrf", &dup);
    ret_raw = field(r->pool, body, "return", &dup);
    neg_wipe(body, body_len);
    ret = form_return(r, ret_raw);
    if ((why = cross_origin(r)) != NULL || !token_shape_ok(cookie) || csrf == NULL
        || strlen(csrf) != CSRF_LEN || !neg_ct_equal(cookie, csrf, CSRF_LEN)) {
        if (pw != NULL)
            neg_wipe(pw, strlen(pw));
        refuse_post(r, "NEG1001", HTTP_FORBIDDEN, apr_psprintf(r->pool, "refused a "
                    "login form POST %s (login CSRF: a form posted from another "
                    "site, or cookies off); the form is shown again", why
                    ? apr_psprintf(r->pool, "from another origin (%s)", why)
                    : "without the token of the form's cookie"));
        return send_form(r, conf, ctx.tls, ret, "Please sign in again.",
                         HTTP_FORBIDDEN);
    }
    if (!ctx.tls && conf->basic_plain_http != 1) {
        if (pw != NULL)
            neg_wipe(pw, strlen(pw));
        return refuse_post(r, "NEG1004", HTTP_FORBIDDEN, "refused a password "
                           "posted to the login form over plain HTTP: use "
                           "https:// (or NegotiateBasicAllowPlainHTTP On here, "
                           "for tests)");
    }
    if (dup || user == NULL || pw == NULL || *user == '\0' || *pw == '\0'
        || strlen(user) > USER_MAX || strlen(pw) > PASSWORD_MAX
        || strpbrk(user, ":\r\n") != NULL) {
        if (pw != NULL)
            neg_wipe(pw, strlen(pw));
        return send_form(r, conf, ctx.tls, ret, WRONG, HTTP_OK);
    }
    neg_verdict_init(&v);
    id = neg_basic_verify(&ctx, user, pw, "Form", &v);
    if (id != NULL && (why = neg_identity_refusal(id, r->pool, &tag)) != NULL) {
        neg_verdict_refuse(&v, tag, why);
        id = NULL;
    }
    name = id ? neg_identity_name(id, neg_user_format_of(conf), r->pool) : NULL;
    if (id != NULL && name == NULL)
        neg_verdict_refuse(&v, "NEG0401", apr_psprintf(r->pool, "refused %s: "
                           "no NetBIOS domain for NegotiateUserFormat", id->principal));
    neg_glue_log_lines(r, &v);
    if (id == NULL || name == NULL) {
        if (v.tag != NULL) {
            apr_table_setn(r->notes, "negotiate-error", v.tag);
            neg_status_refused(v.tag);
        }
        return send_form(r, conf, ctx.tls, ret, WRONG, HTTP_OK);
    }
    neg_status_logon(NEG_SMECH_BASIC, NEG_SOUT_GRANTED);
    if (!neg_session_keep(r, &ctx, id)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "NEG1008: the login form "
                      "verified %s, but cannot keep the identity in a session "
                      "here: the form's location needs Session On, "
                      "SessionCookieName and the SessionCryptoPassphrase of "
                      "the locations it signs in to", name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    set_cookie(r, QUIET_COOKIE, "", cookie_attrs(r, ctx.tls, "Lax", 0));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "NEG1006: %s signed in on the "
                  "login form; the session holds the identity", name);
    return see_other(r, ret);
}

static int login_handler(request_rec *r)
{
    const neg_dir_conf *conf = neg_glue_conf(r);
    char *args = r->args;
    int dup = 0;
    const char *ret;
    neg_logon_ctx ctx;

    if (r->method_number == M_POST)
        return login_post(r, conf);
    if (r->method_number != M_GET) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    neg_glue_logon_ctx(r, conf, apr_time_now(), &ctx);
    ret = form_return(r, field(r->pool, args, "return", &dup));
    if (field(r->pool, args, "auto", &dup) != NULL) {
        /* "sign in automatically": silent sign-in again */
        set_cookie(r, QUIET_COOKIE, "", cookie_attrs(r, ctx.tls, "Lax", 0));
        return see_other(r, ret);
    }
    return send_form(r, conf, ctx.tls, ret, NULL, HTTP_OK);
}

/* A GET is a sign-out only where the browser says where it came from
 * (Sec-Fetch-Site: this origin, or typed/bookmarked): an older browser
 * sends neither Origin nor Sec-Fetch-Site on a GET, and an image on
 * another site would sign its user out. Its POST carries Origin. */
static const char *unsure_get(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    if (r->method_number != M_GET || site != NULL)
        return NULL;
    return "a GET without Sec-Fetch-Site";
}

/* A sign-out asked from another origin (a cross-site link or form), or by
 * a GET that does not say where it came from, signs nobody out: the page
 * asks to confirm, with a button that posts here. */
static int confirm_logout(request_rec *r, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "NEG1015: a sign-out request "
                  "from another origin, or one that does not say where it came "
                  "from (%s): not signed out; the page asks to confirm", why);
    no_store(r);
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    ap_set_content_type(r, "text/html; charset=utf-8");
    r->status = r->method_number == M_POST ? HTTP_FORBIDDEN : HTTP_OK;
    if (!r->header_only)
        ap_rvputs(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>Sign out</title>\n</head>\n<body>\n<main>\n"
                  "<h1>Sign out</h1>\n<form method=\"post\">\n"
                  "<p><button type=\"submit\">Sign out</button></p>\n</form>\n"
                  "</main>\n</body>\n</html>\n", NULL);
    return OK;
}

static void signed_out_page(request_rec *r, const neg_dir_conf *conf)
{
    no_store(r);
    ap_set_content_type(r, "text/html; charset=utf-8");
    if (!r->header_only)
        ap_rvputs(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>Signed out</title>\n</head>\n<body>\n<main>\n"
                  "<h1>Signed out</h1>\n<p>You are signed out.</p>\n",
                  conf->login_form ? apr_pstrcat(r->pool, "<p><a href=\"",
                      ap_escape_html(r->pool, conf->login_form),
                      "\">Sign in</a></p>\n", NULL) : "",
                  "</main>\n</body>\n</html>\n", NULL);
}

static int logout_handler(request_rec *r)
{
    const neg_dir_conf *conf = neg_glue_conf(r);
    int quiet = conf->logout_quiet_s >= 0 ? conf->logout_quiet_s
                                          : NEG_DEFAULT_LOGOUT_QUIET_S;
    int dup = 0;
    const char *ret = field(r->pool, r->args, "return", &dup), *why;
    neg_logon_ctx ctx;

    if (r->method_number != M_GET && r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if ((why = cross_origin(r)) != NULL || (why = unsure_get(r)) != NULL)
        return confirm_logout(r, why);
    neg_glue_logon_ctx(r, conf, apr_time_now(), &ctx);
    neg_session_forget(r);
    neg_glue_forget_connection(r);
    if (quiet > 0)
        set_cookie(r, QUIET_COOKIE, "1", cookie_attrs(r, ctx.tls, "Lax", quiet));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "NEG1007: signed out%s%s",
                  r->user ? " " : "", r->user ? r->user : "");
    if (ret != NULL && neg_login_return_ok(r->pool, ret))
        return see_other(r, ret);
    signed_out_page(r, conf);
    return OK;
}

static int handler(request_rec *r)
{
    if (r->handler == NULL)
        return DECLINED;
    if (strcmp(r->handler, LOGIN_HANDLER) == 0)
        return login_handler(r);
    if (strcmp(r->handler, LOGOUT_HANDLER) == 0)
        return logout_handler(r);
    return DECLINED;
}

/* ====================================================== NegotiateLoginForm */

int neg_login_divert(request_rec *r, const neg_dir_conf *conf, const neg_verdict *v)
{
    const char *to, *html;

    if (conf->login_form == NULL || r->main != NULL || r->proxyreq == PROXYREQ_PROXY
        || (r->method_number != M_GET) || !accepts_html(r))
        return DECLINED;
    to = form_url(r, conf->login_form, this_url(r), NULL);
    /* a token that proved nobody, or the user signed out a moment ago:
     * the form, not another challenge (no prompt loop) */
    if (v->tag != NULL || quiet_cookie(r))
        return see_other(r, to);
    html = ap_escape_html(r->pool, to);
    ap_custom_response(r, HTTP_UNAUTHORIZED, apr_pstrcat(r->pool,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"refresh\" content=\"0; url=", html, "\">\n"
        "<title>Sign in</title>\n</head>\n<body>\n<p><a href=\"", html,
        "\">Sign in</a></p>\n</body>\n</html>\n", NULL));
    no_store(r);
    return DECLINED;
}

/* ====================================================== the authn provider */

static authn_status provider_check(request_rec *r, const char *user,
                                   const char *password)
{
    const neg_dir_conf *conf = neg_glue_conf(r);
    apr_time_t deadline = apr_time_now()
                          + apr_time_from_msec(neg_winbind_timeout_ms(conf));
    neg_logon_ctx ctx;
    neg_verdict v;
    neg_identity *id;
    const char *tag, *why, *name = NULL;
    char *auth_type, *pw = apr_pstrdup(r->pool, password);

    neg_glue_logon_ctx(r, conf, deadline, &ctx);
    neg_verdict_init(&v);
    if (!ctx.tls && conf->basic_plain_http != 1) {
        neg_wipe(pw, strlen(pw));
        refuse_post(r, "NEG1004", 0, "refused a password given to the authn "
                    "provider negotiate over plain HTTP: use https:// (or "
                    "NegotiateBasicAllowPlainHTTP On here, for tests)");
        return AUTH_DENIED;
    }
    if (strlen(user) > USER_MAX || strlen(pw) > PASSWORD_MAX) {
        neg_wipe(pw, strlen(pw));
        return AUTH_DENIED;
    }
    id = neg_basic_verify(&ctx, user, pw, "Basic", &v);
    if (id != NULL && (why = neg_identity_refusal(id, r->pool, &tag)) != NULL) {
        neg_verdict_refuse(&v, tag, why);
        id = NULL;
    }
    if (id != NULL && (name = neg_identity_name(id, neg_user_format_of(conf), r->pool)) == NULL) {
        neg_verdict_refuse(&v, "NEG0401", apr_psprintf(r->pool, "refused %s: "
                           "no NetBIOS domain for NegotiateUserFormat", id->principal));
        id = NULL;
    }
    neg_glue_log_lines(r, &v);
    if (id == NULL) {
        if (v.tag != NULL) {
            apr_table_setn(r->notes, "negotiate-error", v.tag);
            neg_status_refused(v.tag);
        }
        return AUTH_DENIED;
    }
    neg_status_logon(NEG_SMECH_BASIC, NEG_SOUT_GRANTED);
    neg_verdict_grant(&v, id);
    v.user = name;
    /* the caller's AuthType stays (mod_auth_form's "Form", mod_auth_basic's
     * "Basic"): the grant would make every password logon "Basic" */
    auth_type = r->ap_auth_type;
    neg_glue_grant(r, conf, &v, deadline);
    if (auth_type != NULL)
        r->ap_auth_type = auth_type;
    apr_table_setn(r->notes, "negotiate-user", name);
    return AUTH_GRANTED;
}

static const authn_provider negotiate_authn = { provider_check, NULL };

void neg_login_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "negotiate",
                              AUTHN_PROVIDER_VERSION, &negotiate_authn,
                              AP_AUTH_INTERNAL_PER_CONF);
}
