/*
 * setup_probe_krb5.c - the Kerberos facts about a deployment (see
 * setup_probe_krb5.h): the keytab's keys, the KDC's time, and a ticket
 * from the KDC through the module's own acceptor.
 */
#include "setup_probe_krb5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <krb5_asn1.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "kerberos.h"

/* ------------------------------------------------------------- helpers */

static const char *krb5_text(apr_pool_t *p, krb5_context ctx, krb5_error_code code)
{
    const char *msg = krb5_get_error_message(ctx, code);
    const char *copy = apr_pstrdup(p, msg ? msg : "unknown Kerberos error");

    krb5_free_error_message(ctx, msg);
    return copy;
}

static const char *enctype_text(apr_pool_t *p, krb5_context ctx, int enctype)
{
    char *s = NULL;
    const char *out;

    if (krb5_enctype_to_string(ctx, (krb5_enctype)enctype, &s) != 0 || s == NULL)
        return apr_psprintf(p, "enctype %d", enctype);
    out = apr_pstrdup(p, s);
    free(s);
    return out;
}

/* -------------------------------------------------------------- keytab */

const char *neg_probe_keytab(apr_pool_t *p, const char *keytab,
                             const char **resolved, const char **path,
                             neg_key **keys, size_t *n_keys)
{
    krb5_context ctx;
    krb5_keytab kt = NULL;
    krb5_kt_cursor cursor;
    krb5_keytab_entry entry;
    krb5_error_code code;
    apr_array_header_t *list = apr_array_make(p, 8, sizeof(neg_key));
    char defname[1024];
    const char *error = NULL;

    *keys = NULL;
    *n_keys = 0;
    *path = NULL;
    if (krb5_init_context(&ctx) != 0)
        return "cannot initialise Kerberos: check KRB5_CONFIG and krb5.conf";
    if (keytab == NULL) {
        krb5_kt_default_name(ctx, defname, sizeof(defname));
        keytab = defname;
    }
    *resolved = strchr(keytab, ':') == NULL ? apr_pstrcat(p, "FILE:", keytab, NULL)
                                            : apr_pstrdup(p, keytab);
    if (strncmp(*resolved, "FILE:", 5) == 0)
        *path = *resolved + 5;
    else if (strncmp(*resolved, "WRFILE:", 7) == 0)
        *path = *resolved + 7;
    code = krb5_kt_resolve(ctx, *resolved, &kt);
    if (code == 0)
        code = krb5_kt_start_seq_get(ctx, kt, &cursor);
    if (code != 0) {
        error = apr_psprintf(p, "cannot read the keytab %s: %s", *resolved,
                             krb5_text(p, ctx, code));
        goto done;
    }
    while (krb5_kt_next_entry(ctx, kt, &entry, &cursor) == 0) {
        char *name = NULL;
        if (krb5_unparse_name(ctx, entry.principal, &name) == 0) {
            neg_key *k = apr_array_push(list);
            k->principal = apr_pstrdup(p, name);
            k->kvno = (int)entry.vno;
            k->enctype = (int)entry.keyblock.keytype;
            k->enctype_name = enctype_text(p, ctx, k->enctype);
            krb5_xfree(name);
        }
        krb5_kt_free_entry(ctx, &entry);
    }
    krb5_kt_end_seq_get(ctx, kt, &cursor);
    *keys = (neg_key *)list->elts;
    *n_keys = (size_t)list->nelts;

done:
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    krb5_free_context(ctx);
    return error;
}

/* ------------------------------------------------------------ KDC time */

static double now_seconds(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* An AS-REQ without pre-authentication for a principal that does not
 * exist: every KDC answers it with a KRB-ERROR (C_PRINCIPAL_UNKNOWN),
 * which carries the KDC's time (stime, susec). */
static const char *encode_probe(apr_pool_t *p, krb5_context ctx, const char *realm,
                                krb5_data *out)
{
    AS_REQ req;
    PrincipalName cname, sname;
    heim_general_string cname_s[1], sname_s[2];
    KerberosTime till = time(NULL) + 3600;
    ENCTYPE etypes[2] = { KRB5_ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                          KRB5_ENCTYPE_AES128_CTS_HMAC_SHA1_96 };
    size_t len = 0;
    void *buf = NULL;
    int ret;

    memset(&req, 0, sizeof(req));
    cname_s[0] = "negotiate-doctor-clock-probe";
    cname.name_type = KRB5_NT_PRINCIPAL;
    cname.name_string.len = 1;
    cname.name_string.val = cname_s;
    sname_s[0] = "krbtgt";
    sname_s[1] = (char *)realm;
    sname.name_type = KRB5_NT_SRV_INST;
    sname.name_string.len = 2;
    sname.name_string.val = sname_s;
    req.pvno = 5;
    req.msg_type = krb_as_req;
    req.req_body.cname = &cname;
    req.req_body.realm = (char *)realm;
    req.req_body.sname = &sname;
    req.req_body.till = &till;
    req.req_body.nonce = (krb5int32)(getpid() ^ time(NULL));
    req.req_body.etype.len = 2;
    req.req_body.etype.val = etypes;
    ASN1_MALLOC_ENCODE(AS_REQ, buf, len, &req, &len, ret);
    if (ret != 0)
        return apr_psprintf(p, "cannot encode an AS-REQ: %s", krb5_text(p, ctx, ret));
    out->data = buf;
    out->length = len;
    return NULL;
}

const char *neg_probe_kdc_time(apr_pool_t *p, const char *realm, double *offset,
                               const char **kdc, int *max_skew)
{
    krb5_context ctx;
    krb5_data req, reply;
    krb5_realm r;
    KRB_ERROR err;
    char *def = NULL;
    const char *error;
    double sent, received;
    size_t used;
    krb5_error_code code;

    *offset = 0;
    *max_skew = 300;
    *kdc = "?";
    if (krb5_init_context(&ctx) != 0)
        return "cannot initialise Kerberos: check KRB5_CONFIG and krb5.conf";
    *max_skew = (int)krb5_get_max_time_skew(ctx);
    krb5_data_zero(&reply);
    if (realm == NULL && krb5_get_default_realm(ctx, &def) == 0)
        realm = apr_pstrdup(p, def);
    if (def != NULL)
        krb5_xfree(def);
    if (realm == NULL) {
        error = "no realm: pass --realm or set default_realm in krb5.conf";
        goto done;
    }
    *kdc = apr_psprintf(p, "of %s", realm);
    error = encode_probe(p, ctx, realm, &req);
    if (error != NULL)
        goto done;
    r = (krb5_realm)realm;
    sent = now_seconds();
    code = krb5_sendto_kdc(ctx, &req, &r, &reply);
    received = now_seconds();
    free(req.data);
    if (code != 0) {
        error = apr_psprintf(p, "no KDC of %s answered: %s", realm,
                             krb5_text(p, ctx, code));
        goto done;
    }
    memset(&err, 0, sizeof(err));
    if (decode_KRB_ERROR(reply.data, reply.length, &err, &used) != 0) {
        error = apr_psprintf(p, "the KDC of %s answered the clock probe with "
                             "something else than a KRB-ERROR", realm);
        goto done;
    }
    *offset = (sent + received) / 2 - ((double)err.stime + err.susec / 1e6);
    free_KRB_ERROR(&err);

done:
    krb5_data_free(&reply);
    krb5_free_context(ctx);
    return error;
}

/* ---------------------------------------------------------- KDC ticket */

static neg_kdc_answer classify(krb5_error_code code)
{
    switch (code) {
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return NEG_KDC_UNKNOWN_SPN;
    case KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE:
        return NEG_KDC_NOT_UNIQUE;
    case KRB5KRB_AP_ERR_SKEW:
        return NEG_KDC_SKEW;
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_UNKNOWN:
        return NEG_KDC_UNREACHABLE;
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return NEG_KDC_CREDS_EXPIRED;
    case KRB5_CC_NOTFOUND:
    case KRB5_CC_END:
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOSUPP:
    case ENOENT:
        return NEG_KDC_NO_CREDENTIALS;
    default:
        return NEG_KDC_OTHER;
    }
}

/* The credentials to ask with, in a MEMORY ccache of our own: a TGT from
 * --user/--password, or the TGTs of the user's ccache (so that the ticket
 * we ask for is fresh, not one cached before a key change). */
static krb5_error_code get_tgt(krb5_context ctx, const neg_kdc_request *req,
                               krb5_ccache mem, krb5_principal *client,
                               neg_kdc_answer *fail)
{
    krb5_error_code code;
    krb5_ccache src = NULL;
    krb5_cc_cursor cur;
    krb5_creds c;
    int copied = 0;

    if (req->user != NULL) {
        krb5_get_init_creds_opt *opt = NULL;
        *fail = NEG_KDC_LOGON_FAILED;
        code = krb5_parse_name(ctx, req->user, client);
        if (code == 0)
            code = krb5_get_init_creds_opt_alloc(ctx, &opt);
        if (code == 0)
            code = krb5_get_init_creds_password(ctx, &c, *client,
                                                req->password ? req->password : "",
                                                NULL, NULL, 0, NULL, opt);
        if (opt != NULL)
            krb5_get_init_creds_opt_free(ctx, opt);
        if (code == 0) {
            code = krb5_cc_initialize(ctx, mem, *client);
            if (code == 0)
                code = krb5_cc_store_cred(ctx, mem, &c);
            krb5_free_cred_contents(ctx, &c);
        }
        return code;
    }
    *fail = NEG_KDC_NO_CREDENTIALS;
    code = krb5_cc_default(ctx, &src);
    if (code == 0)
        code = krb5_cc_get_principal(ctx, src, client);
    if (code == 0)
        code = krb5_cc_initialize(ctx, mem, *client);
    if (code == 0)
        code = krb5_cc_start_seq_get(ctx, src, &cur);
    if (code == 0) {
        while (krb5_cc_next_cred(ctx, src, &cur, &c) == 0) {
            if (krb5_principal_is_krbtgt(ctx, c.server)
                && krb5_cc_store_cred(ctx, mem, &c) == 0)
                copied++;
            krb5_free_cred_contents(ctx, &c);
        }
        krb5_cc_end_seq_get(ctx, src, &cur);
        if (copied == 0)
            code = KRB5_CC_NOTFOUND;
    }
    if (src != NULL)
        krb5_cc_close(ctx, src);
    return code;
}

/* What a browser sends: a GSS krb5 token (RFC 4121) with an AP-REQ for the
 * ticket now in the MEMORY ccache. */
static const char *make_token(apr_pool_t *p, krb5_ccache mem, const char *service,
                              gss_buffer_desc *token)
{
    OM_uint32 major, minor, ignored;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_name_t name = GSS_C_NO_NAME;
    gss_ctx_id_t gctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc name_buf;
    const char *error = NULL;

    name_buf.value = (void *)service;
    name_buf.length = strlen(service);
    major = gss_krb5_import_cred(&minor, mem, NULL, NULL, &cred);
    if (!GSS_ERROR(major))
        major = gss_import_name(&minor, &name_buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    if (!GSS_ERROR(major))
        major = gss_init_sec_context(&minor, cred, &gctx, name, GSS_KRB5_MECHANISM,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                     GSS_C_NO_BUFFER, NULL, token, NULL, NULL);
    if (GSS_ERROR(major))
        error = apr_psprintf(p, "cannot build a GSS token for %s (GSS major 0x%x, "
                             "minor %d)", service, (unsigned)major, (int)minor);
    if (gctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&ignored, &gctx, GSS_C_NO_BUFFER);
    if (name != GSS_C_NO_NAME)
        gss_release_name(&ignored, &name);
    if (cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&ignored, &cred);
    return error;
}

/* The module's acceptor (kerberos.c) with this keytab. */
static void accept_token(apr_pool_t *p, const neg_kdc_request *req,
                         const gss_buffer_desc *token, neg_kdc_facts *out)
{
    static int initialised;
    neg_krb5_acceptor *a;
    neg_krb5_result res;
    const char *error = NULL, *warning = NULL;

    if (!initialised) {
        apr_pool_t *process;
        apr_pool_create(&process, NULL);
        initialised = neg_krb5_init(process);
    }
    a = initialised ? neg_krb5_acquire(req->keytab, req->principals, p, &error, &warning)
                    : NULL;
    if (a == NULL) {
        out->accepted = -1;
        out->accept_error = error ? error : "cannot initialise the acceptor";
        return;
    }
    if (neg_krb5_accept(a, token->value, token->length, p, NULL, NULL, 0, &res)) {
        out->accepted = 1;
        out->accepted_as = res.principal;
    }
    else {
        out->accepted = 0;
        out->accept_error = res.error;
    }
    neg_krb5_release(a);
}

static void read_ticket(apr_pool_t *p, krb5_context ctx, const krb5_creds *c,
                        neg_kdc_facts *out)
{
    Ticket t;
    size_t used;

    out->kvno = -1;
    if (decode_Ticket(c->ticket.data, c->ticket.length, &t, &used) != 0)
        return;
    out->kvno = t.enc_part.kvno ? *t.enc_part.kvno : -1;
    out->enctype = t.enc_part.etype;
    out->enctype_name = enctype_text(p, ctx, out->enctype);
    free_Ticket(&t);
}

void neg_probe_kdc(apr_pool_t *p, const neg_kdc_request *req, neg_kdc_facts *out)
{
    krb5_context ctx;
    krb5_ccache mem = NULL;
    krb5_principal client = NULL, server = NULL;
    krb5_creds in, *ticket = NULL;
    krb5_error_code code;
    neg_kdc_answer fail = NEG_KDC_NO_CREDENTIALS;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    OM_uint32 ignored;
    char *name = NULL;
    const char *error;

    memset(out, 0, sizeof(*out));
    out->kvno = -1;
    out->accepted = -1;
    if (krb5_init_context(&ctx) != 0) {
        out->answer = NEG_KDC_OTHER;
        out->detail = "cannot initialise Kerberos: check KRB5_CONFIG and krb5.conf";
        return;
    }
    code = krb5_cc_new_unique(ctx, "MEMORY", NULL, &mem);
    if (code == 0)
        code = get_tgt(ctx, req, mem, &client, &fail);
    if (code != 0) {
        out->answer = classify(code);
        if (out->answer == NEG_KDC_OTHER
            || (req->user != NULL && out->answer != NEG_KDC_UNREACHABLE
                && out->answer != NEG_KDC_SKEW))
            out->answer = fail;
        out->detail = krb5_text(p, ctx, code);
        goto done;
    }
    if (krb5_unparse_name(ctx, client, &name) == 0) {
        out->client = apr_pstrdup(p, name);
        krb5_xfree(name);
    }
    code = krb5_parse_name(ctx, apr_pstrcat(p, req->spn, "@",
                                            req->realm ? req->realm
                                                       : krb5_principal_get_realm(ctx, client),
                                            NULL), &server);
    if (code == 0 && krb5_unparse_name(ctx, server, &name) == 0) {
        out->service = apr_pstrdup(p, name);
        krb5_xfree(name);
    }
    memset(&in, 0, sizeof(in));
    in.client = client;
    in.server = server;
    if (code == 0)
        code = krb5_get_credentials(ctx, 0, mem, &in, &ticket);
    if (code != 0) {
        out->answer = classify(code);
        out->detail = krb5_text(p, ctx, code);
        goto done;
    }
    out->answer = NEG_KDC_TICKET;
    read_ticket(p, ctx, ticket, out);
    error = make_token(p, mem, out->service, &token);
    if (error != NULL) {
        out->accept_error = error;
        goto done;
    }
    accept_token(p, req, &token, out);

done:
    gss_release_buffer(&ignored, &token);
    if (ticket != NULL)
        krb5_free_creds(ctx, ticket);
    if (server != NULL)
        krb5_free_principal(ctx, server);
    if (client != NULL)
        krb5_free_principal(ctx, client);
    if (mem != NULL)
        krb5_cc_destroy(ctx, mem);
    krb5_free_context(ctx);
}
