/*
 * winbind.c - the public calls of winbind.h: logons (NTLM responses and
 * plain-text passwords), winbind's own names, the shared connection
 * slots. Each call is a job run on the per-process pool (wb_pool.h).
 */
#include "winbind.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include "wb_pool.h"
#include "wb_slots.h"

/* winbind's own names, once known (neg_wb_names_get). Under lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static neg_wb_names cached_names;
static int have_names;

int neg_wb_share_slots(void)
{
    return neg_wb_slots_share();
}

void neg_wb_unshare_slots(void)
{
    neg_wb_slots_unshare();
}

int neg_wb_connections(int *budget)
{
    *budget = neg_wb_budget();
    return neg_wb_budget_in_use(1);
}

static unsigned char *copy_bytes(const unsigned char *p, size_t n)
{
    unsigned char *c;

    if (n == 0)
        return NULL;
    if ((c = malloc(n)) != NULL)
        memcpy(c, p, n);
    return c;
}

/* Hand a finished logon job's result to the caller, SIDs included. */
static neg_wb_status finish_auth(wb_job *job, neg_wb_result *res)
{
    *res = job->res;
    res->status = job->status;
    job->res.sids = NULL;           /* now the caller's */
    neg_wb_job_free(job);
    return res->status;
}

void neg_wb_result_clear(neg_wb_result *res)
{
    free(res->sids);
    memset(res, 0, sizeof(*res));
}

/* A logon job: names copied (the caller may be gone when it runs). */
static wb_job *logon_job(job_kind kind, const char *account, const char *domain,
                         const char *workstation, const char *client)
{
    wb_job *job = neg_wb_job_new(kind);

    if (job == NULL)
        return NULL;
    job->client = neg_wb_client_key(client);
    job->account = strdup(account);
    job->domain = strdup(domain);
    job->workstation = strdup(workstation);
    return job;
}

/* Run a logon job whose inputs are all there (complete), and hand its
 * result over. */
static neg_wb_status run_logon(wb_job *job, int complete, int timeout_ms,
                               neg_wb_result *res)
{
    int r;

    memset(res, 0, sizeof(*res));
    if (job == NULL)
        return res->status = NEG_WB_ERROR;
    if (!complete || !job->account || !job->domain || !job->workstation) {
        neg_wb_job_free(job);
        return res->status = NEG_WB_ERROR;
    }
    r = neg_wb_job_run(job, timeout_ms, &res->status);
    if (r == 0)
        return res->status;
    if (r < 0) {
        neg_wb_job_free(job);
        return res->status = NEG_WB_ERROR;
    }
    return finish_auth(job, res);
}

neg_wb_status neg_wb_verify_plain(const char *account, const char *domain,
                                  const char *password, int allow_machine,
                                  const char *client, int timeout_ms,
                                  neg_wb_result *res)
{
    wb_job *job = logon_job(JOB_PLAIN, account, domain, "", client);

    if (job != NULL) {
        job->password = strdup(password);
        job->allow_machine = allow_machine;
    }
    return run_logon(job, job && job->password, timeout_ms, res);
}

neg_wb_status neg_wb_verify(const neg_wb_response *req, int timeout_ms,
                            neg_wb_result *res)
{
    wb_job *job = logon_job(JOB_VERIFY, req->account, req->domain, req->workstation,
                            req->client);

    if (job != NULL) {
        job->allow_machine = req->allow_machine;
        memcpy(job->challenge, req->challenge, 8);
        job->nt = copy_bytes(req->nt, req->nt_len);
        job->nt_len = req->nt_len;
        job->lm = copy_bytes(req->lm, req->lm_len);
        job->lm_len = req->lm_len;
    }
    return run_logon(job, job && (!req->nt_len || job->nt) && (!req->lm_len || job->lm),
                     timeout_ms, res);
}

/* winbind's names, come after their caller gave up: kept for the next. */
static void keep_names(const wb_job *job)
{
    if (job->status != NEG_WB_OK)
        return;
    pthread_mutex_lock(&lock);
    cached_names = job->names;
    have_names = 1;
    pthread_mutex_unlock(&lock);
}

neg_wb_status neg_wb_names_get(int timeout_ms, neg_wb_names *out,
                               char *detail, size_t detail_len)
{
    wb_job *job;
    neg_wb_status st;
    int r;

    pthread_mutex_lock(&lock);
    if (have_names) {
        *out = cached_names;
        pthread_mutex_unlock(&lock);
        return NEG_WB_OK;
    }
    pthread_mutex_unlock(&lock);
    if ((job = neg_wb_job_new(JOB_NAMES)) == NULL)
        return NEG_WB_ERROR;
    job->keep_late_answer = keep_names;
    r = neg_wb_job_run(job, timeout_ms, &st);
    if (r == 0)
        return st;
    if (r < 0) {
        neg_wb_job_free(job);
        return NEG_WB_ERROR;
    }
    st = job->status;
    if (st == NEG_WB_OK) {
        *out = job->names;
        pthread_mutex_lock(&lock);
        cached_names = job->names;
        have_names = 1;
        pthread_mutex_unlock(&lock);
    }
    else {
        neg_wbc_copy_str(detail, detail_len, job->res.detail);
    }
    neg_wb_job_free(job);
    return st;
}

const char *neg_wb_status_str(neg_wb_status s)
{
    switch (s) {
    case NEG_WB_OK:           return "ok";
    case NEG_WB_AUTH_FAILED:  return "refused by the domain";
    case NEG_WB_UNAVAILABLE:  return "winbindd is not reachable";
    case NEG_WB_NO_PRIVILEGE: return "winbind's privileged pipe is not accessible";
    case NEG_WB_TIMEOUT:      return "winbind did not answer in time";
    case NEG_WB_BUSY:         return "too many calls are waiting for winbind";
    case NEG_WB_CLIENT_BUSY:  return "the client address has its share of calls to winbind";
    case NEG_WB_NO_CONNECTION: return "every connection to winbindd that httpd may hold is in use";
    case NEG_WB_UNKNOWN_DOMAIN: return "winbind knows no such domain";
    case NEG_WB_ERROR:        return "winbind call failed";
    }
    return "unknown";
}
