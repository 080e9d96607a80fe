/*
 * fuzz_ntlm.c - libFuzzer harness for the NTLMSSP decoders of src/wire/ntlm.c:
 * ntlm_decode_negotiate, ntlm_decode_authenticate, ntlm_parse_v2_response,
 * ntlm_check_av_echo and ntlm_name_to_utf8.
 *
 * Build and run (or `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       $(for d in src/?*; do echo -I$d; done) $(pkg-config --cflags heimdal-gssapi heimdal-krb5) \
 *       t/fuzz/fuzz_ntlm.c src/wire/ntlm.c -o /tmp/fuzz_ntlm \
 *       $(pkg-config --libs heimdal-gssapi heimdal-krb5) \
 *       -L/usr/lib/x86_64-linux-gnu/heimdal -lheimntlm -lhcrypto
 *   /tmp/fuzz_ntlm -max_total_time=60 t/fuzz/corpus/ntlm
 *
 * Every input is used twice:
 *   - whole: as a NEGOTIATE message, as an AUTHENTICATE message (its names
 *     converted to UTF-8, its NT response parsed as NTLMv2 and the AV pairs
 *     checked against our own TargetInfo and against themselves), as a bare
 *     NTLMv2 response and as a name;
 *   - split: the first two bytes (little-endian) give the length L of a
 *     first part that follows them; the rest is the second part. When the
 *     first part is a CHALLENGE message its TargetInfo is what we "sent"
 *     (as the module does with its own CHALLENGE) and the second part is
 *     the AUTHENTICATE answering it; otherwise both parts are AV pair lists
 *     given straight to ntlm_check_av_echo. The corpus holds real
 *     CHALLENGE+AUTHENTICATE pairs in that form.
 * Each success is checked: every field inside the input, payload fields
 * after the header and apart, names valid NUL-terminated UTF-8 that fits.
 */
#include "ntlm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16)
         | ((uint32_t)p[3] << 24);
}

/* A field must be empty or lie inside [base, base + len). */
static void check_inside(const ntlm_field *f, const unsigned char *base, size_t len)
{
    if (f->len == 0)
        return;
    if (f->data == NULL || f->data < base || f->len > len
        || (size_t)(f->data - base) > len - f->len)
        abort();
}

static void check_apart(const ntlm_field *a, const ntlm_field *b)
{
    if (a->len == 0 || b->len == 0)
        return;
    if (a->data < b->data + b->len && b->data < a->data + a->len)
        abort();
}

static void check_utf8(const char *s, size_t n)
{
    size_t i = 0;

    if (strlen(s) != n)
        abort();
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k, more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
                       : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
        uint32_t cp = more == 0 ? c : more == 1 ? (c & 0x1fu)
                    : more == 2 ? (c & 0x0fu) : (c & 0x07u);

        if (more == 9 || i + more >= n)
            abort();
        for (k = 1; k <= more; k++) {
            unsigned char d = (unsigned char)s[i + k];

            if ((d & 0xc0) != 0x80)
                abort();
            cp = (cp << 6) | (d & 0x3fu);
        }
        /* shortest form, no surrogates, within Unicode */
        if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800)
            || (more == 3 && (cp < 0x10000 || cp > 0x10ffff))
            || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
            abort();
        i += more + 1;
    }
}

/* Convert into a heap buffer of exactly cap bytes, so that ASan sees any
 * write past it. */
static void name(const ntlm_field *f, int unicode, size_t cap)
{
    char *out = malloc(cap ? cap : 1);
    size_t n;

    if (out == NULL)
        return;
    n = ntlm_name_to_utf8(f, unicode, out, cap);
    if (n != (size_t)-1) {
        if (n >= cap)
            abort();
        check_utf8(out, n);
        if (!unicode && n < f->len)
            abort();
    }
    free(out);
}

static void names(const ntlm_field *f, int unicode)
{
    name(f, unicode, 3 * 256 + 1);      /* NAME_MAX_UTF8 of ntlm_auth.c */
    name(f, unicode, 1 + f->len % 7);   /* short buffers */
}

/* Our TargetInfo as the module sends it, made once by ntlm_encode_challenge. */
static ntlm_field our_ti;

static void make_our_ti(void)
{
    static const unsigned char chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    static const ntlm_server_names sn = {
        "EXAMPLE", "WEB1", "example.test", "web1.example.test"
    };
    unsigned char *msg;
    size_t len, off, tlen;

    if (our_ti.data != NULL)
        return;
    if (ntlm_encode_challenge(ntlm_challenge_flags(0xe2088297u), chal, &sn,
                              ntlm_filetime(0), &msg, &len, &off, &tlen) != 0
        || off > len || tlen > len - off)
        abort();
    our_ti.data = msg + off;    /* kept for the life of the process */
    our_ti.len = tlen;
}

static void v2_response(const ntlm_field *nt, const ntlm_field *sent)
{
    ntlm_v2_response v2;
    ntlm_result r;

    r = ntlm_parse_v2_response(nt, &v2);
    if (ntlm_result_str(r) == NULL)
        abort();
    if (r != NTLM_OK)
        return;
    if (v2.proof != nt->data || v2.client_challenge < nt->data
        || v2.client_challenge + 8 > nt->data + nt->len || v2.av_pairs.len < 4)
        abort();
    check_inside(&v2.av_pairs, nt->data, nt->len);
    if (rd32(v2.av_pairs.data + v2.av_pairs.len - 4) != 0)
        abort();                                /* ends with MsvAvEOL */
    /* A list echoes itself (a repeated unknown id may differ in value). */
    r = ntlm_check_av_echo(&v2.av_pairs, &v2.av_pairs);
    if (r != NTLM_OK && r != NTLM_ERR_AV_ALTERED)
        abort();
    r = ntlm_check_av_echo(&our_ti, &v2.av_pairs);
    if (ntlm_result_str(r) == NULL)
        abort();
    if (sent != NULL && ntlm_result_str(ntlm_check_av_echo(sent, &v2.av_pairs)) == NULL)
        abort();
}

static void authenticate(const unsigned char *buf, size_t len, const ntlm_field *sent)
{
    ntlm_authenticate a;
    const ntlm_field *fs[6];
    size_t i, j, lowest = len;
    int unicode;

    if (ntlm_result_str(ntlm_decode_authenticate(buf, len, &a)) == NULL)
        abort();
    if (ntlm_decode_authenticate(buf, len, &a) != NTLM_OK)
        return;
    fs[0] = &a.lm;
    fs[1] = &a.nt;
    fs[2] = &a.domain;
    fs[3] = &a.user;
    fs[4] = &a.workstation;
    fs[5] = &a.session_key;
    for (i = 0; i < 6; i++) {
        check_inside(fs[i], buf, len);
        if (fs[i]->len == 0)
            continue;
        if ((size_t)(fs[i]->data - buf) < 64)
            abort();                            /* inside the fixed header */
        if ((size_t)(fs[i]->data - buf) < lowest)
            lowest = (size_t)(fs[i]->data - buf);
        for (j = i + 1; j < 6; j++)
            check_apart(fs[i], fs[j]);
    }
    if (a.payload_offset != lowest)
        abort();
    if (a.has_mic_room && (a.mic != buf + NTLM_MIC_OFFSET || lowest < NTLM_MIC_OFFSET + 16
                           || len < NTLM_MIC_OFFSET + 16))
        abort();
    unicode = (a.flags & NTLM_F_UNICODE) != 0;
    names(&a.user, unicode);
    names(&a.domain, unicode);
    names(&a.workstation, !unicode);
    if (a.nt.len > 24)
        v2_response(&a.nt, sent);
}

static void negotiate(const unsigned char *buf, size_t len)
{
    ntlm_negotiate n;

    if (ntlm_decode_negotiate(buf, len, &n) != NTLM_OK)
        return;
    if (ntlm_message_type(buf, len) != 1)
        abort();
    check_inside(&n.domain, buf, len);
    check_inside(&n.workstation, buf, len);
    check_apart(&n.domain, &n.workstation);
    if ((n.domain.len && (size_t)(n.domain.data - buf) < 32)
        || (n.workstation.len && (size_t)(n.workstation.data - buf) < 32))
        abort();
    names(&n.domain, 0);
    names(&n.workstation, 1);
}

/* The TargetInfo of a CHALLENGE message (as ntlm_encode_challenge locates
 * it in ours), or 0. */
static int challenge_ti(const unsigned char *buf, size_t len, ntlm_field *ti)
{
    size_t tlen, off;

    if (ntlm_message_type(buf, len) != 2 || len < 48)
        return 0;
    tlen = rd16(buf + 40);
    off = rd32(buf + 44);
    if (off > len || tlen > len - off)
        return 0;
    ti->data = buf + off;
    ti->len = tlen;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ntlm_field whole = { data, size }, first, second, ti;
    size_t l;

    make_our_ti();

    /* whole */
    if (ntlm_message_type(data, size) < 0 || ntlm_message_type(data, size) > 3)
        abort();
    negotiate(data, size);
    authenticate(data, size, NULL);
    v2_response(&whole, NULL);
    names(&whole, 0);
    names(&whole, 1);

    /* split */
    if (size < 2)
        return 0;
    l = rd16(data);
    if (l > size - 2)
        return 0;
    first.data = data + 2;
    first.len = l;
    second.data = data + 2 + l;
    second.len = size - 2 - l;
    if (challenge_ti(first.data, first.len, &ti)) {
        authenticate(second.data, second.len, &ti);
    }
    else if (ntlm_result_str(ntlm_check_av_echo(&first, &second)) == NULL) {
        abort();
    }
    return 0;
}
