/*
 * Unit tests of src/ntlm.c: the NTLMSSP codec and its crypto, against a
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

#include "ntlm.h"
#include "spnego.h"
#include "real_tokens.h"

#include "check.h"

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
    CHECK(ntlm_equal(mic, a.mic, 16), "MIC over the three messages verifies");
    mic[0] ^= 1;
    CHECK(!ntlm_equal(mic, a.mic, 16), "a changed MIC does not");

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

int main(void)
{
    load_exchange();
    test_real_negotiate();
    test_curl_negotiate();
    test_real_challenge_and_authenticate();
    test_hostile_authenticate();
    test_hostile_v2();
    test_strings();
    test_challenge();
    return check_summary();
}
