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

# start-up to the first bundle handled: one telemetry request waiting, `run --once` (its
# shutdown, the stores' checkpoints, included). Natively with the flight configuration's own
# x86-64 twin when `make flight` built it (a dynamic build adds ~20 ms of dynamic linking and
# ~8 MB of shared-library pages), else with the native build. Wall time carries the machine's
# load (a shared CI box); the CPU time (user + sys, the launcher included) does not.
NAT="$FB/native/australis-native"; natname="static, flight configuration"
[ -x "$NAT" ] || { NAT="$CLI"; natname="dynamic native build"; }
W="$T/w"; mkworld "$W"
printf '[sandbox]\nenabled = yes\n' >> "$W/sat.ini"
startup() { # CLI-PREFIX... -> "WALL_MS CPU_MS" of `run --once` handling one waiting request
    submit tm > /dev/null; g_once; up
    local TIMEFORMAT='%3R %3U %3S' t
    t=$( { time "$@" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1; } 2>&1 )
    down; g_once
    echo "$t" | awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}'
}
median() { sort -n | sed -n 2p; } # of the three lines on stdin
startup "$NAT" > /dev/null # first boot (PQ keys), not measured
: > "$T/nat"; : > "$T/qem"
for i in 1 2 3; do startup "$NAT" >> "$T/nat"; startup "$QEMU" "$FBIN" >> "$T/qem"; done
nw=$(cut -d' ' -f1 "$T/nat" | median); nc=$(cut -d' ' -f2 "$T/nat" | median)
qw=$(cut -d' ' -f1 "$T/qem" | median); qc=$(cut -d' ' -f2 "$T/qem" | median)
echo "start-up to the first bundle handled (run --once, one request waiting, median of 3; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "    native ($natname): wall $nw ms, CPU $nc ms (goal <= 50 ms)"
echo "    qemu-aarch64 (emulated): wall $qw ms, CPU $qc ms"
check "the aarch64 daemon answered the requests" test "$(grep -c 'rx tm-query\|rx telemetry' "$W/sat.log")" -ge 1

# peak RSS: the same folder demo with the satellite = the native twin (or the native build)
LINK=folder AUS_DEMO_SAT_CLI="$NAT" AUS_DEMO_STATS="$T/rss.native" "$SRC/tools/demo.sh" "$BUILD" > "$T/native.out" 2>&1
check "native demo (folder, $natname) for the RSS figure" test $? = 0
echo "peak RSS of the satellite daemon during the demo (VmHWM; goal <= 8 MB):"
sed 's/^/    qemu-aarch64 (emulator included): /' "$T/rss.qemu" 2>/dev/null
sed "s/^/    native ($natname): /" "$T/rss.native" 2>/dev/null
finish
