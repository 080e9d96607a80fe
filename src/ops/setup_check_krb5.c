/*
 * setup_check_krb5.c - verdicts on a deployment's Kerberos (see
 * setup_check_krb5.h): the keytab's keys for a name, the configured
 * principals, the KDC's ticket and the clock, NegotiateDelegateTo.
 */
#include "setup_check_krb5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_strings.h"

#include "principal.h"

/* A clock this far off is worth fixing before Kerberos' limit is reached. */
#define CLOCK_WARN_SECONDS 60

/* --------------------------------------------------------------- keys */

int neg_enctype_is_weak(int enctype)
{
    /* 1-3 single DES, 23-24 RC4 (RFC 8429 deprecates both) */
    return (enctype >= 1 && enctype <= 3) || enctype == 23 || enctype == 24;
}

int neg_principal_is(const char *principal, const char *spn)
{
    size_t n;

    if (strchr(spn, '@') != NULL)
        return strcasecmp(principal, spn) == 0;
    n = strlen(spn);
    return strncasecmp(principal, spn, n) == 0 && principal[n] == '@';
}

/* "kvno 2 aes256-cts-hmac-sha1-96, kvno 2 aes128-cts-hmac-sha1-96" */
static const char *key_list(apr_pool_t *p, const neg_key *keys, size_t n,
                            const char *spn, int *n_found, int *all_weak)
{
    const char *list = NULL;
    size_t i;

    *n_found = 0;
    *all_weak = 1;
    for (i = 0; i < n; i++) {
        if (!neg_principal_is(keys[i].principal, spn))
            continue;
        (*n_found)++;
        *all_weak &= neg_enctype_is_weak(keys[i].enctype);
        list = apr_psprintf(p, "%s%skvno %d %s", list ? list : "",
                            list ? ", " : "", keys[i].kvno, keys[i].enctype_name);
    }
    return list;
}

static const char *realm_part(const char *principal)
{
    const char *at = neg_principal_at(principal);

    return at ? at + 1 : "REALM";
}

static const char *realm_of(const neg_key *keys, size_t n, const char *spn)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (neg_principal_is(keys[i].principal, spn))
            return realm_part(keys[i].principal);
    }
    return n > 0 ? realm_part(keys[0].principal) : "REALM";
}

static const char *register_fix(apr_pool_t *p, const char *keytab, const char *spn,
                                const char *realm)
{
    return apr_psprintf(p, "register %s on the web server's service account "
                        "and export its keys into %s. Windows: setspn -S %s "
                        "ACCOUNT; ktpass -princ %s@%s -mapuser ACCOUNT "
                        "-crypto AES256-SHA1 -ptype KRB5_NT_PRINCIPAL -pass * "
                        "-out http.keytab. Samba: samba-tool spn add %s ACCOUNT; "
                        "samba-tool domain exportkeytab %s --principal=%s",
                        spn, keytab, spn, spn, realm, spn, keytab, spn);
}

static const char *principals_in(apr_pool_t *p, const neg_key *keys, size_t n)
{
    const char *list = NULL;
    size_t i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < i && strcmp(keys[j].principal, keys[i].principal) != 0; j++)
            ;
        if (j == i)
            list = apr_pstrcat(p, list ? list : "", list ? ", " : "",
                               keys[i].principal, NULL);
    }
    return list ? list : "nothing";
}

void neg_check_keytab_keys(neg_check_report *r, const char *keytab,
                           const neg_key *keys, size_t n_keys,
                           const char *spn, const char *also_spn)
{
    apr_pool_t *p = r->pool;
    int found, weak, also_found, also_weak;
    const char *list = key_list(p, keys, n_keys, spn, &found, &weak);

    if (found == 0) {
        const char *also = NULL;
        if (also_spn != NULL && key_list(p, keys, n_keys, also_spn, &also_found,
                                         &also_weak) != NULL)
            also = apr_psprintf(p, " (it has keys for %s, the name in the URL, "
                                "but browsers ask for the canonical name)",
                                also_spn);
        neg_check_add(r, NEG_CHECK_FAIL, "keytab",
                      register_fix(p, keytab, spn, realm_of(keys, n_keys, spn)),
                      "the keytab %s has no key for %s%s; it holds %s",
                      keytab, spn, also ? also : "", principals_in(p, keys, n_keys));
        return;
    }
    if (weak)
        neg_check_add(r, NEG_CHECK_WARN, "keytab",
                      "let the account use AES (Windows: account option "
                      "\"This account supports Kerberos AES 256 bit encryption\"; "
                      "Samba: msDS-SupportedEncryptionTypes = 24), change its "
                      "password and export the keytab again",
                      "the keytab %s holds only weak keys (RC4/DES) for %s: %s",
                      keytab, spn, list);
    else
        neg_check_add(r, NEG_CHECK_OK, "keytab", NULL,
                      "the keytab %s holds %d key%s for %s: %s", keytab, found,
                      found == 1 ? "" : "s", spn, list);
}

void neg_check_configured_principals(neg_check_report *r, const char *keytab,
                                     const neg_key *keys, size_t n_keys,
                                     const apr_array_header_t *principals)
{
    apr_pool_t *p = r->pool;
    int i, found, weak;

    for (i = 0; principals != NULL && i < principals->nelts; i++) {
        const char *want = APR_ARRAY_IDX(principals, i, const char *);
        if (key_list(p, keys, n_keys, want, &found, &weak) != NULL)
            neg_check_add(r, NEG_CHECK_OK, "keytab", NULL,
                          "NegotiateServicePrincipal %s has %d key%s in %s",
                          want, found, found == 1 ? "" : "s", keytab);
        else
            neg_check_add(r, NEG_CHECK_FAIL, "keytab",
                          apr_psprintf(p, "export the keys of %s into %s, or "
                                       "remove it from NegotiateServicePrincipal",
                                       want, keytab),
                          "NegotiateServicePrincipal names %s, but the keytab "
                          "%s has no key for it: tickets for it are refused",
                          want, keytab);
    }
}

/* ---------------------------------------------------------------- KDC */

static const char *owners_text(apr_pool_t *p, const neg_kdc_facts *kdc)
{
    const char *list = NULL;
    size_t i;

    if (kdc->owners == NULL)
        return NULL;
    for (i = 0; i < kdc->n_owners; i++)
        list = apr_pstrcat(p, list ? list : "", list ? ", " : "",
                           kdc->owners[i], NULL);
    return list ? list : "";
}

static const char *find_spn_fix(apr_pool_t *p, const char *spn)
{
    return apr_psprintf(p, "find the accounts that hold it: setspn -Q %s "
                        "(Windows), or on a Samba DC: ldbsearch -H "
                        "/var/lib/samba/private/sam.ldb "
                        "'(servicePrincipalName=%s)' sAMAccountName", spn, spn);
}

static void kdc_unknown(neg_check_report *r, const char *keytab,
                        const neg_key *keys, size_t n_keys, const char *spn,
                        const neg_kdc_facts *kdc)
{
    apr_pool_t *p = r->pool;
    int found, weak;
    const char *owners = owners_text(p, kdc);
    const char *dup_fix = apr_psprintf(p, "keep %s on the one account whose "
                                       "keys are in %s and remove it from the "
                                       "others: setspn -D %s OTHER-ACCOUNT "
                                       "(Windows), samba-tool spn delete %s "
                                       "OTHER-ACCOUNT (Samba); %s", spn, keytab,
                                       spn, spn, find_spn_fix(p, spn));

    if (owners != NULL && kdc->n_owners >= 2) {
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", dup_fix,
                      "%s is on two accounts (%s): the KDC refuses a ticket "
                      "for an SPN that is not unique (it answers \"%s\")",
                      spn, owners, kdc->detail);
        return;
    }
    if (key_list(p, keys, n_keys, spn, &found, &weak) != NULL && owners == NULL) {
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", dup_fix,
                      "the KDC has no single account for %s (\"%s\"), although "
                      "the keytab holds keys for it: the SPN is now on two "
                      "accounts (Samba's and Windows' KDCs refuse a duplicate "
                      "SPN as unknown, KDC_ERR_S_PRINCIPAL_UNKNOWN), or it was "
                      "removed from its account", spn, kdc->detail);
        return;
    }
    neg_check_add(r, NEG_CHECK_FAIL, "kdc",
                  apr_psprintf(p, "register %s on the web server's service "
                               "account (setspn -S %s ACCOUNT; samba-tool spn "
                               "add %s ACCOUNT) and export its keys into %s",
                               spn, spn, spn, keytab),
                  "no account in the domain has the SPN %s (the KDC answers "
                  "\"%s\"%s): browsers get no ticket and fall back to NTLM, "
                  "or fail", spn, kdc->detail,
                  owners ? "" : "; a KDC answers the same when two accounts "
                  "have it");
}

/* The ticket was issued but the keytab did not decrypt it: why. */
static void kdc_refused(neg_check_report *r, const char *keytab,
                        const neg_key *keys, size_t n_keys, const char *spn,
                        const neg_kdc_facts *kdc)
{
    apr_pool_t *p = r->pool;
    const char *export_fix = apr_psprintf(p, "export the keytab again from the "
                                          "account that holds %s (samba-tool "
                                          "domain exportkeytab %s --principal=%s, "
                                          "or ktpass) and install it; the module "
                                          "reads a new keytab without a restart",
                                          spn, keytab, spn);
    const char *ticket = apr_psprintf(p, "the KDC issues tickets for %s with "
                                      "kvno %d (%s)", kdc->service, kdc->kvno,
                                      kdc->enctype_name);
    const char *module = apr_psprintf(p, " [the module says: %s]",
                                      kdc->accept_error ? kdc->accept_error : "refused");
    int have_spn = 0, have_kvno = 0, have_key = 0, max_kvno = -1;
    size_t i;

    for (i = 0; i < n_keys; i++) {
        if (!neg_principal_is(keys[i].principal, spn))
            continue;
        have_spn = 1;
        have_kvno |= keys[i].kvno == kdc->kvno;
        have_key |= keys[i].kvno == kdc->kvno && keys[i].enctype == kdc->enctype;
        if (keys[i].kvno > max_kvno)
            max_kvno = keys[i].kvno;
    }
    if (!have_spn)
        neg_check_add(r, NEG_CHECK_FAIL, "kdc",
                      apr_psprintf(p, "export the keys of the account that "
                                   "holds %s into %s, or move the SPN to the "
                                   "account the keytab is from (setspn -D, "
                                   "setspn -S; samba-tool spn delete, add)",
                                   spn, keytab),
                      "%s, in the key of an account whose keys are not in %s: "
                      "%s is registered on another account than the keytab's%s%s",
                      ticket, keytab, spn,
                      kdc->n_owners ? apr_psprintf(p, " (it is on %s)", owners_text(p, kdc)) : "",
                      module);
    else if (!have_kvno && max_kvno < kdc->kvno)
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", export_fix,
                      "stale keytab: %s, the keytab holds kvno %d: the "
                      "account's password changed after the keytab was "
                      "exported%s", ticket, max_kvno, module);
    else if (!have_kvno)
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", export_fix,
                      "%s, the keytab holds kvno %d for it: the keytab comes "
                      "from another account than the one that holds %s now "
                      "(or a password change has not reached this KDC yet)%s",
                      ticket, max_kvno, spn, module);
    else if (!have_key)
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", export_fix,
                      "%s, the keytab holds kvno %d of %s but not as %s%s",
                      ticket, kdc->kvno, spn, kdc->enctype_name, module);
    else
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", export_fix,
                      "%s, and the keytab's key of that kvno does not decrypt "
                      "it: the keytab's keys come from another account (or "
                      "from an older password of the same kvno)%s",
                      ticket, module);
}

void neg_check_kdc(neg_check_report *r, const char *keytab,
                   const neg_key *keys, size_t n_keys, const char *spn,
                   const neg_kdc_facts *kdc)
{
    apr_pool_t *p = r->pool;
    const char *detail = kdc->detail ? kdc->detail : "no detail";

    switch (kdc->answer) {
    case NEG_KDC_NO_CREDENTIALS:
    case NEG_KDC_CREDS_EXPIRED:
        neg_check_add(r, NEG_CHECK_WARN, "kdc",
                      "kinit as a domain user first (kinit alice@REALM), or "
                      "pass --user and --password",
                      "%s Kerberos credentials to ask the KDC with (%s): the "
                      "KDC's view of %s was not checked",
                      kdc->answer == NEG_KDC_NO_CREDENTIALS ? "no" : "expired",
                      detail, spn);
        return;
    case NEG_KDC_LOGON_FAILED:
        neg_check_add(r, NEG_CHECK_WARN, "kdc", "check --user and --password",
                      "could not log on to the KDC as the given user (%s): the "
                      "KDC's view of %s was not checked", detail, spn);
        return;
    case NEG_KDC_UNREACHABLE:
        neg_check_add(r, NEG_CHECK_WARN, "kdc",
                      "check krb5.conf ([realms] kdc, or DNS SRV records "
                      "_kerberos._tcp.REALM) and that port 88 is open",
                      "no KDC answered (%s): the KDC's view of %s was not "
                      "checked (the module itself never talks to the KDC)",
                      detail, spn);
        return;
    case NEG_KDC_SKEW:
        neg_check_add(r, NEG_CHECK_FAIL, "kdc",
                      "synchronise this server's clock with the domain (see "
                      "the clock check)",
                      "the KDC refused to issue a ticket for %s because of the "
                      "clock skew (%s)", spn, detail);
        return;
    case NEG_KDC_UNKNOWN_SPN:
        kdc_unknown(r, keytab, keys, n_keys, spn, kdc);
        return;
    case NEG_KDC_NOT_UNIQUE:
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", find_spn_fix(p, spn),
                      "%s is on more than one account (the KDC answers \"%s\")",
                      spn, detail);
        return;
    case NEG_KDC_OTHER:
        neg_check_add(r, NEG_CHECK_FAIL, "kdc", NULL,
                      "the KDC refused a ticket for %s: %s", spn, detail);
        return;
    case NEG_KDC_TICKET:
        break;
    }
    if (kdc->accepted == 1)
        neg_check_add(r, NEG_CHECK_OK, "kdc", NULL,
                      "the KDC issues tickets for %s with kvno %d (%s) and the "
                      "keytab decrypts them: the module accepts %s%s%s",
                      kdc->service, kdc->kvno, kdc->enctype_name, kdc->client,
                      kdc->accepted_as && strcmp(kdc->accepted_as, kdc->client) != 0
                      ? " as " : "",
                      kdc->accepted_as && strcmp(kdc->accepted_as, kdc->client) != 0
                      ? kdc->accepted_as : "");
    else if (kdc->accepted == 0)
        kdc_refused(r, keytab, keys, n_keys, spn, kdc);
    else
        neg_check_add(r, NEG_CHECK_INFO, "kdc", NULL,
                      "the KDC issues tickets for %s with kvno %d (%s); not "
                      "tried with the keytab: %s", kdc->service, kdc->kvno,
                      kdc->enctype_name,
                      kdc->accept_error ? kdc->accept_error : "no keytab");
}

void neg_check_clock(neg_check_report *r, const char *kdc, double offset,
                     int max_skew)
{
    apr_pool_t *p = r->pool;
    double off = offset < 0 ? -offset : offset;
    const char *dir = offset < 0 ? "behind" : "ahead of";
    const char *fix = "synchronise this server's clock with the domain "
                      "(timedatectl set-ntp true, or chrony/ntpd with a "
                      "domain controller as server)";

    if (off > max_skew)
        neg_check_add(r, NEG_CHECK_FAIL, "clock", fix,
                      "this server's clock is %.0f s %s the KDC %s; Kerberos "
                      "allows %d s: every ticket is refused (clock skew)",
                      off, dir, kdc, max_skew);
    else if (off > CLOCK_WARN_SECONDS)
        neg_check_add(r, NEG_CHECK_WARN, "clock", fix,
                      "this server's clock is %.0f s %s the KDC %s; Kerberos "
                      "refuses tickets past %d s", off, dir, kdc, max_skew);
    else
        neg_check_add(r, NEG_CHECK_OK, "clock", NULL,
                      "this server's clock is within %.1f s of the KDC %s "
                      "(Kerberos allows %d s)", off, kdc, max_skew);
    (void)p;
}

/* --------------------------------------------------------- delegation */

static const char *deleg_fix(apr_pool_t *p, const neg_s4u_refusal *f)
{
    return apr_psprintf(p, "as said (the module logs the same advice as %s: "
                        "doc/errors.md, doc/delegation.md)", f->tag);
}

void neg_check_delegation(neg_check_report *r, const char *keytab,
                          const neg_s4u_check_result *d)
{
    apr_pool_t *p = r->pool;
    const char *kt = keytab ? keytab : "(default)";
    int i;

    if (d->tgt != NULL) {
        neg_check_add(r, NEG_CHECK_FAIL, "delegation", deleg_fix(p, d->tgt),
                      "NegotiateDelegateTo: %s", d->tgt->message);
        return;
    }
    neg_check_add(r, NEG_CHECK_OK, "delegation", NULL, "the keytab %s holds the "
                  "account's own principal %s, and the KDC gave it a TGT",
                  kt, d->account);
    if (d->self != NULL) {
        neg_check_add(r, strcmp(d->self->tag, "NEG1105") == 0 ? NEG_CHECK_WARN
                      : NEG_CHECK_FAIL, "delegation", deleg_fix(p, d->self),
                      "NegotiateDelegateTo: %s; NTLM and Basic logons get no "
                      "back-end ticket (Kerberos logons may: the SPNs were "
                      "not checked)", d->self->message);
        return;
    }
    neg_check_add(r, NEG_CHECK_OK, "delegation", NULL, "protocol transition "
                  "(S4U2Self) as %s: a forwardable ticket", d->as_user);
    for (i = 0; i < d->spns->nelts; i++) {
        const neg_s4u_spn_check *c = &APR_ARRAY_IDX(d->spns, i, neg_s4u_spn_check);

        if (c->refusal == NULL)
            neg_check_add(r, NEG_CHECK_OK, "delegation", NULL, "S4U2Proxy as "
                          "%s to %s: a ticket (%s may delegate to it)",
                          d->as_user, c->spn, d->account);
        else
            neg_check_add(r, NEG_CHECK_FAIL, "delegation",
                          deleg_fix(p, c->refusal), "NegotiateDelegateTo %s: %s",
                          c->spn, c->refusal->message);
    }
}
