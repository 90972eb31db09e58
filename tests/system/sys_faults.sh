#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fault injection through `australis pass`: loss, duplication, reordering, truncation, bit
# flips, and delay beyond the lifetime. Every command must run exactly once or be reported
# expired; nothing tampered with may be accepted.
CLI="${1:?usage: sys_faults.sh CLI}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-faults.XXXXXX); trap 'rm -rf "$T"' EXIT
mkworld "$T/w"

ids=()
for i in $(seq 1 20); do ids+=("$(submit cmd exec mark tok$i)"); done
check "20 commands queued with distinct ids" [ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = 20 ]
seed=1
for r in $(seq 1 12); do
    g_once
    up --drop 0.25 --dup 0.3 --reorder --corrupt 0.15 --truncate 0.1 --seed $((seed++))
    s_once
    down --drop 0.25 --dup 0.3 --reorder --corrupt 0.15 --truncate 0.1 --seed $((seed++))
    g_once
done
for r in 1 2 3; do round; done   # clean passes: everything still pending gets through
answered=0; wrong=0
for i in $(seq 1 20); do
    j=$(resp "${ids[$((i-1))]}")
    if echo "$j" | grep -q "\"output\":\"marked tok$i\\\\n\""; then answered=$((answered+1)); else wrong=$((wrong+1)); echo "  id ${ids[$((i-1))]}: $j"; fi
done
check "all 20 commands answered with their own output" [ $answered = 20 ]
check "each command ran exactly once (ledger)" [ "$(sort "$W/ledger" | uniq -d | wc -l)" = 0 -a "$(sort -u "$W/ledger" | wc -l)" = 20 ]
q=$(ls "$W/sat/quarantine" "$W/ground/quarantine" | wc -l)
check "tampered and duplicated files were quarantined ($q)" [ "$q" -gt 5 ]
check "quarantine log lines name the reason" grep -q -E "quarantine .*(authentication|replayed|truncated|CRC|malformed)" "$W/sat.log" "$W/ground.log"
check "no daemon run failed" not grep -q -i "store failure\|Segmentation\|Aborted" "$W/sat.log" "$W/ground.log"

# a download under loss, duplication, reordering and corruption resumes until complete
iid=$(submit image get img.bin -o "$T/img.out")
for r in $(seq 1 10); do
    g_once
    up --drop 0.2 --dup 0.2 --reorder --corrupt 0.1 --seed $((seed++))
    s_once
    down --drop 0.3 --dup 0.2 --reorder --corrupt 0.1 --truncate 0.05 --seed $((seed++))
    g_once
    [ -f "$T/img.out" ] && break
done
for r in 1 2 3; do [ -f "$T/img.out" ] || round; done
check "image download completed through faults" cmp -s "$T/img.out" "$W/sat/data/img.bin"
check "download answer ok with verified SHA-256" sh -c "echo '$(resp "$iid")' | grep -q 'SHA-256 verified'"
check "missing ranges were asked again" grep -q "missing ranges only" "$W/ground.log"

# delay beyond lifetime: a request with a 2 s lifetime carried 3 s late is deleted on receipt
# (RFC 9171 §5.6: never delivered to the application, so never answered by it)
mkworld "$T/late" beta 110 210 2
id=$(submit cmd exec mark late1)
g_once
up --delay 3
s_once; down; g_once
check "late command deleted on receipt, never delivered" \
    grep -q "deleted on receipt: lifetime expired (reason 1), never delivered" "$W/sat.log"
check "late command never ran" [ ! -s "$W/ledger" ]
# RFC 9171 §6.1.1: the ground's bundles ask for deletion reports (status_reports = deletion,
# the default); the satellite reports the expired one, the ground logs it
check "the satellite sent a deletion status report" \
    grep -q "status report from ipn:110: our bundle created .* deleted (reason 1: lifetime expired)" \
    "$W/ground.log"
check "no status report about a bundle that did not expire" \
    [ "$(grep -c "status report from" "$W/ground.log")" = 1 ]
# a bit-flipped copy of a valid bundle is never accepted, an intact copy is a replay. A world of
# its own: the one above gives bundles 2 s of life (and re-sends late1), so on a loaded machine
# flip1 could expire before the satellite reads it, or the copy taken could be late1's.
mkworld "$T/flip" gamma 120 220
id=$(submit cmd exec mark flip1)
g_once
f=$(ls "$W/ground/out")
check "one bundle to flip" [ "$(printf '%s\n' "$f" | wc -l)" = 1 ]
cp "$W/ground/out/$f" "$T/orig"
up --corrupt 1 --seed 9
s_once
check "bit-flipped bundle quarantined, not run" [ ! -s "$W/ledger" ]
cp "$T/orig" "$W/sat/in/$f"; s_once
check "intact bundle then runs once" [ "$(wc -l < "$W/ledger")" = 1 ]
cp "$T/orig" "$W/sat/in/$f"; s_once
check "its replay is quarantined and does not run again" [ "$(wc -l < "$W/ledger")" = 1 ]
check "replay logged" grep -q "replayed" "$W/sat.log"
finish
