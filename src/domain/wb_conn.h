/*
 * wb_conn.h - a pool thread's connection to winbindd (private to
 * src/domain). Opened when a job needs it, within the connections httpd's
 * children may hold together and a few at a time (wb_slots.h); closed
 * when idle, or after its call while other calls wait for the budget.
 */
#ifndef NEG_WB_CONN_H
#define NEG_WB_CONN_H

#include <stdint.h>

#include "wb_job.h"

/* A pool thread's connection to winbindd, as far as we can tell from the
 * results of its calls (libwbclient does not say when it reconnects). */
typedef struct {
    struct wbcContext *ctx;
    int healthy;            /* the last call reached winbindd */
    int privileged;         /* ... through the privileged pipe */
    uint64_t last_used_ns;
    int slot;               /* its slot of the connection budget, -1 none */
} wb_conn;

/* Run one job on the thread's connection (opening it if need be): 1 if
 * it ran, -1 if the connection could not be opened (the job holds the
 * error), 0 if it was not run because its caller gave it up meanwhile.
 * The pool then finishes the job (or drops it, for 0). */
int neg_wb_conn_serve(wb_conn *c, wb_job *job);

/* After a call that ran: while calls wait for a budget slot, the
 * connection is closed. */
void neg_wb_conn_relieve(wb_conn *c);

/* Close the connection and give back its budget slot. */
void neg_wb_conn_close(wb_conn *c);

#endif
