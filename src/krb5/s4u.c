/*
 * s4u.c - constrained delegation to back ends (see s4u.h): the tickets
 * of one request, from this process's cache or from the KDC (S4U2Self,
 * S4U2Proxy), into the request's ccache; and the doctor's check. The
 * service's TGT and the KDC's words are s4u_kdc.c's.
 */
#include "s4u.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#include "apr_strings.h"

#include "kerberos.h"
#include "s4u_cache.h"
#include "s4u_kdc.h"
#include "secret.h"

/* The cache of delegated tickets, per process (s4u_cache.h). */
#define CACHE_ENTRIES 2048
#define CACHE_BYTES ((size_t)4 << 20)

static void refuse(apr_pool_t *p, neg_s4u_result *res, const char *tag,
                   const char *msg)
{
    neg_s4u_refusal *r = apr_array_push(res->refusals);

    r->tag = tag;
    r->message = msg;
}

/* ------------------------------------------------------------ the cache */

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static neg_s4u_cache *cache;
static apr_pool_t *cache_pool;
static pthread_mutex_t cache_pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void cache_make(void)
{
    apr_pool_t *p = NULL;

    pthread_mutex_lock(&cache_pool_lock);
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) == APR_SUCCESS) {
        cache_pool = p;
        cache = neg_s4u_cache_create(p, CACHE_ENTRIES, CACHE_BYTES);
    }
    pthread_mutex_unlock(&cache_pool_lock);
}

/* The child's end: its cache's tickets wiped and freed (the module is
 * unloaded after, and a static nobody can reach would be a leak). */
static apr_status_t cache_forget(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&cache_pool_lock);
    cache = NULL;
    if (cache_pool != NULL)
        apr_pool_destroy(cache_pool);
    cache_pool = NULL;
    pthread_mutex_unlock(&cache_pool_lock);
    return APR_SUCCESS;
}

void neg_s4u_child_init(apr_pool_t *pchild)
{
    apr_pool_cleanup_register(pchild, NULL, cache_forget, apr_pool_cleanup_null);
}

/* This process's cache (made at the first use: after the fork), or NULL. */
static neg_s4u_cache *the_cache(void)
{
    pthread_once(&cache_once, cache_make);
    return cache;
}

typedef struct {
    char *data;
    size_t len;
} cache_key;

/* Every field that makes a ticket right for this use, each followed by
 * a NUL (no field holds one): what the evidence was, the keytab, the
 * service the client's ticket was for, the user exactly, the SPN. */
static cache_key key_of(apr_pool_t *p, const char *kind, const char *ktid,
                        const neg_s4u_request *req, const char *spn)
{
    const char *f[6];
    cache_key k;
    size_t n[6];
    char *at;
    int i;

    f[0] = kind;
    f[1] = ktid;
    f[2] = req->service ? req->service : "";
    f[3] = req->user;
    f[4] = req->user_sid ? req->user_sid : "";
    f[5] = spn;
    k.len = 0;
    for (i = 0; i < 6; i++)
        k.len += (n[i] = strlen(f[i]) + 1);
    k.data = at = apr_palloc(p, k.len);
    for (i = 0; i < 6; i++) {
        memcpy(at, f[i], n[i]);
        at += n[i];
    }
    return k;
}

/* The kind of evidence of a back-end ticket: the client's own ticket (and
 * whether it said it was forwardable), or protocol transition. */
static const char *proxy_kind(apr_pool_t *p, const neg_s4u_request *req)
{
    if (req->evidence == NULL)
        return "S4U2Proxy after S4U2Self";
    return apr_psprintf(p, "S4U2Proxy with the client's ticket, forwardable %d",
                        req->evidence_forwardable);
}

static void cache_put(krb5_context kctx, const cache_key *k, krb5_creds *c)
{
    neg_s4u_cache *cc = the_cache();
    krb5_storage *sp;
    krb5_data d;
    int64_t now = (int64_t)time(NULL);
    int64_t start = c->times.starttime ? c->times.starttime : c->times.authtime;
    int64_t until = neg_s4u_cache_usable_until(start, c->times.endtime);

    if (cc == NULL || until <= now || (sp = krb5_storage_emem()) == NULL)
        return;
    krb5_data_zero(&d);
    if (krb5_store_creds(sp, c) == 0 && krb5_storage_to_data(sp, &d) == 0)
        neg_s4u_cache_put(cc, k->data, k->len, d.data, d.length, until, now);
    krb5_storage_free(sp);
    if (d.data != NULL)
        neg_wipe(d.data, d.length);
    krb5_data_free(&d);
}

/* The credential cached under k into *out (krb5_free_cred_contents it):
 * 1, or 0 when there is none. */
static int cache_get(apr_pool_t *p, krb5_context kctx, const cache_key *k,
                     krb5_creds *out)
{
    neg_s4u_cache *cc = the_cache();
    krb5_storage *sp;
    void *v;
    size_t n;
    int ok = 0;
    time_t now = time(NULL);

    memset(out, 0, sizeof(*out));
    if (cc == NULL || !neg_s4u_cache_get(cc, k->data, k->len, (int64_t)now, p,
                                         &v, &n))
        return 0;
    if ((sp = krb5_storage_from_readonly_mem(v, n)) != NULL) {
        ok = krb5_ret_creds(sp, out) == 0;
        krb5_storage_free(sp);
    }
    neg_wipe(v, n);                 /* the session key, in the request's pool */
    if (ok && out->times.endtime <= now) {
        krb5_free_cred_contents(kctx, out);
        ok = 0;
    }
    return ok;
}

/* ------------------------------------------------------- one delegation */

typedef struct {
    apr_pool_t *p;
    krb5_context kctx;
    const neg_s4u_request *req;
    neg_s4u_result *res;
    krb5_principal user;
    krb5_ccache out_cc;             /* the request's ccache, once made */
    const char *ktid;
    int stored;
} run;

/* One ticket into the request's ccache, made at the first. 0, or -1 after
 * a refusal (NEG1106: no ccache can be written). */
static int deliver(run *r, krb5_creds *c)
{
    const char *err = NULL, *path = NULL;
    krb5_error_code code = 0;

    if (r->out_cc == NULL) {
        err = neg_krb5_new_ccache_file(r->p, r->req->dir, "delegated tickets",
                                       &path);
        if (err == NULL
            && ((code = krb5_cc_resolve(r->kctx, apr_pstrcat(r->p, "FILE:", path,
                                                             NULL), &r->out_cc)) != 0
                || (code = krb5_cc_initialize(r->kctx, r->out_cc, r->user)) != 0))
            err = apr_psprintf(r->p, "cannot write the ccache %s: %s", path,
                               neg_s4u_message(r->p, r->kctx, code));
        if (err != NULL) {
            refuse(r->p, r->res, "NEG1106", err);
            return -1;
        }
        r->res->ccache = path;
    }
    if (krb5_cc_store_cred(r->kctx, r->out_cc, c) == 0)
        r->stored++;
    return 0;
}

/* The SPNs whose tickets this process has: into the request's ccache;
 * the others into *missing. 0, or -1 after a refusal. */
static int from_cache(run *r, apr_array_header_t *missing)
{
    const char *kind = proxy_kind(r->p, r->req);
    int i, rc = 0;

    for (i = 0; i < r->req->spns->nelts; i++) {
        const char *spn = APR_ARRAY_IDX(r->req->spns, i, const char *);
        cache_key k = key_of(r->p, kind, r->ktid, r->req, spn);
        krb5_creds c;

        if (rc == 0 && cache_get(r->p, r->kctx, &k, &c)) {
            rc = deliver(r, &c);
            if (rc == 0)
                r->res->n_from_cache++;
            krb5_free_cred_contents(r->kctx, &c);
        }
        else
            APR_ARRAY_PUSH(missing, const char *) = spn;
    }
    return rc;
}

/* S4U2Self: a ticket as req->user to the account itself, forwardable,
 * into *got (krb5_free_creds it). NULL, or why not. */
static const char *self_ticket(apr_pool_t *p, krb5_context kctx,
                               const neg_s4u_request *req, krb5_ccache cc,
                               const char *account, krb5_creds **got,
                               const char **tag)
{
    krb5_get_creds_opt opt = NULL;
    krb5_principal user = NULL, self = NULL;
    krb5_creds *out = NULL;
    krb5_error_code code;
    const char *err = NULL;
    const char *acct = apr_pstrndup(p, account, strcspn(account, "@"));

    *tag = "NEG1105";
    *got = NULL;
    code = krb5_parse_name(kctx, req->user, &user);
    if (code == 0)
        code = krb5_parse_name(kctx, account, &self);
    if (code == 0)
        code = krb5_get_creds_opt_alloc(kctx, &opt);
    if (code == 0) {
        krb5_get_creds_opt_set_options(kctx, opt, KRB5_GC_NO_STORE | KRB5_GC_FORWARDABLE);
        code = krb5_get_creds_opt_set_impersonate(kctx, opt, user);
    }
    if (code == 0)
        code = krb5_get_creds(kctx, opt, cc, self, &out);
    if (code != 0) {
        if (neg_s4u_is_timeout(code))
            *tag = "NEG1104";
        err = apr_psprintf(p, "protocol transition (S4U2Self) for %s refused: "
                           "%s", req->user, neg_s4u_message(p, kctx, code));
    }
    else if (!out->flags.b.forwardable) {
        err = apr_psprintf(p, "protocol transition (S4U2Self) for %s gave a "
                           "ticket that is not forwardable, so no back end "
                           "ticket can follow: the account %s is not trusted "
                           "to delegate for any protocol (samba-tool "
                           "delegation for-any-protocol %s on; "
                           "Set-ADAccountControl %s "
                           "-TrustedToAuthForDelegation $true), or the user "
                           "is \"sensitive and cannot be delegated\"",
                           req->user, account, acct, acct);
    }
    else {
        *got = out;
        out = NULL;
    }
    if (out != NULL)
        krb5_free_creds(kctx, out);
    if (opt != NULL)
        krb5_get_creds_opt_free(kctx, opt);
    if (user != NULL)
        krb5_free_principal(kctx, user);
    if (self != NULL)
        krb5_free_principal(kctx, self);
    return err;
}

/* The evidence for S4U2Proxy after a logon without a ticket: the S4U2Self
 * ticket this process got for the user before, or a new one (cached when
 * forwardable). Its DER into *der (krb5_data_free it). NULL, or why not. */
static const char *self_evidence(run *r, krb5_ccache work, const char *account,
                                 krb5_data *der, const char **tag)
{
    cache_key k = key_of(r->p, "S4U2Self", r->ktid, r->req, "");
    krb5_creds c, *got = NULL;
    const char *err = NULL;

    krb5_data_zero(der);
    if (cache_get(r->p, r->kctx, &k, &c)) {
        r->res->self_from_cache = 1;
        if (krb5_data_copy(der, c.ticket.data, c.ticket.length) != 0)
            err = "out of memory";
        krb5_free_cred_contents(r->kctx, &c);
        *tag = "NEG1103";
        return err;
    }
    err = self_ticket(r->p, r->kctx, r->req, work, account, &got, tag);
    if (err != NULL)
        return err;
    cache_put(r->kctx, &k, got);
    if (krb5_data_copy(der, got->ticket.data, got->ticket.length) != 0) {
        *tag = "NEG1103";
        err = "out of memory";
    }
    krb5_free_creds(r->kctx, got);
    return err;
}

/* S4U2Proxy for each SPN of missing, with the evidence in opt; each ticket
 * into the request's ccache and this process's cache. */
static void proxy_all(run *r, krb5_ccache work, krb5_get_creds_opt opt,
                      const neg_s4u_request *rr, const char *account,
                      const apr_array_header_t *missing)
{
    const char *kind = proxy_kind(r->p, r->req);
    krb5_error_code code;
    int i;

    for (i = 0; i < missing->nelts; i++) {
        const char *spn = APR_ARRAY_IDX(missing, i, const char *);
        krb5_principal server = NULL;
        krb5_creds *got = NULL;
        cache_key k;
        int rc;

        code = krb5_parse_name(r->kctx, spn, &server);
        if (code == 0)
            code = krb5_get_creds(r->kctx, opt, work, server, &got);
        if (server != NULL)
            krb5_free_principal(r->kctx, server);
        if (code != 0) {
            refuse(r->p, r->res, neg_s4u_is_timeout(code) ? "NEG1104" : "NEG1101",
                   neg_s4u_proxy_refused(r->p, r->kctx, rr, account, spn, code));
            if (neg_s4u_is_timeout(code))
                break;      /* one bounded wait per request, not one per SPN */
            continue;
        }
        k = key_of(r->p, kind, r->ktid, r->req, spn);
        cache_put(r->kctx, &k, got);
        rc = deliver(r, got);
        krb5_free_creds(r->kctx, got);
        if (rc != 0)
            return;
        r->res->n_from_kdc++;
    }
}

/* The tickets of missing from the KDC: the service's TGT, the evidence
 * (S4U2Self first when the client gave no ticket), S4U2Proxy. */
static void from_kdc(run *r, const apr_array_header_t *missing)
{
    krb5_ccache work = NULL;
    krb5_get_creds_opt opt = NULL;
    krb5_data self_der;
    neg_s4u_request rr = *r->req;
    Ticket evidence;
    size_t used;
    const char *account = NULL, *err, *tag = "NEG1103";
    krb5_error_code code = 0;
    int have_ticket = 0;

    krb5_data_zero(&self_der);
    if ((code = krb5_cc_new_unique(r->kctx, "MEMORY", NULL, &work)) != 0) {
        refuse(r->p, r->res, "NEG1103", neg_s4u_message(r->p, r->kctx, code));
        return;
    }
    if ((err = neg_s4u_service_tgt(r->p, r->kctx, r->req, work, &account, &code)) != NULL) {
        refuse(r->p, r->res, neg_s4u_is_timeout(code) ? "NEG1104" : "NEG1103", err);
        goto cleanup;
    }
    if (rr.evidence == NULL) {
        if ((err = self_evidence(r, work, account, &self_der, &tag)) != NULL) {
            refuse(r->p, r->res, tag, err);
            goto cleanup;
        }
        rr.evidence = self_der.data;
        rr.evidence_len = self_der.length;
        rr.evidence_forwardable = 1;
    }
    if (decode_Ticket(rr.evidence, rr.evidence_len, &evidence, &used) != 0) {
        refuse(r->p, r->res, "NEG1103", "the evidence ticket cannot be decoded");
        goto cleanup;
    }
    have_ticket = 1;
    if ((code = krb5_get_creds_opt_alloc(r->kctx, &opt)) != 0) {
        refuse(r->p, r->res, "NEG1103", neg_s4u_message(r->p, r->kctx, code));
        goto cleanup;
    }
    krb5_get_creds_opt_set_options(r->kctx, opt, KRB5_GC_NO_STORE
                                   | KRB5_GC_CONSTRAINED_DELEGATION);
    krb5_get_creds_opt_set_ticket(r->kctx, opt, &evidence);
    proxy_all(r, work, opt, &rr, account, missing);

cleanup:
    if (opt != NULL)
        krb5_get_creds_opt_free(r->kctx, opt);
    if (have_ticket)
        free_Ticket(&evidence);
    krb5_data_free(&self_der);
    krb5_cc_destroy(r->kctx, work);
}

void neg_s4u_delegate(apr_pool_t *p, const neg_s4u_request *req,
                      neg_s4u_result *res)
{
    apr_array_header_t *missing = apr_array_make(p, 2, sizeof(const char *));
    krb5_error_code code;
    run r;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    res->refusals = apr_array_make(p, 2, sizeof(neg_s4u_refusal));
    r.p = p;
    r.req = req;
    r.res = res;
    if (neg_s4u_new_context(req->kdc_timeout_s, &r.kctx) != 0) {
        refuse(p, res, "NEG1103", "cannot make a krb5 context");
        return;
    }
    if ((code = krb5_parse_name(r.kctx, req->user, &r.user)) != 0) {
        refuse(p, res, "NEG1103", neg_s4u_message(p, r.kctx, code));
        goto cleanup;
    }
    r.ktid = neg_s4u_keytab_id(p, r.kctx, req->keytab);
    if (from_cache(&r, missing) == 0 && missing->nelts > 0)
        from_kdc(&r, missing);
    res->n_tickets = r.stored;
    if (r.stored == 0)
        res->ccache = NULL;     /* an empty file, removed with the pool */

cleanup:
    if (r.user != NULL)
        krb5_free_principal(r.kctx, r.user);
    if (r.out_cc != NULL)
        krb5_cc_close(r.kctx, r.out_cc);
    krb5_free_context(r.kctx);
}

/* ------------------------------------------------ the doctor's check */

static neg_s4u_refusal *refusal_of(apr_pool_t *p, const char *tag,
                                   const char *message)
{
    neg_s4u_refusal *r = apr_pcalloc(p, sizeof(*r));

    r->tag = tag;
    r->message = message;
    return r;
}

/* S4U2Proxy to each SPN of req with the evidence ticket der. */
static void check_spns(apr_pool_t *p, krb5_context kctx, krb5_ccache work,
                       const neg_s4u_request *req, const char *account,
                       const krb5_data *der, neg_s4u_check_result *out)
{
    krb5_get_creds_opt opt = NULL;
    Ticket evidence;
    size_t used;
    int i;

    if (decode_Ticket(der->data, der->length, &evidence, &used) != 0)
        return;
    if (krb5_get_creds_opt_alloc(kctx, &opt) == 0) {
        krb5_get_creds_opt_set_options(kctx, opt, KRB5_GC_NO_STORE
                                       | KRB5_GC_CONSTRAINED_DELEGATION);
        krb5_get_creds_opt_set_ticket(kctx, opt, &evidence);
        for (i = 0; i < req->spns->nelts; i++) {
            neg_s4u_spn_check *c = apr_array_push(out->spns);
            krb5_principal server = NULL;
            krb5_creds *got = NULL;
            krb5_error_code code;

            c->spn = APR_ARRAY_IDX(req->spns, i, const char *);
            c->refusal = NULL;
            code = krb5_parse_name(kctx, c->spn, &server);
            if (code == 0)
                code = krb5_get_creds(kctx, opt, work, server, &got);
            if (server != NULL)
                krb5_free_principal(kctx, server);
            if (got != NULL)
                krb5_free_creds(kctx, got);
            if (code != 0)
                c->refusal = refusal_of(p, neg_s4u_is_timeout(code) ? "NEG1104" : "NEG1101",
                                        neg_s4u_proxy_refused(p, kctx, req, account,
                                                      c->spn, code));
        }
        krb5_get_creds_opt_free(kctx, opt);
    }
    free_Ticket(&evidence);
}

void neg_s4u_check(apr_pool_t *p, const neg_s4u_request *req,
                   neg_s4u_check_result *out)
{
    krb5_context kctx = NULL;
    krb5_ccache work = NULL;
    krb5_creds *self = NULL;
    neg_s4u_request r = *req;
    const char *account = NULL, *err, *tag = "NEG1103";
    krb5_error_code code = 0;

    memset(out, 0, sizeof(*out));
    out->spns = apr_array_make(p, 4, sizeof(neg_s4u_spn_check));
    if (neg_s4u_new_context(req->kdc_timeout_s, &kctx) != 0) {
        out->tgt = refusal_of(p, "NEG1103", "cannot make a krb5 context");
        return;
    }
    if ((code = krb5_cc_new_unique(kctx, "MEMORY", NULL, &work)) != 0) {
        out->tgt = refusal_of(p, "NEG1103", neg_s4u_message(p, kctx, code));
        goto cleanup;
    }
    if ((err = neg_s4u_service_tgt(p, kctx, req, work, &account, &code)) != NULL) {
        out->tgt = refusal_of(p, neg_s4u_is_timeout(code) ? "NEG1104" : "NEG1103", err);
        goto cleanup;
    }
    out->account = account;
    r.user = req->user ? req->user : account;
    r.evidence_forwardable = 1;
    out->as_user = r.user;
    if ((err = self_ticket(p, kctx, &r, work, account, &self, &tag)) != NULL) {
        out->self = refusal_of(p, tag, err);
        goto cleanup;
    }
    check_spns(p, kctx, work, &r, account, &self->ticket, out);

cleanup:
    if (self != NULL)
        krb5_free_creds(kctx, self);
    if (work != NULL)
        krb5_cc_destroy(kctx, work);
    krb5_free_context(kctx);
}
