/*
 * memcache_proto.c - memcached's "add" and its reply, and the meta
 * arithmetic of the farm's failure count (see memcache_proto.h).
 */
#include "memcache_proto.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void neg_mc_key(const char *prefix7, const unsigned char key[32],
                char out[NEG_MC_KEY_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    memcpy(out, prefix7, 7);
    for (i = 0; i < 32; i++) {
        out[7 + 2 * i] = digits[key[i] >> 4];
        out[7 + 2 * i + 1] = digits[key[i] & 0x0f];
    }
    out[7 + 64] = '\0';
}

size_t neg_mc_add_command(char *out, size_t cap, const char *key,
                          long seconds, long now_unix)
{
    long exptime = seconds < 1 ? 1 : seconds;
    int n;

    /* over 30 days memcached reads a Unix time; one past LONG_MAX stays
     * LONG_MAX, which memcached refuses (a refused logon, not a wrap) */
    if (exptime > NEG_MC_MAX_RELATIVE_S)
        exptime = now_unix > 0 && exptime > LONG_MAX - now_unix ? LONG_MAX
                                                                : now_unix + exptime;
    n = snprintf(out, cap, "add %s 0 %ld 1\r\n1\r\n", key, exptime);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

neg_mc_reply neg_mc_parse_reply(const char *buf, size_t len, size_t *line_len)
{
    const char *end = len >= 2 ? memchr(buf, '\n', len) : NULL;
    size_t n;

    *line_len = 0;
    if (end == NULL || end == buf || end[-1] != '\r')
        return end == NULL ? NEG_MC_INCOMPLETE : NEG_MC_OTHER;
    n = (size_t)(end - buf) - 1;
    *line_len = n;
    if (n == 6 && memcmp(buf, "STORED", 6) == 0)
        return NEG_MC_STORED;
    if (n == 10 && memcmp(buf, "NOT_STORED", 10) == 0)
        return NEG_MC_NOT_STORED;
    return NEG_MC_OTHER;
}

size_t neg_mc_get_command(char *out, size_t cap, const char *key)
{
    int n = snprintf(out, cap, "get %s\r\n", key);

    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t neg_mc_add_value_command(char *out, size_t cap, const char *key,
                                const char *value)
{
    int n = snprintf(out, cap, "add %s 0 0 %zu\r\n%s\r\n", key, strlen(value), value);

    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* A get's reply in b[0..n): 1 whole (*found, value), 0 malformed, -1 not
 * whole yet. */
static int parse_get(const char *b, size_t n, char *value, size_t cap, int *found)
{
    const char *nl = memchr(b, '\n', n), *sp;
    size_t line, need;
    char *end;
    unsigned long bytes;

    *found = 0;
    if (nl == NULL)
        return -1;
    line = (size_t)(nl - b);
    if (line == 0 || b[line - 1] != '\r')
        return 0;
    if (line == 4 && memcmp(b, "END", 3) == 0)
        return 1;
    if (line < 7 || memcmp(b, "VALUE ", 6) != 0)
        return 0;
    for (sp = b + line - 1; sp > b && *sp != ' '; sp--)
        ;
    bytes = strtoul(sp + 1, &end, 10);
    if (end != b + line - 1 || end == sp + 1 || bytes >= cap)
        return 0;
    need = line + 1 + bytes + 2 + 5;
    if (n < need)
        return -1;
    if (memcmp(nl + 1 + bytes, "\r\nEND\r\n", 7) != 0)
        return 0;
    memcpy(value, nl + 1, bytes);
    value[bytes] = '\0';
    *found = 1;
    return 1;
}

neg_mc_reply neg_mc_parse_then_get(const char *buf, size_t len, size_t *line_len,
                                   char *value, size_t cap, int *found)
{
    neg_mc_reply kind = neg_mc_parse_reply(buf, len, line_len);
    int got;

    *found = 0;
    if (kind == NEG_MC_INCOMPLETE || kind == NEG_MC_OTHER)
        return kind;
    got = parse_get(buf + *line_len + 2, len - *line_len - 2, value, cap, found);
    return got < 0 ? NEG_MC_INCOMPLETE : got == 0 ? NEG_MC_OTHER : kind;
}

size_t neg_mc_arith_command(char *out, size_t cap, const char *key, int delta,
                            long seconds)
{
    int n;

    if (delta > 0 && (seconds < 1 || seconds > NEG_MC_MAX_RELATIVE_S))
        return 0;
    n = delta > 0 ? snprintf(out, cap, "ma %s N%ld J1 v t\r\n", key, seconds)
                  : snprintf(out, cap, "ma %s MD v t\r\n", key);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* A decimal number in s[0..n), optionally negative: 1 and *out, or 0. */
static int decimal(const char *s, size_t n, int negative_ok, long long *out)
{
    long long v = 0;
    size_t i = 0;
    int neg = 0;

    if (negative_ok && n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (n == i || n - i > 18)
        return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

/* The flags of a "VA" line, b[0..n) after "VA <bytes>": the t token. */
static int ttl_flag(const char *b, size_t n, long *ttl)
{
    size_t i = 0, start;
    long long v;
    int seen = 0;

    while (i < n) {
        if (b[i++] != ' ')
            return 0;
        start = i;
        while (i < n && b[i] != ' ')
            i++;
        if (i > start && b[start] == 't') {
            if (!decimal(b + start + 1, i - start - 1, 1, &v) || v < -1)
                return 0;
            *ttl = (long)v;
            seen = 1;
        }
    }
    return seen;
}

neg_mc_reply neg_mc_parse_arith(const char *buf, size_t len, size_t *line_len,
                                long long *value, long *ttl)
{
    const char *nl = memchr(buf, '\n', len), *sp;
    size_t line;
    long long bytes;

    *line_len = 0;
    if (nl == NULL)
        return NEG_MC_INCOMPLETE;
    line = (size_t)(nl - buf);
    if (line == 0 || buf[line - 1] != '\r')
        return NEG_MC_OTHER;
    *line_len = --line;
    if (line == 2 && memcmp(buf, "NF", 2) == 0)
        return NEG_MC_NOT_FOUND;
    if (line < 4 || memcmp(buf, "VA ", 3) != 0)
        return NEG_MC_OTHER;
    sp = memchr(buf + 3, ' ', line - 3);
    if (sp == NULL || !decimal(buf + 3, (size_t)(sp - buf) - 3, 0, &bytes)
        || bytes < 1 || bytes > 18 || !ttl_flag(sp, line - (size_t)(sp - buf), ttl))
        return NEG_MC_OTHER;
    if (len < line + 2 + (size_t)bytes + 2)
        return NEG_MC_INCOMPLETE;
    if (memcmp(nl + 1 + bytes, "\r\n", 2) != 0 || !decimal(nl + 1, (size_t)bytes, 0, value))
        return NEG_MC_OTHER;
    return NEG_MC_VALUE;
}
