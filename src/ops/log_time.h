/*
 * log_time.h - a time as log lines write it: RFC 3339 in UTC,
 * "2026-11-28T10:00:00Z" (to the second).
 */
#ifndef NEG_LOG_TIME_H
#define NEG_LOG_TIME_H

#include "apr_pools.h"
#include "apr_time.h"

/* t as "2026-11-28T10:00:00Z", allocated from p. */
const char *neg_log_utc(apr_pool_t *p, apr_time_t t);

#endif
