/*
 * replay.c - the Kerberos replay cache (see replay.h).
 *
 * One cache for the whole server, set in the main server configuration
 * (like SSLSessionCache). shmcb goes through mod_socache, guarded by a
 * global mutex, which also makes the check and the store one step. A
 * farm's cache (redis, memcache) is shared by servers that share no lock:
 * there the check and the store must be one atomic command, which
 * mod_socache cannot express, so replay_remote.c speaks to it directly.
 * Every cache is given HMAC-SHA256(secret, replay key), not the replay key
 * (replay_key.h); shmcb's losses are watched with canaries
 * (replay_horizon.h), and an authenticator older than what the cache
 * still remembers is refused.
 */
#include "replay.h"
#include "replay_horizon.h"
#include "replay_key.h"
#include "replay_persist.h"
#include "replay_remote.h"
#include "log_time.h"
#include "status.h"
#include "secret.h"                 /* neg_wipe */

#include "ap_socache.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "util_mutex.h"
#include "mod_status.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"

APLOG_USE_MODULE(auth_negotiate);

#define MUTEX_TYPE "auth-negotiate-replay"

/* shmcb is a ring per sub-cache: an entry dropped before it expires
 * would be a replay that passes, and is now an authenticator refused
 * (NEG0810). NEG_REPLAY_SHMCB_BYTES (32 MB) hold about 588,000 entries
 * (bench/shmcb_capacity: the 10-minute window at 980 Kerberos logons a
 * second). Busier servers: a bigger shmcb (doc/configuration.md,
 * NegotiateReplayCache), or redis.
 *
 * mod_socache_shmcb divides each sub-cache between an index of shm /
 * (avg_id_len + avg_obj_size) records and the data (socache_shmcb_init).
 * An entry of ours costs its 32-byte key and 1-byte value in the data and
 * one index record (SHMCBIndex: 24 bytes on LP64, once aligned): counted
 * in avg_obj_size, index and data fill up together. With {32, 1} the index
 * took three quarters of the space and the cache held 277,248 entries. */
static const struct ap_socache_hints shmcb_hints = {
    NEG_REPLAY_SHMCB_ID_LEN, NEG_REPLAY_SHMCB_OBJ_SIZE, apr_time_from_sec(30)
};

/* NEG0809 at most this often (a count of the losses in between). */
#define LOSS_LOG_INTERVAL apr_time_from_sec(60)

static const char *cache_name = "shmcb";        /* the default */
static const char *cache_arg;                   /* provider argument */
static const char *cache_label = "shmcb";       /* as configured, for logs */
static const char *key_path;                    /* NegotiateReplayCacheKey */
static const char *state_path;                  /* NegotiateReplayCacheState */
static neg_replay_kept *kept;                   /* shmcb: outlives restarts */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;
static neg_remote *remote;                      /* redis, memcache */
static neg_horizon *horizon;                    /* shmcb: in shared memory */
static unsigned char secret[NEG_REPLAY_SECRET_LEN];

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

const char *neg_replay_set_key(apr_pool_t *p, const char *path)
{
    key_path = ap_server_root_relative(p, path);
    return key_path ? NULL : apr_psprintf(p, "NegotiateReplayCacheKey: '%s' "
                                          "is not a valid path", path);
}

const char *neg_replay_set_state(apr_pool_t *p, const char *path)
{
    state_path = ap_server_root_relative(p, path);
    return state_path ? NULL : apr_psprintf(p, "NegotiateReplayCacheState: '%s' "
                                            "is not a valid path", path);
}

const char *neg_replay_name(void)
{
    return cache_label;
}

neg_remote *neg_replay_remote(void)
{
    return strcasecmp(cache_name, "none") == 0 ? NULL : remote;
}

void neg_replay_derive(const char *purpose, unsigned char out[32])
{
    neg_replay_key_mac(secret, (const unsigned char *)purpose, strlen(purpose), out);
}

void neg_replay_pre_config(apr_pool_t *pconf)
{
    key_path = NULL;
    state_path = NULL;
    ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
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

static apr_status_t wipe_secret(void *unused)
{
    (void)unused;
    neg_wipe(secret, sizeof(secret));
    return APR_SUCCESS;
}

/* The secret the cache keys are made with: the key file's, or random for
 * shmcb alone (it starts empty at every start anyway). A farm's cache
 * needs the file: with a secret of each server's own, no server would
 * recognise another's entries, nor its own after a restart. */
static int make_secret(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *err;
    apr_status_t rv;

    apr_pool_cleanup_register(pconf, NULL, wipe_secret, apr_pool_cleanup_null);
    if (key_path != NULL && (err = neg_replay_key_load(ptemp, key_path, secret)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0807: "
                     "NegotiateReplayCacheKey %s: %s", key_path, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (key_path != NULL)
        return OK;
    if (remote != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0808: "
                     "NegotiateReplayCache %s is shared by a farm: set "
                     "NegotiateReplayCacheKey to a file of random bytes (e.g. "
                     "head -c 48 /dev/urandom), the same on every server "
                     "(mode 0600, root's): without it each server would key "
                     "the cache with a secret of its own, and a token "
                     "accepted by one server, or before a restart, would "
                     "pass again", neg_replay_name());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = apr_generate_random_bytes(secret, sizeof(secret));
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0807: cannot make a "
                     "random key for the replay cache; set NegotiateReplayCacheKey");
    return rv == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* The canaries' bookkeeping, in shared memory beside the cache, kept as
 * long as it (replay_persist.h). */
static int make_horizon(neg_replay_kept *k, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, sizeof(neg_horizon), NULL, k->pool);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0803: cannot initialise "
                     "the Kerberos replay cache %s (shared memory for its "
                     "bookkeeping)", neg_replay_name());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    k->horizon = apr_shm_baseaddr_get(shm);
    neg_horizon_init(k->horizon, apr_time_now());
    return OK;
}

/* The first start of this parent: shmcb made in a pool that outlives
 * restarts, its bookkeeping, and the state the last httpd saved. */
static int make_kept(apr_pool_t *ptemp, server_rec *s, const char *arg)
{
    const char *err;
    apr_status_t rv;
    int status;

    kept = neg_replay_kept_make(s, arg, state_path ? state_path
                                : ap_runtime_dir_relative(ptemp, NEG_REPLAY_STATE_FILE));
    if (kept == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    if ((err = neg_replay_state_lock(kept, ptemp)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0816: the Kerberos replay "
                     "cache's state file %s: %s", kept->state_path, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    kept->parent = getpid();
    err = provider->create(&kept->instance, kept->arg, ptemp, kept->pool);
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0802: NegotiateReplayCache "
                     "%s: %s", neg_replay_name(), err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((status = make_horizon(kept, s)) != OK)
        return status;
    rv = provider->init(kept->instance, "mod_auth_negotiate", &shmcb_hints, s, kept->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0803: cannot initialise "
                     "the Kerberos replay cache %s", neg_replay_name());
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    memcpy(kept->secret, secret, sizeof(secret));
    if ((status = neg_replay_state_load(kept, provider, key_path != NULL, s,
                                        ptemp)) != OK)
        return status;
    neg_replay_kept_keep(kept, s);
    return OK;
}

/* A restart with other settings: the cache keeps its entries, size and
 * key until httpd is stopped and started. */
static void tell_kept(server_rec *s, const char *arg)
{
    if (strcmp(kept->arg, arg) != 0)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0812: NegotiateReplayCache "
                     "changed (%s, was %s): the cache keeps its entries and its "
                     "size until httpd is stopped and started (a restart would "
                     "forget the authenticators it accepted)", arg, kept->arg);
    if (key_path != NULL && !neg_ct_equal(kept->secret, secret, sizeof(secret)))
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0812: "
                     "NegotiateReplayCacheKey %s changed: shmcb keeps the key it "
                     "was started with until httpd is stopped and started",
                     key_path);
}

/* The parent exits: the cache to its state file. Not at a restart (the
 * cache stays), not in a child. Registered after the modules were loaded:
 * run before mod_socache_shmcb is unloaded. */
static apr_status_t save_kept(void *data)
{
    server_rec *s = data;

    if (kept != NULL && ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING)
        neg_replay_state_save(kept, provider, mutex, s);
    return APR_SUCCESS;
}

/* shmcb through mod_socache, its lock and the canaries' bookkeeping, made
 * once per httpd parent (replay_persist.h). */
static int make_shmcb(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *arg;
    apr_status_t rv;
    int status;

    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, cache_name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (provider == NULL || provider->iterate == NULL) {
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
    if (arg == NULL)
        arg = apr_psprintf(ptemp, "%s(%d)",
                           ap_runtime_dir_relative(ptemp, "auth_negotiate_replay"),
                           NEG_REPLAY_SHMCB_BYTES);
    /* always: the canaries' bookkeeping needs it too */
    rv = create_mutex(s);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0804: cannot create "
                     "the lock of the Kerberos replay cache (Mutex %s)",
                     MUTEX_TYPE);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    kept = neg_replay_kept_find(s);
    if (kept != NULL)
        tell_kept(s, arg);
    else if ((status = make_kept(ptemp, s, arg)) != OK)
        return status;
    kept->parent = getpid();    /* httpd detaches after its first pass */
    instance = kept->instance;
    horizon = kept->horizon;
    memcpy(secret, kept->secret, sizeof(secret));
    apr_pool_cleanup_register(pconf, s, save_kept, apr_pool_cleanup_null);
    return OK;
}

/* httpd -t: what would stop the start (NEG0807, NEG0808), said now. */
void neg_replay_test_config(apr_pool_t *p, server_rec *s)
{
    unsigned char probe[NEG_REPLAY_SECRET_LEN];
    const char *err;

    if (strcasecmp(cache_name, "none") == 0)
        return;
    if (key_path != NULL && (err = neg_replay_key_load(p, key_path, probe)) != NULL)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0807: "
                     "NegotiateReplayCacheKey %s: %s", key_path, err);
    else if (key_path == NULL && remote != NULL)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0808: "
                     "NegotiateReplayCache %s is shared by a farm: set "
                     "NegotiateReplayCacheKey (httpd will not start without it)",
                     neg_replay_name());
    neg_wipe(probe, sizeof(probe));
}

int neg_replay_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    int status;

    instance = NULL;
    mutex = NULL;
    horizon = NULL;
    kept = NULL;
    if (strcasecmp(cache_name, "none") == 0)
        return OK;
    if ((status = make_secret(pconf, ptemp, s)) != OK)
        return status;
    if (remote == NULL)
        return make_shmcb(pconf, ptemp, s);
    probe_remote(s, ptemp);
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
    static const neg_stat stat[] = {
        NEG_STAT_REPLAY_STORES, NEG_STAT_REPLAY_SEEN, NEG_STAT_REPLAY_ERRORS,
        NEG_STAT_REPLAY_TOO_OLD
    };

    neg_status_add(stat[result], 1);
    return result;
}

typedef struct {
    server_rec *s;
    apr_pool_t *p;
    apr_status_t rv;
} lookup_ctx;

/* neg_horizon_lookup over shmcb */
static int lookup(void *ctx, const unsigned char key[32])
{
    lookup_ctx *l = ctx;
    unsigned char seen[8];
    unsigned int seen_len = sizeof(seen);

    l->rv = provider->retrieve(instance, l->s, key, 32, seen, &seen_len, l->p);
    return l->rv == APR_SUCCESS ? 1 : l->rv == APR_NOTFOUND ? 0 : -1;
}

/* What a check found out of the cache's memory, told after the lock. */
typedef struct {
    int lost;                   /* canaries found missing now */
    uint64_t to_log;            /* losses for a NEG0809 line (0: none due) */
    apr_time_t since;           /* counted since */
    apr_time_t cache_from;      /* the whole cache remembers from */
    apr_time_t from;            /* the authenticator's group remembers from */
    int restarted;              /* from: the start without them (NEG0813) */
} memory_news;

/* A NEG0809 line, at most once a minute: its count. Under the lock. */
static void due_log(apr_time_t now, memory_news *news)
{
    if (horizon->unlogged == 0
        || (horizon->logged_at != 0 && now - horizon->logged_at < LOSS_LOG_INTERVAL))
        return;
    news->to_log = horizon->unlogged;
    news->since = horizon->logged_at ? horizon->logged_at : horizon->started;
    news->cache_from = horizon->remembers_from;
    horizon->unlogged = 0;
    horizon->logged_at = now;
}

/* How long the longest-lived entry lives: what the state file's keys
 * are given again at the next start (replay_persist.c). Under the lock. */
static void note_lifetime(apr_time_t lifetime)
{
    if (lifetime > horizon->longest)
        horizon->longest = lifetime;
}

/* The key's store noted, and a canary of its group stored before it when
 * one is due: its key
 * the HMAC of its serial number (no one can tell it from an entry), with
 * the group's first byte (the same sub-cache). */
static apr_status_t store_canary(lookup_ctx *l, unsigned group, apr_time_t now,
                                 apr_time_t lifetime)
{
    unsigned char serial[24] = "neg-canary", key[32], mark = 0;
    apr_time_t until;
    uint64_t n = horizon->canaries;

    if (!neg_horizon_storing(horizon, group, now, lifetime, &until))
        return APR_SUCCESS;
    memcpy(serial + 16, &n, sizeof(n));
    neg_replay_key_mac(secret, serial, sizeof(serial), key);
    key[0] = (unsigned char)group;
    l->rv = provider->store(instance, l->s, key, 32, until, &mark, 1, l->p);
    if (l->rv == APR_SUCCESS)
        neg_horizon_add(horizon, group, key, now, until);
    note_lifetime(until - now);
    return l->rv;
}

/* The check and the store in shmcb, under the lock: a key not found is
 * stored unless the cache may have forgotten it (TOO_OLD: the authenticator
 * could have been accepted before the time its group remembers from). */
static neg_replay_result locked_check(lookup_ctx *l, const unsigned char id[32],
                                      apr_time_t expiry, apr_time_t earliest,
                                      memory_news *news, const char **step)
{
    apr_time_t now = neg_horizon_now(horizon, apr_time_now());
    unsigned char mark = 1;
    int found;

    *step = "looking the authenticator up";
    if ((found = lookup(l, id)) != 0)
        return found > 0 ? NEG_REPLAY_SEEN : NEG_REPLAY_ERROR;
    if (horizon->floor != 0 && earliest <= horizon->floor) {
        news->from = horizon->floor;
        news->restarted = 1;
        return NEG_REPLAY_TOO_OLD;
    }
    *step = "looking its group's canaries up";
    if ((news->lost = neg_horizon_recall(horizon, id[0], now, lookup, l)) < 0)
        return NEG_REPLAY_ERROR;
    due_log(now, news);
    news->from = neg_horizon_remembers_from(horizon, id[0]);
    if (news->from != 0 && earliest <= news->from)
        return NEG_REPLAY_TOO_OLD;
    *step = "storing a canary";
    if (store_canary(l, id[0], now, expiry > now ? expiry - now : 0) != APR_SUCCESS)
        return NEG_REPLAY_ERROR;
    *step = "storing the authenticator";
    l->rv = provider->store(instance, l->s, id, 32, expiry, &mark, 1, l->p);
    note_lifetime(expiry - now);
    return l->rv == APR_SUCCESS ? NEG_REPLAY_FRESH : NEG_REPLAY_ERROR;
}

static void tell_losses(server_rec *s, apr_pool_t *p, const memory_news *news)
{
    if (news->lost > 0)
        neg_status_add(NEG_STAT_REPLAY_EVICTED, news->lost);
    if (news->to_log == 0)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0809: the replay cache "
                 "(NegotiateReplayCache %s) dropped entries before they expired "
                 "(found %" APR_UINT64_T_FMT " %s since %s): it is too small for "
                 "this rate of Kerberos logons. It remembers every authenticator "
                 "stored since %s, and refuses those that may have been "
                 "accepted before (NEG0810) until it holds twice the clock "
                 "skew of logons again; make it bigger (doc/configuration.md, "
                 "NegotiateReplayCache)", neg_replay_name(), news->to_log,
                 news->to_log == 1 ? "time" : "times", neg_log_utc(p, news->since),
                 neg_log_utc(p, news->cache_from));
}

static neg_replay_result shmcb_check(server_rec *s, const unsigned char id[32],
                                     apr_time_t expiry, apr_time_t earliest,
                                     apr_pool_t *p, const char **why)
{
    lookup_ctx l = { s, p, APR_SUCCESS };
    memory_news news = { 0, 0, 0, 0, 0, 0 };
    neg_replay_result result;
    const char *step = "locking it";
    apr_status_t rv;
    char err[120];

    if ((rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS) {
        *why = apr_psprintf(p, "%s: %s", step, apr_strerror(rv, err, sizeof(err)));
        return NEG_REPLAY_ERROR;
    }
    result = locked_check(&l, id, expiry, earliest, &news, &step);
    apr_global_mutex_unlock(mutex);
    tell_losses(s, p, &news);
    if (result == NEG_REPLAY_TOO_OLD && news.restarted)
        *why = apr_psprintf(p, "started at %s without the authenticators "
                            "accepted before (NEG0813; logons work again once "
                            "the clock skew has passed)", neg_log_utc(p, news.from));
    else if (result == NEG_REPLAY_TOO_OLD)
        *why = apr_psprintf(p, "remembers only authenticators stored since %s "
                            "(it dropped older ones before they expired: NEG0809; "
                            "it is too small for this rate of logons: "
                            "doc/configuration.md, NegotiateReplayCache)",
                            neg_log_utc(p, news.from));
    else if (result == NEG_REPLAY_ERROR)
        *why = apr_psprintf(p, "%s: %s", step, apr_strerror(l.rv, err, sizeof(err)));
    return result;
}

neg_replay_result neg_replay_check(server_rec *s, const unsigned char key[32],
                                   apr_time_t expiry, apr_time_t earliest,
                                   apr_pool_t *p, const char **why)
{
    unsigned char id[32];

    *why = NULL;
    if (remote == NULL && instance == NULL)
        return NEG_REPLAY_FRESH;            /* NegotiateReplayCache none */
    neg_replay_key_mac(secret, key, 32, id);
    if (remote != NULL)
        return counted(neg_remote_check(remote, s, id, expiry, earliest, p, why));
    return counted(shmcb_check(s, id, expiry, earliest, p, why));
}

/* shmcb's status call expires entries (socache_shmcb_status runs
 * shmcb_subcache_expire on every sub-cache): it writes the cache, so it
 * runs under the cache's lock, as mod_ssl's ssl_scache_status does. */
void neg_replay_provider_status(request_rec *r, int flags)
{
    apr_time_t from;

    if (remote != NULL) {
        ap_rputs(neg_remote_status(remote, r->pool), r);
        return;
    }
    if (instance == NULL)
        return;
    if (apr_global_mutex_lock(mutex) != APR_SUCCESS) {
        ap_rputs(flags & AP_STATUS_SHORT ? "CacheLocked: cannot take its lock\n"
                 : "cannot take the replay cache's lock<br>", r);
        return;
    }
    if (provider->status != NULL)
        provider->status(instance, r, flags);
    from = horizon->remembers_from > horizon->floor ? horizon->remembers_from
                                                    : horizon->floor;
    if (from == 0)
        from = horizon->started;
    apr_global_mutex_unlock(mutex);
    ap_rprintf(r, flags & AP_STATUS_SHORT ? "CacheRemembersFrom: %" APR_TIME_T_FMT "\n"
               : "remembers authenticators stored since %" APR_TIME_T_FMT "<br>",
               apr_time_sec(from));
}
