#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: the ground and satellite daemons over the folder link, end to end (DESIGN.md §9).
#
# Creates a temporary world (two node configs, generated keys, a satellite data folder with a
# 300 KB image), starts both daemons, and plays the operator's pipeline with `australis pass`
# (loss, duplication, reordering) while the ground client asks for telemetry, runs commands,
# downloads the image (resumed after a lossy pass), and rotates the keys by OTAR and by the
# post-quantum rekey. Prints each result and a summary; exits 0 only if everything succeeded.
# Both link profiles: LINK=folder (one bundle per file) and LINK=ccsds (one file of
# CLTUs / CADUs per pass through the CCSDS convergence layer, 1e-4 bit errors on every file);
# without LINK the scenario runs once per profile and exits 0 only if both succeed.
set -uo pipefail
if [ -z "${LINK:-}" ]; then
    rc=0 res=""
    for l in folder ccsds; do
        printf '\n\033[1m######## link = %s ########\033[0m\n' "$l"
        LINK=$l bash "$0" "$@"; r=$?
        res="$res  $l: $([ $r = 0 ] && echo ok || echo FAILED)"
        [ $r = 0 ] || rc=1
    done
    printf '\n\033[1m== Both link profiles:%s\033[0m\n' "$res"
    exit $rc
fi
ber=""
[ "$LINK" = ccsds ] && ber="--bit-errors 1e-4"
build="${1:-build}"
cli="$(cd "$build" && pwd)/australis"
[ -x "$cli" ] || { echo "demo: $cli not built" >&2; exit 3; }
# AUS_DEMO_SAT_CLI: another satellite binary (sys_flight: "qemu-aarch64-static build-flight/australis")
satcli="${AUS_DEMO_SAT_CLI:-$cli}"
W="$(mktemp -d /tmp/australis-demo.XXXXXX)"
keep="${AUS_DEMO_KEEP:-0}"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    [ "$keep" = 1 ] && echo "demo world kept in $W" || rm -rf "$W"
}
trap cleanup EXIT
t0=$(date +%s)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# each australis command the demo runs is shown as the operator would type it
show() { printf '    \033[2m$ australis %s\033[0m\n' "$*"; }

# ---- the world ----
umask 077
mkdir -p "$W/keys" "$W/sat/data" "$W/ground/downloads"
for f in sat.kek ground.kek session.ek session.ak master.key sdls.key; do
    head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' > "$W/keys/$f"
done
head -c 307200 /dev/urandom > "$W/sat/data/earth.img"
printf '#!/bin/sh\necho "payload says: $*"\nuname -sr\n' > "$W/sat/hello.sh"
chmod 700 "$W/sat/hello.sh"
common() { # role node peer side
cat <<INI
[node]
role = $1
node = $2
peer = $3
tenant = demo
lifetime_s = 3600
dictionary = $(cd "$(dirname "$0")/.." && pwd)/examples/tenant.dict
[folders]
incoming = $W/$4/in
outgoing = $W/$4/out
quarantine = $W/$4/quarantine
[store]
path = $W/$4/state.db
[keys]
kek_file = $W/keys/$4.kek
ek_file = $W/keys/session.ek
ak_file = $W/keys/session.ak
master_file = $W/keys/master.key
pq_dir = $W/$4/pq
pq_peer_dir = $W/$5/pq
$([ "$LINK" = ccsds ] && echo "sdls_key_file = $W/keys/sdls.key")
[link]
link = $LINK
scid = 100
tm_vcid = 0
tc_vcid = 4
tm_spi = 1
tc_spi = 2
tm_frame_len = 1115
INI
}
{ common sat 100 200 sat ground; cat <<INI
[sat]
data_dir = $W/sat/data
capture_source = $W/sat/data/earth.img
chunk_size = 8192
exec.hello = $W/sat/hello.sh
[app]
socket = $W/app.sock
INI
} > "$W/sat.ini"
{ common ground 200 100 ground sat; cat <<INI
[ground]
socket = $W/ground.sock
downloads = $W/ground/downloads
retry_s = 2
INI
} > "$W/ground.ini"

say "World in $W: sat ipn:100, ground ipn:200, tenant 'demo', link = $LINK"
show run --config "$W/sat.ini" --once "   # first boots: each side's PQ keys, then the peer's"
show run --config "$W/ground.ini" --once
show run --config "$W/sat.ini" "&"
show run --config "$W/ground.ini" "&"
show pass --from "$W/ground/out" --to "$W/sat/in" --seed N --dup 0.2 --reorder $ber "   # every 0.8 s"
show pass --from "$W/sat/out" --to "$W/ground/in" --seed N --dup 0.2 --reorder $ber
# first boots generate each side's long-term PQ keys and exchange the public halves
$satcli run --config "$W/sat.ini" --once > "$W/sat.boot.log" 2>&1
"$cli" run --config "$W/ground.ini" --once > "$W/ground.boot.log" 2>&1
$satcli run --config "$W/sat.ini" --once >> "$W/sat.boot.log" 2>&1
head -4 "$W/sat.boot.log"

$satcli run --config "$W/sat.ini" > "$W/sat.log" 2>&1 & pids+=($!)
"$cli" run --config "$W/ground.ini" > "$W/ground.log" 2>&1 & pids+=($!)
# (60 s: on a loaded machine a client started before the ground holds its store would run the
# request itself, and the ground could then not take the store)
for i in $(seq 600); do [ -S "$W/ground.sock" ] && break; sleep 0.1; done
"$(dirname "$cli")/tenant_app" "$W/app.sock" > "$W/tenant.log" 2>&1 & pids+=($!) # examples/tenant_app.c

seed=1
pass_up() { "$cli" pass --from "$W/ground/out" --to "$W/sat/in" --seed $((seed++)) $ber "$@"; }
pass_down() { "$cli" pass --from "$W/sat/out" --to "$W/ground/in" --seed $((seed++)) $ber "$@"; }

# run a client command in the background and play passes until it returns
declare -A result
step() { # name, pass-options-for-first-downlink, client args...
    local name="$1" first="$2"; shift 2
    say "$name"
    show "$@" --config "$W/ground.ini" --wait --timeout 60
    "$cli" "$@" --config "$W/ground.ini" --wait --timeout 60 > "$W/$name.out" 2>&1 &
    local c=$! n=0
    while kill -0 $c 2>/dev/null && [ $n -lt 40 ]; do
        sleep 0.4
        pass_up --dup 0.2 --reorder --quiet
        sleep 0.4
        if [ $n -eq 0 ] && [ -n "$first" ]; then pass_down $first; else pass_down --dup 0.2 --reorder --quiet; fi
        n=$((n+1))
    done
    wait $c; local rc=$?
    sed 's/^/    /' "$W/$name.out" | head -40
    result[$name]=$rc
}

step telemetry "--drop 0.0 --dup 0.5" tm
step command-ping "" cmd ping hello-from-ground
step command-set "" cmd set mode science
step command-exec "--dup 1" cmd exec hello 1 2 3
step image-download "--drop 0.3 --dup 0.1 --reorder" image get earth.img --chunk 8192
{ grep -m 1 "re-sent image" "$W/ground.log"; grep -m 1 "complete:" "$W/ground.log"; } | sed 's/^/    ground log: /'
if [ "${result[image-download]}" = 0 ] && cmp -s "$W/ground/downloads/earth.img" "$W/sat/data/earth.img"; then
    echo "    ground copy identical to the satellite's file ($(stat -c %s "$W/sat/data/earth.img") bytes)"
else
    result[image-download]=1
fi
step rekey-otar "" rekey --otar
step rekey-pq "" rekey --pq
step command-after-rekeys "--dup 0.5" cmd get mode
step key-inventory "" sa inventory
step app-command "" cmd hello from-the-ground   # served by examples/tenant_app.c (docs/app-api.md)
"$cli" app points --config "$W/ground.ini" | tail -n 3 | sed 's/^/    tenant points on the ground: /'

# AUS_DEMO_STATS=FILE: the satellite daemon's peak resident set (sys_flight prints it), and the
# pages of the satellite binary's own file resident now (under qemu-user the emulator and the
# guest are one process: that part is the guest's, the rest cannot be told apart)
if [ -n "${AUS_DEMO_STATS:-}" ]; then
    satbin=$(readlink -f "${satcli##* }")
    own=$(awk -v b="$satbin" '/^[0-9a-f]+-[0-9a-f]+ /{ m = ($6 == b) } m && /^Rss:/{ s += $2 } END{ print s + 0 }' /proc/${pids[0]}/smaps)
    echo "$LINK $(grep VmHWM /proc/${pids[0]}/status | tr -s ' \t' ' ') $own" >> "$AUS_DEMO_STATS"
fi
say "Daemon logs (last lines)"
tail -n 5 "$W/sat.log" | sed 's/^/    sat:    /'
tail -n 5 "$W/ground.log" | sed 's/^/    ground: /'
echo "    quarantined (duplicates caught by the replay window): sat $(ls "$W/sat/quarantine" | wc -l), ground $(ls "$W/ground/quarantine" | wc -l)"

if [ "$LINK" = ccsds ]; then
    echo "    ground link counters (australis status): $("$cli" status --json --config "$W/ground.ini" 2>/dev/null | tr -d ' \t\n' | grep -o '"\(cadu_rx\|rs_corrected\|cadu_fec\|sdls_ok\|sdls_replay\|tc_ad_tx\|tc_ad_retx\|bundles_rx\|bundles_tx\)":[0-9]*' | tr '\n' ' ')"
    echo "    pass files: $(grep -c 'ccsds pass out' "$W/ground.log") uplink (CLTUs), $(grep -c 'ccsds pass out' "$W/sat.log") downlink (CADUs)"
fi
say "Summary ($LINK link, $(( $(date +%s) - t0 )) s)"
fail=0
for k in telemetry command-ping command-set command-exec image-download rekey-otar rekey-pq command-after-rekeys key-inventory app-command; do
    if [ "${result[$k]:-1}" = 0 ]; then echo "    ok      $k"; else echo "    FAILED  $k"; fail=1; fi
done
exit $fail
