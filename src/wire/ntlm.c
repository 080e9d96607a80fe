/*
 * ntlm.c - NTLMSSP challenger codec and checks (MS-NLMP).
 *
 * Section numbers refer to [MS-NLMP]. All integers on the wire are
 * little-endian. A "field" is the 8-byte Len/MaxLen/Offset triple of
 * 2.2.2 that points into the message's payload.
 */
#include "ntlm.h"

#include "bytes.h"
#include "secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* NTLM is built on MD4/MD5/RC4, which hcrypto marks as deprecated. */
#define HC_DEPRECATED_CRYPTO
#include <heimntlm.h>
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>
#include <hcrypto/md5.h>
#include <hcrypto/rc4.h>

static const unsigned char signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

#define NEGOTIATE_MIN   16      /* signature, type, flags */
#define NEGOTIATE_FULL  32      /* + DomainNameFields, WorkstationFields */
#define AUTH_MIN        64      /* up to and with NegotiateFlags */
#define VERSION_LEN     8
#define MIC_LEN         16
#define V2_PROOF_LEN    16
#define V2_BLOB_FIXED   28      /* 2.2.2.7 up to AvPairs */
#define AV_MAX_ID       10

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

int ntlm_message_type(const unsigned char *buf, size_t len)
{
    uint32_t type;

    if (buf == NULL || len < 12 || memcmp(buf, signature, sizeof(signature)) != 0)
        return 0;
    type = neg_le32(buf + 8);
    return type >= 1 && type <= 3 ? (int)type : 0;
}

static ntlm_result check_header(const unsigned char *buf, size_t len,
                                size_t min, uint32_t type)
{
    if (buf == NULL || len < 12)
        return NTLM_ERR_TRUNCATED;
    if (memcmp(buf, signature, sizeof(signature)) != 0)
        return NTLM_ERR_SIGNATURE;
    if (neg_le32(buf + 8) != type)
        return NTLM_ERR_TYPE;
    return len < min ? NTLM_ERR_TRUNCATED : NTLM_OK;
}

/* Read the field descriptor at pos; an empty field has no data. */
static ntlm_result read_field(const unsigned char *buf, size_t len, size_t pos,
                              ntlm_field *f)
{
    size_t flen = neg_le16(buf + pos);
    size_t off = neg_le32(buf + pos + 4);

    f->data = NULL;
    f->len = 0;
    if (flen == 0)
        return NTLM_OK;
    if (off > len || flen > len - off)
        return NTLM_ERR_FIELD;
    f->data = buf + off;
    f->len = flen;
    return NTLM_OK;
}

static size_t field_offset(const unsigned char *buf, const ntlm_field *f)
{
    return (size_t)(f->data - buf);
}

/* Payload fields must lie after the header and not overlap each other:
 * two views of the same bytes are how parsers get confused. */
static ntlm_result check_layout(const unsigned char *buf, const ntlm_field *const *fs,
                                size_t n, size_t header_len)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        size_t a = field_offset(buf, fs[i]);

        if (fs[i]->len == 0)
            continue;
        if (a < header_len)
            return NTLM_ERR_OVERLAP;
        for (j = i + 1; j < n; j++) {
            size_t b = field_offset(buf, fs[j]);

            if (fs[j]->len == 0)
                continue;
            if (a < b + fs[j]->len && b < a + fs[i]->len)
                return NTLM_ERR_OVERLAP;
        }
    }
    return NTLM_OK;
}

/* 2.2.1.1: domain and workstation are meaningful only when flagged. */
ntlm_result ntlm_decode_negotiate(const unsigned char *buf, size_t len,
                                  ntlm_negotiate *out)
{
    const ntlm_field *fs[2];
    ntlm_result r;
    size_t header_len;

    memset(out, 0, sizeof(*out));
    r = check_header(buf, len, NEGOTIATE_MIN, 1);
    if (r != NTLM_OK)
        return r;
    out->flags = neg_le32(buf + 12);
    if (len < NEGOTIATE_FULL)
        return NTLM_OK;         /* a minimal message without fields */
    if ((out->flags & NTLM_F_OEM_DOMAIN)
        && (r = read_field(buf, len, 16, &out->domain)) != NTLM_OK)
        return r;
    if ((out->flags & NTLM_F_OEM_WORKSTATION)
        && (r = read_field(buf, len, 24, &out->workstation)) != NTLM_OK)
        return r;
    header_len = NEGOTIATE_FULL;
    if ((out->flags & NTLM_F_VERSION) && len >= NEGOTIATE_FULL + VERSION_LEN)
        header_len += VERSION_LEN;
    fs[0] = &out->domain;
    fs[1] = &out->workstation;
    return check_layout(buf, fs, 2, header_len);
}

/* 2.2.1.3: the fixed part is 64 bytes; Version (8) and MIC (16) follow
 * when the payload starts late enough to leave room for them. */
ntlm_result ntlm_decode_authenticate(const unsigned char *buf, size_t len,
                                     ntlm_authenticate *out)
{
    ntlm_field *fs[6];
    ntlm_result r;
    size_t i, lowest = len;

    memset(out, 0, sizeof(*out));
    r = check_header(buf, len, AUTH_MIN, 3);
    if (r != NTLM_OK)
        return r;
    fs[0] = &out->lm;
    fs[1] = &out->nt;
    fs[2] = &out->domain;
    fs[3] = &out->user;
    fs[4] = &out->workstation;
    fs[5] = &out->session_key;
    for (i = 0; i < 6; i++) {
        r = read_field(buf, len, 12 + 8 * i, fs[i]);
        if (r != NTLM_OK)
            return r;
        if (fs[i]->len > 0 && field_offset(buf, fs[i]) < lowest)
            lowest = field_offset(buf, fs[i]);
    }
    out->flags = neg_le32(buf + 60);
    out->payload_offset = lowest;
    r = check_layout(buf, (const ntlm_field *const *)fs, 6, AUTH_MIN);
    if (r != NTLM_OK)
        return r;
    if (lowest >= NTLM_MIC_OFFSET + MIC_LEN) {
        out->has_mic_room = 1;
        out->mic = buf + NTLM_MIC_OFFSET;
    }
    return NTLM_OK;
}

/* 2.2.2.7 NTLMv2_CLIENT_CHALLENGE, after the 16-byte NTProofStr:
 * RespType 1, HiRespType 1, 6 reserved, TimeStamp 8, ChallengeFromClient 8,
 * 4 reserved, then AV pairs ending with MsvAvEOL. */
ntlm_result ntlm_parse_v2_response(const ntlm_field *nt, ntlm_v2_response *out)
{
    const unsigned char *blob, *p, *end;
    unsigned int seen = 0;

    memset(out, 0, sizeof(*out));
    if (nt->data == NULL || nt->len < V2_PROOF_LEN + V2_BLOB_FIXED + 4)
        return NTLM_ERR_V2_RESPONSE;
    blob = nt->data + V2_PROOF_LEN;
    if (blob[0] != 1 || blob[1] != 1)
        return NTLM_ERR_V2_RESPONSE;
    out->proof = nt->data;
    out->timestamp = neg_le64(blob + 8);
    out->client_challenge = blob + 16;
    p = blob + V2_BLOB_FIXED;
    end = nt->data + nt->len;
    out->av_pairs.data = p;
    while ((size_t)(end - p) >= 4) {
        uint16_t id = neg_le16(p), alen = neg_le16(p + 2);

        if ((size_t)(end - p - 4) < alen)
            return NTLM_ERR_AV_PAIRS;
        if (id == NTLM_AV_EOL) {
            if (alen != 0)
                return NTLM_ERR_AV_PAIRS;
            out->av_pairs.len = (size_t)(p + 4 - out->av_pairs.data);
            return NTLM_OK;     /* what follows EOL is padding */
        }
        if (id <= AV_MAX_ID) {
            if (seen & (1u << id))
                return NTLM_ERR_AV_PAIRS;   /* each pair at most once */
            seen |= 1u << id;
        }
        if (id == NTLM_AV_FLAGS) {
            if (alen != 4)
                return NTLM_ERR_AV_PAIRS;
            out->av_flags = neg_le32(p + 4);
        }
        if (id == NTLM_AV_CHANNEL_BINDINGS) {
            if (alen != 16)
                return NTLM_ERR_AV_PAIRS;
            out->channel_bindings = p + 4;
        }
        if (id == NTLM_AV_TARGET_NAME) {
            if (alen % 2 != 0)
                return NTLM_ERR_AV_PAIRS;       /* UTF-16LE */
            out->target_name.data = p + 4;
            out->target_name.len = alen;
        }
        p += 4 + alen;
    }
    return NTLM_ERR_AV_PAIRS;   /* no MsvAvEOL */
}

/* Find pair id in an EOL-terminated list known to be well formed. */
static const unsigned char *find_av(const ntlm_field *list, uint16_t id,
                                    uint16_t *alen)
{
    const unsigned char *p = list->data, *end = list->data + list->len;

    while ((size_t)(end - p) >= 4) {
        uint16_t pid = neg_le16(p), plen = neg_le16(p + 2);

        if ((size_t)(end - p - 4) < plen || pid == NTLM_AV_EOL)
            return NULL;
        if (pid == id) {
            *alen = plen;
            return p + 4;
        }
        p += 4 + plen;
    }
    return NULL;
}

ntlm_result ntlm_check_av_echo(const ntlm_field *sent, const ntlm_field *received)
{
    const unsigned char *p = sent->data, *end = sent->data + sent->len;

    while ((size_t)(end - p) >= 4) {
        uint16_t id = neg_le16(p), alen = neg_le16(p + 2), rlen = 0;
        const unsigned char *rv;

        if (id == NTLM_AV_EOL)
            return NTLM_OK;
        if ((size_t)(end - p - 4) < alen)
            return NTLM_ERR_AV_PAIRS;
        rv = find_av(received, id, &rlen);
        if (rv == NULL || rlen != alen || memcmp(rv, p + 4, alen) != 0)
            return NTLM_ERR_AV_ALTERED;
        p += 4 + alen;
    }
    return NTLM_ERR_AV_PAIRS;
}

/* 3.2.5.1.1: answer with what the client asked for and we support. LM_KEY
 * is never offered; extended session security replaces it. */
uint32_t ntlm_challenge_flags(uint32_t c)
{
    const uint32_t echoed = NTLM_F_SIGN | NTLM_F_SEAL | NTLM_F_ALWAYS_SIGN
                          | NTLM_F_ESS | NTLM_F_VERSION | NTLM_F_128
                          | NTLM_F_KEY_EXCH | NTLM_F_56;
    uint32_t f = NTLM_F_NTLM | NTLM_F_REQUEST_TARGET | NTLM_F_TARGET_DOMAIN
               | NTLM_F_TARGET_INFO;

    f |= (c & NTLM_F_UNICODE) ? NTLM_F_UNICODE : NTLM_F_OEM;
    return f | (c & echoed);
}

int ntlm_encode_challenge(uint32_t flags, const unsigned char challenge[8],
                          const ntlm_server_names *names, uint64_t timestamp,
                          unsigned char **out, size_t *out_len,
                          size_t *ti_off, size_t *ti_len)
{
    struct ntlm_targetinfo ti;
    struct ntlm_type2 t2;
    struct ntlm_buf ti_buf = { 0, NULL }, msg = { 0, NULL };
    int ret;

    *out = NULL;
    memset(&ti, 0, sizeof(ti));
    ti.domainname = (char *)names->nb_domain;
    ti.servername = (char *)names->nb_computer;
    ti.dnsdomainname = (char *)names->dns_domain;
    ti.dnsservername = (char *)names->dns_computer;
    ti.timestamp = timestamp;
    /* AV pair strings are always UTF-16LE, whatever was negotiated. */
    ret = heim_ntlm_encode_targetinfo(&ti, 1, &ti_buf);
    if (ret != 0)
        return ret;
    memset(&t2, 0, sizeof(t2));
    t2.flags = flags;
    t2.targetname = (char *)names->nb_domain;
    memcpy(t2.challenge, challenge, 8);
    t2.targetinfo = ti_buf;
    ret = heim_ntlm_encode_type2(&t2, &msg);
    heim_ntlm_free_buf(&ti_buf);
    if (ret != 0)
        return ret;
    if (msg.length < 48) {
        heim_ntlm_free_buf(&msg);
        return EINVAL;
    }
    *out = msg.data;
    *out_len = msg.length;
    *ti_len = neg_le16((unsigned char *)msg.data + 40);
    *ti_off = neg_le32((unsigned char *)msg.data + 44);
    return 0;
}

uint64_t ntlm_filetime(int64_t unix_usec)
{
    return (uint64_t)(unix_usec + INT64_C(11644473600000000)) * 10u;
}

static size_t put_utf8(uint32_t cp, char *out, size_t pos, size_t cap)
{
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

    if (pos + n >= cap)
        return (size_t)-1;
    if (n == 1) {
        out[pos] = (char)cp;
    }
    else if (n == 2) {
        out[pos] = (char)(0xc0 | (cp >> 6));
        out[pos + 1] = (char)(0x80 | (cp & 0x3f));
    }
    else if (n == 3) {
        out[pos] = (char)(0xe0 | (cp >> 12));
        out[pos + 1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[pos + 2] = (char)(0x80 | (cp & 0x3f));
    }
    else {
        out[pos] = (char)(0xf0 | (cp >> 18));
        out[pos + 1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[pos + 2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[pos + 3] = (char)(0x80 | (cp & 0x3f));
    }
    return pos + n;
}

/* The next code point of UTF-16LE at *i, or (uint32_t)-1 if invalid. */
static uint32_t next_utf16(const ntlm_field *f, size_t *i)
{
    uint32_t u = neg_le16(f->data + *i), lo;

    *i += 2;
    if (u < 0xd800 || u > 0xdfff)
        return u;
    if (u > 0xdbff || *i + 2 > f->len)
        return (uint32_t)-1;            /* lone low or trailing high */
    lo = neg_le16(f->data + *i);
    if (lo < 0xdc00 || lo > 0xdfff)
        return (uint32_t)-1;
    *i += 2;
    return 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
}

size_t ntlm_name_to_utf8(const ntlm_field *f, int unicode, char *out, size_t cap)
{
    size_t i = 0, pos = 0;

    if (cap == 0 || (unicode && f->len % 2 != 0))
        return (size_t)-1;
    while (i < f->len) {
        uint32_t cp = unicode ? next_utf16(f, &i) : f->data[i++];

        if (cp == 0 || cp == (uint32_t)-1)
            return (size_t)-1;
        pos = put_utf8(cp, out, pos, cap);
        if (pos == (size_t)-1)
            return (size_t)-1;
    }
    out[pos] = '\0';
    return pos;
}

ntlm_result ntlm_exported_session_key(const unsigned char session_base_key[16],
                                      uint32_t flags, const ntlm_field *enc_key,
                                      unsigned char out[16])
{
    RC4_KEY rc4;

    if (!(flags & NTLM_F_KEY_EXCH)) {
        memcpy(out, session_base_key, 16);
        return NTLM_OK;
    }
    if (enc_key->len != 16)
        return NTLM_ERR_FIELD;
    RC4_set_key(&rc4, 16, session_base_key);
    RC4(&rc4, 16, enc_key->data, out);
    neg_wipe(&rc4, sizeof(rc4));
    return NTLM_OK;
}

void ntlm_compute_mic(const unsigned char key[16],
                      const unsigned char *t1, size_t t1_len,
                      const unsigned char *t2, size_t t2_len,
                      const unsigned char *t3, size_t t3_len,
                      unsigned char out[16])
{
    static const unsigned char zeros[MIC_LEN];
    HMAC_CTX ctx;
    unsigned int n = 16;

    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, key, 16, EVP_md5(), NULL);
    HMAC_Update(&ctx, t1, t1_len);
    HMAC_Update(&ctx, t2, t2_len);
    HMAC_Update(&ctx, t3, NTLM_MIC_OFFSET);
    HMAC_Update(&ctx, zeros, MIC_LEN);
    HMAC_Update(&ctx, t3 + NTLM_MIC_OFFSET + MIC_LEN,
                t3_len - NTLM_MIC_OFFSET - MIC_LEN);
    HMAC_Final(&ctx, out, &n);
    HMAC_CTX_cleanup(&ctx);
}

/* 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY: MD5 of the key and a magic
 * constant, NUL included. */
static void derive_key(const unsigned char *key, size_t key_len,
                       const char *magic, unsigned char out[16])
{
    MD5_CTX md5;

    MD5_Init(&md5);
    MD5_Update(&md5, key, key_len);
    MD5_Update(&md5, magic, strlen(magic) + 1);
    MD5_Final(out, &md5);
}

void ntlm_sign(const unsigned char exported_key[16], uint32_t flags,
               int direction, uint32_t seq,
               const unsigned char *msg, size_t msg_len, unsigned char out[16])
{
    static const char *const sign_magic[2] = {
        "session key to client-to-server signing key magic constant",
        "session key to server-to-client signing key magic constant"
    };
    static const char *const seal_magic[2] = {
        "session key to client-to-server sealing key magic constant",
        "session key to server-to-client sealing key magic constant"
    };
    unsigned char sign_key[16], seal_key[16], mac[16], seq_le[4];
    size_t seal_len = (flags & NTLM_F_128) ? 16 : (flags & NTLM_F_56) ? 7 : 5;
    unsigned int n = sizeof(mac);
    HMAC_CTX ctx;

    derive_key(exported_key, 16, sign_magic[direction != 0], sign_key);
    put_le32(seq_le, seq);
    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, sign_key, 16, EVP_md5(), NULL);
    HMAC_Update(&ctx, seq_le, 4);
    HMAC_Update(&ctx, msg, msg_len);
    HMAC_Final(&ctx, mac, &n);
    HMAC_CTX_cleanup(&ctx);

    /* 3.4.4.2: Version 1, the first 8 bytes of the HMAC (RC4-sealed
     * with the sealing key when keys were exchanged), SeqNum. */
    put_le32(out, 1);
    memcpy(out + 4, mac, 8);
    if (flags & NTLM_F_KEY_EXCH) {
        RC4_KEY rc4;

        derive_key(exported_key, seal_len, seal_magic[direction != 0], seal_key);
        RC4_set_key(&rc4, 16, seal_key);
        RC4(&rc4, 8, mac, out + 4);
        neg_wipe(&rc4, sizeof(rc4));
    }
    memcpy(out + 12, seq_le, 4);
    neg_wipe(sign_key, sizeof(sign_key));
    neg_wipe(seal_key, sizeof(seal_key));
}

const char *ntlm_result_str(ntlm_result r)
{
    switch (r) {
    case NTLM_OK:              return "ok";
    case NTLM_ERR_TRUNCATED:   return "message shorter than its fixed header";
    case NTLM_ERR_SIGNATURE:   return "no NTLMSSP signature";
    case NTLM_ERR_TYPE:        return "unexpected NTLM message type";
    case NTLM_ERR_FIELD:       return "a field points outside the message";
    case NTLM_ERR_OVERLAP:     return "fields overlap each other or the header";
    case NTLM_ERR_V2_RESPONSE: return "malformed NTLMv2 response";
    case NTLM_ERR_AV_PAIRS:    return "malformed AV pairs in the NTLMv2 response";
    case NTLM_ERR_AV_ALTERED:  return "the AV pairs of our challenge came back altered";
    case NTLM_ERR_MIC_MISSING: return "the client announced a MIC but sent none";
    case NTLM_ERR_STRING:      return "a name is not valid UTF-16 or is too long";
    }
    return "unknown";
}
