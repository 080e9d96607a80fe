/*
 * ticket_cache.h - a per-process cache of verified Kerberos service tickets
 * (issue 13): what the decryption of a ticket's enc-part with the service
 * key gave, keyed on a SHA-256 of the ticket as the client sent it.
 *
 * A client sends the same ticket with every request for the ticket's life;
 * only the authenticator changes. With an entry, src/krb5/krb5_fastpath.c skips the
 * ticket's decryption and its PAC check and verifies the authenticator with
 * the cached session key (doc/security.md, "The ticket cache", for why that
 * is safe). This file only stores: bounded (entries and bytes, least recently
 * used out first), entries dropped once their ticket is over, one mutex.
 * One cache belongs to one acceptor (one load of a keytab): a keytab that
 * changes gets a new acceptor, hence an empty cache. No httpd or Heimdal
 * types.
 */
#ifndef NEG_TICKET_CACHE_H
#define NEG_TICKET_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "apr_pools.h"

#define NEG_TICKET_KEY_LEN 32
#define NEG_TICKET_MAX_SESSION_KEY 64

typedef struct neg_ticket_cache neg_ticket_cache;

/* What a verified ticket said, as far as the authenticator's checks and
 * the identity need it. Times are seconds since the epoch. */
typedef struct {
    int32_t enctype;                /* of the session key */
    size_t session_key_len;
    unsigned char session_key[NEG_TICKET_MAX_SESSION_KEY];
    int64_t authtime;
    int64_t starttime;              /* authtime when the ticket has none */
    int64_t endtime;
    /* the ticket's client: its name components and realm, each followed
     * by a NUL, for an exact comparison with the authenticator's */
    const unsigned char *client;
    size_t client_len;
    const char *principal;          /* as Heimdal displayed it: alice@EXAMPLE.TEST */
    const unsigned char *pac;       /* the ticket's PAC, verified; may be NULL */
    size_t pac_len;
    int forwardable;                /* the ticket's forwardable flag (1/0), for
                                     * NegotiateDelegateTo's evidence */
    /* the identity of the service key that decrypted the ticket: its
     * clear-text service name must be a name of that key on every use */
    unsigned char service_key_id[32];
} neg_ticket_entry;

/* A cache of at most max_entries tickets and max_bytes of names and PACs,
 * living as long as pool p (its mutex and table; entries are malloc'd and
 * freed with it). NULL if the mutex cannot be made. */
neg_ticket_cache *neg_ticket_cache_create(apr_pool_t *p, int max_entries,
                                          size_t max_bytes);

/* Copy the entry of key into out (names and PAC copied into pool p) and
 * return 1; 0 if there is none, or if it ended more than grace seconds
 * before now (it is dropped then). */
int neg_ticket_cache_get(neg_ticket_cache *c, const unsigned char *key,
                         int64_t now, int64_t grace, apr_pool_t *p,
                         neg_ticket_entry *out);

/* Remember e under key (a copy). An entry larger than the cache's bytes
 * is not kept. */
void neg_ticket_cache_put(neg_ticket_cache *c, const unsigned char *key,
                          const neg_ticket_entry *e);

/* Entries now held (for the status page and tests). */
int neg_ticket_cache_count(neg_ticket_cache *c);

#endif
