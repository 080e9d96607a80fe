/*
 * setup_probe.c - the facts about a deployment (see setup_probe.h): the
 * Apache user and probes run as that user, DNS.
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
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apr_strings.h"

#define MAX_GROUPS 256

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
