/*
 * remote_conn.c - the thread's connection to the farm's store and the
 * client's last error (see remote_conn.h).
 */
#include "remote_conn.h"

#include <pthread.h>

#include "apr_strings.h"

/* The thread's connection (NULL: none). One kind per process. */
static pthread_key_t conn_key;
static int conn_key_made;

int neg_remote_conn_init(void (*free_conn)(void *))
{
    int rv;

    if (conn_key_made)
        return 0;
    rv = pthread_key_create(&conn_key, free_conn);
    conn_key_made = rv == 0;
    return rv;
}

int neg_remote_conn_ready(void)
{
    return conn_key_made;
}

void *neg_remote_conn(void)
{
    return conn_key_made ? pthread_getspecific(conn_key) : NULL;
}

void neg_remote_keep(void *conn)
{
    if (conn_key_made)
        pthread_setspecific(conn_key, conn);
}

void neg_remote_forget(void *conn)
{
    if (conn_key_made && neg_remote_conn() == conn)
        neg_remote_keep(NULL);
}

const char *neg_remote_failed(neg_remote *r, apr_pool_t *p, const char *what)
{
    const char *why = apr_psprintf(p, "%s: %s", r->label, what);

    if (r->lock != NULL && apr_thread_mutex_lock(r->lock) == APR_SUCCESS) {
        apr_cpystrn(r->last_error, why, sizeof(r->last_error));
        r->last_error_at = apr_time_now();
        apr_thread_mutex_unlock(r->lock);
    }
    return why;
}
