/*
 * pac.h - the Kerberos PAC (MS-PAC): who the KDC says the user is.
 *
 * Pure decoder over bytes (no httpd/APR types, no allocation): it reads
 * the PACTYPE header, the LOGON_INFO buffer (an NDR-serialised
 * KERB_VALIDATION_INFO, MS-PAC 2.5) and the UPN_DNS_INFO buffer (2.10).
 * Signatures are not checked here: Heimdal's acceptor verified the
 * server checksum when it accepted the ticket.
 */
#ifndef NEG_PAC_H
#define NEG_PAC_H

#include <stddef.h>
#include <stdint.h>

#include "sid.h"       /* neg_sid */

/* More SIDs than this: refuse. Windows builds no access token with more
 * than 1,015 groups, but AD issues PACs with more (for Linux and web
 * servers), at 8 bytes per domain group; 4,096 fits in the 65,536-byte
 * NegotiateMaxTokenSize default with room to spare for the rest of the
 * ticket. sids[] is 68 bytes a SID (278 KB in all), allocated once per
 * thread and touched only as far as it is filled. */
#define NEG_PAC_MAX_SIDS 4096
/* The open-addressing index that finds duplicates: a power of two at
 * least twice NEG_PAC_MAX_SIDS, so that probes stay short. */
#define NEG_PAC_SID_INDEX (2 * NEG_PAC_MAX_SIDS)

typedef struct {
    const unsigned char *data;      /* UTF-16LE, inside the caller's buffer */
    size_t len;                     /* bytes */
} neg_utf16;

typedef struct {
    /* LOGON_INFO */
    neg_utf16 effective_name;       /* sAMAccountName, directory case */
    neg_utf16 logon_domain_name;    /* NetBIOS domain: EXAMPLE */
    neg_sid logon_domain_sid;       /* S-1-5-21-a-b-c */
    uint32_t user_rid;
    uint32_t primary_group_rid;
    uint32_t user_flags;            /* LOGON_EXTRA_SIDS 0x20, LOGON_RESOURCE_GROUPS 0x200 */
    uint32_t user_account_control;  /* [MS-SAMR] 2.2.1.12 USER_* bits */
    /* Every SID the logon carries, the user's first, then the primary
     * group, the GroupIds (domain SID + RID), ExtraSids, and resource
     * groups (resource domain SID + RID); duplicates removed. */
    neg_sid sids[NEG_PAC_MAX_SIDS];
    size_t n_sids;
    /* Decoder's scratch: 1 + the index into sids[] of each SID listed,
     * by hash; only the first index_size slots are used (and cleared),
     * sized for the SIDs the PAC's counts announce. */
    uint16_t sid_index[NEG_PAC_SID_INDEX];
    size_t index_size;
    /* UPN_DNS_INFO, when present (len 0 otherwise) */
    neg_utf16 upn;                  /* alice@example.test */
    neg_utf16 dns_domain;           /* EXAMPLE.TEST or example.test */
    int has_logon_info;
} neg_pac;

/* UserAccountControl bits of computer and trust accounts. */
#define NEG_UAC_INTERDOMAIN_TRUST_ACCOUNT 0x00000040u
#define NEG_UAC_WORKSTATION_TRUST_ACCOUNT 0x00000080u
#define NEG_UAC_SERVER_TRUST_ACCOUNT      0x00000100u
#define NEG_UAC_MACHINE (NEG_UAC_INTERDOMAIN_TRUST_ACCOUNT \
                         | NEG_UAC_WORKSTATION_TRUST_ACCOUNT \
                         | NEG_UAC_SERVER_TRUST_ACCOUNT)

typedef enum {
    NEG_PAC_OK = 0,
    NEG_PAC_TRUNCATED,              /* a length or offset points outside */
    NEG_PAC_MALFORMED,              /* bad version, counts, NDR header, pointers */
    NEG_PAC_NO_LOGON_INFO,          /* no LOGON_INFO buffer */
    NEG_PAC_TOO_MANY_SIDS
} neg_pac_result;

/* Decode a PAC (the AD-WIN2K-PAC authorization data, ad-type 128). The
 * output is large (about 300 KB): allocate it, don't put it on a stack. */
neg_pac_result neg_pac_decode(const unsigned char *buf, size_t len, neg_pac *out);

const char *neg_pac_result_str(neg_pac_result r);

#endif
