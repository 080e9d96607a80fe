/*
 * test_log_limit.c - log_limit.c: per client and tag, the first COUNT
 * lines of a window are written, the rest counted, and the next line
 * written says how many were left out.
 */
#include "check.h"
#include "log_limit.h"

#define SEC(n) apr_time_from_sec(n)

int main(void)
{
    unsigned long left = 0;
    int i, written = 0;
    apr_time_t t0 = SEC(1000000);

    neg_log_limit_configure(3, 60);
    for (i = 0; i < 100; i++)
        written += neg_log_limit_allows("10.0.0.1", "NEG0203", t0 + i, &left);
    CHECK(written == 3, "100 lines of one client and tag in a window: 3 written");
    CHECK(neg_log_limit_allows("10.0.0.2", "NEG0203", t0, &left) && left == 0,
          "another client is not limited by the first");
    CHECK(neg_log_limit_allows("10.0.0.1", "NEG0304", t0, &left) && left == 0,
          "nor another tag");
    CHECK(neg_log_limit_allows("10.0.0.1", "NEG0203", t0 + SEC(60), &left) && left == 97,
          "the next window: written, saying 97 were left out");
    CHECK(neg_log_limit_allows("10.0.0.1", "NEG0203", t0 + SEC(60), &left) && left == 0,
          "and the count starts again");
    neg_log_limit_configure(0, 60);
    for (i = 0, written = 0; i < 100; i++)
        written += neg_log_limit_allows("10.0.0.1", "NEG0203", t0 + i, &left);
    CHECK(written == 100, "NegotiateLogLimit 0: every line written");
    neg_log_limit_configure(2, 60);
    for (i = 0, written = 0; i < 5000; i++) {
        char client[32];

        snprintf(client, sizeof(client), "2001:db8:%x:%x::1", i >> 8, i & 0xff);
        written += neg_log_limit_allows(client, "NEG0101", t0, &left);
    }
    CHECK(written == 5000, "5,000 clients in a table of 512 slots: never fewer than the limit");
    neg_log_limit_configure(3, 60);
    for (i = 0, written = 0; i < 1000; i++) {
        char client[48];

        snprintf(client, sizeof(client), "2001:db8:1:2:%x:%x:%x:%x", i, i * 7, i * 13, i * 31);
        written += neg_log_limit_allows(client, "NEG0102", t0, &left);
    }
    CHECK(written == 3, "1,000 addresses of one IPv6 /64: limited as one client (3 written)");
    CHECK(neg_log_limit_allows("2001:db8:1:3::1", "NEG0102", t0, &left),
          "the next /64 is another client");
    CHECK(!neg_log_limit_allows("2001:0db8:0001:0002::ffff", "NEG0102", t0, &left),
          "an address of the first /64 written otherwise is the same client");
    for (i = 0, written = 0; i < 10; i++)
        written += neg_log_limit_allows("::ffff:192.0.2.7", "NEG0102", t0, &left);
    CHECK(written == 3 && !neg_log_limit_allows("192.0.2.7", "NEG0102", t0, &left),
          "an IPv4-mapped address is its IPv4 client");
    CHECK(neg_log_limit_allows("192.0.2.8", "NEG0102", t0, &left),
          "IPv4 clients are still one address each");
    return check_summary();
}
