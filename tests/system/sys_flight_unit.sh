#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The codec unit tests built for aarch64 by `make flight` (tests/system/flight_unit_tests.txt),
# run under qemu-aarch64: byte order and alignment bugs of the flight computer show up here.
#   sys_flight_unit.sh SOURCE_DIR [FLIGHT_BUILD_DIR]      exit 77 (skipped) when not built
SRC="${1:?usage: sys_flight_unit.sh SOURCE [FLIGHT]}"
FB="${2:-${AUS_FLIGHT_BUILD:-$SRC/build-flight}}"
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
[ -d "$FB" ] && [ -n "$QEMU" ] || { echo "skipped: $FB or qemu-aarch64 missing (make flight)"; exit 77; }
pass=0 fail=0
for t in $(grep -v '^#' "$SRC/tests/system/flight_unit_tests.txt"); do
    bin=$(find "$FB/tests" -type f -name "$t" -perm -u+x 2>/dev/null | head -1)
    if [ -z "$bin" ]; then echo "FAIL $t: not built in $FB"; fail=$((fail+1)); continue; fi
    file -b "$bin" | grep -q 'ARM aarch64' || { echo "FAIL $t: not an aarch64 binary"; fail=$((fail+1)); continue; }
    out=$(cd "$(dirname "$bin")" && AUS_SHARED_DIR="${AUS_SHARED_DIR:-$SRC/../shared}" CMOCKA_MESSAGE_OUTPUT=stdout \
          timeout 120 "$QEMU" -L /usr/aarch64-linux-gnu "$bin" 2>&1); rc=$?
    summary=$(echo "$out" | grep -E '^\[  PASSED  \]|^\[  FAILED  \]' | tr '\n' ' ')
    if [ $rc = 0 ]; then echo "ok   $t under qemu-aarch64: $summary"; pass=$((pass+1))
    else echo "FAIL $t under qemu-aarch64 (rc $rc): $summary"; echo "$out" | grep -E 'FAILED|Error|error' | head -10; fail=$((fail+1)); fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
