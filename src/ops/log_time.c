/*
 * log_time.c - a time as log lines write it (log_time.h).
 */
#include "log_time.h"

#include "apr_strings.h"

const char *neg_log_utc(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;

    apr_time_exp_gmt(&tm, t);
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
}
