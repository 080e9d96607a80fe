/*
 * krb5_auth.c - one Kerberos logon (see krb5_auth.h).
 */
#include "krb5_auth.h"

#include <string.h>

#include "apr_strings.h"

#include "kerberos.h"
#include "policy.h"
#include "mech.h"
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
            "cannot be told from a new logon",
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
    id->evidence = k->evidence;
    id->evidence_len = k->evidence_len;
    id->evidence_forwardable = k->evidence_forwardable;
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

/* Accept the ticket and make its identity: everything a Kerberos logon
 * does before it answers. With st->keep, the security context is kept in
 * that pool (st->mic_key) for SPNEGO's mechListMICs. Refused: the verdict
 * says why; when Heimdal refused for clock skew or a ticket not valid yet
 * with a KRB-ERROR for the client, that goes back as a continuation (IIS
 * does so: MS-KILE 3.4.5.4) that the client may retry after with the
 * server's time (MS-KILE 3.2.5.8). */
static void krb5_step(const neg_logon_ctx *ctx, const neg_bytes *token,
                      neg_mech_step *st, neg_verdict *v)
{
    neg_krb5_acceptor *acc;
    neg_krb5_result k;
    neg_identity *id;
    const neg_cbt *cb;
    const char *why;
    size_t cb_len;
    int ok;

    st->result = NEG_STEP_REFUSED;
    /* a ticket is a whole logon: new credentials replace the old */
    if (ctx->conn != NULL && ctx->conn->state != NEG_CONN_IDLE)
        neg_conn_reset(ctx->conn);
    cb = binding_for(ctx, v, &cb_len);
    if (ctx->epa != NEG_EPA_OFF && cb == NULL)
        return;
    if ((acc = acquire(ctx, v)) == NULL)
        return;
    ok = neg_krb5_accept_keep(acc, token->data, token->len, ctx->pool,
                              ctx->conf->delegation_dir, cb ? cb->app_data : NULL,
                              cb_len, ctx->conf->ticket_cache != 0, st->keep, &k);
    neg_krb5_release(acc);
    if (!ok && k.bindings == NEG_KRB5_BOUND_ELSEWHERE) {
        refuse_unbound(ctx, &k, bound_elsewhere(ctx), v);
        return;
    }
    if (!ok) {
        neg_verdict_refuse(v, k.anonymous ? "NEG0209" : "NEG0203",
                           k.anonymous ? k.error : apr_pstrcat(ctx->pool,
                           "Kerberos authentication failed: ", k.error, NULL));
        if (k.error_token_len > 0) {
            st->result = NEG_STEP_CONTINUE;
            st->retry = 1;
            st->token = k.error_token;
            st->token_len = k.error_token_len;
        }
        return;
    }
    if ((why = unbound(ctx, &k)) != NULL) {
        refuse_unbound(ctx, &k, why, v);
        return;
    }
    if (refused_replay(ctx, &k, v) || (id = identity_of(ctx, &k, v)) == NULL)
        return;
    if (k.ccache_error != NULL)
        neg_verdict_log(v, NEG_LOG_WARNING, "NEG0205", apr_pstrcat(ctx->pool,
                        k.ccache_error, ": the application gets no KRB5CCNAME", NULL));
    st->result = NEG_STEP_DONE;
    st->id = id;
    st->token = k.reply;
    st->token_len = k.reply_len;
    st->mic_key = k.context;
}

/* A krb5 GSS token (RFC 4121 4.1), either OID. */
static int krb5_claims(const neg_bytes *token)
{
    neg_token t;

    return neg_token_parse(token->data, token->len, &t) == NEG_PARSE_OK
        && t.kind == NEG_TOKEN_RAW_KRB5;
}

static int krb5_make_mic(void *key, const unsigned char *list, size_t len,
                         apr_pool_t *p, const unsigned char **mic, size_t *mic_len)
{
    return key != NULL && neg_krb5_get_mic(key, list, len, p, mic, mic_len);
}

static int krb5_check_mic(void *key, const unsigned char *list, size_t len,
                          const unsigned char *mic, size_t mic_len, const char **why)
{
    *why = NULL;
    return key != NULL && neg_krb5_verify_mic(key, list, len, mic, mic_len);
}

/* NegotiatePersistKerberos: like NTLM, the connection is that user from
 * now on (IIS's authPersistNonNTLM). */
static int krb5_binds_connection(const neg_logon_ctx *ctx)
{
    return ctx->conf->persist_kerberos == 1;
}

const neg_mech_ops neg_krb5_ops = {
    "kerberos", "Kerberos", "NEG0211", 0, 1,
    krb5_claims, krb5_step, krb5_make_mic, krb5_check_mic, krb5_binds_connection
};
