#!/bin/bash
# The test command: on a fresh Debian 12 machine, as root, install what is
# missing, build, and run every test (unit tests, then the integration suite
# against a throwaway Samba AD DC and the real httpd), the fuzzers for
# FUZZ_SECONDS each (default 10), the release tarball (scripts/dist.sh: make
# distcheck), the Debian package built, installed into the system's apache2,
# signed into and purged (scripts/package.sh), and the whole suite again with the
# module built with ASan and UBSan. NEGOTIATE_SKIP_DIST=1,
# NEGOTIATE_SKIP_PACKAGE=1 and NEGOTIATE_SKIP_ASAN=1 leave those out.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/deps.sh
scripts/build.sh
make -s check
FUZZ_SECONDS=${FUZZ_SECONDS:-10} make -s fuzz
[ "${NEGOTIATE_SKIP_DIST:-0}" = 1 ] || scripts/dist.sh
[ "${NEGOTIATE_SKIP_PACKAGE:-0}" = 1 ] || scripts/package.sh

if [ "${NEGOTIATE_SKIP_ASAN:-0}" != 1 ]; then
    # The tree above is configured in place, so configure refuses a VPATH
    # build of it: copy the sources (tracked and new files, as they are in
    # the work tree) to build-asan/src and build them in build-asan/build.
    asan_start=$(date +%s)
    top=$(pwd)
    rm -rf build-asan
    mkdir -p build-asan/build
    scripts/srctree.sh build-asan/src
    (cd build-asan/src && autoreconf -fi >/dev/null)
    cd build-asan/build
    ../src/configure --enable-sanitizers --enable-werror >/dev/null
    make -s -j2 >/dev/null
    make -s check
    cd "$top"
    echo "all.sh: the ASan/UBSan suite passed in $(( $(date +%s) - asan_start )) s"
fi
echo "all.sh: every test passed in $(( $(date +%s) - start )) s"
