/*
 * httpd_conf.c - read the directives negotiate-doctor needs from an httpd
 * configuration (see httpd_conf.h).
 */
#include "httpd_conf.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "apr_strings.h"
#include "apr_tables.h"

#define MAX_DEPTH 16
#define MAX_ARGS 64

typedef struct {
    apr_pool_t *p;
    neg_httpd_conf *c;
    apr_table_t *vars;                  /* Define and envvars */
    neg_conf_vhost *vhost;              /* where server-level directives go */
    neg_conf_section *section;          /* the open auth section, if any */
    int section_depth;                  /* nesting depth it was opened at */
    int depth;                          /* open sections */
    int includes;                       /* files being read */
    const char *file;
    int line;
} reader;

static void warn(reader *r, const char *fmt, const char *arg)
{
    APR_ARRAY_PUSH(r->c->warnings, const char *) =
        apr_psprintf(r->p, "%s:%d: %s", r->file, r->line,
                     apr_psprintf(r->p, fmt, arg));
}

static void auth_init(neg_conf_auth *a)
{
    memset(a, 0, sizeof(*a));
    a->basic = -1;
}

static neg_conf_vhost *vhost_make(apr_pool_t *p, const char *addr)
{
    neg_conf_vhost *v = apr_pcalloc(p, sizeof(*v));

    v->addr = addr;
    v->aliases = apr_array_make(p, 4, sizeof(const char *));
    v->sections = apr_array_make(p, 4, sizeof(neg_conf_section *));
    auth_init(&v->auth);
    return v;
}

/* ---------------------------------------------------------------- text */

/* ${NAME}: Define, then the environment, then envvars. */
static const char *expand(reader *r, const char *s)
{
    const char *out = "", *start;

    while ((start = strstr(s, "${")) != NULL) {
        const char *end = strchr(start, '}');
        const char *name, *value;
        if (end == NULL)
            break;
        name = apr_pstrndup(r->p, start + 2, (apr_size_t)(end - start - 2));
        value = apr_table_get(r->vars, name);
        if (value == NULL)
            value = getenv(name);
        if (value == NULL) {
            warn(r, "${%s} is not defined", name);
            value = "";
        }
        out = apr_pstrcat(r->p, out, apr_pstrndup(r->p, s, (apr_size_t)(start - s)),
                          value, NULL);
        s = end + 1;
    }
    return apr_pstrcat(r->p, out, s, NULL);
}

/* Split a line into words; "quoted words" may hold spaces. */
static int split(apr_pool_t *p, const char *line, const char **argv, int max)
{
    int n = 0;

    while (*line && n < max) {
        const char *start;
        while (isspace((unsigned char)*line))
            line++;
        if (*line == '\0')
            break;
        if (*line == '"' || *line == '\'') {
            char q = *line++;
            start = line;
            while (*line && *line != q)
                line++;
            argv[n++] = apr_pstrndup(p, start, (apr_size_t)(line - start));
            if (*line)
                line++;
        }
        else {
            start = line;
            while (*line && !isspace((unsigned char)*line))
                line++;
            argv[n++] = apr_pstrndup(p, start, (apr_size_t)(line - start));
        }
    }
    return n;
}

/* "https://www.example.com:8443" or "www.example.com:80" -> host, port */
static const char *host_of(apr_pool_t *p, const char *name, int *port)
{
    const char *s = strstr(name, "://");
    const char *colon;

    s = s ? s + 3 : name;
    colon = strrchr(s, ':');
    if (colon != NULL && strchr(s, ']') < colon) {
        if (port != NULL)
            *port = atoi(colon + 1);
        return apr_pstrndup(p, s, (apr_size_t)(colon - s));
    }
    return apr_pstrdup(p, s);
}

static const char *absolute(reader *r, const char *path)
{
    if (path[0] == '/')
        return path;
    return apr_pstrcat(r->p, r->c->server_root, "/", path, NULL);
}

/* ----------------------------------------------------------- directives */

static neg_conf_auth *auth_here(reader *r)
{
    return r->section ? &r->section->auth : &r->vhost->auth;
}

static void auth_directive(reader *r, const char **argv, int argc)
{
    neg_conf_auth *a = auth_here(r);
    int i;

    if (strcasecmp(argv[0], "AuthType") == 0 && argc > 1)
        a->auth_type = argv[1];
    else if (strcasecmp(argv[0], "NegotiateKeytab") == 0 && argc > 1)
        a->keytab = argv[1];
    else if (strcasecmp(argv[0], "NegotiateProviders") == 0 && argc > 1) {
        a->providers = argv[1];
        for (i = 2; i < argc; i++)
            a->providers = apr_pstrcat(r->p, a->providers, " ", argv[i], NULL);
    }
    else if (strcasecmp(argv[0], "NegotiateBasic") == 0 && argc > 1)
        a->basic = strcasecmp(argv[1], "on") == 0;
    else if (strcasecmp(argv[0], "NegotiateDelegateTo") == 0) {
        a->delegate_to = apr_array_make(r->p, 4, sizeof(const char *));
        for (i = 1; i < argc; i++)
            APR_ARRAY_PUSH(a->delegate_to, const char *) = argv[i];
    }
    else if (strcasecmp(argv[0], "NegotiateServicePrincipal") == 0) {
        a->principals = apr_array_make(r->p, 4, sizeof(const char *));
        for (i = 1; i < argc; i++) {
            if (strcasecmp(argv[i], "any") != 0)
                APR_ARRAY_PUSH(a->principals, const char *) = argv[i];
        }
    }
}

static const char *read_file(reader *r, const char *path, int optional);

static void include(reader *r, const char *pattern, int optional)
{
    glob_t g;
    struct stat st;
    size_t i;
    const char *path = absolute(r, pattern);

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        path = apr_pstrcat(r->p, path, "/*", NULL);
    if (glob(path, 0, NULL, &g) != 0) {
        if (!optional && strpbrk(path, "*?[") == NULL)
            warn(r, "Include %s: no such file", path);
        return;
    }
    for (i = 0; i < g.gl_pathc; i++) {
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
            read_file(r, apr_pstrdup(r->p, g.gl_pathv[i]), optional);
    }
    globfree(&g);
}

static void server_directive(reader *r, const char **argv, int argc)
{
    neg_conf_vhost *v = r->vhost;
    int i;

    if (strcasecmp(argv[0], "ServerRoot") == 0 && argc > 1)
        r->c->server_root = argv[1];
    else if (strcasecmp(argv[0], "Define") == 0 && argc > 1)
        apr_table_set(r->vars, argv[1], argc > 2 ? argv[2] : "");
    else if (strcasecmp(argv[0], "User") == 0 && argc > 1)
        r->c->user = argv[1];
    else if (strcasecmp(argv[0], "Group") == 0 && argc > 1)
        r->c->group = argv[1];
    else if (strcasecmp(argv[0], "ServerName") == 0 && argc > 1)
        v->server_name = host_of(r->p, argv[1], v->port ? NULL : &v->port);
    else if (strcasecmp(argv[0], "ServerAlias") == 0) {
        for (i = 1; i < argc; i++)
            APR_ARRAY_PUSH(v->aliases, const char *) = host_of(r->p, argv[i], NULL);
    }
    else if (strcasecmp(argv[0], "SSLEngine") == 0 && argc > 1)
        v->ssl = strcasecmp(argv[1], "on") == 0;
    else if (strcasecmp(argv[0], "Include") == 0 && argc > 1)
        include(r, argv[1], 0);
    else if (strcasecmp(argv[0], "IncludeOptional") == 0 && argc > 1)
        include(r, argv[1], 1);
    else
        auth_directive(r, argv, argc);
}

static int is_auth_section(const char *name)
{
    static const char *const kinds[] = { "Location", "LocationMatch", "Directory",
                                         "DirectoryMatch", "Files", "FilesMatch",
                                         "Proxy", "ProxyMatch", NULL };
    int i;

    for (i = 0; kinds[i]; i++) {
        if (strcasecmp(name, kinds[i]) == 0)
            return 1;
    }
    return 0;
}

static void open_section(reader *r, const char **argv, int argc)
{
    const char *name = argv[0] + 1;
    const char *arg = argc > 1 ? argv[1] : "";
    size_t n = strlen(arg);

    if (n > 0 && arg[n - 1] == '>')      /* <Location /app/> */
        arg = apr_pstrndup(r->p, arg, n - 1);
    r->depth++;
    if (strcasecmp(name, "VirtualHost") == 0) {
        int port = 0;
        neg_conf_vhost *v = vhost_make(r->p, arg);
        host_of(r->p, arg, &port);
        v->port = port;
        v->file = r->file;
        v->line = r->line;
        APR_ARRAY_PUSH(r->c->vhosts, neg_conf_vhost *) = v;
        r->vhost = v;
    }
    else if (is_auth_section(name) && r->section == NULL) {
        neg_conf_section *s = apr_pcalloc(r->p, sizeof(*s));
        s->kind = apr_pstrdup(r->p, name);
        s->path = arg;
        s->file = r->file;
        s->line = r->line;
        auth_init(&s->auth);
        APR_ARRAY_PUSH(r->vhost->sections, neg_conf_section *) = s;
        r->section = s;
        r->section_depth = r->depth;
    }
}

static void close_section(reader *r, const char *name)
{
    if (r->section != NULL && r->depth == r->section_depth)
        r->section = NULL;
    if (strncasecmp(name, "</VirtualHost", 13) == 0)
        r->vhost = r->c->main;
    if (r->depth > 0)
        r->depth--;
}

static void handle_line(reader *r, const char *line)
{
    const char *argv[MAX_ARGS];
    int argc = split(r->p, expand(r, line), argv, MAX_ARGS);

    if (argc == 0)
        return;
    if (argv[0][0] == '<' && argv[0][1] == '/')
        close_section(r, argv[0]);
    else if (argv[0][0] == '<') {
        size_t n = strlen(argv[0]);
        if (argv[0][n - 1] == '>')
            argv[0] = apr_pstrndup(r->p, argv[0], n - 1);
        open_section(r, argv, argc);
    }
    else
        server_directive(r, argv, argc);
}

/* Lines with "\" continuations joined, comments dropped. */
static const char *read_file(reader *r, const char *path, int optional)
{
    FILE *f;
    char buf[8192];
    const char *pending = NULL, *saved_file = r->file;
    int saved_line = r->line, line_no = 0;

    if (r->includes >= MAX_DEPTH || r->c->files->nelts > 1000)
        return apr_psprintf(r->p, "%s: Include nested too deep", path);
    f = fopen(path, "r");
    if (f == NULL) {
        if (!optional)
            warn(r, "cannot read %s", apr_psprintf(r->p, "%s: %s", path, strerror(errno)));
        return apr_psprintf(r->p, "cannot read %s: %s", path, strerror(errno));
    }
    APR_ARRAY_PUSH(r->c->files, const char *) = path;
    r->file = path;
    r->includes++;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        char *s = buf;
        size_t n;
        line_no++;
        s[strcspn(s, "\r\n")] = '\0';
        n = strlen(s);
        if (n > 0 && s[n - 1] == '\\') {
            s[n - 1] = ' ';
            pending = apr_pstrcat(r->p, pending ? pending : "", s, NULL);
            continue;
        }
        if (pending != NULL) {
            s = apr_pstrcat(r->p, pending, s, NULL);
            pending = NULL;
        }
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '#' || *s == '\0')
            continue;
        r->line = line_no;
        handle_line(r, s);
    }
    fclose(f);
    r->includes--;
    r->file = saved_file;
    r->line = saved_line;
    return NULL;
}

/* Debian's envvars: "export APACHE_RUN_USER=www-data" (values without
 * shell expansions; the environment wins). */
static void read_envvars(reader *r, const char *dir)
{
    FILE *f = fopen(apr_pstrcat(r->p, dir, "/envvars", NULL), "r");
    char buf[1024];

    while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
        char *s = buf, *eq, *value;
        size_t n;
        while (isspace((unsigned char)*s))
            s++;
        if (strncmp(s, "export ", 7) != 0 || strpbrk(s, "$`") != NULL)
            continue;
        s += 7;
        eq = strchr(s, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        value = eq + 1;
        value[strcspn(value, "\r\n")] = '\0';
        n = strlen(value);
        if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
            value[n - 1] = '\0';
            value++;
        }
        if (getenv(s) == NULL)
            apr_table_set(r->vars, s, value);
    }
    if (f != NULL)
        fclose(f);
}

const char *neg_httpd_conf_read(apr_pool_t *p, const char *path,
                                const char *server_root, neg_httpd_conf **out)
{
    reader r;
    neg_httpd_conf *c = apr_pcalloc(p, sizeof(*c));
    const char *dir, *slash = strrchr(path, '/');
    const char *error;

    dir = slash ? apr_pstrndup(p, path, (apr_size_t)(slash - path)) : ".";
    c->server_root = server_root ? server_root : dir;
    c->main = vhost_make(p, NULL);
    c->vhosts = apr_array_make(p, 8, sizeof(neg_conf_vhost *));
    c->files = apr_array_make(p, 16, sizeof(const char *));
    c->warnings = apr_array_make(p, 4, sizeof(const char *));
    memset(&r, 0, sizeof(r));
    r.p = p;
    r.c = c;
    r.vars = apr_table_make(p, 16);
    r.vhost = c->main;
    r.file = path;
    read_envvars(&r, dir);
    error = read_file(&r, path, 0);
    *out = c;
    return error;
}

/* ----------------------------------------------------------- selection */

static void merge(neg_conf_auth *into, const neg_conf_auth *from)
{
    if (from->auth_type)
        into->auth_type = from->auth_type;
    if (from->keytab)
        into->keytab = from->keytab;
    if (from->principals)
        into->principals = from->principals;
    if (from->delegate_to)
        into->delegate_to = from->delegate_to;
    if (from->providers)
        into->providers = from->providers;
    if (from->basic >= 0)
        into->basic = from->basic;
}

static int vhost_named(const neg_conf_vhost *v, const char *name)
{
    int i;

    if (v->server_name && strcasecmp(v->server_name, name) == 0)
        return 1;
    for (i = 0; i < v->aliases->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(v->aliases, i, const char *), name) == 0)
            return 1;
    }
    return 0;
}

/* Length of the match of a Location path (prefix) against a URL path, or -1. */
static int location_match(const neg_conf_section *s, const char *location)
{
    size_t n = strlen(s->path);

    if (location == NULL)
        return 0;
    if (strcasecmp(s->kind, "Location") != 0)
        return strcmp(s->path, location) == 0 ? (int)n : -1;
    return strncmp(s->path, location, n) == 0 ? (int)n : -1;
}

static void add_sites(apr_pool_t *p, apr_array_header_t *out,
                      const neg_httpd_conf *c, const neg_conf_vhost *v,
                      const char *location)
{
    const apr_array_header_t *lists[2];
    neg_conf_site best;
    int best_len = -1, l, i;

    lists[0] = c->main->sections;
    lists[1] = v != c->main ? v->sections : NULL;
    memset(&best, 0, sizeof(best));
    for (l = 0; l < 2; l++) {
        for (i = 0; lists[l] != NULL && i < lists[l]->nelts; i++) {
            const neg_conf_section *s = APR_ARRAY_IDX(lists[l], i, neg_conf_section *);
            neg_conf_site site;
            int len = location_match(s, location);
            memset(&site, 0, sizeof(site));
            auth_init(&site.auth);
            merge(&site.auth, &c->main->auth);
            if (v != c->main)
                merge(&site.auth, &v->auth);
            merge(&site.auth, &s->auth);
            if (len < 0 || site.auth.auth_type == NULL
                || strcasecmp(site.auth.auth_type, "Negotiate") != 0)
                continue;
            site.vhost = v;
            site.section = s;
            site.server_name = v->server_name ? v->server_name : c->main->server_name;
            if (location == NULL)
                APR_ARRAY_PUSH(out, neg_conf_site) = site;
            else if (len >= best_len) {
                best = site;
                best_len = len;
            }
        }
    }
    if (best_len >= 0)
        APR_ARRAY_PUSH(out, neg_conf_site) = best;
}

apr_array_header_t *neg_httpd_conf_sites(apr_pool_t *p, const neg_httpd_conf *c,
                                         const char *vhost, const char *location)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(neg_conf_site));
    int i;

    /* The main server's sections apply in every virtual host, and with
     * virtual hosts every request is served by one of them. */
    if (c->vhosts->nelts == 0) {
        add_sites(p, out, c, c->main, location);
        return out;
    }
    for (i = 0; i < c->vhosts->nelts; i++) {
        const neg_conf_vhost *v = APR_ARRAY_IDX(c->vhosts, i, neg_conf_vhost *);
        if (vhost == NULL || vhost_named(v, vhost))
            add_sites(p, out, c, v, location);
    }
    return out;
}
