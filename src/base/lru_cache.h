/*
 * lru_cache.h - the bookkeeping the per-process caches share
 * (ticket_cache.c, s4u_cache.c): a table on each entry's whole key, a
 * list in order of use, bounds on entries and bytes (the least recently
 * used out first), one mutex. An entry is a node of the caller's, one
 * malloc'd block that begins with a neg_lru_node; the caller's free
 * function wipes and frees it when it leaves. No httpd or Heimdal types.
 */
#ifndef NEG_LRU_CACHE_H
#define NEG_LRU_CACHE_H

#include <stddef.h>

#include "apr_pools.h"

typedef struct neg_lru_node neg_lru_node;
struct neg_lru_node {
    neg_lru_node *newer, *older;
    const void *key;            /* into the node's own block */
    size_t key_len;
    size_t bytes;               /* counted against the bound on bytes */
};

typedef void (*neg_lru_free_fn)(neg_lru_node *n);

typedef struct neg_lru_cache neg_lru_cache;

/* A cache living as long as pool p (its entries are freed with it).
 * NULL if the mutex cannot be made. */
neg_lru_cache *neg_lru_cache_create(apr_pool_t *p, int max_entries,
                                    size_t max_bytes, neg_lru_free_fn free_node);

void neg_lru_cache_lock(neg_lru_cache *c);
void neg_lru_cache_unlock(neg_lru_cache *c);

/* With the lock held: the node of key, now the most recently used, or
 * NULL; and a node's removal (freed). */
neg_lru_node *neg_lru_cache_find(neg_lru_cache *c, const void *key, size_t key_len);
void neg_lru_cache_drop(neg_lru_cache *c, neg_lru_node *n);

/* Takes the lock: keep n (it replaces the node of its key; the least
 * recently used leave until it fits), or free it if it is larger than
 * the cache or the cache holds nothing. */
void neg_lru_cache_insert(neg_lru_cache *c, neg_lru_node *n);

/* Entries and bytes held now. */
void neg_lru_cache_size(neg_lru_cache *c, int *count, size_t *bytes);

#endif
