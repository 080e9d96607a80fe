/*
 * fuzz_identity.c - libFuzzer harness for what the module makes of a
 * ticket's PAC once Heimdal has verified it: src/logon/identity.c's identity
 * (the PAC decoded by src/wire/pac.c, the names, the SIDs), REMOTE_USER in each
 * format, the environment published to the application, and the session
 * text of src/wire/session_codec.c, decoded back.
 *
 * Input: the principal's name up to the first NUL, then the PAC. Checks:
 * an identity the module would grant (neg_identity_refusal: a realm, no
 * control characters) is published and kept in a session without loss (decoding
 * its text gives the same names, flags and SIDs); the session text of a
 * PAC's up to 4,096 SIDs is made in linear work (make fuzz runs it with a
 * time and a memory limit per input: the text was once rebuilt once per
 * SID, 317 MB for 4,096 of them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "apr_strings.h"
#include "apr_tables.h"

#include "identity.h"
#include "session_codec.h"

static apr_pool_t *root;

const char *__asan_default_options(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&root, NULL);
    return 0;
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void round_trip(apr_pool_t *p, const neg_identity *id)
{
    apr_time_t now = apr_time_from_sec(1800000000), expiry = 0;
    const char *text = neg_session_encode(p, id, now + apr_time_from_sec(300));
    neg_identity back;
    const char *why;
    size_t i;

    if (text == NULL)
        return;                         /* a name with a line break: not kept */
    why = neg_session_decode(p, text, now, apr_time_from_sec(300), &back, &expiry);
    if (why != NULL) {
        fprintf(stderr, "the session text of [%s] does not decode: %s\n",
                id->principal, why);
        abort();
    }
    if (!same(back.account, id->account) || !same(back.domain, id->domain)
        || !same(back.realm, id->realm) || !same(back.principal, id->principal)
        || back.machine != id->machine || back.n_sids != id->n_sids
        || back.binding != id->binding)
        abort();
    for (i = 0; i < id->n_sids; i++)
        if (!neg_sid_equal(&back.sids[i], &id->sids[i]))
            abort();
}

/* A small quarantine: memory freed by the libraries (Heimdal's decoder
 * grows a SEQUENCE OF by realloc, one element at a time) is reused, so
 * that the memory limit measures what the module keeps for an input, not
 * what AddressSanitizer holds back. */
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

/* The process's peak resident size (VmHWM), in kB. */
static long peak_kb(void)
{
    char line[128];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kb;
}

/* Linear work, in memory: an input of a few KB may not raise the peak by
 * more than 64 MB (a session text rebuilt once per SID did: 170 MB for
 * 4,096). Only inputs over 4 KB are measured (reading /proc costs). */
#define MAX_GROWTH_KB (64 * 1024)

static void one_input(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long before = size > 4096 ? peak_kb() : 0;

    one_input(data, size);
    if (size > 4096 && peak_kb() - before > MAX_GROWTH_KB) {
        fprintf(stderr, "an input of %zu bytes raised the peak memory by %ld kB\n",
                size, peak_kb() - before);
        abort();
    }
    return 0;
}

static void one_input(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    apr_pool_t *p;
    neg_identity id;
    apr_table_t *env;
    const char *principal, *tag;

    if (nul == NULL)
        return;
    apr_pool_create(&p, root);
    principal = apr_pstrndup(p, (const char *)data, (apr_size_t)(nul - data));
    /* what the module would grant: made, and fit to be published */
    if (neg_identity_from_kerberos(&id, p, principal, nul + 1,
                                   size - (size_t)(nul + 1 - data), NULL) == NULL
        && neg_identity_refusal(&id, p, &tag) == NULL) {
        id.binding = NEG_BIND_BOUND;
        id.service = "HTTP/localhost@EXAMPLE.TEST";
        id.proved_at = apr_time_from_sec(1799999990);
        env = apr_table_make(p, 8);
        neg_identity_publish(&id, env, p, 0, 0);
        if (apr_table_get(env, "NEGOTIATE_PRINCIPAL") == NULL)
            abort();
        neg_identity_name(&id, NEG_USER_UPN, p);
        neg_identity_name(&id, NEG_USER_DOWN_LEVEL, p);
        round_trip(p, &id);
    }
    apr_pool_destroy(p);
}
