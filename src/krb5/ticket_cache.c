/*
 * ticket_cache.c - storage of verified tickets (see ticket_cache.h).
 *
 * The table, the order of use, the bounds and the mutex are
 * lru_cache.c's. Each entry is one malloc'd block (the node, then the
 * client name and the PAC), so that an entry's memory goes back when it
 * leaves, whatever the pool.
 */
#include "ticket_cache.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "lru_cache.h"
#include "secret.h"

typedef struct {
    neg_lru_node base;              /* first: the cache's bookkeeping */
    unsigned char key[NEG_TICKET_KEY_LEN];
    neg_ticket_entry e;             /* its pointers point into this block */
} node;

struct neg_ticket_cache {
    neg_lru_cache *lru;
};

static void free_node(neg_lru_node *base)
{
    node *n = (node *)base;

    neg_wipe(n->e.session_key, sizeof(n->e.session_key));
    free(n);
}

neg_ticket_cache *neg_ticket_cache_create(apr_pool_t *p, int max_entries,
                                          size_t max_bytes)
{
    neg_ticket_cache *c = apr_pcalloc(p, sizeof(*c));

    c->lru = neg_lru_cache_create(p, max_entries, max_bytes, free_node);
    return c->lru != NULL ? c : NULL;
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

    neg_lru_cache_lock(c->lru);
    n = (node *)neg_lru_cache_find(c->lru, key, NEG_TICKET_KEY_LEN);
    if (n != NULL && now - n->e.endtime > grace) {
        neg_lru_cache_drop(c->lru, &n->base);   /* over: the acceptor would refuse it */
    }
    else if (n != NULL) {
        copy_out(n, p, out);
        found = 1;
    }
    neg_lru_cache_unlock(c->lru);
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
    n->base.key = n->key;
    n->base.key_len = NEG_TICKET_KEY_LEN;
    n->base.bytes = bytes;
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
    node *n;

    if (e->session_key_len > NEG_TICKET_MAX_SESSION_KEY
        || (n = make_node(key, e)) == NULL)
        return;
    neg_lru_cache_insert(c->lru, &n->base);
}

int neg_ticket_cache_count(neg_ticket_cache *c)
{
    int n;
    size_t bytes;

    neg_lru_cache_size(c->lru, &n, &bytes);
    return n;
}
