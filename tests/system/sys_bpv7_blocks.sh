#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# australis bundle inspect on bundles with many canonical blocks (RFC 9171 sets no limit, §4.1):
# 17, 256, 300 blocks well formed; more than the block capacity refused with the exact sentence;
# --max-blocks; Wireshark's bpv7 dissector (../shared/tools/tshark_check.sh) as a third-party
# judge when it is installed. Usage: sys_bpv7_blocks.sh CLI [SHARED_DIR]
CLI="$1"
SHARED="${2:-${AUS_SHARED_DIR:-}}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Bundles written here by hand (CBOR per RFC 9171 §4): N-1 blocks of type 193, then the payload.
python3 - "$T" <<'PY'
import struct, sys
def head(m, v):
    if v < 24: return bytes([m << 5 | v])
    if v < 256: return bytes([m << 5 | 24, v])
    if v < 65536: return bytes([m << 5 | 25]) + struct.pack('>H', v)
    if v < 2**32: return bytes([m << 5 | 26]) + struct.pack('>I', v)
    return bytes([m << 5 | 27]) + struct.pack('>Q', v)
u = lambda v: head(0, v)
bs = lambda b: head(2, len(b)) + b
arr = lambda xs: head(4, len(xs)) + b''.join(xs)
eid = lambda n, s: arr([u(2), arr([u(n), u(s)])])
pri = arr([u(7), u(0), u(0), eid(2, 1), eid(1, 1), eid(1, 1), arr([u(817000000000), u(0)]), u(3600000)])
blk = lambda t, n, d: arr([u(t), u(n), u(0), u(0), bs(d)])
for n in (17, 256, 300, 5000):
    b = [blk(193, 2 + i, b'\x42') for i in range(n - 1)] + [blk(1, 1, b'payload')]
    open('%s/many_%d.bundle' % (sys.argv[1], n), 'wb').write(b'\x9f' + pri + b''.join(b) + b'\xff')
PY
NOW="--now 817000000001"
for n in 17 256 300; do
    "$CLI" bundle inspect $NOW "$T/many_$n.bundle" > "$T/o" 2>&1
    check "$n blocks: exit 0" [ $? = 0 ]
    check "$n blocks: valid" [ "$(head -1 "$T/o")" = "$T/many_$n.bundle: valid bundle, $(stat -c %s "$T/many_$n.bundle") bytes, $((n + 1)) blocks" ]
done
"$CLI" bundle inspect $NOW "$T/many_5000.bundle" > "$T/o" 2>&1
check "5000 blocks over the default capacity 4096: exit 1" [ $? = 1 ]
check "5000 blocks: the sentence" [ "$(cat "$T/o")" = "$T/many_5000.bundle: invalid: the bundle has more canonical blocks than the configured block capacity at byte 40720" ]
"$CLI" bundle inspect $NOW --max-blocks 6000 "$T/many_5000.bundle" > "$T/o" 2>&1
check "--max-blocks 6000: 5000 blocks accepted" [ $? = 0 ]
check "--max-blocks 6000: on receipt accept" grep -q "on receipt: accept" "$T/o"
"$CLI" bundle inspect $NOW --max-blocks 299 "$T/many_300.bundle" > "$T/o" 2>&1
check "--max-blocks 299: 300 blocks refused at the payload block" [ "$(cat "$T/o")" = "$T/many_300.bundle: invalid: the bundle has more canonical blocks than the configured block capacity at byte 2750" ]
"$CLI" bundle inspect --max-blocks 0 "$T/many_17.bundle" > /dev/null 2>&1
check "--max-blocks 0: usage (exit 2)" [ $? = 2 ]
J=$("$CLI" bundle inspect --json $NOW "$T/many_300.bundle" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["valid"], len(d["blocks"]))')
check "--json: 300 blocks listed" [ "$J" = "True 300" ]
if [ -n "$SHARED" ] && [ -x "$SHARED/tools/tshark_check.sh" ] && command -v tshark > /dev/null; then
    "$SHARED/tools/tshark_check.sh" "$T/many_17.bundle" "$T/many_300.bundle" > "$T/ts" 2>&1
    check "Wireshark: 17 and 300 blocks PASS" grep -q "VERDICT: PASS (2 frames)" "$T/ts"
fi
finish
