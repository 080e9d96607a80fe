/*
 * lru_cache.c - the bookkeeping of the per-process caches (see
 * lru_cache.h). The mutex is held only to look up, copy out or insert.
 */
#include "lru_cache.h"

#include "apr_hash.h"
#include "apr_thread_mutex.h"

struct neg_lru_cache {
    apr_thread_mutex_t *lock;
    apr_hash_t *index;
    neg_lru_node *newest, *oldest;
    int count, max_entries;
    size_t bytes, max_bytes;
    neg_lru_free_fn free_node;
};

static void unlink_node(neg_lru_cache *c, neg_lru_node *n)
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

static void push_newest(neg_lru_cache *c, neg_lru_node *n)
{
    n->older = c->newest;
    n->newer = NULL;
    if (c->newest != NULL)
        c->newest->newer = n;
    c->newest = n;
    if (c->oldest == NULL)
        c->oldest = n;
}

void neg_lru_cache_drop(neg_lru_cache *c, neg_lru_node *n)
{
    unlink_node(c, n);
    apr_hash_set(c->index, n->key, (apr_ssize_t)n->key_len, NULL);
    c->count--;
    c->bytes -= n->bytes;
    c->free_node(n);
}

static apr_status_t free_all(void *data)
{
    neg_lru_cache *c = data;

    while (c->oldest != NULL)
        neg_lru_cache_drop(c, c->oldest);
    return APR_SUCCESS;
}

neg_lru_cache *neg_lru_cache_create(apr_pool_t *p, int max_entries,
                                    size_t max_bytes, neg_lru_free_fn free_node)
{
    neg_lru_cache *c = apr_pcalloc(p, sizeof(*c));

    if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS)
        return NULL;
    c->index = apr_hash_make(p);
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    c->free_node = free_node;
    /* registered after the mutex: runs before the mutex is destroyed */
    apr_pool_cleanup_register(p, c, free_all, apr_pool_cleanup_null);
    return c;
}

void neg_lru_cache_lock(neg_lru_cache *c)
{
    apr_thread_mutex_lock(c->lock);
}

void neg_lru_cache_unlock(neg_lru_cache *c)
{
    apr_thread_mutex_unlock(c->lock);
}

neg_lru_node *neg_lru_cache_find(neg_lru_cache *c, const void *key, size_t key_len)
{
    neg_lru_node *n = apr_hash_get(c->index, key, (apr_ssize_t)key_len);

    if (n != NULL) {
        unlink_node(c, n);
        push_newest(c, n);
    }
    return n;
}

void neg_lru_cache_insert(neg_lru_cache *c, neg_lru_node *n)
{
    neg_lru_node *old;

    n->newer = n->older = NULL;
    if (n->bytes > c->max_bytes || c->max_entries <= 0) {
        c->free_node(n);
        return;
    }
    apr_thread_mutex_lock(c->lock);
    if ((old = apr_hash_get(c->index, n->key, (apr_ssize_t)n->key_len)) != NULL)
        neg_lru_cache_drop(c, old);     /* two threads stored the same key */
    while (c->oldest != NULL
           && (c->count >= c->max_entries || c->bytes + n->bytes > c->max_bytes))
        neg_lru_cache_drop(c, c->oldest);
    push_newest(c, n);
    apr_hash_set(c->index, n->key, (apr_ssize_t)n->key_len, n);
    c->count++;
    c->bytes += n->bytes;
    apr_thread_mutex_unlock(c->lock);
}

void neg_lru_cache_size(neg_lru_cache *c, int *count, size_t *bytes)
{
    apr_thread_mutex_lock(c->lock);
    *count = c->count;
    *bytes = c->bytes;
    apr_thread_mutex_unlock(c->lock);
}
