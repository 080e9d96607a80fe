/*
 * test_memcache_proto.c - memcached's "add" command and reply
 * (src/wire/memcache_proto.c).
 */
#include <limits.h>
#include <string.h>

#include "check.h"
#include "memcache_proto.h"

static neg_mc_reply parse(const char *s, size_t *n)
{
    return neg_mc_parse_reply(s, strlen(s), n);
}

static void test_key(void)
{
    unsigned char key[32];
    char out[NEG_MC_KEY_SIZE];
    size_t i;

    for (i = 0; i < 32; i++)
        key[i] = (unsigned char)(i * 8 + 0x0f);
    neg_mc_key("neg-rc:", key, out);
    CHECK(strlen(out) == 71, "key: prefix and 64 hex digits");
    CHECK(strncmp(out, "neg-rc:0f171f27", 15) == 0, "key: lower-case hex, high nibble first");
    CHECK(strcmp(out + 69, "07") == 0, "key: the last byte (0xff + 8 wraps to 0x07)");
    CHECK(strpbrk(out, " \r\n\t") == NULL, "key: no space or control character");
}

static void test_command(void)
{
    char out[128];
    size_t n;

    n = neg_mc_add_command(out, sizeof(out), "neg-rc:ab", 600, 1700000000L);
    CHECK(n == strlen("add neg-rc:ab 0 600 1\r\n1\r\n")
          && strcmp(out, "add neg-rc:ab 0 600 1\r\n1\r\n") == 0,
          "add: key, flags 0, seconds, one byte of data");
    neg_mc_add_command(out, sizeof(out), "k", 0, 1700000000L);
    CHECK(strcmp(out, "add k 0 1 1\r\n1\r\n") == 0, "add: 0 s becomes 1 (0 would be forever)");
    neg_mc_add_command(out, sizeof(out), "k", -5, 1700000000L);
    CHECK(strcmp(out, "add k 0 1 1\r\n1\r\n") == 0, "add: a past expiry becomes 1 s");
    neg_mc_add_command(out, sizeof(out), "k", 30L * 24 * 3600, 1700000000L);
    CHECK(strcmp(out, "add k 0 2592000 1\r\n1\r\n") == 0, "add: 30 days is still relative");
    neg_mc_add_command(out, sizeof(out), "k", 30L * 24 * 3600 + 1, 1700000000L);
    CHECK(strcmp(out, "add k 0 1702592001 1\r\n1\r\n") == 0,
          "add: above 30 days, a Unix time (memcached would read it as one)");
    CHECK(neg_mc_add_command(out, 10, "neg-rc:ab", 600, 0) == 0, "add: a buffer too small: 0");
    /* t/fuzz/regressions/memcache/overflow-exptime: now + seconds overflowed */
    neg_mc_add_command(out, sizeof(out), "k", LONG_MAX, 1700000000L);
    CHECK(strstr(out, "add k 0 9223372036854775807 1\r\n") == out || sizeof(long) != 8,
          "add: a lifetime past LONG_MAX stays LONG_MAX (memcached refuses it)");
}

static void test_reply(void)
{
    size_t n;

    CHECK(parse("STORED\r\n", &n) == NEG_MC_STORED && n == 6, "STORED");
    CHECK(parse("NOT_STORED\r\n", &n) == NEG_MC_NOT_STORED && n == 10, "NOT_STORED");
    CHECK(parse("STORED", &n) == NEG_MC_INCOMPLETE, "STORED without its end of line: incomplete");
    CHECK(parse("STORED\r", &n) == NEG_MC_INCOMPLETE, "STORED and CR only: incomplete");
    CHECK(parse("", &n) == NEG_MC_INCOMPLETE, "nothing yet: incomplete");
    CHECK(parse("SERVER_ERROR out of memory storing object\r\n", &n) == NEG_MC_OTHER
          && n == strlen("SERVER_ERROR out of memory storing object"),
          "SERVER_ERROR: other, with its line's length");
    CHECK(parse("ERROR\r\n", &n) == NEG_MC_OTHER, "ERROR: other");
    CHECK(parse("EXISTS\r\n", &n) == NEG_MC_OTHER, "EXISTS (a cas answer): other");
    CHECK(parse("STORED\n", &n) == NEG_MC_OTHER, "LF without CR: other");
    CHECK(parse("STOREDX\r\n", &n) == NEG_MC_OTHER, "STOREDX: other");
    CHECK(parse("NOT_STORE\r\n", &n) == NEG_MC_OTHER, "NOT_STORE: other");
    CHECK(parse("\r\n", &n) == NEG_MC_OTHER && n == 0, "an empty line: other");
    CHECK(parse("\n", &n) == NEG_MC_INCOMPLETE || parse("\n", &n) == NEG_MC_OTHER,
          "a lone LF: never stored");
    CHECK(parse("STORED\r\nNOT_STORED\r\n", &n) == NEG_MC_STORED && n == 6,
          "the first line only");
}

static neg_mc_reply then_get(const char *text, char *value, int *found)
{
    size_t n;

    return neg_mc_parse_then_get(text, strlen(text), &n, value, 48, found);
}

static void test_then_get(void)
{
    char v[48], cmd[128];
    int found = -1;

    CHECK(neg_mc_get_command(cmd, sizeof(cmd), "neg-rc:epoch") == 18
          && strcmp(cmd, "get neg-rc:epoch\r\n") == 0, "get command");
    CHECK(neg_mc_add_value_command(cmd, sizeof(cmd), "neg-rc:epoch", "ab:12") > 0
          && strcmp(cmd, "add neg-rc:epoch 0 0 5\r\nab:12\r\n") == 0,
          "add of a value that never expires");
    CHECK(neg_mc_get_command(cmd, 10, "neg-rc:epoch") == 0, "get: too small a buffer");
    CHECK(then_get("STORED\r\nEND\r\n", v, &found) == NEG_MC_STORED && found == 0,
          "STORED, then no value");
    CHECK(then_get("NOT_STORED\r\nVALUE neg-rc:epoch 0 5\r\nab:12\r\nEND\r\n", v, &found)
          == NEG_MC_NOT_STORED && found == 1 && strcmp(v, "ab:12") == 0,
          "NOT_STORED, then the value");
    CHECK(then_get("STORED\r\n", v, &found) == NEG_MC_INCOMPLETE, "the get's reply not yet");
    CHECK(then_get("STORED\r\nVALUE neg-rc:epoch 0 5\r\nab:", v, &found) == NEG_MC_INCOMPLETE,
          "the value cut short: incomplete");
    CHECK(then_get("STORED\r\nVALUE neg-rc:epoch 0 5\r\nab:12\r\nEN", v, &found)
          == NEG_MC_INCOMPLETE, "END cut short: incomplete");
    CHECK(then_get("STORED\r\nVALUE neg-rc:epoch 0 5\r\nab:123\r\nEND\r\n", v, &found)
          == NEG_MC_OTHER, "more bytes than said: other");
    CHECK(then_get("STORED\r\nVALUE neg-rc:epoch 0 99\r\n", v, &found) == NEG_MC_OTHER,
          "a value longer than the buffer: other");
    CHECK(then_get("STORED\r\nVALUE neg-rc:epoch 0 x\r\n", v, &found) == NEG_MC_OTHER,
          "a length that is not a number: other");
    CHECK(then_get("STORED\r\nERROR\r\n", v, &found) == NEG_MC_OTHER, "get answered ERROR: other");
    CHECK(then_get("SERVER_ERROR out of memory\r\nEND\r\n", v, &found) == NEG_MC_OTHER,
          "the first command failed: other");
}

static neg_mc_reply arith(const char *text, long long *v, long *ttl)
{
    size_t n;

    *v = -7;
    *ttl = -7;
    return neg_mc_parse_arith(text, strlen(text), &n, v, ttl);
}

static void test_arith(void)
{
    char cmd[128];
    long long v;
    long ttl;
    size_t n;

    CHECK(neg_mc_arith_command(cmd, sizeof(cmd), "neg-fl:ab", 1, 300) > 0
          && strcmp(cmd, "ma neg-fl:ab N300 J1 v t\r\n") == 0,
          "ma: add one, made with 1 and the window's lifetime when absent");
    CHECK(neg_mc_arith_command(cmd, sizeof(cmd), "neg-fl:ab", -1, 300) > 0
          && strcmp(cmd, "ma neg-fl:ab MD v t\r\n") == 0,
          "ma: take one off, never made");
    CHECK(neg_mc_arith_command(cmd, sizeof(cmd), "k", 1, 0) == 0,
          "ma: no lifetime: refused (0 would be forever)");
    CHECK(neg_mc_arith_command(cmd, sizeof(cmd), "k", 1, 30L * 24 * 3600 + 1) == 0,
          "ma: above 30 days: refused (memcached would read a Unix time)");
    CHECK(neg_mc_arith_command(cmd, 12, "neg-fl:ab", 1, 300) == 0, "ma: too small a buffer");
    CHECK(arith("VA 1 t300\r\n1\r\n", &v, &ttl) == NEG_MC_VALUE && v == 1 && ttl == 300,
          "VA: the count and the lifetime");
    CHECK(arith("VA 2 t-1\r\n12\r\n", &v, &ttl) == NEG_MC_VALUE && v == 12 && ttl == -1,
          "VA: no lifetime is -1");
    CHECK(arith("VA 1 c5 t7\r\n3\r\n", &v, &ttl) == NEG_MC_VALUE && v == 3 && ttl == 7,
          "VA: other flags before t");
    CHECK(arith("NF\r\n", &v, &ttl) == NEG_MC_NOT_FOUND, "NF: no item");
    CHECK(arith("VA 1 t300\r\n", &v, &ttl) == NEG_MC_INCOMPLETE, "VA without its value yet");
    CHECK(arith("VA 2 t300\r\n1", &v, &ttl) == NEG_MC_INCOMPLETE, "VA with half its value");
    CHECK(arith("VA 1 t30", &v, &ttl) == NEG_MC_INCOMPLETE, "half a line");
    CHECK(arith("VA 1 t300\r\nx\r\n", &v, &ttl) == NEG_MC_OTHER, "a value that is no number");
    CHECK(arith("VA 1 t300\r\n12\r\n", &v, &ttl) == NEG_MC_OTHER, "more bytes than said");
    CHECK(arith("VA 1\r\n1\r\n", &v, &ttl) == NEG_MC_OTHER, "no t flag");
    CHECK(arith("VA 1 tx\r\n1\r\n", &v, &ttl) == NEG_MC_OTHER, "a t flag that is no number");
    CHECK(arith("VA 1 t-2\r\n1\r\n", &v, &ttl) == NEG_MC_OTHER, "a lifetime below -1");
    CHECK(arith("VA 19 t1\r\n1234567890123456789\r\n", &v, &ttl) == NEG_MC_OTHER,
          "19 digits: other (never an overflow)");
    CHECK(arith("VA 0 t1\r\n\r\n", &v, &ttl) == NEG_MC_OTHER, "an empty value");
    CHECK(arith("CLIENT_ERROR bad command line format\r\n", &v, &ttl) == NEG_MC_OTHER,
          "an error line: other");
    CHECK(arith("ERROR\r\n", &v, &ttl) == NEG_MC_OTHER, "ERROR (no meta commands): other");
    CHECK(neg_mc_parse_arith("NF\n", 3, &n, &v, &ttl) == NEG_MC_OTHER, "LF without CR");
}

int main(void)
{
    test_arith();
    test_then_get();
    test_key();
    test_command();
    test_reply();
    return check_summary();
}
