/*
 * krb5_sealed.c - what the acceptor's keys open in an AP-REQ, read with
 * Heimdal's krb5 and ASN.1 functions: sealed parts decrypted (and wiped
 * after), the authenticator, the channel bindings it shows, the client's
 * principal split. Shared by the accept path (krb5_accept.c) and the
 * ticket cache's fast path (krb5_fastpath.c), below both.
 */
#include "kerberos.h"

#include <string.h>

#include "apr_strings.h"

#include "krb5_private.h"
#include "principal.h"
#include "secret.h"

/* AD-AUTH-DATA-AP-OPTIONS (MS-KILE 2.2.10) inside AD-IF-RELEVANT, with
 * KERB_AP_OPTIONS_CBT: a Windows client saying it binds to channels. */
#define AD_IF_RELEVANT          1
#define AD_AUTH_DATA_AP_OPTIONS 143
#define KERB_AP_OPTIONS_CBT     0x4000

static int announces_cbt(const AuthorizationData *ad)
{
    size_t i, j, used;

    for (i = 0; ad != NULL && i < ad->len; i++) {
        AuthorizationData inner;

        if (ad->val[i].ad_type != AD_IF_RELEVANT
            || decode_AuthorizationData(ad->val[i].ad_data.data, ad->val[i].ad_data.length,
                                        &inner, &used) != 0)
            continue;
        for (j = 0; j < inner.len; j++) {
            const unsigned char *v = inner.val[j].ad_data.data;

            if (inner.val[j].ad_type == AD_AUTH_DATA_AP_OPTIONS
                && inner.val[j].ad_data.length == 4 && (v[0] | v[1] << 8) & KERB_AP_OPTIONS_CBT) {
                free_AuthorizationData(&inner);
                return 1;
            }
        }
        free_AuthorizationData(&inner);
    }
    return 0;
}

/* Decrypt an encrypted part with key for its key usage into *plain
 * (close it with neg_krb5_close_sealed: it holds key material). */
int neg_krb5_open_sealed(neg_krb5_acceptor *a, const krb5_keyblock *key,
                         unsigned usage, const EncryptedData *enc, krb5_data *plain)
{
    krb5_crypto crypto;
    int ok;

    krb5_data_zero(plain);
    if (krb5_crypto_init(a->kctx, key, 0, &crypto) != 0)
        return 0;
    ok = krb5_decrypt_EncryptedData(a->kctx, crypto, usage, enc, plain) == 0;
    krb5_crypto_destroy(a->kctx, crypto);
    return ok;
}

void neg_krb5_close_sealed(krb5_data *plain)
{
    neg_wipe(plain->data, plain->length);
    krb5_data_free(plain);
}

/* The authenticator, decrypted with the ticket's session key (key usage
 * 11) into *auth (which the caller frees). */
int neg_krb5_decrypt_authenticator(neg_krb5_acceptor *a, const krb5_keyblock *key,
                                 const AP_REQ *req, Authenticator *auth)
{
    krb5_data plain;
    size_t used;
    int ok;

    if (!neg_krb5_open_sealed(a, key, KRB5_KU_AP_REQ_AUTH, &req->authenticator, &plain))
        return 0;
    ok = decode_Authenticator(plain.data, plain.length, auth, &used) == 0;
    neg_krb5_close_sealed(&plain);
    return ok;
}

/* The Bnd field of a GSS checksum (RFC 4121 4.1.1: Lgth, Bnd, Flags) as
 * the bindings it shows: some, none, or none though the client announces
 * them (KERB_AP_OPTIONS_CBT). */
neg_krb5_bindings neg_krb5_bindings_shown(const Authenticator *auth)
{
    static const unsigned char zeros[16];

    if (auth->cksum == NULL || auth->cksum->cksumtype != CKSUMTYPE_GSSAPI
        || auth->cksum->checksum.length < 20)
        return NEG_KRB5_BOUND_UNKNOWN;
    if (memcmp((unsigned char *)auth->cksum->checksum.data + 4, zeros, 16) != 0)
        return NEG_KRB5_BOUND;
    return announces_cbt(auth->authorization_data)
        ? NEG_KRB5_UNBOUND_BUT_ANNOUNCED : NEG_KRB5_UNBOUND;
}

void neg_krb5_split_principal(apr_pool_t *p, const char *principal,
                            neg_krb5_result *res)
{
    const char *at = neg_principal_at(principal);

    res->principal = principal;
    res->user = at ? apr_pstrndup(p, principal, (apr_size_t)(at - principal))
                   : principal;
    res->realm = at ? at + 1 : "";
}
