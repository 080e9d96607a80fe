/*
 * status_metrics.h - the figures of a status snapshot as a page of metric
 * families (name, type, help, samples), which status_page.c's writers
 * print as HTML, mod_status's `Key: value` lines or the Prometheus text
 * exposition format. Private to status_page.c and status_metrics.c.
 */
#ifndef NEG_STATUS_METRICS_H
#define NEG_STATUS_METRICS_H

#include "httpd.h"
#include "apr_tables.h"

#include "status.h"

typedef struct {
    const char *suffix;         /* "", "_bucket", "_sum", "_count" */
    const char *labels;         /* Prometheus label pairs, escaped, or "" */
    const char *key;            /* the ?auto key */
    const char *label;          /* the HTML row */
    const char *value;
    const char *text;           /* HTML and ?auto, when not the value */
} sample;

typedef struct {
    const char *name;           /* negotiate_logons_total */
    const char *type;           /* counter, gauge, histogram */
    const char *help;
    apr_array_header_t *samples;
} family;

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *families;
} page;

/* The keytabs the configuration names (const char *, "FILE:..."), for
 * the page's keytab rows; from post_config. */
void neg_status_metrics_keytabs(const apr_array_header_t *keytabs);

/* The page of snapshot b, from r's pool; replay_lines are the replay
 * cache provider's own status lines (mod_status's short form). */
page *neg_status_metrics_build(request_rec *r, const neg_status_block *b,
                               const char *replay_lines);

#endif
