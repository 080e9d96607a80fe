/*
 * negotiate-doctor - check a mod_auth_negotiate deployment from the web
 * server: DNS and the SPN browsers ask for, the keytab, the KDC's view
 * (a real ticket, decrypted with the module's own acceptor), the clock,
 * winbind and its privileged pipe, and the browser side. Each check says
 * OK, INFO, WARN or FAIL, with the fix; the exit status is 1 when any
 * check failed, 2 on a usage error, 0 otherwise.
 *
 * The facts come from src/ops/setup_probe*.c, the verdicts from
 * src/ops/setup_check*.c (all free of httpd types, for the module's start-up
 * checks too); this file reads the command line and httpd's configuration
 * and prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "httpd_conf.h"
#include "principal.h"
#include "setup_check.h"
#include "setup_check_krb5.h"
#include "setup_probe.h"
#include "s4u.h"

#ifndef NEG_DOCTOR_VERSION
#define NEG_DOCTOR_VERSION "unknown"
#endif

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define SECRET_MAX 1024                 /* a password, with its NUL */

/* A password: never from the command line, where every local user can
 * read it (ps, /proc/PID/cmdline). From the file of its option ('-':
 * standard input), else the environment variable, else the terminal (no
 * echo), else a line of standard input. Wiped before the program ends. */
typedef struct {
    const char *option;                 /* "--password" */
    const char *env;                    /* "NEGOTIATE_DOCTOR_PASSWORD" */
    const char *file;                   /* given with OPTION-file */
    char value[SECRET_MAX];
    int set;
} secret;

typedef struct {
    const char *url;                    /* what to check */
    const char *keytab;                 /* NULL: the default keytab */
    const apr_array_header_t *principals;
    int ntlm;                           /* NTLM or Basic offered */
    const apr_array_header_t *delegate_to;  /* NegotiateDelegateTo; NULL: none */
    const char *origin;                 /* where the settings came from */
} target;

typedef struct {
    apr_pool_t *p;
    const char *keytab;
    const char *httpd_conf;
    const char *server_root;
    const char *location;
    const char *vhost;
    const char *apache_user;
    const char *apache_group;
    apr_array_header_t *principals;
    const char *realm;
    const char *user;
    secret password;
    const char *ntlm_user;
    secret ntlm_password;
    apr_array_header_t *resolve;        /* "name:address" */
    const char *priv_dir;
    int no_ntlm;
    int width;                          /* wrap output at this column; 0: no */
    apr_array_header_t *urls;
    apr_array_header_t *delegate_to;    /* --delegate-to */
    const char *delegate_as;            /* --delegate-as */
} options;

/* -------------------------------------------------------------- output */

/* One line per verdict: level, area, text; the fix below it. Wrapped at
 * the terminal's width when printing to one. */
static void print_wrapped(const char *text, int indent, int first_indent, int width)
{
    int col = first_indent;
    const char *s = text;

    if (width <= indent + 20) {
        printf("%s\n", text);
        return;
    }
    while (*s) {
        size_t word = strcspn(s, " ");
        if (col > indent && col + 1 + (int)word > width) {
            printf("\n%*s", indent, "");
            col = indent;
        }
        else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)word, s);
        col += (int)word;
        s += word;
        while (*s == ' ')
            s++;
    }
    putchar('\n');
}

static void print_items(const neg_check_report *r, int *printed, int width)
{
    for (; *printed < r->items->nelts; (*printed)++) {
        const neg_check_item *it = &APR_ARRAY_IDX(r->items, *printed, neg_check_item);
        printf("%-5s %-8s ", neg_check_level_name(it->level), it->area);
        print_wrapped(it->text, 15, 15, width);
        if (it->fix != NULL) {
            printf("%15sfix: ", "");
            print_wrapped(it->fix, 20, 20, width);
        }
    }
}

static void heading(const char *title)
{
    printf("\n== %s\n", title);
}

/* ------------------------------------------------------------- options */

static void usage(FILE *f)
{
    fprintf(f,
"usage: negotiate-doctor [options] [URL ...]\n"
"Checks a mod_auth_negotiate deployment from the web server: DNS and the SPN\n"
"browsers ask for, the keytab, the KDC's view (a real ticket decrypted with\n"
"the keytab), the clock, winbind and its privileged pipe, the browser side.\n"
"Run it as root: some checks are made as the Apache user.\n"
"\n"
"Where the site is:\n"
"  URL                        e.g. https://intranet.example.com/app/\n"
"  --httpd-conf FILE          read keytab, names, User/Group from httpd's\n"
"                             configuration (e.g. /etc/apache2/apache2.conf)\n"
"  --server-root DIR          ServerRoot for relative Includes (default: the\n"
"                             directory of --httpd-conf)\n"
"  --vhost NAME               only this virtual host (ServerName or ServerAlias)\n"
"  --location PATH            only the Negotiate section that serves PATH\n"
"  --keytab FILE              the keytab (default: NegotiateKeytab, else the\n"
"                             system default keytab)\n"
"  --service-principal NAME   like NegotiateServicePrincipal (repeatable)\n"
"  --apache-user USER         (default: User from the configuration, else www-data)\n"
"  --apache-group GROUP       (default: Group from the configuration, else the\n"
"                             user's primary group)\n"
"  --resolve NAME:ADDRESS     use ADDRESS for NAME instead of DNS\n"
"Kerberos (the KDC's view):\n"
"  --realm REALM              realm of the SPN (default: the keytab's, else\n"
"                             the user's)\n"
"  --user PRINCIPAL           get a TGT as this user (default: the ccache of\n"
"                             KRB5CCNAME, e.g. after kinit)\n"
"  --password-file FILE       its password: the first line of FILE ('-':\n"
"                             standard input); else $NEGOTIATE_DOCTOR_PASSWORD;\n"
"                             else asked for on the terminal\n"
"NTLM (winbind):\n"
"  --ntlm-user DOMAIN\\\\USER   also make a test logon (NTLMv2 through winbind)\n"
"  --ntlm-password-file FILE  its password, likewise; else\n"
"                             $NEGOTIATE_DOCTOR_NTLM_PASSWORD; else asked for\n"
"                             on the terminal\n"
"  --winbind-privileged-dir DIR   (default: found from winbindd's socket)\n"
"  --no-ntlm                  skip the winbind checks\n"
"Constrained delegation (NegotiateDelegateTo):\n"
"  --delegate-to SPN          like NegotiateDelegateTo (repeatable): check the\n"
"                             account's TGT from the keytab, S4U2Self and\n"
"                             S4U2Proxy to SPN\n"
"  --delegate-as PRINCIPAL    the user S4U2Self asks for (no password needed;\n"
"                             default: --user, else the service account)\n"
"  --help, --version\n"
"Passwords are never taken on the command line, where every local user can\n"
"read them.\n"
"Exit status: 0 no check failed (warnings allowed), 1 a check failed,\n"
"2 usage error.\n");
}

/* ----------------------------------------------------------- passwords */

/* One line from fd, without its line end, read a byte at a time: nothing
 * after it is consumed (a second password may follow on standard input)
 * and no copy is left in a stdio buffer. 0, or -1 at once at the end of
 * the input or for a line that does not fit. */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t got;
    char c = 0;

    while ((got = read(fd, &c, 1)) == 1 || (got < 0 && errno == EINTR)) {
        if (got < 0)
            continue;
        if (c == '\n')
            break;
        if (n + 1 == cap)
            goto fail;
        buf[n++] = c;
    }
    if (got < 0 || (got == 0 && n == 0))
        goto fail;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return 0;

fail:
    explicit_bzero(buf, cap);
    return -1;
}

/* The terminal's settings while it does not echo: put back on a signal
 * too, before the signal does what it would have done. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_fd = -1;

static void tty_restore(int sig)
{
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void tty_signals(void (*handler)(int))
{
    signal(SIGINT, handler);
    signal(SIGTERM, handler);
    signal(SIGQUIT, handler);
    signal(SIGHUP, handler);
}

/* Ask on the terminal, with echo off (as getpass(3) did). */
static int read_tty(const char *prompt, char *buf, size_t cap)
{
    struct termios quiet;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc = -1;

    if (fd < 0 || tcgetattr(fd, &tty_saved) != 0)
        goto done;
    quiet = tty_saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    tty_fd = fd;
    tty_signals(tty_restore);
    /* echo off before the prompt: what is typed after it is not shown */
    if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0
        && write(fd, prompt, strlen(prompt)) == (ssize_t)strlen(prompt))
        rc = read_line(fd, buf, cap);
    tcsetattr(fd, TCSAFLUSH, &tty_saved);
    tty_signals(SIG_DFL);
    tty_fd = -1;

done:
    if (fd >= 0)
        close(fd);
    return rc;
}

static void secret_fail(const secret *s, const char *user, const char *from)
{
    fprintf(stderr, "negotiate-doctor: cannot read the password of %s from %s: "
            "give it with %s-file FILE (the first line; '-': standard input) "
            "or in the environment variable %s\n", user, from, s->option, s->env);
    exit(EXIT_USAGE);
}

/* The password of user (for the prompt), from where s says. */
static void secret_read(secret *s, const char *user)
{
    char *env = getenv(s->env);
    int fd;

    if (s->file != NULL) {
        fd = strcmp(s->file, "-") == 0 ? STDIN_FILENO
                                       : open(s->file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_line(fd, s->value, sizeof(s->value)) != 0)
            secret_fail(s, user, strcmp(s->file, "-") == 0 ? "standard input" : s->file);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    else if (env != NULL) {
        if (strlen(env) >= sizeof(s->value))
            secret_fail(s, user, s->env);
        strcpy(s->value, env);
        /* out of /proc/PID/environ, and of the probes' children */
        explicit_bzero(env, strlen(env));
        unsetenv(s->env);
    }
    else if (isatty(STDIN_FILENO)) {
        char prompt[512];
        snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
        if (read_tty(prompt, s->value, sizeof(s->value)) != 0)
            secret_fail(s, user, "the terminal");
    }
    else if (read_line(STDIN_FILENO, s->value, sizeof(s->value)) != 0)
        secret_fail(s, user, "standard input");
    s->set = 1;
}

static const char *secret_value(const secret *s)
{
    return s->set ? s->value : NULL;
}

static void secrets_wipe(options *o)
{
    explicit_bzero(o->password.value, sizeof(o->password.value));
    explicit_bzero(o->ntlm_password.value, sizeof(o->ntlm_password.value));
}

/* --password PW, --password=PW, --ntlm-password PW: refused. The value is
 * wiped from argv (from /proc/PID/cmdline, too late for a ps already
 * run). */
static void refuse_password(const secret *s, int argc, char **argv)
{
    char *value = optarg ? optarg
                : optind < argc && argv[optind][0] != '-' ? argv[optind] : NULL;

    if (value != NULL)
        explicit_bzero(value, strlen(value));
    fprintf(stderr,
            "negotiate-doctor: %s: passwords are not taken on the command line, "
            "where every local user can read them (ps, /proc/PID/cmdline). Give "
            "it with %s-file FILE (the first line of FILE; '-': standard input), "
            "in the environment variable %s, or leave it out to be asked for it "
            "on the terminal.\n", s->option, s->option, s->env);
    exit(EXIT_USAGE);
}

enum {
    OPT_KEYTAB = 256, OPT_HTTPD_CONF, OPT_SERVER_ROOT, OPT_LOCATION, OPT_VHOST,
    OPT_APACHE_USER, OPT_APACHE_GROUP, OPT_PRINCIPAL, OPT_REALM, OPT_USER,
    OPT_PASSWORD, OPT_PASSWORD_FILE, OPT_NTLM_USER, OPT_NTLM_PASSWORD,
    OPT_NTLM_PASSWORD_FILE, OPT_RESOLVE, OPT_PRIV_DIR, OPT_NO_NTLM, OPT_HELP,
    OPT_VERSION, OPT_DELEGATE_TO, OPT_DELEGATE_AS
};

static const struct option long_options[] = {
    { "keytab", required_argument, NULL, OPT_KEYTAB },
    { "httpd-conf", required_argument, NULL, OPT_HTTPD_CONF },
    { "server-root", required_argument, NULL, OPT_SERVER_ROOT },
    { "location", required_argument, NULL, OPT_LOCATION },
    { "vhost", required_argument, NULL, OPT_VHOST },
    { "apache-user", required_argument, NULL, OPT_APACHE_USER },
    { "apache-group", required_argument, NULL, OPT_APACHE_GROUP },
    { "service-principal", required_argument, NULL, OPT_PRINCIPAL },
    { "realm", required_argument, NULL, OPT_REALM },
    { "user", required_argument, NULL, OPT_USER },
    { "password", optional_argument, NULL, OPT_PASSWORD },      /* refused */
    { "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
    { "ntlm-user", required_argument, NULL, OPT_NTLM_USER },
    { "ntlm-password", optional_argument, NULL, OPT_NTLM_PASSWORD },    /* refused */
    { "ntlm-password-file", required_argument, NULL, OPT_NTLM_PASSWORD_FILE },
    { "resolve", required_argument, NULL, OPT_RESOLVE },
    { "winbind-privileged-dir", required_argument, NULL, OPT_PRIV_DIR },
    { "no-ntlm", no_argument, NULL, OPT_NO_NTLM },
    { "delegate-to", required_argument, NULL, OPT_DELEGATE_TO },
    { "delegate-as", required_argument, NULL, OPT_DELEGATE_AS },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 }
};

static void parse_options(options *o, int argc, char **argv)
{
    apr_pool_t *p = o->p;
    int c;

    o->password.option = "--password";
    o->password.env = "NEGOTIATE_DOCTOR_PASSWORD";
    o->ntlm_password.option = "--ntlm-password";
    o->ntlm_password.env = "NEGOTIATE_DOCTOR_NTLM_PASSWORD";
    o->principals = apr_array_make(p, 2, sizeof(const char *));
    o->resolve = apr_array_make(p, 2, sizeof(const char *));
    o->urls = apr_array_make(p, 2, sizeof(const char *));
    o->delegate_to = apr_array_make(p, 2, sizeof(const char *));
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_KEYTAB: o->keytab = optarg; break;
        case OPT_HTTPD_CONF: o->httpd_conf = optarg; break;
        case OPT_SERVER_ROOT: o->server_root = optarg; break;
        case OPT_LOCATION: o->location = optarg; break;
        case OPT_VHOST: o->vhost = optarg; break;
        case OPT_APACHE_USER: o->apache_user = optarg; break;
        case OPT_APACHE_GROUP: o->apache_group = optarg; break;
        case OPT_PRINCIPAL: APR_ARRAY_PUSH(o->principals, const char *) = optarg; break;
        case OPT_REALM: o->realm = optarg; break;
        case OPT_USER: o->user = optarg; break;
        case OPT_PASSWORD: refuse_password(&o->password, argc, argv); break;
        case OPT_PASSWORD_FILE: o->password.file = optarg; break;
        case OPT_NTLM_USER: o->ntlm_user = optarg; break;
        case OPT_NTLM_PASSWORD: refuse_password(&o->ntlm_password, argc, argv); break;
        case OPT_NTLM_PASSWORD_FILE: o->ntlm_password.file = optarg; break;
        case OPT_RESOLVE: APR_ARRAY_PUSH(o->resolve, const char *) = optarg; break;
        case OPT_PRIV_DIR: o->priv_dir = optarg; break;
        case OPT_NO_NTLM: o->no_ntlm = 1; break;
        case OPT_DELEGATE_TO: APR_ARRAY_PUSH(o->delegate_to, const char *) = optarg; break;
        case OPT_DELEGATE_AS: o->delegate_as = optarg; break;
        case OPT_VERSION: printf("negotiate-doctor %s\n", NEG_DOCTOR_VERSION); exit(EXIT_OK);
        case 'h': case OPT_HELP: usage(stdout); exit(EXIT_OK);
        default: usage(stderr); exit(EXIT_USAGE);
        }
    }
    for (; optind < argc; optind++)
        APR_ARRAY_PUSH(o->urls, const char *) = argv[optind];
    if (o->urls->nelts == 0 && o->httpd_conf == NULL) {
        fprintf(stderr, "negotiate-doctor: give a URL, or --httpd-conf\n\n");
        usage(stderr);
        exit(EXIT_USAGE);
    }
    if (o->user != NULL)
        secret_read(&o->password, o->user);
    if (o->ntlm_user != NULL && !o->no_ntlm)
        secret_read(&o->ntlm_password, o->ntlm_user);
}

/* ------------------------------------------------------------- targets */

/* Whether the providers offer NTLM (inside Negotiate or bare) or Basic;
 * NULL (unset) is the module's default, "Negotiate NTLM". */
static int offers_ntlm(const neg_conf_auth *a)
{
    const char *s = a->providers;

    if (a->basic == 1 || s == NULL)
        return 1;
    while (*s) {
        size_t n = strcspn(s, " \t");
        if ((n == 4 && strncasecmp(s, "NTLM", 4) == 0)
            || (n == 9 && strncasecmp(s, "Negotiate", 9) == 0))
            return 1;
        s += n;
        s += strspn(s, " \t");
    }
    return 0;
}

static const char *site_url(apr_pool_t *p, const neg_conf_site *s, const char *name,
                            const char *location)
{
    int ssl = s->vhost->ssl || s->vhost->port == 443;
    int port = s->vhost->port;
    const char *path = location ? location
                     : strcasecmp(s->section->kind, "Location") == 0 ? s->section->path
                     : "/";

    if (port == 0 || port == (ssl ? 443 : 80))
        return apr_psprintf(p, "%s://%s%s", ssl ? "https" : "http", name, path);
    return apr_psprintf(p, "%s://%s:%d%s", ssl ? "https" : "http", name, port, path);
}

static void add_target(apr_array_header_t *targets, const char *url,
                       const neg_conf_auth *a, const char *origin,
                       const options *o)
{
    target *t = apr_array_push(targets);

    t->url = url;
    t->keytab = o->keytab ? o->keytab : a ? a->keytab : NULL;
    t->principals = o->principals->nelts ? o->principals : a ? a->principals : NULL;
    t->ntlm = !o->no_ntlm && (a == NULL || offers_ntlm(a));
    t->delegate_to = o->delegate_to->nelts ? o->delegate_to : a ? a->delegate_to : NULL;
    t->origin = origin;
}

/* The names of a site: ServerName and every ServerAlias (wildcards
 * cannot be checked). */
static void site_targets(apr_array_header_t *targets, const neg_conf_site *s,
                         const options *o, neg_check_report *r)
{
    apr_pool_t *p = o->p;
    const char *origin = apr_psprintf(p, "<%s %s> at %s:%d", s->section->kind,
                                      s->section->path, s->section->file,
                                      s->section->line);
    int i;

    if (s->server_name == NULL)
        neg_check_add(r, NEG_CHECK_WARN, "config",
                      "set ServerName to the name in your users' URLs, or pass "
                      "the URL", "the virtual host of %s has no ServerName: "
                      "no name to check", origin);
    else
        add_target(targets, site_url(p, s, s->server_name, o->location), &s->auth,
                   origin, o);
    for (i = 0; i < s->vhost->aliases->nelts; i++) {
        const char *alias = APR_ARRAY_IDX(s->vhost->aliases, i, const char *);
        if (strpbrk(alias, "*?") != NULL)
            neg_check_add(r, NEG_CHECK_INFO, "config", NULL,
                          "ServerAlias %s is a wildcard: check each real name "
                          "by passing its URL", alias);
        else
            add_target(targets, site_url(p, s, alias, o->location), &s->auth,
                       origin, o);
    }
}

static apr_array_header_t *targets_from_config(options *o, neg_check_report *r)
{
    apr_pool_t *p = o->p;
    apr_array_header_t *targets = apr_array_make(p, 4, sizeof(target));
    neg_httpd_conf *c;
    apr_array_header_t *sites;
    const char *error = neg_httpd_conf_read(p, o->httpd_conf, o->server_root, &c);
    int i;

    if (error != NULL) {
        fprintf(stderr, "negotiate-doctor: %s\n", error);
        exit(EXIT_USAGE);
    }
    printf("read %d file%s of the httpd configuration %s\n", c->files->nelts,
           c->files->nelts == 1 ? "" : "s", o->httpd_conf);
    for (i = 0; i < c->warnings->nelts; i++)
        neg_check_add(r, NEG_CHECK_INFO, "config", NULL, "%s",
                      APR_ARRAY_IDX(c->warnings, i, const char *));
    if (o->apache_user == NULL)
        o->apache_user = c->user;
    if (o->apache_group == NULL)
        o->apache_group = c->group;
    sites = neg_httpd_conf_sites(p, c, o->vhost, o->location);
    if (sites->nelts == 0) {
        fprintf(stderr, "negotiate-doctor: %s has no section with AuthType "
                "Negotiate%s%s%s%s\n", o->httpd_conf,
                o->vhost ? " in the virtual host " : "", o->vhost ? o->vhost : "",
                o->location ? " that serves " : "", o->location ? o->location : "");
        exit(EXIT_USAGE);
    }
    for (i = 0; i < sites->nelts; i++) {
        const neg_conf_site *s = &APR_ARRAY_IDX(sites, i, neg_conf_site);
        if (o->urls->nelts > 0) {
            int j;
            for (j = 0; j < o->urls->nelts; j++)
                add_target(targets, APR_ARRAY_IDX(o->urls, j, const char *),
                           &s->auth, "the configuration", o);
            break;      /* URLs given: the first matching site's settings */
        }
        site_targets(targets, s, o, r);
    }
    return targets;
}

static const char *resolve_override(const options *o, const char *host)
{
    size_t n = strlen(host);
    int i;

    for (i = 0; i < o->resolve->nelts; i++) {
        const char *e = APR_ARRAY_IDX(o->resolve, i, const char *);
        if (strncasecmp(e, host, n) == 0 && e[n] == ':')
            return e + n + 1;
    }
    return NULL;
}

/* --------------------------------------------------------------- checks */

typedef struct {
    const char *keytab;         /* as resolved */
    neg_key *keys;
    size_t n_keys;
    int readable;               /* the probe could list it */
} keytab_facts;

static void check_keytab(options *o, neg_check_report *r, const target *t,
                         const neg_apache_user *u, int have_user, keytab_facts *k)
{
    apr_pool_t *p = o->p;
    const char *path = NULL;
    const char *error = neg_probe_keytab(p, t->keytab, &k->keytab, &path,
                                         &k->keys, &k->n_keys);
    struct stat st;

    k->readable = error == NULL;
    if (path != NULL && stat(path, &st) != 0) {
        neg_check_add(r, NEG_CHECK_FAIL, "keytab",
                      "export the HTTP service keys into a keytab (ktpass, "
                      "samba-tool domain exportkeytab) and name it with "
                      "NegotiateKeytab or --keytab",
                      "the keytab %s does not exist", path);
        return;
    }
    if (error != NULL) {
        neg_check_add(r, NEG_CHECK_FAIL, "keytab", NULL, "%s", error);
        return;
    }
    if (path != NULL && have_user) {
        int err = 0;
        int opened = neg_probe_readable_as(u, path, &err);
        neg_check_keytab_access(r, path, &st, u, opened, err);
    }
    if (t->principals != NULL)
        neg_check_configured_principals(r, k->keytab, k->keys, k->n_keys,
                                        t->principals);
}

/* The realm for the clock probe: --realm, else the keytab's. */
static const char *keytab_realm(const options *o, const keytab_facts *k)
{
    const char *at;

    if (o->realm != NULL)
        return o->realm;
    if (k->n_keys > 0 && (at = neg_principal_at(k->keys[0].principal)) != NULL)
        return at + 1;
    return NULL;
}

static void check_clock(const options *o, neg_check_report *r, const keytab_facts *k)
{
    double offset;
    const char *kdc;
    int max_skew;
    const char *error = neg_probe_kdc_time(o->p, keytab_realm(o, k), &offset,
                                           &kdc, &max_skew);

    if (error != NULL)
        neg_check_add(r, NEG_CHECK_WARN, "clock",
                      "check krb5.conf ([realms] kdc) and that port 88 is open",
                      "could not compare the clock with the KDC: %s", error);
    else
        neg_check_clock(r, kdc, offset, max_skew);
}

/* NegotiateDelegateTo: the account's TGT, S4U2Self, S4U2Proxy to each SPN
 * (s4u.h), as the module would ask them. */
static void check_delegation(options *o, neg_check_report *r, const target *t,
                             const keytab_facts *k, const char *spn)
{
    neg_s4u_request req;
    neg_s4u_check_result d;

    memset(&req, 0, sizeof(req));
    req.keytab = k->keytab ? k->keytab : t->keytab;
    req.service = spn;
    req.user = o->delegate_as ? o->delegate_as : o->user;
    req.evidence_forwardable = 1;
    req.spns = t->delegate_to;
    req.kdc_timeout_s = 5;
    neg_s4u_check(o->p, &req, &d);
    neg_check_delegation(r, req.keytab, &d);
}

static void check_target(options *o, neg_check_report *r, const target *t,
                         const keytab_facts *k)
{
    apr_pool_t *p = o->p;
    neg_url url;
    neg_dns_facts dns;
    neg_kdc_request req;
    neg_kdc_facts kdc;
    const char *spn, *url_spn, *error = neg_url_parse(p, t->url, &url);

    if (error != NULL) {
        neg_check_add(r, NEG_CHECK_FAIL, "dns", "give an http:// or https:// URL",
                      "%s", error);
        return;
    }
    neg_probe_dns(p, url.host, resolve_override(o, url.host), &dns);
    spn = neg_check_dns(r, &url, &dns);
    if (spn == NULL)
        return;
    url_spn = neg_browser_spn(p, url.host);
    if (k->readable)
        neg_check_keytab_keys(r, k->keytab, k->keys, k->n_keys, spn,
                              strcmp(url_spn, spn) != 0 ? url_spn : NULL);
    memset(&req, 0, sizeof(req));
    req.spn = spn;
    req.realm = o->realm;
    req.user = o->user;
    req.password = secret_value(&o->password);
    req.keytab = k->keytab;
    req.principals = t->principals;
    neg_probe_kdc(p, &req, &kdc);
    if (!k->readable && kdc.answer == NEG_KDC_TICKET)
        kdc.accepted = -1;
    neg_check_kdc(r, k->keytab, k->keys, k->n_keys, spn, &kdc);
    neg_check_browser(r, &url);
    if (t->delegate_to != NULL && t->delegate_to->nelts > 0)
        check_delegation(o, r, t, k, spn);
}

static void check_winbind(options *o, neg_check_report *r, const neg_apache_user *u)
{
    neg_winbind_request req;
    neg_winbind_facts wb;

    memset(&req, 0, sizeof(req));
    req.priv_dir = o->priv_dir;
    req.ntlm_user = o->ntlm_user;
    req.ntlm_password = secret_value(&o->ntlm_password);
    neg_probe_winbind(o->p, &req, u, &wb);
    neg_check_winbind(r, &wb, u);
}

static int terminal_width(void)
{
    struct winsize ws;

    if (!isatty(STDOUT_FILENO))
        return 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60)
        return ws.ws_col < 120 ? ws.ws_col : 120;
    return 100;
}

int main(int argc, char **argv)
{
    options o;
    neg_check_report *r;
    neg_apache_user u;
    apr_array_header_t *targets;
    keytab_facts k;
    const char *error;
    int printed = 0, i, have_user, ntlm = 0, status;

    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    memset(&o, 0, sizeof(o));
    apr_pool_create(&o.p, NULL);
    parse_options(&o, argc, argv);
    o.width = terminal_width();
    r = neg_check_report_make(o.p);
    printf("negotiate-doctor %s\n", NEG_DOCTOR_VERSION);
    if (o.httpd_conf != NULL)
        targets = targets_from_config(&o, r);
    else {
        targets = apr_array_make(o.p, 4, sizeof(target));
        for (i = 0; i < o.urls->nelts; i++)
            add_target(targets, APR_ARRAY_IDX(o.urls, i, const char *), NULL,
                       "the command line", &o);
    }

    heading("the Apache user and the keytab");
    error = neg_probe_apache_user(o.p, o.apache_user ? o.apache_user : "www-data",
                                  o.apache_group, &u);
    have_user = error == NULL;
    if (!have_user)
        neg_check_add(r, NEG_CHECK_FAIL, "config",
                      "pass --apache-user (httpd's User), or --httpd-conf", "%s", error);
    else
        neg_check_add(r, NEG_CHECK_INFO, "config", NULL,
                      "the Apache user is %s (uid %ld), group %s, groups %s%s",
                      u.name, (long)u.uid, u.group, u.group_names,
                      geteuid() == 0 ? "" : "; not run as root: the checks as "
                      "that user are made from file modes only");
    if (targets->nelts == 0) {
        print_items(r, &printed, o.width);
        fprintf(stderr, "negotiate-doctor: no name to check\n");
        secrets_wipe(&o);
        return EXIT_USAGE;
    }
    memset(&k, 0, sizeof(k));
    for (i = 0; i < targets->nelts; i++) {
        const target *t = &APR_ARRAY_IDX(targets, i, target);
        const char *prev = i > 0 ? APR_ARRAY_IDX(targets, i - 1, target).keytab : NULL;
        if (i == 0 || (prev == NULL) != (t->keytab == NULL)
            || (prev != NULL && strcmp(prev, t->keytab) != 0)) {
            if (i > 0)
                heading(apr_psprintf(o.p, "the keytab of %s", t->url));
            memset(&k, 0, sizeof(k));
            check_keytab(&o, r, t, &u, have_user, &k);
            print_items(r, &printed, o.width);
        }
        if (i == 0) {
            heading("the clock");
            check_clock(&o, r, &k);
            print_items(r, &printed, o.width);
        }
        heading(apr_psprintf(o.p, "%s (settings from %s)", t->url, t->origin));
        check_target(&o, r, t, &k);
        print_items(r, &printed, o.width);
        ntlm |= t->ntlm;
    }

    if (ntlm && have_user) {
        heading("winbind (NTLM and Basic)");
        check_winbind(&o, r, &u);
        print_items(r, &printed, o.width);
    }

    printf("\nnegotiate-doctor: %lu OK, %lu INFO, %lu WARN, %lu FAIL\n",
           (unsigned long)neg_check_count(r, NEG_CHECK_OK),
           (unsigned long)neg_check_count(r, NEG_CHECK_INFO),
           (unsigned long)neg_check_count(r, NEG_CHECK_WARN),
           (unsigned long)neg_check_count(r, NEG_CHECK_FAIL));
    status = neg_check_worst(r) == NEG_CHECK_FAIL ? EXIT_FAIL : EXIT_OK;
    secrets_wipe(&o);
    apr_pool_destroy(o.p);
    apr_terminate();
    return status;
}
