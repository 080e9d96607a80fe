/*
 * setup_probe.c - the facts about a deployment (see setup_probe.h).
 */
#include "setup_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <krb5_asn1.h>
#include <heimntlm.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "apr_general.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "kerberos.h"
#include "principal.h"
#include "ntlm.h"
#include "winbind.h"

#define MAX_GROUPS 256
#define WB_TIMEOUT_MS 10000

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

/* --------------------------------------------------------- Apache user */

const char *neg_probe_apache_user(apr_pool_t *p, const char *user,
                                  const char *group, neg_apache_user *out)
{
    struct passwd *pw = getpwnam(user);
    gid_t *groups = apr_pcalloc(p, MAX_GROUPS * sizeof(gid_t));
    int n = MAX_GROUPS, i;
    const char *names = NULL;

    memset(out, 0, sizeof(*out));
    if (pw == NULL)
        return apr_psprintf(p, "the Apache user %s does not exist on this "
                            "machine (httpd's User directive, or --apache-user)",
                            user);
    out->name = apr_pstrdup(p, user);
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    if (group != NULL) {
        struct group *gr = getgrnam(group);
        if (gr == NULL)
            return apr_psprintf(p, "the Apache group %s does not exist on this "
                                "machine (httpd's Group directive, or "
                                "--apache-group)", group);
        out->gid = gr->gr_gid;
    }
    /* httpd: setgid(Group), initgroups(User, Group), setuid(User) */
    if (getgrouplist(user, out->gid, groups, &n) < 0)
        n = MAX_GROUPS;
    out->groups = groups;
    out->n_groups = n;
    for (i = 0; i < n; i++) {
        struct group *gr = getgrgid(groups[i]);
        const char *gname = gr ? apr_pstrdup(p, gr->gr_name)
                               : apr_psprintf(p, "%ld", (long)groups[i]);
        if (groups[i] == out->gid)
            out->group = gname;
        names = apr_pstrcat(p, names ? names : "", names ? " " : "", gname, NULL);
    }
    if (out->group == NULL)
        out->group = apr_psprintf(p, "%ld", (long)out->gid);
    out->group_names = names ? names : "";
    return NULL;
}

int neg_probe_become(const neg_apache_user *u)
{
    return setgroups((size_t)u->n_groups, u->groups) == 0
           && setgid(u->gid) == 0 && setuid(u->uid) == 0
           && geteuid() == u->uid;
}

int neg_probe_as_user(const neg_apache_user *u,
                      int (*fn)(void *arg, char *out, size_t cap), void *arg,
                      char *out, size_t cap)
{
    int fds[2], status;
    pid_t pid;
    ssize_t got, total = 0;

    out[0] = '\0';
    if (geteuid() != 0)
        return geteuid() == u->uid ? fn(arg, out, cap) : -1;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        char buf[4096];
        int rc = 126;
        size_t len;

        close(fds[0]);
        buf[0] = '\0';
        if (neg_probe_become(u))
            rc = fn(arg, buf, sizeof(buf) < cap ? sizeof(buf) : cap);
        len = strlen(buf);
        if (write(fds[1], buf, len) != (ssize_t)len)
            rc = 126;
        _exit(rc);
    }
    close(fds[1]);
    while (total + 1 < (ssize_t)cap
           && (got = read(fds[0], out + total, cap - 1 - (size_t)total)) > 0)
        total += got;
    out[total] = '\0';
    close(fds[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) == 126)
        return -1;
    return WEXITSTATUS(status);
}

static int open_for_reading(void *arg, char *out, size_t cap)
{
    int fd = open((const char *)arg, O_RDONLY);

    if (fd < 0) {
        snprintf(out, cap, "%d", errno);
        return 1;
    }
    close(fd);
    return 0;
}

int neg_probe_readable_as(const neg_apache_user *u, const char *path, int *err)
{
    char out[32];
    int rc = neg_probe_as_user(u, open_for_reading, (void *)path, out, sizeof(out));

    *err = 0;
    if (rc < 0)
        return -1;
    if (rc == 0)
        return 1;
    *err = atoi(out);
    return 0;
}

/* ----------------------------------------------------------------- DNS */

static const char *address_text(apr_pool_t *p, const struct sockaddr *sa)
{
    char buf[INET6_ADDRSTRLEN];
    const void *a = sa->sa_family == AF_INET
        ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
        : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

    if (inet_ntop(sa->sa_family, a, buf, sizeof(buf)) == NULL)
        return "?";
    return apr_pstrdup(p, buf);
}

static const char *reverse_of(apr_pool_t *p, const struct sockaddr *sa,
                              socklen_t len)
{
    char host[NI_MAXHOST];

    if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) != 0)
        return NULL;
    return apr_pstrdup(p, host);
}

static void dns_override(apr_pool_t *p, const char *address, neg_dns_facts *out)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    out->overridden = 1;
    out->address = out->addresses = apr_pstrdup(p, address);
    if (inet_pton(AF_INET, address, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        out->reverse = reverse_of(p, (struct sockaddr *)&sin, sizeof(sin));
    }
    else if (inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        out->reverse = reverse_of(p, (struct sockaddr *)&sin6, sizeof(sin6));
    }
    else {
        out->address = NULL;
        out->error = apr_psprintf(p, "--resolve gives '%s', which is not an "
                                  "IP address", address);
    }
}

void neg_probe_dns(apr_pool_t *p, const char *host, const char *address,
                   neg_dns_facts *out)
{
    struct addrinfo hints, *res = NULL, *ai;
    int rc;

    memset(out, 0, sizeof(*out));
    out->host = host;
    if (address != NULL) {
        dns_override(p, address, out);
        return;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        out->error = apr_pstrdup(p, gai_strerror(rc));
        return;
    }
    if (res->ai_canonname != NULL)
        out->canonical = apr_pstrdup(p, res->ai_canonname);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        const char *a = address_text(p, ai->ai_addr);
        if (out->addresses != NULL && strstr(out->addresses, a) != NULL)
            continue;
        out->addresses = out->addresses ? apr_pstrcat(p, out->addresses, ", ", a, NULL) : a;
        if (out->address == NULL) {
            out->address = a;
            out->reverse = reverse_of(p, ai->ai_addr, ai->ai_addrlen);
        }
    }
    freeaddrinfo(res);
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

/* ------------------------------------------------------------- winbind */

/* Whether DIR/pipe can be winbindd's privileged pipe: a socket of root's
 * in a directory of root's (lstat: no links), which libwbclient requires
 * too (winbind_named_pipe_sock), and that neither its group nor others can
 * write to (winbindd makes it 0750), else they could put a socket there.
 * Anyone can make a socket of that name in a directory of their own. NULL,
 * or why not. */
static const char *untrusted_pipe(apr_pool_t *p, const char *dir)
{
    const char *path = apr_pstrcat(p, dir, "/pipe", NULL);
    struct stat st;

    if (lstat(dir, &st) != 0)
        return apr_psprintf(p, "its directory: %s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return "its directory is not a directory";
    if (st.st_uid != 0)
        return apr_psprintf(p, "its directory is owned by uid %ld, not root",
                            (long)st.st_uid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return apr_psprintf(p, "its directory is writable by %s (mode %04o)",
                            st.st_mode & S_IWOTH ? "others" : "its group",
                            (unsigned)(st.st_mode & 07777));
    if (lstat(path, &st) != 0)
        return apr_psprintf(p, "%s", strerror(errno));
    if (!S_ISSOCK(st.st_mode))
        return "not a socket";
    if (st.st_uid != 0)
        return apr_psprintf(p, "owned by uid %ld, not root", (long)st.st_uid);
    return NULL;
}

/* The socket of a line of /proc/net/unix ("Num RefCount Protocol Flags
 * Type St Inode Path"): for a path DIR/winbindd_privileged/pipe,
 * DIR/winbindd_privileged; else NULL. Abstract names (@...) are not
 * paths. */
static const char *priv_dir_of(apr_pool_t *p, char *line)
{
    static const char tail[] = "/winbindd_privileged/pipe";
    int off = -1;
    char *path;
    size_t n;

    if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %n", &off) != 0 || off < 0)
        return NULL;
    path = line + off;
    path[strcspn(path, "\n")] = '\0';
    n = strlen(path);
    if (path[0] != '/' || n <= sizeof(tail) - 1
        || strcmp(path + n - (sizeof(tail) - 1), tail) != 0)
        return NULL;
    return apr_pstrndup(p, path, n - (sizeof("/pipe") - 1));
}

/* The privileged pipe's directory: winbindd listens on DIR/pipe, which
 * /proc/net/unix lists (the path is winbindd's "state directory", set in
 * smb.conf, so there is no fixed place). The first that is root's; every
 * one that is not is added to skipped (may be NULL) as "DIR/pipe (why)". */
const char *neg_probe_priv_dir(apr_pool_t *p, apr_array_header_t *skipped)
{
    FILE *f = fopen("/proc/net/unix", "r");
    apr_hash_t *seen = apr_hash_make(p);
    const char *found = NULL, *dir, *why;
    char line[1024];

    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if ((dir = priv_dir_of(p, line)) == NULL
            || apr_hash_get(seen, dir, APR_HASH_KEY_STRING) != NULL)
            continue;
        apr_hash_set(seen, dir, APR_HASH_KEY_STRING, dir);
        if ((why = untrusted_pipe(p, dir)) != NULL) {
            if (skipped != NULL)
                APR_ARRAY_PUSH(skipped, const char *) =
                    apr_psprintf(p, "%s/pipe (%s)", dir, why);
        }
        else if (found == NULL)
            found = dir;
    }
    if (f != NULL)
        fclose(f);
    if (found == NULL && access("/var/lib/samba/winbindd_privileged", F_OK) == 0)
        found = "/var/lib/samba/winbindd_privileged";
    return found;
}

typedef struct {
    const char *user;           /* account */
    const char *domain;
    const char *password;       /* NULL: a probe logon with random bytes */
} logon_args;

/* An NTLMv2 response as a client computes it (MS-NLMP 3.3.2), for the
 * CHALLENGE the module would send (src/wire/ntlm.c). */
static int ntlmv2_response(const logon_args *a, const neg_wb_names *names,
                           neg_wb_response *req, struct ntlm_buf *answer)
{
    ntlm_server_names sn;
    unsigned char *msg = NULL, proof[16];
    size_t msg_len, ti_off, ti_len;
    struct ntlm_buf key, ti;
    int rc;

    memset(&sn, 0, sizeof(sn));
    sn.nb_domain = names->netbios_domain;
    sn.nb_computer = "NEGOTIATE-DOCTOR";
    sn.dns_domain = names->dns_domain;
    sn.dns_computer = "negotiate-doctor";
    if (ntlm_encode_challenge(NTLM_F_UNICODE | NTLM_F_NTLM | NTLM_F_TARGET_INFO,
                              req->challenge, &sn,
                              ntlm_filetime(apr_time_now()), &msg, &msg_len,
                              &ti_off, &ti_len) != 0)
        return -1;
    ti.data = msg + ti_off;
    ti.length = ti_len;
    rc = heim_ntlm_nt_key(a->password, &key);
    if (rc == 0) {
        rc = heim_ntlm_calculate_ntlm2(key.data, key.length, a->user, a->domain,
                                       req->challenge, &ti, proof, answer);
        explicit_bzero(key.data, key.length);   /* the password's equivalent */
        heim_ntlm_free_buf(&key);
    }
    free(msg);
    return rc;
}

/* Runs as the Apache user: one logon through winbind's privileged pipe,
 * with the module's own winbind layer. Writes "status|account|domain|text". */
static int logon_as_user(void *arg, char *out, size_t cap)
{
    const logon_args *a = arg;
    neg_wb_response req;
    neg_wb_result res;
    neg_wb_names names;
    neg_wb_status st;
    struct ntlm_buf answer = { 0, NULL };
    unsigned char junk[24];
    char detail[160] = "";

    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    neg_wb_configure(1);
    apr_generate_random_bytes(req.challenge, sizeof(req.challenge));
    req.account = a->user;
    req.domain = a->domain;
    req.workstation = "NEGOTIATE-DOCTOR";
    if (a->password != NULL) {
        st = neg_wb_names_get(WB_TIMEOUT_MS, &names, detail, sizeof(detail));
        if (st != NEG_WB_OK) {
            snprintf(out, cap, "%d|||%s", (int)st, detail);
            return 0;
        }
        if (ntlmv2_response(a, &names, &req, &answer) != 0) {
            snprintf(out, cap, "%d|||cannot compute an NTLMv2 response", NEG_WB_ERROR);
            return 0;
        }
        req.nt = answer.data;
        req.nt_len = answer.length;
    }
    else {
        /* an NTLMv1-sized response for a user that does not exist */
        apr_generate_random_bytes(junk, sizeof(junk));
        req.nt = junk;
        req.nt_len = sizeof(junk);
    }
    st = neg_wb_verify(&req, WB_TIMEOUT_MS, &res);
    snprintf(out, cap, "%d|%s|%s|%s", (int)st, res.account, res.domain,
             st == NEG_WB_AUTH_FAILED ? res.nt_string
             : res.detail[0] ? res.detail : neg_wb_status_str(st));
    neg_wb_result_clear(&res);
    if (answer.data != NULL)
        heim_ntlm_free_buf(&answer);
    return 0;
}

static void split_user(apr_pool_t *p, const char *given, const char *def_domain,
                       logon_args *a)
{
    const char *sep = strchr(given, '\\');
    const char *at = neg_principal_at(given);

    if (sep != NULL) {
        a->domain = apr_pstrndup(p, given, (apr_size_t)(sep - given));
        a->user = sep + 1;
    }
    else if (at != NULL) {
        a->user = apr_pstrndup(p, given, (apr_size_t)(at - given));
        a->domain = def_domain;
    }
    else {
        a->user = given;
        a->domain = def_domain;
    }
}

/* "status|account|domain|text" */
static void split_fields(char *buf, const char *f[4])
{
    char *s;
    int i;

    f[0] = buf;
    f[1] = f[2] = f[3] = "";
    for (i = 1, s = buf; i < 4 && (s = strchr(s, '|')) != NULL; i++) {
        *s++ = '\0';
        f[i] = s;
    }
}

static void priv_and_logon(apr_pool_t *p, const neg_winbind_request *req,
                           const neg_apache_user *u, neg_winbind_facts *out)
{
    logon_args a;
    char buf[1024];
    const char *f[4];
    int rc, st;

    memset(&a, 0, sizeof(a));
    if (req->ntlm_user != NULL) {
        split_user(p, req->ntlm_user, out->domain ? out->domain : "", &a);
        a.password = req->ntlm_password ? req->ntlm_password : "";
    }
    else {
        a.user = "negotiate-doctor-probe";
        a.domain = out->domain ? out->domain : "";
    }
    rc = neg_probe_as_user(u, logon_as_user, &a, buf, sizeof(buf));
    if (rc != 0)
        return;                     /* not run as the Apache user */
    split_fields(buf, f);
    st = atoi(f[0]);
    if (st == NEG_WB_OK || st == NEG_WB_AUTH_FAILED)
        out->priv_call = 1;
    else if (st == NEG_WB_NO_PRIVILEGE || st == NEG_WB_UNAVAILABLE) {
        out->priv_call = 0;
        out->priv_error = apr_pstrdup(p, f[3]);
    }
    else
        out->priv_error = apr_pstrdup(p, f[3]);
    if (req->ntlm_user == NULL)
        return;
    if (out->priv_call == 0 && geteuid() == 0) {
        /* Still tell whether the credentials are good: as root. */
        logon_as_user(&a, buf, sizeof(buf));
        split_fields(buf, f);
        st = atoi(f[0]);
        out->logon_as_root = 1;
    }
    out->logon_user = req->ntlm_user;
    out->logon = st == NEG_WB_OK;
    if (st == NEG_WB_OK)
        out->logon_as = apr_psprintf(p, "%s\\%s", f[2], f[1]);
    else
        out->logon_error = apr_pstrdup(p, f[3]);
}

void neg_probe_winbind(apr_pool_t *p, const neg_winbind_request *req,
                       const neg_apache_user *u, neg_winbind_facts *out)
{
    struct wbcContext *ctx = wbcCtxCreate();
    struct wbcInterfaceDetails *details = NULL;
    struct wbcAuthErrorInfo *error = NULL;
    struct stat *st = apr_pcalloc(p, sizeof(*st));
    apr_array_header_t *skipped;
    char *dcname = NULL;
    wbcErr e;

    memset(out, 0, sizeof(*out));
    out->dc_ok = -1;
    out->priv_call = -1;
    out->logon = -1;
    if (ctx == NULL) {
        out->ping_error = "out of memory";
        return;
    }
    e = wbcCtxPing(ctx);
    out->ping = WBC_ERROR_IS_OK(e);
    if (!out->ping) {
        out->ping_error = apr_pstrdup(p, wbcErrorString(e));
        goto done;
    }
    if (WBC_ERROR_IS_OK(wbcCtxInterfaceDetails(ctx, &details)))
        out->domain = apr_pstrdup(p, details->netbios_domain);
    e = wbcCtxPingDc2(ctx, out->domain, &error, &dcname);
    out->dc_ok = WBC_ERROR_IS_OK(e);
    out->dc_name = dcname ? apr_pstrdup(p, dcname) : NULL;
    if (!out->dc_ok)
        out->dc_error = apr_pstrdup(p, error && error->nt_string ? error->nt_string
                                                                : wbcErrorString(e));
    skipped = apr_array_make(p, 1, sizeof(const char *));
    out->priv_skipped = skipped;
    out->priv_dir = req->priv_dir ? req->priv_dir : neg_probe_priv_dir(p, skipped);
    if (out->priv_dir != NULL && stat(out->priv_dir, st) == 0) {
        struct group *gr = getgrgid(st->st_gid);
        out->priv_st = st;
        out->priv_group = gr ? apr_pstrdup(p, gr->gr_name) : NULL;
    }
    priv_and_logon(p, req, u, out);

done:
    wbcFreeMemory(details);
    wbcFreeMemory(error);
    wbcFreeMemory(dcname);
    wbcCtxFree(ctx);
}
