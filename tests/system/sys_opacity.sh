#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Opacity: no plaintext of any command, response, telemetry or image chunk appears in any
# file the operator's folders ever held (every file carried is archived and searched).
CLI="${1:?usage: sys_opacity.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-opacity.XXXXXX); trap 'rm -rf "$T"' EXIT
mkworld "$T/w"
A="$T/operator"
mkdir -p "$A/up" "$A/down"
# grep exit 1 = searched everything, no match (2 = error: that must fail the check too)
absent() { grep -r -q -a -F "$1" "${@:2}"; [ $? = 1 ]; }
submit cmd exec mark OPAQUETOKENCMD >/dev/null
submit cmd set secretparam OPAQUEVALUE >/dev/null
submit tm >/dev/null
submit image get img.bin -o "$T/img.out" >/dev/null
for r in 1 2 3 4; do
    g_once; up --archive "$A/up" --dup 0.3 --seed $r; s_once; down --archive "$A/down" --dup 0.3 --seed $r; g_once
done
check "image arrived intact (so chunks did cross the link)" cmp -s "$T/img.out" "$W/sat/data/img.bin"
n=$(ls "$A/up" "$A/down" | wc -l)
check "operator saw files ($n)" [ "$n" -gt 20 ]
for s in OPAQUETOKENCMD OPAQUEVALUE secretparam "marked OPAQUE" uptime_s bundles_received mem_total_kB exec mark img.bin pong; do
    check "no plaintext '$s' in operator files" absent "$s" "$A" "$W/sat/in" "$W/sat/out" "$W/ground/in" "$W/ground/out" "$W/sat/quarantine" "$W/ground/quarantine"
done
check "no 24-byte slice of the image in operator files" python3 - "$W/sat/data/img.bin" "$A" <<'PY'
import os, sys
img = open(sys.argv[1], 'rb').read()
blob = b''.join(open(os.path.join(d, f), 'rb').read() for d, _, fs in os.walk(sys.argv[2]) for f in fs)
hits = sum(1 for off in range(0, len(img) - 24, 997) if img[off:off + 24] in blob)
sys.exit(1 if hits else 0)
PY
finish
