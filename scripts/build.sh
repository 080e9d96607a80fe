#!/bin/bash
# Configure (once) and build the module in the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
    ./configure --enable-werror ${NEGOTIATE_CONFIGURE_FLAGS:-} >/dev/null
fi
make -s -j2 >/dev/null
echo "build.sh: built $(pwd)/.libs/mod_auth_negotiate.so"
