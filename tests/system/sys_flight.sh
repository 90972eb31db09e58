#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The flight build under qemu (docs/flight.md): the static aarch64 `australis` from `make flight`
# runs as the satellite daemon under qemu-aarch64 against this machine's x86-64 ground daemon,
# through the demo scenario (tools/demo.sh: telemetry, commands, exec, image, OTAR, PQ rekey)
# over the folder link and over link = ccsds. Prints the binary's size, the satellite daemon's
# peak RSS (qemu's and, for comparison, the native daemon's in the same run) and the start-up
# time to the first bundle handled (one telemetry request waiting; `run --once`, native and qemu).
#   sys_flight.sh NATIVE_BUILD_DIR SOURCE_DIR [FLIGHT_BUILD_DIR]
# Exit 77 (skipped) when the flight binary or qemu is missing (`make flight` builds both in).
BUILD="$(cd "${1:?usage: sys_flight.sh BUILD SOURCE [FLIGHT]}" && pwd)"
SRC="${2:?}"
FB="${3:-${AUS_FLIGHT_BUILD:-$SRC/build-flight}}"
FBIN="$FB/australis"
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
if [ ! -x "$FBIN" ] || [ -z "$QEMU" ]; then
    echo "skipped: $FBIN or qemu-aarch64 missing (make flight)"; exit 77
fi
CLI="$BUILD/australis"
. "$SRC/tests/system/lib.sh"
T="$(mktemp -d /tmp/aus-flight.XXXXXX)"
trap 'rm -rf "$T"' EXIT

size=$(stat -c %s "$FBIN")
echo "flight binary: $FBIN, $size bytes ($(awk "BEGIN{printf \"%.2f\", $size/1048576}") MB; goal <= 1.5 MB)"
check "the flight binary is a static aarch64 executable" bash -c "file -b '$FBIN' | grep -q 'ARM aarch64' && file -b '$FBIN' | grep -q 'statically linked' && file -b '$FBIN' | grep -q stripped"
check "it runs under qemu (--help)" bash -c "'$QEMU' '$FBIN' --help | grep -q 'usage'"

# the demo scenario, both link profiles, satellite under qemu
for link in folder ccsds; do
    t0=$(date +%s)
    out=$(LINK=$link AUS_DEMO_SAT_CLI="$QEMU $FBIN" AUS_DEMO_STATS="$T/rss.qemu" "$SRC/tools/demo.sh" "$BUILD" 2>&1); rc=$?
    echo "$out" | sed -n '/== Summary/,$p' | sed 's/^/    /'
    check "demo over link = $link with the aarch64 satellite daemon ($(( $(date +%s) - t0 )) s)" test $rc = 0
    [ $rc = 0 ] || echo "$out" | tail -40
done

# start-up to the first bundle handled: one telemetry request waiting, `run --once`
W="$T/w"; mkworld "$W"
printf '[sandbox]\nenabled = yes\n' >> "$W/sat.ini"
startup() { # CLI-PREFIX... -> ms of `run --once` handling one waiting request
    submit tm > /dev/null; g_once; up
    local a b; a=$(date +%s%N)
    "$@" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1
    b=$(date +%s%N); down; g_once
    echo $(( (b - a) / 1000000 ))
}
startup "$CLI" > /dev/null # first boot (PQ keys), not measured
n1=$(startup "$CLI"); n2=$(startup "$CLI"); n3=$(startup "$CLI")
q1=$(startup "$QEMU" "$FBIN"); q2=$(startup "$QEMU" "$FBIN")
nat=$(printf '%s\n' $n1 $n2 $n3 | sort -n | head -1); qem=$(printf '%s\n' $q1 $q2 | sort -n | head -1)
echo "start-up to the first bundle handled (run --once, one request waiting, best of 3/2): native $nat ms (goal <= 50 ms), qemu-aarch64 $qem ms"
check "the aarch64 daemon answered the requests" test "$(grep -c 'rx tm-query\|rx telemetry' "$W/sat.log")" -ge 1

# peak RSS: the native satellite daemon through the same folder demo, for comparison
LINK=folder AUS_DEMO_STATS="$T/rss.native" "$SRC/tools/demo.sh" "$BUILD" > "$T/native.out" 2>&1
check "native demo (folder) for the RSS comparison" test $? = 0
echo "peak RSS of the satellite daemon during the demo (VmHWM; goal <= 8 MB):"
sed 's/^/    qemu-aarch64 (emulator included): /' "$T/rss.qemu" 2>/dev/null
sed 's/^/    native x86-64:                   /' "$T/rss.native" 2>/dev/null
finish
