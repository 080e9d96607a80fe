/*
 * negotiation.c - SPNEGO beyond the client's first choice (see
 * negotiation.h; RFC 4178 4.2.1, 4.2.2 and section 5; MS-SPNG 3.3.5).
 */
#include "negotiation.h"

#include <string.h>

#include "apr_strings.h"

#include "kerberos.h"
#include "krb5_auth.h"
#include "ntlm.h"
#include "ntlm_auth.h"
#include "policy.h"

neg_mech neg_spnego_select(const neg_logon_ctx *ctx, const neg_token *init,
                           size_t *index)
{
    /* NTLM inside Negotiate unless the location is Negotiate:Kerberos */
    return neg_select_mech(init, neg_offers(ctx->conf, NEG_PROVIDER_NEGOTIATE),
                           index);
}

static const char *mech_list_text(apr_pool_t *p, const neg_token *t)
{
    const char *s = "";
    size_t i;

    for (i = 0; i < t->n_mechs; i++)
        s = apr_pstrcat(p, s, i ? ", " : "", neg_mech_name(t->mechs[i]), NULL);
    return s;
}

static int lists(const neg_token *t, neg_mech m)
{
    size_t i;

    for (i = 0; i < t->n_mechs; i++)
        if (t->mechs[i] == m)
            return 1;
    return 0;
}

/* A NegTokenResp answering the client: negState, supportedMech (only in
 * the first answer: RFC 4178 4.2.2), a token and a mechListMIC. */
static void answer(const neg_logon_ctx *ctx, int state, neg_mech supported,
                   const unsigned char *tok, size_t len,
                   const unsigned char *mic, size_t mic_len, neg_verdict *v)
{
    size_t n = neg_encode_resp(state, supported, tok, len, mic, mic_len, NULL, 0);
    unsigned char *buf = apr_palloc(ctx->pool, n ? n : 1);

    neg_encode_resp(state, supported, tok, len, mic, mic_len, buf, n);
    neg_verdict_reply(v, NEG_SCHEME_NEGOTIATE, buf, n);
}

/* Nothing in the client's list is taken here. Where only Kerberos is, a
 * list with NTLMSSP and no Kerberos means the client has no ticket for
 * us: NTLM's own refusal says so (NEG0301). */
static void refuse_list(const neg_logon_ctx *ctx, const neg_token *init,
                        neg_verdict *v)
{
    if (lists(init, NEG_MECH_NTLMSSP)) {
        neg_ntlm_logon(ctx, NEG_SCHEME_NEGOTIATE, &init->mech_token, init, v);
        return;
    }
    neg_verdict_refuse(v, "NEG0109", apr_psprintf(ctx->pool,
        "refused a SPNEGO token: no usable mechanism in the client's list "
        "(%s); %s takes Kerberos%s: the client offers none of them",
        mech_list_text(ctx->pool, init),
        neg_providers_text(ctx->pool, ctx->conf, ctx->tls),
        neg_offers(ctx->conf, NEG_PROVIDER_NEGOTIATE) ? " and NTLM" : ""));
}

void neg_spnego_negotiate(const neg_logon_ctx *ctx, const neg_token *init,
                          neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    size_t i = 0;
    neg_mech m = neg_spnego_select(ctx, init, &i);

    if (m == NEG_MECH_NONE) {
        refuse_list(ctx, init, v);
        return;
    }
    if (nc == NULL) {
        /* the client's next token must come on this connection */
        neg_verdict_refuse(v, "NEG0111", apr_psprintf(ctx->pool,
            "refused a SPNEGO token over HTTP/2 whose first mechanism (%s%s) "
            "is not taken here: the counter-proposal of %s needs a second "
            "leg on the same connection; the client is told to retry over "
            "HTTP/1.1 (HTTP_1_1_REQUIRED)", neg_mech_name(init->mechs[0]),
            init->mech_token.len ? "" : " without a token", neg_mech_name(m)));
        v->http11_required = 1;
        return;
    }
    neg_conn_reset(nc);
    nc->state = NEG_CONN_PROPOSED;
    nc->proxy = ctx->proxy;
    nc->scheme = NEG_SCHEME_NEGOTIATE;
    nc->spnego = 1;
    nc->proposed = m;
    nc->mic_required = i != 0;      /* RFC 4178 section 5 */
    nc->mech_list = apr_pmemdup(nc->pool, init->mech_list.data, init->mech_list.len);
    nc->mech_list_len = init->mech_list.len;
    v->outcome = NEG_CONTINUE;
    /* RFC 4178 4.2.2: request-mic when the mechanism is not the client's
     * first; MIT's initiator refuses any other counter-proposal of a
     * mechanism other than NTLMSSP (init_ctx_reselect) */
    answer(ctx, nc->mic_required ? NEG_STATE_REQUEST_MIC : NEG_STATE_ACCEPT_INCOMPLETE,
           m, NULL, 0, NULL, 0, v);
    neg_verdict_log(v, NEG_LOG_INFO, "NEG0110", apr_psprintf(ctx->pool,
        "SPNEGO: the client's list is (%s) and its first mechanism%s is not "
        "taken here; counter-proposed %s (RFC 4178 4.2.2)",
        mech_list_text(ctx->pool, init), init->mech_token.len ? ""
        : " came without a token, or", neg_mech_name(m)));
}

int neg_spnego_expects(const neg_logon_ctx *ctx)
{
    return ctx->conn != NULL && ctx->conn->proxy == ctx->proxy
        && (ctx->conn->state == NEG_CONN_PROPOSED
            || ctx->conn->state == NEG_CONN_MIC_PENDING);
}

static void refuse(const neg_logon_ctx *ctx, const char *tag, const char *text,
                   neg_verdict *v)
{
    neg_verdict_refuse(v, tag, text);
    neg_conn_reset(ctx->conn);
}

/* NTLM counter-proposed: the client's NEGOTIATE comes in a NegTokenResp;
 * the handshake goes on as if it had come in the NegTokenInit, whose
 * mechanism list the connection kept. */
static void continue_ntlm(const neg_logon_ctx *ctx, const neg_token *resp,
                          neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    int mic_required = nc->mic_required;
    neg_token init;

    if (ntlm_message_type(resp->mech_token.data, resp->mech_token.len) != 1) {
        refuse(ctx, "NEG0112", "refused a SPNEGO token after our counter-"
               "proposal of NTLMSSP: it carries no NTLM NEGOTIATE message", v);
        return;
    }
    memset(&init, 0, sizeof(init));
    init.kind = NEG_TOKEN_SPNEGO_INIT;
    init.mech_list.data = apr_pmemdup(ctx->pool, nc->mech_list, nc->mech_list_len);
    init.mech_list.len = nc->mech_list_len;
    neg_ntlm_logon(ctx, NEG_SCHEME_NEGOTIATE, &resp->mech_token, &init, v);
    if (v->outcome == NEG_CONTINUE)
        nc->mic_required = mic_required;
}

/* Kerberos after a counter-proposal. Without a mechListMIC to exchange
 * (the client's first mechanism came without its token), its answer is
 * accept-completed with the AP-REP. With one: ours goes with the AP-REP;
 * the client's, if it came along, is checked at once, else it comes with
 * the client's next token (a mutual-authentication initiator signs only
 * once it has our AP-REP): nothing is granted before it is checked. */
static void continue_krb5(const neg_logon_ctx *ctx, const neg_token *resp,
                          neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    neg_mech m = (neg_mech)nc->proposed;
    int mic_required = nc->mic_required;
    size_t list_len = nc->mech_list_len;
    unsigned char *list = apr_pmemdup(ctx->pool, nc->mech_list, list_len);
    const unsigned char *mic = NULL;
    size_t mic_len = 0;
    neg_krb5_result k;
    neg_identity *id;

    id = neg_krb5_accept_ticket(ctx, &resp->mech_token, m,
                                mic_required ? nc->pool : NULL, &k, v);
    if (id == NULL) {
        if (nc->state == NEG_CONN_PROPOSED) {   /* a KRB-ERROR went back */
            nc->mic_required = mic_required;
            nc->mech_list = apr_pmemdup(nc->pool, list, list_len);
            nc->mech_list_len = list_len;
        }
        return;
    }
    if (mic_required && !neg_krb5_get_mic(k.context, list, list_len, ctx->pool,
                                          &mic, &mic_len)) {
        refuse(ctx, "NEG0211", "refused a Kerberos logon after a SPNEGO "
               "counter-proposal: the mechListMIC cannot be made", v);
        return;
    }
    if (mic_required && resp->mech_list_mic.len > 0
        && !neg_krb5_verify_mic(k.context, list, list_len,
                                resp->mech_list_mic.data, resp->mech_list_mic.len)) {
        refuse(ctx, "NEG0211", apr_psprintf(ctx->pool, "refused the Kerberos "
               "logon of %s: the client's SPNEGO mechListMIC does not match "
               "its mechanism list (altered on the way?)", id->principal), v);
        return;
    }
    if (mic_required && resp->mech_list_mic.len == 0) {
        nc->state = NEG_CONN_MIC_PENDING;
        nc->spnego = 1;
        nc->scheme = NEG_SCHEME_NEGOTIATE;
        nc->krb5_context = k.context;
        nc->mech_list = apr_pmemdup(nc->pool, list, list_len);
        nc->mech_list_len = list_len;
        nc->id = *neg_identity_copy(nc->pool, id);
        nc->id.ccache = NULL;       /* the request's, gone with it */
        nc->proxy = ctx->proxy;
        v->outcome = NEG_CONTINUE;
        answer(ctx, NEG_STATE_ACCEPT_INCOMPLETE, NEG_MECH_NONE, k.reply,
               k.reply_len, mic, mic_len, v);
        return;
    }
    answer(ctx, NEG_STATE_ACCEPT_COMPLETED, NEG_MECH_NONE, k.reply, k.reply_len,
           mic, mic_len, v);
    if (ctx->conf->persist_kerberos == 1)
        neg_krb5_bind_to_connection(ctx, id);
    else
        neg_conn_reset(nc);
    neg_verdict_grant(v, id);
}

/* The client's mechListMIC, after our AP-REP and ours. */
static void finish_mic(const neg_logon_ctx *ctx, const neg_token *resp,
                       neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    neg_identity *id;
    const char *why;

    if (resp->mech_list_mic.len == 0 || resp->mech_token.len > 0) {
        refuse(ctx, "NEG0211", apr_psprintf(ctx->pool, "refused the Kerberos "
               "logon of %s: after a SPNEGO counter-proposal its mechListMIC "
               "is required (RFC 4178 section 5), and the client's last token "
               "carries %s", nc->id.principal, resp->mech_token.len
               ? "another mechanism token" : "none"), v);
        return;
    }
    if (!neg_krb5_verify_mic(nc->krb5_context, nc->mech_list, nc->mech_list_len,
                             resp->mech_list_mic.data, resp->mech_list_mic.len)) {
        refuse(ctx, "NEG0211", apr_psprintf(ctx->pool, "refused the Kerberos "
               "logon of %s: the client's SPNEGO mechListMIC does not match "
               "its mechanism list (altered on the way?)", nc->id.principal), v);
        return;
    }
    /* The ticket was accepted by the previous request, whose location may
     * differ from this one (the client chooses the URL of each leg): grant
     * only what this location admits of how it was proved. */
    if ((why = neg_logon_admits(ctx, &nc->id, NEG_VIA_HANDSHAKE)) != NULL) {
        refuse(ctx, "NEG0107", apr_psprintf(ctx->pool, "refused the Kerberos "
               "logon of %s at the last leg of a SPNEGO counter-proposal: %s",
               nc->id.principal, why), v);
        return;
    }
    id = neg_identity_copy(ctx->pool, &nc->id);
    answer(ctx, NEG_STATE_ACCEPT_COMPLETED, NEG_MECH_NONE, NULL, 0, NULL, 0, v);
    if (ctx->conf->persist_kerberos == 1)
        neg_krb5_bind_to_connection(ctx, id);
    else
        neg_conn_reset(nc);
    neg_verdict_grant(v, id);
}

void neg_spnego_continue(const neg_logon_ctx *ctx, const neg_token *resp,
                         neg_verdict *v)
{
    neg_conn *nc = ctx->conn;

    if (nc->state == NEG_CONN_MIC_PENDING) {
        finish_mic(ctx, resp, v);
        return;
    }
    if (resp->neg_state == NEG_STATE_REJECT || resp->mech_token.len == 0) {
        refuse(ctx, "NEG0112", apr_psprintf(ctx->pool, "refused a SPNEGO "
               "token after our counter-proposal of %s: the client %s",
               neg_mech_name((neg_mech)nc->proposed),
               resp->neg_state == NEG_STATE_REJECT ? "rejected it"
               : "sent no token of that mechanism"), v);
        return;
    }
    if (nc->proposed == NEG_MECH_NTLMSSP)
        continue_ntlm(ctx, resp, v);
    else
        continue_krb5(ctx, resp, v);
}
