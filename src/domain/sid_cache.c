/*
 * sid_cache.c - names of SIDs in a bounded table (see sid_cache.h).
 *
 * Entries live in one array, linked by index: each in its bucket's chain,
 * and in one of three lists, FREE, NAMES and FAILURES, the latter two in
 * order of use (most recent at the head). Entries never used yet are in
 * no list: the array's pages are touched as entries are first used (one
 * per SID seen), not when it is made. Names are the only entries a name
 * can push out; failures push out failures only.
 */
#include "sid_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

enum { L_FREE = 0, L_NAMES, L_FAILURES, L_COUNT };

typedef struct {
    neg_sid sid;
    char *name;                 /* malloc()ed; NULL for a failure */
    int status;                 /* a failure's */
    time_t fresh_until;         /* used as it is until then */
    time_t keep_until;          /* names: usable after a failed refresh until then */
    uint32_t chain;             /* next in the bucket */
    uint32_t prev, next;        /* in its list */
    uint8_t list;
} entry;

typedef struct {
    uint32_t head, tail;
    size_t n;
} list;

struct neg_sid_cache {
    entry *e;                   /* calloc()ed: pages are touched as used */
    uint32_t cap;
    uint32_t used;              /* entries ever used: [0, used) */
    uint32_t *bucket;
    uint32_t mask;
    list l[L_COUNT];
};

static uint32_t bucket_of(const neg_sid_cache *c, const neg_sid *sid)
{
    uint32_t h = (uint32_t)neg_sid_hash(sid);

    h ^= h >> 16;               /* FNV-1a's high bits into the low ones */
    return h & c->mask;
}

/* ------------------------------------------------------------ lists */

static void unlink_entry(neg_sid_cache *c, uint32_t i)
{
    entry *x = &c->e[i];
    list *l = &c->l[x->list];

    if (x->prev != NIL)
        c->e[x->prev].next = x->next;
    else
        l->head = x->next;
    if (x->next != NIL)
        c->e[x->next].prev = x->prev;
    else
        l->tail = x->prev;
    l->n--;
}

static void push_head(neg_sid_cache *c, uint32_t i, int which)
{
    entry *x = &c->e[i];
    list *l = &c->l[which];

    x->list = (uint8_t)which;
    x->prev = NIL;
    x->next = l->head;
    if (l->head != NIL)
        c->e[l->head].prev = i;
    else
        l->tail = i;
    l->head = i;
    l->n++;
}

static void move_to(neg_sid_cache *c, uint32_t i, int which)
{
    unlink_entry(c, i);
    push_head(c, i, which);
}

/* ----------------------------------------------------------- buckets */

static uint32_t find(const neg_sid_cache *c, const neg_sid *sid)
{
    uint32_t i = c->bucket[bucket_of(c, sid)];

    while (i != NIL && !neg_sid_equal(&c->e[i].sid, sid))
        i = c->e[i].chain;
    return i;
}

static void unchain(neg_sid_cache *c, uint32_t i)
{
    uint32_t *p = &c->bucket[bucket_of(c, &c->e[i].sid)];

    while (*p != i)
        p = &c->e[*p].chain;
    *p = c->e[i].chain;
}

/* Back to the free list, out of its bucket. */
static void drop(neg_sid_cache *c, uint32_t i)
{
    unchain(c, i);
    free(c->e[i].name);
    c->e[i].name = NULL;
    move_to(c, i, L_FREE);
}

/* An entry for sid, in its bucket: a free one, else the least recently
 * used of the first of the lists `from` that has one; NIL if none. */
static uint32_t take(neg_sid_cache *c, const neg_sid *sid, const int *from, size_t n_from)
{
    uint32_t i = c->l[L_FREE].head;
    size_t k;

    if (i == NIL && c->used < c->cap) {
        i = c->used++;
        push_head(c, i, L_FREE);
    }
    for (k = 0; i == NIL && k < n_from; k++) {
        if ((i = c->l[from[k]].tail) != NIL)
            drop(c, i);
    }
    if (i == NIL)
        return NIL;
    c->e[i].sid = *sid;
    c->e[i].chain = c->bucket[bucket_of(c, sid)];
    c->bucket[bucket_of(c, sid)] = i;
    return i;
}

/* -------------------------------------------------------------- API */

neg_sid_cache *neg_sid_cache_new(size_t capacity)
{
    neg_sid_cache *c = calloc(1, sizeof(*c));
    uint32_t i, buckets = 1;

    if (c == NULL || capacity == 0 || capacity >= NIL / 2)
        goto fail;
    while (buckets < capacity)
        buckets <<= 1;
    c->cap = (uint32_t)capacity;
    c->mask = buckets - 1;
    c->e = calloc(capacity, sizeof(entry));
    c->bucket = malloc(buckets * sizeof(uint32_t));
    if (c->e == NULL || c->bucket == NULL)
        goto fail;
    for (i = 0; i < buckets; i++)
        c->bucket[i] = NIL;
    for (i = 0; i < L_COUNT; i++)
        c->l[i].head = c->l[i].tail = NIL;
    return c;
fail:
    neg_sid_cache_free(c);
    return NULL;
}

void neg_sid_cache_free(neg_sid_cache *c)
{
    uint32_t i;

    if (c == NULL)
        return;
    for (i = 0; c->e != NULL && i < c->used; i++)
        free(c->e[i].name);
    free(c->e);
    free(c->bucket);
    free(c);
}

static void copy_name(char *out, size_t cap, const char *name)
{
    size_t n = strlen(name);

    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, name, n);
    out[n] = '\0';
}

neg_sc_found neg_sid_cache_get(neg_sid_cache *c, const neg_sid *sid, time_t now,
                               int *status, char *name, size_t cap)
{
    uint32_t i = find(c, sid);
    entry *x;

    if (i == NIL)
        return NEG_SC_MISS;
    x = &c->e[i];
    if (now >= (x->name != NULL ? x->keep_until : x->fresh_until)) {
        drop(c, i);
        return NEG_SC_MISS;
    }
    move_to(c, i, x->list);
    *status = x->name != NULL ? 0 : x->status;
    if (x->name != NULL)
        copy_name(name, cap, x->name);
    return now < x->fresh_until ? NEG_SC_FRESH : NEG_SC_STALE;
}

int neg_sid_cache_put_name(neg_sid_cache *c, const neg_sid *sid, const char *name,
                           time_t now, int ttl, int keep)
{
    static const int evict[] = { L_FAILURES, L_NAMES };
    size_t n = strlen(name) < NEG_SID_CACHE_NAME_MAX ? strlen(name) + 1
                                                     : NEG_SID_CACHE_NAME_MAX;
    char *dup = malloc(n);
    uint32_t i = find(c, sid);

    if (dup == NULL)
        return 0;
    copy_name(dup, n, name);
    if (i == NIL && (i = take(c, sid, evict, 2)) == NIL) {
        free(dup);              /* cannot happen: a name can always evict */
        return 0;
    }
    free(c->e[i].name);
    c->e[i].name = dup;
    c->e[i].status = 0;
    c->e[i].fresh_until = now + ttl;
    c->e[i].keep_until = now + ttl + keep;
    move_to(c, i, L_NAMES);
    return 1;
}

void neg_sid_cache_put_failure(neg_sid_cache *c, const neg_sid *sid, int status,
                               time_t now, int ttl)
{
    static const int evict[] = { L_FAILURES };
    uint32_t i = find(c, sid);
    entry *x;

    if (i != NIL && c->e[i].name != NULL) {
        x = &c->e[i];
        /* a stale name is used a little longer; a fresh one is left alone */
        if (x->fresh_until <= now)
            x->fresh_until = now + ttl < x->keep_until ? now + ttl : x->keep_until;
        return;
    }
    if (i == NIL && (i = take(c, sid, evict, 1)) == NIL)
        return;                 /* every entry holds a name: keep them */
    c->e[i].status = status;
    c->e[i].fresh_until = now + ttl;
    c->e[i].keep_until = 0;
    move_to(c, i, L_FAILURES);
}

void neg_sid_cache_count(const neg_sid_cache *c, size_t *names, size_t *failures)
{
    *names = c->l[L_NAMES].n;
    *failures = c->l[L_FAILURES].n;
}
