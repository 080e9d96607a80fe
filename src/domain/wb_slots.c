/*
 * wb_slots.c - connect slots and the connection budget (see wb_slots.h).
 *
 * Every word of the block is changed by compare-and-swap only, so that
 * processes never wait for each other and one that dies mid-way leaves
 * nothing half-done: a connect slot is a lease, a budget slot names its
 * process.
 */
#include "wb_slots.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>

typedef struct {
    uint64_t connect[NEG_WB_CONNECT_SLOTS];     /* 0 free, else the lease's stamp */
    uint64_t wanted_ns;                         /* a call last waited for a budget slot */
    int32_t budget[NEG_WB_BUDGET_MAX];          /* 0 free, else the holder's pid */
} block;

static block own;
static block *blk = &own;
static block *shared;
static int budget_n = NEG_WB_BUDGET_DEFAULT;

int neg_wb_slots_share(void)
{
    void *m;

    if (shared != NULL)
        return 1;
    m = mmap(NULL, sizeof(block), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    shared = blk = m;           /* zero-filled: all free */
    return 1;
}

void neg_wb_slots_unshare(void)
{
    if (shared == NULL)
        return;
    blk = &own;
    munmap(shared, sizeof(block));
    shared = NULL;
}

static int cas32(int32_t *w, int32_t from, int32_t to)
{
    return __atomic_compare_exchange_n(w, &from, to, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static int cas64(uint64_t *w, uint64_t from, uint64_t to)
{
    return __atomic_compare_exchange_n(w, &from, to, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------ connect slots */

int neg_wb_connect_take(uint64_t now_ns, uint64_t lease_ns, uint64_t *stamp)
{
    int i;

    for (i = 0; i < NEG_WB_CONNECT_SLOTS; i++) {
        uint64_t cur = __atomic_load_n(&blk->connect[i], __ATOMIC_ACQUIRE);

        /* signed: another process may have stamped a later time than now_ns */
        if ((cur == 0 || (int64_t)(now_ns - cur) > (int64_t)lease_ns)
            && cas64(&blk->connect[i], cur, now_ns)) {
            *stamp = now_ns;
            return i;
        }
    }
    return -1;
}

void neg_wb_connect_give(int slot, uint64_t stamp)
{
    if (slot >= 0 && slot < NEG_WB_CONNECT_SLOTS)
        cas64(&blk->connect[slot], stamp, 0);
}

/* -------------------------------------------------- connection budget */

void neg_wb_budget_set(int n)
{
    if (n >= 1 && n <= NEG_WB_BUDGET_MAX)
        budget_n = n;
}

int neg_wb_budget(void)
{
    return budget_n;
}

int neg_wb_budget_take(pid_t me)
{
    int i;

    for (i = 0; i < budget_n; i++) {
        if (__atomic_load_n(&blk->budget[i], __ATOMIC_RELAXED) == 0
            && cas32(&blk->budget[i], 0, (int32_t)me))
            return i;
    }
    return -1;
}

void neg_wb_budget_give(int slot, pid_t me)
{
    if (slot >= 0 && slot < NEG_WB_BUDGET_MAX)
        cas32(&blk->budget[slot], (int32_t)me, 0);
}

/* Gone: no such process. A zombie counts as alive until httpd's parent
 * reaps it (within a second); a pid of another user (EPERM) as alive. */
static int gone(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

int neg_wb_budget_reclaim(void)
{
    int i, n = 0;

    for (i = 0; i < NEG_WB_BUDGET_MAX; i++) {
        int32_t pid = __atomic_load_n(&blk->budget[i], __ATOMIC_RELAXED);

        if (pid > 0 && gone(pid) && cas32(&blk->budget[i], pid, 0))
            n++;
    }
    return n;
}

int neg_wb_budget_in_use(int alive_only)
{
    int i, n = 0;

    for (i = 0; i < NEG_WB_BUDGET_MAX; i++) {
        int32_t pid = __atomic_load_n(&blk->budget[i], __ATOMIC_RELAXED);

        n += pid != 0 && !(alive_only && gone(pid));
    }
    return n;
}

void neg_wb_budget_wanted(uint64_t now_ns)
{
    __atomic_store_n(&blk->wanted_ns, now_ns, __ATOMIC_RELAXED);
}

int neg_wb_budget_pressed(uint64_t now_ns, uint64_t window_ns)
{
    uint64_t w = __atomic_load_n(&blk->wanted_ns, __ATOMIC_RELAXED);

    return w != 0 && (int64_t)(now_ns - w) < (int64_t)window_ns;
}
