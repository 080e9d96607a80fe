/*
 * krb5_keytab.c - the acceptors' registry (kerberos.h): one acceptor per
 * keytab and principal list, its keys copied into a MEMORY: keytab, a
 * credential acquired once, and the file checked and reloaded when it
 * changes. Locking: one mutex guards the registry (the map from "keytab +
 * principals" to the current acceptor) and the reference counts; a load
 * runs outside it; gss_accept_sec_context() runs concurrently on the same
 * credential, which Heimdal allows (its MEMORY: keytab is only read after
 * it has been filled).
 */
#include "kerberos.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_strings.h"

#include "krb5_private.h"
#include "apr_hash.h"
#include "apr_thread_mutex.h"
#include "apr_time.h"

#include "principal.h"
#include "status.h"

/* How often a keytab file is checked for replacement. */
static apr_interval_time_t keytab_check_interval = APR_USEC_PER_SEC;

/* The verified tickets an acceptor keeps (doc/security.md, "The ticket cache"). */
#define TICKET_CACHE_ENTRIES 1024
#define TICKET_CACHE_BYTES (8 * 1024 * 1024)

typedef struct {
    neg_krb5_acceptor *current;
    /* The last load's messages live in their own pool, cleared before each
     * load: a keytab that keeps failing is retried once a second for as
     * long as httpd runs. */
    apr_pool_t *msg_pool;
    const char *load_error;         /* the last load failed: this is why */
    const char *warning;            /* shown once after a load */
    apr_time_t checked;
    struct stat st;                 /* the file as it was before the load
                                     * that made current */
    int have_st;
    /* held by the one thread that checks and loads the keytab, outside
     * registry_lock: the others keep serving with current meanwhile (a
     * keytab on a hung NFS mount holds that thread only) */
    apr_thread_mutex_t *load_lock;
    int loading;
} registry_entry;

static apr_pool_t *registry_pool;
static apr_thread_mutex_t *registry_lock;
static apr_hash_t *registry;
static unsigned int load_counter;

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

const char *neg_krb5_message(apr_pool_t *p, krb5_context kctx,
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

void neg_krb5_key_id(const krb5_keyblock *key, unsigned char out[NEG_KRB5_KEY_ID_LEN])
{
    static const char label[] = "mod_auth_negotiate key id";
    SHA256_CTX sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, label, sizeof(label));
    neg_krb5_put_be32(&sha, (uint32_t)key->keytype);
    SHA256_Update(&sha, key->keyvalue.data, key->keyvalue.length);
    SHA256_Final(out, &sha);
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
                                          neg_krb5_message(a->pool, a->kctx, code));
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
                neg_krb5_key_id(&entry.keyblock, ki->key_id);
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

static void (*load_hook)(const char *keytab);

void neg_krb5_set_load_hook(void (*hook)(const char *keytab))
{
    load_hook = hook;
}

/* A new acceptor from the keytab, in pool (made under registry_lock by
 * the caller: this runs outside it). */
static neg_krb5_acceptor *load_acceptor(const char *keytab,
                                        const apr_array_header_t *allowed,
                                        apr_pool_t *pool, apr_pool_t *msg_pool,
                                        const char **error,
                                        const char **warning)
{
    neg_krb5_acceptor *a;
    krb5_keytab src = NULL;
    krb5_error_code code;
    char defname[1024];
    char memname[128];
    OM_uint32 major, minor;

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
                              a->keytab_name, neg_krb5_message(pool, a->kctx, code));
        goto fail;
    }
    snprintf(memname, sizeof(memname), "MEMORY:mod_auth_negotiate-%ld-%u",
             (long)getpid(), __atomic_add_fetch(&load_counter, 1, __ATOMIC_RELAXED));
    code = krb5_kt_resolve(a->kctx, memname, &a->mem_keytab);
    if (code != 0) {
        a->mem_keytab = NULL;
        *error = apr_psprintf(msg_pool, "cannot create a MEMORY keytab: %s",
                              neg_krb5_message(pool, a->kctx, code));
        goto fail;
    }
    *error = copy_keys(a, src, allowed);
    if (load_hook != NULL)
        load_hook(a->keytab_name);      /* tests: a write, or a hang, here */
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

/* The keytab's file now, stat first: whatever is read after this is at
 * least as new, so a write that lands during the load is seen at the next
 * check (which finds the file changed since this stat) rather than never.
 * 0 when there is no file to look at (another keytab type). */
static int stat_keytab(const char *keytab, struct stat *st)
{
    char defname[1024];
    const char *path;
    krb5_context kctx;

    if (keytab == NULL) {
        if (krb5_init_context(&kctx) != 0)
            return 0;
        krb5_kt_default_name(kctx, defname, sizeof(defname));
        krb5_free_context(kctx);
        keytab = defname;
    }
    path = keytab_file_path(keytab);
    return path != NULL && stat(path, st) == 0;
}

/* Nanoseconds too: a keytab rewritten within the second, at the same
 * size, on a file system that gives the freed inode number back. */
static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size
        && a->st_mtim.tv_sec == b->st_mtim.tv_sec
        && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
        && a->st_ctim.tv_sec == b->st_ctim.tv_sec
        && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void retire(neg_krb5_acceptor *a)
{
    a->retired = 1;
    if (a->refs == 0)
        destroy_acceptor(a);
}

/* Check the keytab and load it when it changed (or never loaded): called
 * by one thread at a time (load_lock), without registry_lock, which it
 * takes only to make pools and to swap the result in. */
static void refresh_entry(registry_entry *e, const char *keytab,
                          const apr_array_header_t *allowed)
{
    neg_krb5_acceptor *fresh;
    apr_pool_t *pool, *msgs;
    const char *error = NULL, *warning = NULL;
    struct stat st;
    int have_st = stat_keytab(keytab, &st);

    if (e->current != NULL && (!have_st || (e->have_st && same_file(&st, &e->st))))
        return;     /* unchanged, or gone for now: keep what works */
    apr_thread_mutex_lock(registry_lock);
    apr_pool_create(&pool, registry_pool);
    apr_pool_create(&msgs, registry_pool);
    apr_thread_mutex_unlock(registry_lock);
    fresh = load_acceptor(keytab, allowed, pool, msgs, &error, &warning);
    neg_status_keytab_load(fresh ? fresh->keytab_name : keytab, fresh != NULL,
                           apr_time_now());
    apr_thread_mutex_lock(registry_lock);
    apr_pool_destroy(e->msg_pool);
    e->msg_pool = msgs;
    e->load_error = error;
    e->warning = warning;
    if (fresh != NULL) {
        if (e->current != NULL)
            retire(e->current);
        e->current = fresh;
        e->st = st;
        e->have_st = have_st;
    }
    apr_thread_mutex_unlock(registry_lock);
}

static registry_entry *entry_for(const char *key)
{
    registry_entry *e = apr_hash_get(registry, key, APR_HASH_KEY_STRING);

    if (e == NULL) {
        e = apr_pcalloc(registry_pool, sizeof(*e));
        apr_pool_create(&e->msg_pool, registry_pool);
        apr_thread_mutex_create(&e->load_lock, APR_THREAD_MUTEX_DEFAULT, registry_pool);
        apr_hash_set(registry, apr_pstrdup(registry_pool, key),
                     APR_HASH_KEY_STRING, e);
    }
    return e;
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
    int due, have;

    *error = NULL;
    *warning = NULL;
    apr_thread_mutex_lock(registry_lock);
    e = entry_for(key);
    due = !e->loading && (e->checked == 0 || now - e->checked >= keytab_check_interval);
    if (due) {
        e->checked = now;
        e->loading = 1;
    }
    have = e->current != NULL;
    apr_thread_mutex_unlock(registry_lock);
    /* The thread whose turn it is checks (and loads); one that has no
     * acceptor to serve with yet waits for it; the others go on with the
     * acceptor they have. */
    if (due || !have) {
        apr_thread_mutex_lock(e->load_lock);
        if (due)
            refresh_entry(e, keytab, principals);
        apr_thread_mutex_unlock(e->load_lock);
    }
    apr_thread_mutex_lock(registry_lock);
    if (due)
        e->loading = 0;
    a = e->current;
    if (a != NULL)
        a->refs++;
    else
        *error = apr_pstrdup(p, e->load_error ? e->load_error
                             : "the keytab has not been loaded yet");
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

/* A 32-bit value into a hash, big-endian. */
void neg_krb5_put_be32(SHA256_CTX *sha, uint32_t v)
{
    unsigned char b[4];

    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    SHA256_Update(sha, b, sizeof(b));
}
