/*
 * test_verdict.c - the verdict layer with its mechanisms stubbed: the
 * dispatcher (logon.c), SPNEGO and framing (negotiation.c), the
 * connection's state (conn.c) and the reuse decision (policy.c), driven
 * through real Authorization headers. The stub mechanisms behind mech.h's
 * ops table do what the test's token says (the first byte of their
 * payload): C continue with a token, D done (an identity), E done and the
 * client owes a mechListMIC, R refused, K a KRB-ERROR the client may retry
 * after. Their mechListMIC is "MIC" + the list's length; the client's is
 * right when it is "GOOD". Authentication itself is tested against the
 * real domain (the Apache::Test suite); this tests what is done around it.
 */
#include <string.h>

#include "apr_base64.h"
#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "logon.h"
#include "mech.h"

/* ------------------------------------------------------------ stubs */

static int steps;                       /* calls of any stub's step */

static neg_identity *stub_identity(const neg_logon_ctx *ctx, const char *mech)
{
    neg_identity *id = apr_pcalloc(ctx->pool, sizeof(*id));
    neg_sid *sid = apr_pcalloc(ctx->pool, sizeof(*sid));

    /* the user's SID, as a PAC or winbind gives it (a Kerberos identity
     * without one is a ticket without a PAC: NEG0404) */
    neg_sid_from_string("S-1-5-21-1-2-3-1102", sid);
    id->sids = sid;
    id->n_sids = 1;
    id->mech = mech;
    id->auth_type = strcmp(mech, "basic") == 0 ? "Basic" : "Negotiate";
    id->account = "alice";
    id->domain = "EXAMPLE";
    id->realm = "EXAMPLE.TEST";
    id->principal = "alice@EXAMPLE.TEST";
    id->keytab = ctx->conf->keytab;
    id->service = "HTTP/localhost@EXAMPLE.TEST";
    neg_logon_stamp(ctx, id, NEG_BIND_UNBOUND);
    return id;
}

/* The payload: after "NTLMSSP\0" for NTLM, after the GSS header's OID and
 * TOK_ID for Kerberos, the credentials for Basic. */
static void stub_step(const neg_logon_ctx *ctx, const char *mech, unsigned char op,
                      neg_mech_step *st, neg_verdict *v)
{
    static const unsigned char token[] = "server-token";

    steps++;
    switch (op) {
    case 'C':
        st->result = NEG_STEP_CONTINUE;
        st->token = token;
        st->token_len = sizeof(token) - 1;
        if (ctx->conn != NULL)
            neg_conn_reset(ctx->conn);      /* as NTLM's NEGOTIATE does */
        return;
    case 'D':
    case 'E':
        st->result = NEG_STEP_DONE;
        st->id = stub_identity(ctx, mech);
        st->token = token;
        st->token_len = strcmp(mech, "kerberos") == 0 ? sizeof(token) - 1 : 0;
        st->mic_key = apr_pstrdup(st->keep ? st->keep : ctx->pool, mech);
        st->mic_expected = op == 'E';
        return;
    case 'K':
        neg_verdict_refuse(v, "NEG0203", "stub: clock skew");
        st->result = NEG_STEP_CONTINUE;
        st->retry = 1;
        st->token = token;
        st->token_len = sizeof(token) - 1;
        return;
    default:
        neg_verdict_refuse(v, "NEG0203", "stub: refused");
        st->result = NEG_STEP_REFUSED;
        return;
    }
}

static int stub_make_mic(void *key, const unsigned char *list, size_t len,
                         apr_pool_t *p, const unsigned char **mic, size_t *mic_len)
{
    char *m = apr_psprintf(p, "MIC%lu", (unsigned long)len);

    (void)list;
    if (key == NULL)
        return 0;
    *mic = (const unsigned char *)m;
    *mic_len = strlen(m);
    return 1;
}

static int stub_check_mic(void *key, const unsigned char *list, size_t len,
                          const unsigned char *mic, size_t mic_len, const char **why)
{
    (void)list;
    (void)len;
    *why = NULL;
    return key != NULL && mic_len == 4 && memcmp(mic, "GOOD", 4) == 0;
}

static void krb5_step(const neg_logon_ctx *ctx, const neg_bytes *t, neg_mech_step *st,
                      neg_verdict *v)
{
    stub_step(ctx, "kerberos", t->len > 13 ? t->data[t->len - 1] : 0, st, v);
}

static void ntlm_step(const neg_logon_ctx *ctx, const neg_bytes *t, neg_mech_step *st,
                      neg_verdict *v)
{
    stub_step(ctx, "ntlm", t->len > 8 ? t->data[8] : 0, st, v);
}

static void basic_step(const neg_logon_ctx *ctx, const neg_bytes *t, neg_mech_step *st,
                       neg_verdict *v)
{
    stub_step(ctx, "basic", t->len > 0 ? t->data[0] : 0, st, v);
}

static int krb5_claims(const neg_bytes *t) { return t->len > 0 && t->data[0] == 0x60; }
static int ntlm_claims(const neg_bytes *t)
{
    return t->len > 8 && memcmp(t->data, "NTLMSSP", 8) == 0
        && (t->data[8] == 'D' || t->data[8] == 'E');        /* an AUTHENTICATE */
}
static int never_claims(const neg_bytes *t) { (void)t; return 0; }
static int binds(const neg_logon_ctx *ctx) { (void)ctx; return 1; }
static int persists(const neg_logon_ctx *ctx) { return ctx->conf->persist_kerberos == 1; }
static int never_binds(const neg_logon_ctx *ctx) { (void)ctx; return 0; }

const neg_mech_ops neg_krb5_ops = {
    "kerberos", "Kerberos", "NEG0211", 0, 1,
    krb5_claims, krb5_step, stub_make_mic, stub_check_mic, persists
};
const neg_mech_ops neg_ntlm_ops = {
    "ntlm", "NTLMSSP", "NEG0304", 1, 0,
    ntlm_claims, ntlm_step, stub_make_mic, stub_check_mic, binds
};
const neg_mech_ops neg_basic_ops = {
    "basic", "Basic", "NEG0502", 0, 0,
    never_claims, basic_step, NULL, NULL, never_binds
};

/* ------------------------------------------------------------ tokens */

static unsigned char *der(apr_pool_t *p, unsigned char tag, const unsigned char *c,
                          size_t n, size_t *out_len)
{
    unsigned char *out = apr_palloc(p, n + 4);
    size_t h = 2;

    out[0] = tag;
    if (n < 128)
        out[1] = (unsigned char)n;
    else {
        out[1] = 0x82;
        out[2] = (unsigned char)(n >> 8);
        out[3] = (unsigned char)n;
        h = 4;
    }
    memcpy(out + h, c, n);
    *out_len = n + h;
    return out;
}

static const unsigned char KRB5_OID[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
static const unsigned char NTLM_OID[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };
static const unsigned char NEGOEX_OID[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e };
static const unsigned char SPNEGO_OID[] = { 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };

/* A raw krb5 GSS token whose payload ends in op. */
static unsigned char *krb5_token(apr_pool_t *p, char op, size_t *len)
{
    unsigned char body[sizeof(KRB5_OID) + 4];

    memcpy(body, KRB5_OID, sizeof(KRB5_OID));
    body[sizeof(KRB5_OID)] = 0x01;
    body[sizeof(KRB5_OID) + 1] = 0x00;
    body[sizeof(KRB5_OID) + 2] = 'x';
    body[sizeof(KRB5_OID) + 3] = (unsigned char)op;
    return der(p, 0x60, body, sizeof(body), len);
}

static unsigned char *ntlm_token(apr_pool_t *p, char op, size_t *len)
{
    unsigned char *t = apr_pcalloc(p, 12);

    memcpy(t, "NTLMSSP", 8);
    t[8] = (unsigned char)op;
    *len = 12;
    return t;
}

/* A NegTokenInit listing mechs (OIDs, DER), with a mechToken. */
static unsigned char *spnego_init(apr_pool_t *p, const unsigned char *mechs, size_t mechs_len,
                                  const unsigned char *tok, size_t tok_len, size_t *len)
{
    size_t n1, n2, n3, n4, n5, n6;
    unsigned char *list = der(p, 0x30, mechs, mechs_len, &n1);
    unsigned char *a0 = der(p, 0xa0, list, n1, &n2);
    unsigned char *octets = der(p, 0x04, tok, tok_len, &n3);
    unsigned char *a2 = der(p, 0xa2, octets, n3, &n4);
    unsigned char *seq_body = apr_palloc(p, n2 + n4);
    unsigned char *seq, *a0w, *all;

    memcpy(seq_body, a0, n2);
    memcpy(seq_body + n2, a2, n4);
    seq = der(p, 0x30, seq_body, tok_len ? n2 + n4 : n2, &n5);
    a0w = der(p, 0xa0, seq, n5, &n6);
    all = apr_palloc(p, sizeof(SPNEGO_OID) + n6);
    memcpy(all, SPNEGO_OID, sizeof(SPNEGO_OID));
    memcpy(all + sizeof(SPNEGO_OID), a0w, n6);
    return der(p, 0x60, all, sizeof(SPNEGO_OID) + n6, len);
}

/* A NegTokenResp with a responseToken and a mechListMIC (either may be
 * absent). */
static unsigned char *spnego_resp(apr_pool_t *p, const unsigned char *tok, size_t tok_len,
                                  const char *mic, size_t *len)
{
    unsigned char body[600];
    size_t n = 0, k;
    unsigned char *e;

    if (tok_len) {
        e = der(p, 0x04, tok, tok_len, &k);
        e = der(p, 0xa2, e, k, &k);
        memcpy(body + n, e, k);
        n += k;
    }
    if (mic) {
        e = der(p, 0x04, (const unsigned char *)mic, strlen(mic), &k);
        e = der(p, 0xa3, e, k, &k);
        memcpy(body + n, e, k);
        n += k;
    }
    e = der(p, 0x30, body, n, &k);
    return der(p, 0xa1, e, k, len);
}

static const char *header(apr_pool_t *p, const char *scheme, const unsigned char *t,
                          size_t len)
{
    char *b64 = apr_palloc(p, apr_base64_encode_len((int)len));

    apr_base64_encode_binary(b64, t, (int)len);
    return apr_pstrcat(p, scheme, " ", b64, NULL);
}

/* The NegTokenResp of a verdict's token: negState, and whether it has a
 * supportedMech, a responseToken and a mechListMIC. */
static void resp_fields(const neg_verdict *v, int *state, int *mech, int *tok, int *mic)
{
    neg_token t;

    *state = -2;
    *mech = *tok = *mic = 0;
    if (v->token_len == 0 || neg_token_parse(v->token, v->token_len, &t) != NEG_PARSE_OK
        || t.kind != NEG_TOKEN_SPNEGO_RESP)
        return;
    *state = t.neg_state;
    *mech = t.supported_mech != NEG_MECH_NONE;
    *tok = t.mech_token.len > 0;
    *mic = t.mech_list_mic.len > 0;
}

/* ------------------------------------------------------------ places */

static neg_dir_conf conf_with(apr_pool_t *p)
{
    neg_dir_conf c;

    memset(&c, 0, sizeof(c));
    c.principals = apr_array_make(p, 1, sizeof(const char *));
    c.max_token = NEG_UNSET_SIZE;
    c.ntlm_v1 = c.winbind_timeout_ms = c.ntlm_lifetime_s = c.publish_groups = -1;
    c.basic = c.basic_plain_http = c.require_tls = c.persist_kerberos = -1;
    c.ticket_cache = c.machine_accounts = c.extended_protection = -1;
    c.session = c.session_basic = c.session_lifetime_s = -1;
    return c;
}

static neg_logon_ctx ctx_for(apr_pool_t *p, const neg_dir_conf *c, neg_conn *nc)
{
    neg_logon_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.pool = p;
    ctx.conf = c;
    ctx.conn = nc;
    ctx.deadline = apr_time_now() + apr_time_from_sec(3);
    ctx.epa = c->extended_protection == -1 ? NEG_EPA_OFF : c->extended_protection;
    ctx.where = "/test";
    return ctx;
}

/* ------------------------------------------------------------ tests */

static void raw_ntlm(apr_pool_t *p)
{
    neg_dir_conf c = conf_with(p);
    neg_conn *nc = neg_conn_create(p);
    neg_logon_ctx ctx = ctx_for(p, &c, nc);
    neg_verdict v;
    size_t n;
    unsigned char *t = ntlm_token(p, 'C', &n);

    neg_logon(&ctx, header(p, "NTLM", t, n), &v);
    CHECK(v.outcome == NEG_CONTINUE && v.scheme == NEG_SCHEME_NTLM
          && v.token_len == 12 && memcmp(v.token, "server-token", 12) == 0,
          "raw NTLM NEGOTIATE: 401 with the mechanism's token, raw, under NTLM");
    CHECK(nc->scheme == NEG_SCHEME_NTLM && !nc->spnego,
          "the connection remembers how the handshake is framed");
    t = ntlm_token(p, 'D', &n);
    neg_logon(&ctx, header(p, "NTLM", t, n), &v);
    CHECK(v.outcome == NEG_GRANT && v.user && strcmp(v.user, "alice@EXAMPLE.TEST") == 0
          && v.token_len == 0, "AUTHENTICATE: granted, REMOTE_USER in upn");
    CHECK(nc->state == NEG_CONN_AUTHENTICATED, "NTLM's identity is the connection's");
    neg_logon(&ctx, NULL, &v);
    CHECK(v.outcome == NEG_GRANT, "the next request without a header: the connection's identity");
    c.providers[0] = NEG_PROVIDER_NEGOTIATE_KRB5;
    c.n_providers = 1;
    neg_logon(&ctx, NULL, &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag == NULL && v.n_lines == 1
          && strcmp(v.lines[0].tag, "NEG0108") == 0,
          "where NTLM is not offered: the plain challenge, NEG0108 says why");
}

static void spnego_first_choice(apr_pool_t *p)
{
    neg_dir_conf c = conf_with(p);
    neg_conn *nc = neg_conn_create(p);
    neg_logon_ctx ctx = ctx_for(p, &c, nc);
    neg_verdict v;
    size_t n, tn;
    unsigned char *kt = krb5_token(p, 'D', &tn);
    unsigned char *t = spnego_init(p, KRB5_OID, sizeof(KRB5_OID), kt, tn, &n);
    int state, mech, tok, mic;

    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_GRANT && state == NEG_STATE_ACCEPT_COMPLETED && mech
          && tok && !mic, "SPNEGO, Kerberos first with its token: accept-completed, "
          "supportedMech, the AP-REP, no mechListMIC");
    CHECK(nc->state == NEG_CONN_IDLE, "Kerberos without NegotiatePersistKerberos: nothing bound");
    c.persist_kerberos = 1;
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_GRANT && nc->state == NEG_CONN_AUTHENTICATED,
          "with NegotiatePersistKerberos On: bound to the connection");
    kt = krb5_token(p, 'K', &tn);
    t = spnego_init(p, KRB5_OID, sizeof(KRB5_OID), kt, tn, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_CONTINUE && v.tag && strcmp(v.tag, "NEG0203") == 0
          && state == NEG_STATE_ACCEPT_INCOMPLETE && tok && nc->state == NEG_CONN_PROPOSED,
          "a KRB-ERROR: a continuation with the refusal's tag, a retry expected");
}

static void counter_proposal(apr_pool_t *p)
{
    neg_dir_conf c = conf_with(p);
    neg_conn *nc = neg_conn_create(p);
    neg_logon_ctx ctx = ctx_for(p, &c, nc);
    neg_verdict v;
    unsigned char mechs[sizeof(NEGOEX_OID) + sizeof(KRB5_OID)];
    size_t n, tn;
    unsigned char *t, *kt;
    int state, mech, tok, mic;

    memcpy(mechs, NEGOEX_OID, sizeof(NEGOEX_OID));
    memcpy(mechs + sizeof(NEGOEX_OID), KRB5_OID, sizeof(KRB5_OID));
    t = spnego_init(p, mechs, sizeof(mechs), (const unsigned char *)"x", 1, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_CONTINUE && state == NEG_STATE_REQUEST_MIC && mech
          && nc->state == NEG_CONN_PROPOSED && nc->mic_required,
          "NegoEx first: Kerberos counter-proposed with request-mic");
    kt = krb5_token(p, 'D', &tn);
    t = spnego_resp(p, kt, tn, NULL, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_CONTINUE && state == NEG_STATE_ACCEPT_INCOMPLETE && tok && mic
          && nc->state == NEG_CONN_MIC_PENDING,
          "its token without its MIC: our AP-REP and MIC, nothing granted yet");
    t = spnego_resp(p, NULL, 0, "BAD!", &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag && strcmp(v.tag, "NEG0211") == 0
          && nc->state == NEG_CONN_IDLE, "a wrong mechListMIC: refused (NEG0211)");
    /* again, with the right MIC */
    t = spnego_init(p, mechs, sizeof(mechs), (const unsigned char *)"x", 1, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    t = spnego_resp(p, kt, tn, NULL, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    c.require_tls = 1;                      /* the last leg at a stricter place */
    t = spnego_resp(p, NULL, 0, "GOOD", &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag && strcmp(v.tag, "NEG0107") == 0,
          "the right MIC at a location that requires TLS: NEG0107 (the one policy)");
    c.require_tls = -1;
    t = spnego_init(p, mechs, sizeof(mechs), (const unsigned char *)"x", 1, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    t = spnego_resp(p, kt, tn, NULL, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    t = spnego_resp(p, NULL, 0, "GOOD", &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_GRANT && state == NEG_STATE_ACCEPT_COMPLETED,
          "the right MIC: granted, accept-completed");
    ctx.conn = NULL;                        /* HTTP/2 */
    t = spnego_init(p, mechs, sizeof(mechs), (const unsigned char *)"x", 1, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_REFUSE && v.http11_required && v.tag
          && strcmp(v.tag, "NEG0111") == 0, "a counter-proposal over HTTP/2: HTTP_1_1_REQUIRED");
}

static void ntlm_in_spnego(apr_pool_t *p)
{
    neg_dir_conf c = conf_with(p);
    neg_conn *nc = neg_conn_create(p);
    neg_logon_ctx ctx = ctx_for(p, &c, nc);
    neg_verdict v;
    size_t n, tn;
    unsigned char *nt = ntlm_token(p, 'C', &tn), *t;
    int state, mech, tok, mic, before;

    t = spnego_init(p, NTLM_OID, sizeof(NTLM_OID), nt, tn, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_CONTINUE && state == NEG_STATE_ACCEPT_INCOMPLETE && mech && tok
          && nc->spnego, "NTLM first in SPNEGO: accept-incomplete, supportedMech, CHALLENGE");
    nt = ntlm_token(p, 'E', &tn);
    t = spnego_resp(p, nt, tn, NULL, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag && strcmp(v.tag, "NEG0304") == 0
          && strstr(v.lines[v.n_lines - 1].text, "sent no SPNEGO mechListMIC") != NULL,
          "AUTHENTICATE with a MIC, no mechListMIC: refused");
    t = spnego_init(p, NTLM_OID, sizeof(NTLM_OID), ntlm_token(p, 'C', &tn), tn, &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    t = spnego_resp(p, ntlm_token(p, 'E', &tn), tn, "GOOD", &n);
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    resp_fields(&v, &state, &mech, &tok, &mic);
    CHECK(v.outcome == NEG_GRANT && state == NEG_STATE_ACCEPT_COMPLETED && mic && !mech,
          "with the mechListMIC: granted, accept-completed with ours");
    t = spnego_resp(p, ntlm_token(p, 'D', &tn), tn, NULL, &n);
    neg_conn_reset(nc);
    before = steps;
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(steps == before + 1, "an NTLM AUTHENTICATE in a NegTokenResp with no negotiation: NTLM's to judge");
    t = spnego_resp(p, ntlm_token(p, 'C', &tn), tn, NULL, &n);
    before = steps;
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(steps == before && v.tag && strcmp(v.tag, "NEG0104") == 0,
          "an NTLM NEGOTIATE in a NegTokenResp: NEG0104 (a handshake starts in a NegTokenInit)");
    t = spnego_resp(p, krb5_token(p, 'D', &tn), tn, NULL, &n);
    before = steps;
    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(steps == before && v.tag && strcmp(v.tag, "NEG0104") == 0,
          "any other continuation with no handshake: NEG0104, no mechanism runs");
}

static void basic_and_raw_krb5(apr_pool_t *p)
{
    neg_dir_conf c = conf_with(p);
    neg_conn *nc = neg_conn_create(p);
    neg_logon_ctx ctx = ctx_for(p, &c, nc);
    neg_verdict v;
    size_t n;
    unsigned char *t = krb5_token(p, 'D', &n);

    neg_logon(&ctx, header(p, "Negotiate", t, n), &v);
    CHECK(v.outcome == NEG_GRANT && v.scheme == NEG_SCHEME_NEGOTIATE && v.token_len == 12,
          "raw krb5: granted, the AP-REP raw");
    neg_logon(&ctx, header(p, "NTLM", t, n), &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag && strcmp(v.tag, "NEG0105") == 0,
          "a krb5 token under NTLM: NEG0105");
    c.basic = c.basic_plain_http = 1;
    neg_logon(&ctx, header(p, "Basic", (const unsigned char *)"D:pw", 4), &v);
    CHECK(v.outcome == NEG_GRANT && nc->state == NEG_CONN_IDLE,
          "Basic: granted, nothing bound to the connection");
    c.basic = -1;
    neg_logon(&ctx, header(p, "Basic", (const unsigned char *)"D:pw", 4), &v);
    CHECK(v.outcome == NEG_REFUSE && v.tag && strcmp(v.tag, "NEG0101") == 0,
          "Basic where it is not offered: NEG0101");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    raw_ntlm(p);
    spnego_first_choice(p);
    counter_proposal(p);
    ntlm_in_spnego(p);
    basic_and_raw_krb5(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
