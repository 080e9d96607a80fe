/*
 * kerberos.h - the Kerberos acceptor (Heimdal GSSAPI, krb5 mechanism).
 *
 * Acceptor credentials are built once per process for each (keytab,
 * service principal set): the keytab's matching keys are copied into a
 * MEMORY: keytab and a krb5 credential is imported from it with
 * gss_krb5_import_cred(), so no process-global state (KRB5_KTNAME,
 * gsskrb5_register_acceptor_identity) is touched and no file is read per
 * request. The keytab file is checked for changes at most once a second and
 * reloaded when it changed, so a new kvno is picked up without a restart.
 *
 * SPNEGO framing is not done here: the caller unwraps it (src/wire/spnego.c)
 * and hands over the inner krb5 token. This layer knows nothing of httpd.
 */
#ifndef NEG_KERBEROS_H
#define NEG_KERBEROS_H

#include <stddef.h>
#include <stdint.h>

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

typedef struct neg_krb5_acceptor neg_krb5_acceptor;

/* An established security context kept past the accept, for SPNEGO's
 * mechListMIC (RFC 4178 section 5): see neg_krb5_accept_keep. */
typedef struct neg_krb5_context neg_krb5_context;

/* What the client's authenticator says of channel bindings (Extended
 * Protection), when the acceptor was given this connection's. */
typedef enum {
    NEG_KRB5_BOUND_UNCHECKED = 0,   /* no bindings were given to the acceptor */
    NEG_KRB5_BOUND,                 /* bound, to this channel (Heimdal compared) */
    NEG_KRB5_BOUND_ELSEWHERE,       /* bound to another channel: refused */
    NEG_KRB5_UNBOUND,               /* no bindings (all-zero Bnd) */
    NEG_KRB5_UNBOUND_BUT_ANNOUNCED, /* none, though it says it binds (KERB_AP_OPTIONS_CBT) */
    NEG_KRB5_BOUND_UNKNOWN          /* the authenticator could not be read */
} neg_krb5_bindings;

typedef struct {
    /* success */
    const char *principal;      /* alice@EXAMPLE.TEST */
    const char *user;           /* alice (the principal without its realm) */
    const char *realm;          /* EXAMPLE.TEST */
    const unsigned char *reply; /* the AP-REP GSS token (mutual authentication) */
    size_t reply_len;
    const unsigned char *pac;   /* the ticket's PAC (AD-WIN2K-PAC), if any */
    size_t pac_len;
    const char *ccache;         /* delegated credentials stored here, if any */
    const char *ccache_error;   /* why they could not be stored */
    const char *service;        /* the ticket's service principal */
    const unsigned char *evidence;  /* the client's Ticket, DER (S4U2Proxy) */
    size_t evidence_len;
    int evidence_forwardable;   /* its forwardable flag; -1: not read */
    unsigned char replay_key[32];   /* SHA-256 of the authenticator (replay.h) */
    int has_replay_key;
    int64_t authenticator_time; /* its ctime, Unix seconds (0: not read) */
    int skew;                   /* the acceptor's clock skew, seconds */
    neg_krb5_bindings bindings; /* with channel bindings given: what the client sent */
    /* failure: what happened and what to do, one line */
    const char *error;
    int anonymous;              /* the failure: an anonymous ticket */
    /* failure: the KRB-ERROR token (GSS framing) Heimdal made for the client,
     * when it refused for clock skew or a ticket not valid yet, so that the
     * client may retry with the server's time (MS-KILE 3.4.5.4); else NULL */
    const unsigned char *error_token;
    size_t error_token_len;
    int error_code;             /* its krb5 error code (KRB5KRB_AP_ERR_SKEW ...) */
    /* neg_krb5_accept_keep only: the established context */
    neg_krb5_context *context;
} neg_krb5_result;

/* Once per process (child_init): the pool lives as long as the process. */
int neg_krb5_init(apr_pool_t *process_pool);

/* The acceptor for a keytab (NULL: the system default keytab) and a set of
 * service principals (NULL or empty: any key in the keytab). The result is
 * referenced until neg_krb5_release(). On a load failure *error says why
 * and the fix, and NULL is returned. *warning, when set, is something an
 * admin should see once (e.g. a configured principal the keytab lacks). */
neg_krb5_acceptor *neg_krb5_acquire(const char *keytab,
                                    const apr_array_header_t *principals,
                                    apr_pool_t *p, const char **error,
                                    const char **warning);
void neg_krb5_release(neg_krb5_acceptor *a);

/* Accept one krb5 GSS token (RFC 4121 framing, OID 1.2.840.113554.1.2.2 or
 * Microsoft's 1.2.840.48018.1.2.2). Returns 1 on success and fills the
 * success fields of *res; 0 on failure with res->error set.
 * With delegation_dir, credentials the client delegated are stored in a new
 * ccache file there (mode 0600, a unique name per request); the file is
 * removed when pool p is cleared, i.e. at the end of the request.
 * With cb (the application data of channel bindings, cbt.h), a token bound
 * to another channel is refused (res->bindings NEG_KRB5_BOUND_ELSEWHERE),
 * and res->bindings says whether an accepted one was bound at all; cb with
 * cb_len 0 (no channel: plain HTTP) only asks the latter. */
int neg_krb5_accept(neg_krb5_acceptor *a, const unsigned char *token,
                    size_t len, apr_pool_t *p, const char *delegation_dir,
                    const unsigned char *cb, size_t cb_len, neg_krb5_result *res);

/* neg_krb5_accept, and on success the established context is kept in
 * res->context until the pool keep is cleared (or destroyed), for the MICs
 * below. The context is used by one thread at a time (one connection's).
 * With ticket_cache (NegotiateTicketCache On), a ticket this acceptor has
 * accepted before costs only its authenticator's checks (without keep:
 * that path makes no GSS context), and a newly accepted one is
 * remembered; see "ticket cache" in kerberos.c and ticket_cache.h. */
int neg_krb5_accept_keep(neg_krb5_acceptor *a, const unsigned char *token,
                         size_t len, apr_pool_t *p, const char *delegation_dir,
                         const unsigned char *cb, size_t cb_len,
                         int ticket_cache, apr_pool_t *keep,
                         neg_krb5_result *res);

/* A new empty file DIR/krb5cc_negotiate_XXXXXX (mode 0600) for a ccache,
 * removed when p is cleared; DIR is checked again (a directory of this
 * uid's, writable by nobody else). NULL and *path, or why not (what: what
 * was to be stored, for the message). */
const char *neg_krb5_new_ccache_file(apr_pool_t *p, const char *dir,
                                     const char *what, const char **path);

/* gss_get_mic over msg with the context (in p); 1 on success. */
int neg_krb5_get_mic(neg_krb5_context *c, const unsigned char *msg, size_t len,
                     apr_pool_t *p, const unsigned char **mic, size_t *mic_len);

/* gss_verify_mic: 1 if mic is the peer's MIC over msg. */
int neg_krb5_verify_mic(neg_krb5_context *c, const unsigned char *msg,
                        size_t len, const unsigned char *mic, size_t mic_len);

/* Syntax check of a configured service principal ("HTTP/host" or
 * "HTTP/host@REALM"); NULL if fine, else why not. */
const char *neg_krb5_check_principal_syntax(const char *name);

/* Does NegotiateServicePrincipal (the configured names; NULL or empty:
 * any) allow a ticket for this service principal? */
int neg_krb5_principal_allowed(const apr_array_header_t *allowed,
                               const char *principal);

/* Add the realms of the principals in a keytab ("FILE:path"; NULL: the
 * default keytab) to realms (const char *, each once); nothing if it
 * cannot be read. For start-up checks. */
void neg_krb5_keytab_realms(const char *keytab, apr_pool_t *p,
                            apr_array_header_t *realms);
void neg_krb5_add_realm(apr_pool_t *p, apr_array_header_t *realms,
                        const char *realm);

/* For tests: how often a keytab file is checked for replacement. */
void neg_krb5_set_check_interval(apr_interval_time_t interval);

/* Tests only: called while a keytab is loaded, after its keys were read
 * (a write or a hang of the file at that moment). NULL: none. */
void neg_krb5_set_load_hook(void (*hook)(const char *keytab));

/* The principals of the acceptor's keys with their kvnos ("HTTP/x@R kvno
 * 2, ..."), for diagnostics and tests. */
const char *neg_krb5_acceptor_keys(apr_pool_t *p, const neg_krb5_acceptor *a);

#endif
