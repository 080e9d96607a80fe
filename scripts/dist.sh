#!/bin/bash
# scripts/dist.sh (scripts/all.sh runs it after scripts/build.sh): `make
# distcheck`, i.e. the release tarball mod_auth_negotiate-VERSION.tar.gz
# configures, builds, runs the unit tests (and t/version.sh) and installs out
# of tree (the integration suite is left out: it needs root and a test
# domain, and scripts/all.sh runs it on this tree); then the tarball's file list is checked against git:
# every file git tracks or would track is in it (but .gitignore, .ci/ and m4/.keep), and nothing
# else but what autoreconf generates. Prints what differs and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f Makefile ] || { echo "dist.sh: no Makefile: run scripts/build.sh first" >&2; exit 1; }
version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
name=mod_auth_negotiate-$version
start=$(date +%s)
log=$(mktemp /tmp/negtest-distcheck.XXXXXX)
trap 'rm -f "$log" "$log.want" "$log.got"' EXIT

rm -f "$name.tar.gz"
if ! make -j2 distcheck >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "dist.sh: FAILED: make distcheck (the tail of its output is above)" >&2
    exit 1
fi
[ -s "$name.tar.gz" ] || { echo "dist.sh: FAILED: make distcheck made no $name.tar.gz" >&2; exit 1; }

# The sources as in the work tree: tracked and new files git does not ignore.
git ls-files -co --exclude-standard | grep -v -E '^(\.gitignore|\.ci/.*|m4/\.keep)$' \
    | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done | sort >"$log.want"
tar -tzf "$name.tar.gz" | grep -v '/$' | sed "s|^$name/||" | sort >"$log.got"
missing=$(comm -23 "$log.want" "$log.got")
extra=$(comm -13 "$log.want" "$log.got" \
    | grep -v -E '^(configure|Makefile\.in|aclocal\.m4|neg_build\.h\.in|build-aux/[^/]+|m4/[^/]+\.m4)$' || true)
rc=0
if [ -n "$missing" ]; then
    echo "dist.sh: FAILED: source files missing from $name.tar.gz (add them to EXTRA_DIST or a _SOURCES list in Makefile.am):" >&2
    echo "$missing" | sed 's/^/    /' >&2
    rc=1
fi
if [ -n "$extra" ]; then
    echo "dist.sh: FAILED: files in $name.tar.gz that are not sources in git (generated? add them to .gitignore):" >&2
    echo "$extra" | sed 's/^/    /' >&2
    rc=1
fi
[ $rc = 0 ] && echo "dist.sh: make distcheck passed; $name.tar.gz holds the $(wc -l <"$log.want") source files and autoreconf's output ($(( $(date +%s) - start )) s)"
exit $rc
