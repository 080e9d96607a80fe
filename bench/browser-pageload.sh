#!/bin/bash
# bench/browser-pageload.sh - what Negotiate costs a real browser: headless
# Chromium loads a page with 40 images under a Negotiate location and the
# same page under a static one, in interleaved rounds, and prints the extra
# 401 round trips per page load and the load-time ratio, for each mode:
#
#   static    no authentication (the reference)
#   default   AuthType Negotiate with the defaults: Chromium never sends
#             Negotiate preemptively, so every request goes anonymous, gets
#             401, and comes again with a fresh Kerberos token
#   persist   NegotiatePersistKerberos On: a connection stays alice's
#             after its first Kerberos logon
#   session   NegotiateSession On with mod_session's cookie, encrypted by
#             mod_session_crypto (see mode_conf); left out, with a line
#             saying so, with a build that does not know the directive
#
# Run as root from anywhere (it takes the test suite's lock while it runs):
#
#   bench/browser-pageload.sh
#   LOADS=20 WARMUP=3 MODES="default persist" bench/browser-pageload.sh
#
# Parameters (environment):
#   LOADS    measured page loads per mode            (default 10)
#   WARMUP   page loads per mode before those        (default 2)
#   IMAGES   images on the page                      (default 40)
#   MODES    the Negotiate modes, after static       (default "default persist session")
#   MODULE   the module (default <tree>/.libs/mod_auth_negotiate.so)
#   KEEP=1   keep the temporary directory
# Not part of CI: figures in bench/README.
set -euo pipefail

LOADS=${LOADS:-10}
WARMUP=${WARMUP:-2}
IMAGES=${IMAGES:-40}
MODES=${MODES:-default persist session}
KEEP=${KEEP:-0}
PORT=18091
ADDR=127.0.0.1
LOCK=/var/tmp/mod_auth_negotiate-suite.lock

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH")
MODULE=${MODULE:-$TOP/.libs/mod_auth_negotiate.so}
DOMAIN_SH=$TOP/t/domain/domain.sh
HTTPD=/usr/sbin/apache2

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in LOADS WARMUP IMAGES; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number (got '${!v}')"
done
((LOADS > 0)) || die "LOADS must be at least 1"
[[ $(id -u) -eq 0 ]] || die "run as root (the test domain and httpd's User/Group need it)"
[[ -f $MODULE ]] || die "$MODULE is missing: build the module first (make)"
command -v node >/dev/null && [[ -x /usr/lib/chromium/chromium || -x /usr/bin/chromium ]] \
    || die "needs node and chromium: run scripts/deps.sh"
"$TOP/t/browser/install.sh"

# The domain and the ports are shared with the test suite: one at a time.
# Every long-lived child (the DC, httpd) is started with fd 9 closed.
exec 9>"$LOCK"
log "waiting for $LOCK"
flock 9

. "$BENCH/lib.sh"
cleanup() {
    local rc=$?
    finish_run 9>&-
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

use_domain 9>&-

WORK=$(mktemp -d /tmp/negbench-browser.XXXXXX)
chmod 0755 "$WORK"
mkdir -p "$WORK/htdocs/img" "$WORK/logs" "$WORK/run" "$WORK/priv"
chmod 0700 "$WORK/priv"
chown www-data "$WORK/logs" "$WORK/run"
PIDFILE=$WORK/run/httpd.pid

export KRB5CCNAME=FILE:$WORK/priv/ccache
kinit --password-file=STDIN alice@EXAMPLE.TEST <<<'AlicePassw0rd!' >/dev/null \
    || die "kinit alice failed"

# The page: IMAGES small PNGs (16x16, distinct files) in a grid.
python3 - "$WORK/htdocs" "$IMAGES" <<'PY'
import struct, sys, zlib
root, n = sys.argv[1], int(sys.argv[2])
def png(r, g, b):
    raw = b''.join(b'\0' + bytes((r, g, b)) * 16 for _ in range(16))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 16, 16, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
imgs = []
for i in range(n):
    with open(f'{root}/img/{i}.png', 'wb') as f:
        f.write(png(i * 6 % 256, 128, 255 - i * 6 % 256))
    imgs.append(f'<img src="img/{i}.png" width="32" height="32" alt="{i}">')
with open(f'{root}/page.html', 'w') as f:
    f.write('<!DOCTYPE html><html><head><title>bench</title></head><body>'
            f'<p>mod_auth_negotiate browser benchmark: {n} images</p>' + ''.join(imgs) + '</body></html>\n')
PY

# The <Location> lines of each Negotiate mode, and the modules it needs.
mode_modules() {
    case $1 in
        session) echo "session session_cookie session_crypto" ;;
    esac
}
mode_conf() {
    case $1 in
        default) ;;
        persist) echo "    NegotiatePersistKerberos On" ;;
        # issue 13 item 3: configured as mod_auth_gssapi's sessions are,
        # with mod_session's own directives.
        session) cat <<EOF
    Session On
    SessionCookieName negotiate_session path=/;httponly
    SessionCryptoPassphrase bench-$RANDOM$RANDOM
    NegotiateSession On
EOF
            ;;
        *) die "unknown mode '$1' (default, persist, session)" ;;
    esac
}

. "$TOP/t/httpd-conf.sh"
write_conf() {   # MODE... -> $WORK/httpd.conf with a location per mode
    local m mods=(mime)
    for m in "$@"; do read -r -a extra <<<"$(mode_modules "$m")"; mods+=("${extra[@]}"); done
    {
        neg_httpd_conf "$WORK" "$ADDR:$PORT" "$PIDFILE" "$WORK/logs/error.log" "$MODULE" "${mods[@]}"
        fixed_children_conf 2 32
        static_site_conf
        for m in "$@"; do
            printf 'Alias /%s/ "%s/htdocs/"\n<Location /%s/>\n' "$m" "$WORK" "$m"
            printf '    AuthType Negotiate\n    NegotiateKeytab "%s"\n    Require valid-user\n' \
                "$NEGOTIATE_KEYTAB"
            mode_conf "$m"
            printf '</Location>\n'
        done
    } >"$WORK/httpd.conf"
}

# Leave out the modes this build does not support (httpd -t says why).
modes=()
for m in $MODES; do
    mode_conf "$m" >/dev/null
    write_conf "$m"
    if out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$HTTPD" -t -f "$WORK/httpd.conf" 2>&1); then
        modes+=("$m")
    else
        log "mode $m left out: $(grep -v '^AH00558' <<<"$out" | head -n 2 | tr '\n' ' ')"
    fi
done
((${#modes[@]})) || die "no Negotiate mode to measure"
write_conf "${modes[@]}"
log "starting httpd on $ADDR:$PORT (modes: static ${modes[*]})"
start_httpd KRB5_CONFIG="$KRB5_CONFIG" 9>&-

# The modes' JSON: static first (the reference).
json_modes='{"name":"static","path":"/static/"}'
for m in "${modes[@]}"; do json_modes+=",{\"name\":\"$m\",\"path\":\"/$m/\"}"; done

log "Chromium: $((WARMUP + LOADS)) loads per mode, interleaved"
node "$BENCH/browser-pageload.js" "{\"base\":\"http://localhost:$PORT\",\"page\":\"page.html\",
    \"images\":$IMAGES,\"loads\":$LOADS,\"warmup\":$WARMUP,\"allowlist\":\"localhost\",
    \"env\":{\"KRB5_CONFIG\":\"$KRB5_CONFIG\",\"KRB5CCNAME\":\"$KRB5CCNAME\"},
    \"modes\":[$json_modes]}" 9>&-
