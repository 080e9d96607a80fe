/*
 * s4u_kdc.c - what delegation (s4u.c) asks of the KDC before any user's
 * ticket: a krb5 context whose exchanges end in bounded time, the service
 * account's own TGT per process, and the words for the KDC's refusals.
 *
 * The service account's TGT: AD's KDC (and Samba's) answers an AS-REQ for
 * the account's own name (httpsvc@REALM, or HOST$@REALM for a computer
 * account), not for one of its SPNs, so the keytab must hold the account's
 * own principal (samba-tool domain exportkeytab --principal=httpsvc; ktpass
 * /princ; msktutil puts HOST$ there). The first principal of one component
 * in the service's realm is taken; failing that, the service principal
 * itself. It is kept per process in a MEMORY ccache and got again five
 * minutes before it ends; each request copies it into a ccache of its own,
 * so a renewal never disturbs a request under way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memfd_create */
#endif
#include "s4u_kdc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apr_strings.h"

#include "kerberos.h"

#define TGT_MARGIN_S 300
/* After a failure to get the TGT, requests within this many seconds are
 * told the same at once, not each made to wait on the KDC again. */
#define TGT_RETRY_S 30
#define MAX_TGTS 16
typedef struct {
    char *key;                  /* keytab NUL service */
    char *version;              /* the keytab's neg_s4u_keytab_id */
    char *ccname;               /* MEMORY:negotiate_s4u_N */
    char *account;              /* the principal whose TGT it is */
    time_t end;                 /* 0: none yet */
    time_t retry_after;         /* after a failure: not asked before then */
    char *failure;              /* what that failure was */
    krb5_error_code failure_code;
} tgt_slot;

static pthread_mutex_t tgt_lock = PTHREAD_MUTEX_INITIALIZER;
static tgt_slot tgts[MAX_TGTS];
static int n_tgts;

const char *neg_s4u_message(apr_pool_t *p, krb5_context kctx, krb5_error_code code)
{
    const char *m = krb5_get_error_message(kctx, code);
    const char *copy = apr_psprintf(p, "%s (%d)", m ? m : "?", (int)code);

    krb5_free_error_message(kctx, m);
    return copy;
}

int neg_s4u_is_timeout(krb5_error_code code)
{
    return code == KRB5_KDC_UNREACH || code == KRB5_REALM_CANT_RESOLVE;
}

/* A krb5 context whose KDC exchanges end within timeout_s (Heimdal's
 * kdc_timeout, from a configuration file in memory read before the usual
 * ones, so that it wins over krb5.conf). */
krb5_error_code neg_s4u_new_context(int timeout_s, krb5_context *kctx)
{
    krb5_error_code code = krb5_init_context(kctx);
    char path[64], **files = NULL;
    int fd;

    if (code != 0)
        return code;
    if (timeout_s <= 0)
        return 0;
    fd = memfd_create("negotiate_krb5_conf", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (dprintf(fd, "[libdefaults]\n\tkdc_timeout = %d\n", timeout_s) > 0) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (krb5_prepend_config_files_default(path, &files) == 0) {
            krb5_set_config_files(*kctx, files);
            krb5_free_config_files(files);
        }
    }
    close(fd);
    return 0;
}

/* The account principal to get a TGT for (see the top of this file). */
static krb5_error_code account_of(krb5_context kctx, krb5_keytab kt,
                                  krb5_const_principal service,
                                  krb5_principal *account)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    krb5_error_code code;

    *account = NULL;
    if (krb5_kt_start_seq_get(kctx, kt, &cur) == 0) {
        while (*account == NULL && krb5_kt_next_entry(kctx, kt, &e, &cur) == 0) {
            if (krb5_principal_get_num_comp(kctx, e.principal) == 1
                && (service == NULL
                    || strcmp(krb5_principal_get_realm(kctx, e.principal),
                              krb5_principal_get_realm(kctx, service)) == 0))
                krb5_copy_principal(kctx, e.principal, account);
            krb5_kt_free_entry(kctx, &e);
        }
        krb5_kt_end_seq_get(kctx, kt, &cur);
    }
    if (*account != NULL)
        return 0;
    if (service == NULL)
        return KRB5_KT_NOTFOUND;
    code = krb5_copy_principal(kctx, service, account);
    return code;
}

/* The keytab as its key names it: its name and, for a file, the version
 * of the file (a keytab rewritten with new keys is another keytab). */
const char *neg_s4u_keytab_id(apr_pool_t *p, krb5_context kctx, const char *keytab)
{
    char name[1024];
    const char *path;
    struct stat st;

    if (keytab == NULL) {
        if (krb5_kt_default_name(kctx, name, sizeof(name)) != 0)
            return "(default)";
        keytab = name;
    }
    path = keytab;
    if (strncmp(path, "FILE:", 5) == 0)
        path += 5;
    else if (strncmp(path, "WRFILE:", 7) == 0)
        path += 7;
    if (path[0] != '/' || stat(path, &st) != 0)
        return apr_pstrdup(p, keytab);
    return apr_psprintf(p, "%s:%lu:%lu:%lld:%ld.%09ld:%ld.%09ld", keytab,
                        (unsigned long)st.st_dev, (unsigned long)st.st_ino,
                        (long long)st.st_size, (long)st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec, (long)st.st_ctim.tv_sec,
                        st.st_ctim.tv_nsec);
}

static tgt_slot *slot_for(const char *keytab, const char *service)
{
    char *key;
    size_t kl = strlen(keytab), sl = strlen(service);
    int i;

    for (i = 0; i < n_tgts; i++)
        if (memcmp(tgts[i].key, keytab, kl + 1) == 0
            && strcmp(tgts[i].key + kl + 1, service) == 0)
            return &tgts[i];
    if (n_tgts == MAX_TGTS)
        return NULL;
    key = malloc(kl + sl + 2);
    if (key == NULL)
        return NULL;
    memcpy(key, keytab, kl + 1);
    memcpy(key + kl + 1, service, sl + 1);
    tgts[n_tgts].key = key;
    tgts[n_tgts].ccname = malloc(64);
    if (tgts[n_tgts].ccname == NULL) {
        free(key);
        return NULL;
    }
    snprintf(tgts[n_tgts].ccname, 64, "MEMORY:negotiate_s4u_%d_%d",
             (int)getpid(), n_tgts);
    return &tgts[n_tgts++];
}

/* Copy the account's TGT (got or renewed first if need be) into cc, a
 * ccache of this request's. NULL, or what went wrong. */
const char *neg_s4u_service_tgt(apr_pool_t *p, krb5_context kctx,
                               const neg_s4u_request *req, krb5_ccache cc,
                               const char **account, krb5_error_code *failed)
{
    const char *ktname = req->keytab ? req->keytab : "";
    const char *svc = req->service ? req->service : "";
    const char *err = NULL;
    krb5_principal service = NULL, acct = NULL;
    krb5_keytab kt = NULL;
    krb5_ccache mem = NULL;
    krb5_creds creds;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_error_code code;
    char *name = NULL;
    tgt_slot *s;

    const char *version = neg_s4u_keytab_id(p, kctx, req->keytab);

    memset(&creds, 0, sizeof(creds));
    pthread_mutex_lock(&tgt_lock);
    s = slot_for(ktname, svc);
    if (s == NULL) {
        err = "too many keytab and service pairs delegate in this process";
        goto out;
    }
    if (s->version == NULL || strcmp(s->version, version) != 0) {
        /* a new keytab (another account, new keys): a new TGT */
        free(s->version);
        s->version = strdup(version);
        s->end = 0;
        s->retry_after = 0;
    }
    if ((code = krb5_cc_resolve(kctx, s->ccname, &mem)) != 0) {
        err = apr_pstrcat(p, "cannot open ", s->ccname, ": ",
                          neg_s4u_message(p, kctx, code), NULL);
        goto out;
    }
    if (s->end < time(NULL) + TGT_MARGIN_S && s->failure != NULL
        && time(NULL) < s->retry_after) {
        err = apr_psprintf(p, "%s (not asked again until %lds after that "
                           "failure)", s->failure, (long)TGT_RETRY_S);
        *failed = s->failure_code;
        goto out;
    }
    if (s->end < time(NULL) + TGT_MARGIN_S) {
        code = req->keytab ? krb5_kt_resolve(kctx, req->keytab, &kt)
                           : krb5_kt_default(kctx, &kt);
        if (code == 0 && req->service)
            code = krb5_parse_name(kctx, req->service, &service);
        if (code == 0)
            code = account_of(kctx, kt, service, &acct);
        if (code != 0) {
            err = apr_psprintf(p, "the keytab %s holds no principal to get the "
                               "service account's TGT with: %s",
                               req->keytab ? req->keytab : "(default)",
                               neg_s4u_message(p, kctx, code));
            goto out;
        }
        krb5_unparse_name(kctx, acct, &name);
        if ((code = krb5_get_init_creds_opt_alloc(kctx, &opt)) == 0) {
            krb5_get_init_creds_opt_set_forwardable(opt, 1);
            code = krb5_get_init_creds_keytab(kctx, &creds, acct, kt, 0, NULL, opt);
        }
        if (code == 0)
            code = krb5_cc_initialize(kctx, mem, acct);
        if (code == 0)
            code = krb5_cc_store_cred(kctx, mem, &creds);
        if (code != 0 && neg_s4u_is_timeout(code))
            err = apr_psprintf(p, "no KDC answered within %d s for the TGT of "
                               "the service account %s (%s): is the KDC "
                               "reachable (krb5.conf's kdc lines, a firewall)?",
                               req->kdc_timeout_s, name ? name : "?",
                               neg_s4u_message(p, kctx, code));
        else if (code != 0)
            err = apr_psprintf(p, "cannot get a TGT for the service account %s "
                               "from the keytab %s: %s: the KDC issues one to "
                               "the account's own name (httpsvc@REALM, HOST$@REALM), "
                               "not to an SPN: put that principal in the keytab "
                               "(samba-tool domain exportkeytab KEYTAB "
                               "--principal=ACCOUNT; ktpass /princ ACCOUNT@REALM)",
                               name ? name : "?",
                               req->keytab ? req->keytab : "(default)",
                               neg_s4u_message(p, kctx, code));
        if (code != 0) {
            s->end = 0;
            *failed = code;
            free(s->failure);
            s->failure = strdup(err);
            s->failure_code = code;
            s->retry_after = time(NULL) + TGT_RETRY_S;
            goto out;
        }
        s->end = (time_t)creds.times.endtime;
        free(s->failure);
        s->failure = NULL;
        free(s->account);
        s->account = strdup(name);
    }
    *account = apr_pstrdup(p, s->account ? s->account : "?");
    if ((code = krb5_cc_copy_cache(kctx, mem, cc)) != 0)
        err = apr_pstrcat(p, "cannot copy the service account's TGT: ",
                          neg_s4u_message(p, kctx, code), NULL);

out:
    pthread_mutex_unlock(&tgt_lock);
    if (opt != NULL)
        krb5_get_init_creds_opt_free(kctx, opt);
    krb5_free_cred_contents(kctx, &creds);
    free(name);
    if (acct != NULL)
        krb5_free_principal(kctx, acct);
    if (service != NULL)
        krb5_free_principal(kctx, service);
    if (kt != NULL)
        krb5_kt_close(kctx, kt);
    if (mem != NULL)
        krb5_cc_close(kctx, mem);
    return err;
}

/* Why the KDC refused the ticket for spn, and the fix. */
const char *neg_s4u_proxy_refused(apr_pool_t *p, krb5_context kctx,
                                 const neg_s4u_request *req, const char *account,
                                 const char *spn, krb5_error_code code)
{
    const char *acct = apr_pstrndup(p, account, strcspn(account, "@"));

    if (code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN)
        return apr_psprintf(p, "the KDC knows no service %s (%s): no account "
                            "has that SPN; add it to the back end's account "
                            "(setspn -S %s ACCOUNT; samba-tool spn add %s "
                            "ACCOUNT) or fix NegotiateDelegateTo",
                            spn, neg_s4u_message(p, kctx, code), spn, spn);
    if (code == KRB5KDC_ERR_BADOPTION && req->evidence_forwardable == 0)
        return apr_psprintf(p, "the KDC refused a ticket as %s for %s (%s): "
                            "the user's ticket is not forwardable: the user is "
                            "\"sensitive and cannot be delegated\" (or in "
                            "Protected Users), or the client asked for a "
                            "non-forwardable ticket; nothing to change on %s",
                            req->user, spn, neg_s4u_message(p, kctx, code), acct);
    if (code == KRB5KDC_ERR_BADOPTION)
        return apr_psprintf(p, "the KDC refused a ticket as %s for %s (%s): "
                            "the account %s may not delegate to %s, or the "
                            "user is \"sensitive and cannot be delegated\": "
                            "allow it (samba-tool delegation add-service %s %s; "
                            "Set-ADUser/Set-ADComputer %s -Add "
                            "@{'msDS-AllowedToDelegateTo'='%s'}; resource-based "
                            "delegation, on the back end's account, is not "
                            "used: doc/delegation.md)",
                            req->user, spn, neg_s4u_message(p, kctx, code), account,
                            spn, acct, spn, acct, spn);
    return apr_psprintf(p, "no ticket as %s for %s: %s", req->user, spn,
                        neg_s4u_message(p, kctx, code));
}
