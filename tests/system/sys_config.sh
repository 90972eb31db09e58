#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configuration errors (a sentence naming the key and the line, exit 2), usage errors, and a
# watch-mode daemon that stops cleanly on SIGTERM (exit 0) while serving the client socket.
CLI="${1:?usage: sys_config.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-config.XXXXXX); trap '[ "${AUS_KEEP:-0}" = 1 ] || rm -rf "$T"' EXIT
mkworld "$T/w"
badcfg() { # name, sed expression, expected text
    sed "$2" "$W/sat.ini" > "$T/bad.ini"
    "$CLI" run --config "$T/bad.ini" --once > "$T/out" 2>&1; local rc=$?
    check "$1: exit 2 ($rc)" [ $rc = 2 ]
    check "$1: names key and line" grep -q -E "$3" "$T/out"
}
badcfg "unknown key" 's/^scid = 100/scidd = 100/' "bad.ini:[0-9]+: unknown key 'scidd' in section \[link\]"
badcfg "bad number" 's/^node = 100/node = ten/' "bad.ini:3: key 'node' needs a number"
badcfg "bad role" 's/^role = sat/role = moon/' "bad.ini:2: key 'role' must be 'sat' or 'ground'"
badcfg "missing key" '/^peer = /d' "missing required key 'peer' in section \[node\]"
badcfg "bad section" 's/^\[store\]/[store/' "bad.ini:[0-9]+: bad section header"
badcfg "bad link" 's/^link = folder/link = radio/' "key 'link' must be 'folder'"
badcfg "odd tenant" 's/^tenant = alpha/tenant = al\/pha/' "key 'tenant' may hold only"
badcfg "out of range" 's/^scid = 100/scid = 5000/' "key 'scid' needs a number in range"
badcfg "ack_batch beyond the held-ACK bound" '$a [tcpcl]\nack_batch = 17' \
    "bad.ini:[0-9]+: key 'ack_batch' in \[tcpcl\] needs a number in 1..16, not '17'"
badcfg "bad status_reports" 's/^replay_window = 1024/replay_window = 1024\nstatus_reports = deletion,forwarding/' \
    "bad.ini:8: key 'status_reports' must be 'none' or a comma-separated list"
"$CLI" run > "$T/out" 2>&1; check "run without --config: usage, exit 2" [ $? = 2 ]
"$CLI" run --config "$T/nonexistent.ini" > "$T/out" 2>&1; check "missing config file: exit 2" [ $? = 2 ]
"$CLI" cmd --config "$W/sat.ini" ping > "$T/out" 2>&1; check "client refuses a sat config" [ $? = 2 ]
"$CLI" pass --from x > "$T/out" 2>&1; check "pass without --to: exit 2" [ $? = 2 ]
"$CLI" run --help | grep -q "usage: australis run"; check "run --help" [ $? = 0 ]
"$CLI" tm --help | grep -q "usage: australis tm"; check "tm --help" [ $? = 0 ]
"$CLI" pass --help | grep -q "usage: australis pass"; check "pass --help" [ $? = 0 ]
# SDLS EP procedures over the link (australis sa)
i1=$(submit sa inventory); i2=$(submit sa ping); i3=$(submit sa self-test); i4=$(submit sa inventory 0x0100 0x0101)
round
check "sa inventory lists the session keys" sh -c "'$CLI' status --id $i1 --config '$W/ground.ini' | grep -q '0x0100 active, 0x0101 active'"
check "sa ping answered" sh -c "'$CLI' status --id $i2 --config '$W/ground.ini' | grep -q pong"
check "sa self-test passed" sh -c "'$CLI' status --id $i3 --config '$W/ground.ini' | grep -q 'self-test passed'"
check "sa inventory range" sh -c "'$CLI' status --id $i4 --config '$W/ground.ini' | grep -q '2 key(s)'"
"$CLI" sa bogus --config "$W/ground.ini" > "$T/out" 2>&1; check "sa with an unknown procedure fails" [ $? = 1 ]
# the key-management service carries key management only: a ground that sends its commands
# to the satellite's ep_service (64) and its EP requests to service 65 is refused on both
cp "$W/ground.ini" "$T/g.ini"
sed -i 's/^\[node\]/[node]\npeer_service = 64\npeer_ep_service = 65/' "$W/ground.ini"
q1=$(submit cmd exec mark misrouted); q2=$(submit sa ping)
round
check "a command sent to the key-management service is quarantined, not run" \
    grep -q "authentic bundle with an invalid application message" "$W/sat.log"
check "... and never ran" not grep -q '^misrouted$' "$W/ledger"
check "an EP request to a service the satellite does not have is refused (POLICY)" \
    grep -q "AUS_E_POLICY" "$W/sat.log"
cp "$T/g.ini" "$W/ground.ini"

# watch mode: socket, inotify, SIGTERM
printf '[ground]\nsocket = %s/g.sock\n' "$W" >> "$W/ground.ini"
sed -i 's/^retry_s = 0/retry_s = 60/' "$W/ground.ini"
"$CLI" run --config "$W/sat.ini" > "$T/sat.watch" 2>&1 & ps=$!
"$CLI" run --config "$W/ground.ini" > "$T/ground.watch" 2>&1 & pg=$!
waitfor test -S "$W/g.sock"   # 60 s (5 s was short for ASan on a loaded machine)
check "socket is owner-only" [ "$(stat -c %a "$W/g.sock")" = 600 ]
"$CLI" cmd ping watch --config "$W/ground.ini" --wait --timeout 60 --json > "$T/ans" 2>&1 &
c=$!
for i in $(seq 120); do
    sleep 0.25; up; sleep 0.25; down
    kill -0 $c 2>/dev/null || break
done
wait $c; check "answer through the socket (exit $?)" grep -q '"output":.*"pong watch"' "$T/ans"
kill -TERM $ps $pg; wait $ps; rs=$?; wait $pg; rg=$?
check "sat exits 0 on SIGTERM ($rs)" [ $rs = 0 ]
check "ground exits 0 on SIGTERM ($rg)" [ $rg = 0 ]
check "stop logged" grep -q "SIGTERM: finishing" "$T/sat.watch"
check "socket removed" [ ! -e "$W/g.sock" ]
finish
