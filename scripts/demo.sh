#!/bin/bash
# Demo: on a fresh Debian 12 machine, as root: install what is missing,
# build the module, bring up a throwaway AD domain (Samba AD DC on
# 127.0.0.10) and an httpd on 127.0.0.1:18080 with the module, and show
# single sign-on with real clients.
#
#   scripts/demo.sh          set everything up and sign in
#   scripts/demo.sh stop     stop the demo httpd and the domain
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
t=$top/t
base=/var/tmp/mod_auth_negotiate-demo
port=18080

stop_demo() {
    if [ -f "$base/httpd.pid" ]; then
        kill "$(cat "$base/httpd.pid")" 2>/dev/null || true
        rm -f "$base/httpd.pid"
    fi
    "$t/domain/domain.sh" stop
}

if [ "${1:-}" = stop ]; then
    stop_demo
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }

"$here/deps.sh"
"$here/build.sh"
"$t/domain/domain.sh" start
eval "$("$t/domain/domain.sh" env)"

mkdir -p "$base/cgi" "$base/logs"
cp "$t/htdocs/cgi/whoami" "$base/cgi/whoami"
chmod 755 "$base" "$base/cgi" "$base/cgi/whoami"
. "$t/httpd-conf.sh"
{
neg_httpd_conf "$base" "127.0.0.1:$port" "$base/httpd.pid" "$base/logs/error_log" \
    "$top/.libs/mod_auth_negotiate.so" cgid
cat <<EOC
LogLevel warn auth_negotiate:info
ScriptSock $base/cgid.sock
LogFormat "%h %u \"%r\" %>s" demo
CustomLog $base/logs/access_log demo
LimitRequestFieldSize 65536
ScriptAlias /private/ $base/cgi/
<Location /private/>
    AuthType Negotiate
    NegotiateKeytab $NEGOTIATE_KEYTAB
    Require valid-user
</Location>
EOC
} > "$base/httpd.conf"

[ -f "$base/httpd.pid" ] && kill "$(cat "$base/httpd.pid")" 2>/dev/null && sleep 0.5
KRB5_CONFIG=$KRB5_CONFIG /usr/sbin/apache2 -f "$base/httpd.conf" -k start
for _ in $(seq 50); do curl -s -o /dev/null "http://localhost:$port/" && break; sleep 0.1; done

url="http://localhost:$port/private/whoami"
echo
echo "== anonymous: curl -si $url"
curl -si "$url" | grep -E '^(HTTP|WWW-Authenticate)'
echo
echo "== alice gets a Kerberos ticket: kinit alice@EXAMPLE.TEST"
export KRB5CCNAME=FILE:$base/alice.cc
printf '%s\n' 'AlicePassw0rd!' | kinit --password-file=STDIN alice@EXAMPLE.TEST
klist | sed -n '1,3p'
echo
echo "== single sign-on: curl --negotiate -u : $url"
curl -s --negotiate -u : "$url"
echo
echo "== NTLM through winbind (no ticket needed): curl --ntlm -u 'EXAMPLE\\alice:...' $url"
curl -s --ntlm -u 'EXAMPLE\alice:AlicePassw0rd!' "$url"
echo
echo "Demo httpd: http://localhost:$port/private/whoami (config $base/httpd.conf,"
echo "log $base/logs/error_log). KRB5_CONFIG=$KRB5_CONFIG."
echo "Stop it and the domain with: $here/demo.sh stop"
