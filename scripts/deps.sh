#!/bin/bash
# Install what building and testing mod_auth_negotiate needs on Debian 12
# (root). Installs only what is missing; quiet when nothing is.
set -euo pipefail

packages=(
    # build
    build-essential autoconf automake libtool pkg-config
    apache2 apache2-dev heimdal-dev libwbclient-dev libhiredis-dev
    # test domain (t/domain/domain.sh) and Kerberos clients
    samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind
    heimdal-clients
    # integration suite: Apache::Test and real clients
    libapache2-mod-perl2 curl python3 python3-gssapi
    python3-requests-ntlm python3-ntlm-auth gss-ntlmssp python3-h2
    openssl redis-server memcached
    # application tests (t/root/85_django.rt, 86_php.rt, 87_proxy.rt)
    libapache2-mod-wsgi-py3 python3-django libapache2-mod-php php-fpm
    # mod_auth_gssapi (MIT GSSAPI) loaded beside the module in one httpd
    # (t/root/*_coexist_gssapi.rt), and the peer the benchmarks measure
    libapache2-mod-auth-gssapi
    # the browser tests (t/80_browser.t): Debian's Chromium, driven by
    # playwright-core from npm (t/browser/package-lock.json)
    chromium
    # Firefox at the login form (t/root/59_firefox_login_form.rt): Debian's
    # Firefox ESR, driven over Marionette by a Perl client
    firefox-esr libfirefox-marionette-perl
    # the JDK's own HTTP client, NTLM, Basic and SPNEGO
    # (t/root/53_jdk_client.rt: javac compiles t/java/AuthClient.java)
    openjdk-17-jdk-headless
    # negotiate-doctor's tests: a clock off by minutes (t/root/91_doctor.rt)
    libfaketime
    # t/12_skew.t moves a client's clock with libfaketime too
    faketime
    # make fuzz (libFuzzer) and ./configure --enable-sanitizers
    clang libclang-rt-14-dev libfuzzer-14-dev
    # the Debian package (scripts/package.sh: dpkg-buildpackage, dh-apache2 from
    # apache2-dev, dh-autoreconf from debhelper) and its check
    dpkg-dev debhelper lintian
)

[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (apt-get)" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' \
        || missing+=("$p")
done
# Node.js and npm for playwright-core (it wants Node.js 20 or later): the
# machine's own when it has them (20 on ours), else Debian's (18 in
# Debian 12: npm warns about the engine).
command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq

# Installing libapache2-mod-php switches the system's httpd to mpm_prefork
# and enables php (its postinst); libapache2-mod-wsgi-py3 enables wsgi,
# libapache2-mod-auth-gssapi auth_gssapi. The tests load these modules in
# httpd instances of their own and none inherits the system's (t/TEST.PL),
# but the machine's own httpd (scripts/package.sh starts it) and a suite
# of an older tree would: install under the suite's lock, and afterwards
# undo what these packages enabled (not apache2's own defaults, which its
# postinst enables when this run installs apache2 itself).
exec 8>/var/tmp/mod_auth_negotiate-suite.lock
flock 8
mpm_before=$(a2query -M 2>/dev/null || echo event)
enabled_before=" $( (a2query -m 2>/dev/null || true) | awk '{print $1}' | tr '\n' ' ') "
# heimdal-dev conflicts with MIT's libkrb5-dev: apt removes the latter.
# (fd 8 closed: a daemon that a package starts must not keep the lock)
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 8>&-
for mod in $( (a2query -m 2>/dev/null || true) | awk '$1 ~ /^(php|wsgi|auth_gssapi)/ {print $1}'); do
    case $enabled_before in *" $mod "*) ;; *) a2dismod -q "$mod" >/dev/null ;; esac
done
mpm_now=$(a2query -M 2>/dev/null || echo "$mpm_before")
if [ "$mpm_now" != "$mpm_before" ]; then
    a2dismod -q "mpm_$mpm_now" >/dev/null
    a2enmod -q "mpm_$mpm_before" >/dev/null
fi
exec 8>&-
