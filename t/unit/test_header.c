/* Unit tests of src/wire/header.c: the Authorization header and strict base64. */
#include <stdio.h>
#include <string.h>

#include "header.h"

#include "check.h"

static neg_hdr_result parse(const char *v, size_t max, neg_auth_header *h)
{
    return neg_header_parse(v, max, h);
}

static void test_schemes(void)
{
    neg_auth_header h;

    CHECK(parse("Negotiate YII=", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_NEGOTIATE,
          "Negotiate scheme");
    CHECK(parse("negotiate YII=", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_NEGOTIATE,
          "scheme is case-insensitive");
    CHECK(parse("NTLM TlRMTVNTUAABAAAA", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_NTLM,
          "NTLM scheme");
    CHECK(parse("Basic YWxpY2U6cHc=", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_BASIC
          && h.decoded_len == 8, "Basic scheme with its token checked");
    CHECK(parse("Digest username=\"a\"", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_OTHER
          && h.scheme_len == 6 && strncmp(h.scheme_name, "Digest", 6) == 0,
          "other scheme reported with its name");
    CHECK(parse("NegotiateX YII=", 100, &h) == NEG_HDR_OK && h.scheme == NEG_SCHEME_OTHER,
          "a longer scheme name is another scheme");
    CHECK(parse("", 100, &h) == NEG_HDR_EMPTY, "empty header");
    CHECK(parse("   \t ", 100, &h) == NEG_HDR_EMPTY, "blank header");
    CHECK(parse(NULL, 100, &h) == NEG_HDR_EMPTY, "NULL header");
    CHECK(parse("Negotiate", 100, &h) == NEG_HDR_NO_TOKEN, "scheme without token");
    CHECK(parse("Negotiate    ", 100, &h) == NEG_HDR_NO_TOKEN, "scheme with only spaces");
}

static void test_tokens(void)
{
    neg_auth_header h;
    unsigned char out[64];

    CHECK(parse("  Negotiate   YWJj  ", 100, &h) == NEG_HDR_OK && h.b64_len == 4
          && h.decoded_len == 3, "surrounding spaces are trimmed");
    CHECK(neg_header_decode(&h, out) == 3 && memcmp(out, "abc", 3) == 0, "decodes abc");
    CHECK(parse("Negotiate YWI=", 100, &h) == NEG_HDR_OK && h.decoded_len == 2, "one pad");
    CHECK(neg_header_decode(&h, out) == 2 && memcmp(out, "ab", 2) == 0, "decodes ab");
    CHECK(parse("Negotiate YQ==", 100, &h) == NEG_HDR_OK && h.decoded_len == 1, "two pads");
    CHECK(neg_header_decode(&h, out) == 1 && out[0] == 'a', "decodes a");
    CHECK(parse("Negotiate +/+/", 100, &h) == NEG_HDR_OK && h.decoded_len == 3, "+ and /");
    CHECK(parse("Negotiate YWJ", 100, &h) == NEG_HDR_BAD_BASE64, "length not a multiple of 4");
    CHECK(parse("Negotiate YW=j", 100, &h) == NEG_HDR_BAD_BASE64, "padding in the middle");
    CHECK(parse("Negotiate Y===", 100, &h) == NEG_HDR_BAD_BASE64, "three pads");
    CHECK(parse("Negotiate ====", 100, &h) == NEG_HDR_BAD_BASE64, "only padding");
    CHECK(parse("Negotiate YW-j", 100, &h) == NEG_HDR_BAD_BASE64, "url-safe alphabet refused");
    CHECK(parse("Negotiate YW\x01j", 100, &h) == NEG_HDR_BAD_BASE64, "control byte refused");
    CHECK(parse("Negotiate YW\xffj", 100, &h) == NEG_HDR_BAD_BASE64, "high byte refused");
    CHECK(parse("Negotiate YWJj, Negotiate YWJj", 100, &h) == NEG_HDR_BAD_SYNTAX,
          "two merged headers refused");
    CHECK(parse("Negotiate YWJj YWJj", 100, &h) == NEG_HDR_BAD_SYNTAX, "two tokens refused");
}

static void test_limits(void)
{
    neg_auth_header h;
    char big[4 * 1000 + 16];

    memcpy(big, "Negotiate ", 10);
    memset(big + 10, 'A', 4 * 1000);
    big[10 + 4 * 1000] = '\0';
    CHECK(parse(big, 3000, &h) == NEG_HDR_OK && h.decoded_len == 3000, "exactly at the limit");
    CHECK(parse(big, 2999, &h) == NEG_HDR_TOO_LARGE, "one byte over the limit");
    CHECK(parse(big, 10, &h) == NEG_HDR_TOO_LARGE, "far over the limit");
    big[10 + 4 * 999 + 3] = '!';
    CHECK(parse(big, 2000, &h) == NEG_HDR_TOO_LARGE, "size checked before the alphabet");
}

int main(void)
{
    test_schemes();
    test_tokens();
    test_limits();
    return check_summary();
}
