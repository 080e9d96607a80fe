/*
 * krb5_diag.c - what a Kerberos token says in clear text, and what a
 * refusal says: the ticket's service name (bounded before any work), the
 * replay key, the service policy (NegotiateServicePrincipal and the names
 * of the keys), and the one line that tells the admin what happened and
 * what to do.
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
#include "secret.h"

/* ------------------------------------------------------------ diagnostics */

typedef struct {
    const char *principal;  /* the service the ticket is for */
    int kvno;               /* -1 when absent */
    int enctype;
    unsigned char replay_key[32];
} ticket_info;

const char *neg_krb5_enctype_name(int e)
{
    switch (e) {
    case 17: return "aes128-cts-hmac-sha1-96";
    case 18: return "aes256-cts-hmac-sha1-96";
    case 19: return "aes128-cts-hmac-sha256-128";
    case 20: return "aes256-cts-hmac-sha384-192";
    case 23: return "arcfour-hmac-md5";
    case 3:  return "des-cbc-md5";
    default: return "enctype";
    }
}

/* The replay key (replay.h): the authenticator's ciphertext, whatever
 * framing carried it, and nothing else. Every clear-text field around it
 * is the client's to rewrite without the session key: the ticket's realm
 * and sname (RFC 4120 5.3; an acceptor that finds no key under those names
 * tries every key of its keytab), and the authenticator's own etype and
 * kvno (RFC 4120 5.2.9: Heimdal decrypts with the session key's type and
 * never reads them), so a key that hashed any of them would let one
 * captured token pass as new again with that field rewritten. As MIT's
 * replay cache does, the ciphertext alone. */
static void replay_key(const AP_REQ *req, unsigned char out[32])
{
    SHA256_CTX sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, req->authenticator.cipher.data, req->authenticator.cipher.length);
    SHA256_Final(out, &sha);
}

/* Read the ticket's service, kvno and enctype from an AP-REQ token
 * (RFC 4121 section 4.1: GSS header, TOK_ID 01 00, then the AP-REQ). */
/* The AP-REQ inside a krb5 GSS token; free it with free_AP_REQ. */
int neg_krb5_decode_ap_req(const unsigned char *tok, size_t len, AP_REQ *req)
{
    gss_buffer_desc in = { len, (void *)tok }, inner = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;
    size_t used;
    int ok = 0;

    memset(req, 0, sizeof(*req));
    if (gss_decapsulate_token(&in, GSS_KRB5_MECHANISM, &inner) != GSS_S_COMPLETE)
        return 0;
    if (inner.length > 2 && ((unsigned char *)inner.value)[0] == 0x01
        && ((unsigned char *)inner.value)[1] == 0x00
        && decode_AP_REQ((unsigned char *)inner.value + 2, inner.length - 2,
                         req, &used) == 0)
        ok = 1;
    gss_release_buffer(&minor, &inner);
    return ok;
}

/* The ticket's service as it names it in clear text (RFC 4120 5.3): the
 * client's to choose, so bounded before any work (a service principal has
 * two components, HTTP/host) and built in one pass; NULL when over the
 * bounds. An empty component costs its sender two bytes: a name copied
 * component by component would cost the server the square of that. */
#define SNAME_MAX_COMPONENTS 8
#define SNAME_MAX_BYTES 512

static const char *service_name_of(apr_pool_t *p, const AP_REQ *req)
{
    const PrincipalName *sname = &req->ticket.sname;
    size_t i, n, total = 0;
    char *out, *at;

    if (sname->name_string.len == 0 || sname->name_string.len > SNAME_MAX_COMPONENTS)
        return NULL;
    for (i = 0; i < sname->name_string.len; i++)
        total += strnlen(sname->name_string.val[i], SNAME_MAX_BYTES + 1) + 1;
    total += strnlen(req->ticket.realm, SNAME_MAX_BYTES + 1);
    if (total > SNAME_MAX_BYTES)
        return NULL;
    at = out = apr_palloc(p, total + 1);
    for (i = 0; i < sname->name_string.len; i++) {
        n = strlen(sname->name_string.val[i]);
        memcpy(at, sname->name_string.val[i], n);
        at += n;
        *at++ = i + 1 < sname->name_string.len ? '/' : '@';
    }
    n = strlen(req->ticket.realm);
    memcpy(at, req->ticket.realm, n + 1);
    return out;
}

/* Why a ticket's clear-text service name is refused before any work, or
 * NULL. */
const char *neg_krb5_service_name_refused(apr_pool_t *p, const AP_REQ *req)
{
    if (service_name_of(p, req) != NULL)
        return NULL;
    return apr_psprintf(p, "refused a Kerberos ticket whose clear-text service "
                        "name is not a service principal (%lu components, "
                        "%s; at most %d components and %d bytes): a broken "
                        "client or an attack", (unsigned long)req->ticket.sname.name_string.len,
                        strnlen(req->ticket.realm, SNAME_MAX_BYTES + 1) > SNAME_MAX_BYTES
                        ? "an overlong realm" : "its realm",
                        SNAME_MAX_COMPONENTS, SNAME_MAX_BYTES);
}

static void ticket_info_of(apr_pool_t *p, const AP_REQ *req, ticket_info *ti)
{
    ti->principal = service_name_of(p, req);
    ti->kvno = req->ticket.enc_part.kvno ? *req->ticket.enc_part.kvno : -1;
    ti->enctype = req->ticket.enc_part.etype;
    replay_key(req, ti->replay_key);
}

static int neg_krb5_read_ticket_info(apr_pool_t *p, const unsigned char *tok, size_t len,
                            ticket_info *ti)
{
    AP_REQ req;

    if (!neg_krb5_decode_ap_req(tok, len, &req))
        return 0;
    ticket_info_of(p, &req, ti);
    free_AP_REQ(&req);
    return 1;
}

static const char *keys_for(apr_pool_t *p, const neg_krb5_acceptor *a,
                            const char *principal)
{
    const char *list = NULL;
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const key_info *k = &APR_ARRAY_IDX(a->keys, i, key_info);
        if (strcmp(k->principal, principal) == 0)
            list = apr_psprintf(p, "%s%skvno %d %s", list ? list : "",
                                list ? ", " : "", k->kvno, neg_krb5_enctype_name(k->enctype));
    }
    return list;
}

static const char *missing_key_hint(apr_pool_t *p, const neg_krb5_acceptor *a,
                                    const ticket_info *ti)
{
    const char *have = keys_for(p, a, ti->principal);

    if (have == NULL)
        return apr_psprintf(p, "the keytab %s has no key for %s (searched with "
                            "%s): export that SPN's key into the keytab, or "
                            "if the ticket is for the wrong name, fix the "
                            "client's URL or the SPN registration in AD",
                            a->keytab_name, ti->principal, a->scope);
    return apr_psprintf(p, "the keytab %s holds %s only with %s: the "
                        "account's password (and kvno) changed after the "
                        "keytab was exported; export the keytab again",
                        a->keytab_name, ti->principal, have);
}

static const char *failure_hint(apr_pool_t *p, const neg_krb5_acceptor *a,
                                const ticket_info *ti, OM_uint32 minor)
{
    switch ((krb5_error_code)minor) {
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_END:
    case KRB5KRB_AP_ERR_NOKEY:
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5KRB_AP_ERR_NOT_US:
        return ti->principal ? missing_key_hint(p, a, ti)
                             : "the keytab has no matching key";
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5KRB_AP_ERR_MODIFIED:
        return "the ticket did not decrypt with the keytab's key: either the "
               "keytab is stale (export it again) or the token was altered";
    case KRB5KRB_AP_ERR_SKEW:
        return "the client's and the server's clocks differ by more than the "
               "allowed skew: synchronise both with the domain (NTP)";
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return "the ticket has expired: the client must get a new one "
               "(log on again, or kinit)";
    case KRB5KRB_AP_ERR_TKT_NYV:
        return "the ticket is not valid yet: synchronise the clocks (NTP)";
    case KRB5KRB_AP_ERR_REPEAT:
        return "the authenticator was replayed";
    default:
        return "the client's token was refused";
    }
}

static const char *gss_status_text(apr_pool_t *p, OM_uint32 code, int type)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc msg;
    const char *text = NULL;

    do {
        if (GSS_ERROR(gss_display_status(&minor, code, type, GSS_KRB5_MECHANISM,
                                         &ctx, &msg)))
            break;
        text = apr_pstrcat(p, text ? text : "", text ? "; " : "",
                           apr_pstrndup(p, msg.value, msg.length), NULL);
        gss_release_buffer(&minor, &msg);
    } while (ctx != 0);
    return text ? text : "unknown";
}

/* The error code of the KRB-ERROR that Heimdal's acceptor puts in its
 * output token (GSS framing, TOK_ID 03 00) when it refuses an AP-REQ for
 * clock skew or a ticket that is not valid yet, returning CONTINUE_NEEDED
 * so that the client may retry with the server's time (RFC 4121 4.1,
 * MS-KILE 3.4.5.4). 0 when the token is not one. */
krb5_error_code neg_krb5_error_in(const gss_buffer_desc *out)
{
    gss_buffer_desc inner = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;
    KRB_ERROR err;
    krb5_error_code code = 0;
    size_t used;

    if (out == NULL || out->length == 0
        || gss_decapsulate_token(out, GSS_KRB5_MECHANISM, &inner) != GSS_S_COMPLETE)
        return 0;
    memset(&err, 0, sizeof(err));
    if (inner.length > 2 && ((unsigned char *)inner.value)[0] == 0x03
        && ((unsigned char *)inner.value)[1] == 0x00
        && decode_KRB_ERROR((unsigned char *)inner.value + 2, inner.length - 2,
                            &err, &used) == 0) {
        code = err.error_code != 0 ? (krb5_error_code)(KRB5KDC_ERR_NONE + err.error_code) : 0;
        free_KRB_ERROR(&err);
    }
    gss_release_buffer(&minor, &inner);
    return code;
}

const char *neg_krb5_describe_failure(apr_pool_t *p, const neg_krb5_acceptor *a,
                                    const unsigned char *tok, size_t len,
                                    OM_uint32 major, OM_uint32 minor,
                                    const gss_buffer_desc *out)
{
    ticket_info ti;
    const char *ticket = "an unreadable Kerberos token";
    const char *detail;
    krb5_error_code kerr = 0;

    memset(&ti, 0, sizeof(ti));
    ti.kvno = -1;
    if (neg_krb5_read_ticket_info(p, tok, len, &ti))
        ticket = apr_psprintf(p, "a Kerberos ticket for %s (kvno %d, %s)",
                              ti.principal ? ti.principal : "an overlong name",
                              ti.kvno, neg_krb5_enctype_name(ti.enctype));
    if (major == GSS_S_CONTINUE_NEEDED && (kerr = neg_krb5_error_in(out)) != 0)
        minor = (OM_uint32)kerr;   /* a refusal with a KRB-ERROR reply */
    else if (major == GSS_S_CONTINUE_NEEDED)
        return apr_psprintf(p, "%s asked for a multi-leg (DCE-style) Kerberos "
                            "exchange, which HTTP does not support", ticket);
    detail = kerr != 0 ? neg_krb5_message(p, a->kctx, kerr)
                       : gss_status_text(p, minor, GSS_C_MECH_CODE);
    return apr_psprintf(p, "refused %s: %s [%s (GSS major 0x%x, minor %d)]",
                        ticket, failure_hint(p, a, &ti, minor),
                        minor ? detail : gss_status_text(p, major, GSS_C_GSS_CODE),
                        (unsigned)major, (int)minor);
}

/* Is a key of this name loaded? Without regard to case, as AD compares
 * SPNs and realms (the replay key does not depend on the names). */
static int holds_key_named(const neg_krb5_acceptor *a, const char *principal)
{
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(a->keys, i, key_info).principal, principal) == 0)
            return 1;
    }
    return 0;
}

/* The names of the loaded keys, each once. */
static const char *key_names(apr_pool_t *p, const neg_krb5_acceptor *a)
{
    const char *list = NULL;
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const char *n = APR_ARRAY_IDX(a->keys, i, key_info).principal;

        if (list == NULL || strstr(list, n) == NULL)
            list = list ? apr_pstrcat(p, list, ", ", n, NULL) : n;
    }
    return list ? list : "none";
}

const char *neg_krb5_acceptor_keys(apr_pool_t *p, const neg_krb5_acceptor *a)
{
    const char *list = "";
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const key_info *k = &APR_ARRAY_IDX(a->keys, i, key_info);

        list = apr_psprintf(p, "%s%s%s kvno %d", list, i ? ", " : "",
                            k->principal, k->kvno);
    }
    return list;
}

/* Read the ticket's service and the replay key (replay.h) from the AP-REQ
 * that was just accepted, and check the service against
 * NegotiateServicePrincipal and the names of the keys.
 *
 * Heimdal, given no acceptor name, tries every key of the keytab, and then
 * reports the name of the key that worked; so a ticket for another SPN of
 * the same account (same key) is accepted by an allowed principal's key.
 * NegotiateServicePrincipal is about names: check the service named in the
 * ticket (RFC 4120 5.3: sname is outside the encrypted part, so this is a
 * policy on what the client asked for; SPNs that must be kept apart need
 * separate accounts, hence separate keys). */
/* Does a key of this name have this identity (decrypt the ticket)? */
static int name_has_key(const neg_krb5_acceptor *a, const char *principal,
                        const unsigned char key_id[NEG_KRB5_KEY_ID_LEN])
{
    int i;

    for (i = 0; i < a->keys->nelts; i++) {
        const key_info *k = &APR_ARRAY_IDX(a->keys, i, key_info);

        if (strcasecmp(k->principal, principal) == 0
            && neg_ct_equal(k->key_id, key_id, NEG_KRB5_KEY_ID_LEN))
            return 1;
    }
    return 0;
}

const char *neg_krb5_check_ticket_service(apr_pool_t *p,
                                        const neg_krb5_acceptor *a,
                                        const AP_REQ *req,
                                        const unsigned char key_id[NEG_KRB5_KEY_ID_LEN],
                                        neg_krb5_result *res)
{
    ticket_info ti;

    memset(&ti, 0, sizeof(ti));
    ticket_info_of(p, req, &ti);
    if (ti.principal == NULL)
        return neg_krb5_service_name_refused(p, req);
    res->service = ti.principal;
    memcpy(res->replay_key, ti.replay_key, sizeof(res->replay_key));
    res->has_replay_key = 1;
    if (!neg_krb5_principal_allowed(a->allowed, ti.principal))
        return apr_psprintf(p, "refused a Kerberos ticket for %s (kvno %d, %s): "
                            "the keytab %s has no key for %s (searched with "
                            "%s); add it to NegotiateServicePrincipal if it "
                            "should be accepted here", ti.principal, ti.kvno,
                            neg_krb5_enctype_name(ti.enctype), a->keytab_name,
                            ti.principal, a->scope);
    if (!holds_key_named(a, ti.principal))
        return apr_psprintf(p, "refused a Kerberos ticket for %s (kvno %d, %s): "
                            "no key of the keytab %s has that name (%s), yet "
                            "the key of another name decrypted it. A ticket's "
                            "service name travels in clear text: the token was "
                            "altered, or the client asked for another SPN of "
                            "the same account; export that SPN's key into the "
                            "keytab if it should be accepted",
                            ti.principal, ti.kvno, neg_krb5_enctype_name(ti.enctype),
                            a->keytab_name, key_names(p, a));
    /* The name is clear text: it must be a name of the key that decrypted
     * the ticket (several SPNs of one account share its key), or one
     * service's ticket, renamed, would pass for another's (Heimdal tries
     * every key when the name and kvno select none). */
    if (!name_has_key(a, ti.principal, key_id))
        return apr_psprintf(p, "refused a Kerberos ticket for %s (kvno %d, %s): "
                            "the key that decrypted it is not a key of that name "
                            "in the keytab %s: its clear-text service name was "
                            "rewritten (a ticket for another service of this "
                            "keytab, renamed)", ti.principal, ti.kvno,
                            neg_krb5_enctype_name(ti.enctype), a->keytab_name);
    return NULL;
}

