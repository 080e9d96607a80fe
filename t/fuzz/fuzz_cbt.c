/*
 * fuzz_cbt.c - libFuzzer harness for src/wire/cbt.c: neg_cbt_from_der on the
 * input as a server certificate, neg_cbt_from_pem on the input as text and
 * framed as the body of a PEM block.
 *
 * Build and run (or `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       $(for d in src/?*; do echo -I$d; done) -I/usr/include/heimdal -I/usr/include/apr-1.0 -D_GNU_SOURCE \
 *       t/fuzz/fuzz_cbt.c src/wire/cbt.c -o /tmp/fuzz_cbt \
 *       -L/usr/lib/x86_64-linux-gnu/heimdal -lasn1 -lhcrypto -lroken -laprutil-1
 *   /tmp/fuzz_cbt -max_total_time=60 t/fuzz/corpus/cbt
 *
 * The seeds are the DER and PEM of t/unit/cbt_vectors.h. A binding must be
 * "tls-server-end-point:" and a SHA-256/384/512 hash, its NTLM form the
 * MD5 of that; a failure must leave the output zeroed; a certificate
 * accepted as DER must give the same binding as its PEM. APR's base64
 * decoder is replaced by one that ASan watches (see the function).
 */
#include "cbt.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_base64.h"

#define MAX_DER 16384       /* src/wire/cbt.c's limit */

/* Takes the place of APR's decoder for src/wire/cbt.c, which is not
 * instrumented: decode into a heap buffer of the size APR asks for, copy
 * out with memcpy() (which ASan checks against the caller's buffer), and
 * abort past src/wire/cbt.c's limit, which it must refuse before decoding
 * (regressions/cbt/pem-body-of-16389-bytes: 2 bytes past its buffer). */
int apr_base64_decode_binary(unsigned char *out, const char *in)
{
    static int (*apr_decode)(unsigned char *, const char *);
    unsigned char *tmp = malloc((size_t)apr_base64_decode_len(in));
    int n;

    if (apr_decode == NULL)
        *(void **)&apr_decode = dlsym(RTLD_NEXT, "apr_base64_decode_binary");
    n = apr_decode(tmp, in);
    if (n > 0)
        memcpy(out, tmp, (size_t)n);
    if (n > MAX_DER)
        abort();
    free(tmp);
    return n;
}

static void check(neg_cbt_result r, const neg_cbt *c)
{
    static const neg_cbt zero;
    unsigned char ntlm[16];
    size_t hash;

    if (neg_cbt_result_str(r) == NULL)
        abort();
    if (r != NEG_CBT_OK) {
        if (memcmp(c, &zero, sizeof(zero)) != 0 && r != NEG_CBT_UNSUPPORTED)
            abort();
        return;
    }
    hash = c->app_data_len - NEG_CBT_PREFIX_LEN;
    if (c->app_data_len < NEG_CBT_PREFIX_LEN || (hash != 32 && hash != 48 && hash != 64)
        || memcmp(c->app_data, NEG_CBT_PREFIX, NEG_CBT_PREFIX_LEN) != 0
        || c->hash_name == NULL)
        abort();
    neg_cbt_gss_hash(c->app_data, c->app_data_len, ntlm);
    if (memcmp(ntlm, c->ntlm, sizeof(ntlm)) != 0)
        abort();
}

/* The bytes as a PEM certificate: base64, framed. */
static void check_as_pem_of(const uint8_t *data, size_t size, const neg_cbt *der)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
    static const char end[] = "\n-----END CERTIFICATE-----\n";
    char *pem = malloc(sizeof(begin) + (size_t)apr_base64_encode_len((int)size)
                       + sizeof(end));
    size_t n = sizeof(begin) - 1;
    neg_cbt c;

    memcpy(pem, begin, n);
    n += (size_t)apr_base64_encode_binary(pem + n, data, (int)size) - 1;   /* NUL */
    memcpy(pem + n, end, sizeof(end));
    if (neg_cbt_from_pem(pem, &c) != NEG_CBT_OK || memcmp(&c, der, sizeof(c)) != 0)
        abort();
    free(pem);
}

/* The bytes as the body of a PEM block, and as a whole PEM text. */
static void check_text(const uint8_t *data, size_t size)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
    static const char end[] = "\n-----END CERTIFICATE-----\n";
    char *text = malloc(sizeof(begin) + size + sizeof(end));
    neg_cbt c;

    memcpy(text, begin, sizeof(begin) - 1);
    memcpy(text + sizeof(begin) - 1, data, size);
    memcpy(text + sizeof(begin) - 1 + size, end, sizeof(end));
    check(neg_cbt_from_pem(text, &c), &c);
    memcpy(text, data, size);
    text[size] = '\0';
    check(neg_cbt_from_pem(text, &c), &c);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    neg_cbt c;
    neg_cbt_result r = neg_cbt_from_der(data, size, &c);

    check(r, &c);
    if (r == NEG_CBT_OK)
        check_as_pem_of(data, size, &c);
    check_text(data, size);
    return 0;
}
