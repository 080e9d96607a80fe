#!/bin/bash
# Kerberos "under attack" (the availability review's defect 1 and the
# cheap-refusal path), as root; takes the suite lock itself.
#
# mpm_event as Debian ships it (StartServers 2, ThreadsPerChild 25,
# MaxRequestWorkers 150), LimitRequestFieldSize 65536 and
# NegotiateMaxTokenSize 65536 (as the README advises for users in many
# groups).  Legitimate clients (wrk from 127.0.0.1, CONNS connections,
# keep-alive): Kerberos logons, each with a fresh SPNEGO token from
# bench/tokengen (alice), then static requests, DURATION s each, in three
# modes:
#   quiet    nothing else
#   ticket   one client (127.0.0.2, t/client/flood.py, FLOOD_CONNS
#            connections, as fast as answers come) sends Kerberos tokens as
#            large as the header allows whose ticket's clear-text service
#            name is thousands of empty components (a genuine AP-REQ's sname
#            rewritten by t/client/apreq_edit.py components): refused
#   garbage  the same client sends random base64 of the same size (the
#            cheap refusal of a malformed token)
# httpd is started afresh for each mode; the httpd children's peak resident
# size (VmHWM, sampled 4 times a second) is the largest of one child and
# the largest sum over the children.  ROUNDS rounds, the order of the modes
# reversed in even rounds.  Before the rounds, each flood alone for DURATION
# s on a fresh httpd: tokens answered a second and httpd's CPU per token
# (the parent, the children it reaped and those alive, from /proc).
#
#   bench/kerberos-avail.sh
#   MODULE=/path/to/other/mod_auth_negotiate.so bench/kerberos-avail.sh
#   DURATION=8 ROUNDS=2 CONNS=8 FLOOD_CONNS=8 MODES="quiet ticket garbage"
set -euo pipefail

DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-8}
FLOOD_CONNS=${FLOOD_CONNS:-8}
MODES=${MODES:-quiet ticket garbage}
FIELD_LIMIT=65536
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLOOD_SOURCE=127.0.0.2
PORT=18096
TOKENGEN=$BENCH/tokengen
log() { printf 'kerberos-avail: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
. "$BENCH/lib.sh"
avail_init
for v in DURATION ROUNDS CONNS FLOOD_CONNS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
for m in $MODES; do
    case $m in quiet|ticket|garbage) ;; *) die "MODES: quiet, ticket, garbage (got '$m')" ;; esac
done
command -v wrk >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends wrk >/dev/null

if [[ ! -x $TOKENGEN || $BENCH/tokengen.c -nt $TOKENGEN ]]; then
    log "building bench/tokengen"
    # shellcheck disable=SC2046
    cc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi heimdal-krb5) \
       "$BENCH/tokengen.c" $(pkg-config --libs heimdal-gssapi heimdal-krb5) -o "$TOKENGEN"
fi

flood_pid='' sample_pid=''
trap 'rc=$?; for p in $flood_pid $sample_pid; do kill "$p" 2>/dev/null; done; finish_run; exit $rc' EXIT
avail_start kavail
mkdir -p "$WORK/priv"
chmod 0700 "$WORK/priv"
export KRB5CCNAME=FILE:$WORK/priv/ccache
kinit --password-file=STDIN alice@EXAMPLE.TEST <<<'AlicePassw0rd!' >/dev/null || die "kinit alice failed"

{
    neg_httpd_conf "$WORK" "$ADDR:$PORT" "$PIDFILE" "$WORK/error_log" "$MODULE" authz_host
    cat <<EOC
DefaultRuntimeDir "$WORK/run"
Mutex file:$WORK/run default
LogLevel warn
$(debian_event_conf)
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
LimitRequestFieldSize $FIELD_LIMIT
NegotiateMaxTokenSize 65536
DocumentRoot "$WORK/htdocs"
Alias /static/ "$WORK/htdocs/"
Alias /krb/ "$WORK/htdocs/"
<Location /krb/>
    AuthType Negotiate
    AuthName "EXAMPLE"
    NegotiateKeytab "$NEGOTIATE_KEYTAB"
    Require valid-user
</Location>
<Location /negotiate-status>
    SetHandler negotiate-status
    Require ip 127.0.0.1
</Location>
EOC
} >"$WORK/httpd.conf"

URL=http://$ADDR:$PORT

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

start() {
    start_httpd KRB5_CONFIG="$KRB5_CONFIG"
    local tok
    tok=$("$TOKENGEN" 1 2>/dev/null) || die "tokengen failed"
    [[ $(code -H "Authorization: Negotiate $tok" "$URL/krb/page.html") == 200 ]] \
        || die "a first Kerberos logon failed: $(tail -3 "$WORK/error_log")"
}

# The attack tokens.  ticket: a genuine token's ticket given N empty
# service-name components, N the largest whose header line
# ("Authorization: Negotiate " + base64) fits LimitRequestFieldSize (two
# bytes a component, so the size is linear in N); garbage: random base64
# of that length, 16 different ones.
make_attack_tokens() {
    local tok b1 b2 n len hdr=25 limit=$((FIELD_LIMIT - 8))
    tok=$("$TOKENGEN" 1 2>/dev/null) || die "tokengen failed"
    b1=$(/usr/bin/python3 "$TOP/t/client/apreq_edit.py" components "$tok" 1000 | tr -d '\n' | wc -c)
    b2=$(/usr/bin/python3 "$TOP/t/client/apreq_edit.py" components "$tok" 2000 | tr -d '\n' | wc -c)
    # base64 length ~ b1 + (N - 1000) * (b2 - b1) / 1000
    n=$(awk -v b1="$b1" -v b2="$b2" -v room=$((limit - hdr)) \
        'BEGIN { printf "%d", 1000 + (room - b1) * 1000 / (b2 - b1) - 2 }')
    while :; do
        /usr/bin/python3 "$TOP/t/client/apreq_edit.py" components "$tok" "$n" | tr -d '\n' >"$WORK/priv/ticket.tok"
        len=$(wc -c <"$WORK/priv/ticket.tok")
        ((hdr + len <= limit)) && break
        n=$((n - 50))
    done
    echo >>"$WORK/priv/ticket.tok"
    TICKET_COMPONENTS=$n TOKEN_B64=$len
    for _ in $(seq 16); do
        head -c $((len / 4 * 3)) /dev/urandom | base64 -w0
        echo
    done >"$WORK/priv/garbage.tok"
}

# "rps p50_ms p99_ms non2xx errors ranout" of one wrk run: PATH [TOKEN_PREFIX]
load() {
    local path=$1 prefix=${2:-} out
    out=$(TOKEN_PREFIX=$prefix REQ_PATH=$path wrk -t 2 -c "$CONNS" -d "${DURATION}s" --timeout 10s \
              -s "$BENCH/negotiate.lua" "$URL$path" 2>&1) || die "wrk failed: $out"
    echo "$out" | awk '/^RESULT / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "%s %.1f %.1f %d %d %d\n", f["rps"], f["p50_us"] / 1000, f["p99_us"] / 1000, f["non2xx"],
               f["connect"] + f["read"] + f["write"] + f["timeout"], f["ranout"] }'
}

# gen_tokens N: N fresh tokens in $WORK/priv/krb.0 and krb.1 (one file per
# wrk thread: no token is sent twice)
gen_tokens() {
    "$TOKENGEN" "$1" 2>"$WORK/priv/tokengen.err" |
        awk -v p="$WORK/priv/krb" '{ print > (p "." ((NR - 1) % 2)) }' \
        || { cat "$WORK/priv/tokengen.err" >&2; die "tokengen failed"; }
}

# Samples the children's peak resident size 4 times a second until killed;
# on TERM writes "largest-child-kB largest-sum-kB" to $1.
sample_rss() {
    local out=$1 one=0 sum=0 s p v
    trap 'echo "$one $sum" >"$out"; exit 0' TERM
    while :; do
        s=0
        for p in $(pgrep -P "$HTTPD_PID"); do
            v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
            [[ -n $v ]] || continue
            s=$((s + v))
            ((v > one)) && one=$v
        done
        ((s > sum)) && sum=$s
        sleep 0.25 & wait $!
    done
}

# measure ROUND MODE: one line "round mode krb-fields static-fields one_kB sum_kB"
measure() {
    local r=$1 m=$2 k s
    gen_tokens "$POOL"
    start
    sample_rss "$WORK/rss.$r.$m" &
    sample_pid=$!
    if [[ $m != quiet ]]; then
        /usr/bin/python3 "$TOP/t/client/flood.py" --port "$PORT" --source "$FLOOD_SOURCE" \
            --path /krb/page.html --conns "$FLOOD_CONNS" --kind tokens --tokens "$WORK/priv/$m.tok" \
            --seconds $((2 * DURATION + 3)) --timeout 60 >"$WORK/flood.$r.$m" 2>&1 &
        flood_pid=$!
        sleep 2
    fi
    k=$(load /krb/page.html "$WORK/priv/krb")
    s=$(load /static/page.html)
    if [[ -n $flood_pid ]]; then
        wait "$flood_pid" 2>/dev/null || true
        flood_pid=
    fi
    kill "$sample_pid" && wait "$sample_pid" 2>/dev/null || true
    sample_pid=
    curl -s "$URL/negotiate-status?auto" | grep -E '^Refusals' | grep -v ': 0$' | tr '\n' ' ' \
        >"$WORK/status.$r.$m" || true
    stop_httpd
    rm -f "$WORK"/priv/krb.*
    echo "$r $m $k $s $(cat "$WORK/rss.$r.$m")"
}

# CPU ticks of httpd: the parent (with the children it reaped) and the
# children alive
httpd_ticks() {
    local f t
    read -r -a f <"/proc/$HTTPD_PID/stat"
    t=$((f[13] + f[14] + f[15] + f[16]))
    echo $((t + $(cpu_ticks $(pgrep -P "$HTTPD_PID"))))
}

# alone MODE: the flood alone for DURATION s on a fresh httpd: the tokens it
# had answered, httpd's CPU per token and the children's peak size
alone() {
    local m=$1 t0 t1 sent one sum
    start
    sample_rss "$WORK/rss.alone.$m" &
    sample_pid=$!
    t0=$(httpd_ticks)
    /usr/bin/python3 "$TOP/t/client/flood.py" --port "$PORT" --source "$FLOOD_SOURCE" \
        --path /krb/page.html --conns "$FLOOD_CONNS" --kind tokens --tokens "$WORK/priv/$m.tok" \
        --seconds "$DURATION" --timeout 60 >"$WORK/alone.$m" 2>&1 || true
    t1=$(httpd_ticks)
    kill "$sample_pid" && wait "$sample_pid" 2>/dev/null || true
    sample_pid=''
    stop_httpd
    sent=$(sed -n 's/^sent=//p' "$WORK/alone.$m")
    read -r one sum <"$WORK/rss.alone.$m"
    awk -v m="$m" -v n="$sent" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v d="$DURATION" \
        -v one="$one" -v sum="$sum" -v cpus="$(nproc)" 'BEGIN {
        printf "%-8s %9.1f %12.2f %10.0f %9.1f %9.1f\n", m, n / d, n ? 1000 * t / hz / n : 0,
               100 * t / hz / d / cpus, one / 1024, sum / 1024 }'
}

log "module $MODULE"
make_attack_tokens
log "ticket tokens: $TICKET_COMPONENTS empty components, $TOKEN_B64 base64 bytes; garbage tokens alike"
start
if [[ $MODES == *ticket* ]]; then
    c=$(code -H "Authorization: Negotiate $(head -1 "$WORK/priv/ticket.tok")" "$URL/krb/page.html")
    [[ $c == 401 ]] || die "the ticket token got $c, not 401 (LimitRequestFieldSize?)"
fi
# The pool: 1.5 x the quiet rate of a 2-second run, at least 5000.
gen_tokens 20000
rate=$(DURATION=2 load /krb/page.html "$WORK/priv/krb" | cut -d' ' -f1)
stop_httpd
POOL=$(awk -v r="$rate" -v d="$DURATION" 'BEGIN { n = r * d * 1.5; printf "%d", n < 5000 ? 5000 : n }')
log "quiet Kerberos warm-up: $rate logons/s; pool $POOL tokens a run"

for m in $MODES; do
    [[ $m == quiet ]] && continue
    log "the $m flood alone"
    alone "$m"
done >"$WORK/alone"

read -r -a modes <<<"$MODES"
for r in $(seq "$ROUNDS"); do
    order=("${modes[@]}")
    if ((r % 2 == 0)); then
        order=()
        for ((i = ${#modes[@]} - 1; i >= 0; i--)); do order+=("${modes[i]}"); done
    fi
    for m in "${order[@]}"; do
        log "round $r: $m"
        measure "$r" "$m"
    done
done >"$WORK/results"

echo
printf 'Kerberos under attack: %s, %d CPUs, module %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$MODULE"
printf 'legitimate: wrk -t2 -c%d, %d s each; flood: %d connections from %s; ticket tokens %d components, %d base64 bytes\n' \
    "$CONNS" "$DURATION" "$FLOOD_CONNS" "$FLOOD_SOURCE" "$TICKET_COMPONENTS" "$TOKEN_B64"
awk '{ v[$1, $2] = $0; n = $1 > n ? $1 : n; if (!($2 in seen)) { seen[$2] = 1; ms[++nm] = $2 } }
END {
    printf "%-5s %-8s %9s %8s %6s %10s %8s %6s %9s %9s %6s\n", "round", "mode", "krb/s", "p99 ms",
           "ratio", "static/s", "p99 ms", "ratio", "child MB", "total MB", "failed";
    for (i = 1; i <= n; i++)
        for (j = 1; j <= nm; j++) {
            if (!((i, ms[j]) in v)) continue
            split(v[i, ms[j]], f, " ")
            split(v[i, "quiet"], q, " ")
            # f: 1 round 2 mode 3-8 krb (rps p50 p99 non2xx errors ranout) 9-14 static 15 one 16 sum
            printf "%-5d %-8s %9.1f %8.1f %6.3f %10.1f %8.1f %6.3f %9.1f %9.1f %6d\n", i, ms[j],
                   f[3], f[5], q[3] ? f[3] / q[3] : 0, f[9], f[11], q[9] ? f[9] / q[9] : 0,
                   f[15] / 1024, f[16] / 1024, f[6] + f[7] + f[8] + f[12] + f[13]
        }
}' "$WORK/results"
if [[ -s $WORK/alone ]]; then
    printf '\nthe flood alone, %d s on a fresh httpd:\n' "$DURATION"
    printf '%-8s %9s %12s %10s %9s %9s\n' mode tokens/s "httpd ms/tok" "httpd CPU%" "child MB" "total MB"
    cat "$WORK/alone"
    echo
fi
secs=$((2 * DURATION + 3))
for f in "$WORK"/flood.*; do
    [[ -e $f ]] || continue
    printf 'flood, round %s: %s(%s s: %s tokens/s, flooder %s%% of a CPU)\n' "${f#"$WORK"/flood.}" \
        "$(tr '\n' ' ' <"$f")" "$secs" \
        "$(awk -F= -v s="$secs" '$1 == "sent" { printf "%.0f", $2 / s }' "$f")" \
        "$(awk -F= -v s="$secs" '$1 == "cpu_seconds" { printf "%.0f", 100 * $2 / s }' "$f")"
done
for f in "$WORK"/status.*; do
    [[ $f == *quiet ]] && continue
    printf 'status page, round %s: %s\n' "${f#"$WORK"/status.}" "$(cat "$f")"
done
exit 0
