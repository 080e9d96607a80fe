/*
 * principal.h - where a name ends and its realm begins in "name@REALM",
 * for every place that splits one: Kerberos principals, and the
 * user@domain a person types (Basic, the doctor's --user).
 */
#ifndef NEG_PRINCIPAL_H
#define NEG_PRINCIPAL_H

#include <string.h>

/* The '@' before the realm, or NULL: the last one. A name may hold '@'
 * (an enterprise principal, alice@example.com@EXAMPLE.TEST; Heimdal's
 * gss_display_name writes names unescaped), and the escaped form of
 * krb5_unparse_name (keytabs) writes it "\@", part of the name either
 * way; realms hold none. */
static inline const char *neg_principal_at(const char *principal)
{
    return strrchr(principal, '@');
}

#endif
