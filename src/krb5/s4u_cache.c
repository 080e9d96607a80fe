/*
 * s4u_cache.c - the cache of delegated tickets (see s4u_cache.h).
 *
 * The table (on the whole key), the order of use, the bounds and the
 * mutex are lru_cache.c's. Each entry is one malloc'd block (the node,
 * the key, the value), wiped when it leaves: a value holds a ticket's
 * session key.
 */
#include "s4u_cache.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "lru_cache.h"
#include "secret.h"

#define LIFE_FRACTION 10        /* leave a tenth of the life unused */
#define MIN_MARGIN_S 60         /* and at least this */

typedef struct {
    neg_lru_node base;          /* first: the cache's bookkeeping */
    int64_t usable_until;
    size_t value_len;
    unsigned char *value;       /* into this block, after the key */
} node;

struct neg_s4u_cache {
    neg_lru_cache *lru;
};

static void free_node(neg_lru_node *base)
{
    neg_wipe(base, base->bytes);
    free(base);
}

neg_s4u_cache *neg_s4u_cache_create(apr_pool_t *p, int max_entries,
                                    size_t max_bytes)
{
    neg_s4u_cache *c = apr_pcalloc(p, sizeof(*c));

    c->lru = neg_lru_cache_create(p, max_entries, max_bytes, free_node);
    return c->lru != NULL ? c : NULL;
}

int neg_s4u_cache_get(neg_s4u_cache *c, const void *key, size_t key_len,
                      int64_t now, apr_pool_t *p, void **value,
                      size_t *value_len)
{
    node *n;
    int found = 0;

    *value = NULL;
    *value_len = 0;
    neg_lru_cache_lock(c->lru);
    n = (node *)neg_lru_cache_find(c->lru, key, key_len);
    if (n != NULL && now >= n->usable_until) {
        neg_lru_cache_drop(c->lru, &n->base);
    }
    else if (n != NULL) {
        *value = apr_pmemdup(p, n->value, n->value_len);
        *value_len = n->value_len;
        found = 1;
    }
    neg_lru_cache_unlock(c->lru);
    return found;
}

static node *make_node(const void *key, size_t key_len, const void *value,
                       size_t value_len, int64_t usable_until)
{
    size_t bytes = sizeof(node) + key_len + value_len;
    node *n = malloc(bytes);
    unsigned char *at;

    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof(*n));
    at = (unsigned char *)(n + 1);
    memcpy(at, key, key_len);
    n->base.key = at;
    n->base.key_len = key_len;
    n->base.bytes = bytes;
    n->usable_until = usable_until;
    n->value = at + key_len;
    n->value_len = value_len;
    memcpy(n->value, value, value_len);
    return n;
}

void neg_s4u_cache_put(neg_s4u_cache *c, const void *key, size_t key_len,
                       const void *value, size_t value_len,
                       int64_t usable_until, int64_t now)
{
    node *n;

    if (usable_until <= now || key_len == 0
        || (n = make_node(key, key_len, value, value_len, usable_until)) == NULL)
        return;
    neg_lru_cache_insert(c->lru, &n->base);
}

void neg_s4u_cache_size(neg_s4u_cache *c, int *count, size_t *bytes)
{
    neg_lru_cache_size(c->lru, count, bytes);
}

int64_t neg_s4u_cache_usable_until(int64_t start, int64_t end)
{
    int64_t margin = (end - start) / LIFE_FRACTION;

    if (margin < MIN_MARGIN_S)
        margin = MIN_MARGIN_S;
    return end - margin;
}
