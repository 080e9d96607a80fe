/*
 * krb5_fastpath.c - the cache of verified tickets (doc/security.md, "The
 * ticket cache"): a ticket Heimdal's acceptor accepted once costs each later
 * request only the checks of its new authenticator, made here as Heimdal's
 * acceptor makes them; anything this path does not handle, or doubts, goes
 * to Heimdal (it only ever says yes or "ask Heimdal"). The part of the
 * module most in need of a reviewer: it is all in this file.
 */
#include "kerberos.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_strings.h"

#include "krb5_private.h"
#include "status.h"
#include "secret.h"

/* ------------------------------------------------------------ ticket cache
 *
 * A client sends the same service ticket with every request for the
 * ticket's life; only the authenticator changes. Once Heimdal's acceptor
 * has accepted a ticket, what its decryption gave (session key, client,
 * times, the PAC it verified) is kept under a SHA-256 of the ticket as the
 * client sent it (ticket_cache.h). A request whose ticket is known then
 * costs the authenticator only, checked here as Heimdal's acceptor checks
 * it (krb5_verify_ap_req2, _gsskrb5_verify_8003_checksum, RFC 4120 3.2.3,
 * RFC 4121 4.1.1): decrypted with the session key, the same client as the
 * ticket's, its time within the skew, the ticket's times now, a GSS
 * checksum whose channel bindings match; the AP-REP is built by Heimdal's
 * krb5_mk_rep as its acceptor builds it. Whatever this path does not
 * handle, or doubts, goes to gss_accept_sec_context as before (delegation,
 * DCE style, anonymous, other checksums, a failed check: Heimdal then says
 * why): it only ever says yes or "ask Heimdal". doc/security.md, "The
 * ticket cache", has the argument.
 *
 * Threads: the acceptor's krb5_context is shared by the threads of the
 * process here (Heimdal's GSS layer keeps one per thread). What this path
 * calls on it (krb5_crypto_init/decrypt, krb5_auth_con_*, krb5_mk_rep with
 * its random subkey and sequence number, krb5_enctype_valid,
 * krb5_timeofday, krb5_get_max_time_skew) only reads the context in 7.8,
 * or takes its mutex to set an error message; the random generator has a
 * global lock. State of one logon lives in its own auth context. */

enum { TICKET_NOT_CACHED, TICKET_DECLINED, TICKET_ACCEPTED };

/* The cache key: the ticket's etype and ciphertext, each with its length.
 * Nothing else of the ticket counts: its realm, service name and kvno are
 * clear text the client may rewrite (RFC 4120 5.3), and whichever key of
 * the keytab they select (Heimdal tries every key when they select none),
 * a ciphertext that decrypts and passes its integrity check under it is
 * the one ticket the KDC made, with one content. A key over those fields
 * too would let a client fill the cache with one ticket under many names
 * (every letter case of the realm, every kvno), each a full accept and an
 * entry; the names are checked on every use all the same (the service
 * policy, check_ticket_service). A ticket altered in any byte of its
 * ciphertext is another key. */
static void ticket_key(const AP_REQ *req, unsigned char out[NEG_TICKET_KEY_LEN])
{
    static const char label[] = "mod_auth_negotiate verified ticket v2";
    const Ticket *t = &req->ticket;
    SHA256_CTX sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, label, sizeof(label));
    neg_krb5_put_be32(&sha, (uint32_t)t->enc_part.etype);
    neg_krb5_put_be32(&sha, (uint32_t)t->enc_part.cipher.length);
    SHA256_Update(&sha, t->enc_part.cipher.data, t->enc_part.cipher.length);
    SHA256_Final(out, &sha);
}

/* A client name as bytes for an exact comparison: each component and the
 * realm followed by a NUL (components cannot hold one: GeneralString). */
static unsigned char *flat_client(apr_pool_t *p, const PrincipalName *name,
                                  const char *realm, size_t *len)
{
    size_t i, n = strlen(realm) + 1;
    unsigned char *out, *at;

    for (i = 0; i < name->name_string.len; i++)
        n += strlen(name->name_string.val[i]) + 1;
    at = out = apr_palloc(p, n);
    for (i = 0; i < name->name_string.len; i++) {
        size_t l = strlen(name->name_string.val[i]) + 1;

        memcpy(at, name->name_string.val[i], l);
        at += l;
    }
    memcpy(at, realm, strlen(realm) + 1);
    *len = n;
    return out;
}

/* After Heimdal accepted the ticket (et, decrypt_ticket): remember what it
 * held. */
void neg_krb5_remember_ticket(neg_krb5_acceptor *a, const EncTicketPart *et,
                              const unsigned char *key,
                              const unsigned char key_id[NEG_KRB5_KEY_ID_LEN],
                              apr_pool_t *p, const neg_krb5_result *res)
{
    neg_ticket_entry e;

    if (et->flags.invalid || et->key.keyvalue.length > sizeof(e.session_key))
        return;
    memset(&e, 0, sizeof(e));
    e.enctype = (int32_t)et->key.keytype;
    e.session_key_len = et->key.keyvalue.length;
    memcpy(e.session_key, et->key.keyvalue.data, et->key.keyvalue.length);
    e.authtime = et->authtime;
    e.starttime = et->starttime ? *et->starttime : et->authtime;
    e.endtime = et->endtime;
    e.client = flat_client(p, &et->cname, et->crealm, &e.client_len);
    e.principal = res->principal;
    e.pac = res->pac;
    e.pac_len = res->pac_len;
    e.forwardable = et->flags.forwardable ? 1 : 0;
    memcpy(e.service_key_id, key_id, sizeof(e.service_key_id));
    neg_ticket_cache_put(a->tickets, key, &e);
    neg_wipe(e.session_key, sizeof(e.session_key));
}

/* The ticket's times now, as krb5_decrypt_ticket checks them. The cache
 * drops an entry past its end already (neg_ticket_cache_get, with the same
 * skew); this checks both ends again on the entry in hand, which also
 * covers a start time in the future after the clock was set back. */
static int ticket_current(const neg_ticket_entry *t, krb5_timestamp now,
                          krb5_deltat skew)
{
    return t->starttime - now <= skew && now - t->endtime <= skew;
}

/* The clear-text version numbers krb5_decode_ap_req checks (RFC 4120
 * 5.5.1, 5.3): the full acceptor refuses other values, so this path does
 * not take them. */
static int versions_acceptable(const AP_REQ *req)
{
    return req->pvno == 5 && req->msg_type == krb_ap_req
        && req->ticket.tkt_vno == 5;
}

/* The GSS checksum (RFC 4121 4.1.1) as this path takes it: 24 bytes, Lgth
 * 16, no delegation, not DCE style or anonymous; bindings, when the
 * connection has some, equal to ours or none. Else 0 (Heimdal decides). */
static int checksum_acceptable(const Authenticator *auth, const unsigned char *cb,
                               size_t cb_len, OM_uint32 *flags,
                               neg_krb5_bindings *bindings)
{
    const unsigned char *c;
    unsigned char want[16];

    if (auth->cksum == NULL || auth->cksum->cksumtype != CKSUMTYPE_GSSAPI
        || auth->cksum->checksum.length != 24)
        return 0;
    c = auth->cksum->checksum.data;
    if ((c[0] | c[1] << 8 | c[2] << 16 | (uint32_t)c[3] << 24) != 16)
        return 0;
    *flags = c[20] | c[21] << 8 | c[22] << 16 | (uint32_t)c[23] << 24;
    if (*flags & (GSS_C_DELEG_FLAG | GSS_C_ANON_FLAG | GSS_C_DCE_STYLE))
        return 0;
    *bindings = NEG_KRB5_BOUND_UNCHECKED;
    if (cb == NULL)
        return 1;                   /* Extended Protection Off: not looked at */
    *bindings = neg_krb5_bindings_shown(auth);
    if (*bindings != NEG_KRB5_BOUND || cb_len == 0)
        return 1;
    neg_cbt_gss_hash(cb, cb_len, want);
    return neg_ct_equal(want, c + 4, sizeof(want));
}

/* RFC 4537: the enctypes the client accepts for the acceptor's subkey, in
 * AD-IF-RELEVANT; the first one this library knows goes to ac->keytype, as
 * krb5_verify_ap_req2 does. 0 if the authorization data cannot be read. */
static int choose_subkey_type(neg_krb5_acceptor *a, const AuthorizationData *ad,
                              krb5_auth_context ac)
{
    size_t i, j, k, used;
    int ok = 1, seen = 0;

    for (i = 0; ad != NULL && i < ad->len && ok; i++) {
        AuthorizationData inner;

        if (ad->val[i].ad_type == KRB5_AUTHDATA_GSS_API_ETYPE_NEGOTIATION)
            return 0;               /* not where clients put it: ask Heimdal */
        if (ad->val[i].ad_type != KRB5_AUTHDATA_IF_RELEVANT)
            continue;
        if (decode_AuthorizationData(ad->val[i].ad_data.data,
                                     ad->val[i].ad_data.length, &inner, &used) != 0)
            return 0;
        for (j = 0; j < inner.len && ok; j++) {
            EtypeList types;

            if (inner.val[j].ad_type == KRB5_AUTHDATA_IF_RELEVANT)
                ok = 0;             /* nested: ask Heimdal */
            if (inner.val[j].ad_type != KRB5_AUTHDATA_GSS_API_ETYPE_NEGOTIATION
                || seen++ > 0)
                continue;           /* Heimdal reads the first one only */
            if (decode_EtypeList(inner.val[j].ad_data.data,
                                 inner.val[j].ad_data.length, &types, &used) != 0) {
                ok = 0;
                continue;
            }
            for (k = 0; k < types.len && ac->keytype == ETYPE_NULL; k++) {
                if (krb5_enctype_valid(a->kctx, types.val[k]) == 0)
                    ac->keytype = types.val[k];
            }
            free_EtypeList(&types);
        }
        free_AuthorizationData(&inner);
    }
    return ok;
}

static int is_cfx_key(krb5_enctype e)
{
    switch (e) {
    case ETYPE_DES_CBC_CRC: case ETYPE_DES_CBC_MD4: case ETYPE_DES_CBC_MD5:
    case ETYPE_DES3_CBC_MD5: case ETYPE_OLD_DES3_CBC_SHA1:
    case ETYPE_DES3_CBC_SHA1: case ETYPE_ARCFOUR_HMAC_MD5:
    case ETYPE_ARCFOUR_HMAC_MD5_56:
        return 0;
    default:
        return 1;
    }
}

/* The AP-REP (mutual authentication) as Heimdal's acceptor makes it: an
 * acceptor subkey for CFX enctypes or when the client offered subkey
 * enctypes, else the client's subkey echoed (as Windows does); a sequence
 * number; then krb5_mk_rep, in GSS framing with TOK_ID 02 00 (RFC 4121
 * 4.1). */
static int make_reply(neg_krb5_acceptor *a, krb5_auth_context ac,
                      apr_pool_t *p, neg_krb5_result *res)
{
    const Authenticator *auth = ac->authenticator;
    krb5_keyblock *key = auth->subkey ? auth->subkey : ac->keyblock;
    gss_buffer_desc inner, framed = GSS_C_EMPTY_BUFFER;
    krb5_data rep;
    OM_uint32 minor;
    int use_subkey = 0, ok;

    if (auth->subkey != NULL
        && krb5_auth_con_setremotesubkey(a->kctx, ac, auth->subkey) != 0)
        return 0;
    if (is_cfx_key(key->keytype) || ac->keytype != ETYPE_NULL)
        use_subkey = 1;
    else if (auth->subkey != NULL)
        use_subkey = krb5_auth_con_setlocalsubkey(a->kctx, ac, auth->subkey) == 0;
    if (use_subkey)
        krb5_auth_con_addflags(a->kctx, ac, KRB5_AUTH_CONTEXT_USE_SUBKEY, NULL);
    /* Heimdal's acceptor context asks for a sequence number
     * (_gsskrb5_create_ctx): krb5_mk_rep then sends a random one */
    krb5_auth_con_addflags(a->kctx, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE, NULL);
    krb5_data_zero(&rep);
    if (krb5_mk_rep(a->kctx, ac, &rep) != 0)
        return 0;
    inner.length = rep.length + 2;
    inner.value = apr_palloc(p, inner.length);
    memcpy(inner.value, "\x02\x00", 2);
    memcpy((unsigned char *)inner.value + 2, rep.data, rep.length);
    krb5_data_free(&rep);
    ok = gss_encapsulate_token(&inner, GSS_KRB5_MECHANISM, &framed) == GSS_S_COMPLETE;
    if (ok) {
        res->reply = apr_pmemdup(p, framed.value, framed.length);
        res->reply_len = framed.length;
    }
    gss_release_buffer(&minor, &framed);
    return ok;
}

/* The authenticator of a known ticket, checked as Heimdal checks it. */
static int authenticator_acceptable(neg_krb5_acceptor *a, const neg_ticket_entry *t,
                                    const AP_REQ *req, krb5_auth_context ac,
                                    apr_pool_t *p, krb5_timestamp now,
                                    krb5_deltat skew)
{
    krb5_keyblock key;
    size_t len;
    const unsigned char *client;

    /* RFC 4120 5.2.9: the etype names the key's type; Heimdal ignores it */
    if (req->authenticator.etype != t->enctype)
        return 0;
    memset(&key, 0, sizeof(key));
    key.keytype = t->enctype;
    key.keyvalue.length = t->session_key_len;
    key.keyvalue.data = (void *)t->session_key;
    if (!neg_krb5_decrypt_authenticator(a, &key, req, ac->authenticator)
        || krb5_auth_con_setkey(a->kctx, ac, &key) != 0)
        return 0;
    client = flat_client(p, &ac->authenticator->cname, ac->authenticator->crealm,
                         &len);
    return len == t->client_len && memcmp(client, t->client, len) == 0
        && ac->authenticator->ctime - now <= skew
        && now - ac->authenticator->ctime <= skew;
}

/* A token whose ticket is in the cache: accepted (res filled as the full
 * acceptor fills it), declined (Heimdal will see it), or not cached. */
static int accept_cached(neg_krb5_acceptor *a, const AP_REQ *req,
                         const unsigned char *key, apr_pool_t *p,
                         const unsigned char *cb, size_t cb_len,
                         neg_krb5_result *res)
{
    neg_ticket_entry t;
    krb5_auth_context ac = NULL;
    krb5_deltat skew = krb5_get_max_time_skew(a->kctx);
    krb5_timestamp now;
    OM_uint32 flags = 0;
    neg_krb5_bindings bindings = NEG_KRB5_BOUND_UNCHECKED;
    int verdict = TICKET_DECLINED;

    krb5_timeofday(a->kctx, &now);
    if (!neg_ticket_cache_get(a->tickets, key, now, skew, p, &t))
        return TICKET_NOT_CACHED;
    if (!versions_acceptable(req) || req->ap_options.use_session_key
        || !ticket_current(&t, now, skew) || krb5_auth_con_init(a->kctx, &ac) != 0)
        goto done;
    if (!authenticator_acceptable(a, &t, req, ac, p, now, skew)
        || !checksum_acceptable(ac->authenticator, cb, cb_len, &flags, &bindings)
        || !choose_subkey_type(a, ac->authenticator->authorization_data, ac)
        || ((flags & GSS_C_MUTUAL_FLAG) && !make_reply(a, ac, p, res))
        || neg_krb5_check_ticket_service(p, a, req, t.service_key_id, res) != NULL)
        goto done;
    res->bindings = bindings;
    res->skew = (int)skew;
    res->authenticator_time = ac->authenticator->ctime;
    neg_krb5_split_principal(p, t.principal, res);
    res->pac = t.pac;
    res->pac_len = t.pac_len;
    res->evidence_forwardable = t.forwardable;
    verdict = TICKET_ACCEPTED;

done:
    neg_wipe(t.session_key, sizeof(t.session_key));
    if (ac != NULL)
        krb5_auth_con_free(a->kctx, ac);
    if (verdict != TICKET_ACCEPTED)
        memset(res, 0, sizeof(*res));
    return verdict;
}

/* With the ticket cache: a known ticket is accepted here (keep == NULL:
 * no GSS context is wanted afterwards), else *remember says whether
 * Heimdal's answer should be remembered. 1 when accepted. */
int neg_krb5_try_ticket_cache(neg_krb5_acceptor *a, const AP_REQ *req,
                            unsigned char key[NEG_TICKET_KEY_LEN], apr_pool_t *p,
                            const unsigned char *cb, size_t cb_len,
                            apr_pool_t *keep, neg_krb5_result *res, int *remember)
{
    ticket_key(req, key);
    if (keep != NULL) {
        *remember = 1;              /* a MIC follows: Heimdal's context */
        return 0;
    }
    switch (accept_cached(a, req, key, p, cb, cb_len, res)) {
    case TICKET_ACCEPTED:
        neg_status_add(NEG_STAT_TICKET_CACHE_HITS, 1);
        return 1;
    case TICKET_NOT_CACHED:
        neg_status_add(NEG_STAT_TICKET_CACHE_MISSES, 1);
        *remember = 1;
        return 0;
    default:
        neg_status_add(NEG_STAT_TICKET_CACHE_DECLINED, 1);
        return 0;
    }
}
