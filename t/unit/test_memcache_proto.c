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

int main(void)
{
    test_then_get();
    test_key();
    test_command();
    test_reply();
    return check_summary();
}
