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
 * memcached: the same, over a socket of the thread's own with the same
 * timeouts, speaking the text protocol's "add" (memcache_proto.c).
 * A cache that accepts connections but does not answer (stopped, or too
 * busy) costs each command its timeout: after one, the process's breaker
 * opens, and logons are refused at once without asking the cache for 1 s,
 * then one logon tries it (the others are still refused); while such tries
 * go unanswered the period doubles, up to NEG_REMOTE_BREAKER_MAX_S; the
 * first answer closes it. Threads already waiting when it hung still wait
 * out their timeout.
 * apr-util's apr_memcache would do the "add", but (APR-util 1.6.3) it has
 * no timeout once connected: a memcached that stops answering (SIGSTOP)
 * held apr_memcache_add for more than 30 s, and every httpd thread with it.
 */
#include "replay_remote.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#include "http_log.h"
#include "apr_atomic.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "memcache_proto.h"

APLOG_USE_MODULE(auth_negotiate);

struct neg_remote {
    neg_remote_kind kind;
    const char *host;               /* without brackets */
    apr_port_t port;
    const char *label;              /* "redis at HOST:PORT" */
    volatile apr_uint32_t retry_at; /* no new connection before (s) */
    apr_thread_mutex_t *lock;       /* guards what follows */
    char last_error[200];
    apr_time_t last_error_at;
    apr_time_t open_until;          /* breaker: no command before (0: closed) */
    apr_interval_time_t period;     /* its current period */
    apr_time_t hung_at;             /* the command that went unanswered */
    int probing;                    /* a logon is trying the cache */
    char epoch[NEG_REMOTE_EPOCH_MAX]; /* the cache's epoch last seen ("": none) */
    apr_time_t floor;               /* it may lack authenticators from before */
};

/* The epoch key: made, when absent, by whoever finds it so, with a random
 * part and its time; read back after every store. */
#define EPOCH_KEY NEG_REMOTE_PREFIX "epoch"

/* How a command went: answered (whatever the answer), not answered in
 * time (the breaker's business), or failed otherwise. */
typedef enum { NEG_ASKED_ANSWERED, NEG_ASKED_HUNG, NEG_ASKED_FAILED } neg_asked;

/* The thread's connection: a redisContext, or for memcache the socket's
 * descriptor + 1 (NULL: none). One kind per process. */
static pthread_key_t conn_key;
static int conn_key_made;

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
    r->host = host;
    r->port = port;
    r->label = apr_psprintf(p, "%s at %s", name, hostport);
    *out = r;
    return NULL;
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

/* Did c time out? (hiredis reports a command timeout as EAGAIN, a
 * connect timeout as ETIMEDOUT.) */
static int redis_timed_out(const redisContext *c, int err_no)
{
    return c->err == REDIS_ERR_IO
        && (err_no == EAGAIN || err_no == EWOULDBLOCK || err_no == ETIMEDOUT);
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

static redisContext *redis_connect(neg_remote *r, apr_pool_t *p, const char **why,
                                   neg_asked *asked)
{
    redisContext *c = redisConnectWithTimeout(r->host, r->port, timeout());
    int err_no = errno;

    *asked = NEG_ASKED_FAILED;
    if (c == NULL) {
        *why = failed(r, p, "cannot connect: out of memory");
        return NULL;
    }
    if (c->err == 0 && redisSetTimeout(c, timeout()) == REDIS_OK)
        return c;
    if (redis_timed_out(c, err_no))
        *asked = NEG_ASKED_HUNG;
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
    return pthread_getspecific(conn_key);
}

static void keep_context(redisContext *c)
{
    pthread_setspecific(conn_key, c);
}

/* c failed (no reply): freed and forgotten; *closed says whether the
 * server had closed it (a kept connection after a redis restart: worth
 * one more try). */
static neg_replay_result redis_failed(neg_remote *r, redisContext *c, apr_pool_t *p,
                                      const char **why, int *closed, neg_asked *asked)
{
    int err_no = errno;

    *closed = c->err == REDIS_ERR_EOF
              || (c->err == REDIS_ERR_IO && (err_no == ECONNRESET || err_no == EPIPE));
    *asked = redis_timed_out(c, err_no) ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
    *why = failed(r, p, redis_error(c, err_no, p));
    if (thread_context() == c)
        keep_context(NULL);
    redisFree(c);
    return NEG_REPLAY_ERROR;
}

/* The reply to GET of the epoch into epoch ("" when there is none). */
static int redis_epoch_of(neg_remote *r, const redisReply *reply, char *epoch,
                          apr_pool_t *p, const char **why)
{
    epoch[0] = '\0';
    if (reply->type == REDIS_REPLY_NIL)
        return 1;
    if (reply->type == REDIS_REPLY_STRING && reply->len < NEG_REMOTE_EPOCH_MAX) {
        memcpy(epoch, reply->str, reply->len);
        epoch[reply->len] = '\0';
        return 1;
    }
    *why = failed(r, p, "unexpected reply to GET " EPOCH_KEY);
    return 0;
}

/* Two commands in one round trip, the second a GET of the epoch: the first
 * one's reply in *first (to free), the epoch in epoch. Read after the
 * store, the epoch tells whether the cache was emptied before the store
 * (restarted or flushed): the entry may then have been lost and stored
 * again, and the epoch is then missing or another. */
static neg_replay_result redis_then_epoch(neg_remote *r, redisContext *c,
                                          redisReply **first, char *epoch,
                                          apr_pool_t *p, const char **why,
                                          int *closed, neg_asked *asked)
{
    redisReply *second = NULL;
    int ok;

    *first = NULL;
    *closed = 0;
    *asked = NEG_ASKED_ANSWERED;
    if (redisAppendCommand(c, "GET " EPOCH_KEY) != REDIS_OK
        || redisGetReply(c, (void **)first) != REDIS_OK
        || redisGetReply(c, (void **)&second) != REDIS_OK) {
        if (*first != NULL)
            freeReplyObject(*first);
        *first = NULL;
        return redis_failed(r, c, p, why, closed, asked);
    }
    ok = redis_epoch_of(r, second, epoch, p, why);
    freeReplyObject(second);
    return ok ? NEG_REPLAY_FRESH : NEG_REPLAY_ERROR;
}

/* One SET ... NX PX on c, and the epoch read after it. When the
 * connection failed, c is freed and forgotten (redis_failed). */
static neg_replay_result redis_set_nx(neg_remote *r, redisContext *c,
                                      const unsigned char key[32], long long ms,
                                      char *epoch, apr_pool_t *p, const char **why,
                                      int *closed, neg_asked *asked)
{
    redisReply *reply;
    neg_replay_result result;

    *closed = 0;
    *asked = NEG_ASKED_FAILED;
    if (redisAppendCommand(c, "SET " NEG_REMOTE_PREFIX "%b 1 NX PX %lld", key,
                           (size_t)32, ms) != REDIS_OK)
        return redis_failed(r, c, p, why, closed, asked);
    result = redis_then_epoch(r, c, &reply, epoch, p, why, closed, asked);
    if (reply == NULL)
        return result;
    if (result == NEG_REPLAY_FRESH)
        result = redis_verdict(r, reply, p, why);
    freeReplyObject(reply);
    return result;
}

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

/* The epoch was missing: made unless someone made it meanwhile (SET NX,
 * then GET: one round trip, any redis version), and read back. */
static neg_replay_result redis_make_epoch(neg_remote *r, redisContext *c, char *epoch,
                                          apr_pool_t *p, const char **why,
                                          int *closed, neg_asked *asked)
{
    const char *value = new_epoch(p);
    redisReply *reply;
    neg_replay_result result;

    *asked = NEG_ASKED_FAILED;
    if (value == NULL) {
        *why = failed(r, p, "no random bytes for its epoch");
        return NEG_REPLAY_ERROR;
    }
    if (redisAppendCommand(c, "SET " EPOCH_KEY " %s NX", value) != REDIS_OK)
        return redis_failed(r, c, p, why, closed, asked);
    result = redis_then_epoch(r, c, &reply, epoch, p, why, closed, asked);
    if (reply != NULL)
        freeReplyObject(reply);
    if (result == NEG_REPLAY_FRESH && epoch[0] == '\0') {
        *why = failed(r, p, "its epoch key " EPOCH_KEY " vanished as it was made");
        result = NEG_REPLAY_ERROR;
    }
    return result;
}

/* The store, and the epoch made when it was missing. */
static neg_replay_result redis_store(neg_remote *r, redisContext *c,
                                     const unsigned char key[32], long long ms,
                                     char *epoch, apr_pool_t *p, const char **why,
                                     int *closed, neg_asked *asked)
{
    neg_replay_result result = redis_set_nx(r, c, key, ms, epoch, p, why, closed, asked);
    neg_replay_result made;

    if (result == NEG_REPLAY_ERROR || epoch[0] != '\0')
        return result;
    made = redis_make_epoch(r, c, epoch, p, why, closed, asked);
    return made == NEG_REPLAY_ERROR ? made : result;
}

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

static redisContext *redis_reconnect(neg_remote *r, apr_pool_t *p, const char **why,
                                     neg_asked *asked)
{
    redisContext *c;

    *asked = NEG_ASKED_FAILED;
    if (!may_connect(r, p, why))
        return NULL;
    c = redis_connect(r, p, why, asked);
    if (c == NULL)
        connect_failed(r);
    return c;
}

static neg_replay_result redis_check(neg_remote *r, const unsigned char key[32],
                                     apr_time_t expiry, char *epoch, apr_pool_t *p,
                                     const char **why, neg_asked *asked)
{
    long long ms = (long long)apr_time_as_msec(expiry - apr_time_now());
    redisContext *c;
    neg_replay_result result;
    int closed = 0;

    *asked = NEG_ASKED_FAILED;
    if (!conn_key_made) {
        *why = failed(r, p, "no per-thread connection slot in this process "
                      "(see the NEG0806 line logged when it started)");
        return NEG_REPLAY_ERROR;
    }
    c = thread_context();
    if (ms < 1)
        ms = 1;
    if (c != NULL) {
        result = redis_store(r, c, key, ms, epoch, p, why, &closed, asked);
        if (result != NEG_REPLAY_ERROR || !closed)
            return result;
    }
    if ((c = redis_reconnect(r, p, why, asked)) == NULL)
        return NEG_REPLAY_ERROR;
    keep_context(c);
    return redis_store(r, c, key, ms, epoch, p, why, &closed, asked);
}

static void free_redis(void *c)
{
    redisFree(c);
}

static const char *redis_probe(neg_remote *r, apr_pool_t *p)
{
    const char *why = NULL;
    neg_asked asked;
    redisContext *c = redis_connect(r, p, &why, &asked);
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

static int mc_fd(void)
{
    return (int)(intptr_t)pthread_getspecific(conn_key) - 1;
}

static void mc_keep(int fd)
{
    pthread_setspecific(conn_key, (void *)(intptr_t)(fd + 1));
}

static void free_mc(void *fd1)
{
    close((int)(intptr_t)fd1 - 1);
}

static void mc_drop(int fd)
{
    if (mc_fd() == fd)
        mc_keep(-1);
    close(fd);
}

/* connect() on a non-blocking socket, waiting at most the timeout; 0 or
 * an errno (ETIMEDOUT when it took too long). */
static int connect_within(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd = { fd, POLLOUT, 0 };
    int err = 0, n;
    socklen_t elen = sizeof(err);

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    do
        n = poll(&pfd, 1, NEG_REMOTE_TIMEOUT_S * 1000);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return ETIMEDOUT;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        return errno;
    return err;
}

/* A blocking socket with send and receive timeouts, connected to ai. */
static int mc_socket(const struct addrinfo *ai, int *err)
{
    struct timeval tv = timeout();
    int one = 1, fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                             ai->ai_protocol);

    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0
        || (*err = connect_within(fd, ai->ai_addr, ai->ai_addrlen)) != 0
        || fcntl(fd, F_SETFL, 0) != 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0
        || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        if (*err == 0)
            *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

static int mc_connect(neg_remote *r, apr_pool_t *p, const char **why,
                      neg_asked *asked)
{
    struct addrinfo hints = { 0 }, *res = NULL, *ai;
    char port[8], err_text[120];
    int fd = -1, err = 0, rc;

    *asked = NEG_ASKED_FAILED;
    hints.ai_socktype = SOCK_STREAM;
    apr_snprintf(port, sizeof(port), "%u", r->port);
    rc = getaddrinfo(r->host, port, &hints, &res);
    if (rc != 0) {
        *why = failed(r, p, apr_psprintf(p, "cannot resolve %s: %s", r->host,
                                         gai_strerror(rc)));
        return -1;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
        fd = mc_socket(ai, &err);
    freeaddrinfo(res);
    *asked = fd < 0 && err == ETIMEDOUT ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
    if (fd < 0)
        *why = failed(r, p, apr_pstrcat(p, "cannot connect: ", err == ETIMEDOUT
            ? apr_psprintf(p, "no answer within %d s", NEG_REMOTE_TIMEOUT_S)
            : apr_strerror(APR_FROM_OS_ERROR(err), err_text, sizeof(err_text)),
            NULL));
    return fd;
}

/* What a failed send or recv means, in words. */
static const char *mc_io_error(int err, apr_pool_t *p)
{
    char text[120];

    if (err == EAGAIN || err == EWOULDBLOCK)
        return apr_psprintf(p, "no answer within %d s", NEG_REMOTE_TIMEOUT_S);
    if (err == 0)
        return "the server closed the connection";
    return apr_pstrdup(p, apr_strerror(APR_FROM_OS_ERROR(err), text, sizeof(text)));
}

/* The whole command out, then one reply line in (value NULL), or one
 * line and a get's reply (neg_mc_parse_then_get: *found, value of
 * NEG_REMOTE_EPOCH_MAX bytes): its kind, or NEG_MC_INCOMPLETE with *err
 * set (0: the server closed the connection). */
static neg_mc_reply mc_exchange(int fd, const char *cmd, size_t len,
                                char *reply, size_t cap, size_t *line_len, int *err,
                                char *value, int *found)
{
    size_t have = 0;
    ssize_t n;
    neg_mc_reply kind = NEG_MC_INCOMPLETE;

    while (len > 0) {
        n = send(fd, cmd, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            return NEG_MC_INCOMPLETE;
        }
        cmd += n;
        len -= (size_t)n;
    }
    while (kind == NEG_MC_INCOMPLETE && have < cap) {
        n = recv(fd, reply + have, cap - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            return NEG_MC_INCOMPLETE;
        }
        have += (size_t)n;
        kind = value == NULL ? neg_mc_parse_reply(reply, have, line_len)
               : neg_mc_parse_then_get(reply, have, line_len, value,
                                       NEG_REMOTE_EPOCH_MAX, found);
    }
    if (kind == NEG_MC_INCOMPLETE)
        *line_len = have;           /* a line longer than the buffer */
    return kind == NEG_MC_INCOMPLETE ? NEG_MC_OTHER : kind;
}

/* One "add" and a get of the epoch on fd; fd is closed (and forgotten)
 * unless the answer was STORED or NOT_STORED and the get's. *closed: the
 * server had closed the connection. */
static neg_replay_result mc_add(neg_remote *r, int fd, const char *cmd, size_t len,
                                char *epoch, apr_pool_t *p, const char **why,
                                int *closed, neg_asked *asked)
{
    char reply[256];
    size_t line = 0;
    int err = 0, found = 0;
    neg_mc_reply kind = mc_exchange(fd, cmd, len, reply, sizeof(reply), &line, &err,
                                    epoch, &found);

    *closed = 0;
    *asked = NEG_ASKED_ANSWERED;
    if (!found)
        epoch[0] = '\0';
    if (kind == NEG_MC_STORED)
        return NEG_REPLAY_FRESH;
    if (kind == NEG_MC_NOT_STORED)
        return NEG_REPLAY_SEEN;
    if (kind == NEG_MC_INCOMPLETE) {
        *closed = err == 0 || err == ECONNRESET || err == EPIPE;
        *asked = err == EAGAIN || err == EWOULDBLOCK ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
        *why = failed(r, p, mc_io_error(err, p));
    }
    else {
        *why = failed(r, p, apr_psprintf(p, "unexpected reply \"%.*s\"",
                                         (int)(line > 100 ? 100 : line), reply));
    }
    mc_drop(fd);
    return NEG_REPLAY_ERROR;
}

/* A command for key (its "add") and the get of the epoch after it. */
static size_t mc_commands(char *cmd, size_t cap, const unsigned char key[32],
                          apr_time_t expiry)
{
    char text[NEG_MC_KEY_SIZE];
    apr_time_t now = apr_time_now();
    size_t len, get;

    neg_mc_key(NEG_REMOTE_PREFIX, key, text);
    len = neg_mc_add_command(cmd, cap, text,
                             (long)((expiry - now + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC),
                             (long)apr_time_sec(now));
    get = len == 0 ? 0 : neg_mc_get_command(cmd + len, cap - len, EPOCH_KEY);
    return get == 0 ? 0 : len + get;
}

/* The epoch was missing: added unless someone added it meanwhile, and
 * read back, in one round trip. */
static neg_replay_result mc_make_epoch(neg_remote *r, int fd, char *epoch,
                                       apr_pool_t *p, const char **why, int *closed,
                                       neg_asked *asked)
{
    const char *value = new_epoch(p);
    char cmd[160];
    size_t len = value == NULL ? 0
                 : neg_mc_add_value_command(cmd, sizeof(cmd), EPOCH_KEY, value);
    neg_replay_result result;

    if (len > 0)
        len += neg_mc_get_command(cmd + len, sizeof(cmd) - len, EPOCH_KEY);
    if (value == NULL || len == 0) {
        *why = failed(r, p, "cannot make its epoch");
        return NEG_REPLAY_ERROR;
    }
    result = mc_add(r, fd, cmd, len, epoch, p, why, closed, asked);
    if (result != NEG_REPLAY_ERROR && epoch[0] == '\0') {
        *why = failed(r, p, "its epoch key " EPOCH_KEY " vanished as it was made");
        return NEG_REPLAY_ERROR;
    }
    return result;
}

/* The add, and the epoch made when it was missing. */
static neg_replay_result mc_store(neg_remote *r, int fd, const char *cmd, size_t len,
                                  char *epoch, apr_pool_t *p, const char **why,
                                  int *closed, neg_asked *asked)
{
    neg_replay_result result = mc_add(r, fd, cmd, len, epoch, p, why, closed, asked);
    neg_replay_result made;

    if (result == NEG_REPLAY_ERROR || epoch[0] != '\0')
        return result;
    made = mc_make_epoch(r, fd, epoch, p, why, closed, asked);
    return made == NEG_REPLAY_ERROR ? made : result;
}

static neg_replay_result memcache_check(neg_remote *r, const unsigned char key[32],
                                        apr_time_t expiry, char *epoch, apr_pool_t *p,
                                        const char **why, neg_asked *asked)
{
    char cmd[192];
    size_t len;
    int fd, closed = 0;
    neg_replay_result result;

    *asked = NEG_ASKED_FAILED;
    if (!conn_key_made) {
        *why = failed(r, p, "no per-thread connection slot in this process "
                      "(see the NEG0806 line logged when it started)");
        return NEG_REPLAY_ERROR;
    }
    len = mc_commands(cmd, sizeof(cmd), key, expiry);
    if ((fd = mc_fd()) >= 0) {
        result = mc_store(r, fd, cmd, len, epoch, p, why, &closed, asked);
        if (result != NEG_REPLAY_ERROR || !closed)
            return result;
    }
    *asked = NEG_ASKED_FAILED;
    if (!may_connect(r, p, why))
        return NEG_REPLAY_ERROR;
    if ((fd = mc_connect(r, p, why, asked)) < 0) {
        connect_failed(r);
        return NEG_REPLAY_ERROR;
    }
    mc_keep(fd);
    return mc_store(r, fd, cmd, len, epoch, p, why, &closed, asked);
}

static const char *memcache_probe(neg_remote *r, apr_pool_t *p)
{
    static const char cmd[] = "version\r\n";
    const char *why = NULL;
    char reply[128];
    size_t line = 0;
    neg_asked asked;
    int err = 0, fd = mc_connect(r, p, &why, &asked);

    if (fd < 0)
        return why;
    /* "VERSION 1.6.18": not STORED, so NEG_MC_OTHER when it answered */
    if (mc_exchange(fd, cmd, sizeof(cmd) - 1, reply, sizeof(reply), &line, &err,
                    NULL, NULL) == NEG_MC_INCOMPLETE)
        why = apr_psprintf(p, "%s: %s", r->label, mc_io_error(err, p));
    else if (line < 8 || strncmp(reply, "VERSION ", 8) != 0)
        why = apr_psprintf(p, "%s: version answered \"%.*s\"", r->label,
                           (int)(line > 100 ? 100 : line), reply);
    close(fd);
    return why;
}

/* ------------------------------------------------------------ dispatch */

const char *neg_remote_probe(neg_remote *r, apr_pool_t *p)
{
    return r->kind == NEG_REMOTE_REDIS ? redis_probe(r, p) : memcache_probe(r, p);
}

void neg_remote_child_init(neg_remote *r, apr_pool_t *pchild, server_rec *s)
{
    int rv = 0;

    apr_thread_mutex_create(&r->lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (!conn_key_made) {
        rv = pthread_key_create(&conn_key, r->kind == NEG_REMOTE_REDIS
                                ? free_redis : free_mc);
        conn_key_made = rv == 0;
    }
    if (rv != 0)
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
                     "while it does not answer)", neg_replay_name(),
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

/* "2026-11-28T10:00:00Z" */
static const char *utc(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;

    apr_time_exp_gmt(&tm, t);
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
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
                     "flushed (its epoch key " EPOCH_KEY " was missing or "
                     "changed): it may have lost the authenticators accepted "
                     "before %s, and Kerberos authenticators that could be from "
                     "before then are refused (NEG0810) until the clock skew has "
                     "passed (RFC 4120 3.2.3)", neg_replay_name(), utc(p, floor));
    if (result != NEG_REPLAY_FRESH || earliest > floor)
        return result;
    *why = apr_psprintf(p, "was emptied (restarted or flushed) at %s and may lack "
                        "the authenticators accepted before (NEG0817; logons work "
                        "again once the clock skew has passed)", utc(p, floor));
    return NEG_REPLAY_TOO_OLD;
}

neg_replay_result neg_remote_check(neg_remote *r, server_rec *s,
                                   const unsigned char key[32], apr_time_t expiry,
                                   apr_time_t earliest, apr_pool_t *p,
                                   const char **why)
{
    char epoch[NEG_REMOTE_EPOCH_MAX] = "";
    neg_replay_result result;
    neg_asked asked;
    int probe;

    if (!breaker_admits(r, p, why, &probe))
        return NEG_REPLAY_ERROR;
    if (r->kind == NEG_REMOTE_REDIS)
        result = redis_check(r, key, expiry, epoch, p, why, &asked);
    else
        result = memcache_check(r, key, expiry, epoch, p, why, &asked);
    breaker_record(r, s, asked, probe);
    if (result == NEG_REPLAY_ERROR)
        return result;
    return judge_epoch(r, s, result, epoch, earliest, p, why);
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
