#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo scenario as a test (tools/demo.sh; exit 0 only if every step succeeded).
BUILD="${1:?usage: sys_demo.sh BUILD_DIR SOURCE_DIR}"
SRC="${2:?}"
out=$("$SRC/tools/demo.sh" "$BUILD" 2>&1); rc=$?
echo "$out" | tail -15
# the demo shows each australis command it runs, as an operator would type it
for c in "run --config" "pass --from" "tm --config" "image get earth.img" "rekey --pq"; do
    grep -qF "\$ australis $c" <<<"$out" || { echo "FAIL the demo does not show 'australis $c'"; rc=1; }
done
if [ $rc = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $rc
