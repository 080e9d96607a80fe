/*
 * policy.c - what a location offers and accepts (see policy.h).
 */
#include "policy.h"

#include <string.h>
#include <strings.h>

#include "apr_strings.h"
#include "secret.h"

#include "kerberos.h"       /* neg_krb5_principal_allowed */

static const neg_provider default_providers[] = {
    NEG_PROVIDER_NEGOTIATE, NEG_PROVIDER_NTLM
};

const neg_provider *neg_providers(const neg_dir_conf *c, int *n)
{
    if (c->n_providers > 0) {
        *n = c->n_providers;
        return c->providers;
    }
    *n = (int)(sizeof(default_providers) / sizeof(default_providers[0]));
    return default_providers;
}

int neg_offers(const neg_dir_conf *c, neg_provider want)
{
    int i, n;
    const neg_provider *list = neg_providers(c, &n);

    for (i = 0; i < n; i++) {
        if (list[i] == want)
            return 1;
    }
    return 0;
}

int neg_basic_offered(const neg_dir_conf *c, int tls)
{
    return c->basic == 1 && (tls || c->basic_plain_http == 1);
}

int neg_scheme_offered(const neg_dir_conf *c, int tls, neg_scheme s)
{
    switch (s) {
    case NEG_SCHEME_BASIC:
        return neg_basic_offered(c, tls);
    case NEG_SCHEME_NTLM:
        return neg_offers(c, NEG_PROVIDER_NTLM);
    case NEG_SCHEME_NEGOTIATE:
        return neg_offers(c, NEG_PROVIDER_NEGOTIATE)
            || neg_offers(c, NEG_PROVIDER_NEGOTIATE_KRB5);
    default:
        return 0;
    }
}

const char *neg_providers_text(apr_pool_t *p, const neg_dir_conf *c, int tls)
{
    static const char *names[] = { "", "Negotiate", "Negotiate:Kerberos", "NTLM" };
    const char *s = "NegotiateProviders";
    int i, n;
    const neg_provider *list = neg_providers(c, &n);

    for (i = 0; i < n; i++)
        s = apr_pstrcat(p, s, " ", names[list[i]], NULL);
    if (c->basic == 1)
        s = apr_pstrcat(p, s, neg_basic_offered(c, tls) ? ", NegotiateBasic On"
                        : ", NegotiateBasic On (but not on plain HTTP)", NULL);
    return s;
}

size_t neg_max_token(const neg_dir_conf *c)
{
    return c->max_token == NEG_UNSET_SIZE ? NEG_DEFAULT_MAX_TOKEN : c->max_token;
}

int neg_winbind_timeout_ms(const neg_dir_conf *c)
{
    return c->winbind_timeout_ms != -1 ? c->winbind_timeout_ms
                                       : NEG_DEFAULT_WINBIND_TIMEOUT_MS;
}

neg_user_format neg_user_format_of(const neg_dir_conf *c)
{
    return c->user_format == NEG_USER_UNSET ? NEG_USER_UPN : c->user_format;
}

int neg_machine_accounts_allowed(const neg_dir_conf *c)
{
    return c->machine_accounts == 1;
}

static int same_keytab(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *kerberos_refused(apr_pool_t *p, const neg_dir_conf *c,
                                    const neg_identity *id)
{
    if (!neg_offers(c, NEG_PROVIDER_NEGOTIATE)
        && !neg_offers(c, NEG_PROVIDER_NEGOTIATE_KRB5))
        return "this location does not offer Negotiate";
    if (!same_keytab(c->keytab, id->keytab))
        return apr_psprintf(p, "its ticket was accepted with the keytab %s, "
                            "and this location uses %s",
                            id->keytab ? id->keytab : "(default)",
                            c->keytab ? c->keytab : "(default)");
    if (id->service == NULL
        || !neg_krb5_principal_allowed(c->principals, id->service))
        return apr_psprintf(p, "its ticket is for %s, which "
                            "NegotiateServicePrincipal here does not allow",
                            id->service ? id->service : "an unknown service");
    return NULL;
}

static const char *ntlm_refused(const neg_dir_conf *c, const neg_identity *id)
{
    if (strcmp(id->auth_type, "NTLM") == 0 && !neg_offers(c, NEG_PROVIDER_NTLM))
        return "this location does not offer NTLM";
    if (strcmp(id->auth_type, "Negotiate") == 0 && !neg_offers(c, NEG_PROVIDER_NEGOTIATE))
        return "this location does not allow NTLM inside Negotiate";
    if (id->ntlm_v1 && c->ntlm_v1 != 1)
        return "it was an NTLMv1 or LM logon, and this location accepts only "
               "NTLMv2 (NegotiateNTLMv1 Off)";
    return NULL;
}

/* A password on the login form (login.c): it reaches a request only in a
 * session, and a location takes it where it sends browsers to the form
 * (NegotiateLoginForm) or takes Basic logons into sessions
 * (NegotiateSessionBasic On): a location that wants Kerberos alone keeps
 * it out. */
static const char *form_refused(const neg_dir_conf *c, const neg_identity *id)
{
    if (!id->bearer)
        return "a login form's identity comes only in a session";
    if (c->login_form == NULL && c->session_basic != 1)
        return "it was proved by a password on the login form, and this "
               "location has neither NegotiateLoginForm nor "
               "NegotiateSessionBasic On";
    return NULL;
}

static const char *mech_refused(apr_pool_t *p, const neg_place *here,
                                const neg_identity *id)
{
    if (strcmp(id->mech, "kerberos") == 0)
        return kerberos_refused(p, here->conf, id);
    if (strcmp(id->mech, "ntlm") == 0)
        return ntlm_refused(here->conf, id);
    if (strcmp(id->mech, "basic") == 0 && strcmp(id->auth_type, "Form") == 0)
        return form_refused(here->conf, id);
    if (strcmp(id->mech, "basic") == 0)
        return neg_basic_offered(here->conf, here->tls) ? NULL
            : "this location does not offer Basic here";
    return "it was proved by an unknown mechanism";
}

static const char *epa_name(int epa)
{
    return epa == NEG_EPA_REQUIRE ? "Require" : "Allow";
}

/* Extended Protection (MS-NLMP 3.2.5.1.2, RFC 4121 4.1.1.2): a location
 * that checks channel binding admits only logons that were checked as
 * strictly. Basic carries the password itself: nothing to bind. A cookie
 * is a bearer token: whatever its logon showed, it is bound to no channel,
 * and where binding is required it is refused (bearer_refused). */
static const char *binding_refused(apr_pool_t *p, const neg_place *here,
                                   const neg_identity *id)
{
    if (here->epa == NEG_EPA_OFF || strcmp(id->mech, "basic") == 0)
        return NULL;
    if (id->binding == NEG_BIND_UNCHECKED)
        return apr_psprintf(p, "it was proved where Extended Protection was "
                            "Off (nothing checked that its token was meant "
                            "for this channel: it may have been relayed), "
                            "and this location has NegotiateExtendedProtection "
                            "%s", epa_name(here->epa));
    if (here->epa == NEG_EPA_REQUIRE && here->tls && id->binding != NEG_BIND_BOUND)
        return "its logon was bound to no TLS channel, and this location has "
               "NegotiateExtendedProtection Require";
    return NULL;
}

/* An identity that came in a session cookie, here or on the request an
 * internal redirect or subrequest came from: the session's own rules. */
static const char *bearer_refused(apr_pool_t *p, const neg_place *here,
                                  const neg_identity *id)
{
    const neg_dir_conf *c = here->conf;
    apr_time_t life = apr_time_from_sec(c->session_lifetime_s > 0
                                        ? c->session_lifetime_s
                                        : NEG_DEFAULT_SESSION_LIFETIME_S);

    if (c->session != 1)
        return "it came in a session cookie, and NegotiateSession is Off here";
    if (here->proxy || id->proxy)
        return "a session cookie is never a forward proxy's identity (the "
               "cookie would go to the sites the proxy serves)";
    if (here->session_crypto == NULL
        || !neg_ct_equal(here->session_crypto, id->session_crypto,
                        NEG_SESSION_CRYPTO_LEN))
        return "its session cookie was decrypted under another "
               "SessionCryptoPassphrase than this location's (or under none)";
    if (strcmp(id->mech, "basic") == 0 && strcmp(id->auth_type, "Basic") == 0
        && c->session_basic != 1)
        return "it was made by a Basic logon (NegotiateSessionBasic Off here)";
    if (here->epa == NEG_EPA_REQUIRE)
        return "NegotiateExtendedProtection Require here, and a session cookie "
               "is bound to no TLS channel";
    if (id->expires <= here->now)
        return "its session has expired";
    /* what the cookie has left, and what it was made for: a cookie of a
     * laxer location is still young enough there when its logon is older
     * than this location allows (1 s: both times are kept in seconds) */
    if (id->expires > here->now + life
        || id->expires - id->proved_at > life + apr_time_from_sec(1))
        return apr_psprintf(p, "its session was made for a longer lifetime "
                            "(%" APR_TIME_T_FMT " s) than NegotiateSessionLifetime "
                            "here (%" APR_TIME_T_FMT " s)",
                            apr_time_sec(id->expires - id->proved_at),
                            apr_time_sec(life));
    return NULL;
}

/* A ticket without a PAC names no NetBIOS domain: the one it has came from
 * NegotiateRealmMap where it was proved, and a location that maps the
 * realm otherwise (or not at all) would name the person otherwise. */
static const char *mapped_domain_refused(const neg_place *here, const neg_identity *id)
{
    const char *here_domain;

    if (!id->domain_mapped)
        return NULL;
    here_domain = neg_identity_map_realm(here->conf->realm_map, id->realm);
    if (here_domain != NULL && id->domain != NULL
        && strcasecmp(here_domain, id->domain) == 0)
        return NULL;
    return "its NetBIOS domain came from NegotiateRealmMap where it was proved "
           "(a ticket without a PAC), and this location maps its realm "
           "otherwise";
}

static const char *proxy_refused(const neg_place *here, const neg_identity *id)
{
    if (id->proxy == here->proxy)
        return NULL;
    return id->proxy ? "it was proved to a proxy (Proxy-Authorization, 407), "
                       "and this request is for this server"
                     : "it was proved to this server (Authorization, 401), "
                       "and this request is for a proxy";
}

const char *neg_policy_admits(apr_pool_t *p, const neg_place *here,
                              const neg_identity *id, neg_via via)
{
    const neg_dir_conf *c = here->conf;
    const char *why;

    if ((why = proxy_refused(here, id)) != NULL)
        return why;
    if (c->require_tls == 1 && !(here->tls && id->tls))
        return here->tls ? "it was proved over plain HTTP, and this location "
                           "requires TLS (NegotiateRequireTLS On)"
                         : "this location requires TLS (NegotiateRequireTLS On)";
    if (id->machine && !neg_machine_accounts_allowed(c))
        return "it is a computer account (NegotiateMachineAccounts Off here)";
    if ((why = mech_refused(p, here, id)) != NULL
        || (id->bearer && (why = bearer_refused(p, here, id)) != NULL)
        || (why = binding_refused(p, here, id)) != NULL)
        return why;
    if ((why = mapped_domain_refused(here, id)) != NULL)
        return why;
    if (via == NEG_VIA_CONNECTION && strcmp(id->mech, "kerberos") == 0
        && c->persist_kerberos != 1)
        return "NegotiatePersistKerberos is Off here";
    return NULL;
}
