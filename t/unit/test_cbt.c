/*
 * test_cbt.c - tls-server-end-point channel bindings (src/wire/cbt.c) for
 * certificates of every signature family, against bindings computed apart
 * from the module (cbt_vectors.h), malformed input, and certificates and
 * PEM bodies just under, at and over the 16 KB limit (refused before they
 * are decoded: a 21,852-character body was once decoded 2 bytes past the
 * end of the buffer).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_base64.h"

#include "cbt.h"
#include "check.h"
#include "cbt_vectors.h"

/* Every base64 decode of src/wire/cbt.c comes here: this definition takes the
 * place of APR's in this program. APR's decoder is not instrumented, so
 * ASan cannot see it write past a buffer; this one decodes into a heap
 * buffer of the size APR asks for and copies the bytes out with memcpy(),
 * which ASan checks. And it remembers the longest output: src/wire/cbt.c must
 * refuse a body of more than 16,384 bytes before decoding it. */
static size_t longest_decode;

int apr_base64_decode_binary(unsigned char *out, const char *in)
{
    static int (*apr_decode)(unsigned char *, const char *);
    unsigned char *tmp = malloc((size_t)apr_base64_decode_len(in));
    int n;

    if (apr_decode == NULL)
        *(void **)&apr_decode = dlsym(RTLD_NEXT, "apr_base64_decode_binary");
    n = apr_decode(tmp, in);
    if (n > 0) {
        memcpy(out, tmp, (size_t)n);
        if ((size_t)n > longest_decode)
            longest_decode = (size_t)n;
    }
    free(tmp);
    return n;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = '\0';
}

static void test_vectors(void)
{
    char hex[2 * NEG_CBT_MAX_HASH + 1], msg[160];
    size_t i;

    for (i = 0; i < sizeof(cbt_vectors) / sizeof(cbt_vectors[0]); i++) {
        const cbt_vector *t = &cbt_vectors[i];
        neg_cbt c;

        snprintf(msg, sizeof(msg), "%s: parses", t->name);
        CHECK(neg_cbt_from_pem(t->pem, &c) == NEG_CBT_OK, msg);
        snprintf(msg, sizeof(msg), "%s: hash %s", t->name, t->hash_name);
        CHECK(c.hash_name && strcmp(c.hash_name, t->hash_name) == 0, msg);
        snprintf(msg, sizeof(msg), "%s: application data is the prefix and the hash", t->name);
        to_hex(c.app_data + NEG_CBT_PREFIX_LEN, c.app_data_len - NEG_CBT_PREFIX_LEN, hex);
        CHECK(memcmp(c.app_data, "tls-server-end-point:", 21) == 0
              && strcmp(hex, t->hash_hex) == 0, msg);
        snprintf(msg, sizeof(msg), "%s: NTLM's MD5 of the bindings structure", t->name);
        to_hex(c.ntlm, 16, hex);
        CHECK(strcmp(hex, t->ntlm_hex) == 0, msg);
    }
}

static void test_malformed(void)
{
    const char *pem = cbt_vectors[0].pem;
    char buf[4096];
    neg_cbt c;
    char *p;

    CHECK(neg_cbt_from_pem(NULL, &c) == NEG_CBT_NOT_PEM, "NULL: no PEM");
    CHECK(neg_cbt_from_pem("hello", &c) == NEG_CBT_NOT_PEM, "no BEGIN line: no PEM");
    CHECK(neg_cbt_from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n", &c) == NEG_CBT_NOT_PEM,
          "no END line: no PEM");
    snprintf(buf, sizeof(buf), "%s", pem);
    p = strstr(buf, "\n") + 5;
    *p = '*';
    CHECK(neg_cbt_from_pem(buf, &c) == NEG_CBT_BAD_BASE64, "a byte outside base64");
    snprintf(buf, sizeof(buf), "%s", pem);
    p = strstr(buf, "\n") + 1;
    memmove(p, p + 1, strlen(p));           /* one character less */
    CHECK(neg_cbt_from_pem(buf, &c) == NEG_CBT_BAD_BASE64, "a length that is not a multiple of 4");
    CHECK(neg_cbt_from_pem("-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
                           &c) == NEG_CBT_BAD_DER, "zeros: not a certificate");
    CHECK(neg_cbt_from_der((const unsigned char *)"\x30\x03\x02\x01", 4, &c) == NEG_CBT_BAD_DER,
          "truncated DER");
}

/* ---------------------------------------------------------------- sizes
 * Certificates (and PEM-framed bytes) around the size limit, 16,384 bytes
 * of DER: base64 of more than that must be refused before it is decoded
 * (a 21,852-character body decodes to 16,389 bytes). */

#define LIMIT 16384

/* A PEM block of the bytes, 64 base64 characters a line; malloc()ed. */
static char *pem_of(const unsigned char *der, size_t len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
    static const char end[] = "-----END CERTIFICATE-----\n";
    char *b64 = malloc((size_t)apr_base64_encode_len((int)len));
    size_t n = (size_t)apr_base64_encode_binary(b64, der, (int)len) - 1, i;   /* NUL */
    char *pem = malloc(sizeof(begin) + n + n / 64 + 1 + sizeof(end)), *p = pem;

    p += sprintf(p, "%s", begin);
    for (i = 0; i < n; i += 64)
        p += sprintf(p, "%.64s\n", b64 + i);
    sprintf(p, "%s", end);
    free(b64);
    return pem;
}

/* The DER of a PEM block: the base64 between its lines. */
static size_t der_of_pem(const char *pem, unsigned char *out)
{
    char b64[8192];
    size_t k = 0;
    const char *p = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");

    for (; p < e && k < sizeof(b64) - 1; p++) {
        if (*p != '\n')
            b64[k++] = *p;
    }
    b64[k] = '\0';
    return (size_t)apr_base64_decode_binary(out, b64);
}

/* The DER element at p: the size of its tag and length, and the whole
 * size. Short form or 0x81/0x82, which is all the vectors use. */
static size_t header_size(const unsigned char *p)
{
    return p[1] < 0x80 ? 2 : 2 + (size_t)(p[1] & 0x7f);
}

static size_t element_size(const unsigned char *p)
{
    if (p[1] < 0x80)
        return 2 + p[1];
    if (p[1] == 0x81)
        return 3 + p[2];
    return 4 + ((size_t)p[2] << 8 | p[3]);
}

static void put_header(unsigned char *p, unsigned char tag, size_t len)
{
    p[0] = tag;
    p[1] = 0x82;
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
}

/* A certificate of exactly total bytes (256 + the vector's, up to 64 KB):
 * the first vector's tbsCertificate and signatureAlgorithm, and a
 * signature BIT STRING long enough. Heimdal decodes it (the signature is
 * not verified: a binding is a hash of the bytes). malloc()ed. */
static unsigned char *cert_of_size(size_t total)
{
    unsigned char vec[4096], *der = malloc(total);
    const unsigned char *tbs;
    size_t tbs_alg, sig;

    der_of_pem(cbt_vectors[0].pem, vec);
    tbs = vec + header_size(vec);
    tbs_alg = element_size(tbs);
    tbs_alg += element_size(tbs + tbs_alg);
    sig = total - 8 - tbs_alg;              /* 30 82 LL LL ... 03 82 LL LL */
    put_header(der, 0x30, total - 4);
    memcpy(der + 4, tbs, tbs_alg);
    put_header(der + 4 + tbs_alg, 0x03, sig);
    der[8 + tbs_alg] = 0;                   /* no unused bits */
    memset(der + 9 + tbs_alg, 0xa5, sig - 1);
    return der;
}

static void test_sizes_certificates(void)
{
    static const size_t sizes[] = { LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 5 };
    char msg[160];
    size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *der = cert_of_size(sizes[i]);
        char *pem = pem_of(der, sizes[i]);
        neg_cbt_result want = sizes[i] <= LIMIT ? NEG_CBT_OK : NEG_CBT_TOO_LARGE;
        neg_cbt a, b;

        snprintf(msg, sizeof(msg), "a %zu-byte certificate: %s", sizes[i],
                 neg_cbt_result_str(want));
        longest_decode = 0;
        CHECK(neg_cbt_from_der(der, sizes[i], &a) == want
              && neg_cbt_from_pem(pem, &b) == want, msg);
        snprintf(msg, sizeof(msg), "a %zu-byte certificate: %s", sizes[i],
                 sizes[i] <= LIMIT ? "decoded" : "refused before it is decoded");
        CHECK(longest_decode == (sizes[i] <= LIMIT ? sizes[i] : 0), msg);
        snprintf(msg, sizeof(msg), "a %zu-byte certificate: the same binding "
                 "from PEM and DER", sizes[i]);
        CHECK(memcmp(&a, &b, sizeof(a)) == 0, msg);
        free(pem);
        free(der);
    }
}

static void test_sizes_bytes(void)
{
    static const size_t sizes[] = {
        LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, LIMIT + 3, LIMIT + 4, LIMIT + 5,
        LIMIT + 6, 21852, 1 << 20
    };
    char msg[160];
    size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *bytes = calloc(1, sizes[i]);
        char *pem = pem_of(bytes, sizes[i]);
        neg_cbt_result want = sizes[i] <= LIMIT ? NEG_CBT_BAD_DER : NEG_CBT_TOO_LARGE;
        neg_cbt c;

        snprintf(msg, sizeof(msg), "PEM of %zu zero bytes: %s", sizes[i],
                 neg_cbt_result_str(want));
        longest_decode = 0;
        CHECK(neg_cbt_from_pem(pem, &c) == want, msg);
        snprintf(msg, sizeof(msg), "PEM of %zu zero bytes: %s", sizes[i],
                 sizes[i] <= LIMIT ? "decoded" : "refused before it is decoded");
        CHECK(longest_decode == (sizes[i] <= LIMIT ? sizes[i] : 0), msg);
        free(pem);
        free(bytes);
    }
}

/* Padding only at the end, at most two '=' (RFC 4648 4). */
static void test_padding(void)
{
    neg_cbt c;

#define PEM(body) "-----BEGIN CERTIFICATE-----\n" body "\n-----END CERTIFICATE-----\n"
    CHECK(neg_cbt_from_pem(PEM("MA=="), &c) == NEG_CBT_BAD_DER, "padding: one byte");
    CHECK(neg_cbt_from_pem(PEM("MAA="), &c) == NEG_CBT_BAD_DER, "padding: two bytes");
    CHECK(neg_cbt_from_pem(PEM("MA==AAAA"), &c) == NEG_CBT_BAD_BASE64,
          "padding: '=' before the end");
    CHECK(neg_cbt_from_pem(PEM("MA=A"), &c) == NEG_CBT_BAD_BASE64,
          "padding: a character after '='");
    CHECK(neg_cbt_from_pem(PEM("M==="), &c) == NEG_CBT_BAD_BASE64,
          "padding: three '='");
    CHECK(neg_cbt_from_pem(PEM("===="), &c) == NEG_CBT_BAD_BASE64,
          "padding: only '='");
#undef PEM
}

static void test_prefix(void)
{
    const unsigned char h[10] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5 };
    char out[17];

    neg_cbt_hash_prefix(h, sizeof(h), out);
    CHECK(strcmp(out, "deadbeef00010203") == 0, "hash prefix: the first 8 bytes in hex");
}

int main(void)
{
    test_vectors();
    test_malformed();
    test_sizes_certificates();
    test_sizes_bytes();
    test_padding();
    test_prefix();
    return check_summary();
}
