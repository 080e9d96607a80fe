/*
 * shmcb_capacity.c - how many replay-cache entries the installed
 * mod_socache_shmcb holds (bench/README, "The replay cache's capacity").
 *
 *   shmcb_capacity [BYTES [ID_LEN OBJ_SIZE [MODULE]]]
 *
 * Loads httpd's mod_socache_shmcb.so itself (MODULE, default Debian's
 * /usr/lib/apache2/modules/mod_socache_shmcb.so), with the few httpd
 * functions it calls stubbed here, and makes a cache of BYTES (default
 * the module's 32 MB) with the hints ID_LEN and OBJ_SIZE (default the
 * module's, src/store/replay.h). Then it stores entries as the module does
 * (random 32-byte keys, as HMAC-SHA256 keys are; a 1-byte value; nothing
 * expires) and prints, from shmcb's own status:
 *   first_discard  entries stored when shmcb first dropped one (the
 *                  fullest sub-cache full: keys spread unevenly)
 *   entries        entries it holds once full (CacheCurrentEntries)
 *   per_second     entries / 600: the Kerberos logons a second whose
 *                  10-minute window (2 x clockskew, 300 s) it holds
 *   us_per_logon   CPU time of one logon's calls once full (a lookup
 *                  that misses, as a new authenticator's does, and a
 *                  store: shmcb scans the key's sub-cache for each), the
 *                  lock and the canaries left out
 * Run by hand (no httpd, no root): built with
 *   gcc -O2 -rdynamic -o shmcb_capacity bench/shmcb_capacity.c \
 *       -I"$(apxs -q INCLUDEDIR)" $(apr-1-config --includes --cppflags --cflags) \
 *       $(for d in src/?*; do echo -I$d; done) -ldl $(apr-1-config --link-ld)
 * or `make bench/shmcb_capacity` in a configured tree.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "mod_status.h"
#include "apr_general.h"
#include "apr_strings.h"

#include "replay.h"

#define MODULE_PATH "/usr/lib/apache2/modules/mod_socache_shmcb.so"

/* ------------------------------------------------ what shmcb calls of httpd */

static const ap_socache_provider_t *found;
static char status_text[8192];
static size_t status_len;

AP_DECLARE(void) ap_log_error_(const char *file, int line, int module_index,
                               int level, apr_status_t status,
                               const server_rec *s, const char *fmt, ...)
{
    (void)file; (void)line; (void)module_index; (void)level; (void)status;
    (void)s; (void)fmt;
}

AP_DECLARE(void) ap_log_rerror_(const char *file, int line, int module_index,
                                int level, apr_status_t status,
                                const request_rec *r, const char *fmt, ...)
{
    (void)file; (void)line; (void)module_index; (void)level; (void)status;
    (void)r; (void)fmt;
}

AP_DECLARE(apr_status_t) ap_register_provider(apr_pool_t *pool, const char *group,
                                              const char *name, const char *version,
                                              const void *provider)
{
    (void)pool; (void)version;
    if (strcmp(group, AP_SOCACHE_PROVIDER_GROUP) == 0 && strcmp(name, "shmcb") == 0)
        found = provider;
    return APR_SUCCESS;
}

AP_DECLARE(int) ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    size_t n = (size_t)nbyte;

    (void)r;
    if (n > sizeof(status_text) - 1 - status_len)
        n = sizeof(status_text) - 1 - status_len;
    memcpy(status_text + status_len, buf, n);
    status_len += n;
    status_text[status_len] = '\0';
    return nbyte;
}

AP_DECLARE_NONSTD(int) ap_rprintf(request_rec *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = apr_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return ap_rwrite(line, n, r);
}

AP_DECLARE(char *) ap_server_root_relative(apr_pool_t *p, const char *fname)
{
    return apr_pstrdup(p, fname);
}

AP_DECLARE(char *) ap_runtime_dir_relative(apr_pool_t *p, const char *fname)
{
    return apr_pstrcat(p, "/tmp/", fname, NULL);
}

/* ------------------------------------------------ the measurement */

static unsigned long status_value(ap_socache_instance_t *inst, const char *key)
{
    static server_rec server;
    static request_rec r;
    const char *at;
    size_t n = strlen(key);

    r.server = &server;
    r.log = &server.log;           /* its log level: 0, nothing logged */
    status_len = 0;
    status_text[0] = '\0';
    found->status(inst, &r, AP_STATUS_SHORT);
    for (at = status_text; (at = strstr(at, key)) != NULL; at += n) {
        if ((at == status_text || at[-1] == '\n') && at[n] == ':')
            return strtoul(at + n + 1, NULL, 10);
    }
    return 0;
}

static void random_key(unsigned char key[32], unsigned long *state)
{
    int i;

    for (i = 0; i < 32; i++) {          /* xorshift: spread like an HMAC */
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        key[i] = (unsigned char)(*state >> 24);
    }
}

/* Microseconds of CPU for one logon's calls on the full cache. */
static double logon_cost(ap_socache_instance_t *inst, server_rec *s, apr_pool_t *p,
                         unsigned long *state)
{
    unsigned char key[32], seen[8], mark = 1;
    unsigned int seen_len;
    clock_t t0 = clock();
    int i, n = 20000;

    for (i = 0; i < n; i++) {
        random_key(key, state);
        seen_len = sizeof(seen);
        found->retrieve(inst, s, key, 32, seen, &seen_len, p);
        found->store(inst, s, key, 32, apr_time_now() + apr_time_from_sec(3600),
                     &mark, 1, p);
    }
    return (double)(clock() - t0) * 1e6 / CLOCKS_PER_SEC / n;
}

static int measure(apr_pool_t *p, apr_size_t bytes, apr_size_t id_len,
                   apr_size_t obj_size)
{
    static server_rec server;
    struct ap_socache_hints hints = { id_len, obj_size, apr_time_from_sec(30) };
    ap_socache_instance_t *inst;
    unsigned long state = 88172645463325252UL, stored, first = 0, entries;
    unsigned char key[32], mark = 1;
    const char *err = found->create(&inst, apr_psprintf(p, "/tmp/shmcb_capacity(%lu)",
                                                        (unsigned long)bytes), p, p);

    if (err != NULL || found->init(inst, "shmcb_capacity", &hints, &server, p) != APR_SUCCESS) {
        fprintf(stderr, "shmcb_capacity: cannot make a cache of %lu bytes: %s\n",
                (unsigned long)bytes, err ? err : "init failed");
        return 1;
    }
    /* one entry a step until the first discard, then far past full */
    for (stored = 0; first == 0; stored++) {
        random_key(key, &state);
        found->store(inst, &server, key, 32, apr_time_now() + apr_time_from_sec(3600),
                     &mark, 1, p);
        if ((stored & 63) == 63 && status_value(inst, "CacheDiscardCount") > 0)
            first = stored + 1;
    }
    entries = status_value(inst, "CacheIndexesPerSubcaches")
              * status_value(inst, "CacheSubcaches");
    for (; stored < 2 * entries; stored++) {
        random_key(key, &state);
        found->store(inst, &server, key, 32, apr_time_now() + apr_time_from_sec(3600),
                     &mark, 1, p);
    }
    entries = status_value(inst, "CacheCurrentEntries");
    printf("bytes=%lu hints=%lu+%lu subcaches=%lu indexes_each=%lu "
           "first_discard~%lu entries=%lu per_second=%lu us_per_logon=%.1f\n",
           (unsigned long)bytes, (unsigned long)id_len, (unsigned long)obj_size,
           status_value(inst, "CacheSubcaches"),
           status_value(inst, "CacheIndexesPerSubcaches"), first, entries,
           entries / 600, logon_cost(inst, &server, p, &state));
    found->destroy(inst, &server);
    return 0;
}

int main(int argc, char **argv)
{
    apr_size_t bytes = argc > 1 ? strtoul(argv[1], NULL, 10) : NEG_REPLAY_SHMCB_BYTES;
    apr_size_t id_len = argc > 3 ? strtoul(argv[2], NULL, 10) : NEG_REPLAY_SHMCB_ID_LEN;
    apr_size_t obj = argc > 3 ? strtoul(argv[3], NULL, 10) : NEG_REPLAY_SHMCB_OBJ_SIZE;
    const char *path = argc > 4 ? argv[4] : MODULE_PATH;
    void *so;
    module *m;
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (so == NULL || (m = dlsym(so, "socache_shmcb_module")) == NULL) {
        fprintf(stderr, "shmcb_capacity: %s\n", dlerror());
        return 1;
    }
    m->register_hooks(p);
    if (found == NULL) {
        fprintf(stderr, "shmcb_capacity: %s registered no shmcb provider\n", path);
        return 1;
    }
    return measure(p, bytes, id_len, obj);
}
