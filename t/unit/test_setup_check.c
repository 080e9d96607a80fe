/*
 * test_setup_check.c - the verdicts of src/ops/setup_check.c on given facts:
 * each deployment mistake gets its own FAIL or WARN text, a good setup OK.
 */
#include <string.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "setup_check.h"
#include "setup_check_krb5.h"

static apr_pool_t *pool;

/* The last verdict of a fresh report after fn ran. */
static const neg_check_item *last(const neg_check_report *r)
{
    return r->items->nelts ? &APR_ARRAY_IDX(r->items, r->items->nelts - 1, neg_check_item)
                           : NULL;
}

static int says(const neg_check_item *it, neg_check_level level, const char *text)
{
    return it != NULL && it->level == level && strstr(it->text, text) != NULL;
}

static void test_url(void)
{
    neg_url u;

    CHECK(neg_url_parse(pool, "https://Intranet.Example.COM:8443/app/?q", &u) == NULL
          && strcmp(u.host, "intranet.example.com") == 0 && u.port == 8443
          && !u.default_port && strcmp(u.scheme, "https") == 0
          && strcmp(u.path, "/app/?q") == 0, "URL: host lower-cased, port, path");
    CHECK(neg_url_parse(pool, "http://www.example.com", &u) == NULL && u.port == 80
          && u.default_port && !u.is_ip && strcmp(u.path, "/") == 0,
          "URL: default port");
    CHECK(neg_url_parse(pool, "http://[::1]:8080/", &u) == NULL && u.is_ip
          && strcmp(u.host, "::1") == 0 && u.port == 8080, "URL: IPv6 literal");
    CHECK(neg_url_parse(pool, "intranet", &u) == NULL && strcmp(u.host, "intranet") == 0
          && u.port == 80, "URL: a bare host name");
    CHECK(neg_url_parse(pool, "ftp://x/", &u) != NULL, "URL: not http(s) refused");
    CHECK(neg_url_parse(pool, "http://x:99999/", &u) != NULL, "URL: bad port refused");
    CHECK(strcmp(neg_browser_spn(pool, "WWW.Example.COM."), "HTTP/www.example.com") == 0,
          "SPN: HTTP/<canonical name>, lower case, no trailing dot");
}

static void test_dns(void)
{
    neg_check_report *r = neg_check_report_make(pool);
    neg_dns_facts d;
    neg_url u;
    const char *spn;

    neg_url_parse(pool, "http://web.example.com:8080/", &u);
    memset(&d, 0, sizeof(d));
    d.host = "web.example.com";
    d.canonical = "host7.example.com";
    d.address = d.addresses = "192.0.2.7";
    d.reverse = "host7.example.com";
    spn = neg_check_dns(r, &u, &d);
    CHECK(spn && strcmp(spn, "HTTP/host7.example.com") == 0, "DNS: the SPN follows the CNAME");
    CHECK(says(&APR_ARRAY_IDX(r->items, 1, neg_check_item), NEG_CHECK_INFO,
               "is an alias (CNAME) of host7.example.com"), "DNS: the alias is named");
    CHECK(says(last(r), NEG_CHECK_OK, "the port 8080 is not part of it"),
          "DNS: the port is left out, and said so");
    CHECK(neg_check_worst(r) == NEG_CHECK_INFO, "DNS: an alias alone is no fault");

    r = neg_check_report_make(pool);
    d.canonical = NULL;
    d.reverse = "other.example.com";
    neg_url_parse(pool, "http://host7.example.com/", &u);
    neg_check_dns(r, &u, &d);
    CHECK(neg_check_count(r, NEG_CHECK_WARN) == 1
          && strstr(APR_ARRAY_IDX(r->items, 2, neg_check_item).text,
                    "ask for HTTP/other.example.com") != NULL,
          "DNS: a reverse lookup to another name warns of MIT's rdns");

    r = neg_check_report_make(pool);
    memset(&d, 0, sizeof(d));
    d.error = "Name or service not known";
    CHECK(neg_check_dns(r, &u, &d) == NULL && says(last(r), NEG_CHECK_FAIL, "does not resolve"),
          "DNS: an unknown name fails");
    r = neg_check_report_make(pool);
    neg_url_parse(pool, "http://192.0.2.7/", &u);
    CHECK(neg_check_dns(r, &u, &d) == NULL
          && says(last(r), NEG_CHECK_FAIL, "browsers do not ask for Kerberos tickets for an IP"),
          "DNS: an IP address in the URL fails");
}

static void test_modes(void)
{
    struct stat st;
    gid_t groups[2] = { 33, 1001 };

    memset(&st, 0, sizeof(st));
    st.st_uid = 0;
    st.st_gid = 1001;
    st.st_mode = S_IFREG | 0640;
    CHECK(neg_check_mode_allows(&st, 33, groups, 2, R_OK), "mode: group member reads 0640");
    CHECK(!neg_check_mode_allows(&st, 33, groups, 1, R_OK), "mode: non-member cannot");
    CHECK(!neg_check_mode_allows(&st, 33, groups, 2, W_OK), "mode: group cannot write 0640");
    st.st_mode = S_IFDIR | 0750;
    CHECK(neg_check_mode_allows(&st, 33, groups, 2, X_OK), "mode: group member enters 0750");
    st.st_gid = 0;
    CHECK(!neg_check_mode_allows(&st, 33, groups, 2, X_OK), "mode: root group closes it");
    CHECK(neg_check_mode_allows(&st, 0, NULL, 0, R_OK | X_OK), "mode: root passes");
}

static const neg_key keys[] = {
    { "HTTP/www.example.com@EXAMPLE.COM", 4, 18, "aes256-cts-hmac-sha1-96" },
    { "HTTP/www.example.com@EXAMPLE.COM", 4, 17, "aes128-cts-hmac-sha1-96" },
    { "HTTP/alias.example.com@EXAMPLE.COM", 4, 18, "aes256-cts-hmac-sha1-96" },
    { "HTTP/legacy.example.com@EXAMPLE.COM", 2, 23, "arcfour-hmac-md5" },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static void test_keys(void)
{
    neg_check_report *r = neg_check_report_make(pool);
    apr_array_header_t *want = apr_array_make(pool, 2, sizeof(const char *));

    neg_check_keytab_keys(r, "FILE:/k", keys, N_KEYS, "HTTP/www.example.com", NULL);
    CHECK(says(last(r), NEG_CHECK_OK, "holds 2 keys for HTTP/www.example.com: kvno 4 "
               "aes256-cts-hmac-sha1-96, kvno 4 aes128-cts-hmac-sha1-96"),
          "keytab: the SPN's keys, kvnos and enctypes");
    neg_check_keytab_keys(r, "FILE:/k", keys, N_KEYS, "HTTP/legacy.example.com", NULL);
    CHECK(says(last(r), NEG_CHECK_WARN, "only weak keys (RC4/DES)"), "keytab: RC4 only warns");
    neg_check_keytab_keys(r, "FILE:/k", keys, N_KEYS, "HTTP/host9.example.com",
                          "HTTP/alias.example.com");
    CHECK(says(last(r), NEG_CHECK_FAIL, "has no key for HTTP/host9.example.com (it has keys "
               "for HTTP/alias.example.com, the name in the URL"),
          "keytab: the CNAME mistake is named");
    CHECK(strstr(last(r)->fix, "setspn -S HTTP/host9.example.com") != NULL
          && strstr(last(r)->fix, "samba-tool spn add HTTP/host9.example.com") != NULL,
          "keytab: the fix registers the SPN");
    CHECK(neg_principal_is("HTTP/www.example.com@EXAMPLE.COM", "HTTP/WWW.example.com")
          && !neg_principal_is("HTTP/www.example.com.evil@X", "HTTP/www.example.com")
          && neg_principal_is("HTTP/a@R", "HTTP/a@R") && !neg_principal_is("HTTP/a@R", "HTTP/a@S"),
          "keytab: principal names compared with and without realm");
    *(const char **)apr_array_push(want) = "HTTP/www.example.com";
    *(const char **)apr_array_push(want) = "HTTP/nokey.example.com@EXAMPLE.COM";
    r = neg_check_report_make(pool);
    neg_check_configured_principals(r, "FILE:/k", keys, N_KEYS, want);
    CHECK(neg_check_count(r, NEG_CHECK_OK) == 1
          && says(last(r), NEG_CHECK_FAIL, "NegotiateServicePrincipal names "
                  "HTTP/nokey.example.com@EXAMPLE.COM, but the keytab"),
          "keytab: a NegotiateServicePrincipal without a key fails");
}

static neg_kdc_facts ticket(int kvno, int enctype, int accepted)
{
    neg_kdc_facts k;

    memset(&k, 0, sizeof(k));
    k.answer = NEG_KDC_TICKET;
    k.client = "alice@EXAMPLE.COM";
    k.service = "HTTP/www.example.com@EXAMPLE.COM";
    k.kvno = kvno;
    k.enctype = enctype;
    k.enctype_name = enctype == 18 ? "aes256-cts-hmac-sha1-96" : "arcfour-hmac-md5";
    k.accepted = accepted;
    k.accepted_as = accepted ? k.client : NULL;
    k.accept_error = accepted ? NULL : "refused";
    return k;
}

static void test_kdc(void)
{
    neg_check_report *r = neg_check_report_make(pool);
    const char *spn = "HTTP/www.example.com";
    neg_kdc_facts k = ticket(4, 18, 1);
    const char *owners[2] = { "websvc", "oldweb" };

    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_OK, "the keytab decrypts them: the module accepts alice@EXAMPLE.COM"),
          "KDC: a good setup");
    k = ticket(5, 18, 0);
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "stale keytab: the KDC issues tickets for "
               "HTTP/www.example.com@EXAMPLE.COM with kvno 5 (aes256-cts-hmac-sha1-96), "
               "the keytab holds kvno 4"), "KDC: stale keytab, both kvnos");
    k = ticket(3, 18, 0);
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "the keytab comes from another account"),
          "KDC: a keytab newer than the KDC's key");
    k = ticket(4, 23, 0);
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "but not as arcfour-hmac-md5"), "KDC: enctype missing");
    k = ticket(4, 18, 0);
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "does not decrypt it: the keytab's keys come from "
               "another account"), "KDC: same kvno, other account's key");
    k = ticket(2, 18, 0);
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, "HTTP/other.example.com", &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "is registered on another account than the keytab's"),
          "KDC: SPN on another account");

    memset(&k, 0, sizeof(k));
    k.answer = NEG_KDC_UNKNOWN_SPN;
    k.detail = "Server unknown";
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "although the keytab holds keys for it: the SPN is "
               "now on two accounts"), "KDC: unknown although in the keytab: duplicate");
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, "HTTP/nospn.example.com", &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "no account in the domain has the SPN "
               "HTTP/nospn.example.com"), "KDC: unknown and in no keytab: missing");
    k.owners = owners;
    k.n_owners = 2;
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "is on two accounts (websvc, oldweb)"),
          "KDC: the accounts named when known");
    memset(&k, 0, sizeof(k));
    k.answer = NEG_KDC_NO_CREDENTIALS;
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_WARN, "no Kerberos credentials"), "KDC: no TGT only warns");
    k.answer = NEG_KDC_SKEW;
    neg_check_kdc(r, "FILE:/k", keys, N_KEYS, spn, &k);
    CHECK(says(last(r), NEG_CHECK_FAIL, "because of the clock skew"), "KDC: skew fails");
}

static void test_clock(void)
{
    neg_check_report *r = neg_check_report_make(pool);

    neg_check_clock(r, "of EXAMPLE.COM", 0.4, 300);
    CHECK(says(last(r), NEG_CHECK_OK, "within 0.4 s"), "clock: in sync");
    neg_check_clock(r, "of EXAMPLE.COM", -120, 300);
    CHECK(says(last(r), NEG_CHECK_WARN, "120 s behind"), "clock: 2 minutes warns");
    neg_check_clock(r, "of EXAMPLE.COM", 600.2, 300);
    CHECK(says(last(r), NEG_CHECK_FAIL, "600 s ahead of the KDC of EXAMPLE.COM; Kerberos "
               "allows 300 s"), "clock: past the skew fails");
}

/* NegotiateDelegateTo: each stage OK or its refusal, the later ones only
 * when the earlier came. */
static void test_delegation(void)
{
    neg_check_report *r = neg_check_report_make(pool);
    neg_s4u_refusal no_tgt = { "NEG1103", "cannot get a TGT ... exportkeytab" };
    neg_s4u_refusal not_fwd = { "NEG1105", "S4U2Self ... not forwardable" };
    neg_s4u_refusal bad = { "NEG1101", "may not delegate ... add-service" };
    neg_s4u_check_result d;
    neg_s4u_spn_check *c;

    memset(&d, 0, sizeof(d));
    d.tgt = &no_tgt;
    neg_check_delegation(r, "/k.keytab", &d);
    CHECK(r->items->nelts == 1 && says(last(r), NEG_CHECK_FAIL, "exportkeytab")
          && strstr(last(r)->fix, "NEG1103") != NULL, "delegation: no TGT fails, alone");
    r = neg_check_report_make(pool);
    d.tgt = NULL;
    d.account = "httpsvc@EXAMPLE.TEST";
    d.as_user = "alice@EXAMPLE.TEST";
    d.self = &not_fwd;
    neg_check_delegation(r, "/k.keytab", &d);
    CHECK(r->items->nelts == 2 && says(last(r), NEG_CHECK_WARN, "not forwardable"),
          "delegation: S4U2Self not forwardable warns; no SPN checked");
    r = neg_check_report_make(pool);
    d.self = NULL;
    d.spns = apr_array_make(pool, 2, sizeof(neg_s4u_spn_check));
    c = apr_array_push(d.spns);
    c->spn = "HTTP/api";
    c->refusal = NULL;
    c = apr_array_push(d.spns);
    c->spn = "HTTP/old";
    c->refusal = &bad;
    neg_check_delegation(r, "/k.keytab", &d);
    CHECK(r->items->nelts == 4
          && says(&APR_ARRAY_IDX(r->items, 2, neg_check_item), NEG_CHECK_OK,
                  "S4U2Proxy as alice@EXAMPLE.TEST to HTTP/api")
          && says(last(r), NEG_CHECK_FAIL, "NegotiateDelegateTo HTTP/old: may not delegate"),
          "delegation: an SPN allowed is OK, one refused fails with its advice");
    CHECK(neg_check_worst(r) == NEG_CHECK_FAIL, "delegation: the report's worst is FAIL");
}

/* Sockets named like the privileged pipe that are not root's: a warning
 * that names them (the first three), and the pipe found is still judged. */
static void test_winbind_skipped(neg_winbind_facts *wb, const neg_apache_user *u)
{
    apr_array_header_t *skipped = apr_array_make(pool, 4, sizeof(const char *));
    const neg_check_item *it;
    neg_check_report *r;
    int i;

    wb->logon = -1;
    wb->priv_skipped = skipped;
    r = neg_check_report_make(pool);
    neg_check_winbind(r, wb, u);
    CHECK(neg_check_count(r, NEG_CHECK_WARN) == 0, "winbind: nothing skipped, nothing said");
    APR_ARRAY_PUSH(skipped, const char *) =
        "/tmp/x/winbindd_privileged/pipe (its directory is owned by uid 65534, not root)";
    r = neg_check_report_make(pool);
    neg_check_winbind(r, wb, u);
    it = &APR_ARRAY_IDX(r->items, 2, neg_check_item);
    CHECK(says(it, NEG_CHECK_WARN, "skipped 1 socket named like winbind's privileged "
               "pipe") && strstr(it->text, "/tmp/x/winbindd_privileged/pipe (its "
               "directory is owned by uid 65534, not root)") != NULL
          && strstr(it->fix, "ss -xlp") != NULL, "winbind: a skipped socket named, with why");
    CHECK(says(last(r), NEG_CHECK_OK, "can use winbind's privileged pipe in "
               "/var/lib/samba/winbindd_privileged"), "winbind: the pipe found still judged");
    for (i = 0; i < 4; i++)
        APR_ARRAY_PUSH(skipped, const char *) = "/tmp/y/winbindd_privileged/pipe (not a socket)";
    r = neg_check_report_make(pool);
    neg_check_winbind(r, wb, u);
    it = &APR_ARRAY_IDX(r->items, 2, neg_check_item);
    CHECK(says(it, NEG_CHECK_WARN, "skipped 5 sockets") && strstr(it->text, "; and 2 more"),
          "winbind: five skipped: three named, and a count");
}

static void test_winbind(void)
{
    neg_check_report *r = neg_check_report_make(pool);
    neg_winbind_facts wb;
    neg_apache_user u;
    gid_t groups[1] = { 33 };
    struct stat st;

    memset(&u, 0, sizeof(u));
    u.name = "www-data";
    u.uid = 33;
    u.gid = 33;
    u.group = "www-data";
    u.groups = groups;
    u.n_groups = 1;
    u.group_names = "www-data";
    memset(&wb, 0, sizeof(wb));
    wb.ping_error = "WBC_ERR_WINBIND_NOT_AVAILABLE";
    neg_check_winbind(r, &wb, &u);
    CHECK(says(last(r), NEG_CHECK_FAIL, "winbindd does not answer"), "winbind: not running");

    memset(&st, 0, sizeof(st));
    st.st_mode = S_IFDIR | 0750;
    st.st_gid = 0;
    wb.ping = 1;
    wb.dc_ok = 1;
    wb.priv_dir = "/var/lib/samba/winbindd_privileged";
    wb.priv_st = &st;
    wb.priv_call = -1;
    wb.logon = -1;
    r = neg_check_report_make(pool);
    neg_check_winbind(r, &wb, &u);
    CHECK(says(last(r), NEG_CHECK_FAIL, "cannot use winbind's privileged pipe")
          && strncmp(last(r)->fix, "chgrp www-data /var/lib/samba/winbindd_privileged", 49) == 0,
          "winbind: a root-group pipe dir: chgrp, never usermod -aG root");
    st.st_gid = 120;
    wb.priv_group = "winbindd_priv";
    wb.priv_call = 0;
    r = neg_check_report_make(pool);
    neg_check_winbind(r, &wb, &u);
    CHECK(strncmp(last(r)->fix, "usermod -aG winbindd_priv www-data", 34) == 0,
          "winbind: the directory's group named in the fix");
    wb.priv_call = 1;
    wb.logon = 0;
    wb.logon_user = "EXAMPLE\\alice";
    wb.logon_error = "NT_STATUS_WRONG_PASSWORD";
    r = neg_check_report_make(pool);
    neg_check_winbind(r, &wb, &u);
    CHECK(says(last(r), NEG_CHECK_FAIL, "refused: NT_STATUS_WRONG_PASSWORD")
          && neg_check_count(r, NEG_CHECK_OK) == 3, "winbind: a refused test logon");
    test_winbind_skipped(&wb, &u);
}

int main(int argc, const char *const *argv)
{
    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    test_url();
    test_dns();
    test_modes();
    test_keys();
    test_kdc();
    test_clock();
    test_delegation();
    test_winbind();
    apr_pool_destroy(pool);
    apr_terminate();
    return check_summary();
}
