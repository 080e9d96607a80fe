#!/bin/bash
# The test command: on a fresh Debian 12 machine, as root, install what is
# missing, build, and run every test (unit tests, then the integration suite
# against a throwaway Samba AD DC and the real httpd).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
t/deps.sh
t/build.sh
make -s check
echo "all.sh: every test passed in $(( $(date +%s) - start )) s"
