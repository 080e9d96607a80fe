/*
 * kerberos.c - Heimdal GSSAPI acceptor with per-process credentials.
 *
 * See kerberos.h for the design. Locking: one mutex guards the registry
 * (the map from "keytab + principals" to the current acceptor) and the
 * reference counts; gss_accept_sec_context() runs outside it, concurrently
 * on the same credential, which Heimdal allows (its MEMORY: keytab is only
 * read after it has been filled).
 */
#include "kerberos.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <krb5_asn1.h>

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/sha.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "apr_time.h"

#include "cbt.h"
#include "ntlm.h"           /* ntlm_equal: constant-time comparison */
#include "status.h"
#include "ticket_cache.h"

/* How often a keytab file is checked for replacement. */
static apr_interval_time_t keytab_check_interval = APR_USEC_PER_SEC;

/* The verified tickets an acceptor keeps (README, "The ticket cache"). */
#define TICKET_CACHE_ENTRIES 1024
#define TICKET_CACHE_BYTES (8 * 1024 * 1024)

typedef struct {
    const char *principal;
    int kvno;
    int enctype;
} key_info;

struct neg_krb5_acceptor {
    apr_pool_t *pool;
    krb5_context kctx;
    krb5_keytab mem_keytab;
    gss_cred_id_t cred;
    const char *keytab_name;        /* as resolved, e.g. FILE:/etc/http.keytab */
    const char *scope;              /* "any principal" or the configured list */
    apr_array_header_t *allowed;    /* configured principals; empty: any */
    apr_array_header_t *keys;       /* key_info: what we loaded, for diagnostics */
    neg_ticket_cache *tickets;      /* verified tickets (ticket_cache.h) */
    int refs;
    int retired;
};

typedef struct {
    neg_krb5_acceptor *current;
    /* The last load's messages live in their own pool, cleared before each
     * load: a keytab that keeps failing is retried once a second for as
     * long as httpd runs. */
    apr_pool_t *msg_pool;
    const char *load_error;         /* the last load failed: this is why */
    const char *warning;            /* shown once after a load */
    apr_time_t checked;
    struct stat st;
    int have_st;
} registry_entry;

static apr_pool_t *registry_pool;
static apr_thread_mutex_t *registry_lock;
static apr_hash_t *registry;
static unsigned int load_counter;

/* Microsoft's Kerberos OID differs from RFC 1964's in one byte. */
static const unsigned char krb5_oid_bytes[9] =
    { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
static const unsigned char ms_krb5_oid_bytes[9] =
    { 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02 };

static void destroy_acceptor(neg_krb5_acceptor *a);

/* At process exit: release every acceptor still registered (Heimdal
 * contexts, MEMORY keytabs, credentials live outside APR pools). */
static apr_status_t destroy_registry(void *unused)
{
    apr_hash_index_t *hi;
    registry_entry *e;

    (void)unused;
    for (hi = apr_hash_first(NULL, registry); hi; hi = apr_hash_next(hi)) {
        apr_hash_this(hi, NULL, NULL, (void **)&e);
        if (e->current != NULL)
            destroy_acceptor(e->current);
        e->current = NULL;
    }
    return APR_SUCCESS;
}

int neg_krb5_init(apr_pool_t *process_pool)
{
    registry_pool = process_pool;
    registry = apr_hash_make(process_pool);
    if (apr_thread_mutex_create(&registry_lock, APR_THREAD_MUTEX_DEFAULT,
                                process_pool) != APR_SUCCESS)
        return 0;
    apr_pool_pre_cleanup_register(process_pool, NULL, destroy_registry);
    return 1;
}

/* ------------------------------------------------------------ principals */

const char *neg_krb5_check_principal_syntax(const char *name)
{
    const char *at = strchr(name, '@');
    const char *c;

    if (*name == '\0' || *name == '@' || *name == '/')
        return "it is empty before the '/' or '@'";
    for (c = name; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == '\\' || *c == '"')
            return "it contains a space, control character, quote or backslash";
    }
    if (at != NULL && (at[1] == '\0' || strchr(at + 1, '@') != NULL))
        return "it has an empty realm or more than one '@'";
    return NULL;
}

void neg_krb5_set_check_interval(apr_interval_time_t interval)
{
    keytab_check_interval = interval;
}

/* A configured name without a realm matches that name in any realm. */
static int principal_matches(const char *configured, const char *principal)
{
    size_t n;

    if (strchr(configured, '@') != NULL)
        return strcmp(configured, principal) == 0;
    n = strlen(configured);
    return strncmp(configured, principal, n) == 0 && principal[n] == '@';
}

int neg_krb5_principal_allowed(const apr_array_header_t *allowed,
                               const char *principal)
{
    int i;

    if (allowed == NULL || allowed->nelts == 0)
        return 1;
    for (i = 0; i < allowed->nelts; i++) {
        if (principal_matches(APR_ARRAY_IDX(allowed, i, const char *), principal))
            return 1;
    }
    return 0;
}

static const char *scope_text(apr_pool_t *p, const apr_array_header_t *allowed)
{
    if (allowed == NULL || allowed->nelts == 0)
        return "NegotiateServicePrincipal any";
    return apr_pstrcat(p, "NegotiateServicePrincipal ",
                       apr_array_pstrcat(p, allowed, ' '), NULL);
}

/* ------------------------------------------------------------ loading */

static const char *krb5_message(apr_pool_t *p, krb5_context kctx,
                                krb5_error_code code)
{
    const char *msg = krb5_get_error_message(kctx, code);
    const char *copy = apr_pstrdup(p, msg ? msg : "unknown error");

    krb5_free_error_message(kctx, msg);
    return copy;
}

static const char *keytab_file_path(const char *name)
{
    if (strncmp(name, "FILE:", 5) == 0)
        return name + 5;
    if (strncmp(name, "WRFILE:", 7) == 0)
        return name + 7;
    return strchr(name, ':') == NULL ? name : NULL;
}

static const char *unreadable_keytab_hint(apr_pool_t *p, const char *name,
                                          int err)
{
    const char *path = keytab_file_path(name);

    if (path != NULL && err == EACCES)
        return apr_psprintf(p, "the keytab %s is not readable by uid %ld: "
                            "give the Apache user's group read access "
                            "(chgrp www-data %s; chmod 0640 %s)",
                            name, (long)geteuid(), path, path);
    if (path != NULL && err == ENOENT)
        return apr_psprintf(p, "the keytab %s does not exist: set "
                            "NegotiateKeytab to the keytab that holds the "
                            "HTTP/ service keys", name);
    return NULL;
}

static void destroy_acceptor(neg_krb5_acceptor *a)
{
    OM_uint32 minor;

    if (a->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &a->cred);
    if (a->mem_keytab != NULL)
        krb5_kt_close(a->kctx, a->mem_keytab);
    if (a->kctx != NULL)
        krb5_free_context(a->kctx);
    apr_pool_destroy(a->pool);
}

/* Copy the allowed keys of src into the acceptor's MEMORY: keytab. */
static const char *copy_keys(neg_krb5_acceptor *a, krb5_keytab src,
                             const apr_array_header_t *allowed)
{
    krb5_kt_cursor cursor;
    krb5_keytab_entry entry;
    krb5_error_code code;
    char *name;

    code = krb5_kt_start_seq_get(a->kctx, src, &cursor);
    if (code != 0) {
        const char *hint = unreadable_keytab_hint(a->pool, a->keytab_name, (int)code);
        return hint ? hint : apr_psprintf(a->pool, "cannot read the keytab %s: %s",
                                          a->keytab_name,
                                          krb5_message(a->pool, a->kctx, code));
    }
    while (krb5_kt_next_entry(a->kctx, src, &entry, &cursor) == 0) {
        key_info *ki;

        if (krb5_unparse_name(a->kctx, entry.principal, &name) == 0) {
            if (neg_krb5_principal_allowed(allowed, name)
                && krb5_kt_add_entry(a->kctx, a->mem_keytab, &entry) == 0) {
                ki = apr_array_push(a->keys);
                ki->principal = apr_pstrdup(a->pool, name);
                ki->kvno = (int)entry.vno;
                ki->enctype = (int)entry.keyblock.keytype;
            }
            krb5_xfree(name);
        }
        krb5_kt_free_entry(a->kctx, &entry);
    }
    krb5_kt_end_seq_get(a->kctx, src, &cursor);
    if (a->keys->nelts == 0)
        return apr_psprintf(a->pool, "the keytab %s holds no key for %s: "
                            "export the service principal's keys into it "
                            "(samba-tool domain exportkeytab, ktpass) or "
                            "correct NegotiateServicePrincipal",
                            a->keytab_name, a->scope);
    return NULL;
}

/* Configured principals that have no key at all: worth one warning. */
static const char *missing_principals(neg_krb5_acceptor *a,
                                      const apr_array_header_t *allowed)
{
    const char *missing = NULL;
    int i, j;

    for (i = 0; allowed != NULL && i < allowed->nelts; i++) {
        const char *want = APR_ARRAY_IDX(allowed, i, const char *);
        int found = 0;

        for (j = 0; j < a->keys->nelts && !found; j++)
            found = principal_matches(want, APR_ARRAY_IDX(a->keys, j, key_info).principal);
        if (!found)
            missing = missing ? apr_pstrcat(a->pool, missing, " ", want, NULL) : want;
    }
    if (missing == NULL)
        return NULL;
    return apr_psprintf(a->pool, "NegotiateServicePrincipal names %s, but the "
                        "keytab %s has no key for it: tickets for it will be "
                        "refused", missing, a->keytab_name);
}

static neg_krb5_acceptor *load_acceptor(const char *keytab,
                                        const apr_array_header_t *allowed,
                                        apr_pool_t *msg_pool,
                                        const char **error,
                                        const char **warning)
{
    neg_krb5_acceptor *a;
    apr_pool_t *pool;
    krb5_keytab src = NULL;
    krb5_error_code code;
    char defname[1024];
    char memname[128];
    OM_uint32 major, minor;

    apr_pool_create(&pool, registry_pool);
    a = apr_pcalloc(pool, sizeof(*a));
    a->pool = pool;
    a->cred = GSS_C_NO_CREDENTIAL;
    a->keys = apr_array_make(pool, 8, sizeof(key_info));
    a->scope = scope_text(pool, allowed);
    a->allowed = allowed ? apr_array_copy(pool, allowed)
                         : apr_array_make(pool, 1, sizeof(const char *));
    *error = NULL;
    *warning = NULL;

    code = krb5_init_context(&a->kctx);
    if (code != 0) {
        a->kctx = NULL;
        *error = apr_psprintf(msg_pool, "cannot initialise Kerberos "
                              "(error %d): check KRB5_CONFIG and krb5.conf",
                              (int)code);
        goto fail;
    }
    if (keytab == NULL) {
        krb5_kt_default_name(a->kctx, defname, sizeof(defname));
        keytab = defname;
    }
    else if (strchr(keytab, ':') == NULL) {
        keytab = apr_pstrcat(pool, "FILE:", keytab, NULL);
    }
    a->keytab_name = apr_pstrdup(pool, keytab);

    code = krb5_kt_resolve(a->kctx, a->keytab_name, &src);
    if (code != 0) {
        *error = apr_psprintf(msg_pool, "cannot open the keytab %s: %s",
                              a->keytab_name, krb5_message(pool, a->kctx, code));
        goto fail;
    }
    snprintf(memname, sizeof(memname), "MEMORY:mod_auth_negotiate-%ld-%u",
             (long)getpid(), ++load_counter);
    code = krb5_kt_resolve(a->kctx, memname, &a->mem_keytab);
    if (code != 0) {
        a->mem_keytab = NULL;
        *error = apr_psprintf(msg_pool, "cannot create a MEMORY keytab: %s",
                              krb5_message(pool, a->kctx, code));
        goto fail;
    }
    *error = copy_keys(a, src, allowed);
    if (*error != NULL) {
        *error = apr_pstrdup(msg_pool, *error);
        goto fail;
    }
    /* a new load (a changed keytab) starts with an empty cache */
    a->tickets = neg_ticket_cache_create(pool, TICKET_CACHE_ENTRIES,
                                         TICKET_CACHE_BYTES);
    major = gss_krb5_import_cred(&minor, NULL, NULL, a->mem_keytab, &a->cred);
    if (GSS_ERROR(major)) {
        a->cred = GSS_C_NO_CREDENTIAL;
        *error = apr_psprintf(msg_pool, "cannot build an acceptor "
                              "credential from the keytab %s (GSS major %u, "
                              "minor %d)", a->keytab_name, major, (int)minor);
        goto fail;
    }
    krb5_kt_close(a->kctx, src);
    *warning = missing_principals(a, allowed);
    if (*warning != NULL)
        *warning = apr_pstrdup(msg_pool, *warning);
    return a;

fail:
    if (src != NULL)
        krb5_kt_close(a->kctx, src);
    destroy_acceptor(a);
    return NULL;
}

/* ------------------------------------------------------------ registry */

static const char *registry_key(apr_pool_t *p, const char *keytab,
                                const apr_array_header_t *allowed)
{
    return apr_pstrcat(p, keytab ? keytab : "(default)", "\n",
                       allowed ? apr_array_pstrcat(p, allowed, '\n') : "",
                       NULL);
}

static int keytab_changed(registry_entry *e)
{
    const char *path;
    struct stat st;

    if (e->current == NULL)
        return 1;       /* the last load failed: try again */
    path = keytab_file_path(e->current->keytab_name);
    if (path == NULL || stat(path, &st) != 0)
        return 0;       /* keep what works rather than drop it */
    if (e->have_st && st.st_mtime == e->st.st_mtime && st.st_ino == e->st.st_ino
        && st.st_size == e->st.st_size && st.st_ctime == e->st.st_ctime)
        return 0;
    return 1;
}

static void retire(neg_krb5_acceptor *a)
{
    a->retired = 1;
    if (a->refs == 0)
        destroy_acceptor(a);
}

static void reload_entry(registry_entry *e, const char *keytab,
                         const apr_array_header_t *allowed)
{
    neg_krb5_acceptor *fresh;
    const char *path;

    apr_pool_clear(e->msg_pool);
    e->load_error = e->warning = NULL;
    fresh = load_acceptor(keytab, allowed, e->msg_pool, &e->load_error,
                          &e->warning);
    neg_status_keytab_load(fresh ? fresh->keytab_name : keytab, fresh != NULL,
                           apr_time_now());
    if (fresh == NULL)
        return;             /* keep serving with the previous keys, if any */
    if (e->current != NULL)
        retire(e->current);
    e->current = fresh;
    path = keytab_file_path(fresh->keytab_name);
    e->have_st = (path != NULL && stat(path, &e->st) == 0);
}

neg_krb5_acceptor *neg_krb5_acquire(const char *keytab,
                                    const apr_array_header_t *principals,
                                    apr_pool_t *p, const char **error,
                                    const char **warning)
{
    const char *key = registry_key(p, keytab, principals);
    apr_time_t now = apr_time_now();
    registry_entry *e;
    neg_krb5_acceptor *a;

    *error = NULL;
    *warning = NULL;
    apr_thread_mutex_lock(registry_lock);
    e = apr_hash_get(registry, key, APR_HASH_KEY_STRING);
    if (e == NULL) {
        e = apr_pcalloc(registry_pool, sizeof(*e));
        apr_pool_create(&e->msg_pool, registry_pool);
        apr_hash_set(registry, apr_pstrdup(registry_pool, key),
                     APR_HASH_KEY_STRING, e);
    }
    if (e->checked == 0 || now - e->checked >= keytab_check_interval) {
        e->checked = now;
        if (keytab_changed(e))
            reload_entry(e, keytab, principals);
    }
    a = e->current;
    if (a != NULL)
        a->refs++;
    else
        *error = apr_pstrdup(p, e->load_error);
    if (e->warning != NULL) {
        *warning = apr_pstrdup(p, e->warning);
        e->warning = NULL;
    }
    apr_thread_mutex_unlock(registry_lock);
    return a;
}

void neg_krb5_release(neg_krb5_acceptor *a)
{
    if (a == NULL)
        return;
    apr_thread_mutex_lock(registry_lock);
    if (--a->refs == 0 && a->retired)
        destroy_acceptor(a);
    apr_thread_mutex_unlock(registry_lock);
}

/* ------------------------------------------------------------ start-up */

void neg_krb5_add_realm(apr_pool_t *p, apr_array_header_t *realms,
                        const char *realm)
{
    int i;

    for (i = 0; i < realms->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(realms, i, const char *), realm) == 0)
            return;
    }
    APR_ARRAY_PUSH(realms, const char *) = apr_pstrdup(p, realm);
}

void neg_krb5_keytab_realms(const char *keytab, apr_pool_t *p,
                            apr_array_header_t *realms)
{
    krb5_context kctx;
    krb5_keytab kt;
    krb5_kt_cursor cursor;
    krb5_keytab_entry entry;

    if (krb5_init_context(&kctx) != 0)
        return;
    if ((keytab ? krb5_kt_resolve(kctx, keytab, &kt) : krb5_kt_default(kctx, &kt)) == 0) {
        if (krb5_kt_start_seq_get(kctx, kt, &cursor) == 0) {
            while (krb5_kt_next_entry(kctx, kt, &entry, &cursor) == 0) {
                neg_krb5_add_realm(p, realms, krb5_principal_get_realm(kctx, entry.principal));
                krb5_kt_free_entry(kctx, &entry);
            }
            krb5_kt_end_seq_get(kctx, kt, &cursor);
        }
        krb5_kt_close(kctx, kt);
    }
    krb5_free_context(kctx);
}

/* ------------------------------------------------------------ diagnostics */

typedef struct {
    const char *principal;  /* the service the ticket is for */
    int kvno;               /* -1 when absent */
    int enctype;
    unsigned char replay_key[32];
} ticket_info;

static const char *enctype_name(int e)
{
    switch (e) {
    case 17: return "aes128-cts-hmac-sha1-96";
    case 18: return "aes256-cts-hmac-sha1-96";
    case 19: return "aes128-cts-hmac-sha256-128";
    case 20: return "aes256-cts-hmac-sha384-192";
    case 23: return "arcfour-hmac-md5";
    case 3:  return "des-cbc-md5";
    default: return "enctype";
    }
}

/* A 32-bit value into a hash, big-endian. */
static void put_be32(SHA256_CTX *sha, uint32_t v)
{
    unsigned char b[4];

    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    SHA256_Update(sha, b, sizeof(b));
}

/* The replay key (replay.h): the authenticator's ciphertext, whatever
 * framing carried it, and nothing else. Every clear-text field around it
 * is the client's to rewrite without the session key: the ticket's realm
 * and sname (RFC 4120 5.3; an acceptor that finds no key under those names
 * tries every key of its keytab), and the authenticator's own etype and
 * kvno (RFC 4120 5.2.9: Heimdal decrypts with the session key's type and
 * never reads them), so a key that hashed any of them would let one
 * captured token pass as new again with that field rewritten. As MIT's
 * replay cache does, the ciphertext alone. */
static void replay_key(const AP_REQ *req, unsigned char out[32])
{
    SHA256_CTX sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, req->authenticator.cipher.data, req->authenticator.cipher.length);
    SHA256_Final(out, &sha);
}

/* Read the ticket's service, kvno and enctype from an AP-REQ token
 * (RFC 4121 section 4.1: GSS header, TOK_ID 01 00, then the AP-REQ). */
/* The AP-REQ inside a krb5 GSS token; free it with free_AP_REQ. */
static int decode_ap_req(const unsigned char *tok, size_t len, AP_REQ *req)
{
    gss_buffer_desc in = { len, (void *)tok }, inner = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;
    size_t used;
    int ok = 0;

    memset(req, 0, sizeof(*req));
    if (gss_decapsulate_token(&in, GSS_KRB5_MECHANISM, &inner) != GSS_S_COMPLETE)
        return 0;
    if (inner.length > 2 && ((unsigned char *)inner.value)[0] == 0x01
        && ((unsigned char *)inner.value)[1] == 0x00
        && decode_AP_REQ((unsigned char *)inner.value + 2, inner.length - 2,
                         req, &used) == 0)
        ok = 1;
    gss_release_buffer(&minor, &inner);
    return ok;
}

/* The ticket's service as it names it in clear text (RFC 4120 5.3): the
 * client's to choose, so bounded before any work (a service principal has
 * two components, HTTP/host) and built in one pass; NULL when over the
 * bounds. An empty component costs its sender two bytes: a name copied
 * component by component would cost the server the square of that. */
#define SNAME_MAX_COMPONENTS 8
#define SNAME_MAX_BYTES 512

static const char *service_name_of(apr_pool_t *p, const AP_REQ *req)
{
    const PrincipalName *sname = &req->ticket.sname;
    size_t i, n, total = 0;
    char *out, *at;

    if (sname->name_string.len == 0 || sname->name_string.len > SNAME_MAX_COMPONENTS)
        return NULL;
    for (i = 0; i < sname->name_string.len; i++)
        total += strnlen(sname->name_string.val[i], SNAME_MAX_BYTES + 1) + 1;
    total += strnlen(req->ticket.realm, SNAME_MAX_BYTES + 1);
    if (total > SNAME_MAX_BYTES)
        return NULL;
    at = out = apr_palloc(p, total + 1);
    for (i = 0; i < sname->name_string.len; i++) {
        n = strlen(sname->name_string.val[i]);
        memcpy(at, sname->name_string.val[i], n);
        at += n;
        *at++ = i + 1 < sname->name_string.len ? '/' : '@';
    }
    n = strlen(req->ticket.realm);
    memcpy(at, req->ticket.realm, n + 1);
    return out;
}

/* Why a ticket's clear-text service name is refused before any work, or
 * NULL. */
static const char *service_name_refused(apr_pool_t *p, const AP_REQ *req)
{
    if (service_name_of(p, req) != NULL)
        return NULL;
    return apr_psprintf(p, "refused a Kerberos ticket whose clear-text service "
                        "name is not a service principal (%lu components, "
                        "%s; at most %d components and %d bytes): a broken "
                        "client or an attack", (unsigned long)req->ticket.sname.name_string.len,
                        strnlen(req->ticket.realm, SNAME_MAX_BYTES + 1) > SNAME_MAX_BYTES
                        ? "an overlong realm" : "its realm",
                        SNAME_MAX_COMPONENTS, SNAME_MAX_BYTES);
}

static void ticket_info_of(apr_pool_t *p, const AP_REQ *req, ticket_info *ti)
{
    ti->principal = service_name_of(p, req);
    ti->kvno = req->ticket.enc_part.kvno ? *req->ticket.enc_part.kvno : -1;
    ti->enctype = req->ticket.enc_part.etype;
    replay_key(req, ti->replay_key);
}

static int read_ticket_info(apr_pool_t *p, const unsigned char *tok, size_t len,
                            ticket_info *ti)
{
    AP_REQ req;

    if (!decode_ap_req(tok, len, &req))
        return 0;
    ticket_info_of(p, &req, ti);
    free_AP_REQ(&req);
    return 1;
}

static const char *keys_for(apr_pool_t *p, const neg_krb5_acceptor *a,
                            const char *principal)
{
    const char *list = NULL;
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const key_info *k = &APR_ARRAY_IDX(a->keys, i, key_info);
        if (strcmp(k->principal, principal) == 0)
            list = apr_psprintf(p, "%s%skvno %d %s", list ? list : "",
                                list ? ", " : "", k->kvno, enctype_name(k->enctype));
    }
    return list;
}

static const char *missing_key_hint(apr_pool_t *p, const neg_krb5_acceptor *a,
                                    const ticket_info *ti)
{
    const char *have = keys_for(p, a, ti->principal);

    if (have == NULL)
        return apr_psprintf(p, "the keytab %s has no key for %s (searched with "
                            "%s): export that SPN's key into the keytab, or "
                            "if the ticket is for the wrong name, fix the "
                            "client's URL or the SPN registration in AD",
                            a->keytab_name, ti->principal, a->scope);
    return apr_psprintf(p, "the keytab %s holds %s only with %s: the "
                        "account's password (and kvno) changed after the "
                        "keytab was exported; export the keytab again",
                        a->keytab_name, ti->principal, have);
}

static const char *failure_hint(apr_pool_t *p, const neg_krb5_acceptor *a,
                                const ticket_info *ti, OM_uint32 minor)
{
    switch ((krb5_error_code)minor) {
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_END:
    case KRB5KRB_AP_ERR_NOKEY:
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5KRB_AP_ERR_NOT_US:
        return ti->principal ? missing_key_hint(p, a, ti)
                             : "the keytab has no matching key";
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5KRB_AP_ERR_MODIFIED:
        return "the ticket did not decrypt with the keytab's key: either the "
               "keytab is stale (export it again) or the token was altered";
    case KRB5KRB_AP_ERR_SKEW:
        return "the client's and the server's clocks differ by more than the "
               "allowed skew: synchronise both with the domain (NTP)";
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return "the ticket has expired: the client must get a new one "
               "(log on again, or kinit)";
    case KRB5KRB_AP_ERR_TKT_NYV:
        return "the ticket is not valid yet: synchronise the clocks (NTP)";
    case KRB5KRB_AP_ERR_REPEAT:
        return "the authenticator was replayed";
    default:
        return "the client's token was refused";
    }
}

static const char *gss_status_text(apr_pool_t *p, OM_uint32 code, int type)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc msg;
    const char *text = NULL;

    do {
        if (GSS_ERROR(gss_display_status(&minor, code, type, GSS_KRB5_MECHANISM,
                                         &ctx, &msg)))
            break;
        text = apr_pstrcat(p, text ? text : "", text ? "; " : "",
                           apr_pstrndup(p, msg.value, msg.length), NULL);
        gss_release_buffer(&minor, &msg);
    } while (ctx != 0);
    return text ? text : "unknown";
}

/* The error code of the KRB-ERROR that Heimdal's acceptor puts in its
 * output token (GSS framing, TOK_ID 03 00) when it refuses an AP-REQ for
 * clock skew or a ticket that is not valid yet, returning CONTINUE_NEEDED
 * so that the client may retry with the server's time (RFC 4121 4.1,
 * MS-KILE 3.4.5.4). 0 when the token is not one. */
static krb5_error_code krb_error_in(const gss_buffer_desc *out)
{
    gss_buffer_desc inner = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;
    KRB_ERROR err;
    krb5_error_code code = 0;
    size_t used;

    if (out == NULL || out->length == 0
        || gss_decapsulate_token(out, GSS_KRB5_MECHANISM, &inner) != GSS_S_COMPLETE)
        return 0;
    memset(&err, 0, sizeof(err));
    if (inner.length > 2 && ((unsigned char *)inner.value)[0] == 0x03
        && ((unsigned char *)inner.value)[1] == 0x00
        && decode_KRB_ERROR((unsigned char *)inner.value + 2, inner.length - 2,
                            &err, &used) == 0) {
        code = err.error_code != 0 ? (krb5_error_code)(KRB5KDC_ERR_NONE + err.error_code) : 0;
        free_KRB_ERROR(&err);
    }
    gss_release_buffer(&minor, &inner);
    return code;
}

static const char *describe_failure(apr_pool_t *p, const neg_krb5_acceptor *a,
                                    const unsigned char *tok, size_t len,
                                    OM_uint32 major, OM_uint32 minor,
                                    const gss_buffer_desc *out)
{
    ticket_info ti;
    const char *ticket = "an unreadable Kerberos token";
    const char *detail;
    krb5_error_code kerr = 0;

    memset(&ti, 0, sizeof(ti));
    ti.kvno = -1;
    if (read_ticket_info(p, tok, len, &ti))
        ticket = apr_psprintf(p, "a Kerberos ticket for %s (kvno %d, %s)",
                              ti.principal ? ti.principal : "an overlong name",
                              ti.kvno, enctype_name(ti.enctype));
    if (major == GSS_S_CONTINUE_NEEDED && (kerr = krb_error_in(out)) != 0)
        minor = (OM_uint32)kerr;   /* a refusal with a KRB-ERROR reply */
    else if (major == GSS_S_CONTINUE_NEEDED)
        return apr_psprintf(p, "%s asked for a multi-leg (DCE-style) Kerberos "
                            "exchange, which HTTP does not support", ticket);
    detail = kerr != 0 ? krb5_message(p, a->kctx, kerr)
                       : gss_status_text(p, minor, GSS_C_MECH_CODE);
    return apr_psprintf(p, "refused %s: %s [%s (GSS major 0x%x, minor %d)]",
                        ticket, failure_hint(p, a, &ti, minor),
                        minor ? detail : gss_status_text(p, major, GSS_C_GSS_CODE),
                        (unsigned)major, (int)minor);
}

/* ------------------------------------------------------------ accepting */

/* Heimdal's krb5 mechanism only knows RFC 1964's OID; Windows may frame the
 * token with Microsoft's (MS-KILE 3.1.5.10 uses the same token format).
 * Rewrite the one byte that differs. */
static const unsigned char *normalise_oid(apr_pool_t *p, const unsigned char *tok,
                                          size_t len)
{
    unsigned char *copy;
    size_t off;

    /* 0x60 len(1..5 bytes) 0x06 0x09 OID */
    if (len < 2 + 2 + 9 || tok[0] != 0x60)
        return tok;
    off = (tok[1] & 0x80) ? 2 + (tok[1] & 0x7f) : 2;
    if (off + 2 + 9 > len || tok[off] != 0x06 || tok[off + 1] != 9
        || memcmp(tok + off + 2, ms_krb5_oid_bytes, 9) != 0)
        return tok;
    copy = apr_pmemdup(p, tok, len);
    memcpy(copy + off + 2, krb5_oid_bytes, 9);
    return copy;
}

/* Is a key of this name loaded? Without regard to case, as AD compares
 * SPNs and realms (the replay key does not depend on the names). */
static int holds_key_named(const neg_krb5_acceptor *a, const char *principal)
{
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(a->keys, i, key_info).principal, principal) == 0)
            return 1;
    }
    return 0;
}

/* The names of the loaded keys, each once. */
static const char *key_names(apr_pool_t *p, const neg_krb5_acceptor *a)
{
    const char *list = NULL;
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const char *n = APR_ARRAY_IDX(a->keys, i, key_info).principal;

        if (list == NULL || strstr(list, n) == NULL)
            list = list ? apr_pstrcat(p, list, ", ", n, NULL) : n;
    }
    return list ? list : "none";
}

/* Read the ticket's service and the replay key (replay.h) from the AP-REQ
 * that was just accepted, and check the service against
 * NegotiateServicePrincipal and the names of the keys.
 *
 * Heimdal, given no acceptor name, tries every key of the keytab, and then
 * reports the name of the key that worked; so a ticket for another SPN of
 * the same account (same key) is accepted by an allowed principal's key.
 * NegotiateServicePrincipal is about names: check the service named in the
 * ticket (RFC 4120 5.3: sname is outside the encrypted part, so this is a
 * policy on what the client asked for; SPNs that must be kept apart need
 * separate accounts, hence separate keys). */
static const char *check_ticket_service(apr_pool_t *p,
                                        const neg_krb5_acceptor *a,
                                        const AP_REQ *req, neg_krb5_result *res)
{
    ticket_info ti;

    memset(&ti, 0, sizeof(ti));
    ticket_info_of(p, req, &ti);
    if (ti.principal == NULL)
        return service_name_refused(p, req);
    res->service = ti.principal;
    memcpy(res->replay_key, ti.replay_key, sizeof(res->replay_key));
    res->has_replay_key = 1;
    if (!neg_krb5_principal_allowed(a->allowed, ti.principal))
        return apr_psprintf(p, "refused a Kerberos ticket for %s (kvno %d, %s): "
                            "the keytab %s has no key for %s (searched with "
                            "%s); add it to NegotiateServicePrincipal if it "
                            "should be accepted here", ti.principal, ti.kvno,
                            enctype_name(ti.enctype), a->keytab_name,
                            ti.principal, a->scope);
    if (!holds_key_named(a, ti.principal))
        return apr_psprintf(p, "refused a Kerberos ticket for %s (kvno %d, %s): "
                            "no key of the keytab %s has that name (%s), yet "
                            "the key of another name decrypted it. A ticket's "
                            "service name travels in clear text: the token was "
                            "altered, or the client asked for another SPN of "
                            "the same account; export that SPN's key into the "
                            "keytab if it should be accepted",
                            ti.principal, ti.kvno, enctype_name(ti.enctype),
                            a->keytab_name, key_names(p, a));
    return NULL;
}

/* ------------------------------------------------------ channel bindings */

/* AD-AUTH-DATA-AP-OPTIONS (MS-KILE 2.2.10) inside AD-IF-RELEVANT, with
 * KERB_AP_OPTIONS_CBT: a Windows client saying it binds to channels. */
#define AD_IF_RELEVANT          1
#define AD_AUTH_DATA_AP_OPTIONS 143
#define KERB_AP_OPTIONS_CBT     0x4000

static int announces_cbt(const AuthorizationData *ad)
{
    size_t i, j, used;

    for (i = 0; ad != NULL && i < ad->len; i++) {
        AuthorizationData inner;

        if (ad->val[i].ad_type != AD_IF_RELEVANT
            || decode_AuthorizationData(ad->val[i].ad_data.data, ad->val[i].ad_data.length,
                                        &inner, &used) != 0)
            continue;
        for (j = 0; j < inner.len; j++) {
            const unsigned char *v = inner.val[j].ad_data.data;

            if (inner.val[j].ad_type == AD_AUTH_DATA_AP_OPTIONS
                && inner.val[j].ad_data.length == 4 && (v[0] | v[1] << 8) & KERB_AP_OPTIONS_CBT) {
                free_AuthorizationData(&inner);
                return 1;
            }
        }
        free_AuthorizationData(&inner);
    }
    return 0;
}

/* Decrypt an encrypted part with key for its key usage into *plain
 * (close it with close_sealed: it holds key material). */
static int open_sealed(neg_krb5_acceptor *a, const krb5_keyblock *key,
                       unsigned usage, const EncryptedData *enc, krb5_data *plain)
{
    krb5_crypto crypto;
    int ok;

    krb5_data_zero(plain);
    if (krb5_crypto_init(a->kctx, key, 0, &crypto) != 0)
        return 0;
    ok = krb5_decrypt_EncryptedData(a->kctx, crypto, usage, enc, plain) == 0;
    krb5_crypto_destroy(a->kctx, crypto);
    return ok;
}

static void close_sealed(krb5_data *plain)
{
    neg_ticket_wipe(plain->data, plain->length);
    krb5_data_free(plain);
}

/* The ticket's encrypted part, decrypted with the service key that
 * Heimdal's acceptor used for it (RFC 4120 5.3, key usage 2). Free *et with
 * forget_ticket when 1 is returned. */
static int decrypt_ticket(neg_krb5_acceptor *a, gss_ctx_id_t ctx,
                          const AP_REQ *req, EncTicketPart *et)
{
    struct EncryptionKey *service_key = NULL;
    krb5_data plain;
    OM_uint32 minor;
    size_t used;
    int ok = 0;

    memset(et, 0, sizeof(*et));
    if (gsskrb5_extract_service_keyblock(&minor, ctx, &service_key) != GSS_S_COMPLETE)
        return 0;
    if (open_sealed(a, service_key, KRB5_KU_TICKET, &req->ticket.enc_part, &plain)) {
        ok = decode_EncTicketPart(plain.data, plain.length, et, &used) == 0;
        close_sealed(&plain);
    }
    krb5_free_keyblock(a->kctx, service_key);
    return ok;
}

/* RFC 4120 5.2.9: an EncryptedData's etype names the type of the key it
 * is encrypted with, here the ticket's session key (key usage 11).
 * Heimdal's krb5_decrypt_EncryptedData decrypts with the key's own type
 * and never reads the field, so a token whose field was rewritten is
 * accepted by Heimdal's acceptor: refuse it, as MIT's krb5_k_decrypt does
 * (KRB5_BAD_ENCTYPE). NULL when the field is the session key's type. */
static const char *authenticator_etype_refused(apr_pool_t *p, const AP_REQ *req,
                                               const EncTicketPart *et,
                                               const neg_krb5_result *res)
{
    if (et == NULL)
        return "the ticket Heimdal accepted could not be decrypted again to "
               "check its authenticator";
    if (req->authenticator.etype == et->key.keytype)
        return NULL;
    return apr_psprintf(p, "refused the Kerberos ticket of %s for %s: the "
                        "authenticator's clear-text etype (%d) is not the "
                        "type of the ticket's session key (%d): the token was "
                        "altered (a replay dressed as a new token?)",
                        res->principal, res->service,
                        (int)req->authenticator.etype, (int)et->key.keytype);
}

/* free_EncTicketPart, the session key overwritten first. */
static void forget_ticket(EncTicketPart *et)
{
    if (et->key.keyvalue.data != NULL)
        neg_ticket_wipe(et->key.keyvalue.data, et->key.keyvalue.length);
    free_EncTicketPart(et);
}

/* The authenticator, decrypted with the ticket's session key (key usage
 * 11) into *auth (which the caller frees). */
static int decrypt_authenticator(neg_krb5_acceptor *a, const krb5_keyblock *key,
                                 const AP_REQ *req, Authenticator *auth)
{
    krb5_data plain;
    size_t used;
    int ok;

    if (!open_sealed(a, key, KRB5_KU_AP_REQ_AUTH, &req->authenticator, &plain))
        return 0;
    ok = decode_Authenticator(plain.data, plain.length, auth, &used) == 0;
    close_sealed(&plain);
    return ok;
}

/* The Bnd field of a GSS checksum (RFC 4121 4.1.1: Lgth, Bnd, Flags) as
 * the bindings it shows: some, none, or none though the client announces
 * them (KERB_AP_OPTIONS_CBT). */
static neg_krb5_bindings bindings_shown(const Authenticator *auth)
{
    static const unsigned char zeros[16];

    if (auth->cksum == NULL || auth->cksum->cksumtype != CKSUMTYPE_GSSAPI
        || auth->cksum->checksum.length < 20)
        return NEG_KRB5_BOUND_UNKNOWN;
    if (memcmp((unsigned char *)auth->cksum->checksum.data + 4, zeros, 16) != 0)
        return NEG_KRB5_BOUND;
    return announces_cbt(auth->authorization_data)
        ? NEG_KRB5_UNBOUND_BUT_ANNOUNCED : NEG_KRB5_UNBOUND;
}

/* What the client's authenticator says of channel bindings, once Heimdal
 * accepted the token with ours (it compares them only when the client sent
 * some: all-zero bindings pass, RFC 4121 4.1.1.2). Read with Heimdal's krb5
 * and ASN.1 functions: the authenticator decrypted with the session key of
 * the ticket (et, decrypt_ticket), and the Bnd field of its GSS checksum
 * (type 0x8003). */
static neg_krb5_bindings initiator_bindings(neg_krb5_acceptor *a,
                                            const EncTicketPart *et,
                                            const AP_REQ *req, int64_t *ctime)
{
    neg_krb5_bindings found = NEG_KRB5_BOUND_UNKNOWN;
    Authenticator auth;

    memset(&auth, 0, sizeof(auth));
    if (decrypt_authenticator(a, &et->key, req, &auth)) {
        found = bindings_shown(&auth);
        *ctime = auth.ctime;    /* the replay cache's horizon (replay.h) */
    }
    free_Authenticator(&auth);
    return found;
}

/* ------------------------------------------------------------ ticket cache
 *
 * A client sends the same service ticket with every request for the
 * ticket's life; only the authenticator changes. Once Heimdal's acceptor
 * has accepted a ticket, what its decryption gave (session key, client,
 * times, the PAC it verified) is kept under a SHA-256 of the ticket as the
 * client sent it (ticket_cache.h). A request whose ticket is known then
 * costs the authenticator only, checked here as Heimdal's acceptor checks
 * it (krb5_verify_ap_req2, _gsskrb5_verify_8003_checksum, RFC 4120 3.2.3,
 * RFC 4121 4.1.1): decrypted with the session key, the same client as the
 * ticket's, its time within the skew, the ticket's times now, a GSS
 * checksum whose channel bindings match; the AP-REP is built by Heimdal's
 * krb5_mk_rep as its acceptor builds it. Whatever this path does not
 * handle, or doubts, goes to gss_accept_sec_context as before (delegation,
 * DCE style, anonymous, other checksums, a failed check: Heimdal then says
 * why): it only ever says yes or "ask Heimdal". README, "The ticket
 * cache", has the argument.
 *
 * Threads: the acceptor's krb5_context is shared by the threads of the
 * process here (Heimdal's GSS layer keeps one per thread). What this path
 * calls on it (krb5_crypto_init/decrypt, krb5_auth_con_*, krb5_mk_rep with
 * its random subkey and sequence number, krb5_enctype_valid,
 * krb5_timeofday, krb5_get_max_time_skew) only reads the context in 7.8,
 * or takes its mutex to set an error message; the random generator has a
 * global lock. State of one logon lives in its own auth context. */

enum { TICKET_NOT_CACHED, TICKET_DECLINED, TICKET_ACCEPTED };

static void split_principal(apr_pool_t *p, const char *principal,
                            neg_krb5_result *res);

/* The cache key: the ticket's etype and ciphertext, each with its length.
 * Nothing else of the ticket counts: its realm, service name and kvno are
 * clear text the client may rewrite (RFC 4120 5.3), and whichever key of
 * the keytab they select (Heimdal tries every key when they select none),
 * a ciphertext that decrypts and passes its integrity check under it is
 * the one ticket the KDC made, with one content. A key over those fields
 * too would let a client fill the cache with one ticket under many names
 * (every letter case of the realm, every kvno), each a full accept and an
 * entry; the names are checked on every use all the same (the service
 * policy, check_ticket_service). A ticket altered in any byte of its
 * ciphertext is another key. */
static void ticket_key(const AP_REQ *req, unsigned char out[NEG_TICKET_KEY_LEN])
{
    static const char label[] = "mod_auth_negotiate verified ticket v2";
    const Ticket *t = &req->ticket;
    SHA256_CTX sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, label, sizeof(label));
    put_be32(&sha, (uint32_t)t->enc_part.etype);
    put_be32(&sha, (uint32_t)t->enc_part.cipher.length);
    SHA256_Update(&sha, t->enc_part.cipher.data, t->enc_part.cipher.length);
    SHA256_Final(out, &sha);
}

/* A client name as bytes for an exact comparison: each component and the
 * realm followed by a NUL (components cannot hold one: GeneralString). */
static unsigned char *flat_client(apr_pool_t *p, const PrincipalName *name,
                                  const char *realm, size_t *len)
{
    size_t i, n = strlen(realm) + 1;
    unsigned char *out, *at;

    for (i = 0; i < name->name_string.len; i++)
        n += strlen(name->name_string.val[i]) + 1;
    at = out = apr_palloc(p, n);
    for (i = 0; i < name->name_string.len; i++) {
        size_t l = strlen(name->name_string.val[i]) + 1;

        memcpy(at, name->name_string.val[i], l);
        at += l;
    }
    memcpy(at, realm, strlen(realm) + 1);
    *len = n;
    return out;
}

/* After Heimdal accepted the ticket (et, decrypt_ticket): remember what it
 * held. */
static void remember_ticket(neg_krb5_acceptor *a, const EncTicketPart *et,
                            const unsigned char *key, apr_pool_t *p,
                            const neg_krb5_result *res)
{
    neg_ticket_entry e;

    if (et->flags.invalid || et->key.keyvalue.length > sizeof(e.session_key))
        return;
    memset(&e, 0, sizeof(e));
    e.enctype = (int32_t)et->key.keytype;
    e.session_key_len = et->key.keyvalue.length;
    memcpy(e.session_key, et->key.keyvalue.data, et->key.keyvalue.length);
    e.authtime = et->authtime;
    e.starttime = et->starttime ? *et->starttime : et->authtime;
    e.endtime = et->endtime;
    e.client = flat_client(p, &et->cname, et->crealm, &e.client_len);
    e.principal = res->principal;
    e.pac = res->pac;
    e.pac_len = res->pac_len;
    neg_ticket_cache_put(a->tickets, key, &e);
    neg_ticket_wipe(e.session_key, sizeof(e.session_key));
}

/* The ticket's times now, as krb5_decrypt_ticket checks them. The cache
 * drops an entry past its end already (neg_ticket_cache_get, with the same
 * skew); this checks both ends again on the entry in hand, which also
 * covers a start time in the future after the clock was set back. */
static int ticket_current(const neg_ticket_entry *t, krb5_timestamp now,
                          krb5_deltat skew)
{
    return t->starttime - now <= skew && now - t->endtime <= skew;
}

/* The clear-text version numbers krb5_decode_ap_req checks (RFC 4120
 * 5.5.1, 5.3): the full acceptor refuses other values, so this path does
 * not take them. */
static int versions_acceptable(const AP_REQ *req)
{
    return req->pvno == 5 && req->msg_type == krb_ap_req
        && req->ticket.tkt_vno == 5;
}

/* The GSS checksum (RFC 4121 4.1.1) as this path takes it: 24 bytes, Lgth
 * 16, no delegation, not DCE style or anonymous; bindings, when the
 * connection has some, equal to ours or none. Else 0 (Heimdal decides). */
static int checksum_acceptable(const Authenticator *auth, const unsigned char *cb,
                               size_t cb_len, OM_uint32 *flags,
                               neg_krb5_bindings *bindings)
{
    const unsigned char *c;
    unsigned char want[16];

    if (auth->cksum == NULL || auth->cksum->cksumtype != CKSUMTYPE_GSSAPI
        || auth->cksum->checksum.length != 24)
        return 0;
    c = auth->cksum->checksum.data;
    if ((c[0] | c[1] << 8 | c[2] << 16 | (uint32_t)c[3] << 24) != 16)
        return 0;
    *flags = c[20] | c[21] << 8 | c[22] << 16 | (uint32_t)c[23] << 24;
    if (*flags & (GSS_C_DELEG_FLAG | GSS_C_ANON_FLAG | GSS_C_DCE_STYLE))
        return 0;
    *bindings = NEG_KRB5_BOUND_UNCHECKED;
    if (cb == NULL)
        return 1;                   /* Extended Protection Off: not looked at */
    *bindings = bindings_shown(auth);
    if (*bindings != NEG_KRB5_BOUND || cb_len == 0)
        return 1;
    neg_cbt_gss_hash(cb, cb_len, want);
    return ntlm_equal(want, c + 4, sizeof(want));
}

/* RFC 4537: the enctypes the client accepts for the acceptor's subkey, in
 * AD-IF-RELEVANT; the first one this library knows goes to ac->keytype, as
 * krb5_verify_ap_req2 does. 0 if the authorization data cannot be read. */
static int choose_subkey_type(neg_krb5_acceptor *a, const AuthorizationData *ad,
                              krb5_auth_context ac)
{
    size_t i, j, k, used;
    int ok = 1, seen = 0;

    for (i = 0; ad != NULL && i < ad->len && ok; i++) {
        AuthorizationData inner;

        if (ad->val[i].ad_type == KRB5_AUTHDATA_GSS_API_ETYPE_NEGOTIATION)
            return 0;               /* not where clients put it: ask Heimdal */
        if (ad->val[i].ad_type != KRB5_AUTHDATA_IF_RELEVANT)
            continue;
        if (decode_AuthorizationData(ad->val[i].ad_data.data,
                                     ad->val[i].ad_data.length, &inner, &used) != 0)
            return 0;
        for (j = 0; j < inner.len && ok; j++) {
            EtypeList types;

            if (inner.val[j].ad_type == KRB5_AUTHDATA_IF_RELEVANT)
                ok = 0;             /* nested: ask Heimdal */
            if (inner.val[j].ad_type != KRB5_AUTHDATA_GSS_API_ETYPE_NEGOTIATION
                || seen++ > 0)
                continue;           /* Heimdal reads the first one only */
            if (decode_EtypeList(inner.val[j].ad_data.data,
                                 inner.val[j].ad_data.length, &types, &used) != 0) {
                ok = 0;
                continue;
            }
            for (k = 0; k < types.len && ac->keytype == ETYPE_NULL; k++) {
                if (krb5_enctype_valid(a->kctx, types.val[k]) == 0)
                    ac->keytype = types.val[k];
            }
            free_EtypeList(&types);
        }
        free_AuthorizationData(&inner);
    }
    return ok;
}

static int is_cfx_key(krb5_enctype e)
{
    switch (e) {
    case ETYPE_DES_CBC_CRC: case ETYPE_DES_CBC_MD4: case ETYPE_DES_CBC_MD5:
    case ETYPE_DES3_CBC_MD5: case ETYPE_OLD_DES3_CBC_SHA1:
    case ETYPE_DES3_CBC_SHA1: case ETYPE_ARCFOUR_HMAC_MD5:
    case ETYPE_ARCFOUR_HMAC_MD5_56:
        return 0;
    default:
        return 1;
    }
}

/* The AP-REP (mutual authentication) as Heimdal's acceptor makes it: an
 * acceptor subkey for CFX enctypes or when the client offered subkey
 * enctypes, else the client's subkey echoed (as Windows does); a sequence
 * number; then krb5_mk_rep, in GSS framing with TOK_ID 02 00 (RFC 4121
 * 4.1). */
static int make_reply(neg_krb5_acceptor *a, krb5_auth_context ac,
                      apr_pool_t *p, neg_krb5_result *res)
{
    const Authenticator *auth = ac->authenticator;
    krb5_keyblock *key = auth->subkey ? auth->subkey : ac->keyblock;
    gss_buffer_desc inner, framed = GSS_C_EMPTY_BUFFER;
    krb5_data rep;
    OM_uint32 minor;
    int use_subkey = 0, ok;

    if (auth->subkey != NULL
        && krb5_auth_con_setremotesubkey(a->kctx, ac, auth->subkey) != 0)
        return 0;
    if (is_cfx_key(key->keytype) || ac->keytype != ETYPE_NULL)
        use_subkey = 1;
    else if (auth->subkey != NULL)
        use_subkey = krb5_auth_con_setlocalsubkey(a->kctx, ac, auth->subkey) == 0;
    if (use_subkey)
        krb5_auth_con_addflags(a->kctx, ac, KRB5_AUTH_CONTEXT_USE_SUBKEY, NULL);
    /* Heimdal's acceptor context asks for a sequence number
     * (_gsskrb5_create_ctx): krb5_mk_rep then sends a random one */
    krb5_auth_con_addflags(a->kctx, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE, NULL);
    krb5_data_zero(&rep);
    if (krb5_mk_rep(a->kctx, ac, &rep) != 0)
        return 0;
    inner.length = rep.length + 2;
    inner.value = apr_palloc(p, inner.length);
    memcpy(inner.value, "\x02\x00", 2);
    memcpy((unsigned char *)inner.value + 2, rep.data, rep.length);
    krb5_data_free(&rep);
    ok = gss_encapsulate_token(&inner, GSS_KRB5_MECHANISM, &framed) == GSS_S_COMPLETE;
    if (ok) {
        res->reply = apr_pmemdup(p, framed.value, framed.length);
        res->reply_len = framed.length;
    }
    gss_release_buffer(&minor, &framed);
    return ok;
}

/* The authenticator of a known ticket, checked as Heimdal checks it. */
static int authenticator_acceptable(neg_krb5_acceptor *a, const neg_ticket_entry *t,
                                    const AP_REQ *req, krb5_auth_context ac,
                                    apr_pool_t *p, krb5_timestamp now,
                                    krb5_deltat skew)
{
    krb5_keyblock key;
    size_t len;
    const unsigned char *client;

    /* RFC 4120 5.2.9: the etype names the key's type; Heimdal ignores it */
    if (req->authenticator.etype != t->enctype)
        return 0;
    memset(&key, 0, sizeof(key));
    key.keytype = t->enctype;
    key.keyvalue.length = t->session_key_len;
    key.keyvalue.data = (void *)t->session_key;
    if (!decrypt_authenticator(a, &key, req, ac->authenticator)
        || krb5_auth_con_setkey(a->kctx, ac, &key) != 0)
        return 0;
    client = flat_client(p, &ac->authenticator->cname, ac->authenticator->crealm,
                         &len);
    return len == t->client_len && memcmp(client, t->client, len) == 0
        && ac->authenticator->ctime - now <= skew
        && now - ac->authenticator->ctime <= skew;
}

/* A token whose ticket is in the cache: accepted (res filled as the full
 * acceptor fills it), declined (Heimdal will see it), or not cached. */
static int accept_cached(neg_krb5_acceptor *a, const AP_REQ *req,
                         const unsigned char *key, apr_pool_t *p,
                         const unsigned char *cb, size_t cb_len,
                         neg_krb5_result *res)
{
    neg_ticket_entry t;
    krb5_auth_context ac = NULL;
    krb5_deltat skew = krb5_get_max_time_skew(a->kctx);
    krb5_timestamp now;
    OM_uint32 flags = 0;
    neg_krb5_bindings bindings = NEG_KRB5_BOUND_UNCHECKED;
    int verdict = TICKET_DECLINED;

    krb5_timeofday(a->kctx, &now);
    if (!neg_ticket_cache_get(a->tickets, key, now, skew, p, &t))
        return TICKET_NOT_CACHED;
    if (!versions_acceptable(req) || req->ap_options.use_session_key
        || !ticket_current(&t, now, skew) || krb5_auth_con_init(a->kctx, &ac) != 0)
        goto done;
    if (!authenticator_acceptable(a, &t, req, ac, p, now, skew)
        || !checksum_acceptable(ac->authenticator, cb, cb_len, &flags, &bindings)
        || !choose_subkey_type(a, ac->authenticator->authorization_data, ac)
        || ((flags & GSS_C_MUTUAL_FLAG) && !make_reply(a, ac, p, res))
        || check_ticket_service(p, a, req, res) != NULL)
        goto done;
    res->bindings = bindings;
    res->skew = (int)skew;
    res->authenticator_time = ac->authenticator->ctime;
    split_principal(p, t.principal, res);
    res->pac = t.pac;
    res->pac_len = t.pac_len;
    verdict = TICKET_ACCEPTED;

done:
    neg_ticket_wipe(t.session_key, sizeof(t.session_key));
    if (ac != NULL)
        krb5_auth_con_free(a->kctx, ac);
    if (verdict != TICKET_ACCEPTED)
        memset(res, 0, sizeof(*res));
    return verdict;
}

/* RFC 6112 section 3: the anonymous principal WELLKNOWN/ANONYMOUS in the
 * realm WELLKNOWN:ANONYMOUS (or, for an authenticated anonymous client, in
 * the client's realm). */
static int is_anonymous(const char *principal)
{
    const char *at = strrchr(principal, '@');

    return strncmp(principal, "WELLKNOWN/ANONYMOUS@", 20) == 0
        || (at != NULL && strcmp(at + 1, "WELLKNOWN:ANONYMOUS") == 0);
}

static void split_principal(apr_pool_t *p, const char *principal,
                            neg_krb5_result *res)
{
    const char *at = strrchr(principal, '@');

    res->principal = principal;
    res->user = at ? apr_pstrndup(p, principal, (apr_size_t)(at - principal))
                   : principal;
    res->realm = at ? at + 1 : "";
}

/* The ticket's PAC (ad-type 128, inside AD-IF-RELEVANT). */
static void extract_pac(apr_pool_t *p, gss_ctx_id_t ctx, neg_krb5_result *res)
{
    gss_buffer_desc pac = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;

    if (gsskrb5_extract_authz_data_from_sec_context(&minor, ctx, 128, &pac)
        == GSS_S_COMPLETE && pac.length > 0) {
        res->pac = apr_pmemdup(p, pac.value, pac.length);
        res->pac_len = pac.length;
    }
    gss_release_buffer(&minor, &pac);
}

static apr_status_t remove_ccache(void *path)
{
    unlink(path);
    return APR_SUCCESS;
}

/* Store delegated credentials in DIR/krb5cc_negotiate_XXXXXX (0600). The
 * file belongs to this request: it is removed when the request ends. */
static void store_delegated(apr_pool_t *p, const neg_krb5_acceptor *a,
                            gss_cred_id_t deleg, const char *dir,
                            neg_krb5_result *res)
{
    char *path = apr_pstrcat(p, dir, "/krb5cc_negotiate_XXXXXX", NULL);
    krb5_context kctx = NULL;
    krb5_ccache cc = NULL;
    OM_uint32 minor;
    struct stat st;
    int fd;

    /* Checked at start, and again now: it must still be ours alone. */
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()
        || (st.st_mode & 022)) {
        res->ccache_error = apr_psprintf(p, "refused to store delegated "
                                         "credentials in %s: it is no longer "
                                         "a directory owned by uid %ld and "
                                         "writable by nobody else",
                                         dir, (long)geteuid());
        return;
    }
    fd = mkstemp(path);
    if (fd < 0) {
        res->ccache_error = apr_psprintf(p, "cannot create a ccache in %s: %s "
                                         "(NegotiateDelegationDir must be "
                                         "writable by the Apache user)",
                                         dir, strerror(errno));
        return;
    }
    close(fd);
    apr_pool_cleanup_register(p, path, remove_ccache, apr_pool_cleanup_null);
    if (krb5_init_context(&kctx) != 0
        || krb5_cc_resolve(kctx, apr_pstrcat(p, "FILE:", path, NULL), &cc) != 0
        || gss_krb5_copy_ccache(&minor, deleg, cc) != GSS_S_COMPLETE)
        res->ccache_error = apr_psprintf(p, "cannot store the delegated "
                                         "credentials in %s", path);
    else
        res->ccache = path;
    if (cc != NULL)
        krb5_cc_close(kctx, cc);
    if (kctx != NULL)
        krb5_free_context(kctx);
    (void)a;
}

struct neg_krb5_context {
    gss_ctx_id_t ctx;
};

static apr_status_t delete_context(void *data)
{
    neg_krb5_context *c = data;
    OM_uint32 minor;

    if (c->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &c->ctx, GSS_C_NO_BUFFER);
    return APR_SUCCESS;
}

/* The context goes to res->context and lives as long as the pool keep. */
static void keep_context(apr_pool_t *keep, gss_ctx_id_t *ctx, neg_krb5_result *res)
{
    neg_krb5_context *c = apr_pcalloc(keep, sizeof(*c));

    c->ctx = *ctx;
    *ctx = GSS_C_NO_CONTEXT;
    apr_pool_cleanup_register(keep, c, delete_context, apr_pool_cleanup_null);
    res->context = c;
}

/* Heimdal's KRB-ERROR reply (see krb_error_in), for the client. */
static void keep_error_token(apr_pool_t *p, OM_uint32 major,
                             const gss_buffer_desc *out, neg_krb5_result *res)
{
    krb5_error_code code;

    if (major != GSS_S_CONTINUE_NEEDED || (code = krb_error_in(out)) == 0)
        return;
    res->error_token = apr_pmemdup(p, out->value, out->length);
    res->error_token_len = out->length;
    res->error_code = (int)code;
}

int neg_krb5_get_mic(neg_krb5_context *c, const unsigned char *msg, size_t len,
                     apr_pool_t *p, const unsigned char **mic, size_t *mic_len)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor;

    in.value = (void *)msg;
    in.length = len;
    major = gss_get_mic(&minor, c->ctx, GSS_C_QOP_DEFAULT, &in, &out);
    if (major != GSS_S_COMPLETE) {
        gss_release_buffer(&minor, &out);
        return 0;
    }
    *mic = apr_pmemdup(p, out.value, out.length);
    *mic_len = out.length;
    gss_release_buffer(&minor, &out);
    return 1;
}

int neg_krb5_verify_mic(neg_krb5_context *c, const unsigned char *msg,
                        size_t len, const unsigned char *mic, size_t mic_len)
{
    gss_buffer_desc in, tok;
    OM_uint32 minor;
    gss_qop_t qop;

    in.value = (void *)msg;
    in.length = len;
    tok.value = (void *)mic;
    tok.length = mic_len;
    return mic_len > 0
        && gss_verify_mic(&minor, c->ctx, &in, &tok, &qop) == GSS_S_COMPLETE;
}

int neg_krb5_accept(neg_krb5_acceptor *a, const unsigned char *token,
                    size_t len, apr_pool_t *p, const char *delegation_dir,
                    const unsigned char *cb, size_t cb_len, neg_krb5_result *res)
{
    return neg_krb5_accept_keep(a, token, len, p, delegation_dir, cb, cb_len,
                                0, NULL, res);
}

/* With the ticket cache: a known ticket is accepted here (keep == NULL:
 * no GSS context is wanted afterwards), else *remember says whether
 * Heimdal's answer should be remembered. 1 when accepted. */
static int try_ticket_cache(neg_krb5_acceptor *a, const AP_REQ *req,
                            unsigned char key[NEG_TICKET_KEY_LEN], apr_pool_t *p,
                            const unsigned char *cb, size_t cb_len,
                            apr_pool_t *keep, neg_krb5_result *res, int *remember)
{
    ticket_key(req, key);
    if (keep != NULL) {
        *remember = 1;              /* a MIC follows: Heimdal's context */
        return 0;
    }
    switch (accept_cached(a, req, key, p, cb, cb_len, res)) {
    case TICKET_ACCEPTED:
        neg_status_add(NEG_STAT_TICKET_CACHE_HITS, 1);
        return 1;
    case TICKET_NOT_CACHED:
        neg_status_add(NEG_STAT_TICKET_CACHE_MISSES, 1);
        *remember = 1;
        return 0;
    default:
        neg_status_add(NEG_STAT_TICKET_CACHE_DECLINED, 1);
        return 0;
    }
}

int neg_krb5_accept_keep(neg_krb5_acceptor *a, const unsigned char *token,
                         size_t len, apr_pool_t *p, const char *delegation_dir,
                         const unsigned char *cb, size_t cb_len,
                         int ticket_cache, apr_pool_t *keep,
                         neg_krb5_result *res)
{
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
    gss_name_t client = GSS_C_NO_NAME;
    gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
    struct gss_channel_bindings_struct bindings;
    OM_uint32 major, minor, ignored, flags = 0;
    AP_REQ req;
    EncTicketPart et;
    unsigned char key[NEG_TICKET_KEY_LEN];
    int ok = 0, have_req, have_et = 0, remember = 0;
    uint64_t started = neg_status_now_us();

    memset(res, 0, sizeof(*res));
    in.value = (void *)normalise_oid(p, token, len);
    in.length = len;
    have_req = decode_ap_req(in.value, len, &req);
    if (have_req && (res->error = service_name_refused(p, &req)) != NULL)
        goto cleanup;
    if (have_req && ticket_cache && a->tickets != NULL
        && try_ticket_cache(a, &req, key, p, cb, cb_len, keep, res, &remember)) {
        ok = 1;
        goto cleanup;
    }
    /* RFC 4121 4.1.1.2: no addresses, the application data only */
    memset(&bindings, 0, sizeof(bindings));
    bindings.application_data.value = (void *)cb;
    bindings.application_data.length = cb_len;
    major = gss_accept_sec_context(&minor, &ctx, a->cred, &in,
                                   cb && cb_len ? &bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                   &client, NULL, &out, &flags, NULL,
                                   delegation_dir ? &deleg : NULL);
    res->skew = (int)krb5_get_max_time_skew(a->kctx);
    if (major == GSS_S_BAD_BINDINGS) {
        res->bindings = NEG_KRB5_BOUND_ELSEWHERE;
        res->error = describe_failure(p, a, in.value, len, major, minor, &out);
        goto cleanup;
    }
    if (major != GSS_S_COMPLETE) {
        res->error = describe_failure(p, a, in.value, len, major, minor, &out);
        keep_error_token(p, major, &out, res);
        goto cleanup;
    }
    if (!have_req) {
        res->error = "the service principal of the ticket cannot be read";
        goto cleanup;
    }
    res->error = check_ticket_service(p, a, &req, res);
    if (res->error != NULL)
        goto cleanup;
    /* the ticket decrypted once: the authenticator's etype, the bindings
     * and the cache */
    have_et = decrypt_ticket(a, ctx, &req, &et);
    res->bindings = have_et ? initiator_bindings(a, &et, &req, &res->authenticator_time)
                            : NEG_KRB5_BOUND_UNKNOWN;
    if (cb == NULL)
        res->bindings = NEG_KRB5_BOUND_UNCHECKED;
    major = gss_display_name(&minor, client, &name, NULL);
    if (GSS_ERROR(major)) {
        res->error = "the client's principal name cannot be displayed";
        goto cleanup;
    }
    split_principal(p, apr_pstrndup(p, name.value, name.length), res);
    res->error = authenticator_etype_refused(p, &req, have_et ? &et : NULL, res);
    if (res->error != NULL)
        goto cleanup;
    if ((flags & GSS_C_ANON_FLAG) || is_anonymous(res->principal)) {
        res->anonymous = 1;
        res->error = apr_psprintf(p, "refused an anonymous Kerberos ticket "
                                  "(%s) for %s: an anonymous logon proves no "
                                  "identity", res->principal, res->service);
        goto cleanup;
    }
    res->reply = out.length ? apr_pmemdup(p, out.value, out.length) : NULL;
    res->reply_len = out.length;
    extract_pac(p, ctx, res);
    if (deleg != GSS_C_NO_CREDENTIAL && (flags & GSS_C_DELEG_FLAG))
        store_delegated(p, a, deleg, delegation_dir, res);
    if (remember && have_et)
        remember_ticket(a, &et, key, p, res);
    if (keep != NULL)
        keep_context(keep, &ctx, res);
    ok = 1;

cleanup:
    if (have_et)
        forget_ticket(&et);
    if (have_req)
        free_AP_REQ(&req);
    if (deleg != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&ignored, &deleg);
    gss_release_buffer(&ignored, &name);
    gss_release_buffer(&ignored, &out);
    if (client != GSS_C_NO_NAME)
        gss_release_name(&ignored, &client);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&ignored, &ctx, GSS_C_NO_BUFFER);
    neg_status_latency(NEG_HIST_KRB5_ACCEPT, neg_status_now_us() - started);
    return ok;
}
