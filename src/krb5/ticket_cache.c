/*
 * ticket_cache.c - storage of verified tickets (see ticket_cache.h).
 *
 * A hash table on the 32-byte key and a list in order of use, under one
 * mutex held only to look up, copy out or insert. Each entry is one
 * malloc'd block (the node, then the client name and the PAC), so that an
 * entry's memory goes back when it leaves, whatever the pool.
 */
#include "ticket_cache.h"

#include <stdlib.h>
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "secret.h"

typedef struct node node;
struct node {
    unsigned char key[NEG_TICKET_KEY_LEN];
    node *newer, *older;
    size_t bytes;
    neg_ticket_entry e;             /* its pointers point into this block */
};

struct neg_ticket_cache {
    apr_thread_mutex_t *lock;
    apr_hash_t *index;
    node *newest, *oldest;
    int count, max_entries;
    size_t bytes, max_bytes;
};

static void unlink_node(neg_ticket_cache *c, node *n)
{
    if (n->newer != NULL)
        n->newer->older = n->older;
    else
        c->newest = n->older;
    if (n->older != NULL)
        n->older->newer = n->newer;
    else
        c->oldest = n->newer;
    n->newer = n->older = NULL;
}

static void push_newest(neg_ticket_cache *c, node *n)
{
    n->older = c->newest;
    n->newer = NULL;
    if (c->newest != NULL)
        c->newest->newer = n;
    c->newest = n;
    if (c->oldest == NULL)
        c->oldest = n;
}

static void drop(neg_ticket_cache *c, node *n)
{
    unlink_node(c, n);
    apr_hash_set(c->index, n->key, NEG_TICKET_KEY_LEN, NULL);
    c->count--;
    c->bytes -= n->bytes;
    neg_wipe(n->e.session_key, sizeof(n->e.session_key));
    free(n);
}

static apr_status_t free_all(void *data)
{
    neg_ticket_cache *c = data;

    while (c->oldest != NULL)
        drop(c, c->oldest);
    return APR_SUCCESS;
}

neg_ticket_cache *neg_ticket_cache_create(apr_pool_t *p, int max_entries,
                                          size_t max_bytes)
{
    neg_ticket_cache *c = apr_pcalloc(p, sizeof(*c));

    if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS)
        return NULL;
    c->index = apr_hash_make(p);
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    /* registered after the mutex: runs before the mutex is destroyed */
    apr_pool_cleanup_register(p, c, free_all, apr_pool_cleanup_null);
    return c;
}

static void copy_out(const node *n, apr_pool_t *p, neg_ticket_entry *out)
{
    *out = n->e;
    out->client = apr_pmemdup(p, n->e.client, n->e.client_len);
    out->principal = apr_pstrdup(p, n->e.principal);
    out->pac = n->e.pac ? apr_pmemdup(p, n->e.pac, n->e.pac_len) : NULL;
}

int neg_ticket_cache_get(neg_ticket_cache *c, const unsigned char *key,
                         int64_t now, int64_t grace, apr_pool_t *p,
                         neg_ticket_entry *out)
{
    node *n;
    int found = 0;

    apr_thread_mutex_lock(c->lock);
    n = apr_hash_get(c->index, key, NEG_TICKET_KEY_LEN);
    if (n != NULL && now - n->e.endtime > grace) {
        drop(c, n);                 /* over: the acceptor would refuse it */
    }
    else if (n != NULL) {
        unlink_node(c, n);
        push_newest(c, n);
        copy_out(n, p, out);
        found = 1;
    }
    apr_thread_mutex_unlock(c->lock);
    return found;
}

/* One block: the node, the client's name, the principal, the PAC. */
static node *make_node(const unsigned char *key, const neg_ticket_entry *e)
{
    size_t plen = strlen(e->principal) + 1;
    size_t bytes = sizeof(node) + e->client_len + plen + e->pac_len;
    node *n = malloc(bytes);
    unsigned char *at;

    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof(*n));
    memcpy(n->key, key, NEG_TICKET_KEY_LEN);
    n->bytes = bytes;
    n->e = *e;
    at = (unsigned char *)(n + 1);
    memcpy(at, e->client, e->client_len);
    n->e.client = at;
    at += e->client_len;
    memcpy(at, e->principal, plen);
    n->e.principal = (const char *)at;
    at += plen;
    if (e->pac_len > 0)
        memcpy(at, e->pac, e->pac_len);
    n->e.pac = e->pac_len > 0 ? at : NULL;
    return n;
}

void neg_ticket_cache_put(neg_ticket_cache *c, const unsigned char *key,
                          const neg_ticket_entry *e)
{
    node *n, *old;

    if (e->session_key_len > NEG_TICKET_MAX_SESSION_KEY
        || (n = make_node(key, e)) == NULL)
        return;
    if (n->bytes > c->max_bytes) {
        neg_wipe(n->e.session_key, sizeof(n->e.session_key));
        free(n);
        return;
    }
    apr_thread_mutex_lock(c->lock);
    if ((old = apr_hash_get(c->index, key, NEG_TICKET_KEY_LEN)) != NULL)
        drop(c, old);               /* two threads verified the same ticket */
    while (c->oldest != NULL
           && (c->count >= c->max_entries || c->bytes + n->bytes > c->max_bytes))
        drop(c, c->oldest);
    push_newest(c, n);
    apr_hash_set(c->index, n->key, NEG_TICKET_KEY_LEN, n);
    c->count++;
    c->bytes += n->bytes;
    apr_thread_mutex_unlock(c->lock);
}

int neg_ticket_cache_count(neg_ticket_cache *c)
{
    int n;

    apr_thread_mutex_lock(c->lock);
    n = c->count;
    apr_thread_mutex_unlock(c->lock);
    return n;
}
