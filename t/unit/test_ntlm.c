/*
 * Unit tests of src/wire/ntlm.c: the NTLMSSP codec and its crypto, against a
 * real gss-ntlmssp exchange (t/unit/real_tokens.h) whose password is known,
 * so every key, the MIC and both mechListMICs can be recomputed here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HC_DEPRECATED_CRYPTO
#include <heimntlm.h>
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>
#include <hcrypto/md5.h>

#include "ntlm.h"
#include "spnego.h"
#include "real_tokens.h"
#include "foreign_tokens.h"

#include "check.h"
#include "secret.h"

/* The three NTLM messages and the mechList of the real exchange. */
static neg_token init_tok, chal_tok, auth_tok, done_tok;

static void load_exchange(void)
{
    neg_token_parse(REAL_SPNEGO_INIT, sizeof(REAL_SPNEGO_INIT), &init_tok);
    neg_token_parse(REAL_SPNEGO_RESP_CHALLENGE, sizeof(REAL_SPNEGO_RESP_CHALLENGE), &chal_tok);
    neg_token_parse(REAL_SPNEGO_RESP_AUTH, sizeof(REAL_SPNEGO_RESP_AUTH), &auth_tok);
    neg_token_parse(REAL_SPNEGO_RESP_DONE, sizeof(REAL_SPNEGO_RESP_DONE), &done_tok);
}

static void hmac_md5(const unsigned char *key, size_t klen,
                     const unsigned char *a, size_t alen,
                     const unsigned char *b, size_t blen, unsigned char out[16])
{
    HMAC_CTX ctx;
    unsigned int n = 16;

    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, key, klen, EVP_md5(), NULL);
    HMAC_Update(&ctx, a, alen);
    HMAC_Update(&ctx, b, blen);
    HMAC_Final(&ctx, out, &n);
    HMAC_CTX_cleanup(&ctx);
}

static void test_real_negotiate(void)
{
    ntlm_negotiate n;

    CHECK(ntlm_message_type(init_tok.mech_token.data, init_tok.mech_token.len) == 1,
          "real Type 1 is type 1");
    CHECK(ntlm_decode_negotiate(init_tok.mech_token.data, init_tok.mech_token.len, &n) == NTLM_OK,
          "real Type 1 decodes");
    CHECK(n.flags == 0xe2088217u, "real Type 1 flags");
    CHECK(n.domain.len == 0 && n.workstation.len == 0, "no domain or workstation");
}

static void test_curl_negotiate(void)
{
    /* curl's 32-byte NEGOTIATE: no Version field (t/lib/NegTest.pm). */
    unsigned char m[32] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0,
                            0x07, 0x82, 0x08, 0xa2 };
    ntlm_negotiate n;
    unsigned char t[16];

    CHECK(ntlm_decode_negotiate(m, sizeof(m), &n) == NTLM_OK && n.flags == 0xa2088207u,
          "curl's 32-byte Type 1");
    memcpy(t, m, 16);
    CHECK(ntlm_decode_negotiate(t, 16, &n) == NTLM_OK, "a 16-byte Type 1 without fields");
    CHECK(ntlm_decode_negotiate(m, 15, &n) == NTLM_ERR_TRUNCATED, "15 bytes is truncated");
    m[8] = 3;
    CHECK(ntlm_decode_negotiate(m, sizeof(m), &n) == NTLM_ERR_TYPE, "type 3 is not a Type 1");
    m[8] = 1;
    m[0] = 'X';
    CHECK(ntlm_decode_negotiate(m, sizeof(m), &n) == NTLM_ERR_SIGNATURE, "bad signature");
    m[0] = 'N';
    /* a flagged domain field pointing past the end */
    m[12] |= 0x00; m[13] |= 0x10;               /* OEM_DOMAIN_SUPPLIED */
    m[16] = 4; m[18] = 4; m[20] = 30;           /* len 4 at offset 30 */
    CHECK(ntlm_decode_negotiate(m, sizeof(m), &n) == NTLM_ERR_FIELD, "domain past the end");
    m[20] = 8;                                  /* inside the header */
    CHECK(ntlm_decode_negotiate(m, sizeof(m), &n) == NTLM_ERR_OVERLAP, "domain inside the header");
}

static void test_real_challenge_and_authenticate(void)
{
    ntlm_authenticate a;
    ntlm_v2_response v;
    ntlm_field ti, sent;
    const unsigned char *t2 = chal_tok.mech_token.data, *t3 = auth_tok.mech_token.data;
    size_t t3_len = auth_tok.mech_token.len;
    char name[64];
    struct ntlm_buf nt_key;
    unsigned char v2key[16], proof[16], base_key[16], exported[16], mic[16], sig[16];

    CHECK(ntlm_message_type(t2, chal_tok.mech_token.len) == 2, "real Type 2 is type 2");
    CHECK(ntlm_decode_authenticate(t3, t3_len, &a) == NTLM_OK, "real Type 3 decodes");
    CHECK(a.flags == 0xe2898215u, "real Type 3 flags");
    CHECK(a.has_mic_room && a.payload_offset == 88, "room for the MIC at 72");
    CHECK(ntlm_name_to_utf8(&a.user, 1, name, sizeof(name)) == 5 && strcmp(name, "alice") == 0,
          "user alice (UTF-16LE)");
    CHECK(ntlm_name_to_utf8(&a.domain, 1, name, sizeof(name)) == 7 && strcmp(name, "EXAMPLE") == 0,
          "domain EXAMPLE");
    CHECK(a.session_key.len == 16, "encrypted random session key");
    CHECK(ntlm_parse_v2_response(&a.nt, &v) == NTLM_OK, "NTLMv2 response parses");
    CHECK(v.av_flags & NTLM_AV_FLAG_MIC, "AV flags announce a MIC");

    /* The gss-ntlmssp server sent MsvAvFlags = 0 and the client echoed 2:
     * exactly the kind of change the echo check reports. */
    ti.len = t2[40] | (t2[41] << 8);
    ti.data = t2 + (t2[44] | (t2[45] << 8));
    CHECK(ntlm_check_av_echo(&ti, &v.av_pairs) == NTLM_ERR_AV_ALTERED,
          "a changed MsvAvFlags value is reported as altered");
    {
        /* Our own TargetInfo never has MsvAvFlags: NbComputer, NbDomain,
         * DnsComputer and Timestamp of the real one must come back. */
        unsigned char mine[128];
        size_t n = 0, i = 0;
        while (i + 4 <= ti.len) {
            size_t l = ti.data[i + 2] | (ti.data[i + 3] << 8);
            if (ti.data[i] != NTLM_AV_FLAGS) {
                memcpy(mine + n, ti.data + i, 4 + l);
                n += 4 + l;
            }
            if (ti.data[i] == 0)
                break;
            i += 4 + l;
        }
        sent.data = mine;
        sent.len = n;
        CHECK(ntlm_check_av_echo(&sent, &v.av_pairs) == NTLM_OK, "unchanged pairs pass");
        mine[8] ^= 1;
        CHECK(ntlm_check_av_echo(&sent, &v.av_pairs) == NTLM_ERR_AV_ALTERED, "one flipped byte fails");
    }

    /* Recompute the keys from the password (MS-NLMP 3.3.2). */
    heim_ntlm_nt_key("AlicePassw0rd!", &nt_key);
    heim_ntlm_ntlmv2_key(nt_key.data, nt_key.length, "alice", "EXAMPLE", 0, v2key);
    heim_ntlm_free_buf(&nt_key);
    hmac_md5(v2key, 16, t2 + 24, 8, a.nt.data + 16, a.nt.len - 16, proof);
    CHECK(memcmp(proof, v.proof, 16) == 0, "NTProofStr matches the password");
    hmac_md5(v2key, 16, proof, 16, NULL, 0, base_key);
    CHECK(ntlm_exported_session_key(base_key, a.flags, &a.session_key, exported) == NTLM_OK,
          "exported session key");
    ntlm_compute_mic(exported, init_tok.mech_token.data, init_tok.mech_token.len,
                     t2, chal_tok.mech_token.len, t3, t3_len, mic);
    CHECK(neg_ct_equal(mic, a.mic, 16), "MIC over the three messages verifies");
    mic[0] ^= 1;
    CHECK(!neg_ct_equal(mic, a.mic, 16), "a changed MIC does not");

    ntlm_sign(exported, a.flags, NTLM_CLIENT_TO_SERVER, 0,
              init_tok.mech_list.data, init_tok.mech_list.len, sig);
    CHECK(auth_tok.mech_list_mic.len == 16
          && memcmp(sig, auth_tok.mech_list_mic.data, 16) == 0,
          "client's mechListMIC verifies");
    ntlm_sign(exported, a.flags, NTLM_SERVER_TO_CLIENT, 0,
              init_tok.mech_list.data, init_tok.mech_list.len, sig);
    CHECK(done_tok.mech_list_mic.len == 16
          && memcmp(sig, done_tok.mech_list_mic.data, 16) == 0,
          "our mechListMIC equals the one gss-ntlmssp produced");
}

static void test_hostile_authenticate(void)
{
    const unsigned char *t3 = auth_tok.mech_token.data;
    size_t len = auth_tok.mech_token.len, i;
    unsigned char m[512];
    ntlm_authenticate a;
    int all_refused = 1;

    for (i = 0; i < len; i++) {
        unsigned char *copy = malloc(i ? i : 1);
        memcpy(copy, t3, i);
        if (ntlm_decode_authenticate(copy, i, &a) == NTLM_OK
            && i < len) {
            /* a prefix can only decode if every field still fits */
            if (a.nt.len && a.nt.data + a.nt.len > copy + i)
                all_refused = 0;
        }
        free(copy);
    }
    CHECK(all_refused, "no truncation yields a field past the end");
    CHECK(ntlm_decode_authenticate(t3, 63, &a) == NTLM_ERR_TRUNCATED, "63 bytes is truncated");

    memcpy(m, t3, len);
    m[24] = 0xff; m[25] = 0xff; m[26] = 0xff; m[27] = 0xff;    /* NT offset */
    CHECK(ntlm_decode_authenticate(m, len, &a) == NTLM_ERR_FIELD, "huge NT offset");
    memcpy(m, t3, len);
    m[20] = 0xff; m[21] = 0xff;                                  /* NT length */
    CHECK(ntlm_decode_authenticate(m, len, &a) == NTLM_ERR_FIELD, "NT length past the end");
    memcpy(m, t3, len);
    m[40] = m[32]; m[41] = m[33]; m[42] = m[34]; m[43] = m[35];  /* user = domain */
    CHECK(ntlm_decode_authenticate(m, len, &a) == NTLM_ERR_OVERLAP, "user overlaps domain");
    memcpy(m, t3, len);
    m[24] = 40; m[25] = 0; m[26] = 0; m[27] = 0;                 /* NT inside the header */
    CHECK(ntlm_decode_authenticate(m, len, &a) == NTLM_ERR_OVERLAP ||
          ntlm_decode_authenticate(m, len, &a) == NTLM_ERR_FIELD, "NT inside the header");
}

static void test_hostile_v2(void)
{
    ntlm_authenticate a;
    ntlm_v2_response v;
    unsigned char nt[512];
    ntlm_field f;

    ntlm_decode_authenticate(auth_tok.mech_token.data, auth_tok.mech_token.len, &a);
    memcpy(nt, a.nt.data, a.nt.len);
    f.data = nt;
    f.len = a.nt.len;
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_OK, "copy parses");
    f.len = 24;
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_V2_RESPONSE, "24 bytes (NTLMv1) is no v2 response");
    f.len = a.nt.len;
    nt[16] = 2;
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_V2_RESPONSE, "RespType 2 refused");
    nt[16] = 1;
    nt[44 + 2] = 0xff; nt[44 + 3] = 0xff;        /* first pair's length */
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS, "AV pair length past the end");
    memcpy(nt, a.nt.data, a.nt.len);
    f.len = 16 + 28 + 10;                        /* cut before EOL */
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS, "missing EOL refused");
    {
        /* duplicate NbComputerName */
        unsigned char d[16 + 28 + 8 + 8 + 4];
        memset(d, 0, sizeof(d));
        d[16] = 1; d[17] = 1;
        d[44] = 1; d[46] = 4; d[52] = 1; d[54] = 4;
        f.data = d;
        f.len = sizeof(d);
        CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS, "duplicate AV pair refused");
    }
}

static void test_strings(void)
{
    static const unsigned char bad_surrogate[] = { 0x00, 0xd8, 'a', 0 };
    static const unsigned char odd[] = { 'a', 0, 'b' };
    static const unsigned char nul[] = { 'a', 0, 0, 0 };
    static const unsigned char euro[] = { 0xac, 0x20 };
    static const unsigned char latin1[] = { 'J', 0xf6 };
    ntlm_field f;
    char out[16];

    f.data = bad_surrogate; f.len = sizeof(bad_surrogate);
    CHECK(ntlm_name_to_utf8(&f, 1, out, sizeof(out)) == (size_t)-1, "lone surrogate refused");
    f.data = odd; f.len = sizeof(odd);
    CHECK(ntlm_name_to_utf8(&f, 1, out, sizeof(out)) == (size_t)-1, "odd length refused");
    f.data = nul; f.len = sizeof(nul);
    CHECK(ntlm_name_to_utf8(&f, 1, out, sizeof(out)) == (size_t)-1, "embedded NUL refused");
    f.data = euro; f.len = sizeof(euro);
    CHECK(ntlm_name_to_utf8(&f, 1, out, sizeof(out)) == 3 && memcmp(out, "\xe2\x82\xac", 4) == 0,
          "U+20AC to UTF-8");
    CHECK(ntlm_name_to_utf8(&f, 1, out, 3) == (size_t)-1, "no room for the NUL");
    f.data = latin1; f.len = sizeof(latin1);
    CHECK(ntlm_name_to_utf8(&f, 0, out, sizeof(out)) == 3 && memcmp(out, "J\xc3\xb6", 4) == 0,
          "OEM (Latin-1) to UTF-8");
}

static void test_challenge(void)
{
    static const unsigned char chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ntlm_server_names names = { "EXAMPLE", "WEB1", "example.test", "web1.example.test" };
    unsigned char *out;
    size_t len, ti_off, ti_len;
    uint32_t f = ntlm_challenge_flags(0xe2088297u);
    ntlm_field ti;
    uint16_t alen;
    int saw_flags = 0;
    size_t i;

    CHECK(f & NTLM_F_UNICODE && !(f & NTLM_F_OEM), "UNICODE answered");
    CHECK(f & NTLM_F_TARGET_INFO && f & NTLM_F_ESS && f & NTLM_F_KEY_EXCH, "TargetInfo, ESS, KEY_EXCH");
    CHECK(!(f & NTLM_F_LM_KEY), "LM_KEY never offered");
    CHECK(ntlm_challenge_flags(0x00000202u) & NTLM_F_OEM, "OEM when UNICODE was not asked");
    CHECK(!(ntlm_challenge_flags(0x00000201u) & NTLM_F_KEY_EXCH), "only flags the client asked for");
    CHECK(ntlm_encode_challenge(f, chal, &names, ntlm_filetime(0), &out, &len, &ti_off, &ti_len) == 0,
          "challenge encodes");
    CHECK(ntlm_message_type(out, len) == 2, "it is a Type 2");
    CHECK(memcmp(out + 24, chal, 8) == 0, "carrying our challenge");
    CHECK(ti_off + ti_len == len, "TargetInfo at the end");
    ti.data = out + ti_off;
    ti.len = ti_len;
    for (i = 0; i + 4 <= ti.len;) {
        alen = (uint16_t)(ti.data[i + 2] | (ti.data[i + 3] << 8));
        if (ti.data[i] == NTLM_AV_FLAGS)
            saw_flags = 1;
        if (ti.data[i] == 0)
            break;
        i += 4 + alen;
    }
    CHECK(!saw_flags, "no MsvAvFlags pair in our TargetInfo");
    CHECK(ntlm_check_av_echo(&ti, &ti) == NTLM_OK, "TargetInfo is well formed");
    CHECK(ntlm_filetime(0) == UINT64_C(116444736000000000), "FILETIME of the Unix epoch");
    free(out);
}

/* ------------------------------------------------------------------ */
/* Tokens of clients the suite cannot run (foreign_tokens.h)          */
/* ------------------------------------------------------------------ */

/* AV pair ids this layer has no name for (MS-NLMP 2.2.2.1). */
#define AV_DNS_TREE          5
#define AV_TARGET_NAME       NTLM_AV_TARGET_NAME
#define AV_CHANNEL_BINDINGS  NTLM_AV_CHANNEL_BINDINGS

/* A foreign token's NTLM message: the token itself, or the mechToken /
 * responseToken of a SPNEGO token. buf receives the decoded token. */
static ntlm_field foreign_ntlm(int id, unsigned char *buf, size_t cap)
{
    size_t n = foreign_token_decode(id, buf, cap);
    neg_token t;
    ntlm_field f = { NULL, 0 };

    if (n == 0 || neg_token_parse(buf, n, &t) != NEG_PARSE_OK) {
        fprintf(stderr, "foreign token %s does not decode\n", FOREIGN_TOKENS[id].name);
        exit(2);
    }
    f.data = t.mech_token.data;
    f.len = t.mech_token.len;
    return f;
}

/* The value of AV pair id in an EOL-terminated list, or NULL. */
static const unsigned char *av_find(const ntlm_field *list, unsigned id, size_t *len)
{
    size_t i = 0;

    while (i + 4 <= list->len) {
        unsigned pid = list->data[i] | (list->data[i + 1] << 8);
        size_t plen = list->data[i + 2] | (list->data[i + 3] << 8);

        if (pid == NTLM_AV_EOL || i + 4 + plen > list->len)
            return NULL;
        if (pid == id) {
            *len = plen;
            return list->data + i + 4;
        }
        i += 4 + plen;
    }
    return NULL;
}

/* The TargetInfo of a CHALLENGE message (2.2.1.2). */
static ntlm_field challenge_target_info(const ntlm_field *t2)
{
    ntlm_field ti;
    size_t off = t2->data[44] | (t2->data[45] << 8);

    ti.len = t2->data[40] | (t2->data[41] << 8);
    ti.data = t2->data + off;
    return ti;
}

static int name_is(const ntlm_field *f, int unicode, const char *want)
{
    char out[256];

    if (f->len == 0)
        return *want == '\0';
    return ntlm_name_to_utf8(f, unicode, out, sizeof(out)) != (size_t)-1
        && strcmp(out, want) == 0;
}

static int utf16_is(const unsigned char *p, size_t len, const char *want)
{
    ntlm_field f;

    f.data = p;
    f.len = len;
    return p != NULL && name_is(&f, 1, want);
}

typedef struct {
    int id;
    uint32_t flags;
    const char *domain, *workstation;   /* OEM strings when supplied */
    int has_version;                    /* 8 bytes after the 32-byte header */
} negotiate_expect;

static const negotiate_expect FOREIGN_NEGOTIATE[] = {
    { FT_WIN_NTLM_TYPE1, 0xe2088297u, "", "", 1 },
    { FT_WIN2019_TYPE1, 0xe20882b7u, "", "", 1 },
    { FT_WIN_SPNEGO_NTLM_FIRST, 0xe208b297u, "WORKGROUP", "DESKTOP-Q8RE0UE", 1 },
    { FT_WIN7_SPNEGO_NTLM, 0xe208b297u, "WORKGROUP", "DBLOCK-GREEN", 1 },
    { FT_WIN7SP1_SPNEGO_NTLM, 0xe208b297u, "SAD", "GLYCERINE", 1 },
    { FT_SMB_SPNEGO_NTLM, 0x62088215u, "", "", 1 },
    { FT_OEM_TYPE1, 0x00003207u, "DOMAIN", "WORKSTATION", 0 },
    /* go-ntlmssp writes the Version without its flag: read as payload. */
    { FT_GO_NTLMSSP_TYPE1, 0xa088b201u, "MYDOMAIN", "MYPC", 1 },
    { FT_CHROMIUM_TYPE1, 0x00088207u, "", "", 0 },
};

/* The flags we would answer with: UNICODE if asked, else OEM; TargetInfo
 * always (Windows computes the MIC and the NTLMv2 blob only with it);
 * never LM_KEY; the session security flags only as asked (3.2.5.1.1). */
static int challenge_flags_fit(uint32_t c)
{
    uint32_t f = ntlm_challenge_flags(c);
    const uint32_t asked = NTLM_F_SIGN | NTLM_F_SEAL | NTLM_F_ALWAYS_SIGN
                         | NTLM_F_ESS | NTLM_F_VERSION | NTLM_F_128
                         | NTLM_F_KEY_EXCH | NTLM_F_56;

    return ((c & NTLM_F_UNICODE) ? (f & NTLM_F_UNICODE) && !(f & NTLM_F_OEM)
                                 : (f & NTLM_F_OEM) && !(f & NTLM_F_UNICODE))
        && (f & NTLM_F_TARGET_INFO) && (f & NTLM_F_NTLM) && !(f & NTLM_F_LM_KEY)
        && (f & asked) == (c & asked);
}

static void test_foreign_negotiate(void)
{
    unsigned char buf[4096];
    char desc[160];
    size_t i;

    for (i = 0; i < sizeof(FOREIGN_NEGOTIATE) / sizeof(FOREIGN_NEGOTIATE[0]); i++) {
        const negotiate_expect *e = &FOREIGN_NEGOTIATE[i];
        const char *name = FOREIGN_TOKENS[e->id].name;
        ntlm_field m = foreign_ntlm(e->id, buf, sizeof(buf));
        ntlm_negotiate n;

        snprintf(desc, sizeof(desc), "%s: NEGOTIATE decodes, flags 0x%08x", name,
                 (unsigned)e->flags);
        CHECK(ntlm_message_type(m.data, m.len) == 1
              && ntlm_decode_negotiate(m.data, m.len, &n) == NTLM_OK
              && n.flags == e->flags, desc);
        /* Type 1 names are OEM whatever the UNICODE flag says (2.2.1.1). */
        snprintf(desc, sizeof(desc), "%s: domain '%s', workstation '%s'", name,
                 e->domain, e->workstation);
        CHECK(name_is(&n.domain, 0, e->domain) && name_is(&n.workstation, 0, e->workstation),
              desc);
        snprintf(desc, sizeof(desc), "%s: %s Version field", name,
                 e->has_version ? "with a" : "without");
        CHECK(e->has_version ? m.len >= 40 && m.data[39] == 0x0f
                             : m.len == 32 || n.domain.data - m.data == 32
                               || n.workstation.data - m.data == 32, desc);
        snprintf(desc, sizeof(desc), "%s: our CHALLENGE flags fit the client's", name);
        CHECK(challenge_flags_fit(n.flags), desc);
    }
}

typedef struct {
    int id;
    uint32_t flags;
    size_t payload;             /* lowest payload offset: 64, 72 (+Version), 88 (+MIC) */
    const char *domain, *user, *workstation;
    size_t nt_len;              /* 0 none (anonymous to the module), 24 NTLMv1, more NTLMv2 */
    uint32_t av_flags;
    int has_timestamp;          /* MsvAvTimestamp echoed */
    const char *target_name;    /* MsvAvTargetName, NULL when absent */
    int bindings;               /* MsvAvChannelBindings: -1 absent, 0 zero, 1 set */
} authenticate_expect;

static const authenticate_expect FOREIGN_AUTHENTICATE[] = {
    { FT_SMB_SPNEGO_AUTH, 0x62888215u, 88, "WORKGROUP", "asd", "", 164,
      NTLM_AV_FLAG_MIC, 1, "cifs/local", -1 },
    { FT_WIN7_SPNEGO_ANON, 0xe288c215u, 88, "", "", "", 0, 0, 0, NULL, -1 },
    { FT_PYSPNEGO_AUTH, 0xe2898235u, 72, "", "vagrant-domain@DOMAIN.LOCAL",
      "JBOREAN-LINUX", 252, 0, 1, "dc01.domain.local", 0 },
    { FT_PYSPNEGO_AUTH_MIC, 0xe28a8205u, 88, "", "vagrant", "JBOREAN-LINUX", 272,
      NTLM_AV_FLAG_MIC, 1, "HOST/192.168.121.229", 0 },
    { FT_CHROMIUM_AUTH_EPA, 0x00088203u, 88, "Domain", "User", "COMPUTER", 138,
      NTLM_AV_FLAG_MIC, 0, "HTTP/Server", 1 },
    { FT_MSNLMP_V1_AUTH, 0xe2808235u, 72, "Domain", "User", "COMPUTER", 24, 0, 0, NULL, -1 },
    { FT_MSNLMP_V1ESS_AUTH, 0x82088235u, 72, "Domain", "User", "COMPUTER", 24, 0, 0,
      NULL, -1 },
    { FT_MSNLMP_V2_AUTH, 0xe2888235u, 72, "Domain", "User", "COMPUTER", 84, 0, 0, NULL, -1 },
};

static int bindings_are(const ntlm_v2_response *v, int want)
{
    static const unsigned char zero[16];
    size_t len = 0;
    const unsigned char *p = av_find(&v->av_pairs, AV_CHANNEL_BINDINGS, &len);

    if (want < 0)
        return p == NULL;
    return p != NULL && len == 16 && (memcmp(p, zero, 16) == 0) == (want == 0);
}

static void check_v2_pairs(const char *name, const ntlm_authenticate *a,
                           const authenticate_expect *e)
{
    ntlm_v2_response v;
    const unsigned char *p;
    size_t len = 0;
    char desc[160];

    snprintf(desc, sizeof(desc), "%s: NTLMv2 response parses, MsvAvFlags 0x%x", name,
             (unsigned)e->av_flags);
    CHECK(ntlm_parse_v2_response(&a->nt, &v) == NTLM_OK && v.av_flags == e->av_flags, desc);
    snprintf(desc, sizeof(desc), "%s: MsvAvFlags says MIC only where there is room", name);
    CHECK(!(v.av_flags & NTLM_AV_FLAG_MIC) || a->has_mic_room, desc);
    snprintf(desc, sizeof(desc), "%s: MsvAvTimestamp %s", name,
             e->has_timestamp ? "echoed" : "absent");
    CHECK((av_find(&v.av_pairs, NTLM_AV_TIMESTAMP, &len) != NULL) == e->has_timestamp, desc);
    p = av_find(&v.av_pairs, AV_TARGET_NAME, &len);
    snprintf(desc, sizeof(desc), "%s: MsvAvTargetName %s", name,
             e->target_name ? e->target_name : "absent");
    CHECK(e->target_name ? utf16_is(p, len, e->target_name) : p == NULL, desc);
    snprintf(desc, sizeof(desc), "%s: the decoder's target_name is that pair", name);
    CHECK(e->target_name ? v.target_name.data == p && v.target_name.len == len
                         : v.target_name.len == 0, desc);
    snprintf(desc, sizeof(desc), "%s: MsvAvChannelBindings %s", name,
             e->bindings < 0 ? "absent" : e->bindings ? "set" : "all zero");
    CHECK(bindings_are(&v, e->bindings), desc);
    snprintf(desc, sizeof(desc), "%s: the decoder's channel_bindings is that pair", name);
    CHECK(e->bindings < 0 ? v.channel_bindings == NULL
                          : v.channel_bindings == av_find(&v.av_pairs, AV_CHANNEL_BINDINGS, &len),
          desc);
}

static void test_foreign_authenticate(void)
{
    unsigned char buf[4096];
    char desc[200];
    size_t i;

    for (i = 0; i < sizeof(FOREIGN_AUTHENTICATE) / sizeof(FOREIGN_AUTHENTICATE[0]); i++) {
        const authenticate_expect *e = &FOREIGN_AUTHENTICATE[i];
        const char *name = FOREIGN_TOKENS[e->id].name;
        ntlm_field m = foreign_ntlm(e->id, buf, sizeof(buf));
        int unicode = (e->flags & NTLM_F_UNICODE) != 0;
        ntlm_authenticate a;

        snprintf(desc, sizeof(desc), "%s: AUTHENTICATE decodes, flags 0x%08x, payload at %zu",
                 name, (unsigned)e->flags, e->payload);
        CHECK(ntlm_message_type(m.data, m.len) == 3
              && ntlm_decode_authenticate(m.data, m.len, &a) == NTLM_OK
              && a.flags == e->flags && a.payload_offset == e->payload, desc);
        snprintf(desc, sizeof(desc), "%s: %s", name,
                 e->payload >= 88 ? "MIC at 72, after the Version" : "no room for a MIC");
        CHECK(a.has_mic_room == (e->payload >= 88)
              && (!a.has_mic_room || a.mic == m.data + NTLM_MIC_OFFSET), desc);
        snprintf(desc, sizeof(desc), "%s: '%s\\%s' from '%s' (%s)", name, e->domain,
                 e->user, e->workstation, unicode ? "UTF-16" : "OEM");
        CHECK(name_is(&a.domain, unicode, e->domain) && name_is(&a.user, unicode, e->user)
              && name_is(&a.workstation, unicode, e->workstation), desc);
        /* No user and no response is what the module refuses as
         * anonymous (3.2.5.1.2), flagged or not. */
        snprintf(desc, sizeof(desc), "%s: %s", name, e->nt_len == 0 ? "no user, no response"
                 : e->nt_len == 24 ? "NTLMv1 response" : "NTLMv2 response");
        CHECK(a.nt.len == e->nt_len
              && (e->nt_len != 0 || (a.user.len == 0 && a.lm.len == 0)), desc);
        if (e->nt_len > 24)
            check_v2_pairs(name, &a, e);
    }
}

/* The pairs' AUTHENTICATE echoes every AV pair of its CHALLENGE, as the
 * module requires of NTLMv2 (it adds MsvAvFlags, timestamps, bindings). */
static void test_foreign_echo(void)
{
    unsigned char b2[4096], b3[4096];
    char desc[160];
    size_t i;

    for (i = 0; i < N_FOREIGN_NTLM_PAIRS; i++) {
        ntlm_field t2 = foreign_ntlm(FOREIGN_NTLM_PAIRS[i].challenge, b2, sizeof(b2));
        ntlm_field t3 = foreign_ntlm(FOREIGN_NTLM_PAIRS[i].authenticate, b3, sizeof(b3));
        ntlm_field ti = challenge_target_info(&t2);
        ntlm_authenticate a;
        ntlm_v2_response v;

        if (ntlm_decode_authenticate(t3.data, t3.len, &a) != NTLM_OK || a.nt.len <= 24)
            continue;                   /* NTLMv1 echoes nothing */
        snprintf(desc, sizeof(desc), "%s echoes the TargetInfo of %s",
                 FOREIGN_TOKENS[FOREIGN_NTLM_PAIRS[i].authenticate].name,
                 FOREIGN_TOKENS[FOREIGN_NTLM_PAIRS[i].challenge].name);
        CHECK(ntlm_message_type(t2.data, t2.len) == 2
              && ntlm_parse_v2_response(&a.nt, &v) == NTLM_OK
              && ntlm_check_av_echo(&ti, &v.av_pairs) == NTLM_OK, desc);
    }
    {
        /* A DC's TargetInfo carries MsvAvDnsTreeName too. */
        ntlm_field t2 = foreign_ntlm(FT_WIN2016_TYPE2, b2, sizeof(b2));
        ntlm_field ti = challenge_target_info(&t2);
        size_t len = 0;
        const unsigned char *tree = av_find(&ti, AV_DNS_TREE, &len);

        CHECK(utf16_is(tree, len, "domain.local"),
              "Windows Server 2016 CHALLENGE names its DNS tree");
    }
}

static void nt_hash(const char *password, unsigned char out[16])
{
    struct ntlm_buf k;

    heim_ntlm_nt_key(password, &k);
    memcpy(out, k.data, 16);
    heim_ntlm_free_buf(&k);
}

/* [MS-NLMP] 4.2.4: every key of the NTLMv2 example, from its password. */
static void test_msnlmp_v2_keys(void)
{
    static const unsigned char base_key[16] = {
        0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
        0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3 };    /* 4.2.4.1.2 */
    unsigned char b2[512], b3[512], nt[16], v2key[16], proof[16], key[16], random[16];
    ntlm_field t2 = foreign_ntlm(FT_MSNLMP_V2_CHALLENGE, b2, sizeof(b2));
    ntlm_field t3 = foreign_ntlm(FT_MSNLMP_V2_AUTH, b3, sizeof(b3));
    ntlm_authenticate a;
    ntlm_v2_response v;

    ntlm_decode_authenticate(t3.data, t3.len, &a);
    ntlm_parse_v2_response(&a.nt, &v);
    nt_hash("Password", nt);
    heim_ntlm_ntlmv2_key(nt, 16, "User", "Domain", 0, v2key);
    hmac_md5(v2key, 16, t2.data + 24, 8, a.nt.data + 16, a.nt.len - 16, proof);
    CHECK(memcmp(proof, v.proof, 16) == 0, "MS-NLMP 4.2.4: NTProofStr from the password");
    hmac_md5(v2key, 16, proof, 16, NULL, 0, key);
    CHECK(memcmp(key, base_key, 16) == 0, "MS-NLMP 4.2.4: session base key 8de40cca...");
    memset(random, 0x55, sizeof(random));
    CHECK(ntlm_exported_session_key(key, a.flags, &a.session_key, key) == NTLM_OK
          && memcmp(key, random, 16) == 0,
          "MS-NLMP 4.2.4: KEY_EXCH decrypts the random session key 55...55");
}

/* [MS-NLMP] 4.2.2 and 4.2.3: the NTLMv1 responses the module hands to the
 * domain, with the challenge it must give it (3.3.1: with extended
 * session security, MD5(ServerChallenge || ClientChallenge)[0..8]). */
static void test_msnlmp_v1_responses(void)
{
    unsigned char b2[512], b3[512], nt[16], digest[16], challenge[8];
    ntlm_field t2, t3;
    ntlm_authenticate a;
    struct ntlm_buf answer;
    MD5_CTX md5;

    nt_hash("Password", nt);
    t2 = foreign_ntlm(FT_MSNLMP_V1_CHALLENGE, b2, sizeof(b2));
    t3 = foreign_ntlm(FT_MSNLMP_V1_AUTH, b3, sizeof(b3));
    ntlm_decode_authenticate(t3.data, t3.len, &a);
    memcpy(challenge, t2.data + 24, 8);
    heim_ntlm_calculate_ntlm1(nt, 16, challenge, &answer);
    CHECK(!(a.flags & NTLM_F_ESS) && answer.length == 24
          && memcmp(answer.data, a.nt.data, 24) == 0,
          "MS-NLMP 4.2.2: NTLMv1 response over the server challenge");
    heim_ntlm_free_buf(&answer);

    t2 = foreign_ntlm(FT_MSNLMP_V1ESS_CHALLENGE, b2, sizeof(b2));
    t3 = foreign_ntlm(FT_MSNLMP_V1ESS_AUTH, b3, sizeof(b3));
    ntlm_decode_authenticate(t3.data, t3.len, &a);
    MD5_Init(&md5);
    MD5_Update(&md5, t2.data + 24, 8);
    MD5_Update(&md5, a.lm.data, 8);
    MD5_Final(digest, &md5);
    memcpy(challenge, digest, 8);
    heim_ntlm_calculate_ntlm1(nt, 16, challenge, &answer);
    CHECK((a.flags & NTLM_F_ESS) && a.lm.len == 24 && answer.length == 24
          && memcmp(answer.data, a.nt.data, 24) == 0,
          "MS-NLMP 4.2.3: NTLMv1 with ESS answers MD5(server || client challenge)");
    heim_ntlm_free_buf(&answer);
}

/* Chromium's AUTHENTICATE with Extended Protection: our MIC over
 * NEGOTIATE || CHALLENGE || AUTHENTICATE equals the one it sent. */
static void test_chromium_mic(void)
{
    static const unsigned char base_key[16] = {
        0x62, 0x3d, 0xbd, 0x07, 0x1b, 0xe7, 0xa5, 0x30,
        0xb6, 0xa9, 0x5c, 0x2e, 0xb4, 0x98, 0x24, 0x70 };
    unsigned char b1[64], b2[512], b3[512], key[16], mic[16], nt[16], v2key[16], proof[16];
    ntlm_field t1 = foreign_ntlm(FT_CHROMIUM_TYPE1, b1, sizeof(b1));
    ntlm_field t2 = foreign_ntlm(FT_MSNLMP_V2_CHALLENGE, b2, sizeof(b2));
    ntlm_field t3 = foreign_ntlm(FT_CHROMIUM_AUTH_EPA, b3, sizeof(b3));
    ntlm_authenticate a;

    ntlm_decode_authenticate(t3.data, t3.len, &a);
    nt_hash("Password", nt);
    heim_ntlm_ntlmv2_key(nt, 16, "User", "Domain", 0, v2key);
    hmac_md5(v2key, 16, t2.data + 24, 8, a.nt.data + 16, a.nt.len - 16, proof);
    hmac_md5(v2key, 16, proof, 16, NULL, 0, key);
    CHECK(memcmp(proof, a.nt.data, 16) == 0 && memcmp(key, base_key, 16) == 0,
          "Chromium EPA: NTProofStr and session base key from the password");
    CHECK(ntlm_exported_session_key(key, a.flags, &a.session_key, key) == NTLM_OK
          && memcmp(key, base_key, 16) == 0, "Chromium EPA: no KEY_EXCH, the base key signs");
    ntlm_compute_mic(key, t1.data, t1.len, t2.data, t2.len, t3.data, t3.len, mic);
    CHECK(a.has_mic_room && neg_ct_equal(mic, a.mic, 16), "Chromium EPA: MIC verifies");
}

/* An NTLMv2 response (NTProofStr, blob) whose AV pairs are given. */
static size_t v2_with_pairs(const unsigned char *pairs, size_t n, unsigned char *out)
{
    memset(out, 0x11, 16);                      /* NTProofStr */
    memset(out + 16, 0, 28);
    out[16] = out[17] = 1;                      /* RespType, HiRespType */
    memcpy(out + 44, pairs, n);
    return 44 + n;
}

/* Extended Protection's pairs (MS-NLMP 2.2.2.1): MsvAvChannelBindings is
 * 16 bytes, MsvAvTargetName UTF-16LE; each at most once. */
static void test_epa_pairs(void)
{
    static const unsigned char good[] = {
        9, 0, 8, 0, 'H', 0, 'T', 0, 'T', 0, 'P', 0,
        10, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        0, 0, 0, 0 };
    static const unsigned char short_cb[] = { 10, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0 };
    static const unsigned char odd_name[] = { 9, 0, 3, 0, 'a', 0, 'b', 0, 0, 0, 0 };
    static const unsigned char two_cb[] = {
        10, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        10, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0 };
    static const unsigned char none[] = { 0, 0, 0, 0 };
    unsigned char buf[128];
    ntlm_field f = { buf, 0 };
    ntlm_v2_response v;

    f.len = v2_with_pairs(good, sizeof(good), buf);
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_OK, "EPA pairs parse");
    CHECK(v.target_name.len == 8 && v.target_name.data == buf + 48, "MsvAvTargetName located");
    CHECK(v.channel_bindings == buf + 60 && v.channel_bindings[0] == 1
          && v.channel_bindings[15] == 16, "MsvAvChannelBindings located");
    f.len = v2_with_pairs(none, sizeof(none), buf);
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_OK && v.channel_bindings == NULL
          && v.target_name.len == 0, "no EPA pairs: none reported");
    f.len = v2_with_pairs(short_cb, sizeof(short_cb), buf);
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS,
          "an 8-byte MsvAvChannelBindings is refused");
    f.len = v2_with_pairs(odd_name, sizeof(odd_name), buf);
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS,
          "an odd-length MsvAvTargetName is refused");
    f.len = v2_with_pairs(two_cb, sizeof(two_cb), buf);
    CHECK(ntlm_parse_v2_response(&f, &v) == NTLM_ERR_AV_PAIRS,
          "MsvAvChannelBindings twice is refused");
}

int main(void)
{
    load_exchange();
    test_epa_pairs();
    test_real_negotiate();
    test_curl_negotiate();
    test_real_challenge_and_authenticate();
    test_hostile_authenticate();
    test_hostile_v2();
    test_strings();
    test_challenge();
    test_foreign_negotiate();
    test_foreign_authenticate();
    test_foreign_echo();
    test_msnlmp_v2_keys();
    test_msnlmp_v1_responses();
    test_chromium_mic();
    return check_summary();
}
