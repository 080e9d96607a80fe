/*
 * conn.c - per-connection state in a subpool of the connection's pool.
 */
#include "conn.h"

#include <stdlib.h>

#include "http_config.h"
#include "apr_general.h"

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>

neg_conn *neg_conn_get(conn_rec *c, module *m)
{
    neg_conn *nc;

    if (c->master != NULL)
        return NULL;            /* an HTTP/2 stream: no connection state */
    nc = ap_get_module_config(c->conn_config, m);
    if (nc == NULL) {
        nc = apr_pcalloc(c->pool, sizeof(*nc));
        apr_pool_create(&nc->pool, c->pool);
        apr_pool_tag(nc->pool, "auth_negotiate_conn");
        ap_set_module_config(c->conn_config, m, nc);
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

void neg_conn_credential_mac(neg_conn *nc, const unsigned char *cred,
                             size_t len, unsigned char out[32])
{
    HMAC_CTX ctx;
    unsigned int n = 32;

    if (!nc->has_mac_key) {
        if (apr_generate_random_bytes(nc->mac_key, sizeof(nc->mac_key)) != APR_SUCCESS)
            abort();
        nc->has_mac_key = 1;
    }
    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, nc->mac_key, sizeof(nc->mac_key), EVP_sha256(), NULL);
    HMAC_Update(&ctx, cred, len);
    HMAC_Final(&ctx, out, &n);
    HMAC_CTX_cleanup(&ctx);
}
