/*
 * test_pac.c - unit tests for src/wire/pac.c (no framework).
 *
 * Build and run:
 *   gcc -std=c99 -Wall -Wextra -pedantic -Wshadow \
 *       -fsanitize=address,undefined -g $(for d in src/?*; do echo -I$d; done) -It/unit \
 *       t/unit/test_pac.c src/wire/pac.c -o /tmp/test_pac && /tmp/test_pac
 *
 * A real PAC from the Samba test domain (pac_vectors.h) is decoded and
 * then cut and corrupted; a small NDR writer builds KERB_VALIDATION_INFO
 * by hand for the cases the real one does not cover (ExtraSids, resource
 * groups, duplicates, hostile counts). Every hostile input is decoded from
 * its own malloc'd copy of exactly its length so ASan sees over-reads.
 */
#include "pac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "pac_vectors.h"

/* The decoder's output is about 70 KB: one static instance. */
static neg_pac pac;

static void die(const char *why)
{
    fprintf(stderr, "test_pac: %s\n", why);
    exit(2);
}

static unsigned char *copy_bytes(const unsigned char *p, size_t len)
{
    unsigned char *c = malloc(len ? len : 1);

    if (c == NULL)
        die("out of memory");
    if (len)
        memcpy(c, p, len);
    return c;
}

static void put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    put_le16(p, (uint16_t)(v & 0xffff));
    put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(unsigned char *p, uint64_t v)
{
    put_le32(p, (uint32_t)(v & 0xffffffffu));
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16)
        | ((uint32_t)p[3] << 24);
}

/* Does the UTF-16LE string equal the ASCII string a? */
static int utf16_is(neg_utf16 s, const char *a)
{
    size_t i, n = strlen(a);

    if (s.len != 2 * n)
        return 0;
    for (i = 0; i < n; i++) {
        if (s.data[2 * i] != (unsigned char)a[i] || s.data[2 * i + 1] != 0)
            return 0;
    }
    return 1;
}

static int utf16_inside(neg_utf16 s, const unsigned char *buf, size_t len)
{
    if (s.len == 0)
        return 1;
    return s.data >= buf && s.len <= len
        && (size_t)(s.data - buf) <= len - s.len;
}

/* Everything the decoder handed back lies inside buf and is sane. */
static int output_inside(const neg_pac *p, const unsigned char *buf,
                         size_t len)
{
    size_t i;

    if (p->n_sids > NEG_PAC_MAX_SIDS || p->logon_domain_sid.count > 15)
        return 0;
    for (i = 0; i < p->n_sids; i++) {
        if (p->sids[i].count > 15)
            return 0;
    }
    return utf16_inside(p->effective_name, buf, len)
        && utf16_inside(p->logon_domain_name, buf, len)
        && utf16_inside(p->upn, buf, len)
        && utf16_inside(p->dns_domain, buf, len);
}

/* A failed decode leaves nothing behind. */
static int output_empty(const neg_pac *p)
{
    return p->n_sids == 0 && p->effective_name.len == 0
        && p->logon_domain_name.len == 0 && p->upn.len == 0
        && p->dns_domain.len == 0 && !p->has_logon_info;
}

/* decode_copy's verdicts besides the decoder's own results */
#define OUTPUT_OUTSIDE  (-1)    /* OK, but a field points outside */
#define OUTPUT_LEFTOVER (-2)    /* failed, but fields were left set */

/* Decode a private copy of exactly len bytes. */
static int decode_copy(const unsigned char *buf, size_t len)
{
    unsigned char *c = copy_bytes(buf, len);
    int rc = neg_pac_decode(c, len, &pac);

    if (rc == NEG_PAC_OK && !output_inside(&pac, c, len))
        rc = OUTPUT_OUTSIDE;
    else if (rc != NEG_PAC_OK && !output_empty(&pac))
        rc = OUTPUT_LEFTOVER;
    free(c);
    return rc;
}

static int sid_string_is(const neg_sid *sid, const char *want)
{
    char s[NEG_SID_STRING_MAX];

    return neg_sid_to_string(sid, s, sizeof(s)) > 0 && strcmp(s, want) == 0;
}

static int has_sid(const neg_pac *p, const char *want)
{
    size_t i;

    for (i = 0; i < p->n_sids; i++) {
        if (sid_string_is(&p->sids[i], want))
            return 1;
    }
    return 0;
}

/* Find the PAC_INFO_BUFFER of the given type in a (trusted) PAC. */
static void find_buffer(const unsigned char *buf, uint32_t type,
                        size_t *entry, size_t *offset, size_t *size)
{
    uint32_t i, n = get_le32(buf);

    for (i = 0; i < n; i++) {
        const unsigned char *e = buf + 8 + 16 * (size_t)i;

        if (get_le32(e) == type) {
            *entry = (size_t)(e - buf);
            *size = get_le32(e + 4);
            *offset = get_le32(e + 8);
            return;
        }
    }
    die("buffer type not in PAC");
}

/* ------------------------------------------------------------------ */
/* The real PAC                                                       */
/* ------------------------------------------------------------------ */

static void test_real_pac(void)
{
    const unsigned char *buf = REAL_PAC_ALICE;
    size_t len = sizeof(REAL_PAC_ALICE);
    char user[NEG_SID_STRING_MAX], want[NEG_SID_STRING_MAX];
    char dom[NEG_SID_STRING_MAX];
    size_t n;

    CHECK(neg_pac_decode(buf, len, &pac) == NEG_PAC_OK, "real PAC decodes");
    CHECK(pac.has_logon_info, "real PAC: has_logon_info");
    CHECK(output_inside(&pac, buf, len), "real PAC: fields inside the input");
    CHECK(utf16_is(pac.effective_name, "alice"),
          "real PAC: effective name alice");
    CHECK(utf16_is(pac.logon_domain_name, "EXAMPLE"),
          "real PAC: logon domain EXAMPLE");
    CHECK(utf16_is(pac.upn, "alice@example.test"), "real PAC: UPN");
    CHECK(utf16_is(pac.dns_domain, "EXAMPLE.TEST"), "real PAC: DNS domain");
    CHECK(pac.user_rid == REAL_PAC_ALICE_RID, "real PAC: alice's RID");
    CHECK(pac.primary_group_rid == 513, "real PAC: primary group 513");
    CHECK(pac.user_flags & 0x20, "real PAC: LOGON_EXTRA_SIDS set");
    CHECK((pac.user_account_control & 0x10) && !(pac.user_account_control & NEG_UAC_MACHINE),
          "real PAC: alice is a normal account (USER_NORMAL_ACCOUNT)");
    CHECK(neg_sid_to_string(&pac.logon_domain_sid, dom, sizeof(dom)) > 0
          && strcmp(dom, REAL_PAC_ALICE_DOMAIN_SID) == 0,
          "real PAC: logon domain SID");
    n = neg_sid_to_string(&pac.sids[0], user, sizeof(user));
    snprintf(want, sizeof(want), "-%u", REAL_PAC_ALICE_RID);
    CHECK(pac.n_sids >= 2 && n > strlen(want)
          && strncmp(user, "S-1-5-21-", 9) == 0
          && strcmp(user + n - strlen(want), want) == 0,
          "real PAC: user SID is S-1-5-21-...-<alice's RID>");
    snprintf(want, sizeof(want), "%s-%u", REAL_PAC_ALICE_DOMAIN_SID,
             REAL_PAC_ALICE_RID);
    CHECK(strcmp(user, want) == 0, "real PAC: user SID = domain SID + RID");
    snprintf(want, sizeof(want), "%s-513", REAL_PAC_ALICE_DOMAIN_SID);
    CHECK(pac.n_sids >= 2 && sid_string_is(&pac.sids[1], want),
          "real PAC: Domain Users (-513) second");
    CHECK(has_sid(&pac, "S-1-18-1"),
          "real PAC: authentication authority asserted identity S-1-18-1");
    CHECK(pac.n_sids == 3, "real PAC: 3 SIDs (513 in GroupIds deduplicated)");
}

static void test_real_truncations(void)
{
    size_t len = sizeof(REAL_PAC_ALICE), i, bad = 0;

    for (i = 0; i < len; i++) {
        if (decode_copy(REAL_PAC_ALICE, i) == NEG_PAC_OK)
            bad++;
    }
    CHECK(bad == 0, "every prefix of the real PAC is rejected");
    CHECK(decode_copy(REAL_PAC_ALICE, len) == NEG_PAC_OK,
          "the full-length private copy decodes");
}

/* Every byte set to 0x00, 0xff and flipped: the decode may succeed or
 * not, but never hands back anything outside the input. */
static void test_real_byte_corruptions(void)
{
    static const int modes[3] = { 0x00, 0xff, -1 };
    size_t len = sizeof(REAL_PAC_ALICE), i, m, bad = 0;
    unsigned char *c = copy_bytes(REAL_PAC_ALICE, len);
    neg_pac_result rc;

    for (i = 0; i < len; i++) {
        for (m = 0; m < 3; m++) {
            c[i] = modes[m] < 0 ? (unsigned char)~REAL_PAC_ALICE[i]
                                : (unsigned char)modes[m];
            rc = neg_pac_decode(c, len, &pac);
            if (rc == NEG_PAC_OK ? !output_inside(&pac, c, len)
                                 : !output_empty(&pac))
                bad++;
            c[i] = REAL_PAC_ALICE[i];
        }
    }
    free(c);
    CHECK(bad == 0, "single-byte corruptions of the real PAC stay inside");
}

/* Patch a 16/32/64-bit field of a copy of the real PAC and decode. */
static int real_patched(size_t off, unsigned width, uint64_t v)
{
    unsigned char *c = copy_bytes(REAL_PAC_ALICE, sizeof(REAL_PAC_ALICE));
    int rc;

    if (width == 2)
        put_le16(c + off, (uint16_t)v);
    else if (width == 4)
        put_le32(c + off, (uint32_t)v);
    else
        put_le64(c + off, v);
    rc = decode_copy(c, sizeof(REAL_PAC_ALICE));
    free(c);
    return rc;
}

/* Offsets in KERB_VALIDATION_INFO's NDR stream (after the 16 bytes of
 * type serialization headers): the top-level referent ID takes 4 bytes,
 * then [MS-PAC] 2.5's fixed part. */
#define KVI_TOP_REFERENT   0
#define KVI_NAME_LENGTH    52
#define KVI_NAME_MAXLEN    54
#define KVI_GROUP_COUNT    112
#define KVI_DOMAIN_LENGTH  148
#define KVI_DOMAIN_SID_PTR 156
#define KVI_SID_COUNT      200
#define KVI_RES_COUNT      212

static void test_real_hostile_fields(void)
{
    size_t e, off, size, s, ue, uoff, usize;

    find_buffer(REAL_PAC_ALICE, 1, &e, &off, &size);
    find_buffer(REAL_PAC_ALICE, 12, &ue, &uoff, &usize);
    s = off + 16;
    CHECK(real_patched(0, 4, 0xffffffffu) == NEG_PAC_MALFORMED,
          "real PAC: cBuffers 0xffffffff");
    CHECK(real_patched(0, 4, 60) == NEG_PAC_TRUNCATED,
          "real PAC: cBuffers larger than the PAC");
    CHECK(real_patched(4, 4, 1) == NEG_PAC_MALFORMED, "real PAC: Version 1");
    CHECK(real_patched(e + 4, 4, 0xffffffffu) == NEG_PAC_TRUNCATED,
          "real PAC: LOGON_INFO cbBufferSize 0xffffffff");
    CHECK(real_patched(e + 4, 4, 15) == NEG_PAC_TRUNCATED,
          "real PAC: LOGON_INFO shorter than the NDR headers");
    CHECK(real_patched(e + 8, 8, 0xffffffffffffffffull) == NEG_PAC_TRUNCATED,
          "real PAC: LOGON_INFO Offset 2^64-1");
    CHECK(real_patched(e + 8, 8, sizeof(REAL_PAC_ALICE) + 8)
          == NEG_PAC_TRUNCATED,
          "real PAC: LOGON_INFO Offset past the end");
    CHECK(real_patched(e + 8, 8, 0) == NEG_PAC_MALFORMED,
          "real PAC: LOGON_INFO over the PAC header");
    CHECK(real_patched(ue + 8, 8, off + 8) == NEG_PAC_MALFORMED,
          "real PAC: UPN_DNS_INFO overlapping LOGON_INFO");
    CHECK(real_patched(ue, 4, 1) == NEG_PAC_MALFORMED,
          "real PAC: two LOGON_INFO buffers");
    CHECK(real_patched(e, 4, 12) == NEG_PAC_MALFORMED,
          "real PAC: two UPN_DNS_INFO buffers");
    CHECK(real_patched(e, 4, 99) == NEG_PAC_NO_LOGON_INFO,
          "real PAC: LOGON_INFO retyped: no LOGON_INFO");
    CHECK(real_patched(off, 2, 0x0001) == NEG_PAC_MALFORMED,
          "real PAC: NDR big-endian / version 0");
    CHECK(real_patched(off + 2, 2, 16) == NEG_PAC_MALFORMED,
          "real PAC: NDR CommonHeaderLength 16");
    CHECK(real_patched(off + 8, 4, 0xffffffffu) == NEG_PAC_TRUNCATED,
          "real PAC: ObjectBufferLength 0xffffffff");
    CHECK(real_patched(s + KVI_TOP_REFERENT, 4, 0) == NEG_PAC_MALFORMED,
          "real PAC: top-level referent ID 0");
    CHECK(real_patched(s + KVI_GROUP_COUNT, 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "real PAC: GroupCount 0xffffffff");
    CHECK(real_patched(s + KVI_GROUP_COUNT, 4, 2) == NEG_PAC_MALFORMED,
          "real PAC: GroupCount 2 != MaxCount 1");
    CHECK(real_patched(s + KVI_SID_COUNT, 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "real PAC: SidCount 0xffffffff");
    CHECK(real_patched(s + KVI_RES_COUNT, 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "real PAC: ResourceGroupCount 0xffffffff");
    CHECK(real_patched(s + KVI_RES_COUNT, 4, 1) == NEG_PAC_MALFORMED,
          "real PAC: resource groups without a domain SID");
    CHECK(real_patched(s + KVI_NAME_LENGTH, 2, 0xffff) == NEG_PAC_MALFORMED,
          "real PAC: EffectiveName Length 0xffff > MaximumLength");
    CHECK(real_patched(s + KVI_NAME_LENGTH, 2, 9) == NEG_PAC_MALFORMED,
          "real PAC: EffectiveName odd Length");
    CHECK(real_patched(s + KVI_NAME_MAXLEN, 2, 0xfffe) == NEG_PAC_MALFORMED,
          "real PAC: EffectiveName MaximumLength != MaxCount*2");
    CHECK(real_patched(s + KVI_DOMAIN_LENGTH, 4, 0x00100010)
          == NEG_PAC_MALFORMED,
          "real PAC: LogonDomainName Length != ActualCount*2");
    CHECK(real_patched(s + KVI_DOMAIN_SID_PTR, 4, 0) == NEG_PAC_MALFORMED,
          "real PAC: LogonDomainId NULL");
    CHECK(real_patched(uoff, 2, 0xffff) == NEG_PAC_TRUNCATED,
          "real PAC: UpnLength 0xffff");
    CHECK(real_patched(uoff + 6, 2, 0xfff0) == NEG_PAC_TRUNCATED,
          "real PAC: DnsDomainNameOffset past the buffer");
    CHECK(real_patched(uoff, 2, 35) == NEG_PAC_MALFORMED,
          "real PAC: odd UpnLength");
    CHECK(real_patched(ue + 4, 4, 11) == NEG_PAC_TRUNCATED,
          "real PAC: UPN_DNS_INFO shorter than its header");
}

/* Every 32-bit word of the LOGON_INFO stream set to 0xffffffff. */
static void test_real_word_sweep(void)
{
    size_t e, off, size, i, bad = 0;
    unsigned char *c = copy_bytes(REAL_PAC_ALICE, sizeof(REAL_PAC_ALICE));
    neg_pac_result rc;

    find_buffer(REAL_PAC_ALICE, 1, &e, &off, &size);
    for (i = off; i + 4 <= off + size; i += 2) {
        put_le32(c + i, 0xffffffffu);
        rc = neg_pac_decode(c, sizeof(REAL_PAC_ALICE), &pac);
        if (rc == NEG_PAC_OK ? !output_inside(&pac, c, sizeof(REAL_PAC_ALICE))
                             : !output_empty(&pac))
            bad++;
        memcpy(c + i, REAL_PAC_ALICE + i, 4);
    }
    free(c);
    CHECK(bad == 0, "0xffffffff at every LOGON_INFO position stays inside");
}

/* ------------------------------------------------------------------ */
/* PAC builder                                                        */
/* ------------------------------------------------------------------ */

#define WBUF_CAP 65536

typedef struct {
    unsigned char b[WBUF_CAP];
    size_t n;
    uint32_t next_ref;
} wbuf;

static void w_bytes(wbuf *w, const void *p, size_t n)
{
    if (n > WBUF_CAP - w->n)
        die("test wbuf overflow");
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void w_zeros(wbuf *w, size_t n)
{
    static const unsigned char zero[64];

    while (n > 0) {
        size_t k = n < sizeof(zero) ? n : sizeof(zero);

        w_bytes(w, zero, k);
        n -= k;
    }
}

static void w_align(wbuf *w, size_t a)
{
    w_zeros(w, (a - w->n % a) % a);
}

static size_t w_u8(wbuf *w, uint8_t v)
{
    w_bytes(w, &v, 1);
    return w->n - 1;
}

static size_t w_u16(wbuf *w, uint16_t v)
{
    unsigned char b[2];

    w_align(w, 2);
    put_le16(b, v);
    w_bytes(w, b, 2);
    return w->n - 2;
}

static size_t w_u32(wbuf *w, uint32_t v)
{
    unsigned char b[4];

    w_align(w, 4);
    put_le32(b, v);
    w_bytes(w, b, 4);
    return w->n - 4;
}

static uint32_t new_ref(wbuf *w)
{
    w->next_ref += 4;
    return w->next_ref;
}

/* RPC_UNICODE_STRING fixed part; returns where Length is. */
static size_t w_ustr_header(wbuf *w, const char *s)
{
    uint16_t n = (uint16_t)(s ? 2 * strlen(s) : 0);
    size_t at = w_u16(w, n);

    w_u16(w, n);
    w_u32(w, s ? new_ref(w) : 0);
    return at;
}

/* Its deferred conformant varying array; returns where MaxCount is. */
static size_t w_ustr_data(wbuf *w, const char *s)
{
    size_t at, i, n;

    if (s == NULL)
        return 0;
    n = strlen(s);
    at = w_u32(w, (uint32_t)n);
    w_u32(w, 0);
    w_u32(w, (uint32_t)n);
    for (i = 0; i < n; i++)
        w_u16(w, (uint16_t)s[i]);
    return at;
}

/* RPC_SID with its conformance; returns where MaxCount is. */
static size_t w_sid(wbuf *w, const char *str)
{
    neg_sid sid;
    size_t at, i;

    if (!neg_sid_from_string(str, &sid))
        die("bad SID in test");
    at = w_u32(w, sid.count);
    w_u8(w, sid.revision);
    w_u8(w, sid.count);
    w_bytes(w, sid.authority, 6);
    for (i = 0; i < sid.count; i++)
        w_u32(w, sid.sub[i]);
    return at;
}

static size_t w_group_array(wbuf *w, const uint32_t *rids, size_t n)
{
    size_t at, i;

    if (n == 0)
        return 0;
    at = w_u32(w, (uint32_t)n);
    for (i = 0; i < n; i++) {
        w_u32(w, rids[i]);
        w_u32(w, 7);                /* SE_GROUP_MANDATORY|DEFAULT|ENABLED */
    }
    return at;
}

typedef struct {
    const char *name;
    const char *domain;
    const char *domain_sid;             /* NULL: null LogonDomainId */
    uint32_t user_rid, primary_rid, user_flags, uac;
    const uint32_t *groups;
    size_t n_groups;
    const char *const *extra;
    size_t n_extra;
    const char *res_domain;             /* NULL: null pointer */
    const uint32_t *res;
    size_t n_res;
    const char *upn, *dns;              /* upn NULL: no UPN_DNS_INFO */
} kvi_spec;

/* Where fields landed: offsets in the finished PAC. */
typedef struct {
    size_t top_referent, name_length, group_count, sid_count, res_count;
    size_t name_max_count, group_max_count, domain_sid_max_count;
    size_t extra_max_count, extra_ptr0, extra_sid0_max_count;
    size_t res_domain_max_count, res_max_count;
    size_t upn_entry, upn_offset;
} kvi_marks;

static void w_extra_sids(wbuf *w, const kvi_spec *s, kvi_marks *m)
{
    size_t i;

    if (s->n_extra == 0)
        return;
    m->extra_max_count = w_u32(w, (uint32_t)s->n_extra);
    for (i = 0; i < s->n_extra; i++) {
        size_t at = w_u32(w, new_ref(w));

        if (i == 0)
            m->extra_ptr0 = at;
        w_u32(w, 7);
    }
    for (i = 0; i < s->n_extra; i++) {
        size_t at = w_sid(w, s->extra[i]);

        if (i == 0)
            m->extra_sid0_max_count = at;
    }
}

/* KERB_VALIDATION_INFO ([MS-PAC] 2.5) behind its top-level pointer. */
static void w_validation_info(wbuf *w, const kvi_spec *s, kvi_marks *m)
{
    int i;

    m->top_referent = w_u32(w, new_ref(w));
    w_zeros(w, 48);                             /* six FILETIMEs */
    m->name_length = w_ustr_header(w, s->name);
    for (i = 0; i < 5; i++)
        w_ustr_header(w, NULL);
    w_u16(w, 3);                                /* LogonCount */
    w_u16(w, 0);                                /* BadPasswordCount */
    w_u32(w, s->user_rid);
    w_u32(w, s->primary_rid);
    m->group_count = w_u32(w, (uint32_t)s->n_groups);
    w_u32(w, s->n_groups ? new_ref(w) : 0);
    w_u32(w, s->user_flags);
    w_zeros(w, 16);                             /* UserSessionKey */
    w_ustr_header(w, NULL);                     /* LogonServer */
    w_ustr_header(w, s->domain);
    w_u32(w, s->domain_sid ? new_ref(w) : 0);
    w_zeros(w, 8);                              /* Reserved1 */
    w_u32(w, s->uac);                           /* UserAccountControl */
    w_zeros(w, 28);                             /* SubAuthStatus .. Reserved3 */
    m->sid_count = w_u32(w, (uint32_t)s->n_extra);
    w_u32(w, s->n_extra ? new_ref(w) : 0);
    w_u32(w, s->res_domain ? new_ref(w) : 0);
    m->res_count = w_u32(w, (uint32_t)s->n_res);
    w_u32(w, s->n_res ? new_ref(w) : 0);
    /* deferred referents */
    m->name_max_count = w_ustr_data(w, s->name);
    m->group_max_count = w_group_array(w, s->groups, s->n_groups);
    w_ustr_data(w, s->domain);
    if (s->domain_sid)
        m->domain_sid_max_count = w_sid(w, s->domain_sid);
    w_extra_sids(w, s, m);
    if (s->res_domain)
        m->res_domain_max_count = w_sid(w, s->res_domain);
    m->res_max_count = w_group_array(w, s->res, s->n_res);
    w_align(w, 8);
}

/* Type serialization v1 headers ([MS-RPCE] 2.2.6) around the stream. */
static void w_logon_info(wbuf *out, const wbuf *stream)
{
    static const unsigned char common[8] = {
        0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc
    };

    w_bytes(out, common, 8);
    w_u32(out, (uint32_t)stream->n);
    w_u32(out, 0);
    w_bytes(out, stream->b, stream->n);
}

static void w_upn_dns_info(wbuf *w, const char *upn, const char *dns)
{
    size_t i, nu = strlen(upn), nd = strlen(dns);

    w_u16(w, (uint16_t)(2 * nu));
    w_u16(w, 16);
    w_u16(w, (uint16_t)(2 * nd));
    w_u16(w, (uint16_t)(16 + 2 * nu));
    w_u32(w, 0);
    w_u32(w, 0);
    for (i = 0; i < nu; i++)
        w_u16(w, (uint16_t)upn[i]);
    for (i = 0; i < nd; i++)
        w_u16(w, (uint16_t)dns[i]);
}

static void shift_marks(kvi_marks *m, size_t by)
{
    size_t *f[] = {
        &m->top_referent, &m->name_length, &m->group_count, &m->sid_count,
        &m->res_count, &m->name_max_count, &m->group_max_count,
        &m->domain_sid_max_count, &m->extra_max_count, &m->extra_ptr0,
        &m->extra_sid0_max_count, &m->res_domain_max_count, &m->res_max_count
    };
    size_t i;

    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        *f[i] += by;
}

/* PACTYPE with LOGON_INFO (and UPN_DNS_INFO), 8-aligned buffers; the
 * result is malloc'd at exactly its length. */
static unsigned char *build_pac(const kvi_spec *s, kvi_marks *m, size_t *len)
{
    static wbuf stream, info, upn, out;
    uint32_t n = s->upn ? 2 : 1;
    size_t info_at = 8 + 16 * (size_t)n, upn_at;

    memset(m, 0, sizeof(*m));
    stream.n = info.n = upn.n = out.n = 0;
    stream.next_ref = 0x00020000 - 4;
    w_validation_info(&stream, s, m);
    w_logon_info(&info, &stream);
    if (s->upn)
        w_upn_dns_info(&upn, s->upn, s->dns);
    upn_at = info_at + info.n;
    w_u32(&out, n);
    w_u32(&out, 0);
    w_u32(&out, 1);
    w_u32(&out, (uint32_t)info.n);
    w_u32(&out, (uint32_t)info_at);
    w_u32(&out, 0);
    if (s->upn) {
        m->upn_entry = out.n;
        w_u32(&out, 12);
        w_u32(&out, (uint32_t)upn.n);
        w_u32(&out, (uint32_t)upn_at);
        w_u32(&out, 0);
        m->upn_offset = upn_at;
    }
    w_bytes(&out, info.b, info.n);
    w_bytes(&out, upn.b, upn.n);
    shift_marks(m, info_at + 16);
    *len = out.n;
    return copy_bytes(out.b, out.n);
}

/* ------------------------------------------------------------------ */
/* Hand-built PACs                                                    */
/* ------------------------------------------------------------------ */

static const uint32_t GROUPS[] = { 513, 1001, 1002, 513 };
static const char *const EXTRA[] = {
    "S-1-18-1", "S-1-5-21-1-2-3-1001", "S-1-5-32-545", "S-1-18-1"
};
static const uint32_t RES[] = { 1, 2, 1 };

static kvi_spec base_spec(void)
{
    kvi_spec s;

    memset(&s, 0, sizeof(s));
    s.name = "carol";
    s.domain = "EXAMPLE";
    s.domain_sid = "S-1-5-21-1-2-3";
    s.user_rid = 1000;
    s.primary_rid = 513;
    s.user_flags = 0x220;
    s.uac = 0x80;                   /* a workstation trust account */
    s.groups = GROUPS;
    s.n_groups = 4;
    s.extra = EXTRA;
    s.n_extra = 4;
    s.res_domain = "S-1-5-21-9-8-7";
    s.res = RES;
    s.n_res = 3;
    s.upn = "carol@example.test";
    s.dns = "example.test";
    return s;
}

static const char *const EXPECTED_SIDS[] = {
    "S-1-5-21-1-2-3-1000",      /* user */
    "S-1-5-21-1-2-3-513",       /* primary group; GroupIds' 513s dropped */
    "S-1-5-21-1-2-3-1001",
    "S-1-5-21-1-2-3-1002",
    "S-1-18-1",                 /* ExtraSids; -1001 and 2nd S-1-18-1 dropped */
    "S-1-5-32-545",
    "S-1-5-21-9-8-7-1",         /* resource groups; 2nd RID 1 dropped */
    "S-1-5-21-9-8-7-2",
};

static int sids_are(const neg_pac *p, const char *const *want, size_t n)
{
    size_t i;

    if (p->n_sids != n)
        return 0;
    for (i = 0; i < n; i++) {
        if (!sid_string_is(&p->sids[i], want[i]))
            return 0;
    }
    return 1;
}

static int decode_spec(const kvi_spec *s)
{
    kvi_marks m;
    size_t len;
    unsigned char *b = build_pac(s, &m, &len);
    int rc = decode_copy(b, len);

    free(b);
    return rc;
}

static void test_built_valid(void)
{
    kvi_spec s = base_spec();
    kvi_marks m;
    size_t len, i, bad = 0;
    unsigned char *b = build_pac(&s, &m, &len);

    CHECK(neg_pac_decode(b, len, &pac) == NEG_PAC_OK, "built PAC decodes");
    CHECK(utf16_is(pac.effective_name, "carol"), "built PAC: name");
    CHECK(utf16_is(pac.logon_domain_name, "EXAMPLE"), "built PAC: domain");
    CHECK(utf16_is(pac.upn, "carol@example.test")
          && utf16_is(pac.dns_domain, "example.test"), "built PAC: UPN, DNS");
    CHECK(pac.user_rid == 1000 && pac.primary_group_rid == 513
          && pac.user_flags == 0x220, "built PAC: RIDs and flags");
    CHECK(pac.user_account_control == 0x80
          && (pac.user_account_control & NEG_UAC_MACHINE),
          "built PAC: UserAccountControl of a computer account");
    CHECK(sids_are(&pac, EXPECTED_SIDS,
                   sizeof(EXPECTED_SIDS) / sizeof(EXPECTED_SIDS[0])),
          "built PAC: SID order user, primary, groups, extra, resource; "
          "no duplicates");
    for (i = 0; i < len; i++) {
        if (decode_copy(b, i) == NEG_PAC_OK)
            bad++;
    }
    CHECK(bad == 0, "every prefix of the built PAC is rejected");
    free(b);

    s.upn = NULL;
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.upn.len == 0
          && pac.dns_domain.len == 0, "built PAC without UPN_DNS_INFO");
    s = base_spec();
    s.n_groups = s.n_extra = s.n_res = 0;
    s.res_domain = NULL;
    s.name = "";
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.n_sids == 2
          && pac.effective_name.len == 0,
          "built PAC: no groups, empty name");
    /* Regression (fuzz_pac): UserId == PrimaryGroupId is decodable and
     * leaves a single SID; the harness had assumed at least two. */
    s.primary_rid = s.user_rid;
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.n_sids == 1
          && sid_string_is(&pac.sids[0], "S-1-5-21-1-2-3-1000"),
          "built PAC: user RID == primary group RID gives one SID");
}

/* Cut the LOGON_INFO stream (ObjectBufferLength and the PAC) short, so
 * the PAC ends where the stream ends: ASan sees any read past it. */
static void test_built_stream_truncations(void)
{
    kvi_spec s = base_spec();
    kvi_marks m;
    size_t len, obl, t, bad = 0;
    unsigned char *b;

    s.upn = NULL;
    b = build_pac(&s, &m, &len);
    obl = get_le32(b + 24 + 8);
    for (t = 0; t < obl; t++) {
        put_le32(b + 12, (uint32_t)(16 + t));      /* cbBufferSize */
        put_le32(b + 24 + 8, (uint32_t)t);         /* ObjectBufferLength */
        if (decode_copy(b, 24 + 16 + t) == NEG_PAC_OK && t + 8 <= obl)
            bad++;
    }
    free(b);
    CHECK(bad == 0, "every cut of the NDR stream is rejected");
}

/* Build the base PAC, patch the field delta bytes after a marked one
 * (mark: offsetof a kvi_marks member), decode. */
static int built_patched_at(size_t mark, size_t delta, unsigned width,
                            uint32_t v)
{
    kvi_spec s = base_spec();
    kvi_marks m;
    size_t len, at;
    unsigned char *b = build_pac(&s, &m, &len);
    int rc;

    memcpy(&at, (const char *)&m + mark, sizeof(at));
    at += delta;
    if (width == 1)
        b[at] = (unsigned char)v;
    else if (width == 2)
        put_le16(b + at, (uint16_t)v);
    else
        put_le32(b + at, v);
    rc = decode_copy(b, len);
    free(b);
    return rc;
}

static int built_patched(size_t mark, unsigned width, uint32_t v)
{
    return built_patched_at(mark, 0, width, v);
}

#define MARK(f) offsetof(kvi_marks, f)

static void test_built_hostile_counts(void)
{
    CHECK(built_patched(MARK(top_referent), 4, 0) == NEG_PAC_MALFORMED,
          "built: top-level referent 0");
    CHECK(built_patched(MARK(group_count), 4, 3) == NEG_PAC_MALFORMED,
          "built: GroupCount != MaxCount");
    CHECK(built_patched(MARK(group_max_count), 4, 0xffffffffu)
          == NEG_PAC_MALFORMED, "built: GroupIds MaxCount 0xffffffff");
    CHECK(built_patched(MARK(sid_count), 4, 3) == NEG_PAC_MALFORMED,
          "built: SidCount != MaxCount");
    CHECK(built_patched(MARK(extra_max_count), 4, 0xffffffffu)
          == NEG_PAC_MALFORMED, "built: ExtraSids MaxCount 0xffffffff");
    CHECK(built_patched(MARK(res_count), 4, 2) == NEG_PAC_MALFORMED,
          "built: ResourceGroupCount != MaxCount");
    CHECK(built_patched(MARK(res_max_count), 4, 0xffffffffu)
          == NEG_PAC_MALFORMED, "built: ResourceGroupIds MaxCount 0xffffffff");
    CHECK(built_patched(MARK(group_count), 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "built: GroupCount 0xffffffff");
    CHECK(built_patched(MARK(sid_count), 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "built: SidCount 0xffffffff");
    CHECK(built_patched(MARK(res_count), 4, 0xffffffffu)
          == NEG_PAC_TOO_MANY_SIDS, "built: ResourceGroupCount 0xffffffff");
    CHECK(built_patched(MARK(name_max_count), 4, 0xffffffffu)
          == NEG_PAC_MALFORMED, "built: string MaxCount 0xffffffff");
    CHECK(built_patched_at(MARK(name_max_count), 4, 4, 1) == NEG_PAC_MALFORMED,
          "built: string Offset 1");
    CHECK(built_patched_at(MARK(name_max_count), 8, 4, 0xffffffffu)
          == NEG_PAC_MALFORMED, "built: string ActualCount 0xffffffff");
    CHECK(built_patched(MARK(name_length), 2, 9) == NEG_PAC_MALFORMED,
          "built: odd string Length");
    CHECK(built_patched(MARK(extra_ptr0), 4, 0) == NEG_PAC_MALFORMED,
          "built: NULL Sid in ExtraSids");
}

static int built_sid_count(size_t max_count_mark, uint32_t max,
                                      uint8_t count)
{
    kvi_spec s = base_spec();
    kvi_marks m;
    size_t len, at;
    unsigned char *b = build_pac(&s, &m, &len);
    int rc;

    memcpy(&at, (const char *)&m + max_count_mark, sizeof(at));
    put_le32(b + at, max);
    b[at + 5] = count;                  /* SubAuthorityCount */
    rc = decode_copy(b, len);
    free(b);
    return rc;
}

static void test_built_hostile_sids(void)
{
    kvi_spec s = base_spec();

    CHECK(built_sid_count(MARK(domain_sid_max_count), 16, 16)
          == NEG_PAC_MALFORMED, "built: domain SubAuthorityCount 16");
    CHECK(built_sid_count(MARK(domain_sid_max_count), 4, 3)
          == NEG_PAC_MALFORMED, "built: SubAuthorityCount != MaxCount");
    CHECK(built_sid_count(MARK(extra_sid0_max_count), 0xffffffffu, 255)
          == NEG_PAC_MALFORMED, "built: ExtraSid SubAuthorityCount 255");
    CHECK(built_sid_count(MARK(res_domain_max_count), 0xffffffffu, 1)
          == NEG_PAC_MALFORMED, "built: resource domain MaxCount 0xffffffff");
    CHECK(built_patched_at(MARK(domain_sid_max_count), 4, 1, 2)
          == NEG_PAC_MALFORMED, "built: SID Revision 2");
    s.domain_sid = NULL;
    CHECK(decode_spec(&s) == NEG_PAC_MALFORMED, "built: NULL LogonDomainId");
    s = base_spec();
    s.domain_sid = "S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14";
    CHECK(decode_spec(&s) == NEG_PAC_MALFORMED,
          "built: domain SID with 15 sub-authorities has no room for a RID");
    s = base_spec();
    s.res_domain = NULL;
    CHECK(decode_spec(&s) == NEG_PAC_MALFORMED,
          "built: resource groups without ResourceGroupDomainSid");
    s.n_res = 0;
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.n_sids == 6,
          "built: no resource groups, no resource domain");
}

static void test_built_limits(void)
{
    static uint32_t many[NEG_PAC_MAX_SIDS];
    kvi_spec s = base_spec();
    size_t i;

    for (i = 0; i < NEG_PAC_MAX_SIDS; i++)
        many[i] = (uint32_t)(2000 + i);
    s.n_extra = s.n_res = 0;
    s.res_domain = NULL;
    s.groups = many;
    s.n_groups = NEG_PAC_MAX_SIDS - 2;
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.n_sids == NEG_PAC_MAX_SIDS,
          "built: exactly NEG_PAC_MAX_SIDS SIDs");
    s.n_groups = NEG_PAC_MAX_SIDS - 1;
    CHECK(decode_spec(&s) == NEG_PAC_TOO_MANY_SIDS,
          "built: one SID too many");
}

/* A user in 1,500 groups, each listed twice (and the primary group among
 * them): every SID kept once, in the order first seen. */
static void test_built_many_duplicates(void)
{
    static uint32_t twice[3000];
    kvi_spec s = base_spec();
    size_t i;
    int order_ok = 1;

    for (i = 0; i < 1500; i++)
        twice[i] = twice[1500 + i] = (uint32_t)(5000 + i);
    twice[700] = twice[2200] = 513;         /* the primary group again */
    s.n_extra = s.n_res = 0;
    s.res_domain = NULL;
    s.groups = twice;
    s.n_groups = 3000;
    CHECK(decode_spec(&s) == NEG_PAC_OK && pac.n_sids == 1501,
          "built: 1,500 groups listed twice give 1,501 SIDs (user, primary, 1,499 others)");
    for (i = 0; i < 700 && order_ok; i++) {
        order_ok = pac.sids[2 + i].sub[pac.sids[2 + i].count - 1] == 5000 + i;
    }
    CHECK(order_ok, "built: the groups keep their order");
    CHECK(has_sid(&pac, "S-1-5-21-1-2-3-6499") && !has_sid(&pac, "S-1-5-21-1-2-3-5700"),
          "built: the last group is there, the one replaced by the primary group is not");
}

/* Hostile layouts of the buffer table on the built PAC. */
static int built_table_patched(size_t at, uint64_t v, int w64)
{
    kvi_spec s = base_spec();
    kvi_marks m;
    size_t len;
    unsigned char *b = build_pac(&s, &m, &len);
    int rc;

    if (w64)
        put_le64(b + at, v);
    else
        put_le32(b + at, (uint32_t)v);
    rc = decode_copy(b, len);
    free(b);
    return rc;
}

static void test_built_table(void)
{
    /* entries: LOGON_INFO at 8, UPN_DNS_INFO at 24 */
    CHECK(built_table_patched(24 + 8, 40, 1) == NEG_PAC_MALFORMED,
          "built: UPN_DNS_INFO at the same offset as LOGON_INFO");
    CHECK(built_table_patched(24, 1, 0) == NEG_PAC_MALFORMED,
          "built: duplicate LOGON_INFO");
    CHECK(built_table_patched(8 + 8, 32, 1) == NEG_PAC_MALFORMED,
          "built: LOGON_INFO starting inside the buffer table");
    CHECK(built_table_patched(24 + 8, (uint64_t)1 << 63, 1)
          == NEG_PAC_TRUNCATED, "built: Offset 2^63");
    CHECK(built_table_patched(24 + 4, 0xfffffff0u, 0) == NEG_PAC_TRUNCATED,
          "built: cbBufferSize past the end");
    CHECK(built_table_patched(0, 0, 0) == NEG_PAC_NO_LOGON_INFO,
          "built: cBuffers 0");
    CHECK(built_table_patched(0, 1, 0) == NEG_PAC_OK && pac.upn.len == 0,
          "built: cBuffers 1 (UPN entry becomes padding)");
}

/* ------------------------------------------------------------------ */
/* SID strings                                                        */
/* ------------------------------------------------------------------ */

static int round_trips(const char *str)
{
    neg_sid sid;
    char back[NEG_SID_STRING_MAX];

    return neg_sid_from_string(str, &sid)
        && neg_sid_to_string(&sid, back, sizeof(back)) == strlen(str)
        && strcmp(back, str) == 0;
}

static void test_sid_strings(void)
{
    static const char *const good[] = {
        "S-1-5-21-192911022-1867760453-3426041168-1102", "S-1-1-0",
        "S-1-5-32-545", "S-1-18-1", "S-1-5", "S-1-4294967295-1",
        "S-1-0x000100000000-7", "S-1-0xFFFFFFFFFFFF-4294967295",
        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15",
    };
    static const char *const bad[] = {
        "", "S", "S-", "S-1", "S-1-", "S-1-5-", "S-1-5--1", "S-1-5-21-x",
        "s-1-5-21", "S-2-5-21", "S-0-5", "S-256-5", "S-1-0x", "S-1-0xg",
        "S-1-0x1234567890123-1", "S-1-4294967296-1", " S-1-5", "S-1-5 ",
        "S-1-5-+1", "S-1--5", "S-1-5-4294967296", "S-1-5-99999999999999999999",
        "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "S-1-5-1\n",
        "S-1-5-21-1-2-3-1104-",
    };
    neg_sid sid, other;
    char out[NEG_SID_STRING_MAX];
    size_t i, bad_good = 0, bad_bad = 0;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        bad_good += !round_trips(good[i]);
    CHECK(bad_good == 0, "SID strings round-trip");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        bad_bad += neg_sid_from_string(bad[i], &sid);
    CHECK(bad_bad == 0, "bad SID strings rejected");
    CHECK(neg_sid_from_string("S-1-0x5-21", &sid) && sid.authority[5] == 5
          && sid_string_is(&sid, "S-1-5-21"),
          "hex authority below 2^32 prints in decimal");
    CHECK(neg_sid_from_string("S-1-0xabcdef012345-1", &sid)
          && sid_string_is(&sid, "S-1-0xABCDEF012345-1"),
          "lower-case hex authority accepted, printed upper-case");
    CHECK(neg_sid_from_string("S-1-5-21-1-2-3-1104", &sid)
          && neg_sid_to_string(&sid, out, 20) == 19
          && neg_sid_to_string(&sid, out, 19) == 0
          && neg_sid_to_string(&sid, out, 0) == 0,
          "to_string needs room for the terminator");
    sid.count = 16;
    CHECK(neg_sid_to_string(&sid, out, sizeof(out)) == 0,
          "to_string refuses 16 sub-authorities");
    neg_sid_from_string("S-1-5-21-1-2-3-1104", &sid);
    neg_sid_from_string("S-1-5-21-1-2-3-1104", &other);
    CHECK(neg_sid_equal(&sid, &other), "equal SIDs");
    other.sub[4] = 1105;
    CHECK(!neg_sid_equal(&sid, &other), "different RID");
    neg_sid_from_string("S-1-5-21-1-2-3", &other);
    CHECK(!neg_sid_equal(&sid, &other), "prefix is not equal");
    neg_sid_from_string("S-1-0x000100000005-21-1-2-3-1104", &other);
    CHECK(!neg_sid_equal(&sid, &other), "different authority");
    CHECK(neg_pac_decode(REAL_PAC_ALICE, sizeof(REAL_PAC_ALICE), &pac)
          == NEG_PAC_OK, "real PAC decodes again");
    for (i = 0, bad_good = 0; i < pac.n_sids; i++) {
        char s[NEG_SID_STRING_MAX];

        if (neg_sid_to_string(&pac.sids[i], s, sizeof(s)) == 0
            || !neg_sid_from_string(s, &sid)
            || !neg_sid_equal(&sid, &pac.sids[i]))
            bad_good++;
    }
    CHECK(bad_good == 0, "real PAC SIDs round-trip through strings");
}

static void test_result_strings(void)
{
    int r, ok = 1;

    for (r = NEG_PAC_OK; r <= NEG_PAC_TOO_MANY_SIDS; r++)
        ok = ok && neg_pac_result_str((neg_pac_result)r) != NULL;
    CHECK(ok, "every result has a string");
}

int main(void)
{
    test_real_pac();
    test_real_truncations();
    test_real_byte_corruptions();
    test_real_hostile_fields();
    test_real_word_sweep();
    test_built_valid();
    test_built_stream_truncations();
    test_built_hostile_counts();
    test_built_hostile_sids();
    test_built_limits();
    test_built_many_duplicates();
    test_built_table();
    test_sid_strings();
    test_result_strings();
    return check_summary();
}
