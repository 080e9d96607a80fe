/*
 * conn.c - per-connection state in a subpool of the connection's pool.
 */
#include "conn.h"

#include "http_config.h"

neg_conn *neg_conn_get(conn_rec *c, module *m)
{
    conn_rec *owner = c->master ? c->master : c;
    neg_conn *nc = ap_get_module_config(owner->conn_config, m);

    if (nc == NULL) {
        nc = apr_pcalloc(owner->pool, sizeof(*nc));
        apr_pool_create(&nc->pool, owner->pool);
        apr_pool_tag(nc->pool, "auth_negotiate_conn");
        ap_set_module_config(owner->conn_config, m, nc);
    }
    return nc;
}

void neg_conn_reset(neg_conn *nc)
{
    apr_pool_t *pool = nc->pool;

    apr_pool_clear(pool);
    memset(nc, 0, sizeof(*nc));
    nc->pool = pool;
}
