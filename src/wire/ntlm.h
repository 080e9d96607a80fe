/*
 * ntlm.h - NTLMSSP as the challenger (MS-NLMP): message codec and the
 * checks made before and after the domain verifies a response.
 *
 * Pure functions over bytes (no httpd or APR types). Decoders never
 * allocate: every field points into the caller's buffer and every length
 * and offset is checked against it. The CHALLENGE message is encoded with
 * Heimdal's libheimntlm; the crypto (HMAC-MD5, MD5, RC4) is libhcrypto's.
 */
#ifndef NEG_NTLM_H
#define NEG_NTLM_H

#include <stddef.h>
#include <stdint.h>

/* NEGOTIATE_* flags (MS-NLMP 2.2.2.5) that this module looks at. */
#define NTLM_F_UNICODE          0x00000001u
#define NTLM_F_OEM              0x00000002u
#define NTLM_F_REQUEST_TARGET   0x00000004u
#define NTLM_F_SIGN             0x00000010u
#define NTLM_F_SEAL             0x00000020u
#define NTLM_F_LM_KEY           0x00000080u
#define NTLM_F_NTLM             0x00000200u
#define NTLM_F_ANONYMOUS        0x00000800u
#define NTLM_F_OEM_DOMAIN       0x00001000u
#define NTLM_F_OEM_WORKSTATION  0x00002000u
#define NTLM_F_ALWAYS_SIGN      0x00008000u
#define NTLM_F_TARGET_DOMAIN    0x00010000u
#define NTLM_F_ESS              0x00080000u  /* extended session security */
#define NTLM_F_TARGET_INFO      0x00800000u
#define NTLM_F_VERSION          0x02000000u
#define NTLM_F_128              0x20000000u
#define NTLM_F_KEY_EXCH         0x40000000u
#define NTLM_F_56               0x80000000u

/* AV pair ids (MS-NLMP 2.2.2.1). */
#define NTLM_AV_EOL             0
#define NTLM_AV_NB_COMPUTER     1
#define NTLM_AV_NB_DOMAIN       2
#define NTLM_AV_DNS_COMPUTER    3
#define NTLM_AV_DNS_DOMAIN      4
#define NTLM_AV_FLAGS           6
#define NTLM_AV_TIMESTAMP       7
#define NTLM_AV_TARGET_NAME     9   /* MsvAvTargetName: the SPN the client meant */
#define NTLM_AV_CHANNEL_BINDINGS 10 /* MsvAvChannelBindings: MD5 of the TLS binding */
#define NTLM_AV_FLAG_MIC        0x00000002u

#define NTLM_MIC_OFFSET 72      /* after the 8-byte Version (2.2.1.3) */

typedef enum {
    NTLM_OK = 0,
    NTLM_ERR_TRUNCATED,     /* shorter than the fixed header */
    NTLM_ERR_SIGNATURE,     /* not "NTLMSSP\0" */
    NTLM_ERR_TYPE,          /* another message type */
    NTLM_ERR_FIELD,         /* a field's offset/length points outside */
    NTLM_ERR_OVERLAP,       /* payload fields overlap each other or the header */
    NTLM_ERR_V2_RESPONSE,   /* malformed NTLMv2 client challenge (blob) */
    NTLM_ERR_AV_PAIRS,      /* malformed AV pairs / missing EOL / duplicates */
    NTLM_ERR_AV_ALTERED,    /* the AV pairs we sent did not come back intact */
    NTLM_ERR_MIC_MISSING,   /* AV flags say MIC, but there is no room for it */
    NTLM_ERR_STRING         /* a name is not valid UTF-16LE / too long */
} ntlm_result;

typedef struct {
    const unsigned char *data;
    size_t len;
} ntlm_field;

/* NEGOTIATE_MESSAGE (Type 1). curl and Chromium send 32 bytes, without
 * the Version field: that is accepted. */
typedef struct {
    uint32_t flags;
    ntlm_field domain;          /* when NTLM_F_OEM_DOMAIN */
    ntlm_field workstation;     /* when NTLM_F_OEM_WORKSTATION */
} ntlm_negotiate;

/* AUTHENTICATE_MESSAGE (Type 3). */
typedef struct {
    uint32_t flags;
    ntlm_field lm, nt, domain, user, workstation, session_key;
    size_t payload_offset;      /* lowest offset of a non-empty field */
    int has_mic_room;           /* 16 bytes at NTLM_MIC_OFFSET are header */
    const unsigned char *mic;   /* those bytes, when has_mic_room */
} ntlm_authenticate;

/* The NTLMv2 response's client challenge (2.2.2.7). */
typedef struct {
    const unsigned char *proof;         /* NTProofStr, 16 bytes */
    const unsigned char *client_challenge;  /* 8 bytes */
    uint64_t timestamp;
    ntlm_field av_pairs;        /* from the first pair up to and with EOL */
    uint32_t av_flags;          /* MsvAvFlags, 0 when absent */
    /* Extended Protection (2.2.2.1): the SPN the client meant (UTF-16LE;
     * len 0 when absent) and its channel binding (16 bytes, or NULL) */
    ntlm_field target_name;
    const unsigned char *channel_bindings;
} ntlm_v2_response;

int ntlm_message_type(const unsigned char *buf, size_t len);

ntlm_result ntlm_decode_negotiate(const unsigned char *buf, size_t len,
                                  ntlm_negotiate *out);
ntlm_result ntlm_decode_authenticate(const unsigned char *buf, size_t len,
                                     ntlm_authenticate *out);
ntlm_result ntlm_parse_v2_response(const ntlm_field *nt, ntlm_v2_response *out);

/* Every AV pair of sent (our TargetInfo, EOL-terminated) except EOL must
 * appear in received with the same value (clients may add others). */
ntlm_result ntlm_check_av_echo(const ntlm_field *sent, const ntlm_field *received);

/* The flags of our CHALLENGE: what the client asked for that we support. */
uint32_t ntlm_challenge_flags(uint32_t client_flags);

/* Names of the server for the CHALLENGE's TargetInfo. */
typedef struct {
    const char *nb_domain;      /* EXAMPLE */
    const char *nb_computer;    /* WEB1 */
    const char *dns_domain;     /* example.test */
    const char *dns_computer;   /* web1.example.test */
} ntlm_server_names;

/* Encode a CHALLENGE_MESSAGE (2.2.1.2) with TargetInfo NbDomainName,
 * NbComputerName, DnsDomainName, DnsComputerName, Timestamp, EOL (no
 * MsvAvFlags). On success *out is malloc()ed (free() it) and ti_off/ti_len
 * locate the TargetInfo inside it. Returns 0 or an errno value. */
int ntlm_encode_challenge(uint32_t flags, const unsigned char challenge[8],
                          const ntlm_server_names *names, uint64_t timestamp,
                          unsigned char **out, size_t *out_len,
                          size_t *ti_off, size_t *ti_len);

/* FILETIME (100 ns since 1601) from Unix microseconds. */
uint64_t ntlm_filetime(int64_t unix_usec);

/* A name field as UTF-8 (UTF-16LE when unicode, else Latin-1). Returns the
 * length written (NUL-terminated), or (size_t)-1 when it does not fit or is
 * not valid. */
size_t ntlm_name_to_utf8(const ntlm_field *f, int unicode, char *out, size_t cap);

/* ExportedSessionKey (3.2.5.1.2, 3.4.5.1): the key exchange key is the
 * session base key (NTLMv2); with KEY_EXCH it decrypts the client's
 * EncryptedRandomSessionKey with RC4. Returns NTLM_ERR_FIELD if KEY_EXCH is
 * set but the encrypted key is not 16 bytes. */
ntlm_result ntlm_exported_session_key(const unsigned char session_base_key[16],
                                      uint32_t flags, const ntlm_field *enc_key,
                                      unsigned char out[16]);

/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE
 * with its MIC field zeroed) (3.1.5.1.2). */
void ntlm_compute_mic(const unsigned char key[16],
                      const unsigned char *t1, size_t t1_len,
                      const unsigned char *t2, size_t t2_len,
                      const unsigned char *t3, size_t t3_len,
                      unsigned char out[16]);

/* GSS_GetMIC of NTLM with extended session security (3.4.4.2), for
 * SPNEGO's mechListMIC: direction 0 = client-to-server, 1 = server-to-client. */
#define NTLM_CLIENT_TO_SERVER 0
#define NTLM_SERVER_TO_CLIENT 1
void ntlm_sign(const unsigned char exported_key[16], uint32_t flags,
               int direction, uint32_t seq,
               const unsigned char *msg, size_t msg_len, unsigned char out[16]);


const char *ntlm_result_str(ntlm_result r);

#endif
