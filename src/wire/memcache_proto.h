/*
 * memcache_proto.h - the few bytes of memcached's text protocol that the
 * replay cache needs (pure; t/unit/test_memcache_proto.c): a key, the
 * "add" command and its one-line reply.
 *
 * memcached's protocol.txt: keys are text of at most 250 bytes without
 * spaces or control characters; "add <key> <flags> <exptime> <bytes>\r\n
 * <data>\r\n" stores the item only if the key holds none, and answers
 * "STORED\r\n" or "NOT_STORED\r\n" (else an "ERROR", "CLIENT_ERROR ..." or
 * "SERVER_ERROR ..." line). An exptime above 30 days is read as a Unix
 * time.
 *
 * The farm's count of failed logons (NegotiateFailureLimit) uses the meta
 * arithmetic command of memcached 1.6 ("ma"), one atomic command per
 * attempt: "ma KEY N<ttl> J1 v t" adds one, or makes the item with 1 and
 * that lifetime when there is none; "ma KEY MD v t" takes one off (never
 * below 0, and no item is made). Its reply: "VA <bytes> t<ttl>", the
 * value's digits and CR LF; "NF" (no item); or an error line.
 */
#ifndef NEG_MEMCACHE_PROTO_H
#define NEG_MEMCACHE_PROTO_H

#include <stddef.h>

/* "neg-rc:" and 64 hex digits, NUL-terminated */
#define NEG_MC_KEY_SIZE (7 + 64 + 1)
#define NEG_MC_MAX_RELATIVE_S (30L * 24 * 3600)

typedef enum {
    NEG_MC_STORED,          /* "STORED": the key was new */
    NEG_MC_NOT_STORED,      /* "NOT_STORED": it was there */
    NEG_MC_OTHER,           /* another line (an error) */
    NEG_MC_INCOMPLETE,      /* no end of line yet */
    NEG_MC_VALUE,           /* "VA ...": a count (neg_mc_parse_arith) */
    NEG_MC_NOT_FOUND        /* "NF": no such item */
} neg_mc_reply;

/* The key for a 32-byte replay key: prefix and lower-case hex. */
void neg_mc_key(const char *prefix7, const unsigned char key[32],
                char out[NEG_MC_KEY_SIZE]);

/* "add KEY 0 EXPTIME 1\r\n1\r\n" into out; its length, or 0 when cap is
 * too small. exptime: seconds from now (1 at least), or, above 30 days,
 * now_unix + seconds. */
size_t neg_mc_add_command(char *out, size_t cap, const char *key,
                          long seconds, long now_unix);

/* The reply in buf[0..len): which one, and in *line_len the length of its
 * line without CR LF (for NEG_MC_OTHER: what to log). */
neg_mc_reply neg_mc_parse_reply(const char *buf, size_t len, size_t *line_len);

/* "get KEY\r\n" into out (pipelined after another command: one round
 * trip for both); its length, or 0 when cap is too small. */
size_t neg_mc_get_command(char *out, size_t cap, const char *key);

/* "add KEY 0 0 N\r\nVALUE\r\n" (an item that never expires); its length,
 * or 0 when cap is too small. */
size_t neg_mc_add_value_command(char *out, size_t cap, const char *key,
                                const char *value);

/* The reply to a command and a "get" after it, in buf[0..len): the
 * command's reply line (as neg_mc_parse_reply), then the get's: "END"
 * (*found 0) or "VALUE KEY FLAGS BYTES", the bytes and "END" (*found 1,
 * the value NUL-terminated in value). NEG_MC_INCOMPLETE until both are
 * whole; NEG_MC_OTHER (*line_len: the first line's) when the first line
 * is another, or the get's reply is malformed or its value longer than
 * cap - 1. */
neg_mc_reply neg_mc_parse_then_get(const char *buf, size_t len, size_t *line_len,
                                   char *value, size_t cap, int *found);

/* "ma KEY N<seconds> J1 v t\r\n" (delta > 0: add one, made with 1 and
 * that lifetime when absent) or "ma KEY MD v t\r\n" (delta < 0: take one
 * off, never made); its length, or 0 when cap is too small or seconds is
 * not from 1 to 30 days. */
size_t neg_mc_arith_command(char *out, size_t cap, const char *key, int delta,
                            long seconds);

/* The reply to neg_mc_arith_command in buf[0..len): NEG_MC_VALUE with the
 * count in *value and the item's remaining lifetime in *ttl (seconds; -1:
 * none), NEG_MC_NOT_FOUND, NEG_MC_INCOMPLETE until whole, NEG_MC_OTHER
 * (*line_len: the first line's length) for anything else, a value that is
 * not a number of at most 18 digits included. */
neg_mc_reply neg_mc_parse_arith(const char *buf, size_t len, size_t *line_len,
                                long long *value, long *ttl);

#endif
