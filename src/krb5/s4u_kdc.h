/*
 * s4u_kdc.h - the KDC as delegation needs it (s4u_kdc.c), private to
 * s4u.c: a bounded context, the service account's TGT, the refusals'
 * words.
 */
#ifndef NEG_S4U_KDC_H
#define NEG_S4U_KDC_H

#include <krb5.h>

#include "apr_pools.h"

#include "s4u.h"

/* A library message with its code, in p. */
const char *neg_s4u_message(apr_pool_t *p, krb5_context kctx, krb5_error_code code);

/* No KDC answered (in time). */
int neg_s4u_is_timeout(krb5_error_code code);

/* A krb5 context whose KDC exchanges end within timeout_s (Heimdal's
 * kdc_timeout, from a configuration file in memory read before the
 * usual ones, so that it wins over krb5.conf). */
krb5_error_code neg_s4u_new_context(int timeout_s, krb5_context *kctx);

/* The keytab's name and its file's version (device, inode, size, times):
 * a keytab rewritten is another keytab. */
const char *neg_s4u_keytab_id(apr_pool_t *p, krb5_context kctx, const char *keytab);

/* Copy the account's TGT (got or renewed first if need be, once per
 * process, and again once the keytab's file changed) into cc, a ccache
 * of this request's; *account is the
 * principal whose TGT it is. NULL, or what went wrong (*failed: the
 * code). */
const char *neg_s4u_service_tgt(apr_pool_t *p, krb5_context kctx,
                                const neg_s4u_request *req, krb5_ccache cc,
                                const char **account, krb5_error_code *failed);

/* Why the KDC refused the ticket as req->user for spn (code), and the AD
 * or Samba setting that fixes it. */
const char *neg_s4u_proxy_refused(apr_pool_t *p, krb5_context kctx,
                                  const neg_s4u_request *req, const char *account,
                                  const char *spn, krb5_error_code code);

#endif
