/*
 * replay_persist.c - the shmcb replay cache outlives restarts
 * (replay_persist.h); its state file's bytes are replay_state.c's.
 */
#include "replay_persist.h"
#include "replay_state.h"
#include "log_time.h"
#include "secret.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* What is wrong with the opened state file (NULL: nothing): a regular
 * file of this user's that no one else may read or write (it holds the
 * cache's secret), of a state file's size. Checked on the descriptor read
 * from, not the name: nothing can be swapped in between. */
static const char *check_opened(const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return "it is not a regular file";
    if (st->st_uid != geteuid())
        return "it belongs to another user than httpd's parent";
    if (st->st_mode & (S_IRWXG | S_IRWXO))
        return "others may read or write it (it must be mode 0600)";
    if (st->st_size < NEG_REPLAY_STATE_HEAD
        || st->st_size > NEG_REPLAY_STATE_HEAD + (off_t)NEG_REPLAY_STATE_MAX_KEYS * 32)
        return "its size is not that of a state file";
    return NULL;
}

static const char *os_error(apr_pool_t *p, int err_no)
{
    char err[120];

    return apr_pstrdup(p, apr_strerror(APR_FROM_OS_ERROR(err_no), err, sizeof(err)));
}

/* All len bytes of fd into buf: NULL, or what failed. */
static const char *read_all(apr_pool_t *p, int fd, unsigned char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? "it was cut short while being read" : os_error(p, errno);
        buf += n;
        len -= (size_t)n;
    }
    return NULL;
}

/* The file's bytes. Opened without following a symbolic link (one in its
 * place would have the parent, root, read a file of someone else's
 * choosing), and not blocking on a FIFO. */
static const char *read_state(apr_pool_t *p, const char *path,
                              unsigned char **buf, apr_size_t *len, int *missing)
{
    struct stat st;
    const char *err;
    int fd;

    *missing = 0;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        *missing = 1;
        return "is missing";
    }
    if (fd < 0)
        return errno == ELOOP ? "it is a symbolic link" : os_error(p, errno);
    if (fstat(fd, &st) != 0)
        err = os_error(p, errno);
    else if ((err = check_opened(&st)) == NULL) {
        *len = (apr_size_t)st.st_size;
        *buf = apr_palloc(p, *len);
        err = read_all(p, fd, *buf, *len);
    }
    close(fd);
    return err;
}

/* The rename made durable: the directory's entry synced too, or a power
 * loss could bring back the file it replaced (a "saved" one, after a start
 * marked it "running"). */
static apr_status_t sync_dir(const char *path, apr_pool_t *p)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash == NULL ? "." : slash == path ? "/"
                      : apr_pstrndup(p, path, (apr_size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0)
        return APR_FROM_OS_ERROR(errno);
    rc = fsync(fd);
    /* some file systems cannot sync a directory: nothing more to do there */
    if (rc != 0 && errno == EINVAL)
        rc = 0;
    rc = rc == 0 ? 0 : errno;
    close(fd);
    return rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(rc);
}

/* Written whole under another name, synced, renamed over it, and the
 * directory synced: a crash leaves the old file or the new one. */
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
        if (rv == APR_SUCCESS)
            rv = sync_dir(path, p);
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
                 k->state_path, why, neg_log_utc(p, floor));
}

/* When this machine booted (/proc/stat btime), or 0. */
static apr_time_t boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    char line[256];
    long long btime = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "btime %lld", &btime) == 1)
            break;
    fclose(f);
    return btime > 0 ? apr_time_from_sec((apr_time_t)btime) : 0;
}

/* The saved state's keys into the cache, or the floor when they are not
 * to be had.
 *
 * A missing state file next to a STATE.lock (which every start leaves,
 * and nothing removes) is a lost one: deleted, or not written by an
 * httpd that was killed. Floor: now, since every authenticator an httpd
 * accepted before was accepted before now. Without the lock no httpd has
 * used this path since the machine booted (/run, the default place, is
 * emptied at boot; the Debian package's place is not): a first start, or
 * the first since a reboot. Floor: the boot, before which every
 * authenticator accepted here was made (an authenticator is refused when
 * its time, less the skew, is not after the floor). A first start then
 * refuses nothing; one within a clock skew of boot refuses what could
 * predate the boot. What this cannot see: NegotiateReplayCacheState
 * changed while httpd ran (the last httpd saved to the old place); the
 * line below says where the cache started from. */
static void load_saved(neg_replay_kept *k, const ap_socache_provider_t *provider,
                       int key_file, server_rec *s, apr_pool_t *ptemp)
{
    neg_replay_state st;
    unsigned char *buf = NULL;
    apr_size_t len = 0;
    apr_time_t now = apr_time_now();
    const char *err;
    int missing;
    unsigned n;

    memset(&st, 0, sizeof(st));
    err = read_state(ptemp, k->state_path, &buf, &len, &missing);
    if (err == NULL)
        err = neg_replay_state_decode(buf, len, &st);
    if (missing && !k->lock_was_there && boot_time() > 0) {
        k->horizon->floor = boot_time();
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "NEG0814: the Kerberos replay "
                     "cache starts empty: no httpd has used its state file %s "
                     "since this machine booted at %s (no %s.lock); Kerberos "
                     "authenticators that could be from before the boot are "
                     "refused", k->state_path, neg_log_utc(ptemp, k->horizon->floor),
                     k->state_path);
    }
    else if (missing)
        set_floor(k, now, "is missing though an httpd used it since the machine "
                  "booted (its .lock is there): it was deleted, or httpd was "
                  "killed before it wrote it", s, ptemp);
    else if (err != NULL)
        set_floor(k, now, apr_pstrcat(ptemp, "cannot be used: ", err, NULL), s, ptemp);
    else if (st.state == NEG_REPLAY_STATE_RUNNING)
        set_floor(k, now, apr_psprintf(ptemp, "says an httpd started at %s never "
                                       "saved it (it was killed or crashed)",
                                       neg_log_utc(ptemp, st.started)), s, ptemp);
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
                     n, st.count, neg_log_utc(ptemp, st.saved_at), k->state_path);
    }
    if (buf != NULL)
        neg_wipe(buf, len);
    memset(&st, 0, sizeof(st));
}

int neg_replay_state_load(neg_replay_kept *k, const ap_socache_provider_t *provider,
                          int key_file, server_rec *s, apr_pool_t *ptemp)
{
    neg_replay_state st;
    const char *err;

    load_saved(k, provider, key_file, s, ptemp);
    /* Without the "running" mark, the file would still say "saved" after
     * a crash of this httpd, and the next start would trust it and let
     * every authenticator accepted since pass again: no start then. */
    memset(&st, 0, sizeof(st));
    st.state = NEG_REPLAY_STATE_RUNNING;
    st.started = k->horizon->started;
    if ((err = write_state(ptemp, k->state_path, &st)) == NULL)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "NEG0815: cannot mark the "
                 "Kerberos replay cache's state file %s as in use (%s): httpd "
                 "does not start, since after a crash the next start would "
                 "trust the old file and accept again the authenticators "
                 "accepted since; make its directory writable by root "
                 "(NegotiateReplayCacheState)", k->state_path, err);
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* One httpd per state file: its parent holds flock(2) on STATE.lock for
 * as long as it runs (inherited by its children; fcntl locks, APR's
 * choice, are not inherited by the parent httpd becomes when it
 * detaches). Two servers sharing one file would each take the other's
 * "running" for a crash, and overwrite its keys. */
const char *neg_replay_state_lock(neg_replay_kept *k, apr_pool_t *ptemp)
{
    const char *path = apr_pstrcat(ptemp, k->state_path, ".lock", NULL);
    /* not through a symbolic link: root would create or truncate nothing,
     * but would lock a file of someone else's choosing */
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), tries;

    k->lock_was_there = fd >= 0;
    if (fd < 0 && errno == ENOENT)
        fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return apr_psprintf(ptemp, "cannot open %s: %s", path,
                            errno == ELOOP ? "it is a symbolic link"
                                           : os_error(ptemp, errno));
    /* a stopped httpd's last children may still be exiting (and holding
     * it) when the next one starts: wait up to 10 s for them */
    for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0 && tries < 100; tries++)
        usleep(100000);
    if (tries == 100) {
        close(fd);
        return apr_psprintf(ptemp, "another httpd that is running uses it (it "
                            "holds %s): give each httpd its own "
                            "NegotiateReplayCacheState (or DefaultRuntimeDir)", path);
    }
    return NULL;        /* open, and locked, until the last process exits */
}

typedef struct {
    apr_array_header_t *keys;
    uint64_t left_out;              /* keys past NEG_REPLAY_STATE_MAX_KEYS */
} collected;

static apr_status_t collect(ap_socache_instance_t *instance, server_rec *s,
                            void *ctx, const unsigned char *id, unsigned int idlen,
                            const unsigned char *data, unsigned int datalen,
                            apr_pool_t *pool)
{
    collected *c = ctx;

    (void)instance; (void)s; (void)data; (void)datalen; (void)pool;
    if (idlen != 32)
        return APR_SUCCESS;
    if ((uint32_t)c->keys->nelts < NEG_REPLAY_STATE_MAX_KEYS)
        memcpy(apr_array_push(c->keys), id, 32);
    else
        c->left_out++;
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
    c.left_out = 0;
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
        /* a state without every key must not claim to be complete: the
         * next start then remembers only from now (shmcb does not say
         * when the keys left out were stored) */
        if (c.left_out > 0)
            st.remembers_from = st.saved_at;
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
