/*
 * test_status.c - the status counters (src/ops/status.c): what each call
 * counts, in a block shared by two processes as httpd's children share it.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "status.h"

static neg_status_block *shared_block(void)
{
    void *m = mmap(NULL, sizeof(neg_status_block), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    return m == MAP_FAILED ? NULL : m;
}

static void test_refusals(neg_status_block *snap)
{
    size_t i, found = 0;

    neg_status_refused("NEG0203");
    neg_status_refused("NEG0304");
    neg_status_refused("NEG0304");
    neg_status_refusal("NEG0705");          /* authorization: no logon refused */
    neg_status_refused("NEG9999");          /* not in the table: "other" */
    neg_status_snapshot(snap);
    for (i = 0; i < neg_stat_n_tags; i++) {
        if (strcmp(neg_stat_tags[i].tag, "NEG0304") == 0) {
            CHECK(snap->refusals[i] == 2, "NEG0304 counted twice");
            found++;
        }
        if (strcmp(neg_stat_tags[i].tag, "NEG0705") == 0)
            CHECK(snap->refusals[i] == 1, "NEG0705 counted once");
    }
    CHECK(found == 1, "NEG0304 is in the table once");
    CHECK(snap->refusals[neg_stat_n_tags] == 1, "an unknown tag counts as other");
    CHECK(snap->logons[NEG_SMECH_NTLM][NEG_SOUT_REFUSED] == 2,
          "NEG0304 refuses an NTLM logon");
    CHECK(snap->logons[NEG_SMECH_KERBEROS][NEG_SOUT_REFUSED] == 1,
          "NEG0203 refuses a Kerberos logon");
    CHECK(snap->logons[NEG_SMECH_NONE][NEG_SOUT_REFUSED] == 1,
          "an unknown tag refuses no mechanism in particular");
    CHECK(neg_status_tag_mech("NEG0502") == NEG_SMECH_BASIC, "NEG0502 is Basic's");
}

static void test_histogram(neg_status_block *snap)
{
    neg_status_latency(NEG_HIST_KRB5_ACCEPT, 100);      /* <= 100 us: bucket 0 */
    neg_status_latency(NEG_HIST_KRB5_ACCEPT, 101);      /* bucket 1 (250) */
    neg_status_latency(NEG_HIST_KRB5_ACCEPT, 60000000); /* past the last: +Inf */
    neg_status_snapshot(snap);
    CHECK(snap->hist[NEG_HIST_KRB5_ACCEPT][0] == 1, "100 us in the first bucket");
    CHECK(snap->hist[NEG_HIST_KRB5_ACCEPT][1] == 1, "101 us in the second");
    CHECK(snap->hist[NEG_HIST_KRB5_ACCEPT][NEG_STAT_BUCKETS] == 1, "60 s in +Inf");
    CHECK(snap->hist_sum_us[NEG_HIST_KRB5_ACCEPT] == 60000201, "the sum of the times");
}

static void test_winbind_and_keytabs(neg_status_block *snap)
{
    int i, n = 0;

    neg_status_wb_call(NEG_SWB_UNAVAILABLE, 10);
    neg_status_keytab_load("FILE:/etc/a.keytab", 1, 5);
    neg_status_keytab_load("FILE:/etc/a.keytab", 0, 7);
    neg_status_keytab_load("FILE:/etc/b.keytab", 1, 9);
    neg_status_snapshot(snap);
    CHECK(snap->wb_calls[NEG_SWB_UNAVAILABLE] == 1, "an unavailable winbind call");
    CHECK(snap->wb_last == NEG_SWB_UNAVAILABLE + 1, "winbind's state: unavailable");
    CHECK(snap->hist[NEG_HIST_WINBIND][0] == 1, "its latency");
    for (i = 0; i < NEG_STAT_KEYTABS; i++) {
        if (snap->keytabs[i].state != 2)
            continue;
        n++;
        if (strcmp(snap->keytabs[i].name, "FILE:/etc/a.keytab") == 0)
            CHECK(snap->keytabs[i].loads == 1 && snap->keytabs[i].failures == 1
                  && snap->keytabs[i].last_load_us == 5
                  && snap->keytabs[i].last_failure_us == 7,
                  "a keytab: one load, one failure, their times");
    }
    CHECK(n == 2, "two keytabs, one slot each");
}

int main(void)
{
    neg_status_block *b = shared_block(), snap;
    pid_t pid;
    int status = 1;

    CHECK(b != NULL, "a shared block");
    if (b == NULL)
        return check_summary();
    neg_status_reset(b, 1);
    neg_status_attach(b);
    /* another process (an httpd child) counts into the same block */
    pid = fork();
    if (pid == 0) {
        neg_status_logon(NEG_SMECH_KERBEROS, NEG_SOUT_GRANTED);
        neg_status_add(NEG_STAT_WB_BUSY_THREADS, 1);
        neg_status_add(NEG_STAT_WB_BUSY_THREADS, -1);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    neg_status_logon(NEG_SMECH_KERBEROS, NEG_SOUT_GRANTED);
    neg_status_snapshot(&snap);
    CHECK(snap.magic == NEG_STATUS_MAGIC && snap.since_us == 1, "the block's header");
    CHECK(snap.logons[NEG_SMECH_KERBEROS][NEG_SOUT_GRANTED] == 2,
          "two processes' logons summed");
    CHECK(snap.stat[NEG_STAT_WB_BUSY_THREADS] == 0, "a gauge up and down again");
    test_refusals(&snap);
    test_histogram(&snap);
    test_winbind_and_keytabs(&snap);
    /* detached: this process's own block again, the shared one untouched */
    neg_status_attach(NULL);
    neg_status_logon(NEG_SMECH_BASIC, NEG_SOUT_GRANTED);
    CHECK(b->logons[NEG_SMECH_BASIC][NEG_SOUT_GRANTED] == 0,
          "detached: counts go to the process's own block");
    return check_summary();
}
