/*
 * test_cbt.c - tls-server-end-point channel bindings (src/cbt.c) for
 * certificates of every signature family, against bindings computed apart
 * from the module (cbt_vectors.h), and malformed input.
 */
#include <stdio.h>
#include <string.h>

#include "cbt.h"
#include "check.h"
#include "cbt_vectors.h"

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
    test_prefix();
    return check_summary();
}
