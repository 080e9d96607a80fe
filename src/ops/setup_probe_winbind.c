/*
 * setup_probe_winbind.c - winbind's facts about a deployment (see
 * setup_probe_winbind.h): its privileged pipe, winbindd and its domain
 * controller, and a logon through the pipe as the Apache user.
 */
#include "setup_probe_winbind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <heimntlm.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "apr_hash.h"
#include "apr_strings.h"

#include "ntlm.h"
#include "principal.h"
#include "setup_probe.h"        /* neg_probe_as_user */
#include "winbind.h"

#define WB_TIMEOUT_MS 10000

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
