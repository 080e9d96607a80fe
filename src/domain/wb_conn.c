/*
 * wb_conn.c - a pool thread's connection to winbindd (wb_conn.h): opened
 * within the budget of connections of all httpd children, a few at a time
 * (wb_slots.h), closed when idle or when other calls wait for the budget;
 * one job run on it, with the status page's figures.
 */
#include "wb_conn.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "status.h"
#include "wb_pool.h"
#include "wb_slots.h"

/* winbindd drops clients idle for "winbind request timeout" seconds (60 by
 * default, but it may be set as low as 1) when another client connects, so
 * a connection idle for a second may be gone: such calls take a slot too. */
#define IDLE_RECONNECT_S 1

/* NTLM verification (WINBINDD_PAM_AUTH_CRAP) is the one call that needs the
 * privileged pipe. */
static int needs_privilege(const wb_job *job)
{
    return job->kind == JOB_VERIFY;
}

/* Would libwbclient (re)open the connection for this job? It opens one on
 * first use, again after winbindd closed it or a call failed, and closes
 * an unprivileged one to open the privileged pipe for a call that needs
 * it (MS-NLMP responses), which a first call for names did not. */
static int may_connect(const wb_conn *c, const wb_job *job)
{
    return !c->healthy || (needs_privilege(job) && !c->privileged)
        || neg_wbc_now_ns() - c->last_used_ns >= IDLE_RECONNECT_S * 1000000000ULL;
}

/* How long a call that may connect waits for a slot, and how long a slot
 * stays taken by a call that has not finished. A slot has to cover
 * libwbclient's opening of the connection (two connects and two round
 * trips to winbindd's parent), which it does not say the end of: a few ms
 * on an idle machine, tens of ms on a loaded one. A 25 ms lease was too
 * short there: more connections went through at once, overflowed the
 * backlog, and a logon in about 200 stalled for 2 s (t/root/
 * 26_winbind_reconnect.rt under ASan on 2 loaded CPUs). A longer lease
 * also covers some logons waiting in winbindd's queue for the domain
 * child, which verifies them one at a time, so the waiters wait longer
 * than that queue (40 logons at once: up to 260 ms measured idle, about
 * 1 s under load) instead of giving up and connecting all at once. A slot
 * is a lease, not a lock: a holder that died (or hangs) loses it. */
#define CONNECT_WAIT_MS 1500
#define CONNECT_LEASE_MS 250

/* How long a call waits for a slot of the connection budget, checking every
 * 1-8 ms; and how long after a call waited for one the holders close their
 * connections once their call is done, so that the budget goes round. */
#define BUDGET_WAIT_MS 1500
#define BUDGET_PRESSED_MS 100

/* A job its caller gave up while it waited for a slot is not run, unless
 * its late answer is still kept (cache_late_answer: names of SIDs, SIDs
 * of groups). */
static int is_given_up(const wb_job *job)
{
    return __atomic_load_n(&job->abandoned, __ATOMIC_ACQUIRE)
        && job->kind != JOB_SID2NAME && job->kind != JOB_GROUP2SIDS;
}

static void pause_ms(long ms)
{
    const struct timespec t = { 0, ms * 1000000L };

    nanosleep(&t, NULL);
}

/* Take a connect slot: its index, with the lease's stamp in *stamp; -1 if
 * none came free within CONNECT_WAIT_MS (the call then goes ahead without
 * one), -2 if the caller gave the job up meanwhile (see is_given_up). */
static int take_slot(const wb_job *job, uint64_t *stamp)
{
    uint64_t start = neg_wbc_now_ns(), now = start;
    int i;

    do {
        if ((i = neg_wb_connect_take(now, CONNECT_LEASE_MS * 1000000ULL, stamp)) >= 0)
            return i;
        if (is_given_up(job))
            return -2;
        pause_ms(1);
        now = neg_wbc_now_ns();
    } while (now - start < CONNECT_WAIT_MS * 1000000ULL);
    return -1;
}

/* Take a slot of the connection budget: its index; -1 if none came free
 * within BUDGET_WAIT_MS, -2 if the caller gave the job up meanwhile. The
 * slots of children that are gone are taken back once at the start and
 * then every 100 ms. */
static int take_budget_slot(const wb_job *job)
{
    uint64_t start = neg_wbc_now_ns(), now = start, reclaimed = 0;
    long delay = 1;
    int i;

    for (;;) {
        if ((i = neg_wb_budget_take(getpid())) >= 0)
            return i;
        neg_wb_budget_wanted(now);
        if (now - reclaimed >= 100000000ULL) {
            reclaimed = now;
            if (neg_wb_budget_reclaim() > 0)
                continue;
        }
        if (is_given_up(job))
            return -2;
        if (now - start >= BUDGET_WAIT_MS * 1000000ULL)
            return -1;
        pause_ms(delay);
        delay = delay < 8 ? delay * 2 : 8;
        now = neg_wbc_now_ns();
    }
}

void neg_wb_conn_close(wb_conn *c)
{
    if (c->ctx != NULL)
        wbcCtxFree(c->ctx);     /* closes its sockets */
    c->ctx = NULL;
    c->healthy = c->privileged = 0;
    if (c->slot >= 0)
        neg_wb_budget_give(c->slot, getpid());
    c->slot = -1;
}

/* Make the thread ready for the job: a budget slot and a context. 1 ready,
 * 0 the job was given up, -1 not possible (job->status says why). */
static int open_conn(wb_conn *c, wb_job *job)
{
    int slot;

    if (c->slot < 0) {
        if ((slot = take_budget_slot(job)) == -2)
            return 0;
        if (slot < 0) {
            snprintf(job->res.detail, sizeof(job->res.detail), "all %d connections "
                     "to winbindd that httpd may hold are in use "
                     "(NegotiateWinbindConnections)", neg_wb_budget());
            job->status = NEG_WB_NO_CONNECTION;
            return -1;
        }
        c->slot = slot;
    }
    if (c->ctx == NULL && (c->ctx = wbcCtxCreate()) == NULL) {
        neg_wbc_copy_str(job->res.detail, sizeof(job->res.detail), "out of memory");
        job->status = NEG_WB_ERROR;
        return -1;
    }
    return 1;
}

static void note_call(wb_conn *c, const wb_job *job)
{
    c->healthy = job->status != NEG_WB_UNAVAILABLE
              && job->status != NEG_WB_NO_PRIVILEGE;
    if (!c->healthy)
        c->privileged = 0;
    else if (needs_privilege(job))
        c->privileged = job->status == NEG_WB_OK || job->status == NEG_WB_AUTH_FAILED;
    c->last_used_ns = neg_wbc_now_ns();
}

/* The status page's figures: threads busy with a call, the calls by
 * result and their latency (waiting for a connect slot included). */
static uint64_t call_started(void)
{
    neg_status_add(NEG_STAT_WB_BUSY_THREADS, 1);
    return neg_status_now_us();
}

static void call_ended(neg_wb_status st, uint64_t started)
{
    neg_stat_wb r = st == NEG_WB_OK ? NEG_SWB_OK
                  : st == NEG_WB_AUTH_FAILED ? NEG_SWB_REFUSED
                  : st == NEG_WB_UNAVAILABLE ? NEG_SWB_UNAVAILABLE
                  : st == NEG_WB_NO_PRIVILEGE ? NEG_SWB_NO_PRIVILEGE : NEG_SWB_ERROR;

    neg_status_wb_call(r, neg_status_now_us() - started);
    neg_status_add(NEG_STAT_WB_BUSY_THREADS, -1);
}

/* Run the job on this thread's connection; 0 if it was not run because
 * its caller gave it up while it waited for a connect slot. */
static int run_on_connection(wb_conn *c, wb_job *job)
{
    uint64_t stamp = 0, started = call_started();
    int slot = may_connect(c, job) ? take_slot(job, &stamp) : -1;

    if (slot == -2) {
        neg_status_add(NEG_STAT_WB_BUSY_THREADS, -1);
        return 0;
    }
    job->status = neg_wbc_run(c->ctx, job);
    if (slot >= 0)
        neg_wb_connect_give(slot, stamp);
    note_call(c, job);
    call_ended(job->status, started);
    return 1;
}

int neg_wb_conn_serve(wb_conn *c, wb_job *job)
{
    int r = open_conn(c, job);

    if (r > 0 && !run_on_connection(c, job))
        r = 0;
    return r;
}

void neg_wb_conn_relieve(wb_conn *c)
{
    if (neg_wb_budget_pressed(neg_wbc_now_ns(), BUDGET_PRESSED_MS * 1000000ULL))
        neg_wb_conn_close(c);
}
