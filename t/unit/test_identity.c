/*
 * test_identity.c - identity.c: the names an identity is made of, from
 * winbind's answer and from a Kerberos principal, and the identities that
 * must never be published (security review 2, defects 8 and 9): an empty
 * realm (REMOTE_USER "alice@", shared by every such alice), and a control
 * character in any name (it would reach REMOTE_USER, NEGOTIATE_* and a
 * reverse proxy's request headers). Where a principal's realm begins:
 * the last '@'.
 */
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "identity.h"
#include "pac_vectors.h"
#include "principal.h"

static neg_wb_result winbind_answer(const char *account, const char *domain,
                                    const char *dns)
{
    neg_wb_result r;

    memset(&r, 0, sizeof(r));
    apr_cpystrn(r.account, account, sizeof(r.account));
    apr_cpystrn(r.domain, domain, sizeof(r.domain));
    apr_cpystrn(r.dns_domain, dns, sizeof(r.dns_domain));
    return r;
}

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int has(const char *text, const char *part)
{
    return text != NULL && strstr(text, part) != NULL;
}

static int has_control_char(const char *s)
{
    for (; s != NULL && *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    }
    return 0;
}

static void from_winbind(apr_pool_t *p)
{
    neg_wb_result r = winbind_answer("alice", "EXAMPLE", "example.test");
    const char *tag = NULL, *why;
    neg_identity id;

    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    CHECK(same(id.realm, "EXAMPLE.TEST") && same(id.principal, "alice@EXAMPLE.TEST"),
          "winbind: realm and principal from the DNS domain");
    CHECK(neg_identity_refusal(&id, p, &tag) == NULL, "winbind: a whole identity is fit");
    CHECK(same(neg_identity_name(&id, NEG_USER_UPN, p), "alice@EXAMPLE.TEST")
          && same(neg_identity_name(&id, NEG_USER_DOWN_LEVEL, p), "EXAMPLE\\alice")
          && same(neg_identity_name(&id, NEG_USER_SHORT, p), "alice"),
          "winbind: the three formats");

    /* no DNS domain: a local SAM account, a NetBIOS-only trust, or a
     * wbcDomainInfo that failed just now */
    r = winbind_answer("alice", "WS1", "");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    why = neg_identity_refusal(&id, p, &tag);
    CHECK(why != NULL && same(tag, "NEG0402"), "winbind: no DNS domain: refused, NEG0402");
    CHECK(has(why, "the NTLM logon of WS1\\alice") && has(why, "no DNS name (realm)")
          && has(why, "would be alice@,") && has(why, "wbinfo --domain-info=WS1"),
          "winbind: the line says whose logon, what is missing, what it would be, what to do");
    neg_identity_from_winbind(&id, p, &r, "basic", "Basic");
    CHECK(neg_identity_refusal(&id, p, &tag) != NULL && same(tag, "NEG0402")
          && has(neg_identity_refusal(&id, p, &tag), "the Basic logon of WS1\\alice"),
          "winbind: Basic too");

    r = winbind_answer("", "EXAMPLE", "example.test");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    CHECK(neg_identity_refusal(&id, p, &tag) != NULL && same(tag, "NEG0402"),
          "winbind: no account name: refused");
    r = winbind_answer("alice", "", "example.test");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    CHECK(has(neg_identity_refusal(&id, p, &tag), "no domain name") && same(tag, "NEG0402"),
          "winbind: an empty domain name: refused");

    /* control characters (AD forbids them; a name that has one is refused) */
    r = winbind_answer("ali\rce", "EXAMPLE", "example.test");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    why = neg_identity_refusal(&id, p, &tag);
    CHECK(same(tag, "NEG0403") && has(why, "account name holds the control character 0x0d"),
          "winbind: CR in the account: NEG0403, naming the field and the byte");
    CHECK(!has_control_char(why) && has(why, "EXAMPLE\\ali\\x0dce"),
          "winbind: the log line shows the name escaped, with no control character");
    r = winbind_answer("alice", "EXAM\x1bPLE", "example.test");
    neg_identity_from_winbind(&id, p, &r, "basic", "Basic");
    CHECK(has(neg_identity_refusal(&id, p, &tag), "domain name holds the control character 0x1b")
          && same(tag, "NEG0403"), "winbind: ESC in the domain: refused");
    r = winbind_answer("alice", "EXAMPLE", "example\x7f.test");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    CHECK(has(neg_identity_refusal(&id, p, &tag), "realm holds the control character 0x7f"),
          "winbind: DEL in the DNS domain: refused");
    r = winbind_answer("j\xc3\xbcrgen", "EXAMPLE", "example.test");
    neg_identity_from_winbind(&id, p, &r, "ntlm", "NTLM");
    CHECK(neg_identity_refusal(&id, p, &tag) == NULL, "winbind: UTF-8 (not control) is fit");
}

static void from_kerberos(apr_pool_t *p)
{
    const char *tag = NULL, *why;
    neg_identity id;
    static const unsigned char bytes[] = { 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x7f };
    size_t i;

    CHECK(neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TEST", NULL, 0, NULL) == NULL,
          "Kerberos without a PAC: an identity");
    why = neg_identity_refusal(&id, p, &tag);
    CHECK(same(tag, "NEG0404") && has(why, "the Kerberos ticket of alice@EXAMPLE.TEST")
          && has(why, "carries no PAC") && has(why, "NegotiateRealmMap EXAMPLE.TEST"),
          "Kerberos without a PAC, its realm not mapped: refused, NEG0404");
    id.domain_mapped = 1;
    CHECK(neg_identity_refusal(&id, p, &tag) == NULL,
          "Kerberos without a PAC, its realm NegotiateRealmMap's: fit");

    /* a ticket minted for "alice@" (no realm) */
    neg_identity_from_kerberos(&id, p, "alice@", NULL, 0, NULL);
    why = neg_identity_refusal(&id, p, &tag);
    CHECK(same(tag, "NEG0402") && has(why, "the Kerberos ticket of alice@")
          && has(why, "has no realm"), "Kerberos: an empty realm: refused, NEG0402");
    neg_identity_from_kerberos(&id, p, "alice", NULL, 0, NULL);
    CHECK(neg_identity_refusal(&id, p, &tag) != NULL && same(tag, "NEG0402"),
          "Kerberos: no '@' at all: refused");
    neg_identity_from_kerberos(&id, p, "@EXAMPLE.TEST", NULL, 0, NULL);
    CHECK(has(neg_identity_refusal(&id, p, &tag), "no account name"),
          "Kerberos: an empty name: refused");

    /* every control byte Heimdal's display form may carry, in the name */
    for (i = 0; i < sizeof(bytes); i++) {
        char principal[64], want[64];

        apr_snprintf(principal, sizeof(principal), "ali%cce@EXAMPLE.TEST", bytes[i]);
        apr_snprintf(want, sizeof(want), "control character 0x%02x", bytes[i]);
        neg_identity_from_kerberos(&id, p, principal, NULL, 0, NULL);
        why = neg_identity_refusal(&id, p, &tag);
        CHECK(same(tag, "NEG0403") && has(why, want) && !has_control_char(why),
              apr_psprintf(p, "Kerberos: 0x%02x in the name: NEG0403, escaped in the line",
                           bytes[i]));
    }
    neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TE\x02ST", NULL, 0, NULL);
    CHECK(has(neg_identity_refusal(&id, p, &tag), "its realm holds the control character 0x02"),
          "Kerberos: a control character in the realm: refused");
    {
        apr_array_header_t *map = apr_array_make(p, 2, sizeof(const char *));

        APR_ARRAY_PUSH(map, const char *) = "EXAMPLE.TEST";
        APR_ARRAY_PUSH(map, const char *) = "EXA\x03MPLE";
        neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TEST", NULL, 0, map);
        CHECK(has(neg_identity_refusal(&id, p, &tag), "its domain name holds the control character 0x03"),
              "Kerberos: a control character in a NegotiateRealmMap domain: refused");
    }

    /* a real PAC: the names come from it, fit */
    CHECK(neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TEST", REAL_PAC_ALICE,
                                     sizeof(REAL_PAC_ALICE), NULL) == NULL
          && same(id.account, "alice") && same(id.domain, "EXAMPLE")
          && neg_identity_refusal(&id, p, &tag) == NULL, "Kerberos with a real PAC: fit");
    {
        apr_array_header_t *map = apr_array_make(p, 2, sizeof(const char *));

        APR_ARRAY_PUSH(map, const char *) = "EXAMPLE.TEST";
        APR_ARRAY_PUSH(map, const char *) = "MAPPED";
        neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TEST", NULL, 0, map);
        CHECK(same(id.domain, "MAPPED") && id.domain_mapped,
              "no PAC: the domain is NegotiateRealmMap's, and marked so");
        neg_identity_from_kerberos(&id, p, "alice@EXAMPLE.TEST", REAL_PAC_ALICE,
                                   sizeof(REAL_PAC_ALICE), map);
        CHECK(same(id.domain, "EXAMPLE") && !id.domain_mapped,
              "a PAC: its domain wins over NegotiateRealmMap, not marked mapped");
    }
}

/* Where the realm begins: the last '@'. Heimdal's gss_display_name
 * writes names unescaped (an enterprise principal alice@example.com of
 * EXAMPLE.TEST is "alice@example.com@EXAMPLE.TEST"); krb5_unparse_name's
 * escaped form (keytabs) writes an '@' of a name as "\@". */
static void realm_split(apr_pool_t *p)
{
    const char *tag;
    neg_identity id;

    CHECK(same(neg_principal_at("alice@EXAMPLE.TEST"), "@EXAMPLE.TEST"), "at: plain");
    CHECK(same(neg_principal_at("alice@example.com@EXAMPLE.TEST"), "@EXAMPLE.TEST"),
          "at: the last '@' (an enterprise name)");
    CHECK(same(neg_principal_at("a\\@b@EXAMPLE.TEST"), "@EXAMPLE.TEST"),
          "at: an escaped '@' is part of the name");
    CHECK(neg_principal_at("alice") == NULL, "at: none");

    neg_identity_from_kerberos(&id, p, "alice@example.com@EXAMPLE.TEST", NULL, 0, NULL);
    id.domain_mapped = 1;
    CHECK(same(id.account, "alice@example.com") && same(id.realm, "EXAMPLE.TEST")
          && neg_identity_refusal(&id, p, &tag) == NULL,
          "Kerberos: alice@example.com of EXAMPLE.TEST");
    neg_identity_from_kerberos(&id, p, "a\\@b@EXAMPLE.TEST", NULL, 0, NULL);
    CHECK(same(id.account, "a\\@b") && same(id.realm, "EXAMPLE.TEST"),
          "Kerberos: a\\@b of EXAMPLE.TEST");
    CHECK(same(neg_identity_name(&id, NEG_USER_SHORT, p), "a\\@b"), "Kerberos: short name a\\@b");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    from_winbind(p);
    from_kerberos(p);
    realm_split(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
