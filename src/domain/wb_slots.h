/*
 * wb_slots.h - what httpd's children share about their connections to
 * winbindd, in one small block of memory:
 *
 *  - connect slots: connections are opened a few at a time (winbindd
 *    listens with a backlog of 5, and libwbclient sleeps 1-3 s before it
 *    retries a refused connect). A slot is a lease stamped with the time
 *    it was taken (CLOCK_MONOTONIC, one clock for every process): a holder
 *    that died or hangs loses it.
 *  - the connection budget: at most neg_wb_budget() connections open at
 *    once across all children. winbindd serves at most "winbind max
 *    clients" (200 by default) and, past that, drops its idle clients,
 *    other programs' (sshd, PAM, file serving) included. Each open
 *    connection holds a slot that names its process; the slots of a
 *    process that is gone can be taken back.
 *
 * Shared by every process forked after neg_wb_slots_share() (in httpd's
 * parent); until then each process has a block of its own. Each call is
 * one try, without waiting: the waiting is the caller's. No libwbclient,
 * no httpd.
 */
#ifndef NEG_WB_SLOTS_H
#define NEG_WB_SLOTS_H

#include <stdint.h>
#include <sys/types.h>

#define NEG_WB_CONNECT_SLOTS 4
#define NEG_WB_BUDGET_MAX 1024
#define NEG_WB_BUDGET_DEFAULT 64

/* Map the block shared by the processes forked from now on (1), or keep
 * each process's own (0: no shared memory). Unshare when the configuration
 * that made it goes away. */
int neg_wb_slots_share(void);
void neg_wb_slots_unshare(void);

/* A free connect slot, or one whose lease (lease_ns) ran out, stamped
 * now_ns (>0): its index, else -1. Give it back with the same stamp: a
 * slot taken over after its lease ran out stays the new holder's. */
int neg_wb_connect_take(uint64_t now_ns, uint64_t lease_ns, uint64_t *stamp);
void neg_wb_connect_give(int slot, uint64_t stamp);

/* The budget of open connections, 1 ... NEG_WB_BUDGET_MAX (the block's
 * first n slots count). */
void neg_wb_budget_set(int n);
int neg_wb_budget(void);

/* A free budget slot for process `me`: its index, else -1. */
int neg_wb_budget_take(pid_t me);
void neg_wb_budget_give(int slot, pid_t me);
/* Free the slots of processes that are gone; how many. A process does not
 * give back its slots as it exits: its connections stay open until it is
 * gone (under ASan, whose exit takes long, another child connected
 * meanwhile: 65 connections for a budget of 64). */
int neg_wb_budget_reclaim(void);
/* Slots held now; alive_only: by processes still there. */
int neg_wb_budget_in_use(int alive_only);

/* A call waits for a budget slot (now_ns); has one waited within the last
 * window_ns? Then a holder should close its connection after its call. */
void neg_wb_budget_wanted(uint64_t now_ns);
int neg_wb_budget_pressed(uint64_t now_ns, uint64_t window_ns);

#endif
