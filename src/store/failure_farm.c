/*
 * failure_farm.c - NegotiateFailureLimit across a farm (see
 * failure_farm.h).
 */
#include "failure_farm.h"

#include <string.h>

#include "http_log.h"
#include "apr_strings.h"

#include "failure_limit.h"
#include "replay.h"
#include "replay_remote.h"
#include "secret.h"

APLOG_USE_MODULE(auth_negotiate);

/* Why this thread's last count failed (for NEG1010; no names in it). */
static __thread char last_why[240];

static int farm_add(void *baton, const unsigned char key[32], int delta, int seconds,
                    long long *count, int64_t *window_end)
{
    server_rec *s = baton;
    neg_remote *r = neg_replay_remote();
    apr_pool_t *p;
    const char *why = NULL;
    long long ttl_ms = -2;
    neg_replay_result result;

    if (r == NULL || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        apr_cpystrn(last_why, "no memory for the call", sizeof(last_why));
        return 0;
    }
    result = neg_remote_count(r, s, key, delta, seconds, count, &ttl_ms, p, &why);
    if (result != NEG_REPLAY_FRESH)
        apr_cpystrn(last_why, why ? why : "no answer", sizeof(last_why));
    apr_pool_destroy(p);
    *window_end = neg_failure_farm_window_end((int64_t)apr_time_sec(apr_time_now()), ttl_ms);
    return result == NEG_REPLAY_FRESH;
}

static void farm_note(void *baton, neg_fail_event ev, const char *client)
{
    server_rec *s = baton;
    int count = neg_failure_limit_count(), sec = neg_failure_limit_seconds();

    if (ev == NEG_FAIL_EVENT_FARM_DOWN)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "NEG1010: NegotiateFailureLimit: "
                     "the farm's count (NegotiateReplayCache %s) did not answer (%s): "
                     "this server counts failed password logons on its own until it "
                     "does (at most %d per user and address in %d s on each server of "
                     "the farm); logged once per %d s", neg_replay_name(), last_why,
                     count, sec, sec);
    else if (ev == NEG_FAIL_EVENT_FULL)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "NEG1011: NegotiateFailureLimit: "
                     "no free place in the table of failed logons for a user from %s "
                     "(every place that user's key may take counts failed logons of "
                     "others in their window): such logons are answered as a wrong "
                     "password without asking the domain (NEG1005) until places "
                     "free up; a flood of user names from many addresses? Logged "
                     "once per %d s", client ? client : "-", sec);
    else
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "NEG1012: NegotiateFailureLimit: "
                     "client address %s has %d users with password logons counting "
                     "in %d s: its logons of further users are answered as a wrong "
                     "password without asking the domain (NEG1005) until its window "
                     "ends (password spraying from one address, or many users behind "
                     "one address: mod_remoteip); logged once per %d s",
                     client ? client : "-", NEG_FAILURE_LIMIT_PER_ADDRESS, sec, sec);
}

void neg_failure_farm_post_config(server_rec *s)
{
    neg_fail_farm f;

    memset(&f, 0, sizeof(f));
    f.note = farm_note;
    f.baton = s;
    if (neg_replay_remote() != NULL) {
        f.add = farm_add;
        neg_replay_derive("NegotiateFailureLimit", f.secret);
    }
    neg_failure_limit_farm(&f);
    neg_wipe(f.secret, sizeof(f.secret));
}
