#!/bin/sh
# The version lives in configure.ac's AC_INIT (PACKAGE_VERSION, passed by
# `make check`); debian/changelog's top entry and NEWS's first version
# heading must name the same one. Fails, saying which differs, when not.
set -u
srcdir=${srcdir:-.}
want=${PACKAGE_VERSION:?PACKAGE_VERSION is not set: run this through make check}
rc=0

# debian/changelog: "libapache2-mod-auth-negotiate (0.1.0) unstable; ..."
# (a native package: the Debian version is the upstream one).
deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$srcdir/debian/changelog")
if [ "$deb" != "$want" ]; then
    echo "version.sh: debian/changelog's top entry is '$deb', configure.ac's AC_INIT says '$want': add a changelog entry (dch -v $want)"
    rc=1
fi

# NEWS: the first line that starts with a version number.
news=$(sed -n '/^[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*/{s/^\([0-9.]*\).*/\1/p;q}' "$srcdir/NEWS")
if [ "$news" != "$want" ]; then
    echo "version.sh: NEWS's newest version is '$news', configure.ac's AC_INIT says '$want': say what $want brings in NEWS"
    rc=1
fi
[ $rc = 0 ] && echo "version.sh: configure.ac, debian/changelog and NEWS agree on $want"
exit $rc
