/*
 * basic_auth.h - one Basic logon (RFC 7617): the credentials in, the
 * domain's verdict through winbind out. Every Basic request carries its
 * credentials and is checked on its own: unlike NTLM, nothing is bound to
 * the connection (a proxy may reuse one back-end connection for several
 * users). The verification is cached for a minute per connection, under a
 * MAC of the credentials, so a page's many requests cost the domain one.
 */
#ifndef NEG_BASIC_AUTH_H
#define NEG_BASIC_AUTH_H

#include "mech.h"

/* How long a connection remembers that Basic credentials were verified. */
#define NEG_BASIC_CACHE_SECONDS 60

#endif
