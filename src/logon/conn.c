/*
 * conn.c - per-connection state (see conn.h): every change of it.
 */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>

neg_conn *neg_conn_create(apr_pool_t *parent)
{
    neg_conn *nc = apr_pcalloc(parent, sizeof(*nc));

    apr_pool_create(&nc->pool, parent);
    apr_pool_tag(nc->pool, "auth_negotiate_conn");
    return nc;
}

void neg_conn_reset(neg_conn *nc)
{
    apr_pool_t *pool = nc->pool;

    apr_pool_clear(pool);
    memset(nc, 0, sizeof(*nc));
    nc->pool = pool;
}

void neg_conn_challenged(neg_conn *nc, const unsigned char challenge[8],
                         const unsigned char *type1, size_t type1_len,
                         const unsigned char *type2, size_t type2_len,
                         size_t ti_off, size_t ti_len, uint32_t flags)
{
    memcpy(nc->challenge, challenge, sizeof(nc->challenge));
    nc->type1 = apr_pmemdup(nc->pool, type1, type1_len);
    nc->type1_len = type1_len;
    nc->type2 = apr_pmemdup(nc->pool, type2, type2_len);
    nc->type2_len = type2_len;
    nc->ti_off = ti_off;
    nc->ti_len = ti_len;
    nc->flags = flags;
    nc->challenged_at = apr_time_now();
    nc->state = NEG_CONN_CHALLENGED;
}

static void keep_list(neg_conn *nc, const neg_bytes *mech_list)
{
    nc->mech_list = mech_list && mech_list->len
                    ? apr_pmemdup(nc->pool, mech_list->data, mech_list->len) : NULL;
    nc->mech_list_len = mech_list ? mech_list->len : 0;
}

void neg_conn_frame(neg_conn *nc, neg_scheme scheme, int proxy, int spnego,
                    const neg_bytes *mech_list, int mic_required)
{
    nc->scheme = scheme;
    nc->proxy = proxy;
    nc->spnego = spnego;
    keep_list(nc, mech_list);
    nc->mic_required = mic_required;
}

void neg_conn_propose(neg_conn *nc, int proxy, neg_mech proposed,
                      const neg_bytes *mech_list, int mic_required)
{
    neg_conn_frame(nc, NEG_SCHEME_NEGOTIATE, proxy, 1, mech_list, mic_required);
    nc->proposed = proposed;
    nc->state = NEG_CONN_PROPOSED;
}

void neg_conn_mic_pending(neg_conn *nc, const neg_identity *id,
                          const void *ops, void *mic_key)
{
    nc->id = *neg_identity_copy(nc->pool, id);
    nc->id.ccache = NULL;           /* the request's, gone with it */
    nc->pending_ops = ops;
    nc->mic_key = mic_key;
    nc->state = NEG_CONN_MIC_PENDING;
}

void neg_conn_bind(neg_conn *nc, const neg_identity *id)
{
    neg_identity *copy;

    neg_conn_reset(nc);
    copy = neg_identity_copy(nc->pool, id);
    nc->id = *copy;
    nc->id.ccache = NULL;           /* the request's, not the connection's */
    nc->state = NEG_CONN_AUTHENTICATED;
}

void neg_conn_remember_basic(neg_conn *nc, const neg_identity *id,
                             const unsigned char *cred, size_t len)
{
    neg_conn_reset(nc);
    nc->basic_id = neg_identity_copy(nc->pool, id);
    neg_conn_credential_mac(nc, cred, len, nc->basic_mac);
    nc->basic_at = apr_time_now();
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
