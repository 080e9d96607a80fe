/*
 * tokengen.c - write N fresh SPNEGO initial tokens for HTTP@localhost to
 * stdout, base64, one per line (benchmark helper for bench/run.sh).
 *
 *   tokengen N [SERVICE]        SERVICE defaults to HTTP@localhost
 *
 * Needs a Kerberos ticket cache in KRB5CCNAME (e.g. FILE:/tmp/x after
 * kinit).  That cache is copied into a MEMORY: cache first: Heimdal reads a
 * FILE: cache from the start for every lookup, which would dominate the cost
 * of a token.  One context is established (and thrown away) before timing
 * starts, so the service ticket is fetched from the KDC once and then found
 * in the MEMORY: cache.  Every token comes from its own context
 * (gss_init_sec_context with the SPNEGO mechanism and mutual
 * authentication), which is deleted right after, so each token carries a
 * fresh authenticator.  The rate is reported on stderr.
 *
 * Build:
 *   cc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi heimdal-krb5) \
 *      bench/tokengen.c $(pkg-config --libs heimdal-gssapi heimdal-krb5) \
 *      -o bench/tokengen
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

/* SPNEGO, 1.3.6.1.5.5.2 (RFC 4178) */
static gss_OID_desc spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };

static void die_gss(const char *what, OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 min2, ctx = 0;
    gss_buffer_desc msg;

    fprintf(stderr, "tokengen: %s failed (major 0x%x, minor %d)", what,
            (unsigned)major, (int)minor);
    do {
        if (GSS_ERROR(gss_display_status(&min2, major, GSS_C_GSS_CODE,
                                         GSS_C_NO_OID, &ctx, &msg)))
            break;
        fprintf(stderr, ": %.*s", (int)msg.length, (char *)msg.value);
        gss_release_buffer(&min2, &msg);
    } while (ctx != 0);
    ctx = 0;
    if (minor != 0) {
        do {
            if (GSS_ERROR(gss_display_status(&min2, minor, GSS_C_MECH_CODE,
                                             GSS_C_NO_OID, &ctx, &msg)))
                break;
            fprintf(stderr, ": %.*s", (int)msg.length, (char *)msg.value);
            gss_release_buffer(&min2, &msg);
        } while (ctx != 0);
    }
    fputc('\n', stderr);
    exit(1);
}

static void die_krb5(krb5_context kctx, const char *what, krb5_error_code code)
{
    const char *msg = krb5_get_error_message(kctx, code);

    fprintf(stderr, "tokengen: %s: %s\n", what, msg ? msg : "unknown error");
    krb5_free_error_message(kctx, msg);
    exit(1);
}

/* Standard base64 (RFC 4648 section 4) with padding, NUL-terminated. */
static size_t b64_encode(const unsigned char *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One token from a fresh context; the context is deleted before return.
 * The caller frees *out with gss_release_buffer. */
static void make_token(gss_name_t target, gss_buffer_t out)
{
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    OM_uint32 major, minor, ignored;

    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target,
                                 &spnego_oid,
                                 GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG,
                                 GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                 GSS_C_NO_BUFFER, NULL, out, NULL, NULL);
    if (GSS_ERROR(major))
        die_gss("gss_init_sec_context", major, minor);
    if (out->length == 0) {
        fprintf(stderr, "tokengen: gss_init_sec_context gave an empty token\n");
        exit(1);
    }
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&ignored, &ctx, GSS_C_NO_BUFFER);
}

static void prime_krb5(gss_name_t target)
{
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    OM_uint32 major, minor, ignored;

    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target,
                                 GSS_KRB5_MECHANISM, GSS_C_MUTUAL_FLAG,
                                 GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                 GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    if (GSS_ERROR(major))
        die_gss("getting a service ticket (gss_init_sec_context, krb5)",
                major, minor);
    gss_release_buffer(&ignored, &out);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&ignored, &ctx, GSS_C_NO_BUFFER);
}

/* Copy the caller's ticket cache into a new MEMORY: cache and make it
 * GSSAPI's default.  Returns the MEMORY: cache (kept open until exit). */
static krb5_ccache memory_ccache(krb5_context kctx)
{
    krb5_ccache src, mem;
    krb5_error_code code;
    char *name = NULL;
    const char *prev = NULL;
    OM_uint32 major, minor;

    code = krb5_cc_default(kctx, &src);
    if (code != 0)
        die_krb5(kctx, "cannot open the ticket cache (KRB5CCNAME)", code);
    code = krb5_cc_new_unique(kctx, "MEMORY", NULL, &mem);
    if (code != 0)
        die_krb5(kctx, "cannot create a MEMORY: ticket cache", code);
    code = krb5_cc_copy_cache(kctx, src, mem);
    if (code != 0)
        die_krb5(kctx, "cannot copy the ticket cache (did kinit run?)", code);
    krb5_cc_close(kctx, src);
    code = krb5_cc_get_full_name(kctx, mem, &name);
    if (code != 0)
        die_krb5(kctx, "cannot name the MEMORY: ticket cache", code);
    /* Both: the environment for anything that reads KRB5CCNAME, and
     * GSSAPI's own setting, before the first GSSAPI call. */
    if (setenv("KRB5CCNAME", name, 1) != 0) {
        perror("tokengen: setenv");
        exit(1);
    }
    major = gss_krb5_ccache_name(&minor, name, &prev);
    if (GSS_ERROR(major))
        die_gss("gss_krb5_ccache_name", major, minor);
    free(name);
    return mem;
}

static int count_creds(krb5_context kctx, krb5_ccache cc)
{
    krb5_cc_cursor cur;
    krb5_creds creds;
    int n = 0;

    if (krb5_cc_start_seq_get(kctx, cc, &cur) != 0)
        return -1;
    while (krb5_cc_next_cred(kctx, cc, &cur, &creds) == 0) {
        n++;
        krb5_free_cred_contents(kctx, &creds);
    }
    krb5_cc_end_seq_get(kctx, cc, &cur);
    return n;
}

int main(int argc, char **argv)
{
    const char *service = "HTTP@localhost";
    gss_buffer_desc namebuf, tok;
    gss_name_t target = GSS_C_NO_NAME;
    OM_uint32 major, minor, ignored;
    krb5_context kctx;
    krb5_ccache mem;
    krb5_error_code code;
    unsigned long n, i;
    char *end, *b64 = NULL;
    size_t b64cap = 0, total = 0;
    double t0, t1;
    int before, after;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s N [SERVICE]   (SERVICE default %s)\n",
                argv[0], service);
        return 2;
    }
    errno = 0;
    n = strtoul(argv[1], &end, 10);
    if (errno != 0 || *argv[1] == '\0' || *end != '\0' || n == 0) {
        fprintf(stderr, "tokengen: N must be a positive number\n");
        return 2;
    }
    if (argc == 3)
        service = argv[2];

    code = krb5_init_context(&kctx);
    if (code != 0) {
        fprintf(stderr, "tokengen: krb5_init_context failed (%d)\n", (int)code);
        return 1;
    }
    mem = memory_ccache(kctx);
    before = count_creds(kctx, mem);

    namebuf.value = (void *)service;
    namebuf.length = strlen(service);
    major = gss_import_name(&minor, &namebuf, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(major))
        die_gss("gss_import_name", major, minor);

    /* Fetch the service ticket once, into the MEMORY: cache.  SPNEGO hides
     * the Kerberos error ("unsupported mechanism" when no ticket can be
     * had): ask the krb5 mechanism directly first, for a useful message. */
    prime_krb5(target);
    make_token(target, &tok);
    gss_release_buffer(&ignored, &tok);
    after = count_creds(kctx, mem);
    if (after <= before)
        fprintf(stderr, "tokengen: warning: the service ticket did not land in "
                "the MEMORY: cache (%d -> %d entries)\n", before, after);

    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    t0 = now_sec();
    for (i = 0; i < n; i++) {
        size_t need;

        make_token(target, &tok);
        need = (tok.length + 2) / 3 * 4 + 1;
        if (need > b64cap) {
            b64cap = need * 2;
            b64 = realloc(b64, b64cap);
            if (b64 == NULL) {
                perror("tokengen: realloc");
                return 1;
            }
        }
        total += b64_encode(tok.value, tok.length, b64);
        gss_release_buffer(&ignored, &tok);
        if (fputs(b64, stdout) == EOF || putchar('\n') == EOF) {
            perror("tokengen: write");
            return 1;
        }
    }
    if (fflush(stdout) != 0) {
        perror("tokengen: write");
        return 1;
    }
    t1 = now_sec();
    fprintf(stderr, "tokengen: %lu tokens for %s in %.2f s: %.0f tokens/s, "
            "%.0f base64 bytes/token\n", n, service, t1 - t0,
            (double)n / (t1 - t0), (double)total / (double)n);

    free(b64);
    gss_release_name(&ignored, &target);
    krb5_cc_destroy(kctx, mem);
    krb5_free_context(kctx);
    return 0;
}
