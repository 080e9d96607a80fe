/*
 * replay_remote.c - the farm's replay cache: redis or memcached, one
 * atomic command per Kerberos logon (see replay_remote.h).
 *
 * redis: hiredis contexts are not thread-safe, so each thread has its own
 * (a pthread key whose destructor frees it), connected at its first logon
 * and freed on any error so that the next logon connects again. When a
 * connection cannot be made, the process does not try again for
 * NEG_REMOTE_TIMEOUT_S: logons in between are refused at once instead of
 * each holding a thread for the connect timeout (a cache host that drops
 * packets would otherwise stall every thread).
 * memcached: apr_memcache is thread-safe, with a pool of connections per
 * child (at most ThreadsPerChild); it marks a server that failed dead and
 * tries it again every 5 s (apr-util's own rule), connects with a 1 s
 * timeout, and over IPv4 only.
 */
#include "replay_remote.h"

#include <errno.h>
#include <pthread.h>
#include <hiredis/hiredis.h>

#include "ap_mpm.h"
#include "http_log.h"
#include "apr_atomic.h"
#include "apr_memcache.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

APLOG_USE_MODULE(auth_negotiate);

/* memcached reads an expiry above 30 days as a Unix time */
#define MEMCACHE_MAX_RELATIVE_S (30 * 24 * 3600)
/* idle connections of apr_memcache's pool are closed after this (us) */
#define MEMCACHE_IDLE_US (60 * 1000000u)

struct neg_remote {
    neg_remote_kind kind;
    const char *host;               /* without brackets */
    apr_port_t port;
    const char *label;              /* "redis at HOST:PORT" */
    apr_memcache_t *mc;             /* memcache: this child's client */
    volatile apr_uint32_t retry_at; /* redis: no connect before (s) */
    apr_thread_mutex_t *lock;       /* guards last_error */
    char last_error[200];
    apr_time_t last_error_at;
};

static pthread_key_t redis_key;
static int redis_key_made;

/* ------------------------------------------------------------ config */

const char *neg_remote_parse(apr_pool_t *p, neg_remote_kind kind,
                             const char *hostport, neg_remote **out)
{
    const char *name = kind == NEG_REMOTE_REDIS ? "redis" : "memcache";
    char *host = NULL, *scope = NULL;
    apr_port_t port = 0;
    neg_remote *r;

    if (apr_parse_addr_port(&host, &scope, &port, hostport, p) != APR_SUCCESS
        || host == NULL || scope != NULL || port == 0)
        return apr_psprintf(p, "NegotiateReplayCache %s:%s: not HOST:PORT with "
                            "a port from 1 to 65535 (an IPv6 address goes in "
                            "brackets, without a zone: [::1]:%s)", name, hostport,
                            kind == NEG_REMOTE_REDIS ? "6379" : "11211");
    if (hostport[0] != '[' && strchr(host, ':') != NULL)
        return apr_psprintf(p, "NegotiateReplayCache %s:%s: write an IPv6 "
                            "address in brackets, [%s]:%u", name, hostport,
                            host, port);
    if (kind == NEG_REMOTE_MEMCACHE && strchr(host, ':') != NULL)
        return apr_psprintf(p, "NegotiateReplayCache %s:%s: apr-util's "
                            "memcache client connects over IPv4 only; give "
                            "an IPv4 address or a name", name, hostport);
    r = apr_pcalloc(p, sizeof(*r));
    r->kind = kind;
    r->host = host;
    r->port = port;
    r->label = apr_psprintf(p, "%s at %s", name, hostport);
    *out = r;
    return NULL;
}

void neg_remote_hex_key(const unsigned char key[32],
                        char out[sizeof(NEG_REMOTE_PREFIX) + 64])
{
    static const char digits[] = "0123456789abcdef";
    size_t n = sizeof(NEG_REMOTE_PREFIX) - 1, i;

    memcpy(out, NEG_REMOTE_PREFIX, n);
    for (i = 0; i < 32; i++) {
        out[n + 2 * i] = digits[key[i] >> 4];
        out[n + 2 * i + 1] = digits[key[i] & 0x0f];
    }
    out[n + 64] = '\0';
}

/* ------------------------------------------------------------ errors */

static const char *failed(neg_remote *r, apr_pool_t *p, const char *what)
{
    const char *why = apr_psprintf(p, "%s: %s", r->label, what);

    if (r->lock != NULL && apr_thread_mutex_lock(r->lock) == APR_SUCCESS) {
        apr_cpystrn(r->last_error, why, sizeof(r->last_error));
        r->last_error_at = apr_time_now();
        apr_thread_mutex_unlock(r->lock);
    }
    return why;
}

/* ------------------------------------------------------------ redis */

static struct timeval timeout(void)
{
    struct timeval tv = { NEG_REMOTE_TIMEOUT_S, 0 };

    return tv;
}

/* What went wrong on c, in words (hiredis reports a timeout as EAGAIN). */
static const char *redis_error(const redisContext *c, int err_no, apr_pool_t *p)
{
    if (c->err == REDIS_ERR_IO && (err_no == EAGAIN || err_no == EWOULDBLOCK))
        return apr_psprintf(p, "no answer within %d s", NEG_REMOTE_TIMEOUT_S);
    if (c->err == REDIS_ERR_EOF)
        return "the server closed the connection";
    return apr_pstrdup(p, c->errstr[0] ? c->errstr : "unknown error");
}

static redisContext *redis_connect(neg_remote *r, apr_pool_t *p, const char **why)
{
    redisContext *c = redisConnectWithTimeout(r->host, r->port, timeout());
    int err_no = errno;

    if (c == NULL) {
        *why = failed(r, p, "cannot connect: out of memory");
        return NULL;
    }
    if (c->err == 0 && redisSetTimeout(c, timeout()) == REDIS_OK)
        return c;
    *why = failed(r, p, apr_pstrcat(p, "cannot connect: ",
                                    redis_error(c, err_no, p), NULL));
    redisFree(c);
    return NULL;
}

/* A reply to SET ... NX: "OK" stored, nil there already. */
static neg_replay_result redis_verdict(neg_remote *r, const redisReply *reply,
                                       apr_pool_t *p, const char **why)
{
    if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0)
        return NEG_REPLAY_FRESH;
    if (reply->type == REDIS_REPLY_NIL)
        return NEG_REPLAY_SEEN;
    if (reply->type == REDIS_REPLY_ERROR || reply->type == REDIS_REPLY_STATUS)
        *why = failed(r, p, apr_psprintf(p, "unexpected reply \"%.100s\"",
                                         reply->str));
    else
        *why = failed(r, p, apr_psprintf(p, "unexpected reply of type %d",
                                         reply->type));
    return NEG_REPLAY_ERROR;
}

static redisContext *thread_context(void)
{
    return pthread_getspecific(redis_key);
}

static void keep_context(redisContext *c)
{
    pthread_setspecific(redis_key, c);
}

/* One SET ... NX PX on c. When the connection failed, c is freed and
 * forgotten, and *closed says whether the server had closed it (a kept
 * connection after a redis restart: worth one more try). */
static neg_replay_result redis_set_nx(neg_remote *r, redisContext *c,
                                      const unsigned char key[32], long long ms,
                                      apr_pool_t *p, const char **why, int *closed)
{
    redisReply *reply = redisCommand(c, "SET " NEG_REMOTE_PREFIX "%b 1 NX PX %lld",
                                     key, (size_t)32, ms);
    int err_no = errno;
    neg_replay_result result;

    *closed = 0;
    if (reply == NULL) {
        *closed = c->err == REDIS_ERR_EOF
                  || (c->err == REDIS_ERR_IO && (err_no == ECONNRESET || err_no == EPIPE));
        *why = failed(r, p, redis_error(c, err_no, p));
        if (thread_context() == c)
            keep_context(NULL);
        redisFree(c);
        return NEG_REPLAY_ERROR;
    }
    result = redis_verdict(r, reply, p, why);
    freeReplyObject(reply);
    return result;
}

/* A new connection, unless one failed less than NEG_REMOTE_TIMEOUT_S ago. */
static redisContext *redis_reconnect(neg_remote *r, apr_pool_t *p, const char **why)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    redisContext *c;

    if (now < apr_atomic_read32(&r->retry_at)) {
        *why = apr_psprintf(p, "%s: not tried again within %d s of a failed "
                            "connection", r->label, NEG_REMOTE_TIMEOUT_S);
        return NULL;
    }
    c = redis_connect(r, p, why);
    if (c == NULL)
        apr_atomic_set32(&r->retry_at, now + NEG_REMOTE_TIMEOUT_S);
    return c;
}

static neg_replay_result redis_check(neg_remote *r, const unsigned char key[32],
                                     apr_time_t expiry, apr_pool_t *p,
                                     const char **why)
{
    long long ms = (long long)apr_time_as_msec(expiry - apr_time_now());
    redisContext *c;
    neg_replay_result result;
    int closed = 0;

    if (!redis_key_made) {
        *why = failed(r, p, "no per-thread connection slot in this process "
                      "(see the NEG0806 line logged when it started)");
        return NEG_REPLAY_ERROR;
    }
    c = thread_context();
    if (ms < 1)
        ms = 1;
    if (c != NULL) {
        result = redis_set_nx(r, c, key, ms, p, why, &closed);
        if (result != NEG_REPLAY_ERROR || !closed)
            return result;
    }
    if ((c = redis_reconnect(r, p, why)) == NULL)
        return NEG_REPLAY_ERROR;
    keep_context(c);
    return redis_set_nx(r, c, key, ms, p, why, &closed);
}

static void free_redis(void *c)
{
    redisFree(c);
}

static const char *redis_probe(neg_remote *r, apr_pool_t *p)
{
    const char *why = NULL;
    redisContext *c = redis_connect(r, p, &why);
    redisReply *reply;

    if (c == NULL)
        return why;
    reply = redisCommand(c, "PING");
    if (reply == NULL)
        why = apr_psprintf(p, "%s: %s", r->label, redis_error(c, errno, p));
    else if (reply->type == REDIS_REPLY_ERROR)
        why = apr_psprintf(p, "%s: PING answered \"%.100s\"", r->label, reply->str);
    if (reply != NULL)
        freeReplyObject(reply);
    redisFree(c);
    return why;
}

/* ------------------------------------------------------------ memcache */

/* A client of one server, with up to conns connections; *server (when
 * not NULL) is that server. */
static apr_status_t memcache_client(neg_remote *r, apr_pool_t *p, int conns,
                                    apr_memcache_t **mc,
                                    apr_memcache_server_t **server)
{
    apr_memcache_server_t *ms = NULL;
    apr_status_t rv;

    rv = apr_memcache_create(p, 1, 0, mc);
    if (rv == APR_SUCCESS)
        rv = apr_memcache_server_create(p, r->host, r->port, 0, (apr_uint32_t)conns,
                                        (apr_uint32_t)conns, MEMCACHE_IDLE_US, &ms);
    if (rv == APR_SUCCESS)
        rv = apr_memcache_add_server(*mc, ms);
    if (server != NULL)
        *server = ms;
    return rv;
}

static apr_uint32_t memcache_expiry(apr_time_t expiry)
{
    apr_time_t us = expiry - apr_time_now();
    apr_time_t secs = (us + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;

    if (secs < 1)
        secs = 1;
    if (secs > MEMCACHE_MAX_RELATIVE_S)
        return (apr_uint32_t)apr_time_sec(expiry) + 1;
    return (apr_uint32_t)secs;
}

static neg_replay_result memcache_check(neg_remote *r, const unsigned char key[32],
                                        apr_time_t expiry, apr_pool_t *p,
                                        const char **why)
{
    char text[sizeof(NEG_REMOTE_PREFIX) + 64], one[] = "1", err[120];
    apr_status_t rv;

    if (r->mc == NULL) {
        *why = failed(r, p, "no client in this process (see the NEG0806 line "
                      "logged when it started)");
        return NEG_REPLAY_ERROR;
    }
    neg_remote_hex_key(key, text);
    rv = apr_memcache_add(r->mc, text, one, 1, memcache_expiry(expiry), 0);
    if (rv == APR_SUCCESS)
        return NEG_REPLAY_FRESH;
    if (rv == APR_EEXIST)
        return NEG_REPLAY_SEEN;
    if (rv == APR_NOTFOUND)
        *why = failed(r, p, "the server is marked down after a failure "
                      "(apr_memcache tries it again every 5 s)");
    else
        *why = failed(r, p, apr_strerror(rv, err, sizeof(err)));
    return NEG_REPLAY_ERROR;
}

static const char *memcache_probe(neg_remote *r, apr_pool_t *p)
{
    apr_memcache_t *mc;
    apr_memcache_server_t *ms;
    apr_status_t rv;
    char *version = NULL, err[120];

    rv = memcache_client(r, p, 1, &mc, &ms);
    if (rv == APR_SUCCESS)
        rv = apr_memcache_version(ms, p, &version);
    if (rv == APR_SUCCESS)
        return NULL;
    return apr_psprintf(p, "%s: %s", r->label, apr_strerror(rv, err, sizeof(err)));
}

/* ------------------------------------------------------------ dispatch */

const char *neg_remote_probe(neg_remote *r, apr_pool_t *p)
{
    return r->kind == NEG_REMOTE_REDIS ? redis_probe(r, p) : memcache_probe(r, p);
}

void neg_remote_child_init(neg_remote *r, apr_pool_t *pchild, server_rec *s)
{
    int threads = 1;
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_create(&r->lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (r->kind == NEG_REMOTE_REDIS) {
        if (!redis_key_made) {
            rv = pthread_key_create(&redis_key, free_redis);
            redis_key_made = rv == 0;
        }
    }
    else {
        if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1)
            threads = 1;
        rv = memcache_client(r, pchild, threads, &r->mc, NULL);
        if (rv != APR_SUCCESS)
            r->mc = NULL;
    }
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0806: cannot set up the "
                     "client of the Kerberos replay cache (%s) in this process: "
                     "its Kerberos logons are refused (NEG0207)", r->label);
}

neg_replay_result neg_remote_check(neg_remote *r, const unsigned char key[32],
                                   apr_time_t expiry, apr_pool_t *p,
                                   const char **why)
{
    if (r->kind == NEG_REMOTE_REDIS)
        return redis_check(r, key, expiry, p, why);
    return memcache_check(r, key, expiry, p, why);
}

const char *neg_remote_status(neg_remote *r, apr_pool_t *p)
{
    const char *lines = apr_psprintf(p, "CacheServer: %s\n", r->label);
    char when[APR_RFC822_DATE_LEN];

    if (r->lock == NULL || apr_thread_mutex_lock(r->lock) != APR_SUCCESS)
        return lines;
    if (r->last_error_at != 0) {
        apr_rfc822_date(when, r->last_error_at);
        lines = apr_psprintf(p, "%sCacheLastErrorInThisProcess: %s, %s\n",
                             lines, when, r->last_error);
    }
    apr_thread_mutex_unlock(r->lock);
    return lines;
}
