/*
 * log_limit.h - repeats of one log line limited per client and tag.
 *
 * Every refusal writes one tagged line, and a client that sends a thousand
 * bad tokens would write a thousand (each up to a few KB). Per httpd
 * process, for each client address and tag, the first `count` lines of a
 * window of `seconds` are written; the rest are not, and the next line
 * written for that client and tag after the window says how many were
 * left out. IPv6 clients are counted by their /64 (one host may send
 * from any address of it). The status page's counters still count every
 * refusal: only the log is limited. Pure: no httpd types (a pthread mutex).
 */
#ifndef NEG_LOG_LIMIT_H
#define NEG_LOG_LIMIT_H

#include "apr_time.h"

#define NEG_LOG_LIMIT_DEFAULT_COUNT 10
#define NEG_LOG_LIMIT_DEFAULT_SECONDS 60

/* NegotiateLogLimit: count 0 writes every line. */
void neg_log_limit_configure(int count, int seconds);

/* May this line (client address, tag) be written now? *left_out is the
 * number of lines of that client and tag not written since the last one
 * that was (0 when none), to be said in the line. */
int neg_log_limit_allows(const char *client, const char *tag, apr_time_t now,
                         unsigned long *left_out);

#endif
