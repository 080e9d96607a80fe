/*
 * krb5_auth.h - the Kerberos mechanism (mech.h's neg_krb5_ops): one AP-REQ
 * in, accepted by the acceptor (kerberos.c) under the location's Extended
 * Protection, checked against the replay cache (replay.c), and the
 * identity from its PAC (identity.c) out, with the AP-REP for mutual
 * authentication. The framing of its tokens is negotiation.c's.
 */
#ifndef NEG_KRB5_AUTH_H
#define NEG_KRB5_AUTH_H

#include "mech.h"

#endif
