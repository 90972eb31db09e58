#!/usr/bin/env bash
# The demo scenario as a test (tools/demo.sh; exit 0 only if every step succeeded).
BUILD="${1:?usage: sys_demo.sh BUILD_DIR SOURCE_DIR}"
SRC="${2:?}"
out=$("$SRC/tools/demo.sh" "$BUILD" 2>&1); rc=$?
echo "$out" | tail -15
if [ $rc = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $rc
