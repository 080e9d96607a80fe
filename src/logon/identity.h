/*
 * identity.h - one identity for a person, whichever mechanism proved it:
 * the name in each format, the domain, the SIDs, the group names, and what
 * is published to the application. Does not parse tokens and knows nothing
 * of httpd; group names come from winbind (cached there).
 */
#ifndef NEG_IDENTITY_H
#define NEG_IDENTITY_H

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

#include "config.h"
#include "pac.h"
#include "winbind.h"

/* Extended Protection (channel binding): what the logon showed. */
typedef enum {
    NEG_BIND_UNCHECKED = 0,     /* not looked at: NegotiateExtendedProtection
                                 * Off where it was proved (or Basic) */
    NEG_BIND_UNBOUND,           /* looked at: bound to no channel, and not
                                 * to another one either */
    NEG_BIND_BOUND              /* looked at: bound to the TLS channel of
                                 * the connection it came on */
} neg_binding;

#define NEG_SESSION_CRYPTO_LEN 32

typedef struct {
    const char *mech;           /* kerberos | ntlm | basic */
    const char *auth_type;      /* Negotiate | NTLM | Basic: the scheme used */
    const char *account;        /* alice, in the directory's case */
    const char *domain;         /* EXAMPLE (NetBIOS); NULL when unknown */
    const char *realm;          /* EXAMPLE.TEST */
    const char *principal;      /* alice@EXAMPLE.TEST */
    const neg_sid *sids;        /* the user's first; none when n_sids is 0 */
    size_t n_sids;
    const char *user_sid;       /* sids[0] as a string, or NULL */
    const char *ccache;         /* delegated credentials, or NULL */
    /* Kerberos, this request's logon only (never copied): the client's
     * ticket, DER, the evidence for S4U2Proxy (s4u.h); its forwardable
     * flag (-1: not read) */
    const unsigned char *evidence;
    size_t evidence_len;
    int evidence_forwardable;
    int machine;                /* a computer or trust account (HOST$) */
    /* How it was proved: what a location must admit before it reuses the
     * identity, on any path (policy.c, neg_policy_admits). */
    int tls;                    /* on a TLS connection */
    int ntlm_v1;                /* NTLM: an NTLMv1 or LM response */
    const char *keytab;         /* Kerberos: NegotiateKeytab that accepted it */
    const char *service;        /* Kerberos: the ticket's service principal */
    int binding;                /* neg_binding */
    int domain_mapped;          /* Kerberos without a PAC: domain came from
                                 * the location's NegotiateRealmMap */
    int proxy;                  /* to a forward proxy: Proxy-Authorization,
                                 * 407 (RFC 7235 4.3); else to this server */
    apr_time_t proved_at;       /* when the logon was */
    const char *where;          /* the URL path of the logon (for log lines) */
    /* How it travelled since: in a NegotiateSession cookie (a bearer
     * token, bound to no channel), valid until expires, decrypted under
     * the passphrases whose digest session_crypto is. */
    int bearer;
    apr_time_t expires;
    unsigned char session_crypto[NEG_SESSION_CRYPTO_LEN];
} neg_identity;

/* REMOTE_USER in a format; NULL for down-level when the domain is unknown. */
const char *neg_identity_name(const neg_identity *id, neg_user_format f,
                              apr_pool_t *p);

/* From a Kerberos principal and the ticket's PAC (already verified by the
 * acceptor). Without a PAC (pac_len 0, non-AD KDC) the account is the
 * principal's name and the domain comes from realm_map (REALM -> NETBIOS
 * pairs), if any. NULL, or what is wrong with the PAC. */
const char *neg_identity_from_kerberos(neg_identity *id, apr_pool_t *p,
                                       const char *principal,
                                       const unsigned char *pac, size_t pac_len,
                                       const apr_array_header_t *realm_map);

/* The NetBIOS domain NegotiateRealmMap (REALM, NETBIOS pairs) gives a
 * realm, or NULL. */
const char *neg_identity_map_realm(const apr_array_header_t *map, const char *realm);

/* From winbind's answer to an NTLM or Basic logon. */
void neg_identity_from_winbind(neg_identity *id, apr_pool_t *p,
                               const neg_wb_result *res, const char *mech,
                               const char *auth_type);

/* Why this identity must not be published, or NULL; *tag gets the tag of
 * the refusal. Refused (every mechanism, every way of reuse): a control
 * character (bytes 0x01-0x1f, 0x7f) in the account, domain, realm or
 * principal, which would reach REMOTE_USER, the NEGOTIATE_* variables and
 * the request headers of a reverse proxy (NEG0403); an empty realm, account
 * or domain, which would give one name (REMOTE_USER "alice@") to every
 * such account, and to one person two names (NEG0402). */
const char *neg_identity_refusal(const neg_identity *id, apr_pool_t *p,
                                 const char **tag);

/* A deep copy into another pool (to bind an identity to a connection). */
neg_identity *neg_identity_copy(apr_pool_t *p, const neg_identity *id);

int neg_identity_has_sid(const neg_identity *id, const neg_sid *sid);

/* NEGOTIATE_MECH, NEGOTIATE_PRINCIPAL, NEGOTIATE_DOMAIN, NEGOTIATE_USER_SID
 * and, with groups, NEGOTIATE_GROUP_SIDS and NEGOTIATE_GROUPS (';'-separated,
 * sorted; S-1-18-* authentication-authority SIDs left out, and group names
 * holding a control character); group names are looked up through winbind
 * until the deadline (the request's budget). */
/* The name of every ccache of delegated credentials starts so. */
#define NEG_DELEGATED_CCACHE_PREFIX "krb5cc_negotiate_"

/* httpd copies a request's variables into its subrequests and, as
 * REDIRECT_*, into an internal redirect: drop a KRB5CCNAME (and its
 * REDIRECT_ copy) naming a ccache of delegated credentials other than the
 * one id (this request's identity, or NULL) holds. */
void neg_identity_drop_inherited_ccache(apr_table_t *env, apr_pool_t *p,
                                        const neg_identity *id);

void neg_identity_publish(const neg_identity *id, apr_table_t *env,
                          apr_pool_t *p, int groups, apr_time_t deadline);

#endif
