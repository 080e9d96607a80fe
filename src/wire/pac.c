/*
 * pac.c - decoder for the Kerberos Privilege Attribute Certificate
 * ([MS-PAC]): the PACTYPE header and its buffer table, the LOGON_INFO
 * buffer (an NDR-serialised KERB_VALIDATION_INFO) and UPN_DNS_INFO.
 *
 * LOGON_INFO's NDR walk is pac_logon_info.c's; SIDs are sid.c's. Every
 * length and offset is checked against the buffer before it is used.
 * Decoded strings point into the caller's buffer; nothing is allocated.
 */
#include "pac.h"
#include "pac_logon_info.h"

#include "bytes.h"

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

/* UPN_DNS_INFO ([MS-PAC] 2.10): four USHORTs and Flags. */
#define UPN_DNS_INFO_LEN 12

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
        rc = neg_pac_decode_logon_info(buf + l.logon_info.offset,
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
