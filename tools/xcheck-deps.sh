#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepare the independent Node oracles (../shared/tools/xcheck) in a private copy:
# ../shared is read-only, so `npm ci` runs in build/xcheck. Oracle tests skip politely
# (and say so) when this could not be done.
set -uo pipefail
shared="$1"
dst="$(pwd)/build/xcheck"
src="$shared/tools/xcheck"
[ -d "$src" ] || { echo "xcheck-deps: $src not found; oracle tests will be skipped"; exit 0; }
if [ -d "$dst/node_modules/@noble" ] && cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
  exit 0
fi
mkdir -p "$dst"
cp "$src"/*.mjs "$src"/package.json "$src"/package-lock.json "$dst"/
(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) \
  || echo "xcheck-deps: npm ci failed; oracle tests will be skipped"
exit 0
