# t/httpd-conf.sh - the common start of the httpd.conf files that the demo,
# the benchmarks, the soak and the root-only tests generate. Source it
# (bash), then:
#
#   neg_httpd_conf ROOT LISTEN PIDFILE ERRORLOG MODULE [NAME...]
#
# prints ServerRoot (the DefaultRuntimeDir too: nothing shared with the
# machine's own httpd or another test's), Listen, PidFile, ErrorLog, User and Group
# ($NEG_HTTPD_USER and $NEG_HTTPD_GROUP, by default www-data and negauth, the
# group of winbind's privileged pipe), the MPM ($NEG_HTTPD_MPM: event by
# default, prefork for mod_php), the authn/authz core,
# mod_alias, mod_socache_shmcb (the module's default replay cache), the
# modules NAME... (e.g. cgid for mod_cgid.so) and mod_auth_negotiate from
# MODULE, and no .htaccess lookups. The caller adds the rest.
# When ROOT holds no replay cache state file, it writes one that says an
# httpd stopped cleanly with nothing accepted (t/replay-state.pl): a
# start without one refuses Kerberos for one clock skew (NEG0813). Call it
# as the user that starts httpd (the file must be that user's).

# neg_replay_state DIR: a state file in DIR (a DefaultRuntimeDir) unless
# there is one, as for ROOT above.
neg_replay_state() {
    [ -e "$1/auth_negotiate_replay.state" ] || [ ! -d "$1" ] \
        || perl "$(dirname "${BASH_SOURCE[0]}")/replay-state.pl" "$1/auth_negotiate_replay.state" >&2
}

neg_httpd_conf() {
    local root=$1 listen=$2 pidfile=$3 errorlog=$4 module=$5 mods name
    shift 5
    mods=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
    neg_replay_state "$root"
    cat <<EOF
ServerRoot "$root"
DefaultRuntimeDir "$root"
ServerName localhost
Listen $listen
PidFile "$pidfile"
ErrorLog "$errorlog"
User ${NEG_HTTPD_USER:-www-data}
Group ${NEG_HTTPD_GROUP:-negauth}
EOF
    for name in "mpm_${NEG_HTTPD_MPM:-event}" authn_core authz_core authz_user alias socache_shmcb "$@"; do
        echo "LoadModule ${name}_module $mods/mod_$name.so"
    done
    cat <<EOF
LoadModule auth_negotiate_module $module
<Directory />
    AllowOverride None
</Directory>
EOF
}
