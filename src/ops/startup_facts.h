/*
 * startup_facts.h - what the start-up checks of the sites (startup_sites.c)
 * learn before they judge, private to src/ops: the sections that use
 * Negotiate, the keytabs they name, the Apache user, and what a child
 * process running as that user finds (keytabs opened, winbindd and its
 * privileged pipe answering), within NEG_STARTUP_PROBE_MS.
 */
#ifndef NEG_STARTUP_FACTS_H
#define NEG_STARTUP_FACTS_H

#include <sys/stat.h>

#include "httpd.h"
#include "http_config.h"
#include "apr_hash.h"

#include "kerberos.h"
#include "setup_probe.h"

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

/* The Apache user: httpd started as root runs its children as User and
 * Group with User's supplementary groups; started by anyone else, as that
 * user (into ck->user). */
void neg_startup_apache_user(checks *ck);

/* The keytab of that name (NULL: the default), its keys read (or why not)
 * the first time it is asked for. */
keytab *neg_startup_keytab_of(checks *ck, const char *name);

/* As the Apache user, in a child process given NEG_STARTUP_PROBE_MS: open
 * each keytab, ping winbindd and connect to its privileged pipe (when a
 * site offers NTLM or Basic); the answers into ck (-1: not known). */
void neg_startup_probe(checks *ck);

#endif
