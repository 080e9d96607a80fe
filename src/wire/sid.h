/*
 * sid.h - a security identifier (SID, [MS-DTYP] 2.4.2): its binary form as
 * the PAC and winbind give it, its string form ("S-1-5-21-1-2-3-1104")
 * both ways, equality and a hash. Pure functions, no allocation.
 */
#ifndef NEG_SID_H
#define NEG_SID_H

#include <stddef.h>
#include <stdint.h>

#define NEG_SID_REVISION    1
#define NEG_SID_SUB_MAX     15      /* sub-authorities */
#define NEG_SID_AUTH_LEN    6       /* IdentifierAuthority: 48 bits, big-endian */
#define NEG_SID_STRING_MAX 192      /* "S-1-5-21-..." with up to 15 sub-authorities */

typedef struct {
    uint8_t revision;
    uint8_t count;                  /* sub-authority count, at most 15 */
    uint8_t authority[NEG_SID_AUTH_LEN];
    uint32_t sub[NEG_SID_SUB_MAX];
} neg_sid;

/* "S-1-5-21-1-2-3-1104"; returns the length, 0 if it does not fit. */
size_t neg_sid_to_string(const neg_sid *sid, char *out, size_t cap);

/* Parse the string form back; 1 on success. */
int neg_sid_from_string(const char *s, neg_sid *out);

int neg_sid_equal(const neg_sid *a, const neg_sid *b);

/* A hash of the SID (FNV-1a over its authority and sub-authorities), for
 * indexes that find duplicates. */
size_t neg_sid_hash(const neg_sid *sid);

#endif
