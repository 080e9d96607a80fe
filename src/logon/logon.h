/*
 * logon.h - one request's logon, whatever the mechanism: the Authorization
 * header in, a verdict out (verdict.h).
 *
 *   header.c -> (scheme, bytes) -> logon.c -> negotiation.c (framing:
 *     raw or SPNEGO) -> a mechanism behind mech.h's ops table (krb5_auth.c,
 *     ntlm_auth.c, basic_auth.c) -> verdict
 *
 * The glue fills a neg_logon_ctx from the request and turns the verdict
 * into httpd's answer; it never decides what a token or a connection's
 * identity is worth. Connection state is only ever touched through
 * ctx->conn, which the glue leaves NULL on HTTP/2 streams: concurrent
 * streams of one connection are not one client, so nothing is bound to
 * (or reused from) an HTTP/2 connection. Pure of httpd types, so that the
 * dispatcher and SPNEGO can be tested with mechanisms stubbed.
 */
#ifndef NEG_LOGON_H
#define NEG_LOGON_H


#include "logon_ctx.h"
#include "verdict.h"

/* The logon of a request with this Authorization header (NULL: none). On
 * GRANT, v->user is REMOTE_USER in the location's format. */
void neg_logon(const neg_logon_ctx *ctx, const char *authorization,
               neg_verdict *v);

/* An identity proved before: an internal redirect's or subrequest's
 * first request's (NEG_VIA_REQUEST), a session's (NEG_VIA_SESSION). GRANT
 * it here and return NULL if this location admits it; else return why not
 * (the verdict is then a REFUSE: NEG0107 for NEG_VIA_REQUEST, a plain
 * challenge otherwise). */
const char *neg_logon_reuse(const neg_logon_ctx *ctx, const neg_identity *id,
                            neg_via via, neg_verdict *v);

#endif
