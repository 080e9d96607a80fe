/*
 * fuzz_memcache.c - libFuzzer harness for src/wire/memcache_proto.c:
 * neg_mc_parse_reply and neg_mc_parse_arith on whatever a memcached (or anything listening on its
 * port) sends back, and neg_mc_add_command/neg_mc_key on keys and
 * lifetimes taken from the input.
 *
 * Build and run (or `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       $(for d in src/?*; do echo -I$d; done) t/fuzz/fuzz_memcache.c src/wire/memcache_proto.c -o /tmp/fuzz_memcache
 *   /tmp/fuzz_memcache -max_total_time=60 t/fuzz/corpus/memcache
 *
 * The reply is parsed from a heap copy of exactly the input's length (so
 * ASan sees any read past it). A complete line must lie within the input
 * and end in CRLF; STORED and NOT_STORED only for exactly those lines.
 */
#include "memcache_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A count only from a whole "VA" reply inside the input, of digits. */
static void check_arith(const char *buf, size_t size)
{
    size_t line = 0;
    long long value = -1;
    long ttl = -2;
    neg_mc_reply r = neg_mc_parse_arith(buf, size, &line, &value, &ttl);

    if (line > size)
        abort();
    if (r == NEG_MC_VALUE && (size < 8 || memcmp(buf, "VA ", 3) != 0 || value < 0 || ttl < -1))
        abort();
    if (r == NEG_MC_NOT_FOUND && (size < 4 || memcmp(buf, "NF\r\n", 4) != 0))
        abort();
}

static void check_reply(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    size_t line = 0;
    neg_mc_reply r;

    if (buf == NULL)
        return;
    memcpy(buf, data, size);
    r = neg_mc_parse_reply(buf, size, &line);
    if (r == NEG_MC_STORED || r == NEG_MC_NOT_STORED) {
        size_t want = r == NEG_MC_STORED ? 6 : 10;

        if (line != want || line + 2 > size || buf[line] != '\r' || buf[line + 1] != '\n'
            || memcmp(buf, r == NEG_MC_STORED ? "STORED" : "NOT_STORED", want) != 0)
            abort();
    }
    if (line > size)
        abort();
    check_arith(buf, size);
    free(buf);
}

static void check_command(const uint8_t *data, size_t size)
{
    unsigned char key[32] = { 0 };
    char name[NEG_MC_KEY_SIZE], cmd[160];
    long seconds = 0;
    size_t n;

    memcpy(key, data, size < sizeof(key) ? size : sizeof(key));
    if (size >= 40)
        memcpy(&seconds, data + 32, sizeof(seconds));
    neg_mc_key("neg-rc:", key, name);
    if (strlen(name) != NEG_MC_KEY_SIZE - 1)
        abort();
    n = neg_mc_add_command(cmd, sizeof(cmd), name, seconds, 1800000000L);
    if (n >= sizeof(cmd) || (n > 0 && (strlen(cmd) != n || memcmp(cmd, "add ", 4) != 0)))
        abort();
    n = neg_mc_arith_command(cmd, sizeof(cmd), name, seconds < 0 ? -1 : 1, seconds);
    if (n >= sizeof(cmd) || (n > 0 && (strlen(cmd) != n || memcmp(cmd, "ma ", 3) != 0)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_reply(data, size);
    check_command(data, size);
    return 0;
}
