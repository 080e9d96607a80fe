/*
 * cbt.h - the TLS channel binding of Extended Protection: RFC 5929's
 * tls-server-end-point for the certificate the server presented on a
 * connection, as Kerberos (the application data of GSS channel bindings,
 * RFC 4121 4.1.1.2) and NTLM (MsvAvChannelBindings, MS-NLMP 2.2.2.1: the
 * MD5 of the gss_channel_bindings_struct) carry it.
 *
 * Pure: the certificate in, the bindings out (Heimdal's ASN.1 decoder for
 * the certificate, hcrypto for the hashes). No httpd types.
 */
#ifndef NEG_CBT_H
#define NEG_CBT_H

#include <stddef.h>

#define NEG_CBT_PREFIX "tls-server-end-point:"
#define NEG_CBT_PREFIX_LEN 21
#define NEG_CBT_MAX_HASH 64                 /* SHA-512 */

typedef struct {
    /* "tls-server-end-point:" + the certificate's hash: the application
     * data of the channel bindings */
    unsigned char app_data[NEG_CBT_PREFIX_LEN + NEG_CBT_MAX_HASH];
    size_t app_data_len;
    const char *hash_name;                  /* "SHA-256", ... */
    /* MD5(gss_channel_bindings_struct): what NTLMv2 responses carry */
    unsigned char ntlm[16];
} neg_cbt;

typedef enum {
    NEG_CBT_OK = 0,
    NEG_CBT_NOT_PEM,        /* no PEM certificate block */
    NEG_CBT_BAD_BASE64,     /* its body is not base64 */
    NEG_CBT_BAD_DER,        /* not an X.509 certificate */
    NEG_CBT_TOO_LARGE,      /* over the size this module handles */
    NEG_CBT_UNSUPPORTED     /* signed with SHA-224 (no hcrypto digest) */
} neg_cbt_result;

/* The certificate's hash for tls-server-end-point (RFC 5929 4.1): the hash
 * of its signatureAlgorithm, SHA-256 when that is MD5 or SHA-1 (or when
 * the algorithm has no single hash, as Ed25519: Windows and OpenSSL-based
 * clients use SHA-256 then). */
neg_cbt_result neg_cbt_from_der(const unsigned char *der, size_t len,
                                neg_cbt *out);

/* The same from a PEM certificate (the first "-----BEGIN CERTIFICATE-----"
 * block of pem, as mod_ssl's SSL_SERVER_CERT gives it). */
neg_cbt_result neg_cbt_from_pem(const char *pem, neg_cbt *out);

/* MD5 of the gss_channel_bindings_struct with no addresses (RFC 4121
 * 4.1.1.2; MS-NLMP 2.2.2.1 MsvAvChannelBindings): two address types and
 * lengths of 0, then the application data's length and bytes, every
 * integer 32-bit little-endian. What a Kerberos authenticator's Bnd field
 * and an NTLMv2 response carry. */
void neg_cbt_gss_hash(const unsigned char *app_data, size_t len,
                      unsigned char out[16]);

/* The hash part of the application data, as hex, for log lines (the first
 * 8 bytes). */
void neg_cbt_hash_prefix(const unsigned char *hash, size_t len, char out[17]);

const char *neg_cbt_result_str(neg_cbt_result r);

#endif
