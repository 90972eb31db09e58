#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Small things a new tenant team trips over, each as it is seen from outside:
# CCSDS pass files are not named like bundles; `sa inventory` is logged as what it is; Ctrl-C is
# logged as SIGINT; `bundle inspect` names block 192 and prints creation times in ISO 8601;
# `status --id N` for a request that never existed says so; `status --json` has the tenant
# under "tenant" and request ids as numbers; `australis init --link ccsds` pairs work.
# Usage: sys_papercuts.sh CLI
CLI="$1"
source "$(dirname "$0")/lib.sh"
T="$(mktemp -d /tmp/aus-cuts.XXXXXX)"
trap 'rm -rf "$T"' EXIT
mkworld "$T/w" cuts

# ---- sa inventory, status --id, status --json ----
s_once; g_once
# a running ground logs what its clients ask for
echo "socket = $W/ground.sock" >> "$W/ground.ini"
"$CLI" run --config "$W/ground.ini" > "$T/ground.run.log" 2>&1 &
gpid=$!
waitfor test -S "$W/ground.sock"   # 60 s; after 5 s a slow start made submit run without the daemon
inv=$(submit sa inventory)
ping=$(submit cmd ping x)
kill -TERM $gpid; wait $gpid
check "sa inventory: the ground logs the procedure, not a rekey" \
    grep -q "client: sa inventory (SDLS-EP procedure) queued as request id=$inv" "$T/ground.run.log"
j="$("$CLI" status --json --config "$W/ground.ini")"
check "status --json: the tenant under \"tenant\", ids as numbers" python3 -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["tenant"] == "cuts", o
assert o["node"] == "ipn:200", o
assert o["pending"] == [int(sys.argv[2]), int(sys.argv[3])], o["pending"]' "$j" "$inv" "$ping"
out="$("$CLI" status --id 99 --config "$W/ground.ini" 2>&1)"; rc=$?
check "status --id 99 (never submitted) says so, exit 1" test $rc = 1 -a "$out" = \
    "australis: status: there is no request 99 (never submitted to this ground, or answered and pruned since)"
out="$("$CLI" status --id "$ping" --config "$W/ground.ini" 2>&1)"
check "status --id of a pending request: no answer yet" test "$out" = \
    "australis: status: no answer to request $ping yet"
round; round
check "sa inventory: the satellite logs an SDLS-EP procedure" \
    grep -q "rx SDLS-EP procedure id=$inv" "$W/sat.log"
check "... and nobody logs it as a rekey request" not grep -q "rekey-request" "$W/sat.log" "$W/ground.log"
check "... answered with the inventory" grep -q "key(s):" <<<"$(resp "$inv")"

# ---- bundle inspect: block 192, ISO 8601 ----
"$CLI" cmd ping y --config "$W/ground.ini" > /dev/null
g_once
f="$(ls "$W/ground/out" | head -1)"
out="$("$CLI" bundle inspect "$W/ground/out/$f" 2>&1)"
check "bundle inspect names block 192 as our sequence-number block" \
    grep -q "type 192 (Australis sequence number, private use)" <<<"$out"
check "... never as unknown" not grep -q "192 (unknown" <<<"$out"
check "... and prints the creation time in ISO 8601 too" \
    grep -qE "created     [0-9]+ \($(date -u +%Y)-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z\)" <<<"$out"
"$CLI" bundle create --src ipn:2.1 --dst ipn:1.1 --ctime 1001 --payload /dev/null -o "$T/b.cbor" 2>/dev/null
check "bundle create --ctime 1001 inspects as 2000-01-01T00:00:01.001Z" \
    grep -q "created     1001 (2000-01-01T00:00:01.001Z)" <<<"$("$CLI" bundle inspect "$T/b.cbor")"
check "... --json has creation_time_iso" \
    grep -q '"creation_time_iso":"2000-01-01T00:00:01.001Z"' <<<"$("$CLI" bundle inspect --json "$T/b.cbor" | tr -d ' \t\n')"

# ---- Ctrl-C ----
"$CLI" run --config "$W/sat.ini" > "$T/sat.run.log" 2>&1 &
pid=$!
waitfor grep -q "Health:" "$T/sat.run.log"   # 60 s: a SIGINT before the handler kills it (rc 130)
kill -INT $pid
wait $pid; rc=$?
check "Ctrl-C (SIGINT): the daemon stops with exit 0" test $rc = 0
check "... and logs SIGINT, not SIGTERM" grep -q "SIGINT: finishing the current bundle and stopping" "$T/sat.run.log"

# ---- a CCSDS pair from init: pass files are not bundles ----
"$CLI" init "$T/c" --link ccsds --tenant cc > /dev/null
C="$T/c"
"$CLI" run --config "$C/sat.ini" --once > "$T/c.log" 2>&1
"$CLI" run --config "$C/ground.ini" --once >> "$T/c.log" 2>&1
id=$("$CLI" tm --config "$C/ground.ini" | sed -n 's/^request id //p')
"$CLI" run --config "$C/ground.ini" --once >> "$T/c.log" 2>&1
check "ccsds uplink pass file is named p<node>-<seq>.pass" \
    test -n "$(ls "$C/ground/out" | grep -E '^p[0-9a-f]{16}-[0-9a-f]{16}\.pass$')"
check "... and no pass file ends in .bundle" test -z "$(ls "$C/ground/out" | grep '\.bundle$')"
"$CLI" pass --from "$C/ground/out" --to "$C/sat/in" --quiet
"$CLI" run --config "$C/sat.ini" --once >> "$T/c.log" 2>&1
check "ccsds downlink pass file is a .pass too" test -n "$(ls "$C/sat/out" | grep '\.pass$')"
"$CLI" pass --from "$C/sat/out" --to "$C/ground/in" --quiet
"$CLI" run --config "$C/ground.ini" --once >> "$T/c.log" 2>&1
check "the telemetry query over the ccsds pair is answered" \
    grep -q '"type":"tm-report"' <<<"$("$CLI" status --id "$id" --json --config "$C/ground.ini" | tr -d ' \t\n')"
# ---- a client that queued its request itself (no daemon yet) and waits does not keep the
# store: the daemon started after it runs, and the answer comes back to the waiting client ----
mkworld "$T/d" cuts
s_once; g_once
"$CLI" cmd ping early --wait --timeout 120 --config "$W/ground.ini" > "$T/early.out" 2>&1 &
cpid=$!
waitfor grep -q "^request id" "$T/early.out"
"$CLI" run --config "$W/ground.ini" > "$T/ground2.log" 2>&1 &
gpid=$!
waitfor grep -q "Health:" "$T/ground2.log"
check "a daemon starts while a direct-mode client waits (no 'owned by another process')" \
    kill -0 $gpid
for _ in $(seq 60); do
    kill -0 $cpid 2>/dev/null || break
    up; s_once; down; sleep 0.5
done
wait $cpid; rc=$?
check "... and the waiting client gets its answer through it (exit $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'pong early' '$T/early.out'"
kill -TERM $gpid; wait $gpid
finish
