/*
 * pac.c - decoder for the Kerberos Privilege Attribute Certificate
 * ([MS-PAC]): the PACTYPE header and its buffer table, the LOGON_INFO
 * buffer (an NDR-serialised KERB_VALIDATION_INFO) and UPN_DNS_INFO.
 *
 * The NDR walk is hand written for the one structure we need. A small
 * reader keeps a position inside the serialised stream and a sticky error:
 * once a read fails every later read returns zero and the first error is
 * the one reported, so the field-by-field code below needs no error check
 * after each field. Every count is checked against the bytes that remain
 * before it is used, by division, so no multiplication can overflow.
 * Decoded strings point into the caller's buffer; nothing is allocated.
 */
#include "pac.h"

#include "bytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* PAC_INFO_BUFFER ulType values ([MS-PAC] 2.4). */
#define PAC_TYPE_LOGON_INFO   1
#define PAC_TYPE_UPN_DNS_INFO 12

/* PACTYPE ([MS-PAC] 2.3): cBuffers, Version, then the buffer table. */
#define PACTYPE_HEADER_LEN  8
#define PAC_INFO_BUFFER_LEN 16
#define PACTYPE_VERSION     0
/* [MS-PAC] sets no limit on cBuffers; real PACs carry fewer than 20. A
 * bound keeps the pairwise overlap check cheap. */
#define PAC_MAX_BUFFERS     128

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

/* RPC_SID ([MS-DTYP] 2.4.2.2). */
#define SID_REVISION    1
#define SID_MAX_SUB     15
#define SID_AUTH_LEN    6

/* UPN_DNS_INFO ([MS-PAC] 2.10): four USHORTs and Flags. */
#define UPN_DNS_INFO_LEN 12

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

size_t neg_sid_hash(const neg_sid *sid)
{
    const unsigned char *b = (const unsigned char *)sid->sub;
    size_t n = (size_t)sid->count * sizeof(sid->sub[0]), i;
    uint32_t h = 2166136261u;

    for (i = 0; i < SID_AUTH_LEN; i++)
        h = (h ^ sid->authority[i]) * 16777619u;
    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

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

    if (sid.count >= SID_MAX_SUB) {
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
    auth = ndr_take(r, 1, SID_AUTH_LEN, 1);
    if (!ndr_ok(r))
        return;
    if (sid->revision != SID_REVISION || sid->count > SID_MAX_SUB
        || max_count != sid->count) {
        ndr_fail(r, NEG_PAC_MALFORMED);
        return;
    }
    memcpy(sid->authority, auth, SID_AUTH_LEN);
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
static neg_pac_result decode_logon_info(const unsigned char *p, size_t len,
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

/* ------------------------------------------------------------------ */
/* UPN_DNS_INFO ([MS-PAC] 2.10)                                       */
/* ------------------------------------------------------------------ */

/* A UTF-16 field given by length and offset from the buffer's start. */
static neg_pac_result take_utf16(const unsigned char *p, size_t len,
                                 uint16_t field_len, uint16_t field_off,
                                 neg_utf16 *dst)
{
    if (field_off > len || field_len > len - field_off)
        return NEG_PAC_TRUNCATED;
    if (field_len % 2 != 0)
        return NEG_PAC_MALFORMED;
    dst->data = field_len ? p + field_off : NULL;
    dst->len = field_len;
    return NEG_PAC_OK;
}

/* UpnLength, UpnOffset, DnsDomainNameLength, DnsDomainNameOffset, Flags.
 * The extension present when Flags has the S bit (SamName, Sid) is not
 * needed: LOGON_INFO carries both. */
static neg_pac_result decode_upn_dns_info(const unsigned char *p, size_t len,
                                          neg_pac *out)
{
    neg_pac_result rc;

    if (len < UPN_DNS_INFO_LEN)
        return NEG_PAC_TRUNCATED;
    rc = take_utf16(p, len, neg_le16(p), neg_le16(p + 2), &out->upn);
    if (rc == NEG_PAC_OK)
        rc = take_utf16(p, len, neg_le16(p + 4), neg_le16(p + 6), &out->dns_domain);
    return rc;
}

/* ------------------------------------------------------------------ */
/* PACTYPE and PAC_INFO_BUFFER ([MS-PAC] 2.3, 2.4)                    */
/* ------------------------------------------------------------------ */

typedef struct {
    uint32_t type;
    size_t size;
    size_t offset;              /* from the start of the PAC */
} info_buffer;

typedef struct {
    info_buffer logon_info;
    info_buffer upn_dns_info;
    int has_logon_info;
    int has_upn_dns_info;
} pac_layout;

/* Entry i of the buffer table; the table itself is known to fit. The
 * buffer must start after the table and end inside the PAC. */
static neg_pac_result read_info_buffer(const unsigned char *buf, size_t len,
                                       uint32_t i, info_buffer *ib)
{
    const unsigned char *e = buf + PACTYPE_HEADER_LEN
        + (size_t)i * PAC_INFO_BUFFER_LEN;
    uint64_t table_end = PACTYPE_HEADER_LEN
        + (uint64_t)neg_le32(buf) * PAC_INFO_BUFFER_LEN;
    uint64_t size = neg_le32(e + 4), offset = neg_le64(e + 8);

    ib->type = neg_le32(e);
    if (offset > len || size > len - offset)
        return NEG_PAC_TRUNCATED;
    if (offset < table_end)
        return NEG_PAC_MALFORMED;
    ib->size = (size_t)size;
    ib->offset = (size_t)offset;
    return NEG_PAC_OK;
}

static int buffers_overlap(const info_buffer *a, const info_buffer *b)
{
    return a->size != 0 && b->size != 0 && a->offset < b->offset + b->size
        && b->offset < a->offset + a->size;
}

/* Buffers may not share bytes: compare entry i with those before it. */
static neg_pac_result check_no_overlap(const unsigned char *buf, size_t len,
                                       uint32_t i, const info_buffer *ib)
{
    info_buffer prev;
    uint32_t j;

    for (j = 0; j < i; j++) {
        (void)read_info_buffer(buf, len, j, &prev);
        if (buffers_overlap(ib, &prev))
            return NEG_PAC_MALFORMED;
    }
    return NEG_PAC_OK;
}

/* Remember the buffers we decode; each type may appear only once. */
static neg_pac_result note_buffer(pac_layout *l, const info_buffer *ib)
{
    info_buffer *slot = NULL;
    int *seen = NULL;

    if (ib->type == PAC_TYPE_LOGON_INFO) {
        slot = &l->logon_info;
        seen = &l->has_logon_info;
    } else if (ib->type == PAC_TYPE_UPN_DNS_INFO) {
        slot = &l->upn_dns_info;
        seen = &l->has_upn_dns_info;
    }
    if (slot == NULL)
        return NEG_PAC_OK;
    if (*seen)
        return NEG_PAC_MALFORMED;
    *slot = *ib;
    *seen = 1;
    return NEG_PAC_OK;
}

static neg_pac_result read_pac_layout(const unsigned char *buf, size_t len,
                                      pac_layout *l)
{
    uint32_t n_buffers, i;
    info_buffer ib;
    neg_pac_result rc = NEG_PAC_OK;

    memset(l, 0, sizeof(*l));
    if (len < PACTYPE_HEADER_LEN)
        return NEG_PAC_TRUNCATED;
    n_buffers = neg_le32(buf);
    if (neg_le32(buf + 4) != PACTYPE_VERSION || n_buffers > PAC_MAX_BUFFERS)
        return NEG_PAC_MALFORMED;
    if (n_buffers > (len - PACTYPE_HEADER_LEN) / PAC_INFO_BUFFER_LEN)
        return NEG_PAC_TRUNCATED;
    for (i = 0; i < n_buffers && rc == NEG_PAC_OK; i++) {
        rc = read_info_buffer(buf, len, i, &ib);
        if (rc == NEG_PAC_OK)
            rc = check_no_overlap(buf, len, i, &ib);
        if (rc == NEG_PAC_OK)
            rc = note_buffer(l, &ib);
    }
    if (rc == NEG_PAC_OK && !l->has_logon_info)
        rc = NEG_PAC_NO_LOGON_INFO;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                */
/* ------------------------------------------------------------------ */

static void clear_utf16(neg_utf16 *s)
{
    s->data = NULL;
    s->len = 0;
}

/* Reset everything but the (large) sids[] and sid_index[] arrays, which
 * n_sids and index_size guard. */
static void clear_pac(neg_pac *out)
{
    clear_utf16(&out->effective_name);
    clear_utf16(&out->logon_domain_name);
    memset(&out->logon_domain_sid, 0, sizeof(out->logon_domain_sid));
    out->user_rid = 0;
    out->primary_group_rid = 0;
    out->user_flags = 0;
    out->user_account_control = 0;
    out->n_sids = 0;
    out->index_size = 0;
    clear_utf16(&out->upn);
    clear_utf16(&out->dns_domain);
    out->has_logon_info = 0;
}

neg_pac_result neg_pac_decode(const unsigned char *buf, size_t len,
                              neg_pac *out)
{
    pac_layout l;
    neg_pac_result rc;

    clear_pac(out);
    rc = read_pac_layout(buf, len, &l);
    if (rc == NEG_PAC_OK)
        rc = decode_logon_info(buf + l.logon_info.offset,
                               l.logon_info.size, out);
    if (rc == NEG_PAC_OK && l.has_upn_dns_info)
        rc = decode_upn_dns_info(buf + l.upn_dns_info.offset,
                                 l.upn_dns_info.size, out);
    if (rc != NEG_PAC_OK) {
        clear_pac(out);
        return rc;
    }
    out->has_logon_info = 1;
    return NEG_PAC_OK;
}

const char *neg_pac_result_str(neg_pac_result r)
{
    switch (r) {
    case NEG_PAC_OK:
        return "ok";
    case NEG_PAC_TRUNCATED:
        return "PAC truncated: a length or offset points outside";
    case NEG_PAC_MALFORMED:
        return "PAC malformed";
    case NEG_PAC_NO_LOGON_INFO:
        return "PAC has no LOGON_INFO buffer";
    case NEG_PAC_TOO_MANY_SIDS:
        return "PAC carries too many SIDs";
    }
    return "unknown PAC result";
}

/* ------------------------------------------------------------------ */
/* SID string form ([MS-DTYP] 2.4.2.1)                                */
/* ------------------------------------------------------------------ */

#define SID_AUTH_DECIMAL_MAX 0xffffffffu     /* larger: "0x" + 12 hex digits */
#define SID_AUTH_HEX_DIGITS  12

/* IdentifierAuthority is a 48-bit big-endian value. */
static uint64_t sid_authority(const neg_sid *sid)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < SID_AUTH_LEN; i++)
        v = (v << 8) | sid->authority[i];
    return v;
}

static void set_sid_authority(neg_sid *sid, uint64_t v)
{
    size_t i;

    for (i = SID_AUTH_LEN; i > 0; i--) {
        sid->authority[i - 1] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* Appends with snprintf into a buffer sized for the longest SID; returns
 * the new length, or cap when it did not fit. */
static size_t append_format_u64(char *buf, size_t used, size_t cap,
                                const char *fmt, uint64_t v)
{
    int n;

    if (used >= cap)
        return cap;
    n = snprintf(buf + used, cap - used, fmt, v);
    if (n < 0 || (size_t)n >= cap - used)
        return cap;
    return used + (size_t)n;
}

size_t neg_sid_to_string(const neg_sid *sid, char *out, size_t cap)
{
    char tmp[NEG_SID_STRING_MAX];
    uint64_t auth = sid_authority(sid);
    size_t n;
    uint8_t i;

    if (sid->count > SID_MAX_SUB)
        return 0;
    n = append_format_u64(tmp, 0, sizeof(tmp), "S-%" PRIu64,
                          (uint64_t)sid->revision);
    if (auth <= SID_AUTH_DECIMAL_MAX)
        n = append_format_u64(tmp, n, sizeof(tmp), "-%" PRIu64, auth);
    else
        n = append_format_u64(tmp, n, sizeof(tmp), "-0x%012" PRIX64, auth);
    for (i = 0; i < sid->count; i++)
        n = append_format_u64(tmp, n, sizeof(tmp), "-%" PRIu64,
                              (uint64_t)sid->sub[i]);
    if (n >= sizeof(tmp) || n >= cap)
        return 0;
    memcpy(out, tmp, n + 1);
    return n;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One or more decimal digits whose value is at most max (< 2^60, so the
 * multiplication cannot overflow before the comparison). */
static int parse_decimal(const char **sp, uint64_t max, uint64_t *v)
{
    const char *s = *sp;
    uint64_t x = 0;

    if (!is_digit(*s))
        return 0;
    while (is_digit(*s)) {
        x = x * 10 + (uint64_t)(*s++ - '0');
        if (x > max)
            return 0;
    }
    *v = x;
    *sp = s;
    return 1;
}

/* IdentifierAuthority = 1*10DIGIT / "0x" 12HEXDIG (we accept 1 to 12). */
static int parse_authority(const char **sp, uint64_t *v)
{
    const char *s = *sp;
    uint64_t x = 0;
    size_t n = 0;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return parse_decimal(sp, SID_AUTH_DECIMAL_MAX, v);
    for (s += 2; hex_value(*s) >= 0; s++) {
        if (++n > SID_AUTH_HEX_DIGITS)
            return 0;
        x = (x << 4) | (uint64_t)hex_value(*s);
    }
    if (n == 0)
        return 0;
    *v = x;
    *sp = s;
    return 1;
}

/* "S-1-" authority then "-" sub-authority, up to 15 of them. */
int neg_sid_from_string(const char *s, neg_sid *out)
{
    neg_sid sid;
    uint64_t v;

    memset(&sid, 0, sizeof(sid));
    if (s == NULL || s[0] != 'S' || s[1] != '-')
        return 0;
    s += 2;
    if (!parse_decimal(&s, 0xff, &v) || v != SID_REVISION || *s++ != '-')
        return 0;
    sid.revision = (uint8_t)v;
    if (!parse_authority(&s, &v))
        return 0;
    set_sid_authority(&sid, v);
    while (*s == '-') {
        s++;
        if (sid.count >= SID_MAX_SUB || !parse_decimal(&s, 0xffffffffu, &v))
            return 0;
        sid.sub[sid.count++] = (uint32_t)v;
    }
    if (*s != '\0')
        return 0;
    *out = sid;
    return 1;
}

int neg_sid_equal(const neg_sid *a, const neg_sid *b)
{
    return a->revision == b->revision && a->count == b->count
        && a->count <= SID_MAX_SUB
        && memcmp(a->authority, b->authority, SID_AUTH_LEN) == 0
        && memcmp(a->sub, b->sub, a->count * sizeof(a->sub[0])) == 0;
}
