/*
 * krb5_auth.c - one Kerberos logon (see krb5_auth.h).
 */
#include "krb5_auth.h"

#include "apr_strings.h"

#include "kerberos.h"
#include "policy.h"
#include "replay.h"

/* An authenticator is acceptable while its time is within the clock skew
 * of the acceptor's clock (RFC 4120 3.2.3), so it must be remembered until
 * it can no longer be: it was accepted at most `skew` before its own time
 * and stays acceptable for `skew` after it. */
static apr_time_t replay_expiry(const neg_krb5_result *k)
{
    int skew = k->skew > 0 ? k->skew : 300;

    return apr_time_now() + apr_time_from_sec(2 * (apr_time_t)skew);
}

/* The earliest time at which the authenticator could have been accepted
 * before: its own time less the skew (RFC 4120 3.2.3: accepted while
 * within the skew of the acceptor's clock). Its time not read: now less
 * twice the skew, the earliest any authenticator still acceptable could
 * have been (the replay cache then refuses more, never less). */
static apr_time_t replay_earliest(const neg_krb5_result *k)
{
    int skew = k->skew > 0 ? k->skew : 300;

    if (k->authenticator_time == 0)
        return apr_time_now() - apr_time_from_sec(2 * (apr_time_t)skew);
    return apr_time_from_sec((apr_time_t)k->authenticator_time - skew);
}

/* "2026-11-28T10:00:00Z" */
static const char *utc_seconds(apr_pool_t *p, int64_t t)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;

    apr_time_exp_gmt(&tm, apr_time_from_sec((apr_time_t)t));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
}

static int refused_replay(const neg_logon_ctx *ctx, const neg_krb5_result *k,
                          neg_verdict *v)
{
    const char *why;

    if (!k->has_replay_key)
        return 0;
    switch (neg_replay_check(ctx->server, k->replay_key, replay_expiry(k),
                             replay_earliest(k), ctx->pool, &why)) {
    case NEG_REPLAY_FRESH:
        return 0;
    case NEG_REPLAY_SEEN:
        neg_verdict_refuse(v, "NEG0206", apr_psprintf(ctx->pool,
            "refused a replayed Kerberos authenticator of %s for %s: the same "
            "AP-REQ was accepted before (NegotiateReplayCache %s)",
            k->principal, k->service, neg_replay_name()));
        return 1;
    case NEG_REPLAY_TOO_OLD:
        neg_verdict_refuse(v, "NEG0810", apr_psprintf(ctx->pool,
            "refused the Kerberos authenticator of %s for %s made at %s: the "
            "replay cache (NegotiateReplayCache %s) %s, and this one may have "
            "been accepted before (within the %d s clock skew): a replay "
            "cannot be told from a new logon; the cache is too small for "
            "this rate of logons (README, NegotiateReplayCache)",
            k->principal, k->service, utc_seconds(ctx->pool, k->authenticator_time),
            neg_replay_name(), why, k->skew > 0 ? k->skew : 300));
        return 1;
    default:
        neg_verdict_refuse(v, "NEG0207", apr_psprintf(ctx->pool,
            "refused the Kerberos ticket of %s: the replay cache "
            "(NegotiateReplayCache %s) did not answer (%s); is it reachable?",
            k->principal, neg_replay_name(), why));
        return 1;
    }
}

/* A token in the client's framing: raw, or a NegTokenResp with this
 * negState naming the mechanism (in the OID the client used) with it
 * (RFC 4178 4.2.2). */
static void reply_framed(const neg_logon_ctx *ctx, int neg_state,
                         neg_mech spnego_mech, const unsigned char *tok,
                         size_t len, neg_verdict *v)
{
    unsigned char *buf;
    size_t n;

    if (spnego_mech == NEG_MECH_NONE) {
        neg_verdict_reply(v, NEG_SCHEME_NEGOTIATE, tok, len);
        return;
    }
    n = neg_encode_resp(neg_state, spnego_mech, tok, len, NULL, 0, NULL, 0);
    buf = apr_palloc(ctx->pool, n);
    neg_encode_resp(neg_state, spnego_mech, tok, len, NULL, 0, buf, n);
    neg_verdict_reply(v, NEG_SCHEME_NEGOTIATE, buf, n);
}

/* The mutual-authentication token in the client's framing. */
static void add_reply(const neg_logon_ctx *ctx, const neg_krb5_result *k,
                      neg_mech spnego_mech, neg_verdict *v)
{
    reply_framed(ctx, NEG_STATE_ACCEPT_COMPLETED, spnego_mech, k->reply,
                 k->reply_len, v);
}

/* NegotiatePersistKerberos: like NTLM, the connection is that user from
 * now on. Delegated credentials belong to the request, not to it. */
void neg_krb5_bind_to_connection(const neg_logon_ctx *ctx, const neg_identity *id)
{
    neg_conn *nc = ctx->conn;

    if (nc == NULL)
        return;                 /* HTTP/2: streams are not one client */
    neg_conn_reset(nc);
    nc->id = *neg_identity_copy(nc->pool, id);
    nc->id.ccache = NULL;
    nc->state = NEG_CONN_AUTHENTICATED;
}

static neg_krb5_acceptor *acquire(const neg_logon_ctx *ctx, neg_verdict *v)
{
    const char *err, *warn;
    neg_krb5_acceptor *acc = neg_krb5_acquire(ctx->conf->keytab,
                                              ctx->conf->principals, ctx->pool,
                                              &err, &warn);

    if (warn != NULL)
        neg_verdict_log(v, NEG_LOG_WARNING, "NEG0201", warn);
    if (acc == NULL)
        neg_verdict_refuse(v, "NEG0202", apr_pstrcat(ctx->pool,
                           "Kerberos is unavailable: ", err, NULL));
    return acc;
}

static neg_identity *identity_of(const neg_logon_ctx *ctx,
                                 const neg_krb5_result *k, neg_verdict *v)
{
    neg_identity *id = apr_pcalloc(ctx->pool, sizeof(*id));
    const char *err = neg_identity_from_kerberos(id, ctx->pool, k->principal,
                                                 k->pac, k->pac_len,
                                                 ctx->conf->realm_map);

    if (err != NULL) {
        neg_verdict_refuse(v, "NEG0204", apr_psprintf(ctx->pool,
                           "refused the Kerberos ticket of %s: %s", k->principal, err));
        return NULL;
    }
    if (id->machine && !neg_machine_accounts_allowed(ctx->conf)) {
        neg_verdict_refuse(v, "NEG0208", apr_psprintf(ctx->pool,
            "refused the Kerberos ticket of the computer account %s: computer "
            "and trust accounts may not sign in here (NegotiateMachineAccounts "
            "Off); set NegotiateMachineAccounts On where computers are meant "
            "to use the application", id->principal));
        return NULL;
    }
    id->keytab = ctx->conf->keytab;
    id->service = k->service;
    id->ccache = k->ccache;
    /* unbound() has refused a binding to another channel already */
    neg_logon_stamp(ctx, id, ctx->tls && k->bindings == NEG_KRB5_BOUND
                             ? NEG_BIND_BOUND : NEG_BIND_UNBOUND);
    return id;
}

/* Extended Protection: why this ticket's channel binding is not good
 * enough here, or NULL (RFC 4121 4.1.1.2; MS-KILE 3.4.5.2). Heimdal has
 * refused a binding to another channel already; what is left is a ticket
 * bound to none. */
static const char *unbound(const neg_logon_ctx *ctx, const neg_krb5_result *k)
{
    const char *mode = ctx->epa == NEG_EPA_REQUIRE ? "Require" : "Allow";

    if (ctx->epa == NEG_EPA_OFF)
        return NULL;
    if (!ctx->tls)
        return k->bindings != NEG_KRB5_BOUND ? NULL
            : "channel binding: its authenticator is bound to a TLS channel, "
              "but it arrived on plain HTTP: a token relayed from an HTTPS "
              "connection";
    switch (k->bindings) {
    case NEG_KRB5_BOUND:
        return NULL;
    case NEG_KRB5_UNBOUND_BUT_ANNOUNCED:
        return "channel binding: the client says it binds tokens to their TLS "
               "channel (KERB_AP_OPTIONS_CBT) but this one is bound to none: "
               "a token obtained outside this connection";
    case NEG_KRB5_UNBOUND:
        return ctx->epa != NEG_EPA_REQUIRE ? NULL : apr_psprintf(ctx->pool,
            "channel binding: the ticket's authenticator carries none, and "
            "NegotiateExtendedProtection %s wants one: the client does not "
            "bind Kerberos to TLS (curl and Chromium on Linux do not; Windows "
            "does); use Allow where such clients must sign in", mode);
    default:
        return ctx->epa != NEG_EPA_REQUIRE ? NULL
            : "channel binding: the authenticator could not be read to see "
              "whether it is bound (NegotiateExtendedProtection Require)";
    }
}

/* This connection's binding for the acceptor: the application data on
 * TLS; on plain HTTP an empty one (only to learn whether the client bound
 * the token to some TLS channel); NULL when Extended Protection is Off. */
static const neg_cbt *binding_for(const neg_logon_ctx *ctx, neg_verdict *v,
                                  size_t *len)
{
    static const neg_cbt none;

    *len = 0;
    if (ctx->epa == NEG_EPA_OFF)
        return NULL;
    if (!ctx->tls)
        return &none;
    if (ctx->binding == NULL) {
        neg_verdict_refuse(v, "NEG0210", apr_psprintf(ctx->pool,
            "refused a Kerberos ticket (NegotiateExtendedProtection %s): this "
            "connection's channel binding cannot be had (%s): check the "
            "server certificate, or set NegotiateExtendedProtection Off",
            ctx->epa == NEG_EPA_REQUIRE ? "Require" : "Allow",
            ctx->binding_error ? ctx->binding_error : "?"));
        return NULL;
    }
    *len = ctx->binding->app_data_len;
    return ctx->binding;
}

static void refuse_unbound(const neg_logon_ctx *ctx, const neg_krb5_result *k,
                           const char *why, neg_verdict *v)
{
    const char *whose = k->principal ? apr_psprintf(ctx->pool, "the Kerberos "
                        "ticket of %s for %s", k->principal, k->service)
                        : "a Kerberos ticket";

    neg_verdict_refuse(v, "NEG0210", apr_psprintf(ctx->pool,
        "refused %s (NegotiateExtendedProtection %s): %s", whose,
        ctx->epa == NEG_EPA_REQUIRE ? "Require" : "Allow", why));
}

static const char *bound_elsewhere(const neg_logon_ctx *ctx)
{
    char want[17];

    neg_cbt_hash_prefix(ctx->binding->app_data + NEG_CBT_PREFIX_LEN,
                        ctx->binding->app_data_len - NEG_CBT_PREFIX_LEN, want);
    return apr_psprintf(ctx->pool, "channel binding: its authenticator is "
                        "bound to another TLS channel than this connection's "
                        "(tls-server-end-point %s..., the %s of this server's "
                        "certificate): a token made for another server, i.e. "
                        "relayed; or a TLS-terminating proxy in front of httpd "
                        "presents its own certificate (then set "
                        "NegotiateExtendedProtection Off there)", want,
                        ctx->binding->hash_name);
}

/* Heimdal refused the AP-REQ with a KRB-ERROR for the client (clock skew,
 * a ticket not valid yet): send it in the client's framing, as IIS does
 * (MS-KILE 3.4.5.4), rather than a bare challenge, so that an initiator
 * that corrects its clock can retry with the server's time (MS-KILE
 * 3.2.5.8). The 401 then carries this token and no fresh challenge; the
 * refusal is logged as usual. Inside SPNEGO the retry is a NegTokenResp on
 * this connection, expected as after a counter-proposal (negotiation.c). */
static void error_reply(const neg_logon_ctx *ctx, const neg_krb5_result *k,
                        neg_mech spnego_mech, neg_verdict *v)
{
    if (k->error_token_len == 0)
        return;
    v->outcome = NEG_CONTINUE;
    reply_framed(ctx, NEG_STATE_ACCEPT_INCOMPLETE, spnego_mech, k->error_token,
                 k->error_token_len, v);
    if (spnego_mech != NEG_MECH_NONE && ctx->conn != NULL) {
        ctx->conn->state = NEG_CONN_PROPOSED;
        ctx->conn->proxy = ctx->proxy;
        ctx->conn->proposed = spnego_mech;
    }
}

/* Accept the ticket and make its identity: everything a Kerberos logon
 * does before it answers. With keep, the security context is kept in that
 * pool (k->context) for SPNEGO's mechListMIC. NULL when refused (v says
 * why; a KRB-ERROR for the client goes into v's token, see error_reply). */
neg_identity *neg_krb5_accept_ticket(const neg_logon_ctx *ctx, const neg_bytes *token,
                                     neg_mech spnego_mech, apr_pool_t *keep,
                                     neg_krb5_result *k, neg_verdict *v)
{
    neg_krb5_acceptor *acc;
    neg_identity *id;
    const neg_cbt *cb;
    const char *why;
    size_t cb_len;
    int ok;

    if (ctx->conn != NULL && ctx->conn->state != NEG_CONN_IDLE)
        neg_conn_reset(ctx->conn);      /* new credentials replace the old */
    cb = binding_for(ctx, v, &cb_len);
    if (ctx->epa != NEG_EPA_OFF && cb == NULL)
        return NULL;
    if ((acc = acquire(ctx, v)) == NULL)
        return NULL;
    ok = neg_krb5_accept_keep(acc, token->data, token->len, ctx->pool,
                              ctx->conf->delegation_dir, cb ? cb->app_data : NULL,
                              cb_len, ctx->conf->ticket_cache != 0, keep, k);
    neg_krb5_release(acc);
    if (!ok && k->bindings == NEG_KRB5_BOUND_ELSEWHERE) {
        refuse_unbound(ctx, k, bound_elsewhere(ctx), v);
        return NULL;
    }
    if (!ok) {
        neg_verdict_refuse(v, k->anonymous ? "NEG0209" : "NEG0203",
                           k->anonymous ? k->error : apr_pstrcat(ctx->pool,
                           "Kerberos authentication failed: ", k->error, NULL));
        error_reply(ctx, k, spnego_mech, v);
        return NULL;
    }
    if ((why = unbound(ctx, k)) != NULL) {
        refuse_unbound(ctx, k, why, v);
        return NULL;
    }
    if (refused_replay(ctx, k, v) || (id = identity_of(ctx, k, v)) == NULL)
        return NULL;
    if (k->ccache_error != NULL)
        neg_verdict_log(v, NEG_LOG_WARNING, "NEG0205", apr_pstrcat(ctx->pool,
                        k->ccache_error, ": the application gets no KRB5CCNAME", NULL));
    return id;
}

void neg_krb5_logon(const neg_logon_ctx *ctx, const neg_bytes *token,
                    neg_mech spnego_mech, neg_verdict *v)
{
    neg_krb5_result k;
    neg_identity *id = neg_krb5_accept_ticket(ctx, token, spnego_mech, NULL, &k, v);

    if (id == NULL)
        return;
    add_reply(ctx, &k, spnego_mech, v);
    if (ctx->conf->persist_kerberos == 1)
        neg_krb5_bind_to_connection(ctx, id);
    neg_verdict_grant(v, id);
}
