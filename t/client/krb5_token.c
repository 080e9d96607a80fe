/*
 * krb5_token.c - a raw krb5 GSS token (AP-REQ) whose times are chosen by
 * the test (Heimdal), for the clock-skew and expired-ticket cases of
 * t/09_hostile_table.t. Prints the token in base64 on stdout; the test
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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

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

int main(int argc, char **argv)
{
    const char *service = "HTTP@localhost";
    long lifetime = 0, offset = 0;
    int have_lifetime = 0, from_cache = 0, talk = 0, spnego = 0, i;
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
        else {
            fprintf(stderr, "usage: %s [--service svc@host] [--lifetime s] "
                    "[--offset s] [--from-cache]\n", argv[0]);
            return 2;
        }
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
