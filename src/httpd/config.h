/*
 * config.h - per-directory configuration of mod_auth_negotiate.
 */
#ifndef NEG_CONFIG_H
#define NEG_CONFIG_H

#include "apr_tables.h"

/* What NegotiateProviders can list; the order is the order of the
 * WWW-Authenticate headers. */
typedef enum {
    NEG_PROVIDER_NEGOTIATE = 1,     /* Negotiate: Kerberos or NTLM inside */
    NEG_PROVIDER_NEGOTIATE_KRB5,    /* Negotiate:Kerberos: no NTLM inside */
    NEG_PROVIDER_NTLM               /* the bare NTLM scheme */
} neg_provider;

#define NEG_MAX_PROVIDERS 3

typedef enum {
    NEG_USER_UNSET = 0,
    NEG_USER_UPN,           /* alice@EXAMPLE.TEST */
    NEG_USER_DOWN_LEVEL,    /* EXAMPLE\alice */
    NEG_USER_SHORT          /* alice */
} neg_user_format;

#define NEG_DEFAULT_MAX_TOKEN 65536
#define NEG_UNSET_SIZE ((apr_size_t)-1)

typedef struct {
    const char *keytab;                 /* NULL: unset (system default) */
    int keytab_set;
    apr_array_header_t *principals;     /* const char *; empty: any */
    int principals_set;
    neg_provider providers[NEG_MAX_PROVIDERS];
    int n_providers;                    /* 0: unset */
    neg_user_format user_format;
    apr_size_t max_token;               /* NEG_UNSET_SIZE: unset */
    int ntlm_v1;                        /* -1: unset (Off) */
    int winbind_timeout_ms;             /* -1: unset */
    int ntlm_lifetime_s;                /* -1: unset */
    apr_array_header_t *realm_map;      /* REALM, NETBIOS pairs; NULL: unset */
    int publish_groups;                 /* -1: unset (Off) */
    const char *delegation_dir;         /* NULL: off */
    int delegation_set;
    apr_array_header_t *delegate_to;    /* SPNs (const char *); NULL: unset */
    int basic;                          /* -1: unset (Off) */
    int basic_plain_http;               /* -1: unset (Off) */
    int require_tls;                    /* -1: unset (Off) */
    int persist_kerberos;               /* -1: unset (Off) */
    int ticket_cache;                   /* -1: unset (On); kerberos.c */
    int machine_accounts;               /* -1: unset (Off) */
    int extended_protection;            /* -1: unset (NEG_EPA_OFF) */
    int session;                        /* -1: unset (Off); session.c */
    int session_basic;                  /* -1: unset (Off) */
    int session_lifetime_s;             /* -1: unset */
    const char *login_form;             /* NegotiateLoginForm PATH; NULL: unset */
    int login_form_set;                 /* "None" sets it to NULL */
    int logout_quiet_s;                 /* NegotiateLogoutQuiet; -1: unset */
} neg_dir_conf;

#define NEG_DEFAULT_LOGOUT_QUIET_S 60

/* NegotiateExtendedProtection, IIS's tokenChecking None / Allow / Require:
 * whether tokens must be bound to this server's TLS channel and name. */
#define NEG_EPA_OFF     0
#define NEG_EPA_ALLOW   1
#define NEG_EPA_REQUIRE 2

#define NEG_DEFAULT_WINBIND_TIMEOUT_MS 3000
#define NEG_DEFAULT_NTLM_LIFETIME_S 60
#define NEG_DEFAULT_SESSION_LIFETIME_S 300

#endif
