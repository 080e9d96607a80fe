/*
 * test_keytab_reload.c - the acceptor registry (src/krb5/krb5_keytab.c) reloads a
 * changed keytab (Availability review, defect 8):
 *  a. the file's state is taken before its keys are read, so a write that
 *     lands while they are read is picked up at the next check (taken
 *     after, it was never picked up);
 *  b. the load runs outside the registry's lock: while one thread is held
 *     loading (a keytab on a hung NFS mount), the others are served with
 *     the keys they have.
 * Keytabs are written with Heimdal's krb5 API; the registry's load hook
 * (tests only) makes the write, and the hang, happen mid-load.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "check.h"
#include "kerberos.h"

static char path[] = "/tmp/neg-test-reload-XXXXXX";

/* The keytab file: n keys of HTTP/localhost@EXAMPLE.TEST at kvno (random
 * AES256 keys); written anew (a new file, renamed over the old). */
static int write_keytab(int kvno, int n)
{
    krb5_context kctx;
    krb5_keytab kt;
    krb5_keytab_entry entry;
    char tmp[sizeof(path) + 8], name[sizeof(path) + 16];
    int i, ok = 0;

    snprintf(tmp, sizeof(tmp), "%s.new", path);
    snprintf(name, sizeof(name), "WRFILE:%s", tmp);
    unlink(tmp);
    if (krb5_init_context(&kctx) != 0)
        return 0;
    if (krb5_kt_resolve(kctx, name, &kt) != 0)
        goto done;
    for (i = 0; i < n; i++) {
        memset(&entry, 0, sizeof(entry));
        if (krb5_parse_name(kctx, "HTTP/localhost@EXAMPLE.TEST", &entry.principal) != 0
            || krb5_generate_random_keyblock(kctx, ETYPE_AES256_CTS_HMAC_SHA1_96,
                                              &entry.keyblock) != 0)
            goto close;
        entry.vno = kvno;
        entry.timestamp = (uint32_t)time(NULL);
        ok = krb5_kt_add_entry(kctx, kt, &entry) == 0;
        krb5_kt_free_entry(kctx, &entry);
        if (!ok)
            goto close;
    }
    ok = rename(tmp, path) == 0;
close:
    krb5_kt_close(kctx, kt);
done:
    krb5_free_context(kctx);
    return ok;
}

/* The kvno of the keys the registry serves now ("... kvno N"), -1 if none. */
static int served_kvno(apr_pool_t *p)
{
    const char *err = NULL, *warn = NULL, *keys, *k;
    neg_krb5_acceptor *a = neg_krb5_acquire(path, NULL, p, &err, &warn);
    int kvno = -1;

    if (a == NULL)
        return -1;
    keys = neg_krb5_acceptor_keys(p, a);
    k = strrchr(keys, ' ');
    if (k != NULL)
        kvno = atoi(k + 1);
    neg_krb5_release(a);
    return kvno;
}

/* ------------------------------------------------ a. a write mid-load */

static int writes_left;

static void write_during_load(const char *keytab)
{
    (void)keytab;
    if (writes_left > 0 && writes_left--)
        write_keytab(3, 3);             /* another size: surely "changed" */
}

static void write_mid_load(apr_pool_t *p)
{
    CHECK(write_keytab(2, 1), "a new keytab (kvno 2)");
    writes_left = 1;
    neg_krb5_set_load_hook(write_during_load);
    CHECK(served_kvno(p) == 2, "reloaded: kvno 2 (the keytab was rewritten with kvno 3 while it was read)");
    neg_krb5_set_load_hook(NULL);
    CHECK(served_kvno(p) == 3, "the next check finds the write that landed mid-load: kvno 3");
}

/* ------------------------------------------------ b. a hang mid-load */

static sem_t in_load, release_load, other_done;
static int other_kvno = -2;

static void hang_during_load(const char *keytab)
{
    struct timespec until;

    (void)keytab;
    sem_post(&in_load);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    sem_timedwait(&release_load, &until);
}

static void *loader(void *p)
{
    served_kvno(p);
    return NULL;
}

static void *other(void *p)
{
    other_kvno = served_kvno(p);
    sem_post(&other_done);
    return NULL;
}

static int wait_for(sem_t *s, int seconds)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    return sem_timedwait(s, &until) == 0;
}

static void hang_mid_load(apr_pool_t *pa, apr_pool_t *pb)
{
    pthread_t a, b;
    int served;

    sem_init(&in_load, 0, 0);
    sem_init(&release_load, 0, 0);
    sem_init(&other_done, 0, 0);
    CHECK(write_keytab(4, 1), "a new keytab (kvno 4)");
    neg_krb5_set_load_hook(hang_during_load);
    pthread_create(&a, NULL, loader, pa);
    CHECK(wait_for(&in_load, 10), "one thread is held loading it");
    neg_krb5_set_load_hook(NULL);
    pthread_create(&b, NULL, other, pb);
    served = wait_for(&other_done, 5);
    CHECK(served, "another thread is served meanwhile (it waited for no lock)");
    CHECK(other_kvno == 3, "... with the keys it had (kvno 3)");
    sem_post(&release_load);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK(served_kvno(pa) == 4, "once the load ends, the new keys are served (kvno 4)");
}

int main(void)
{
    apr_pool_t *pool, *pa, *pb;
    int fd;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    apr_pool_create(&pa, pool);
    apr_pool_create(&pb, pool);
    CHECK(neg_krb5_init(pool), "neg_krb5_init");
    fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 2;
    }
    close(fd);
    neg_krb5_set_check_interval(0);     /* check at every acquisition */
    CHECK(write_keytab(1, 1), "a keytab (kvno 1)");
    CHECK(served_kvno(pool) == 1, "served: kvno 1");
    write_mid_load(pool);
    hang_mid_load(pa, pb);
    unlink(path);
    apr_pool_destroy(pool);
    apr_terminate();
    return check_summary();
}
