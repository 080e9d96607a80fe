/*
 * krb5_private.h - what the files of the Kerberos acceptor share:
 * krb5_keytab.c (the registry of acceptors), krb5_diag.c (clear text and
 * refusals), krb5_accept.c (Heimdal's acceptor) and krb5_fastpath.c (the
 * ticket cache). kerberos.h is the acceptor's interface; nothing else
 * includes this.
 */
#ifndef NEG_KRB5_PRIVATE_H
#define NEG_KRB5_PRIVATE_H

#include <stdint.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <krb5_asn1.h>

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/sha.h>

#include "apr_pools.h"
#include "apr_tables.h"

#include "cbt.h"
#include "kerberos.h"
#include "ticket_cache.h"

#define NEG_KRB5_KEY_ID_LEN 32

typedef struct {
    const char *principal;
    int kvno;
    int enctype;
    unsigned char key_id[NEG_KRB5_KEY_ID_LEN];  /* neg_krb5_key_id of its key */
} key_info;

struct neg_krb5_acceptor {
    apr_pool_t *pool;
    krb5_context kctx;
    krb5_keytab mem_keytab;
    gss_cred_id_t cred;
    const char *keytab_name;        /* as resolved, e.g. FILE:/etc/http.keytab */
    const char *scope;              /* "any principal" or the configured list */
    apr_array_header_t *allowed;    /* configured principals; empty: any */
    apr_array_header_t *keys;       /* key_info: what we loaded, for diagnostics */
    neg_ticket_cache *tickets;      /* verified tickets (ticket_cache.h) */
    int refs;
    int retired;
};

/* krb5_keytab.c: Heimdal's message for an error code. */
const char *neg_krb5_message(apr_pool_t *p, krb5_context kctx, krb5_error_code code);

/* krb5_keytab.c: a key's identity (SHA-256 over its type and bytes): what
 * tells which keytab entries hold the key that decrypted a ticket. */
void neg_krb5_key_id(const krb5_keyblock *key, unsigned char out[NEG_KRB5_KEY_ID_LEN]);

/* krb5_diag.c */
int neg_krb5_decode_ap_req(const unsigned char *tok, size_t len, AP_REQ *req);
const char *neg_krb5_service_name_refused(apr_pool_t *p, const AP_REQ *req);
const char *neg_krb5_check_ticket_service(apr_pool_t *p, const neg_krb5_acceptor *a,
                                          const AP_REQ *req,
                                          const unsigned char key_id[NEG_KRB5_KEY_ID_LEN],
                                          neg_krb5_result *res);
const char *neg_krb5_describe_failure(apr_pool_t *p, const neg_krb5_acceptor *a,
                                      const unsigned char *tok, size_t len,
                                      OM_uint32 major, OM_uint32 minor,
                                      const gss_buffer_desc *out);
const char *neg_krb5_enctype_name(int e);
/* The error code of a KRB-ERROR in Heimdal's output token, or 0. */
krb5_error_code neg_krb5_error_in(const gss_buffer_desc *out);

/* krb5_keytab.c: a 32-bit value into a hash, big-endian */
void neg_krb5_put_be32(SHA256_CTX *sha, uint32_t v);

/* krb5_sealed.c: an encrypted part decrypted with key for its key usage
 * into *plain (1), which neg_krb5_close_sealed wipes and frees */
int neg_krb5_open_sealed(neg_krb5_acceptor *a, const krb5_keyblock *key,
                         unsigned usage, const EncryptedData *enc, krb5_data *plain);
void neg_krb5_close_sealed(krb5_data *plain);
int neg_krb5_decrypt_authenticator(neg_krb5_acceptor *a, const krb5_keyblock *key,
                                   const AP_REQ *req, Authenticator *auth);
neg_krb5_bindings neg_krb5_bindings_shown(const Authenticator *auth);
void neg_krb5_split_principal(apr_pool_t *p, const char *principal,
                              neg_krb5_result *res);

/* krb5_fastpath.c: a token whose ticket is in the cache is accepted there
 * (1, res filled as Heimdal's acceptor fills it); else *remember says
 * whether Heimdal's answer should be remembered (remember_ticket). */
int neg_krb5_try_ticket_cache(neg_krb5_acceptor *a, const AP_REQ *req,
                              unsigned char key[NEG_TICKET_KEY_LEN], apr_pool_t *p,
                              const unsigned char *cb, size_t cb_len,
                              apr_pool_t *keep, neg_krb5_result *res, int *remember);
void neg_krb5_remember_ticket(neg_krb5_acceptor *a, const EncTicketPart *et,
                              const unsigned char *key,
                              const unsigned char key_id[NEG_KRB5_KEY_ID_LEN],
                              apr_pool_t *p, const neg_krb5_result *res);

#endif
