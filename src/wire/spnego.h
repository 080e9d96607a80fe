/*
 * spnego.h - GSS token framing and SPNEGO (RFC 4178) DER codec.
 *
 * Pure functions over bytes: no httpd or APR types, no allocation.
 * Every decoded field points into the caller's input buffer.
 */
#ifndef NEG_SPNEGO_H
#define NEG_SPNEGO_H

#include <stddef.h>

/* Mechanisms we recognise by OID. */
typedef enum {
    NEG_MECH_NONE = 0,      /* absent */
    NEG_MECH_KRB5,          /* 1.2.840.113554.1.2.2 */
    NEG_MECH_MS_KRB5,       /* 1.2.840.48018.1.2.2 (Microsoft's variant) */
    NEG_MECH_NTLMSSP,       /* 1.3.6.1.4.1.311.2.2.10 */
    NEG_MECH_NEGOEX,        /* 1.3.6.1.4.1.311.2.2.30 */
    NEG_MECH_SPNEGO,        /* 1.3.6.1.5.5.2 */
    NEG_MECH_OTHER          /* a syntactically valid OID we do not support */
} neg_mech;

/* What an Authorization token is, judged from its bytes. */
typedef enum {
    NEG_TOKEN_INVALID = 0,
    NEG_TOKEN_RAW_KRB5,     /* [APPLICATION 0] with a Kerberos OID (either) */
    NEG_TOKEN_RAW_NTLMSSP,  /* "NTLMSSP\0" */
    NEG_TOKEN_SPNEGO_INIT,  /* [APPLICATION 0] { SPNEGO OID, [0] NegTokenInit } */
    NEG_TOKEN_SPNEGO_RESP   /* bare [1] NegTokenResp (later legs) */
} neg_token_kind;

/* negState values of NegTokenResp (RFC 4178 section 4.2.2). */
#define NEG_STATE_ABSENT            (-1)
#define NEG_STATE_ACCEPT_COMPLETED  0
#define NEG_STATE_ACCEPT_INCOMPLETE 1
#define NEG_STATE_REJECT            2
#define NEG_STATE_REQUEST_MIC       3

#define NEG_MAX_MECHS 16

typedef struct {
    const unsigned char *data;
    size_t len;
} neg_bytes;

typedef struct {
    neg_token_kind kind;
    /* SPNEGO_INIT: the client's mechTypes in order (unknown ones as
     * NEG_MECH_OTHER), capped at NEG_MAX_MECHS (more is an error).
     * RAW_KRB5: n_mechs = 1, mechs[0] = the OID in the GSS header.
     * RAW_NTLMSSP: n_mechs = 1, mechs[0] = NEG_MECH_NTLMSSP. */
    neg_mech mechs[NEG_MAX_MECHS];
    size_t n_mechs;
    /* SPNEGO_INIT: the complete DER of the MechTypeList (tag, length and
     * contents of the SEQUENCE OF), which is what mechListMIC covers. */
    neg_bytes mech_list;
    /* The mechanism's token:
     * RAW_KRB5 / RAW_NTLMSSP: the whole input.
     * SPNEGO_INIT: contents of mechToken [2] OCTET STRING (len 0 if absent).
     * SPNEGO_RESP: contents of responseToken [2] OCTET STRING (len 0 if absent). */
    neg_bytes mech_token;
    /* SPNEGO_INIT / SPNEGO_RESP: contents of mechListMIC [3] (len 0 if absent). */
    neg_bytes mech_list_mic;
    /* SPNEGO_RESP only: negState or NEG_STATE_ABSENT; supportedMech or NONE. */
    int neg_state;
    neg_mech supported_mech;
} neg_token;

/* Result codes of neg_token_parse. */
typedef enum {
    NEG_PARSE_OK = 0,
    NEG_PARSE_EMPTY,        /* zero bytes */
    NEG_PARSE_UNKNOWN,      /* not a GSS, SPNEGO or NTLMSSP token at all */
    NEG_PARSE_MALFORMED,    /* looked like one, but the DER is broken */
    NEG_PARSE_TOO_MANY_MECHS
} neg_parse_result;

/* Classify and decode one token. Never reads outside [buf, buf+len).
 * Strict DER where it matters: definite lengths only, lengths that fit
 * their container, no trailing bytes after the outermost element. */
neg_parse_result neg_token_parse(const unsigned char *buf, size_t len,
                                 neg_token *out);

/* Human-readable name of a parse result / mechanism / kind, for logs. */
const char *neg_parse_result_str(neg_parse_result r);
const char *neg_mech_name(neg_mech m);

/* The first mechanism of a NegTokenInit's list (the client's order of
 * preference, RFC 4178 4.2.1) that the acceptor takes: Kerberos (either
 * OID), or NTLMSSP when allow_ntlm. NEG_MECH_NONE when the list has none;
 * else *index (if not NULL) receives its position in the list. */
neg_mech neg_select_mech(const neg_token *init, int allow_ntlm, size_t *index);

/* DER encoding of a mechanism's OID (tag 0x06, length, value), or NULL for
 * NONE/OTHER. *len receives its length. */
const unsigned char *neg_mech_oid_der(neg_mech m, size_t *len);

/* Encode a bare NegTokenResp ([1] SEQUENCE { negState, supportedMech,
 * responseToken, mechListMIC }). Fields are omitted when: neg_state is
 * NEG_STATE_ABSENT, supported is NEG_MECH_NONE, token_len is 0, mic_len is 0.
 * Returns the encoded length. If out is NULL or cap is too small, nothing is
 * written and the required length is still returned; 0 on invalid input
 * (e.g. supported is NEG_MECH_OTHER). */
size_t neg_encode_resp(int neg_state, neg_mech supported,
                       const unsigned char *token, size_t token_len,
                       const unsigned char *mic, size_t mic_len,
                       unsigned char *out, size_t cap);

#endif
