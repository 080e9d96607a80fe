#!/bin/bash
# Install the browser harness's driver, playwright-core, pinned by
# package-lock.json, into t/browser/node_modules (npm ci), unless the lock
# file is unchanged since the last install. The browser is Debian's
# chromium (scripts/deps.sh); nothing here downloads one. Used by
# t/integration.sh and bench/browser-pageload.sh.
set -euo pipefail
cd "$(dirname "$0")"
if ! cmp -s package-lock.json node_modules/.installed-lock 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.installed-lock
fi
