/*
 * wb_job.c - the end of a job (wb_job.h): its secrets wiped, its copies
 * freed. Below the pool, its threads' connections and the name caches,
 * which all free jobs.
 */
#include "wb_job.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

void neg_wb_job_free(wb_job *job)
{
    if (job->nt != NULL)
        neg_wipe(job->nt, job->nt_len);
    if (job->lm != NULL)
        neg_wipe(job->lm, job->lm_len);
    if (job->password != NULL)
        neg_wipe(job->password, strlen(job->password));
    free(job->password);
    free(job->name);
    free(job->group_sids);
    free(job->res.sids);
    free(job->account);
    free(job->domain);
    free(job->workstation);
    free(job->nt);
    free(job->lm);
    neg_wipe(&job->res.session_key, sizeof(job->res.session_key));
    pthread_cond_destroy(&job->done_cv);
    free(job);
}
