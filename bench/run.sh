#!/bin/bash
# bench/run.sh - throughput of Kerberos (SPNEGO) authentication with
# mod_auth_negotiate against the same static file served without
# authentication, and of its peer mod_auth_gssapi (Debian's
# libapache2-mod-auth-gssapi, MIT krb5) measured the same way in the same
# run, interleaved.  Run as root from anywhere:
#
#   bench/run.sh
#   DURATION=30 CONNECTIONS=32 THREADS=2 ROUNDS=3 bench/run.sh
#
# Parameters (environment):
#   DURATION     seconds of each measured wrk run            (default 10)
#   CONNECTIONS  wrk connections (keep-alive)                (default 16)
#   THREADS      wrk threads                                 (default 2)
#   TOKENS       token pool of each measured Kerberos run    (default: the
#                warm-up's rate x DURATION x 1.5, at least 5000)
#   ROUNDS       static + Kerberos pairs, interleaved        (default 1)
#   WARMUP       seconds of each warm-up run                 (default 2)
#   SERVERS      httpd child processes (mpm_event)           (default 2)
#   MODULE       the module to load (default <tree>/.libs/mod_auth_negotiate.so)
#   BASELINE     another build of the module (e.g. an older commit's .so),
#                measured alike in the same run on a third httpd
#                (127.0.0.1:18094): "before" and "after" under one load
#   GSSAPI=0     leave out the peer (default 1: mod_auth_gssapi measured too,
#                on a second httpd, 127.0.0.1:18092, configured alike)
#   SESSION=0    leave out the session runs (default 1: each round also
#                measures requests that carry a valid session cookie and no
#                token, NegotiateSession On / GssapiUseSessions On, both
#                through mod_session_cookie and mod_session_crypto)
#   TICKET_CACHE=Off  our module with NegotiateTicketCache Off (every token
#                through Heimdal's full acceptor; default On, the module's
#                default: a ticket verified before costs its authenticator)
#   KEEP=1       keep the temporary directory (logs, config)
#   PROFILE=1    perf record (dwarf call graphs) of the httpd children during
#                the last Kerberos run, into the kept directory's perf.data
#                (implies KEEP=1; the figures of such a run are perturbed)
# For experiments (both default to nothing changed):
#   HTTPD_EXTRA      lines appended to the generated httpd.conf
#   HTTPD_KRB5_CONFIG  the krb5.conf httpd gets in KRB5_CONFIG (default the
#                    test domain's), e.g. one with "check_pac = false"
#
# What it does: starts the test domain (t/domain/domain.sh) unless it runs
# already, kinits alice into a temporary FILE: cache, starts a dedicated
# httpd (mpm_event, 127.0.0.1:18090, keep-alive unlimited, no access log),
# checks the set-up with curl, then runs wrk:
#   static    GET /static/index.html   no authentication
#   kerberos  GET /krb/index.html      "Authorization: Negotiate <token>",
#             a fresh SPNEGO token (bench/tokengen) on every request
# and the same two on the peer's httpd (identical but for the module: its
# /krb/ is AuthType GSSAPI, GssapiCredStore keytab:<the same keytab>,
# GssapiAllowedMech krb5); each round runs ours then the peer's, the next
# round the peer's first.  Each module's ratio is against its own httpd's
# static rate.  Each run comes after a warm-up run of WARMUP seconds (the Kerberos warm-up uses
# tokens of its own and also measures the rate that sizes the pool).  No
# token is sent twice (bench/negotiate.lua splits the pool by wrk thread);
# a thread that runs out sends unauthenticated requests, which are counted
# and make the run invalid.  Besides req/s it reports the CPU time httpd
# (all its processes) spent per request, which varies much less than req/s
# on a shared machine.  Exit status 0 only for a valid run.
set -euo pipefail

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
TOKENS=${TOKENS:-}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-2}
SERVERS=${SERVERS:-2}
KEEP=${KEEP:-0}
TICKET_CACHE=${TICKET_CACHE:-On}
GSSAPI=${GSSAPI:-1}
SESSION=${SESSION:-1}
PROFILE=${PROFILE:-0}
[[ $PROFILE == 1 ]] && KEEP=1
HTTPD_EXTRA=${HTTPD_EXTRA:-}
PORT=18090
GSS_PORT=18092
BASE_PORT=18094
BASELINE=${BASELINE:-}
ADDR=127.0.0.1
STATIC_PATH=/static/index.html
KRB_PATH=/krb/index.html
SESS_PATH=/sess/index.html

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH")
MODULE=${MODULE:-$TOP/.libs/mod_auth_negotiate.so}
DOMAIN_SH=$TOP/t/domain/domain.sh
HTTPD=/usr/sbin/apache2
HTTPD_MODULES=/usr/lib/apache2/modules
LUA=$BENCH/negotiate.lua
TOKENGEN=$BENCH/tokengen

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in DURATION CONNECTIONS THREADS WARMUP SERVERS ROUNDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ -z $TOKENS || $TOKENS =~ ^[1-9][0-9]*$ ]] || die "TOKENS must be a positive integer"
(( CONNECTIONS >= THREADS )) || die "CONNECTIONS must be >= THREADS"
[[ $(id -u) -eq 0 ]] || die "run as root (the test domain and httpd's User/Group need it)"
[[ -f $MODULE ]] || die "$MODULE is missing: build the module first (make)"
[[ -z $BASELINE || -f $BASELINE ]] || die "BASELINE $BASELINE is missing"

# ------------------------------------------------------------ tools

need_pkgs=()
command -v wrk  >/dev/null || need_pkgs+=(wrk)
command -v curl >/dev/null || need_pkgs+=(curl)
[[ -x $HTTPD ]]            || need_pkgs+=(apache2)
if ((${#need_pkgs[@]})); then
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if [[ ! -x $TOKENGEN || $BENCH/tokengen.c -nt $TOKENGEN ]]; then
    log "building bench/tokengen"
    # shellcheck disable=SC2046
    cc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi heimdal-krb5) \
       "$BENCH/tokengen.c" $(pkg-config --libs heimdal-gssapi heimdal-krb5) \
       -o "$TOKENGEN"
fi

# ------------------------------------------------------------ clean-up

. "$BENCH/lib.sh"

cleanup() {
    local rc=$?
    if [[ -n ${GSS_PIDFILE:-} ]]; then
        (PIDFILE=$GSS_PIDFILE; stop_httpd)
    fi
    if [[ -n ${BASE_PIDFILE:-} ]]; then
        (PIDFILE=$BASE_PIDFILE; stop_httpd)
    fi
    finish_run
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ domain, ticket

use_domain
HTTPD_KRB5_CONFIG=${HTTPD_KRB5_CONFIG:-$KRB5_CONFIG}
[[ -r $HTTPD_KRB5_CONFIG ]] || die "HTTPD_KRB5_CONFIG $HTTPD_KRB5_CONFIG is not readable"

WORK=$(mktemp -d /tmp/negbench.XXXXXX)
chmod 0755 "$WORK"                      # httpd (www-data) reads htdocs/
mkdir -p "$WORK/htdocs" "$WORK/logs" "$WORK/run" "$WORK/priv"
chmod 0700 "$WORK/priv"                 # ticket cache and tokens
chown www-data "$WORK/logs" "$WORK/run"
PIDFILE=$WORK/run/httpd.pid

export KRB5CCNAME=FILE:$WORK/priv/ccache
kinit --password-file=STDIN alice@EXAMPLE.TEST <<<'AlicePassw0rd!' >/dev/null \
    || die "kinit alice failed"

# ------------------------------------------------------------ httpd

# A small static page, the same file under both paths.
printf '<html><body><p>mod_auth_negotiate benchmark page.</p></body></html>\n' \
    >"$WORK/htdocs/index.html"

. "$TOP/t/httpd-conf.sh"
# httpd_conf PORT PIDFILE ERRORLOG RUNDIR AUTH-LINES SESSION-LINES: the
# same server for both modules; only the lines that authenticate /krb/ and
# /sess/ (the same plus a session) differ.
SESSION_PASSPHRASE=bench-$RANDOM$RANDOM$RANDOM
httpd_conf() {
neg_httpd_conf "$WORK" "$ADDR:$1" "$2" "$3" "$MODULE" mime session session_cookie session_crypto
# A fixed set of $SERVERS children, no process churn during the runs.
fixed_children_conf "$SERVERS" 32 | sed "s|$WORK/run|$4|"
static_site_conf
cat <<EOF
# No access log.
# A replay cache for the runs' logons: ROUNDS x DURATION at full speed
# (15,000 a second) would overflow the default 32 MB (588,544 entries),
# whose losses are now refused (NEG0810); at the same number of entries a
# bigger shmcb costs the same (bench/README, "shmcb_capacity").
NegotiateReplayCache shmcb:$4/negrc(134217728)

Alias /krb/ "$WORK/htdocs/"

<Location /krb/>
$5
    Require valid-user
</Location>

Alias /sess/ "$WORK/htdocs/"
<Location /sess/>
$5
$6
    Session On
    SessionCryptoPassphrase $SESSION_PASSPHRASE
    Require valid-user
</Location>

$HTTPD_EXTRA
EOF
}
OUR_AUTH="    AuthType Negotiate
    AuthName \"EXAMPLE\"
    NegotiateKeytab \"$NEGOTIATE_KEYTAB\"
    NegotiateTicketCache $TICKET_CACHE"
OUR_SESSION="    NegotiateSession On
    SessionCookieName negotiate_session path=/sess/;httponly"
httpd_conf "$PORT" "$PIDFILE" "$WORK/logs/error.log" "$WORK/run" \
    "$OUR_AUTH" "$OUR_SESSION" >"$WORK/httpd.conf"

log "starting httpd ($SERVERS x mpm_event children) on $ADDR:$PORT"
start_httpd KRB5_CONFIG="$HTTPD_KRB5_CONFIG"
OUR_PID=$HTTPD_PID

BASE=http://$ADDR:$PORT
GSS_BASE=
if [[ $GSSAPI == 1 ]]; then
    gss_so=$(gssapi_module) || die "cannot get Debian's mod_auth_gssapi (apt-get download libapache2-mod-auth-gssapi)"
    mkdir -p "$WORK/gss-run" && chown www-data "$WORK/gss-run"
    GSS_PIDFILE=$WORK/gss-run/httpd.pid
    httpd_conf "$GSS_PORT" "$GSS_PIDFILE" "$WORK/logs/gss-error.log" "$WORK/gss-run" \
        "    AuthType GSSAPI
    AuthName \"EXAMPLE\"
    GssapiCredStore keytab:$NEGOTIATE_KEYTAB
    GssapiAllowedMech krb5" \
        "    GssapiUseSessions On
    SessionCookieName gssapi_session path=/sess/;httponly" \
        | gssapi_conf "$gss_so" >"$WORK/gss-httpd.conf"
    log "starting the peer's httpd (mod_auth_gssapi $gss_so) on $ADDR:$GSS_PORT"
    (PORT=$GSS_PORT PIDFILE=$GSS_PIDFILE HTTPD_CONF=$WORK/gss-httpd.conf
     start_httpd KRB5_CONFIG="$HTTPD_KRB5_CONFIG" KRB5RCACHEDIR="$WORK/gss-run")
    read -r GSS_PID <"$GSS_PIDFILE"
    GSS_BASE=http://$ADDR:$GSS_PORT
fi

BASE_URL=
if [[ -n $BASELINE ]]; then
    mkdir -p "$WORK/base-run" && chown www-data "$WORK/base-run"
    BASE_PIDFILE=$WORK/base-run/httpd.pid
    (MODULE=$BASELINE
     httpd_conf "$BASE_PORT" "$BASE_PIDFILE" "$WORK/logs/base-error.log" "$WORK/base-run" \
         "$OUR_AUTH" "$OUR_SESSION") >"$WORK/base-httpd.conf"
    log "starting the baseline's httpd ($BASELINE) on $ADDR:$BASE_PORT"
    (PORT=$BASE_PORT PIDFILE=$BASE_PIDFILE HTTPD_CONF=$WORK/base-httpd.conf
     start_httpd KRB5_CONFIG="$HTTPD_KRB5_CONFIG")
    read -r BASE_PID <"$BASE_PIDFILE"
    BASE_URL=http://$ADDR:$BASE_PORT
fi

# ------------------------------------------------------------ helpers

# gen_tokens N PREFIX: N tokens split round-robin into PREFIX.0 .. PREFIX.T-1
gen_tokens() {
    local n=$1 prefix=$2
    "$TOKENGEN" "$n" 2>"$WORK/priv/tokengen.err" \
        | awk -v n="$THREADS" -v p="$prefix" '{ print > (p "." ((NR - 1) % n)) }' \
        || { cat "$WORK/priv/tokengen.err" >&2; die "tokengen failed"; }
    sed 's/^tokengen: /  tokengen: /' "$WORK/priv/tokengen.err" >&2
}

# CPU ticks (user + system) of httpd: the parent and its children.
httpd_ticks() { cpu_ticks "$HTTPD_PID" $(pgrep -P "$HTTPD_PID" || true); }

# steal ticks of the whole machine
steal_ticks() { awk '/^cpu / { print $9 }' /proc/stat; }

# run_wrk SECONDS PATH [TOKEN_PREFIX [HEADER]]: prints wrk's RESULT line,
# plus httpd_us (httpd CPU microseconds per request) and steal_pct
run_wrk() {
    local secs=$1 path=$2 prefix=${3:-} hdr=${4:-} out t0 t1 s0 s1 line n
    t0=$(httpd_ticks); s0=$(steal_ticks)
    out=$(TOKEN_PREFIX=$prefix REQ_PATH=$path \
          wrk -t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" --timeout 10s \
              ${hdr:+-H "$hdr"} -s "$LUA" "$URL_BASE$path") || die "wrk failed: $out"
    t1=$(httpd_ticks); s1=$(steal_ticks)
    printf '%s\n' "$out" >>"$WORK/logs/wrk.out"
    line=$(grep '^RESULT ' <<<"$out") || die "no RESULT from wrk: $out"
    n=$(field requests "$line")
    awk -v l="$line" -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v n="$n" -v hz="$(getconf CLK_TCK)" \
        -v secs="$secs" -v cpus="$(nproc)" 'BEGIN {
            printf "%s httpd_us=%.1f steal_pct=%.1f\n", l, n ? t * 1e6 / hz / n : 0,
                   100 * s / hz / secs / cpus }'
}

# field NAME RESULT-LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ------------------------------------------------------------ sanity checks

# check_server NAME BASE: static 200; /krb/ 401 without a token, 200 with
# one and a mutual-authentication token in the answer.
check_server() {
    local name=$1 base=$2 code tok hdrs
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base$STATIC_PATH")
    [[ $code == 200 ]] || die "$name: static $STATIC_PATH answered $code, not 200"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base$KRB_PATH")
    [[ $code == 401 ]] || die "$name: $KRB_PATH without a token answered $code, not 401"
    tok=$("$TOKENGEN" 1 2>/dev/null) || die "tokengen failed"
    hdrs=$(curl -s -o /dev/null -D - -H "Authorization: Negotiate $tok" "$base$KRB_PATH")
    code=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$hdrs")
    [[ $code == 200 ]] || { cat "$WORK"/logs/*error.log >&2; die "$name: $KRB_PATH with a token answered $code, not 200"; }
    grep -qi '^WWW-Authenticate: Negotiate [A-Za-z0-9+/=]' <<<"$hdrs" \
        || die "$name: no mutual-authentication token in the 200 answer"
    log "$name set-up OK: static 200, /krb/ 401 without and 200 (with a mutual-auth token) with a token"
}
check_server mod_auth_negotiate "$BASE"
MODS=(ours)
if [[ -n $GSS_BASE ]]; then
    check_server mod_auth_gssapi "$GSS_BASE"
    MODS+=(gss)
fi
if [[ -n $BASE_URL ]]; then
    check_server baseline "$BASE_URL"
    MODS+=(base)
fi

# session_cookie NAME BASE: one Kerberos logon at /sess/, the session cookie
# it set ("name=value"), checked: alone it gets 200, altered it gets 401.
session_cookie() {
    local name=$1 base=$2 tok cookie code
    tok=$("$TOKENGEN" 1 2>/dev/null) || die "tokengen failed"
    cookie=$(curl -s -o /dev/null -D - -H "Authorization: Negotiate $tok" "$base$SESS_PATH" \
             | sed -n 's/^[Ss]et-[Cc]ookie: *\([a-z_]*session=[^;]*\).*/\1/p' | tr -d '\r')
    [[ -n $cookie ]] || die "$name: no session cookie from a logon at $SESS_PATH"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$SESS_PATH")
    [[ $code == 200 ]] || die "$name: $SESS_PATH with the session cookie answered $code, not 200"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${cookie%?????}AAAAA" "$base$SESS_PATH")
    [[ $code == 401 ]] || die "$name: $SESS_PATH with an altered session cookie answered $code, not 401"
    log "$name session set-up OK: the cookie alone 200, altered 401"
    printf '%s\n' "$cookie"
}
declare -A cookies
if [[ $SESSION == 1 ]]; then
    cookies[ours]=$(session_cookie mod_auth_negotiate "$BASE")
    [[ -n $GSS_BASE ]] && cookies[gss]=$(session_cookie mod_auth_gssapi "$GSS_BASE")
    [[ -n $BASE_URL ]] && cookies[base]=$(session_cookie baseline "$BASE_URL")
fi

# The server a run measures: HTTPD_PID (for its CPU) and URL_BASE.
use_server() {
    case $1 in
    ours) HTTPD_PID=$OUR_PID URL_BASE=$BASE ;;
    gss)  HTTPD_PID=$GSS_PID URL_BASE=$GSS_BASE ;;
    base) HTTPD_PID=$BASE_PID URL_BASE=$BASE_URL ;;
    esac
}
name_of() {
    case $1 in
    ours) echo mod_auth_negotiate ;;
    gss)  echo mod_auth_gssapi ;;
    base) echo baseline ;;
    esac
}

# ------------------------------------------------------------ runs

declare -A warm_rps warm_ranout warm_non2xx
max_static=0 max_warm=0
for m in "${MODS[@]}"; do
    use_server "$m"
    log "$(name_of "$m"): static warm-up ${WARMUP}s"
    w=$(run_wrk "$WARMUP" "$STATIC_PATH")
    static_rps=$(field rps "$w")
    max_static=$(awk -v a="$max_static" -v b="$static_rps" 'BEGIN { print (b > a ? b : a) }')
    # The Kerberos rate is below the static one: size the warm-up pool by it.
    warm_tokens=$(awk -v r="$static_rps" -v s="$WARMUP" 'BEGIN { printf "%d", r * s * 1.25 + 1000 }')
    log "$(name_of "$m"): Kerberos warm-up ${WARMUP}s, pool $warm_tokens tokens"
    gen_tokens "$warm_tokens" "$WORK/priv/warm"
    w=$(run_wrk "$WARMUP" "$KRB_PATH" "$WORK/priv/warm")
    warm_rps[$m]=$(field rps "$w") warm_ranout[$m]=$(field ranout "$w") warm_non2xx[$m]=$(field non2xx "$w")
    max_warm=$(awk -v a="$max_warm" -v b="${warm_rps[$m]}" 'BEGIN { print (b > a ? b : a) }')
    rm -f "$WORK"/priv/warm.*
done

# Pool: 1.5 x the faster warm-up's rate, at least half the static rate (in
# case something disturbed the warm-up); a run that still runs out is
# repeated with twice the pool (up to twice), so no token is ever sent twice.
pool=$TOKENS
if [[ -z $pool ]]; then
    pool=$(awk -v r="$max_warm" -v st="$max_static" -v s="$DURATION" 'BEGIN {
               if (r * 1.5 < st * 0.5) r = st / 3; n = r * s * 1.5
               if (n < 5000) n = 5000; printf "%d", n }')
fi
retries=0

# kerberos_run ROUND MOD: one measured Kerberos run (repeated with a larger
# pool if it ran out), its RESULT line in KRUN (not printed: the pool and
# retries must outlive it); perf record of ours in the last round with
# PROFILE=1.
kerberos_run() {
    local round=$1 m=$2 try k perf_pid
    for ((try = 1; ; try++)); do
        log "round $round/$ROUNDS: $(name_of "$m") Kerberos run ${DURATION}s, pool $pool tokens"
        gen_tokens "$pool" "$WORK/priv/main"
        perf_pid=
        if [[ $PROFILE == 1 && $round == "$ROUNDS" && $m == ours ]]; then
            command -v perf >/dev/null || die "PROFILE=1 needs perf (linux-perf)"
            (sleep 0.5; exec perf record -q -F 499 --call-graph dwarf,16384 \
                 -p "$(pgrep -d, -P "$HTTPD_PID")" -o "$WORK/perf.data" \
                 -- sleep $((DURATION > 2 ? DURATION - 1 : 1))) >"$WORK/logs/perf.log" 2>&1 &
            perf_pid=$!
        fi
        k=$(run_wrk "$DURATION" "$KRB_PATH" "$WORK/priv/main")
        if [[ -n $perf_pid ]]; then
            wait "$perf_pid" || log "perf record failed: $(tail -n 3 "$WORK/logs/perf.log")"
            log "profile: perf report -i $WORK/perf.data --children --sort sym"
        fi
        rm -f "$WORK"/priv/main.*
        if [[ $(field ranout "$k") != 0 && $try -le 2 && -z $TOKENS ]]; then
            log "round $round/$ROUNDS: ran out of tokens ($(field ranout "$k") requests" \
                "without one): repeating with a pool of $((pool * 2))"
            pool=$((pool * 2)) retries=$((retries + 1))
            continue
        fi
        break
    done
    KRUN=$k
}

declare -A statics krbs sessions
for ((round = 1; round <= ROUNDS; round++)); do
    # each round starts with the next server: none always runs first
    order=("${MODS[@]:$(((round - 1) % ${#MODS[@]}))}" "${MODS[@]:0:$(((round - 1) % ${#MODS[@]}))}")
    for m in "${order[@]}"; do
        use_server "$m"
        log "round $round/$ROUNDS: $(name_of "$m") static run ${DURATION}s"
        statics[$round,$m]=$(run_wrk "$DURATION" "$STATIC_PATH")
        kerberos_run "$round" "$m"
        krbs[$round,$m]=$KRUN
        if [[ $SESSION == 1 ]]; then
            # a fresh session for each run: a whole run outlasts the
            # session's lifetime (NegotiateSessionLifetime, 300 s)
            cookies[$m]=$(session_cookie "$(name_of "$m")" "$URL_BASE")
            log "round $round/$ROUNDS: $(name_of "$m") session-cookie run ${DURATION}s"
            sessions[$round,$m]=$(run_wrk "$DURATION" "$SESS_PATH" "" "Cookie: ${cookies[$m]}")
        fi
    done
done
neg_errors=$(grep -c 'NEG0' "$WORK/logs/error.log" || true)

# ------------------------------------------------------------ report

row() {   # name result
    printf '%-14s %10s %9s %9s %8s %8s %8s %6s\n' "$1" "$(field rps "$2")" \
        "$(field requests "$2")" "$(field httpd_us "$2")" "$(field p50_us "$2")" \
        "$(field p99_us "$2")" "$(field non2xx "$2")" "$(field steal_pct "$2")"
}
ratio() { awk -v k="$1" -v s="$2" 'BEGIN { printf "%.3f", k / s }'; }
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
echo "Kerberos benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
     "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, httpd mpm_event x$SERVERS;" \
     "tree $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')""; NegotiateTicketCache $TICKET_CACHE"
printf '%-14s %10s %9s %9s %8s %8s %8s %6s\n' run "req/s" requests "httpd us" \
    "p50 us" "p99 us" non-2xx steal%
declare -A ratios sratios
valid=1
for ((round = 1; round <= ROUNDS; round++)); do
    line="ratio kerberos/static, round $round:" sline="ratio session/static, round $round:"
    for m in "${MODS[@]}"; do
        s=${statics[$round,$m]} k=${krbs[$round,$m]}
        case $m in ours) tag= ;; gss) tag="gssapi " ;; base) tag="baseline " ;; esac
        row "${tag}static" "$s"
        row "${tag}kerberos" "$k"
        ratios[$m]+="$(ratio "$(field rps "$k")" "$(field rps "$s")") "
        line+=" $(name_of "$m") $(ratio "$(field rps "$k")" "$(field rps "$s")")"
        line+=" (CPU/request x$(awk -v k="$(field httpd_us "$k")" -v s="$(field httpd_us "$s")" 'BEGIN { printf "%.2f", k / s }'))"
        [[ $(field non2xx "$k") == 0 && $(field non2xx "$s") == 0 ]] || valid=0
        if [[ $SESSION == 1 ]]; then
            c=${sessions[$round,$m]}
            row "${tag}session" "$c"
            sratios[$m]+="$(ratio "$(field rps "$c")" "$(field rps "$s")") "
            sline+=" $(name_of "$m") $(ratio "$(field rps "$c")" "$(field rps "$s")")"
            [[ $(field non2xx "$c") == 0 ]] || valid=0
        fi
        [[ $(field ranout "$k") == 0 ]] || { log "round $round: $(name_of "$m") ran out of tokens: raise TOKENS"; valid=0; }
        for r in "$s" "$k"; do
            [[ "$(field connect "$r")/$(field read "$r")/$(field write "$r")/$(field timeout "$r")" == 0/0/0/0 ]] \
                || log "round $round: $(name_of "$m"): socket errors (connect/read/write/timeout)" \
                       "$(field connect "$r")/$(field read "$r")/$(field write "$r")/$(field timeout "$r")"
        done
    done
    echo "$line"
    [[ $SESSION == 1 ]] && echo "$sline"
done
printf 'median ratio kerberos/static over %d round(s):' "$ROUNDS"
for m in "${MODS[@]}"; do
    printf ' %s %s' "$(name_of "$m")" "$(tr ' ' '\n' <<<"${ratios[$m]}" | grep . | median)"
done
echo
if [[ $SESSION == 1 ]]; then
    printf 'median ratio session/static over %d round(s):' "$ROUNDS"
    for m in "${MODS[@]}"; do
        printf ' %s %s' "$(name_of "$m")" "$(tr ' ' '\n' <<<"${sratios[$m]}" | grep . | median)"
    done
    echo
fi
echo "token pool: $pool per Kerberos run; runs repeated for a larger pool: $retries;" \
     "warm-up req/s: $(for m in "${MODS[@]}"; do printf '%s %s ' "$(name_of "$m")" "${warm_rps[$m]}"; done)" \
     "; module errors in error.log: $neg_errors"

for m in "${MODS[@]}"; do
    [[ ${warm_non2xx[$m]} == 0 ]] \
        || { log "$(name_of "$m"): the Kerberos warm-up had non-2xx answers"; valid=0; }
done
if ((!valid)); then
    log "INVALID run: see above; tail of the error logs:"
    tail -n 5 "$WORK"/logs/*error.log >&2
    exit 1
fi
