/*
 * request_state.h - what a request this module authenticated keeps, for
 * the authorization providers (authz.c): its identity (in the request's
 * pool, never the connection's) and its budget for winbind calls, which
 * they spend too. The glue keeps it in the request's configuration.
 */
#ifndef NEG_REQUEST_STATE_H
#define NEG_REQUEST_STATE_H

#include "httpd.h"

#include "identity.h"

typedef struct {
    const neg_identity *id;
    const char *user;           /* REMOTE_USER as the module set it */
    apr_time_t deadline;
} neg_request_state;

/* The logon this module made for r, or NULL when it made none. */
const neg_request_state *neg_request_state_of(const request_rec *r);

#endif
