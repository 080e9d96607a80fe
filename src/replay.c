/*
 * replay.c - the Kerberos replay cache (see replay.h).
 *
 * One cache for the whole server, set in the main server configuration
 * (like SSLSessionCache). shmcb goes through mod_socache, guarded by a
 * global mutex, which also makes the check and the store one step. A
 * farm's cache (redis, memcache) is shared by servers that share no lock:
 * there the check and the store must be one atomic command, which
 * mod_socache cannot express, so replay_remote.c speaks to it directly.
 */
#include "replay.h"
#include "replay_remote.h"
#include "status.h"

#include "ap_socache.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "util_mutex.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"

APLOG_USE_MODULE(auth_negotiate);

#define MUTEX_TYPE "auth-negotiate-replay"

/* shmcb is a ring: an entry evicted before it expires is a replay that
 * would pass. mod_socache_shmcb's own default (512 KB) holds about 36,000
 * authenticators, which a busy server turns over in seconds; ours holds
 * about 2.3 million, i.e. the 10-minute window at about 3,800 Kerberos
 * logons a second. Busier servers: a bigger shmcb, or redis. */
#define DEFAULT_SHMCB_BYTES (32 * 1024 * 1024)

static const char *cache_name = "shmcb";        /* the default */
static const char *cache_arg;                   /* provider argument */
static const char *cache_label = "shmcb";       /* as configured, for logs */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;
static neg_remote *remote;                      /* redis, memcache */

const char *neg_replay_set(apr_pool_t *p, const char *arg)
{
    const char *colon = strchr(arg, ':');
    const char *name = colon ? apr_pstrndup(p, arg, (apr_size_t)(colon - arg)) : arg;

    if (strcasecmp(name, "none") != 0 && strcasecmp(name, "shmcb") != 0
        && strcasecmp(name, "memcache") != 0 && strcasecmp(name, "redis") != 0)
        return apr_psprintf(p, "NegotiateReplayCache: '%s' is not allowed; use "
                            "shmcb[:path(size)], memcache:HOST:PORT, "
                            "redis:HOST:PORT or none", arg);
    if ((strcasecmp(name, "memcache") == 0 || strcasecmp(name, "redis") == 0)
        && (colon == NULL || colon[1] == '\0'))
        return apr_psprintf(p, "NegotiateReplayCache %s needs HOST:PORT, e.g. "
                            "%s:127.0.0.1:%s", name, name,
                            strcasecmp(name, "redis") == 0 ? "6379" : "11211");
    remote = NULL;
    if (strcasecmp(name, "redis") == 0 || strcasecmp(name, "memcache") == 0) {
        const char *err = neg_remote_parse(p, strcasecmp(name, "redis") == 0
                                           ? NEG_REMOTE_REDIS : NEG_REMOTE_MEMCACHE,
                                           colon + 1, &remote);
        if (err != NULL)
            return err;
    }
    cache_name = apr_pstrdup(p, name);
    cache_arg = colon ? apr_pstrdup(p, colon + 1) : NULL;
    cache_label = apr_pstrdup(p, arg);
    return NULL;
}

const char *neg_replay_name(void)
{
    return cache_label;
}

void neg_replay_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t destroy_cache(void *data)
{
    if (instance != NULL)
        provider->destroy(instance, (server_rec *)data);
    instance = NULL;
    return APR_SUCCESS;
}

/* The cache's lock lives as long as the httpd parent, not one
 * configuration generation: a graceful restart clears pconf while the old
 * generation's children still serve their requests, and a lock made in
 * pconf is destroyed under them (pthread, httpd's default here: every lock
 * then fails, and their Kerberos logons are refused with NEG0207). Made
 * once, in the process pool, found again after each restart (this
 * module's statics are reset when httpd reloads it). A Mutex directive
 * changed for auth-negotiate-replay takes effect at the next full start. */
static apr_status_t create_mutex(server_rec *s)
{
    static const char key[] = "mod_auth_negotiate:replay-mutex";
    apr_pool_t *pp = s->process->pool;
    void *found = NULL;
    apr_status_t rv;

    apr_pool_userdata_get(&found, key, pp);
    if (found != NULL) {
        mutex = found;
        return APR_SUCCESS;
    }
    rv = ap_global_mutex_create(&mutex, NULL, MUTEX_TYPE, NULL, s, pp, 0);
    if (rv == APR_SUCCESS)
        apr_pool_userdata_set(mutex, key, apr_pool_cleanup_null, pp);
    return rv;
}

/* A farm's cache that does not answer is no reason not to start (it may
 * come up after this server): say so now, and refuse Kerberos logons
 * (NEG0207) until it answers. Once, not in httpd's first configuration
 * pass. */
static void probe_remote(server_rec *s, apr_pool_t *ptemp)
{
    const char *why;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return;
    why = neg_remote_probe(remote, ptemp);
    if (why != NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0805: the Kerberos "
                     "replay cache (NegotiateReplayCache %s) does not answer "
                     "(%s): httpd starts, but refuses every Kerberos logon "
                     "(NEG0207) until it does", neg_replay_name(), why);
}

int neg_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    static const struct ap_socache_hints hints = { 32, 1, apr_time_from_sec(30) };
    const char *err, *arg;
    apr_status_t rv;

    instance = NULL;
    mutex = NULL;
    if (strcasecmp(cache_name, "none") == 0)
        return OK;
    if (remote != NULL) {
        probe_remote(s, ptemp);
        return OK;
    }
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, cache_name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0801: the Kerberos "
                     "replay cache 'shmcb' needs mod_socache_shmcb, which is "
                     "not loaded: next to this module's own LoadModule line, "
                     "add \"LoadModule socache_shmcb_module "
                     "/usr/lib/apache2/modules/mod_socache_shmcb.so\" "
                     "(Debian's module directory), or on Debian load this "
                     "module with \"a2enmod auth_negotiate\" instead, which "
                     "loads mod_socache_shmcb too; or choose another cache "
                     "with NegotiateReplayCache");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    arg = cache_arg;
    if (arg == NULL && strcasecmp(cache_name, "shmcb") == 0)
        arg = apr_psprintf(ptemp, "%s(%d)",
                           ap_runtime_dir_relative(ptemp, "auth_negotiate_replay"),
                           DEFAULT_SHMCB_BYTES);
    err = provider->create(&instance, arg, ptemp, pconf);
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0802: NegotiateReplayCache "
                     "%s: %s", neg_replay_name(), err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = create_mutex(s);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0804: cannot create "
                         "the lock of the Kerberos replay cache (Mutex %s)",
                         MUTEX_TYPE);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    rv = provider->init(instance, "mod_auth_negotiate", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0803: cannot initialise "
                     "the Kerberos replay cache %s", neg_replay_name());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    return OK;
}

void neg_replay_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (remote != NULL)
        neg_remote_child_init(remote, pchild, s);
    if (mutex != NULL)
        apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex), pchild);
}

static neg_replay_result counted(neg_replay_result result)
{
    neg_status_add(result == NEG_REPLAY_FRESH ? NEG_STAT_REPLAY_STORES
                   : result == NEG_REPLAY_SEEN ? NEG_STAT_REPLAY_SEEN
                   : NEG_STAT_REPLAY_ERRORS, 1);
    return result;
}

neg_replay_result neg_replay_check(server_rec *s, const unsigned char key[32],
                                   apr_time_t expiry, apr_pool_t *p,
                                   const char **why)
{
    unsigned char seen[8], mark = 1;
    unsigned int seen_len = sizeof(seen);
    neg_replay_result result = NEG_REPLAY_ERROR;
    const char *step = "locking it";
    apr_status_t rv;
    char err[120];

    *why = NULL;
    if (remote != NULL)
        return counted(neg_remote_check(remote, key, expiry, p, why));
    if (instance == NULL)
        return NEG_REPLAY_FRESH;            /* NegotiateReplayCache none */
    if (mutex != NULL && (rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS)
        goto fail;
    step = "looking the authenticator up";
    rv = provider->retrieve(instance, s, key, 32, seen, &seen_len, p);
    if (rv == APR_SUCCESS) {
        result = NEG_REPLAY_SEEN;
    }
    else if (rv == APR_NOTFOUND) {
        step = "storing the authenticator";
        rv = provider->store(instance, s, key, 32, expiry, &mark, 1, p);
        if (rv == APR_SUCCESS)
            result = NEG_REPLAY_FRESH;
    }
    if (mutex != NULL)
        apr_global_mutex_unlock(mutex);
    if (result != NEG_REPLAY_ERROR)
        return counted(result);
fail:
    *why = apr_psprintf(p, "%s: %s", step, apr_strerror(rv, err, sizeof(err)));
    return counted(NEG_REPLAY_ERROR);
}

void neg_replay_provider_status(request_rec *r, int flags)
{
    if (remote != NULL)
        ap_rputs(neg_remote_status(remote, r->pool), r);
    else if (instance != NULL && provider->status != NULL)
        provider->status(instance, r, flags);
}
