/*
 * test_policy.c - policy.c's neg_policy_admits, the one question every
 * path that reuses an identity asks: for each rule a location can set, an
 * identity proved where the rule is laxer is refused where it is stricter,
 * on every path, and admitted where the rule is the same (t/41_reuse_matrix.t
 * asks the same against the real server).
 */
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "policy.h"

static const unsigned char crypto_a[NEG_SESSION_CRYPTO_LEN] = { 1 };
static const unsigned char crypto_b[NEG_SESSION_CRYPTO_LEN] = { 2 };

static neg_dir_conf conf(apr_pool_t *p)
{
    neg_dir_conf c;

    memset(&c, 0, sizeof(c));
    c.principals = apr_array_make(p, 1, sizeof(const char *));
    c.keytab = "FILE:/etc/http.keytab";
    c.ntlm_v1 = c.basic = c.basic_plain_http = c.require_tls = -1;
    c.persist_kerberos = c.machine_accounts = c.extended_protection = -1;
    c.session = c.session_basic = c.session_lifetime_s = -1;
    return c;
}

static neg_identity identity(const char *mech)
{
    neg_identity id;

    memset(&id, 0, sizeof(id));
    id.mech = mech;
    id.auth_type = strcmp(mech, "basic") == 0 ? "Basic"
                 : strcmp(mech, "ntlm") == 0 ? "NTLM" : "Negotiate";
    id.account = "alice";
    id.realm = "EXAMPLE.TEST";
    id.principal = "alice@EXAMPLE.TEST";
    id.keytab = "FILE:/etc/http.keytab";
    id.service = "HTTP/localhost@EXAMPLE.TEST";
    id.tls = 1;
    id.binding = NEG_BIND_UNCHECKED;
    return id;
}

static neg_place place(const neg_dir_conf *c, int epa)
{
    neg_place h;

    memset(&h, 0, sizeof(h));
    h.conf = c;
    h.tls = 1;
    h.epa = epa;
    h.now = apr_time_from_sec(1800000000);
    h.session_crypto = crypto_a;
    return h;
}

static const neg_via every_path[] = {
    NEG_VIA_CONNECTION, NEG_VIA_REQUEST, NEG_VIA_SESSION, NEG_VIA_HANDSHAKE,
    NEG_VIA_BASIC_CACHE
};
#define N_PATHS (sizeof(every_path) / sizeof(every_path[0]))

/* On every path: admitted at lax, refused at strict. */
static void lax_and_strict(apr_pool_t *p, const char *what, const neg_identity *id,
                           const neg_place *lax, const neg_place *strict)
{
    size_t i;
    int ok_lax = 1, ok_strict = 1;

    for (i = 0; i < N_PATHS; i++) {
        if (neg_policy_admits(p, lax, id, every_path[i]) != NULL)
            ok_lax = 0;
        if (neg_policy_admits(p, strict, id, every_path[i]) == NULL)
            ok_strict = 0;
    }
    CHECK(ok_lax, apr_psprintf(p, "%s: admitted where the rule is the same", what));
    CHECK(ok_strict, apr_psprintf(p, "%s: refused where it is stricter, on every path", what));
}

static void extended_protection(apr_pool_t *p)
{
    neg_dir_conf c = conf(p);
    neg_identity id = identity("ntlm");
    neg_place off = place(&c, NEG_EPA_OFF), allow = place(&c, NEG_EPA_ALLOW),
              require = place(&c, NEG_EPA_REQUIRE);

    c.persist_kerberos = 1;
    id.binding = NEG_BIND_UNCHECKED;
    lax_and_strict(p, "NTLM proved under Extended Protection Off, at Allow", &id, &off, &allow);
    lax_and_strict(p, "NTLM proved under Off, at Require", &id, &off, &require);
    id.binding = NEG_BIND_UNBOUND;
    lax_and_strict(p, "NTLM proved unbound under Allow, at Require", &id, &allow, &require);
    id = identity("kerberos");
    id.binding = NEG_BIND_UNCHECKED;
    lax_and_strict(p, "Kerberos proved under Off, at Allow", &id, &off, &allow);
    id.binding = NEG_BIND_BOUND;
    CHECK(neg_policy_admits(p, &require, &id, NEG_VIA_CONNECTION) == NULL,
          "a logon bound to the channel is admitted at Require on its connection");
    id.bearer = 1;
    memcpy(id.session_crypto, crypto_a, sizeof(crypto_a));
    id.proved_at = require.now;
    id.expires = require.now + apr_time_from_sec(60);
    c.session = 1;
    CHECK(neg_policy_admits(p, &require, &id, NEG_VIA_REQUEST) != NULL,
          "but not once it came in a cookie (a bearer token), on any path");
    require.tls = 0;
    id = identity("basic");
    c.basic = c.basic_plain_http = 1;
    CHECK(neg_policy_admits(p, &require, &id, NEG_VIA_BASIC_CACHE) == NULL,
          "Basic carries its password: Extended Protection does not apply");
}

static void location_rules(apr_pool_t *p)
{
    neg_dir_conf lc = conf(p), sc = conf(p);
    neg_place lax = place(&lc, NEG_EPA_OFF), strict = place(&sc, NEG_EPA_OFF);
    neg_identity id = identity("ntlm");

    lc.persist_kerberos = sc.persist_kerberos = 1;
    id.machine = 1;
    lc.machine_accounts = 1;
    lax_and_strict(p, "a computer account (NegotiateMachineAccounts On, Off)", &id, &lax, &strict);
    lc = conf(p), sc = conf(p);
    lc.persist_kerberos = sc.persist_kerberos = 1;
    id = identity("ntlm");
    id.ntlm_v1 = 1;
    lc.ntlm_v1 = 1;
    lax_and_strict(p, "NTLMv1 (NegotiateNTLMv1 On, Off)", &id, &lax, &strict);
    lc.ntlm_v1 = -1;
    id = identity("ntlm");
    sc.providers[0] = NEG_PROVIDER_NEGOTIATE_KRB5;
    sc.n_providers = 1;
    lax_and_strict(p, "NTLM (NegotiateProviders Negotiate NTLM, Negotiate:Kerberos)", &id, &lax, &strict);
    sc.n_providers = 0;
    id = identity("kerberos");
    sc.keytab = "FILE:/etc/other.keytab";
    lax_and_strict(p, "Kerberos by another keytab (NegotiateKeytab)", &id, &lax, &strict);
    sc.keytab = lc.keytab;
    APR_ARRAY_PUSH(sc.principals, const char *) = "HTTP/www.example.test";
    lax_and_strict(p, "a ticket for another service (NegotiateServicePrincipal)", &id, &lax, &strict);
    sc.principals = lc.principals;
    id = identity("basic");
    lc.basic = 1;
    lax_and_strict(p, "Basic (NegotiateBasic On, Off)", &id, &lax, &strict);
    id = identity("ntlm");
    id.tls = 0;
    lax.tls = strict.tls = 1;
    sc.require_tls = 1;
    lax_and_strict(p, "proved over plain HTTP (NegotiateRequireTLS Off, On)", &id, &lax, &strict);
    sc.require_tls = -1;
    id = identity("ntlm");
    id.proxy = 1;
    lax.proxy = 1;
    lax_and_strict(p, "proved to a proxy, at the server", &id, &lax, &strict);
    id.proxy = 0;
    lax.proxy = 0;
    strict.proxy = 1;
    lax_and_strict(p, "proved to the server, at a proxy", &id, &lax, &strict);
}

static void connection_and_session_rules(apr_pool_t *p)
{
    neg_dir_conf lc = conf(p), sc = conf(p);
    neg_place lax = place(&lc, NEG_EPA_OFF), strict = place(&sc, NEG_EPA_OFF);
    neg_identity id = identity("kerberos");

    lc.persist_kerberos = 1;
    CHECK(neg_policy_admits(p, &lax, &id, NEG_VIA_CONNECTION) == NULL
          && neg_policy_admits(p, &strict, &id, NEG_VIA_CONNECTION) != NULL,
          "Kerberos on the connection: only where NegotiatePersistKerberos is On");
    CHECK(neg_policy_admits(p, &strict, &id, NEG_VIA_REQUEST) == NULL,
          "NegotiatePersistKerberos is about the connection, not a redirect");
    lc = conf(p), sc = conf(p);
    lc.session = sc.session = lc.session_basic = 1;
    id = identity("basic");
    lc.basic = sc.basic = 1;
    id.bearer = 1;
    memcpy(id.session_crypto, crypto_a, sizeof(crypto_a));
    id.proved_at = lax.now;
    id.expires = lax.now + apr_time_from_sec(60);
    lax_and_strict(p, "a Basic logon in a session (NegotiateSessionBasic On, Off)", &id, &lax, &strict);
    sc.session_basic = 1;
    sc.session = -1;
    lax_and_strict(p, "a session where NegotiateSession is Off", &id, &lax, &strict);
    sc.session = 1;
    sc.session_lifetime_s = 30;
    lax_and_strict(p, "a session made for a longer lifetime", &id, &lax, &strict);
    /* 50 s after its logon it has 10 s left, less than 30: still made for 60 */
    id.proved_at = lax.now - apr_time_from_sec(50);
    id.expires = lax.now + apr_time_from_sec(10);
    lax_and_strict(p, "a session made for a longer lifetime, with less than this "
                   "location's left", &id, &lax, &strict);
    id.proved_at = lax.now;
    id.expires = lax.now + apr_time_from_sec(60);
    sc.session_lifetime_s = -1;
    strict.session_crypto = crypto_b;
    lax_and_strict(p, "a session decrypted under another passphrase", &id, &lax, &strict);
    strict.session_crypto = NULL;
    lax_and_strict(p, "a session where no passphrase applies", &id, &lax, &strict);
    id.expires = lax.now;
    CHECK(neg_policy_admits(p, &lax, &id, NEG_VIA_SESSION) != NULL, "an expired session");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    extended_protection(p);
    location_rules(p);
    connection_and_session_rules(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
