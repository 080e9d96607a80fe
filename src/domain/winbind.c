/*
 * winbind.c - libwbclient calls on a per-process thread pool with a bound
 * on the caller's wait (see winbind.h).
 *
 * A job is shared by the caller and one pool thread. Under `lock`: the
 * caller either sees it done (and frees it), or gives up at its deadline
 * and marks it abandoned, after which the pool thread frees it. Threads are
 * started on first use, so only httpd children that verify NTLM have them.
 */
#include "winbind.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "sid_cache.h"
#include "status.h"
#include "secret.h"
#include "wb_slots.h"

#define DEFAULT_THREADS 8
#define MAX_THREADS 64
/* A browser opens up to 6 connections to a server, each with its own NTLM
 * handshake. */
#define DEFAULT_PER_CLIENT 6
#define MAX_PER_CLIENT 1024

#include "wb_job.h"

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
static neg_wb_names cached_names;
static int have_names;


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

static wb_job *new_job(job_kind kind)
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

static void free_job(wb_job *job)
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

static time_t now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* ------------------------------------------------------- client shares */

/* A logon's client address, as a key (FNV-1a; never 0, which is "none"). */
static uint64_t client_key(const char *client)
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

/* A pool thread's connection to winbindd, as far as we can tell from the
 * results of its calls (libwbclient does not say when it reconnects). */
typedef struct {
    struct wbcContext *ctx;
    int healthy;            /* the last call reached winbindd */
    int privileged;         /* ... through the privileged pipe */
    uint64_t last_used_ns;
    int slot;               /* its slot of the connection budget, -1 none */
} wb_conn;

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
        free_job(job);
        return NULL;
    }
    pthread_mutex_unlock(&lock);
    return job;
}

static void cache_late_answer(const wb_job *job);

static void finish_job(wb_job *job)
{
    pthread_mutex_lock(&lock);
    client_release(job);
    if (job->abandoned) {
        pthread_mutex_unlock(&lock);
        cache_late_answer(job);
        free_job(job);
        return;
    }
    job->done = 1;
    pthread_cond_signal(&job->done_cv);
    pthread_mutex_unlock(&lock);
}

/* A job the pool did not run because its caller gave it up. */
static void drop_job(wb_job *job)
{
    pthread_mutex_lock(&lock);
    client_release(job);
    pthread_mutex_unlock(&lock);
    free_job(job);
}

/* ---------------------------------------------------------- connections */

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

static void close_conn(wb_conn *c)
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

/* One job on this thread's connection. While calls wait for a budget
 * slot, the connection is closed after its call. */
static void serve(wb_conn *c, wb_job *job)
{
    int r = open_conn(c, job);

    if (r > 0 && !run_on_connection(c, job))
        r = 0;
    if (r == 0) {
        drop_job(job);          /* given up: no answer to keep */
        return;
    }
    finish_job(job);            /* the job may be gone from here on */
    if (r > 0 && neg_wb_budget_pressed(neg_wbc_now_ns(), BUDGET_PRESSED_MS * 1000000ULL))
        close_conn(c);
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
            close_conn(&conn);
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
static int run_job(wb_job *job, int timeout_ms, neg_wb_status *status)
{
    struct timespec deadline;
    int done;

    *status = NEG_WB_TIMEOUT;
    if (timeout_ms <= 0) {              /* the request's budget is spent */
        free_job(job);
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
        free_job(job);
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
    free_job(job);
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
    wb_job *job = new_job(kind);

    if (job == NULL)
        return NULL;
    job->client = client_key(client);
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
        free_job(job);
        return res->status = NEG_WB_ERROR;
    }
    r = run_job(job, timeout_ms, &res->status);
    if (r == 0)
        return res->status;
    if (r < 0) {
        free_job(job);
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
    if ((job = new_job(JOB_NAMES)) == NULL)
        return NEG_WB_ERROR;
    r = run_job(job, timeout_ms, &st);
    if (r == 0)
        return st;
    if (r < 0) {
        free_job(job);
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
    free_job(job);
    return st;
}

/* ---------------------------------------------------------------- names */

/* The names of SIDs, per process (sid_cache.h): room for four users of
 * NEG_PAC_MAX_SIDS groups each, 120 bytes and the name per SID seen (at
 * most 2 MB and the names), and a 64 KB index; made at the first lookup.
 * A name is kept NEG_WB_NAME_TTL more seconds after it is due for a
 * refresh, and used meanwhile when the refresh gets no answer. It was a
 * direct-mapped table of 2,048 entries: the SIDs of a user in 1,500 groups
 * collided there (each request of his asked winbind for 382-815 of them
 * again), and failures written over names wiped those of other users.
 * Under lock. */
#define NAME_CACHE_ENTRIES (4 * NEG_PAC_MAX_SIDS)

static neg_sid_cache *name_cache;

static int name_ttl(neg_wb_status st)
{
    return st == NEG_WB_OK ? NEG_WB_NAME_TTL
         : st == NEG_WB_AUTH_FAILED ? NEG_WB_UNKNOWN_TTL : NEG_WB_FAILED_TTL;
}

/* What the cache knows of sid: *st the name's (OK, the name in out) or the
 * failure's status. */
static neg_sc_found cached_name(const neg_sid *sid, neg_wb_status *st,
                                char *out, size_t cap)
{
    neg_sc_found found = NEG_SC_MISS;
    int status = NEG_WB_OK;

    pthread_mutex_lock(&lock);
    if (name_cache == NULL)
        name_cache = neg_sid_cache_new(NAME_CACHE_ENTRIES);
    if (name_cache != NULL)
        found = neg_sid_cache_get(name_cache, sid, now_mono(), &status, out, cap);
    pthread_mutex_unlock(&lock);
    *st = (neg_wb_status)status;
    return found;
}

/* An answer of winbind, or a failure to get one. A failure never takes
 * the place of a name (sid_cache.h). */
static void cache_name(const neg_sid *sid, neg_wb_status st, const char *name)
{
    time_t now = now_mono();

    pthread_mutex_lock(&lock);
    if (name_cache != NULL && st == NEG_WB_OK && name != NULL)
        neg_sid_cache_put_name(name_cache, sid, name, now, NEG_WB_NAME_TTL,
                               NEG_WB_NAME_TTL);
    else if (name_cache != NULL && st != NEG_WB_OK)
        neg_sid_cache_put_failure(name_cache, sid, (int)st, now, name_ttl(st));
    pthread_mutex_unlock(&lock);
}

/* A lookup whose caller gave up still answers the next requests: its
 * result goes into the cache when it comes (from finish_job). */
static void cache_group(const char *name, neg_wb_status st,
                        const neg_sid *sids, size_t n);
static void respell(char *name);

static void cache_late_answer(const wb_job *job)
{
    if (job->kind == JOB_SID2NAME)
        cache_name(&job->sid, job->status, job->name);
    else if (job->kind == JOB_GROUP2SIDS)
        cache_group(job->name, job->status, job->group_sids, job->n_group_sids);
}

static neg_wb_status give_name(const char *name, char *out, size_t cap)
{
    neg_wbc_copy_str(out, cap, name);
    respell(out);
    return NEG_WB_OK;
}

/* No answer from winbind: a name known before if there is one (stale is
 * the cache's verdict), else the failure. */
static neg_wb_status no_answer(neg_sc_found found, const char *known,
                               neg_wb_status st, char *out, size_t cap)
{
    return found == NEG_SC_STALE ? give_name(known, out, cap) : st;
}

neg_wb_status neg_wb_sid_to_name(const neg_sid *sid, int timeout_ms,
                                 char *out, size_t cap)
{
    char known[NEG_WB_NAME_MAX];
    neg_wb_status st;
    neg_sc_found found = cached_name(sid, &st, known, sizeof(known));
    wb_job *job;
    int r;

    if (found == NEG_SC_FRESH) {
        neg_status_add(NEG_STAT_SID_NAME_HITS, 1);
        return st == NEG_WB_OK ? give_name(known, out, cap) : st;
    }
    neg_status_add(NEG_STAT_SID_NAME_MISSES, 1);
    /* the request's budget is spent: not asked, so nothing to remember */
    if (timeout_ms <= 0)
        return no_answer(found, known, NEG_WB_TIMEOUT, out, cap);
    if ((job = new_job(JOB_SID2NAME)) == NULL)
        return no_answer(found, known, NEG_WB_ERROR, out, cap);
    job->sid = *sid;
    r = run_job(job, timeout_ms, &st);
    if (r == 0) {
        /* a call that waits is remembered until its late answer, if any;
         * one refused at once (BUSY) made nobody wait */
        if (st == NEG_WB_TIMEOUT)
            cache_name(sid, st, NULL);
        return no_answer(found, known, st, out, cap);
    }
    st = r < 0 ? NEG_WB_ERROR : job->status;
    cache_name(sid, st, job->name);
    if (st == NEG_WB_OK)
        give_name(job->name, out, cap);
    else
        st = no_answer(found, known, st, out, cap);
    free_job(job);
    return st;
}

/* ---------------------------------------------------------- group SIDs */

/* Group names of Require negotiate-group lines and their SIDs. Few names
 * (those of the configuration), so a small table searched in full; the
 * oldest entry makes room. Under lock. */
#define GROUP_CACHE_SLOTS 128

typedef struct {
    char name[NEG_WB_NAME_MAX];     /* as asked for; compared ignoring case */
    neg_wb_status status;
    neg_sid sids[NEG_WB_GROUP_SIDS_MAX];
    size_t n;
    time_t expires;                 /* refresh after this */
    time_t stale_until;             /* OK entries: still usable when a
                                     * refresh cannot get an answer */
} group_entry;

static group_entry group_cache[GROUP_CACHE_SLOTS];

static group_entry *find_group(const char *name)
{
    int i;

    for (i = 0; i < GROUP_CACHE_SLOTS; i++) {
        if (group_cache[i].expires != 0 && strcasecmp(group_cache[i].name, name) == 0)
            return &group_cache[i];
    }
    return NULL;
}

static group_entry *group_slot(const char *name)
{
    group_entry *e = find_group(name), *oldest = &group_cache[0];
    int i;

    if (e != NULL)
        return e;
    for (i = 0; i < GROUP_CACHE_SLOTS; i++) {
        if (group_cache[i].expires < oldest->expires)
            oldest = &group_cache[i];
    }
    return oldest;
}

/* A refresh that got no answer keeps a name's known SIDs (a group's SID
 * does not change while it exists) for another NEG_WB_GROUP_TTL. */
static void cache_group(const char *name, neg_wb_status st,
                        const neg_sid *sids, size_t n)
{
    time_t now = now_mono();
    group_entry *e;

    pthread_mutex_lock(&lock);
    e = group_slot(name);
    /* only this name's own entry: group_slot gives the oldest entry of
     * another name for a name not cached yet */
    if (st != NEG_WB_OK && st != NEG_WB_AUTH_FAILED && e->expires != 0
        && strcasecmp(e->name, name) == 0
        && e->status == NEG_WB_OK && e->stale_until > now) {
        e->expires = now + NEG_WB_FAILED_TTL;
        pthread_mutex_unlock(&lock);
        return;
    }
    neg_wbc_copy_str(e->name, sizeof(e->name), name);
    e->status = st;
    /* a bare name's SIDs found before another domain failed are kept:
     * a match with one of them is a match; no match is undecided */
    e->n = n;
    if (e->n > 0)
        memcpy(e->sids, sids, e->n * sizeof(neg_sid));
    e->expires = now + (st == NEG_WB_OK ? NEG_WB_GROUP_TTL : name_ttl(st));
    e->stale_until = st == NEG_WB_OK ? now + 2 * NEG_WB_GROUP_TTL : 0;
    pthread_mutex_unlock(&lock);
}

/* The cached answer for name, if fresh, or if stale but usable after a
 * failed refresh (status OK, its SIDs kept). */
static int cached_group(const char *name, neg_sid *out, size_t cap, size_t *n,
                        neg_wb_status *st)
{
    group_entry *e;
    time_t now = now_mono();
    int hit = 0;

    pthread_mutex_lock(&lock);
    if ((e = find_group(name)) != NULL && e->expires > now) {
        *st = e->status;
        *n = e->n < cap ? e->n : cap;
        memcpy(out, e->sids, *n * sizeof(neg_sid));
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

neg_wb_status neg_wb_group_sids(const char *name, int timeout_ms,
                                neg_sid *out, size_t cap, size_t *n)
{
    neg_wb_status st;
    wb_job *job;
    int r;

    *n = 0;
    if (cached_group(name, out, cap, n, &st))
        return st;
    if (timeout_ms <= 0)                /* the request's budget is spent */
        return NEG_WB_TIMEOUT;
    if ((job = new_job(JOB_GROUP2SIDS)) == NULL || (job->name = strdup(name)) == NULL) {
        if (job != NULL)
            free_job(job);
        return NEG_WB_ERROR;
    }
    r = run_job(job, timeout_ms, &st);
    if (r == 0) {
        cache_group(name, st, NULL, 0);      /* until the late answer, if any */
        return cached_group(name, out, cap, n, &st) ? st : NEG_WB_TIMEOUT;
    }
    st = r < 0 ? NEG_WB_ERROR : job->status;
    cache_group(name, st, job->group_sids, job->n_group_sids);
    free_job(job);
    if (!cached_group(name, out, cap, n, &st))
        st = NEG_WB_ERROR;
    return st;
}

/* ---------------------------------------------------------- spellings */

/* winbindd answers a name lookup from the directory, then caches the
 * reverse mapping (SID -> name) with the name lower-cased, and answers
 * SID lookups from that cache for "winbind cache time" (Samba 4.17,
 * winbindd_cache.c, wb_cache_name_to_sid): after the module looked up
 * "EXAMPLE\WebAdmins", the group is named "EXAMPLE\webadmins" in
 * NEGOTIATE_GROUPS. The names of the configuration (which the module looks
 * up) are remembered here, and an all-lower-case answer that is one of
 * them but for case gets the configuration's spelling back. */
#define SPELLINGS_MAX 64
static char spellings[SPELLINGS_MAX][NEG_WB_NAME_MAX];
static int n_spellings;

static int has_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            return 1;
    }
    return 0;
}

void neg_wb_remember_spelling(const char *name)
{
    const char *part = strchr(name, '\\');
    int i;

    part = part ? part + 1 : name;
    if (!has_upper(part) || strlen(name) >= NEG_WB_NAME_MAX)
        return;
    pthread_mutex_lock(&lock);
    for (i = 0; i < n_spellings && strcmp(spellings[i], name) != 0; i++)
        ;
    if (i == n_spellings && n_spellings < SPELLINGS_MAX)
        neg_wbc_copy_str(spellings[n_spellings++], NEG_WB_NAME_MAX, name);
    pthread_mutex_unlock(&lock);
}

/* "EXAMPLE\webadmins" -> "EXAMPLE\WebAdmins" when the configuration
 * spells it so (as "EXAMPLE\WebAdmins" or a bare "WebAdmins"). */
static void respell(char *name)
{
    char *part = strchr(name, '\\');
    const char *want, *want_part;
    int i;

    part = part ? part + 1 : name;
    if (has_upper(part))
        return;
    pthread_mutex_lock(&lock);
    for (i = 0; i < n_spellings; i++) {
        want = spellings[i];
        want_part = strchr(want, '\\');
        if (want_part != NULL ? strcasecmp(want, name) == 0
                              : strcasecmp(want, part) == 0) {
            want_part = want_part ? want_part + 1 : want;
            memcpy(part, want_part, strlen(part));
            break;
        }
    }
    pthread_mutex_unlock(&lock);
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
