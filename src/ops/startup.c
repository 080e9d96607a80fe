/*
 * startup.c - the start-up checks (see startup.h).
 *
 * Finding "a virtual host with a Negotiate location": a section's AuthType
 * belongs to mod_authn_core and is only known merged, at request time. So
 * each section of each virtual host (its <Location>s, <Directory>s and
 * <Files>, which httpd has already merged with the main server's in
 * ap_fixup_virtual_hosts, and the server level itself) is merged over the
 * virtual host's defaults as a request there would be, and httpd's own
 * ap_auth_type() is asked about it. AuthType in .htaccess files, <If>
 * sections and sections that only combine at request time (an AuthType in
 * a <Directory>, the keytab in a <Location>) are beyond it.
 */
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "unixd.h"
#include "apr_hash.h"
#include "apr_optional.h"
#include "apr_strings.h"

#include "config.h"
#include "kerberos.h"
#include "winbind.h"
#include "policy.h"
#include "setup_check.h"
#include "setup_probe.h"
#include "status.h"

APLOG_USE_MODULE(auth_negotiate);

/* Log tags: NEG + four digits, unique per message. */
#define NEGLOGNO(n) "NEG" #n ": "

#define MAX_GROUPS 256

/* A section with AuthType Negotiate: what it needs. */
typedef struct {
    const char *where;                      /* <Location /app/> */
    const char *keytab;                     /* "FILE:..."; NULL: the default */
    const apr_array_header_t *principals;   /* empty: any */
    int ntlm;                               /* NTLM or Basic offered: winbind */
} site;

typedef struct {
    const char *name;                       /* as configured; NULL: default */
    const char *resolved, *path;
    const char *error;                      /* the keys could not be read */
    neg_key *keys;
    size_t n_keys;
    struct stat st;
    int have_st;
    int opened;                             /* as the Apache user: 1, 0, -1 */
    int open_errno;
} keytab;

typedef struct {
    apr_pool_t *p;
    server_rec *main;
    module *m;
    neg_apache_user user;
    apr_array_header_t *keytabs;            /* keytab */
    apr_hash_t *said;                       /* findings logged once */
    int ntlm;                               /* some site offers NTLM or Basic */
    int n_sites, errors, warnings;
    /* winbind, from the probe */
    int wb_ping;                            /* 1 answers, 0 not, -1 not known */
    const char *wb_error;
    const char *priv_dir;
    apr_array_header_t *priv_skipped;   /* sockets named like it, not root's */
    struct stat priv_st;
    int have_priv_st;
    int priv_call;                          /* 1 connect worked, 0 refused, -1 not tried */
    const char *priv_error;
} checks;

/* ============================================================ sections */

/* mod_authn_core keeps AuthType and tells it through an optional function
 * that reads only the request's per_dir_config. (ap_auth_type() would ask
 * it too, but core finds it only in its post_config, which `apachectl -t`
 * never runs.) */
static const char *auth_type_of(apr_pool_t *p, server_rec *s, ap_conf_vector_t *dir)
{
    APR_OPTIONAL_FN_TYPE(authn_ap_auth_type) *fn
        = APR_RETRIEVE_OPTIONAL_FN(authn_ap_auth_type);
    request_rec fake;

    if (fn == NULL)
        return NULL;                /* no mod_authn_core: no AuthType */
    memset(&fake, 0, sizeof(fake));
    fake.pool = p;
    fake.server = s;
    fake.per_dir_config = dir;
    return fn(&fake);
}

static int offers_winbind(const neg_dir_conf *c)
{
    return neg_offers(c, NEG_PROVIDER_NTLM) || neg_offers(c, NEG_PROVIDER_NEGOTIATE)
           || neg_basic_offered(c, 1);
}

static const char *site_key(apr_pool_t *p, const site *st)
{
    return apr_pstrcat(p, st->keytab ? st->keytab : "", "\n",
                       apr_array_pstrcat(p, st->principals, ' '), NULL);
}

/* Add the section if its AuthType is Negotiate (once per keytab and
 * principals in a virtual host). */
static void consider(checks *ck, server_rec *s, ap_conf_vector_t *sec,
                     const char *kind, apr_hash_t *seen, apr_array_header_t *sites)
{
    ap_conf_vector_t *merged = sec == s->lookup_defaults ? sec
        : ap_merge_per_dir_configs(ck->p, s->lookup_defaults, sec);
    const char *type = auth_type_of(ck->p, s, merged);
    const neg_dir_conf *c = ap_get_module_config(merged, ck->m);
    const core_dir_config *core = ap_get_core_module_config(sec);
    site st;
    const char *key;
    void *known;

    if (type == NULL || strcasecmp(type, "Negotiate") != 0 || c == NULL)
        return;
    st.where = kind == NULL ? "the server configuration"
        : apr_psprintf(ck->p, "<%s %s>", kind, core && core->d ? core->d : "?");
    st.keytab = c->keytab;
    st.principals = c->principals ? c->principals
                                  : apr_array_make(ck->p, 1, sizeof(const char *));
    st.ntlm = offers_winbind(c);
    ck->ntlm |= st.ntlm;
    key = site_key(ck->p, &st);
    known = apr_hash_get(seen, key, APR_HASH_KEY_STRING);
    if (known != NULL) {            /* its index + 1 */
        APR_ARRAY_IDX(sites, (intptr_t)known - 1, site).ntlm |= st.ntlm;
        return;
    }
    *(site *)apr_array_push(sites) = st;
    apr_hash_set(seen, key, APR_HASH_KEY_STRING, (void *)(intptr_t)sites->nelts);
}

static void consider_list(checks *ck, server_rec *s, apr_array_header_t *list,
                          const char *kind, apr_hash_t *seen, apr_array_header_t *sites)
{
    int i;

    for (i = 0; list != NULL && i < list->nelts; i++)
        consider(ck, s, APR_ARRAY_IDX(list, i, ap_conf_vector_t *), kind, seen, sites);
}

/* The sections of one virtual host that use Negotiate. */
static apr_array_header_t *sites_of(checks *ck, server_rec *s)
{
    core_server_config *sconf = ap_get_core_module_config(s->module_config);
    core_dir_config *top = ap_get_core_module_config(s->lookup_defaults);
    apr_array_header_t *sites = apr_array_make(ck->p, 4, sizeof(site));
    apr_hash_t *seen = apr_hash_make(ck->p);
    int i;

    consider(ck, s, s->lookup_defaults, NULL, seen, sites);
    consider_list(ck, s, sconf->sec_url, "Location", seen, sites);
    consider_list(ck, s, sconf->sec_dir, "Directory", seen, sites);
    consider_list(ck, s, top ? top->sec_file : NULL, "Files", seen, sites);
    for (i = 0; sconf->sec_dir != NULL && i < sconf->sec_dir->nelts; i++) {
        core_dir_config *d = ap_get_core_module_config(
            APR_ARRAY_IDX(sconf->sec_dir, i, ap_conf_vector_t *));
        consider_list(ck, s, d ? d->sec_file : NULL, "Files", seen, sites);
    }
    return sites;
}

/* ============================================================ facts */

/* httpd started as root runs its children as User and Group with User's
 * supplementary groups; started by anyone else, as that user. */
static void apache_user(checks *ck)
{
    neg_apache_user *u = &ck->user;
    gid_t *groups = apr_pcalloc(ck->p, MAX_GROUPS * sizeof(gid_t));
    struct passwd *pw;
    struct group *gr;
    int n = MAX_GROUPS, i;

    memset(u, 0, sizeof(*u));
    if (geteuid() == 0) {
        u->uid = ap_unixd_config.user_id;
        u->gid = ap_unixd_config.group_id;
        u->name = ap_unixd_config.user_name;
        if (u->name == NULL || getgrouplist(u->name, u->gid, groups, &n) < 0)
            n = 0;
    }
    else {
        u->uid = geteuid();
        u->gid = getegid();
        pw = getpwuid(u->uid);
        u->name = pw ? apr_pstrdup(ck->p, pw->pw_name) : apr_psprintf(ck->p, "%ld", (long)u->uid);
        n = getgroups(MAX_GROUPS, groups);
        if (n < 0)
            n = 0;
    }
    if (u->name == NULL)
        u->name = apr_psprintf(ck->p, "%ld", (long)u->uid);
    u->groups = groups;
    u->n_groups = n;
    gr = getgrgid(u->gid);
    u->group = gr ? apr_pstrdup(ck->p, gr->gr_name) : apr_psprintf(ck->p, "%ld", (long)u->gid);
    u->group_names = "";
    for (i = 0; i < n; i++) {
        gr = getgrgid(groups[i]);
        u->group_names = apr_pstrcat(ck->p, u->group_names, i ? " " : "",
                                     gr ? gr->gr_name
                                        : apr_psprintf(ck->p, "%ld", (long)groups[i]),
                                     NULL);
    }
}

static keytab *keytab_of(checks *ck, const char *name)
{
    int i;
    keytab *k;

    for (i = 0; i < ck->keytabs->nelts; i++) {
        k = &APR_ARRAY_IDX(ck->keytabs, i, keytab);
        if ((k->name == NULL && name == NULL)
            || (k->name != NULL && name != NULL && strcmp(k->name, name) == 0))
            return k;
    }
    k = apr_array_push(ck->keytabs);
    memset(k, 0, sizeof(*k));
    k->name = name;
    k->opened = -1;
    k->error = neg_probe_keytab(ck->p, name, &k->resolved, &k->path, &k->keys,
                                &k->n_keys);
    k->have_st = k->path != NULL && stat(k->path, &k->st) == 0;
    return k;
}

/* ------------------------------------------------ the probe child */

/* In the child, as the Apache user: one line per fact, written as soon as
 * known, so that what came before a hang still counts.
 *   K <index> <errno, 0: opened>
 *   W <1|0> <error>            winbindd answers
 *   P <errno, 0: connected>    the privileged pipe */
static void probe_child(const checks *ck, int out)
{
    struct wbcContext *ctx;
    struct sockaddr_un sa;
    char line[512];
    int i, fd, n;
    wbcErr e;

    for (i = 0; i < ck->keytabs->nelts; i++) {
        const keytab *k = &APR_ARRAY_IDX(ck->keytabs, i, keytab);

        if (k->path == NULL)
            continue;
        fd = open(k->path, O_RDONLY);
        n = snprintf(line, sizeof(line), "K %d %d\n", i, fd < 0 ? errno : 0);
        if (fd >= 0)
            close(fd);
        if (write(out, line, (size_t)n) != n)
            return;
    }
    if (!ck->ntlm)
        return;
    ctx = wbcCtxCreate();
    e = ctx ? wbcCtxPing(ctx) : WBC_ERR_NO_MEMORY;
    n = snprintf(line, sizeof(line), "W %d %s\n", WBC_ERROR_IS_OK(e) ? 1 : 0,
                 wbcErrorString(e));
    if (write(out, line, (size_t)n) != n || ck->priv_dir == NULL)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/pipe", ck->priv_dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    n = snprintf(line, sizeof(line), "P %d\n",
                 fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0
                 ? 0 : errno ? errno : EIO);
    if (fd >= 0)
        close(fd);
    if (write(out, line, (size_t)n) != n)
        return;
}

static void take_line(checks *ck, char *line)
{
    int a = 0, b = 0;
    char *rest;

    if (sscanf(line, "K %d %d", &a, &b) == 2 && a >= 0 && a < ck->keytabs->nelts) {
        APR_ARRAY_IDX(ck->keytabs, a, keytab).opened = b == 0;
        APR_ARRAY_IDX(ck->keytabs, a, keytab).open_errno = b;
    }
    else if (sscanf(line, "W %d", &a) == 1) {
        ck->wb_ping = a;
        rest = strchr(line + 2, ' ');
        ck->wb_error = apr_pstrdup(ck->p, rest ? rest + 1 : "");
    }
    else if (sscanf(line, "P %d", &a) == 1) {
        ck->priv_call = a == 0;
        ck->priv_error = a ? apr_pstrdup(ck->p, strerror(a)) : NULL;
    }
}

/* Read the child's lines until it ends or the time is up (then kill it). */
static void read_probe(checks *ck, pid_t pid, int in)
{
    apr_time_t deadline = apr_time_now() + apr_time_from_msec(NEG_STARTUP_PROBE_MS);
    char buf[4096];
    size_t used = 0;
    struct pollfd pfd = { in, POLLIN, 0 };
    ssize_t got = 1;
    char *nl;

    while (got > 0 && used < sizeof(buf) - 1) {
        apr_time_t left = deadline - apr_time_now();

        if (left <= 0 || poll(&pfd, 1, (int)apr_time_as_msec(left) + 1) <= 0)
            break;
        got = read(in, buf + used, sizeof(buf) - 1 - used);
        if (got > 0)
            used += (size_t)got;
    }
    buf[used] = '\0';
    if (got != 0)
        kill(pid, SIGKILL);         /* hung (or too much said): stop it */
    waitpid(pid, NULL, 0);
    for (char *line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        take_line(ck, line);
    }
}

static void probe(checks *ck)
{
    int fds[2];
    pid_t pid;

    ck->wb_ping = ck->priv_call = -1;
    if (pipe(fds) != 0)
        return;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        if (geteuid() != 0 || neg_probe_become(&ck->user))
            probe_child(ck, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    read_probe(ck, pid, fds[0]);
    close(fds[0]);
}

/* ============================================================ findings */

/* One log line per finding worth telling, each once. */
static void say(checks *ck, int level, const char *tag, const char *context,
                const neg_check_item *it)
{
    const char *line = apr_psprintf(ck->p, "%s%s%s%s%s", context ? context : "",
                                    context ? ": " : "", it->text,
                                    it->fix ? "; fix: " : "", it->fix ? it->fix : "");
    const char *once = apr_pstrcat(ck->p, tag, it->text, NULL);

    /* the same finding in another virtual host or section: said already */
    if (apr_hash_get(ck->said, once, APR_HASH_KEY_STRING) != NULL)
        return;
    apr_hash_set(ck->said, once, APR_HASH_KEY_STRING, line);
    if (level == APLOG_ERR)
        ck->errors++;
    else
        ck->warnings++;
    ap_log_error(APLOG_MARK, level, 0, ck->main, "%s: %s", tag, line);
}

/* The findings of one check: FAIL as fail_tag at fail_level, WARN as
 * warn_tag at warning level; OK and INFO are not logged. */
static void tell(checks *ck, const neg_check_report *r, const char *context,
                 const char *fail_tag, int fail_level, const char *warn_tag)
{
    int i;

    for (i = 0; i < r->items->nelts; i++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, i, neg_check_item);

        if (it->level == NEG_CHECK_FAIL)
            say(ck, fail_level, fail_tag, context, it);
        else if (it->level == NEG_CHECK_WARN)
            say(ck, APLOG_WARNING, warn_tag, context, it);
    }
}

static void check_keytab_access(checks *ck, keytab *k)
{
    neg_check_report *r = neg_check_report_make(ck->p);
    neg_check_item it;

    if (k->have_st) {
        neg_check_keytab_access(r, k->path, &k->st, &ck->user, k->opened,
                                k->open_errno);
        tell(ck, r, NULL, "NEG0012", APLOG_ERR, "NEG0013");
        if (neg_check_worst(r) == NEG_CHECK_FAIL)
            return;
    }
    if (k->error == NULL)
        return;
    it.level = NEG_CHECK_FAIL;
    it.text = apr_psprintf(ck->p, "%s: every Kerberos logon there is refused "
                           "(NEG0202)", k->error);
    it.fix = k->name ? "export the service keys into it (samba-tool domain "
                       "exportkeytab, ktpass) and make it readable by the "
                       "Apache user"
                     : "name the keytab with NegotiateKeytab";
    say(ck, APLOG_ERR, "NEG0012", NULL, &it);
}

static int is_ip(const char *host)
{
    return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
}

/* Does NegotiateServicePrincipal (empty: any) let tickets for spn in?
 * A name restricted away on purpose is not worth a warning. */
static int name_allowed(const site *st, const char *spn)
{
    size_t n = strlen(spn);
    int i;

    if (st->principals->nelts == 0)
        return 1;
    for (i = 0; i < st->principals->nelts; i++) {
        const char *c = APR_ARRAY_IDX(st->principals, i, const char *);

        if (strncasecmp(c, spn, n) == 0 && (c[n] == '\0' || c[n] == '@'))
            return 1;
    }
    return 0;
}

static const char *vhost_text(apr_pool_t *p, const server_rec *s)
{
    unsigned port = s->port ? s->port : s->addrs ? s->addrs->host_port : 0;

    if (!s->is_virtual)
        return apr_psprintf(p, "main server %s", s->server_hostname ? s->server_hostname : "");
    return apr_psprintf(p, "virtual host %s%s (%s:%d)", s->server_hostname,
                        port ? apr_psprintf(p, ":%u", port) : "",
                        s->defn_name ? s->defn_name : "?", s->defn_line_number);
}

/* A key for HTTP/<name> of ServerName and each ServerAlias (wildcards and
 * IP addresses left out: browsers use no Kerberos for an address). */
static void check_names(checks *ck, server_rec *s, const site *st, keytab *k)
{
    const char *context = apr_psprintf(ck->p, "%s, %s", vhost_text(ck->p, s), st->where);
    apr_array_header_t *names = apr_array_make(ck->p, 4, sizeof(const char *));
    int i;

    if (s->server_hostname != NULL)
        APR_ARRAY_PUSH(names, const char *) = s->server_hostname;
    for (i = 0; s->names != NULL && i < s->names->nelts; i++)
        APR_ARRAY_PUSH(names, const char *) = APR_ARRAY_IDX(s->names, i, const char *);
    for (i = 0; i < names->nelts; i++) {
        const char *host = APR_ARRAY_IDX(names, i, const char *);
        const char *spn = apr_pstrcat(ck->p, "HTTP/", host, NULL);
        neg_check_report *r;

        if (is_ip(host) || strchr(host, '*') != NULL || !name_allowed(st, spn))
            continue;
        ap_str_tolower((char *)spn + 5);
        r = neg_check_report_make(ck->p);
        neg_check_keytab_keys(r, k->resolved, k->keys, k->n_keys, spn, NULL);
        tell(ck, r, context, "NEG0014", APLOG_WARNING, "NEG0016");
    }
}

static void check_principals(checks *ck, const site *st, keytab *k)
{
    neg_check_report *r = neg_check_report_make(ck->p);

    neg_check_configured_principals(r, k->resolved, k->keys, k->n_keys,
                                    st->principals);
    tell(ck, r, st->where, "NEG0015", APLOG_ERR, "NEG0015");
}

static void check_winbind(checks *ck)
{
    neg_check_report *r = neg_check_report_make(ck->p);
    neg_winbind_facts wb;
    int i;

    if (!ck->ntlm)
        return;
    memset(&wb, 0, sizeof(wb));
    wb.ping = ck->wb_ping == 1;
    wb.ping_error = ck->wb_ping == -1
        ? apr_psprintf(ck->p, "no answer within %d ms", NEG_STARTUP_PROBE_MS)
        : ck->wb_error;
    wb.dc_ok = -1;                  /* not asked: that is the DC's time */
    wb.priv_dir = ck->priv_dir;
    wb.priv_st = ck->have_priv_st ? &ck->priv_st : NULL;
    wb.priv_skipped = ck->priv_skipped;
    wb.priv_call = ck->priv_call;
    wb.priv_error = ck->priv_error;
    wb.logon = -1;
    neg_check_winbind(r, &wb, &ck->user);
    /* NEG0017: winbindd itself; NEG0018: its privileged pipe */
    for (i = 0; i < r->items->nelts; i++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, i, neg_check_item);

        if (it->level >= NEG_CHECK_WARN)
            say(ck, APLOG_WARNING, wb.ping ? "NEG0018" : "NEG0017",
                "NTLM or Basic is offered", it);
    }
}

/* ============================================================ all */

int neg_startup_checks(apr_pool_t *ptemp, server_rec *main_server, module *m)
{
    uint64_t started = neg_status_now_us();
    checks ck;
    apr_array_header_t *vhosts = apr_array_make(ptemp, 8, sizeof(apr_array_header_t *));
    server_rec *s;
    int i, j, n_vhosts = 0;

    memset(&ck, 0, sizeof(ck));
    ck.p = ptemp;
    ck.main = main_server;
    ck.m = m;
    ck.keytabs = apr_array_make(ptemp, 4, sizeof(keytab));
    ck.said = apr_hash_make(ptemp);
    for (s = main_server; s != NULL; s = s->next) {
        apr_array_header_t *sites = sites_of(&ck, s);

        APR_ARRAY_PUSH(vhosts, apr_array_header_t *) = sites;
        n_vhosts += sites->nelts > 0;
        ck.n_sites += sites->nelts;
        for (j = 0; j < sites->nelts; j++)
            keytab_of(&ck, APR_ARRAY_IDX(sites, j, site).keytab);
    }
    if (ck.n_sites == 0)
        return 0;
    apache_user(&ck);
    if (ck.ntlm) {
        ck.priv_skipped = apr_array_make(ptemp, 1, sizeof(const char *));
        ck.priv_dir = neg_probe_priv_dir(ptemp, ck.priv_skipped);
        ck.have_priv_st = ck.priv_dir != NULL && stat(ck.priv_dir, &ck.priv_st) == 0;
    }
    probe(&ck);
    for (i = 0; i < ck.keytabs->nelts; i++)
        check_keytab_access(&ck, &APR_ARRAY_IDX(ck.keytabs, i, keytab));
    for (s = main_server, i = 0; s != NULL; s = s->next, i++) {
        apr_array_header_t *sites = APR_ARRAY_IDX(vhosts, i, apr_array_header_t *);

        for (j = 0; j < sites->nelts; j++) {
            const site *st = &APR_ARRAY_IDX(sites, j, site);
            keytab *k = keytab_of(&ck, st->keytab);

            if (k->error != NULL)
                continue;           /* said above */
            check_names(&ck, s, st, k);
            check_principals(&ck, st, k);
        }
    }
    check_winbind(&ck);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server, "NEG0019: start-up "
                 "checks of %d server%s with Negotiate sections, %d "
                 "keytab%s%s, as the Apache user %s: %d error%s, %d warning%s "
                 "(%.1f ms)", n_vhosts, n_vhosts == 1 ? "" : "s", ck.keytabs->nelts,
                 ck.keytabs->nelts == 1 ? "" : "s", ck.ntlm ? ", winbind" : "",
                 ck.user.name, ck.errors, ck.errors == 1 ? "" : "s", ck.warnings,
                 ck.warnings == 1 ? "" : "s",
                 (double)(neg_status_now_us() - started) / 1000.0);
    return ck.errors;
}

/* ------------------------------------------- what the configuration names */

/* What the configuration names, recorded as the directives are read, for
 * the checks made once it is complete: httpd offers no walk over the
 * per-directory configurations. Reset in pre_config. */
static struct {
    apr_array_header_t *delegation_dirs;    /* const char * */
    apr_array_header_t *keytabs;            /* const char *, "FILE:..." */
    apr_array_header_t *mapped_realms;      /* const char * */
    int short_format;                       /* NegotiateUserFormat short */
} seen;

static module *checked_module;

static void remember(apr_array_header_t *a, const char *value)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), value) == 0)
            return;
    }
    APR_ARRAY_PUSH(a, const char *) = value;
}

void neg_startup_pre_config(apr_pool_t *pconf, module *m)
{
    seen.delegation_dirs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.keytabs = apr_array_make(pconf, 2, sizeof(const char *));
    seen.mapped_realms = apr_array_make(pconf, 2, sizeof(const char *));
    seen.short_format = 0;
    checked_module = m;
}

void neg_startup_seen_keytab(const char *name)
{
    remember(seen.keytabs, name);
}

void neg_startup_seen_delegation_dir(const char *dir)
{
    remember(seen.delegation_dirs, dir);
}

void neg_startup_seen_mapped_realm(const char *realm)
{
    remember(seen.mapped_realms, realm);
}

void neg_startup_seen_short_format(void)
{
    seen.short_format = 1;
}

const apr_array_header_t *neg_startup_keytabs(void)
{
    return seen.keytabs;
}

/* NegotiateDelegationDir must belong to the Apache user: whoever else owns
 * it could plant or read delegated credentials (the mode was checked when
 * the directive was read). */
static int check_delegation_dirs(server_rec *s)
{
    /* httpd started by root runs its children as User; started by anyone
     * else, as that user */
    uid_t apache = geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
    int i, ok = 1;
    struct stat st;

    for (i = 0; i < seen.delegation_dirs->nelts; i++) {
        const char *dir = APR_ARRAY_IDX(seen.delegation_dirs, i, const char *);

        memset(&st, 0, sizeof(st));
        if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == apache
            && !(st.st_mode & 022))
            continue;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, NEGLOGNO(0010)
                     "NegotiateDelegationDir %s must be a directory owned by "
                     "the Apache user (uid %ld) and writable by nobody else "
                     "(owner uid %ld, mode %04o%s): delegated credentials "
                     "would not be private; chown that user %s; chmod 0700 %s",
                     dir, (long)apache, (long)st.st_uid, (unsigned)(st.st_mode & 07777),
                     S_ISLNK(st.st_mode) ? ", a symbolic link" : "", dir, dir);
        ok = 0;
    }
    return ok;
}

/* NegotiateUserFormat short drops the realm and the domain: with more
 * than one in play, two people can get one REMOTE_USER. */
static void check_short_format(apr_pool_t *p, server_rec *s)
{
    apr_array_header_t *realms = apr_array_make(p, 4, sizeof(const char *));
    char domains[512] = "";
    int i, n_domains;

    if (!seen.short_format)
        return;
    for (i = 0; i < seen.keytabs->nelts; i++)
        neg_krb5_keytab_realms(APR_ARRAY_IDX(seen.keytabs, i, const char *), p, realms);
    for (i = 0; i < seen.mapped_realms->nelts; i++)
        neg_krb5_add_realm(p, realms, APR_ARRAY_IDX(seen.mapped_realms, i, const char *));
    n_domains = neg_wb_count_domains(1000, domains, sizeof(domains));
    if (realms->nelts <= 1 && n_domains <= 1)
        return;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0011)
                 "NegotiateUserFormat short is used while more than one realm "
                 "or domain is in play (realms: %s; winbind's domains: %s): "
                 "users of the same name in different ones get the same "
                 "REMOTE_USER; use upn or down-level unless that is meant",
                 realms->nelts ? apr_array_pstrcat(p, realms, ' ') : "none",
                 n_domains >= 0 ? domains : "unknown");
}

/* Does a section (or a server's defaults) configure this module and offer
 * NTLM, bare or inside Negotiate? */
static int section_offers_ntlm(ap_conf_vector_t *sec)
{
    const neg_dir_conf *c = ap_get_module_config(sec, checked_module);

    return c != NULL && (c->keytab_set || c->n_providers > 0)
        && (neg_offers(c, NEG_PROVIDER_NTLM) || neg_offers(c, NEG_PROVIDER_NEGOTIATE));
}

static int server_offers_ntlm(server_rec *s)
{
    core_server_config *sc = ap_get_core_module_config(s->module_config);
    apr_array_header_t *lists[2];
    int i, k;

    if (section_offers_ntlm(s->lookup_defaults))
        return 1;
    lists[0] = sc->sec_url;
    lists[1] = sc->sec_dir;
    for (k = 0; k < 2; k++)
        for (i = 0; lists[k] != NULL && i < lists[k]->nelts; i++)
            if (section_offers_ntlm(APR_ARRAY_IDX(lists[k], i, ap_conf_vector_t *)))
                return 1;
    return 0;
}

/* NTLM authenticates a connection: each new one costs a handshake, and one
 * that httpd ends between the CHALLENGE and the AUTHENTICATE strands it.
 * Debian's KeepAliveTimeout 5 and MaxKeepAliveRequests 100 end sessions
 * early (IIS: 120 s, no cap); KeepAlive Off makes NTLM impossible. */
#define NEG_KEEPALIVE_MIN_MAX 1000
#define NEG_KEEPALIVE_MIN_TIMEOUT_S 60

static void check_keepalive(apr_pool_t *p, server_rec *s)
{
    for (; s != NULL; s = s->next) {
        int timeout = (int)apr_time_sec(s->keep_alive_timeout);

        if (!server_offers_ntlm(s)
            || (s->keep_alive && timeout >= NEG_KEEPALIVE_MIN_TIMEOUT_S
                && (s->keep_alive_max == 0 || s->keep_alive_max >= NEG_KEEPALIVE_MIN_MAX)))
            continue;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, NEGLOGNO(0020)
                     "NTLM is offered on %s%s with %s: NTLM authenticates a "
                     "connection, and each one httpd closes costs a new "
                     "handshake (or breaks one under way); set KeepAlive On, "
                     "MaxKeepAliveRequests 0 (no limit, as IIS) or at least "
                     "%d, and KeepAliveTimeout %d or more",
                     s->server_hostname ? s->server_hostname : "*",
                     s->port ? apr_psprintf(p, ":%u", (unsigned)s->port) : "",
                     !s->keep_alive ? "KeepAlive Off"
                     : apr_psprintf(p, "MaxKeepAliveRequests %d "
                                    "and KeepAliveTimeout %d", s->keep_alive_max,
                                    timeout),
                     NEG_KEEPALIVE_MIN_MAX, NEG_KEEPALIVE_MIN_TIMEOUT_S);
    }
}

void neg_startup_test_config(apr_pool_t *pconf, server_rec *s)
{
    check_delegation_dirs(s);
    check_short_format(pconf, s);
    neg_startup_checks(pconf, s, checked_module);
    check_keepalive(pconf, s);
}

int neg_startup_post_config(apr_pool_t *ptemp, server_rec *s)
{
    if (!check_delegation_dirs(s))
        return HTTP_INTERNAL_SERVER_ERROR;
    /* once, not in the first of httpd's two configuration passes */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    check_short_format(ptemp, s);
    neg_startup_checks(ptemp, s, checked_module);
    /* at start-up, not at every graceful restart */
    if (ap_state_query(AP_SQ_CONFIG_GEN) <= 1)
        check_keepalive(ptemp, s);
    return OK;
}
