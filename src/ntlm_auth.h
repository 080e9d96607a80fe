/*
 * ntlm_auth.h - the NTLM handshake on one connection: NEGOTIATE in,
 * CHALLENGE out; AUTHENTICATE in, checks (ntlm.c), the domain's verdict
 * (winbind.c), the MIC, and an identity out. Framing (raw or SPNEGO, NTLM
 * or Negotiate scheme) is the caller's business.
 */
#ifndef NEG_NTLM_AUTH_H
#define NEG_NTLM_AUTH_H

#include "apr_pools.h"
#include "apr_time.h"

#include "conn.h"

typedef struct {
    int allow_v1;                   /* NegotiateNTLMv1 On */
    apr_interval_time_t lifetime;   /* how long a challenge is valid */
    int timeout_ms;                 /* bound on a winbind call */
} neg_ntlm_opts;

typedef enum {
    NEG_NTLM_REFUSED = 0,   /* the client's fault or the domain's "no": 401 */
    NEG_NTLM_UNAVAILABLE,   /* winbind is down or closed to us: 401, admin's job */
    NEG_NTLM_OK
} neg_ntlm_status;

/* Start a handshake on nc with the client's NEGOTIATE message. On success
 * nc holds the raw Type 1 and our Type 2, and *type2 points at the latter. */
neg_ntlm_status neg_ntlm_challenge(neg_conn *nc, const unsigned char *t1,
                                   size_t t1_len, const neg_ntlm_opts *o,
                                   const unsigned char **type2, size_t *type2_len,
                                   const char **error);

/* Finish it with the AUTHENTICATE message. On success nc->id is the user,
 * exported_key the session key and *flags the message's negotiate flags
 * (both for SPNEGO's mechListMIC); *had_mic says whether the client
 * protected the messages with a MIC. */
neg_ntlm_status neg_ntlm_authenticate(neg_conn *nc, const unsigned char *t3,
                                      size_t t3_len, const neg_ntlm_opts *o,
                                      apr_pool_t *p, unsigned char exported_key[16],
                                      uint32_t *flags, int *had_mic,
                                      const char **error);

#endif
