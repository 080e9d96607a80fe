/*
 * remote_conn.h - what the farm's store clients share (private to
 * replay_remote.c, replay_redis.c and replay_memcached.c): the client's
 * state, one call on the thread's connection, and the ops of each kind;
 * remote_conn.c: the thread's connection slot and the last error, which
 * every kind uses (below them all: no circle between the files).
 *
 * replay_remote.c owns the parts that do not depend on the kind: the
 * breaker, the epoch's judgement, the thread's connection slot, the retry
 * after a failed connection, and each step written once over the ops
 * (store, then read the epoch, making it when it is missing; count).
 * replay_redis.c and replay_memcached.c each speak one protocol.
 */
#ifndef NEG_REMOTE_CONN_H
#define NEG_REMOTE_CONN_H

#include "apr_network_io.h"
#include "apr_pools.h"
#include "apr_thread_mutex.h"
#include "apr_time.h"

#include "replay_result.h"

typedef enum { NEG_REMOTE_REDIS, NEG_REMOTE_MEMCACHE } neg_remote_kind;

typedef struct neg_remote neg_remote;

/* Every key starts with this, so that the cache can serve others too. */
#define NEG_REMOTE_PREFIX "neg-rc:"

/* Connect and command timeout (each), seconds. */
#define NEG_REMOTE_TIMEOUT_S 1

/* The longest period of the breaker that stops a process asking a cache
 * that does not answer in time (replay_remote.c), seconds. */
#define NEG_REMOTE_BREAKER_MAX_S 8

/* The longest epoch value read back (replay_remote.c). */
#define NEG_REMOTE_EPOCH_MAX 64


/* The epoch key: made, when absent, by whoever finds it so, with a random
 * part and its time; read back after every store. */
#define NEG_REMOTE_EPOCH_KEY NEG_REMOTE_PREFIX "epoch"

/* How a command went: answered (whatever the answer), not answered in
 * time (the breaker's business), or failed otherwise. */
typedef enum { NEG_ASKED_ANSWERED, NEG_ASKED_HUNG, NEG_ASKED_FAILED } neg_asked;

typedef struct neg_remote_ops neg_remote_ops;

struct neg_remote {
    neg_remote_kind kind;
    const neg_remote_ops *ops;
    const char *host;               /* without brackets */
    apr_port_t port;
    const char *label;              /* "redis at HOST:PORT" */
    const char *directive;          /* "redis:HOST:PORT", for log lines */
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

/* One command on one connection: what an op is given and says back. On a
 * failure the op frees the connection and forgets it (neg_remote_forget),
 * sets *why, and says in closed whether the server had closed it (a kept
 * connection after a restart: worth one more try on a new one). */
typedef struct {
    neg_remote *r;
    void *conn;
    apr_pool_t *p;
    const char **why;
    int closed;
    neg_asked asked;
} neg_remote_call;

struct neg_remote_ops {
    /* a new connection, or NULL (*why, *asked) */
    void *(*connect)(neg_remote *r, apr_pool_t *p, const char **why, neg_asked *asked);
    void (*free_conn)(void *conn);
    /* key stored until expiry unless there (FRESH, SEEN), then the epoch
     * read ("" when missing) in the same round trip */
    neg_replay_result (*store)(neg_remote_call *c, const unsigned char key[32],
                               apr_time_t expiry, char *epoch);
    /* value stored as the epoch unless there, then read back */
    neg_replay_result (*make_epoch)(neg_remote_call *c, const char *value, char *epoch);
    /* delta (1, -1) added to the counter under key, made with a lifetime
     * of seconds when absent (delta 1 only): FRESH with *count and *ttl_ms
     * (-1: none; -2: no counter) */
    neg_replay_result (*count)(neg_remote_call *c, const unsigned char key[32], int delta,
                               long seconds, long long *count, long long *ttl_ms);
    /* one round trip at start-up: NULL or what failed */
    const char *(*probe)(neg_remote *r, apr_pool_t *p);
};

extern const neg_remote_ops neg_remote_redis_ops;
extern const neg_remote_ops neg_remote_memcache_ops;

/* Count keys: prefix and the 32-byte key (memcached: in hex). */
#define NEG_REMOTE_COUNT_PREFIX "neg-fl:"

/* r's last error, kept for the status page: "LABEL: what" (from p). */
const char *neg_remote_failed(neg_remote *r, apr_pool_t *p, const char *what);

/* In each child: the slot for each thread's connection, freed with
 * free_conn when the thread ends; 0 or an errno. */
int neg_remote_conn_init(void (*free_conn)(void *));
int neg_remote_conn_ready(void);

/* The thread's connection (NULL: none); keeping one; forgetting it if it
 * is conn. */
void *neg_remote_conn(void);
void neg_remote_keep(void *conn);
void neg_remote_forget(void *conn);

#endif
