/*
 * log_limit.c - repeats of a log line limited per client and tag (see
 * log_limit.h).
 *
 * A fixed table of slots, direct-mapped by a hash of (client, tag): a
 * client the table has no room for takes another's slot, which at worst
 * writes more lines, never fewer than the limit for anyone. Bounded memory
 * whatever the number of clients.
 */
#include "log_limit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 512
#define CLIENT_MAX 64
#define TAG_MAX 16

typedef struct {
    char client[CLIENT_MAX];
    char tag[TAG_MAX];
    apr_time_t window_start;
    unsigned long written;          /* in this window */
    unsigned long left_out;         /* since the last line written */
} slot;

static slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int limit_count = NEG_LOG_LIMIT_DEFAULT_COUNT;
static apr_interval_time_t limit_window =
    APR_USEC_PER_SEC * NEG_LOG_LIMIT_DEFAULT_SECONDS;

void neg_log_limit_configure(int count, int seconds)
{
    limit_count = count < 0 ? 0 : count;
    limit_window = apr_time_from_sec(seconds > 0 ? seconds : 1);
}

/* FNV-1a over both strings, a NUL between them. */
static uint32_t hash_of(const char *client, const char *tag)
{
    uint32_t h = 2166136261u;
    const char *s;

    for (s = client; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    h = (h ^ 0) * 16777619u;
    for (s = tag; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The key a client is limited under: an IPv4 address as it is; an IPv6
 * address by its /64, the smallest network a site is given (RFC 6177):
 * one host usually holds a whole /64 and may send from any of its 2^64
 * addresses, each of which would otherwise get a window of its own and
 * flood the log. An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4
 * client it names. Anything else (not an address) as it is. */
static const char *client_key(const char *client, char out[CLIENT_MAX])
{
    unsigned char a[16];
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (strchr(client, ':') == NULL || inet_pton(AF_INET6, client, a) != 1)
        return client;
    if (memcmp(a, mapped, sizeof(mapped)) == 0)
        snprintf(out, CLIENT_MAX, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    else
        snprintf(out, CLIENT_MAX, "%x:%x:%x:%x::/64", (a[0] << 8) | a[1],
                 (a[2] << 8) | a[3], (a[4] << 8) | a[5], (a[6] << 8) | a[7]);
    return out;
}

static int holds(const slot *e, const char *client, const char *tag)
{
    return strncmp(e->client, client, CLIENT_MAX) == 0
        && strncmp(e->tag, tag, TAG_MAX) == 0;
}

static void take(slot *e, const char *client, const char *tag, apr_time_t now)
{
    memset(e, 0, sizeof(*e));        /* NUL-terminates both */
    memcpy(e->client, client, strnlen(client, CLIENT_MAX - 1));
    memcpy(e->tag, tag, strnlen(tag, TAG_MAX - 1));
    e->window_start = now;
}

int neg_log_limit_allows(const char *client, const char *tag, apr_time_t now,
                         unsigned long *left_out)
{
    char key[CLIENT_MAX];
    slot *e;
    int allow;

    *left_out = 0;
    if (limit_count == 0)
        return 1;
    client = client ? client_key(client, key) : "-";
    tag = tag ? tag : "-";
    e = &slots[hash_of(client, tag) % SLOTS];
    pthread_mutex_lock(&lock);
    if (!holds(e, client, tag))
        take(e, client, tag, now);
    if (now - e->window_start >= limit_window) {
        e->window_start = now;
        e->written = 0;
    }
    allow = e->written < (unsigned long)limit_count;
    if (allow) {
        e->written++;
        *left_out = e->left_out;
        e->left_out = 0;
    }
    else {
        e->left_out++;
    }
    pthread_mutex_unlock(&lock);
    return allow;
}
