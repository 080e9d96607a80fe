#!/bin/bash
# domain.sh - a throwaway Samba AD DC on loopback for mod_auth_negotiate's
# integration tests (Kerberos KDC + winbindd for NTLM).  Must run as root:
# the DC listens on privileged ports (88, 135, 389, 464, 636) of 127.0.0.10.
#
#   domain.sh start     provision if needed (or reuse), start, wait until usable
#   domain.sh stop      stop the DC (idempotent)
#   domain.sh status    exit 0 if the DC is running
#   domain.sh env       print eval-able export lines for the tests
#   domain.sh destroy   stop the DC and remove everything under the base dir
#
# Base dir: ${NEGOTIATE_DOMAIN_BASE:-/var/tmp/mod_auth_negotiate-domain}
#
# Domain contents (realm EXAMPLE.TEST, NetBIOS domain EXAMPLE, DC dc1 on 127.0.0.10):
#   alice / AlicePassw0rd!       bob / BobPassw0rd!       Administrator / AdminPassw0rd!
#   carol / CarolPassw0rd!
#   groups: WebAdmins = { alice, WebAdminsNested }, WebAdminsNested = { carol }
#   httpsvc   (random password)  SPNs HTTP/localhost, HTTP/www.example.test  -> in http.keytab
#   httpother (random password)  SPN  HTTP/other.example.test                -> in NO keytab
#   httpold   (random password)  SPN  HTTP/old.example.test  -> in http.keytab, then its
#             password is reset, so the KDC's kvno is higher than the keytab's ("wrong kvno").
# Files:
#   $BASE/krb5.conf      client config (world-readable); export KRB5_CONFIG
#   $BASE/http.keytab    root:negauth 0640
#   $BASE/dc/            the DC (etc/smb.conf, private/, state/, run/, log/)
# Unix group "negauth" (www-data is added to it) may read the keytab and use
# winbind's privileged pipe ($BASE/dc/state/winbindd_privileged, root:negauth 0750).
#
# The winbind client library has /run/samba/winbindd compiled in, so our
# winbindd listens there: no other winbindd may run on this machine.
#
# The provisioned domain carries a stamp (sha256 of this script); when the
# script changes, the next "start" wipes the base and provisions again.

set -euo pipefail

readonly BASE=${NEGOTIATE_DOMAIN_BASE:-/var/tmp/mod_auth_negotiate-domain}
readonly DC=$BASE/dc
readonly SMBCONF=$DC/etc/smb.conf
readonly PIDFILE=$DC/run/samba.pid
readonly STAMPFILE=$BASE/stamp
readonly KRB5CONF=$BASE/krb5.conf
readonly KEYTAB=$BASE/http.keytab
readonly LOCKFILE=$BASE.lock

readonly REALM=EXAMPLE.TEST
readonly NETBIOS=EXAMPLE
readonly DC_IP=127.0.0.10
readonly DC_HOST=dc1
readonly ADMIN_PW='AdminPassw0rd!'
readonly ALICE_PW='AlicePassw0rd!'
readonly BOB_PW='BobPassw0rd!'
readonly CAROL_PW='CarolPassw0rd!'
readonly GROUP=negauth
readonly WB_SOCKET_DIR=/run/samba/winbindd
readonly PRIV_DIR=$DC/state/winbindd_privileged

readonly PACKAGES=(samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules
                   winbind heimdal-clients)
readonly READY_TIMEOUT=30      # seconds to wait for the KDC and winbind
readonly STOP_TIMEOUT=5        # seconds between SIGTERM and SIGKILL

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
readonly SCRIPT
readonly PROG=domain.sh
T0=$EPOCHREALTIME
readonly T0

# Samba's python tools must use the system interpreter (a pyenv shim may
# come first in PATH and lacks the samba/ldb modules).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
# Never let the caller's Kerberos/winbind environment leak into our tools.
unset KRB5CCNAME KRB5_KTNAME WINBINDD_SOCKET_DIR

# ---------------------------------------------------------------- helpers

log()  { printf '%s: %s\n' "$PROG" "$*" >&2; }

elapsed() {   # seconds since the script started, e.g. "6.42"
    local now=${EPOCHREALTIME/./} start=${T0/./}
    local ms=$(( (now - start) / 1000 ))
    printf '%d.%02d' $((ms / 1000)) $(( (ms % 1000) / 10 ))
}

show_logs() {
    local f
    for f in "$DC/log/samba-stdout.log" "$DC/log/log.samba" "$DC/log/log.winbindd"; do
        [[ -s $f ]] || continue
        printf -- '--- tail of %s ---\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
}

die() {
    log "ERROR: $*"
    show_logs
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: $PROG {start|stop|status|env|destroy}
  start    provision (or reuse) and start a Samba AD DC for $REALM on $DC_IP,
           then wait until Kerberos and winbind work
  stop     stop the DC
  status   exit 0 if the DC is running
  env      print export lines: eval "\$($PROG env)"
  destroy  stop the DC and remove $BASE
base dir: \$NEGOTIATE_DOMAIN_BASE (now: $BASE)
EOF
}

require_root() {
    [[ $(id -u) -eq 0 ]] || { log "ERROR: must run as root (the DC binds ports 88, 389, ...)"; exit 1; }
}

take_lock() {   # serialise concurrent start/stop/destroy on the same base
    mkdir -p "$(dirname "$BASE")"
    exec 9>"$LOCKFILE"
    flock -w 60 9 || die "could not lock $LOCKFILE"
}

samba_tool() {  # offline samba-tool on our DC; -s must follow the subcommand
    /usr/bin/python3 /usr/bin/samba-tool "$@" -s "$SMBCONF" >>"$DC/log/samba-tool.log" 2>&1 \
        || { tail -n 20 "$DC/log/samba-tool.log" >&2; die "samba-tool $1 $2 failed"; }
}

# ------------------------------------------------------------- processes

# True if PID exists and is not a zombie (setsid'ed children get reparented
# to PID 1 and may linger as zombies, for which kill -0 still succeeds).
pid_alive() {
    local pid=$1 stat state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    state=${stat##*) }
    state=${state%% *}
    [[ $state != Z && $state != X ]]
}

# PID of the samba started from this base, if it is alive.
samba_pid() {
    local pid
    [[ -r $PIDFILE ]] || return 1
    read -r pid <"$PIDFILE" 2>/dev/null || return 1
    pid_alive "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == samba ]] || return 1
    # samba rewrites its argv ("samba: root process"), so check that it has
    # files of this base open instead (only root can look; others trust the pid file).
    if [[ -r /proc/$pid/fd ]]; then
        find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -lname "$DC/*" -print -quit 2>/dev/null |
            grep -q . || return 1
    fi
    printf '%s\n' "$pid"
}

is_running() { samba_pid >/dev/null; }

# Other winbindd processes would own /run/samba/winbindd/pipe.
check_no_foreign_winbindd() {
    local pid
    for pid in $(pgrep -x winbindd || true); do
        pid_alive "$pid" || continue
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SMBCONF"; then
            log "killing leftover winbindd (pid $pid) of this base"
            kill -KILL "$pid" 2>/dev/null || true
        else
            die "a foreign winbindd is running (pid $pid); it would own $WB_SOCKET_DIR. Stop it first."
        fi
    done
}

stop_samba() {
    local pid deadline
    pid=$(samba_pid) || { rm -f "$PIDFILE"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(( ${EPOCHREALTIME/./} + STOP_TIMEOUT * 1000000 ))
    while pid_alive "$pid"; do
        if (( ${EPOCHREALTIME/./} > deadline )); then
            log "samba (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            pkill -KILL -s "$pid" 2>/dev/null || true   # its session (winbindd etc.)
            sleep 0.2
            break
        fi
        sleep 0.05
    done
    rm -f "$PIDFILE"
}

# ----------------------------------------------------------- preparation

ensure_packages() {
    local p missing=()
    for p in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
    done
    (( ${#missing[@]} )) || return 0
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

ensure_group() {
    groupadd -f "$GROUP"
    if getent passwd www-data >/dev/null && ! id -nG www-data | tr ' ' '\n' | grep -qx "$GROUP"; then
        usermod -aG "$GROUP" www-data
    fi
}

ensure_socket_dir() {   # winbindd and libwbclient insist on root-owned dirs
    install -d -o root -g root -m 0755 /run/samba "$WB_SOCKET_DIR"
}

script_stamp() { sha256sum "$SCRIPT" | cut -d' ' -f1; }

stamp_matches() {
    [[ -f $STAMPFILE && -f $SMBCONF && -f $KEYTAB && -f $KRB5CONF ]] || return 1
    [[ $(cat "$STAMPFILE") == "$(script_stamp)" ]]
}

wipe_base() {
    [[ $BASE == /* && $BASE != / && ${#BASE} -gt 4 ]] || die "refusing to remove base '$BASE'"
    stop_samba
    rm -rf -- "$BASE"
}

# Heimdal's parser wants "{" last on its line: "EXAMPLE.TEST = { kdc = ..." on
# one line silently yields no KDC ("unable to reach any KDC in realm").
write_krb5_conf() {
    cat >"$KRB5CONF" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 0
[realms]
	$REALM = {
		kdc = $DC_IP
		admin_server = $DC_IP
	}
[domain_realm]
	localhost = $REALM
	.example.test = $REALM
EOF
    chmod 0644 "$KRB5CONF"
}

# ------------------------------------------------------------- provision

provision_domain() {
    log "provisioning $REALM in $DC"
    install -d -m 0755 "$BASE"
    install -d -m 0700 "$DC"
    install -d -m 0700 "$DC/log" "$DC/run"
    /usr/bin/python3 /usr/bin/samba-tool domain provision \
        --targetdir="$DC" --realm="$REALM" --domain="$NETBIOS" \
        --server-role=dc --dns-backend=NONE --adminpass="$ADMIN_PW" \
        --host-name="$DC_HOST" --host-ip="$DC_IP" \
        --option="interfaces=$DC_IP/8" --option="bind interfaces only=yes" \
        --option="pid directory=$DC/run" --option="ncalrpc dir=$DC/run/ncalrpc" \
        --option="winbindd socket directory=$WB_SOCKET_DIR" \
        --option="ntp signd socket directory=$DC/run/ntp_signd" \
        --option="log file=$DC/log/log.%m" --option="logging=file" \
        --option="template homedir=/tmp" --option="template shell=/bin/false" \
        --option="kdc default domain supported enctypes=aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96" \
        >"$DC/log/provision.log" 2>&1 \
        || { tail -n 20 "$DC/log/provision.log" >&2; die "samba-tool domain provision failed"; }

    # Provision always lists dns (port 53) and more; keep what the tests need.
    sed -i -e 's/^\tserver services = .*/\tserver services = rpc, ldap, cldap, kdc, winbindd/' \
           -e 's/^\tunix password sync = .*/\tunix password sync = No/' "$SMBCONF"
    grep -q $'^\tserver services = rpc, ldap, cldap, kdc, winbindd$' "$SMBCONF" \
        || die "could not set 'server services' in $SMBCONF"

    # Non-root members of $GROUP must reach state/winbindd_privileged/pipe:
    # give them search permission on the path, nothing else.
    chgrp "$GROUP" "$DC" "$DC/state"
    chmod 0710 "$DC" "$DC/state"
    # Tests may read the DC's smb.conf (NEGOTIATE_DC_SMBCONF), e.g. for ntlm_auth.
    chgrp "$GROUP" "$DC/etc" "$SMBCONF"
    chmod 0750 "$DC/etc"
    chmod 0640 "$SMBCONF"

    write_krb5_conf
    create_principals
    script_stamp >"$STAMPFILE"
}

create_principals() {
    log "creating users, service accounts and $KEYTAB"
    samba_tool domain passwordsettings set --complexity=off --history-length=0 \
        --min-pwd-age=0 --max-pwd-age=0
    samba_tool user add alice "$ALICE_PW"
    samba_tool user add bob "$BOB_PW"
    samba_tool user add carol "$CAROL_PW"

    # Groups for the authorization tests: alice is in WebAdmins directly,
    # carol through the nested group WebAdminsNested, bob in neither.
    samba_tool group add WebAdmins
    samba_tool group add WebAdminsNested
    samba_tool group addmembers WebAdmins alice,WebAdminsNested
    samba_tool group addmembers WebAdminsNested carol

    samba_tool user add httpsvc --random-password
    samba_tool spn add HTTP/localhost httpsvc
    samba_tool spn add HTTP/www.example.test httpsvc

    samba_tool user add httpother --random-password
    samba_tool spn add HTTP/other.example.test httpother

    samba_tool user add httpold --random-password
    samba_tool spn add HTTP/old.example.test httpold

    rm -f "$KEYTAB"
    samba_tool domain exportkeytab "$KEYTAB" --principal=HTTP/localhost
    samba_tool domain exportkeytab "$KEYTAB" --principal=HTTP/www.example.test
    samba_tool domain exportkeytab "$KEYTAB" --principal=HTTP/old.example.test
    # Now bump httpold's kvno: the keytab keeps the old (stale) keys.
    samba_tool user setpassword httpold --random-password

    chown root:"$GROUP" "$KEYTAB"
    chmod 0640 "$KEYTAB"
    check_keytab
}

check_keytab() {
    local list p
    list=$(ktutil -k "$KEYTAB" list 2>&1) || die "ktutil list $KEYTAB failed: $list"
    for p in HTTP/localhost HTTP/www.example.test HTTP/old.example.test; do
        grep -Eq "aes256-cts-hmac-sha1-96[[:space:]]+$p@$REALM" <<<"$list" \
            || die "keytab lacks an aes256 key for $p@$REALM:"$'\n'"$list"
    done
    ! grep -q "HTTP/other.example.test" <<<"$list" || die "HTTP/other.example.test must not be in $KEYTAB"
}

# ----------------------------------------------------------------- start

launch_samba() {
    local pid
    check_no_foreign_winbindd
    ensure_socket_dir
    install -d -m 0700 "$DC/log"
    install -d -m 0710 -g "$GROUP" "$DC/run"   # lets negauth members run "status"
    rm -f "$PIDFILE"
    # A fresh winbind cache each start: winbindd lower-cases the names it
    # caches for name-to-SID lookups, and tests expect the directory's case.
    rm -f "$DC/state/winbindd_cache.tdb"
    setsid /usr/sbin/samba -i -M single -s "$SMBCONF" \
        >"$DC/log/samba-stdout.log" 2>&1 </dev/null 9>&- &   # 9: our lock fd
    pid=$!
    printf '%s\n' "$pid" >"$DC/run/launched.pid"
}

# Poll (every 0.1 s, at most READY_TIMEOUT s) until CHECK succeeds; fail
# early if the samba we launched died.
wait_for() {
    local what=$1; shift
    local deadline=$(( ${EPOCHREALTIME/./} + READY_TIMEOUT * 1000000 )) launched=
    [[ -r $DC/run/launched.pid ]] && read -r launched <"$DC/run/launched.pid"
    until "$@" >/dev/null 2>&1; do
        if [[ -n $launched ]] && ! pid_alive "$launched" && ! is_running; then
            log "samba exited while waiting for $what"; return 1
        fi
        if (( ${EPOCHREALTIME/./} > deadline )); then
            log "timed out after ${READY_TIMEOUT}s waiting for $what"; return 1
        fi
        sleep 0.1
    done
}

kdc_port_open() { (exec 3<>"/dev/tcp/$DC_IP/88") 2>/dev/null; }
wb_ping()       { wbinfo -p; }
wb_auth_alice() { wbinfo -a "$NETBIOS\\alice%$ALICE_PW"; }

# Heimdal kinit as alice with our krb5.conf, then a service ticket for HTTP/localhost.
kinit_alice() {
    local cc rc=0
    cc=$(mktemp /tmp/negotiate-domain-cc.XXXXXX)
    printf '%s\n' "$ALICE_PW" | KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$cc \
        kinit --password-file=STDIN "alice@$REALM" || rc=$?
    if (( rc == 0 )); then
        KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$cc kgetcred "HTTP/localhost@$REALM" || rc=$?
    fi
    rm -f "$cc"
    return "$rc"
}

# Let group $GROUP use winbindd's privileged pipe; the dir must stay
# root-owned with mode 0750 (winbindd and libwbclient check this).
open_privileged_pipe() {
    [[ -d $PRIV_DIR ]] || { log "missing $PRIV_DIR"; return 1; }
    chown root:"$GROUP" "$PRIV_DIR"
    chmod 0750 "$PRIV_DIR"
}

verify_domain() {
    wait_for "tcp $DC_IP:88 (KDC)" kdc_port_open &&
    wait_for "wbinfo -p" wb_ping &&
    open_privileged_pipe &&
    wait_for "wbinfo -a alice" wb_auth_alice &&
    wait_for "kinit alice" kinit_alice
}

# Informational only: kvno of HTTP/old.example.test in the keytab vs the KDC.
report_kvno() {
    local cc kt kdc
    kt=$(ktutil -k "$KEYTAB" list 2>/dev/null |
         awk -v p="HTTP/old.example.test@$REALM" '$3 == p { print $1 }' | sort -un | tr '\n' ' ')
    cc=$(mktemp /tmp/negotiate-domain-cc.XXXXXX)
    kdc=$( { printf '%s\n' "$ALICE_PW" | KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$cc \
                 kinit --password-file=STDIN "alice@$REALM" &&
             KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$cc kgetcred "HTTP/old.example.test@$REALM" &&
             KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$cc klist -v; } 2>/dev/null |
           awk '/^Server: HTTP\/old\.example\.test/ { f = 1 }
                f && /kvno/ { sub(/.*kvno[ :]*/, ""); print $1; exit }' ) || true
    rm -f "$cc"
    log "HTTP/old.example.test kvno: keytab ${kt:-?}/ KDC ${kdc:-?} (KDC should be higher)"
}

summary() {
    local how=$1 pid
    pid=$(samba_pid || echo '?')
    printf '%s: %s DC %s on %s ready (%s), samba pid %s, base %s, %ss\n' \
        "$PROG" "$REALM" "$DC_HOST" "$DC_IP" "$how" "$pid" "$BASE" "$(elapsed)"
}

fresh_start() {
    wipe_base
    provision_domain
    launch_samba
    verify_domain || { stop_samba; die "freshly provisioned domain failed its checks"; }
    report_kvno
}

cmd_start() {
    require_root
    ensure_packages
    ensure_group
    take_lock

    if is_running; then
        if stamp_matches; then
            open_privileged_pipe || true
            verify_domain || die "running domain failed its checks (try: $PROG destroy; $PROG start)"
            summary "already running"
            return 0
        fi
        log "running domain was provisioned by another version of this script; reprovisioning"
        stop_samba
    fi

    if stamp_matches; then
        launch_samba
        if verify_domain; then
            summary "reused"
            return 0
        fi
        log "reused domain failed its checks; wiping and provisioning again"
        show_logs
        stop_samba
    fi

    fresh_start
    summary "fresh provision"
}

cmd_stop() {
    require_root
    take_lock
    if is_running; then
        stop_samba
        log "stopped ($(elapsed)s)"
    else
        rm -f "$PIDFILE"
        log "not running"
    fi
}

cmd_status() {
    local pid
    if pid=$(samba_pid); then
        printf '%s: running, samba pid %s, base %s\n' "$PROG" "$pid" "$BASE"
    else
        printf '%s: not running (base %s)\n' "$PROG" "$BASE"
        return 3
    fi
}

cmd_env() {
    printf 'export NEGOTIATE_DOMAIN_BASE=%q\n' "$BASE"
    printf 'export KRB5_CONFIG=%q\n' "$KRB5CONF"
    printf 'export NEGOTIATE_KEYTAB=%q\n' "$KEYTAB"
    printf 'export NEGOTIATE_REALM=%q\n' "$REALM"
    printf 'export NEGOTIATE_NETBIOS=%q\n' "$NETBIOS"
    printf 'export NEGOTIATE_DC_SMBCONF=%q\n' "$SMBCONF"
}

cmd_destroy() {
    require_root
    take_lock
    wipe_base
    rm -f "$LOCKFILE"
    log "destroyed $BASE"
}

main() {
    (( $# == 1 )) || { usage; exit 2; }
    case $1 in
        start)   cmd_start ;;
        stop)    cmd_stop ;;
        status)  cmd_status ;;
        env)     cmd_env ;;
        destroy) cmd_destroy ;;
        -h|--help|help) usage ;;
        *) usage; exit 2 ;;
    esac
}

main "$@"
