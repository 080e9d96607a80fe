/*
 * test_session.c - session_codec.c: an identity kept as session text and
 * read back, and every text that must be refused.
 */
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "session_codec.h"

#define MIN (apr_time_from_sec(60))

static neg_sid sids[3];

static neg_identity kerberos_alice(void)
{
    neg_identity id;

    memset(&id, 0, sizeof(id));
    id.mech = "kerberos";
    id.auth_type = "Negotiate";
    id.account = "alice";
    id.domain = "EXAMPLE";
    id.realm = "EXAMPLE.TEST";
    id.principal = "alice@EXAMPLE.TEST";
    neg_sid_from_string("S-1-5-21-1-2-3-1104", &sids[0]);
    neg_sid_from_string("S-1-5-21-1-2-3-513", &sids[1]);
    neg_sid_from_string("S-1-18-1", &sids[2]);
    id.sids = sids;
    id.n_sids = 3;
    id.user_sid = "S-1-5-21-1-2-3-1104";
    id.tls = 1;
    id.keytab = "FILE:/etc/http.keytab";
    id.service = "HTTP/www.example.test@EXAMPLE.TEST";
    id.binding = NEG_BIND_BOUND;
    id.proved_at = apr_time_from_sec(1800000000 - 7);
    id.where = "/app/whoami";
    return id;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void round_trip(apr_pool_t *p)
{
    neg_identity in = kerberos_alice(), out;
    apr_time_t now = apr_time_from_sec(1800000000), exp = 0;
    const char *text = neg_session_encode(p, &in, now + 5 * MIN);
    const char *why;

    CHECK(text != NULL, "a Kerberos identity is encoded");
    why = neg_session_decode(p, text, now, 5 * MIN, &out, &exp);
    CHECK(why == NULL, "and decoded");
    CHECK(exp == now + 5 * MIN, "with its expiry");
    CHECK(same(out.mech, "kerberos") && same(out.auth_type, "Negotiate"), "mechanism and scheme");
    CHECK(same(out.account, "alice") && same(out.domain, "EXAMPLE")
          && same(out.realm, "EXAMPLE.TEST") && same(out.principal, "alice@EXAMPLE.TEST"),
          "names");
    CHECK(same(out.keytab, in.keytab) && same(out.service, in.service), "keytab and service");
    CHECK(out.tls == 1 && out.machine == 0 && out.ntlm_v1 == 0 && out.proxy == 0, "flags");
    CHECK(out.binding == NEG_BIND_BOUND && out.proved_at == in.proved_at
          && same(out.where, "/app/whoami"), "how and when it was proved, and where");
    CHECK(out.bearer == 0, "the codec does not say how it travelled (session.c does)");
    CHECK(out.n_sids == 3 && neg_sid_equal(&out.sids[0], &sids[0])
          && neg_sid_equal(&out.sids[2], &sids[2]), "every SID, the user's first");
    CHECK(same(out.user_sid, in.user_sid) && out.ccache == NULL, "user SID, no ccache");

    in.mech = "ntlm";
    in.auth_type = "NTLM";
    in.domain = NULL;
    in.keytab = in.service = NULL;
    in.machine = in.ntlm_v1 = in.proxy = 1;
    in.binding = NEG_BIND_UNCHECKED;
    in.where = NULL;
    in.tls = 0;
    in.n_sids = 0;
    in.user_sid = NULL;
    why = neg_session_decode(p, neg_session_encode(p, &in, now + MIN), now, 5 * MIN, &out, &exp);
    CHECK(why == NULL && out.domain == NULL && out.keytab == NULL && out.n_sids == 0
          && out.machine && out.ntlm_v1 && !out.tls && out.proxy
          && out.binding == NEG_BIND_UNCHECKED && out.where == NULL,
          "NTLM, absent fields stay absent");
}

static void refused(apr_pool_t *p)
{
    neg_identity in = kerberos_alice(), out;
    apr_time_t now = apr_time_from_sec(1800000000), exp;
    const char *text = neg_session_encode(p, &in, now + 5 * MIN);
    char *t;

    CHECK(neg_session_decode(p, text, now + 5 * MIN, 5 * MIN, &out, &exp) != NULL,
          "refused at its expiry");
    CHECK(neg_session_decode(p, text, now, 4 * MIN, &out, &exp) != NULL,
          "refused where the lifetime is shorter than it was made for");
    CHECK(neg_session_decode(p, NULL, now, 5 * MIN, &out, &exp) != NULL, "no text");
    CHECK(neg_session_decode(p, "", now, 5 * MIN, &out, &exp) != NULL, "empty text");
    t = apr_pstrdup(p, text);
    t[3] = '1';
    CHECK(neg_session_decode(p, t, now, 5 * MIN, &out, &exp) != NULL,
          "another format (neg1: without the record of the logon)");
    CHECK(neg_session_decode(p, apr_pstrcat(p, text, "\nextra", NULL), now, 5 * MIN,
                             &out, &exp) != NULL, "a field too many");
    CHECK(neg_session_decode(p, apr_pstrndup(p, text, strrchr(text, '\n') - text),
                             now, 5 * MIN, &out, &exp) != NULL, "a field too few");
    CHECK(neg_session_decode(p, apr_pstrcat(p, text, " S-1-x", NULL), now, 5 * MIN,
                             &out, &exp) != NULL, "a malformed SID");
    in.service = NULL;
    CHECK(neg_session_decode(p, neg_session_encode(p, &in, now + MIN), now, 5 * MIN,
                             &out, &exp) != NULL, "Kerberos without its service");
    in = kerberos_alice();
    in.mech = "digest";
    CHECK(neg_session_decode(p, neg_session_encode(p, &in, now + MIN), now, 5 * MIN,
                             &out, &exp) != NULL, "an unknown mechanism");
    in = kerberos_alice();
    in.account = "ali\nce";
    CHECK(neg_session_encode(p, &in, now + MIN) == NULL, "a line break in a name is not encoded");
    CHECK(neg_session_decode(p, apr_pstrcat(p, "neg2\nabc", strchr(text + 5, '\n'), NULL),
                             now, 5 * MIN, &out, &exp) != NULL, "a malformed expiry");
    CHECK(neg_session_decode(p, apr_pstrcat(p, "neg2\n9223372036854775807", strchr(text + 5, '\n'), NULL),
                             now, 5 * MIN, &out, &exp) != NULL, "a huge expiry");
    in = kerberos_alice();
    in.binding = 3;
    CHECK(neg_session_decode(p, neg_session_encode(p, &in, now + MIN), now, 5 * MIN,
                             &out, &exp) != NULL, "an unknown binding level");
    in = kerberos_alice();
    in.proved_at = 0;
    CHECK(neg_session_decode(p, neg_session_encode(p, &in, now + MIN), now, 5 * MIN,
                             &out, &exp) != NULL, "no time of the logon");
    CHECK(neg_session_decode(p, text, now + 6 * MIN, 5 * MIN, &out, &exp) != NULL
          && out.principal && strcmp(out.principal, "alice@EXAMPLE.TEST") == 0,
          "a refused session still names its principal for the log");
}

/* The seal: made under one passphrase, opened under a list that holds
 * it; an altered text, another passphrase, or no seal at all: refused. */
static void sealed(apr_pool_t *p)
{
    unsigned char keys[2][NEG_SESSION_SEAL_KEY_LEN], other[1][NEG_SESSION_SEAL_KEY_LEN];
    neg_identity in = kerberos_alice();
    const char *text = neg_session_encode(p, &in, apr_time_from_sec(1800000300));
    const char *s, *opened;
    char *t;

    neg_session_seal_key("new passphrase", keys[0]);
    neg_session_seal_key("old passphrase", keys[1]);
    neg_session_seal_key("another farm", other[0]);
    s = neg_session_seal(p, text, keys[1]);
    opened = neg_session_unseal(p, s, (const unsigned char (*)[NEG_SESSION_SEAL_KEY_LEN])keys, 2);
    CHECK(opened != NULL && strcmp(opened, text) == 0,
          "sealed under the old passphrase, opened where both are listed");
    CHECK(neg_session_unseal(p, s, (const unsigned char (*)[NEG_SESSION_SEAL_KEY_LEN])other, 1) == NULL,
          "not under another passphrase");
    t = apr_pstrdup(p, s);
    t[10] ^= 1;
    CHECK(neg_session_unseal(p, t, (const unsigned char (*)[NEG_SESSION_SEAL_KEY_LEN])keys, 2) == NULL,
          "an altered text: refused");
    CHECK(neg_session_unseal(p, text, (const unsigned char (*)[NEG_SESSION_SEAL_KEY_LEN])keys, 2) == NULL,
          "an identity without a seal (written by someone else): refused");
    CHECK(neg_session_unseal(p, apr_pstrcat(p, text, "\nzz", NULL),
                             (const unsigned char (*)[NEG_SESSION_SEAL_KEY_LEN])keys, 2) == NULL,
          "a seal of the wrong length: refused");
}

/* session_memo.c's blob of a session's entries: what goes in comes out,
 * a blob too big is refused, a blob not made by pack is refused. */
static void entries_blob(apr_pool_t *p)
{
    apr_table_t *in = apr_table_make(p, 4), *out = apr_table_make(p, 4);
    apr_size_t len = 0;
    char *blob;

    apr_table_set(in, "negotiate-identity", "neg1\n4102444800\nkerberos");
    apr_table_set(in, "other", "x");
    apr_table_set(in, "empty", "");
    blob = neg_session_entries_pack(in, 4096, &len, p);
    CHECK(blob != NULL && len == sizeof("negotiate-identity") + sizeof("neg1\n4102444800\nkerberos")
          + sizeof("other") + sizeof("x") + sizeof("empty") + 1, "entries packed");
    CHECK(neg_session_entries_unpack(blob, len, out), "and unpacked");
    CHECK(apr_table_elts(out)->nelts == 3
          && same(apr_table_get(out, "negotiate-identity"), "neg1\n4102444800\nkerberos")
          && same(apr_table_get(out, "other"), "x") && same(apr_table_get(out, "empty"), ""),
          "the same entries");
    CHECK(neg_session_entries_pack(in, 20, &len, p) == NULL, "too big for max: refused");
    len = 0;
    blob = neg_session_entries_pack(apr_table_make(p, 1), 16, &len, p);
    CHECK(blob != NULL && len == 0 && neg_session_entries_unpack(blob, 0, out),
          "no entries: an empty blob");
    CHECK(!neg_session_entries_unpack("key\0value", 9, apr_table_make(p, 2)),
          "a blob without its last NUL: refused");
    CHECK(!neg_session_entries_unpack("key\0value\0lone\0", 15, apr_table_make(p, 2)),
          "a key without its value: refused");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    round_trip(p);
    refused(p);
    sealed(p);
    entries_blob(p);
    apr_pool_destroy(p);
    apr_terminate();
    return check_summary();
}
