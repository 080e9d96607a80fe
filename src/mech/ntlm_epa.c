/*
 * ntlm_epa.c - Extended Protection for NTLM (MS-NLMP 3.2.5.1.2): the
 * service and the channel an NTLMv2 response says it was made for, checked
 * against this server's names and this connection's TLS channel before
 * the domain controller sees the response.
 */
#include "ntlm_epa.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_fnmatch.h"
#include "apr_strings.h"

#include "secret.h"

#define NAME_MAX_UTF8 (3 * 256 + 1)

/* Is host[:port], from the client's MsvAvTargetName, one of this server's
 * names? ServerName, ServerAlias (with wildcards), the hosts of
 * NegotiateServicePrincipal; the port, when given, is the connection's. */
static int names_this_server(const neg_logon_ctx *ctx, const char *host, const char *port)
{
    const apr_array_header_t *spns = ctx->conf->principals;
    int i;

    if (port != NULL && (unsigned)atoi(port) != ctx->port)
        return 0;
    for (i = 0; ctx->names != NULL && i < ctx->names->nelts; i++) {
        if (apr_fnmatch(APR_ARRAY_IDX(ctx->names, i, const char *), host,
                        APR_FNM_CASE_BLIND) == APR_SUCCESS)
            return 1;
    }
    for (i = 0; spns != NULL && i < spns->nelts; i++) {
        const char *spn = APR_ARRAY_IDX(spns, i, const char *), *slash = strchr(spn, '/');
        size_t n = slash ? strcspn(slash + 1, "@") : 0;

        if (slash != NULL && strlen(host) == n && strncasecmp(slash + 1, host, n) == 0)
            return 1;
    }
    return 0;
}

/* Service binding ([MS-NLMP] 2.2.2.1 MsvAvTargetName, 3.2.5.1.2): the
 * SPN the client meant, HTTP/host[:port], must name this server. NULL when
 * it does (or there is none), else why not. */
static const char *wrong_service(apr_pool_t *p, const neg_logon_ctx *ctx,
                                 const ntlm_v2_response *v2)
{
    char spn[NAME_MAX_UTF8], *host, *port;

    if (v2->target_name.len == 0)
        return NULL;
    if (ntlm_name_to_utf8(&v2->target_name, 1, spn, sizeof(spn)) == (size_t)-1)
        return "its MsvAvTargetName is not a valid name";
    host = strchr(spn, '/');
    if (host != NULL && (size_t)(host - spn) == 4 && strncasecmp(spn, "HTTP", 4) == 0) {
        host = apr_pstrdup(p, host + 1);
        if ((port = strchr(host, ':')) != NULL)
            *port++ = '\0';
        if (names_this_server(ctx, host, port))
            return NULL;
    }
    return apr_psprintf(p, "service binding: it was meant for the service %s, "
                        "not this server (%s, port %u): a response relayed "
                        "from another service; if the server is known by that "
                        "name, add it as a ServerAlias or to "
                        "NegotiateServicePrincipal", spn,
                        ctx->server_name ? ctx->server_name : "?", ctx->port);
}

static int all_zero(const unsigned char *b, size_t n)
{
    unsigned char acc = 0;

    while (n--)
        acc |= *b++;
    return acc == 0;
}

/* Channel binding ([MS-NLMP] 2.2.2.1 MsvAvChannelBindings): the MD5 of the
 * gss_channel_bindings_struct with this connection's tls-server-end-point.
 * The domain controller verifies the NTProofStr over the whole blob but
 * never compares this value with anything: only this check catches a
 * response made for another TLS channel, i.e. relayed. */
static const char *wrong_channel(apr_pool_t *p, const neg_logon_ctx *ctx,
                                 const ntlm_v2_response *v2)
{
    const unsigned char *cb = v2 != NULL ? v2->channel_bindings : NULL;
    char got[17], want[17];

    if (!ctx->tls) {
        /* no channel to bind to: a binding to one means the response was
         * made for an HTTPS connection and arrived on plain HTTP */
        if (cb == NULL || all_zero(cb, 16))
            return NULL;
        neg_cbt_hash_prefix(cb, 16, got);
        return apr_psprintf(p, "channel binding: it is bound to a TLS channel "
                            "(MsvAvChannelBindings %s...) but arrived on plain "
                            "HTTP: a response relayed from an HTTPS connection",
                            got);
    }
    if (ctx->binding == NULL)
        return apr_psprintf(p, "channel binding: this connection's own "
                            "binding cannot be had (%s): check the server "
                            "certificate, or set NegotiateExtendedProtection "
                            "Off", ctx->binding_error ? ctx->binding_error : "?");
    if (cb == NULL || all_zero(cb, 16)) {
        if (ctx->epa != NEG_EPA_REQUIRE)
            return NULL;        /* Allow: clients that do not bind pass */
        return apr_psprintf(p, "channel binding: it carries none (%s), and "
                            "NegotiateExtendedProtection Require wants one: "
                            "the client does not do Extended Protection (curl "
                            "does not; browsers do); use Allow where such "
                            "clients must sign in",
                            cb ? "16 zero bytes" : v2 != NULL ? "no MsvAvChannelBindings"
                                                            : "an NTLMv1 response");
    }
    if (neg_ct_equal(cb, ctx->binding->ntlm, 16))
        return NULL;
    neg_cbt_hash_prefix(cb, 16, got);
    neg_cbt_hash_prefix(ctx->binding->ntlm, 16, want);
    return apr_psprintf(p, "channel binding: it is bound to another TLS channel "
                        "(MsvAvChannelBindings %s..., this connection's %s... "
                        "from the %s of this server's certificate): a response "
                        "made for another server, i.e. relayed; or a "
                        "TLS-terminating proxy in front of httpd presents its "
                        "own certificate (then set NegotiateExtendedProtection "
                        "Off there)", got, want, ctx->binding->hash_name);
}

const char *neg_ntlm_unbound(apr_pool_t *p, const neg_logon_ctx *ctx,
                             const ntlm_v2_response *v2)
{
    const char *why;

    if (ctx->epa == NEG_EPA_OFF)
        return NULL;
    if ((why = wrong_channel(p, ctx, v2)) == NULL)
        why = v2 != NULL ? wrong_service(p, ctx, v2) : NULL;
    return why;
}

neg_binding neg_ntlm_binding(const neg_logon_ctx *ctx, const ntlm_v2_response *v2)
{
    const unsigned char *cb = v2 != NULL ? v2->channel_bindings : NULL;

    return ctx->tls && cb != NULL && !all_zero(cb, 16) ? NEG_BIND_BOUND
                                                       : NEG_BIND_UNBOUND;
}
