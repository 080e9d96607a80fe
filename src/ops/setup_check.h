/*
 * setup_check.h - verdicts on a deployment: what a check found, as OK,
 * INFO, WARN or FAIL with the fix, from facts gathered elsewhere.
 *
 * Pure functions (no I/O, no httpd types): negotiate-doctor feeds them what
 * its probes found (setup_probe.h), and the module's start-up checks can
 * feed them what httpd's configuration says. Every verdict names the
 * exact thing that is wrong and the command that fixes it.
 */
#ifndef NEG_SETUP_CHECK_H
#define NEG_SETUP_CHECK_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "apr_pools.h"
#include "apr_tables.h"

typedef enum {
    NEG_CHECK_OK = 0,
    NEG_CHECK_INFO,         /* advice; not a fault */
    NEG_CHECK_WARN,         /* works, but not everywhere or not for long */
    NEG_CHECK_FAIL          /* logons fail because of it */
} neg_check_level;

typedef struct {
    neg_check_level level;
    const char *area;       /* "dns", "keytab", "kdc", "clock", "winbind", "browser" */
    const char *text;       /* what was found, one line */
    const char *fix;        /* what to do; NULL when there is nothing to do */
} neg_check_item;

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *items;      /* neg_check_item */
} neg_check_report;

neg_check_report *neg_check_report_make(apr_pool_t *p);

/* Add one verdict; fix may be NULL. The text is a printf format. */
neg_check_item *neg_check_add(neg_check_report *r, neg_check_level level,
                              const char *area, const char *fix,
                              const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

neg_check_level neg_check_worst(const neg_check_report *r);
size_t neg_check_count(const neg_check_report *r, neg_check_level level);
const char *neg_check_level_name(neg_check_level level);

/* ------------------------------------------------------------- names */

typedef struct {
    const char *scheme;     /* http, https */
    const char *host;       /* lower-cased, without brackets */
    int port;
    int default_port;       /* the port is the scheme's default */
    int is_ip;              /* the host is an IPv4 or IPv6 literal */
    const char *path;
} neg_url;

/* Parse an http(s) URL, or a bare host name; NULL or why not. */
const char *neg_url_parse(apr_pool_t *p, const char *text, neg_url *out);

/* The service principal a browser asks for: HTTP/<canonical name>, no
 * port (Chromium's EnableAuthNegotiatePort and Internet Explorer's
 * FEATURE_INCLUDE_PORT_IN_SPN are off by default), lower case, without a
 * trailing dot. */
const char *neg_browser_spn(apr_pool_t *p, const char *canonical_host);

/* What DNS said about the URL's host (setup_probe.c gathers it). */
typedef struct {
    const char *host;           /* as in the URL */
    const char *canonical;      /* the canonical name (CNAME target), or NULL */
    const char *address;        /* first address, or NULL if none */
    const char *addresses;      /* all of them, for the report */
    const char *reverse;        /* PTR name of the first address, or NULL */
    const char *error;          /* why the host does not resolve */
    int overridden;             /* --resolve: the address was given */
} neg_dns_facts;

/* DNS, CNAME, reverse lookup and the SPN that follows; returns the SPN
 * that browsers will ask for (NULL when the host does not resolve). */
const char *neg_check_dns(neg_check_report *r, const neg_url *url,
                          const neg_dns_facts *dns);

/* Advice on the browser side for a URL (zones, allow-lists). */
void neg_check_browser(neg_check_report *r, const neg_url *url);

/* ------------------------------------------------------------- files */

/* Whether uid with these groups gets `want` (R_OK, W_OK, X_OK bits) on a
 * file of this owner and mode, by the classic owner/group/other rule
 * (no ACLs). uid 0 passes, as the kernel lets it (X_OK needs any x bit). */
int neg_check_mode_allows(const struct stat *st, uid_t uid, const gid_t *groups,
                          int n_groups, int want);

/* Who the Apache user is, for the verdicts. */
typedef struct {
    const char *name;           /* www-data */
    uid_t uid;
    gid_t gid;                  /* httpd's Group */
    const char *group;          /* its name */
    const gid_t *groups;        /* every group the workers have */
    int n_groups;
    const char *group_names;    /* "www-data negauth", for the report */
} neg_apache_user;

/* The keytab must be readable by the Apache user: from its mode (and,
 * when opened_as_user is 0 or 1, what opening it as that user gave;
 * -1: not tried, open_errno otherwise). */
void neg_check_keytab_access(neg_check_report *r, const char *path,
                             const struct stat *st, const neg_apache_user *u,
                             int opened_as_user, int open_errno);

/* ------------------------------------------------------------ winbind */

typedef struct {
    int ping;                   /* winbindd answers */
    const char *ping_error;
    int dc_ok;                  /* the domain controller answers (-1 not tried) */
    const char *domain;         /* EXAMPLE */
    const char *dc_name;        /* DC1 */
    const char *dc_error;
    /* the privileged pipe */
    const char *priv_dir;       /* NULL: not found */
    const struct stat *priv_st;
    /* sockets named like it that are not root's: "DIR/pipe (why)" (or NULL) */
    const apr_array_header_t *priv_skipped;
    const char *priv_group;     /* the name of its group */
    int priv_call;              /* 1 a call as the Apache user reached it,
                                 * 0 it was refused, -1 not tried */
    const char *priv_error;
    /* the optional test logon */
    int logon;                  /* 1 accepted, 0 refused, -1 not tried */
    const char *logon_user;     /* EXAMPLE\alice as given */
    const char *logon_as;       /* as the domain knows it */
    const char *logon_error;
    int logon_as_root;          /* made as root: the pipe is closed to the user */
} neg_winbind_facts;

void neg_check_winbind(neg_check_report *r, const neg_winbind_facts *wb,
                       const neg_apache_user *u);

/* The Kerberos verdicts (keys, KDC, clock, delegation): setup_check_krb5.h. */

#endif
