#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Time-tagged commands and sequences (docs/daemon.md, "Time-tagged commands"): stored on board,
# run once at their time in time order (an external command through the same two-phase path as
# an immediate one), refused when the satellite reaches them later than their tolerance, listed
# with `cmd --scheduled`, cancelled on board with `cancel ID`; a re-sent copy never runs twice.
CLI="${1:?usage: sys_timed.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-timed.XXXXXX)
mkworld "$T/w"
sed -i 's/^retry_s = 0$/retry_s = 600/' "$W/ground.ini"
printf 'socket = %s/g.sock\n' "$T" >> "$W/ground.ini"
answer() { "$CLI" status --id "$1" --json --config "$W/ground.ini" 2>/dev/null; }
export -f answer; export CLI W
s_once
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & gpid=$!
trap 'kill $gpid 2>/dev/null; wait $gpid 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
waitfor test -S "$T/g.sock"

# Their times are taken at each submission: "early" (+17) lands between s1 (+15) and s2 (+22)
# as long as it is submitted within 5 s of the sequence (s2 was +19: a 2 s margin for two CLI
# starts, thin for ASan on a loaded machine; the order check would then fail)
printf '# a sequence: seconds from now, command, arguments\n+15 exec mark s1\n\n+22   exec mark s2   # the last\n' > "$T/seq"
mapfile -t sq < <("$CLI" cmd --sequence "$T/seq" --config "$W/ground.ini" | sed -n 's/^request id //p')
check "a sequence of two: two request ids" [ "${#sq[@]}" = 2 ]
e=$(submit cmd exec mark early --at +17)
l=$(submit cmd exec mark late --at +0 --tolerance 0)
far=$(submit cmd ping far --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")
t1=$(date +%s)   # after every submission: s2 is due before t1 + 23 (t1 is rounded down)
check "five time-tagged commands queued" waitfor count_is "$W/ground/out" 5
up; s_once; down
check "nothing ran on arrival" [ ! -s "$W/ledger" ]
ls=$(submit cmd --scheduled)
waitfor count_is "$W/ground/out" 1; up; s_once; down
check "cmd --scheduled lists the four waiting on board (the late one expired on arrival)" \
    waitfor sh -c "'$CLI' status --id $ls --config '$W/ground.ini' 2>/dev/null | grep -c ' exec mark \| ping far' | grep -qx 4"
while [ "$(date +%s)" -lt $((t1 + 24)) ]; do sleep 0.5; done
# the pass: the ground's re-sent copies arrive first (a lost answer's retry), then the time passes
for id in "${sq[@]}" "$e"; do "$CLI" retry "$id" --config "$W/ground.ini" > /dev/null; done
waitfor count_is "$W/ground/out" 3
up; s_once; down
check "the due ones ran once each, in time order" [ "$(tr '\n' ' ' < "$W/ledger")" = "s1 early s2 " ]
check "... and were answered" waitfor bash -c "answer ${sq[0]} | grep -q 'marked s1' && answer ${sq[1]} | grep -q 'marked s2' && answer $e | grep -q 'marked early'"
check "the one reached later than its tolerance (0 s) was not run: expired" \
    waitfor bash -c "answer $l | grep -q '\"status\":\"expired\"' && answer $l | grep -q 'later than its tolerance' && ! grep -q late '$W/ledger'"
out=$("$CLI" cancel "$far" --config "$W/ground.ini")
check "cancel of a waiting time-tagged command goes to the satellite" \
    sh -c "printf '%s\n' \"\$1\" | grep -q '^request $far is a time-tagged command: the satellite is asked to cancel it (request [0-9]*)'" _ "$out"
waitfor count_is "$W/ground/out" 1; up; s_once; down
check "... its answer: cancelled before it ran" waitfor bash -c "answer $far | grep -q 'cancelled before it ran'"
check "... and it never runs" sh -c "! grep -q far '$W/ledger'"
"$CLI" cmd ping --at yesterday --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "--at with a bad time: exit 2 and the sentence" sh -c "[ $rc = 2 ] && grep -qx -- \"australis: cmd: option --at needs +SECONDS or a UTC time YYYY-MM-DDTHH:MM:SSZ, not 'yesterday'\" '$T/err'"
printf '+1 exec mark ok\nsoon exec mark bad\n' > "$T/bad.seq"
"$CLI" cmd --sequence "$T/bad.seq" --config "$W/ground.ini" > "$T/out" 2> "$T/err"; rc=$?
check "a bad sequence line: exit 2, the line named, nothing sent" \
    sh -c "[ $rc = 2 ] && grep -q 'bad.seq:2: expected \"+SECONDS NAME \[ARGS...\]\"' '$T/err' && [ ! -s '$T/out' ]"
finish
