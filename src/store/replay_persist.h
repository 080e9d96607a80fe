/*
 * replay_persist.h - the shmcb replay cache outlives restarts.
 *
 * A graceful restart (logrotate's, every night) clears the configuration
 * pool; a cache made in it would start empty and forget every
 * authenticator accepted within the clock skew before (RFC 4120 3.2.3).
 * So the cache, its bookkeeping (replay_horizon.h) and its secret are made
 * once per httpd parent, kept in a pool of their own that is never
 * destroyed, and found again after each restart. mod_socache_shmcb
 * registers a cleanup of its own code on the pool it is given, and httpd
 * unloads and loads that code again at each restart: a pool that ran it
 * later would call code no longer there. Nobody runs it; the kernel frees
 * the shared memory when the last process of the server exits.
 *
 * Stopped, the parent saves the cache's keys to the state file
 * (replay_state.h); the next start loads them.
 */
#ifndef NEG_REPLAY_PERSIST_H
#define NEG_REPLAY_PERSIST_H

#include <sys/types.h>

#include "httpd.h"
#include "ap_socache.h"
#include "apr_global_mutex.h"

#include "replay_horizon.h"

typedef struct {
    apr_pool_t *pool;                   /* unmanaged: never destroyed */
    ap_socache_instance_t *instance;
    neg_horizon *horizon;               /* in shared memory */
    unsigned char secret[32];
    const char *arg;                    /* shmcb's argument it was made with */
    const char *state_path;             /* NegotiateReplayCacheState */
    pid_t parent;                       /* the parent (after it detached) */
    int lock_was_there;                 /* STATE.lock existed at the start */
} neg_replay_kept;

/* The cache kept by this httpd parent, or NULL before the first. */
neg_replay_kept *neg_replay_kept_find(server_rec *s);

/* Make (not yet init) a kept cache in a pool of its own; once made,
 * neg_replay_kept_keep remembers it in the process pool. */
neg_replay_kept *neg_replay_kept_make(server_rec *s, const char *arg,
                                      const char *state_path);
void neg_replay_kept_keep(neg_replay_kept *k, server_rec *s);

/* At the start of a parent: NULL, or why this httpd may not use the
 * state file (another running httpd does). */
const char *neg_replay_state_lock(neg_replay_kept *k, apr_pool_t *ptemp);

/* At the start of a parent: the state file's keys into the new cache, or
 * the horizon's floor when they are not to be had (the file is missing,
 * the last httpd did not stop cleanly, or the file is unusable); then the
 * file marked running. key_file: the secret is NegotiateReplayCacheKey's
 * (else the saved one is adopted). Logs what it did (NEG0813, NEG0814).
 * OK, or HTTP_INTERNAL_SERVER_ERROR when the mark cannot be written
 * (NEG0815): httpd must not start then. */
int neg_replay_state_load(neg_replay_kept *k, const ap_socache_provider_t *provider,
                          int key_file, server_rec *s, apr_pool_t *ptemp);

/* At the parent's exit: the cache's keys to the state file, marked saved
 * (NEG0815 when it cannot be written). */
void neg_replay_state_save(neg_replay_kept *k, const ap_socache_provider_t *provider,
                           apr_global_mutex_t *mutex, server_rec *s);

#endif
