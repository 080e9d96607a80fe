/*
 * status_page.c - the status figures in httpd (see status_page.h).
 *
 * The page is built in two steps: the figures become a list of metric
 * families (name, type, help, samples: status_metrics.c), which one of
 * three writers here then prints: HTML, mod_status's `Key: value` lines,
 * or the Prometheus text exposition format (version 0.0.4: # HELP and
 * # TYPE lines).
 */
#include "status_page.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_status.h"
#include "scoreboard.h"
#include "util_filter.h"
#include "apr_strings.h"

#include "replay.h"
#include "status.h"
#include "status_metrics.h"

APLOG_USE_MODULE(auth_negotiate);

#define HANDLER "negotiate-status"
#define RETAINED_KEY "mod_auth_negotiate-status"
#define CAPTURE_FILTER "NEGOTIATE_STATUS_CAPTURE"
#define HANDSHAKE_KEY "mod_auth_negotiate-ntlm-handshake"

typedef struct {
    neg_status_block *block;
} retained;

static retained *kept;

/* ================================================== shared memory */

int neg_status_post_config(apr_pool_t *pconf, server_rec *s,
                           const apr_array_header_t *keytabs)
{
    void *m;

    neg_status_metrics_keytabs(keytabs);
    kept = ap_retained_data_get(RETAINED_KEY);
    if (kept == NULL) {
        kept = ap_retained_data_create(RETAINED_KEY, sizeof(*kept));
        kept->block = NULL;
    }
    /* a block laid out by another version of the module (a graceful
     * restart onto a new build): left alone, a new one made */
    if (kept->block != NULL && kept->block->magic != NEG_STATUS_MAGIC)
        kept->block = NULL;
    if (kept->block == NULL) {
        m = mmap(NULL, sizeof(neg_status_block), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, errno, s, "NEG0003: cannot "
                         "map shared memory for the status counters; each "
                         "child counts only its own (negotiate-status shows "
                         "the child that answers)");
            return OK;
        }
        kept->block = m;
        neg_status_reset(kept->block, apr_time_now());
    }
    kept->block->generation = (uint64_t)ap_state_query(AP_SQ_CONFIG_GEN);
    neg_status_attach(kept->block);
    return OK;
}

/* At start and at a full restart (not a graceful one): count from zero. */
static int reset_at_pre_mpm(apr_pool_t *p, ap_scoreboard_e sb_type)
{
    if (kept != NULL && kept->block != NULL) {
        uint64_t gen = kept->block->generation;

        neg_status_reset(kept->block, apr_time_now());
        kept->block->generation = gen;
    }
    return OK;
}

/* ================================================== counting */

static apr_status_t handshake_ended(void *counted)
{
    if (*(int *)counted)
        neg_status_add(NEG_STAT_NTLM_IN_PROGRESS, -1);
    *(int *)counted = 0;
    return APR_SUCCESS;
}

/* A connection is counted while its state is CHALLENGED: from our
 * CHALLENGE until its AUTHENTICATE was answered, another request started
 * over, or the connection closed. */
static void track_handshake(conn_rec *c, const neg_conn *nc)
{
    int now = nc != NULL && nc->state == NEG_CONN_CHALLENGED;
    int *counted = NULL;

    apr_pool_userdata_get((void **)&counted, HANDSHAKE_KEY, c->pool);
    if (counted == NULL) {
        if (!now)
            return;
        counted = apr_pcalloc(c->pool, sizeof(*counted));
        apr_pool_userdata_setn(counted, HANDSHAKE_KEY, handshake_ended, c->pool);
    }
    if (now != *counted)
        neg_status_add(NEG_STAT_NTLM_IN_PROGRESS, now ? 1 : -1);
    *counted = now;
}

static neg_stat_mech mech_of(const neg_identity *id)
{
    if (id == NULL || id->mech == NULL)
        return NEG_SMECH_NONE;
    if (strcmp(id->mech, "kerberos") == 0)
        return NEG_SMECH_KERBEROS;
    if (strcmp(id->mech, "ntlm") == 0)
        return NEG_SMECH_NTLM;
    return strcmp(id->mech, "basic") == 0 ? NEG_SMECH_BASIC : NEG_SMECH_NONE;
}

void neg_status_answer(request_rec *r, const neg_verdict *v, const neg_conn *nc)
{
    switch (v->outcome) {
    case NEG_GRANT:
        /* no fresh proof: the connection's identity, or the first
         * request's in an internal redirect or subrequest */
        neg_status_logon(ap_is_initial_req(r)
                         && apr_table_get(r->headers_in, "Authorization")
                         ? mech_of(v->id) : NEG_SMECH_REUSE, NEG_SOUT_GRANTED);
        break;
    case NEG_CONTINUE:
        neg_status_logon(NEG_SMECH_NTLM, NEG_SOUT_CONTINUED);
        break;
    default:
        if (v->tag != NULL)
            neg_status_refused(v->tag);
        else
            neg_status_add(NEG_STAT_CHALLENGES, 1);
        break;
    }
    track_handshake(r->connection, nc);
}

/* ================================================== the replay cache's own figures */

typedef struct {
    char *buf;
    apr_size_t len, cap;
    apr_pool_t *p;
} capture;

static apr_status_t capture_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    capture *cap = f->ctx;
    apr_bucket *b;
    const char *data;
    apr_size_t n;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        if (APR_BUCKET_IS_METADATA(b)
            || apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS)
            continue;
        if (cap->len + n + 1 > cap->cap) {
            apr_size_t want = (cap->len + n + 1) * 2;
            char *grown = apr_palloc(cap->p, want);

            memcpy(grown, cap->buf, cap->len);
            cap->buf = grown;
            cap->cap = want;
        }
        memcpy(cap->buf + cap->len, data, n);
        cap->len += n;
        cap->buf[cap->len] = '\0';
    }
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
}

/* The socache provider writes its status with ap_rprintf(): give it a
 * copy of the request whose only output filter keeps what it writes. */
static const char *replay_provider_lines(request_rec *r)
{
    request_rec *copy = apr_pmemdup(r->pool, r, sizeof(*r));
    capture *cap = apr_pcalloc(r->pool, sizeof(*cap));
    ap_filter_t *f = apr_pcalloc(r->pool, sizeof(*f));

    cap->p = r->pool;
    cap->buf = "";
    f->frec = ap_get_output_filter_handle(CAPTURE_FILTER);
    if (f->frec == NULL)
        return "";
    f->ctx = cap;
    f->r = copy;
    f->c = r->connection;
    copy->output_filters = copy->proto_output_filters = f;
    neg_replay_provider_status(copy, AP_STATUS_SHORT);
    ap_rflush(copy);
    return cap->buf;
}

/* ================================================== writers */

static void write_prometheus(request_rec *r, const page *pg)
{
    int i, j;

    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    for (i = 0; i < pg->families->nelts; i++) {
        const family *f = &APR_ARRAY_IDX(pg->families, i, family);

        if (f->name == NULL)
            continue;               /* shown in HTML and ?auto only */
        ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
                   f->name, f->type);
        for (j = 0; j < f->samples->nelts; j++) {
            const sample *s = &APR_ARRAY_IDX(f->samples, j, sample);

            ap_rprintf(r, "%s%s%s%s%s %s\n", f->name, s->suffix,
                       *s->labels ? "{" : "", s->labels, *s->labels ? "}" : "",
                       s->value);
        }
    }
}

static void write_auto(request_rec *r, const page *pg)
{
    int i, j;

    ap_set_content_type(r, "text/plain; charset=utf-8");
    for (i = 0; i < pg->families->nelts; i++) {
        const family *f = &APR_ARRAY_IDX(pg->families, i, family);

        for (j = 0; j < f->samples->nelts; j++) {
            const sample *s = &APR_ARRAY_IDX(f->samples, j, sample);

            if (s->key != NULL)
                ap_rprintf(r, "%s: %s\n", s->key, s->text ? s->text : s->value);
        }
    }
}

static void write_html(request_rec *r, const page *pg, const neg_status_block *b)
{
    int i, j;

    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs(DOCTYPE_HTML_4_01 "<html><head><title>mod_auth_negotiate status"
             "</title></head><body>\n<h1>mod_auth_negotiate status</h1>\n", r);
    ap_rprintf(r, "<p>Counting since %s (%s), every httpd child; kept across "
               "graceful restarts, zeroed by a full restart. Also as "
               "<a href=\"?auto\">?auto</a> and <a href=\"?prometheus\">?prometheus"
               "</a>.</p>\n",
               ap_ht_time(r->pool, b->since_us, "%Y-%m-%d %H:%M:%S %Z", 0),
               ap_escape_html(r->pool, ap_get_server_description()));
    for (i = 0; i < pg->families->nelts; i++) {
        const family *f = &APR_ARRAY_IDX(pg->families, i, family);

        if (f->samples->nelts == 0)
            continue;
        if (f->help != NULL)
            ap_rprintf(r, "<h2>%s</h2>\n", ap_escape_html(r->pool, f->help));
        ap_rprintf(r, "<table border=\"1\" id=\"%s\">\n",
                   f->name ? f->name : "");
        for (j = 0; j < f->samples->nelts; j++) {
            const sample *s = &APR_ARRAY_IDX(f->samples, j, sample);

            ap_rprintf(r, "<tr><td>%s</td><td>%s</td></tr>\n",
                       ap_escape_html(r->pool, s->label ? s->label : ""),
                       ap_escape_html(r->pool, s->text ? s->text : s->value));
        }
        ap_rputs("</table>\n", r);
    }
    ap_rputs("</body></html>\n", r);
}

static int has_arg(const char *args, const char *word)
{
    size_t n = strlen(word);
    const char *p = args;

    while (p != NULL && *p) {
        if (strncmp(p, word, n) == 0 && (p[n] == '\0' || p[n] == '&' || p[n] == '='))
            return 1;
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return 0;
}

static int status_handler(request_rec *r)
{
    neg_status_block *b;
    const char *lines;
    page *pg;

    if (r->handler == NULL || strcmp(r->handler, HANDLER) != 0)
        return DECLINED;
    r->allowed |= (AP_METHOD_BIT << M_GET);
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    b = apr_palloc(r->pool, sizeof(*b));
    neg_status_snapshot(b);
    lines = replay_provider_lines(r);
    pg = neg_status_metrics_build(r, b, lines);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (has_arg(r->args, "prometheus"))
        write_prometheus(r, pg);
    else if (has_arg(r->args, "auto"))
        write_auto(r, pg);
    else
        write_html(r, pg, b);
    return OK;
}

void neg_status_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_mpm(reset_at_pre_mpm, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_output_filter(CAPTURE_FILTER, capture_filter, NULL, AP_FTYPE_RESOURCE);
}
