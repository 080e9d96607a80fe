/*
 * spnego.c - GSS token framing (RFC 2743 section 3.1) and the SPNEGO
 * NegotiationToken (RFC 4178 section 4.2) in DER (X.690).
 *
 * Everything here works on byte ranges of the caller's buffer: a small DER
 * reader walks tag/length/value triples, checking every length against the
 * element that contains it, and the decoded fields are pointers into the
 * input. Nothing is allocated; the only globals are constant OID tables.
 */
#include "spnego.h"

#include <string.h>

/* Universal and application tags used by GSS and SPNEGO (X.690 8.1.2). */
#define TAG_BIT_STRING   0x03
#define TAG_OCTET_STRING 0x04
#define TAG_OID          0x06
#define TAG_ENUMERATED   0x0a
#define TAG_SEQUENCE     0x30   /* constructed */
#define TAG_GSS_FRAMING  0x60   /* [APPLICATION 0] constructed, RFC 2743 3.1 */

/* [n] context-specific constructed (explicit tagging, RFC 4178 section 4.1
 * declares DEFINITIONS EXPLICIT TAGS). */
#define TAG_CONTEXT(n)       (0xa0 | (n))
#define TAG_CLASS_FORM_MASK  0xe0
#define TAG_NUMBER_MASK      0x1f

/* The longest length field we accept: 1 + 4 octets, i.e. contents up to
 * 4 GiB - 1. Anything longer cannot be an honest HTTP header token. */
#define DER_MAX_LEN_OCTETS 4
#define DER_MAX_LEN        ((size_t)0xffffffffUL)

/* Upper bound of the framing the encoder adds around token and MIC, used to
 * keep every length it writes within DER_MAX_LEN without overflow. */
#define ENC_MAX_OVERHEAD 64

static const unsigned char OID_KRB5[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};
static const unsigned char OID_MS_KRB5[] = {
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02
};
static const unsigned char OID_NTLMSSP[] = {
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};
static const unsigned char OID_NEGOEX[] = {
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e
};
static const unsigned char OID_SPNEGO[] = {
    0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
};

static const struct {
    neg_mech mech;
    const unsigned char *der;
    size_t len;
} MECH_OIDS[] = {
    { NEG_MECH_KRB5,    OID_KRB5,    sizeof(OID_KRB5) },
    { NEG_MECH_MS_KRB5, OID_MS_KRB5, sizeof(OID_MS_KRB5) },
    { NEG_MECH_NTLMSSP, OID_NTLMSSP, sizeof(OID_NTLMSSP) },
    { NEG_MECH_NEGOEX,  OID_NEGOEX,  sizeof(OID_NEGOEX) },
    { NEG_MECH_SPNEGO,  OID_SPNEGO,  sizeof(OID_SPNEGO) },
};

#define N_MECH_OIDS (sizeof(MECH_OIDS) / sizeof(MECH_OIDS[0]))

/* Raw NTLM messages are not GSS-framed; they start with this signature
 * ([MS-NLMP] 2.2.1), terminating NUL included. */
static const unsigned char NTLMSSP_SIGNATURE[8] = {
    'N', 'T', 'L', 'M', 'S', 'S', 'P', '\0'
};

/* ------------------------------------------------------------------ */
/* DER reader                                                         */
/* ------------------------------------------------------------------ */

/* One decoded element. */
typedef struct {
    unsigned char tag;
    neg_bytes contents;     /* value octets only */
    neg_bytes whole;        /* tag, length and value octets */
} der_tlv;

/* Decode the length octets at p (avail bytes available). On success sets
 * *len to the contents length and *used to the number of length octets.
 * DER (X.690 10.1) requires the definite form with the fewest octets, so
 * the indefinite form 0x80, a leading zero octet and a long form for a
 * value below 128 are all rejected. */
static int der_read_length(const unsigned char *p, size_t avail,
                           size_t *len, size_t *used)
{
    size_t n, i, value = 0;

    if (avail == 0)
        return 0;
    if (p[0] < 0x80) {
        *len = p[0];
        *used = 1;
        return 1;
    }
    n = p[0] & 0x7f;
    if (n == 0 || n > DER_MAX_LEN_OCTETS || n > avail - 1)
        return 0;
    if (p[1] == 0)
        return 0;
    for (i = 1; i <= n; i++)
        value = (value << 8) | p[i];
    if (value < 0x80)
        return 0;
    *len = value;
    *used = 1 + n;
    return 1;
}

/* Read the element at the front of *in and advance *in past it. The
 * contents must fit in what remains of *in. */
static int der_read(neg_bytes *in, der_tlv *tlv)
{
    size_t len, len_octets, header;

    if (in->len < 2)
        return 0;
    tlv->tag = in->data[0];
    /* High-tag-number form (X.690 8.1.2.4): nothing in GSS or SPNEGO
     * uses tag numbers above 30, so treat it as garbage. */
    if ((tlv->tag & TAG_NUMBER_MASK) == TAG_NUMBER_MASK)
        return 0;
    if (!der_read_length(in->data + 1, in->len - 1, &len, &len_octets))
        return 0;
    header = 1 + len_octets;
    if (len > in->len - header)
        return 0;
    tlv->contents.data = in->data + header;
    tlv->contents.len = len;
    tlv->whole.data = in->data;
    tlv->whole.len = header + len;
    in->data += tlv->whole.len;
    in->len -= tlv->whole.len;
    return 1;
}

/* Read one element with the given tag that spans all of in exactly. */
static int der_read_only(neg_bytes in, unsigned char tag, der_tlv *tlv)
{
    return der_read(&in, tlv) && tlv->tag == tag && in.len == 0;
}

/* An OBJECT IDENTIFIER value (X.690 8.19): at least one subidentifier,
 * each in base 128 with no leading 0x80 octet, the last octet of each
 * having bit 8 clear. */
static int oid_contents_valid(neg_bytes v)
{
    size_t i;
    int at_start = 1;

    if (v.len == 0)
        return 0;
    for (i = 0; i < v.len; i++) {
        if (at_start && v.data[i] == 0x80)
            return 0;
        at_start = (v.data[i] & 0x80) == 0;
    }
    return at_start;
}

/* Read one syntactically valid OID from the front of *in. */
static int der_read_oid(neg_bytes *in, der_tlv *oid)
{
    return der_read(in, oid) && oid->tag == TAG_OID
        && oid_contents_valid(oid->contents);
}

static neg_mech mech_from_oid(neg_bytes der)
{
    size_t i;

    for (i = 0; i < N_MECH_OIDS; i++) {
        if (der.len == MECH_OIDS[i].len
            && memcmp(der.data, MECH_OIDS[i].der, der.len) == 0)
            return MECH_OIDS[i].mech;
    }
    return NEG_MECH_OTHER;
}

/* ------------------------------------------------------------------ */
/* Field decoders                                                     */
/* ------------------------------------------------------------------ */

/* An explicitly tagged field [n] holds exactly one element. */
static neg_parse_result read_octet_string(neg_bytes field, neg_bytes *dst)
{
    der_tlv s;

    if (!der_read_only(field, TAG_OCTET_STRING, &s))
        return NEG_PARSE_MALFORMED;
    *dst = s.contents;
    return NEG_PARSE_OK;
}

/* mechTypes [0] MechTypeList ::= SEQUENCE OF MechType (RFC 4178 4.2.1).
 * We keep the complete DER of the SEQUENCE because mechListMIC is computed
 * over exactly those octets (RFC 4178 section 5). An initiator must offer
 * at least one mechanism, so an empty list is malformed. */
static neg_parse_result parse_mech_types(neg_bytes field, neg_token *out)
{
    der_tlv list, oid;
    neg_bytes rest;

    if (!der_read_only(field, TAG_SEQUENCE, &list))
        return NEG_PARSE_MALFORMED;
    rest = list.contents;
    if (rest.len == 0)
        return NEG_PARSE_MALFORMED;
    while (rest.len > 0) {
        if (!der_read_oid(&rest, &oid))
            return NEG_PARSE_MALFORMED;
        if (out->n_mechs == NEG_MAX_MECHS)
            return NEG_PARSE_TOO_MANY_MECHS;
        out->mechs[out->n_mechs++] = mech_from_oid(oid.whole);
    }
    out->mech_list = list.whole;
    return NEG_PARSE_OK;
}

/* reqFlags [1] ContextFlags ::= BIT STRING (RFC 4178 4.2.1). The flags are
 * advisory and we ignore them, but the encoding must still be sane: an
 * initial octet giving 0..7 unused bits, which is 0 for an empty string. */
static neg_parse_result parse_req_flags(neg_bytes field)
{
    der_tlv bits;

    if (!der_read_only(field, TAG_BIT_STRING, &bits) || bits.contents.len == 0)
        return NEG_PARSE_MALFORMED;
    if (bits.contents.data[0] > 7
        || (bits.contents.len == 1 && bits.contents.data[0] != 0))
        return NEG_PARSE_MALFORMED;
    return NEG_PARSE_OK;
}

/* negState [0] ENUMERATED { accept-completed(0), accept-incomplete(1),
 * reject(2), request-mic(3) } (RFC 4178 4.2.2); DER gives one octet. */
static neg_parse_result parse_neg_state(neg_bytes field, int *state)
{
    der_tlv e;

    if (!der_read_only(field, TAG_ENUMERATED, &e) || e.contents.len != 1)
        return NEG_PARSE_MALFORMED;
    if (e.contents.data[0] > NEG_STATE_REQUEST_MIC)
        return NEG_PARSE_MALFORMED;
    *state = e.contents.data[0];
    return NEG_PARSE_OK;
}

static neg_parse_result parse_supported_mech(neg_bytes field, neg_mech *mech)
{
    der_tlv oid;

    if (!der_read_oid(&field, &oid) || field.len != 0)
        return NEG_PARSE_MALFORMED;
    *mech = mech_from_oid(oid.whole);
    return NEG_PARSE_OK;
}

/* NegTokenInit fields. This is the RFC 4178 form only: Microsoft's
 * NegTokenInit2 puts negHints (a SEQUENCE) at [3], which fails the OCTET
 * STRING check below; it is only ever sent by servers anyway. Higher tags
 * are skipped as a possible future extension. */
static neg_parse_result parse_init_field(unsigned n, neg_bytes field,
                                         neg_token *out)
{
    switch (n) {
    case 0:
        return parse_mech_types(field, out);
    case 1:
        return parse_req_flags(field);
    case 2:
        return read_octet_string(field, &out->mech_token);
    case 3:
        return read_octet_string(field, &out->mech_list_mic);
    default:
        return NEG_PARSE_OK;
    }
}

/* NegTokenResp fields (RFC 4178 4.2.2), all optional. */
static neg_parse_result parse_resp_field(unsigned n, neg_bytes field,
                                         neg_token *out)
{
    switch (n) {
    case 0:
        return parse_neg_state(field, &out->neg_state);
    case 1:
        return parse_supported_mech(field, &out->supported_mech);
    case 2:
        return read_octet_string(field, &out->mech_token);
    case 3:
        return read_octet_string(field, &out->mech_list_mic);
    default:
        return NEG_PARSE_OK;
    }
}

typedef neg_parse_result (*field_parser)(unsigned n, neg_bytes field,
                                         neg_token *out);

/* Walk the contents of a SEQUENCE whose components are all explicitly
 * tagged [n]. DER encodes SEQUENCE components in their defined order
 * (X.690 8.9.2), so tag numbers must strictly increase; that also rules out
 * duplicates. */
static neg_parse_result parse_tagged_fields(neg_bytes seq, field_parser fn,
                                            neg_token *out)
{
    int last = -1;
    der_tlv field;
    neg_parse_result r;
    unsigned n;

    while (seq.len > 0) {
        if (!der_read(&seq, &field))
            return NEG_PARSE_MALFORMED;
        if ((field.tag & TAG_CLASS_FORM_MASK) != TAG_CONTEXT(0))
            return NEG_PARSE_MALFORMED;
        n = field.tag & TAG_NUMBER_MASK;
        if ((int)n <= last)
            return NEG_PARSE_MALFORMED;
        last = (int)n;
        r = fn(n, field.contents, out);
        if (r != NEG_PARSE_OK)
            return r;
    }
    return NEG_PARSE_OK;
}

/* ------------------------------------------------------------------ */
/* Token kinds                                                        */
/* ------------------------------------------------------------------ */

static void reset_token(neg_token *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = NEG_TOKEN_INVALID;
    out->neg_state = NEG_STATE_ABSENT;
    out->supported_mech = NEG_MECH_NONE;
}

static int has_ntlmssp_signature(neg_bytes in)
{
    return in.len >= sizeof(NTLMSSP_SIGNATURE)
        && memcmp(in.data, NTLMSSP_SIGNATURE, sizeof(NTLMSSP_SIGNATURE)) == 0;
}

/* A raw mechanism token is handed on whole; the mechanism parses it. */
static neg_parse_result set_raw_token(neg_token_kind kind, neg_mech mech,
                                      neg_bytes in, neg_token *out)
{
    out->kind = kind;
    out->mechs[0] = mech;
    out->n_mechs = 1;
    out->mech_token = in;
    return NEG_PARSE_OK;
}

/* One alternative of NegotiationToken (RFC 4178 section 4.2): its
 * context tag, the parser of its fields, what must hold once they are
 * read (NULL: nothing more), and the kind of token it makes. */
typedef struct {
    unsigned char tag;
    field_parser parse_field;
    neg_parse_result (*check)(const neg_token *out);
    neg_token_kind kind;
} negotiation_choice;

static neg_parse_result has_mech_types(const neg_token *out)
{
    return out->n_mechs == 0 ? NEG_PARSE_MALFORMED : NEG_PARSE_OK;
}

/* The initial SPNEGO token's innerContextToken is NegotiationToken, which
 * here must be the negTokenInit [0] alternative:
 * [0] NegTokenInit ::= SEQUENCE { mechTypes [0], reqFlags [1] OPTIONAL,
 * mechToken [2] OPTIONAL, mechListMIC [3] OPTIONAL }. mechTypes is not
 * OPTIONAL. */
static const negotiation_choice init_choice = {
    TAG_CONTEXT(0), parse_init_field, has_mech_types, NEG_TOKEN_SPNEGO_INIT
};

/* Subsequent SPNEGO tokens carry no GSS framing: just the negTokenResp
 * [1] alternative of NegotiationToken. */
static const negotiation_choice resp_choice = {
    TAG_CONTEXT(1), parse_resp_field, NULL, NEG_TOKEN_SPNEGO_RESP
};

/* [tag] SEQUENCE { [n] field ... } as the choice says. */
static neg_parse_result parse_negotiation_token(neg_bytes in,
                                                const negotiation_choice *c,
                                                neg_token *out)
{
    der_tlv choice, seq;
    neg_parse_result r;

    if (!der_read_only(in, c->tag, &choice)
        || !der_read_only(choice.contents, TAG_SEQUENCE, &seq))
        return NEG_PARSE_MALFORMED;
    r = parse_tagged_fields(seq.contents, c->parse_field, out);
    if (r == NEG_PARSE_OK && c->check != NULL)
        r = c->check(out);
    if (r != NEG_PARSE_OK)
        return r;
    out->kind = c->kind;
    return NEG_PARSE_OK;
}

/* InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {
 *     thisMech MechType, innerContextToken ANY DEFINED BY thisMech }
 * (RFC 2743 section 3.1). The OID decides what follows. A well-framed
 * token for a mechanism we do not handle is reported as UNKNOWN. */
static neg_parse_result parse_gss_framed(neg_bytes in, neg_token *out)
{
    der_tlv outer, oid;
    neg_bytes inner;
    neg_mech mech;

    if (!der_read_only(in, TAG_GSS_FRAMING, &outer))
        return NEG_PARSE_MALFORMED;
    inner = outer.contents;
    if (!der_read_oid(&inner, &oid))
        return NEG_PARSE_MALFORMED;
    mech = mech_from_oid(oid.whole);
    switch (mech) {
    case NEG_MECH_KRB5:
    case NEG_MECH_MS_KRB5:
        return set_raw_token(NEG_TOKEN_RAW_KRB5, mech, in, out);
    case NEG_MECH_SPNEGO:
        return parse_negotiation_token(inner, &init_choice, out);
    default:
        return NEG_PARSE_UNKNOWN;
    }
}

static neg_parse_result parse_any_token(neg_bytes in, neg_token *out)
{
    if (has_ntlmssp_signature(in))
        return set_raw_token(NEG_TOKEN_RAW_NTLMSSP, NEG_MECH_NTLMSSP, in, out);
    switch (in.data[0]) {
    case TAG_GSS_FRAMING:
        return parse_gss_framed(in, out);
    case TAG_CONTEXT(1):
        return parse_negotiation_token(in, &resp_choice, out);
    default:
        return NEG_PARSE_UNKNOWN;
    }
}

neg_parse_result neg_token_parse(const unsigned char *buf, size_t len,
                                 neg_token *out)
{
    neg_bytes in;
    neg_parse_result r;

    reset_token(out);
    if (buf == NULL || len == 0)
        return NEG_PARSE_EMPTY;
    in.data = buf;
    in.len = len;
    r = parse_any_token(in, out);
    if (r != NEG_PARSE_OK)
        reset_token(out);
    return r;
}

/* ------------------------------------------------------------------ */
/* Names                                                              */
/* ------------------------------------------------------------------ */

const char *neg_parse_result_str(neg_parse_result r)
{
    switch (r) {
    case NEG_PARSE_OK:
        return "ok";
    case NEG_PARSE_EMPTY:
        return "empty token";
    case NEG_PARSE_UNKNOWN:
        return "unrecognised token";
    case NEG_PARSE_MALFORMED:
        return "malformed token";
    case NEG_PARSE_TOO_MANY_MECHS:
        return "too many mechanisms offered";
    }
    return "invalid parse result";
}

const char *neg_mech_name(neg_mech m)
{
    switch (m) {
    case NEG_MECH_NONE:
        return "none";
    case NEG_MECH_KRB5:
        return "krb5";
    case NEG_MECH_MS_KRB5:
        return "ms-krb5";
    case NEG_MECH_NTLMSSP:
        return "ntlmssp";
    case NEG_MECH_NEGOEX:
        return "negoex";
    case NEG_MECH_SPNEGO:
        return "spnego";
    case NEG_MECH_OTHER:
        return "other";
    }
    return "invalid mechanism";
}

const unsigned char *neg_mech_oid_der(neg_mech m, size_t *len)
{
    size_t i;

    for (i = 0; i < N_MECH_OIDS; i++) {
        if (MECH_OIDS[i].mech == m) {
            *len = MECH_OIDS[i].len;
            return MECH_OIDS[i].der;
        }
    }
    *len = 0;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Encoder                                                            */
/* ------------------------------------------------------------------ */

/* Octets needed for a minimal definite length (X.690 8.1.3). */
static size_t der_length_size(size_t len)
{
    if (len < 0x80)
        return 1;
    if (len <= 0xff)
        return 2;
    if (len <= 0xffff)
        return 3;
    if (len <= 0xffffff)
        return 4;
    return 5;
}

/* Size of a whole element with contents_len octets of contents. */
static size_t der_tlv_size(size_t contents_len)
{
    return 1 + der_length_size(contents_len) + contents_len;
}

static unsigned char *put_header(unsigned char *p, unsigned char tag,
                                 size_t len)
{
    size_t n = der_length_size(len) - 1;

    *p++ = tag;
    if (n == 0) {
        *p++ = (unsigned char)len;
        return p;
    }
    *p++ = (unsigned char)(0x80 | n);
    while (n-- > 0)
        *p++ = (unsigned char)(len >> (8 * n));
    return p;
}

/* [n] { OCTET STRING } */
static size_t octet_field_size(size_t len)
{
    return len ? der_tlv_size(der_tlv_size(len)) : 0;
}

static unsigned char *put_octet_field(unsigned char *p, unsigned n,
                                      const unsigned char *data, size_t len)
{
    p = put_header(p, (unsigned char)TAG_CONTEXT(n), der_tlv_size(len));
    p = put_header(p, TAG_OCTET_STRING, len);
    memcpy(p, data, len);
    return p + len;
}

static int resp_args_valid(int neg_state, const unsigned char *token,
                           size_t token_len, const unsigned char *mic,
                           size_t mic_len)
{
    const size_t max_payload = DER_MAX_LEN - ENC_MAX_OVERHEAD;

    if (neg_state != NEG_STATE_ABSENT
        && (neg_state < NEG_STATE_ACCEPT_COMPLETED
            || neg_state > NEG_STATE_REQUEST_MIC))
        return 0;
    if ((token_len && token == NULL) || (mic_len && mic == NULL))
        return 0;
    return token_len <= max_payload && mic_len <= max_payload - token_len;
}

/* The sizes of the pieces of one NegTokenResp. */
typedef struct {
    size_t state_field;
    const unsigned char *oid;
    size_t oid_len;
    size_t mech_field;
    size_t seq_contents;
    size_t total;
} resp_layout;

static int plan_resp(int neg_state, neg_mech supported, size_t token_len,
                     size_t mic_len, resp_layout *l)
{
    l->oid = NULL;
    l->oid_len = 0;
    if (supported != NEG_MECH_NONE) {
        l->oid = neg_mech_oid_der(supported, &l->oid_len);
        if (l->oid == NULL)
            return 0;
    }
    l->state_field = neg_state == NEG_STATE_ABSENT ? 0 : 5;
    l->mech_field = l->oid ? der_tlv_size(l->oid_len) : 0;
    l->seq_contents = l->state_field + l->mech_field
        + octet_field_size(token_len) + octet_field_size(mic_len);
    l->total = der_tlv_size(der_tlv_size(l->seq_contents));
    return 1;
}

/* negTokenResp [1] NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED
 * OPTIONAL, supportedMech [1] MechType OPTIONAL, responseToken [2] OCTET
 * STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL } (RFC 4178
 * 4.2.2), fields in tag order with minimal definite lengths. */
static void write_resp(const resp_layout *l, int neg_state,
                       const unsigned char *token, size_t token_len,
                       const unsigned char *mic, size_t mic_len,
                       unsigned char *p)
{
    p = put_header(p, TAG_CONTEXT(1), der_tlv_size(l->seq_contents));
    p = put_header(p, TAG_SEQUENCE, l->seq_contents);
    if (l->state_field) {
        p = put_header(p, TAG_CONTEXT(0), 3);
        p = put_header(p, TAG_ENUMERATED, 1);
        *p++ = (unsigned char)neg_state;
    }
    if (l->oid) {
        p = put_header(p, TAG_CONTEXT(1), l->oid_len);
        memcpy(p, l->oid, l->oid_len);
        p += l->oid_len;
    }
    if (token_len)
        p = put_octet_field(p, 2, token, token_len);
    if (mic_len)
        put_octet_field(p, 3, mic, mic_len);
}

size_t neg_encode_resp(int neg_state, neg_mech supported,
                       const unsigned char *token, size_t token_len,
                       const unsigned char *mic, size_t mic_len,
                       unsigned char *out, size_t cap)
{
    resp_layout l;

    if (!resp_args_valid(neg_state, token, token_len, mic, mic_len))
        return 0;
    if (!plan_resp(neg_state, supported, token_len, mic_len, &l))
        return 0;
    if (out != NULL && cap >= l.total)
        write_resp(&l, neg_state, token, token_len, mic, mic_len, out);
    return l.total;
}

neg_mech neg_select_mech(const neg_token *init, int allow_ntlm, size_t *index)
{
    size_t i;

    for (i = 0; i < init->n_mechs; i++) {
        neg_mech m = init->mechs[i];

        if (m == NEG_MECH_KRB5 || m == NEG_MECH_MS_KRB5
            || (m == NEG_MECH_NTLMSSP && allow_ntlm)) {
            if (index != NULL)
                *index = i;
            return m;
        }
    }
    return NEG_MECH_NONE;
}
