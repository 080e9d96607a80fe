/*
 * test_wb_slots.c - what httpd's children share about winbind connections
 * (src/domain/wb_slots.c): the budget of open connections holds across processes
 * that race for it, the slots of a process that is gone come back, a
 * process gives back its own only; connect slots are leases.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "wb_slots.h"

#define MS 1000000ULL

static void test_budget_local(void)
{
    pid_t me = getpid();
    int i, got = 0, a;

    neg_wb_budget_set(5);
    for (i = 0; i < 8; i++)
        got += neg_wb_budget_take(me) >= 0;
    CHECK(got == 5 && neg_wb_budget_in_use(1) == 5, "a budget of 5: 5 slots, no more");
    neg_wb_budget_give(2, me);
    CHECK(neg_wb_budget_in_use(1) == 4, "one given back");
    a = neg_wb_budget_take(me);
    CHECK(a == 2, "and taken again");
    neg_wb_budget_give(a, me + 1);
    CHECK(neg_wb_budget_in_use(0) == 5, "another process cannot give back my slot");
    CHECK(neg_wb_budget_reclaim() == 0, "mine are not taken back: I am alive");
    for (i = 0; i < 5; i++)
        neg_wb_budget_give(i, me);
    CHECK(neg_wb_budget_in_use(0) == 0, "all given back");
    neg_wb_budget_set(0);
    CHECK(neg_wb_budget() == 5, "a budget of 0 is refused");
}

/* 8 processes, each wanting 10 connections, a budget of 32: exactly 32
 * are held, whatever the interleaving. Each child holds its slots until
 * the parent lets it go, and exits with how many it got. */
static void test_budget_shared(void)
{
    pid_t kids[8];
    int pipe_go[2], i, total = 0, st, in_use, reclaimed;

    CHECK(neg_wb_slots_share(), "shared block mapped");
    neg_wb_budget_set(32);
    if (pipe(pipe_go) != 0)
        return;
    for (i = 0; i < 8; i++) {
        if ((kids[i] = fork()) == 0) {
            int k, n = 0;
            char c;

            for (k = 0; k < 10; k++)
                n += neg_wb_budget_take(getpid()) >= 0;
            close(pipe_go[1]);
            if (read(pipe_go[0], &c, 1) < 0)
                n = 0;
            _exit(n);
        }
    }
    close(pipe_go[0]);
    for (i = 0; i < 200 && neg_wb_budget_in_use(1) < 32; i++)
        usleep(10000);
    in_use = neg_wb_budget_in_use(1);
    CHECK(in_use == 32, "8 processes racing for 10 each: 32 held, the budget");
    CHECK(neg_wb_budget_take(getpid()) < 0, "none left for the parent");
    CHECK(neg_wb_budget_reclaim() == 0, "every holder alive: nothing reclaimed");
    close(pipe_go[1]);          /* let them exit */
    for (i = 0; i < 8; i++) {
        waitpid(kids[i], &st, 0);
        total += WIFEXITED(st) ? WEXITSTATUS(st) : 0;
    }
    CHECK(total == 32, "the children counted 32 between them");
    CHECK(neg_wb_budget_in_use(0) == 32, "their slots outlive them (they did not give them back)");
    CHECK(neg_wb_budget_in_use(1) == 0, "none held by a process still there");
    reclaimed = neg_wb_budget_reclaim();
    CHECK(reclaimed == 32 && neg_wb_budget_in_use(0) == 0, "the slots of processes gone come back");
    neg_wb_slots_unshare();
}

static void test_connect_leases(void)
{
    uint64_t stamp[5] = { 0 }, late = 0;
    int i, got = 0, s;

    for (i = 0; i < 5; i++)
        got += neg_wb_connect_take(1000 * MS, 250 * MS, &stamp[i]) >= 0;
    CHECK(got == 4, "4 connect slots");
    CHECK(neg_wb_connect_take(1100 * MS, 250 * MS, &late) < 0, "taken: none within the lease");
    CHECK(neg_wb_connect_take(999 * MS, 250 * MS, &late) < 0,
          "a stamp later than the caller's clock is no expired lease");
    s = neg_wb_connect_take(1251 * MS, 250 * MS, &late);
    CHECK(s >= 0, "a lease that ran out can be taken over");
    /* (a longer lease from here on: the other three stay taken) */
    neg_wb_connect_give(s, stamp[0]);
    CHECK(neg_wb_connect_take(1252 * MS, 1000 * MS, &stamp[4]) < 0,
          "the old holder's give does not free the new holder's slot");
    neg_wb_connect_give(s, late);
    CHECK(neg_wb_connect_take(1253 * MS, 1000 * MS, &stamp[4]) == s, "the new holder's does");
}

static void test_pressure(void)
{
    CHECK(!neg_wb_budget_pressed(5000 * MS, 100 * MS), "nobody waited: no pressure");
    neg_wb_budget_wanted(5000 * MS);
    CHECK(neg_wb_budget_pressed(5050 * MS, 100 * MS), "a call waited 50 ms ago");
    CHECK(neg_wb_budget_pressed(4990 * MS, 100 * MS), "or at a later time than the caller's clock");
    CHECK(!neg_wb_budget_pressed(5200 * MS, 100 * MS), "200 ms ago: over");
}

int main(void)
{
    test_budget_local();
    test_budget_shared();
    test_connect_leases();
    test_pressure();
    return check_summary();
}
