/*
 * logon.c - one request's logon (see logon.h): the Authorization header,
 * the token's framing, the mechanism the location allows, and the reuse of
 * an identity proved before.
 */
#include "logon.h"

#include <string.h>

#include "apr_strings.h"

#include "mech.h"
#include "negotiation.h"
#include "policy.h"
#include "spnego.h"
#include "secret.h"
#include "s4u.h"
#include "status.h"
#include "winbind.h"

/* The token, by what its bytes are and the scheme it came under, to the
 * framing that handles it (negotiation.c). */
static void dispatch_token(const neg_logon_ctx *ctx, neg_scheme scheme,
                           const neg_token *tok, neg_verdict *v)
{
    switch (tok->kind) {
    case NEG_TOKEN_RAW_NTLMSSP:
        neg_negotiate_raw(ctx, scheme, &neg_ntlm_ops, tok->kind, &tok->mech_token, v);
        return;
    case NEG_TOKEN_RAW_KRB5:
        if (scheme == NEG_SCHEME_NEGOTIATE) {
            neg_negotiate_raw(ctx, scheme, &neg_krb5_ops, tok->kind, &tok->mech_token, v);
            return;
        }
        break;
    case NEG_TOKEN_SPNEGO_INIT:
        if (scheme == NEG_SCHEME_NEGOTIATE) {
            neg_spnego_init(ctx, tok, v);
            return;
        }
        break;
    case NEG_TOKEN_SPNEGO_RESP:
        if (scheme == NEG_SCHEME_NEGOTIATE) {
            neg_spnego_continue(ctx, tok, v);
            return;
        }
        break;
    default:
        break;
    }
    neg_verdict_refuse(v, "NEG0105", apr_psprintf(ctx->pool,
                       "refused a token that the %s scheme cannot carry",
                       neg_scheme_name(scheme)));
}

/* Would this location reuse the identity bound to the connection? Only if
 * it admits how it was proved (NTLM; Kerberos where NegotiatePersistKerberos
 * is On). */
static void reuse_connection(const neg_logon_ctx *ctx, neg_verdict *v)
{
    const neg_conn *nc = ctx->conn;
    const neg_identity *id = nc ? &nc->id : NULL;
    const char *why;

    if (nc == NULL || nc->state != NEG_CONN_AUTHENTICATED)
        return;
    why = neg_logon_admits(ctx, id, NEG_VIA_CONNECTION);
    if (why != NULL) {
        neg_verdict_log(v, NEG_LOG_INFO, "NEG0108", apr_psprintf(ctx->pool,
            "the identity this connection proved (%s by %s) is not accepted "
            "here: %s; sending the challenge", id->principal, id->mech, why));
        return;
    }
    /* The request keeps a copy: the connection's memory is not its own. */
    neg_verdict_grant(v, neg_identity_copy(ctx->pool, id));
}

static void authenticate(const neg_logon_ctx *ctx, const char *value,
                         neg_verdict *v)
{
    neg_auth_header h;
    neg_hdr_result hr = neg_header_parse(value, neg_max_token(ctx->conf), &h);
    neg_parse_result pr;
    neg_token tok;
    unsigned char *buf;
    size_t n;

    if (h.scheme == NEG_SCHEME_OTHER
        || (hr == NEG_HDR_OK && !neg_scheme_offered(ctx->conf, ctx->tls, h.scheme))) {
        neg_verdict_refuse(v, "NEG0101", apr_psprintf(ctx->pool,
            "client used the authentication scheme '%.*s', which this location "
            "does not offer (%s)", (int)(h.scheme_len > 32 ? 32 : h.scheme_len),
            h.scheme_name ? h.scheme_name : "",
            neg_providers_text(ctx->pool, ctx->conf, ctx->tls)));
        return;
    }
    if (hr != NEG_HDR_OK) {
        neg_verdict_refuse(v, "NEG0102", apr_psprintf(ctx->pool,
            "refused the %s Authorization header: %s%s", neg_scheme_name(h.scheme),
            neg_hdr_result_str(hr), hr == NEG_HDR_TOO_LARGE
            ? apr_psprintf(ctx->pool, " (limit %" APR_SIZE_T_FMT " bytes)",
                           neg_max_token(ctx->conf)) : ""));
        return;
    }
    buf = apr_palloc(ctx->pool, h.decoded_len + 3);
    n = neg_header_decode(&h, buf);
    if (h.scheme == NEG_SCHEME_BASIC) {
        neg_bytes cred = { buf, n };

        neg_negotiate_raw(ctx, h.scheme, &neg_basic_ops, NEG_TOKEN_INVALID, &cred, v);
        neg_wipe(buf, n);            /* the password */
        return;
    }
    pr = neg_token_parse(buf, n, &tok);
    if (pr != NEG_PARSE_OK) {
        neg_verdict_refuse(v, "NEG0106", apr_psprintf(ctx->pool,
            "refused the %s token (%" APR_SIZE_T_FMT " bytes): %s",
            neg_scheme_name(h.scheme), n, neg_parse_result_str(pr)));
        return;
    }
    dispatch_token(ctx, h.scheme, &tok, v);
}

/* REMOTE_USER in this location's format, for an identity fit to be
 * published: every grant, fresh or reused, comes through here. A refused
 * identity leaves nothing on the connection. */
static void name_user(const neg_logon_ctx *ctx, neg_verdict *v)
{
    const neg_identity *id = v->id;
    const char *tag, *why = neg_identity_refusal(id, ctx->pool, &tag);

    if (why != NULL) {
        neg_verdict_refuse(v, tag, why);
        if (ctx->conn != NULL)
            neg_conn_reset(ctx->conn);
        return;
    }
    v->user = neg_identity_name(id, neg_user_format_of(ctx->conf), ctx->pool);
    if (v->user == NULL)
        neg_verdict_refuse(v, "NEG0401", apr_psprintf(ctx->pool,
            "refused %s: NegotiateUserFormat down-level needs the NetBIOS "
            "domain of the realm %s, and the ticket carries no PAC: add "
            "NegotiateRealmMap %s <NETBIOS>", id->principal, id->realm, id->realm));
}

/* A fresh logon's identity passes the same question as every reused one:
 * the mechanisms enforce the location's rules themselves, and this keeps
 * a rule added to the policy from being missed by one of them. */
static void check_fresh(const neg_logon_ctx *ctx, neg_verdict *v)
{
    const char *why = neg_logon_admits(ctx, v->id, NEG_VIA_LOGON);

    if (why == NULL)
        return;
    neg_verdict_refuse(v, "NEG0113", apr_psprintf(ctx->pool,
        "refused the logon of %s (%s): %s", v->id->principal, v->id->mech, why));
    v->id = NULL;
    if (ctx->conn != NULL)
        neg_conn_reset(ctx->conn);
}

/* Each KDC exchange of NegotiateDelegateTo ends within this. */
#define NEG_S4U_KDC_TIMEOUT_S 5

/* The status counter of a NegotiateDelegateTo refusal's tag. */
static neg_stat deleg_refusal_stat(const char *tag)
{
    static const struct {
        const char *tag;
        neg_stat stat;
    } map[] = {
        { "NEG1101", NEG_STAT_DELEG_REFUSED_SPN },
        { "NEG1103", NEG_STAT_DELEG_REFUSED_TGT },
        { "NEG1104", NEG_STAT_DELEG_REFUSED_KDC },
        { "NEG1105", NEG_STAT_DELEG_REFUSED_SELF },
        { "NEG1106", NEG_STAT_DELEG_REFUSED_DIR },
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].tag, tag) == 0)
            return map[i].stat;
    return NEG_STAT_DELEG_REFUSED_TGT;
}

static void deleg_counts(const neg_s4u_result *res)
{
    int i;

    neg_status_add(NEG_STAT_DELEG_FROM_KDC, res->n_from_kdc);
    neg_status_add(NEG_STAT_DELEG_FROM_CACHE, res->n_from_cache);
    neg_status_add(NEG_STAT_DELEG_SELF_FROM_CACHE, res->self_from_cache);
    for (i = 0; i < res->refusals->nelts; i++)
        neg_status_add(deleg_refusal_stat(APR_ARRAY_IDX(res->refusals, i,
                                                        neg_s4u_refusal).tag), 1);
}

/* How the tickets came: "S4U2Proxy", "S4U2Self and S4U2Proxy", and how
 * many from this process's cache. */
static const char *deleg_how(apr_pool_t *p, const neg_s4u_request *req,
                             const neg_s4u_result *res)
{
    const char *how = req->evidence ? "S4U2Proxy" : "S4U2Self and S4U2Proxy";

    if (res->n_from_cache == 0 && !res->self_from_cache)
        return how;
    return apr_psprintf(p, "%s; %d from this process's cache%s", how,
                        res->n_from_cache, res->self_from_cache
                        ? ", the S4U2Self ticket too" : "");
}

/* NegotiateDelegateTo: tickets as the user to the back ends, in a ccache
 * of this request's (s4u.h), for an identity without delegated
 * credentials: S4U2Proxy with the client's ticket after a Kerberos logon,
 * S4U2Self first otherwise. What the KDC refuses is logged; the request
 * goes on without them. */
static void delegate(const neg_logon_ctx *ctx, neg_verdict *v)
{
    const neg_dir_conf *c = ctx->conf;
    neg_s4u_request req;
    neg_s4u_result res;
    neg_identity *id;
    int i;

    if (c->delegate_to == NULL || c->delegate_to->nelts == 0
        || v->id == NULL || v->id->ccache != NULL || v->id->principal == NULL)
        return;
    if (c->delegation_dir == NULL) {
        neg_status_add(NEG_STAT_DELEG_REFUSED_DIR, 1);
        neg_verdict_log(v, NEG_LOG_WARNING, "NEG1106", apr_psprintf(ctx->pool,
            "NegotiateDelegateTo needs NegotiateDelegationDir (a directory "
            "private to the Apache user) for the tickets of %s: none are got",
            v->id->principal));
        return;
    }
    memset(&req, 0, sizeof(req));
    req.keytab = c->keytab;
    req.service = v->id->service;
    req.user = v->id->principal;
    req.user_sid = v->id->user_sid;
    req.evidence = v->id->evidence;
    req.evidence_len = v->id->evidence_len;
    req.evidence_forwardable = v->id->evidence ? v->id->evidence_forwardable : -1;
    req.spns = c->delegate_to;
    req.dir = c->delegation_dir;
    req.kdc_timeout_s = NEG_S4U_KDC_TIMEOUT_S;
    neg_s4u_delegate(ctx->pool, &req, &res);
    deleg_counts(&res);
    for (i = 0; i < res.refusals->nelts; i++) {
        const neg_s4u_refusal *r = &APR_ARRAY_IDX(res.refusals, i, neg_s4u_refusal);

        neg_verdict_log(v, NEG_LOG_WARNING, r->tag, apr_psprintf(ctx->pool,
            "NegotiateDelegateTo: %s; the request goes on without that ticket",
            r->message));
    }
    if (res.ccache == NULL)
        return;
    id = apr_pmemdup(ctx->pool, v->id, sizeof(*id));
    id->ccache = res.ccache;
    v->id = id;
    neg_verdict_log(v, NEG_LOG_INFO, "NEG1100", apr_psprintf(ctx->pool,
        "NegotiateDelegateTo: %d back-end ticket(s) as %s (%s) in %s",
        res.n_tickets, id->principal, deleg_how(ctx->pool, &req, &res),
        res.ccache));
}

void neg_logon(const neg_logon_ctx *ctx, const char *authorization,
               neg_verdict *v)
{
    neg_verdict_init(v);
    if (authorization == NULL)
        reuse_connection(ctx, v);
    else {
        authenticate(ctx, authorization, v);
        if (v->outcome == NEG_GRANT)
            check_fresh(ctx, v);
    }
    if (v->outcome == NEG_GRANT)
        name_user(ctx, v);
    if (v->outcome == NEG_GRANT)
        delegate(ctx, v);
}

/* Is the ccache at path one this location's NegotiateDelegationDir holds?
 * (krb5_accept.c makes it there as DIR/krb5cc_negotiate_XXXXXX) */
static int ccache_is_here(const neg_logon_ctx *ctx, const char *path)
{
    const char *dir = ctx->conf->delegation_dir;
    size_t n = dir ? strlen(dir) : 0;

    return dir != NULL && strncmp(path, dir, n) == 0 && path[n] == '/'
           && strchr(path + n + 1, '/') == NULL;
}

/* Delegated credentials go only where NegotiateDelegationDir lets them:
 * an internal redirect or subrequest into a location without it (or with
 * another) carries the identity, not the user's ticket-granting ticket. */
static const neg_identity *without_foreign_ccache(const neg_logon_ctx *ctx,
                                                  const neg_identity *id)
{
    neg_identity *c;

    if (id->ccache == NULL || ccache_is_here(ctx, id->ccache))
        return id;
    c = apr_pmemdup(ctx->pool, id, sizeof(*id));
    c->ccache = NULL;
    return c;
}

const char *neg_logon_reuse(const neg_logon_ctx *ctx, const neg_identity *id,
                            neg_via via, neg_verdict *v)
{
    const char *why = neg_logon_admits(ctx, id, via);

    neg_verdict_init(v);
    if (why != NULL) {
        if (via == NEG_VIA_REQUEST)
            neg_verdict_refuse(v, "NEG0107", apr_psprintf(ctx->pool,
                "refused to carry the identity of %s (%s, proved at %s) into "
                "an internal redirect or subrequest: %s", id->principal,
                id->mech, id->where ? id->where : "?", why));
        return why;
    }
    id = without_foreign_ccache(ctx, id);
    neg_verdict_grant(v, (neg_identity *)id);
    name_user(ctx, v);
    /* a session's identity (the login form's, or an earlier logon's) has
     * no client ticket to show: protocol transition, as for NTLM */
    if (v->outcome == NEG_GRANT)
        delegate(ctx, v);
    return NULL;
}
