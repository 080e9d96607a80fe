/*
 * fuzz_spnego.c - libFuzzer harness for src/wire/spnego.c.
 *
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined $(for d in src/?*; do echo -I$d; done) \
 *       t/fuzz/fuzz_spnego.c src/wire/spnego.c -o /tmp/fuzz_spnego
 *   /tmp/fuzz_spnego -max_total_time=60
 *
 * Every input is parsed; a successful parse is re-encoded as a NegTokenResp
 * from its fields, and that encoding must parse back to the same fields.
 */
#include "spnego.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int same_bytes(neg_bytes a, neg_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void check_fields_in_input(const neg_token *t, const uint8_t *data,
                                  size_t size)
{
    const neg_bytes *f[3];
    size_t i;

    f[0] = &t->mech_token;
    f[1] = &t->mech_list_mic;
    f[2] = &t->mech_list;
    for (i = 0; i < 3; i++) {
        if (f[i]->len == 0)
            continue;
        if (f[i]->data < data || f[i]->len > size
            || (size_t)(f[i]->data - data) > size - f[i]->len)
            abort();
    }
    if (t->n_mechs > NEG_MAX_MECHS)
        abort();
}

static void reencode_as_resp(const neg_token *t)
{
    neg_mech mech = t->supported_mech == NEG_MECH_OTHER ? NEG_MECH_NONE
                                                        : t->supported_mech;
    size_t need, n;
    unsigned char *buf;
    neg_token back;

    need = neg_encode_resp(t->neg_state, mech, t->mech_token.data,
                           t->mech_token.len, t->mech_list_mic.data,
                           t->mech_list_mic.len, NULL, 0);
    if (need == 0)
        abort();
    buf = malloc(need);
    if (buf == NULL)
        return;
    n = neg_encode_resp(t->neg_state, mech, t->mech_token.data,
                        t->mech_token.len, t->mech_list_mic.data,
                        t->mech_list_mic.len, buf, need);
    if (n != need || neg_token_parse(buf, n, &back) != NEG_PARSE_OK)
        abort();
    if (back.kind != NEG_TOKEN_SPNEGO_RESP || back.neg_state != t->neg_state
        || back.supported_mech != mech
        || !same_bytes(back.mech_token, t->mech_token)
        || !same_bytes(back.mech_list_mic, t->mech_list_mic))
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    neg_token t;
    neg_parse_result r;

    r = neg_token_parse(data, size, &t);
    if (neg_parse_result_str(r) == NULL || neg_mech_name(t.mechs[0]) == NULL)
        abort();
    if (r != NEG_PARSE_OK) {
        if (t.kind != NEG_TOKEN_INVALID)
            abort();
        return 0;
    }
    check_fields_in_input(&t, data, size);
    reencode_as_resp(&t);
    return 0;
}
