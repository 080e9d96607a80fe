#!/bin/bash
# scripts/package.sh (root; scripts/all.sh runs it): the Debian package as an admin uses it.
#
#  1. builds libapache2-mod-auth-negotiate with `dpkg-buildpackage -us -uc -b`
#     in a copy of this tree (scripts/srctree.sh; the tree is left untouched) and
#     runs lintian on it (any error fails);
#  2. under the suite lock, with the test domain running: installs it into
#     the system's apache2 (`apt-get install ./...deb`), `a2enmod
#     auth_negotiate`, `apache2ctl configtest`, starts Debian's own apache2
#     (apache2ctl start) with a conf-available snippet that listens on
#     127.0.0.1:$NEGOTIATE_PKG_PORT and protects a CGI printing REMOTE_USER,
#     and signs alice in by Kerberos (kinit, curl --negotiate) and by NTLM
#     (curl --ntlm);
#  3. stops apache2, purges the package and checks that nothing of it is
#     left, then that /etc/apache2 and /var/lib/apache2 are as they were
#     before (socache_shmcb, which a2enmod pulled in, disabled again if it was
#     not enabled before; the snippet removed).
#
# Needs: port 80 (Debian's stock ports.conf) and $NEGOTIATE_PKG_PORT free, the
# system apache2 stopped, and the build dependencies (scripts/deps.sh). Every check
# prints what is wrong; any failure fails the script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
t=$(cd "$here/../t" && pwd)
pkg=libapache2-mod-auth-negotiate
port=${NEGOTIATE_PKG_PORT:-8591}
snippet=negotiate-pkgtest
module=/usr/lib/apache2/modules/mod_auth_negotiate.so
t0=$(date +%s)

fails=0
say()  { echo "package.sh: $*"; }
bad()  { echo "package.sh: FAILED: $*" >&2; fails=$((fails + 1)); }
die()  { echo "package.sh: FAILED: $*" >&2; exit 1; }
check() {   # check DESCRIPTION COMMAND...: ok if COMMAND succeeds
    local what=$1; shift
    if "$@"; then say "ok: $what"; else bad "$what"; fi
}

[ "$(id -u)" = 0 ] || die "run as root (it installs the package into the system's apache2)"

# ------------------------------------------------------------------ build
work=$(mktemp -d /tmp/negtest-pkg.XXXXXX)
chmod 0755 "$work"      # apt's _apt user reads the .deb, www-data the CGI
"$here/srctree.sh" "$work/src"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" \
        dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    die "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
fi
deb=$(ls "$work"/${pkg}_*.deb)
t_build=$(date +%s)
say "built $(basename "$deb") in $((t_build - t0)) s"

# lintian exits non-zero on an error tag; warnings and info are shown.
say "lintian --info --display-info $(basename "$work"/*.changes):"
lintian_rc=0
lintian_out=$(lintian --info --display-info "$work"/*.changes 2>&1 | grep -v 'running with root privileges' || true)
sed 's/^/    /' <<<"${lintian_out:-(no tags)}"
lintian --fail-on error "$work"/*.changes >/dev/null 2>&1 || lintian_rc=$?
check "lintian reports no error" [ "$lintian_rc" = 0 ]
t_lint=$(date +%s)

contents=$(dpkg -c "$deb" | awk '{print $6}')
for f in "./${module#/}" ./usr/sbin/negotiate-doctor ./usr/share/man/man8/negotiate-doctor.8.gz ./etc/apache2/mods-available/auth_negotiate.load \
         ./etc/apache2/mods-available/auth_negotiate.conf \
         ./usr/share/doc/$pkg/README.gz ./usr/share/doc/$pkg/NEWS.gz \
         ./usr/share/doc/$pkg/changelog.gz ./usr/share/doc/$pkg/copyright \
         ./usr/share/doc/$pkg/examples/app-django-wsgi.conf \
         ./usr/share/doc/$pkg/examples/app-php.conf \
         ./usr/share/doc/$pkg/examples/app-reverse-proxy.conf; do
    check "the package holds ${f#.}" grep -qxF "$f" <<<"$contents"
done
# The documents of doc/ (dh_compress gzips those over 4 KB).
for d in "$here"/../doc/*.md; do
    f=./usr/share/doc/$pkg/$(basename "$d")
    check "the package holds ${f#.}[.gz]" grep -qxE "${f//./\\.}(\\.gz)?" <<<"$contents"
done
check "the package's .load pulls in socache_shmcb (Depends: socache_shmcb)" \
    grep -qx '# Depends: socache_shmcb' "$here/../conf/auth_negotiate.load"

# ------------------------------------------------------------------ system
# One suite at a time: the test domain and the machine's apache2 are shared.
# Long-lived children (the DC, apache2) start with fd 8 closed.
exec 8>/var/tmp/mod_auth_negotiate-suite.lock
flock 8
t_lock=$(date +%s)
[ $((t_lock - t_lint)) -lt 2 ] || say "waited $((t_lock - t_lint)) s for the suite lock"

pidfile=/var/run/apache2/apache2.pid
apache_running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
apache_running && die "the system apache2 is running (pid $(cat "$pidfile")): this test starts and stops it; stop it first (apache2ctl stop)"
for p in 80 "$port"; do
    if ss -Htln "sport = :$p" | grep -q .; then
        die "port $p is in use ($(ss -Htlnp "sport = :$p" | head -1)): Debian's apache2 listens on 80 and this test on $port (NEGOTIATE_PKG_PORT)"
    fi
done
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'installed'; then
    say "$pkg is installed already (an interrupted run?): purging it first"
    apt-get -o DPkg::Lock::Timeout=600 purge -y -qq "$pkg" >/dev/null
fi
for f in $module /etc/apache2/mods-available/auth_negotiate.load /etc/apache2/mods-available/auth_negotiate.conf; do
    [ ! -e "$f" ] || die "$f exists and no package owns it (installed by hand?): remove it first, the package would take it over"
done

# What the system's apache2 configuration is before: compared at the end.
snapshot() {
    find /etc/apache2 /var/lib/apache2 -printf '%p %y %m %l\n' | sort
    find /etc/apache2 /var/lib/apache2 -type f -exec md5sum {} + | sort
}
snapshot >"$work/before"
shmcb_was_enabled=no
[ -e /etc/apache2/mods-enabled/socache_shmcb.load ] && shmcb_was_enabled=yes

domain_was_running=no
"$t/domain/domain.sh" status >/dev/null 2>&1 && domain_was_running=yes
"$t/domain/domain.sh" start 8>&-
eval "$("$t/domain/domain.sh" env)"

started_apache=no
cleanup() {
    set +e
    if [ "$started_apache" = yes ] && apache_running; then
        apache2ctl stop 8>&- >/dev/null 2>&1
        for _ in $(seq 50); do apache_running || break; sleep 0.1; done
    fi
    if [ -e /etc/apache2/mods-enabled/auth_negotiate.load ] || [ -L /etc/apache2/mods-enabled/auth_negotiate.load ]; then
        a2dismod -q -p -f auth_negotiate >/dev/null 2>&1
    fi
    if [ -e /etc/apache2/conf-available/$snippet.conf ]; then
        a2disconf -q -p $snippet >/dev/null 2>&1
        rm -f /etc/apache2/conf-available/$snippet.conf
    fi
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'installed'; then
        apt-get -o DPkg::Lock::Timeout=600 purge -y -qq "$pkg" >/dev/null 2>&1
    fi
    if [ "$shmcb_was_enabled" = no ] && [ -e /etc/apache2/mods-enabled/socache_shmcb.load ]; then
        a2dismod -q -p -f socache_shmcb >/dev/null 2>&1
    fi
    # a2enmod's and a2enconf's state markers for what this test enabled, and
    # their directories it created, now empty.
    for m in /var/lib/apache2/*/*/auth_negotiate /var/lib/apache2/*/*/$snippet /var/lib/apache2/*/*/socache_shmcb; do
        [ -f "$m" ] && ! grep -q "^$m f " "$work/before" && rm -f "$m"
    done
    find /var/lib/apache2 -mindepth 1 -type d -empty -print 2>/dev/null | while read -r d; do
        grep -q "^$d d " "$work/before" || rmdir "$d"
    done
    if [ "$domain_was_running" = no ] && [ "${NEGOTIATE_KEEP_DOMAIN:-0}" != 1 ]; then
        "$t/domain/domain.sh" stop >/dev/null 2>&1
    fi
}
trap 'cleanup; rm -rf "$work"' EXIT

# ------------------------------------------------------------------ install
if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$deb" >"$work/apt.log" 2>&1; then
    cat "$work/apt.log" >&2
    die "apt-get install $deb"
fi
check "installed: $(dpkg-query -W -f='${Package} ${Version}' $pkg)" \
    bash -c "dpkg-query -W -f='\${Status}' $pkg | grep -q 'install ok installed'"
check "the module is at $module" test -f $module
check "negotiate-doctor is installed and runs: $(/usr/sbin/negotiate-doctor --version 2>&1 | head -n 1)" \
    bash -c "/usr/sbin/negotiate-doctor --version | grep -q ."
check "auth_negotiate.load and .conf are in /etc/apache2/mods-available" \
    test -f /etc/apache2/mods-available/auth_negotiate.load -a -f /etc/apache2/mods-available/auth_negotiate.conf
check "installing did not enable the module (no keytab yet)" \
    test ! -e /etc/apache2/mods-enabled/auth_negotiate.load

a2enmod -q auth_negotiate 8>&-
check "a2enmod auth_negotiate enabled auth_negotiate.load and .conf" \
    test -L /etc/apache2/mods-enabled/auth_negotiate.load -a -L /etc/apache2/mods-enabled/auth_negotiate.conf
check "a2enmod auth_negotiate enabled socache_shmcb (the replay cache needs it)" \
    test -L /etc/apache2/mods-enabled/socache_shmcb.load
configtest() {   # configtest WHAT: apache2ctl configtest passes
    local out rc=0
    out=$(apache2ctl configtest 2>&1) || rc=$?
    check "apache2ctl configtest $1: $(tail -n 1 <<<"$out")" [ "$rc" = 0 ]
    [ "$rc" = 0 ] || sed 's/^/    /' <<<"$out" >&2
}
configtest "with the module enabled as shipped (no keytab yet)"

# A CGI that prints what the application sees, behind Negotiate, on its own
# port; cgid is loaded here unless the system enables it already.
mkdir -p "$work/cgi"
cp "$t/htdocs/cgi/whoami" "$work/cgi/whoami"
chmod 0755 "$work/cgi" "$work/cgi/whoami"
cat >/etc/apache2/conf-available/$snippet.conf <<EOF
# Written by mod_auth_negotiate's scripts/package.sh, removed when it ends.
<IfModule !cgid_module>
    LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
</IfModule>
Listen 127.0.0.1:$port
<VirtualHost 127.0.0.1:$port>
    ServerName localhost
    ScriptAlias /private/ $work/cgi/
    <Location /private/>
        AuthType Negotiate
        NegotiateKeytab $NEGOTIATE_KEYTAB
        Require valid-user
    </Location>
</VirtualHost>
EOF
a2enconf -q $snippet 8>&-

configtest "with a Negotiate location on port $port"

started_apache=yes
errlog=/var/log/apache2/error.log
mark=$(stat -c %s $errlog 2>/dev/null || echo 0)
# Debian's environment (apache2ctl reads /etc/apache2/envvars), not the test
# domain's krb5.conf: the acceptor needs only the keytab.
env -u KRB5_CONFIG apache2ctl start 8>&- || bad "apache2ctl start: $(tail -c +$((mark + 1)) $errlog)"
url=http://localhost:$port/private/whoami
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
check "Debian's apache2 runs (pid $(cat $pidfile 2>/dev/null))" apache_running
modules=$(apache2ctl -M 2>/dev/null || true)
check "apache2ctl -M lists auth_negotiate_module" grep -q 'auth_negotiate_module' <<<"$modules"
check "apache2ctl -M lists socache_shmcb_module" grep -q 'socache_shmcb_module' <<<"$modules"

# anonymous: 401 offering Negotiate and NTLM
head=$(curl -s -o /dev/null -D - "$url" | tr -d '\r' || true)
check "anonymous: 401 with WWW-Authenticate: Negotiate and NTLM" \
    bash -c 'grep -q "^HTTP/[0-9.]* 401" <<<"$1" && grep -qx "WWW-Authenticate: Negotiate" <<<"$1" && grep -qx "WWW-Authenticate: NTLM" <<<"$1"' _ "$head"

# Kerberos: a ticket for alice, then curl --negotiate
export KRB5CCNAME=FILE:$work/alice.cc
printf '%s\n' 'AlicePassw0rd!' | kinit --password-file=STDIN alice@EXAMPLE.TEST \
    || bad "kinit alice@EXAMPLE.TEST"
was=$fails
out=$(curl -s --negotiate -u : -w '\nstatus=%{http_code}' "$url" || true)
check "Kerberos: curl --negotiate -u : gets 200" grep -qx 'status=200' <<<"$out"
check "Kerberos: REMOTE_USER=alice@EXAMPLE.TEST, AUTH_TYPE=Negotiate, NEGOTIATE_MECH=kerberos" \
    bash -c 'grep -qx "REMOTE_USER=alice@EXAMPLE.TEST" <<<"$1" && grep -qx "AUTH_TYPE=Negotiate" <<<"$1" && grep -qx "NEGOTIATE_MECH=kerberos" <<<"$1"' _ "$out"
[ $fails = "$was" ] || printf '%s\n' "$out" | sed 's/^/    /' >&2
kdestroy 2>/dev/null || true
unset KRB5CCNAME

# NTLM through winbind (no ticket)
was=$fails
out=$(curl -s --ntlm -u 'EXAMPLE\alice:AlicePassw0rd!' -w '\nstatus=%{http_code}' "$url" || true)
check "NTLM: curl --ntlm gets 200" grep -qx 'status=200' <<<"$out"
check "NTLM: REMOTE_USER=alice@EXAMPLE.TEST, AUTH_TYPE=NTLM, NEGOTIATE_MECH=ntlm" \
    bash -c 'grep -qx "REMOTE_USER=alice@EXAMPLE.TEST" <<<"$1" && grep -qx "AUTH_TYPE=NTLM" <<<"$1" && grep -qx "NEGOTIATE_MECH=ntlm" <<<"$1"' _ "$out"
[ $fails = "$was" ] || printf '%s\n' "$out" | sed 's/^/    /' >&2
mark=$(stat -c %s $errlog 2>/dev/null || echo 0)
out=$(curl -s --ntlm -u 'EXAMPLE\alice:WrongPassw0rd!' -o /dev/null -w '%{http_code}' "$url" || true)
check "NTLM with a wrong password: 401 (got $out)" [ "$out" = 401 ]
check "  and apache2's error log says why (NEG0304 ... WRONG_PASSWORD)" \
    bash -c "tail -c +$((mark + 1)) $errlog | grep -q 'NEG0304: .*alice.*WRONG_PASSWORD'"

# ------------------------------------------------------------------ remove
apache2ctl stop 8>&- >/dev/null 2>&1 || bad "apache2ctl stop"
for _ in $(seq 50); do apache_running || break; sleep 0.1; done
check "apache2 stopped" bash -c "! [ -f $pidfile ] || ! kill -0 \$(cat $pidfile) 2>/dev/null"
started_apache=no
a2disconf -q -p $snippet 8>&- >/dev/null
rm -f /etc/apache2/conf-available/$snippet.conf
apt-get -o DPkg::Lock::Timeout=600 purge -y -qq $pkg >"$work/apt.log" 2>&1 \
    || { cat "$work/apt.log" >&2; bad "apt-get purge $pkg"; }

check "purged: dpkg knows nothing of $pkg" \
    bash -c "! dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q ."
left=$(find /usr/lib/apache2/modules /etc/apache2 /var/lib/apache2 /usr/share/doc /usr/sbin \
            \( -name 'mod_auth_negotiate*' -o -name 'auth_negotiate*' -o -name "$pkg" \
               -o -name 'negotiate-doctor*' \) 2>/dev/null || true)
check "nothing of the package is left (module, doctor, mods-available, mods-enabled, state, docs)${left:+: $left}" \
    [ -z "$left" ]

cleanup      # socache_shmcb and a2enmod's markers as they were
trap 'rm -rf "$work"' EXIT
snapshot >"$work/after"
# A difference in what this test touched fails; others (another process
# installing apache2 packages meanwhile, on a shared machine) are shown.
ours="auth_negotiate|socache_shmcb|$snippet|cgid|/var/lib/apache2/[a-z]+/[a-z_]+ d "
diff "$work/before" "$work/after" | grep '^[<>]' >"$work/diff" || true
if grep -Eq "$ours" "$work/diff"; then
    sed 's/^/    /' "$work/diff" >&2
    bad "/etc/apache2 or /var/lib/apache2 differ from before the test in what it touched (< before, > after)"
else
    say "ok: /etc/apache2 and /var/lib/apache2 are as they were before the test"
    [ ! -s "$work/diff" ] || { say "note: changed meanwhile by something else:"; sed 's/^/    /' "$work/diff"; }
fi

if [ $fails -gt 0 ]; then
    echo "package.sh: $fails check(s) FAILED" >&2
    exit 1
fi
say "every check passed in $(( $(date +%s) - t0 )) s: $((t_build - t0)) s to build, $((t_lint - t_build)) s for lintian, $(( $(date +%s) - t_lock )) s to install, sign in and purge"
