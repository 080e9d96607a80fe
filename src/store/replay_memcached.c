/*
 * replay_memcached.c - the farm's store in memcached (the ops of
 * remote_conn.h), over a socket of the thread's own with the same
 * timeouts as redis, speaking the text protocol (memcache_proto.c): the
 * replay cache's "add" and its epoch, and the failure count of
 * NegotiateFailureLimit through the meta arithmetic command "ma"
 * (memcached 1.6): one atomic command per attempt, which makes the
 * counter with the window's lifetime when it is absent and answers its
 * value and remaining lifetime.
 *
 * apr-util's apr_memcache would do the "add", but (APR-util 1.6.3) it has
 * no timeout once connected: a memcached that stops answering (SIGSTOP)
 * held apr_memcache_add for more than 30 s, and every httpd thread with it.
 */
#include "remote_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apr_strings.h"

#include "memcache_proto.h"

/* A connection is the socket's descriptor + 1 (NULL: none). */
static int fd_of(void *conn)
{
    return (int)(intptr_t)conn - 1;
}

static void *conn_of(int fd)
{
    return (void *)(intptr_t)(fd + 1);
}

static void free_mc(void *conn)
{
    close(fd_of(conn));
}

static void mc_drop(neg_remote_call *call)
{
    neg_remote_forget(call->conn);
    close(fd_of(call->conn));
    call->conn = NULL;
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
    struct timeval tv = { NEG_REMOTE_TIMEOUT_S, 0 };
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

static int mc_connect_fd(neg_remote *r, apr_pool_t *p, const char **why,
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
        *why = neg_remote_failed(r, p, apr_psprintf(p, "cannot resolve %s: %s", r->host,
                                                    gai_strerror(rc)));
        return -1;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
        fd = mc_socket(ai, &err);
    freeaddrinfo(res);
    *asked = fd < 0 && err == ETIMEDOUT ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
    if (fd < 0)
        *why = neg_remote_failed(r, p, apr_pstrcat(p, "cannot connect: ", err == ETIMEDOUT
            ? apr_psprintf(p, "no answer within %d s", NEG_REMOTE_TIMEOUT_S)
            : apr_strerror(APR_FROM_OS_ERROR(err), err_text, sizeof(err_text)),
            NULL));
    return fd;
}

static void *mc_connect(neg_remote *r, apr_pool_t *p, const char **why, neg_asked *asked)
{
    int fd = mc_connect_fd(r, p, why, asked);

    return fd < 0 ? NULL : conn_of(fd);
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

/* How the reply is read: one of memcache_proto.h's parsers. */
typedef struct {
    enum { MC_LINE, MC_THEN_GET, MC_ARITH } shape;
    char *value;                /* MC_THEN_GET: NEG_REMOTE_EPOCH_MAX bytes */
    int found;
    long long count;            /* MC_ARITH */
    long ttl;
} mc_reading;

static neg_mc_reply mc_parse(const char *buf, size_t len, size_t *line, mc_reading *rd)
{
    if (rd->shape == MC_THEN_GET)
        return neg_mc_parse_then_get(buf, len, line, rd->value, NEG_REMOTE_EPOCH_MAX,
                                     &rd->found);
    if (rd->shape == MC_ARITH)
        return neg_mc_parse_arith(buf, len, line, &rd->count, &rd->ttl);
    return neg_mc_parse_reply(buf, len, line);
}

static int mc_send(int fd, const char *cmd, size_t len, int *err)
{
    ssize_t n;

    while (len > 0) {
        n = send(fd, cmd, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            return 0;
        }
        cmd += n;
        len -= (size_t)n;
    }
    return 1;
}

/* The whole command out, then its reply in, read as rd says: its kind, or
 * NEG_MC_INCOMPLETE with *err set (0: the server closed the connection). */
static neg_mc_reply mc_exchange(int fd, const char *cmd, size_t len, char *reply,
                                size_t cap, size_t *line_len, int *err, mc_reading *rd)
{
    size_t have = 0;
    ssize_t n;
    neg_mc_reply kind = NEG_MC_INCOMPLETE;

    if (!mc_send(fd, cmd, len, err))
        return NEG_MC_INCOMPLETE;
    while (kind == NEG_MC_INCOMPLETE && have < cap) {
        n = recv(fd, reply + have, cap - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : 0;
            return NEG_MC_INCOMPLETE;
        }
        have += (size_t)n;
        kind = mc_parse(reply, have, line_len, rd);
    }
    if (kind == NEG_MC_INCOMPLETE)
        *line_len = have;           /* a line longer than the buffer */
    return kind == NEG_MC_INCOMPLETE ? NEG_MC_OTHER : kind;
}

/* One round trip on the call's connection: the reply's kind, or
 * NEG_MC_INCOMPLETE with the connection dropped and *why set. A reply of
 * another kind than those the caller expects is its to judge. */
static neg_mc_reply mc_ask(neg_remote_call *call, const char *cmd, size_t len,
                           mc_reading *rd, char *reply, size_t cap, size_t *line)
{
    int err = 0;
    neg_mc_reply kind = mc_exchange(fd_of(call->conn), cmd, len, reply, cap, line, &err, rd);

    call->asked = NEG_ASKED_ANSWERED;
    if (kind != NEG_MC_INCOMPLETE)
        return kind;
    call->closed = err == 0 || err == ECONNRESET || err == EPIPE;
    call->asked = err == EAGAIN || err == EWOULDBLOCK ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
    *call->why = neg_remote_failed(call->r, call->p, mc_io_error(err, call->p));
    mc_drop(call);
    return NEG_MC_INCOMPLETE;
}

/* An answer of another kind: logged as the reply's line, connection dropped
 * (what follows it on the stream is unknown). */
static neg_replay_result mc_unexpected(neg_remote_call *call, const char *reply, size_t line)
{
    *call->why = neg_remote_failed(call->r, call->p, apr_psprintf(call->p,
                     "unexpected reply \"%.*s\"", (int)(line > 100 ? 100 : line), reply));
    mc_drop(call);
    return NEG_REPLAY_ERROR;
}

/* An "add" and a get of the epoch after it, in one round trip. */
static neg_replay_result mc_add_then_get(neg_remote_call *call, const char *cmd,
                                         size_t len, char *epoch)
{
    char reply[256];
    size_t line = 0;
    mc_reading rd = { MC_THEN_GET, epoch, 0, 0, 0 };
    neg_mc_reply kind;

    call->asked = NEG_ASKED_FAILED;
    if (len == 0) {
        *call->why = neg_remote_failed(call->r, call->p, "cannot write its command");
        return NEG_REPLAY_ERROR;
    }
    kind = mc_ask(call, cmd, len, &rd, reply, sizeof(reply), &line);
    if (!rd.found)
        epoch[0] = '\0';
    if (kind == NEG_MC_STORED)
        return NEG_REPLAY_FRESH;
    if (kind == NEG_MC_NOT_STORED)
        return NEG_REPLAY_SEEN;
    return kind == NEG_MC_INCOMPLETE ? NEG_REPLAY_ERROR : mc_unexpected(call, reply, line);
}

static neg_replay_result mc_store(neg_remote_call *call, const unsigned char key[32],
                                  apr_time_t expiry, char *epoch)
{
    char text[NEG_MC_KEY_SIZE], cmd[192];
    apr_time_t now = apr_time_now();
    size_t len, get;

    neg_mc_key(NEG_REMOTE_PREFIX, key, text);
    len = neg_mc_add_command(cmd, sizeof(cmd), text,
                             (long)((expiry - now + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC),
                             (long)apr_time_sec(now));
    get = len == 0 ? 0
          : neg_mc_get_command(cmd + len, sizeof(cmd) - len, NEG_REMOTE_EPOCH_KEY);
    return mc_add_then_get(call, cmd, get == 0 ? 0 : len + get, epoch);
}

static neg_replay_result mc_make_epoch(neg_remote_call *call, const char *value,
                                       char *epoch)
{
    char cmd[160];
    size_t len = neg_mc_add_value_command(cmd, sizeof(cmd), NEG_REMOTE_EPOCH_KEY, value);
    size_t get = len == 0 ? 0
                 : neg_mc_get_command(cmd + len, sizeof(cmd) - len, NEG_REMOTE_EPOCH_KEY);

    return mc_add_then_get(call, cmd, get == 0 ? 0 : len + get, epoch);
}

static neg_replay_result mc_count(neg_remote_call *call, const unsigned char key[32],
                                  int delta, long seconds, long long *count,
                                  long long *ttl_ms)
{
    char text[NEG_MC_KEY_SIZE], cmd[128], reply[128];
    size_t line = 0, len;
    mc_reading rd = { MC_ARITH, NULL, 0, 0, 0 };
    neg_mc_reply kind;

    call->asked = NEG_ASKED_FAILED;
    neg_mc_key(NEG_REMOTE_COUNT_PREFIX, key, text);
    if ((len = neg_mc_arith_command(cmd, sizeof(cmd), text, delta, seconds)) == 0) {
        *call->why = neg_remote_failed(call->r, call->p, "cannot write its command");
        return NEG_REPLAY_ERROR;
    }
    kind = mc_ask(call, cmd, len, &rd, reply, sizeof(reply), &line);
    if (kind == NEG_MC_NOT_FOUND && delta < 0) {
        *count = 0;
        *ttl_ms = -2;
        return NEG_REPLAY_FRESH;
    }
    if (kind != NEG_MC_VALUE)
        return kind == NEG_MC_INCOMPLETE ? NEG_REPLAY_ERROR : mc_unexpected(call, reply, line);
    *count = rd.count;
    *ttl_ms = rd.ttl < 0 ? -1 : (long long)rd.ttl * 1000;
    return NEG_REPLAY_FRESH;
}

static const char *mc_probe(neg_remote *r, apr_pool_t *p)
{
    static const char cmd[] = "version\r\n";
    const char *why = NULL;
    char reply[128];
    size_t line = 0;
    neg_asked asked;
    mc_reading rd = { MC_LINE, NULL, 0, 0, 0 };
    int err = 0, fd = mc_connect_fd(r, p, &why, &asked);

    if (fd < 0)
        return why;
    /* "VERSION 1.6.18": not STORED, so NEG_MC_OTHER when it answered */
    if (mc_exchange(fd, cmd, sizeof(cmd) - 1, reply, sizeof(reply), &line, &err, &rd)
        == NEG_MC_INCOMPLETE)
        why = apr_psprintf(p, "%s: %s", r->label, mc_io_error(err, p));
    else if (line < 8 || strncmp(reply, "VERSION ", 8) != 0)
        why = apr_psprintf(p, "%s: version answered \"%.*s\"", r->label,
                           (int)(line > 100 ? 100 : line), reply);
    close(fd);
    return why;
}

const neg_remote_ops neg_remote_memcache_ops = {
    mc_connect, free_mc, mc_store, mc_make_epoch, mc_count, mc_probe
};
