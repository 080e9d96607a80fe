#!/bin/bash
# NTLM benchmark (root), in one run:
#   1. winbind's own rate of NTLMv2 verifications through libwbclient
#      (bench/wbc_rate.c), the ceiling;
#   2. full NTLM handshakes per second on fresh connections through httpd
#      and the module (libcurl multi, CURLAUTH_NTLM; 4 and 16 at once);
#   3. requests per second on connections that signed in once (no
#      Authorization afterwards), next to unauthenticated static requests
#      with the same client.
# Environment: DURATION (seconds per measurement, default 10); WBTHREADS
# (NegotiateWinbindThreads, default the module's 8); HOLD (seconds to keep
# httpd up on port 18091 after the run, for perf).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
duration=${DURATION:-10}
port=18091
work=$(mktemp -d /tmp/negbench-ntlm.XXXXXX)
chmod 0755 "$work"

need=()
for p in libcurl4-openssl-dev heimdal-dev libwbclient-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -f "$top/.libs/mod_auth_negotiate.so" ] || "$top/t/build.sh"

heimdal_dir=$(pkg-config --variable=libdir heimdal-gssapi)
gcc -O2 -Wall -Wextra $(pkg-config --cflags heimdal-gssapi wbclient) "$here/wbc_rate.c" \
    -o "$work/wbc_rate" -L"$heimdal_dir" -lheimntlm -lwbclient -lpthread
gcc -O2 -Wall -Wextra "$here/ntlm_load.c" -o "$work/ntlm_load" -lcurl

was_running=0
"$top/t/domain/domain.sh" status >/dev/null 2>&1 && was_running=1
"$top/t/domain/domain.sh" start >/dev/null
eval "$("$top/t/domain/domain.sh" env)"

mods=$(apxs -q LIBEXECDIR)
mkdir -p "$work/htdocs/ntlm"
head -c 512 /dev/zero | tr '\0' x > "$work/htdocs/ntlm/page.html"
cp "$work/htdocs/ntlm/page.html" "$work/htdocs/page.html"
cat > "$work/httpd.conf" <<EOC
ServerRoot $work
ServerName localhost
Listen 127.0.0.1:$port
PidFile $work/httpd.pid
ErrorLog $work/error_log
LogLevel warn
User www-data
Group negauth
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule auth_negotiate_module $top/.libs/mod_auth_negotiate.so
KeepAlive On
${WBTHREADS:+NegotiateWinbindThreads $WBTHREADS}
MaxKeepAliveRequests 0
StartServers 2
ThreadsPerChild 32
MaxRequestWorkers 64
DocumentRoot $work/htdocs
<Location /ntlm/>
    AuthType Negotiate
    NegotiateProviders NTLM
    Require valid-user
</Location>
EOC
/usr/sbin/apache2 -f "$work/httpd.conf" -k start
cleanup() {
    /usr/sbin/apache2 -f "$work/httpd.conf" -k stop 2>/dev/null || true
    sleep 0.5
    [ "$was_running" = 1 ] || "$top/t/domain/domain.sh" stop >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
[ -n "${HOLD:-}" ] && { echo "httpd on $port, holding"; sleep "$HOLD"; }
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/page.html" && break; sleep 0.1; done

cred='EXAMPLE\alice:AlicePassw0rd!'
url=http://127.0.0.1:$port
# warm up: every child's winbind threads connected, names cached
"$work/ntlm_load" handshake 16 2 "$url/ntlm/page.html" "$cred" >/dev/null

rate() { sed -n 's/.*rate=\([0-9.]*\).*/\1/p'; }
wbc=$("$work/wbc_rate" 4 "$duration" EXAMPLE alice 'AlicePassw0rd!' | tee /dev/stderr | rate)
hs4=$("$work/ntlm_load" handshake 4 "$duration" "$url/ntlm/page.html" "$cred" | tee /dev/stderr | rate)
hs16=$("$work/ntlm_load" handshake 16 "$duration" "$url/ntlm/page.html" "$cred" | tee /dev/stderr | rate)
bound=$("$work/ntlm_load" bound 16 "$duration" "$url/ntlm/page.html" "$cred" | tee /dev/stderr | rate)
plain=$("$work/ntlm_load" plain 16 "$duration" "$url/page.html" "$cred" | tee /dev/stderr | rate)

awk -v w="$wbc" -v a="$hs4" -v b="$hs16" -v c="$bound" -v d="$plain" 'BEGIN {
    printf "\n%-52s %10s %8s\n", "measurement", "per s", "ratio";
    printf "%-52s %10.1f\n", "winbind NTLMv2 verifications (libwbclient, 4 threads)", w;
    printf "%-52s %10.1f %8.2f\n", "NTLM handshakes, fresh connections, 4 at once", a, a / w;
    printf "%-52s %10.1f %8.2f\n", "NTLM handshakes, fresh connections, 16 at once", b, b / w;
    printf "%-52s %10.1f\n", "static requests, keep-alive, no auth (16)", d;
    printf "%-52s %10.1f %8.2f\n", "requests on NTLM-bound connections (16)", c, c / d;
    printf "\ntargets: handshakes >= 0.90 of winbind; bound >= 0.95 of static\n";
}'
