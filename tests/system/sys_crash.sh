#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety: kill -9 of either daemon at >= 100 random (seeded) moments during a busy
# scenario. Afterwards: no acknowledged request lost (every one answered), no command ran
# twice, no (key, IV) pair used twice (AUS_IV_LOG records every IV the envelope uses).
CLI="${1:?usage: sys_crash.sh CLI [KILLS] [SEED]}"
KILLS="${2:-100}"
RANDOM="${3:-7}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-crash.XXXXXX); trap '[ "${AUS_KEEP:-0}" = 1 ] || rm -rf "$T"' EXIT
mkworld "$T/w"
export AUS_IV_LOG="$W/iv.log"

ids=()
for i in $(seq 1 40); do
    if [ $((i % 4)) = 0 ]; then ids+=("$(submit tm)"); else ids+=("$(submit cmd exec mark tok$i)"); fi
done
kills=0; k=0
while [ $kills -lt "$KILLS" ] && [ $k -lt $((KILLS * 8)) ]; do
    k=$((k+1))
    if [ $((k % 2)) = 0 ]; then id=$(submit cmd exec mark late$k); ids+=("$id"); fi
    up --seed $k --dup 0.2
    down --seed $k
    if [ $((RANDOM % 2)) = 0 ]; then cfg="$W/sat.ini"; log="$W/sat.log"; else cfg="$W/ground.ini"; log="$W/ground.log"; fi
    "$CLI" run --config "$cfg" --once >> "$log" 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 30 + 1)))"   # 1..30 ms: start-up, scan, commit, write
    if kill -9 $pid 2>/dev/null; then kills=$((kills+1)); fi
    wait $pid 2>/dev/null
done
echo "killed $kills daemon runs mid-flight (of $k attempts)"
check ">= $KILLS kills landed while a daemon was running" [ "$kills" -ge "$KILLS" ]
for r in $(seq 1 8); do round; done
lost=0; interrupted=0
for id in "${ids[@]}"; do
    j=$(resp "$id")
    [ -z "$j" ] && { lost=$((lost+1)); echo "  request $id never answered"; }
    echo "$j" | grep -q '"status":"interrupted"' && interrupted=$((interrupted+1))
done
echo "  ${#ids[@]} requests, $interrupted answered 'interrupted' (crash while running)"
check "no acknowledged request lost (${#ids[@]} answered)" [ $lost = 0 ]
check "no command ran twice" [ "$(sort "$W/ledger" | uniq -d | wc -l)" = 0 ]
okcount=0; missing=0
for id in "${ids[@]}"; do
    j=$(resp "$id")
    tok=$(echo "$j" | sed -n 's/.*"output":"marked \([a-z0-9]*\)\\n".*/\1/p')
    [ -n "$tok" ] && { okcount=$((okcount+1)); grep -qx "$tok" "$W/ledger" || missing=$((missing+1)); }
done
check "every command answered ok ran exactly once ($okcount)" [ $missing = 0 -a $okcount -gt 0 ]
n=$(wc -l < "$W/iv.log")
check "IV log written ($n IVs)" [ "$n" -gt 50 ]
check "no (key, IV) pair used twice" [ "$(awk '{print $4, $5}' "$W/iv.log" | sort | uniq -d | wc -l)" = 0 ]
finish
