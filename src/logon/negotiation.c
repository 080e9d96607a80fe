/*
 * negotiation.c - the framing of every mechanism's tokens, and all of
 * SPNEGO (see negotiation.h; RFC 4178 4.2.1, 4.2.2 and section 5; MS-SPNG
 * 3.3.5): the mechanism the client's list selects, the counter-proposal,
 * the one NegTokenResp builder, mechListMICs both ways, and what the
 * connection remembers between legs. Mechanisms (mech.h) only take
 * tokens and give tokens.
 */
#include "negotiation.h"

#include <string.h>

#include "apr_strings.h"

#include "policy.h"

/* How the answer to a mechanism's step is framed. */
typedef struct {
    neg_scheme scheme;
    int spnego;                 /* in a NegTokenResp */
    neg_mech oid;               /* SPNEGO: the mechanism, as the client named it */
    neg_mech supported;         /* SPNEGO: our answer's supportedMech, or NONE */
    neg_bytes mech_list;        /* SPNEGO: what mechListMICs cover */
    int mic_required;           /* SPNEGO: RFC 4178 section 5 */
    const neg_token *resp;      /* SPNEGO: the client's NegTokenResp, or NULL */
} frame;

const neg_mech_ops *neg_mech_ops_for(neg_mech m)
{
    switch (m) {
    case NEG_MECH_KRB5:
    case NEG_MECH_MS_KRB5:
        return &neg_krb5_ops;
    case NEG_MECH_NTLMSSP:
        return &neg_ntlm_ops;
    default:
        return NULL;
    }
}

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

/* ------------------------------------------------------------ answers */

/* The one NegTokenResp builder: negState, supportedMech, a token and a
 * mechListMIC, each left out when absent (RFC 4178 4.2.2). */
static void resp_reply(const neg_logon_ctx *ctx, neg_scheme scheme, int state,
                       neg_mech supported, const unsigned char *tok, size_t len,
                       const unsigned char *mic, size_t mic_len, neg_verdict *v)
{
    size_t n = neg_encode_resp(state, supported, tok, len, mic, mic_len, NULL, 0);
    unsigned char *buf = apr_palloc(ctx->pool, n ? n : 1);

    neg_encode_resp(state, supported, tok, len, mic, mic_len, buf, n);
    neg_verdict_reply(v, scheme, buf, n);
}

/* A mechanism's token in the handshake's framing: raw, or a NegTokenResp. */
static void reply(const neg_logon_ctx *ctx, const frame *f, int state,
                  const unsigned char *tok, size_t len,
                  const unsigned char *mic, size_t mic_len, neg_verdict *v)
{
    if (!f->spnego) {
        if (len > 0)
            neg_verdict_reply(v, f->scheme, tok, len);
        return;
    }
    resp_reply(ctx, f->scheme, state, f->supported, tok, len, mic, mic_len, v);
}

static void refuse(const neg_logon_ctx *ctx, const char *tag, const char *text,
                   neg_verdict *v)
{
    neg_verdict_refuse(v, tag, text);
    v->id = NULL;
    if (ctx->conn != NULL)
        neg_conn_reset(ctx->conn);
}

/* ----------------------------------------------------- after a step */

/* A token to send and a next leg to wait for; the connection remembers
 * how the handshake is framed. A token after which the client may try
 * again (a KRB-ERROR: MS-KILE 3.4.5.4) goes back with the refusal's tag,
 * as a continuation; inside SPNEGO the retry is expected as after a
 * counter-proposal. */
static void continued(const neg_logon_ctx *ctx, const frame *f,
                      const neg_mech_step *st, neg_verdict *v)
{
    v->outcome = NEG_CONTINUE;
    reply(ctx, f, NEG_STATE_ACCEPT_INCOMPLETE, st->token, st->token_len, NULL, 0, v);
    if (ctx->conn == NULL)
        return;
    if (!st->retry)
        neg_conn_frame(ctx->conn, f->scheme, ctx->proxy, f->spnego, &f->mech_list,
                       f->mic_required);
    else if (f->spnego)
        neg_conn_propose(ctx->conn, ctx->proxy, f->oid, &f->mech_list, f->mic_required);
}

/* The client's mechListMIC, if it sent one: NULL when it is right or may
 * be missing, else why the logon is refused. *pending: it is missing, and
 * the client signs only once it has our token (Kerberos's AP-REP). */
static const char *client_mic(const neg_logon_ctx *ctx, const neg_mech_ops *ops,
                              const frame *f, const neg_mech_step *st,
                              int *pending)
{
    const neg_bytes *mic = f->resp ? &f->resp->mech_list_mic : NULL;
    const char *why = NULL;

    *pending = 0;
    if (mic != NULL && mic->len > 0) {
        if (ops->check_mic(st->mic_key, f->mech_list.data, f->mech_list.len,
                           mic->data, mic->len, &why))
            return NULL;
        return apr_psprintf(ctx->pool, "refused the %s logon of %s: the client's "
                            "SPNEGO mechListMIC does not match its mechanism list "
                            "(%s)", ops->label, st->id->principal,
                            why ? why : "altered on the way?");
    }
    if (f->mic_required && ops->mic_after_reply) {
        *pending = 1;
        return NULL;
    }
    if (f->mic_required)
        return apr_psprintf(ctx->pool, "%s was not the client's first mechanism, "
                            "so SPNEGO's mechListMIC is required (RFC 4178 section "
                            "5), and the client sent none", ops->label);
    if (st->mic_expected)
        return apr_psprintf(ctx->pool, "the client protected %s with a MIC but "
                            "sent no SPNEGO mechListMIC", ops->label);
    return NULL;
}

/* The identity is proved: bound to the connection where the mechanism's
 * identities are, and granted. */
static void grant(const neg_logon_ctx *ctx, const neg_mech_ops *ops,
                  neg_identity *id, neg_verdict *v)
{
    if (ctx->conn != NULL) {
        if (ops->binds_connection(ctx))
            neg_conn_bind(ctx->conn, id);
        else if (ctx->conn->state != NEG_CONN_IDLE)
            neg_conn_reset(ctx->conn);
    }
    neg_verdict_grant(v, id);
}

/* Done: mechListMICs (RFC 4178 section 5), the last token, the grant. */
static void done(const neg_logon_ctx *ctx, const neg_mech_ops *ops,
                 const frame *f, neg_mech_step *st, neg_verdict *v)
{
    const unsigned char *mic = NULL;
    size_t mic_len = 0;
    const char *why;
    int pending = 0;

    if (!f->spnego) {
        reply(ctx, f, NEG_STATE_ACCEPT_COMPLETED, st->token, st->token_len, NULL, 0, v);
        grant(ctx, ops, st->id, v);
        return;
    }
    if ((why = client_mic(ctx, ops, f, st, &pending)) != NULL) {
        refuse(ctx, ops->mic_tag, why, v);
        return;
    }
    if ((f->mic_required || ops->mic_always)
        && !ops->make_mic(st->mic_key, f->mech_list.data, f->mech_list.len,
                          ctx->pool, &mic, &mic_len)) {
        refuse(ctx, ops->mic_tag, apr_psprintf(ctx->pool, "refused a %s logon "
               "inside SPNEGO: the mechListMIC cannot be made", ops->label), v);
        return;
    }
    if (pending && ctx->conn != NULL) {
        /* the client's MIC comes with its next token: nothing is granted
         * before it is checked (finish_mic) */
        neg_conn_frame(ctx->conn, f->scheme, ctx->proxy, 1, &f->mech_list, 1);
        neg_conn_mic_pending(ctx->conn, st->id, ops, st->mic_key);
        v->outcome = NEG_CONTINUE;
        reply(ctx, f, NEG_STATE_ACCEPT_INCOMPLETE, st->token, st->token_len, mic,
              mic_len, v);
        return;
    }
    reply(ctx, f, NEG_STATE_ACCEPT_COMPLETED, st->token, st->token_len, mic, mic_len, v);
    grant(ctx, ops, st->id, v);
}

/* One token through a mechanism, and its answer framed. */
static void run(const neg_logon_ctx *ctx, const neg_mech_ops *ops, const frame *f,
                neg_token_kind framing, const neg_bytes *token, apr_pool_t *keep,
                neg_verdict *v)
{
    neg_mech_step st;

    memset(&st, 0, sizeof(st));
    st.scheme = f->scheme;
    st.framing = framing;
    st.oid = f->oid;
    st.keep = keep;
    ops->step(ctx, token, &st, v);
    switch (st.result) {
    case NEG_STEP_CONTINUE:
        continued(ctx, f, &st, v);
        return;
    case NEG_STEP_DONE:
        done(ctx, ops, f, &st, v);
        return;
    default:
        return;
    }
}

/* ------------------------------------------------------------ raw tokens */

void neg_negotiate_raw(const neg_logon_ctx *ctx, neg_scheme scheme,
                       const neg_mech_ops *ops, neg_token_kind framing,
                       const neg_bytes *token, neg_verdict *v)
{
    frame f;

    memset(&f, 0, sizeof(f));
    f.scheme = scheme;
    run(ctx, ops, &f, framing, token, NULL, v);
}

/* ------------------------------------------------------------ SPNEGO */

/* Nothing in the client's list is taken here. Where only Kerberos is, a
 * list with NTLMSSP and no Kerberos means the client has no ticket for
 * us: NTLM's own refusal says so (NEG0301). */
static void refuse_list(const neg_logon_ctx *ctx, const neg_token *init,
                        neg_verdict *v)
{
    frame f;

    if (lists(init, NEG_MECH_NTLMSSP)) {
        memset(&f, 0, sizeof(f));
        f.scheme = NEG_SCHEME_NEGOTIATE;
        f.spnego = 1;
        run(ctx, &neg_ntlm_ops, &f, NEG_TOKEN_SPNEGO_INIT, &init->mech_token, NULL, v);
        return;
    }
    neg_verdict_refuse(v, "NEG0109", apr_psprintf(ctx->pool,
        "refused a SPNEGO token: no usable mechanism in the client's list "
        "(%s); %s takes Kerberos%s: the client offers none of them",
        mech_list_text(ctx->pool, init),
        neg_providers_text(ctx->pool, ctx->conf, ctx->tls),
        neg_offers(ctx->conf, NEG_PROVIDER_NEGOTIATE) ? " and NTLM" : ""));
}

/* RFC 4178 4.2.2: the client's first mechanism is not taken here, or came
 * without its token: propose the first of its list that is. */
static void counter_propose(const neg_logon_ctx *ctx, const neg_token *init,
                            neg_mech m, size_t i, neg_verdict *v)
{
    int mic_required = i != 0;      /* RFC 4178 section 5 */

    if (ctx->conn == NULL) {
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
    neg_conn_reset(ctx->conn);
    neg_conn_propose(ctx->conn, ctx->proxy, m, &init->mech_list, mic_required);
    v->outcome = NEG_CONTINUE;
    /* request-mic when the mechanism is not the client's first; MIT's
     * initiator refuses any other counter-proposal of a mechanism other
     * than NTLMSSP (init_ctx_reselect) */
    resp_reply(ctx, NEG_SCHEME_NEGOTIATE, mic_required ? NEG_STATE_REQUEST_MIC
               : NEG_STATE_ACCEPT_INCOMPLETE, m, NULL, 0, NULL, 0, v);
    neg_verdict_log(v, NEG_LOG_INFO, "NEG0110", apr_psprintf(ctx->pool,
        "SPNEGO: the client's list is (%s) and its first mechanism%s is not "
        "taken here; counter-proposed %s (RFC 4178 4.2.2)",
        mech_list_text(ctx->pool, init), init->mech_token.len ? ""
        : " came without a token, or", neg_mech_name(m)));
}

void neg_spnego_init(const neg_logon_ctx *ctx, const neg_token *init,
                     neg_verdict *v)
{
    size_t i = 0;
    neg_mech m = neg_spnego_select(ctx, init, &i);
    frame f;

    if (m == NEG_MECH_NONE) {
        refuse_list(ctx, init, v);
        return;
    }
    if (i != 0 || init->mech_token.len == 0) {
        counter_propose(ctx, init, m, i, v);
        return;
    }
    /* an initial token: new credentials replace what the connection held */
    if (ctx->conn != NULL && ctx->conn->state != NEG_CONN_IDLE)
        neg_conn_reset(ctx->conn);
    memset(&f, 0, sizeof(f));
    f.scheme = NEG_SCHEME_NEGOTIATE;
    f.spnego = 1;
    f.oid = m;
    f.supported = m;                /* our first answer names it */
    f.mech_list = init->mech_list;
    run(ctx, neg_mech_ops_for(m), &f, NEG_TOKEN_SPNEGO_INIT, &init->mech_token,
        NULL, v);
}

/* The client's mechListMIC, after our last token and ours. */
static void finish_mic(const neg_logon_ctx *ctx, const neg_token *resp,
                       neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    const neg_mech_ops *ops = nc->pending_ops;
    const char *why = NULL;
    neg_identity *id;

    if (resp->mech_list_mic.len == 0 || resp->mech_token.len > 0) {
        refuse(ctx, ops->mic_tag, apr_psprintf(ctx->pool, "refused the %s logon "
               "of %s: after a SPNEGO counter-proposal its mechListMIC is "
               "required (RFC 4178 section 5), and the client's last token "
               "carries %s", ops->label, nc->id.principal, resp->mech_token.len
               ? "another mechanism token" : "none"), v);
        return;
    }
    if (!ops->check_mic(nc->mic_key, nc->mech_list, nc->mech_list_len,
                        resp->mech_list_mic.data, resp->mech_list_mic.len, &why)) {
        refuse(ctx, ops->mic_tag, apr_psprintf(ctx->pool, "refused the %s logon "
               "of %s: the client's SPNEGO mechListMIC does not match its "
               "mechanism list (%s)", ops->label, nc->id.principal,
               why ? why : "altered on the way?"), v);
        return;
    }
    /* The previous leg proved the identity, at a location that may not be
     * this one (the client chooses the URL of each leg): grant only what
     * this location admits of how it was proved. */
    if ((why = neg_logon_admits(ctx, &nc->id, NEG_VIA_HANDSHAKE)) != NULL) {
        refuse(ctx, "NEG0107", apr_psprintf(ctx->pool, "refused the %s logon of "
               "%s at the last leg of a SPNEGO counter-proposal: %s", ops->label,
               nc->id.principal, why), v);
        return;
    }
    id = neg_identity_copy(ctx->pool, &nc->id);
    resp_reply(ctx, NEG_SCHEME_NEGOTIATE, NEG_STATE_ACCEPT_COMPLETED, NEG_MECH_NONE,
               NULL, 0, NULL, 0, v);
    grant(ctx, ops, id, v);
}

/* The client's token for the mechanism we counter-proposed. */
static void answer_proposal(const neg_logon_ctx *ctx, const neg_token *resp,
                            neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    neg_mech m = (neg_mech)nc->proposed;
    frame f;

    if (resp->neg_state == NEG_STATE_REJECT || resp->mech_token.len == 0) {
        refuse(ctx, "NEG0112", apr_psprintf(ctx->pool, "refused a SPNEGO token "
               "after our counter-proposal of %s: the client %s", neg_mech_name(m),
               resp->neg_state == NEG_STATE_REJECT ? "rejected it"
               : "sent no token of that mechanism"), v);
        return;
    }
    memset(&f, 0, sizeof(f));
    f.scheme = NEG_SCHEME_NEGOTIATE;
    f.spnego = 1;
    f.oid = m;
    /* NTLM's CHALLENGE names its mechanism again, as Windows does */
    f.supported = m == NEG_MECH_NTLMSSP ? m : NEG_MECH_NONE;
    f.mech_list.data = apr_pmemdup(ctx->pool, nc->mech_list, nc->mech_list_len);
    f.mech_list.len = nc->mech_list_len;
    f.mic_required = nc->mic_required;
    f.resp = resp;
    /* the mechanism's handshake starts here: the proposal is done */
    neg_conn_reset(nc);
    run(ctx, neg_mech_ops_for(m), &f, NEG_TOKEN_SPNEGO_RESP, &resp->mech_token,
        f.mic_required ? nc->pool : NULL, v);
}

/* A continuation that came with no negotiation of ours in progress: the
 * mechanism whose handshake it continues says what it makes of it (NTLM's
 * AUTHENTICATE after its CHALLENGE; else its own refusal). */
static void continue_handshake(const neg_logon_ctx *ctx, const neg_token *resp,
                               neg_verdict *v)
{
    const neg_conn *nc = ctx->conn;
    frame f;

    if (resp->mech_token.len == 0 || !neg_ntlm_ops.claims(&resp->mech_token)) {
        neg_verdict_refuse(v, "NEG0104",
            "refused a SPNEGO continuation token: no handshake is in progress "
            "on this connection; the client must start again with an initial "
            "token");
        return;
    }
    memset(&f, 0, sizeof(f));
    f.scheme = NEG_SCHEME_NEGOTIATE;
    f.spnego = 1;
    f.oid = NEG_MECH_NTLMSSP;
    f.resp = resp;
    if (nc != NULL && nc->spnego) {
        f.mech_list.data = apr_pmemdup(ctx->pool, nc->mech_list, nc->mech_list_len);
        f.mech_list.len = nc->mech_list_len;
        f.mic_required = nc->mic_required;
    }
    run(ctx, &neg_ntlm_ops, &f, NEG_TOKEN_SPNEGO_RESP, &resp->mech_token, NULL, v);
}

void neg_spnego_continue(const neg_logon_ctx *ctx, const neg_token *resp,
                         neg_verdict *v)
{
    const neg_conn *nc = ctx->conn;
    int ours = nc != NULL && nc->proxy == ctx->proxy;

    if (ours && nc->state == NEG_CONN_MIC_PENDING)
        finish_mic(ctx, resp, v);
    else if (ours && nc->state == NEG_CONN_PROPOSED)
        answer_proposal(ctx, resp, v);
    else
        continue_handshake(ctx, resp, v);
}
