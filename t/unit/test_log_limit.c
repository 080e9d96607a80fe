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

        snprintf(client, sizeof(client), "2001:db8::%x", i);
        written += neg_log_limit_allows(client, "NEG0101", t0, &left);
    }
    CHECK(written == 5000, "5,000 clients in a table of 512 slots: never fewer than the limit");
    return check_summary();
}
