/*
 * ntlm_auth.c - one NTLM handshake: the server's side of MS-NLMP 3.2.5.
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

#include "ntlm.h"
#include "winbind.h"

#define NAME_MAX_UTF8 (3 * 256 + 1)

/* ------------------------------------------------------------ Type 1 */

static const char *lower(apr_pool_t *p, const char *s)
{
    char *u = apr_pstrdup(p, s), *c;

    for (c = u; *c; c++)
        *c = (char)apr_tolower(*c);
    return u;
}

static const char *winbind_failure(apr_pool_t *p, neg_wb_status st,
                                   const char *detail, int timeout_ms)
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
                            "(NegotiateWinbindTimeout): is winbindd hung or "
                            "overloaded?", timeout_ms);
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

neg_ntlm_status neg_ntlm_challenge(neg_conn *nc, const unsigned char *t1,
                                   size_t t1_len, const neg_ntlm_opts *o,
                                   const unsigned char **type2, size_t *type2_len,
                                   const char **error)
{
    ntlm_negotiate neg;
    ntlm_result nr;
    neg_wb_names names;
    ntlm_server_names sn;
    neg_wb_status st;
    char detail[160] = "";
    unsigned char *msg;
    size_t msg_len;
    int ret;

    nr = ntlm_decode_negotiate(t1, t1_len, &neg);
    if (nr != NTLM_OK) {
        *error = apr_psprintf(nc->pool, "refused an NTLM NEGOTIATE message: %s",
                              ntlm_result_str(nr));
        return NEG_NTLM_REFUSED;
    }
    st = neg_wb_names_get(o->timeout_ms, &names, detail, sizeof(detail));
    if (st != NEG_WB_OK) {
        *error = apr_psprintf(nc->pool, "cannot build an NTLM challenge: %s",
                              winbind_failure(nc->pool, st, detail, o->timeout_ms));
        return NEG_NTLM_UNAVAILABLE;
    }
    random_challenge(nc->challenge);
    nc->flags = ntlm_challenge_flags(neg.flags);
    sn = server_names(nc->pool, &names);
    ret = ntlm_encode_challenge(nc->flags, nc->challenge, &sn,
                                ntlm_filetime(apr_time_now()), &msg, &msg_len,
                                &nc->ti_off, &nc->ti_len);
    if (ret != 0) {
        *error = apr_psprintf(nc->pool, "cannot encode the NTLM challenge "
                              "(error %d)", ret);
        return NEG_NTLM_REFUSED;
    }
    nc->type1 = apr_pmemdup(nc->pool, t1, t1_len);
    nc->type1_len = t1_len;
    nc->type2 = apr_pmemdup(nc->pool, msg, msg_len);
    nc->type2_len = msg_len;
    free(msg);
    nc->challenged_at = apr_time_now();
    nc->state = NEG_CONN_CHALLENGED;
    *type2 = nc->type2;
    *type2_len = nc->type2_len;
    return NEG_NTLM_OK;
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
    return apr_psprintf(p, "%s\\%s (workstation %s)", v->domain, v->user,
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
                            const neg_ntlm_opts *o, type3_view *v)
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
    if (ntlm_equal(mic, v->msg.mic, 16))
        return NULL;
    return apr_psprintf(nc->pool, "refused the NTLM logon of %s: its MIC does "
                        "not match the messages of this handshake (altered "
                        "in transit?)", who(nc->pool, v));
}

static void bind_identity(neg_conn *nc, const neg_wb_result *res)
{
    neg_identity_from_winbind(&nc->id, nc->pool, res, "ntlm",
                              neg_scheme_name(nc->scheme));
    nc->state = NEG_CONN_AUTHENTICATED;
}

static apr_status_t clear_result(void *res)
{
    neg_wb_result_clear(res);
    return APR_SUCCESS;
}

neg_ntlm_status neg_ntlm_authenticate(neg_conn *nc, const unsigned char *t3,
                                      size_t t3_len, const neg_ntlm_opts *o,
                                      apr_pool_t *p, unsigned char exported_key[16],
                                      uint32_t *flags, int *had_mic,
                                      const char **error)
{
    type3_view *v = apr_pcalloc(p, sizeof(*v));
    neg_wb_response req;
    neg_wb_result *res = apr_pcalloc(p, sizeof(*res));
    neg_wb_status st;

    *had_mic = 0;
    *error = precheck(nc, t3, t3_len, o, v);
    if (*error != NULL)
        return NEG_NTLM_REFUSED;

    memset(&req, 0, sizeof(req));
    req.account = v->user;
    req.domain = v->domain;
    req.workstation = v->workstation;
    v1_effective_challenge(nc, v, req.challenge);
    req.nt = v->msg.nt.data;
    req.nt_len = v->msg.nt.len;
    req.lm = v->msg.lm.data;
    req.lm_len = v->is_v2 ? 0 : v->msg.lm.len;     /* LMv2 adds nothing */
    st = neg_wb_verify(&req, o->timeout_ms, res);
    apr_pool_cleanup_register(p, res, clear_result, apr_pool_cleanup_null);
    if (st == NEG_WB_AUTH_FAILED) {
        *error = domain_refusal(p, v, res);
        return NEG_NTLM_REFUSED;
    }
    if (st != NEG_WB_OK) {
        *error = apr_psprintf(p, "cannot verify the NTLM logon of %s: %s",
                              who(p, v), winbind_failure(p, st, res->detail,
                                                         o->timeout_ms));
        return NEG_NTLM_UNAVAILABLE;
    }
    if (res->guest) {
        *error = apr_psprintf(p, "refused the NTLM logon of %s: the domain "
                              "logged it on as Guest", who(p, v));
        return NEG_NTLM_REFUSED;
    }
    if (ntlm_exported_session_key(res->session_key, v->msg.flags,
                                  &v->msg.session_key, exported_key) != NTLM_OK) {
        *error = apr_psprintf(p, "refused the NTLM logon of %s: key exchange "
                              "negotiated without a 16-byte session key", who(p, v));
        return NEG_NTLM_REFUSED;
    }
    if (v->is_v2 && (*error = verify_mic(nc, t3, t3_len, v, exported_key)) != NULL)
        return NEG_NTLM_REFUSED;
    *had_mic = v->is_v2 && (v->v2.av_flags & NTLM_AV_FLAG_MIC);
    *flags = v->msg.flags;
    bind_identity(nc, res);
    return NEG_NTLM_OK;
}
