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
if [ -f "$FB/australis.size" ]; then # tools/flight-size.sh on the linker map (docs/flight.md)
    echo "what it is made of (linker map):"; cat "$FB/australis.size"
fi
# no libssl in the flight binary: TCPCL over TLS is refused with a sentence, not a crash
echo x > "$T/b"
out=$("$QEMU" "$FBIN" tcpcl send --to 127.0.0.1:9 --tls-ca "$T/b" "$T/b" 2>&1); rc=$?
check "TCPCL with TLS is refused by the flight binary (exit 3, says why)" \
    test "$rc:$out" = "3:australis: tcpcl: TLS is not in this australis (the flight build leaves libssl out; docs/flight.md): configure the link without TLS or run a build with it"
[ $rc = 3 ] || echo "    got $rc: $out"

# the demo scenario, both link profiles, satellite under qemu
for link in folder ccsds; do
    t0=$(date +%s)
    out=$(LINK=$link AUS_DEMO_SAT_CLI="$QEMU $FBIN" AUS_DEMO_STATS="$T/rss.qemu" "$SRC/tools/demo.sh" "$BUILD" 2>&1); rc=$?
    echo "$out" | sed -n '/== Summary/,$p' | sed 's/^/    /'
    check "demo over link = $link with the aarch64 satellite daemon ($(( $(date +%s) - t0 )) s)" test $rc = 0
    [ $rc = 0 ] || echo "$out" | tail -40
done

# start-up to the first bundle handled: one telemetry request waiting, `run --once`. The daemon
# logs the moment its answer is in the outgoing folder, with its CPU time and the time it sat
# runnable while other processes had the CPU (cmd_run.c); the wall time is taken from just
# before the exec. Natively with the flight configuration's own x86-64 twin when `make flight`
# built it (a dynamic build adds ~20 ms of dynamic linking and ~8 MB of shared-library pages),
# else with the native build. On a loaded CI box most of the wall time is waiting for a CPU.
NAT="$FB/native/australis-native"; natname="static, flight configuration"
[ -x "$NAT" ] || { NAT="$CLI"; natname="dynamic native build"; }
W="$T/w"; mkworld "$W"
printf '[sandbox]\nenabled = yes\n' >> "$W/sat.ini"
startup() { # CLI-PREFIX... -> "WALL_MS CPU_MS RUNQUEUE_MS" from exec to the first bundle handled
    submit tm > /dev/null; g_once; up
    local t0=$EPOCHREALTIME l
    "$@" run --config "$W/sat.ini" --once >> "$W/sat.log" 2>&1
    l=$(grep 'start-up: first bundle handled' "$W/sat.log" | tail -n 1)
    down; g_once
    echo "$l" | sed -n 's/.*(CPU \([0-9.]*\) ms\(, waiting for a CPU \([0-9.]*\) ms\)\{0,1\}; at \([0-9.]*\)).*/\1 \4 \3/p' |
        awk -v t0="$t0" '{ printf "%.0f %.0f %s\n", ($2 - t0) * 1000, $1, (NF > 2 ? sprintf("%.0f", $3) : "?") }'
}
median() { sort -n | sed -n 2p; } # of the three lines on stdin
startup "$NAT" > /dev/null # first boot (PQ keys), not measured
: > "$T/nat"; : > "$T/qem"
for i in 1 2 3; do startup "$NAT" >> "$T/nat"; startup "$QEMU" "$FBIN" >> "$T/qem"; done
col() { cut -d' ' -f"$1" "$2" | median; }
echo "start-up to first bundle (run --once with one request waiting, exec to the answer in the outgoing folder; median of 3; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "    native ($natname): start-up to first bundle: $(col 1 "$T/nat") ms wall (CPU $(col 2 "$T/nat") ms), goal 50 ms; of the wall, $(col 3 "$T/nat") ms waiting for a CPU other processes held"
echo "    qemu-aarch64 (emulated): $(col 1 "$T/qem") ms wall (CPU $(col 2 "$T/qem") ms, emulator included)"
check "start-up figures measured (three runs each, native and qemu)" \
    test "$(wc -l < "$T/nat"):$(wc -l < "$T/qem")" = "3:3"
check "the aarch64 daemon answered the requests" test "$(grep -c 'rx tm-query\|rx telemetry' "$W/sat.log")" -ge 1

# peak RSS: the same folder demo with the satellite = the native twin (or the native build)
LINK=folder AUS_DEMO_SAT_CLI="$NAT" AUS_DEMO_STATS="$T/rss.native" "$SRC/tools/demo.sh" "$BUILD" > "$T/native.out" 2>&1
check "native demo (folder, $natname) for the RSS figure" test $? = 0
echo "peak RSS of the satellite daemon during the demo (VmHWM; goal <= 8 MB):"
mb() { awk '{ printf "%s link: %d kB = %.2f MiB; the binary'"'"'s own pages %d kB of it\n", $1, $3, $3 / 1024, $5 }'; }
mb < "$T/rss.qemu" 2>/dev/null | sed 's/^/    qemu-aarch64 (emulator included): /'
mb < "$T/rss.native" 2>/dev/null | sed "s/^/    native ($natname): /"
finish
