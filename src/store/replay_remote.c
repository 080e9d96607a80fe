/*
 * replay_remote.c - the farm's store: redis or memcached, one atomic
 * command per Kerberos logon (see replay_remote.h), and the failure count
 * of NegotiateFailureLimit. What does not depend on the kind is here; each
 * protocol is in its own file behind the ops of remote_conn.h
 * (replay_redis.c, replay_memcached.c).
 *
 * Each thread has its own connection (a pthread key whose destructor frees
 * it), connected at its first command and freed on any error so that the
 * next command connects again. When a connection cannot be made, the
 * process does not try again for NEG_REMOTE_TIMEOUT_S: commands in between
 * fail at once instead of each holding a thread for the connect timeout (a
 * cache host that drops packets would otherwise stall every thread).
 * A cache that accepts connections but does not answer (stopped, or too
 * busy) costs each command its timeout: after one, the process's breaker
 * opens, and commands fail at once without asking the cache for 1 s,
 * then one tries it (the others still fail); while such tries go
 * unanswered the period doubles, up to NEG_REMOTE_BREAKER_MAX_S; the
 * first answer closes it. Threads already waiting when it hung still wait
 * out their timeout.
 */
#include "replay_remote.h"

#include <errno.h>
#include <stdlib.h>

#include "http_log.h"
#include "apr_atomic.h"
#include "apr_network_io.h"
#include "apr_strings.h"

#include "log_time.h"

APLOG_USE_MODULE(auth_negotiate);

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
    r = apr_pcalloc(p, sizeof(*r));
    r->kind = kind;
    r->ops = kind == NEG_REMOTE_REDIS ? &neg_remote_redis_ops : &neg_remote_memcache_ops;
    r->host = host;
    r->port = port;
    r->label = apr_psprintf(p, "%s at %s", name, hostport);
    r->directive = apr_psprintf(p, "%s:%s", name, hostport);
    *out = r;
    return NULL;
}

/* ------------------------------------------------------------ epoch */

/* A new epoch value: 16 random hex digits and its time (apr time). */
static const char *new_epoch(apr_pool_t *p)
{
    unsigned char rnd[8];
    char hex[17];
    int i;

    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < 8; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    return apr_psprintf(p, "%s:%" APR_TIME_T_FMT, hex, apr_time_now());
}

/* ------------------------------------------------------------ connection */

/* May this process try a new connection? Not within NEG_REMOTE_TIMEOUT_S
 * of a failed one. */
static int may_connect(neg_remote *r, apr_pool_t *p, const char **why)
{
    if ((apr_uint32_t)apr_time_sec(apr_time_now()) >= apr_atomic_read32(&r->retry_at))
        return 1;
    *why = apr_psprintf(p, "%s: not tried again within %d s of a failed "
                        "connection", r->label, NEG_REMOTE_TIMEOUT_S);
    return 0;
}

static void connect_failed(neg_remote *r)
{
    apr_atomic_set32(&r->retry_at, (apr_uint32_t)apr_time_sec(apr_time_now())
                     + NEG_REMOTE_TIMEOUT_S);
}

/* A new connection for this thread, unless one failed just now. */
static void *reconnect(neg_remote *r, apr_pool_t *p, const char **why, neg_asked *asked)
{
    void *conn;

    *asked = NEG_ASKED_FAILED;
    if (!may_connect(r, p, why))
        return NULL;
    if ((conn = r->ops->connect(r, p, why, asked)) == NULL)
        connect_failed(r);
    else
        neg_remote_keep(conn);
    return conn;
}

/* One step of commands on the thread's connection; when the server had
 * closed a kept one (a restart), once more on a new one. */
typedef neg_replay_result (*remote_step)(neg_remote_call *c, void *arg);

static neg_replay_result on_connection(neg_remote *r, apr_pool_t *p, const char **why,
                                       neg_asked *asked, remote_step step, void *arg)
{
    neg_remote_call c = { r, NULL, p, why, 0, NEG_ASKED_FAILED };
    neg_replay_result result;

    *asked = NEG_ASKED_FAILED;
    if (!neg_remote_conn_ready()) {
        *why = neg_remote_failed(r, p, "no per-thread connection slot in this process "
                                 "(see the NEG0806 line logged when it started)");
        return NEG_REPLAY_ERROR;
    }
    if ((c.conn = neg_remote_conn()) != NULL) {
        result = step(&c, arg);
        *asked = c.asked;
        if (result != NEG_REPLAY_ERROR || !c.closed)
            return result;
    }
    c.closed = 0;
    if ((c.conn = reconnect(r, p, why, asked)) == NULL)
        return NEG_REPLAY_ERROR;
    result = step(&c, arg);
    *asked = c.asked;
    return result;
}

/* ------------------------------------------------------------ steps */

typedef struct {
    const unsigned char *key;
    apr_time_t expiry;
    char *epoch;
} store_args;

/* The store and the epoch read after it; the epoch made when it was
 * missing (a new cache, or one restarted or flushed), and read back. */
static neg_replay_result store_step(neg_remote_call *c, void *arg)
{
    store_args *a = arg;
    neg_replay_result result = c->r->ops->store(c, a->key, a->expiry, a->epoch), made;
    const char *value;

    if (result == NEG_REPLAY_ERROR || a->epoch[0] != '\0')
        return result;
    if ((value = new_epoch(c->p)) == NULL) {
        *c->why = neg_remote_failed(c->r, c->p, "no random bytes for its epoch");
        return NEG_REPLAY_ERROR;
    }
    made = c->r->ops->make_epoch(c, value, a->epoch);
    if (made != NEG_REPLAY_ERROR && a->epoch[0] == '\0') {
        *c->why = neg_remote_failed(c->r, c->p, "its epoch key " NEG_REMOTE_EPOCH_KEY
                                    " vanished as it was made");
        return NEG_REPLAY_ERROR;
    }
    return made == NEG_REPLAY_ERROR ? made : result;
}

typedef struct {
    const unsigned char *key;
    int delta;
    long seconds;
    long long *count;
    long long *ttl_ms;
} count_args;

static neg_replay_result count_step(neg_remote_call *c, void *arg)
{
    count_args *a = arg;

    return c->r->ops->count(c, a->key, a->delta, a->seconds, a->count, a->ttl_ms);
}

/* ------------------------------------------------------------ process */

const char *neg_remote_probe(neg_remote *r, apr_pool_t *p)
{
    return r->ops->probe(r, p);
}

void neg_remote_child_init(neg_remote *r, apr_pool_t *pchild, server_rec *s)
{
    int rv = 0;

    apr_thread_mutex_create(&r->lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    if ((rv = neg_remote_conn_init(r->ops->free_conn)) != 0)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "NEG0806: cannot set up the "
                     "client of the Kerberos replay cache (%s) in this process: "
                     "its Kerberos logons are refused (NEG0207)", r->label);
}

/* ------------------------------------------------------------ breaker */

/* May this logon ask the cache? Yes while the breaker is closed; while it
 * is open, no until its period is over, then one logon (*probe) and not the
 * others until that one has its answer. */
static int breaker_admits(neg_remote *r, apr_pool_t *p, const char **why,
                          int *probe)
{
    apr_time_t now = apr_time_now();
    char when[APR_CTIME_LEN];
    int admit = 1;

    *probe = 0;
    if (r->lock == NULL || apr_thread_mutex_lock(r->lock) != APR_SUCCESS)
        return 1;
    if (r->open_until != 0 && (now < r->open_until || r->probing)) {
        apr_ctime(when, r->hung_at);
        *why = apr_psprintf(p, "%s: not asked: it did not answer within %d s "
                            "at %s; breaker open: %s", r->label,
                            NEG_REMOTE_TIMEOUT_S, when, r->probing
                            ? "another logon is trying it now"
                            : apr_psprintf(p, "one logon tries it again in %"
                                           APR_TIME_T_FMT " ms",
                                           apr_time_as_msec(r->open_until - now)));
        admit = 0;
    }
    else if (r->open_until != 0) {
        r->probing = 1;
        *probe = 1;
    }
    apr_thread_mutex_unlock(r->lock);
    return admit;
}

/* After a command: an answer closes the breaker; a timeout opens it (1 s)
 * or, after a try that went unanswered too, doubles its period. */
static void breaker_record(neg_remote *r, server_rec *s, neg_asked asked, int probe)
{
    apr_time_t now = apr_time_now();
    int opened = 0;

    if (r->lock == NULL || apr_thread_mutex_lock(r->lock) != APR_SUCCESS)
        return;
    if (probe)
        r->probing = 0;
    if (asked == NEG_ASKED_ANSWERED) {
        r->open_until = 0;
        r->period = 0;
    }
    else if (asked == NEG_ASKED_HUNG && (probe || r->open_until == 0)) {
        opened = r->open_until == 0;
        r->period = opened ? apr_time_from_sec(1)
                  : r->period * 2 > apr_time_from_sec(NEG_REMOTE_BREAKER_MAX_S)
                  ? apr_time_from_sec(NEG_REMOTE_BREAKER_MAX_S) : r->period * 2;
        r->open_until = now + r->period;
        r->hung_at = now;
    }
    apr_thread_mutex_unlock(r->lock);
    if (opened)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0811: the replay cache "
                     "(NegotiateReplayCache %s) did not answer within %d s: this "
                     "process refuses Kerberos logons (NEG0207) without asking "
                     "it for 1 s, then lets one logon try it (up to %d s apart "
                     "while it does not answer)", r->directive,
                     NEG_REMOTE_TIMEOUT_S, NEG_REMOTE_BREAKER_MAX_S);
}

/* When the epoch value ("HEX:TIME") was made; now when it cannot be read
 * (a floor later than the truth refuses more, never less). */
static apr_time_t epoch_made(const char *epoch, apr_time_t now)
{
    const char *colon = strchr(epoch, ':');
    char *end;
    long long t;

    if (colon == NULL)
        return now;
    errno = 0;
    t = strtoll(colon + 1, &end, 10);
    return errno != 0 || *end != '\0' || end == colon + 1 || t <= 0 || t > now ? now : t;
}

/* The epoch seen after a store: the floor before which the cache may lack
 * authenticators. The epoch is made when the cache is found without it:
 * empty (a new cache, or one restarted or flushed), so that it may have
 * lost what was stored before it was made, and nothing stored after. Its
 * time is the floor for every process, whenever it notices: what a
 * process stored after that time, it read the new epoch back with. (A
 * process's own "now" when it notices would be later than needed: one that
 * stores nothing for a while would refuse fresh logons long after the
 * restart.) The time is the clock of the server that made it: the farm's
 * clocks must agree, as Kerberos needs anyway; a server whose clock is
 * behind the others' by d leaves a window of d before the restart.
 * *changed: it was made or changed since this process last saw it. */
static apr_time_t note_epoch(neg_remote *r, const char *epoch, int *changed)
{
    apr_time_t now = apr_time_now(), made = epoch_made(epoch, now), floor;

    *changed = 0;
    if (r->lock == NULL || apr_thread_mutex_lock(r->lock) != APR_SUCCESS)
        return now;             /* cannot tell: refuse what may predate now */
    if (strcmp(r->epoch, epoch) != 0) {
        *changed = r->epoch[0] != '\0' || made >= now - apr_time_from_sec(2);
        if (made > r->floor)
            r->floor = made;
        apr_cpystrn(r->epoch, epoch, sizeof(r->epoch));
    }
    floor = r->floor;
    apr_thread_mutex_unlock(r->lock);
    return floor;
}

/* A fresh authenticator that could have been accepted before the cache
 * was emptied is refused (TOO_OLD, fail closed): its entry may be the one
 * lost. earliest is its time less the clock skew (RFC 4120 3.2.3: it was
 * acceptable from then), not its time: a client whose clock runs ahead
 * makes authenticators that a server accepted before their own time. */
static neg_replay_result judge_epoch(neg_remote *r, server_rec *s,
                                     neg_replay_result result, const char *epoch,
                                     apr_time_t earliest, apr_pool_t *p,
                                     const char **why)
{
    int changed;
    apr_time_t floor = note_epoch(r, epoch, &changed);

    if (changed)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG0817: the farm's "
                     "replay cache (NegotiateReplayCache %s) was restarted or "
                     "flushed (its epoch key " NEG_REMOTE_EPOCH_KEY " was missing or "
                     "changed): it may have lost the authenticators accepted "
                     "before %s, and Kerberos authenticators that could be from "
                     "before then are refused (NEG0810) until the clock skew has "
                     "passed (RFC 4120 3.2.3)", r->directive, neg_log_utc(p, floor));
    if (result != NEG_REPLAY_FRESH || earliest > floor)
        return result;
    *why = apr_psprintf(p, "was emptied (restarted or flushed) at %s and may lack "
                        "the authenticators accepted before (NEG0817; logons work "
                        "again once the clock skew has passed)", neg_log_utc(p, floor));
    return NEG_REPLAY_TOO_OLD;
}

/* One step through the breaker: asked only while it lets commands by. */
static neg_replay_result through_breaker(neg_remote *r, server_rec *s, apr_pool_t *p,
                                         const char **why, remote_step step, void *arg)
{
    neg_replay_result result;
    neg_asked asked;
    int probe;

    if (!breaker_admits(r, p, why, &probe))
        return NEG_REPLAY_ERROR;
    result = on_connection(r, p, why, &asked, step, arg);
    breaker_record(r, s, asked, probe);
    return result;
}

neg_replay_result neg_remote_check(neg_remote *r, server_rec *s,
                                   const unsigned char key[32], apr_time_t expiry,
                                   apr_time_t earliest, apr_pool_t *p,
                                   const char **why)
{
    char epoch[NEG_REMOTE_EPOCH_MAX] = "";
    store_args a = { key, expiry, epoch };
    neg_replay_result result = through_breaker(r, s, p, why, store_step, &a);

    if (result == NEG_REPLAY_ERROR)
        return result;
    return judge_epoch(r, s, result, epoch, earliest, p, why);
}

neg_replay_result neg_remote_count(neg_remote *r, server_rec *s,
                                   const unsigned char key[32], int delta, long seconds,
                                   long long *count, long long *ttl_ms, apr_pool_t *p,
                                   const char **why)
{
    count_args a = { key, delta, seconds, count, ttl_ms };

    return through_breaker(r, s, p, why, count_step, &a);
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
    if (r->open_until != 0) {
        apr_rfc822_date(when, r->open_until);
        lines = apr_psprintf(p, "%sCacheBreakerInThisProcess: open until %s\n",
                             lines, when);
    }
    apr_thread_mutex_unlock(r->lock);
    return lines;
}
