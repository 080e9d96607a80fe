/*
 * fuzz_header.c - libFuzzer harness for src/wire/header.c: neg_header_parse and
 * neg_header_decode on an Authorization header value.
 *
 * Build and run (or `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       $(for d in src/?*; do echo -I$d; done) $(apr-1-config --cflags --cppflags --includes) \
 *       t/fuzz/fuzz_header.c src/wire/header.c -o /tmp/fuzz_header \
 *       $(apr-1-config --link-ld) $(apu-1-config --link-ld)
 *   /tmp/fuzz_header -max_total_time=60 t/fuzz/corpus/header
 *
 * The input is the header value (up to its first NUL, as httpd hands it
 * over), parsed under three limits. A success must point into the value,
 * respect the limit, and decode into a buffer of exactly decoded_len bytes
 * (a heap buffer of that size, so ASan sees any write past it) with that
 * many bytes written; the decoded bytes must survive an APR base64 round
 * trip.
 */
#include "header.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_base64.h"

static void check_in(const char *p, size_t n, const char *value, size_t vlen)
{
    if (n == 0)
        return;
    if (p == NULL || p < value || n > vlen || (size_t)(p - value) > vlen - n)
        abort();
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

static void round_trip(const unsigned char *bin, size_t n)
{
    char *enc = malloc((size_t)apr_base64_encode_len((int)n));
    unsigned char *back;
    int m;

    if (enc == NULL)
        return;
    apr_base64_encode_binary(enc, bin, (int)n);
    back = malloc((size_t)apr_base64_decode_len(enc));
    if (back == NULL) {
        free(enc);
        return;
    }
    m = apr_base64_decode_binary(back, enc);
    if (m < 0 || (size_t)m != n || memcmp(back, bin, n) != 0)
        abort();
    free(back);
    free(enc);
}

static void one(const char *value, size_t vlen, size_t max)
{
    neg_auth_header h;
    neg_hdr_result r = neg_header_parse(value, max, &h);
    unsigned char *buf;
    size_t i, n;

    if (neg_hdr_result_str(r) == NULL || neg_scheme_name(h.scheme) == NULL)
        abort();
    check_in(h.scheme_name, h.scheme_len, value, vlen);
    if (r != NEG_HDR_OK || h.scheme == NEG_SCHEME_OTHER)
        return;
    if (h.scheme == NEG_SCHEME_NONE || h.b64_len == 0 || h.decoded_len == 0
        || h.decoded_len > max || h.b64_len % 4 != 0
        || h.decoded_len > h.b64_len / 4 * 3 || h.decoded_len + 2 < h.b64_len / 4 * 3)
        abort();
    check_in(h.b64, h.b64_len, value, vlen);
    for (i = 0; i < h.b64_len; i++) {
        if (!is_b64(h.b64[i]))
            abort();
    }
    /* the token ends at the end of the value or at white space */
    if (h.b64[h.b64_len] != '\0' && h.b64[h.b64_len] != ' ' && h.b64[h.b64_len] != '\t')
        abort();
    buf = malloc(h.decoded_len);
    if (buf == NULL)
        return;
    n = neg_header_decode(&h, buf);
    if (n != h.decoded_len)
        abort();
    round_trip(buf, n);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = malloc(size + 1);
    size_t vlen;

    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = '\0';
    vlen = strlen(value);
    one(value, vlen, 65536);            /* NegotiateMaxTokenSize default */
    one(value, vlen, 256);              /* its minimum */
    one(value, vlen, vlen / 2);         /* around the length of the input */
    free(value);
    return 0;
}
