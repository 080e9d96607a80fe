/*
 * wbc_rate.c - winbind's own rate of NTLMv2 verifications, called directly
 * through libwbclient (the ceiling for NTLM handshakes through the module).
 *
 *   wbc_rate THREADS SECONDS DOMAIN USER PASSWORD [batch]
 *
 * Each thread has its own wbcContext (one open connection to winbindd, as
 * the module's pool threads do) and verifies fresh NTLMv2 responses to
 * random challenges, made here with Heimdal's libheimntlm. The responses
 * carry a TargetInfo like the module's (NetBIOS and DNS names, timestamp),
 * as every real client's NTLMv2 response does. With "batch", the threads
 * run SCHED_BATCH, as the module's winbind threads do (a thread woken by
 * winbindd's answer then does not preempt winbindd).
 */
#define _GNU_SOURCE         /* SCHED_BATCH */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <heimntlm.h>
#include <wbclient.h>

static const char *domain, *user;
static int batch;
static struct ntlm_buf nt_key;
static struct ntlm_buf target_info;

static void make_target_info(void)
{
    struct ntlm_targetinfo ti;

    memset(&ti, 0, sizeof(ti));
    ti.domainname = (char *)domain;
    ti.servername = "DC1";
    ti.dnsdomainname = "example.test";
    ti.dnsservername = "dc1.example.test";
    ti.timestamp = ((uint64_t)time(NULL) + 11644473600ULL) * 10000000ULL;
    heim_ntlm_encode_targetinfo(&ti, 1, &target_info);
}
static double seconds;

typedef struct {
    long ok, failed;
    double max_s;                   /* the slowest verification */
} counts;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int verify_once(struct wbcContext *ctx, unsigned int *seed)
{
    struct wbcAuthUserParams p;
    struct wbcAuthUserInfo *info = NULL;
    struct wbcAuthErrorInfo *err = NULL;
    struct ntlm_buf answer = { 0, NULL };
    unsigned char challenge[8], proof[16];
    wbcErr e;
    int i;

    for (i = 0; i < 8; i++)
        challenge[i] = (unsigned char)rand_r(seed);
    if (heim_ntlm_calculate_ntlm2(nt_key.data, nt_key.length, user, domain,
                                  challenge, &target_info, proof, &answer) != 0)
        return 0;
    memset(&p, 0, sizeof(p));
    p.account_name = user;
    p.domain_name = domain;
    p.workstation_name = "BENCH";
    p.level = WBC_AUTH_USER_LEVEL_RESPONSE;
    memcpy(p.password.response.challenge, challenge, 8);
    p.password.response.nt_length = (uint32_t)answer.length;
    p.password.response.nt_data = answer.data;
    e = wbcCtxAuthenticateUserEx(ctx, &p, &info, &err);
    wbcFreeMemory(info);
    wbcFreeMemory(err);
    heim_ntlm_free_buf(&answer);
    return e == WBC_ERR_SUCCESS;
}

static void *worker(void *arg)
{
    counts *c = arg;
    struct wbcContext *ctx = wbcCtxCreate();
    unsigned int seed = (unsigned int)(size_t)arg ^ (unsigned int)time(NULL);
    double end = now() + seconds;

    if (batch) {
        struct sched_param sp = { 0 };

        pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    }
    while (now() < end) {
        double t = now();

        if (verify_once(ctx, &seed))
            c->ok++;
        else
            c->failed++;
        t = now() - t;
        if (t > c->max_s)
            c->max_s = t;
    }
    wbcCtxFree(ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads, i;
    pthread_t *tid;
    counts *c;
    long ok = 0, failed = 0;
    double t0, max_s = 0;

    if (argc != 6 && !(argc == 7 && strcmp(argv[6], "batch") == 0)) {
        fprintf(stderr, "usage: %s THREADS SECONDS DOMAIN USER PASSWORD [batch]\n", argv[0]);
        return 2;
    }
    threads = atoi(argv[1]);
    seconds = atof(argv[2]);
    domain = argv[3];
    user = argv[4];
    batch = argc == 7;
    if (threads < 1 || seconds <= 0 || heim_ntlm_nt_key(argv[5], &nt_key) != 0)
        return 2;
    make_target_info();
    tid = calloc((size_t)threads, sizeof(*tid));
    c = calloc((size_t)threads, sizeof(*c));
    t0 = now();
    for (i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, &c[i]);
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        ok += c[i].ok;
        failed += c[i].failed;
        if (c[i].max_s > max_s)
            max_s = c[i].max_s;
    }
    printf("wbc_rate threads=%d verified=%ld failed=%ld rate=%.1f/s max=%.3fs\n", threads,
           ok, failed, ok / (now() - t0), max_s);
    return failed ? 1 : 0;
}
