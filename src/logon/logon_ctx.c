/*
 * logon_ctx.c - what a mechanism or SPNEGO may ask of the request it
 * serves (logon_ctx.h).
 */
#include "logon_ctx.h"

#include <string.h>

#include "apr_strings.h"

/* How long the failure guard waits for winbind's names (not cached yet). */
#define GUARD_NAMES_MS 100

int neg_logon_budget_ms(const neg_logon_ctx *ctx)
{
    apr_time_t left = ctx->deadline - apr_time_now();

    return left <= 0 ? 0 : (int)apr_time_as_msec(left);
}

const char *neg_logon_admits(const neg_logon_ctx *ctx, const neg_identity *id,
                             neg_via via)
{
    neg_place here;

    here.conf = ctx->conf;
    here.tls = ctx->tls;
    here.proxy = ctx->proxy;
    here.epa = ctx->epa;
    here.now = apr_time_now();
    here.session_crypto = ctx->session_crypto;
    return neg_policy_admits(ctx->pool, &here, id, via);
}

void neg_logon_stamp(const neg_logon_ctx *ctx, neg_identity *id, neg_binding binding)
{
    id->tls = ctx->tls;
    id->proxy = ctx->proxy;
    id->binding = ctx->epa == NEG_EPA_OFF ? NEG_BIND_UNCHECKED : binding;
    id->proved_at = apr_time_now();
    id->where = ctx->where;
}

neg_fail_decision neg_logon_guard(const neg_logon_ctx *ctx, const char *account,
                                  const char *domain, neg_fail_ticket *t)
{
    neg_wb_names names;
    char detail[160];
    int known, budget;

    memset(t, 0, sizeof(*t));
    if (neg_failure_limit_count() <= 0)
        return NEG_FAIL_GO;
    /* one spelling for every path: "alice@example.test" with no domain
     * (NTLM sends it so) is alice of example.test, as Basic splits it */
    if ((domain == NULL || *domain == '\0') && strrchr(account, '@') != NULL) {
        const char *at = strrchr(account, '@');

        domain = at + 1;
        account = apr_pstrndup(ctx->pool, account, (apr_size_t)(at - account));
    }
    /* winbind's own names spell the user one way; asked briefly (they
     * are cached once known, a late answer too): a guard that waited the
     * whole budget on a hung winbindd would hold a worker outside the
     * client's share of winbind */
    budget = neg_logon_budget_ms(ctx);
    known = neg_wb_names_get(budget < GUARD_NAMES_MS ? budget : GUARD_NAMES_MS,
                             &names, detail, sizeof(detail)) == NEG_WB_OK;
    return neg_failure_limit_begin(account, domain, known ? names.netbios_domain : NULL,
                                   known ? names.dns_domain : NULL, ctx->client,
                                   apr_time_now(), t);
}

/* The attempt's place goes back only when the domain cannot have counted
 * a failed logon: it succeeded, or the call never left this process. A
 * call that timed out may still have reached the domain controller (an
 * abandoned call runs on), and an error says nothing: both keep it. */
void neg_logon_guard_end(neg_fail_ticket *t, neg_wb_status st, int guest)
{
    if ((st == NEG_WB_OK && !guest) || st == NEG_WB_CLIENT_BUSY
        || st == NEG_WB_BUSY || st == NEG_WB_NO_CONNECTION)
        neg_failure_limit_passed(t);
}
