/*
 * basic_auth.c - one Basic logon (see basic_auth.h).
 */
#include "basic_auth.h"

#include <string.h>

#include "apr_strings.h"

#include "mech.h"
#include "policy.h"
#include "principal.h"
#include "winbind.h"
#include "secret.h"

/* "EXAMPLE\alice" or "alice@example.test" or "alice". */
static void split_user(apr_pool_t *p, const char *user, const char **account,
                       const char **domain)
{
    const char *sep = strchr(user, '\\');
    const char *at = neg_principal_at(user);

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

/* The identity these very credentials proved on this connection less than
 * NEG_BASIC_CACHE_SECONDS ago, if this location admits it. */
static neg_identity *cached(const neg_logon_ctx *ctx, const unsigned char mac[32])
{
    neg_conn *nc = ctx->conn;

    if (nc == NULL || nc->basic_id == NULL
        || apr_time_now() - nc->basic_at >= apr_time_from_sec(NEG_BASIC_CACHE_SECONDS)
        || !neg_ct_equal(mac, nc->basic_mac, 32)
        || neg_logon_admits(ctx, nc->basic_id, NEG_VIA_BASIC_CACHE) != NULL)
        return NULL;
    return neg_identity_copy(ctx->pool, nc->basic_id);
}

/* Any new credentials replace what the connection held (the reset makes
 * a new MAC key too). */
static void remember(const neg_logon_ctx *ctx, const neg_identity *id,
                     const unsigned char *cred, size_t len)
{
    if (ctx->conn != NULL)
        neg_conn_remember_basic(ctx->conn, id, cred, len);
}

static void mac_of(const neg_logon_ctx *ctx, const unsigned char *cred, size_t len,
                   unsigned char mac[32])
{
    if (ctx->conn != NULL)
        neg_conn_credential_mac(ctx->conn, cred, len, mac);
    else
        memset(mac, 0, 32);
}

static const char *refusal_text(apr_pool_t *p, const char *label, const char *user,
                                const neg_wb_result *res, neg_wb_status st)
{
    const char *why = res->guest ? "the domain logged it on as Guest"
                                 : neg_wb_status_str(st);

    if (strncmp(res->nt_string, "NT_STATUS_NOLOGON_", 18) == 0)
        why = "a computer or trust account, whose password is right; they may "
              "not sign in here (NegotiateMachineAccounts Off)";
    return apr_psprintf(p, "%s logon of %s refused: %s%s%s", label, user, why,
                        *res->nt_string ? " " : "", res->nt_string);
}

/* Refused before the domain saw it: the client address has its share of
 * winbind already (NegotiateWinbindPerClient, per httpd process). */
static const char *client_busy(const neg_logon_ctx *ctx, const char *user)
{
    return apr_psprintf(ctx->pool, "refused the Basic logon of %s at once: its "
                        "client address %s already has %d calls to winbind in "
                        "this httpd process (NegotiateWinbindPerClient): a "
                        "flood of logons from one address, or many users "
                        "behind one address (a proxy: mod_remoteip)", user,
                        ctx->client ? ctx->client : "-", neg_wb_client_share());
}

/* A failed logon, past NegotiateFailureLimit or refused by the domain:
 * the same answer either way (the client cannot tell them apart). */
static void guard_refusal(const neg_logon_ctx *ctx, const char *user,
                          const char *label, neg_fail_decision d, neg_verdict *v)
{
    neg_verdict_refuse(v, "NEG1005", apr_psprintf(ctx->pool,
        "refused the %s logon of %s from %s without asking the domain: %d "
        "password logons of that user from that address reached the domain "
        "in %d s (NegotiateFailureLimit), which guards the account against "
        "a lockout; answered as a wrong password", label, user,
        ctx->client ? ctx->client : "-", neg_failure_limit_count(),
        neg_failure_limit_seconds()));
    if (d != NEG_FAIL_BLOCKED_FIRST)
        v->n_lines = 0;         /* one line per user, address and window */
}

neg_identity *neg_basic_verify(const neg_logon_ctx *ctx, const char *user,
                               char *pw, const char *auth_type, neg_verdict *v)
{
    const char *account, *domain, *label = strcmp(auth_type, "Basic") == 0
                                           ? "Basic" : auth_type;
    int allow_machine = neg_machine_accounts_allowed(ctx->conf);
    neg_wb_result res;
    neg_wb_status ws;
    neg_identity *id;
    neg_fail_ticket ticket;
    neg_fail_decision d;

    split_user(ctx->pool, user, &account, &domain);
    d = neg_logon_guard(ctx, account, domain, &ticket);
    if (d != NEG_FAIL_GO) {
        neg_wipe(pw, strlen(pw));
        guard_refusal(ctx, user, label, d, v);
        return NULL;
    }
    ws = neg_wb_verify_plain(account, domain, pw, allow_machine, ctx->client,
                             neg_logon_budget_ms(ctx), &res);
    neg_wipe(pw, strlen(pw));
    neg_logon_guard_end(&ticket, ws, ws == NEG_WB_OK && res.guest);
    if (ws == NEG_WB_CLIENT_BUSY) {
        neg_verdict_refuse(v, "NEG0505", client_busy(ctx, user));
        neg_wb_result_clear(&res);
        return NULL;
    }
    if (ws == NEG_WB_OK && !res.guest && res.machine && !allow_machine) {
        ws = NEG_WB_AUTH_FAILED;
        apr_cpystrn(res.nt_string, "NT_STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT",
                    sizeof(res.nt_string));
    }
    if (ws != NEG_WB_OK || res.guest) {
        neg_verdict_refuse(v, strncmp(res.nt_string, "NT_STATUS_NOLOGON_", 18) == 0
                           ? "NEG0504" : "NEG0502",
                           refusal_text(ctx->pool, label, user, &res, ws));
        neg_wb_result_clear(&res);
        return NULL;
    }
    neg_verdict_log(v, NEG_LOG_INFO, "NEG0503", apr_psprintf(ctx->pool,
                    "%s: the domain verified the password of %s", label, user));
    id = apr_pcalloc(ctx->pool, sizeof(*id));
    neg_identity_from_winbind(id, ctx->pool, &res, "basic", auth_type);
    neg_wb_result_clear(&res);
    neg_logon_stamp(ctx, id, NEG_BIND_UNCHECKED);   /* a password binds nothing */
    return id;
}

/* Basic credentials ("user:password", RFC 7617), verified by the domain. */
static void basic_step(const neg_logon_ctx *ctx, const neg_bytes *token,
                       neg_mech_step *st, neg_verdict *v)
{
    const unsigned char *cred = token->data;
    size_t len = token->len;
    const char *colon = memchr(cred, ':', len), *user;
    unsigned char mac[32];
    neg_identity *id;
    char *pw;

    st->result = NEG_STEP_REFUSED;
    if (colon == NULL || colon == (const char *)cred || memchr(cred, '\0', len)) {
        neg_verdict_refuse(v, "NEG0501",
                           "refused Basic credentials that are not user:password");
        return;
    }
    mac_of(ctx, cred, len, mac);
    if ((id = cached(ctx, mac)) != NULL) {
        st->result = NEG_STEP_DONE;
        st->id = id;
        return;
    }
    user = apr_pstrndup(ctx->pool, (const char *)cred, (apr_size_t)(colon - (const char *)cred));
    pw = apr_pstrndup(ctx->pool, colon + 1, len - (size_t)(colon + 1 - (const char *)cred));
    id = neg_basic_verify(ctx, user, pw, "Basic", v);
    if (id == NULL) {
        if (ctx->conn != NULL)
            neg_conn_reset(ctx->conn);
        return;
    }
    remember(ctx, id, cred, len);
    st->result = NEG_STEP_DONE;
    st->id = id;
}

static int basic_claims(const neg_bytes *token)
{
    (void)token;
    return 0;                       /* never inside SPNEGO */
}

/* Every Basic request carries its credentials: the connection keeps only
 * a MAC of them (remember), never an identity for requests without. */
static int basic_binds_connection(const neg_logon_ctx *ctx)
{
    (void)ctx;
    return 0;
}

const neg_mech_ops neg_basic_ops = {
    "basic", "Basic", "NEG0502", 0, 0,
    basic_claims, basic_step, NULL, NULL, basic_binds_connection
};
