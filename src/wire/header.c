/*
 * header.c - parse the Authorization header (RFC 4559 section 4) and check
 * its base64 token strictly before it is decoded.
 */
#include "header.h"

#include <string.h>
#include <strings.h>

#include "apr_base64.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static neg_scheme scheme_from_name(const char *name, size_t len)
{
    if (len == 9 && strncasecmp(name, "Negotiate", 9) == 0)
        return NEG_SCHEME_NEGOTIATE;
    if (len == 4 && strncasecmp(name, "NTLM", 4) == 0)
        return NEG_SCHEME_NTLM;
    if (len == 5 && strncasecmp(name, "Basic", 5) == 0)
        return NEG_SCHEME_BASIC;
    return NEG_SCHEME_OTHER;
}

/* RFC 4648 section 4: groups of four alphabet characters, the last group
 * possibly ending in one or two '='. Returns the padding count, or -1. */
static int check_base64(const char *s, size_t len)
{
    size_t i, pad = 0;

    if (len == 0 || len % 4 != 0)
        return -1;
    if (s[len - 1] == '=')
        pad = (s[len - 2] == '=') ? 2 : 1;
    for (i = 0; i < len - pad; i++) {
        if (!is_b64_char((unsigned char)s[i]))
            return -1;
    }
    return (int)pad;
}

neg_hdr_result neg_header_parse(const char *value, size_t max_decoded,
                                neg_auth_header *out)
{
    const char *p = value, *end;
    int pad;

    memset(out, 0, sizeof(*out));
    if (value == NULL)
        return NEG_HDR_EMPTY;
    while (is_space(*p))
        p++;
    if (*p == '\0')
        return NEG_HDR_EMPTY;

    out->scheme_name = p;
    while (*p != '\0' && !is_space(*p))
        p++;
    out->scheme_len = (size_t)(p - out->scheme_name);
    out->scheme = scheme_from_name(out->scheme_name, out->scheme_len);
    if (out->scheme == NEG_SCHEME_OTHER)
        return NEG_HDR_OK;

    while (is_space(*p))
        p++;
    end = p + strlen(p);
    while (end > p && is_space(end[-1]))
        end--;
    if (end == p)
        return NEG_HDR_NO_TOKEN;
    out->b64 = p;
    out->b64_len = (size_t)(end - p);
    if (memchr(p, ',', out->b64_len) || memchr(p, ' ', out->b64_len)
        || memchr(p, '\t', out->b64_len))
        return NEG_HDR_BAD_SYNTAX;
    /* Bound the size from the encoded length before looking at the bytes. */
    if (out->b64_len / 4 * 3 > max_decoded + 2)
        return NEG_HDR_TOO_LARGE;
    pad = check_base64(out->b64, out->b64_len);
    if (pad < 0)
        return NEG_HDR_BAD_BASE64;
    out->decoded_len = out->b64_len / 4 * 3 - (size_t)pad;
    if (out->decoded_len > max_decoded)
        return NEG_HDR_TOO_LARGE;
    return NEG_HDR_OK;
}

size_t neg_header_decode(const neg_auth_header *h, unsigned char *out)
{
    /* apr_base64_decode_binary() reads up to the first byte outside the
     * alphabet; neg_header_parse() checked that this is the end of the
     * token (or its padding), and the token is NUL- or space-terminated
     * inside the header value. */
    int n = apr_base64_decode_binary(out, h->b64);
    return n < 0 ? 0 : (size_t)n;
}

const char *neg_scheme_name(neg_scheme s)
{
    switch (s) {
    case NEG_SCHEME_NEGOTIATE: return "Negotiate";
    case NEG_SCHEME_NTLM:      return "NTLM";
    case NEG_SCHEME_BASIC:     return "Basic";
    case NEG_SCHEME_OTHER:     return "other";
    default:                   return "none";
    }
}

const char *neg_hdr_result_str(neg_hdr_result r)
{
    switch (r) {
    case NEG_HDR_OK:         return "ok";
    case NEG_HDR_EMPTY:      return "empty Authorization header";
    case NEG_HDR_NO_TOKEN:   return "no token after the scheme";
    case NEG_HDR_BAD_SYNTAX: return "more than one token (a comma or space "
                                    "inside it; two Authorization headers?)";
    case NEG_HDR_BAD_BASE64: return "token is not valid base64";
    case NEG_HDR_TOO_LARGE:  return "token is larger than NegotiateMaxTokenSize";
    }
    return "unknown";
}
