/*
 * replay_redis.c - the farm's store in redis, through hiredis (the ops of
 * remote_conn.h): the replay cache's SET ... NX PX and its epoch, and the
 * failure count of NegotiateFailureLimit.
 *
 * hiredis contexts are not thread-safe: each thread has its own
 * (replay_remote.c keeps it), connected at its first command and freed on
 * any error so that the next command connects again.
 *
 * The failure count is one transaction per attempt, in one round trip:
 *   MULTI; SET neg-fl:<32 bytes> 0 NX PX <ms>; INCR ...; PTTL ...; EXEC
 * (the counter made with the window's lifetime when absent, then one
 * added; the lifetime read back says when the window ends), and to give a
 * place back MULTI; DECR ...; PTTL ...; EXEC. A counter without a lifetime
 * (DECR of one that had just expired makes one) is deleted, or given the
 * window's lifetime, at once: no counter lives for ever.
 */
#include "remote_conn.h"

#include <errno.h>
#include <string.h>
#include <hiredis/hiredis.h>

#include "apr_strings.h"

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

static void *redis_connect(neg_remote *r, apr_pool_t *p, const char **why,
                           neg_asked *asked)
{
    redisContext *c = redisConnectWithTimeout(r->host, r->port, timeout());
    int err_no = errno;

    *asked = NEG_ASKED_FAILED;
    if (c == NULL) {
        *why = neg_remote_failed(r, p, "cannot connect: out of memory");
        return NULL;
    }
    if (c->err == 0 && redisSetTimeout(c, timeout()) == REDIS_OK)
        return c;
    if (redis_timed_out(c, err_no))
        *asked = NEG_ASKED_HUNG;
    *why = neg_remote_failed(r, p, apr_pstrcat(p, "cannot connect: ",
                                               redis_error(c, err_no, p), NULL));
    redisFree(c);
    return NULL;
}

static void free_redis(void *c)
{
    redisFree(c);
}

/* The connection failed (no reply): freed and forgotten. */
static neg_replay_result redis_failed(neg_remote_call *call)
{
    redisContext *c = call->conn;
    int err_no = errno;

    call->closed = c->err == REDIS_ERR_EOF
        || (c->err == REDIS_ERR_IO && (err_no == ECONNRESET || err_no == EPIPE));
    call->asked = redis_timed_out(c, err_no) ? NEG_ASKED_HUNG : NEG_ASKED_FAILED;
    *call->why = neg_remote_failed(call->r, call->p, redis_error(c, err_no, call->p));
    neg_remote_forget(c);
    redisFree(c);
    call->conn = NULL;
    return NEG_REPLAY_ERROR;
}

/* An answer that is not what was asked for: the connection stays. */
static neg_replay_result redis_unexpected(neg_remote_call *call, const redisReply *reply,
                                          const char *to)
{
    apr_pool_t *p = call->p;

    if (reply->type == REDIS_REPLY_ERROR || reply->type == REDIS_REPLY_STATUS)
        *call->why = neg_remote_failed(call->r, p, apr_psprintf(p,
                         "unexpected reply to %s \"%.100s\"", to, reply->str));
    else
        *call->why = neg_remote_failed(call->r, p, apr_psprintf(p,
                         "unexpected reply to %s of type %d", to, reply->type));
    return NEG_REPLAY_ERROR;
}

/* A reply to SET ... NX: "OK" stored, nil there already. */
static neg_replay_result redis_verdict(neg_remote_call *call, const redisReply *reply)
{
    if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0)
        return NEG_REPLAY_FRESH;
    if (reply->type == REDIS_REPLY_NIL)
        return NEG_REPLAY_SEEN;
    return redis_unexpected(call, reply, "SET");
}

/* The reply to GET of the epoch into epoch ("" when there is none). */
static int redis_epoch_of(neg_remote_call *call, const redisReply *reply, char *epoch)
{
    epoch[0] = '\0';
    if (reply->type == REDIS_REPLY_NIL)
        return 1;
    if (reply->type == REDIS_REPLY_STRING && reply->len < NEG_REMOTE_EPOCH_MAX) {
        memcpy(epoch, reply->str, reply->len);
        epoch[reply->len] = '\0';
        return 1;
    }
    *call->why = neg_remote_failed(call->r, call->p,
                                   "unexpected reply to GET " NEG_REMOTE_EPOCH_KEY);
    return 0;
}

/* The command appended before, then a GET of the epoch, in one round
 * trip: the first one's reply in *first (to free), the epoch in epoch. */
static neg_replay_result redis_then_epoch(neg_remote_call *call, redisReply **first,
                                          char *epoch)
{
    redisContext *c = call->conn;
    redisReply *second = NULL;
    int ok;

    *first = NULL;
    call->asked = NEG_ASKED_ANSWERED;
    if (redisAppendCommand(c, "GET " NEG_REMOTE_EPOCH_KEY) != REDIS_OK
        || redisGetReply(c, (void **)first) != REDIS_OK
        || redisGetReply(c, (void **)&second) != REDIS_OK) {
        if (*first != NULL)
            freeReplyObject(*first);
        *first = NULL;
        return redis_failed(call);
    }
    ok = redis_epoch_of(call, second, epoch);
    freeReplyObject(second);
    return ok ? NEG_REPLAY_FRESH : NEG_REPLAY_ERROR;
}

/* SET ... NX PX, and the epoch read after it. */
static neg_replay_result redis_store(neg_remote_call *call, const unsigned char key[32],
                                     apr_time_t expiry, char *epoch)
{
    long long ms = (long long)apr_time_as_msec(expiry - apr_time_now());
    redisReply *reply;
    neg_replay_result result;

    call->asked = NEG_ASKED_FAILED;
    if (redisAppendCommand(call->conn, "SET " NEG_REMOTE_PREFIX "%b 1 NX PX %lld", key,
                           (size_t)32, ms < 1 ? 1 : ms) != REDIS_OK)
        return redis_failed(call);
    result = redis_then_epoch(call, &reply, epoch);
    if (reply == NULL)
        return result;
    if (result == NEG_REPLAY_FRESH)
        result = redis_verdict(call, reply);
    freeReplyObject(reply);
    return result;
}

/* The epoch made unless someone made it meanwhile (SET NX, then GET: one
 * round trip, any redis version), and read back. */
static neg_replay_result redis_make_epoch(neg_remote_call *call, const char *value,
                                          char *epoch)
{
    redisReply *reply;
    neg_replay_result result;

    call->asked = NEG_ASKED_FAILED;
    if (redisAppendCommand(call->conn, "SET " NEG_REMOTE_EPOCH_KEY " %s NX", value)
        != REDIS_OK)
        return redis_failed(call);
    result = redis_then_epoch(call, &reply, epoch);
    if (reply != NULL)
        freeReplyObject(reply);
    return result;
}

/* The transaction of one count, appended: MULTI, [SET NX PX,] INCR or
 * DECR, PTTL, EXEC; how many replies will come back, 0 on failure. */
static int redis_append_count(redisContext *c, const unsigned char key[32], int delta,
                              long seconds)
{
    int n = 4;

    if (redisAppendCommand(c, "MULTI") != REDIS_OK)
        return 0;
    if (delta > 0) {
        n++;
        if (redisAppendCommand(c, "SET " NEG_REMOTE_COUNT_PREFIX "%b 0 NX PX %lld", key,
                               (size_t)32, (long long)seconds * 1000) != REDIS_OK)
            return 0;
    }
    if (redisAppendCommand(c, delta > 0 ? "INCR " NEG_REMOTE_COUNT_PREFIX "%b"
                                        : "DECR " NEG_REMOTE_COUNT_PREFIX "%b",
                           key, (size_t)32) != REDIS_OK
        || redisAppendCommand(c, "PTTL " NEG_REMOTE_COUNT_PREFIX "%b", key,
                              (size_t)32) != REDIS_OK
        || redisAppendCommand(c, "EXEC") != REDIS_OK)
        return 0;
    return n;
}

/* The replies of the transaction, the last one (EXEC's) in *exec. */
static neg_replay_result redis_exec_reply(neg_remote_call *call, int n, redisReply **exec)
{
    redisReply *reply = NULL;
    int i;

    *exec = NULL;
    for (i = 0; i < n; i++) {
        if (redisGetReply(call->conn, (void **)&reply) != REDIS_OK) {
            if (*exec != NULL)
                freeReplyObject(*exec);
            *exec = NULL;
            return redis_failed(call);
        }
        if (*exec != NULL)
            freeReplyObject(*exec);
        *exec = reply;
    }
    call->asked = NEG_ASKED_ANSWERED;
    return NEG_REPLAY_FRESH;
}

/* A counter left without a lifetime (DECR made it, or a writer died
 * between commands): deleted (delta -1) or given the window (delta 1). */
static neg_replay_result redis_mend(neg_remote_call *call, const unsigned char key[32],
                                    int delta, long seconds, long long *ttl_ms)
{
    redisReply *reply = delta > 0
        ? redisCommand(call->conn, "PEXPIRE " NEG_REMOTE_COUNT_PREFIX "%b %lld", key,
                       (size_t)32, (long long)seconds * 1000)
        : redisCommand(call->conn, "DEL " NEG_REMOTE_COUNT_PREFIX "%b", key, (size_t)32);

    if (reply == NULL)
        return redis_failed(call);
    freeReplyObject(reply);
    *ttl_ms = delta > 0 ? (long long)seconds * 1000 : -2;
    return NEG_REPLAY_FRESH;
}

static neg_replay_result redis_count(neg_remote_call *call, const unsigned char key[32],
                                     int delta, long seconds, long long *count,
                                     long long *ttl_ms)
{
    int n = redis_append_count(call->conn, key, delta, seconds);
    redisReply *exec;
    const redisReply *v, *t;
    neg_replay_result result;

    call->asked = NEG_ASKED_FAILED;
    if (n == 0)
        return redis_failed(call);
    if ((result = redis_exec_reply(call, n, &exec)) != NEG_REPLAY_FRESH)
        return result;
    if (exec->type != REDIS_REPLY_ARRAY || exec->elements != (size_t)(n - 2)
        || (v = exec->element[n - 4])->type != REDIS_REPLY_INTEGER
        || (t = exec->element[n - 3])->type != REDIS_REPLY_INTEGER) {
        result = redis_unexpected(call, exec, "EXEC");
        freeReplyObject(exec);
        return result;
    }
    *count = v->integer;
    *ttl_ms = t->integer;
    freeReplyObject(exec);
    return *ttl_ms == -1 ? redis_mend(call, key, delta, seconds, ttl_ms) : NEG_REPLAY_FRESH;
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

const neg_remote_ops neg_remote_redis_ops = {
    redis_connect, free_redis, redis_store, redis_make_epoch, redis_count, redis_probe
};
