/*
 * fuzz_pac.c - libFuzzer harness for src/wire/pac.c.
 *
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined $(for d in src/?*; do echo -I$d; done) \
 *       t/fuzz/fuzz_pac.c src/wire/pac.c -o /tmp/fuzz_pac
 *   /tmp/fuzz_pac -max_total_time=60
 *
 * A good seed is the real PAC of t/unit/pac_vectors.h written to a file.
 * Every input is decoded; a success must leave every field inside the
 * input, every SID printable and parseable back to itself, and no SID
 * twice; a failure must leave the output empty.
 */
#include "pac.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static neg_pac pac;     /* about 70 KB: not on the stack */

static void check_inside(neg_utf16 s, const uint8_t *data, size_t size)
{
    if (s.len == 0)
        return;
    if (s.data < data || s.len > size || (size_t)(s.data - data) > size - s.len
        || s.len % 2 != 0)
        abort();
}

static void check_sid_round_trip(const neg_sid *sid)
{
    char str[NEG_SID_STRING_MAX];
    neg_sid back;

    if (sid->count > 15 || neg_sid_to_string(sid, str, sizeof(str)) == 0
        || !neg_sid_from_string(str, &back) || !neg_sid_equal(sid, &back))
        abort();
}

static void check_sids(void)
{
    size_t i, j;

    if (pac.n_sids < 1 || pac.n_sids > NEG_PAC_MAX_SIDS)
        abort();
    for (i = 0; i < pac.n_sids; i++) {
        check_sid_round_trip(&pac.sids[i]);
        for (j = 0; j < i; j++) {
            if (neg_sid_equal(&pac.sids[i], &pac.sids[j]))
                abort();
        }
    }
    check_sid_round_trip(&pac.logon_domain_sid);
}

static void check_empty(void)
{
    if (pac.n_sids != 0 || pac.has_logon_info || pac.effective_name.len
        || pac.logon_domain_name.len || pac.upn.len || pac.dns_domain.len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    neg_pac_result r = neg_pac_decode(data, size, &pac);

    if (neg_pac_result_str(r) == NULL)
        abort();
    if (r != NEG_PAC_OK) {
        check_empty();
        return 0;
    }
    if (!pac.has_logon_info)
        abort();
    check_inside(pac.effective_name, data, size);
    check_inside(pac.logon_domain_name, data, size);
    check_inside(pac.upn, data, size);
    check_inside(pac.dns_domain, data, size);
    check_sids();
    return 0;
}
