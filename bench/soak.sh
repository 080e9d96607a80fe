#!/bin/bash
# bench/soak.sh - a bounded mixed Kerberos + NTLM load for two users against
# a dedicated httpd, checking that no answer names the wrong user and that
# the httpd children do not grow.  Run as root from anywhere:
#
#   bench/soak.sh            300 s
#   bench/soak.sh 20         the short form (t/root/96_soak.rt)
#
# When others may run the test suite on this machine, hold its lock:
#   flock /var/tmp/mod_auth_negotiate-suite.lock bench/soak.sh 300
# (soak.sh does not take it itself: the suite runs it under that lock.)
#
# Parameters (environment):
#   RATE            requests per second, all clients together   (default 200)
#   CLIENTS         load processes per mechanism                 (default 2)
#   CONNS           keep-alive connections per load process      (default 2)
#   SERVERS         httpd children (mpm_event), fixed             (default 3)
#   SAMPLE          seconds between RSS samples    (default DURATION/10, 1..5)
#   WARMUP          seconds before the RSS baseline (default DURATION/4, 5..30)
#   MAX_RSS_GROWTH  allowed growth of a child's anonymous (private) memory
#                   from the baseline to the end, in percent     (default 20)
#   PORT            (default 18197)     MODULE (default <tree>/.libs/...)
#   NEGOTIATE_HTTPD the httpd binary or wrapper (default /usr/sbin/apache2)
#   KEEP=1          keep the temporary directory (config, logs, samples)
#
# What it does: starts the test domain (t/domain/domain.sh) unless it runs,
# kinits alice and bob, starts httpd (mpm_event, SERVERS children of 16
# threads, MaxConnectionsPerChild 0 so the same children live throughout),
# then runs bench/loadgen.py for DURATION seconds: CLIENTS Kerberos
# processes (a fresh python3-gssapi SPNEGO token per request, mutual
# authentication checked, every 10th request followed by one without
# Authorization that must get 401) and CLIENTS NTLM processes (handshakes
# with python3-ntlm-auth, then requests on the bound connection), each
# picking alice or bob at random per request/handshake on the same
# connections.  The answer (a static file) names REMOTE_USER in a header
# (mod_headers, expr=%{REMOTE_USER}); every answer is checked against the
# user who sent the request.  Every SAMPLE seconds each child's memory is
# read from /proc/PID/smaps_rollup: Anonymous (private anonymous pages: the
# heap, malloc arenas, thread stacks; where a leak shows), Rss and
# Shared_Dirty (shared pages this child has written: mostly the shmcb
# replay cache, 32 MB, filled as Kerberos logons are stored; touching
# more of it grows RSS without any leak, so RSS is reported but not
# judged).
#
# Output: a table of requests by kind, errors, wrong-user answers, latency,
# and private anonymous memory per child at start / baseline (the first
# sample after WARMUP at which the child has all its threads) / middle /
# end with the growth from the baseline, with RSS and Shared_Dirty at the
# end; the replay cache's fill (entries stored, shared pages touched); then
# one line
#   result: N errors, M wrong users, max anonymous memory growth G% after warm-up (limit L%): PASS|FAIL
# Exit status 0 only with 0 errors (requests that failed or got an
# unexpected status, error lines in httpd's log, children that died), 0
# wrong users and no child's anonymous memory growing more than
# MAX_RSS_GROWTH percent after the warm-up.  Why 20 %: the children's
# private memory is mostly fixed
# (code, thread stacks, malloc arenas filled during the warm-up); a leak of
# even a few hundred bytes per request grows it by far more than that over
# a 300 s run at 200 req/s (60000 requests), while allocator noise stays
# within a few percent.
set -euo pipefail

DURATION=${1:-300}
RATE=${RATE:-200}
CLIENTS=${CLIENTS:-2}
CONNS=${CONNS:-2}
SERVERS=${SERVERS:-3}
MAX_RSS_GROWTH=${MAX_RSS_GROWTH:-20}
PORT=${PORT:-18197}
KEEP=${KEEP:-0}
ADDR=127.0.0.1

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH")
MODULE=${MODULE:-$TOP/.libs/mod_auth_negotiate.so}
DOMAIN_SH=$TOP/t/domain/domain.sh
LOADGEN=$BENCH/loadgen.py
PY=/usr/bin/python3
# t/integration.sh's instrumented runs (sanitizers, valgrind) give a wrapper
HTTPD=${NEGOTIATE_HTTPD:-/usr/sbin/apache2}

log() { printf 'soak: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "duration must be a positive number of seconds (got '$DURATION')"
clamp() { local v=$1 lo=$2 hi=$3; ((v < lo)) && v=$lo; ((v > hi)) && v=$hi; echo "$v"; }
SAMPLE=${SAMPLE:-$(clamp $((DURATION / 10)) 1 5)}
WARMUP=${WARMUP:-$(clamp $((DURATION / 4)) 5 30)}
for v in RATE CLIENTS CONNS SERVERS SAMPLE WARMUP MAX_RSS_GROWTH PORT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
((WARMUP < DURATION)) || die "WARMUP ($WARMUP) must be shorter than the run ($DURATION)"
[[ $(id -u) -eq 0 ]] || die "run as root (the test domain and httpd's User/Group need it)"
[[ -f $MODULE ]] || die "$MODULE is missing: build the module first (make)"
"$PY" -c 'import gssapi, ntlm_auth' 2>/dev/null \
    || die "python3-gssapi and python3-ntlm-auth are needed (scripts/deps.sh installs them)"

HTTPD_MODULES=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)

# Run by the suite (t/root/96_soak.rt), we inherit its lock's descriptor:
# close it, or a DC or httpd started here would hold the lock while it runs.
for fd in /proc/$$/fd/*; do
    [[ $(readlink "$fd" 2>/dev/null) == */mod_auth_negotiate-suite.lock ]] || continue
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-"
done

# ------------------------------------------------------------ clean-up

. "$BENCH/lib.sh"
LOADERS=()
SAMPLER=

cleanup() {
    local rc=$? p
    for p in "${LOADERS[@]}" $SAMPLER; do kill "$p" 2>/dev/null || true; done
    finish_run
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ domain, tickets

use_domain

WORK=$(mktemp -d /tmp/negsoak.XXXXXX)
chmod 0755 "$WORK"
mkdir -p "$WORK/htdocs" "$WORK/logs" "$WORK/run" "$WORK/priv" "$WORK/out"
chmod 0700 "$WORK/priv"
chown www-data "$WORK/logs" "$WORK/run"
PIDFILE=$WORK/run/httpd.pid

KRB5CCNAME=FILE:$WORK/priv/alice.cc kinit --password-file=STDIN alice@EXAMPLE.TEST \
    <<<'AlicePassw0rd!' >/dev/null || die "kinit alice failed"
KRB5CCNAME=FILE:$WORK/priv/bob.cc kinit --password-file=STDIN bob@EXAMPLE.TEST \
    <<<'BobPassw0rd!' >/dev/null || die "kinit bob failed"

# ------------------------------------------------------------ httpd

printf 'soak\n' >"$WORK/htdocs/index.txt"
THREADS=16
. "$TOP/t/httpd-conf.sh"
{
neg_httpd_conf "$WORK" "$ADDR:$PORT" "$PIDFILE" "$WORK/logs/error.log" "$MODULE" headers
# A fixed set of children for the whole run: RSS is followed per child.
fixed_children_conf "$SERVERS" "$THREADS"
cat <<EOF

KeepAlive On
MaxKeepAliveRequests 500
KeepAliveTimeout 15
Timeout 30
LimitRequestFieldSize 16384

<Directory />
    Require all denied
</Directory>
Alias /soak/ "$WORK/htdocs/"
<Location /soak/>
    AuthType Negotiate
    NegotiateKeytab "$NEGOTIATE_KEYTAB"
    Require valid-user
    # who the module says the user is, on every answer
    Header always set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
EOF
} >"$WORK/httpd.conf"

# Two malloc arenas per child instead of one per thread: RSS then settles
# within the warm-up instead of creeping up as each of the 26 threads
# fills an arena of its own, so a leak stands out even in the short form.
start_httpd KRB5_CONFIG="$KRB5_CONFIG" MALLOC_ARENA_MAX=2

children() { pgrep -P "$HTTPD_PID" | sort -n | tr '\n' ' '; }
for ((i = 0; i < 50; i++)); do
    (($(wc -w <<<"$(children)") >= SERVERS)) && break
    sleep 0.1
done
CHILDREN_START=$(children)
log "httpd $HTTPD_PID on $ADDR:$PORT, children: $CHILDREN_START"

# ------------------------------------------------------------ load + samples

# "ANON_kB THREADS RSS_kB SHARED_DIRTY_kB" of a process
rss_of() {
    local threads
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
    [[ -n $threads ]] || return 0
    awk -v t="$threads" '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 } /^Shared_Dirty:/ { s = $2 }
                         END { if (r) print a, t, r, s }' "/proc/$1/smaps_rollup" 2>/dev/null || true
}

sampler() {
    local t0=$EPOCHSECONDS pid r
    while :; do
        for pid in $(pgrep -P "$HTTPD_PID"); do
            r=$(rss_of "$pid")
            [[ -n $r ]] && printf '%s %s %s\n' "$((EPOCHSECONDS - t0))" "$pid" "$r"
        done
        sleep "$SAMPLE"
    done
}

per_client_rate=$(awk -v r="$RATE" -v n="$((2 * CLIENTS))" 'BEGIN { printf "%.2f", r / n }')
log "load: ${DURATION}s, $RATE req/s, $CLIENTS Kerberos + $CLIENTS NTLM processes x $CONNS connections, users alice and bob"
sampler >"$WORK/out/rss" &
SAMPLER=$!
for ((c = 1; c <= CLIENTS; c++)); do
    for kind in krb ntlm; do
        extra=()
        # new connections now and then, so that every child serves both
        # mechanisms early (warm-up) and throughout
        [[ $kind == krb ]] && extra=(--anon-every 10 --new-conn-krb 0.05)
        OPENSSL_CONF=$TOP/t/client/openssl-legacy.cnf "$PY" "$LOADGEN" run \
            --port "$PORT" --path /soak/index.txt --user-header X-Remote-User \
            --kind "$kind" --users alice,bob --ccache-dir "$WORK/priv" \
            --conns "$CONNS" --duration "$DURATION" --rate "$per_client_rate" \
            --seed "$c" --out "$WORK/out/$kind-$c.json" "${extra[@]}" \
            2>"$WORK/out/$kind-$c.err" &
        LOADERS+=($!)
    done
done

hung=0
deadline=$((EPOCHSECONDS + DURATION + 60))
for p in "${LOADERS[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((EPOCHSECONDS < deadline)); do sleep 1; done
    if kill -0 "$p" 2>/dev/null; then
        log "load process $p still runs 60 s after the end: killed"
        kill "$p" 2>/dev/null || true
        hung=$((hung + 1))
    fi
    wait "$p" 2>/dev/null || true
done
LOADERS=()
# one last sample at the very end
for pid in $(pgrep -P "$HTTPD_PID"); do
    printf '%s %s %s\n' "$DURATION" "$pid" "$(rss_of "$pid")" >>"$WORK/out/rss"
done
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=
CHILDREN_END=$(children)

missing=0
results=()
for ((c = 1; c <= CLIENTS; c++)); do
    for kind in krb ntlm; do
        f=$WORK/out/$kind-$c.json
        if [[ -s $f ]]; then
            results+=("$f")
        else
            log "load process $kind-$c left no result: $(tail -n 3 "$WORK/out/$kind-$c.err" 2>/dev/null)"
            missing=$((missing + 1))
        fi
    done
done
((${#results[@]})) || die "no load process left a result"
"$PY" "$LOADGEN" merge "${results[@]}" >"$WORK/out/total.json"

# error-level lines of httpd's log (the module logs every refusal there;
# a crashed child shows as "exit signal")
grep -E '\[[a-z_]+:(error|crit|alert|emerg)\]|exit signal' "$WORK/logs/error.log" \
    >"$WORK/out/log-errors" || true

# ------------------------------------------------------------ report

S_DURATION=$DURATION S_WARMUP=$WARMUP S_LIMIT=$MAX_RSS_GROWTH S_RATE=$RATE \
S_SERVERS=$SERVERS S_CLIENTS=$CLIENTS S_CONNS=$CONNS S_HTTPD_PID=$HTTPD_PID \
S_CHILDREN_START=$CHILDREN_START S_CHILDREN_END=$CHILDREN_END S_MISSING=$missing S_HUNG=$hung \
"$PY" - "$WORK/out/total.json" "$WORK/out/rss" "$WORK/out/log-errors" <<'EOF'
import json, os, sys
E = os.environ

total = json.load(open(sys.argv[1]))
rss_lines = [l.split() for l in open(sys.argv[2]) if len(l.split()) == 6]
log_errors = [l.rstrip() for l in open(sys.argv[3])]
duration, warmup, limit = int(E['S_DURATION']), int(E['S_WARMUP']), int(E['S_LIMIT'])
start_children = E['S_CHILDREN_START'].split()
end_children = E['S_CHILDREN_END'].split()
missing, hung = int(E['S_MISSING']), int(E['S_HUNG'])

print()
print('mod_auth_negotiate soak: %d s, %s req/s target, httpd mpm_event x%d (pid %s), '
      'users alice and bob, %d Kerberos + %d NTLM processes x %d keep-alive connections'
      % (duration, E['S_RATE'], int(E['S_SERVERS']), E['S_HTTPD_PID'], int(E['S_CLIENTS']),
         int(E['S_CLIENTS']), int(E['S_CONNS'])))
print()
kinds = ['kerberos', 'anonymous-401', 'ntlm-handshake', 'ntlm-followup']
print('%-16s %9s %7s %11s %8s %8s %8s' % ('requests', 'count', 'errors', 'wrong user',
                                          'p50 ms', 'p99 ms', 'max ms'))
for k in kinds:
    lat = total['latency_ms'][k]
    print('%-16s %9d %7d %11d %8.1f %8.1f %8.1f' % (k, total['requests'][k], total['errors'][k],
                                                   total['wrong_user'][k], lat['p50'], lat['p99'],
                                                   lat['max']))
n = sum(total['requests'].values())
req_errors = sum(total['errors'].values())
wrong = sum(total['wrong_user'].values())
print('%-16s %9d %7d %11d   (%.0f req/s; %d connections, %d requests resent after the '
      'server closed an idle connection)' % ('total', n, req_errors, wrong, n / duration,
                                             total['connections'], total['retries']))
print()

by_pid = {}
for t, pid, anon, threads, rss, shared in rss_lines:
    by_pid.setdefault(pid, []).append((int(t), int(anon), int(threads), int(rss), int(shared)))
print('%-12s %9s %12s %9s %9s %10s %8s %9s %13s' % ('anon kB', 'start', 'after %ds' % warmup,
                                                     'middle', 'end', 'growth', 'threads',
                                                     'RSS end', 'shared dirty'))
max_growth = 0.0
max_shared = 0
for pid in sorted(by_pid, key=int):
    s = sorted(by_pid[pid])
    # The baseline is taken once the child has all its threads: the
    # module's winbind pool (8 threads) starts at the child's first NTLM
    # logon, which can come after the warm-up, and new thread stacks and
    # malloc arenas are not a leak.
    full = [x for x in s if x[0] >= warmup and x[2] == s[-1][2]]
    after = full or [x for x in s if x[0] >= warmup] or s[-1:]
    base_t, base = after[0][0], after[0][1]
    mid_t = (base_t + duration) / 2
    mid = min(s, key=lambda x: abs(x[0] - mid_t))[1]
    end = s[-1][1]
    g = 100.0 * (end - base) / base if base else 0.0
    max_growth = max(max_growth, g)
    max_shared = max(max_shared, s[-1][4])
    print('%-12s %9d %12d %9d %9d %+9.1f%% %8s %9d %13d' % ('child ' + pid, s[0][1], base, mid, end, g,
                                                          '%d>%d' % (s[0][2], s[-1][2]),
                                                          s[-1][3], s[-1][4]))
print()
# Every Kerberos logon stores one entry in the replay cache (shmcb, 32 MB
# shared by the children); the pages written so far grow each child's RSS.
print('replay cache: %d entries stored (one per Kerberos logon), shared memory written '
      'by a child: up to %d kB of 32768 kB (counted in RSS, not in anonymous memory)'
      % (total['requests']['kerberos'], max_shared))
print()

errors = req_errors
died = [p for p in start_children if p not in end_children]
if died:
    print('children gone during the run: %s' % ' '.join(died))
    errors += len(died)
if log_errors:
    print('error-level lines in httpd\'s log: %d, e.g.:' % len(log_errors))
    for l in log_errors[:5]:
        print('  ' + l[:300])
    errors += len(log_errors)
if missing or hung:
    print('load processes without a result: %d, hung: %d' % (missing, hung))
    errors += missing + hung
for s in total['error_samples'][:10]:
    print('  ' + s)
ok = errors == 0 and wrong == 0 and max_growth <= limit and n > 0
print('result: %d errors, %d wrong users, max anonymous memory growth %.1f%% after warm-up (limit %d%%): %s'
      % (errors, wrong, max_growth, limit, 'PASS' if ok else 'FAIL'))
sys.exit(0 if ok else 1)
EOF
