#!/bin/bash
# The web farm (issue 14, item 4), as root; takes the suite lock itself.
# Two httpd instances (ports 18093 and 18094, one child x 32 threads each,
# the same keytab) and, in the same run, each replay cache of CACHES:
#   shmcb     each server its own (what one server has; not shared: the
#             baseline, and a replay sent to the other server passes)
#   redis     one redis-server on 127.0.0.1:18379, shared
#   memcache  one memcached on 127.0.0.1:18211, shared
# For each cache:
#   1. throughput: two wrk (one per server, CONNECTIONS/2 connections each,
#      each its own fresh tokens) for DURATION s; Kerberos req/s summed;
#   2. replays under load: the SAME pool of REPLAY_TOKENS tokens sent by two
#      wrk at once, one per server, until both used it up: with a shared
#      cache every token must be accepted exactly once across the two
#      (accepted = REPLAY_TOKENS: no replay passed, no false refusal).
#
#   bench/farm.sh
#   DURATION=10 CONNECTIONS=16 CACHES="shmcb redis" bench/farm.sh
set -euo pipefail

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
CACHES=${CACHES:-shmcb redis memcache}
REPLAY_TOKENS=${REPLAY_TOKENS:-2000}
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH")
MODULE=${MODULE:-$TOP/.libs/mod_auth_negotiate.so}
DOMAIN_SH=$TOP/t/domain/domain.sh
HTTPD=/usr/sbin/apache2
LUA=$BENCH/negotiate.lua
TOKENGEN=$BENCH/tokengen
ADDR=127.0.0.1
PORTS=(18093 18094)
REDIS_PORT=18379
MEMCACHED_PORT=18211
KEEP=${KEEP:-0}
log() { printf 'farm: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "run as root"
[[ -f $MODULE ]] || die "$MODULE is missing: make first"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v redis-server >/dev/null || need+=(redis-server)
command -v memcached >/dev/null || need+=(memcached)
if ((${#need[@]})); then
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [[ ! -x $TOKENGEN || $BENCH/tokengen.c -nt $TOKENGEN ]]; then
    cc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi heimdal-krb5) \
       "$BENCH/tokengen.c" $(pkg-config --libs heimdal-gssapi heimdal-krb5) -o "$TOKENGEN"
fi

. "$BENCH/lib.sh"
exec 8>/var/tmp/mod_auth_negotiate-suite.lock
log "waiting for the suite lock"
flock 8
TOPWORK=$(mktemp -d /tmp/negbench-farm.XXXXXX)
chmod 0755 "$TOPWORK"
mkdir -p "$TOPWORK/priv" "$TOPWORK/htdocs"
chmod 0700 "$TOPWORK/priv"
printf '<html><body><p>farm benchmark page.</p></body></html>\n' >"$TOPWORK/htdocs/index.html"
aux_pids=()
# both servers: stop_httpd works on one PIDFILE at a time
stop_both() {
    local port
    for port in "${PORTS[@]}"; do PIDFILE=$TOPWORK/$port/run/httpd.pid; stop_httpd; done
}
cleanup() {
    local rc=$?
    stop_both
    ((${#aux_pids[@]})) && kill "${aux_pids[@]}" 2>/dev/null
    if [[ $KEEP == 1 ]]; then log "kept $TOPWORK"; else rm -rf -- "$TOPWORK"; fi
    exit "$rc"
}
trap cleanup EXIT
"$DOMAIN_SH" start >/dev/null 8>&-
eval "$("$DOMAIN_SH" env)"
export KRB5_CONFIG
export KRB5CCNAME=FILE:$TOPWORK/priv/ccache
kinit --password-file=STDIN alice@EXAMPLE.TEST <<<'AlicePassw0rd!' >/dev/null || die "kinit failed"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --loglevel warning >/dev/null 2>&1 8>&- &
aux_pids+=($!)
memcached -u nobody -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 256 -t 2 >/dev/null 2>&1 8>&- &
aux_pids+=($!)
sleep 0.5
# as though the farm had used the caches for long: their epoch key made
# long ago (a new cache refuses Kerberos for one clock skew, NEG0817)
redis-cli -p "$REDIS_PORT" SET neg-rc:epoch 0000000000000000:1 >/dev/null
printf 'set neg-rc:epoch 0 0 18\r\n0000000000000000:1\r\nquit\r\n' \
    | timeout 2 bash -c "cat >/dev/tcp/127.0.0.1/$MEMCACHED_PORT" || true

# The farm's shared NegotiateReplayCacheKey (required for redis and memcache).
head -c 48 /dev/urandom >"$TOPWORK/priv/replay.key" && chmod 0600 "$TOPWORK/priv/replay.key"
cache_arg() {
    case $1 in
    shmcb)    echo shmcb ;;
    redis)    printf '%s\nNegotiateReplayCacheKey %s' "redis:127.0.0.1:$REDIS_PORT" "$TOPWORK/priv/replay.key" ;;
    memcache) printf '%s\nNegotiateReplayCacheKey %s' "memcache:127.0.0.1:$MEMCACHED_PORT" "$TOPWORK/priv/replay.key" ;;
    esac
}

. "$TOP/t/httpd-conf.sh"
start_pair() {   # cache
    local port
    for port in "${PORTS[@]}"; do
        WORK=$TOPWORK/$port PIDFILE=$TOPWORK/$port/run/httpd.pid PORT=$port
        mkdir -p "$WORK/run" "$WORK/logs"
        chown www-data "$WORK/run" "$WORK/logs"
        {
            neg_httpd_conf "$WORK" "$ADDR:$port" "$PIDFILE" "$WORK/logs/error.log" "$MODULE" mime
            fixed_children_conf 1 32
            WORK=$TOPWORK static_site_conf
            cat <<EOF
NegotiateReplayCache $(cache_arg "$1")
Alias /krb/ "$TOPWORK/htdocs/"
<Location /krb/>
    AuthType Negotiate
    NegotiateKeytab "$NEGOTIATE_KEYTAB"
    Require valid-user
</Location>
EOF
        } >"$WORK/httpd.conf"
        start_httpd KRB5_CONFIG="$KRB5_CONFIG" 8>&-
    done
}

gen() {   # n file
    "$TOKENGEN" "$1" 2>/dev/null >"$2" || die "tokengen failed"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# two wrk at once, one per server: wrk_pair SECONDS PATH PREFIX_A PREFIX_B
wrk_pair() {
    local secs=$1 path=$2 i
    for i in 0 1; do
        local prefix=${3:-}
        ((i == 1)) && prefix=${4:-}
        TOKEN_PREFIX=$prefix REQ_PATH=$path wrk -t 1 -c $((CONNECTIONS / 2)) -d "${secs}s" \
            --timeout 10s -s "$LUA" "http://$ADDR:${PORTS[i]}$path" \
            >"$TOPWORK/wrk.$i" 2>&1 8>&- &
    done
    wait
    grep -h '^RESULT ' "$TOPWORK/wrk.0" "$TOPWORK/wrk.1" || die "no RESULT from wrk"
}
sum() { awk -v f="$1" '{ for (i = 1; i <= NF; i++) if ($i ~ "^" f "=") { sub(f "=", "", $i); s += $i } } END { printf "%.1f\n", s }'; }

printf '\nfarm: %s, %s CPUs, two httpd (1 x 32 threads each), wrk -t1 -c%d per server, %ds\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" $((CONNECTIONS / 2)) "$DURATION"
printf '%-9s %10s %10s %7s %9s   %s\n' cache "static/s" "kerberos/s" ratio "krb p99us" \
    "same pool to both servers: accepted of pool (tokens sent)"
for cache in $CACHES; do
    start_pair "$cache"
    static=$(wrk_pair "$DURATION" /static/index.html | sum rps)
    # fresh tokens, more than 2 CPUs could take, per server (tokens running
    # out would count cheap 401s as Kerberos requests)
    n=$(awk -v s="$static" -v d="$DURATION" 'BEGIN { n = s * d * 0.5; if (n < 5000) n = 5000; printf "%d", n }')
    gen "$n" "$TOPWORK/priv/a.0"
    gen "$n" "$TOPWORK/priv/b.0"
    out=$(wrk_pair "$DURATION" /krb/index.html "$TOPWORK/priv/a" "$TOPWORK/priv/b")
    krb=$(sum rps <<<"$out")
    bad=$(sum non2xx <<<"$out"); ranout=$(sum ranout <<<"$out")
    p99=$(field p99_us "$(head -1 <<<"$out")")
    # the same pool to both: long enough for both to use it up
    gen "$REPLAY_TOKENS" "$TOPWORK/priv/same.0"
    rout=$(wrk_pair 4 /krb/index.html "$TOPWORK/priv/same" "$TOPWORK/priv/same")
    req=$(sum requests <<<"$rout"); non=$(sum non2xx <<<"$rout")
    used=$(sum tokens_used <<<"$rout")
    accepted=$(awk -v r="$req" -v n="$non" 'BEGIN { printf "%d", r - n }')
    printf '%-9s %10s %10s %7s %9s   %d of %d (%d sent; throughput run: %d errors, %d ran out)\n' \
        "$cache" "$static" "$krb" "$(awk -v k="$krb" -v s="$static" 'BEGIN { printf "%.3f", k / s }')" \
        "$p99" "$accepted" "$REPLAY_TOKENS" "${used%.*}" "$(awk -v b="$bad" -v r="$ranout" 'BEGIN { printf "%d", b - r }')" "${ranout%.*}"
    grep -h 'NEG0' "$TOPWORK"/*/logs/error.log | grep -v NEG0206 | tail -3 >&2 || true
    stop_both
done
