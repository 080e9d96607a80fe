/*
 * header.h - the Authorization request header and the WWW-Authenticate
 * challenge (RFC 4559 section 4; RFC 7235 section 2.1).
 *
 * Pure functions over bytes: no httpd types. Base64 decoding goes through
 * APR after a strict check of the alphabet and padding, because
 * apr_base64_decode() silently stops at the first foreign byte.
 */
#ifndef NEG_HEADER_H
#define NEG_HEADER_H

#include <stddef.h>

typedef enum {
    NEG_SCHEME_NONE = 0,    /* no header, or nothing in it */
    NEG_SCHEME_NEGOTIATE,
    NEG_SCHEME_NTLM,
    NEG_SCHEME_BASIC,
    NEG_SCHEME_OTHER        /* Digest, Bearer, ... */
} neg_scheme;

typedef enum {
    NEG_HDR_OK = 0,
    NEG_HDR_EMPTY,          /* header present but blank */
    NEG_HDR_NO_TOKEN,       /* "Negotiate" with no token after it */
    NEG_HDR_BAD_SYNTAX,     /* more than one token, or a comma (two headers merged) */
    NEG_HDR_BAD_BASE64,     /* bytes outside the base64 alphabet, bad padding or length */
    NEG_HDR_TOO_LARGE       /* decoded token would exceed the configured limit */
} neg_hdr_result;

typedef struct {
    neg_scheme scheme;
    const char *scheme_name;    /* points into the header value */
    size_t scheme_len;
    const char *b64;            /* the token as sent (points into the value) */
    size_t b64_len;
    size_t decoded_len;         /* exact length of the decoded token */
} neg_auth_header;

/* Split "Scheme token" into scheme and token and check the token's base64
 * strictly (RFC 4648 section 4 alphabet, '=' padding only at the end, length
 * a multiple of 4). max_decoded bounds the decoded size; the check is made
 * from the encoded length before anything is decoded. On NEG_HDR_OK the
 * caller can allocate decoded_len bytes and call neg_header_decode(). For a
 * scheme other than Negotiate, NTLM or Basic only the scheme fields are set. */
neg_hdr_result neg_header_parse(const char *value, size_t max_decoded,
                                neg_auth_header *out);

/* Decode a token that neg_header_parse() accepted into out, which holds at
 * least h->decoded_len bytes. Returns the number of bytes written. */
size_t neg_header_decode(const neg_auth_header *h, unsigned char *out);

/* The name of a scheme as it appears on the wire, and a result for logs. */
const char *neg_scheme_name(neg_scheme s);
const char *neg_hdr_result_str(neg_hdr_result r);

#endif
