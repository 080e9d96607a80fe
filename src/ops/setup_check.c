/*
 * setup_check.c - verdicts on a deployment (see setup_check.h): the
 * report, names (URL, DNS, browsers), file access, winbind; the keytab's
 * keys and the KDC are setup_check_krb5.c's.
 *
 * What browsers do with a name, as the checks below assume it:
 * - Chromium (and Edge) resolve the URL's host and ask for HTTP/<canonical
 *   name>, i.e. the CNAME target (policy DisableAuthNegotiateCnameLookup,
 *   off by default), without the port (policy EnableAuthNegotiatePort, off
 *   by default); Internet Explorer and Windows' WinHTTP/WinINet do the
 *   same (the port only with FEATURE_INCLUDE_PORT_IN_SPN_KB908209).
 * - MIT Kerberos clients (curl, Firefox on Linux and macOS) canonicalise
 *   the name as krb5.conf says: forward (dns_canonicalize_hostname) and,
 *   with rdns = true (MIT's default), through the reverse (PTR) lookup.
 * - On Windows, a host name without dots is in the Local intranet zone,
 *   where credentials are sent without asking; a dotted one only if the
 *   zone lists it. Chrome and Edge follow the zones on Windows and the
 *   AuthServerAllowlist policy elsewhere; Firefox sends Kerberos only to
 *   network.negotiate-auth.trusted-uris.
 */
#include "setup_check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apr_strings.h"

/* ------------------------------------------------------------- report */

neg_check_report *neg_check_report_make(apr_pool_t *p)
{
    neg_check_report *r = apr_pcalloc(p, sizeof(*r));

    r->pool = p;
    r->items = apr_array_make(p, 32, sizeof(neg_check_item));
    return r;
}

neg_check_item *neg_check_add(neg_check_report *r, neg_check_level level,
                              const char *area, const char *fix,
                              const char *fmt, ...)
{
    neg_check_item *it = apr_array_push(r->items);
    va_list ap;

    va_start(ap, fmt);
    it->text = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    it->level = level;
    it->area = area;
    it->fix = fix ? apr_pstrdup(r->pool, fix) : NULL;
    return it;
}

neg_check_level neg_check_worst(const neg_check_report *r)
{
    neg_check_level worst = NEG_CHECK_OK;
    int i;

    for (i = 0; i < r->items->nelts; i++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, i, neg_check_item);
        if (it->level > worst)
            worst = it->level;
    }
    return worst;
}

size_t neg_check_count(const neg_check_report *r, neg_check_level level)
{
    size_t n = 0;
    int i;

    for (i = 0; i < r->items->nelts; i++)
        n += APR_ARRAY_IDX(r->items, i, neg_check_item).level == level;
    return n;
}

const char *neg_check_level_name(neg_check_level level)
{
    switch (level) {
    case NEG_CHECK_OK:   return "OK";
    case NEG_CHECK_INFO: return "INFO";
    case NEG_CHECK_WARN: return "WARN";
    case NEG_CHECK_FAIL: return "FAIL";
    }
    return "?";
}

/* -------------------------------------------------------------- names */

static char *lower(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_pstrndup(p, s, n);
    char *c;

    for (c = out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

/* Compare host names: case-insensitive, a trailing dot ignored. */
static int same_host(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

const char *neg_url_parse(apr_pool_t *p, const char *text, neg_url *out)
{
    const char *s = text, *host_end, *port_start = NULL;
    const char *sep;

    memset(out, 0, sizeof(*out));
    out->scheme = "http";
    sep = strstr(s, "://");
    if (sep != NULL) {
        out->scheme = lower(p, s, (size_t)(sep - s));
        if (strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
            return apr_psprintf(p, "'%s' is not an http or https URL", text);
        s = sep + 3;
    }
    out->port = strcmp(out->scheme, "https") == 0 ? 443 : 80;
    if (*s == '[') {
        host_end = strchr(s, ']');
        if (host_end == NULL)
            return apr_psprintf(p, "'%s' has an unclosed '['", text);
        out->host = lower(p, s + 1, (size_t)(host_end - s - 1));
        s = host_end + 1;
        if (*s == ':')
            port_start = s + 1;
    }
    else {
        host_end = s + strcspn(s, ":/?#");
        out->host = lower(p, s, (size_t)(host_end - s));
        s = host_end;
        if (*s == ':')
            port_start = s + 1;
    }
    if (port_start != NULL) {
        char *end;
        long port = strtol(port_start, &end, 10);
        if (end == port_start || port < 1 || port > 65535 || (*end && !strchr("/?#", *end)))
            return apr_psprintf(p, "'%s' has an invalid port", text);
        out->port = (int)port;
        s = end;
    }
    if (out->host[0] == '\0')
        return apr_psprintf(p, "'%s' has no host name", text);
    out->path = *s == '/' ? apr_pstrdup(p, s) : "/";
    out->default_port = out->port == (strcmp(out->scheme, "https") == 0 ? 443 : 80);
    out->is_ip = is_ip_literal(out->host);
    return NULL;
}

const char *neg_browser_spn(apr_pool_t *p, const char *canonical_host)
{
    size_t n = strlen(canonical_host);

    if (n > 0 && canonical_host[n - 1] == '.')
        n--;
    return apr_pstrcat(p, "HTTP/", lower(p, canonical_host, n), NULL);
}

static const char *port_note(apr_pool_t *p, const neg_url *url)
{
    if (url->default_port)
        return "";
    return apr_psprintf(p, "; the port %d is not part of it: Chromium, Edge "
                        "(policy EnableAuthNegotiatePort) and Windows "
                        "(FEATURE_INCLUDE_PORT_IN_SPN_KB908209) leave the "
                        "port out by default", url->port);
}

static void check_reverse(neg_check_report *r, const neg_dns_facts *dns,
                          const char *canonical)
{
    apr_pool_t *p = r->pool;

    if (dns->reverse == NULL) {
        neg_check_add(r, NEG_CHECK_INFO, "dns", NULL,
                      "%s has no reverse (PTR) record: clients that "
                      "canonicalise through reverse DNS use the forward "
                      "name, %s", dns->address, canonical);
    }
    else if (same_host(dns->reverse, canonical)) {
        neg_check_add(r, NEG_CHECK_OK, "dns", NULL,
                      "the reverse lookup of %s gives %s", dns->address,
                      dns->reverse);
    }
    else {
        neg_check_add(r, NEG_CHECK_WARN, "dns",
                      apr_psprintf(p, "make the PTR record of %s name %s, or "
                                   "register %s too, or set rdns = false in "
                                   "the clients' krb5.conf", dns->address,
                                   canonical, neg_browser_spn(p, dns->reverse)),
                      "the reverse lookup of %s gives %s, not %s: Kerberos "
                      "clients that canonicalise through reverse DNS (MIT "
                      "Kerberos with rdns = true, its default: curl, Firefox "
                      "on Linux and macOS) ask for %s", dns->address,
                      dns->reverse, canonical, neg_browser_spn(p, dns->reverse));
    }
}

const char *neg_check_dns(neg_check_report *r, const neg_url *url,
                          const neg_dns_facts *dns)
{
    apr_pool_t *p = r->pool;
    const char *canonical, *spn;

    if (url->is_ip) {
        neg_check_add(r, NEG_CHECK_FAIL, "dns",
                      "use the server's DNS name in the URL and register "
                      "HTTP/<name> for it",
                      "the URL names the server by its address %s: browsers "
                      "do not ask for Kerberos tickets for an IP address "
                      "(Windows falls back to NTLM)", url->host);
        return NULL;
    }
    if (dns->error != NULL || dns->address == NULL) {
        neg_check_add(r, NEG_CHECK_FAIL, "dns",
                      apr_psprintf(p, "give %s an A (or AAAA) record, or "
                                   "check this server's resolver "
                                   "(/etc/resolv.conf); to check a name "
                                   "before DNS has it, pass --resolve %s:ADDRESS",
                                   url->host, url->host),
                      "%s does not resolve: %s", url->host,
                      dns->error ? dns->error : "no address");
        return NULL;
    }
    neg_check_add(r, NEG_CHECK_OK, "dns", NULL, "%s resolves to %s%s",
                  url->host, dns->addresses ? dns->addresses : dns->address,
                  dns->overridden ? " (given with --resolve; not looked up)" : "");
    canonical = dns->canonical ? dns->canonical : url->host;
    if (!same_host(canonical, url->host))
        neg_check_add(r, NEG_CHECK_INFO, "dns",
                      apr_psprintf(p, "register %s (not only %s), or give %s "
                                   "an A record of its own instead of a CNAME",
                                   neg_browser_spn(p, canonical),
                                   neg_browser_spn(p, url->host), url->host),
                      "%s is an alias (CNAME) of %s: browsers ask for a ticket "
                      "for the canonical name", url->host, canonical);
    else if (!dns->overridden)
        neg_check_add(r, NEG_CHECK_OK, "dns", NULL,
                      "%s is not an alias (CNAME): its canonical name is itself",
                      url->host);
    check_reverse(r, dns, canonical);
    spn = neg_browser_spn(p, canonical);
    neg_check_add(r, NEG_CHECK_OK, "dns", NULL,
                  "browsers ask for a ticket for %s%s", spn, port_note(p, url));
    return spn;
}

void neg_check_browser(neg_check_report *r, const neg_url *url)
{
    apr_pool_t *p = r->pool;
    const char *site = apr_psprintf(p, "%s://%s", url->scheme, url->host);

    if (url->is_ip)
        return;
    if (strchr(url->host, '.') == NULL)
        neg_check_add(r, NEG_CHECK_OK, "browser", NULL,
                      "%s has no dot: Windows counts it in the Local intranet "
                      "zone, where Edge, Chrome and Internet Explorer log on "
                      "without asking", url->host);
    else
        neg_check_add(r, NEG_CHECK_INFO, "browser",
                      apr_psprintf(p, "add %s to the Local intranet zone (Group "
                                   "Policy: Site to Zone Assignment List, %s = 1)",
                                   site, site),
                      "%s has dots: Windows counts it in the Internet zone "
                      "unless the Local intranet zone lists it, and there Edge, "
                      "Chrome and Internet Explorer do not log on by themselves",
                      url->host);
    neg_check_add(r, NEG_CHECK_INFO, "browser",
                  apr_psprintf(p, "policy AuthServerAllowlist = \"%s\" (Chrome: "
                               "chrome://policy; Edge: the same policy name)",
                               url->host),
                  "Chrome and Edge on Windows follow the zones; on Linux and "
                  "macOS they use Kerberos only for hosts in the "
                  "AuthServerAllowlist policy");
    neg_check_add(r, NEG_CHECK_INFO, "browser",
                  apr_psprintf(p, "about:config or policies.json "
                               "(Authentication.SPNEGO): "
                               "network.negotiate-auth.trusted-uris = %s", site),
                  "Firefox uses Kerberos only for sites listed in "
                  "network.negotiate-auth.trusted-uris");
}

/* ------------------------------------------------------------- files */

static int in_groups(gid_t gid, const gid_t *groups, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (groups[i] == gid)
            return 1;
    }
    return 0;
}

int neg_check_mode_allows(const struct stat *st, uid_t uid, const gid_t *groups,
                          int n_groups, int want)
{
    mode_t bits;

    if (uid == 0)
        return (want & X_OK) == 0 || S_ISDIR(st->st_mode)
               || (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
    if (st->st_uid == uid)
        bits = (st->st_mode >> 6) & 7;
    else if (in_groups(st->st_gid, groups, n_groups))
        bits = (st->st_mode >> 3) & 7;
    else
        bits = st->st_mode & 7;
    return ((mode_t)want & ~bits) == 0;
}

static const char *describe_owner(apr_pool_t *p, const struct stat *st)
{
    return apr_psprintf(p, "owner uid %ld, group gid %ld, mode %04o",
                        (long)st->st_uid, (long)st->st_gid,
                        (unsigned)(st->st_mode & 07777));
}

void neg_check_keytab_access(neg_check_report *r, const char *path,
                             const struct stat *st, const neg_apache_user *u,
                             int opened_as_user, int open_errno)
{
    apr_pool_t *p = r->pool;
    int by_mode = neg_check_mode_allows(st, u->uid, u->groups, u->n_groups, R_OK);
    const char *who = apr_psprintf(p, "%s (uid %ld, groups %s)", u->name,
                                   (long)u->uid, u->group_names);
    const char *fix = apr_psprintf(p, "chown root:%s %s && chmod 0640 %s",
                                   u->group, path, path);

    if (opened_as_user == 1)
        neg_check_add(r, NEG_CHECK_OK, "keytab", NULL,
                      "the Apache user %s can read %s (opened as that user; %s)",
                      who, path, describe_owner(p, st));
    else if (opened_as_user == 0 && by_mode)
        neg_check_add(r, NEG_CHECK_FAIL, "keytab",
                      apr_psprintf(p, "give %s search (x) permission on every "
                                   "directory above %s", u->name, path),
                      "the Apache user %s cannot open %s (%s), although its "
                      "mode allows it (%s): a directory on the way is closed "
                      "to it", who, path, strerror(open_errno),
                      describe_owner(p, st));
    else if (opened_as_user == 0 || !by_mode)
        neg_check_add(r, NEG_CHECK_FAIL, "keytab", fix,
                      "the Apache user %s cannot read %s (%s): the module "
                      "refuses every Kerberos logon", who, path,
                      describe_owner(p, st));
    else
        neg_check_add(r, NEG_CHECK_OK, "keytab", NULL,
                      "the Apache user %s can read %s by its mode (%s; not "
                      "opened as that user: run as root for that)", who, path,
                      describe_owner(p, st));
    if (st->st_mode & S_IROTH)
        neg_check_add(r, NEG_CHECK_WARN, "keytab",
                      apr_psprintf(p, "chmod o-rwx %s", path),
                      "%s is readable by every local user: anyone on this "
                      "machine can pose as the web server", path);
}

/* ------------------------------------------------------------ winbind */

/* Sockets named like the privileged pipe that are not root's: not
 * winbindd's, or winbindd's in a directory libwbclient refuses. */
static void check_priv_skipped(neg_check_report *r, const neg_winbind_facts *wb)
{
    apr_pool_t *p = r->pool;
    const apr_array_header_t *a = wb->priv_skipped;
    const char *list = "";
    int i;

    if (a == NULL || a->nelts == 0)
        return;
    for (i = 0; i < a->nelts && i < 3; i++)
        list = apr_pstrcat(p, list, i ? "; " : "", APR_ARRAY_IDX(a, i, const char *),
                           NULL);
    if (a->nelts > 3)
        list = apr_psprintf(p, "%s; and %d more", list, a->nelts - 3);
    neg_check_add(r, NEG_CHECK_WARN, "winbind",
                  "if it is winbindd's own, make its directory root's and closed "
                  "to others' writes (chown root DIR; chmod 0750 DIR); else find "
                  "who listens on it (ss -xlp) and remove it: a local user may be "
                  "posing as winbindd",
                  "skipped %d socket%s named like winbind's privileged pipe, not "
                  "used since a socket of winbindd's is root's in a directory of "
                  "root's that no one else can write to: %s", a->nelts,
                  a->nelts == 1 ? "" : "s", list);
}

static void check_priv_pipe(neg_check_report *r, const neg_winbind_facts *wb,
                            const neg_apache_user *u)
{
    apr_pool_t *p = r->pool;
    const char *who = apr_psprintf(p, "%s (uid %ld, groups %s)", u->name,
                                   (long)u->uid, u->group_names);
    int by_mode = -1;
    const char *where = "winbind's privileged pipe";
    const char *fix;

    if (wb->priv_dir != NULL && wb->priv_st != NULL) {
        by_mode = neg_check_mode_allows(wb->priv_st, u->uid, u->groups,
                                        u->n_groups, X_OK);
        where = apr_psprintf(p, "winbind's privileged pipe in %s (%s)",
                             wb->priv_dir, describe_owner(p, wb->priv_st));
        if (wb->priv_st->st_uid != 0)
            neg_check_add(r, NEG_CHECK_FAIL, "winbind",
                          apr_psprintf(p, "chown root %s", wb->priv_dir),
                          "%s is not owned by root: libwbclient refuses to "
                          "use it", wb->priv_dir);
    }
    if (wb->priv_dir == NULL || wb->priv_st == NULL)
        fix = apr_psprintf(p, "make the winbindd_privileged directory's group "
                           "one of %s's groups (Debian: usermod -aG "
                           "winbindd_priv %s), then restart httpd", u->name,
                           u->name);
    else if (wb->priv_st->st_gid == 0)
        fix = apr_psprintf(p, "chgrp %s %s (it must stay root-owned, mode "
                           "0750), then restart httpd", u->group, wb->priv_dir);
    else
        fix = apr_psprintf(p, "usermod -aG %s %s (the directory's group), or "
                           "chgrp %s %s (it must stay root-owned, mode 0750); "
                           "then restart httpd",
                           wb->priv_group ? wb->priv_group : "GROUP", u->name,
                           u->group, wb->priv_dir);
    if (wb->priv_call == 1)
        neg_check_add(r, NEG_CHECK_OK, "winbind", NULL,
                      "the Apache user %s can use %s: a call as that user got "
                      "the domain's answer", who, where);
    else if (wb->priv_call == 0)
        neg_check_add(r, NEG_CHECK_FAIL, "winbind", fix,
                      "the Apache user %s cannot use %s (%s): every NTLM and "
                      "Basic logon fails (NEG0304)", who, where,
                      wb->priv_error ? wb->priv_error : "refused");
    else if (by_mode == 1)
        neg_check_add(r, NEG_CHECK_OK, "winbind", NULL,
                      "the Apache user %s may use %s by its mode (not tried as "
                      "that user: run as root for that)", who, where);
    else if (by_mode == 0)
        neg_check_add(r, NEG_CHECK_FAIL, "winbind", fix,
                      "the Apache user %s cannot use %s: every NTLM and Basic "
                      "logon fails (NEG0304)", who, where);
    else
        neg_check_add(r, NEG_CHECK_WARN, "winbind",
                      "pass --winbind-privileged-dir DIR (Debian: "
                      "/var/lib/samba/winbindd_privileged)",
                      "could not find winbind's privileged pipe, nor try it "
                      "as %s", u->name);
}

void neg_check_winbind(neg_check_report *r, const neg_winbind_facts *wb,
                       const neg_apache_user *u)
{
    apr_pool_t *p = r->pool;

    if (!wb->ping) {
        neg_check_add(r, NEG_CHECK_FAIL, "winbind",
                      "run winbindd on this server, joined to the domain (net "
                      "ads join -U Administrator; systemctl start winbind); "
                      "wbinfo -p must answer",
                      "winbindd does not answer (%s): every NTLM and Basic "
                      "logon fails", wb->ping_error ? wb->ping_error : "no answer");
        return;
    }
    neg_check_add(r, NEG_CHECK_OK, "winbind", NULL, "winbindd answers");
    if (wb->dc_ok == 1)
        neg_check_add(r, NEG_CHECK_OK, "winbind", NULL,
                      "the domain controller %s of %s answers",
                      wb->dc_name ? wb->dc_name : "(unnamed)",
                      wb->domain ? wb->domain : "the domain");
    else if (wb->dc_ok == 0)
        neg_check_add(r, NEG_CHECK_FAIL, "winbind",
                      "check wbinfo --ping-dc and the machine account (net ads "
                      "testjoin); rejoin the domain if its trust is broken",
                      "winbind cannot reach a domain controller of %s (%s): "
                      "every NTLM and Basic logon fails",
                      wb->domain ? wb->domain : "the domain",
                      wb->dc_error ? wb->dc_error : "no answer");
    check_priv_skipped(r, wb);
    check_priv_pipe(r, wb, u);
    if (wb->logon == 1)
        neg_check_add(r, NEG_CHECK_OK, "winbind", NULL,
                      "test logon of %s (NTLMv2 through winbind, as %s): the "
                      "domain accepts it as %s%s", wb->logon_user,
                      wb->logon_as_root ? "root" : u->name, wb->logon_as,
                      wb->logon_as_root ? " (made as root: the privileged "
                      "pipe is closed to the Apache user)" : "");
    else if (wb->logon == 0)
        neg_check_add(r, NEG_CHECK_FAIL, "winbind",
                      apr_psprintf(p, "check the name and password (wbinfo -a "
                                   "'%s%%PASSWORD' as root gives the domain's "
                                   "own answer)", wb->logon_user),
                      "test logon of %s (NTLMv2 through winbind, as %s) "
                      "refused: %s", wb->logon_user,
                      wb->logon_as_root ? "root" : u->name,
                      wb->logon_error ? wb->logon_error : "refused");
}
