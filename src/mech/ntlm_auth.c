/*
 * ntlm_auth.c - one NTLM handshake: the server's side of MS-NLMP 3.2.5,
 * raw or inside SPNEGO (MS-SPNG), under either scheme.
 */
#include "ntlm_auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_lib.h"
#include "apr_random.h"
#include "apr_strings.h"

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/md5.h>

#include "mech.h"
#include "ntlm.h"
#include "ntlm_epa.h"
#include "policy.h"
#include "winbind.h"
#include "secret.h"

#define NAME_MAX_UTF8 (3 * 256 + 1)

typedef struct {
    int allow_v1;                   /* NegotiateNTLMv1 On */
    int allow_machine;              /* NegotiateMachineAccounts On */
    apr_interval_time_t lifetime;   /* how long a challenge is valid */
    int timeout_ms;                 /* what is left of the winbind budget */
    int budget_ms;                  /* the whole budget (NegotiateWinbindTimeout) */
    const neg_logon_ctx *ctx;       /* Extended Protection: mode, binding, names */
} ntlm_opts;

typedef enum {
    NTLM_REFUSED = 0,       /* the client's fault or the domain's "no" */
    NTLM_UNAVAILABLE,       /* winbind is down or closed to us: admin's job */
    NTLM_MACHINE,           /* a computer account, not allowed here */
    NTLM_UNBOUND,           /* Extended Protection: meant for another channel or service */
    NTLM_CLIENT_BUSY,       /* the client address has its share of winbind */
    NTLM_LIMITED,           /* past NegotiateFailureLimit: not asked */
    NTLM_LIMITED_QUIET,     /* the same, its line written already */
    NTLM_DONE
} ntlm_status;

static ntlm_opts opts_of(const neg_logon_ctx *ctx)
{
    const neg_dir_conf *c = ctx->conf;
    ntlm_opts o;

    o.allow_v1 = c->ntlm_v1 == 1;
    o.allow_machine = neg_machine_accounts_allowed(c);
    o.timeout_ms = neg_logon_budget_ms(ctx);
    o.budget_ms = neg_winbind_timeout_ms(c);
    o.ctx = ctx;
    o.lifetime = apr_time_from_sec(c->ntlm_lifetime_s != -1
                                   ? c->ntlm_lifetime_s : NEG_DEFAULT_NTLM_LIFETIME_S);
    return o;
}

/* ------------------------------------------------------------ Type 1 */

static const char *lower(apr_pool_t *p, const char *s)
{
    char *u = apr_pstrdup(p, s), *c;

    for (c = u; *c; c++)
        *c = (char)apr_tolower(*c);
    return u;
}

static const char *winbind_failure(apr_pool_t *p, neg_wb_status st,
                                   const char *detail, int budget_ms)
{
    switch (st) {
    case NEG_WB_UNAVAILABLE:
        return "winbindd is not reachable (is it running, joined to the "
               "domain, and is its socket directory /run/samba/winbindd?)";
    case NEG_WB_NO_PRIVILEGE:
        return apr_psprintf(p, "winbindd runs, but its privileged pipe is "
                            "closed to uid %ld: the Apache user needs the "
                            "group of winbind's winbindd_privileged directory "
                            "(e.g. usermod -aG winbindd_priv www-data, or "
                            "chgrp that group on the directory), then restart "
                            "httpd", (long)getuid());
    case NEG_WB_TIMEOUT:
        return apr_psprintf(p, "winbind did not answer within %d ms "
                            "(NegotiateWinbindTimeout, for all of a request's "
                            "calls to winbind): is winbindd hung or "
                            "overloaded?", budget_ms);
    case NEG_WB_BUSY:
        return "too many calls are already waiting for winbind in this "
               "httpd process (is winbindd hung or overloaded?)";
    case NEG_WB_NO_CONNECTION:
        return apr_psprintf(p, "%s: is winbindd slow, or the budget too "
                            "small for this server's load?", detail);
    default:
        return apr_psprintf(p, "winbind call failed: %s", detail);
    }
}

static void random_challenge(unsigned char out[8])
{
    /* apr_generate_random_bytes reads the kernel's CSPRNG (getrandom). */
    if (apr_generate_random_bytes(out, 8) != APR_SUCCESS)
        abort();                /* never answer with a predictable challenge */
}

static ntlm_server_names server_names(apr_pool_t *p, const neg_wb_names *n)
{
    ntlm_server_names s;

    s.nb_domain = n->netbios_domain;
    s.nb_computer = n->netbios_name;
    s.dns_domain = lower(p, n->dns_domain);
    s.dns_computer = apr_pstrcat(p, lower(p, n->netbios_name), ".",
                                 s.dns_domain, NULL);
    return s;
}

/* Our CHALLENGE to this NEGOTIATE (after a reset of the connection: a
 * NEGOTIATE always starts over), remembered on the connection. */
static ntlm_status make_challenge(neg_conn *nc, const unsigned char *t1,
                                  size_t t1_len, const ntlm_opts *o, apr_pool_t *p,
                                  const unsigned char **type2, size_t *type2_len,
                                  const char **error)
{
    ntlm_negotiate neg;
    ntlm_result nr;
    neg_wb_names names;
    ntlm_server_names sn;
    neg_wb_status st;
    char detail[160] = "";
    unsigned char challenge[8], *msg;
    size_t msg_len, ti_off = 0, ti_len = 0;
    uint32_t flags;
    int ret;

    nr = ntlm_decode_negotiate(t1, t1_len, &neg);
    if (nr != NTLM_OK) {
        *error = apr_psprintf(p, "refused an NTLM NEGOTIATE message: %s",
                              ntlm_result_str(nr));
        return NTLM_REFUSED;
    }
    st = neg_wb_names_get(o->timeout_ms, &names, detail, sizeof(detail));
    if (st != NEG_WB_OK) {
        *error = apr_psprintf(p, "cannot build an NTLM challenge: %s",
                              winbind_failure(p, st, detail, o->budget_ms));
        return NTLM_UNAVAILABLE;
    }
    random_challenge(challenge);
    flags = ntlm_challenge_flags(neg.flags);
    sn = server_names(p, &names);
    ret = ntlm_encode_challenge(flags, challenge, &sn, ntlm_filetime(apr_time_now()),
                                &msg, &msg_len, &ti_off, &ti_len);
    if (ret != 0) {
        *error = apr_psprintf(p, "cannot encode the NTLM challenge (error %d)", ret);
        return NTLM_REFUSED;
    }
    neg_conn_challenged(nc, challenge, t1, t1_len, msg, msg_len, ti_off, ti_len, flags);
    free(msg);
    *type2 = nc->type2;
    *type2_len = nc->type2_len;
    return NTLM_DONE;
}

/* ------------------------------------------------------------ Type 3 */

typedef struct {
    ntlm_authenticate msg;
    ntlm_v2_response v2;
    int is_v2;
    char user[NAME_MAX_UTF8], domain[NAME_MAX_UTF8], workstation[NAME_MAX_UTF8];
} type3_view;

static const char *who(apr_pool_t *p, const type3_view *v)
{
    /* An empty domain field is common (e.g. a UPN typed as the user name,
     * [MS-NLMP] 3.1.5.1.2): no leading backslash then. */
    return apr_psprintf(p, "%s%s%s (workstation %s)", v->domain,
                        *v->domain ? "\\" : "", v->user,
                        *v->workstation ? v->workstation : "-");
}

static int decode_names(type3_view *v)
{
    int unicode = (v->msg.flags & NTLM_F_UNICODE) != 0;

    return ntlm_name_to_utf8(&v->msg.user, unicode, v->user, sizeof(v->user)) != (size_t)-1
        && ntlm_name_to_utf8(&v->msg.domain, unicode, v->domain, sizeof(v->domain)) != (size_t)-1
        && ntlm_name_to_utf8(&v->msg.workstation, unicode, v->workstation,
                             sizeof(v->workstation)) != (size_t)-1;
}

static int is_anonymous(const ntlm_authenticate *m)
{
    /* 3.2.5.1.2: anonymous is flagged, or has no user and no responses
     * (an LM response of one zero byte counts as none). */
    return (m->flags & NTLM_F_ANONYMOUS) || m->user.len == 0
        || (m->nt.len == 0 && (m->lm.len == 0
                               || (m->lm.len == 1 && m->lm.data[0] == 0)));
}

/* Checks made before asking the domain. NULL when all pass. */
static const char *precheck(neg_conn *nc, const unsigned char *t3, size_t t3_len,
                            const ntlm_opts *o, type3_view *v)
{
    ntlm_field sent;
    ntlm_result r;

    if (nc->state != NEG_CONN_CHALLENGED)
        return "refused an NTLM AUTHENTICATE message on a connection that "
               "was not sent our challenge (a replayed or misrouted message, "
               "or a client or proxy that does not keep the connection)";
    if (apr_time_now() - nc->challenged_at > o->lifetime)
        return apr_psprintf(nc->pool, "refused an NTLM AUTHENTICATE message: "
                            "our challenge is older than %" APR_TIME_T_FMT
                            " s (NegotiateNTLMChallengeTimeout)",
                            apr_time_sec(o->lifetime));
    r = ntlm_decode_authenticate(t3, t3_len, &v->msg);
    if (r != NTLM_OK)
        return apr_psprintf(nc->pool, "refused an NTLM AUTHENTICATE message: %s",
                            ntlm_result_str(r));
    if (!decode_names(v))
        return apr_psprintf(nc->pool, "refused an NTLM AUTHENTICATE message: %s",
                            ntlm_result_str(NTLM_ERR_STRING));
    if (is_anonymous(&v->msg))
        return apr_psprintf(nc->pool, "refused an anonymous NTLM logon from "
                            "workstation %s", *v->workstation ? v->workstation : "-");
    v->is_v2 = v->msg.nt.len > 24;
    if (!v->is_v2 && !o->allow_v1)
        return apr_psprintf(nc->pool, "refused an %s response from %s: only "
                            "NTLMv2 is accepted (NegotiateNTLMv1 Off); "
                            "configure the client for NTLMv2 (LmCompatibilityLevel 3 "
                            "or higher)", v->msg.nt.len == 24 ? "NTLMv1" : "LM",
                            who(nc->pool, v));
    if (!v->is_v2)
        return NULL;
    r = ntlm_parse_v2_response(&v->msg.nt, &v->v2);
    if (r == NTLM_OK) {
        sent.data = nc->type2 + nc->ti_off;
        sent.len = nc->ti_len;
        r = ntlm_check_av_echo(&sent, &v->v2.av_pairs);
    }
    if (r == NTLM_OK && (v->v2.av_flags & NTLM_AV_FLAG_MIC) && !v->msg.has_mic_room)
        r = NTLM_ERR_MIC_MISSING;
    if (r != NTLM_OK)
        return apr_psprintf(nc->pool, "refused the NTLM response of %s: %s",
                            who(nc->pool, v), ntlm_result_str(r));
    return NULL;
}

/* For NTLMv1 with extended session security the DC must be given
 * MD5(ServerChallenge || ClientChallenge)[0..8] (3.3.1). */
static void v1_effective_challenge(const neg_conn *nc, const type3_view *v,
                                   unsigned char out[8])
{
    unsigned char digest[16];
    MD5_CTX md5;

    memcpy(out, nc->challenge, 8);
    if (v->is_v2 || !(v->msg.flags & NTLM_F_ESS) || v->msg.lm.len < 8)
        return;
    MD5_Init(&md5);
    MD5_Update(&md5, nc->challenge, 8);
    MD5_Update(&md5, v->msg.lm.data, 8);
    MD5_Final(digest, &md5);
    memcpy(out, digest, 8);
}

/* Our NetBIOS domain when the client named another one, else NULL. */
static const char *foreign_domain(apr_pool_t *p, const char *client_domain)
{
    neg_wb_names n;
    char detail[8];

    if (*client_domain == '\0'
        || neg_wb_names_get(1000, &n, detail, sizeof(detail)) != NEG_WB_OK
        || strcasecmp(client_domain, n.netbios_domain) == 0
        || strcasecmp(client_domain, n.dns_domain) == 0)
        return NULL;
    return apr_pstrdup(p, n.netbios_domain);
}

static const char *domain_refusal(apr_pool_t *p, const type3_view *v,
                                  const neg_wb_result *res)
{
    const char *why = "", *ours;

    if (strcmp(res->nt_string, "NT_STATUS_WRONG_PASSWORD") == 0 && !v->is_v2)
        why = apr_psprintf(p, ": wrong password, or the domain refuses %s "
                           "responses (Samba's default ntlm auth = ntlmv2-only; "
                           "Windows: the LAN Manager authentication level); "
                           "configure the client for NTLMv2",
                           v->msg.nt.len == 24 ? "NTLMv1" : "LM");
    else if (strcmp(res->nt_string, "NT_STATUS_WRONG_PASSWORD") == 0)
        why = ": wrong password";
    else if (strcmp(res->nt_string, "NT_STATUS_NO_SUCH_USER") == 0)
        why = (ours = foreign_domain(p, v->domain)) != NULL
            ? apr_psprintf(p, ": no such user; the client named the domain "
                           "'%s', which is not this server's domain %s nor "
                           "one winbind knows", v->domain, ours)
            : ": no such user in that domain";
    else if (strcmp(res->nt_string, "NT_STATUS_ACCOUNT_DISABLED") == 0)
        why = ": the account is disabled";
    else if (strcmp(res->nt_string, "NT_STATUS_ACCOUNT_LOCKED_OUT") == 0)
        why = ": the account is locked out";
    else if (strcmp(res->nt_string, "NT_STATUS_PASSWORD_EXPIRED") == 0
             || strcmp(res->nt_string, "NT_STATUS_PASSWORD_MUST_CHANGE") == 0)
        why = ": the password has expired";
    else if (strncmp(res->nt_string, "NT_STATUS_NOLOGON_", 18) == 0)
        why = ": a computer or trust account, whose password is right; they "
              "may not sign in here (NegotiateMachineAccounts Off)";
    else if (strcmp(res->nt_string, "NT_STATUS_NO_SUCH_DOMAIN") == 0
             || strcmp(res->nt_string, "NT_STATUS_NO_TRUST_SAM_ACCOUNT") == 0)
        why = ": the domain is unknown or not trusted";
    return apr_psprintf(p, "the domain refused the NTLM logon of %s: %s%s",
                        who(p, v), *res->nt_string ? res->nt_string : "error", why);
}

static const char *verify_mic(neg_conn *nc, const unsigned char *t3, size_t t3_len,
                              const type3_view *v, const unsigned char key[16])
{
    unsigned char mic[16];

    if (!(v->v2.av_flags & NTLM_AV_FLAG_MIC))
        return NULL;
    ntlm_compute_mic(key, nc->type1, nc->type1_len, nc->type2, nc->type2_len,
                     t3, t3_len, mic);
    if (neg_ct_equal(mic, v->msg.mic, 16))
        return NULL;
    return apr_psprintf(nc->pool, "refused the NTLM logon of %s: its MIC does "
                        "not match the messages of this handshake (altered "
                        "in transit?)", who(nc->pool, v));
}

/* A logon refused before the domain saw it: its address has its share of
 * winbind already (NegotiateWinbindPerClient, per httpd process). */
static const char *client_busy(apr_pool_t *p, const type3_view *v, const char *client)
{
    return apr_psprintf(p, "refused the NTLM logon of %s at once: its client "
                        "address %s already has %d calls to winbind in this "
                        "httpd process (NegotiateWinbindPerClient): a flood "
                        "of logons from one address, or many users behind "
                        "one address (a proxy: mod_remoteip)", who(p, v),
                        client ? client : "-", neg_wb_client_share());
}

static apr_status_t clear_result(void *res)
{
    neg_wb_result_clear(res);
    return APR_SUCCESS;
}

/* Extended Protection for one AUTHENTICATE, before the domain sees it
 * (ntlm_epa.c). NULL when it may go on. */
static const char *unbound(apr_pool_t *p, const neg_logon_ctx *ctx, const type3_view *v)
{
    const char *why = neg_ntlm_unbound(p, ctx, v->is_v2 ? &v->v2 : NULL);

    if (why == NULL)
        return NULL;
    return apr_psprintf(p, "refused the NTLM logon of %s (NegotiateExtendedProtection %s): %s",
                        who(p, v), ctx->epa == NEG_EPA_REQUIRE ? "Require" : "Allow", why);
}

/* The identity the domain's answer proved, in the request's pool. */
static neg_identity *identity_of(const neg_logon_ctx *ctx, neg_scheme scheme,
                                 const neg_wb_result *res, const type3_view *v)
{
    neg_identity *id = apr_pcalloc(ctx->pool, sizeof(*id));

    neg_identity_from_winbind(id, ctx->pool, res, "ntlm", neg_scheme_name(scheme));
    id->ntlm_v1 = !v->is_v2;
    neg_logon_stamp(ctx, id, neg_ntlm_binding(ctx, v->is_v2 ? &v->v2 : NULL));
    return id;
}

/* What signs SPNEGO's mechListMICs after NTLM (MS-SPNG 3.2.5.1): the
 * exported session key and the AUTHENTICATE's flags. */
typedef struct {
    unsigned char key[16];
    uint32_t flags;
} ntlm_mic_key;

static apr_status_t wipe_mic_key(void *data)
{
    neg_wipe(data, sizeof(ntlm_mic_key));
    return APR_SUCCESS;
}

/* Finish the handshake with the AUTHENTICATE message. On success *id is
 * the user, *key what signs SPNEGO's mechListMICs, and *had_mic whether
 * the client protected the messages with a MIC. */
static ntlm_status check_authenticate(const neg_logon_ctx *ctx, neg_conn *nc,
                                      const unsigned char *t3, size_t t3_len,
                                      const ntlm_opts *o, neg_scheme scheme,
                                      neg_identity **id, ntlm_mic_key **key,
                                      int *had_mic, const char **error)
{
    apr_pool_t *p = ctx->pool;
    unsigned char exported_key[16];
    type3_view *v = apr_pcalloc(p, sizeof(*v));
    neg_wb_response req;
    neg_wb_result *res = apr_pcalloc(p, sizeof(*res));
    neg_wb_status st;
    neg_fail_ticket ticket;
    neg_fail_decision d;

    *had_mic = 0;
    *error = precheck(nc, t3, t3_len, o, v);
    if (*error != NULL)
        return NTLM_REFUSED;
    /* Before the domain sees it: a relayed response goes no further. */
    if ((*error = unbound(p, o->ctx, v)) != NULL)
        return NTLM_UNBOUND;

    memset(&req, 0, sizeof(req));
    req.account = v->user;
    req.domain = v->domain;
    req.workstation = v->workstation;
    v1_effective_challenge(nc, v, req.challenge);
    req.nt = v->msg.nt.data;
    req.nt_len = v->msg.nt.len;
    req.lm = v->msg.lm.data;
    req.lm_len = v->is_v2 ? 0 : v->msg.lm.len;     /* LMv2 adds nothing */
    req.allow_machine = o->allow_machine;
    req.client = o->ctx->client;
    d = neg_logon_guard(o->ctx, v->user, v->domain, &ticket);
    if (d != NEG_FAIL_GO) {
        *error = apr_psprintf(p, "refused the NTLM logon of %s from %s without "
                              "asking the domain: %d password logons of that "
                              "user from that address reached the domain in "
                              "%d s (NegotiateFailureLimit), which guards the "
                              "account against a lockout; answered as a wrong "
                              "password", who(p, v),
                              o->ctx->client ? o->ctx->client : "-",
                              neg_failure_limit_count(), neg_failure_limit_seconds());
        return d == NEG_FAIL_BLOCKED_FIRST ? NTLM_LIMITED : NTLM_LIMITED_QUIET;
    }
    st = neg_wb_verify(&req, o->timeout_ms, res);
    neg_logon_guard_end(&ticket, st, st == NEG_WB_OK && res->guest);
    apr_pool_cleanup_register(p, res, clear_result, apr_pool_cleanup_null);
    if (st == NEG_WB_CLIENT_BUSY) {
        *error = client_busy(p, v, o->ctx->client);
        return NTLM_CLIENT_BUSY;
    }
    if (st == NEG_WB_AUTH_FAILED) {
        *error = domain_refusal(p, v, res);
        return strncmp(res->nt_string, "NT_STATUS_NOLOGON_", 18) == 0
            ? NTLM_MACHINE : NTLM_REFUSED;
    }
    if (st != NEG_WB_OK) {
        *error = apr_psprintf(p, "cannot verify the NTLM logon of %s: %s",
                              who(p, v), winbind_failure(p, st, res->detail,
                                                         o->budget_ms));
        return NTLM_UNAVAILABLE;
    }
    if (res->guest) {
        *error = apr_psprintf(p, "refused the NTLM logon of %s: the domain "
                              "logged it on as Guest", who(p, v));
        return NTLM_REFUSED;
    }
    if (res->machine && !o->allow_machine) {
        *error = apr_psprintf(p, "refused the NTLM logon of the computer "
                              "account %s: computer and trust accounts may not "
                              "sign in here (NegotiateMachineAccounts Off)",
                              who(p, v));
        return NTLM_MACHINE;
    }
    if (ntlm_exported_session_key(res->session_key, v->msg.flags,
                                  &v->msg.session_key, exported_key) != NTLM_OK) {
        *error = apr_psprintf(p, "refused the NTLM logon of %s: key exchange "
                              "negotiated without a 16-byte session key", who(p, v));
        return NTLM_REFUSED;
    }
    if (v->is_v2 && (*error = verify_mic(nc, t3, t3_len, v, exported_key)) != NULL) {
        neg_wipe(exported_key, sizeof(exported_key));
        return NTLM_REFUSED;
    }
    *had_mic = v->is_v2 && (v->v2.av_flags & NTLM_AV_FLAG_MIC);
    *key = apr_palloc(p, sizeof(**key));
    memcpy((*key)->key, exported_key, sizeof(exported_key));
    (*key)->flags = v->msg.flags;
    apr_pool_cleanup_register(p, *key, wipe_mic_key, apr_pool_cleanup_null);
    neg_wipe(exported_key, sizeof(exported_key));
    *id = identity_of(ctx, scheme, res, v);
    return NTLM_DONE;
}

/* ------------------------------------------------------------ the mechanism */

/* NTLM is allowed under the bare scheme when NTLM is offered (checked
 * before), and inside Negotiate unless it is Negotiate:Kerberos; never on
 * HTTP/2, whose streams share one connection. */
static int refused_here(const neg_logon_ctx *ctx, neg_scheme scheme,
                        const char *framing, neg_verdict *v)
{
    if (scheme == NEG_SCHEME_NEGOTIATE
        && !neg_offers(ctx->conf, NEG_PROVIDER_NEGOTIATE)) {
        neg_verdict_refuse(v, "NEG0301", apr_psprintf(ctx->pool,
            "refused an NTLM token (%s) under Negotiate: %s allows only "
            "Kerberos inside Negotiate; the client could not get a Kerberos "
            "ticket for this server (check the SPN for the host name in the "
            "URL)", framing, neg_providers_text(ctx->pool, ctx->conf, ctx->tls)));
        return 1;
    }
    if (ctx->conn == NULL) {
        /* IIS answers so too: the stream is reset with HTTP_1_1_REQUIRED,
         * and every HTTP/2 client retries the request over HTTP/1.1 */
        neg_verdict_refuse(v, "NEG0302",
            "refused an NTLM token over HTTP/2: NTLM authenticates a "
            "connection, and HTTP/2 multiplexes requests on one; the client "
            "is told to retry over HTTP/1.1 (HTTP_1_1_REQUIRED)");
        v->http11_required = 1;
        return 1;
    }
    return 0;
}

static void on_negotiate(const neg_logon_ctx *ctx, const neg_bytes *msg,
                         neg_mech_step *st, neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    ntlm_opts o = opts_of(ctx);
    const char *err;

    /* A NEGOTIATE always starts over, even on an authenticated connection. */
    neg_conn_reset(nc);
    if (make_challenge(nc, msg->data, msg->len, &o, ctx->pool, &st->token,
                       &st->token_len, &err) != NTLM_DONE) {
        neg_verdict_refuse(v, "NEG0303", err);
        neg_conn_reset(nc);
        return;
    }
    st->result = NEG_STEP_CONTINUE;
}

/* Why an AUTHENTICATE cannot belong to this connection's handshake, or NULL. */
static const char *out_of_sequence(const neg_logon_ctx *ctx, const neg_mech_step *st)
{
    const neg_conn *nc = ctx->conn;
    int spnego = st->framing == NEG_TOKEN_SPNEGO_INIT
              || st->framing == NEG_TOKEN_SPNEGO_RESP;

    /* A NegTokenInit is an initial token: an AUTHENTICATE inside one is
     * out of sequence, whatever framing the NEGOTIATE had. */
    if (st->framing == NEG_TOKEN_SPNEGO_INIT)
        return "refused an NTLM AUTHENTICATE message inside a SPNEGO "
               "NegTokenInit: it belongs in a NegTokenResp that answers our "
               "challenge";
    if (nc->state == NEG_CONN_CHALLENGED
        && (nc->scheme != st->scheme || nc->spnego != spnego))
        return "refused an NTLM AUTHENTICATE message framed differently from "
               "the NEGOTIATE that started the handshake";
    /* a proxy's handshake does not authenticate to this server, nor the
     * other way round (RFC 7235 4.3, 4.4) */
    if (nc->state == NEG_CONN_CHALLENGED && nc->proxy != ctx->proxy)
        return "refused an NTLM AUTHENTICATE message: the handshake began in "
               "the other header (Proxy-Authorization against Authorization)";
    return NULL;
}

static void on_authenticate(const neg_logon_ctx *ctx, const neg_bytes *msg,
                            neg_mech_step *st, neg_verdict *v)
{
    neg_conn *nc = ctx->conn;
    ntlm_opts o = opts_of(ctx);
    const char *err = out_of_sequence(ctx, st);
    ntlm_status status = NTLM_REFUSED;
    ntlm_mic_key *key = NULL;
    neg_identity *id = NULL;
    int had_mic = 0;

    if (err == NULL)
        status = check_authenticate(ctx, nc, msg->data, msg->len, &o, st->scheme,
                                    &id, &key, &had_mic, &err);
    if (err != NULL) {
        /* err may live in the connection's pool, which the reset clears */
        neg_verdict_refuse(v, status == NTLM_MACHINE ? "NEG0307"
                              : status == NTLM_UNBOUND ? "NEG0308"
                              : status == NTLM_CLIENT_BUSY ? "NEG0309"
                              : status == NTLM_LIMITED || status == NTLM_LIMITED_QUIET
                              ? "NEG1005" : "NEG0304",
                           apr_pstrdup(ctx->pool, err));
        if (status == NTLM_LIMITED_QUIET)
            v->n_lines = 0;     /* one line per user, address and window */
        neg_conn_reset(nc);
        return;
    }
    neg_verdict_log(v, NEG_LOG_DEBUG, "NEG0305", apr_psprintf(ctx->pool,
                    "NTLM: authenticated %s\\%s", id->domain, id->account));
    st->result = NEG_STEP_DONE;
    st->id = id;
    st->mic_key = key;
    st->mic_expected = had_mic;
}

static void ntlm_step(const neg_logon_ctx *ctx, const neg_bytes *msg,
                      neg_mech_step *st, neg_verdict *v)
{
    const char *framing = st->framing == NEG_TOKEN_RAW_NTLMSSP ? "raw NTLMSSP"
                                                               : "inside SPNEGO";

    st->result = NEG_STEP_REFUSED;
    if (refused_here(ctx, st->scheme, framing, v))
        return;
    switch (ntlm_message_type(msg->data, msg->len)) {
    case 1:
        on_negotiate(ctx, msg, st, v);
        return;
    case 3:
        on_authenticate(ctx, msg, st, v);
        return;
    default:
        neg_verdict_refuse(v, "NEG0306", apr_psprintf(ctx->pool,
            "refused an NTLM message (%s) that is neither NEGOTIATE nor "
            "AUTHENTICATE", framing));
        return;
    }
}

/* An AUTHENTICATE continues NTLM's handshake (a NEGOTIATE starts one, and
 * comes only in a NegTokenInit or raw). */
static int ntlm_claims(const neg_bytes *token)
{
    return ntlm_message_type(token->data, token->len) == 3;
}

/* SPNEGO's mechListMIC after NTLM (MS-SPNG 3.2.5.1, MS-NLMP 3.4.4): signed
 * with the NTLM session key, sequence number 0, in each direction. */
static int ntlm_make_mic(void *key, const unsigned char *list, size_t len,
                         apr_pool_t *p, const unsigned char **mic, size_t *mic_len)
{
    const ntlm_mic_key *k = key;
    unsigned char *out = apr_palloc(p, 16);

    if (k == NULL)
        return 0;
    ntlm_sign(k->key, k->flags, NTLM_SERVER_TO_CLIENT, 0, list, len, out);
    *mic = out;
    *mic_len = 16;
    return 1;
}

static int ntlm_check_mic(void *key, const unsigned char *list, size_t len,
                          const unsigned char *mic, size_t mic_len, const char **why)
{
    const ntlm_mic_key *k = key;
    unsigned char want[16];

    *why = NULL;
    if (k == NULL)
        return 0;
    if (!(k->flags & NTLM_F_ESS)) {
        *why = "a SPNEGO mechListMIC needs NTLM extended session security";
        return 0;
    }
    ntlm_sign(k->key, k->flags, NTLM_CLIENT_TO_SERVER, 0, list, len, want);
    return mic_len == 16 && neg_ct_equal(want, mic, 16);
}

/* NTLM authenticates the connection (MS-NLMP over HTTP, as IIS). */
static int ntlm_binds_connection(const neg_logon_ctx *ctx)
{
    (void)ctx;
    return 1;
}

const neg_mech_ops neg_ntlm_ops = {
    "ntlm", "NTLMSSP", "NEG0304", 1, 0,
    ntlm_claims, ntlm_step, ntlm_make_mic, ntlm_check_mic, ntlm_binds_connection
};
