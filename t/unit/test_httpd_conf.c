/*
 * test_httpd_conf.c - negotiate-doctor's reader of httpd configurations
 * (doctor/httpd_conf.c) on a Debian-like tree written to a scratch
 * directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "check.h"
#include "httpd_conf.h"

static apr_pool_t *pool;

static void write_file(const char *dir, const char *name, const char *text)
{
    FILE *f = fopen(apr_pstrcat(pool, dir, "/", name, NULL), "w");

    if (f == NULL) {
        perror(name);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static const neg_conf_site *site(const apr_array_header_t *a, int i)
{
    return i < a->nelts ? &APR_ARRAY_IDX(a, i, neg_conf_site) : NULL;
}

int main(int argc, const char *const *argv)
{
    char dir[] = "/tmp/neg-conf-XXXXXX";
    neg_httpd_conf *c;
    apr_array_header_t *sites;
    const neg_conf_site *s;
    const char *error;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    if (mkdtemp(dir) == NULL)
        return 1;
    mkdir(apr_pstrcat(pool, dir, "/sites-enabled", NULL), 0755);
    unsetenv("NEG_TEST_USER");
    write_file(dir, "envvars",
               "unset HOME\n"
               "export NEG_TEST_USER=\"www-data\"\n"
               "export NEG_TEST_PID=/run/apache2$SUFFIX/pid\n");
    write_file(dir, "apache2.conf",
               "# comment\n"
               "Define KT /etc/apache2/http.keytab\n"
               "User ${NEG_TEST_USER}\n"
               "Group negauth\n"
               "ServerName main.example.com\n"
               "NegotiateProviders Negotiate:Kerberos\n"
               "<IfModule mod_ssl.c>\n"
               "  IncludeOptional sites-enabled/*.conf\n"
               "</IfModule>\n"
               "IncludeOptional conf-enabled/*.conf\n");
    write_file(dir, "sites-enabled/a.conf",
               "<VirtualHost *:443>\n"
               "    ServerName intranet.example.com\n"
               "    ServerAlias intranet \\\n"
               "                *.intranet.example.com\n"
               "    SSLEngine on\n"
               "    NegotiateKeytab ${KT}\n"
               "    <Location \"/app/\">\n"
               "        AuthType Negotiate\n"
               "        NegotiateServicePrincipal HTTP/intranet.example.com HTTP/intranet\n"
               "    </Location>\n"
               "    <Location /app/admin/>\n"
               "        AuthType Negotiate\n"
               "        NegotiateKeytab /etc/apache2/admin.keytab\n"
               "        NegotiateProviders NTLM\n"
               "    </Location>\n"
               "    <Location /public/>\n"
               "        Require all granted\n"
               "    </Location>\n"
               "</VirtualHost>\n"
               "<VirtualHost *:80>\n"
               "    ServerName other.example.com\n"
               "</VirtualHost>\n");

    error = neg_httpd_conf_read(pool, apr_pstrcat(pool, dir, "/apache2.conf", NULL),
                                NULL, &c);
    CHECK(error == NULL, "reads the tree");
    CHECK(c->files->nelts == 2, "follows IncludeOptional (and skips a missing glob)");
    CHECK(c->user && strcmp(c->user, "www-data") == 0, "User from envvars, quotes removed");
    CHECK(c->group && strcmp(c->group, "negauth") == 0, "Group");
    CHECK(c->vhosts->nelts == 2, "two virtual hosts");
    CHECK(c->warnings->nelts == 0, "no warning");

    sites = neg_httpd_conf_sites(pool, c, NULL, NULL);
    CHECK(sites->nelts == 2, "two Negotiate sections, /public/ is not one");
    s = site(sites, 0);
    CHECK(s && strcmp(s->server_name, "intranet.example.com") == 0 && s->vhost->ssl
          && s->vhost->port == 443, "ServerName, SSLEngine, the port of the vhost");
    CHECK(s && s->vhost->aliases->nelts == 2
          && strcmp(APR_ARRAY_IDX(s->vhost->aliases, 0, const char *), "intranet") == 0,
          "ServerAlias across a continuation line");
    CHECK(s && s->auth.keytab && strcmp(s->auth.keytab, "/etc/apache2/http.keytab") == 0,
          "NegotiateKeytab from the vhost, with a Define");
    CHECK(s && s->auth.principals && s->auth.principals->nelts == 2,
          "NegotiateServicePrincipal");
    CHECK(s && strcmp(s->auth.providers, "Negotiate:Kerberos") == 0,
          "NegotiateProviders inherited from the main server");
    CHECK(s && strcmp(s->section->kind, "Location") == 0
          && strcmp(s->section->path, "/app/") == 0 && s->section->line == 7,
          "the section, its path and line");

    sites = neg_httpd_conf_sites(pool, c, "intranet", "/app/admin/users");
    s = site(sites, 0);
    CHECK(sites->nelts == 1 && strcmp(s->section->path, "/app/admin/") == 0
          && strcmp(s->auth.keytab, "/etc/apache2/admin.keytab") == 0
          && strcmp(s->auth.providers, "NTLM") == 0,
          "--vhost by alias, --location: the longest Location wins");
    sites = neg_httpd_conf_sites(pool, c, NULL, "/app/index.html");
    CHECK(sites->nelts == 1 && strcmp(site(sites, 0)->section->path, "/app/") == 0,
          "--location: /app/ serves /app/index.html");
    sites = neg_httpd_conf_sites(pool, c, "other.example.com", NULL);
    CHECK(sites->nelts == 0, "a vhost without Negotiate has no site");

    error = neg_httpd_conf_read(pool, "/nonexistent/apache2.conf", NULL, &c);
    CHECK(error != NULL, "a missing main file is an error");

    if (system(apr_pstrcat(pool, "rm -rf ", dir, NULL)) != 0)
        return 1;
    apr_pool_destroy(pool);
    apr_terminate();
    return check_summary();
}
