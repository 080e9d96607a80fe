/*
 * startup_facts.c - the facts of the start-up checks (startup_facts.h):
 * the Apache user, the keytabs, and the probe child.
 */
#include "startup_facts.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "unixd.h"
#include "apr_strings.h"

#include "startup.h"            /* NEG_STARTUP_PROBE_MS */

#define MAX_GROUPS 256

/* httpd started as root runs its children as User and Group with User's
 * supplementary groups; started by anyone else, as that user. */
void neg_startup_apache_user(checks *ck)
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

keytab *neg_startup_keytab_of(checks *ck, const char *name)
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

void neg_startup_probe(checks *ck)
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
