/*
 * krb5_token.c - a raw krb5 GSS token (AP-REQ) whose times are chosen by
 * the test (Heimdal), for the clock-skew and expired-ticket cases of
 * t/71_hostile_table.t. Prints the token in base64 on stdout; the test
 * frames it in SPNEGO itself when it wants to.
 *
 *   krb5_token [--service HTTP@localhost] [--lifetime SECONDS]
 *              [--offset SECONDS] [--from-cache] [--converse [--spnego]]
 *
 * With the client's credentials from KRB5CCNAME (copied into a MEMORY
 * ccache, so the caller's cache is left alone):
 *   1. a service ticket is asked from the KDC at the real time, with
 *      --lifetime: till = now + SECONDS (the KDC refuses a till in the
 *      past); --from-cache: KRB5CCNAME holds the service ticket already
 *      (made by kimpersonate from the service key, with any times);
 *   2. gsskrb5_set_time_offset(--offset) shifts the initiator's clock, so
 *      the authenticator carries now + offset, and a ticket that is over
 *      still looks valid to the initiator;
 *   3. gss_init_sec_context builds the AP-REQ.
 * Diagnostics (the ticket's times as the KDC issued them, errors) go to
 * stderr as key=value lines.
 *
 * --converse: a Heimdal initiator driven over stdin/stdout (t/client/
 * skew_client.py): after the service ticket it prints "ready" and waits for
 * a line (the driver moves the clock, libfaketime); then it prints
 * "token=BASE64" and, for each line it reads (the server's token in base64,
 * or empty for none), the result of the next gss_init_sec_context:
 * "token=BASE64" (another leg), "complete", or "error=...". --spnego:
 * the SPNEGO mechanism instead of krb5.
 *
 *   krb5_token --forge [--service HTTP@localhost] [--offset SECONDS]
 *              [--client NAME@REALM] [--gss-flags N] [--bindings HEX32]
 *              [--no-checksum]
 *
 * --forge: tokens a real initiator refuses to make (an authenticator for a
 * ticket that is over, or naming another client than the ticket). The
 * AP-REQ is put together here from Heimdal's krb5 and ASN.1 functions:
 * the service ticket is taken from KRB5CCNAME as it is (matched by server
 * name only, its times are not looked at), the Authenticator (RFC 4120
 * 5.5.1) carries crealm/cname of the ticket's client or --client, ctime =
 * the real time + --offset, the GSS checksum of RFC 4121 4.1.1 (--gss-flags,
 * default 0x3e; --bindings: the 16 bytes of Bnd; --no-checksum: none), a
 * fresh subkey and sequence number, and is sealed with the ticket's
 * session key (key usage 11). The AP-REQ is framed as RFC 4121 4.1 says:
 * the krb5 OID, TOK_ID 01 00, the AP-REQ. Flag 0x1 (DELEG) is not given
 * its Deleg field: the checksum stays 24 bytes whatever the flags.
 *
 *   krb5_token --read-reply HEX [--service HTTP@localhost]
 *
 * --read-reply: the server's answer (its AP-REP, hex) to a token made from
 * the ticket in KRB5CCNAME, decrypted with the ticket's session key:
 * prints "reply ctime=... cusec=... subkey=ENCTYPE|none seq=present|none"
 * (t/14_ticket_cache.t compares the fast path's answer with Heimdal's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <krb5_asn1.h>

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void print_base64(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        putchar(b64chars[v >> 18]);
        putchar(b64chars[(v >> 12) & 63]);
        putchar(b64chars[(v >> 6) & 63]);
        putchar(b64chars[v & 63]);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        printf("%c%c==", b64chars[v >> 18], b64chars[(v >> 12) & 63]);
    }
    else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        printf("%c%c%c=", b64chars[v >> 18], b64chars[(v >> 12) & 63],
               b64chars[(v >> 6) & 63]);
    }
    putchar('\n');
}

static void die_krb5(krb5_context ctx, krb5_error_code code, const char *what)
{
    const char *msg = krb5_get_error_message(ctx, code);

    fprintf(stderr, "error=%s: %s\n", what, msg ? msg : "?");
    exit(2);
}

static int b64val(int c)
{
    const char *p = c ? strchr(b64chars, c) : NULL;

    return p ? (int)(p - b64chars) : -1;
}

/* Decode base64 (no whitespace) into out; returns the length. */
static size_t decode_base64(const char *in, unsigned char *out, size_t cap)
{
    size_t n = 0;
    unsigned v = 0;
    int bits = 0, d;

    for (; *in && *in != '=' && *in != '\n'; in++) {
        if ((d = b64val(*in)) < 0)
            break;
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8 && n < cap) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    return n;
}

static void print_status(OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 junk, mctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;

    gss_display_status(&junk, minor ? minor : major,
                       minor ? GSS_C_MECH_CODE : GSS_C_GSS_CODE,
                       GSS_C_NO_OID, &mctx, &text);
    printf("error=%.*s (major 0x%x, minor %u)\n", (int)text.length,
           (const char *)text.value, major, minor);
    gss_release_buffer(&junk, &text);
}

/* --converse: the legs after the first token, as the driver feeds them. */
static void converse(gss_cred_id_t cred, gss_ctx_id_t *gctx, gss_name_t target,
                     gss_OID mech)
{
    static char line[65536];
    static unsigned char in[49152];
    gss_buffer_desc input, token = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        input.length = decode_base64(line, in, sizeof(in));
        input.value = in;
        major = gss_init_sec_context(&minor, cred, gctx, target, mech,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                     &input, NULL, &token, NULL, NULL);
        if (GSS_ERROR(major)) {
            print_status(major, minor);
        } else if (token.length > 0) {
            printf("token=");
            print_base64(token.value, token.length);
        }
        if (!GSS_ERROR(major) && major == GSS_S_COMPLETE)
            printf("complete\n");
        fflush(stdout);
        gss_release_buffer(&minor, &token);
        if (GSS_ERROR(major) || major == GSS_S_COMPLETE)
            return;
    }
}

static void die_gss(OM_uint32 major, OM_uint32 minor, const char *what)
{
    OM_uint32 junk, mctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;

    gss_display_status(&junk, minor ? minor : major,
                       minor ? GSS_C_MECH_CODE : GSS_C_GSS_CODE,
                       GSS_C_NO_OID, &mctx, &text);
    fprintf(stderr, "error=%s: %.*s (major 0x%x, minor %u)\n", what,
            (int)text.length, (const char *)text.value, major, minor);
    gss_release_buffer(&junk, &text);
    exit(2);
}

/* Copy only the TGTs: other service tickets in the caller's cache (curl
 * stores them there) must not be picked instead of ours. */
static krb5_boolean is_tgt(krb5_context ctx, void *data, const krb5_creds *c)
{
    (void)data;
    return krb5_principal_get_num_comp(ctx, c->server) == 2
        && strcmp(krb5_principal_get_comp_string(ctx, c->server, 0), "krbtgt") == 0;
}

/* --forge: what the test chooses for the token */
struct forge_opts {
    const char *service;        /* service@host, as for the other modes */
    long offset;                /* seconds added to the authenticator's ctime */
    const char *client;         /* NAME@REALM for cname/crealm, or NULL */
    unsigned long gss_flags;    /* RFC 4121 4.1.1.1 context flags */
    unsigned char bnd[16];      /* channel binding hash, zeros for none */
    int no_checksum;
    const char *reply;          /* --read-reply: the server's AP-REP, hex */
};

/* Exactly 32 hex digits into 16 bytes; 0 on success. */
static int parse_hex16(const char *in, unsigned char out[16])
{
    unsigned v;
    int i;

    if (strlen(in) != 32 || strspn(in, "0123456789abcdefABCDEF") != 32)
        return -1;
    for (i = 0; i < 16; i++) {
        if (sscanf(in + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* The credential whose server is the given principal, whatever its times
 * (krb5_cc_retrieve_cred would not help: the point is to take tickets that
 * are over). */
static void find_service_cred(krb5_context ctx, krb5_ccache cc,
                              krb5_const_principal server, krb5_creds *found)
{
    krb5_cc_cursor cursor;
    krb5_creds c;
    krb5_error_code code;
    int have = 0;

    if ((code = krb5_cc_start_seq_get(ctx, cc, &cursor)) != 0)
        die_krb5(ctx, code, "krb5_cc_start_seq_get");
    while (!have && krb5_cc_next_cred(ctx, cc, &cursor, &c) == 0) {
        if (krb5_principal_compare(ctx, c.server, server)) {
            if ((code = krb5_copy_creds_contents(ctx, &c, found)) != 0)
                die_krb5(ctx, code, "krb5_copy_creds_contents");
            have = 1;
        }
        krb5_free_cred_contents(ctx, &c);
    }
    krb5_cc_end_seq_get(ctx, cc, &cursor);
    if (!have) {
        fprintf(stderr, "error=no ticket for the service in KRB5CCNAME\n");
        exit(2);
    }
}

/* Append a 32-bit value little-endian, as RFC 4121 4.1.1 wants Lgth and
 * Flags (unlike the rest of Kerberos). */
static unsigned char *put_le32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)((v >> 24) & 0xff);
    return p + 4;
}

/* The authenticator checksum of RFC 4121 4.1.1: type 0x8003, 24 bytes:
 * Lgth (16), Bnd (MD5 of the channel bindings, or zeros), Flags. */
static Checksum *gss_checksum(const struct forge_opts *o)
{
    Checksum *ck = calloc(1, sizeof(*ck));
    unsigned char *p = malloc(24);

    if (ck == NULL || p == NULL) {
        fprintf(stderr, "error=out of memory\n");
        exit(2);
    }
    ck->cksumtype = CKSUMTYPE_GSSAPI;
    ck->checksum.length = 24;
    ck->checksum.data = p;
    p = put_le32(p, 16);
    memcpy(p, o->bnd, 16);
    put_le32(p + 16, o->gss_flags);
    return ck;
}

/* The Authenticator (RFC 4120 5.5.1) for the credential, times and names
 * as the test chose them. */
static void build_authenticator(krb5_context ctx, const struct forge_opts *o,
                                krb5_creds *cred, Authenticator *a)
{
    krb5_principal who = cred->client, named = NULL;
    krb5_error_code code;
    struct timeval now;
    uint32_t seq;

    memset(a, 0, sizeof(*a));
    if (o->client != NULL) {
        if ((code = krb5_parse_name(ctx, o->client, &named)) != 0)
            die_krb5(ctx, code, "--client");
        who = named;
    }
    a->authenticator_vno = 5;
    if (copy_Realm(&who->realm, &a->crealm) != 0
        || copy_PrincipalName(&who->name, &a->cname) != 0) {
        fprintf(stderr, "error=out of memory\n");
        exit(2);
    }
    gettimeofday(&now, NULL);
    a->ctime = (KerberosTime)(now.tv_sec + o->offset);
    a->cusec = (krb5int32)now.tv_usec;
    if (!o->no_checksum)
        a->cksum = gss_checksum(o);
    a->subkey = calloc(1, sizeof(*a->subkey));
    a->seq_number = calloc(1, sizeof(*a->seq_number));
    if (a->subkey == NULL || a->seq_number == NULL) {
        fprintf(stderr, "error=out of memory\n");
        exit(2);
    }
    if ((code = krb5_generate_random_keyblock(ctx, cred->session.keytype,
                                              a->subkey)) != 0)
        die_krb5(ctx, code, "krb5_generate_random_keyblock");
    if ((code = krb5_generate_seq_number(ctx, &cred->session, &seq)) != 0)
        die_krb5(ctx, code, "krb5_generate_seq_number");
    *a->seq_number = seq;
    fprintf(stderr, "now=%ld\nctime=%ld\nendtime=%ld\nenctype=%d\n",
            (long)now.tv_sec, (long)a->ctime, (long)cred->times.endtime,
            (int)cred->session.keytype);
    if (named != NULL)
        krb5_free_principal(ctx, named);
}

/* The authenticator, DER-encoded and sealed with the session key
 * (RFC 4120 7.5.1: key usage 11, KRB5_KU_AP_REQ_AUTH). */
static void seal_authenticator(krb5_context ctx, krb5_creds *cred,
                               const Authenticator *a, EncryptedData *out)
{
    unsigned char *der = NULL;
    size_t len = 0, size = 0;
    krb5_crypto crypto;
    krb5_error_code code;

    ASN1_MALLOC_ENCODE(Authenticator, der, len, a, &size, code);
    if (code != 0 || size != len)
        die_krb5(ctx, code ? code : EINVAL, "encode_Authenticator");
    if ((code = krb5_crypto_init(ctx, &cred->session, 0, &crypto)) != 0)
        die_krb5(ctx, code, "krb5_crypto_init");
    if ((code = krb5_encrypt_EncryptedData(ctx, crypto, KRB5_KU_AP_REQ_AUTH,
                                           der, len, 0, out)) != 0)
        die_krb5(ctx, code, "krb5_encrypt_EncryptedData");
    krb5_crypto_destroy(ctx, crypto);
    free(der);
}

/* The AP-REQ (RFC 4120 5.5.1) in GSS framing (RFC 4121 4.1, RFC 2743 3.1):
 * [APPLICATION 0] { krb5 OID, TOK_ID 01 00, AP-REQ }. */
static void print_ap_req(krb5_context ctx, krb5_creds *cred, EncryptedData *auth)
{
    AP_REQ ap;
    unsigned char *der = NULL, *inner;
    size_t len = 0, size = 0;
    krb5_error_code code;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor;

    memset(&ap, 0, sizeof(ap));
    ap.pvno = 5;
    ap.msg_type = krb_ap_req;
    ap.ap_options.mutual_required = 1;
    if ((code = decode_Ticket(cred->ticket.data, cred->ticket.length,
                              &ap.ticket, &size)) != 0)
        die_krb5(ctx, code, "decode_Ticket");
    ap.authenticator = *auth;
    ASN1_MALLOC_ENCODE(AP_REQ, der, len, &ap, &size, code);
    if (code != 0 || size != len)
        die_krb5(ctx, code ? code : EINVAL, "encode_AP_REQ");
    free_Ticket(&ap.ticket);
    if ((inner = malloc(len + 2)) == NULL) {
        fprintf(stderr, "error=out of memory\n");
        exit(2);
    }
    inner[0] = 0x01;                    /* TOK_ID of KRB_AP_REQ */
    inner[1] = 0x00;
    memcpy(inner + 2, der, len);
    in.value = inner;
    in.length = len + 2;
    if (gss_encapsulate_token(&in, GSS_KRB5_MECHANISM, &out) != GSS_S_COMPLETE) {
        fprintf(stderr, "error=gss_encapsulate_token failed\n");
        exit(2);
    }
    print_base64(out.value, out.length);
    fflush(stdout);
    gss_release_buffer(&minor, &out);
    free(inner);
    free(der);
}

/* Hex digits into bytes (malloc'd, *len set); NULL if not hex. */
static unsigned char *parse_hex(const char *in, size_t *len)
{
    size_t n = strlen(in), i;
    unsigned char *out;
    unsigned v;

    if (n == 0 || n % 2 != 0 || strspn(in, "0123456789abcdefABCDEF") != n
        || (out = malloc(n / 2)) == NULL)
        return NULL;
    for (i = 0; i < n / 2; i++) {
        if (sscanf(in + 2 * i, "%2x", &v) != 1) {
            free(out);
            return NULL;
        }
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return out;
}

/* --read-reply HEX: the server's AP-REP (GSS framing, TOK_ID 02 00, RFC
 * 4121 4.1), decrypted with the ticket's session key (key usage 12);
 * prints what it carries: "reply ctime=... cusec=... subkey=ENCTYPE|none
 * seq=present|none". */
static void read_reply(krb5_context ctx, krb5_creds *cred, const char *hex)
{
    gss_buffer_desc in, inner = GSS_C_EMPTY_BUFFER;
    unsigned char *tok;
    size_t len, size;
    OM_uint32 minor;
    AP_REP rep;
    EncAPRepPart part;
    krb5_crypto crypto;
    krb5_data plain;
    krb5_error_code code;

    if ((tok = parse_hex(hex, &len)) == NULL) {
        fprintf(stderr, "error=--read-reply wants hex\n");
        exit(2);
    }
    in.value = tok;
    in.length = len;
    if (gss_decapsulate_token(&in, GSS_KRB5_MECHANISM, &inner) != GSS_S_COMPLETE
        || inner.length < 2 || memcmp(inner.value, "\x02\x00", 2) != 0) {
        fprintf(stderr, "error=not a krb5 AP-REP token\n");
        exit(2);
    }
    if ((code = decode_AP_REP((unsigned char *)inner.value + 2, inner.length - 2,
                              &rep, &size)) != 0)
        die_krb5(ctx, code, "decode_AP_REP");
    if ((code = krb5_crypto_init(ctx, &cred->session, 0, &crypto)) != 0
        || (code = krb5_decrypt_EncryptedData(ctx, crypto, KRB5_KU_AP_REQ_ENC_PART,
                                              &rep.enc_part, &plain)) != 0)
        die_krb5(ctx, code, "decrypting the AP-REP");
    if ((code = decode_EncAPRepPart(plain.data, plain.length, &part, &size)) != 0)
        die_krb5(ctx, code, "decode_EncAPRepPart");
    printf("reply ctime=%ld cusec=%d subkey=", (long)part.ctime, (int)part.cusec);
    if (part.subkey != NULL)
        printf("%d", (int)part.subkey->keytype);
    else
        printf("none");
    printf(" seq=%s\n", part.seq_number ? "present" : "none");
    free_EncAPRepPart(&part);
    krb5_data_free(&plain);
    krb5_crypto_destroy(ctx, crypto);
    free_AP_REP(&rep);
    gss_release_buffer(&minor, &inner);
    free(tok);
}

/* --forge: the token from the service ticket in KRB5CCNAME (or, with
 * --read-reply, the server's answer to one). */
static int forge(const struct forge_opts *o)
{
    krb5_context ctx;
    krb5_ccache cc;
    krb5_principal me, server;
    krb5_creds cred;
    krb5_error_code code;
    Authenticator a;
    EncryptedData sealed;
    char host_svc[256], *at;

    snprintf(host_svc, sizeof(host_svc), "%s", o->service);
    if ((at = strchr(host_svc, '@')) == NULL) {
        fprintf(stderr, "error=--service must be service@host\n");
        return 2;
    }
    *at = '\0';
    if (krb5_init_context(&ctx) != 0)
        return 2;
    if ((code = krb5_cc_default(ctx, &cc)) != 0)
        die_krb5(ctx, code, "krb5_cc_default");
    if ((code = krb5_cc_get_principal(ctx, cc, &me)) != 0)
        die_krb5(ctx, code, "no credentials in KRB5CCNAME");
    if ((code = krb5_make_principal(ctx, &server, krb5_principal_get_realm(ctx, me),
                                    host_svc, at + 1, NULL)) != 0)
        die_krb5(ctx, code, "krb5_make_principal");
    memset(&cred, 0, sizeof(cred));
    find_service_cred(ctx, cc, server, &cred);
    if (o->reply != NULL) {
        read_reply(ctx, &cred, o->reply);
    }
    else {
        build_authenticator(ctx, o, &cred, &a);
        memset(&sealed, 0, sizeof(sealed));
        seal_authenticator(ctx, &cred, &a, &sealed);
        print_ap_req(ctx, &cred, &sealed);
        free_EncryptedData(&sealed);
        free_Authenticator(&a);
    }
    krb5_free_cred_contents(ctx, &cred);
    krb5_free_principal(ctx, server);
    krb5_free_principal(ctx, me);
    krb5_cc_close(ctx, cc);
    krb5_free_context(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    const char *service = "HTTP@localhost";
    long lifetime = 0, offset = 0;
    int have_lifetime = 0, from_cache = 0, talk = 0, spnego = 0, i;
    int forging = 0;
    struct forge_opts fo = { NULL, 0, NULL, 0x3e, { 0 }, 0, NULL };
    static gss_OID_desc spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };
    gss_OID mech = GSS_KRB5_MECHANISM;
    char go[16];
    krb5_context ctx;
    krb5_ccache src, mem;
    krb5_principal client, server;
    krb5_creds in, *out = NULL;
    krb5_error_code code;
    char host_svc[256], *at;
    OM_uint32 major, minor;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_name_t target = GSS_C_NO_NAME;
    gss_ctx_id_t gctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc name_buf, token = GSS_C_EMPTY_BUFFER;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
            service = argv[++i];
        else if (strcmp(argv[i], "--lifetime") == 0 && i + 1 < argc) {
            lifetime = strtol(argv[++i], NULL, 10);
            have_lifetime = 1;
        }
        else if (strcmp(argv[i], "--from-cache") == 0)
            from_cache = 1;
        else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc)
            offset = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--converse") == 0)
            talk = 1;
        else if (strcmp(argv[i], "--spnego") == 0)
            spnego = 1;
        else if (strcmp(argv[i], "--forge") == 0)
            forging = 1;
        else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc)
            fo.client = argv[++i];
        else if (strcmp(argv[i], "--gss-flags") == 0 && i + 1 < argc)
            fo.gss_flags = strtoul(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--bindings") == 0 && i + 1 < argc
                 && parse_hex16(argv[i + 1], fo.bnd) == 0)
            i++;
        else if (strcmp(argv[i], "--no-checksum") == 0)
            fo.no_checksum = 1;
        else if (strcmp(argv[i], "--read-reply") == 0 && i + 1 < argc) {
            fo.reply = argv[++i];
            forging = 1;
        }
        else {
            fprintf(stderr, "usage: %s [--service svc@host] [--lifetime s] "
                    "[--offset s] [--from-cache] [--converse [--spnego]]\n"
                    "       %s --forge [--service svc@host] [--offset s] "
                    "[--client name@REALM] [--gss-flags n] [--bindings hex32] "
                    "[--no-checksum]\n"
                    "       %s --read-reply HEX [--service svc@host]\n",
                    argv[0], argv[0], argv[0]);
            return 2;
        }
    }
    if (forging) {
        fo.service = service;
        fo.offset = offset;
        return forge(&fo);
    }
    /* 1. the service ticket, at the real time */
    if ((code = krb5_init_context(&ctx)) != 0)
        return 2;
    if ((code = krb5_cc_default(ctx, &src)) != 0)
        die_krb5(ctx, code, "krb5_cc_default");
    if ((code = krb5_cc_get_principal(ctx, src, &client)) != 0)
        die_krb5(ctx, code, "no credentials in KRB5CCNAME");
    if ((code = krb5_cc_new_unique(ctx, "MEMORY", NULL, &mem)) != 0
        || (code = krb5_cc_initialize(ctx, mem, client)) != 0)
        die_krb5(ctx, code, "MEMORY ccache");
    /* --from-cache: the service ticket is in KRB5CCNAME already (made by
     * kimpersonate from the service key, with the times the test wants) */
    if ((code = krb5_cc_copy_match_f(ctx, src, mem, from_cache ? NULL : is_tgt,
                                     NULL, NULL)) != 0)
        die_krb5(ctx, code, "copying the credentials");

    snprintf(host_svc, sizeof(host_svc), "%s", service);
    at = strchr(host_svc, '@');
    if (at == NULL) {
        fprintf(stderr, "error=--service must be service@host\n");
        return 2;
    }
    *at = '\0';
    if ((code = krb5_make_principal(ctx, &server, krb5_principal_get_realm(ctx, client),
                                    host_svc, at + 1, NULL)) != 0)
        die_krb5(ctx, code, "krb5_make_principal");
    if (!from_cache) {
        memset(&in, 0, sizeof(in));
        in.client = client;
        in.server = server;
        if (have_lifetime)
            in.times.endtime = time(NULL) + lifetime;
        if ((code = krb5_get_credentials(ctx, 0, mem, &in, &out)) != 0)
            die_krb5(ctx, code, "TGS request");
        fprintf(stderr, "now=%ld\nstarttime=%ld\nendtime=%ld\n", (long)time(NULL),
                (long)(out->times.starttime ? out->times.starttime : out->times.authtime),
                (long)out->times.endtime);
    }

    if (talk) {
        printf("ready\n");
        fflush(stdout);
        if (fgets(go, sizeof(go), stdin) == NULL)
            return 2;
    }
    if (spnego)
        mech = &spnego_oid;

    /* 2. the initiator's clock */
    if (offset != 0 && GSS_ERROR(gsskrb5_set_time_offset((int)offset))) {
        fprintf(stderr, "error=gsskrb5_set_time_offset failed\n");
        return 2;
    }

    /* 3. the token, from the MEMORY ccache (shared by name in the process) */
    if (spnego) {
        /* Heimdal's SPNEGO takes no krb5-only credential: the default
         * ccache of its GSS layer is the MEMORY one instead */
        char *full = NULL;

        if ((code = krb5_cc_get_full_name(ctx, mem, &full)) != 0)
            die_krb5(ctx, code, "krb5_cc_get_full_name");
        major = gss_krb5_ccache_name(&minor, full, NULL);
        free(full);
        if (GSS_ERROR(major))
            die_gss(major, minor, "gss_krb5_ccache_name");
    } else {
        major = gss_krb5_import_cred(&minor, mem, NULL, NULL, &cred);
        if (GSS_ERROR(major))
            die_gss(major, minor, "gss_krb5_import_cred");
    }
    name_buf.value = (void *)service;
    name_buf.length = strlen(service);
    major = gss_import_name(&minor, &name_buf, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(major))
        die_gss(major, minor, "gss_import_name");
    major = gss_init_sec_context(&minor, cred, &gctx, target, mech,
                                 GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                 GSS_C_NO_BUFFER, NULL, &token, NULL, NULL);
    if (GSS_ERROR(major))
        die_gss(major, minor, "gss_init_sec_context");
    if (talk)
        printf("token=");
    print_base64(token.value, token.length);
    fflush(stdout);
    if (talk)
        converse(cred, &gctx, target, mech);

    gss_release_buffer(&minor, &token);
    gss_delete_sec_context(&minor, &gctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &target);
    gss_release_cred(&minor, &cred);
    if (out != NULL)
        krb5_free_creds(ctx, out);
    krb5_free_principal(ctx, server);
    krb5_free_principal(ctx, client);
    krb5_cc_destroy(ctx, mem);
    krb5_cc_close(ctx, src);
    krb5_free_context(ctx);
    return 0;
}
