/*
 * krb5_accept.c - one Kerberos token through Heimdal's acceptor (or the
 * ticket cache's fast path, krb5_fastpath.c): the OID normalised, channel
 * bindings read, the authenticator's clear-text etype checked, the PAC,
 * delegated credentials stored, the context kept for SPNEGO's
 * mechListMICs.
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

#include "identity.h"
#include "krb5_private.h"
#include "principal.h"
#include "status.h"
#include "secret.h"

/* Microsoft's Kerberos OID differs from RFC 1964's in one byte. */
static const unsigned char krb5_oid_bytes[9] =
    { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };
static const unsigned char ms_krb5_oid_bytes[9] =
    { 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02 };

/* ------------------------------------------------------------ accepting */

/* Heimdal's krb5 mechanism only knows RFC 1964's OID; Windows may frame the
 * token with Microsoft's (MS-KILE 3.1.5.10 uses the same token format).
 * Rewrite the one byte that differs. */
static const unsigned char *normalise_oid(apr_pool_t *p, const unsigned char *tok,
                                          size_t len)
{
    unsigned char *copy;
    size_t off;

    /* 0x60 len(1..5 bytes) 0x06 0x09 OID */
    if (len < 2 + 2 + 9 || tok[0] != 0x60)
        return tok;
    off = (tok[1] & 0x80) ? 2 + (tok[1] & 0x7f) : 2;
    if (off + 2 + 9 > len || tok[off] != 0x06 || tok[off + 1] != 9
        || memcmp(tok + off + 2, ms_krb5_oid_bytes, 9) != 0)
        return tok;
    copy = apr_pmemdup(p, tok, len);
    memcpy(copy + off + 2, krb5_oid_bytes, 9);
    return copy;
}

/* ------------------------------------------------------ channel bindings */

/* The ticket's encrypted part, decrypted with the service key that
 * Heimdal's acceptor used for it (RFC 4120 5.3, key usage 2). Free *et with
 * forget_ticket when 1 is returned. */
static int decrypt_ticket(neg_krb5_acceptor *a, gss_ctx_id_t ctx,
                          const AP_REQ *req, EncTicketPart *et,
                          unsigned char key_id[NEG_KRB5_KEY_ID_LEN])
{
    struct EncryptionKey *service_key = NULL;
    krb5_data plain;
    OM_uint32 minor;
    size_t used;
    int ok = 0;

    memset(et, 0, sizeof(*et));
    if (gsskrb5_extract_service_keyblock(&minor, ctx, &service_key) != GSS_S_COMPLETE)
        return 0;
    neg_krb5_key_id(service_key, key_id);
    if (neg_krb5_open_sealed(a, service_key, KRB5_KU_TICKET, &req->ticket.enc_part, &plain)) {
        ok = decode_EncTicketPart(plain.data, plain.length, et, &used) == 0;
        neg_krb5_close_sealed(&plain);
    }
    krb5_free_keyblock(a->kctx, service_key);
    return ok;
}

/* RFC 4120 5.2.9: an EncryptedData's etype names the type of the key it
 * is encrypted with, here the ticket's session key (key usage 11).
 * Heimdal's krb5_decrypt_EncryptedData decrypts with the key's own type
 * and never reads the field, so a token whose field was rewritten is
 * accepted by Heimdal's acceptor: refuse it, as MIT's krb5_k_decrypt does
 * (KRB5_BAD_ENCTYPE). NULL when the field is the session key's type. */
static const char *authenticator_etype_refused(apr_pool_t *p, const AP_REQ *req,
                                               const EncTicketPart *et,
                                               const neg_krb5_result *res)
{
    if (et == NULL)
        return "the ticket Heimdal accepted could not be decrypted again to "
               "check its authenticator";
    if (req->authenticator.etype == et->key.keytype)
        return NULL;
    return apr_psprintf(p, "refused the Kerberos ticket of %s for %s: the "
                        "authenticator's clear-text etype (%d) is not the "
                        "type of the ticket's session key (%d): the token was "
                        "altered (a replay dressed as a new token?)",
                        res->principal, res->service,
                        (int)req->authenticator.etype, (int)et->key.keytype);
}

/* free_EncTicketPart, the session key overwritten first. */
static void forget_ticket(EncTicketPart *et)
{
    if (et->key.keyvalue.data != NULL)
        neg_wipe(et->key.keyvalue.data, et->key.keyvalue.length);
    free_EncTicketPart(et);
}

/* What the client's authenticator says of channel bindings, once Heimdal
 * accepted the token with ours (it compares them only when the client sent
 * some: all-zero bindings pass, RFC 4121 4.1.1.2). Read with Heimdal's krb5
 * and ASN.1 functions: the authenticator decrypted with the session key of
 * the ticket (et, decrypt_ticket), and the Bnd field of its GSS checksum
 * (type 0x8003). */
static neg_krb5_bindings initiator_bindings(neg_krb5_acceptor *a,
                                            const EncTicketPart *et,
                                            const AP_REQ *req, int64_t *ctime)
{
    neg_krb5_bindings found = NEG_KRB5_BOUND_UNKNOWN;
    Authenticator auth;

    memset(&auth, 0, sizeof(auth));
    if (neg_krb5_decrypt_authenticator(a, &et->key, req, &auth)) {
        found = neg_krb5_bindings_shown(&auth);
        *ctime = auth.ctime;    /* the replay cache's horizon (replay.h) */
    }
    free_Authenticator(&auth);
    return found;
}

/* RFC 6112 section 3: the anonymous principal WELLKNOWN/ANONYMOUS in the
 * realm WELLKNOWN:ANONYMOUS (or, for an authenticated anonymous client, in
 * the client's realm). */
static int is_anonymous(const char *principal)
{
    const char *at = neg_principal_at(principal);

    return strncmp(principal, "WELLKNOWN/ANONYMOUS@", 20) == 0
        || (at != NULL && strcmp(at + 1, "WELLKNOWN:ANONYMOUS") == 0);
}

/* The ticket's PAC (ad-type 128, inside AD-IF-RELEVANT). */
static void extract_pac(apr_pool_t *p, gss_ctx_id_t ctx, neg_krb5_result *res)
{
    gss_buffer_desc pac = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;

    if (gsskrb5_extract_authz_data_from_sec_context(&minor, ctx, 128, &pac)
        == GSS_S_COMPLETE && pac.length > 0) {
        res->pac = apr_pmemdup(p, pac.value, pac.length);
        res->pac_len = pac.length;
    }
    gss_release_buffer(&minor, &pac);
}

static apr_status_t remove_ccache(void *path)
{
    unlink(path);
    return APR_SUCCESS;
}

const char *neg_krb5_new_ccache_file(apr_pool_t *p, const char *dir,
                                     const char *what, const char **out)
{
    char *path = apr_pstrcat(p, dir, "/" NEG_DELEGATED_CCACHE_PREFIX "XXXXXX", NULL);
    struct stat st;
    int fd;

    *out = NULL;
    /* Checked at start, and again now: it must still be ours alone. */
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()
        || (st.st_mode & 022))
        return apr_psprintf(p, "refused to store %s in %s: it is no longer "
                            "a directory owned by uid %ld and writable by "
                            "nobody else", what, dir, (long)geteuid());
    fd = mkstemp(path);
    if (fd < 0)
        return apr_psprintf(p, "cannot create a ccache in %s: %s "
                            "(NegotiateDelegationDir must be writable by the "
                            "Apache user)", dir, strerror(errno));
    close(fd);
    apr_pool_cleanup_register(p, path, remove_ccache, apr_pool_cleanup_null);
    *out = path;
    return NULL;
}

/* Store delegated credentials in DIR/krb5cc_negotiate_XXXXXX (0600). The
 * file belongs to this request: it is removed when the request ends. */
static void store_delegated(apr_pool_t *p, const neg_krb5_acceptor *a,
                            gss_cred_id_t deleg, const char *dir,
                            neg_krb5_result *res)
{
    const char *path;
    krb5_context kctx = NULL;
    krb5_ccache cc = NULL;
    OM_uint32 minor;

    res->ccache_error = neg_krb5_new_ccache_file(p, dir, "delegated credentials",
                                                 &path);
    if (res->ccache_error != NULL)
        return;
    if (krb5_init_context(&kctx) != 0
        || krb5_cc_resolve(kctx, apr_pstrcat(p, "FILE:", path, NULL), &cc) != 0
        || gss_krb5_copy_ccache(&minor, deleg, cc) != GSS_S_COMPLETE)
        res->ccache_error = apr_psprintf(p, "cannot store the delegated "
                                         "credentials in %s", path);
    else
        res->ccache = path;
    if (cc != NULL)
        krb5_cc_close(kctx, cc);
    if (kctx != NULL)
        krb5_free_context(kctx);
    (void)a;
}

/* The client's ticket (DER), for S4U2Proxy (s4u.h): its evidence. */
static void keep_evidence(apr_pool_t *p, const AP_REQ *req, neg_krb5_result *res)
{
    unsigned char *der = NULL;
    size_t der_len = 0, used = 0;
    int code;

    ASN1_MALLOC_ENCODE(Ticket, der, der_len, &req->ticket, &used, code);
    if (code == 0 && used == der_len) {
        res->evidence = apr_pmemdup(p, der, der_len);
        res->evidence_len = der_len;
    }
    free(der);
    res->evidence_forwardable = -1;
}

struct neg_krb5_context {
    gss_ctx_id_t ctx;
};

static apr_status_t delete_context(void *data)
{
    neg_krb5_context *c = data;
    OM_uint32 minor;

    if (c->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &c->ctx, GSS_C_NO_BUFFER);
    return APR_SUCCESS;
}

/* The context goes to res->context and lives as long as the pool keep. */
static void keep_context(apr_pool_t *keep, gss_ctx_id_t *ctx, neg_krb5_result *res)
{
    neg_krb5_context *c = apr_pcalloc(keep, sizeof(*c));

    c->ctx = *ctx;
    *ctx = GSS_C_NO_CONTEXT;
    apr_pool_cleanup_register(keep, c, delete_context, apr_pool_cleanup_null);
    res->context = c;
}

/* Heimdal's KRB-ERROR reply (see krb_error_in), for the client. */
static void keep_error_token(apr_pool_t *p, OM_uint32 major,
                             const gss_buffer_desc *out, neg_krb5_result *res)
{
    krb5_error_code code;

    if (major != GSS_S_CONTINUE_NEEDED || (code = neg_krb5_error_in(out)) == 0)
        return;
    res->error_token = apr_pmemdup(p, out->value, out->length);
    res->error_token_len = out->length;
    res->error_code = (int)code;
}

int neg_krb5_get_mic(neg_krb5_context *c, const unsigned char *msg, size_t len,
                     apr_pool_t *p, const unsigned char **mic, size_t *mic_len)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor;

    in.value = (void *)msg;
    in.length = len;
    major = gss_get_mic(&minor, c->ctx, GSS_C_QOP_DEFAULT, &in, &out);
    if (major != GSS_S_COMPLETE) {
        gss_release_buffer(&minor, &out);
        return 0;
    }
    *mic = apr_pmemdup(p, out.value, out.length);
    *mic_len = out.length;
    gss_release_buffer(&minor, &out);
    return 1;
}

int neg_krb5_verify_mic(neg_krb5_context *c, const unsigned char *msg,
                        size_t len, const unsigned char *mic, size_t mic_len)
{
    gss_buffer_desc in, tok;
    OM_uint32 minor;
    gss_qop_t qop;

    in.value = (void *)msg;
    in.length = len;
    tok.value = (void *)mic;
    tok.length = mic_len;
    return mic_len > 0
        && gss_verify_mic(&minor, c->ctx, &in, &tok, &qop) == GSS_S_COMPLETE;
}

int neg_krb5_accept(neg_krb5_acceptor *a, const unsigned char *token,
                    size_t len, apr_pool_t *p, const char *delegation_dir,
                    const unsigned char *cb, size_t cb_len, neg_krb5_result *res)
{
    return neg_krb5_accept_keep(a, token, len, p, delegation_dir, cb, cb_len,
                                0, NULL, res);
}

int neg_krb5_accept_keep(neg_krb5_acceptor *a, const unsigned char *token,
                         size_t len, apr_pool_t *p, const char *delegation_dir,
                         const unsigned char *cb, size_t cb_len,
                         int ticket_cache, apr_pool_t *keep,
                         neg_krb5_result *res)
{
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
    gss_name_t client = GSS_C_NO_NAME;
    gss_cred_id_t deleg = GSS_C_NO_CREDENTIAL;
    struct gss_channel_bindings_struct bindings;
    OM_uint32 major, minor, ignored, flags = 0;
    AP_REQ req;
    EncTicketPart et;
    unsigned char key[NEG_TICKET_KEY_LEN];
    int ok = 0, have_req, have_et = 0, remember = 0;
    unsigned char key_id[NEG_KRB5_KEY_ID_LEN];
    uint64_t started = neg_status_now_us();

    memset(res, 0, sizeof(*res));
    in.value = (void *)normalise_oid(p, token, len);
    in.length = len;
    have_req = neg_krb5_decode_ap_req(in.value, len, &req);
    if (have_req && (res->error = neg_krb5_service_name_refused(p, &req)) != NULL)
        goto cleanup;
    if (have_req)
        keep_evidence(p, &req, res);
    if (have_req && ticket_cache && a->tickets != NULL
        && neg_krb5_try_ticket_cache(a, &req, key, p, cb, cb_len, keep, res, &remember)) {
        ok = 1;
        goto cleanup;
    }
    /* RFC 4121 4.1.1.2: no addresses, the application data only */
    memset(&bindings, 0, sizeof(bindings));
    bindings.application_data.value = (void *)cb;
    bindings.application_data.length = cb_len;
    major = gss_accept_sec_context(&minor, &ctx, a->cred, &in,
                                   cb && cb_len ? &bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                   &client, NULL, &out, &flags, NULL,
                                   delegation_dir ? &deleg : NULL);
    res->skew = (int)krb5_get_max_time_skew(a->kctx);
    if (major == GSS_S_BAD_BINDINGS) {
        res->bindings = NEG_KRB5_BOUND_ELSEWHERE;
        res->error = neg_krb5_describe_failure(p, a, in.value, len, major, minor, &out);
        goto cleanup;
    }
    if (major != GSS_S_COMPLETE) {
        res->error = neg_krb5_describe_failure(p, a, in.value, len, major, minor, &out);
        keep_error_token(p, major, &out, res);
        goto cleanup;
    }
    if (!have_req) {
        res->error = "the service principal of the ticket cannot be read";
        goto cleanup;
    }
    /* the ticket decrypted once: the key that did it (for the service's
     * name), the authenticator's etype, the bindings and the cache */
    have_et = decrypt_ticket(a, ctx, &req, &et, key_id);
    if (!have_et) {
        res->error = "the ticket Heimdal accepted could not be decrypted again "
                     "to check its service and authenticator";
        goto cleanup;
    }
    res->error = neg_krb5_check_ticket_service(p, a, &req, key_id, res);
    if (res->error != NULL)
        goto cleanup;
    res->evidence_forwardable = et.flags.forwardable ? 1 : 0;
    res->bindings = initiator_bindings(a, &et, &req, &res->authenticator_time);
    if (cb == NULL)
        res->bindings = NEG_KRB5_BOUND_UNCHECKED;
    major = gss_display_name(&minor, client, &name, NULL);
    if (GSS_ERROR(major)) {
        res->error = "the client's principal name cannot be displayed";
        goto cleanup;
    }
    neg_krb5_split_principal(p, apr_pstrndup(p, name.value, name.length), res);
    res->error = authenticator_etype_refused(p, &req, have_et ? &et : NULL, res);
    if (res->error != NULL)
        goto cleanup;
    if ((flags & GSS_C_ANON_FLAG) || is_anonymous(res->principal)) {
        res->anonymous = 1;
        res->error = apr_psprintf(p, "refused an anonymous Kerberos ticket "
                                  "(%s) for %s: an anonymous logon proves no "
                                  "identity", res->principal, res->service);
        goto cleanup;
    }
    res->reply = out.length ? apr_pmemdup(p, out.value, out.length) : NULL;
    res->reply_len = out.length;
    extract_pac(p, ctx, res);
    if (deleg != GSS_C_NO_CREDENTIAL && (flags & GSS_C_DELEG_FLAG))
        store_delegated(p, a, deleg, delegation_dir, res);
    if (remember && have_et)
        neg_krb5_remember_ticket(a, &et, key, key_id, p, res);
    if (keep != NULL)
        keep_context(keep, &ctx, res);
    ok = 1;

cleanup:
    if (have_et)
        forget_ticket(&et);
    if (have_req)
        free_AP_REQ(&req);
    if (deleg != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&ignored, &deleg);
    gss_release_buffer(&ignored, &name);
    gss_release_buffer(&ignored, &out);
    if (client != GSS_C_NO_NAME)
        gss_release_name(&ignored, &client);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&ignored, &ctx, GSS_C_NO_BUFFER);
    neg_status_latency(NEG_HIST_KRB5_ACCEPT, neg_status_now_us() - started);
    return ok;
}

