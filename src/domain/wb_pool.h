/*
 * wb_pool.h - the per-process pool that runs winbind's calls (private to
 * src/domain; winbind.h is the interface).
 *
 * A job is made here, queued and run by one of the process's pool threads
 * on the thread's connection (wb_conn.h), and handed back to its caller,
 * who waits for it at most its timeout. Callers waiting, the queue and
 * each client address's calls are bounded (neg_wb_configure_process).
 */
#ifndef NEG_WB_POOL_H
#define NEG_WB_POOL_H

#include <stdint.h>

#include "wb_job.h"

/* A new job of that kind (NULL: no memory); free it with neg_wb_job_free
 * (wb_job.h), which wipes its secrets. */
wb_job *neg_wb_job_new(job_kind kind);

/* A logon's client address as a key for its share of the calls (0 for
 * none: NULL or ""). */
uint64_t neg_wb_client_key(const char *client);

/* Queue the job and wait for it until the deadline. Returns 1 when the job
 * is done (the caller frees it), 0 when it was abandoned, or never queued
 * (*status says why: TIMEOUT, BUSY or CLIENT_BUSY), -1 when it could not
 * be run (the caller frees it). */
int neg_wb_job_run(wb_job *job, int timeout_ms, neg_wb_status *status);

/* For a pool thread: the job ran (its caller is woken, or,
 * if it gave up, a late answer is kept and the job freed); or the job was
 * not run because its caller gave it up (freed). */
void neg_wb_job_finish(wb_job *job);
void neg_wb_job_drop(wb_job *job);

#endif
