/*
 * wb_probe.c - questions to winbind for the start-up checks, each asked
 * in a child process with a bound on the wait (see winbind.h:
 * neg_wb_count_domains, neg_wb_domain_known).
 */
#include "wb_job.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

/* ---------------------------------------------------------------- probe */

/* A question for start-up checks, asked in a child process: httpd's
 * parent asks before it forks its children, so it must keep no pool
 * threads; and a thread left waiting for a hung winbindd would run on in
 * code httpd unloads between its configuration passes (seen: the parent
 * killed by SIGSEGV). */
typedef struct probe {
    char domain[NEG_WB_NAME_MAX];   /* in: the domain asked about */
    int result;                     /* out */
    char names[512];                /* out: domains winbind knows */
} probe;

static void add_name(char *buf, size_t cap, size_t *used, const char *name)
{
    if (*used < cap)
        *used += (size_t)snprintf(buf + *used, cap - *used, "%s%s",
                                  *used ? " " : "", name);
}

static int count_trusts(probe *pr)
{
    struct wbcContext *ctx = wbcCtxCreate();
    struct wbcDomainInfo *d = NULL;
    size_t n = 0, i, used = 0;
    int count = -1;

    if (ctx != NULL && wbcCtxListTrusts(ctx, &d, &n) == WBC_ERR_SUCCESS) {
        count = 0;
        for (i = 0; i < n; i++) {
            if (d[i].trust_type == WBC_DOMINFO_TRUSTTYPE_LOCAL
                || d[i].short_name == NULL || strcasecmp(d[i].short_name, "BUILTIN") == 0)
                continue;
            count++;
            add_name(pr->names, sizeof(pr->names), &used, d[i].short_name);
        }
        wbcFreeMemory(d);
    }
    if (ctx != NULL)
        wbcCtxFree(ctx);
    return count;
}

/* Every domain winbind lists: "BUILTIN, EXAMPLE (example.test)". */
static void list_domains(struct wbcContext *ctx, char *buf, size_t cap)
{
    struct wbcDomainInfo *d = NULL;
    size_t n = 0, i, used = 0;

    if (wbcCtxListTrusts(ctx, &d, &n) != WBC_ERR_SUCCESS)
        return;
    for (i = 0; i < n && used < cap; i++) {
        int dns = d[i].dns_name != NULL && *d[i].dns_name != '\0';

        if (d[i].short_name == NULL || *d[i].short_name == '\0')
            continue;
        used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s%s",
                                 used ? ", " : "", d[i].short_name,
                                 dns ? " (" : "", dns ? d[i].dns_name : "",
                                 dns ? ")" : "");
    }
    wbcFreeMemory(d);
}

static int check_domain(probe *pr)
{
    struct wbcContext *ctx = wbcCtxCreate();
    struct wbcDomainSid sid;
    int known = -1;

    if (ctx == NULL)
        return -1;
    if (neg_wbc_domain_sid_of(ctx, pr->domain, &sid))
        known = 1;
    else if (neg_wbc_own_domain_answers(ctx))
        known = 0;
    if (known == 0)
        list_domains(ctx, pr->names, sizeof(pr->names));
    wbcCtxFree(ctx);
    return known;
}

/* Read n bytes from fd by the deadline (CLOCK_MONOTONIC); 1 when all came. */
static int read_by(int fd, void *buf, size_t n, const struct timespec *deadline)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    struct timespec now;
    size_t got = 0;
    ssize_t r;
    long ms;

    while (got < n) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (deadline->tv_sec - now.tv_sec) * 1000
           + (deadline->tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0 || poll(&pfd, 1, (int)ms) <= 0)
            return 0;
        r = read(fd, (char *)buf + got, n - got);
        if (r <= 0 && !(r < 0 && errno == EINTR))
            return 0;
        got += r > 0 ? (size_t)r : 0;
    }
    return 1;
}

/* Ask in a child and wait at most timeout_ms: the answer, and what it put
 * into names; -1 when none came in time (the child is killed). */
static int run_probe(int (*ask)(probe *), const char *domain, int timeout_ms,
                     char *names, size_t cap)
{
    struct timespec deadline;
    probe pr;
    int fds[2], got;
    pid_t pid;

    snprintf(names, cap, "%s", "");
    memset(&pr, 0, sizeof(pr));
    neg_wbc_copy_str(pr.domain, sizeof(pr.domain), domain);
    if (pipe(fds) != 0)
        return -1;
    if ((pid = fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        pr.result = ask(&pr);
        _exit(write(fds[1], &pr, sizeof(pr)) == (ssize_t)sizeof(pr) ? 0 : 1);
    }
    close(fds[1]);
    neg_wbc_deadline_after(timeout_ms, &deadline);
    got = read_by(fds[0], &pr, sizeof(pr), &deadline);
    close(fds[0]);
    if (!got)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (!got)
        return -1;
    pr.names[sizeof(pr.names) - 1] = '\0';
    snprintf(names, cap, "%s", pr.names);
    return pr.result;
}

int neg_wb_count_domains(int timeout_ms, char *names, size_t cap)
{
    return run_probe(count_trusts, "", timeout_ms, names, cap);
}

int neg_wb_domain_known(const char *domain, int timeout_ms, char *known, size_t cap)
{
    return run_probe(check_domain, domain, timeout_ms, known, cap);
}
