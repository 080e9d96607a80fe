/*
 * ntlm_load.c - an HTTP load client on libcurl's multi interface.
 *
 *   ntlm_load MODE CONCURRENCY SECONDS URL [USER:PASSWORD]
 *
 * MODE handshake: every transfer on a fresh connection with CURLAUTH_NTLM
 *                 (a full NEGOTIATE/CHALLENGE/AUTHENTICATE handshake each);
 * MODE bound:     each handle signs in once by NTLM, then keeps its
 *                 connection: later requests carry no Authorization;
 * MODE plain:     a page without authentication (static requests),
 *                 keep-alive; the handle is set up as in "bound" (NTLM
 *                 allowed, never asked for) so that the client does the
 *                 same work and the difference is the server's.
 * MODE shadow:    the shape of "handshake" without authentication: two
 *                 requests on each fresh connection, then it is closed
 *                 (the load that NTLM handshakes put on the CPUs, minus
 *                 winbind); with RATE, paced to RATE connections a second.
 *
 *   ntlm_load MODE CONCURRENCY SECONDS URL [USER:PASSWORD [RATE]]
 *
 * Prints transfers per second and their times (p50, p99, max; a handshake
 * is one transfer); every response must be 200. Handle i
 * connects from 127.0.1.(1 + i % 254): so many users, each with its own
 * address, as the module counts its share of winbind
 * (NegotiateWinbindPerClient).
 *
 * With NTLM_LOAD_SCHEME=negotiate the client authenticates with
 * CURLAUTH_NEGOTIATE instead (libcurl's GSSAPI, MIT's SPNEGO): with no
 * Kerberos ticket (KRB5CCNAME=FILE:/nonexistent) and gss-ntlmssp's
 * NTLM_USER_FILE it sends NTLMSSP inside SPNEGO under the Negotiate scheme,
 * the only way mod_auth_gssapi takes NTLM; USER:PASSWORD is then unused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* p-th fraction of the n sorted values, in ms */
static double pct_ms(const double *v, long n, double p)
{
    long i = (long)(p * (double)n);

    return n == 0 ? 0 : 1000 * v[i < n ? i : n - 1];
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static CURL *make_handle(const char *mode, const char *url, const char *cred, int i)
{
    CURL *h = curl_easy_init();
    char source[32];

    snprintf(source, sizeof(source), "host!127.0.1.%d", 1 + i % 254);
    curl_easy_setopt(h, CURLOPT_INTERFACE, source);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    const char *scheme = getenv("NTLM_LOAD_SCHEME");

    if (scheme != NULL && strcmp(scheme, "negotiate") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NEGOTIATE);
        curl_easy_setopt(h, CURLOPT_USERPWD, ":");
    }
    else {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(h, CURLOPT_USERPWD, cred);
    }
    if (strcmp(mode, "handshake") == 0) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    return h;
}

/* shadow: odd transfers open a connection, even ones close it after use */
static void set_shadow_leg(CURL *h, long transfer)
{
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, transfer % 2 == 0 ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, transfer % 2 == 1 ? 1L : 0L);
}

int main(int argc, char **argv)
{
    const char *mode, *url, *cred;
    int conc, i, running = 0, left, shadow, n_idle = 0;
    double seconds, t0, end, rate;
    long ok = 0, bad = 0, started = 0, *legs, n_times = 0, cap_times = 1024;
    double *times = malloc((size_t)cap_times * sizeof(double));
    CURLM *multi;
    CURL **h, **idle;
    CURLMsg *msg;

    if (argc < 5) {
        fprintf(stderr, "usage: %s handshake|bound|plain|shadow CONCURRENCY SECONDS URL "
                "[USER:PASSWORD [RATE]]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    conc = atoi(argv[2]);
    seconds = atof(argv[3]);
    url = argv[4];
    cred = argc > 5 ? argv[5] : "";
    rate = argc > 6 ? atof(argv[6]) : 0;
    shadow = strcmp(mode, "shadow") == 0;
    if (conc < 1 || seconds <= 0)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    /* a private connection for each handle: never share */
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    h = calloc((size_t)conc, sizeof(*h));
    idle = calloc((size_t)conc, sizeof(*idle));
    legs = calloc((size_t)conc, sizeof(*legs));
    for (i = 0; i < conc; i++) {
        h[i] = make_handle(mode, url, cred, i);
        curl_easy_setopt(h[i], CURLOPT_PRIVATE, &legs[i]);
        idle[n_idle++] = h[i];
    }
    t0 = now();
    end = t0 + seconds;
    do {
        /* start idle handles, no faster than RATE connections a second */
        while (n_idle > 0 && now() < end
               && (rate <= 0 || started < rate * (now() - t0) * (shadow ? 2 : 1))) {
            CURL *e = idle[--n_idle];
            long *leg;

            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&leg);
            if (shadow)
                set_shadow_leg(e, (*leg)++);
            curl_multi_add_handle(multi, e);
            started++;
            running++;
        }
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            long code = 0;
            CURL *e = msg->easy_handle;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result == CURLE_OK && code == 200)
                ok++;
            else
                bad++;
            if (n_times == cap_times)
                times = realloc(times, (size_t)(cap_times *= 2) * sizeof(double));
            curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &times[n_times++]);
            curl_multi_remove_handle(multi, e);
            idle[n_idle++] = e;                     /* for the next transfer */
        }
        if (running)
            curl_multi_poll(multi, NULL, 0, n_idle > 0 ? 1 : 100, NULL);
    } while (running > 0 || (n_idle > 0 && now() < end));
    qsort(times, (size_t)n_times, sizeof(double), cmp_double);
    printf("ntlm_load mode=%s concurrency=%d ok=%ld failed=%ld rate=%.1f/s "
           "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n", mode, conc, ok, bad, ok / (now() - t0),
           pct_ms(times, n_times, 0.5), pct_ms(times, n_times, 0.99),
           pct_ms(times, n_times, 1.0));
    free(times);
    free(idle);
    free(legs);
    for (i = 0; i < conc; i++)
        curl_easy_cleanup(h[i]);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return bad ? 1 : 0;
}
