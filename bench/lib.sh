# bench/lib.sh - what the benchmarks share (sourced, bash): run.sh,
# run-ntlm.sh, soak.sh, browser-pageload.sh, farm.sh, groups.sh, and the
# availability runs winbind-avail.sh and kerberos-avail.sh (avail_*).
# The caller defines log and die and sets DOMAIN_SH; these functions use
# WORK, PIDFILE, STARTED_DOMAIN and KEEP.

WORK=
PIDFILE=
STARTED_DOMAIN=0

# Stop the httpd whose pid is in $PIDFILE: TERM, then KILL after 10 s.
stop_httpd() {
    local pid i
    [[ -n $PIDFILE && -s $PIDFILE ]] || return 0
    read -r pid <"$PIDFILE" || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "httpd $pid did not stop after 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# The end of every run: httpd stopped, the test domain stopped if this run
# started it, $WORK removed (kept with KEEP=1).
finish_run() {
    stop_httpd
    if ((STARTED_DOMAIN)); then
        "$DOMAIN_SH" stop >/dev/null 2>&1 || log "could not stop the test domain"
    fi
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf -- "$WORK"; fi
    fi
}

# The test domain, started unless it runs, and its environment. The
# suite's lock is held for the whole run (fd 9, released at exit): a test
# run neither stops the domain under a benchmark nor loads the machine. A
# benchmark the suite itself runs (the soak test) has it already.
use_domain() {
    if [[ -z ${NEGOTIATE_SUITE_LOCK_HELD:-} ]]; then
        exec 9>/var/tmp/mod_auth_negotiate-suite.lock
        flock -n 9 || { log "waiting for a test run to end (suite lock)"; flock 9; }
    fi
    if ! "$DOMAIN_SH" status >/dev/null 2>&1; then
        log "starting the test domain"
        STARTED_DOMAIN=1
        "$DOMAIN_SH" start >/dev/null 9>&-     # the DC outlives us: not the lock
    fi
    eval "$("$DOMAIN_SH" env)"
    export KRB5_CONFIG
}

# CPU ticks (user + system, all threads) of the processes PID...
cpu_ticks() {
    local pid t=0 f
    for pid in "$@"; do
        read -r -a f <"/proc/$pid/stat" 2>/dev/null || continue
        # fields 14 and 15 (utime, stime); no comm field here has spaces
        t=$((t + f[13] + f[14]))
    done
    echo "$t"
}

# httpd.conf lines: runtime files and locks under $WORK/run, and a fixed
# set of SERVERS children of THREADS threads each (no process churn).
fixed_children_conf() {
    local servers=$1 threads=$2
    # a clean stop before, nothing accepted (t/httpd-conf.sh, sourced)
    neg_replay_state "$WORK/run"
    cat <<CONF
DefaultRuntimeDir "$WORK/run"
Mutex file:$WORK/run default
LogLevel warn

StartServers $servers
ServerLimit $servers
ThreadsPerChild $threads
ThreadLimit $threads
MaxRequestWorkers $((servers * threads))
MinSpareThreads 1
MaxSpareThreads $((servers * threads))
MaxConnectionsPerChild 0
CONF
}

# httpd.conf lines: keep-alive without a request limit, headers large
# enough for Kerberos tokens, and $WORK/htdocs (nothing else) at /static/.
static_site_conf() {
    cat <<CONF
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30
LimitRequestFieldSize 16384
TypesConfig /etc/mime.types

<Directory />
    Require all denied
</Directory>
<Directory "$WORK/htdocs">
    Require all granted
</Directory>
Alias /static/ "$WORK/htdocs/"
CONF
}

# Start $HTTPD on $HTTPD_CONF (default $WORK/httpd.conf) in an empty environment plus the
# NAME=VALUE pairs given; wait until it wrote $PIDFILE and listens on
# $ADDR:$PORT; set HTTPD_PID.
start_httpd() {
    local i
    if (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null; then
        die "something already listens on $ADDR:$PORT"
    fi
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" "$HTTPD" -f "${HTTPD_CONF:-$WORK/httpd.conf}" -k start \
        || { cat "$WORK/logs/error.log" >&2 2>/dev/null; die "httpd did not start"; }
    for ((i = 0; i < 100; i++)); do
        [[ -s $PIDFILE ]] && (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null && break
        sleep 0.1
    done
    [[ -s $PIDFILE ]] || { cat "$WORK/logs/error.log" >&2; die "httpd wrote no pid file"; }
    read -r HTTPD_PID <"$PIDFILE"
}

# The peer the benchmarks measure in the same run: Debian's
# libapache2-mod-auth-gssapi (MIT krb5 GSSAPI). Prints the path of
# mod_auth_gssapi.so: the installed one (scripts/deps.sh installs the
# package and disables the module its postinst enables), or else the
# package's file unpacked (apt-get download, dpkg-deb -x) under
# /var/cache/negbench.
gssapi_module() {
    local sys=/usr/lib/apache2/modules/mod_auth_gssapi.so
    local cache=/var/cache/negbench deb
    [[ -f $sys ]] && { echo "$sys"; return 0; }
    if [[ ! -f $cache/usr/lib/apache2/modules/mod_auth_gssapi.so ]]; then
        mkdir -p "$cache/deb" && chmod 0755 "$cache"
        (cd "$cache/deb" && apt-get download -q libapache2-mod-auth-gssapi >/dev/null 2>&1) \
            || { apt-get update -qq && (cd "$cache/deb" && apt-get download -q libapache2-mod-auth-gssapi >/dev/null 2>&1); } \
            || return 1
        deb=$(ls "$cache"/deb/libapache2-mod-auth-gssapi_*.deb | tail -n 1)
        dpkg-deb -x "$deb" "$cache" || return 1
    fi
    echo "$cache/usr/lib/apache2/modules/mod_auth_gssapi.so"
}

# An httpd.conf that loads mod_auth_gssapi in place of mod_auth_negotiate:
# the module's conf (on stdin) with its LoadModule line replaced and its
# server-wide NegotiateReplayCache line left out.
gssapi_conf() {
    local gss=$1
    sed -e "s|^LoadModule auth_negotiate_module .*|LoadModule auth_gssapi_module $gss|" \
        -e '/^NegotiateReplayCache /d'
}

# ------------------------------------------------------ availability runs
# winbind-avail.sh and kerberos-avail.sh: one httpd on $ADDR:$PORT, under
# the suite lock.

# The defaults (the caller sets BENCH; MODULE and KEEP from the
# environment) and what a run needs: root, the module built.
avail_init() {
    TOP=$(dirname "$BENCH")
    MODULE=${MODULE:-$TOP/.libs/mod_auth_negotiate.so}
    DOMAIN_SH=$TOP/t/domain/domain.sh
    HTTPD=/usr/sbin/apache2
    ADDR=127.0.0.1
    KEEP=${KEEP:-0}
    [[ $(id -u) -eq 0 ]] || die "run as root"
    [[ -f $MODULE ]] || die "$MODULE is missing: make first"
}

# avail_start NAME: wait for the suite lock (held on fd 8 until the end),
# make $WORK (/tmp/negbench-NAME.*, mode 0755) with run/ and
# htdocs/page.html (512 bytes), set PIDFILE, use the test domain and
# source t/httpd-conf.sh. The caller's EXIT trap calls finish_run.
avail_start() {
    exec 8>/var/tmp/mod_auth_negotiate-suite.lock
    log "waiting for the suite lock"
    flock 8
    WORK=$(mktemp -d "/tmp/negbench-$1.XXXXXX")
    chmod 0755 "$WORK"
    PIDFILE=$WORK/run/httpd.pid
    mkdir -p "$WORK/run" "$WORK/htdocs"
    head -c 512 /dev/zero | tr '\0' x >"$WORK/htdocs/page.html"
    use_domain 8>&-
    . "$TOP/t/httpd-conf.sh"
}

# httpd.conf lines: mpm_event's processes and threads as Debian ships them.
debian_event_conf() {
    cat <<CONF
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
CONF
}
