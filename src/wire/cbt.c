/*
 * cbt.c - tls-server-end-point channel bindings (see cbt.h).
 */
#include "cbt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <rfc2459_asn1.h>
#include <der.h>

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/evp.h>
#include <hcrypto/md5.h>

#include "apr_base64.h"

/* Certificates larger than this are not ours to bind to. */
#define MAX_DER 16384

typedef struct {
    const char *oid;        /* dotted */
    const char *hash;       /* hash name */
} sig_hash;

/* signatureAlgorithm -> the hash RFC 5929 4.1 takes (MD5 and SHA-1 become
 * SHA-256). RSASSA-PSS names its hash in its parameters: handled apart. */
static const sig_hash sig_hashes[] = {
    { "1.2.840.113549.1.1.4",  "SHA-256" },    /* md5WithRSAEncryption */
    { "1.2.840.113549.1.1.5",  "SHA-256" },    /* sha1WithRSAEncryption */
    { "1.2.840.113549.1.1.14", "SHA-224" },    /* sha224WithRSAEncryption */
    { "1.2.840.113549.1.1.11", "SHA-256" },    /* sha256WithRSAEncryption */
    { "1.2.840.113549.1.1.12", "SHA-384" },    /* sha384WithRSAEncryption */
    { "1.2.840.113549.1.1.13", "SHA-512" },    /* sha512WithRSAEncryption */
    { "1.2.840.10045.4.1",     "SHA-256" },    /* ecdsa-with-SHA1 */
    { "1.2.840.10045.4.3.1",   "SHA-224" },    /* ecdsa-with-SHA224 */
    { "1.2.840.10045.4.3.2",   "SHA-256" },    /* ecdsa-with-SHA256 */
    { "1.2.840.10045.4.3.3",   "SHA-384" },    /* ecdsa-with-SHA384 */
    { "1.2.840.10045.4.3.4",   "SHA-512" },    /* ecdsa-with-SHA512 */
    { "1.2.840.10040.4.3",     "SHA-256" },    /* dsa-with-sha1 */
    { "2.16.840.1.101.3.4.3.2", "SHA-256" },   /* dsa-with-sha256 */
    { NULL, NULL }
};

/* RSASSA-PSS-params' hashAlgorithm (RFC 4055 3.1): [0] AlgorithmIdentifier,
 * SHA-1 when absent. The OIDs of the SHA-2 hashes (RFC 4055 2.1). */
static const sig_hash pss_hashes[] = {
    { "2.16.840.1.101.3.4.2.4", "SHA-224" },
    { "2.16.840.1.101.3.4.2.1", "SHA-256" },
    { "2.16.840.1.101.3.4.2.2", "SHA-384" },
    { "2.16.840.1.101.3.4.2.3", "SHA-512" },
    { NULL, NULL }
};

static const char *lookup(const sig_hash *table, const char *oid)
{
    for (; table->oid != NULL; table++) {
        if (strcmp(table->oid, oid) == 0)
            return table->hash;
    }
    return NULL;
}

/* The OID of RSASSA-PSS-params' hashAlgorithm (RFC 4055 3.1: SEQUENCE {
 * [0] AlgorithmIdentifier DEFAULT sha1, ... }), dotted and malloc()ed; NULL
 * when the parameters do not name one (SHA-1 then). The parameters are
 * small: every length here is in DER's short form. */
static char *pss_hash_oid(const heim_any *params)
{
    const unsigned char *p = params ? params->data : NULL;
    size_t len = params ? params->length : 0;
    char *dotted = NULL;
    heim_oid oid;
    size_t used;

    /* 30 L a0 L 30 L 06 L oid */
    if (len < 8 || p[0] != 0x30 || p[2] != 0xa0 || p[4] != 0x30 || p[6] != 0x06
        || ((p[1] | p[3] | p[5] | p[7]) & 0x80) || p[7] > len - 8)
        return NULL;
    if (der_get_oid(p + 8, p[7], &oid, &used) != 0)
        return NULL;
    if (der_print_heim_oid(&oid, '.', &dotted) != 0)
        dotted = NULL;
    der_free_oid(&oid);
    return dotted;
}

/* NULL for SHA-224, which hcrypto does not have (certificates signed with
 * it are rare): no binding can be computed for them. */
static const EVP_MD *digest_of(const char *name)
{
    if (strcmp(name, "SHA-224") == 0)
        return NULL;
    if (strcmp(name, "SHA-384") == 0)
        return EVP_sha384();
    if (strcmp(name, "SHA-512") == 0)
        return EVP_sha512();
    return EVP_sha256();
}

/* Which hash, by the certificate's signatureAlgorithm. */
static const char *hash_for(const AlgorithmIdentifier *alg)
{
    char *dotted = NULL, *pss = NULL;
    const char *name;

    if (der_print_heim_oid(&alg->algorithm, '.', &dotted) != 0 || dotted == NULL)
        return "SHA-256";
    if (strcmp(dotted, "1.2.840.113549.1.1.10") == 0) {      /* RSASSA-PSS */
        pss = pss_hash_oid(alg->parameters);
        name = pss ? lookup(pss_hashes, pss) : NULL;
        free(pss);
    }
    else {
        name = lookup(sig_hashes, dotted);
    }
    free(dotted);
    return name ? name : "SHA-256";
}

void neg_cbt_gss_hash(const unsigned char *app_data, size_t len,
                      unsigned char out[16])
{
    static const unsigned char zeros[16];
    unsigned char le[4];
    MD5_CTX md5;

    le[0] = (unsigned char)len;
    le[1] = (unsigned char)(len >> 8);
    le[2] = (unsigned char)(len >> 16);
    le[3] = (unsigned char)(len >> 24);
    MD5_Init(&md5);
    MD5_Update(&md5, zeros, sizeof(zeros));
    MD5_Update(&md5, le, sizeof(le));
    MD5_Update(&md5, app_data, len);
    MD5_Final(out, &md5);
}

neg_cbt_result neg_cbt_from_der(const unsigned char *der, size_t len,
                                neg_cbt *out)
{
    Certificate cert;
    const EVP_MD *md;
    EVP_MD_CTX *ctx;
    unsigned int n = 0;
    size_t used;

    memset(out, 0, sizeof(*out));
    if (len > MAX_DER)
        return NEG_CBT_TOO_LARGE;
    memset(&cert, 0, sizeof(cert));
    if (decode_Certificate(der, len, &cert, &used) != 0)
        return NEG_CBT_BAD_DER;
    out->hash_name = hash_for(&cert.signatureAlgorithm);
    free_Certificate(&cert);
    if ((md = digest_of(out->hash_name)) == NULL)
        return NEG_CBT_UNSUPPORTED;
    memcpy(out->app_data, NEG_CBT_PREFIX, NEG_CBT_PREFIX_LEN);
    ctx = EVP_MD_CTX_create();
    EVP_DigestInit_ex(ctx, md, NULL);
    EVP_DigestUpdate(ctx, der, len);
    EVP_DigestFinal_ex(ctx, out->app_data + NEG_CBT_PREFIX_LEN, &n);
    EVP_MD_CTX_destroy(ctx);
    out->app_data_len = NEG_CBT_PREFIX_LEN + n;
    neg_cbt_gss_hash(out->app_data, out->app_data_len, out->ntlm);
    return NEG_CBT_OK;
}

/* The base64 of MAX_DER bytes has at most MAX_B64 characters. */
#define MAX_B64 ((MAX_DER + 2) / 3 * 4)

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* The body of a PEM block, between p and e, into b64 (MAX_B64 + 1 bytes),
 * spaces and line ends left out: groups of four characters, the last one
 * possibly ending in one or two '=', and '=' nowhere else (RFC 4648 4;
 * APR's decoder would stop there). *decoded is the length it decodes to,
 * known before anything is decoded: over MAX_DER is refused, a body longer
 * than MAX_B64 as soon as it is seen. */
static neg_cbt_result pem_body(const char *p, const char *e, char *b64,
                               size_t *decoded)
{
    size_t k = 0, pad = 0;

    for (; p < e; p++) {
        if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
            continue;
        if (*p == '=')
            pad++;
        else if (!is_b64(*p) || pad > 0)
            return NEG_CBT_BAD_BASE64;
        if (k == MAX_B64)
            return NEG_CBT_TOO_LARGE;
        b64[k++] = *p;
    }
    b64[k] = '\0';
    if (k == 0 || k % 4 != 0 || pad > 2)
        return NEG_CBT_BAD_BASE64;
    *decoded = k / 4 * 3 - pad;
    return *decoded > MAX_DER ? NEG_CBT_TOO_LARGE : NEG_CBT_OK;
}

neg_cbt_result neg_cbt_from_pem(const char *pem, neg_cbt *out)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    char b64[MAX_B64 + 1];
    unsigned char der[MAX_DER];
    const char *p = pem ? strstr(pem, begin) : NULL, *e;
    neg_cbt_result r;
    size_t len = 0;

    memset(out, 0, sizeof(*out));
    if (p == NULL || (e = strstr(p, end)) == NULL)
        return NEG_CBT_NOT_PEM;
    r = pem_body(p + sizeof(begin) - 1, e, b64, &len);
    if (r != NEG_CBT_OK)
        return r;
    /* APR writes exactly len bytes: the body is checked, and '=' or the
     * NUL ends it. */
    if (apr_base64_decode_binary(der, b64) != (int)len)
        return NEG_CBT_BAD_BASE64;
    return neg_cbt_from_der(der, len, out);
}

void neg_cbt_hash_prefix(const unsigned char *hash, size_t len, char out[17])
{
    size_t i;

    out[0] = '\0';
    for (i = 0; i < len && i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", hash[i]);
}

const char *neg_cbt_result_str(neg_cbt_result r)
{
    switch (r) {
    case NEG_CBT_OK:         return "ok";
    case NEG_CBT_NOT_PEM:    return "no PEM certificate";
    case NEG_CBT_BAD_BASE64: return "the PEM certificate is not valid base64";
    case NEG_CBT_BAD_DER:    return "not an X.509 certificate";
    case NEG_CBT_TOO_LARGE:  return "the certificate is too large";
    case NEG_CBT_UNSUPPORTED: return "the certificate is signed with SHA-224, "
                                     "whose hash this module cannot compute";
    }
    return "unknown";
}
