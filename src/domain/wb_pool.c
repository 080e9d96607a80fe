/*
 * wb_pool.c - winbind's calls on a per-process thread pool with a bound on
 * the caller's wait (wb_pool.h): the configuration, jobs, each client
 * address's share of the calls, the queue and the pool threads.
 *
 * A job is shared by the caller and one pool thread. Under `lock`: the
 * caller either sees it done (and frees it), or gives up at its deadline
 * and marks it abandoned, after which the pool thread frees it. Threads are
 * started on first use, so only httpd children that verify NTLM have them.
 */
#include "wb_pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>

#include "secret.h"
#include "status.h"
#include "wb_conn.h"
#include "wb_slots.h"

#define DEFAULT_THREADS 8
#define MAX_THREADS 64
/* A browser opens up to 6 connections to a server, each with its own NTLM
 * handshake. */
#define DEFAULT_PER_CLIENT 6
#define MAX_PER_CLIENT 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cv_attr_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t cv_attr;      /* CLOCK_MONOTONIC deadlines */
static pthread_cond_t work_cv;          /* made with cv_attr (init_cv_attr) */
static wb_job *queue_head, *queue_tail;
static int queued;                  /* jobs in the queue, abandoned ones too */
static int waiters;                 /* callers waiting for their job */
/* How many jobs may wait for a pool thread. A hung winbindd holds every
 * pool thread; calls queued behind them would each wait their whole
 * timeout, and their jobs (freed only when a thread takes them) would pile
 * up for as long as it hangs. */
#define QUEUE_PER_THREAD 4

/* The configuration (NegotiateWinbindThreads, NegotiateWinbindPerClient),
 * and what it comes to in this process given its request threads
 * (neg_wb_configure_process): its pool threads, how many callers may wait
 * for winbind at once, and how many calls one client address may have. */
static int threads_wanted = DEFAULT_THREADS;
static int per_client_wanted = DEFAULT_PER_CLIENT;
static int pool_threads = DEFAULT_THREADS;
static int max_waiters = QUEUE_PER_THREAD * MAX_THREADS + MAX_THREADS;
static int per_client = DEFAULT_PER_CLIENT;
static pid_t pool_pid;          /* the process whose threads run the pool */

void neg_wb_configure(int threads)
{
    if (threads >= 1 && threads <= MAX_THREADS)
        threads_wanted = pool_threads = threads;
}

void neg_wb_configure_per_client(int calls)
{
    if (calls >= 0 && calls <= MAX_PER_CLIENT)
        per_client_wanted = per_client = calls;
}

void neg_wb_configure_connections(int n)
{
    neg_wb_budget_set(n);
}

void neg_wb_configure_defaults(void)
{
    neg_wb_configure(DEFAULT_THREADS);
    neg_wb_configure_per_client(DEFAULT_PER_CLIENT);
    neg_wb_configure_connections(NEG_WB_BUDGET_DEFAULT);
}

static int at_least_1(int n)
{
    return n < 1 ? 1 : n;
}

/* A process of `workers` request threads (1 under prefork) never waits
 * for more calls than that: no more pool threads. Callers may hold all
 * but an eighth of the workers (22 of 25), which stay free for requests
 * that need no winbind (a static file takes a worker for microseconds);
 * one client address may have half of that, at most. A larger reserve
 * refused logons that mpm_event would have handed to another child: a
 * child accepts connections while it has an idle worker. */
void neg_wb_configure_process(int workers)
{
    workers = at_least_1(workers);
    pthread_mutex_lock(&lock);
    pool_threads = threads_wanted < workers ? threads_wanted : workers;
    max_waiters = at_least_1(workers - at_least_1(workers / 8));
    per_client = per_client_wanted;
    if (per_client > at_least_1(max_waiters / 2))
        per_client = at_least_1(max_waiters / 2);
    pthread_mutex_unlock(&lock);
}

int neg_wb_client_share(void)
{
    int n;

    pthread_mutex_lock(&lock);
    n = per_client;
    pthread_mutex_unlock(&lock);
    return n;
}

static void init_cv_attr(void)
{
    pthread_condattr_init(&cv_attr);
    pthread_condattr_setclock(&cv_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&work_cv, &cv_attr);
}

wb_job *neg_wb_job_new(job_kind kind)
{
    wb_job *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return NULL;
    pthread_once(&cv_attr_once, init_cv_attr);
    if (pthread_cond_init(&job->done_cv, &cv_attr) != 0) {
        free(job);
        return NULL;
    }
    job->kind = kind;
    return job;
}

/* ------------------------------------------------------- client shares */

/* A logon's client address, as a key (FNV-1a; never 0, which is "none"). */
uint64_t neg_wb_client_key(const char *client)
{
    uint64_t h = 14695981039346656037ULL;

    if (client == NULL || *client == '\0')
        return 0;
    for (; *client; client++)
        h = (h ^ (unsigned char)*client) * 1099511628211ULL;
    return h ? h : 1;
}

/* The calls of each client address in this process, queued or running: a
 * logon's job counts from its queueing until the pool is done with it (a
 * caller that gave up still counts while its call runs: it still costs
 * the domain). Entries with n == 0 are free; there are as many as jobs the
 * pool may hold (admit() checks the queue's bound first). Under lock. */
#define CLIENT_ENTRIES (QUEUE_PER_THREAD * MAX_THREADS + MAX_THREADS)
static struct {
    uint64_t key;
    int n;
} clients[CLIENT_ENTRIES];

static int client_find(uint64_t key)
{
    int i;

    for (i = 0; i < CLIENT_ENTRIES; i++) {
        if (clients[i].n > 0 && clients[i].key == key)
            return i;
    }
    return -1;
}

static int client_calls(uint64_t key)
{
    int i = client_find(key);

    return i < 0 ? 0 : clients[i].n;
}

static void client_add(uint64_t key)
{
    int i = client_find(key), k;

    for (k = 0; i < 0 && k < CLIENT_ENTRIES; k++) {
        if (clients[k].n == 0)
            i = k;
    }
    if (i < 0)
        return;                 /* cannot happen: see CLIENT_ENTRIES */
    clients[i].key = key;
    clients[i].n++;
}

/* The pool is done with the job: its client's count goes down. Under lock. */
static void client_release(wb_job *job)
{
    int i;

    if (job->client == 0)
        return;
    if ((i = client_find(job->client)) >= 0)
        clients[i].n--;
    job->client = 0;
}

/* ---------------------------------------------------------------- queue */

static void enqueue(wb_job *job)
{
    queued++;
    if (queue_tail != NULL)
        queue_tail->next = job;
    else
        queue_head = job;
    queue_tail = job;
    if (job->client != 0)
        client_add(job->client);
    pthread_cond_signal(&work_cv);
}

static wb_job *dequeue(void)
{
    wb_job *job = queue_head;

    queue_head = job->next;
    if (queue_head == NULL)
        queue_tail = NULL;
    queued--;
    return job;
}

/* A connection idle this long is closed, and its budget slot given back:
 * connections follow the load, not the number of pool threads that ever
 * made a call (under prefork, one per child). winbindd may drop a client
 * idle for a second anyway (IDLE_RECONNECT_S). */
#define IDLE_CLOSE_MS 1000

/* The next job, or NULL: an abandoned job was dropped, or (*idle) the
 * thread's connection was idle for IDLE_CLOSE_MS. */
static wb_job *take_job(const wb_conn *c, int *idle)
{
    uint64_t close_at = c->last_used_ns + IDLE_CLOSE_MS * 1000000ULL;
    struct timespec until = { (time_t)(close_at / 1000000000ULL),
                              (long)(close_at % 1000000000ULL) };
    wb_job *job;

    *idle = 0;
    pthread_mutex_lock(&lock);
    while (queue_head == NULL) {
        if (c->slot < 0)
            pthread_cond_wait(&work_cv, &lock);
        else if (pthread_cond_timedwait(&work_cv, &lock, &until) == ETIMEDOUT
                 && queue_head == NULL) {
            pthread_mutex_unlock(&lock);
            *idle = 1;
            return NULL;
        }
    }
    job = dequeue();
    if (job->abandoned) {
        client_release(job);
        pthread_mutex_unlock(&lock);
        neg_wb_job_free(job);
        return NULL;
    }
    pthread_mutex_unlock(&lock);
    return job;
}

void neg_wb_job_finish(wb_job *job)
{
    pthread_mutex_lock(&lock);
    client_release(job);
    if (job->abandoned) {
        pthread_mutex_unlock(&lock);
        if (job->keep_late_answer != NULL)
            job->keep_late_answer(job);
        neg_wb_job_free(job);
        return;
    }
    job->done = 1;
    pthread_cond_signal(&job->done_cv);
    pthread_mutex_unlock(&lock);
}

/* A job the pool did not run because its caller gave it up. */
void neg_wb_job_drop(wb_job *job)
{
    pthread_mutex_lock(&lock);
    client_release(job);
    pthread_mutex_unlock(&lock);
    neg_wb_job_free(job);
}

/* ---------------------------------------------------------------- pool */

/* Pool threads are SCHED_BATCH, which Linux never lets preempt the running
 * thread when they wake (they still get their fair share of the CPU).
 * winbindd's parent answers a pool thread and then hands the next queued
 * logon to its domain child, which verifies one at a time; a pool thread
 * woken by the answer preempted winbindd on its CPU before it had handed
 * on the next logon, and the domain child sat idle (on 2 CPUs, NTLM
 * handshakes made 0.83-0.89 of winbind's own rate; 0.92-1.0 as batch, see
 * bench/README). If the system refuses, the threads stay as they are. */
static void never_preempt_on_wakeup(void)
{
#ifdef SCHED_BATCH
    struct sched_param sp = { 0 };

    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
}

/* A pool thread: the jobs of the queue, one at a time, on its own
 * connection (wb_conn.h), which it closes after IDLE_CLOSE_MS idle. */
static void serve(wb_conn *conn, wb_job *job)
{
    int ran = neg_wb_conn_serve(conn, job);

    if (ran == 0) {
        neg_wb_job_drop(job);      /* given up: no answer to keep */
        return;
    }
    neg_wb_job_finish(job);        /* the job may be gone from here on */
    if (ran > 0)
        neg_wb_conn_relieve(conn);
}

static void *pool_thread(void *arg)
{
    wb_conn conn = { NULL, 0, 0, 0, -1 };
    wb_job *job;
    int idle;

    (void)arg;
    never_preempt_on_wakeup();
    for (;;) {
        if ((job = take_job(&conn, &idle)) != NULL)
            serve(&conn, job);
        else if (idle)
            neg_wb_conn_close(&conn);
    }
    return NULL;
}

/* Under lock. Threads do not survive fork(): a new process starts its own. */
static int ensure_pool(void)
{
    pthread_attr_t tattr;
    pthread_t tid;
    int i, started = 0;

    if (pool_pid == getpid())
        return 1;
    pthread_attr_init(&tattr);
    pthread_attr_setdetachstate(&tattr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&tattr, 256 * 1024);
    for (i = 0; i < pool_threads; i++)
        started += pthread_create(&tid, &tattr, pool_thread, NULL) == 0;
    pthread_attr_destroy(&tattr);
    if (started == 0)
        return 0;
    pool_pid = getpid();
    return 1;
}

/* May the job wait for the pool? OK, else why not: CLIENT_BUSY when its
 * client address has its share of the process's calls already, BUSY when
 * enough callers wait (the other workers stay free for other requests:
 * static files, Kerberos) or the queue is full. Under lock. */
static neg_wb_status admit(const wb_job *job)
{
    if (job->client != 0 && per_client > 0 && client_calls(job->client) >= per_client) {
        neg_status_add(NEG_STAT_WB_CLIENT_FULL, 1);
        return NEG_WB_CLIENT_BUSY;
    }
    if (waiters >= max_waiters || queued >= QUEUE_PER_THREAD * pool_threads) {
        neg_status_add(NEG_STAT_WB_QUEUE_FULL, 1);
        return NEG_WB_BUSY;
    }
    return NEG_WB_OK;
}

/* Wait for the queued job until the deadline: 1 done, 0 abandoned. Under lock. */
static int wait_for(wb_job *job, const struct timespec *deadline)
{
    while (!job->done) {
        if (pthread_cond_timedwait(&job->done_cv, &lock, deadline) == ETIMEDOUT
            && !job->done) {
            __atomic_store_n(&job->abandoned, 1, __ATOMIC_RELEASE);
            return 0;
        }
    }
    return 1;
}

/* Queue the job and wait for it until the deadline. Returns 1 when the job
 * is done (the caller frees it), 0 when it was abandoned, or never queued
 * (*status says why: TIMEOUT, BUSY or CLIENT_BUSY), -1 when it could not
 * be run (the caller frees it). */
int neg_wb_job_run(wb_job *job, int timeout_ms, neg_wb_status *status)
{
    struct timespec deadline;
    int done;

    *status = NEG_WB_TIMEOUT;
    if (timeout_ms <= 0) {              /* the request's budget is spent */
        neg_wb_job_free(job);
        neg_status_add(NEG_STAT_WB_TIMEOUTS, 1);
        return 0;
    }
    neg_wbc_deadline_after(timeout_ms, &deadline);
    pthread_mutex_lock(&lock);
    if (!ensure_pool()) {
        pthread_mutex_unlock(&lock);
        return -1;
    }
    if ((*status = admit(job)) != NEG_WB_OK) {
        pthread_mutex_unlock(&lock);
        neg_wb_job_free(job);
        return 0;
    }
    enqueue(job);
    waiters++;
    neg_status_add(NEG_STAT_WB_WAITING, 1);
    done = wait_for(job, &deadline);
    neg_status_add(NEG_STAT_WB_WAITING, -1);
    waiters--;
    pthread_mutex_unlock(&lock);
    if (!done) {
        *status = NEG_WB_TIMEOUT;
        neg_status_add(NEG_STAT_WB_TIMEOUTS, 1);
    }
    return done;
}
