#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exactly-once across kill -9 for commands routed to a tenant program (docs/app-api.md): the
# satellite daemon (watch mode) and the program (`australis app serve`) are killed at seeded
# random moments while commands flow. Afterwards every command has exactly one answer on the
# ground (ok, interrupted, or "not running"), no command ran twice, every command answered ok
# ran exactly once, and one answered "not running" never ran.
CLI="${1:?usage: sys_app_crash.sh CLI [KILLS] [SEED]}"
KILLS="${2:-50}"
RANDOM="${3:-11}"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/aus-sys-appcrash.XXXXXX)
SP=""
AP=""
GP=""
CP=""
cleanup() {
    [ -n "$CP" ] && kill -9 "$CP" 2>/dev/null
    [ -n "$GP" ] && kill "$GP" 2>/dev/null
    [ -n "$AP" ] && kill -9 "$AP" 2>/dev/null
    [ -n "$SP" ] && kill -9 "$SP" 2>/dev/null
    wait 2>/dev/null
    [ "${AUS_KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT
mkworld "$T/w"
S="$W/app.sock"
printf '[app]\nsocket = %s\ndeadline_s = 5\n' "$S" >> "$W/sat.ini"
# the program's work: one ledger line per run (the id the daemon gave and the token)
# (a token starting with "hold" marks that it runs and blocks: killed while it runs, below)
printf '#!/bin/sh\necho "$AUSTRALIS_CMD_ID $1" >> %s/app-ledger\ncase "$1" in hold*) touch %s/$1.running; sleep 30;; esac\nsleep 0.0$(( $$ %% 5 ))\necho "did $1"\n' "$W" "$W" > "$W/work.sh"
chmod 700 "$W/work.sh"
touch "$W/app-ledger"
sed -i 's/^retry_s = 0$/retry_s = 2/' "$W/ground.ini"
printf 'socket = %s/ground.sock\n' "$W" >> "$W/ground.ini"
GP=""; CP=""
start_sat() {
    "$CLI" run --config "$W/sat.ini" >> "$W/sat.log" 2>&1 &
    SP=$!
}
start_app() {
    "$CLI" app serve work --socket "$S" -- "$W/work.sh" >> "$W/serve.log" 2>&1 &
    AP=$!
}
# the link: both daemons watch their folders; a carrier moves finished files (rename: atomic)
carry() {
    while :; do
        for f in "$W"/ground/out/*; do [ -f "$f" ] && case "$f" in *.tmp) ;; *) mv "$f" "$W/sat/in/" 2>/dev/null ;; esac; done
        for f in "$W"/sat/out/*; do [ -f "$f" ] && case "$f" in *.tmp) ;; *) mv "$f" "$W/ground/in/" 2>/dev/null ;; esac; done
        sleep 0.02
    done
}
"$CLI" run --config "$W/ground.ini" >> "$W/ground.log" 2>&1 &
GP=$!
carry &
CP=$!
start_sat
start_app
for _ in $(seq 1 100); do grep -q "serves command 'work'" "$W/sat.log" && [ -S "$W/ground.sock" ] && break; sleep 0.05; done

ids=()
kills=0; dk=0; ak=0; k=0
while [ $kills -lt "$KILLS" ] && [ $k -lt $((KILLS * 4)) ]; do
    k=$((k+1))
    ids+=("$(submit cmd work tok$k)")
    [ $((RANDOM % 3)) = 0 ] && ids+=("$(submit cmd work tok${k}b)")
    for moment in 1 2; do   # two seeded moments a round: 1..150 ms after the last event
        sleep "$(printf '0.%03d' $((RANDOM % 150 + 1)))"
        if [ $((RANDOM % 2)) = 0 ]; then
            kill -9 "$SP" 2>/dev/null && { kills=$((kills+1)); dk=$((dk+1)); }
            wait "$SP" 2>/dev/null
            start_sat
        else
            kill -9 "$AP" 2>/dev/null && { kills=$((kills+1)); ak=$((ak+1)); }
            wait "$AP" 2>/dev/null
            start_app
        fi
    done
done
echo "kill loop done at $SECONDS s"; echo "killed the daemon $dk times and the program $ak times (of $k rounds)"
check ">= $KILLS kills landed" [ "$kills" -ge "$KILLS" ]
# the seeded moments above may land no kill while a program runs (under ASan on a loaded
# machine they mostly landed before a command arrived or after it ended), so one command of
# each kind is killed while it surely runs: its program, then the daemon that handed it over
banners_over() { [ "$(grep -c '  Australis [0-9]' "$W/sat.log")" -gt "$1" ]; }
serving() { # the program started last serves 'work' to the daemon that logged the last banner
    awk -v p="application (pid $AP) serves command 'work'" \
        '/  Australis [0-9]+[.][0-9]+[.][0-9]+ [(]/ {s = 0} index($0, p) {s = 1} END {exit !s}' "$W/sat.log"
}
# a daemon killed within ms of its start may never log its banner: start both afresh, in order
b=$(grep -c '  Australis [0-9]' "$W/sat.log")
kill -9 "$SP"; wait "$SP" 2>/dev/null; start_sat
waitfor banners_over "$b"
kill -9 "$AP"; wait "$AP" 2>/dev/null; start_app
hold() { # hold TOKEN program|daemon: sets HID
    waitfor serving
    HID=$(submit cmd work "$1")
    ids+=("$HID")
    waitfor test -e "$W/$1.running"
    if [ "$2" = program ]; then
        kill -9 "$AP"; wait "$AP" 2>/dev/null; start_app
    else
        kill -9 "$SP"; wait "$SP" 2>/dev/null; start_sat
    fi
}
hold hold1 program; H1=$HID
hold hold2 daemon; H2=$HID
# settle: everything answered (the ground re-sends what has no answer yet); answers kept
declare -A ans
for r in $(seq 1 120); do   # 60 s and more: restarts under ASan on a loaded machine (40 rounds were ~25 s)
    missing=0
    for id in "${ids[@]}"; do
        [ -n "${ans[$id]:-}" ] && continue
        ans[$id]=$(resp "$id")
        [ -z "${ans[$id]}" ] && { missing=1; break; }
    done
    [ $missing = 0 ] && break
    sleep 0.5
done
echo "settled at $SECONDS s"; lost=0; okc=0; intr=0; notrun=0; bad_ok=0; ran_notrun=0
for id in "${ids[@]}"; do
    j=${ans[$id]:-}
    [ -z "$j" ] && { lost=$((lost+1)); echo "  request $id never answered"; continue; }
    tok=$(echo "$j" | sed -n 's/.*"output":"did \(tok[0-9b]*\)\\n".*/\1/p')
    case "$j" in
    *'"status":"ok"'*)
        okc=$((okc+1))
        [ "$(grep -c " $tok\$" "$W/app-ledger")" = 1 ] || { bad_ok=$((bad_ok+1)); echo "  ok answer $id ($tok) not run exactly once"; } ;;
    *'"status":"interrupted"'*) intr=$((intr+1)) ;;
    *"is not running"*)
        notrun=$((notrun+1))
        grep -q "^$id " "$W/app-ledger" && { ran_notrun=$((ran_notrun+1)); echo "  $id answered not running but ran"; } ;;
    *) echo "  unexpected answer for $id: $j"; lost=$((lost+1)) ;;
    esac
done
echo "  ${#ids[@]} commands: $okc ok, $intr interrupted, $notrun not running"
check "every command answered (${#ids[@]})" [ $lost = 0 ]
check "no command ran twice" [ "$(awk '{print $2}' "$W/app-ledger" | sort | uniq -d | wc -l)" = 0 ]
check "no request id handed to the program twice" [ "$(awk '{print $1}' "$W/app-ledger" | sort | uniq -d | wc -l)" = 0 ]
check "every ok answer ran exactly once ($okc)" [ $bad_ok = 0 -a $okc -gt 0 ]
check "no 'not running' answer ran" [ $ran_notrun = 0 ]
check "some commands were interrupted by the kills ($intr)" [ $intr -gt 0 ]
echo "  hold1 ($H1): ${ans[$H1]:-}"; echo "  hold2 ($H2): ${ans[$H2]:-}"
check "a command whose program was killed while it ran: interrupted" \
    grep -q '"status":"interrupted"' <<< "${ans[$H1]:-}"
check "a command whose daemon was killed while its program ran: interrupted" \
    grep -q '"status":"interrupted"' <<< "${ans[$H2]:-}"
finish
