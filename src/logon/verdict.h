/*
 * verdict.h - what a logon step decided, for the httpd glue to turn into
 * an answer: a status, WWW-Authenticate headers, log lines and a request
 * note. The logon units (krb5_auth.c, ntlm_auth.c, basic_auth.c) never
 * answer the client or log by themselves: each fills one of these, and the
 * glue alone speaks httpd.
 */
#ifndef NEG_VERDICT_H
#define NEG_VERDICT_H

#include <stddef.h>

#include "apr_pools.h"

#include "header.h"
#include "identity.h"

typedef enum {
    NEG_REFUSE = 0,         /* 401 with a fresh challenge */
    NEG_CONTINUE,           /* 401 carrying the next token of a handshake */
    NEG_GRANT               /* the person is known: the request goes on */
} neg_outcome;

typedef enum {
    NEG_LOG_DEBUG = 0,
    NEG_LOG_INFO,
    NEG_LOG_WARNING,
    NEG_LOG_ERROR
} neg_log_level;

typedef struct {
    neg_log_level level;
    const char *tag;                /* "NEG0203" */
    const char *text;               /* what happened and what to do */
} neg_log_line;

#define NEG_VERDICT_MAX_LINES 3

typedef struct {
    neg_outcome outcome;
    /* REFUSE: the tag of the refusal (the request note negotiate-error),
     * NULL for a plain challenge to a request without credentials */
    const char *tag;
    /* a token for WWW-Authenticate: CONTINUE's next leg, or GRANT's
     * mutual-authentication token (none when token_len is 0) */
    neg_scheme scheme;
    const unsigned char *token;
    size_t token_len;
    /* GRANT: the identity (in the request pool) and REMOTE_USER */
    neg_identity *id;
    const char *user;
    neg_log_line lines[NEG_VERDICT_MAX_LINES];
    int n_lines;
    /* REFUSE: the mechanism cannot run on this HTTP/2 stream; the client is
     * to retry over HTTP/1.1 (RFC 7540 HTTP_1_1_REQUIRED) */
    int http11_required;
} neg_verdict;

void neg_verdict_init(neg_verdict *v);

/* Add a log line (at most NEG_VERDICT_MAX_LINES are kept). */
void neg_verdict_log(neg_verdict *v, neg_log_level level, const char *tag,
                     const char *text);

/* REFUSE, with one error line. */
void neg_verdict_refuse(neg_verdict *v, const char *tag, const char *text);

/* The token that goes back in WWW-Authenticate. */
void neg_verdict_reply(neg_verdict *v, neg_scheme scheme,
                       const unsigned char *token, size_t len);

/* GRANT this identity (REMOTE_USER is filled in by neg_logon). */
void neg_verdict_grant(neg_verdict *v, neg_identity *id);

#endif
