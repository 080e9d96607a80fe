#!/bin/bash
# Integration suite: the real httpd with the built module against a real
# Samba AD DC on loopback. Run as root (by `make check`): the domain binds
# ports below 1024, while Apache::Test refuses to run as root, so the suite
# itself runs as the unprivileged user negtest, whose group (negauth) can
# read the keytab and use winbind's privileged pipe.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
test_user=negtest
APXS=${APXS:-$(command -v apxs2 || command -v apxs)}
MODULE=${MODULE:-$top/.libs/mod_auth_negotiate.so}

die() { echo "integration.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root to run the test domain (ports 88, 389, ...): run 'sudo make check'"
[ -f "$MODULE" ] || die "$MODULE is missing: run make first"

# One suite at a time on this machine: Apache::Test's port and the test
# domain are shared.
exec 8>/var/tmp/mod_auth_negotiate-suite.lock
flock 8

"$here/domain/domain.sh" start
eval "$("$here/domain/domain.sh" env)"
if [ "${NEGOTIATE_KEEP_DOMAIN:-0}" != 1 ]; then
    trap '"$here/domain/domain.sh" stop >/dev/null 2>&1 || true' EXIT
fi

# The unprivileged user that runs Apache::Test and so httpd.
getent group negauth >/dev/null || groupadd -r negauth
id "$test_user" >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin -G negauth "$test_user"
id -nG "$test_user" | grep -qw negauth || usermod -aG negauth "$test_user"

# Apache::Test writes t/conf, t/logs and t/tmp.
mkdir -p "$here/tmp" "$here/logs"
chown -R "$test_user" "$here"
# A keytab the test user cannot read (for the unreadable-keytab test).
unreadable="$NEGOTIATE_DOMAIN_BASE/unreadable.keytab"
cp "$NEGOTIATE_KEYTAB" "$unreadable" && chown root:root "$unreadable" && chmod 0600 "$unreadable"

# A throwaway certificate for the TLS tests (Basic, NegotiateRequireTLS).
tls="$here/tmp/tls"
if [ ! -s "$tls/cert.pem" ]; then
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 30 \
        -keyout "$tls/key.pem" -out "$tls/cert.pem" >/dev/null 2>&1
fi
# Where delegated credentials go; private to the Apache (test) user.
deleg="$here/tmp/deleg"
mkdir -p "$deleg" && chmod 0700 "$deleg"
chown -R "$test_user" "$here/tmp"
# SIDs for Require negotiate-sid (the domain may be re-provisioned), read
# from the directory, not through winbind, which would cache the names
# lower-cased.
sid_of() {
    samba-tool "$1" show "$2" --attributes=objectSid -s "$NEGOTIATE_DC_SMBCONF" \
        | awk '/^objectSid:/ {print $2}'
}
alice_sid=$(sid_of user alice)
webadmins_sid=$(sid_of group WebAdmins)
[ -n "$alice_sid" ] && [ -n "$webadmins_sid" ] || die "cannot read SIDs from the test domain"

home=$(mktemp -d /tmp/negtest-home.XXXXXX)
chown "$test_user" "$home"
rc=0
runuser -u "$test_user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME="$home" LANG=C.UTF-8 \
    KRB5_CONFIG="$KRB5_CONFIG" \
    NEGOTIATE_KEYTAB="$NEGOTIATE_KEYTAB" \
    NEGOTIATE_UNREADABLE_KEYTAB="$unreadable" \
    NEGOTIATE_MODULE="$MODULE" \
    NEGOTIATE_HTTPD_MODULES="$("$APXS" -q LIBEXECDIR)" \
    NEGOTIATE_DOMAIN_BASE="$NEGOTIATE_DOMAIN_BASE" \
    NEGOTIATE_DC_SMBCONF="$NEGOTIATE_DC_SMBCONF" \
    NEGOTIATE_TLS_CERT="$tls/cert.pem" NEGOTIATE_TLS_KEY="$tls/key.pem" \
    NEGOTIATE_DELEG_DIR="$deleg" \
    NEGOTIATE_ALICE_SID="$alice_sid" NEGOTIATE_WEBADMINS_SID="$webadmins_sid" \
    perl "$here/TEST.PL" -apxs "$APXS" -maxclients 64 "$@" || rc=$?
rm -rf "$home"

# Tests that need root: their own httpd with another Apache user, or
# stopping winbindd.
NEGOTIATE_T_DIR="$here" NEGOTIATE_MODULE="$MODULE" \
    KRB5_CONFIG="$KRB5_CONFIG" NEGOTIATE_KEYTAB="$NEGOTIATE_KEYTAB" \
    prove --ext=.rt "$here/root/" || rc=$?
exit $rc
