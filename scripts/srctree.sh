#!/bin/bash
# scripts/srctree.sh DEST: copy the sources as they are in this work tree (tracked
# files and new ones git does not ignore; nothing built or generated) to
# DEST, for builds that must not touch the work tree: the ASan build in
# scripts/all.sh, the Debian package build in scripts/package.sh.
set -euo pipefail
dest=${1:?usage: scripts/srctree.sh DEST}
cd "$(dirname "$0")/.."
mkdir -p "$dest"
git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
    case $f in build-asan/*) continue ;; esac
    [ -f "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$dest"
