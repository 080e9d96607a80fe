/*
 * httpd_conf.h - what negotiate-doctor reads from an httpd configuration.
 *
 * Not httpd's parser: a reader of the directives that matter for the
 * doctor, from a configuration written as Debian and most sites write
 * theirs. It follows Include and IncludeOptional (globs and directories,
 * relative to ServerRoot), expands ${VAR} from Define, the environment and
 * an envvars file next to the main file (Debian's /etc/apache2/envvars),
 * and reads <If...> sections as if their condition held. It reads
 * ServerRoot, Define, User, Group, <VirtualHost>, ServerName, ServerAlias,
 * SSLEngine, and in every <Location>, <LocationMatch>, <Directory>,
 * <DirectoryMatch>, <Files> and <FilesMatch> section (and at server level)
 * AuthType, NegotiateKeytab, NegotiateServicePrincipal, NegotiateProviders
 * and NegotiateBasic.
 */
#ifndef NEG_HTTPD_CONF_H
#define NEG_HTTPD_CONF_H

#include "apr_pools.h"
#include "apr_tables.h"

typedef struct {
    const char *auth_type;              /* AuthType */
    const char *keytab;                 /* NegotiateKeytab */
    apr_array_header_t *principals;     /* NegotiateServicePrincipal; NULL: unset */
    const char *providers;              /* NegotiateProviders as written */
    int basic;                          /* NegotiateBasic: -1 unset */
    apr_array_header_t *delegate_to;    /* NegotiateDelegateTo; NULL: unset */
} neg_conf_auth;

typedef struct {
    const char *kind;                   /* Location, Directory, ... */
    const char *path;
    const char *file;
    int line;
    neg_conf_auth auth;                 /* set in this section */
} neg_conf_section;

typedef struct {
    const char *addr;                   /* <VirtualHost addr>; NULL: main server */
    const char *server_name;            /* host only */
    apr_array_header_t *aliases;        /* const char * */
    int port;                           /* 0: unknown */
    int ssl;                            /* SSLEngine on */
    const char *file;
    int line;
    neg_conf_auth auth;                 /* set at the server level */
    apr_array_header_t *sections;       /* neg_conf_section * */
} neg_conf_vhost;

typedef struct {
    const char *server_root;
    const char *user;                   /* User */
    const char *group;                  /* Group */
    neg_conf_vhost *main;
    apr_array_header_t *vhosts;         /* neg_conf_vhost * */
    apr_array_header_t *files;          /* every file read */
    apr_array_header_t *warnings;       /* what could not be read */
} neg_httpd_conf;

/* A Negotiate location, its settings merged from the main server, the
 * virtual host and the section (as httpd merges them). */
typedef struct {
    const neg_conf_vhost *vhost;
    const neg_conf_section *section;
    neg_conf_auth auth;
    const char *server_name;            /* the vhost's, else the main server's */
} neg_conf_site;

/* Read the configuration whose main file is path; server_root NULL: the
 * main file's directory until ServerRoot says otherwise. NULL or why not. */
const char *neg_httpd_conf_read(apr_pool_t *p, const char *path,
                                const char *server_root, neg_httpd_conf **out);

/* Every section (or server) with AuthType Negotiate; vhost (a ServerName or
 * ServerAlias, NULL: any) and location (a URL path, NULL: any; the longest
 * matching Location wins) narrow the choice. */
apr_array_header_t *neg_httpd_conf_sites(apr_pool_t *p, const neg_httpd_conf *c,
                                         const char *vhost, const char *location);

#endif
