#!/bin/bash
# Users in many groups (issue 14, item 1): the first request of a user in
# 600 and of one in 1,500 groups to a `Require negotiate-group` location,
# by Kerberos, NTLM and Basic, each in a freshly started httpd against a
# freshly started test domain (winbindd's cache is empty: t/domain/domain.sh
# removes winbindd_cache.tdb at every start), then a second request (new
# token, names cached in the process); and the size of each user's
# Authorization header. Run as root; it takes the suite lock itself.
#
#   bench/groups.sh                  # users alice (1 group), many600, many1500
#   MODULE=/path/mod_auth_negotiate.so bench/groups.sh    # another build
#
# Server time is httpd's %D (microseconds from the request line read to the
# response sent: the Kerberos accept, winbind, authorization, the page);
# for NTLM the final leg (the one that calls winbind). "curl" is the
# client's whole time (Kerberos: including its TGS request to the KDC).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
module=${MODULE:-$top/.libs/mod_auth_negotiate.so}
PORT=18092
ADDR=127.0.0.1
HTTPD=/usr/sbin/apache2
DOMAIN_SH=$top/t/domain/domain.sh
KEEP=${KEEP:-0}
LOCK=/var/tmp/mod_auth_negotiate-suite.lock
log() { printf 'groups: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root"
[ -f "$module" ] || die "no module at $module (make first)"

exec 8>"$LOCK"
log "waiting for the suite lock"
flock 8
trap 'rc=$?; finish_run; exit $rc' EXIT
WORK=$(mktemp -d /tmp/negbench-groups.XXXXXX)
chmod 0755 "$WORK"
PIDFILE=$WORK/httpd.pid
mkdir -p "$WORK/htdocs" "$WORK/run"
printf 'ok\n' >"$WORK/htdocs/index.html"
"$DOMAIN_SH" start >/dev/null 8>&-
eval "$("$DOMAIN_SH" env)"
export KRB5_CONFIG
# the users (idempotent; t/integration.sh makes them the same way)
/usr/bin/python3 "$top/t/domain/groups.py" --local "$NEGOTIATE_DC_SMBCONF" scalegrp 1500 \
    'many600:ManyPassw0rd!:600' 'many1500:ManyPassw0rd!:1500' --also ScaleAdmins >/dev/null

. "$top/t/httpd-conf.sh"
{
    neg_httpd_conf "$WORK" "$ADDR:$PORT" "$PIDFILE" "$WORK/error_log" "$module"
    fixed_children_conf 1 8
    cat <<EOC
LimitRequestFieldSize 65536
KeepAlive On
LogFormat "%u %>s %D %{negotiate-error}n" timing
CustomLog "$WORK/access_log" timing
DocumentRoot "$WORK/htdocs"
<Directory "$WORK/htdocs">
    AuthType Negotiate
    AuthName "EXAMPLE intranet"
    NegotiateKeytab $NEGOTIATE_KEYTAB
    NegotiateBasic On
    NegotiateBasicAllowPlainHTTP On
    Require negotiate-group "EXAMPLE\\ScaleAdmins" "EXAMPLE\\WebAdmins"
</Directory>
EOC
} >"$WORK/httpd.conf"

declare -A pw=([alice]='AlicePassw0rd!' [many600]='ManyPassw0rd!' [many1500]='ManyPassw0rd!')
users=(alice many600 many1500)
for u in "${users[@]}"; do
    printf '%s\n' "${pw[$u]}" | KRB5CCNAME=FILE:$WORK/cc.$u kinit --password-file=STDIN "$u@EXAMPLE.TEST"
done
# alice is in WebAdmins, the others in ScaleAdmins: all are admitted

# one request; prints "status curl_ms"
request() {
    local mech=$1 u=$2 opt
    case $mech in
    kerberos) opt=(--negotiate -u :) ;;
    ntlm)     opt=(--ntlm -u "EXAMPLE\\$u:${pw[$u]}") ;;
    basic)    opt=(--basic -u "EXAMPLE\\$u:${pw[$u]}") ;;
    esac
    GSS_MECH_CONFIG=/dev/null KRB5CCNAME=FILE:$WORK/cc.$u curl -s -o /dev/null --max-time 30 \
        "${opt[@]}" -w '%{http_code} %{time_total}\n' "http://localhost:$PORT/index.html" |
        awk '{ printf "%s %.1f\n", $1, $2 * 1000 }'
}
# the last access-log line's %D in ms
server_ms() { tail -1 "$WORK/access_log" | awk '{ printf "%.1f", $3 / 1000 }'; }

printf '\n%-8s %-9s %7s   %-6s %9s %9s   %-6s %9s\n' mech user header first server_ms curl_ms second server_ms
for mech in kerberos ntlm basic; do
    for u in "${users[@]}"; do
        # cold: a restarted domain (empty winbindd cache), a fresh httpd
        "$DOMAIN_SH" stop >/dev/null 2>&1 8>&-
        "$DOMAIN_SH" start >/dev/null 8>&-
        start_httpd KRB5_CONFIG="$KRB5_CONFIG" 8>&-
        read -r s1 c1 < <(request "$mech" "$u")
        d1=$(server_ms)
        read -r s2 _ < <(request "$mech" "$u")
        d2=$(server_ms)
        hdr=-
        if [ "$mech" = kerberos ]; then
            hdr=$(GSS_MECH_CONFIG=/dev/null KRB5CCNAME=FILE:$WORK/cc.$u curl -sv -o /dev/null \
                      --negotiate -u : "http://localhost:$PORT/" 2>&1 | tr -d '\r' |
                  awk '/^> Authorization: Negotiate / { print length($0) - 2 }' || true)
        fi
        stop_httpd
        printf '%-8s %-9s %7s   %-6s %9s %9s   %-6s %9s\n' "$mech" "$u" "${hdr:--}" \
            "$s1" "$d1" "$c1" "$s2" "$d2"
    done
done
