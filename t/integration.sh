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
DOCTOR=${DOCTOR:-$top/negotiate-doctor}

die() { echo "integration.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root to run the test domain (ports 88, 389, ...): run 'sudo make check'"
[ -f "$MODULE" ] || die "$MODULE is missing: run make first"

# One suite at a time on this machine: Apache::Test's port and the test
# domain are shared. Only this shell holds the lock: every long-lived
# child (the DC, httpd) is started with fd 8 closed, or it would keep the
# lock after we exit.
exec 8>/var/tmp/mod_auth_negotiate-suite.lock
flock 8
# what runs under the suite (the soak test runs a benchmark) has the lock
export NEGOTIATE_SUITE_LOCK_HELD=1

"$here/domain/domain.sh" start 8>&-
eval "$("$here/domain/domain.sh" env)"
if [ "${NEGOTIATE_KEEP_DOMAIN:-0}" != 1 ]; then
    trap '"$here/domain/domain.sh" stop >/dev/null 2>&1 || true' EXIT
fi

# The unprivileged user that runs Apache::Test and so httpd.
getent group negauth >/dev/null || groupadd -r negauth
id "$test_user" >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin -G negauth "$test_user"
id -nG "$test_user" | grep -qw negauth || usermod -aG negauth "$test_user"

# The browser tests' driver (playwright-core from npm, t/browser/install.sh).
"$here/browser/install.sh" 8>&-

# Apache::Test writes t/conf, t/logs and t/tmp.
mkdir -p "$here/tmp" "$here/logs"
# The suite's httpd starts as if the last one had stopped cleanly with
# nothing accepted (a missing state file refuses Kerberos for one skew).
perl "$here/replay-state.pl" "$here/logs/auth_negotiate_replay.state"
chown -R "$test_user" "$here"
# A keytab the test user cannot read (for the unreadable-keytab test).
unreadable="$NEGOTIATE_DOMAIN_BASE/unreadable.keytab"
cp "$NEGOTIATE_KEYTAB" "$unreadable" && chown root:root "$unreadable" && chmod 0600 "$unreadable"
# The same keys under another file name (a location with another keytab).
keytab2="$NEGOTIATE_DOMAIN_BASE/second.keytab"
cp -p "$NEGOTIATE_KEYTAB" "$keytab2"

# A throwaway CA and certificates for the TLS tests (t/tls.sh): the TLS
# virtual hosts localhost and www.example.test (SNI), and a relay's.
tls="$here/tmp/tls"
"$here/tls.sh" "$tls"
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
# Users in many groups (t/root/35_many_groups.rt, bench/groups.sh): made
# once, in one transaction on the DC's sam.ldb (about 5 s the first time,
# under 1 s to find them there afterwards).
/usr/bin/python3 "$here/domain/groups.py" --local "$NEGOTIATE_DC_SMBCONF" scalegrp 1500 \
    'many600:ManyPassw0rd!:600' 'many1500:ManyPassw0rd!:1500' --also ScaleAdmins \
    | sed -n 's/^\(created\|seconds\)=/integration.sh: many-group users: &/p'
alice_sid=$(sid_of user alice)
webadmins_sid=$(sid_of group WebAdmins)
[ -n "$alice_sid" ] && [ -n "$webadmins_sid" ] || die "cannot read SIDs from the test domain"

# Instrumented runs: only httpd (not the clients) runs with the ASan/UBSan
# runtime preloaded (NEGOTIATE_SANITIZE=1, from ./configure
# --enable-sanitizers) or under valgrind (NEGOTIATE_VALGRIND=1), through a
# wrapper given to Apache::Test (-httpd) and to the root tests' httpd
# (NEGOTIATE_HTTPD). Every report lands in $reports; any fails the suite.
httpd_bin=$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)
httpd_args=()
wrap=
if [ "${NEGOTIATE_SANITIZE:-0}" = 1 ] || [ "${NEGOTIATE_VALGRIND:-0}" = 1 ]; then
    wrap=$(mktemp -d /tmp/negtest-wrap.XXXXXX)
    chmod 0755 "$wrap"
    reports=$wrap/reports
    mkdir -m 1777 "$reports"            # workers run as negtest, www-data, nobody
    if [ "${NEGOTIATE_VALGRIND:-0}" = 1 ]; then
        cat >"$wrap/httpd" <<EOF
#!/bin/sh
# httpd under valgrind's memcheck; one log per process, each error between
# markers (the forks that exec a CGI script leave a log without any).
exec valgrind --tool=memcheck --log-file=$reports/valgrind.%p \\
    --error-markers=VALGRIND-ERROR-BEGIN,VALGRIND-ERROR-END \\
    --suppressions=$here/valgrind/httpd.supp --num-callers=40 \\
    --leak-check=${NEGOTIATE_VALGRIND_LEAKS:-no} --show-leak-kinds=definite \\
    --errors-for-leak-kinds=definite \\
    --track-origins=yes $httpd_bin "\$@"
EOF
    else
        preload=${NEGOTIATE_SANITIZER_PRELOAD:-$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)}
        # Heimdal's krb5 keeps memory from pthread_once initialisers in
        # its statics for the life of the process. httpd unloads the
        # module, and with it Heimdal, before it exits (apachectl -t
        # after the module's configuration checks): LeakSanitizer then
        # no longer sees those statics and reports the memory, from an
        # "<unknown module>" no suppression can name. Keep Heimdal loaded.
        krb5_lib=$(ldd "$MODULE" | awk '/libkrb5\.so\.26/ { print $3 }')
        if [ -n "$krb5_lib" ]; then preload="$preload $krb5_lib"; fi
        cat >"$wrap/httpd" <<EOF
#!/bin/sh
# httpd (not instrumented) with the sanitizer runtime of the instrumented
# module preloaded. CGI scripts do not inherit it: httpd builds their
# environment itself. A test may add ASan options for its own httpd in
# NEGOTIATE_ASAN_OPTIONS (later options win).
LD_PRELOAD="$preload"
ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=40:log_path=$reports/asan\${NEGOTIATE_ASAN_OPTIONS:+:\$NEGOTIATE_ASAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$here/sanitizers/lsan.supp:print_suppressions=0"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LD_PRELOAD ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
exec $httpd_bin "\$@"
EOF
    fi
    chmod 0755 "$wrap/httpd"
    httpd_args=(-httpd "$wrap/httpd")
    echo "integration.sh: httpd runs as $wrap/httpd; reports go to $reports"
fi
error_log=$here/logs/error_log
log_start=$(stat -c %s "$error_log" 2>/dev/null || echo 0)

home=$(mktemp -d /tmp/negtest-home.XXXXXX)
chown "$test_user" "$home"
rc=0
runuser -u "$test_user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME="$home" LANG=C.UTF-8 \
    KRB5_CONFIG="$KRB5_CONFIG" \
    NEGOTIATE_KEYTAB="$NEGOTIATE_KEYTAB" \
    NEGOTIATE_UNREADABLE_KEYTAB="$unreadable" NEGOTIATE_KEYTAB2="$keytab2" \
    NEGOTIATE_MODULE="$MODULE" \
    NEGOTIATE_HTTPD_MODULES="$("$APXS" -q LIBEXECDIR)" \
    NEGOTIATE_DOMAIN_BASE="$NEGOTIATE_DOMAIN_BASE" \
    NEGOTIATE_DC_SMBCONF="$NEGOTIATE_DC_SMBCONF" \
    NEGOTIATE_TLS_DIR="$tls" \
    NEGOTIATE_DELEG_DIR="$deleg" \
    NEGOTIATE_ALICE_SID="$alice_sid" NEGOTIATE_WEBADMINS_SID="$webadmins_sid" \
    perl "$here/TEST.PL" -apxs "$APXS" "${httpd_args[@]}" -maxclients 64 "$@" 8>&- || rc=$?
rm -rf "$home"
# Apache::Test stops its httpd at the end, but gives up on one that is slow
# to exit (under the sanitizers, each process checks for leaks first): one
# still running would hold port 8529 against the next run.
stale=$(pgrep -f -- "-f $here/conf/httpd.conf" || true)
if [ -n "$stale" ]; then
    echo "integration.sh: the Apache::Test httpd is still running; stopping it" >&2
    # shellcheck disable=SC2086 # a list of pids
    kill -TERM $stale 2>/dev/null || true
    for _ in $(seq 1 100); do
        pgrep -f -- "-f $here/conf/httpd.conf" >/dev/null || break
        sleep 0.2
    done
    pkill -KILL -f -- "-f $here/conf/httpd.conf" 2>/dev/null || true
fi

# Tests that need root: their own httpd with another Apache user, or
# stopping winbindd. NEGOTIATE_ROOT_TESTS="t/root/95_faults.rt ..." runs only
# those, NEGOTIATE_ROOT_TESTS=none (or NEGOTIATE_SKIP_ROOT_TESTS=1) none of
# them (while working on one file: `bash t/integration.sh t/60_replay.t`
# runs that Apache::Test file).
root_tests=${NEGOTIATE_ROOT_TESTS:-$here/root/}
[ "${NEGOTIATE_SKIP_ROOT_TESTS:-0}" = 1 ] && root_tests=none
if [ "$root_tests" != none ]; then
    # shellcheck disable=SC2086 # a list of files
    NEGOTIATE_T_DIR="$here" NEGOTIATE_MODULE="$MODULE" NEGOTIATE_DOCTOR="$DOCTOR" \
        NEGOTIATE_SANITIZE="${NEGOTIATE_SANITIZE:-0}" \
        NEGOTIATE_HTTPD="${wrap:+$wrap/httpd}" NEGOTIATE_REPORTS="${wrap:+$reports}" \
        KRB5_CONFIG="$KRB5_CONFIG" NEGOTIATE_KEYTAB="$NEGOTIATE_KEYTAB" \
        prove --ext=.rt $root_tests 8>&- || rc=$?
fi

if [ -n "$wrap" ]; then
    # Reports in the error log too: a runtime that cannot open its log
    # file writes to stderr, which is the error log.
    if [ -f "$error_log" ]; then
        tail -c +$((log_start + 1)) "$error_log" \
            | grep -E 'Sanitizer|runtime error:|^==[0-9]+==' >"$reports/error_log" || true
        [ -s "$reports/error_log" ] || rm -f "$reports/error_log"
    fi
    if [ "${NEGOTIATE_VALGRIND:-0}" = 1 ]; then
        # A process whose log holds no error is not a report.
        for f in "$reports"/valgrind.*; do
            [ -f "$f" ] || continue
            grep -q VALGRIND-ERROR-BEGIN "$f" || rm -f "$f"
        done
    fi
    found=$(find "$reports" -type f | sort)
    if [ -n "$found" ]; then
        for f in $found; do
            echo "==== $f" >&2
            head -n 80 "$f" >&2
        done
        echo "integration.sh: FAILED: $(echo "$found" | wc -l) sanitizer/valgrind report(s), kept in $reports" >&2
        rc=1
    else
        echo "integration.sh: no sanitizer/valgrind report"
        rm -rf "$wrap"
    fi
fi
exit $rc
