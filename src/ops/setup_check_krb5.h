/*
 * setup_check_krb5.h - verdicts on a deployment's Kerberos: the keytab's
 * keys for a name, the principals NegotiateServicePrincipal names, the
 * KDC's answer to a ticket request and the clock. Pure functions, as
 * setup_check.h's (whose report they write).
 */
#ifndef NEG_SETUP_CHECK_KRB5_H
#define NEG_SETUP_CHECK_KRB5_H

#include "s4u.h"
#include "setup_check.h"

/* --------------------------------------------------------------- keys */

typedef struct {
    const char *principal;      /* HTTP/www.example.com@EXAMPLE.COM */
    int kvno;
    int enctype;
    const char *enctype_name;   /* aes256-cts-hmac-sha1-96 */
} neg_key;

/* Single DES and RC4: what a keytab should not hold alone. */
int neg_enctype_is_weak(int enctype);

/* Whether a keytab principal is this SPN (any realm when spn has none). */
int neg_principal_is(const char *principal, const char *spn);

/* Keys of the keytab for spn (HTTP/host): FAIL when none, WARN when only
 * weak ones; names the kvnos and enctypes. also_spn (may be NULL) is the
 * name in the URL when it differs from spn (an alias): a keytab that has
 * that one but not spn is the classic CNAME mistake. */
void neg_check_keytab_keys(neg_check_report *r, const char *keytab,
                           const neg_key *keys, size_t n_keys,
                           const char *spn, const char *also_spn);

/* Names in NegotiateServicePrincipal must have a key (else tickets for
 * them are refused). */
void neg_check_configured_principals(neg_check_report *r, const char *keytab,
                                     const neg_key *keys, size_t n_keys,
                                     const apr_array_header_t *principals);

/* ---------------------------------------------------------------- KDC */

/* The KDC's answer to the request for a service ticket. */
typedef enum {
    NEG_KDC_TICKET = 0,         /* issued */
    NEG_KDC_NO_CREDENTIALS,     /* no TGT to ask with */
    NEG_KDC_CREDS_EXPIRED,      /* the TGT expired */
    NEG_KDC_UNKNOWN_SPN,        /* KDC_ERR_S_PRINCIPAL_UNKNOWN */
    NEG_KDC_NOT_UNIQUE,         /* KDC_ERR_PRINCIPAL_NOT_UNIQUE */
    NEG_KDC_SKEW,               /* KRB_AP_ERR_SKEW */
    NEG_KDC_UNREACHABLE,        /* no KDC answered */
    NEG_KDC_LOGON_FAILED,       /* --user/--password refused */
    NEG_KDC_OTHER
} neg_kdc_answer;

typedef struct {
    neg_kdc_answer answer;
    const char *detail;         /* the library's message */
    const char *client;         /* alice@EXAMPLE.COM */
    const char *service;        /* HTTP/www.example.com@EXAMPLE.COM */
    int kvno;                   /* of the ticket; -1 when absent */
    int enctype;
    const char *enctype_name;
    /* the keytab's verdict on that ticket (the module's acceptor) */
    int accepted;               /* 1 accepted, 0 refused, -1 not tried */
    const char *accept_error;   /* the acceptor's own explanation */
    const char *accepted_as;    /* the user the module would see */
    const char **owners;        /* accounts that hold the SPN, if known */
    size_t n_owners;
} neg_kdc_facts;

/* The service ticket and its decryption with the keytab: tells a missing
 * SPN, one on two accounts, a stale keytab (kvno), the wrong account's
 * keys, from a good setup. */
void neg_check_kdc(neg_check_report *r, const char *keytab,
                   const neg_key *keys, size_t n_keys, const char *spn,
                   const neg_kdc_facts *kdc);

/* The local clock against the KDC's (seconds, positive: we are ahead). */
void neg_check_clock(neg_check_report *r, const char *kdc, double offset,
                     int max_skew);

/* --------------------------------------------------------- delegation */

/* NegotiateDelegateTo (s4u.h, neg_s4u_check): the account's TGT from the
 * keytab, protocol transition for the test user, and S4U2Proxy to each
 * SPN, each OK or FAIL with the command that fixes it. A protocol
 * transition whose ticket is not forwardable is a WARN (Kerberos logons
 * may still delegate; NTLM and Basic ones cannot), and the SPNs are then
 * not checked. */
void neg_check_delegation(neg_check_report *r, const char *keytab,
                          const neg_s4u_check_result *d);

#endif
