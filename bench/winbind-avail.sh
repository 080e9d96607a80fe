#!/bin/bash
# Availability of the logons that winbind verifies (the availability
# review: items 4 and 9), as root; takes the suite lock itself.
#
#   attack   "under attack": mpm_event as Debian ships it (StartServers 2,
#            ThreadsPerChild 25, MaxRequestWorkers 150); legitimate NTLM
#            handshakes (bench/ntlm_load, 8 at once on fresh connections,
#            each from its own address 127.0.1.x) and static requests (8
#            at once, keep-alive), DURATION s each, alone and while one
#            client (127.0.0.1: t/client/flood.py, FLOOD_CONNS connections,
#            160 by default: more than MaxRequestWorkers) floods failed logons (random users; Basic and NTLM handshakes
#            whose AUTHENTICATE passes every check made before the domain
#            is asked) at FLOOD_RATE a second: by default 1.5 x winbind's
#            own rate of verifications (bench/wbc_rate), i.e. just above
#            the domain controller's rate. ROUNDS rounds, the order of the
#            four measurements reversed in even rounds.
#   prefork  mpm_prefork (Debian switches to it with mod_php) with CHILDREN
#            children started (MaxRequestWorkers 150), CLIENTS NTLM
#            handshakes at once on fresh connections for DURATION s:
#            handshakes/s, p50/p99 (ntlm_load), and the most client
#            connections winbindd had (ss on its pipe and privileged pipe,
#            sampled 4 times a second; "winbind max clients" is 200); then
#            the same load on mpm_event as Debian ships it, for comparison.
#
#   bench/winbind-avail.sh [attack|prefork|all]          (default all)
#   MODULE=/path/to/other/mod_auth_negotiate.so bench/winbind-avail.sh
#   DURATION=10 ROUNDS=2 FLOOD_CONNS=160 FLOOD_RATE=450 CHILDREN=100 CLIENTS=40
set -euo pipefail

WHAT=${1:-all}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
FLOOD_CONNS=${FLOOD_CONNS:-160}
CHILDREN=${CHILDREN:-100}
CLIENTS=${CLIENTS:-40}
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=18095
CRED='EXAMPLE\alice:AlicePassw0rd!'
log() { printf 'winbind-avail: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
. "$BENCH/lib.sh"
avail_init
case $WHAT in attack|prefork|all) ;; *) die "usage: $0 [attack|prefork|all]" ;; esac

need=()
for p in libcurl4-openssl-dev libwbclient-dev python3-ntlm-auth; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if ((${#need[@]})); then
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

flood_pid=
trap 'rc=$?; [[ -n $flood_pid ]] && kill "$flood_pid" 2>/dev/null; finish_run; exit $rc' EXIT
avail_start avail
gcc -O2 -Wall -Wextra "$BENCH/ntlm_load.c" -o "$WORK/ntlm_load" -lcurl
gcc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi wbclient) "$BENCH/wbc_rate.c" \
    -o "$WORK/wbc_rate" -L"$(pkg-config --variable=libdir heimdal-gssapi)" -lheimntlm -lwbclient -lpthread

# write_conf MPM LINES: the configuration; /static/ and /ntlm/ are the same
# directory, /ntlm/ takes NTLM and (for the flood) Basic.
write_conf() {
    local mpm=$1 lines=$2
    {
        NEG_HTTPD_MPM=$mpm neg_httpd_conf "$WORK" "$ADDR:$PORT" "$PIDFILE" "$WORK/error_log" "$MODULE" \
            authz_host
        neg_replay_state "$WORK/run"
        cat <<EOC
DefaultRuntimeDir "$WORK/run"
Mutex file:$WORK/run default
LogLevel warn
$lines
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
DocumentRoot "$WORK/htdocs"
Alias /static/ "$WORK/htdocs/"
Alias /ntlm/ "$WORK/htdocs/"
<Location /ntlm/>
    AuthType Negotiate
    AuthName "EXAMPLE"
    NegotiateProviders NTLM
    NegotiateBasic On
    NegotiateBasicAllowPlainHTTP On
    Require valid-user
</Location>
<Location /negotiate-status>
    SetHandler negotiate-status
    Require ip 127.0.0.1
</Location>
EOC
    } >"$WORK/httpd.conf"
}

start() {
    start_httpd
    "$WORK/ntlm_load" handshake 4 1 "http://$ADDR:$PORT/ntlm/page.html" "$CRED" >/dev/null \
        || die "a first NTLM handshake failed: $(tail -3 "$WORK/error_log")"
}

# "name rate p50 p99 failed" of one ntlm_load run
load() {
    local name=$1 out; shift
    out=$("$WORK/ntlm_load" "$@" || true)
    echo "$out" | sed -n "s/.*failed=\([0-9]*\) rate=\([0-9.]*\).*p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\).*/$name \2 \3 \4 \1/p"
}

winbind_clients() {
    ss -xHp state established 2>/dev/null |
        awk '$4 ~ /winbindd(_privileged)?\/pipe$/ && /"winbindd"/ { n++ } END { print n + 0 }'
}

attack() {
    local wb rate r order m
    wb=$("$WORK/wbc_rate" 4 5 EXAMPLE alice 'AlicePassw0rd!' | sed -n 's/.*rate=\([0-9.]*\).*/\1/p')
    rate=${FLOOD_RATE:-$(awk -v w="$wb" 'BEGIN { printf "%d", 1.5 * w }')}
    log "attack: winbind verifies $wb/s alone; the flood: $FLOOD_CONNS connections, $rate logons/s"
    write_conf event "$(debian_event_conf)"
    start
    for r in $(seq "$ROUNDS"); do
        order=(quiet attack)
        (( r % 2 == 0 )) && order=(attack quiet)
        for m in "${order[@]}"; do
            if [[ $m == attack ]]; then
                OPENSSL_CONF=$TOP/t/client/openssl-legacy.cnf /usr/bin/python3 "$TOP/t/client/flood.py" \
                    --port "$PORT" --path /ntlm/page.html --conns "$FLOOD_CONNS" --kind mixed \
                    --rate "$rate" --seconds $((2 * DURATION + 3)) >"$WORK/flood.$r" 2>&1 &
                flood_pid=$!
                sleep 2
            fi
            load "$r $m ntlm" handshake 8 "$DURATION" "http://$ADDR:$PORT/ntlm/page.html" "$CRED"
            load "$r $m static" plain 8 "$DURATION" "http://$ADDR:$PORT/static/page.html" "$CRED"
            if [[ $m == attack ]]; then
                wait "$flood_pid" 2>/dev/null || true
                flood_pid=
            fi
        done
    done >"$WORK/attack.results"
    curl -s "http://$ADDR:$PORT/negotiate-status?auto" |
        grep -E '^(Refusals|WinbindQueueFull|WinbindClientFull|WinbindCalls|LogonsNtlm|LogonsBasic)' |
        tr '\n' ' ' >"$WORK/status"
    stop_httpd
    awk -v wb="$wb" -v rate="$rate" -v conns="$FLOOD_CONNS" '
    { v[$1, $2, $3] = $4; p99[$1, $2, $3] = $6; f[$1, $2, $3] = $7; n = $1 > n ? $1 : n }
    END {
        printf "\nunder attack: winbind alone %s verifications/s; flood %d connections, %s logons/s\n", wb, conns, rate;
        printf "%-5s %10s %8s %10s %8s %6s %10s %10s %6s %8s\n", "round", "ntlm/s", "p99 ms",
               "attack/s", "p99 ms", "ratio", "static/s", "attack/s", "ratio", "failed";
        for (i = 1; i <= n; i++)
            printf "%-5d %10.1f %8.1f %10.1f %8.1f %6.3f %10.1f %10.1f %6.3f %8d\n", i,
                   v[i, "quiet", "ntlm"], p99[i, "quiet", "ntlm"], v[i, "attack", "ntlm"],
                   p99[i, "attack", "ntlm"], v[i, "attack", "ntlm"] / v[i, "quiet", "ntlm"],
                   v[i, "quiet", "static"], v[i, "attack", "static"],
                   v[i, "attack", "static"] / v[i, "quiet", "static"],
                   f[i, "attack", "ntlm"] + f[i, "attack", "static"];
    }' "$WORK/attack.results"
    for r in $(seq "$ROUNDS"); do
        printf 'flood, round %d: %s\n' "$r" "$(tr '\n' ' ' <"$WORK/flood.$r")"
    done
    printf 'status page at the end: %s\n' "$(cat "$WORK/status")"
}

# mpm LABEL CONF: CLIENTS handshakes at once for DURATION s, winbindd's
# clients sampled meanwhile and 3 s after
mpm_load() {
    local mpm=$1 label=$2 conf=$3 max=0 n samples=0 lpid out
    write_conf "$mpm" "$conf"
    start
    sleep 2
    "$WORK/ntlm_load" handshake "$CLIENTS" "$DURATION" "http://$ADDR:$PORT/ntlm/page.html" "$CRED" \
        >"$WORK/$mpm.out" || true &
    lpid=$!
    while kill -0 "$lpid" 2>/dev/null; do
        n=$(winbind_clients)
        ((n > max)) && max=$n
        samples=$((samples + 1))
        sleep 0.25
    done
    wait "$lpid" || true
    out=$(cat "$WORK/$mpm.out")
    sleep 3
    n=$(winbind_clients)
    stop_httpd
    printf '\n%s, %d NTLM handshakes at once for %d s\n  %s\n' "$label" "$CLIENTS" "$DURATION" "$out"
    printf "  winbindd's client connections: at most %d (%d samples); 3 s after the load %d\n" \
        "$max" "$samples" "$n"
}

prefork() {
    mpm_load prefork "prefork, $CHILDREN children" "StartServers $CHILDREN
MinSpareServers 5
MaxSpareServers $CHILDREN
MaxRequestWorkers 150"
    mpm_load event "event as Debian ships it" "$(debian_event_conf)"
}

log "module $MODULE"
[[ $WHAT == attack || $WHAT == all ]] && attack
[[ $WHAT == prefork || $WHAT == all ]] && prefork
exit 0
