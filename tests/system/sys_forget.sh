#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ground's low-water mark (docs/daemon.md, "Forgetting"): once 64 more requests below it are
# answered, the ground sends a FORGET, the satellite drops its exactly-once records below the
# mark, and the ground prunes its stored answers, keeping the last [ground] keep_answers below
# the mark; answers above stay. Requests below the mark are still never run twice.
CLI="${1:?usage: sys_forget.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-forget.XXXXXX)
trap '[ -z "${KEEP:-}" ] && rm -rf "$T"' EXIT
mkworld "$T/w"
printf 'keep_answers = 8\n' >> "$W/ground.ini"
s_once; g_once
ids=()
for i in $(seq 70); do ids+=("$(submit cmd exec mark "n$i")"); done
check "70 request ids handed out" [ "$(printf '%s\n' "${ids[@]}" | grep -c .)" = 70 ]
g_once
first=$(ls "$W/ground/out" | head -1)
cp "$W/ground/out/$first" "$T/first"
up; s_once; down; g_once
check "every command ran" [ "$(sort -u "$W/ledger" | wc -l)" = 70 ]
check "... once" [ "$(wc -l < "$W/ledger")" = 70 ]
g_once
last=${ids[69]}
low=$((last + 1))
check "the ground sent a FORGET below id $low and pruned all but keep_answers = 8 below it" \
    grep -q "forget: every request below id $low is answered; $((low - 1 - 8)) old answer(s) pruned" \
    "$W/ground.log"
up; s_once
check "the satellite took the FORGET" grep -q "rx forget" "$W/sat.log"
check "an answer below the kept range is gone (status exit 1)" \
    not "$CLI" status --id "${ids[0]}" --config "$W/ground.ini"
check "... up to the boundary (id $((low - 9)))" \
    not "$CLI" status --id "$((low - 9))" --config "$W/ground.ini"
check "the last 8 answers below the mark are kept" \
    sh -c "'$CLI' status --id $((low - 8)) --config '$W/ground.ini' | grep -q 'marked n$((low - 8 - ${ids[0]} + 1))'"
check "the newest answer is kept" \
    sh -c "'$CLI' status --id $last --config '$W/ground.ini' | grep -q 'marked n70'"
# the first command's bundle, replayed after the FORGET, still does not run again
cp "$T/first" "$W/sat/in/$first"
s_once
check "the replayed first command does not run again" [ "$(wc -l < "$W/ledger")" = 70 ]
check "... it is quarantined" [ -n "$(ls "$W/sat/quarantine")" ]
c=$(submit cmd exec mark after-forget)
round
check "a new command runs after the FORGET" sh -c "'$CLI' status --id $c --config '$W/ground.ini' | grep -q 'marked after-forget'"
check "every command ran exactly once" [ "$(wc -l < "$W/ledger")" = 71 ]
finish
