/*
 * sid.c - security identifiers (sid.h): the string form ([MS-DTYP]
 * 2.4.2.1) both ways, equality and a hash.
 */
#include "sid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t neg_sid_hash(const neg_sid *sid)
{
    const unsigned char *b = (const unsigned char *)sid->sub;
    size_t n = (size_t)sid->count * sizeof(sid->sub[0]), i;
    uint32_t h = 2166136261u;

    for (i = 0; i < NEG_SID_AUTH_LEN; i++)
        h = (h ^ sid->authority[i]) * 16777619u;
    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}


#define SID_AUTH_DECIMAL_MAX 0xffffffffu     /* larger: "0x" + 12 hex digits */
#define SID_AUTH_HEX_DIGITS  12

/* IdentifierAuthority is a 48-bit big-endian value. */
static uint64_t sid_authority(const neg_sid *sid)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < NEG_SID_AUTH_LEN; i++)
        v = (v << 8) | sid->authority[i];
    return v;
}

static void set_sid_authority(neg_sid *sid, uint64_t v)
{
    size_t i;

    for (i = NEG_SID_AUTH_LEN; i > 0; i--) {
        sid->authority[i - 1] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* Appends with snprintf into a buffer sized for the longest SID; returns
 * the new length, or cap when it did not fit. */
static size_t append_format_u64(char *buf, size_t used, size_t cap,
                                const char *fmt, uint64_t v)
{
    int n;

    if (used >= cap)
        return cap;
    n = snprintf(buf + used, cap - used, fmt, v);
    if (n < 0 || (size_t)n >= cap - used)
        return cap;
    return used + (size_t)n;
}

size_t neg_sid_to_string(const neg_sid *sid, char *out, size_t cap)
{
    char tmp[NEG_SID_STRING_MAX];
    uint64_t auth = sid_authority(sid);
    size_t n;
    uint8_t i;

    if (sid->count > NEG_SID_SUB_MAX)
        return 0;
    n = append_format_u64(tmp, 0, sizeof(tmp), "S-%" PRIu64,
                          (uint64_t)sid->revision);
    if (auth <= SID_AUTH_DECIMAL_MAX)
        n = append_format_u64(tmp, n, sizeof(tmp), "-%" PRIu64, auth);
    else
        n = append_format_u64(tmp, n, sizeof(tmp), "-0x%012" PRIX64, auth);
    for (i = 0; i < sid->count; i++)
        n = append_format_u64(tmp, n, sizeof(tmp), "-%" PRIu64,
                              (uint64_t)sid->sub[i]);
    if (n >= sizeof(tmp) || n >= cap)
        return 0;
    memcpy(out, tmp, n + 1);
    return n;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One or more decimal digits whose value is at most max (< 2^60, so the
 * multiplication cannot overflow before the comparison). */
static int parse_decimal(const char **sp, uint64_t max, uint64_t *v)
{
    const char *s = *sp;
    uint64_t x = 0;

    if (!is_digit(*s))
        return 0;
    while (is_digit(*s)) {
        x = x * 10 + (uint64_t)(*s++ - '0');
        if (x > max)
            return 0;
    }
    *v = x;
    *sp = s;
    return 1;
}

/* IdentifierAuthority = 1*10DIGIT / "0x" 12HEXDIG (we accept 1 to 12). */
static int parse_authority(const char **sp, uint64_t *v)
{
    const char *s = *sp;
    uint64_t x = 0;
    size_t n = 0;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return parse_decimal(sp, SID_AUTH_DECIMAL_MAX, v);
    for (s += 2; hex_value(*s) >= 0; s++) {
        if (++n > SID_AUTH_HEX_DIGITS)
            return 0;
        x = (x << 4) | (uint64_t)hex_value(*s);
    }
    if (n == 0)
        return 0;
    *v = x;
    *sp = s;
    return 1;
}

/* "S-1-" authority then "-" sub-authority, up to 15 of them. */
int neg_sid_from_string(const char *s, neg_sid *out)
{
    neg_sid sid;
    uint64_t v;

    memset(&sid, 0, sizeof(sid));
    if (s == NULL || s[0] != 'S' || s[1] != '-')
        return 0;
    s += 2;
    if (!parse_decimal(&s, 0xff, &v) || v != NEG_SID_REVISION || *s++ != '-')
        return 0;
    sid.revision = (uint8_t)v;
    if (!parse_authority(&s, &v))
        return 0;
    set_sid_authority(&sid, v);
    while (*s == '-') {
        s++;
        if (sid.count >= NEG_SID_SUB_MAX || !parse_decimal(&s, 0xffffffffu, &v))
            return 0;
        sid.sub[sid.count++] = (uint32_t)v;
    }
    if (*s != '\0')
        return 0;
    *out = sid;
    return 1;
}

int neg_sid_equal(const neg_sid *a, const neg_sid *b)
{
    return a->revision == b->revision && a->count == b->count
        && a->count <= NEG_SID_SUB_MAX
        && memcmp(a->authority, b->authority, NEG_SID_AUTH_LEN) == 0
        && memcmp(a->sub, b->sub, a->count * sizeof(a->sub[0])) == 0;
}
