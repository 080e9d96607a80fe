/*
 * pac_logon_info.h - the PAC's LOGON_INFO buffer ([MS-PAC] 2.5), for
 * pac.c (private to src/wire; pac.h is the interface).
 */
#ifndef NEG_PAC_LOGON_INFO_H
#define NEG_PAC_LOGON_INFO_H

#include <stddef.h>

#include "pac.h"

/* Decode the LOGON_INFO buffer of len bytes at p (the type serialization
 * headers, the top-level pointer, KERB_VALIDATION_INFO) into out: the
 * names, the logon domain's SID, the RIDs and flags, and every SID the
 * logon carries, duplicates removed (out's sids[] and n_sids). A sticky
 * error: the first failure is the result. */
neg_pac_result neg_pac_decode_logon_info(const unsigned char *p, size_t len,
                                         neg_pac *out);

#endif
