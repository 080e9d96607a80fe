/*
 * pac_logon_info.c - the PAC's LOGON_INFO buffer (pac_logon_info.h): an
 * NDR-serialised KERB_VALIDATION_INFO ([MS-PAC] 2.5), walked by hand for
 * the fields we need.
 *
 * A small reader keeps a position inside the serialised stream and a sticky
 * error: once a read fails every later read returns zero and the first
 * error is the one reported, so the field-by-field code below needs no
 * error check after each field. Every count is checked against the bytes
 * that remain before it is used, by division, so no multiplication can
 * overflow. Decoded strings point into the caller's buffer; nothing is
 * allocated.
 */
#include "pac_logon_info.h"

#include "bytes.h"

#include <string.h>

/* Type serialization version 1 headers ([MS-RPCE] 2.2.6.1, 2.2.6.2). */
#define NDR_COMMON_HEADER_LEN  8
#define NDR_PRIVATE_HEADER_LEN 8
#define NDR_VERSION            1
#define NDR_LITTLE_ENDIAN      0x10

/* KERB_VALIDATION_INFO ([MS-PAC] 2.5) pieces we skip over. */
#define FILETIME_LEN          8
#define N_LEADING_FILETIMES   6     /* LogonTime .. PasswordMustChange */
#define N_LEADING_STRINGS     6     /* EffectiveName .. HomeDirectoryDrive */
#define USER_SESSION_KEY_LEN  16
/* Reserved1[2] (before UserAccountControl), then SubAuthStatus,
 * LastSuccessfulILogon, LastFailedILogon, FailedILogonCount, Reserved3:
 * 4+8+8+4+4 (after it). */
#define LOGON_INFO_RESERVED1_LEN 8
#define LOGON_INFO_AFTER_UAC_LEN 28

#define GROUP_MEMBERSHIP_LEN        8   /* RelativeId, Attributes */
#define KERB_SID_AND_ATTRIBUTES_LEN 8   /* Sid pointer, Attributes */


/* ------------------------------------------------------------------ */
/* NDR reader                                                         */
/* ------------------------------------------------------------------ */

typedef struct {
    const unsigned char *base;  /* first byte of the serialised type */
    size_t len;
    size_t pos;                 /* always <= len */
    neg_pac_result err;         /* sticky: the first failure */
} ndr_reader;

static int ndr_ok(const ndr_reader *r)
{
    return r->err == NEG_PAC_OK;
}

static void ndr_fail(ndr_reader *r, neg_pac_result err)
{
    if (r->err == NEG_PAC_OK)
        r->err = err;
}

static size_t ndr_remaining(const ndr_reader *r)
{
    return r->len - r->pos;
}

/* NDR aligns every primitive to its own size (C706 14.2.2). The type
 * serialization headers are 16 bytes, so alignment relative to the start
 * of the data is alignment relative to the buffer ([MS-RPCE] 2.2.6). */
static void ndr_align(ndr_reader *r, size_t n)
{
    size_t pad = (n - r->pos % n) % n;

    if (!ndr_ok(r))
        return;
    if (pad > ndr_remaining(r))
        ndr_fail(r, NEG_PAC_TRUNCATED);
    else
        r->pos += pad;
}

/* Consume count elements of size bytes, aligned to align; NULL (and the
 * reader fails) when they do not all fit. */
static const unsigned char *ndr_take(ndr_reader *r, size_t count,
                                     size_t size, size_t align)
{
    const unsigned char *p;

    ndr_align(r, align);
    if (!ndr_ok(r))
        return NULL;
    if (count > ndr_remaining(r) / size) {
        ndr_fail(r, NEG_PAC_TRUNCATED);
        return NULL;
    }
    p = r->base + r->pos;
    r->pos += count * size;
    return p;
}

static uint8_t ndr_u8(ndr_reader *r)
{
    const unsigned char *p = ndr_take(r, 1, 1, 1);

    return p ? p[0] : 0;
}

static uint16_t ndr_u16(ndr_reader *r)
{
    const unsigned char *p = ndr_take(r, 1, 2, 2);

    return p ? neg_le16(p) : 0;
}

static uint32_t ndr_u32(ndr_reader *r)
{
    const unsigned char *p = ndr_take(r, 1, 4, 4);

    return p ? neg_le32(p) : 0;
}

/* ------------------------------------------------------------------ */
/* SID list                                                           */
/* ------------------------------------------------------------------ */

/* Size the duplicate index for `total` SIDs (at most NEG_PAC_MAX_SIDS,
 * which check_sid_budget ensures) and clear the part used. A PAC of a
 * user in a few groups clears a few dozen bytes, not the whole index. */
static void reset_sid_index(neg_pac *out, uint64_t total)
{
    size_t size = 16;

    while (size < 2 * total && size < NEG_PAC_SID_INDEX)
        size *= 2;
    out->index_size = size;
    memset(out->sid_index, 0, size * sizeof(out->sid_index[0]));
}

/* The index slot that holds sid, or the empty slot where it goes. The
 * index is at least twice as large as sids[] can be full, so an empty
 * slot is always found. */
static uint16_t *sid_slot(neg_pac *out, const neg_sid *sid)
{
    size_t mask = out->index_size - 1, i = neg_sid_hash(sid) & mask;

    while (out->sid_index[i] != 0
           && !neg_sid_equal(&out->sids[out->sid_index[i] - 1], sid))
        i = (i + 1) & mask;
    return &out->sid_index[i];
}

/* Append unless already listed (linear probing: a user in 1,500 groups
 * costs 1,500 lookups, not a million comparisons). check_sid_budget makes
 * the limit unreachable; the tests here keep sids[] and the index safe on
 * their own. */
static void add_sid(ndr_reader *r, neg_pac *out, const neg_sid *sid)
{
    uint16_t *slot;

    if (!ndr_ok(r))
        return;
    if (out->n_sids >= NEG_PAC_MAX_SIDS || 2 * out->n_sids >= out->index_size) {
        ndr_fail(r, NEG_PAC_TOO_MANY_SIDS);
        return;
    }
    slot = sid_slot(out, sid);
    if (*slot != 0)
        return;
    out->sids[out->n_sids++] = *sid;
    *slot = (uint16_t)out->n_sids;
}

/* Domain SID + RID; a domain SID already holding 15 sub-authorities has
 * no room for the RID. */
static void add_domain_rid(ndr_reader *r, neg_pac *out,
                           const neg_sid *domain, uint32_t rid)
{
    neg_sid sid = *domain;

    if (sid.count >= NEG_SID_SUB_MAX) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return;
    }
    sid.sub[sid.count++] = rid;
    add_sid(r, out, &sid);
}

/* count GROUP_MEMBERSHIP entries at p, already bounds-checked. */
static void add_group_memberships(ndr_reader *r, neg_pac *out,
                                  const neg_sid *domain,
                                  const unsigned char *p, uint32_t count)
{
    uint32_t i;

    for (i = 0; i < count && ndr_ok(r); i++, p += GROUP_MEMBERSHIP_LEN)
        add_domain_rid(r, out, domain, neg_le32(p));
}

/* ------------------------------------------------------------------ */
/* KERB_VALIDATION_INFO ([MS-PAC] 2.5)                                */
/* ------------------------------------------------------------------ */

/* RPC_UNICODE_STRING ([MS-DTYP] 2.3.10) as it appears in the fixed part:
 * Length, MaximumLength, then the Buffer pointer's referent ID. */
typedef struct {
    uint16_t length;
    uint16_t max_length;
    uint32_t referent;
} ustr_header;

/* The fixed part of KERB_VALIDATION_INFO, the fields we use. A non-zero
 * referent means the pointer is not NULL and its data is deferred. */
typedef struct {
    ustr_header strings[N_LEADING_STRINGS];
    uint32_t user_rid;
    uint32_t primary_group_rid;
    uint32_t group_count;
    uint32_t group_ids;
    uint32_t user_flags;
    ustr_header logon_server;
    ustr_header logon_domain_name;
    uint32_t logon_domain_id;
    uint32_t user_account_control;
    uint32_t sid_count;
    uint32_t extra_sids;
    uint32_t resource_domain_id;
    uint32_t resource_group_count;
    uint32_t resource_group_ids;
} validation_fixed;

static void read_ustr_header(ndr_reader *r, ustr_header *h)
{
    h->length = ndr_u16(r);
    h->max_length = ndr_u16(r);
    h->referent = ndr_u32(r);
}

/* Walk the fixed part field by field, in [MS-PAC] 2.5 order. */
static void read_validation_fixed(ndr_reader *r, validation_fixed *v)
{
    size_t i;

    (void)ndr_take(r, N_LEADING_FILETIMES, FILETIME_LEN, 4);
    for (i = 0; i < N_LEADING_STRINGS; i++)
        read_ustr_header(r, &v->strings[i]);
    (void)ndr_u16(r);                       /* LogonCount */
    (void)ndr_u16(r);                       /* BadPasswordCount */
    v->user_rid = ndr_u32(r);
    v->primary_group_rid = ndr_u32(r);
    v->group_count = ndr_u32(r);
    v->group_ids = ndr_u32(r);
    v->user_flags = ndr_u32(r);
    (void)ndr_take(r, 1, USER_SESSION_KEY_LEN, 1);
    read_ustr_header(r, &v->logon_server);
    read_ustr_header(r, &v->logon_domain_name);
    v->logon_domain_id = ndr_u32(r);
    (void)ndr_take(r, 1, LOGON_INFO_RESERVED1_LEN, 4);
    v->user_account_control = ndr_u32(r);
    (void)ndr_take(r, 1, LOGON_INFO_AFTER_UAC_LEN, 4);
    v->sid_count = ndr_u32(r);
    v->extra_sids = ndr_u32(r);
    v->resource_domain_id = ndr_u32(r);
    v->resource_group_count = ndr_u32(r);
    v->resource_group_ids = ndr_u32(r);
}

/* Refuse early when the counts alone promise more SIDs than fit: the
 * user, the primary group and every entry of the three arrays. */
static void check_sid_budget(ndr_reader *r, const validation_fixed *v,
                             neg_pac *out)
{
    uint64_t total = 2 + (uint64_t)v->group_count + v->sid_count
        + v->resource_group_count;

    if (total > NEG_PAC_MAX_SIDS)
        ndr_fail(r, NEG_PAC_TOO_MANY_SIDS);
    else
        reset_sid_index(out, total);
}

/* The Buffer referent of an RPC_UNICODE_STRING ([MS-DTYP] 2.3.10:
 * size_is(MaximumLength/2), length_is(Length/2)), a conformant varying
 * array (C706 14.3.3.4): MaximumCount, Offset, ActualCount, the units. */
static void read_ustr_data(ndr_reader *r, const ustr_header *h,
                           neg_utf16 *dst)
{
    uint32_t max_count, offset, actual;
    const unsigned char *units;

    if (h->length % 2 != 0 || h->length > h->max_length
        || (h->referent == 0 && h->length != 0)) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return;
    }
    if (h->referent == 0)
        return;
    max_count = ndr_u32(r);
    offset = ndr_u32(r);
    actual = ndr_u32(r);
    if (ndr_ok(r) && (max_count != h->max_length / 2u || offset != 0
                      || actual > max_count || actual != h->length / 2u)) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return;
    }
    units = ndr_take(r, actual, 2, 2);
    if (units != NULL && dst != NULL) {
        dst->data = units;
        dst->len = h->length;
    }
}

/* A conformant array's MaximumCount must equal the count field that
 * sizes it (size_is in the IDL); a NULL pointer must come with count 0.
 * Returns the array's first element (NULL when absent or on failure). */
static const unsigned char *read_counted_array(ndr_reader *r,
                                               uint32_t referent,
                                               uint32_t count,
                                               size_t elem_len)
{
    uint32_t max_count;

    if (referent == 0) {
        if (count != 0)
            ndr_fail(r, NEG_PAC_MALFORMED);
        return NULL;
    }
    max_count = ndr_u32(r);
    if (ndr_ok(r) && max_count != count) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return NULL;
    }
    return ndr_take(r, count, elem_len, 4);
}

/* RPC_SID ([MS-DTYP] 2.4.2.2), a conformant structure: MaximumCount (the
 * conformance of SubAuthority[]) comes first, then Revision,
 * SubAuthorityCount, IdentifierAuthority and the sub-authorities. */
static void read_sid(ndr_reader *r, neg_sid *sid)
{
    uint32_t max_count, i;
    const unsigned char *auth;

    max_count = ndr_u32(r);
    sid->revision = ndr_u8(r);
    sid->count = ndr_u8(r);
    auth = ndr_take(r, 1, NEG_SID_AUTH_LEN, 1);
    if (!ndr_ok(r))
        return;
    if (sid->revision != NEG_SID_REVISION || sid->count > NEG_SID_SUB_MAX
        || max_count != sid->count) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return;
    }
    memcpy(sid->authority, auth, NEG_SID_AUTH_LEN);
    for (i = 0; i < sid->count; i++)
        sid->sub[i] = ndr_u32(r);
}

/* A PISID that must be present when any RID is to be appended to it. */
static void read_required_sid(ndr_reader *r, uint32_t referent,
                              neg_sid *sid)
{
    if (referent == 0)
        ndr_fail(r, NEG_PAC_MALFORMED);
    else
        read_sid(r, sid);
}

/* ExtraSids: the KERB_SID_AND_ATTRIBUTES array, then the referents of
 * its embedded Sid pointers, in array order (C706 14.3.12.3: embedded
 * pointers' referents follow the structure that contains them). The
 * array is taken whenever the pointer is set, whether or not UserFlags
 * has LOGON_EXTRA_SIDS; likewise resource groups and
 * LOGON_RESOURCE_GROUPS. */
static void read_extra_sids(ndr_reader *r, const validation_fixed *v,
                            neg_pac *out)
{
    const unsigned char *table;
    uint32_t i;
    neg_sid sid;

    table = read_counted_array(r, v->extra_sids, v->sid_count,
                               KERB_SID_AND_ATTRIBUTES_LEN);
    if (table == NULL)
        return;
    for (i = 0; i < v->sid_count && ndr_ok(r); i++) {
        if (neg_le32(table + (size_t)i * KERB_SID_AND_ATTRIBUTES_LEN) == 0) {
            ndr_fail(r, NEG_PAC_MALFORMED);
            return;
        }
        read_sid(r, &sid);
        add_sid(r, out, &sid);
    }
}

/* ResourceGroupDomainSid, then ResourceGroupIds (MS-PAC 2.5). */
static void read_resource_groups(ndr_reader *r, const validation_fixed *v,
                                 neg_pac *out)
{
    neg_sid domain;
    const unsigned char *groups;

    memset(&domain, 0, sizeof(domain));
    if (v->resource_domain_id != 0)
        read_sid(r, &domain);
    else if (v->resource_group_count != 0)
        ndr_fail(r, NEG_PAC_MALFORMED);
    groups = read_counted_array(r, v->resource_group_ids,
                                v->resource_group_count,
                                GROUP_MEMBERSHIP_LEN);
    if (groups != NULL)
        add_group_memberships(r, out, &domain, groups,
                              v->resource_group_count);
}

/* The deferred referents, in the order their pointers appear in the fixed
 * part (C706 14.3.12.3). GroupIds precede LogonDomainId in the stream, so
 * they are remembered and turned into SIDs once the domain is known. */
static void read_validation_deferred(ndr_reader *r,
                                     const validation_fixed *v,
                                     neg_pac *out)
{
    const unsigned char *groups;
    neg_utf16 unused;
    size_t i;

    read_ustr_data(r, &v->strings[0], &out->effective_name);
    for (i = 1; i < N_LEADING_STRINGS; i++)
        read_ustr_data(r, &v->strings[i], &unused);
    groups = read_counted_array(r, v->group_ids, v->group_count,
                                GROUP_MEMBERSHIP_LEN);
    read_ustr_data(r, &v->logon_server, &unused);
    read_ustr_data(r, &v->logon_domain_name, &out->logon_domain_name);
    read_required_sid(r, v->logon_domain_id, &out->logon_domain_sid);
    add_domain_rid(r, out, &out->logon_domain_sid, v->user_rid);
    add_domain_rid(r, out, &out->logon_domain_sid, v->primary_group_rid);
    if (groups != NULL)
        add_group_memberships(r, out, &out->logon_domain_sid, groups,
                              v->group_count);
    read_extra_sids(r, v, out);
    read_resource_groups(r, v, out);
}

/* [MS-RPCE] 2.2.6.1 common header: Version 1, Endianness 0x10 (little
 * endian; we do not decode big-endian NDR), CommonHeaderLength 8, Filler.
 * 2.2.6.2 private header: ObjectBufferLength, Filler. */
static neg_pac_result read_type_headers(const unsigned char *p, size_t len,
                                        size_t *object_len)
{
    size_t headers = NDR_COMMON_HEADER_LEN + NDR_PRIVATE_HEADER_LEN;
    uint32_t object;

    if (len < headers)
        return NEG_PAC_TRUNCATED;
    if (p[0] != NDR_VERSION || p[1] != NDR_LITTLE_ENDIAN
        || neg_le16(p + 2) != NDR_COMMON_HEADER_LEN)
        return NEG_PAC_MALFORMED;
    object = neg_le32(p + NDR_COMMON_HEADER_LEN);
    if (object > len - headers)
        return NEG_PAC_TRUNCATED;
    *object_len = object;
    return NEG_PAC_OK;
}

/* LOGON_INFO ([MS-PAC] 2.5): the type serialization headers, then the
 * top-level unique pointer to KERB_VALIDATION_INFO (its referent ID must
 * not be 0), the structure's fixed part and its deferred referents. */
neg_pac_result neg_pac_decode_logon_info(const unsigned char *p, size_t len,
                                           neg_pac *out)
{
    ndr_reader r;
    validation_fixed v;
    neg_pac_result rc;
    size_t object_len;

    rc = read_type_headers(p, len, &object_len);
    if (rc != NEG_PAC_OK)
        return rc;
    r.base = p + NDR_COMMON_HEADER_LEN + NDR_PRIVATE_HEADER_LEN;
    r.len = object_len;
    r.pos = 0;
    r.err = NEG_PAC_OK;
    if (ndr_u32(&r) == 0 && ndr_ok(&r))
        ndr_fail(&r, NEG_PAC_MALFORMED);
    read_validation_fixed(&r, &v);
    check_sid_budget(&r, &v, out);
    read_validation_deferred(&r, &v, out);
    out->user_rid = v.user_rid;
    out->primary_group_rid = v.primary_group_rid;
    out->user_flags = v.user_flags;
    out->user_account_control = v.user_account_control;
    return r.err;
}
