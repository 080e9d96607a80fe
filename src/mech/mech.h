/*
 * mech.h - one shape for every mechanism (Kerberos, NTLM, Basic): the ops
 * table SPNEGO and the dispatcher (negotiation.c, logon.c) drive them
 * through, as Samba's gensec keeps SPNEGO apart from the mechanisms.
 *
 * A mechanism takes one token at a time and says what it came to:
 * refused (the verdict says why), a token to send back and a next leg to
 * wait for, or done (an identity, maybe a last token). It never frames its
 * tokens (raw or SPNEGO: negotiation.c does), never decides what an
 * identity is worth elsewhere (policy.c), and keeps its handshake's state
 * on the connection only through conn.h's functions.
 */
#ifndef NEG_MECH_H
#define NEG_MECH_H

#include "apr_pools.h"

#include "header.h"
#include "identity.h"
#include "logon_ctx.h"
#include "spnego.h"
#include "verdict.h"

typedef enum {
    NEG_STEP_REFUSED = 0,       /* the verdict says why */
    NEG_STEP_CONTINUE,          /* token for the client; its answer is to come */
    NEG_STEP_DONE               /* id proved; token, if any, goes with the grant */
} neg_step_result;

typedef struct {
    /* in: how the token came */
    neg_scheme scheme;          /* the HTTP scheme it came under */
    neg_token_kind framing;     /* RAW_*, SPNEGO_INIT or SPNEGO_RESP */
    neg_mech oid;               /* inside SPNEGO: the OID the client named it by */
    /* in: non-NULL when SPNEGO will exchange mechListMICs with this
     * mechanism's keys (RFC 4178 section 5): what signs them is kept in
     * this pool (mic_key) */
    apr_pool_t *keep;
    /* out */
    neg_step_result result;
    const unsigned char *token;
    size_t token_len;
    neg_identity *id;           /* DONE */
    int mic_expected;           /* DONE: the client protected the exchange
                                 * (NTLM's MIC) and owes a mechListMIC */
    void *mic_key;              /* DONE: for make_mic and check_mic */
    int retry;                  /* CONTINUE: an error token after which the
                                 * client may try again (a KRB-ERROR) */
} neg_mech_step;

typedef struct {
    const char *name;           /* "kerberos", "ntlm", "basic" */
    const char *label;          /* "Kerberos", "NTLMSSP": for log lines */
    const char *mic_tag;        /* the log tag of a mechListMIC refusal */
    int mic_always;             /* inside SPNEGO, sign the mechanism list
                                 * even when RFC 4178 does not ask (NTLM:
                                 * Windows and Samba both do) */
    int mic_after_reply;        /* the client signs the mechanism list only
                                 * once it has our last token (Kerberos's
                                 * AP-REP, with mutual authentication) */
    /* Would this token continue one of this mechanism's handshakes (a
     * NegTokenResp that came with no negotiation of ours in progress)? */
    int (*claims)(const neg_bytes *token);
    /* One token. */
    void (*step)(const neg_logon_ctx *ctx, const neg_bytes *token,
                 neg_mech_step *st, neg_verdict *v);
    /* The mechListMIC of a mechanism list, made (for the client) and
     * checked (the client's), with the key of a step that was DONE; NULL
     * when the mechanism has none. 1 on success. */
    int (*make_mic)(void *key, const unsigned char *list, size_t len,
                    apr_pool_t *p, const unsigned char **mic, size_t *mic_len);
    int (*check_mic)(void *key, const unsigned char *list, size_t len,
                     const unsigned char *mic, size_t mic_len, const char **why);
    /* Does an identity this mechanism proved stay with the connection
     * (NTLM always; Kerberos with NegotiatePersistKerberos On)? */
    int (*binds_connection)(const neg_logon_ctx *ctx);
} neg_mech_ops;

extern const neg_mech_ops neg_krb5_ops;
extern const neg_mech_ops neg_ntlm_ops;
extern const neg_mech_ops neg_basic_ops;

/* The mechanism of an OID this module takes, or NULL. */
const neg_mech_ops *neg_mech_ops_for(neg_mech m);

#endif
