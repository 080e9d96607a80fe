/*
 * session_memo.c - a per-process memo of mod_session's decoding of
 * encrypted session cookies (see session_memo.h).
 *
 * mod_session decodes a session with its session_decode hooks, in order:
 * mod_session_crypto (APR_HOOK_FIRST) replaces the cookie's text by its
 * plaintext, mod_session (APR_HOOK_REALLY_LAST) parses the plaintext into
 * the session's entries and expiry. The memo runs before both (lookup) and
 * after both (store):
 *   lookup: key = SHA-256 over the configuration generation, the
 *     location's passphrases and cipher (their text: a configuration read
 *     from .htaccess is made anew for each request) and the cookie's text.
 *     A hit fills the entries and expiry and empties the text, so that
 *     neither later hook has anything left to do; a miss remembers the key
 *     for the store hook of this same decoding.
 *   store: after mod_session_crypto accepted the cookie (a cookie it
 *     refuses stops the hooks: store never sees it) and mod_session parsed
 *     it, the entries and expiry are kept under that key.
 * A hit therefore gives what decoding that same text under that same
 * configuration gives; nothing else is ever memoised. The slots are
 * direct-mapped (a newer session takes an older one's place) and bounded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE                     /* RTLD_DEFAULT */
#endif
#include "session_memo.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <hcrypto/evp.h>

#include "ap_mpm.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_session.h"
#include "apr_hooks.h"
#include "apr_strings.h"

#include "config.h"
#include "session_codec.h"
#include "status.h"

APLOG_USE_MODULE(auth_negotiate);

#define MEMO_SLOTS 1024                 /* per process */
#define MEMO_MAX_BLOB 8192              /* bigger sessions are not kept */
#define MEMO_NOTE "mod_auth_negotiate:session-memo"

typedef struct {
    unsigned char key[32];
    int used;
    apr_time_t expiry;                  /* the session's, as decoded */
    apr_size_t len;
    char *blob;                         /* malloc'd */
} memo_slot;

static memo_slot slots[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

/* A miss: the key, for the store hook of the same decoding. The lookup
 * hook runs first in every decoding and clears it, so a key is only ever
 * used by the decoding that made it (an internal redirect shares r->pool
 * and the session_rec: a key left by a decoding that mod_session_crypto
 * refused must not be used by a later one where no passphrase applies). */
typedef struct {
    const request_rec *r;
    const session_rec *z;
    const neg_crypto_conf_view *crypto;
    unsigned char key[32];
} pending_key;

/* mod_session and mod_session_crypto, found once per configuration pass
 * (in pre_config: LoadModule has run) rather than by a walk of the module
 * list on every request. */
static module *session_mod, *crypto_mod;

const session_dir_conf *neg_session_conf(request_rec *r)
{
    return session_mod ? ap_get_module_config(r->per_dir_config, session_mod) : NULL;
}

const neg_crypto_conf_view *neg_session_crypto_conf(request_rec *r)
{
    const neg_crypto_conf_view *c;

    if (crypto_mod == NULL)
        return NULL;
    c = ap_get_module_config(r->per_dir_config, crypto_mod);
    if (c != NULL && c->passphrases_set == 1 && c->passphrases != NULL
        && c->passphrases->nelts > 0
        && c->passphrases->elt_size == (int)sizeof(const char *))
        return c;
    return NULL;
}

/* ------------------------------------------------------------- the key */

static int memo_applies(request_rec *r, const neg_crypto_conf_view **crypto)
{
    const neg_dir_conf *c = ap_get_module_config(r->per_dir_config,
                                                 &auth_negotiate_module);

    if (c == NULL || c->session != 1)
        return 0;
    *crypto = neg_session_crypto_conf(r);
    return *crypto != NULL;
}

static void digest_text(EVP_MD_CTX *ctx, const char *text)
{
    apr_uint64_t n = text ? strlen(text) : 0;

    EVP_DigestUpdate(ctx, &n, sizeof(n));
    if (n > 0)
        EVP_DigestUpdate(ctx, text, (size_t)n);
}

/* The memo's key: the configuration generation, what the passphrases and
 * cipher SAY (not where they are: a configuration read from .htaccess is
 * made anew in each request's pool, often at the same address), and the
 * cookie's text, each with its length. 0 if it cannot be computed. */
static int memo_key(const neg_crypto_conf_view *crypto, const char *text,
                    unsigned char key[32])
{
    static const char label[] = "mod_auth_negotiate session memo";
    const char *const *pass = (const char *const *)crypto->passphrases->elts;
    int gen = 0, i;
    EVP_MD_CTX *ctx = EVP_MD_CTX_create();
    unsigned int n = 32;

    if (ctx == NULL)
        return 0;
    ap_mpm_query(AP_MPMQ_GENERATION, &gen);
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, label, sizeof(label));
    EVP_DigestUpdate(ctx, &gen, sizeof(gen));
    EVP_DigestUpdate(ctx, &crypto->passphrases->nelts, sizeof(int));
    for (i = 0; i < crypto->passphrases->nelts; i++)
        digest_text(ctx, pass[i]);
    digest_text(ctx, crypto->cipher);
    digest_text(ctx, text);
    EVP_DigestFinal_ex(ctx, key, &n);
    EVP_MD_CTX_destroy(ctx);
    return 1;
}

/* ------------------------------------------- which passphrases decoded it
 *
 * mod_session_cookie keeps one session_rec per cookie name for a whole
 * chain of internal redirects and subrequests (in the initial request's
 * notes), and mod_session decodes it once: whichever location loads it
 * first decides how. A location without a passphrase parses the cookie as
 * plain text; a location with its own passphrase decrypts it with that one.
 * So the decoding hooks below record, for each session_rec, the digest of
 * the passphrases mod_session_crypto decrypted it with, and a location
 * trusts the session only where that digest is its own. */

#define DECODED_NOTE "mod_auth_negotiate:decoded-"

typedef struct {
    const session_rec *z;
    unsigned char digest[32];
} decoding;

static void crypto_digest(const neg_crypto_conf_view *crypto, unsigned char out[32])
{
    static const char label[] = "mod_auth_negotiate session crypto";
    const char *const *pass = (const char *const *)crypto->passphrases->elts;
    EVP_MD_CTX *ctx = EVP_MD_CTX_create();
    unsigned int n = 32;
    int i;

    if (ctx == NULL)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, label, sizeof(label));
    EVP_DigestUpdate(ctx, &crypto->passphrases->nelts, sizeof(int));
    for (i = 0; i < crypto->passphrases->nelts; i++)
        digest_text(ctx, pass[i]);
    digest_text(ctx, crypto->cipher);
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_destroy(ctx);
}

int neg_session_crypto_digest(request_rec *r, unsigned char out[32])
{
    const neg_crypto_conf_view *crypto = neg_session_crypto_conf(r);

    if (crypto == NULL)
        return 0;
    crypto_digest(crypto, out);
    return 1;
}

static const char *decoded_key(apr_pool_t *p, const session_rec *z)
{
    return apr_psprintf(p, DECODED_NOTE "%pp", (void *)z);
}

/* z decrypted under these passphrases (in z's pool: the chain's) */
static void mark_decrypted(const session_rec *z, const unsigned char digest[32])
{
    unsigned char *copy = apr_pmemdup(z->pool, digest, 32);

    apr_pool_userdata_setn(copy, decoded_key(z->pool, z), NULL, z->pool);
}

int neg_session_decrypted_under(const session_rec *z, unsigned char out[32])
{
    void *data = NULL;

    if (z == NULL || z->pool == NULL)
        return 0;
    apr_pool_userdata_get(&data, decoded_key(z->pool, z), z->pool);
    if (data == NULL)
        return 0;
    memcpy(out, data, 32);
    return 1;
}

#define DECODING_NOTE "mod_auth_negotiate:decoding"

/* Before mod_session_crypto: z is about to be decoded here. Whatever was
 * recorded of it before no longer holds (the cookie's text is decoded
 * anew, into the same entries). */
static void decoding_starts(request_rec *r, session_rec *z)
{
    const neg_crypto_conf_view *crypto = neg_session_crypto_conf(r);
    decoding *d = NULL;

    apr_pool_userdata_setn(NULL, decoded_key(z->pool, z), NULL, z->pool);
    if (crypto != NULL) {
        d = apr_pcalloc(r->pool, sizeof(*d));
        d->z = z;
        crypto_digest(crypto, d->digest);
    }
    apr_pool_userdata_setn(d, DECODING_NOTE, NULL, r->pool);
}

/* After mod_session_crypto accepted the cookie (one it refuses stops the
 * hooks) and mod_session parsed it. */
static void decoding_ends(request_rec *r, session_rec *z)
{
    void *data = NULL;
    decoding *d;

    apr_pool_userdata_get(&data, DECODING_NOTE, r->pool);
    apr_pool_userdata_setn(NULL, DECODING_NOTE, NULL, r->pool);
    d = data;
    if (d != NULL && d->z == z && z->encoded == NULL)
        mark_decrypted(z, d->digest);
}

static memo_slot *slot_for(const unsigned char key[32])
{
    unsigned int i = ((unsigned int)key[0] << 8 | key[1]) % MEMO_SLOTS;

    return &slots[i];
}

/* ----------------------------------------------------------- the hooks */

/* Before mod_session_crypto: a cookie decoded before is decoded again from
 * the memo. Only a session with no entries yet (mod_session adds the
 * decoded ones to those it has), so a hit gives exactly what decoding
 * would. */
static int memo_lookup(request_rec *r, session_rec *z)
{
    const neg_crypto_conf_view *crypto;
    apr_table_t *found;
    pending_key *pk;
    memo_slot *s;
    char *blob = NULL;
    apr_size_t len = 0;
    apr_time_t expiry = 0;

    apr_pool_userdata_setn(NULL, MEMO_NOTE, NULL, r->pool);
    apr_pool_userdata_setn(NULL, DECODING_NOTE, NULL, r->pool);
    if (z->encoded == NULL || *z->encoded == '\0')
        return DECLINED;
    decoding_starts(r, z);
    if (z->entries == NULL || !apr_is_empty_table(z->entries)
        || !memo_applies(r, &crypto))
        return DECLINED;
    pk = apr_pcalloc(r->pool, sizeof(*pk));
    pk->r = r;
    pk->z = z;
    pk->crypto = crypto;
    if (!memo_key(crypto, z->encoded, pk->key))
        return DECLINED;
    s = slot_for(pk->key);
    pthread_mutex_lock(&memo_lock);
    if (s->used && memcmp(s->key, pk->key, sizeof(pk->key)) == 0) {
        blob = apr_pmemdup(r->pool, s->blob, s->len ? s->len : 1);
        len = s->len;
        expiry = s->expiry;
    }
    pthread_mutex_unlock(&memo_lock);
    found = apr_table_make(r->pool, 4);
    if (blob != NULL && neg_session_entries_unpack(blob, len, found)) {
        apr_table_overlap(z->entries, found, APR_OVERLAP_TABLES_SET);
        z->expiry = expiry;
        z->encoded = NULL;              /* nothing left for the others */
        decoding_ends(r, z);            /* the key holds the passphrases */
        neg_status_add(NEG_STAT_SESSION_MEMO_HITS, 1);
        return OK;
    }
    neg_status_add(NEG_STAT_SESSION_MEMO_MISSES, 1);
    apr_pool_userdata_setn(pk, MEMO_NOTE, NULL, r->pool);
    return OK;
}

/* After mod_session_crypto accepted the cookie and mod_session parsed it,
 * in the same decoding as the lookup that missed. */
static int memo_store(request_rec *r, session_rec *z)
{
    const neg_crypto_conf_view *crypto;
    void *data = NULL;
    pending_key *pk;
    memo_slot *s;
    char *blob, *copy;
    apr_size_t len = 0;

    decoding_ends(r, z);
    apr_pool_userdata_get(&data, MEMO_NOTE, r->pool);
    pk = data;
    if (pk == NULL)
        return OK;
    apr_pool_userdata_setn(NULL, MEMO_NOTE, NULL, r->pool);
    if (pk->r != r || pk->z != z || z->encoded != NULL
        || !memo_applies(r, &crypto) || crypto != pk->crypto)
        return OK;
    blob = neg_session_entries_pack(z->entries, MEMO_MAX_BLOB, &len, r->pool);
    if (blob == NULL || (copy = malloc(len ? len : 1)) == NULL)
        return OK;
    memcpy(copy, blob, len);
    s = slot_for(pk->key);
    pthread_mutex_lock(&memo_lock);
    free(s->blob);
    memcpy(s->key, pk->key, sizeof(s->key));
    s->blob = copy;
    s->len = len;
    s->expiry = z->expiry;
    s->used = 1;
    pthread_mutex_unlock(&memo_lock);
    return OK;
}

typedef void hook_session_decode_fn(ap_HOOK_session_decode_t *pf,
                                    const char *const *pre,
                                    const char *const *succ, int order);

void neg_session_memo_pre_config(void)
{
    static const char *const after_session[] = { "mod_session.c",
                                                 "mod_session_crypto.c", NULL };
    hook_session_decode_fn *hook;
    const char *was = apr_hook_debug_current;

    session_mod = ap_find_linked_module("mod_session.c");
    crypto_mod = ap_find_linked_module("mod_session_crypto.c");
    /* mod_session (and so its hook functions) is loaded by now, if it is:
     * LoadModule runs before pre_config, and hooks are sorted after it. */
    *(void **)&hook = dlsym(RTLD_DEFAULT, "ap_hook_session_decode");
    if (hook == NULL)
        return;
    apr_hook_debug_current = "mod_auth_negotiate.c";
    hook(memo_lookup, NULL, NULL, APR_HOOK_REALLY_FIRST);
    hook(memo_store, after_session, NULL, APR_HOOK_REALLY_LAST);
    apr_hook_debug_current = was;
}
