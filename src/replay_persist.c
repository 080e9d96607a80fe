/*
 * replay_persist.c - the shmcb replay cache outlives restarts
 * (replay_persist.h); its state file's bytes are replay_state.c's.
 */
#include "replay_persist.h"
#include "replay_state.h"
#include "secret.h"

#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "http_config.h"
#include "http_log.h"
#include "apr_file_io.h"
#include "apr_portable.h"
#include "apr_file_info.h"
#include "apr_strings.h"
#include "apr_tables.h"
#include "apr_user.h"

APLOG_USE_MODULE(auth_negotiate);

#define KEPT_KEY "mod_auth_negotiate:replay-kept"

neg_replay_kept *neg_replay_kept_find(server_rec *s)
{
    void *found = NULL;

    apr_pool_userdata_get(&found, KEPT_KEY, s->process->pool);
    return found;
}

neg_replay_kept *neg_replay_kept_make(server_rec *s, const char *arg,
                                      const char *state_path)
{
    apr_pool_t *pool;
    neg_replay_kept *k;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
        return NULL;
    k = apr_pcalloc(pool, sizeof(*k));
    k->pool = pool;
    k->arg = apr_pstrdup(pool, arg);
    k->state_path = apr_pstrdup(pool, state_path);
    return k;
}

void neg_replay_kept_keep(neg_replay_kept *k, server_rec *s)
{
    apr_pool_userdata_set(k, KEPT_KEY, apr_pool_cleanup_null, s->process->pool);
}

static const char *utc(apr_pool_t *p, apr_time_t t)
{
    char buf[APR_RFC822_DATE_LEN];

    apr_rfc822_date(buf, t);
    return apr_pstrdup(p, buf);
}

/* The file's bytes, when it is a regular file of this user's that no one
 * else may read or write (it holds the cache's secret). */
static const char *read_state(apr_pool_t *p, const char *path,
                              unsigned char **buf, apr_size_t *len, int *missing)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_uid_t uid;
    apr_gid_t gid;
    apr_status_t rv;
    char err[120];

    *missing = 0;
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE | APR_FINFO_USER
                  | APR_FINFO_PROT | APR_FINFO_LINK, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        *missing = 1;
        return "there is none";
    }
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        return apr_strerror(rv, err, sizeof(err));
    if (fi.filetype != APR_REG)
        return "it is not a regular file";
    if (apr_uid_current(&uid, &gid, p) == APR_SUCCESS && fi.user != uid)
        return "it belongs to another user than httpd's parent";
    if (fi.protection & (APR_FPROT_GREAD | APR_FPROT_GWRITE
                         | APR_FPROT_WREAD | APR_FPROT_WWRITE))
        return "others may read or write it (it must be mode 0600)";
    if (fi.size < NEG_REPLAY_STATE_HEAD
        || fi.size > NEG_REPLAY_STATE_HEAD + (apr_off_t)NEG_REPLAY_STATE_MAX_KEYS * 32)
        return "its size is not that of a state file";
    *len = (apr_size_t)fi.size;
    *buf = apr_palloc(p, *len);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, *buf, *len, NULL);
        apr_file_close(f);
    }
    return rv == APR_SUCCESS ? NULL : apr_strerror(rv, err, sizeof(err));
}

/* Written whole under another name, then renamed over it: a crash leaves
 * the old file or the new one. */
static const char *write_state(apr_pool_t *p, const char *path,
                               const neg_replay_state *st)
{
    apr_size_t len = NEG_REPLAY_STATE_HEAD + (apr_size_t)st->count * 32;
    unsigned char *buf = apr_palloc(p, len);
    const char *tmp = apr_pstrcat(p, path, ".new", NULL);
    apr_file_t *f;
    apr_status_t rv;
    char err[120];

    if (neg_replay_state_encode(st, buf, len) != len)
        return "too many keys";
    apr_file_remove(tmp, p);
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL
                       | APR_FOPEN_BINARY, APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, buf, len, NULL);
        if (rv == APR_SUCCESS)
            rv = apr_file_sync(f);
        apr_file_close(f);
        if (rv == APR_SUCCESS)
            rv = apr_file_rename(tmp, path, p);
    }
    neg_wipe(buf, len);
    return rv == APR_SUCCESS ? NULL : apr_strerror(rv, err, sizeof(err));
}

/* One saved key stored again. The first of its group (the keys of one
 * first byte, one shmcb sub-cache) is stored as the group's canary too
 * (replay_horizon.h), living as long as a canary: shmcb drops a
 * sub-cache's entries in the order they came, so when it goes missing the
 * restored keys after it, and the fresh ones of its span, may be gone,
 * and the group then remembers only from after them. Without it the
 * restored keys, stored before any canary, went unwatched: one dropped
 * early was a replay that passed. */
static int restore_key(neg_replay_kept *k, const ap_socache_provider_t *provider,
                       const unsigned char *key, apr_time_t expiry,
                       apr_time_t lifetime, server_rec *s, apr_pool_t *p)
{
    apr_time_t now = neg_horizon_now(k->horizon, apr_time_now()), until = expiry;
    int canary = neg_horizon_storing(k->horizon, key[0], now, lifetime, &until);
    unsigned char mark = 1;

    if (until < expiry)
        until = expiry;
    if (provider->store(k->instance, s, key, 32, until, &mark, 1, p) != APR_SUCCESS)
        return 0;
    if (canary)
        neg_horizon_add(k->horizon, key[0], key, now, until);
    return 1;
}

/* The saved keys, stored again to live as long as the longest-lived could
 * still have (they may live longer: the cache then refuses more, never
 * less). Returns how many. */
static unsigned restore_keys(neg_replay_kept *k, const ap_socache_provider_t *provider,
                             const neg_replay_state *st, server_rec *s, apr_pool_t *p)
{
    apr_time_t expiry = st->saved_at + st->longest, now = apr_time_now();
    unsigned n = 0;
    uint32_t i;

    if (expiry <= now)
        return 0;
    for (i = 0; i < st->count; i++)
        n += (unsigned)restore_key(k, provider, st->keys + 32 * (apr_size_t)i,
                                   expiry, st->longest, s, p);
    return n;
}

/* The cache may lack authenticators accepted before now: those that could
 * have been are refused until the clock skew has passed (RFC 4120 3.2.3). */
static void set_floor(neg_replay_kept *k, apr_time_t floor, const char *why,
                      server_rec *s, apr_pool_t *p)
{
    k->horizon->floor = floor;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0813: the Kerberos replay "
                 "cache starts without the authenticators the last httpd "
                 "accepted: its state file %s %s. Kerberos logons whose "
                 "authenticators could be from before %s are refused (NEG0810) "
                 "until the clock skew has passed (RFC 4120 3.2.3); stop httpd "
                 "cleanly (apachectl stop, systemctl stop) to keep them",
                 k->state_path, why, utc(p, floor));
}

void neg_replay_state_load(neg_replay_kept *k, const ap_socache_provider_t *provider,
                           int key_file, server_rec *s, apr_pool_t *ptemp)
{
    neg_replay_state st;
    unsigned char *buf = NULL;
    apr_size_t len = 0;
    apr_time_t now = apr_time_now();
    const char *err;
    int missing;
    unsigned n;

    err = read_state(ptemp, k->state_path, &buf, &len, &missing);
    if (err == NULL)
        err = neg_replay_state_decode(buf, len, &st);
    if (missing)
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "NEG0814: the Kerberos replay "
                     "cache starts empty: no state file %s (a first start)",
                     k->state_path);
    else if (err != NULL)
        set_floor(k, now, apr_pstrcat(ptemp, "cannot be used: ", err, NULL), s, ptemp);
    else if (st.state == NEG_REPLAY_STATE_RUNNING)
        set_floor(k, now, apr_psprintf(ptemp, "says an httpd started at %s never "
                                       "saved it (it was killed or crashed)",
                                       utc(ptemp, st.started)), s, ptemp);
    else if (key_file && !neg_ct_equal(st.secret, k->secret, sizeof(k->secret)))
        set_floor(k, st.saved_at, "was keyed with another NegotiateReplayCacheKey",
                  s, ptemp);
    else {
        if (!key_file)
            memcpy(k->secret, st.secret, sizeof(k->secret));
        n = restore_keys(k, provider, &st, s, ptemp);
        k->horizon->started = st.started;
        k->horizon->longest = st.longest;
        k->horizon->floor = st.remembers_from;
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "NEG0814: the Kerberos replay "
                     "cache starts with the %u authenticators of %u that httpd "
                     "saved at %s (state file %s) still within their lifetime",
                     n, st.count, utc(ptemp, st.saved_at), k->state_path);
    }
    if (buf != NULL)
        neg_wipe(buf, len);
    memset(&st, 0, sizeof(st));
    st.state = NEG_REPLAY_STATE_RUNNING;
    st.started = k->horizon->started;
    if ((err = write_state(ptemp, k->state_path, &st)) != NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0815: cannot write the "
                     "Kerberos replay cache's state file %s (%s): at the next start "
                     "its authenticators will be lost; make its directory writable "
                     "by root (NegotiateReplayCacheState)", k->state_path, err);
}

/* One httpd per state file: its parent holds flock(2) on STATE.lock for
 * as long as it runs (inherited by its children; fcntl locks, APR's
 * choice, are not inherited by the parent httpd becomes when it
 * detaches). Two servers sharing one file would each take the other's
 * "running" for a crash, and overwrite its keys. */
const char *neg_replay_state_lock(neg_replay_kept *k, apr_pool_t *ptemp)
{
    const char *path = apr_pstrcat(ptemp, k->state_path, ".lock", NULL);
    apr_file_t *f;
    apr_os_file_t fd;
    apr_status_t rv;
    char err[120];

    rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, k->pool);
    if (rv != APR_SUCCESS)
        return apr_psprintf(ptemp, "cannot open %s: %s", path,
                            apr_strerror(rv, err, sizeof(err)));
    apr_os_file_get(&fd, f);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        apr_file_close(f);
        return apr_psprintf(ptemp, "another httpd that is running uses it (it "
                            "holds %s): give each httpd its own "
                            "NegotiateReplayCacheState (or DefaultRuntimeDir)", path);
    }
    return NULL;        /* open, and locked, until the last process exits */
}

typedef struct {
    apr_array_header_t *keys;
} collected;

static apr_status_t collect(ap_socache_instance_t *instance, server_rec *s,
                            void *ctx, const unsigned char *id, unsigned int idlen,
                            const unsigned char *data, unsigned int datalen,
                            apr_pool_t *pool)
{
    collected *c = ctx;

    (void)instance; (void)s; (void)data; (void)datalen; (void)pool;
    if (idlen == 32 && (uint32_t)c->keys->nelts < NEG_REPLAY_STATE_MAX_KEYS)
        memcpy(apr_array_push(c->keys), id, 32);
    return APR_SUCCESS;
}

void neg_replay_state_save(neg_replay_kept *k, const ap_socache_provider_t *provider,
                           apr_global_mutex_t *mutex, server_rec *s)
{
    apr_pool_t *p;
    collected c;
    neg_replay_state st;
    const char *err = NULL;
    apr_status_t rv;
    char buf[120];

    if (getpid() != k->parent || apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return;
    c.keys = apr_array_make(p, 4096, 32);
    memset(&st, 0, sizeof(st));
    if ((rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS)
        err = apr_strerror(rv, buf, sizeof(buf));
    else {
        rv = provider->iterate(k->instance, s, &c, collect, p);
        st.started = k->horizon->started;
        st.longest = k->horizon->longest;
        st.remembers_from = k->horizon->remembers_from > k->horizon->floor
                            ? k->horizon->remembers_from : k->horizon->floor;
        apr_global_mutex_unlock(mutex);
        if (rv != APR_SUCCESS)
            err = apr_strerror(rv, buf, sizeof(buf));
    }
    if (err == NULL) {
        st.state = NEG_REPLAY_STATE_SAVED;
        st.saved_at = apr_time_now();
        memcpy(st.secret, k->secret, sizeof(st.secret));
        st.count = (uint32_t)c.keys->nelts;
        st.keys = (const unsigned char *)c.keys->elts;
        err = write_state(p, k->state_path, &st);
        neg_wipe(st.secret, sizeof(st.secret));
    }
    if (err != NULL)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "NEG0815: cannot save the "
                     "Kerberos replay cache to its state file %s (%s): the next "
                     "start will refuse Kerberos logons until the clock skew "
                     "has passed (NEG0813)", k->state_path, err);
    apr_pool_destroy(p);
}
