/*
 * wb_job.h - what the pool (wb_pool.c, wb_conn.c) and the calls it runs
 * (wb_calls.c, wb_probe.c) share, private to src/domain; winbind.h is the
 * interface.
 *
 * A job is one call to winbind: its input (private copies, the caller may
 * be gone by the time a pool thread runs it), its output, and how the
 * caller and the pool thread hand it over (wb_pool.c).
 */
#ifndef NEG_WB_JOB_H
#define NEG_WB_JOB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "winbind.h"

struct wbcContext;
struct wbcDomainSid;

typedef enum { JOB_VERIFY, JOB_PLAIN, JOB_NAMES, JOB_SID2NAME, JOB_GROUP2SIDS } job_kind;

typedef struct wb_job {
    job_kind kind;
    /* VERIFY input: private copies, the caller may be gone by the time
     * the job runs */
    char *account, *domain, *workstation;
    unsigned char challenge[8];
    unsigned char *nt, *lm;
    size_t nt_len, lm_len;
    char *password;                 /* PLAIN */
    int allow_machine;              /* VERIFY, PLAIN */
    neg_sid sid;                    /* SID2NAME in */
    char *name;                     /* SID2NAME out: DOMAIN\name;
                                     * GROUP2SIDS in: the group's name */
    neg_sid *group_sids;            /* GROUP2SIDS out (NEG_WB_GROUP_SIDS_MAX) */
    size_t n_group_sids;
    /* output */
    neg_wb_status status;
    neg_wb_result res;
    neg_wb_names names;
    int done, abandoned;
    uint64_t client;                /* VERIFY, PLAIN: the client address's
                                     * key (client_key), 0 for none */
    /* Where an answer goes that came after its caller gave up (NULL:
     * nowhere): set by whoever made the job, called by the pool thread
     * that ran it, so the pool need not know the name caches. */
    void (*keep_late_answer)(const struct wb_job *job);
    /* The caller waits on its own job's condition: a finished job wakes
     * one request thread, not every thread that waits for winbind. */
    pthread_cond_t done_cv;
    struct wb_job *next;
} wb_job;

/* Run the job's call on a connection to winbindd (wb_calls.c): the
 * job's status; its output filled in. */
neg_wb_status neg_wbc_run(struct wbcContext *ctx, wb_job *job);

/* The SID of a domain winbind can name (1), or 0. */
int neg_wbc_domain_sid_of(struct wbcContext *ctx, const char *domain,
                          struct wbcDomainSid *sid);

/* Does winbind's own domain's directory answer now? */
int neg_wbc_own_domain_answers(struct wbcContext *ctx);

/* src, or "" for NULL, into dst of cap bytes, cut to fit. */
void neg_wbc_copy_str(char *dst, size_t cap, const char *src);

/* Nanoseconds on CLOCK_MONOTONIC, never 0. */
uint64_t neg_wbc_now_ns(void);

/* timeout_ms from now on CLOCK_MONOTONIC. */
void neg_wbc_deadline_after(int timeout_ms, struct timespec *ts);

/* wb_job.c: free a job, its secrets wiped first. */
void neg_wb_job_free(wb_job *job);

#endif
