/*
 * ntlm_auth.h - the NTLM mechanism (mech.h's neg_ntlm_ops): the server's
 * side of MS-NLMP 3.2.5 on one connection: NEGOTIATE in, CHALLENGE out;
 * AUTHENTICATE in, its checks (ntlm.c), Extended Protection, the domain's
 * verdict (winbind.c) and the MIC, an identity out, with the key that
 * signs SPNEGO's mechListMICs. The framing is negotiation.c's.
 */
#ifndef NEG_NTLM_AUTH_H
#define NEG_NTLM_AUTH_H

#include "mech.h"

#endif
