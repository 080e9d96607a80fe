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
 *     location's passphrase list and cipher (as mod_session_crypto's merged
 *     configuration points to them: made once when the configuration is
 *     read, the same for every request of a location) and the cookie's
 *     text. A hit fills the entries and expiry and empties the text, so
 *     that neither later hook has anything left to do; a miss remembers the
 *     key for this session.
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

/* A miss: the key, for the store hook of the same session. */
typedef struct {
    const session_rec *z;
    unsigned char key[32];
} pending_key;

const neg_crypto_conf_view *neg_session_crypto_conf(request_rec *r)
{
    module *m = ap_find_linked_module("mod_session_crypto.c");
    const neg_crypto_conf_view *c;

    if (m == NULL)
        return NULL;
    c = ap_get_module_config(r->per_dir_config, m);
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

static void memo_key(const neg_crypto_conf_view *crypto, const char *text,
                     unsigned char key[32])
{
    static const char label[] = "mod_auth_negotiate session memo";
    int gen = 0;
    const void *pp = crypto->passphrases;
    const char *cipher = crypto->cipher ? crypto->cipher : "";
    EVP_MD_CTX *ctx = EVP_MD_CTX_create();
    unsigned int n = 32;

    ap_mpm_query(AP_MPMQ_GENERATION, &gen);
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, label, sizeof(label));
    EVP_DigestUpdate(ctx, &gen, sizeof(gen));
    EVP_DigestUpdate(ctx, &pp, sizeof(pp));
    EVP_DigestUpdate(ctx, cipher, strlen(cipher) + 1);
    EVP_DigestUpdate(ctx, text, strlen(text));
    EVP_DigestFinal_ex(ctx, key, &n);
    EVP_MD_CTX_destroy(ctx);
}

static memo_slot *slot_for(const unsigned char key[32])
{
    unsigned int i = ((unsigned int)key[0] << 8 | key[1]) % MEMO_SLOTS;

    return &slots[i];
}

/* ----------------------------------------------------------- the hooks */

/* Before mod_session_crypto: a cookie decoded before is decoded again from
 * the memo. */
static int memo_lookup(request_rec *r, session_rec *z)
{
    const neg_crypto_conf_view *crypto;
    pending_key *pk;
    memo_slot *s;
    char *blob = NULL;
    apr_size_t len = 0;
    apr_time_t expiry = 0;

    if (z->encoded == NULL || *z->encoded == '\0' || !memo_applies(r, &crypto))
        return DECLINED;
    pk = apr_pcalloc(r->pool, sizeof(*pk));
    pk->z = z;
    memo_key(crypto, z->encoded, pk->key);
    s = slot_for(pk->key);
    pthread_mutex_lock(&memo_lock);
    if (s->used && memcmp(s->key, pk->key, sizeof(pk->key)) == 0) {
        blob = apr_pmemdup(r->pool, s->blob, s->len);
        len = s->len;
        expiry = s->expiry;
    }
    pthread_mutex_unlock(&memo_lock);
    if (blob != NULL && neg_session_entries_unpack(blob, len, z->entries)) {
        z->expiry = expiry;
        z->encoded = NULL;              /* nothing left for the others */
        neg_status_add(NEG_STAT_SESSION_MEMO_HITS, 1);
        return OK;
    }
    neg_status_add(NEG_STAT_SESSION_MEMO_MISSES, 1);
    apr_pool_userdata_setn(pk, MEMO_NOTE, NULL, r->pool);
    return OK;
}

/* After mod_session_crypto accepted the cookie and mod_session parsed it. */
static int memo_store(request_rec *r, session_rec *z)
{
    void *data = NULL;
    pending_key *pk;
    memo_slot *s;
    char *blob, *copy;
    apr_size_t len = 0;

    apr_pool_userdata_get(&data, MEMO_NOTE, r->pool);
    pk = data;
    if (pk == NULL || pk->z != z || z->encoded != NULL)
        return OK;
    apr_pool_userdata_setn(NULL, MEMO_NOTE, NULL, r->pool);
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
