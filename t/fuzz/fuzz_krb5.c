/*
 * fuzz_krb5.c - libFuzzer harness for what the module does with a Kerberos
 * token it refuses: src/wire/spnego.c's parse, then src/krb5/krb5_accept.c's accept
 * (the clear-text checks, the ticket cache's look-up, Heimdal's acceptor)
 * and its description of the failure, with an acceptor whose keytab holds
 * a random key nobody else has.
 *
 * Nothing can be accepted (abort if it is), and the refusal's text, which
 * goes into one log line, must stay short whatever the input (abort over
 * 2 KB). make fuzz runs it with a time and a memory limit per input and
 * inputs of up to 64 KB, so that work that grows faster than the input
 * (the failure description once rebuilt a name once per component: 22,000
 * empty components cost 280 MB) fails it: regressions/krb5/ keeps that
 * token.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "kerberos.h"
#include "spnego.h"

static apr_pool_t *root;
static neg_krb5_acceptor *acceptor;

/* A keytab with one random key of HTTP/localhost@EXAMPLE.TEST. */
static void make_keytab(const char *path)
{
    krb5_context kctx;
    krb5_keytab kt;
    krb5_keytab_entry e;
    char name[256];

    snprintf(name, sizeof(name), "WRFILE:%s", path);
    memset(&e, 0, sizeof(e));
    if (krb5_init_context(&kctx) != 0 || krb5_kt_resolve(kctx, name, &kt) != 0
        || krb5_parse_name(kctx, "HTTP/localhost@EXAMPLE.TEST", &e.principal) != 0
        || krb5_generate_random_keyblock(kctx, ETYPE_AES256_CTS_HMAC_SHA1_96,
                                         &e.keyblock) != 0)
        abort();
    e.vno = 2;
    e.timestamp = (uint32_t)time(NULL);
    if (krb5_kt_add_entry(kctx, kt, &e) != 0)
        abort();
    krb5_kt_free_entry(kctx, &e);
    krb5_kt_close(kctx, kt);
    krb5_free_context(kctx);
}

const char *__asan_default_options(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* At exit: the acceptor and its Heimdal state freed (LeakSanitizer). */
static void release(void)
{
    neg_krb5_release(acceptor);
    apr_pool_destroy(root);
    apr_terminate();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[] = "/tmp/neg-fuzz-krb5-XXXXXX";
    const char *err = NULL, *warn = NULL;
    int fd = mkstemp(path);

    (void)argc;
    (void)argv;
    if (fd < 0)
        abort();
    close(fd);
    unlink(path);
    make_keytab(path);
    apr_initialize();
    apr_pool_create(&root, NULL);
    if (!neg_krb5_init(root))
        abort();
    acceptor = neg_krb5_acquire(path, NULL, root, &err, &warn);
    unlink(path);           /* the keys are in memory now */
    if (acceptor == NULL)
        abort();
    atexit(release);
    return 0;
}

static void refuse(apr_pool_t *p, const unsigned char *tok, size_t len, int cache)
{
    neg_krb5_result res;

    if (neg_krb5_accept_keep(acceptor, tok, len, p, NULL, NULL, 0, cache, NULL, &res))
        abort();                        /* nobody has the key */
    if (res.error == NULL || strlen(res.error) > 2048)
        abort();                        /* one short log line */
}

/* A small quarantine: memory freed by the libraries (Heimdal's decoder
 * grows a SEQUENCE OF by realloc, one element at a time) is reused, so
 * that the memory limit measures what the module keeps for an input, not
 * what AddressSanitizer holds back. */
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    neg_token tok;

    apr_pool_create(&p, root);
    if (neg_token_parse(data, size, &tok) == NEG_PARSE_OK && tok.mech_token.len > 0
        && (tok.kind == NEG_TOKEN_RAW_KRB5 || tok.kind == NEG_TOKEN_SPNEGO_INIT))
        refuse(p, tok.mech_token.data, tok.mech_token.len, size % 2);
    else
        refuse(p, data, size, size % 2);
    apr_pool_destroy(p);
    return 0;
}
