#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The operator's control of pending requests (docs/daemon.md, "Pending requests"): `australis
# status` lists each pending request with its age, the times sent, a download's progress and
# when it is re-sent next; `australis retry ID` re-sends it now (not after retry_s);
# `australis cancel ID` stops the ground asking: the request ends FAILED "cancelled by the
# operator", its late answer is ignored, a download's temporary is removed.
CLI="${1:?usage: sys_requests.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-requests.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
mkworld "$T/w"
sed -i 's/^retry_s = 0$/retry_s = 600/' "$W/ground.ini"
printf 'socket = %s/g.sock\n' "$T" >> "$W/ground.ini"
s_once
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 & gpid=$!
trap 'kill $gpid 2>/dev/null; wait $gpid 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
waitfor test -S "$T/g.sock"
c=$(submit cmd exec mark one)
i=$(submit image get img.bin -o "$T/img.out" --chunk 4096)
check "two requests queued" waitfor count_is "$W/ground/out" 2
st=$("$CLI" status --config "$W/ground.ini")
check "status lists both with age, sends and next retry" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq '^  $c +command +age 0m[0-5][0-9]s  sent 1x  next retry in (5[0-9][0-9]|600)s\$' &&
           printf '%s\n' \"\$1\" | grep -Eq '^  $i +image-request +age 0m[0-5][0-9]s  sent 1x  next retry in'" _ "$st"
# the bundles are lost on the way: nothing would be re-sent for ten minutes
rm -f "$W/ground/out"/*
sleep 1.5
check "not due: nothing re-sent by the daemon's loop" count_is "$W/ground/out" 0
check "retry: re-sent now" sh -c "'$CLI' retry $c --config '$W/ground.ini' | grep -qx 'request $c re-sent now'"
check "... its bundle is in the outgoing folder" waitfor count_is "$W/ground/out" 1
check "status: sent 2x" sh -c "'$CLI' status --json --config '$W/ground.ini' | python3 -c '
import json,sys; s=json.load(sys.stdin); d={p[\"id\"]:p for p in s[\"pending_detail\"]}
sys.exit(0 if d[$c][\"sends\"]==2 and d[$i][\"sends\"]==1 and d[$c][\"next_retry_s\"]>500 else 1)'"
up; s_once; down
check "the re-sent command ran once and was answered" \
    waitfor sh -c "[ \"\$(cat '$W/ledger')\" = one ] && '$CLI' status --id $c --config '$W/ground.ini' 2>/dev/null | grep -q 'marked one'"
# the download: half of it arrives, then the operator cancels it
"$CLI" retry "$i" --config "$W/ground.ini" > /dev/null
waitfor count_is "$W/ground/out" 1
up; s_once
mkdir -p "$T/held"
ls "$W/sat/out" | sort | tail -n +13 | while read -r f; do mv "$W/sat/out/$f" "$T/held/"; done
down
check "status shows the download's progress" waitfor sh -c "'$CLI' status --config '$W/ground.ini' |
    grep -Eq '^  $i +image-request .* chunks [0-9]+/25 \\([0-9]+%\\)\$'"
check "a temporary exists" test -e "$T/img.out.$i.part"
check "cancel" sh -c "'$CLI' cancel $i --config '$W/ground.ini' | grep -qx 'request $i cancelled: the ground stops asking for it'"
check "... the request failed with the reason" \
    sh -c "'$CLI' status --id $i --json --config '$W/ground.ini' | grep -q 'cancelled by the operator'"
check "... the temporary is removed" not test -e "$T/img.out.$i.part"
mv "$T/held"/* "$W/ground/in/"
# (if this fails: is the daemon alive? finish prints its log)
check "the rest of the download arrives late and is taken" waitfor count_is "$W/ground/in" 0
check "... the ground daemon is still running" kill -0 "$gpid"
check "... and ignored: no file, no temporary" sh -c "! ls '$T' | grep -q img.out"
"$CLI" cancel "$i" --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "cancel again: exit 1 and the sentence" sh -c "[ $rc = 1 ] && grep -qx 'australis: cancel: no pending request with that id (answered, failed, cancelled or never submitted)' '$T/err'"
"$CLI" retry 9999 --config "$W/ground.ini" > /dev/null 2>&1; rc=$?
check "retry of a request that never existed: exit 1" [ "$rc" = 1 ]
"$CLI" retry abc --config "$W/ground.ini" > /dev/null 2> "$T/err"; rc=$?
check "retry abc: usage, exit 2, the sentence" sh -c "[ $rc = 2 ] && grep -q 'retry: abc is not a request id' '$T/err'"
finish
