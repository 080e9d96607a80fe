/*
 * policy.c - what a location offers and accepts (see policy.h).
 */
#include "policy.h"

#include <string.h>

#include "apr_strings.h"

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

const char *neg_policy_admits(apr_pool_t *p, const neg_dir_conf *c, int tls,
                              const neg_identity *id)
{
    if (c->require_tls == 1 && !tls)
        return "this location requires TLS (NegotiateRequireTLS On)";
    if (id->machine && !neg_machine_accounts_allowed(c))
        return "it is a computer account (NegotiateMachineAccounts Off here)";
    if (strcmp(id->mech, "kerberos") == 0)
        return kerberos_refused(p, c, id);
    if (strcmp(id->mech, "ntlm") == 0)
        return ntlm_refused(c, id);
    if (strcmp(id->mech, "basic") == 0 && !neg_basic_offered(c, tls))
        return "this location does not offer Basic here";
    return NULL;
}
