#!/bin/bash
# NTLM benchmark (root), in one run:
#   1. winbind's own rate of NTLMv2 verifications through libwbclient
#      (bench/wbc_rate.c), the ceiling: the better of two runs, with plain
#      threads and with SCHED_BATCH threads as the module's;
#   2. full NTLM handshakes per second on fresh connections through httpd
#      and the module (libcurl multi, CURLAUTH_NTLM; 4 and 16 at once);
#   3. requests per second on connections that signed in once (no
#      Authorization afterwards), next to unauthenticated static requests
#      with the same client.
#   4. a control: winbind's direct rate while the CPUs also carry the HTTP
#      load of the handshakes without winbind (client, httpd and winbindd
#      share this machine's CPUs; the control shows what that alone costs);
#   5. 40 simultaneous AUTHENTICATE messages (t/client/ntlm_client.py), on a
#      freshly started httpd and warm: all must succeed; the slowest time.
#   6. the peer in the same rounds: full handshakes per second, 16 at once,
#      through mod_auth_gssapi with gss-ntlmssp (Debian's packages; its
#      acceptor verifies through the same winbind) on a second httpd
#      (port 18093), and through ours with the same client: libcurl's
#      Negotiate with gss-ntlmssp (NTLMSSP inside SPNEGO, the only form
#      mod_auth_gssapi takes). GSSAPI=0 leaves it out.
# Also CPU per operation: winbindd's per verification, httpd's per
# handshake and per request, and how often winbind's domain child was
# preempted.
# Environment: DURATION (seconds per measurement, default 10); ROUNDS
# (interleaved rounds of 1-4, default 3; medians are reported);
# KEEP_RESULTS (a file for the raw per-measurement lines); WBTHREADS
# (NegotiateWinbindThreads, default the module's 8); HOLD (seconds to keep
# httpd up on port 18091 after the run, for perf); MODULE (the module to
# load, default the tree's .libs/mod_auth_negotiate.so: an older build for
# a before/after comparison, run alternately with the tree's); HTTPD_EXTRA
# (lines added to our httpd's configuration, for experiments).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
duration=${DURATION:-10}
port=18091
gss_port=18093
gssapi=${GSSAPI:-1}
DOMAIN_SH=$top/t/domain/domain.sh
KEEP=${KEEP:-0}
log() { printf 'run-ntlm: %s\n' "$*" >&2; }
. "$here/lib.sh"
trap 'rc=$?; [ -s "${work:-/nonexistent}/gss.pid" ] && (PIDFILE=$work/gss.pid; stop_httpd); finish_run; exit $rc' EXIT
work=$(mktemp -d /tmp/negbench-ntlm.XXXXXX)
chmod 0755 "$work"
WORK=$work
PIDFILE=$work/httpd.pid

need=()
for p in libcurl4-openssl-dev heimdal-dev libwbclient-dev gawk python3-ntlm-auth; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
module=${MODULE:-$top/.libs/mod_auth_negotiate.so}
[ -n "${MODULE:-}" ] || [ -f "$module" ] || "$top/scripts/build.sh"
[ -f "$module" ] || { log "MODULE $module is missing"; exit 1; }

heimdal_dir=$(pkg-config --variable=libdir heimdal-gssapi)
gcc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi wbclient) "$here/wbc_rate.c" \
    -o "$work/wbc_rate" -L"$heimdal_dir" -lheimntlm -lwbclient -lpthread
gcc -O2 -Wall -Wextra "$here/ntlm_load.c" -o "$work/ntlm_load" -lcurl

use_domain

mkdir -p "$work/htdocs"
head -c 512 /dev/zero | tr '\0' x > "$work/htdocs/page.html"
. "$top/t/httpd-conf.sh"
{
    neg_httpd_conf "$work" "127.0.0.1:$port" "$work/httpd.pid" "$work/error_log" \
        "$module" cgid
    cat <<EOC
LogLevel warn
KeepAlive On
${WBTHREADS:+NegotiateWinbindThreads $WBTHREADS}
${HTTPD_EXTRA:-}
MaxKeepAliveRequests 0
StartServers 2
ThreadsPerChild 32
MaxRequestWorkers 64
DocumentRoot $work/htdocs
# /static/ and /ntlm/ are the same directory, so the two differ only in
# authentication.
Alias /static/ "$work/htdocs/"
Alias /ntlm/ "$work/htdocs/"
ScriptAlias /whoami/ "$top/t/htdocs/cgi/"
ScriptSock $work/cgid.sock
<Location /ntlm/>
    AuthType Negotiate
    NegotiateProviders NTLM
    Require valid-user
</Location>
<Location /whoami/>
    AuthType Negotiate
    NegotiateProviders NTLM
    Require valid-user
</Location>
# NTLM inside SPNEGO under Negotiate, for the client that the peer takes.
Alias /neg/ "$work/htdocs/"
<Location /neg/>
    AuthType Negotiate
    NegotiateProviders Negotiate
    Require valid-user
</Location>
EOC
} > "$work/httpd.conf"
/usr/sbin/apache2 -f "$work/httpd.conf" -k start
if [ "$gssapi" = 1 ]; then
    gss_so=$(gssapi_module) || { log "cannot get Debian's mod_auth_gssapi"; exit 1; }
    {
        neg_httpd_conf "$work" "127.0.0.1:$gss_port" "$work/gss.pid" "$work/gss_error_log" /unused
        cat <<EOC
LogLevel warn
KeepAlive On
MaxKeepAliveRequests 0
StartServers 2
ThreadsPerChild 32
MaxRequestWorkers 64
DefaultRuntimeDir $work/gss-run
Alias /neg/ "$work/htdocs/"
<Location /neg/>
    AuthType GSSAPI
    AuthName "EXAMPLE"
    GssapiAllowedMech ntlmssp
    GssapiConnectionBound On
    Require valid-user
</Location>
EOC
    } | gssapi_conf "$gss_so" > "$work/gss-httpd.conf"
    mkdir -p "$work/gss-run"
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/apache2 -f "$work/gss-httpd.conf" -k start
    # gss-ntlmssp's client: alice from a user file, no Kerberos ticket
    printf 'EXAMPLE:alice:AlicePassw0rd!\n' > "$work/ntlm_users"
fi
[ -n "${HOLD:-}" ] && { echo "httpd on $port, holding"; sleep "$HOLD"; }
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/static/page.html" && break; sleep 0.1; done

cred='EXAMPLE\alice:AlicePassw0rd!'
url=http://127.0.0.1:$port
rate() { sed -n 's/.*rate=\([0-9.]*\).*/\1/p'; }
burst() {   # 40 AUTHENTICATEs sent at once (after 40 CHALLENGEs): max latency
    OPENSSL_CONF="$top/t/client/openssl-legacy.cnf" /usr/bin/python3 "$top/t/client/ntlm_client.py" --port "$port" --path /whoami/whoami \
        --concurrent 40 | tr '\n' ' '
}
# 40 simultaneous Type 3s on a freshly started httpd: no pool thread has
# a winbind connection yet (the 1-second backlog stall would show here).
burst_cold=$(burst)
# warm up: every child's winbind threads connected, names cached
"$work/ntlm_load" handshake 16 2 "$url/ntlm/page.html" "$cred" >/dev/null
burst_warm=$(burst)

# CPU seconds (user+system, all threads) of httpd and of the domain's winbindd
# (the parent and its domain child, which does the verifications one at a
# time), and how often that child was preempted (involuntary switches).
httpd_pids() { pgrep -f "apache2 -f $work/${conf:-httpd.conf}" | tr '\n' ' '; }
# neg_load ARGS...: ntlm_load with libcurl's Negotiate and gss-ntlmssp
neg_load() {
    NTLM_LOAD_SCHEME=negotiate NTLM_USER_FILE=$work/ntlm_users KRB5CCNAME=FILE:/nonexistent \
        "$work/ntlm_load" "$@"
}
wb_main=$(pgrep -f "winbindd .*--configfile=$NEGOTIATE_DC_SMBCONF" | head -1)
wb_child=$(pgrep -P "$wb_main" | head -1)
preempted() { awk '/^nonvoluntary_ctxt_switches/ {print $2}' "/proc/$wb_child/status"; }
hz=$(getconf CLK_TCK)
# measure NAME CMD...: "NAME rate count httpd_s winbindd_s child_preemptions"
measure() {
    local name=$1 out h0 w0 p0 h1 w1 p1; shift
    h0=$(cpu_ticks $(httpd_pids)); w0=$(cpu_ticks $wb_main $wb_child); p0=$(preempted)
    out=$("$@")
    h1=$(cpu_ticks $(httpd_pids)); w1=$(cpu_ticks $wb_main $wb_child); p1=$(preempted)
    echo "$out" >&2
    echo "$out" | sed -n 's/.*\(ok\|verified\)=\([0-9]*\).*rate=\([0-9.]*\).*/\3 \2/p' |
        awk -v n="$name" -v h=$((h1 - h0)) -v w=$((w1 - w0)) -v p=$((p1 - p0)) -v hz="$hz" \
            '{ printf "%s %s %s %.2f %.2f %d\n", n, $1, $2, h / hz, w / hz, p }'
}
# The control: winbind's direct rate while the CPUs also carry the HTTP load
# of the handshakes without winbind (ntlm_load shadow: two requests on each
# fresh connection, paced to the handshake rate measured here first).
shadow_rate=$("$work/ntlm_load" handshake 16 3 "$url/ntlm/page.html" "$cred" | rate)
wbc_shadowed() {
    "$work/ntlm_load" shadow 16 "$((duration + 1))" "$url/static/page.html" "$cred" \
        "$shadow_rate" >/dev/null &
    sleep 0.5
    "$work/wbc_rate" 4 "$duration" EXAMPLE alice 'AlicePassw0rd!'
    wait
}
# Rounds interleave the measurements, odd rounds in one order and even
# rounds in the reverse, so that a change in the machine's load (a shared
# 2-CPU guest) falls on both sides of each ratio.
rounds=${ROUNDS:-3}
one_round() {
    local order=(wbc wbcb ctl hs4 hs16 plain bound) m
    [ "$gssapi" = 1 ] && order+=(nhs16 ghs16)
    [ $(($1 % 2)) = 0 ] && order=($(printf '%s\n' "${order[@]}" | tac))
    for m in "${order[@]}"; do
        case $m in
        wbc)   measure wbc "$work/wbc_rate" 4 "$duration" EXAMPLE alice 'AlicePassw0rd!' ;;
        wbcb)  measure wbcb "$work/wbc_rate" 4 "$duration" EXAMPLE alice 'AlicePassw0rd!' batch ;;
        ctl)   measure ctl wbc_shadowed ;;
        hs4)   measure hs4 "$work/ntlm_load" handshake 4 "$duration" "$url/ntlm/page.html" "$cred" ;;
        hs16)  measure hs16 "$work/ntlm_load" handshake 16 "$duration" "$url/ntlm/page.html" "$cred" ;;
        plain) measure plain "$work/ntlm_load" plain 16 "$duration" "$url/static/page.html" "$cred" ;;
        bound) measure bound "$work/ntlm_load" bound 16 "$duration" "$url/ntlm/page.html" "$cred" ;;
        nhs16) measure nhs16 neg_load handshake 16 "$duration" "$url/neg/page.html" ;;
        ghs16) conf=gss-httpd.conf measure ghs16 neg_load handshake 16 "$duration" \
                   "http://127.0.0.1:$gss_port/neg/page.html" ;;
        esac | sed "s/^/$1 /"
    done
}
for r in $(seq "$rounds"); do
    one_round "$r"
done > "$work/results"
[ -n "${KEEP_RESULTS:-}" ] && cp "$work/results" "$KEEP_RESULTS"

gawk -v rounds="$rounds" -v cold="$burst_cold" -v warm="$burst_warm" -v srate="$shadow_rate" -v gss="$gssapi" '
function median(a,   b, m) { m = asort(a, b); return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2 }
{ i = $1; rate[$2, i] = $3; N[$2] += $4; H[$2] += $5; W[$2] += $6; P[$2] += $7 }
END {
    printf "\n%-5s %9s %9s %9s %6s %9s %6s %9s %9s %6s\n", "round", "winbind/s", "control/s",
           "hs4/s", "ratio", "hs16/s", "ratio", "static/s", "bound/s", "ratio";
    for (i = 1; i <= rounds; i++) {
        # the ceiling: the better of plain and SCHED_BATCH threads
        w = rate["wbc", i] > rate["wbcb", i] ? rate["wbc", i] : rate["wbcb", i];
        r4[i] = rate["hs4", i] / w; r16[i] = rate["hs16", i] / w;
        rc[i] = rate["ctl", i] / w; rb[i] = rate["bound", i] / rate["plain", i];
        printf "%-5d %9.1f %9.1f %9.1f %6.3f %9.1f %6.3f %9.0f %9.0f %6.3f\n", i, w,
               rate["ctl", i], rate["hs4", i], r4[i], rate["hs16", i], r16[i],
               rate["plain", i], rate["bound", i], rb[i];
    }
    printf "\nmedian ratios (target): handshakes/winbind 4 at once %.3f, 16 at once %.3f (0.90);\n" \
           "  bound/static %.3f (0.95)\n", median(r4), median(r16), median(rb);
    printf "control: winbind direct while the CPUs carry the handshakes%s HTTP load without\n" \
           "  winbind (%s connections/s): %.3f of its rate alone\n", "\047", srate, median(rc);
    printf "\nper operation, all rounds     winbindd ms  child preempted  httpd us\n";
    printf "  winbind direct               %8.2f %12.2f\n", 1000 * W["wbc"] / N["wbc"], P["wbc"] / N["wbc"];
    printf "  winbind direct, batch        %8.2f %12.2f\n", 1000 * W["wbcb"] / N["wbcb"], P["wbcb"] / N["wbcb"];
    printf "  winbind direct + control     %8.2f %12.2f\n", 1000 * W["ctl"] / N["ctl"], P["ctl"] / N["ctl"];
    printf "  handshakes, 4 at once        %8.2f %12.2f %12.0f\n", 1000 * W["hs4"] / N["hs4"],
           P["hs4"] / N["hs4"], 1e6 * H["hs4"] / N["hs4"];
    printf "  handshakes, 16 at once       %8.2f %12.2f %12.0f\n", 1000 * W["hs16"] / N["hs16"],
           P["hs16"] / N["hs16"], 1e6 * H["hs16"] / N["hs16"];
    printf "  static / bound request                                  %6.1f / %.1f\n",
           1e6 * H["plain"] / N["plain"], 1e6 * H["bound"] / N["bound"];
    if (gss == 1) {
        printf "\nthe peer, same rounds: full handshakes, 16 at once, libcurl Negotiate + gss-ntlmssp\n";
        printf "%-5s %9s %20s %6s %20s %6s\n", "round", "winbind/s", "mod_auth_negotiate/s", "ratio",
               "mod_auth_gssapi/s", "ratio";
        for (i = 1; i <= rounds; i++) {
            w = rate["wbc", i] > rate["wbcb", i] ? rate["wbc", i] : rate["wbcb", i];
            rn[i] = rate["nhs16", i] / w; rg[i] = rate["ghs16", i] / w;
            printf "%-5d %9.1f %20.1f %6.3f %20.1f %6.3f\n", i, w, rate["nhs16", i], rn[i],
                   rate["ghs16", i], rg[i];
        }
        printf "median ratios handshakes/winbind: mod_auth_negotiate %.3f, mod_auth_gssapi %.3f\n",
               median(rn), median(rg);
        printf "per handshake: mod_auth_negotiate httpd %.0f us, winbindd %.2f ms; " \
               "mod_auth_gssapi httpd %.0f us, winbindd %.2f ms\n",
               1e6 * H["nhs16"] / N["nhs16"], 1000 * W["nhs16"] / N["nhs16"],
               1e6 * H["ghs16"] / N["ghs16"], 1000 * W["ghs16"] / N["ghs16"];
    }
    printf "\n40 simultaneous AUTHENTICATEs (two users, 40 connections):\n";
    printf "  fresh httpd (no winbind connection yet): %s\n  warm:                                    %s\n", cold, warm;
}' "$work/results"
# Exit status 1 if any of the 40 simultaneous logons failed (the load
# runs already stop the script on any non-200 answer).
for b in "$burst_cold" "$burst_warm"; do
    [[ $b == *"ok_count=40 "* ]] || { echo "run-ntlm.sh: 40 simultaneous AUTHENTICATEs: not all succeeded ($b)" >&2; exit 1; }
done
