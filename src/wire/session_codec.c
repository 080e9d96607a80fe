/*
 * session_codec.c - an identity as session text (see session_codec.h).
 *
 * One field a line, in this order:
 *   neg2                      the format
 *   expiry                    seconds since the epoch
 *   mech auth_type            kerberos|ntlm|basic, Negotiate|NTLM|Basic|Form
 *   account, domain, realm, principal, user_sid
 *   flags                     m (computer account) t (TLS) 1 (NTLMv1)
 *                             p (proved to a forward proxy) r (its domain
 *                             from NegotiateRealmMap)
 *   binding                   0 unchecked, 1 unbound, 2 bound (identity.h)
 *   proved                    seconds since the epoch: when the logon was
 *   where                     the URL path of the logon
 *   keytab, service           how a Kerberos ticket was accepted
 *   sids                      space-separated, the user's first
 * An empty line stands for an absent (NULL) field.
 */
#include "session_codec.h"

#include <string.h>

#include <stdio.h>

#include "apr_strings.h"

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>

#include "secret.h"

#define FORMAT "neg2"
#define N_FIELDS 16

static const char *field(const char *s)
{
    return s ? s : "";
}

static int has_newline(const char *s)
{
    return s != NULL && strchr(s, '\n') != NULL;
}

/* The SIDs space-separated, in one pass into one buffer (a user may be in
 * thousands of groups). */
static const char *sids_text(apr_pool_t *p, const neg_identity *id)
{
    char *out = apr_palloc(p, id->n_sids * NEG_SID_STRING_MAX + 1), *at = out;
    size_t i, n;

    *at = '\0';
    for (i = 0; i < id->n_sids; i++) {
        if (i > 0)
            *at++ = ' ';
        n = neg_sid_to_string(&id->sids[i], at, NEG_SID_STRING_MAX);
        if (n == 0)
            return NULL;
        at += n;
    }
    *at = '\0';
    return out;
}

const char *neg_session_encode(apr_pool_t *p, const neg_identity *id,
                               apr_time_t expiry)
{
    const char *sids = sids_text(p, id);
    const char *texts[] = { id->mech, id->auth_type, id->account, id->domain,
                            id->realm, id->principal, id->user_sid,
                            id->keytab, id->service, id->where };
    size_t i;

    if (sids == NULL || id->mech == NULL || id->auth_type == NULL
        || id->account == NULL || id->realm == NULL || id->principal == NULL)
        return NULL;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (has_newline(texts[i]))
            return NULL;
    }
    return apr_psprintf(p, FORMAT "\n%" APR_INT64_T_FMT "\n%s\n%s\n%s\n%s\n"
                        "%s\n%s\n%s\n%s%s%s%s%s\n%d\n%" APR_INT64_T_FMT "\n%s\n"
                        "%s\n%s\n%s",
                        (apr_int64_t)apr_time_sec(expiry), id->mech, id->auth_type,
                        id->account, field(id->domain), id->realm, id->principal,
                        field(id->user_sid), id->machine ? "m" : "",
                        id->tls ? "t" : "", id->ntlm_v1 ? "1" : "",
                        id->proxy ? "p" : "", id->domain_mapped ? "r" : "",
                        id->binding,
                        (apr_int64_t)apr_time_sec(id->proved_at), field(id->where),
                        field(id->keytab), field(id->service), sids);
}

/* The text cut into its lines (in a copy); 0 unless exactly N_FIELDS. */
static int split_lines(apr_pool_t *p, const char *text, char **f)
{
    char *s = apr_pstrdup(p, text), *nl;
    int n = 0;

    for (;;) {
        if (n == N_FIELDS)
            return 0;
        f[n++] = s;
        if ((nl = strchr(s, '\n')) == NULL)
            return n == N_FIELDS;
        *nl = '\0';
        s = nl + 1;
    }
}

static const char *null_if_empty(const char *s)
{
    return *s ? s : NULL;
}

/* The space-separated SIDs; 0 if one is not a SID. */
static int parse_sids(apr_pool_t *p, char *text, neg_identity *id)
{
    size_t n = 0, cap = 1;
    char *c, *w, *last = NULL;
    neg_sid *sids;

    for (c = text; *c; c++)
        cap += (*c == ' ');
    sids = apr_pcalloc(p, sizeof(neg_sid) * cap);
    for (w = apr_strtok(text, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
        if (n == cap || !neg_sid_from_string(w, &sids[n]))
            return 0;
        n++;
    }
    id->sids = n ? sids : NULL;
    id->n_sids = n;
    return 1;
}

static const char *mech_check(const neg_identity *id)
{
    if (strcmp(id->mech, "kerberos") == 0)
        return strcmp(id->auth_type, "Negotiate") == 0 && id->service != NULL
            ? NULL : "a Kerberos identity without its scheme or service";
    if (strcmp(id->mech, "ntlm") == 0)
        return strcmp(id->auth_type, "Negotiate") == 0
            || strcmp(id->auth_type, "NTLM") == 0 ? NULL : "an unknown NTLM scheme";
    if (strcmp(id->mech, "basic") == 0)
        return strcmp(id->auth_type, "Basic") == 0 || strcmp(id->auth_type, "Form") == 0
            ? NULL : "an unknown Basic scheme";
    return "an unknown mechanism";
}

/* The names and flags of f into id (the strings stay in f's copy). */
static void fill(neg_identity *id, char **f)
{
    id->mech = f[2];
    id->auth_type = f[3];
    id->account = f[4];
    id->domain = null_if_empty(f[5]);
    id->realm = f[6];
    id->principal = f[7];
    id->user_sid = null_if_empty(f[8]);
    id->machine = strchr(f[9], 'm') != NULL;
    id->tls = strchr(f[9], 't') != NULL;
    id->ntlm_v1 = strchr(f[9], '1') != NULL;
    id->proxy = strchr(f[9], 'p') != NULL;
    id->domain_mapped = strchr(f[9], 'r') != NULL;
    id->where = null_if_empty(f[12]);
    id->keytab = null_if_empty(f[13]);
    id->service = null_if_empty(f[14]);
}

/* The binding level and the logon's time (fields 10 and 11); 0 if
 * malformed. */
static int fill_proof(neg_identity *id, char **f)
{
    char *end;
    apr_int64_t sec;

    if (strlen(f[10]) != 1 || f[10][0] < '0' + NEG_BIND_UNCHECKED
        || f[10][0] > '0' + NEG_BIND_BOUND)
        return 0;
    id->binding = f[10][0] - '0';
    sec = apr_strtoi64(f[11], &end, 10);
    if (*f[11] == '\0' || *end != '\0' || sec <= 0 || sec > APR_INT64_C(1) << 40)
        return 0;
    id->proved_at = apr_time_from_sec(sec);
    return 1;
}

const char *neg_session_decode(apr_pool_t *p, const char *text, apr_time_t now,
                               apr_time_t max_life, neg_identity *id,
                               apr_time_t *expiry)
{
    char *f[N_FIELDS], *end;
    apr_int64_t sec;

    memset(id, 0, sizeof(*id));
    if (text == NULL || !split_lines(p, text, f) || strcmp(f[0], FORMAT) != 0)
        return "it is not a session of this version of mod_auth_negotiate";
    fill(id, f);
    if (*id->account == '\0' || *id->realm == '\0' || *id->principal == '\0') {
        id->principal = NULL;
        return "a name is missing";
    }
    sec = apr_strtoi64(f[1], &end, 10);
    if (*f[1] == '\0' || *end != '\0' || sec <= 0)
        return "its expiry is malformed";
    /* compared in seconds first: no overflow for a huge expiry */
    if (sec > apr_time_sec(now + max_life))
        return "it was made for a longer lifetime than NegotiateSessionLifetime";
    *expiry = apr_time_from_sec(sec);
    if (*expiry <= now)
        return "it has expired";
    if (!fill_proof(id, f))
        return "its record of the logon is malformed";
    if (!parse_sids(p, f[15], id))
        return "a SID is malformed";
    return mech_check(id);
}

/* ------------------------------------------- the seal */

#define SEAL_HEX (2 * 32)

void neg_session_seal_key(const char *passphrase,
                          unsigned char key[NEG_SESSION_SEAL_KEY_LEN])
{
    static const char label[] = "mod_auth_negotiate session identity v1";
    unsigned int n = NEG_SESSION_SEAL_KEY_LEN;
    HMAC_CTX ctx;

    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, passphrase, strlen(passphrase), EVP_sha256(), NULL);
    HMAC_Update(&ctx, label, sizeof(label) - 1);
    HMAC_Final(&ctx, key, &n);
    HMAC_CTX_cleanup(&ctx);
}

static void seal_of(const char *text, size_t len,
                    const unsigned char key[NEG_SESSION_SEAL_KEY_LEN],
                    char hex[SEAL_HEX + 1])
{
    unsigned char mac[32];
    unsigned int n = sizeof(mac), i;
    HMAC_CTX ctx;

    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, key, NEG_SESSION_SEAL_KEY_LEN, EVP_sha256(), NULL);
    HMAC_Update(&ctx, text, len);
    HMAC_Final(&ctx, mac, &n);
    HMAC_CTX_cleanup(&ctx);
    for (i = 0; i < sizeof(mac); i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

const char *neg_session_seal(apr_pool_t *p, const char *text,
                             const unsigned char key[NEG_SESSION_SEAL_KEY_LEN])
{
    char hex[SEAL_HEX + 1];

    seal_of(text, strlen(text), key, hex);
    return apr_pstrcat(p, text, "\n", hex, NULL);
}

const char *neg_session_unseal(apr_pool_t *p, const char *sealed,
                               const unsigned char (*keys)[NEG_SESSION_SEAL_KEY_LEN],
                               int n)
{
    const char *nl = sealed ? strrchr(sealed, '\n') : NULL;
    char hex[SEAL_HEX + 1];
    size_t len;
    int i, ok = 0;

    if (nl == NULL || strlen(nl + 1) != SEAL_HEX)
        return NULL;
    len = (size_t)(nl - sealed);
    for (i = 0; i < n; i++) {
        seal_of(sealed, len, keys[i], hex);
        ok |= neg_ct_equal(hex, nl + 1, SEAL_HEX);
    }
    return ok ? apr_pstrndup(p, sealed, len) : NULL;
}

/* ------------------------------------------- a session's entries */

typedef struct {
    char *out;
    apr_size_t len, max;
    int fits;
} pack_state;

static int pack_one(void *data, const char *key, const char *value)
{
    pack_state *st = data;
    apr_size_t kl = strlen(key) + 1, vl = strlen(value) + 1;

    if (st->len + kl + vl > st->max) {
        st->fits = 0;
        return 0;
    }
    memcpy(st->out + st->len, key, kl);
    memcpy(st->out + st->len + kl, value, vl);
    st->len += kl + vl;
    return 1;
}

char *neg_session_entries_pack(const apr_table_t *entries, apr_size_t max,
                               apr_size_t *len, apr_pool_t *p)
{
    pack_state st = { apr_palloc(p, max), 0, max, 1 };

    apr_table_do(pack_one, &st, entries, NULL);
    if (!st.fits)
        return NULL;
    *len = st.len;
    return st.out;
}

int neg_session_entries_unpack(const char *blob, apr_size_t len,
                               apr_table_t *entries)
{
    apr_size_t at = 0;

    if (len > 0 && blob[len - 1] != '\0')
        return 0;
    while (at < len) {
        const char *key = blob + at, *value;
        apr_size_t kl = strlen(key) + 1;

        if (at + kl >= len)
            return 0;                   /* a key without its value */
        value = key + kl;
        at += kl + strlen(value) + 1;
        apr_table_set(entries, key, value);
    }
    return 1;
}
